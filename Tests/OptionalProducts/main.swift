// A user's program with the `Services` trait: a proxy and the user's own receive loop,
// run by a ServiceGroup, through a graceful shutdown. Built and run by
// scripts/check-optional-products.sh in a package of its own.
import Logging
import ServiceLifecycle
import ZeroMQ
import ZeroMQServices

/// The user's receive loop as a Service: it ends when the group shuts down gracefully.
struct Worker: Service {
    let context: Context
    let endpoint: String
    let expected: Int
    let done: AsyncStream<Int>.Continuation

    func run() async throws {
        let socket = try PullSocket(context)
        try socket.connect(endpoint)
        try await runUntilGracefulShutdown {
            var count = 0
            for try await _ in socket.messages {
                count += 1
                if count == expected { done.yield(count) }
            }
        }
    }
}

/// In a function, not at top level, where `try await socket.send(_:)` would pick the
/// blocking form (Docs/Async.md, "At top level").
func main() async throws {
    let context = try Context()
    let frontend = try PullSocket(context)
    let frontendEndpoint = try frontend.bind("tcp://127.0.0.1:*")
    let backend = try PushSocket(context)
    let backendEndpoint = try backend.bind("tcp://127.0.0.1:*")
    let proxy = try Proxy.start(from: frontend, to: backend)

    var logger = Logger(label: "user-program")
    logger.logLevel = .warning
    let (done, doneContinuation) = AsyncStream.makeStream(of: Int.self)
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [
                .init(service: ProxyService(proxy, name: "streamer", logger: logger)),
                .init(service: Worker(context: context, endpoint: backendEndpoint, expected: 3, done: doneContinuation)),
            ],
            logger: logger))

    let running = Task { try await group.run() }
    let sender = try PushSocket(context)
    try sender.connect(frontendEndpoint)
    for index in 1...3 { try await sender.send("message \(index)") }
    // The script bounds the whole program with a timeout.
    for await count in done {
        print("worker received \(count) messages through the proxy", terminator: "; ")
        break
    }
    await group.triggerGracefulShutdown()
    try await running.value
    print("group stopped gracefully, proxy running: \(proxy.isRunning)")
}

try await main()
