import CZeroMQ

/// A socket option that can be read and written, typed by its value, so that a value
/// of the wrong type does not compile:
///
/// ```swift
/// try socket.setOption(.linger, .zero)
/// try socket.setOption(.receiveHighWaterMark, 10_000)
/// let timeout = try socket.option(.receiveTimeout)
/// ```
///
/// Options that can only be read are ``ReadOnlySocketOption``s and have no setter.
public struct SocketOption<Value>: Sendable {
    /// The libzmq option number, such as `ZMQ_LINGER`.
    public let rawValue: Int32
    /// The libzmq option name, such as `"ZMQ_LINGER"`, used in error messages.
    public let name: String
    let codec: OptionCodec<Value>
}

/// A socket option that can only be read, such as `ZMQ_TYPE` or `ZMQ_LAST_ENDPOINT`.
public struct ReadOnlySocketOption<Value>: Sendable {
    /// The libzmq option number.
    public let rawValue: Int32
    /// The libzmq option name, used in error messages.
    public let name: String
    let codec: OptionCodec<Value>
}

/// A socket option that libzmq lets you set but not read back, such as
/// `ZMQ_ROUTER_MANDATORY`; it has no getter.
public struct WriteOnlySocketOption<Value>: Sendable {
    /// The libzmq option number.
    public let rawValue: Int32
    /// The libzmq option name, used in error messages.
    public let name: String
    let codec: OptionCodec<Value>
}

extension Socket {
    /// Sets a socket option.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` when libzmq refuses the value (the error
    ///   names the option and the value), ``ZMQError/notSocket`` after ``close()``.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZMQError) {
        let handle = try liveHandle("setsockopt")
        try option.codec.set(handle, option.rawValue, option.name, value)
    }

    /// Sets a socket option that cannot be read back.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption<Value>(_ option: WriteOnlySocketOption<Value>, _ value: Value) throws(ZMQError) {
        let handle = try liveHandle("setsockopt")
        try option.codec.set(handle, option.rawValue, option.name, value)
    }

    /// Reads a socket option. The corresponding C function is `zmq_getsockopt`.
    public func option<Value>(_ option: SocketOption<Value>) throws(ZMQError) -> Value {
        let handle = try liveHandle("getsockopt")
        return try option.codec.get(handle, option.rawValue, option.name)
    }

    /// Reads a read-only socket option. The corresponding C function is `zmq_getsockopt`.
    public func option<Value>(_ option: ReadOnlySocketOption<Value>) throws(ZMQError) -> Value {
        let handle = try liveHandle("getsockopt")
        return try option.codec.get(handle, option.rawValue, option.name)
    }
}

/// How a Swift value travels through `zmq_setsockopt` and `zmq_getsockopt`.
struct OptionCodec<Value>: Sendable {
    let get: @Sendable (UnsafeMutableRawPointer, Int32, String) throws(ZMQError) -> Value
    let set: @Sendable (UnsafeMutableRawPointer, Int32, String, Value) throws(ZMQError) -> Void
}

extension OptionCodec {
    /// A fixed-size C value (`int`, `int64_t`, `uint64_t`) converted to and from `Value`.
    static func scalar<C: FixedWidthInteger & Sendable>(
        _: C.Type, encode: @escaping @Sendable (Value) -> C?, decode: @escaping @Sendable (C) -> Value
    ) -> OptionCodec {
        OptionCodec(
            get: { handle, option, name throws(ZMQError) in
                var raw = C.zero
                var size = MemoryLayout<C>.size
                if zmq_getsockopt(handle, option, &raw, &size) != 0 {
                    throw ZMQError.last("getsockopt", target: name)
                }
                return decode(raw)
            },
            set: { handle, option, name, value throws(ZMQError) in
                guard var raw = encode(value) else {
                    throw ZMQError(
                        EINVAL, operation: "setsockopt", target: "\(name) = \(value)",
                        reason: "the value does not fit a C \(C.self)")
                }
                if zmq_setsockopt(handle, option, &raw, MemoryLayout<C>.size) != 0 {
                    throw ZMQError.last("setsockopt", target: "\(name) = \(value)")
                }
            })
    }

    /// A byte string, read into a buffer of up to `capacity` bytes.
    static func bytes(
        capacity: Int, encode: @escaping @Sendable (Value) -> [UInt8],
        decode: @escaping @Sendable ([UInt8]) -> Value
    ) -> OptionCodec {
        OptionCodec(
            get: { handle, option, name throws(ZMQError) in
                var buffer = [UInt8](repeating: 0, count: capacity)
                var size = capacity
                let rc = buffer.withUnsafeMutableBytes { zmq_getsockopt(handle, option, $0.baseAddress, &size) }
                if rc != 0 {
                    throw ZMQError.last("getsockopt", target: name)
                }
                return decode(Array(buffer.prefix(size)))
            },
            set: { handle, option, name, value throws(ZMQError) in
                let raw = encode(value)
                let rc = raw.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
                if rc != 0 {
                    throw ZMQError.last("setsockopt", target: "\(name) = \(value)")
                }
            })
    }
}

