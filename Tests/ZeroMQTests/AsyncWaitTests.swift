// Timeouts, cancellation, closing and lost edges of async waits: the cases that the
// wait's shortcuts (no ZMQ_EVENTS read after a failed receive, parking at once on the
// reactor) and the per-queue reactor timers must not break.
import Foundation
import Testing
import ZeroMQ

/// A PULL socket shared by the tasks that call into the actor: calls that overlap wait
/// in the socket's queue one behind the other.
private actor SharedPull {
    let pull: PullSocket
    init(_ pull: sending PullSocket) { self.pull = pull }
    func receive(timeout: Duration) async throws -> String? {
        try await pull.receiveString(timeout: timeout)
    }
}

private func elapsedMs(_ start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

// Serialized: the timing bounds are generous, but a machine busy with other suites
// should not stretch them further.
@Suite("Async waits: timeouts, cancellation, closing, edges", .serialized)
struct AsyncWaitTests {
    @Test("a wait times out after its timeout", arguments: [true, false])
    func timesOut(onReactor: Bool) async throws {
        let context = try makeContext()
        let reactor: Reactor? = onReactor ? Reactor.shared : nil
        try await Task(executorPreference: reactor) {
            let pull = try PullSocket(context)
            try pull.bind(Transport.inproc.bindEndpoint())
            let start = ContinuousClock.now
            #expect(try await pull.receive(timeout: .milliseconds(80)) == nil)
            let ms = elapsedMs(start)
            // The upper bound only tells "timed out" from "waited for good": off the
            // reactor, the task resumes on the global pool, which the synchronous suites
            // can keep busy for seconds.
            #expect(ms >= 79 && ms < 30_000, "\(ms)")
        }.value
    }

    @Test("a short timeout after a long one fires on time", arguments: [true, false])
    func shortAfterLong(onReactor: Bool) async throws {
        let context = try makeContext()
        let reactor: Reactor? = onReactor ? Reactor.shared : nil
        try await Task(executorPreference: reactor) {
            let pull = try PullSocket(context)
            let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
            let sender = TestThread {
                guard let push = try? PushSocket(context), (try? push.connect(endpoint)) != nil else { return }
                usleep(20_000)
                _ = try? push.send("one")
                usleep(200_000)
            }
            #expect(try await pull.receiveString(timeout: .seconds(60)) == "one")
            #expect(await sender.joined(timeout: .seconds(5)))
            for _ in 0..<3 {
                let start = ContinuousClock.now
                #expect(try await pull.receive(timeout: .milliseconds(60)) == nil)
                let ms = elapsedMs(start)
                // Before the 60 s deadline of the wait before it would fire, and within
                // the slack of a loaded pool.
                #expect(ms >= 59 && ms < 59_000, "\(ms)")
            }
        }.value
    }

    @Test("waiters queued behind others time out by their own deadlines")
    func queuedDeadlines() async throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        try pull.bind(Transport.inproc.bindEndpoint())
        let shared = SharedPull(pull)
        let start = ContinuousClock.now
        async let long: Double = {
            do { _ = try await shared.receive(timeout: .milliseconds(600)) } catch {}
            return elapsedMs(start)
        }()
        try await Task.sleep(for: .milliseconds(20))
        async let short: Double = {
            do { _ = try await shared.receive(timeout: .milliseconds(100)) } catch {}
            return elapsedMs(start)
        }()
        let (l, s) = await (long, short)
        // The short wait, second in the queue, times out on its own deadline, before
        // the long one ahead of it.
        #expect(s >= 110 && s < l, "short \(s), long \(l)")
        #expect(l >= 599 && l < 3000, "long \(l)")
    }

    @Test("steady waits with a timeout, then one that times out", arguments: [true, false])
    func steadyThenTimeout(onReactor: Bool) async throws {
        let context = try makeContext()
        let reactor: Reactor? = onReactor ? Reactor.shared : nil
        try await Task(executorPreference: reactor) {
            let pull = try PullSocket(context)
            let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
            let sender = TestThread {
                do {
                    let push = try PushSocket(context)
                    try push.connect(endpoint)
                    for index in 0..<150 {
                        try push.send("\(index)")
                        usleep(1000)
                    }
                    usleep(400_000)
                    push.close()
                } catch {}
            }
            for index in 0..<150 {
                #expect(try await pull.receiveString(timeout: .seconds(60)) == "\(index)")
            }
            let start = ContinuousClock.now
            #expect(try await pull.receive(timeout: .milliseconds(100)) == nil)
            let ms = elapsedMs(start)
            // Well before the 60 s deadlines of the waits before it.
            #expect(ms >= 99 && ms < 30_000, "\(ms)")
            #expect(await sender.joined(timeout: .seconds(5)))
        }.value
    }

    @Test("cancellation ends a wait with a long timeout")
    func cancellation() async throws {
        let context = try makeContext()
        let task = Task(executorPreference: Reactor.shared) {
            let pull = try PullSocket(context)
            try pull.bind(Transport.inproc.bindEndpoint())
            _ = try await pull.receive(timeout: .seconds(120))
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    // The reply comes from another thread at any moment, so an edge of ZMQ_FD can fall
    // between the requester's failed attempt and its park; losing it hangs the
    // requester. (A version that read ZMQ_EVENTS after its own failed attempt without
    // trying again hung here on the first few thousand round trips.)
    @Test("async REQ against a synchronous REP thread: no lost edge", arguments: [true, false])
    func reqAgainstSyncRep(onReactor: Bool) async throws {
        let context = try makeContext()
        let endpoint = Transport.inproc.bindEndpoint()
        let req = try ReqSocket(context)
        try req.bind(endpoint)
        let replier = TestThread {
            do {
                let rep = try RepSocket.bounded(context, timeout: asyncTestTimeout)
                try rep.connect(endpoint)
                for _ in 0..<20000 {
                    let request = try rep.receiveString()
                    try rep.send(request)
                }
                rep.close()
            } catch {
                Issue.record(error)
            }
        }
        let reactor: Reactor? = onReactor ? Reactor.shared : nil
        try await Task(executorPreference: reactor) {
            for index in 0..<20000 {
                try await req.send("\(index)")
                #expect(try await req.receiveString(timeout: asyncTestDuration) == "\(index)")
            }
            req.close()
        }.value
        #expect(await replier.joined(timeout: .seconds(30)))
    }

    @Test("close while a wait with a timeout is parked")
    func closeWhileWaiting() async throws {
        let context = try makeContext()
        let start = ContinuousClock.now
        let waiting = Task(executorPreference: Reactor.shared) {
            let pull = try PullSocket(context)
            try pull.bind(Transport.inproc.bindEndpoint())
            _ = try await pull.receive(timeout: .seconds(120))
        }
        try await Task.sleep(for: .milliseconds(50))
        // Closed from the reactor, where the waiting task runs: it is parked (or has not
        // started), never inside a call on its socket, which closing must not race.
        await Task(executorPreference: Reactor.shared) { context.close(linger: .zero) }.value
        await #expect(throws: ZMQError.self) { try await waiting.value }
        // Ended by the close, not by the 120 s timeout.
        #expect(elapsedMs(start) < 60_000)
    }
}
