// Task worker: the middle of a pipeline. It takes tasks from task-ventilator on a PULL
// socket, works on each (sleeps its number of milliseconds), and pushes the result to
// task-sink, tagged with its name so that the sink can tell who did what. Run several.
//
//   cd Examples && swift run task-worker [NAME] [ENDPOINT] [SINK] [IDLE_SECONDS]
//
// Binds ENDPOINT (default tcp://*:5560) for the ventilator, connects to SINK (default
// tcp://localhost:5558), and calls itself NAME (default worker-PID). With IDLE_SECONDS,
// exits when no task has come for that long; without, runs until stopped.
//   cd Examples && swift run task-worker w2 tcp://*:5561
import Foundation
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let name = arguments.count > 0 ? arguments[0] : "worker-\(getpid())"
let endpoint = arguments.count > 1 ? arguments[1] : "tcp://*:5560"
let sinkEndpoint = arguments.count > 2 ? arguments[2] : "tcp://localhost:5558"
let idle = arguments.count > 3 ? Int(arguments[3]).map { Duration.seconds($0) } : nil

do {
    let context = try Context()
    let tasks = try PullSocket(context)
    let bound = try tasks.bind(endpoint)
    let results = try PushSocket(context)
    try results.connect(sinkEndpoint)
    print("\(name) waiting for tasks on \(bound)")

    // The next task, or nil once none has come for `idle`.
    func nextTask() throws -> String? {
        guard let idle else { return try tasks.receiveString() }
        return try tasks.receiveString(timeout: idle)
    }

    var done = 0
    while let task = try nextTask() {
        guard let milliseconds = Int(task) else {
            print("\(name): not a task: \(task)")
            continue
        }
        Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)  // the work
        try results.send("\(name) \(milliseconds)")
        done += 1
    }
    // Only a receive with a time limit ends the loop: `idle` is set.
    print("\(name) did \(done) tasks, then none came for \(idle!)")
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("task-worker: \(error)\n".utf8))
    exit(1)
}
