// Receives that can time out return nil when the timeout passes, sync and async; a
// negative timeout is zero, never forever; and an async wait for readiness that takes
// nothing from the socket.
import Foundation
import Testing
import ZeroMQ

/// A socket owned by an actor, so that several tasks can wait on it at once.
private actor Owned<Kind: SocketTypeProtocol> {
    let socket: Socket<Kind>
    /// How many calls have reached the actor: once it shows a call, the call has its
    /// place in the socket's queue (nothing suspends before it joins).
    let entered = Counter()

    init(_ socket: sending Socket<Kind>) {
        self.socket = socket
    }

    func wait(for events: PollEvents, timeout: Duration? = nil) async throws -> PollEvents {
        entered.increment()
        return try await socket.wait(for: events, timeout: timeout)
    }

    func close() { socket.close() }
}

extension Owned where Kind: ReceivingSocketType {
    func receiveString(timeout: Duration) async throws -> String? {
        entered.increment()
        return try await socket.receiveString(timeout: timeout)
    }

    func tryReceiveString() throws -> String? {
        try socket.tryReceiveString()
    }
}

/// How long `body` took.
private func timed<T>(_ body: () throws -> T) rethrows -> (T, Duration) {
    let start = ContinuousClock.now
    let result = try body()
    return (result, ContinuousClock.now - start)
}

private func timed<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async rethrows -> (
    T, Duration
) {
    let start = ContinuousClock.now
    let result = try await body()
    return (result, ContinuousClock.now - start)
}

/// A PULL bound to a fresh inproc endpoint, and a PUSH connected to it.
private func pipeline(_ context: Context) throws -> (pull: PullSocket, push: PushSocket) {
    let pull = try PullSocket(context)
    let push = try PushSocket(context)
    try push.connect(try pull.bind(Transport.inproc.bindEndpoint()))
    return (pull, push)
}

/// A PULL owned by an actor, and a PUSH connected to it.
private func ownedPipeline(_ context: Context) throws -> (owner: Owned<SocketType.Pull>, push: PushSocket) {
    let pull = try PullSocket(context)
    let push = try PushSocket(context)
    try push.connect(try pull.bind(Transport.inproc.bindEndpoint()))
    return (Owned(pull), push)
}

@Suite("Receives with a timeout, sync")
struct SyncReceiveTimeoutTests {
    @Test("a receive with a timeout returns nil when it passes, and not before")
    func returnsNil() throws {
        let context = try makeContext()
        let (pull, _) = try pipeline(context)
        let (message, elapsed) = try timed { try pull.receive(timeout: .milliseconds(60)) }
        #expect(message == nil)
        #expect(elapsed >= .milliseconds(60))
        #expect(elapsed < .seconds(10), "\(elapsed)")
        #expect(try pull.receiveString(timeout: .milliseconds(10)) == nil)
        #expect(try pull.receiveBytes(timeout: .milliseconds(10)) == nil)
        #expect(try pull.receiveMultipart(timeout: .milliseconds(10)) == nil)
        var into = Message("unchanged")
        #expect(try pull.receive(into: &into, timeout: .milliseconds(10)) == false)
        #expect(into.string == "unchanged")
    }

    @Test("a zero or negative timeout returns at once, and still takes a waiting message")
    func negativeIsZero() throws {
        let context = try makeContext()
        let (pull, push) = try pipeline(context)
        // Whatever ZMQ_RCVTIMEO says: the timeout of the call decides.
        try pull.setOption(.receiveTimeout, .infinite)
        for timeout: Duration in [.milliseconds(-5), .seconds(-3600), .zero, .nanoseconds(-1)] {
            let (message, elapsed) = try timed { try pull.receive(timeout: timeout) }
            #expect(message == nil)
            #expect(elapsed < .seconds(1), "\(timeout) took \(elapsed)")
        }
        try push.send("waiting")
        #expect(waitUntil { (try? pull.events.contains(.readable)) == true })
        #expect(try pull.receiveString(timeout: .milliseconds(-5)) == "waiting")
    }

