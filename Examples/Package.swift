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
let root = String(#filePath.split(separator: "/").dropLast(2).last!).lowercased()
let zeroMQ = Target.Dependency.product(name: "ZeroMQ", package: root)
// Needs the root's `Services` trait, which the dependency below enables.
let zeroMQServices = Target.Dependency.product(name: "ZeroMQServices", package: root)
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")

/// An example program: `Sources/NAME/main.swift`, run with `swift run NAME`.
func example(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .executableTarget(name: name, dependencies: [zeroMQ] + dependencies)
}

let package = Package(
    name: "swift-zeromq-examples",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The `Services` trait brings ZeroMQServices and what it needs (swift-service-lifecycle,
        // swift-log, swift-metrics, swift-distributed-tracing), for broker-service and the
        // traced examples; the examples name those packages too, to import them.
        .package(path: "..", traits: ["Services"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.0"),
        // The metrics backend of broker-service.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
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
        // Production: services, logs, metrics, tracing (Docs/Production.md).
        example(
            "broker-service",
            [
                zeroMQServices, logging, serviceLifecycle,
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        example("traced-client", [zeroMQServices, tracing, "ExampleTracing"]),
        example("traced-worker", [zeroMQServices, tracing, logging, serviceLifecycle, "ExampleTracing"]),
        // The small W3C tracer of the traced examples: it prints each span as it ends.
        .target(name: "ExampleTracing", dependencies: [tracing]),
        // Tool.
        example("zmqcat", [.product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Runs the examples as separate processes and checks what they print.
        .testTarget(name: "ExamplesTests", dependencies: [zeroMQ]),
    ]
)
