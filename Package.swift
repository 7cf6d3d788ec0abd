// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    // `Message.bytes` returns a `RawSpan` whose lifetime is tied to the message
    // (`@_lifetime(borrow self)`), as swift-nio's `readableBytesSpan` does.
    .enableExperimentalFeature("Lifetimes"),
]

let package = Package(
    name: "swift-zeromq",
    products: [
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        .executable(name: "zmq-demo", targets: ["zmq-demo"]),
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
        .testTarget(
            name: "ZeroMQTests",
            dependencies: ["ZeroMQ", "CZeroMQ"],
            swiftSettings: swiftSettings
        ),
    ]
)
