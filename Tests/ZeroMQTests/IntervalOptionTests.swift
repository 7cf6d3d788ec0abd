import CZeroMQ
import Glibc
import Testing
import ZeroMQ

/// Every time interval is a `Timeout`, with libzmq's special values named.
@Suite("Interval options")
struct IntervalOptionTests {
    /// What libzmq itself holds for `option`.
    func raw(_ socket: DealerSocket, _ option: Int32) -> Int32 {
        var value: Int32 = -99
        var size = MemoryLayout<Int32>.size
        #expect(zmq_getsockopt(socket.unsafeHandle, option, &value, &size) == 0)
        return value
    }

    @Test("reconnectInterval: .infinite is libzmq's -1, never reconnect")
    func reconnectInterval() throws {
        let socket = try DealerSocket(makeContext())
        #expect(try socket.option(.reconnectInterval) == .milliseconds(100))
        try socket.setOption(.reconnectInterval, .milliseconds(250))
        #expect(try socket.option(.reconnectInterval) == .milliseconds(250))
        try socket.setOption(.reconnectInterval, .infinite)
        #expect(raw(socket, ZMQ_RECONNECT_IVL) == -1)
        #expect(try socket.option(.reconnectInterval) == .infinite)
        try socket.setOption(.reconnectInterval, Timeout(.seconds(2)))
        #expect(try socket.option(.reconnectInterval).duration == .seconds(2))
    }

    @Test("reconnectIntervalMax, heartbeatInterval, recoveryInterval: finite, .zero has a meaning")
    func finite() throws {
        let socket = try DealerSocket(makeContext())
        #expect(try socket.option(.reconnectIntervalMax) == .zero)  // no back-off
        #expect(try socket.option(.heartbeatInterval) == .zero)  // no heartbeats
        #expect(try socket.option(.recoveryInterval) == .seconds(10))
        for option in [SocketOption<Timeout>.reconnectIntervalMax, .heartbeatInterval, .recoveryInterval] {
            try socket.setOption(option, .milliseconds(1500))
            #expect(try socket.option(option) == .milliseconds(1500))
            try socket.setOption(option, .zero)
            #expect(try socket.option(option) == .zero)
            let error = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(option, .infinite) }
            #expect(error?.description.contains("\(option.name) = infinite") == true)
            #expect(error?.description.contains("no infinite value") == true)
        }
    }

    @Test("heartbeatTimeToLive travels in deciseconds, rounded")
    func timeToLive() throws {
        let socket = try DealerSocket(makeContext())
        #expect(try socket.option(.heartbeatTimeToLive) == .zero)
        try socket.setOption(.heartbeatTimeToLive, .milliseconds(1249))
        #expect(try socket.option(.heartbeatTimeToLive) == .milliseconds(1200))
        try socket.setOption(.heartbeatTimeToLive, .milliseconds(1250))
        #expect(try socket.option(.heartbeatTimeToLive) == .milliseconds(1300))
        try socket.setOption(.heartbeatTimeToLive, .milliseconds(6_553_500))
        #expect(try socket.option(.heartbeatTimeToLive) == .milliseconds(6_553_500))
        for value in [Timeout.milliseconds(6_553_600), .infinite] {
            let error = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(.heartbeatTimeToLive, value) }
            #expect(error?.description.contains("ZMQ_HEARTBEAT_TTL = \(value)") == true)
        }
        #expect(try socket.option(.heartbeatTimeToLive) == .milliseconds(6_553_500))
    }

    @Test("heartbeatTimeout: nil is libzmq's default, which it does not take back")
    func heartbeatTimeout() throws {
        let socket = try DealerSocket(makeContext())
        #expect(try socket.option(.heartbeatTimeout) == nil)
        try socket.setOption(.heartbeatTimeout, .milliseconds(3000))
        #expect(try socket.option(.heartbeatTimeout) == .milliseconds(3000))
        for value in [nil, Timeout.infinite] {
            let error = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(.heartbeatTimeout, value) }
            #expect(error?.description.contains("ZMQ_HEARTBEAT_TIMEOUT") == true)
        }
    }

    @Test("tcpKeepaliveIdle and tcpKeepaliveInterval: whole seconds, nil for the OS default")
    func keepalive() throws {
        let socket = try DealerSocket(makeContext())
        for (option, cOption) in [
            (SocketOption<Timeout?>.tcpKeepaliveIdle, ZMQ_TCP_KEEPALIVE_IDLE),
            (.tcpKeepaliveInterval, ZMQ_TCP_KEEPALIVE_INTVL),
        ] {
            #expect(try socket.option(option) == nil)
            try socket.setOption(option, .seconds(30))
            #expect(raw(socket, cOption) == 30)
            #expect(try socket.option(option) == .seconds(30))
            try socket.setOption(option, .milliseconds(1001))  // rounded up
            #expect(try socket.option(option) == .seconds(2))
            try socket.setOption(option, nil)
            #expect(raw(socket, cOption) == -1)
            #expect(try socket.option(option) == nil)
            let error = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(option, .infinite) }
            #expect(error?.description.contains("\(option.name) = Optional(infinite)") == true)
        }
    }

    @Test("a heartbeat interval keeps a connection's heartbeats going")
    func heartbeatsRun() throws {
        let context = try makeContext()
        let server = try DealerSocket.bounded(context)
        let client = try DealerSocket.bounded(context)
        for socket in [server, client] {
            try socket.setOption(.heartbeatInterval, .milliseconds(20))
            try socket.setOption(.heartbeatTimeout, .milliseconds(200))
            try socket.setOption(.heartbeatTimeToLive, .milliseconds(500))
        }
        try link(server, client, over: .tcp)
        usleep(300_000)  // longer than the timeout: the heartbeats keep it open
        try client.send("still here")
        #expect(try server.receiveString() == "still here")
    }
}
