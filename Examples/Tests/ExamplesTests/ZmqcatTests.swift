import Foundation
import Testing
import ZeroMQ

/// zmqcat run as its own process, as a user runs it, against pyzmq peers (Debian's
/// python3-zmq) in processes of their own, against itself, and with bad flags.
@Suite("zmqcat", .serialized)
struct ZmqcatTests {
    /// zmqcat's data lines: what it printed, less its messages to people.
    static func data(_ output: [String]) -> [String] {
        output.filter { !$0.hasPrefix("zmqcat: ") }
    }

    /// A loopback tcp endpoint on a free port.
    static func endpoint() throws -> String {
        "tcp://127.0.0.1:\(try freePort())"
    }

    /// Runs zmqcat with `arguments` and `input` on its standard input, then waits for it.
    static func run(_ arguments: [String], input: String = "", timeout: Duration = .seconds(30)) throws -> (
        status: Int32, output: [String]
    ) {
        let zmqcat = try Program("zmqcat", arguments)
        try zmqcat.write(input)
        try zmqcat.closeInput()
        return zmqcat.waitForExit(timeout: timeout)
    }

    // MARK: Request-reply

    static let echoServer = """
        import sys, zmq
        context = zmq.Context()
        socket = context.socket(getattr(zmq, sys.argv[1]))
        socket.rcvtimeo = 20000
        socket.bind(sys.argv[2])
        print("ready", flush=True)
        for _ in range(int(sys.argv[3])):
            request = socket.recv_multipart()
            if sys.argv[1] == "ROUTER":
                print("from", request[0].decode(), flush=True)
                socket.send_multipart([request[0], b"re: " + request[1]])
            else:
                socket.send_multipart([b"re: " + request[0]] + request[1:])
        context.destroy(linger=5000)   # waits until the last reply has gone out
        """

    @Test("req sends each line to a pyzmq REP and prints its reply")
    func requestToPyzmq() throws {
        let endpoint = try Self.endpoint()
        let server = try Program.python("pyzmq REP", Self.echoServer, ["REP", endpoint, "2"])
        server.waitForLine(startingWith: "ready")
        let (status, output) = try Self.run(["req", "-c", endpoint, "-t", "10s"], input: "ping\npong\n")
        #expect(status == 0)
        #expect(Self.data(output) == ["re: ping", "re: pong"])
        #expect(server.waitForExit().status == 0)
    }

    @Test("rep prints a pyzmq REQ's request and answers with its input")
    func replyToPyzmq() throws {
        let endpoint = try Self.endpoint()
        let zmqcat = try Program("zmqcat", ["rep", "-b", endpoint, "-n", "1", "-t", "20s", "-v"])
        zmqcat.waitForLine(startingWith: "zmqcat: bound")
        try zmqcat.write("world\n")
        let client = try Program.python(
            "pyzmq REQ",
            """
            import sys, zmq
            context = zmq.Context()
            socket = context.socket(zmq.REQ)
            socket.rcvtimeo = 20000
            socket.connect(sys.argv[1])
            socket.send(b"hello")
            print("reply", socket.recv().decode())
            """, [endpoint])
        #expect(client.waitForExit().output == ["reply world"])
        let (status, output) = zmqcat.waitForExit()
        #expect(status == 0)
        #expect(Self.data(output) == ["hello"])
    }

    @Test("req gets no reply from a peer that is not there: exit 3 at the timeout")
    func requestTimesOut() throws {
        let (status, output) = try Self.run(["req", "-c", try Self.endpoint(), "-t", "300ms"], input: "anyone?\n")
        #expect(status == 3)
        #expect(output.contains { $0.hasPrefix("zmqcat: no reply to request 1 within 300ms") })
    }

    // MARK: Publish-subscribe

