import CZeroMQ
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ZeroMQ socket whose type is part of its Swift type.
///
/// `Kind` is one of the ``SocketType`` kinds, usually spelled through an alias:
///
/// ```swift
/// let context = try Context()
/// let publisher = try PubSocket(context)
/// try publisher.bind("tcp://127.0.0.1:*")
/// try publisher.send("weather 21C")
/// // publisher.receive()   // does not compile: PUB sockets cannot receive
/// ```
///
/// What a kind can do is decided by the protocols it conforms to: `send` exists only
/// on ``SendingSocketType`` kinds, `receive` on ``ReceivingSocketType`` kinds,
/// `subscribe` on ``SubscribingSocketType`` kinds.
///
/// ### Threads
/// A libzmq socket is not thread-safe, so `Socket` is not `Sendable`. It may move to
/// another thread or task, which is exactly libzmq's rule that a socket can migrate
/// between threads: create it inside the task that uses it, or hand it over with
/// `sending`.
///
/// The blocking operations (`send`, `receive` and the rest) block the calling thread
/// until they complete or the socket's send or receive timeout passes, so they are
/// unavailable in async code (`noasync`). There, use the `async` forms
/// (``receive()-910iq``, ``send(_:more:timeout:)-3q7oz``, ``messages`` and the
/// rest), which wait on the ``Reactor`` without blocking a thread; in an async function,
/// Swift picks them by itself. A blocking call in a task holds a thread
/// of the cooperative pool, which has one per core, and tasks blocked in `receive()`
/// can occupy every one of them, so that no other task runs, including the one that
/// would send them their message.
///
/// ### Lifetime
/// A socket keeps its ``context`` alive. ``close()`` closes it explicitly, and
/// `deinit` closes it if it is still open; any use after closing throws
/// ``ZMQError/notSocket``. Messages still queued when it closes are sent for up to
/// its linger period (see ``Context/defaultLinger``).
public final class Socket<Kind: SocketTypeProtocol> {
    /// The libzmq socket, or `nil` once closed.
    ///
    /// Exempt from dynamic exclusivity checks, which would otherwise cost a runtime
    /// call on every send and receive: the socket is not `Sendable`, so only one
    /// thread uses it at a time, and only `close()` writes the property.
    @usableFromInline
    @exclusivity(unchecked)
    var handle: UnsafeMutableRawPointer?

    /// A `zmq_msg_t` owned by the socket and reused by operations that need a message
    /// for the duration of one call (receiving into an array, sending a shared
    /// message), so that they allocate nothing. Always left initialised.
    ///
    /// `tryReceive(into:)` swaps it with the storage of the message it fills, so it
    /// may hold that message's previous frame until the next receive into it (libzmq
    /// closes a message's old content first thing when it receives into it).
    /// Exempt from dynamic exclusivity checks for the same reason as `handle`.
    @usableFromInline
    @exclusivity(unchecked)
    var scratch: MessageStorage

    /// The context the socket belongs to; the socket keeps it alive.
    public let context: Context

    /// The socket's place in the ``Reactor``, made the first time a task waits on it.
    @usableFromInline
    @exclusivity(unchecked)
    var readiness: SocketReadiness?

    /// How many tasks wait in the socket's queues. While any does, every operation
    /// tells them when `ZMQ_EVENTS` shows the socket ready (see ``SocketReadiness``).
    @usableFromInline
    @exclusivity(unchecked)
    var asyncWaiters = 0

    /// How many more async operations may complete on the fast path before one yields
    /// to the other tasks; zero while tasks wait, which sends every operation to the
    /// queue behind them.
    @usableFromInline
    @exclusivity(unchecked)
    var asyncBudget = asyncFastPathBudget

    /// The socket's kind: `Kind`'s for a typed socket, the one chosen at run time for a
    /// ``DynamicSocket``.
    public let kind: SocketKind

    /// What the socket was handed over to, with its libzmq socket (a managed proxy, in
    /// `Devices/Proxy.swift`): its uses then throw an error that says so.
    var handedOverTo: String?

