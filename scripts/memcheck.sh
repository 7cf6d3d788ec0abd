#!/usr/bin/env bash
# Runs Tests/UserPrograms' `memcheck` program, which makes every call across the C
# boundary, under valgrind's memcheck. AddressSanitizer cannot see inside libzmq (it
# is not instrumented); valgrind sees libzmq touch freed memory, or free twice, because
# of a Swift bug. Any error reported fails the script.
set -euo pipefail
cd "$(dirname "$0")/../Tests/UserPrograms"
log=$(mktemp)
if ! swift build ${SWIFT_FLAGS:-} --product memcheck >"$log" 2>&1; then
    grep -v "prohibited flag" "$log"
    exit 1
fi
tail -n 1 "$log" && rm -f "$log"
bin=$(swift build ${SWIFT_FLAGS:-} --show-bin-path)
timeout 600 valgrind --quiet --error-exitcode=99 --track-origins=yes "$bin/memcheck"
