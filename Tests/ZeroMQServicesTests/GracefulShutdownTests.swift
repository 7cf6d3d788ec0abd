#if Services
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import ZeroMQ
import ZeroMQServices

@Suite("runUntilGracefulShutdown")
struct GracefulShutdownTests {
    /// A task that binds a PULL socket to `endpoint` and receives from it until the
    /// graceful shutdown, as a user's loop does, calling `started` once it is bound, and
    /// `received` with each message. The socket is made in the task, and captured by
    /// the loop's `sending` closure.
    private func receiveLoop(
        _ context: Context, _ endpoint: String, started: @escaping @Sendable () -> Void = {},
        received: @escaping @Sendable (String) -> Void = { _ in }
    ) -> Task<Void, any Error> {
        Task {
            let pull = try PullSocket(context)
            _ = try pull.bind(endpoint)
            try await runUntilGracefulShutdown {
                started()
                for try await message in pull.messages {
                    received(message.string)
                }
            }
        }
    }

    @Test("a receive loop takes several messages, then a graceful shutdown ends it without error")
    func receiveLoopEndsOnGracefulShutdown() async throws {
        let context = try makeContext()
        let endpoint = "inproc://graceful-\(uniqueNumber())"
        let push = try PushSocket(context)
        // inproc: a connect may come before the bind.
        try push.connect(endpoint)
        let (received, receivedContinuation) = AsyncStream.makeStream(of: String.self)
        try await testGracefulShutdown { trigger in
            let loop = receiveLoop(context, endpoint, received: { receivedContinuation.yield($0) })
            for number in 1...3 { try await push.send("message \(number)", timeout: patience) }
            let firstThree = try await withTimeout(patience, "three messages") {
                var strings: [String] = []
                for await string in received {
                    strings.append(string)
                    if strings.count == 3 { break }
                }
                return strings
            }
            #expect(firstThree == ["message 1", "message 2", "message 3"])
            trigger.triggerGracefulShutdown()
            // Returns normally: the CancellationError that the shutdown caused is swallowed.
            try await withTimeout(patience, "the loop to end") { try await loop.value }
        }
    }

    @Test("a graceful shutdown before the loop starts ends it at once")
    func shutdownBeforeStart() async throws {
        let context = try makeContext()
        try await testGracefulShutdown { trigger in
            trigger.triggerGracefulShutdown()
            let loop = receiveLoop(context, "inproc://graceful-\(uniqueNumber())")
            try await withTimeout(patience, "the loop to end") { try await loop.value }
        }
    }

    @Test("cancelling the calling task propagates as CancellationError")
    func cancellationPropagates() async throws {
        let context = try makeContext()
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        try await testGracefulShutdown { _ in
            let loop = receiveLoop(
                context, "inproc://graceful-\(uniqueNumber())", started: { startedContinuation.yield() })
            try await withTimeout(patience, "the loop to start") {
                for await _ in started { break }
            }
            loop.cancel()
            let result = try await withTimeout(patience, "the loop to end") { await loop.result }
            #expect(throws: CancellationError.self) { try result.get() }
        }
    }

    @Test("cancellation propagates outside a service group too")
    func cancellationWithoutServiceGroup() async throws {
        let context = try makeContext()
        let loop = receiveLoop(context, "inproc://graceful-\(uniqueNumber())")
        loop.cancel()
        let result = try await withTimeout(patience, "the loop to end") { await loop.result }
        #expect(throws: CancellationError.self) { try result.get() }
    }

    struct Failure: Error, Equatable {}

    @Test("the body's own error and its return pass through")
    func bodyErrorAndReturn() async throws {
        await #expect(throws: Failure()) {
            try await runUntilGracefulShutdown { throw Failure() }
        }
        let ran = Atomic(false)
        try await runUntilGracefulShutdown { ran.store(true, ordering: .relaxed) }
        let hasRun = ran.load(ordering: .relaxed)
        #expect(hasRun)
    }
}
#endif