    /// Told about every send on this socket that did not queue its message: libzmq had
    /// no room for it (``SendFailure/full``), a limit passed (``SendFailure/timedOut``),
    /// or a ROUTER had no peer for it (``SendFailure/unroutable``). `nil` (the default)
    /// reports nothing.
    ///
    /// It is called on the thread of the failed send, before the send returns `false` or
    /// throws, so keep it short: count, or log. The sends that succeed never look at it;
    /// a failed one pays one load and one call. What libzmq drops without telling the
    /// sender is not seen here: a PUB, XPUB or RADIO socket drops messages for a
    /// subscriber at its high-water mark (set ``SocketOption/xpubNoDrop`` to make an XPUB
    /// report them as ``SendFailure/full``), and a ROUTER drops messages for an unknown
    /// peer unless ``SocketOption/routerMandatory`` is set. The sends that a ``Proxy``
    /// makes inside libzmq are not seen either.
    ///
    /// <!-- snippet: main; prelude: import Synchronization; let context = try Context();
    ///     let socket = try PushSocket(context) -->
    /// ```swift
    /// let refused = Atomic(0)
    /// socket.sendFailureObserver = { _ in refused.add(1, ordering: .relaxed) }
    /// ```
    ///
    /// ZeroMQServices (the `Services` trait) counts them as metrics with
    /// `socket.countSendFailures(label:)`.
    public var sendFailureObserver: (@Sendable (SendFailure) -> Void)?

    /// Creates a socket of this kind in `context`.
    ///
    /// The socket's linger is set to the context's ``Context/defaultLinger``.
    ///
    /// - Throws: ``ZMQError/contextTerminated`` when the context is shut down,
    ///   ``ZMQError/tooManyOpenFiles`` when it has ``ContextOption/maxSockets`` sockets.
    ///
    /// The corresponding C function is `zmq_socket`.
    public convenience init(_ context: Context) throws(ZMQError) {
        try self.init(context: context, kind: SocketKind(Kind.self))
    }

    init(context: Context, kind: SocketKind) throws(ZMQError) {
        guard kind.rawValue != SocketType.Dynamic.rawValue else {
            throw ZMQError(
                EINVAL, operation: "socket", target: "DynamicSocket",
                reason: "a DynamicSocket needs its kind: DynamicSocket(context, kind: .pub)")
        }
        let handle = try context.openSocket(type: kind.rawValue, kindName: kind.name)
        self.handle = handle
        self.scratch = .empty()
        self.context = context
        self.kind = kind
        if !context.adopt(handle, by: self) {
            // Context.close(linger:) closed it between the two calls.
            self.handle = nil
        }
    }

    deinit {
        if let handle {
            context.closeSocket(handle)
        }
    }

    /// Closes the socket. Later operations throw ``ZMQError/notSocket``; closing again
    /// does nothing.
    ///
    /// Pending outgoing messages are still sent, for up to the socket's linger period,
    /// by libzmq's I/O threads. The corresponding C function is `zmq_close`.
    public func close() {
        if let handle {
            self.handle = nil
            socketsClosed.add(1, ordering: .releasing)
            context.closeSocket(handle)
        }
    }

