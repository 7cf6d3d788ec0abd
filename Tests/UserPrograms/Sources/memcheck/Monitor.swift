// The monitor's calls across the C boundary: zmq_socket_monitor attached and detached,
// events read and decoded, and the monitor's PAIR socket closed in every order.
import ZeroMQ

func checkMonitor() throws(ZMQError) {
    for order in ["stop-first", "close-first", "context-close", "release"] {
        let context = try Context(defaultLinger: .zero)
        let server = try PullSocket(context)
        let monitor = try server.monitor()
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        check(try monitor.next(timeout: .seconds(5))?.kind.filter == .listening, "listening (\(order))")
        let client = try PushSocket(context)
        try client.connect(endpoint)
        try client.send("x")
        check(try server.receiveString() == "x", "message (\(order))")
        var handshake = false
        while !handshake, let event = try monitor.next(timeout: .seconds(5)) {
            handshake = event.kind == .handshakeSucceeded
        }
        check(handshake, "handshake succeeded (\(order))")
        switch order {
        case "stop-first":
            monitor.stop()
            check(try monitor.tryNext() == nil, "nothing after stop")
            server.close()
        case "close-first":
            server.close()
            var last: MonitorEvent?
            while let event = try monitor.tryNext() { last = event }
            check(last?.kind == .monitorStopped, "monitor stopped after close")
            monitor.stop()
        case "context-close":
            context.close()
            check(try monitor.next() == nil, "ended by context.close")
        default:
            break  // released at the end of the iteration
        }
        client.close()
        context.close()
    }
}
