// zmq-bench: one throughput or latency measurement per call, printed as one JSON line.
//
//     zmq-bench thr --impl swift|c --transport tcp|ipc|inproc --size BYTES --count N [--mode copy|zerocopy|async]
//     zmq-bench lat --impl swift|c --transport tcp|ipc|inproc --size BYTES --count N [--mode sync|async]
//                   [--peer sync|async]
//     zmq-bench poll --impl swift|c --transport tcp|ipc|inproc --size BYTES --count N
//     zmq-bench idle [--sockets N] [--seconds S] [--transport inproc|tcp]
//
// `poll` is `thr` through a poller: the receiver polls 16 PULL sockets, the one the
// sender feeds and 15 idle ones bound to endpoints of their own, and drains every
// socket found readable with non-blocking receives (Swift: `Poller`; C: `zmq_poll`).
// `thr --socket dynamic` (Swift only) makes the same loop with `DynamicSocket`s
// instead of `PullSocket`/`PushSocket`.
//
// `--mode async` with `--impl swift` measures the library's async API (AsyncSide.swift):
// the receiver (thr) or requester (lat) awaits in a task on `Reactor.shared`, the
// timed loop inside the task. The thr sender stays the synchronous one. The lat
// replier is async too (`--peer async`, the default: a second task on the reactor for
// inproc, an async replier on the peer process's own reactor for tcp and ipc), or the
// synchronous thread or process (`--peer sync`). `--impl c --mode async` runs the
// blocking C loops: C has no async API, and they are the baseline. `idle` (Swift only)
// parks a task on each of N sockets and measures the process's CPU time and threads
// while they wait.
//
// `--impl c` runs the loops of the CZeroMQBench target (libzmq's C API, plain C);
// `--impl swift` runs the loops below, written against the public ZeroMQ API only,
// the way a user would write them. Everything else here (parsing, starting the second
// process or thread, the deadline, printing) is shared and never timed.
//
// tcp and ipc runs use two processes: this one binds (the PULL receiver, or the REQ
// requester), then starts itself again, through /proc/self/exe, as the peer with a
// hidden subcommand (`_thr-send`, `_lat-reply`) that connects to the bound endpoint.
// inproc runs use two threads of one context.
//
// Every run ends by itself: receivers time out after CZB_TIMEOUT_MS without a message,
// senders linger at most CZB_SENDER_LINGER_MS, and a watchdog ends the process (and
// kills its peer process) at the hard deadline (`--deadline SECONDS`, 60 by default).
// A peer process also ends when its parent is gone, and keeps its socket open until its
// parent has every message (it closes the pipe on the peer's standard input): libzmq
// can drop the last messages of a socket closed right after sending them.

import CZeroMQBench
import Synchronization
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// MARK: - Command line

let usage = """
    usage: zmq-bench thr --impl swift|c --transport tcp|ipc|inproc --size BYTES --count N [--mode copy|zerocopy|async]
           zmq-bench lat --impl swift|c --transport tcp|ipc|inproc --size BYTES --count N [--mode sync|async]
           zmq-bench poll --impl swift|c --transport tcp|ipc|inproc --size BYTES --count N
           zmq-bench idle [--sockets N] [--seconds S] [--transport inproc|tcp]
    options: --socket typed|dynamic (thr, Swift: PullSocket/PushSocket or DynamicSocket; default typed)
             --peer async|sync (lat --impl swift --mode async: the replier; default async)
             --executor reactor|global (--mode async: tasks prefer Reactor.shared, or run on the
               global executor; default reactor)
             --sockets N, --seconds S (idle: parked tasks, one per socket, and the measured window;
               defaults 1000 and 5)
             --warmup N (lat: untimed round trips first; default count/10, 100...10000)
             --deadline SECONDS (hard limit of the whole run; default 60)
    prints one JSON line, such as
      {"impl":"swift","test":"thr","transport":"tcp","size":64,"count":3000000,"mode":"copy","msgs_per_s":4700000.0,"mbit_per_s":2406.4,"elapsed_s":0.64}
    """

enum Test: String { case thr, lat, poll, idle }
enum Impl: String { case swift, c }
enum Transport: String { case tcp, ipc, inproc }
enum Mode: String { case copy, zerocopy, sync, async }
enum SocketChoice: String { case typed, dynamic }
enum PeerChoice: String { case sync, async }
enum ExecutorChoice: String { case reactor, global }

