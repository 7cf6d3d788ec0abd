import CZeroMQ

/// The heap cell that owns one `zmq_msg_t`.
///
/// libzmq keeps messages of up to 33 bytes inside the `zmq_msg_t` itself, so the
/// struct must stay at one address while anything views its bytes. A `ManagedBuffer`
/// tail-allocates the struct in the same allocation as the object header: one
/// allocation per message, at a fixed address for the object's lifetime, reached
/// without Swift's dynamic exclusivity checks. The message is closed exactly once,
/// in `deinit`.
@usableFromInline
final class MessageStorage: ManagedBuffer<Void, zmq_msg_t> {
    /// A storage holding an empty, initialised message (`zmq_msg_init`).
    @inlinable
    static func empty() -> MessageStorage {
        let storage = uninitialized()
        zmq_msg_init(storage.pointer)
        return storage
    }

    /// A storage whose message the caller must initialise before anything else.
    @inlinable
    static func uninitialized() -> MessageStorage {
        unsafeDowncast(MessageStorage.create(minimumCapacity: 1) { _ in }, to: MessageStorage.self)
    }

    /// The address of the message. Stable for the lifetime of the object.
    @inlinable
    var pointer: UnsafeMutablePointer<zmq_msg_t> {
        withUnsafeMutablePointerToElements { $0 }
    }

    deinit {
        zmq_msg_close(pointer)
    }
}

// The C boundary of a message: every `zmq_msg_*` call except sending and receiving,
// which are a socket's (SocketCalls.swift). No rule applies to them: they touch no
// socket.
extension MessageStorage {
    /// Where the bytes are. The corresponding C function is `zmq_msg_data`.
    @inlinable
    var data: UnsafeMutableRawPointer {
        zmq_msg_data(pointer)
    }

    /// The size in bytes. The corresponding C function is `zmq_msg_size`.
    @inlinable
    var count: Int {
        zmq_msg_size(pointer)
    }

    /// The bytes, valid while the storage is alive and unchanged.
    @inlinable
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(pointer), count: zmq_msg_size(pointer))
    }

    /// Whether more frames follow. The corresponding C function is `zmq_msg_more`.
    @inlinable
    var more: Bool {
        zmq_msg_more(pointer) != 0
    }

    /// Makes uninitialised storage a message of `count` bytes that the caller fills
    /// (`zmq_msg_init_size`). Running out of memory is fatal, as it is for `Array`.
    @inlinable
    func initialize(count: Int) {
        if zmq_msg_init_size(pointer, count) != 0 {
            // Only ENOMEM is possible.
            let error = ZMQError.last("zmq_msg_init_size")
            fatalError("zmq_msg_init_size(\(count)): \(error)")
        }
    }

    /// Makes uninitialised storage an empty message (`zmq_msg_init`).
    func initializeEmpty() {
        zmq_msg_init(pointer)
    }

    /// Makes uninitialised storage a message over `bytes`, which libzmq reads in place
    /// and gives to `free` (with `hint`) when done (`zmq_msg_init_data`).
    ///
    /// - Returns: `false` when libzmq refused (the caller still owns the bytes).
    func initialize(
        noCopy bytes: UnsafeMutableRawBufferPointer,
        free: (@convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void)?,
        hint: UnsafeMutableRawPointer?
    ) -> Bool {
        zmq_msg_init_data(pointer, bytes.baseAddress, bytes.count, free, hint) == 0
    }

    /// Replaces the message with a copy of `other`'s, which shares its bytes (a
    /// reference count). The corresponding C function is `zmq_msg_copy`.
    @inlinable
    func copy(from other: MessageStorage) {
        zmq_msg_copy(pointer, other.pointer)
    }

    /// Replaces the message with `other`'s, leaving `other` empty. The corresponding C
    /// function is `zmq_msg_move`.
    @inlinable
    func move(from other: MessageStorage) {
        zmq_msg_move(pointer, other.pointer)
    }

    /// Releases the message's bytes and leaves it empty (`zmq_msg_close`, then
    /// `zmq_msg_init`).
    @inlinable
    func reset() {
        zmq_msg_close(pointer)
        zmq_msg_init(pointer)
    }

    /// A metadata property of a received message, as libzmq's C string
    /// (`zmq_msg_gets`).
    func property(_ name: String) -> String? {
        zmq_msg_gets(pointer, name).map { String(cString: $0) }
    }
}

/// What libzmq calls back, from any thread, when it no longer needs the bytes of a
/// zero-copy message: runs the message's deallocator exactly once.
final class ZeroCopyRelease: Sendable {
    let release: @Sendable (UnsafeMutableRawBufferPointer) -> Void
    let count: Int

    init(count: Int, release: @escaping @Sendable (UnsafeMutableRawBufferPointer) -> Void) {
        self.count = count
        self.release = release
    }

    /// The `zmq_free_fn` given to `zmq_msg_init_data`; `hint` is a retained
    /// `ZeroCopyRelease`, balanced here.
    static let callback: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = {
        data, hint in
        guard let hint else { return }
        let box = Unmanaged<ZeroCopyRelease>.fromOpaque(hint).takeRetainedValue()
        box.release(UnsafeMutableRawBufferPointer(start: data, count: box.count))
    }
}
