import CZeroMQ
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Endpoints")
struct EndpointTests {
    // MARK: Errors

    /// Binds and connects `endpoint`, expecting `expected` from both, with a
    /// description that names the endpoint and contains `text`.
    private func expectRefused(
        _ endpoint: String, _ expected: ZMQError, mentioning text: String? = nil,
        bindOnly: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let context = try makeContext()
        let socket = try PairSocket(context)
        let operations: [(String, () throws(ZMQError) -> Void)] =
            [("bind", { () throws(ZMQError) in try socket.bind(endpoint) })]
            + (bindOnly ? [] : [("connect", { () throws(ZMQError) in try socket.connect(endpoint) })])
        for (name, operation) in operations {
            do throws(ZMQError) {
                try operation()
                Issue.record("\(name) \(endpoint) succeeded", sourceLocation: sourceLocation)
            } catch {
                #expect(error == expected, "\(name) \(endpoint): \(error)", sourceLocation: sourceLocation)
                #expect(
                    error.description.hasPrefix("\(name) \(endpoint): "), "\(error)", sourceLocation: sourceLocation)
                #expect(error.description.contains(error.message), "\(error)", sourceLocation: sourceLocation)
                if let text {
                    #expect(error.description.contains(text), "\(error)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test("an unknown transport is protocolNotSupported")
    func unknownTransport() throws {
        try expectRefused("foo://x", .protocolNotSupported, mentioning: "transport 'foo'")
    }

    @Test("a port out of range is invalidArgument, named in the description")
    func portOutOfRange() throws {
        try expectRefused("tcp://127.0.0.1:99999", .invalidArgument, mentioning: "out of range")
        try expectRefused("tcp://127.0.0.1:65536", .invalidArgument, mentioning: "port 65536 is out of range")
        try expectRefused("tcp://127.0.0.1:99999999999999999999999", .invalidArgument, mentioning: "out of range")
        let context = try makeContext()
        let socket = try PairSocket(context)
        let error = #expect(throws: ZMQError.invalidArgument) { try socket.bind("tcp://127.0.0.1:99999") }
        #expect(
            error?.description
                == "bind tcp://127.0.0.1:99999: port 99999 is out of range 0...65535 (EINVAL: Invalid argument)")
    }

    @Test("a missing port is invalidArgument")
    func missingPort() throws {
        try expectRefused("tcp://127.0.0.1", .invalidArgument, mentioning: "no host or no port")
        try expectRefused("tcp://127.0.0.1:", .invalidArgument, mentioning: "not a number")
        try expectRefused("tcp://:5555", .invalidArgument)
    }

    @Test("a port that is not a number is invalidArgument")
    func nonNumericPort() throws {
        try expectRefused("tcp://127.0.0.1:http", .invalidArgument, mentioning: "port 'http' is not a number")
        try expectRefused("tcp://127.0.0.1:-1", .invalidArgument, mentioning: "not a number")
        try expectRefused("tcp://127.0.0.1:8O", .invalidArgument, mentioning: "not a number")
    }

    @Test("a wildcard or zero port can be bound but not connected to")
    func connectToAnyPort() throws {
        let context = try makeContext()
        let socket = try PairSocket(context)
        for endpoint in ["tcp://127.0.0.1:*", "tcp://127.0.0.1:0"] {
            let error = #expect(throws: ZMQError.invalidArgument) { try socket.connect(endpoint) }
            #expect(error?.description.hasPrefix("connect \(endpoint): port ") == true, "\(String(describing: error))")
            #expect(error?.description.contains("not connected to") == true)
        }
        let bound = try socket.bind("tcp://127.0.0.1:0")
        #expect(!bound.hasSuffix(":0"), "\(bound)")
    }

    @Test("a malformed endpoint is invalidArgument")
    func malformed() throws {
        try expectRefused("127.0.0.1:5555", .invalidArgument, mentioning: "transport://address")
        try expectRefused("tcp://", .invalidArgument, mentioning: "empty")
        try expectRefused("", .invalidArgument)
    }

    @Test("a port in use is addressInUse")
    func portInUse() throws {
        let context = try makeContext()
        let first = try PullSocket(context)
        let endpoint = try first.bind("tcp://127.0.0.1:*")
        let second = try PullSocket(context)
        let error = #expect(throws: ZMQError.addressInUse) { try second.bind(endpoint) }
        #expect(error?.description.contains(endpoint) == true)
    }

    @Test("an inproc name bound twice is addressInUse")
    func inprocInUse() throws {
        let context = try makeContext()
        let endpoint = Transport.inproc.bindEndpoint()
        let first = try PullSocket(context)
        try first.bind(endpoint)
        let second = try PullSocket(context)
        #expect(throws: ZMQError.addressInUse) { try second.bind(endpoint) }
    }

    @Test("unbinding an endpoint never bound is noEntry", arguments: Transport.allCases)
    func unbindUnknown(transport: Transport) throws {
        let context = try makeContext()
        let socket = try PullSocket(context)
        let endpoint = transport == .tcp ? "tcp://127.0.0.1:5555" : transport.bindEndpoint()
        let error = #expect(throws: ZMQError.noEntry) { try socket.unbind(endpoint) }
        #expect(error?.description.contains("unbind \(endpoint)") == true)
        #expect(error?.description.contains("not bound") == true)
        let disconnectError = #expect(throws: ZMQError.noEntry) { try socket.disconnect(endpoint) }
        #expect(disconnectError?.description.contains("not connected") == true)
    }

    @Test("an ipc path too long for a Unix socket address is nameTooLong")
    func ipcPathTooLong() throws {
        let path = "\(ipcDirectory)/" + String(repeating: "p", count: 200)
        let context = try makeContext()
        let socket = try PullSocket(context)
        let error = #expect(throws: ZMQError.nameTooLong) { try socket.bind("ipc://\(path)") }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("ipc path") == true)
        #expect(throws: ZMQError.nameTooLong) { try socket.connect("ipc://\(path)") }
    }

    @Test("a transport the socket type cannot use is incompatibleProtocol")
    func incompatibleTransport() throws {
        // udp carries only RADIO/DISH (draft) sockets.
        let context = try makeContext()
        let socket = try PullSocket(context)
        let error = #expect(throws: ZMQError.incompatibleProtocol) { try socket.bind("udp://127.0.0.1:5555") }
        #expect(error?.description.contains("cannot be used with PULL sockets") == true)
    }

    // MARK: Binding and connecting

    @Test("inproc connect before bind works")
    func inprocConnectBeforeBind() throws {
        let context = try makeContext()
        let endpoint = Transport.inproc.bindEndpoint()
        let push = try PushSocket.bounded(context)
        try push.connect(endpoint)
        try push.send("sent before anyone bound")
        let pull = try PullSocket.bounded(context)
        try pull.bind(endpoint)
        #expect(try pull.receiveString() == "sent before anyone bound")
        try push.send("and after")
        #expect(try pull.receiveString() == "and after")

        // The other way round too: the receiver connects first.
        let second = Transport.inproc.bindEndpoint()
        let receiver = try PullSocket.bounded(context)
        try receiver.connect(second)
        let sender = try PushSocket.bounded(context)
        try sender.bind(second)
        try sender.send("hello")
        #expect(try receiver.receiveString() == "hello")
    }

    @Test("a wildcard bind reports its real port")
    func wildcardPort() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let endpoint = try pull.bind("tcp://127.0.0.1:*")
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let port = endpoint.dropFirst("tcp://127.0.0.1:".count)
        #expect(port != "*")
        let number = try #require(Int(port))
        #expect((1...65535).contains(number))
        #expect(try pull.lastEndpoint == endpoint)
        #expect(try pull.option(.lastEndpoint) == endpoint)

        let push = try PushSocket.bounded(context)
        try push.connect(endpoint)
        #expect(try push.lastEndpoint == endpoint)
        try push.send("found you")
        #expect(try pull.receiveString() == "found you")

        try pull.unbind(endpoint)
        #expect(throws: ZMQError.noEntry) { try pull.unbind(endpoint) }
    }

    @Test("bind returns the bound endpoint", arguments: Transport.allCases)
    func bindReturnsEndpoint(transport: Transport) throws {
        let context = try makeContext()
        let socket = try PullSocket(context)
        #expect(try socket.lastEndpoint == "")
        let requested = transport.bindEndpoint()
        let bound = try socket.bind(requested)
        if transport != .tcp { #expect(bound == requested) }
        #expect(try socket.lastEndpoint == bound)
    }

    @Test("an ipc endpoint is a file while bound, and can be bound again after unbind")
    func ipcFile() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let endpoint = try pull.bind(Transport.ipc.bindEndpoint())
        let path = String(endpoint.dropFirst("ipc://".count))
        #expect(access(path, F_OK) == 0)
        // libzmq 4.3 leaves the file behind on unbind, and removes a stale one when
        // binding: the path can be bound again at once.
        try pull.unbind(endpoint)
        try pull.bind(endpoint)
        let push = try PushSocket.bounded(context)
        try push.connect(endpoint)
        try push.send("again")
        #expect(try pull.receiveString() == "again")
    }

    @Test("disconnect stops delivery to that endpoint")
    func disconnect() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context, timeout: .milliseconds(200))
        let endpoint = try link(pull, push, over: .inproc)
        try push.send("before")
        #expect(try pull.receiveString() == "before")
        try push.disconnect(endpoint)
        #expect(throws: ZMQError.again) { try push.send("after") }
    }
}

