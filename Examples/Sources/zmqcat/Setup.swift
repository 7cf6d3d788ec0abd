import ZeroMQ

/// Makes the socket the command line describes: options, CURVE, subscriptions, then its
/// binds and connects.
struct Setup {
    let command: Zmqcat

    func makeSocket(in context: Context) throws -> (DynamicSocket, Authenticator?) {
        let socket = try DynamicSocket(context, kind: command.kind)
        if let linger = command.linger { try socket.setOption(.linger, Timeout(linger)) }
        if let hwm = command.sendHighWaterMark ?? command.highWaterMark {
            try socket.setOption(.sendHighWaterMark, hwm)
        }
        if let hwm = command.receiveHighWaterMark ?? command.highWaterMark {
            try socket.setOption(.receiveHighWaterMark, hwm)
        }
        if let id = command.routingID { try socket.setOption(.routingID, Array(id.utf8)) }
        // A message to a routing id that no peer has is an error, not silently dropped.
        if command.kind == .router { try socket.setOption(.routerMandatory, true) }
        // A send waits at most --timeout (no peer, or its queue full), then fails.
        if let timeout = command.timeout { try socket.setOption(.sendTimeout, Timeout(timeout)) }
        let authenticator = try setUpCurve(socket, in: context)
        if command.kind == .sub && command.subscribe.isEmpty { try socket.subscribeToAll() }
        for prefix in command.subscribe { try socket.subscribe(to: prefix) }
        for endpoint in command.bind {
            let bound = try socket.bind(endpoint)
            // A wildcard port is only known once bound: say which.
            if command.verbose || bound != endpoint { tell("bound \(bound)") }
        }
        for endpoint in command.connect {
            try socket.connect(endpoint)
            if command.verbose { tell("connecting to \(endpoint)") }
        }
        return (socket, authenticator)
    }

    /// The CURVE role and keys, and the authenticator of a server with `--curve-allow`.
    private func setUpCurve(_ socket: DynamicSocket, in context: Context) throws -> Authenticator? {
        let serverKey = try self.serverKey()
        guard command.curveServer || serverKey != nil else { return nil }
        let (keys, generated) = try ownKeys()
        guard let serverKey else {
            try socket.setOption(.curveServer, true)
            try socket.setOption(.curveSecretKey, keys.secretKey)
            // Clients need the public key of a pair made here.
            if generated || command.verbose { tell("CURVE server public key \(keys.publicKey)") }
            guard let folder = command.curveAllow else { return nil }
            let clients = try flag("--curve-allow") { () throws(ZMQError) in
                try ZAPCurvePolicy.certificates(inDirectory: folder)
            }
            return try Authenticator.start(in: context, policy: ZAPPolicy(curve: clients))
        }
        try socket.setOption(.curveServerKey, serverKey)
        try socket.setOption(.curvePublicKey, keys.publicKey)
        try socket.setOption(.curveSecretKey, keys.secretKey)
        if command.verbose { tell("CURVE client public key \(keys.publicKey)") }
        return nil
    }

    /// The server's key, for a client: `--curve-server-key` or `--curve-server-certificate`.
    private func serverKey() throws -> CurvePublicKey? {
        if let z85 = command.curveServerKey { return try CurvePublicKey(z85: z85) }
        guard let path = command.curveServerCertificate else { return nil }
        return try flag("--curve-server-certificate") { () throws(ZMQError) in
            try CurveCertificate(publicFile: path).publicKey
        }
    }

    /// This socket's key pair: `--curve-certificate`, `--curve-secret-key`, or a new one.
    private func ownKeys() throws -> (keys: CurveKeyPair, generated: Bool) {
        if let path = command.curveCertificate {
            let certificate = try flag("--curve-certificate") { () throws(ZMQError) in
                try CurveCertificate(secretFile: path)
            }
            guard let keys = certificate.keyPair else {
                throw SetupError(description: "--curve-certificate \(path): not a secret certificate")
            }
            return (keys, false)
        }
        if let z85 = command.curveSecretKey {
            let keys = try CurveKeyPair(secretKey: CurveSecretKey(z85: z85))
            if let publicKey = command.curvePublicKey, try CurvePublicKey(z85: publicKey) != keys.publicKey {
                throw SetupError(description: "--curve-public-key is not the public key of --curve-secret-key")
            }
            return (keys, false)
        }
        return (try CurveKeyPair.generate(), true)
    }

    /// What `body` makes of the file a flag names; its error says which flag.
    private func flag<T>(_ name: String, _ body: () throws(ZMQError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw SetupError(description: "\(name): \(error)")
        }
    }
}

/// The command line asks for a socket that cannot be made.
struct SetupError: Error, CustomStringConvertible {
    let description: String
}