    @Test("sub with a filter prints only the matching messages of a pyzmq PUB")
    func subscribeWithFilter() throws {
        let endpoint = try Self.endpoint()
        let publisher = try Program.python(
            "pyzmq PUB",
            """
            import sys, time, zmq
            context = zmq.Context()
            socket = context.socket(zmq.PUB)
            socket.bind(sys.argv[1])
            for number in range(2000):   # until zmqcat has its three, 20 s at most
                socket.send(b"sports %d" % number)
                socket.send(b"weather %d" % number)
                time.sleep(0.01)
            """, [endpoint])
        defer { publisher.kill() }
        let (status, output) = try Self.run(["sub", "-c", endpoint, "-s", "weather", "-n", "3", "-t", "20s"])
        #expect(status == 0)
        let lines = Self.data(output)
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.hasPrefix("weather ") })
    }

    @Test("xpub prints a pyzmq SUB's subscription, then publishes to it what it reads")
    func publishThroughXPub() throws {
        let endpoint = try Self.endpoint()
        let zmqcat = try Program("zmqcat", ["xpub", "-b", endpoint, "-n", "2", "-t", "20s", "-v", "--format", "hex"])
        zmqcat.waitForLine(startingWith: "zmqcat: bound")
        let subscriber = try Program.python(
            "pyzmq SUB",
            """
            import sys, zmq
            context = zmq.Context()
            socket = context.socket(zmq.SUB)
            socket.rcvtimeo = 20000
            socket.connect(sys.argv[1])
            socket.subscribe(b"weather")
            for _ in range(2):
                print("got", socket.recv().decode(), flush=True)
            socket.unsubscribe(b"weather")   # zmqcat's second message
            context.destroy(linger=5000)   # waits until the unsubscription has gone out
            """, [endpoint])
        // The subscription: the byte 1, then "weather".
        zmqcat.waitForLine(startingWith: "01" + "weather".utf8.map { String($0, radix: 16) }.joined())
        try zmqcat.write("weather oslo 3\nsports 1-0\nweather bergen 7\n")
        #expect(subscriber.waitForExit().output == ["got weather oslo 3", "got weather bergen 7"])
        let (status, output) = zmqcat.waitForExit()
        #expect(status == 0)
        #expect(Self.data(output).last == "00" + "weather".utf8.map { String($0, radix: 16) }.joined())
    }

    // MARK: Pipeline

    static let collector = """
        import sys, zmq
        context = zmq.Context()
        socket = context.socket(zmq.PULL)
        socket.rcvtimeo = 20000
        socket.bind(sys.argv[1])
        print("ready", flush=True)
        for _ in range(int(sys.argv[2])):
            print(repr(socket.recv_multipart()), flush=True)
        """

    @Test("push sends each line to a pyzmq PULL")
    func pushToPyzmq() throws {
        let endpoint = try Self.endpoint()
        let collector = try Program.python("pyzmq PULL", Self.collector, [endpoint, "3"])
        collector.waitForLine(startingWith: "ready")
        let (status, _) = try Self.run(["push", "-c", endpoint, "-t", "10s"], input: "one\ntwo\nthree")
        #expect(status == 0)
        #expect(collector.waitForExit().output == ["ready", "[b'one']", "[b'two']", "[b'three']"])
    }

    @Test("NUL-terminated records and the whole input as one message")
    func recordModes() throws {
        let endpoint = try Self.endpoint()
        let collector = try Program.python("pyzmq PULL", Self.collector, [endpoint, "3"])
        collector.waitForLine(startingWith: "ready")
        #expect(try Self.run(["push", "-c", endpoint, "--records", "nul"], input: "a\nb\0c\0").status == 0)
        #expect(try Self.run(["push", "-c", endpoint, "--records", "whole"], input: "x\ny\0z\n").status == 0)
        #expect(
            collector.waitForExit().output == ["ready", "[b'a\\nb']", "[b'c']", "[b'x\\ny\\x00z\\n']"])
    }

    @Test("pull prints what a pyzmq PUSH sends, and ends after --count")
    func pullFromPyzmq() throws {
        let endpoint = try Self.endpoint()
        let zmqcat = try Program("zmqcat", ["pull", "-b", endpoint, "-n", "2", "-t", "20s", "-v"])
        zmqcat.waitForLine(startingWith: "zmqcat: bound")
        let pusher = try Program.python(
            "pyzmq PUSH",
            """
            import sys, zmq
            context = zmq.Context()
            socket = context.socket(zmq.PUSH)
            socket.connect(sys.argv[1])
            for text in [b"first", b"second", b"third"]:
                socket.send(text)
            context.destroy(linger=5000)   # waits until what was sent has gone out
            """, [endpoint])
        let (status, output) = zmqcat.waitForExit()
        #expect(status == 0)
        #expect(Self.data(output) == ["first", "second"])
        pusher.waitForExit()
    }

    // MARK: Router and dealer

    @Test("router talks with a pyzmq DEALER by its routing id")
    func routerWithPyzmqDealer() throws {
        let endpoint = try Self.endpoint()
        let zmqcat = try Program(
            "zmqcat", ["router", "-b", endpoint, "--separator", "|", "-n", "2", "-t", "20s", "-v"])
        zmqcat.waitForLine(startingWith: "zmqcat: bound")
        let dealer = try Program.python(
            "pyzmq DEALER",
            """
            import sys, zmq
            context = zmq.Context()
            socket = context.socket(zmq.DEALER)
            socket.rcvtimeo = 20000
            socket.routing_id = b"py-dealer"
            socket.connect(sys.argv[1])
            socket.send(b"hello")
            print("got", socket.recv().decode(), flush=True)
            socket.send(b"bye")
            context.destroy(linger=5000)   # waits until what was sent has gone out
            """, [endpoint])
        zmqcat.waitForLine(startingWith: "py-dealer|hello")
        try zmqcat.write("py-dealer|welcome\n")
        #expect(dealer.waitForExit().output == ["got welcome"])
        let (status, output) = zmqcat.waitForExit()
        #expect(status == 0)
        #expect(Self.data(output) == ["py-dealer|hello", "py-dealer|bye"])
    }

    @Test("dealer with a routing id asks a pyzmq ROUTER")
    func dealerToPyzmqRouter() throws {
        let endpoint = try Self.endpoint()
        let router = try Program.python("pyzmq ROUTER", Self.echoServer, ["ROUTER", endpoint, "1"])
        router.waitForLine(startingWith: "ready")
        let (status, output) = try Self.run(
            ["dealer", "-c", endpoint, "--routing-id", "swift-dealer", "-n", "1", "-t", "10s"], input: "hi\n")
        #expect(status == 0)
        #expect(Self.data(output) == ["re: hi"])
        #expect(router.waitForExit().output == ["ready", "from swift-dealer"])
    }

    @Test("router to an unknown routing id fails, naming it")
    func routerToUnknownPeer() throws {
        let (status, output) = try Self.run(
            ["router", "-b", try Self.endpoint(), "--separator", "|", "-t", "2s"], input: "nobody|hello\n")
        #expect(status == 1)
        #expect(output.contains { $0.hasPrefix("zmqcat: ") && $0.contains("EHOSTUNREACH") })
    }

    // MARK: Multipart

    @Test("multipart: the separator cuts records into frames and joins received ones")
    func multipart() throws {
        let endpoint = try Self.endpoint()
        let collector = try Program.python("pyzmq PULL", Self.collector, [endpoint, "2"])
        collector.waitForLine(startingWith: "ready")
        let (status, _) = try Self.run(
            ["push", "-c", endpoint, "--separator", " | ", "-t", "10s"], input: "a | b | c\n | \n")
        #expect(status == 0)
        #expect(collector.waitForExit().output == ["ready", "[b'a', b'b', b'c']", "[b'', b'']"])
    }

    @Test("multipart from pyzmq, shown as text, hex and base64, with frame boundaries")
    func multipartFormats() throws {
        for (arguments, expected) in [
            (["--separator", "/"], "\u{1}\u{2}/body"),
            (["--format", "hex", "--frames"], "[2]0102[4]626f6479"),
            (["--format", "base64", "--separator", " "], "AQI= Ym9keQ=="),
        ] {
            let endpoint = try Self.endpoint()
            let zmqcat = try Program("zmqcat", ["pull", "-b", endpoint, "-n", "1", "-t", "20s", "-v"] + arguments)
            zmqcat.waitForLine(startingWith: "zmqcat: bound")
            let pusher = try Program.python(
                "pyzmq PUSH",
                """
                import sys, zmq
                context = zmq.Context()
                socket = context.socket(zmq.PUSH)
                socket.connect(sys.argv[1])
                socket.send_multipart([b"\\x01\\x02", b"body"])
                context.destroy(linger=5000)   # waits until what was sent has gone out
                """, [endpoint])
            let (status, output) = zmqcat.waitForExit()
            #expect(status == 0)
            #expect(Self.data(output) == [expected], "\(arguments)")
            #expect(pusher.waitForExit().output == [])
        }
    }

    // MARK: CURVE

    @Test("CURVE: req to a pyzmq CURVE server, by its key or its certificate; a wrong key times out")
    func curveClient() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let endpoint = try Self.endpoint()
        let server = try Program.python(
            "pyzmq CURVE REP",
            """
            import sys, zmq, zmq.auth
            zmq.auth.create_certificates(sys.argv[2], "server")
            public, secret = zmq.auth.load_certificate(sys.argv[2] + "/server.key_secret")
            context = zmq.Context()
            socket = context.socket(zmq.REP)
            socket.curve_server = True
            socket.curve_secretkey = secret
            socket.rcvtimeo = 20000
            socket.bind(sys.argv[1])
            print("key", public.decode(), flush=True)
            for _ in range(2):
                socket.send(b"secret " + socket.recv())
            context.destroy(linger=5000)   # waits until the last reply has gone out
            """, [endpoint, folder])
        let serverKey = String(try #require(server.waitForLine(startingWith: "key ")).dropFirst(4))

        let wrongKey = try CurveKeyPair.generate().publicKey.z85
        let (wrongStatus, wrongOutput) = try Self.run(
            ["req", "-c", endpoint, "--curve-server-key", wrongKey, "-t", "500ms"], input: "hello\n")
        #expect(wrongStatus == 3)
        #expect(wrongOutput.contains { $0.hasPrefix("zmqcat: no reply") })

        let (status, output) = try Self.run(
            ["req", "-c", endpoint, "--curve-server-key", serverKey, "-t", "10s"], input: "by key\n")
        #expect(status == 0)
        #expect(Self.data(output) == ["secret by key"])

        try CurveCertificate.generate(metadata: ["name": "client"]).save(to: folder + "/client.key")
        let (certificateStatus, certificateOutput) = try Self.run(
            [
                "req", "-c", endpoint, "--curve-server-certificate", folder + "/server.key",
                "--curve-certificate", folder + "/client.key_secret", "-t", "10s",
            ],
            input: "by certificate\n")
        #expect(certificateStatus == 0)
        #expect(Self.data(certificateOutput) == ["secret by certificate"])
        #expect(server.waitForExit().status == 0)
    }

    @Test("CURVE: rep as server admits a pyzmq client whose certificate is in --curve-allow, and no other")
    func curveServer() throws {
        let (folder, clients, strangers) = (
            try Self.temporaryFolder(), try Self.temporaryFolder(), try Self.temporaryFolder()
        )
        defer {
            for path in [folder, clients, strangers] { try? FileManager.default.removeItem(atPath: path) }
        }
        let server = try CurveCertificate.generate()
        try server.save(to: folder + "/server.key")
        let certificates = try Program.python(
            "pyzmq certificates",
            """
            import sys, zmq.auth
            zmq.auth.create_certificates(sys.argv[1], "admitted")
            zmq.auth.create_certificates(sys.argv[2], "stranger")
            """, [clients, strangers])
        #expect(certificates.waitForExit().status == 0)

        let endpoint = try Self.endpoint()
        let zmqcat = try Program(
            "zmqcat",
            [
                "rep", "-b", endpoint, "--curve-server", "--curve-certificate", folder + "/server.key_secret",
                "--curve-allow", clients, "-n", "1", "-t", "20s", "-v",
            ])
        zmqcat.waitForLine(startingWith: "zmqcat: bound")
        #expect(zmqcat.output.contains("zmqcat: CURVE server public key \(server.publicKey)"))
        try zmqcat.write("welcome\n")
        let client = """
            import sys, zmq, zmq.auth
            public, secret = zmq.auth.load_certificate(sys.argv[3])
            context = zmq.Context()
            socket = context.socket(zmq.REQ)
            socket.curve_serverkey = sys.argv[2].encode()
            socket.curve_publickey = public
            socket.curve_secretkey = secret
            socket.rcvtimeo = int(sys.argv[4])
            socket.linger = 0
            socket.connect(sys.argv[1])
            socket.send(b"let me in")
            try:
                print("reply", socket.recv().decode())
            except zmq.Again:
                print("no reply")
            """
        let stranger = try Program.python(
            "pyzmq stranger", client, [endpoint, server.publicKey.z85, strangers + "/stranger.key_secret", "1000"])
        #expect(stranger.waitForExit().output == ["no reply"])
        let admitted = try Program.python(
            "pyzmq admitted", client, [endpoint, server.publicKey.z85, clients + "/admitted.key_secret", "20000"])
        #expect(admitted.waitForExit().output == ["reply welcome"])
        let (status, output) = zmqcat.waitForExit()
        #expect(status == 0)
        #expect(Self.data(output) == ["let me in"])
    }

    @Test("CURVE: zmqcat rep with a key pair it generates, zmqcat req with its public key")
    func curveZmqcatWithZmqcat() throws {
        let endpoint = try Self.endpoint()
        let server = try Program("zmqcat", ["rep", "-b", endpoint, "--curve-server", "-n", "1", "-t", "20s"])
        let announcement = try #require(server.waitForLine(startingWith: "zmqcat: CURVE server public key "))
        let serverKey = String(announcement.dropFirst("zmqcat: CURVE server public key ".count))
        try server.write("encrypted pong\n")
        let (status, output) = try Self.run(
            ["req", "-c", endpoint, "--curve-server-key", serverKey, "-t", "10s"], input: "encrypted ping\n")
        #expect(status == 0)
        #expect(Self.data(output) == ["encrypted pong"])
        #expect(Self.data(server.waitForExit().output) == ["encrypted ping"])
    }

    // MARK: zmqcat with zmqcat

    @Test("zmqcat req asks zmqcat rep")
    func zmqcatWithZmqcat() throws {
        let endpoint = try Self.endpoint()
        let server = try Program("zmqcat", ["rep", "-b", endpoint, "-t", "20s", "-v"])
        server.waitForLine(startingWith: "zmqcat: bound")
        try server.write("pong 1\npong 2\n")
        try server.closeInput()
        let (status, output) = try Self.run(["req", "-c", endpoint, "-t", "10s"], input: "ping 1\nping 2\n")
        #expect(status == 0)
        #expect(Self.data(output) == ["pong 1", "pong 2"])
        let serverResult = server.waitForExit()
        #expect(serverResult.status == 0)
        #expect(Self.data(serverResult.output) == ["ping 1", "ping 2"])
    }

    @Test("a pipeline of three zmqcats: a source, a stage that transforms, a sink")
    func pipeline() throws {
        let (first, second) = (try Self.endpoint(), try Self.endpoint())
        let sink = try Program("zmqcat", ["pull", "-b", second, "-n", "3", "-t", "20s", "-v", "--separator", "|"])
        sink.waitForLine(startingWith: "zmqcat: bound")
        let zmqcat = Program.binaries.appendingPathComponent("zmqcat").path
        // The stage: messages in, through a shell pipeline, messages out.
        let stage = try Program(
            name: "stage", executable: URL(fileURLWithPath: "/bin/sh"),
            [
                "-c",
                "'\(zmqcat)' pull -b \(first) -n 3 -t 20s -v --separator '|' | tr a-z A-Z |"
                    + " '\(zmqcat)' push -c \(second) --separator '|' --linger 10s",
            ])
        stage.waitForLine(startingWith: "zmqcat: bound")
        let (status, _) = try Self.run(
            ["push", "-c", first, "--separator", "|", "--linger", "10s"], input: "one|1\ntwo|2\nthree|3\n")
        #expect(status == 0)
        #expect(stage.waitForExit().status == 0)
        let (sinkStatus, output) = sink.waitForExit()
        #expect(sinkStatus == 0)
        #expect(Self.data(output) == ["ONE|1", "TWO|2", "THREE|3"])
    }

    // MARK: Bad flags and failures

    @Test("--help lists the exit codes and examples, and exits 0")
    func help() throws {
        let (status, output) = try Self.run(["--help"], timeout: .seconds(10))
        #expect(status == 0)
        for line in [
            "EXIT CODES", "EXAMPLES", "  0   done: all of stdin sent, --count messages received, or (without",
            "  3   timed out (--timeout): fewer than --count messages arrived",
            "  64  bad command line: the message names the flag",
            "    echo ping | zmqcat req -c tcp://localhost:5555 -t 5s",
        ] {
            #expect(output.contains(line), "\(line)")
        }
    }

    @Test(
        "bad flags: exit 64 and a message that names what is wrong",
        arguments: [
            (["bogus", "-b", "tcp://127.0.0.1:5555"], "SocketKind \"bogus\": not a socket type"),
            (["pull"], "Give at least one endpoint"),
            (
                ["push", "-c", "tcp://127.0.0.1:5555", "-s", "x"],
                "--subscribe applies to sub and xsub sockets, not push"
            ),
            (["pull", "-b", "tcp://127.0.0.1:5555", "-t", "soon"], "'soon' is not a duration"),
            (["pull", "-b", "tcp://127.0.0.1:5555", "-n", "0"], "--count must be at least 1"),
            (["pull", "-b", "tcp://127.0.0.1:5555", "-t", "1e18"], "'1e18' is not a duration"),
            (["pull", "-b", "tcp://127.0.0.1:5555", "--linger", "9999999s"], "'9999999s' is too long"),
            (["pull", "-b", "tcp://127.0.0.1:5555", "--hwm=-1"], "--hwm must be from 0"),
            (
                ["pull", "-b", "tcp://127.0.0.1:5555", "--records", "words"],
                "The value 'words' is invalid for '--records"
            ),
            (["pull", "-b", "tcp://127.0.0.1:5555", "--bogus"], "Unknown option '--bogus'"),
            (
                ["req", "-c", "tcp://127.0.0.1:5555", "--curve-server-key", "short"],
                "--curve-server-key: CurvePublicKey(z85:)"
            ),
            (
                [
                    "rep", "-b", "tcp://127.0.0.1:5555", "--curve-server", "--curve-server-key",
                    "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
                ],
                "--curve-server and --curve-server-key or --curve-server-certificate exclude each other"
            ),
            (["req", "-c", "tcp://127.0.0.1:5555", "--curve-secret-key", "x"], "CURVE keys need a role"),
            (
                ["req", "-c", "tcp://127.0.0.1:5555", "--curve-public-key", "x"],
                "--curve-public-key needs the secret key"
            ),
            (
                ["pull", "-b", "tcp://127.0.0.1:5555", "--curve-allow", "/tmp"],
                "--curve-allow applies to a CURVE server"
            ),
            (["pull", "-b", "tcp://127.0.0.1:5555", "--separator", ""], "--separator must not be empty"),
        ])
    func badFlags(arguments: [String], message: String) throws {
        let (status, output) = try Self.run(arguments, timeout: .seconds(10))
        #expect(status == 64)
        #expect(output.contains { $0.contains(message) }, "\(output.prefix(3))")
    }

    @Test("values that start with a dash are values: Z85 keys, prefixes, separators")
    func dashValues() throws {
        let key = "-" + String(repeating: "0", count: 39)  // a key in Z85, whose alphabet has '-'
        let (status, output) = try Self.run(
            ["req", "-c", try Self.endpoint(), "--curve-server-key", key, "--separator", "-", "-t", "300ms"],
            input: "a-b\n", timeout: .seconds(10))
        #expect(status == 3)
        #expect(output.contains { $0.hasPrefix("zmqcat: no reply to request 1") })
        let (subscriberStatus, _) = try Self.run(
            ["sub", "-c", try Self.endpoint(), "-s", "-x", "-s", "--y", "-t", "100ms"], timeout: .seconds(10))
        #expect(subscriberStatus == 3)
    }

    @Test("a bind that libzmq refuses: exit 2, with libzmq's reason")
    func setUpFailures() throws {
        let endpoint = try Self.endpoint()
        let holder = try Program("zmqcat", ["pull", "-b", endpoint, "-t", "20s", "-v"])
        holder.waitForLine(startingWith: "zmqcat: bound")
        defer { holder.kill() }
        let (status, output) = try Self.run(["pull", "-b", endpoint, "-t", "1s"])
        #expect(status == 2)
        #expect(output.contains { $0.hasPrefix("zmqcat: bind \(endpoint)") && $0.contains("EADDRINUSE") })
        let (badStatus, badOutput) = try Self.run(["pull", "-b", "tcp://127.0.0.1:99999"])
        #expect(badStatus == 2)
        #expect(badOutput.contains { $0.contains("port 99999 is out of range") })
        let (missingStatus, missingOutput) = try Self.run(
            ["rep", "-b", try Self.endpoint(), "--curve-server", "--curve-certificate", "/nonexistent/key_secret"])
        #expect(missingStatus == 2)
        #expect(
            missingOutput == [
                "zmqcat: --curve-certificate: open /nonexistent/key_secret: No such file or directory (ENOENT)"
            ])
    }

    @Test("timeouts: a receive with no peer, and a send nobody takes, end with exit 3")
    func timeouts() throws {
        let (status, output) = try Self.run(["pull", "-b", try Self.endpoint(), "-t", "300ms"], timeout: .seconds(10))
        #expect(status == 3)
        #expect(output.contains { $0.hasPrefix("zmqcat: timed out: nothing arrived within 300ms") })
        let (sendStatus, sendOutput) = try Self.run(
            ["push", "-b", try Self.endpoint(), "-t", "300ms"], input: "lost\n", timeout: .seconds(10))
        #expect(sendStatus == 3)
        #expect(sendOutput.contains { $0.hasPrefix("zmqcat: message 1 could not be sent within 300ms") })
    }

    @Test("the end of input ends a sender after the linger, even with no peer to take what is queued")
    func endOfInputAfterLinger() throws {
        let started = ContinuousClock.now
        let (status, output) = try Self.run(
            ["push", "-c", try Self.endpoint(), "--linger", "200ms"], input: "nobody\nlistens\n", timeout: .seconds(10))
        #expect(status == 0)
        #expect(output == [])
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("input that is not in --input-format: exit 1, naming the record")
    func badInput() throws {
        let (status, output) = try Self.run(
            ["push", "-c", try Self.endpoint(), "--input-format", "hex", "--linger", "0"], input: "00ff\nxyz\n",
            timeout: .seconds(10))
        #expect(status == 1)
        #expect(output.contains { $0.hasPrefix("zmqcat: record 2 is not hex") })
    }

    // MARK: Helpers

    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zmqcat-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func temporaryFile(contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zmqcat-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }
}
