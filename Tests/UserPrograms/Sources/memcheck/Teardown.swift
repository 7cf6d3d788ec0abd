// Ending the library's own threads: proxies and authenticators released, terminated,
// stopped and steered from tasks on the reactor (their threads detached, or awaited
// through a continuation, and the control socket's answers awaited with the async
// receive).
import Synchronization
import ZeroMQ

/// A streamer in `context`, its input and output endpoints, and a producer and a
/// consumer connected to them.
func startStreamer(
    _ context: Context, _ name: String
) throws(ZMQError) -> (proxy: Proxy, producer: PushSocket, consumer: PullSocket) {
    let frontend = try PullSocket(context)
    try frontend.bind("inproc://memcheck-\(name)-in")
    let backend = try PushSocket(context)
    try backend.bind("inproc://memcheck-\(name)-out")
    let proxy = try Proxy.start(from: frontend, to: backend)
    let producer = try PushSocket(context)
    try producer.connect("inproc://memcheck-\(name)-in")
    let consumer = try PullSocket(context)
    try consumer.setOption(.receiveTimeout, .seconds(5))
    try consumer.connect("inproc://memcheck-\(name)-out")
    return (proxy, producer, consumer)
}

func checkTeardown() throws(ZMQError) {
    // Steering from a task on the reactor: answers awaited, the end awaited.
    let context = try Context(defaultLinger: .zero)
    let (steered, steeredProducer, steeredConsumer) = try startStreamer(context, "steered")
    check(
        try runTask {
            try await steered.pause()
            try await steered.resume()
            let statistics = try await steered.statistics()
            await steered.terminate()
            await steered.terminate()
            return statistics.frontend.messagesReceived == 0 && !steered.isRunning
        }.get(), "async steering on the reactor")
    check(
        isError(runTask { try await steered.statistics() }, .invalidState),
        "async statistics after terminate")
    steeredProducer.close()
    steeredConsumer.close()

    // Released on the reactor: the thread is detached and ends by itself; the context's
    // close hook waits for it.
    let released = Mutex<Proxy?>(try startStreamer(context, "released").proxy)
    _ = runTask { released.withLock { $0 = nil } }

    // An authenticator stopped, and one released, on the reactor.
    let stopped = try Authenticator.start(in: context)
    check(
        try runTask {
            await stopped.stop()
            return stopped.isRunning
        }.get() == false, "async stop on the reactor")
    let releasedAuthenticator = Mutex<Authenticator?>(try Authenticator.start(in: context))
    _ = runTask { releasedAuthenticator.withLock { $0 = nil } }
    context.close()
}
