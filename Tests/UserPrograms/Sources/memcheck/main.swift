// Every call across the C boundary, in one synchronous program that valgrind's memcheck
// can run (`scripts/memcheck.sh`, part of `make sanitize`). AddressSanitizer cannot see
// inside libzmq, which is not instrumented: a Swift bug that makes libzmq read freed
// memory (a context option read after termination, a socket closed twice) shows only
// here. (The test suite itself cannot run under valgrind 3.19: its async entry point
// crashes valgrind. Tasks are fine: the async API is checked from tasks that this
// synchronous main waits for, in Async.swift.)
//
// Each check that fails prints what failed and ends the program with status 1.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) var checks = 0  // only the main thread counts

func check(_ condition: @autoclosure () throws -> Bool, _ what: String, line: Int = #line) {
    checks += 1
    do {
        if try condition() { return }
        print("memcheck: FAILED at line \(line): \(what)")
    } catch {
        print("memcheck: FAILED at line \(line): \(what): \(error)")
    }
    exit(1)
}

func fails(_ expected: ZMQError, _ what: String, line: Int = #line, _ body: () throws -> Void) {
    checks += 1
    do {
        try body()
        print("memcheck: FAILED at line \(line): \(what) did not throw")
    } catch {
        if error as? ZMQError == expected { return }
        print("memcheck: FAILED at line \(line): \(what) threw \(error), not \(expected)")
    }
    exit(1)
}

