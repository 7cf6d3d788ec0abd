import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Z85 both ways, CURVE key pairs and public-key derivation: each fills a buffer that
/// libzmq writes, with its terminating NUL (5n/4 + 1 bytes for Z85 text, 41 for a key).
/// Secret keys live in storage of their own, wiped when released, and the secret's Z85
/// text in scratch buffers wiped after each call (Internals/KeyCalls.swift).
func checkKeys() throws(ZMQError) {
    let helloWorld: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
    check(try Z85.encode(helloWorld) == "HelloWorld", "Z85 encode")
    check(try Z85.decode("HelloWorld") == helloWorld, "Z85 decode")
    check(try Z85.encode([UInt8]()) == "" && (try Z85.decode("")).isEmpty, "Z85 empty")
    for count in stride(from: 4, through: 132, by: 4) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ count) }
        check(try Z85.decode(Z85.encode(bytes)) == bytes, "Z85 round trip of \(count) bytes")
    }
    fails(.invalidArgument, "Z85 encode of 3 bytes") { _ = try Z85.encode([1, 2, 3]) }
    fails(.invalidArgument, "Z85 decode of 6 characters") { _ = try Z85.decode("Hello1") }
    fails(.invalidArgument, "Z85 decode of a character outside the alphabet") { _ = try Z85.decode("Hell~") }
    fails(.invalidArgument, "Z85 decode of a group above 0xFFFFFFFF") { _ = try Z85.decode("%%%%%") }

    for _ in 0..<10 {
        let pair = try CurveKeyPair.generate()
        check(try pair.secretKey.publicKey() == pair.publicKey, "zmq_curve_public matches zmq_curve_keypair")
        check(try CurveSecretKey(z85: pair.secretKey.z85) == pair.secretKey, "secret key from Z85")
        check(try CurvePublicKey(bytes: pair.publicKey.bytes) == pair.publicKey, "public key from bytes")
        check("\(pair.secretKey)" == "CurveSecretKey(redacted)", "secret key redacted")
    }
    let secret = try CurveSecretKey(z85: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
    check(try secret.publicKey().z85 == "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "known public key")
    fails(.invalidArgument, "a 31-byte key") { _ = try CurvePublicKey(bytes: [UInt8](repeating: 1, count: 31)) }
    fails(.invalidArgument, "a 39-character key") { _ = try CurveSecretKey(z85: String(repeating: "a", count: 39)) }
    fails(.invalidArgument, "a key with a bad character") {
        _ = try CurveSecretKey(z85: String(repeating: "a", count: 39) + "~")
    }
    fails(.invalidArgument, "a secret key with a group above 0xFFFFFFFF") {
        _ = try CurveSecretKey(z85: String(repeating: "0", count: 35) + "%%%%%")
    }
    fails(.invalidArgument, "a 33-byte secret key") { _ = try CurveSecretKey(bytes: [UInt8](repeating: 1, count: 33)) }

    // The secret key's own storage: made from bytes, read in place, copied, compared and
    // released (its deinit wipes it).
    for round in 0..<10 {
        let bytes = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ round) }
        let secret = try CurveSecretKey(bytes: bytes.lazy.map { $0 })
        check(secret.withUnsafeBytes { Array($0) } == bytes, "secret key read in place")
        check(secret.bytes == bytes, "secret key bytes")
        check(try CurveSecretKey(z85: secret.z85) == secret, "secret key through its Z85 text")
        check(try CurveSecretKey(bytes: bytes[...]) == secret, "secret keys compared")
        var other = bytes
        other[31] ^= 1
        check(try CurveSecretKey(bytes: other) != secret, "different secret keys")
        check(try CurveKeyPair(secretKey: secret).publicKey == secret.publicKey(), "pair from a secret key")
    }

    // A CURVE exchange with keys from that storage: libzmq takes the secret's 32 bytes
    // where the key keeps them, and reads them back through a buffer that is wiped.
    let context = try Context(defaultLinger: .zero)
    let serverPair = try CurveKeyPair.generate()
    let clientPair = try CurveKeyPair.generate()
    let authenticator = try Authenticator.start(in: context, policy: ZAPPolicy(curve: .keys([clientPair.publicKey])))
    let server = try RepSocket(context)
    let client = try ReqSocket(context)
    try server.setOption(.receiveTimeout, .seconds(5))
    try client.setOption(.receiveTimeout, .seconds(5))
    try server.setOption(.curveServer, true)
    try server.setOption(.curveSecretKey, serverPair.secretKey)
    check(try server.option(.curveSecretKey) == serverPair.secretKey, "secret key read back")
    try client.setOption(.curveServerKey, serverPair.publicKey)
    try client.setOption(.curvePublicKey, clientPair.publicKey)
    try client.setOption(.curveSecretKey, clientPair.secretKey)
    let endpoint = try server.bind("tcp://127.0.0.1:*")
    try client.connect(endpoint)
    try client.send("hello")
    let request = try server.receive()
    check(request.string == "hello" && request.userID == clientPair.publicKey.z85, "CURVE request with its User-Id")
    try server.send("world")
    check(try client.receiveString() == "world", "CURVE reply")
    authenticator.stop()
    server.close()
    client.close()
    context.close()

    // PLAIN passwords, compared in constant time.
    let policy = ZAPPolicy(plainPasswords: ["user": "pass", "none": ""])
    for (user, password, status) in [
        ("user", "pass", ZAPStatus.ok), ("user", "pas", .authenticationFailure),
        ("user", "passpass", .authenticationFailure), ("none", "", .ok), ("none", "x", .authenticationFailure),
        ("who", "pass", .authenticationFailure),
    ] {
        let request = ZAPRequest(
            address: "127.0.0.1", mechanism: .plain, credentials: [Array(user.utf8), Array(password.utf8)])
        // The decision is async (a handler may await I/O): awaited in a task.
        let decided = runTask(onReactor: false) { await policy.response(to: request).status }
        check(try decided.get() == status, "PLAIN \(user) \(password)")
    }

    // A directory of certificates: each file read into a buffer that is wiped, secret
    // certificates skipped.
    var template = Array("/tmp/swift-zeromq-memcheck-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
        check(false, "mkdtemp")
        return
    }
    let directory = String(cString: made)
    let certificate = "curve\n    public-key = \"\(clientPair.publicKey.z85)\"\n"
    let secretCertificate = certificate + "    secret-key = \"\(serverPair.secretKey.z85)\"\n"
    for (name, contents) in [("client.key", certificate), ("server.key_secret", secretCertificate)] {
        let file = fopen(directory + "/" + name, "w")
        fputs(contents, file)
        fclose(file)
    }
    check(
        try ZAPCurvePolicy.certificates(inDirectory: directory)
            == .certificates([CurveCertificate(publicKey: clientPair.publicKey)]),
        "certificates, without the secret one")

    // Certificate files: the secret key encoded by libzmq into the buffer the file is
    // written from (its NUL overwritten by the closing quote), and decoded from the
    // buffer the file is read into.
    let saved = try CurveCertificate.generate(metadata: ["name": "memcheck"])
    try saved.save(to: directory + "/saved.key")
    check(try CurveCertificate(secretFile: directory + "/saved.key_secret") == saved, "secret certificate round trip")
    check(
        try CurveCertificate(publicFile: directory + "/saved.key") == saved.publicCertificate,
        "public certificate round trip")
    for name in ["client.key", "server.key_secret", "saved.key", "saved.key_secret"] {
        unlink(directory + "/" + name)
    }
    rmdir(directory)
}
