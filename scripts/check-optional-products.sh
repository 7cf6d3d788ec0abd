#!/usr/bin/env bash
# What a user's package gets from swift-zeromq, checked as a user sees it: packages of
# their own (in a temporary folder) that depend on this one by path.
# 1. ZeroMQ alone: resolving fetches nothing (no Package.resolved pins, no checkouts);
#    the server ecosystem's packages come only with the `Services` trait.
# 2. ZeroMQServices without the trait: the build fails with a message that says which
#    trait to enable, not "cannot find 'ProxyService' in scope".
# 3. ZeroMQServices with the trait: builds, and runs a ServiceGroup (a user's receive
#    loop and a proxy) through a graceful shutdown (Tests/OptionalProducts/main.swift).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL $1"
    failures=$((failures + 1))
}

# package NAME DEPENDENCY TARGET-DEPENDENCIES MAIN: a user package in $work/NAME.
package() {
    mkdir -p "$work/$1/Sources/App"
    cat >"$work/$1/Package.swift" <<SWIFT
// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "$1",
    dependencies: [$2],
    targets: [.executableTarget(name: "App", dependencies: [$3])]
)
SWIFT
    cp "$4" "$work/$1/Sources/App/main.swift"
}

# 1. ZeroMQ alone.
cat >"$work/core-main.swift" <<'SWIFT'
import ZeroMQ

let context = try Context()
let pull = try PullSocket(context)
let endpoint = try pull.bind("tcp://127.0.0.1:*")
let push = try PushSocket(context)
try push.connect(endpoint)
try push.send("core only")
print(try pull.receive(timeout: .seconds(5))?.string ?? "nothing")
SWIFT
package core ".package(path: \"$root\")" '.product(name: "ZeroMQ", package: "'"$(basename "$root")"'")' "$work/core-main.swift"
(cd "$work/core" && swift package resolve >"$work/core.log" 2>&1) || { cat "$work/core.log"; fail "core: resolve"; }
if [ -e "$work/core/Package.resolved" ] && grep -q '"identity"' "$work/core/Package.resolved"; then
    fail "core: a user of ZeroMQ alone has pins: $(grep '"identity"' "$work/core/Package.resolved" | tr -d ' \n')"
elif [ -n "$(ls -A "$work/core/.build/checkouts" 2>/dev/null)" ]; then
    fail "core: a user of ZeroMQ alone fetched $(ls "$work/core/.build/checkouts" | tr '\n' ' ')"
else
    echo "ok   core: resolving a package that uses ZeroMQ alone fetches nothing"
fi
if out=$(cd "$work/core" && swift run ${SWIFT_FLAGS:-} App 2>"$work/core.log") && [ "$out" = "core only" ]; then
    echo "ok   core: builds and runs"
else
    grep -v "prohibited flag" "$work/core.log" | tail -20
    fail "core: build or run (printed: ${out:-nothing})"
fi

# 2. ZeroMQServices without the trait.
cat >"$work/forgot-main.swift" <<'SWIFT'
import ZeroMQ
import ZeroMQServices

let context = try Context()
let proxy = try Proxy.start(frontend: RouterSocket(context), backend: DealerSocket(context))
let service = ProxyService(proxy)
SWIFT
package forgot ".package(path: \"$root\")" '.product(name: "ZeroMQServices", package: "'"$(basename "$root")"'")' \
    "$work/forgot-main.swift"
if (cd "$work/forgot" && swift build >"$work/forgot.log" 2>&1); then
    fail "forgot-trait: the build succeeded"
elif grep -q "ZeroMQServices needs the package trait 'Services'" "$work/forgot.log"; then
    echo "ok   forgot-trait: $(grep -m1 -o "error: .*needs the package trait 'Services'" "$work/forgot.log")"
else
    grep -v "prohibited flag" "$work/forgot.log" | tail -20
    fail "forgot-trait: the error does not name the trait"
fi

# 3. ZeroMQServices with the trait, and the user's own dependency on ServiceLifecycle.
package services \
    ".package(path: \"$root\", traits: [\"Services\"]), .package(url: \"https://github.com/swift-server/swift-service-lifecycle.git\", from: \"2.13.0\"), .package(url: \"https://github.com/apple/swift-log.git\", from: \"1.16.0\")" \
    '.product(name: "ZeroMQ", package: "'"$(basename "$root")"'"), .product(name: "ZeroMQServices", package: "'"$(basename "$root")"'"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log")' \
    "$root/Tests/OptionalProducts/main.swift"
if (cd "$work/services" && swift build ${SWIFT_FLAGS:-} >"$work/services.log" 2>&1); then
    bin=$(cd "$work/services" && swift build ${SWIFT_FLAGS:-} --show-bin-path)
    if out=$(timeout 60 "$bin/App" 2>"$work/services.err"); then
        echo "ok   services: $out"
    else
        tail -20 "$work/services.err"
        fail "services: the program failed (printed: ${out:-nothing})"
    fi
else
    grep -v "prohibited flag" "$work/services.log" | tail -30
    fail "services: build"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
