#!/usr/bin/env bash
# make check-instructions: the CI gate on instructions per message.
#
# Runs scripts/bench-instructions.sh (callgrind, inproc 64-byte messages, the difference
# of two message counts) with counts small enough for CI, and fails (exit status 1,
# naming the row and its ratio) when any of
#
#     thr swift / thr c                  Swift against C, PUSH to PULL
#     thr swift dynamic / thr swift      DynamicSocket against typed sockets
#     poll swift / poll c                Poller against zmq_poll, 16 PULL sockets
#
# is above CHECK_INSTRUCTIONS_LIMIT (1.05). About 45 seconds on 2 cores, plus the
# release build of zmq-bench in .build-bench.
#
# The defaults, 10000 and 60000 messages and the median of 3 runs, were chosen for
# stability: the ratios repeat to within 0.003 from one invocation to the next (see
# Docs/Performance.md). Any BENCH_CG_* knob of bench-instructions.sh overrides them.
set -euo pipefail

cd "$(dirname "$0")/.."
export BENCH_CG_N1=${BENCH_CG_N1:-10000}
export BENCH_CG_N2=${BENCH_CG_N2:-60000}
export BENCH_CG_RUNS=${BENCH_CG_RUNS:-3}
export BENCH_CG_LIMIT=${CHECK_INSTRUCTIONS_LIMIT:-1.05}
unset BENCH_CG_ONLY

if bash scripts/bench-instructions.sh; then
    echo "check-instructions: every ratio is within $BENCH_CG_LIMIT"
else
    status=$?
    echo "check-instructions: FAILED (see the rows above; callgrind files in .build-bench/callgrind/)" >&2
    exit "$status"
fi
