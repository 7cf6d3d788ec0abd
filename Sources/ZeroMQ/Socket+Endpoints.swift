import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Binding and connecting.
///
/// An endpoint is `transport://address`: `tcp://127.0.0.1:5555`, `tcp://*:5555`,
/// `tcp://eth0:5555`, `tcp://[::1]:5555`, `ipc:///tmp/feed`, `inproc://jobs`; `pgm`,
/// `epgm`, `tipc` and `vmci` are passed to libzmq as they are.
///
/// swift-zeromq checks what libzmq lets through: a tcp port must be a number from 0 to
/// 65535, or `*`, when binding, and from 1 to 65535 when connecting. libzmq would bind
/// `tcp://127.0.0.1:99999` to some other port without a word; here it throws
/// ``ZMQError/invalidArgument``.
extension Socket {
    /// Binds the socket to a local endpoint and returns the endpoint it is bound to,
    /// which differs from `endpoint` after a wildcard bind:
    ///
    /// ```swift
    /// let endpoint = try socket.bind("tcp://127.0.0.1:*")   // "tcp://127.0.0.1:41234"
    /// ```
    ///
    /// - Throws: ``ZMQError/invalidArgument`` for a malformed endpoint or port,
    ///   ``ZMQError/protocolNotSupported`` for an unknown transport,
    ///   ``ZMQError/addressInUse``, ``ZMQError/addressNotAvailable``,
    ///   ``ZMQError/noSuchDevice``, ``ZMQError/nameTooLong`` for an ipc path that does
    ///   not fit a Unix socket address, ``ZMQError/incompatibleProtocol``.
    ///
    /// The corresponding C function is `zmq_bind`; the bound endpoint is
    /// `ZMQ_LAST_ENDPOINT`.
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        let handle = try liveHandle("bind")
        try Endpoint.validate(endpoint, binding: true)
        if zmq_bind(handle, endpoint) != 0 {
            throw Endpoint.error(zmq_errno(), operation: "bind", endpoint: endpoint, socket: Kind.name)
        }
        return (try? option(.lastEndpoint)) ?? endpoint
    }

    /// Stops listening on an endpoint that ``bind(_:)`` bound.
    ///
    /// After a wildcard bind, pass the endpoint that `bind` returned.
    ///
    /// - Throws: ``ZMQError/noEntry`` when the socket is not bound to `endpoint`.
    ///
    /// The corresponding C function is `zmq_unbind`.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("unbind")
        if zmq_unbind(handle, endpoint) != 0 {
            throw Endpoint.error(zmq_errno(), operation: "unbind", endpoint: endpoint, socket: Kind.name)
        }
    }

    /// Connects the socket to a remote endpoint.
    ///
    /// Connecting does not wait for the peer: libzmq connects, and reconnects, in the
    /// background. An inproc endpoint may be connected before it is bound.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` for a malformed endpoint or port,
    ///   ``ZMQError/protocolNotSupported`` for an unknown transport,
    ///   ``ZMQError/incompatibleProtocol``.
    ///
    /// The corresponding C function is `zmq_connect`.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("connect")
        try Endpoint.validate(endpoint, binding: false)
        if zmq_connect(handle, endpoint) != 0 {
            throw Endpoint.error(zmq_errno(), operation: "connect", endpoint: endpoint, socket: Kind.name)
        }
    }

    /// Disconnects the socket from an endpoint that ``connect(_:)`` connected to.
    ///
    /// - Throws: ``ZMQError/noEntry`` when the socket is not connected to `endpoint`.
    ///
    /// The corresponding C function is `zmq_disconnect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("disconnect")
        if zmq_disconnect(handle, endpoint) != 0 {
            throw Endpoint.error(zmq_errno(), operation: "disconnect", endpoint: endpoint, socket: Kind.name)
        }
    }
}

/// Endpoint checks that libzmq does not make, and error reasons it does not give.
enum Endpoint {
    static func validate(_ endpoint: String, binding: Bool) throws(ZMQError) {
        func invalid(_ reason: String) -> ZMQError {
            ZMQError(EINVAL, operation: binding ? "bind" : "connect", target: endpoint, reason: reason)
        }
        guard let (transport, address) = split(endpoint) else {
            throw invalid("an endpoint is transport://address, such as tcp://127.0.0.1:5555")
        }
        guard !address.isEmpty else {
            throw invalid("the address after \(transport):// is empty")
        }
        guard transport == "tcp" else { return }
        // tcp://[source-address;]address:port, where an address may be an IPv6 address
        // in brackets. Check the port of each address.
        for part in address.split(separator: ";", omittingEmptySubsequences: false) {
            guard let colon = part.lastIndex(of: ":"), !part[..<colon].isEmpty else {
                throw invalid("a tcp address is host:port; '\(part)' has no host or no port")
            }
            let port = part[part.index(after: colon)...]
            if port == "*" {
                guard binding else {
                    throw invalid("port '*' (any port) can only be bound, not connected to")
                }
                continue
            }
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw invalid("port '\(port)' is not a number")
            }
            guard let number = Int(port), number <= 65535 else {
                throw invalid("port \(port) is out of range \(binding ? 0 : 1)...65535")
            }
            guard binding || number != 0 else {
                throw invalid("port 0 can only be bound (to any free port), not connected to")
            }
        }
    }

    /// `transport://address` split at its first `://`.
    static func split(_ endpoint: String) -> (transport: Substring, address: Substring)? {
        let utf8 = endpoint.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex {
            if utf8[index...].starts(with: "://".utf8) {
                let address = utf8.index(index, offsetBy: 3)
                return (endpoint[..<index], endpoint[address...])
            }
            index = utf8.index(after: index)
        }
        return nil
    }

    static func error(_ code: Int32, operation: StaticString, endpoint: String, socket: String) -> ZMQError {
        let transport = split(endpoint).map { String($0.transport) } ?? endpoint
        var reason: String?
        switch code {
        case CZMQ_EPROTONOSUPPORT:
            reason = "transport '\(transport)' is unknown or not built into this libzmq"
        case CZMQ_ENOCOMPATPROTO:
            reason = "transport '\(transport)' cannot be used with \(socket) sockets"
        case ENOENT:
            reason =
                operation.description == "unbind"
                ? "the socket is not bound to this endpoint"
                : "the socket is not connected to this endpoint"
        case ENAMETOOLONG:
            reason = "the ipc path is longer than a Unix socket address can hold"
        case ENODEV:
            reason = "no such network interface"
        case EINVAL:
            reason = "the endpoint is malformed"
        default:
            break
        }
        return ZMQError(code, operation: operation.description, target: endpoint, reason: reason)
    }
}
