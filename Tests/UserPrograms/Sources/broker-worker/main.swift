// A worker behind the broker: answers each request with "echo: " and the request, until
// no request comes for IDLE_MS.
//
//   broker-worker BACKEND IDLE_MS
import ZeroMQ

let arguments = CommandLine.arguments
let context = try Context()
let worker = try RepSocket(context)
try worker.setOption(.receiveTimeout, .milliseconds(Int(arguments[2])!))
try worker.connect(arguments[1])
var answered = 0
while true {
    let request: String
    do {
        request = try worker.receiveString()
    } catch .again {
        break
    } catch {
        throw error
    }
    try worker.send("echo: " + request)
    answered += 1
}
print("answered \(answered)")
