import CZeroMQ
import Testing
import ZeroMQ

/// Each named option carries the number zmq.h gives it, and an option can be declared
/// from its number.
@Suite("Option constants")
struct OptionConstantTests {
    @Test("every option's rawValue is zmq.h's constant, and its name is the constant's")
    func constants() {
        var checked: [(Int32, String, Int32)] = []
        func check<V>(_ option: SocketOption<V>, _ c: Int32) { checked.append((option.rawValue, option.name, c)) }
        func check<V>(_ option: ReadOnlySocketOption<V>, _ c: Int32) {
            checked.append((option.rawValue, option.name, c))
        }
        func check<K, V>(_ option: KindSocketOption<K, V>, _ c: Int32) {
            checked.append((option.rawValue, option.name, c))
        }
        func check<K, V>(_ option: WriteOnlyKindSocketOption<K, V>, _ c: Int32) {
            checked.append((option.rawValue, option.name, c))
        }
        typealias T = SocketOption<Timeout>
        typealias I = SocketOption<Int>
        typealias D = SocketType.Dynamic
        check(T.linger, ZMQ_LINGER)
        check(T.sendTimeout, ZMQ_SNDTIMEO)
        check(T.receiveTimeout, ZMQ_RCVTIMEO)
        check(T.handshakeInterval, ZMQ_HANDSHAKE_IVL)
        check(T.connectTimeout, ZMQ_CONNECT_TIMEOUT)
        check(T.tcpMaxRetransmitTimeout, ZMQ_TCP_MAXRT)
        check(T.reconnectInterval, ZMQ_RECONNECT_IVL)
        check(T.reconnectIntervalMax, ZMQ_RECONNECT_IVL_MAX)
        check(T.heartbeatInterval, ZMQ_HEARTBEAT_IVL)
        check(T.heartbeatTimeToLive, ZMQ_HEARTBEAT_TTL)
        check(T.recoveryInterval, ZMQ_RECOVERY_IVL)
        check(SocketOption<Timeout?>.heartbeatTimeout, ZMQ_HEARTBEAT_TIMEOUT)
        check(SocketOption<Timeout?>.tcpKeepaliveIdle, ZMQ_TCP_KEEPALIVE_IDLE)
        check(SocketOption<Timeout?>.tcpKeepaliveInterval, ZMQ_TCP_KEEPALIVE_INTVL)
        check(I.sendHighWaterMark, ZMQ_SNDHWM)
        check(I.receiveHighWaterMark, ZMQ_RCVHWM)
        check(I.maxMessageSize, ZMQ_MAXMSGSIZE)
        check(I.backlog, ZMQ_BACKLOG)
        check(I.sendBufferSize, ZMQ_SNDBUF)
        check(I.receiveBufferSize, ZMQ_RCVBUF)
        check(I.tcpKeepaliveCount, ZMQ_TCP_KEEPALIVE_CNT)
        check(I.typeOfService, ZMQ_TOS)
        check(I.multicastRate, ZMQ_RATE)
        check(I.multicastHops, ZMQ_MULTICAST_HOPS)
        check(I.multicastMaxTransportDataUnit, ZMQ_MULTICAST_MAXTPDU)
        check(SocketOption<Int32>.useFileDescriptor, ZMQ_USE_FD)
        check(SocketOption<UInt64>.affinity, ZMQ_AFFINITY)
        check(SocketOption<Bool>.immediate, ZMQ_IMMEDIATE)
        check(SocketOption<Bool>.ipv6, ZMQ_IPV6)
        check(SocketOption<Bool?>.tcpKeepalive, ZMQ_TCP_KEEPALIVE)
        check(SocketOption<String>.socksProxy, ZMQ_SOCKS_PROXY)
        check(SocketOption<String>.bindToDevice, ZMQ_BINDTODEVICE)
        check(SocketOption<[UInt8]>.routingID, ZMQ_ROUTING_ID)
        check(ReadOnlySocketOption<SocketKind>.type, ZMQ_TYPE)
        check(ReadOnlySocketOption<SecurityMechanism>.mechanism, ZMQ_MECHANISM)
        check(ReadOnlySocketOption<Bool>.receiveMore, ZMQ_RCVMORE)
        check(ReadOnlySocketOption<Bool>.threadSafe, ZMQ_THREAD_SAFE)
        check(ReadOnlySocketOption<String>.lastEndpoint, ZMQ_LAST_ENDPOINT)
        check(ReadOnlySocketOption<Int32>.fileDescriptor, ZMQ_FD)
        check(ReadOnlySocketOption<PollEvents>.events, ZMQ_EVENTS)
        check(WriteOnlyKindSocketOption<D, Bool>.routerMandatory, ZMQ_ROUTER_MANDATORY)
        check(WriteOnlyKindSocketOption<D, Bool>.routerHandover, ZMQ_ROUTER_HANDOVER)
        check(WriteOnlyKindSocketOption<D, Bool>.probeRouter, ZMQ_PROBE_ROUTER)
        check(WriteOnlyKindSocketOption<D, [UInt8]>.connectRoutingID, ZMQ_CONNECT_ROUTING_ID)
        check(WriteOnlyKindSocketOption<D, Bool>.requestCorrelate, ZMQ_REQ_CORRELATE)
        check(WriteOnlyKindSocketOption<D, Bool>.requestRelaxed, ZMQ_REQ_RELAXED)
        check(WriteOnlyKindSocketOption<D, Bool>.xpubVerbose, ZMQ_XPUB_VERBOSE)
        check(WriteOnlyKindSocketOption<D, Bool>.xpubVerboser, ZMQ_XPUB_VERBOSER)
        check(WriteOnlyKindSocketOption<D, Bool>.xpubManual, ZMQ_XPUB_MANUAL)
        check(WriteOnlyKindSocketOption<D, Bool>.xpubNoDrop, ZMQ_XPUB_NODROP)
        check(WriteOnlyKindSocketOption<D, [UInt8]>.xpubWelcomeMessage, ZMQ_XPUB_WELCOME_MSG)
        check(WriteOnlyKindSocketOption<D, Bool>.streamNotify, ZMQ_STREAM_NOTIFY)
        check(KindSocketOption<D, Bool>.conflate, ZMQ_CONFLATE)
        check(KindSocketOption<D, Bool>.invertMatching, ZMQ_INVERT_MATCHING)
        #expect(checked.count == 54)
        for (rawValue, name, c) in checked {
            #expect(rawValue == c, "\(name)")
            #expect(name.hasPrefix("ZMQ_"))
        }
        #expect(Set(checked.map(\.0)).count == checked.count)
    }

