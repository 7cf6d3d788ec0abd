// zmq-demo: the three basic ZeroMQ patterns, each over the three local transports.
//
//   REQ/REP    a request and its reply
//   PUB/SUB    prefix-filtered publishing, with the slow-joiner handshake
//   PUSH/PULL  a task pipeline, round-robined over two workers
//   Async DEALER/ROUTER  three client tasks and a server loop, awaiting on the reactor
//
// Then one error, to show what a failure looks like, and where to go next (the examples
// in Examples/). `make demo` runs it.
//
// Each pattern is one function, `(Transport, Context) throws -> String`, that sets
// up its sockets, runs, checks the outcome and returns a line to print; `runDemo`
// runs every function in `patterns` over every transport. To show another pattern,
// write its function and add it to that list.
//
// Every receiving socket has a receive timeout and every loop has a bound, so the
// demo finishes by itself within a few seconds whatever happens; it exits with
// status 1 if any pattern does not do what it should.

import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - REQ/REP

/// A REQ socket sends 'ping', the REP socket that receives it answers 'pong'.
///
/// REQ and REP strictly alternate: REQ sends then receives, REP receives then sends.
/// Connecting does not wait for the peer, so REQ can send before the connection is
/// made; libzmq queues the request until it is.
func requestReply(over transport: Transport, in context: Context) throws -> String {
    var endpoints = Endpoints(transport, pattern: "reqrep")
    defer { endpoints.removeFiles() }
    let server = try RepSocket(context)
    let client = try ReqSocket(context)
    try applyTimeouts(to: server)
    try applyTimeouts(to: client)

    let endpoint = try server.bind(endpoints.make("server"))
    try client.connect(endpoint)

    try client.send("ping")
    let request = try server.receiveString()
    try server.send("pong")
    let reply = try client.receiveString()

    guard request == "ping", reply == "pong" else {
        throw Unexpected("expected 'ping' and 'pong', got '\(request)' and '\(reply)'")
    }
    // For tcp, `bind` returned the port that the wildcard chose.
    return "REQ -> REP: '\(request)' ... REP -> REQ: '\(reply)'   (\(endpoint))"
}

// MARK: - PUB/SUB

/// A publisher sends three weather reports and three other messages; a subscriber to
/// 'weather.' receives exactly the weather reports.
///
/// Subscriptions travel from the subscriber to the publisher in the background, and
/// a publisher drops what no subscriber has asked for yet (the "slow joiner"). So
/// the publisher first sends probes on a control topic, in a bounded loop, until one
/// reaches the subscriber; only then does it publish for real. A final control
/// message marks the end, so the subscriber knows it has seen everything that was
/// going to arrive.
func publishSubscribe(over transport: Transport, in context: Context) throws -> String {
    var endpoints = Endpoints(transport, pattern: "pubsub")
    defer { endpoints.removeFiles() }
    let publisher = try PubSocket(context)
    let subscriber = try SubSocket(context)
    try applyTimeouts(to: publisher)
    try applyTimeouts(to: subscriber)

    let endpoint = try publisher.bind(endpoints.make("publisher"))
    try subscriber.subscribe(to: "weather.")
    try subscriber.subscribe(to: "control.")
    try subscriber.connect(endpoint)

    // The handshake: probe every 10 ms, for two seconds at most.
    var probes = 0
    repeat {
        guard probes < 200 else {
            throw Unexpected("the subscription did not reach the publisher after \(probes) probes")
        }
        try publisher.send("control.probe")
        probes += 1
    } while try subscriber.receiveString(timeout: .milliseconds(10)) == nil

    let matching = ["weather.oslo 4C", "weather.lima 18C", "weather.perth 27C"]
    let others = ["sports.tennis 6-4", "news.local all quiet", "sports.chess draw"]
    for (report, other) in zip(matching, others) {
        try publisher.send(report)
        try publisher.send(other)
    }
    try publisher.send("control.end")

    // Messages from one publisher arrive in order: everything published before
    // 'control.end' that matches has arrived when it does.
    var receivedMatching = 0
    var receivedOthers = 0
    for _ in 0..<100 {
        let message = try subscriber.receiveString()
        if message == "control.end" { break }
        if matching.contains(message) { receivedMatching += 1 }
        if others.contains(message) { receivedOthers += 1 }
    }

    guard receivedMatching == matching.count, receivedOthers == 0 else {
        throw Unexpected(
            "received \(receivedMatching) of \(matching.count) matching, "
                + "\(receivedOthers) of \(others.count) others")
    }
    return "PUB/SUB: subscribed to 'weather.', received \(receivedMatching) of \(matching.count) "
        + "matching, \(receivedOthers) of \(others.count) others "
        + "(subscription live after \(probes) \(probes == 1 ? "probe" : "probes"))"
}

