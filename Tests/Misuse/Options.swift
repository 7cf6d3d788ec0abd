// Option misuse that must not compile, each with the compiler's exact message.
//
// scripts/check-misuse.sh typechecks this file against the built ZeroMQ module with the
// compiler's own `-verify` mode: every error announced below in double braces must be
// produced on the line it names (`@+1`: the next line), and no other error may be.
// Docs/Errors.md quotes these messages. The functions at the end are the control: the
// same calls on the right kinds and types, which must compile.

import ZeroMQ

// MARK: - A value of the wrong type

func wrongValueType(_ socket: DealerSocket) throws {
    // expected-error@+1 {{cannot convert value of type 'Int' to expected argument type 'Timeout'}}
    try socket.setOption(.linger, 5)
    // expected-error@+1 {{cannot convert value of type 'String' to expected argument type 'Int'}}
    try socket.setOption(.sendHighWaterMark, "5")
    // expected-error@+1 {{cannot convert value of type 'Timeout' to expected argument type 'Duration'}}
    try socket.setOption(.heartbeatInterval, Timeout.infinite)
    // expected-error@+1 {{cannot convert value of type 'Duration' to expected argument type 'Timeout'}}
    try socket.setOption(.receiveTimeout, Duration.seconds(1))
}

// MARK: - Setting a read-only option, reading a write-only one

func readOnlySet(_ socket: DealerSocket) throws {
    // expected-error@+1 {{instance method 'setOption' requires that 'OptionAccess.ReadOnly' conform to 'OptionAccess.Writable'}}
    try socket.setOption(.type, .pub)
    // expected-error@+1 {{instance method 'setOption' requires that 'OptionAccess.ReadOnly' conform to 'OptionAccess.Writable'}}
    try socket.setOption(.lastEndpoint, "tcp://127.0.0.1:5555")
}

func writeOnlyRead(_ router: RouterSocket, _ xpub: XPubSocket) throws {
    // expected-error@+1 {{instance method 'option' requires that 'OptionAccess.WriteOnly' conform to 'OptionAccess.Readable'}}
    _ = try router.option(.routerMandatory)
    // expected-error@+1 {{instance method 'option' requires that 'OptionAccess.WriteOnly' conform to 'OptionAccess.Readable'}}
    _ = try xpub.option(.xpubVerbose)
}

func contextAccess(_ context: Context) throws {
    // expected-error@+1 {{instance method 'setOption' requires that 'OptionAccess.ReadOnly' conform to 'OptionAccess.Writable'}}
    try context.setOption(.socketLimit, 10)
    // expected-error@+1 {{instance method 'option' requires that 'OptionAccess.WriteOnly' conform to 'OptionAccess.Readable'}}
    _ = try context.option(.threadPriority)
    // expected-error@+1 {{cannot convert value of type 'String' to expected argument type 'Int'}}
    try context.setOption(.ioThreads, "2")
}

// MARK: - An option of some kinds on another kind

func wrongKind(
    _ router: RouterSocket, _ req: ReqSocket, _ push: PushSocket, _ pair: PairSocket, _ dealer: DealerSocket
) throws {
    // expected-error@+1 {{'routerMandatory' is unavailable: ZMQ_ROUTER_MANDATORY is an option of ROUTER sockets only}}
    try req.setOption(.routerMandatory, true)
    // expected-error@+1 {{'routerHandover' is unavailable: ZMQ_ROUTER_HANDOVER is an option of ROUTER sockets only}}
    try dealer.setOption(.routerHandover, true)
    // expected-error@+1 {{'probeRouter' is unavailable: ZMQ_PROBE_ROUTER is an option of ROUTER, DEALER and REQ sockets only}}
    try push.setOption(.probeRouter, true)
    // expected-error@+1 {{'connectRoutingID' is unavailable: ZMQ_CONNECT_ROUTING_ID is an option of ROUTER and STREAM sockets only}}
    try dealer.setOption(.connectRoutingID, [1])
    // expected-error@+1 {{'requestCorrelate' is unavailable: ZMQ_REQ_CORRELATE is an option of REQ sockets only}}
    try router.setOption(.requestCorrelate, true)
    // expected-error@+1 {{'requestRelaxed' is unavailable: ZMQ_REQ_RELAXED is an option of REQ sockets only}}
    try dealer.setOption(.requestRelaxed, true)
    // expected-error@+1 {{'xpubVerbose' is unavailable: ZMQ_XPUB_VERBOSE is an option of XPUB sockets only}}
    try push.setOption(.xpubVerbose, true)
    // expected-error@+1 {{'xpubVerboser' is unavailable: ZMQ_XPUB_VERBOSER is an option of XPUB sockets only}}
    try push.setOption(.xpubVerboser, true)
    // expected-error@+1 {{'xpubManual' is unavailable: ZMQ_XPUB_MANUAL is an option of XPUB sockets only}}
    try push.setOption(.xpubManual, true)
    // expected-error@+1 {{'xpubWelcomeMessage' is unavailable: ZMQ_XPUB_WELCOME_MSG is an option of XPUB sockets only}}
    try push.setOption(.xpubWelcomeMessage, [1])
    // expected-error@+1 {{'xpubNoDrop' is unavailable: ZMQ_XPUB_NODROP is an option of XPUB and PUB sockets only}}
    try push.setOption(.xpubNoDrop, true)
    // expected-error@+1 {{'streamNotify' is unavailable: ZMQ_STREAM_NOTIFY is an option of STREAM sockets only}}
    try router.setOption(.streamNotify, false)
    // expected-error@+1 {{'conflate' is unavailable: ZMQ_CONFLATE is an option of PUSH, PULL, PUB, SUB and DEALER sockets only}}
    try router.setOption(.conflate, true)
    // expected-error@+1 {{'conflate' is unavailable: ZMQ_CONFLATE is an option of PUSH, PULL, PUB, SUB and DEALER sockets only}}
    _ = try pair.option(.conflate)
    // expected-error@+1 {{'invertMatching' is unavailable: ZMQ_INVERT_MATCHING is an option of PUB, XPUB, SUB and XSUB sockets only}}
    try push.setOption(.invertMatching, true)
}

