// A request broker in top-level code: a ROUTER frontend for clients and a DEALER backend
// for workers, joined by a managed proxy on its own thread.
//
//   broker
//
// Prints the frontend's endpoint, then the backend's; then waits for a line on standard
// input, prints the proxy's statistics and ends, leaving the proxy for the exit handler
// to stop.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let context = try Context()
let frontend = try RouterSocket(context)
let backend = try DealerSocket(context)
print(try frontend.bind("tcp://127.0.0.1:*"))
print(try backend.bind("tcp://127.0.0.1:*"))
fflush(nil)

let proxy = try Proxy.start(frontend: frontend, backend: backend)
_ = readLine()
let statistics = try proxy.statistics()
print("frontend in \(statistics.frontend.messagesReceived), backend in \(statistics.backend.messagesReceived)")
