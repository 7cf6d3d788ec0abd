// A soak: COUNT messages through one pattern, sampling the process's resident memory
// (VmRSS in /proc/self/status) every SAMPLE messages, and failing when it grows past a
// bound between the first sample after the warm-up and the last.
//
//   soak PATTERN COUNT SAMPLE BOUND_KIB
//
// PATTERN is one of push-pull (inproc), req-rep (inproc), pub-sub (ipc), router-dealer
// (tcp), async-push-pull (tcp, two tasks) and async-router-dealer (ipc, two tasks).
// COUNT counts messages delivered to a receiving call (a request and its reply are two);
// the first SAMPLE of them are the warm-up. Every message carries its sequence number,
// checked on arrival, so a lost, duplicated or reordered message fails the run too.
//
// Prints one line: the pattern, the count, the time, the samples and the growth; exits
// 1 when the growth passes BOUND_KIB or a message was wrong.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments
let count = arguments.count == 5 ? Int(arguments[2]) ?? 0 : 0
let every = arguments.count == 5 ? Int(arguments[3]) ?? 0 : 0
let boundKiB = arguments.count == 5 ? Int(arguments[4]) ?? -1 : -1
guard every > 0, count >= 2 * every, boundKiB >= 0 else {
    print("usage: soak PATTERN COUNT SAMPLE BOUND_KIB (COUNT at least twice SAMPLE)")
    exit(2)
}
let pattern = arguments[1]

/// The resident set size in KiB, from the `VmRSS:` line of /proc/self/status.
func residentKiB() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmRSS:") {
            return Int(text.dropFirst(6).filter { $0.isNumber }) ?? -1
        }
    }
    return -1
}

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Counts delivered messages, checks their sequence numbers, and samples memory.
struct Meter {
    let every: Int
    var delivered = 0
    var wrong = 0
    var samples: [Int] = []

    /// Records one delivered message whose payload should carry `expected`.
    mutating func deliver(_ message: borrowing Message, expected: Int) {
        if Self.sequence(of: message) != expected { wrong += 1 }
        delivered += 1
        if delivered % every == 0 { samples.append(residentKiB()) }
    }

    /// A payload of 100 bytes (above libzmq's 33-byte inline limit, so every message is
    /// a heap allocation) beginning with the sequence number.
    static func payload(_ sequence: Int) -> Message {
        Message(bytesCount: 100, sequence: sequence)
    }

    static func sequence(of message: borrowing Message) -> Int {
        guard message.count == 100 else { return -1 }
        return message.withUnsafeBytes { $0.loadUnaligned(as: Int.self) }
    }
}

extension Message {
    init(bytesCount: Int, sequence: Int) {
        var bytes = [UInt8](repeating: 0x5A, count: bytesCount)
        Swift.withUnsafeBytes(of: sequence) { for (index, byte) in $0.enumerated() { bytes[index] = byte } }
        self.init(bytes)
    }
}

/// Messages sent before the sender waits for the receiver: under every high-water mark.
let batch = 500

func pushPull(_ meter: inout Meter) throws {
    let context = try Context()
    let pull = try PullSocket(context)
    try pull.bind("inproc://soak")
    let push = try PushSocket(context)
    try push.connect("inproc://soak")
    var sent = 0
    while meter.delivered < count {
        let end = min(sent + batch, count)
        while sent < end {
            try push.send(Meter.payload(sent))
            sent += 1
        }
        while meter.delivered < end {
            let message = try pull.receive()
            meter.deliver(message, expected: meter.delivered)
        }
    }
}

func reqRep(_ meter: inout Meter, endpoint: String) throws {
    let context = try Context()
    let rep = try RepSocket(context)
    let bound = try rep.bind(endpoint)
    let req = try ReqSocket(context)
    try req.connect(bound)
    var round = 0
    while meter.delivered < count {
        try req.send(Meter.payload(round))
        let request = try rep.receive()
        meter.deliver(request, expected: round)
        try rep.send(request)
        let reply = try req.receive()
        meter.deliver(reply, expected: round)
        round += 1
    }
}

func pubSub(_ meter: inout Meter, endpoint: String) throws {
    let context = try Context()
    let pub = try PubSocket(context)
    // Measured: with the default high-water mark (1000), the 1000th message of a fast
    // publisher was dropped in every run although the subscriber had taken the first
    // 500 before the next 500 were sent. A PUB learns what its pipe's reader took from
    // commands that a send processes at most once every 1 to 2 ms (libzmq's
    // max_command_delay) while messages stream, so a sender that never blocks counts
    // messages already received against the mark.
    try pub.setOption(.sendHighWaterMark, 100_000)
    let bound = try pub.bind(endpoint)
    let sub = try SubSocket(context)
    try sub.subscribeToAll()
    try sub.connect(bound)
    // The subscription travels to the publisher after the connection: publish a probe
    // until one arrives, then drain the probes (sequence -1).
    var joined = false
    for _ in 0..<500 where !joined {
        try pub.send(Meter.payload(-1))
        joined = try sub.receive(timeout: .milliseconds(10)) != nil
    }
    guard joined else { throw ZMQError.again }
    while try sub.receive(timeout: .milliseconds(100)) != nil {}
    var sent = 0
    while meter.delivered < count {
        let end = min(sent + batch, count)
        while sent < end {
            try pub.send(Meter.payload(sent))
            sent += 1
        }
        while meter.delivered < end {
            // A publisher drops past its high-water mark; a batch stays under it, so a
            // message that does not come within seconds is lost and fails the run.
            guard let message = try sub.receive(timeout: .seconds(5)) else {
                meter.wrong += end - meter.delivered
                print("pub-sub: \(end - meter.delivered) of the batch ending at \(end) did not come")
                return
            }
            if Meter.sequence(of: message) == -1 { continue }  // a late probe
            meter.deliver(message, expected: meter.delivered)
        }
    }
}