extension OptionCodec where Value == Int {
    static var int32: Self { .scalar(Int32.self, encode: { Int32(exactly: $0) }, decode: { Int($0) }) }
    static var int64: Self { .scalar(Int64.self, encode: { Int64(exactly: $0) }, decode: { Int($0) }) }
}

extension OptionCodec where Value == Bool {
    static var bool: Self { .scalar(Int32.self, encode: { $0 ? 1 : 0 }, decode: { $0 != 0 }) }
}

extension OptionCodec where Value == Timeout {
    /// A limit where libzmq's -1 is infinite and 0 is "do not wait" (`ZMQ_LINGER`,
    /// `ZMQ_SNDTIMEO`, `ZMQ_RCVTIMEO`): the C value is the `Timeout`'s own.
    static var timeout: Self {
        .scalar(Int32.self, encode: { $0.milliseconds }, decode: { Timeout(milliseconds: $0) })
    }

    /// A limit where libzmq's 0 means "no limit" (`ZMQ_HANDSHAKE_IVL`,
    /// `ZMQ_CONNECT_TIMEOUT`): `.infinite` travels as 0, and `.zero` has no C spelling.
    static var limit: Self {
        let plain = OptionCodec.scalar(
            Int32.self, encode: { $0.isInfinite ? 0 : $0.milliseconds },
            decode: { $0 == 0 ? .infinite : Timeout(milliseconds: $0) })
        return OptionCodec(
            get: plain.get,
            set: { handle, option, name, value throws(ZMQError) in
                guard value != .zero else {
                    throw ZMQError(
                        EINVAL, operation: "setsockopt", target: "\(name) = \(value)",
                        reason: "libzmq reads 0 as no limit; use .infinite for none, or at least 1 ms")
                }
                try plain.set(handle, option, name, value)
            })
    }
}

extension OptionCodec where Value == String {
    /// A C string; libzmq reports its length including the terminating NUL.
    static var string: Self {
        .bytes(
            capacity: 1024, encode: { Array($0.utf8) + [0] },
            decode: { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            })
    }
}

extension OptionCodec where Value == [UInt8] {
    static var binary: Self { .bytes(capacity: 256, encode: { $0 }, decode: { $0 }) }
}

// MARK: - The options

extension SocketOption {
    init(_ rawValue: Int32, _ name: String, _ codec: OptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, codec: codec)
    }
}

extension ReadOnlySocketOption {
    init(_ rawValue: Int32, _ name: String, _ codec: OptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, codec: codec)
    }
}

extension WriteOnlySocketOption {
    init(_ rawValue: Int32, _ name: String, _ codec: OptionCodec<Value>) {
        self.init(rawValue: rawValue, name: name, codec: codec)
    }
}

extension SocketOption where Value == Timeout {
    /// How long a closed socket keeps trying to send its pending messages. New sockets
    /// get ``Context/defaultLinger``. The corresponding C option is `ZMQ_LINGER`.
    public static var linger: Self { .init(ZMQ_LINGER, "ZMQ_LINGER", .timeout) }

