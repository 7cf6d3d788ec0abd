import CZeroMQ
import Synchronization

/// The tasks waiting on one socket, in one FIFO queue per direction, and the socket's
/// `ZMQ_FD` in the reactor's kernel queue.
///
/// Only the head of a queue tries the operation. Tasks that wait for readiness without
/// an operation (``Socket/wait(for:timeout:)``) are in a third queue, ``Direction/watch``,
/// whose members are all woken together, since none takes anything from the socket. A waiter is woken by the reactor (an
/// edge of `ZMQ_FD`), by the wake-up rule after a call on the socket (``notify(pollIn:pollOut:)``),
/// by the head ahead of it leaving, by its timer, by cancellation, or by closing the
/// socket; a wake that comes while it is running is kept for its next park. Docs/Async.md,
/// "How it uses libzmq", tells the whole story and its rules.
///
/// ### Timers
/// Each waiter has its own deadline, but the reactor holds at most one timer for each
/// queue, set to the earliest deadline in it, and kept when waiters leave: a wait that
/// ends in time costs no timer at all unless it has the earliest deadline. When the
/// timer fires, the waiters whose deadline has passed are woken, and the timer is set
/// again for the earliest deadline left, if any.
///
/// Parked waiters hold no message: a message is taken out of libzmq only by the woken
/// task itself, which returns it. So a wait ended by cancellation, a timeout or a
/// close loses nothing.
@usableFromInline
final class SocketReadiness: @unchecked Sendable {
    // @unchecked Sendable: `fd` and `reactor` never change, and everything else is in
    // `state`, under its lock.

    @usableFromInline
    enum Direction: Sendable {
        /// Tasks that receive, or send: only the head of the queue tries.
        case receive, send
        /// Tasks that wait until `ZMQ_EVENTS` shows what they are interested in: every
        /// one is woken, on every edge and whenever the events show its interest.
        case watch

        /// The `ZMQ_EVENTS` flag that shows the socket ready for a receive or a send.
        var pollFlag: Int32 { Int32(self == .receive ? ZMQ_POLLIN : ZMQ_POLLOUT) }
    }

    /// Why a parked waiter was resumed, strongest last: a stronger reason replaces a
    /// weaker one that is still pending.
    enum Wake: Int, Sendable, Comparable {
        case ready, timedOut, cancelled, closed

        static func < (lhs: Wake, rhs: Wake) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// One task waiting to send, to receive, or for readiness.
    final class Waiter: @unchecked Sendable {
        // @unchecked Sendable: the mutable fields are read and written only under the
        // lock of the readiness that the waiter is queued in.
        let direction: Direction
        /// The `ZMQ_EVENTS` flags that end the wait of a ``Direction/watch`` waiter.
        let interest: Int32
        // Exempt from dynamic exclusivity checks: only accessed under the lock.
        /// The parked task, while it is parked.
        @exclusivity(unchecked)
        fileprivate var continuation: UnsafeContinuation<Wake, Never>?
        /// A wake that came while the task was not parked.
        @exclusivity(unchecked)
        fileprivate var pending: Wake?
        /// When the wait times out, in ``Reactor/now()`` nanoseconds; `UInt64.max`
        /// for never.
        let deadline: UInt64

        init(_ direction: Direction, interest: Int32, deadline: UInt64) {
            self.direction = direction
            self.interest = interest
            self.deadline = deadline
        }
    }

    /// What setting a queue's timer asks of the reactor: the timer to add, and the
    /// identifier of the one it replaces, to cancel.
    private typealias TimerChange = (add: (deadline: UInt64, generation: UInt64), cancel: UInt64?)

    /// The reactor timer of one queue: see "Timers" above.
    private struct QueueTimer: Sendable {
        var deadline: UInt64
        /// Tells this timer from earlier ones of the queue, replaced or gone, which
        /// may still fire.
        var generation: UInt64
        /// The reactor's identifier, once it is added.
        var id: UInt64?
    }

    let fd: Int32
    let reactor: Reactor

    /// How many sockets of the process have tasks in their wait queues: a ``Poller``
    /// applies the wake-up rule to its sockets after `zmq_poll` only while some do.
    /// Changed by ``Socket/joinedWaiters()`` and ``Socket/leftWaiters()`` when a
    /// socket's first task joins and its last one leaves.
    @usableFromInline
    static let socketsWithWaiters = Atomic<Int>(0)
    private let state = Locked(State())

    private struct State: Sendable {
        var receivers: [Waiter] = []
        var senders: [Waiter] = []
        var watchers: [Waiter] = []
        var closed = false
        var receiveTimer: QueueTimer?
        var sendTimer: QueueTimer?
        var watchTimer: QueueTimer?
        var timerGeneration: UInt64 = 0

        /// The queue of `direction`, changed in place (a get and a set would copy the
        /// array, and appending to the copy would allocate a new one on every wait).
        subscript(direction: Direction) -> [Waiter] {
            get {
                switch direction {
                case .receive: receivers
                case .send: senders
                case .watch: watchers
                }
            }
            _modify {
                switch direction {
                case .receive: yield &receivers
                case .send: yield &senders
                case .watch: yield &watchers
                }
            }
        }

