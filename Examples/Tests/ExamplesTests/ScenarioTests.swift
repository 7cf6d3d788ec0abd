import Foundation
import Testing
import ZeroMQ

@Suite("Scenario examples")
struct ScenarioTests {
    /// The numbers that follow `prefix` in `line`, such as [600, 590, 10] for
    /// "requests 600: sent 590, timed out 10" after "requests ".
    static func numbers(in line: some StringProtocol) -> [Int] {
        line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }

    @Test("game-gateway spreads requests over game servers that come and go, and accounts for each")
    func gameGateway() throws {
        let requests = "tcp://127.0.0.1:\(try freePort())"
        let acks = "tcp://127.0.0.1:\(try freePort())"
        let count = 1000
        let gateway = try Program("game-gateway", [requests, acks, "\(count)", "10"])
        // No game server yet: the sends time out, and the gateway goes on.
        gateway.waitForLine(startingWith: "request 1 timed out")

        func start(_ name: String) throws -> (name: String, program: Program) {
            (name, try Program("game-server", [name, requests, acks, "40"]))
        }
        var servers = [try start("alpha"), try start("beta")]
        for server in servers { server.program.waitForLine(startingWith: "\(server.name) handled request") }
        servers += [try start("gamma"), try start("delta"), try start("epsilon")]
        for server in servers.suffix(3) { server.program.waitForLine(startingWith: "\(server.name) handled request") }
        // alpha has a backlog by now: two servers were slower than the requests came.
        let killed = servers.removeFirst()
        killed.program.kill(SIGKILL)
        killed.program.waitForExit()

        let (status, output) = gateway.waitForExit(timeout: .seconds(60))
        #expect(status == 0)
        #expect(output.contains { $0.hasPrefix("a game server disconnected") })

        // requests 600: sent S, timed out T (...)
        let totals = try #require(output.first { $0.hasPrefix("requests \(count): sent ") })
        let (sent, timedOut) = (Self.numbers(in: totals)[1], Self.numbers(in: totals)[2])
        #expect(sent + timedOut == count)
        #expect(timedOut >= 1)
        let timedOutLines = output.filter { $0.hasPrefix("request ") && $0.contains(" timed out") }
        #expect(timedOutLines.count == timedOut)

        // handled H by 5 game servers: alpha A, beta B, ...
        let handledLine = try #require(output.first { $0.hasPrefix("handled ") })
        let handled = Self.numbers(in: handledLine)[0]
        var handledBy: [String: Int] = [:]
        for entry in handledLine.split(separator: ": ", maxSplits: 1)[1].split(separator: ", ") {
            let words = entry.split(separator: " ")
            handledBy[String(words[0])] = Int(words[1])
        }
        #expect(handledBy.values.reduce(0, +) == handled)
        #expect(Set(handledBy.keys) == ["alpha", "beta", "gamma", "delta", "epsilon"])

        // lost L: ...: requests a b c
        let lostLine = try #require(output.first { $0.hasPrefix("lost ") })
        let lostCount = Self.numbers(in: lostLine)[0]
        let lost = lostLine.split(separator: "requests ").dropFirst().first.map { Self.numbers(in: $0) } ?? []
        #expect(lost.count == lostCount)
        #expect(handled + lostCount == sent)

        // What each game server printed agrees with the gateway's acknowledgements.
        func handledRequests(_ server: (name: String, program: Program)) -> [Int] {
            server.program.output.filter { $0.hasPrefix("\(server.name) handled request ") }.map {
                Self.numbers(in: $0).last!
            }
        }
        var everyHandled: [Int] = []
        for server in servers {
            // Each prints a request before it acknowledges it.
            server.program.waitForOutput { lines in
                lines.filter { $0.hasPrefix("\(server.name) handled request ") }.count == handledBy[server.name]
            }
            everyHandled += handledRequests(server)
        }
        // The killed server may have printed one request it had no time to acknowledge.
        let killedHandled = handledRequests(killed)
        let acknowledgedByKilled = try #require(handledBy[killed.name])
        #expect(killedHandled.count - acknowledgedByKilled == 0 || killedHandled.count - acknowledgedByKilled == 1)
        everyHandled += killedHandled
        #expect(Set(everyHandled).count == everyHandled.count, "no request is handled twice")

        // The loss is the killed server's queue: requests the gateway sent it after the
        // last one it acknowledged, and that no other server handled.
        let lastAcknowledged = try #require(killedHandled.prefix(acknowledgedByKilled).last)
        for request in lost {
            #expect(request > lastAcknowledged, "request \(request) lost before alpha's last \(lastAcknowledged)")
            #expect(!everyHandled.contains(request) || killedHandled.last == request)
        }
    }

