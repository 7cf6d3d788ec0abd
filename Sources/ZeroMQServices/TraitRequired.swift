// Without the `Services` trait, this module has none of its dependencies, and so none
// of its API: only these stand-ins, unavailable, with the signatures of the real API
// (every parameter `Any`), so that a program that uses it without the trait is told
// what to change, instead of "cannot find 'ProxyService' in scope" or "'ProxyService'
// cannot be constructed because it has no accessible initializers".
// scripts/check-optional-products.sh checks the message a user gets.
#if !Services
import ZeroMQ

@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
)
public struct ProxyService {
    @available(
        *, unavailable,
        message:
            "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
    )
    public init(_ proxy: Any, name: Any = 0, logger: Any = 0, statisticsInterval: Any = 0, metricsFactory: Any = 0) {}
}

@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
)
public struct AuthenticatorService {
    @available(
        *, unavailable,
        message:
            "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
    )
    public init(in context: Any, policy: Any = 0, domains: Any = 0, logger: Any = 0, metricsFactory: Any = 0) {}
}

@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
)
public final class MonitorService {
    @available(
        *, unavailable,
        message:
            "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
    )
    public init(_ monitor: Any, name: Any, logger: Any = 0, metricsFactory: Any = 0) {}

    @available(
        *, unavailable,
        message:
            "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
    )
    public init(monitoring socket: Any, events: Any = 0, name: Any, logger: Any = 0, metricsFactory: Any = 0) {}
}

@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
)
public enum MetricNames {}

@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
)
public enum LogMetadataKeys {}

@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
)
public func runUntilGracefulShutdown(_ body: () async throws -> Void) async throws {}

extension Socket {
    @available(
        *, unavailable,
        message:
            "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
    )
    public func countSendFailures(label: Any, metricsFactory: Any = 0) {}
}

extension Message {
    @available(
        *, unavailable,
        message:
            "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
    )
    public init(traceContext: Any, instrument: Any = 0) { self.init() }

    @available(
        *, unavailable,
        message:
            "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", …, traits: [\"Services\"])"
    )
    public func extractTraceContext(into context: Any = 0, instrument: Any = 0) {}
}
#endif
