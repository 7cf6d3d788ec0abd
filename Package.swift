// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    // `Message.bytes` returns a `RawSpan` whose lifetime is tied to the message
    // (`@_lifetime(borrow self)`), as swift-nio's `readableBytesSpan` does.
    .enableExperimentalFeature("Lifetimes")
]

let package = Package(
    name: "swift-zeromq",
    // Linux is where it is built and tested; on Apple platforms, `Mutex` (used by the
    // benchmark and the tests) needs these versions.
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        // Needs the `Services` trait: without it the module holds only explanations.
        .library(name: "ZeroMQServices", targets: ["ZeroMQServices"]),
    ],
    traits: [
        // Off by default, so that a user of `ZeroMQ` alone fetches and builds nothing
        // more (a plain dependency of a second product would be fetched and pinned for
        // every user; trait-gated ones are not: Docs/Production.md).
        .trait(
            name: "Services",
            description:
                "The ZeroMQServices product: proxy, authenticator and monitor as swift-service-lifecycle services, with swift-log, swift-metrics and swift-distributed-tracing"
        )
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"]), .brew(["zeromq"])]
        ),
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ"],
            swiftSettings: swiftSettings
        ),
        // Everything it imports besides ZeroMQ comes with the `Services` trait only.
        .target(
            name: "ZeroMQServices",
            dependencies: [
                "ZeroMQ",
                .product(
                    name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Services"])
                ),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Services"])),
                .product(name: "Metrics", package: "swift-metrics", condition: .when(traits: ["Services"])),
                .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["Services"])),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "zmq-demo",
            dependencies: ["ZeroMQ"],
            swiftSettings: swiftSettings
        ),
        // The benchmark's raw C side: the same work as the Swift side, written against
        // the C API directly. Not part of the library.
        .target(
            name: "CZeroMQBench",
            dependencies: ["CZeroMQ"]
        ),
        .executableTarget(
            name: "zmq-bench",
            dependencies: ["ZeroMQ", "CZeroMQBench"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ZeroMQTests",
            dependencies: ["ZeroMQ", "CZeroMQ"],
            swiftSettings: swiftSettings
        ),
        // Runs with `--traits Services` (make test does); empty without the trait.
        .testTarget(
            name: "ZeroMQServicesTests",
            dependencies: [
                "ZeroMQServices", "ZeroMQ",
                .product(
                    name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["Services"])
                ),
                .product(
                    name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle",
                    condition: .when(traits: ["Services"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Services"])),
                .product(name: "InMemoryLogging", package: "swift-log", condition: .when(traits: ["Services"])),
                .product(name: "Metrics", package: "swift-metrics", condition: .when(traits: ["Services"])),
                .product(name: "MetricsTestKit", package: "swift-metrics", condition: .when(traits: ["Services"])),
                .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["Services"])),
                .product(
                    name: "InMemoryTracing", package: "swift-distributed-tracing",
                    condition: .when(traits: ["Services"])),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
