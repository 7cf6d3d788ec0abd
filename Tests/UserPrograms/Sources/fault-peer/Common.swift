// What every role of fault-peer shares: its `key=value` arguments, the wall clock that
// the script compares with its own, the stop flag that SIGTERM sets, and the options of
// a socket that the arguments name.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The arguments after the role: `key=value` words.
struct Arguments {
    private var values: [String: String] = [:]

    init(_ words: ArraySlice<String>) {
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1)
            values[String(parts[0])] = parts.count == 2 ? String(parts[1]) : "1"
        }
    }

    func string(_ key: String) -> String? { values[key] }

    func required(_ key: String) -> String {
        guard let value = values[key] else { fail("missing argument \(key)=") }
        return value
    }

    func int(_ key: String, _ fallback: Int) -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text) else { fail("\(key)=\(text) is not a number") }
        return value
    }

    func flag(_ key: String) -> Bool { int(key, 0) != 0 }
}

func fail(_ text: String) -> Never {
    say("fault-peer: \(text)")
    exit(2)
}

/// Milliseconds since the epoch: the script reads `date +%s%3N` on the same clock.
func wallClock() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return time.tv_sec * 1000 + time.tv_nsec / 1_000_000
}

/// Prints a line at once: the script reads the output while the program runs, and a
/// program killed with SIGKILL would lose what a buffer held.
func say(_ text: String) {
    print(text)
    fflush(nil)
}

/// Set by SIGTERM: the long-running roles end their loop, print their tally, and exit.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

func stopOnTerminate() {
    signal(SIGTERM) { _ in stopRequested = 1 }
}

/// The options the arguments ask for, on any socket: `heartbeat=MS` (interval, with a
/// timeout of three intervals unless `heartbeat-timeout=MS`), `reconnect=MS`,
/// `handshake=MS`, `linger=MS` (`linger` unless given), `id=TEXT`.
func configure<Kind>(_ socket: Socket<Kind>, _ arguments: Arguments, linger: Int = 0) throws {
    let heartbeat = arguments.int("heartbeat", 0)
    if heartbeat > 0 {
        try socket.setOption(.heartbeatInterval, .milliseconds(heartbeat))
        try socket.setOption(.heartbeatTimeout, .milliseconds(arguments.int("heartbeat-timeout", 3 * heartbeat)))
    }
    if let reconnect = arguments.string("reconnect") {
        try socket.setOption(.reconnectInterval, .milliseconds(Int(reconnect)!))
    }
    if let handshake = arguments.string("handshake") {
        try socket.setOption(.handshakeInterval, .milliseconds(Int(handshake)!))
    }
    try socket.setOption(.linger, .milliseconds(arguments.int("linger", linger)))
    if let id = arguments.string("id") {
        try socket.setOption(.routingID, Array(id.utf8))
    }
}

/// The numbered messages of the streams: "GENERATION.SEQUENCE", padded with dots to
/// `size` bytes.
func numbered(_ generation: Int, _ sequence: Int, size: Int) -> String {
    let text = "\(generation).\(sequence)"
    return text.count >= size ? text : text + String(repeating: ".", count: size - text.count)
}

/// What arrived of each generation of a numbered stream.
struct Tally {
    struct Generation {
        var received = 0
        var highest = -1
        var duplicated = 0
        var reordered = 0
        var seen: Set<Int> = []
        var first = 0
        var last = 0
    }

    var generations: [Int: Generation] = [:]

    mutating func add(_ text: String) {
        let fields = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count >= 2, let generation = Int(fields[0]), let sequence = Int(fields[1]) else {
            fail("not a numbered message: \(text.prefix(40))")
        }
        var tally = generations[generation] ?? Generation()
        let now = wallClock()
        if tally.received == 0 { tally.first = now }
        tally.last = now
        if !tally.seen.insert(sequence).inserted {
            tally.duplicated += 1
        } else if sequence < tally.highest {
            tally.reordered += 1
        }
        tally.received += 1
        tally.highest = max(tally.highest, sequence)
        generations[generation] = tally
    }

    /// The numbers below the highest that never came, as ranges ("452-1154 2001"), the
    /// first five.
    private func missing(_ tally: Generation) -> String {
        var ranges: [String] = []
        var number = 0
        while number <= tally.highest && ranges.count < 5 {
            guard !tally.seen.contains(number) else {
                number += 1
                continue
            }
            var end = number
            while end + 1 <= tally.highest && !tally.seen.contains(end + 1) { end += 1 }
            ranges.append(end == number ? "\(number)" : "\(number)-\(end)")
            number = end + 1
        }
        return ranges.joined(separator: " ")
    }

    /// One line a generation: "generation G: received R, highest H, holes N, duplicated D,
    /// reordered O, in T ms[, missing RANGES]". Holes are numbers below the highest that
    /// never came.
    var report: [String] {
        generations.keys.sorted().map { key in
            let tally = generations[key]!
            let holes = tally.highest + 1 - tally.seen.count
            return "generation \(key): received \(tally.received), highest \(tally.highest), holes \(holes), "
                + "duplicated \(tally.duplicated), reordered \(tally.reordered), in \(tally.last - tally.first) ms"
                + (holes > 0 ? ", missing \(missing(tally))" : "")
        }
    }
}
