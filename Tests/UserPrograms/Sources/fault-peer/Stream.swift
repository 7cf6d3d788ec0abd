// A numbered stream, PUSH to PULL: the source sends "G.0" ... "G.N-1", the sink tallies
// what arrived of each generation (each run of a source is a new generation).
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sink ends on SIGTERM, `limit=S` seconds after it started (60 by default), or
/// `idle=MS` after the last message (when one came).
private struct SinkClock {
    let started = wallClock()
    let limit: Int
    let idle: Int

    init(_ arguments: Arguments) {
        limit = arguments.int("limit", 60) * 1000
        idle = arguments.int("idle", 0)
    }

    func isOver(_ tally: Tally) -> Bool {
        if stopRequested != 0 || wallClock() - started > limit { return true }
        let last = tally.generations.values.map(\.last).max() ?? 0
        return idle > 0 && last > 0 && wallClock() - last > idle
    }
}

func runSink(_ arguments: Arguments, _ context: Context) throws {
    let sink = try PullSocket(context)
    try configure(sink, arguments)
    say(try sink.bind(arguments.required("endpoint")))
    let clock = SinkClock(arguments)
    var tally = Tally()
    while !clock.isOver(tally) {
        if let message = try sink.receive(timeout: .milliseconds(100)) {
            tally.add(message.string)
        }
    }
    tally.report.forEach(say)
}

/// The same sink on the async API: its waits are the reactor's.
func runSinkAsync(_ arguments: Arguments, _ context: Context) async throws {
    let report = try await Task(executorPreference: Reactor.shared) {
        let sink = try PullSocket(context)
        try configure(sink, arguments)
        say(try sink.bind(arguments.required("endpoint")))
        let clock = SinkClock(arguments)
        var tally = Tally()
        while !clock.isOver(tally) {
            if let message = try await sink.receive(timeout: .milliseconds(100)) {
                tally.add(message.string)
            }
        }
        return tally.report
    }.value
    report.forEach(say)
}

/// Sends `count` numbered messages of generation `generation`, one each `interval=MS`
/// (none: as fast as the socket takes them), then closes with `linger=MS` (10 s by
/// default) for the rest to leave. With `progress=1` it prints "sent N" after each message, so that the script
/// knows how many were sent when it kills the process.
func runSource(_ arguments: Arguments, _ context: Context) throws {
    let source = try PushSocket(context)
    try configure(source, arguments, linger: 10_000)
    try source.connect(arguments.required("endpoint"))
    let generation = arguments.int("generation", 1)
    let count = arguments.int("count", 1000)
    let interval = arguments.int("interval", 0)
    let size = arguments.int("size", 16)
    let progress = arguments.flag("progress")
    let started = wallClock()
    // A send that waits longer than `send-timeout=MS` (20 s) for a peer ends the run.
    try source.setOption(.sendTimeout, .milliseconds(arguments.int("send-timeout", 20_000)))
    for sequence in 0..<count {
        do {
            try source.send(numbered(generation, sequence, size: size))
        } catch {
            if error == .again { fail("message \(sequence) waited too long for a peer; sent \(sequence)") }
            throw error
        }
        if progress { say("sent \(sequence + 1)") }
        if interval > 0 { usleep(useconds_t(interval * 1000)) }
    }
    say("sent \(count) in \(wallClock() - started) ms")
    context.close()  // each socket with its own linger: the queued messages leave first
    say("closed after \(wallClock() - started) ms")
}
