import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The events of one socket, as libzmq reports them: connections made, refused, lost,
/// handshakes and their failures. Created with ``Socket/monitor(_:)``.
///
/// <!-- snippet: function; prelude: let context = try Context() -->
/// ```swift
/// let server = try PullSocket(context)
/// let monitor = try server.monitor([.accepted, .disconnected])
/// try server.bind("tcp://127.0.0.1:5555")
/// while let event = try monitor.next(timeout: .seconds(5)) {
///     print(event)   // accepted (descriptor 12) tcp://127.0.0.1:5555
/// }
/// ```
///
/// Read events blocking (``next()``), with a time limit (``next(timeout:)-(Duration)``) or
/// without waiting (``tryNext()``); in a task, await them (``next(timeout:)-(Duration?)``,
/// or `for try await event in monitor`); or put the monitor in a ``Poller`` with other
/// sockets (``Poller/add(_:token:)``) and read what is ready with ``tryNext()``. The last
/// event is always ``MonitorEvent/Kind/monitorStopped``, sent when the socket closes;
/// after it, and after ``stop()``, every read returns `nil`.
///
/// ### Stopping never hangs
/// libzmq sends events from its I/O threads into a PAIR socket of its own, connected to
/// the monitor's PAIR socket, and blocks until they fit. If the monitor's socket is
/// closed while libzmq still sends to it, the I/O thread waits forever, and every
/// socket it serves stalls (libzmq issue #3575). The monitor owns its PAIR socket, so
/// that cannot happen: every way a monitor ends detaches it from libzmq
/// (`zmq_socket_monitor` with a null endpoint) before its PAIR socket closes, whatever
/// closes first:
/// - ``stop()``, and `deinit`, detach and then close.
/// - Closing the monitored socket (``Socket/close()``, or its `deinit`) detaches the
///   monitor first: ``MonitorEvent/Kind/monitorStopped`` arrives at once, and the monitor
///   can be read to its end, or stopped, at any time after.
/// - ``Context/close(linger:)`` and the exit handler detach every monitor before they
///   close any socket.
///
/// The monitor's queue has no high-water mark, so libzmq never waits for a reader that
/// is slow or absent: events nobody reads take memory until the monitor stops (choose
/// the events you need).
///
/// ### Threads
/// A monitor is not `Sendable`: its PAIR socket is a libzmq socket. It shares nothing
/// with the socket it monitors, though, so ``Socket/monitor(_:)`` returns it as a
/// `sending` value, which can move to another thread or task that reads the events
/// while the socket goes on working where it is. (Detaching goes through the context's
/// lock, which is what makes it safe from that other thread.)
///
/// The corresponding C function is `zmq_socket_monitor`.
public final class Monitor {
    /// The PAIR socket that receives the events (which a ``Poller`` polls).
    let pair: PairSocket
    /// The monitored libzmq socket: only ever passed to libzmq by the context, under its
    /// lock, after checking that it is still open and still monitored by this monitor.
    private let target: UnsafeMutableRawPointer
    private let attachment: MonitorAttachment
    /// The two frames of an event, reused.
    private var header = Message()
    private var endpointFrame = Message()

    /// The events this monitor reports (with ``MonitorEvents/monitorStopped``, always).
    public let events: MonitorEvents

    /// Whether the monitor still reports events: `false` once its last event,
    /// ``MonitorEvent/Kind/monitorStopped``, was read, or ``stop()`` was called, or its
    /// context was closed or shut down. Every read returns `nil` from then on.
    public private(set) var isRunning = true

    private static let endpoints = Locked(0)

