import CZeroMQ
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits until any of several sockets, of any kinds, or file descriptors can be read
/// or written, and says which, by a token of your choosing.
///
/// <!-- snippet: function; prelude: let context = try Context(); let jobs = try PullSocket(context);
///     let control = try SubSocket(context); func handle(_ job: Message) {} -->
/// ```swift
/// let poller = Poller<String>()
/// try poller.add(jobs, events: .readable, token: "jobs")          // a PullSocket
/// try poller.add(control, events: .readable, token: "control")    // a SubSocket
/// while true {
///     for item in try poller.poll(timeout: .seconds(1)) {
///         switch item.token {
///         case "jobs": handle(try jobs.receive())
///         default: return
///         }
///     }
/// }
/// ```
///
/// Items can be added (``add(_:events:token:)``, ``add(fileDescriptor:events:token:)``,
/// ``add(_:token:)`` for a ``Monitor``), changed (``update(_:events:)``) and removed
/// (``remove(_:)-(Token)``) at any time, in the middle of iterating a result too. Each
/// item has a token, unique in the poller, that the results carry back: no index
/// bookkeeping. A removed item never shows up in a later poll's result.
///
/// ### Results are values
/// ``poll(timeout:)`` returns ``ReadyItems``: the items that this poll found ready,
/// whatever the poller does afterwards, as an array you iterate keeps its elements
/// while you change the array it was copied from. Removing, adding or updating items
/// while iterating a result is fine (pyzmq's poll results are a list, which behaves the
/// same); an item removed during the iteration still comes up in it if it was ready,
/// so check ``contains(_:)`` if you removed an item whose turn may be still to come.
///
/// ### Allocation
/// The poller keeps its `zmq_pollitem_t` array, and the results live in that same
/// array until something would change them: in the steady state, a poll allocates
/// nothing on the Swift side. Only when a result is still alive (a ``ReadyItems`` or
/// its iterator) at the next call that polls or changes the poller does the poller copy
/// that result's ready items first, one allocation. libzmq's `zmq_poll` itself
/// allocates its `pollfd` array on the heap when it polls more than 16 items
/// (`ZMQ_POLLITEMS_DFLT`).
///
/// ### Closed sockets
/// The poller holds a strong reference to each socket it polls, so a socket cannot go
/// away while it is in the poller. A socket that is closed while in it
/// (``Socket/close()``, or ``Context/close(linger:)``) makes ``poll(timeout:)`` throw
/// ``ZMQError/notSocket`` naming the socket and its token, before libzmq is called,
/// until it is removed: a closed socket is a bug that should not go unnoticed, and
/// polling it would make libzmq read freed memory. A ``Monitor`` that ends while in the
/// poller, by contrast, stays in it, never ready again: its end is an event, not a bug.
///
/// ### Threads
/// Like the sockets it polls, a poller is not `Sendable`: use it from one thread at a
/// time, or hand it over with `sending`.
///
/// The corresponding C function is `zmq_poll`.
public final class Poller<Token: Hashable> {
    /// The `zmq_pollitem_t` array handed to `zmq_poll`, `capacity` long, its first
    /// `itemCount` initialised; `revents` holds the last poll's results.
    ///
    /// This and the other stored properties read by `poll` are exempt from dynamic
    /// exclusivity checks, which would cost a runtime call per access: the poller is
    /// not `Sendable`, so one thread uses it at a time, and no access to them is ever
    /// held across a call that could reach the poller again.
    @usableFromInline
    @exclusivity(unchecked)
    var items: UnsafeMutablePointer<zmq_pollitem_t>

    @usableFromInline
    @exclusivity(unchecked)
    var capacity: Int

    @usableFromInline
    @exclusivity(unchecked)
    var itemCount: Int

    /// What the poller knows of each item, in the order of `items`.
    @usableFromInline
    @exclusivity(unchecked)
    var entries: ContiguousArray<Entry>

    /// How many entries are sockets: when none is, `poll` skips the closed-socket check.
    @usableFromInline
    @exclusivity(unchecked)
    var socketCount: Int

    /// `socketsClosed` when `poll` last found every socket open: until another socket
    /// is closed anywhere, none of this poller's can have been.
    @usableFromInline
    @exclusivity(unchecked)
    var checkedCloses: UInt