    @Test("a message that arrives before the deadline is returned", arguments: [Transport.inproc, .tcp])
    func arrivesInTime(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        // A short ZMQ_RCVTIMEO plays no part in a receive with a timeout.
        try pull.setOption(.receiveTimeout, .milliseconds(10))
        let endpoint = try pull.bind(transport.bindEndpoint())
        let sender = TestThread {
            do {
                let push = try PushSocket.bounded(context)
                try push.connect(endpoint)
                usleep(100_000)
                try push.send("late")
                try push.sendMultipart(["two", "parts"])
                try push.send([1, 2, 3])
                try push.send("into")
                push.close(linger: .seconds(5))
            } catch {
                Issue.record(error)
            }
        }
        let (text, elapsed) = try timed { try pull.receiveString(timeout: .seconds(30)) }
        #expect(text == "late")
        #expect(elapsed >= .milliseconds(90) && elapsed < schedulingSlack, "\(elapsed)")
        #expect(try pull.receiveMultipart(timeout: .seconds(30))?.map(\.string) == ["two", "parts"])
        #expect(try pull.receiveBytes(timeout: .seconds(30)) == [1, 2, 3])
        var message = Message()
        #expect(try pull.receive(into: &message, timeout: .seconds(30)))
        #expect(message.string == "into")
        #expect(sender.join(timeout: .seconds(10)))
    }

    @Test("a nil timeout waits as receive() does: for a message, or the socket's receiveTimeout")
    func nilTimeout() throws {
        let context = try makeContext()
        let (pull, push) = try pipeline(context)
        try pull.setOption(.receiveTimeout, .milliseconds(100))
        let limit: Duration? = nil
        let (message, elapsed) = try timed { try pull.receive(timeout: limit) }
        #expect(message == nil)
        #expect(elapsed >= .milliseconds(100), "returned after \(elapsed)")
        #expect(elapsed < schedulingSlack, "returned after \(elapsed)")
        try push.send("here")
        try pull.setOption(.receiveTimeout, .infinite)
        #expect(try pull.receiveString(timeout: limit) == "here")
    }

    @Test("a send with a timeout throws again with nothing sent, in every form; then sends once a peer can take it")
    func sendTimeout() throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        try push.setOption(.sendHighWaterMark, 1)
        // No peer: nothing can be queued. Each form waits its timeout (a negative one
        // none), then throws again.
        let sends: [(String, () throws(ZMQError) -> Void)] = [
            ("message", { () throws(ZMQError) in try push.send(Message("m"), timeout: .milliseconds(50)) }),
            ("string", { () throws(ZMQError) in try push.send("s", timeout: .milliseconds(50)) }),
            ("bytes", { () throws(ZMQError) in try push.send([UInt8]([1, 2]), timeout: .milliseconds(50)) }),
            ("multipart", { () throws(ZMQError) in try push.sendMultipart(["a", "b"], timeout: .milliseconds(50)) }),
            ("negative", { () throws(ZMQError) in try push.send("n", timeout: .milliseconds(-5)) }),
        ]
        for (name, send) in sends {
            let start = ContinuousClock.now
            #expect(throws: ZMQError.again, "\(name)") { try send() }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < schedulingSlack, "\(name) took \(elapsed)")
            if name != "negative" { #expect(elapsed >= .milliseconds(50), "\(name) took \(elapsed)") }
        }
        // A peer arrives: the send goes out within its timeout, and only what was sent
        // arrives.
        let pull = try PullSocket(context)
        try pull.bind("inproc://timed-send")
        try push.connect("inproc://timed-send")
        try push.send("delivered", timeout: .seconds(30))
        #expect(try pull.receiveString(timeout: .seconds(30)) == "delivered")
        #expect(try pull.tryReceive() == nil)
    }

    @Test("a receive with a timeout on a closed socket throws notSocket")
    func closed() throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        pull.close()
        #expect(throws: ZMQError.notSocket) { try pull.receive(timeout: .milliseconds(10)) }
    }
}

