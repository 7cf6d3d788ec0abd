// Game server: pulls player requests from a game gateway, handles each, and
// acknowledges it. Start as many as you like, whenever you like: the gateway spreads
// its requests over those connected.
//
//   cd Examples && swift run game-server NAME [REQUESTS] [ACKS] [WORK_MS] [COUNT]
//
// Connects to the gateway's REQUESTS (default tcp://localhost:5570) and ACKS (default
// tcp://localhost:5571) endpoints; each request takes WORK_MS (default 40) of game logic.
// Handles COUNT requests (default: until stopped). Stopping it with Ctrl-C or `kill -9`
// loses the requests queued for it, which the gateway reports as lost.
import Foundation
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let name = arguments.first ?? "server-\(getpid())"
let requestsEndpoint = arguments.dropFirst().first ?? "tcp://localhost:5570"
let acksEndpoint = arguments.dropFirst(2).first ?? "tcp://localhost:5571"
let work = TimeInterval(arguments.dropFirst(3).first.flatMap { Int($0) } ?? 40) / 1000
let count = arguments.dropFirst(4).first.flatMap { Int($0) } ?? .max

let context = try Context()
let requests = try PullSocket(context)
try requests.connect(requestsEndpoint)
let acks = try PushSocket(context)
try acks.connect(acksEndpoint)
print("\(name) pulls requests from \(requestsEndpoint)")

for _ in 0..<count {
    let request = try requests.receiveString()  // "ID PLAYER ACTION"
    let id = request.prefix { $0 != " " }
    Thread.sleep(forTimeInterval: work)  // the game logic
    print("\(name) handled request \(id)")
    try acks.send("\(name) \(id)")
}
