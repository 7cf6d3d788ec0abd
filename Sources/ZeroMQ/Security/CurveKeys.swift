import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The public half of a CURVE key pair: 32 bytes, written as 40 characters of Z85.
///
/// A public key is not secret: it prints as its Z85 text, and servers hand theirs to
/// clients, which need it to connect.
///
/// ```swift
/// let pair = try CurveKeyPair.generate()
/// print(pair.publicKey)   // rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
/// let same = try CurvePublicKey(z85: pair.publicKey.z85)
/// ```
public struct CurvePublicKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key's 32 bytes.
    public let bytes: [UInt8]

    /// A public key from its 32 bytes.
    ///
    /// - Parameter bytes: Exactly 32 bytes.
    /// - Throws: ``ZMQError/invalidArgument`` when there are not 32 bytes.
    public init(bytes: some Sequence<UInt8>) throws(ZMQError) {
        self.bytes = try curveKeyBytes(bytes, type: "CurvePublicKey")
    }

    /// A public key from its 40 characters of Z85 text.
    ///
    /// The corresponding C function is `zmq_z85_decode`.
    ///
    /// - Parameter z85: Exactly 40 characters of the Z85 alphabet.
    /// - Throws: ``ZMQError/invalidArgument`` naming what is wrong with the text.
    public init(z85: some StringProtocol) throws(ZMQError) {
        try checkKeyTextLength(z85, operation: "CurvePublicKey(z85:)")
        self.bytes = try Z85.decode(z85, operation: "CurvePublicKey(z85:)")
    }

    /// The public key that belongs to `secretKey`.
    ///
    /// The corresponding C function is `zmq_curve_public`.
    ///
    /// - Parameter secretKey: A CURVE secret key.
    /// - Throws: ``ZMQError/notSupported`` when the loaded libzmq was built without
    ///   CURVE.
    public init(secretKey: CurveSecretKey) throws(ZMQError) {
        try requireCurve("zmq_curve_public")
        // Each text is 40 characters and the NUL that libzmq writes after them. The
        // secret's text exists only in a buffer that is wiped before it is freed.
        var publicText = [CChar](repeating: 0, count: 41)
        try withWipedCharacters(count: 41) { secretText throws(ZMQError) in
            try secretKey.withUnsafeBytes { bytes throws(ZMQError) in try z85Encode(bytes, into: secretText) }
            try publicText.withUnsafeMutableBufferPointer { publicText throws(ZMQError) in
                try curvePublic(publicText, from: UnsafeBufferPointer(secretText))
            }
        }
        self = try CurvePublicKey(z85: keyText(publicText))
    }

    /// The key as 40 characters of Z85 text.
    ///
    /// The corresponding C function is `zmq_z85_encode`.
    public var z85: String {
        // 32 bytes are a multiple of 4: encoding cannot fail.
        (try? Z85.encode(bytes)) ?? ""
    }

    /// Calls `body` with the key's 32 bytes.
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        // `Array.withUnsafeBytes` rethrows untyped errors; carry the typed one out in a Result.
        try bytes.withUnsafeBytes { bytes in Result { () throws(E) -> R in try body(bytes) } }.get()
    }

    /// The key's Z85 text.
    public var description: String { z85 }

    /// The key's Z85 text, named: `CurvePublicKey(rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7)`.
    public var debugDescription: String { "CurvePublicKey(\(z85))" }
}

