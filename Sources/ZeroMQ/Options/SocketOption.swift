import CZeroMQ

/// Whether an option can be read, written, or both: the `Access` parameter of
/// ``SocketOption`` and ``ContextOption``.
///
/// ``Socket/setOption(_:_:)`` takes only options whose access is ``Writable`` and
/// ``Socket/option(_:)`` only those whose access is ``Readable``, so setting a read-only
/// option or reading a write-only one does not compile.
public enum OptionAccess {
    /// The access of an option that ``Socket/option(_:)`` and ``Context/option(_:)`` read.
    public protocol Readable {}
    /// The access of an option that ``Socket/setOption(_:_:)`` and
    /// ``Context/setOption(_:_:)`` write.
    public protocol Writable {}

    /// An option that is read and written, such as ``SocketOption/linger``.
    public enum ReadWrite: Readable, Writable {}
    /// An option that can only be read, such as ``SocketOption/type`` or
    /// ``SocketOption/lastEndpoint``.
    public enum ReadOnly: Readable {}
    /// An option that libzmq lets you set but not read back, such as
    /// ``SocketOption/routerMandatory``.
    public enum WriteOnly: Writable {}
}

/// A socket option, typed by the kinds of socket that have it, its value, and whether it
/// is read, written or both, in the manner of swift-nio's `ChannelOption`:
///
/// <!-- snippet: function; prelude: let context = try Context(); let socket = try DealerSocket(context) -->
/// ```swift
/// try socket.setOption(.linger, .zero)
/// try socket.setOption(.receiveHighWaterMark, 10_000)
/// let timeout = try socket.option(.receiveTimeout)
/// ```
///
/// - `Value` is the Swift type of the option's value: a value of another type does not
///   compile.
/// - `Access` is ``OptionAccess/ReadWrite``, ``OptionAccess/ReadOnly`` (``type``,
///   ``lastEndpoint``, ...: there is no `setOption` for them) or
///   ``OptionAccess/WriteOnly`` (``routerMandatory``, ...: libzmq cannot read them back).
/// - `Kind` is the socket's kind parameter. Options that every kind has are declared in
///   extensions that leave `Kind` free. Options that only some kinds have
///   (``routerMandatory``, ``conflate``, ...) are declared in extensions constrained to a
///   marker protocol (``RouterOptionsSocketType``, ``ConflatingSocketType``, ...) that
///   only those kinds conform to, so using one on another kind does not compile:
///
/// <!-- snippet: function; prelude: let context = try Context(); let push = try PushSocket(context) -->
/// ```swift
/// try push.setOption(.conflate, true)
/// // try router.setOption(.conflate, true)
/// // error: 'conflate' is unavailable: ZMQ_CONFLATE is an option of PUSH, PULL,
/// //        PUB, SUB and DEALER sockets only
/// ```
///
/// A ``DynamicSocket`` has every option; on a kind that lacks one it throws
/// ``ZMQError/notSupported``, naming the option and the kind.
///
/// ## Declaring an option
///
/// An option this package does not name (a newer libzmq's, a draft one) is declared
/// from its C number, its name and a ``SocketOptionCodec``, as a static member in an
/// extension that fixes its value and access, so that it reads as the named ones do:
///
/// <!-- snippet: main; prelude: let context = try Context(); let socket = try DealerSocket(context) -->
/// ```swift
/// extension SocketOption where Value == Int, Access == OptionAccess.ReadWrite {
///     /// ZMQ_SNDHWM, declared by hand.
///     static var mySendHighWaterMark: Self {
///         SocketOption(rawValue: 23, name: "ZMQ_SNDHWM", codec: .int32)
///     }
/// }
///
/// try socket.setOption(.mySendHighWaterMark, 5000)
/// ```
///
/// For sockets of one kind, a constant does as well:
/// `let option = SocketOption<SocketType.Dealer, Int, OptionAccess.ReadWrite>(rawValue: 23,
/// name: "ZMQ_SNDHWM", codec: .int32)`.
///
/// For an option of some kinds only, also constrain `Kind` and list the kinds, which a
/// ``DynamicSocket`` checks at run time:
///
/// <!-- snippet: file -->
/// ```swift
/// extension SocketOption
/// where Kind: RouterOptionsSocketType, Value == Int, Access == OptionAccess.ReadWrite {
///     /// ZMQ_ROUTER_NOTIFY, a draft option of ROUTER sockets.
///     static var routerNotify: Self {
///         SocketOption(rawValue: 97, name: "ZMQ_ROUTER_NOTIFY", kinds: [.router], codec: .int32)
///     }
/// }
/// ```
///
/// Used on another kind, such an option gets Swift's own compile error, "contextual
/// member reference to static property 'routerNotify' requires 'Self' constraint in the
/// protocol extension"; the options this package names also have an unavailable twin
/// for the other kinds, whose message names the kinds (Docs/Errors.md).
public struct SocketOption<Kind: SocketTypeProtocol, Value, Access>: Sendable {
    /// The libzmq option number, such as `ZMQ_LINGER`.
    public let rawValue: Int32
    /// The libzmq option name, such as `"ZMQ_LINGER"`, used in error messages.
    public let name: String
    /// The kinds libzmq supports the option on, checked for a ``DynamicSocket``; `nil`
    /// for an option every kind has.
    public let kinds: [SocketKind]?
    let codec: SocketOptionCodec<Value>

