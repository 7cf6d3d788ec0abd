import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A proxy running libzmq's built-in `zmq_proxy_steerable` on a thread of its own,
/// and the static functions that run a proxy in the calling thread.
///
/// A proxy forwards messages between a frontend socket and a backend socket: a ROUTER
/// and a DEALER make a shared queue between clients and workers, an XSUB and an XPUB a
/// forwarder between publishers and subscribers, a PULL and a PUSH a streamer.
///
/// <!-- snippet: function; prelude: let context = try Context() -->
/// ```swift
/// let frontend = try RouterSocket(context)
/// try frontend.bind("tcp://*:5559")
/// let backend = try DealerSocket(context)
/// try backend.bind("tcp://*:5560")
/// let proxy = try Proxy.start(frontend: frontend, backend: backend)
/// // frontend and backend now belong to the proxy's thread.
/// try proxy.pause()
/// try proxy.resume()
/// print(try proxy.statistics())
/// proxy.stop()
/// ```
///
/// ``start(frontend:backend:)`` takes the sockets with `sending`: they move to the
/// proxy's thread, which closes them when the proxy ends. In a function, the compiler
/// rejects any later use of them by the caller; top-level code keeps its sockets in
/// global variables, which the compiler does not follow, so there the rule is checked
/// when the program runs: every later use of a socket handed to a proxy throws
/// ``ZMQError/notSocket`` ("the socket belongs to a proxy"), as a closed socket does.
/// Control sockets (a PAIR pair over a unique `inproc` endpoint) are created and
/// connected for you.
///
/// A managed proxy ends, and its thread has ended and its sockets are closed, when:
/// - ``stop()-25xvs`` is called, or the last reference to the `Proxy` goes away;
/// - its context is closed (``Context/close(linger:)``, or the exit handler at process
///   exit), which terminates the proxy and waits for its thread before closing any
///   socket;
/// - its context is shut down (``Context/shutdown()``), which ends it with
///   ``ZMQError/contextTerminated``.
///
/// After it has ended, ``pause(timeout:)-6mxk2``, ``resume(timeout:)-quer`` and
/// ``statistics(timeout:)-2j7w8`` throw an error that says why it ended, and ``stop()-25xvs``
/// does nothing.
///
/// `Proxy` is `Sendable`: its commands are served one at a time, in order, so any thread
/// or task may steer it. In async code, the `async` forms of the commands wait for the
/// proxy without blocking a thread (the blocking forms are not available there), and
/// releasing the last reference on the ``Reactor`` thread does not wait for the proxy's
/// thread.
public final class Proxy: Sendable {
    private let core: ProxyCore

    private init(core: ProxyCore) {
        self.core = core
    }

    /// Terminates the proxy, if it still runs, and waits for its thread; on the
    /// ``Reactor`` thread, it does not wait: the thread ends and closes its sockets by
    /// itself.
    deinit {
        core.thread.stop()
    }

    /// Pauses the proxy: it stops forwarding, and messages wait in the sockets' queues
    /// (and, beyond their high-water marks, in the peers').
    ///
    /// Returns once the proxy has paused: after the `PAUSE` command, it asks the proxy
    /// for its statistics and waits for the answer, which the proxy sends only after it
    /// has handled `PAUSE`. Pausing a paused proxy does nothing more.
    ///
    /// It blocks the calling thread while it waits, so async code cannot call it: there,
    /// `try await proxy.pause()` (``pause(timeout:)-2luag``) waits without blocking one.
    ///
    /// - Parameter timeout: How long to wait for the commands before it, and for the
    ///   proxy's answer, rounded up to whole milliseconds (negative: zero).
    /// - Throws: ``ZMQError/again`` when the proxy did not answer within `timeout`;
    ///   once the proxy has ended, ``ZMQError/invalidState`` if it was stopped, or the
    ///   error that ended it (``ZMQError/contextTerminated`` when its context was shut
    ///   down).
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `PAUSE` command.
    @available(
        *, noasync,
        message:
            "it blocks the thread; use 'try await proxy.pause()', from a Task in top-level code (which always picks this form)"
    )
    public func pause(timeout: Duration = .seconds(5)) throws(ZMQError) {
        _ = try core.command(.pause, operation: "pause proxy", timeout: Timeout(timeout))
    }

