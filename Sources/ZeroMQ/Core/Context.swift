import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ZeroMQ context: the container of a process's sockets, their I/O threads and
/// their inproc endpoints.
///
/// A context is thread-safe, so `Context` is `Sendable`: share one between all the
/// threads and tasks of a process. Each ``Socket`` keeps its context alive, so a
/// context is never terminated under an open socket.
///
/// ## How a program ends
/// Messages a program has sent are delivered to live peers when the program ends,
/// however it ends, with no extra call:
/// - When the last reference to a context goes away (its sockets closed or released
///   first, since each keeps it alive), the context is terminated (`zmq_ctx_term`),
///   which waits until every socket has sent what it queued, or its linger has passed.
/// - When the process exits with contexts still alive (top-level code keeps its
///   sockets in globals, which Swift never releases), an exit handler does the same
///   for each of them: it closes the sockets still open and terminates the context.
///
/// Either way the wait is bounded by each socket's linger, ``defaultLinger`` (one
/// second unless you choose otherwise) instead of libzmq's infinite default, so a
/// program whose peer is gone still exits promptly. ``close(linger:)`` does the same
/// at a time of your choosing.
///
/// ## Shutting down
/// - ``shutdown()`` makes every blocking call on the context's sockets, in any thread,
///   fail with ``ZMQError/contextTerminated``: the way to stop threads that wait in
///   `receive()`.
/// - ``close(linger:)`` closes every socket still open and terminates the context.
/// - ``terminate()`` is `zmq_ctx_term`: it waits for the sockets to be closed by the
///   threads that own them.
public final class Context: @unchecked Sendable {
    // @unchecked Sendable: a libzmq context is thread-safe (zmq_ctx_* and
    // zmq_socket may be called from any thread), and the only mutable Swift state,
    // `state`, is protected by a lock.

    @usableFromInline
    let handle: UnsafeMutableRawPointer

    /// The linger given to every socket created in this context.
    public let defaultLinger: Timeout

    /// The process that created the context: a forked child must not terminate it.
    private let creator = getpid()

    private let state = Locked(State())
    /// Set once the context is terminated: `zmq_ctx_term` has returned. Whoever finds a
    /// close or a termination under way waits for it.
    private let ended = Latch()

    private struct State {
        /// Whether `zmq_ctx_shutdown` has been called (or the context terminated).
        var isShutDown = false
        /// The close: ``Context/close(linger:)`` runs the close hooks, closes the sockets
        /// and terminates the context, and only the first call does it; the thread that
        /// does it, while it does.
        var closing = Step.notStarted
        /// The termination (`zmq_ctx_term`), by ``Context/terminate()`` or by the close.
        /// Once it has started, the handle must not be used.
        var termination = Step.notStarted
        /// The open sockets, by libzmq handle, with the `Socket` that owns each (held
        /// weakly: a socket's own `deinit` closes it and removes it from here).
        var sockets: [SocketHandle: SocketOwner] = [:]
        /// What ``Context/close(linger:)`` runs before it closes any socket, by token.
        var closeHooks: [Int: @Sendable () -> Void] = [:]
        var nextHookToken = 0
        /// The token of the last monitor attached, for ``Context/attachMonitor(to:endpoint:events:)``.
        var nextMonitorToken = 0

        /// Whether sockets, monitors and close hooks may still be added.
        var isOpen: Bool {
            !isShutDown && closing == .notStarted && termination == .notStarted
        }
        var isTerminated: Bool { termination != .notStarted }
    }

    /// A step of the context's end that one thread does and others wait for.
    private enum Step: Equatable, Sendable {
        case notStarted
        case running(by: CallingThread)
        case done
    }

    /// Creates a context.
    ///
    /// - Parameter defaultLinger: The linger period given to each socket created in
    ///   this context (`ZMQ_LINGER`). The default, one second, keeps the end of a
    ///   program from hanging on messages that cannot be delivered; `.infinite` is
    ///   libzmq's own default.
    /// - Throws: ``ZMQError/tooManyOpenFiles`` when the process has no descriptors left.
    ///
    /// The corresponding C function is `zmq_ctx_new`.
    public convenience init(defaultLinger: Timeout = .seconds(1)) throws(ZMQError) {
        try self.init(defaultLinger: defaultLinger, closedAtExit: true)
    }