// MARK: - The wrapper against raw libzmq

/// Every documented endpoint form (zmq_tcp(7), zmq_ipc(7), zmq_inproc(7), zmq_pgm(7),
/// zmq_tipc(7), zmq_vmci(7), zmq_udp(7)) is bound or connected twice, on fresh sockets
/// of the same kind: once through `zmq_bind`/`zmq_connect` directly, once through
/// ``Socket/bind(_:)``/``Socket/connect(_:)``. Both must succeed, or fail with the same
/// code, except for the forms listed in `refusedOnPurpose`, which swift-zeromq refuses
/// although libzmq takes them.
///
/// In the forms, `{port}` is a loopback tcp port that a socket of the test holds bound
/// (from a wildcard bind), `{port+65536}` is that number plus 65536 (which libzmq
/// truncates to `{port}`), `{n}` a number unique in the process and `{ipc}` the
/// process's ipc directory.
@Suite("Endpoints agree with libzmq")
struct EndpointDifferentialTests {
    enum Operation: String, Sendable { case bind, connect }

    /// The kinds of socket the forms are tried on: PAIR for the unicast transports,
    /// PUB and SUB for the multicast ones.
    enum Kind: String, Sendable { case pair, pub, sub }

    struct Form: Sendable, CustomStringConvertible {
        var endpoint: String
        var operations: [Operation]
        var kinds: [Kind] = [.pair]
        var ipv6 = false

