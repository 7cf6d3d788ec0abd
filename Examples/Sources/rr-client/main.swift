// Request-reply client: a REQ socket that sends requests to rr-broker's frontend and
// prints which worker handled each. It knows only the broker, not the workers.
//
//   cd Examples && swift run rr-client [ENDPOINT] [NAME] [COUNT]
//
// Connects to ENDPOINT (default tcp://localhost:5559) as NAME (default client-PID) and
// makes COUNT requests (default 10), waiting at most 5 seconds for each reply.
import Foundation
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let endpoint = arguments.count > 0 ? arguments[0] : "tcp://localhost:5559"
let name = arguments.count > 1 ? arguments[1] : "client-\(getpid())"
let count = max(1, arguments.count > 2 ? Int(arguments[2]) ?? 10 : 10)

do {
    let context = try Context()
    let client = try ReqSocket(context)
    try client.connect(endpoint)

    for number in 1...count {
        try client.send("\(name) request \(number)")
        guard let reply = try client.receiveString(timeout: .seconds(5)) else {
            print("\(name): no reply to request \(number) within 5 seconds; are rr-broker and rr-worker running?")
            exit(1)
        }
        print(reply)
    }
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("rr-client: \(error)\n".utf8))
    exit(1)
}
