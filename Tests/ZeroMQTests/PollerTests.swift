import CZeroMQ
import Foundation
import Synchronization
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Polling sockets of any kind and file descriptors with `Poller`.
@Suite("Poller")
struct PollerTests {
    /// The ready items of one poll, as a dictionary from token to events.
    static func ready<Token>(_ poller: Poller<Token>, timeout: Duration) throws(ZMQError) -> [Token: PollEvents] {
        var result: [Token: PollEvents] = [:]
        for item in try poller.poll(timeout: timeout) {
            #expect(result[item.token] == nil, "a token appears once per poll")
            result[item.token] = item.events
        }
        return result
    }

    @Test("the fed PULL among idle ones, typed and dynamic, is the one ready", arguments: Transport.allCases)
    func readableAmongIdle(transport: Transport) throws {
        let context = try makeContext()
        let poller = Poller<String>()
        var idle: [PullSocket] = []
        for n in 0..<7 {
            let socket = try PullSocket.bounded(context)
            try socket.bind(transport.bindEndpoint())
            try poller.add(socket, token: "idle \(n)")
            idle.append(socket)
        }
        let dynamicIdle = try DynamicSocket(context, kind: .pull)
        try dynamicIdle.bind(transport.bindEndpoint())
        try poller.add(dynamicIdle, events: .readable, token: "dynamic idle")

        let fed = try DynamicSocket(context, kind: SocketKind(name: "pull"))
        let push = try PushSocket.bounded(context)
        try link(fed, push, over: transport)
        try poller.add(fed, token: "fed")
        #expect(poller.count == 9)
        #expect(try Self.ready(poller, timeout: .zero).isEmpty)

        try push.send("hello")
        #expect(try Self.ready(poller, timeout: .seconds(5)) == ["fed": .readable])
        #expect(try fed.receiveString() == "hello")
        #expect(try Self.ready(poller, timeout: .zero).isEmpty, "nothing left to read")
    }

    @Test("writable, readable and both, on one socket as its events change")
    func updateEvents() throws {
        let context = try makeContext()
        let a = try PairSocket.bounded(context)
        let b = try PairSocket.bounded(context)
        try link(a, b, over: .inproc)
        let poller = Poller<Int>()
        try poller.add(a, events: .writable, token: 1)
        #expect(poller.events(for: 1) == .writable)
        #expect(try Self.ready(poller, timeout: .seconds(5)) == [1: .writable])

        try poller.update(1, events: .readable)
        #expect(try Self.ready(poller, timeout: .zero).isEmpty)
        try b.send("x")
        #expect(try Self.ready(poller, timeout: .seconds(5)) == [1: .readable])

        try poller.update(1, events: [.readable, .writable])
        #expect(try Self.ready(poller, timeout: .zero) == [1: [.readable, .writable]])

        try poller.update(1, events: [])
        #expect(try Self.ready(poller, timeout: .zero).isEmpty, "empty events poll for nothing")
        #expect(try a.receiveString() == "x")

        let missing = #expect(throws: ZMQError.invalidArgument) { try poller.update(2, events: .readable) }
        #expect(missing?.description.contains("token 2") == true)
    }

