#if Services
import ServiceLifecycle
import Synchronization

/// Runs `body` until it returns, or until a graceful shutdown of the service group
/// cancels it: the way a receive loop of your own becomes a `Service`.
///
/// <!-- snippet: file; prelude: import ServiceLifecycle -->
/// ```swift
/// struct Worker: Service {
///     let context: Context
///     func run() async throws {
///         let socket = try PullSocket(context)
///         try socket.connect("tcp://localhost:5557")
///         try await runUntilGracefulShutdown {
///             for try await message in socket.messages { print(message.string) }
///         }
///     }
/// }
/// ```
///
/// `body` runs in a child task. When the service group shuts down gracefully
/// (swift-service-lifecycle's `gracefulShutdown()` returns), that task is cancelled, and
/// the `CancellationError` it then throws is swallowed: this returns normally, as a
/// service that has shut down should. The socket's async operations end a cancelled
/// wait with `CancellationError` without losing a message.
///
/// `body` is `sending`, not `@Sendable`, so that it can capture a socket created before
/// it (a socket is not `Sendable`, but may move to the task that uses it).
///
/// - Parameter body: The work, which runs until it returns, throws, or is cancelled.
/// - Throws: what `body` throws, except the `CancellationError` that a graceful shutdown
///   caused; `CancellationError` when the calling task is cancelled (then `body` is
///   cancelled too).
public func runUntilGracefulShutdown(_ body: sending @escaping () async throws -> Void) async throws {
    // The body goes to the child task through a box: a task group's closure cannot pass
    // on a value it captured as `sending`.
    let handOver = HandOver(body)
    try await withThrowingTaskGroup(of: Ending.self) { group in
        group.addTask {
            guard let body = handOver.take() else { return .bodyReturned }
            try await body()
            return .bodyReturned
        }
        group.addTask {
            do {
                try await gracefulShutdown()
                return .gracefulShutdown
            } catch {
                // The calling task was cancelled, or the body ended and cancelled this.
                return .waiterCancelled
            }
        }
        var shuttingDown = false
        while let result = await group.nextResult() {
            switch result {
            case .success(.gracefulShutdown):
                shuttingDown = true
                group.cancelAll()
            case .success(.waiterCancelled):
                continue
            case .success(.bodyReturned):
                group.cancelAll()
            case .failure(let error):
                group.cancelAll()
                // The cancellation that the graceful shutdown asked for, and not the
                // calling task's own.
                if error is CancellationError && shuttingDown && !Task.isCancelled { continue }
                throw error
            }
        }
    }
}

/// A value that is not `Sendable`, handed from one task to another: put in as `sending`,
/// taken out once.
final class HandOver<Value>: Sendable {
    private let value: Mutex<Value?>

    init(_ value: sending Value) {
        self.value = Mutex(value)
    }

    /// The value, the first time; `nil` after.
    func take() -> sending Value? {
        value.withLock { value in
            let taken = value.take()
            return taken
        }
    }
}

/// How a child task of ``runUntilGracefulShutdown(_:)`` ended.
private enum Ending: Sendable {
    case bodyReturned
    case gracefulShutdown
    case waiterCancelled
}
#endif
