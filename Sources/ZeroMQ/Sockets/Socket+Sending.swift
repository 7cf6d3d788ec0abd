import CZeroMQ

/// Sending, on every kind that can send (PAIR, PUB, XPUB, XSUB, REQ, REP, DEALER,
/// ROUTER, PUSH, STREAM).
///
/// Each operation comes in two forms:
/// - `send` blocks until libzmq queues the frame, or until `ZMQ_SNDTIMEO` passes, when
///   it throws ``ZMQError/again``. Given a `timeout:`, it waits at most that long
///   instead (`zmq_poll` of this socket alone, then the send with `ZMQ_DONTWAIT`) and
///   throws ``ZMQError/again`` with nothing sent when it passes; a zero or negative
///   timeout sends only if that needs no wait.
/// - `trySend` never blocks (`ZMQ_DONTWAIT`): it returns `false` when the frame cannot
///   be queued now, and throws only real errors.
///
/// The blocking forms are unavailable in async code (`noasync`), where each has an
/// `async` twin of the same name that waits without blocking a thread (and takes a
/// `timeout`).
///
/// `more: true` sends the frame as one part of a multipart message (`ZMQ_SNDMORE`):
/// libzmq delivers a multipart message whole or not at all.
extension Socket where Kind: SendingSocketType {
    // MARK: Message

    /// Sends a message.
    ///
    /// If `message` is not used after the call, its bytes pass to libzmq without a copy;
    /// otherwise libzmq sends a copy that shares the same bytes, and `message` stays as
    /// it was. Whether a variable counts as used afterwards is the optimizer's call (a
    /// debug build keeps it alive to the end of its scope); write
    /// `send(consume message)` to hand it over in every build, so that a zero-copy
    /// message's deallocator does not wait for the variable.
    ///
    /// With a `timeout`, it waits at most that long for the message to be queued; when
    /// it passes, nothing was sent and the call throws ``ZMQError/again``. `nil` (the
    /// default) waits as libzmq does: until it is queued, or for the socket's
    /// ``SocketOption/sendTimeout``.
    ///
    /// - Throws: ``ZMQError/again`` when `ZMQ_SNDTIMEO` passes, ``ZMQError/invalidState``
    ///   when the socket's pattern forbids sending now (a REQ sending twice),
    ///   ``ZMQError/contextTerminated``, ``ZMQError/notSocket`` after ``close()``.
    ///
    /// The corresponding C function is `zmq_msg_send`.
    @available(
        *, noasync,
        message:
            "blocks the thread until the message is queued. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use trySend()"
    )
    @inlinable
    public func send(_ message: consuming Message, more: Bool = false, timeout: Duration? = nil) throws(ZMQError) {
        let flags = more ? ZMQ_SNDMORE : 0
        if let timeout {
            try sendWithin(timeout) { () throws(ZMQError) in try sendMessage(&message, flags: flags | ZMQ_DONTWAIT, "send") }
        } else {
            _ = try sendMessage(&message, flags: flags, "send")
        }
    }

