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

    /// Under its lock: the phase, the socket table, the close hooks (the extensions in
    /// Context+Sockets.swift, Async/Context+Readiness.swift and
    /// Monitoring/Context+Monitors.swift use it too).
    let state = Locked(State())
    /// Set once the context is terminated: `zmq_ctx_term` has returned. Whoever finds a
    /// close or a termination under way waits for it.
    private let ended = Latch()

    struct State {
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
    enum Step: Equatable, Sendable {
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
    /// <!-- snippet: function; prelude: let context = try Context(); let push = try PushSocket(context) -->
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
    ///   `.zero` gives up on every queued message (once this returns, nothing of the
    ///   context is left to deliver anything).
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

    /// Whether the context is closed to new sockets: `true` once ``shutdown()``,
    /// ``close(linger:)`` or ``terminate()`` has been called, from any thread.
    ///
    /// A closed context makes no more sockets (creating one throws
    /// ``ZMQError/contextTerminated``), nor monitors, proxies or authenticators. Its
    /// sockets may still be open until they are closed: after ``shutdown()`` alone, each
    /// of them throws ``ZMQError/contextTerminated`` until its thread closes it.
    public var isClosed: Bool {
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
    func closeAtExit() {
        // A forked child shares the parent's exit handlers but not libzmq's threads.
        guard creator == getpid() else { return }
        close()
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

extension ZMQError {
    /// The error for creating something in a context that is shut down.
    static func contextShutDown(_ operation: StaticString, target: String) -> ZMQError {
        ZMQError(CZMQ_ETERM, operation: operation.description, target: target, reason: "the context is shut down")
    }
}

/// The thread that calls into a context, to tell the thread that closes it from others.
///
/// @unchecked Sendable: a thread identifier, only compared (`pthread_equal`).
struct CallingThread: Equatable, @unchecked Sendable {
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