/// The secret half of a CURVE key pair: 32 bytes that must stay secret.
///
/// A secret key never shows itself by accident: `print`, string interpolation,
/// `String(reflecting:)`, `dump` and the debugger's summary all give
/// `CurveSecretKey(redacted)`, and an error about malformed secret-key text gives
/// offsets, never characters or what they stand for.
///
/// Its bytes live in one allocation of their own, shared by every copy of the key, and
/// are overwritten with zeros when the last copy goes. Generating a key, deriving its
/// public key and setting ``SocketOption/curveSecretKey`` make no other copy that
/// outlives the call: where libzmq needs the key as Z85 text, that text is in a
/// buffer wiped before it is freed. Only what you ask for is a copy that this type
/// cannot wipe: ``z85`` (a `String`) and ``bytes`` (an `Array`). To read the bytes
/// without copying them, use ``withUnsafeBytes(_:)``.
///
/// Equality compares every byte, whatever the first difference, so that comparing
/// keys does not reveal through its timing how much of a key matched.
public struct CurveSecretKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let storage: SecretKeyStorage

    /// A secret key from its 32 bytes, copied into the key's own storage.
    ///
    /// - Parameter bytes: Exactly 32 bytes.
    /// - Throws: ``ZMQError/invalidArgument`` when there are not 32 bytes.
    public init(bytes: some Sequence<UInt8>) throws(ZMQError) {
        storage = try SecretKeyStorage.make { destination throws(ZMQError) in
            // Straight into the storage, with no array in between.
            var count = 0
            for byte in bytes {
                if count < destination.count { destination[count] = byte }
                count += 1
            }
            guard count == destination.count else {
                throw ZMQError(
                    EINVAL, operation: "CurveSecretKey(bytes:)", target: "\(count) bytes",
                    reason: "a CURVE key is \(curveKeyLength) bytes")
            }
        }
    }

    /// A secret key from its 40 characters of Z85 text.
    ///
    /// An error gives the offset of a bad character or group, never the characters or
    /// what they stand for. The corresponding C function is `zmq_z85_decode`.
    ///
    /// - Parameter z85: Exactly 40 characters of the Z85 alphabet.
    /// - Throws: ``ZMQError/invalidArgument`` naming what is wrong with the text.
    public init(z85: some StringProtocol) throws(ZMQError) {
        let operation = "CurveSecretKey(z85:)"
        try checkKeyTextLength(z85, operation: operation)
        storage = try withWipedCharacters(count: curveKeyTextLength + 1) { ascii throws(ZMQError) in
            _ = try Z85.check(z85, operation: operation, showCharacters: false, into: ascii)
            return try SecretKeyStorage.make { bytes throws(ZMQError) in
                try z85Decode(UnsafeBufferPointer(ascii), characters: curveKeyTextLength, into: bytes)
            }
        }
    }

    /// A secret key from its Z85 text as bytes where they are (in a file read into a
    /// buffer that is wiped), copied only into a wiped buffer and then the key's storage.
    ///
    /// An error gives the length or the offset of a bad character, never the characters.
    init(z85Bytes text: Slice<UnsafeRawBufferPointer>, operation: String) throws(ZMQError) {
        guard text.count == curveKeyTextLength else {
            throw ZMQError(
                EINVAL, operation: operation, target: "\(text.count) characters",
                reason: "a CURVE key in Z85 is \(curveKeyTextLength) characters")
        }
        storage = try withWipedCharacters(count: curveKeyTextLength + 1) { ascii throws(ZMQError) in
            _ = try Z85.check(
                scalars: text.lazy.map(Unicode.Scalar.init), operation: operation, showCharacters: false, into: ascii)
            return try SecretKeyStorage.make { bytes throws(ZMQError) in
                try z85Decode(UnsafeBufferPointer(ascii), characters: curveKeyTextLength, into: bytes)
            }
        }
    }

    /// The secret key whose Z85 text libzmq wrote in `text` (40 characters and a NUL).
    init(libzmqText text: UnsafeBufferPointer<CChar>) throws(ZMQError) {
        storage = try SecretKeyStorage.make { bytes throws(ZMQError) in
            try z85Decode(text, characters: curveKeyTextLength, into: bytes)
        }
    }

    /// A copy of the key's 32 bytes: **the secret itself**, in an ordinary array that is
    /// not wiped when it goes. Keep it out of logs; prefer ``withUnsafeBytes(_:)``.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Calls `body` with the key's 32 bytes where the key keeps them, without copying
    /// them: **the secret itself**.
    ///
    /// - Parameter body: A closure that reads the bytes; the buffer is valid only while
    ///   it runs, and must not escape it.
    /// - Returns: What `body` returns.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try storage.withUnsafeBytes(body)
    }

    /// The key as 40 characters of Z85 text: **the secret itself**, as it goes in a
    /// key file, in a `String` that is not wiped when it goes. Keep it out of logs.
    ///
    /// The corresponding C function is `zmq_z85_encode`.
    public var z85: String {
        // 32 bytes are a multiple of 4: encoding cannot fail.
        withUnsafeBytes { bytes in (try? Z85.encode(bytes)) ?? "" }
    }

    /// The public key that belongs to this secret key.
    ///
    /// The corresponding C function is `zmq_curve_public`.
    ///
    /// - Throws: ``ZMQError/notSupported`` when the loaded libzmq was built without
    ///   CURVE.
    public func publicKey() throws(ZMQError) -> CurvePublicKey {
        try CurvePublicKey(secretKey: self)
    }

    /// `CurveSecretKey(redacted)`: never the key.
    public var description: String { "CurveSecretKey(redacted)" }

    /// `CurveSecretKey(redacted)`: never the key.
    public var debugDescription: String { description }

    /// A mirror with no children, so that `dump` and debuggers do not show the bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Whether two secret keys are the same, comparing all 32 bytes whatever the
    /// first difference.
    public static func == (lhs: CurveSecretKey, rhs: CurveSecretKey) -> Bool {
        lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { right in secretsEqual(left, right) } }
    }
}

