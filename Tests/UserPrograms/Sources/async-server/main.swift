// A server in async top-level code: a ROUTER answers TOTAL requests from any number of
// clients in one `for try await` loop on the reactor, then the program ends.
//
//   async-server TOTAL
//
// Prints its endpoint first, then "served N" at the end.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let total = Int(CommandLine.arguments[1])!
let context = try Context()

// The loop runs on the reactor's thread: each wait that ends resumes there, with no
// thread of its own and no thread switch.
let served = try await Task(executorPreference: Reactor.shared) {
    let router = try RouterSocket(context)
    print(try router.bind("tcp://127.0.0.1:*"))
    fflush(nil)  // the clients wait for this line
    var served = 0
    for try await request in router.multipartMessages {
        try await router.sendMultipart([request[0], Message("reply to \(request[1].string)")])
        served += 1
        if served == total { break }
    }
    return served
}.value
print("served \(served)")
