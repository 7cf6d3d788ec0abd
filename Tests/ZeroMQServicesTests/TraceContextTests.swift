#if Services
import Foundation
import InMemoryTracing
import Testing
import Tracing
import ZeroMQ
import ZeroMQServices

// Everything here is private: the other test files of this target declare their own helpers.

/// A W3C `traceparent` as a test-only instrument keeps it: version 00 only, lower-case hex.
private struct TraceParent: Hashable, Sendable {
    var traceID: String  // 32 hex digits, not all zero
    var spanID: String  // 16 hex digits, not all zero
    var flags: String  // 2 hex digits

    var header: String { "00-\(traceID)-\(spanID)-\(flags)" }

    /// Parses `00-<32 hex>-<16 hex>-<2 hex>`, or nil (W3C: an invalid traceparent is ignored).
    init?(header: String) {
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        func hex(_ part: Substring, _ count: Int) -> Bool {
            part.utf8.count == count && part.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        }
        guard parts.count == 4, parts[0] == "00", hex(parts[1], 32), hex(parts[2], 16), hex(parts[3], 2),
            parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return nil }
        (traceID, spanID, flags) = (String(parts[1]), String(parts[2]), String(parts[3]))
    }

    init(traceID: String, spanID: String, flags: String = "01") {
        (self.traceID, self.spanID, self.flags) = (traceID, spanID, flags)
    }

    static func random() -> TraceParent {
        func hex(_ digits: Int) -> String {
            String((0..<digits).map { _ in "0123456789abcdef".randomElement()! })
        }
        return TraceParent(traceID: hex(32), spanID: hex(16))
    }
}

private enum TraceParentKey: ServiceContextKey {
    typealias Value = TraceParent
}

extension ServiceContext {
    fileprivate var traceParent: TraceParent? {
        get { self[TraceParentKey.self] }
        set { self[TraceParentKey.self] = newValue }
    }
}

/// The smallest W3C propagator: `traceparent` in and out of ``TraceParentKey``.
private struct W3CInstrument: Instrument {
    func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    )
    where Inject.Carrier == Carrier {
        if let parent = context.traceParent {
            injector.inject(parent.header, forKey: "traceparent", into: &carrier)
        }
    }

    func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    )
    where Extract.Carrier == Carrier {
        if let header = extractor.extract(key: "traceparent", from: carrier), let parent = TraceParent(header: header) {
            context.traceParent = parent
        }
    }
}

/// A REQ client, a ROUTER/DEALER proxy (`Proxy.start`) and a REP worker, over `transport`.
private struct Chain {
    let context: Context
    let client: ReqSocket
    let worker: RepSocket
    let proxy: Proxy
    /// Where clients connect: the proxy's frontend.
    let frontendEndpoint: String

    init(over transport: String) throws {
        context = try Context(defaultLinger: .zero)
        let frontend = try RouterSocket(context)
        let backend = try DealerSocket(context)
        let backendEndpoint: String
        if transport == "tcp" {
            frontendEndpoint = try frontend.bind("tcp://127.0.0.1:*")
            backendEndpoint = try backend.bind("tcp://127.0.0.1:*")
        } else {
            let name = "trace-\(UInt64.random(in: 0...UInt64.max))"
            frontendEndpoint = try frontend.bind("inproc://\(name)-frontend")
            backendEndpoint = try backend.bind("inproc://\(name)-backend")
        }
        proxy = try Proxy.start(frontend: frontend, backend: backend)
        worker = try RepSocket(context)
        try worker.setOption(.receiveTimeout, .seconds(30))
        try worker.connect(backendEndpoint)
        client = try ReqSocket(context)
        try client.setOption(.receiveTimeout, .seconds(30))
        try client.connect(frontendEndpoint)
    }

    /// Sends `request` from the client, and returns what the worker received.
    func request(_ request: [Message]) throws -> [Message] {
        try client.sendMultipart(request)
        return try worker.receiveMultipart()
    }

    /// Sends `reply` from the worker, and returns what the client received.
    func reply(_ reply: [Message]) throws -> [Message] {
        try worker.sendMultipart(reply)
        return try client.receiveMultipart()
    }

    func stop() {
        proxy.stop()
    }
}

@Suite("Trace context frames")
struct TraceContextTests {
    @Test("a W3C traceparent crosses REQ → ROUTER/DEALER proxy → REP and back", arguments: ["inproc", "tcp"])
    func w3cRoundTrip(over transport: String) throws {
        let chain = try Chain(over: transport)
        defer { chain.stop() }
        let instrument = W3CInstrument()
        let parent = TraceParent.random()
        var clientContext = ServiceContext.topLevel
        clientContext.traceParent = parent

        let frame = Message(traceContext: clientContext, instrument: instrument)
        #expect(frame.string == "traceparent: \(parent.header)")
        let received = try chain.request([frame, Message("body")])
        #expect(received.count == 2)
        #expect(received.last?.string == "body")
        let workerContext = try #require(received.first).extractTraceContext(instrument: instrument)
        #expect(workerContext.traceParent == parent)

        // The worker answers within the same trace, as its own span.
        let child = TraceParent(traceID: parent.traceID, spanID: TraceParent.random().spanID)
        var replyContext = workerContext
        replyContext.traceParent = child
        let reply = try chain.reply([Message(traceContext: replyContext, instrument: instrument), Message("done")])
        #expect(reply.first?.extractTraceContext(instrument: instrument).traceParent == child)
        #expect(reply.last?.string == "done")
    }

