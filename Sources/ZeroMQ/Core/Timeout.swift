/// A libzmq time limit in milliseconds, where -1 means "wait forever".
///
/// Every time interval of the socket options is a `Timeout`, such as
/// ``SocketOption/linger``, ``SocketOption/receiveTimeout``,
/// ``SocketOption/reconnectInterval`` and ``SocketOption/heartbeatInterval``; each
/// option's documentation says what libzmq's special values (-1, 0) mean for it and
/// which values it refuses. A `Duration` converts with ``init(_:)``:
///
/// ```swift
/// try socket.setOption(.receiveTimeout, .milliseconds(250))
/// try socket.setOption(.linger, .zero)
/// ```
public struct Timeout: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The limit in milliseconds; -1 means infinite.
    public var milliseconds: Int32

    /// A limit of `milliseconds` (-1, or any negative value, means infinite).
    @inlinable
    public init(milliseconds: Int32) {
        self.milliseconds = milliseconds < 0 ? -1 : milliseconds
    }

    /// A limit from a `Duration`, rounded up to whole milliseconds and clamped to
    /// what libzmq can represent.
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) {
            self.init(milliseconds: 0)
            return
        }
        let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        let total = overflow ? Int64.max : fromSeconds.addingReportingOverflow(fraction).partialValue
        self.init(milliseconds: Int32(clamping: total))
    }

    /// No limit: wait forever.
    public static let infinite = Timeout(milliseconds: -1)

    /// No waiting at all.
    public static let zero = Timeout(milliseconds: 0)

    /// A limit of `value` milliseconds, clamped to what libzmq can represent.
    public static func milliseconds(_ value: Int) -> Timeout {
        Timeout(milliseconds: Int32(clamping: value))
    }

    /// A limit of `value` seconds, clamped to what libzmq can represent.
    public static func seconds(_ value: Int) -> Timeout {
        let (milliseconds, overflow) = value.multipliedReportingOverflow(by: 1000)
        return Timeout(milliseconds: Int32(clamping: overflow ? (value < 0 ? -1 : Int.max) : milliseconds))
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
