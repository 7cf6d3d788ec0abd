// swift-tools-version: 6.2
// swift-zeromq's examples and tools: a package of its own that depends on the library by
// path, so that what only they need (swift-argument-parser, for zmqcat) is fetched and
// built by nobody who depends on the `ZeroMQ` product alone
// (Docs/Design.md, "Examples and tools live in a package of their own").
//
//   cd Examples && swift run hello-server        # each example: swift run NAME
//   cd Examples && swift test                    # runs every example as its own processes
import PackageDescription

// A package depended on by path is known by its folder's name (Docs/Troubleshooting.md):
// "swift-zeromq" in a clone named after the project, something else in CI's clone.
let zeroMQ = Target.Dependency.product(
    name: "ZeroMQ", package: String(#filePath.split(separator: "/").dropLast(2).last!).lowercased())

/// An example program: `Sources/NAME/main.swift`, run with `swift run NAME`.
func example(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .executableTarget(name: name, dependencies: [zeroMQ] + dependencies)
}

let package = Package(
    name: "swift-zeromq-examples",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Request-reply.
        example("hello-server"),
        example("hello-client"),
        example("lazy-pirate-server"),
        example("lazy-pirate-client"),
        example("rr-broker"),
        example("rr-worker"),
        example("rr-client"),
        // Publish-subscribe.
        example("weather-server"),
        example("weather-client"),
        example("forwarder"),
        example("slow-joiner"),
        // Pipeline.
        example("task-ventilator"),
        example("task-worker"),
        example("task-sink"),
        // Scenarios.
        example("game-gateway"),
        example("game-server"),
        example("http-server"),
        example("steerable-proxy"),
        example("monitor-peer"),
        example("curve-publisher"),
        example("async-server"),
        example("async-client"),
        // Tool.
        example("zmqcat", [.product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Runs the examples as separate processes and checks what they print.
        .testTarget(name: "ExamplesTests", dependencies: [zeroMQ]),
    ]
)
