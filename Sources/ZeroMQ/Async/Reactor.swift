import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one thread that waits for every socket's async operations, and an executor that
/// tasks can run on.
///
/// An `await` on a socket (``Socket/receive()-910iq``, ``Socket/send(_:more:timeout:)-3q7oz``
/// and the rest) first tries the operation without blocking. Only when libzmq says it
/// would block does the task suspend, and the reactor watches the socket's `ZMQ_FD`
/// (with epoll on Linux, kqueue on Apple platforms) until libzmq signals it, then
/// resumes the task. One reactor thread serves every socket of every context: a
/// thousand sockets waiting cost no thread each, and no CPU while nothing arrives.
///
/// The reactor is also a `TaskExecutor`. A task that prefers it runs on the reactor's
/// thread, so a wait that ends resumes right there, without waking another thread:
///
/// <!-- snippet: function; prelude: let context = try Context(); func handle(_ job: Message) async throws {} -->
/// ```swift
/// let worker = Task(executorPreference: Reactor.shared) {
///     let pull = try PullSocket(context)
///     try pull.connect("tcp://127.0.0.1:5557")
///     for try await job in pull.messages {
///         try await handle(job)
///     }
/// }
/// ```
///
/// Tasks without the preference work the same, and resume on the global executor: one
/// more thread wake-up per wait, which is what a cross-thread round trip costs here
/// (see Docs/Async.md for the figures). An actor can run on the reactor too, through
/// ``serialExecutor``.
///
/// Everything that runs on the reactor shares its one thread: code there must not
/// block (no synchronous `receive()`, no `sleep`). Long computations belong on other
/// executors.
public final class Reactor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: the mutable state is `state`, under its lock; `events` is
    // thread-safe where other threads use it (add, remove, wake) and the rest of it is
    // used by the reactor thread alone; `thread` is written once, before the reactor is
    // published.

    /// The reactor that every socket's async operations use, started on first use.
    ///
    /// It can fail to start only when the process has no file descriptors or threads
    /// left, which stops the program with that reason; the async operations themselves
    /// throw instead.
    public static var shared: Reactor {
        switch instance {
        case .success(let reactor): return reactor
        case .failure(let error): fatalError("swift-zeromq could not start its reactor: \(error)")
        }
    }

    /// The shared reactor, or why it could not start.
    static let instance: Result<Reactor, ZMQError> = Result { () throws(ZMQError) in
        let reactor = try Reactor()
        started.store(true, ordering: .releasing)
        return reactor
    }

    /// The kernel queue the reactor thread waits on.
    let events: EventQueue

    private let state = Locked(State())

    /// The reactor thread, which runs as long as the process. Written once, in `init`,
    /// before the reactor is published; exempt from dynamic exclusivity checks, which
    /// `isCurrentThread` would pay on every wait.
    @exclusivity(unchecked)
    private nonisolated(unsafe) var thread: ManagedThread?

    /// The executor for actors that run on the reactor: see ``serialExecutor``.
    @exclusivity(unchecked)
    private nonisolated(unsafe) var actorExecutor: ReactorActorExecutor!

    private struct State: Sendable {
        /// Jobs to run, in order, with whether each is isolated to an actor.
        var jobs: [(job: UnownedJob, onActor: Bool)] = []
        /// Whether the reactor thread is, or is about to be, waiting in the kernel; an
        /// enqueue must then wake it.
        var waiting = false
        /// Readiness registrations removed from the kernel queue, to release once no
        /// batch of events can name them any more.
        var releases: [Unmanaged<SocketReadiness>] = []
        var timers = TimerQueue()
    }

    private init() throws(ZMQError) {
        events = try EventQueue()
        actorExecutor = ReactorActorExecutor(reactor: self)
        thread = try ManagedThread.start(name: "reactor") { [self] in run() }
    }

    /// Whether the calling thread is the reactor thread.
    public var isCurrentThread: Bool {
        thread?.isCurrentThread ?? false
    }

    /// Whether the calling thread is the shared reactor's, without starting the reactor
    /// when it has not started.
    static var isCurrentThreadIfStarted: Bool {
        started.load(ordering: .acquiring) && shared.isCurrentThread
    }

    /// Set once the shared reactor has started.
    private static let started = Atomic<Bool>(false)

    // MARK: TaskExecutor

    /// Runs `job` on the reactor thread. The runtime calls it for tasks that prefer
    /// this executor.
    public func enqueue(_ job: consuming ExecutorJob) {
        enqueue(UnownedJob(job), onActor: false)
    }

    /// The reactor as the runtime refers to it, for APIs that take an
    /// `UnownedTaskExecutor`.
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// A serial executor on the reactor thread, for an actor whose sockets are awaited
    /// often:
    ///
    /// ```swift
    /// actor Gateway {
    ///     nonisolated var unownedExecutor: UnownedSerialExecutor {
    ///         Reactor.shared.serialExecutor.asUnownedSerialExecutor()
    ///     }
    /// }
    /// ```
    ///
    /// Calls into the actor from tasks that also prefer the reactor then never change
    /// thread.
    public var serialExecutor: some SerialExecutor { actorExecutor }

    fileprivate func enqueue(_ job: UnownedJob, onActor: Bool) {
        let wake = state.withLock { state in
            state.jobs.append((job, onActor))
            defer { state.waiting = false }
            return state.waiting
        }
        if wake { events.wake() }
    }

    // MARK: Registrations and timers

    /// Releases `readiness`, retained for the kernel queue, once the reactor has
    /// finished the batch of events it may be handling: a batch may name a descriptor
    /// that was removed from the queue after the kernel reported it.
    func releaseAfterBatch(_ readiness: Unmanaged<SocketReadiness>) {
        let wake = state.withLock { state in
            state.releases.append(readiness)
            defer { state.waiting = false }
            return state.waiting
        }
        // Woken, so that an idle reactor does not keep closed sockets' registrations.
        if wake { events.wake() }
    }

    /// Calls `target.expire()` on the reactor thread at `deadline` (monotonic
    /// nanoseconds), unless ``cancelTimer(_:)`` is called first.
    ///
    /// - Returns: The timer's identifier.
    func addTimer(at deadline: UInt64, _ target: TimerTarget) -> UInt64 {
        let (id, wake) = state.withLock { state in
            let earliest = state.timers.earliest
            let id = state.timers.add(deadline, target)
            let wake = state.waiting && (earliest.map { deadline < $0 } ?? true)
            if wake { state.waiting = false }
            return (id, wake)
        }
        if wake { events.wake() }
        return id
    }

    /// Cancels a timer of ``addTimer(at:_:)`` that has not fired.
    func cancelTimer(_ id: UInt64) {
        state.withLock { $0.timers.remove(id) }
    }

    /// The monotonic clock, in nanoseconds, that timer deadlines use.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    // MARK: The loop

    /// The reactor thread: wait for events (or not at all when jobs are queued), pass
    /// each socket's edge on, fire due timers, run the jobs queued so far; repeat.
    private func run() {
        var jobs: [(job: UnownedJob, onActor: Bool)] = []
        jobs.reserveCapacity(64)
        var expired: [TimerTarget] = []
        let taskExecutor = asUnownedTaskExecutor()
        let serialExecutor = actorExecutor.asUnownedSerialExecutor()
        while true {
            let timeout: UInt64? = state.withLock { state in
                // What was removed from the kernel queue before this point cannot be in
                // the next batch, and the previous batch is handled.
                for readiness in state.releases { readiness.release() }
                state.releases.removeAll(keepingCapacity: true)
                if !state.jobs.isEmpty { return 0 }
                state.waiting = true
                guard let earliest = state.timers.earliest else { return nil }
                let now = Reactor.now()
                return earliest > now ? earliest - now : 0
            }
            let count = events.wait(timeoutNanoseconds: timeout)
            state.withLock { $0.waiting = false }
            for index in 0..<count {
                let token = events.token(at: index)
                guard token != EventQueue.wakeToken, let address = UnsafeRawPointer(bitPattern: token) else {
                    continue
                }
                Unmanaged<SocketReadiness>.fromOpaque(address).takeUnretainedValue().edge()
            }
            state.withLock { state in
                if state.timers.earliest != nil {
                    state.timers.popExpired(now: Reactor.now(), into: &expired)
                }
            }
            for target in expired { target.expire() }
            expired.removeAll(keepingCapacity: true)
            state.withLock { state in swap(&jobs, &state.jobs) }
            for (job, onActor) in jobs {
                if onActor {
                    job.runSynchronously(isolatedTo: serialExecutor, taskExecutor: taskExecutor)
                } else {
                    job.runSynchronously(on: taskExecutor)
                }
            }
            jobs.removeAll(keepingCapacity: true)
        }
    }
}

