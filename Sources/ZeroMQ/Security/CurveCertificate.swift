#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A CURVE certificate: a public key, its secret key in a secret certificate, and
/// metadata, kept in files in the format of czmq's `zcert` and pyzmq's `zmq.auth`.
///
/// <!-- snippet: function; prelude: let context = try Context(); let client = try DealerSocket(context) -->
/// ```swift
/// // Once, for each client: a public certificate to hand to the server, and a secret
/// // one (mode 0600) that stays with the client.
/// let certificate = try CurveCertificate.generate(metadata: ["name": "alice"])
/// try certificate.save(to: "/etc/myapp/clients/alice.key")   // and alice.key_secret
///
/// // The client: its key pair, from the secret certificate (a public one has none).
/// let mine = try CurveCertificate(secretFile: "/etc/myapp/clients/alice.key_secret")
/// if let keys = mine.keyPair {
///     try client.setOption(.curvePublicKey, keys.publicKey)
///     try client.setOption(.curveSecretKey, keys.secretKey)
/// }
///
/// // The server: every public certificate of the directory, with its metadata.
/// let policy = ZAPPolicy(curve: try .certificates(inDirectory: "/etc/myapp/clients"))
/// ```
///
/// The files are ZPL text (ZeroMQ RFC 4), as czmq's `zcert_save` writes them and pyzmq's
/// `zmq.auth.create_certificates`: comment lines, a `metadata` section of
/// `name = "value"` lines, and a `curve` section with `public-key` and, in a secret
/// certificate only, `secret-key`, each 40 characters of Z85. ``save(to:)`` writes a
/// public file and a secret file named as czmq does (`<path>` and `<path>_secret`; give a
/// path ending in `.key` for pyzmq's names, `<name>.key` and `<name>.key_secret`). Files
/// written by czmq or pyzmq load here, and theirs load what this type writes.
///
/// A secret key never passes through a `String` or an `Array` on its way from or to a
/// file: files are read into a buffer that is wiped before it is freed, the key is
/// decoded from there into the ``CurveSecretKey``'s own storage, and a secret file is
/// written from a wiped buffer. Printing a certificate shows its public key and metadata
/// only.
public struct CurveCertificate: Sendable, Hashable, CustomStringConvertible {
    /// The public key.
    public let publicKey: CurvePublicKey
    /// The key pair of a secret certificate; `nil` for a public one.
    public let keyPair: CurveKeyPair?
    /// Properties such as `name` or `email`: written in both files, and, when a server's
    /// ``ZAPCurvePolicy/certificates(_:)`` accepts the certificate's key, attached to each
    /// message from that client (``Message/metadata(_:)``), as czmq's `zauth` does.
    ///
    /// A name is letters, digits and `$-_@.&+/`; a value holds no line break, and not
    /// both kinds of quote (ZPL has no escapes).
    public var metadata: [String: String]

    /// A public certificate: a public key and its metadata.
    public init(publicKey: CurvePublicKey, metadata: [String: String] = [:]) {
        self.publicKey = publicKey
        self.keyPair = nil
        self.metadata = metadata
    }

    /// A secret certificate: a key pair and its metadata.
    public init(keyPair: CurveKeyPair, metadata: [String: String] = [:]) {
        self.publicKey = keyPair.publicKey
        self.keyPair = keyPair
        self.metadata = metadata
    }

    /// A secret certificate with a new random key pair.
    ///
    /// The corresponding C function is `zmq_curve_keypair`.
    ///
    /// - Throws: ``ZMQError/notSupported`` when the loaded libzmq was built without CURVE.
    public static func generate(metadata: [String: String] = [:]) throws(ZMQError) -> CurveCertificate {
        CurveCertificate(keyPair: try CurveKeyPair.generate(), metadata: metadata)
    }

    /// The secret key of a secret certificate; `nil` for a public one.
    public var secretKey: CurveSecretKey? {
        keyPair?.secretKey
    }

    /// The certificate without its secret key: what to hand to the other side.
    public var publicCertificate: CurveCertificate {
        CurveCertificate(publicKey: publicKey, metadata: metadata)
    }

    // MARK: Files

