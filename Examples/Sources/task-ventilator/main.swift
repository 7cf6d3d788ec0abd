// Task ventilator: the head of a pipeline. It deals tasks out over a PUSH socket to
// task-worker processes, round robin, and tells task-sink how many results to expect.
// Each task is a workload, a number of milliseconds (1 to 100) that a worker spends on it.
//
//   cd Examples && swift run task-ventilator [COUNT] [SINK] [WORKER...]
//
// Sends COUNT tasks (default 100), tells SINK (default tcp://localhost:5558), and connects
// to every WORKER endpoint (default tcp://localhost:5560, 5561 and 5562).
//
// The ventilator connects to the workers, which bind: a socket that connects has a
// queue for its peer as soon as connect() returns, so the tasks are dealt out evenly
// over every worker named, whichever process starts first. (When the workers connect
// to a ventilator that binds, the first to connect takes every task sent before the
// others arrive: Docs/GettingStarted.md, "Pipelines".)
import Foundation
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let count = max(1, arguments.count > 0 ? Int(arguments[0]) ?? 100 : 100)
let sinkEndpoint = arguments.count > 1 ? arguments[1] : "tcp://localhost:5558"
let workerEndpoints =
    arguments.count > 2 ? Array(arguments[2...]) : (5560...5562).map { "tcp://localhost:\($0)" }

// At exit, a worker that has not started yet still gets its share if it starts within
// ten seconds: the exit waits that long, at most, for the queues to drain.
do {
    let context = try Context(defaultLinger: .seconds(10))
    let sink = try PushSocket(context)
    try sink.connect(sinkEndpoint)
    let workers = try PushSocket(context)
    for endpoint in workerEndpoints {
        try workers.connect(endpoint)
    }

    try sink.send("batch \(count)")
    var workload = 0
    for _ in 1...count {
        let milliseconds = Int.random(in: 1...100)
        workload += milliseconds
        try workers.send("\(milliseconds)")
    }
    print("sent \(count) tasks to \(workerEndpoints.count) workers: \(workload) ms of work")
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("task-ventilator: \(error)\n".utf8))
    exit(1)
}
