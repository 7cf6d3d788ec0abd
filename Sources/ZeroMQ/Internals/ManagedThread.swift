#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread that the library starts and owns: the reactor's, the one that terminates a
/// context released on the reactor, a managed proxy's, an authenticator's. Every thread
/// the library starts is one of these.
///
/// Each of them:
/// - starts with every blockable signal blocked, so that signals go to the program's own
///   threads and never interrupt a blocking libzmq call with `EINTR`;
/// - is joined once, or detached: ``join()`` waits for it (blocking), ``ended()`` awaits
///   its end without blocking a thread (a continuation that the thread resumes as it
///   ends), and ``detach()`` lets it end by itself;
/// - knows whether it is the calling thread (``isCurrentThread``), from a thread-specific
///   value that the thread sets as it starts.
///
/// A *controlled* thread (``controlled(name:stopMessage:stoppedBeforeClosing:)``: a
/// proxy's, an authenticator's) also has:
/// - a control pair, two PAIR sockets over a unique inproc endpoint: the thread's end,
///   handed to its body, and the steering end, which ``withControl(timeout:operation:_:)``
///   lends to one command at a time, synchronous or async (the *turn*);
/// - a stop: ``requestStop()`` sends the thread its stop message without ever waiting
///   (when a command has the turn, the command sends it as it ends), and ``stop()`` also
///   joins, except on the reactor thread, where it detaches instead so as not to stall
///   every task waiting there; ``stop()-async`` awaits the end instead;
/// - a close hook in each context of the sockets it uses, which stops it before the
///   context closes any socket (``Context/close(linger:)``, the exit handler), and shuts
///   the contexts down if it does not stop within a second.
///
/// The control pair lives in a context of its own (``controlContext``), not in the one
/// whose sockets the thread uses: closing that context cannot close the steering end
/// under a command that awaits an answer on it, and terminating it does not wait for the
/// steering end, which is closed with the `ManagedThread`.
final class ManagedThread: Sendable {
    /// What the thread is, for the errors that name it.
    let name: String

    private let lifecycle = Locked(Lifecycle())
    /// Set by the thread once its body has returned.
    private let endLatch = Latch()
    /// The steering side of a controlled thread; `nil` for the others.
    private let control: Control?

    private struct Lifecycle: Sendable {
        /// The thread, until someone joins or detaches it.
        var handle: ThreadHandle?
        /// Whether someone has joined or detached it (or tried to, before it started).
        var isClaimed = false
        /// Whether the body has returned.
        var hasEnded = false
        /// The tasks in ``ManagedThread/ended()``, resumed by the thread as it ends.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private init(name: String, control: Control?) {
        self.name = name
        self.control = control
    }

    /// Starts `body` on a new thread, to be joined (``join()``, ``ended()``) or detached.
    ///
    /// `body` is `sending`: what it captures belongs to the new thread alone, which is
    /// what lets it cross the `void *` of `pthread_create`.
    static func start(name: String, _ body: sending @escaping () -> Void) throws(ZMQError) -> ManagedThread {
        let thread = ManagedThread(name: name, control: nil)
        try thread.launch(body)
        return thread
    }

    /// Starts `body` on a new thread that nobody joins.
    static func startDetached(name: String, _ body: sending @escaping () -> Void) throws(ZMQError) {
        try start(name: name, body).detach()
    }

    /// Whether the calling thread is this one.
    var isCurrentThread: Bool {
        pthread_getspecific(currentThreadKey) == Unmanaged.passUnretained(self).toOpaque()
    }

    /// Whether the calling thread is a controlled thread: one that a close hook waits for.
    static var isCurrentThreadControlled: Bool {
        guard let current = pthread_getspecific(currentThreadKey) else { return false }
        return Unmanaged<ManagedThread>.fromOpaque(current).takeUnretainedValue().control != nil
    }

