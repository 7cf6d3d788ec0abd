#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value protected by a `pthread_mutex_t`.
///
/// Not `Synchronization.Mutex`: on Linux, a contended `Mutex` is handed over by the
/// kernel (a priority-inheriting futex), which ThreadSanitizer cannot see, so `make
/// sanitize` reported races between accesses that were correctly locked. The pthread
/// mutex is what TSan understands, and costs the same where it is used here: creating,
/// closing and configuring contexts and sockets, never sending or receiving.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only read or written inside `withLock`, under
    // `mutex`, and `Value` is itself Sendable.
    // Exempt from dynamic exclusivity checks (a runtime call on every access): the
    // mutex already makes every access exclusive.
    @exclusivity(unchecked)
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, under the lock.
    func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
