// Bad input, table by table: every row is a call that must fail with a given code and a
// description that names what was wrong (the endpoint, the option and its value, the
// operation), never crash or hang. `make fuzz` (scripts/fuzz.py) does the same to the
// wire; Docs/Reliability.md, "Bad input and fuzzing", has both.
import Testing
import ZeroMQ

/// A call that must fail: with `code`, and a description that contains every one of
/// `mentions`.
struct BadInput: Sendable, CustomTestStringConvertible {
    let label: String
    let code: ZMQError
    let mentions: [String]
    let call: @Sendable () throws -> Void

    init(_ label: String, _ code: ZMQError, mentions: [String], _ call: @escaping @Sendable () throws -> Void) {
        self.label = label
        self.code = code
        self.mentions = mentions
        self.call = call
    }

    var testDescription: String { label }

    func check(sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try call()
            Issue.record("\(label): succeeded", sourceLocation: sourceLocation)
        } catch let error as ZMQError {
            BadInput.expect(error, code: code, mentions: mentions, label, sourceLocation)
        } catch {
            Issue.record("\(label): threw \(error), not a ZMQError", sourceLocation: sourceLocation)
        }
    }

    static func expect(
        _ error: ZMQError, code: ZMQError, mentions: [String], _ label: String, _ sourceLocation: SourceLocation
    ) {
        #expect(error == code, "\(label): \(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains("(\(code.name)"), "\(label): \(error)", sourceLocation: sourceLocation)
        for text in mentions {
            #expect(
                error.description.contains(text), "\(label): \(error) does not name \(text)",
                sourceLocation: sourceLocation)
        }
    }
}

/// An async call that must fail, as ``BadInput``.
struct AsyncBadInput: Sendable, CustomTestStringConvertible {
    let label: String
    let code: ZMQError
    let mentions: [String]
    let call: @Sendable () async throws -> Void

    init(
        _ label: String, _ code: ZMQError, mentions: [String], _ call: @escaping @Sendable () async throws -> Void
    ) {
        self.label = label
        self.code = code
        self.mentions = mentions
        self.call = call
    }

    var testDescription: String { label }
}

// MARK: - Endpoints

/// `operation` of `endpoint` on a fresh PAIR socket must fail with `code`, and the
/// description must start with the operation and the endpoint.
private func endpointRow(
    _ operation: String, _ endpoint: String, _ code: ZMQError, _ more: String...
) -> BadInput {
    BadInput("\(operation) \(endpoint)", code, mentions: ["\(operation) \(endpoint): "] + more) {
        let context = try makeContext()
        let socket = try PairSocket(context)
        switch operation {
        case "bind": try socket.bind(endpoint)
        case "connect": try socket.connect(endpoint)
        case "unbind": try socket.unbind(endpoint)
        default: try socket.disconnect(endpoint)
        }
    }
}

private let longPath = "ipc:///tmp/" + String(repeating: "p", count: 200)

private let endpointRows: [BadInput] = [
    // Each transport, malformed.
    endpointRow("bind", "tcp://127.0.0.1:99999", .invalidArgument, "port 99999 is out of range 0...65535"),
    endpointRow("connect", "tcp://127.0.0.1:65536", .invalidArgument, "port 65536 is out of range"),
    endpointRow("bind", "tcp://127.0.0.1:-1", .invalidArgument, "not a number"),
    endpointRow("connect", "tcp://127.0.0.1", .invalidArgument, "no host or no port"),
    endpointRow("bind", "tcp://", .invalidArgument),
    endpointRow("connect", "tcp://127.0.0.1:*", .invalidArgument),
    endpointRow("bind", "tcp://no-such-host.invalid:5555", .noSuchDevice),
    endpointRow("bind", "tcp://192.0.2.1:5555", .addressNotAvailable),
    endpointRow("bind", longPath, .nameTooLong),
    endpointRow("connect", longPath, .nameTooLong),
    endpointRow("bind", "inproc://", .invalidArgument),
    endpointRow("connect", "inproc://", .invalidArgument),
    endpointRow("bind", "udp://127.0.0.1:5555", .incompatibleProtocol),
    endpointRow("bind", "foo://x", .protocolNotSupported, "transport 'foo'"),
    endpointRow("connect", "127.0.0.1:5555", .invalidArgument),
    endpointRow("bind", "", .invalidArgument),
    // Endpoints that are well formed, but not bound or connected.
    endpointRow("unbind", "tcp://127.0.0.1:5555", .noEntry, "not bound"),
    endpointRow("disconnect", "tcp://127.0.0.1:5555", .noEntry, "not connected"),
    BadInput("bind of an address in use", .addressInUse, mentions: ["bind tcp://127.0.0.1:"]) {
        let context = try makeContext()
        let first = try PairSocket(context)
        let endpoint = try first.bind("tcp://127.0.0.1:*")
        try PairSocket(context).bind(endpoint)
    },
]