    @Test("a removed item never comes back; removing and re-adding works")
    func removedItemsStayRemoved() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)
        let other = try PullSocket.bounded(context)
        let otherPush = try PushSocket.bounded(context)
        try link(other, otherPush, over: .inproc)

        let poller = Poller<String>()
        try poller.add(pull, token: "pull")
        try poller.add(other, token: "other")
        try push.send("waiting")
        try otherPush.send("waiting too")
        #expect(waitReadable(pull, milliseconds: 5000) && waitReadable(other, milliseconds: 5000))
        #expect(try Self.ready(poller, timeout: .zero) == ["pull": .readable, "other": .readable])

        // Remove by token: the item is gone from every later poll, though still readable.
        #expect(poller.remove("pull"))
        #expect(!poller.remove("pull"), "removing twice finds nothing")
        #expect(!poller.contains("pull"))
        for _ in 0..<3 {
            #expect(try Self.ready(poller, timeout: .zero) == ["other": .readable])
        }
        // Remove by socket.
        #expect(poller.remove(other))
        #expect(poller.isEmpty && poller.tokens.isEmpty)
        #expect(try Self.ready(poller, timeout: .zero).isEmpty)

        // Re-added, under a new token, the socket is reported under the new token only.
        try poller.add(pull, token: "pull again")
        try poller.add(other, token: "other")
        #expect(poller.tokens == ["pull again", "other"])
        #expect(try Self.ready(poller, timeout: .zero) == ["pull again": .readable, "other": .readable])

        // Removing the first keeps the second's results right (its index moved).
        poller.remove("pull again")
        #expect(try Self.ready(poller, timeout: .zero) == ["other": .readable])
        #expect(try other.receiveString() == "waiting too")
        #expect(try Self.ready(poller, timeout: .zero).isEmpty)
        poller.removeAll()
        #expect(poller.isEmpty)
    }

    @Test("many items: the storage grows past its first capacity and tokens stay right")
    func manyItems() throws {
        let context = try makeContext()
        let poller = Poller<Int>()
        var pulls: [PullSocket] = []
        var pushes: [PushSocket] = []
        for n in 0..<40 {
            let pull = try PullSocket.bounded(context)
            let push = try PushSocket.bounded(context)
            try link(pull, push, over: .inproc)
            try poller.add(pull, token: n)
            pulls.append(pull)
            pushes.append(push)
        }
        for n in stride(from: 0, to: 40, by: 2) where n % 4 == 0 {
            poller.remove(n)
        }
        for n in [1, 2, 3, 38, 39] { try pushes[n].send("\(n)") }
        for n in [1, 2, 3, 38, 39] { #expect(waitReadable(pulls[n], milliseconds: 5000)) }
        let ready = try Self.ready(poller, timeout: .zero)
        #expect(ready == [1: .readable, 2: .readable, 3: .readable, 38: .readable, 39: .readable])
        let items = try poller.poll(timeout: .zero)
        #expect(items.count == 5)
        #expect(items.events(for: 38) == .readable && items.events(for: 5) == [])
        #expect(items.map(\.token) == [1, 2, 3, 38, 39], "in the order they were added")
    }

    @Test("file descriptors: a pipe's ends, and a hung-up pipe reports error")
    func fileDescriptors() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        try pull.bind(Transport.inproc.bindEndpoint())

        let poller = Poller<String>()
        try poller.add(pull, token: "socket")
        try poller.add(fileDescriptor: fds[0], events: .readable, token: "read end")
        try poller.add(fileDescriptor: fds[1], events: .writable, token: "write end")
        #expect(try Self.ready(poller, timeout: .seconds(5)) == ["write end": .writable])

        var byte: UInt8 = 7
        #expect(write(fds[1], &byte, 1) == 1)
        #expect(try Self.ready(poller, timeout: .seconds(5)) == ["read end": .readable, "write end": .writable])
        #expect(read(fds[0], &byte, 1) == 1)

        poller.remove("write end")
        close(fds[1])
        // poll(2) reports POLLHUP, which zmq_poll turns into ZMQ_POLLERR.
        let hungUp = try Self.ready(poller, timeout: .seconds(5))
        #expect(hungUp["read end"]?.contains(.error) == true)
        #expect(hungUp["socket"] == nil)
    }

    @Test("bad input is refused with a reason naming it")
    func badInput() throws {
        let context = try makeContext()
        let pull = try PullSocket(context)
        let other = try PullSocket(context)
        let poller = Poller<String>()
        try poller.add(pull, token: "a")

        let token = #expect(throws: ZMQError.invalidArgument) { try poller.add(other, token: "a") }
        #expect(token?.description.contains("token a is already in the poller") == true)
        let twice = #expect(throws: ZMQError.invalidArgument) { try poller.add(pull, token: "b") }
        #expect(twice?.description.contains("Socket<PULL>") == true)
        #expect(twice?.description.contains("with token a") == true)
        let flags = #expect(throws: ZMQError.invalidArgument) {
            try poller.add(other, events: PollEvents(rawValue: 0x40), token: "c")
        }
        #expect(flags?.description.contains("0x40") == true)
        let negative = #expect(throws: ZMQError.invalidArgument) { try poller.add(fileDescriptor: -1, token: "d") }
        #expect(negative?.description.contains("file descriptor -1") == true)
        try poller.add(fileDescriptor: 0, token: "stdin")
        let fd = #expect(throws: ZMQError.invalidArgument) { try poller.add(fileDescriptor: 0, token: "e") }
        #expect(fd?.description.contains("with token stdin") == true)

        other.close()
        let closed = #expect(throws: ZMQError.notSocket) { try poller.add(other, token: "f") }
        #expect(closed?.description.contains("closed") == true)
        #expect(poller.tokens == ["a", "stdin"], "nothing refused was added")

        let empty = Poller<Int>()
        let forever = #expect(throws: ZMQError.invalidArgument) { try empty.poll() }
        #expect(forever?.description.contains("never end") == true)
    }

    @Test("a socket closed while in the poller makes poll throw, naming it, until it is removed")
    func closedSocket() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)
        let router = try DynamicSocket(context, kind: .router)
        let poller = Poller<String>()
        try poller.add(pull, token: "work")
        try poller.add(router, token: "router")

        router.close()
        let error = #expect(throws: ZMQError.notSocket) { try poller.poll(timeout: .zero) }
        #expect(error?.description.contains("Socket<ROUTER> (token router)") == true)
        #expect(error?.description.contains("remove it") == true)
        #expect(throws: ZMQError.notSocket) { try poller.poll(timeout: .zero) }

        poller.remove("router")
        try push.send("after")
        #expect(try Self.ready(poller, timeout: .seconds(5)) == ["work": .readable])

        // Context.close(linger:) closes every socket, those in a poller too.
        context.close()
        let afterContext = #expect(throws: ZMQError.notSocket) { try poller.poll(timeout: .zero) }
        #expect(afterContext?.description.contains("(token work)") == true)
    }

    @Test("timeouts: zero returns at once, a Duration waits about that long, a message ends an endless wait")
    func timeouts() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: .inproc)
        let poller = Poller<Int>()
        try poller.add(pull, token: 0)

        let clock = ContinuousClock()
        var start = clock.now
        #expect(try poller.poll(timeout: .zero).isEmpty)
        #expect(clock.now - start < .seconds(1))

        start = clock.now
        #expect(try poller.poll(timeout: .milliseconds(50)).isEmpty)
        var elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(49) && elapsed < .seconds(5))

        start = clock.now
        let duration: Duration = .milliseconds(30)
        #expect(try poller.poll(timeout: duration).isEmpty)
        elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(29) && elapsed < .seconds(5))

        // An infinite wait, ended by a message from another thread (bounded by its join).
        let endpoint = try pull.option(.lastEndpoint)
        let sender = TestThread {
            do {
                let push = try PushSocket.bounded(context)
                try push.connect(endpoint)
                try push.send("wake up")
                push.close(linger: .seconds(5))
            } catch {
                Issue.record("sender: \(error)")
            }
        }
        #expect(Array(try poller.poll()).map(\.token) == [0])
        #expect(sender.join(timeout: .seconds(10)))

        // An empty poller sleeps for a finite timeout.
        let empty = Poller<Int>()
        start = clock.now
        #expect(try empty.poll(timeout: .milliseconds(20)).isEmpty)
        elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(19) && elapsed < .seconds(5))
    }

    /// Three linked PULL sockets, each with a message waiting, in a poller under tokens
    /// 0, 1 and 2.
    struct ThreeReady {
        let context: Context
        let poller = Poller<Int>()
        var pulls: [PullSocket] = []
        var pushes: [PushSocket] = []

        init() throws {
            context = try makeContext()
            for n in 0..<3 {
                let pull = try PullSocket.bounded(context)
                let push = try PushSocket.bounded(context)
                try link(pull, push, over: .inproc)
                try push.send("\(n)")
                #expect(waitReadable(pull, milliseconds: 5000))
                try poller.add(pull, token: n)
                pulls.append(pull)
                pushes.append(push)
            }
        }
    }

    @Test("removing items while iterating a result: the result goes on with what its poll found")
    func removeWhileIterating() throws {
        let three = try ThreeReady()
        let poller = three.poller
        var seen: [Int] = []
        for item in try poller.poll(timeout: .seconds(5)) {
            seen.append(item.token)
            // The pyzmq habit: take an item out in the middle of the loop, by token and
            // by socket, the one in hand and one still to come.
            if item.token == 0 {
                #expect(poller.remove(0))
                #expect(poller.remove(three.pulls[2]))
            }
        }
        #expect(seen == [0, 1, 2], "a snapshot: item 2 was ready when polled, so it still comes up")
        #expect(poller.tokens == [1])
        #expect(try Self.ready(poller, timeout: .zero) == [1: .readable], "removed items are gone from later polls")
    }

    @Test("adding items while iterating, past the storage's capacity, leaves the result as it was")
    func addWhileIterating() throws {
        let three = try ThreeReady()
        let poller = three.poller
        var extra: [PullSocket] = []
        var seen: [Int] = []
        for item in try poller.poll(timeout: .seconds(5)) {
            seen.append(item.token)
            if item.token == 1 {
                // 20 more: the item array grows, and moves, from 16 to 32.
                for n in 10..<30 {
                    let pull = try PullSocket.bounded(three.context)
                    try poller.add(pull, token: n)
                    extra.append(pull)
                }
            }
        }
        #expect(seen == [0, 1, 2])
        #expect(poller.count == 23)
        try three.pushes[0].send("more")
        #expect(waitReadable(three.pulls[0], milliseconds: 5000))
        #expect(try Self.ready(poller, timeout: .zero) == [0: .readable, 1: .readable, 2: .readable])
    }

    @Test("updating and removing every item while iterating, and reading events(for:) after")
    func updateAndRemoveAllWhileIterating() throws {
        let three = try ThreeReady()
        let poller = three.poller
        let result = try poller.poll(timeout: .seconds(5))
        var seen: [Poller<Int>.ReadyItem] = []
        for item in result {
            seen.append(item)
            if item.token == 0 { try poller.update(1, events: .writable) }
            if item.token == 1 { poller.removeAll() }
        }
        #expect(seen.map(\.token) == [0, 1, 2])
        #expect(seen.allSatisfy { $0.events == .readable }, "the events of the poll, not of the update")
        #expect(result.count == 3 && result.events(for: 2) == .readable && result.events(for: 7) == [])
        #expect(Array(result).map(\.token) == [0, 1, 2], "iterating the result again gives the same items")
        #expect(poller.isEmpty)
    }

    @Test("an older result still yields its own poll's items after the poller polls again, or goes away")
    func olderResults() throws {
        let three = try ThreeReady()
        var poller: Poller<Int>? = three.poller
        let first = try #require(poller).poll(timeout: .seconds(5))
        #expect(try three.pulls[1].receiveString() == "1")
        let second = try #require(poller).poll(timeout: .zero)
        #expect(Array(first).map(\.token) == [0, 1, 2])
        #expect(Array(second).map(\.token) == [0, 2])
        #expect(first.events(for: 1) == .readable && second.events(for: 1) == [])

        // An iterator part-way through when the poller polls again goes on with its own.
        var iterator = second.makeIterator()
        #expect(iterator.next()?.token == 0)
        _ = try #require(poller).poll(timeout: .zero)
        #expect(iterator.next()?.token == 2)
        #expect(iterator.next() == nil)

        // A result that outlives its poller keeps what it found.
        let last = try #require(poller).poll(timeout: .zero)
        poller = nil
        #expect(Array(last).map(\.token) == [0, 2])
        #expect(last.events(for: 2) == .readable)
    }

    @Test("a monitor polled with ordinary sockets: ready when an event waits, read without blocking")
    func monitorInPoller() throws {
        let context = try makeContext()
        let server = try PullSocket.bounded(context)
        let monitor = try server.monitor([.accepted, .disconnected])
        let endpoint = try server.bind(Transport.tcp.bindEndpoint())
        enum Source: Hashable { case messages, connections, other, spare }
        let poller = Poller<Source>()
        try poller.add(server, token: .messages)
        try poller.add(monitor, token: .connections)
        let idle = try PullSocket.bounded(context)
        try poller.add(idle, token: .other)
        #expect(try Self.ready(poller, timeout: .zero).isEmpty)

        let client = try PushSocket.bounded(context)
        try client.connect(endpoint)
        try client.send("hello")
        // The accept and the message, in whatever polls they come.
        var events: [MonitorEvent.Kind] = []
        var messages: [String] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while (events.isEmpty || messages.isEmpty) && clock.now < deadline {
            for item in try poller.poll(timeout: .seconds(1)) {
                #expect(item.events == .readable)
                switch item.token {
                case .messages: while let message = try server.tryReceive() { messages.append(message.string) }
                case .connections: while let event = try monitor.tryNext() { events.append(event.kind) }
                case .other, .spare: Issue.record("\(item.token) was reported ready")
                }
            }
        }
        #expect(messages == ["hello"])
        guard case .accepted = events.first else {
            Issue.record("expected accepted first, got \(events)")
            return
        }

        // Refused: the same monitor twice.
        let twice = #expect(throws: ZMQError.invalidArgument) { try poller.add(monitor, token: .spare) }
        #expect(twice?.description.contains("with token connections") == true)

        // The monitored socket closes: the monitor reads monitorStopped, ends, and stays in
        // the poller without being ready again, and without making poll throw.
        poller.remove(.messages)
        server.close()
        var last: MonitorEvent.Kind?
        while clock.now < deadline, last.map({ if case .monitorStopped = $0 { false } else { true } }) ?? true {
            for item in try poller.poll(timeout: .seconds(1)) where item.token == .connections {
                while let event = try monitor.tryNext() { last = event.kind }
            }
        }
        guard case .monitorStopped = last else {
            Issue.record("expected monitorStopped last, got \(String(describing: last))")
            return
        }
        #expect(!monitor.isRunning)
        #expect(try Self.ready(poller, timeout: .milliseconds(20)).isEmpty)
        #expect(poller.contains(.connections))
        #expect(poller.remove(monitor))

        // An ended monitor is refused, naming why.
        let ended = #expect(throws: ZMQError.notSocket) { try poller.add(monitor, token: .connections) }
        #expect(ended?.description.contains("the monitor has ended") == true)
    }

    @Test("a monitor stopped while in the poller is never ready again, and poll does not throw")
    func monitorStoppedInPoller() throws {
        let context = try makeContext()
        let server = try PullSocket.bounded(context)
        let monitor = try server.monitor(.listening)
        try server.bind(Transport.tcp.bindEndpoint())
        let poller = Poller<String>()
        try poller.add(monitor, token: "monitor")
        try poller.add(server, token: "server")
        #expect(try Self.ready(poller, timeout: .seconds(5)) == ["monitor": .readable], "listening waits")
        for item in try poller.poll(timeout: .zero) where item.token == "monitor" {
            monitor.stop()  // in the middle of iterating a result, too
        }
        #expect(try Self.ready(poller, timeout: .milliseconds(20)).isEmpty)
        #expect(try monitor.tryNext() == nil)
    }

    @Test("a negative timeout is zero: poll returns at once")
    func negativeTimeout() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let poller = Poller<Int>()
        try poller.add(pull, token: 0)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try poller.poll(timeout: .milliseconds(-5)).isEmpty)
        #expect(try poller.poll(timeout: .seconds(-1_000_000)).isEmpty)
        #expect(clock.now - start < .seconds(1))
    }

    @Test("a signal (EINTR) does not cut a poll short: it waits its full time, or returns the event")
    func signalsDoNotShortenTheWait() throws {
        installNoOpSIGUSR1()
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
        let push = try PushSocket.bounded(context)
        try push.connect(endpoint)

        let target = Mutex<pthread_t?>(nil)
        let polling = Atomic<Bool>(false)
        let outcome = Locked<String?>(nil)
        let pullBox = UncheckedBox(pull)
        let waiting = TestThread {
            let poller = Poller<Int>()
            let pull = pullBox.take()
            do {
                try poller.add(pull, token: 1)
                // The thread may have inherited a mask that blocks SIGUSR1.
                var unblock = sigset_t()
                sigemptyset(&unblock)
                sigaddset(&unblock, SIGUSR1)
                pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
                target.withLock { $0 = pthread_self() }
                let before = signalsReceived.load(ordering: .relaxed)
                // 1: nothing arrives; the poll must last its full 300 ms despite signals.
                polling.store(true, ordering: .releasing)
                let clock = ContinuousClock()
                let start = clock.now
                let first = try poller.poll(timeout: .milliseconds(300))
                let elapsed = clock.now - start
                let signals = signalsReceived.load(ordering: .relaxed) - before
                polling.store(false, ordering: .releasing)
                // 2: a message arrives while signals keep coming; the poll returns it.
                let second = Array(try poller.poll(timeout: .seconds(5)))
                outcome.value =
                    "first: \(first.count) ready after \(elapsed >= .milliseconds(299) ? "full time" : "\(elapsed)"), "
                    + "signals \(signals > 0 ? "seen" : "none"); second: \(second.map(\.token))"
            } catch {
                outcome.value = "\(error)"
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while target.withLock({ $0 }) == nil && ContinuousClock.now < deadline { usleep(1000) }
        let thread = try #require(target.withLock { $0 })
        // Signal it every 10 ms while the first poll runs, then send, still signalling.
        while !polling.load(ordering: .acquiring) && ContinuousClock.now < deadline { usleep(1000) }
        while polling.load(ordering: .acquiring) && ContinuousClock.now < deadline {
            pthread_kill(thread, SIGUSR1)
            usleep(10_000)
        }
        for _ in 0..<5 {
            pthread_kill(thread, SIGUSR1)
            usleep(10_000)
        }
        try push.send("event")
        #expect(waiting.join(timeout: .seconds(10)))
        #expect(outcome.value == "first: 0 ready after full time, signals seen; second: [1]")
    }
}

/// Counts SIGUSR1 deliveries to the no-op handler.
private let signalsReceived = Atomic<Int>(0)

/// Installs a SIGUSR1 handler that does nothing, without `SA_RESTART`, so that a
/// blocking call interrupted by the signal fails with `EINTR`.
private func installNoOpSIGUSR1() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in signalsReceived.add(1, ordering: .relaxed) }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGUSR1, &action, nil)
}

/// Hands a non-`Sendable` socket to the one thread that uses it from then on.
///
/// @unchecked Sendable: the test creates the socket, hands it over before the thread
/// starts and never touches it again, which is libzmq's rule for moving a socket.
private final class UncheckedBox<Value>: @unchecked Sendable {
    private var value: Value?
    init(_ value: Value) { self.value = value }
    func take() -> Value { value.take()! }
}
