import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One ZeroMQ message frame: an immutable run of bytes owned by libzmq (`zmq_msg_t`).
///
/// `Message` is a value: copies share the same `zmq_msg_t` and its bytes, and none of
/// them can change it. Sending a message you do not use afterwards hands its bytes to
/// libzmq without a copy; sending a message you still hold sends a libzmq copy that
/// shares the same buffer (`zmq_msg_copy`, a reference count, not a byte copy).
///
/// A message is a `RandomAccessCollection` of bytes, so `[UInt8](message)`,
/// `String(decoding: message, as: UTF8.self)` and `message.starts(with:)` work, and
/// ``bytes`` views it as a `RawSpan` without copying.
///
/// ### Zero copy
/// ``init(bytesNoCopy:deallocator:)`` and ``init(noCopy:)`` give libzmq Swift-owned
/// memory without copying it. The deallocator runs exactly once, on whichever thread
/// libzmq releases the last copy: after the bytes have been sent, when a send fails
/// and the message is dropped, or when the message is never sent at all.
///
/// `Message` is not `Sendable` (libzmq's reference counting of shared messages is not
/// safe under concurrent copies), but a message can be handed to another task or
/// thread with `sending`. Received messages are `sending` results, so a message just
/// received can move to another task while its socket stays.
public struct Message {
    @usableFromInline
    var storage: MessageStorage

    @inlinable
    init(storage: MessageStorage) {
        self.storage = storage
    }

    /// An empty message. The corresponding C function is `zmq_msg_init`.
    @inlinable
    public init() {
        storage = .empty()
    }

    /// A message of `count` bytes that `body` writes, without zero-filling them first.
    ///
    /// `body` must initialise all `count` bytes. The corresponding C function is
    /// `zmq_msg_init_size`.
    ///
    /// - Throws: Whatever `body` throws. As with `Array`, running out of memory is
    ///   fatal rather than an error.
    @inlinable
    public init<E: Error>(
        unsafeUninitializedCount count: Int,
        initializingWith body: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        precondition(count >= 0, "A message cannot have a negative size")
        let storage = MessageStorage.uninitialized()
        storage.initialize(count: count)
        self.storage = storage
        try body(UnsafeMutableRawBufferPointer(start: storage.data, count: count))
    }

    /// A message holding a copy of `bytes`.
    ///
    /// The corresponding C functions are `zmq_msg_init_size` and `memcpy`.
    @inlinable
    public init(_ bytes: some Sequence<UInt8>) {
        let done: Message? = bytes.withContiguousStorageIfAvailable { buffer in
            Message(copying: UnsafeRawBufferPointer(buffer))
        }
        if let done {
            self = done
        } else {
            self = Array(bytes).withUnsafeBytes { Message(copying: $0) }
        }
    }

    /// A message holding a copy of the bytes in `buffer`.
    @inlinable
    public init(copying buffer: UnsafeRawBufferPointer) {
        self.init(unsafeUninitializedCount: buffer.count) { destination in
            if let base = buffer.baseAddress, buffer.count > 0 {
                destination.baseAddress!.copyMemory(from: base, byteCount: buffer.count)
            }
        }
    }

    /// A message holding the UTF-8 bytes of `string` (without a terminating NUL).
    @inlinable
    public init(_ string: some StringProtocol) {
        var string = String(string)
        self = string.withUTF8 { Message(copying: UnsafeRawBufferPointer($0)) }
    }

