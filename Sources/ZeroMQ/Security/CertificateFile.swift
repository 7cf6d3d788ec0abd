#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// One certificate file, read and written with POSIX calls: czmq's format (ZeroMQ RFC 4/ZPL,
// as `zcert_save` and pyzmq's `zmq.auth.create_certificates` write it):
//
//     #   comment lines
//     metadata
//         name = "value"
//     curve
//         public-key = "<40 characters of Z85>"
//         secret-key = "<40 characters of Z85>"      (in a secret certificate only)
//
// A file is read whole into one buffer that is wiped before it is freed, and parsed where
// it is: a secret key goes from there into a wiped buffer and the key's storage, never
// into a String or an Array. A secret certificate is written from a wiped buffer too.

/// What a certificate file holds, as ranges of the buffer it was read into (the keys) and
/// strings (the metadata, which is not secret).
struct CertificateText {
    /// The value of `public-key` in the `curve` section, without its quotes.
    var publicKey: Range<Int>?
    /// The value of `secret-key` in the `curve` section, without its quotes.
    var secretKey: Range<Int>?
    /// The `metadata` section's properties.
    var metadata: [String: String] = [:]
}

enum CertificateFile {
    /// Calls `body` with the whole of a small file, read into one buffer that is wiped
    /// afterwards: a certificate may hold a secret key as well as its public key.
    ///
    /// - Throws: the `open` or `read` error naming `path`; ``ZMQError/invalidArgument``
    ///   when the file is larger than 64 KiB, which no certificate is.
    static func withContents<R>(
        of path: String, _ body: (UnsafeRawBufferPointer) throws(ZMQError) -> R
    ) throws(ZMQError) -> R {
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw ZMQError(errno, operation: "open", target: path) }
        defer { close(descriptor) }
        let capacity = 1 << 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer {
            wipe(buffer)
            buffer.deallocate()
        }
        var length = 0
        while length < capacity {
            let count = read(descriptor, buffer.baseAddress! + length, capacity - length)
            if count == 0 { return try body(UnsafeRawBufferPointer(rebasing: buffer[..<length])) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ZMQError(errno, operation: "read", target: path)
            }
            length += count
        }
        throw ZMQError(
            EINVAL, operation: "load certificate", target: path,
            reason: "the file is larger than \(capacity) bytes, which no certificate is")
    }

    /// Parses a certificate's ZPL text: the `public-key` and `secret-key` of the
    /// top-level `curve` section, and the properties of the `metadata` section.
    ///
    /// Lines are top-level names (a section) or indented `name = value` lines (a
    /// property of the section above); `#` starts a comment line; a value is quoted with
    /// `"` or `'`, or runs to a `#` or the line's end.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` naming `path` and the line of a quoted
    ///   value without its closing quote, or of a metadata line that is not
    ///   `name = value`.
    static func parse(_ contents: UnsafeRawBufferPointer, path: String) throws(ZMQError) -> CertificateText {
        var result = CertificateText()
        var section = ""
        var lineNumber = 0
        var lineStart = 0
        while lineStart < contents.count {
            var lineEnd = lineStart
            while lineEnd < contents.count, contents[lineEnd] != newline { lineEnd += 1 }
            lineNumber += 1
            defer { lineStart = lineEnd + 1 }
            var end = lineEnd
            if end > lineStart, contents[end - 1] == carriageReturn { end -= 1 }
            var start = lineStart
            while start < end, contents[start] == space || contents[start] == tab { start += 1 }
            if start == end || contents[start] == hash { continue }
            let indented = start > lineStart
            // The name runs to a space, a tab, a "=" or a "#".
            var nameEnd = start
            while nameEnd < end, !isNameEnd(contents[nameEnd]) { nameEnd += 1 }
            let name = String(decoding: contents[start..<nameEnd], as: UTF8.self)
            if !indented {
                section = name
                continue
            }
            var cursor = nameEnd
            while cursor < end, contents[cursor] == space || contents[cursor] == tab { cursor += 1 }
            guard cursor < end, contents[cursor] == equals else {
                if section == "metadata" {
                    throw ZMQError(
                        EINVAL, operation: "load certificate", target: path,
                        reason: "line \(lineNumber) of the metadata section is not `name = value`")
                }
                continue
            }
            cursor += 1
            while cursor < end, contents[cursor] == space || contents[cursor] == tab { cursor += 1 }
            let value: Range<Int>
            if cursor < end, contents[cursor] == doubleQuote || contents[cursor] == singleQuote {
                let quote = contents[cursor]
                var close = cursor + 1
                while close < end, contents[close] != quote { close += 1 }
                guard close < end else {
                    throw ZMQError(
                        EINVAL, operation: "load certificate", target: path,
                        reason: "the value on line \(lineNumber) has no closing quote")
                }
                value = (cursor + 1)..<close
            } else {
                var valueEnd = cursor
                while valueEnd < end, contents[valueEnd] != hash { valueEnd += 1 }
                while valueEnd > cursor, contents[valueEnd - 1] == space || contents[valueEnd - 1] == tab {
                    valueEnd -= 1
                }
                value = cursor..<valueEnd
            }
            switch (section, name) {
            case ("curve", "public-key"): result.publicKey = value
            case ("curve", "secret-key"): result.secretKey = value
            case ("metadata", _): result.metadata[name] = String(decoding: contents[value], as: UTF8.self)
            default: break
            }
        }
        return result
    }

    // MARK: Writing

    /// Writes a certificate file: comment lines, the `metadata` section, the `curve`
    /// section with `publicKey`, and, for a secret certificate, `secretKey`, whose Z85
    /// text exists only in the wiped buffer the file is written from.
    ///
    /// A secret certificate's file is created with mode 0600, and an existing one is set
    /// to 0600 before anything is written to it; a public one is created with mode 0644
    /// (less what the umask removes).
    ///
    /// - Throws: ``ZMQError/invalidArgument`` naming the metadata name or value that ZPL
    ///   cannot hold; the `open`, `fchmod` or `write` error naming `path`.
    static func save(
        to path: String, banner: [String], publicKey: CurvePublicKey, secretKey: CurveSecretKey?,
        metadata: [String: String]
    ) throws(ZMQError) {
        var text = banner.map { "#   " + $0 + "\n" }.joined() + "\nmetadata\n"
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            try checkName(name, path: path)
            text += "    \(name) = \(try quoted(value, name: name, path: path))\n"
        }
        text += "curve\n    public-key = \"\(publicKey.z85)\"\n"
        let secretPrefix = Array("    secret-key = \"".utf8)
        let secretSuffix = Array("\"\n".utf8)
        let keyLength = 40
        let count = text.utf8.count + (secretKey == nil ? 0 : secretPrefix.count + keyLength + secretSuffix.count)
        // One more byte: libzmq writes a NUL after the key's text, which the closing
        // quote then overwrites.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count + 1, alignment: 1)
        defer {
            wipe(buffer)
            buffer.deallocate()
        }
        var offset = 0
        func append(_ bytes: some Collection<UInt8>) {
            UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]).copyBytes(from: bytes)
            offset += bytes.count
        }
        append(text.utf8)
        if let secretKey {
            append(secretPrefix)
            try secretKey.withUnsafeBytes { bytes throws(ZMQError) in
                let characters = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + keyLength + 1)])
                    .bindMemory(to: CChar.self)
                try z85Encode(bytes, into: characters)
            }
            offset += keyLength
            append(secretSuffix)
        }
        precondition(offset == count, "the certificate's text fills the buffer")
        try writeFile(path, UnsafeRawBufferPointer(rebasing: buffer[..<count]), isSecret: secretKey != nil)
    }

    /// Writes `contents` to `path`, created or truncated, with a secret's mode or the
    /// public mode.
    private static func writeFile(_ path: String, _ contents: UnsafeRawBufferPointer, isSecret: Bool) throws(ZMQError) {
        let mode: mode_t = isSecret ? 0o600 : 0o644
        var descriptor: Int32
        // A secret is never written through a symbolic link: one planted at the path
        // would send the key wherever it points (O_NOFOLLOW fails with ELOOP instead).
        let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (isSecret ? O_NOFOLLOW : 0)
        repeat {
            descriptor = open(path, flags, mode)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            let code = errno
            throw ZMQError(
                code, operation: "open", target: path,
                reason: code == ELOOP ? "a secret certificate is not written through a symbolic link" : nil)
        }
        defer { close(descriptor) }
        // An existing file keeps its mode through O_CREAT: narrow it before the secret
        // is in it.
        if isSecret, fchmod(descriptor, 0o600) != 0 {
            throw ZMQError(errno, operation: "fchmod 0600", target: path)
        }
        var written = 0
        while written < contents.count {
            let count = write(descriptor, contents.baseAddress! + written, contents.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                throw ZMQError(errno, operation: "write", target: path)
            }
            written += count
        }
    }

    /// A metadata name that ZPL can hold: letters, digits and `$-_@.&+/`.
    private static func checkName(_ name: String, path: String) throws(ZMQError) {
        let allowed = Set("$-_@.&+/".utf8)
        let isValid =
            !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || allowed.contains(byte)
            }
        guard isValid else {
            throw ZMQError(
                EINVAL, operation: "save certificate", target: path,
                reason: "the metadata name \"\(name)\" is not ZPL: use letters, digits and $-_@.&+/")
        }
    }

    /// `value` in double quotes, or single quotes when it holds a double quote.
    private static func quoted(_ value: String, name: String, path: String) throws(ZMQError) -> String {
        guard !value.contains(where: \.isNewline) else {
            throw ZMQError(
                EINVAL, operation: "save certificate", target: path,
                reason: "the value of metadata \"\(name)\" holds a line break, which ZPL cannot")
        }
        if !value.contains("\"") { return "\"\(value)\"" }
        if !value.contains("'") { return "'\(value)'" }
        throw ZMQError(
            EINVAL, operation: "save certificate", target: path,
            reason: "the value of metadata \"\(name)\" holds both kinds of quote, which ZPL cannot")
    }
}

private let newline = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r")
private let space = UInt8(ascii: " ")
private let tab = UInt8(ascii: "\t")
private let equals = UInt8(ascii: "=")
private let hash = UInt8(ascii: "#")
private let doubleQuote = UInt8(ascii: "\"")
private let singleQuote = UInt8(ascii: "'")

/// Whether `byte` ends a name: a space, a tab, a `=` or a `#`.
private func isNameEnd(_ byte: UInt8) -> Bool {
    byte == space || byte == tab || byte == equals || byte == hash
}
