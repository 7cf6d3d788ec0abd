#if Services
/// The names of the metrics that ZeroMQServices reports, with their dimensions: these
/// are the documented names, which dashboards and alerts may rely on.
///
/// Every metric is a swift-metrics `Counter`, created with the `metricsFactory` given to
/// the service (or to `Socket.countSendFailures(label:metricsFactory:)`), or
/// else with the global `MetricsSystem.factory`. A backend such as swift-prometheus
/// exports them under these names.
///
/// | Name | Dimensions | Counted by |
/// |------|------------|------------|
/// | `zmq_connections_total` | `socket`, `endpoint`, `direction` = `inbound` \| `outbound` | ``MonitorService``: `accepted` (inbound), `connected` (outbound) |
/// | `zmq_disconnections_total` | `socket`, `endpoint` | ``MonitorService``: `disconnected` |
/// | `zmq_handshake_failures_total` | `socket`, `endpoint`, `reason` = `protocol` \| `authentication` \| `other` | ``MonitorService``: the handshake failures |
/// | `zmq_reconnect_attempts_total` | `socket`, `endpoint` | ``MonitorService``: `connectRetried` |
/// | `zmq_proxy_messages_total` | `proxy`, `socket` = `frontend` \| `backend`, `direction` = `received` \| `sent` | ``ProxyService`` |
/// | `zmq_proxy_bytes_total` | `proxy`, `socket` = `frontend` \| `backend`, `direction` = `received` \| `sent` | ``ProxyService`` |
/// | `zmq_send_failures_total` | `socket`, `reason` = `full` \| `timed_out` \| `unroutable` | `Socket.countSendFailures(label:metricsFactory:)` |
/// | `zmq_authentications_total` | `domain`, `mechanism`, `outcome` = `allowed` \| `denied` \| `error` | ``AuthenticatorService`` |
///
/// The `socket` dimension of the monitor's and the send failures' metrics is the name
/// given to the service (or the `label`), the `proxy` dimension the proxy service's
/// name; `endpoint` is the endpoint of the libzmq event (for an accepted connection,
/// the endpoint the socket listens on, so the number of series stays bounded).
public enum MetricNames {
    /// `zmq_connections_total{socket, endpoint, direction=inbound|outbound}`: connections
    /// accepted (`ZMQ_EVENT_ACCEPTED`, inbound) and made (`ZMQ_EVENT_CONNECTED`, outbound).
    public static let connections = "zmq_connections_total"
    /// `zmq_disconnections_total{socket, endpoint}`: connections lost or closed
    /// (`ZMQ_EVENT_DISCONNECTED`).
    public static let disconnections = "zmq_disconnections_total"
    /// `zmq_handshake_failures_total{socket, endpoint, reason=protocol|authentication|other}`:
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` (protocol), `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`
    /// (authentication) and `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL` (other).
    public static let handshakeFailures = "zmq_handshake_failures_total"
    /// `zmq_reconnect_attempts_total{socket, endpoint}`: connects to be retried
    /// (`ZMQ_EVENT_CONNECT_RETRIED`).
    public static let reconnectAttempts = "zmq_reconnect_attempts_total"
    /// `zmq_proxy_messages_total{proxy, socket=frontend|backend, direction=received|sent}`:
    /// the messages a proxy forwarded, from its `STATISTICS` answers (`zmq_proxy_steerable`).
    public static let proxyMessages = "zmq_proxy_messages_total"
    /// `zmq_proxy_bytes_total{proxy, socket=frontend|backend, direction=received|sent}`:
    /// the bytes of those messages.
    public static let proxyBytes = "zmq_proxy_bytes_total"
    /// `zmq_send_failures_total{socket, reason=full|timed_out|unroutable}`: the sends that
    /// did not queue their message (`EAGAIN`, a send timeout, `EHOSTUNREACH`), as the
    /// socket's `sendFailureObserver` reports them.
    public static let sendFailures = "zmq_send_failures_total"
    /// `zmq_authentications_total{domain, mechanism, outcome=allowed|denied|error}`: the
    /// ZAP decisions of an authenticator (status 200: allowed, 400: denied, 300 and 500:
    /// error).
    public static let authentications = "zmq_authentications_total"
}

/// The keys of the metadata that ZeroMQServices puts on its log messages (swift-log):
/// these are the documented keys, which log queries may rely on.
///
/// No log message carries a credential: neither a PLAIN password nor a PLAIN user name
/// that was refused, nor any key but the user id an authenticator's policy gave (for
/// CURVE, the client's public key in Z85).
public enum LogMetadataKeys {
    /// `zmq.socket`: the name given to a ``MonitorService``.
    public static let socket = "zmq.socket"
    /// `zmq.proxy`: the name given to a ``ProxyService``.
    public static let proxy = "zmq.proxy"
    /// `zmq.endpoint`: the endpoint of a monitor event.
    public static let endpoint = "zmq.endpoint"
    /// `zmq.event`: the kind of a monitor event, in snake case (`accepted`,
    /// `handshake_failed_authentication`, ...).
    public static let event = "zmq.event"
    /// `zmq.descriptor`: the file descriptor of a connection in a monitor event
    /// (`listening`, `connected`, `accepted`, `closed`, `disconnected`), which pairs a
    /// connection's first event with its last.
    public static let descriptor = "zmq.descriptor"
    /// `zmq.peer_address`: the peer's IP address in a ZAP request.
    public static let peerAddress = "zmq.peer_address"
    /// `zmq.domain`: the ZAP domain of a request (the server's `ZMQ_ZAP_DOMAIN`).
    public static let domain = "zmq.domain"
    /// `zmq.mechanism`: the security mechanism of a ZAP request (`NULL`, `PLAIN`, `CURVE`).
    public static let mechanism = "zmq.mechanism"
    /// `zmq.user_id`: the user id a ZAP response gives an allowed peer.
    public static let userID = "zmq.user_id"
    /// `zmq.status`: a ZAP status code (200, 300, 400, 500).
    public static let status = "zmq.status"
    /// `zmq.status_text`: a ZAP response's status text.
    public static let statusText = "zmq.status_text"
    /// `zmq.frontend`: a proxy's frontend traffic, on `proxy stopped` (messages and
    /// bytes received and sent).
    public static let frontend = "zmq.frontend"
    /// `zmq.backend`: a proxy's backend traffic, on `proxy stopped`.
    public static let backend = "zmq.backend"
    /// `zmq.error`: the error of a failed event, or of a proxy that ended by itself.
    public static let error = "zmq.error"
}
#endif
