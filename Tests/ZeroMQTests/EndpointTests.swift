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
            error?.description == "bind tcp://127.0.0.1:99999: port 99999 is out of range 0...65535 (Invalid argument)")
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
