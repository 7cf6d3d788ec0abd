import CZeroMQ
import Testing

// Internals: how an error reads libzmq's error number.
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Reading errno")
struct ErrnoTests {
    @Test("ZMQError.last reads errno before it builds its target, which may change errno")
    func errnoFirst() {
        errno = EHOSTUNREACH
        let error = ZMQError.last(
            "send",
            target: {
                // What building a description may do: allocate, and so set errno.
                errno = ENOMEM
                return "target"
            }())
        #expect(error.code == EHOSTUNREACH)
        #expect(error.target == "target")
    }
}
