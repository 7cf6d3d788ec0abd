import CZeroMQ

/// A socket option that every kind of socket has, read and written, typed by its value,
/// so that a value of the wrong type does not compile:
///
/// ```swift
/// try socket.setOption(.linger, .zero)
/// try socket.setOption(.receiveHighWaterMark, 10_000)
/// let timeout = try socket.option(.receiveTimeout)
/// ```
///
/// Options that can only be read are ``ReadOnlySocketOption``s and have no setter;
/// options libzmq can only write are ``WriteOnlySocketOption``s and have no getter.
/// Options that belong to some kinds of socket only are ``KindSocketOption``s and
/// ``WriteOnlyKindSocketOption``s, which exist only on those kinds.
///
/// An option this package does not name (a newer libzmq's, a draft one) can be declared
/// from its C number and a ``SocketOptionCodec``:
///
/// ```swift
/// let sendHighWaterMark = SocketOption<Int>(rawValue: 23, name: "ZMQ_SNDHWM", codec: .int32)
/// try socket.setOption(sendHighWaterMark, 5000)
/// ```
public struct SocketOption<Value>: Sendable {
    /// The libzmq option number, such as `ZMQ_LINGER`.
    public let rawValue: Int32
    /// The libzmq option name, such as `"ZMQ_LINGER"`, used in error messages.
    public let name: String
    let codec: SocketOptionCodec<Value>

    /// An option from its libzmq number and name, whose value travels through `codec`.
    public init(rawValue: Int32, name: String, codec: SocketOptionCodec<Value>) {
        self.rawValue = rawValue
        self.name = name
        self.codec = codec
    }
}

/// A socket option that can only be read, such as `ZMQ_TYPE` or `ZMQ_LAST_ENDPOINT`.
public struct ReadOnlySocketOption<Value>: Sendable {
    /// The libzmq option number.
    public let rawValue: Int32
    /// The libzmq option name, used in error messages.
    public let name: String
    let codec: SocketOptionCodec<Value>

    /// An option from its libzmq number and name, whose value travels through `codec`.
    public init(rawValue: Int32, name: String, codec: SocketOptionCodec<Value>) {
        self.rawValue = rawValue
        self.name = name
        self.codec = codec
    }
}

/// A socket option that libzmq lets every kind of socket set but not read back; it has
/// no getter. swift-zeromq names none (the write-only options of libzmq 4.3 belong to
/// some kinds only: see ``WriteOnlyKindSocketOption``), but one can be declared.
public struct WriteOnlySocketOption<Value>: Sendable {
    /// The libzmq option number.
    public let rawValue: Int32
    /// The libzmq option name, used in error messages.
    public let name: String
    let codec: SocketOptionCodec<Value>

    /// An option from its libzmq number and name, whose value travels through `codec`.
    public init(rawValue: Int32, name: String, codec: SocketOptionCodec<Value>) {
        self.rawValue = rawValue
        self.name = name
        self.codec = codec
    }
}

/// A socket option, read and written, that only some kinds of socket have, such as
/// ``conflate`` (PUSH, PULL, PUB, SUB, DEALER) or ``invertMatching`` (PUB, XPUB, SUB,
/// XSUB).
///
/// `Kind` is the socket's kind: each option is declared in an extension constrained to
/// a marker protocol (``ConflatingSocketType``, ``FilteringSocketType``) that only the
/// kinds libzmq supports it on conform to, so using it on another kind does not
/// compile:
///
/// ```swift
/// try push.setOption(.conflate, true)
/// // try router.setOption(.conflate, true)   // does not compile
/// ```
///
/// A ``DynamicSocket`` has every option; on a kind that lacks it, it throws
/// ``ZMQError/notSupported``, naming the option and the kind.
public struct KindSocketOption<Kind: SocketTypeProtocol, Value>: Sendable {
    /// The libzmq option number.
    public let rawValue: Int32
    /// The libzmq option name, used in error messages.
    public let name: String
    /// The kinds libzmq supports the option on, checked for a ``DynamicSocket``.
    public let kinds: [SocketKind]
    let codec: SocketOptionCodec<Value>

    /// An option from its libzmq number and name, for the `kinds` that support it.
    public init(rawValue: Int32, name: String, kinds: [SocketKind], codec: SocketOptionCodec<Value>) {
        self.rawValue = rawValue
        self.name = name
        self.kinds = kinds
        self.codec = codec
    }
}

