import Foundation
import Testing

/// An example program running as its own process, as a user runs it: its output is read
/// line by line, every wait is bounded, and a program still running when its test ends is
/// killed.
final class Program: @unchecked Sendable {
    // @unchecked: `lines`, `partial`, `finished`, `outputEnded` and `reads` are only
    // touched under `lock`; `process` and the pipe are set in `init` and only read afterwards.
    let name: String
    private let process = Process()
    private let lock = NSCondition()
    private var lines: [String] = []
    private var partial = Data()
    private var finished = false
    /// The pipe has reached its end.
    private var outputEnded = false
    /// Reads of the pipe under way: taken from the pipe, not yet in `lines`.
    private var reads = 0
    private let outputDescriptor: Int32
    private let input = Pipe()

    /// Starts the example `name` (an executable of this package) with `arguments`.
    convenience init(_ name: String, _ arguments: [String] = []) throws {
        try self.init(name: name, executable: Program.binaries.appendingPathComponent(name), arguments)
    }

    /// Starts a Python script with Debian's python3, which sees python3-zmq (a python3
    /// earlier on the PATH may not); `name` is how failures call it.
    static func python(_ name: String, _ script: String, _ arguments: [String] = []) throws -> Program {
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        return try Program(name: name, executable: URL(fileURLWithPath: python), ["-u", "-c", script] + arguments)
    }

    /// Starts `executable` with `arguments`; its standard input is a pipe (``write(_:)``,
    /// ``closeInput()``).
    init(name: String, executable: URL, _ arguments: [String]) throws {
        // A write to a program that has ended must fail, not end the test process.
        _ = Program.ignoreBrokenPipes
        self.name = name
        // Line-buffered output, as on a terminal: a program's stdout into a pipe is
        // otherwise flushed only when its buffer fills or it exits.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/stdbuf")
        process.arguments = ["-oL", "-eL", executable.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input
        // Only this program gets these pipes (as its standard input and output, which
        // are duplicates): a program started at the same moment by another test must not
        // inherit them, or this one's output would not end until that one exits.
        for handle in [output.fileHandleForReading, output.fileHandleForWriting] + [
            input.fileHandleForReading, input.fileHandleForWriting,
        ] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        outputDescriptor = output.fileHandleForReading.fileDescriptor
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            guard let self else { return }
            self.lock.lock()
            self.reads += 1
            self.lock.unlock()
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }  // the end: nothing more will come
            self.append(data)
        }
        process.terminationHandler = { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.finished = true
            self.lock.broadcast()
            self.lock.unlock()
        }
        // A program starts with the signal mask of the thread that starts it, and the
        // test's threads (Dispatch's) block most signals, SIGTERM among them: without
        // this, `terminate()` and `kill(SIGTERM)` did nothing, and every program a test
        // left running outlived the tests.
        var unblocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Writes `bytes` to the program's standard input.
    func write(_ bytes: some Sequence<UInt8>) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(bytes))
    }

    /// Writes `text` to the program's standard input.
    func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    /// Closes the program's standard input: it reads the end of input.
    func closeInput() throws {
        try input.fileHandleForWriting.close()
    }

    /// The folder of this package's executables: the one the test bundle is in.
    static let binaries: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("hello-server").path),
            url.pathComponents.count > 1
        {
            url.deleteLastPathComponent()
        }
        return url
    }()

    private func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        reads -= 1
        if data.isEmpty {
            if !partial.isEmpty { lines.append(String(decoding: partial, as: UTF8.self)) }
            partial = Data()
            outputEnded = true
        } else {
            partial.append(data)
            while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
                partial = Data(partial[partial.index(after: newline)...])
            }
        }
        lock.broadcast()
    }

    /// Whether every line the program printed is in `lines` (called under `lock`).
    ///
    /// The process may end before the last of its output has been read (its last lines
    /// were missing in about one run of ten). Nor is the pipe's end a signal to wait for:
    /// with the tests running in parallel, the handler saw it 30 seconds late, or not
    /// at all, in 3 runs of 30 (why is not known: perhaps a program started at the same
    /// moment by another test inherits the pipe's writing end). So the output is complete
    /// once the process has ended, no read is under way, and nothing is left in the pipe.
    private var outputComplete: Bool {
        guard finished else { return false }
        if outputEnded { return true }
        var pending: Int32 = 0
        guard reads == 0, ioctl(outputDescriptor, UInt(FIONREAD), &pending) == 0, pending == 0 else { return false }
        if !partial.isEmpty {
            lines.append(String(decoding: partial, as: UTF8.self))
            partial = Data()
        }
        return true
    }

    /// Every line printed so far.
    var output: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    /// Waits until a line satisfies `condition`, or `timeout` passes; returns the line.
    @discardableResult
    func waitForLine(
        timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
        where condition: (String) -> Bool
    ) -> String? {
        var found: String?
        waitForOutput(timeout: timeout, sourceLocation: sourceLocation) { lines in
            found = lines.first(where: condition)
            return found != nil
        }
        return found
    }

    /// Waits until the lines printed so far satisfy `condition` (such as "three lines
    /// start with ..."), or `timeout` passes (then records an issue); returns whether
    /// they do.
    @discardableResult
    func waitForOutput(
        timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
        where condition: ([String]) -> Bool
    ) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        lock.lock()
        defer { lock.unlock() }
        while true {
            if condition(lines) { return true }
            if outputComplete || !lock.wait(until: deadline) {
                if condition(lines) { return true }
                Issue.record(
                    "\(name): not the output expected within \(timeout); it printed:\n\(lines.joined(separator: "\n"))",
                    sourceLocation: sourceLocation)
                return false
            }
        }
    }

    /// Waits until a line starts with `prefix`.
    @discardableResult
    func waitForLine(
        startingWith prefix: String, timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String? {
        waitForLine(timeout: timeout, sourceLocation: sourceLocation) { $0.hasPrefix(prefix) }
    }

    /// Waits until the program exits, or `timeout` passes (then kills it and records an
    /// issue); returns its exit status and everything it printed.
    @discardableResult
    func waitForExit(
        timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation
    ) -> (status: Int32, output: [String]) {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        lock.lock()
        while !outputComplete && lock.wait(until: deadline) {}
        let done = finished
        lock.unlock()
        if !done {
            process.terminate()
            process.waitUntilExit()
            Issue.record("\(name) did not exit within \(timeout)", sourceLocation: sourceLocation)
        }
        process.waitUntilExit()
        // Stop reading, should the pipe's end not have come by the deadline.
        process.standardOutput.flatMap { ($0 as? Pipe)?.fileHandleForReading.readabilityHandler = nil }
        return (process.terminationStatus, output)
    }

    /// Sends `signal` (SIGKILL to crash it, SIGTERM to stop it).
    func kill(_ signal: Int32 = SIGKILL) {
        Foundation.kill(process.processIdentifier, signal)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// A free tcp port on the loopback interface, for examples that take an endpoint.
func freePort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