    /// A message that uses `buffer` in place, without copying it.
    ///
    /// libzmq reads the bytes until the last copy of the message is released, then
    /// calls `deallocator`, exactly once, on any thread. The caller must not change
    /// or free the bytes before then. An empty buffer makes an ordinary empty message,
    /// and its deallocator runs at once, inside this initialiser.
    ///
    /// The corresponding C function is `zmq_msg_init_data`.
    public init(bytesNoCopy buffer: UnsafeMutableRawBufferPointer, deallocator: Deallocator) {
        let storage = MessageStorage.uninitialized()
        self.storage = storage
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            // libzmq has no zero-copy form of an empty message: make a plain empty one,
            // and give the (empty) buffer back at once.
            storage.initializeEmpty()
            deallocator.release(buffer)
            return
        }
        let buffer = UnsafeMutableRawBufferPointer(start: base, count: buffer.count)
        let initialized: Bool
        switch deallocator.kind {
        case .none:
            initialized = storage.initialize(noCopy: buffer, free: nil, hint: nil)
        case .free:
            initialized = storage.initialize(noCopy: buffer, free: { data, _ in free(data) }, hint: nil)
        case .custom(let release):
            let hint = Unmanaged.passRetained(ZeroCopyRelease(count: buffer.count, release: release))
            initialized = storage.initialize(noCopy: buffer, free: ZeroCopyRelease.callback, hint: hint.toOpaque())
            if !initialized { hint.release() }
        }
        if !initialized {
            let error = ZMQError.last("zmq_msg_init_data")
            fatalError("zmq_msg_init_data: \(error)")
        }
    }

    /// A message that shares the storage of `array` without copying it: libzmq reads
    /// the array's own bytes, and the array is released, exactly once, when libzmq is
    /// done with them.
    ///
    /// Worth it for large payloads; for small ones (under a few hundred bytes)
    /// ``init(_:)-(Sequence<UInt8>)`` is cheaper, since a zero-copy message costs libzmq
    /// an extra allocation. The corresponding C function is `zmq_msg_init_data`.
    public init(noCopy array: [UInt8]) {
        // The pointer stays valid after `withUnsafeBytes` returns because the
        // deallocator captures `array`, keeping its (never mutated) buffer alive.
        let buffer = array.withUnsafeBytes { UnsafeMutableRawBufferPointer(mutating: $0) }
        self.init(
            bytesNoCopy: buffer,
            deallocator: .custom { _ in withExtendedLifetime(array) {} })
    }

    /// How the bytes of a zero-copy message are released.
    public struct Deallocator: Sendable {
        enum Kind: Sendable {
            case none
            case free
            case custom(@Sendable (UnsafeMutableRawBufferPointer) -> Void)
        }

        let kind: Kind

        /// Nothing is released: for bytes that live as long as the program (static
        /// tables, memory mapped for the whole run). libzmq gives no signal of when it
        /// is done with them, so memory that is ever freed needs ``free`` or
        /// ``custom(_:)``.
        public static let none = Deallocator(kind: .none)

        /// The bytes were allocated with `malloc` and are released with `free`.
        public static let free = Deallocator(kind: .free)

        /// `release` is called once, on any thread, with the buffer.
        public static func custom(
            _ release: @escaping @Sendable (UnsafeMutableRawBufferPointer) -> Void
        ) -> Deallocator {
            Deallocator(kind: .custom(release))
        }

        func release(_ buffer: UnsafeMutableRawBufferPointer) {
            switch kind {
            case .none: break
            case .free: freeBytes(buffer.baseAddress)
            case .custom(let release): release(buffer)
            }
        }
    }
}

/// `free`, under a name that `Message.Deallocator.free` does not shadow.
private func freeBytes(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}

// MARK: - Reading

extension Message {
    /// The size of the message in bytes. The corresponding C function is `zmq_msg_size`.
    @inlinable
    public var count: Int {
        storage.count
    }

    /// Whether more frames of the same multipart message follow this one; meaningful on
    /// a received message. The corresponding C function is `zmq_msg_more`.
    @inlinable
    public var more: Bool {
        storage.more
    }

