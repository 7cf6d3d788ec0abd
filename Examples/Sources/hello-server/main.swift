// Hello World server: a REP socket that answers every "Hello" with "World".
//
//   swift run hello-server [ENDPOINT] [COUNT]
//
// Binds ENDPOINT (default tcp://*:5555) and answers COUNT requests (default: forever).
import Foundation
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let endpoint = arguments.first ?? "tcp://*:5555"
let count = arguments.dropFirst().first.flatMap { Int($0) } ?? .max

do {
    let context = try Context()
    let responder = try RepSocket(context)
    print("bound", try responder.bind(endpoint))

    for _ in 0..<count {
        let request = try responder.receiveString()
        print("received", request)
        try responder.send("World")
    }
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("hello-server: \(error)\n".utf8))
    exit(1)
}
