// Many clients in one process, for `make load`: DEALERS tasks on the reactor, each with
// its own DEALER socket (its own connection), each sending REQUESTS requests and keeping
// at most WINDOW of them unanswered.
//
//   load-dealers ENDPOINT DEALERS REQUESTS WINDOW TAG [GATE]
//
// With GATE (a file's path), every DEALER first has its request 0 answered; then the
// process prints "ready" and waits (a minute at most) until GATE exists before any
// sends the rest, so that every client of every process is connected at once.
//
// A request is "TAG DEALER SEQUENCE"; the server (or the workers behind a proxy) sends
// it back. Every reply is checked: one reply per request, none foreign, none twice.
// Prints "D dealers: R of R replies, M missing, U duplicated, F foreign".
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments
let endpoint = arguments[1]
let dealers = Int(arguments[2])!
let requests = Int(arguments[3])!
let window = Int(arguments[4])!
let tag = arguments[5]
let gate = arguments.count > 6 ? arguments[6] : nil
let context = try Context()

/// Holds every client until all have arrived and GATE exists.
actor Barrier {
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func arrive() async {
        await withCheckedContinuation { continuation in
            waiting.append(continuation)
            if waiting.count == dealers { Task { await self.open() } }
        }
    }

    private func open() async {
        print("ready")
        fflush(nil)
        for _ in 0..<6000 where access(gate!, F_OK) != 0 {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
}
let barrier = Barrier()

struct Outcome: Sendable {
    var replies = 0
    var missing = 0
    var duplicated = 0
    var foreign = 0

    static func + (lhs: Self, rhs: Self) -> Self {
        Outcome(
            replies: lhs.replies + rhs.replies, missing: lhs.missing + rhs.missing,
            duplicated: lhs.duplicated + rhs.duplicated, foreign: lhs.foreign + rhs.foreign)
    }
}

/// One client: sends its requests with at most `window` unanswered, and checks every
/// reply; a reply that does not come within 30 s counts the rest as missing.
func client(_ index: Int) async throws -> Outcome {
    let dealer = try DealerSocket(context)
    defer { dealer.close() }
    try dealer.connect(endpoint)
    var seen = [Bool](repeating: false, count: requests)
    var outcome = Outcome()
    var sent = 0
    if gate != nil {
        // Request 0 answered: this client is connected; then wait for all the others.
        try await dealer.send("\(tag) \(index) 0")
        sent = 1
        if let reply = try await dealer.receiveString(timeout: .seconds(30)), reply == "\(tag) \(index) 0" {
            seen[0] = true
            outcome.replies += 1
        }
        await barrier.arrive()
    }
    // None is in flight here: fill the window.
    let windowEnd = min(sent + window, requests)
    while sent < windowEnd {
        try await dealer.send("\(tag) \(index) \(sent)")
        sent += 1
    }
    while outcome.replies + outcome.duplicated + outcome.foreign < requests {
        guard let reply = try await dealer.receiveString(timeout: .seconds(30)) else { break }
        let fields = reply.split(separator: " ")
        if fields.count == 3, fields[0] == tag, Int(fields[1]) == index, let sequence = Int(fields[2]),
            seen.indices.contains(sequence)
        {
            if seen[sequence] {
                outcome.duplicated += 1
            } else {
                seen[sequence] = true
                outcome.replies += 1
            }
        } else {
            outcome.foreign += 1
        }
        if sent < requests {
            try await dealer.send("\(tag) \(index) \(sent)")
            sent += 1
        }
    }
    outcome.missing = seen.count { !$0 }
    return outcome
}

let outcome = try await Task(executorPreference: Reactor.shared) {
    try await withThrowingTaskGroup(of: Outcome.self) { group in
        for index in 0..<dealers {
            group.addTask { try await client(index) }
        }
        return try await group.reduce(Outcome(), +)
    }
}.value
print(
    "\(dealers) dealers: \(outcome.replies) of \(dealers * requests) replies, \(outcome.missing) missing, "
        + "\(outcome.duplicated) duplicated, \(outcome.foreign) foreign")