    /// Whether the thread's body has returned (or it never started).
    var hasEnded: Bool {
        lifecycle.withLock { $0.hasEnded }
    }

    /// Starts the thread; on failure, ends it as if its body had returned at once.
    private func launch(_ body: sending @escaping () -> Void) throws(ZMQError) {
        let handle: ThreadHandle
        do throws(ZMQError) {
            handle = try spawnThread(name: name) { [self] in
                pthread_setspecific(currentThreadKey, Unmanaged.passUnretained(self).toOpaque())
                body()
                finish()
            }
        } catch {
            finish()
            throw error
        }
        // A close hook may have joined or detached the thread already, before its
        // handle was here: the thread is then detached, so that the system reclaims it.
        let unclaimed: ThreadHandle? = lifecycle.withLock { lifecycle in
            guard !lifecycle.isClaimed else { return handle }
            lifecycle.handle = handle
            return nil
        }
        if let unclaimed { pthread_detach(unclaimed.raw) }
    }

    /// The thread's last act: its close hooks go, and whoever waits for its end is woken.
    private func finish() {
        control?.removeCloseHooks()
        let waiters = lifecycle.withLock { lifecycle in
            lifecycle.hasEnded = true
            defer { lifecycle.waiters = [] }
            return lifecycle.waiters
        }
        endLatch.set()
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Joining

    /// Waits until the thread has ended, and joins it unless someone did, or it was
    /// detached. Blocking: not for the reactor thread. Called on the thread itself, it
    /// returns at once.
    func join() {
        guard !isCurrentThread else { return }
        if let handle = claim() { pthread_join(handle.raw, nil) }
        // A thread joined by another caller, or detached, has ended once this is set.
        endLatch.wait()
    }

    /// Waits until the thread has ended, or `milliseconds` have passed; returns whether it
    /// has ended.
    func wait(milliseconds: Int) -> Bool {
        endLatch.wait(milliseconds: milliseconds)
    }

    /// Awaits the thread's end without blocking a thread: the thread itself resumes the
    /// task as it ends. Then detaches it, if nobody joined it, so that the system
    /// reclaims it as it exits.
    ///
    /// Not ended by cancellation: what it waits for is bounded by the thread, which the
    /// caller has asked to stop.
    func ended() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let hasEnded = lifecycle.withLock { lifecycle in
                if !lifecycle.hasEnded { lifecycle.waiters.append(continuation) }
                return lifecycle.hasEnded
            }
            if hasEnded { continuation.resume() }
        }
        detach()
    }

    /// Lets the thread end by itself: nobody will join it. Does nothing once it has been
    /// joined or detached.
    func detach() {
        if let handle = claim() { pthread_detach(handle.raw) }
    }

    /// The handle to join or detach, for the first caller only.
    private func claim() -> ThreadHandle? {
        lifecycle.withLock { lifecycle in
            defer {
                lifecycle.handle = nil
                lifecycle.isClaimed = true
            }
            return lifecycle.handle
        }
    }
}

// MARK: - Controlled threads

extension ManagedThread {
    /// The steering side of a controlled thread: its control pair's steering end with
    /// the turn that lends it out, its stop message, and its close hooks.
    private final class Control: Sendable {
        let stopMessage: @Sendable () -> Message
        /// The contexts whose close must stop the thread first.
        let contexts: [Context]
        let channel: Locked<Channel>
        /// The token of the close hook in each of `contexts`.
        let hooks = Locked<[(context: Context, token: Int)]>([])

        init(stopMessage: @escaping @Sendable () -> Message, contexts: [Context], socket: sending PairSocket) {
            self.stopMessage = stopMessage
            self.contexts = contexts
            self.channel = Locked(Channel(socket: socket))
        }

        func removeCloseHooks() {
            let tokens = hooks.withLock { hooks in
                defer { hooks = [] }
                return hooks
            }
            for (context, token) in tokens {
                context.removeCloseHook(token)
            }
        }
    }

