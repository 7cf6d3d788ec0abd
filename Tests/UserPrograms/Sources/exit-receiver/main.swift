// Binds a PULL socket, prints the bound endpoint on the first line of standard output,
// then counts messages until it has EXPECTED of them or IDLE_MS pass without one, and
// prints "received N messages, B bytes".
//
//   exit-receiver EXPECTED IDLE_MS
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct Receiver {
    static func main() throws {
        let expected = Int(CommandLine.arguments[1])!
        let idle = Int(CommandLine.arguments[2])!
        let context = try Context()
        let pull = try PullSocket(context)
        try pull.setOption(.receiveTimeout, .milliseconds(idle))
        print(try pull.bind("tcp://127.0.0.1:*"))
        fflush(nil)  // the sender waits for this line
        var count = 0
        var bytes = 0
        var message = Message()
        while count < expected {
            do {
                try pull.receive(into: &message)
            } catch .again {
                break
            } catch {
                throw error
            }
            count += 1
            bytes += message.count
        }
        print("received \(count) messages, \(bytes) bytes")
    }
}
