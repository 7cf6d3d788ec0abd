// The async side of zmq-bench: `thr` and `lat` with `--impl swift --mode async`, and
// `idle`. The measured loops await the library's async API in tasks that prefer
// `Reactor.shared`, so that a wait that ends resumes on the reactor thread itself;
// the clock runs inside the task. The main program stays synchronous (no top-level
// `await`): it blocks on a POSIX semaphore that the task posts when it ends, which
// costs no CPU while the task runs and keeps the main thread off the reactor.

import Synchronization
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// MARK: - Waiting for a task from synchronous code

/// A POSIX semaphore. The main thread sleeps in `sem_wait` instead of polling, so
/// that it takes no CPU from the reactor thread it waits for (the machine may have
/// only two cores, and the latency runs share one).
final class Semaphore: @unchecked Sendable {
    // @unchecked Sendable: the sem_t is only used through sem_post and sem_wait, which
    // are thread-safe; it is allocated so that it never moves.
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init() {
        guard sem_init(semaphore, 0, 0) == 0 else { die("sem_init: \(String(cString: strerror(errno)))") }
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    func post() {
        sem_post(semaphore)
    }

    func wait() {
        while sem_wait(semaphore) != 0 {
            guard errno == EINTR else { die("sem_wait: \(String(cString: strerror(errno)))") }
        }
    }
}

/// What a task started by ``startOnReactor(_:)`` returns or throws, for a synchronous
/// caller to wait for.
final class TaskOutcome<Value>: @unchecked Sendable {
    // @unchecked Sendable: `outcome` is written once, by the task, before it posts
    // `done`, and read once, by the waiter, after `sem_wait` returns; the semaphore
    // orders the two (POSIX makes sem_post and sem_wait synchronize memory). The
    // value may be a socket that the task hands back to the waiter.
    private let done = Semaphore()
    private var outcome: Result<Value, any Error>?

    fileprivate func finish(_ result: sending Result<Value, any Error>) {
        outcome = result
        done.post()
    }

    /// Blocks the calling thread until the task has ended; returns its value or throws
    /// its error. Call it once.
    func wait() throws -> sending Value {
        done.wait()
        guard let result = outcome.take() else { fatalError("TaskOutcome.wait() called twice") }
        return try result.get()
    }
}

/// Starts `body` in a task that prefers the reactor, as a user's socket loop would.
func startOnReactor<Value>(
    _ executor: ExecutorChoice = .reactor, _ body: sending @escaping () async throws -> sending Value
) -> TaskOutcome<Value> {
    let outcome = TaskOutcome<Value>()
    Task(executorPreference: executor == .reactor ? Reactor.shared : nil) {
        // The premise of the figures: the task runs where --executor says.
        precondition(
            Reactor.shared.isCurrentThread == (executor == .reactor), "the task does not run where it should")
        do {
            outcome.finish(.success(try await body()))
        } catch {
            outcome.finish(.failure(error))
        }
    }
    return outcome
}

// MARK: - The measured loops

/// The async counterparts of the `SwiftSide` loops, written as a user would.
enum AsyncSide {
    /// Receives `count` messages of `size` bytes, timing from the first to the last.
    static func receive(_ pull: PullSocket, size: Int, count: Int) async throws -> Double {
        var message = Message()
        try await pull.receive(into: &message)
        guard message.count == size else { throw wrongSize(message.count, size) }
        let start = now()
        for received in 1..<count {
            do {
                try await pull.receive(into: &message)
            } catch {
                throw BenchFailure(description: "\(error); failed after \(received) of \(count) messages")
            }
            guard message.count == size else { throw wrongSize(message.count, size) }
        }
        return now() - start
    }

    static func request(_ req: ReqSocket, size: Int, count: Int, warmup: Int) async throws -> Double {
        let payload = [UInt8](repeating: UInt8(ascii: "a"), count: size)
        var message = Message()
        for _ in 0..<warmup {
            try await req.send(payload)
            try await req.receive(into: &message)
            guard message.count == size else { throw wrongSize(message.count, size) }
        }
        let start = now()
        for _ in 0..<count {
            try await req.send(payload)
            try await req.receive(into: &message)
            guard message.count == size else { throw wrongSize(message.count, size) }
        }
        return now() - start
    }

    static func reply(_ rep: RepSocket, size: Int, total: Int) async throws {
        let payload = [UInt8](repeating: UInt8(ascii: "a"), count: size)
        var message = Message()
        for _ in 0..<total {
            try await rep.receive(into: &message)
            guard message.count == size else { throw wrongSize(message.count, size) }
            try await rep.send(payload)
        }
    }

