import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ZAP authenticator: the handler that libzmq asks, during each handshake of a
/// server socket of its context, whether to accept the peer (RFC 27/ZAP), as pyzmq's
/// `zmq.auth` and czmq's `zauth` do.
///
/// <!-- snippet: function; prelude: let context = try Context(); let alice = try CurveKeyPair.generate().publicKey;
///     let bob = try CurveKeyPair.generate().publicKey -->
/// ```swift
/// let clientKeys: Set<CurvePublicKey> = [alice, bob]
/// let authenticator = try Authenticator.start(
///     in: context,
///     policy: ZAPPolicy(deniedAddresses: ["192.0.2.7"], curve: .keys(clientKeys)))
/// // CURVE servers of `context` now accept alice and bob only; each message from
/// // them has their key's Z85 as its User-Id (`message.userID`).
/// authenticator.stop()
/// ```
///
/// It binds a ROUTER socket to `inproc://zeromq.zap.01` in the context and answers on a
/// thread of its own; a ``ZAPPolicy/handler`` runs in a task of its own on that thread,
/// so that a decision that awaits delays only its own handshake. Server sockets of the context that use
/// PLAIN or CURVE, or NULL with a ZAP domain (`ZMQ_ZAP_DOMAIN`), then ask it about every
/// peer; libzmq refuses the handshake of a peer it does not answer with 200. Without an
/// authenticator, libzmq accepts every peer that completes the handshake.
///
/// Each request is answered by the ``ZAPPolicy`` of its domain, or the default policy.
///
/// The authenticator stops, and its thread has ended and closed its sockets, when:
/// - ``stop()-5n2pa`` is called, or the last reference to the `Authenticator` goes away;
/// - its context is closed (``Context/close(linger:)``, or the exit handler at process
///   exit), which stops it before closing any socket;
/// - its context is shut down (``Context/shutdown()``).
///
/// `Authenticator` is `Sendable`: its policies are read and replaced under a lock. In
/// async code, ``stop()-10jfj`` waits for its thread without blocking one, and releasing
/// the last reference on the ``Reactor`` thread does not wait for it.
public final class Authenticator: Sendable {
    /// The endpoint libzmq sends ZAP requests to, in each context.
    public static let endpoint = "inproc://zeromq.zap.01"

    private let core: AuthenticatorCore

    private init(core: AuthenticatorCore) {
        self.core = core
    }

    /// Stops the authenticator, if it still runs, and waits for its thread; on the
    /// ``Reactor`` thread, it does not wait: the thread ends and closes its socket by
    /// itself.
    deinit {
        core.thread.stop()
    }

    /// Starts an authenticator for the sockets of `context`.
    ///
    /// - Parameters:
    ///   - context: The context whose ZAP endpoint the authenticator serves.
    ///   - policy: The policy for requests of any domain not in `domains`.
    ///   - domains: Policies by ZAP domain (the server socket's `ZMQ_ZAP_DOMAIN`).
    ///   - observer: Told about every decision, with the request it answers, on the
    ///     authenticator's thread as the reply goes out (after a handler's task has
    ///     returned its response): for logs and counters, so keep it short. The request
    ///     holds the credentials, PLAIN passwords included: never log them.
    ///     ZeroMQServices' `AuthenticatorService` logs and counts decisions with it.
    /// - Throws: ``ZMQError/addressInUse`` naming `inproc://zeromq.zap.01` when another
    ///   authenticator serves the context; ``ZMQError/contextTerminated`` when the context
    ///   is shut down or being closed.
    ///
    /// The corresponding C calls are `zmq_bind` of a `ZMQ_ROUTER` socket to
    /// `inproc://zeromq.zap.01`, on a new thread.
    public static func start(
        in context: Context, policy: ZAPPolicy = ZAPPolicy(), domains: [String: ZAPPolicy] = [:],
        observer: (@Sendable (ZAPRequest, ZAPResponse) -> Void)? = nil
    ) throws(ZMQError) -> Authenticator {
        try Authenticator(
            core: AuthenticatorCore.start(context, Policies(fallback: policy, domains: domains), observer: observer))
    }

