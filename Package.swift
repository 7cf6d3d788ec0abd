// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    // `Message.bytes` returns a `RawSpan` whose lifetime is tied to the message
    // (`@_lifetime(borrow self)`), as swift-nio's `readableBytesSpan` does.
    .enableExperimentalFeature("Lifetimes"),
]

let package = Package(
    name: "swift-zeromq",
    // Linux is where it is built and tested; on Apple platforms, `Mutex` (used by the
    // benchmark and the tests) needs these versions.
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
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
    ]
)
