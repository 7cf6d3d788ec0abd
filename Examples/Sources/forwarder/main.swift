// Forwarder: an XSUB/XPUB proxy between publishers and subscribers. Subscribers connect
// to the forwarder as if it were the publisher; their subscriptions travel through it
// to the publisher, and the updates they asked for travel back. Here it sits between
// weather-server and weather-client, which need no change.
//
//   cd Examples && swift run forwarder [PUBLISHER] [ENDPOINT]
//
// Connects to PUBLISHER (default tcp://localhost:5556), binds ENDPOINT for subscribers
// (default tcp://*:8100), and forwards until stopped, in this thread (Proxy.run).
//   cd Examples && swift run weather-client tcp://localhost:8100
import Foundation
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let publisherEndpoint = arguments.count > 0 ? arguments[0] : "tcp://localhost:5556"
let endpoint = arguments.count > 1 ? arguments[1] : "tcp://*:8100"

do {
    let context = try Context()
    let frontend = try XSubSocket(context)
    try frontend.connect(publisherEndpoint)
    let backend = try XPubSocket(context)
    print("forwarding from \(publisherEndpoint) to subscribers on \(try backend.bind(endpoint))")

    // zmq_proxy: it returns only by throwing, when the context is shut down.
    try Proxy.run(frontend: frontend, backend: backend)
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("forwarder: \(error)\n".utf8))
    exit(1)
}
