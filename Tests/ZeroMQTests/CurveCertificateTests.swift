import Foundation
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The permission bits of `path`.
private func mode(_ path: String) throws -> mode_t {
    var status = stat()
    guard stat(path, &status) == 0 else { throw TestFailure("stat \(path): errno \(errno)") }
    return status.st_mode & 0o777
}

private func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
}

/// The error that `body` throws; a test failure when it throws none.
private func failure(_ body: () throws(ZMQError) -> Void) throws -> ZMQError {
    do throws(ZMQError) {
        try body()
    } catch {
        return error
    }
    throw TestFailure("no error was thrown")
}

@Suite("CURVE certificates as files")
struct CurveCertificateTests {
    @Test("save writes a public file and a _secret file with mode 0600; both load back")
    func saveAndLoad() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificate = try CurveCertificate.generate(metadata: ["name": "alice", "email": "a@example.com"])
        let path = directory + "/alice.key"
        try certificate.save(to: path)

        #expect(try mode(path + "_secret") == 0o600)
        let publicText = try String(contentsOfFile: path, encoding: .utf8)
        #expect(publicText.contains("public-key = \"\(certificate.publicKey.z85)\""))
        #expect(!publicText.contains("secret-key"))
        #expect(publicText.contains("    name = \"alice\""))

        let loadedPublic = try CurveCertificate(publicFile: path)
        #expect(loadedPublic == certificate.publicCertificate)
        #expect(loadedPublic.secretKey == nil && loadedPublic.keyPair == nil)
        #expect(loadedPublic.metadata == ["name": "alice", "email": "a@example.com"])

