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
