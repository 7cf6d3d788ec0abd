import Testing

@Suite("Request-reply examples")
struct RequestReplyTests {
    @Test("hello-client gets a World from hello-server for each of its requests")
    func helloWorld() throws {
        let port = try freePort()
        let server = try Program("hello-server", ["tcp://127.0.0.1:\(port)", "3"])
        server.waitForLine(startingWith: "bound")
        let client = try Program("hello-client", ["tcp://127.0.0.1:\(port)", "3"])
        let (status, output) = client.waitForExit()
        #expect(status == 0)
        #expect(output == ["request 1: World", "request 2: World", "request 3: World"])
        #expect(server.waitForExit().output.filter { $0 == "received Hello" }.count == 3)
    }
}