/// In generic code, the kind must be known to have the option.
func wrongKindGeneric<Kind>(_ socket: Socket<Kind>) throws {
    // expected-error@+1 {{'conflate' is unavailable: ZMQ_CONFLATE is an option of PUSH, PULL, PUB, SUB and DEALER sockets only}}
    try socket.setOption(.conflate, true)
}

// MARK: - An option declared by hand, without an unavailable twin

// expected-note@+1 {{missing same-type requirement on 'Self'}}
extension SocketOption where Kind: RouterOptionsSocketType, Value == Int, Access == OptionAccess.ReadWrite {
    static var routerNotifyByHand: Self {
        SocketOption(rawValue: 97, name: "ZMQ_ROUTER_NOTIFY", kinds: [.router], codec: .int32)
    }
}

func handDeclaredWrongKind(_ dealer: DealerSocket) throws {
    // Swift 6.3's own message, which the library's options avoid (Docs/Errors.md).
    // expected-error@+1 {{contextual member reference to static property 'routerNotifyByHand' requires 'Self' constraint in the protocol extension}}
    try dealer.setOption(.routerNotifyByHand, 1)
}

// MARK: - The control: the right kinds and types compile

func rightKindsCompile(
    _ router: RouterSocket, _ req: ReqSocket, _ push: PushSocket, _ xpub: XPubSocket, _ pub: PubSocket,
    _ stream: StreamSocket, _ sub: SubSocket, _ context: Context
) throws {
    try router.setOption(.routerMandatory, true)
    try router.setOption(.routerHandover, true)
    try router.setOption(.probeRouter, true)
    try router.setOption(.connectRoutingID, [1])
    try router.setOption(.routerNotifyByHand, 1)
    try req.setOption(.requestCorrelate, true)
    try req.setOption(.requestRelaxed, true)
    try xpub.setOption(.xpubVerbose, true)
    try xpub.setOption(.xpubVerboser, true)
    try xpub.setOption(.xpubManual, true)
    try xpub.setOption(.xpubWelcomeMessage, [1])
    try xpub.setOption(.xpubNoDrop, true)
    try pub.setOption(.xpubNoDrop, true)
    try stream.setOption(.streamNotify, false)
    try stream.setOption(.connectRoutingID, [1])
    try push.setOption(.conflate, true)
    _ = try sub.option(.conflate)
    try sub.setOption(.invertMatching, true)
    try push.setOption(.linger, .milliseconds(-3))
    try push.setOption(.heartbeatInterval, .seconds(1))
    try push.setOption(.tcpKeepaliveIdle, nil)
    _ = try push.option(.type)
    try context.setOption(.threadPriority, 1)
    _ = try context.option(.socketLimit)
}

func genericRightKindCompiles<Kind: ConflatingSocketType>(_ socket: Socket<Kind>) throws {
    try socket.setOption(.conflate, true)
}

/// A DynamicSocket has every option: its kind is checked at run time.
func dynamicHasEveryOption(_ socket: DynamicSocket) throws {
    try socket.setOption(.routerMandatory, true)
    try socket.setOption(.conflate, true)
    _ = try socket.option(.invertMatching)
    try socket.setOption(.xpubWelcomeMessage, [1])
}
