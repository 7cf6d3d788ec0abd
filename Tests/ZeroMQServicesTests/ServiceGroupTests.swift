#if Services
import InMemoryLogging
import Logging
import Metrics
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing
import ZeroMQ
import ZeroMQServices

/// A REP worker that answers each request with "echo " and the request, as a user's
/// service: its receive loop runs until the graceful shutdown.
struct EchoWorker: Service {
    let context: Context
    let endpoint: String

    func run() async throws {
        let socket = try RepSocket(context)
        try socket.connect(endpoint)
        try await runUntilGracefulShutdown {
            while true {
                let request = try await socket.receive()
                try await socket.send("echo " + request.string)
            }
        }
    }
}

@Suite("ServiceGroup with the proxy, authenticator and monitor services")
struct ServiceGroupTests {
    static let alicePassword = "alice-Pa55word-7f3e"
    static let malloryPassword = "mallory-Guess-91ab"

    @Test("a PLAIN ROUTER/DEALER proxy serves an allowed client, refuses another, then shuts down gracefully")
    func proxyAuthenticatorMonitor() async throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let logs = InMemoryLogHandler()
        let logger = makeLogger(logs)

        // The authenticator first: it must run before any PLAIN server handshakes.
        let authentication = try AuthenticatorService(
            in: context, policy: ZAPPolicy(plainPasswords: ["alice": Self.alicePassword]), logger: logger,
            metricsFactory: metrics)