    /// Loads a public certificate: the public key and the metadata of a certificate file
    /// (public or secret; a secret key in it is not decoded).
    ///
    /// - Parameter path: A file as ``savePublic(to:)``, czmq's `zcert_save_public` or
    ///   pyzmq's `create_certificates` (`<name>.key`) writes it.
    /// - Throws: the `open` or `read` error naming `path`;
    ///   ``ZMQError/invalidArgument`` naming `path` and what is wrong: no `public-key` in
    ///   a `curve` section, a key that is not 40 characters of Z85, a line that is not ZPL.
    public init(publicFile path: String) throws(ZMQError) {
        let certificate = try CertificateFile.withContents(of: path) { contents throws(ZMQError) in
            try Self.publicCertificate(parsing: contents, path: path)
        }
        guard let certificate else { throw Self.noPublicKey(path) }
        self = certificate
    }

    /// The public certificate in a file's contents, or `nil` when it has no public key.
    static func publicCertificate(
        parsing contents: UnsafeRawBufferPointer, path: String
    ) throws(ZMQError) -> CurveCertificate? {
        let text = try CertificateFile.parse(contents, path: path)
        guard text.publicKey != nil else { return nil }
        return CurveCertificate(publicKey: try publicKey(text, contents, path: path), metadata: text.metadata)
    }

    /// Loads a secret certificate: its key pair and its metadata.
    ///
    /// The secret key goes from the file's wiped buffer into the key's own storage; it is
    /// checked against the file's public key.
    ///
    /// - Parameter path: A file as ``saveSecret(to:)``, czmq's `zcert_save_secret`
    ///   (`<name>_secret`) or pyzmq's `create_certificates` (`<name>.key_secret`) writes
    ///   it.
    /// - Throws: the `open` or `read` error naming `path`;
    ///   ``ZMQError/invalidArgument`` naming `path` and what is wrong: no `public-key` or
    ///   no `secret-key` in a `curve` section, a key that is not 40 characters of Z85 (for
    ///   the secret key, its length or the offset of a bad character, never the
    ///   characters), a secret key that does not belong to the public key;
    ///   ``ZMQError/notSupported`` when the loaded libzmq was built without CURVE.
    public init(secretFile path: String) throws(ZMQError) {
        let (pair, metadata) = try Self.secretContents(of: path)
        self.init(keyPair: pair, metadata: metadata)
    }

    /// The key pair and the metadata of the secret certificate at `path`, checked as
    /// ``init(secretFile:)`` says.
    static func secretContents(of path: String) throws(ZMQError) -> (CurveKeyPair, [String: String]) {
        try CertificateFile.withContents(of: path) { contents throws(ZMQError) in
            let text = try CertificateFile.parse(contents, path: path)
            let publicKey = try Self.publicKey(text, contents, path: path)
            guard let secretRange = text.secretKey else {
                throw ZMQError(
                    EINVAL, operation: "load secret certificate", target: path,
                    reason: "its curve section has no secret-key: it is a public certificate "
                        + "(the secret one is usually \(path)_secret)")
            }
            let secretKey: CurveSecretKey
            do throws(ZMQError) {
                secretKey = try CurveSecretKey(
                    z85Bytes: contents[secretRange], operation: "load secret certificate")
            } catch {
                throw ZMQError(
                    EINVAL, operation: "load secret certificate", target: path,
                    reason:
                        "its secret-key (\(error.target ?? "")) is not a CURVE key: \(error.reason ?? error.message)"
                )
            }
            let pair = try CurveKeyPair(secretKey: secretKey)
            guard pair.publicKey == publicKey else {
                throw ZMQError(
                    EINVAL, operation: "load secret certificate", target: path,
                    reason: "its secret-key does not belong to its public-key")
            }
            return (pair, text.metadata)
        }
    }

    /// Saves the certificate as czmq's `zcert_save` does: the public certificate in
    /// `path`, and, for a secret certificate, the secret one in `path + "_secret"` with
    /// mode 0600.
    ///
    /// Both files get the metadata. An existing file is replaced; an existing secret file
    /// is set to mode 0600 before the secret is written to it.
    ///
    /// - Parameter path: The public file's path; with a name ending in `.key`, the
    ///   files are named as pyzmq's `create_certificates` names them.
    /// - Throws: ``ZMQError/invalidArgument`` naming a metadata name or value that ZPL
    ///   cannot hold; the `open`, `fchmod` or `write` error naming the file.
    public func save(to path: String) throws(ZMQError) {
        try savePublic(to: path)
        if secretKey != nil { try saveSecret(to: path + "_secret") }
    }