    /// Sets the linger period, then closes the socket.
    ///
    /// `close(linger: .zero)` gives up on pending messages: libzmq stops trying to
    /// send them. It does not promise that none is sent: libzmq closes the socket in
    /// its I/O threads, and a connection that completes before they get to it still
    /// takes the queue (Docs/Troubleshooting.md, "Messages lost when a program ends").
    public func close(linger: Timeout) {
        if let handle {
            _ = SocketCalls(handle).setLinger(linger)
        }
        close()
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    /// The libzmq socket handle for calls that swift-zeromq does not wrap.
    ///
    /// The handle is valid until the socket is closed; do not close it yourself. While
    /// tasks wait on the socket (its async forms), make no calls of your own on the
    /// handle: libzmq may process the socket's commands in them, which only the
    /// library's own calls follow with a wake-up of the waiting tasks.
    public var unsafeHandle: UnsafeMutableRawPointer? { handle }

    /// The open handle, or the error for using a closed socket.
    @inlinable
    @inline(__always)
    func liveHandle(_ operation: StaticString) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw closedError(operation) }
        return handle
    }

    /// The error for using the socket once it is closed, or handed over to a proxy.
    @usableFromInline
    @inline(never)
    func closedError(_ operation: StaticString) -> ZMQError {
        guard let holder = handedOverTo else { return .closed(operation, socket: kind.name) }
        return ZMQError(
            CZMQ_ENOTSOCK, operation: operation.description, target: kind.name,
            reason: "the socket belongs to \(holder), whose thread uses it and closes it; "
                + "use it only before handing it over")
    }

    /// The error for setting or reading option `name` of the socket once it is closed:
    /// it names the option, as every other option error does.
    @inline(never)
    func closedError(_ operation: StaticString, option name: String) -> ZMQError {
        var error = closedError(operation)
        error.target = "\(name) of \(error.target ?? kind.name)"
        return error
    }
}

@available(*, unavailable, message: "A libzmq socket is not thread-safe; hand it over with 'sending'")
extension Socket: Sendable {}

extension Socket where Kind == SocketType.Dynamic {
    /// Creates a socket of a kind chosen at run time.
    ///
    /// <!-- snippet: function; prelude: let context = try Context() -->
    /// ```swift
    /// let socket = try DynamicSocket(context, kind: SocketKind(name: "PULL"))
    /// ```
    ///
    /// - Throws: as the typed sockets' initialiser does.
    ///
    /// The corresponding C function is `zmq_socket`.
    public convenience init(_ context: Context, kind: SocketKind) throws(ZMQError) {
        try self.init(context: context, kind: kind)
    }

    /// Not a way to make a dynamic socket: it needs its kind. Deprecated so that the
    /// compiler says so; it throws ``ZMQError/invalidArgument``.
    @_documentation(visibility: internal)
    @available(*, deprecated, message: "a DynamicSocket needs its kind: DynamicSocket(context, kind: .pub)")
    public convenience init(_ context: Context) throws(ZMQError) {
        try self.init(context: context, kind: SocketKind(SocketType.Dynamic.self))
    }
}

extension Socket: SocketHandleOwner {
    /// Called by ``Context/close(linger:)``, which closed the libzmq socket: later
    /// operations throw ``ZMQError/notSocket``.
    func forgetHandle() {
        handle = nil
        socketsClosed.add(1, ordering: .releasing)
    }
}

/// How many sockets have been closed in the process (``Socket/close()``, or
/// ``Context/close(linger:)``), so that a ``Poller`` looks for closed sockets among its
/// items only after one was closed, instead of on every poll.
@usableFromInline
let socketsClosed = Atomic<UInt>(0)

extension Socket: CustomStringConvertible {
    public var description: String {
        isClosed ? "Socket<\(kind.name)>(closed)" : "Socket<\(kind.name)>"
    }
}

extension ZMQError {
    /// The error for a failed send or receive, with a reason where libzmq's text alone
    /// would mislead. Out of line: only failures pay for it.
    @usableFromInline
    @inline(never)
    static func failed(_ code: Int32, _ operation: StaticString, socket: String) -> ZMQError {
        let op = operation.description
        var reason: String?
        switch code {
        case EAGAIN:
            reason =
                op.hasPrefix("send")
                ? "timed out (ZMQ_SNDTIMEO) or no peer can take the message"
                : "timed out (ZMQ_RCVTIMEO)"
        case CZMQ_EFSM:
            reason = "\(socket) socket cannot \(op) in its current state"
        case CZMQ_ENOTSUP:
            reason = "\(socket) sockets do not support \(op)"
        case CZMQ_ETERM:
            reason = "the context was shut down"
        case CZMQ_EHOSTUNREACH:
            reason = "no peer with that routing id"
        default:
            break
        }
        return ZMQError(code, operation: op, target: socket, reason: reason)
    }
}