/// A socket option that only some kinds of socket have and that libzmq lets you set but
/// not read back, such as ``routerMandatory`` on ROUTER or ``xpubVerbose`` on XPUB; it
/// has no getter, and, as ``KindSocketOption``, it does not compile on other kinds.
public struct WriteOnlyKindSocketOption<Kind: SocketTypeProtocol, Value>: Sendable {
    /// The libzmq option number.
    public let rawValue: Int32
    /// The libzmq option name, used in error messages.
    public let name: String
    /// The kinds libzmq supports the option on, checked for a ``DynamicSocket``.
    public let kinds: [SocketKind]
    let codec: SocketOptionCodec<Value>

    /// An option from its libzmq number and name, for the `kinds` that support it.
    public init(rawValue: Int32, name: String, kinds: [SocketKind], codec: SocketOptionCodec<Value>) {
        self.rawValue = rawValue
        self.name = name
        self.kinds = kinds
        self.codec = codec
    }
}

extension Socket {
    /// Sets a socket option.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` when libzmq refuses the value (the error
    ///   names the option and the value), ``ZMQError/notSocket`` after ``close()``.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZMQError) {
        try withCalls("setsockopt") { calls throws(ZMQError) in
            try option.codec.set(calls, option.rawValue, option.name, value)
        }
    }

    /// Sets a socket option that cannot be read back.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption<Value>(_ option: WriteOnlySocketOption<Value>, _ value: Value) throws(ZMQError) {
        try withCalls("setsockopt") { calls throws(ZMQError) in
            try option.codec.set(calls, option.rawValue, option.name, value)
        }
    }

    /// Sets an option of this kind of socket.
    ///
    /// - Throws: as ``setOption(_:_:)-(SocketOption<Value>,_)``, and
    ///   ``ZMQError/notSupported`` on a ``DynamicSocket`` whose kind lacks the option.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption<Value>(_ option: KindSocketOption<Kind, Value>, _ value: Value) throws(ZMQError) {
        try checkKind(option.kinds, option.name, "setsockopt")
        try withCalls("setsockopt") { calls throws(ZMQError) in
            try option.codec.set(calls, option.rawValue, option.name, value)
        }
    }

    /// Sets an option of this kind of socket that cannot be read back.
    ///
    /// - Throws: as ``setOption(_:_:)-(SocketOption<Value>,_)``, and
    ///   ``ZMQError/notSupported`` on a ``DynamicSocket`` whose kind lacks the option.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption<Value>(_ option: WriteOnlyKindSocketOption<Kind, Value>, _ value: Value) throws(ZMQError) {
        try checkKind(option.kinds, option.name, "setsockopt")
        try withCalls("setsockopt") { calls throws(ZMQError) in
            try option.codec.set(calls, option.rawValue, option.name, value)
        }
    }

    /// Reads a socket option. The corresponding C function is `zmq_getsockopt`.
    public func option<Value>(_ option: SocketOption<Value>) throws(ZMQError) -> Value {
        return try withCalls("getsockopt") { calls throws(ZMQError) in
            try option.codec.get(calls, option.rawValue, option.name)
        }
    }

    /// Reads a read-only socket option. The corresponding C function is `zmq_getsockopt`.
    public func option<Value>(_ option: ReadOnlySocketOption<Value>) throws(ZMQError) -> Value {
        return try withCalls("getsockopt") { calls throws(ZMQError) in
            try option.codec.get(calls, option.rawValue, option.name)
        }
    }

    /// Reads an option of this kind of socket.
    ///
    /// - Throws: ``ZMQError/notSupported`` on a ``DynamicSocket`` whose kind lacks the
    ///   option.
    ///
    /// The corresponding C function is `zmq_getsockopt`.
    public func option<Value>(_ option: KindSocketOption<Kind, Value>) throws(ZMQError) -> Value {
        try checkKind(option.kinds, option.name, "getsockopt")
        return try withCalls("getsockopt") { calls throws(ZMQError) in
            try option.codec.get(calls, option.rawValue, option.name)
        }
    }

    /// For a ``DynamicSocket``, whose `Kind` has every option, the error for an option
    /// its run-time kind lacks. A typed kind has the option by its conformances.
    private func checkKind(_ kinds: [SocketKind], _ name: String, _ operation: String) throws(ZMQError) {
        guard Kind.self == SocketType.Dynamic.self, !kinds.contains(kind) else { return }
        throw ZMQError(
            CZMQ_ENOTSUP, operation: operation, target: "\(name) on \(kind.name)",
            reason: "\(name) applies to \(kinds.map(\.name).joined(separator: ", ")) sockets, not \(kind.name)")
    }
}