        subscript(timer direction: Direction) -> QueueTimer? {
            get {
                switch direction {
                case .receive: receiveTimer
                case .send: sendTimer
                case .watch: watchTimer
                }
            }
            set {
                switch direction {
                case .receive: receiveTimer = newValue
                case .send: sendTimer = newValue
                case .watch: watchTimer = newValue
                }
            }
        }

        /// Takes the continuations of the parked watchers whose interest `events` shows
        /// (every one for `nil`), except `running`; records the wake for the others.
        func wakeWatchers(showing events: Int32?, except running: Waiter? = nil) -> [UnsafeContinuation<Wake, Never>] {
            var woken: [UnsafeContinuation<Wake, Never>] = []
            for watcher in watchers where watcher !== running && events.map({ $0 & watcher.interest != 0 }) ?? true {
                if let continuation = SocketReadiness.wake(watcher, .ready) { woken.append(continuation) }
            }
            return woken
        }

        /// Makes `deadline` the queue's timer, replacing the current one; returns
        /// what the reactor must add, and the identifier of the replaced timer to
        /// cancel.
        mutating func setTimer(
            _ direction: Direction, _ deadline: UInt64
        ) -> TimerChange {
            timerGeneration += 1
            let replaced = self[timer: direction]?.id
            self[timer: direction] = QueueTimer(deadline: deadline, generation: timerGeneration)
            return ((deadline, timerGeneration), replaced)
        }
    }

    init(fd: Int32, reactor: Reactor) {
        self.fd = fd
        self.reactor = reactor
    }

    // MARK: The waiting task's side

    /// Adds a waiter for `direction` at the end of its queue, which times out at
    /// `deadline` (``Reactor/now()`` nanoseconds; `UInt64.max` for never). A
    /// ``Direction/watch`` waiter waits for the `ZMQ_EVENTS` flags in `interest`.
    func join(_ direction: Direction, interest: Int32 = 0, deadline: UInt64) -> Waiter {
        let waiter = Waiter(
            direction, interest: direction == .watch ? interest : direction.pollFlag, deadline: deadline)
        let timer = state.withLock { state -> TimerChange? in
            state[direction].append(waiter)
            // A timer that fires no later than this deadline will see this waiter.
            guard deadline != .max, !state.closed,
                state[timer: direction].map({ $0.deadline > deadline }) ?? true
            else { return nil }
            return state.setTimer(direction, deadline)
        }
        if let timer { addTimer(direction, timer.add, replacing: timer.cancel) }
        return waiter
    }

    /// Whether `waiter` is the head of its queue: the one that may try the operation.
    func isHead(_ waiter: Waiter) -> Bool {
        state.withLock { state in state[waiter.direction].first === waiter }
    }

    /// Removes `waiter` from its queue; if it was the head, wakes the next one, which
    /// is now the head and must try for itself (parked or on its way to park: the wake
    /// is kept for it). A watcher has no one behind it to wake.
    func leave(_ waiter: Waiter) {
        let next: UnsafeContinuation<Wake, Never>? = state.withLock { state in
            guard let index = state[waiter.direction].firstIndex(where: { $0 === waiter }) else { return nil }
            state[waiter.direction].remove(at: index)
            guard index == 0, waiter.direction != .watch, let head = state[waiter.direction].first else { return nil }
            return Self.wake(head, .ready)
        }
        next?.resume(returning: .ready)
    }

    /// Suspends the calling task until `waiter` is woken, unless a wake is already
    /// pending, and returns why; cancelling the task wakes it with ``Wake/cancelled``.
    ///
    /// It runs in the caller's isolation (`isolation`), with no hop: a hop would let
    /// other jobs of the caller's actor run before the waiter is parked.
    func park(_ waiter: Waiter, isolation: isolated (any Actor)? = #isolation) async -> Wake {
        await withTaskCancellationHandler {
            await suspend(waiter, isolation: isolation)
        } onCancel: {
            wake(waiter, .cancelled)
        }
    }

