#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The security mechanism a peer authenticates with, as a ZAP request names it.
///
/// The ZAP request's mechanism frame (RFC 27/ZAP): `"NULL"`, `"PLAIN"`, `"CURVE"` or
/// `"GSSAPI"`.
public struct ZAPMechanism: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The mechanism's name, as the request's frame spells it.
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// No authentication (`ZMQ_NULL`); libzmq asks ZAP only when the server socket has a
    /// ZAP domain (`ZMQ_ZAP_DOMAIN`).
    public static let null = ZAPMechanism(rawValue: "NULL")
    /// A user name and a password in clear text (`ZMQ_PLAIN`).
    public static let plain = ZAPMechanism(rawValue: "PLAIN")
    /// The client's long-term CURVE public key (`ZMQ_CURVE`).
    public static let curve = ZAPMechanism(rawValue: "CURVE")
    /// A GSSAPI principal (`ZMQ_GSSAPI`).
    public static let gssapi = ZAPMechanism(rawValue: "GSSAPI")

    public var description: String { rawValue }
}

/// A ZAP status code: the outcome of an authentication (RFC 27/ZAP).
///
/// libzmq accepts the peer on 200 only; on the others it refuses the handshake and
/// reports `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` with the code to the socket's monitor.
public struct ZAPStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The three-digit code.
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// 200: the peer is authenticated.
    public static let ok = ZAPStatus(rawValue: 200)
    /// 300: a temporary error (a credentials store cannot be reached, say); the peer may
    /// try again.
    public static let temporaryError = ZAPStatus(rawValue: 300)
    /// 400: the peer failed authentication.
    public static let authenticationFailure = ZAPStatus(rawValue: 400)
    /// 500: the handler failed, or the request was malformed.
    public static let internalError = ZAPStatus(rawValue: 500)

    public var description: String { String(rawValue) }
}

/// A ZAP request: what libzmq asks an authenticator about a peer in the middle of its
/// handshake (RFC 27/ZAP).
public struct ZAPRequest: Sendable {
    /// The request id, echoed in the reply.
    public let requestID: [UInt8]
    /// The server socket's ZAP domain (`ZMQ_ZAP_DOMAIN`), empty when it has none.
    public let domain: String
    /// The peer's address: its IP address, without the port, for tcp.
    public let address: String
    /// The request's identity frame: libzmq 4.3 sends the server socket's own
    /// `ZMQ_ROUTING_ID` there (`zap_client.cpp`), not the peer's, so it is usually empty
    /// and never tells peers apart.
    public let routingID: [UInt8]
    /// The mechanism the peer authenticates with.
    public let mechanism: ZAPMechanism
    /// The mechanism's credentials frames: none for NULL, the user name and password for
    /// PLAIN, the client's 32-byte public key for CURVE, the principal for GSSAPI.
    public let credentials: [[UInt8]]

    /// Creates a request, as the authenticator decodes one, for example to test a
    /// ``ZAPPolicy/handler``.
    public init(
        requestID: [UInt8] = [], domain: String = "", address: String, routingID: [UInt8] = [],
        mechanism: ZAPMechanism, credentials: [[UInt8]] = []
    ) {
        self.requestID = requestID
        self.domain = domain
        self.address = address
        self.routingID = routingID
        self.mechanism = mechanism
        self.credentials = credentials
    }

    /// The PLAIN user name, for a PLAIN request.
    public var username: String? {
        mechanism == .plain && credentials.count == 2 ? String(decoding: credentials[0], as: UTF8.self) : nil
    }

    /// The PLAIN password, for a PLAIN request.
    public var password: String? {
        mechanism == .plain && credentials.count == 2 ? String(decoding: credentials[1], as: UTF8.self) : nil
    }

    /// The client's long-term public key, for a CURVE request.
    public var curvePublicKey: CurvePublicKey? {
        guard mechanism == .curve, credentials.count == 1 else { return nil }
        return try? CurvePublicKey(bytes: credentials[0])
    }
}

