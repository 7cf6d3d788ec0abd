// Async server: one ROUTER serving many clients from one task group. A loop takes each
// request and starts a child task for it; the requests' work (here 100 ms of awaiting,
// as a database call would be) overlaps, on no thread of their own, and each task sends
// its reply through the same socket, shared by an actor (SharedSocket).
//
//   cd Examples && swift run async-server [ENDPOINT] [COUNT]
//
// Binds ENDPOINT (default tcp://*:5570) and answers COUNT requests (default: forever),
// then prints how many clients it served and how many requests it had in hand at once.
// Its clients: `swift run async-client NAME`, as many as you like at once.
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let endpoint = arguments.first ?? "tcp://*:5570"
let count = arguments.dropFirst().first.flatMap { Int($0) } ?? .max
let work = Duration.milliseconds(100)

let context = try Context()
let router = try RouterSocket(context)
print("serving on", try router.bind(endpoint))
// The loop receives and the tasks send through one socket: an actor owns it, and serves
// a receive and sends side by side. `router` moves in; use `socket` from now on.
let socket = SharedSocket(router)

/// The requests in hand: now, and the most at once.
actor Load {
    private(set) var current = 0
    private(set) var most = 0
    func begin() {
        current += 1
        most = max(most, current)
    }
    func end() { current -= 1 }
}
let load = Load()

var clients: Set<[UInt8]> = []  // their routing ids
try await withThrowingDiscardingTaskGroup { group in
    for _ in 0..<count {
        let request = try await socket.receiveMultipart()  // [client's routing id, request]
        // A Message is not Sendable: the task takes copies of what it needs, and makes
        // the messages of its reply.
        let client = [UInt8](request[0])
        let text = request[1].string
        clients.insert(client)
        group.addTask {
            await load.begin()
            try await Task.sleep(for: work)  // the request's work
            await load.end()
            try await socket.sendMultipart([Message(client), Message("re: \(text)")])
        }
    }
}  // returns once every task has replied
print("served \(count) requests from \(clients.count) clients, at most \(await load.most) at once")