    /// How long a blocking send waits before throwing ``ZMQError/again``.
    /// The corresponding C option is `ZMQ_SNDTIMEO`.
    public static var sendTimeout: Self { .init(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO", .timeout) }

    /// How long a blocking receive waits before throwing ``ZMQError/again``.
    /// The corresponding C option is `ZMQ_RCVTIMEO`.
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
}

extension SocketOption where Value == Int {
    /// The most messages queued for sending to one peer; 0 means no limit.
    /// The corresponding C option is `ZMQ_SNDHWM`.
    public static var sendHighWaterMark: Self { .init(ZMQ_SNDHWM, "ZMQ_SNDHWM", .int32) }

    /// The most messages queued on receipt from one peer; 0 means no limit.
    /// The corresponding C option is `ZMQ_RCVHWM`.
    public static var receiveHighWaterMark: Self { .init(ZMQ_RCVHWM, "ZMQ_RCVHWM", .int32) }

    /// The largest message a peer may send, in bytes; -1 means no limit.
    /// The corresponding C option is `ZMQ_MAXMSGSIZE`.
    public static var maxMessageSize: Self { .init(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE", .int64) }

    /// The first reconnection interval, in milliseconds; -1 disables reconnection.
    /// The corresponding C option is `ZMQ_RECONNECT_IVL`.
    public static var reconnectInterval: Self { .init(ZMQ_RECONNECT_IVL, "ZMQ_RECONNECT_IVL", .int32) }

    /// The longest reconnection interval, in milliseconds, for exponential back-off.
    /// The corresponding C option is `ZMQ_RECONNECT_IVL_MAX`.
    public static var reconnectIntervalMax: Self {
        .init(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX", .int32)
    }

    /// The length of the queue of pending connections. The corresponding C option is
    /// `ZMQ_BACKLOG`.
    public static var backlog: Self { .init(ZMQ_BACKLOG, "ZMQ_BACKLOG", .int32) }

    /// The kernel send buffer size in bytes; -1 keeps the OS default.
    /// The corresponding C option is `ZMQ_SNDBUF`.
    public static var sendBufferSize: Self { .init(ZMQ_SNDBUF, "ZMQ_SNDBUF", .int32) }

    /// The kernel receive buffer size in bytes; -1 keeps the OS default.
    /// The corresponding C option is `ZMQ_RCVBUF`.
    public static var receiveBufferSize: Self { .init(ZMQ_RCVBUF, "ZMQ_RCVBUF", .int32) }

    /// TCP keep-alive: -1 the OS default, 0 off, 1 on.
    /// The corresponding C option is `ZMQ_TCP_KEEPALIVE`.
    public static var tcpKeepalive: Self { .init(ZMQ_TCP_KEEPALIVE, "ZMQ_TCP_KEEPALIVE", .int32) }

    /// The interval between ZMTP heartbeats, in milliseconds; 0 disables them.
    /// The corresponding C option is `ZMQ_HEARTBEAT_IVL`.
    public static var heartbeatInterval: Self { .init(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", .int32) }

    /// How long to wait for a heartbeat reply before closing the connection, in
    /// milliseconds. The corresponding C option is `ZMQ_HEARTBEAT_TIMEOUT`.
    public static var heartbeatTimeout: Self {
        .init(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", .int32)
    }
}

extension SocketOption where Value == Bool {
    /// Queue messages only to completed connections. The corresponding C option is
    /// `ZMQ_IMMEDIATE`.
    public static var immediate: Self { .init(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", .bool) }

    /// Use IPv6 as well as IPv4. The corresponding C option is `ZMQ_IPV6`.
    public static var ipv6: Self { .init(ZMQ_IPV6, "ZMQ_IPV6", .bool) }

    /// Keep only the last message in each queue. The corresponding C option is
    /// `ZMQ_CONFLATE`.
    public static var conflate: Self { .init(ZMQ_CONFLATE, "ZMQ_CONFLATE", .bool) }

    /// PUB, XPUB, SUB, XSUB: deliver what does not match the subscriptions.
    /// The corresponding C option is `ZMQ_INVERT_MATCHING`.
    public static var invertMatching: Self { .init(ZMQ_INVERT_MATCHING, "ZMQ_INVERT_MATCHING", .bool) }
}

extension WriteOnlySocketOption where Value == Bool {
    /// ROUTER: fail with ``ZMQError/hostUnreachable`` instead of dropping a message for
    /// an unknown peer. The corresponding C option is `ZMQ_ROUTER_MANDATORY`.
    public static var routerMandatory: Self { .init(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", .bool) }

    /// REQ: match replies to requests, so a request can be resent.
    /// The corresponding C option is `ZMQ_REQ_CORRELATE`.
    public static var requestCorrelate: Self { .init(ZMQ_REQ_CORRELATE, "ZMQ_REQ_CORRELATE", .bool) }

    /// REQ: allow sending a new request without waiting for the reply.
    /// The corresponding C option is `ZMQ_REQ_RELAXED`.
    public static var requestRelaxed: Self { .init(ZMQ_REQ_RELAXED, "ZMQ_REQ_RELAXED", .bool) }

    /// XPUB: pass every subscription message up, not only new ones.
    /// The corresponding C option is `ZMQ_XPUB_VERBOSE`.
    public static var xpubVerbose: Self { .init(ZMQ_XPUB_VERBOSE, "ZMQ_XPUB_VERBOSE", .bool) }
}

extension SocketOption where Value == [UInt8] {
    /// The socket's routing id, seen by ROUTER peers; 1 to 255 bytes.
    /// The corresponding C option is `ZMQ_ROUTING_ID`.
    public static var routingID: Self { .init(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", .binary) }
}

extension ReadOnlySocketOption where Value == Int {
    /// The libzmq socket type, such as `ZMQ_PUB`. The corresponding C option is
    /// `ZMQ_TYPE`.
    public static var type: Self { .init(ZMQ_TYPE, "ZMQ_TYPE", .int32) }
}

extension ReadOnlySocketOption where Value == Bool {
    /// Whether the frame received last has more frames after it. The corresponding C
    /// option is `ZMQ_RCVMORE`.
    public static var receiveMore: Self { .init(ZMQ_RCVMORE, "ZMQ_RCVMORE", .bool) }
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
    public static var fileDescriptor: Self {
        .init(ZMQ_FD, "ZMQ_FD", .scalar(Int32.self, encode: { $0 }, decode: { $0 }))
    }
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

/// Readiness of a socket: what it can do without blocking.
/// The corresponding C flags are `ZMQ_POLLIN`, `ZMQ_POLLOUT` and `ZMQ_POLLERR`.
public struct PollEvents: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// At least one message can be received. The C flag is `ZMQ_POLLIN`.
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent. The C flag is `ZMQ_POLLOUT`.
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition (for file descriptors polled alongside sockets).
    /// The C flag is `ZMQ_POLLERR`.
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))

    /// The set flags, such as `[readable, writable]`.
    public var description: String {
        let names = [(PollEvents.readable, "readable"), (.writable, "writable"), (.error, "error")]
            .filter { contains($0.0) }.map(\.1)
        return "[" + names.joined(separator: ", ") + "]"
    }
}
