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
            if !name.hasPrefix(".") { names.append(name) }
        }
        var keys: Set<CurvePublicKey> = []
        for name in names {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            guard let text = try publicKeyText(in: readFile(path)) else { continue }
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

    /// The whole of a small file.
    private static func readFile(_ path: String) throws(ZMQError) -> [UInt8] {
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw ZMQError(errno, operation: "open", target: path) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return contents }
            if count < 0 {
                if errno == EINTR { continue }
                throw ZMQError(errno, operation: "read", target: path)
            }
            contents += buffer[..<count]
            // A certificate is a few hundred bytes; anything this large is not one.
            if contents.count > 1 << 20 { return [] }
        }
    }

    /// The value of `public-key` in the top-level `curve` section of a ZPL text (ZeroMQ
    /// RFC 4/ZPL, as czmq writes certificates), without its quotes.
    static func publicKeyText(in contents: [UInt8]) -> String? {
        var inCurve = false
        for rawLine in String(decoding: contents, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let trimmed = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.startIndex == rawLine.startIndex {
                // A top-level name opens a section.
                inCurve = trimmed.prefix(while: { $0 != " " && $0 != "=" && $0 != "#" }) == "curve"
                continue
            }
            guard inCurve, let equals = trimmed.firstIndex(of: "=") else { continue }
            let name = trimmed[..<equals].trimmingSpaces()
            guard name == "public-key" else { continue }
            var value = trimmed[trimmed.index(after: equals)...].trimmingSpaces()
            if let quote = value.first, quote == "\"" || quote == "'" {
                value = value.dropFirst()
                guard let end = value.firstIndex(of: quote) else { return nil }
                value = value[..<end]
            } else if let comment = value.firstIndex(of: "#") {
                value = value[..<comment].trimmingSpaces()
            }
            return String(value)
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
