// A ROUTER that echoes every request to the peer that sent it, for `make load`: a
// blocking loop (sync) or one `for try await` loop on the reactor (async).
//
//   load-router sync|async TOTAL IDLE_MS
//
// Prints its endpoint first; ends after TOTAL requests, or when none comes for IDLE_MS,
// and prints "served N requests from P peers, N replies sent, C connections at most at
// once" (C from the ROUTER's monitor: accepted less disconnected). With `routerMandatory`,
// a reply that cannot be routed throws instead of vanishing, so every request is either
// answered or reported.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let mode = CommandLine.arguments[1]
let total = Int(CommandLine.arguments[2])!
let idle = Duration.milliseconds(Int(CommandLine.arguments[3])!)
let context = try Context()

/// Requests served, by the routing id of the peer that sent them, and connections.
struct Tally {
    var requests = 0
    var replies = 0
    var byPeer: [[UInt8]: Int] = [:]
    var open = 0
    var mostOpen = 0
    var acceptsFailed = 0

    /// Takes the monitor's waiting events: connections accepted and gone.
    mutating func count(_ monitor: Monitor) throws {
        while let event = try monitor.tryNext() {
            switch event.kind {
            case .accepted: open += 1
            case .disconnected: open -= 1
            case .acceptFailed: acceptsFailed += 1
            default: break
            }
            mostOpen = max(mostOpen, open)
        }
    }

    mutating func request(from peer: borrowing Message) {
        requests += 1
        byPeer[peer.withUnsafeBytes { Array($0) }, default: 0] += 1
    }
}

func serveBlocking(_ router: RouterSocket, _ monitor: Monitor) throws -> Tally {
    var tally = Tally()
    while tally.requests < total, let request = try router.receiveMultipart(timeout: idle) {
        tally.request(from: request[0])
        try router.sendMultipart(request)
        tally.replies += 1
        if tally.requests % 16 == 0 { try tally.count(monitor) }
    }
    try tally.count(monitor)
    return tally
}

let tally: Tally
switch mode {
case "sync":
    let router = try RouterSocket(context)
    try router.setOption(.routerMandatory, true)
    let monitor = try router.monitor([.accepted, .disconnected, .acceptFailed])
    print(try router.bind("tcp://127.0.0.1:*"))
    fflush(nil)  // the clients wait for this line
    tally = try serveBlocking(router, monitor)
case "async":
    tally = try await Task(executorPreference: Reactor.shared) {
        let router = try RouterSocket(context)
        try router.setOption(.routerMandatory, true)
        let monitor = try router.monitor([.accepted, .disconnected, .acceptFailed])
        print(try router.bind("tcp://127.0.0.1:*"))
        fflush(nil)
        var tally = Tally()
        while tally.requests < total, let request = try await router.receiveMultipart(timeout: idle) {
            tally.request(from: request[0])
            try await router.sendMultipart(request)
            tally.replies += 1
            if tally.requests % 16 == 0 { try tally.count(monitor) }
        }
        try tally.count(monitor)
        return tally
    }.value
default:
    print("usage: load-router sync|async TOTAL IDLE_MS")
    exit(2)
}
print(
    "served \(tally.requests) requests from \(tally.byPeer.count) peers, \(tally.replies) replies sent, "
        + "\(tally.mostOpen) connections at most at once"
        + (tally.acceptsFailed > 0 ? ", \(tally.acceptsFailed) accepts failed" : ""))