    init(monitoring target: UnsafeMutableRawPointer, kindName: String, context: Context, events: MonitorEvents)
        throws(ZMQError)
    {
        guard events.rawValue & ~ZMQ_EVENT_ALL == 0 else {
            throw ZMQError(
                EINVAL, operation: "zmq_socket_monitor", target: "events 0x" + String(events.rawValue, radix: 16),
                reason: "libzmq 4.3 reports only the events of ZMQ_EVENT_ALL (0xffff)")
        }
        let events = events.union(.monitorStopped)
        let number = Self.endpoints.withLock { count in
            count += 1
            return count
        }
        let endpoint = "inproc://swift-zeromq.monitor.\(number)"
        let pair: PairSocket
        do {
            pair = try PairSocket(context)
        } catch {
            // Named for what was asked, not for the monitor's own socket.
            throw ZMQError(error.code, operation: "zmq_socket_monitor", target: kindName, reason: error.reason)
        }
        // No high-water mark on the monitor's side of the inproc pipe (libzmq adds the
        // two sides' marks, and 0 on either side means none): libzmq never blocks on a
        // full queue, neither in an I/O thread nor in the detaching zmq_socket_monitor.
        try pair.setOption(.receiveHighWaterMark, 0)
        try pair.setOption(.linger, .zero)
        let attachment = try context.attachMonitor(
            to: target, endpoint: endpoint, events: events.rawValue, kindName: kindName)
        do {
            try pair.connect(endpoint)
        } catch {
            context.detachMonitor(from: target, attachment)
            pair.close()
            throw error
        }
        self.pair = pair
        self.target = target
        self.attachment = attachment
        self.events = events
    }

    deinit {
        stop()
    }

    /// Stops the monitor: detaches it from the socket, then closes its PAIR socket.
    /// Events not yet read are dropped; reads return `nil` from now on. Stopping again
    /// does nothing. It never blocks: nothing libzmq sends to the monitor waits.
    ///
    /// The corresponding C calls are `zmq_socket_monitor` with a null endpoint, then
    /// `zmq_close` of the monitor's PAIR socket, in that order (libzmq issue #3575).
    public func stop() {
        guard !pair.isClosed else {
            isRunning = false
            return
        }
        pair.context.detachMonitor(from: target, attachment)
        pair.close()
        isRunning = false
    }

    // MARK: Reading events

    /// Waits for the next event, blocking the calling thread.
    ///
    /// Not available in async code, where it would hold a thread of the cooperative pool:
    /// there, `try await monitor.next()` awaits the event without blocking one.
    ///
    /// - Returns: The event, or `nil` once the monitor has ended (see ``isRunning``). It
    ///   does not wait forever: closing the monitored socket sends
    ///   ``MonitorEvent/Kind/monitorStopped``, and closing or shutting down the context
    ///   ends the monitor.
    /// - Throws: ``ZMQError`` for a failure of libzmq, or a malformed event.
    ///
    /// The corresponding C function is `zmq_msg_recv` on the monitor's PAIR socket.
    @available(
        *, noasync,
        message:
            "it blocks the thread; use 'try await monitor.next()', or 'for try await event in monitor', which top-level code can use too"
    )
    public func next() throws(ZMQError) -> MonitorEvent? {
        try read(blocking: true)
    }

    /// Waits up to `timeout` for the next event, blocking the calling thread.
    ///
    /// Not available in async code: there, `try await monitor.next(timeout:)` awaits the
    /// event without blocking a thread.
    ///
    /// - Parameter timeout: How long to wait at most, rounded up to whole milliseconds;
    ///   zero or a negative duration only reads an event already waiting.
    /// - Returns: The event, or `nil` once the monitor has ended. (`nil` does not mean
    ///   a timeout, as it does for a socket's `receive(timeout:)`: a monitor's `nil` is
    ///   its end, which a `while let` loop relies on.)
    /// - Throws: ``ZMQError/again`` when `timeout` passes first.
    ///
    /// The corresponding C functions are `zmq_poll` and `zmq_msg_recv`.
    @available(
        *, noasync,
        message:
            "it blocks the thread; use 'try await monitor.next(timeout:)', or 'for try await event in monitor', which top-level code can use too"
    )
    public func next(timeout: Duration) throws(ZMQError) -> MonitorEvent? {
        let clock = ContinuousClock()
        // Rounded up to whole milliseconds and clamped as libzmq's waits are (negative:
        // zero), so that no duration overflows the deadline.
        let deadline = clock.now + .milliseconds(Timeout(timeout).milliseconds)
        while true {
            if let event = try read(blocking: false) { return event }
            if !isRunning { return nil }
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero, !pair.isClosed else {
                throw ZMQError(
                    EAGAIN, operation: "monitor", target: "next(timeout: \(timeout))",
                    reason: "no event within \(timeout)")
            }
            if case .failure(let error) = try pair.pollAlone(
                Int16(ZMQ_POLLIN), milliseconds: Timeout(remaining).milliseconds)
            {
                if error.code == EINTR { continue }
                if error.code == CZMQ_ETERM {
                    end()
                    return nil
                }
                throw ZMQError(error.code, operation: "zmq_poll", target: "monitor")
            }
        }
    }

