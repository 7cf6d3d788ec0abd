import CZeroMQ
import Glibc
import Testing
import ZeroMQ

/// Time intervals: a `Timeout` where libzmq has an infinite value (its special values
/// named), a `Duration` where it has none; a negative value is zero either way.
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

    @Test("reconnectIntervalMax, heartbeatInterval, recoveryInterval: Durations, .zero has a meaning")
    func finite() throws {
        let socket = try DealerSocket(makeContext())
        #expect(try socket.option(.reconnectIntervalMax) == .zero)  // no back-off
        #expect(try socket.option(.heartbeatInterval) == .zero)  // no heartbeats
        #expect(try socket.option(.recoveryInterval) == .seconds(10))
        typealias Option = SocketOption<SocketType.Dealer, Duration, OptionAccess.ReadWrite>
        for option in [Option.reconnectIntervalMax, .heartbeatInterval, .recoveryInterval] {
            try socket.setOption(option, .milliseconds(1500))
            #expect(try socket.option(option) == .milliseconds(1500))
            #expect(raw(socket, option.rawValue) == 1500)
            try socket.setOption(option, .zero)
            #expect(try socket.option(option) == .zero)
            try socket.setOption(option, .microseconds(1001))  // rounded up to whole milliseconds
            #expect(try socket.option(option) == .milliseconds(2))
            try socket.setOption(option, .milliseconds(-3))  // negative is zero
            #expect(raw(socket, option.rawValue) == 0)
            #expect(try socket.option(option) == .zero)
            try socket.setOption(option, .seconds(Int64.max))  // clamped to a C int of milliseconds
            #expect(raw(socket, option.rawValue) == Int32.max)
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
        let error = #expect(throws: ZMQError.invalidArgument) {
            try socket.setOption(.heartbeatTimeToLive, .milliseconds(6_553_600))
        }
        #expect(error?.description.contains("ZMQ_HEARTBEAT_TTL = 6553.6 seconds") == true)
        #expect(try socket.option(.heartbeatTimeToLive) == .milliseconds(6_553_500))
        try socket.setOption(.heartbeatTimeToLive, .seconds(-1))  // negative is zero
        #expect(try socket.option(.heartbeatTimeToLive) == .zero)
    }

    @Test("heartbeatTimeout: nil is libzmq's default, which it does not take back")
    func heartbeatTimeout() throws {
        let socket = try DealerSocket(makeContext())
        #expect(try socket.option(.heartbeatTimeout) == nil)
        try socket.setOption(.heartbeatTimeout, .milliseconds(3000))
        #expect(try socket.option(.heartbeatTimeout) == .milliseconds(3000))
        let error = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(.heartbeatTimeout, nil) }
        #expect(error?.description.contains("ZMQ_HEARTBEAT_TIMEOUT") == true)
        #expect(try socket.option(.heartbeatTimeout) == .milliseconds(3000))
        try socket.setOption(.heartbeatTimeout, .milliseconds(-5))  // negative is zero
        #expect(raw(socket, ZMQ_HEARTBEAT_TIMEOUT) == 0)
        #expect(try socket.option(.heartbeatTimeout) == .zero)
    }

    @Test("tcpKeepaliveIdle and tcpKeepaliveInterval: whole seconds, at least one, nil for the OS default")
    func keepalive() throws {
        let socket = try DealerSocket(makeContext())
        typealias Option = SocketOption<SocketType.Dealer, Duration?, OptionAccess.ReadWrite>
        for (option, cOption) in [
            (Option.tcpKeepaliveIdle, ZMQ_TCP_KEEPALIVE_IDLE),
            (.tcpKeepaliveInterval, ZMQ_TCP_KEEPALIVE_INTVL),
        ] {
            #expect(try socket.option(option) == nil)
            try socket.setOption(option, .seconds(30))
            #expect(raw(socket, cOption) == 30)
            #expect(try socket.option(option) == .seconds(30))
            try socket.setOption(option, .milliseconds(1001))  // rounded up
            #expect(try socket.option(option) == .seconds(2))
            try socket.setOption(option, .milliseconds(1))
            #expect(try socket.option(option) == .seconds(1))
            try socket.setOption(option, nil)
            #expect(raw(socket, cOption) == -1)
            #expect(try socket.option(option) == nil)
            // libzmq takes 0, and then no tcp connection with keep-alive on completes.
            for value in [Duration.zero, .seconds(-2)] {
                let error = #expect(throws: ZMQError.invalidArgument) { try socket.setOption(option, value) }
                #expect(error?.description.contains("\(option.name) = Optional(\(value))") == true)
                #expect(error?.description.contains("at least 1 second") == true)
            }
            #expect(raw(socket, cOption) == -1)
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