    /// Stops the authenticator and waits until its thread has ended and closed its
    /// socket, which frees the ZAP endpoint for another. Calling it again does nothing.
    ///
    /// If a ``ZAPPolicy/handler`` runs on the thread, this waits for it to return or
    /// await; the tasks of handlers that await are cancelled, and their answers dropped.
    /// On the ``Reactor`` thread it does not wait, since that would stall every task
    /// waiting there: it asks the authenticator to stop and returns, and the thread ends
    /// by itself. In async code, ``stop()-10jfj`` waits without blocking a thread.
    ///
    /// The corresponding C calls are `zmq_send` of a stop message to the thread's control
    /// socket, then `pthread_join`.
    @available(*, noasync, message: "use 'await stop()', which waits without blocking a thread")
    public func stop() {
        core.thread.stop()
    }

    /// Stops the authenticator, as ``stop()-5n2pa`` does, and waits without blocking a thread
    /// until its thread has ended and closed its socket, which frees the ZAP endpoint for
    /// another.
    ///
    /// Cancelling the task does not end the wait: it is bounded by the thread, which
    /// stops once a ``ZAPPolicy/handler`` that runs on it has returned or awaits.
    ///
    /// The corresponding C call is `zmq_send` of a stop message to the thread's control
    /// socket; the thread resumes the task as it ends.
    public nonisolated(nonsending) func stop() async {
        await core.thread.stop()
    }

    /// Whether the authenticator still answers requests.
    public var isRunning: Bool {
        core.isRunning
    }

    /// Replaces the policy of `domain`, or, with `nil`, the default policy; requests
    /// received from now on use it.
    public func setPolicy(_ policy: ZAPPolicy, forDomain domain: String? = nil) {
        core.policies.withLock { policies in
            if let domain { policies.domains[domain] = policy } else { policies.fallback = policy }
        }
    }

    /// Removes the policy of `domain`: its requests use the default policy.
    public func removePolicy(forDomain domain: String) {
        _ = core.policies.withLock { $0.domains.removeValue(forKey: domain) }
    }
}

/// The policies of an authenticator.
struct Policies: Sendable {
    var fallback: ZAPPolicy
    var domains: [String: ZAPPolicy]
}

/// What an authenticator shares between its thread, its handle, its handlers' tasks and
/// its context's close hook.
final class AuthenticatorCore: Sendable {
    let policies: Locked<Policies>
    private let running = Locked(true)
    /// The authenticator's thread, its control pair, its stop and its close hook.
    let thread: ManagedThread
    /// Runs the handlers' tasks on the thread, and carries their replies to it.
    private let executor: AuthenticatorExecutor
    /// Told about every decision (``Authenticator/start(in:policy:domains:observer:)``).
    private let observer: (@Sendable (ZAPRequest, ZAPResponse) -> Void)?

    private init(
        policies: Policies, thread: ManagedThread, executor: AuthenticatorExecutor,
        observer: (@Sendable (ZAPRequest, ZAPResponse) -> Void)?
    ) {
        self.policies = Locked(policies)
        self.thread = thread
        self.executor = executor
        self.observer = observer
    }