// MARK: - PUSH/PULL

/// A PUSH socket hands ten tasks to two PULL workers, which share them out evenly.
///
/// PUSH round-robins over the peers it has a queue for. Here the workers bind and
/// the PUSH connects to each of them: a connecting socket creates its queue at once,
/// before the connection is made, so both workers are in the rotation from the first
/// task. (When the PUSH binds instead, the worker that connects first can take every
/// task sent before the other one arrives.)
func pipeline(over transport: Transport, in context: Context) throws -> String {
    var endpoints = Endpoints(transport, pattern: "pipeline")
    defer { endpoints.removeFiles() }
    let names = ["A", "B"]
    let ventilator = try PushSocket(context)
    try applyTimeouts(to: ventilator)

    var workers: [PullSocket] = []
    for name in names {
        let worker = try PullSocket(context)
        try applyTimeouts(to: worker)
        let endpoint = try worker.bind(endpoints.make("worker-\(name)"))
        try ventilator.connect(endpoint)
        workers.append(worker)
    }

    let taskCount = 10
    for task in 1...taskCount {
        try ventilator.send("task \(task)")
    }

    // Collect with the non-blocking form, pausing between rounds, for two seconds
    // at most.
    var tasksByWorker = [[Int]](repeating: [], count: workers.count)
    var received = 0
    var idleRounds = 0
    while received < taskCount {
        var progressed = false
        for (index, worker) in workers.enumerated() {
            while let task = try worker.tryReceiveString() {
                tasksByWorker[index].append(Int(task.dropFirst("task ".count)) ?? 0)
                received += 1
                progressed = true
            }
        }
        if !progressed {
            idleRounds += 1
            guard idleRounds < 200 else {
                throw Unexpected("the workers received \(received) of \(taskCount) tasks")
            }
            pause(milliseconds: 10)
        }
    }

    guard tasksByWorker.allSatisfy({ !$0.isEmpty }) else {
        throw Unexpected("one worker got every task: \(tasksByWorker)")
    }
    let shares = zip(names, tasksByWorker).map { name, tasks in
        "worker \(name) got \(tasks.count) (\(tasks.map(String.init).joined(separator: " ")))"
    }
    return "PUSH -> \(workers.count) PULLs: " + shares.joined(separator: ", ")
}

// MARK: - Async DEALER/ROUTER

/// A ROUTER server answers three DEALER clients, each a task of its own, all on the
/// reactor: every send and receive awaits instead of blocking a thread, and the server
/// serves them all from one `for try await` loop.
func asyncServer(over transport: Transport, in context: Context) throws -> String {
    var endpoints = Endpoints(transport, pattern: "async")
    defer { endpoints.removeFiles() }
    let requested = endpoints.make("server")
    return try runOnReactor {
        let router = try RouterSocket(context)
        try applyTimeouts(to: router)
        let endpoint = try router.bind(requested)
        return try await withThrowingTaskGroup(of: String.self) { group in
            for name in ["ann", "bob", "cy"] {
                group.addTask(executorPreference: Reactor.shared) {
                    let dealer = try DealerSocket(context)
                    try applyTimeouts(to: dealer)
                    try dealer.connect(endpoint)
                    try await dealer.send("hello from \(name)")
                    return try await dealer.receiveString()
                }
            }
            // One loop serves every client: [client id, request] in, [client id, reply] out.
            var served = 0
            for try await request in router.multipartMessages {
                try await router.sendMultipart([request[0], Message("welcome, \(request[1].string.dropFirst(11))")])
                served += 1
                if served == 3 { break }
            }
            var replies: [String] = []
            for try await reply in group { replies.append(reply) }
            guard replies.sorted() == ["welcome, ann", "welcome, bob", "welcome, cy"] else {
                throw Unexpected("expected a welcome for each client, got \(replies)")
            }
            return "3 DEALER tasks -> ROUTER loop: \(replies.sorted().joined(separator: ", "))"
        }
    }
}

/// Runs `body` in a task on the reactor and blocks this (synchronous, non-task) thread
/// until it ends, on a POSIX semaphore.
func runOnReactor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = TaskOutcome<T>()
    Task(executorPreference: Reactor.shared) {
        do {
            outcome.result = .success(try await body())
        } catch {
            outcome.result = .failure(error)
        }
        sem_post(outcome.done)
    }
    while sem_wait(outcome.done) != 0 {}
    return try outcome.result!.get()
}

/// What a task hands back to the thread that waits for it.
final class TaskOutcome<T: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `result` is written by the task before `sem_post` and read
    // by the waiting thread after `sem_wait` (POSIX orders the two).
    var result: Result<T, any Error>?
    let done = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    init() { sem_init(done, 0, 0) }
    deinit {
        sem_destroy(done)
        done.deallocate()
    }
}

// MARK: - An error

