import CZeroMQ
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads events until one satisfies `match`, and returns every event read, that one
/// last. Throws when `timeout` passes first.
@discardableResult
private func events(
    of monitor: Monitor, until match: (MonitorEvent.Kind) -> Bool, timeout: Duration = .seconds(5)
) throws -> [MonitorEvent] {
    var seen: [MonitorEvent] = []
    while true {
        guard let event = try monitor.next(timeout: timeout) else {
            throw TestFailure("the monitor ended; events so far: \(seen)")
        }
        seen.append(event)
        if match(event.kind) { return seen }
    }
}

private func kinds(_ events: [MonitorEvent]) -> [MonitorEvents] { events.map(\.kind.filter) }

/// The blocking `next(timeout:)`, which async code cannot call directly (`noasync`).
private func blockingNext(_ monitor: Monitor, timeout: Duration) throws -> MonitorEvent? {
    try monitor.next(timeout: timeout)
}

@Suite("Monitor")
struct MonitorTests {
    @Test("isRunning until the end; a zero or negative timeout reads only what waits")
    func runningAndTimeouts() async throws {
        let context = try makeContext()
        let server = try PullSocket.bounded(context)
        let monitor = try server.monitor(.listening)
        #expect(monitor.isRunning)
        let clock = ContinuousClock()
        let start = clock.now
        // Nothing yet: each returns at once with .again (a negative time is zero).
        #expect(throws: ZMQError.again) { try blockingNext(monitor, timeout: .milliseconds(-5)) }
        #expect(throws: ZMQError.again) { try blockingNext(monitor, timeout: .zero) }
        #expect(throws: ZMQError.again) { try blockingNext(monitor, timeout: .seconds(Int64.min)) }
        await #expect(throws: ZMQError.again) { _ = try await monitor.next(timeout: .seconds(-3)) }
        #expect(clock.now - start < .seconds(1))

        try server.bind(Transport.tcp.bindEndpoint())
        let event = try await monitor.next(timeout: .seconds(5))
        guard case .listening = event?.kind else {
            Issue.record("expected listening, got \(String(describing: event))")
            return
        }
        server.close()
        #expect(try await monitor.next(timeout: .seconds(5))?.kind == .monitorStopped)
        #expect(!monitor.isRunning)
        #expect(try await monitor.next(timeout: .seconds(-1)) == nil, "an ended monitor reads nil, not .again")
        #expect(monitor.description == "Monitor(ended)")
    }

    @Test("server and client events", arguments: [Transport.tcp, .ipc])
    func serverAndClient(transport: Transport) throws {
        let context = try makeContext()
        let server = try PullSocket.bounded(context)
        let serverMonitor = try server.monitor()
        let endpoint = try server.bind(transport.bindEndpoint())
        let listening = try events(of: serverMonitor, until: { if case .listening = $0 { true } else { false } })
        #expect(listening.last?.endpoint == endpoint)

        let client = try PushSocket.bounded(context)
        let clientMonitor = try client.monitor()
        try client.connect(endpoint)
        try client.send("hello")
        #expect(try server.receiveString() == "hello")

        let clientEvents = try events(of: clientMonitor, until: { $0 == .handshakeSucceeded })
        if transport == .tcp {
            #expect(clientEvents.first?.kind == .connectDelayed, "\(clientEvents)")
        }
        #expect(kinds(clientEvents).contains(.connected), "\(clientEvents)")
        #expect(clientEvents.allSatisfy { $0.endpoint == endpoint }, "\(clientEvents)")

        let serverEvents = try events(of: serverMonitor, until: { $0 == .handshakeSucceeded })
        #expect(kinds(serverEvents).contains(.accepted), "\(serverEvents)")

        client.close()
        // Closing the socket detaches its monitor first: monitor stopped is there at once.
        let last = try clientMonitor.tryNext()
        #expect(last?.kind == .monitorStopped, "\(String(describing: last))")
        #expect(last?.endpoint == "")
        #expect(!clientMonitor.isRunning)
        #expect(try clientMonitor.next() == nil)
        #expect(try clientMonitor.tryNext() == nil)
        #expect(try clientMonitor.next(timeout: .seconds(1)) == nil)

        try events(of: serverMonitor, until: { if case .disconnected = $0 { true } else { false } })
    }

    @Test("a refused connection is retried after the reconnect interval")
    func refused() throws {
        let port = try UnlistenedPort()
        let context = try makeContext()
        let client = try PushSocket(context)
        try client.setOption(.reconnectInterval, .milliseconds(50))
        let monitor = try client.monitor([.connectRetried])
        try client.connect(port.endpoint)
        let seen = try events(of: monitor, until: { if case .connectRetried = $0 { true } else { false } })
        #expect(seen.count == 1, "only the events asked for: \(seen)")
        #expect(seen.last?.endpoint == port.endpoint)
        // libzmq 4.3 adds a random part of up to one interval to the first retry.
        guard case .connectRetried(let interval) = seen.last?.kind else { return }
        #expect(interval >= .milliseconds(50) && interval < .milliseconds(100), "\(interval)")
    }