    /// Pauses the proxy, as ``pause(timeout:)-6mxk2`` does, waiting for its answer without
    /// blocking a thread.
    ///
    /// - Parameter timeout: How long to wait for the proxy's answer.
    /// - Throws: what ``pause(timeout:)-6mxk2`` throws, and `CancellationError` when the task is
    ///   cancelled while it waits (the command has been sent; the next one reads the
    ///   answer).
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `PAUSE` command.
    public nonisolated(nonsending) func pause(timeout: Duration = .seconds(5)) async throws {
        _ = try await core.command(.pause, operation: "pause proxy", timeout: Timeout(timeout))
    }

    /// Resumes a paused proxy; resuming one that forwards does nothing.
    ///
    /// Returns once the proxy forwards again, as ``pause(timeout:)-6mxk2`` does.
    ///
    /// - Parameter timeout: How long to wait for the commands before it, and for the
    ///   proxy's answer.
    /// - Throws: as ``pause(timeout:)-6mxk2`` does.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `RESUME` command.
    @available(
        *, noasync,
        message:
            "it blocks the thread; use 'try await proxy.resume()', from a Task in top-level code (which always picks this form)"
    )
    public func resume(timeout: Duration = .seconds(5)) throws(ZMQError) {
        _ = try core.command(.resume, operation: "resume proxy", timeout: Timeout(timeout))
    }

    /// Resumes a paused proxy, as ``resume(timeout:)-quer`` does, waiting for its answer
    /// without blocking a thread.
    ///
    /// - Parameter timeout: How long to wait for the proxy's answer.
    /// - Throws: as ``pause(timeout:)-2luag`` does.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `RESUME` command.
    public nonisolated(nonsending) func resume(timeout: Duration = .seconds(5)) async throws {
        _ = try await core.command(.resume, operation: "resume proxy", timeout: Timeout(timeout))
    }

    /// What the proxy has forwarded since it started.
    ///
    /// - Parameter timeout: How long to wait for the commands before it, and for the
    ///   proxy's answer.
    /// - Throws: as ``pause(timeout:)-6mxk2`` does.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `STATISTICS`
    /// command.
    @available(
        *, noasync,
        message:
            "it blocks the thread; use 'try await proxy.statistics()', from a Task in top-level code (which always picks this form)"
    )
    public func statistics(timeout: Duration = .seconds(5)) throws(ZMQError) -> ProxyStatistics {
        try core.command(nil, operation: "proxy statistics", timeout: Timeout(timeout))
    }

    /// What the proxy has forwarded since it started, waiting for its answer without
    /// blocking a thread.
    ///
    /// - Parameter timeout: How long to wait for the proxy's answer.
    /// - Throws: as ``pause(timeout:)-2luag`` does.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `STATISTICS`
    /// command.
    public nonisolated(nonsending) func statistics(timeout: Duration = .seconds(5)) async throws -> ProxyStatistics {
        try await core.command(nil, operation: "proxy statistics", timeout: Timeout(timeout))
    }

    /// Stops the proxy and waits until its thread has ended and closed its sockets.
    ///
    /// The proxy ends as soon as it has forwarded the message in hand. Calling it again,
    /// or after the proxy ended by itself, does nothing.
    ///
    /// On the ``Reactor`` thread it does not wait, since that would stall every task
    /// waiting there: it asks the proxy to end and returns, and the thread ends and closes
    /// its sockets by itself. Async code cannot call it: there, `await proxy.stop()`
    /// (``stop()-23hlv``) waits without blocking a thread.
    ///
    /// libzmq copies each frame to the capture socket with a blocking send, so a proxy
    /// whose capture socket cannot take a message (a PUSH without a peer) waits there,
    /// and so does this call; give such a capture socket a ``SocketOption/sendTimeout``,
    /// or close the context, which ends the proxy in any case.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `TERMINATE`
    /// command, then `pthread_join`.
    @available(
        *, noasync,
        message:
            "it blocks the thread; use 'await proxy.stop()', from a Task in top-level code (which always picks this form)"
    )
    public func stop() {
        core.thread.stop()
    }

    /// Stops the proxy, as ``stop()-25xvs`` does, and waits without blocking a thread
    /// until its thread has ended and closed its sockets.
    ///
    /// Cancelling the task does not end the wait: it is bounded by the proxy, which ends
    /// once it has forwarded the message in hand (see ``stop()-25xvs`` for a capture socket
    /// that cannot take it).
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `TERMINATE`
    /// command; its thread resumes the task as it ends.
    public nonisolated(nonsending) func stop() async {
        await core.thread.stop()
    }