    /// Where each token's item is in `items`.
    var indices: [Token: Int]

    /// What the ``ReadyItems`` of the last poll read: the poller's own storage, until a
    /// change or a poll while one of them is still alive gives them a copy
    /// (``detachResults()``). Only the poller and the results of its last poll refer
    /// to it, so when the poller holds the only reference, no result can see a change.
    @usableFromInline
    @exclusivity(unchecked)
    var results: Results

    /// An item: its token, and the socket it polls (`nil` for a file descriptor).
    @usableFromInline
    struct Entry {
        @usableFromInline let token: Token
        @usableFromInline let socket: (any PollableSocket)?

        @usableFromInline
        init(token: Token, socket: (any PollableSocket)?) {
            self.token = token
            self.socket = socket
        }
    }

    /// Creates an empty poller.
    public init() {
        capacity = 16
        items = .allocate(capacity: capacity)
        itemCount = 0
        entries = []
        entries.reserveCapacity(capacity)
        socketCount = 0
        checkedCloses = .max
        indices = [:]
        results = Results()
        results.poller = self
    }

    deinit {
        // A result that outlives the poller keeps what it found.
        if !isKnownUniquelyReferenced(&results) { copyResults() }
        items.deinitialize(count: itemCount)
        items.deallocate()
    }

    /// The number of items in the poller.
    public var count: Int { itemCount }

    /// Whether the poller has no items.
    public var isEmpty: Bool { itemCount == 0 }

    /// Whether an item has this token.
    public func contains(_ token: Token) -> Bool { indices[token] != nil }

    /// The tokens of the items, in the order they were added.
    public var tokens: [Token] { entries.map(\.token) }

    /// The events the item with this token is polled for, or `nil` when there is none.
    public func events(for token: Token) -> PollEvents? {
        guard let index = indices[token] else { return nil }
        return PollEvents(rawValue: items[index].events)
    }
}

@available(*, unavailable, message: "A poller holds sockets, which are not thread-safe; hand it over with 'sending'")
extension Poller: Sendable {}

/// A socket as the poller sees it, whatever its kind.
@usableFromInline
protocol PollableSocket: AnyObject {
    /// The libzmq handle, or `nil` once the socket is closed.
    var pollHandle: UnsafeMutableRawPointer? { get }
    /// The socket as an error names it, such as `Socket<PULL>`.
    var pollName: String { get }
    /// Applies the wake-up rule after `zmq_poll` read the socket's `ZMQ_EVENTS`.
    func afterPoll()
    /// Whether the item stays in the poller, never ready, once its socket is closed:
    /// a monitor, which closes its socket as it ends. A socket's item throws instead.
    var staysWhenClosed: Bool { get }
}

extension Socket: PollableSocket {
    @usableFromInline
    var pollHandle: UnsafeMutableRawPointer? { handle }

    @usableFromInline
    var pollName: String { "Socket<\(kind.name)>" }

    @usableFromInline
    func afterPoll() {
        if asyncWaiters != 0 { wakeAsyncWaiters() }
    }

    @usableFromInline
    var staysWhenClosed: Bool { false }
}

extension Monitor: PollableSocket {
    /// The monitor's PAIR socket, which is readable while an event waits.
    @usableFromInline
    var pollHandle: UnsafeMutableRawPointer? { pair.handle }

    @usableFromInline
    var pollName: String { "Monitor" }

    @usableFromInline
    func afterPoll() { pair.afterPoll() }

    @usableFromInline
    var staysWhenClosed: Bool { true }
}

// MARK: - Adding, changing and removing items

