#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the CURVE public keys of a directory of czmq certificates with POSIX calls.
enum CertificateStore {
    /// The public key of every certificate in `directory` (see
    /// ``ZAPCurvePolicy/certificates(inDirectory:)``).
    static func publicKeys(inDirectory directory: String) throws(ZMQError) -> Set<CurvePublicKey> {
        guard let stream = opendir(directory) else {
            throw ZMQError(errno, operation: "opendir", target: directory)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            // Secret certificates (czmq's zcert_save writes `name_secret`, pyzmq's
            // create_certificates `name.key_secret`) hold a secret key: not read, as
            // czmq's zcertstore does not read them.
            if !name.hasPrefix("."), !name.hasSuffix("_secret") { names.append(name) }
        }
        var keys: Set<CurvePublicKey> = []
        for name in names {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            guard let text = try withFileContents(path, publicKeyText(in:)) else { continue }
            do {
                keys.insert(try CurvePublicKey(z85: text))
            } catch {
                throw ZMQError(
                    EINVAL, operation: "read certificate", target: path,
                    reason: "its public-key is not 40 characters of Z85")
            }
        }
        return keys
    }

    /// Calls `body` with the whole of a small file, read into one buffer that is wiped
    /// afterwards: a certificate may hold a secret key as well as its public key.
    private static func withFileContents<R>(
        _ path: String, _ body: (UnsafeRawBufferPointer) -> R
    ) throws(ZMQError) -> R {
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw ZMQError(errno, operation: "open", target: path) }
        defer { close(descriptor) }
        // A certificate is a few hundred bytes; anything larger than this is not one.
        let capacity = 1 << 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer {
            wipe(buffer)
            buffer.deallocate()
        }
        var length = 0
        while length < capacity {
            let count = read(descriptor, buffer.baseAddress! + length, capacity - length)
            if count == 0 { return body(UnsafeRawBufferPointer(rebasing: buffer[..<length])) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ZMQError(errno, operation: "read", target: path)
            }
            length += count
        }
        return body(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// The value of `public-key` in the top-level `curve` section of a ZPL text (ZeroMQ
    /// RFC 4/ZPL, as czmq writes certificates), without its quotes.
    ///
    /// It reads the bytes where they are: nothing but the public key's value becomes a
    /// `String`, so that a secret key in the same file is not copied.
    static func publicKeyText(in contents: UnsafeRawBufferPointer) -> String? {
        let space = UInt8(ascii: " ")
        let tab = UInt8(ascii: "\t")
        let equals = UInt8(ascii: "=")
        let hash = UInt8(ascii: "#")
        var inCurve = false
        for rawLine in contents.split(whereSeparator: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            let trimmed = rawLine.drop(while: { $0 == space || $0 == tab })
            if trimmed.isEmpty || trimmed.first == hash { continue }
            if trimmed.startIndex == rawLine.startIndex {
                // A top-level name opens a section.
                inCurve = trimmed.prefix(while: { $0 != space && $0 != equals && $0 != hash })
                    .elementsEqual("curve".utf8)
                continue
            }
            guard inCurve, let equalsIndex = trimmed.firstIndex(of: equals) else { continue }
            guard trimmingSpaces(trimmed[..<equalsIndex]).elementsEqual("public-key".utf8) else { continue }
            var value = trimmingSpaces(trimmed[(equalsIndex + 1)...])
            if let quote = value.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                value = value.dropFirst()
                guard let end = value.firstIndex(of: quote) else { return nil }
                value = value[..<end]
            } else if let comment = value.firstIndex(of: hash) {
                value = trimmingSpaces(value[..<comment])
            }
            return String(decoding: value, as: UTF8.self)
        }
        return nil
    }

    /// `line` without the spaces and tabs at its ends.
    private static func trimmingSpaces(_ line: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        let isText: (UInt8) -> Bool = { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        guard let first = line.firstIndex(where: isText), let last = line.lastIndex(where: isText) else {
            return line[line.endIndex...]
        }
        return line[first...last]
    }
}
