// The same sender as exit-top-level, inside @main with its sockets in locals.
//
//   exit-main ENDPOINT SMALL LARGE_BYTES
import ZeroMQ

@main
struct Sender {
    static func main() throws {
        let arguments = CommandLine.arguments
        let endpoint = arguments[1]
        let small = Int(arguments[2])!
        let large = Int(arguments[3])!

        let context = try Context()
        let push = try PushSocket(context)
        try push.connect(endpoint)
        for index in 0..<small {
            let text = "small \(index)"
            try push.send(Array(text.utf8) + [UInt8](repeating: 0x2E, count: 16 - text.utf8.count))
        }
        if large > 0 {
            try push.send([UInt8](repeating: 0x4C, count: large))
        }
    }
}