    // MARK: thr and lat

    /// thr: the receiving task awaits on the reactor; the sender is the synchronous
    /// one of copy mode (the peer process, or a thread for inproc).
    static func thr(_ o: Options) throws -> Double {
        let context = try SwiftSide.makeContext()
        let pull = try SwiftSide.makePull(context)
        let bound = try pull.bind(bindEndpoint(o.transport))
        defer { removeIPCFile(o.transport) }
        // The task starts waiting before the sender exists; the clock starts at the
        // first message.
        let receiver = startOnReactor(o.executor) { [size = o.size, count = o.count] in
            defer { pull.close() }
            return try await receive(pull, size: size, count: count)
        }
        if o.transport != .inproc {
            return try SwiftSide.againstPeerProcess("_thr-send", "sender", o, endpoint: bound) {
                try receiver.wait()
            }
        }
        let sender = SwiftSide.startSendThread(context, endpoint: bound, o, SwiftSide.makePush)
        return try sender.finish(context, Result { try receiver.wait() }, o)
    }

    /// lat: the requesting task awaits on the reactor; the replier is a second task on
    /// the reactor (inproc), the peer process's async replier (tcp, ipc), or with
    /// `--peer sync` the synchronous thread or process.
    static func lat(_ o: Options) throws -> Double {
        let context = try SwiftSide.makeContext()
        let req = try ReqSocket(context)
        try SwiftSide.configure(req)
        let bound = try req.bind(bindEndpoint(o.transport))
        defer { removeIPCFile(o.transport) }
        let requester = startOnReactor(o.executor) { [size = o.size, count = o.count, warmup = o.warmup] in
            defer { req.close() }
            return try await request(req, size: size, count: count, warmup: warmup)
        }
        if o.transport != .inproc {
            return try SwiftSide.againstPeerProcess("_lat-reply", "replier", o, endpoint: bound) {
                try requester.wait()
            }
        }
        switch o.peer {
        case .sync:
            let replier = SwiftSide.startReplyThread(context, endpoint: bound, o)
            return try replier.finish(context, Result { try requester.wait() })
        case .async:
            // Both peers on the one reactor thread: each hop is a job on its queue, no
            // thread switch.
            let replier = startOnReactor(o.executor) { [size = o.size, total = o.warmup + o.count] in
                let rep = try RepSocket(context)
                defer { rep.close() }
                try SwiftSide.configure(rep)
                try rep.connect(bound)
                try await reply(rep, size: size, total: total)
            }
            let result = Result { try requester.wait() }
            let replied = Result { try replier.wait() }
            context.terminate()
            if case .failure(let error) = replied { throw BenchFailure(description: "replier: \(error)") }
            return try result.get()
        }
    }

