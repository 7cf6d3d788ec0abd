import ArgumentParser
import Foundation
import ZeroMQ

extension ExitCode {
    /// The socket could not be set up: a bind, connect, option, key or file was refused.
    static let setUpFailed = ExitCode(2)
    /// The timeout passed before the work was done.
    static let timedOut = ExitCode(3)
}

/// One run of zmqcat: the socket set up from the command line, then the loop its kind
/// calls for, then the end, which waits at most the linger for what is still queued.
struct Session {
    let command: Zmqcat
    private var input: InputRecords
    private var decoder: FrameDecoder
    private let output: OutputWriter
    private var sent = 0
    private var received = 0

    init(_ command: Zmqcat) {
        self.command = command
        input = InputRecords(mode: command.records)
        decoder = FrameDecoder(separator: command.separator, encoding: command.inputFormat)
        output = OutputWriter(
            encoding: command.format, separator: command.separator, marksFrames: command.frames,
            mode: command.records)
    }

    /// What zmqcat does with a socket of each kind.
    private enum Pattern {
        case send, receive, request, reply, duplex
    }

    private var pattern: Pattern {
        switch command.kind {
        case .pub, .push: .send
        case .sub, .pull: .receive
        case .req: .request
        case .rep: .reply
        default: .duplex
        }
    }

    mutating func run() -> ExitCode {
        let context: Context
        let socket: DynamicSocket
        let authenticator: Authenticator?
        do {
            context = try Context()
            (socket, authenticator) = try Setup(command: command).makeSocket(in: context)
        } catch {
            tell("\(error)")
            return .setUpFailed
        }
        defer {
            authenticator?.stop()
            context.close()  // waits at most the linger for what is still queued
        }
        do {
            switch pattern {
            case .send: return try sendInput(socket)
            case .receive: return try receiveMessages(socket)
            case .request: return try request(socket)
            case .reply: return try reply(socket)
            case .duplex: return try duplex(socket)
            }
        } catch let error as ZMQError where error == .again {
            // Only a send waits for the socket's send timeout: --timeout.
            tell(
                "message \(sent + 1) could not be sent within \(command.timeout.map(describe) ?? "")\(describePeers())")
            return .timedOut
        } catch {
            tell("\(error)")
            return .failure
        }
    }

    // The loops, one per pattern.

    /// PUB, PUSH: every record of standard input, then the end.
    private mutating func sendInput(_ socket: DynamicSocket) throws -> ExitCode {
        while !countReached(sent), let record = try input.next() {
            try send(record, on: socket)
        }
        return .success
    }

    /// SUB, PULL: every message, until the count or the timeout.
    private mutating func receiveMessages(_ socket: DynamicSocket) throws -> ExitCode {
        while !countReached(received) {
            guard let message = try receive(on: socket) else { return timedOut() }
            try write(message)
        }
        return .success
    }

    /// REQ: each record is a request, whose reply is printed.
    private mutating func request(_ socket: DynamicSocket) throws -> ExitCode {
        while !countReached(received), let record = try input.next() {
            try send(record, on: socket)
            guard let reply = try receive(on: socket) else {
                tell("no reply to request \(sent) within \(command.timeout.map(describe) ?? "")\(describePeers())")
                return .timedOut
            }
            try write(reply)
        }
        return .success
    }

    private enum Source { case socket, input }

    /// REP: each request is printed and answered with the next record; it ends when
    /// standard input has no record left to answer with.
    private mutating func reply(_ socket: DynamicSocket) throws -> ExitCode {
        let poller = Poller<Source>()
        try poller.add(socket, events: .readable, token: .socket)
        try poller.add(fileDescriptor: input.fileDescriptor, events: .readable, token: .input)
        while !countReached(received) && !input.exhausted {
            let ready = try poller.poll(timeout: command.timeout)
            if ready.isEmpty { return timedOut() }
            if !ready.events(for: .input).isEmpty {
                try input.fill()
                if input.ended { poller.remove(.input) }
            }
            if !ready.events(for: .socket).isEmpty, let request = try socket.tryReceiveMultipart() {
                try write(request)
                guard let record = try input.next() else {
                    tell("standard input ended: request \(received) is not answered")
                    break
                }
                try send(record, on: socket)
            }
        }
        return .success
    }

    /// DEALER, ROUTER, PAIR, XPUB, XSUB, STREAM: records are sent as they come, and
    /// messages printed as they arrive, until the count or the timeout.
    private mutating func duplex(_ socket: DynamicSocket) throws -> ExitCode {
        let poller = Poller<Source>()
        try poller.add(socket, events: .readable, token: .socket)
        try poller.add(fileDescriptor: input.fileDescriptor, events: .readable, token: .input)
        while !countReached(received) {
            let ready = try poller.poll(timeout: command.timeout)
            if ready.isEmpty { return timedOut() }
            if !ready.events(for: .input).isEmpty {
                try input.fill()
                while let record = input.take() { try send(record, on: socket) }
                if input.ended { poller.remove(.input) }
            }
            if !ready.events(for: .socket).isEmpty {
                while !countReached(received), let message = try socket.tryReceiveMultipart() {
                    try write(message)
                }
            }
        }
        return .success
    }

    // Steps.

    private func countReached(_ number: Int) -> Bool {
        command.count.map { number >= $0 } ?? false
    }

    private mutating func send(_ record: [UInt8], on socket: DynamicSocket) throws {
        let frames = try decoder.frames(of: record)
        try socket.sendMultipart(frames)
        sent += 1
    }

    /// The next message, or `nil` when `--timeout` passed first.
    private func receive(on socket: DynamicSocket) throws(ZMQError) -> [Message]? {
        try socket.receiveMultipart(timeout: command.timeout)
    }

    private mutating func write(_ message: [Message]) throws(OutputError) {
        try output.write(message)
        received += 1
    }

    /// The end by the timeout: a success only for a receiver without a count that
    /// received something.
    private func timedOut() -> ExitCode {
        let time = command.timeout.map(describe) ?? ""
        if let count = command.count {
            tell("timed out: \(received) of \(count) messages arrived, then nothing for \(time)\(describePeers())")
            return .timedOut
        }
        if received == 0 {
            tell("timed out: nothing arrived within \(time)\(describePeers())")
            return .timedOut
        }
        return .success
    }

    private func describePeers() -> String {
        let endpoints = command.bind + command.connect
        return " (\(command.kind.name.lowercased()) on \(endpoints.joined(separator: ", ")))"
    }
}

/// `duration` as the command line writes it: 500ms, 2s.
func describe(_ duration: Duration) -> String {
    let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
}

/// Tells the user something on standard error.
func tell(_ message: String) {
    FileHandle.standardError.write(Data("zmqcat: \(message)\n".utf8))
}