    /// Creates a context that the exit handler closes at exit, or, for the library's own
    /// (the control pairs' context), leaves alone.
    init(defaultLinger: Timeout, closedAtExit: Bool) throws(ZMQError) {
        switch ContextCalls.new() {
        case .success(let calls): handle = calls.handle
        case .failure(let error): throw ZMQError(error.code, operation: "zmq_ctx_new")
        }
        self.defaultLinger = defaultLinger
        if closedAtExit { ExitHandler.register(self) }
    }

    deinit {
        ExitHandler.unregister(self)
        // Every socket holds a strong reference to its context, so by now every socket
        // is closed and zmq_ctx_term only waits for their (finite) linger. A close or a
        // termination under way holds a reference too: none is.
        let needsTermination = state.withLock { state in
            state.termination == .notStarted
        }
        guard needsTermination else { return }
        if Reactor.isCurrentThreadIfStarted {
            // zmq_ctx_term waits for the sockets' linger: on the reactor thread, that
            // would stall every task waiting on any socket. Terminate on a thread of its
            // own instead (the last task that used the context ended on the reactor).
            let handle = ContextHandle(raw: handle)
            do {
                try ManagedThread.startDetached(name: "context terminator") { Context.terminate(handle.raw) }
                return
            } catch {
                // No thread to be had: terminate here after all.
            }
        }
        Context.terminate(handle)
    }

    /// Makes every blocking operation on this context's sockets fail with
    /// ``ZMQError/contextTerminated``, and every later operation too, without waiting
    /// for anything. Sockets still have to be closed; the context is terminated when
    /// the last reference to it goes away, or by ``close(linger:)``.
    ///
    /// Calling it more than once, or after the context is terminated, does nothing.
    ///
    /// The corresponding C function is `zmq_ctx_shutdown`.
    public func shutdown() {
        state.withLock { state in
            guard !state.isShutDown, !state.isTerminated else { return }
            state.isShutDown = true
            ContextCalls(handle: handle).shutdown()
        }
    }

    /// Closes every socket of this context that is still open, then terminates the
    /// context, waiting until the sockets have sent what they queued or their linger
    /// has passed: the one call that ends a program's use of ZeroMQ.
    ///
    /// ```swift
    /// try push.send("last words")
    /// context.close()   // delivered, or dropped after the linger; never hangs
    /// ```
    ///
    /// Afterwards each socket of the context throws ``ZMQError/notSocket``, and the
    /// context itself ``ZMQError/contextTerminated``.
    ///
    /// Closing is done once. A call made while another thread closes the context (the
    /// exit handler and the program's own close, say), or after, returns when that close
    /// has finished: the proxies and authenticators of the context have stopped, its
    /// sockets are closed and it is terminated. Two calls never close sockets under a
    /// thread that still uses them. The exceptions, which return at once because the
    /// close under way waits for them: a call from a close hook of that close, and one
    /// from an authenticator's handler.
    ///
    /// Call it from the thread that uses the sockets, or once the threads that use them
    /// have stopped: a socket is not thread-safe, and one that another thread is inside
    /// of cannot be closed under it. (Blocking calls in other threads are woken with
    /// ``ZMQError/contextTerminated`` first, but that is a courtesy, not a guarantee.)
    /// To stop threads that own sockets, use ``shutdown()`` and let each close its own.
    /// The library's own threads (managed proxies, authenticators) are stopped and
    /// joined before any socket is closed.
    ///
    /// - Parameter linger: The linger period given to every socket before it is
    ///   closed; `nil` keeps each socket's own (``defaultLinger`` unless changed), and
    ///   `.zero` drops every queued message at once.
    ///
    /// The corresponding C functions are `zmq_ctx_shutdown`, `zmq_close` for each
    /// socket, and `zmq_ctx_term`; pyzmq calls this `Context.destroy`.
    public func close(linger: Timeout? = nil) {
        let caller = CallingThread.current
        enum Role { case closer(hooks: [@Sendable () -> Void]), waiter, closerItself }
        let role: Role = state.withLock { state in
            switch state.closing {
            case .notStarted:
                // From now on no socket, monitor or close hook can be added: the hooks
                // taken here are all there will be.
                state.closing = .running(by: caller)
                defer { state.closeHooks = [:] }
                return .closer(hooks: Array(state.closeHooks.values))
            case .running(let closer):
                // Waiting would never end for the closer itself (a close hook that closes
                // the context) and for a thread a close hook waits for (a ZAP handler).
                return closer == caller || ManagedThread.isCurrentThreadControlled ? .closerItself : .waiter
            case .done:
                return .waiter
            }
        }
        switch role {
        case .closerItself:
            return
        case .waiter:
            ended.wait()
            return
        case .closer(let hooks):
            // First what must stop before its sockets close (a proxy's thread, an
            // authenticator's, a monitor), outside the lock: stopping closes sockets,
            // which takes it.
            for hook in hooks { hook() }
        }
        let terminates = state.withLock { state in
            let terminates = state.termination == .notStarted
            if terminates {
                state.termination = .running(by: caller)
                if !state.isShutDown { ContextCalls(handle: handle).shutdown() }
                state.isShutDown = true
            }
            // After zmq_ctx_term has returned no socket is open; while a terminate() is
            // in it, it waits for these.
            for (socket, owner) in state.sockets {
                owner.socket?.forgetHandle()
                // The close hooks detached every monitor; one attached since is detached
                // here (after the shutdown, libzmq may already have stopped it: harmless).
                let calls = SocketCalls(socket.raw)
                if owner.monitor != nil { _ = calls.monitor(nil, events: 0) }
                owner.readiness?.close()
                if let linger { _ = calls.setLinger(linger) }
                calls.close()
            }
            state.sockets = [:]
            return terminates
        }
        if terminates {
            terminateHandle()
        } else {
            ended.wait()  // a terminate() under way, which the sockets closed here let end
        }
        state.withLock { $0.closing = .done }
    }

