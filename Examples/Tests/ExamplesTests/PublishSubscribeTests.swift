import Testing

@Suite("Publish-subscribe examples")
struct PublishSubscribeTests {
    /// Checks what weather-client printed for `count` updates of `zip`.
    func expectAverages(_ client: Program, zip: String, count: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let (status, output) = client.waitForExit()
        #expect(status == 0, sourceLocation: sourceLocation)
        #expect(output.count == 3, "\(output)", sourceLocation: sourceLocation)
        // The publisher sends a hundred zip codes; the subscription lets only one through.
        #expect(output.contains { $0.hasPrefix("first update: \(zip) ") }, "\(output)", sourceLocation: sourceLocation)
        #expect(
            output.last?.hasPrefix("zip code \(zip): average temperature ") == true
                && output.last?.hasSuffix("%, over \(count) updates") == true,
            "\(output)", sourceLocation: sourceLocation)
    }

    @Test("weather-client averages the updates of its zip code from weather-server")
    func weather() throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let server = try Program("weather-server", [endpoint])
        server.waitForLine(startingWith: "publishing on")
        let client = try Program("weather-client", [endpoint, "10042", "20"])
        expectAverages(client, zip: "10042", count: 20)
        server.kill()
    }

    @Test("weather-client gets the updates it subscribed to through a forwarder")
    func forwarder() throws {
        let publisher = "tcp://127.0.0.1:\(try freePort())"
        let forwarded = "tcp://127.0.0.1:\(try freePort())"
        let server = try Program("weather-server", [publisher])
        server.waitForLine(startingWith: "publishing on")
        let forwarder = try Program("forwarder", [publisher, forwarded])
        forwarder.waitForLine(startingWith: "forwarding from \(publisher) to subscribers on \(forwarded)")
        let clients = try ["10001", "10099"].map { try Program("weather-client", [forwarded, $0, "20"]) }
        expectAverages(clients[0], zip: "10001", count: 20)
        expectAverages(clients[1], zip: "10099", count: 20)
        forwarder.kill()
        server.kill()
    }

    @Test("slow-joiner: a naive PUB loses what it sends before the subscription arrives; the XPUB way loses none")
    func slowJoiner() throws {
        let (status, output) = try Program("slow-joiner", ["500"]).waitForExit()
        #expect(status == 0)
        #expect(output.count == 2, "\(output)")
        // How many the naive way loses depends on when libzmq's connection attempt
        // happens: usually all of them, now and then only the first ones.
        let naive = try #require(output.first { $0.hasPrefix("naive PUB: the subscriber got ") })
        #expect(naive.hasSuffix(" of 500 updates"))
        let xpub = try #require(output.first { $0.hasPrefix("XPUB handshake: ") })
        #expect(xpub.hasPrefix("XPUB handshake: the subscriber got 500 of 500 updates (the publisher waited "))
    }
}