// MARK: - Option values

/// Sets `option` to `value` on a fresh PAIR socket.
private func optionRow<Value: Sendable>(
    _ option: @escaping @Sendable () -> SocketOption<SocketType.Pair, Value, OptionAccess.ReadWrite>,
    _ value: Value, _ code: ZMQError = .invalidArgument, mentions: [String]
) -> BadInput {
    BadInput("\(mentions[0]) = \(value)", code, mentions: ["setsockopt"] + mentions) {
        let context = try makeContext()
        try PairSocket(context).setOption(option(), value)
    }
}

private let optionRows: [BadInput] = [
    // Integers: negative where libzmq refuses it, and beyond a C int.
    optionRow({ .sendHighWaterMark }, -1, mentions: ["ZMQ_SNDHWM", "-1"]),
    optionRow({ .receiveHighWaterMark }, Int(Int32.max) + 1, mentions: ["ZMQ_RCVHWM", "2147483648"]),
    optionRow({ .backlog }, Int(Int32.min) - 1, mentions: ["ZMQ_BACKLOG", "-2147483649"]),
    optionRow({ .multicastHops }, 0, mentions: ["ZMQ_MULTICAST_HOPS", "0"]),
    optionRow({ .typeOfService }, Int(Int32.max) + 7, mentions: ["ZMQ_TOS"]),
    // Durations: a limit of zero (libzmq's "none"), a time to live beyond 6553.5 s, and
    // keep-alive times that round to nothing.
    optionRow({ .handshakeInterval }, Timeout.zero, mentions: ["ZMQ_HANDSHAKE_IVL", "0 as no limit"]),
    optionRow({ .connectTimeout }, Timeout.zero, mentions: ["ZMQ_CONNECT_TIMEOUT"]),
    optionRow({ .heartbeatTimeToLive }, Duration.seconds(6554), mentions: ["ZMQ_HEARTBEAT_TTL", "6553.5"]),
    optionRow({ .tcpKeepaliveIdle }, Duration?.some(.zero), mentions: ["ZMQ_TCP_KEEPALIVE_IDLE", "at least 1 second"]),
    optionRow({ .heartbeatTimeout }, Duration?.none, mentions: ["ZMQ_HEARTBEAT_TIMEOUT"]),
    // Strings and bytes too long, or empty where libzmq needs some.
    optionRow({ .zapDomain }, String(repeating: "d", count: 256), mentions: ["ZMQ_ZAP_DOMAIN"]),
    optionRow({ .plainUsername }, String(repeating: "u", count: 256), mentions: ["ZMQ_PLAIN_USERNAME"]),
    optionRow({ .bindToDevice }, String(repeating: "e", count: 40), mentions: ["ZMQ_BINDTODEVICE"]),
    optionRow({ .routingID }, [UInt8](repeating: 1, count: 256), mentions: ["ZMQ_ROUTING_ID"]),
    optionRow({ .routingID }, [], mentions: ["ZMQ_ROUTING_ID"]),
    // Keys of the wrong length, or not Z85: refused before any option sees them.
    BadInput("CurvePublicKey of 31 bytes", .invalidArgument, mentions: ["CurvePublicKey(bytes:) 31 bytes", "32 bytes"])
    {
        _ = try CurvePublicKey(bytes: [UInt8](repeating: 1, count: 31))
    },
    BadInput("CurveSecretKey of 33 bytes", .invalidArgument, mentions: ["CurveSecretKey(bytes:) 33 bytes", "32 bytes"])
    {
        _ = try CurveSecretKey(bytes: [UInt8](repeating: 1, count: 33))
    },
    BadInput(
        "CurvePublicKey of 39 characters", .invalidArgument,
        mentions: ["CurvePublicKey(z85:) 39 characters", "40 characters"]
    ) {
        _ = try CurvePublicKey(z85: String(repeating: "a", count: 39))
    },
    BadInput("CurveSecretKey with a character outside Z85", .invalidArgument, mentions: ["offset 39", "Z85 alphabet"]) {
        _ = try CurveSecretKey(z85: String(repeating: "a", count: 39) + "~")
    },
]

// MARK: - Closed sockets and shut-down contexts

/// A PAIR socket that is closed, and a context to try things in.
private func closedPair() throws -> (Context, PairSocket) {
    let context = try makeContext()
    let pair = try PairSocket(context)
    pair.close()
    return (context, pair)
}

