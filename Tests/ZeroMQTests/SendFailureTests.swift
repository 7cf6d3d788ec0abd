import Testing
import ZeroMQ

/// The reports a socket's `sendFailureObserver` gets: one per refused send, with the
/// reason, from every way of sending, and none for a send that succeeds.
@Suite("Send failures")
struct SendFailureTests {
    /// A socket whose observer records what it is told.
    private func observed<Kind>(_ socket: Socket<Kind>) -> Locked<[SendFailure]> {
        let seen = Locked<[SendFailure]>([])
        socket.sendFailureObserver = { failure in seen.withLock { $0.append(failure) } }
        return seen
    }

    @Test("a PUSH without a peer: trySend is full, a timed send times out, sync and async")
    func noPeer() async throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        let seen = observed(push)
        #expect(try push.trySend("a") == false)
        #expect(seen.value == [.full])

        // A timed send tries, then waits: at least one `full`, then one `timedOut`.
        #expect(throws: ZMQError.again) { try push.send("b", timeout: .milliseconds(20)) }
        #expect(seen.value.last == .timedOut)
        #expect(seen.value.filter { $0 == .timedOut }.count == 1)

        seen.value = []
        await #expect(throws: ZMQError.again) { try await push.send("c", timeout: .milliseconds(20)) }
        #expect(seen.value.last == .timedOut)
        #expect(seen.value.filter { $0 == .timedOut }.count == 1)
    }

    @Test("a blocking send that ZMQ_SNDTIMEO ends is timed out")
    func sendTimeoutOption() throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        try push.setOption(.sendTimeout, .milliseconds(10))
        let seen = observed(push)
        #expect(throws: ZMQError.again) { try push.send("a") }
        #expect(seen.value == [.timedOut])
    }

    @Test("a ROUTER with ZMQ_ROUTER_MANDATORY and an unknown routing id is unroutable")
    func unroutable() throws {
        let context = try makeContext()
        let router = try RouterSocket(context)
        try router.setOption(.routerMandatory, true)
        let seen = observed(router)
        #expect(throws: ZMQError.hostUnreachable) { try router.sendMultipart(["nobody", "hello"]) }
        #expect(seen.value == [.unroutable])
    }

    @Test("a full queue is full; sends that succeed report nothing")
    func highWaterMark() throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        try push.setOption(.sendHighWaterMark, 1)
        let pull = try PullSocket(context)
        try pull.setOption(.receiveHighWaterMark, 1)
        try pull.bind("inproc://send-failures-hwm")
        try push.connect("inproc://send-failures-hwm")
        let seen = observed(push)
        var queued = 0
        while try push.trySend("x") {
            queued += 1
            try #require(queued < 100, "the high-water mark never stopped the sends")
        }
        #expect(queued >= 1)
        #expect(seen.value == [.full])

        // Once the receiver has read everything, a timed send gets through: it may find
        // no room first (libzmq frees it when the reader's command arrives), never times out.
        for _ in 0..<queued { _ = try #require(try pull.receive(timeout: .seconds(5))) }
        try push.send("y", timeout: .seconds(5))
        #expect(!seen.value.contains(.timedOut))
        _ = try #require(try pull.receive(timeout: .seconds(5)))
    }

    @Test("sends that succeed report nothing")
    func successes() throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        let pull = try PullSocket(context)
        try pull.bind("inproc://send-failures-successes")
        try push.connect("inproc://send-failures-successes")
        let seen = observed(push)
        for index in 0..<10 { try push.send("message \(index)") }
        #expect(try push.trySend("one more"))
        try push.sendMultipart(["a", "b"])
        #expect(seen.value.isEmpty)
    }

    @Test("without an observer, nothing changes: the send still returns false or throws")
    func noObserver() throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        #expect(push.sendFailureObserver == nil)
        #expect(try push.trySend("a") == false)
        #expect(throws: ZMQError.again) { try push.send("b", timeout: .zero) }
    }
}
