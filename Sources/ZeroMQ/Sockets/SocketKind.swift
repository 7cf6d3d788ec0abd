import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A kind of socket as a value: what ``DynamicSocket`` is created with when the kind is
/// read from a flag or a configuration file, and what every ``Socket`` reports as its
/// ``Socket/kind``.
///
/// <!-- snippet: function; prelude: let context = try Context() -->
/// ```swift
/// let kind = try SocketKind(name: "router")     // or SocketKind(cType: ZMQ_ROUTER)
/// let socket = try DynamicSocket(context, kind: kind)
/// ```
public struct SocketKind: Hashable, Sendable, CustomStringConvertible {
    /// The libzmq socket type, such as `ZMQ_PUB`.
    public let rawValue: Int32
    /// The libzmq name of the type, such as `"PUB"`.
    public let name: String

    /// A kind that swift-zeromq does not name, such as a draft socket type of a newer
    /// libzmq, with what its sockets can do.
    public init(rawValue: Int32, name: String, canSend: Bool, canReceive: Bool, canSubscribe: Bool = false) {
        self.rawValue = rawValue
        self.name = name
        var abilities: Abilities = []
        if canSend { abilities.insert(.send) }
        if canReceive || canSubscribe { abilities.insert(.receive) }
        if canSubscribe { abilities.insert(.subscribe) }
        self.abilities = abilities
    }

    /// The kind of a libzmq socket type, such as `ZMQ_PUB`.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` for a number that is not one of the twelve
    ///   stable socket types, naming it.
    public init(cType: Int32) throws(ZMQError) {
        guard let kind = SocketKind.all.first(where: { $0.rawValue == cType }) else {
            throw ZMQError(
                EINVAL, operation: "SocketKind", target: "\(cType)",
                reason: "not a libzmq socket type; the types are \(SocketKind.allNames)")
        }
        self = kind
    }

    /// The kind named `name`, as libzmq names it, in any case: `"PUB"`, `"router"`,
    /// `"xSub"`.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` for an unknown name, naming it.
    public init(name: String) throws(ZMQError) {
        let upper = name.uppercased()
        guard let kind = SocketKind.all.first(where: { $0.name == upper }) else {
            throw ZMQError(
                EINVAL, operation: "SocketKind", target: "\"\(name)\"",
                reason: "not a socket type; the types are \(SocketKind.allNames)")
        }
        self = kind
    }

    /// The kind of the typed sockets `Socket<Kind>`.
    public init<Kind: SocketTypeProtocol>(_: Kind.Type) {
        self.init(
            rawValue: Kind.rawValue, name: Kind.name, canSend: Kind.self is any SendingSocketType.Type,
            canReceive: Kind.self is any ReceivingSocketType.Type,
            canSubscribe: Kind.self is any SubscribingSocketType.Type)
    }

    /// Whether sockets of this kind can send.
    public var canSend: Bool { abilities.contains(.send) }
    /// Whether sockets of this kind can receive.
    public var canReceive: Bool { abilities.contains(.receive) }
    /// Whether sockets of this kind can subscribe: SUB and XSUB.
    public var canSubscribe: Bool { abilities.contains(.subscribe) }

    public var description: String { name }

    public static func == (lhs: SocketKind, rhs: SocketKind) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    struct Abilities: OptionSet, Hashable, Sendable {
        let rawValue: UInt8
        static let send = Abilities(rawValue: 1)
        static let receive = Abilities(rawValue: 2)
        static let subscribe = Abilities(rawValue: 4)
    }

    let abilities: Abilities
}

extension SocketKind {
    /// `ZMQ_PAIR`.
    public static let pair = SocketKind(SocketType.Pair.self)
    /// `ZMQ_PUB`.
    public static let pub = SocketKind(SocketType.Pub.self)
    /// `ZMQ_SUB`.
    public static let sub = SocketKind(SocketType.Sub.self)
    /// `ZMQ_XPUB`.
    public static let xpub = SocketKind(SocketType.XPub.self)
    /// `ZMQ_XSUB`.
    public static let xsub = SocketKind(SocketType.XSub.self)
    /// `ZMQ_REQ`.
    public static let req = SocketKind(SocketType.Req.self)
    /// `ZMQ_REP`.
    public static let rep = SocketKind(SocketType.Rep.self)
    /// `ZMQ_DEALER`.
    public static let dealer = SocketKind(SocketType.Dealer.self)
    /// `ZMQ_ROUTER`.
    public static let router = SocketKind(SocketType.Router.self)
    /// `ZMQ_PUSH`.
    public static let push = SocketKind(SocketType.Push.self)
    /// `ZMQ_PULL`.
    public static let pull = SocketKind(SocketType.Pull.self)
    /// `ZMQ_STREAM`.
    public static let stream = SocketKind(SocketType.Stream.self)

    /// The twelve stable libzmq socket types.
    public static let all: [SocketKind] = [
        .pair, .pub, .sub, .xpub, .xsub, .req, .rep, .dealer, .router, .push, .pull, .stream,
    ]

    static var allNames: String { all.map(\.name).joined(separator: ", ") }
}
