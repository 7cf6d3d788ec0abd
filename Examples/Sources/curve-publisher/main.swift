// CURVE-secured publisher: a PUB socket that encrypts every update and serves only the
// subscribers its ZAP authenticator admits, with a monitor that prints each handshake
// (who was admitted, who was refused). Its subscriber is Examples/python/curve_subscriber.py,
// written with pyzmq.
//
//   cd Examples && swift run curve-publisher [ENDPOINT] [CLIENTS] [CERTIFICATE] [COUNT]
//
// Binds ENDPOINT (default tcp://*:5556) and publishes COUNT updates (default: forever),
// one every 100 ms.
// - CLIENTS: a directory of the subscribers' public certificates (czmq's format, as
//   pyzmq's zmq.auth.create_certificates writes them): only those subscribers are
//   admitted. Without it (or with "any"), every subscriber that knows the publisher's
//   public key is.
// - CERTIFICATE: where the publisher keeps its keys, such as publisher.key: the public
//   certificate there, for the subscribers, and the secret one beside it
//   (publisher.key_secret), both made on the first run. Without it (or with "none"), the
//   key pair is new at each start.
// It prints its public key. A subscriber:
//
//   python3 Examples/python/curve_subscriber.py --server-key='PUBLIC KEY'
//   python3 Examples/python/curve_subscriber.py --server-certificate publisher.key
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let endpoint = arguments.first ?? "tcp://*:5556"
let clients = arguments.dropFirst().first.flatMap { $0 == "any" ? nil : $0 }
let certificatePath = arguments.dropFirst(2).first.flatMap { $0 == "none" ? nil : $0 }
let count = arguments.dropFirst(3).first.flatMap { Int($0) } ?? .max
let interval = Duration.milliseconds(100)

/// The publisher's certificate: from the secret certificate beside `path`, or new and
/// saved at `path` (public) and `path_secret` (secret, readable by its owner only).
func certificate(at path: String?) throws -> CurveCertificate {
    guard let path else { return try CurveCertificate.generate() }
    do {
        return try CurveCertificate(secretFile: path + "_secret")
    } catch ZMQError.noEntry {
        let made = try CurveCertificate.generate(metadata: ["name": "curve-publisher"])
        try made.save(to: path)
        print("saved a new certificate: \(path) (public) and \(path)_secret")
        return made
    } catch {
        throw error
    }
}

let context = try Context()
let keys = try certificate(at: certificatePath).keyPair!  // a secret certificate has both keys
print("publisher key:", keys.publicKey)

// The authenticator answers the handshakes of every CURVE server socket of `context`.
let policy = ZAPPolicy(curve: try clients.map { try .certificates(inDirectory: $0) } ?? .anyKey)
let authenticator = try Authenticator.start(in: context, policy: policy)
print(clients.map { "admitting the subscribers whose certificates are in \($0)" } ?? "admitting any subscriber")

let publisher = try PubSocket(context)
try publisher.setOption(.curveServer, true)
try publisher.setOption(.curveSecretKey, keys.secretKey)
let handshakes = try publisher.monitor([
    .handshakeSucceeded, .handshakeFailedAuthentication, .handshakeFailedProtocol, .handshakeFailedNoDetail,
])
print("bound", try publisher.bind(endpoint))

// Waits for the monitor's events between two updates: a poll, not a sleep, so that a
// handshake is reported when it happens.
let poller = Poller<String>()
try poller.add(handshakes, token: "handshakes")
let clock = ContinuousClock()
var update = 0
while update < count {
    update += 1
    try publisher.send("weather update \(update): \(-5 + update % 20) C in Oslo")
    let next = clock.now + interval
    while clock.now < next {
        _ = try poller.poll(timeout: next - clock.now)
        while let event = try handshakes.tryNext() {
            switch event.kind {
            case .handshakeSucceeded: print("subscriber admitted: \(event)")
            default: print("subscriber refused: \(event)")
            }
        }
    }
}
authenticator.stop()