@Suite("Receives and sends with a timeout, async")
struct AsyncReceiveTimeoutTests {
    @Test("several waiters on one socket each return nil at their own timeout")
    func severalWaiters() async throws {
        let context = try makeContext()
        let owner = Owned(try pipeline(context).pull)
        let limits: [Duration] = [.milliseconds(300), .milliseconds(100), .milliseconds(200), .milliseconds(50)]
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: (Duration, String?, Duration).self) { group in
            for limit in limits {
                group.addTask {
                    let text = try await owner.receiveString(timeout: limit)
                    return (limit, text, ContinuousClock.now - start)
                }
            }
            for try await (limit, text, elapsed) in group {
                #expect(text == nil)
                #expect(elapsed >= limit, "\(limit) ended after \(elapsed)")
                #expect(elapsed < limit + schedulingSlack, "\(limit) ended after \(elapsed)")
            }
        }
    }

    @Test("a zero or negative timeout returns at once, and still takes a waiting message")
    func negativeIsZero() async throws {
        let context = try makeContext()
        let (pull, push) = try pipeline(context)
        try pull.setOption(.receiveTimeout, .infinite)
        for timeout: Duration in [.milliseconds(-5), .seconds(-3600), .zero] {
            let (message, elapsed) = try await timed { try await pull.receive(timeout: timeout) }
            #expect(message == nil)
            #expect(elapsed < .seconds(5), "\(timeout) took \(elapsed)")
        }
        try await push.send("waiting")
        #expect(await eventually { (try? pull.events.contains(.readable)) == true })
        #expect(try await pull.receiveString(timeout: .milliseconds(-5)) == "waiting")
    }

    @Test("a nil timeout waits as receive() does: for a message, or the socket's receiveTimeout")
    func nilTimeout() async throws {
        let context = try makeContext()
        let (pull, push) = try pipeline(context)
        try pull.setOption(.receiveTimeout, .milliseconds(100))
        let limit: Duration? = nil
        let (message, elapsed) = try await timed { try await pull.receive(timeout: limit) }
        #expect(message == nil)
        #expect(elapsed >= .milliseconds(100), "returned after \(elapsed)")
        #expect(elapsed < schedulingSlack, "returned after \(elapsed)")
        try await push.send("here")
        try pull.setOption(.receiveTimeout, .infinite)
        #expect(try await pull.receiveString(timeout: limit) == "here")
    }

    @Test("messages that arrive before the deadline are returned, in every form")
    func arriveInTime() async throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        try pull.setOption(.receiveTimeout, .milliseconds(10))
        let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
        let sender = TestThread {
            do {
                let push = try PushSocket.bounded(context)
                try push.connect(endpoint)
                usleep(50_000)
                for text in ["one", "two"] { try push.send(text) }
                try push.send([3, 3])
                try push.sendMultipart(["four", "parts"])
                try push.send("five")
                push.close(linger: .seconds(5))
            } catch {
                Issue.record(error)
            }
        }
        #expect(try await pull.receive(timeout: asyncTestDuration)?.string == "one")
        #expect(try await pull.receiveString(timeout: asyncTestDuration) == "two")
        #expect(try await pull.receiveBytes(timeout: asyncTestDuration) == [3, 3])
        #expect(try await pull.receiveMultipart(timeout: asyncTestDuration)?.map(\.string) == ["four", "parts"])
        var message = Message()
        #expect(try await pull.receive(into: &message, timeout: asyncTestDuration))
        #expect(message.string == "five")
        #expect(await sender.joined(timeout: .seconds(10)))
    }

    @Test("a send that times out throws again; a negative timeout does not wait")
    func sendTimeout() async throws {
        let context = try makeContext()
        let push = try PushSocket(context)  // no peer: nothing can be queued
        try push.bind(Transport.inproc.bindEndpoint())
        let (error, elapsed) = await timed {
            await #expect(throws: ZMQError.again) { try await push.send("nowhere", timeout: .milliseconds(-20)) }
        }
        #expect(elapsed < .seconds(5))
        #expect(error?.description.contains("timed out") == true, "\(String(describing: error))")
        await #expect(throws: ZMQError.again) { try await push.send("nowhere", timeout: .milliseconds(30)) }
    }
}

