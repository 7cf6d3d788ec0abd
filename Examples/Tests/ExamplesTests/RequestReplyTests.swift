import Testing

@Suite("Request-reply examples")
struct RequestReplyTests {
    @Test("hello-client gets a World from hello-server for each of its requests")
    func helloWorld() throws {
        let port = try freePort()
        let server = try Program("hello-server", ["tcp://127.0.0.1:\(port)", "3"])
        server.waitForLine(startingWith: "bound")
        let client = try Program("hello-client", ["tcp://127.0.0.1:\(port)", "3"])
        let (status, output) = client.waitForExit()
        #expect(status == 0)
        #expect(output == ["request 1: World", "request 2: World", "request 3: World"])
        #expect(server.waitForExit().output.filter { $0 == "received Hello" }.count == 3)
    }

    @Test("lazy-pirate-client resends through a server crash, and carries on with the restarted server")
    func lazyPirateRecovers() throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let server = try Program("lazy-pirate-server", [endpoint, "3"])
        server.waitForLine(startingWith: "bound")
        let client = try Program("lazy-pirate-client", [endpoint, "6", "1000", "5"])

        // The server answers requests 1 to 3, and crashes at request 4.
        let crash = server.waitForExit()
        #expect(crash.status == 1)
        #expect(crash.output.last == "request 4: simulating a crash after 3 replies")
        client.waitForLine(startingWith: "request 4: no reply within 1.0 seconds, resending (retry 1 of 5)")

        let restarted = try Program("lazy-pirate-server", [endpoint, "100"])
        let (status, output) = client.waitForExit()
        #expect(status == 0)
        // Every reply is the answer to its own request: late replies to a resent
        // request are dropped (.requestCorrelate).
        #expect(output.filter { $0.contains(": reply ") } == (1...6).map { "request \($0): reply \($0)" })
        #expect(output.last == "all 6 requests answered")
        #expect(restarted.waitForLine(startingWith: "request 6: replied") != nil)
        restarted.kill()
    }

    @Test("lazy-pirate-client gives up, saying so, when no server answers within its retries")
    func lazyPirateGivesUp() throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let client = try Program("lazy-pirate-client", [endpoint, "3", "200", "2"])
        let (status, output) = client.waitForExit(timeout: .seconds(10))
        #expect(status == 1)
        #expect(
            output == [
                "request 1: no reply within 0.2 seconds, resending (retry 1 of 2)",
                "request 1: no reply within 0.2 seconds, resending (retry 2 of 2)",
                "no reply to request 1 after 2 retries: the server seems to be offline, giving up",
            ])
    }

    @Test("rr-broker spreads the requests of several rr-clients over several rr-workers, and every reply comes back")
    func broker() throws {
        let frontend = try freePort()
        let backend = try freePort()
        let requests = 3 * 8
        let broker = try Program(
            "rr-broker", ["tcp://127.0.0.1:\(frontend)", "tcp://127.0.0.1:\(backend)", "\(requests)"])
        broker.waitForLine(startingWith: "workers connect to")

        let names = ["w1", "w2", "w3"]
        let workers = try names.map { try Program("rr-worker", ["tcp://127.0.0.1:\(backend)", $0, "2"]) }
        for (worker, name) in zip(workers, names) {
            worker.waitForLine(startingWith: "\(name) connected to")
        }

        let clients = try ["c1", "c2", "c3"].map {
            try Program("rr-client", ["tcp://127.0.0.1:\(frontend)", $0, "8"])
        }
        var replies: [String] = []
        for client in clients {
            let (status, output) = client.waitForExit()
            #expect(status == 0)
            replies += output
        }
        // Each client got a reply to each of its requests, in order.
        for client in ["c1", "c2", "c3"] {
            #expect(
                replies.filter { $0.hasPrefix("\(client) ") }.map { $0.prefix { $0 != ":" } }
                    == (1...8).map { "\(client) request \($0)" })
        }
        // Every worker handled some; together, all of them.
        var handled = 0
        for (worker, name) in zip(workers, names) {
            let byWorker = replies.filter { $0.hasSuffix("handled by \(name)") }.count
            #expect(byWorker > 0, "\(name) handled none: \(replies)")
            let (status, output) = worker.waitForExit()
            #expect(status == 0)
            #expect(output.last == "\(name) handled \(byWorker) requests, then none came for 2.0 seconds")
            handled += byWorker
        }
        #expect(handled == requests)

        let (status, output) = broker.waitForExit()
        #expect(status == 0)
        #expect(output.last == "forwarded \(requests) requests and \(requests) replies")
    }
}