    /// Calls `body` with the bytes of the message, without copying them.
    ///
    /// The pointer is valid only during the call. The corresponding C function is
    /// `zmq_msg_data`.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let result = try body(storage.bytes)
        withExtendedLifetime(storage) {}
        return result
    }

    #if compiler(>=6.2)
    /// The bytes of the message, viewed in place.
    ///
    /// The corresponding C function is `zmq_msg_data`.
    @available(macOS 10.14.4, iOS 12.2, watchOS 5.2, tvOS 12.2, visionOS 1.0, *)
    public var bytes: RawSpan {
        @_lifetime(borrow self)
        borrowing get {
            let span = RawSpan(_unsafeBytes: storage.bytes)
            return _overrideLifetime(span, borrowing: self)
        }
    }
    #endif

    /// The bytes decoded as UTF-8, with invalid sequences replaced by U+FFFD.
    public var string: String {
        withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// A metadata property of a received message, such as `"Peer-Address"`, or `nil`
    /// when the message does not carry it. The corresponding C function is
    /// `zmq_msg_gets`.
    ///
    /// libzmq hands metadata values out as C strings, so a value stops at its first NUL
    /// byte. That is why there is no `routingID` property here: routing ids are binary
    /// (`41 00 42 FF` would read back as `"A"`). A ROUTER receives the sender's routing
    /// id, whole, as the first frame of each message; ``SocketOption/routingID`` sets
    /// and reads a socket's own.
    public func metadata(_ property: String) -> String? {
        storage.property(property)
    }

    /// The address of the peer the message came from (tcp and ipc transports).
    /// The corresponding C property is `Peer-Address`.
    public var peerAddress: String? { metadata("Peer-Address") }

    /// The type of the socket that sent the message, such as `"DEALER"`.
    /// The corresponding C property is `Socket-Type`.
    public var socketType: String? { metadata("Socket-Type") }

    /// The user id that a ZAP handler authenticated the sender as.
    /// The corresponding C property is `User-Id`.
    public var userID: String? { metadata("User-Id") }
}

// MARK: - Collection

extension Message: RandomAccessCollection {
    public typealias Element = UInt8
    public typealias Index = Int
    public typealias Indices = Range<Int>
    public typealias SubSequence = Slice<Message>

    @inlinable
    public var startIndex: Int { 0 }

    @inlinable
    public var endIndex: Int { count }

    @inlinable
    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "Message index out of range")
        return storage.data.load(fromByteOffset: position, as: UInt8.self)
    }

    @inlinable
    public func withContiguousStorageIfAvailable<R>(
        _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R? {
        try withUnsafeBytes { bytes in
            try body(bytes.assumingMemoryBound(to: UInt8.self))
        }
    }
}

extension Message: Equatable, Hashable {
    /// Two messages are equal when their bytes are.
    public static func == (lhs: Message, rhs: Message) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.elementsEqual(b) } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

extension Message: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "Message(\(count) bytes)"
    }

    public var debugDescription: String {
        let preview = prefix(32).map { byte in
            (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "."
        }.joined()
        return "Message(\(count) bytes\(more ? ", more" : ""): \"\(preview)\(count > 32 ? "…" : "")\")"
    }
}

extension Message: ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    /// A message holding the UTF-8 bytes of a string literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// A message holding the bytes of an array literal.
    public init(arrayLiteral elements: UInt8...) {
        self.init(elements)
    }
}

@available(*, unavailable, message: "Message is not thread-safe; hand it over with 'sending'")
extension Message: Sendable {}

// MARK: - Parts of a multipart message

/// A value that can be one part of a multipart message sent with
/// `Socket.sendMultipart(_:)`, so that parts of different types
/// go in one call: a ``Message``, a `String` or `Substring` (its UTF-8 bytes), or an
/// `[UInt8]` or `ArraySlice<UInt8>`.
///
/// Conform your own byte containers (Foundation's `Data`, say) by handing their bytes
/// to `body`:
///
/// <!-- snippet: file; prelude: import Foundation -->
/// ```swift
/// extension Data: @retroactive MessagePart {
///     public func withMessagePartBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
///         withUnsafeBytes(body)
///     }
/// }
/// ```
public protocol MessagePart {
    /// Calls `body` with the bytes to send; libzmq copies them during the call.
    func withMessagePartBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension Message: MessagePart {
    /// Calls `body` with the message's bytes. (A `Message` part is sent as it is,
    /// without copying, rather than through this.)
    public func withMessagePartBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(body)
    }
}

extension String: MessagePart {
    /// Calls `body` with the string's UTF-8 bytes, without a terminating NUL.
    public func withMessagePartBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var string = self
        return string.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}

extension Substring: MessagePart {
    /// Calls `body` with the substring's UTF-8 bytes.
    public func withMessagePartBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var string = self
        return string.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}

extension Array: MessagePart where Element == UInt8 {
    /// Calls `body` with the array's bytes.
    public func withMessagePartBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(body)
    }
}

extension ArraySlice: MessagePart where Element == UInt8 {
    /// Calls `body` with the slice's bytes.
    public func withMessagePartBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(body)
    }
}
