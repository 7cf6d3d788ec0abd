// Shared helpers for the test suite.
//
// Rules every test follows:
// - Real libzmq sockets only.
// - Every wait is bounded: sockets get ZMQ_RCVTIMEO/ZMQ_SNDTIMEO, loops have deadlines,
//   helper threads are joined with a timeout. No test can hang.
// - No sleeping in the hope that something has happened: tests wait for the event
//   itself (a message, a poll, a counter), polling at most every millisecond.
// - Tests run in parallel, so every endpoint is unique: inproc names come from a
//   counter, tcp binds use a wildcard port, ipc paths live in a directory of this
//   process (removed at exit).

import CZeroMQ
import Foundation
import Synchronization
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Unique names

private let counter = Atomic<Int>(0)

/// A number no other call in this process gets.
func uniqueNumber() -> Int {
    counter.wrappingAdd(1, ordering: .relaxed).newValue
}

/// The directory of this process's ipc endpoints, created on first use and removed
/// when the process exits. Kept short: a Unix socket path must fit in 108 bytes.
let ipcDirectory: String = {
    let path = "/tmp/swift-zeromq-tests-\(getpid())"
    mkdir(path, 0o700)
    atexit { removeIPCDirectory() }
    return path
}()

private func removeIPCDirectory() {
    try? FileManager.default.removeItem(atPath: "/tmp/swift-zeromq-tests-\(getpid())")
}

// MARK: - Transports

/// The transports a test runs over.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case tcp, ipc, inproc

    var testDescription: String { rawValue }

    /// A fresh endpoint to bind: a wildcard port for tcp (``Socket/bind(_:)`` returns
    /// the real one), a new path for ipc, a new name for inproc.
    func bindEndpoint() -> String {
        switch self {
        case .tcp: "tcp://127.0.0.1:*"
        case .ipc: "ipc://\(ipcDirectory)/\(uniqueNumber())"
        case .inproc: "inproc://test-\(uniqueNumber())"
        }
    }
}

// MARK: - Contexts and sockets

/// A context whose sockets do not linger, so that no test waits on teardown.
/// The upper bound of a timing check that only guards against a hang: how late a task
/// may resume while the whole suite runs in parallel. On two cores the cooperative pool
/// has two threads, and the synchronous tests (about fifty seconds of work, run one at a
/// time) hold them in turn, so an awaiting test can resume tens of seconds after its
/// event (36 s seen in CI). Checks that a wait did not end early stay exact.
let schedulingSlack: Duration = .seconds(120)

func makeContext() throws(ZMQError) -> Context {
    try Context(defaultLinger: .zero)
}

extension Socket {
    /// A socket whose blocking sends and receives give up after `timeout`
    /// (`ZMQ_SNDTIMEO`, `ZMQ_RCVTIMEO`) instead of hanging.
    static func bounded(_ context: Context, timeout: Timeout = .seconds(5)) throws(ZMQError) -> Socket {
        let socket = try Socket(context)
        try socket.setOption(.receiveTimeout, timeout)
        try socket.setOption(.sendTimeout, timeout)
        return socket
    }
}

/// Binds `server` to a fresh endpoint of `transport`, connects `client` to it and
/// returns the endpoint.
@discardableResult
func link<Server, Client>(
    _ server: Socket<Server>, _ client: Socket<Client>, over transport: Transport
) throws(ZMQError) -> String {
    let endpoint = try server.bind(transport.bindEndpoint())
    try client.connect(endpoint)
    return endpoint
}

