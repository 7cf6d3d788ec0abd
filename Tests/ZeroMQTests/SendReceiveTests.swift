import Foundation
import Testing
import ZeroMQ

@Suite("Sending and receiving")
struct SendReceiveTests {
    /// A connected PUSH/PULL pair over `transport`.
    private static func pipeline(_ context: Context, _ transport: Transport = .inproc) throws(ZMQError)
        -> (push: PushSocket, pull: PullSocket)
    {
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)
        return (push, pull)
    }

    @Test("String, [UInt8], ArraySlice, Data, raw buffers and constants", arguments: Transport.allCases)
    func payloadTypes(transport: Transport) throws {
        let context = try makeContext()
        let (push, pull) = try Self.pipeline(context, transport)

        try push.send("Grüße 🌍")
        #expect(try pull.receiveString() == "Grüße 🌍")
        let substring = "hello, world".split(separator: ",")[0]
        try push.send(substring)
        #expect(try pull.receiveString() == "hello")

        try push.send([0, 1, 2, 255] as [UInt8])
        #expect(try pull.receiveBytes() == [0, 1, 2, 255])

        let array = patternBytes(100)
        try push.send(array[10..<20])
        #expect(try pull.receiveBytes() == Array(array[10..<20]))

        let data = Data(patternBytes(300, seed: 1))
        try push.send(data)
        #expect(Data(try pull.receive()) == data)
        try push.send(data.dropFirst(7))
        #expect(Data(try pull.receive()) == data.dropFirst(7))

        try array.withUnsafeBytes { buffer in try push.send(buffer) }
        #expect(try pull.receiveBytes() == array)
        #expect(try array.withUnsafeBytes { buffer in try push.trySend(buffer) })
        #expect(try pull.receiveBytes() == array)

        try push.send(constant: "a static string")
        #expect(try pull.receiveString() == "a static string")
        try push.send(constant: "part", more: true)
        try push.send(constant: "")
        #expect(try pull.receiveMultipart().map(\.string) == ["part", ""])

        // A sequence that is not contiguous.
        try push.send((1...5).map { UInt8($0) }.lazy.map { $0 * 2 })
        #expect(try pull.receiveBytes() == [2, 4, 6, 8, 10])

        // Empty frames.
        try push.send("")
        #expect(try pull.receiveString() == "")
        try push.send([UInt8]())
        #expect(try pull.receive().isEmpty)
    }

    @Test("a Message still held after sending is unchanged, and can be sent again")
    func sendHeldMessage() throws {
        let context = try makeContext()
        let (push, pull) = try Self.pipeline(context, .tcp)
        let message = Message("keep me")
        try push.send(message)
        try push.send(message)
        #expect(try push.trySend(message))
        #expect(message == "keep me")
        for _ in 0..<3 { #expect(try pull.receive() == message) }
    }

    @Test("tryReceive returns nil when nothing is waiting")
    func tryReceiveNothing() throws {
        let context = try makeContext()
        let (push, pull) = try Self.pipeline(context)
        #expect(try pull.tryReceive() == nil)
        #expect(try pull.tryReceiveBytes() == nil)
        #expect(try pull.tryReceiveString() == nil)
        var message = Message()
        #expect(try pull.tryReceive(into: &message) == false)

        try push.send("now")
        #expect(waitReadable(pull, milliseconds: 5000))
        #expect(try pull.tryReceiveString() == "now")
        try push.send([7])
        #expect(waitReadable(pull, milliseconds: 5000))
        #expect(try pull.tryReceiveBytes() == [7])
        try push.send("again")
        #expect(waitReadable(pull, milliseconds: 5000))
        #expect(try pull.tryReceive(into: &message))
        #expect(message == "again")
    }

    @Test("a failed tryReceive(into:) leaves the message as it was")
    func tryReceiveIntoKeepsMessage() throws {
        let context = try makeContext()
        let (push, pull) = try Self.pipeline(context)
        var message = Message("kept")
        #expect(try pull.tryReceive(into: &message) == false)
        #expect(message == "kept")

        try push.send("first")
        try pull.receive(into: &message)
        #expect(try pull.tryReceive(into: &message) == false)
        #expect(message == "first")
    }

    @Test("trySend on a PUSH with no peers returns false")
    func trySendNoPeer() throws {
        let context = try makeContext()
        let push = try PushSocket.bounded(context)
        #expect(try push.trySend("x") == false)
        #expect(try push.trySend([1] as [UInt8]) == false)
        #expect(try push.trySend(Message("x")) == false)
    }

    @Test("ZMQ_RCVTIMEO makes a blocking receive throw again")
    func receiveTimeout() throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        try pull.bind(Transport.inproc.bindEndpoint())
        try pull.setOption(.receiveTimeout, .milliseconds(100))
        let start = ContinuousClock.now
        let error = #expect(throws: ZMQError.again) { try pull.receive() }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(90))
        #expect(elapsed < .seconds(5))
        #expect(error?.description.contains("ZMQ_RCVTIMEO") == true)
        #expect(throws: ZMQError.again) { try pull.receiveBytes() }
        #expect(throws: ZMQError.again) { try pull.receiveString() }
        #expect(throws: ZMQError.again) { try pull.receiveMultipart() }

        // ZMQ_SNDTIMEO does the same for a send that cannot be queued.
        let push = try PushSocket(context)
        try push.setOption(.sendTimeout, .milliseconds(50))
        let sendError = #expect(throws: ZMQError.again) { try push.send("nobody") }
        #expect(sendError?.description.contains("ZMQ_SNDTIMEO") == true)
    }

    @Test("receive(into:) reuses one message across receives")
    func receiveInto() throws {
        let context = try makeContext()
        let (push, pull) = try Self.pipeline(context)
        for n in 0..<3 { try push.send("message \(n)") }

        var message = Message()
        try pull.receive(into: &message)
        #expect(message == "message 0")
        let kept = message  // a copy the next receive must not change
        try pull.receive(into: &message)
        #expect(message == "message 1")
        #expect(kept == "message 0")
        try pull.receive(into: &message)
        #expect(message == "message 2")
        #expect(kept == "message 0")

        // A large frame, then a small one, into the same message.
        try push.send(patternBytes(100_000))
        try pull.receive(into: &message)
        #expect(message.count == 100_000)
        try push.send("small")
        try pull.receive(into: &message)
        #expect(message == "small")
    }

    @Test("received messages carry metadata", arguments: [Transport.tcp, .ipc])
    func metadata(transport: Transport) throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context)
        let dealer = try DealerSocket.bounded(context)
        try dealer.setOption(.routingID, Array("meta".utf8))
        try link(router, dealer, over: transport)
        try dealer.send("hi")
        let parts = try router.receiveMultipart()
        let payload = try #require(parts.last)
        #expect(payload.socketType == "DEALER")
        #expect(payload.metadata("Socket-Type") == "DEALER")
        #expect(payload.metadata("No-Such-Property") == nil)
        #expect(payload.userID == nil)
        if transport == .tcp {
            #expect(payload.peerAddress == "127.0.0.1")
        }

        try router.sendMultipart([parts[0], "back"])
        let reply = try dealer.receive()
        #expect(reply.socketType == "ROUTER")
        // A message made locally has none.
        #expect(Message("local").socketType == nil)
        #expect(Message("local").peerAddress == nil)
    }

    @Test("PAIR sockets talk both ways", arguments: Transport.allCases)
    func pair(transport: Transport) throws {
        let context = try makeContext()
        let a = try PairSocket.bounded(context)
        let b = try PairSocket.bounded(context)
        try link(a, b, over: transport)
        try b.send("ping")
        #expect(try a.receiveString() == "ping")
        try a.send("pong")
        #expect(try b.receiveString() == "pong")
    }
}
