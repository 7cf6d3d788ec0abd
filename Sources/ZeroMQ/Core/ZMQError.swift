import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error reported by libzmq, or by swift-zeromq's own validation.
///
/// `ZMQError` is modelled on swift-system's `Errno`: it wraps the error number
/// (`code`) that libzmq reports through `zmq_errno`, with a named static for every
/// code libzmq documents, so that errors can be matched in a `catch` clause:
///
/// <!-- snippet: function; prelude: let context = try Context(); let socket = try DealerSocket(context) -->
/// ```swift
/// do {
///     try socket.bind("tcp://127.0.0.1:5555")
/// } catch .addressInUse {
///     // someone else has the port
/// }
/// ```
///
/// Its ``name`` is the code's C name (`"EFSM"`, `"EAGAIN"`, `"ETERM"`), which
/// ``description`` shows too.
///
/// Besides the code, an error remembers what failed: the ``operation`` ("bind",
/// "receive", "setsockopt"), its ``target`` (an endpoint, or an option and its value
/// such as "ZMQ_SNDHWM = -1")
/// and, where swift-zeromq knows better than `zmq_strerror`, a ``reason``. Its
/// ``description`` puts them together:
/// `bind tcp://127.0.0.1:99999: port 99999 is out of range 0...65535 (EINVAL: Invalid argument)`.
///
/// Two errors are equal when their codes are equal; the operation, target and reason
/// are diagnostics and do not take part in comparison.
///
/// > Note: Swift 6.3.1 has a compiler bug (swiftlang/swift#89787) that crashes the
/// > compiler on a `do`/`catch` inside a `for` loop (and some other loops), in a
/// > function that throws `any Error`, when the `do` calls a `throws(ZMQError)` API and
/// > the catch clauses are not exhaustive (`catch .again { continue }` alone). Add a
/// > final `catch { throw error }`, or make the enclosing function `throws(ZMQError)`,
/// > until the fixed compiler ships.
public struct ZMQError: Error, Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The error number, as returned by `zmq_errno`.
    public let rawValue: Int32

    /// The operation that failed, such as `"bind"` or `"send"`.
    public var operation: String?

    /// What the operation was applied to: the endpoint, option or value.
    public var target: String?

    /// A more precise explanation than `zmq_strerror` gives, when one is known.
    public var reason: String?

    /// Creates an error from an error number, with no context.
    @inlinable
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Creates an error from an error number and a description of what failed.
    public init(_ code: Int32, operation: String?, target: String? = nil, reason: String? = nil) {
        self.rawValue = code
        self.operation = operation
        self.target = target
        self.reason = reason
    }

    /// The error number; the same as `rawValue`.
    @inlinable
    public var code: Int32 { rawValue }

    /// libzmq's text for the error number. The corresponding C function is `zmq_strerror`.
    public var message: String {
        LibraryCalls.describe(rawValue)
    }

    /// What failed and why, with the code's symbolic ``name``, such as
    /// `"send: Operation cannot be accomplished in current state (EFSM)"`, or, with a
    /// ``reason``,
    /// `"unbind tcp://127.0.0.1:5555: the socket is not bound to this endpoint (ENOENT: No such file or directory)"`.
    public var description: String {
        var text = ""
        if let operation {
            text += operation
            if let target { text += " " + target }
            text += ": "
        } else if let target {
            text += target + ": "
        }
        if let reason {
            text += "\(reason) (\(name): \(message))"
        } else {
            text += "\(message) (\(name))"
        }
        return text
    }

    public static func == (lhs: ZMQError, rhs: ZMQError) -> Bool {
        lhs.rawValue == rhs.rawValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawValue)
    }

    /// Matches an error by its code, so that `catch ZMQError.again` works.
    @inlinable
    public static func ~= (pattern: ZMQError, value: ZMQError) -> Bool {
        pattern.rawValue == value.rawValue
    }

    /// Matches an untyped error by its code, so that `catch ZMQError.again` works in
    /// functions that throw `any Error`.
    @inlinable
    public static func ~= (pattern: ZMQError, value: any Error) -> Bool {
        guard let value = value as? ZMQError else { return false }
        return pattern.rawValue == value.rawValue
    }
}