        let frontend = try RouterSocket(context)
        try frontend.setOption(.plainServer, true)
        // Monitored before it binds, so that no event is missed.
        let monitoring = try MonitorService(
            monitoring: frontend, name: "frontend", logger: logger, metricsFactory: metrics)
        let endpoint = try frontend.bind("tcp://127.0.0.1:*")
        let backend = try DealerSocket(context)
        let backendEndpoint = try backend.bind("inproc://service-group-\(uniqueNumber())")
        let proxy = try Proxy.start(frontend: frontend, backend: backend)
        let proxying = ProxyService(
            proxy, name: "jobs", logger: logger, statisticsInterval: .milliseconds(20), metricsFactory: metrics)

        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    authentication, proxying, monitoring, EchoWorker(context: context, endpoint: backendEndpoint),
                ],
                logger: logger))
        let running = Task { try await group.run() }

        // Alice is allowed: a request and its reply go through the proxy.
        let alice = try ReqSocket(context)
        try alice.setOption(.plainUsername, "alice")
        try alice.setOption(.plainPassword, Self.alicePassword)
        try alice.connect(endpoint)
        try await alice.send("hello", timeout: patience)
        let reply = try await alice.receive(timeout: patience)
        #expect(reply?.string == "echo hello")

        // Mallory is refused: her own socket reports the ZAP status.
        let mallory = try ReqSocket(context)
        try mallory.setOption(.plainUsername, "mallory")
        try mallory.setOption(.plainPassword, Self.malloryPassword)
        let malloryMonitor = try mallory.monitor([.handshakeFailedAuthentication])
        try mallory.connect(endpoint)
        let refusal = try await malloryMonitor.next(timeout: patience)
        #expect(refusal?.kind == .handshakeFailedAuthentication(status: 400))
        malloryMonitor.stop()
        mallory.close()

        // What the services saw reaches the counters (the proxy's every 20 ms).
        let frontendReceived = [("proxy", "jobs"), ("socket", "frontend"), ("direction", "received")]
        let counted = await eventually {
            metrics.counterTotal(label: MetricNames.proxyMessages, dimensions: frontendReceived) >= 1
                && metrics.counterTotal(
                    label: MetricNames.handshakeFailures,
                    dimensions: [("socket", "frontend"), ("endpoint", endpoint), ("reason", "authentication")]) >= 1
        }
        #expect(counted)

        // Graceful shutdown: the group returns, in bounded time, without error.
        await group.triggerGracefulShutdown()
        try await withTimeout(patience, "the service group to shut down") { try await running.value }

        // The proxy has stopped and closed its sockets: the endpoint can be bound again.
        #expect(!proxy.isRunning)
        #expect(!authentication.authenticator.isRunning)
        // libzmq closes a socket's listener on its I/O thread after zmq_close returns, and
        // reports it to no one once the monitor has stopped: the port is free soon after
        // the group returns, not at once.
        let rebound = try RouterSocket(context)
        #expect(await eventually { (try? rebound.bind(endpoint)) == endpoint })
        rebound.close()
        alice.close()

        // Proxy counters: alice's request in at the frontend and out at the backend, the
        // reply back. A REQ request is two frames (empty delimiter, body): one message.
        #expect(metrics.counterTotal(label: MetricNames.proxyMessages, dimensions: frontendReceived) == 1)
        #expect(
            metrics.counterTotal(
                label: MetricNames.proxyMessages,
                dimensions: [("proxy", "jobs"), ("socket", "backend"), ("direction", "sent")]) == 1)
        #expect(
            metrics.counterTotal(
                label: MetricNames.proxyMessages,
                dimensions: [("proxy", "jobs"), ("socket", "frontend"), ("direction", "sent")]) == 1)
        #expect(
            metrics.counterTotal(
                label: MetricNames.proxyBytes,
                dimensions: [("proxy", "jobs"), ("socket", "frontend"), ("direction", "received")]) > 0)
        // Monitor counters: two connections accepted (alice and mallory, at least once).
        #expect(
            metrics.counterTotal(
                label: MetricNames.connections,
                dimensions: [("socket", "frontend"), ("endpoint", endpoint), ("direction", "inbound")]) >= 2)
        // Authenticator counters.
        #expect(
            metrics.counterTotal(
                label: MetricNames.authentications,
                dimensions: [("domain", ""), ("mechanism", "PLAIN"), ("outcome", "allowed")]) == 1)
        #expect(
            metrics.counterTotal(
                label: MetricNames.authentications,
                dimensions: [("domain", ""), ("mechanism", "PLAIN"), ("outcome", "denied")]) >= 1)

        // Logs: levels and metadata.
        let entries = logs.entries
        func entry(_ message: String) -> InMemoryLogHandler.Entry? {
            entries.first { $0.message.description == message }
        }
        let running_ = try #require(entry("proxy running"))
        #expect(running_.level == .info)
        #expect(running_.metadata(LogMetadataKeys.proxy) == "jobs")
        let stopped = try #require(entry("proxy stopped"))
        #expect(stopped.level == .info)
        #expect(stopped.metadata(LogMetadataKeys.frontend) != nil)
        let allowed = try #require(entry("authentication allowed"))
        #expect(allowed.level == .info)
        #expect(allowed.metadata(LogMetadataKeys.userID) == "alice")
        #expect(allowed.metadata(LogMetadataKeys.mechanism) == "PLAIN")
        #expect(allowed.metadata(LogMetadataKeys.status) == "200")
        #expect(allowed.metadata(LogMetadataKeys.peerAddress) == "127.0.0.1")
        let denied = try #require(entry("authentication denied"))
        #expect(denied.level == .warning)
        #expect(denied.metadata(LogMetadataKeys.status) == "400")
        #expect(denied.metadata(LogMetadataKeys.userID) == nil)
        #expect(entry("authenticator stopped")?.level == .info)
        let accepted = try #require(entries.first { $0.metadata(LogMetadataKeys.event) == "accepted" })
        #expect(accepted.level == .info)
        #expect(accepted.metadata(LogMetadataKeys.socket) == "frontend")
        #expect(accepted.metadata(LogMetadataKeys.endpoint) == endpoint)
        #expect(Int32(accepted.metadata(LogMetadataKeys.descriptor) ?? "") != nil)
        let listening = try #require(entries.first { $0.metadata(LogMetadataKeys.event) == "listening" })
        #expect(listening.level == .info)
        let handshakeFailure = try #require(
            entries.first { $0.metadata(LogMetadataKeys.event) == "handshake_failed_authentication" })
        #expect(handshakeFailure.level == .warning)
        if let succeeded = entries.first(where: { $0.metadata(LogMetadataKeys.event) == "handshake_succeeded" }) {
            #expect(succeeded.level == .debug)
        }
        // No credential in any log line, the group's own included.
        for entry in entries {
            #expect(!entry.allText.contains(Self.alicePassword), "\(entry.allText)")
            #expect(!entry.allText.contains(Self.malloryPassword), "\(entry.allText)")
        }
    }

    @Test("a proxy whose context is shut down ends the service with an error, logged")
    func proxyEndedByItself() async throws {
        let context = try makeContext()
        let logs = InMemoryLogHandler()
        let frontend = try RouterSocket(context)
        _ = try frontend.bind("inproc://ended-\(uniqueNumber())")
        let backend = try DealerSocket(context)
        _ = try backend.bind("inproc://ended-\(uniqueNumber())")
        let proxy = try Proxy.start(frontend: frontend, backend: backend)
        let service = ProxyService(
            proxy, name: "doomed", logger: makeLogger(logs), statisticsInterval: .milliseconds(10),
            metricsFactory: TestMetrics())
        let running = Task { try await service.run() }
        #expect(await eventually { logs.entries.contains { $0.message.description == "proxy running" } })
        context.shutdown()
        let result = try await withTimeout(patience, "the service to end") { await running.result }
        #expect(throws: ZMQError.self) { try result.get() }
        let ended = logs.entries.first { $0.level == .error }
        #expect(ended?.metadata(LogMetadataKeys.proxy) == "doomed")
        #expect(ended?.metadata(LogMetadataKeys.error) != nil)
        #expect(!proxy.isRunning)
    }

    @Test(
        "a monitor listed before the proxy sees the proxy close its socket during the shutdown, and the group ends without error"
    )
    func monitorBeforeProxy() async throws {
        let context = try makeContext()
        let logs = InMemoryLogHandler()
        let logger = makeLogger(logs)
        let frontend = try RouterSocket(context)
        let monitoring = try MonitorService(monitoring: frontend, name: "frontend", logger: logger)
        _ = try frontend.bind("tcp://127.0.0.1:*")
        let backend = try DealerSocket(context)
        _ = try backend.bind("inproc://monitor-before-proxy-\(uniqueNumber())")
        let proxy = try Proxy.start(frontend: frontend, backend: backend)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                // Shut down in reverse: the proxy first, which closes the monitored socket
                // while the monitor service still runs.
                services: [monitoring, ProxyService(proxy, name: "jobs", logger: logger)], logger: logger))
        let running = Task { try await group.run() }
        #expect(await eventually { logs.entries.contains { $0.metadata(LogMetadataKeys.event) == "listening" } })
        await group.triggerGracefulShutdown()
        try await withTimeout(patience, "the service group to shut down") { try await running.value }
        #expect(logs.entries.contains { $0.metadata(LogMetadataKeys.event) == "monitor_stopped" })
        #expect(!proxy.isRunning)
    }

    @Test("a monitor service logs its socket's closing and goes on until the shutdown, and stops on cancellation")
    func monitorEnds() async throws {
        let context = try makeContext()
        let logs = InMemoryLogHandler()
        let socket = try PullSocket(context)
        let service = try MonitorService(
            monitoring: socket, name: "pull", logger: makeLogger(logs), metricsFactory: TestMetrics())
        _ = try socket.bind("tcp://127.0.0.1:*")
        let sentinel = Sentinel()
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [sentinel, service], logger: makeLogger(logs)))
        let running = Task { try await group.run() }
        #expect(await eventually { logs.entries.contains { $0.metadata(LogMetadataKeys.event) == "listening" } })
        socket.close()
        // monitorStopped is logged, and the service does not return: that would end the group.
        #expect(await eventually { logs.entries.contains { $0.metadata(LogMetadataKeys.event) == "monitor_stopped" } })
        let stopped = logs.entries.first { $0.metadata(LogMetadataKeys.event) == "monitor_stopped" }
        #expect(stopped?.level == .debug)
        await group.triggerGracefulShutdown()
        try await withTimeout(patience, "the service group to shut down") { try await running.value }
        // Had the monitor service returned, the group would have cancelled the sentinel.
        #expect(sentinel.outcome == "graceful shutdown")

        let other = try PullSocket(context)
        let cancelled = Task { try await MonitorService(monitoring: other, name: "other").run() }
        cancelled.cancel()
        let result = try await withTimeout(patience, "the cancelled service to end") { await cancelled.result }
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
/// A service that waits for the group's graceful shutdown and records how it ended:
/// "graceful shutdown", or "cancelled" when the group cancelled it instead (as it does
/// when another service returns on its own).
final class Sentinel: Service {
    private let ended = Mutex<String?>(nil)
    var outcome: String? { ended.withLock { $0 } }

    func run() async throws {
        do {
            try await gracefulShutdown()
            ended.withLock { $0 = "graceful shutdown" }
        } catch {
            ended.withLock { $0 = "cancelled" }
        }
    }
}
#endif
