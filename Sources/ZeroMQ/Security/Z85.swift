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
        try decode(text, operation: "zmq_z85_decode")
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
        guard buffer.count > 0 else { return "" }
        let length = buffer.count / 4 * 5
        // libzmq writes a terminating NUL after the text: 5n/4 + 1 bytes.
        var failure: ZMQError?
        let text = String(unsafeUninitializedCapacity: length + 1) { destination in
            do throws(ZMQError) {
                try destination.withMemoryRebound(to: CChar.self) { characters throws(ZMQError) in
                    try z85Encode(buffer, into: characters)
                }
            } catch {
                failure = error
                return 0
            }
            return length
        }
        if let failure { throw failure }
        return text
    }

    /// Checks `text` character by character, then decodes it with libzmq.
    static func decode(_ text: some StringProtocol, operation: String) throws(ZMQError) -> [UInt8] {
        // Room for every character, as ASCII, and a NUL.
        var ascii = [CChar](repeating: 0, count: text.utf8.count + 1)
        let length = try ascii.withUnsafeMutableBufferPointer { ascii throws(ZMQError) in
            try check(text, operation: operation, showCharacters: true, into: ascii)
        }
        guard length % 5 == 0 else {
            throw ZMQError(
                EINVAL, operation: operation, target: "\(length) characters",
                reason: "Z85 decodes a multiple of 5 characters, and \(length) is not one")
        }
        // libzmq rejects empty text (EINVAL); it decodes to nothing.
        if length == 0 { return [] }
        let count = length / 5 * 4
        var failure: ZMQError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { destination, initialized in
            do throws(ZMQError) {
                try ascii.withUnsafeBufferPointer { ascii throws(ZMQError) in
                    try z85Decode(ascii, characters: length, into: UnsafeMutableRawBufferPointer(destination))
                }
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Checks that `text` is Z85 (its alphabet, then the value of each complete group of
    /// 5 characters), writing its characters as ASCII into `ascii`, followed by a NUL; its
    /// length is the caller's to check.
    ///
    /// libzmq's decoder rejects all of these itself, with `EINVAL` and no reason, and
    /// stops at a NUL: the checks here say what is wrong and where.
    ///
    /// - Parameters:
    ///   - showCharacters: Whether an error may say which characters are wrong, and what
    ///     a group stands for; false for secret keys, whose errors give the offset only.
    ///   - ascii: Room for every character of `text` and a NUL.
    /// - Returns: The number of characters.
    static func check(
        _ text: some StringProtocol, operation: String, showCharacters: Bool,
        into ascii: UnsafeMutableBufferPointer<CChar>
    ) throws(ZMQError) -> Int {
        try check(scalars: text.unicodeScalars, operation: operation, showCharacters: showCharacters, into: ascii)
    }

    /// ``check(_:operation:showCharacters:into:)`` for text given as its scalars: those of
    /// a `String`, or the bytes of a file, each byte a scalar (so that a byte outside
    /// ASCII is outside the alphabet).
    static func check(
        scalars text: some Collection<Unicode.Scalar>, operation: String, showCharacters: Bool,
        into ascii: UnsafeMutableBufferPointer<CChar>
    ) throws(ZMQError) -> Int {
        var group: UInt64 = 0
        var length = 0
        for scalar in text {
            let value = scalar.isASCII ? values[Int(scalar.value)] : 0xFF
            guard value != 0xFF else {
                let character = showCharacters ? "the character \(quoted(scalar))" : "a character"
                throw ZMQError(
                    EINVAL, operation: operation, target: "\(text.count) characters",
                    reason: "\(character) at offset \(length) is not in the Z85 alphabet")
            }
            group = group * 85 + UInt64(value)
            if length % 5 == 4 {
                guard group <= 0xFFFF_FFFF else {
                    // The group's value is five characters of the text: not for a secret.
                    let meaning = showCharacters ? "\(group)" : "a value above 0xFFFFFFFF"
                    throw ZMQError(
                        EINVAL, operation: operation, target: "\(text.count) characters",
                        reason: "the 5 characters at offset \(length - 4) stand for \(meaning), "
                            + "more than the 4 bytes of a Z85 group can hold")
                }
                group = 0
            }
            precondition(length < ascii.count - 1, "room for the text and its NUL")
            ascii[length] = CChar(bitPattern: UInt8(scalar.value))
            length += 1
        }
        ascii[length] = 0
        return length
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
