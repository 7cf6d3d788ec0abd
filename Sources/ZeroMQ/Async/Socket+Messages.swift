/// The frames and messages a socket receives, as asynchronous sequences.
extension Socket where Kind: ReceivingSocketType {
    /// The frames the socket receives, one ``Message`` each, as an `AsyncSequence`:
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let pull = try PullSocket(context);
    ///     func handle(_ job: Message) async throws {} -->
    /// ```swift
    /// for try await job in pull.messages {
    ///     try await handle(job)
    /// }
    /// // here the socket was closed, or its context shut down
    /// ```
    ///
    /// Each step is the async ``receive()-910iq``, with the socket's own
    /// ``SocketOption/receiveTimeout`` (infinite unless set), so it waits without
    /// blocking a thread. The sequence ends (`nil`) when the socket is closed or its
    /// context is shut down or closed; it throws what else a receive throws, including
    /// ``ZMQError/again`` when a receive timeout is set and passes, and
    /// `CancellationError` when the iterating task is cancelled while it waits.
    ///
    /// Each message is `sending`: it can go to another task while the loop goes on.
    public var messages: Messages { Messages(socket: self) }

    /// The multipart messages the socket receives, each as its frames, as an
    /// `AsyncSequence` that ends as ``messages`` does:
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let router = try RouterSocket(context) -->
    /// ```swift
    /// for try await request in router.multipartMessages {
    ///     try await router.sendMultipart([request[0], "ok"])
    /// }
    /// ```
    public var multipartMessages: MultipartMessages { MultipartMessages(socket: self) }

    /// The `AsyncSequence` of ``Socket/messages``.
    ///
    /// Like the socket, it is not `Sendable`: iterate it where the socket is used.
    public struct Messages: AsyncSequence {
        public typealias Element = Message
        public typealias Failure = any Error

        let socket: Socket

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(socket: socket)
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let socket: Socket

            public mutating func next(isolation actor: isolated (any Actor)?) async throws -> sending Message? {
                try await endsWhenClosed { () async throws -> Message? in try await socket.receive() }
            }

            public mutating func next() async throws -> sending Message? {
                try await next(isolation: nil)
            }
        }
    }

    /// The `AsyncSequence` of ``Socket/multipartMessages``.
    ///
    /// Like the socket, it is not `Sendable`: iterate it where the socket is used.
    public struct MultipartMessages: AsyncSequence {
        public typealias Element = [Message]
        public typealias Failure = any Error

        let socket: Socket

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(socket: socket)
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let socket: Socket

            public mutating func next(isolation actor: isolated (any Actor)?) async throws -> sending [Message]? {
                try await endsWhenClosed { () async throws -> [Message]? in try await socket.receiveMultipart() }
            }

            public mutating func next() async throws -> sending [Message]? {
                try await next(isolation: nil)
            }
        }
    }
}

/// Runs `receive`, turning the errors that mean "the socket is done" (it was closed, or
/// its context shut down) into the end of a sequence.
private nonisolated(nonsending) func endsWhenClosed<Element>(
    _ receive: nonisolated(nonsending) () async throws -> sending Element?
) async throws -> sending Element? {
    do {
        return try await receive()
    } catch let error as ZMQError where error == .notSocket || error == .contextTerminated {
        return nil
    }
}
