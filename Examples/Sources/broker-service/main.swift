// A production-shaped broker: a ROUTER/DEALER proxy (Proxy.start) with CURVE on the
// clients' side, run by a ServiceGroup with the ZeroMQServices services, logs (swift-log,
// to standard error), metrics (swift-metrics, with swift-prometheus as the backend) and a
// graceful stop on SIGTERM or SIGINT. Docs/Production.md explains each part.
//
//   cd Examples && swift run broker-service [FRONTEND] [BACKEND] [CERTIFICATE] [CLIENTS]
//
// - FRONTEND (default tcp://*:5570): where traced-client connects, over CURVE.
// - BACKEND (default tcp://*:5571): where traced-worker connects (plain: it is meant for
//   the broker's own network).
// - CERTIFICATE: where the broker keeps its keys (default broker.key, and
//   broker.key_secret beside it, readable by its owner only, made on the first run);
//   "none": a new key pair at each start. It prints its public key.
// - CLIENTS: a directory of the clients' public certificates: only those clients are
//   admitted (traced-client saves its own as client.key). "any" (the default): every
//   client that knows the broker's public key.
// The log level is LOG_LEVEL's (trace, debug, info, ...; default info). On SIGTERM or
// SIGINT it stops the services in reverse order (the monitor, the proxy, then the
// authenticator), prints its metrics in Prometheus' text format, and exits with status 0.
//
// The broker does not trace: the proxy forwards each request's trace frame untouched,
// without looking into it, so the client's trace goes on in the worker.
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import ZeroMQ
import ZeroMQServices

let arguments = Array(CommandLine.arguments.dropFirst())
let frontendEndpoint = arguments.count > 0 ? arguments[0] : "tcp://*:5570"
let backendEndpoint = arguments.count > 1 ? arguments[1] : "tcp://*:5571"
let certificatePath = arguments.count > 2 ? (arguments[2] == "none" ? nil : arguments[2]) : "broker.key"
let clients = arguments.count > 3 ? (arguments[3] == "any" ? nil : arguments[3]) : nil

/// The broker's certificate: from the secret certificate beside `path`, or new and saved
/// at `path` (public) and `path_secret` (secret, mode 0600).
func certificate(at path: String?) throws -> CurveCertificate {
    guard let path else { return try CurveCertificate.generate() }
    do {
        return try CurveCertificate(secretFile: path + "_secret")
    } catch ZMQError.noEntry {
        let made = try CurveCertificate.generate(metadata: ["name": "broker-service"])
        try made.save(to: path)
        print("saved a new certificate: \(path) (public) and \(path)_secret")
        return made
    } catch {
        // Not redundant: without this clause, Swift 6.3.1 crashes compiling this function
        // (signal 11 in MandatoryAllocBoxToStack, StackNesting::fixNesting).
        throw error
    }
}

func runBroker() async throws {
    let logger = Logger(label: "broker-service")
    let context = try Context()
    let keys = try certificate(at: certificatePath).keyPair!  // a secret certificate has both keys
    print("broker key:", keys.publicKey)

    // Started here, before any socket binds: a CURVE server that handshakes before an
    // authenticator runs admits every client.
    let policy = ZAPPolicy(curve: try clients.map { try .certificates(inDirectory: $0) } ?? .anyKey)
    let authenticator = try AuthenticatorService(in: context, policy: policy, logger: logger)
    print(clients.map { "admitting the clients whose certificates are in \($0)" } ?? "admitting any client")

    let frontend = try RouterSocket(context)
    try frontend.setOption(.curveServer, true)
    try frontend.setOption(.curveSecretKey, keys.secretKey)
    // The monitor is made before the proxy takes the socket.
    let monitor = try MonitorService(monitoring: frontend, name: "frontend", logger: logger)
    print("clients connect to", try frontend.bind(frontendEndpoint))
    let backend = try DealerSocket(context)
    print("workers connect to", try backend.bind(backendEndpoint))
    let proxy = try Proxy.start(frontend: frontend, backend: backend)

    // Started together; stopped in reverse order: the monitor, the proxy, and the
    // authenticator last, so that no handshake goes unanswered while the proxy runs.
    let group = ServiceGroup(
        services: [authenticator, ProxyService(proxy, name: "broker", logger: logger), monitor],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    try await group.run()
    logger.info("broker stopped")
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
    return handler
}
let registry = PrometheusCollectorRegistry()
MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
do {
    try await runBroker()
    // What a Prometheus server would scrape from an HTTP endpoint; printed here once.
    print("metrics:")
    print(registry.emitToString(), terminator: "")
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("broker-service: \(error)\n".utf8))
    exit(1)
}
