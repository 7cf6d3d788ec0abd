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
    /// The slow path of every async send and receive: `attempt` (the operation with
    /// `ZMQ_DONTWAIT`, returning `nil` for `EAGAIN`) failed, or the fast path must
    /// yield. Waits in the socket's queue for `direction` until `attempt` succeeds.
    ///
    /// How the queues, the reactor and libzmq's edges fit together is told once, in
    /// Docs/Async.md ("How it uses libzmq"); ``SocketReadiness`` holds the queues.
    ///
    /// - Parameter timeout: How long to wait; `nil` means the socket's
    ///   `ZMQ_RCVTIMEO` or `ZMQ_SNDTIMEO`. Zero or negative: only an attempt that
    ///   needs no wait (and none when other tasks wait ahead).
    /// - Returns: What `attempt` returned, or `nil` when `timeout` passed.
    /// - Throws: `CancellationError` when the task is cancelled while it waits (nothing
    ///   was taken from the socket); ``ZMQError/notSocket`` when the socket is closed
    ///   meanwhile; what `attempt` throws.
    @usableFromInline
    nonisolated(nonsending) func waitInQueue<Result>(
        _ direction: SocketReadiness.Direction, timeout: Duration?, _ operation: StaticString,
        _ attempt: () throws(ZMQError) -> sending Result?
    ) async throws -> sending Result? {
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
        let deadline = try self.deadline(timeout, direction)
        if deadline == 0 {
            // Nothing queued ahead of it could make it ready without waiting.
            if asyncWaiters == 0, let result = try attempt() { return result }
            return nil
        }

        let waiter = readiness.join(direction, deadline: deadline)
        joinedWaiters()
        defer {
            readiness.leave(waiter)
            leftWaiters()
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
                return nil
            case .cancelled:
                throw CancellationError()
            case .closed:
                _ = try liveHandle(operation)
                throw ZMQError.closed(operation, socket: kind.name)
            }
        }
    }

    /// ``waitInQueue(_:timeout:_:_:)`` for the operations whose timeout is an error:
    /// receives without a timeout (which use `ZMQ_RCVTIMEO`) and every send.
    ///
    /// - Throws: ``ZMQError/again`` when the timeout passes; what the wait throws.
    @usableFromInline
    nonisolated(nonsending) func waitInQueueOrThrow<Result>(
        _ direction: SocketReadiness.Direction, timeout: Duration?, _ operation: StaticString,
        _ attempt: () throws(ZMQError) -> sending Result?
    ) async throws -> sending Result {
        // nonisolated(unsafe): the result is what `attempt` returned as `sending`; it
        // only passes through here.
        nonisolated(unsafe) let result = try await waitInQueue(direction, timeout: timeout, operation, attempt)
        guard let result else {
            let limit =
                timeout.map { "timed out after \($0)" }
                ?? (direction == .receive
                    ? "timed out (ZMQ_RCVTIMEO)" : "timed out (ZMQ_SNDTIMEO) or no peer can take the message")
            if direction == .send { sendFailureObserver?(.timedOut) }
            throw ZMQError(EAGAIN, operation: operation.description, target: kind.name, reason: limit)
        }
        return result
    }

    /// When a wait of `timeout` that starts now ends, in ``Reactor/now()`` nanoseconds:
    /// 0 for no wait at all (zero or negative), `UInt64.max` for never. `nil` means the
    /// socket's own timeout for `direction` (`ZMQ_RCVTIMEO` or `ZMQ_SNDTIMEO`).
    func deadline(_ timeout: Duration?, _ direction: SocketReadiness.Direction) throws(ZMQError) -> UInt64 {
        if let timeout { return Self.deadline(after: timeout) }
        let limit = try option(direction == .receive ? .receiveTimeout : .sendTimeout)
        if limit.isInfinite { return .max }
        if limit == .zero { return 0 }
        return Self.deadline(afterNanoseconds: UInt64(limit.milliseconds) &* 1_000_000)
    }

    /// When a wait of `timeout` that starts now ends, in ``Reactor/now()`` nanoseconds:
    /// 0 for zero or negative (no wait at all), `UInt64.max` when it is too far away.
    static func deadline(after timeout: Duration) -> UInt64 {
        guard timeout > .zero else { return 0 }
        let (seconds, attoseconds) = timeout.components
        // Rounded up, so that a wait never ends before its timeout.
        let fraction = UInt64((attoseconds + 999_999_999) / 1_000_000_000)
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : deadline(afterNanoseconds: whole &+ fraction)
    }

    private static func deadline(afterNanoseconds nanoseconds: UInt64) -> UInt64 {
        let (deadline, overflow) = Reactor.now().addingReportingOverflow(nanoseconds)
        return overflow ? .max : deadline
    }

    /// Counts a task that joined one of the socket's queues: while any waits, every
    /// call on the socket applies the wake-up rule, and the async fast path is closed.
    func joinedWaiters() {
        if asyncWaiters == 0 { SocketReadiness.socketsWithWaiters.add(1, ordering: .relaxed) }
        asyncWaiters += 1
        asyncBudget = 0
    }

    /// Counts a task that left the socket's queues.
    func leftWaiters() {
        asyncWaiters -= 1
        if asyncWaiters == 0 {
            asyncBudget = asyncFastPathBudget
            SocketReadiness.socketsWithWaiters.subtract(1, ordering: .relaxed)
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

    func registerReadiness(_ operation: StaticString) throws(ZMQError) -> SocketReadiness {
        let readiness = try context.registerReadiness(liveHandle(operation), kindName: kind.name)
        self.readiness = readiness
        return readiness
    }
}

// MARK: - Waiting for readiness

extension Socket {
    /// Waits until the socket can receive or send without blocking, without receiving
    /// or sending anything, and without blocking a thread.
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let dealer = try DealerSocket(context) -->
    /// ```swift
    /// // Tell a client that a reply is ready before reading it:
    /// if try await dealer.wait(for: .readable, timeout: .seconds(1)).contains(.readable) {
    ///     let reply = try dealer.tryReceive()
    /// }
    /// ```
    ///
    /// Any number of tasks may wait at once, alongside tasks that send or receive: each
    /// wait returns as soon as the socket shows what it waits for, and takes nothing
    /// from it (another task may then take the message first). This is pyzmq asyncio's
    /// `Socket.poll`; ``Poller`` does the same for several sockets, blocking a thread.
    ///
    /// - Parameters:
    ///   - events: ``PollEvents/readable`` (a message can be received),
    ///     ``PollEvents/writable`` (a message can be sent), or both.
    ///   - timeout: How long to wait; `nil` (the default) waits until the socket is
    ///     ready; zero or negative does not wait.
    /// - Returns: Which of `events` the socket shows; empty when `timeout` passed first.
    /// - Throws: `CancellationError` when the task is cancelled while it waits,
    ///   ``ZMQError/notSocket`` when the socket is closed, ``ZMQError/contextTerminated``
    ///   when its context is shut down, ``ZMQError/invalidArgument`` when `events`
    ///   holds neither `.readable` nor `.writable`.
    ///
    /// The corresponding C option is `ZMQ_EVENTS`, read after each edge of `ZMQ_FD`.
    public nonisolated(nonsending) func wait(
        for events: PollEvents, timeout: Duration? = nil
    ) async throws -> PollEvents {
        let interest = Int32(events.rawValue) & Int32(ZMQ_POLLIN | ZMQ_POLLOUT)
        guard interest != 0 else {
            throw ZMQError(
                EINVAL, operation: "wait", target: kind.name,
                reason: "wait(for:) needs .readable, .writable or both, not \(events)")
        }
        let now = try self.events.intersection(events)
        var deadline = UInt64.max
        if let timeout { deadline = Self.deadline(after: timeout) }
        if !now.isEmpty || deadline == 0 { return now }
        try Task.checkCancellation()

        let readiness = try self.readiness ?? registerReadiness("wait")
        let waiter = readiness.join(.watch, interest: interest, deadline: deadline)
        joinedWaiters()
        defer {
            readiness.leave(waiter)
            leftWaiters()
        }
        while true {
            // Read once it has joined, so that an edge from here on wakes it. The read
            // processes the socket's commands, so it wakes the other waiters it shows
            // ready (the wake-up rule).
            let shown = try readEventsWakingWaiters(running: waiter) ?? Int32(self.events.rawValue)
            if shown & interest != 0 { return PollEvents(rawValue: Int16(shown & interest)) }
            switch await readiness.park(waiter) {
            case .ready:
                continue
            case .timedOut:
                return []
            case .cancelled:
                throw CancellationError()
            case .closed:
                _ = try liveHandle("wait")
                throw ZMQError.closed("wait", socket: kind.name)
            }
        }
    }
}

// MARK: - Receiving

/// Receiving without blocking a thread: each `async` form tries first, and waits on the
/// ``Reactor`` only when nothing is there.
///
/// Each comes in two forms, as the blocking ones do:
/// - `receive()` waits until a frame arrives, or until the socket's
///   ``SocketOption/receiveTimeout`` passes (infinite unless set), when it throws
///   ``ZMQError/again``.
/// - `receive(timeout:)` waits at most `timeout`, and returns `nil` when it passes.
///
/// A wait also ends with `CancellationError` when the task is cancelled, and with
/// ``ZMQError/notSocket`` or ``ZMQError/contextTerminated`` when the socket is closed
/// or its context shut down. A frame is taken from libzmq only by the task that returns
/// it: a wait that ends any other way leaves every message queued.
///
/// Tasks that wait on one socket at once (calls of one actor, say) are served in the
/// order they started waiting.
extension Socket where Kind: ReceivingSocketType {
    /// Receives the next frame, waiting without blocking a thread.
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let pull = try PullSocket(context) -->
    /// ```swift
    /// let job = try await pull.receive()
    /// ```
    ///
    /// - Throws: See the extension's overview.
    ///
    /// The corresponding C function is `zmq_msg_recv` with `ZMQ_DONTWAIT`, then the
    /// socket's `ZMQ_FD` and `ZMQ_EVENTS`.
    @inlinable
    public nonisolated(nonsending) func receive() async throws -> sending Message {
        // nonisolated(unsafe): as in `receive()`, the message was made for this call,
        // and the socket keeps no reference to it.
        asyncBudget &-= 1
        if asyncBudget > 0 {
            nonisolated(unsafe) let ready = try tryReceive()
            if let ready { return ready }
        }
        nonisolated(unsafe) let message = try await waitInQueueOrThrow(.receive, timeout: nil, "receive") {
            () throws(ZMQError) in try tryReceive()
        }
        return message
    }

    /// Receives the next frame, waiting at most `timeout` without blocking a thread.
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let dealer = try DealerSocket(context);
    ///     func handle(_ reply: Message) {} -->
    /// ```swift
    /// while let reply = try await dealer.receive(timeout: .seconds(2)) {
    ///     handle(reply)
    /// }
    /// ```
    ///
    /// - Parameter timeout: How long to wait; zero or negative takes a frame only if
    ///   one is waiting. `nil` waits as ``receive()-910iq`` does: until a frame arrives,
    ///   or for the socket's ``SocketOption/receiveTimeout`` when one is set.
    /// - Returns: The frame, or `nil` when none arrived within `timeout`.
    /// - Throws: See the extension's overview.
    @inlinable
    public nonisolated(nonsending) func receive(timeout: Duration?) async throws -> sending Message? {
        asyncBudget &-= 1
        if asyncBudget > 0 {
            nonisolated(unsafe) let ready = try tryReceive()
            if let ready { return ready }
        }
        // nonisolated(unsafe): as in `receive()`.
        nonisolated(unsafe) let message = try await waitInQueue(.receive, timeout: timeout, "receive") {
            () throws(ZMQError) in try tryReceive()
        }
        return message
    }

    /// Receives the next frame into `message`, waiting without blocking a thread, and
    /// reusing `message`'s storage when it holds the only reference to it.
    @inlinable
    public nonisolated(nonsending) func receive(into message: inout Message) async throws {
        asyncBudget &-= 1
        if asyncBudget > 0, try tryReceive(into: &message) { return }
        _ = try await waitInQueueOrThrow(.receive, timeout: nil, "receive") { () throws(ZMQError) -> Bool? in
            try tryReceive(into: &message) ? true : nil
        }
    }

    /// Receives the next frame into `message`, waiting at most `timeout` without
    /// blocking a thread.
    ///
    /// - Returns: `false`, with `message` unchanged, when no frame arrived within
    ///   `timeout`.
    @inlinable
    public nonisolated(nonsending) func receive(into message: inout Message, timeout: Duration?) async throws -> Bool {
        asyncBudget &-= 1
        if asyncBudget > 0, try tryReceive(into: &message) { return true }
        return try await waitInQueue(.receive, timeout: timeout, "receive") { () throws(ZMQError) -> Bool? in
            try tryReceive(into: &message) ? true : nil
        } ?? false
    }

    /// Receives the next frame as an array of bytes, waiting without blocking a thread.
    @inlinable
    public nonisolated(nonsending) func receiveBytes() async throws -> [UInt8] {
        asyncBudget &-= 1
        if asyncBudget > 0, let bytes = try tryReceiveBytes() { return bytes }
        return try await waitInQueueOrThrow(.receive, timeout: nil, "receive") { () throws(ZMQError) in
            try tryReceiveBytes()
        }
    }

    /// Receives the next frame as an array of bytes, waiting at most `timeout` without
    /// blocking a thread.
    ///
    /// - Returns: The bytes, or `nil` when no frame arrived within `timeout`.
    @inlinable
    public nonisolated(nonsending) func receiveBytes(timeout: Duration?) async throws -> [UInt8]? {
        asyncBudget &-= 1
        if asyncBudget > 0, let bytes = try tryReceiveBytes() { return bytes }
        return try await waitInQueue(.receive, timeout: timeout, "receive") { () throws(ZMQError) in
            try tryReceiveBytes()
        }
    }

    /// Receives the next frame as a string, decoding its bytes as UTF-8, waiting without
    /// blocking a thread.
    @inlinable
    public nonisolated(nonsending) func receiveString() async throws -> String {
        asyncBudget &-= 1
        if asyncBudget > 0, let string = try tryReceiveString() { return string }
        return try await waitInQueueOrThrow(.receive, timeout: nil, "receive") { () throws(ZMQError) in
            try tryReceiveString()
        }
    }

    /// Receives the next frame as a string, waiting at most `timeout` without blocking
    /// a thread.
    ///
    /// - Returns: The string, or `nil` when no frame arrived within `timeout`.
    @inlinable
    public nonisolated(nonsending) func receiveString(timeout: Duration?) async throws -> String? {
        asyncBudget &-= 1
        if asyncBudget > 0, let string = try tryReceiveString() { return string }
        return try await waitInQueue(.receive, timeout: timeout, "receive") { () throws(ZMQError) in
            try tryReceiveString()
        }
    }

    /// Receives every frame of the next multipart message, waiting without blocking a
    /// thread for the first; libzmq delivers the rest with it.
    public nonisolated(nonsending) func receiveMultipart() async throws -> sending [Message] {
        asyncBudget &-= 1
        if asyncBudget > 0, let parts = try tryReceiveMultipart() { return parts }
        // nonisolated(unsafe): as in `receive()`.
        nonisolated(unsafe) let parts = try await waitInQueueOrThrow(.receive, timeout: nil, "receive") {
            () throws(ZMQError) in try tryReceiveMultipart()
        }
        return parts
    }

    /// Receives every frame of the next multipart message, waiting at most `timeout`
    /// without blocking a thread for the first.
    ///
    /// - Returns: The frames, or `nil` when no message arrived within `timeout`.
    public nonisolated(nonsending) func receiveMultipart(timeout: Duration?) async throws -> sending [Message]? {
        asyncBudget &-= 1
        if asyncBudget > 0, let parts = try tryReceiveMultipart() { return parts }
        // nonisolated(unsafe): as in `receive()`.
        nonisolated(unsafe) let parts = try await waitInQueue(.receive, timeout: timeout, "receive") {
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
/// (`nil`, the default, means the socket's ``SocketOption/sendTimeout``, infinite unless
/// set; zero or negative means no wait at all), with `CancellationError` when the task
/// is cancelled, and with ``ZMQError/notSocket`` or ``ZMQError/contextTerminated`` when
/// the socket is closed or its context shut down. A wait that ends without queuing the
/// message sent nothing of it.
///
/// A send that times out throws, unlike a receive, which returns `nil`: a message that
/// was not sent must not pass unnoticed.
extension Socket where Kind: SendingSocketType {
    /// Sends a message, waiting without blocking a thread while it cannot be queued.
    ///
    /// As with ``send(_:more:timeout:)-7i2zx``, a message not used after the call passes to libzmq
    /// without a copy.
    ///
    /// - Parameters:
    ///   - message: The message to send.
    ///   - more: Whether more parts of the same message follow (`ZMQ_SNDMORE`).
    ///   - timeout: How long to wait; `nil` uses ``SocketOption/sendTimeout``.
    /// - Throws: ``ZMQError/again`` when `timeout` passes; see the extension's overview.
    ///
    /// The corresponding C function is `zmq_msg_send` with `ZMQ_DONTWAIT`, then the
    /// socket's `ZMQ_FD` and `ZMQ_EVENTS`.
    @inlinable
    public nonisolated(nonsending) func send(
        _ message: consuming Message, more: Bool = false, timeout: Duration? = nil
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
        _ bytes: Bytes, more: Bool = false, timeout: Duration? = nil
    ) async throws {
        let flags = (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT
        try await send(timeout: timeout, "send") { () throws(ZMQError) in try sendBytes(bytes, flags: flags) }
    }

    /// Sends the UTF-8 bytes of `string`, waiting without blocking a thread while they
    /// cannot be queued.
    @inlinable
    public nonisolated(nonsending) func send(
        _ string: some StringProtocol, more: Bool = false, timeout: Duration? = nil
    ) async throws {
        let flags = (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT
        try await send(timeout: timeout, "send") { () throws(ZMQError) in try sendString(string, flags: flags) }
    }

    /// Sends `parts` as one multipart message, waiting without blocking a thread while
    /// the first part cannot be queued; libzmq takes the rest with it. Nothing is sent
    /// when the wait ends otherwise.
    public nonisolated(nonsending) func sendMultipart(_ parts: [Message], timeout: Duration? = nil) async throws {
        try await send(timeout: timeout, "sendMultipart") { () throws(ZMQError) in try trySendMultipart(parts) }
    }

    /// Sends `parts`, of different types, as one multipart message, waiting without
    /// blocking a thread while the first part cannot be queued.
    public nonisolated(nonsending) func sendMultipart(_ parts: [any MessagePart], timeout: Duration? = nil) async throws
    {
        try await send(timeout: timeout, "sendMultipart") { () throws(ZMQError) in try trySendMultipart(parts) }
    }

    /// Sends copies of `parts` as one multipart message, waiting without blocking a
    /// thread while the first part cannot be queued.
    public nonisolated(nonsending) func sendMultipart<Part: Sequence<UInt8>>(
        _ parts: some Collection<Part>, timeout: Duration? = nil
    ) async throws {
        try await send(timeout: timeout, "sendMultipart") { () throws(ZMQError) in try trySendMultipart(parts) }
    }

    /// Sends the UTF-8 bytes of `parts` as one multipart message, waiting without
    /// blocking a thread while the first part cannot be queued.
    public nonisolated(nonsending) func sendMultipart<Part: StringProtocol>(
        _ parts: some Collection<Part>, timeout: Duration? = nil
    ) async throws {
        try await send(timeout: timeout, "sendMultipart") { () throws(ZMQError) in try trySendMultipart(parts) }
    }

    /// Every async send: `attempt` (the send with `ZMQ_DONTWAIT`, `false` for `EAGAIN`)
    /// on the fast path while the budget lasts, then ``waitInQueueOrThrow(_:timeout:_:_:)``.
    @inlinable
    nonisolated(nonsending) func send(
        timeout: Duration?, _ operation: StaticString, _ attempt: () throws(ZMQError) -> Bool
    ) async throws {
        asyncBudget &-= 1
        if asyncBudget > 0, try attempt() { return }
        _ = try await waitInQueueOrThrow(.send, timeout: timeout, operation) { () throws(ZMQError) -> Bool? in
            try attempt() ? true : nil
        }
    }
}
