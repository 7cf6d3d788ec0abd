import Foundation
import Testing
import ZeroMQ

@Suite("CURVE keys")
struct CurveKeyTests {
    @Test("libzmq on this machine has CURVE")
    func hasCurve() {
        // CI's libzmq3-dev is built with libsodium; every other test here needs it.
        #expect(LibZMQ.has(.curve))
    }

    @Test("a generated pair's public key is the one derived from its secret key")
    func generatedPairDerives() throws {
        for _ in 0..<20 {
            let pair = try CurveKeyPair.generate()
            #expect(try pair.secretKey.publicKey() == pair.publicKey)
            #expect(try CurvePublicKey(secretKey: pair.secretKey) == pair.publicKey)
            #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
            #expect(pair.publicKey.bytes.count == 32)
            #expect(pair.secretKey.bytes.count == 32)
            #expect(pair.publicKey.z85.count == 40)
            #expect(pair.secretKey.z85.count == 40)
        }
        // Pairs are random.
        #expect(try CurveKeyPair.generate() != CurveKeyPair.generate())
    }

    @Test("keys from Z85 text and from bytes")
    func fromTextAndBytes() throws {
        let pair = try CurveKeyPair.generate()
        let publicKey = try CurvePublicKey(z85: pair.publicKey.z85)
        let secretKey = try CurveSecretKey(z85: pair.secretKey.z85)
        #expect(publicKey == pair.publicKey)
        #expect(secretKey == pair.secretKey)
        #expect(try CurvePublicKey(bytes: pair.publicKey.bytes) == pair.publicKey)
        #expect(try CurveSecretKey(bytes: pair.secretKey.bytes) == pair.secretKey)
        #expect(try Z85.decode(pair.publicKey.z85) == pair.publicKey.bytes)
        #expect(try Z85.encode(pair.secretKey.bytes) == pair.secretKey.z85)
        #expect(Set([publicKey, pair.publicKey]).count == 1)

        // A fixed vector: the example server key pair that libzmq's own CURVE tests
        // (and the zguide) use.
        let secret = try CurveSecretKey(z85: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
        #expect(try secret.publicKey().z85 == "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")

        // Bytes from any sequence.
        let bytes = (0..<32).map { UInt8($0) }
        #expect(try CurvePublicKey(bytes: bytes.lazy.map { $0 }).bytes == bytes)
        #expect(try CurveSecretKey(bytes: bytes[...]) != secret)
    }

    @Test("a key of the wrong length names the length", arguments: [0, 31, 33, 64])
    func badByteCount(count: Int) {
        let bytes = [UInt8](repeating: 7, count: count)
        let publicError = #expect(throws: ZMQError.invalidArgument) { try CurvePublicKey(bytes: bytes) }
        #expect(
            publicError?.description
                == "CurvePublicKey(bytes:) \(count) bytes: a CURVE key is 32 bytes (EINVAL: Invalid argument)")
        let secretError = #expect(throws: ZMQError.invalidArgument) { try CurveSecretKey(bytes: bytes) }
        #expect(secretError?.operation == "CurveSecretKey(bytes:)")
        #expect(secretError?.reason == "a CURVE key is 32 bytes")
    }