        let loadedSecret = try CurveCertificate(secretFile: path + "_secret")
        #expect(loadedSecret == certificate)
        #expect(loadedSecret.keyPair == certificate.keyPair)
        // The key pair alone, for a server's options.
        #expect(try CurveKeyPair(secretFile: path + "_secret") == certificate.keyPair)
        // The public form of a secret file: its secret key is left alone.
        #expect(try CurveCertificate(publicFile: path + "_secret") == certificate.publicCertificate)
        // Printing never shows the secret key.
        #expect(!"\(loadedSecret)".contains(certificate.secretKey!.z85))
        #expect("\(loadedSecret)".contains("secretKey: redacted"))
    }

    @Test("an existing secret file with wider permissions is narrowed to 0600 before the key is written")
    func existingSecretFileNarrowed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/server_secret"
        try write("old contents, much longer than what replaces it? no: shorter\n", to: path)
        chmod(path, 0o644)
        let certificate = try CurveCertificate.generate()
        try certificate.saveSecret(to: path)
        #expect(try mode(path) == 0o600)
        #expect(try CurveCertificate(secretFile: path) == certificate)
    }

    @Test("a secret certificate is not written through a symbolic link planted at its path")
    func secretNotWrittenThroughSymlink() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = directory + "/elsewhere"
        try write("untouched\n", to: target)
        let path = directory + "/server_secret"
        #expect(symlink(target, path) == 0)
        let certificate = try CurveCertificate.generate()
        let error = try failure { () throws(ZMQError) in try certificate.saveSecret(to: path) }
        #expect(error.code == ELOOP)
        #expect("\(error)".contains("symbolic link"), "\(error)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "untouched\n")
    }

    @Test("errors name the file and what is wrong with it")
    func errors() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try CurveKeyPair.generate()
        let other = try CurveKeyPair.generate()
        func file(_ name: String, _ text: String) throws -> String {
            let path = directory + "/" + name
            try write(text, to: path)
            return path
        }

        let missing = directory + "/missing.key"
        let missingError = try failure { () throws(ZMQError) in _ = try CurveCertificate(publicFile: missing) }
        #expect(missingError == .noEntry && "\(missingError)".contains(missing))

        let noKey = try file("nokey", "metadata\n    name = \"x\"\n")
        let noKeyError = try failure { () throws(ZMQError) in _ = try CurveCertificate(publicFile: noKey) }
        #expect(noKeyError == .invalidArgument)
        #expect("\(noKeyError)".contains(noKey) && "\(noKeyError)".contains("no public-key"), "\(noKeyError)")

        let badZ85 = try file("bad", "curve\n    public-key = \"\(String(pair.publicKey.z85.dropLast()))~\"\n")
        let badZ85Error = try failure { () throws(ZMQError) in _ = try CurveCertificate(publicFile: badZ85) }
        #expect(
            "\(badZ85Error)".contains(badZ85) && "\(badZ85Error)".contains("not in the Z85 alphabet"), "\(badZ85Error)")

        let short = try file("short", "curve\n    public-key = \"\(pair.publicKey.z85.dropLast(5))\"\n")
        let shortError = try failure { () throws(ZMQError) in _ = try CurveCertificate(publicFile: short) }
        #expect("\(shortError)".contains(short) && "\(shortError)".contains("35 characters"), "\(shortError)")

        let publicOnly = try file("public.key", "curve\n    public-key = \"\(pair.publicKey.z85)\"\n")
        let notSecret = try failure { () throws(ZMQError) in _ = try CurveCertificate(secretFile: publicOnly) }
        #expect("\(notSecret)".contains(publicOnly) && "\(notSecret)".contains("no secret-key"), "\(notSecret)")
        let notSecretPair = try failure { () throws(ZMQError) in _ = try CurveKeyPair(secretFile: publicOnly) }
        #expect(notSecretPair == notSecret && "\(notSecretPair)" == "\(notSecret)")

        // A bad secret key: the error says where, never which characters.
        let secretText = pair.secretKey.z85
        let badSecretText = "~" + secretText.dropFirst()
        let badSecret = try file(
            "bad_secret", "curve\n    public-key = \"\(pair.publicKey.z85)\"\n    secret-key = \"\(badSecretText)\"\n")
        let badSecretError = try failure { () throws(ZMQError) in _ = try CurveCertificate(secretFile: badSecret) }
        #expect(
            "\(badSecretError)".contains(badSecret) && "\(badSecretError)".contains("offset 0"), "\(badSecretError)")
        #expect(!"\(badSecretError)".contains(String(secretText.dropFirst().prefix(8))))

        let shortSecret = try file(
            "short_secret",
            "curve\n    public-key = \"\(pair.publicKey.z85)\"\n    secret-key = \"\(secretText.prefix(39))\"\n")
        let shortSecretError = try failure { () throws(ZMQError) in _ = try CurveCertificate(secretFile: shortSecret) }
        #expect("\(shortSecretError)".contains("39 characters"), "\(shortSecretError)")

        let mismatch = try file(
            "mismatch_secret",
            "curve\n    public-key = \"\(other.publicKey.z85)\"\n    secret-key = \"\(secretText)\"\n")
        let mismatchError = try failure { () throws(ZMQError) in _ = try CurveCertificate(secretFile: mismatch) }
        #expect("\(mismatchError)".contains("does not belong"), "\(mismatchError)")

        let unclosed = try file("unclosed", "curve\n    public-key = \"\(pair.publicKey.z85)\n")
        let unclosedError = try failure { () throws(ZMQError) in _ = try CurveCertificate(publicFile: unclosed) }
        #expect(
            "\(unclosedError)".contains("line 2") && "\(unclosedError)".contains("closing quote"), "\(unclosedError)")

        let publicCertificate = CurveCertificate(publicKey: pair.publicKey)
        #expect(throws: ZMQError.invalidArgument) { try publicCertificate.saveSecret(to: directory + "/x_secret") }
        let badName = CurveCertificate(keyPair: pair, metadata: ["two words": "x"])
        let badNameError = try failure { () throws(ZMQError) in try badName.save(to: directory + "/badname") }
        #expect("\(badNameError)".contains("two words"), "\(badNameError)")
        let badValue = CurveCertificate(keyPair: pair, metadata: ["quote": "it's \"both\""])
        #expect(throws: ZMQError.invalidArgument) { try badValue.save(to: directory + "/badvalue") }
    }

    @Test("the ZPL that czmq and pyzmq write: comments, quotes of either kind, unquoted values, CRLF")
    func zplVariants() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try CurveKeyPair.generate()
        let path = directory + "/variants_secret"
        try write(
            "#   ****  Generated on 2024-01-01 00:00:00 by CZMQ  ****\r\n# comment\r\n\r\nmetadata\r\n"
                + "    name = unquoted value   # a comment\r\n    single = 'it \"is\"'\r\ncurve\r\n"
                + "\tpublic-key = '\(pair.publicKey.z85)'\r\n    secret-key = \"\(pair.secretKey.z85)\"\r\n",
            to: path)
        let certificate = try CurveCertificate(secretFile: path)
        #expect(certificate.keyPair == pair)
        #expect(certificate.metadata == ["name": "unquoted value", "single": "it \"is\""])
    }

    // MARK: pyzmq

    @Test("certificates written by pyzmq's create_certificates load here")
    func loadPyzmqCertificates() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let printed = try runPython(
            """
            import sys, zmq.auth
            public_file, secret_file = zmq.auth.create_certificates(sys.argv[1], 'py', metadata={'name': 'from pyzmq'})
            public, secret = zmq.auth.load_certificate(secret_file)
            print(public.decode())
            print(secret.decode())
            """, arguments: [directory], timeout: .seconds(30))
        let lines = printed.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "pyzmq printed \(printed)")

        let publicCertificate = try CurveCertificate(publicFile: directory + "/py.key")
        #expect(publicCertificate.publicKey.z85 == lines[0])
        let secretCertificate = try CurveCertificate(secretFile: directory + "/py.key_secret")
        #expect(secretCertificate.publicKey.z85 == lines[0])
        #expect(secretCertificate.secretKey?.z85 == lines[1])
        // pyzmq writes the metadata into the secret file only.
        #expect(secretCertificate.metadata == ["name": "from pyzmq"])
        #expect(try CurveCertificate.publicCertificates(inDirectory: directory) == [publicCertificate])
    }

    @Test("certificates written here load in pyzmq")
    func pyzmqLoadsCertificates() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificate = try CurveCertificate.generate(metadata: ["name": "from swift"])
        try certificate.save(to: directory + "/swift.key")
        let printed = try runPython(
            """
            import sys, zmq.auth
            d = sys.argv[1]
            public, none = zmq.auth.load_certificate(d + '/swift.key')
            public2, secret = zmq.auth.load_certificate(d + '/swift.key_secret')
            assert none is None, none
            assert public == public2
            assert zmq.curve_public(secret) == public, 'the secret key does not belong to the public key'
            print(public.decode())
            print(secret.decode())
            print(sorted(k.decode() for k in zmq.auth.load_certificates(d)))
            """, arguments: [directory], timeout: .seconds(30))
        let lines = printed.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "pyzmq printed \(printed)")
        #expect(lines[0] == certificate.publicKey.z85)
        #expect(lines[1] == certificate.secretKey?.z85)
        #expect(lines[2] == "['\(certificate.publicKey.z85)']")
    }

    @Test("CURVE with certificate files: a pyzmq client, a server here with the authenticator allowing the directory")
    func curveConnectionWithFiles() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clients = root + "/clients"
        mkdir(clients, 0o700)
        // The client's certificates, written by pyzmq; the server's, written here.
        _ = try runPython(
            "import sys, zmq.auth; zmq.auth.create_certificates(sys.argv[1], 'client')", arguments: [clients],
            timeout: .seconds(30))
        try CurveCertificate.generate(metadata: ["name": "server"]).save(to: root + "/server.key")
        // A stranger's secret certificate in the directory: skipped, as czmq does.
        try CurveCertificate.generate().saveSecret(to: clients + "/stranger.key_secret")

        let context = try makeContext()
        let serverCertificate = try CurveCertificate(secretFile: root + "/server.key_secret")
        let serverKeys = try #require(serverCertificate.keyPair)
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(curve: try .certificates(inDirectory: clients)))
        let server = try RepSocket.bounded(context, timeout: .seconds(20))
        try server.setOption(.curveServer, true)
        try server.setOption(.curveSecretKey, serverKeys.secretKey)
        let endpoint = try server.bind("tcp://127.0.0.1:*")

        let output = Locked<Result<String, TestFailure>?>(nil)
        let python = TestThread {
            do {
                let printed = try runPython(
                    """
                    import sys, zmq, zmq.auth
                    root, endpoint = sys.argv[1], sys.argv[2]
                    client_public, client_secret = zmq.auth.load_certificate(root + '/clients/client.key_secret')
                    server_public, _ = zmq.auth.load_certificate(root + '/server.key')
                    ctx = zmq.Context()
                    s = ctx.socket(zmq.REQ)
                    s.linger = 0
                    s.rcvtimeo = 20000
                    s.curve_publickey = client_public
                    s.curve_secretkey = client_secret
                    s.curve_serverkey = server_public
                    s.connect(endpoint)
                    s.send(b'hello from pyzmq')
                    print(s.recv().decode())
                    print(client_public.decode())
                    s.close()
                    ctx.term()
                    """, arguments: [root, endpoint])
                output.value = .success(printed)
            } catch {
                output.value = .failure(TestFailure("\(error)"))
            }
        }
        let request = try server.receive()
        #expect(request.string == "hello from pyzmq")
        try server.send("hello from swift")
        #expect(python.join(timeout: .seconds(40)))
        let lines = try #require(output.value).get().split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "pyzmq printed \(lines)")
        #expect(lines[0] == "hello from swift")
        #expect(request.userID == lines[1])
        authenticator.stop()
    }
}
