// What a user writes first in a main.swift: `try await` on a send and a receive. In
// top-level code Swift resolves both to the blocking overloads, which are unavailable
// from async code, so this must NOT compile, and the errors must say what to do.
// scripts/user-programs.sh type-checks it against the built ZeroMQ module.
import ZeroMQ

let context = try Context()
let pull = try PullSocket(context)
let endpoint = try pull.bind("tcp://127.0.0.1:*")
let push = try PushSocket(context)
try push.connect(endpoint)

try await push.send("hello")
let message = try await pull.receive()
print(message.string)
