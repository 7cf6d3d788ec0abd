import Foundation
import Testing

/// An example program running as its own process, as a user runs it: its output is read
/// line by line, every wait is bounded, and a program still running when its test ends is
/// killed.
final class Program: @unchecked Sendable {
    // @unchecked: `lines`, `partial`, `finished` and `outputEnded` are only touched under `lock`; `process` and
    // the pipe are set in `init` and only read afterwards.
    let name: String
    private let process = Process()
    private let input = Pipe()
    private let lock = NSCondition()
    private var lines: [String] = []
    private var partial = Data()
    private var finished = false
    private var outputEnded = false
    /// The program has exited and everything it printed has been read.
    private var done: Bool { finished && outputEnded }

    /// Starts the example `name` (an executable of this package) with `arguments`.
    convenience init(_ name: String, _ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        try self.init(name: name, command: [Program.binaries.appendingPathComponent(name).path] + arguments)
    }

    /// Starts `command` (an executable's path, then its arguments), called `name` in
    /// messages: a program that is not one of this package's executables.
    init(name: String, command: [String]) throws {
        self.name = name
        // Line-buffered output, as on a terminal: a program's stdout into a pipe is
        // otherwise flushed only when its buffer fills or it exits.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/stdbuf")
        process.arguments = ["-oL", "-eL"] + command
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input
        _ = Program.ignoreBrokenPipes
        // Only this program gets these pipes (as its standard input and output, which
        // are duplicates): a program started at the same time by another test must not
        // inherit them, or this one's output would not end until that one exits.
        for handle in [output.fileHandleForReading, output.fileHandleForWriting] + [
            input.fileHandleForReading, input.fileHandleForWriting,
        ] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }  // the end of the output
            self?.append(data)
        }
        process.terminationHandler = { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.finished = true
            self.lock.broadcast()
            self.lock.unlock()
        }
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// A write to the input of a program that has exited fails instead of killing the
    /// test process with SIGPIPE.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Writes `line` and a newline to the program's standard input.
    func write(line: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Closes the program's standard input: it reads the end of its input.
    func closeInput() {
        try? input.fileHandleForWriting.close()
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

    /// Waits until the lines printed so far satisfy `condition`, or `timeout` passes
    /// (then records an issue); returns whether they do.
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
            if done || !lock.wait(until: deadline) {
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
        while !finished && lock.wait(until: deadline) {}
        let exited = finished
        // Its last lines may still be in the pipe.
        let grace = Date().addingTimeInterval(2)
        while exited && !outputEnded && lock.wait(until: grace) {}
        lock.unlock()
        if !exited {
            process.terminate()
            Issue.record("\(name) did not exit within \(timeout)", sourceLocation: sourceLocation)
        }
        process.waitUntilExit()
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
