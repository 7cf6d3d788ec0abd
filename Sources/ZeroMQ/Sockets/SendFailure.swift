/// Why a send did not queue its message, as a socket reports it to its
/// ``Socket/sendFailureObserver``.
///
/// The report comes from the one place every send goes through when libzmq refuses it
/// (`EAGAIN`, `EHOSTUNREACH`), and from the sends that give up at a time limit.
public enum SendFailure: Sendable, Hashable, CustomStringConvertible {
    /// libzmq had no room for the message now: the high-water mark is reached on every
    /// pipe the socket could use, or no peer can take it yet (`EAGAIN` under
    /// `ZMQ_DONTWAIT`). A `trySend` that returned `false` is one; so is each attempt of
    /// a timed or async send that found no room (one such send that waits may report
    /// more than one, and then succeed).
    case full
    /// A send with a limit gave up: `send(_:timeout:)`, sync or async, or a blocking
    /// send on a socket with a ``SocketOption/sendTimeout`` (`EAGAIN` thrown).
    case timedOut
    /// A ROUTER with ``SocketOption/routerMandatory`` had no peer with the message's
    /// routing id (`EHOSTUNREACH` thrown).
    case unroutable

    public var description: String {
        switch self {
        case .full: "full"
        case .timedOut: "timed out"
        case .unroutable: "unroutable"
        }
    }
}
