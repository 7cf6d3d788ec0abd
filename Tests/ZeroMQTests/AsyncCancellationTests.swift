import Foundation
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// Receives sequence numbers for the cancellation tests, recording each on the actor as
/// soon as it arrives: a number taken from libzmq is in `received` even when the task
/// that asked for it was cancelled meanwhile.
actor SequenceConsumer {
    let pull: PullSocket
    private(set) var received: [Int] = []
    private(set) var cancellations = 0
    /// How many numbers have arrived, for a producer thread that waits for them.
    let progress = Counter()

    init(_ pull: sending PullSocket) {
        self.pull = pull
    }

    func receiveOne() async throws {
        do {
            let text = try await pull.receiveString()
            received.append(Int(text) ?? -1)
            progress.increment()
        } catch is CancellationError {
            cancellations += 1
            throw CancellationError()
        }
    }
}

/// A small deterministic generator, so that a failing run can be repeated with its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Async cancellation and fairness")
struct AsyncCancellationTests {
    @Test("a cancelled wait throws CancellationError and leaves the message queued")
    func cancelLeavesMessage() async throws {
        try await Task(executorPreference: Reactor.shared) {
            let context = try makeContext()
            let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
            let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
            try push.connect(try pull.bind(Transport.inproc.bindEndpoint()))
            let consumer = SequenceConsumer(pull)
            let waiting = Task(executorPreference: Reactor.shared) { try await consumer.receiveOne() }
            // Cancelled while it waits (or before it starts: then it never waits).
            await Task.yield()
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            #expect(await consumer.cancellations == 1)
            try await push.send("7")
            try await consumer.receiveOne()
            #expect(await consumer.received == [7])
        }.value
    }

    @Test("a task cancelled before it waits does not wait, and takes nothing")
    func cancelledBeforeWaiting() async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let endpoint = try pull.bind(Transport.inproc.bindEndpoint())
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            _ = try await pull.receive()
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        _ = endpoint
    }

    @Test(
        "sequence numbers under thousands of random cancellations: each arrives once, in order",
        arguments: [true, false])
    func randomCancellations(onReactor: Bool) async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SplitMix64(state: seed)
        let total = 2000
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: asyncTestTimeout)
        let endpoint = try pull.bind(Transport.tcp.bindEndpoint())
        let consumer = SequenceConsumer(pull)
        let progress = consumer.progress
        // The producer sends each number once the previous one has arrived, after a
        // random pause: the consumer's waits mostly wait, and are cancelled before,
        // during and after the number's arrival, whatever the load on the machine.
        let producer = TestThread {
            do {
                let push = try PushSocket.bounded(context, timeout: asyncTestTimeout)
                try push.connect(endpoint)
                var pace = SplitMix64(state: seed ^ 0xFFFF)
                for number in 0..<total {
                    guard waitUntil(timeout: .seconds(60), { progress.value == number }) else {
                        Issue.record("number \(number) was not received in time")
                        return
                    }
                    usleep(UInt32(pace.next() % 300))
                    try push.send("\(number)")
                }
                // The context's sockets do not linger: closing this one before the
                // last number is written would drop it.
                push.close(linger: .seconds(10))
            } catch {
                Issue.record(error)
            }
        }
        let executor: Reactor? = onReactor ? Reactor.shared : nil
        let deadline = ContinuousClock.now + .seconds(120)
        var rounds = 0
        while await consumer.received.count < total && ContinuousClock.now < deadline {
            rounds += 1
            // One to three waits at once, on the actor; each is cancelled at a random
            // moment: at once, after a yield, or after up to 300 µs.
            var tasks: [Task<Void, any Error>] = []
            for _ in 0..<Int(random.next() % 3 + 1) {
                tasks.append(Task(executorPreference: executor) { try await consumer.receiveOne() })
            }
            for task in tasks {
                switch random.next() % 3 {
                case 0: break
                case 1: await Task.yield()
                default: try? await Task.sleep(for: .microseconds(Int(random.next() % 300)))
                }
                task.cancel()
            }
            for task in tasks { _ = try? await task.value }
        }
        let received = await consumer.received
        let cancellations = await consumer.cancellations
        #expect(received == Array(0..<total), "seed \(seed)")
        #expect(cancellations >= 1000, "only \(cancellations) waits were cancelled in \(rounds) rounds (seed \(seed))")
        #expect(await producer.joined(timeout: .seconds(30)))
    }

    @Test("a burst on one socket does not starve another socket's wait on the reactor")
    func fairness() async throws {
        try await Task(executorPreference: Reactor.shared) {
            let context = try makeContext()
            let busy = try PullSocket.bounded(context, timeout: asyncTestTimeout)
            try busy.setOption(.receiveHighWaterMark, 0)
            let feeder = try PushSocket.bounded(context, timeout: asyncTestTimeout)
            try feeder.setOption(.sendHighWaterMark, 0)
            try feeder.connect(try busy.bind(Transport.inproc.bindEndpoint()))
            let backlog = 200_000
            for _ in 0..<backlog { _ = try feeder.trySend("x") }

            let quiet = try PullSocket.bounded(context, timeout: asyncTestTimeout)
            let quietEndpoint = try quiet.bind(Transport.inproc.bindEndpoint())
            let busyCount = Counter()
            let seenWhenQuietArrived = Locked<Int?>(nil)
            let entered = Counter()
            let quietTask = Task(executorPreference: Reactor.shared) {
                entered.increment()
                _ = try await quiet.receive()
                seenWhenQuietArrived.value = busyCount.value
            }
            #expect(await eventually { entered.value == 1 })
            let busyTask = Task(executorPreference: Reactor.shared) {
                let poke = try PushSocket.bounded(context, timeout: asyncTestTimeout)
                try poke.connect(quietEndpoint)
                for index in 0..<backlog {
                    _ = try await busy.receive()
                    busyCount.increment()
                    // Under way: a message for the quiet socket, which the reactor sees
                    // only if this loop lets it run.
                    if index == 1000 { _ = try poke.trySend("poke") }
                }
                poke.close()
            }
            try await quietTask.value
            try await busyTask.value
            let seen = try #require(seenWhenQuietArrived.value)
            #expect(seen < backlog, "the quiet socket waited for the whole burst")
        }.value
    }
}
