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

@Suite("Security options")
struct SecurityOptionTests {
    @Test("every security option has zmq.h's number")
    func constants() {
        typealias Option<Value> = SocketOption<SocketType.Dealer, Value, OptionAccess.ReadWrite>
        #expect(Option<Bool>.plainServer.rawValue == ZMQ_PLAIN_SERVER)
        #expect(Option<String>.plainUsername.rawValue == ZMQ_PLAIN_USERNAME)
        #expect(Option<String>.plainPassword.rawValue == ZMQ_PLAIN_PASSWORD)
        #expect(Option<Bool>.curveServer.rawValue == ZMQ_CURVE_SERVER)
        #expect(Option<CurvePublicKey>.curvePublicKey.rawValue == ZMQ_CURVE_PUBLICKEY)
        #expect(Option<CurveSecretKey>.curveSecretKey.rawValue == ZMQ_CURVE_SECRETKEY)
        #expect(Option<CurvePublicKey>.curveServerKey.rawValue == ZMQ_CURVE_SERVERKEY)
        #expect(Option<String>.zapDomain.rawValue == ZMQ_ZAP_DOMAIN)
        #expect(Option<Bool>.gssapiServer.rawValue == ZMQ_GSSAPI_SERVER)
        #expect(Option<String>.gssapiPrincipal.rawValue == ZMQ_GSSAPI_PRINCIPAL)
        #expect(Option<String>.gssapiServicePrincipal.rawValue == ZMQ_GSSAPI_SERVICE_PRINCIPAL)
        #expect(Option<Bool>.gssapiPlaintext.rawValue == ZMQ_GSSAPI_PLAINTEXT)
        #expect(Option<GSSAPINameType>.gssapiPrincipalNameType.rawValue == ZMQ_GSSAPI_PRINCIPAL_NAMETYPE)
        #expect(
            Option<GSSAPINameType>.gssapiServicePrincipalNameType.rawValue
                == ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE)
    }

    @Test("CURVE, PLAIN and ZAP options round-trip, and set the mechanism")
    func roundTrips() throws {
        let context = try makeContext()
        let server = try RepSocket(context)
        let pair = try CurveKeyPair.generate()
        #expect(try server.option(.mechanism) == .null)
        try server.setOption(.curveServer, true)
        try server.setOption(.curveSecretKey, pair.secretKey)
        #expect(try server.option(.curveServer))
        #expect(try server.option(.curveSecretKey) == pair.secretKey)
        #expect(try server.option(.mechanism) == .curve)

        let client = try ReqSocket(context)
        let mine = try CurveKeyPair.generate()
        try client.setOption(.curveServerKey, pair.publicKey)
        try client.setOption(.curvePublicKey, mine.publicKey)
        try client.setOption(.curveSecretKey, mine.secretKey)
        #expect(try client.option(.curveServerKey) == pair.publicKey)
        #expect(try client.option(.curvePublicKey) == mine.publicKey)
        #expect(try client.option(.curveServer) == false)

        let plain = try ReqSocket(context)
        try plain.setOption(.plainUsername, "admin")
        try plain.setOption(.plainPassword, "s3cret")
        #expect(try plain.option(.plainUsername) == "admin")
        #expect(try plain.option(.plainPassword) == "s3cret")
        #expect(try plain.option(.mechanism) == .plain)
        try server.setOption(.zapDomain, "global")
        #expect(try server.option(.zapDomain) == "global")
    }

    @Test("strings are set without a NUL: libzmq would keep it as part of the value")
    func noTerminatingNUL() throws {
        let context = try makeContext()
        let socket = try RepSocket(context)
        try socket.setOption(.zapDomain, "abc")
        var buffer = [UInt8](repeating: 0xFF, count: 16)
        var size = buffer.count
        let rc = buffer.withUnsafeMutableBytes {
            zmq_getsockopt(socket.unsafeHandle, ZMQ_ZAP_DOMAIN, $0.baseAddress, &size)
        }
        #expect(rc == 0)
        // libzmq reports the stored string and its own terminating NUL: 3 + 1.
        #expect(size == 4)
        #expect(Array(buffer.prefix(size)) == Array("abc".utf8) + [0])
    }

    @Test("GSSAPI options pass through", .enabled(if: LibZMQ.has(.gssapi)))
    func gssapi() throws {
        let context = try makeContext()
        let socket = try DealerSocket(context)
        try socket.setOption(.gssapiServicePrincipal, "zmq@server.example")
        try socket.setOption(.gssapiServicePrincipalNameType, .hostBased)
        try socket.setOption(.gssapiPrincipal, "client")
        try socket.setOption(.gssapiPrincipalNameType, .userName)
        try socket.setOption(.gssapiPlaintext, true)
        #expect(try socket.option(.gssapiServicePrincipal) == "zmq@server.example")
        #expect(try socket.option(.gssapiPrincipal) == "client")
        #expect(try socket.option(.gssapiPrincipalNameType) == .userName)
        #expect(try socket.option(.gssapiServicePrincipalNameType) == .hostBased)
        #expect(try socket.option(.gssapiPlaintext))
        #expect(try socket.option(.mechanism) == .gssapi)
    }

    @Test("errors about a secret never show it")
    func secretsStaySecret() throws {
        let context = try makeContext()
        let socket = try ReqSocket(context)
        socket.close()
        let password = #expect(throws: ZMQError.notSocket) { try socket.setOption(.plainPassword, "hunter2") }
        #expect(password?.description.contains("hunter2") == false)
        let key = try CurveKeyPair.generate().secretKey
        let keyError = #expect(throws: ZMQError.notSocket) { try socket.setOption(.curveSecretKey, key) }
        #expect(keyError?.description.contains(key.z85) == false)
        // An error libzmq reports itself: a password longer than its 255 bytes.
        let open = try DealerSocket(context)
        let long = "hunter2" + String(repeating: "x", count: 300)
        let tooLong = #expect(throws: ZMQError.invalidArgument) { try open.setOption(.plainPassword, long) }
        #expect(tooLong?.description.contains("hunter2") == false, "\(String(describing: tooLong))")
        #expect(tooLong?.description.contains("ZMQ_PLAIN_PASSWORD") == true)
    }

    // MARK: What crosses the wire

    /// Sends a request and its reply between a REP server and a REQ client through a tcp
    /// relay that records every byte, and returns the recording.
    private func recordExchange(secure: Bool, payload: String) throws -> [UInt8] {
        let context = try makeContext()
        let server = try RepSocket.bounded(context)
        let client = try ReqSocket.bounded(context)
        if secure {
            let serverKeys = try CurveKeyPair.generate()
            let clientKeys = try CurveKeyPair.generate()
            try server.setOption(.curveServer, true)
            try server.setOption(.curveSecretKey, serverKeys.secretKey)
            try client.setOption(.curveServerKey, serverKeys.publicKey)
            try client.setOption(.curvePublicKey, clientKeys.publicKey)
            try client.setOption(.curveSecretKey, clientKeys.secretKey)
        }
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let relay = try TCPRelay(toPort: Int(endpoint.split(separator: ":").last!)!)
        try client.connect("tcp://127.0.0.1:\(relay.port)")
        try client.send(payload)
        #expect(try server.receiveString() == payload)
        try server.send(payload + " back")
        #expect(try client.receiveString() == payload + " back")
        client.close()
        server.close()
        return try relay.stop()
    }

    @Test("with CURVE the tcp bytes show no plaintext; without it they do")
    func noPlaintextOnTheWire() throws {
        let payload = "the quick brown fox, in plain text"
        let open = try recordExchange(secure: false, payload: payload)
        #expect(open.contains(sequence: Array(payload.utf8)))
        #expect(open.contains(sequence: Array("NULL".utf8)))
        let secure = try recordExchange(secure: true, payload: payload)
        #expect(!secure.contains(sequence: Array(payload.utf8)))
        #expect(!secure.contains(sequence: Array("quick brown".utf8)))
        #expect(secure.contains(sequence: Array("CURVE".utf8)))  // the greeting names the mechanism
        #expect(secure.count > 200)
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(sequence: [UInt8]) -> Bool {
        guard sequence.count <= count else { return false }
        for start in 0...(count - sequence.count) where self[start..<(start + sequence.count)].elementsEqual(sequence) {
            return true
        }
        return false
    }
}