@Suite("Waiting for readiness, async")
struct WaitForReadinessTests {
    @Test("several tasks wait for readable; a message wakes them all and stays in the socket")
    func severalWaiters() async throws {
        let context = try makeContext()
        let (owner, push) = try ownedPipeline(context)
        let waiters = 4
        try await withThrowingTaskGroup(of: PollEvents.self) { group in
            for _ in 0..<waiters {
                group.addTask { try await owner.wait(for: .readable, timeout: asyncTestDuration) }
            }
            #expect(await eventually { owner.entered.value == waiters })
            try await push.send("for whoever reads")
            for try await events in group {
                #expect(events == .readable)
            }
        }
        // Nothing was taken.
        #expect(try await owner.tryReceiveString() == "for whoever reads")
    }

    @Test("watchers and a receiver on one socket: the receiver takes a message, every watcher returns")
    func watchersBesideReceiver() async throws {
        let context = try makeContext()
        let (owner, push) = try ownedPipeline(context)
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await owner.receiveString(timeout: asyncTestDuration) ?? "nothing" }
            for _ in 0..<3 {
                group.addTask { "\(try await owner.wait(for: .readable, timeout: asyncTestDuration))" }
            }
            #expect(await eventually { owner.entered.value == 4 })
            try await push.send("one")
            try await push.send("two")
            var results: [String] = []
            for try await result in group { results.append(result) }
            #expect(results.sorted() == ["[readable]", "[readable]", "[readable]", "one"])
        }
        #expect(try await owner.tryReceiveString() == "two")
    }

    @Test("a wait for writable returns once a peer can take a message")
    func writable() async throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        let endpoint = try push.bind(Transport.inproc.bindEndpoint())
        // No peer: a PUSH cannot send.
        #expect(try await push.wait(for: .writable, timeout: .milliseconds(20)) == [])
        let pull = try PullSocket(context)
        try pull.connect(endpoint)
        #expect(try await push.wait(for: [.readable, .writable], timeout: asyncTestDuration) == .writable)
    }

    @Test("a wait times out with an empty set; a negative timeout returns at once")
    func timesOut() async throws {
        let context = try makeContext()
        let owner = Owned(try pipeline(context).pull)
        try await withThrowingTaskGroup(of: (Duration, PollEvents, Duration).self) { group in
            let start = ContinuousClock.now
            for limit: Duration in [.milliseconds(150), .milliseconds(50)] {
                group.addTask {
                    let events = try await owner.wait(for: .readable, timeout: limit)
                    return (limit, events, ContinuousClock.now - start)
                }
            }
            for try await (limit, events, elapsed) in group {
                #expect(events.isEmpty)
                #expect(elapsed >= limit && elapsed < limit + schedulingSlack, "\(limit) ended after \(elapsed)")
            }
        }
        let (events, elapsed) = try await timed { try await owner.wait(for: .readable, timeout: .seconds(-1)) }
        #expect(events.isEmpty)
        #expect(elapsed < .seconds(5))
    }

    @Test("cancellation and close end a wait")
    func cancellationAndClose() async throws {
        let context = try makeContext()
        let owner = Owned(try pipeline(context).pull)
        let cancelled = Task { try await owner.wait(for: .readable) }
        #expect(await eventually { owner.entered.value == 1 })
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }

        let closed = Task { try await owner.wait(for: .readable) }
        #expect(await eventually { owner.entered.value == 2 })
        await owner.close()
        await #expect(throws: ZMQError.notSocket) { try await closed.value }
    }

    @Test("a wait for neither readable nor writable is refused")
    func invalidEvents() async throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        await #expect(throws: ZMQError.invalidArgument) { try await pull.wait(for: .error) }
        await #expect(throws: ZMQError.invalidArgument) { try await pull.wait(for: []) }
    }
}