struct Options {
    var test: Test
    var impl: Impl
    var transport: Transport
    var size: Int
    var count: Int
    var mode: Mode
    var socket: SocketChoice
    var warmup: Int
    var deadline: Double
    /// lat --mode async: whether the replier is async or the synchronous one.
    var peer: PeerChoice
    /// Where the async side's tasks run: on the reactor (they prefer it), or on the
    /// global executor (no preference: each wait resumes with a thread wake-up).
    var executor: ExecutorChoice
    /// idle: how many sockets, each with a parked task, and how long to measure.
    var sockets: Int
    var seconds: Int
    /// Set only in a peer process: the endpoint its parent bound.
    var endpoint: String?
}

func die(_ message: String, status: Int32 = 1) -> Never {
    let line = "zmq-bench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(status)
}

/// Ends the process at once, from any thread, without running exit handlers while
/// other threads are still inside libzmq.
func bail(_ message: String, status: Int32) -> Never {
    let line = "zmq-bench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    _exit(status)
}

func parse(_ arguments: [String]) -> (command: String, options: Options) {
    guard let command = arguments.first else { die("no command\n\(usage)", status: 64) }
    if command == "-h" || command == "--help" || command == "help" {
        print(usage)
        exit(0)
    }
    let test: Test
    switch command {
    case "thr", "_thr-send": test = .thr
    case "lat", "_lat-reply": test = .lat
    case "poll": test = .poll
    case "idle": test = .idle
    default: die("unknown command '\(command)'\n\(usage)", status: 64)
    }
    var values: [String: String] = [:]
    var index = 1
    while index < arguments.count {
        let key = arguments[index]
        guard key.hasPrefix("--"), index + 1 < arguments.count else {
            die("expected --option value, got '\(key)'\n\(usage)", status: 64)
        }
        values[String(key.dropFirst(2))] = arguments[index + 1]
        index += 2
    }
    func take(_ key: String) -> String? { values.removeValue(forKey: key) }
    func required(_ key: String) -> String {
        guard let value = take(key) else { die("--\(key) is required\n\(usage)", status: 64) }
        return value
    }
    func choice<T: RawRepresentable<String>>(_ key: String, _ value: String, _: T.Type) -> T {
        guard let parsed = T(rawValue: value) else { die("invalid --\(key) '\(value)'", status: 64) }
        return parsed
    }
    func number(_ key: String, _ value: String, minimum: Int) -> Int {
        guard let parsed = Int(value), parsed >= minimum else {
            die("--\(key) must be an integer >= \(minimum), got '\(value)'", status: 64)
        }
        return parsed
    }

    // idle has defaults for everything, and no message size or count.
    let idle = test == .idle
    let impl = choice("impl", idle ? take("impl") ?? "swift" : required("impl"), Impl.self)
    let transport = choice("transport", idle ? take("transport") ?? "inproc" : required("transport"), Transport.self)
    let size = idle ? 0 : number("size", required("size"), minimum: 0)
    let count = idle ? 1 : number("count", required("count"), minimum: 1)
    let mode = choice("mode", take("mode") ?? (test == .lat ? "sync" : idle ? "async" : "copy"), Mode.self)
    let allowed: [Mode] =
        switch test {
        case .thr: [.copy, .zerocopy, .async]
        case .lat: [.sync, .async]
        case .poll: [.copy]
        case .idle: [.async]
        }
    guard allowed.contains(mode) else {
        die(
            "--mode \(mode.rawValue) is not a \(test.rawValue) mode (\(allowed.map(\.rawValue).joined(separator: ", ")))",
            status: 64)
    }
    let socket = choice("socket", take("socket") ?? "typed", SocketChoice.self)
    if socket == .dynamic && (test != .thr || impl != .swift || mode != .copy) {
        die("--socket dynamic is for thr --impl swift --mode copy only", status: 64)
    }
    let peer = choice("peer", take("peer") ?? "async", PeerChoice.self)
    let executor = choice("executor", take("executor") ?? "reactor", ExecutorChoice.self)
    if executor == .global && (impl != .swift || mode != .async) {
        die("--executor global is for --impl swift --mode async only", status: 64)
    }
    if peer == .sync && (test != .lat || impl != .swift || mode != .async) {
        die("--peer sync is for lat --impl swift --mode async only", status: 64)
    }
    let sockets = idle ? number("sockets", take("sockets") ?? "1000", minimum: 1) : 0
    let seconds = idle ? number("seconds", take("seconds") ?? "5", minimum: 1) : 0
    if idle && (impl != .swift || transport == .ipc) {
        die("idle is for --impl swift over inproc or tcp only", status: 64)
    }
    let warmup = number("warmup", take("warmup") ?? String(min(10_000, max(100, count / 10))), minimum: 0)
    guard let deadline = Double(take("deadline") ?? "60"), deadline > 0 else { die("invalid --deadline", status: 64) }
    let endpoint = take("endpoint")
    if let unknown = values.keys.sorted().first { die("unknown option --\(unknown)\n\(usage)", status: 64) }
    if command.hasPrefix("_") != (endpoint != nil) { die("--endpoint belongs to the peer commands only", status: 64) }
    if transport == .inproc && command.hasPrefix("_") { die("inproc runs need no peer process", status: 64) }
    return (
        command,
        Options(
            test: test, impl: impl, transport: transport, size: size, count: count, mode: mode,
            socket: socket, warmup: warmup, deadline: deadline, peer: peer, executor: executor, sockets: sockets,
            seconds: seconds,
            endpoint: endpoint)
    )
}

