// Steerable proxy: the seed document's shared queue (a ROUTER frontend for clients, a
// DEALER backend for workers) run by libzmq's zmq_proxy_steerable on a thread of its
// own, paused, resumed and asked for statistics by commands typed on standard input.
//
//   cd Examples && swift run steerable-proxy [FRONTEND] [BACKEND]
//
// Binds FRONTEND (default tcp://*:5559), where REQ clients connect, and BACKEND
// (default tcp://*:5560), where REP workers connect: it stands in for rr-broker, so
// `swift run rr-worker` and `swift run rr-client` talk through it as they are. Then
// reads commands, one per line:
//
//   pause        stop forwarding: messages wait in the sockets' queues
//   resume       forward again, the waiting messages first
//   statistics   messages and bytes through each side so far
//   stop         stop the proxy (as does the end of the input, Ctrl-D)
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let frontendEndpoint = arguments.first ?? "tcp://*:5559"
let backendEndpoint = arguments.dropFirst().first ?? "tcp://*:5560"

let context = try Context()
let frontend = try RouterSocket(context)
print("clients connect to", try frontend.bind(frontendEndpoint))
let backend = try DealerSocket(context)
print("workers connect to", try backend.bind(backendEndpoint))

// The sockets move to the proxy's thread, which uses them from now on and closes them.
let proxy = try Proxy.start(frontend: frontend, backend: backend)
print("forwarding; commands: pause, resume, statistics, stop")

/// Prints the proxy's counters: frontend in (requests) and out (replies), backend out
/// (requests) and in (replies). A multipart message counts once, with all its bytes.
func printStatistics(_ statistics: ProxyStatistics) {
    print("frontend: \(statistics.frontend)")
    print("backend: \(statistics.backend)")
}

commands: while let line = readLine() {
    let command = line.split(separator: " ").first?.lowercased() ?? ""
    switch command {
    case "pause":
        try proxy.pause()  // returns once the proxy has paused
        print("paused")
    case "resume":
        try proxy.resume()
        print("resumed")
    case "statistics", "stats":
        printStatistics(try proxy.statistics())
    case "stop":
        break commands
    case "":
        continue
    default:
        print("unknown command '\(command)'; commands: pause, resume, statistics, stop")
    }
}
// The counters as they are when the proxy stops.
printStatistics(try proxy.statistics())
proxy.stop()  // its thread has ended, and its sockets are closed
print("stopped")