    /// Terminates the context: blocking operations on its sockets fail with
    /// ``ZMQError/contextTerminated``, then the call waits until every socket of the
    /// context has been closed and has flushed its messages or reached its linger.
    ///
    /// It waits for the sockets to be closed by the threads that own them, as
    /// `zmq_ctx_term` does. Called from the one thread that still holds an open socket,
    /// it waits forever: use ``close(linger:)`` there, which closes them first.
    /// Terminating is done once: a call made while another thread closes or terminates
    /// the context, or after, returns when that has finished (at once from a close hook
    /// of that close, or from an authenticator's handler, which it waits for).
    ///
    /// The corresponding C function is `zmq_ctx_term`.
    public func terminate() {
        let caller = CallingThread.current
        enum Role { case terminator, waiter, closerItself }
        let role: Role = state.withLock { state in
            if state.closing == .notStarted && state.termination == .notStarted {
                state.termination = .running(by: caller)
                state.isShutDown = true
                return .terminator
            }
            // A close or a termination is under way, or done.
            if case .running(let closer) = state.closing, closer == caller { return .closerItself }
            if ManagedThread.isCurrentThreadControlled && state.termination != .done { return .closerItself }
            return .waiter
        }
        switch role {
        case .terminator: terminateHandle()
        case .waiter: ended.wait()
        case .closerItself: return
        }
    }

    /// Whether ``shutdown()``, ``close(linger:)`` or ``terminate()`` has been called.
    public var isShutDown: Bool {
        state.withLock { !$0.isOpen }
    }

    /// `zmq_ctx_term`, by the one caller that set the termination running, outside the
    /// lock (it waits for sockets whose closing takes the lock); then wakes whoever waits
    /// for the end.
    private func terminateHandle() {
        Context.terminate(handle)
        state.withLock { $0.termination = .done }
        ended.set()
    }

    /// `zmq_ctx_term`, retried after `EINTR` as libzmq asks.
    private static func terminate(_ handle: UnsafeMutableRawPointer) {
        ContextCalls(handle: handle).terminate()
    }

    /// Called at process exit for every context still alive: closes its sockets with
    /// their own linger and terminates it, so that what they queued is delivered.
    fileprivate func closeAtExit() {
        // A forked child shares the parent's exit handlers but not libzmq's threads.
        guard creator == getpid() else { return }
        close()
    }
}

// MARK: - Sockets

