#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The closure a new thread runs, boxed so that it can cross `pthread_create`'s
/// `void *` argument.
private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Starts `body` on a new joinable thread with every blockable signal blocked, so that
/// signals go to the program's other threads and never interrupt `body`'s blocking
/// libzmq call with `EINTR`.
///
/// `body` is `sending`: what it captures (the sockets a proxy runs on) belongs to the new
/// thread alone, which is what lets it cross the `void *` of `pthread_create`.
///
/// - Returns: The thread, for `pthread_join`.
func startThread(_ body: sending @escaping () -> Void) throws(ZMQError) -> pthread_t {
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
    if rc == 0, let thread { return thread }
    #else
    var thread = pthread_t()
    let rc = pthread_create(
        &thread, nil,
        { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
    if rc == 0 { return thread }
    #endif
    Unmanaged<ThreadBody>.fromOpaque(box).release()
    throw ZMQError(rc, operation: "pthread_create", target: "proxy thread")
}

/// Process-wide numbers for the control endpoints of ``bindControlSocket(in:name:)``.
private let controlEndpointNumbers = Locked(0)

/// The end of a control connection that a proxy's or an authenticator's own thread
/// uses: a PAIR socket without linger, bound to a unique inproc endpoint of `context`.
/// ``connectControlSocket(in:to:)`` makes the other end, which steers the thread.
/// (Two functions, not one returning both, so that each socket can be sent on its own.)
func bindControlSocket(in context: Context, name: String) throws(ZMQError) -> (socket: PairSocket, endpoint: String) {
    let number = controlEndpointNumbers.withLock { number in
        number += 1
        return number
    }
    let endpoint = "inproc://swift-zeromq.\(name)-control.\(getpid()).\(number)"
    let socket = try PairSocket(context)
    try socket.setOption(.linger, .zero)
    try socket.bind(endpoint)
    return (socket, endpoint)
}

/// The steering end of a control connection: a PAIR socket without linger, connected
/// to `endpoint`.
func connectControlSocket(in context: Context, to endpoint: String) throws(ZMQError) -> PairSocket {
    let socket = try PairSocket(context)
    try socket.setOption(.linger, .zero)
    try socket.connect(endpoint)
    return socket
}

/// A thread started with ``startThread(_:)`` and joined once: later calls to
/// ``join()``, and calls while another thread joins it, return when it has been joined.
/// The thread itself must never call ``join()``.
final class JoinableThread: Sendable {
    /// The thread, until someone joins it.
    private let thread = Locked<pthread_t?>(nil)

    /// Starts `body` on the thread (see ``startThread(_:)``).
    func start(_ body: sending @escaping () -> Void) throws(ZMQError) {
        let started = try startThread(body)
        thread.withLock { $0 = started }
    }

    /// Waits for the thread to end, once.
    func join() {
        thread.withLock { thread in
            guard let running = thread else { return }
            pthread_join(running, nil)
            thread = nil
        }
    }
}

/// A one-way flag that a thread sets once, and others wait for with a bound.
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
