import Foundation
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The example of Docs/Stream.md and of the DocC article StreamSockets.md, verbatim:
// `exampleIsInTheDocs` checks that both still show this very code.
// BEGIN EXAMPLE
/// Answers every HTTP request with the same response, then closes the connection.
/// Returns, throwing `.contextTerminated`, when the context is shut down.
func serveHello(_ server: StreamSocket, received: (_ id: Message, _ data: Message) -> Void) throws(ZMQError) {
    let response = Message("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nHello\n")
    var requests: [Message: [UInt8]] = [:]  // what each open connection has sent so far
    while true {
        let frames = try server.receiveMultipart()  // [routing id, data]
        let (id, data) = (frames[0], frames[1])
        received(id, data)
        if data.isEmpty {
            // A peer connected (a new id), or disconnected (a known one).
            if requests.removeValue(forKey: id) == nil { requests[id] = [] }
            continue
        }
        requests[id, default: []].append(contentsOf: data)
        guard requests[id]!.suffix(4).elementsEqual("\r\n\r\n".utf8) else { continue }
        // Never wait on a send here: a client that has read its response may have
        // closed already, and a send for a connection that is gone can wait forever.
        // trySendMultipart returns false when the frames cannot be queued now.
        if try server.trySendMultipart([id, response]) {
            _ = try server.trySendMultipart([id, Message()])  // an empty data frame closes the connection
        }
        requests[id] = nil
    }
}
// END EXAMPLE

private func port(of endpoint: String) throws -> Int {
    try #require(Int(endpoint.split(separator: ":").last ?? ""))
}

@Suite("STREAM sockets")
struct StreamTests {
    /// What the server received, as bytes: routing ids are binary.
    struct Received: Equatable, Sendable {
        var id: [UInt8]
        var data: [UInt8]
    }

    @Test("the HTTP example: connect notice, request, response, close")
    func httpExample() throws {
        let context = try makeContext()
        let endpoint = Locked<String?>(nil)
        let log = Locked<[Received]>([])
        let outcome = Locked<String>("running")
        let server = TestThread {
            do throws(ZMQError) {
                let socket = try StreamSocket(context)
                endpoint.value = try socket.bind("tcp://127.0.0.1:*")
                try serveHello(socket) { id, data in
                    log.withLock { $0.append(Received(id: Array(id), data: Array(data))) }
                }
            } catch .contextTerminated {
                outcome.value = "stopped"
            } catch {
                outcome.value = "\(error)"
                endpoint.value = ""
            }
        }
        defer {
            context.shutdown()
            #expect(server.join(timeout: .seconds(5)), "the server thread did not stop")
            #expect(outcome.value == "stopped")
        }
        #expect(waitUntil { endpoint.value != nil })
        let port = try port(of: try #require(endpoint.value))

        let request = Array("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
        let expected = Array("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nHello\n".utf8)
        for connection in 1...2 {
            let client = try TCPClient(port: port)
            try client.send(request)
            // The response, then EOF: the server closed the connection.
            #expect(try client.readToEOF() == expected, "connection \(connection)")
        }

        // The server saw, for each connection: the connect notice, [id, empty], then
        // the request under the same id. A connection it closes itself gets no
        // disconnect notice.
        let received = log.value
        try #require(received.count == 4, "\(received)")
        let (first, second) = (received[0].id, received[2].id)
        #expect(
            received == [
                Received(id: first, data: []), Received(id: first, data: request),
                Received(id: second, data: []), Received(id: second, data: request),
            ])
        #expect(first != second)
        // libzmq 4.3 makes 5-byte ids that start with a zero byte (binary, not text).
        #expect(first.count == 5 && first.first == 0, "\(first)")
    }

    @Test("a peer that disconnects sends [id, empty]; sending to an unknown id is hostUnreachable")
    func disconnectNotice() throws {
        let context = try makeContext()
        let server = try StreamSocket.bounded(context)
        let port = try port(of: try server.bind("tcp://127.0.0.1:*"))
        var client: TCPClient? = try TCPClient(port: port)
        let notice = try server.receiveMultipart()
        #expect(notice.count == 2 && notice[1].isEmpty, "\(notice)")
        let id = notice[0]

        try client?.send(Array("ping".utf8))
        let ping = try server.receiveMultipart()
        #expect(ping == [id, Message("ping")])

        client = nil  // closes the TCP connection
        let gone = try server.receiveMultipart()
        #expect(gone == [id, Message()])

        // An id that never was: the routing id frame itself is refused.
        #expect(throws: ZMQError.hostUnreachable) {
            try server.sendMultipart([Message([0, 0xFF, 0xFF, 0xFF, 0xFF]), Message("nobody")])
        }
    }

    @Test("the example is the code the docs show")
    func exampleIsInTheDocs() throws {
        let testFile = URL(fileURLWithPath: #filePath)
        let root = testFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let source = try String(contentsOf: testFile, encoding: .utf8)
        let begin = try #require(source.range(of: "// BEGIN EXAMPLE\n"))
        let end = try #require(source.range(of: "// END EXAMPLE\n"))
        let example = String(source[begin.upperBound..<end.lowerBound])
        for document in ["Docs/Stream.md", "Sources/ZeroMQ/ZeroMQ.docc/StreamSockets.md"] {
            let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
            #expect(text.contains(example), "\(document) does not show the example of StreamTests.swift")
        }
    }
}
