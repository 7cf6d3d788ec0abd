import Testing
import ZeroMQ

@Suite("Closing sockets")
struct LifecycleTests {
    @Test("every operation after close throws notSocket")
    func useAfterClose() throws {
        let context = try makeContext()
        let pair = try PairSocket(context)
        pair.close()
        #expect(pair.isClosed)

        func expectClosed(_ what: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("\(what) succeeded on a closed socket")
            } catch let error as ZMQError {
                #expect(error == .notSocket, "\(what): \(error)")
                #expect(error.description.contains("the socket is closed"), "\(what): \(error)")
                #expect(error.description.contains("PAIR"), "\(what): \(error)")
            } catch {
                Issue.record("\(what): \(error)")
            }
        }
        expectClosed("send") { try pair.send("x") }
        expectClosed("send message") { try pair.send(Message("x")) }
        expectClosed("send bytes") { try pair.send([1, 2] as [UInt8]) }
        expectClosed("send constant") { try pair.send(constant: "x") }
        expectClosed("trySend") { _ = try pair.trySend("x") }
        expectClosed("sendMultipart") { try pair.sendMultipart(["a", "b"]) }
        expectClosed("receive") { _ = try pair.receive() }
        expectClosed("tryReceive") { _ = try pair.tryReceive() }
        expectClosed("receiveBytes") { _ = try pair.receiveBytes() }
        expectClosed("receiveString") { _ = try pair.receiveString() }
        expectClosed("receiveMultipart") { _ = try pair.receiveMultipart() }
        expectClosed("bind") { try pair.bind("inproc://closed-\(uniqueNumber())") }
        expectClosed("connect") { try pair.connect("inproc://closed-\(uniqueNumber())") }
        expectClosed("unbind") { try pair.unbind("inproc://closed") }
        expectClosed("disconnect") { try pair.disconnect("inproc://closed") }
        expectClosed("setOption") { try pair.setOption(.linger, .zero) }
        expectClosed("option") { _ = try pair.option(.linger) }
        expectClosed("read-only option") { _ = try pair.option(.type) }
        expectClosed("lastEndpoint") { _ = try pair.lastEndpoint }
        expectClosed("events") { _ = try pair.events }
        expectClosed("hasMore") { _ = try pair.hasMore }

        let sub = try SubSocket(context)
        sub.close()
        #expect(throws: ZMQError.notSocket) { try sub.subscribeToAll() }
        #expect(throws: ZMQError.notSocket) { try sub.unsubscribe(from: "x") }
    }

    @Test("closing twice is harmless")
    func closeTwice() throws {
        let context = try makeContext()
        let push = try PushSocket(context)
        try push.bind("inproc://close-twice-\(uniqueNumber())")
        push.close()
        push.close()
        push.close(linger: .zero)
        #expect(push.isClosed)
        #expect(throws: ZMQError.notSocket) { try push.send("x") }
    }

    @Test("closing frees the endpoint for another socket", arguments: [Transport.tcp, .ipc, .inproc])
    func closeFreesEndpoint(transport: Transport) throws {
        let context = try makeContext()
        let first = try PullSocket.bounded(context)
        let endpoint = try first.bind(transport.bindEndpoint())
        first.close()

        // The endpoint is released by libzmq's I/O thread shortly after close: retry
        // the bind until it succeeds, bounded.
        let second = try PullSocket.bounded(context)
        var bound = false
        _ = waitUntil {
            bound = (try? second.bind(endpoint)) != nil
            return bound
        }
        #expect(bound)
        let push = try PushSocket.bounded(context)
        try push.connect(endpoint)
        try push.send("reused")
        #expect(try second.receiveString() == "reused")
    }

    @Test("close(linger:) sets the linger first")
    func closeWithLinger() throws {
        let context = try Context()  // default linger: one second
        let push = try PushSocket(context)
        #expect(try push.option(.linger) == .seconds(1))
        let port = try UnlistenedPort()
        try push.connect(port.endpoint)
        #expect(try push.trySend("undeliverable"))
        push.close(linger: .zero)
        // With no linger the context terminates at once despite the pending message.
        let start = ContinuousClock.now
        let finished = TestThread { context.terminate() }
        #expect(finished.join(timeout: .seconds(10)))
        #expect(ContinuousClock.now - start < .milliseconds(900))
    }

    @Test("a socket moves to another task, as libzmq lets a socket migrate between threads")
    func handOverToTask() async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
        let push = try PushSocket.bounded(context)
        try push.connect(endpoint)
        // `push` is not Sendable: it can be captured only because it is not used here
        // again (region-based isolation transfers it to the task).
        let sender = Task.detached {
            try await push.send("sent from another task")
            push.close()
        }
        try await sender.value
        #expect(try await pull.receiveString() == "sent from another task")
        // A `sending` parameter expresses the same hand-over in an API.
        func serve(_ socket: sending PullSocket) -> Task<String, any Error> {
            Task.detached { try await socket.receiveString() }
        }
        let push2 = try PushSocket.bounded(context)
        try push2.connect(endpoint)
        try await push2.send("received in another task")
        #expect(try await serve(pull).value == "received in another task")
    }

    @Test("a received message moves to another task while the socket stays")
    func receivedMessageToTask() async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)
        for index in 0..<3 { try await push.send("job \(index)") }
        try await push.sendMultipart(["a", "b"])

        // Each result is `sending`: disconnected from `pull`, which stays here and keeps
        // receiving while the message is used by another task.
        var tasks: [Task<String, Never>] = []
        for _ in 0..<2 {
            let job = try await pull.receive()
            tasks.append(Task.detached { job.string })
        }
        let maybe = try #require(try pull.tryReceive())
        tasks.append(Task.detached { maybe.string })
        let parts = try await pull.receiveMultipart()
        tasks.append(Task.detached { parts.map(\.string).joined(separator: "+") })

        var results: [String] = []
        for task in tasks { results.append(await task.value) }
        #expect(results == ["job 0", "job 1", "job 2", "a+b"])
    }
}
