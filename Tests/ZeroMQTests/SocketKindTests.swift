import CZeroMQ
import Testing
import ZeroMQ

/// Receiving on a PUB socket, or sending on a SUB socket, does not compile: `receive`
/// exists only where `Kind: ReceivingSocketType`, `send` only where
/// `Kind: SendingSocketType`. A test cannot run code that does not compile, so these
/// tests show the other half: that the protocols a kind conforms to match exactly
/// what libzmq accepts at run time. Through ``Socket/unsafeHandle`` and the C API,
/// libzmq refuses a receive on PUB (and the like) with `ENOTSUP`, which is the
/// run-time failure the Swift types turn into a compile-time one.
@Suite("Socket kinds")
struct SocketKindTests {
    // @unchecked: a metatype is immutable; the protocol just does not require Sendable.
    struct Kind: @unchecked Sendable, CustomTestStringConvertible {
        let type: any SocketTypeProtocol.Type
        let cType: Int32
        var testDescription: String { type.name }
    }

    static let kinds: [Kind] = [
        Kind(type: SocketType.Pair.self, cType: ZMQ_PAIR),
        Kind(type: SocketType.Pub.self, cType: ZMQ_PUB),
        Kind(type: SocketType.Sub.self, cType: ZMQ_SUB),
        Kind(type: SocketType.XPub.self, cType: ZMQ_XPUB),
        Kind(type: SocketType.XSub.self, cType: ZMQ_XSUB),
        Kind(type: SocketType.Req.self, cType: ZMQ_REQ),
        Kind(type: SocketType.Rep.self, cType: ZMQ_REP),
        Kind(type: SocketType.Dealer.self, cType: ZMQ_DEALER),
        Kind(type: SocketType.Router.self, cType: ZMQ_ROUTER),
        Kind(type: SocketType.Push.self, cType: ZMQ_PUSH),
        Kind(type: SocketType.Pull.self, cType: ZMQ_PULL),
        Kind(type: SocketType.Stream.self, cType: ZMQ_STREAM),
    ]

    @Test("libzmq rejects with ENOTSUP exactly what the Swift type leaves out", arguments: kinds)
    func capabilitiesMatchLibzmq(kind: Kind) throws {
        let context = try makeContext()
        try probe(kind.type, cType: kind.cType, in: context)
    }

    private func probe<K: SocketTypeProtocol>(_: K.Type, cType: Int32, in context: Context) throws {
        let socket = try Socket<K>(context)
        #expect(K.rawValue == cType)
        #expect(try socket.option(.type) == SocketKind(cType: cType))
        let handle = try #require(socket.unsafeHandle)

        let canReceive = K.self is any ReceivingSocketType.Type
        let canSend = K.self is any SendingSocketType.Type
        let canSubscribe = K.self is any SubscribingSocketType.Type

        var buffer = [UInt8](repeating: 0, count: 16)
        let received = zmq_recv(handle, &buffer, buffer.count, ZMQ_DONTWAIT)
        let receiveError = zmq_errno()
        #expect(received == -1)  // nothing is connected
        #expect((receiveError == CZMQ_ENOTSUP) == !canReceive, "zmq_recv on \(K.name): \(receiveError)")

        let sent = zmq_send(handle, buffer, 0, ZMQ_DONTWAIT)
        let sendError = sent < 0 ? zmq_errno() : 0
        #expect((sendError == CZMQ_ENOTSUP) == !canSend, "zmq_send on \(K.name): \(sendError)")

        let subscribed = zmq_setsockopt(handle, ZMQ_SUBSCRIBE, "", 0)
        #expect((subscribed == 0) == (K.rawValue == ZMQ_SUB), "ZMQ_SUBSCRIBE on \(K.name)")
        #expect(canSubscribe == (K.rawValue == ZMQ_SUB || K.rawValue == ZMQ_XSUB))
    }

    @Test("zmq_recv on a PUB handle and zmq_send on a SUB handle fail with ENOTSUP")
    func pubCannotReceiveSubCannotSend() throws {
        let context = try makeContext()
        // Bounded, in case libzmq ever did accept the call: it would fail with EAGAIN
        // after the timeout instead of hanging.
        let pub = try PubSocket.bounded(context, timeout: .milliseconds(100))
        let sub = try SubSocket.bounded(context, timeout: .milliseconds(100))
        try link(pub, sub, over: .inproc)

        // Blocking calls (flags 0): refused at once, before any waiting.
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(zmq_recv(pub.unsafeHandle, &buffer, buffer.count, 0) == -1)
        #expect(zmq_errno() == CZMQ_ENOTSUP)
        #expect(zmq_send(sub.unsafeHandle, "hello", 5, 0) == -1)
        #expect(zmq_errno() == CZMQ_ENOTSUP)

        let push = try PushSocket(context)
        let pull = try PullSocket(context)
        #expect(zmq_recv(push.unsafeHandle, &buffer, buffer.count, ZMQ_DONTWAIT) == -1)
        #expect(zmq_errno() == CZMQ_ENOTSUP)
        #expect(zmq_send(pull.unsafeHandle, "hello", 5, ZMQ_DONTWAIT) == -1)
        #expect(zmq_errno() == CZMQ_ENOTSUP)

        // What the Swift API does offer on them compiles and works.
        try sub.setOption(.receiveTimeout, .seconds(5))
        try sub.subscribeToAll()
        _ = try publish(on: pub, until: sub) { "tick \($0)" }
    }

    @Test("the typed API exists where libzmq supports it")
    func typedAPI() throws {
        // Each line compiles only because the kind conforms to the protocol that
        // provides the call; swapping any of them (pub.receive(), sub.send(_:),
        // push.receive(), pull.send(_:), pub.subscribe(to:)) is a compile error.
        func sends<K: SendingSocketType>(_: Socket<K>) {}
        func receives<K: ReceivingSocketType>(_: Socket<K>) {}
        func subscribes<K: SubscribingSocketType>(_: Socket<K>) {}

        let context = try makeContext()
        sends(try PubSocket(context))
        sends(try XPubSocket(context))
        sends(try XSubSocket(context))
        sends(try PushSocket(context))
        receives(try SubSocket(context))
        receives(try XSubSocket(context))
        receives(try XPubSocket(context))
        receives(try PullSocket(context))
        subscribes(try SubSocket(context))
        subscribes(try XSubSocket(context))
        func both<K: SendingSocketType & ReceivingSocketType>(_ socket: Socket<K>) {
            sends(socket)
            receives(socket)
        }
        both(try PairSocket(context))
        both(try ReqSocket(context))
        both(try RepSocket(context))
        both(try DealerSocket(context))
        both(try RouterSocket(context))
        both(try StreamSocket(context))
    }

    @Test("names and descriptions")
    func names() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        #expect(SocketType.Dealer.name == "DEALER")
        #expect(socket.description == "Socket<DEALER>")
        #expect(!socket.isClosed)
        #expect(socket.context === context)
        socket.close()
        #expect(socket.description == "Socket<DEALER>(closed)")
        #expect(socket.unsafeHandle == nil)
    }
}
