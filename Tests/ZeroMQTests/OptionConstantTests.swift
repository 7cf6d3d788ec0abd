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
        func check<K, V, A>(_ option: SocketOption<K, V, A>, _ c: Int32) {
            checked.append((option.rawValue, option.name, c))
        }
        typealias D = SocketType.Dynamic
        typealias RW = OptionAccess.ReadWrite
        typealias RO = OptionAccess.ReadOnly
        typealias WO = OptionAccess.WriteOnly
        typealias T = SocketOption<D, Timeout, RW>
        typealias I = SocketOption<D, Int, RW>
        check(T.linger, ZMQ_LINGER)
        check(T.sendTimeout, ZMQ_SNDTIMEO)
        check(T.receiveTimeout, ZMQ_RCVTIMEO)
        check(T.handshakeInterval, ZMQ_HANDSHAKE_IVL)
        check(T.connectTimeout, ZMQ_CONNECT_TIMEOUT)
        check(T.tcpMaxRetransmitTimeout, ZMQ_TCP_MAXRT)
        check(T.reconnectInterval, ZMQ_RECONNECT_IVL)
        check(SocketOption<D, Duration, RW>.reconnectIntervalMax, ZMQ_RECONNECT_IVL_MAX)
        check(SocketOption<D, Duration, RW>.heartbeatInterval, ZMQ_HEARTBEAT_IVL)
        check(SocketOption<D, Duration, RW>.heartbeatTimeToLive, ZMQ_HEARTBEAT_TTL)
        check(SocketOption<D, Duration, RW>.recoveryInterval, ZMQ_RECOVERY_IVL)
        check(SocketOption<D, Duration?, RW>.heartbeatTimeout, ZMQ_HEARTBEAT_TIMEOUT)
        check(SocketOption<D, Duration?, RW>.tcpKeepaliveIdle, ZMQ_TCP_KEEPALIVE_IDLE)
        check(SocketOption<D, Duration?, RW>.tcpKeepaliveInterval, ZMQ_TCP_KEEPALIVE_INTVL)
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
        check(SocketOption<D, Int32, RW>.useFileDescriptor, ZMQ_USE_FD)
        check(SocketOption<D, UInt64, RW>.affinity, ZMQ_AFFINITY)
        check(SocketOption<D, Bool, RW>.immediate, ZMQ_IMMEDIATE)
        check(SocketOption<D, Bool, RW>.ipv6, ZMQ_IPV6)
        check(SocketOption<D, Bool?, RW>.tcpKeepalive, ZMQ_TCP_KEEPALIVE)
        check(SocketOption<D, String, RW>.socksProxy, ZMQ_SOCKS_PROXY)
        check(SocketOption<D, String, RW>.bindToDevice, ZMQ_BINDTODEVICE)
        check(SocketOption<D, [UInt8], RW>.routingID, ZMQ_ROUTING_ID)
        check(SocketOption<D, SocketKind, RO>.type, ZMQ_TYPE)
        check(SocketOption<D, SecurityMechanism, RO>.mechanism, ZMQ_MECHANISM)
        check(SocketOption<D, Bool, RO>.receiveMore, ZMQ_RCVMORE)
        check(SocketOption<D, Bool, RO>.threadSafe, ZMQ_THREAD_SAFE)
        check(SocketOption<D, String, RO>.lastEndpoint, ZMQ_LAST_ENDPOINT)
        check(SocketOption<D, Int32, RO>.fileDescriptor, ZMQ_FD)
        check(SocketOption<D, PollEvents, RO>.events, ZMQ_EVENTS)
        check(SocketOption<D, Bool, WO>.routerMandatory, ZMQ_ROUTER_MANDATORY)
        check(SocketOption<D, Bool, WO>.routerHandover, ZMQ_ROUTER_HANDOVER)
        check(SocketOption<D, Bool, WO>.probeRouter, ZMQ_PROBE_ROUTER)
        check(SocketOption<D, [UInt8], WO>.connectRoutingID, ZMQ_CONNECT_ROUTING_ID)
        check(SocketOption<D, Bool, WO>.requestCorrelate, ZMQ_REQ_CORRELATE)
        check(SocketOption<D, Bool, WO>.requestRelaxed, ZMQ_REQ_RELAXED)
        check(SocketOption<D, Bool, WO>.xpubVerbose, ZMQ_XPUB_VERBOSE)
        check(SocketOption<D, Bool, WO>.xpubVerboser, ZMQ_XPUB_VERBOSER)
        check(SocketOption<D, Bool, WO>.xpubManual, ZMQ_XPUB_MANUAL)
        check(SocketOption<D, Bool, WO>.xpubNoDrop, ZMQ_XPUB_NODROP)
        check(SocketOption<D, [UInt8], WO>.xpubWelcomeMessage, ZMQ_XPUB_WELCOME_MSG)
        check(SocketOption<D, Bool, WO>.streamNotify, ZMQ_STREAM_NOTIFY)
        check(SocketOption<D, Bool, RW>.conflate, ZMQ_CONFLATE)
        check(SocketOption<D, Bool, RW>.invertMatching, ZMQ_INVERT_MATCHING)
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
        try socket.setOption(.handDeclaredSendHighWaterMark, 4321)
        #expect(try socket.option(.handDeclaredSendHighWaterMark) == 4321)
        #expect(try socket.option(.sendHighWaterMark) == 4321)
        let error = #expect(throws: ZMQError.invalidArgument) {
            try socket.setOption(.handDeclaredSendHighWaterMark, -3)
        }
        #expect(error?.description.contains("ZMQ_SNDHWM = -3") == true)

        // The other codecs, on options libzmq has, declared as constants of one kind.
        typealias Option<Value, Access> = SocketOption<SocketType.Dealer, Value, Access>
        typealias RW = OptionAccess.ReadWrite
        let affinity = Option<UInt64, RW>(rawValue: ZMQ_AFFINITY, name: "ZMQ_AFFINITY", codec: .uint64)
        try socket.setOption(affinity, 3)
        #expect(try socket.option(.affinity) == 3)
        let maxSize = Option<Int64, RW>(rawValue: ZMQ_MAXMSGSIZE, name: "ZMQ_MAXMSGSIZE", codec: .int64)
        try socket.setOption(maxSize, 1 << 33)
        #expect(try socket.option(maxSize) == 1 << 33)
        let ipv6 = Option<Bool, RW>(rawValue: ZMQ_IPV6, name: "ZMQ_IPV6", codec: .bool)
        try socket.setOption(ipv6, true)
        #expect(try socket.option(.ipv6))
        let proxy = Option<String, RW>(rawValue: ZMQ_SOCKS_PROXY, name: "ZMQ_SOCKS_PROXY", codec: .string)
        try socket.setOption(proxy, "localhost:9050")
        #expect(try socket.option(proxy) == "localhost:9050")
        let id = Option<[UInt8], RW>(rawValue: ZMQ_ROUTING_ID, name: "ZMQ_ROUTING_ID", codec: .bytes)
        try socket.setOption(id, [1, 2, 3])
        #expect(try socket.option(.routingID) == [1, 2, 3])
        let linger = Option<Timeout, RW>(rawValue: ZMQ_LINGER, name: "ZMQ_LINGER", codec: .timeout)
        try socket.setOption(linger, .milliseconds(42))
        #expect(try socket.option(.linger) == .milliseconds(42))
        let connectTimeout = Option<Timeout, RW>(
            rawValue: ZMQ_CONNECT_TIMEOUT, name: "ZMQ_CONNECT_TIMEOUT", codec: .limit)
        try socket.setOption(connectTimeout, .infinite)
        #expect(try socket.option(.connectTimeout) == .infinite)
        let heartbeat = Option<Duration, RW>(rawValue: ZMQ_HEARTBEAT_IVL, name: "ZMQ_HEARTBEAT_IVL", codec: .interval)
        try socket.setOption(heartbeat, .milliseconds(1500))
        #expect(try socket.option(.heartbeatInterval) == .milliseconds(1500))
        let type = Option<Int32, OptionAccess.ReadOnly>(rawValue: ZMQ_TYPE, name: "ZMQ_TYPE", codec: .int32)
        #expect(try socket.option(type) == ZMQ_DEALER)
        // An option libzmq does not have names itself.
        let unknown = Option<Int, RW>(rawValue: 9999, name: "ZMQ_NEW", codec: .int32)
        let failure = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(unknown, 1) }
        #expect(failure?.description.contains("ZMQ_NEW = 1") == true)
    }

    @Test("a hand-declared option of some kinds is checked on a DynamicSocket by its kinds")
    func handDeclaredKindOption() throws {
        let context = try makeContext()
        try RouterSocket(context).setOption(.handDeclaredRouterMandatory, true)
        try DynamicSocket(context, kind: .router).setOption(.handDeclaredRouterMandatory, true)
        let error = #expect(throws: ZMQError.notSupported) {
            try DynamicSocket(context, kind: .dealer).setOption(.handDeclaredRouterMandatory, true)
        }
        #expect(error?.description.contains("ZMQ_ROUTER_MANDATORY on DEALER") == true)
    }
}

// Declared as Docs/Design.md and SocketOption's documentation show.

extension SocketOption where Value == Int, Access == OptionAccess.ReadWrite {
    fileprivate static var handDeclaredSendHighWaterMark: Self {
        SocketOption(rawValue: 23, name: "ZMQ_SNDHWM", codec: .int32)
    }
}

extension SocketOption where Kind: RouterOptionsSocketType, Value == Bool, Access == OptionAccess.WriteOnly {
    fileprivate static var handDeclaredRouterMandatory: Self {
        SocketOption(rawValue: ZMQ_ROUTER_MANDATORY, name: "ZMQ_ROUTER_MANDATORY", kinds: [.router], codec: .bool)
    }
}