/// Waits, up to `milliseconds`, until `socket` has a message to receive (`zmq_poll`).
func waitReadable<Kind>(_ socket: Socket<Kind>, milliseconds: Int) -> Bool {
    var item = zmq_pollitem_t(
        socket: socket.unsafeHandle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    return zmq_poll(&item, 1, milliseconds) > 0 && item.revents & Int16(ZMQ_POLLIN) != 0
}

/// A test failure raised by a helper, such as a deadline passing.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Publish/subscribe

/// Publishes `message(n)` for n = 0, 1, 2... until `subscriber` receives something, and
/// returns what it received.
///
/// A subscription reaches the publisher some time after the subscriber connects (the
/// "slow joiner"), and until then the publisher drops everything. Instead of sleeping,
/// publish until a message gets through, bounded by `timeout`.
func publish<Pub: SendingSocketType, Sub: SubscribingSocketType>(
    on publisher: Socket<Pub>, until subscriber: Socket<Sub>,
    timeout: Duration = .seconds(10), _ message: (Int) -> String
) throws -> Message {
    let deadline = ContinuousClock.now + timeout
    var n = 0
    while ContinuousClock.now < deadline {
        try publisher.send(message(n))
        n += 1
        if waitReadable(subscriber, milliseconds: 10) {
            return try subscriber.receive()
        }
    }
    throw TestFailure("nothing reached the subscriber within \(timeout) (\(n) messages published)")
}

// MARK: - Waiting and threads

/// Checks `condition` every millisecond until it holds or `timeout` passes; returns
/// whether it held. For events that happen on libzmq's I/O thread.
func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return condition() }
        usleep(1000)
    }
    return true
}

/// Checks `condition` every millisecond until it holds or `timeout` passes; returns
/// whether it held. The async form of ``waitUntil(timeout:_:)``, which suspends instead
/// of blocking: an async test must never block a thread of the cooperative pool (two
/// on this machine) or the reactor, or the tasks it waits for cannot run. The default
/// limit is long: the pool's threads may be busy with other suites for tens of seconds
/// under ThreadSanitizer; it returns as soon as the condition holds.
func eventually(timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return condition() }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return true
}

/// A thread started by a test, joined with a bounded wait.
final class TestThread: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let done = Counter()

    /// Starts `body` on a new thread.
    init(_ body: @escaping @Sendable () -> Void) {
        let finished = self.finished
        let done = self.done
        let thread = Thread {
            body()
            done.increment()
            finished.signal()
        }
        thread.start()
    }

    /// Waits up to `timeout` for the thread to finish, suspending instead of blocking
    /// (for async tests); returns whether it did.
    func joined(timeout: Duration) async -> Bool {
        await eventually(timeout: timeout) { done.value > 0 }
    }

    /// Starts `body` on a new thread, moving to it what it captures (`sending`): for
    /// values that are not `Sendable` but are handed over, such as a socket or monitor.
    convenience init(moving body: sending @escaping () -> Void) {
        // nonisolated(unsafe): `body` was sent here, so nothing else refers to it.
        nonisolated(unsafe) let body = body
        self.init { body() }
    }

    /// Waits up to `timeout` for the thread to finish; returns whether it did.
    func join(timeout: Duration) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        return finished.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success
    }
}

/// A value shared with another thread.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `stored` is only read or written under `lock`. An NSLock (a
    // pthread mutex), not `Synchronization.Mutex`: ThreadSanitizer cannot see a contended
    // Mutex hand over on Linux (a PI futex) and reports two locked accesses as a race.
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    /// Reads or replaces the value. A change made through it (`value.append(x)`) is a
    /// read, then a write: two threads can lose one of their changes. Use ``withLock(_:)``.
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    /// Changes the value under the lock, in one step.
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&stored)
    }
}

/// A thread-safe counter, for deallocators that libzmq calls on its own threads.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.wrappingAdd(1, ordering: .sequentiallyConsistent) }
    var value: Int { count.load(ordering: .sequentiallyConsistent) }
}

// MARK: - A tcp port nobody listens on

/// A loopback tcp port that is bound, so that nothing else can take it, but not
/// listening, so that every connection to it is refused.
final class UnlistenedPort: Sendable {
    private let descriptor: Int32
    let port: UInt16

    init() throws {
        #if canImport(Glibc) || canImport(Musl)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw TestFailure("bind: errno \(errno)")
        }
        self.descriptor = descriptor
        self.port = UInt16(bigEndian: address.sin_port)
    }

    var endpoint: String { "tcp://127.0.0.1:\(port)" }

    deinit { close(descriptor) }
}

// MARK: - Test data