extension Context {
    /// Creates a libzmq socket in this context with ``defaultLinger``, unless the
    /// context is shut down, and records it as open.
    ///
    /// The state lock is held across `zmq_socket` so that ``terminate()`` can never
    /// free the context while a socket is being created in it.
    func openSocket(type: Int32, kindName: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        let result: Result<UnsafeMutableRawPointer, ZMQError> = state.withLock { state in
            guard state.isOpen else {
                return .failure(.contextShutDown("socket", target: kindName))
            }
            let socket: SocketCalls
            switch SocketCalls.open(in: handle, type: type) {
            case .success(let opened): socket = opened
            case .failure(let error): return .failure(ZMQError(error.code, operation: "socket", target: kindName))
            }
            if let error = socket.setLinger(defaultLinger) {
                socket.close()
                return .failure(ZMQError(error.code, operation: "setsockopt", target: "ZMQ_LINGER = \(defaultLinger)"))
            }
            state.sockets[SocketHandle(raw: socket.handle)] = SocketOwner()
            return .success(socket.handle)
        }
        return try result.get()
    }

    /// Records `owner` as the `Socket` that holds `socket`, so that ``close(linger:)``
    /// can mark it closed.
    ///
    /// - Returns: `false` when the context closed the socket in the meantime.
    func adopt(_ socket: UnsafeMutableRawPointer, by owner: some SocketHandleOwner) -> Bool {
        let key = SocketHandle(raw: socket)
        let owner = SocketOwner(socket: owner)
        return state.withLock { state in
            guard state.sockets[key] != nil else { return false }
            state.sockets[key] = owner
            return true
        }
    }

    /// Closes a socket of this context, unless ``close(linger:)`` already did.
    ///
    /// A socket with a ``Monitor`` attached is detached from it first, on this thread:
    /// libzmq then sends `ZMQ_EVENT_MONITOR_STOPPED` to the monitor now, while its PAIR
    /// socket is certainly open, instead of later from its reaper thread.
    func closeSocket(_ socket: UnsafeMutableRawPointer) {
        let key = SocketHandle(raw: socket)
        state.withLock { state in
            if let owner = state.sockets.removeValue(forKey: key) {
                let calls = SocketCalls(key.raw)
                if let monitor = owner.monitor {
                    _ = calls.monitor(nil, events: 0)
                    state.closeHooks[monitor.hook] = nil
                }
                owner.readiness?.close()
                calls.close()
            }
        }
    }
}

extension Context {
    /// Puts `socket`'s `ZMQ_FD` in the shared ``Reactor``'s kernel queue, the first
    /// time a task waits on it, and records it so that closing the socket removes it.
    ///
    /// Under the state lock, so that the socket cannot be closed meanwhile.
    func registerReadiness(_ socket: UnsafeMutableRawPointer, kindName: String) throws(ZMQError) -> SocketReadiness {
        let reactor = try Reactor.instance.get()
        let key = SocketHandle(raw: socket)
        let result: Result<SocketReadiness, ZMQError> = state.withLock { state in
            guard state.sockets[key] != nil else {
                return .failure(.closed("wait", socket: kindName))
            }
            let fd: Int32
            switch SocketCalls(socket).fileDescriptor() {
            case .success(let descriptor): fd = descriptor
            case .failure(let error): return .failure(ZMQError(error.code, operation: "getsockopt", target: "ZMQ_FD"))
            }
            let readiness = SocketReadiness(fd: fd, reactor: reactor)
            // The kernel queue's reference, released by SocketReadiness.close().
            let retained = Unmanaged.passRetained(readiness)
            do throws(ZMQError) {
                try reactor.events.add(fd, token: UInt(bitPattern: retained.toOpaque()))
            } catch {
                retained.release()
                return .failure(error)
            }
            state.sockets[key]?.readiness = readiness
            return .success(readiness)
        }
        return try result.get()
    }
}

extension Context {
    /// Registers `hook` to run when ``close(linger:)`` (or the exit handler) closes the
    /// context, before any socket is closed: for what owns sockets on a thread of its
    /// own, or must detach from a socket before either closes (a managed proxy, a socket
    /// monitor). The hook runs at most once, on the thread that closes the context.
    ///
    /// - Returns: A token for ``removeCloseHook(_:)``.
    /// - Throws: ``ZMQError/contextTerminated`` when the context is shut down or closing,
    ///   so that nothing starts that the close would not stop.
    func addCloseHook(operation: String, _ hook: @escaping @Sendable () -> Void) throws(ZMQError) -> Int {
        let token: Int? = state.withLock { state in
            guard state.isOpen else { return nil }
            state.nextHookToken += 1
            state.closeHooks[state.nextHookToken] = hook
            return state.nextHookToken
        }
        guard let token else {
            throw ZMQError(CZMQ_ETERM, operation: operation, reason: "the context is shut down")
        }
        return token
    }