    @Test("binding a port in use fails in bind itself, and reports bind failed too")
    func bindInUse() throws {
        let context = try makeContext()
        let first = try PullSocket(context)
        let endpoint = try first.bind("tcp://127.0.0.1:*")
        let second = try PullSocket(context)
        let monitor = try second.monitor()
        #expect(throws: ZMQError.addressInUse) { try second.bind(endpoint) }
        second.close()
        // Everything libzmq reported is in the queue by now, up to monitor stopped.
        let seen = try events(of: monitor, until: { $0 == .monitorStopped })
        // libzmq 4.3.4 closes the descriptor it opened, then reports the failure, with
        // the address without its "tcp://".
        #expect(kinds(seen) == [.closed, .bindFailed, .monitorStopped], "\(seen)")
        #expect(seen.dropFirst().first?.kind == .bindFailed(.addressInUse))
        #expect(seen.dropFirst().first?.endpoint == String(endpoint.dropFirst("tcp://".count)))
    }

    @Test("garbage from a plain TCP client fails the handshake with a protocol error")
    func protocolError() throws {
        let context = try makeContext()
        let server = try PullSocket(context)
        let monitor = try server.monitor(.handshakeFailed)
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let port = Int32(endpoint.split(separator: ":").last!)!
        let client = try TCPClient(port: Int(port))
        // A ZMTP 3 greeting (0xFF, eight bytes, 0x7F, version 3.0) whose security
        // mechanism is garbage, padded to 64 bytes.
        var garbage: [UInt8] = [0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 3, 0]
        garbage += Array("GARBAGE".utf8) + [UInt8](repeating: 0, count: 13)
        garbage += [UInt8](repeating: 0, count: 64 - garbage.count)
        try client.send(garbage)
        let seen = try events(of: monitor, until: { _ in true })
        let event = try #require(seen.last)
        guard case .handshakeFailedProtocol(let error) = event.kind else {
            Issue.record("not a protocol error: \(event)")
            return
        }
        #expect(error == .zmtpMechanismMismatch)
        #expect(error.description == "ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH")
        #expect(event.endpoint.hasPrefix("tcp://127.0.0.1:"))
    }