/// The reactor as a serial executor, for actors: see ``Reactor/serialExecutor``.
final class ReactorActorExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: `reactor` is set once and never changes; it is unowned
    // because the reactor owns this executor and lives as long as the process.
    unowned let reactor: Reactor

    init(reactor: Reactor) {
        self.reactor = reactor
    }

    func enqueue(_ job: consuming ExecutorJob) {
        reactor.enqueue(UnownedJob(job), onActor: true)
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        precondition(reactor.isCurrentThread, "not on the swift-zeromq reactor thread")
    }
}

/// What a timer of the reactor wakes: a queue of a socket's readiness, which wakes
/// its waiters whose deadline has passed.
struct TimerTarget: Sendable {
    let readiness: SocketReadiness
    let direction: SocketReadiness.Direction
    let generation: UInt64

    func expire() {
        readiness.expire(direction, generation: generation)
    }
}

/// The reactor's timers: a binary min-heap of deadlines, with cancelled timers left in
/// the heap until they come up (or until they outnumber the live ones).
struct TimerQueue: Sendable {
    private var heap: [(deadline: UInt64, id: UInt64)] = []
    private var targets: [UInt64: TimerTarget] = [:]
    private var nextID: UInt64 = 0

    /// The earliest deadline of a live timer, or an earlier cancelled one.
    var earliest: UInt64? { heap.first?.deadline }

    mutating func add(_ deadline: UInt64, _ target: TimerTarget) -> UInt64 {
        nextID += 1
        targets[nextID] = target
        push((deadline, nextID))
        return nextID
    }

    mutating func remove(_ id: UInt64) {
        guard targets.removeValue(forKey: id) != nil else { return }
        if heap.count > 64 && heap.count > 2 * targets.count {
            // Mostly cancelled timers: rebuild from the live ones.
            let live = heap.filter { targets[$0.id] != nil }
            heap.removeAll(keepingCapacity: true)
            for entry in live { push(entry) }
        }
    }

    /// Moves the targets of the timers due at `now` into `expired`.
    mutating func popExpired(now: UInt64, into expired: inout [TimerTarget]) {
        while let first = heap.first, first.deadline <= now {
            pop()
            if let target = targets.removeValue(forKey: first.id) {
                expired.append(target)
            }
        }
    }

    private mutating func push(_ entry: (deadline: UInt64, id: UInt64)) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count && heap[right].deadline < heap[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
