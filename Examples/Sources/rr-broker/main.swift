// Request-reply broker: clients (REQ) connect to a ROUTER frontend, workers (REP) to a
// DEALER backend, and the library's managed proxy forwards between them on a thread of
// its own (Proxy.start). Each request goes to one worker, in turn, and its reply back
// to the client that sent it; clients and workers come and go without knowing each
// other, only the broker.
//
//   cd Examples && swift run rr-broker [FRONTEND] [BACKEND] [COUNT]
//
// Binds FRONTEND (default tcp://*:5559) for rr-client and BACKEND (default
// tcp://*:5560) for rr-worker. With COUNT, stops once COUNT replies have gone back to
// clients; without, runs until stopped. It prints the proxy's statistics as they change.
import Foundation
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let frontendEndpoint = arguments.count > 0 ? arguments[0] : "tcp://*:5559"
let backendEndpoint = arguments.count > 1 ? arguments[1] : "tcp://*:5560"
let count = arguments.count > 2 ? UInt64(arguments[2]) ?? .max : .max

do {
    let context = try Context()
    let frontend = try RouterSocket(context)
    print("clients connect to", try frontend.bind(frontendEndpoint))
    let backend = try DealerSocket(context)
    print("workers connect to", try backend.bind(backendEndpoint))

    // From here the proxy's thread owns both sockets, and closes them when it stops.
    let proxy = try Proxy.start(frontend: frontend, backend: backend)

    // The proxy needs nothing from this thread; it only reports what the proxy has done.
    // On the frontend, requests come in and replies go out.
    var traffic = try proxy.statistics().frontend
    while traffic.messagesSent < count {
        Thread.sleep(forTimeInterval: 0.1)
        let now = try proxy.statistics().frontend
        if now != traffic { print("requests \(now.messagesReceived), replies \(now.messagesSent)") }
        traffic = now
    }
    proxy.stop()
    print("forwarded \(traffic.messagesReceived) requests and \(traffic.messagesSent) replies")
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("rr-broker: \(error)\n".utf8))
    exit(1)
}
