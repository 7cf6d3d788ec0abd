// The devices as the docs show them, in async top-level code (a `main.swift` that
// awaits), where every `let` is a global of the main actor and the compiler does not
// follow `sending`: a monitor awaited in the loop itself and in a task (Docs/Monitor.md),
// a monitor polled with a socket (Docs/Poller.md), and a socket used after it was handed
// to a proxy (Docs/Proxy.md), which must throw instead of racing the proxy's thread;
// and a SharedSocket used by many tasks (Docs/Async.md).
//
//   devices-top-level
//
// Prints one line per check and exits with 1 if any failed.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) var failures = 0

func check(_ condition: Bool, _ what: String) {
    print(condition ? "ok   \(what)" : "FAIL \(what)")
    if !condition { failures += 1 }
}

let context = try Context()

// Docs/Monitor.md: awaiting a monitor's events at top level, in the loop itself...
let server = try PullSocket(context)
let endpoint = try server.bind("tcp://127.0.0.1:*")
let client = try PushSocket(context)
let monitor = try client.monitor([.connected, .disconnected, .handshakeSucceeded])
try client.connect(endpoint)
var handshake = false
for try await event in monitor {
    if event.kind == .handshakeSucceeded {
        handshake = true
        break
    }
}
check(handshake, "for try await over a monitor at top level")

// ...and in a task, which runs on the main actor as the code around it does.
let watcher = Task {
    var last: MonitorEvent.Kind?
    for try await event in monitor { last = event.kind }  // ends after monitorStopped
    return last
}
client.close()
check(try await watcher.value == .monitorStopped, "a task awaiting the monitor reads it to its end")
check(!monitor.isRunning, "the monitor has ended")

// A monitor handed to a task on the reactor through a function's `sending` parameter.
func watch(_ monitor: sending Monitor) -> Task<Int, any Error> {
    Task(executorPreference: Reactor.shared) {
        var count = 0
        for try await _ in monitor { count += 1 }
        return count
    }
}
let other = try PushSocket(context)
let counting = watch(try other.monitor())
try other.connect(endpoint)
other.close()
check(try await counting.value >= 1, "a monitor sent to a task on the reactor reads to its end")

// Docs/Poller.md: a monitor polled with a socket, read with tryNext().
enum Source { case requests, connections }
let watched = try PullSocket(context)
let connections = try watched.monitor([.accepted])
let watchedEndpoint = try watched.bind("tcp://127.0.0.1:*")
let poller = Poller<Source>()
try poller.add(watched, token: .requests)
try poller.add(connections, token: .connections)
let peer = try PushSocket(context)
try peer.connect(watchedEndpoint)
var accepted = false
for _ in 0..<50 where !accepted {
    for item in try poller.poll(timeout: .milliseconds(100)) {
        switch item.token {
        case .requests: while try watched.tryReceive() != nil {}
        case .connections:
            while let event = try connections.tryNext() {
                if case .accepted = event.kind { accepted = true }
            }
        }
    }
}
check(accepted, "a monitor in a poller reports accepted")
peer.close()

// Docs/Proxy.md: top-level code can still name a socket handed to a proxy; using it
// throws, saying whose it is.
let frontend = try PullSocket(context)
try frontend.bind("inproc://frontend")
let backend = try PushSocket(context)
try backend.bind("inproc://backend")
let proxy = try Proxy.start(from: frontend, to: backend)
do {
    try frontend.bind("inproc://again")
    check(false, "a socket handed to a proxy throws when used")
} catch {
    check(
        error == .notSocket && "\(error)".contains("belongs to a proxy"),
        "a socket handed to a proxy throws when used: \(error)")
}
// Top-level code always picks the blocking `proxy.stop()`, which is unavailable in
// async code: the async one is reached from a task.
try await Task { try await proxy.pause() }.value
await Task { await proxy.stop() }.value
check(!proxy.isRunning, "await proxy.stop() in a task at top level")

// Docs/Async.md: a SharedSocket made at top level, used from a function and from tasks.
let sink = try PullSocket(context)
let sinkEndpoint = try sink.bind("inproc://shared")
let dealer = try PushSocket(context)
try dealer.connect(sinkEndpoint)
let shared = SharedSocket(dealer)

func handle(_ request: String) async throws {
    try await shared.send(request)
}
try await withThrowingTaskGroup { group in
    for n in 0..<10 { group.addTask { try await handle("request \(n)") } }
    try await group.waitForAll()
}
var requests = 0
try await Task {  // bounded by the script's timeout
    for _ in 0..<10 {
        _ = try await sink.receive()
        requests += 1
    }
}.value
check(requests == 10, "ten tasks sent through one SharedSocket made at top level")
await shared.close()

context.close()
exit(failures == 0 ? 0 : 1)