// MARK: - Named codes

extension ZMQError {
    /// The operation would block: a non-blocking call found nothing to do, or a
    /// blocking call timed out (`ZMQ_RCVTIMEO`, `ZMQ_SNDTIMEO`). The C code is `EAGAIN`.
    public static var again: ZMQError { ZMQError(rawValue: EAGAIN) }

    /// The context was shut down or terminated. The C code is `ETERM`.
    public static var contextTerminated: ZMQError { ZMQError(rawValue: CZMQ_ETERM) }

    /// The operation is not valid in the socket's current state, such as a REQ socket
    /// sending twice without receiving. The C code is `EFSM`.
    public static var invalidState: ZMQError { ZMQError(rawValue: CZMQ_EFSM) }

    /// The operation is not supported by this socket type. The C code is `ENOTSUP`.
    public static var notSupported: ZMQError { ZMQError(rawValue: CZMQ_ENOTSUP) }

    /// The transport or protocol is not supported. The C code is `EPROTONOSUPPORT`.
    public static var protocolNotSupported: ZMQError { ZMQError(rawValue: CZMQ_EPROTONOSUPPORT) }

    /// The transport is not compatible with the socket type. The C code is `ENOCOMPATPROTO`.
    public static var incompatibleProtocol: ZMQError { ZMQError(rawValue: CZMQ_ENOCOMPATPROTO) }

    /// The address is already in use. The C code is `EADDRINUSE`.
    public static var addressInUse: ZMQError { ZMQError(rawValue: CZMQ_EADDRINUSE) }

    /// The address is not local or not available. The C code is `EADDRNOTAVAIL`.
    public static var addressNotAvailable: ZMQError { ZMQError(rawValue: CZMQ_EADDRNOTAVAIL) }

    /// The network interface named in the endpoint does not exist. The C code is `ENODEV`.
    public static var noSuchDevice: ZMQError { ZMQError(rawValue: ENODEV) }

    /// The socket is invalid or closed. The C code is `ENOTSOCK`.
    public static var notSocket: ZMQError { ZMQError(rawValue: CZMQ_ENOTSOCK) }

    /// The message cannot be routed to its destination (`ZMQ_ROUTER_MANDATORY`).
    /// The C code is `EHOSTUNREACH`.
    public static var hostUnreachable: ZMQError { ZMQError(rawValue: CZMQ_EHOSTUNREACH) }

    /// No I/O thread is available for the operation. The C code is `EMTHREAD`.
    public static var noIOThread: ZMQError { ZMQError(rawValue: CZMQ_EMTHREAD) }

    /// An argument is invalid. The C code is `EINVAL`.
    public static var invalidArgument: ZMQError { ZMQError(rawValue: EINVAL) }

    /// The endpoint was not bound or connected, or the item does not exist.
    /// The C code is `ENOENT`.
    public static var noEntry: ZMQError { ZMQError(rawValue: ENOENT) }

    /// A name, such as an ipc path, is too long. The C code is `ENAMETOOLONG`.
    public static var nameTooLong: ZMQError { ZMQError(rawValue: ENAMETOOLONG) }

    /// The message is too large. The C code is `EMSGSIZE`.
    public static var messageTooLarge: ZMQError { ZMQError(rawValue: CZMQ_EMSGSIZE) }

    /// The call was interrupted by a signal. The C code is `EINTR`.
    public static var interrupted: ZMQError { ZMQError(rawValue: EINTR) }

    /// The process or context has too many open sockets or files. The C code is `EMFILE`.
    public static var tooManyOpenFiles: ZMQError { ZMQError(rawValue: EMFILE) }

