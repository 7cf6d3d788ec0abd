import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - A proxy in the calling thread

extension Proxy {
    /// Runs libzmq's built-in proxy in the calling thread, forwarding both ways between
    /// `frontend` and `backend`, until the context is shut down.
    ///
    /// What the frontend receives goes out of the backend, and what the backend
    /// receives goes out of the frontend: a ROUTER frontend and a DEALER backend make a
    /// shared queue between REQ clients and REP workers, an XSUB frontend and an XPUB
    /// backend a forwarder whose subscribers' subscriptions flow up to the publishers.
    /// Both kinds must send and receive; for one direction only, use
    /// ``run(from:to:)``.
    ///
    /// The sockets belong to the proxy while it runs: use them nowhere else.
    ///
    /// - Throws: ``ZMQError/contextTerminated`` when a socket's context is shut down,
    ///   the only way it ends; ``ZMQError/notSocket`` for a closed socket;
    ///   ``ZMQError/notSupported`` for a ``DynamicSocket`` whose kind cannot do its part.
    ///
    /// The corresponding C function is `zmq_proxy`.
    public static func run<
        Frontend: ReceivingSocketType & SendingSocketType, Backend: ReceivingSocketType & SendingSocketType
    >(
        frontend: Socket<Frontend>, backend: Socket<Backend>
    ) throws(ZMQError) -> Never {
        try runUnsteered(frontend, backend, capture: nil as PushSocket?, twoWay: true)
    }

    /// Runs a two-way proxy, as ``run(frontend:backend:)`` does, that also sends a copy
    /// of every frame it forwards, both ways, to `capture`.
    ///
    /// libzmq sends to the capture socket with a blocking send: a capture socket that
    /// cannot take a message (a PUSH without a peer) stops the proxy until it can.
    ///
    /// The corresponding C function is `zmq_proxy`.
    public static func run<
        Frontend: ReceivingSocketType & SendingSocketType, Backend: ReceivingSocketType & SendingSocketType,
        Capture: SendingSocketType
    >(
        frontend: Socket<Frontend>, backend: Socket<Backend>, capture: Socket<Capture>
    ) throws(ZMQError) -> Never {
        try runUnsteered(frontend, backend, capture: capture, twoWay: true)
    }

    /// Runs libzmq's built-in proxy in the calling thread, forwarding what `frontend`
    /// receives out of `backend`, until the context is shut down: a PULL frontend and a
    /// PUSH backend make a streamer.
    ///
    /// The frontend must receive and the backend must send. If both kinds can do both,
    /// libzmq forwards the other way too: say so with ``run(frontend:backend:)``.
    ///
    /// - Throws: as ``run(frontend:backend:)`` does.
    ///
    /// The corresponding C function is `zmq_proxy`.
    public static func run<Frontend: ReceivingSocketType, Backend: SendingSocketType>(
        from frontend: Socket<Frontend>, to backend: Socket<Backend>
    ) throws(ZMQError) -> Never {
        try runUnsteered(frontend, backend, capture: nil as PushSocket?, twoWay: false)
    }

    /// Runs a one-way proxy, as ``run(from:to:)`` does, that also sends a copy of every
    /// frame it forwards to `capture`.
    ///
    /// The corresponding C function is `zmq_proxy`.
    public static func run<Frontend: ReceivingSocketType, Backend: SendingSocketType, Capture: SendingSocketType>(
        from frontend: Socket<Frontend>, to backend: Socket<Backend>, capture: Socket<Capture>
    ) throws(ZMQError) -> Never {
        try runUnsteered(frontend, backend, capture: capture, twoWay: false)
    }

    // MARK: Steerable

    /// Runs a two-way proxy, as ``run(frontend:backend:)`` does, that obeys the
    /// ``ProxyCommand``s it receives on `control`, until it receives
    /// ``ProxyCommand/terminate``.
    ///
    /// Send the commands from a socket connected to `control` with
    /// ``Socket/send(_:)-(ProxyCommand)``. The proxy answers only
    /// ``ProxyCommand/statistics``, with 8 frames on `control`: the control socket must
    /// send as well as receive, and must not wait for an answer to every message. Use a
    /// PAIR socket (a REP socket stops receiving after the first command it does not
    /// answer, and a SUB socket cannot send the statistics). ``start(frontend:backend:)``
    /// does all this for you, on a thread of its own.
    ///
    /// Every command is also copied to the capture socket, if there is one. A signal
    /// that interrupts the proxy restarts it, running and with its counters at zero.
    ///
    /// - Throws: ``ZMQError/contextTerminated`` when a socket's context is shut down;
    ///   ``ZMQError/notSocket`` for a closed socket; ``ZMQError/notSupported`` for a
    ///   ``DynamicSocket`` whose kind cannot do its part, or when `control` cannot send
    ///   the statistics asked of it.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`.
    public static func run<
        Frontend: ReceivingSocketType & SendingSocketType, Backend: ReceivingSocketType & SendingSocketType,
        Control: ReceivingSocketType & SendingSocketType
    >(
        frontend: Socket<Frontend>, backend: Socket<Backend>, control: Socket<Control>
    ) throws(ZMQError) {
        try runSteered(frontend, backend, capture: nil as PushSocket?, control: control, twoWay: true)
    }

