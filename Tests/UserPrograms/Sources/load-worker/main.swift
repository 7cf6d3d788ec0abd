// A worker behind a proxy's DEALER backend, for `make load`: a DEALER that sends every
// request back as it came (routing envelope included), until none comes for IDLE_MS.
//
//   load-worker BACKEND IDLE_MS
//
// Prints "echoed N".
import ZeroMQ

@main
struct Worker {
    static func main() throws {
        let context = try Context()
        let dealer = try DealerSocket(context)
        try dealer.connect(CommandLine.arguments[1])
        let idle = Duration.milliseconds(Int(CommandLine.arguments[2])!)
        var echoed = 0
        while let request = try dealer.receiveMultipart(timeout: idle) {
            try dealer.sendMultipart(request)
            echoed += 1
        }
        print("echoed \(echoed)")
    }
}