    /// The peer process of `lat --mode async` over tcp or ipc: an async replier on this
    /// process's own reactor.
    static func latReply(_ o: Options, endpoint: String) throws {
        let context = try SwiftSide.makeContext()
        let replier = startOnReactor(o.executor) { [size = o.size, total = o.count] () async throws -> RepSocket in
            let rep = try RepSocket(context)
            try SwiftSide.configure(rep)
            try rep.connect(endpoint)
            try await reply(rep, size: size, total: total)
            return rep
        }
        // The task hands the socket back, to stay open until the parent has the last
        // reply (see waitForParent); waiting for the parent blocks, so it happens here
        // rather than on the reactor.
        let rep = try replier.wait()
        waitForParent()
        rep.close()
        context.terminate()
    }
}

// MARK: - idle

/// What `idle` measured.
struct IdleFigures {
    /// The process's CPU time (user + system) over the window, in milliseconds.
    var cpuMilliseconds: Double
    /// The process's threads before the first task (libzmq's already started), and
    /// while the tasks wait.
    var threadsBefore: Int
    var threadsDuring: Int
    /// How many tasks received their message after the window.
    var received: Int
}

/// The tasks of `idle`, counting what they did.
final class IdleTally: Sendable {
    let waiting = Atomic<Int>(0)
    let received = Atomic<Int>(0)
    let ended = Atomic<Int>(0)
    let failure = Mutex<String?>(nil)
    let allEnded = Semaphore()
}

extension AsyncSide {
    /// idle: a task awaits `receive(timeout:)` on each of `o.sockets` PULL sockets;
    /// measures the process's CPU time and threads over `o.seconds` while they all
    /// wait, then sends each socket one message and checks that every task gets its
    /// own.
    static func idle(_ o: Options) throws -> IdleFigures {
        let n = o.sockets
        // 2n sockets (a PUSH per PULL at the end), and their descriptors: a mailbox
        // each, plus a listener and two connection ends per pair over tcp.
        raiseFileLimit(to: UInt(6 * n + 256))
        let context = try SwiftSide.makeContext()
        try context.setOption(.maxSockets, 2 * n + 16)
        var threadsBefore = 0

        let tally = IdleTally()
        // Longer than the window and the sends after it, so that no task times out
        // in a run that works; finite, so that one that does not ends by itself.
        let limit = Duration.seconds(o.seconds + 30)
        var endpoints: [String] = []
        endpoints.reserveCapacity(n)
        for index in 0..<n {
            let pull = try PullSocket(context)
            let endpoint =
                o.transport == .tcp ? "tcp://127.0.0.1:*" : "inproc://zmq-bench-idle-\(getpid())-\(index)"
            endpoints.append(try pull.bind(endpoint))
            // libzmq starts the context's threads with its first socket, and the
            // reactor starts with the first task: this counts the first, not the
            // second.
            if index == 0 { threadsBefore = threadCount() }
            Task(executorPreference: Reactor.shared) {
                do {
                    defer { pull.close() }
                    tally.waiting.add(1, ordering: .relaxed)
                    guard let message = try await pull.receive(timeout: limit) else {
                        throw BenchFailure(description: "socket \(index) received nothing within \(limit)")
                    }
                    guard message.withUnsafeBytes({ Array($0) }) == idlePayload(index) else {
                        throw BenchFailure(description: "socket \(index) received another socket's message")
                    }
                    tally.received.add(1, ordering: .relaxed)
                } catch {
                    tally.failure.withLock { $0 = $0 ?? "socket \(index): \(error)" }
                }
                if tally.ended.add(1, ordering: .acquiringAndReleasing).newValue == n { tally.allEnded.post() }
            }
        }

        // The reactor runs its jobs in order, and each task above runs until it parks
        // in its first job: a task queued after them runs once they all wait.
        let waiting = try startOnReactor { tally.waiting.load(ordering: .relaxed) }.wait()
        guard waiting == n, tally.ended.load(ordering: .acquiring) == 0 else {
            throw BenchFailure(
                description: "\(waiting) of \(n) tasks waiting, \(tally.ended.load(ordering: .acquiring)) ended")
        }

        let cpuBefore = processCPUMilliseconds()
        sleepSeconds(Double(o.seconds) / 2)
        let threadsDuring = threadCount()
        sleepSeconds(Double(o.seconds) / 2)
        let cpu = processCPUMilliseconds() - cpuBefore

        // One message for each socket, from a PUSH socket of its own (one PUSH socket
        // connected to all would spread its messages over the connections that are
        // up, which over tcp need not be all of them yet). The PUSH sockets stay open
        // until every message has arrived.
        var pushes: [PushSocket] = []
        pushes.reserveCapacity(n)
        for (index, endpoint) in endpoints.enumerated() {
            let push = try PushSocket(context)
            try push.connect(endpoint)
            try push.send(idlePayload(index))
            pushes.append(push)
        }
        tally.allEnded.wait()
        for push in pushes { push.close() }
        context.terminate()
        if let failure = tally.failure.withLock({ $0 }) { throw BenchFailure(description: failure) }
        let received = tally.received.load(ordering: .relaxed)
        guard received == n else { throw BenchFailure(description: "\(received) of \(n) tasks received") }
        return IdleFigures(
            cpuMilliseconds: cpu, threadsBefore: threadsBefore, threadsDuring: threadsDuring, received: received)
    }

    /// The message for socket `index`: its number, so that a task can tell its own.
    static func idlePayload(_ index: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt64(index).littleEndian) { Array($0) }
    }

    /// The `Threads:` line of /proc/self/status.
    static func threadCount() -> Int {
        guard let file = fopen("/proc/self/status", "r") else { return -1 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("Threads:") {
                return Int(text.dropFirst("Threads:".count).trimmingWhitespace()) ?? -1
            }
        }
        return -1
    }

    /// The process's user and system CPU time so far, all threads, in milliseconds.
    static func processCPUMilliseconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        func ms(_ time: timeval) -> Double { Double(time.tv_sec) * 1e3 + Double(time.tv_usec) * 1e-3 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }

    static func sleepSeconds(_ seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Raises the soft limit of open files towards `wanted`, within the hard limit.
    static func raiseFileLimit(to wanted: UInt) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < wanted else { return }
        limit.rlim_cur = min(wanted, limit.rlim_max)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" }
        let trimmed = self[...].drop(while: isSpace)
        return Substring(trimmed.reversed().drop(while: isSpace).reversed())
    }
}
