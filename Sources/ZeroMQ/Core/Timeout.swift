/// A libzmq time limit in milliseconds that may be infinite: the value of the options
/// where libzmq has an infinite value, and of ``Socket/close(linger:)`` and
/// ``Context/init(defaultLinger:)``.
///
/// Only ``infinite`` is infinite: every negative value, whether given in milliseconds,
/// seconds or as a `Duration`, is ``zero``, so that a deadline computed a little late
/// means "do not wait" rather than "wait forever".
///
/// <!-- snippet: function; prelude: let context = try Context(); let socket = try DealerSocket(context) -->
/// ```swift
/// try socket.setOption(.receiveTimeout, .milliseconds(250))
/// try socket.setOption(.linger, .zero)
/// try socket.setOption(.sendTimeout, Timeout(.seconds(2)))
/// try socket.setOption(.reconnectInterval, .infinite)   // never reconnect
/// ```
///
/// The options that take a `Timeout` are ``SocketOption/linger``,
/// ``SocketOption/sendTimeout``, ``SocketOption/receiveTimeout``,
/// ``SocketOption/reconnectInterval``, ``SocketOption/handshakeInterval``,
/// ``SocketOption/connectTimeout`` and ``SocketOption/tcpMaxRetransmitTimeout``; each
/// one's documentation says what libzmq's special values mean for it. Intervals libzmq
/// has no infinite value for (``SocketOption/heartbeatInterval`` and the like) take a
/// `Duration`.
public struct Timeout: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The limit in milliseconds, as libzmq takes it: -1 for ``infinite``, otherwise 0
    /// or more.
    public let milliseconds: Int32

    /// The C value itself, unchecked.
    @usableFromInline
    init(raw: Int32) {
        self.milliseconds = raw
    }

    /// A limit of `milliseconds`; a negative value is ``zero`` (only ``infinite`` is
    /// infinite).
    @inlinable
    public init(milliseconds: Int32) {
        self.init(raw: max(0, milliseconds))
    }

    /// A limit from a `Duration`, rounded up to whole milliseconds and clamped to what
    /// libzmq can represent; a negative `Duration` is ``zero``.
    ///
    /// This is the one conversion from `Duration` to libzmq's milliseconds that
    /// swift-zeromq uses.
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) {
            self.init(raw: 0)
            return
        }
        let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        let total = overflow ? Int64.max : fromSeconds.addingReportingOverflow(fraction).partialValue
        self.init(raw: Int32(clamping: total))
    }

    /// A value libzmq gave: its -1 (any negative value) is ``infinite``.
    init(cValue: Int32) {
        self.init(raw: cValue < 0 ? -1 : cValue)
    }

    /// No limit: wait forever. libzmq spells it -1 (or, for the options where 0 means
    /// "no limit", 0).
    public static let infinite = Timeout(raw: -1)

    /// No waiting at all.
    public static let zero = Timeout(raw: 0)

    /// A limit of `value` milliseconds, clamped to what libzmq can represent; a negative
    /// value is ``zero``.
    public static func milliseconds(_ value: Int) -> Timeout {
        Timeout(raw: Int32(clamping: max(0, value)))
    }

    /// A limit of `value` seconds, clamped to what libzmq can represent; a negative value
    /// is ``zero``.
    public static func seconds(_ value: Int) -> Timeout {
        let (milliseconds, overflow) = max(0, value).multipliedReportingOverflow(by: 1000)
        return Timeout(raw: Int32(clamping: overflow ? Int.max : milliseconds))
    }

    /// Whether this is ``infinite``.
    public var isInfinite: Bool { milliseconds < 0 }

    /// The limit as a `Duration`, or `nil` when it is infinite.
    public var duration: Duration? {
        isInfinite ? nil : .milliseconds(milliseconds)
    }

    public var description: String {
        isInfinite ? "infinite" : "\(milliseconds) ms"
    }

    /// Infinite compares greater than every finite limit.
    public static func < (lhs: Timeout, rhs: Timeout) -> Bool {
        switch (lhs.isInfinite, rhs.isInfinite) {
        case (true, _): false
        case (false, true): true
        case (false, false): lhs.milliseconds < rhs.milliseconds
        }
    }
}
