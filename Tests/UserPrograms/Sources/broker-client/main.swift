// A client of the broker: sends COUNT requests and checks each reply, watching its own
// connection with a monitor.
//
//   broker-client FRONTEND COUNT
import ZeroMQ

let arguments = CommandLine.arguments
let count = Int(arguments[2])!
let context = try Context()
let client = try ReqSocket(context)
try client.setOption(.receiveTimeout, .seconds(10))
let monitor = try client.monitor([.connected, .handshakeSucceeded])
try client.connect(arguments[1])

var handshake = false
while let event = try monitor.next(timeout: .seconds(10)) {
    if case .handshakeSucceeded = event.kind {
        handshake = true
        break
    }
}
var correct = 0
for index in 0..<count {
    try client.send("request \(index)")
    if try client.receiveString() == "echo: request \(index)" { correct += 1 }
}
print("handshake \(handshake), \(correct) of \(count) replies correct")