/// A CURVE key pair: a ``CurvePublicKey`` and the ``CurveSecretKey`` it belongs to.
///
/// ```swift
/// let server = try CurveKeyPair.generate()
/// print(server.publicKey)   // give this to clients
/// print(server)             // CurveKeyPair(publicKey: rq:rM>…, secretKey: redacted)
/// ```
///
/// Printing a pair shows its public key only.
public struct CurveKeyPair: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The public key, to hand to peers.
    public let publicKey: CurvePublicKey

    /// The secret key, to keep.
    public let secretKey: CurveSecretKey

    /// A new random key pair.
    ///
    /// The corresponding C function is `zmq_curve_keypair`.
    ///
    /// - Throws: ``ZMQError/notSupported`` when the loaded libzmq was built without
    ///   CURVE.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        try requireCurve("zmq_curve_keypair")
        // libzmq writes 40 characters and a NUL for each key: 41 bytes, not 40. The
        // secret's text exists only in a buffer that is wiped before it is freed.
        var publicText = [CChar](repeating: 0, count: 41)
        let secretKey = try withWipedCharacters(count: 41) { secretText throws(ZMQError) in
            try publicText.withUnsafeMutableBufferPointer { publicText throws(ZMQError) in
                try curveKeypair(publicText: publicText, secretText: secretText)
            }
            return try CurveSecretKey(libzmqText: UnsafeBufferPointer(secretText))
        }
        let publicKey = try CurvePublicKey(z85: keyText(publicText))
        return CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// The pair of `secretKey` and the public key derived from it.
    ///
    /// The corresponding C function is `zmq_curve_public`.
    ///
    /// - Parameter secretKey: A CURVE secret key.
    /// - Throws: ``ZMQError/notSupported`` when the loaded libzmq was built without
    ///   CURVE.
    public init(secretKey: CurveSecretKey) throws(ZMQError) {
        self.publicKey = try CurvePublicKey(secretKey: secretKey)
        self.secretKey = secretKey
    }

    private init(publicKey: CurvePublicKey, secretKey: CurveSecretKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// `CurveKeyPair(publicKey: <Z85>, secretKey: redacted)`.
    public var description: String { "CurveKeyPair(publicKey: \(publicKey.z85), secretKey: redacted)" }

    /// The same as ``description``.
    public var debugDescription: String { description }
}

// MARK: - Validation

/// The length of a CURVE key in bytes.
private let curveKeyLength = 32

/// The length of a CURVE key's Z85 text.
private let curveKeyTextLength = curveKeyLength / 4 * 5

/// The 40 characters of Z85 that libzmq wrote in `buffer`, before its NUL: a public key.
private func keyText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(curveKeyTextLength).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func requireCurve(_ operation: String) throws(ZMQError) {
    guard LibZMQ.has(.curve) else {
        throw ZMQError(
            CZMQ_ENOTSUP, operation: operation,
            reason: "the loaded libzmq was built without CURVE (zmq_has says it lacks \"curve\"); "
                + "build it with libsodium")
    }
}

private func curveKeyBytes(_ bytes: some Sequence<UInt8>, type: String) throws(ZMQError) -> [UInt8] {
    let bytes = Array(bytes)
    guard bytes.count == curveKeyLength else {
        throw ZMQError(
            EINVAL, operation: "\(type)(bytes:)", target: "\(bytes.count) bytes",
            reason: "a CURVE key is \(curveKeyLength) bytes")
    }
    return bytes
}

private func checkKeyTextLength(_ z85: some StringProtocol, operation: String) throws(ZMQError) {
    let length = z85.unicodeScalars.count
    guard length == curveKeyTextLength else {
        throw ZMQError(
            EINVAL, operation: operation, target: "\(length) characters",
            reason: "a CURVE key in Z85 is \(curveKeyTextLength) characters")
    }
}
