#if Services
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// A ZAP `Authenticator` as a swift-service-lifecycle `Service`: it logs and
/// counts every decision, and stops the authenticator when the service group shuts down.
///
/// <!-- snippet: function; prelude: import Logging; import ServiceLifecycle; let context = try Context();
///     let logger = Logger(label: "zmq"); let clientKeys: Set<CurvePublicKey> = [];
///     let frontend = try RouterSocket(context);
///     let monitoring = try MonitorService(monitoring: frontend, name: "frontend", logger: logger);
///     let proxy = try Proxy.start(frontend: frontend, backend: try DealerSocket(context)) -->
/// ```swift
/// let authentication = try AuthenticatorService(
///     in: context, policy: ZAPPolicy(curve: .keys(clientKeys)), logger: logger)
/// let group = ServiceGroup(
///     services: [authentication, ProxyService(proxy), monitoring],
///     gracefulShutdownSignals: [.sigterm], logger: logger)
/// ```
///
/// The authenticator starts when the service is created, not when it runs: a CURVE or
/// PLAIN server that handshakes before an authenticator serves its context accepts every
/// peer, and a service group starts its services concurrently. Put it first in the
/// group's services: the group shuts services down in reverse order, so it stops last,
/// after the servers it guards.
///
/// Each decision is logged (200: info `authentication allowed`; 400: warning
/// `authentication denied`; 300 and 500: error `authentication error`) with the keys of
/// ``LogMetadataKeys`` (`zmq.domain`, `zmq.mechanism`, `zmq.peer_address`,
/// `zmq.status`, `zmq.status_text`, and `zmq.user_id` when the response gives one; not
/// a routing id: the ZAP request's is the server socket's own, not the peer's), and counted in `zmq_authentications_total` (see
/// ``MetricNames``). Credentials are never logged: no password, and no user name or key
/// except the user id that the policy gives an allowed peer (for CURVE, the key's Z85).
public struct AuthenticatorService: Service {
    /// The running authenticator, whose policies may be replaced at any time
    /// (`Authenticator.setPolicy(_:forDomain:)`).
    public let authenticator: Authenticator
    private let logger: Logger

    /// Starts an authenticator for the sockets of `context`, now.
    ///
    /// - Parameters:
    ///   - context: The context whose ZAP endpoint the authenticator serves.
    ///   - policy: The policy for requests of any domain not in `domains`.
    ///   - domains: Policies by ZAP domain (the server socket's `ZMQ_ZAP_DOMAIN`).
    ///   - logger: Where the decisions are logged.
    ///   - metricsFactory: The factory of the counters; `nil` uses the global
    ///     `MetricsSystem`.
    /// - Throws: `ZMQError.addressInUse` when another authenticator serves the
    ///   context; `ZMQError.contextTerminated` when the context is shut down.
    ///
    /// The corresponding C calls are `zmq_bind` of a `ZMQ_ROUTER` socket to
    /// `inproc://zeromq.zap.01`, on a new thread.
    public init(
        in context: Context, policy: ZAPPolicy = ZAPPolicy(), domains: [String: ZAPPolicy] = [:],
        logger: Logger = Logger(label: "zeromq"), metricsFactory: (any MetricsFactory)? = nil
    ) throws(ZMQError) {
        let recorder = DecisionRecorder(logger: logger, factory: metricsFactory ?? MetricsSystem.factory)
        authenticator = try Authenticator.start(
            in: context, policy: policy, domains: domains,
            observer: { request, response in recorder.record(request, response) })
        self.logger = logger
        logger.info("authenticator started")
    }

    /// Waits for a graceful shutdown or cancellation, then stops the authenticator.
    ///
    /// - Throws: `CancellationError` when the task is cancelled (the authenticator is
    ///   stopped first).
    ///
    /// The corresponding C call is `zmq_send` of a stop message to the authenticator's
    /// thread, which then closes its `ZMQ_ROUTER` socket.
    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    private func stop() async {
        await authenticator.stop()
        logger.info("authenticator stopped")
    }
}

/// Logs and counts the decisions of an authenticator, on its thread.
final class DecisionRecorder: Sendable {
    private struct Key: Hashable {
        let domain: String
        let mechanism: String
        let outcome: String
    }

    private let logger: Logger
    private let factory: any MetricsFactory
    /// The counters made so far, one per domain, mechanism and outcome.
    private let counters = Mutex<[Key: Counter]>([:])

    init(logger: Logger, factory: any MetricsFactory) {
        self.logger = logger
        self.factory = factory
    }

    func record(_ request: ZAPRequest, _ response: ZAPResponse) {
        // Never the credentials (request.credentials, username, password).
        var metadata: Logger.Metadata = [
            LogMetadataKeys.domain: .string(request.domain),
            LogMetadataKeys.mechanism: .string(request.mechanism.rawValue),
            LogMetadataKeys.peerAddress: .string(request.address),
            LogMetadataKeys.status: .stringConvertible(response.status.rawValue),
            LogMetadataKeys.statusText: .string(response.statusText),
        ]
        if !response.userID.isEmpty {
            metadata[LogMetadataKeys.userID] = .string(response.userID)
        }
        let outcome: String
        switch response.status {
        case .ok:
            outcome = "allowed"
            logger.info("authentication allowed", metadata: metadata)
        case .authenticationFailure:
            outcome = "denied"
            logger.warning("authentication denied", metadata: metadata)
        default:
            outcome = "error"
            logger.error("authentication error", metadata: metadata)
        }
        let key = Key(domain: request.domain, mechanism: request.mechanism.rawValue, outcome: outcome)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: MetricNames.authentications,
                dimensions: [("domain", key.domain), ("mechanism", key.mechanism), ("outcome", key.outcome)],
                factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
#endif
