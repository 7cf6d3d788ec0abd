import Foundation
import Testing
import ZeroMQ

@Suite("Context")
struct ContextTests {
    // MARK: Shutting down

    @Test("shutdown makes a receive blocked in another thread fail with contextTerminated")
    func shutdownWakesBlockedReceive() throws {
        let context = try makeContext()
        let endpoint = Transport.inproc.bindEndpoint()
        let aboutToBlock = DispatchSemaphore(value: 0)
        let outcome = Locked<Result<String, ZMQError>?>(nil)

        let thread = TestThread {
            do throws(ZMQError) {
                // Created in the thread that uses it, with no receive timeout: only the
                // shutdown can end this receive.
                let pull = try PullSocket(context)
                #expect(try pull.option(.receiveTimeout) == .infinite)
                try pull.bind(endpoint)
                aboutToBlock.signal()
                outcome.value = .success(try pull.receiveString())
            } catch {
                aboutToBlock.signal()
                outcome.value = .failure(error)
            }
        }

        #expect(aboutToBlock.wait(timeout: .now() + 10) == .success)
        // Whether the thread is already inside zmq_msg_recv or about to enter it, the
        // shutdown ends the receive: a shut-down context fails every later call too.
        context.shutdown()
        #expect(thread.join(timeout: .seconds(10)), "the blocked receive did not return")
        switch outcome.value {
        case .failure(let error):
            #expect(error == .contextTerminated)
            #expect(error.code == ZMQError.contextTerminated.code)
            #expect(error.description.contains("the context was shut down"))
        case .success(let message):
            Issue.record("received \(message)")
        case nil:
            Issue.record("no outcome")
        }
    }

    @Test("shutdown is idempotent and blocks new sockets")
    func shutdownIdempotent() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        #expect(!context.isClosed)
        context.shutdown()
        context.shutdown()
        #expect(context.isClosed)