    /// Whether the proxy still runs: it has not been stopped, and its context has not
    /// been shut down.
    public var isRunning: Bool {
        core.isRunning
    }
}

// MARK: - Starting

extension Proxy {
    /// Starts a two-way proxy between `frontend` and `backend` on a thread of its own,
    /// as ``run(frontend:backend:)`` does in the calling thread, and returns the handle
    /// that steers it.
    ///
    /// The sockets move to the proxy's thread, which closes them when the proxy ends.
    /// The compiler enforces the move in functions; in top-level code, where the
    /// sockets are global variables, any later use of them throws
    /// ``ZMQError/notSocket``, saying that the socket belongs to a proxy. If starting
    /// fails with an error about a socket, nothing is handed over; if the thread
    /// cannot start, the sockets are closed.
    ///
    /// - Throws: ``ZMQError/notSocket`` for a closed socket; ``ZMQError/notSupported`` for
    ///   a ``DynamicSocket`` whose kind cannot do its part;
    ///   ``ZMQError/contextTerminated`` when the context of one of the sockets is shut
    ///   down or being closed.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, on a new thread.
    public static func start<
        Frontend: ReceivingSocketType & SendingSocketType, Backend: ReceivingSocketType & SendingSocketType
    >(
        frontend: sending Socket<Frontend>, backend: sending Socket<Backend>
    ) throws(ZMQError) -> Proxy {
        try Proxy(core: ProxyCore.start(frontend, backend, capture: nil as PushSocket?, twoWay: true))
    }

    /// Starts a two-way proxy that also copies every frame it forwards, and every
    /// command it receives (`PAUSE`, `RESUME`, `STATISTICS`, `TERMINATE`), to `capture`.
    ///
    /// ``pause(timeout:)-6mxk2`` and ``resume(timeout:)-quer`` send `STATISTICS` after their own
    /// command, to know when it has been handled, so the capture socket sees that too.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, on a new thread.
    public static func start<
        Frontend: ReceivingSocketType & SendingSocketType, Backend: ReceivingSocketType & SendingSocketType,
        Capture: SendingSocketType
    >(
        frontend: sending Socket<Frontend>, backend: sending Socket<Backend>, capture: sending Socket<Capture>
    ) throws(ZMQError) -> Proxy {
        try Proxy(core: ProxyCore.start(frontend, backend, capture: capture, twoWay: true))
    }

    /// Starts a one-way proxy (a PULL frontend and a PUSH backend make a streamer) on
    /// a thread of its own, as ``run(from:to:)`` does in the calling thread.
    ///
    /// - Throws: as ``start(frontend:backend:)`` does.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, on a new thread.
    public static func start<Frontend: ReceivingSocketType, Backend: SendingSocketType>(
        from frontend: sending Socket<Frontend>, to backend: sending Socket<Backend>
    ) throws(ZMQError) -> Proxy {
        try Proxy(core: ProxyCore.start(frontend, backend, capture: nil as PushSocket?, twoWay: false))
    }

    /// Starts a one-way proxy with a capture socket, as
    /// ``start(frontend:backend:capture:)`` does for a two-way one.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, on a new thread.
    public static func start<Frontend: ReceivingSocketType, Backend: SendingSocketType, Capture: SendingSocketType>(
        from frontend: sending Socket<Frontend>, to backend: sending Socket<Backend>,
        capture: sending Socket<Capture>
    ) throws(ZMQError) -> Proxy {
        try Proxy(core: ProxyCore.start(frontend, backend, capture: capture, twoWay: false))
    }
}

// MARK: - The proxy's thread and its controller

/// A libzmq socket that its `Socket` handed over to a proxy's thread, which runs the
/// proxy on it and closes it when the proxy ends.
///
/// @unchecked Sendable: the `Socket` gave up the handle (``Socket/handOver(to:)`` set
/// its own to `nil`, so that its later uses throw), so only the holder of this value
/// uses it: the proxy's thread, or, when that thread could not start, the caller that
/// closes it.
struct HandedOverSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let context: Context

    /// Closes the libzmq socket, as the `Socket` would have: through its context,
    /// unless the context closed it already.
    func close() {
        context.closeSocket(handle)
    }
}

