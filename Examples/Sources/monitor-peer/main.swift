// Monitor: prints what happens to a socket's connections as peers come and go, each
// libzmq event decoded (zmq_socket_monitor), awaited in a `for try await` loop.
//
//   cd Examples && swift run monitor-peer bind [ENDPOINT] [COUNT]
//   cd Examples && swift run monitor-peer connect [ENDPOINT] [COUNT]
//
// A DEALER socket binds or connects ENDPOINT (default tcp://*:5580 to bind,
// tcp://localhost:5580 to connect) and prints its events, COUNT of them (default:
// forever). Run one of each in two terminals, then stop and start either: the one that
// binds sees its peer accepted and disconnected; the one that connects sees its
// connection made, lost, retried and made again. It also watches any other ZeroMQ
// peer that a DEALER can talk to, such as `swift run hello-server`.
import Foundation
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let mode = arguments.first ?? "bind"
guard mode == "bind" || mode == "connect" else {
    print("usage: monitor-peer bind|connect [ENDPOINT] [COUNT]")
    exit(2)
}
let endpoint = arguments.dropFirst().first ?? (mode == "bind" ? "tcp://*:5580" : "tcp://localhost:5580")
let count = arguments.dropFirst(2).first.flatMap { Int($0) } ?? .max

let context = try Context()
let socket = try DealerSocket(context)
// Before bind or connect: events that happen before the monitor starts are not reported.
let monitor = try socket.monitor(.all)
if mode == "bind" {
    print("bound", try socket.bind(endpoint))
} else {
    try socket.connect(endpoint)
    print("connecting to", endpoint)
}

var seen = 0
for try await event in monitor {  // awaits each event; ends if the monitor stops
    print(event)
    seen += 1
    if seen == count { break }
}