    @Test("decoding: every libzmq 4.3 event, and unknown numbers")
    func decoding() {
        #expect(MonitorEvent(event: 0x0001, value: 7, endpoint: "e").kind == .connected(descriptor: 7))
        #expect(
            MonitorEvent(event: 0x0004, value: 100, endpoint: "e").kind == .connectRetried(interval: .milliseconds(100))
        )
        #expect(
            MonitorEvent(event: 0x0010, value: UInt32(CZMQ_EADDRINUSE), endpoint: "e").kind
                == .bindFailed(.addressInUse))
        #expect(
            MonitorEvent(event: 0x4000, value: 400, endpoint: "e").kind == .handshakeFailedAuthentication(status: 400))
        #expect(
            MonitorEvent(event: 0x2000, value: 0x1100_0002, endpoint: "").kind
                == .handshakeFailedProtocol(.zmtpMechanismMismatch))
        #expect(MonitorEvent.ProtocolError(rawValue: 0x1234).description == "ZMQ protocol error 0x1234")
        let unknown = MonitorEvent(event: 0x8000, value: 9, endpoint: "x")
        #expect(unknown.kind == .unknown(event: 0x8000, value: 9))
        #expect(unknown.description == "unknown event 32768 (value 9) x")
        for bit in 0..<15 {
            let event = MonitorEvent(event: 1 << bit, value: 0, endpoint: "")
            if case .unknown = event.kind { Issue.record("bit \(bit) is a libzmq 4.3 event") }
            #expect(event.kind.filter.rawValue == 1 << bit)
        }
        #expect(MonitorEvents.all.rawValue == ZMQ_EVENT_ALL)
    }

    @Test("an event filter beyond ZMQ_EVENT_ALL is refused")
    func badFilter() throws {
        let context = try makeContext()
        let socket = try PairSocket(context)
        #expect(throws: ZMQError.invalidArgument) { _ = try socket.monitor(MonitorEvents(rawValue: 0x10000)) }
        socket.close()
        #expect(throws: ZMQError.notSocket) { _ = try socket.monitor() }
    }

    @Test("a second monitor replaces the first, which ends")
    func replaced() throws {
        let context = try makeContext()
        let socket = try PullSocket(context)
        let first = try socket.monitor()
        let second = try socket.monitor()
        #expect(try first.tryNext()?.kind == .monitorStopped)
        #expect(!first.isRunning)
        first.stop()  // does not detach the second
        _ = try socket.bind("tcp://127.0.0.1:*")
        try events(of: second, until: { if case .listening = $0 { true } else { false } })
    }

    // MARK: Ending in every order, never hanging

    /// Runs `body` on a thread and fails when it does not finish within 10 seconds.
    private func neverHangs(_ what: String, _ body: @escaping @Sendable () throws -> Void) {
        let failure = Locked<String?>(nil)
        let thread = TestThread {
            do { try body() } catch { failure.value = "\(error)" }
        }
        #expect(thread.join(timeout: .seconds(10)), "\(what) hung")
        #expect(failure.value == nil, "\(what): \(failure.value ?? "")")
    }

    /// A monitored client with a connected peer that has produced events, on a context
    /// of its own.
    private static func monitoredPair() throws -> (Context, PushSocket, PullSocket, Monitor) {
        let context = try makeContext()
        let server = try PullSocket(context)
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let client = try PushSocket(context)
        let monitor = try client.monitor()
        try client.connect(endpoint)
        try events(of: monitor, until: { $0 == .handshakeSucceeded })
        return (context, client, server, monitor)
    }

    @Test("stop, then close the socket")
    func stopThenClose() {
        neverHangs("stop then close") {
            let (context, client, server, monitor) = try Self.monitoredPair()
            monitor.stop()
            #expect(!monitor.isRunning)
            #expect(try monitor.next() == nil)
            client.close()
            server.close()
            context.close()
        }
    }

    @Test("close the socket, then stop")
    func closeThenStop() {
        neverHangs("close then stop") {
            let (context, client, server, monitor) = try Self.monitoredPair()
            client.close()
            server.close()  // its disconnect would be an event, were the monitor attached
            monitor.stop()
            #expect(try monitor.next() == nil)
            context.close()
        }
    }

    @Test("context.close() with the socket and its monitor open")
    func contextClose() {
        neverHangs("context.close") {
            let (context, client, server, monitor) = try Self.monitoredPair()
            context.close()
            #expect(client.isClosed && server.isClosed)
            // The close hook detached the monitor; its PAIR socket is closed, so it ended.
            #expect(try monitor.next() == nil)
            #expect(!monitor.isRunning)
            monitor.stop()
        }
    }

    @Test("release the socket and its monitor without a call, in either order")
    func release() {
        neverHangs("release") {
            // The pieces go out of scope in the order given; the context last, whose
            // zmq_ctx_term waits for every socket, and would hang on a stuck one.
            do {
                let (_, _, _, monitor) = try Self.monitoredPair()
                _ = consume monitor
            }
            do {
                let (context, client, server, monitor) = try Self.monitoredPair()
                _ = consume client
                _ = consume server
                _ = consume context
                _ = monitor
            }
        }
    }

    @Test("thousands of unread events neither block the socket nor stopping")
    func unreadEvents() {
        neverHangs("unread events") {
            let context = try makeContext()
            let socket = try PullSocket(context)
            let monitor = try socket.monitor([.listening, .closed])
            // Each bind and unbind is an event sent from this thread; with libzmq's
            // default high-water mark (1000 + 1000) the 2001st would block it forever.
            for _ in 0..<1500 {
                let endpoint = try socket.bind("tcp://127.0.0.1:*")
                try socket.unbind(endpoint)
            }
            #expect(try monitor.tryNext() != nil)
            monitor.stop()
            socket.close()
            context.close()
        }
    }

    @Test("a monitor moves to another thread, which reads while the socket works here")
    func otherThread() throws {
        let context = try makeContext()
        let server = try PullSocket.bounded(context)
        let monitor = try server.monitor([.accepted, .disconnected])
        let seen = Locked<[String]>([])
        // `monitor(_:)` returns a `sending` monitor: it can go where the socket does not.
        // A thread rather than a task: its reads block, and blocking calls in tasks can
        // starve the cooperative pool that the other tests run on.
        let reader = TestThread(moving: {
            do {
                while let event = try monitor.next(timeout: .seconds(5)) {
                    seen.withLock { $0.append(String(event.kind.description.prefix { $0 != " " })) }
                }
            } catch {
                Issue.record("\(error)")
            }
        })
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let client = try PushSocket.bounded(context)
        try client.connect(endpoint)
        try client.send("x")
        #expect(try server.receiveString() == "x")
        client.close()
        #expect(waitUntil(timeout: .seconds(10)) { seen.value.contains("disconnected") })
        server.close()  // the reader reads monitor stopped, then nil, and ends
        #expect(reader.join(timeout: .seconds(10)))
        #expect(seen.value == ["accepted", "disconnected", "monitor"], "\(seen.value)")
    }
}
