// Ending what runs on threads of the library's own: a context closed by two threads at
// once, and proxies and authenticators released, stopped or steered from the reactor.
import Foundation
import Testing
import ZeroMQ

// MARK: - Helpers

/// A streamer whose capture socket is a PUSH without a peer, with `hold` as its send
/// timeout: every command the proxy receives is copied to the capture socket (libzmq
/// 4.3.4 does that), so the first one holds the proxy's thread in that blocking send
/// for `hold`, after which the proxy ends with `EAGAIN`. A slow capture peer does the
/// same in real programs.
private func proxyWithStuckCapture(_ context: Context, hold: Timeout) throws -> Proxy {
    let frontend = try PullSocket(context)
    try frontend.bind(Transport.inproc.bindEndpoint())
    let backend = try PushSocket(context)
    try backend.bind(Transport.inproc.bindEndpoint())
    let capture = try PushSocket(context)
    try capture.setOption(.sendTimeout, hold)
    try capture.bind(Transport.inproc.bindEndpoint())
    return try Proxy.start(from: frontend, to: backend, capture: capture)
}

/// Makes `proxy` stuck in its capture send (see ``proxyWithStuckCapture(_:hold:)``), and
/// checks that it is: it does not answer within 200 ms. On the reactor, which the other
/// suites' synchronous tests cannot hold up as they can the pool's threads.
private func holdProxy(_ proxy: Proxy) async {
    let error = await Task(executorPreference: Reactor.shared) {
        await #expect(throws: ZMQError.again) { try await proxy.statistics(timeout: .milliseconds(200)) }
    }.value
    #expect(error?.description.contains("did not answer") == true, "\(String(describing: error))")
}

/// Closes `context` on a thread of its own, which waits for the proxies and
/// authenticators that still end, and awaits that without blocking a thread of the pool.
private func close(_ context: Context) async {
    let closing = TestThread { context.close() }
    #expect(await closing.joined(timeout: .seconds(10)), "context.close() hung")
}

/// An authenticator whose handler takes `hold` to answer, a PLAIN server in `context` and
/// a client whose handshake is now inside the handler. Returns once the handler runs.
private func authenticatorInHandler(
    _ context: Context, hold: Duration, clientContext: Context
) async throws -> (Authenticator, RepSocket, ReqSocket) {
    let entered = Counter()
    let authenticator = try Authenticator.start(
        in: context,
        policy: ZAPPolicy(handler: { _ in
            entered.increment()
            // A slow handler (a lookup in a remote directory, say): it blocks the
            // authenticator's thread for `hold`.
            // (The handler is async and runs on that thread as a task: usleep, not
            // Thread.sleep, which async code may not call, is what blocks there.)
            usleep(UInt32(hold.components.seconds * 1_000_000 + hold.components.attoseconds / 1_000_000_000_000))
            return .allow()
        }))
    let server = try RepSocket.bounded(context)
    try server.setOption(.plainServer, true)
    let endpoint = try server.bind("tcp://127.0.0.1:*")
    let client = try ReqSocket.bounded(clientContext)
    try client.setOption(.plainUsername, "user")
    try client.setOption(.plainPassword, "password")
    try client.connect(endpoint)
    #expect(await eventually(timeout: .seconds(10)) { entered.value > 0 }, "the handshake never reached the handler")
    return (authenticator, server, client)
}

/// Runs `action` in a task on the reactor while another task on the reactor awaits a
/// receive (2 s timeout) that a message sent 50 ms later satisfies; returns how long
/// that await took. The await's task starts first, so it is parked when `action` runs.
private func awaitTime(
    _ context: Context, during action: @escaping @Sendable () async -> Void
) async throws -> Duration {
    let pull = try PullSocket(context)
    let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
    let push = try PushSocket(context)
    try push.connect(endpoint)
    let waiter = Task(executorPreference: Reactor.shared) {
        let start = ContinuousClock.now
        _ = try await pull.receive(timeout: .seconds(2))
        return ContinuousClock.now - start
    }
    let acting = Task(executorPreference: Reactor.shared) { await action() }
    let sender = TestThread(moving: {
        usleep(50_000)
        _ = try? push.send("ping")
    })
    let elapsed = try await waiter.value
    await acting.value
    #expect(await sender.joined(timeout: .seconds(10)))
    return elapsed
}

/// Whether an await took no longer than a prompt wake-up does on a busy machine; the
/// stalls these tests look for last over a second.
private func isPrompt(_ elapsed: Duration) -> Bool {
    elapsed < .milliseconds(700)
}

