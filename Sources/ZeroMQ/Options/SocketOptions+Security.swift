import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The security options: NULL (the default), PLAIN, CURVE and GSSAPI, and the ZAP domain.
// Which side sets what is in Docs/Security.md.

// MARK: - CURVE

extension SocketOption where Value == Bool, Access == OptionAccess.ReadWrite {
    /// Makes the socket a CURVE server: it needs its secret key
    /// (``SocketOption/curveSecretKey``), and its clients need its public key. Set it before
    /// binding or connecting. The corresponding C option is `ZMQ_CURVE_SERVER`.
    public static var curveServer: Self { .init(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER", .bool) }

    /// Makes the socket a PLAIN server, which asks the ZAP handler (an ``Authenticator``)
    /// to check each client's username and password. The corresponding C option is
    /// `ZMQ_PLAIN_SERVER`.
    public static var plainServer: Self { .init(ZMQ_PLAIN_SERVER, "ZMQ_PLAIN_SERVER", .bool) }

    /// Makes the socket a GSSAPI server. The corresponding C option is `ZMQ_GSSAPI_SERVER`.
    public static var gssapiServer: Self { .init(ZMQ_GSSAPI_SERVER, "ZMQ_GSSAPI_SERVER", .bool) }

    /// GSSAPI without encryption, authentication only. The corresponding C option is
    /// `ZMQ_GSSAPI_PLAINTEXT`.
    public static var gssapiPlaintext: Self { .init(ZMQ_GSSAPI_PLAINTEXT, "ZMQ_GSSAPI_PLAINTEXT", .bool) }
}

extension SocketOption where Value == CurvePublicKey, Access == OptionAccess.ReadWrite {
    /// The socket's own long-term public key, on a CURVE client. The corresponding C
    /// option is `ZMQ_CURVE_PUBLICKEY`.
    public static var curvePublicKey: Self { .init(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", .curveKey()) }

    /// The server's public key, on a CURVE client: the client connects only to the
    /// server that holds the matching secret key. The corresponding C option is
    /// `ZMQ_CURVE_SERVERKEY`.
    public static var curveServerKey: Self { .init(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", .curveKey()) }
}

extension SocketOption where Value == CurveSecretKey, Access == OptionAccess.ReadWrite {
    /// The socket's own long-term secret key, on a CURVE server and on a CURVE client.
    /// Errors about it never show the key. The corresponding C option is
    /// `ZMQ_CURVE_SECRETKEY`.
    public static var curveSecretKey: Self { .init(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", .curveKey()) }
}

// MARK: - PLAIN, ZAP and GSSAPI names

extension SocketOption where Value == String, Access == OptionAccess.ReadWrite {
    /// The username a PLAIN client sends. The corresponding C option is
    /// `ZMQ_PLAIN_USERNAME`.
    public static var plainUsername: Self { .init(ZMQ_PLAIN_USERNAME, "ZMQ_PLAIN_USERNAME", .string) }

    /// The password a PLAIN client sends, in clear: use PLAIN only on networks you trust,
    /// or prefer CURVE. Errors about it never show the password. The corresponding C
    /// option is `ZMQ_PLAIN_PASSWORD`.
    public static var plainPassword: Self { .init(ZMQ_PLAIN_PASSWORD, "ZMQ_PLAIN_PASSWORD", .secretString) }

    /// The ZAP domain of a server socket: the ``Authenticator`` applies the policy of this
    /// domain. Setting one also makes libzmq ask the authenticator about NULL clients.
    /// The corresponding C option is `ZMQ_ZAP_DOMAIN`.
    public static var zapDomain: Self { .init(ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", .string) }

    /// The GSSAPI principal of the socket. The corresponding C option is
    /// `ZMQ_GSSAPI_PRINCIPAL`.
    public static var gssapiPrincipal: Self { .init(ZMQ_GSSAPI_PRINCIPAL, "ZMQ_GSSAPI_PRINCIPAL", .string) }

    /// The GSSAPI principal of the server a client connects to. The corresponding C
    /// option is `ZMQ_GSSAPI_SERVICE_PRINCIPAL`.
    public static var gssapiServicePrincipal: Self {
        .init(ZMQ_GSSAPI_SERVICE_PRINCIPAL, "ZMQ_GSSAPI_SERVICE_PRINCIPAL", .string)
    }
}

extension SocketOption where Value == GSSAPINameType, Access == OptionAccess.ReadWrite {
    /// How ``SocketOption/gssapiPrincipal`` is to be read. The corresponding C option is
    /// `ZMQ_GSSAPI_PRINCIPAL_NAMETYPE`.
    public static var gssapiPrincipalNameType: Self {
        .init(ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, "ZMQ_GSSAPI_PRINCIPAL_NAMETYPE", .gssapiNameType)
    }

    /// How ``SocketOption/gssapiServicePrincipal`` is to be read. The corresponding C
    /// option is `ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE`.
    public static var gssapiServicePrincipalNameType: Self {
        .init(ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, "ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE", .gssapiNameType)
    }
}

/// How a GSSAPI principal name is to be read. The corresponding C values are
/// `ZMQ_GSSAPI_NT_HOSTBASED`, `ZMQ_GSSAPI_NT_USER_NAME` and
/// `ZMQ_GSSAPI_NT_KRB5_PRINCIPAL`.
public enum GSSAPINameType: Int32, Sendable, Hashable {
    /// A host-based service name, such as `zmq@server.example`: the default.
    case hostBased = 0
    /// A user name.
    case userName = 1
    /// A Kerberos principal, such as `zmq/server.example@REALM`.
    case kerberosPrincipal = 2
}

// MARK: - Codecs

extension SocketOptionCodec where Value == GSSAPINameType {
    static var gssapiNameType: Self {
        .scalar(
            Int32.self, encode: { $0.rawValue },
            decode: { (raw: Int32) throws(ZMQError) -> GSSAPINameType in
                guard let type = GSSAPINameType(rawValue: raw) else {
                    throw ZMQError(
                        EINVAL, operation: "getsockopt", target: "GSSAPI name type \(raw)",
                        reason: "not a name type libzmq 4.3 knows")
                }
                return type
            })
    }
}

extension SocketOptionCodec where Value == String {
    /// A C string that is a secret: errors name the option, never the value.
    static var secretString: Self {
        let plain = SocketOptionCodec.string
        return SocketOptionCodec(
            get: plain.get,
            set: { calls, option, name, value throws(ZMQError) in
                let raw = Array(value.utf8)
                if let error = raw.withUnsafeBytes({ calls.setOption(option, $0) }) {
                    throw ZMQError(error.code, operation: "setsockopt", target: "\(name) (value not shown)")
                }
            })
    }
}

/// A CURVE key, as the key options carry it: 32 bytes both ways.
protocol CurveKeyOptionValue: Sendable {
    /// The key's bytes where the key keeps them: a secret key's are not copied.
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R
    init(bytes: some Sequence<UInt8>) throws(ZMQError)
}

extension CurvePublicKey: CurveKeyOptionValue {}
extension CurveSecretKey: CurveKeyOptionValue {}

extension SocketOptionCodec where Value: CurveKeyOptionValue {
    /// A CURVE key as its 32 binary bytes (libzmq also takes 40 Z85 characters; the key
    /// types hold bytes). Errors name the option and print the key as its type does,
    /// which for a secret key is "redacted".
    static func curveKey() -> Self {
        SocketOptionCodec(
            get: { calls, option, name throws(ZMQError) in
                var buffer = [UInt8](repeating: 0, count: 32)
                // A secret key read back is copied into its own storage: wipe this copy.
                defer { buffer.withUnsafeMutableBytes { wipe($0) } }
                var size = 0
                if let error = buffer.withUnsafeMutableBytes({ calls.getOption(option, into: $0, size: &size) }) {
                    throw ZMQError(error.code, operation: "getsockopt", target: name)
                }
                return try Value(bytes: buffer.prefix(size))
            },
            set: { calls, option, name, value throws(ZMQError) in
                if let error = value.withUnsafeBytes({ calls.setOption(option, $0) }) {
                    throw ZMQError(error.code, operation: "setsockopt", target: "\(name) = \(value)")
                }
            })
    }
}
