import Foundation
import Testing
import ZeroMQ

@Suite("Async sequences and the reactor")
struct AsyncSequenceTests {
    @Test("socket.messages yields every frame and ends when the socket is closed")
    func messagesEndOnClose() async throws {
        try await Task(executorPreference: Reactor.shared) {
            let context = try makeContext()
            let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
            let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
            try push.connect(try pull.bind(Transport.ipc.bindEndpoint()))
            for index in 0..<100 { try await push.send("\(index)") }
            try await push.send("stop")
            var received: [String] = []
            for try await message in pull.messages {
                if message.string == "stop" {
                    pull.close()  // the loop ends at its next step
                    continue
                }
                received.append(message.string)
            }
            #expect(received == (0..<100).map(String.init))
        }.value
    }

    @Test("socket.messages ends when the context is shut down while it waits")
    func messagesEndOnShutdown() async throws {
        let context = try makeContext()
        let entered = Counter()
        let loop = Task(executorPreference: Reactor.shared) {
            let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
            try pull.bind(Transport.inproc.bindEndpoint())
            entered.increment()
            var count = 0
            for try await _ in pull.messages { count += 1 }
            pull.close()
            return count
        }
        #expect(await eventually { entered.value == 1 })
        context.shutdown()
        #expect(try await loop.value == 0)
    }

    @Test("received messages go to other tasks while the loop goes on")
    func messagesAreSending() async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
        try push.connect(try pull.bind(Transport.inproc.bindEndpoint()))
        for index in 0..<10 { try await push.send("\(index)") }
        var tasks: [Task<Int, Never>] = []
        for try await message in pull.messages {
            tasks.append(Task.detached { Int(message.string) ?? -1 })
            if tasks.count == 10 { break }
        }
        var sum = 0
        for task in tasks { sum += await task.value }
        #expect(sum == 45)
    }

    @Test("router.multipartMessages: a server answering many clients from one loop")
    func multipartServer() async throws {
        let context = try makeContext()
        // An ipc endpoint known in advance: clients may connect before the server binds.
        let endpoint = Transport.ipc.bindEndpoint()
        let clients = 20
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask(executorPreference: Reactor.shared) {
                let router = try RouterSocket.bounded(context, timeout: asyncTestTimeout)
                try router.bind(endpoint)
                var served = 0
                for try await request in router.multipartMessages {
                    try await router.sendMultipart([request[0], Message("re: \(request[1].string)")])
                    served += 1
                    if served == clients { break }
                }
                return "server"
            }
            for index in 0..<clients {
                group.addTask(executorPreference: index % 2 == 0 ? Reactor.shared : nil) {
                    let dealer = try DealerSocket.bounded(context, timeout: asyncTestTimeout)
                    try dealer.connect(endpoint)
                    try await dealer.send("client \(index)")
                    let reply = try await dealer.receiveString()
                    #expect(reply == "re: client \(index)")
                    return reply
                }
            }
            var replies = 0
            for try await result in group where result != "server" { replies += 1 }
            #expect(replies == clients)
        }
    }

    @Test("a monitor's events as an AsyncSequence, ending with monitorStopped")
    func monitorEvents() async throws {
        let context = try makeContext()
        let server = try RepSocket.bounded(context, timeout: asyncTestTimeout)
        let monitor = try server.monitor([.listening, .accepted, .handshakeSucceeded])
        let endpoint = try server.bind(Transport.tcp.bindEndpoint())
        let client = try ReqSocket.bounded(context, timeout: asyncTestTimeout)
        try client.connect(endpoint)
        var kinds: [String] = []
        for try await event in monitor {
            switch event.kind {
            case .listening: kinds.append("listening")
            case .accepted: kinds.append("accepted")
            case .handshakeSucceeded:
                kinds.append("handshake")
                server.close()  // the monitor reads monitorStopped next, then ends
            case .monitorStopped: kinds.append("stopped")
            default: break
            }
        }
        #expect(kinds == ["listening", "accepted", "handshake", "stopped"])
        #expect(!monitor.isRunning)
        #expect(try await monitor.next() == nil)
    }

    @Test("monitor.next(timeout:) throws again when no event comes, and the monitor stays usable")
    func monitorTimeout() async throws {
        let context = try makeContext()
        let server = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let monitor = try server.monitor([.accepted])
        await #expect(throws: ZMQError.again) { _ = try await monitor.next(timeout: .milliseconds(20)) }
        let endpoint = try server.bind(Transport.tcp.bindEndpoint())
        let client = try PushSocket.bounded(context, timeout: asyncTestTimeout)
        try client.connect(endpoint)
        let event = try await monitor.next(timeout: asyncTestTimeout.duration)
        guard case .accepted = event?.kind else {
            Issue.record("expected accepted, got \(String(describing: event))")
            return
        }
    }

    @Test("a task that prefers the reactor runs on its thread, and so does an actor on its serial executor")
    func reactorExecutor() async throws {
        let onReactor = await Task(executorPreference: Reactor.shared) { Reactor.shared.isCurrentThread }.value
        #expect(onReactor)
        let elsewhere = await Task.detached { Reactor.shared.isCurrentThread }.value
        #expect(!elsewhere)
        #expect(await ReactorActor().isOnReactor())
    }
}