// MARK: - Tests

@Suite("Teardown: concurrent close, and nothing blocks the reactor", .serialized)
struct TeardownTests {
    @Test("two close() at once: neither returns before the proxy and the authenticator have stopped")
    func concurrentClose() async throws {
        let context = try makeContext()
        let clientContext = try makeContext()
        let frontend = try PullSocket(context)
        let input = try frontend.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        let output = try backend.bind(Transport.inproc.bindEndpoint())
        let proxy = try Proxy.start(from: frontend, to: backend)
        let producer = try PushSocket.bounded(context)
        try producer.connect(input)
        let consumer = try PullSocket.bounded(context)
        try consumer.connect(output)
        try await producer.send("through the proxy")
        #expect(try await consumer.receiveString(timeout: .seconds(5)) == "through the proxy")
        // The authenticator's close hook waits for its thread, which is inside a handler
        // for a second and a half: the first close() is inside that hook meanwhile.
        let (authenticator, _, _) = try await authenticatorInHandler(
            context, hold: .milliseconds(1500), clientContext: clientContext)

        let ready = Counter()
        let seen = Locked<[String]>([])
        let closers = (0..<2).map { index in
            TestThread {
                ready.increment()
                while ready.value < 2 {}  // both call close() at once
                context.close()
                // Whatever this close() did, the context is closed when it returns: the
                // threads that used its sockets have stopped.
                seen.withLock {
                    $0.append(
                        "closer \(index): proxy running \(proxy.isRunning), authenticator running \(authenticator.isRunning)"
                    )
                }
            }
        }
        for closer in closers {
            #expect(await closer.joined(timeout: .seconds(20)), "context.close() hung")
        }
        #expect(
            seen.value.sorted() == [
                "closer 0: proxy running false, authenticator running false",
                "closer 1: proxy running false, authenticator running false",
            ])
        await close(clientContext)
    }

    @Test("releasing a stuck proxy on the reactor does not stall the other awaits")
    func releaseProxyOnReactor() async throws {
        let context = try makeContext()
        let held = Locked<Proxy?>(try proxyWithStuckCapture(context, hold: .milliseconds(1500)))
        await holdProxy(held.value!)
        let elapsed = try await awaitTime(context) {
            held.value = nil  // Proxy.deinit, on the reactor
        }
        #expect(isPrompt(elapsed), "an await on the reactor took \(elapsed)")
        await close(context)
    }

    @Test("stopping a stuck proxy on the reactor does not stall the other awaits")
    func stopProxyOnReactor() async throws {
        let context = try makeContext()
        let proxy = try proxyWithStuckCapture(context, hold: .milliseconds(1500))
        await holdProxy(proxy)
        let elapsed = try await awaitTime(context) {
            await proxy.stop()  // waits for the proxy without blocking the reactor
            #expect(!proxy.isRunning)
        }
        #expect(isPrompt(elapsed), "an await on the reactor took \(elapsed)")
    }

    @Test("asking a stuck proxy for statistics on the reactor does not stall the other awaits")
    func statisticsOnReactor() async throws {
        let context = try makeContext()
        let proxy = try proxyWithStuckCapture(context, hold: .milliseconds(1500))
        await holdProxy(proxy)
        let elapsed = try await awaitTime(context) {
            // The proxy never answers: it ends with EAGAIN when its capture send gives up,
            // and its thread's last message wakes this wait.
            let error = await #expect(throws: ZMQError.again) { try await proxy.statistics(timeout: .seconds(3)) }
            #expect(error?.description.contains("the proxy ended") == true)
        }
        #expect(isPrompt(elapsed), "an await on the reactor took \(elapsed)")
        await proxy.stop()
    }

    @Test("releasing an authenticator inside a slow handler on the reactor does not stall the other awaits")
    func releaseAuthenticatorOnReactor() async throws {
        let context = try makeContext()
        let clientContext = try makeContext()
        let (authenticator, server, client) = try await authenticatorInHandler(
            context, hold: .milliseconds(1500), clientContext: clientContext)
        let held = Locked<Authenticator?>(authenticator)
        _ = consume authenticator
        let elapsed = try await awaitTime(context) {
            held.value = nil  // Authenticator.deinit, on the reactor
        }
        #expect(isPrompt(elapsed), "an await on the reactor took \(elapsed)")
        server.close()
        client.close()
        await close(context)
        await close(clientContext)
    }

    @Test("stopping an authenticator inside a slow handler on the reactor does not stall the other awaits")
    func stopAuthenticatorOnReactor() async throws {
        let context = try makeContext()
        let clientContext = try makeContext()
        let (authenticator, server, client) = try await authenticatorInHandler(
            context, hold: .milliseconds(1500), clientContext: clientContext)
        let elapsed = try await awaitTime(context) {
            await authenticator.stop()  // waits for the handler without blocking the reactor
            #expect(!authenticator.isRunning)
        }
        #expect(isPrompt(elapsed), "an await on the reactor took \(elapsed)")
        server.close()
        client.close()
        await close(context)
        await close(clientContext)
    }
}