// MARK: - Clock, deadline, processes and threads (shared by both implementations)

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// The peer process, killed by the watchdog at the deadline.
let peerProcess = Atomic<Int32>(0)

final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Starts a thread running `body`; join it with `pthread_join`.
func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(
        &thread, nil,
        { argument in
            Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, box)
    if rc != 0 { die("pthread_create failed (\(rc))") }
    return thread
}

/// Ends the process at `deadline` (monotonic seconds), killing the peer process first;
/// a peer process (`parent` set) also ends as soon as its parent is gone.
func startWatchdog(deadline: Double, parent: pid_t?) {
    let thread = startThread {
        while true {
            let left = deadline - now()
            if left <= 0 {
                let peer = peerProcess.load(ordering: .acquiring)
                if peer != 0 { kill(peer, SIGKILL) }
                unlink("/tmp/zmq-bench-\(getpid()).ipc")
                removeIdleIPCFiles(.ipc)
                bail("hard deadline passed; giving up", status: 3)
            }
            if let parent, getppid() != parent { bail("parent process is gone", status: 3) }
            usleep(useconds_t(min(left, parent == nil ? 1000 : 0.2) * 1e6) + 1)
        }
    }
    pthread_detach(thread)
}

func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A peer process, and the write end of the pipe that is its standard input.
struct Peer {
    var pid: pid_t
    var release: Int32
}

/// Starts this executable again as the peer of a two-process run. Its standard input
/// is a pipe from this process: the peer keeps its socket open until the pipe closes
/// (``releasePeer(_:)``), because libzmq can drop the last messages of a socket that
/// closes right after sending them, whatever its linger (libzmq issues #1922, #3774).
func spawnPeer(_ command: String, _ options: Options, endpoint: String) -> Peer {
    let path = executablePath()
    let remaining = max(1, options.deadline - (now() - startTime))
    var arguments = [
        path, command, "--impl", options.impl.rawValue, "--transport", options.transport.rawValue,
        "--endpoint", endpoint, "--size", String(options.size),
        "--count", String(options.test == .lat ? options.warmup + options.count : options.count),
        "--mode", options.mode.rawValue, "--socket", options.socket.rawValue, "--deadline", String(remaining),
    ]
    // The default (async) is what the peer assumes; sync is valid only where it applies.
    if options.peer == .sync { arguments += ["--peer", "sync"] }
    if options.executor == .global { arguments += ["--executor", "global"] }
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { die("pipe: \(String(cString: strerror(errno)))") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addclose(&actions, fds[1])
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
    posix_spawn_file_actions_destroy(&actions)
    close(fds[0])
    if rc != 0 { die("posix_spawn \(path): \(String(cString: strerror(rc)))") }
    peerProcess.store(pid, ordering: .releasing)
    return Peer(pid: pid, release: fds[1])
}

/// Lets the peer close its socket and exit: everything it sent has arrived.
func releasePeer(_ peer: Peer) {
    close(peer.release)
}

/// In a peer process: returns when the parent closes the pipe on standard input (or
/// is gone), so that the socket stays open until the parent has every message.
func waitForParent() {
    var byte: UInt8 = 0
    while true {
        let n = read(0, &byte, 1)
        if n == 0 || (n < 0 && errno != EINTR) { return }
    }
}

/// Releases the peer process and waits for it, which must exit with status 0.
func waitPeer(_ peer: Peer) -> Bool {
    releasePeer(peer)
    var status: Int32 = 0
    while waitpid(peer.pid, &status, 0) < 0 {
        if errno != EINTR { return false }
    }
    peerProcess.store(0, ordering: .releasing)
    // WIFEXITED && WEXITSTATUS == 0
    return status & 0x7f == 0 && (status >> 8) & 0xff == 0
}

func killPeer(_ peer: Peer) {
    kill(peer.pid, SIGKILL)
    _ = waitPeer(peer)
}

func bindEndpoint(_ transport: Transport) -> String {
    switch transport {
    case .tcp: "tcp://127.0.0.1:*"
    case .ipc: "ipc:///tmp/zmq-bench-\(getpid()).ipc"
    case .inproc: "inproc://zmq-bench"
    }
}

func removeIPCFile(_ transport: Transport) {
    if transport == .ipc { unlink("/tmp/zmq-bench-\(getpid()).ipc") }
}

/// The endpoints of the poll test's idle sockets (`CZB_POLL_IDLE` of them).
func idleEndpoints(_ transport: Transport) -> [String] {
    (0..<Int(CZB_POLL_IDLE)).map { n in
        switch transport {
        case .tcp: "tcp://127.0.0.1:*"
        case .ipc: "ipc:///tmp/zmq-bench-\(getpid())-idle-\(n).ipc"
        case .inproc: "inproc://zmq-bench-idle-\(n)"
        }
    }
}

func removeIdleIPCFiles(_ transport: Transport) {
    guard transport == .ipc else { return }
    for n in 0..<Int(CZB_POLL_IDLE) { unlink("/tmp/zmq-bench-\(getpid())-idle-\(n).ipc") }
}

/// What a second thread reports back to the measuring thread.
final class PeerFailure: Sendable {
    let message = Mutex<String?>(nil)
}

/// A value handed to another thread that the compiler cannot prove safe to share:
/// a payload buffer that the receiving thread only reads.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
}

