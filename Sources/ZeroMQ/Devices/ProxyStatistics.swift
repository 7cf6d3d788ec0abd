import CZeroMQ

/// A command for a steerable proxy's control socket.
///
/// These are the only commands libzmq understands: any other message on a proxy's
/// control socket makes libzmq 4.3 print "E: invalid command sent to proxy" and abort
/// the process. Sending a `ProxyCommand` rules that out.
///
/// <!-- snippet: function; prelude: let context = try Context(); let controller = try PairSocket(context) -->
/// ```swift
/// try controller.send(ProxyCommand.pause)
/// ```
///
/// The corresponding C function is `zmq_proxy_steerable`.
public enum ProxyCommand: String, Sendable, Hashable, CaseIterable {
    /// Stop forwarding until ``resume``; messages wait in the sockets' queues.
    case pause = "PAUSE"
    /// Forward again after ``pause``.
    case resume = "RESUME"
    /// End the proxy: `zmq_proxy_steerable` returns 0.
    case terminate = "TERMINATE"
    /// Ask for the proxy's counters: the proxy answers on the control socket with 8
    /// frames, which ``Socket/receiveProxyStatistics()`` decodes.
    case statistics = "STATISTICS"
}

/// What a steerable proxy has forwarded since it started, as libzmq counts it.
///
/// A multipart message counts once, with the bytes of all its frames; a message
/// forwarded from the frontend to the backend is received on the frontend and sent on
/// the backend.
///
/// The corresponding C function is `zmq_proxy_steerable`, which answers the
/// `STATISTICS` command with these counters.
public struct ProxyStatistics: Sendable, Hashable, CustomStringConvertible {
    /// The traffic through one of the proxy's sockets.
    public struct Traffic: Sendable, Hashable, CustomStringConvertible {
        /// Messages received on the socket (a multipart message counts once).
        public var messagesReceived: UInt64
        /// The bytes of the messages received on the socket.
        public var bytesReceived: UInt64
        /// Messages sent out of the socket.
        public var messagesSent: UInt64
        /// The bytes of the messages sent out of the socket.
        public var bytesSent: UInt64

        /// Traffic with the given counters.
        public init(messagesReceived: UInt64, bytesReceived: UInt64, messagesSent: UInt64, bytesSent: UInt64) {
            self.messagesReceived = messagesReceived
            self.bytesReceived = bytesReceived
            self.messagesSent = messagesSent
            self.bytesSent = bytesSent
        }

        public var description: String {
            "in \(messagesReceived) (\(bytesReceived) B), out \(messagesSent) (\(bytesSent) B)"
        }
    }

    /// The frontend's traffic: what clients sent in, and the replies sent back to them.
    public var frontend: Traffic
    /// The backend's traffic: what went out to the workers or subscribers, and what
    /// came back.
    public var backend: Traffic

    /// Statistics with the given counters.
    public init(frontend: Traffic, backend: Traffic) {
        self.frontend = frontend
        self.backend = backend
    }

    /// Decodes libzmq's answer to ``ProxyCommand/statistics``: 8 frames of one unsigned
    /// 64-bit integer each, in the machine's byte order, in this order: the frontend's
    /// messages received, bytes received, messages sent and bytes sent, then the same
    /// four for the backend.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` when there are not 8 frames of 8 bytes.
    public init(frames: [Message]) throws(ZMQError) {
        guard frames.count == 8 else {
            throw ZMQError(
                EINVAL, operation: "decode proxy statistics", target: "\(frames.count) frames",
                reason: "libzmq answers STATISTICS with 8 frames")
        }
        var values: [UInt64] = []
        values.reserveCapacity(8)
        for (index, frame) in frames.enumerated() {
            guard frame.count == 8 else {
                throw ZMQError(
                    EINVAL, operation: "decode proxy statistics", target: "frame \(index) of \(frame.count) bytes",
                    reason: "each statistics frame is one 64-bit integer")
            }
            values.append(frame.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        }
        frontend = Traffic(
            messagesReceived: values[0], bytesReceived: values[1], messagesSent: values[2], bytesSent: values[3])
        backend = Traffic(
            messagesReceived: values[4], bytesReceived: values[5], messagesSent: values[6], bytesSent: values[7])
    }

    public var description: String {
        "frontend: \(frontend); backend: \(backend)"
    }
}

extension Socket where Kind: SendingSocketType {
    /// Sends a command to a steerable proxy whose control socket this socket is
    /// connected to (see ``Proxy/run(frontend:backend:control:)``).
    ///
    /// The proxy does not answer ``ProxyCommand/pause``, ``ProxyCommand/resume`` or
    /// ``ProxyCommand/terminate``; it answers ``ProxyCommand/statistics`` with 8
    /// frames, read them with ``Socket/receiveProxyStatistics()``.
    ///
    /// The corresponding C function is `zmq_send`.
    public func send(_ command: ProxyCommand) throws(ZMQError) {
        try send(command.rawValue)
    }
}

extension Socket where Kind: ReceivingSocketType {
    /// Receives a steerable proxy's answer to ``ProxyCommand/statistics``.
    ///
    /// - Throws: what ``receiveMultipart()-97f80`` throws, and ``ZMQError/invalidArgument`` when
    ///   the message is not 8 frames of 8 bytes.
    ///
    /// The corresponding C function is `zmq_msg_recv`.
    public func receiveProxyStatistics() throws(ZMQError) -> ProxyStatistics {
        try ProxyStatistics(frames: receiveMultipart())
    }
}
