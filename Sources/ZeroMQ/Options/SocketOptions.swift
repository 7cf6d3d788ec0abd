import CZeroMQ

// The options swift-zeromq names: every stable socket option of libzmq 4.3's zmq.h
// but the deprecated ones, VMCI's and ZMQ_BLOCKY (a context option). The security ones
// (ZMQ_PLAIN_*, ZMQ_CURVE_*, ZMQ_GSSAPI_*, ZMQ_ZAP_DOMAIN) are in
// SocketOptions+Security.swift.
// ZMQ_SUBSCRIBE and ZMQ_UNSUBSCRIBE are `subscribe(to:)` and `unsubscribe(from:)`.

extension SocketOption {
    init(_ rawValue: Int32, _ name: String, _ codec: SocketOptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, codec: codec)
    }
}

extension ReadOnlySocketOption {
    init(_ rawValue: Int32, _ name: String, _ codec: SocketOptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, codec: codec)
    }
}

extension KindSocketOption {
    init(_ rawValue: Int32, _ name: String, _ kinds: [SocketKind], _ codec: SocketOptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, kinds: kinds, codec: codec)
    }
}

extension WriteOnlyKindSocketOption {
    init(_ rawValue: Int32, _ name: String, _ kinds: [SocketKind], _ codec: SocketOptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, kinds: kinds, codec: codec)
    }
}

// MARK: - Time intervals

extension SocketOption where Value == Timeout {
    /// How long a closed socket keeps trying to send its pending messages;
    /// ``Timeout/infinite`` until they are sent, ``Timeout/zero`` to drop them. New
    /// sockets get ``Context/defaultLinger``. The corresponding C option is `ZMQ_LINGER`.
    public static var linger: Self { .init(ZMQ_LINGER, "ZMQ_LINGER", .timeout) }