    /// Removes a hook that ``addCloseHook(_:)`` registered, once what it would stop has
    /// stopped by itself.
    func removeCloseHook(_ token: Int) {
        _ = state.withLock { $0.closeHooks.removeValue(forKey: token) }
    }
}

// MARK: - Monitors

/// A ``Monitor`` attached to a socket of its context: the token that tells it from a
/// later monitor of the same socket, and its close hook.
struct MonitorAttachment: Sendable {
    let token: Int
    let hook: Int
}

extension Context {
    /// Attaches a monitor to `socket` (`zmq_socket_monitor`), publishing `events` on the
    /// inproc `endpoint`, and registers a close hook that detaches it before
    /// ``close(linger:)`` closes any socket.
    ///
    /// Under the state lock, so that the socket cannot be closed meanwhile, and so that
    /// ``closeSocket(_:)`` knows to detach the monitor before it closes the socket.
    func attachMonitor(
        to socket: UnsafeMutableRawPointer, endpoint: String, events: Int32, kindName: String
    ) throws(ZMQError) -> MonitorAttachment {
        let key = SocketHandle(raw: socket)
        let result: Result<MonitorAttachment, ZMQError> = state.withLock { state in
            guard state.isOpen else {
                return .failure(.contextShutDown("zmq_socket_monitor", target: kindName))
            }
            guard state.sockets[key] != nil else {
                return .failure(.closed("zmq_socket_monitor", socket: kindName))
            }
            if let error = SocketCalls(socket).monitor(endpoint, events: events) {
                return .failure(ZMQError(error.code, operation: "zmq_socket_monitor", target: kindName))
            }
            state.nextMonitorToken += 1
            state.nextHookToken += 1
            let attachment = MonitorAttachment(token: state.nextMonitorToken, hook: state.nextHookToken)
            state.closeHooks[attachment.hook] = { [weak self] in
                self?.detachMonitor(from: key, attachment)
            }
            state.sockets[key]?.monitor = attachment
            return .success(attachment)
        }
        return try result.get()
    }

    /// Detaches the monitor `attachment` from `socket` (`zmq_socket_monitor` with a
    /// null endpoint), unless the socket was closed, or another monitor replaced it, since.
    func detachMonitor(from socket: UnsafeMutableRawPointer, _ attachment: MonitorAttachment) {
        detachMonitor(from: SocketHandle(raw: socket), attachment)
    }

    private func detachMonitor(from key: SocketHandle, _ attachment: MonitorAttachment) {
        state.withLock { state in
            state.closeHooks[attachment.hook] = nil
            guard state.sockets[key]?.monitor?.token == attachment.token else { return }
            _ = SocketCalls(key.raw).monitor(nil, events: 0)
            state.sockets[key]?.monitor = nil
        }
    }
}

extension ZMQError {
    /// The error for creating something in a context that is shut down.
    static func contextShutDown(_ operation: StaticString, target: String) -> ZMQError {
        ZMQError(CZMQ_ETERM, operation: operation.description, target: target, reason: "the context is shut down")
    }
}

/// The thread that calls into a context, to tell the thread that closes it from others.
///
/// @unchecked Sendable: a thread identifier, only compared (`pthread_equal`).
private struct CallingThread: Equatable, @unchecked Sendable {
    let raw: pthread_t

    static var current: CallingThread { CallingThread(raw: pthread_self()) }

    static func == (lhs: CallingThread, rhs: CallingThread) -> Bool {
        pthread_equal(lhs.raw, rhs.raw) != 0
    }
}

/// A libzmq context handle on its way to the thread that terminates it.
///
/// @unchecked Sendable: libzmq's context functions are thread-safe, and the handle is
/// used by that one thread only, after the `Context` that owned it is gone.
private struct ContextHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// A `Socket`, as its context sees it.
protocol SocketHandleOwner: AnyObject {
    /// Marks the socket closed after its context closed the libzmq socket.
    func forgetHandle()
}

