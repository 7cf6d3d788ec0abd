// A traced client of broker-service: a REQ socket over CURVE that sends each request as
// [trace frame, body], the trace frame carrying its span's W3C `traceparent`
// (ZeroMQServices' Message(traceContext:)), so that the worker that handles it continues
// the same trace. Each span prints one line when it ends (ExampleTracing's W3CTracer).
//
//   cd Examples && swift run traced-client [ENDPOINT] [BROKER_KEY] [CERTIFICATE] [COUNT]
//
// - ENDPOINT: the broker's frontend (default tcp://localhost:5570).
// - BROKER_KEY: the broker's public key (40 characters of Z85, as broker-service prints
//   it) or its public certificate file (default broker.key, where broker-service keeps it).
// - CERTIFICATE: where the client keeps its keys (default client.key, and client.key_secret
//   beside it, made on the first run); copy client.key into the broker's CLIENTS
//   directory to have it admitted. "none": new keys at each start (refused by a broker
//   that admits listed clients only).
// - COUNT: how many requests (default 3).
// A request without a reply within 3 seconds (a broker that refused this client's key
// says nothing to it) ends the client with status 1.
import ExampleTracing
import Foundation
import Tracing
import ZeroMQ
import ZeroMQServices

let arguments = Array(CommandLine.arguments.dropFirst())
let endpoint = arguments.count > 0 ? arguments[0] : "tcp://localhost:5570"
let brokerKeyArgument = arguments.count > 1 ? arguments[1] : "broker.key"
let certificatePath = arguments.count > 2 ? (arguments[2] == "none" ? nil : arguments[2]) : "client.key"
let count = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
let replyTimeout = Duration.seconds(3)

/// The broker's public key: from its certificate file, or Z85 text.
func brokerKey(_ argument: String) throws -> CurvePublicKey {
    if FileManager.default.fileExists(atPath: argument) {
        return try CurveCertificate(publicFile: argument).publicKey
    }
    return try CurvePublicKey(z85: argument)
}

/// The client's certificate: from the secret certificate beside `path`, or new and saved.
func certificate(at path: String?) throws -> CurveCertificate {
    guard let path else { return try CurveCertificate.generate() }
    do {
        return try CurveCertificate(secretFile: path + "_secret")
    } catch ZMQError.noEntry {
        let made = try CurveCertificate.generate(metadata: ["name": "traced-client"])
        try made.save(to: path)
        print("saved a new certificate: \(path) (public) and \(path)_secret")
        return made
    } catch {
        // Not redundant: without this clause, Swift 6.3.1 crashes compiling this function
        // (signal 11 in MandatoryAllocBoxToStack, StackNesting::fixNesting).
        throw error
    }
}

/// Sends the requests; false when one got no reply in time.
func run() async throws -> Bool {
    let context = try Context()
    let keys = try certificate(at: certificatePath).keyPair!  // a secret certificate has both keys
    print("client key:", keys.publicKey)
    let socket = try ReqSocket(context)
    try socket.setOption(.curveServerKey, try brokerKey(brokerKeyArgument))
    try socket.setOption(.curvePublicKey, keys.publicKey)
    try socket.setOption(.curveSecretKey, keys.secretKey)
    try socket.setOption(.linger, .zero)
    try socket.connect(endpoint)

    for number in 1...max(count, 1) {
        let answered = try await withSpan("request \(number)", ofKind: .client) { span in
            // The trace frame first, then the body: the broker forwards both untouched.
            try await socket.sendMultipart([Message(traceContext: span.context), Message("request \(number)")])
            guard let reply = try await socket.receiveString(timeout: replyTimeout) else {
                span.setStatus(SpanStatus(code: .error, message: "no reply"))
                return false
            }
            print("reply \(number): \(reply)")
            return true
        }
        if !answered {
            print(
                "request \(number): no reply within \(replyTimeout): the broker refused this client's key, or is not there"
            )
            return false
        }
    }
    return true
}

InstrumentationSystem.bootstrap(W3CTracer())
do {
    if try await !run() { exit(1) }
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("traced-client: \(error)\n".utf8))
    exit(1)
}