func wrongSize(_ received: Int, _ expected: Int) -> BenchFailure {
    BenchFailure(description: "received \(received) bytes, expected \(expected)")
}

/// Runs `body`, turning any error into a message and exit status 1.
func orDie<T>(_ what: String, _ body: () throws -> T) -> T {
    do {
        return try body()
    } catch {
        die("\(what): \(error)")
    }
}

// MARK: - The Swift side: public ZeroMQ API only, as a user would write it

/// Socket options, the same values as the C side (czmq_bench.h).
enum SwiftSide {
    static let hwm = Int(CZB_HWM)
    static let timeout = Timeout(milliseconds: CZB_TIMEOUT_MS)
    static let linger = Timeout(milliseconds: CZB_LINGER_MS)
    static let senderLinger = Timeout(milliseconds: CZB_SENDER_LINGER_MS)

    static func makeContext() throws -> Context {
        try Context(defaultLinger: linger)
    }

    static func makePull(_ context: Context) throws -> PullSocket {
        try configurePull(PullSocket(context))
    }

    static func makePush(_ context: Context) throws -> PushSocket {
        try configurePush(PushSocket(context))
    }

    static func configurePull<Kind>(_ pull: Socket<Kind>) throws -> Socket<Kind> {
        try pull.setOption(.receiveHighWaterMark, hwm)
        try pull.setOption(.receiveTimeout, timeout)
        return pull
    }

    static func configurePush<Kind>(_ push: Socket<Kind>) throws -> Socket<Kind> {
        try push.setOption(.linger, senderLinger)
        try push.setOption(.sendHighWaterMark, hwm)
        try push.setOption(.sendTimeout, timeout)
        return push
    }

    static func configure<Kind>(_ socket: Socket<Kind>) throws {
        try socket.setOption(.sendHighWaterMark, hwm)
        try socket.setOption(.receiveHighWaterMark, hwm)
        try socket.setOption(.sendTimeout, timeout)
        try socket.setOption(.receiveTimeout, timeout)
    }

    /// Receives `count` messages of `size` bytes, timing from the first to the last.
    static func receive<Kind: ReceivingSocketType>(_ pull: Socket<Kind>, size: Int, count: Int) throws -> Double {
        var message = Message()
        try pull.receive(into: &message)
        guard message.count == size else { throw wrongSize(message.count, size) }
        let start = now()
        for received in 1..<count {
            do {
                try pull.receive(into: &message)
            } catch {
                throw BenchFailure(description: "\(error); failed after \(received) of \(count) messages")
            }
            guard message.count == size else { throw wrongSize(message.count, size) }
        }
        return now() - start
    }

    /// Counts the zero-copy buffers libzmq gives back.
    final class ReleaseCounter: Sendable {
        let released = Atomic<Int>(0)
    }

