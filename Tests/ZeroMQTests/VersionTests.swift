import Testing
import ZeroMQ
@Test func version() { #expect(ZeroMQ.version.major == 4) }
