import Foundation
import Testing

@Suite("Scenario examples")
struct ScenarioTests {
    /// The numbers that follow `prefix` in `line`, such as [600, 590, 10] for
    /// "requests 600: sent 590, timed out 10" after "requests ".
    static func numbers(in line: some StringProtocol) -> [Int] {
        line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }

    @Test("game-gateway spreads requests over game servers that come and go, and accounts for each")
    func gameGateway() throws {
        let requests = "tcp://127.0.0.1:\(try freePort())"
        let acks = "tcp://127.0.0.1:\(try freePort())"
        let count = 600
        let gateway = try Program("game-gateway", [requests, acks, "\(count)", "10"])
        // No game server yet: the sends time out, and the gateway goes on.
        gateway.waitForLine(startingWith: "request 1 timed out")

        func start(_ name: String) throws -> (name: String, program: Program) {
            (name, try Program("game-server", [name, requests, acks, "40"]))
        }
        var servers = [try start("alpha"), try start("beta")]
        for server in servers { server.program.waitForLine(startingWith: "\(server.name) handled request") }
        servers += [try start("gamma"), try start("delta"), try start("epsilon")]
        for server in servers.suffix(3) { server.program.waitForLine(startingWith: "\(server.name) handled request") }
        // alpha has a backlog by now: two servers were slower than the requests came.
        let killed = servers.removeFirst()
        killed.program.kill(SIGKILL)
        killed.program.waitForExit()

        let (status, output) = gateway.waitForExit(timeout: .seconds(60))
        #expect(status == 0)
        #expect(output.contains { $0.hasPrefix("a game server disconnected") })

        // requests 600: sent S, timed out T (...)
        let totals = try #require(output.first { $0.hasPrefix("requests \(count): sent ") })
        let (sent, timedOut) = (Self.numbers(in: totals)[1], Self.numbers(in: totals)[2])
        #expect(sent + timedOut == count)
        #expect(timedOut >= 1)
        let timedOutLines = output.filter { $0.hasPrefix("request ") && $0.contains(" timed out") }
        #expect(timedOutLines.count == timedOut)

        // handled H by 5 game servers: alpha A, beta B, ...
        let handledLine = try #require(output.first { $0.hasPrefix("handled ") })
        let handled = Self.numbers(in: handledLine)[0]
        var handledBy: [String: Int] = [:]
        for entry in handledLine.split(separator: ": ", maxSplits: 1)[1].split(separator: ", ") {
            let words = entry.split(separator: " ")
            handledBy[String(words[0])] = Int(words[1])
        }
        #expect(handledBy.values.reduce(0, +) == handled)
        #expect(Set(handledBy.keys) == ["alpha", "beta", "gamma", "delta", "epsilon"])

        // lost L: ...: requests a b c
        let lostLine = try #require(output.first { $0.hasPrefix("lost ") })
        let lostCount = Self.numbers(in: lostLine)[0]
        let lost = lostLine.split(separator: "requests ").dropFirst().first.map { Self.numbers(in: $0) } ?? []
        #expect(lost.count == lostCount)
        #expect(handled + lostCount == sent)

        // What each game server printed agrees with the gateway's acknowledgements.
        func handledRequests(_ server: (name: String, program: Program)) -> [Int] {
            server.program.output.filter { $0.hasPrefix("\(server.name) handled request ") }.map {
                Self.numbers(in: $0).last!
            }
        }
        var everyHandled: [Int] = []
        for server in servers {
            // Each prints a request before it acknowledges it.
            server.program.waitForOutput { lines in
                lines.filter { $0.hasPrefix("\(server.name) handled request ") }.count == handledBy[server.name]
            }
            everyHandled += handledRequests(server)
        }
        // The killed server may have printed one request it had no time to acknowledge.
        let killedHandled = handledRequests(killed)
        let acknowledgedByKilled = try #require(handledBy[killed.name])
        #expect(killedHandled.count - acknowledgedByKilled == 0 || killedHandled.count - acknowledgedByKilled == 1)
        everyHandled += killedHandled
        #expect(Set(everyHandled).count == everyHandled.count, "no request is handled twice")

        // The loss is the killed server's queue: requests the gateway sent it after the
        // last one it acknowledged, and that no other server handled.
        let lastAcknowledged = try #require(killedHandled.prefix(acknowledgedByKilled).last)
        for request in lost {
            #expect(request > lastAcknowledged, "request \(request) lost before alpha's last \(lastAcknowledged)")
            #expect(!everyHandled.contains(request) || killedHandled.last == request)
        }
    }
}
