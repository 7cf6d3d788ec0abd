import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Z85, ZeroMQ's printable encoding of binary data (ZeroMQ RFC 32): every 4 bytes
/// become 5 characters from an 85-character alphabet of letters, digits and
/// punctuation that needs no quoting in source code, shells or configuration files.
///
/// CURVE keys are usually written in Z85: 32 bytes become 40 characters.
///
/// ```swift
/// let text = try Z85.encode([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
/// print(text)                         // HelloWorld
/// print(try Z85.decode("HelloWorld")) // [134, 79, 210, 111, 181, 89, 247, 91]
/// ```
///
/// Z85 has no padding: only a multiple of 4 bytes can be encoded, and only a
/// multiple of 5 characters decoded. Anything else, and text with a character outside
/// the alphabet, throws ``ZMQError/invalidArgument`` with a ``ZMQError/reason`` that
/// says what was wrong. Empty input encodes and decodes to empty output.
public enum Z85 {
    /// The 85 characters of the Z85 alphabet, in the order of their values 0 to 84.
    public static let alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

    /// Encodes `bytes`, whose count must be a multiple of 4, as Z85 text of
    /// `bytes.count / 4 * 5` characters.
    ///
    /// The corresponding C function is `zmq_z85_encode`.
    ///
    /// - Parameter bytes: The data to encode; its count must be a multiple of 4.
    /// - Returns: The Z85 text.
    /// - Throws: ``ZMQError/invalidArgument`` when the count is not a multiple of 4.
    public static func encode(_ bytes: some Sequence<UInt8>) throws(ZMQError) -> String {
        // `withUnsafeBytes` rethrows untyped errors; carry the typed one out in a Result.
        let encodeBuffer = { (buffer: UnsafeBufferPointer<UInt8>) -> Result<String, ZMQError> in
            Result { () throws(ZMQError) in try encode(UnsafeRawBufferPointer(buffer)) }
        }
        let result =
            bytes.withContiguousStorageIfAvailable(encodeBuffer)
            ?? Array(bytes).withUnsafeBufferPointer(encodeBuffer)
        return try result.get()
    }

    /// Encodes the bytes in `buffer`, whose count must be a multiple of 4, as Z85 text.
    ///
    /// The corresponding C function is `zmq_z85_encode`.
    ///
    /// - Parameter buffer: The data to encode; its count must be a multiple of 4.
    /// - Returns: The Z85 text.
    /// - Throws: ``ZMQError/invalidArgument`` when the count is not a multiple of 4.
    public static func encode(_ buffer: UnsafeRawBufferPointer) throws(ZMQError) -> String {
        try encode(buffer, operation: "zmq_z85_encode")
    }

    /// Decodes Z85 text, whose length must be a multiple of 5 characters, into
    /// `text.count / 5 * 4` bytes.
    ///
    /// The corresponding C function is `zmq_z85_decode`.
    ///
    /// - Parameter text: The Z85 text; its length must be a multiple of 5.
    /// - Returns: The decoded bytes.
    /// - Throws: ``ZMQError/invalidArgument`` when a character is outside the Z85
    ///   alphabet, when the length is not a multiple of 5, or when a group of 5
    ///   characters stands for a value above 0xFFFFFFFF (such as `"%%%%%"`).
    public static func decode(_ text: some StringProtocol) throws(ZMQError) -> [UInt8] {
        try decode(text, operation: "zmq_z85_decode", showCharacters: true)
    }
}

// MARK: - Implementation

extension Z85 {
    /// Each ASCII character's value in the alphabet, or 0xFF for a character outside it.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 128)
        for (value, character) in alphabet.utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    static func encode(_ buffer: UnsafeRawBufferPointer, operation: String) throws(ZMQError) -> String {
        guard buffer.count % 4 == 0 else {
            throw ZMQError(
                EINVAL, operation: operation, target: "\(buffer.count) bytes",
                reason: "Z85 encodes a multiple of 4 bytes, and \(buffer.count) is not one")
        }
        guard let source = buffer.baseAddress, buffer.count > 0 else { return "" }
        let length = buffer.count / 4 * 5
        // libzmq writes a terminating NUL after the text: 5n/4 + 1 bytes.
        var failed = false
        let text = String(unsafeUninitializedCapacity: length + 1) { destination in
            let written = destination.withMemoryRebound(to: CChar.self) { characters in
                zmq_z85_encode(characters.baseAddress, source.assumingMemoryBound(to: UInt8.self), buffer.count)
            }
            if written == nil {
                failed = true
                return 0
            }
            return length
        }
        if failed { throw ZMQError.last("zmq_z85_encode", target: "\(buffer.count) bytes") }
        return text
    }

    /// Checks `text` character by character, then decodes it with libzmq.
    ///
    /// - Parameter showCharacters: Whether an error may quote a bad character, or say
    ///   what a group stands for; false for secret keys, whose errors must not reveal
    ///   any part of them.
    static func decode(
        _ text: some StringProtocol, operation: String, showCharacters: Bool
    ) throws(ZMQError) -> [UInt8] {
        // libzmq's decoder rejects characters outside the alphabet itself (with
        // EINVAL and no reason), but stops at a NUL, so check here first and say which
        // character is wrong and where.
        var ascii: [CChar] = []
        ascii.reserveCapacity(text.utf8.count + 1)
        var group: UInt64 = 0
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            let value = scalar.isASCII ? values[Int(scalar.value)] : 0xFF
            guard value != 0xFF else {
                let character =
                    showCharacters
                    ? "the character \(quoted(scalar))"
                    : "a character"
                throw ZMQError(
                    EINVAL, operation: operation, target: "\(text.unicodeScalars.count) characters",
                    reason: "\(character) at offset \(offset) is not in the Z85 alphabet")
            }
            group = group * 85 + UInt64(value)
            if offset % 5 == 4 {
                guard group <= 0xFFFF_FFFF else {
                    // The group's value is five characters of the text: not for a secret.
                    let meaning = showCharacters ? "\(group)" : "a value above 0xFFFFFFFF"
                    throw ZMQError(
                        EINVAL, operation: operation, target: "\(text.unicodeScalars.count) characters",
                        reason: "the 5 characters at offset \(offset - 4) stand for \(meaning), "
                            + "more than the 4 bytes of a Z85 group can hold")
                }
                group = 0
            }
            ascii.append(CChar(bitPattern: UInt8(scalar.value)))
        }
        guard ascii.count % 5 == 0 else {
            throw ZMQError(
                EINVAL, operation: operation, target: "\(ascii.count) characters",
                reason: "Z85 decodes a multiple of 5 characters, and \(ascii.count) is not one")
        }
        // libzmq rejects empty text (EINVAL); it decodes to nothing.
        if ascii.isEmpty { return [] }
        ascii.append(0)
        let count = ascii.count / 5 * 4
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { destination, initialized in
            // libzmq writes exactly 4n/5 bytes, with no terminator.
            failed = zmq_z85_decode(destination.baseAddress, ascii) == nil
            initialized = failed ? 0 : count
        }
        if failed {
            throw ZMQError.last("zmq_z85_decode", target: "\(ascii.count - 1) characters")
        }
        return bytes
    }

    private static func quoted(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F {
            return code
        }
        return "\"\(scalar)\" (\(code))"
    }
}