    @Test("an option declared from its C number works as a named one")
    func escapeHatch() throws {
        let socket = try DealerSocket(makeContext())
        let sendHighWaterMark = SocketOption<Int>(rawValue: 23, name: "ZMQ_SNDHWM", codec: .int32)
        try socket.setOption(sendHighWaterMark, 4321)
        #expect(try socket.option(sendHighWaterMark) == 4321)
        #expect(try socket.option(.sendHighWaterMark) == 4321)
        let error = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(sendHighWaterMark, -3) }
        #expect(error?.description.contains("ZMQ_SNDHWM = -3") == true)

        // The other codecs, on options libzmq has.
        let affinity = SocketOption<UInt64>(rawValue: ZMQ_AFFINITY, name: "ZMQ_AFFINITY", codec: .uint64)
        try socket.setOption(affinity, 3)
        #expect(try socket.option(.affinity) == 3)
        let maxSize = SocketOption<Int64>(rawValue: ZMQ_MAXMSGSIZE, name: "ZMQ_MAXMSGSIZE", codec: .int64)
        try socket.setOption(maxSize, 1 << 33)
        #expect(try socket.option(maxSize) == 1 << 33)
        let ipv6 = SocketOption<Bool>(rawValue: ZMQ_IPV6, name: "ZMQ_IPV6", codec: .bool)
        try socket.setOption(ipv6, true)
        #expect(try socket.option(.ipv6))
        let proxy = SocketOption<String>(rawValue: ZMQ_SOCKS_PROXY, name: "ZMQ_SOCKS_PROXY", codec: .string)
        try socket.setOption(proxy, "localhost:9050")
        #expect(try socket.option(proxy) == "localhost:9050")
        let id = SocketOption<[UInt8]>(rawValue: ZMQ_ROUTING_ID, name: "ZMQ_ROUTING_ID", codec: .bytes)
        try socket.setOption(id, [1, 2, 3])
        #expect(try socket.option(.routingID) == [1, 2, 3])
        let linger = SocketOption<Timeout>(rawValue: ZMQ_LINGER, name: "ZMQ_LINGER", codec: .timeout)
        try socket.setOption(linger, .milliseconds(42))
        #expect(try socket.option(.linger) == .milliseconds(42))
        let type = ReadOnlySocketOption<Int32>(rawValue: ZMQ_TYPE, name: "ZMQ_TYPE", codec: .int32)
        #expect(try socket.option(type) == ZMQ_DEALER)
        let mandatory = WriteOnlyKindSocketOption<SocketType.Router, Bool>(
            rawValue: ZMQ_ROUTER_MANDATORY, name: "ZMQ_ROUTER_MANDATORY", kinds: [.router], codec: .bool)
        try RouterSocket(socket.context).setOption(mandatory, true)
        // An option libzmq does not have names itself.
        let unknown = SocketOption<Int>(rawValue: 9999, name: "ZMQ_NEW", codec: .int32)
        let failure = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(unknown, 1) }
        #expect(failure?.description.contains("ZMQ_NEW = 1") == true)
    }
}
