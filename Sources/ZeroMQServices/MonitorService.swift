#if Services
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// A socket's `Monitor` as a swift-service-lifecycle `Service`: it logs and
/// counts the socket's events (connections, disconnections, handshake failures,
/// reconnects) until the service group shuts down.
///
/// <!-- snippet: function; prelude: import Logging; let context = try Context(); let logger = Logger(label: "zmq") -->
/// ```swift
/// let frontend = try RouterSocket(context)
/// let monitoring = try MonitorService(monitoring: frontend, name: "frontend", logger: logger)
/// try frontend.bind("tcp://*:5559")
/// ```
///
/// Create it before the socket binds or connects, or the first events are gone.
///
/// Events are logged with the keys `zmq.socket` (the service's name), `zmq.event`,
/// `zmq.endpoint` and, for connections, `zmq.descriptor` (see ``LogMetadataKeys``). The
/// peer's address is not among them: libzmq 4.3's monitor events carry the local
/// endpoint and the connection's file descriptor only (the descriptor pairs an
/// `accepted` with its `disconnected`); an ``AuthenticatorService`` logs the address of
/// every peer that handshakes with PLAIN, CURVE or a ZAP domain. Levels: `listening`, `connected`,
/// `accepted`, `disconnected`, `closed`: info; `connect_delayed`, `connect_retried`,
/// `handshake_succeeded`, `monitor_stopped`: debug; the handshake failures,
/// `bind_failed`, `accept_failed`, `close_failed`: warning. They are counted in
/// `zmq_connections_total`, `zmq_disconnections_total`, `zmq_handshake_failures_total`
/// and `zmq_reconnect_attempts_total` (see ``MetricNames``).
///
/// The monitor is not `Sendable`: the service takes it as `sending` and keeps it under
/// a lock until ``run()`` takes it out.
public final class MonitorService: Service {
    /// The name of the socket in logs (`zmq.socket`) and metrics (`socket`).
    public let name: String
    private let monitor: Mutex<Monitor?>
    private let logger: Logger
    private let factory: any MetricsFactory

    /// A service that reads the events of `monitor`.
    ///
    /// - Parameters:
    ///   - monitor: The monitor (`Socket.monitor(_:)`), which the service stops
    ///     when it ends.
    ///   - name: The name of the monitored socket in logs and metrics.
    ///   - logger: Where the events are logged.
    ///   - metricsFactory: The factory of the counters; `nil` uses the global
    ///     `MetricsSystem`.
    public init(
        _ monitor: sending Monitor, name: String, logger: Logger = Logger(label: "zeromq"),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.monitor = Mutex(monitor)
        self.name = name
        var logger = logger
        logger[metadataKey: LogMetadataKeys.socket] = .string(name)
        self.logger = logger
        self.factory = metricsFactory ?? MetricsSystem.factory
    }

    /// A service that monitors `socket`, with a monitor of its own.
    ///
    /// - Parameters:
    ///   - socket: The socket to monitor; create the service before it binds or connects.
    ///   - events: The events to report; `MonitorEvents.monitorStopped` is always
    ///     added.
    ///   - name: The name of the socket in logs and metrics.
    ///   - logger: Where the events are logged.
    ///   - metricsFactory: The factory of the counters; `nil` uses the global
    ///     `MetricsSystem`.
    /// - Throws: what `Socket.monitor(_:)` throws.
    ///
    /// The corresponding C function is `zmq_socket_monitor`.
    public convenience init<Kind>(
        monitoring socket: Socket<Kind>, events: MonitorEvents = .all, name: String,
        logger: Logger = Logger(label: "zeromq"), metricsFactory: (any MetricsFactory)? = nil
    ) throws(ZMQError) {
        self.init(try socket.monitor(events), name: name, logger: logger, metricsFactory: metricsFactory)
    }

    /// Reads, logs and counts events until a graceful shutdown or cancellation, then logs
    /// the events already queued (the closing of a socket that a service stopped before
    /// this one closed, say) and stops the monitor. A second call returns at once.
    ///
    /// When the monitored socket closes first (`MonitorEvent.Kind.monitorStopped`), it
    /// logs that and goes on waiting for the shutdown: a service that returns ends its
    /// group (swift-service-lifecycle's default), or fails the group's shutdown when the
    /// group is stopping another service, so closing one socket must not return.
    ///
    /// - Throws: `CancellationError` when the task is cancelled; `ZMQError` for a
    ///   failure of libzmq or a malformed event.
    ///
    /// The corresponding C function is `zmq_msg_recv` on the monitor's PAIR socket.
    public func run() async throws {
        guard let monitor = takeMonitor() else {
            logger.warning("monitor service run twice: its monitor is gone")
            return
        }
        let (name, logger, factory) = (name, logger, factory)
        try await runUntilGracefulShutdown {
            var recorder = EventRecorder(socket: name, logger: logger, factory: factory)
            defer {
                // What arrived before the shutdown, read without waiting.
                while let event = try? monitor.tryNext() { recorder.record(event) }
                monitor.stop()
            }
            for try await event in monitor {
                recorder.record(event)
            }
            // The socket closed: nothing more will come. Wait for the shutdown, which
            // cancels this.
            try await gracefulShutdown()
        }
    }