    @Test("the worker's span continues the client's InMemoryTracer span: same trace, the client's span as parent")
    func inMemoryTracerAcrossProxy() throws {
        let chain = try Chain(over: "inproc")
        defer { chain.stop() }
        let tracer = InMemoryTracer()

        let clientSpan = tracer.startSpan("client request", ofKind: .client)
        let frame = Message(traceContext: clientSpan.context, instrument: tracer)
        // InMemoryTracer's own keys, one line each.
        #expect(frame.string.contains("\(InMemoryTracer.traceIDKey): "))
        #expect(frame.string.contains("\(InMemoryTracer.spanIDKey): "))
        let received = try chain.request([frame, Message("body")])
        let workerContext = try #require(received.first).extractTraceContext(instrument: tracer)
        let workerSpan = tracer.startSpan("worker", context: workerContext, ofKind: .server)
        workerSpan.end()
        _ = try chain.reply([Message("reply")])
        clientSpan.end()

        let finished = tracer.finishedSpans
        let client = try #require(finished.first { $0.operationName == "client request" }).spanContext
        let worker = try #require(finished.first { $0.operationName == "worker" }).spanContext
        #expect(worker.traceID == client.traceID)
        #expect(worker.parentSpanID == client.spanID)
        #expect(worker.spanID != client.spanID)
    }

    @Test("no span, or the no-op instrument: an empty frame, read back as no context")
    func emptyFrame() {
        let none = Message(traceContext: .topLevel, instrument: W3CInstrument())
        #expect(none.count == 0)
        #expect(none.extractTraceContext(instrument: W3CInstrument()).traceParent == nil)
        #expect(Message(traceContext: .topLevel, instrument: NoOpTracer()).count == 0)
        #expect(Message().extractTraceContext(instrument: InMemoryTracer()).inMemorySpanContext == nil)
    }

    @Test(
        "frames that do not parse give no context, and never crash",
        arguments: [
            [0xFF, 0xFE, 0xFD],  // not UTF-8
            Array("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".utf8).map {
                $0 == UInt8(ascii: "b") ? 0xC3 : $0  // a lone UTF-8 lead byte inside the value
            },
            Array("garbage\n::::\n: no name\n\n\r\n\n".utf8),
            Array("traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".utf8),  // no colon
            Array("traceparent: 00-XYZ-00f067aa0ba902b7-01".utf8),  // not W3C
            Array("traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01".utf8),  // zero trace id
            [0x00, 0x0A, 0x00, 0x3A, 0x0A, 0x0D],
        ] as [[UInt8]])
    func malformed(_ bytes: [UInt8]) {
        let message = Message(bytes)
        #expect(message.extractTraceContext(instrument: W3CInstrument()).traceParent == nil)
        #expect(message.extractTraceContext(instrument: InMemoryTracer()).inMemorySpanContext == nil)
    }

    @Test("a frame past traceContextLimit is not read, even with a valid traceparent; one at the limit is")
    func oversized() {
        let parent = TraceParent.random()
        let line = Array("traceparent: \(parent.header)\n".utf8)
        let atLimit = line + Array(repeating: UInt8(ascii: "x"), count: Message.traceContextLimit - line.count)
        #expect(Message(atLimit).extractTraceContext(instrument: W3CInstrument()).traceParent == parent)
        let past = atLimit + [UInt8(ascii: "x")]
        #expect(Message(past).extractTraceContext(instrument: W3CInstrument()).traceParent == nil)
    }

    @Test("lines that do not parse are skipped, and the good ones used: CRLF, spaces, any case, first wins")
    func lenient() {
        let parent = TraceParent.random()
        let text =
            "\u{FF}garbage\r\nno colon here\r\n  TraceParent :\t \(parent.header) \t\r\n"
            + "traceparent: 00-\(TraceParent.random().traceID)-\(parent.spanID)-01\r\ntracestate: a=b"
        var bytes = Array(text.utf8)
        bytes.insert(0xFF, at: 1)  // the first line is not UTF-8 at all
        let context = Message(bytes).extractTraceContext(instrument: W3CInstrument())
        #expect(context.traceParent == parent)
    }

