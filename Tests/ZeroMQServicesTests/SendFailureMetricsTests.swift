#if Services
import Metrics
import MetricsTestKit
import Testing
import ZeroMQ
import ZeroMQServices

@Suite("Socket.countSendFailures")
struct SendFailureMetricsTests {
    private func failures(_ metrics: TestMetrics, _ socket: String, _ reason: String) -> Int64 {
        metrics.counterTotal(
            label: MetricNames.sendFailures, dimensions: [("socket", socket), ("reason", reason)])
    }

    @Test("the three counters exist at zero before any failure")
    func countersMadeOnce() throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let push = try PushSocket(context)
        push.countSendFailures(label: "jobs", metricsFactory: metrics)
        #expect(push.sendFailureObserver != nil)
        for reason in ["full", "timed_out", "unroutable"] {
            let counters = metrics.counters(
                label: MetricNames.sendFailures, dimensions: [("socket", "jobs"), ("reason", reason)])
            #expect(counters.count == 1, "\(reason)")
            #expect(counters.first?.totalValue == 0, "\(reason)")
        }
    }

    @Test("a PUSH without a peer: trySend counts full")
    func trySendWithoutPeer() throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let push = try PushSocket(context)
        push.countSendFailures(label: "push", metricsFactory: metrics)
        _ = try push.bind("inproc://send-failures-\(uniqueNumber())")
        #expect(try push.trySend("job") == false)
        #expect(try push.trySend("job") == false)
        #expect(failures(metrics, "push", "full") == 2)
        #expect(failures(metrics, "push", "timed_out") == 0)
        #expect(failures(metrics, "push", "unroutable") == 0)
    }

    @Test("a PUSH without a peer: a timed send counts timed_out")
    func timedSendWithoutPeer() throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let push = try PushSocket(context)
        push.countSendFailures(label: "push", metricsFactory: metrics)
        _ = try push.bind("inproc://send-failures-\(uniqueNumber())")
        #expect(throws: ZMQError.again) { try push.send("job", timeout: .milliseconds(20)) }
        #expect(failures(metrics, "push", "timed_out") == 1)
        #expect(failures(metrics, "push", "unroutable") == 0)
    }

    @Test("an async timed send counts timed_out")
    func asyncTimedSendWithoutPeer() async throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let push = try PushSocket(context)
        push.countSendFailures(label: "push", metricsFactory: metrics)
        _ = try push.bind("inproc://send-failures-\(uniqueNumber())")
        await #expect(throws: ZMQError.again) { try await push.send("job", timeout: .milliseconds(20)) }
        #expect(failures(metrics, "push", "timed_out") == 1)
        // Each attempt that found no room counts as full: at least the first.
        #expect(failures(metrics, "push", "full") >= 1)
    }

    @Test("a mandatory ROUTER sending to an unknown routing id counts unroutable")
    func routerMandatoryUnknownPeer() throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let router = try RouterSocket(context)
        try router.setOption(.routerMandatory, true)
        router.countSendFailures(label: "router", metricsFactory: metrics)
        #expect(throws: ZMQError.self) { try router.sendMultipart([Message("nobody"), Message("hello")]) }
        #expect(failures(metrics, "router", "unroutable") == 1)
        #expect(failures(metrics, "router", "full") == 0)
        #expect(failures(metrics, "router", "timed_out") == 0)
    }

    @Test("a second countSendFailures replaces the first: only its counters move")
    func replacesObserver() throws {
        let context = try makeContext()
        let metrics = TestMetrics()
        let push = try PushSocket(context)
        push.countSendFailures(label: "first", metricsFactory: metrics)
        push.countSendFailures(label: "second", metricsFactory: metrics)
        #expect(try push.trySend("job") == false)
        #expect(failures(metrics, "first", "full") == 0)
        #expect(failures(metrics, "second", "full") == 1)
    }
}
#endif
