import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The C boundary of a socket: every libzmq call that takes a socket handle is in this
// file, and so is the rule that every one of them follows.
//
// ## The wake-up rule
// A socket's `ZMQ_FD` is edge-triggered: it signals when commands arrive for the
// socket, and libzmq drains it whenever it processes them, which many calls do
// (Docs/Design.md, "The C boundary", lists them with the lines of libzmq's source).
// A task parked in the socket's wait queue waits for that edge; a call that drains it
// first would leave the task parked with the socket ready. So after every call on a
// socket whose queues hold waiters, `ZMQ_EVENTS` is read once and the parked head of
// each ready direction is woken (``Socket/wakeAsyncWaiters()``); the read processes
// every command left, so no edge is owed afterwards. While no task waits, the rule
// costs one load and a branch.
//
// Every call gets the rule, not only those that process commands in libzmq 4.3.4:
// the list is an implementation detail of libzmq, and a call added here later is
// covered without anyone having to know it. Two doors lead in:
// - ``Socket/withCalls(_:_:)`` for everything but the hot path: it hands the body a
//   ``SocketCalls``, whose initialiser nothing else in the module uses on an open,
//   adopted socket, and applies the rule when the body returns or throws.
// - The inlined sends and receives below, which apply it themselves on success, and
//   in ``Socket/retry(_:_:sending:_:)`` on failure.
// The async wait (Async/Socket+Async.swift) is the one place that defers the rule: its
// head reads `ZMQ_EVENTS` itself after a failed attempt, and that read wakes the others
// (``Socket/readEventsWakingWaiters()``).

// MARK: - The rule

extension Socket {
    /// Runs `body` with the libzmq calls of the open socket, then applies the wake-up
    /// rule (see the top of this file): if tasks wait on the socket, `ZMQ_EVENTS` is
    /// read and the ready ones are woken.
    ///
    /// - Throws: ``ZMQError/notSocket`` when the socket is closed; what `body` throws.
    @inlinable
    @inline(__always)
    func withCalls<Result>(
        _ operation: StaticString, _ body: (SocketCalls) throws(ZMQError) -> Result
    ) throws(ZMQError) -> Result {
        let calls = SocketCalls(try liveHandle(operation))
        defer { if _slowPath(asyncWaiters != 0) { wakeAsyncWaiters() } }
        return try body(calls)
    }

    /// Wakes the parked head of each of the socket's wait queues whose direction
    /// `ZMQ_EVENTS` shows ready. The rule's slow path, out of line.
    @usableFromInline
    @inline(never)
    func wakeAsyncWaiters() {
        _ = readEventsWakingWaiters()
    }

    /// Reads `ZMQ_EVENTS`, which makes libzmq process the socket's pending commands,
    /// and wakes the parked head of each queue whose direction it shows ready: a read
    /// of `ZMQ_EVENTS` is itself a call that drains the edge, so its result is never
    /// kept from the waiters.
    ///
    /// - Parameter running: The head of a queue that reads the events for itself, which
    ///   is not woken.
    /// - Returns: The events, or `nil` when they cannot be read (the socket is closed or
    ///   its context shut down); then every head is woken, to find out why.
    func readEventsWakingWaiters(running: SocketReadiness.Waiter? = nil) -> Int32? {
        let events = handle.flatMap { SocketCalls($0).events() }
        if let readiness {
            let shown = events ?? Int32(ZMQ_POLLIN | ZMQ_POLLOUT)
            readiness.notify(
                pollIn: shown & Int32(ZMQ_POLLIN) != 0, pollOut: shown & Int32(ZMQ_POLLOUT) != 0, running: running)
        }
        return events
    }
}

extension Socket {
    /// `zmq_poll` of this socket alone, for `events`, up to `milliseconds` (-1:
    /// forever); the rule applies afterwards, as after any call.
    ///
    /// - Returns: Whether the socket is ready, or libzmq's error number (`EINTR` for a
    ///   signal, `ETERM` once the context is shut down).
    func pollAlone(_ events: Int16, milliseconds: Int32) throws(ZMQError) -> Result<Bool, Errno> {
        try withCalls("zmq_poll") { calls in
            var item = LibraryCalls.pollItem(socket: calls.handle, events: events)
            return LibraryCalls.poll(&item, count: 1, timeout: milliseconds).map { $0 > 0 }
        }
    }
}

// MARK: - Sending and receiving: the hot path

