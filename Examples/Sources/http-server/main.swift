// HTTP server on a STREAM socket: raw TCP, as the seed document's `ZMQ_STREAM` server.
// Every connection is a routing id, every chunk of bytes a message; it answers each
// request with a small text page and closes the connection, as HTTP/1.0 does.
//
//   cd Examples && swift run http-server [ENDPOINT] [COUNT]
//
// Binds ENDPOINT (default tcp://*:8080) and answers COUNT requests (default: forever).
// Try it with `curl http://localhost:8080/hello`. Docs/Stream.md tells how libzmq frames
// connections, data and closes.
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let endpoint = arguments.first ?? "tcp://*:8080"
let count = arguments.dropFirst().first.flatMap { Int($0) } ?? .max

let context = try Context()
let server = try StreamSocket(context)
print("listening on", try server.bind(endpoint))

/// A connection's routing id as text, for the log: it is binary (a zero byte and a counter).
func hex(_ id: Message) -> String {
    id.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
}

/// Queues `data` for connection `id` without waiting; false when the client has closed
/// the connection already. A client may close as soon as it has the whole response
/// (curl does), and then a send that waits would wait forever: libzmq neither takes
/// the message for the closing connection nor reports an error.
@MainActor func trySend(_ data: Message, to id: Message) throws -> Bool {
    do {
        return try server.trySendMultipart([id, data])
    } catch ZMQError.hostUnreachable {
        return false  // the connection is gone
    } catch {
        throw error
    }
}

var requests: [Message: [UInt8]] = [:]  // what each open connection has sent so far
// Connections we closed, whose client may close too: its close notice may come or not.
var closedByUs: Set<Message> = []
var answered = 0
while answered < count {
    let frames = try server.receiveMultipart()  // [routing id, data]
    let (id, data) = (frames[0], frames[1])
    if data.isEmpty {
        // An empty frame: a new connection for an id not seen yet, the client's close
        // for one we know.
        if requests.removeValue(forKey: id) != nil {
            print("connection \(hex(id)) closed by the client")
        } else if closedByUs.remove(id) == nil {
            requests[id] = []
            print("connection \(hex(id)) opened")
        }
        continue
    }
    // TCP delivers bytes, not requests: a request may come in several pieces.
    requests[id, default: []].append(contentsOf: data)
    let request = requests[id]!
    guard request.suffix(4).elementsEqual("\r\n\r\n".utf8) else { continue }

    let requestLine = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
    let path = requestLine.split(separator: " ").dropFirst().first ?? "/"
    let body = "Hello, World! You asked for \(path)\n"
    let response =
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    requests[id] = nil
    answered += 1
    guard try trySend(Message(response), to: id) else {
        print("connection \(hex(id)): \(requestLine) -> the client left before the answer")
        continue
    }
    print("connection \(hex(id)): \(requestLine) -> 200 OK")
    // An empty frame closes the connection, after the response.
    if try trySend(Message(), to: id) { closedByUs.insert(id) }
}
