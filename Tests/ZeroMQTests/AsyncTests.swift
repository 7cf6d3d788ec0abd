import Foundation
import Testing
import ZeroMQ

/// An actor that owns a socket, so that several tasks can await it at once (each call
/// runs on the actor; while one waits, another can start).
actor SocketActor<Kind: SocketTypeProtocol> {
    let socket: Socket<Kind>

    init(_ socket: sending Socket<Kind>) {
        self.socket = socket
    }
}

extension SocketActor where Kind: ReceivingSocketType {
    func receiveString() async throws -> String {
        try await socket.receiveString()
    }

    /// Counts the call on the actor, then receives: once `counter` shows it, the call
    /// has its place in the socket's queue.
    func receiveString(counting counter: Counter) async throws -> String {
        counter.increment()
        return try await socket.receiveString()
    }
}

extension SocketActor where Kind: SendingSocketType {
    func send(_ string: String, timeout: Duration? = nil) async throws {
        try await socket.send(string, timeout: timeout)
    }

    /// Queues messages of `size` bytes without waiting until the socket refuses one;
    /// returns how many.
    func fill(size: Int = 6) throws -> Int {
        let filler = [UInt8](repeating: 0x66, count: size)
        var count = 0
        while try socket.trySend(filler) { count += 1 }
        return count
    }
}

extension SocketActor {
    func close() { socket.close() }
}

/// The receive and send timeout of the async tests' sockets: long, because the two
/// threads of the cooperative pool are often blocked for seconds by the synchronous
/// tests of other suites (which wait on sockets), and a task resumed off the reactor
/// waits for one of them; under ThreadSanitizer, for more than 30 s. Every wait is
/// still bounded, and none of these limits is reached when the code works.
let asyncTestTimeout = Timeout.seconds(120)

/// The same limit, for the async operations, which take a `Duration`.
let asyncTestDuration = Duration.seconds(120)

/// Whether `error` is a `ZMQError` equal to `expected`.
func isZMQError(_ error: any Error, _ expected: ZMQError) -> Bool {
    (error as? ZMQError) == expected
}