/// `count` bytes of a pattern that does not repeat with any short period.
func patternBytes(_ count: Int, seed: Int = 0) -> [UInt8] {
    // Raw buffers, here and below: the tests run unoptimised, where a generic `map` or
    // `elementsEqual` over a megabyte takes the best part of a second, and the large-frame
    // tests then held both threads of the cooperative pool (two cores) long enough to
    // delay the async tests' wake-ups by 17 to 36 seconds.
    [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        for index in 0..<count {
            buffer[index] = UInt8(truncatingIfNeeded: ((index &+ seed) &* 2_654_435_761) >> 13)
        }
        initialized = count
    }
}

/// A string of `count` printable ASCII bytes.
func patternString(_ count: Int) -> String {
    String(unsafeUninitializedCapacity: count) { buffer in
        for index in 0..<count { buffer[index] = UInt8(0x21 + index % 94) }
        return count
    }
}

/// Whether `message` holds exactly `bytes`, compared with `memcmp`.
func sameBytes(_ message: Message, _ bytes: ArraySlice<UInt8>) -> Bool {
    message.withUnsafeBytes { held in
        bytes.withUnsafeBytes { expected in
            held.count == expected.count
                && (held.count == 0 || memcmp(held.baseAddress!, expected.baseAddress!, held.count) == 0)
        }
    }
}

// MARK: - A plain TCP peer

/// A plain TCP client over POSIX sockets, whose reads give up after `SO_RCVTIMEO`.
final class TCPClient {
    let descriptor: Int32

    init(port: Int, timeoutSeconds: Int = 5) throws {
        #if canImport(Glibc) || canImport(Musl)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestFailure("connect to port \(port): errno \(errno)")
        }
    }

    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard sent == bytes.count else { throw TestFailure("write: \(sent), errno \(errno)") }
    }

    /// Reads until the server closes the connection; returns what it read, or throws
    /// when a read times out first.
    func readToEOF() throws -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return received }
            guard count > 0 else {
                throw TestFailure("no EOF within the timeout (errno \(errno)); read so far: \(received)")
            }
            received += buffer[..<count]
        }
    }

    deinit { close(descriptor) }
}

// MARK: - Python, the independent peer

/// Runs `script` with Debian's python3 (which sees python3-zmq; a python3 earlier on
/// PATH, pyenv's or a virtualenv's, may not) and returns what it printed.
///
/// Spawned with `posix_spawn`, its output in temporary files, its wait bounded by
/// `timeout`: Foundation's `Process` leaks under LeakSanitizer (`make sanitize`).
func runPython(_ script: String, arguments: [String] = [], timeout: Duration = .seconds(30)) throws -> String {
    let python = access("/usr/bin/python3", X_OK) == 0 ? ["/usr/bin/python3"] : ["/usr/bin/env", "python3"]
    let argv = python + ["-c", script] + arguments
    func temporaryFile() throws -> (path: String, descriptor: Int32) {
        var template = Array("/tmp/swift-zeromq-python.XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw TestFailure("mkstemp: errno \(errno)") }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (path, descriptor)
    }
    let output = try temporaryFile()
    let errors = try temporaryFile()
    defer {
        close(output.descriptor)
        close(errors.descriptor)
        unlink(output.path)
        unlink(errors.path)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, output.descriptor, 1)
    posix_spawn_file_actions_adddup2(&actions, errors.descriptor, 2)
    var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for argument in cArguments { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
    guard spawned == 0 else { throw TestFailure("posix_spawn \(argv[0]): error \(spawned)") }
    var status: Int32 = 0
    var finished = false
    _ = waitUntil(timeout: timeout) {
        finished = waitpid(pid, &status, WNOHANG) == pid
        return finished
    }
    guard finished else {
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        throw TestFailure("python3 did not finish within \(timeout)")
    }
    func contents(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    let printed = contents(output.path)
    let complaint = contents(errors.path)
    if complaint.contains("No module named 'zmq'") || complaint.contains("No module named zmq") {
        throw TestFailure(
            "pyzmq is missing: install python3-zmq (apt-get install python3-zmq), "
                + "which these interoperability tests need. python3 said: \(complaint)")
    }
    // Exited normally with status 0: WIFEXITED and WEXITSTATUS, which Swift does not import.
    guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
        throw TestFailure("python3 ended with wait status \(status): \(complaint)")
    }
    return printed
}
