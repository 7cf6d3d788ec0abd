import CZeroMQ
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

// MARK: - Security options

private func makeCurveServer<K>(_ socket: Socket<K>, _ pair: CurveKeyPair) throws {
    try socket.setOption(.curveServer, true)
    try socket.setOption(.curveSecretKey, pair.secretKey)
}

private func makeCurveClient<K>(_ socket: Socket<K>, _ pair: CurveKeyPair, server: CurvePublicKey) throws {
    try socket.setOption(.curveServerKey, server)
    try socket.setOption(.curvePublicKey, pair.publicKey)
    try socket.setOption(.curveSecretKey, pair.secretKey)
}

private func makePlainServer<K>(_ socket: Socket<K>) throws {
    try socket.setOption(.plainServer, true)
}

private func makePlainClient<K>(_ socket: Socket<K>, _ username: String, _ password: String) throws {
    try socket.setOption(.plainUsername, username)
    try socket.setOption(.plainPassword, password)
}

/// A REP server and a REQ client over tcp on 127.0.0.1, configured before the bind and
/// the connect, and a monitor of the server's failed handshakes, attached before the
/// bind so that it sees the first.
private func requestReply(
    _ context: Context, timeout: Timeout = .seconds(5), server configureServer: (RepSocket) throws -> Void,
    client configureClient: (ReqSocket) throws -> Void
) throws -> (server: RepSocket, client: ReqSocket, monitor: Monitor) {
    let server = try RepSocket.bounded(context, timeout: timeout)
    let client = try ReqSocket.bounded(context, timeout: timeout)
    try configureServer(server)
    try configureClient(client)
    let monitor = try server.monitor(.handshakeFailed)
    let endpoint = try server.bind("tcp://127.0.0.1:*")
    try client.connect(endpoint)
    return (server, client, monitor)
}

/// Sends a request and returns it as the server received it, after replying.
private func exchange(_ server: RepSocket, _ client: ReqSocket, _ text: String = "hello") throws -> Message {
    try client.send(text)
    let request = try server.receive()
    #expect(request.string == text)
    try server.send("reply")
    #expect(try client.receiveString() == "reply")
    return request
}

/// Waits for the server's handshake with the client to fail, then checks that nothing
/// arrived; returns the failure.
@discardableResult
private func expectRefused(_ monitor: Monitor, _ server: RepSocket, _ client: ReqSocket) throws -> MonitorEvent.Kind {
    try client.send("hello")
    guard let event = try monitor.next(timeout: .seconds(5)) else {
        throw TestFailure("the monitor ended")
    }
    #expect(try server.tryReceive() == nil)
    return event.kind
}

@Suite("Authenticator")
struct AuthenticatorTests {
    // MARK: CURVE

