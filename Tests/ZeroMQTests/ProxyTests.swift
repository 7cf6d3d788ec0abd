import Foundation
import Testing
import ZeroMQ

/// The frontend of ``ProxyTests/socketUsedAfterStart()``: a global, as in top-level code.
nonisolated(unsafe) private var handedOverFrontend: PullSocket?

@Suite("Proxy")
struct ProxyTests {
    // MARK: The three patterns

    @Test("shared queue: REQ clients, a ROUTER/DEALER proxy, REP workers", arguments: Transport.allCases)
    func sharedQueue(over transport: Transport) throws {
        let context = try makeContext()
        let frontend = try RouterSocket(context)
        let frontendEndpoint = try frontend.bind(transport.bindEndpoint())
        let backend = try DealerSocket(context)
        let backendEndpoint = try backend.bind(transport.bindEndpoint())
        let proxy = try Proxy.start(frontend: frontend, backend: backend)

        let workers = try (0..<2).map { _ in try RepSocket.bounded(context) }
        for worker in workers { try worker.connect(backendEndpoint) }
        let clients = try (0..<3).map { _ in try ReqSocket.bounded(context) }
        for client in clients { try client.connect(frontendEndpoint) }

        for (index, client) in clients.enumerated() {
            try client.send("request \(index)")
        }
        // Whichever worker the DEALER chose answers each request.
        var answered = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while answered < clients.count && ContinuousClock.now < deadline {
            for worker in workers where waitReadable(worker, milliseconds: 1) {
                let request = try worker.receiveString()
                try worker.send("reply to \(request)")
                answered += 1
            }
        }
        #expect(answered == clients.count)
        for (index, client) in clients.enumerated() {
            #expect(try client.receiveString() == "reply to request \(index)")
        }

        let statistics = try proxy.statistics()
        #expect(statistics.frontend.messagesReceived == 3)
        #expect(statistics.backend.messagesSent == 3)
        #expect(statistics.backend.messagesReceived == 3)
        #expect(statistics.frontend.messagesSent == 3)
        #expect(statistics.frontend.bytesReceived == statistics.backend.bytesSent)
        proxy.stop()
    }

    @Test("forwarder: XSUB/XPUB, subscriptions flow upstream", arguments: Transport.allCases)
    func forwarder(over transport: Transport) throws {
        let context = try makeContext()
        // The upstream publisher is an XPUB, so that it can see the subscription arrive.
        let publisher = try XPubSocket.bounded(context)
        let publisherEndpoint = try publisher.bind(transport.bindEndpoint())
        let frontend = try XSubSocket(context)
        try frontend.connect(publisherEndpoint)
        let backend = try XPubSocket(context)
        let backendEndpoint = try backend.bind(transport.bindEndpoint())
        let proxy = try Proxy.start(frontend: frontend, backend: backend)

        let subscriber = try SubSocket.bounded(context)
        try subscriber.connect(backendEndpoint)
        try subscriber.subscribe(to: "weather.")

        // The subscriber's subscription reaches the publisher through the proxy.
        #expect([UInt8](try publisher.receive()) == [1] + Array("weather.".utf8))
        let first = try publish(on: publisher, until: subscriber) { "weather.\($0)" }
        #expect(first.string.hasPrefix("weather."))
        try publisher.send("sports.1")
        try publisher.send("weather.last")
        #expect(try subscriber.receiveString() == "weather.last")
        proxy.stop()
    }

    @Test("streamer: PULL/PUSH, in order", arguments: Transport.allCases)
    func streamer(over transport: Transport) throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        let frontendEndpoint = try frontend.bind(transport.bindEndpoint())
        let backend = try PushSocket(context)
        let backendEndpoint = try backend.bind(transport.bindEndpoint())
        let proxy = try Proxy.start(from: frontend, to: backend)

        let producer = try PushSocket.bounded(context)
        try producer.connect(frontendEndpoint)
        let consumer = try PullSocket.bounded(context)
        try consumer.connect(backendEndpoint)
        for n in 0..<100 { try producer.send("job \(n)") }
        for n in 0..<100 { #expect(try consumer.receiveString() == "job \(n)") }
        proxy.stop()
    }

    // MARK: Capture, pause, statistics

    @Test("the capture socket sees a copy of every frame, and the commands", arguments: [Transport.inproc, .tcp])
    func capture(over transport: Transport) throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        let frontendEndpoint = try frontend.bind(transport.bindEndpoint())
        let backend = try PushSocket(context)
        let backendEndpoint = try backend.bind(transport.bindEndpoint())
        let capture = try PushSocket(context)
        let captureEndpoint = try capture.bind(transport.bindEndpoint())
        let captured = try PullSocket.bounded(context)
        try captured.connect(captureEndpoint)
        let proxy = try Proxy.start(from: frontend, to: backend, capture: capture)