    /// Sends `count` messages of `size` bytes on a connected PUSH socket; the buffer is
    /// freed by the caller after the context is terminated (zero copy).
    static func send<Kind: SendingSocketType>(
        _ push: Socket<Kind>, payload: UnsafeMutableRawBufferPointer, count: Int, mode: Mode,
        counter: ReleaseCounter
    ) throws {
        switch mode {
        case .zerocopy:
            for _ in 0..<count {
                try push.send(
                    Message(
                        bytesNoCopy: payload,
                        deallocator: .custom { _ in
                            counter.released.add(1, ordering: .relaxed)
                        }))
            }
        default:
            let bytes = [UInt8](payload)
            for _ in 0..<count {
                try push.send(bytes)
            }
        }
    }

    static func request(_ req: ReqSocket, size: Int, count: Int, warmup: Int) throws -> Double {
        let payload = [UInt8](repeating: UInt8(ascii: "a"), count: size)
        var message = Message()
        for _ in 0..<warmup {
            try req.send(payload)
            try req.receive(into: &message)
            guard message.count == size else { throw wrongSize(message.count, size) }
        }
        let start = now()
        for _ in 0..<count {
            try req.send(payload)
            try req.receive(into: &message)
            guard message.count == size else { throw wrongSize(message.count, size) }
        }
        return now() - start
    }

    static func reply(_ rep: RepSocket, size: Int, total: Int) throws {
        let payload = [UInt8](repeating: UInt8(ascii: "a"), count: size)
        var message = Message()
        for _ in 0..<total {
            try rep.receive(into: &message)
            guard message.count == size else { throw wrongSize(message.count, size) }
            try rep.send(payload)
        }
    }

