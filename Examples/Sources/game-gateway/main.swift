// Game gateway: a PUSH socket that load-balances player requests over the game servers
// connected to it, which join and leave while it runs (the seed document's
// "hot-pluggable" game servers: add capacity by starting servers, without stopping
// anything).
//
//   cd Examples && swift run game-gateway [REQUESTS] [ACKS] [COUNT] [INTERVAL_MS]
//
// Binds REQUESTS (default tcp://*:5570), from which game servers (`swift run
// game-server NAME`) pull requests, and ACKS (default tcp://*:5571), where they report
// each request they handled. Sends COUNT requests (default 1000), one every
// INTERVAL_MS (default 10).
//
// A send waits at most 200 ms (the socket's send timeout): when no game server is
// connected, or every one's queue is full, the request times out and the gateway goes
// on, instead of blocking until a server comes. At the end it waits for the
// acknowledgements still on their way, then accounts for every request: handled (and
// by which server), timed out (never sent), or lost: sent, but never handled, because
// the game server it was queued for went away.
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let requestsEndpoint = arguments.first ?? "tcp://*:5570"
let acksEndpoint = arguments.dropFirst().first ?? "tcp://*:5571"
let count = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 1000
let interval = Duration.milliseconds(arguments.dropFirst(3).first.flatMap { Int($0) } ?? 10)
let sendTimeout = Duration.milliseconds(200)
// How long to wait for acknowledgements after the last request, when some are missing.
let lateAcknowledgements = Duration.seconds(2)

let context = try Context()
let requests = try PushSocket(context)
// Without it, a send with no game server connected would wait until one connects.
try requests.setOption(.sendTimeout, Timeout(sendTimeout))
// Game servers coming and going, as libzmq sees their connections.
let connections = try requests.monitor([.accepted, .disconnected])
print("requests on", try requests.bind(requestsEndpoint))
let acks = try PullSocket(context)
print("acknowledgements on", try acks.bind(acksEndpoint))

var sent: [Int] = []
var timedOut: [Int] = []
var handler: [Int: String] = [:]  // request -> the game server that handled it
var connected = 0

/// Records an acknowledgement, "NAME REQUEST", from a game server.
@MainActor func record(_ acknowledgement: String) {
    let words = acknowledgement.split(separator: " ")
    guard words.count == 2, let request = Int(words[1]) else {
        print("ignored a malformed acknowledgement:", acknowledgement)
        return
    }
    handler[request] = String(words[0])
}

/// Prints the game servers that connected or disconnected since the last call.
@MainActor func reportConnections() throws {
    while let event = try connections.tryNext() {
        switch event.kind {
        case .accepted:
            connected += 1
            print("a game server connected (\(connected) connected)")
        case .disconnected:
            connected -= 1
            print("a game server disconnected (\(connected) connected)")
        default:
            break
        }
    }
}

let clock = ContinuousClock()
var nextSend = clock.now
for request in 1...count {
    do {
        try requests.send("\(request) player-\(request % 37) move")
        sent.append(request)
    } catch ZMQError.again {
        timedOut.append(request)
        print("request \(request) timed out: no game server took it within \(sendTimeout)")
    } catch {
        throw error
    }
    try reportConnections()
    // Until the next request is due, take the acknowledgements that come.
    nextSend = max(nextSend + interval, clock.now)
    while let acknowledgement = try acks.receiveString(timeout: nextSend - clock.now) {
        record(acknowledgement)
    }
}
// The last acknowledgements: every one, or none for a while.
while handler.count < sent.count, let acknowledgement = try acks.receiveString(timeout: lateAcknowledgements) {
    record(acknowledgement)
}
try reportConnections()

// The accounting: every request was handled, timed out or lost.
print(
    "requests \(count): sent \(sent.count), timed out \(timedOut.count) (no game server took them within \(sendTimeout))"
)
var handledBy: [String: Int] = [:]
for server in handler.values { handledBy[server, default: 0] += 1 }
let servers = handledBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
print("handled \(handler.count) by \(handledBy.count) game servers: \(servers.joined(separator: ", "))")
let lost = sent.filter { handler[$0] == nil }
print(
    "lost \(lost.count): sent but not acknowledged within \(lateAcknowledgements) of the last one,"
        + " so queued for a game server that went away" + (lost.isEmpty ? "" : ": requests ")
        + lost.map(String.init).joined(separator: " "))