        var description: String { endpoint }
    }

    enum Outcome: Equatable, CustomStringConvertible {
        case succeeded
        case failed(Int32)

        var description: String {
            switch self {
            case .succeeded: "success"
            case .failed(let code): "error \(code) (\(String(cString: zmq_strerror(code))))"
            }
        }
    }

    private static let both: [Operation] = [.bind, .connect]

    #if os(Linux)
    private static let loopbackInterface = "lo"
    #else
    private static let loopbackInterface = "lo0"
    #endif

    /// tcp, from zmq_tcp(7): an interface (IPv4, IPv6, name or `*`) and a port (a number
    /// or `*`) to bind; a peer (IP address or DNS name) and port to connect to, with an
    /// optional source address before a `;`.
    static let tcpForms: [Form] = [
        Form(endpoint: "tcp://127.0.0.1:*", operations: both),
        Form(endpoint: "tcp://127.0.0.1:0", operations: [.bind]),
        Form(endpoint: "tcp://127.0.0.1:{port}", operations: both),
        Form(endpoint: "tcp://*:*", operations: both),
        Form(endpoint: "tcp://*:0", operations: both),
        Form(endpoint: "tcp://[::1]:*", operations: both, ipv6: true),
        Form(endpoint: "tcp://[::1]:0", operations: [.bind], ipv6: true),
        Form(endpoint: "tcp://[::1]:{port}", operations: both, ipv6: true),
        Form(endpoint: "tcp://::1:*", operations: [.bind], ipv6: true),
        Form(endpoint: "tcp://[::1]:*", operations: [.bind], ipv6: false),
        Form(endpoint: "tcp://\(loopbackInterface):*", operations: both),
        Form(endpoint: "tcp://\(loopbackInterface):{port}", operations: both),
        Form(endpoint: "tcp://no-such-interface0:*", operations: [.bind]),
        Form(endpoint: "tcp://localhost:{port}", operations: both),
        Form(endpoint: "tcp://localhost:*", operations: both),
        // An address that is not this machine's (TEST-NET-1, RFC 5737), bound only:
        // a connect would send to it.
        Form(endpoint: "tcp://192.0.2.1:*", operations: [.bind]),
        // A source address to connect from.
        Form(endpoint: "tcp://127.0.0.1:0;127.0.0.1:{port}", operations: [.connect]),
        Form(endpoint: "tcp://127.0.0.1:*;127.0.0.1:{port}", operations: [.connect]),
        Form(endpoint: "tcp://\(loopbackInterface):0;localhost:{port}", operations: [.connect]),
        Form(endpoint: "tcp://\(loopbackInterface):*;127.0.0.1:{port}", operations: [.connect]),
        Form(endpoint: "tcp://127.0.0.1:0;localhost:{port}", operations: [.connect]),
        Form(endpoint: "tcp://[::1]:0;[::1]:{port}", operations: [.connect], ipv6: true),
        Form(endpoint: "tcp://;127.0.0.1:{port}", operations: [.connect]),
        Form(endpoint: "tcp://*:0;127.0.0.1:{port}", operations: [.connect]),
        Form(endpoint: "tcp://127.0.0.1:0;127.0.0.1:*", operations: [.connect]),
        // Malformed.
        Form(endpoint: "tcp://127.0.0.1", operations: both),
        Form(endpoint: "tcp://127.0.0.1:", operations: both),
        Form(endpoint: "tcp://127.0.0.1:http", operations: both),
        Form(endpoint: "tcp:/127.0.0.1:{port}", operations: both),
        Form(endpoint: "", operations: both),
        Form(endpoint: "foo://x", operations: both),
    ]

