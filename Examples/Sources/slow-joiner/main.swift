// Slow joiner: a subscriber misses what a publisher sends before its subscription has
// reached the publisher; the XPUB way loses nothing. Measured, both ways:
//
// - The subscriber starts first and connects to an endpoint where no publisher is yet,
//   as a subscriber started before its publisher does: libzmq retries the connection
//   about every 100 ms.
// - A naive PUB binds and publishes COUNT updates at once. Until the subscriber's retry
//   succeeds and its subscription arrives, the PUB has nobody to send to, and drops them.
// - An XPUB binds, and first waits for the subscription, which it receives as a message
//   (the byte 1, then the prefix); only then does it publish. Nothing is lost.
//
//   cd Examples && swift run slow-joiner [COUNT]
//
// Publishes COUNT updates (default 1000) each way and prints how many the subscriber got.
// Publisher and subscriber are tasks of one process, over ipc, as they would be in two
// processes (tcp behaves the same); the async API lets both wait at once.
import Foundation
import ZeroMQ

let count = max(1, CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1000)
do {
    let context = try Context()

    /// Subscribes to everything at `endpoint`, and counts what arrives in a task of its
    /// own, until nothing has come for half a second.
    func subscribe(to endpoint: String) throws -> Task<Int, any Error> {
        let subscriber = try SubSocket(context)
        try subscriber.subscribeToAll()
        try subscriber.connect(endpoint)  // nobody there yet: libzmq retries in the background
        return Task {
            var received = 0
            while try await subscriber.receive(timeout: .milliseconds(500)) != nil {
                received += 1
            }
            return received
        }
    }

    /// Publishes as soon as it has bound: returns what the subscriber received.
    func naive(at endpoint: String) async throws -> Int {
        let received = try subscribe(to: endpoint)
        let publisher = try PubSocket(context)
        try publisher.bind(endpoint)
        for number in 1...count {
            try await publisher.send("update \(number)")
        }
        return try await received.value
    }

    /// Waits for the subscription before it publishes: returns what the subscriber
    /// received, and how long the publisher waited.
    func handshake(at endpoint: String) async throws -> (received: Int, waited: Duration) {
        let received = try subscribe(to: endpoint)
        let publisher = try XPubSocket(context)
        try publisher.bind(endpoint)
        let start = ContinuousClock.now
        // subscribeToAll() arrives as the single byte 1: a subscription to the empty prefix.
        guard let subscription = try await publisher.receive(timeout: .seconds(5)), subscription.first == 1 else {
            print("XPUB handshake: no subscription within 5 seconds")
            exit(1)
        }
        let waited = ContinuousClock.now - start
        for number in 1...count {
            try await publisher.send("update \(number)")
        }
        return (try await received.value, waited)
    }

    let lost = try await naive(at: "ipc:///tmp/slow-joiner-\(getpid())-pub")
    print("naive PUB: the subscriber got \(lost) of \(count) updates")
    let (received, waited) = try await handshake(at: "ipc:///tmp/slow-joiner-\(getpid())-xpub")
    let milliseconds = Double(waited.components.attoseconds) / 1e15 + Double(waited.components.seconds) * 1000
    print(
        "XPUB handshake: the subscriber got \(received) of \(count) updates",
        String(format: "(the publisher waited %.1f ms for the subscription)", milliseconds))
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("slow-joiner: \(error)\n".utf8))
    exit(1)
}
