import Testing
import ZeroMQ

/// `Timeout`, the value of the options where libzmq has an infinite value: only
/// `.infinite` is infinite, and every negative value is zero.
@Suite("Timeout")
struct TimeoutTests {
    @Test("durations convert to whole milliseconds, rounding up; a negative one is zero")
    func fromDuration() {
        #expect(Timeout(.seconds(2)) == .milliseconds(2000))
        #expect(Timeout(.microseconds(1)) == .milliseconds(1))
        #expect(Timeout(.milliseconds(1) + .nanoseconds(1)) == .milliseconds(2))
        #expect(Timeout(.zero) == .zero)
        #expect(Timeout(.seconds(-5)) == .zero)
        #expect(Timeout(.nanoseconds(-1)) == .zero)
        #expect(Timeout(.seconds(Int64.max)).milliseconds == Int32.max)
        #expect(Timeout.seconds(3).duration == .seconds(3))
    }

    @Test("only .infinite is infinite: every negative value is zero")
    func negative() {
        for value in [
            Timeout(milliseconds: -1), Timeout(milliseconds: -7), Timeout(milliseconds: .min), .milliseconds(-3),
            .milliseconds(.min), .seconds(-1), .seconds(.min), Timeout(.milliseconds(-5)),
        ] {
            #expect(value == .zero, "\(value)")
            #expect(!value.isInfinite)
            #expect(value.milliseconds == 0)
            #expect(value.duration == .zero)
        }
    }

    @Test("infinite is libzmq's -1, greatest, and has no duration")
    func infinite() {
        #expect(Timeout.infinite.milliseconds == -1)
        #expect(Timeout.infinite.isInfinite)
        #expect(Timeout.infinite.duration == nil)
        #expect(Timeout.infinite > .seconds(1_000_000))
        #expect(Timeout.zero < .milliseconds(1))
        #expect(Timeout.infinite.description == "infinite")
        #expect(Timeout.milliseconds(250).description == "250 ms")
        #expect(Timeout.seconds(Int(Int32.max)).milliseconds == Int32.max)
        #expect(Timeout.seconds(Int.max).milliseconds == Int32.max)
        #expect(Timeout.milliseconds(Int.max).milliseconds == Int32.max)
    }
}
