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
/// Items can be added (``add(_:events:token:)``, ``add(fileDescriptor:events:token:)``),
/// changed (``update(_:events:)``) and removed (``remove(_:)-(Token)``) between polls. Each item
/// has a token, unique in the poller, that the results carry back: no index
/// bookkeeping. A removed item never shows up in a later result.
///
/// ### Allocation
/// The poller keeps its `zmq_pollitem_t` array, and the results live in that same
/// array, from one poll to the next: in the steady state, a poll allocates nothing on
/// the Swift side. ``poll(timeout:)-(Timeout)`` returns ``ReadyItems``, a view over that storage
/// that is valid until the next call that changes the poller (see ``ReadyItems``).
/// libzmq's `zmq_poll` itself allocates its `pollfd` array on the heap when it polls
/// more than 16 items (`ZMQ_POLLITEMS_DFLT`).
///
/// ### Closed sockets
/// The poller holds a strong reference to each socket it polls, so a socket cannot go
/// away while it is in the poller. A socket that is closed while in it
/// (``Socket/close()``, or ``Context/close(linger:)``) makes ``poll(timeout:)-(Timeout)`` throw
/// ``ZMQError/notSocket`` naming the socket and its token, before libzmq is called,
/// until it is removed: a closed socket is a bug that should not go unnoticed, and
/// polling it would make libzmq read freed memory.
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

    /// Counts polls and changes, so that a ``ReadyItems`` can tell it is out of date.
    @usableFromInline
    @exclusivity(unchecked)
    var generation: UInt

    /// The number of items the last poll found ready.
    @usableFromInline
    @exclusivity(unchecked)
    var readyCount: Int

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
        generation = 0
        readyCount = 0
    }

    deinit {
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
        generation &+= 1
        items[index].events = events.rawValue
        items[index].revents = 0
    }

    /// Removes the item with this token; it never appears in a result again.
    ///
    /// - Returns: Whether there was such an item.
    @discardableResult
    public func remove(_ token: Token) -> Bool {
        guard let index = indices.removeValue(forKey: token) else { return false }
        removeItem(at: index)
        return true
    }

    /// Removes the item that polls this socket; it never appears in a result again.
    ///
    /// - Returns: Whether the socket was in the poller.
    @discardableResult
    public func remove<Kind>(_ socket: Socket<Kind>) -> Bool {
        guard let index = entries.firstIndex(where: { $0.socket === socket }) else { return false }
        indices.removeValue(forKey: entries[index].token)
        removeItem(at: index)
        return true
    }

    /// Removes every item.
    public func removeAll() {
        generation &+= 1
        items.deinitialize(count: itemCount)
        itemCount = 0
        entries.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        socketCount = 0
        readyCount = 0
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
        generation &+= 1
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
        generation &+= 1
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
        // A result read after this would be out of date: drop the ready marks.
        for item in 0..<itemCount { items[item].revents = 0 }
        readyCount = 0
    }
}

// MARK: - Polling

extension Poller {
    /// Waits until at least one item is ready for what it is polled for, or `timeout`
    /// passes, and returns the ready items.
    ///
    /// ```swift
    /// for item in try poller.poll(timeout: .milliseconds(100)) {
    ///     if item.events.contains(.readable) { ... }
    /// }
    /// ```
    ///
    /// ``Timeout/zero`` returns at once with what is ready now; ``Timeout/infinite``
    /// waits for as long as it takes. A signal that interrupts the wait (`EINTR`) does
    /// not end it: the poll resumes for the time that remains.
    ///
    /// - Parameter timeout: How long to wait at most; infinite by default.
    /// - Returns: The ready items, empty when the time ran out: a view over the
    ///   poller's storage, valid until the next call that polls or changes the poller.
    /// - Throws: ``ZMQError/notSocket`` naming the socket and its token when a socket
    ///   in the poller was closed; ``ZMQError/contextTerminated`` when a socket's
    ///   context was shut down; ``ZMQError/invalidArgument`` for an infinite wait on
    ///   an empty poller, which would never end.
    ///
    /// The corresponding C function is `zmq_poll`.
    @inlinable
    public func poll(timeout: Timeout = .infinite) throws(ZMQError) -> ReadyItems {
        generation &+= 1
        if socketCount > 0 {
            // A load and a compare, instead of a dynamic call (and a retain and a release)
            // per socket: about 3,300 instructions a poll of 16 sockets.
            let closes = socketsClosed.load(ordering: .acquiring)
            if _slowPath(closes != checkedCloses) {
                try checkSocketsOpen()
                checkedCloses = closes
            }
        }
        let milliseconds = timeout.milliseconds
        if _slowPath(itemCount == 0) { return try waitWithNothingToPoll(milliseconds) }
        // Only a finite wait needs to know when it started, to resume after EINTR.
        let start = milliseconds > 0 ? Self.monotonicMilliseconds() : 0
        switch LibraryCalls.poll(items, count: itemCount, timeout: milliseconds) {
        case .success(let ready): readyCount = ready
        case .failure(let error): readyCount = try retryPoll(after: error, milliseconds, start: start)
        }
        // zmq_poll read every socket's ZMQ_EVENTS, which processes its commands: the
        // wake-up rule applies to the polled sockets that tasks wait on.
        if _slowPath(socketCount > 0 && SocketReadiness.socketsWithWaiters.load(ordering: .relaxed) != 0) {
            for entry in entries { entry.socket?.afterPoll() }
        }
        return ReadyItems(poller: self, generation: generation, count: readyCount)
    }

