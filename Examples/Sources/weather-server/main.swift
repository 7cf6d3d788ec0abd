// Weather server: a PUB socket that publishes weather updates, "ZIP TEMPERATURE
// HUMIDITY", for a hundred zip codes (10000 to 10099), as fast as it can. Subscribers
// choose the zip codes they want; a PUB drops what no subscriber asked for, and what a
// slow subscriber cannot take (beyond its high-water mark), without ever waiting.
//
//   cd Examples && swift run weather-server [ENDPOINT] [COUNT]
//
// Binds ENDPOINT (default tcp://*:5556) and publishes COUNT updates (default: forever).
import Foundation
import ZeroMQ

let arguments = CommandLine.arguments.dropFirst()
let endpoint = arguments.first ?? "tcp://*:5556"
let count = max(0, arguments.dropFirst().first.flatMap { Int($0) } ?? .max)

do {
    let context = try Context()
    let publisher = try PubSocket(context)
    print("publishing on", try publisher.bind(endpoint))

    var generator = SystemRandomNumberGenerator()
    for _ in 0..<count {
        let zip = Int.random(in: 10000...10099, using: &generator)
        let temperature = Int.random(in: -80...134, using: &generator)  // Fahrenheit
        let humidity = Int.random(in: 10...59, using: &generator)
        try publisher.send("\(zip) \(temperature) \(humidity)")
    }
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("weather-server: \(error)\n".utf8))
    exit(1)
}