/// How a Swift value travels through `zmq_setsockopt` and `zmq_getsockopt`: the C type
/// and the meaning libzmq gives its special values.
///
/// Use the codecs to declare an option swift-zeromq does not name
/// (``SocketOption/init(rawValue:name:codec:)``): `int32`, `int64`, ``uint64``,
/// ``bool``, ``string``, ``bytes``, and for time intervals ``timeout``, ``limit`` and
/// ``interval``.
public struct SocketOptionCodec<Value>: Sendable {
    let get: @Sendable (SocketCalls, Int32, String) throws(ZMQError) -> Value
    let set: @Sendable (SocketCalls, Int32, String, Value) throws(ZMQError) -> Void
}

extension SocketOptionCodec {
    /// A fixed-size C value (`int`, `int64_t`, `uint64_t`) converted to and from `Value`;
    /// `encode` returns `nil` for a value the C type cannot hold, with `reason`.
    static func scalar<C: FixedWidthInteger & Sendable>(
        _: C.Type, reason: String? = nil, encode: @escaping @Sendable (Value) -> C?,
        decode: @escaping @Sendable (C) throws(ZMQError) -> Value
    ) -> SocketOptionCodec {
        SocketOptionCodec(
            get: { calls, option, name throws(ZMQError) in
                var raw = C.zero
                var size = 0
                if let error = withUnsafeMutableBytes(of: &raw, { calls.getOption(option, into: $0, size: &size) }) {
                    throw ZMQError(error.code, operation: "getsockopt", target: name)
                }
                return try decode(raw)
            },
            set: { calls, option, name, value throws(ZMQError) in
                guard let raw = encode(value) else {
                    throw ZMQError(
                        EINVAL, operation: "setsockopt", target: "\(name) = \(value)",
                        reason: reason ?? "the value does not fit a C \(C.self)")
                }
                if let error = withUnsafeBytes(of: raw, { calls.setOption(option, $0) }) {
                    throw ZMQError(error.code, operation: "setsockopt", target: "\(name) = \(value)")
                }
            })
    }

    /// A byte string, read into a buffer of up to `capacity` bytes.
    static func buffer(
        capacity: Int, encode: @escaping @Sendable (Value) -> [UInt8],
        decode: @escaping @Sendable ([UInt8]) -> Value
    ) -> SocketOptionCodec {
        SocketOptionCodec(
            get: { calls, option, name throws(ZMQError) in
                var buffer = [UInt8](repeating: 0, count: capacity)
                var size = 0
                if let error = buffer.withUnsafeMutableBytes({ calls.getOption(option, into: $0, size: &size) }) {
                    throw ZMQError(error.code, operation: "getsockopt", target: name)
                }
                return decode(Array(buffer.prefix(size)))
            },
            set: { calls, option, name, value throws(ZMQError) in
                let raw = encode(value)
                if let error = raw.withUnsafeBytes({ calls.setOption(option, $0) }) {
                    throw ZMQError(error.code, operation: "setsockopt", target: "\(name) = \(value)")
                }
            })
    }
}

extension SocketOptionCodec where Value == Int {
    /// A C `int`; a value outside its range throws ``ZMQError/invalidArgument``.
    public static var int32: Self { .scalar(Int32.self, encode: { Int32(exactly: $0) }, decode: { Int($0) }) }
    /// A C `int64_t`.
    public static var int64: Self { .scalar(Int64.self, encode: { Int64(exactly: $0) }, decode: { Int($0) }) }
}

extension SocketOptionCodec where Value == Int32 {
    /// A C `int`.
    public static var int32: Self { .scalar(Int32.self, encode: { $0 }, decode: { $0 }) }
}

extension SocketOptionCodec where Value == Int64 {
    /// A C `int64_t`.
    public static var int64: Self { .scalar(Int64.self, encode: { $0 }, decode: { $0 }) }
}

extension SocketOptionCodec where Value == UInt64 {
    /// A C `uint64_t`.
    public static var uint64: Self { .scalar(UInt64.self, encode: { $0 }, decode: { $0 }) }
}

extension SocketOptionCodec where Value == Bool {
    /// A C `int` that is 0 or 1.
    public static var bool: Self { .scalar(Int32.self, encode: { $0 ? 1 : 0 }, decode: { $0 != 0 }) }
}

extension SocketOptionCodec where Value == Bool? {
    /// A C `int` that is 0 or 1, or -1 for "the operating system's default" (`nil`).
    static var tristate: Self {
        .scalar(Int32.self, encode: { $0.map { $0 ? 1 : 0 } ?? -1 }, decode: { $0 < 0 ? nil : $0 != 0 })
    }
}