    /// The steering end of a control pair, and who may use it.
    ///
    /// @unchecked Sendable: a libzmq socket may be used by one thread at a time. This one
    /// is used by the holder of the turn (`busy`), outside the lock but by nobody else,
    /// or under the lock while nobody holds the turn.
    private struct Channel: @unchecked Sendable {
        let socket: PairSocket
        /// Whether a command holds the turn.
        var busy = false
        /// The commands waiting for the turn, in order.
        var queue: [TurnWaiter] = []
        /// A stop asked for while a command held the turn, sent as the turn is released.
        var stopRequested = false
        var stopSent = false

        mutating func sendStop(_ message: Message) {
            // The control pair has no high-water mark: the send never waits. It fails
            // only when the thread's end is closed, that is, once the thread has ended.
            _ = try? socket.trySend(message)
            stopSent = true
            stopRequested = false
        }
    }

    /// A command waiting for the turn: a thread blocked on a latch, or a suspended task.
    private enum TurnWaiter: Sendable {
        case thread(Latch)
        case task(CheckedContinuation<Void, Never>)
    }

    /// A controlled thread, not started yet, with its control pair, and the thread's end
    /// of it for its body; ``start(operation:_:)`` starts it.
    ///
    /// - Parameters:
    ///   - stopMessage: What ``requestStop()`` sends the thread on its control socket.
    ///   - contexts: The contexts of the sockets the thread uses: closing one stops the
    ///     thread first.
    static func controlled(
        name: String, stopMessage: @escaping @Sendable () -> Message, stoppedBeforeClosing contexts: [Context]
    ) throws(ZMQError) -> (thread: ManagedThread, control: PairSocket) {
        let context = try controlContext.get()
        let number = controlEndpointNumbers.withLock { number in
            number += 1
            return number
        }
        let endpoint = "inproc://swift-zeromq.\(name)-control.\(getpid()).\(number)"
        func controlSocket() throws(ZMQError) -> PairSocket {
            let socket = try PairSocket(context)
            try socket.setOption(.linger, .zero)
            // No high-water mark: commands and answers are few, and a stop never waits.
            try socket.setOption(.sendHighWaterMark, 0)
            try socket.setOption(.receiveHighWaterMark, 0)
            return socket
        }
        let control = try controlSocket()
        let steering = try controlSocket()
        try control.bind(endpoint)
        try steering.connect(endpoint)
        let thread = ManagedThread(
            name: name, control: Control(stopMessage: stopMessage, contexts: contexts, socket: steering))
        return (thread, control)
    }

    /// Starts a controlled thread: registers its close hooks, then runs `body`.
    ///
    /// - Parameter operation: What the errors name, such as "start proxy".
    /// - Throws: ``ZMQError/contextTerminated`` when one of its contexts is shut down or
    ///   closing; what `pthread_create` reports.
    func start(operation: String, _ body: sending @escaping () -> Void) throws(ZMQError) {
        guard let control else { preconditionFailure("start(operation:_:) is for controlled threads") }
        // Before the thread starts, so that a context closed from now on stops the thread
        // before it closes the thread's sockets.
        for context in control.contexts {
            let token: Int
            do throws(ZMQError) {
                token = try context.addCloseHook(operation: operation) { [weak self] in
                    self?.stopBeforeContextCloses()
                }
            } catch {
                finish()
                throw error
            }
            control.hooks.withLock { $0.append((context, token)) }
        }
        try launch(body)
    }

    /// Asks the thread to stop, without waiting: sends the stop message now, or, while a
    /// command holds the turn, has that command send it as it ends. Only the first call
    /// sends anything.
    func requestStop() {
        guard let control else { return }
        control.channel.withLock { channel in
            guard !channel.stopSent else { return }
            if channel.busy {
                channel.stopRequested = true
            } else {
                channel.sendStop(control.stopMessage())
            }
        }
    }