    /// How long a blocking send waits before throwing ``ZMQError/again``;
    /// ``Timeout/infinite`` by default. The corresponding C option is `ZMQ_SNDTIMEO`.
    public static var sendTimeout: Self { .init(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO", .timeout) }

    /// How long a blocking receive waits before throwing ``ZMQError/again``;
    /// ``Timeout/infinite`` by default. The corresponding C option is `ZMQ_RCVTIMEO`.
    public static var receiveTimeout: Self { .init(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO", .timeout) }

    /// How long a connection's ZMTP handshake may take before the connection is closed;
    /// 30 seconds by default, and ``Timeout/infinite`` for no limit.
    ///
    /// libzmq spells "no limit" as 0, so `.infinite` is sent as 0 and 0 reads back as
    /// `.infinite`; ``Timeout/zero``, which libzmq cannot express, throws
    /// ``ZMQError/invalidArgument``. The corresponding C option is `ZMQ_HANDSHAKE_IVL`.
    public static var handshakeInterval: Self { .init(ZMQ_HANDSHAKE_IVL, "ZMQ_HANDSHAKE_IVL", .limit) }

    /// How long a tcp `connect()` may take before it is abandoned and retried;
    /// ``Timeout/infinite`` by default, which leaves it to the operating system's own
    /// limit.
    ///
    /// libzmq spells "no limit" as 0, so `.infinite` is sent as 0 and 0 reads back as
    /// `.infinite`; ``Timeout/zero`` throws ``ZMQError/invalidArgument``.
    /// The corresponding C option is `ZMQ_CONNECT_TIMEOUT`.
    public static var connectTimeout: Self { .init(ZMQ_CONNECT_TIMEOUT, "ZMQ_CONNECT_TIMEOUT", .limit) }

    /// How long TCP may retransmit unacknowledged data before the connection is dropped
    /// (`TCP_MAXRT`, where the system has it); ``Timeout/infinite`` by default, which
    /// leaves it to the operating system.
    ///
    /// As for ``connectTimeout``, libzmq's 0 is `.infinite` and ``Timeout/zero`` throws
    /// ``ZMQError/invalidArgument``. The corresponding C option is `ZMQ_TCP_MAXRT`.
    public static var tcpMaxRetransmitTimeout: Self { .init(ZMQ_TCP_MAXRT, "ZMQ_TCP_MAXRT", .limit) }

    /// How long to wait before reconnecting a dropped or refused connection; 100 ms by
    /// default. ``Timeout/infinite`` (libzmq's -1) means never reconnect.
    /// The corresponding C option is `ZMQ_RECONNECT_IVL`.
    public static var reconnectInterval: Self { .init(ZMQ_RECONNECT_IVL, "ZMQ_RECONNECT_IVL", .timeout) }

    /// The longest reconnection interval: each failed attempt doubles the wait, from
    /// ``reconnectInterval`` up to this. ``Timeout/zero``, the default, means no
    /// back-off: every wait is ``reconnectInterval``. ``Timeout/infinite`` throws
    /// ``ZMQError/invalidArgument``. The corresponding C option is `ZMQ_RECONNECT_IVL_MAX`.
    public static var reconnectIntervalMax: Self {
        .init(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX", .interval)
    }

    /// The interval between ZMTP heartbeats (PING commands); ``Timeout/zero``, the
    /// default, sends none. ``Timeout/infinite`` throws ``ZMQError/invalidArgument``.
    /// The corresponding C option is `ZMQ_HEARTBEAT_IVL`.
    public static var heartbeatInterval: Self { .init(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", .interval) }

    /// How long the peer should keep the connection without hearing from this socket,
    /// sent in each heartbeat; ``Timeout/zero``, the default, means no limit.
    ///
    /// libzmq keeps it in tenths of a second, up to 6553.5 s: the value is rounded to the
    /// nearest 100 ms (`.milliseconds(1249)` reads back as 1200 ms), and a longer one or
    /// ``Timeout/infinite`` throws ``ZMQError/invalidArgument``.
    /// The corresponding C option is `ZMQ_HEARTBEAT_TTL`.
    public static var heartbeatTimeToLive: Self { .init(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL", .deciseconds) }

    /// The recovery window of a multicast (PGM) socket: how long data is kept for
    /// receivers to recover it; 10 seconds by default. ``Timeout/infinite`` throws
    /// ``ZMQError/invalidArgument``. The corresponding C option is `ZMQ_RECOVERY_IVL`.
    public static var recoveryInterval: Self { .init(ZMQ_RECOVERY_IVL, "ZMQ_RECOVERY_IVL", .interval) }
}

extension SocketOption where Value == Timeout? {
    /// How long to wait for any traffic after a heartbeat before closing the
    /// connection; `nil`, libzmq's default, means the ``heartbeatInterval``.
    ///
    /// libzmq does not take its default back: setting `nil`, or ``Timeout/infinite``,
    /// throws ``ZMQError/invalidArgument``. The corresponding C option is
    /// `ZMQ_HEARTBEAT_TIMEOUT`.
    public static var heartbeatTimeout: Self {
        .init(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", .defaulted)
    }

    /// How long a TCP connection is idle before keep-alive probes start; `nil`, the
    /// default, leaves it to the operating system. libzmq takes whole seconds: a value
    /// is rounded up to the next second, and ``Timeout/infinite`` throws
    /// ``ZMQError/invalidArgument``. The corresponding C option is
    /// `ZMQ_TCP_KEEPALIVE_IDLE`.
    public static var tcpKeepaliveIdle: Self {
        .init(ZMQ_TCP_KEEPALIVE_IDLE, "ZMQ_TCP_KEEPALIVE_IDLE", .seconds)
    }

    /// The interval between TCP keep-alive probes; `nil`, the default, leaves it to the
    /// operating system. In whole seconds, as ``tcpKeepaliveIdle``.
    /// The corresponding C option is `ZMQ_TCP_KEEPALIVE_INTVL`.
    public static var tcpKeepaliveInterval: Self {
        .init(ZMQ_TCP_KEEPALIVE_INTVL, "ZMQ_TCP_KEEPALIVE_INTVL", .seconds)
    }
}

// MARK: - Integers

extension SocketOption where Value == Int {
    /// The most messages queued for sending to one peer; 0 means no limit.
    /// The corresponding C option is `ZMQ_SNDHWM`.
    public static var sendHighWaterMark: Self { .init(ZMQ_SNDHWM, "ZMQ_SNDHWM", .int32) }

    /// The most messages queued on receipt from one peer; 0 means no limit.
    /// The corresponding C option is `ZMQ_RCVHWM`.
    public static var receiveHighWaterMark: Self { .init(ZMQ_RCVHWM, "ZMQ_RCVHWM", .int32) }

    /// The largest message a peer may send, in bytes; -1 means no limit. A C `int64_t`.
    /// The corresponding C option is `ZMQ_MAXMSGSIZE`.
    public static var maxMessageSize: Self { .init(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", .int64) }

    /// The length of the queue of pending connections. The corresponding C option is
    /// `ZMQ_BACKLOG`.
    public static var backlog: Self { .init(ZMQ_BACKLOG, "ZMQ_BACKLOG", .int32) }

    /// The kernel send buffer size in bytes; -1 keeps the OS default.
    /// The corresponding C option is `ZMQ_SNDBUF`.
    public static var sendBufferSize: Self { .init(ZMQ_SNDBUF, "ZMQ_SNDBUF", .int32) }

    /// The kernel receive buffer size in bytes; -1 keeps the OS default.
    /// The corresponding C option is `ZMQ_RCVBUF`.
    public static var receiveBufferSize: Self { .init(ZMQ_RCVBUF, "ZMQ_RCVBUF", .int32) }

    /// The number of unanswered TCP keep-alive probes before the connection is dropped;
    /// -1 keeps the OS default. The corresponding C option is `ZMQ_TCP_KEEPALIVE_CNT`.
    public static var tcpKeepaliveCount: Self { .init(ZMQ_TCP_KEEPALIVE_CNT, "ZMQ_TCP_KEEPALIVE_CNT", .int32) }

    /// The IP type-of-service (DSCP and ECN bits) of the socket's packets; 0 by default.
    /// The corresponding C option is `ZMQ_TOS`.
    public static var typeOfService: Self { .init(ZMQ_TOS, "ZMQ_TOS", .int32) }

    /// The data rate of a multicast (PGM) socket, in kilobits per second; 100 by
    /// default. The corresponding C option is `ZMQ_RATE`.
    public static var multicastRate: Self { .init(ZMQ_RATE, "ZMQ_RATE", .int32) }

    /// How many network hops multicast packets may cross; 1 by default.
    /// The corresponding C option is `ZMQ_MULTICAST_HOPS`.
    public static var multicastHops: Self { .init(ZMQ_MULTICAST_HOPS, "ZMQ_MULTICAST_HOPS", .int32) }

    /// The largest multicast transport data unit, in bytes; 1500 by default.
    /// The corresponding C option is `ZMQ_MULTICAST_MAXTPDU`.
    public static var multicastMaxTransportDataUnit: Self {
        .init(ZMQ_MULTICAST_MAXTPDU, "ZMQ_MULTICAST_MAXTPDU", .int32)
    }
}

extension SocketOption where Value == Int32 {
    /// A listening socket's file descriptor, already bound, for the next `bind` to use
    /// instead of making its own (for socket activation); -1, the default, makes one.
    /// The corresponding C option is `ZMQ_USE_FD`.
    public static var useFileDescriptor: Self { .init(ZMQ_USE_FD, "ZMQ_USE_FD", .int32) }
}

extension SocketOption where Value == UInt64 {
    /// Which libzmq I/O threads new connections may use, one bit per thread; 0, the
    /// default, means any. A C `uint64_t`. The corresponding C option is `ZMQ_AFFINITY`.
    public static var affinity: Self { .init(ZMQ_AFFINITY, "ZMQ_AFFINITY", .uint64) }
}

// MARK: - Booleans

extension SocketOption where Value == Bool {
    /// Queue messages only to completed connections. The corresponding C option is
    /// `ZMQ_IMMEDIATE`.
    public static var immediate: Self { .init(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", .bool) }

    /// Use IPv6 as well as IPv4. The corresponding C option is `ZMQ_IPV6`.
    public static var ipv6: Self { .init(ZMQ_IPV6, "ZMQ_IPV6", .bool) }
}

extension SocketOption where Value == Bool? {
    /// TCP keep-alive (`SO_KEEPALIVE`): `true` on, `false` off, `nil`, the default,
    /// leaves it to the operating system. The corresponding C option is
    /// `ZMQ_TCP_KEEPALIVE`.
    public static var tcpKeepalive: Self { .init(ZMQ_TCP_KEEPALIVE, "ZMQ_TCP_KEEPALIVE", .tristate) }
}

// MARK: - Strings and bytes

extension SocketOption where Value == String {
    /// The SOCKS5 proxy, `host:port`, that tcp connections go through; empty, the
    /// default, for none. The corresponding C option is `ZMQ_SOCKS_PROXY`.
    public static var socksProxy: Self { .init(ZMQ_SOCKS_PROXY, "ZMQ_SOCKS_PROXY", .string) }

    /// The network interface (`SO_BINDTODEVICE`, such as `"eth0"`) that the socket's
    /// connections use; empty, the default, for any. Setting it needs `CAP_NET_RAW` on
    /// Linux when connecting. The corresponding C option is `ZMQ_BINDTODEVICE`.
    public static var bindToDevice: Self { .init(ZMQ_BINDTODEVICE, "ZMQ_BINDTODEVICE", .string) }
}

extension SocketOption where Value == [UInt8] {
    /// The socket's routing id, seen by ROUTER peers; 1 to 255 bytes.
    /// The corresponding C option is `ZMQ_ROUTING_ID`.
    public static var routingID: Self { .init(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", .bytes) }
}

// MARK: - Read-only

extension ReadOnlySocketOption where Value == SocketKind {
    /// The socket's kind, as libzmq reports it. The corresponding C option is
    /// `ZMQ_TYPE`.
    public static var type: Self {
        .init(ZMQ_TYPE, "ZMQ_TYPE", .scalar(Int32.self, encode: { $0.rawValue }, decode: SocketKind.init(cType:)))
    }
}

extension ReadOnlySocketOption where Value == SecurityMechanism {
    /// The security mechanism of the socket's connections, ``SecurityMechanism/null``
    /// by default. The corresponding C option is `ZMQ_MECHANISM`.
    public static var mechanism: Self {
        .init(
            ZMQ_MECHANISM, "ZMQ_MECHANISM",
            .scalar(Int32.self, encode: { $0.rawValue }, decode: SecurityMechanism.init(cValue:)))
    }
}

extension ReadOnlySocketOption where Value == Bool {
    /// Whether the frame received last has more frames after it. The corresponding C
    /// option is `ZMQ_RCVMORE`.
    public static var receiveMore: Self { .init(ZMQ_RCVMORE, "ZMQ_RCVMORE", .bool) }

    /// Whether the socket may be used from several threads at once: never, for the
    /// socket kinds of libzmq 4.3's stable API. The corresponding C option is
    /// `ZMQ_THREAD_SAFE`.
    public static var threadSafe: Self { .init(ZMQ_THREAD_SAFE, "ZMQ_THREAD_SAFE", .bool) }
}

extension ReadOnlySocketOption where Value == String {
    /// The endpoint bound or connected last, with the real port after a wildcard bind.
    /// The corresponding C option is `ZMQ_LAST_ENDPOINT`.
    public static var lastEndpoint: Self { .init(ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT", .string) }
}

extension ReadOnlySocketOption where Value == Int32 {
    /// The file descriptor that signals, edge-triggered, that ``events`` may have
    /// changed; for integrating with an event loop. The corresponding C option is
    /// `ZMQ_FD`.
    public static var fileDescriptor: Self { .init(ZMQ_FD, "ZMQ_FD", .int32) }
}

extension ReadOnlySocketOption where Value == PollEvents {
    /// Whether a message can be received or sent now without blocking.
    /// The corresponding C option is `ZMQ_EVENTS`.
    public static var events: Self {
        .init(
            ZMQ_EVENTS, "ZMQ_EVENTS",
            .scalar(
                Int32.self, encode: { Int32($0.rawValue) },
                decode: { PollEvents(rawValue: Int16(truncatingIfNeeded: $0)) }))
    }
}

/// A security mechanism of ZMTP connections, read from ``ReadOnlySocketOption/mechanism``.
/// The corresponding C constants are `ZMQ_NULL`, `ZMQ_PLAIN`, `ZMQ_CURVE` and
/// `ZMQ_GSSAPI`.
public enum SecurityMechanism: Int32, Sendable, Hashable, CustomStringConvertible {
    /// No security. The C constant is `ZMQ_NULL`.
    case null = 0
    /// User name and password, in clear. The C constant is `ZMQ_PLAIN`.
    case plain = 1
    /// CurveZMQ encryption and authentication. The C constant is `ZMQ_CURVE`.
    case curve = 2
    /// Kerberos, through GSSAPI. The C constant is `ZMQ_GSSAPI`.
    case gssapi = 3

    init(cValue: Int32) throws(ZMQError) {
        guard let mechanism = SecurityMechanism(rawValue: cValue) else {
            throw ZMQError(
                EINVAL, operation: "getsockopt", target: "ZMQ_MECHANISM = \(cValue)",
                reason: "not a security mechanism of libzmq 4.3")
        }
        self = mechanism
    }

    /// The libzmq name, such as `"CURVE"`.
    public var description: String {
        switch self {
        case .null: "NULL"
        case .plain: "PLAIN"
        case .curve: "CURVE"
        case .gssapi: "GSSAPI"
        }
    }
}

// MARK: - Options of some kinds only

extension WriteOnlyKindSocketOption where Kind: RouterOptionsSocketType, Value == Bool {
    /// ROUTER: fail with ``ZMQError/hostUnreachable`` instead of silently dropping a
    /// message for an unknown peer (and with ``ZMQError/again`` when the peer's queue is
    /// full). The corresponding C option is `ZMQ_ROUTER_MANDATORY`.
    public static var routerMandatory: Self {
        .init(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", [.router], .bool)
    }

    /// ROUTER: when a peer connects with a routing id already in use, give the id to the
    /// new connection instead of refusing it. The corresponding C option is
    /// `ZMQ_ROUTER_HANDOVER`.
    public static var routerHandover: Self {
        .init(ZMQ_ROUTER_HANDOVER, "ZMQ_ROUTER_HANDOVER", [.router], .bool)
    }
}

extension WriteOnlyKindSocketOption where Kind: ProbingSocketType, Value == Bool {
    /// ROUTER, DEALER, REQ: send an empty message to each new peer as soon as it is
    /// connected, so that a ROUTER peer learns the routing id at once.
    /// The corresponding C option is `ZMQ_PROBE_ROUTER`.
    public static var probeRouter: Self {
        .init(ZMQ_PROBE_ROUTER, "ZMQ_PROBE_ROUTER", [.router, .dealer, .req], .bool)
    }
}

extension WriteOnlyKindSocketOption where Kind: ConnectRoutingIDSocketType, Value == [UInt8] {
    /// ROUTER, STREAM: the routing id to give the peer of the next `connect`, instead of
    /// one libzmq makes up; 1 to 255 bytes, not starting with a zero byte.
    /// The corresponding C option is `ZMQ_CONNECT_ROUTING_ID`.
    public static var connectRoutingID: Self {
        .init(ZMQ_CONNECT_ROUTING_ID, "ZMQ_CONNECT_ROUTING_ID", [.router, .stream], .bytes)
    }
}

extension WriteOnlyKindSocketOption where Kind: RequestOptionsSocketType, Value == Bool {
    /// REQ: prefix requests with an id and drop replies that do not carry the last
    /// one's, so that a request can be resent. The corresponding C option is
    /// `ZMQ_REQ_CORRELATE`.
    public static var requestCorrelate: Self { .init(ZMQ_REQ_CORRELATE, "ZMQ_REQ_CORRELATE", [.req], .bool) }

    /// REQ: allow sending a new request without waiting for the reply, which is then
    /// discarded; use with ``requestCorrelate``. The corresponding C option is
    /// `ZMQ_REQ_RELAXED`.
    public static var requestRelaxed: Self { .init(ZMQ_REQ_RELAXED, "ZMQ_REQ_RELAXED", [.req], .bool) }
}

extension WriteOnlyKindSocketOption where Kind: XPubOptionsSocketType, Value == Bool {
    /// XPUB: pass every subscribe message up, not only the first for each topic.
    /// The corresponding C option is `ZMQ_XPUB_VERBOSE`.
    public static var xpubVerbose: Self { .init(ZMQ_XPUB_VERBOSE, "ZMQ_XPUB_VERBOSE", [.xpub], .bool) }

    /// XPUB: pass every subscribe and unsubscribe message up.
    /// The corresponding C option is `ZMQ_XPUB_VERBOSER`.
    public static var xpubVerboser: Self { .init(ZMQ_XPUB_VERBOSER, "ZMQ_XPUB_VERBOSER", [.xpub], .bool) }

    /// XPUB: subscriptions take effect only when the application sends them back as
    /// subscription messages, so it decides what each subscriber gets.
    /// The corresponding C option is `ZMQ_XPUB_MANUAL`.
    public static var xpubManual: Self { .init(ZMQ_XPUB_MANUAL, "ZMQ_XPUB_MANUAL", [.xpub], .bool) }
}

extension WriteOnlyKindSocketOption where Kind: XPubOptionsSocketType, Value == [UInt8] {
    /// XPUB: a message sent to each new subscriber when it connects (the subscriber
    /// must subscribe to it to receive it); empty for none.
    /// The corresponding C option is `ZMQ_XPUB_WELCOME_MSG`.
    public static var xpubWelcomeMessage: Self {
        .init(ZMQ_XPUB_WELCOME_MSG, "ZMQ_XPUB_WELCOME_MSG", [.xpub], .bytes)
    }
}

extension WriteOnlyKindSocketOption where Kind: NoDropSocketType, Value == Bool {
    /// XPUB, PUB: when a subscriber's queue is full, fail the send with
    /// ``ZMQError/again`` instead of dropping the message.
    /// The corresponding C option is `ZMQ_XPUB_NODROP`.
    public static var xpubNoDrop: Self { .init(ZMQ_XPUB_NODROP, "ZMQ_XPUB_NODROP", [.xpub, .pub], .bool) }
}

extension WriteOnlyKindSocketOption where Kind: StreamOptionsSocketType, Value == Bool {
    /// STREAM: deliver the empty message that marks a peer's connection and
    /// disconnection; `true` by default. The corresponding C option is
    /// `ZMQ_STREAM_NOTIFY`.
    public static var streamNotify: Self { .init(ZMQ_STREAM_NOTIFY, "ZMQ_STREAM_NOTIFY", [.stream], .bool) }
}

extension KindSocketOption where Kind: ConflatingSocketType, Value == Bool {
    /// PUSH, PULL, PUB, SUB, DEALER: keep only the last message in each queue, for
    /// single-part messages of the latest value. The corresponding C option is
    /// `ZMQ_CONFLATE`.
    public static var conflate: Self {
        .init(ZMQ_CONFLATE, "ZMQ_CONFLATE", [.push, .pull, .pub, .sub, .dealer], .bool)
    }
}

extension KindSocketOption where Kind: FilteringSocketType, Value == Bool {
    /// PUB, XPUB, SUB, XSUB: deliver what does not match the subscriptions, and nothing
    /// that does; set it on both sides. The corresponding C option is
    /// `ZMQ_INVERT_MATCHING`.
    public static var invertMatching: Self {
        .init(ZMQ_INVERT_MATCHING, "ZMQ_INVERT_MATCHING", [.pub, .xpub, .sub, .xsub], .bool)
    }
}
