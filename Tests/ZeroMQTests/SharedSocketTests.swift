import Testing
import ZeroMQ

/// `SharedSocket`: one socket used by many tasks at once through the actor that owns it.
@Suite("SharedSocket")
struct SharedSocketTests {
    @Test("many tasks send through one shared PUSH; every message arrives once", arguments: [Transport.inproc, .tcp])
    func manySenders(over transport: Transport) async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let endpoint = try pull.bind(transport.bindEndpoint())
        let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
        try push.connect(endpoint)
        let shared = SharedSocket(push)

        try await withThrowingTaskGroup { group in
            for task in 0..<8 {
                group.addTask {
                    for n in 0..<50 { try await shared.send("\(task).\(n)") }
                }
            }
            try await group.waitForAll()
        }
        var received: Set<String> = []
        for _ in 0..<400 { received.insert(try await pull.receiveString()) }
        #expect(received.count == 400)
        #expect(received.contains("0.0") && received.contains("7.49"))
        await shared.close()
        #expect(await shared.isClosed)
    }

    @Test("tasks receiving and tasks sending on one shared DEALER at once: each reply reaches one receiver")
    func sendersAndReceivers() async throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context, timeout: asyncTestTimeout)
        let endpoint = try router.bind(Transport.inproc.bindEndpoint())
        let dealer = try DealerSocket.bounded(context, timeout: asyncTestTimeout)
        try dealer.connect(endpoint)
        let shared = SharedSocket(dealer)

        // An echo server on the ROUTER side, in a task of its own.
        let server = Task {
            for _ in 0..<60 {
                let frames = try await router.receiveMultipart()
                try await router.sendMultipart(frames)
            }
        }
        let replies = try await withThrowingTaskGroup(of: [String].self) { group in
            // Three receivers wait first, then six senders send ten requests each.
            for _ in 0..<3 {
                group.addTask {
                    var got: [String] = []
                    for _ in 0..<20 { got.append(try await shared.receiveMultipart().map(\.string).joined()) }
                    return got
                }
            }
            for task in 0..<6 {
                group.addTask {
                    for n in 0..<10 { try await shared.sendMultipart(["request ", "\(task).\(n)"]) }
                    return []
                }
            }
            var all: [String] = []
            for try await got in group { all += got }
            return all
        }
        try await server.value
        #expect(replies.count == 60)
        #expect(Set(replies).count == 60, "each reply once, its two frames together")
        #expect(replies.allSatisfy { $0.hasPrefix("request ") })
    }

    @Test("the actor is reentrant: a send goes out while another task waits in a receive on the same socket")
    func sendWhileReceiving() async throws {
        let context = try makeContext()
        let peer = try PairSocket.bounded(context, timeout: asyncTestTimeout)
        let endpoint = try peer.bind(Transport.inproc.bindEndpoint())
        let ours = try PairSocket.bounded(context, timeout: asyncTestTimeout)
        try ours.connect(endpoint)
        let shared = SharedSocket(ours)

        let waiting = Counter()
        let receiver = Task {
            try await shared.withSocket { socket in
                waiting.increment()  // on the actor, just before it waits: nothing is there yet
                return try await socket.receiveString()
            }
        }
        #expect(await eventually { waiting.value == 1 })
        // Not queued behind the receive: the peer gets it, and answers the receiver.
        try await shared.send("ping")
        #expect(try await peer.receiveString() == "ping")
        try await peer.send("pong")
        #expect(try await receiver.value == "pong")
    }

    @Test("timeouts: several receives with a timeout return nil at their own time; a send times out on a full queue")
    func timeouts() async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
        let shared = SharedSocket(pull)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup { group in
            for limit: Duration in [.milliseconds(150), .milliseconds(50), .milliseconds(100)] {
                group.addTask {
                    let text = try await shared.receiveString(timeout: limit)
                    #expect(text == nil)
                    #expect(ContinuousClock.now - start >= limit)
                }
            }
            try await group.waitForAll()
        }
        // A PUSH with a high-water mark of 1 and no peer queues nothing: the send waits
        // its timeout, then throws again.
        let push = try PushSocket(context)
        try push.setOption(.sendHighWaterMark, 1)
        let lonely = SharedSocket(push)
        await #expect(throws: ZMQError.again) { try await lonely.send("nobody", timeout: .milliseconds(50)) }
        // Connected, a message sent through one shared socket reaches the other.
        let sender = try PushSocket(context)
        try sender.connect(endpoint)
        let sharedSender = SharedSocket(sender)
        try await sharedSender.send("here", timeout: .seconds(30))
        #expect(try await shared.receiveString(timeout: .seconds(30)) == "here")
        await shared.close()
        await lonely.close()
        await sharedSender.close()
    }

    @Test("close() ends a receive that waits with notSocket, and every later operation")
    func closeEndsWaits() async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        try pull.bind(Transport.inproc.bindEndpoint())
        let shared = SharedSocket(pull)
        #expect(shared.kind == .pull && shared.description == "SharedSocket<PULL>")

        let waiting = Counter()
        let receiver = Task {
            try await shared.withSocket { socket in
                waiting.increment()
                return try await socket.receive().count
            }
        }
        #expect(await eventually { waiting.value == 1 })
        await shared.close()
        await #expect(throws: ZMQError.notSocket) { _ = try await receiver.value }
        await #expect(throws: ZMQError.notSocket) { _ = try await shared.receiveString() }
    }

    @Test("withSocket: options, bind and connect, with the socket's own API")
    func withSocket() async throws {
        let context = try makeContext()
        let shared = SharedSocket(try PullSocket(context))
        let endpoint = try await shared.withSocket { socket in
            try socket.setOption(.receiveTimeout, asyncTestTimeout)
            return try socket.bind(Transport.tcp.bindEndpoint())
        }
        let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
        try push.connect(endpoint)
        try await push.send("through")
        #expect(try await shared.receiveString() == "through")
        await shared.close()
    }
}