extension Socket {
    /// `zmq_msg_send` with libzmq's error protocol: retries `EINTR`, returns `false`
    /// for `EAGAIN` when `ZMQ_DONTWAIT` is set, and throws everything else.
    @inlinable
    @inline(__always)
    func sendRaw(
        _ message: UnsafeMutablePointer<zmq_msg_t>, flags: Int32, _ operation: StaticString
    ) throws(ZMQError) -> Bool {
        if let handle, zmq_msg_send(message, handle, flags) >= 0 {
            if _slowPath(asyncWaiters != 0) { wakeAsyncWaiters() }
            return true
        }
        return try retry(flags, operation, sending: true) { handle in zmq_msg_send(message, handle, flags) }
    }

    /// `zmq_send` of a buffer that libzmq copies, with the same error protocol.
    @inlinable
    @inline(__always)
    func sendRaw(
        _ bytes: UnsafeRawBufferPointer, flags: Int32, _ operation: StaticString
    ) throws(ZMQError) -> Bool {
        if let handle, zmq_send(handle, bytes.baseAddress, bytes.count, flags) >= 0 {
            if _slowPath(asyncWaiters != 0) { wakeAsyncWaiters() }
            return true
        }
        return try retry(flags, operation, sending: true) { handle in
            zmq_send(handle, bytes.baseAddress, bytes.count, flags)
        }
    }

    /// `zmq_send_const`: libzmq keeps a pointer to `bytes` instead of copying them.
    func sendConstantRaw(_ bytes: UnsafeRawBufferPointer, flags: Int32) throws(ZMQError) {
        if let handle, zmq_send_const(handle, bytes.baseAddress, bytes.count, flags) >= 0 {
            if _slowPath(asyncWaiters != 0) { wakeAsyncWaiters() }
            return
        }
        _ = try retry(flags, "send", sending: true) { handle in
            zmq_send_const(handle, bytes.baseAddress, bytes.count, flags)
        }
    }

    /// `zmq_msg_recv` with the same error protocol.
    @inlinable
    @inline(__always)
    func receiveRaw(
        _ message: UnsafeMutablePointer<zmq_msg_t>, flags: Int32, _ operation: StaticString
    ) throws(ZMQError) -> Bool {
        if let handle, zmq_msg_recv(message, handle, flags) >= 0 {
            if _slowPath(asyncWaiters != 0) { wakeAsyncWaiters() }
            return true
        }
        return try retry(flags, operation, sending: false) { handle in zmq_msg_recv(message, handle, flags) }
    }

    /// The slow path of every send and receive, out of line so that the inlined fast
    /// path is only the libzmq call: called when the socket is closed or when the
    /// first attempt failed, it throws for the closed socket, repeats `call` after
    /// `EINTR`, returns `false` for `EAGAIN` under `ZMQ_DONTWAIT`, and throws the rest.
    /// A failed call processed the socket's commands too, so the rule applies.
    ///
    /// It is also where a send that did not queue its message is seen, so it is the one
    /// place that reports `EAGAIN` and `EHOSTUNREACH` to ``sendFailureObserver``.
    @usableFromInline
    @inline(never)
    func retry(
        _ flags: Int32, _ operation: StaticString, sending: Bool,
        _ call: (UnsafeMutableRawPointer) -> Int32
    ) throws(ZMQError) -> Bool {
        let handle = try liveHandle(operation)
        var code = zmq_errno()
        defer { if asyncWaiters != 0 { wakeAsyncWaiters() } }
        while true {
            if code == EINTR {
                if call(handle) >= 0 { return true }
                code = zmq_errno()
                continue
            }
            if sending, let observer = sendFailureObserver {
                switch code {
                // Under ZMQ_DONTWAIT: no room now. Without it: ZMQ_SNDTIMEO passed.
                case EAGAIN: observer(flags & ZMQ_DONTWAIT != 0 ? .full : .timedOut)
                case EHOSTUNREACH: observer(.unroutable)
                default: break
                }
            }
            if code == EAGAIN && flags & ZMQ_DONTWAIT != 0 { return false }
            throw ZMQError.failed(code, operation, socket: kind.name)
        }
    }
}

extension Socket where Kind: SendingSocketType {
    /// `zmq_send` of `bytes`, straight from their storage when it is contiguous, else
    /// through a ``Message`` that holds a copy; the same error protocol.
    @inlinable
    @inline(__always)
    func sendBytes<Bytes: Sequence<UInt8>>(_ bytes: Bytes, flags: Int32) throws(ZMQError) -> Bool {
        // Only the zmq_send call is inline. A failed call goes to the out-of-line
        // `retry`; a non-contiguous sequence (or a closed socket) to a Message copy.
        if let handle,
            let rc = bytes.withContiguousStorageIfAvailable({ zmq_send(handle, $0.baseAddress, $0.count, flags) })
        {
            if rc >= 0 {
                if _slowPath(asyncWaiters != 0) { wakeAsyncWaiters() }
                return true
            }
            return try retry(flags, "send", sending: true) { handle in
                bytes.withContiguousStorageIfAvailable { zmq_send(handle, $0.baseAddress, $0.count, flags) } ?? -1
            }
        }
        var message = Message(bytes)
        return try sendMessage(&message, flags: flags, "send")
    }
}

