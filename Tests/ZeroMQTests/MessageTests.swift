import Foundation
import Testing
import ZeroMQ

@Suite("Message")
struct MessageTests {
    @Test("equality and hashing compare bytes")
    func equality() {
        let a = Message("abc")
        let b = Message([97, 98, 99] as [UInt8])
        let c: Message = "abd"
        let d: Message = [97, 98, 99]
        #expect(a == b)
        #expect(a == d)
        #expect(a != c)
        #expect(Message() == Message(""))
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b, c, d]).count == 2)
        // A message that is a prefix of another is not equal to it.
        #expect(Message("ab") != a)
    }

    @Test("a message is a random-access collection of bytes")
    func collection() {
        let message = Message("hello")
        #expect(message.count == 5)
        #expect(!message.isEmpty)
        #expect(message.first == UInt8(ascii: "h"))
        #expect(message[1] == UInt8(ascii: "e"))
        #expect(message.last == UInt8(ascii: "o"))
        #expect(Array(message) == Array("hello".utf8))
        #expect(String(decoding: message, as: UTF8.self) == "hello")
        #expect(message.string == "hello")
        #expect(message.starts(with: "he".utf8))
        #expect(Array(message.reversed()) == Array("olleh".utf8))
        #expect(Array(message[1..<3]) == Array("el".utf8))
        #expect(message.indices == 0..<5)
        #expect(message.firstIndex(of: UInt8(ascii: "l")) == 2)
        #expect(message.withContiguousStorageIfAvailable { Array($0) } == Array("hello".utf8))
        #expect(Data(message) == Data("hello".utf8))
        #expect(Message().isEmpty)
        #expect(Message().count == 0)
    }

    @Test("bytes views the message in place")
    func rawSpan() {
        let message = Message(patternBytes(100))
        let span = message.bytes
        #expect(span.byteCount == 100)
        #expect(span.unsafeLoad(fromByteOffset: 7, as: UInt8.self) == patternBytes(100)[7])
        // Small messages live inside the zmq_msg_t; their bytes still stay put.
        let small = Message("tiny")
        #expect(small.bytes.byteCount == 4)
        #expect(small.bytes.unsafeLoad(fromByteOffset: 3, as: UInt8.self) == UInt8(ascii: "y"))
    }

    @Test("initialisers copy their input")
    func initialisers() {
        var source = patternBytes(64)
        let copied = Message(source)
        source[0] &+= 1
        #expect(copied.first == patternBytes(64)[0])

        let fromBuffer = source.withUnsafeBytes { Message(copying: $0) }
        #expect(Array(fromBuffer) == source)

        let written = Message(unsafeUninitializedCount: 4) { buffer in
            buffer.copyBytes(from: [1, 2, 3, 4] as [UInt8])
        }
        #expect(Array(written) == [1, 2, 3, 4])

        struct Failure: Error {}
        #expect(throws: Failure.self) {
            _ = try Message(unsafeUninitializedCount: 4) { _ throws(Failure) in throw Failure() }
        }

        #expect(Message("Grüße").count == "Grüße".utf8.count)
        #expect(Message("abc".dropFirst()) == "bc")
        #expect(Message(AnySequence([1, 2, 3] as [UInt8])) == [1, 2, 3])
        #expect(Message(Data([9, 9])) == [9, 9])
        #expect(Message([UInt8]()).isEmpty)
        #expect(Message(copying: UnsafeRawBufferPointer(start: nil, count: 0)).isEmpty)
    }

    @Test("invalid UTF-8 decodes with replacement characters")
    func invalidUTF8() {
        let message = Message([0x61, 0xFF, 0x62] as [UInt8])
        #expect(message.string == "a\u{FFFD}b")
    }

    @Test("descriptions")
    func descriptions() {
        let message = Message("hi\u{1}")
        #expect(message.description == "Message(3 bytes)")
        #expect(message.debugDescription == "Message(3 bytes: \"hi.\")")
        let long = Message(String(repeating: "x", count: 40))
        #expect(long.debugDescription == "Message(40 bytes: \"\(String(repeating: "x", count: 32))…\")")
        #expect(Message().more == false)
    }

    @Test("the module's types can be named through the module: ZeroMQ.Message, ZeroMQ.Context")
    func moduleQualifiedNames() throws {
        // A public type named `ZeroMQ` in the module would make these fail to compile.
        let context: ZeroMQ.Context = try makeContext()
        let message: ZeroMQ.Message = "qualified"
        let timeout: ZeroMQ.Timeout = .zero
        let socket = try ZeroMQ.PairSocket(context)
        try socket.setOption(.linger, timeout)
        #expect(message.count == 9)
        #expect(LibZMQ.version.major == 4)
    }
}