    /// Saves the public certificate: the metadata and the public key, never the secret
    /// key.
    ///
    /// - Throws: as ``save(to:)``.
    public func savePublic(to path: String) throws(ZMQError) {
        try CertificateFile.save(
            to: path,
            banner: [
                "****  Generated on \(Self.timestamp()) by swift-zeromq  ****",
                "ZeroMQ CURVE Public Certificate",
                "Hand it to the peers that must recognise this key, over a channel they trust.",
            ], publicKey: publicKey, secretKey: nil, metadata: metadata)
    }

    /// Saves the secret certificate, with mode 0600: the metadata, the public key and
    /// the secret key.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` for a public certificate, which has no
    ///   secret key; otherwise as ``save(to:)``.
    public func saveSecret(to path: String) throws(ZMQError) {
        guard let secretKey else {
            throw ZMQError(
                EINVAL, operation: "save secret certificate", target: path,
                reason: "the certificate has no secret key")
        }
        try CertificateFile.save(
            to: path,
            banner: [
                "****  Generated on \(Self.timestamp()) by swift-zeromq  ****",
                "ZeroMQ CURVE **Secret** Certificate",
                "Keep it to yourself: do not share this file, nor widen its permissions.",
            ], publicKey: publicKey, secretKey: secretKey, metadata: metadata)
    }

    /// The public certificates of a directory (see
    /// ``ZAPCurvePolicy/certificates(inDirectory:)``), sorted by public key.
    ///
    /// - Throws: as ``ZAPCurvePolicy/certificates(inDirectory:)``.
    public static func publicCertificates(inDirectory directory: String) throws(ZMQError) -> [CurveCertificate] {
        try CertificateStore.publicCertificates(inDirectory: directory)
    }

    // MARK: Descriptions and equality

    /// `CurveCertificate(publicKey: <Z85>, secretKey: redacted, metadata: [...])`; a
    /// public certificate says `secretKey: nil`.
    public var description: String {
        let secret = secretKey == nil ? "nil" : "redacted"
        let properties = metadata.sorted(by: { $0.key < $1.key }).map { "\($0.key): \($0.value)" }
        let metadata = properties.joined(separator: ", ")
        return "CurveCertificate(publicKey: \(publicKey.z85), secretKey: \(secret), metadata: [\(metadata)])"
    }

    /// Hashes the public key, the metadata and whether there is a secret key (equal
    /// certificates have equal ones), never the secret key.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(publicKey)
        hasher.combine(metadata)
        hasher.combine(secretKey != nil)
    }

    // MARK: Helpers

    /// The public key of a parsed file.
    private static func publicKey(
        _ text: CertificateText, _ contents: UnsafeRawBufferPointer, path: String
    ) throws(ZMQError) -> CurvePublicKey {
        guard let range = text.publicKey else { throw noPublicKey(path) }
        let z85 = String(decoding: contents[range], as: UTF8.self)
        do throws(ZMQError) {
            return try CurvePublicKey(z85: z85)
        } catch {
            throw ZMQError(
                EINVAL, operation: "load certificate", target: path,
                reason: "its public-key (\(error.target ?? "")) is not a CURVE key: \(error.reason ?? error.message)")
        }
    }

    private static func noPublicKey(_ path: String) -> ZMQError {
        ZMQError(
            EINVAL, operation: "load certificate", target: path,
            reason: "it has no public-key in a curve section: it is not a CURVE certificate")
    }

    /// The local time, as `2026-12-06 09:00:00`.
    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension CurveKeyPair {
    /// Loads the key pair of a secret certificate, as ``CurveCertificate/init(secretFile:)``
    /// does, without its metadata: what a server needs for ``SocketOption/curveSecretKey``.
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let server = try RouterSocket(context) -->
    /// ```swift
    /// let keys = try CurveKeyPair(secretFile: "/etc/broker/broker.key_secret")
    /// try server.setOption(.curveServer, true)
    /// try server.setOption(.curveSecretKey, keys.secretKey)
    /// ```
    ///
    /// - Parameter path: A secret certificate file (`<name>.key_secret`, `<name>_secret`).
    /// - Throws: what ``CurveCertificate/init(secretFile:)`` throws.
    public init(secretFile path: String) throws(ZMQError) {
        (self, _) = try CurveCertificate.secretContents(of: path)
    }
}
