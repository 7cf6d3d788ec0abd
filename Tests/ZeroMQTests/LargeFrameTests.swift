import Testing
import ZeroMQ

/// Frames of every size arrive whole and byte-identical: there is no buffer to
/// truncate into.
@Suite("Large frames")
struct LargeFrameTests {
    static let sizes = [5000, 65_537, 1 << 20]

    @Test("a large frame arrives whole as Message, [UInt8] and String", arguments: Transport.allCases, sizes)
    func largeFrame(transport: Transport, size: Int) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)

        let bytes = patternBytes(size, seed: size)
        try push.send(Message(bytes))
        let message = try pull.receive()
        #expect(message.count == size)
        #expect(sameBytes(message, bytes[...]))

        try push.send(bytes)
        let received = try pull.receiveBytes()
        #expect(received.count == size)
        #expect(received == bytes)

        let text = patternString(size)
        try push.send(text)
        let string = try pull.receiveString()
        #expect(string.utf8.count == size)
        #expect(string == text)

        var reused = Message()
        try push.send(bytes[1...])
        try pull.receive(into: &reused)
        #expect(reused.count == size - 1)
        #expect(sameBytes(reused, bytes[1...]))
    }

    @Test("large frames of a multipart message arrive whole", arguments: Transport.allCases)
    func largeMultipart(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)

        let parts = Self.sizes.map { patternBytes($0, seed: 3) }
        try push.sendMultipart(parts)
        let received = try pull.receiveMultipart()
        #expect(received.map(\.count) == Self.sizes)
        #expect(zip(received, parts).allSatisfy { sameBytes($0, $1[...]) })
    }
}