    static func start(
        _ context: Context, _ policies: Policies, observer: (@Sendable (ZAPRequest, ZAPResponse) -> Void)?
    ) throws(ZMQError) -> AuthenticatorCore {
        // A ROUTER, not a REP: each handshake has its own pipe to it, so that a reply
        // can go out as soon as its decision is made, whatever the order of requests.
        let zapSocket: RouterSocket
        do {
            zapSocket = try RouterSocket(context)
        } catch {
            // Named for what was asked, not for the authenticator's own socket.
            throw ZMQError(
                error.code, operation: "start authenticator", target: Authenticator.endpoint, reason: error.reason)
        }
        try zapSocket.setOption(.linger, .zero)
        do {
            try zapSocket.bind(Authenticator.endpoint)
        } catch .addressInUse {
            zapSocket.close()
            throw ZMQError(
                EADDRINUSE, operation: "start authenticator", target: Authenticator.endpoint,
                reason: "another authenticator serves this context")
        }
        let (inbox, executor): (PullSocket, AuthenticatorExecutor)
        do throws(ZMQError) {
            (inbox, executor) = try replyChannel(context)
        } catch {
            zapSocket.close()
            throw error
        }
        // Any message on the control socket stops the thread: an empty one.
        let (thread, control) = try ManagedThread.controlled(
            name: "authenticator", stopMessage: { Message() }, stoppedBeforeClosing: [context])
        let core = AuthenticatorCore(policies: policies, thread: thread, executor: executor, observer: observer)
        try thread.start(operation: "start authenticator") {
            core.run(zapSocket, inbox, control)
        }
        return core
    }

    /// A PULL socket for the thread and the executor of the handlers, with a PUSH socket
    /// connected to it over a unique inproc endpoint of `context`, without high-water
    /// marks: a task's send never waits.
    private static func replyChannel(_ context: Context) throws(ZMQError) -> (PullSocket, AuthenticatorExecutor) {
        let number = replyEndpointNumbers.withLock { number in
            number += 1
            return number
        }
        let endpoint = "inproc://swift-zeromq.zap-replies.\(getpid()).\(number)"
        let inbox = try PullSocket(context)
        let outbox: PushSocket
        do throws(ZMQError) {
            outbox = try PushSocket(context)
            try inbox.setOption(.linger, .zero)
            try inbox.setOption(.receiveHighWaterMark, 0)
            try outbox.setOption(.linger, .zero)
            try outbox.setOption(.sendHighWaterMark, 0)
            try inbox.bind(endpoint)
            try outbox.connect(endpoint)
        } catch {
            inbox.close()
            throw error
        }
        return (inbox, AuthenticatorExecutor(socket: outbox))
    }

    var isRunning: Bool {
        running.withLock { $0 } && !thread.hasEnded
    }

    /// The authenticator's thread: answers requests, forwards the replies of handlers and
    /// runs their tasks, until told to stop or the context is shut down; then cancels
    /// the handlers still running and closes its sockets.
    private func run(_ zapSocket: RouterSocket, _ inbox: PullSocket, _ control: PairSocket) {
        // The sockets belong to this thread alone (the PUSH end of the channel is used
        // under its lock): no task waits on them, so the wake-up rule has nothing to do
        // after zmq_poll.
        guard let zapHandle = zapSocket.unsafeHandle, let inboxHandle = inbox.unsafeHandle,
            let controlHandle = control.unsafeHandle
        else { return }
        var items = [
            LibraryCalls.pollItem(socket: zapHandle, events: Int16(ZMQ_POLLIN)),
            LibraryCalls.pollItem(socket: inboxHandle, events: Int16(ZMQ_POLLIN)),
            LibraryCalls.pollItem(socket: controlHandle, events: Int16(ZMQ_POLLIN)),
        ]
        serving: while true {
            if case .failure(let error) = LibraryCalls.poll(&items, count: 3, timeout: -1) {
                if error.code == EINTR { continue }
                break  // ETERM: the context is shut down.
            }
            if items[2].revents & Int16(ZMQ_POLLIN) != 0 { break }
            do throws(ZMQError) {
                // A handler's reply, to forward as it is, or a wake-up for the jobs.
                if items[1].revents & Int16(ZMQ_POLLIN) != 0, let frames = try inbox.tryReceiveMultipart(),
                    frames.count > 1
                {
                    _ = try zapSocket.trySendMultipart(frames)
                }
                if items[0].revents & Int16(ZMQ_POLLIN) != 0, let frames = try zapSocket.tryReceiveMultipart() {
                    if let reply = answer(frames) { _ = try zapSocket.trySendMultipart(reply) }
                }
            } catch {
                // ETERM, or a failure of the inproc sockets themselves: nothing more to serve.
                break serving
            }
            // The handlers' tasks that are ready: new ones, and those whose awaits ended.
            executor.runJobs()
        }
        running.withLock { $0 = false }
        // The handlers still running: their replies would find no handshake to answer.
        executor.close()
        // libzmq frees an inproc endpoint when its reaper thread gets to the closed
        // socket, later; unbinding frees it now, for the next authenticator. (After a
        // shutdown it fails, and no authenticator can start in the context anyway.)
        try? zapSocket.unbind(Authenticator.endpoint)
        control.close()
        inbox.close()
        zapSocket.close()
    }