        let producer = try PushSocket.bounded(context)
        try producer.connect(frontendEndpoint)
        let consumer = try PullSocket.bounded(context)
        try consumer.connect(backendEndpoint)
        for n in 0..<10 { try producer.send("single \(n)") }
        try producer.sendMultipart(["head", "tail"])
        for n in 0..<10 { #expect(try consumer.receiveString() == "single \(n)") }
        #expect(try consumer.receiveMultipart().map(\.string) == ["head", "tail"])

        for n in 0..<10 { #expect(try captured.receiveString() == "single \(n)") }
        let parts = try captured.receiveMultipart()
        #expect(parts.map(\.string) == ["head", "tail"])
        // libzmq copies the control commands too: statistics() sends STATISTICS.
        _ = try proxy.statistics()
        #expect(try captured.receiveString() == "STATISTICS")
        #expect(!waitReadable(captured, milliseconds: 50))
        proxy.stop()
    }

    @Test("pause stops the flow and resume restarts it", arguments: [Transport.inproc, .tcp])
    func pauseAndResume(over transport: Transport) throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        let frontendEndpoint = try frontend.bind(transport.bindEndpoint())
        let backend = try PushSocket(context)
        let backendEndpoint = try backend.bind(transport.bindEndpoint())
        let proxy = try Proxy.start(from: frontend, to: backend)
        let producer = try PushSocket.bounded(context)
        try producer.connect(frontendEndpoint)
        let consumer = try PullSocket.bounded(context)
        try consumer.connect(backendEndpoint)

        try producer.send("before")
        #expect(try consumer.receiveString() == "before")
        try proxy.pause()  // returns once the proxy has paused
        try proxy.pause()  // pausing again changes nothing
        try producer.send("while paused")
        #expect(!waitReadable(consumer, milliseconds: 300), "a paused proxy forwarded")
        try proxy.resume()
        #expect(try consumer.receiveString() == "while paused")
        try producer.send("after")
        #expect(try consumer.receiveString() == "after")
        proxy.stop()
    }