extension Poller {
    /// Adds a socket of any kind, typed or ``DynamicSocket``, polled for `events`.
    ///
    /// The poller keeps the socket alive until it is removed. For a socket, libzmq
    /// reports ``PollEvents/readable`` and ``PollEvents/writable``, never
    /// ``PollEvents/error``. Empty `events` keep the item without polling it for
    /// anything.
    ///
    /// - Parameters:
    ///   - socket: The socket to poll.
    ///   - events: What to wait for: ``PollEvents/readable``, ``PollEvents/writable``, or both.
    ///   - token: What the results carry back for this item; unique in the poller.
    /// - Throws: ``ZMQError/invalidArgument`` when `token` is already in the poller,
    ///   the socket is already in it (under another token), or `events` has flags other
    ///   than readable, writable and error; ``ZMQError/notSocket`` when the socket is
    ///   closed.
    ///
    /// The corresponding C type is `zmq_pollitem_t`, with its `socket` set.
    public func add<Kind>(_ socket: Socket<Kind>, events: PollEvents = .readable, token: Token) throws(ZMQError) {
        let name = socket.pollName
        guard let handle = socket.handle else {
            throw ZMQError(CZMQ_ENOTSOCK, operation: "poller add", target: name, reason: "the socket is closed")
        }
        try check(events, token, name)
        if let other = entries.firstIndex(where: { $0.socket === socket }) {
            throw ZMQError(
                EINVAL, operation: "poller add", target: name,
                reason: "the socket is already in the poller, with token \(entries[other].token); "
                    + "update(_:events:) changes what it is polled for")
        }
        append(LibraryCalls.pollItem(socket: handle, events: events.rawValue), token, socket)
        socketCount += 1
    }

    /// Adds a socket monitor, polled until an event waits: the monitor's own PAIR socket,
    /// as pyzmq's `get_monitor_socket` gives it.
    ///
    /// <!-- snippet: function; prelude: enum Source { case requests, connections }; let context = try Context();
    ///     let server = try RouterSocket(context); let poller = Poller<Source>(); func handle(_ request: Message) {};
    ///     func log(_ event: MonitorEvent) {} -->
    /// ```swift
    /// let monitor = try server.monitor([.accepted, .disconnected])
    /// try poller.add(server, token: .requests)
    /// try poller.add(monitor, token: .connections)
    /// for item in try poller.poll() {
    ///     switch item.token {
    ///     case .requests: while let request = try server.tryReceive() { handle(request) }
    ///     case .connections: while let event = try monitor.tryNext() { log(event) }
    ///     }
    /// }
    /// ```
    ///
    /// Read the events of a ready monitor with ``Monitor/tryNext()``, which never waits.
    /// The poller keeps the monitor alive until it is removed. A monitor that has ended
    /// (it read ``MonitorEvent/Kind/monitorStopped`` after its socket closed, or was
    /// stopped, or its context closed) stays in the poller, never ready again, until it
    /// is removed: unlike a closed socket, it does not make ``poll(timeout:)`` throw.
    ///
    /// - Parameters:
    ///   - monitor: The monitor to poll; it is polled for ``PollEvents/readable``.
    ///   - token: What the results carry back for this item; unique in the poller.
    /// - Throws: ``ZMQError/invalidArgument`` when `token` or the monitor is already in
    ///   the poller; ``ZMQError/notSocket`` when the monitor has ended.
    ///
    /// The corresponding C type is `zmq_pollitem_t`, with its `socket` set to the
    /// monitor's PAIR socket.
    public func add(_ monitor: Monitor, token: Token) throws(ZMQError) {
        let name = monitor.pollName
        guard monitor.isRunning, let handle = monitor.pollHandle else {
            throw ZMQError(CZMQ_ENOTSOCK, operation: "poller add", target: name, reason: "the monitor has ended")
        }
        try check(.readable, token, name)
        if let other = entries.firstIndex(where: { $0.socket === monitor }) {
            throw ZMQError(
                EINVAL, operation: "poller add", target: name,
                reason: "the monitor is already in the poller, with token \(entries[other].token)")
        }
        append(LibraryCalls.pollItem(socket: handle, events: PollEvents.readable.rawValue), token, monitor)
        socketCount += 1
    }

