import CZeroMQ
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How many async operations in a row may complete without waiting before one yields
/// (`Task.yield()`), so that a socket whose messages keep coming does not starve the
/// other tasks of its executor, and a cancelled task notices.
///
/// A yield costs about a microsecond on the reactor (a suspension, a turn of its loop
/// with an `epoll_wait`, a resumption): against small messages at millions a second,
/// 64 operations a yield cost 5 to 10 % of the throughput, 256 about 1 to 2 %. At a
/// quarter of a microsecond an operation, 256 still let the other tasks in every 60 µs
/// or so; large messages stretch that (the count does not weigh sizes).
@usableFromInline
let asyncFastPathBudget = 256

// MARK: - Waiting

extension Socket {
    /// The slow path of every async operation: `attempt` (the operation with
    /// `ZMQ_DONTWAIT`, returning `nil` for `EAGAIN`) failed, or the fast path must
    /// yield. Waits in the socket's queue for `direction` until `attempt` succeeds.
    ///
    /// How the queues, the reactor and libzmq's edges fit together is told once, in
    /// Docs/Async.md ("How it uses libzmq"); ``SocketReadiness`` holds the queues.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while it waits (nothing
    ///   was taken from the socket); ``ZMQError/again`` when `timeout` (or, for `nil`,
    ///   `ZMQ_RCVTIMEO`/`ZMQ_SNDTIMEO`) passes; ``ZMQError/notSocket`` when the socket
    ///   is closed meanwhile; what `attempt` throws.
    @usableFromInline
    nonisolated(nonsending) func wait<Result>(
        _ direction: SocketReadiness.Direction, timeout: Timeout?, _ operation: StaticString,
        _ attempt: () throws(ZMQError) -> sending Result?
    ) async throws -> sending Result {
        // Whether `attempt` failed just now with no other task waiting: the callers'
        // fast path tries only while the budget lasts, and it is zero while tasks wait.
        var triedAlone = asyncBudget > 0
        if asyncBudget <= 0 && asyncWaiters == 0 {
            // A budget's worth of operations completed without waiting: let the other
            // tasks of this executor (the other sockets, on the reactor) run.
            asyncBudget = asyncFastPathBudget
            try Task.checkCancellation()
            await Task.yield()
            triedAlone = asyncWaiters == 0
            if triedAlone, let result = try attempt() { return result }
        }
        try Task.checkCancellation()
        let readiness = try self.readiness ?? registerReadiness(operation)
        let limit = try timeout ?? option(direction == .receive ? .receiveTimeout : .sendTimeout)
        if limit == .zero {
            // Nothing queued ahead of it could make it ready without waiting.
            if asyncWaiters == 0, let result = try attempt() { return result }
            throw timedOut(operation, after: limit)
        }

        let waiter = readiness.join(
            direction, deadline: limit.isInfinite ? .max : Reactor.now() &+ UInt64(limit.milliseconds) &* 1_000_000)
        if asyncWaiters == 0 { SocketReadiness.socketsWithWaiters.add(1, ordering: .relaxed) }
        asyncWaiters += 1
        asyncBudget = 0
        defer {
            readiness.leave(waiter)
            asyncWaiters -= 1
            if asyncWaiters == 0 {
                asyncBudget = asyncFastPathBudget
                SocketReadiness.socketsWithWaiters.subtract(1, ordering: .relaxed)
            }
        }
        // On the reactor thread, a receive that failed alone just now parks without
        // trying again: it processed every command (Docs/Async.md, "Parking at once").
        var parkAtOnce = triedAlone && direction == .receive && readiness.reactor.isCurrentThread
        while true {
            if !parkAtOnce, readiness.isHead(waiter), let result = try attemptAsHead(waiter, attempt) {
                return result
            }
            parkAtOnce = false
            switch await readiness.park(waiter) {
            case .ready:
                continue
            case .timedOut:
                throw timedOut(operation, after: limit)
            case .cancelled:
                throw CancellationError()
            case .closed:
                _ = try liveHandle(operation)
                throw ZMQError.closed(operation, socket: kind.name)
            }
        }
    }

    /// The head of a queue tries its operation, applying the wake-up rule itself, with
    /// one read of `ZMQ_EVENTS` at most:
    /// - on success, when other tasks wait, the read wakes them;
    /// - when it would block, the read processes the commands the attempt may have left
    ///   (a send processes them only every so often: `socket_base_t::send` throttles
    ///   `process_commands`), wakes the other tasks, and tells whether this direction
    ///   became ready, in which case the attempt runs once more. A receive alone skips
    ///   the read: with `ZMQ_DONTWAIT`, `socket_base_t::recv` ran `process_commands`
    ///   unthrottled, the same call as `ZMQ_EVENTS`, after its first look.
    ///
    /// - Returns: The result, or `nil` when the head must park.
    private func attemptAsHead<Result>(
        _ head: SocketReadiness.Waiter, _ attempt: () throws(ZMQError) -> sending Result?
    ) throws(ZMQError) -> sending Result? {
        // The rule is for parked tasks: this one runs, and the boundary's own
        // application of it inside `attempt` would read ZMQ_EVENTS a second time.
        let others = asyncWaiters - 1
        asyncWaiters = 0
        defer { asyncWaiters = others + 1 }
        if let result = try attempt() {
            if others > 0 { _ = readEventsWakingWaiters(running: head) }
            return result
        }
        guard head.direction == .send || others > 0 else { return nil }
        if let events = readEventsWakingWaiters(running: head), events & head.direction.pollFlag == 0 {
            return nil
        }
        // Ready, or the events could not be read: the attempt says which.
        let result = try attempt()
        if result != nil && others > 0 { _ = readEventsWakingWaiters(running: head) }
        return result
    }