        let error = #expect(throws: ZMQError.contextTerminated) { try PushSocket(context) }
        #expect(error?.description.contains("PUSH") == true)
        #expect(throws: ZMQError.contextTerminated) { try pull.receive() }
        #expect(throws: ZMQError.contextTerminated) { try pull.tryReceive() }
        pull.close()
        context.terminate()
        context.shutdown()
        #expect(context.isClosed)
    }

    @Test("terminate after the sockets are closed returns; terminating twice is harmless")
    func terminateAfterClose() throws {
        let context = try Context()  // the default linger
        let thread = TestThread {
            do throws(ZMQError) {
                let pull = try PullSocket.bounded(context)
                let push = try PushSocket.bounded(context)
                try link(pull, push, over: .tcp)
                try push.send("flushed")
                #expect(try pull.receiveString() == "flushed")
                push.close()
                pull.close()
            } catch {
                Issue.record("\(error)")
            }
            context.terminate()
            context.terminate()
        }
        #expect(thread.join(timeout: .seconds(10)))
        #expect(context.isClosed)
        #expect(throws: ZMQError.contextTerminated) { try PullSocket(context) }
    }

    // MARK: Releasing with a message pending

    enum Release: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// The socket and the context go out of scope.
        case outOfScope
        /// `close()`, then `terminate()`.
        case closeThenTerminate
        /// `context.close()`, with the socket still open.
        case contextClose
        var testDescription: String { rawValue }
    }

    /// Queues a message for a tcp peer that never answers, releases socket and context
    /// in a helper thread, and returns how long the release took, or nil if it did not
    /// finish in 10 s.
    private func releaseWithPendingMessage(linger: Timeout?, release: Release) throws -> Duration? {
        let port = try UnlistenedPort()
        let elapsed = Locked<Duration?>(nil)
        let thread = TestThread {
            do throws(ZMQError) {
                let context = if let linger { try Context(defaultLinger: linger) } else { try Context() }
                let push = try PushSocket(context)
                try push.connect(port.endpoint)
                // The connection is refused over and over; the message waits in the queue.
                #expect(try push.trySend("nobody will read this"))
                let start = ContinuousClock.now
                switch release {
                case .outOfScope:
                    _ = consume push
                    _ = consume context
                case .closeThenTerminate:
                    push.close()
                    context.terminate()
                case .contextClose:
                    context.close()
                    #expect(push.isClosed)
                }
                elapsed.value = ContinuousClock.now - start
            } catch {
                Issue.record("\(error)")
            }
        }
        let finished = thread.join(timeout: .seconds(10))
        withExtendedLifetime(port) {}
        return finished ? elapsed.value : nil
    }

    @Test("releasing a context with a message pending to a dead peer does not hang", arguments: Release.allCases)
    func releaseDoesNotHang(release: Release) throws {
        let elapsed = try releaseWithPendingMessage(linger: nil, release: release)
        let duration = try #require(elapsed, "releasing the context hung")
        // It waited for the default linger, one second, then gave up on the message.
        #expect(duration >= .milliseconds(900))
        #expect(duration < .seconds(10))
    }

    @Test("with a zero default linger, releasing is prompt", arguments: Release.allCases)
    func releaseWithZeroLinger(release: Release) throws {
        let elapsed = try releaseWithPendingMessage(linger: .zero, release: release)
        let duration = try #require(elapsed, "releasing the context hung")
        #expect(duration < .milliseconds(900))
    }

    // MARK: Closing a context with its sockets

    @Test("close() closes every open socket, delivers what they queued, and terminates")
    func closeDelivers() throws {
        // The receiver lives in a context of its own, which close() leaves alone.
        let receiving = try makeContext()
        let pull = try PullSocket.bounded(receiving)
        let endpoint = try pull.bind(Transport.tcp.bindEndpoint())

        let context = try Context()  // the default linger, one second
        let push = try PushSocket(context)
        let pair = try PairSocket(context)
        try push.connect(endpoint)
        let large = patternBytes(8 << 20)
        for index in 0..<100 { try push.send("part \(index)") }
        try push.send(large)
        context.close()

        #expect(push.isClosed && pair.isClosed)
        #expect(context.isClosed)
        let error = #expect(throws: ZMQError.notSocket) { try push.send("after close") }
        #expect(error?.description.contains("closed") == true)
        #expect(throws: ZMQError.contextTerminated) { try PushSocket(context) }
        // Closing again, and the sockets' own close and release, do nothing more.
        context.close()
        push.close()
        context.terminate()

        for index in 0..<100 { #expect(try pull.receiveString() == "part \(index)") }
        #expect(try pull.receiveBytes() == large)
    }

    @Test("close(linger:) overrides every socket's linger")
    func closeWithLinger() throws {
        let port = try UnlistenedPort()
        let context = try Context(defaultLinger: .infinite)
        let push = try PushSocket(context)
        try push.connect(port.endpoint)
        #expect(try push.trySend("nobody will read this"))
        // With its infinite linger, terminate() would wait forever; close(linger:) gives
        // up on the message at once.
        let elapsed = ContinuousClock().measure { context.close(linger: .zero) }
        #expect(elapsed < .seconds(1))
        #expect(push.isClosed)
    }

    @Test("a context's options throw contextTerminated once it is terminated, never read freed memory")
    func optionsAfterTermination() throws {
        for end in ["terminate", "close"] {
            let context = try makeContext()
            if end == "terminate" { context.terminate() } else { context.close() }
            let read = #expect(throws: ZMQError.contextTerminated) { try context.option(.ioThreads) }
            #expect(read?.description.contains("ZMQ_IO_THREADS") == true)
            #expect(throws: ZMQError.contextTerminated) { try context.option(.socketLimit) }
            let write = #expect(throws: ZMQError.contextTerminated) { try context.setOption(.maxSockets, 10) }
            #expect(write?.description.contains("ZMQ_MAX_SOCKETS = 10") == true)
            #expect(throws: ZMQError.contextTerminated) { try context.setOption(.threadPriority, 1) }
            #expect(throws: ZMQError.contextTerminated) { try context.addThreadAffinity(cpu: 0) }
        }
        // Shut down but not terminated: the context is still there to be asked.
        let context = try makeContext()
        context.shutdown()
        #expect(try context.option(.ioThreads) == 1)
    }

    // MARK: Options

    @Test("sockets get the context's default linger")
    func defaultLinger() throws {
        let standard = try Context()
        #expect(standard.defaultLinger == .seconds(1))
        #expect(try PushSocket(standard).option(.linger) == .seconds(1))
        let custom = try Context(defaultLinger: .milliseconds(250))
        #expect(try PushSocket(custom).option(.linger) == .milliseconds(250))
        let infinite = try Context(defaultLinger: .infinite)
        let socket = try PushSocket(infinite)
        #expect(try socket.option(.linger) == .infinite)
        socket.close()
        // A negative linger is zero, not infinite.
        let negative = try Context(defaultLinger: .milliseconds(-3))
        #expect(negative.defaultLinger == .zero)
        #expect(try PushSocket(negative).option(.linger) == .zero)
    }

    @Test("options can be read and set")
    func options() throws {
        let context = try makeContext()
        #expect(try context.option(.ioThreads) == 1)
        try context.setOption(.ioThreads, 2)
        #expect(try context.option(.ioThreads) == 2)

        #expect(try context.option(.maxSockets) == 1023)
        try context.setOption(.maxSockets, 100)
        #expect(try context.option(.maxSockets) == 100)

        #expect(try context.option(.ipv6) == false)
        try context.setOption(.ipv6, true)
        #expect(try context.option(.ipv6) == true)

        #expect(try context.option(.blocky) == true)
        try context.setOption(.blocky, false)
        #expect(try context.option(.blocky) == false)

        let limit = try context.option(.socketLimit)
        #expect(limit >= 1023)
        #expect(try context.option(.messageStructSize) == 64)

        // The options still work once sockets exist.
        let socket = try PairSocket(context)
        try socket.bind(Transport.tcp.bindEndpoint())
        #expect(try socket.option(.ipv6) == true)
    }

    @Test("thread scheduling: the priority is write-only, the policy reads -1 by default")
    func threadScheduling() throws {
        let context = try makeContext()
        // ZMQ_THREAD_PRIORITY has no getter in libzmq (its number, 3, is
        // ZMQ_SOCKET_LIMIT's): the option is write-only, and `context.option(.threadPriority)`
        // does not compile (scripts/check-misuse.sh checks that).
        try context.setOption(.threadPriority, 0)
        let negative = #expect(throws: ZMQError.invalidArgument) { try context.setOption(.threadPriority, -1) }
        #expect(negative?.description.contains("ZMQ_THREAD_PRIORITY = -1") == true)
        #expect(try context.option(.threadSchedulingPolicy) == -1)
        try context.setOption(.threadSchedulingPolicy, Int(SCHED_OTHER))
        #expect(try context.option(.threadSchedulingPolicy) == Int(SCHED_OTHER))
    }

    @Test("a value that does not fit a C int is refused, naming option and value")
    func outOfRangeOption() throws {
        let context = try makeContext()
        let error = #expect(throws: ZMQError.invalidArgument) {
            try context.setOption(.maxMessageSize, 5_000_000_000)
        }
        #expect(error?.description.contains("ZMQ_MAX_MSGSZ = 5000000000") == true)
        #expect(error?.description.contains("out of range") == true)
        #expect(try context.option(.maxMessageSize) == Int(Int32.max))
        try context.setOption(.maxMessageSize, 1 << 20)
        #expect(try context.option(.maxMessageSize) == 1 << 20)
        let affinity = #expect(throws: ZMQError.invalidArgument) { try context.addThreadAffinity(cpu: 1 << 40) }
        #expect(affinity?.description.contains("ZMQ_THREAD_AFFINITY_CPU_ADD = 1099511627776") == true)
    }

    @Test("a refused value names the option")
    func badOption() throws {
        let context = try makeContext()
        let error = #expect(throws: ZMQError.invalidArgument) { try context.setOption(.ioThreads, -1) }
        #expect(error?.description.contains("ZMQ_IO_THREADS = -1") == true)
        #expect(throws: ZMQError.invalidArgument) { try context.setOption(.maxSockets, 0) }
    }

    @Test("maxSockets limits the number of sockets")
    func maxSockets() throws {
        let context = try makeContext()
        try context.setOption(.maxSockets, 2)
        let first = try PairSocket(context)
        let second = try PairSocket(context)
        #expect(throws: ZMQError.tooManyOpenFiles) { try PairSocket(context) }
        first.close()
        second.close()
    }
}
