import Foundation
import Testing

/// Every example (but zmqcat, whose parser does it: ZmqcatTests) given what it cannot use
/// ends with one line that names the program and the error, and exit status 1: never
/// Swift's "Fatal error: Error raised at top level" and a crash report.
@Suite("Examples given bad input")
struct BadInputTests {
    /// A port out of range: libzmq refuses it in bind and in connect alike.
    static let badEndpoint = "tcp://127.0.0.1:99999"

    /// Runs `name` with `arguments`; checks that it exits with status 1, that its last line
    /// is "NAME: " followed by `error`, and that nothing crashed.
    static func expectFailure(
        _ name: String, _ arguments: [String], saying error: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let (status, output) = try Program(name, arguments).waitForExit(timeout: .seconds(10))
        #expect(status == 1, "\(output.prefix(3))", sourceLocation: sourceLocation)
        #expect(
            output.last?.hasPrefix("\(name): \(error)") == true, "\(output.prefix(3))", sourceLocation: sourceLocation)
        #expect(
            !output.contains { $0.contains("crashed") || $0.contains("Fatal error") }, "\(output.prefix(3))",
            sourceLocation: sourceLocation)
    }

    @Test(
        "a bad endpoint: exit status 1 and a line that names the program, the call and the endpoint",
        arguments: [
            // (example, its arguments before the endpoint, bind or connect)
            ("hello-server", [], "bind"),
            ("hello-client", [], "connect"),
            ("lazy-pirate-server", [], "bind"),
            ("lazy-pirate-client", [], "connect"),
            ("rr-broker", [], "bind"),
            ("rr-client", [], "connect"),
            ("rr-worker", [], "connect"),
            ("weather-server", [], "bind"),
            ("weather-client", [], "connect"),
            ("forwarder", [], "connect"),
            ("forwarder", ["tcp://127.0.0.1:1"], "bind"),
            ("task-ventilator", ["3"], "connect"),
            ("task-worker", ["w1"], "bind"),
            ("task-sink", [], "bind"),
            ("game-gateway", [], "bind"),
            ("game-server", ["alpha"], "connect"),
            ("http-server", [], "bind"),
            ("steerable-proxy", [], "bind"),
            ("monitor-peer", ["bind"], "bind"),
            ("monitor-peer", ["connect"], "connect"),
            ("curve-publisher", [], "bind"),
            ("async-server", [], "bind"),
            ("async-client", ["c1"], "connect"),
        ] as [(String, [String], String)])
    func badEndpoint(name: String, before: [String], call: String) throws {
        try Self.expectFailure(
            name, before + [Self.badEndpoint],
            saying: "\(call) \(Self.badEndpoint): port 99999 is out of range")
    }

    @Test("an endpoint in use: hello-server says so, and exits with status 1")
    func endpointInUse() throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let first = try Program("hello-server", [endpoint, "1"])
        first.waitForLine(startingWith: "bound")
        defer { first.kill() }
        try Self.expectFailure(
            "hello-server", [endpoint], saying: "bind \(endpoint): Address already in use (EADDRINUSE)")
    }

    @Test("curve-publisher with a certificate directory that does not exist names it")
    func missingDirectory() throws {
        try Self.expectFailure(
            "curve-publisher", ["tcp://127.0.0.1:\(try freePort())", "/nonexistent/clients"],
            saying: "opendir /nonexistent/clients: No such file or directory")
    }
}