    private func registerReadiness(_ operation: StaticString) throws(ZMQError) -> SocketReadiness {
        let readiness = try context.registerReadiness(liveHandle(operation), kindName: kind.name)
        self.readiness = readiness
        return readiness
    }

    private func timedOut(_ operation: StaticString, after limit: Timeout) -> ZMQError {
        ZMQError(EAGAIN, operation: operation.description, target: kind.name, reason: "timed out after \(limit)")
    }
}

// MARK: - Receiving

/// Receiving without blocking a thread: each `async` form tries first, and waits on the
/// ``Reactor`` only when nothing is there.
///
/// A wait ends with a frame, with ``ZMQError/again`` when the timeout passes (`nil`
/// means the socket's ``SocketOption/receiveTimeout``, infinite unless set), with
/// `CancellationError` when the task is cancelled, and with ``ZMQError/notSocket`` or
/// ``ZMQError/contextTerminated`` when the socket is closed or its context shut down.
/// A frame is taken from libzmq only by the task that returns it: a wait that ends any
/// other way leaves every message queued.
///
/// Tasks that wait on one socket at once (calls of one actor, say) are served in the
/// order they started waiting.
extension Socket where Kind: ReceivingSocketType {
    /// Receives the next frame, waiting without blocking a thread.
    ///
    /// ```swift
    /// let job = try await pull.receive()
    /// let reply = try await dealer.receive(timeout: .seconds(2))
    /// ```
    ///
    /// - Parameter timeout: How long to wait; `nil` uses ``SocketOption/receiveTimeout``.
    /// - Throws: See the extension's overview.
    ///
    /// The corresponding C function is `zmq_msg_recv` with `ZMQ_DONTWAIT`, then the
    /// socket's `ZMQ_FD` and `ZMQ_EVENTS`.
    @inlinable
    public nonisolated(nonsending) func receive(timeout: Timeout? = nil) async throws -> sending Message {
        // nonisolated(unsafe): as in `receive()`, the message was made for this call,
        // and the socket keeps no reference to it.
        asyncBudget &-= 1
        if asyncBudget > 0 {
            nonisolated(unsafe) let ready = try tryReceive()
            if let ready { return ready }
        }
        nonisolated(unsafe) let message = try await wait(.receive, timeout: timeout, "receive") {
            () throws(ZMQError) in try tryReceive()
        }
        return message
    }

    /// Receives the next frame into `message`, waiting without blocking a thread, and
    /// reusing `message`'s storage when it holds the only reference to it.
    @inlinable
    public nonisolated(nonsending) func receive(into message: inout Message, timeout: Timeout? = nil) async throws {
        asyncBudget &-= 1
        if asyncBudget > 0, try tryReceive(into: &message) { return }
        _ = try await wait(.receive, timeout: timeout, "receive") { () throws(ZMQError) -> Bool? in
            try tryReceive(into: &message) ? true : nil
        }
    }

    /// Receives the next frame as an array of bytes, waiting without blocking a thread.
    @inlinable
    public nonisolated(nonsending) func receiveBytes(timeout: Timeout? = nil) async throws -> [UInt8] {
        asyncBudget &-= 1
        if asyncBudget > 0, let bytes = try tryReceiveBytes() { return bytes }
        return try await wait(.receive, timeout: timeout, "receive") { () throws(ZMQError) in try tryReceiveBytes() }
    }

    /// Receives the next frame as a string, decoding its bytes as UTF-8, waiting without
    /// blocking a thread.
    @inlinable
    public nonisolated(nonsending) func receiveString(timeout: Timeout? = nil) async throws -> String {
        asyncBudget &-= 1
        if asyncBudget > 0, let string = try tryReceiveString() { return string }
        return try await wait(.receive, timeout: timeout, "receive") { () throws(ZMQError) in try tryReceiveString() }
    }

