import Testing

@Suite("Pipeline examples")
struct PipelineTests {
    @Test("task-ventilator spreads its tasks over every task-worker, and task-sink collects every result")
    func pipeline() throws {
        let sinkEndpoint = "tcp://127.0.0.1:\(try freePort())"
        let sink = try Program("task-sink", [sinkEndpoint])
        sink.waitForLine(startingWith: "collecting results on")

        let names = ["w1", "w2", "w3"]
        var workerEndpoints: [String] = []
        var workers: [Program] = []
        for name in names {
            let endpoint = "tcp://127.0.0.1:\(try freePort())"
            workerEndpoints.append(endpoint)
            workers.append(try Program("task-worker", [name, endpoint, sinkEndpoint, "2"]))
        }
        // No need to wait for the workers: the ventilator connects to them, and its
        // queue for each holds that worker's tasks until it is there.
        let ventilator = try Program("task-ventilator", ["30", sinkEndpoint] + workerEndpoints)
        let sent = ventilator.waitForExit()
        #expect(sent.status == 0)
        #expect(sent.output.count == 1)
        #expect(sent.output.first?.hasPrefix("sent 30 tasks to 3 workers: ") == true)

        let (status, output) = sink.waitForExit()
        #expect(status == 0)
        #expect(output.count == 5, "\(output)")
        #expect(output.contains { $0.hasPrefix("30 tasks done in ") && $0.hasSuffix(" ms of work over 3 workers)") })
        // Each worker did some, and says so too.
        var done = 0
        for (worker, name) in zip(workers, names) {
            let line = try #require(output.first { $0.hasPrefix("\(name): ") && $0.hasSuffix(" tasks") })
            let tasks = try #require(Int(line.dropFirst(name.count + 2).dropLast(" tasks".count)))
            #expect(tasks > 0)
            let (status, workerOutput) = worker.waitForExit()
            #expect(status == 0)
            #expect(workerOutput.last == "\(name) did \(tasks) tasks, then none came for 2.0 seconds")
            done += tasks
        }
        #expect(done == 30)
    }
}
