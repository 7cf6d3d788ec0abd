import Testing
import ZeroMQ

@Suite("PUSH/PULL")
struct PushPullTests {
    @Test("messages arrive in order", arguments: Transport.allCases)
    func pipeline(transport: Transport) throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)
        for n in 0..<100 { try push.send("job \(n)") }
        for n in 0..<100 { #expect(try pull.receiveString() == "job \(n)") }
    }

    @Test("PUSH round-robins over two PULLs", arguments: Transport.allCases)
    func roundRobin(transport: Transport) throws {
        let context = try makeContext()
        let push = try PushSocket.bounded(context)
        let pulls = [try PullSocket.bounded(context), try PullSocket.bounded(context)]
        let endpoint = try push.bind(transport.bindEndpoint())
        for pull in pulls { try pull.connect(endpoint) }

        // A PUSH balances only over the peers whose connection is up. Send probes until
        // each puller has received one: then both are in the rotation. Probes are read
        // as they come so that no queue fills up.
        var probed = [false, false]
        let deadline = ContinuousClock.now + .seconds(10)
        while probed.contains(false) {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("both pullers never connected: \(probed)")
            }
            _ = try push.trySend("probe")
            for (index, pull) in pulls.enumerated() where waitReadable(pull, milliseconds: 5) {
                while let message = try pull.tryReceive() {
                    #expect(message == "probe")
                    probed[index] = true
                }
            }
        }

        for n in 0..<10 { try push.send("m\(n)") }

        // Each puller gets every other message, in order. Probes still in flight come
        // first on each connection, and are skipped.
        var got: [[Int]] = [[], []]
        for (index, pull) in pulls.enumerated() {
            while got[index].count < 5 {
                let text = try pull.receiveString()
                if text == "probe" { continue }
                got[index].append(try #require(Int(text.dropFirst())))
            }
            #expect(try pull.tryReceive() == nil)
        }
        #expect(Set(got[0] + got[1]) == Set(0..<10))
        for numbers in got {
            let start = try #require(numbers.first)
            #expect(numbers == Array(stride(from: start, to: 10, by: 2)), "not alternating: \(got)")
        }
    }

    @Test("a PUSH with no peer cannot send without blocking")
    func noPeer() throws {
        let context = try makeContext()
        let push = try PushSocket.bounded(context, timeout: .milliseconds(50))
        #expect(try push.trySend("nobody") == false)
        #expect(try push.trySend(Message("nobody")) == false)
        #expect(try push.trySend([1, 2, 3] as [UInt8]) == false)
        #expect(try push.trySendMultipart(["a", "b"]) == false)
        #expect(throws: ZMQError.again) { try push.send("nobody") }
    }
}
