// README's "At top level" example as a user pastes it into main.swift: async top-level
// code that awaits its global sockets in the ways that compile there. A top-level
// `try await push.send(...)` would not compile (CompileFailures/top-level-await.swift).
//
//   async-top-level
//
// Prints "job 1", "job 2", "job 3", then "[]" and "nothing within 50 ms".
import ZeroMQ

let context = try Context()
let pull = try PullSocket(context)
let endpoint = try pull.bind("tcp://127.0.0.1:*")
let push = try PushSocket(context)
try push.connect(endpoint)

@MainActor func sendJobs() async throws {
    for index in 1...3 {
        try await push.send("job \(index)")  // the async send, waiting without blocking
    }
}
try await sendJobs()

for try await job in pull.messages {  // the async receive, at top level
    print(job.string)  // job 1, job 2, job 3
    if job.string == "job 3" { break }
}

// A wait for readiness has no blocking twin: it works at top level as written.
print(try await pull.wait(for: .readable, timeout: .milliseconds(50)))  // []

// A receive with a timeout, from an async function: nil when the time passes.
@MainActor func nextJob() async throws -> String? {
    try await pull.receiveString(timeout: .milliseconds(50))
}
print(try await nextJob() ?? "nothing within 50 ms")
