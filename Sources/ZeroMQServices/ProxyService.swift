#if Services
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// A running `Proxy` as a swift-service-lifecycle `Service`: it counts what the
/// proxy forwards, and stops the proxy when the service group shuts down.
///
/// <!-- snippet: function; prelude: import Logging; import ServiceLifecycle; let context = try Context();
///     let logger = Logger(label: "zmq") -->
/// ```swift
/// let frontend = try RouterSocket(context)
/// try frontend.bind("tcp://*:5559")
/// let backend = try DealerSocket(context)
/// try backend.bind("tcp://*:5560")
/// let proxy = try Proxy.start(frontend: frontend, backend: backend)
/// let group = ServiceGroup(
///     services: [ProxyService(proxy, name: "jobs")], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// ``run()`` logs `proxy running` (info), then asks the proxy for its statistics every
/// `statisticsInterval` and adds what changed to the counters
/// `zmq_proxy_messages_total` and `zmq_proxy_bytes_total` (see ``MetricNames``). On a
/// graceful shutdown, or when its task is cancelled, it reads the statistics a last
/// time, stops the proxy (which closes its sockets), and logs `proxy stopped` (info) with
/// the totals. If the proxy ended by itself (its context was closed or shut down), it
/// logs an error and throws it, so that the group shuts down.
public struct ProxyService: Service {
    /// The proxy this service runs.
    public let proxy: Proxy
    /// The name of the proxy in logs (`zmq.proxy`) and metrics (`proxy`).
    public let name: String
    private let logger: Logger
    private let statisticsInterval: Duration
    private let counters: ProxyCounters

    /// A service for `proxy`, which the caller has started (`Proxy.start(frontend:backend:)`).
    ///
    /// - Parameters:
    ///   - proxy: The running proxy; the service stops it when it shuts down.
    ///   - name: The proxy's name in logs and metrics.
    ///   - logger: Where the service logs.
    ///   - statisticsInterval: How often the counters are brought up to date.
    ///   - metricsFactory: The factory of the counters; `nil` uses the global
    ///     `MetricsSystem`.
    public init(
        _ proxy: Proxy, name: String = "proxy", logger: Logger = Logger(label: "zeromq"),
        statisticsInterval: Duration = .seconds(1), metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.proxy = proxy
        self.name = name
        var logger = logger
        logger[metadataKey: LogMetadataKeys.proxy] = .string(name)
        self.logger = logger
        self.statisticsInterval = statisticsInterval
        self.counters = ProxyCounters(proxy: name, factory: metricsFactory)
    }

    /// Counts the proxy's traffic until a graceful shutdown or cancellation, then stops
    /// the proxy.
    ///
    /// - Throws: the error that ended the proxy, if it ended by itself (after
    ///   `Context.close(linger:)` or `Context.shutdown()`); `CancellationError` when the
    ///   task is cancelled (the proxy is stopped first).
    ///
    /// The corresponding C function is `zmq_proxy_steerable`, with the `STATISTICS`
    /// command, then `TERMINATE`.
    public func run() async throws {
        logger.info("proxy running")
        let (proxy, counters, interval, logger) = (self.proxy, self.counters, statisticsInterval, logger)
        do {
            try await runUntilGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    do {
                        counters.record(try await proxy.statistics())
                    } catch let error as ZMQError where proxy.isRunning {
                        // No answer in time (a capture socket that blocks the proxy):
                        // the next turn asks again.
                        logger.warning(
                            "proxy statistics unavailable", metadata: [LogMetadataKeys.error: .string("\(error)")])
                    }
                }
            }
        } catch let error as ZMQError {
            // The proxy ended by itself: its context was closed or shut down.
            logger.error(
                "proxy ended by itself",
                metadata: [LogMetadataKeys.error: .string("\(error)")])
            await proxy.stop()
            throw error
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    /// Reads the statistics a last time, stops the proxy and logs the totals.
    private func stop() async {
        if proxy.isRunning, let statistics = try? await proxy.statistics(timeout: .seconds(1)) {
            counters.record(statistics)
        }
        await proxy.stop()
        let totals = counters.totals
        logger.info(
            "proxy stopped",
            metadata: [
                LogMetadataKeys.frontend: .string(totals.frontend.description),
                LogMetadataKeys.backend: .string(totals.backend.description),
            ])
    }
}

/// A proxy's counters and the statistics they have counted so far.
final class ProxyCounters: Sendable {
    private struct Side: Sendable {
        let messagesReceived: Counter
        let bytesReceived: Counter
        let messagesSent: Counter
        let bytesSent: Counter

        init(proxy: String, socket: String, factory: any MetricsFactory) {
            func counter(_ label: String, _ direction: String) -> Counter {
                Counter(
                    label: label, dimensions: [("proxy", proxy), ("socket", socket), ("direction", direction)],
                    factory: factory)
            }
            messagesReceived = counter(MetricNames.proxyMessages, "received")
            bytesReceived = counter(MetricNames.proxyBytes, "received")
            messagesSent = counter(MetricNames.proxyMessages, "sent")
            bytesSent = counter(MetricNames.proxyBytes, "sent")
        }

        /// Adds what `now` has more than `before`.
        func add(_ now: ProxyStatistics.Traffic, since before: ProxyStatistics.Traffic) {
            func delta(_ now: UInt64, _ before: UInt64) -> Int64 {
                now > before ? Int64(clamping: now - before) : 0
            }
            messagesReceived.increment(by: delta(now.messagesReceived, before.messagesReceived))
            bytesReceived.increment(by: delta(now.bytesReceived, before.bytesReceived))
            messagesSent.increment(by: delta(now.messagesSent, before.messagesSent))
            bytesSent.increment(by: delta(now.bytesSent, before.bytesSent))
        }
    }

    private let frontend: Side
    private let backend: Side
    private let counted: Mutex<ProxyStatistics>

    init(proxy: String, factory: (any MetricsFactory)?) {
        let factory = factory ?? MetricsSystem.factory
        frontend = Side(proxy: proxy, socket: "frontend", factory: factory)
        backend = Side(proxy: proxy, socket: "backend", factory: factory)
        let zero = ProxyStatistics.Traffic(messagesReceived: 0, bytesReceived: 0, messagesSent: 0, bytesSent: 0)
        counted = Mutex(ProxyStatistics(frontend: zero, backend: zero))
    }

    /// Adds what `statistics` has more than the statistics counted so far.
    func record(_ statistics: ProxyStatistics) {
        counted.withLock { counted in
            frontend.add(statistics.frontend, since: counted.frontend)
            backend.add(statistics.backend, since: counted.backend)
            counted = statistics
        }
    }

    /// The statistics counted so far.
    var totals: ProxyStatistics {
        counted.withLock { $0 }
    }
}
#endif
