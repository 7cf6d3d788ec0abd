import CZeroMQ

/// Facts about the libzmq that this process is linked against: its version and what
/// it was built with.
///
/// ```swift
/// print(LibZMQ.version)        // 4.3.4
/// if LibZMQ.has(.curve) { print("CURVE security is available") }
/// ```
///
/// (The namespace is not called `ZeroMQ`: a type named after its module would stop
/// `ZeroMQ.Message` and `ZeroMQ.Context` from naming this module's types.)
public enum LibZMQ {
    /// A libzmq version, such as 4.3.4.
    public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var major: Int
        public var minor: Int
        public var patch: Int

        public init(major: Int, minor: Int, patch: Int) {
            self.major = major
            self.minor = minor
            self.patch = patch
        }

        public var description: String { "\(major).\(minor).\(patch)" }

        public static func < (lhs: Version, rhs: Version) -> Bool {
            (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
    }

    /// The version of the libzmq library loaded at run time.
    /// The corresponding C function is `zmq_version`.
    public static var version: Version {
        let (major, minor, patch) = LibraryCalls.version()
        return Version(major: Int(major), minor: Int(minor), patch: Int(patch))
    }

    /// An optional capability of a libzmq build, as `zmq_has` names it.
    public struct Capability: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The `ipc://` transport.
        public static let ipc = Capability(rawValue: "ipc")
        /// The `pgm://` and `epgm://` multicast transports.
        public static let pgm = Capability(rawValue: "pgm")
        /// The `tipc://` transport.
        public static let tipc = Capability(rawValue: "tipc")
        /// The `norm://` transport.
        public static let norm = Capability(rawValue: "norm")
        /// The CURVE security mechanism.
        public static let curve = Capability(rawValue: "curve")
        /// The GSSAPI security mechanism.
        public static let gssapi = Capability(rawValue: "gssapi")
        /// The draft API.
        public static let draft = Capability(rawValue: "draft")

        /// Every capability that libzmq 4.3 can report.
        public static let all: [Capability] = [.ipc, .pgm, .tipc, .norm, .curve, .gssapi, .draft]
    }

    /// Whether the loaded libzmq supports a capability.
    /// The corresponding C function is `zmq_has`.
    public static func has(_ capability: Capability) -> Bool {
        LibraryCalls.has(capability.rawValue)
    }
}