    @Test("Z85 text of the wrong length names the length", arguments: [0, 5, 35, 39, 41, 45])
    func badTextLength(length: Int) {
        let text = String(repeating: "a", count: length)
        let publicError = #expect(throws: ZMQError.invalidArgument) { try CurvePublicKey(z85: text) }
        #expect(
            publicError?.description
                == "CurvePublicKey(z85:) \(length) characters: a CURVE key in Z85 is 40 characters (EINVAL: Invalid argument)"
        )
        let secretError = #expect(throws: ZMQError.invalidArgument) { try CurveSecretKey(z85: text) }
        #expect(secretError?.reason == "a CURVE key in Z85 is 40 characters")
    }

    @Test("a bad character in a public key is quoted; in a secret key it is not")
    func badCharacter() {
        let text = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]y~7"
        let publicError = #expect(throws: ZMQError.invalidArgument) { try CurvePublicKey(z85: text) }
        #expect(publicError?.operation == "CurvePublicKey(z85:)")
        #expect(publicError?.reason == "the character \"~\" (U+007E) at offset 38 is not in the Z85 alphabet")
        let secretError = #expect(throws: ZMQError.invalidArgument) { try CurveSecretKey(z85: text) }
        #expect(secretError?.operation == "CurveSecretKey(z85:)")
        #expect(secretError?.reason == "a character at offset 38 is not in the Z85 alphabet")
        // 40 characters whose last group is above 0xFFFFFFFF.
        let overflow = String(repeating: "0", count: 35) + "%%%%%"
        #expect(throws: ZMQError.invalidArgument) { try CurveSecretKey(z85: overflow) }
    }

    @Test("an error about secret-key text carries none of it: no character, no group's value")
    func secretTextErrorsCarryNoKeyMaterial() throws {
        let secret = Array(try CurveKeyPair.generate().secretKey.z85.unicodeScalars)
        let alphabet = Array(Z85.alphabet.unicodeScalars)
        for group in 0..<8 {
            // A group that starts with "#" (84) stands for more than 0xFFFFFFFF.
            var characters = secret
            characters[group * 5] = "#"
            let groupCharacters = characters[(group * 5)..<(group * 5 + 5)]
            let value = groupCharacters.reduce(UInt64(0)) { value, character in
                value * 85 + UInt64(alphabet.firstIndex(of: character)!)
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: characters)
            let error = #expect(throws: ZMQError.invalidArgument) { try CurveSecretKey(z85: text) }
            guard let error else { continue }
            #expect(
                error.reason
                    == "the 5 characters at offset \(group * 5) stand for a value above 0xFFFFFFFF, "
                    + "more than the 4 bytes of a Z85 group can hold")
            var dumped = ""
            dump(error, to: &dumped)
            let renderings = [
                error.description, String(reflecting: error), dumped, error.operation ?? "", error.target ?? "",
                error.reason ?? "",
            ]
            // Every group of the text, and the overflowing group's value in decimal and hex.
            var material = (0..<8).map { index in
                var group = ""
                group.unicodeScalars.append(contentsOf: characters[(index * 5)..<(index * 5 + 5)])
                return group
            }
            material += [String(value), String(value, radix: 16), String(value, radix: 16, uppercase: true)]
            for rendering in renderings {
                for piece in material {
                    #expect(!rendering.contains(piece), "group \(group): an error shows key material")
                }
            }
        }
        // The public decoder, whose input is not secret, still says what the group stands for.
        let publicError = #expect(throws: ZMQError.invalidArgument) {
            try CurvePublicKey(z85: String(repeating: "0", count: 35) + "%%%%%")
        }
        #expect(publicError?.reason?.contains("stand for 4331409002") == true)
    }

    @Test("a secret key never prints itself")
    func secretRedacted() throws {
        let pair = try CurveKeyPair.generate()
        let secret = pair.secretKey
        let hex = secret.bytes.map { String($0, radix: 16) }.joined()
        let paddedHex = secret.bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        var dumped = ""
        dump(secret, to: &dumped)
        var dumpedPair = ""
        dump(pair, to: &dumpedPair)
        var dumpedArray = ""
        dump([secret], to: &dumpedArray)
        let renderings = [
            "\(secret)", String(describing: secret), String(reflecting: secret), dumped,
            "\(pair)", String(describing: pair), String(reflecting: pair), dumpedPair,
            "\([secret])", String(reflecting: [secret]), dumpedArray,
            "\(Optional(secret) as Any)", String(reflecting: Optional(secret)),
            "\(Mirror(reflecting: secret).children.map { "\($0.label ?? ""): \($0.value)" })",
        ]
        for rendering in renderings {
            #expect(!rendering.contains(secret.z85), "\(rendering)")
            #expect(!rendering.lowercased().contains(hex), "\(rendering)")
            #expect(!rendering.lowercased().contains(paddedHex), "\(rendering)")
            // Nor the decimal bytes, as an array's description would show them.
            #expect(!rendering.contains("\(secret.bytes)"), "\(rendering)")
            #expect(!rendering.contains(secret.bytes.prefix(4).map(String.init).joined(separator: ", ")))
        }
        #expect("\(secret)" == "CurveSecretKey(redacted)")
        #expect(String(reflecting: secret) == "CurveSecretKey(redacted)")
        #expect(Mirror(reflecting: secret).children.isEmpty)
        #expect("\(pair)" == "CurveKeyPair(publicKey: \(pair.publicKey.z85), secretKey: redacted)")
        #expect(dumpedPair.contains(pair.publicKey.z85))
    }

    @Test("a public key prints as Z85")
    func publicPrints() throws {
        let key = try CurvePublicKey(z85: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
        #expect("\(key)" == "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
        #expect(String(reflecting: key) == "CurvePublicKey(rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7)")
    }

    @Test("keys are Sendable across tasks")
    func sendable() async throws {
        let pair = try CurveKeyPair.generate()
        let derived = try await Task.detached { try pair.secretKey.publicKey() }.value
        #expect(derived == pair.publicKey)
    }
}