    /// Adds a file descriptor (a pipe, a POSIX socket, an `eventfd`), polled for `events`.
    ///
    /// The poller does not own the descriptor: close it only after removing it. Besides
    /// what was asked for, libzmq reports ``PollEvents/error`` for a descriptor whose
    /// `poll(2)` result has `POLLERR`, `POLLHUP` or `POLLNVAL`.
    ///
    /// - Parameters:
    ///   - fileDescriptor: The descriptor to poll.
    ///   - events: What to wait for: any of ``PollEvents/readable``,
    ///     ``PollEvents/writable`` and ``PollEvents/error``.
    ///   - token: What the results carry back for this item; unique in the poller.
    /// - Throws: ``ZMQError/invalidArgument`` when `token` or the descriptor is already
    ///   in the poller, the descriptor is negative, or `events` has flags other than
    ///   readable, writable and error.
    ///
    /// The corresponding C type is `zmq_pollitem_t`, with its `fd` set.
    public func add(fileDescriptor: Int32, events: PollEvents = .readable, token: Token) throws(ZMQError) {
        let name = "file descriptor \(fileDescriptor)"
        guard fileDescriptor >= 0 else {
            throw ZMQError(
                EINVAL, operation: "poller add", target: name, reason: "a file descriptor is never negative")
        }
        try check(events, token, name)
        for index in 0..<itemCount where items[index].socket == nil && items[index].fd == fileDescriptor {
            throw ZMQError(
                EINVAL, operation: "poller add", target: name,
                reason: "the descriptor is already in the poller, with token \(entries[index].token)")
        }
        append(LibraryCalls.pollItem(fileDescriptor: fileDescriptor, events: events.rawValue), token, nil)
    }

    /// Changes what the item with this token is polled for.
    ///
    /// - Throws: ``ZMQError/invalidArgument`` when no item has this token, or `events`
    ///   has flags other than readable, writable and error.
    public func update(_ token: Token, events: PollEvents) throws(ZMQError) {
        guard let index = indices[token] else {
            throw ZMQError(
                EINVAL, operation: "poller update", target: "token \(token)", reason: "no item has this token")
        }
        try checkFlags(events, "poller update", "token \(token)")
        keepResults()
        items[index].events = events.rawValue
    }

    /// Removes the item with this token; it never appears in a later poll's result.
    ///
    /// Removing an item while iterating a result is fine: the result goes on with the
    /// items its poll found ready, this one included if it was (see ``ReadyItems``).
    ///
    /// - Returns: Whether there was such an item.
    @discardableResult
    public func remove(_ token: Token) -> Bool {
        guard let index = indices.removeValue(forKey: token) else { return false }
        removeItem(at: index)
        return true
    }

    /// Removes the item that polls this socket; it never appears in a later poll's
    /// result.
    ///
    /// - Returns: Whether the socket was in the poller.
    @discardableResult
    public func remove<Kind>(_ socket: Socket<Kind>) -> Bool {
        guard let index = entries.firstIndex(where: { $0.socket === socket }) else { return false }
        indices.removeValue(forKey: entries[index].token)
        removeItem(at: index)
        return true
    }

    /// Removes the item that polls this monitor; it never appears in a later poll's
    /// result.
    ///
    /// - Returns: Whether the monitor was in the poller.
    @discardableResult
    public func remove(_ monitor: Monitor) -> Bool {
        guard let index = entries.firstIndex(where: { $0.socket === monitor }) else { return false }
        indices.removeValue(forKey: entries[index].token)
        removeItem(at: index)
        return true
    }

    /// Removes every item. A result being iterated goes on with what its poll found.
    public func removeAll() {
        keepResults()
        items.deinitialize(count: itemCount)
        itemCount = 0
        entries.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        socketCount = 0
    }

    private func check(_ events: PollEvents, _ token: Token, _ name: String) throws(ZMQError) {
        try checkFlags(events, "poller add", name)
        if indices[token] != nil {
            throw ZMQError(
                EINVAL, operation: "poller add", target: name,
                reason: "token \(token) is already in the poller; tokens are unique")
        }
    }

    private func checkFlags(_ events: PollEvents, _ operation: String, _ name: String) throws(ZMQError) {
        let unknown = events.subtracting([.readable, .writable, .error])
        guard unknown.isEmpty else {
            throw ZMQError(
                EINVAL, operation: operation, target: name,
                reason: "events 0x\(String(UInt16(bitPattern: unknown.rawValue), radix: 16)) are not "
                    + "readable, writable or error")
        }
    }

