import CZeroMQ
import Glibc
import Testing
import ZeroMQ

/// Options of some kinds only: they compile on those kinds (this file is the check),
/// work through their effect, and a DynamicSocket of another kind gets a clear error.
@Suite("Options of some socket kinds")
struct KindOptionTests {
    @Test("every kind-constrained option compiles and is accepted on the kinds it lists")
    func accepted() throws {
        let context = try makeContext()
        let router = try RouterSocket(context)
        try router.setOption(.routerMandatory, true)
        try router.setOption(.routerHandover, true)
        try router.setOption(.probeRouter, true)
        try router.setOption(.connectRoutingID, Array("peer".utf8))
        try DealerSocket(context).setOption(.probeRouter, true)
        let req = try ReqSocket(context)
        try req.setOption(.probeRouter, true)
        try req.setOption(.requestCorrelate, true)
        try req.setOption(.requestRelaxed, true)
        let xpub = try XPubSocket(context)
        try xpub.setOption(.xpubVerbose, true)
        try xpub.setOption(.xpubVerboser, true)
        try xpub.setOption(.xpubManual, true)
        try xpub.setOption(.xpubNoDrop, true)
        try xpub.setOption(.xpubWelcomeMessage, Array("hello".utf8))
        try PubSocket(context).setOption(.xpubNoDrop, true)
        let stream = try StreamSocket(context)
        try stream.setOption(.streamNotify, false)
        try stream.setOption(.connectRoutingID, Array("raw".utf8))

        try conflates(PushSocket(context))
        try conflates(PullSocket(context))
        try conflates(PubSocket(context))
        try conflates(SubSocket(context))
        try conflates(DealerSocket(context))

        try inverts(PubSocket(context))
        try inverts(XPubSocket(context))
        try inverts(SubSocket(context))
        try inverts(XSubSocket(context))
    }

    private func conflates<K: ConflatingSocketType>(_ socket: Socket<K>) throws {
        #expect(try socket.option(.conflate) == false)
        try socket.setOption(.conflate, true)
        #expect(try socket.option(.conflate) == true)
    }

    private func inverts<K: FilteringSocketType>(_ socket: Socket<K>) throws {
        #expect(try socket.option(.invertMatching) == false)
        try socket.setOption(.invertMatching, true)
        #expect(try socket.option(.invertMatching) == true)
    }

    @Test("the write-only options cannot be read from libzmq 4.3 either")
    func writeOnlyInLibzmq() throws {
        let context = try makeContext()
        let router = try RouterSocket(context)
        let req = try ReqSocket(context)
        let xpub = try XPubSocket(context)
        let stream = try StreamSocket(context)
        for (socket, option) in [
            (router.unsafeHandle, ZMQ_ROUTER_MANDATORY), (router.unsafeHandle, ZMQ_ROUTER_HANDOVER),
            (router.unsafeHandle, ZMQ_PROBE_ROUTER), (req.unsafeHandle, ZMQ_REQ_RELAXED),
            (req.unsafeHandle, ZMQ_REQ_CORRELATE), (xpub.unsafeHandle, ZMQ_XPUB_VERBOSE),
            (xpub.unsafeHandle, ZMQ_XPUB_VERBOSER), (xpub.unsafeHandle, ZMQ_XPUB_MANUAL),
            (xpub.unsafeHandle, ZMQ_XPUB_NODROP), (stream.unsafeHandle, ZMQ_STREAM_NOTIFY),
        ] {
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            #expect(zmq_getsockopt(socket, option, &value, &size) == -1, "option \(option)")
            #expect(zmq_errno() == EINVAL)
        }
    }

    @Test("routerMandatory makes an unroutable send throw hostUnreachable")
    func routerMandatory() throws {
        let context = try makeContext()
        let router = try RouterSocket.bounded(context)
        try router.bind(Transport.inproc.bindEndpoint())
        // Without it, the message is dropped silently.
        try router.sendMultipart(["nobody", "lost"])
        try router.setOption(.routerMandatory, true)
        #expect(throws: ZMQError.hostUnreachable) { try router.sendMultipart(["nobody", "lost"]) }
    }

    @Test("connectRoutingID names the peer of the next connect")
    func connectRoutingID() throws {
        let context = try makeContext()
        let server = try RouterSocket.bounded(context)
        let client = try RouterSocket.bounded(context)
        try client.setOption(.routerMandatory, true)
        let endpoint = try server.bind(Transport.tcp.bindEndpoint())
        try client.setOption(.connectRoutingID, Array("server".utf8))
        try client.connect(endpoint)
        // The client addresses the server by the id it chose, once connected.
        var attempts = 0
        while attempts < 500, (try? client.sendMultipart(["server", "hi"])) == nil {
            attempts += 1
            usleep(10_000)
        }
        #expect(attempts < 500)
        #expect(try server.receiveMultipart().last?.string == "hi")
    }