    @Test("random bytes never crash the reader")
    func randomFrames() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array("tracepnt:- 0123456789abcdef\r\n".utf8) + [0x00, 0xC3, 0xFF, 0x80]
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<200, using: &generator)
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator)! }
            let fields = bytes.withUnsafeBytes { TraceContextFields(parsing: $0) }
            for field in fields.fields {
                #expect(!field.name.isEmpty && !field.name.contains("\n") && !field.value.contains("\n"))
            }
            _ = Message(bytes).extractTraceContext(instrument: W3CInstrument())
        }
    }

    @Test("fields the format cannot hold are left out of the frame; a field injected twice keeps its last value")
    func unwritableFields() {
        var fields = TraceContextFields()
        let injector = TraceContextInjector()
        injector.inject("one", forKey: "a", into: &fields)
        injector.inject("two", forKey: "A", into: &fields)
        injector.inject("x\ny", forKey: "broken-value", into: &fields)
        injector.inject("x", forKey: "broken:name", into: &fields)
        injector.inject("x", forKey: "", into: &fields)
        injector.inject("x", forKey: " padded", into: &fields)
        #expect(fields.text == "a: two")
        #expect(TraceContextExtractor().extract(key: "A", from: fields) == "two")
        fields["a"] = nil
        #expect(fields.text.isEmpty)
    }

    @Test("a frame written the way a pyzmq program writes headers parses")
    func pythonStyleText() {
        // "\n".join(f"{k}: {v}" for k, v in headers.items()).encode()
        let parent = TraceParent.random()
        let python = Message(Array("traceparent: \(parent.header)\ntracestate: rojo=00f067aa0ba902b7".utf8))
        #expect(python.extractTraceContext(instrument: W3CInstrument()).traceParent == parent)
        let fields = python.withUnsafeBytes { TraceContextFields(parsing: $0) }
        #expect(fields["tracestate"] == "rojo=00f067aa0ba902b7")
    }

    @Test(
        "a pyzmq client's trace frame reaches a Swift worker through the proxy, and the worker's reply frame reads in Python"
    )
    func pyzmqPeer() throws {
        let chain = try Chain(over: "tcp")
        defer { chain.stop() }
        let frontend = chain.frontendEndpoint
        let parent = TraceParent.random()
        let child = TraceParent(traceID: parent.traceID, spanID: TraceParent.random().spanID)
        let script = """
            import sys, zmq
            context = zmq.Context()
            socket = context.socket(zmq.REQ)
            socket.setsockopt(zmq.LINGER, 0)
            socket.setsockopt(zmq.RCVTIMEO, 10000)
            socket.connect(sys.argv[1])
            headers = {"traceparent": sys.argv[2], "tracestate": "congo=t61rcWkgMzE"}
            socket.send_multipart(["\\n".join(f"{k}: {v}" for k, v in headers.items()).encode(), b"body"])
            frame, body = socket.recv_multipart()
            fields = dict(line.split(": ", 1) for line in frame.decode().split("\\n") if ": " in line)
            print(fields["traceparent"], body.decode())
            """
        let python = try PythonProcess(script, arguments: [frontend, parent.header])
        let received = try chain.worker.receiveMultipart()
        let context = try #require(received.first).extractTraceContext(instrument: W3CInstrument())
        #expect(context.traceParent == parent)
        var replyContext = context
        replyContext.traceParent = child
        try chain.worker.sendMultipart([
            Message(traceContext: replyContext, instrument: W3CInstrument()), Message("ok"),
        ])
        #expect(try python.output(within: .seconds(30)) == "\(child.header) ok\n")
    }
}

/// Debian's python3 (it sees python3-zmq) running `script`, spawned without waiting,
/// its standard output in a temporary file.
private final class PythonProcess {
    let pid: pid_t
    let outputPath: String
    let errorPath: String

    init(_ script: String, arguments: [String]) throws {
        let python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "/usr/bin/env"
        let argv = (python == "/usr/bin/env" ? [python, "python3"] : [python]) + ["-c", script] + arguments
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swift-zeromq-trace-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        outputPath = folder.appendingPathComponent("out").path
        errorPath = folder.appendingPathComponent("err").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw PythonFailure(text: "posix_spawn \(argv[0]): error \(spawned)") }
        self.pid = pid
    }

    /// What it printed, once it has exited with status 0 within `timeout`.
    func output(within timeout: Duration) throws -> String {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) != pid {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw PythonFailure(text: "python3 did not finish within \(timeout)")
            }
            usleep(10_000)
        }
        let errors = Self.contents(of: errorPath)
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw PythonFailure(text: "python3 ended with wait status \(status): \(errors)")
        }
        return Self.contents(of: outputPath)
    }

    /// The text of the file at `path` ("" when it cannot be read), read with `read(2)`:
    /// FoundationEssentials' `String(contentsOfFile:)` leaks a 4 KiB buffer when it reads
    /// an empty file (LeakSanitizer, `make sanitize`), and python's standard error usually is.
    private static func contents(of path: String) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    deinit {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: (outputPath as NSString).deletingLastPathComponent)
    }
}

private struct PythonFailure: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}
#endif