    private func takeMonitor() -> sending Monitor? {
        monitor.withLock { monitor in
            let taken = monitor.take()
            return taken
        }
    }
}

/// Logs and counts a monitor's events, in the task that reads them.
struct EventRecorder {
    private struct Key: Hashable {
        let label: String
        let endpoint: String
        /// The third dimension's value, if any (the name follows from the label).
        let extra: String?
    }

    let socket: String
    let logger: Logger
    let factory: any MetricsFactory
    /// The counters made so far: one per metric, endpoint and extra dimension.
    private var counters: [Key: Counter] = [:]

    init(socket: String, logger: Logger, factory: any MetricsFactory) {
        self.socket = socket
        self.logger = logger
        self.factory = factory
    }

    mutating func record(_ event: MonitorEvent) {
        var metadata: Logger.Metadata = [
            LogMetadataKeys.event: .string(event.kind.name),
            LogMetadataKeys.endpoint: .string(event.endpoint),
        ]
        // The descriptor pairs a connection's `accepted` or `connected` with its
        // `disconnected` (libzmq 4.3 reports no peer address in monitor events).
        switch event.kind {
        case .connected(let descriptor), .listening(let descriptor), .accepted(let descriptor),
            .closed(let descriptor), .disconnected(let descriptor):
            metadata[LogMetadataKeys.descriptor] = .stringConvertible(descriptor)
        default:
            break
        }
        let level: Logger.Level
        switch event.kind {
        case .listening, .closed:
            level = .info
        case .connected:
            level = .info
            count(MetricNames.connections, event.endpoint, ("direction", "outbound"))
        case .accepted:
            level = .info
            count(MetricNames.connections, event.endpoint, ("direction", "inbound"))
        case .disconnected:
            level = .info
            count(MetricNames.disconnections, event.endpoint)
        case .connectRetried:
            level = .debug
            count(MetricNames.reconnectAttempts, event.endpoint)
        case .connectDelayed, .handshakeSucceeded, .monitorStopped, .unknown:
            level = .debug
        case .bindFailed(let error), .acceptFailed(let error), .closeFailed(let error):
            level = .warning
            metadata[LogMetadataKeys.error] = .string(error.message)
        case .handshakeFailedNoDetail(let error):
            level = .warning
            metadata[LogMetadataKeys.error] = .string(error.message)
            count(MetricNames.handshakeFailures, event.endpoint, ("reason", "other"))
        case .handshakeFailedProtocol(let error):
            level = .warning
            metadata[LogMetadataKeys.error] = .string(error.description)
            count(MetricNames.handshakeFailures, event.endpoint, ("reason", "protocol"))
        case .handshakeFailedAuthentication(let status):
            level = .warning
            metadata[LogMetadataKeys.status] = .stringConvertible(status)
            count(MetricNames.handshakeFailures, event.endpoint, ("reason", "authentication"))
        }
        logger.log(level: level, "\(event.kind.message)", metadata: metadata)
    }

    private mutating func count(_ label: String, _ endpoint: String, _ extra: (String, String)? = nil) {
        let key = Key(label: label, endpoint: endpoint, extra: extra?.1)
        if let counter = counters[key] {
            counter.increment()
            return
        }
        var dimensions = [("socket", socket), ("endpoint", endpoint)]
        if let extra { dimensions.append(extra) }
        let counter = Counter(label: label, dimensions: dimensions, factory: factory)
        counters[key] = counter
        counter.increment()
    }
}

extension MonitorEvent.Kind {
    /// The event's name in logs (`zmq.event`): the libzmq event's, in snake case.
    var name: String {
        switch self {
        case .connected: "connected"
        case .connectDelayed: "connect_delayed"
        case .connectRetried: "connect_retried"
        case .listening: "listening"
        case .bindFailed: "bind_failed"
        case .accepted: "accepted"
        case .acceptFailed: "accept_failed"
        case .closed: "closed"
        case .closeFailed: "close_failed"
        case .disconnected: "disconnected"
        case .monitorStopped: "monitor_stopped"
        case .handshakeFailedNoDetail: "handshake_failed_no_detail"
        case .handshakeSucceeded: "handshake_succeeded"
        case .handshakeFailedProtocol: "handshake_failed_protocol"
        case .handshakeFailedAuthentication: "handshake_failed_authentication"
        case .unknown: "unknown"
        }
    }

    /// The log message of the event: its description without the descriptor, which
    /// goes nowhere useful.
    var message: String {
        switch self {
        case .connected: "connected"
        case .accepted: "accepted"
        case .listening: "listening"
        case .closed: "closed"
        case .disconnected: "disconnected"
        default: description
        }
    }
}
#endif
