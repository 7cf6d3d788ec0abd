// Hello World client: a REQ socket that sends "Hello" and waits for each "World".
//
//   swift run hello-client [ENDPOINT] [COUNT]
//
// Connects to ENDPOINT (default tcp://localhost:5555) and makes COUNT requests (default 10).
import Foundation
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let endpoint = arguments.first ?? "tcp://localhost:5555"
let count = arguments.dropFirst().first.flatMap { Int($0) } ?? 10

do {
    let context = try Context()
    let requester = try ReqSocket(context)
    try requester.connect(endpoint)

    for number in 1...count {
        try requester.send("Hello")
        guard let reply = try requester.receiveString(timeout: .seconds(5)) else {
            print("no reply to request \(number) within 5 seconds; is hello-server running?")
            exit(1)
        }
        print("request \(number): \(reply)")
    }
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("hello-client: \(error)\n".utf8))
    exit(1)
}