    @Test("CURVE over REQ/REP: a known client key passes, with its Z85 as User-Id")
    func curveRequestReply() throws {
        let context = try makeContext()
        let serverPair = try CurveKeyPair.generate()
        let clientPair = try CurveKeyPair.generate()
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(curve: .keys([clientPair.publicKey])))
        let (server, client, _) = try requestReply(
            context, server: { try makeCurveServer($0, serverPair) },
            client: { try makeCurveClient($0, clientPair, server: serverPair.publicKey) })
        let request = try exchange(server, client)
        #expect(request.userID == clientPair.publicKey.z85)
        #expect(request.metadata("User-Id") == clientPair.publicKey.z85)
        authenticator.stop()
    }

    @Test("CURVE over PUB/SUB, any client key")
    func curvePublishSubscribe() throws {
        let context = try makeContext()
        let serverPair = try CurveKeyPair.generate()
        let authenticator = try Authenticator.start(in: context, policy: ZAPPolicy(curve: .anyKey))
        let publisher = try PubSocket.bounded(context)
        let subscriber = try SubSocket.bounded(context)
        try makeCurveServer(publisher, serverPair)
        try makeCurveClient(subscriber, try CurveKeyPair.generate(), server: serverPair.publicKey)
        try subscriber.subscribe(to: "news")
        let endpoint = try publisher.bind("tcp://127.0.0.1:*")
        try subscriber.connect(endpoint)
        let received = try publish(on: publisher, until: subscriber) { "news \($0)" }
        #expect(received.string.hasPrefix("news "))
        authenticator.stop()
    }

    @Test("a client with the wrong server key gets nothing")
    func wrongServerKey() throws {
        let context = try makeContext()
        let serverPair = try CurveKeyPair.generate()
        let authenticator = try Authenticator.start(in: context, policy: ZAPPolicy(curve: .anyKey))
        let (server, client, monitor) = try requestReply(
            context, server: { try makeCurveServer($0, serverPair) },
            client: {
                try makeCurveClient($0, try CurveKeyPair.generate(), server: try CurveKeyPair.generate().publicKey)
            }
        )
        let kind = try expectRefused(monitor, server, client)
        guard case .handshakeFailedProtocol = kind else {
            Issue.record("not a protocol failure: \(kind)")
            return
        }
        authenticator.stop()
    }

    @Test("a CURVE key set accepts one client key and refuses another")
    func curveKeySet() throws {
        let context = try makeContext()
        let serverPair = try CurveKeyPair.generate()
        let known = try CurveKeyPair.generate()
        let authenticator = try Authenticator.start(in: context, policy: ZAPPolicy(curve: .keys([known.publicKey])))
        let (server, client, _) = try requestReply(
            context, server: { try makeCurveServer($0, serverPair) },
            client: { try makeCurveClient($0, known, server: serverPair.publicKey) })
        #expect(try exchange(server, client).userID == known.publicKey.z85)

        let (otherServer, stranger, monitor) = try requestReply(
            context, server: { try makeCurveServer($0, serverPair) },
            client: { try makeCurveClient($0, try CurveKeyPair.generate(), server: serverPair.publicKey) })
        #expect(try expectRefused(monitor, otherServer, stranger) == .handshakeFailedAuthentication(status: 400))
        authenticator.stop()
    }

    @Test("a directory of czmq certificates")
    func certificateDirectory() throws {
        var template = Array("/tmp/swift-zeromq-certs-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp: errno \(errno)") }
        let directory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let known = try CurveKeyPair.generate()
        let other = try CurveKeyPair.generate()
        // As czmq's zcert_save_public writes it, and one with single quotes and tabs.
        try """
        #   ****  Generated on 2024-01-01 00:00:00 by CZMQ  ****
        #   ZeroMQ CURVE Public Certificate

        metadata
            name = "client"
        curve
            public-key = "\(known.publicKey.z85)"

        """.write(toFile: directory + "/client.key", atomically: false, encoding: .utf8)
        try "curve\n\tpublic-key = '\(other.publicKey.z85)'\n"
            .write(toFile: directory + "/other.key", atomically: false, encoding: .utf8)
        try "metadata\n    name = \"no key here\"\n".write(
            toFile: directory + "/README", atomically: false, encoding: .utf8)
        try "curve\n    public-key = \"\(known.secretKey.z85)\"\n"
            .write(toFile: directory + "/.hidden", atomically: false, encoding: .utf8)

        let policy = try ZAPCurvePolicy.certificates(inDirectory: directory)
        let expected = [
            CurveCertificate(publicKey: known.publicKey, metadata: ["name": "client"]),
            CurveCertificate(publicKey: other.publicKey),
        ].sorted { $0.publicKey.z85 < $1.publicKey.z85 }
        #expect(policy == .certificates(expected))

        let context = try makeContext()
        let serverPair = try CurveKeyPair.generate()
        let authenticator = try Authenticator.start(in: context, policy: ZAPPolicy(curve: policy))
        let (server, client, _) = try requestReply(
            context, server: { try makeCurveServer($0, serverPair) },
            client: { try makeCurveClient($0, known, server: serverPair.publicKey) })
        #expect(try exchange(server, client).userID == known.publicKey.z85)
        authenticator.stop()

        try "curve\n    public-key = \"too short\"\n".write(
            toFile: directory + "/bad", atomically: false, encoding: .utf8)
        #expect(throws: ZMQError.invalidArgument) { try ZAPCurvePolicy.certificates(inDirectory: directory) }
        #expect(throws: ZMQError.noEntry) { try ZAPCurvePolicy.certificates(inDirectory: directory + "/missing") }
    }

    @Test("secret certificates (names ending in _secret) are not read, as czmq's zcertstore skips them")
    func secretCertificatesSkipped() throws {
        var template = Array("/tmp/swift-zeromq-certs-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp: errno \(errno)") }
        let directory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let client = try CurveKeyPair.generate()
        let stray = try CurveKeyPair.generate()
        try "curve\n    public-key = \"\(client.publicKey.z85)\"\n"
            .write(toFile: directory + "/client.key", atomically: false, encoding: .utf8)
        // As pyzmq's create_certificates and czmq's zcert_save write a secret certificate
        // (here with another pair, to see whether it was read).
        try """
        curve
            public-key = "\(stray.publicKey.z85)"
            secret-key = "\(stray.secretKey.z85)"

        """.write(toFile: directory + "/client.key_secret", atomically: false, encoding: .utf8)
        try "curve\n    public-key = \"\(stray.publicKey.z85)\"\n    secret-key = \"\(stray.secretKey.z85)\"\n"
            .write(toFile: directory + "/client_secret", atomically: false, encoding: .utf8)
        #expect(
            try ZAPCurvePolicy.certificates(inDirectory: directory)
                == .certificates([CurveCertificate(publicKey: client.publicKey)]))
    }

    // MARK: PLAIN and addresses

    @Test("PLAIN: a wrong password is refused, the right one accepted with the user name as User-Id")
    func plain() throws {
        let context = try makeContext()
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(plainPasswords: ["admin": "secret"]))
        let (server, client, monitor) = try requestReply(
            context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "admin", "wrong") })
        #expect(try expectRefused(monitor, server, client) == .handshakeFailedAuthentication(status: 400))

        let (goodServer, goodClient, _) = try requestReply(
            context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "admin", "secret") })
        let request = try exchange(goodServer, goodClient)
        #expect(request.userID == "admin")
        authenticator.stop()
    }

    @Test("the observer is told every decision, with its request, once, before the peer sees the reply")
    func observer() throws {
        let context = try makeContext()
        let decisions = Locked<[(ZAPRequest, ZAPResponse)]>([])
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(plainPasswords: ["admin": "secret"]),
            domains: ["asked": ZAPPolicy(handler: { _ in .allow(userID: "from-handler") })],
            observer: { request, response in decisions.withLock { $0.append((request, response)) } })
        let (server, client, monitor) = try requestReply(
            context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "admin", "wrong") })
        #expect(try expectRefused(monitor, server, client) == .handshakeFailedAuthentication(status: 400))
        let (goodServer, goodClient, _) = try requestReply(
            context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "admin", "secret") })
        _ = try exchange(goodServer, goodClient)
        // A handler's decision is reported once its task has answered.
        let (askedServer, askedClient, _) = try requestReply(
            context,
            server: {
                try makePlainServer($0)
                try $0.setOption(.zapDomain, "asked")
            }, client: { try makePlainClient($0, "bob", "pw") })
        #expect(try exchange(askedServer, askedClient).userID == "from-handler")
        authenticator.stop()

        let seen = decisions.withLock { $0 }
        try #require(seen.count == 3)
        #expect(seen[0].0.mechanism == .plain && seen[0].0.username == "admin" && seen[0].0.address == "127.0.0.1")
        #expect(seen[0].1.status == .authenticationFailure)
        #expect(seen[1].1.status == .ok && seen[1].1.userID == "admin")
        #expect(seen[2].0.domain == "asked" && seen[2].0.username == "bob")
        #expect(seen[2].1.userID == "from-handler")
    }

    @Test("deny by IP address: nothing arrives from 127.0.0.1")
    func denyAddress() throws {
        let context = try makeContext()
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(deniedAddresses: ["127.0.0.1"], plainPasswords: ["u": "p"]))
        let (server, client, monitor) = try requestReply(
            context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "u", "p") })
        #expect(try expectRefused(monitor, server, client) == .handshakeFailedAuthentication(status: 400))

        // NULL with a ZAP domain asks the authenticator too.
        let (nullServer, nullClient, nullMonitor) = try requestReply(
            context, server: { try $0.setOption(.zapDomain, "global") }, client: { _ in })
        #expect(try expectRefused(nullMonitor, nullServer, nullClient) == .handshakeFailedAuthentication(status: 400))
        authenticator.stop()
    }

    @Test("allow by IP address: only listed addresses pass")
    func allowAddress() throws {
        let context = try makeContext()
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(allowedAddresses: ["127.0.0.1"], deniedAddresses: ["127.0.0.1"]),
            domains: ["elsewhere": ZAPPolicy(allowedAddresses: ["192.0.2.1"])])
        let (server, client, _) = try requestReply(
            context, server: { try $0.setOption(.zapDomain, "local") }, client: { _ in })
        let request = try exchange(server, client)
        #expect(request.userID == "")

        let (otherServer, otherClient, monitor) = try requestReply(
            context, server: { try $0.setOption(.zapDomain, "elsewhere") }, client: { _ in })
        #expect(try expectRefused(monitor, otherServer, otherClient) == .handshakeFailedAuthentication(status: 400))
        authenticator.stop()
    }

    // MARK: The handler and domains

    @Test("the handler decides what the policy leaves open")
    func handler() async throws {
        let context = try makeContext()
        let seen = Locked<[String]>([])
        let policy = ZAPPolicy(handler: { request in
            seen.withLock {
                $0.append("\(request.domain) \(request.mechanism) \(request.address) \(request.username ?? "-")")
            }
            switch request.password {
            case "open sesame": return .allow(userID: "handled \(request.username ?? "")")
            case "later": return .temporaryError("try again")
            default: return .deny()
            }
        })
        let authenticator = try Authenticator.start(in: context, domains: ["vault": policy])
        // Blocking socket calls on a thread of their own: an async test must not block
        // a thread of the cooperative pool.
        try await onThread {
            let (server, client, _) = try requestReply(
                context,
                server: {
                    try makePlainServer($0); try $0.setOption(.zapDomain, "vault")
                },
                client: { try makePlainClient($0, "ali", "open sesame") })
            #expect(try exchange(server, client).userID == "handled ali")
            #expect(seen.value == ["vault PLAIN 127.0.0.1 ali"])

            let (laterServer, laterClient, monitor) = try requestReply(
                context,
                server: {
                    try makePlainServer($0); try $0.setOption(.zapDomain, "vault")
                },
                client: { try makePlainClient($0, "ali", "later") })
            #expect(try expectRefused(monitor, laterServer, laterClient) == .handshakeFailedAuthentication(status: 300))

            // Another domain falls back to the default policy, which leaves PLAIN unconfigured.
            let (otherServer, otherClient, otherMonitor) = try requestReply(
                context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "ali", "open sesame") })
            #expect(
                try expectRefused(otherMonitor, otherServer, otherClient) == .handshakeFailedAuthentication(status: 400)
            )

            // A policy replaced at run time applies to the next handshake.
            authenticator.setPolicy(ZAPPolicy(plainPasswords: ["ali": "open sesame"]))
            let (replacedServer, replacedClient, _) = try requestReply(
                context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "ali", "open sesame") })
            #expect(try exchange(replacedServer, replacedClient).userID == "ali")
        }
        await authenticator.stop()
    }

    @Test("metadata in a handler's reply is on every message from the peer, with the User-Id")
    func handlerMetadata() async throws {
        let context = try makeContext()
        let authenticator = try Authenticator.start(
            in: context,
            policy: ZAPPolicy(handler: { request in
                .allow(userID: request.username ?? "", metadata: ["Hello": "World", "Role": "admin", "Empty": ""])
            }))
        try await onThread {
            let (server, client, _) = try requestReply(
                context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "ali", "x") })
            for text in ["first", "second"] {
                let request = try exchange(server, client, text)
                #expect(request.userID == "ali")
                #expect(request.metadata("Hello") == "World")
                #expect(request.metadata("Role") == "admin")
                #expect(request.metadata("Empty") == "")
                #expect(request.metadata("Absent") == nil)
            }
        }
        await authenticator.stop()
    }

    @Test("metadata that libzmq would refuse or ignore turns the reply into a 500")
    func reservedMetadata() async throws {
        let context = try makeContext()
        let metadata = Locked<[String: String]>([:])
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(handler: { _ in .allow(userID: "u", metadata: metadata.value) }))
        for bad in [
            ["User-Id": "someone else"], ["socket-type": "PUB"], ["": "empty name"],
            [String(repeating: "n", count: 256): "long name"],
        ] {
            metadata.value = bad
            let kind = try await onThread {
                let (server, client, monitor) = try requestReply(
                    context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "u", "p") })
                return try expectRefused(monitor, server, client)
            }
            #expect(kind == .handshakeFailedAuthentication(status: 500), "\(bad.keys)")
        }
        await authenticator.stop()
    }

    @Test("a certificate's metadata from a directory is on the messages of its client, as czmq's zauth does")
    func certificateMetadata() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let client = try CurveCertificate.generate(metadata: ["name": "alice", "email": "alice@example.com"])
        try client.save(to: directory + "/alice.key")
        let context = try makeContext()
        let serverPair = try CurveKeyPair.generate()
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(curve: try .certificates(inDirectory: directory)))
        let keys = try #require(try CurveCertificate(secretFile: directory + "/alice.key_secret").keyPair)
        try await onThread {
            let (server, socket, _) = try requestReply(
                context, server: { try makeCurveServer($0, serverPair) },
                client: { try makeCurveClient($0, keys, server: serverPair.publicKey) })
            let request = try exchange(server, socket)
            #expect(request.userID == client.publicKey.z85)
            #expect(request.metadata("name") == "alice")
            #expect(request.metadata("email") == "alice@example.com")
        }
        await authenticator.stop()
    }

    // MARK: Async handlers

    @Test("an async handler that awaits a password looked up elsewhere")
    func asyncHandler() async throws {
        let context = try makeContext()
        let directory = PasswordDirectory()
        let authenticator = try Authenticator.start(
            in: context,
            policy: ZAPPolicy(handler: { request in
                guard let user = request.username, let password = await directory.password(of: user) else {
                    return .deny("Unknown user")
                }
                return request.password == password ? .allow(userID: user) : .deny()
            }))
        // Started now, on a thread of its own, whatever the cooperative pool is busy with.
        let exchanged = Background {
            let (server, client, _) = try requestReply(
                context, timeout: .seconds(60), server: { try makePlainServer($0) },
                client: { try makePlainClient($0, "ali", "sesame") })
            return try exchange(server, client).userID
        }
        // The handler is suspended in the lookup until the directory answers.
        #expect(await eventually { directory.pendingLookups == ["ali"] })
        directory.answer("ali", with: "sesame")
        #expect(try await exchanged.value() == "ali")
        await authenticator.stop()
    }

    @Test("two handshakes at once: the second is decided while the first decision is still awaited")
    func asyncHandlerOutOfOrder() async throws {
        let context = try makeContext()
        let directory = PasswordDirectory()
        let authenticator = try Authenticator.start(
            in: context,
            policy: ZAPPolicy(handler: { request in
                guard let user = request.username else { return .deny() }
                if user == "fast" { return .allow(userID: "fast") }
                return await directory.password(of: user) == request.password ? .allow(userID: user) : .deny()
            }))
        let slow = Background {
            let (server, client, _) = try requestReply(
                context, timeout: .seconds(60), server: { try makePlainServer($0) },
                client: { try makePlainClient($0, "slow", "pw") })
            return try exchange(server, client).userID
        }
        #expect(await eventually { directory.pendingLookups == ["slow"] })
        // The slow decision is still awaited; another handshake goes through meanwhile.
        let fast = try await onThread {
            let (server, client, _) = try requestReply(
                context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "fast", "pw") })
            return try exchange(server, client).userID
        }
        #expect(fast == "fast")
        #expect(directory.pendingLookups == ["slow"])
        directory.answer("slow", with: "pw")
        #expect(try await slow.value() == "slow")
        await authenticator.stop()
    }

    @Test("stop() does not wait for a handler that still awaits, and cancels it")
    func stopCancelsHandlers() async throws {
        let context = try makeContext()
        let directory = PasswordDirectory()
        let cancelled = Counter()
        let authenticator = try Authenticator.start(
            in: context,
            policy: ZAPPolicy(handler: { request in
                _ = await directory.password(of: request.username ?? "")
                if Task.isCancelled { cancelled.increment() }
                return .allow()
            }))
        let server = try RepSocket.bounded(context)
        try makePlainServer(server)
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let client = try ReqSocket.bounded(context)
        try makePlainClient(client, "u", "p")
        try client.connect(endpoint)
        #expect(await eventually { directory.pendingLookups == ["u"] })
        let started = ContinuousClock.now
        await authenticator.stop()
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(!authenticator.isRunning)
        #expect(await eventually { cancelled.value == 1 })
        // The answer of the cancelled handler goes nowhere; the server got nothing.
        #expect(try server.tryReceive() == nil)
        server.close()
        client.close()
    }

    @Test("the policy's decisions, request by request")
    func policyDecisions() async throws {
        let key = try CurveKeyPair.generate().publicKey
        let policy = ZAPPolicy(
            deniedAddresses: ["10.0.0.9"], plainPasswords: ["a": "b"], curve: .keys([key]),
            handler: { _ in .internalError("asked") })
        func status(_ request: ZAPRequest) async -> ZAPStatus { await policy.response(to: request).status }
        #expect(await status(ZAPRequest(address: "10.0.0.1", mechanism: .null)) == .ok)
        #expect(await status(ZAPRequest(address: "10.0.0.9", mechanism: .null)) == .authenticationFailure)
        let plain = ZAPRequest(address: "10.0.0.1", mechanism: .plain, credentials: [Array("a".utf8), Array("b".utf8)])
        #expect(await policy.response(to: plain) == .allow(userID: "a"))
        #expect(
            await status(ZAPRequest(address: "10.0.0.1", mechanism: .plain, credentials: [[0x61]])) == .internalError)
        #expect(await status(ZAPRequest(address: "10.0.0.1", mechanism: .curve, credentials: [key.bytes])) == .ok)
        #expect(
            await status(ZAPRequest(address: "10.0.0.1", mechanism: .curve, credentials: [[1, 2]])) == .internalError)
        #expect(await policy.response(to: ZAPRequest(address: "10.0.0.1", mechanism: .gssapi)).statusText == "asked")
        #expect(await ZAPPolicy().response(to: plain) == .deny("PLAIN is not configured"))
    }

    @Test("PLAIN passwords are compared as the bytes the client sent")
    func plainPasswordComparison() async {
        let long = String(repeating: "a", count: 256)
        let policy = ZAPPolicy(plainPasswords: [
            "u": "correct horse", "none": "", "long": long, "café": "caf\u{E9}", "odd": "\u{FFFD}",
        ])
        func status(_ user: String, _ password: [UInt8]) async -> ZAPStatus {
            await policy.response(
                to: ZAPRequest(address: "10.0.0.1", mechanism: .plain, credentials: [Array(user.utf8), password])
            ).status
        }
        func status(_ user: String, _ password: String) async -> ZAPStatus { await status(user, Array(password.utf8)) }
        #expect(await status("u", "correct horse") == .ok)
        for wrong in [
            "Correct horse", "correct horsE", "correct hors", "correct horse!", "", "correct horsecorrect horse",
            "correct\0horse", "xxxxxxxxxxxxx",
        ] {
            #expect(await status("u", wrong) == .authenticationFailure, "\(wrong)")
        }
        #expect(await status("none", "") == .ok)
        #expect(await status("none", "a") == .authenticationFailure)
        #expect(await status("none", [0]) == .authenticationFailure)
        #expect(await status("long", long) == .ok)
        // Lengths that differ by a multiple of 256, and by one.
        #expect(await status("long", "") == .authenticationFailure)
        #expect(await status("long", long + long) == .authenticationFailure)
        #expect(await status("long", String(long.dropLast())) == .authenticationFailure)
        // Bytes, not Unicode equivalence: "e" and a combining acute accent are not "é",
        // and bytes that are not UTF-8 are not U+FFFD, which decoding would make them.
        #expect(await status("café", "caf\u{E9}") == .ok)
        #expect(await status("café", "cafe\u{301}") == .authenticationFailure)
        #expect(await status("odd", [0xFF]) == .authenticationFailure)
        #expect(await status("odd", "\u{FFFD}") == .ok)
        // An unknown user is refused the same way.
        let unknown = ZAPRequest(
            address: "10.0.0.1", mechanism: .plain, credentials: [Array("who".utf8), Array("correct horse".utf8)])
        #expect(await policy.response(to: unknown) == .deny("Invalid user name or password"))
    }

    // MARK: Lifecycle

    @Test("stop, a second authenticator, restart, and release")
    func lifecycle() throws {
        let context = try makeContext()
        let first = try Authenticator.start(in: context)
        #expect(first.isRunning)
        do {
            _ = try Authenticator.start(in: context)
            Issue.record("a second authenticator started")
        } catch {
            #expect(error == .addressInUse)
            #expect("\(error)".contains("inproc://zeromq.zap.01"))
        }
        first.stop()
        first.stop()
        #expect(!first.isRunning)

        // Released without stop: the endpoint is free again.
        do {
            let second = try Authenticator.start(in: context, policy: ZAPPolicy(plainPasswords: ["u": "p"]))
            #expect(second.isRunning)
        }
        let third = try Authenticator.start(in: context, policy: ZAPPolicy(plainPasswords: ["u": "p"]))
        let (server, client, _) = try requestReply(
            context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "u", "p") })
        #expect(try exchange(server, client).userID == "u")
        third.stop()
        context.close()
    }

    @Test("context.close() while it runs returns promptly and stops it")
    func contextClose() throws {
        let context = try Context(defaultLinger: .seconds(1))
        let authenticator = try Authenticator.start(in: context, policy: ZAPPolicy(plainPasswords: ["u": "p"]))
        let (server, client, _) = try requestReply(
            context, server: { try makePlainServer($0) }, client: { try makePlainClient($0, "u", "p") })
        _ = try exchange(server, client)
        let started = ContinuousClock.now
        context.close()
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(!authenticator.isRunning)
        authenticator.stop()
        #expect(server.isClosed && client.isClosed)
    }

    @Test("context.shutdown() ends it")
    func contextShutdown() throws {
        let context = try makeContext()
        let authenticator = try Authenticator.start(in: context)
        context.shutdown()
        #expect(waitUntil { !authenticator.isRunning })
        authenticator.stop()
        context.close()
    }

    // MARK: pyzmq

    @Test("a pyzmq CURVE server and a client written here")
    func pyzmqServer() throws {
        let context = try makeContext()
        let serverPair = try CurveKeyPair.generate()
        let clientPair = try CurveKeyPair.generate()
        // The CURVE server role does not depend on who binds: the Swift client binds, so
        // the Python server needs no port of its own.
        let client = try ReqSocket.bounded(context, timeout: .seconds(20))
        try makeCurveClient(client, clientPair, server: serverPair.publicKey)
        let endpoint = try client.bind("tcp://127.0.0.1:*")
        let output = Locked<Result<String, TestFailure>?>(nil)
        let python = TestThread {
            do {
                let printed = try runPython(
                    """
                    import sys, zmq
                    from zmq.auth.thread import ThreadAuthenticator
                    ctx = zmq.Context()
                    auth = ThreadAuthenticator(ctx)
                    auth.start()
                    auth.configure_curve(domain='*', location=zmq.auth.CURVE_ALLOW_ANY)
                    s = ctx.socket(zmq.REP)
                    s.linger = 0
                    s.rcvtimeo = 20000
                    s.curve_server = True
                    s.curve_secretkey = sys.argv[1].encode()
                    s.connect(sys.argv[2])
                    m = s.recv(copy=False)
                    s.send(b'pyzmq got ' + m.bytes)
                    print(m.get('User-Id'))
                    s.close()
                    auth.stop()
                    ctx.term()
                    """, arguments: [serverPair.secretKey.z85, endpoint])
                output.value = .success(printed)
            } catch {
                output.value = .failure(TestFailure("\(error)"))
            }
        }
        try client.send("hello")
        #expect(try client.receiveString() == "pyzmq got hello")
        #expect(python.join(timeout: .seconds(30)))
        let printed = try #require(output.value).get()
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == clientPair.publicKey.z85)
    }

    @Test("a pyzmq CURVE client and a server with this authenticator")
    func pyzmqClient() throws {
        let context = try makeContext()
        let serverPair = try CurveKeyPair.generate()
        let clientPair = try CurveKeyPair.generate()
        let authenticator = try Authenticator.start(
            in: context, policy: ZAPPolicy(curve: .keys([clientPair.publicKey])))
        let server = try RepSocket.bounded(context, timeout: .seconds(20))
        try makeCurveServer(server, serverPair)
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let output = Locked<Result<String, TestFailure>?>(nil)
        let python = TestThread {
            do {
                let printed = try runPython(
                    """
                    import sys, zmq
                    ctx = zmq.Context()
                    s = ctx.socket(zmq.REQ)
                    s.linger = 0
                    s.rcvtimeo = 20000
                    s.curve_serverkey = sys.argv[1].encode()
                    s.curve_publickey = sys.argv[2].encode()
                    s.curve_secretkey = sys.argv[3].encode()
                    s.connect(sys.argv[4])
                    s.send(b'from pyzmq')
                    print(s.recv().decode())
                    s.close()
                    ctx.term()
                    """,
                    arguments: [serverPair.publicKey.z85, clientPair.publicKey.z85, clientPair.secretKey.z85, endpoint])
                output.value = .success(printed)
            } catch {
                output.value = .failure(TestFailure("\(error)"))
            }
        }
        let request = try server.receive()
        #expect(request.string == "from pyzmq")
        #expect(request.userID == clientPair.publicKey.z85)
        try server.send("hello pyzmq")
        #expect(python.join(timeout: .seconds(30)))
        let printed = try #require(output.value).get()
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "hello pyzmq")
        authenticator.stop()
    }
}