func routerDealer(_ meter: inout Meter, endpoint: String) throws {
    let context = try Context()
    let router = try RouterSocket(context)
    try router.setOption(.routerMandatory, true)
    let bound = try router.bind(endpoint)
    let dealer = try DealerSocket(context)
    try dealer.connect(bound)
    var sent = 0
    var replied = 0
    while meter.delivered < count {
        let end = sent + min(batch, (count - meter.delivered) / 2 + 1)
        while sent < end {
            try dealer.send(Meter.payload(sent))
            sent += 1
        }
        for sequence in replied..<end {
            let request = try router.receiveMultipart()
            meter.deliver(request[1], expected: sequence)
            try router.sendMultipart(request)
        }
        while replied < end {
            let reply = try dealer.receive()
            meter.deliver(reply, expected: replied)
            replied += 1
        }
    }
}

/// A sender task and a receiver task on the reactor, each awaiting its socket; the
/// sender outruns the receiver, so sends wait on the high-water mark and receives on
/// arrivals, which is the async API's slow path.
func asyncPushPull(_ meter: Meter, endpoint: String) async throws -> Meter {
    let context = try Context()
    let pull = try PullSocket(context)
    let bound = try pull.bind(endpoint)
    let push = try PushSocket(context)
    try push.connect(bound)
    let sender = Task(executorPreference: Reactor.shared) {
        for sequence in 0..<count {
            try await push.send(Meter.payload(sequence))
        }
    }
    let received = try await Task(executorPreference: Reactor.shared) { [meter] in
        var meter = meter
        while meter.delivered < count {
            let message = try await pull.receive()
            meter.deliver(message, expected: meter.delivered)
        }
        return meter
    }.value
    try await sender.value
    return received
}

/// An async ROUTER answering an async DEALER that keeps a window of requests in flight.
func asyncRouterDealer(_ meter: Meter, endpoint: String) async throws -> Meter {
    let context = try Context()
    let router = try RouterSocket(context)
    let bound = try router.bind(endpoint)
    let dealer = try DealerSocket(context)
    try dealer.connect(bound)
    let requests = count / 2
    let server = Task(executorPreference: Reactor.shared) {
        var delivered = 0
        var wrong = 0
        for try await request in router.multipartMessages {
            if Meter.sequence(of: request[1]) != delivered { wrong += 1 }
            delivered += 1
            try await router.sendMultipart(request)
            if delivered == requests { break }
        }
        return (delivered, wrong)
    }
    let client = try await Task(executorPreference: Reactor.shared) { [meter] in
        var meter = meter
        var sent = 0
        while sent < min(batch, requests) {
            try await dealer.send(Meter.payload(sent))
            sent += 1
        }
        var replied = 0
        while replied < requests {
            let reply = try await dealer.receive()
            // Count the server's delivery with the reply it answers: both halves of
            // each round trip are counted, and the samples stay in one place.
            meter.deliver(reply, expected: replied)
            meter.delivered += 1
            if meter.delivered % meter.every == 0 { meter.samples.append(residentKiB()) }
            replied += 1
            if sent < requests {
                try await dealer.send(Meter.payload(sent))
                sent += 1
            }
        }
        return meter
    }.value
    let (served, wrongAtServer) = try await server.value
    var result = client
    result.wrong += wrongAtServer + (served == requests ? 0 : 1)
    return result
}

let work = "/tmp/zmq-soak-\(getpid())"
let started = now()
var meter = Meter(every: every)
do {
    switch pattern {
    case "push-pull": try pushPull(&meter)
    case "req-rep": try reqRep(&meter, endpoint: "inproc://soak-req-rep")
    case "pub-sub": try pubSub(&meter, endpoint: "ipc://\(work)-pub-sub")
    case "router-dealer": try routerDealer(&meter, endpoint: "tcp://127.0.0.1:*")
    case "async-push-pull": meter = try await asyncPushPull(meter, endpoint: "tcp://127.0.0.1:*")
    case "async-router-dealer": meter = try await asyncRouterDealer(meter, endpoint: "ipc://\(work)-async")
    default:
        print("soak: unknown pattern \(pattern)")
        exit(2)
    }
} catch {
    print("FAIL soak \(pattern): \(error) after \(meter.delivered) messages")
    exit(1)
}
let seconds = now() - started
let first = meter.samples.first ?? -1
let last = meter.samples.last ?? -1
let growth = last - first
let ok = meter.wrong == 0 && meter.delivered == count && growth <= boundKiB
let rate = Int(Double(meter.delivered) / seconds / 1000)
let mib = { (kib: Int) in String(Double(kib * 10 / 1024) / 10) }
print(
    "\(ok ? "ok  " : "FAIL") soak \(pattern): \(meter.delivered) messages, \(meter.wrong) wrong, "
        + "in \(Int(seconds)) s (\(rate) k/s); VmRSS after warm-up \(mib(first)) MiB, at end \(mib(last)) MiB, "
        + "growth \(growth) KiB (bound \(boundKiB) KiB); samples (MiB): "
        + meter.samples.map(mib).joined(separator: " "))
exit(ok ? 0 : 1)