    /// Asks the thread to stop, and joins it; on the reactor thread (or the thread
    /// itself), detaches it instead, since joining would stall every task waiting there:
    /// it then ends by itself.
    func stop() {
        requestStop()
        if Reactor.isCurrentThreadIfStarted || isCurrentThread {
            detach()
        } else {
            join()
        }
    }

    /// Asks the thread to stop, and awaits its end without blocking a thread.
    func stop() async {
        requestStop()
        await ended()
    }

    /// The close hook: stops the thread before its context closes its sockets. If it does
    /// not stop within a second, its contexts are shut down, which ends it (once the
    /// handler of an authenticator returns): they are being closed anyway.
    private func stopBeforeContextCloses() {
        requestStop()
        // A thread that closes its own context (a ZAP handler) cannot wait for itself.
        guard !isCurrentThread, let control else { return }
        if !wait(milliseconds: 1000) {
            for context in control.contexts { context.shutdown() }
        }
        join()
    }

    /// Runs `body` with the steering end of the control pair once the commands before it
    /// are done, waiting at most `timeout` for them; no other command uses the socket
    /// until `body` returns. Blocking.
    ///
    /// - Throws: ``ZMQError/again`` when the commands before it take longer than
    ///   `timeout`; what `body` throws.
    func withControl<Result>(
        timeout: Timeout, operation: StaticString, _ body: (PairSocket) throws(ZMQError) -> Result
    ) throws(ZMQError) -> Result {
        guard let control else { preconditionFailure("withControl is for controlled threads") }
        let socket = try acquire(control, timeout: timeout, operation: operation)
        defer { release(control) }
        return try body(socket)
    }

    /// Runs `body` with the steering end of the control pair once the commands before it
    /// are done, waiting without blocking a thread; no other command uses the socket until
    /// `body` returns, across its suspensions too.
    nonisolated(nonsending) func withControl<Result: Sendable>(
        _ body: nonisolated(nonsending) (PairSocket) async throws -> Result
    ) async throws -> Result {
        guard let control else { preconditionFailure("withControl is for controlled threads") }
        let socket = await acquire(control)
        defer { release(control) }
        return try await body(socket)
    }

    /// Takes the turn, waiting at most `timeout` for it.
    private func acquire(_ control: Control, timeout: Timeout, operation: StaticString) throws(ZMQError) -> PairSocket {
        let latch: Latch? = control.channel.withLock { channel in
            guard channel.busy else {
                channel.busy = true
                return nil
            }
            let latch = Latch()
            channel.queue.append(.thread(latch))
            return latch
        }
        if let latch {
            let granted: Bool
            if timeout.isInfinite {
                latch.wait()
                granted = true
            } else {
                granted = latch.wait(milliseconds: Int(timeout.milliseconds))
            }
            if !granted {
                // Withdraws from the queue, unless the turn came in the meantime.
                let withdrawn = control.channel.withLock { channel in
                    guard
                        let index = channel.queue.firstIndex(where: { waiter in
                            if case .thread(let queued) = waiter { queued === latch } else { false }
                        })
                    else { return false }
                    channel.queue.remove(at: index)
                    return true
                }
                if withdrawn {
                    throw ZMQError(
                        EAGAIN, operation: operation.description,
                        reason: "the commands before it did not end within \(timeout)")
                }
            }
        }
        return control.channel.withLock { $0.socket }
    }