extension Socket {
    /// Gives the libzmq socket to `holder`, which uses it on a thread of its own from
    /// now on: every later use of this `Socket` throws ``ZMQError/notSocket`` naming
    /// `holder`, and its `deinit` leaves the socket alone. A ``Poller`` that holds this
    /// socket notices, as it does a close.
    ///
    /// - Returns: The socket, or `nil` when it is closed.
    func handOver(to holder: String) -> HandedOverSocket? {
        guard let handle else { return nil }
        self.handle = nil
        handedOverTo = holder
        socketsClosed.add(1, ordering: .releasing)
        return HandedOverSocket(handle: handle, context: context)
    }
}

/// What a managed proxy shares between its thread, its handle and its contexts' close
/// hooks.
final class ProxyCore: Sendable {
    enum Phase: Sendable {
        case running
        /// Ended by `TERMINATE`: `zmq_proxy_steerable` returned 0.
        case terminated
        /// Ended by an error, `.contextTerminated` when the context was shut down.
        case failed(ZMQError)
    }

    /// Set by the proxy's thread as soon as the proxy returns.
    private let phase = Locked(Phase.running)
    /// `STATISTICS` answers not read yet, because a wait for one timed out or was
    /// cancelled: read by the command that holds the control socket next.
    private let unansweredRequests = Locked(0)
    /// The proxy's thread, its control pair, its stop and its close hooks.
    let thread: ManagedThread

    private init(thread: ManagedThread) {
        self.thread = thread
    }

    /// Creates the control pair, registers the close hooks and starts the thread.
    static func start<F, B, C>(
        _ frontend: sending Socket<F>, _ backend: sending Socket<B>, capture: sending Socket<C>?, twoWay: Bool
    ) throws(ZMQError) -> ProxyCore {
        let operation: StaticString = "start proxy"
        _ = try Proxy.handles(frontend, backend, capture, nil as PairSocket?, twoWay: twoWay, operation: operation)
        var contexts = [frontend.context]
        for other in [backend.context, capture?.context].compactMap({ $0 })
        where !contexts.contains(where: { $0 === other }) {
            contexts.append(other)
        }
        let (thread, control) = try ManagedThread.controlled(
            name: "proxy", stopMessage: { Message(ProxyCommand.terminate.rawValue) },
            stoppedBeforeClosing: contexts)
        let core = ProxyCore(thread: thread)
        // From here the sockets are the proxy's: the caller's `Socket`s throw if used.
        // (`handles` found them open, and nothing closed them since: they are not Sendable.)
        let holder = "a proxy (Proxy.start)"
        let front = frontend.handOver(to: holder)
        let back = backend.handOver(to: holder)
        let tap = capture?.handOver(to: holder)
        guard let front, let back, (capture == nil) == (tap == nil) else {
            // Closed by Context.close(linger:) on another thread since `handles` looked.
            for socket in [front, back, tap] { socket?.close() }
            throw ZMQError.closed(operation, socket: "a socket of the proxy")
        }
        do throws(ZMQError) {
            try thread.start(operation: operation.description) {
                core.run(front, back, tap, control)
            }
        } catch {
            for socket in [front, back] + [tap].compactMap({ $0 }) { socket.close() }
            throw error
        }
        return core
    }

    /// The proxy's thread: runs the proxy until it ends, then closes its sockets.
    private func run(
        _ frontend: HandedOverSocket, _ backend: HandedOverSocket, _ capture: HandedOverSocket?,
        _ control: PairSocket
    ) {
        let error = LibraryCalls.proxy(
            frontend: frontend.handle, backend: backend.handle, capture: capture?.handle,
            control: control.unsafeHandle)
        let ending: Phase = error.map { .failed(Proxy.failure("zmq_proxy_steerable", $0)) } ?? .terminated
        phase.withLock { $0 = ending }
        // Wakes a command that waits for an answer: one empty frame, which no statistics
        // answer is. (The control pair has no high-water mark: this never waits.)
        _ = try? control.trySend(Message())
        control.close()
        capture?.close()
        backend.close()
        frontend.close()
    }

    var isRunning: Bool {
        phase.withLock { phase in
            if case .running = phase { true } else { false }
        }
    }

