// A client in async top-level code: a DEALER sends COUNT requests at once, then awaits
// and checks every reply, from a task on the reactor.
//
//   async-client ENDPOINT COUNT
//
// Prints "N of COUNT replies correct".
import ZeroMQ

let endpoint = CommandLine.arguments[1]
let count = Int(CommandLine.arguments[2])!
let context = try Context()

let correct = try await Task(executorPreference: Reactor.shared) {
    let dealer = try DealerSocket(context)
    try dealer.connect(endpoint)
    for index in 0..<count {
        try await dealer.send("request \(index)")
    }
    var correct = 0
    for index in 0..<count {
        // A ROUTER answers in order per client; a lost reply ends the wait in time.
        if try await dealer.receiveString(timeout: .seconds(10)) == "reply to request \(index)" {
            correct += 1
        }
    }
    return correct
}.value
print("\(correct) of \(count) replies correct")
