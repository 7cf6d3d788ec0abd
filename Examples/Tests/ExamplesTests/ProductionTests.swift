import Foundation
import Testing
import ZeroMQ

/// A span line of ExampleTracing's W3CTracer:
/// `span trace_id=T span_id=S parent_span_id=P kind=K status=X name=N`.
private struct SpanLine {
    let traceID: String
    let spanID: String
    let parentSpanID: String
    let name: String

    init?(_ line: String) {
        guard line.hasPrefix("span "), let nameRange = line.range(of: " name=") else { return nil }
        var fields: [String: String] = [:]
        for field in line[..<nameRange.lowerBound].split(separator: " ").dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let traceID = fields["trace_id"], let spanID = fields["span_id"], let parent = fields["parent_span_id"]
        else { return nil }
        (self.traceID, self.spanID, parentSpanID, name) = (
            traceID, spanID, parent, String(line[nameRange.upperBound...])
        )
    }
}

/// A folder of its own for a test's certificates, removed at the end.
private final class Folder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("swift-zeromq-examples-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path + "/clients", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The value of the Prometheus sample `name{...}` whose labels include all of `labels`.
private func sample(_ output: [String], _ name: String, _ labels: [String]) -> Int? {
    output.first { $0.hasPrefix(name + "{") && labels.allSatisfy($0.contains) }
        .flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }
}

@Suite("Production examples")
struct ProductionTests {
    @Test(
        "traced-client → broker-service → traced-worker: one trace across the three processes; SIGTERM stops the broker gracefully"
    )
    func oneTraceAcrossProcesses() throws {
        let folder = try Folder()
        // The client's certificate, in the directory of the clients the broker admits.
        try CurveCertificate.generate(metadata: ["name": "c1"]).save(to: folder.path + "/clients/c1.key")
        let frontend = "tcp://127.0.0.1:\(try freePort())"
        let backend = "tcp://127.0.0.1:\(try freePort())"
        let broker = try Program(
            "broker-service", [frontend, backend, folder.path + "/broker.key", folder.path + "/clients"])
        broker.waitForLine(startingWith: "workers connect to")
        let worker = try Program("traced-worker", [backend, "w1", "2"])
        worker.waitForLine(startingWith: "w1 connected to")

        let client = try Program(
            "traced-client", [frontend, folder.path + "/broker.key", folder.path + "/clients/c1.key", "2"])
        let (status, output) = client.waitForExit(timeout: .seconds(30))
        #expect(status == 0)
        #expect(output.contains("reply 1: request 1 handled by w1"))
        #expect(output.contains("reply 2: request 2 handled by w1"))
        let workerRun = worker.waitForExit(timeout: .seconds(30))
        #expect(workerRun.status == 0)
        #expect(workerRun.output.last == "w1 handled 2 requests")

        // Each request: the client's span starts a trace; the worker's span is in the same
        // trace, with the client's span as its parent.
        let clientSpans = output.compactMap(SpanLine.init)
        let workerSpans = workerRun.output.compactMap(SpanLine.init)
        for number in 1...2 {
            let request = try #require(clientSpans.first { $0.name == "request \(number)" }, "\(output)")
            let handling = try #require(
                workerSpans.first { $0.name == "handle request \(number)" }, "\(workerRun.output)")
            #expect(request.parentSpanID == "-")
            #expect(handling.traceID == request.traceID)
            #expect(handling.parentSpanID == request.spanID)
            #expect(handling.spanID != request.spanID)
        }
        #expect(Set(clientSpans.map(\.traceID)).count == 2, "each request is a trace of its own")

        // SIGTERM: the services stop in reverse order, the metrics are printed, status 0.
        broker.kill(SIGTERM)
        let brokerRun = broker.waitForExit(timeout: .seconds(15))
        #expect(brokerRun.status == 0)
        let lines = brokerRun.output
        #expect(lines.contains { $0.contains("authentication allowed") })
        #expect(lines.contains { $0.contains("proxy stopped") })
        #expect(lines.contains { $0.contains("broker stopped") })
        let received = [#"socket="frontend""#, #"direction="received""#]
        #expect(sample(lines, "zmq_proxy_messages_total", received) == 2, "\(lines)")
        #expect(sample(lines, "zmq_proxy_messages_total", [#"socket="backend""#, #"direction="sent""#]) == 2)
        #expect(sample(lines, "zmq_authentications_total", [#"outcome="allowed""#]) == 1)
    }

    @Test("broker-service refuses a client whose key it does not list; SIGINT stops it gracefully")
    func refusesUnknownClient() throws {
        let folder = try Folder()
        try CurveCertificate.generate(metadata: ["name": "c1"]).save(to: folder.path + "/clients/c1.key")
        let frontend = "tcp://127.0.0.1:\(try freePort())"
        let backend = "tcp://127.0.0.1:\(try freePort())"
        let broker = try Program(
            "broker-service", [frontend, backend, folder.path + "/broker.key", folder.path + "/clients"])
        broker.waitForLine(startingWith: "workers connect to")
        let worker = try Program("traced-worker", [backend, "w1"])
        worker.waitForLine(startingWith: "w1 connected to")

        // New keys at each start ("none"): not in the broker's list.
        let client = try Program("traced-client", [frontend, folder.path + "/broker.key", "none", "1"])
        let (status, output) = client.waitForExit(timeout: .seconds(30))
        #expect(status == 1)
        #expect(output.contains { $0.hasPrefix("request 1: no reply within") }, "\(output)")
        #expect(!output.contains { $0.hasPrefix("reply") })
        broker.waitForLine { $0.contains("authentication denied") }

        broker.kill(SIGINT)
        let brokerRun = broker.waitForExit(timeout: .seconds(15))
        #expect(brokerRun.status == 0)
        #expect(brokerRun.output.contains { $0.contains("proxy stopped") })
        #expect(sample(brokerRun.output, "zmq_authentications_total", [#"outcome="denied""#]) ?? 0 >= 1)
        #expect(
            (sample(brokerRun.output, "zmq_proxy_messages_total", [#"socket="frontend""#, #"direction="received""#])
                ?? 0) == 0)

        // The worker, a Service, stops gracefully on SIGTERM too.
        worker.kill(SIGTERM)
        let workerRun = worker.waitForExit(timeout: .seconds(15))
        #expect(workerRun.status == 0)
        #expect(workerRun.output.last == "w1 handled 0 requests")
    }
}