    private func append(_ item: zmq_pollitem_t, _ token: Token, _ socket: (any PollableSocket)?) {
        keepResults()
        if itemCount == capacity {
            let grown = UnsafeMutablePointer<zmq_pollitem_t>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: items, count: itemCount)
            items.deallocate()
            items = grown
            capacity *= 2
        }
        (items + itemCount).initialize(to: item)
        itemCount += 1
        entries.append(Entry(token: token, socket: socket))
        indices[token] = itemCount - 1
    }

    /// Removes item `index`, keeping the others in order; its token is already gone
    /// from `indices`.
    private func removeItem(at index: Int) {
        keepResults()
        if entries[index].socket != nil { socketCount -= 1 }
        let following = itemCount - index - 1
        if following > 0 {
            (items + index).update(from: items + index + 1, count: following)
        }
        itemCount -= 1
        (items + itemCount).deinitialize(count: 1)
        entries.remove(at: index)
        for later in index..<itemCount {
            indices[entries[later].token] = later
        }
    }

    /// Before a change of the items: a result of the last poll that is still alive gets
    /// its own copy of what it found.
    private func keepResults() {
        if !isKnownUniquelyReferenced(&results) { detachResults() }
    }
}

// MARK: - Polling

extension Poller {
    /// Waits until at least one item is ready for what it is polled for, or `timeout`
    /// passes, and returns the ready items.
    ///
    /// <!-- snippet: function; prelude: let poller = Poller<String>() -->
    /// ```swift
    /// for item in try poller.poll(timeout: .milliseconds(100)) {
    ///     if item.events.contains(.readable) { print("\(item.token) can receive") }
    /// }
    /// ```
    ///
    /// `.zero` (or any negative duration) returns at once with what is ready now;
    /// `nil`, the default, waits for as long as it takes. The duration is rounded up to
    /// whole milliseconds, as ``Timeout/init(_:)`` does. A signal that interrupts the
    /// wait (`EINTR`) does not end it: the poll resumes for the time that remains.
    ///
    /// - Parameter timeout: How long to wait at most; `nil` waits until an item is ready.
    /// - Returns: The ready items, empty when the time ran out. They stay what this poll
    ///   found, whatever the poller does next (see ``ReadyItems``).
    /// - Throws: ``ZMQError/notSocket`` naming the socket and its token when a socket
    ///   in the poller was closed; ``ZMQError/contextTerminated`` when a socket's
    ///   context was shut down; ``ZMQError/invalidArgument`` for an infinite wait on
    ///   an empty poller, which would never end.
    ///
    /// The corresponding C function is `zmq_poll`.
    @inlinable
    public func poll(timeout: Duration? = nil) throws(ZMQError) -> ReadyItems {
        if socketCount > 0 {
            // A load and a compare, instead of a dynamic call (and a retain and a release)
            // per socket: about 3,300 instructions a poll of 16 sockets.
            let closes = socketsClosed.load(ordering: .acquiring)
            if _slowPath(closes != checkedCloses) {
                try checkSocketsOpen()
                checkedCloses = closes
            }
        }
        let milliseconds = timeout.map { Timeout($0).milliseconds } ?? -1
        // zmq_poll writes the results into `items`: a result of the last poll that is
        // still alive keeps its own copy.
        if _slowPath(!isKnownUniquelyReferenced(&results)) { detachResults() }
        if _slowPath(itemCount == 0) { return try waitWithNothingToPoll(milliseconds) }
        // Only a finite wait needs to know when it started, to resume after EINTR.
        let start = milliseconds > 0 ? Self.monotonicMilliseconds() : 0
        let readyCount: Int
        switch LibraryCalls.poll(items, count: itemCount, timeout: milliseconds) {
        case .success(let ready): readyCount = ready
        case .failure(let error): readyCount = try retryPoll(after: error, milliseconds, start: start)
        }
        // zmq_poll read every socket's ZMQ_EVENTS, which processes its commands: the
        // wake-up rule applies to the polled sockets that tasks wait on.
        if _slowPath(socketCount > 0 && SocketReadiness.socketsWithWaiters.load(ordering: .relaxed) != 0) {
            for entry in entries { entry.socket?.afterPoll() }
        }
        return ReadyItems(results: results, count: readyCount)
    }

