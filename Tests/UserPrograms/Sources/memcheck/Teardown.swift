// Ending the library's own threads: a context closed by two threads at once while a
// managed proxy and an authenticator run (the second close must not close their
// sockets under them), and proxies and authenticators released, terminated, stopped and
// steered from tasks on the reactor (their threads detached, or awaited through a
// continuation, and the control socket's answers awaited with the async receive).
import Synchronization
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// An authenticator whose handler takes `holdMicroseconds`, and a PLAIN client whose
/// handshake is in it when this returns. The client lives in `clientContext`.
func startSlowAuthenticator(
    _ context: Context, clientContext: Context, holdMicroseconds: UInt32
) throws(ZMQError) -> (Authenticator, RepSocket, ReqSocket) {
    let entered = Atomic<Bool>(false)
    let authenticator = try Authenticator.start(
        in: context,
        policy: ZAPPolicy(handler: { _ in
            entered.store(true, ordering: .releasing)
            usleep(holdMicroseconds)
            return .allow()
        }))
    let server = try RepSocket(context)
    try server.setOption(.plainServer, true)
    let endpoint = try server.bind("tcp://127.0.0.1:*")
    let client = try ReqSocket(clientContext)
    try client.setOption(.plainUsername, "user")
    try client.setOption(.plainPassword, "password")
    try client.connect(endpoint)
    for _ in 0..<2000 where !entered.load(ordering: .acquiring) { usleep(5_000) }
    check(entered.load(ordering: .acquiring), "the handshake reached the handler")
    return (authenticator, server, client)
}

func checkTeardown() throws(ZMQError) {
    // Two closes at once, while a proxy forwards and an authenticator is inside a slow
    // handler: the one that does not run the close hooks waits for the other.
    let racing = try Context(defaultLinger: .zero)
    let clientContext = try Context(defaultLinger: .zero)
    let (proxy, producer, consumer) = try startStreamer(racing, "racing")
    try producer.send("through")
    check(try consumer.receiveString() == "through", "the racing proxy forwards")
    let (authenticator, _, _) = try startSlowAuthenticator(
        racing, clientContext: clientContext, holdMicroseconds: 500_000)
    let closers = (0..<2).map { _ in
        let result = TaskResult<Bool>()
        Task.detached {
            racing.close()
            // Both the proxy's and the authenticator's threads have ended by now.
            result.finish(.success(!proxy.isRunning && !authenticator.isRunning))
        }
        return result
    }
    for closer in closers {
        check(try closer.wait().get(), "a close() returned before the library's threads ended")
    }
    clientContext.close()

    // Steering from a task on the reactor: answers awaited, the end awaited.
    let context = try Context(defaultLinger: .zero)
    let (steered, steeredProducer, steeredConsumer) = try startStreamer(context, "steered")
    check(
        try runTask {
            try await steered.pause()
            try await steered.resume()
            let statistics = try await steered.statistics()
            await steered.stop()
            await steered.stop()
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
