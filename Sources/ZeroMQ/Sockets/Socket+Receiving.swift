import CZeroMQ

/// Receiving, on every kind that can receive (PAIR, SUB, XPUB, XSUB, REQ, REP, DEALER,
/// ROUTER, PULL, STREAM).
///
/// Each operation comes in three forms:
/// - `receive()` blocks until a frame arrives, or until `ZMQ_RCVTIMEO` passes, when it
///   throws ``ZMQError/again``.
/// - `receive(timeout:)` blocks at most `timeout`, and returns `nil` when it passes.
/// - `tryReceive()` never blocks (`ZMQ_DONTWAIT`): it returns `nil` when nothing is
///   waiting, and throws only real errors.
///
/// The blocking forms are unavailable in async code (`noasync`), where each has an
/// `async` twin of the same name that waits without blocking a thread.
///
/// Frames always arrive whole, whatever their size: there is no buffer to truncate
/// into.
///
/// A received ``Message`` shares nothing with the socket (its result is `sending`), so
/// it can be handed to another task while the socket stays where it is:
///
/// <!-- snippet: function; prelude: let context = try Context(); let pull = try PullSocket(context);
///     func process(_ job: Message) {} -->
/// ```swift
/// let job = try pull.receive()
/// Task { process(job) }        // the socket keeps receiving here
/// ```
extension Socket where Kind: ReceivingSocketType {
    // MARK: Message

    /// Receives the next frame.
    ///
    /// - Throws: ``ZMQError/again`` when `ZMQ_RCVTIMEO` passes, ``ZMQError/invalidState``
    ///   when the pattern forbids receiving now (a REQ that has not sent),
    ///   ``ZMQError/contextTerminated`` when the context is shut down,
    ///   ``ZMQError/notSocket`` after ``close()``.
    ///
    /// The corresponding C function is `zmq_msg_recv`.
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    @inlinable
    public func receive() throws(ZMQError) -> sending Message {
        // nonisolated(unsafe): handing the message's pointer to a method of the socket
        // makes the compiler assume the socket may keep it, which would tie the message
        // to the socket. It does not: libzmq moves the frame into the message's
        // zmq_msg_t, and neither it nor the socket keeps a reference to the message.
        nonisolated(unsafe) let message = Message()
        _ = try receiveRaw(message.storage.pointer, flags: 0, "receive")
        return message
    }

    /// Receives the next frame if one is waiting.
    ///
    /// - Returns: The frame, or `nil` when none is waiting (`EAGAIN`).
    ///
    /// The corresponding C function is `zmq_msg_recv` with `ZMQ_DONTWAIT`.
    @inlinable
    public func tryReceive() throws(ZMQError) -> sending Message? {
        // Into the scratch message first, so that nothing is allocated when nothing
        // is waiting.
        guard try receiveRaw(scratch.pointer, flags: ZMQ_DONTWAIT, "receive") else { return nil }
        return takeScratchMessage()
    }

    /// The frame just received into the scratch message, moved into a message of its
    /// own.
    @inlinable
    func takeScratchMessage() -> sending Message {
        // nonisolated(unsafe): as in `receive()`, the frame is moved out of the
        // socket's scratch message into one the socket keeps no reference to.
        nonisolated(unsafe) let message = Message()
        message.storage.move(from: scratch)
        return message
    }

    /// Receives the next frame into `message`, replacing what it held.
    ///
    /// When `message` holds the only reference to its storage, the storage is reused,
    /// so a receive loop over one `Message` allocates nothing:
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let pull = try PullSocket(context);
    ///     func handle(_ bytes: RawSpan) {} -->
    /// ```swift
    /// var message = Message()
    /// while true {
    ///     try pull.receive(into: &message)
    ///     handle(message.bytes)
    /// }
    /// ```
    ///
    /// The corresponding C function is `zmq_msg_recv`.
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    @inlinable
    public func receive(into message: inout Message) throws(ZMQError) {
        if !isKnownUniquelyReferenced(&message.storage) {
            message.storage = .empty()
        }
        _ = try receiveRaw(message.storage.pointer, flags: 0, "receive")
    }