    /// The slow path of `poll`, out of line: repeats `zmq_poll` for the time that
    /// remains after `EINTR`, and throws every other error.
    @usableFromInline
    @inline(never)
    func retryPoll(after error: Errno, _ milliseconds: Int32, start: Int64) throws(ZMQError) -> Int {
        var code = error.code
        while true {
            guard code == EINTR else {
                throw ZMQError(
                    code, operation: "poll", target: "\(itemCount) items",
                    reason: code == CZMQ_ETERM ? "the context of a polled socket was shut down" : nil)
            }
            var remaining = milliseconds
            if milliseconds > 0 {
                let elapsed = Self.monotonicMilliseconds() - start
                remaining = elapsed >= Int64(milliseconds) ? 0 : milliseconds - Int32(elapsed)
            }
            switch LibraryCalls.poll(items, count: itemCount, timeout: remaining) {
            case .success(let ready): return ready
            case .failure(let error): code = error.code
            }
        }
    }

    /// `poll` on an empty poller: sleeps for the timeout (libzmq would turn an
    /// infinite one into a 71-minute `usleep`), or refuses an infinite one.
    @usableFromInline
    @inline(never)
    func waitWithNothingToPoll(_ milliseconds: Int32) throws(ZMQError) -> ReadyItems {
        if milliseconds < 0 {
            throw ZMQError(
                EINVAL, operation: "poll", target: "an empty poller",
                reason: "an infinite wait with nothing to poll would never end")
        }
        let deadline = Self.monotonicMilliseconds() + Int64(milliseconds)
        while case let left = deadline - Self.monotonicMilliseconds(), left > 0 {
            var time = timespec(tv_sec: Int(left / 1000), tv_nsec: Int(left % 1000) * 1_000_000)
            _ = nanosleep(&time, nil)
        }
        return ReadyItems(results: results, count: 0)
    }

    /// Throws for the first socket of the poller that is closed; the item of a monitor
    /// that has ended becomes one that is never ready (a descriptor of -1, polling for
    /// nothing, which `poll(2)` skips).
    @usableFromInline
    @inline(never)
    func checkSocketsOpen() throws(ZMQError) {
        for index in 0..<itemCount where entries[index].socket?.pollHandle == nil && items[index].socket != nil {
            guard entries[index].socket?.staysWhenClosed == true else { throw closedSocket(at: index) }
            keepResults()
            items[index] = LibraryCalls.pollItem(fileDescriptor: -1, events: 0)
        }
    }

    /// The error for polling a socket that was closed while in the poller.
    @usableFromInline
    @inline(never)
    func closedSocket(at index: Int) -> ZMQError {
        let entry = entries[index]
        return ZMQError(
            CZMQ_ENOTSOCK, operation: "poll", target: "\(entry.socket?.pollName ?? "socket") (token \(entry.token))",
            reason: "the socket was closed while in the poller; remove it before closing it")
    }

    /// A monotonic clock in milliseconds, rounded up so that a resumed wait is never short.
    @usableFromInline
    static func monotonicMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + (Int64(time.tv_nsec) + 999_999) / 1_000_000
    }
}

// MARK: - Results

extension Poller {
    /// An item that a poll found ready: its token, and what it is ready for.
    public struct ReadyItem {
        /// The token the item was added with.
        public let token: Token
        /// What the item is ready for: a subset of what it is polled for, plus
        /// ``PollEvents/error`` for a file descriptor in error or hung up.
        /// The corresponding C field is `zmq_pollitem_t.revents`.
        public let events: PollEvents

        @inlinable
        init(token: Token, events: PollEvents) {
            self.token = token
            self.events = events
        }
    }

    /// What the ``ReadyItems`` of one poll read: the poller's storage while it still
    /// holds that poll's results, or the copy the poller made of them before it changed
    /// its storage.
    ///
    /// Not `Sendable`, like the poller: the results of a poll are read on the thread
    /// that polled, or handed over with the poller.
    @usableFromInline
    final class Results {
        /// The poller whose storage holds the results while `copy` is `nil`.
        ///
        /// unowned(unsafe): the poller holds the live `Results` strongly, and before it
        /// goes away (`deinit`) it gives every result still alive its copy, after which
        /// this is never read. A strong reference would be a cycle; `unowned` would cost
        /// a reference count operation per read.
        @usableFromInline
        unowned(unsafe) var poller: Poller?

        /// The ready items of the poll, once copied out of the poller's storage.
        @usableFromInline
        var copy: ContiguousArray<ReadyItem>?

