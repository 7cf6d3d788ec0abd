// The async API's calls across the C boundary: ZMQ_FD added to the reactor's epoll set
// and removed before zmq_close, waits that end by a message, a timeout, cancellation,
// closing the socket, closing or shutting down the context, and many sockets at once.
// The program's main stays synchronous (valgrind 3.19 cannot run an async main): each
// scenario runs in a task, and main waits for it on a semaphore.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a task reports back to the main thread, which waits on a POSIX semaphore.
final class TaskResult<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `result` is written once by the task before `sem_post`, and
    // read by the main thread only after `sem_wait` returns (POSIX orders the two).
    private var result: Result<Value, any Error>?
    /// Allocated, so that the semaphore never moves.
    private let done = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init() { sem_init(done, 0, 0) }

    deinit {
        sem_destroy(done)
        done.deallocate()
    }

    func finish(_ result: Result<Value, any Error>) {
        self.result = result
        sem_post(done)
    }

    func wait() -> Result<Value, any Error> {
        while sem_wait(done) != 0 {}
        return result!
    }
}

/// Runs `body` in a task (on the reactor when `onReactor`) and blocks until it ends.
func runTask<Value: Sendable>(
    onReactor: Bool = true, _ body: @escaping @Sendable () async throws -> Value
) -> Result<Value, any Error> {
    let result = TaskResult<Value>()
    Task(executorPreference: onReactor ? Reactor.shared : nil) {
        do {
            result.finish(.success(try await body()))
        } catch {
            result.finish(.failure(error))
        }
    }
    return result.wait()
}

/// An actor that owns a socket, so that one task can wait on it while another closes it.
actor Owner {
    let pull: PullSocket
    init(_ pull: sending PullSocket) { self.pull = pull }
    func receive() async throws -> String { try await pull.receiveString() }
    func close() { pull.close() }
}

func isError(_ result: Result<some Sendable, any Error>, _ expected: ZMQError) -> Bool {
    if case .failure(let error) = result { return error as? ZMQError == expected }
    return false
}

func checkAsync() throws(ZMQError) {
    let context = try Context(defaultLinger: .zero)

    // Round trips over tcp, on the reactor and off it: every wait parks and resumes.
    for onReactor in [true, false] {
        let result = runTask(onReactor: onReactor) {
            let rep = try RepSocket(context)
            let endpoint = try rep.bind("tcp://127.0.0.1:*")
            let req = try ReqSocket(context)
            try req.connect(endpoint)
            let server = Task(executorPreference: onReactor ? Reactor.shared : nil) {
                for _ in 0..<50 {
                    let request = try await rep.receive()
                    try await rep.send(request)
                }
            }
            var correct = 0
            for index in 0..<50 {
                try await req.send("\(index)")
                if try await req.receiveString(timeout: .seconds(5)) == "\(index)" { correct += 1 }
            }
            try await server.value
            return correct
        }
        check(try result.get() == 50, "async round trips (on the reactor: \(onReactor))")
    }

    // A timeout: the reactor's timer ends the wait.
    check(
        try runTask {
            let pull = try PullSocket(context)
            try pull.bind("inproc://memcheck-async-timeout")
            return try await pull.receive(timeout: .milliseconds(20)) == nil
        }.get(), "async receive timed out")

    // Cancellation of a parked wait, then the message it did not take.
    check(
        try runTask {
            let pull = try PullSocket(context)
            try pull.bind("inproc://memcheck-async-cancel")
            let push = try PushSocket(context)
            try push.connect("inproc://memcheck-async-cancel")
            let owner = Owner(pull)
            let waiting = Task(executorPreference: Reactor.shared) { try await owner.receive() }
            await Task.yield()
            waiting.cancel()
            let cancelled = await waiting.result
            try await push.send("kept")
            let kept = try await owner.receive()
            if case .failure(let error) = cancelled, error is CancellationError { return kept }
            return "not cancelled: \(cancelled)"
        }.get() == "kept", "a cancelled wait leaves the message")

    // Closing the socket while a task waits on it: removed from epoll, then closed.
    check(
        isError(
            runTask {
                let pull = try PullSocket(context)
                try pull.bind("tcp://127.0.0.1:*")
                let owner = Owner(pull)
                let waiting = Task(executorPreference: Reactor.shared) { try await owner.receive() }
                await Task.yield()
                await owner.close()
                return try await waiting.value
            }, .notSocket), "close ends a wait")

    // A send that waits on a full queue, then completes when the peer drains.
    check(
        try runTask {
            let push = try PushSocket(context)
            try push.setOption(.sendHighWaterMark, 2)
            let pull = try PullSocket(context)
            try pull.setOption(.receiveHighWaterMark, 2)
            try pull.bind("inproc://memcheck-async-hwm")
            try push.connect("inproc://memcheck-async-hwm")
            var queued = 0
            while try push.trySend("x") { queued += 1 }
            let sending = Task(executorPreference: Reactor.shared) {
                try await push.send("last")
                return true
            }
            for _ in 0..<queued { _ = try await pull.receive() }
            let last = try await pull.receiveString()
            return try await sending.value && last == "last"
        }.get(), "a send waits on the high-water mark")

    // 50 sockets waited on at once, then released: 50 registrations added and removed.
    check(
        try runTask {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 {
                    group.addTask(executorPreference: Reactor.shared) {
                        let pull = try PullSocket(context)
                        try pull.bind("inproc://memcheck-async-many-\(index)")
                        return try await pull.receive().count
                    }
                }
                let push = try PushSocket(context)
                for index in 0..<50 {
                    // Connecting may come before the bind: inproc connects once it is there.
                    try push.connect("inproc://memcheck-async-many-\(index)")
                }
                for _ in 0..<50 { try await push.send("x") }
                var total = 0
                for try await count in group { total += count }
                return total
            }
        }.get() == 50, "50 sockets awaited at once")

    // A monitor's events, awaited.
    check(
        try runTask {
            let server = try PullSocket(context)
            let monitor = try server.monitor([.listening])
            _ = try server.bind("tcp://127.0.0.1:*")
            let event = try await monitor.next(timeout: .seconds(5))
            return event?.kind.filter == .listening
        }.get(), "monitor events awaited")

    // Shutting down, then closing, a context while tasks wait on its sockets.
    for end in ["shutdown", "close"] {
        let doomed = try Context(defaultLinger: .zero)
        let started = TaskResult<Int>()
        let waiting = TaskResult<String>()
        Task(executorPreference: Reactor.shared) {
            do {
                let pull = try PullSocket(doomed)
                try pull.bind("tcp://127.0.0.1:*")
                started.finish(.success(1))
                waiting.finish(.success(try await pull.receiveString()))
            } catch {
                waiting.finish(.failure(error))
            }
        }
        _ = started.wait()
        if end == "shutdown" {
            doomed.shutdown()  // thread-safe, from anywhere
        } else {
            // From the reactor, where the waiting task runs: the task is parked (or about
            // to run), never inside a call on its socket, which closing must not race.
            _ = runTask { doomed.close() }
        }
        let result = waiting.wait()
        check(
            isError(result, .contextTerminated) || isError(result, .notSocket),
            "context \(end) ends a wait: \(result)")
        doomed.close()
    }
    context.close()
}
