#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the public certificates of a directory with POSIX calls, as czmq's `zcertstore`
/// does.
enum CertificateStore {
    /// The public certificate of every certificate file in `directory`, sorted by public
    /// key (see ``ZAPCurvePolicy/certificates(inDirectory:)``).
    static func publicCertificates(inDirectory directory: String) throws(ZMQError) -> [CurveCertificate] {
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
        var certificates: [CurveCertificate] = []
        for name in names {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            // A file without a public key (a README) is skipped, not refused.
            let certificate = try CertificateFile.withContents(of: path) { contents throws(ZMQError) in
                try CurveCertificate.publicCertificate(parsing: contents, path: path)
            }
            if let certificate { certificates.append(certificate) }
        }
        return certificates.sorted { $0.publicKey.z85 < $1.publicKey.z85 }
    }
}