    /// An option from its libzmq number and name, whose value travels through `codec`.
    ///
    /// - Parameters:
    ///   - rawValue: The libzmq option number.
    ///   - name: The libzmq option name, for error messages.
    ///   - kinds: The kinds that have the option, or `nil` (the default) for every kind.
    ///   - codec: How the value converts to and from its C form.
    public init(rawValue: Int32, name: String, kinds: [SocketKind]? = nil, codec: SocketOptionCodec<Value>) {
        self.rawValue = rawValue
        self.name = name
        self.kinds = kinds
        self.codec = codec
    }
}

extension Socket {
    /// Sets a socket option.
    ///
    /// Only options whose access is ``OptionAccess/Writable`` and that `Kind` has
    /// compile here.
    ///
    /// - Parameters:
    ///   - option: The option, such as ``SocketOption/linger``.
    ///   - value: Its new value.
    /// - Throws: ``ZMQError/invalidArgument`` when libzmq refuses the value (the error
    ///   names the option and the value), ``ZMQError/notSupported`` on a
    ///   ``DynamicSocket`` whose kind lacks the option, ``ZMQError/notSocket`` after
    ///   ``close()``.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption<Value, Access: OptionAccess.Writable>(
        _ option: SocketOption<Kind, Value, Access>, _ value: Value
    ) throws(ZMQError) {
        try checkKind(option.kinds, option.name, "setsockopt")
        guard !isClosed else { throw closedError("setsockopt", option: option.name) }
        try withCalls("setsockopt") { calls throws(ZMQError) in
            try option.codec.set(calls, option.rawValue, option.name, value)
        }
    }

    /// Reads a socket option.
    ///
    /// Only options whose access is ``OptionAccess/Readable`` and that `Kind` has
    /// compile here.
    ///
    /// - Parameter option: The option, such as ``SocketOption/receiveTimeout``.
    /// - Returns: Its value.
    /// - Throws: ``ZMQError/notSupported`` on a ``DynamicSocket`` whose kind lacks the
    ///   option, ``ZMQError/notSocket`` after ``close()``.
    ///
    /// The corresponding C function is `zmq_getsockopt`.
    public func option<Value, Access: OptionAccess.Readable>(
        _ option: SocketOption<Kind, Value, Access>
    ) throws(ZMQError) -> Value {
        try checkKind(option.kinds, option.name, "getsockopt")
        guard !isClosed else { throw closedError("getsockopt", option: option.name) }
        return try withCalls("getsockopt") { calls throws(ZMQError) in
            try option.codec.get(calls, option.rawValue, option.name)
        }
    }

    /// For a ``DynamicSocket``, whose `Kind` has every option, the error for an option
    /// its run-time kind lacks. A typed kind has the option by its conformances.
    private func checkKind(_ kinds: [SocketKind]?, _ name: String, _ operation: String) throws(ZMQError) {
        guard let kinds, Kind.self == SocketType.Dynamic.self, !kinds.contains(kind) else { return }
        throw ZMQError(
            CZMQ_ENOTSUP, operation: operation, target: "\(name) on \(kind.name)",
            reason: "\(name) applies to \(kinds.map(\.name).joined(separator: ", ")) sockets, not \(kind.name)")
    }
}