// MARK: - Interoperating with pyzmq

@Suite("CURVE keys and Z85 with pyzmq")
struct PyZMQKeyTests {
    @Test("a pyzmq key pair derives the same public key here")
    func pyzmqPairDerivesHere() throws {
        let output = try runPython(
            """
            import zmq
            for _ in range(10):
                public, secret = zmq.curve_keypair()
                print(public.decode(), secret.decode())
            """)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 10)
        for line in lines {
            let parts = line.split(separator: " ")
            try #require(parts.count == 2, "\(line)")
            let publicKey = try CurvePublicKey(z85: parts[0])
            let secretKey = try CurveSecretKey(z85: parts[1])
            #expect(try secretKey.publicKey() == publicKey)
        }
    }

    @Test("pyzmq derives the same public key from a secret key generated here")
    func herePairDerivesInPyzmq() throws {
        let pairs = try (0..<10).map { _ in try CurveKeyPair.generate() }
        let output = try runPython(
            """
            import sys, zmq
            for secret in sys.argv[1:]:
                print(zmq.curve_public(secret.encode()).decode())
            """, arguments: pairs.map(\.secretKey.z85))
        #expect(output.split(separator: "\n").map(String.init) == pairs.map(\.publicKey.z85))
    }

    @Test("Z85 encoded here decodes identically in pyzmq's own (pure Python) codec, and back")
    func z85BothWays() throws {
        var generator = SystemRandomNumberGenerator()
        let inputs: [[UInt8]] =
            [Z85Tests.helloWorld, [], [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF]]
            + stride(from: 4, through: 200, by: 4).map { count in
                (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
        let texts = try inputs.map { bytes throws(ZMQError) in try Z85.encode(bytes) }
        let output = try runPython(
            """
            import sys
            from zmq.utils import z85
            for text in sys.argv[1:]:
                print("hex:" + z85.decode(text).hex())
            """, arguments: texts)
        let expected = inputs.map { bytes in
            "hex:" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        #expect(output.split(separator: "\n").map(String.init) == expected)

        // The other way: pyzmq encodes, this package decodes.
        let encoded = try runPython(
            """
            import os
            from zmq.utils import z85
            for count in range(0, 201, 4):
                data = os.urandom(count)
                print(data.hex(), z85.encode(data).decode())
            """)
        let lines = encoded.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 51)
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            try #require(parts.count == 2, "\(line)")
            let decoded = try Z85.decode(parts[1])
            #expect(decoded.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() == parts[0])
            #expect(try Z85.encode(decoded) == parts[1])
        }
    }
}
