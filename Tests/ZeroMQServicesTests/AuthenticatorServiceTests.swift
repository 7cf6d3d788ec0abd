#if Services
import InMemoryLogging
import Logging
import MetricsTestKit
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import ZeroMQ
import ZeroMQServices

@Suite("AuthenticatorService")
struct AuthenticatorServiceTests {
    /// Connects a client configured by `configure` to `endpoint` and returns the first
    /// handshake event of its own monitor: succeeded, or failed with the ZAP status.
    private func handshake(
        _ context: Context, _ endpoint: String, _ configure: (DealerSocket) throws -> Void
    ) async throws -> MonitorEvent.Kind? {
        let client = try DealerSocket(context)
        try configure(client)
        let monitor = try client.monitor([.handshakeSucceeded, .handshakeFailed])
        try client.connect(endpoint)
        let event = try await monitor.next(timeout: patience)
        monitor.stop()
        client.close()
        return event?.kind
    }

    @Test("CURVE: a known key is allowed (its Z85 is the user id), an unknown one denied")
    func curveAllowedAndDenied() async throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let logs = InMemoryLogHandler()
        let (serverKeys, alice, bob) = try (CurveKeyPair.generate(), CurveKeyPair.generate(), CurveKeyPair.generate())
        let service = try AuthenticatorService(
            in: context, policy: ZAPPolicy(curve: .keys([alice.publicKey])), logger: makeLogger(logs),
            metricsFactory: metrics)
        let server = try RouterSocket(context)
        try server.setOption(.curveServer, true)
        try server.setOption(.curveSecretKey, serverKeys.secretKey)
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        try await testGracefulShutdown { trigger in
            let running = Task { try await service.run() }
            for (pair, expected) in [
                (alice, MonitorEvent.Kind.handshakeSucceeded), (bob, .handshakeFailedAuthentication(status: 400)),
            ] {
                let event = try await handshake(context, endpoint) { client in
                    try client.setOption(.curveServerKey, serverKeys.publicKey)
                    try client.setOption(.curvePublicKey, pair.publicKey)
                    try client.setOption(.curveSecretKey, pair.secretKey)
                }
                #expect(event == expected)
            }
            trigger.triggerGracefulShutdown()
            try await withTimeout(patience, "the authenticator service to stop") { try await running.value }
        }
        #expect(!service.authenticator.isRunning)
        let allowed = logs.entries.first { $0.message.description == "authentication allowed" }
        #expect(allowed?.metadata(LogMetadataKeys.userID) == alice.publicKey.z85)
        #expect(allowed?.metadata(LogMetadataKeys.mechanism) == "CURVE")
        let denied = logs.entries.first { $0.message.description == "authentication denied" }
        #expect(denied?.level == .warning)
        #expect(denied?.metadata(LogMetadataKeys.statusText) == "Unknown public key")
        #expect(logs.entries.last?.message.description == "authenticator stopped")
        #expect(
            metrics.counterTotal(
                label: MetricNames.authentications,
                dimensions: [("domain", ""), ("mechanism", "CURVE"), ("outcome", "allowed")]) == 1)
        #expect(
            metrics.counterTotal(
                label: MetricNames.authentications,
                dimensions: [("domain", ""), ("mechanism", "CURVE"), ("outcome", "denied")]) >= 1)
    }

    @Test("a 500 from a handler is logged as an error and counted as error, per domain")
    func errorOutcome() async throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let logs = InMemoryLogHandler()
        let service = try AuthenticatorService(
            in: context,
            domains: ["busy": ZAPPolicy(handler: { _ in .internalError("user store unavailable") })],
            logger: makeLogger(logs), metricsFactory: metrics)
        let server = try RouterSocket(context)
        try server.setOption(.plainServer, true)
        try server.setOption(.zapDomain, "busy")
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let event = try await handshake(context, endpoint) { client in
            try client.setOption(.plainUsername, "carol")
            try client.setOption(.plainPassword, "carol-secret-55")
        }
        #expect(event == .handshakeFailedAuthentication(status: 500))
        // (A 300 would not reach the client: libzmq drops it silently, RFC 26.)
        // The observer runs on the authenticator's thread as the reply goes out.
        #expect(await eventually { logs.entries.contains { $0.message.description == "authentication error" } })
        let error = logs.entries.first { $0.message.description == "authentication error" }
        #expect(error?.level == .error)
        #expect(error?.metadata(LogMetadataKeys.domain) == "busy")
        #expect(error?.metadata(LogMetadataKeys.status) == "500")
        #expect(
            metrics.counterTotal(
                label: MetricNames.authentications,
                dimensions: [("domain", "busy"), ("mechanism", "PLAIN"), ("outcome", "error")]) >= 1)
        #expect(!logs.entries.contains { $0.allText.contains("carol-secret-55") })
        // Cancellation stops the authenticator too, and propagates.
        let running = Task { try await service.run() }
        running.cancel()
        let result = try await withTimeout(patience, "the cancelled service to end") { await running.result }
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(!service.authenticator.isRunning)
    }
}
#endif
