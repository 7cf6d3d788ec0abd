#!/usr/bin/env bash
# `make soak`: ten million messages through each pattern and through the async API,
# each in its own process, sampling resident memory (VmRSS) every million; a pattern
# fails when memory grows by more than SOAK_BOUND_KIB between the first sample after
# the warm-up (the first million) and the last, or when a message is lost, duplicated
# or out of order (Docs/Reliability.md, "Leaks, soak and load").
#
#   SOAK_COUNT (10000000)  messages a pattern, counted where they are received
#   SOAK_SAMPLE (1000000)  messages between samples; the first SAMPLE are the warm-up
#   SOAK_BOUND_KIB (2048)  the growth allowed: 2 MiB over 9 million messages is less
#                          than a quarter of a byte a message, where any leak of a
#                          Swift object or a libzmq message would be 16 bytes or more
set -euo pipefail
cd "$(dirname "$0")/../Tests/UserPrograms"

count=${SOAK_COUNT:-10000000}
sample=${SOAK_SAMPLE:-1000000}
bound=${SOAK_BOUND_KIB:-2048}

log=$(mktemp)
if ! swift build -c release ${SWIFT_FLAGS:-} --product soak >"$log" 2>&1; then
    grep -v "prohibited flag" "$log"
    exit 1
fi
rm -f "$log"
bin=$(swift build -c release --show-bin-path)
echo "soak: $count messages a pattern, VmRSS every $sample, bound $bound KiB; $(nproc) cores, $(uname -srm)"

failures=0
started=$SECONDS
for pattern in push-pull req-rep pub-sub router-dealer async-push-pull async-router-dealer; do
    # A pattern stops by itself; the bound is for a hang (the slowest took about a minute).
    if ! timeout 300 "$bin/soak" "$pattern" "$count" "$sample" "$bound"; then
        failures=$((failures + 1))
    fi
done
rm -f /tmp/zmq-soak-*
if [ "$failures" -ne 0 ]; then
    echo "soak: $failures of 6 failed ($((SECONDS - started)) s)"
    exit 1
fi
echo "soak: all 6 passed ($((SECONDS - started)) s)"
