// Lazy Pirate server: a REP server that echoes every request, and crashes on purpose
// (it exits without replying) once it has answered CRASH_AFTER of them, so that
// lazy-pirate-client has something to recover from.
//
//   cd Examples && swift run lazy-pirate-server [ENDPOINT] [CRASH_AFTER]
//
// Binds ENDPOINT (default tcp://*:5555) and crashes at the request after CRASH_AFTER
// replies (default 5). Start it again, and the client, which has been resending its
// request, gets its reply from the new server.
import Foundation
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let endpoint = arguments.first ?? "tcp://*:5555"
let crashAfter = arguments.dropFirst().first.flatMap { Int($0) } ?? 5

do {
    let context = try Context()
    let server = try RepSocket(context)
    print("bound", try server.bind(endpoint))

    var replies = 0
    while true {
        let request = try server.receiveString()
        if replies == crashAfter {
            // The request is lost with the process: the client hears nothing back.
            print("request \(request): simulating a crash after \(replies) replies")
            exit(1)
        }
        try server.send(request)
        replies += 1
        print("request \(request): replied")
    }
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("lazy-pirate-server: \(error)\n".utf8))
    exit(1)
}
