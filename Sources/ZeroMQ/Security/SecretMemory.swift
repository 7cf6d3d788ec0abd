#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Secrets in memory: the storage of a CURVE secret key, the scratch buffers that hold a
// secret for the length of one libzmq call, how both are wiped, and how secrets are
// compared.

/// Overwrites `buffer` with zeros, with a call that the optimiser may not remove because
/// the memory is freed next (`explicit_bzero`, or `memset_s` on Apple platforms).
func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let start = buffer.baseAddress, buffer.count > 0 else { return }
    #if canImport(Darwin)
    _ = memset_s(start, buffer.count, 0, buffer.count)
    #else
    explicit_bzero(start, buffer.count)
    #endif
}

/// Calls `body` with a temporary buffer of `count` `CChar`s, zeroed first, and wipes it
/// before it is released: for the Z85 text of a secret key, which libzmq reads or writes.
func withWipedCharacters<R, E: Error>(
    count: Int, _ body: (UnsafeMutableBufferPointer<CChar>) throws(E) -> R
) throws(E) -> R {
    let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: count)
    buffer.initialize(repeating: 0)
    defer {
        wipe(UnsafeMutableRawBufferPointer(buffer))
        buffer.deallocate()
    }
    return try body(buffer)
}

/// Whether `given` holds the same bytes as `expected`, in a time that depends on
/// `given.count` only: not on where the first difference is, nor on `expected.count`
/// (every byte of `given` is compared with a byte of `expected`, whose index wraps
/// around without a branch or a division).
///
/// For secrets compared with what a peer sent: a PLAIN password, a CURVE secret key.
func secretsEqual(_ given: UnsafeRawBufferPointer, _ expected: UnsafeRawBufferPointer) -> Bool {
    // A length difference is remembered, not returned early.
    var difference = UInt(bitPattern: given.count ^ expected.count)
    let zero: UInt8 = 0
    withUnsafeBytes(of: zero) { zero in
        // With nothing expected, every byte is compared with a zero byte.
        let compared = expected.isEmpty ? zero : expected
        let length = compared.count
        var position = 0
        for index in 0..<given.count {
            difference |= UInt(given[index] ^ compared[position])
            position &+= 1
            // position = position == length ? 0 : position: `mask` is all ones while
            // they differ and zero when they are equal.
            let distance = position ^ length
            let mask = (distance | (0 &- distance)) >> (Int.bitWidth - 1)
            position &= mask
        }
    }
    return difference == 0
}

/// The 32 bytes of a CURVE secret key, in one allocation of their own (a
/// ``SecretKeyBuffer``: the object and its bytes), wiped when the last reference goes.
///
/// The bytes are written once, by ``make(_:)`` before the storage is shared, and only
/// read afterwards. Copies of a ``CurveSecretKey`` share one storage.
///
/// @unchecked Sendable: `ManagedBuffer`, and so the buffer, is not `Sendable`, because
/// it lets anyone write its elements. Here nothing writes the bytes after ``make(_:)``
/// returns, and the buffer's `deinit` wipes them only when no other reference exists,
/// so threads only ever read them concurrently.
struct SecretKeyStorage: @unchecked Sendable {
    /// The length of a CURVE key.
    static let count = 32

    private let buffer: SecretKeyBuffer

    private init(buffer: SecretKeyBuffer) {
        self.buffer = buffer
    }

    /// A storage whose bytes `initialize` writes; if it throws, the storage is wiped and
    /// released.
    static func make(
        _ initialize: (UnsafeMutableRawBufferPointer) throws(ZMQError) -> Void
    ) throws(ZMQError) -> SecretKeyStorage {
        let buffer = unsafeDowncast(
            SecretKeyBuffer.create(minimumCapacity: count) { _ in () }, to: SecretKeyBuffer.self)
        let bytes = buffer.withUnsafeMutablePointerToElements { elements in
            UnsafeMutableRawBufferPointer(start: elements, count: count)
        }
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        try withExtendedLifetime(buffer) { () throws(ZMQError) in try initialize(bytes) }
        return SecretKeyStorage(buffer: buffer)
    }

    /// Calls `body` with the 32 bytes where they are kept.
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let bytes = buffer.withUnsafeMutablePointerToElements { elements in
            UnsafeRawBufferPointer(start: elements, count: Self.count)
        }
        return try withExtendedLifetime(buffer) { () throws(E) -> R in try body(bytes) }
    }
}

/// The allocation of a ``SecretKeyStorage``: an object with the key's bytes in its tail,
/// which it overwrites with zeros before it is freed.
final class SecretKeyBuffer: ManagedBuffer<Void, UInt8> {
    deinit {
        withUnsafeMutablePointerToElements { elements in
            wipe(UnsafeMutableRawBufferPointer(start: elements, count: SecretKeyStorage.count))
        }
    }
}
