// The target of `make fuzz` (scripts/fuzz.py): one process with a bound tcp socket of
// each kind a peer can reach, served from one poll loop, for a fuzzer to throw bytes at.
//
//   fuzz-target [--max-message-size BYTES] [--handshake-interval MS]
//
// It prints `endpoint NAME tcp://...` for each target, the CURVE keys a legitimate client
// uses (`curve-server-public`, `curve-client-public`, `curve-client-secret`: test keys
// made for this run), then `ready`. On stdin it answers `stats` with one line of JSON:
// per target, the messages its application received, the monitor's events (accepted,
// handshakes succeeded and failed, disconnected) and, on the CURVE and PLAIN servers,
// `bypassed`: messages whose User-Id is not the legitimate client's. `quit` ends it.
//
// Targets: rep, router (answer every message), pull, sub (subscribed to everything),
// xpub, stream (count), pull-zap (a NULL PULL with a ZAP domain, so that libzmq refuses
// ZMTP 1.0 and 2.0 peers), curve (a ROUTER CURVE server whose authenticator accepts one
// client key) and plain (a ROUTER PLAIN server with one user).
//
// With FUZZ_TARGET_LOG set, it writes each message its application receives (the size
// and first bytes of each frame) to stderr, to find out what an input did.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

var maxMessageSize: Int? = nil
var handshakeInterval: Timeout? = nil
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst().flatMap({ Int($0) }) else {
        fatalError("usage: fuzz-target [--max-message-size BYTES] [--handshake-interval MS]")
    }
    switch flag {
    case "--max-message-size": maxMessageSize = value
    case "--handshake-interval": handshakeInterval = .milliseconds(value)
    default: fatalError("unknown flag \(flag)")
    }
}

let plainUser = "fuzz-user"
let plainPassword = "fuzz-password"
let context = try Context(defaultLinger: .zero)
let serverKeys = try CurveKeyPair.generate()
let clientKeys = try CurveKeyPair.generate()
let authenticator = try Authenticator.start(
    in: context,
    policy: ZAPPolicy(plainPasswords: [plainUser: plainPassword], curve: .keys([clientKeys.publicKey])))

/// One bound socket, what its application received and what its monitor saw.
@MainActor final class Target {
    let name: String
    let socket: DynamicSocket
    let monitor: Monitor
    /// The User-Id a message must carry on a secured target, nil elsewhere.
    let legitimateUser: String?
    var messages = 0
    var bypassed = 0
    var events: [String: Int] = [:]

    init(_ name: String, _ kind: SocketKind, legitimateUser: String? = nil, configure: (DynamicSocket) throws -> Void)
        throws
    {
        self.name = name
        self.legitimateUser = legitimateUser
        socket = try DynamicSocket(context, kind: kind)
        if let maxMessageSize { try socket.setOption(.maxMessageSize, maxMessageSize) }
        if let handshakeInterval { try socket.setOption(.handshakeInterval, handshakeInterval) }
        try configure(socket)
        monitor = try socket.monitor()
        print("endpoint \(name) \(try socket.bind("tcp://127.0.0.1:*"))")
    }

    /// Receives what is waiting and answers where the kind answers.
    func serve() throws {
        while let parts = try socket.tryReceiveMultipart() {
            messages += 1
            if getenv("FUZZ_TARGET_LOG") != nil {
                let line =
                    "\(name): \(parts.map { $0.count }) \(parts.map { String(decoding: $0.bytes.withUnsafeBytes { Array($0) }.prefix(16), as: UTF8.self) })\n"
                _ = line.withCString { write(2, $0, strlen($0)) }
            }
            if let legitimateUser, parts.last?.userID != legitimateUser { bypassed += 1 }
            switch socket.kind {
            case .rep: _ = try socket.trySend(Message("reply"))
            case .router: _ = try socket.trySendMultipart(Array(parts.dropLast()) + [Message("reply")])
            default: break
            }
        }
    }

    func drainMonitor() throws {
        while let event = try monitor.tryNext() {
            let name: String
            switch event.kind {
            case .accepted: name = "accepted"
            case .handshakeSucceeded: name = "handshakeSucceeded"
            case .handshakeFailedProtocol: name = "handshakeFailedProtocol"
            case .handshakeFailedNoDetail: name = "handshakeFailedNoDetail"
            case .handshakeFailedAuthentication: name = "handshakeFailedAuthentication"
            case .disconnected: name = "disconnected"
            default: continue
            }
            events[name, default: 0] += 1
        }
    }

    var json: String {
        let counts = events.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }
        return "\"\(name)\": {\"messages\": \(messages), \"bypassed\": \(bypassed)"
            + (counts.isEmpty ? "" : ", " + counts.joined(separator: ", ")) + "}"
    }
}

let targets = [
    try Target("rep", .rep) { _ in },
    try Target("router", .router) { _ in },
    try Target("pull", .pull) { _ in },
    try Target("sub", .sub) { try $0.subscribeToAll() },
    try Target("xpub", .xpub) { _ in },
    try Target("stream", .stream) { _ in },
    try Target("pull-zap", .pull) { try $0.setOption(.zapDomain, "fuzz") },
    try Target("curve", .router, legitimateUser: clientKeys.publicKey.z85) { socket in
        try socket.setOption(.curveServer, true)
        try socket.setOption(.curveSecretKey, serverKeys.secretKey)
    },
    try Target("plain", .router, legitimateUser: plainUser) { try $0.setOption(.plainServer, true) },
]
print("curve-server-public \(serverKeys.publicKey.z85)")
print("curve-client-public \(clientKeys.publicKey.z85)")
print("curve-client-secret \(clientKeys.secretKey.z85)")
print("plain-credentials \(plainUser) \(plainPassword)")
print("ready")
fflush(nil)

/// The process's virtual size and resident set, in KiB, from /proc/self/status.
func memory() -> (virtual: Int, resident: Int) {
    guard let file = fopen("/proc/self/status", "r") else { return (0, 0) }
    defer { fclose(file) }
    var virtual = 0
    var resident = 0
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let number = text.split { $0 == " " || $0 == "\t" }.lazy.compactMap { Int($0) }.first ?? 0
        if text.hasPrefix("VmSize:") { virtual = number }
        if text.hasPrefix("VmRSS:") { resident = number }
    }
    return (virtual, resident)
}

let poller = Poller<Int>()
for (index, target) in targets.enumerated() {
    try poller.add(target.socket, token: index)
    try poller.add(target.monitor, token: 1000 + index)
}
try poller.add(fileDescriptor: STDIN_FILENO, token: -1)
var input: [UInt8] = []
loop: while true {
    for item in try poller.poll(timeout: .milliseconds(100)) {
        switch item.token {
        case -1:
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            if count <= 0 { break loop }
            input += buffer.prefix(count)
            while let newline = input.firstIndex(of: 10) {
                let command = String(decoding: input[..<newline], as: UTF8.self)
                input.removeSubrange(...newline)
                switch command {
                case "stats":
                    for target in targets { try target.drainMonitor() }
                    let (virtual, resident) = memory()
                    print(
                        "{\"vm_kib\": \(virtual), \"rss_kib\": \(resident), "
                            + targets.map { $0.json }.joined(separator: ", ") + "}")
                    fflush(nil)
                case "quit": break loop
                default: print("{\"error\": \"unknown command \(command)\"}")
                }
            }
        case 1000...: try targets[item.token - 1000].drainMonitor()
        default: try targets[item.token].serve()
        }
    }
}
for target in targets {
    target.monitor.stop()
    target.socket.close()
}
authenticator.stop()
print("bye")
