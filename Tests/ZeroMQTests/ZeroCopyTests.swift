import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Zero-copy messages: libzmq uses the caller's buffer in place and calls its
/// deallocator exactly once, whatever becomes of the message.
@Suite("Zero-copy messages")
struct ZeroCopyTests {
    /// A heap buffer of `count` pattern bytes, in a message whose deallocator counts
    /// its calls and frees the buffer.
    private static func countedMessage(_ count: Int, _ calls: Counter) -> (Message, address: UInt) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        buffer.copyBytes(from: patternBytes(count))
        let address = UInt(bitPattern: buffer.baseAddress)
        let message = Message(
            bytesNoCopy: buffer,
            deallocator: .custom { released in
                #expect(UInt(bitPattern: released.baseAddress) == address)
                #expect(released.count == count)
                calls.increment()
                released.deallocate()
            })
        return (message, address)
    }

    @Test("over inproc the receiver sees the sender's very bytes; released once, when the receiver drops them")
    func inprocSharesTheBuffer() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)

        let calls = Counter()
        let (message, address) = Self.countedMessage(4096, calls)
        #expect(message.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
        try push.send(consume message)  // the last use: handed over without a copy
        #expect(calls.value == 0)

        var received: Message? = try pull.receive()
        #expect(received?.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
        #expect(received.map { Array($0) } == patternBytes(4096))
        #expect(calls.value == 0, "released while the receiver still holds the bytes")

        // Copies of the received message share the bytes; the last one releases them.
        let copy = received
        received = nil
        #expect(calls.value == 0)
        #expect(copy?.count == 4096)
        _ = consume copy
        #expect(calls.value == 1)
    }

    @Test(
        "sent over a network transport, released exactly once after libzmq has written it",
        arguments: [Transport.tcp, .ipc])
    func networkSendReleasesOnce(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)

        let calls = Counter()
        let (message, _) = Self.countedMessage(100_000, calls)
        try push.send(consume message)
        let received = try pull.receive()
        #expect(sameBytes(received, patternBytes(100_000)[...]))
        // libzmq's I/O thread releases the buffer once it has written it out.
        #expect(waitUntil { calls.value >= 1 })
        #expect(calls.value == 1)
        // Nothing else holds it: closing everything does not release it again.
        push.close()
        pull.close()
        context.terminate()
        #expect(calls.value == 1)
    }

    @Test("a shared zero-copy message sent twice is released once, after both", arguments: [Transport.inproc, .tcp])
    func sentTwice(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)

        let calls = Counter()
        var (message, _) = Self.countedMessage(1000, calls)
        try push.send(message)  // not the last use: libzmq sends a shared copy
        try push.send(message)
        let first = try pull.receive()
        let second = try pull.receive()
        #expect(first == message)
        #expect(second == message)
        message = Message()
        _ = consume first
        _ = consume second
        #expect(waitUntil { calls.value >= 1 })
        #expect(calls.value == 1)
    }

    @Test("a failed trySend keeps the message; released once when dropped")
    func failedTrySend() throws {
        let context = try makeContext()
        let push = try PushSocket.bounded(context)  // no peer: nothing can be queued

        let calls = Counter()
        let (message, _) = Self.countedMessage(1000, calls)
        var kept: Message? = message
        let sent = try push.trySend(consume message)
        #expect(!sent)
        #expect(calls.value == 0)
        #expect(kept.map { Array($0) } == patternBytes(1000))
        kept = nil
        #expect(calls.value == 1)

        // The same when the failed send held the only reference.
        let alone = Counter()
        #expect(try push.trySend(Self.countedMessage(1000, alone).0) == false)
        #expect(alone.value == 1)
        #expect(kept == nil)
    }

    @Test("a send refused with invalidState releases the message once")
    func refusedSend() throws {
        let context = try makeContext()
        let rep = try RepSocket.bounded(context)
        let req = try ReqSocket.bounded(context)
        try link(rep, req, over: .inproc)
        try req.send("first")

        let calls = Counter()
        var (message, _) = Self.countedMessage(1000, calls)
        #expect(throws: ZMQError.invalidState) { try req.send(message) }
        #expect(calls.value == 0)
        message = Message()
        #expect(calls.value == 1)

        let alone = Counter()
        #expect(throws: ZMQError.invalidState) { try req.send(Self.countedMessage(1000, alone).0) }
        #expect(alone.value == 1)
    }

    @Test("a message never sent is released once when its last copy is dropped")
    func neverSent() {
        let calls = Counter()
        do {
            let (message, _) = Self.countedMessage(64, calls)
            let copies = [message, message, message]
            #expect(copies.allSatisfy { $0.count == 64 })
            #expect(calls.value == 0)
        }
        #expect(calls.value == 1)
    }

    @Test("an empty buffer is released at once")
    func emptyBuffer() {
        let calls = Counter()
        let message = Message(
            bytesNoCopy: UnsafeMutableRawBufferPointer(start: nil, count: 0),
            deallocator: .custom { _ in calls.increment() })
        #expect(calls.value == 1)
        #expect(message.isEmpty)
    }

    @Test("the .free and .none deallocators")
    func builtInDeallocators() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)

        // .free: malloc'd bytes, freed by libzmq (a double free would crash the test).
        let count = 1000
        let bytes = try #require(malloc(count))
        bytes.initializeMemory(as: UInt8.self, repeating: 0x5A, count: count)
        try push.send(
            Message(bytesNoCopy: UnsafeMutableRawBufferPointer(start: bytes, count: count), deallocator: .free))
        let received = try pull.receive()
        #expect(received.withUnsafeBytes { $0.baseAddress } == UnsafeRawPointer(bytes))
        #expect(received.allSatisfy { $0 == 0x5A })

        // .none: bytes that outlive the message.
        let table = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { table.deallocate() }
        table.copyBytes(from: patternBytes(64))
        do {
            try push.send(Message(bytesNoCopy: table, deallocator: .none))
            #expect(Array(try pull.receive()) == patternBytes(64))
        }
    }

    @Test("Message(noCopy:) sends the array's own bytes and releases the array")
    func noCopyArray() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)

        var array = patternBytes(10_000)
        let address = array.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        try push.send(Message(noCopy: array))
        var received: Message? = try pull.receive()
        #expect(received?.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
        #expect(received.map { Array($0) } == array)
        received = nil

        // The message no longer holds the array, so `array` is its storage's only
        // owner again: writing to it does not copy it (copy-on-write).
        array[0] &+= 1
        #expect(array.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
    }

    @Test("Message(noCopy:) over tcp arrives whole")
    func noCopyArrayTCP() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .tcp)
        let array = patternBytes(200_000, seed: 7)
        try push.send(Message(noCopy: array))
        #expect(try pull.receiveBytes() == array)
        #expect(try pull.tryReceive() == nil)
    }
}
