// A traced worker behind broker-service: a REP socket whose receive loop is a Service
// (ZeroMQServices' runUntilGracefulShutdown), run by a ServiceGroup that stops it
// gracefully on SIGTERM or SIGINT. Each request is [trace frame, body]; the worker reads
// the client's trace context from the frame (Message.extractTraceContext) and handles the
// request in a span of that trace, whose parent is the client's span. Each span prints
// one line when it ends (ExampleTracing's W3CTracer).
//
//   cd Examples && swift run traced-worker [ENDPOINT] [NAME] [COUNT]
//
// Connects to ENDPOINT (default tcp://localhost:5571, the broker's backend), answers each
// request with "BODY handled by NAME" (NAME default w1). With COUNT, stops after COUNT
// requests; without, runs until stopped.
import ExampleTracing
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Tracing
import ZeroMQ
import ZeroMQServices

let arguments = Array(CommandLine.arguments.dropFirst())
let endpoint = arguments.count > 0 ? arguments[0] : "tcp://localhost:5571"
let name = arguments.count > 1 ? arguments[1] : "w1"
let count = arguments.count > 2 ? Int(arguments[2]) ?? .max : .max

/// The worker's receive loop, as a Service.
struct Worker: Service {
    let context: Context
    let endpoint: String
    let name: String
    let count: Int

    func run() async throws {
        let socket = try RepSocket(context)
        try socket.connect(endpoint)
        print("\(name) connected to \(endpoint)")
        let (name, count) = (self.name, self.count)
        let handled = Counter()
        try await runUntilGracefulShutdown {
            while handled.value < count {
                let request = try await socket.receiveMultipart()
                // [trace frame, body]; a client that sends no trace frame sends [body].
                let body = request.last?.string ?? ""
                let parent = request.count > 1 ? request[0].extractTraceContext() : .topLevel
                try await withSpan("handle \(body)", context: parent, ofKind: .server) { _ in
                    try await socket.send("\(body) handled by \(name)")
                }
                handled.increment()
            }
        }
        print("\(name) handled \(handled.value) requests")
    }
}

/// How many requests the worker has handled: the loop counts, `run()` reads it after.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
InstrumentationSystem.bootstrap(W3CTracer())
do {
    let context = try Context()
    let logger = Logger(label: "traced-worker")
    let worker = Worker(context: context, endpoint: endpoint, name: name, count: count)
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            // The worker ending by itself (after COUNT requests) ends the program, gracefully.
            services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("traced-worker: \(error)\n".utf8))
    exit(1)
}