    @Test("statistics count exactly what was forwarded")
    func statistics() throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        let frontendEndpoint = try frontend.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        let backendEndpoint = try backend.bind(Transport.inproc.bindEndpoint())
        let proxy = try Proxy.start(from: frontend, to: backend)
        #expect(
            try proxy.statistics()
                == ProxyStatistics(
                    frontend: .init(messagesReceived: 0, bytesReceived: 0, messagesSent: 0, bytesSent: 0),
                    backend: .init(messagesReceived: 0, bytesReceived: 0, messagesSent: 0, bytesSent: 0)))

        let producer = try PushSocket.bounded(context)
        try producer.connect(frontendEndpoint)
        let consumer = try PullSocket.bounded(context)
        try consumer.connect(backendEndpoint)
        try producer.send([UInt8](repeating: 1, count: 10))
        try producer.send([UInt8](repeating: 2, count: 100))
        try producer.sendMultipart([[UInt8](repeating: 3, count: 7), [UInt8](repeating: 4, count: 5)])
        _ = try consumer.receive()
        _ = try consumer.receive()
        _ = try consumer.receiveMultipart()

        let statistics = try proxy.statistics()
        // A multipart message counts once, with the bytes of all its frames.
        #expect(
            statistics.frontend
                == .init(messagesReceived: 3, bytesReceived: 122, messagesSent: 0, bytesSent: 0))
        #expect(
            statistics.backend
                == .init(messagesReceived: 0, bytesReceived: 0, messagesSent: 3, bytesSent: 122))
        proxy.stop()
    }

    // MARK: Ending

    @Test("stop ends the proxy; stopping again, or steering it, is harmless")
    func stopTwice() throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        try frontend.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        try backend.bind(Transport.inproc.bindEndpoint())
        let proxy = try Proxy.start(from: frontend, to: backend)
        #expect(proxy.isRunning)
        proxy.stop()
        #expect(!proxy.isRunning)
        proxy.stop()
        let error = #expect(throws: ZMQError.invalidState) { try proxy.pause() }
        #expect(error?.description.contains("the proxy was stopped") == true)
        #expect(throws: ZMQError.invalidState) { try proxy.statistics() }
        // The proxy's thread closed every socket: terminating the context returns.
        let terminated = TestThread { context.terminate() }
        #expect(terminated.join(timeout: .seconds(10)), "a socket of the proxy is still open")
    }

    @Test("context.close() while a managed proxy runs returns promptly and ends it")
    func contextCloseEndsProxy() throws {
        let context = try Context()  // the default linger: close must still be prompt
        let frontend = try RouterSocket(context)
        try frontend.bind("tcp://127.0.0.1:*")
        let backend = try DealerSocket(context)
        try backend.bind(Transport.inproc.bindEndpoint())
        let proxy = try Proxy.start(frontend: frontend, backend: backend)
        try proxy.pause()

        let start = ContinuousClock.now
        let closing = TestThread { context.close() }
        #expect(closing.join(timeout: .seconds(10)), "context.close() hung")
        #expect(ContinuousClock.now - start < .seconds(2))
        // The close hook joined the proxy's thread before the context closed its sockets.
        #expect(!proxy.isRunning)
        #expect(throws: ZMQError.self) { try proxy.statistics() }
        proxy.stop()
        proxy.stop()
    }

    @Test("context.shutdown() ends a managed proxy with contextTerminated")
    func contextShutdownEndsProxy() throws {
        let context = try makeContext()
        let frontend = try PullSocket(context)
        try frontend.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        try backend.bind(Transport.inproc.bindEndpoint())
        let proxy = try Proxy.start(from: frontend, to: backend)

        context.shutdown()
        let error = #expect(throws: ZMQError.contextTerminated) { try proxy.statistics() }
        #expect(error?.description.contains("shut down") == true)
        let ending = TestThread { proxy.stop() }
        #expect(ending.join(timeout: .seconds(10)), "stop() hung after shutdown")
        #expect(!proxy.isRunning)
        #expect(throws: ZMQError.contextTerminated) { try proxy.resume() }
        // Every socket of the proxy, the control sockets too, is closed.
        let terminated = TestThread { context.terminate() }
        #expect(terminated.join(timeout: .seconds(10)), "a socket of the proxy is still open")
    }

    @Test("releasing the handle stops the proxy and closes its sockets")
    func releaseStops() throws {
        let context = try makeContext()
        do {
            let frontend = try PullSocket(context)
            try frontend.bind(Transport.inproc.bindEndpoint())
            let backend = try PushSocket(context)
            try backend.bind(Transport.inproc.bindEndpoint())
            let proxy = try Proxy.start(from: frontend, to: backend)
            #expect(proxy.isRunning)
        }
        let terminated = TestThread { context.terminate() }
        #expect(terminated.join(timeout: .seconds(10)), "a socket of the proxy is still open")
    }

    @Test("a socket used after it was handed to a proxy, where the compiler does not see it, throws saying so")
    func socketUsedAfterStart() throws {
        let context = try makeContext()
        // A global, as top-level code keeps its sockets: `sending` does not follow it.
        handedOverFrontend = try PullSocket(context)
        let frontendEndpoint = try handedOverFrontend!.bind(Transport.inproc.bindEndpoint())
        let backend = try PushSocket(context)
        let backendEndpoint = try backend.bind(Transport.inproc.bindEndpoint())
        let poller = Poller<Int>()
        try poller.add(handedOverFrontend!, token: 1)
        let proxy = try Proxy.start(from: handedOverFrontend!, to: backend)

        let receive = #expect(throws: ZMQError.notSocket) { try handedOverFrontend!.tryReceive() }
        #expect(receive?.description.contains("belongs to a proxy (Proxy.start)") == true)
        #expect(throws: ZMQError.notSocket) { try handedOverFrontend!.setOption(.receiveHighWaterMark, 5) }
        #expect(throws: ZMQError.notSocket) { try handedOverFrontend!.bind(Transport.inproc.bindEndpoint()) }
        #expect(handedOverFrontend!.isClosed)
        // A poller that held it notices, as it does a close, instead of polling a socket
        // another thread uses.
        #expect(throws: ZMQError.notSocket) { try poller.poll(timeout: .zero) }

        // The proxy itself forwards as before, and closes the socket as it ends.
        let producer = try PushSocket.bounded(context)
        try producer.connect(frontendEndpoint)
        let consumer = try PullSocket.bounded(context)
        try consumer.connect(backendEndpoint)
        try producer.send("through")
        #expect(try consumer.receiveString() == "through")
        proxy.stop()
        handedOverFrontend = nil  // its deinit leaves the socket alone: the proxy closed it
        poller.removeAll()
        producer.close()
        consumer.close()
        let terminated = TestThread { context.terminate() }
        #expect(terminated.join(timeout: .seconds(10)), "a socket of the proxy is still open")
    }

    // MARK: Bad input

    @Test("a closed socket or a dynamic socket of the wrong kind is refused")
    func badSockets() throws {
        let context = try makeContext()
        // The sockets move into start(), so each attempt makes its own.
        func attempt(_ start: () throws(ZMQError) -> Proxy) -> ZMQError? {
            do {
                _ = try start()
                return nil
            } catch {
                return error
            }
        }
        let closed = attempt { () throws(ZMQError) -> Proxy in
            let frontend = try PullSocket(context)
            frontend.close()
            return try Proxy.start(from: frontend, to: try PushSocket(context))
        }
        #expect(closed == .notSocket)

        let publisher = attempt { () throws(ZMQError) -> Proxy in
            try Proxy.start(from: try DynamicSocket(context, kind: .pub), to: try PushSocket(context))
        }
        #expect(publisher == .notSupported)
        #expect(publisher?.description.contains("frontend PUB") == true)

        let pull = attempt { () throws(ZMQError) -> Proxy in
            try Proxy.start(
                frontend: try DynamicSocket(context, kind: .router), backend: try DynamicSocket(context, kind: .pull))
        }
        #expect(pull == .notSupported)
        #expect(pull?.description.contains("must send") == true)
    }

    @Test("statistics frames of the wrong shape are refused")
    func decodeStatistics() throws {
        #expect(throws: ZMQError.invalidArgument) { try ProxyStatistics(frames: [Message("x")]) }
        var frames = (0..<8).map { n in Message(Array(withUnsafeBytes(of: UInt64(n)) { Array($0) })) }
        let decoded = try ProxyStatistics(frames: frames)
        #expect(decoded.frontend.messagesReceived == 0)
        #expect(decoded.frontend.bytesSent == 3)
        #expect(decoded.backend.messagesReceived == 4)
        #expect(decoded.backend.bytesSent == 7)
        frames[3] = Message([1, 2, 3])
        #expect(throws: ZMQError.invalidArgument) { try ProxyStatistics(frames: frames) }
    }

    // MARK: In the calling thread

    @Test("zmq_proxy in a thread of the caller's ends on shutdown")
    func blockingRun() throws {
        let context = try makeContext()
        let frontendEndpoint = Transport.inproc.bindEndpoint()
        let backendEndpoint = Transport.inproc.bindEndpoint()
        let bound = DispatchSemaphore(value: 0)
        let outcome = Locked<ZMQError?>(nil)
        let thread = TestThread {
            do throws(ZMQError) {
                let frontend = try PullSocket(context)
                try frontend.bind(frontendEndpoint)
                let backend = try PushSocket(context)
                try backend.bind(backendEndpoint)
                bound.signal()
                try Proxy.run(from: frontend, to: backend)
            } catch {
                bound.signal()
                outcome.value = error
            }
        }
        #expect(bound.wait(timeout: .now() + 10) == .success)
        let producer = try PushSocket.bounded(context)
        try producer.connect(frontendEndpoint)
        let consumer = try PullSocket.bounded(context)
        try consumer.connect(backendEndpoint)
        try producer.send("through")
        #expect(try consumer.receiveString() == "through")
        context.shutdown()
        #expect(thread.join(timeout: .seconds(10)))
        #expect(outcome.value == .contextTerminated)
    }

    @Test("zmq_proxy_steerable with the caller's control socket and typed commands")
    func steerableRun() throws {
        let context = try makeContext()
        let frontendEndpoint = Transport.inproc.bindEndpoint()
        let backendEndpoint = Transport.inproc.bindEndpoint()
        let controlEndpoint = Transport.inproc.bindEndpoint()
        let bound = DispatchSemaphore(value: 0)
        let outcome = Locked<Result<Void, ZMQError>?>(nil)
        let thread = TestThread {
            do throws(ZMQError) {
                let frontend = try PullSocket(context)
                try frontend.bind(frontendEndpoint)
                let backend = try PushSocket(context)
                try backend.bind(backendEndpoint)
                let control = try PairSocket(context)
                try control.bind(controlEndpoint)
                bound.signal()
                try Proxy.run(from: frontend, to: backend, control: control)
                outcome.value = .success(())
            } catch {
                bound.signal()
                outcome.value = .failure(error)
            }
        }
        #expect(bound.wait(timeout: .now() + 10) == .success)
        let controller = try PairSocket.bounded(context)
        try controller.connect(controlEndpoint)
        let producer = try PushSocket.bounded(context)
        try producer.connect(frontendEndpoint)
        let consumer = try PullSocket.bounded(context)
        try consumer.connect(backendEndpoint)

        try producer.send("12345")
        #expect(try consumer.receiveString() == "12345")
        try controller.send(ProxyCommand.pause)
        try controller.send(ProxyCommand.statistics)
        let statistics = try controller.receiveProxyStatistics()
        #expect(statistics.frontend.messagesReceived == 1)
        #expect(statistics.frontend.bytesReceived == 5)
        #expect(statistics.backend.messagesSent == 1)
        #expect(statistics.backend.bytesSent == 5)
        try controller.send(ProxyCommand.resume)
        try controller.send(ProxyCommand.terminate)
        #expect(thread.join(timeout: .seconds(10)))
        switch outcome.value {
        case .success: break
        case .failure(let error): Issue.record("\(error)")
        case nil: Issue.record("no outcome")
        }
    }
}
