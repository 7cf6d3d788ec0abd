// Lost wake-ups: a task parked on a socket must be woken whenever libzmq makes the
// socket ready, whatever else the code that owns the socket does meanwhile.
//
// `ZMQ_FD` is edge-triggered, and every libzmq call that processes the socket's commands
// drains it (notes/command-processing.md lists them): the edge that the reactor would
// have seen is gone, and with it the wake-up, unless the call is followed by a read of
// `ZMQ_EVENTS` that wakes the parked tasks. The detector in every test is a parked
// receive with a timeout of a few seconds: it must return the message, not time out
// while the message sits in the socket. A failure says what the socket held afterwards.
//
// The sockets are owned by actors that run on the reactor (`Reactor.shared.serialExecutor`),
// as Docs/Async.md shows for sharing a socket, and the tasks prefer the reactor: the
// order in which the reactor runs their jobs is what most of these tests arrange.

import Foundation
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How long a parked receive may take to see a message that is already queued: far
/// longer than a wake-up takes on the reactor, even under ThreadSanitizer.
let wakeUpDetector = Timeout.seconds(2)

/// A call on a socket, other than send and receive, in which libzmq 4.3.4 processes the
/// socket's pending commands (`socket_base_t`: `bind`, `connect`, `term_endpoint` for
/// unbind and disconnect, `getsockopt(ZMQ_EVENTS)`).
enum CommandCall: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case bind, connect, unbind, disconnect, events

    var testDescription: String { rawValue }
}

// MARK: - Actors on the reactor

/// A PULL socket and the PUSH that feeds it, owned by an actor on the reactor: while one
/// call of the actor waits on the PULL, another uses the sockets.
actor ReactorPipeline {
    nonisolated var unownedExecutor: UnownedSerialExecutor {
        Reactor.shared.serialExecutor.asUnownedSerialExecutor()
    }

    let pull: PullSocket
    let push: PushSocket
    /// A bound socket that never makes a call, for the PULL to connect to and
    /// disconnect from: it never answers with a command of its own.
    let idlePeer: PushSocket
    /// What `unbind` and `disconnect` undo.
    private var extraBinding: String?
    private var extraConnection: String?

    init(_ context: Context, over transport: Transport) throws {
        pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
        idlePeer = try PushSocket(context)
        try push.connect(try pull.bind(transport.bindEndpoint()))
    }

    /// Receives a first message, so that the connection is up and every command it
    /// brought is processed, then sets up what `call` undoes.
    ///
    /// The endpoints that `call` binds, connects, unbinds or disconnects are inproc,
    /// whatever the transport of the messages: over tcp, libzmq follows bind and
    /// connect (`send_own`), unbind and disconnect (`term_ack`) with a command to the
    /// socket itself, which signals `ZMQ_FD` again and hides the lost edge.
    func prepare(for call: CommandCall) async throws {
        try push.trySendOrFail("warm-up")
        let warmUp = try await pull.receiveString(timeout: .seconds(10))
        guard warmUp == "warm-up" else { throw TestFailure("received \(warmUp) instead of warm-up") }
        switch call {
        case .unbind:
            extraBinding = try pull.bind(Transport.inproc.bindEndpoint())
        case .disconnect:
            let endpoint = try idlePeer.bind(Transport.inproc.bindEndpoint())
            try pull.connect(endpoint)
            extraConnection = endpoint
        case .bind, .connect, .events:
            break
        }
    }

    /// Counts the call, then receives: once `counter` shows it, the receive is parked
    /// (on the reactor, nothing else runs between the two).
    func receive(counting counter: Counter, timeout: Timeout) async throws -> String {
        counter.increment()
        return try await pull.receiveString(timeout: timeout)
    }

    func receive(timeout: Timeout) async throws -> String {
        try await pull.receiveString(timeout: timeout)
    }

    /// Sends `first` to the PULL, waits until libzmq has signalled the PULL's `ZMQ_FD`
    /// for it, makes `call` on the PULL, then sends `second`: all in one job of the
    /// reactor, so that the reactor looks at the descriptor only after the call.
    func send(_ first: String, then call: CommandCall, then second: String) throws {
        try push.trySendOrFail(first)
        // The command that announces the message reaches the PULL at once over inproc,
        // and from libzmq's I/O thread over tcp: wait for it with poll(2), which, unlike
        // ZMQ_EVENTS, processes nothing. Bounded, and microseconds, on the reactor.
        try waitForSignal(pull)
        switch call {
        case .bind:
            try pull.bind(Transport.inproc.bindEndpoint())
        case .connect:
            try pull.connect(try idlePeer.bind(Transport.inproc.bindEndpoint()))
        case .unbind:
            try pull.unbind(extraBinding!)
        case .disconnect:
            try pull.disconnect(extraConnection!)
        case .events:
            _ = try pull.option(.events)
        }
        // The pipe is active now: this one sends no command, and no edge.
        try push.trySendOrFail(second)
    }

    /// What a timed-out receive left in the socket, for the failure message.
    func leftOver() -> String {
        let events = (try? pull.option(.events)).map { "\($0)" } ?? "unreadable"
        let message = (try? pull.tryReceiveString()).flatMap { $0 } ?? "none"
        return "afterwards ZMQ_EVENTS is \(events) and the next message is \(message)"
    }
}

extension Socket where Kind: SendingSocketType {
    /// A non-blocking send that must succeed (the queue has room).
    func trySendOrFail(_ string: String) throws {
        guard try trySend(string) else { throw TestFailure("\(kind.name) could not queue \(string)") }
    }
}

/// Waits with poll(2), up to five seconds, until `socket`'s `ZMQ_FD` is readable:
/// libzmq has signalled a command for it. Processes nothing.
func waitForSignal<Kind>(_ socket: Socket<Kind>) throws {
    var item = pollfd(fd: try socket.option(.fileDescriptor), events: Int16(POLLIN), revents: 0)
    guard poll(&item, 1, 5000) == 1 else {
        throw TestFailure("\(socket.kind.name)'s ZMQ_FD was not signalled within 5 s")
    }
}

// MARK: - Tests

@Suite("Async wake-ups")
struct AsyncWakeUpTests {
    @Test(
        "a parked receive is woken after a call that processes the socket's commands",
        arguments: CommandCall.allCases, [Transport.inproc, .tcp])
    func wakeUpAfterCall(call: CommandCall, transport: Transport) async throws {
        let context = try makeContext()
        let owner = try ReactorPipeline(context, over: transport)
        try await owner.prepare(for: call)
        let entered = Counter()
        let receiving = Task(executorPreference: Reactor.shared) {
            try await owner.receive(counting: entered, timeout: wakeUpDetector)
        }
        #expect(await eventually { entered.value == 1 })
        try await owner.send("first", then: call, then: "second")
        do {
            #expect(try await receiving.value == "first")
            #expect(try await owner.receive(timeout: wakeUpDetector) == "second")
        } catch let error as ZMQError where error == .again {
            Issue.record("\(error), with the messages queued: \(await owner.leftOver())")
        }
    }
}