/// A ZAP reply: a status, a text that says why, the User-Id, and metadata, which
/// libzmq attaches to every message from the peer (RFC 27/ZAP).
///
/// Receivers read the User-Id with ``Message/userID`` and each metadata property with
/// ``Message/metadata(_:)``:
///
/// ```swift
/// let policy = ZAPPolicy(handler: { request in
///     .allow(userID: request.username ?? "", metadata: ["Role": "admin"])
/// })
/// // ... on the server socket, for each message from that peer:
/// // message.metadata("Role") == "admin"
/// ```
public struct ZAPResponse: Sendable, Hashable {
    /// The status code.
    public var status: ZAPStatus
    /// A human-readable text for the status (libzmq only logs it).
    public var statusText: String
    /// The User-Id, meaningful with ``ZAPStatus/ok`` only.
    public var userID: String
    /// Properties that libzmq attaches, with the User-Id, to every message from the peer
    /// (the reply's metadata frame, in ZMTP's metadata encoding), as czmq's `zauth` does
    /// with a certificate's metadata. Meaningful with ``ZAPStatus/ok`` only.
    ///
    /// A name is 1 to 255 bytes of UTF-8. Names that libzmq fills in or checks itself
    /// (`User-Id`, `Socket-Type`, `Identity`, `Routing-Id`, `Peer-Address`, in any
    /// case) are refused: the authenticator then replies 500 instead, with a status text
    /// that names the property. A value is read back as a C string, up to its first NUL.
    public var metadata: [String: String]

    public init(status: ZAPStatus, statusText: String, userID: String = "", metadata: [String: String] = [:]) {
        self.status = status
        self.statusText = statusText
        self.userID = userID
        self.metadata = metadata
    }

    /// Accepts the peer (200) as `userID`, with `metadata` on each of its messages.
    public static func allow(userID: String = "", metadata: [String: String] = [:]) -> ZAPResponse {
        ZAPResponse(status: .ok, statusText: "OK", userID: userID, metadata: metadata)
    }

    /// Refuses the peer (400).
    public static func deny(_ reason: String = "Access denied") -> ZAPResponse {
        ZAPResponse(status: .authenticationFailure, statusText: reason)
    }

    /// Refuses the peer for now (300).
    public static func temporaryError(_ reason: String) -> ZAPResponse {
        ZAPResponse(status: .temporaryError, statusText: reason)
    }

    /// Refuses the peer because the handler failed (500).
    public static func internalError(_ reason: String) -> ZAPResponse {
        ZAPResponse(status: .internalError, statusText: reason)
    }
}

extension ZAPResponse {
    /// The names libzmq sets or checks itself, lowercased: a ZAP reply must not carry them.
    private static let reservedNames: Set<String> = [
        "user-id", "socket-type", "identity", "routing-id", "peer-address",
    ]

    /// The reply's metadata frame: each property as a 1-byte name length, the name, a
    /// 4-byte big-endian value length and the value (ZMTP 3.0's metadata encoding),
    /// sorted by name.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` naming the property whose name is empty,
    ///   longer than 255 bytes or reserved.
    func metadataFrame() throws(ZMQError) -> [UInt8] {
        var frame: [UInt8] = []
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let nameBytes = Array(name.utf8)
            guard (1...255).contains(nameBytes.count) else {
                throw ZMQError(
                    EINVAL, operation: "ZAP reply", target: "metadata \"\(name)\"",
                    reason: "a metadata name is 1 to 255 bytes, and it is \(nameBytes.count)")
            }
            guard !Self.reservedNames.contains(name.lowercased()) else {
                throw ZMQError(
                    EINVAL, operation: "ZAP reply", target: "metadata \"\(name)\"",
                    reason: "libzmq sets \(name) itself" + (name.lowercased() == "user-id" ? "; use userID" : ""))
            }
            let valueBytes = Array(value.utf8)
            guard valueBytes.count <= Int(UInt32.max) else {
                throw ZMQError(
                    EINVAL, operation: "ZAP reply", target: "metadata \"\(name)\"",
                    reason: "a metadata value is at most 4 GiB")
            }
            frame.append(UInt8(nameBytes.count))
            frame += nameBytes
            withUnsafeBytes(of: UInt32(valueBytes.count).bigEndian) { frame += $0 }
            frame += valueBytes
        }
        return frame
    }
}