    static func allocatePayload(_ size: Int) -> UnsafeMutableRawBufferPointer {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "a"))
        return UnsafeMutableRawBufferPointer(rebasing: memory[0..<size])
    }

    static func checkReleased(_ counter: ReleaseCounter, _ count: Int, _ mode: Mode) throws {
        let released = counter.released.load(ordering: .relaxed)
        if mode == .zerocopy && released != count {
            throw BenchFailure(description: "\(released) zero-copy buffers released, expected \(count)")
        }
    }

    // Peer processes.

    static func thrSend(_ o: Options, endpoint: String) throws {
        switch o.socket {
        case .typed: try thrSend(o, endpoint: endpoint, makePush)
        case .dynamic: try thrSend(o, endpoint: endpoint) { try configurePush(DynamicSocket($0, kind: .push)) }
        }
    }

    static func thrSend<Push: SendingSocketType>(
        _ o: Options, endpoint: String, _ makePush: (Context) throws -> Socket<Push>
    ) throws {
        let counter = ReleaseCounter()
        let payload = allocatePayload(o.size)
        do {
            let context = try makeContext()
            let push = try makePush(context)
            try push.connect(endpoint)
            try send(push, payload: payload, count: o.count, mode: o.mode, counter: counter)
            waitForParent()
            push.close()
            context.terminate()  // waits, up to the linger, until the queue is flushed
        }
        payload.deallocate()
        try checkReleased(counter, o.count, o.mode)
    }

    static func latReply(_ o: Options, endpoint: String) throws {
        let context = try makeContext()
        let rep = try RepSocket(context)
        try configure(rep)
        try rep.connect(endpoint)
        try reply(rep, size: o.size, total: o.count)
        waitForParent()
        rep.close()
        context.terminate()
    }

    // Measuring side.

    /// Starts the peer process (`subcommand`), runs `measure` against it, and waits for
    /// the peer to finish; kills it if the measurement fails.
    static func againstPeerProcess(
        _ subcommand: String, _ role: String, _ o: Options, endpoint: String, measure: () throws -> Double
    ) throws -> Double {
        let peer = spawnPeer(subcommand, o, endpoint: endpoint)
        let elapsed: Double
        do {
            elapsed = try measure()
        } catch {
            killPeer(peer)
            throw error
        }
        guard waitPeer(peer) else { throw BenchFailure(description: "the \(role) process failed") }
        return elapsed
    }

    static func thr(_ o: Options) throws -> Double {
        switch o.socket {
        case .typed:
            try thr(o, makePull, makePush) { pull, size, count in try receive(pull, size: size, count: count) }
        case .dynamic:
            try thr(
                o, { try configurePull(DynamicSocket($0, kind: .pull)) },
                { try configurePush(DynamicSocket($0, kind: .push)) }
            ) { pull, size, count in try receive(pull, size: size, count: count) }
        }
    }

    /// The poll test: `thr`, received through a `Poller` of 16 PULL sockets.
    static func poll(_ o: Options) throws -> Double {
        try thr(o, makePull, makePush) { pull, size, count in
            let context = pull.context
            var idle: [PullSocket] = []
            for endpoint in idleEndpoints(o.transport) {
                let socket = try makePull(context)
                try socket.bind(endpoint)
                idle.append(socket)
            }
            defer { removeIdleIPCFiles(o.transport) }
            return try pollReceive(fed: pull, idle: idle, size: size, count: count)
        }
    }

    /// Polls the idle sockets and `fed` (last), as the C side does, draining every
    /// readable socket, until `count` messages of `size` bytes have arrived.
    static func pollReceive(fed: PullSocket, idle: [PullSocket], size: Int, count: Int) throws -> Double {
        let sockets = idle + [fed]
        let poller = Poller<Int>()
        for (index, socket) in sockets.enumerated() {
            try poller.add(socket, events: .readable, token: index)
        }
        var message = Message()
        var received = 0
        var start = 0.0
        while received < count {
            let ready = try poller.poll(timeout: .milliseconds(CZB_TIMEOUT_MS))
            if ready.isEmpty { throw BenchFailure(description: "nothing to receive within \(timeout)") }
            for item in ready {
                let socket = sockets[item.token]
                while received < count, try socket.tryReceive(into: &message) {
                    guard message.count == size else { throw wrongSize(message.count, size) }
                    if received == 0 { start = now() }
                    received += 1
                }
            }
        }
        return now() - start
    }

    static func thr<Pull: ReceivingSocketType, Push: SendingSocketType & SendableMetatype>(
        _ o: Options, _ makePull: (Context) throws -> Socket<Pull>,
        _ makePush: @escaping @Sendable (Context) throws -> Socket<Push>,
        _ receive: (Socket<Pull>, Int, Int) throws -> Double
    ) throws -> Double {
        let context = try makeContext()
        let pull = try makePull(context)
        let bound = try pull.bind(bindEndpoint(o.transport))
        defer { removeIPCFile(o.transport) }
        if o.transport != .inproc {
            return try againstPeerProcess("_thr-send", "sender", o, endpoint: bound) {
                try receive(pull, o.size, o.count)
            }
        }
        let sender = startSendThread(context, endpoint: bound, o, makePush)
        let result = Result { try receive(pull, o.size, o.count) }
        pull.close()
        return try sender.finish(context, result, o)
    }

    /// The sending thread of an inproc thr run.
    struct SendThread {
        let thread: pthread_t
        let counter: ReleaseCounter
        let failure: PeerFailure
        let payload: UnsafeMutableRawBufferPointer

        /// Joins the thread once the receiver is done and its socket closed, terminates
        /// the context, and returns the receiver's `result` unless the sender failed.
        func finish(_ context: Context, _ result: Result<Double, any Error>, _ o: Options) throws -> Double {
            pthread_join(thread, nil)
            context.terminate()
            payload.deallocate()
            if let message = failure.message.withLock({ $0 }) { throw BenchFailure(description: "sender: \(message)") }
            let elapsed = try result.get()
            try checkReleased(counter, o.count, o.mode)
            return elapsed
        }
    }

    /// Starts the thread that sends `o.count` messages to `endpoint`, for inproc runs.
    static func startSendThread<Push: SendingSocketType & SendableMetatype>(
        _ context: Context, endpoint: String, _ o: Options,
        _ makePush: @escaping @Sendable (Context) throws -> Socket<Push>
    ) -> SendThread {
        let counter = ReleaseCounter()
        let failure = PeerFailure()
        let payload = allocatePayload(o.size)
        let thread = startThread { [count = o.count, mode = o.mode, payload = Unchecked(value: payload)] in
            do {
                let push = try makePush(context)
                try push.connect(endpoint)
                try send(push, payload: payload.value, count: count, mode: mode, counter: counter)
                push.close()
            } catch {
                failure.message.withLock { $0 = "\(error)" }
            }
        }
        return SendThread(thread: thread, counter: counter, failure: failure, payload: payload)
    }

    static func lat(_ o: Options) throws -> Double {
        let context = try makeContext()
        let req = try ReqSocket(context)
        try configure(req)
        let bound = try req.bind(bindEndpoint(o.transport))
        defer { removeIPCFile(o.transport) }
        if o.transport != .inproc {
            return try againstPeerProcess("_lat-reply", "replier", o, endpoint: bound) {
                try request(req, size: o.size, count: o.count, warmup: o.warmup)
            }
        }
        let replier = startReplyThread(context, endpoint: bound, o)
        let result = Result { try request(req, size: o.size, count: o.count, warmup: o.warmup) }
        req.close()
        return try replier.finish(context, result)
    }

    /// The replying thread of an inproc lat run.
    struct ReplyThread {
        let thread: pthread_t
        let failure: PeerFailure

        /// Joins the thread once the requester is done and its socket closed, terminates
        /// the context, and returns the requester's `result` unless the replier failed.
        func finish(_ context: Context, _ result: Result<Double, any Error>) throws -> Double {
            pthread_join(thread, nil)
            context.terminate()
            if let message = failure.message.withLock({ $0 }) { throw BenchFailure(description: "replier: \(message)") }
            return try result.get()
        }
    }

    /// Starts the thread that answers `o.warmup + o.count` requests from `endpoint`,
    /// for inproc runs.
    static func startReplyThread(_ context: Context, endpoint: String, _ o: Options) -> ReplyThread {
        let failure = PeerFailure()
        let thread = startThread { [size = o.size, total = o.warmup + o.count] in
            do {
                let rep = try RepSocket(context)
                try configure(rep)
                try rep.connect(endpoint)
                try reply(rep, size: size, total: total)
                rep.close()
            } catch {
                failure.message.withLock { $0 = "\(error)" }
            }
        }
        return ReplyThread(thread: thread, failure: failure)
    }
}

