/// A socket that many tasks use at once: an actor that owns it, as GRDB's
/// `DatabaseQueue` owns a database connection.
///
/// A ``Socket`` is not `Sendable`: libzmq lets one thread use it at a time. To send and
/// receive on one socket from many tasks (request handlers that all send through one
/// DEALER, say), hand it to a `SharedSocket`, which is `Sendable`, and share that:
///
/// <!-- snippet: function; prelude: let context = try Context() -->
/// ```swift
/// let dealer = try DealerSocket(context)
/// try dealer.connect("tcp://127.0.0.1:5555")
/// let shared = SharedSocket(dealer)       // the socket moves in: use `shared` from now on
///
/// try await withThrowingTaskGroup { group in
///     for n in 0..<10 {
///         group.addTask { try await shared.sendMultipart(["", "request \(n)"]) }
///     }
///     group.addTask {
///         for _ in 0..<10 { print(try await shared.receiveMultipart().last!.string) }
///     }
///     try await group.waitForAll()
/// }
/// ```
///
/// ### One at a time, without blocking each other
/// Every operation runs on the actor, so the socket is used by one task at a time, and
/// waits as the socket's `async` forms do, without blocking a thread. The actor is
/// reentrant: while a task awaits a message, other tasks send, and while a send waits
/// for room (the high-water mark), other tasks receive. Concurrent receives each get a
/// message of their own, in the order they asked; concurrent sends are queued in the
/// order they asked.
///
/// A multipart message sent with ``sendMultipart(_:timeout:)-([Message],_)`` goes out whole:
/// libzmq takes all its frames in one call. Frames sent one by one, with `more: true`,
/// can interleave with another task's between two awaits: send multipart messages whole.
///
/// ### Anything else: withSocket
/// ``withSocket(_:)`` lends the socket to a closure that runs on the actor, for options,
/// `bind` and `connect`, timeouts and every other call: `try await shared.withSocket {
/// try await $0.receive(timeout: .seconds(1)) }`. The closure may await; other tasks'
/// operations can run at its awaits, as they do between two calls.
///
/// ### Where it runs
/// The actor runs on the ``Reactor``, where the socket's waits end: an operation that
/// waits resumes without a hop to another thread. Code in ``withSocket(_:)`` runs on
/// the reactor too, so it must not block (the blocking forms of the socket are not
/// available in it anyway: they are `noasync`) nor compute for long.
///
/// ### Closing
/// ``close()`` closes the socket: waits in progress end with ``ZMQError/notSocket``,
/// and so does every later operation. Releasing the last reference closes it too, as
/// releasing a socket does; closing its context closes it wherever it is.
public actor SharedSocket<Kind: SocketTypeProtocol> {
    private let socket: Socket<Kind>

    /// The socket's kind.
    public nonisolated let kind: SocketKind

    /// The socket's context.
    public nonisolated let context: Context

    /// Takes `socket` over: it moves into the actor (`sending`), and only the actor uses
    /// it from now on.
    public init(_ socket: sending Socket<Kind>) {
        self.kind = socket.kind
        self.context = socket.context
        self.socket = socket
    }

    /// Runs on the reactor: see "Where it runs".
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        Reactor.shared.serialExecutor.asUnownedSerialExecutor()
    }

    /// Lends the socket to `body`, which runs on the actor: for every call the actor
    /// does not forward itself.
    ///
    /// <!-- snippet: function; prelude: let context = try Context();
    ///     let shared = SharedSocket(try DealerSocket(context)) -->
    /// ```swift
    /// let reply = try await shared.withSocket { socket in
    ///     try await socket.receiveString(timeout: .seconds(1))
    /// }
    /// ```
    ///
    /// `body` may await, and other tasks' operations can run on the socket at its
    /// awaits. Do not let the socket escape `body`.
    ///
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func withSocket<Result>(
        _ body: nonisolated(nonsending) (Socket<Kind>) async throws -> sending Result
    ) async rethrows -> sending Result {
        try await body(socket)
    }

    /// Closes the socket; waits in progress end with ``ZMQError/notSocket``, and so does
    /// every later operation. Closing again does nothing.
    ///
    /// The corresponding C function is `zmq_close`.
    public func close() {
        socket.close()
    }

    /// Whether ``close()`` has been called, or the context closed the socket.
    public var isClosed: Bool { socket.isClosed }
}

// MARK: - Sending

extension SharedSocket where Kind: SendingSocketType {
    /// Sends a message, waiting on the actor, without blocking a thread, while it cannot
    /// be queued. The corresponding C function is `zmq_msg_send`.
    ///
    /// With a `timeout`, it waits at most that long, then throws ``ZMQError/again`` with
    /// nothing sent; `nil` waits for the socket's ``SocketOption/sendTimeout``.
    public func send(_ message: sending Message, timeout: Duration? = nil) async throws {
        try await socket.send(message, timeout: timeout)
    }

    /// Sends the UTF-8 bytes of `string`, waiting while they cannot be queued.
    public func send(_ string: String, timeout: Duration? = nil) async throws {
        try await socket.send(string, timeout: timeout)
    }

    /// Sends a copy of `bytes`, waiting while they cannot be queued.
    public func send(_ bytes: [UInt8], timeout: Duration? = nil) async throws {
        try await socket.send(bytes, timeout: timeout)
    }

    /// Sends `parts` as one multipart message, whole: another task's frames never come
    /// between them.
    public func sendMultipart(_ parts: sending [Message], timeout: Duration? = nil) async throws {
        try await socket.sendMultipart(parts, timeout: timeout)
    }

    /// Sends the UTF-8 bytes of `parts` as one multipart message, whole.
    public func sendMultipart(_ parts: [String], timeout: Duration? = nil) async throws {
        try await socket.sendMultipart(parts, timeout: timeout)
    }
}

// MARK: - Receiving

extension SharedSocket where Kind: ReceivingSocketType {
    /// Receives the next frame, waiting on the actor, without blocking a thread, until
    /// one comes; concurrent receives each get their own, in the order they asked.
    /// The corresponding C function is `zmq_msg_recv`.
    public func receive() async throws -> sending Message {
        try await socket.receive()
    }

    /// Receives the next frame as a string, decoding its bytes as UTF-8.
    public func receiveString() async throws -> String {
        try await socket.receiveString()
    }

    /// Receives every frame of the next multipart message.
    public func receiveMultipart() async throws -> sending [Message] {
        try await socket.receiveMultipart()
    }

    /// Receives the next frame, waiting at most `timeout` (`nil`: as ``receive()``).
    ///
    /// - Returns: The frame, or `nil` when none arrived within `timeout`.
    public func receive(timeout: Duration?) async throws -> sending Message? {
        try await socket.receive(timeout: timeout)
    }

    /// Receives the next frame as a string, waiting at most `timeout`; `nil` when none
    /// arrived within it.
    public func receiveString(timeout: Duration?) async throws -> String? {
        try await socket.receiveString(timeout: timeout)
    }

    /// Receives the next multipart message, waiting at most `timeout` for its first
    /// frame; `nil` when none arrived within it.
    public func receiveMultipart(timeout: Duration?) async throws -> sending [Message]? {
        try await socket.receiveMultipart(timeout: timeout)
    }
}

extension SharedSocket: CustomStringConvertible {
    public nonisolated var description: String { "SharedSocket<\(kind.name)>" }
}