/// Binding to a port that does not exist. libzmq itself would quietly bind to some
/// other port; swift-zeromq refuses the endpoint and says why.
func invalidEndpoint(in context: Context) throws -> String {
    let endpoint = "tcp://127.0.0.1:99999"
    let socket = try RepSocket(context)
    do throws(ZMQError) {
        try socket.bind(endpoint)
    } catch let error where error == .invalidArgument {
        // Errors compare by code (EINVAL here), whatever operation, endpoint and
        // reason they carry for the message.
        return "bind(\"\(endpoint)\") threw: \(error)"
    } catch {
        throw Unexpected("bind(\"\(endpoint)\") threw '\(error)', expected an invalid argument")
    }
    throw Unexpected("bind(\"\(endpoint)\") succeeded")
}

// MARK: - Transports and endpoints

/// The three transports that work within one machine.
enum Transport: String, CaseIterable {
    /// Between threads of one process, through one context; no network at all.
    case inproc
    /// Between processes, through a Unix domain socket file.
    case ipc
    /// Over TCP, here on the loopback interface.
    case tcp

    /// The transports this libzmq supports (ipc is missing on some platforms).
    static var available: [Transport] {
        allCases.filter { $0 != .ipc || LibZMQ.has(.ipc) }
    }
}

/// Endpoints to bind for one pattern over one transport. ipc socket files live under
/// /tmp with names unique to this process; ``removeFiles()`` deletes them.
struct Endpoints {
    let transport: Transport
    let pattern: String
    private var ipcPaths: [String] = []

    init(_ transport: Transport, pattern: String) {
        self.transport = transport
        self.pattern = pattern
    }

    /// An endpoint for a socket called `name` to bind. For tcp, the port is a
    /// wildcard: connect to the endpoint that `bind` returns.
    mutating func make(_ name: String) -> String {
        switch transport {
        case .inproc:
            return "inproc://demo-\(pattern)-\(name)"
        case .ipc:
            let path = "/tmp/zmq-demo-\(getpid())-\(pattern)-\(name).ipc"
            unlink(path)
            ipcPaths.append(path)
            return "ipc://\(path)"
        case .tcp:
            return "tcp://127.0.0.1:*"
        }
    }

    /// Removes the ipc socket files. libzmq removes a file when its socket closes,
    /// but in the background; this makes sure none is left behind.
    func removeFiles() {
        for path in ipcPaths {
            unlink(path)
        }
    }
}

// MARK: - Helpers

/// How long any single send or receive may wait.
let demoTimeout = Timeout.seconds(2)

/// Bounds every blocking send and receive on `socket`, so that nothing can hang.
func applyTimeouts<Kind>(to socket: Socket<Kind>) throws(ZMQError) {
    try socket.setOption(.receiveTimeout, demoTimeout)
    try socket.setOption(.sendTimeout, demoTimeout)
}

/// Sleeps the calling thread.
func pause(milliseconds: UInt32) {
    usleep(milliseconds * 1000)
}

/// A pattern that ran without a ZeroMQ error but did not do what it should.
struct Unexpected: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Main

func runDemo() -> Bool {
    print("swift-zeromq demo, libzmq \(LibZMQ.version)")
    let context: Context
    do {
        context = try Context()
    } catch {
        print("FAILED to create a context: \(error)")
        return false
    }

    let patterns: [(name: String, run: (Transport, Context) throws -> String)] = [
        ("REQ/REP", requestReply),
        ("PUB/SUB", publishSubscribe),
        ("PUSH/PULL", pipeline),
        ("Async DEALER/ROUTER", asyncServer),
    ]
    let labelWidth = Transport.allCases.map { $0.rawValue.count }.max()! + 2
    func label(_ text: String) -> String {
        let label = "[\(text)]"
        return label + String(repeating: " ", count: labelWidth - label.count)
    }

    var failures = 0
    for pattern in patterns {
        print("\n\(pattern.name)")
        for transport in Transport.available {
            do {
                print("  \(label(transport.rawValue)) \(try pattern.run(transport, context))")
            } catch {
                print("  \(label(transport.rawValue)) FAILED: \(error)")
                failures += 1
            }
        }
    }

    print("\nErrors")
    do {
        print("  \(label("tcp")) \(try invalidEndpoint(in: context))")
    } catch {
        print("  \(label("tcp")) FAILED: \(error)")
        failures += 1
    }

    print(failures == 0 ? "\nAll patterns worked." : "\n\(failures) failed.")
    print("\nNext: Examples/ holds an example of each pattern and of real uses (a game gateway, an")
    print("HTTP server, a steerable proxy, a CURVE publisher, ...), each run with one command,")
    print("such as `cd Examples && swift run http-server`; Examples/README.md lists them.")
    return failures == 0
}

exit(runDemo() ? 0 : 1)