// MARK: - Helpers for handlers

/// Runs `body` on a thread of its own and awaits it, bounded by `timeout`: blocking
/// socket calls there do not hold a thread of the cooperative pool, which the other
/// tests' tasks need.
private func onThread<T: Sendable>(
    timeout: Duration = .seconds(60), _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await Background(body).value(timeout: timeout)
}

/// Blocking work started at once on a thread of its own, whose result is awaited later.
private final class Background<T: Sendable>: Sendable {
    private let result = Locked<Result<T, any Error>?>(nil)
    private let thread: TestThread

    init(_ body: @escaping @Sendable () throws -> T) {
        let result = result
        thread = TestThread { result.value = Result { try body() } }
    }

    /// The result, awaited for at most `timeout`.
    func value(timeout: Duration = .seconds(60)) async throws -> T {
        guard await thread.joined(timeout: timeout), let outcome = result.value else {
            throw TestFailure("the blocking part did not finish within \(timeout)")
        }
        return try outcome.get()
    }
}

/// A password directory elsewhere: each lookup suspends until the test answers it (or
/// the looking task is cancelled, which answers `nil`).
private final class PasswordDirectory: Sendable {
    private let state = Locked<[String: [CheckedContinuation<String?, Never>]]>([:])
    private let answered = Locked<[String: String]>([:])

    /// The users whose lookups wait for an answer.
    var pendingLookups: [String] {
        state.withLock { $0.filter { !$0.value.isEmpty }.keys.sorted() }
    }

    func password(of user: String) async -> String? {
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if let password = answered.withLock({ $0[user] }) {
                    continuation.resume(returning: password)
                    return
                }
                state.withLock { $0[user, default: []].append(continuation) }
                if Task.isCancelled { cancel(user) }
            }
        } onCancel: {
            cancel(user)
        }
    }

    /// Answers the lookups of `user`, now and later.
    func answer(_ user: String, with password: String) {
        answered.withLock { $0[user] = password }
        for waiter in state.withLock({ $0.removeValue(forKey: user) ?? [] }) { waiter.resume(returning: password) }
    }

    private func cancel(_ user: String) {
        for waiter in state.withLock({ $0.removeValue(forKey: user) ?? [] }) { waiter.resume(returning: nil) }
    }
}

/// A new empty directory under /tmp.
func temporaryDirectory() throws -> String {
    var template = Array("/tmp/swift-zeromq-certs-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp: errno \(errno)") }
    return String(cString: made)
}
