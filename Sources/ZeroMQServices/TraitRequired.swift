// Without the `Services` trait, this module has none of its dependencies, and so none
// of its API: only these explanations, so that a program that uses it without the trait
// is told what to change instead of "cannot find 'ProxyService' in scope".
#if !Services
/// Needs the package trait `Services`.
@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", from: …, traits: [\"Services\"])"
)
public struct ProxyService {}

/// Needs the package trait `Services`.
@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", from: …, traits: [\"Services\"])"
)
public struct AuthenticatorService {}

/// Needs the package trait `Services`.
@available(
    *, unavailable,
    message:
        "ZeroMQServices needs the package trait 'Services': .package(url: \"…/swift-zeromq\", from: …, traits: [\"Services\"])"
)
public struct MonitorService {}
#endif