    /// Takes the turn, suspending until it comes.
    private func acquire(_ control: Control) async -> PairSocket {
        let isFree = control.channel.withLock { channel in
            defer { channel.busy = true }
            return !channel.busy
        }
        if !isFree {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let isFreeNow = control.channel.withLock { channel in
                    guard channel.busy else {
                        channel.busy = true
                        return true
                    }
                    channel.queue.append(.task(continuation))
                    return false
                }
                if isFreeNow { continuation.resume() }
            }
        }
        return control.channel.withLock { $0.socket }
    }

    /// Gives the turn to the next command, after sending a stop asked for meanwhile.
    private func release(_ control: Control) {
        let next: TurnWaiter? = control.channel.withLock { channel in
            if channel.stopRequested { channel.sendStop(control.stopMessage()) }
            guard !channel.queue.isEmpty else {
                channel.busy = false
                return nil
            }
            return channel.queue.removeFirst()  // the turn passes on: still busy
        }
        switch next {
        case .thread(let latch): latch.set()
        case .task(let continuation): continuation.resume()
        case nil: break
        }
    }
}

/// The context of every control pair: process-wide, inproc only (no I/O thread), never
/// terminated, and left out of the exit handler, which must not close a control socket
/// under a proxy that still runs.
private let controlContext: Result<Context, ZMQError> = Result { () throws(ZMQError) in
    let context = try Context(defaultLinger: .zero, closedAtExit: false)
    try context.setOption(.ioThreads, 0)
    try context.setOption(.maxSockets, context.option(.socketLimit))
    return context
}

/// Process-wide numbers for the control endpoints.
private let controlEndpointNumbers = Locked(0)

// MARK: - Threads

/// The key of the thread-specific value in which each managed thread keeps its
/// `ManagedThread`, for ``ManagedThread/isCurrentThread``.
private let currentThreadKey: pthread_key_t = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key, nil)
    precondition(rc == 0, "pthread_key_create failed: \(rc)")
    return key
}()

/// A `pthread_t`, kept to be joined or detached.
///
/// @unchecked Sendable: a thread handle may be joined or detached from any thread;
/// `ManagedThread` hands it out once, under its lock.
private struct ThreadHandle: @unchecked Sendable {
    let raw: pthread_t
}

/// The closure a new thread runs, boxed so that it can cross `pthread_create`'s
/// `void *` argument.
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Starts `body` on a new joinable thread with every blockable signal blocked.
private func spawnThread(name: String, _ body: sending @escaping () -> Void) throws(ZMQError) -> ThreadHandle {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    // The new thread inherits the creator's signal mask: block everything around the
    // creation, then restore the creator's.
    var all = sigset_t()
    var previous = sigset_t()
    sigfillset(&all)
    pthread_sigmask(SIG_SETMASK, &all, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    #if canImport(Darwin)
    var thread: pthread_t?
    let rc = pthread_create(
        &thread, nil,
        { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
    if rc == 0, let thread { return ThreadHandle(raw: thread) }
    #else
    var thread = pthread_t()
    let rc = pthread_create(
        &thread, nil,
        { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
    if rc == 0 { return ThreadHandle(raw: thread) }
    #endif
    Unmanaged<ThreadBody>.fromOpaque(box).release()
    throw ZMQError(rc, operation: "pthread_create", target: name)
}

/// A one-way flag that a thread sets once, and others wait for.
final class Latch: @unchecked Sendable {
    // @unchecked Sendable: `isSet` is only read or written under `mutex`, and waiters
    // sleep on `condition`, which is signalled under the same mutex.
    private var isSet = false
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deinitialize(count: 1)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Sets the flag and wakes every waiter.
    func set() {
        pthread_mutex_lock(mutex)
        isSet = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits until the flag is set.
    func wait() {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !isSet {
            pthread_cond_wait(condition, mutex)
        }
    }

    /// Waits until the flag is set or `milliseconds` have passed; returns whether it is
    /// set.
    func wait(milliseconds: Int) -> Bool {
        // The realtime clock, which pthread_cond_timedwait uses by default; a clock step
        // can only shorten or lengthen this one wait.
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let nanoseconds = Int(deadline.tv_nsec) + (milliseconds % 1000) * 1_000_000
        deadline.tv_sec += milliseconds / 1000 + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !isSet {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
        }
        return isSet
    }
}