    /// ipc, from zmq_ipc(7), and inproc, from zmq_inproc(7).
    static let localForms: [Form] = {
        var forms = [
            Form(endpoint: "ipc://{ipc}/{n}", operations: both),
            Form(endpoint: "ipc://*", operations: [.bind]),
            Form(endpoint: "ipc:///no-such-directory-{n}/socket", operations: both),
            Form(endpoint: "ipc://{ipc}/" + String(repeating: "p", count: 200), operations: both),
            Form(endpoint: "ipc://", operations: both),
            Form(endpoint: "inproc://differential-{n}", operations: both),
            Form(endpoint: "inproc://#{n}", operations: both),
            Form(endpoint: "inproc://", operations: both),
        ]
        #if os(Linux)
        forms.append(Form(endpoint: "ipc://@swift-zeromq-differential-{n}", operations: both))
        #endif
        return forms
    }()

    /// pgm and epgm, from zmq_pgm(7): `interface;multicast-address:port`, where the `;`
    /// separates the interface, not a source address. PUB, SUB, XPUB and XSUB only.
    static let multicastForms: [Form] = [
        // Valid forms, on a kind that cannot use multicast: refused before libzmq
        // allocates anything. On PUB and SUB they are left out on purpose: they would
        // send PGM packets to the group address, which is not this machine's to send
        // to, and libzmq 4.3.4 leaks what it allocated for a pgm endpoint it then
        // refuses (LeakSanitizer reports it, for raw zmq_connect as for this package).
        Form(endpoint: "epgm://127.0.0.1;239.192.1.1:{port}", operations: both, kinds: [.pair]),
        Form(endpoint: "pgm://127.0.0.1;239.192.1.1:{port}", operations: both, kinds: [.pair]),
    ]

    /// tipc, from zmq_tipc(7), vmci, from zmq_vmci(7), and udp, from zmq_udp(7) (which
    /// only the draft RADIO and DISH sockets can use).
    static let otherForms: [Form] = [
        Form(endpoint: "tipc://{{port},0,0}", operations: [.bind]),
        Form(endpoint: "tipc://{{port},0,100}", operations: [.bind]),
        Form(endpoint: "tipc://{{port},50}", operations: [.connect]),
        Form(endpoint: "vmci://*:{port}", operations: [.bind]),
        Form(endpoint: "vmci://1:{port}", operations: [.connect]),
        Form(endpoint: "udp://127.0.0.1:{port}", operations: both),
        Form(endpoint: "udp://*:{port}", operations: [.bind]),
    ]