    /// Returns the next event if one is waiting.
    ///
    /// - Returns: The event, or `nil` when none is waiting, or when the monitor has
    ///   ended (``isRunning`` tells which).
    ///
    /// The corresponding C function is `zmq_msg_recv` with `ZMQ_DONTWAIT`.
    public func tryNext() throws(ZMQError) -> MonitorEvent? {
        try read(blocking: false)
    }

    /// Receives one event: its six-byte header, then its endpoint.
    private func read(blocking: Bool) throws(ZMQError) -> MonitorEvent? {
        guard isRunning else { return nil }
        do throws(ZMQError) {
            if blocking {
                try pair.receive(into: &header)
            } else if try !pair.tryReceive(into: &header) {
                return nil
            }
        } catch .contextTerminated, .notSocket {
            // The context was shut down, or closed the monitor's socket.
            end()
            return nil
        }
        return try decode()
    }

    /// Decodes the event whose first frame is in `header`, receiving its second frame,
    /// the endpoint.
    private func decode() throws(ZMQError) -> MonitorEvent? {
        do throws(ZMQError) {
            guard header.count == 6, header.more else {
                throw ZMQError(
                    EPROTO, operation: "monitor", target: "event",
                    reason: "a monitor event's first frame has \(header.count) bytes, not 6 and more to come")
            }
            // libzmq sends every event whole, so its endpoint is here already.
            try pair.receive(into: &endpointFrame)
        } catch .contextTerminated, .notSocket {
            end()
            return nil
        }
        let (event, value) = header.withUnsafeBytes { bytes in
            (bytes.loadUnaligned(as: UInt16.self), bytes.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        }
        let monitorEvent = MonitorEvent(event: event, value: value, endpoint: endpointFrame.string)
        if case .monitorStopped = monitorEvent.kind {
            // libzmq has detached the monitor and closed its side.
            stop()
        }
        return monitorEvent
    }

    // MARK: Awaiting events

    /// Waits for the next event without blocking a thread: the monitor's PAIR socket is
    /// awaited on the ``Reactor``, as ``Socket/receive(timeout:)-2hyxh`` does.
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let client = try DealerSocket(context);
    ///     let endpoint = "tcp://127.0.0.1:5555" -->
    /// ```swift
    /// let monitor = try client.monitor([.handshakeSucceeded])
    /// try client.connect(endpoint)
    /// let event = try await monitor.next(timeout: .seconds(5))
    /// ```
    ///
    /// - Parameter timeout: How long to wait, rounded up to whole milliseconds (zero or
    ///   negative: only an event already waiting); `nil` waits until an event comes or
    ///   the monitor ends.
    /// - Returns: The event, or `nil` once the monitor has ended (see ``isRunning``).
    /// - Throws: ``ZMQError/again`` when `timeout` passes first, `CancellationError`
    ///   when the task is cancelled while it waits (the monitor stays as it was and can
    ///   be read again), ``ZMQError`` for a failure of libzmq or a malformed event.
    ///
    /// The corresponding C function is `zmq_msg_recv` on the monitor's PAIR socket.
    public nonisolated(nonsending) func next(timeout: Duration? = nil) async throws -> MonitorEvent? {
        guard isRunning else { return nil }
        // Into a message of this call, not into `header`: a property of the monitor must
        // not be held across the wait, in which another call may read.
        var first = Message()
        do {
            if let timeout {
                guard try await pair.receive(into: &first, timeout: timeout) else { throw ZMQError.again }
            } else {
                try await pair.receive(into: &first)
            }
        } catch let error as ZMQError where error == .contextTerminated || error == .notSocket {
            end()
            return nil
        } catch let error as ZMQError where error == .again {
            let limit = timeout.map { "\($0)" } ?? "nil"
            throw ZMQError(
                EAGAIN, operation: "monitor", target: "next(timeout: \(limit))", reason: "no event within \(limit)")
        }
        guard isRunning else { return nil }
        header = first
        return try decode()
    }

    /// Ends the monitor after its context shut down or closed its socket.
    private func end() {
        stop()
    }
}

@available(
    *, unavailable, message: "A monitor reads a libzmq socket, which is not thread-safe; hand it over with 'sending'"
)
extension Monitor: Sendable {}

extension Monitor: AsyncSequence {
    public typealias Element = MonitorEvent
    public typealias Failure = any Error

