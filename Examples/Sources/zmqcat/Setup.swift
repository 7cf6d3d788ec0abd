import Foundation
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
        if command.curveServer {
            guard let secretKey = try secretKey() else { return nil }  // validate() requires one
            try socket.setOption(.curveServer, true)
            try socket.setOption(.curveSecretKey, secretKey)
            if command.verbose { tell("CURVE server, public key \(try secretKey.publicKey())") }
            guard let folder = command.curveAllow else { return nil }
            let clients = try ZAPCurvePolicy.certificates(inDirectory: folder)
            return try Authenticator.start(in: context, policy: ZAPPolicy(curve: clients))
        }
        guard let serverKey = command.curveServerKey else { return nil }
        try socket.setOption(.curveServerKey, CurvePublicKey(z85: serverKey))
        let keys: CurveKeyPair
        if let secretKey = try secretKey() {
            keys = try CurveKeyPair(secretKey: secretKey)
            if let publicKey = command.curvePublicKey, try CurvePublicKey(z85: publicKey) != keys.publicKey {
                throw SetupError(description: "--curve-public-key is not the public key of the secret key given")
            }
        } else {
            keys = try CurveKeyPair.generate()
        }
        try socket.setOption(.curvePublicKey, keys.publicKey)
        try socket.setOption(.curveSecretKey, keys.secretKey)
        if command.verbose { tell("CURVE client, public key \(keys.publicKey)") }
        return nil
    }

    /// The secret key of `--curve-secret-key` or `--curve-secret-key-file`, if either.
    private func secretKey() throws -> CurveSecretKey? {
        if let z85 = command.curveSecretKey { return try CurveSecretKey(z85: z85) }
        guard let path = command.curveSecretKeyFile else { return nil }
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw SetupError(description: "--curve-secret-key-file \(path): cannot read the file")
        }
        let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try CurveSecretKey(z85: text)
        } catch {
            throw SetupError(description: "--curve-secret-key-file \(path): \(error)")
        }
    }
}

/// The command line asks for a socket that cannot be made.
struct SetupError: Error, CustomStringConvertible {
    let description: String
}
