import CZeroMQ
import Synchronization

/// A ZeroMQ context: the container of a process's sockets, their I/O threads and
/// their inproc endpoints.
///
/// A context is thread-safe, so `Context` is `Sendable`: share one between all the
/// threads and tasks of a process. Each ``Socket`` keeps its context alive, so a
/// context is never terminated under an open socket.
///
/// ## Lifetime and linger
/// When the last reference to a context goes away, after every socket of it has been
/// closed, the context is terminated (`zmq_ctx_term`). Termination waits until each
/// closed socket has sent its pending messages or its linger period has passed.
/// libzmq's own default linger is infinite, which makes a program hang at exit
/// when a message is queued for a peer that is gone. swift-zeromq gives every new
/// socket a finite linger instead, ``defaultLinger`` (one second unless you choose
/// otherwise): long enough to flush what a live peer is about to receive, short
/// enough that releasing a context never hangs. Set ``SocketOption/linger`` on a
/// socket to override it.
///
/// ## Shutting down
/// ``shutdown()`` makes every blocking call on the context's sockets, in any thread,
/// fail with ``ZMQError/contextTerminated``; ``terminate()`` also waits for every
/// socket to be closed, as `zmq_ctx_term` does.
public final class Context: @unchecked Sendable {
    // @unchecked Sendable: a libzmq context is thread-safe (zmq_ctx_* and
    // zmq_socket may be called from any thread), and the only mutable Swift state,
    // `state`, is protected by a Mutex.

    @usableFromInline
    let handle: UnsafeMutableRawPointer

    /// The linger given to every socket created in this context.
    public let defaultLinger: Timeout

    private enum State {
        case running, shutDown, terminated
    }

    private let state = Mutex(State.running)

    /// Creates a context.
    ///
    /// - Parameter defaultLinger: The linger period given to each socket created in
    ///   this context (`ZMQ_LINGER`). The default, one second, keeps releasing a context
    ///   from hanging on messages that cannot be delivered; `.infinite` is libzmq's own
    ///   default.
    /// - Throws: ``ZMQError/tooManyOpenFiles`` when the process has no descriptors left.
    ///
    /// The corresponding C function is `zmq_ctx_new`.
    public init(defaultLinger: Timeout = .seconds(1)) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZMQError.last("zmq_ctx_new")
        }
        self.handle = handle
        self.defaultLinger = defaultLinger
    }

    deinit {
        // Every socket holds a strong reference to its context, so by now every socket
        // is closed and zmq_ctx_term only waits for their (finite) linger.
        let needsTermination = state.withLock { $0 != .terminated }
        if needsTermination {
            while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
        }
    }

    /// Makes every blocking operation on this context's sockets fail with
    /// ``ZMQError/contextTerminated``, and every later operation too, without waiting
    /// for anything. Sockets still have to be closed; the context is terminated when
    /// the last reference to it goes away.
    ///
    /// Calling it more than once, or after ``terminate()``, does nothing.
    ///
    /// The corresponding C function is `zmq_ctx_shutdown`.
    public func shutdown() {
        state.withLock { state in
            guard state == .running else { return }
            state = .shutDown
            _ = zmq_ctx_shutdown(handle)
        }
    }

    /// Terminates the context: blocking operations on its sockets fail with
    /// ``ZMQError/contextTerminated``, then the call waits until every socket of the
    /// context has been closed and has flushed its messages or reached its linger.
    ///
    /// Because it waits for every socket to be closed, call it only when the sockets
    /// are closed or are being closed by their own threads; calling it from the one
    /// thread that still owns an open socket waits forever, as `zmq_ctx_term` does.
    /// Calling it more than once does nothing.
    ///
    /// The corresponding C function is `zmq_ctx_term`.
    public func terminate() {
        let needsTermination = state.withLock { state in
            guard state != .terminated else { return false }
            state = .terminated
            return true
        }
        if needsTermination {
            while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
        }
    }

    /// Whether ``shutdown()`` or ``terminate()`` has been called.
    public var isShutDown: Bool {
        state.withLock { $0 != .running }
    }

    /// Creates a libzmq socket in this context, unless the context is shut down.
    ///
    /// The state lock is held across `zmq_socket` so that ``terminate()`` can never
    /// free the context while a socket is being created in it.
    func makeSocket(type: Int32, kindName: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        let result: Result<UnsafeMutableRawPointer, ZMQError> = state.withLock { state in
            guard state == .running else {
                return .failure(
                    ZMQError(
                        CZMQ_ETERM, operation: "socket", target: kindName,
                        reason: "the context is shut down"))
            }
            guard let socket = zmq_socket(handle, type) else {
                return .failure(.last("socket", target: kindName))
            }
            return .success(socket)
        }
        return try result.get()
    }
}

// MARK: - Options

extension Context {
    /// Sets a context option.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` when libzmq refuses the value, naming the
    ///   option and the value.
    ///
    /// The corresponding C function is `zmq_ctx_set`.
    public func setOption<Value>(_ option: ContextOption<Value>, _ value: Value) throws(ZMQError) {
        let raw = option.encode(value)
        if zmq_ctx_set(handle, option.name, raw) != 0 {
            throw ZMQError.last("zmq_ctx_set", target: "\(option.cName) = \(value)")
        }
    }

    /// Reads a context option.
    ///
    /// The corresponding C function is `zmq_ctx_get`.
    public func option<Value>(_ option: ContextOption<Value>) throws(ZMQError) -> Value {
        try option.decode(get(option.name, option.cName))
    }

    /// Reads a read-only context property.
    ///
    /// The corresponding C function is `zmq_ctx_get`.
    public func option<Value>(_ option: ReadOnlyContextOption<Value>) throws(ZMQError) -> Value {
        try option.decode(get(option.name, option.cName))
    }