func main() throws(ZMQError) {
    // MARK: The context and its options, before and after termination
    for end in ["terminate", "close", "close-with-sockets"] {
        let context = try Context(defaultLinger: .zero)
        try context.setOption(.ioThreads, 2)
        check(try context.option(.ioThreads) == 2, "ioThreads")
        try context.setOption(.threadPriority, 0)
        check(try context.option(.threadSchedulingPolicy) == -1, "threadSchedulingPolicy")
        check(try context.option(.messageStructSize) == 64, "messageStructSize")
        fails(.invalidArgument, "maxMessageSize out of range") { try context.setOption(.maxMessageSize, 5_000_000_000) }
        var sockets: [PairSocket] = []
        switch end {
        case "terminate":
            context.terminate()
        case "close":
            context.close()
        default:
            sockets = [try PairSocket(context), try PairSocket(context)]
            try sockets[0].bind("inproc://memcheck-close")
            try sockets[1].connect("inproc://memcheck-close")
            try sockets[1].send("queued")
            context.close(linger: .zero)
        }
        fails(.contextTerminated, "option after \(end)") { _ = try context.option(.ioThreads) }
        fails(.contextTerminated, "read-only option after \(end)") { _ = try context.option(.socketLimit) }
        fails(.contextTerminated, "setOption after \(end)") { try context.setOption(.maxSockets, 10) }
        fails(.contextTerminated, "write-only option after \(end)") { try context.setOption(.threadPriority, 0) }
        fails(.contextTerminated, "socket after \(end)") { _ = try PushSocket(context) }
        for socket in sockets {
            check(socket.isClosed, "socket closed by context.close")
            fails(.notSocket, "send on a socket the context closed") { try socket.send("late") }
            socket.close()
        }
        context.close()
        context.terminate()
    }

    // MARK: Sockets, messages and zero copy
    let context = try Context(defaultLinger: .zero)
    for transport in ["inproc://memcheck-pair", "tcp://127.0.0.1:*", "ipc://@memcheck-\(getpid())"] {
        let server = try PairSocket(context)
        let client = try PairSocket(context)
        try server.setOption(.receiveTimeout, .seconds(5))
        try client.setOption(.receiveTimeout, .seconds(5))
        let endpoint = try server.bind(transport)
        check(try server.lastEndpoint == endpoint, "lastEndpoint")
        try client.connect(endpoint)

        try client.send("text")
        check(try server.receiveString() == "text", "string")
        try client.send([1, 2, 3] as [UInt8])
        check(try server.receiveBytes() == [1, 2, 3], "bytes")
        let large = [UInt8](repeating: 7, count: 100_000)
        try client.send(Message(large))
        check(try server.receive() == Message(large), "large message")
        try client.send(constant: "constant")
        check(try server.receiveString() == "constant", "constant")

        let released = Flag()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: 9)
        try client.send(
            Message(
                bytesNoCopy: buffer,
                deallocator: .custom { buffer in
                    buffer.deallocate()
                    released.set()
                }))
        check(try server.receive().allSatisfy { $0 == 9 }, "zero-copy bytes")
        try client.send(Message(noCopy: large))
        check(try server.receiveBytes() == large, "noCopy array")

        let kept = Message("kept")
        try client.send(kept)  // a copy, since `kept` is used below
        check(try server.receive() == kept, "shared message")

        try client.sendMultipart(["a", "b", "c"])
        check(try server.receiveMultipart().map(\.string) == ["a", "b", "c"], "multipart")
        var reused = Message()
        for index in 0..<3 {
            try client.send("reuse \(index)")
            try server.receive(into: &reused)
            check(reused.string == "reuse \(index)", "receive(into:)")
        }
        check(try server.tryReceive() == nil, "tryReceive when empty")
        check(try server.tryReceive(into: &reused) == false && reused.string == "reuse 2", "tryReceive(into:) keeps")
        check(try server.tryReceiveString() == nil, "tryReceiveString when empty")
        // The timed forms: zmq_poll of the socket alone, then the operation with
        // ZMQ_DONTWAIT; a timeout that passes leaves the message as it was.
        check(try server.receive(timeout: .milliseconds(5)) == nil, "receive(timeout:) when empty")
        check(
            try server.receive(into: &reused, timeout: .zero) == false && reused.string == "reuse 2",
            "receive(into:timeout:) keeps")
        let timed = Message("timed")
        try client.send(timed, timeout: .seconds(5))
        try client.sendMultipart(["timed", "parts"], timeout: .seconds(5))
        check(try server.receive(into: &reused, timeout: .seconds(5)) && reused.string == "timed", "timed send")
        check(
            try server.receiveMultipart(timeout: .seconds(5))?.map(\.string) == ["timed", "parts"],
            "timed multipart")
        check(timed.string == "timed", "a sent message that is still used keeps its bytes")
        try client.send("metadata")
        let received = try server.receive()
        // inproc has no handshake, so no metadata.
        check(received.socketType == (transport.hasPrefix("inproc") ? nil : "PAIR"), "Socket-Type metadata")
        _ = received.peerAddress
        server.close(linger: .zero)
        client.close()
        fails(.notSocket, "receive after close") { _ = try client.send("closed") }
        check(released.wait(), "the zero-copy deallocator ran")
    }

    // MARK: Options, subscriptions, routing
    let router = try RouterSocket(context)
    let dealer = try DealerSocket(context)
    try router.setOption(.receiveTimeout, .seconds(5))
    try dealer.setOption(.routingID, [0x41, 0x00, 0x42, 0xFF])
    check(try dealer.option(.routingID) == [0x41, 0x00, 0x42, 0xFF], "binary routing id")
    try router.setOption(.routerMandatory, true)
    let routed = try router.bind("inproc://memcheck-router")
    try dealer.connect(routed)
    try dealer.send("hello")
    let request = try router.receiveMultipart()
    check(request.count == 2 && Array(request[0]) == [0x41, 0x00, 0x42, 0xFF], "routing id frame")
    try router.sendMultipart([request[0], Message("world")])
    try dealer.setOption(.receiveTimeout, .seconds(5))
    check(try dealer.receiveString() == "world", "routed reply")
    fails(.hostUnreachable, "unknown routing id") { try router.sendMultipart([Message("nobody"), Message("x")]) }

    let publisher = try XPubSocket(context)
    let subscriber = try SubSocket(context)
    let xsub = try XSubSocket(context)
    try publisher.setOption(.receiveTimeout, .seconds(5))
    let feed = try publisher.bind("inproc://memcheck-feed")
    try subscriber.connect(feed)
    try xsub.connect(feed)
    try subscriber.subscribe(to: "topic")
    check(try publisher.receiveBytes() == [1] + Array("topic".utf8), "subscription seen")
    try xsub.subscribe(to: [0xFF])
    check(try publisher.receiveBytes() == [1, 0xFF], "XSUB subscription seen")
    try subscriber.unsubscribe(from: "topic")
    try xsub.unsubscribeFromAll()
    check(try publisher.option(.events).contains(.writable), "events")
    check(try publisher.option(.linger) == .zero, "linger")
    try publisher.setOption(.sendHighWaterMark, 10)
    check(try publisher.option(.sendHighWaterMark) == 10, "sendHighWaterMark")
    fails(.invalidArgument, "sendHighWaterMark out of range") { try publisher.setOption(.sendHighWaterMark, -1 << 40) }
    fails(.invalidArgument, "bad endpoint") { try publisher.bind("tcp://127.0.0.1:99999") }
    fails(.protocolNotSupported, "unknown transport") { try publisher.bind("nope://x") }

    try checkPoller()
    try checkAsync()
    try checkProxy()
    try checkMonitor()
    try checkKeys()
    try checkZAP()
    try checkTeardown()

    // Sockets left open: the context's close() closes them, and their release later
    // must not close them again.
    context.close()
    check(router.isClosed && subscriber.isClosed, "context.close() closed the sockets")
}

/// A flag set from libzmq's threads (the zero-copy deallocator), waited on with a bound.
final class Flag: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched under `lock`.
    private var value = false
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    func set() {
        pthread_mutex_lock(&lock)
        value = true
        pthread_mutex_unlock(&lock)
    }
    func wait() -> Bool {
        for _ in 0..<500 {
            pthread_mutex_lock(&lock)
            let done = value
            pthread_mutex_unlock(&lock)
            if done { return true }
            usleep(10_000)
        }
        return false
    }
}

do {
    try main()
    print("memcheck: \(checks) checks passed")
} catch {
    print("memcheck: FAILED: \(error)")
    exit(1)
}