    /// Runs a steerable two-way proxy, as ``run(frontend:backend:control:)`` does, that
    /// also copies every frame it forwards, and every command, to `capture`.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`.
    public static func run<
        Frontend: ReceivingSocketType & SendingSocketType, Backend: ReceivingSocketType & SendingSocketType,
        Capture: SendingSocketType, Control: ReceivingSocketType & SendingSocketType
    >(
        frontend: Socket<Frontend>, backend: Socket<Backend>, capture: Socket<Capture>, control: Socket<Control>
    ) throws(ZMQError) {
        try runSteered(frontend, backend, capture: capture, control: control, twoWay: true)
    }

    /// Runs a steerable one-way proxy: ``run(from:to:)`` with the commands of
    /// ``run(frontend:backend:control:)``.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`.
    public static func run<
        Frontend: ReceivingSocketType, Backend: SendingSocketType, Control: ReceivingSocketType & SendingSocketType
    >(
        from frontend: Socket<Frontend>, to backend: Socket<Backend>, control: Socket<Control>
    ) throws(ZMQError) {
        try runSteered(frontend, backend, capture: nil as PushSocket?, control: control, twoWay: false)
    }

    /// Runs a steerable one-way proxy with a capture socket.
    ///
    /// The corresponding C function is `zmq_proxy_steerable`.
    public static func run<
        Frontend: ReceivingSocketType, Backend: SendingSocketType, Capture: SendingSocketType,
        Control: ReceivingSocketType & SendingSocketType
    >(
        from frontend: Socket<Frontend>, to backend: Socket<Backend>, capture: Socket<Capture>,
        control: Socket<Control>
    ) throws(ZMQError) {
        try runSteered(frontend, backend, capture: capture, control: control, twoWay: false)
    }
}

// MARK: - The calls they go through

extension Proxy {
    /// The libzmq handles of a proxy's sockets, once each is checked to be open and, for
    /// a ``DynamicSocket``, of a kind that can do its part.
    static func handles<F, B, C, K>(
        _ frontend: Socket<F>, _ backend: Socket<B>, _ capture: Socket<C>?, _ control: Socket<K>?,
        twoWay: Bool, operation: StaticString
    ) throws(ZMQError) -> (
        frontend: UnsafeMutableRawPointer, backend: UnsafeMutableRawPointer,
        capture: UnsafeMutableRawPointer?, control: UnsafeMutableRawPointer?
    ) {
        try check(frontend.kind, "frontend", receive: true, send: twoWay, operation)
        try check(backend.kind, "backend", receive: twoWay, send: true, operation)
        if let capture { try check(capture.kind, "capture", receive: false, send: true, operation) }
        if let control { try check(control.kind, "control", receive: true, send: true, operation) }
        return (
            try frontend.liveHandle(operation), try backend.liveHandle(operation),
            try capture?.liveHandle(operation), try control?.liveHandle(operation)
        )
    }

    /// Refuses a socket whose kind cannot do its part in a proxy: only a
    /// ``DynamicSocket`` can get here with one.
    private static func check(
        _ kind: SocketKind, _ role: String, receive: Bool, send: Bool, _ operation: StaticString
    ) throws(ZMQError) {
        var missing: [String] = []
        if receive && !kind.canReceive { missing.append("receive") }
        if send && !kind.canSend { missing.append("send") }
        guard missing.isEmpty else {
            throw ZMQError(
                CZMQ_ENOTSUP, operation: operation.description, target: "\(role) \(kind.name)",
                reason: "a proxy's \(role) must \(missing.joined(separator: " and ")), and \(kind.name) sockets cannot")
        }
    }

    /// The error for a proxy that ended with the error number `error`.
    static func failure(_ operation: StaticString, _ error: Errno) -> ZMQError {
        let code = error.code
        switch code {
        case CZMQ_ETERM:
            return ZMQError(code, operation: operation.description, reason: "the context was shut down")
        case EFAULT:
            return ZMQError(code, operation: operation.description, reason: "a socket of the proxy is not valid")
        default:
            return ZMQError(code, operation: operation.description)
        }
    }

    private static func runUnsteered<F, B, C>(
        _ frontend: Socket<F>, _ backend: Socket<B>, capture: Socket<C>?, twoWay: Bool
    ) throws(ZMQError) -> Never {
        let sockets = try handles(
            frontend, backend, capture, nil as PairSocket?, twoWay: twoWay, operation: "zmq_proxy")
        // zmq_proxy returns only with an error.
        let error = LibraryCalls.proxy(
            frontend: sockets.frontend, backend: sockets.backend, capture: sockets.capture, control: nil)
        throw failure("zmq_proxy", error ?? Errno(CZMQ_ETERM))
    }

    private static func runSteered<F, B, C, K>(
        _ frontend: Socket<F>, _ backend: Socket<B>, capture: Socket<C>?, control: Socket<K>, twoWay: Bool
    ) throws(ZMQError) {
        let sockets = try handles(frontend, backend, capture, control, twoWay: twoWay, operation: "zmq_proxy_steerable")
        if let error = LibraryCalls.proxy(
            frontend: sockets.frontend, backend: sockets.backend, capture: sockets.capture, control: sockets.control)
        {
            throw failure("zmq_proxy_steerable", error)
        }
    }
}