/// An open libzmq socket handle, as the key of a context's table of open sockets.
///
/// @unchecked Sendable: the handle is an opaque address that the context only
/// compares, and closes under its lock, exactly once.
private struct SocketHandle: Hashable, @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// A weak reference to the `Socket` that owns an open libzmq socket.
///
/// @unchecked Sendable: `Socket` is not thread-safe, and the context reaches it only in
/// ``Context/close(linger:)`` (directly or at process exit), to mark it closed. That
/// method's contract is that no other thread is using the context's sockets then, which
/// is also what closing them requires.
private struct SocketOwner: @unchecked Sendable {
    weak var socket: (any SocketHandleOwner)?
    /// The monitor attached to the socket, which must be detached before it closes.
    var monitor: MonitorAttachment?
    /// The socket's place in the reactor, once a task has awaited it, which must be
    /// removed before it closes.
    var readiness: SocketReadiness?
}

/// The exit handler that closes what top-level code leaves open.
///
/// Swift never releases global variables, so a context and sockets created in
/// top-level code are never closed, and a process that exits with messages still
/// queued would lose them when libzmq's threads die with it. The handler, installed
/// with `atexit` when the first context is created, closes every context still alive,
/// as czmq does at exit.
private enum ExitHandler {
    /// The contexts alive now, held weakly, by identity.
    static let contexts = Locked<[ObjectIdentifier: WeakContext]>([:])

    struct WeakContext {
        weak var context: Context?
    }

    static let installed: Void = {
        atexit {
            let alive = ExitHandler.contexts.withLock { contexts in
                contexts.values.compactMap(\.context)
            }
            for context in alive {
                context.closeAtExit()
            }
        }
    }()

    static func register(_ context: Context) {
        _ = installed
        contexts.withLock { $0[ObjectIdentifier(context)] = WeakContext(context: context) }
    }

    static func unregister(_ context: Context) {
        _ = contexts.withLock { $0.removeValue(forKey: ObjectIdentifier(context)) }
    }
}

// MARK: - Options

extension Context {
    /// Sets a context option.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` when the value is out of range or libzmq
    ///   refuses it, naming the option and the value; ``ZMQError/contextTerminated``
    ///   once the context is terminated.
    ///
    /// The corresponding C function is `zmq_ctx_set`.
    public func setOption<Value>(_ option: ContextOption<Value>, _ value: Value) throws(ZMQError) {
        try set(option.name, option.cName, option.encode(value), value)
    }

    /// Sets a context option that libzmq does not let you read back.
    ///
    /// The corresponding C function is `zmq_ctx_set`.
    public func setOption<Value>(_ option: WriteOnlyContextOption<Value>, _ value: Value) throws(ZMQError) {
        try set(option.name, option.cName, option.encode(value), value)
    }

    /// Reads a context option.
    ///
    /// - Throws: ``ZMQError/contextTerminated`` once the context is terminated.
    ///
    /// The corresponding C function is `zmq_ctx_get`.
    public func option<Value>(_ option: ContextOption<Value>) throws(ZMQError) -> Value {
        try option.decode(get(option.name, option.cName, minusOneIsValue: option.minusOneIsValue))
    }

    /// Reads a read-only context property.
    ///
    /// The corresponding C function is `zmq_ctx_get`.
    public func option<Value>(_ option: ReadOnlyContextOption<Value>) throws(ZMQError) -> Value {
        try option.decode(get(option.name, option.cName, minusOneIsValue: false))
    }

    /// Adds a CPU to the set the I/O threads may run on; call it before creating
    /// sockets. The corresponding C option is `ZMQ_THREAD_AFFINITY_CPU_ADD`.
    public func addThreadAffinity(cpu: Int) throws(ZMQError) {
        try set(ZMQ_THREAD_AFFINITY_CPU_ADD, "ZMQ_THREAD_AFFINITY_CPU_ADD", Int32(exactly: cpu), cpu)
    }

    /// Removes a CPU from the set the I/O threads may run on.
    /// The corresponding C option is `ZMQ_THREAD_AFFINITY_CPU_REMOVE`.
    public func removeThreadAffinity(cpu: Int) throws(ZMQError) {
        try set(ZMQ_THREAD_AFFINITY_CPU_REMOVE, "ZMQ_THREAD_AFFINITY_CPU_REMOVE", Int32(exactly: cpu), cpu)
    }

    /// `zmq_ctx_set`, with `raw` the value converted to a C `int` (`nil` when it does
    /// not fit one).
    private func set(_ name: Int32, _ cName: String, _ raw: Int32?, _ value: some Any) throws(ZMQError) {
        guard let raw else {
            throw ZMQError(
                EINVAL, operation: "zmq_ctx_set", target: "\(cName) = \(value)",
                reason: "out of range for a C int (\(Int32.min)...\(Int32.max))")
        }
        _ = try withLiveHandle("zmq_ctx_set", "\(cName) = \(value)") { calls in
            calls.set(name, raw).map { .failure($0) } ?? .success(0)
        }
    }