// MARK: - The C side: the CZeroMQBench loops, with the same orchestration

enum CSide {
    static func check(_ rc: Int32, _ what: String) throws {
        if rc != 0 { throw BenchFailure(description: "\(what) failed (see above)") }
    }

    static func bind(_ role: Int32, _ transport: Transport) throws -> (OpaquePointer, String) {
        var bound = [CChar](repeating: 0, count: 1024)
        guard let peer = czb_bind(role, bindEndpoint(transport), &bound, bound.count) else {
            throw BenchFailure(description: "czb_bind failed (see above)")
        }
        let length = bound.firstIndex(of: 0) ?? bound.count
        return (peer, String(decoding: bound[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    static func thr(_ o: Options) throws -> Double {
        var elapsed = 0.0
        if o.transport == .inproc {
            try check(czb_thr_inproc(o.size, o.count, o.mode == .zerocopy ? 1 : 0, &elapsed), "czb_thr_inproc")
            return elapsed
        }
        let (bound, endpoint) = try bind(CZB_ROLE_PULL, o.transport)
        defer {
            czb_bound_close(bound)
            removeIPCFile(o.transport)
        }
        let peer = spawnPeer("_thr-send", o, endpoint: endpoint)
        if czb_thr_receive(bound, o.size, o.count, &elapsed) != 0 {
            killPeer(peer)
            throw BenchFailure(description: "czb_thr_receive failed (see above)")
        }
        guard waitPeer(peer) else { throw BenchFailure(description: "the sender process failed") }
        return elapsed
    }

    /// Runs `body` with the idle endpoints as a C array of C strings.
    static func withIdleEndpoints<T>(_ transport: Transport, _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let strings = idleEndpoints(transport).map { strdup($0) }
        defer { strings.forEach { free($0) } }
        let pointers = strings.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    static func poll(_ o: Options) throws -> Double {
        var elapsed = 0.0
        defer { removeIdleIPCFiles(o.transport) }
        if o.transport == .inproc {
            let rc = withIdleEndpoints(o.transport) { czb_poll_inproc($0, o.size, o.count, &elapsed) }
            try check(rc, "czb_poll_inproc")
            return elapsed
        }
        let (bound, endpoint) = try bind(CZB_ROLE_PULL, o.transport)
        defer {
            czb_bound_close(bound)
            removeIPCFile(o.transport)
        }
        let peer = spawnPeer("_thr-send", o, endpoint: endpoint)
        if withIdleEndpoints(o.transport, { czb_poll_receive(bound, $0, o.size, o.count, &elapsed) }) != 0 {
            killPeer(peer)
            throw BenchFailure(description: "czb_poll_receive failed (see above)")
        }
        guard waitPeer(peer) else { throw BenchFailure(description: "the sender process failed") }
        return elapsed
    }

    static func lat(_ o: Options) throws -> Double {
        var elapsed = 0.0
        if o.transport == .inproc {
            try check(czb_lat_inproc(o.size, o.count, o.warmup, &elapsed), "czb_lat_inproc")
            return elapsed
        }
        let (bound, endpoint) = try bind(CZB_ROLE_REQ, o.transport)
        defer {
            czb_bound_close(bound)
            removeIPCFile(o.transport)
        }
        let peer = spawnPeer("_lat-reply", o, endpoint: endpoint)
        if czb_lat_request(bound, o.size, o.count, o.warmup, &elapsed) != 0 {
            killPeer(peer)
            throw BenchFailure(description: "czb_lat_request failed (see above)")
        }
        guard waitPeer(peer) else { throw BenchFailure(description: "the replier process failed") }
        return elapsed
    }
}

// MARK: - Main

func rounded(_ value: Double, _ places: Double) -> Double {
    let scale = pow(10, places)
    return (value * scale).rounded() / scale
}

let startTime = now()
let (command, options) = parse(Array(CommandLine.arguments.dropFirst()))
startWatchdog(deadline: startTime + options.deadline, parent: command.hasPrefix("_") ? getppid() : nil)

// --impl c --mode async runs the blocking C loops: C has no async API, and they are
// the baseline that an async Swift path is measured against.

switch command {
case "_thr-send":
    switch options.impl {
    case .c:
        if czb_thr_send(
            options.endpoint!, options.size, options.count, options.mode == .zerocopy ? 1 : 0, waitForParent) != 0
        {
            exit(1)
        }
    case .swift:
        orDie("sender") { try SwiftSide.thrSend(options, endpoint: options.endpoint!) }
    }
    exit(0)
case "_lat-reply":
    switch options.impl {
    case .c:
        if czb_lat_reply(options.endpoint!, options.size, options.count, waitForParent) != 0 { exit(1) }
    case .swift where options.mode == .async && options.peer == .async:
        orDie("replier") { try AsyncSide.latReply(options, endpoint: options.endpoint!) }
    case .swift:
        orDie("replier") { try SwiftSide.latReply(options, endpoint: options.endpoint!) }
    }
    exit(0)
case "idle":
    let figures = orDie("idle") { try AsyncSide.idle(options) }
    var json = "{\"impl\":\"swift\",\"test\":\"idle\",\"transport\":\"\(options.transport.rawValue)\","
    json += "\"sockets\":\(options.sockets),\"seconds\":\(options.seconds),"
    json += "\"cpu_ms\":\(rounded(figures.cpuMilliseconds, 3)),"
    json += "\"threads_before\":\(figures.threadsBefore),\"threads_during\":\(figures.threadsDuring),"
    json += "\"received\":\(figures.received)}"
    print(json)
    exit(0)
default:
    break
}

let elapsed: Double = orDie(options.test.rawValue) {
    switch (options.test, options.impl) {
    case (.thr, .swift) where options.mode == .async: try AsyncSide.thr(options)
    case (.lat, .swift) where options.mode == .async: try AsyncSide.lat(options)
    case (.thr, .swift): try SwiftSide.thr(options)
    case (.thr, .c): try CSide.thr(options)
    case (.lat, .swift): try SwiftSide.lat(options)
    case (.lat, .c): try CSide.lat(options)
    case (.poll, .swift): try SwiftSide.poll(options)
    case (.poll, .c): try CSide.poll(options)
    case (.idle, _): fatalError("idle is handled above")
    }
}

var json = "{\"impl\":\"\(options.impl.rawValue)\",\"test\":\"\(options.test.rawValue)\","
json += "\"transport\":\"\(options.transport.rawValue)\",\"size\":\(options.size),\"count\":\(options.count),"
json += "\"mode\":\"\(options.mode.rawValue)\","
if options.socket == .dynamic { json += "\"socket\":\"dynamic\"," }
if options.test == .lat && options.impl == .swift && options.mode == .async {
    json += "\"peer\":\"\(options.peer.rawValue)\","
}
if options.executor == .global { json += "\"executor\":\"global\"," }
switch options.test {
case .thr, .poll:
    let rate = Double(options.count) / elapsed
    json += "\"msgs_per_s\":\(rounded(rate, 1)),\"mbit_per_s\":\(rounded(rate * Double(options.size) * 8 / 1e6, 1)),"
case .lat:
    json += "\"us\":\(rounded(elapsed / Double(options.count) / 2 * 1e6, 3)),"
case .idle:
    break
}
json += "\"elapsed_s\":\(rounded(elapsed, 6))}"
print(json)
exit(0)