/// How a Swift value travels through `zmq_setsockopt` and `zmq_getsockopt`: the C type
/// and the meaning libzmq gives its special values.
///
/// Use the codecs to declare an option swift-zeromq does not name
/// (``SocketOption/init(rawValue:name:kinds:codec:)``): `int32`, `int64`, ``uint64``,
/// ``bool``, ``string``, ``bytes``, and for time intervals ``timeout`` and ``limit``
/// (a ``Timeout``, where libzmq has an infinite value) and ``interval`` (a `Duration`,
/// where it has none).
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
        .scalar(Int32.self, encode: { $0.milliseconds }, decode: { Timeout(cValue: $0) })
    }

    /// Milliseconds in a C `int`, where libzmq's 0 means "no limit" (`ZMQ_HANDSHAKE_IVL`,
    /// `ZMQ_CONNECT_TIMEOUT`, `ZMQ_TCP_MAXRT`): ``Timeout/infinite`` travels as 0, and
    /// ``Timeout/zero``, which has no C spelling, throws ``ZMQError/invalidArgument``.
    public static var limit: Self {
        .scalar(
            Int32.self, reason: "libzmq reads 0 as no limit; use .infinite for none, or at least 1 ms",
            encode: { $0 == .zero ? nil : $0.isInfinite ? 0 : $0.milliseconds },
            decode: { $0 == 0 ? .infinite : Timeout(cValue: $0) })
    }
}

extension SocketOptionCodec where Value == Duration {
    /// Milliseconds in a C `int`, for an interval libzmq has no infinite value for; what
    /// 0 means is the option's (`ZMQ_RECONNECT_IVL_MAX`: no back-off,
    /// `ZMQ_HEARTBEAT_IVL`: no heartbeats). A `Duration` converts as ``Timeout/init(_:)``
    /// does: rounded up to whole milliseconds, a negative one is zero, and one longer than
    /// a C `int` of milliseconds (about 24 days) is clamped.
    public static var interval: Self {
        .scalar(Int32.self, encode: { Timeout($0).milliseconds }, decode: { .milliseconds($0) })
    }

    /// Milliseconds in a C `int` that libzmq keeps in deciseconds, in 0...6553.5 s
    /// (`ZMQ_HEARTBEAT_TTL`): the value is rounded to the nearest 100 ms first, and a
    /// longer one throws ``ZMQError/invalidArgument``.
    static var deciseconds: Self {
        .scalar(
            Int32.self, reason: "libzmq holds 0 to 6553.5 seconds, in tenths of a second",
            encode: { duration in
                let rounded = (Int(Timeout(duration).milliseconds) + 50) / 100 * 100
                return rounded <= Int(UInt16.max) * 100 ? Int32(rounded) : nil
            }, decode: { .milliseconds($0) })
    }
}

extension SocketOptionCodec where Value == Duration? {
    /// Whole seconds in a C `int`, where libzmq's -1 is `nil`, the operating system's
    /// default (`ZMQ_TCP_KEEPALIVE_IDLE`, `ZMQ_TCP_KEEPALIVE_INTVL`): a value is rounded
    /// up to whole seconds, and one that rounds to zero (`.zero`, or a negative one)
    /// throws ``ZMQError/invalidArgument``: libzmq takes 0 but then never completes a
    /// tcp connection with keep-alive on, as Linux refuses 0 for these.
    static var seconds: Self {
        .scalar(
            Int32.self,
            reason: "libzmq needs at least 1 second (0 makes every connection fail), or nil for the system's default",
            encode: { duration in
                guard let duration else { return -1 }
                let milliseconds = Timeout(duration).milliseconds
                let seconds = milliseconds / 1000 + (milliseconds % 1000 == 0 ? 0 : 1)
                return seconds > 0 ? seconds : nil
            }, decode: { $0 < 0 ? nil : .seconds($0) })
    }

    /// Milliseconds in a C `int`, where libzmq's -1, which it gives but does not take,
    /// is `nil` (`ZMQ_HEARTBEAT_TIMEOUT`, where it means "the heartbeat interval"):
    /// setting `nil` throws ``ZMQError/invalidArgument``.
    static var defaulted: Self {
        .scalar(
            Int32.self, reason: "libzmq cannot be given back its default (-1); set a duration",
            encode: { duration in duration.map { Timeout($0).milliseconds } },
            decode: { $0 < 0 ? nil : .milliseconds($0) })
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