    private func suspend(_ waiter: Waiter, isolation: isolated (any Actor)?) async -> Wake {
        await withUnsafeContinuation(isolation: isolation) { continuation in
            let now: Wake? = state.withLock { state in
                if state.closed { return .closed }
                if let pending = waiter.pending {
                    waiter.pending = nil
                    return pending
                }
                waiter.continuation = continuation
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    // MARK: Waking

    /// Wakes `waiter` for `reason`: resumes it if it is parked, or else keeps the
    /// reason for its next park. Any thread may call it.
    func wake(_ waiter: Waiter, _ reason: Wake) {
        let continuation = state.withLock { _ in Self.wake(waiter, reason) }
        continuation?.resume(returning: reason)
    }

    /// Under the lock: takes `waiter`'s continuation if it is parked, to be resumed
    /// with `reason` outside the lock; otherwise records `reason` as pending.
    fileprivate static func wake(_ waiter: Waiter, _ reason: Wake) -> UnsafeContinuation<Wake, Never>? {
        if let continuation = waiter.continuation {
            waiter.continuation = nil
            return continuation
        }
        waiter.pending = max(waiter.pending ?? reason, reason)
        return nil
    }

    /// The queue's timer for `direction` fired: wakes, with ``Wake/timedOut``, the
    /// waiters whose deadline has passed, and sets the timer again for the earliest
    /// deadline left. Nothing happens for a timer that was replaced since it was set.
    func expire(_ direction: Direction, generation: UInt64) {
        let now = Reactor.now()
        let (expired, timer) = state.withLock { state -> ([UnsafeContinuation<Wake, Never>], TimerChange?) in
            guard state[timer: direction]?.generation == generation else { return ([], nil) }
            state[timer: direction] = nil
            var expired: [UnsafeContinuation<Wake, Never>] = []
            var next = UInt64.max
            for waiter in state[direction] {
                if waiter.deadline <= now {
                    if let continuation = Self.wake(waiter, .timedOut) { expired.append(continuation) }
                } else {
                    next = min(next, waiter.deadline)
                }
            }
            guard next != .max, !state.closed else { return (expired, nil) }
            return (expired, state.setTimer(direction, next))
        }
        for continuation in expired { continuation.resume(returning: .timedOut) }
        if let timer { addTimer(direction, timer.add, replacing: timer.cancel) }
    }

    /// Adds the timer that ``State/setTimer(_:_:)`` set to the reactor, and cancels
    /// the one it replaced. Outside the lock: the reactor's lock is taken inside.
    private func addTimer(
        _ direction: Direction, _ timer: (deadline: UInt64, generation: UInt64), replacing replaced: UInt64?
    ) {
        if let replaced { reactor.cancelTimer(replaced) }
        let id = reactor.addTimer(
            at: timer.deadline, TimerTarget(readiness: self, direction: direction, generation: timer.generation))
        let current = state.withLock { state in
            guard state[timer: direction]?.generation == timer.generation else { return false }
            state[timer: direction]?.id = id
            return true
        }
        // Replaced meanwhile, or the socket closed: no need to keep it.
        if !current { reactor.cancelTimer(id) }
    }

    /// The reactor saw an edge on the socket's `ZMQ_FD`: wakes the head of each queue,
    /// which tries its operation again, and every watcher, which reads the events.
    func edge() {
        let (receiver, sender, watchers) = state.withLock { state in
            (
                state.receivers.first.flatMap { Self.wake($0, .ready) },
                state.senders.first.flatMap { Self.wake($0, .ready) },
                state.watchers.isEmpty ? [] : state.wakeWatchers(showing: nil)
            )
        }
        receiver?.resume(returning: .ready)
        sender?.resume(returning: .ready)
        for watcher in watchers { watcher.resume(returning: .ready) }
    }

    /// The wake-up rule, after a call on the socket, in the socket's isolation: wakes
    /// the head of each queue whose direction `ZMQ_EVENTS` shows ready, except
    /// `running`, the head that made the call and decides for itself. A head that is
    /// not parked (resumed, or on its way to park) keeps the wake for its next park.
    /// Watchers whose interest the events show are woken the same way.
    func notify(pollIn: Bool, pollOut: Bool, running: Waiter? = nil) {
        let (receiver, sender, watchers) = state.withLock { state in
            (
                pollIn ? state.receivers.first.flatMap { $0 === running ? nil : Self.wake($0, .ready) } : nil,
                pollOut ? state.senders.first.flatMap { $0 === running ? nil : Self.wake($0, .ready) } : nil,
                state.watchers.isEmpty || !(pollIn || pollOut)
                    ? []
                    : state.wakeWatchers(
                        showing: (pollIn ? Int32(ZMQ_POLLIN) : 0) | (pollOut ? Int32(ZMQ_POLLOUT) : 0), except: running)
            )
        }
        receiver?.resume(returning: .ready)
        sender?.resume(returning: .ready)
        for watcher in watchers { watcher.resume(returning: .ready) }
    }

    /// Stops watching the socket, before libzmq closes it, and ends every wait with
    /// ``Wake/closed``. Called once, by whoever closes the socket.
    func close() {
        let (parked, timers) = state.withLock { state in
            state.closed = true
            // Cancelled, so that the reactor does not keep the registration until they
            // would fire.
            let timers = [state.receiveTimer?.id, state.sendTimer?.id, state.watchTimer?.id].compactMap { $0 }
            state.receiveTimer = nil
            state.sendTimer = nil
            state.watchTimer = nil
            return ((state.receivers + state.senders + state.watchers).compactMap { Self.wake($0, .closed) }, timers)
        }
        for timer in timers { reactor.cancelTimer(timer) }
        // Remove before libzmq closes the descriptor, which may then be reused.
        reactor.events.remove(fd)
        // The kernel queue's reference, taken by ``Context/registerReadiness(_:kindName:)``.
        reactor.releaseAfterBatch(Unmanaged.passUnretained(self))
        for continuation in parked { continuation.resume(returning: .closed) }
    }
}