    /// Forms that swift-zeromq refuses with ``ZMQError/invalidArgument`` where libzmq
    /// does something else, each with the reason the error gives and why.
    static let refusedOnPurpose: [(form: Form, reason: String, why: String)] = [
        (
            Form(endpoint: "tcp://127.0.0.1:0", operations: [.connect]),
            "port 0 can only be bound", "libzmq accepts it, and then connects to a port nothing listens on"
        ),
        (
            Form(endpoint: "tcp://127.0.0.1:0;127.0.0.1:0", operations: [.connect]),
            "port 0 can only be bound", "the same after a source address"
        ),
        (
            Form(endpoint: "tcp://127.0.0.1:{port+65536}", operations: both),
            "is out of range", "libzmq truncates the port to 16 bits: this binds or connects to {port}"
        ),
        (
            Form(endpoint: "tcp://:{port}", operations: both),
            "has no host", "libzmq's connect accepts an empty host; its bind fails with ENODEV"
        ),
        (
            Form(endpoint: "tcp://127.0.0.1:{port};", operations: [.connect]),
            "has no host or no port", "no destination: libzmq accepts it, and then never connects"
        ),
        (
            Form(endpoint: "tcp://127.0.0.1;127.0.0.1:{port}", operations: [.connect]),
            "source address '127.0.0.1' is not host:port",
            "a source without a port: libzmq accepts it, and then never connects"
        ),
        (
            Form(endpoint: "tcp://localhost:0;127.0.0.1:{port}", operations: [.connect]),
            "source host 'localhost' is neither an IP address nor a network interface",
            "libzmq does not resolve names for the source: it accepts it, and then never connects"
        ),
        (
            Form(endpoint: "tcp://127.0.0.1:{port+65536};127.0.0.1:{port}", operations: [.connect]),
            "source port", "libzmq truncates the source port to 16 bits"
        ),
        (
            Form(endpoint: "tcp://127.0.0.1:0;127.0.0.1:*", operations: [.bind]),
            "applies to connect only", "libzmq's bind ignores the source address and binds the destination"
        ),
        (
            Form(endpoint: "tcp://127.0.0.1:0;127.0.0.1:{port}", operations: [.bind]),
            "applies to connect only", "libzmq's bind ignores the source address and binds the destination"
        ),
    ]

    // MARK: Running a form

    /// A port that stays bound while the test runs.
    private final class HeldPort {
        let context: Context
        let socket: PullSocket
        let port: Int

        init() throws {
            context = try makeContext()
            socket = try PullSocket(context)
            let endpoint = try socket.bind("tcp://127.0.0.1:*")
            port = try #require(Int(endpoint.split(separator: ":").last ?? ""))
        }
    }

    private func expand(_ endpoint: String, port: Int) -> String {
        endpoint
            .replacing("{port+65536}", with: String(port + 65536))
            .replacing("{port}", with: String(port))
            .replacing("{n}", with: String(uniqueNumber()))
            .replacing("{ipc}", with: ipcDirectory)
    }

    private static func rawType(_ kind: Kind) -> Int32 {
        switch kind {
        case .pair: ZMQ_PAIR
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        }
    }

    /// `zmq_bind` or `zmq_connect` on a fresh socket of a fresh context, terminated
    /// before returning so that nothing stays bound.
    private func rawOutcome(_ endpoint: String, _ operation: Operation, _ kind: Kind, ipv6: Bool) throws -> Outcome {
        let context = try #require(zmq_ctx_new())
        defer { zmq_ctx_term(context) }
        let socket = try #require(zmq_socket(context, Self.rawType(kind)))
        defer { zmq_close(socket) }
        var zero: Int32 = 0
        #expect(zmq_setsockopt(socket, ZMQ_LINGER, &zero, MemoryLayout<Int32>.size) == 0)
        var one: Int32 = 1
        if ipv6 { #expect(zmq_setsockopt(socket, ZMQ_IPV6, &one, MemoryLayout<Int32>.size) == 0) }
        let rc = operation == .bind ? zmq_bind(socket, endpoint) : zmq_connect(socket, endpoint)
        return rc == 0 ? .succeeded : .failed(zmq_errno())
    }

    /// ``Socket/bind(_:)`` or ``Socket/connect(_:)`` on a fresh socket of a fresh context,
    /// terminated before returning.
    private func wrapperOutcome(
        _ endpoint: String, _ operation: Operation, _ kind: Kind, ipv6: Bool
    ) throws -> (Outcome, ZMQError?) {
        switch kind {
        case .pair: try wrapperOutcome(PairSocket.self, endpoint, operation, ipv6: ipv6)
        case .pub: try wrapperOutcome(PubSocket.self, endpoint, operation, ipv6: ipv6)
        case .sub: try wrapperOutcome(SubSocket.self, endpoint, operation, ipv6: ipv6)
        }
    }

    private func wrapperOutcome<SocketKind>(
        _: Socket<SocketKind>.Type, _ endpoint: String, _ operation: Operation, ipv6: Bool
    ) throws -> (Outcome, ZMQError?) {
        let context = try makeContext()
        defer { context.terminate() }
        let socket = try Socket<SocketKind>(context)
        defer { socket.close() }
        if ipv6 { try socket.setOption(.ipv6, true) }
        do throws(ZMQError) {
            switch operation {
            case .bind: try socket.bind(endpoint)
            case .connect: try socket.connect(endpoint)
            }
            return (.succeeded, nil)
        } catch {
            return (.failed(error.code), error)
        }
    }

    /// Tries every form both ways, expects the same outcome, and returns libzmq's
    /// outcomes by endpoint form.
    @discardableResult
    private func expectAgreement(
        _ forms: [Form], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [(form: String, kind: Kind, outcome: Outcome)] {
        let held = try HeldPort()
        var outcomes: [(form: String, kind: Kind, outcome: Outcome)] = []
        for form in forms {
            for kind in form.kinds {
                for operation in form.operations {
                    let endpoint = expand(form.endpoint, port: held.port)
                    let raw = try rawOutcome(endpoint, operation, kind, ipv6: form.ipv6)
                    outcomes.append((form.endpoint, kind, raw))
                    let (wrapped, error) = try wrapperOutcome(endpoint, operation, kind, ipv6: form.ipv6)
                    #expect(
                        wrapped == raw,
                        "\(operation) \(endpoint) on \(kind.rawValue): libzmq \(raw), swift-zeromq \(wrapped)",
                        sourceLocation: sourceLocation)
                    if let error {
                        #expect(
                            error.description.hasPrefix("\(operation) \(endpoint): "), "\(error)",
                            sourceLocation: sourceLocation)
                    }
                }
            }
        }
        return outcomes
    }