    /// Receives every frame of the next multipart message, waiting without blocking a
    /// thread for the first; libzmq delivers the rest with it.
    public nonisolated(nonsending) func receiveMultipart(timeout: Timeout? = nil) async throws -> sending [Message] {
        asyncBudget &-= 1
        if asyncBudget > 0, let parts = try tryReceiveMultipart() { return parts }
        // nonisolated(unsafe): as in `receive(timeout:)`.
        nonisolated(unsafe) let parts = try await wait(.receive, timeout: timeout, "receive") {
            () throws(ZMQError) in try tryReceiveMultipart()
        }
        return parts
    }
}

// MARK: - Sending

/// Sending without blocking a thread: each `async` form tries first, and waits on the
/// ``Reactor`` only while the message cannot be queued (the high-water mark is reached,
/// or no peer is connected to a socket that needs one).
///
/// A wait ends with the message queued, with ``ZMQError/again`` when the timeout passes
/// (`nil` means the socket's ``SocketOption/sendTimeout``, infinite unless set), with
/// `CancellationError` when the task is cancelled, and with ``ZMQError/notSocket`` or
/// ``ZMQError/contextTerminated`` when the socket is closed or its context shut down.
/// A wait that ends without queuing the message sent nothing of it.
extension Socket where Kind: SendingSocketType {
    /// Sends a message, waiting without blocking a thread while it cannot be queued.
    ///
    /// As with ``send(_:more:)-(Message,_)``, a message not used after the call passes to libzmq
    /// without a copy.
    ///
    /// The corresponding C function is `zmq_msg_send` with `ZMQ_DONTWAIT`, then the
    /// socket's `ZMQ_FD` and `ZMQ_EVENTS`.
    @inlinable
    public nonisolated(nonsending) func send(
        _ message: consuming Message, more: Bool = false, timeout: Timeout? = nil
    ) async throws {
        let flags = (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT
        var pending = consume message
        try await send(timeout: timeout, "send") { () throws(ZMQError) in
            try sendMessage(&pending, flags: flags, "send")
        }
    }

    /// Sends a copy of `bytes`, waiting without blocking a thread while it cannot be
    /// queued.
    @inlinable
    public nonisolated(nonsending) func send<Bytes: Sequence<UInt8>>(
        _ bytes: Bytes, more: Bool = false, timeout: Timeout? = nil
    ) async throws {
        let flags = (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT
        try await send(timeout: timeout, "send") { () throws(ZMQError) in try sendBytes(bytes, flags: flags) }
    }

    /// Sends the UTF-8 bytes of `string`, waiting without blocking a thread while they
    /// cannot be queued.
    @inlinable
    public nonisolated(nonsending) func send(
        _ string: some StringProtocol, more: Bool = false, timeout: Timeout? = nil
    ) async throws {
        let flags = (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT
        try await send(timeout: timeout, "send") { () throws(ZMQError) in try sendString(string, flags: flags) }
    }

    /// Sends `parts` as one multipart message, waiting without blocking a thread while
    /// the first part cannot be queued; libzmq takes the rest with it. Nothing is sent
    /// when the wait ends otherwise.
    public nonisolated(nonsending) func sendMultipart(_ parts: [Message], timeout: Timeout? = nil) async throws {
        try await send(timeout: timeout, "sendMultipart") { () throws(ZMQError) in try trySendMultipart(parts) }
    }

    /// Sends `parts`, of different types, as one multipart message, waiting without
    /// blocking a thread while the first part cannot be queued.
    public nonisolated(nonsending) func sendMultipart(_ parts: [any MessagePart], timeout: Timeout? = nil) async throws
    {
        try await send(timeout: timeout, "sendMultipart") { () throws(ZMQError) in try trySendMultipart(parts) }
    }

    /// Sends copies of `parts` as one multipart message, waiting without blocking a
    /// thread while the first part cannot be queued.
    public nonisolated(nonsending) func sendMultipart<Part: Sequence<UInt8>>(
        _ parts: some Collection<Part>, timeout: Timeout? = nil
    ) async throws {
        try await send(timeout: timeout, "sendMultipart") { () throws(ZMQError) in try trySendMultipart(parts) }
    }

    /// Sends the UTF-8 bytes of `parts` as one multipart message, waiting without
    /// blocking a thread while the first part cannot be queued.
    public nonisolated(nonsending) func sendMultipart<Part: StringProtocol>(
        _ parts: some Collection<Part>, timeout: Timeout? = nil
    ) async throws {
        try await send(timeout: timeout, "sendMultipart") { () throws(ZMQError) in try trySendMultipart(parts) }
    }

    /// Every async send: `attempt` (the send with `ZMQ_DONTWAIT`, `false` for `EAGAIN`)
    /// on the fast path while the budget lasts, then ``wait(_:timeout:_:_:)``.
    @inlinable
    nonisolated(nonsending) func send(
        timeout: Timeout?, _ operation: StaticString, _ attempt: () throws(ZMQError) -> Bool
    ) async throws {
        asyncBudget &-= 1
        if asyncBudget > 0, try attempt() { return }
        _ = try await wait(.send, timeout: timeout, operation) { () throws(ZMQError) -> Bool? in
            try attempt() ? true : nil
        }
    }
}