extension SocketOptionCodec where Value == Timeout {
    /// Milliseconds in a C `int`, where libzmq's -1 is ``Timeout/infinite`` and 0 is
    /// ``Timeout/zero``: the C value is the `Timeout`'s own (`ZMQ_LINGER`,
    /// `ZMQ_SNDTIMEO`, `ZMQ_RCVTIMEO`, `ZMQ_RECONNECT_IVL`).
    public static var timeout: Self {
        .scalar(Int32.self, encode: { $0.milliseconds }, decode: { Timeout(milliseconds: $0) })
    }

    /// Milliseconds in a C `int`, where libzmq's 0 means "no limit" (`ZMQ_HANDSHAKE_IVL`,
    /// `ZMQ_CONNECT_TIMEOUT`, `ZMQ_TCP_MAXRT`): ``Timeout/infinite`` travels as 0, and
    /// ``Timeout/zero``, which has no C spelling, throws ``ZMQError/invalidArgument``.
    public static var limit: Self {
        .scalar(
            Int32.self, reason: "libzmq reads 0 as no limit; use .infinite for none, or at least 1 ms",
            encode: { $0 == .zero ? nil : $0.isInfinite ? 0 : $0.milliseconds },
            decode: { $0 == 0 ? .infinite : Timeout(milliseconds: $0) })
    }

    /// Milliseconds in a C `int` that must be finite; what 0 means is the option's
    /// (`ZMQ_RECONNECT_IVL_MAX`: no back-off, `ZMQ_HEARTBEAT_IVL`: no heartbeats).
    /// ``Timeout/infinite`` throws ``ZMQError/invalidArgument``.
    public static var interval: Self {
        .scalar(
            Int32.self, reason: "libzmq has no infinite value for this option",
            encode: { $0.isInfinite ? nil : $0.milliseconds }, decode: { Timeout(milliseconds: $0) })
    }

    /// Milliseconds in a C `int` that libzmq keeps in deciseconds, in 0...6553.5 s
    /// (`ZMQ_HEARTBEAT_TTL`): the value is rounded to the nearest 100 ms first, and
    /// ``Timeout/infinite`` throws ``ZMQError/invalidArgument``.
    static var deciseconds: Self {
        .scalar(
            Int32.self, reason: "libzmq holds 0 to 6553.5 seconds, in tenths of a second",
            encode: { timeout in
                guard !timeout.isInfinite else { return nil }
                let rounded = (Int(timeout.milliseconds) + 50) / 100 * 100
                return rounded <= Int(UInt16.max) * 100 ? Int32(rounded) : nil
            }, decode: { Timeout(milliseconds: $0) })
    }
}

extension SocketOptionCodec where Value == Timeout? {
    /// Whole seconds in a C `int`, where libzmq's -1 is `nil`, the operating system's
    /// default (`ZMQ_TCP_KEEPALIVE_IDLE`, `ZMQ_TCP_KEEPALIVE_INTVL`): a value is rounded
    /// up to whole seconds, and ``Timeout/infinite`` throws ``ZMQError/invalidArgument``.
    static var seconds: Self {
        .scalar(
            Int32.self, reason: "libzmq takes whole seconds, or nil for the system's default",
            encode: { timeout in
                guard let timeout else { return -1 }
                guard !timeout.isInfinite else { return nil }
                return (timeout.milliseconds / 1000) + (timeout.milliseconds % 1000 == 0 ? 0 : 1)
            }, decode: { $0 < 0 ? nil : .seconds(Int($0)) })
    }

    /// Milliseconds in a C `int`, where libzmq's -1, which it gives but does not take,
    /// is `nil` (`ZMQ_HEARTBEAT_TIMEOUT`, where it means "the heartbeat interval").
    static var defaulted: Self {
        .scalar(
            Int32.self, reason: "libzmq cannot be given back its default (-1); set a finite value",
            encode: { timeout in
                guard let timeout, !timeout.isInfinite else { return nil }
                return timeout.milliseconds
            }, decode: { $0 < 0 ? nil : Timeout(milliseconds: $0) })
    }
}

extension SocketOptionCodec where Value == String {
    /// A string: set as its UTF-8 bytes, with the length and no terminating NUL (libzmq
    /// keeps every byte it is given, so a NUL would become part of a PLAIN username or a
    /// ZAP domain); read back as the C string libzmq reports, NUL included.
    public static var string: Self {
        .buffer(
            capacity: 1024, encode: { Array($0.utf8) },
            decode: { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            })
    }
}

extension SocketOptionCodec where Value == [UInt8] {
    /// Binary data of up to 255 bytes, as libzmq's routing ids.
    public static var bytes: Self { .buffer(capacity: 256, encode: { $0 }, decode: { $0 }) }
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
