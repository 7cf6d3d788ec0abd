import Testing
import ZeroMQ

/// REQ and REP enforce strict alternation; breaking it is `EFSM`, which swift-zeromq
/// reports as ``ZMQError/invalidState``, and leaves the socket usable.
@Suite("REQ/REP state machine")
struct RequestReplyTests {
    @Test("a round trip works", arguments: Transport.allCases)
    func roundTrip(transport: Transport) throws {
        let context = try makeContext()
        let rep = try RepSocket.bounded(context)
        let req = try ReqSocket.bounded(context)
        try link(rep, req, over: transport)

        for n in 0..<3 {
            try req.send("request \(n)")
            #expect(try rep.receiveString() == "request \(n)")
            try rep.send("reply \(n)")
            #expect(try req.receiveString() == "reply \(n)")
        }
    }

    @Test("REQ sending twice is invalidState", arguments: Transport.allCases)
    func requestSendsTwice(transport: Transport) throws {
        let context = try makeContext()
        let rep = try RepSocket.bounded(context)
        let req = try ReqSocket.bounded(context)
        try link(rep, req, over: transport)

        try req.send("first")
        let error = #expect(throws: ZMQError.invalidState) { try req.send("second") }
        #expect(error?.description.contains("REQ socket cannot send in its current state") == true)

        // The refused request was not sent, and the socket goes on as before.
        #expect(try rep.receiveString() == "first")
        try rep.send("reply")
        #expect(try req.receiveString() == "reply")
        try req.send("third")
        #expect(try rep.receiveString() == "third")
    }

    @Test("REP sending before receiving is invalidState", arguments: Transport.allCases)
    func replySendsFirst(transport: Transport) throws {
        let context = try makeContext()
        let rep = try RepSocket.bounded(context)
        let req = try ReqSocket.bounded(context)
        try link(rep, req, over: transport)

        let error = #expect(throws: ZMQError.invalidState) { try rep.send("unasked") }
        #expect(error?.description.contains("REP") == true)

        try req.send("question")
        #expect(try rep.receiveString() == "question")
        try rep.send("answer")
        #expect(try req.receiveString() == "answer")
    }

    @Test("REQ receiving before sending is invalidState", arguments: Transport.allCases)
    func requestReceivesFirst(transport: Transport) throws {
        let context = try makeContext()
        let rep = try RepSocket.bounded(context)
        let req = try ReqSocket.bounded(context)
        try link(rep, req, over: transport)

        #expect(throws: ZMQError.invalidState) { try req.receive() }
        #expect(throws: ZMQError.invalidState) { try req.tryReceive() }
        #expect(throws: ZMQError.invalidState) { try req.receiveString() }

        try req.send("question")
        #expect(try rep.receiveString() == "question")
        try rep.send("answer")
        #expect(try req.receiveString() == "answer")
    }

    @Test("invalidState is caught with a typed-throws pattern")
    func typedCatch() throws {
        let context = try makeContext()
        let req = try ReqSocket.bounded(context)
        var caught = false
        do throws(ZMQError) {
            _ = try req.receive()
        } catch .invalidState {
            caught = true
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(caught)
    }
}
