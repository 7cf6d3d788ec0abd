import CZeroMQ
import Testing
import ZeroMQ

/// Sockets whose kind is chosen at run time.
@Suite("Dynamic sockets")
struct DynamicSocketTests {
    @Test("a kind is made from its name, in any case, or from its C type; unknown ones are refused by name")
    func kinds() throws {
        #expect(try SocketKind(name: "PUB") == .pub)
        #expect(try SocketKind(name: "router") == .router)
        #expect(try SocketKind(name: "xSub") == .xsub)
        #expect(try SocketKind(cType: ZMQ_DEALER) == .dealer)
        for kind in SocketKind.all {
            #expect(try SocketKind(name: kind.name) == kind)
            #expect(try SocketKind(cType: kind.rawValue) == kind)
        }
        let name = #expect(throws: ZMQError.invalidArgument) { try SocketKind(name: "PUBLISHER") }
        #expect(name?.description.contains("\"PUBLISHER\"") == true)
        #expect(name?.description.contains("PAIR, PUB, SUB") == true)
        let number = #expect(throws: ZMQError.invalidArgument) { try SocketKind(cType: 99) }
        #expect(number?.description.contains("99") == true)
    }

    @Test("what each kind can do", arguments: SocketKind.all)
    func abilities(kind: SocketKind) throws {
        let sendOnly: Set<SocketKind> = [.pub, .push]
        let receiveOnly: Set<SocketKind> = [.sub, .pull]
        #expect(kind.canSend == !receiveOnly.contains(kind))
        #expect(kind.canReceive == !sendOnly.contains(kind))
        #expect(kind.canSubscribe == (kind == .sub || kind == .xsub))

        let context = try makeContext()
        let socket = try DynamicSocket(context, kind: kind)
        #expect(socket.kind == kind)
        #expect(try socket.option(.type) == kind)
        #expect(socket.description == "Socket<\(kind.name)>")
    }

    @Test("typed sockets report their kind too")
    func typedKinds() throws {
        let context = try makeContext()
        #expect(try PubSocket(context).kind == .pub)
        #expect(try SubSocket(context).kind.canSubscribe)
        #expect(try PullSocket(context).kind.canSend == false)
        #expect(try RouterSocket(context).kind.name == "ROUTER")
    }

    @Test(
        "dynamic sockets send, receive and subscribe with the typed API, with typed peers",
        arguments: Transport.allCases)
    func sendAndReceive(transport: Transport) throws {
        let context = try makeContext()
        let pull = try DynamicSocket(context, kind: SocketKind(name: "PULL"))
        try pull.setOption(.receiveTimeout, .seconds(5))
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)
        try push.send("typed to dynamic")
        #expect(try pull.receiveString() == "typed to dynamic")

        let publisher = try DynamicSocket(context, kind: .pub)
        let subscriber = try DynamicSocket(context, kind: .sub)
        try subscriber.setOption(.receiveTimeout, .seconds(5))
        try subscriber.subscribe(to: "news")
        try link(publisher, subscriber, over: transport)
        let received = try publish(on: publisher, until: subscriber) { "news \($0)" }
        #expect(received.starts(with: "news".utf8))

        let request = try DynamicSocket(context, kind: .req)
        let reply = try DynamicSocket(context, kind: .rep)
        for socket in [request, reply] { try socket.setOption(.receiveTimeout, .seconds(5)) }
        try link(reply, request, over: transport)
        try request.sendMultipart(["a", "b"])
        #expect(try reply.receiveMultipart().map(\.string) == ["a", "b"])
        try reply.send(Message("answer"))
        var answer = Message()
        try request.receive(into: &answer)
        #expect(answer == "answer")
    }

    @Test("what a kind cannot do throws notSupported, naming the kind and the operation")
    func unsupported() throws {
        let context = try makeContext()
        let sub = try DynamicSocket(context, kind: .sub)
        let send = #expect(throws: ZMQError.notSupported) { try sub.send("x") }
        #expect(send?.description.contains("SUB sockets do not support send") == true)
        #expect(throws: ZMQError.notSupported) { try sub.trySend("x") }
        #expect(throws: ZMQError.notSupported) { try sub.sendMultipart(["x", "y"]) }

        let pub = try DynamicSocket(context, kind: .pub)
        let receive = #expect(throws: ZMQError.notSupported) { try pub.receive() }
        #expect(receive?.description.contains("PUB sockets do not support receive") == true)
        #expect(throws: ZMQError.notSupported) { try pub.tryReceive() }
        #expect(throws: ZMQError.notSupported) { try pub.receiveString() }
        let subscribe = #expect(throws: ZMQError.notSupported) { try pub.subscribe(to: "x") }
        #expect(subscribe?.description.contains("PUB sockets do not support subscribe") == true)
        #expect(throws: ZMQError.notSupported) { try pub.unsubscribeFromAll() }

        let pull = try DynamicSocket(context, kind: .pull)
        #expect(throws: ZMQError.notSupported) { try pull.send(constant: "x") }
        let push = try DynamicSocket(context, kind: .push)
        var message = Message()
        #expect(throws: ZMQError.notSupported) { try push.receive(into: &message) }
        // The socket still works for what it can do.
        try pull.bind("inproc://dynamic-unsupported")
        try push.connect("inproc://dynamic-unsupported")
        try push.send("still fine")
        try pull.setOption(.receiveTimeout, .seconds(5))
        #expect(try pull.receiveString() == "still fine")
    }

    @Test("a dynamic socket without a kind is refused with a clear error")
    func withoutKind() throws {
        // `DynamicSocket(context)` is deprecated, so the compiler warns; through generic
        // code it still reaches the initialiser, which refuses.
        func make<Kind>(_: Kind.Type, in context: Context) throws(ZMQError) -> Socket<Kind> {
            try Socket<Kind>(context)
        }
        let context = try makeContext()
        let error = #expect(throws: ZMQError.invalidArgument) { try make(SocketType.Dynamic.self, in: context) }
        #expect(error?.description.contains("DynamicSocket(context, kind: .pub)") == true)
    }
}
