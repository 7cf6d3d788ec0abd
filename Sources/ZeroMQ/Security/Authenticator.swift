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
/// It binds a REP socket to `inproc://zeromq.zap.01` in the context and answers on a
/// thread of its own. Server sockets of the context that use PLAIN or CURVE, or NULL
/// with a ZAP domain (`ZMQ_ZAP_DOMAIN`), then ask it about every peer; libzmq refuses
/// the handshake of a peer it does not answer with 200. Without an authenticator,
/// libzmq accepts every peer that completes the handshake.
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
    /// - Throws: ``ZMQError/addressInUse`` naming `inproc://zeromq.zap.01` when another
    ///   authenticator serves the context; ``ZMQError/contextTerminated`` when the context
    ///   is shut down or being closed.
    ///
    /// The corresponding C calls are `zmq_bind` of a `ZMQ_REP` socket to
    /// `inproc://zeromq.zap.01`, on a new thread.
    public static func start(
        in context: Context, policy: ZAPPolicy = ZAPPolicy(), domains: [String: ZAPPolicy] = [:]
    ) throws(ZMQError) -> Authenticator {
        try Authenticator(core: AuthenticatorCore.start(context, Policies(fallback: policy, domains: domains)))
    }

    /// Stops the authenticator and waits until its thread has ended and closed its
    /// socket, which frees the ZAP endpoint for another. Calling it again does nothing.
    ///
    /// If a ``ZAPPolicy/handler`` runs, this waits for it to return. On the ``Reactor``
    /// thread it does not wait, since that would stall every task waiting there: it asks
    /// the authenticator to stop and returns, and the thread ends by itself. In async
    /// code, ``stop()-10jfj`` waits without blocking a thread.
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
    /// stops once a ``ZAPPolicy/handler`` that runs has returned.
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

/// What an authenticator shares between its thread, its handle and its context's close
/// hook.
final class AuthenticatorCore: Sendable {
    let policies: Locked<Policies>
    private let running = Locked(true)
    /// The authenticator's thread, its control pair, its stop and its close hook.
    let thread: ManagedThread

    private init(policies: Policies, thread: ManagedThread) {
        self.policies = Locked(policies)
        self.thread = thread
    }

    static func start(_ context: Context, _ policies: Policies) throws(ZMQError) -> AuthenticatorCore {
        let handler = try RepSocket(context)
        try handler.setOption(.linger, .zero)
        do {
            try handler.bind(Authenticator.endpoint)
        } catch .addressInUse {
            handler.close()
            throw ZMQError(
                EADDRINUSE, operation: "start authenticator", target: Authenticator.endpoint,
                reason: "another authenticator serves this context")
        }
        // Any message on the control socket stops the thread: an empty one.
        let (thread, control) = try ManagedThread.controlled(
            name: "authenticator", stopMessage: { Message() }, stoppedBeforeClosing: [context])
        let core = AuthenticatorCore(policies: policies, thread: thread)
        try thread.start(operation: "start authenticator") {
            core.run(handler, control)
        }
        return core
    }

    var isRunning: Bool {
        running.withLock { $0 } && !thread.hasEnded
    }

    /// The authenticator's thread: answers requests until told to stop or the context is
    /// shut down, then closes its sockets.
    private func run(_ handler: RepSocket, _ control: PairSocket) {
        // Both sockets belong to this thread alone: no task waits on them, so the
        // wake-up rule has nothing to do after zmq_poll.
        guard let handlerHandle = handler.unsafeHandle, let controlHandle = control.unsafeHandle else { return }
        var items = [
            LibraryCalls.pollItem(socket: handlerHandle, events: Int16(ZMQ_POLLIN)),
            LibraryCalls.pollItem(socket: controlHandle, events: Int16(ZMQ_POLLIN)),
        ]
        serving: while true {
            if case .failure(let error) = LibraryCalls.poll(&items, count: 2, timeout: -1) {
                if error.code == EINTR { continue }
                break  // ETERM: the context is shut down.
            }
            if items[1].revents & Int16(ZMQ_POLLIN) != 0 { break }
            guard items[0].revents & Int16(ZMQ_POLLIN) != 0 else { continue }
            do throws(ZMQError) {
                guard let frames = try handler.tryReceiveMultipart() else { continue }
                try handler.sendMultipart(reply(to: frames))
            } catch {
                // ETERM, or a failure of the inproc socket itself: nothing more to serve.
                break serving
            }
        }
        running.withLock { $0 = false }
        // libzmq frees an inproc endpoint when its reaper thread gets to the closed
        // socket, later; unbinding frees it now, for the next authenticator. (After a
        // shutdown it fails, and no authenticator can start in the context anyway.)
        try? handler.unbind(Authenticator.endpoint)
        control.close()
        handler.close()
    }

    /// The reply frames to a request's frames.
    private func reply(to frames: [Message]) -> [Message] {
        let requestID = frames.count > 1 ? Array(frames[1]) : []
        let response: ZAPResponse
        if frames.count < 6 || frames[0].string != "1.0" {
            response = .internalError("Malformed ZAP request")
        } else {
            let request = ZAPRequest(
                requestID: requestID, domain: frames[2].string, address: frames[3].string,
                routingID: Array(frames[4]), mechanism: ZAPMechanism(rawValue: frames[5].string),
                credentials: frames[6...].map { Array($0) })
            let policy = policies.withLock { $0.domains[request.domain] ?? $0.fallback }
            response = policy.response(to: request)
        }
        return [
            Message("1.0"), Message(requestID), Message(String(response.status.rawValue)),
            Message(response.statusText), Message(response.userID), Message(),
        ]
    }
}
