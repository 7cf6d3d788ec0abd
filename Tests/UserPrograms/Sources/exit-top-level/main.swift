// A sender in top-level code, as a first-time user writes it: connect, send, end.
//
//   exit-top-level ENDPOINT SMALL LARGE_BYTES [close|context-close|nothing]
//
// Sends SMALL messages of 16 bytes, then one message of LARGE_BYTES (if not 0), then
// ends. The last argument chooses how the program ends: by simply falling off the end
// (`nothing`, the default), after `push.close()`, or after `context.close()`.
import ZeroMQ

let arguments = CommandLine.arguments
let endpoint = arguments[1]
let small = Int(arguments[2])!
let large = Int(arguments[3])!
let ending = arguments.count > 4 ? arguments[4] : "nothing"

let context = try Context()
let push = try PushSocket(context)
try push.connect(endpoint)
for index in 0..<small {
    try push.send("small \(index)".utf8.map { $0 } + [UInt8](repeating: 0x2E, count: 16 - "small \(index)".utf8.count))
}
if large > 0 {
    try push.send([UInt8](repeating: 0x4C, count: large))
}
switch ending {
case "close": push.close()
case "context-close": context.close()
default: break
}