private let closed = ["the socket is closed", "PAIR"]

private let closedSocketRows: [BadInput] = [
    BadInput("send on a closed socket", .notSocket, mentions: ["send"] + closed) { try closedPair().1.send("x") },
    BadInput("trySend on a closed socket", .notSocket, mentions: ["send"] + closed) {
        _ = try closedPair().1.trySend("x")
    },
    BadInput("receive on a closed socket", .notSocket, mentions: ["receive"] + closed) {
        _ = try closedPair().1.receive(timeout: .milliseconds(10))
    },
    BadInput("setOption on a closed socket", .notSocket, mentions: ["setsockopt ZMQ_LINGER of PAIR"] + closed) {
        try closedPair().1.setOption(.linger, .zero)
    },
    BadInput("option on a closed socket", .notSocket, mentions: ["getsockopt ZMQ_RCVHWM of PAIR"] + closed) {
        _ = try closedPair().1.option(.receiveHighWaterMark)
    },
    BadInput("bind on a closed socket", .notSocket, mentions: ["bind"] + closed) {
        try closedPair().1.bind("tcp://127.0.0.1:*")
    },
    BadInput("connect on a closed socket", .notSocket, mentions: ["connect"] + closed) {
        try closedPair().1.connect("tcp://127.0.0.1:5555")
    },
    BadInput("monitor on a closed socket", .notSocket, mentions: ["monitor"] + closed) {
        _ = try closedPair().1.monitor()
    },
    BadInput("Poller.add of a closed socket", .notSocket, mentions: ["poller add"] + closed) {
        try Poller<Int>().add(closedPair().1, token: 1)
    },
    BadInput("Proxy.start with a closed socket", .notSocket, mentions: ["proxy"] + closed) {
        let (context, frontend) = try closedPair()
        let proxy = try Proxy.start(frontend: frontend, backend: try PairSocket(context))
        proxy.stop()
    },
]

private let shutDown = ["shut down"]

/// A context that was shut down, and a PULL socket made before.
private func shutDownPull() throws -> (Context, PullSocket) {
    let context = try makeContext()
    let pull = try PullSocket(context)
    context.shutdown()
    return (context, pull)
}

private let shutDownContextRows: [BadInput] = [
    BadInput("a socket in a shut-down context", .contextTerminated, mentions: ["PUSH"] + shutDown) {
        _ = try PushSocket(shutDownPull().0)
    },
    BadInput("receive in a shut-down context", .contextTerminated, mentions: ["receive"] + shutDown) {
        _ = try shutDownPull().1.receive(timeout: .seconds(5))
    },
    BadInput("send in a shut-down context", .contextTerminated, mentions: ["send"] + shutDown) {
        let context = try makeContext()
        let push = try PushSocket(context)
        context.shutdown()
        try push.send("x")
    },
    BadInput("bind in a shut-down context", .contextTerminated, mentions: ["bind tcp://127.0.0.1:*", "terminated"]) {
        try shutDownPull().1.bind("tcp://127.0.0.1:*")
    },
    BadInput(
        "connect in a shut-down context", .contextTerminated, mentions: ["connect tcp://127.0.0.1:5555", "terminated"]
    ) {
        try shutDownPull().1.connect("tcp://127.0.0.1:5555")
    },
    BadInput("monitor in a shut-down context", .contextTerminated, mentions: ["zmq_socket_monitor PULL"] + shutDown) {
        _ = try shutDownPull().1.monitor()
    },
    BadInput(
        "Authenticator in a shut-down context", .contextTerminated,
        mentions: ["start authenticator", Authenticator.endpoint] + shutDown
    ) {
        _ = try Authenticator.start(in: shutDownPull().0)
    },
    BadInput("Proxy.start in a shut-down context", .contextTerminated, mentions: ["proxy"] + shutDown) {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        let backend = try PushSocket(context)
        context.shutdown()
        let proxy = try Proxy.start(from: frontend, to: backend)
        proxy.stop()
    },
    BadInput("Poller.poll in a shut-down context", .contextTerminated, mentions: ["poll"] + shutDown) {
        let (_, pull) = try shutDownPull()
        let poller = Poller<Int>()
        try poller.add(pull, token: 1)
        _ = try poller.poll(timeout: .seconds(5))
    },
    BadInput("a socket in a closed context", .contextTerminated, mentions: ["PAIR"]) {
        let context = try makeContext()
        context.close()
        _ = try PairSocket(context)
    },
    BadInput("receive on a socket its context closed", .notSocket, mentions: ["receive", "the socket is closed"]) {
        let context = try makeContext()
        let pull = try PullSocket(context)
        context.close()
        _ = try pull.receive(timeout: .seconds(5))
    },
]