    /// Memory could not be allocated. The C code is `ENOMEM`.
    public static var noMemory: ZMQError { ZMQError(rawValue: ENOMEM) }

    /// A buffer could not be allocated. The C code is `ENOBUFS`.
    public static var noBufferSpace: ZMQError { ZMQError(rawValue: CZMQ_ENOBUFS) }

    /// A bad address was passed. The C code is `EFAULT`.
    public static var badAddress: ZMQError { ZMQError(rawValue: EFAULT) }

    /// The network is down. The C code is `ENETDOWN`.
    public static var networkDown: ZMQError { ZMQError(rawValue: CZMQ_ENETDOWN) }

    /// The network is unreachable. The C code is `ENETUNREACH`.
    public static var networkUnreachable: ZMQError { ZMQError(rawValue: CZMQ_ENETUNREACH) }

    /// The connection was refused. The C code is `ECONNREFUSED`.
    public static var connectionRefused: ZMQError { ZMQError(rawValue: CZMQ_ECONNREFUSED) }

    /// The address family is not supported. The C code is `EAFNOSUPPORT`.
    public static var addressFamilyNotSupported: ZMQError { ZMQError(rawValue: CZMQ_EAFNOSUPPORT) }

    /// The operation is in progress. The C code is `EINPROGRESS`.
    public static var inProgress: ZMQError { ZMQError(rawValue: CZMQ_EINPROGRESS) }

    /// The connection was aborted. The C code is `ECONNABORTED`.
    public static var connectionAborted: ZMQError { ZMQError(rawValue: CZMQ_ECONNABORTED) }

    /// The connection was reset. The C code is `ECONNRESET`.
    public static var connectionReset: ZMQError { ZMQError(rawValue: CZMQ_ECONNRESET) }

    /// The socket is not connected. The C code is `ENOTCONN`.
    public static var notConnected: ZMQError { ZMQError(rawValue: CZMQ_ENOTCONN) }

    /// The operation timed out. The C code is `ETIMEDOUT`.
    public static var timedOut: ZMQError { ZMQError(rawValue: CZMQ_ETIMEDOUT) }

    /// The connection was reset by the network. The C code is `ENETRESET`.
    public static var networkReset: ZMQError { ZMQError(rawValue: CZMQ_ENETRESET) }
}

// MARK: - Symbolic names

extension ZMQError {
    /// The C name of the code, such as `"EAGAIN"`, `"ETERM"` or `"EFSM"`, for every
    /// code libzmq reports: its own (`EFSM`, `ETERM`, `ENOCOMPATPROTO`, `EMTHREAD`,
    /// numbered from `ZMQ_HAUSNUMERO`, 156384712) and the system's. A code with no
    /// known name reads `"errno 1234"`.
    ///
    /// ``description`` includes it, so that a log line can be searched for the C name
    /// that libzmq's documentation uses.
    public var name: String {
        Self.names[rawValue] ?? "errno \(rawValue)"
    }