    /// The reply to a request received on the ROUTER socket (the peer's routing id, an
    /// empty delimiter, then the ZAP frames), or `nil` when a handler's task will send it.
    private func answer(_ frames: [Message]) -> [Message]? {
        // Without a routing id and a delimiter there is no one to answer.
        guard frames.count >= 2, frames[1].count == 0 else { return nil }
        let envelope = Array(frames[..<2])
        let zap = frames[2...]
        let requestID = zap.count > 1 ? Array(zap[zap.startIndex + 1]) : []
        guard zap.count >= 6, zap[zap.startIndex].string == "1.0" else {
            return reply(envelope, requestID, .internalError("Malformed ZAP request"), to: nil)
        }
        let fields = Array(zap)
        let request = ZAPRequest(
            requestID: requestID, domain: fields[2].string, address: fields[3].string,
            routingID: Array(fields[4]), mechanism: ZAPMechanism(rawValue: fields[5].string),
            credentials: fields[6...].map { Array($0) })
        let policy = policies.withLock { $0.domains[request.domain] ?? $0.fallback }
        switch policy.decision(for: request) {
        case .decided(let response):
            return reply(envelope, requestID, response, to: request)
        case .handler(let decide):
            let routingID = Array(frames[0])
            ask(decide, request) { response in
                self.reply([Message(routingID), Message()], requestID, response, to: request)
            }
            return nil
        }
    }

    /// Runs `decide` in a task of its own on the authenticator's thread (its
    /// executor), which sends the reply that `frames` makes of its response to the
    /// thread, unless the authenticator has stopped meanwhile.
    private func ask(
        _ decide: @escaping @Sendable (ZAPRequest) async -> ZAPResponse, _ request: ZAPRequest,
        frames: @escaping @Sendable (ZAPResponse) -> [Message]
    ) {
        let executor = executor
        let number = executor.channel.withLock { channel in
            defer { channel.nextTask += 1 }
            return channel.nextTask
        }
        // Created outside the lock: creating the task enqueues its first job, which
        // takes the lock. The job runs on this thread, after this returns, so the task
        // is in `tasks` before it can remove itself.
        let task = Task.detached(executorPreference: executor) {
            let response = await decide(request)
            executor.channel.withLock { channel in
                channel.tasks[number] = nil
                // The channel has no high-water mark: the send never waits. There is no
                // socket once the thread has ended.
                _ = try? channel.socket?.trySendMultipart(frames(response))
            }
        }
        executor.channel.withLock { $0.tasks[number] = task }
    }

    /// The ROUTER frames of a reply: the envelope, then the ZAP reply's six frames. A
    /// response whose metadata cannot be encoded becomes a 500 that says why. The one
    /// place every decision about a request passes, so the one that tells the observer.
    private func reply(
        _ envelope: [Message], _ requestID: [UInt8], _ response: ZAPResponse, to request: ZAPRequest?
    ) -> [Message] {
        var response = response
        let metadata: [UInt8]
        do throws(ZMQError) {
            metadata = try response.metadataFrame()
        } catch {
            response = .internalError("\(error)")
            metadata = []
        }
        if let request, let observer { observer(request, response) }
        return envelope + [
            Message("1.0"), Message(requestID), Message(String(response.status.rawValue)),
            Message(response.statusText), Message(response.userID), Message(metadata),
        ]
    }
}

/// Process-wide numbers for the reply endpoints.
private let replyEndpointNumbers = Locked(0)
