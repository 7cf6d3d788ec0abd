// A sender in async top-level code: one socket is a global used between awaits, another
// lives in a task that sends and ends. Then the program ends.
//
//   exit-async ENDPOINT SMALL LARGE_BYTES
//
// The global socket sends SMALL messages; the task's socket sends one of LARGE_BYTES.
import ZeroMQ

let arguments = CommandLine.arguments
let endpoint = arguments[1]
let small = Int(arguments[2])!
let large = Int(arguments[3])!

let context = try Context()
let push = try PushSocket(context)
try push.connect(endpoint)

// The global socket is the main actor's: a @MainActor function awaits it (top-level code
// itself would pick the blocking send, which does not compile here).
@MainActor func sendSmall() async throws {
    for index in 0..<small {
        try await push.send("async \(index)")
        await Task.yield()
    }
}
try await sendSmall()

// A socket that lives in a task: released, and so closed, when the task ends, while the
// context it belongs to is a global that lives on.
try await Task.detached {
    let bulk = try PushSocket(context)
    try bulk.connect(endpoint)
    try await bulk.send([UInt8](repeating: 0x41, count: large))
}.value
