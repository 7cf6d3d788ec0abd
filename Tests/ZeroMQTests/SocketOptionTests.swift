import CZeroMQ
import Testing
import ZeroMQ

@Suite("Socket options")
struct SocketOptionTests {
    @Test("timeouts round-trip")
    func timeouts() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        #expect(try socket.option(.linger) == .zero)  // from makeContext()
        for value in [Timeout.zero, .milliseconds(250), .seconds(3), .infinite] {
            try socket.setOption(.linger, value)
            #expect(try socket.option(.linger) == value)
        }
        #expect(try socket.option(.sendTimeout) == .infinite)
        #expect(try socket.option(.receiveTimeout) == .infinite)
        try socket.setOption(.sendTimeout, .milliseconds(1500))
        try socket.setOption(.receiveTimeout, Timeout(.milliseconds(2500)))
        #expect(try socket.option(.sendTimeout) == .milliseconds(1500))
        #expect(try socket.option(.receiveTimeout) == .milliseconds(2500))
        try socket.setOption(.handshakeInterval, .seconds(10))
        #expect(try socket.option(.handshakeInterval) == .seconds(10))
        try socket.setOption(.connectTimeout, .milliseconds(700))
        #expect(try socket.option(.connectTimeout) == .milliseconds(700))
    }

    @Test("a negative Timeout is zero: only .infinite is infinite")
    func negativeTimeouts() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        for value in [Timeout.milliseconds(-3), .seconds(-1), Timeout(milliseconds: -1), Timeout(.milliseconds(-5))] {
            #expect(value == .zero)
            #expect(!value.isInfinite)
            try socket.setOption(.linger, .infinite)
            try socket.setOption(.linger, value)
            #expect(try socket.option(.linger) == .zero, "\(value)")
            var raw: Int32 = -7
            var size = MemoryLayout<Int32>.size
            #expect(zmq_getsockopt(socket.unsafeHandle, ZMQ_LINGER, &raw, &size) == 0)
            #expect(raw == 0)
        }
        // libzmq's own -1 still reads back as infinite.
        var minusOne: Int32 = -1
        #expect(zmq_setsockopt(socket.unsafeHandle, ZMQ_RCVTIMEO, &minusOne, MemoryLayout<Int32>.size) == 0)
        #expect(try socket.option(.receiveTimeout) == .infinite)
        // Where libzmq's 0 means "no limit", a negative value is zero, which it cannot take.
        #expect(throws: ZMQError.invalidArgument) { try socket.setOption(.connectTimeout, .milliseconds(-3)) }
        #expect(try socket.option(.connectTimeout) == .infinite)
    }

    @Test("handshake and connect limits: libzmq's 0 is .infinite, and .zero is refused")
    func limitsWhereZeroMeansNone() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        #expect(try socket.option(.handshakeInterval) == .seconds(30))  // libzmq's default
        #expect(try socket.option(.connectTimeout) == .infinite)  // libzmq's 0: no limit
        for option in [
            SocketOption<SocketType.Dealer, Timeout, OptionAccess.ReadWrite>.handshakeInterval, .connectTimeout,
            .tcpMaxRetransmitTimeout,
        ] {
            try socket.setOption(option, .infinite)
            #expect(try socket.option(option) == .infinite)
            // What libzmq itself holds is 0.
            var raw: Int32 = -7
            var size = MemoryLayout<Int32>.size
            #expect(zmq_getsockopt(socket.unsafeHandle, option.rawValue, &raw, &size) == 0)
            #expect(raw == 0)
            try socket.setOption(option, .milliseconds(1))
            #expect(try socket.option(option) == .milliseconds(1))
            let error = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(option, .zero) }
            #expect(error?.description.contains("\(option.name) = 0 ms") == true)
            #expect(error?.description.contains(".infinite") == true)
        }
    }

    @Test("integer options round-trip")
    func integers() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        #expect(try socket.option(.sendHighWaterMark) == 1000)
        #expect(try socket.option(.receiveHighWaterMark) == 1000)
        try socket.setOption(.sendHighWaterMark, 5000)
        try socket.setOption(.receiveHighWaterMark, 0)
        #expect(try socket.option(.sendHighWaterMark) == 5000)
        #expect(try socket.option(.receiveHighWaterMark) == 0)

        #expect(try socket.option(.maxMessageSize) == -1)
        try socket.setOption(.maxMessageSize, 1 << 40)  // an int64_t option
        #expect(try socket.option(.maxMessageSize) == 1 << 40)

        try socket.setOption(.backlog, 50)
        #expect(try socket.option(.backlog) == 50)
        for (option, value) in [
            (SocketOption<SocketType.Dealer, Int, OptionAccess.ReadWrite>.sendBufferSize, 65536),
            (.receiveBufferSize, 131072), (.tcpKeepaliveCount, 5),
            (.typeOfService, 0x28), (.multicastRate, 1000), (.multicastHops, 4), (.multicastMaxTransportDataUnit, 9000),
        ] {
            try socket.setOption(option, value)
            #expect(try socket.option(option) == value, "\(option.name)")
        }
        #expect(try socket.option(.affinity) == 0)
        try socket.setOption(.affinity, 1 << 63)  // a uint64_t option
        #expect(try socket.option(.affinity) == 1 << 63)
        #expect(try socket.option(.useFileDescriptor) == -1)
        try socket.setOption(.useFileDescriptor, 7)
        #expect(try socket.option(.useFileDescriptor) == 7)
    }

    @Test("boolean options round-trip")
    func booleans() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        #expect(try socket.option(.immediate) == false)
        try socket.setOption(.immediate, true)
        #expect(try socket.option(.immediate) == true)
        try socket.setOption(.ipv6, true)
        #expect(try socket.option(.ipv6) == true)
        try socket.setOption(.ipv6, false)
        #expect(try socket.option(.ipv6) == false)

        #expect(try socket.option(.tcpKeepalive) == nil)  // the OS default, libzmq's -1
        for value in [true, false, nil] {
            try socket.setOption(.tcpKeepalive, value)
            #expect(try socket.option(.tcpKeepalive) == value)
        }
    }

    @Test("string options round-trip")
    func strings() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        #expect(try socket.option(.socksProxy) == "")
        try socket.setOption(.socksProxy, "127.0.0.1:1080")
        #expect(try socket.option(.socksProxy) == "127.0.0.1:1080")
        #expect(try socket.option(.bindToDevice) == "")
        try socket.setOption(.bindToDevice, "lo")
        #expect(try socket.option(.bindToDevice) == "lo")
    }

    @Test("routingID round-trips, and a bad one names ZMQ_ROUTING_ID")
    func routingID() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        #expect(try socket.option(.routingID) == [])
        try socket.setOption(.routingID, Array("worker-7".utf8))
        #expect(try socket.option(.routingID) == Array("worker-7".utf8))
        let longest = [UInt8](repeating: 0x41, count: 255)
        try socket.setOption(.routingID, longest)
        #expect(try socket.option(.routingID) == longest)

        let empty = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(.routingID, []) }
        #expect(empty?.description.contains("ZMQ_ROUTING_ID") == true)
        #expect(empty?.description.contains("setsockopt") == true)
        let tooLong = #expect(throws: ZMQError.invalidArgument) {
            try socket.setOption(.routingID, [UInt8](repeating: 1, count: 256))
        }
        #expect(tooLong?.description.contains("ZMQ_ROUTING_ID") == true)
        // A refused value leaves the option as it was.
        #expect(try socket.option(.routingID) == longest)
    }

    @Test("a value libzmq or C cannot hold names the option")
    func badValues() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        let negative = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(.sendHighWaterMark, -1) }
        #expect(negative?.description.contains("ZMQ_SNDHWM = -1") == true)
        let huge = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(.receiveHighWaterMark, Int.max) }
        #expect(huge?.description.contains("ZMQ_RCVHWM") == true)
        #expect(huge?.description.contains("does not fit") == true)
        #expect(try socket.option(.receiveHighWaterMark) == 1000)
    }

    @Test("type reads back as the socket's kind")
    func type() throws {
        let context = try makeContext()
        #expect(try PubSocket(context).option(.type) == .pub)
        #expect(try SubSocket(context).option(.type) == .sub)
        #expect(try ReqSocket(context).option(.type) == .req)
        #expect(try RouterSocket(context).option(.type) == .router)
        #expect(try PullSocket(context).option(.type) == .pull)
        #expect(try StreamSocket(context).option(.type) == .stream)
        #expect(try DynamicSocket(context, kind: .xsub).option(.type) == .xsub)
    }

    @Test("mechanism, threadSafe and receiveMore read back")
    func readOnly() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        #expect(try socket.option(.mechanism) == .null)
        #expect(try socket.option(.threadSafe) == false)
        #expect(try socket.option(.receiveMore) == false)
        #expect(SecurityMechanism.null.rawValue == ZMQ_NULL)
        #expect(SecurityMechanism.plain.rawValue == ZMQ_PLAIN)
        #expect(SecurityMechanism.curve.rawValue == ZMQ_CURVE)
        #expect(SecurityMechanism.gssapi.rawValue == ZMQ_GSSAPI)
        #expect(SecurityMechanism.curve.description == "CURVE")
    }

    @Test("lastEndpoint follows bind and connect")
    func lastEndpoint() throws {
        let context = try makeContext()
        let socket = try PullSocket(context)
        #expect(try socket.lastEndpoint == "")
        let tcp = try socket.bind(Transport.tcp.bindEndpoint())
        #expect(try socket.option(.lastEndpoint) == tcp)
        let ipc = try socket.bind(Transport.ipc.bindEndpoint())
        #expect(try socket.lastEndpoint == ipc)
        let inproc = Transport.inproc.bindEndpoint()
        try socket.connect(inproc)
        #expect(try socket.lastEndpoint == inproc)
    }

    @Test("events and the file descriptor report readiness")
    func events() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)
        #expect(try pull.events == [])
        #expect(try push.events.contains(.writable))
        #expect(try pull.option(.fileDescriptor) >= 0)
        try push.send("ready")
        #expect(waitReadable(pull, milliseconds: 5000))
        #expect(try pull.events.contains(.readable))
        _ = try pull.receive()
        #expect(try !pull.events.contains(.readable))
    }

    @Test("receiveHighWaterMark and sendHighWaterMark bound the queue")
    func highWaterMark() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try push.setOption(.sendHighWaterMark, 5)
        try pull.setOption(.receiveHighWaterMark, 5)
        try link(pull, push, over: .inproc)
        // Over inproc the queue holds both marks' worth of messages, then no more.
        var queued = 0
        while try push.trySend("m"), queued < 1000 { queued += 1 }
        #expect(queued >= 5 && queued <= 20, "queued \(queued)")
        for _ in 0..<queued { _ = try pull.receive() }
        #expect(try pull.tryReceive() == nil)
    }
}