/// An actor whose code runs on the reactor thread.
actor ReactorActor {
    nonisolated var unownedExecutor: UnownedSerialExecutor {
        Reactor.shared.serialExecutor.asUnownedSerialExecutor()
    }

    func isOnReactor() -> Bool {
        assumeIsolated()
        return Reactor.shared.isCurrentThread
    }

    private func assumeIsolated() {
        // Traps unless the runtime agrees this is the actor's executor (checkIsolated).
        self.preconditionIsolated()
    }
}

/// A broker that forwards between a ROUTER and a DEALER: one actor owns both sockets,
/// and one loop per socket runs on it, each waiting on its own socket. This is what a
/// poller loop over two sockets is in async code.
actor Broker {
    let frontend: RouterSocket
    let backend: DealerSocket

    init(frontend: sending RouterSocket, backend: sending DealerSocket) {
        self.frontend = frontend
        self.backend = backend
    }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Child tasks of an actor method: they run on the actor, so they may use its
            // sockets, and they wait on them concurrently.
            group.addTask { try await self.forwardRequests() }
            group.addTask { try await self.forwardReplies() }
            try await group.waitForAll()
        }
    }

    private func forwardRequests() async throws {
        for try await request in frontend.multipartMessages {
            try await backend.sendMultipart(request)
        }
    }

    private func forwardReplies() async throws {
        for try await reply in backend.multipartMessages {
            try await frontend.sendMultipart(reply)
        }
    }

    func stop() {
        frontend.close()
        backend.close()
    }
}

@Suite("Async: several sockets in one actor")
struct AsyncBrokerTests {
    @Test("an actor forwards between a ROUTER and a DEALER, one loop per socket")
    func broker() async throws {
        let context = try makeContext()
        let frontendEndpoint = Transport.ipc.bindEndpoint()
        let backendEndpoint = Transport.ipc.bindEndpoint()
        let frontend = try RouterSocket.bounded(context, timeout: asyncTestTimeout)
        try frontend.bind(frontendEndpoint)
        let backend = try DealerSocket.bounded(context, timeout: asyncTestTimeout)
        try backend.bind(backendEndpoint)
        let broker = Broker(frontend: frontend, backend: backend)
        let running = Task(executorPreference: Reactor.shared) { try await broker.run() }

        let requests = 30
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Two REP workers.
            for _ in 0..<2 {
                group.addTask(executorPreference: Reactor.shared) {
                    let worker = try RepSocket.bounded(context, timeout: asyncTestTimeout)
                    try worker.connect(backendEndpoint)
                    for try await request in worker.messages {
                        try await worker.send("done: \(request.string)")
                    }
                }
            }
            // REQ clients, each a task of its own.
            var clients: [Task<Void, any Error>] = []
            for index in 0..<requests {
                clients.append(
                    Task(executorPreference: index % 2 == 0 ? Reactor.shared : nil) {
                        let client = try ReqSocket.bounded(context, timeout: asyncTestTimeout)
                        try client.connect(frontendEndpoint)
                        try await client.send("job \(index)")
                        #expect(try await client.receiveString() == "done: job \(index)")
                        client.close()
                    })
            }
            for client in clients { try await client.value }
            // Ends the workers' loops (and the broker's, with `stop`).
            await broker.stop()
            context.shutdown()
            try await group.waitForAll()
        }
        try await running.value
    }
}

@Suite("Async: the reactor is never blocked by the library")
struct ReactorBlockingTests {
    @Test("a context released on the reactor terminates elsewhere, not stalling it for the linger")
    func contextReleasedOnReactor() async throws {
        let port = try UnlistenedPort()
        try await Task(executorPreference: Reactor.shared) {
            let start = ContinuousClock.now
            do {
                // The only reference to the context, released at the end of this scope,
                // on the reactor, with a message that waits for its 2 s linger.
                let context = try Context(defaultLinger: .seconds(2))
                let push = try PushSocket(context)
                try push.connect("tcp://127.0.0.1:\(port.port)")
                #expect(try push.trySend("never delivered"))
                push.close()
            }
            #expect(ContinuousClock.now - start < .seconds(1))
        }.value
    }
}
