import Testing
import ZeroMQ

@Suite("ROUTER/DEALER")
struct RouterDealerTests {
    @Test("ROUTER sees [identity, payload] and routes the reply back", arguments: Transport.allCases)
    func routing(transport: Transport) throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context)
        let endpoint = try router.bind(transport.bindEndpoint())

        let alice = try DealerSocket.bounded(context)
        let bob = try DealerSocket.bounded(context)
        try alice.setOption(.routingID, Array("alice".utf8))
        try bob.setOption(.routingID, [0xFF, 0x01, 0x02])
        try alice.connect(endpoint)
        try bob.connect(endpoint)

        try alice.send("from alice")
        let fromAlice = try router.receiveMultipart()
        try #require(fromAlice.count == 2)
        #expect(Array(fromAlice[0]) == Array("alice".utf8))
        #expect(fromAlice[0].more)
        #expect(fromAlice[1] == "from alice")
        #expect(!fromAlice[1].more)

        try bob.send("from bob")
        let fromBob = try router.receiveMultipart()
        #expect(fromBob.map { [UInt8]($0) } == [[0xFF, 0x01, 0x02], Array("from bob".utf8)])

        // Replies go to the dealer that the identity frame names, whatever the order.
        try router.sendMultipart([fromBob[0], Message("to bob")])
        try router.sendMultipart([fromAlice[0], Message("to alice")])
        #expect(try bob.receiveString() == "to bob")
        #expect(try alice.receiveString() == "to alice")
        #expect(try alice.tryReceive() == nil)
        #expect(try bob.tryReceive() == nil)
    }

    @Test("routing ids are binary: NUL and 0xFF bytes survive, both ways", arguments: Transport.allCases)
    func binaryRoutingID(transport: Transport) throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context)
        let dealer = try DealerSocket.bounded(context)
        let id: [UInt8] = [0x41, 0x00, 0x42, 0xFF]
        try dealer.setOption(.routingID, id)
        #expect(try dealer.option(.routingID) == id)
        try link(router, dealer, over: transport)

        try dealer.send("request")
        let request = try router.receiveMultipart()
        try #require(request.count == 2)
        #expect(Array(request[0]) == id)
        // Reply with the id as bytes, not the received frame.
        try router.sendMultipart([Message(id), "reply"])
        #expect(try dealer.receiveString() == "reply")
    }

    @Test("a DEALER's multipart message keeps its frames behind the identity", arguments: [Transport.tcp])
    func multipartThroughRouter(transport: Transport) throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context)
        let dealer = try DealerSocket.bounded(context)
        try dealer.setOption(.routingID, Array("d".utf8))
        try link(router, dealer, over: transport)

        try dealer.sendMultipart(["", "header", "body"])
        let parts = try router.receiveMultipart()
        #expect(parts.map(\.string) == ["d", "", "header", "body"])
        #expect(parts.map(\.more) == [true, true, true, false])

        try router.sendMultipart(["d", "", "reply"])
        #expect(try dealer.receiveMultipart().map(\.string) == ["", "reply"])
    }

    @Test("ROUTER_MANDATORY makes an unknown identity hostUnreachable")
    func mandatory() throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context)
        try router.setOption(.routerMandatory, true)
        let error = #expect(throws: ZMQError.hostUnreachable) {
            try router.sendMultipart(["nobody", "hello"])
        }
        #expect(error?.description.contains("no peer with that routing id") == true)
    }
}