    /// The error for a command sent after the proxy ended.
    private func endedError(_ operation: StaticString) -> ZMQError {
        let ending = phase.withLock { $0 }
        switch ending {
        case .running:
            return ZMQError(CZMQ_EFSM, operation: operation.description, reason: "the proxy is ending")
        case .terminated:
            return ZMQError(CZMQ_EFSM, operation: operation.description, reason: "the proxy was stopped")
        case .failed(let error):
            if error == .contextTerminated {
                return ZMQError(
                    CZMQ_ETERM, operation: operation.description, reason: "the proxy ended: the context was shut down")
            }
            return ZMQError(error.code, operation: operation.description, reason: "the proxy ended: \(error)")
        }
    }

    /// Sends `command`, if any, then `STATISTICS`, and returns the answer: the proxy
    /// handles commands in order, so the answer means `command` has been handled.
    /// Blocking.
    func command(
        _ command: ProxyCommand?, operation: StaticString, timeout: Timeout
    ) throws(ZMQError) -> ProxyStatistics {
        guard isRunning else { throw endedError(operation) }
        return try thread.withControl(timeout: timeout, operation: operation) {
            (socket) throws(ZMQError) -> ProxyStatistics in
            do throws(ZMQError) {
                try readLateAnswers(on: socket, operation)
                try send(command, on: socket, operation)
                try socket.setOption(.receiveTimeout, timeout)
                var statistics: ProxyStatistics
                repeat {
                    statistics = try answer(socket.receiveMultipart(), operation)
                } while unansweredRequests.withLock { $0 } > 0
                return statistics
            } catch {
                throw failure(error, operation, timeout)
            }
        }
    }

    /// Sends `command`, if any, then `STATISTICS`, and returns the answer, waiting for it
    /// without blocking a thread.
    nonisolated(nonsending) func command(
        _ command: ProxyCommand?, operation: StaticString, timeout: Timeout
    ) async throws -> ProxyStatistics {
        guard isRunning else { throw endedError(operation) }
        return try await thread.withControl { (socket) async throws -> ProxyStatistics in
            do {
                try readLateAnswers(on: socket, operation)
                try send(command, on: socket, operation)
                var statistics: ProxyStatistics
                repeat {
                    // `.infinite`: as long as it takes, whatever ZMQ_RCVTIMEO a blocking
                    // command left on the control socket.
                    let limit = timeout.duration ?? .seconds(Int64.max)
                    guard let parts = try await socket.receiveMultipart(timeout: limit) else { throw ZMQError.again }
                    statistics = try answer(parts, operation)
                } while unansweredRequests.withLock { $0 } > 0
                return statistics
            } catch let error as ZMQError {
                throw failure(error, operation, timeout)
            }
        }
    }

    /// Reads the answers that came after their command stopped waiting.
    private func readLateAnswers(on socket: PairSocket, _ operation: StaticString) throws(ZMQError) {
        while unansweredRequests.withLock({ $0 }) > 0, let frames = try socket.tryReceiveMultipart() {
            _ = try answer(frames, operation)
        }
    }

    /// Sends `command`, if any, then `STATISTICS`. The control pair has no high-water
    /// mark, so a send fails only when the proxy's end is closed: the proxy has ended.
    private func send(_ command: ProxyCommand?, on socket: PairSocket, _ operation: StaticString) throws(ZMQError) {
        if let command {
            guard try socket.trySend(command.rawValue) else { throw endedError(operation) }
        }
        guard try socket.trySend(ProxyCommand.statistics.rawValue) else { throw endedError(operation) }
        unansweredRequests.withLock { $0 += 1 }
    }

    /// Decodes an answer to `STATISTICS`, or throws why the proxy ended when `frames` is
    /// the empty frame its thread sends as it ends.
    private func answer(_ frames: [Message], _ operation: StaticString) throws(ZMQError) -> ProxyStatistics {
        if frames.count == 1 && frames[0].isEmpty { throw endedError(operation) }
        unansweredRequests.withLock { $0 -= 1 }
        return try ProxyStatistics(frames: frames)
    }

    /// What a command throws for `error`: why the proxy ended, when it has.
    private func failure(_ error: ZMQError, _ operation: StaticString, _ timeout: Timeout) -> ZMQError {
        guard isRunning else { return endedError(operation) }
        // A receive that timed out (the turn's own timeout names this operation already).
        if error == .again && error.operation != operation.description {
            return ZMQError(
                EAGAIN, operation: operation.description, reason: "the proxy did not answer within \(timeout)")
        }
        return error
    }
}