/// Which CURVE clients a ``ZAPPolicy`` accepts.
public enum ZAPCurvePolicy: Sendable, Hashable {
    /// Every client that completes the CURVE handshake (it knows the server's public
    /// key): the link is encrypted, but clients are not told apart.
    case anyKey
    /// The clients whose long-term public key is in the set.
    case keys(Set<CurvePublicKey>)
    /// The clients whose long-term public key is one of these certificates'; the reply
    /// carries the client's certificate's ``CurveCertificate/metadata``, which libzmq
    /// attaches to each of its messages (``Message/metadata(_:)``), as czmq's `zauth`
    /// does.
    case certificates([CurveCertificate])

    /// The clients whose public keys are in the certificates of `directory`, read now,
    /// each with its metadata (see ``certificates(_:)``).
    ///
    /// A certificate is a file in czmq's format (ZPL, as `zcert_save_public` writes it and
    /// pyzmq's `zmq.auth.create_certificates` too; see ``CurveCertificate``): a `curve`
    /// section with a `public-key = "<40 characters of Z85>"` line. Every regular file
    /// whose name does not start with a dot is read, except secret certificates, whose
    /// names end in `_secret` (as czmq's `zcertstore` skips them); files without a
    /// `curve` section's public key are skipped. A file is read into a buffer that is
    /// wiped afterwards, and no secret key in it is decoded. To pick up new
    /// certificates, read the directory again and
    /// ``Authenticator/setPolicy(_:forDomain:)``.
    ///
    /// - Throws: the `opendir` or `open` error for a directory or file that cannot be
    ///   read; ``ZMQError/invalidArgument`` naming the file whose public key is not
    ///   valid Z85 of 32 bytes, or whose metadata is not ZPL.
    public static func certificates(inDirectory directory: String) throws(ZMQError) -> ZAPCurvePolicy {
        .certificates(try CurveCertificate.publicCertificates(inDirectory: directory))
    }

    /// The answer to a client that completed the CURVE handshake with `key`.
    func response(to key: CurvePublicKey) -> ZAPResponse {
        switch self {
        case .anyKey:
            return .allow(userID: key.z85)
        case .keys(let keys):
            return keys.contains(key) ? .allow(userID: key.z85) : .deny("Unknown public key")
        case .certificates(let certificates):
            guard let certificate = certificates.first(where: { $0.publicKey == key }) else {
                return .deny("Unknown public key")
            }
            return .allow(userID: key.z85, metadata: certificate.metadata)
        }
    }
}