// MARK: - Async calls on closed sockets and shut-down contexts

private let asyncRows: [AsyncBadInput] = [
    AsyncBadInput("async send on a closed socket", .notSocket, mentions: ["send"] + closed) {
        let (_, pair) = try closedPair()
        try await pair.send("x")
    },
    AsyncBadInput("async receive on a closed socket", .notSocket, mentions: ["receive"] + closed) {
        let (_, pair) = try closedPair()
        _ = try await pair.receive()
    },
    AsyncBadInput("async receive in a shut-down context", .contextTerminated, mentions: ["receive"] + shutDown) {
        let (_, pull) = try shutDownPull()
        _ = try await pull.receive(timeout: .seconds(5))
    },
    AsyncBadInput("async send in a shut-down context", .contextTerminated, mentions: ["send"] + shutDown) {
        let context = try makeContext()
        let push = try PushSocket(context)
        context.shutdown()
        try await push.send("x")
    },
]

// MARK: - Frames above maxMessageSize

/// Waits up to five seconds for `monitor` to report an event of `filter`'s kind.
private func waitForEvent(_ monitor: Monitor, _ filter: MonitorEvents) throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if let event = try monitor.next(timeout: .milliseconds(100)), event.kind.filter == filter { return true }
    }
    return false
}

@Suite("Bad input")
struct BadInputTests {
    /// libzmq's decoder refuses a frame above `ZMQ_MAXMSGSIZE` as its header arrives: it
    /// drops the connection (the receiver's monitor reports `disconnected`), the frame
    /// never reaches the application and nothing is allocated for it. The sender is not
    /// told; it reconnects and what it sends next arrives.
    @Test("a frame above maxMessageSize disconnects the peer; the receiver goes on", arguments: [Transport.tcp, .ipc])
    func frameAboveMaxMessageSize(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        try pull.setOption(.maxMessageSize, 1000)
        let monitor = try pull.monitor([.handshakeSucceeded, .disconnected])
        let endpoint = try pull.bind(transport.bindEndpoint())
        let push = try PushSocket.bounded(context)
        try push.setOption(.reconnectInterval, .milliseconds(10))
        try push.connect(endpoint)

        try push.send([UInt8](repeating: 1, count: 1000))
        #expect(try pull.receive(timeout: .seconds(5))?.count == 1000)
        #expect(try waitForEvent(monitor, .handshakeSucceeded))

        try push.send([UInt8](repeating: 2, count: 1001))
        #expect(try waitForEvent(monitor, .disconnected), "the peer of a frame above maxMessageSize stays connected")
        #expect(try pull.tryReceive() == nil)

        // The sender reconnects by itself; the receiver is unharmed.
        try push.send([UInt8](repeating: 3, count: 1000))
        let next = try pull.receive(timeout: .seconds(5))
        #expect(next?.count == 1000)
        #expect(next?.bytes.withUnsafeBytes { $0.first } == 3)
    }

    /// inproc has no decoder: libzmq does not apply `ZMQ_MAXMSGSIZE` to it.
    @Test("maxMessageSize does not apply to inproc")
    func maxMessageSizeInproc() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        try pull.setOption(.maxMessageSize, 1000)
        let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
        let push = try PushSocket.bounded(context)
        try push.connect(endpoint)
        try push.send([UInt8](repeating: 1, count: 1001))
        #expect(try pull.receive(timeout: .seconds(5))?.count == 1001)
    }

    @Test("invalid endpoints name the endpoint and what is wrong with it", arguments: endpointRows)
    func endpoints(_ row: BadInput) {
        row.check()
    }

    @Test("out-of-range option values name the option and the value", arguments: optionRows)
    func options(_ row: BadInput) {
        row.check()
    }

    @Test("calls on a closed socket name the operation and the socket", arguments: closedSocketRows)
    func closedSockets(_ row: BadInput) {
        row.check()
    }

    @Test("calls in a shut-down or closed context name the operation", arguments: shutDownContextRows)
    func shutDownContexts(_ row: BadInput) {
        row.check()
    }

    @Test("async calls on closed sockets and in shut-down contexts", arguments: asyncRows)
    func asyncCalls(_ row: AsyncBadInput) async {
        do {
            try await row.call()
            Issue.record("\(row.label): succeeded")
        } catch let error as ZMQError {
            BadInput.expect(error, code: row.code, mentions: row.mentions, row.label, #_sourceLocation)
        } catch {
            Issue.record("\(row.label): threw \(error), not a ZMQError")
        }
    }
}