    @Test("xpubVerbose passes duplicate subscriptions up")
    func xpubVerbose() throws {
        for verbose in [false, true] {
            let context = try makeContext()
            let xpub = try XPubSocket.bounded(context, timeout: .milliseconds(300))
            try xpub.setOption(.xpubVerbose, verbose)
            let endpoint = try xpub.bind(Transport.inproc.bindEndpoint())
            let first = try SubSocket(context)
            let second = try SubSocket(context)
            try first.connect(endpoint)
            try second.connect(endpoint)
            try first.subscribe(to: "news")
            #expect(try xpub.receiveBytes() == [1] + Array("news".utf8))
            try second.subscribe(to: "news")
            if verbose {
                #expect(try xpub.receiveBytes() == [1] + Array("news".utf8))
            } else {
                #expect(throws: ZMQError.again) { try xpub.receiveBytes() }
            }
        }
    }

    @Test("xpubWelcomeMessage greets a new subscriber")
    func welcome() throws {
        let context = try makeContext()
        let xpub = try XPubSocket.bounded(context)
        try xpub.setOption(.xpubWelcomeMessage, Array("welcome".utf8))
        let endpoint = try xpub.bind(Transport.inproc.bindEndpoint())
        let sub = try SubSocket.bounded(context)
        try sub.subscribe(to: "welcome")
        try sub.connect(endpoint)
        // The XPUB attaches the subscriber, and sends the welcome, when it next
        // processes commands: here, receiving the subscription.
        #expect(try xpub.receiveBytes() == [1] + Array("welcome".utf8))
        #expect(try sub.receiveString() == "welcome")
    }

    @Test("requestRelaxed lets a REQ send twice")
    func requestRelaxed() throws {
        let context = try makeContext()
        let req = try ReqSocket.bounded(context)
        let rep = try RepSocket.bounded(context)
        try link(rep, req, over: .inproc)
        try req.send("one")
        #expect(throws: ZMQError.invalidState) { try req.send("two") }
        try req.setOption(.requestRelaxed, true)
        try req.setOption(.requestCorrelate, true)
        try req.send("two")
    }

    @Test("streamNotify off: no empty message when a peer connects")
    func streamNotify() throws {
        for notify in [true, false] {
            let context = try makeContext()
            let stream = try StreamSocket.bounded(context, timeout: .milliseconds(300))
            try stream.setOption(.streamNotify, notify)
            let endpoint = try stream.bind(Transport.tcp.bindEndpoint())
            let peer = try StreamSocket.bounded(context)
            try peer.connect(endpoint)
            if notify {
                #expect(try stream.receiveMultipart().last?.count == 0)
            } else {
                #expect(throws: ZMQError.again) { try stream.receiveMultipart() }
            }
        }
    }

    @Test("conflate keeps only the last message")
    func conflate() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context)
        try pull.setOption(.conflate, true)
        let push = try PushSocket.bounded(context)
        // Over tcp each side's pipe follows its own options (over inproc, the
        // connecting side's decide).
        try link(pull, push, over: .tcp)
        for value in 1...5 { try push.send("\(value)") }
        usleep(200_000)
        #expect(try pull.receiveString() == "5")
        #expect(try pull.tryReceive() == nil)
    }

    @Test("a DynamicSocket reaches every option, and one its kind lacks names both")
    func dynamic() throws {
        let context = try makeContext()
        let router = try DynamicSocket(context, kind: .router)
        try router.setOption(.routerMandatory, true)
        let push = try DynamicSocket(context, kind: .push)
        try push.setOption(.conflate, true)
        #expect(try push.option(.conflate))

        let error = #expect(throws: ZMQError.notSupported) { try push.setOption(.routerMandatory, true) }
        #expect(error?.description.contains("ZMQ_ROUTER_MANDATORY on PUSH") == true)
        #expect(error?.description.contains("applies to ROUTER sockets, not PUSH") == true)
        let read = #expect(throws: ZMQError.notSupported) { try push.option(.invertMatching) }
        #expect(read?.description.contains("ZMQ_INVERT_MATCHING on PUSH") == true)
        for (kind, ok) in [(SocketKind.req, true), (.rep, false), (.dealer, true), (.pair, false)] {
            let socket = try DynamicSocket(context, kind: kind)
            if ok {
                try socket.setOption(.probeRouter, true)
            } else {
                #expect(throws: ZMQError.notSupported) { try socket.setOption(.probeRouter, true) }
            }
        }
        #expect(throws: ZMQError.notSupported) { try DynamicSocket(context, kind: .sub).setOption(.xpubVerbose, true) }
        #expect(throws: ZMQError.notSupported) {
            try DynamicSocket(context, kind: .pair).setOption(.streamNotify, true)
        }
        #expect(throws: ZMQError.notSupported) {
            try DynamicSocket(context, kind: .router).setOption(.conflate, true)
        }
    }
}
