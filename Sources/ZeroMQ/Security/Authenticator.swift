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
/// - ``stop()`` is called, or the last reference to the `Authenticator` goes away;
/// - its context is closed (``Context/close(linger:)``, or the exit handler at process
///   exit), which stops it before closing any socket;
/// - its context is shut down (``Context/shutdown()``).
///
/// `Authenticator` is `Sendable`: its policies are read and replaced under a lock.
public final class Authenticator: Sendable {
    /// The endpoint libzmq sends ZAP requests to, in each context.
    public static let endpoint = "inproc://zeromq.zap.01"

    private let core: AuthenticatorCore

    private init(core: AuthenticatorCore) {
        self.core = core
    }

    /// Stops the authenticator, if it still runs, and waits for its thread.
    deinit {
        core.stop()
    }

    /// Starts an authenticator for the sockets of `context`.
    ///
    /// - Parameters:
    ///   - context: The context whose ZAP endpoint the authenticator serves.
    ///   - policy: The policy for requests of any domain not in `domains`.
    ///   - domains: Policies by ZAP domain (the server socket's `ZMQ_ZAP_DOMAIN`).
    /// - Throws: ``ZMQError/addressInUse`` naming `inproc://zeromq.zap.01` when another
    ///   authenticator serves the context; ``ZMQError/contextTerminated`` when the context
    ///   is shut down.
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
    /// If a ``ZAPPolicy/handler`` runs, this waits for it to return.
    public func stop() {
        core.stop()
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
    /// The handle's end of the control connection, used only under the lock.
    ///
    /// @unchecked Sendable: a libzmq socket may be used by one thread at a time, and this
    /// one is only reached inside `AuthenticatorCore.controller.withLock`.
    struct Controller: @unchecked Sendable {
        var socket: PairSocket?
    }

    let policies: Locked<Policies>
    private let running = Locked(true)
    private let controller: Locked<Controller>
    /// Set by the thread once its sockets are closed.
    private let finished = Latch()
    /// The authenticator's thread; the thread itself never joins it.
    private let thread = JoinableThread()
    private let hook = Locked<Int?>(nil)
    private let context: Context

    private init(context: Context, policies: Policies, controller: sending PairSocket) {
        self.context = context
        self.policies = Locked(policies)
        self.controller = Locked(Controller(socket: controller))
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

        let (control, controlEndpoint) = try bindControlSocket(in: context, name: "zap")
        let controllerSocket = try connectControlSocket(in: context, to: controlEndpoint)

        let core = AuthenticatorCore(context: context, policies: policies, controller: controllerSocket)
        // Before the thread starts, so that a context closed from now on stops the
        // authenticator before it closes the authenticator's sockets.
        let token = context.addCloseHook { [weak core] in core?.stopBeforeContextCloses() }
        core.hook.withLock { $0 = token }
        do {
            try core.thread.start {
                core.run(handler, control)
            }
        } catch {
            core.finish()
            throw error
        }
        return core
    }

    var isRunning: Bool {
        running.withLock { $0 }
    }

    /// The authenticator's thread: answers requests until told to stop or the context is
    /// shut down, then closes its sockets.
    private func run(_ handler: RepSocket, _ control: PairSocket) {
        var items = [
            zmq_pollitem_t(socket: handler.unsafeHandle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
            zmq_pollitem_t(socket: control.unsafeHandle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0),
        ]
        serving: while true {
            let rc = zmq_poll(&items, 2, -1)
            if rc < 0 {
                if zmq_errno() == EINTR { continue }
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
        finish()
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

    /// Closes the controller, removes the close hook and wakes whoever waits for the
    /// thread to end.
    private func finish() {
        running.withLock { $0 = false }
        controller.withLock { controller in
            controller.socket?.close()
            controller.socket = nil
        }
        if let token = hook.withLock({ hook in
            defer { hook = nil }
            return hook
        }) {
            context.removeCloseHook(token)
        }
        finished.set()
    }

    /// Tells the thread to stop, then joins it.
    func stop() {
        requestStop()
        thread.join()
    }

    private func requestStop() {
        controller.withLock { controller in
            guard isRunning, let socket = controller.socket else { return }
            try? socket.setOption(.sendTimeout, .seconds(1))
            try? socket.send(Message())
        }
    }

    /// The close hook: stops the authenticator before its context closes its sockets. If
    /// it does not stop within a second (a handler that takes longer), the context is
    /// shut down, which ends it once the handler returns: it is being closed anyway.
    private func stopBeforeContextCloses() {
        requestStop()
        if !finished.wait(milliseconds: 1000) {
            context.shutdown()
        }
        thread.join()
    }
}