    // MARK: Tests

    @Test("tcp forms: IPv4, IPv6, interfaces, DNS names, wildcards, source addresses")
    func tcp() throws {
        try expectAgreement(Self.tcpForms)
    }

    @Test("ipc and inproc forms: paths, ipc://*, the abstract namespace, names")
    func local() throws {
        try expectAgreement(Self.localForms)
    }

    @Test("pgm and epgm forms, where ';' separates the interface")
    func multicast() throws {
        // Both paths must agree whether or not this libzmq has pgm; what they agree on
        // depends on it.
        let outcomes = try expectAgreement(Self.multicastForms)
        for (form, kind, outcome) in outcomes {
            if !LibZMQ.has(.pgm) {
                #expect(outcome == .failed(CZMQ_EPROTONOSUPPORT), "\(form) without pgm: \(outcome)")
            } else {
                #expect(kind == .pair)
                #expect(outcome == .failed(CZMQ_ENOCOMPATPROTO), "\(form) on PAIR: \(outcome)")
            }
        }
    }

    @Test("tipc, vmci and udp forms")
    func other() throws {
        let outcomes = try expectAgreement(Self.otherForms)
        for (form, _, outcome) in outcomes where form.hasPrefix("tipc:") && !LibZMQ.has(.tipc) {
            #expect(outcome == .failed(CZMQ_EPROTONOSUPPORT), "\(form) without tipc: \(outcome)")
        }
        for (form, _, outcome) in outcomes where form.hasPrefix("udp:") {
            // udp carries only the draft RADIO and DISH sockets.
            #expect(
                outcome == .failed(CZMQ_ENOCOMPATPROTO) || outcome == .failed(CZMQ_EPROTONOSUPPORT),
                "\(form): \(outcome)")
        }
    }

    @Test("forms refused on purpose are invalidArgument, with a reason, where libzmq says nothing or else")
    func refused() throws {
        let held = try HeldPort()
        for (form, reason, why) in Self.refusedOnPurpose {
            for operation in form.operations {
                let endpoint = expand(form.endpoint, port: held.port)
                let raw = try rawOutcome(endpoint, operation, .pair, ipv6: false)
                // Listed because libzmq does not refuse it the same way.
                #expect(raw != .failed(EINVAL), "\(operation) \(endpoint): libzmq refuses it too; \(why)")
                let (wrapped, error) = try wrapperOutcome(endpoint, operation, .pair, ipv6: false)
                #expect(wrapped == .failed(EINVAL), "\(operation) \(endpoint): \(wrapped); \(why)")
                let description = error?.description ?? ""
                #expect(description.hasPrefix("\(operation) \(endpoint): "), "\(description)")
                #expect(description.contains(reason), "\(description)")
            }
        }
    }
}
