import ZeroMQ

/// A managed proxy: its thread, its control sockets and the statistics frames it decodes,
/// ended by `stop()` and by `Context.close()` (the close hook).
func checkProxy() throws(ZMQError) {
    let context = try Context(defaultLinger: .zero)
    let frontend = try PullSocket(context)
    let input = try frontend.bind("inproc://memcheck-proxy-in")
    let backend = try PushSocket(context)
    let output = try backend.bind("inproc://memcheck-proxy-out")
    let capture = try PushSocket(context)
    let copies = try capture.bind("inproc://memcheck-proxy-capture")
    let captured = try PullSocket(context)
    try captured.setOption(.receiveTimeout, .seconds(5))
    try captured.connect(copies)
    let proxy = try Proxy.start(from: frontend, to: backend, capture: capture)

    let producer = try PushSocket(context)
    try producer.connect(input)
    let consumer = try PullSocket(context)
    try consumer.setOption(.receiveTimeout, .seconds(5))
    try consumer.connect(output)
    try producer.send("one")
    try producer.sendMultipart(["two", "parts"])
    check(try consumer.receiveString() == "one", "proxy forwarded")
    check(try consumer.receiveMultipart().count == 2, "proxy forwarded a multipart message")
    check(try captured.receiveString() == "one", "capture copied")

    try proxy.pause()
    try producer.send("later")
    try proxy.resume()
    check(try consumer.receiveString() == "later", "forwarded after resume")
    let statistics = try proxy.statistics()
    check(statistics.frontend.messagesReceived == 3, "statistics: messages in")
    check(statistics.backend.bytesSent == 3 + 8 + 5, "statistics: bytes out")
    proxy.stop()
    proxy.stop()
    fails(.invalidState, "statistics after terminate") { _ = try proxy.statistics() }
    context.close()

    // A proxy still running when its context closes: the close hook ends it first.
    let closing = try Context(defaultLinger: .zero)
    let router = try RouterSocket(closing)
    try router.bind("inproc://memcheck-proxy-router")
    let dealer = try DealerSocket(closing)
    try dealer.bind("inproc://memcheck-proxy-dealer")
    let running = try Proxy.start(frontend: router, backend: dealer)
    _ = try running.statistics()
    closing.close()
    check(!running.isRunning, "context.close() ended the proxy")
}
