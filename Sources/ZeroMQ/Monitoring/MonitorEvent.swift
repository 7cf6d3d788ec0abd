import CZeroMQ

/// One event that a ``Monitor`` reports: what happened, and the endpoint it happened on.
///
/// <!-- snippet: function; prelude: let context = try Context(); let socket = try PullSocket(context);
///     let monitor = try socket.monitor(); guard let event = try monitor.next() else { return } -->
/// ```swift
/// switch event.kind {
/// case .accepted(let descriptor): print("peer on \(event.endpoint), descriptor \(descriptor)")
/// case .disconnected: print("peer gone from \(event.endpoint)")
/// default: break
/// }
/// ```
///
/// libzmq sends each event as two frames: six bytes (a 16-bit event number and a 32-bit
/// value, in host byte order), then the endpoint. The corresponding C function is
/// `zmq_socket_monitor`, with event version 1.
public struct MonitorEvent: Sendable, Hashable, CustomStringConvertible {
    /// What happened, with its value decoded.
    public var kind: Kind

    /// The endpoint the event concerns, such as `tcp://127.0.0.1:5555`; empty for
    /// ``Kind/monitorStopped``.
    public var endpoint: String

    /// An event with its endpoint.
    public init(_ kind: Kind, endpoint: String) {
        self.kind = kind
        self.endpoint = endpoint
    }

    /// Decodes an event as libzmq sends it: the event number and value of its first
    /// frame, and the endpoint of its second. A number this version does not know
    /// becomes ``Kind/unknown(event:value:)``.
    public init(event: UInt16, value: UInt32, endpoint: String) {
        self.init(Kind(event: event, value: value, endpoint: endpoint), endpoint: endpoint)
    }

    public var description: String {
        endpoint.isEmpty ? kind.description : "\(kind) \(endpoint)"
    }

