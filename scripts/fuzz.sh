#!/usr/bin/env bash
# `make fuzz`: builds Tests/UserPrograms' fuzz-target and runs scripts/fuzz.py against
# it: random and mutated ZMTP greetings, NULL/PLAIN/CURVE handshakes and frames on every
# kind of bound tcp socket, with legitimate clients throughout, then the measured facts
# (ZMTP 1.0 peers, REP's lost reply, memory of a huge frame header on a CURVE server).
#
#   FUZZ_INPUTS=N   inputs of the first campaign (default 100000; the second has N/2)
#   FUZZ_SEED=S     the seed, to replay a run's inputs (printed at the start)
#
# Loopback only; bounded by FUZZ_TIMEOUT seconds (default 600, a run takes about two
# minutes on two cores); the target ends when the fuzzer does (its stdin closes).
set -euo pipefail
cd "$(dirname "$0")/.."

python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! (cd Tests/UserPrograms && swift build ${SWIFT_FLAGS:-} --product fuzz-target) >"$log" 2>&1; then
    grep -v "prohibited flag" "$log"
    exit 1
fi
bin=$(cd Tests/UserPrograms && swift build ${SWIFT_FLAGS:-} --show-bin-path)
exec timeout --kill-after=10 "${FUZZ_TIMEOUT:-600}" "$python" -u scripts/fuzz.py "$bin" "$@"
