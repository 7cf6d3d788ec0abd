// Task sink: the end of a pipeline. It collects the results of task-worker processes on
// a PULL socket, which takes from every worker fairly, and once the batch announced by
// task-ventilator is complete, prints how the tasks spread over the workers and how long
// the batch took.
//
//   cd Examples && swift run task-sink [ENDPOINT]
//
// Binds ENDPOINT (default tcp://*:5558) and exits after one batch. It reads the messages
// as an async sequence (`for try await`), which works in top-level code.
import Foundation
import ZeroMQ

let endpoint = CommandLine.arguments.dropFirst().first ?? "tcp://*:5558"

do {
    let context = try Context()
    let results = try PullSocket(context)
    print("collecting results on", try results.bind(endpoint))

    // The ventilator's "batch N" and the workers' "NAME MILLISECONDS" come over different
    // connections, so a result may arrive before the batch's announcement.
    var expected: Int?
    var tasksPerWorker: [String: Int] = [:]
    var done = 0
    var workload = 0
    var start: ContinuousClock.Instant?
    for try await message in results.messages {
        start = start ?? .now
        let fields = message.string.split(separator: " ")
        guard fields.count == 2, let number = Int(fields[1]) else {
            print("unexpected message: \(message.string)")
            continue
        }
        if fields[0] == "batch" {
            expected = number
        } else {
            tasksPerWorker[String(fields[0]), default: 0] += 1
            workload += number
            done += 1
        }
        if let expected, done == expected { break }
    }
    let elapsed = start.map { ContinuousClock.now - $0 } ?? .zero
    let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    print("\(done) tasks done in \(milliseconds) ms (\(workload) ms of work over \(tasksPerWorker.count) workers)")
    for (worker, tasks) in tasksPerWorker.sorted(by: { $0.key < $1.key }) {
        print("\(worker): \(tasks) tasks")
    }
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("task-sink: \(error)\n".utf8))
    exit(1)
}
