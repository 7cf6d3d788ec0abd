import ArgumentParser
import ZeroMQ

/// The command line of zmqcat: what a user can say, and what `--help` tells them.
struct Zmqcat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmqcat",
        abstract: "Send standard input to any ZeroMQ peer, and print what it sends back.",
        discussion: """
            Records read from standard input (lines, NUL-terminated records or the
            whole input: --records) are sent as messages; --separator cuts a record
            into the frames of a multipart message. Messages received are written to
            standard output, one record each, in --format, their frames joined by the
            separator (or marked with --frames). What happens depends on the kind:

              pub, push     send each record of stdin; end at its end (after --linger)
              sub, pull     print each message received
              req           for each record: send it, print the reply
              rep           for each request: print it, answer with the next record;
                            end when stdin has no record left to answer with
              dealer, router, pair, xpub, xsub, stream
                            both at once: send records as they come and print
                            messages as they arrive, until --count or --timeout

            Durations are a number and a unit: 500ms, 2s, 1.5s, 1m, 1h (a bare number
            is seconds). Messages for people go to standard error, after "zmqcat: ".

            EXIT CODES
              0   done: all of stdin sent, --count messages received, or (without
                  --count) at least one message received before the timeout
              1   a send or receive failed, stdin or stdout failed, or a record is
                  not in --input-format
              2   the socket could not be set up: a bind, connect, option, key or
                  certificate was refused
              3   timed out (--timeout): fewer than --count messages arrived
                  (without --count: none), a request got no reply, or a send could
                  not go out (no peer, or its queue is full)
              64  bad command line: the message names the flag

            EXAMPLES
              Ask a REP server, waiting at most 5 seconds for the reply:
                echo ping | zmqcat req -c tcp://localhost:5555 -t 5s
              Answer one request with "pong":
                echo pong | zmqcat rep -b 'tcp://*:5555' -n 1
              Print 10 messages whose topic starts with "weather":
                zmqcat sub -c tcp://localhost:5556 -s weather -n 10
              Send a file as one message:
                zmqcat push -c tcp://localhost:5557 --records whole < photo.jpg
              Send a two-frame message, with "|" between the frames:
                echo 'key|value' | zmqcat push -c tcp://localhost:5557 --separator '|'
              Show a ROUTER's messages frame by frame, in hex (ids are binary):
                zmqcat router -b 'tcp://*:5570' --format hex --frames
              A stage between two others in a pipeline:
                zmqcat pull -b 'tcp://*:5557' | grep --line-buffered ERROR |
                  zmqcat push -c tcp://localhost:5558
              A CURVE client that knows the server's public key (its own pair is
              generated):
                zmqcat req -c tcp://host:5555 \\
                  --curve-server-key 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7'
              A CURVE server that admits the clients whose certificates are in a
              folder:
                zmqcat rep -b 'tcp://*:5555' --curve-server \\
                  --curve-certificate server.key_secret --curve-allow clients/
            """
    )

    // The socket.

    @Argument(
        help: ArgumentHelp(
            "The socket's kind: \(SocketKind.all.map { $0.name.lowercased() }.joined(separator: ", ")).",
            valueName: "kind"),
        transform: { try SocketKind(name: $0) })
    var kind: SocketKind

    @Option(name: .shortAndLong, help: ArgumentHelp("Bind to this endpoint (repeatable).", valueName: "endpoint"))
    var bind: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Connect to this endpoint (repeatable).", valueName: "endpoint"))
    var connect: [String] = []

    @Option(
        name: .shortAndLong,
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Receive the messages that start with this prefix (sub, xsub; repeatable). A sub socket without one receives everything.",
            valueName: "prefix"))
    var subscribe: [String] = []

    @Option(
        name: .customLong("routing-id"),
        parsing: .unconditional,
        help: ArgumentHelp("The socket's routing id (ZMQ_ROUTING_ID).", valueName: "id"))
    var routingID: String?

    @Option(
        name: .customLong("hwm"),
        help: ArgumentHelp(
            "The high-water mark of both directions, in messages (ZMQ_SNDHWM, ZMQ_RCVHWM).", valueName: "n"))
    var highWaterMark: Int?

    @Option(name: .customLong("send-hwm"), help: ArgumentHelp("The send high-water mark (ZMQ_SNDHWM).", valueName: "n"))
    var sendHighWaterMark: Int?

    @Option(
        name: .customLong("receive-hwm"),
        help: ArgumentHelp("The receive high-water mark (ZMQ_RCVHWM).", valueName: "n"))
    var receiveHighWaterMark: Int?

    @Option(
        help: ArgumentHelp(
            "How long messages still queued at the end may take to go out (ZMQ_LINGER; default 1s).",
            valueName: "duration"),
        transform: parseDuration)
    var linger: Duration?

    // What to do.

    @Option(
        name: [.customShort("n"), .long],
        help: ArgumentHelp(
            "End after this many messages: received (sent, for pub and push; replies, for req).",
            valueName: "n"))
    var count: Int?

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Give up when nothing arrives, or a send cannot go out, for this long (default: wait as long as it takes).",
            valueName: "duration"),
        transform: parseDuration)
    var timeout: Duration?

    @Flag(name: .shortAndLong, help: "Tell on standard error what is bound and connected.")
    var verbose = false

    // Messages in and out.

    @Option(
        help:
            "How standard input is cut into messages, and how received ones are ended: one per line, NUL-terminated, or the whole input as one message."
    )
    var records: RecordMode = .lines

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Cut each record into frames at this string, and join received frames with it.", valueName: "string"))
    var separator: String?

    @Option(help: "How received frames are written.")
    var format: Encoding = .text

    @Option(name: .customLong("input-format"), help: "How the frames of standard input are written.")
    var inputFormat: Encoding = .text

    @Flag(help: "Write each received frame as [SIZE] then the frame, so that frame boundaries show.")
    var frames = false

    // CURVE.

    @Flag(
        name: .customLong("curve-server"),
        help: "Be the CURVE server. Without a secret key or certificate, it generates a pair and tells its public key.")
    var curveServer = false

    @Option(
        name: .customLong("curve-server-key"),
        parsing: .unconditional,
        help: ArgumentHelp(
            "Be a CURVE client of the server with this public key (Z85). Without keys of its own, it generates a pair.",
            valueName: "z85"))
    var curveServerKey: String?

    @Option(
        name: .customLong("curve-server-certificate"),
        help: ArgumentHelp(
            "Be a CURVE client of the server whose public certificate is this file (czmq or pyzmq format).",
            valueName: "path"))
    var curveServerCertificate: String?

    @Option(
        name: .customLong("curve-certificate"),
        help: ArgumentHelp(
            "This socket's CURVE key pair, from its secret certificate (czmq or pyzmq format, such as alice.key_secret).",
            valueName: "path"))
    var curveCertificate: String?

    @Option(
        name: .customLong("curve-secret-key"),
        parsing: .unconditional,
        help: ArgumentHelp(
            "This socket's CURVE secret key (Z85). Other users may see it in the process list: prefer --curve-certificate.",
            valueName: "z85"))
    var curveSecretKey: String?

    @Option(
        name: .customLong("curve-public-key"),
        parsing: .unconditional,
        help: ArgumentHelp(
            "This socket's CURVE public key (Z85), checked against --curve-secret-key (which implies it).",
            valueName: "z85"))
    var curvePublicKey: String?

    @Option(
        name: .customLong("curve-allow"),
        help: ArgumentHelp(
            "As a CURVE server, admit only the clients whose public certificates are in this folder.",
            valueName: "folder"))
    var curveAllow: String?

    mutating func validate() throws {
        if bind.isEmpty && connect.isEmpty {
            throw ValidationError("Give at least one endpoint: --bind ENDPOINT or --connect ENDPOINT.")
        }
        if !subscribe.isEmpty && !kind.canSubscribe {
            throw ValidationError("--subscribe applies to sub and xsub sockets, not \(kind.name.lowercased()).")
        }
        if let count, count < 1 {
            throw ValidationError("--count must be at least 1, not \(count).")
        }
        for (flag, value) in [
            ("--hwm", highWaterMark), ("--send-hwm", sendHighWaterMark), ("--receive-hwm", receiveHighWaterMark),
        ] {
            if let value, value < 0 || value > Int(Int32.max) {
                throw ValidationError("\(flag) must be from 0 (no limit) to \(Int32.max), not \(value).")
            }
        }
        if separator == "" {
            throw ValidationError("--separator must not be empty.")
        }
        let isClient = curveServerKey != nil || curveServerCertificate != nil
        if curveServerKey != nil && curveServerCertificate != nil {
            throw ValidationError("--curve-server-key and --curve-server-certificate exclude each other.")
        }
        if curveServer && isClient {
            throw ValidationError(
                "--curve-server and --curve-server-key or --curve-server-certificate exclude each other: a socket is the server or a client."
            )
        }
        if curveSecretKey != nil && curveCertificate != nil {
            throw ValidationError("--curve-secret-key and --curve-certificate exclude each other.")
        }
        if curvePublicKey != nil && curveSecretKey == nil {
            throw ValidationError("--curve-public-key needs the secret key of the pair: --curve-secret-key.")
        }
        if curveAllow != nil && !curveServer {
            throw ValidationError("--curve-allow applies to a CURVE server: add --curve-server.")
        }
        if !curveServer && !isClient && (curveSecretKey != nil || curveCertificate != nil) {
            throw ValidationError(
                "CURVE keys need a role: --curve-server, or --curve-server-key or --curve-server-certificate for a client."
            )
        }
        // Keys that are not keys are bad flags too; the error says what is wrong, and for
        // a secret key never which character.
        do {
            if let key = curveServerKey { _ = try CurvePublicKey(z85: key) }
        } catch {
            throw ValidationError("--curve-server-key: \(error)")
        }
        do {
            if let key = curvePublicKey { _ = try CurvePublicKey(z85: key) }
        } catch {
            throw ValidationError("--curve-public-key: \(error)")
        }
        do {
            if let key = curveSecretKey { _ = try CurveSecretKey(z85: key) }
        } catch {
            throw ValidationError("--curve-secret-key: \(error)")
        }
    }

    func run() throws {
        var session = Session(self)
        let code = session.run()
        if code != ExitCode.success { throw code }
    }
}

/// How standard input is cut into messages, and how received messages are ended.
enum RecordMode: String, CaseIterable, ExpressibleByArgument {
    case lines, nul, whole
}

/// How frames are written, in and out.
enum Encoding: String, CaseIterable, ExpressibleByArgument {
    case text, hex, base64
}

/// A duration of the command line: a number and a unit (ms, s, m or h), or a bare
/// number of seconds; at most what libzmq's options hold (2^31 - 1 milliseconds, about
/// 24 days).
func parseDuration(_ text: String) throws -> Duration {
    let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    let unit = units.first { text.hasSuffix($0.suffix) }
    let number = unit.map { String(text.dropLast($0.suffix.count)) } ?? text
    // Digits, and a fraction if any: no sign, exponent, hexadecimal, inf or nan.
    let parts = number.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }),
        let value = Double(number)
    else {
        throw ValidationError("'\(text)' is not a duration: write a number and a unit, such as 500ms, 2s or 1m.")
    }
    let milliseconds = (value * (unit?.seconds ?? 1) * 1000).rounded(.up)
    guard milliseconds <= Double(Int32.max) else {
        throw ValidationError("'\(text)' is too long: a duration is at most 2147483s (about 24 days).")
    }
    return .milliseconds(Int64(milliseconds))
}