/// How an ``Authenticator`` answers the ZAP requests of one domain.
///
/// A request is decided in this order:
/// 1. The peer's address: when ``allowedAddresses`` is not empty, only those pass;
///    otherwise an address in ``deniedAddresses`` is refused. Refused: 400.
/// 2. The mechanism: NULL passes (the address was the check); PLAIN is checked against
///    ``plainPasswords`` (User-Id: the user name) and CURVE against ``curve`` (User-Id:
///    the key's Z85), when they are set.
/// 3. Anything the policy does not decide (PLAIN without ``plainPasswords``, CURVE
///    without ``curve``, GSSAPI, another mechanism) goes to ``handler``, or is refused
///    (400) without one.
public struct ZAPPolicy: Sendable {
    /// The only peer addresses that pass, when not empty (for tcp, IP addresses such as
    /// `"127.0.0.1"`, without a port).
    public var allowedAddresses: Set<String>
    /// The peer addresses refused, when ``allowedAddresses`` is empty.
    public var deniedAddresses: Set<String>
    /// PLAIN passwords by user name; `nil` leaves PLAIN to ``handler``.
    ///
    /// A password matches when the client sent exactly its UTF-8 bytes (no Unicode
    /// normalisation), and the comparison takes a time that depends on the length of
    /// what the client sent only: not on where the first difference is, nor on the
    /// stored password's length.
    public var plainPasswords: [String: String]?
    /// The CURVE clients accepted; `nil` leaves CURVE to ``handler``.
    public var curve: ZAPCurvePolicy?
    /// The last resort, for the requests the policy does not decide: a decision that may
    /// need I/O (a key looked up in a database or another service), so it is `async`. A
    /// synchronous closure fits it too.
    ///
    /// Each request it decides runs it in a task of its own, whose executor is the
    /// authenticator's thread: it needs no thread of Swift's cooperative pool. While the
    /// handler awaits, the thread answers other requests, and its reply goes out when it
    /// comes: a slow lookup delays only the handshake that waits for it (libzmq matches
    /// each reply to its handshake, whatever the order). What the handler does without
    /// awaiting blocks the thread, and every other request, as a synchronous handler
    /// does: await I/O, do not block on it. While it runs, the peer's handshake waits:
    /// bound what it awaits with a timeout of your own, shorter than the server socket's
    /// `.handshakeInterval` (`ZMQ_HANDSHAKE_IVL`, 30 seconds by default), after which
    /// libzmq drops the connection anyway.
    ///
    /// ``Authenticator/stop()-5n2pa`` waits for a handler that runs on the thread (until
    /// it returns or awaits); the tasks of handlers that await are cancelled, and their
    /// answers dropped.
    public var handler: (@Sendable (ZAPRequest) async -> ZAPResponse)?

    public init(
        allowedAddresses: Set<String> = [], deniedAddresses: Set<String> = [],
        plainPasswords: [String: String]? = nil, curve: ZAPCurvePolicy? = nil,
        handler: (@Sendable (ZAPRequest) async -> ZAPResponse)? = nil
    ) {
        self.allowedAddresses = allowedAddresses
        self.deniedAddresses = deniedAddresses
        self.plainPasswords = plainPasswords
        self.curve = curve
        self.handler = handler
    }

    /// The answer to `request` under this policy: the policy's own decision, or, for
    /// what it leaves open, what ``handler`` answers.
    public func response(to request: ZAPRequest) async -> ZAPResponse {
        switch decision(for: request) {
        case .decided(let response): response
        case .handler(let handler): await handler(request)
        }
    }

    /// What the policy decides by itself, or the handler that must decide.
    enum Decision {
        case decided(ZAPResponse)
        case handler(@Sendable (ZAPRequest) async -> ZAPResponse)
    }

    /// The policy's decision for `request`, made at once.
    func decision(for request: ZAPRequest) -> Decision {
        if !allowedAddresses.isEmpty {
            guard allowedAddresses.contains(request.address) else { return .decided(.deny("Address not allowed")) }
        } else if deniedAddresses.contains(request.address) {
            return .decided(.deny("Address denied"))
        }
        switch request.mechanism {
        case .null:
            return .decided(.allow())
        case .plain:
            guard let plainPasswords else { break }
            guard let username = request.username else {
                return .decided(.internalError("Malformed PLAIN credentials"))
            }
            // An unknown user is compared with an empty password, so that it takes as long.
            let expected = plainPasswords[username]
            guard plainPassword(request.credentials[1], matches: expected ?? ""), expected != nil else {
                return .decided(.deny("Invalid user name or password"))
            }
            return .decided(.allow(userID: username))
        case .curve:
            guard let curve else { break }
            guard let key = request.curvePublicKey else {
                return .decided(.internalError("Malformed CURVE credentials"))
            }
            return .decided(curve.response(to: key))
        default:
            break
        }
        guard let handler else { return .decided(.deny("\(request.mechanism) is not configured")) }
        return .handler(handler)
    }
}

/// Whether the PLAIN password a client sent is `expected`'s UTF-8 bytes, compared in
/// constant time (``secretsEqual(_:_:)``).
private func plainPassword(_ given: [UInt8], matches expected: String) -> Bool {
    var expected = expected
    return expected.withUTF8 { expected in
        given.withUnsafeBytes { given in secretsEqual(given, UnsafeRawBufferPointer(expected)) }
    }
}
