import CZeroMQ

/// A kind of ZeroMQ socket, used as the type parameter of ``Socket``.
///
/// Each kind says, through the protocols it conforms to, what its sockets can do:
/// ``SendingSocketType`` kinds get `send`, ``ReceivingSocketType`` kinds get `receive`,
/// ``SubscribingSocketType`` kinds get `subscribe`. Misuse that libzmq would report at
/// run time with `ENOTSUP`, such as receiving on a PUB socket, does not compile.
///
/// The protocol is public so that a kind libzmq adds later (a draft socket type, say)
/// can be declared outside the library; such a kind's conformances to the capability
/// protocols are its author's promise about what libzmq allows on it.
public protocol SocketTypeProtocol {
    /// The libzmq socket type, such as `ZMQ_PUB`.
    static var rawValue: Int32 { get }
    /// The libzmq name of the type, such as `"PUB"`.
    static var name: String { get }
}

/// A socket kind that can send messages.
public protocol SendingSocketType: SocketTypeProtocol {}

/// A socket kind that can receive messages.
public protocol ReceivingSocketType: SocketTypeProtocol {}

/// A socket kind that can subscribe to topics: SUB and XSUB.
public protocol SubscribingSocketType: ReceivingSocketType {}

/// A kind with ROUTER's own options, ``SocketOption/routerMandatory`` and
/// ``SocketOption/routerHandover``: ROUTER.
public protocol RouterOptionsSocketType: SocketTypeProtocol {}

/// A kind with ``SocketOption/probeRouter``: ROUTER, DEALER and REQ.
public protocol ProbingSocketType: SocketTypeProtocol {}

/// A kind with ``SocketOption/connectRoutingID``: ROUTER and STREAM.
public protocol ConnectRoutingIDSocketType: SocketTypeProtocol {}

/// A kind with REQ's own options, ``SocketOption/requestCorrelate`` and
/// ``SocketOption/requestRelaxed``: REQ.
public protocol RequestOptionsSocketType: SocketTypeProtocol {}

/// A kind with XPUB's own options (``SocketOption/xpubVerbose`` and the
/// other `xpub` ones): XPUB.
public protocol XPubOptionsSocketType: NoDropSocketType {}

/// A kind with ``SocketOption/xpubNoDrop``: XPUB and PUB.
public protocol NoDropSocketType: SocketTypeProtocol {}

/// A kind with ``SocketOption/streamNotify``: STREAM.
public protocol StreamOptionsSocketType: SocketTypeProtocol {}

/// A kind with ``SocketOption/conflate``: PUSH, PULL, PUB, SUB and DEALER.
public protocol ConflatingSocketType: SocketTypeProtocol {}

/// A kind with ``SocketOption/invertMatching``: PUB, XPUB, SUB and XSUB.
public protocol FilteringSocketType: SocketTypeProtocol {}

/// The twelve stable libzmq socket types, as kinds for ``Socket``.
///
/// Use the aliases ``PairSocket``, ``PubSocket``, ``SubSocket``, ``XPubSocket``,
/// ``XSubSocket``, ``ReqSocket``, ``RepSocket``, ``DealerSocket``, ``RouterSocket``,
/// ``PushSocket``, ``PullSocket`` and ``StreamSocket``.
public enum SocketType {
    /// Exclusive pair. The C socket type is `ZMQ_PAIR`.
    public enum Pair: SendingSocketType, ReceivingSocketType {
        public static var rawValue: Int32 { ZMQ_PAIR }
        public static var name: String { "PAIR" }
    }

    /// Publisher: sends to every matching subscriber. The C socket type is `ZMQ_PUB`.
    public enum Pub: SendingSocketType, NoDropSocketType, ConflatingSocketType, FilteringSocketType {
        public static var rawValue: Int32 { ZMQ_PUB }
        public static var name: String { "PUB" }
    }

    /// Subscriber: receives what it subscribed to. The C socket type is `ZMQ_SUB`.
    public enum Sub: SubscribingSocketType, ConflatingSocketType, FilteringSocketType {
        public static var rawValue: Int32 { ZMQ_SUB }
        public static var name: String { "SUB" }
    }

    /// Extended publisher: also receives subscription messages.
    /// The C socket type is `ZMQ_XPUB`.
    public enum XPub: SendingSocketType, ReceivingSocketType, XPubOptionsSocketType, FilteringSocketType {
        public static var rawValue: Int32 { ZMQ_XPUB }
        public static var name: String { "XPUB" }
    }

    /// Extended subscriber: subscribes by sending subscription messages.
    /// The C socket type is `ZMQ_XSUB`.
    public enum XSub: SendingSocketType, SubscribingSocketType, FilteringSocketType {
        public static var rawValue: Int32 { ZMQ_XSUB }
        public static var name: String { "XSUB" }
    }

    /// Request: strictly alternates send and receive. The C socket type is `ZMQ_REQ`.
    public enum Req: SendingSocketType, ReceivingSocketType, RequestOptionsSocketType, ProbingSocketType {
        public static var rawValue: Int32 { ZMQ_REQ }
        public static var name: String { "REQ" }
    }

