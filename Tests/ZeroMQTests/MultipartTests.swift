import Foundation
import Testing
import ZeroMQ

/// libzmq delivers a multipart message whole or not at all.
@Suite("Multipart messages")
struct MultipartTests {
    @Test("nothing arrives until the last part is sent", arguments: Transport.allCases)
    func allOrNothing(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: .milliseconds(300))
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)

        // The connection works: a single-part message gets through.
        try pull.setOption(.receiveTimeout, .seconds(5))
        try push.send("ready")
        #expect(try pull.receiveString() == "ready")
        try pull.setOption(.receiveTimeout, .milliseconds(300))

        try push.send("part 1", more: true)
        #expect(try pull.tryReceive() == nil)
        #expect(throws: ZMQError.again) { try pull.receive() }
        try push.send("part 2", more: true)
        #expect(try pull.tryReceive() == nil)
        #expect(throws: ZMQError.again) { try pull.receive() }
        try push.send("part 3")

        try pull.setOption(.receiveTimeout, .seconds(5))
        let first = try pull.receive()
        #expect(first == "part 1")
        #expect(first.more)
        #expect(try pull.hasMore)
        // Once the first part is here, the rest is too.
        let second = try #require(try pull.tryReceive())
        #expect(second == "part 2")
        #expect(second.more)
        let third = try #require(try pull.tryReceive())
        #expect(third == "part 3")
        #expect(!third.more)
        #expect(try !pull.hasMore)
        #expect(try pull.tryReceive() == nil)
    }

    @Test("sendMultipart and receiveMultipart round-trip [Message]", arguments: Transport.allCases)
    func messages(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)

        let parts: [Message] = ["header", Message(), Message(patternBytes(5000)), [0x00, 0xFF]]
        try push.sendMultipart(parts)
        let received = try pull.receiveMultipart()
        #expect(received == parts)
        #expect(received.map(\.more) == [true, true, true, false])
        // Sending did not change the caller's messages.
        #expect(parts[2].count == 5000)

        try push.send("single")
        #expect(try pull.receiveMultipart().map(\.string) == ["single"])
    }

    @Test("sendMultipart and receiveMultipart round-trip [[UInt8]] and Data", arguments: Transport.allCases)
    func byteArrays(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)

        let parts: [[UInt8]] = [[1, 2, 3], [], patternBytes(70_000), [0]]
        try push.sendMultipart(parts)
        #expect(try pull.receiveMultipart().map { [UInt8]($0) } == parts)

        let data = [Data([9, 8, 7]), Data(patternBytes(33)), Data(patternBytes(34))]
        try push.sendMultipart(data)
        #expect(try pull.receiveMultipart().map { Data($0) } == data)
    }

    @Test("sendMultipart and receiveMultipart round-trip [String]", arguments: Transport.allCases)
    func strings(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)

        let parts = ["plain", "", "Grüße, 世界 🌍", String(repeating: "x", count: 10_000)]
        try push.sendMultipart(parts)
        #expect(try pull.receiveMultipart().map(\.string) == parts)

        let substrings = "a,b,c".split(separator: ",")
        try push.sendMultipart(substrings)
        #expect(try pull.receiveMultipart().map(\.string) == ["a", "b", "c"])
    }

    @Test("tryReceiveMultipart returns nil, then the whole message")
    func tryReceiveMultipart() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)
        #expect(try pull.tryReceiveMultipart() == nil)
        #expect(try push.trySendMultipart(["x", "y"]))
        #expect(try pull.tryReceiveMultipart()?.map(\.string) == ["x", "y"])
    }

    @Test("an empty multipart message is refused")
    func emptyMultipart() throws {
        let context = try makeContext()
        let push = try PushSocket.bounded(context)
        let error = #expect(throws: ZMQError.invalidArgument) { try push.sendMultipart([Message]()) }
        #expect(error?.description.contains("at least one part") == true)
        #expect(throws: ZMQError.invalidArgument) { try push.sendMultipart([String]()) }
        #expect(throws: ZMQError.invalidArgument) { try push.sendMultipart([[UInt8]]()) }
    }

    @Test("receiveString and receiveBytes read multipart frames one by one")
    func framesAsStrings() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)
        try push.sendMultipart(["one", "two"])
        #expect(try pull.receiveString() == "one")
        #expect(try pull.hasMore)
        #expect(try pull.receiveBytes() == Array("two".utf8))
        #expect(try !pull.hasMore)
    }

    @Test("a sender closed mid-message delivers nothing of that message", arguments: Transport.allCases)
    func senderClosedMidMessage(transport: Transport) throws {
        // The default linger, so that closing would flush anything complete.
        let context = try Context(defaultLinger: .seconds(1))
        let pull = try PullSocket.bounded(context)
        let endpoint = try pull.bind(transport.bindEndpoint())

        let push = try PushSocket.bounded(context)
        try push.connect(endpoint)
        try push.send("complete")
        #expect(try pull.receiveString() == "complete")

        try push.send("partial 1", more: true)
        try push.send("partial 2", more: true)
        push.close()

        // A new sender's message is the next thing the puller gets: nothing of the
        // unfinished one came before it.
        let next = try PushSocket.bounded(context)
        try next.connect(endpoint)
        try next.send("after")
        let message = try pull.receive()
        #expect(message == "after")
        #expect(!message.more)
        try pull.setOption(.receiveTimeout, .milliseconds(300))
        #expect(throws: ZMQError.again) { try pull.receive() }
        next.close(linger: .zero)
    }

    @Test("trySendMultipart sends byte and string parts whole, or returns false with nothing sent")
    func trySendMultipartParts() throws {
        let context = try makeContext()
        let push = try PushSocket.bounded(context)
        // No peer yet: nothing can be queued, and nothing is.
        #expect(try push.trySendMultipart(["a", "b"]) == false)
        #expect(try push.trySendMultipart([[UInt8]([1]), [2, 3]]) == false)

        let pull = try PullSocket.bounded(context)
        try link(pull, push, over: .inproc)
        #expect(try push.trySendMultipart(["key", "value"]))
        #expect(try push.trySendMultipart([[UInt8]([1]), [2, 3]]))
        #expect(try pull.receiveMultipart().map(\.string) == ["key", "value"])
        #expect(try pull.receiveMultipart().map { [UInt8]($0) } == [[1], [2, 3]])
        #expect(try pull.tryReceive() == nil)
        #expect(try push.events.description == "[writable]")
    }

    @Test("parts of different types go in one call: a routing id beside a String reply")
    func mixedParts() throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context)
        let dealer = try DealerSocket.bounded(context)
        try dealer.setOption(.routingID, [0x00, 0x01, 0xFF])
        try link(router, dealer, over: .inproc)
        try dealer.send("question")
        let request = try router.receiveMultipart()
        let id = request[0]
        let response: String = "answer to " + request[1].string
        let tail: Substring = "tail!".dropLast()
        try router.sendMultipart([id, response, [0xAB] as [UInt8], tail, [1, 2, 3][1...]])
        let reply = try dealer.receiveMultipart()
        #expect(reply.map { Array($0) } == [Array("answer to question".utf8), [0xAB], Array("tail".utf8), [2, 3]])

        // The same with the id held as bytes, and without blocking.
        #expect(try router.trySendMultipart([Array(id), response]))
        #expect(try dealer.receiveString() == "answer to question")
        // Homogeneous arrays still pick their own overloads.
        try dealer.sendMultipart(["a", "b"])
        #expect(try router.receiveMultipart().dropFirst().map(\.string) == ["a", "b"])
        #expect(throws: ZMQError.invalidArgument) { try router.sendMultipart([] as [any MessagePart]) }
    }

    /// Parts that shut the context down when the second one is reached, the one way a
    /// part after the first can fail.
    struct ShutdownAtSecondPart: Collection {
        let context: Context
        var startIndex: Int { 0 }
        var endIndex: Int { 3 }
        func index(after index: Int) -> Int { index + 1 }
        subscript(index: Int) -> String {
            if index == 1 { context.shutdown() }
            return "part \(index)"
        }
    }

    @Test("a context shut down during a multipart send leaves no partial message for any peer")
    func shutdownDuringMultipart() throws {
        let receiving = try makeContext()
        let pull = try PullSocket.bounded(receiving)
        let endpoint = try pull.bind(Transport.tcp.bindEndpoint())

        let failing = try Context()
        let push = try PushSocket.bounded(failing)
        try push.connect(endpoint)
        try push.send("before")
        #expect(try pull.receiveString() == "before")

        // libzmq notices the shutdown when it next processes its commands, which it
        // throttles: the later parts may fail with contextTerminated, or go out.
        let outcome = Result { () throws(ZMQError) in try push.sendMultipart(ShutdownAtSecondPart(context: failing)) }
        if case .failure(let error) = outcome {
            #expect(error == .contextTerminated)
        }
        failing.close()

        let other = try PushSocket.bounded(receiving)
        try other.connect(endpoint)
        try other.send("after")
        var others: [[String]] = []
        var sawAfter = false
        while !sawAfter || waitReadable(pull, milliseconds: 250) {
            let message = try pull.receiveMultipart().map(\.string)
            if message == ["after"] { sawAfter = true } else { others.append(message) }
        }
        switch outcome {
        case .success: #expect(others == [["part 0", "part 1", "part 2"]])
        case .failure: #expect(others == [], "a partial message arrived")
        }
    }
}