    /// Every code libzmq can return, by the name its documentation and `errno.h` use.
    /// Where two names share a value (`EWOULDBLOCK` and `EAGAIN`, `EOPNOTSUPP` and
    /// `ENOTSUP` on Linux), the one libzmq's documentation uses is kept.
    private static let names: [Int32: String] = {
        let pairs: [(Int32, String)] = [
            // libzmq's own codes (ZMQ_HAUSNUMERO + n), and the POSIX codes it defines
            // itself where the platform's errno.h lacks them.
            (CZMQ_EFSM, "EFSM"), (CZMQ_ENOCOMPATPROTO, "ENOCOMPATPROTO"), (CZMQ_ETERM, "ETERM"),
            (CZMQ_EMTHREAD, "EMTHREAD"), (CZMQ_ENOTSUP, "ENOTSUP"), (CZMQ_EPROTONOSUPPORT, "EPROTONOSUPPORT"),
            (CZMQ_ENOBUFS, "ENOBUFS"), (CZMQ_ENETDOWN, "ENETDOWN"), (CZMQ_EADDRINUSE, "EADDRINUSE"),
            (CZMQ_EADDRNOTAVAIL, "EADDRNOTAVAIL"), (CZMQ_ECONNREFUSED, "ECONNREFUSED"),
            (CZMQ_EINPROGRESS, "EINPROGRESS"), (CZMQ_ENOTSOCK, "ENOTSOCK"), (CZMQ_EMSGSIZE, "EMSGSIZE"),
            (CZMQ_EAFNOSUPPORT, "EAFNOSUPPORT"), (CZMQ_ENETUNREACH, "ENETUNREACH"),
            (CZMQ_ECONNABORTED, "ECONNABORTED"), (CZMQ_ECONNRESET, "ECONNRESET"), (CZMQ_ENOTCONN, "ENOTCONN"),
            (CZMQ_ETIMEDOUT, "ETIMEDOUT"), (CZMQ_EHOSTUNREACH, "EHOSTUNREACH"), (CZMQ_ENETRESET, "ENETRESET"),
            // The system's codes that libzmq passes on from the calls it makes.
            (EAGAIN, "EAGAIN"), (EINVAL, "EINVAL"), (EINTR, "EINTR"), (EFAULT, "EFAULT"), (ENOMEM, "ENOMEM"),
            (ENOENT, "ENOENT"), (EMFILE, "EMFILE"), (ENFILE, "ENFILE"), (ENODEV, "ENODEV"),
            (ENAMETOOLONG, "ENAMETOOLONG"), (EPERM, "EPERM"), (EACCES, "EACCES"), (EBADF, "EBADF"),
            (EBUSY, "EBUSY"), (EEXIST, "EEXIST"), (ENOTDIR, "ENOTDIR"), (EISDIR, "EISDIR"), (ENOSPC, "ENOSPC"),
            (EROFS, "EROFS"), (ELOOP, "ELOOP"), (EPIPE, "EPIPE"), (EIO, "EIO"), (ENXIO, "ENXIO"),
            (ENOSYS, "ENOSYS"), (ERANGE, "ERANGE"), (ESRCH, "ESRCH"), (ECHILD, "ECHILD"),
            (EDEADLK, "EDEADLK"), (ENOTTY, "ENOTTY"), (EPROTO, "EPROTO"), (EPROTOTYPE, "EPROTOTYPE"),
            (ENOPROTOOPT, "ENOPROTOOPT"), (ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"), (EISCONN, "EISCONN"),
            (EALREADY, "EALREADY"), (EDESTADDRREQ, "EDESTADDRREQ"), (ESHUTDOWN, "ESHUTDOWN"),
            (EHOSTDOWN, "EHOSTDOWN"), (EOVERFLOW, "EOVERFLOW"),
        ]
        var names: [Int32: String] = [:]
        for (code, name) in pairs where names[code] == nil {
            names[code] = name
        }
        return names
    }()
}

// MARK: - Reading errors from libzmq

extension ZMQError {
    /// The error libzmq reported for the call that just failed, read with `zmq_errno`
    /// before anything else runs; `target` is built afterwards.
    ///
    /// Kept out of line: it runs only on failure, and keeping it out of inlined hot
    /// paths keeps them small.
    @usableFromInline
    @inline(never)
    static func last(_ operation: StaticString, target: @autoclosure () -> String? = nil) -> ZMQError {
        // errno first: building the target string allocates, and malloc may set errno.
        let code = LibraryCalls.errno()
        return ZMQError(code, operation: operation.description, target: target())
    }

    /// The error for an operation on a closed socket.
    @usableFromInline
    @inline(never)
    static func closed(_ operation: StaticString, socket: String) -> ZMQError {
        ZMQError(
            CZMQ_ENOTSOCK, operation: operation.description, target: socket,
            reason: "the socket is closed")
    }
}