    /// What a monitored socket reports, one case per libzmq 4.3 event.
    ///
    /// A descriptor is the operating system's socket (a file descriptor on POSIX). An
    /// error is the `errno` libzmq reports, as a ``ZMQError`` naming the operation and
    /// the endpoint.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// A connection to a peer is up. The C event is `ZMQ_EVENT_CONNECTED`.
        case connected(descriptor: Int32)
        /// A connect did not complete at once and goes on in the background (the usual
        /// first event of a tcp connect). The C event is `ZMQ_EVENT_CONNECT_DELAYED`.
        case connectDelayed
        /// A connect failed, and will be retried after `interval` (the reconnect
        /// interval, which grows up to ``SocketOption/reconnectIntervalMax``).
        /// The C event is `ZMQ_EVENT_CONNECT_RETRIED`.
        case connectRetried(interval: Duration)
        /// The socket listens on an endpoint (after `bind`). The C event is
        /// `ZMQ_EVENT_LISTENING`.
        case listening(descriptor: Int32)
        /// A bind failed in the background. libzmq 4.3 reports a failed bind by failing
        /// `bind` itself, so this is rarely seen. The C event is `ZMQ_EVENT_BIND_FAILED`.
        case bindFailed(ZMQError)
        /// A peer's connection was accepted. The C event is `ZMQ_EVENT_ACCEPTED`.
        case accepted(descriptor: Int32)
        /// Accepting a connection failed. The C event is `ZMQ_EVENT_ACCEPT_FAILED`.
        case acceptFailed(ZMQError)
        /// A listening or connecting descriptor was closed. The C event is
        /// `ZMQ_EVENT_CLOSED`.
        case closed(descriptor: Int32)
        /// Closing a descriptor failed. The C event is `ZMQ_EVENT_CLOSE_FAILED`.
        case closeFailed(ZMQError)
        /// A connection was lost or closed. The C event is `ZMQ_EVENT_DISCONNECTED`.
        case disconnected(descriptor: Int32)
        /// The monitor stopped: the socket was closed, or the monitor detached. Always
        /// the last event of a monitor. The C event is `ZMQ_EVENT_MONITOR_STOPPED`.
        case monitorStopped
        /// A handshake failed for a system error, reported as the error. The C event is
        /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`.
        case handshakeFailedNoDetail(ZMQError)
        /// The ZMTP handshake with a peer succeeded (with authentication, if any).
        /// The C event is `ZMQ_EVENT_HANDSHAKE_SUCCEEDED`.
        case handshakeSucceeded
        /// A handshake failed because the peer broke the protocol (ZMTP or ZAP).
        /// The C event is `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`.
        case handshakeFailedProtocol(ProtocolError)
        /// Authentication refused the peer, with the ZAP status code: 300 (temporary
        /// error), 400 (authentication failure) or 500 (internal error).
        /// The C event is `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`.
        case handshakeFailedAuthentication(status: Int)
        /// An event this version of swift-zeromq does not know, as libzmq sent it.
        case unknown(event: UInt16, value: UInt32)

        init(event: UInt16, value: UInt32, endpoint: String) {
            let signed = Int32(bitPattern: value)
            func error(_ operation: String) -> ZMQError {
                ZMQError(signed, operation: operation, target: endpoint.isEmpty ? nil : endpoint)
            }
            switch Int32(event) {
            case ZMQ_EVENT_CONNECTED: self = .connected(descriptor: signed)
            case ZMQ_EVENT_CONNECT_DELAYED: self = .connectDelayed
            case ZMQ_EVENT_CONNECT_RETRIED: self = .connectRetried(interval: .milliseconds(max(signed, 0)))
            case ZMQ_EVENT_LISTENING: self = .listening(descriptor: signed)
            case ZMQ_EVENT_BIND_FAILED: self = .bindFailed(error("bind"))
            case ZMQ_EVENT_ACCEPTED: self = .accepted(descriptor: signed)
            case ZMQ_EVENT_ACCEPT_FAILED: self = .acceptFailed(error("accept"))
            case ZMQ_EVENT_CLOSED: self = .closed(descriptor: signed)
            case ZMQ_EVENT_CLOSE_FAILED: self = .closeFailed(error("close"))
            case ZMQ_EVENT_DISCONNECTED: self = .disconnected(descriptor: signed)
            case ZMQ_EVENT_MONITOR_STOPPED: self = .monitorStopped
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: self = .handshakeFailedNoDetail(error("handshake"))
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: self = .handshakeSucceeded
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: self = .handshakeFailedProtocol(ProtocolError(rawValue: value))
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: self = .handshakeFailedAuthentication(status: Int(value))
            default: self = .unknown(event: event, value: value)
            }
        }

        /// The filter bit of this kind of event (empty for ``unknown(event:value:)``
        /// events that are not a single known bit).
        public var filter: MonitorEvents {
            switch self {
            case .connected: .connected
            case .connectDelayed: .connectDelayed
            case .connectRetried: .connectRetried
            case .listening: .listening
            case .bindFailed: .bindFailed
            case .accepted: .accepted
            case .acceptFailed: .acceptFailed
            case .closed: .closed
            case .closeFailed: .closeFailed
            case .disconnected: .disconnected
            case .monitorStopped: .monitorStopped
            case .handshakeFailedNoDetail: .handshakeFailedNoDetail
            case .handshakeSucceeded: .handshakeSucceeded
            case .handshakeFailedProtocol: .handshakeFailedProtocol
            case .handshakeFailedAuthentication: .handshakeFailedAuthentication
            case .unknown(let event, _): MonitorEvents(rawValue: Int32(event))
            }
        }

        public var description: String {
            switch self {
            case .connected(let descriptor): "connected (descriptor \(descriptor))"
            case .connectDelayed: "connect delayed"
            case .connectRetried(let interval): "connect retried (in \(interval))"
            case .listening(let descriptor): "listening (descriptor \(descriptor))"
            case .bindFailed(let error): "bind failed (\(error.message))"
            case .accepted(let descriptor): "accepted (descriptor \(descriptor))"
            case .acceptFailed(let error): "accept failed (\(error.message))"
            case .closed(let descriptor): "closed (descriptor \(descriptor))"
            case .closeFailed(let error): "close failed (\(error.message))"
            case .disconnected(let descriptor): "disconnected (descriptor \(descriptor))"
            case .monitorStopped: "monitor stopped"
            case .handshakeFailedNoDetail(let error): "handshake failed (\(error.message))"
            case .handshakeSucceeded: "handshake succeeded"
            case .handshakeFailedProtocol(let error): "handshake failed (\(error))"
            case .handshakeFailedAuthentication(let status): "handshake failed (ZAP status \(status))"
            case .unknown(let event, let value): "unknown event \(event) (value \(value))"
            }
        }
    }

    /// Why a handshake failed: a `ZMQ_PROTOCOL_ERROR_*` value, printed as its name.
    ///
    /// A struct with a static per value rather than an enum, because newer libzmq
    /// versions add values: an unknown one prints as its number.
    public struct ProtocolError: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The `ZMQ_PROTOCOL_ERROR_*` value.
        public let rawValue: UInt32

        /// A protocol error from its `ZMQ_PROTOCOL_ERROR_*` value.
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// The C name, such as `ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED`, or the number in
        /// hexadecimal for a value this version does not know.
        public var description: String {
            guard let name = Self.names[rawValue] else {
                return "ZMQ protocol error 0x" + String(rawValue, radix: 16)
            }
            return "ZMQ_PROTOCOL_ERROR_" + name
        }

        private static let names: [UInt32: String] = [
            0x1000_0000: "ZMTP_UNSPECIFIED",
            0x1000_0001: "ZMTP_UNEXPECTED_COMMAND",
            0x1000_0002: "ZMTP_INVALID_SEQUENCE",
            0x1000_0003: "ZMTP_KEY_EXCHANGE",
            0x1000_0011: "ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
            0x1000_0012: "ZMTP_MALFORMED_COMMAND_MESSAGE",
            0x1000_0013: "ZMTP_MALFORMED_COMMAND_HELLO",
            0x1000_0014: "ZMTP_MALFORMED_COMMAND_INITIATE",
            0x1000_0015: "ZMTP_MALFORMED_COMMAND_ERROR",
            0x1000_0016: "ZMTP_MALFORMED_COMMAND_READY",
            0x1000_0017: "ZMTP_MALFORMED_COMMAND_WELCOME",
            0x1000_0018: "ZMTP_INVALID_METADATA",
            0x1100_0001: "ZMTP_CRYPTOGRAPHIC",
            0x1100_0002: "ZMTP_MECHANISM_MISMATCH",
            0x2000_0000: "ZAP_UNSPECIFIED",
            0x2000_0001: "ZAP_MALFORMED_REPLY",
            0x2000_0002: "ZAP_BAD_REQUEST_ID",
            0x2000_0003: "ZAP_BAD_VERSION",
            0x2000_0004: "ZAP_INVALID_STATUS_CODE",
            0x2000_0005: "ZAP_INVALID_METADATA",
            0x3000_0000: "WS_UNSPECIFIED",
        ]

        /// `ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED`: the peer broke ZMTP in a way libzmq
        /// does not name (such as a greeting that is not ZMTP at all).
        public static var zmtpUnspecified: Self { .init(rawValue: 0x1000_0000) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND`.
        public static var zmtpUnexpectedCommand: Self { .init(rawValue: 0x1000_0001) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE`.
        public static var zmtpInvalidSequence: Self { .init(rawValue: 0x1000_0002) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE`.
        public static var zmtpKeyExchange: Self { .init(rawValue: 0x1000_0003) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED`.
        public static var zmtpMalformedCommandUnspecified: Self { .init(rawValue: 0x1000_0011) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE`.
        public static var zmtpMalformedCommandMessage: Self { .init(rawValue: 0x1000_0012) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO`.
        public static var zmtpMalformedCommandHello: Self { .init(rawValue: 0x1000_0013) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE`.
        public static var zmtpMalformedCommandInitiate: Self { .init(rawValue: 0x1000_0014) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR`.
        public static var zmtpMalformedCommandError: Self { .init(rawValue: 0x1000_0015) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY`.
        public static var zmtpMalformedCommandReady: Self { .init(rawValue: 0x1000_0016) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME`.
        public static var zmtpMalformedCommandWelcome: Self { .init(rawValue: 0x1000_0017) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA`.
        public static var zmtpInvalidMetadata: Self { .init(rawValue: 0x1000_0018) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`: often a peer configured with other keys.
        public static var zmtpCryptographic: Self { .init(rawValue: 0x1100_0001) }
        /// `ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`: the peers use different
        /// security mechanisms.
        public static var zmtpMechanismMismatch: Self { .init(rawValue: 0x1100_0002) }
        /// `ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED`.
        public static var zapUnspecified: Self { .init(rawValue: 0x2000_0000) }
        /// `ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY`.
        public static var zapMalformedReply: Self { .init(rawValue: 0x2000_0001) }
        /// `ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID`.
        public static var zapBadRequestID: Self { .init(rawValue: 0x2000_0002) }
        /// `ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION`.
        public static var zapBadVersion: Self { .init(rawValue: 0x2000_0003) }
        /// `ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE`.
        public static var zapInvalidStatusCode: Self { .init(rawValue: 0x2000_0004) }
        /// `ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA`.
        public static var zapInvalidMetadata: Self { .init(rawValue: 0x2000_0005) }
        /// `ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED`.
        public static var wsUnspecified: Self { .init(rawValue: 0x3000_0000) }
    }
}

/// Which events a ``Monitor`` reports: a filter for ``Socket/monitor(_:)``.
///
/// <!-- snippet: function; prelude: let context = try Context(); let socket = try DealerSocket(context) -->
/// ```swift
/// let monitor = try socket.monitor([.connected, .disconnected])
/// ```
///
/// The corresponding C values are the `ZMQ_EVENT_*` flags of `zmq_socket_monitor`.
public struct MonitorEvents: OptionSet, Sendable, Hashable {
    /// The `ZMQ_EVENT_*` bits.
    public let rawValue: Int32

    /// A filter from `ZMQ_EVENT_*` bits.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `ZMQ_EVENT_CONNECTED`.
    public static let connected = MonitorEvents(rawValue: ZMQ_EVENT_CONNECTED)
    /// `ZMQ_EVENT_CONNECT_DELAYED`.
    public static let connectDelayed = MonitorEvents(rawValue: ZMQ_EVENT_CONNECT_DELAYED)
    /// `ZMQ_EVENT_CONNECT_RETRIED`.
    public static let connectRetried = MonitorEvents(rawValue: ZMQ_EVENT_CONNECT_RETRIED)
    /// `ZMQ_EVENT_LISTENING`.
    public static let listening = MonitorEvents(rawValue: ZMQ_EVENT_LISTENING)
    /// `ZMQ_EVENT_BIND_FAILED`.
    public static let bindFailed = MonitorEvents(rawValue: ZMQ_EVENT_BIND_FAILED)
    /// `ZMQ_EVENT_ACCEPTED`.
    public static let accepted = MonitorEvents(rawValue: ZMQ_EVENT_ACCEPTED)
    /// `ZMQ_EVENT_ACCEPT_FAILED`.
    public static let acceptFailed = MonitorEvents(rawValue: ZMQ_EVENT_ACCEPT_FAILED)
    /// `ZMQ_EVENT_CLOSED`.
    public static let closed = MonitorEvents(rawValue: ZMQ_EVENT_CLOSED)
    /// `ZMQ_EVENT_CLOSE_FAILED`.
    public static let closeFailed = MonitorEvents(rawValue: ZMQ_EVENT_CLOSE_FAILED)
    /// `ZMQ_EVENT_DISCONNECTED`.
    public static let disconnected = MonitorEvents(rawValue: ZMQ_EVENT_DISCONNECTED)
    /// `ZMQ_EVENT_MONITOR_STOPPED`: always reported, whatever the filter, because it
    /// is how a monitor learns that its socket closed.
    public static let monitorStopped = MonitorEvents(rawValue: ZMQ_EVENT_MONITOR_STOPPED)
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`.
    public static let handshakeFailedNoDetail = MonitorEvents(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
    /// `ZMQ_EVENT_HANDSHAKE_SUCCEEDED`.
    public static let handshakeSucceeded = MonitorEvents(rawValue: ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`.
    public static let handshakeFailedProtocol = MonitorEvents(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`.
    public static let handshakeFailedAuthentication = MonitorEvents(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

    /// Every handshake failure.
    public static let handshakeFailed: MonitorEvents = [
        .handshakeFailedNoDetail, .handshakeFailedProtocol, .handshakeFailedAuthentication,
    ]

    /// Every event. The C value is `ZMQ_EVENT_ALL`.
    public static let all = MonitorEvents(rawValue: ZMQ_EVENT_ALL)
}
