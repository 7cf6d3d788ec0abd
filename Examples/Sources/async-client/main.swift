// Async client: a DEALER that sends all its requests at once and awaits their replies,
// for async-server. Start many at once to see one server task group serve them all.
//
//   cd Examples && swift run async-client NAME [ENDPOINT] [COUNT]
//
// Connects to ENDPOINT (default tcp://localhost:5570), sends COUNT requests (default 3),
// "NAME 1", "NAME 2", ..., then prints each reply as it comes (in any order: the server
// works on them at once). Exits with status 1 if a reply does not come within 10 seconds.
import Foundation
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let name = arguments.first ?? "client-\(getpid())"
let endpoint = arguments.dropFirst().first ?? "tcp://localhost:5570"
let count = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 3

/// Sends the requests, then awaits the replies; returns whether every one came.
///
/// A function rather than top-level code: in top-level code, `try await socket.receive()`
/// names the blocking form, which async code may not call (Docs/Async.md).
func run() async throws -> Bool {
    let context = try Context()
    let dealer = try DealerSocket(context)
    try dealer.connect(endpoint)
    // A DEALER does not wait for a reply before the next request: they all go at once.
    for number in 1...count {
        try await dealer.send("\(name) \(number)")
    }
    var expected = Set((1...count).map { "re: \(name) \($0)" })
    while !expected.isEmpty {
        guard let reply = try await dealer.receiveString(timeout: .seconds(10)) else {
            print("\(name): no reply within 10 seconds to", expected.sorted().joined(separator: ", "))
            return false
        }
        print(reply)
        expected.remove(reply)
    }
    return true
}

exit(try await run() ? 0 : 1)
