// Weather client: a SUB socket that subscribes to one zip code's weather updates from
// weather-server (or from a forwarder) and averages COUNT of them. A subscription is a
// prefix: "10001 " with its space, because "10001" alone would also match "100010".
//
//   cd Examples && swift run weather-client [ENDPOINT] [ZIP] [COUNT]
//
// Connects to ENDPOINT (default tcp://localhost:5556), subscribes to ZIP (default 10001)
// and prints the average temperature and humidity over COUNT updates (default 100).
// It reads the updates as an async sequence (`for try await`), which works in
// top-level code.
import Foundation
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let endpoint = arguments.count > 0 ? arguments[0] : "tcp://localhost:5556"
let zip = arguments.count > 1 ? arguments[1] : "10001"
let count = max(1, arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100)

do {
    let context = try Context()
    let subscriber = try SubSocket(context)
    try subscriber.subscribe(to: zip + " ")
    try subscriber.connect(endpoint)
    print("collecting \(count) updates for zip code \(zip) from \(endpoint)")

    var received = 0
    var temperatures = 0
    var humidities = 0
    for try await update in subscriber.messages {
        // "ZIP TEMPERATURE HUMIDITY"; the publisher filtered out every other zip code.
        let fields = update.string.split(separator: " ")
        guard fields.count == 3, let temperature = Int(fields[1]), let humidity = Int(fields[2]) else {
            print("not a weather update: \(update.string)")
            continue
        }
        if received == 0 { print("first update:", update.string) }
        temperatures += temperature
        humidities += humidity
        received += 1
        if received == count { break }
    }
    print(
        "zip code \(zip): average temperature \(temperatures / count) F, average humidity \(humidities / count)%, over \(count) updates"
    )
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("weather-client: \(error)\n".utf8))
    exit(1)
}
