import Foundation
import Testing
import ZeroMQ

@Suite("Async send and receive")
struct AsyncTests {
    @Test("queued messages, then as many awaits: all resolve", arguments: Transport.allCases)
    func queuedThenAwaited(transport: Transport) async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let push = try PushSocket.bounded(context)
        try link(pull, push, over: transport)
        for index in 0..<1000 { try await push.send("\(index)") }
        for index in 0..<1000 {
            #expect(try await pull.receiveString() == "\(index)")
        }
    }

    @Test("an await that waits resumes when a message arrives", arguments: Transport.allCases)
    func awaitThenSend(transport: Transport) async throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        let endpoint = try pull.bind(transport.bindEndpoint())
        let sender = TestThread {
            do {
                let push = try PushSocket.bounded(context)
                try push.connect(endpoint)
                for index in 0..<200 {
                    try push.send("\(index)")
                    if index % 10 == 0 { usleep(200) }
                }
                push.close()
            } catch {
                Issue.record(error)
            }
        }
        for index in 0..<200 {
            #expect(try await pull.receiveString() == "\(index)")
        }
        #expect(sender.join(timeout: .seconds(5)))
    }

    @Test("request and reply, both async, on the reactor and off it", arguments: [true, false])
    func pingPong(onReactor: Bool) async throws {
        let context = try makeContext()
        let endpoint = Transport.inproc.bindEndpoint()
        let rep = try RepSocket.bounded(context)
        try rep.bind(endpoint)
        let req = try ReqSocket.bounded(context)
        try req.connect(endpoint)
        let reactor: Reactor? = onReactor ? Reactor.shared : nil
        let server = Task(executorPreference: reactor) {
            for _ in 0..<500 {
                let request = try await rep.receiveString()
                try await rep.send("re: \(request)")
            }
        }
        let client = Task(executorPreference: reactor) {
            for index in 0..<500 {
                try await req.send("\(index)")
                #expect(try await req.receiveString() == "re: \(index)")
            }
        }
        try await client.value
        try await server.value
    }
}
