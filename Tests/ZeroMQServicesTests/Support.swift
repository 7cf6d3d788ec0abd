// The tests of ZeroMQServices compile with the `Services` trait only
// (`swift test --traits Services`, as `make test` runs them).
#if Services
import InMemoryLogging
import Logging
import Synchronization
import Testing
import ZeroMQ

/// The bound of every wait here that only guards against a hang. It is long because
/// this suite runs in parallel with the rest, on a cooperative pool of two threads (on
/// two cores) that the synchronous tests hold in turn: an awaiting test can resume tens
/// of seconds after its event (36 s seen in CI), and must not fail for that.
let patience: Duration = .seconds(120)

/// A wait that passed its limit.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out: \(what)" }
}

/// Runs `operation`, and throws ``TimedOut`` if it has not finished within `limit`
/// (then `operation` is cancelled, and awaited).
func withTimeout<T: Sendable>(
    _ limit: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

/// Checks `condition` every few milliseconds until it holds or `timeout` passes; returns
/// whether it held. For what libzmq's threads and the services' tasks update.
func eventually(timeout: Duration = patience, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A context whose sockets do not linger, so that no test waits on teardown.
func makeContext() throws(ZMQError) -> Context {
    try Context(defaultLinger: .zero)
}

/// A logger that keeps every entry, from trace up, in `handler`.
func makeLogger(_ handler: InMemoryLogHandler, label: String = "zeromq") -> Logger {
    var logger = Logger(label: label, factory: { _ in handler })
    logger.logLevel = .trace
    return logger
}

extension InMemoryLogHandler.Entry {
    /// The message and every metadata value, as text.
    var allText: String {
        ([message.description] + metadata.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
    }

    /// The value of the metadata `key`, as text.
    func metadata(_ key: String) -> String? {
        metadata[key].map { "\($0)" }
    }
}

/// A number no other call in this process gets.
func uniqueNumber() -> Int {
    numbers.withLock { number in
        number += 1
        return number
    }
}

private let numbers = Mutex(0)
#endif
