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
/// An endpoint is `transport://address`:
///
/// - `tcp://host:port`. To bind, the host is an IPv4 address, an IPv6 address
///   (`[::1]`, with ``SocketOption/ipv6`` set), an interface name (`lo`, `eth0`) or `*`
///   for every interface, and the port a number or `*` for any free port. To connect,
///   the host may also be a DNS name (`localhost`). A connect may name the local
///   address to connect from before a `;`: `tcp://127.0.0.1:0;10.0.0.7:5555` or
///   `tcp://eth0:*;server:5555`.
/// - `ipc:///path/to/socket`, `ipc://*` for a fresh temporary path, and on Linux
///   `ipc://@name` in the abstract namespace.
/// - `inproc://name`, between sockets of one ``Context``.
/// - `pgm://interface;multicast-address:port` and `epgm://...` (PUB, SUB, XPUB and
///   XSUB only), `tipc://{type,lower,upper}`, `vmci://cid:port`: passed to libzmq as
///   they are. Here the `;` separates the interface, not a source address.
///
/// swift-zeromq checks every endpoint before libzmq sees it: it must have a
/// `transport://` and a non-empty address. For tcp it checks what libzmq lets through:
///
/// - A port is a number from 0 to 65535, or `*`, when binding, and from 1 to 65535 when
///   connecting. libzmq would bind `tcp://127.0.0.1:99999` to some other port without a
///   word, and would accept a connect to port 0.
/// - A source address is `host:port` with a port from 0 to 65535 or `*` (both pick any
///   free port), and a host that is an IP address or an interface of this machine.
///   libzmq's connect accepts `tcp://127.0.0.1;server:5555` (no port) or
///   `tcp://localhost:0;server:5555` (a name), and then never connects.
/// - A source address is refused when binding: libzmq would ignore it.
///
/// These throw ``ZMQError/invalidArgument`` with a ``ZMQError/reason`` that names the
/// part that is wrong. Everything else is left to libzmq.
extension Socket {
    /// Binds the socket to a local endpoint and returns the endpoint it is bound to,
    /// which differs from `endpoint` after a wildcard bind:
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let socket = try RouterSocket(context) -->
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
        try Endpoint.validate(endpoint, binding: true)
        try withCalls("bind") { calls throws(ZMQError) in
            if let error = calls.bind(endpoint) {
                throw Endpoint.error(error.code, operation: "bind", endpoint: endpoint, socket: kind.name)
            }
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
        try withCalls("unbind") { calls throws(ZMQError) in
            if let error = calls.unbind(endpoint) {
                throw Endpoint.error(error.code, operation: "unbind", endpoint: endpoint, socket: kind.name)
            }
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
        try Endpoint.validate(endpoint, binding: false)
        try withCalls("connect") { calls throws(ZMQError) in
            if let error = calls.connect(endpoint) {
                throw Endpoint.error(error.code, operation: "connect", endpoint: endpoint, socket: kind.name)
            }
        }
    }

    /// Disconnects the socket from an endpoint that ``connect(_:)`` connected to.
    ///
    /// - Throws: ``ZMQError/noEntry`` when the socket is not connected to `endpoint`.
    ///
    /// The corresponding C function is `zmq_disconnect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        try withCalls("disconnect") { calls throws(ZMQError) in
            if let error = calls.disconnect(endpoint) {
                throw Endpoint.error(error.code, operation: "disconnect", endpoint: endpoint, socket: kind.name)
            }
        }
    }

    /// The endpoint bound or connected last, with the port that libzmq chose for a
    /// wildcard (`tcp://127.0.0.1:*`), as ``bind(_:)`` returns it. The corresponding
    /// C option is `ZMQ_LAST_ENDPOINT`.
    public var lastEndpoint: String {
        get throws(ZMQError) { try option(.lastEndpoint) }
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
        // tcp://[source;]destination, split as libzmq splits it, at the last ';'. An
        // address is host:port, where the host may be an IPv6 address in brackets.
        guard let semicolon = address.lastIndex(of: ";") else {
            try checkTCPAddress(address, local: binding, invalid)
            return
        }
        let destination = address[address.index(after: semicolon)...]
        guard !binding else {
            throw invalid(
                "a source address (before ';') applies to connect only; "
                    + "bind would ignore it and bind '\(destination)'")
        }
        // The source is bound locally, so any port is fine, 0 and * included. libzmq
        // resolves its host without DNS: it must be an IP address or an interface name.
        // libzmq's connect takes a bad source without a word, and then never connects.
        let source = address[..<semicolon]
        guard let colon = source.lastIndex(of: ":"), !source[..<colon].isEmpty else {
            throw invalid("the source address '\(source)' is not host:port (port 0 or * picks any port)")
        }
        try checkPort(source[source.index(after: colon)...], local: true, role: "source port", invalid)
        let host = source[..<colon]
        guard isIPAddressOrInterface(host) else {
            throw invalid(
                "the source host '\(host)' is neither an IP address nor a network interface "
                    + "of this machine (libzmq does not look up names for it)")
        }
        try checkTCPAddress(destination, local: false, invalid)
    }

    /// Checks a tcp `host:port`: `local` for an address to bind, otherwise one to connect to.
    private static func checkTCPAddress(
        _ address: Substring, local: Bool, _ invalid: (String) -> ZMQError
    ) throws(ZMQError) {
        guard let colon = address.lastIndex(of: ":"), !address[..<colon].isEmpty else {
            throw invalid("a tcp address is host:port; '\(address)' has no host or no port")
        }
        try checkPort(address[address.index(after: colon)...], local: local, role: "port", invalid)
    }

    /// A port to bind (`local`) is `*` or 0...65535; a port to connect to is 1...65535.
    private static func checkPort(
        _ port: Substring, local: Bool, role: String, _ invalid: (String) -> ZMQError
    ) throws(ZMQError) {
        if port == "*" {
            guard local else { throw invalid("\(role) '*' (any port) can only be bound, not connected to") }
            return
        }
        guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw invalid("\(role) '\(port)' is not a number")
        }
        guard let number = Int(port), number <= 65535 else {
            throw invalid("\(role) \(port) is out of range \(local ? 0 : 1)...65535")
        }
        guard local || number != 0 else {
            throw invalid("\(role) 0 can only be bound (to any free port), not connected to")
        }
    }

    /// Whether `host` is an IPv4 address, an IPv6 address (bracketed or not, with an
    /// optional `%zone`) or the name of a network interface of this machine.
    private static func isIPAddressOrInterface(_ host: Substring) -> Bool {
        var literal = host
        if literal.hasPrefix("["), literal.hasSuffix("]") {
            literal = literal.dropFirst().dropLast()
        }
        if let percent = literal.firstIndex(of: "%") {
            literal = literal[..<percent]
        }
        var buffer = in6_addr()
        if inet_pton(AF_INET, String(literal), &buffer) == 1 || inet_pton(AF_INET6, String(literal), &buffer) == 1 {
            return true
        }
        return if_nametoindex(String(host)) != 0
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
