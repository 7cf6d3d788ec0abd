#!/usr/bin/env bash
# Misuse that must not compile does not compile, with the message the docs quote.
#
# Each file in Tests/Misuse/ is typechecked against the built ZeroMQ module in the
# compiler's own -verify mode: every error a file announces in an `expected-error`
# comment must be produced on that line with that text, and no other error may be, so
# the control code in the same file (the right kinds and types) must compile. A second or
# so: `make test` runs it after `swift test`, whose build it reuses.
#
#   SWIFT=swift SWIFT_FLAGS="-Xswiftc -warnings-as-errors" bash scripts/check-misuse.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
# The same build as `swift test`'s (a no-op right after it), so the module is current.
# shellcheck disable=SC2086
"$SWIFT" build --build-tests ${SWIFT_FLAGS:-} >/dev/null
bin=$("$SWIFT" build --show-bin-path)
modules="$bin/Modules"
[ -d "$modules" ] || modules="$bin"   # SwiftPM before 6.0 puts modules in the bin folder

swiftc=$(dirname "$(command -v "$SWIFT")")/swiftc
[ -x "$swiftc" ] || swiftc=swiftc
# zmq.h's folder, for the CZeroMQ module map, where it is not /usr/include (Homebrew).
cflags=()
for flag in $(pkg-config --cflags-only-I libzmq 2>/dev/null || true); do cflags+=(-Xcc "$flag"); done

failed=0
for file in Tests/Misuse/*.swift; do
    if "$swiftc" -typecheck -Xfrontend -verify -Xfrontend -verify-ignore-unrelated \
        -I "$modules" -I Sources/CZeroMQ ${cflags[@]+"${cflags[@]}"} "$file"; then
        echo "check-misuse: $file: every misuse fails to compile with the expected message"
    else
        echo "check-misuse: $file: the compiler's errors differ from the ones the file expects (above)" >&2
        failed=1
    fi
done
exit $failed