    /// Receives the next frame into `message` if one is waiting.
    ///
    /// - Returns: `false`, with `message` unchanged, when none is waiting.
    ///
    /// libzmq empties the message it is given even when nothing is waiting, so the
    /// frame is received into the socket's scratch message, which becomes `message`'s
    /// only when one arrived. The corresponding C function is `zmq_msg_recv` with
    /// `ZMQ_DONTWAIT`.
    @inlinable
    public func tryReceive(into message: inout Message) throws(ZMQError) -> Bool {
        guard try receiveRaw(scratch.pointer, flags: ZMQ_DONTWAIT, "receive") else { return false }
        // The frame is in the scratch storage: give that storage to `message`, and keep
        // `message`'s own as the scratch, instead of moving the frame (zmq_msg_move,
        // and a close of the emptied scratch at the next receive: about 50
        // instructions). libzmq closes the previous frame, now in the scratch, when it
        // next receives into it, as it would have in `message`.
        if isKnownUniquelyReferenced(&message.storage) {
            swap(&message.storage, &scratch)
        } else {
            // Someone else holds the message: leave theirs alone.
            message.storage = scratch
            scratch = .empty()
        }
        return true
    }

    // MARK: Bytes and strings

    /// Receives the next frame as an array of bytes.
    ///
    /// The frame is received into a message the socket reuses, then copied once into
    /// the array. The corresponding C function is `zmq_msg_recv`.
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    @inlinable
    public func receiveBytes() throws(ZMQError) -> [UInt8] {
        _ = try receiveRaw(scratch.pointer, flags: 0, "receive")
        return takeScratch { [UInt8]($0) }
    }

    /// Receives the next frame as an array of bytes, if one is waiting.
    @inlinable
    public func tryReceiveBytes() throws(ZMQError) -> [UInt8]? {
        guard try receiveRaw(scratch.pointer, flags: ZMQ_DONTWAIT, "receive") else { return nil }
        return takeScratch { [UInt8]($0) }
    }

    /// Receives the next frame as a string, decoding its bytes as UTF-8 (invalid
    /// sequences become U+FFFD).
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    @inlinable
    public func receiveString() throws(ZMQError) -> String {
        _ = try receiveRaw(scratch.pointer, flags: 0, "receive")
        return takeScratch { String(decoding: $0, as: UTF8.self) }
    }

    /// Receives the next frame as a string, if one is waiting.
    @inlinable
    public func tryReceiveString() throws(ZMQError) -> String? {
        guard try receiveRaw(scratch.pointer, flags: ZMQ_DONTWAIT, "receive") else { return nil }
        return takeScratch { String(decoding: $0, as: UTF8.self) }
    }

    /// Converts the frame just received into the scratch message, then releases it, so
    /// that the socket holds no payload between calls.
    @inlinable
    func takeScratch<R>(_ convert: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let result = convert(scratch.bytes.assumingMemoryBound(to: UInt8.self))
        scratch.reset()
        return result
    }

    // MARK: Multipart

    /// Receives every frame of the next multipart message (one frame for a single-part
    /// message).
    ///
    /// libzmq delivers a multipart message whole, so once the first frame is here the
    /// rest is too. The corresponding C functions are `zmq_msg_recv` and `zmq_msg_more`.
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    public func receiveMultipart() throws(ZMQError) -> sending [Message] {
        var parts = [try receive()]
        while parts[parts.count - 1].more {
            parts.append(try receive())
        }
        return parts
    }

    /// Receives every frame of the next multipart message, if one is waiting.
    public func tryReceiveMultipart() throws(ZMQError) -> sending [Message]? {
        guard let first = try tryReceive() else { return nil }
        var parts = [first]
        while parts[parts.count - 1].more {
            parts.append(try receive())
        }
        return parts
    }

    // MARK: Waiting at most a given time