        @usableFromInline
        init() {}
    }

    /// Gives the results of the last poll, which something still holds, a copy of what
    /// that poll found, and the poller a fresh `Results` for its next poll: the slow
    /// path of a change, or a poll, while a result is alive.
    @usableFromInline
    @inline(never)
    func detachResults() {
        copyResults()
        results = Results()
        results.poller = self
    }

    /// Copies the ready items of the last poll into its `Results`, which stops reading
    /// the poller's storage.
    func copyResults() {
        var ready = ContiguousArray<ReadyItem>()
        for index in 0..<itemCount where items[index].revents != 0 {
            ready.append(ReadyItem(token: entries[index].token, events: PollEvents(rawValue: items[index].revents)))
        }
        results.copy = ready
        results.poller = nil
    }

    /// The items that one poll found ready, in the order they were added.
    ///
    /// A result is a value: it yields what its poll found, whatever happens to the
    /// poller afterwards.
    /// - After the poller polls again, an older result still yields its own poll's
    ///   items.
    /// - Items added, updated or removed while the result is iterated (or before it
    ///   is) do not change it: an item removed during the iteration still comes up if
    ///   its poll found it ready, and its token then names an item no longer in the
    ///   poller (``Poller/contains(_:)`` says so); an item added does not come up.
    ///   pyzmq's poll returns a list, which behaves the same.
    ///
    /// It reads the poller's own storage, which is how a poll allocates nothing, until
    /// the poller is about to change that storage while the result is still alive: the
    /// poller then copies the ready items for it first (one allocation, on that path
    /// only).
    public struct ReadyItems: Sequence {
        @usableFromInline let results: Results

        /// The number of ready items.
        public let count: Int

        @inlinable
        init(results: Results, count: Int) {
            self.results = results
            self.count = count
        }

        /// Whether no item was ready: the poll timed out.
        @inlinable
        public var isEmpty: Bool { count == 0 }

        /// What the item with this token was ready for in this poll; empty when it was
        /// not ready or not in the poller.
        public func events(for token: Token) -> PollEvents {
            if let copy = results.copy {
                return copy.first(where: { $0.token == token })?.events ?? []
            }
            let poller = results.poller.unsafelyUnwrapped
            guard let index = poller.indices[token] else { return [] }
            return PollEvents(rawValue: poller.items[index].revents)
        }

        @inlinable
        public func makeIterator() -> Iterator {
            Iterator(results: results, count: count)
        }

        @inlinable
        public var underestimatedCount: Int { count }

        /// Iterates over the ready items.
        public struct Iterator: IteratorProtocol {
            @usableFromInline let results: Results
            /// The next index in the poller's storage, while the results are there.
            @usableFromInline var index = 0
            @usableFromInline let count: Int
            @usableFromInline var remaining: Int

            @inlinable
            init(results: Results, count: Int) {
                self.results = results
                self.count = count
                self.remaining = count
            }

            @inlinable
            public mutating func next() -> ReadyItem? {
                guard remaining > 0 else { return nil }
                if _slowPath(results.copy != nil) { return nextCopied() }
                let poller = results.poller.unsafelyUnwrapped
                let items = poller.items
                let end = poller.itemCount
                while index < end {
                    let revents = items[index].revents
                    index += 1
                    if revents != 0 {
                        remaining -= 1
                        return ReadyItem(token: poller.entries[index - 1].token, events: PollEvents(rawValue: revents))
                    }
                }
                remaining = 0
                return nil
            }

            /// The next item once the poller has copied the results: the copy holds
            /// the same ready items in the same order, so it goes on after the
            /// `count - remaining` already returned.
            @usableFromInline
            mutating func nextCopied() -> ReadyItem? {
                guard let copy = results.copy, case let position = count - remaining, position < copy.count else {
                    remaining = 0
                    return nil
                }
                remaining -= 1
                return copy[position]
            }
        }
    }
}

extension Poller.ReadyItem: Equatable where Token: Equatable {}
extension Poller.ReadyItem: Hashable where Token: Hashable {}
extension Poller.ReadyItem: Sendable where Token: Sendable {}

extension Poller.ReadyItem: CustomStringConvertible {
    public var description: String { "\(token): \(events)" }
}