    /// Reply: strictly alternates receive and send. The C socket type is `ZMQ_REP`.
    public enum Rep: SendingSocketType, ReceivingSocketType {
        public static var rawValue: Int32 { ZMQ_REP }
        public static var name: String { "REP" }
    }

    /// Asynchronous request: round-robins outgoing, fair-queues incoming.
    /// The C socket type is `ZMQ_DEALER`.
    public enum Dealer: SendingSocketType, ReceivingSocketType, ProbingSocketType, ConflatingSocketType {
        public static var rawValue: Int32 { ZMQ_DEALER }
        public static var name: String { "DEALER" }
    }

    /// Asynchronous reply: prefixes each message with the sender's routing id and routes
    /// replies by it. The C socket type is `ZMQ_ROUTER`.
    public enum Router: SendingSocketType, ReceivingSocketType, RouterOptionsSocketType, ProbingSocketType,
        ConnectRoutingIDSocketType
    {
        public static var rawValue: Int32 { ZMQ_ROUTER }
        public static var name: String { "ROUTER" }
    }

    /// Pipeline sender: round-robins to connected pullers. The C socket type is `ZMQ_PUSH`.
    public enum Push: SendingSocketType, ConflatingSocketType {
        public static var rawValue: Int32 { ZMQ_PUSH }
        public static var name: String { "PUSH" }
    }

    /// Pipeline receiver: fair-queues from connected pushers. The C socket type is `ZMQ_PULL`.
    public enum Pull: ReceivingSocketType, ConflatingSocketType {
        public static var rawValue: Int32 { ZMQ_PULL }
        public static var name: String { "PULL" }
    }

    /// Raw TCP: each message is `[routing id, bytes]`, and an empty data frame marks a
    /// connect, a disconnect or, when sent, a close. See <doc:StreamSockets>. The C
    /// socket type is `ZMQ_STREAM`.
    public enum Stream: SendingSocketType, ReceivingSocketType, StreamOptionsSocketType, ConnectRoutingIDSocketType {
        public static var rawValue: Int32 { ZMQ_STREAM }
        public static var name: String { "STREAM" }
    }
}

extension SocketType {
    /// The kind of ``DynamicSocket``: a socket whose kind is a value, chosen at run time.
    ///
    /// It conforms to every capability protocol and every option protocol, so a dynamic
    /// socket has the whole API; an operation or option its ``Socket/kind`` lacks throws
    /// ``ZMQError/notSupported``, naming the kind and the operation or option. Its static `rawValue` (-1) and `name` stand
    /// for no libzmq type: the socket's ``Socket/kind`` says what it is.
    public enum Dynamic: SendingSocketType, SubscribingSocketType, RouterOptionsSocketType, ProbingSocketType,
        ConnectRoutingIDSocketType, RequestOptionsSocketType, XPubOptionsSocketType, StreamOptionsSocketType,
        ConflatingSocketType, FilteringSocketType
    {
        public static var rawValue: Int32 { -1 }
        public static var name: String { "dynamic" }
    }
}

/// An exclusive-pair socket (`ZMQ_PAIR`).
public typealias PairSocket = Socket<SocketType.Pair>
/// A publisher (`ZMQ_PUB`): send only.
public typealias PubSocket = Socket<SocketType.Pub>
/// A subscriber (`ZMQ_SUB`): receive and subscribe only.
public typealias SubSocket = Socket<SocketType.Sub>
/// An extended publisher (`ZMQ_XPUB`).
public typealias XPubSocket = Socket<SocketType.XPub>
/// An extended subscriber (`ZMQ_XSUB`).
public typealias XSubSocket = Socket<SocketType.XSub>
/// A request socket (`ZMQ_REQ`).
public typealias ReqSocket = Socket<SocketType.Req>
/// A reply socket (`ZMQ_REP`).
public typealias RepSocket = Socket<SocketType.Rep>
/// A dealer (`ZMQ_DEALER`).
public typealias DealerSocket = Socket<SocketType.Dealer>
/// A router (`ZMQ_ROUTER`).
public typealias RouterSocket = Socket<SocketType.Router>
/// A pipeline sender (`ZMQ_PUSH`): send only.
public typealias PushSocket = Socket<SocketType.Push>
/// A pipeline receiver (`ZMQ_PULL`): receive only.
public typealias PullSocket = Socket<SocketType.Pull>
/// A raw TCP socket (`ZMQ_STREAM`).
public typealias StreamSocket = Socket<SocketType.Stream>
/// A socket whose kind is chosen at run time, from a ``SocketKind`` (made from a name
/// such as `"PUB"`, or a C socket type):
///
/// <!-- snippet: function; prelude: let context = try Context(); struct Arguments { var type = "PULL" };
///     let arguments = Arguments() -->
/// ```swift
/// let socket = try DynamicSocket(context, kind: SocketKind(name: arguments.type))
/// ```
///
/// It has the API of every typed socket; what its kind cannot do throws
/// ``ZMQError/notSupported``. Prefer the typed sockets, where the compiler rules out what
/// a kind cannot do; use this one where the kind is data: a command-line tool, a broker
/// configured at start, a list of sockets of mixed kinds.
public typealias DynamicSocket = Socket<SocketType.Dynamic>