@Suite("Async send and receive")
struct AsyncTests {
    @Test("queued messages, then as many awaits: all resolve", arguments: Transport.allCases)
    func queuedThenAwaited(transport: Transport) async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
        try push.connect(try pull.bind(transport.bindEndpoint()))
        for index in 0..<1000 { try await push.send("\(index)") }
        for index in 0..<1000 {
            #expect(try await pull.receiveString() == "\(index)")
        }
    }

    @Test("an await that waits resumes when a message arrives", arguments: Transport.allCases)
    func awaitThenSend(transport: Transport) async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let endpoint = try pull.bind(transport.bindEndpoint())
        let sender = TestThread {
            do {
                let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
                try push.connect(endpoint)
                for index in 0..<200 {
                    try push.send("\(index)")
                    // Pauses, so that the receiver catches up and waits.
                    if index % 10 == 0 { usleep(200) }
                }
                // The context's sockets do not linger: this one must, or closing it
                // drops what its I/O thread has not written yet (tcp, ipc).
                push.close(linger: .seconds(10))
            } catch {
                Issue.record(error)
            }
        }
        for index in 0..<200 {
            #expect(try await pull.receiveString() == "\(index)")
        }
        #expect(await sender.joined(timeout: .seconds(5)))
    }

    @Test("every receive form and every send form", arguments: [true, false])
    func everyForm(onReactor: Bool) async throws {
        let context = try makeContext()
        let pair = try PairSocket.bounded(context, timeout: asyncTestTimeout)
        let peer = try PairSocket.bounded(context, timeout: asyncTestTimeout)
        try peer.connect(try pair.bind(Transport.tcp.bindEndpoint()))
        try await Task(executorPreference: onReactor ? Reactor.shared : nil) {
            try await peer.send(Message("message"))
            try await peer.send([UInt8]([1, 2, 3]))
            try await peer.send("string")
            try await peer.send("into")
            try await peer.sendMultipart([Message("a"), Message("b")])
            try await peer.sendMultipart(["c", "d"])
            try await peer.sendMultipart([[UInt8]([9]), [8]])
            let id: [UInt8] = [0, 255]
            try await peer.sendMultipart([id, "mixed"] as [any MessagePart])
            try await peer.send("first", more: true)
            try await peer.send("second")

            #expect(try await pair.receive().string == "message")
            #expect(try await pair.receiveBytes() == [1, 2, 3])
            #expect(try await pair.receiveString() == "string")
            var reused = Message()
            try await pair.receive(into: &reused)
            #expect(reused.string == "into")
            #expect(try await pair.receiveMultipart().map(\.string) == ["a", "b"])
            #expect(try await pair.receiveMultipart().map(\.string) == ["c", "d"])
            #expect(try await pair.receiveMultipart().map(\.bytesArray) == [[9], [8]])
            #expect(try await pair.receiveMultipart().map(\.bytesArray) == [[0, 255], Array("mixed".utf8)])
            #expect(try await pair.receiveMultipart().map(\.string) == ["first", "second"])
        }.value
    }

    @Test("request and reply, both async, on the reactor and off it", arguments: [true, false])
    func pingPong(onReactor: Bool) async throws {
        let context = try makeContext()
        let endpoint = Transport.inproc.bindEndpoint()
        let rep = try RepSocket.bounded(context, timeout: asyncTestTimeout)
        try rep.bind(endpoint)
        let req = try ReqSocket.bounded(context, timeout: asyncTestTimeout)
        try req.connect(endpoint)
        let reactor: Reactor? = onReactor ? Reactor.shared : nil
        let server = Task(executorPreference: reactor) {
            for _ in 0..<500 {
                let request = try await rep.receiveString()
                try await rep.send("re: \(request)")
            }
        }
        let client = Task(executorPreference: reactor) {
            for index in 0..<500 {
                try await req.send("\(index)")
                #expect(try await req.receiveString() == "re: \(index)")
            }
        }
        try await client.value
        try await server.value
    }

    @Test("a socket whose kind is chosen at run time awaits the same way")
    func dynamicSocket() async throws {
        let context = try makeContext()
        let pull = try DynamicSocket(context, kind: SocketKind(name: "PULL"))
        try pull.setOption(.receiveTimeout, asyncTestTimeout)
        let push = try DynamicSocket(context, kind: .push)
        try push.connect(try pull.bind(Transport.ipc.bindEndpoint()))
        let sender = TestThread(moving: {
            for index in 0..<50 { _ = try? push.send("\(index)") }
            push.close(linger: .seconds(10))  // see awaitThenSend
        })
        for index in 0..<50 {
            #expect(try await pull.receiveString() == "\(index)")
        }
        #expect(await sender.joined(timeout: .seconds(5)))
    }

    // MARK: Timeouts

    @Test("a receive with a timeout returns nil when it passes")
    func receiveTimeout() async throws {
        // On the reactor: how soon the wait ends must not depend on the pool's threads.
        try await Task(executorPreference: Reactor.shared) {
            let context = try makeContext()
            let pull = try PullSocket(context)
            try pull.bind(Transport.inproc.bindEndpoint())
            let start = ContinuousClock.now
            #expect(try await pull.receive(timeout: .milliseconds(50)) == nil)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(50))
            #expect(elapsed < .seconds(3))
        }.value
    }

    @Test("without a timeout, a receive honours ZMQ_RCVTIMEO; .zero does not wait; a timeout ignores it")
    func receiveTimeoutOption() async throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        try pull.setOption(.receiveTimeout, .milliseconds(30))
        try pull.bind(Transport.inproc.bindEndpoint())
        let start = ContinuousClock.now
        let error = await #expect(throws: ZMQError.again) { _ = try await pull.receiveString() }
        #expect(ContinuousClock.now - start >= .milliseconds(30))
        #expect(error?.description.contains("ZMQ_RCVTIMEO") == true)
        #expect(try await pull.receiveString(timeout: .zero) == nil)

        // A timeout of its own waits past ZMQ_RCVTIMEO, until the message comes.
        let endpoint = try pull.option(.lastEndpoint)
        let sender = TestThread {
            do {
                let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
                try push.connect(endpoint)
                usleep(100_000)  // longer than ZMQ_RCVTIMEO: the receive must still wait
                try push.send("late")
            } catch {
                Issue.record(error)
            }
        }
        #expect(try await pull.receiveString(timeout: asyncTestDuration) == "late")
        #expect(await sender.joined(timeout: .seconds(5)))
    }

    @Test(
        "a send waits while the high-water mark is reached, and resumes when the peer drains",
        arguments: [Transport.inproc, .tcp])
    func sendWaitsOnHighWaterMark(transport: Transport) async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        try pull.setOption(.receiveHighWaterMark, 5)
        let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
        try push.setOption(.sendHighWaterMark, 5)
        try push.connect(try pull.bind(transport.bindEndpoint()))
        // Wait until the connection is up, so that the fill below meets the real limit.
        try await push.send("hello")
        #expect(try await pull.receiveString() == "hello")
        let owner = SocketActor(push)
        // Large messages, so that the kernel's buffers fill too (tcp).
        let size = 64 * 1024
        var filled = try await owner.fill(size: size)
        // tcp: the kernel's buffers take more once libzmq's I/O thread has written the
        // first batch into them; fill until the queue stays full for 20 ms.
        let deadline = ContinuousClock.now + .seconds(20)
        while transport == .tcp {
            try await Task.sleep(for: .milliseconds(20))
            let more = try await owner.fill(size: size)
            if more == 0 { break }
            filled += more
            #expect(ContinuousClock.now < deadline, "the queue never filled")
            if ContinuousClock.now >= deadline { return }
        }
        let sending = Task { try await owner.send("last", timeout: asyncTestDuration) }
        var received = 0
        while true {
            let message = try await pull.receive()
            if message.string == "last" { break }
            #expect(message.count == size)
            received += 1
        }
        try await sending.value
        #expect(received == filled)
    }

    @Test("a send times out on a full queue, and nothing of it is sent")
    func sendTimeout() async throws {
        let context = try makeContext()
        let push = try PushSocket(context)  // no peer: nothing can be queued
        try push.bind(Transport.inproc.bindEndpoint())
        await #expect(throws: ZMQError.again) {
            try await push.send("nowhere", timeout: .milliseconds(20))
        }
        await #expect(throws: ZMQError.again) {
            try await push.sendMultipart(["a", "b"], timeout: .milliseconds(20))
        }
    }

    // MARK: Several waits on one socket

    @Test("a send waits beside a receive on one DEALER socket; both complete")
    func sendBesideReceive() async throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context, timeout: asyncTestTimeout)
        let dealer = try DealerSocket.bounded(context, timeout: asyncTestTimeout)
        try dealer.setOption(.sendHighWaterMark, 2)
        try dealer.setOption(.routingID, Array("dealer".utf8))
        try router.setOption(.receiveHighWaterMark, 2)
        try dealer.connect(try router.bind(Transport.inproc.bindEndpoint()))
        let owner = SocketActor(dealer)
        // The ROUTER reads nothing yet: the dealer's queue fills.
        let filled = try await owner.fill()
        #expect(filled > 0)
        let sending = Task { try await owner.send("late") }
        let receiving = Task { try await owner.receiveString() }
        // Now the ROUTER answers, then drains.
        try await router.sendMultipart(["dealer", "answer"])
        #expect(try await receiving.value == "answer")
        var drained = 0
        while true {
            let parts = try await router.receiveMultipart()
            if parts[1].string == "late" { break }
            drained += 1
        }
        try await sending.value
        #expect(drained == filled)
    }

    @Test("tasks that wait on one socket are served in the order they started")
    func servedInOrder() async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
        try push.connect(try pull.bind(Transport.inproc.bindEndpoint()))
        let owner = SocketActor(pull)
        let entered = Counter()
        var tasks: [Task<String, any Error>] = []
        for _ in 0..<5 {
            // Each task starts waiting before the next is created: on the actor, the call
            // runs from the counter to its place in the queue without suspending.
            tasks.append(Task { try await owner.receiveString(counting: entered) })
            #expect(await eventually { entered.value == tasks.count })
        }
        for index in 0..<5 { try await push.send("\(index)") }
        for (index, task) in tasks.enumerated() {
            #expect(try await task.value == "\(index)")
        }
    }

    @Test("synchronous operations beside a waiting receive do not lose its wake-up", arguments: [true, false])
    func synchronousOperationsBesideAWait(onReactor: Bool) async throws {
        let context = try makeContext()
        let pair = try PairSocket.bounded(context, timeout: asyncTestTimeout)
        let echo = try PairSocket.bounded(context, timeout: asyncTestTimeout)
        try echo.connect(try pair.bind(Transport.tcp.bindEndpoint()))
        let count = 2000
        let echoing = TestThread(moving: {
            for _ in 0..<count {
                guard let message = try? echo.receive() else { return }
                _ = try? echo.send(message)
            }
            echo.close(linger: .seconds(10))  // see awaitThenSend
        })
        let owner = SocketActor(pair)
        let receiver = Task(executorPreference: onReactor ? Reactor.shared : nil) {
            var received = 0
            while received < count {
                _ = try await owner.receiveString()
                received += 1
            }
            return received
        }
        // Synchronous (non-blocking) sends from the actor while the receiver waits on
        // it: each one processes libzmq's commands, which may consume the edge the
        // receiver needs. Never a blocking send: on the actor, it could run on the
        // reactor thread (the receiver prefers it) and stall every wait of the process.
        var index = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while index < count && ContinuousClock.now < deadline {
            if try await owner.trySendSynchronously("\(index)") {
                index += 1
            } else {
                await Task.yield()
            }
        }
        #expect(try await receiver.value == count)
        #expect(await echoing.joined(timeout: .seconds(10)))
    }

    // MARK: Closing and shutting down

    @Test("closing the socket ends a waiting receive with notSocket")
    func closeEndsWait() async throws {
        // On the reactor: how soon the wait ends must not depend on the pool's threads.
        try await Task(executorPreference: Reactor.shared) {
            let context = try makeContext()
            let pull = try PullSocket(context)
            try pull.bind(Transport.inproc.bindEndpoint())
            let owner = SocketActor(pull)
            let entered = Counter()
            let waiting = Task(executorPreference: Reactor.shared) {
                try await owner.receiveString(counting: entered)
            }
            #expect(await eventually { entered.value == 1 })
            await owner.close()
            let start = ContinuousClock.now
            await #expect(throws: ZMQError.notSocket) { _ = try await waiting.value }
            #expect(ContinuousClock.now - start < .seconds(2))
        }.value
    }

    @Test("shutting down the context ends every waiting receive and send with contextTerminated")
    func shutdownEndsWaits() async throws {
        let context = try makeContext()
        let waits = Counter()
        await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask(executorPreference: index % 2 == 0 ? Reactor.shared : nil) {
                    let pull = try PullSocket(context)
                    try pull.bind(Transport.inproc.bindEndpoint())
                    let push = try PushSocket(context)
                    try push.bind(Transport.inproc.bindEndpoint())
                    waits.increment()
                    do {
                        if index % 4 < 2 {
                            _ = try await pull.receive()
                        } else {
                            try await push.send("nowhere")
                        }
                        Issue.record("a wait ended without an error")
                    } catch {
                        #expect(isZMQError(error, .contextTerminated), "\(error)")
                    }
                    pull.close()
                    push.close()
                }
            }
            #expect(await eventually { waits.value == 20 })
            context.shutdown()
            do {
                try await group.waitForAll()
            } catch {
                #expect(isZMQError(error, .contextTerminated), "\(error)")
            }
            while let result = await group.nextResult() {
                if case .failure(let error) = result {
                    #expect(isZMQError(error, .contextTerminated), "\(error)")
                }
            }
        }
    }

    @Test("closing the context ends a waiting receive")
    func contextCloseEndsWait() async throws {
        let context = try makeContext()
        let started = Counter()
        let waiting = Task(executorPreference: Reactor.shared) {
            let pull = try PullSocket(context)
            try pull.bind(Transport.inproc.bindEndpoint())
            started.increment()
            _ = try await pull.receive()
        }
        #expect(await eventually { started.value == 1 })
        // Closed from the reactor, where the waiting task runs: it is parked, never
        // inside a call on its socket, which closing must not race.
        await Task(executorPreference: Reactor.shared) { context.close() }.value
        do {
            try await waiting.value
            Issue.record("the wait ended without an error")
        } catch {
            #expect(isZMQError(error, .notSocket) || isZMQError(error, .contextTerminated), "\(error)")
        }
    }

    // MARK: Many sockets

    @Test("500 sockets awaited at once by one task group, on the reactor")
    func manySockets() async throws {
        let context = try makeContext()
        let count = 500
        let endpoints = (0..<count).map { _ in Transport.inproc.bindEndpoint() }
        let ready = Counter()
        let received = Counter()
        let allSent = Counter()
        try await withThrowingTaskGroup(of: String.self) { group in
            for endpoint in endpoints {
                group.addTask(executorPreference: Reactor.shared) {
                    let pull = try PullSocket(context)
                    try pull.bind(endpoint)
                    ready.increment()
                    do {
                        // No limit of its own: the limit starts when the messages have
                        // been sent (below), not when this task parks. The test's own
                        // task, which sends them, runs on the cooperative pool, which the
                        // synchronous tests of other suites can hold for a minute under
                        // load: a 60 s receive timeout here expired before the sends.
                        let message = try await pull.receiveString()
                        received.increment()
                        // Keep the socket open until every message is sent: closing it
                        // terminates its pipe, and when the PUSH processes that, its
                        // load balancer moves its last pipe into the freed place, behind
                        // its round-robin position. It then reaches a pipe it already
                        // served, whose socket has not closed yet, before the moved one:
                        // one socket gets two messages (the second dies with it), and
                        // another none. That was this test's rare failure (5 or 88
                        // sockets with nothing, in 2 of 42 runs of the async suites).
                        _ = await eventually(timeout: .seconds(120)) { allSent.value > 0 }
                        return message
                    } catch is CancellationError {
                        // Which failure it was: a wake-up lost (the message is there) or
                        // a message that never came.
                        let late = try pull.tryReceiveString()
                        let events = try pull.option(.events)
                        return "\(endpoint) had nothing 60 s after the sends; afterwards: message \(late ?? "none"), "
                            + "ZMQ_EVENTS \(events)"
                    }
                }
            }
            #expect(await eventually { ready.value == count })
            let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
            for endpoint in endpoints {
                try push.connect(endpoint)
            }
            // Each connect attaches one pipe to the PUSH at once (inproc, to a bound
            // socket), and PUSH round-robins over its pipes: one message each.
            for index in 0..<count { try await push.send("\(index)") }
            allSent.increment()
            // The receives run on the reactor: a busy cooperative pool delays only this
            // check, and the last one it makes, at or after the limit, sees them all.
            if !(await eventually(timeout: .seconds(60)) { received.value == count }) {
                group.cancelAll()
            }
            var results: [String] = []
            for try await result in group {
                results.append(result)
            }
            let expected = (0..<count).map { "\($0)" }
            #expect(results.sorted() == expected.sorted(), "\(results.filter { Int($0) == nil })")
        }
    }
}

extension SocketActor where Kind == SocketType.Pair {
    /// A synchronous, non-blocking send, made on the actor while other calls of it may
    /// be waiting.
    func trySendSynchronously(_ string: String) throws -> Bool {
        try socket.trySend(string)
    }
}

extension Message {
    var bytesArray: [UInt8] { withUnsafeBytes { Array($0) } }
}
