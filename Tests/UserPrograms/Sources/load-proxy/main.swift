// A broker under load, for `make load`: a ROUTER frontend and a DEALER backend joined by
// a managed proxy (`zmq_proxy_steerable` on its own thread).
//
//   load-proxy
//
// Prints the frontend's endpoint, then the backend's. Then, for each line read on
// standard input, prints the proxy's statistics ("stats" followed by eight numbers:
// frontend messages in, bytes in, messages out, bytes out, then the backend's); at the
// end of input, prints them once more, stops the proxy and ends.
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

func report() throws {
    let statistics = try proxy.statistics()
    let numbers = [statistics.frontend, statistics.backend].flatMap {
        [$0.messagesReceived, $0.bytesReceived, $0.messagesSent, $0.bytesSent]
    }
    print("stats " + numbers.map(String.init).joined(separator: " "))
    fflush(nil)
}

while readLine() != nil {
    try report()
}
try report()
proxy.stop()