    /// `zmq_ctx_get`. libzmq returns -1 for an error, which for a few options is also a
    /// value (a scheduling policy of -1 means "unchanged").
    private func get(_ name: Int32, _ cName: String, minusOneIsValue: Bool) throws(ZMQError) -> Int32 {
        try withLiveHandle("zmq_ctx_get", cName) { calls in
            let (value, error) = calls.get(name)
            if let error, !minusOneIsValue { return .failure(error) }
            return .success(value)
        }
    }

    /// Runs `call` on the context's handle unless the context is terminated, under the
    /// state lock so that termination cannot free the context during the call.
    private func withLiveHandle(
        _ operation: StaticString, _ target: @autoclosure () -> String,
        _ call: (ContextCalls) -> Result<Int32, Errno>
    ) throws(ZMQError) -> Int32 {
        let result: Result<Int32, ZMQError> = state.withLock { state in
            guard !state.isTerminated else {
                return .failure(
                    ZMQError(
                        CZMQ_ETERM, operation: operation.description, target: target(),
                        reason: "the context is terminated"))
            }
            return call(ContextCalls(handle: handle)).mapError { error in
                ZMQError(error.code, operation: operation.description, target: target())
            }
        }
        return try result.get()
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
    /// The C `int` for a value, or `nil` when the value does not fit one.
    let encode: @Sendable (Value) -> Int32?
    let decode: @Sendable (Int32) -> Value
    /// Whether -1 from `zmq_ctx_get` is a value rather than an error.
    var minusOneIsValue = false
}

/// A context property that can only be read, typed by its value.
public struct ReadOnlyContextOption<Value>: Sendable {
    let name: Int32
    let cName: String
    let decode: @Sendable (Int32) -> Value
}

/// A context option that libzmq lets you set but not read, typed by its value.
public struct WriteOnlyContextOption<Value>: Sendable {
    let name: Int32
    let cName: String
    let encode: @Sendable (Value) -> Int32?
}

extension ContextOption where Value == Int {
    init(_ name: Int32, _ cName: String, minusOneIsValue: Bool = false) {
        self.init(
            name: name, cName: cName, encode: { Int32(exactly: $0) }, decode: { Int($0) },
            minusOneIsValue: minusOneIsValue)
    }

    /// The number of I/O threads; set it before creating sockets. The default is 1.
    /// The corresponding C option is `ZMQ_IO_THREADS`.
    public static var ioThreads: Self { .init(ZMQ_IO_THREADS, "ZMQ_IO_THREADS") }

    /// The maximum number of sockets. The default is 1023.
    /// The corresponding C option is `ZMQ_MAX_SOCKETS`.
    public static var maxSockets: Self { .init(ZMQ_MAX_SOCKETS, "ZMQ_MAX_SOCKETS") }

    /// The largest message size the context's sockets accept, at most `Int32.max` (the
    /// default). The corresponding C option is `ZMQ_MAX_MSGSZ`.
    public static var maxMessageSize: Self { .init(ZMQ_MAX_MSGSZ, "ZMQ_MAX_MSGSZ") }

    /// The scheduling policy of the I/O threads, such as `SCHED_RR`; -1, the default,
    /// leaves it unchanged. The corresponding C option is `ZMQ_THREAD_SCHED_POLICY`.
    public static var threadSchedulingPolicy: Self {
        .init(ZMQ_THREAD_SCHED_POLICY, "ZMQ_THREAD_SCHED_POLICY", minusOneIsValue: true)
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

extension WriteOnlyContextOption where Value == Int {
    /// The scheduling priority of the I/O threads: operating-system specific, and not
    /// negative (libzmq refuses that); by default the priority is left unchanged.
    /// libzmq cannot read it back: `zmq_ctx_get` with its number, 3, returns
    /// `ZMQ_SOCKET_LIMIT`, which has the same number.
    /// The corresponding C option is `ZMQ_THREAD_PRIORITY`.
    public static var threadPriority: Self {
        .init(name: ZMQ_THREAD_PRIORITY, cName: "ZMQ_THREAD_PRIORITY", encode: { Int32(exactly: $0) })
    }
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
