import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel's readiness queue that the ``Reactor`` thread waits on: epoll on Linux,
/// kqueue on Apple platforms.
///
/// It watches libzmq sockets' `ZMQ_FD` descriptors, edge-triggered, each under a
/// token (the address of its ``SocketReadiness``), plus one descriptor of its own that
/// other threads signal to wake the reactor (token 0).
///
/// `add`, `remove` and `wake` may be called from any thread; `wait` only from the
/// reactor's.
final class EventQueue: @unchecked Sendable {
    // @unchecked Sendable: the descriptors are set once in `init`; epoll_ctl, kevent and
    // eventfd writes are thread-safe, and `events`, the buffer `wait` fills, is used by
    // the reactor thread alone.

    /// The token under which ``wake()`` is reported.
    static let wakeToken: UInt = 0

    private let descriptor: Int32
    #if canImport(Darwin)
    private let events: UnsafeMutableBufferPointer<kevent>
    #else
    private let wakeDescriptor: Int32
    private let events: UnsafeMutableBufferPointer<epoll_event>
    #endif

    /// Creates the queue and its wake-up descriptor.
    ///
    /// - Parameter capacity: How many events one `wait` reports at most.
    init(capacity: Int = 256) throws(ZMQError) {
        #if canImport(Darwin)
        descriptor = kqueue()
        guard descriptor >= 0 else { throw ZMQError(errno, operation: "kqueue", target: "reactor") }
        var change = kevent(
            ident: 0, filter: Int16(EVFILT_USER), flags: UInt16(EV_ADD | EV_CLEAR),
            fflags: 0, data: 0, udata: nil)
        guard kevent(descriptor, &change, 1, nil, 0, nil) == 0 else {
            let code = errno
            close(descriptor)
            throw ZMQError(code, operation: "kevent EVFILT_USER", target: "reactor")
        }
        events = .allocate(capacity: capacity)
        #else
        descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard descriptor >= 0 else { throw ZMQError(errno, operation: "epoll_create1", target: "reactor") }
        wakeDescriptor = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard wakeDescriptor >= 0 else {
            let code = errno
            close(descriptor)
            throw ZMQError(code, operation: "eventfd", target: "reactor")
        }
        // Level-triggered: `wait` drains it each time it reports it.
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64(Self.wakeToken)
        guard epoll_ctl(descriptor, EPOLL_CTL_ADD, wakeDescriptor, &event) == 0 else {
            let code = errno
            close(wakeDescriptor)
            close(descriptor)
            throw ZMQError(code, operation: "epoll_ctl", target: "reactor wake-up eventfd")
        }
        events = .allocate(capacity: capacity)
        #endif
    }

    deinit {
        events.deallocate()
        #if !canImport(Darwin)
        close(wakeDescriptor)
        #endif
        close(descriptor)
    }

    /// Watches `fd` for readability, edge-triggered, reporting it under `token`.
    func add(_ fd: Int32, token: UInt) throws(ZMQError) {
        #if canImport(Darwin)
        var change = kevent(
            ident: UInt(fd), filter: Int16(EVFILT_READ), flags: UInt16(EV_ADD | EV_CLEAR),
            fflags: 0, data: 0, udata: UnsafeMutableRawPointer(bitPattern: token))
        guard kevent(descriptor, &change, 1, nil, 0, nil) == 0 else {
            throw ZMQError(errno, operation: "kevent EV_ADD", target: "ZMQ_FD \(fd)")
        }
        #else
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLET.rawValue
        event.data.u64 = UInt64(token)
        guard epoll_ctl(descriptor, EPOLL_CTL_ADD, fd, &event) == 0 else {
            throw ZMQError(errno, operation: "epoll_ctl EPOLL_CTL_ADD", target: "ZMQ_FD \(fd)")
        }
        #endif
    }

    /// Stops watching `fd`. Once this returns, no later `wait` reports it; a `wait`
    /// already under way may still report it, which is why the reactor releases a
    /// token's owner only after its current batch (``Reactor/releaseAfterBatch(_:)``).
    func remove(_ fd: Int32) {
        #if canImport(Darwin)
        var change = kevent(
            ident: UInt(fd), filter: Int16(EVFILT_READ), flags: UInt16(EV_DELETE),
            fflags: 0, data: 0, udata: nil)
        _ = kevent(descriptor, &change, 1, nil, 0, nil)
        #else
        var event = epoll_event()
        _ = epoll_ctl(descriptor, EPOLL_CTL_DEL, fd, &event)
        #endif
    }

    /// Makes the reactor's current or next `wait` return. Any thread may call it.
    func wake() {
        #if canImport(Darwin)
        var change = kevent(
            ident: 0, filter: Int16(EVFILT_USER), flags: 0,
            fflags: UInt32(NOTE_TRIGGER), data: 0, udata: nil)
        _ = kevent(descriptor, &change, 1, nil, 0, nil)
        #else
        var one: UInt64 = 1
        // EAGAIN means the counter is already non-zero: the reactor wakes anyway.
        _ = write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
        #endif
    }

    /// Waits until a watched descriptor has an edge, ``wake()`` is called, or
    /// `timeoutNanoseconds` pass (`nil`: no limit; 0: do not wait).
    ///
    /// - Returns: How many events arrived; ``token(at:)`` reads each one's token, the
    ///   wake-up's being ``wakeToken``. Valid until the next `wait`.
    func wait(timeoutNanoseconds: UInt64?) -> Int {
        #if canImport(Darwin)
        var limit = timespec()
        if let timeoutNanoseconds {
            limit.tv_sec = Int(timeoutNanoseconds / 1_000_000_000)
            limit.tv_nsec = Int(timeoutNanoseconds % 1_000_000_000)
        }
        let count = withUnsafePointer(to: &limit) { limitPointer in
            kevent(
                descriptor, nil, 0, events.baseAddress, Int32(events.count),
                timeoutNanoseconds == nil ? nil : limitPointer)
        }
        return max(Int(count), 0)
        #else
        let milliseconds: Int32
        if let timeoutNanoseconds {
            // Rounded up, so that a timer is never reported early.
            milliseconds = Int32(clamping: (timeoutNanoseconds + 999_999) / 1_000_000)
        } else {
            milliseconds = -1
        }
        let count = Int(epoll_wait(descriptor, events.baseAddress, Int32(events.count), milliseconds))
        for index in 0..<max(count, 0) where events[index].data.u64 == UInt64(Self.wakeToken) {
            var value: UInt64 = 0
            _ = read(wakeDescriptor, &value, MemoryLayout<UInt64>.size)
        }
        return max(count, 0)
        #endif
    }

    /// The token of the event at `index` of the last ``wait(timeoutNanoseconds:)``.
    func token(at index: Int) -> UInt {
        #if canImport(Darwin)
        let event = events[index]
        return event.filter == Int16(EVFILT_USER) ? Self.wakeToken : UInt(bitPattern: event.udata)
        #else
        return UInt(events[index].data.u64)
        #endif
    }
}
