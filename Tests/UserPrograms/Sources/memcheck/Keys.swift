import ZeroMQ

/// Z85 both ways, CURVE key pairs and public-key derivation: each fills a buffer that
/// libzmq writes, with its terminating NUL (5n/4 + 1 bytes for Z85 text, 41 for a key).
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
}
