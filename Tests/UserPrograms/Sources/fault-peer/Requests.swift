// Requests and replies: a ROUTER server that answers "n" with "reply n" (to REQ and
// DEALER clients alike), and clients that ask 0, 1, ... N-1 and check every reply.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a server saw: requests served, requests seen more than once (a client that
/// resent), the reply it dropped on purpose (`drop=K`: the K-th request's), the peers.
struct ServerTally {
    var served = 0
    var duplicated = 0
    var dropped = 0
    let dropAt: Int
    var seen: [String: Int] = [:]
    var peers: Set<String> = []

    /// The reply to `request` (routing id, any delimiter, body), or nil to drop it.
    mutating func answer(_ request: [Message]) -> [Message]? {
        let body = request[request.count - 1].string
        seen[body, default: 0] += 1
        if seen[body]! > 1 { duplicated += 1 }
        served += 1
        peers.insert(request[0].map { String($0, radix: 16) }.joined(separator: " "))
        if served == dropAt {
            dropped += 1
            say("dropped the reply to request \(body)")
            return nil
        }
        return Array(request.dropLast()) + [Message("reply \(body)")]
    }

    var report: String {
        "server: served \(served), duplicated requests \(duplicated), dropped replies \(dropped), peers \(peers.count)"
    }
}

/// A ROUTER with the arguments' options, `handover=1` (`routerHandover`) and `curve=1`
/// (a CURVE server with a fresh key pair, whose public key it prints as "key Z85").
private func makeServer(_ arguments: Arguments, _ context: Context) throws -> (RouterSocket, Monitor?) {
    let router = try RouterSocket(context)
    try configure(router, arguments)
    if arguments.flag("handover") { try router.setOption(.routerHandover, true) }
    let monitor = arguments.flag("monitor") ? try router.monitor() : nil
    var key: String?
    if arguments.flag("curve") {
        let pair = try CurveKeyPair.generate()
        try router.setOption(.curveServer, true)
        try router.setOption(.curveSecretKey, pair.secretKey)
        key = pair.publicKey.z85
    }
    say(try router.bind(arguments.required("endpoint")))
    if let key { say("key \(key)") }
    return (router, monitor)
}

/// Prints the monitor's events as "event MS DESCRIPTION", MS on the wall clock.
private func drain(_ monitor: Monitor?) throws {
    while let event = try monitor?.tryNext() { say("event \(wallClock()) \(event)") }
}

/// Serves until SIGTERM or `limit=S` seconds (120 by default).
func runServer(_ arguments: Arguments, _ context: Context) throws {
    let (router, monitor) = try makeServer(arguments, context)
    var tally = ServerTally(dropAt: arguments.int("drop", 0))
    let deadline = wallClock() + arguments.int("limit", 120) * 1000
    while stopRequested == 0 && wallClock() < deadline {
        try drain(monitor)
        guard let request = try router.receiveMultipart(timeout: .milliseconds(50)) else { continue }
        if let reply = tally.answer(request) { try router.sendMultipart(reply) }
    }
    try drain(monitor)
    say(tally.report)
}

/// `kind=rep`: the same server as a REP socket, which answers one request at a time.
func runRepServer(_ arguments: Arguments, _ context: Context) throws {
    let rep = try RepSocket(context)
    try configure(rep, arguments)
    say(try rep.bind(arguments.required("endpoint")))
    // A REP must answer before it reads again: `drop=` does not apply to it.
    var tally = ServerTally(dropAt: 0)
    let deadline = wallClock() + arguments.int("limit", 120) * 1000
    while stopRequested == 0 && wallClock() < deadline {
        guard let request = try rep.receive(timeout: .milliseconds(50)) else { continue }
        try rep.send(Message("reply \(request.string)"))
        _ = tally.answer([Message(), request])
    }
    say(tally.report)
}

/// The same server on the async API.
func runServerAsync(_ arguments: Arguments, _ context: Context) async throws {
    let report = try await Task(executorPreference: Reactor.shared) {
        let (router, monitor) = try makeServer(arguments, context)
        var tally = ServerTally(dropAt: arguments.int("drop", 0))
        let deadline = wallClock() + arguments.int("limit", 120) * 1000
        while stopRequested == 0 && wallClock() < deadline {
            try drain(monitor)
            guard let request = try await router.receiveMultipart(timeout: .milliseconds(50)) else { continue }
            if let reply = tally.answer(request) { try await router.sendMultipart(reply) }
        }
        try drain(monitor)
        return tally.report
    }.value
    say(report)
}

/// What a client saw (its requests are "TAG.n", TAG from `tag=` or its process id, so
/// that a server that answers several clients tells their requests apart): replies that answered the request in hand, requests sent again
/// after a timeout, late replies to a request already answered (stale), replies that
/// matched nothing (wrong), and the request it gave up on.
struct ClientTally {
    let tag: String
    var answered = 0
    var resent = 0
    var stale = 0
    var wrong = 0
    var abandoned: Int?
    let started = wallClock()

    /// Whether `reply` answers request `number`; counts a stale or wrong one.
    mutating func accept(_ reply: String, for number: Int) -> Bool {
        if reply == "reply \(request(number))" {
            answered += 1
            return true
        }
        let prefix = "reply \(tag)."
        if reply.hasPrefix(prefix), let earlier = Int(reply.dropFirst(prefix.count)), earlier < number {
            stale += 1
        } else {
            wrong += 1
        }
        return false
    }