/// A tcp relay on 127.0.0.1 between one client and a server, on a thread of its own,
/// that records every byte it forwards, both ways.
private final class TCPRelay: @unchecked Sendable {
    // @unchecked Sendable: `recording` and `stopping` are Mutex-protected (`Locked`),
    // the descriptors are used by the relay thread only, after `init`.
    let port: Int
    private let listener: Int32
    private let recording = Locked<[UInt8]>([])
    private let stopping = Locked(false)
    private var thread: TestThread?

    init(toPort serverPort: Int) throws {
        #if canImport(Glibc) || canImport(Musl)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let listener = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 1) == 0 else { throw TestFailure("relay: bind/listen errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let recording = self.recording
        let stopping = self.stopping
        thread = TestThread {
            Self.relay(listener: listener, serverPort: serverPort, recording: recording, stopping: stopping)
        }
    }

    /// Accepts one client, connects to the server, and forwards until both sides close
    /// or `stopping` is set; every wait is a 50 ms poll.
    private static func relay(listener: Int32, serverPort: Int, recording: Locked<[UInt8]>, stopping: Locked<Bool>) {
        var pending = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        while poll(&pending, 1, 50) == 0 { if stopping.value { return } }
        let client = accept(listener, nil, nil)
        guard client >= 0, let server = try? TCPClient(port: serverPort) else { return }
        defer { close(client) }
        var descriptors = [
            pollfd(fd: client, events: Int16(POLLIN), revents: 0),
            pollfd(fd: server.descriptor, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 65536)
        var open = 2
        while open > 0 && !stopping.value {
            guard poll(&descriptors, 2, 50) > 0 else { continue }
            for index in 0..<2 where descriptors[index].revents != 0 {
                let from = descriptors[index].fd
                let to = index == 0 ? server.descriptor : client
                let count = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
                if count <= 0 {
                    descriptors[index].fd = -1
                    shutdown(to, Int32(SHUT_WR))
                    open -= 1
                    continue
                }
                recording.withLock { $0 += buffer[..<count] }
                _ = buffer.withUnsafeBytes { write(to, $0.baseAddress, count) }
            }
        }
    }

    /// Stops the relay and returns what it recorded.
    func stop() throws -> [UInt8] {
        stopping.value = true
        guard thread?.join(timeout: .seconds(10)) == true else { throw TestFailure("the relay did not stop") }
        close(listener)
        return recording.value
    }
}