    /// Adds a CPU to the set the I/O threads may run on; call it before creating
    /// sockets. The corresponding C option is `ZMQ_THREAD_AFFINITY_CPU_ADD`.
    public func addThreadAffinity(cpu: Int) throws(ZMQError) {
        if zmq_ctx_set(handle, ZMQ_THREAD_AFFINITY_CPU_ADD, Int32(clamping: cpu)) != 0 {
            throw ZMQError.last("zmq_ctx_set", target: "ZMQ_THREAD_AFFINITY_CPU_ADD = \(cpu)")
        }
    }

    /// Removes a CPU from the set the I/O threads may run on.
    /// The corresponding C option is `ZMQ_THREAD_AFFINITY_CPU_REMOVE`.
    public func removeThreadAffinity(cpu: Int) throws(ZMQError) {
        if zmq_ctx_set(handle, ZMQ_THREAD_AFFINITY_CPU_REMOVE, Int32(clamping: cpu)) != 0 {
            throw ZMQError.last("zmq_ctx_set", target: "ZMQ_THREAD_AFFINITY_CPU_REMOVE = \(cpu)")
        }
    }

    private func get(_ name: Int32, _ cName: String) throws(ZMQError) -> Int32 {
        let value = zmq_ctx_get(handle, name)
        if value == -1 {
            throw ZMQError.last("zmq_ctx_get", target: cName)
        }
        return value
    }
}

/// A context option that can be read and written, typed by its value.
///
/// ```swift
/// try context.setOption(.ioThreads, 2)
/// let sockets = try context.option(.maxSockets)
/// ```
public struct ContextOption<Value>: Sendable {
    let name: Int32
    let cName: String
    let encode: @Sendable (Value) -> Int32
    let decode: @Sendable (Int32) -> Value
}

/// A context property that can only be read, typed by its value.
public struct ReadOnlyContextOption<Value>: Sendable {
    let name: Int32
    let cName: String
    let decode: @Sendable (Int32) -> Value
}

extension ContextOption where Value == Int {
    init(_ name: Int32, _ cName: String) {
        self.init(name: name, cName: cName, encode: { Int32(clamping: $0) }, decode: { Int($0) })
    }

    /// The number of I/O threads; set it before creating sockets. The default is 1.
    /// The corresponding C option is `ZMQ_IO_THREADS`.
    public static var ioThreads: Self { .init(ZMQ_IO_THREADS, "ZMQ_IO_THREADS") }

    /// The maximum number of sockets. The default is 1023.
    /// The corresponding C option is `ZMQ_MAX_SOCKETS`.
    public static var maxSockets: Self { .init(ZMQ_MAX_SOCKETS, "ZMQ_MAX_SOCKETS") }

    /// The largest message size the context's sockets accept.
    /// The corresponding C option is `ZMQ_MAX_MSGSZ`.
    public static var maxMessageSize: Self { .init(ZMQ_MAX_MSGSZ, "ZMQ_MAX_MSGSZ") }

    /// The scheduling priority of the I/O threads (operating-system specific; -1 leaves
    /// it unchanged). The corresponding C option is `ZMQ_THREAD_PRIORITY`.
    public static var threadPriority: Self { .init(ZMQ_THREAD_PRIORITY, "ZMQ_THREAD_PRIORITY") }

    /// The scheduling policy of the I/O threads, such as `SCHED_RR` (-1 leaves it
    /// unchanged). The corresponding C option is `ZMQ_THREAD_SCHED_POLICY`.
    public static var threadSchedulingPolicy: Self {
        .init(ZMQ_THREAD_SCHED_POLICY, "ZMQ_THREAD_SCHED_POLICY")
    }

    /// A number appended to the names of the I/O threads (`ZMQbg/IO/0` becomes
    /// `ZMQbg/<prefix>/IO/0`). The corresponding C option is `ZMQ_THREAD_NAME_PREFIX`.
    public static var threadNamePrefix: Self { .init(ZMQ_THREAD_NAME_PREFIX, "ZMQ_THREAD_NAME_PREFIX") }
}

extension ContextOption where Value == Bool {
    init(_ name: Int32, _ cName: String) {
        self.init(name: name, cName: cName, encode: { $0 ? 1 : 0 }, decode: { $0 != 0 })
    }

    /// Whether the context's sockets use IPv6 as well as IPv4.
    /// The corresponding C option is `ZMQ_IPV6`.
    public static var ipv6: Self { .init(ZMQ_IPV6, "ZMQ_IPV6") }

    /// Whether libzmq's own default linger of new sockets is infinite (`true`) or zero.
    /// swift-zeromq sets every socket's linger from ``Context/defaultLinger`` anyway.
    /// The corresponding C option is `ZMQ_BLOCKY`.
    public static var blocky: Self { .init(ZMQ_BLOCKY, "ZMQ_BLOCKY") }
}

extension ReadOnlyContextOption where Value == Int {
    /// The largest number of sockets that `ZMQ_MAX_SOCKETS` can be set to.
    /// The corresponding C option is `ZMQ_SOCKET_LIMIT`.
    public static var socketLimit: Self {
        .init(name: ZMQ_SOCKET_LIMIT, cName: "ZMQ_SOCKET_LIMIT", decode: { Int($0) })
    }

    /// The size of a `zmq_msg_t` in this libzmq build.
    /// The corresponding C option is `ZMQ_MSG_T_SIZE`.
    public static var messageStructSize: Self {
        .init(name: ZMQ_MSG_T_SIZE, cName: "ZMQ_MSG_T_SIZE", decode: { Int($0) })
    }
}