// MARK: - Closing from the threads a close waits for

@Suite("Teardown: closing and terminating from where a close waits")
struct ReentrantCloseTests {
    @Test("a ZAP handler that closes the context another thread is closing returns, and both closes end")
    func handlerClosesWhileClosing() async throws {
        let context = try makeContext()
        let clientContext = try makeContext()
        let closing = Counter()
        let handlerReturned = Counter()
        let authenticator = try Authenticator.start(
            in: context,
            policy: ZAPPolicy(handler: { _ in
                closing.increment()
                // The other close() is under way: it waits for this thread, which
                // closes the context too.
                _ = waitUntil { context.isClosed }
                context.close()
                handlerReturned.increment()
                return .deny()
            }))
        let server = try RepSocket.bounded(context)
        try server.setOption(.plainServer, true)
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let client = try ReqSocket.bounded(clientContext)
        try client.setOption(.plainUsername, "user")
        try client.setOption(.plainPassword, "password")
        try client.connect(endpoint)
        #expect(await eventually(timeout: .seconds(10)) { closing.value > 0 })
        let closer = TestThread { context.close() }
        #expect(await closer.joined(timeout: .seconds(10)), "context.close() and the handler's close() deadlocked")
        #expect(handlerReturned.value == 1)
        #expect(!authenticator.isRunning)
        await authenticator.stop()
        await close(clientContext)
    }

    @Test("a ZAP handler that closes its own context returns, and the context ends")
    func handlerClosesItsContext() async throws {
        let context = try makeContext()
        let clientContext = try makeContext()
        let handlerReturned = Counter()
        let authenticator = try Authenticator.start(
            in: context,
            policy: ZAPPolicy(handler: { _ in
                context.close()  // the first close: its own close hook cannot wait for it
                handlerReturned.increment()
                return .deny()
            }))
        let server = try RepSocket.bounded(context)
        try server.setOption(.plainServer, true)
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let client = try ReqSocket.bounded(clientContext)
        try client.setOption(.plainUsername, "user")
        try client.setOption(.plainPassword, "password")
        try client.connect(endpoint)
        #expect(await eventually(timeout: .seconds(10)) { handlerReturned.value > 0 })
        #expect(await eventually(timeout: .seconds(10)) { !authenticator.isRunning })
        #expect(server.isClosed)
        // The context is closed: another close returns at once.
        await close(context)
        await authenticator.stop()
        await close(clientContext)
    }

    @Test("nothing of the library's own starts in a context that is shut down")
    func startAfterShutdown() throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        try frontend.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        try backend.bind(Transport.inproc.bindEndpoint())
        context.shutdown()
        // The control pair is in a context of the library's own: the close hook refuses.
        do {
            _ = try Proxy.start(from: frontend, to: backend)
            Issue.record("a proxy started in a context that is shut down")
        } catch {
            #expect(error == .contextTerminated && error.description.contains("start proxy"), "\(error)")
        }
        #expect(throws: ZMQError.contextTerminated) { try Authenticator.start(in: context) }
        context.close()
    }

    @Test("close() while a terminate() waits for a socket closes it, and both return")
    func closeDuringTerminate() async throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        try pull.bind(Transport.inproc.bindEndpoint())
        let terminating = TestThread { context.terminate() }  // waits for `pull`
        #expect(await eventually { context.isClosed })
        #expect(!(await terminating.joined(timeout: .milliseconds(100))), "terminate() returned with a socket open")
        // The thread that owns the socket closes the context instead of the socket.
        let closing = TestThread(moving: {
            context.close()
            _ = pull
        })
        #expect(await closing.joined(timeout: .seconds(10)), "close() hung")
        #expect(await terminating.joined(timeout: .seconds(10)), "terminate() hung")
    }
}

