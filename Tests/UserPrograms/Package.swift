// swift-tools-version: 6.2
// Programs written as a user would write them, in a package of their own that depends on
// swift-zeromq by path. `scripts/user-programs.sh` builds them and runs each sender in its
// own process against a receiver in another, counting what arrived.
import PackageDescription

// A package depended on by path is known by its folder's name: "swift-zeromq" in a clone
// named after the project, something else in CI's clone.
let zeroMQ = Target.Dependency.product(
    name: "ZeroMQ", package: String(#filePath.split(separator: "/").dropLast(3).last!).lowercased())

let package = Package(
    name: "user-programs",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        // A sender written as top-level code: its context and socket are globals, which
        // Swift never releases.
        .executableTarget(name: "exit-top-level", dependencies: [zeroMQ]),
        // A sender in async top-level code, with a socket in a task.
        .executableTarget(name: "exit-async", dependencies: [zeroMQ]),
        // The same sender inside @main, with its sockets in locals.
        .executableTarget(name: "exit-main", dependencies: [zeroMQ]),
        // A broker (a managed proxy, in top-level code), its workers and a client.
        .executableTarget(name: "broker", dependencies: [zeroMQ]),
        .executableTarget(name: "broker-worker", dependencies: [zeroMQ]),
        .executableTarget(name: "broker-client", dependencies: [zeroMQ]),
        // README's async top-level code: a `for try await` loop over a global socket and
        // @MainActor functions. (CompileFailures/ holds what must not compile there.)
        .executableTarget(name: "async-top-level", dependencies: [zeroMQ]),
        // An async server (one `for try await` loop on the reactor) and its clients.
        .executableTarget(name: "async-server", dependencies: [zeroMQ]),
        .executableTarget(name: "async-client", dependencies: [zeroMQ]),
        // The devices as the docs show them in async top-level code: monitors awaited and
        // polled, a socket used after it was handed to a proxy.
        .executableTarget(name: "devices-top-level", dependencies: [zeroMQ]),
        // Every call across the C boundary, for valgrind's memcheck (`make sanitize`).
        .executableTarget(name: "memcheck", dependencies: [zeroMQ]),
        // Binds a PULL socket and counts what arrives.
        .executableTarget(name: "exit-receiver", dependencies: [zeroMQ]),
        // Bad input and fuzzing (`make fuzz`): bound sockets of every kind, a CURVE and a
        // PLAIN server behind an authenticator, for scripts/fuzz.py to throw bytes at.
        .executableTarget(name: "fuzz-target", dependencies: [zeroMQ]),
        // Faults between hosts (`make test-faults`): every role of scripts/test-faults.sh
        // (a numbered PUSH/PULL stream, a ROUTER server, REQ and DEALER clients; sync and
        // async), one process on one network namespace each.
        .executableTarget(name: "fault-peer", dependencies: [zeroMQ]),

        // Leaks, soak and load (`make soak`, `make load`; Docs/Reliability.md).
        // Ten million messages through one pattern, sampling resident memory.
        .executableTarget(name: "soak", dependencies: [zeroMQ]),
        // A ROUTER echoing to hundreds of peers (blocking or async), many DEALER tasks per
        // process, a broker (a managed proxy) that reports its statistics, and its workers.
        .executableTarget(name: "load-router", dependencies: [zeroMQ]),
        .executableTarget(name: "load-dealers", dependencies: [zeroMQ]),
        .executableTarget(name: "load-proxy", dependencies: [zeroMQ]),
        .executableTarget(name: "load-worker", dependencies: [zeroMQ]),
    ]
)