    /// Receives the next frame, waiting at most `timeout` for it.
    ///
    /// The first receive loop of most programs:
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let pull = try PullSocket(context);
    ///     func handle(_ message: Message) {} -->
    /// ```swift
    /// while let message = try pull.receive(timeout: .seconds(1)) {
    ///     handle(message)
    /// }
    /// // here a second passed without a message
    /// ```
    ///
    /// A zero or negative `timeout` takes a frame only if one is waiting, as
    /// ``tryReceive()`` does. `nil` waits as ``receive()-6xbli`` does: until a frame
    /// arrives, or for the socket's ``SocketOption/receiveTimeout`` when one is set, so
    /// that a limit computed as optional needs no second branch.
    ///
    /// - Returns: The frame, or `nil` when none arrived within `timeout`.
    /// - Throws: As ``receive()-6xbli``, except that a timeout is not an error.
    ///
    /// The corresponding C functions are `zmq_poll` of this socket alone, then
    /// `zmq_msg_recv` with `ZMQ_DONTWAIT`.
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives or the timeout passes. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    public func receive(timeout: Duration?) throws(ZMQError) -> sending Message? {
        try receiveWithin(timeout) { () throws(ZMQError) in try tryReceive() }
    }

    /// Receives the next frame into `message`, waiting at most `timeout` for it, and
    /// reusing `message`'s storage as ``receive(into:)-y2qf`` does.
    ///
    /// - Returns: `false`, with `message` unchanged, when no frame arrived within
    ///   `timeout` (zero or negative: none was waiting).
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives or the timeout passes. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    public func receive(into message: inout Message, timeout: Duration?) throws(ZMQError) -> Bool {
        try receiveWithin(timeout) { () throws(ZMQError) in try tryReceive(into: &message) ? () : nil } != nil
    }

    /// Receives the next frame as an array of bytes, waiting at most `timeout` for it.
    ///
    /// - Returns: The bytes, or `nil` when no frame arrived within `timeout`.
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives or the timeout passes. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    public func receiveBytes(timeout: Duration?) throws(ZMQError) -> [UInt8]? {
        try receiveWithin(timeout) { () throws(ZMQError) in try tryReceiveBytes() }
    }

    /// Receives the next frame as a string, waiting at most `timeout` for it.
    ///
    /// - Returns: The string, or `nil` when no frame arrived within `timeout`.
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives or the timeout passes. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    public func receiveString(timeout: Duration?) throws(ZMQError) -> String? {
        try receiveWithin(timeout) { () throws(ZMQError) in try tryReceiveString() }
    }

    /// Receives every frame of the next multipart message, waiting at most `timeout`
    /// for the first; libzmq delivers the rest with it.
    ///
    /// - Returns: The frames, or `nil` when no message arrived within `timeout`.
    @available(
        *, noasync,
        message:
            "blocks the thread until a frame arrives or the timeout passes. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use tryReceive() or 'for try await' over socket.messages"
    )
    public func receiveMultipart(timeout: Duration?) throws(ZMQError) -> sending [Message]? {
        try receiveWithin(timeout) { () throws(ZMQError) in try tryReceiveMultipart() }
    }

    /// Retries `attempt` (a receive with `ZMQ_DONTWAIT`, `nil` for `EAGAIN`) each time
    /// the socket polls readable, until it returns something or `timeout` passes: the
    /// receives that take a `timeout`, as ``sendWithin(_:_:)`` is for sends.
    private func receiveWithin<Result>(
        _ timeout: Duration?, _ attempt: () throws(ZMQError) -> sending Result?
    ) throws(ZMQError) -> sending Result? {
        let deadline = try receiveDeadline(timeout)
        repeat {
            if let result = try attempt() { return result }
        } while try waitUntilReady(ZMQ_POLLIN, until: deadline, "receive")
        return nil
    }

    /// When a receive with `timeout` gives up; `nil` takes the socket's own
    /// ``SocketOption/receiveTimeout``, as ``receive()-6xbli`` does (infinite unless set).
    private func receiveDeadline(_ timeout: Duration?) throws(ZMQError) -> OperationDeadline {
        if let timeout { return OperationDeadline(timeout) }
        return OperationDeadline(try option(.receiveTimeout).duration)
    }

    /// Whether the frame received last is followed by more frames of the same message.
    ///
    /// Use it after ``receiveBytes()-3pymr`` or ``receiveString()-9s165``; a ``Message`` answers
    /// the same question with ``Message/more``. The corresponding C option is
    /// `ZMQ_RCVMORE`.
    public var hasMore: Bool {
        get throws(ZMQError) { try option(.receiveMore) }
    }
}
