import Testing
import ZeroMQ

/// Publish/subscribe filtering. A publisher drops messages until a subscription has
/// reached it, so every test first proves that its connection works with a message
/// that matches, by publishing until one arrives (see ``publish(on:until:timeout:_:)``),
/// and only then checks what is not delivered, with a short receive timeout.
@Suite("PUB/SUB")
struct PubSubTests {
    /// Long enough for a message that would be delivered to arrive, short enough to
    /// keep the suite quick: the "gets nothing" window.
    static let quiet = Timeout.milliseconds(300)

    @Test("a SUB without a subscription gets nothing", arguments: Transport.allCases)
    func noSubscriptionNoDelivery(transport: Transport) throws {
        let context = try makeContext()
        let pub = try PubSocket.bounded(context)
        let silent = try SubSocket.bounded(context, timeout: Self.quiet)
        let control = try SubSocket.bounded(context)
        let endpoint = try pub.bind(transport.bindEndpoint())
        try silent.connect(endpoint)
        try control.connect(endpoint)
        try control.subscribeToAll()

        // The publisher works: the subscribed socket gets its messages.
        let first = try publish(on: pub, until: control) { "before \($0)" }
        #expect(first.string.hasPrefix("before "))

        // The socket without a subscription gets none of them.
        #expect(throws: ZMQError.again) { try silent.receive() }
        #expect(try silent.tryReceive() == nil)

        // Its connection works too: once it subscribes, new messages arrive, and the
        // first is a new one, so none of those published before was ever queued for it.
        try silent.setOption(.receiveTimeout, .seconds(5))
        try silent.subscribeToAll()
        let after = try publish(on: pub, until: silent) { "after \($0)" }
        #expect(after.string.hasPrefix("after "))
    }

    @Test("a prefix subscription delivers matching and drops the rest", arguments: Transport.allCases)
    func prefixFilter(transport: Transport) throws {
        let context = try makeContext()
        let pub = try PubSocket.bounded(context)
        let sub = try SubSocket.bounded(context)
        try link(pub, sub, over: transport)
        try sub.subscribe(to: "weather.")

        let first = try publish(on: pub, until: sub) { "weather.probe \($0)" }
        #expect(first.string.hasPrefix("weather.probe"))

        try pub.send("sports.result")
        try pub.send("weathe")  // shorter than the prefix
        try pub.send(Array("weather.".utf8) + [0xFF, 0x00])  // bytes after the prefix
        try pub.send("news")
        try pub.send("weather.last")

        // Messages of one publisher arrive in order, so everything published before
        // "weather.last" that was delivered arrives before it.
        var received: [Message] = []
        while received.last?.string != "weather.last" {
            received.append(try sub.receive())
        }
        let delivered = received.filter { !$0.string.hasPrefix("weather.probe") }
        #expect(delivered.map { [UInt8]($0) } == [Array("weather.".utf8) + [0xFF, 0x00], Array("weather.last".utf8)])
        for message in received {
            #expect(message.starts(with: "weather.".utf8))
        }

        try sub.setOption(.receiveTimeout, Self.quiet)
        #expect(throws: ZMQError.again) { try sub.receive() }
    }

    @Test("a byte-prefix subscription filters", arguments: [Transport.inproc])
    func bytePrefix(transport: Transport) throws {
        let context = try makeContext()
        let pub = try PubSocket.bounded(context)
        let sub = try SubSocket.bounded(context)
        try link(pub, sub, over: transport)
        try sub.subscribe(to: [0x00, 0x01] as [UInt8])

        let first = try publish(on: pub, until: sub) { _ in "\u{0}\u{1}probe" }
        #expect(Array(first.prefix(2)) == [0x00, 0x01])
        try pub.send([0x00, 0x02] as [UInt8])
        try pub.send([0x00, 0x01, 0x02] as [UInt8])
        var message = try sub.receive()
        while message.string == "\u{0}\u{1}probe" { message = try sub.receive() }
        #expect(Array(message) == [0x00, 0x01, 0x02])
    }

