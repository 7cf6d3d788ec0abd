import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The C boundary for what is not one socket's: the library, contexts, and the calls
// that run over several sockets at once (polling, proxying). A socket's own calls are
// in SocketCalls.swift, a message's in MessageStorage.swift.

/// libzmq's functions that belong to no socket or context.
@usableFromInline
enum LibraryCalls {
    /// `zmq_errno()`: the error number of the libzmq call that just failed on this
    /// thread. Read it before anything else runs (an allocation may change it).
    @usableFromInline
    static func errno() -> Int32 {
        zmq_errno()
    }

    /// `zmq_strerror`.
    static func describe(_ code: Int32) -> String {
        String(cString: zmq_strerror(code))
    }

    /// `zmq_version`.
    static func version() -> (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// `zmq_has`.
    static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }

    /// A `zmq_pollitem_t` for a socket.
    static func pollItem(socket: UnsafeMutableRawPointer, events: Int16) -> zmq_pollitem_t {
        zmq_pollitem_t(socket: socket, fd: 0, events: events, revents: 0)
    }

    /// A `zmq_pollitem_t` for a file descriptor.
    static func pollItem(fileDescriptor: Int32, events: Int16) -> zmq_pollitem_t {
        zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events, revents: 0)
    }

    /// `zmq_poll` over `count` items, for up to `timeout` milliseconds (-1: forever).
    ///
    /// `zmq_poll` reads `ZMQ_EVENTS` of every socket item (`src/zmq.cpp`), which
    /// processes each socket's commands: a caller polling a socket that tasks may wait
    /// on applies the wake-up rule to it afterwards (see ``Socket/afterPoll()``).
    ///
    /// - Returns: How many items are ready, or the error number.
    @inlinable
    static func poll(_ items: UnsafeMutablePointer<zmq_pollitem_t>, count: Int, timeout: Int32) -> Result<Int, Errno> {
        let ready = zmq_poll(items, Int32(truncatingIfNeeded: count), Int(timeout))
        return ready >= 0 ? .success(Int(ready)) : .failure(Errno(zmq_errno()))
    }
}

extension LibraryCalls {
    /// `zmq_proxy_steerable`, or `zmq_proxy` without `control`, until it ends, started
    /// again after `EINTR` (the library's threads block signals, so a restart, which
    /// would resume a paused proxy and reset its counters, is not expected).
    ///
    /// The sockets belong to the calling thread alone (they were handed to it with
    /// `sending`), so no task waits on them and the wake-up rule has nothing to do.
    ///
    /// - Returns: `nil` when a `TERMINATE` command ended it, else the error number.
    static func proxy(
        frontend: UnsafeMutableRawPointer?, backend: UnsafeMutableRawPointer?,
        capture: UnsafeMutableRawPointer?, control: UnsafeMutableRawPointer?
    ) -> Errno? {
        while true {
            let rc =
                control == nil
                ? zmq_proxy(frontend, backend, capture) : zmq_proxy_steerable(frontend, backend, capture, control)
            if rc == 0 { return nil }
            let code = zmq_errno()
            if code != EINTR { return Errno(code) }
        }
    }
}

/// The libzmq calls on a context handle.
///
/// Thread-safe, as libzmq's context functions are; ``Context`` decides when each may
/// run (never after `zmq_ctx_term` returned).
struct ContextCalls: @unchecked Sendable {
    // @unchecked Sendable: a libzmq context handle may be used from any thread.
    let handle: UnsafeMutableRawPointer

    /// `zmq_ctx_new`.
    static func new() -> Result<ContextCalls, Errno> {
        guard let handle = zmq_ctx_new() else { return .failure(Errno(zmq_errno())) }
        return .success(ContextCalls(handle: handle))
    }

    /// `zmq_ctx_shutdown`: every blocking call on the context's sockets fails with
    /// `ETERM` from now on.
    func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    /// `zmq_ctx_term`, repeated after `EINTR` as libzmq asks: waits until every socket
    /// of the context is closed and has sent what it queued, or reached its linger.
    func terminate() {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// `zmq_ctx_set`.
    func set(_ option: Int32, _ value: Int32) -> Errno? {
        zmq_ctx_set(handle, option, value) == 0 ? nil : Errno(zmq_errno())
    }

    /// `zmq_ctx_get`: the value, or -1 (which for a few options is a value too).
    func get(_ option: Int32) -> (value: Int32, error: Errno?) {
        let value = zmq_ctx_get(handle, option)
        return (value, value == -1 ? Errno(zmq_errno()) : nil)
    }
}
