#if Services
import Metrics
import ZeroMQ

extension Socket {
    /// Counts the sends of this socket that do not queue their message, in
    /// `zmq_send_failures_total{socket, reason}` (see ``MetricNames``), by setting its
    /// `Socket.sendFailureObserver`.
    ///
    /// <!-- snippet: function; prelude: let context = try Context() -->
    /// ```swift
    /// let push = try PushSocket(context)
    /// push.countSendFailures(label: "jobs")
    /// _ = try push.trySend("job")   // no peer: zmq_send_failures_total{socket="jobs", reason="full"} + 1
    /// ```
    ///
    /// The reasons are `full` (`EAGAIN` under `ZMQ_DONTWAIT`: a `trySend` that returned
    /// `false`, and each attempt of a timed or async send that found no room),
    /// `timed_out` (a send that gave up at its time limit, `ZMQ_SNDTIMEO` or a
    /// `timeout:`) and `unroutable` (`EHOSTUNREACH` of a ROUTER with
    /// `ZMQ_ROUTER_MANDATORY`). The three counters are made here, once; a failed send only
    /// increments one. It replaces any observer set before.
    ///
    /// - Parameters:
    ///   - label: The `socket` dimension: the socket's name in the metrics.
    ///   - metricsFactory: The factory of the counters; `nil` uses the global
    ///     `MetricsSystem`.
    public func countSendFailures(label: String, metricsFactory: (any MetricsFactory)? = nil) {
        let factory = metricsFactory ?? MetricsSystem.factory
        func counter(_ reason: String) -> Counter {
            Counter(
                label: MetricNames.sendFailures, dimensions: [("socket", label), ("reason", reason)], factory: factory)
        }
        let (full, timedOut, unroutable) = (counter("full"), counter("timed_out"), counter("unroutable"))
        sendFailureObserver = { failure in
            switch failure {
            case .full: full.increment()
            case .timedOut: timedOut.increment()
            case .unroutable: unroutable.increment()
            }
        }
    }
}
#endif
