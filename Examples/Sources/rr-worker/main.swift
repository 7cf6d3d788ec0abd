// Request-reply worker: a REP socket that connects to rr-broker's backend and answers
// every request it is given, saying which worker handled it. Run several at once: the
// broker hands each request to one of them, in turn.
//
//   cd Examples && swift run rr-worker [ENDPOINT] [NAME] [IDLE_SECONDS]
//
// Connects to ENDPOINT (default tcp://localhost:5560) as NAME (default worker-PID). With
// IDLE_SECONDS, exits when no request has come for that long; without, runs until stopped.
import Foundation
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let endpoint = arguments.count > 0 ? arguments[0] : "tcp://localhost:5560"
let name = arguments.count > 1 ? arguments[1] : "worker-\(getpid())"
let idle = arguments.count > 2 ? Int(arguments[2]).map { Duration.seconds($0) } : nil

do {
    let context = try Context()
    let worker = try RepSocket(context)
    // connect() returns at once, before there is a connection. The monitor tells when the
    // broker has accepted this worker, from which moment it can be given requests.
    let monitor = try worker.monitor([.handshakeSucceeded])
    try worker.connect(endpoint)
    print("\(name) connecting to \(endpoint)")
    _ = try monitor.next()  // waits for the broker, however long it takes to start
    monitor.stop()
    print("\(name) connected to \(endpoint)")

    // The next request, or nil once none has come for `idle`.
    func nextRequest() throws -> String? {
        guard let idle else { return try worker.receiveString() }
        return try worker.receiveString(timeout: idle)
    }

    var handled = 0
    while let request = try nextRequest() {
        try worker.send("\(request): handled by \(name)")
        handled += 1
    }
    // Only a receive with a time limit ends the loop: `idle` is set.
    print("\(name) handled \(handled) requests, then none came for \(idle!)")
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("rr-worker: \(error)\n".utf8))
    exit(1)
}