// MARK: - Every other call

/// The libzmq calls on one socket handle, other than sending and receiving.
///
/// Reached through ``Socket/withCalls(_:_:)``, which applies the wake-up rule after
/// them. The context makes one directly only where no task can be waiting on the
/// socket: creating it, and closing it (after its waits were ended).
///
/// Each call returns libzmq's error number (`zmq_errno()`, read at once) when it fails,
/// for the caller to turn into a ``ZMQError`` that names what failed.
@usableFromInline
struct SocketCalls {
    @usableFromInline
    let handle: UnsafeMutableRawPointer

    @usableFromInline
    init(_ handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    /// `zmq_socket`: a new socket of `type` in the context `context`, or the error number.
    static func open(in context: UnsafeMutableRawPointer, type: Int32) -> Result<SocketCalls, Errno> {
        guard let handle = zmq_socket(context, type) else { return .failure(Errno(zmq_errno())) }
        return .success(SocketCalls(handle))
    }

    /// `zmq_close`. The caller ended every wait on the socket and removed its `ZMQ_FD`
    /// from the reactor first.
    func close() {
        _ = zmq_close(handle)
    }

    /// `zmq_bind`.
    func bind(_ endpoint: String) -> Errno? {
        zmq_bind(handle, endpoint) == 0 ? nil : Errno(zmq_errno())
    }

    /// `zmq_unbind`.
    func unbind(_ endpoint: String) -> Errno? {
        zmq_unbind(handle, endpoint) == 0 ? nil : Errno(zmq_errno())
    }

    /// `zmq_connect`.
    func connect(_ endpoint: String) -> Errno? {
        zmq_connect(handle, endpoint) == 0 ? nil : Errno(zmq_errno())
    }

    /// `zmq_disconnect`.
    func disconnect(_ endpoint: String) -> Errno? {
        zmq_disconnect(handle, endpoint) == 0 ? nil : Errno(zmq_errno())
    }

    /// `zmq_getsockopt` into `buffer`; on success, `size` is the size of the value.
    func getOption(_ option: Int32, into buffer: UnsafeMutableRawBufferPointer, size: inout Int) -> Errno? {
        size = buffer.count
        return zmq_getsockopt(handle, option, buffer.baseAddress, &size) == 0 ? nil : Errno(zmq_errno())
    }

    /// `zmq_setsockopt` with the value's bytes.
    func setOption(_ option: Int32, _ value: UnsafeRawBufferPointer) -> Errno? {
        zmq_setsockopt(handle, option, value.baseAddress, value.count) == 0 ? nil : Errno(zmq_errno())
    }

    /// `zmq_getsockopt(ZMQ_EVENTS)`, which processes the socket's pending commands, or
    /// `nil` when it fails (the context is shut down).
    ///
    /// Called by the rule itself (``Socket/readEventsWakingWaiters()``); anything else
    /// reads `ZMQ_EVENTS` as an option, through ``Socket/withCalls(_:_:)``.
    func events() -> Int32? {
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        return zmq_getsockopt(handle, ZMQ_EVENTS, &events, &size) == 0 ? events : nil
    }

    /// `zmq_getsockopt(ZMQ_FD)`: the descriptor that signals when commands arrive.
    func fileDescriptor() -> Result<Int32, Errno> {
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, ZMQ_FD, &fd, &size) == 0 else { return .failure(Errno(zmq_errno())) }
        return .success(fd)
    }

    /// `zmq_setsockopt(ZMQ_LINGER)`.
    func setLinger(_ linger: Timeout) -> Errno? {
        var milliseconds = linger.milliseconds
        return withUnsafeBytes(of: &milliseconds) { setOption(ZMQ_LINGER, $0) }
    }

    /// `zmq_socket_monitor`: publishes `events` on the inproc `endpoint`, or, with `nil`,
    /// stops the monitor attached.
    func monitor(_ endpoint: String?, events: Int32) -> Errno? {
        zmq_socket_monitor(handle, endpoint, events) == 0 ? nil : Errno(zmq_errno())
    }
}

/// A libzmq error number, as a boundary call returns it: read with `zmq_errno()` right
/// after the call failed, before anything else could change it.
@usableFromInline
struct Errno: Error {
    @usableFromInline
    let code: Int32

    @usableFromInline
    init(_ code: Int32) {
        self.code = code
    }

    /// The error number of the libzmq call that just failed.
    @usableFromInline
    static var last: Errno { Errno(zmq_errno()) }
}