    /// Waits at most `timeout`, rounded up to whole milliseconds; see ``poll(timeout:)-(Timeout)``.
    ///
    /// Disfavoured, so that `.zero` and `.milliseconds(10)` mean ``Timeout`` values;
    /// a `Duration` value still comes here.
    ///
    /// The corresponding C function is `zmq_poll`.
    @inlinable
    @_disfavoredOverload
    public func poll(timeout: Duration) throws(ZMQError) -> ReadyItems {
        try poll(timeout: Timeout(timeout))
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
        readyCount = 0
        return ReadyItems(poller: self, generation: generation, count: 0)
    }

    /// Throws for the first socket of the poller that is closed.
    @usableFromInline
    @inline(never)
    func checkSocketsOpen() throws(ZMQError) {
        for index in 0..<itemCount where entries[index].socket?.pollHandle == nil && items[index].socket != nil {
            throw closedSocket(at: index)
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

    /// The items that one poll found ready, in the order they were added.
    ///
    /// A view over the poller's own storage, which is how a poll allocates nothing: it
    /// is valid until the next call that polls the poller or changes its items
    /// (`poll`, `add`, `update`, `remove`, `removeAll`). Iterating it after such a call
    /// stops the program with a message; copy what you need to keep
    /// (`Array(poller.poll())`) first.
    public struct ReadyItems: Sequence {
        @usableFromInline let poller: Poller
        @usableFromInline let generation: UInt

        /// The number of ready items.
        public let count: Int

        @inlinable
        init(poller: Poller, generation: UInt, count: Int) {
            self.poller = poller
            self.generation = generation
            self.count = count
        }

        /// Whether no item was ready: the poll timed out.
        @inlinable
        public var isEmpty: Bool { count == 0 }

        /// What the item with this token is ready for; empty when it is not ready or
        /// not in the poller.
        public func events(for token: Token) -> PollEvents {
            poller.checkCurrent(generation)
            guard let index = poller.indices[token] else { return [] }
            return PollEvents(rawValue: poller.items[index].revents)
        }

        @inlinable
        public func makeIterator() -> Iterator {
            Iterator(poller: poller, generation: generation, remaining: count)
        }

        @inlinable
        public var underestimatedCount: Int { count }

        /// Iterates over the ready items.
        public struct Iterator: IteratorProtocol {
            @usableFromInline let poller: Poller
            @usableFromInline let generation: UInt
            @usableFromInline var index = 0
            @usableFromInline var remaining: Int

            @inlinable
            init(poller: Poller, generation: UInt, remaining: Int) {
                self.poller = poller
                self.generation = generation
                self.remaining = remaining
            }

            @inlinable
            public mutating func next() -> ReadyItem? {
                guard remaining > 0 else { return nil }
                poller.checkCurrent(generation)
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
        }
    }

    @inlinable
    @inline(__always)
    func checkCurrent(_ generation: UInt) {
        if _slowPath(generation != self.generation) { staleResults() }
    }

    @usableFromInline
    @inline(never)
    func staleResults() -> Never {
        preconditionFailure(
            "Poller.ReadyItems used after the poller polled again or changed its items; copy the results first")
    }
}

extension Poller.ReadyItem: Equatable where Token: Equatable {}
extension Poller.ReadyItem: Hashable where Token: Hashable {}
extension Poller.ReadyItem: Sendable where Token: Sendable {}

extension Poller.ReadyItem: CustomStringConvertible {
    public var description: String { "\(token): \(events)" }
}