    @Test("unsubscribing stops delivery", arguments: Transport.allCases)
    func unsubscribe(transport: Transport) throws {
        let context = try makeContext()
        let pub = try PubSocket.bounded(context)
        let sub = try SubSocket.bounded(context)
        try link(pub, sub, over: transport)
        try sub.subscribe(to: "a.")
        try sub.subscribe(to: "b.")

        let first = try publish(on: pub, until: sub) { "a.probe \($0)" }
        #expect(first.string.hasPrefix("a."))

        try sub.unsubscribe(from: "a.")
        // Nothing starting with "a." is delivered from now on, not even what was
        // already queued: a SUB also filters by its current subscriptions as it reads.
        try pub.send("a.after")
        let marker = try publish(on: pub, until: sub) { "b.marker \($0)" }
        #expect(marker.string.hasPrefix("b.marker"))

        try sub.unsubscribe(from: "b.")
        try pub.send("b.after")
        try sub.setOption(.receiveTimeout, Self.quiet)
        while let message = try sub.tryReceive() {
            #expect(message.string.hasPrefix("b.marker"), "unexpected \(message.string)")
        }
        #expect(throws: ZMQError.again) { try sub.receive() }
    }

    @Test("unsubscribeFromAll undoes subscribeToAll", arguments: [Transport.inproc])
    func unsubscribeFromAll(transport: Transport) throws {
        let context = try makeContext()
        let pub = try PubSocket.bounded(context)
        let sub = try SubSocket.bounded(context, timeout: Self.quiet)
        try link(pub, sub, over: transport)
        try sub.subscribeToAll()
        _ = try publish(on: pub, until: sub) { "probe \($0)" }

        try sub.unsubscribeFromAll()
        try pub.send("after")
        while let message = try sub.tryReceive() {
            #expect(message.string.hasPrefix("probe"))
        }
        #expect(throws: ZMQError.again) { try sub.receive() }
    }

    @Test("XSUB subscribes with a subscription message", arguments: Transport.allCases)
    func xsubSubscribes(transport: Transport) throws {
        let context = try makeContext()
        let pub = try PubSocket.bounded(context)
        let xsub = try XSubSocket.bounded(context)
        try link(pub, xsub, over: transport)
        try xsub.subscribe(to: "topic")

        // An XSUB does not filter by itself: only the publisher, which applies the
        // subscription the library sent, keeps "other" away.
        let first = try publish(on: pub, until: xsub) { $0 % 2 == 0 ? "other \($0)" : "topic \($0)" }
        #expect(first.string.hasPrefix("topic"))
        try pub.send("other last")
        try pub.send("topic last")
        var message = first
        while message.string != "topic last" {
            message = try xsub.receive()
            #expect(message.string.hasPrefix("topic"), "unexpected \(message.string)")
        }
    }

    @Test("XSUB's subscribe and unsubscribe send 0x01/0x00 messages to an XPUB", arguments: Transport.allCases)
    func xsubSubscriptionMessages(transport: Transport) throws {
        let context = try makeContext()
        let xpub = try XPubSocket.bounded(context)
        let xsub = try XSubSocket.bounded(context)
        try link(xpub, xsub, over: transport)

        try xsub.subscribe(to: "abc")
        #expect(Array(try xpub.receive()) == [0x01] + Array("abc".utf8))
        try xsub.subscribe(to: [0xFF, 0x00] as [UInt8])
        #expect(Array(try xpub.receive()) == [0x01, 0xFF, 0x00])
        try xsub.unsubscribe(from: "abc")
        #expect(Array(try xpub.receive()) == [0x00] + Array("abc".utf8))
        try xsub.subscribeToAll()
        #expect(Array(try xpub.receive()) == [0x01])

        // And the publisher then delivers through it.
        try xpub.send("hello")
        #expect(try xsub.receiveString() == "hello")
    }

    @Test("XPUB sees a SUB's subscriptions", arguments: [Transport.tcp])
    func xpubSeesSubscriptions(transport: Transport) throws {
        let context = try makeContext()
        let xpub = try XPubSocket.bounded(context)
        let sub = try SubSocket.bounded(context)
        try link(xpub, sub, over: transport)
        try sub.subscribe(to: "t")
        #expect(Array(try xpub.receive()) == [0x01, UInt8(ascii: "t")])
        try xpub.send("t1")
        #expect(try sub.receiveString() == "t1")
    }
}
