import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Each behaviour that Docs/Troubleshooting.md describes, shown with real sockets, so
/// that the page stays true for the libzmq it runs with.
@Suite("Troubleshooting")
struct TroubleshootingTests {
    /// The events a monitor reports until `enough` says stop, or `limit` passes.
    private func events(
        of monitor: Monitor, limit: Duration, until enough: ([MonitorEvent.Kind]) -> Bool
    ) throws(ZMQError) -> [MonitorEvent.Kind] {
        var kinds: [MonitorEvent.Kind] = []
        let deadline = ContinuousClock.now + limit
        while !enough(kinds), ContinuousClock.now < deadline {
            guard let event = try monitor.tryNext() else {
                // Nothing yet: wait for the next one, a little at a time.
                do throws(ZMQError) {
                    if let event = try monitor.next(timeout: .milliseconds(100)) { kinds.append(event.kind) }
                } catch .again {
                    continue
                } catch {
                    throw error
                }
                continue
            }
            kinds.append(event.kind)
        }
        return kinds
    }

    @Test("a connect to a host that does not resolve succeeds, and the monitor shows only retries")
    func unresolvableHost() throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        let monitor = try push.monitor()
        // The .invalid top-level domain never resolves (RFC 6761).
        try push.connect("tcp://no-such-host.invalid:5555")

        let kinds = try events(of: monitor, limit: .seconds(30)) { kinds in
            kinds.filter { if case .connectRetried = $0 { true } else { false } }.count >= 3
        }
        let retries = kinds.filter { if case .connectRetried = $0 { true } else { false } }
        #expect(retries.count >= 3, "\(kinds)")
        // Nothing else: no connected, no connect delayed, no failure naming the host.
        #expect(retries.count == kinds.count, "\(kinds)")

        // A send does not fail either: the message waits for a peer that never comes.
        #expect(try push.trySend("lost"))

        // With .immediate, a message is queued only to a completed connection, so a send
        // that cannot go anywhere reaches its timeout instead.
        let immediate = try PushSocket(context)
        try immediate.setOption(.immediate, true)
        try immediate.setOption(.sendTimeout, .milliseconds(50))
        try immediate.connect("tcp://no-such-host.invalid:5555")
        #expect(throws: ZMQError.again) { try immediate.send("nowhere") }
    }

    @Test("a pipe at end of file polls as .error, not .readable, and polls so at once, every time")
    func descriptorAtEOF() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let (readEnd, writeEnd) = (ends[0], ends[1])

        let poller = Poller<String>()
        try poller.add(fileDescriptor: readEnd, events: .readable, token: "pipe")

        // Data, then the writer closes: readable, with the hang-up as .error.
        let bytes: [UInt8] = Array("data".utf8)
        #expect(write(writeEnd, bytes, bytes.count) == bytes.count)
        close(writeEnd)
        let withData = try poller.poll(timeout: .seconds(5))
        #expect(withData.events(for: "pipe") == [.readable, .error])
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(read(readEnd, &buffer, buffer.count) == bytes.count)

        // At end of file: .error alone, at once, however often it is polled. A loop that
        // reads only on .readable never reads the end of file, and spins.
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<100 {
            let ready = try poller.poll(timeout: .seconds(5))
            #expect(ready.events(for: "pipe") == .error)
        }
        #expect(clock.now - started < .seconds(2))
        // read() says what .error means here: 0 bytes, the end of the file.
        #expect(read(readEnd, &buffer, buffer.count) == 0)
    }

    @Test("CURVE's User-Id is the client's key only with an authenticator")
    func curveUserID() throws {
        let context = try makeContext()
        let serverKeys = try CurveKeyPair.generate()
        let clientKeys = try CurveKeyPair.generate()

        func roundTrip() throws -> Message {
            let server = try PullSocket.bounded(context)
            try server.setOption(.curveServer, true)
            try server.setOption(.curveSecretKey, serverKeys.secretKey)
            let endpoint = try server.bind("tcp://127.0.0.1:*")
            let client = try PushSocket.bounded(context)
            try client.setOption(.curveServerKey, serverKeys.publicKey)
            try client.setOption(.curvePublicKey, clientKeys.publicKey)
            try client.setOption(.curveSecretKey, clientKeys.secretKey)
            try client.connect(endpoint)
            try client.send("hello")
            return try server.receive()
        }

        // No authenticator: the connection is encrypted, and every client is accepted
        // with no User-Id.
        let anonymous = try roundTrip()
        #expect(anonymous.string == "hello")
        #expect(anonymous.userID == nil)

        let authenticator = try Authenticator.start(in: context, policy: ZAPPolicy(curve: .anyKey))
        defer { authenticator.stop() }
        let known = try roundTrip()
        #expect(known.userID == clientKeys.publicKey.z85)
    }

    @Test("a publisher drops what it sends before a subscription has arrived (slow joiner)")
    func slowJoiner() throws {
        let context = try makeContext()
        let publisher = try PubSocket(context)
        let endpoint = try publisher.bind("tcp://127.0.0.1:*")
        // Sent while no subscription has arrived (here: no subscriber has even connected).
        try publisher.send("first")
        let subscriber = try SubSocket.bounded(context, timeout: .milliseconds(10))
        try subscriber.subscribe(to: "")
        try subscriber.connect(endpoint)

        // Probe until the subscription is there: the first message received is a probe,
        // never "first", which was dropped rather than queued for subscribers to come.
        func receiveWithin10ms() throws(ZMQError) -> String? {
            do { return try subscriber.receiveString() } catch .again { return nil }
        }
        var received: String?
        let deadline = ContinuousClock.now + .seconds(10)
        while received == nil, ContinuousClock.now < deadline {
            try publisher.send("probe")
            received = try receiveWithin10ms()
        }
        #expect(received == "probe")
    }

    @Test("a message for a peer that is not there yet is lost at close without linger, and delivered with one")
    func lingerZeroLoses() throws {
        // An endpoint nobody is bound to yet.
        let endpoint = Transport.ipc.bindEndpoint()

        // No linger: closing the context (zmq_ctx_term) drops the queued message, and
        // once it returns nothing of the socket is left to deliver it.
        let brief = try Context(defaultLinger: .zero)
        let lost = try PushSocket(brief)
        try lost.connect(endpoint)
        try lost.send("lost")
        brief.close()

        // A linger of ten seconds: libzmq keeps trying in the background after close.
        let context = try makeContext()
        let kept = try PushSocket(context)
        try kept.connect(endpoint)
        try kept.send("kept")
        kept.close(linger: .seconds(10))

        let pull = try PullSocket.bounded(context)
        try pull.bind(endpoint)
        #expect(try pull.receiveString() == "kept")
        try pull.setOption(.receiveTimeout, .milliseconds(200))
        #expect(throws: ZMQError.again) { try pull.receiveString() }
    }
}
