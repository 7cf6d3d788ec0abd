import CZeroMQ

// The options swift-zeromq names: every stable socket option of libzmq 4.3's zmq.h
// but the deprecated ones, VMCI's and ZMQ_BLOCKY (a context option). The security ones
// (ZMQ_PLAIN_*, ZMQ_CURVE_*, ZMQ_GSSAPI_*, ZMQ_ZAP_DOMAIN) are in
// SocketOptions+Security.swift.
// ZMQ_SUBSCRIBE and ZMQ_UNSUBSCRIBE are `subscribe(to:)` and `unsubscribe(from:)`.

extension SocketOption {
    /// An option every kind has.
    init(_ rawValue: Int32, _ name: String, _ codec: SocketOptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, kinds: nil, codec: codec)
    }

    /// An option of `kinds` only.
    init(_ rawValue: Int32, _ name: String, _ kinds: [SocketKind], _ codec: SocketOptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, kinds: kinds, codec: codec)
    }
}

// MARK: - Time intervals

extension SocketOption where Value == Timeout, Access == OptionAccess.ReadWrite {
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
}

extension SocketOption where Value == Duration, Access == OptionAccess.ReadWrite {
    /// The longest reconnection interval: each failed attempt doubles the wait, from
    /// ``reconnectInterval`` up to this. `.zero`, the default, means no back-off: every
    /// wait is ``reconnectInterval``. libzmq has no infinite value for it, hence a
    /// `Duration` (rounded up to whole milliseconds; a negative one is zero).
    /// The corresponding C option is `ZMQ_RECONNECT_IVL_MAX`.
    public static var reconnectIntervalMax: Self {
        .init(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX", .interval)
    }

    /// The interval between ZMTP heartbeats (PING commands); `.zero`, the default, sends
    /// none. Rounded up to whole milliseconds; a negative `Duration` is zero.
    /// The corresponding C option is `ZMQ_HEARTBEAT_IVL`.
    public static var heartbeatInterval: Self { .init(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", .interval) }

    /// How long the peer should keep the connection without hearing from this socket,
    /// sent in each heartbeat; `.zero`, the default, means no limit.
    ///
    /// libzmq keeps it in tenths of a second, up to 6553.5 s: the value is rounded to the
    /// nearest 100 ms (`.milliseconds(1249)` reads back as 1200 ms), and a longer one
    /// throws ``ZMQError/invalidArgument``. The corresponding C option is
    /// `ZMQ_HEARTBEAT_TTL`.
    public static var heartbeatTimeToLive: Self { .init(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL", .deciseconds) }

    /// The recovery window of a multicast (PGM) socket: how long data is kept for
    /// receivers to recover it; 10 seconds by default. The corresponding C option is
    /// `ZMQ_RECOVERY_IVL`.
    public static var recoveryInterval: Self { .init(ZMQ_RECOVERY_IVL, "ZMQ_RECOVERY_IVL", .interval) }
}

extension SocketOption where Value == Duration?, Access == OptionAccess.ReadWrite {
    /// How long to wait for any traffic after a heartbeat before closing the
    /// connection; `nil`, libzmq's default, means the ``heartbeatInterval``.
    ///
    /// libzmq does not take its default back: setting `nil` throws
    /// ``ZMQError/invalidArgument``. The corresponding C option is
    /// `ZMQ_HEARTBEAT_TIMEOUT`.
    public static var heartbeatTimeout: Self {
        .init(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", .defaulted)
    }

    /// How long a TCP connection is idle before keep-alive probes start; `nil`, the
    /// default, leaves it to the operating system. libzmq takes whole seconds: a value
    /// is rounded up to the next second, and one that rounds to zero throws
    /// ``ZMQError/invalidArgument`` (libzmq would take 0, and then no tcp connection
    /// with ``tcpKeepalive`` on would ever complete). The corresponding C option is
    /// `ZMQ_TCP_KEEPALIVE_IDLE`.
    public static var tcpKeepaliveIdle: Self {
        .init(ZMQ_TCP_KEEPALIVE_IDLE, "ZMQ_TCP_KEEPALIVE_IDLE", .seconds)
    }

    /// The interval between TCP keep-alive probes; `nil`, the default, leaves it to the
    /// operating system. In whole seconds, at least one, as ``tcpKeepaliveIdle``.
    /// The corresponding C option is `ZMQ_TCP_KEEPALIVE_INTVL`.
    public static var tcpKeepaliveInterval: Self {
        .init(ZMQ_TCP_KEEPALIVE_INTVL, "ZMQ_TCP_KEEPALIVE_INTVL", .seconds)
    }
}

// MARK: - Integers

extension SocketOption where Value == Int, Access == OptionAccess.ReadWrite {
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

extension SocketOption where Value == Int32, Access == OptionAccess.ReadWrite {
    /// A listening socket's file descriptor, already bound, for the next `bind` to use
    /// instead of making its own (for socket activation); -1, the default, makes one.
    /// The corresponding C option is `ZMQ_USE_FD`.
    public static var useFileDescriptor: Self { .init(ZMQ_USE_FD, "ZMQ_USE_FD", .int32) }
}

extension SocketOption where Value == UInt64, Access == OptionAccess.ReadWrite {
    /// Which libzmq I/O threads new connections may use, one bit per thread; 0, the
    /// default, means any. A C `uint64_t`. The corresponding C option is `ZMQ_AFFINITY`.
    public static var affinity: Self { .init(ZMQ_AFFINITY, "ZMQ_AFFINITY", .uint64) }
}

// MARK: - Booleans

extension SocketOption where Value == Bool, Access == OptionAccess.ReadWrite {
    /// Queue messages only to completed connections. The corresponding C option is
    /// `ZMQ_IMMEDIATE`.
    public static var immediate: Self { .init(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", .bool) }

    /// Use IPv6 as well as IPv4. The corresponding C option is `ZMQ_IPV6`.
    public static var ipv6: Self { .init(ZMQ_IPV6, "ZMQ_IPV6", .bool) }
}

extension SocketOption where Value == Bool?, Access == OptionAccess.ReadWrite {
    /// TCP keep-alive (`SO_KEEPALIVE`): `true` on, `false` off, `nil`, the default,
    /// leaves it to the operating system. The corresponding C option is
    /// `ZMQ_TCP_KEEPALIVE`.
    public static var tcpKeepalive: Self { .init(ZMQ_TCP_KEEPALIVE, "ZMQ_TCP_KEEPALIVE", .tristate) }
}

// MARK: - Strings and bytes

extension SocketOption where Value == String, Access == OptionAccess.ReadWrite {
    /// The SOCKS5 proxy, `host:port`, that tcp connections go through; empty, the
    /// default, for none. The corresponding C option is `ZMQ_SOCKS_PROXY`.
    public static var socksProxy: Self { .init(ZMQ_SOCKS_PROXY, "ZMQ_SOCKS_PROXY", .string) }

    /// The network interface (`SO_BINDTODEVICE`, such as `"eth0"`) that the socket's
    /// connections use; empty, the default, for any. Setting it needs `CAP_NET_RAW` on
    /// Linux when connecting. The corresponding C option is `ZMQ_BINDTODEVICE`.
    public static var bindToDevice: Self { .init(ZMQ_BINDTODEVICE, "ZMQ_BINDTODEVICE", .string) }
}

extension SocketOption where Value == [UInt8], Access == OptionAccess.ReadWrite {
    /// The socket's routing id, seen by ROUTER peers; 1 to 255 bytes.
    /// The corresponding C option is `ZMQ_ROUTING_ID`.
    public static var routingID: Self { .init(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", .bytes) }
}

// MARK: - Read-only

extension SocketOption where Value == SocketKind, Access == OptionAccess.ReadOnly {
    /// The socket's kind, as libzmq reports it. The corresponding C option is
    /// `ZMQ_TYPE`.
    public static var type: Self {
        .init(ZMQ_TYPE, "ZMQ_TYPE", .scalar(Int32.self, encode: { $0.rawValue }, decode: SocketKind.init(cType:)))
    }
}

extension SocketOption where Value == SecurityMechanism, Access == OptionAccess.ReadOnly {
    /// The security mechanism of the socket's connections, ``SecurityMechanism/null``
    /// by default. The corresponding C option is `ZMQ_MECHANISM`.
    public static var mechanism: Self {
        .init(
            ZMQ_MECHANISM, "ZMQ_MECHANISM",
            .scalar(Int32.self, encode: { $0.rawValue }, decode: SecurityMechanism.init(cValue:)))
    }
}

extension SocketOption where Value == Bool, Access == OptionAccess.ReadOnly {
    /// Whether the frame received last has more frames after it. The corresponding C
    /// option is `ZMQ_RCVMORE`.
    public static var receiveMore: Self { .init(ZMQ_RCVMORE, "ZMQ_RCVMORE", .bool) }

    /// Whether the socket may be used from several threads at once: never, for the
    /// socket kinds of libzmq 4.3's stable API. The corresponding C option is
    /// `ZMQ_THREAD_SAFE`.
    public static var threadSafe: Self { .init(ZMQ_THREAD_SAFE, "ZMQ_THREAD_SAFE", .bool) }
}

extension SocketOption where Value == String, Access == OptionAccess.ReadOnly {
    /// The endpoint bound or connected last, with the real port after a wildcard bind.
    /// The corresponding C option is `ZMQ_LAST_ENDPOINT`.
    public static var lastEndpoint: Self { .init(ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT", .string) }
}

extension SocketOption where Value == Int32, Access == OptionAccess.ReadOnly {
    /// The file descriptor that signals, edge-triggered, that ``events`` may have
    /// changed; for integrating with an event loop. The corresponding C option is
    /// `ZMQ_FD`.
    public static var fileDescriptor: Self { .init(ZMQ_FD, "ZMQ_FD", .int32) }
}

extension SocketOption where Value == PollEvents, Access == OptionAccess.ReadOnly {
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

/// A security mechanism of ZMTP connections, read from ``SocketOption/mechanism``.
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

// Each is declared twice: in an extension constrained to the marker protocol of the kinds
// that have it, and, unavailable, for every other kind, so that the compiler's error names
// the kinds ("'conflate' is unavailable: ZMQ_CONFLATE is an option of PUSH, PULL, PUB, SUB
// and DEALER sockets only") instead of Swift 6.3's "contextual member reference to static
// property 'conflate' requires 'Self' constraint in the protocol extension". Where both
// apply, the available one wins.

extension SocketOption where Kind: RouterOptionsSocketType, Value == Bool, Access == OptionAccess.WriteOnly {
    /// Fail a send to an unknown peer with ``ZMQError/hostUnreachable`` instead of
    /// silently dropping the message (and with ``ZMQError/again`` when the peer's queue is
    /// full). Write-only.
    ///
    /// Only ROUTER sockets take it: on another kind it does not compile, and a
    /// ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_ROUTER_MANDATORY`.
    public static var routerMandatory: Self {
        .init(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", [.router], .bool)
    }

    /// When a peer connects with a routing id already in use, give the id to the new
    /// connection instead of refusing it. Write-only.
    ///
    /// Only ROUTER sockets take it, as ``routerMandatory``.
    /// The corresponding C option is `ZMQ_ROUTER_HANDOVER`.
    public static var routerHandover: Self {
        .init(ZMQ_ROUTER_HANDOVER, "ZMQ_ROUTER_HANDOVER", [.router], .bool)
    }
}

extension SocketOption where Kind: ProbingSocketType, Value == Bool, Access == OptionAccess.WriteOnly {
    /// Send an empty message to each new peer as soon as it is connected, so that a
    /// ROUTER peer learns the routing id at once. Write-only.
    ///
    /// Only ROUTER, DEALER and REQ sockets take it: on another kind it does not compile,
    /// and a ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_PROBE_ROUTER`.
    public static var probeRouter: Self {
        .init(ZMQ_PROBE_ROUTER, "ZMQ_PROBE_ROUTER", [.router, .dealer, .req], .bool)
    }
}

extension SocketOption where Kind: ConnectRoutingIDSocketType, Value == [UInt8], Access == OptionAccess.WriteOnly {
    /// The routing id to give the peer of the next `connect`, instead of one libzmq makes
    /// up; 1 to 255 bytes, not starting with a zero byte. Write-only.
    ///
    /// Only ROUTER and STREAM sockets take it: on another kind it does not compile, and
    /// a ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_CONNECT_ROUTING_ID`.
    public static var connectRoutingID: Self {
        .init(ZMQ_CONNECT_ROUTING_ID, "ZMQ_CONNECT_ROUTING_ID", [.router, .stream], .bytes)
    }
}

extension SocketOption where Kind: RequestOptionsSocketType, Value == Bool, Access == OptionAccess.WriteOnly {
    /// Prefix requests with an id and drop replies that do not carry the last one's, so
    /// that a request can be resent. Write-only.
    ///
    /// Only REQ sockets take it: on another kind it does not compile, and a
    /// ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_REQ_CORRELATE`.
    public static var requestCorrelate: Self { .init(ZMQ_REQ_CORRELATE, "ZMQ_REQ_CORRELATE", [.req], .bool) }

    /// Allow sending a new request without waiting for the reply, which is then
    /// discarded; use with ``requestCorrelate``. Write-only.
    ///
    /// Only REQ sockets take it, as ``requestCorrelate``.
    /// The corresponding C option is `ZMQ_REQ_RELAXED`.
    public static var requestRelaxed: Self { .init(ZMQ_REQ_RELAXED, "ZMQ_REQ_RELAXED", [.req], .bool) }
}

extension SocketOption where Kind: XPubOptionsSocketType, Value == Bool, Access == OptionAccess.WriteOnly {
    /// Pass every subscribe message up, not only the first for each topic. Write-only.
    ///
    /// Only XPUB sockets take it: on another kind it does not compile, and a
    /// ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_XPUB_VERBOSE`.
    public static var xpubVerbose: Self { .init(ZMQ_XPUB_VERBOSE, "ZMQ_XPUB_VERBOSE", [.xpub], .bool) }

    /// Pass every subscribe and unsubscribe message up. Write-only.
    ///
    /// Only XPUB sockets take it, as ``xpubVerbose``.
    /// The corresponding C option is `ZMQ_XPUB_VERBOSER`.
    public static var xpubVerboser: Self { .init(ZMQ_XPUB_VERBOSER, "ZMQ_XPUB_VERBOSER", [.xpub], .bool) }

    /// Subscriptions take effect only when the application sends them back as
    /// subscription messages, so it decides what each subscriber gets. Write-only.
    ///
    /// Only XPUB sockets take it, as ``xpubVerbose``.
    /// The corresponding C option is `ZMQ_XPUB_MANUAL`.
    public static var xpubManual: Self { .init(ZMQ_XPUB_MANUAL, "ZMQ_XPUB_MANUAL", [.xpub], .bool) }
}

extension SocketOption where Kind: XPubOptionsSocketType, Value == [UInt8], Access == OptionAccess.WriteOnly {
    /// A message sent to each new subscriber when it connects (the subscriber must
    /// subscribe to it to receive it); empty for none. Write-only.
    ///
    /// Only XPUB sockets take it, as ``xpubVerbose``.
    /// The corresponding C option is `ZMQ_XPUB_WELCOME_MSG`.
    public static var xpubWelcomeMessage: Self {
        .init(ZMQ_XPUB_WELCOME_MSG, "ZMQ_XPUB_WELCOME_MSG", [.xpub], .bytes)
    }
}

extension SocketOption where Kind: NoDropSocketType, Value == Bool, Access == OptionAccess.WriteOnly {
    /// When a subscriber's queue is full, fail the send with ``ZMQError/again`` instead
    /// of dropping the message. Write-only.
    ///
    /// Only XPUB and PUB sockets take it: on another kind it does not compile, and a
    /// ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_XPUB_NODROP`.
    public static var xpubNoDrop: Self { .init(ZMQ_XPUB_NODROP, "ZMQ_XPUB_NODROP", [.xpub, .pub], .bool) }
}

extension SocketOption where Kind: StreamOptionsSocketType, Value == Bool, Access == OptionAccess.WriteOnly {
    /// Deliver the empty message that marks a peer's connection and disconnection;
    /// `true` by default. Write-only.
    ///
    /// Only STREAM sockets take it: on another kind it does not compile, and a
    /// ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_STREAM_NOTIFY`.
    public static var streamNotify: Self { .init(ZMQ_STREAM_NOTIFY, "ZMQ_STREAM_NOTIFY", [.stream], .bool) }
}

extension SocketOption where Kind: ConflatingSocketType, Value == Bool, Access == OptionAccess.ReadWrite {
    /// Keep only the last message in each queue, for single-part messages of the latest
    /// value.
    ///
    /// Only PUSH, PULL, PUB, SUB and DEALER sockets take it: on another kind it does not
    /// compile, and a ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_CONFLATE`.
    public static var conflate: Self {
        .init(ZMQ_CONFLATE, "ZMQ_CONFLATE", [.push, .pull, .pub, .sub, .dealer], .bool)
    }
}

extension SocketOption where Kind: FilteringSocketType, Value == Bool, Access == OptionAccess.ReadWrite {
    /// Deliver what does not match the subscriptions, and nothing that does; set it on
    /// both sides.
    ///
    /// Only PUB, XPUB, SUB and XSUB sockets take it: on another kind it does not compile,
    /// and a ``DynamicSocket`` of another kind throws ``ZMQError/notSupported``.
    /// The corresponding C option is `ZMQ_INVERT_MATCHING`.
    public static var invertMatching: Self {
        .init(ZMQ_INVERT_MATCHING, "ZMQ_INVERT_MATCHING", [.pub, .xpub, .sub, .xsub], .bool)
    }
}

// MARK: - The same options on the other kinds: compile errors that name the kinds

extension SocketOption {
    /// The body of the unavailable declarations below, which exist only for the
    /// compiler's message and so can never be called.
    static var unavailable: Self { preconditionFailure("an unavailable option was used") }
}

extension SocketOption where Value == Bool, Access == OptionAccess.WriteOnly {
    @available(*, unavailable, message: "ZMQ_ROUTER_MANDATORY is an option of ROUTER sockets only")
    public static var routerMandatory: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_ROUTER_HANDOVER is an option of ROUTER sockets only")
    public static var routerHandover: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_PROBE_ROUTER is an option of ROUTER, DEALER and REQ sockets only")
    public static var probeRouter: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_REQ_CORRELATE is an option of REQ sockets only")
    public static var requestCorrelate: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_REQ_RELAXED is an option of REQ sockets only")
    public static var requestRelaxed: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_XPUB_VERBOSE is an option of XPUB sockets only")
    public static var xpubVerbose: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_XPUB_VERBOSER is an option of XPUB sockets only")
    public static var xpubVerboser: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_XPUB_MANUAL is an option of XPUB sockets only")
    public static var xpubManual: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_XPUB_NODROP is an option of XPUB and PUB sockets only")
    public static var xpubNoDrop: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_STREAM_NOTIFY is an option of STREAM sockets only")
    public static var streamNotify: Self { unavailable }
}

extension SocketOption where Value == [UInt8], Access == OptionAccess.WriteOnly {
    @available(*, unavailable, message: "ZMQ_CONNECT_ROUTING_ID is an option of ROUTER and STREAM sockets only")
    public static var connectRoutingID: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_XPUB_WELCOME_MSG is an option of XPUB sockets only")
    public static var xpubWelcomeMessage: Self { unavailable }
}

extension SocketOption where Value == Bool, Access == OptionAccess.ReadWrite {
    @available(*, unavailable, message: "ZMQ_CONFLATE is an option of PUSH, PULL, PUB, SUB and DEALER sockets only")
    public static var conflate: Self { unavailable }

    @available(*, unavailable, message: "ZMQ_INVERT_MATCHING is an option of PUB, XPUB, SUB and XSUB sockets only")
    public static var invertMatching: Self { unavailable }
}