    /// Sends a message if it can be queued without blocking.
    ///
    /// - Returns: `false` when the message could not be queued now (`EAGAIN`); the
    ///   caller's copies of `message` are unchanged, so it can be sent again later.
    ///
    /// The corresponding C function is `zmq_msg_send` with `ZMQ_DONTWAIT`.
    @inlinable
    public func trySend(_ message: consuming Message, more: Bool = false) throws(ZMQError) -> Bool {
        try sendMessage(&message, flags: (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT, "send")
    }

    @inlinable
    func sendMessage(_ message: inout Message, flags: Int32, _ operation: StaticString) throws(ZMQError) -> Bool {
        if isKnownUniquelyReferenced(&message.storage) {
            // Nobody else can observe `message`: hand its zmq_msg_t to libzmq as it is.
            return try sendRaw(message.storage.pointer, flags: flags, operation)
        }
        // Someone else holds the message: send a libzmq copy, which shares the bytes
        // (a reference count, not a copy of the payload), and leave theirs intact.
        scratch.copy(from: message.storage)
        do {
            if try sendRaw(scratch.pointer, flags: flags, operation) { return true }
            resetScratch()
            return false
        } catch {
            resetScratch()
            throw error
        }
    }

    /// Retries `attempt` (a send with `ZMQ_DONTWAIT`, `false` for `EAGAIN`) each time
    /// the socket polls writable, until it succeeds or `timeout` passes: the sends that
    /// take a `timeout`.
    ///
    /// - Throws: ``ZMQError/again`` when `timeout` passed with nothing sent.
    @usableFromInline
    func sendWithin(_ timeout: Duration, _ attempt: () throws(ZMQError) -> Bool) throws(ZMQError) {
        let deadline = OperationDeadline(timeout)
        repeat {
            if try attempt() { return }
        } while try waitUntilReady(ZMQ_POLLOUT, until: deadline, "send")
        sendFailureObserver?(.timedOut)
        throw ZMQError(
            EAGAIN, operation: "send", target: kind.name, reason: "nothing could be queued within \(timeout)")
    }

    /// Drops whatever a failed send left in the scratch message.
    @usableFromInline
    func resetScratch() {
        scratch.reset()
    }

    // MARK: Bytes

    /// Sends a copy of the bytes in `buffer`.
    ///
    /// The corresponding C function is `zmq_send`.
    @available(
        *, noasync,
        message:
            "blocks the thread until the message is queued. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use trySend()"
    )
    @inlinable
    public func send(_ buffer: UnsafeRawBufferPointer, more: Bool = false) throws(ZMQError) {
        _ = try sendRaw(buffer, flags: more ? ZMQ_SNDMORE : 0, "send")
    }

    /// Sends a copy of the bytes in `buffer` if it can be queued without blocking.
    ///
    /// - Returns: `false` when it could not be queued now (`EAGAIN`).
    ///
    /// The corresponding C function is `zmq_send` with `ZMQ_DONTWAIT`.
    @inlinable
    public func trySend(_ buffer: UnsafeRawBufferPointer, more: Bool = false) throws(ZMQError) -> Bool {
        try sendRaw(buffer, flags: (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT, "send")
    }

    /// Sends a copy of `bytes`: an `[UInt8]`, an `ArraySlice<UInt8>`, Foundation `Data`,
    /// or any other sequence of bytes. Contiguous collections are copied once, by
    /// libzmq, straight from their storage.
    ///
    /// The corresponding C function is `zmq_send`.
    @available(
        *, noasync,
        message:
            "blocks the thread until the message is queued. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use trySend()"
    )
    @inlinable
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, more: Bool = false, timeout: Duration? = nil)
        throws(ZMQError)
    {
        let flags = more ? ZMQ_SNDMORE : 0
        if let timeout {
            try sendWithin(timeout) { () throws(ZMQError) in try sendBytes(bytes, flags: flags | ZMQ_DONTWAIT) }
        } else {
            _ = try sendBytes(bytes, flags: flags)
        }
    }

    /// Sends a copy of `bytes` if it can be queued without blocking.
    ///
    /// - Returns: `false` when it could not be queued now (`EAGAIN`).
    ///
    /// The corresponding C function is `zmq_send` with `ZMQ_DONTWAIT`.
    @inlinable
    public func trySend<Bytes: Sequence<UInt8>>(_ bytes: Bytes, more: Bool = false) throws(ZMQError) -> Bool {
        try sendBytes(bytes, flags: (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT)
    }

    // MARK: Strings

    /// Sends the UTF-8 bytes of `string`, without a terminating NUL.
    ///
    /// The corresponding C function is `zmq_send`.
    @available(
        *, noasync,
        message:
            "blocks the thread until the message is queued. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use trySend()"
    )
    @inlinable
    public func send(_ string: some StringProtocol, more: Bool = false, timeout: Duration? = nil) throws(ZMQError) {
        let flags = more ? ZMQ_SNDMORE : 0
        if let timeout {
            try sendWithin(timeout) { () throws(ZMQError) in try sendString(string, flags: flags | ZMQ_DONTWAIT) }
        } else {
            _ = try sendString(string, flags: flags)
        }
    }

    /// Sends the UTF-8 bytes of `string` if they can be queued without blocking.
    ///
    /// - Returns: `false` when they could not be queued now (`EAGAIN`).
    @inlinable
    public func trySend(_ string: some StringProtocol, more: Bool = false) throws(ZMQError) -> Bool {
        try sendString(string, flags: (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT)
    }

    @inlinable
    @inline(__always)
    func sendString(_ string: some StringProtocol, flags: Int32) throws(ZMQError) -> Bool {
        // Native strings are contiguous UTF-8: libzmq copies straight from them.
        try sendBytes(string.utf8, flags: flags)
    }

    // MARK: Constant buffers

    /// Sends the bytes of a static string without copying them: libzmq reads them in
    /// place, which is safe because a `StaticString` lives as long as the program.
    ///
    /// The corresponding C function is `zmq_send_const`.
    public func send(constant string: StaticString, more: Bool = false) throws(ZMQError) {
        let buffer = UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount)
        try send(unsafeConstant: buffer, more: more)
    }

    /// Sends bytes without copying them, for buffers that outlive every message that
    /// refers to them (static tables, memory mapped for the whole run).
    ///
    /// The caller guarantees that the bytes are neither changed nor freed while libzmq
    /// may still read them; libzmq gives no signal of when that is, so only use this
    /// for memory that lives until the process ends. For memory that is freed, use
    /// ``Message/init(bytesNoCopy:deallocator:)``, which says when libzmq is done.
    ///
    /// The corresponding C function is `zmq_send_const`.
    public func send(unsafeConstant buffer: UnsafeRawBufferPointer, more: Bool = false) throws(ZMQError) {
        try sendConstantRaw(buffer, flags: more ? ZMQ_SNDMORE : 0)
    }

    // MARK: Multipart

    /// Sends `parts` as one multipart message, which libzmq delivers whole or not at
    /// all.
    ///
    /// Only the first part can block: libzmq applies the high-water mark to a message,
    /// not to each part.
    ///
    /// ### What a failure leaves behind
    /// A peer receives all the parts of a message or none of them: libzmq passes a
    /// message on only once its last part is queued, and discards the parts of an
    /// unfinished one when the socket closes.
    /// - If the first part cannot be sent, nothing was sent: the call throws (or
    ///   `trySendMultipart` returns `false`) and the socket is as it was.
    /// - Once the first part is queued, libzmq takes the others without waiting, so a
    ///   later part fails only when the socket can no longer deliver anything: the
    ///   context was shut down (``ZMQError/contextTerminated``). The socket is then
    ///   good only for closing, and the unfinished message is never delivered.
    ///
    /// libzmq offers no way to take back the parts already queued; pyzmq's
    /// `send_multipart` leaves them the same way.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` if `parts` is empty.
    @available(
        *, noasync,
        message:
            "blocks the thread until the message is queued. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use trySend()"
    )
    public func sendMultipart(_ parts: [Message], timeout: Duration? = nil) throws(ZMQError) {
        if let timeout {
            return try sendWithin(timeout) { () throws(ZMQError) in try trySendMultipart(parts) }
        }
        _ = try sendMultipart(parts, flags: 0) { part, flags throws(ZMQError) in
            var part = part
            return try sendMessage(&part, flags: flags, "send")
        }
    }

    /// Sends `parts` as one multipart message, if the first part can be queued without
    /// blocking; then the rest is sent too.
    ///
    /// - Returns: `false`, with nothing sent, when it could not be queued now.
    public func trySendMultipart(_ parts: [Message]) throws(ZMQError) -> Bool {
        try sendMultipart(parts, flags: ZMQ_DONTWAIT) { part, flags throws(ZMQError) in
            var part = part
            return try sendMessage(&part, flags: flags, "send")
        }
    }

    /// Sends copies of `parts`, byte sequences such as `[UInt8]` or `Data`, as one
    /// multipart message.
    @available(
        *, noasync,
        message:
            "blocks the thread until the message is queued. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use trySend()"
    )
    public func sendMultipart<Part: Sequence<UInt8>>(_ parts: some Collection<Part>, timeout: Duration? = nil)
        throws(ZMQError)
    {
        if let timeout {
            return try sendWithin(timeout) { () throws(ZMQError) in try trySendMultipart(parts) }
        }
        _ = try sendMultipart(parts, flags: 0) { part, flags throws(ZMQError) in
            try sendBytes(part, flags: flags)
        }
    }

    /// Sends copies of `parts` as one multipart message, if the first part can be queued
    /// without blocking.
    ///
    /// - Returns: `false`, with nothing sent, when it could not be queued now.
    public func trySendMultipart<Part: Sequence<UInt8>>(_ parts: some Collection<Part>) throws(ZMQError) -> Bool {
        try sendMultipart(parts, flags: ZMQ_DONTWAIT) { part, flags throws(ZMQError) in
            try sendBytes(part, flags: flags)
        }
    }

    /// Sends the UTF-8 bytes of `parts` as one multipart message.
    @available(
        *, noasync,
        message:
            "blocks the thread until the message is queued. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use trySend()"
    )
    public func sendMultipart<Part: StringProtocol>(_ parts: some Collection<Part>, timeout: Duration? = nil)
        throws(ZMQError)
    {
        if let timeout {
            return try sendWithin(timeout) { () throws(ZMQError) in try trySendMultipart(parts) }
        }
        _ = try sendMultipart(parts, flags: 0) { part, flags throws(ZMQError) in
            try sendString(part, flags: flags)
        }
    }

    /// Sends the UTF-8 bytes of `parts` as one multipart message, if the first part can
    /// be queued without blocking.
    ///
    /// - Returns: `false`, with nothing sent, when it could not be queued now.
    public func trySendMultipart<Part: StringProtocol>(_ parts: some Collection<Part>) throws(ZMQError) -> Bool {
        try sendMultipart(parts, flags: ZMQ_DONTWAIT) { part, flags throws(ZMQError) in
            try sendString(part, flags: flags)
        }
    }

    /// Sends `parts`, of different types, as one multipart message: a routing id
    /// received as a ``Message`` (or held as bytes) beside a `String` reply, say.
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let router = try RouterSocket(context);
    ///     func handle(_ request: Message) -> String { request.string } -->
    /// ```swift
    /// let request = try router.receiveMultipart()
    /// let reply: String = handle(request[1])
    /// try router.sendMultipart([request[0], reply])
    /// ```
    ///
    /// Messages are sent without copying their bytes, as by the `[Message]` form; other
    /// parts are copied by libzmq. What a failure leaves behind is the same too.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` if `parts` is empty.
    @available(
        *, noasync,
        message:
            "blocks the thread until the message is queued. In an async function, write 'try await' to use the async form. Top-level code picks this blocking form even with 'await': move the socket code into an async function or @main, or use trySend()"
    )
    public func sendMultipart(_ parts: [any MessagePart], timeout: Duration? = nil) throws(ZMQError) {
        if let timeout {
            return try sendWithin(timeout) { () throws(ZMQError) in try trySendMultipart(parts) }
        }
        _ = try sendMultipart(parts, flags: 0, sendPart: sendPart)
    }

    /// Sends `parts`, of different types, as one multipart message, if the first part
    /// can be queued without blocking.
    ///
    /// - Returns: `false`, with nothing sent, when it could not be queued now.
    public func trySendMultipart(_ parts: [any MessagePart]) throws(ZMQError) -> Bool {
        try sendMultipart(parts, flags: ZMQ_DONTWAIT, sendPart: sendPart)
    }

    private func sendPart(_ part: any MessagePart, flags: Int32) throws(ZMQError) -> Bool {
        if var message = part as? Message {
            return try sendMessage(&message, flags: flags, "send")
        }
        let sent = part.withMessagePartBytes { bytes in
            Result { () throws(ZMQError) in try sendRaw(bytes, flags: flags, "send") }
        }
        return try sent.get()
    }

    func sendMultipart<Parts: Collection>(
        _ parts: Parts, flags: Int32,
        sendPart: (Parts.Element, Int32) throws(ZMQError) -> Bool
    ) throws(ZMQError) -> Bool {
        guard !parts.isEmpty else {
            throw ZMQError(
                EINVAL, operation: "sendMultipart", target: kind.name,
                reason: "a multipart message needs at least one part")
        }
        var remaining = parts.count
        var first = true
        for part in parts {
            remaining -= 1
            var partFlags = remaining > 0 ? ZMQ_SNDMORE : 0
            // Only the first part may be non-blocking: once it is queued, libzmq
            // accepts the rest of the message without waiting.
            if first { partFlags |= flags }
            if try !sendPart(part, partFlags) { return false }
            first = false
        }
        return true
    }
}