    func request(_ number: Int) -> String { "\(tag).\(number)" }

    func report(of count: Int) -> String {
        "client: answered \(answered) of \(count), resent \(resent), stale replies \(stale), wrong \(wrong), "
            + "abandoned \(abandoned.map(String.init) ?? "none"), in \(wallClock() - started) ms"
    }

    func succeeded(_ count: Int) -> Bool { answered == count && wrong == 0 }
}

/// Prints the client's tally, then keeps its connection open for `hold=MS`: the socket
/// lives until this returns (Swift would release it after its last use, and its
/// connection would close before the hold).
private func hold<Kind>(_ arguments: Arguments, _ socket: Socket<Kind>, _ tally: ClientTally, _ count: Int) {
    say(tally.report(of: count))
    usleep(useconds_t(arguments.int("hold", 0) * 1000))
    withExtendedLifetime(socket) {}
}

/// `server-key=Z85` makes the socket a CURVE client of that server, with a fresh key pair.
private func makeClient<Kind>(_ kind: Kind.Type, _ arguments: Arguments, _ context: Context) throws -> Socket<Kind> {
    let socket = try Socket<Kind>(context)
    try configure(socket, arguments)
    if let serverKey = arguments.string("server-key") {
        let pair = try CurveKeyPair.generate()
        try socket.setOption(.curveServerKey, try CurvePublicKey(z85: serverKey))
        try socket.setOption(.curvePublicKey, pair.publicKey)
        try socket.setOption(.curveSecretKey, pair.secretKey)
    }
    try socket.connect(arguments.required("endpoint"))
    return socket
}

/// Asks 0 ... N-1, one at a time, waiting `timeout=MS` (1000) for each reply and trying
/// `retries=R` (3) more times. `kind=req` is the lazy pirate: a REQ that hears nothing
/// is closed and a new one sends the request again. `kind=dealer` sends again on the
/// same DEALER and skips the late replies to earlier requests. `hold=MS` keeps the
/// connection open that long after the last reply; `interval=MS` pauses between requests.
func runClient(_ arguments: Arguments, _ context: Context) throws -> Bool {
    let count = arguments.int("count", 10)
    let timeout = Duration.milliseconds(arguments.int("timeout", 1000))
    let retries = arguments.int("retries", 3)
    let interval = useconds_t(arguments.int("interval", 0) * 1000)
    var tally = ClientTally(tag: arguments.string("tag") ?? "\(getpid())")
    if arguments.required("kind") == "req" {
        var socket = try makeClient(SocketType.Req.self, arguments, context)
        requests: for number in 0..<count {
            if number > 0 { usleep(interval) }
            var attempts = 0
            while true {
                try socket.send(tally.request(number))
                if let reply = try socket.receiveString(timeout: timeout) {
                    _ = tally.accept(reply, for: number)
                    continue requests
                }
                socket.close()  // a REQ that got no reply cannot send again
                attempts += 1
                if attempts > retries {
                    tally.abandoned = number
                    break requests
                }
                tally.resent += 1
                socket = try makeClient(SocketType.Req.self, arguments, context)
            }
        }
        hold(arguments, socket, tally, count)
    } else {
        let socket = try makeClient(SocketType.Dealer.self, arguments, context)
        requests: for number in 0..<count {
            if number > 0 { usleep(interval) }
            var attempts = 0
            try socket.send(tally.request(number))
            while true {
                guard let reply = try socket.receiveString(timeout: timeout) else {
                    attempts += 1
                    if attempts > retries {
                        tally.abandoned = number
                        break requests
                    }
                    tally.resent += 1
                    try socket.send(tally.request(number))
                    continue
                }
                if tally.accept(reply, for: number) { continue requests }
            }
        }
        hold(arguments, socket, tally, count)
    }
    return tally.succeeded(count)
}

/// The DEALER client on the async API, on the reactor.
func runClientAsync(_ arguments: Arguments, _ context: Context) async throws -> Bool {
    let count = arguments.int("count", 10)
    let timeout = Duration.milliseconds(arguments.int("timeout", 1000))
    let retries = arguments.int("retries", 3)
    guard arguments.required("kind") == "dealer" else { fail("the async client is a DEALER: kind=dealer") }
    let tally = try await Task(executorPreference: Reactor.shared) {
        let socket = try makeClient(SocketType.Dealer.self, arguments, context)
        var tally = ClientTally(tag: arguments.string("tag") ?? "\(getpid())")
        requests: for number in 0..<count {
            if number > 0 { try await Task.sleep(for: .milliseconds(arguments.int("interval", 0))) }
            var attempts = 0
            try await socket.send(tally.request(number))
            while true {
                guard let reply = try await socket.receiveString(timeout: timeout) else {
                    attempts += 1
                    if attempts > retries {
                        tally.abandoned = number
                        break requests
                    }
                    tally.resent += 1
                    try await socket.send(tally.request(number))
                    continue
                }
                if tally.accept(reply, for: number) { continue requests }
            }
        }
        say(tally.report(of: count))
        try await Task.sleep(for: .milliseconds(arguments.int("hold", 0)))
        withExtendedLifetime(socket) {}
        return tally
    }.value
    return tally.succeeded(count)
}