    /// Iterates the monitor's events, awaiting each with ``next(timeout:)-(Duration?)``, until the
    /// monitor ends:
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let socket = try DealerSocket(context);
    ///     let monitor = try socket.monitor(); func log(_ event: MonitorEvent) {} -->
    /// ```swift
    /// for try await event in monitor {
    ///     log(event)
    /// }
    /// ```
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(monitor: self)
    }

    /// The iterator of a ``Monitor``'s events. Like the monitor, it is not `Sendable`.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let monitor: Monitor

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> MonitorEvent? {
            try await monitor.next()
        }

        public mutating func next() async throws -> MonitorEvent? {
            try await monitor.next()
        }
    }
}

extension Monitor: CustomStringConvertible {
    public var description: String {
        isRunning ? "Monitor(\(events.rawValue))" : "Monitor(ended)"
    }
}

extension Socket {
    /// Starts monitoring this socket: a ``Monitor`` that reports `events` as they happen.
    ///
    /// <!-- snippet: function; prelude: let context = try Context(); let endpoint = "tcp://127.0.0.1:5555" -->
    /// ```swift
    /// let client = try ReqSocket(context)
    /// let monitor = try client.monitor()
    /// try client.connect(endpoint)
    /// print(try monitor.next(timeout: .seconds(1)) as Any)   // connect delayed tcp://...
    /// ```
    ///
    /// Monitor before you bind or connect, or the first events are gone. A socket has
    /// at most one monitor: a second one replaces the first, which reads
    /// ``MonitorEvent/Kind/monitorStopped`` and ends. Events come from tcp, ipc and the
    /// other network transports; inproc connections report none.
    ///
    /// - Parameter events: The events to report; ``MonitorEvents/monitorStopped`` is
    ///   always added.
    /// - Returns: The monitor, which shares nothing with this socket, so that it can be
    ///   handed to another thread or task.
    /// - Throws: ``ZMQError/invalidArgument`` for event bits beyond `ZMQ_EVENT_ALL`,
    ///   ``ZMQError/notSocket`` after ``close()``, ``ZMQError/contextTerminated`` when
    ///   the context is shut down.
    ///
    /// The corresponding C function is `zmq_socket_monitor`.
    public func monitor(_ events: MonitorEvents = .all) throws(ZMQError) -> sending Monitor {
        // The monitor is attached through the boundary, as every call on the socket is.
        let handle = try withCalls("monitor") { calls in calls.handle }
        // nonisolated(unsafe): the compiler assumes a value made from the socket's handle
        // may hold on to the socket. The monitor does not: it keeps the handle only as a
        // key, which the context passes to libzmq under its lock while the socket is open,
        // and libzmq's monitor state is guarded by a mutex of its own (`_monitor_sync`).
        nonisolated(unsafe) let monitor = try Monitor(
            monitoring: handle, kindName: kind.name, context: context, events: events)
        return monitor
    }
}