// MARK: - Steering without blocking

@Suite("Proxy: steering in async code", .serialized)
struct AsyncProxySteeringTests {
    @Test("pause, resume and statistics awaited, on the reactor and off it", arguments: [true, false])
    func pauseResumeStatistics(onReactor: Bool) async throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        let input = try frontend.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        let output = try backend.bind(Transport.inproc.bindEndpoint())
        let proxy = try Proxy.start(from: frontend, to: backend)
        try await Task(executorPreference: onReactor ? Reactor.shared : nil) {
            let producer = try PushSocket(context)
            try producer.connect(input)
            let consumer = try PullSocket(context)
            try consumer.connect(output)
            try await producer.send("one")
            #expect(try await consumer.receiveString(timeout: .seconds(5)) == "one")

            try await proxy.pause()
            try await producer.send("two")
            // Paused: nothing comes through.
            #expect(try await consumer.receive(timeout: .milliseconds(100)) == nil)
            try await proxy.resume()
            #expect(try await consumer.receiveString(timeout: .seconds(5)) == "two")
            let statistics = try await proxy.statistics()
            #expect(statistics.frontend.messagesReceived == 2)
            #expect(statistics.backend.messagesSent == 2)

            await proxy.stop()
            #expect(!proxy.isRunning)
            let error = await #expect(throws: ZMQError.invalidState) { try await proxy.statistics() }
            #expect(error?.description.contains("the proxy was stopped") == true)
            await proxy.stop()  // again: nothing to do
        }.value
        await close(context)
    }

    @Test("commands from threads and tasks at once are answered one at a time, each with its own answer")
    func mixedCommands() async throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        try frontend.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        try backend.bind(Transport.inproc.bindEndpoint())
        let proxy = try Proxy.start(from: frontend, to: backend)
        let failures = Locked<[String]>([])
        let threads = (0..<3).map { _ in
            TestThread {
                for _ in 0..<50 {
                    do {
                        try proxy.pause()
                        try proxy.resume()
                        _ = try proxy.statistics()
                    } catch {
                        failures.withLock { $0.append("thread: \(error)") }
                    }
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3 {
                group.addTask(executorPreference: index == 0 ? nil : Reactor.shared) {
                    for _ in 0..<50 {
                        try await proxy.pause()
                        try await proxy.resume()
                        _ = try await proxy.statistics()
                    }
                }
            }
            try await group.waitForAll()
        }
        for thread in threads {
            #expect(await thread.joined(timeout: .seconds(30)))
        }
        #expect(failures.value.isEmpty)
        await proxy.stop()
        await close(context)
    }

    @Test("a cancelled statistics leaves its answer to the next command")
    func cancelledStatistics() async throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        let input = try frontend.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        let output = try backend.bind(Transport.inproc.bindEndpoint())
        // A capture socket whose peer does not read: two copies fill the pipe (its
        // high-water marks are 1 and 1), and the proxy then waits in its capture send.
        let capture = try PushSocket(context)
        try capture.setOption(.sendHighWaterMark, 1)
        let copies = try capture.bind(Transport.inproc.bindEndpoint())
        let tap = try PullSocket(context)
        try tap.setOption(.receiveHighWaterMark, 1)
        try tap.connect(copies)
        let proxy = try Proxy.start(from: frontend, to: backend, capture: capture)
        let producer = try PushSocket(context)
        try producer.connect(input)
        let consumer = try PullSocket(context)
        try consumer.connect(output)
        for text in ["one", "two"] {
            try await producer.send(text)
            #expect(try await consumer.receiveString(timeout: .seconds(5)) == text)
        }

        // The STATISTICS copy waits for room in the capture pipe: no answer yet.
        // Cancelled before or after it parks: it has sent its STATISTICS either way.
        let asking = Task { try await proxy.statistics(timeout: .seconds(20)) }
        asking.cancel()
        await #expect(throws: CancellationError.self) { try await asking.value }
        // The tap reads from now on: the proxy answers the STATISTICS late, then the next.
        try tap.setOption(.receiveTimeout, .seconds(1))
        let reading = TestThread(moving: {
            while (try? tap.receive()) != nil {}
        })
        let statistics = try await proxy.statistics(timeout: .seconds(5))
        #expect(statistics.frontend.messagesReceived == 2)
        await proxy.stop()
        #expect(await reading.joined(timeout: .seconds(10)))
        await close(context)
    }
}
