import Testing
import ZeroMQ

@Suite("Z85")
struct Z85Tests {
    static let helloWorld: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]

    @Test("the RFC 32 vector: 86 4F D2 6F B5 59 F7 5B is HelloWorld")
    func knownVector() throws {
        #expect(try Z85.encode(Self.helloWorld) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == Self.helloWorld)
        // A Substring, an ArraySlice and a non-contiguous sequence work too.
        #expect(try Z85.decode("xHelloWorldx".dropFirst().dropLast()) == Self.helloWorld)
        #expect(try Z85.encode(Self.helloWorld[...]) == "HelloWorld")
        #expect(try Z85.encode(Self.helloWorld.lazy.map { $0 }) == "HelloWorld")
        let fromBuffer = try Self.helloWorld.withUnsafeBytes { buffer in try Z85.encode(buffer) }
        #expect(fromBuffer == "HelloWorld")
    }

    @Test("the extremes of a group: all zero bytes and all 0xFF bytes")
    func extremes() throws {
        #expect(try Z85.encode([0, 0, 0, 0]) == "00000")
        #expect(try Z85.encode([0xFF, 0xFF, 0xFF, 0xFF]) == "%nSc0")
        #expect(try Z85.decode("%nSc0") == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test("random bytes of every multiple of 4 up to 256 round-trip")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for count in stride(from: 0, through: 256, by: 4) {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = try Z85.encode(bytes)
            #expect(text.utf8.count == count / 4 * 5)
            #expect(text.unicodeScalars.allSatisfy { Z85.alphabet.unicodeScalars.contains($0) })
            #expect(try Z85.decode(text) == bytes, "\(count) bytes")
        }
        // A large buffer: 1 MiB.
        let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        #expect(try Z85.decode(Z85.encode(large)) == large)
    }

    @Test("a 32-byte key round-trips through 40 characters")
    func keySized() throws {
        let key = (0..<32).map { UInt8($0 * 8 + 1) }
        let text = try Z85.encode(key)
        #expect(text.count == 40)
        #expect(try Z85.decode(text) == key)
    }

    @Test("empty input encodes and decodes to empty output")
    func empty() throws {
        #expect(try Z85.encode([UInt8]()) == "")
        #expect(try Z85.decode("") == [])
    }

    @Test("encoding a count that is not a multiple of 4 names the count", arguments: [1, 3, 5, 6, 7, 33])
    func badEncodeLength(count: Int) {
        let error = #expect(throws: ZMQError.invalidArgument) {
            try Z85.encode([UInt8](repeating: 1, count: count))
        }
        #expect(error?.operation == "zmq_z85_encode")
        #expect(error?.target == "\(count) bytes")
        #expect(error?.reason == "Z85 encodes a multiple of 4 bytes, and \(count) is not one")
    }

    @Test("decoding a length that is not a multiple of 5 names the length", arguments: [1, 3, 4, 6, 9, 41])
    func badDecodeLength(length: Int) {
        let text = String(repeating: "a", count: length)
        let error = #expect(throws: ZMQError.invalidArgument) { try Z85.decode(text) }
        #expect(error?.operation == "zmq_z85_decode")
        #expect(error?.target == "\(length) characters")
        #expect(error?.reason == "Z85 decodes a multiple of 5 characters, and \(length) is not one")
        #expect(
            error?.description
                == "zmq_z85_decode \(length) characters: Z85 decodes a multiple of 5 characters, "
                + "and \(length) is not one (EINVAL: Invalid argument)")
    }

    @Test(
        "a character outside the alphabet is named with its offset",
        arguments: [
            ("Hell~World", "the character \"~\" (U+007E) at offset 4"),
            ("Hello\"orld", #"the character """ (U+0022) at offset 5"#),
            ("Hello,orld", "the character \",\" (U+002C) at offset 5"),
            ("HelloWorl;", "the character \";\" (U+003B) at offset 9"),
            ("Hell World", "the character U+0020 at offset 4"),
            ("Hell\0World", "the character U+0000 at offset 4"),
            ("\u{7F}elloWorld", "the character U+007F at offset 0"),
            ("HellöWorld", "the character \"ö\" (U+00F6) at offset 4"),
            ("Hell😀", "the character \"😀\" (U+1F600) at offset 4"),
            // The alphabet is checked before the length.
            ("Hel_", "the character \"_\" (U+005F) at offset 3"),
        ])
    func badCharacter(text: String, named: String) {
        let error = #expect(throws: ZMQError.invalidArgument) { try Z85.decode(text) }
        #expect(error?.reason == "\(named) is not in the Z85 alphabet")
    }

    @Test("a group of 5 characters above 0xFFFFFFFF is refused")
    func groupOverflow() {
        // "%nSc0" is 0xFFFFFFFF; "%nSc1" is one more.
        for text in ["%nSc1", "%%%%%", "HelloWorld#####"] {
            let error = #expect(throws: ZMQError.invalidArgument) { try Z85.decode(text) }
            #expect(error?.reason?.contains("more than the 4 bytes of a Z85 group can hold") == true, "\(text)")
        }
        let error = #expect(throws: ZMQError.invalidArgument) { try Z85.decode("HelloWorld#####") }
        #expect(error?.reason?.hasPrefix("the 5 characters at offset 10 stand for ") == true)
        let first = #expect(throws: ZMQError.invalidArgument) { try Z85.decode("%%%%%") }
        #expect(
            first?.description
                == "zmq_z85_decode 5 characters: the 5 characters at offset 0 stand for 4331409002, "
                + "more than the 4 bytes of a Z85 group can hold (EINVAL: Invalid argument)")
    }

    @Test("the alphabet has 85 distinct ASCII characters")
    func alphabet() {
        #expect(Z85.alphabet.count == 85)
        #expect(Set(Z85.alphabet).count == 85)
        #expect(Z85.alphabet.allSatisfy { $0.isASCII })
    }
}