    @Test("game-gateway goes on when its only game server is gone: each request times out instead of blocking")
    func gameGatewayAlone() throws {
        let requests = "tcp://127.0.0.1:\(try freePort())"
        let acks = "tcp://127.0.0.1:\(try freePort())"
        let gateway = try Program("game-gateway", [requests, acks, "20", "50"])
        gateway.waitForLine(startingWith: "requests on")
        let server = try Program("game-server", ["solo", requests, acks, "10"])
        server.waitForLine(startingWith: "solo handled request")
        server.kill(SIGKILL)

        let (status, output) = gateway.waitForExit(timeout: .seconds(60))
        #expect(status == 0)
        let gone = try #require(output.firstIndex { $0.hasPrefix("a game server disconnected (0 connected)") })
        #expect(output[gone...].contains { $0.hasPrefix("request ") && $0.contains(" timed out") })
        let totals = Self.numbers(in: try #require(output.first { $0.hasPrefix("requests 20: sent ") }))
        let handled = Self.numbers(in: try #require(output.first { $0.hasPrefix("handled ") }))[0]
        let lost = Self.numbers(in: try #require(output.first { $0.hasPrefix("lost ") }))[0]
        #expect(totals[1] + totals[2] == 20)
        #expect(handled + lost == totals[1])
    }

    @Test("http-server answers curl, and a raw TCP client that sends its request in pieces")
    func httpServer() throws {
        let port = try freePort()
        let curl = ["/usr/bin/curl", "/usr/local/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let server = try Program("http-server", ["tcp://127.0.0.1:\(port)", curl == nil ? "1" : "2"])
        server.waitForLine(startingWith: "listening on")

        // Two pieces, as TCP may deliver a request; the server answers once it has all.
        let reply = try TCPClient.exchange(
            port: port, pieces: ["GET /pieces HTTP/1.0\r\nHost: local", "host\r\n\r\n"])
        #expect(reply.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(reply.hasSuffix("\r\n\r\nHello, World! You asked for /pieces\n"))  // then the server closed

        if let curl {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: curl)
            process.arguments = ["--silent", "--show-error", "--max-time", "10", "http://127.0.0.1:\(port)/from-curl"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let body = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(String(decoding: body, as: UTF8.self) == "Hello, World! You asked for /from-curl\n")
        } else {
            print("curl is not installed: http-server was tried with a raw TCP client only")
        }

        let (status, output) = server.waitForExit()
        #expect(status == 0)
        let answers = output.filter { $0.hasPrefix("connection ") && $0.hasSuffix("-> 200 OK") }
        #expect(answers.count == (curl == nil ? 1 : 2))
        #expect(answers.first?.contains(": GET /pieces HTTP/1.0 -> ") == true)
    }

    @Test("steerable-proxy holds requests while paused, forwards them on resume, and counts them")
    func steerableProxy() throws {
        let frontend = "tcp://127.0.0.1:\(try freePort())"
        let backend = "tcp://127.0.0.1:\(try freePort())"
        let proxy = try Program("steerable-proxy", [frontend, backend])
        proxy.waitForLine(startingWith: "forwarding")
        /// Waits until the proxy has printed `count` lines starting with `prefix`.
        func waitForProxy(_ count: Int, _ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) {
            proxy.waitForOutput(sourceLocation: sourceLocation) { $0.filter { $0.hasPrefix(prefix) }.count >= count }
        }

        // The worker: a REP socket of the test's own, on the backend.
        let context = try Context()
        let worker = try RepSocket(context)
        try worker.connect(backend.replacingOccurrences(of: "*", with: "127.0.0.1"))
        func answer(within timeout: Duration) throws -> Bool {
            guard let request = try worker.receiveString(timeout: timeout) else { return false }
            #expect(request == "Hello")
            try worker.send("World")
            return true
        }

        // Forwarding: three requests of hello-client, through the proxy, and their replies.
        let client = try Program("hello-client", [frontend, "3"])
        for _ in 1...3 { #expect(try answer(within: .seconds(10))) }
        #expect(client.waitForExit().output == ["request 1: World", "request 2: World", "request 3: World"])

        // Paused: a fourth request waits in the frontend's queue.
        try proxy.write("pause\n")
        waitForProxy(1, "paused")
        let late = try Program("hello-client", [frontend, "1"])
        #expect(try !answer(within: .milliseconds(500)), "a request went through the paused proxy")
        try proxy.write("statistics\n")
        waitForProxy(1, "frontend:")
        #expect(proxy.output.last { $0.hasPrefix("frontend:") }?.hasPrefix("frontend: in 3 ") == true)

        // Resumed: it goes through.
        try proxy.write("resume\n")
        waitForProxy(1, "resumed")
        #expect(try answer(within: .seconds(10)))
        #expect(late.waitForExit().output == ["request 1: World"])

        // The statistics when it stops: four requests in at the frontend and out at the
        // backend, four replies the other way, each side's bytes the other's.
        try proxy.write("stop\n")
        let (status, output) = proxy.waitForExit()
        #expect(status == 0)
        #expect(output.last == "stopped")
        let front = ScenarioTests.numbers(in: try #require(output.last { $0.hasPrefix("frontend:") }))
        let back = ScenarioTests.numbers(in: try #require(output.last { $0.hasPrefix("backend:") }))
        // [in, in bytes, out, out bytes]
        #expect(front[0] == 4 && front[2] == 4 && back[0] == 4 && back[2] == 4, "\(front) \(back)")
        #expect(front[1] == back[3] && back[1] == front[3] && front[1] > 0 && back[1] > 0, "\(front) \(back)")
    }

    @Test("monitor-peer prints its peers' connections as they come and go, on both sides")
    func monitorPeer() throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        /// Waits until `program` has printed `count` events that start with `prefix`.
        func wait(_ program: Program, _ count: Int, _ prefix: String, sourceLocation: SourceLocation = #_sourceLocation)
        {
            program.waitForOutput(sourceLocation: sourceLocation) {
                $0.filter { $0.hasPrefix(prefix) && $0.hasSuffix(endpoint) }.count >= count
            }
        }
        let server = try Program("monitor-peer", ["bind", endpoint])
        wait(server, 1, "listening")

        // A peer comes: both sides see the connection and its handshake.
        let peer = try Program("monitor-peer", ["connect", endpoint])
        wait(peer, 1, "connected")
        wait(peer, 1, "handshake succeeded")
        wait(server, 1, "accepted")
        wait(server, 1, "handshake succeeded")

        // It crashes, and another comes.
        peer.kill(SIGKILL)
        wait(server, 1, "disconnected")
        let second = try Program("monitor-peer", ["connect", endpoint])
        wait(second, 1, "handshake succeeded")
        wait(server, 2, "accepted")
        wait(server, 2, "handshake succeeded")

        // The server crashes: the peer loses its connection and retries until a new
        // server binds the endpoint, which stops after three events.
        server.kill(SIGKILL)
        wait(second, 1, "disconnected")
        wait(second, 1, "connect retried")
        let restarted = try Program("monitor-peer", ["bind", endpoint, "3"])
        let (status, output) = restarted.waitForExit()
        #expect(status == 0)
        #expect(output.map { $0.split(separator: " ").first ?? "" } == ["bound", "listening", "accepted", "handshake"])
        wait(second, 2, "connected")
        wait(second, 2, "handshake succeeded")
    }

    @Test("curve-publisher serves a pyzmq subscriber it admits, and nothing to one it refuses or with a wrong key")
    func curvePublisher() throws {
        // Certificates as pyzmq makes them: each subscriber keeps its secret one, and the
        // publisher's directory gets alice's public one only.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("curve-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appendingPathComponent("keys").path
        let clients = folder.appendingPathComponent("clients").path
        for directory in [keys, clients] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let maker = try Program.python(
            "certificates",
            "import zmq.auth; [zmq.auth.create_certificates('\(keys)', name) for name in ('alice', 'mallory')]")
        let made = maker.waitForExit()
        try #require(made.status == 0, "pyzmq is needed (apt-get install python3-zmq): \(made.output)")
        try FileManager.default.copyItem(atPath: "\(keys)/alice.key", toPath: "\(clients)/alice.key")

        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        // The publisher makes its certificate, and gives alice its public one.
        let publisherCertificate = folder.appendingPathComponent("publisher.key").path
        let publisher = try Program("curve-publisher", [endpoint, clients, publisherCertificate, "1000"])
        let keyLine = try #require(publisher.waitForLine(startingWith: "publisher key: "))
        let publisherKey = String(keyLine.dropFirst("publisher key: ".count))
        publisher.waitForLine(startingWith: "bound")
        #expect(publisher.output.contains { $0.hasPrefix("saved a new certificate: \(publisherCertificate) ") })
        func subscriber(_ name: String, server: String, count: Int, timeout: Int) throws -> Program {
            try Python.program(
                name,
                [
                    Python.script("curve_subscriber.py"), server, "--endpoint", endpoint,
                    "--certificate", "\(keys)/\(name).key_secret", "--count", "\(count)", "--timeout", "\(timeout)",
                ])
        }

        // alice is admitted, and receives updates.
        let alice = try subscriber(
            "alice", server: "--server-certificate=\(publisherCertificate)", count: 3, timeout: 30)
        let (aliceStatus, aliceOutput) = alice.waitForExit(timeout: .seconds(40))
        #expect(aliceStatus == 0, "\(aliceOutput)")
        #expect(aliceOutput.filter { $0.hasPrefix("received: weather update ") }.count == 3)
        publisher.waitForLine(startingWith: "subscriber admitted: handshake succeeded")

        // mallory knows the publisher's key but is not in its directory: the authenticator
        // refuses it. A subscriber with a wrong publisher key fails the handshake itself.
        let mallory = try subscriber("mallory", server: "--server-key=\(publisherKey)", count: 1, timeout: 2)
        let wrongKey = try subscriber("alice", server: "--server-key=\(try Self.anotherKey())", count: 1, timeout: 2)
        publisher.waitForLine(startingWith: "subscriber refused: handshake failed (ZAP status 400)")
        publisher.waitForLine {
            $0.hasPrefix("subscriber refused: handshake failed (ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)")
        }
        for refused in [mallory, wrongKey] {
            let (status, output) = refused.waitForExit()
            #expect(status == 1)
            #expect(output.last == "received 0 updates")
        }

        // Started again, the publisher keeps its key.
        publisher.kill(SIGTERM)
        publisher.waitForExit()
        let again = try Program("curve-publisher", [endpoint, clients, publisherCertificate, "1"])
        #expect(again.waitForExit().output.first == "publisher key: \(publisherKey)")
    }

    /// A valid public key that is not the publisher's.
    static func anotherKey() throws -> String {
        try CurveKeyPair.generate().publicKey.z85
    }

    @Test("async-server answers 20 async-client processes at once, every request, from one task group")
    func asyncServer() throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let (clientCount, requests) = (20, 3)
        let server = try Program("async-server", [endpoint, "\(clientCount * requests)"])
        server.waitForLine(startingWith: "serving on")
        let clients = try (1...clientCount).map {
            try Program("async-client", ["client\($0)", endpoint, "\(requests)"])
        }
        for (index, client) in clients.enumerated() {
            let (status, output) = client.waitForExit(timeout: .seconds(60))
            #expect(status == 0, "\(output)")
            #expect(Set(output) == Set((1...requests).map { "re: client\(index + 1) \($0)" }), "\(output)")
        }
        let (status, output) = server.waitForExit()
        #expect(status == 0)
        // served 60 requests from 20 clients, at most N at once
        let summary = try #require(output.last)
        let numbers = ScenarioTests.numbers(in: summary)
        #expect(summary.hasPrefix("served ") && numbers[0] == clientCount * requests && numbers[1] == clientCount)
        // A client's requests all come at once, and each waits 100 ms: they overlap.
        #expect(numbers[2] >= requests, "\(summary)")
    }
}

/// A plain TCP client, as a program that knows nothing of ZeroMQ.
enum TCPClient {
    /// Connects to 127.0.0.1:`port`, sends `pieces` one write each, then reads until the
    /// server closes the connection (for at most `timeout`).
    static func exchange(port: Int, pieces: [String], timeout: Duration = .seconds(10)) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TCPError("socket: errno \(errno)") }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TCPError("connect to port \(port): errno \(errno)") }
        for piece in pieces {
            let bytes = Array(piece.utf8)
            guard send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw TCPError("send: errno \(errno)") }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { break }  // the server closed the connection
            guard count > 0 else { throw TCPError("recv after \(received.count) bytes: errno \(errno)") }
            received += buffer.prefix(count)
        }
        return String(decoding: received, as: UTF8.self)
    }
}

struct TCPError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The Python examples, run with Debian's python3 (which sees python3-zmq).
enum Python {
    static func program(_ name: String, _ arguments: [String]) throws -> Program {
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        return try Program(name: name, executable: URL(fileURLWithPath: python), ["-u"] + arguments)
    }

    /// The path of `Examples/python/NAME`.
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("python").appendingPathComponent(name).path
    }
}
