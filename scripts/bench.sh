#!/usr/bin/env bash
# make bench: Swift against raw C, side by side.
#
# Builds zmq-bench in release (its own scratch path, .build-bench), then runs every
# case of the suite for both implementations, alternating C and Swift (the order
# flips every repeat: C,S then S,C), several repeats, and prints the medians and the
# Swift/C ratio of each case. Repeats go round the whole suite, so a noisy minute on
# the machine touches one repeat of many cases instead of every repeat of one case.
# The raw JSON lines are kept in .build-bench/bench-<time>.jsonl, the table (written by
# scripts/bench_table.py) in .build-bench/bench-<time>.txt; `make bench-chart` draws
# the latest into Docs/bench-chart.svg.
#
# The async cases run three variants each, in the same alternation (the order
# reverses every repeat): "thr tcp 64 async" the async Swift receiver, the
# synchronous Swift one (mode copy) and C, and reports async Swift against both;
# "lat inproc 1 async" the async Swift requester with an async replier and with a
# synchronous one (--peer sync), each against C. After the repeats, `zmq-bench idle`
# runs once (1000 sockets, a task parked on each, 5 s) for its CPU time and threads.
#
# Knobs (environment):
#   BENCH_REPEATS=7     runs per case and implementation
#   BENCH_SCALE=1       multiplies every message count (0.2 for a quick look)
#   BENCH_PIN_LAT=1     runs the latency cases under `taskset -c 0` (both sides of both
#                       implementations on one CPU: no cross-CPU wake-up); 0 to unpin
#   BENCH_PIN_THR=      a CPU list for `taskset -c` of the throughput cases (unpinned
#                       by default)
#   BENCH_ONLY=         a regular expression: only the cases whose name matches
#                       ("idle" is the name of the idle run)
#   BENCH_IDLE_SECONDS=5  the idle run's measured window
#   BENCH_SCRATCH=.build-bench  the scratch path of the release build (and of the results)
#   SWIFT=swift         the swift driver
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${BENCH_SCRATCH:-.build-bench}
REPEATS=${BENCH_REPEATS:-7}
SCALE=${BENCH_SCALE:-1}
PIN_LAT=${BENCH_PIN_LAT:-1}
PIN_THR=${BENCH_PIN_THR:-}
ONLY=${BENCH_ONLY:-}
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-5}

command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is needed for the table" >&2; exit 1; }

echo "==> building zmq-bench (release, $SCRATCH)" >&2
"$SWIFT" build -c release --scratch-path "$SCRATCH" --product zmq-bench 2>&1 \
    | grep -v -e 'prohibited flag' >&2 || true
BIN="$SCRATCH/release/zmq-bench"
[ -x "$BIN" ] || { echo "bench: build failed" >&2; exit 1; }

# name | test | transport | size | count | mode [| runs]
# runs: the variants to compare, each impl[:mode[:peer]] (mode defaults to the case's,
# peer to zmq-bench's), "c swift" when absent; the first c run is the baseline.
# Counts give about one second of measured time per run on a 2-core VM.
CASES=(
    "thr tcp 1|thr|tcp|1|8000000|copy"
    "thr tcp 64|thr|tcp|64|5000000|copy"
    "thr tcp 1024|thr|tcp|1024|1200000|copy"
    "thr tcp 65536|thr|tcp|65536|40000|copy"
    "thr tcp 1048576|thr|tcp|1048576|3000|copy"
    "thr ipc 64|thr|ipc|64|5000000|copy"
    "thr inproc 64|thr|inproc|64|8000000|copy"
    "thr inproc 1048576|thr|inproc|1048576|30000|copy"
    "thr tcp 1048576 zerocopy|thr|tcp|1048576|5000|zerocopy"
    "poll tcp 64|poll|tcp|64|5000000|copy"
    "poll ipc 64|poll|ipc|64|5000000|copy"
    "poll inproc 64|poll|inproc|64|8000000|copy"
    "lat tcp 1|lat|tcp|1|20000|sync"
    "lat tcp 1024|lat|tcp|1024|20000|sync"
    "lat ipc 1|lat|ipc|1|20000|sync"
    "lat inproc 1|lat|inproc|1|100000|sync"
    "thr tcp 64 async|thr|tcp|64|5000000|async|c swift:copy swift"
    "lat inproc 1 async|lat|inproc|1|100000|async|c swift swift:async:sync"
)

stamp=$(date +%Y%m%d-%H%M%S)
RAW="$SCRATCH/bench-$stamp.jsonl"
TABLE="$SCRATCH/bench-$stamp.txt"
: >"$RAW"
started=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

run_one() { # name run test transport size count mode peer repeat
    local name=$1 run=$2 impl=${2%%:*} test=$3 transport=$4 size=$5 count=$6 mode=$7 peer=$8 repeat=$9
    local pin=() extra=() line
    if [ "$test" = lat ] && [ "$PIN_LAT" = 1 ]; then pin=(taskset -c 0); fi
    if [ "$test" != lat ] && [ -n "$PIN_THR" ]; then pin=(taskset -c "$PIN_THR"); fi
    if [ -n "$peer" ]; then extra=(--peer "$peer"); fi
    # zmq-bench ends by itself (timeouts, deadline); `timeout` is the last resort.
    if line=$(timeout -k 5 120 "${pin[@]}" "$BIN" "$test" --impl "$impl" --transport "$transport" \
        --size "$size" --count "$count" --mode "$mode" "${extra[@]}" --deadline 100); then
        echo "${line%\}},\"case\":\"$name\",\"run\":\"$run\",\"repeat\":$repeat}" >>"$RAW"
        printf '  %-16s %s\n' "$run" "$line" >&2
    else
        echo "{\"impl\":\"$impl\",\"test\":\"$test\",\"transport\":\"$transport\",\"size\":$size,\"count\":$count,\"mode\":\"$mode\",\"case\":\"$name\",\"run\":\"$run\",\"repeat\":$repeat,\"failed\":true}" >>"$RAW"
        echo "  $run $test $transport $size $mode: FAILED" >&2
    fi
}

for ((repeat = 1; repeat <= REPEATS; repeat++)); do
    echo "==> repeat $repeat of $REPEATS" >&2
    for entry in "${CASES[@]}"; do
        IFS='|' read -r name test transport size count mode runs <<<"$entry"
        if [ -n "$ONLY" ] && ! [[ "$name" =~ $ONLY ]]; then continue; fi
        count=$(python3 -c "print(max(1, int($count * $SCALE)))")
        read -r -a order <<<"${runs:-c swift}"
        if ! ((repeat % 2)); then
            for ((i = 0, j = ${#order[@]} - 1; i < j; i++, j--)); do
                swap=${order[i]} order[i]=${order[j]} order[j]=$swap
            done
        fi
        for run in "${order[@]}"; do
            IFS=':' read -r _ run_mode run_peer <<<"$run"
            run_one "$name" "$run" "$test" "$transport" "$size" "$count" "${run_mode:-$mode}" "$run_peer" "$repeat"
        done
    done
done

# The idle figure: once, it is not a ratio.
if [ -z "$ONLY" ] || [[ idle =~ $ONLY ]]; then
    echo "==> idle: 1000 sockets, a task parked on each, ${IDLE_SECONDS} s" >&2
    if line=$(timeout -k 5 $((IDLE_SECONDS + 100)) "$BIN" idle --sockets 1000 --seconds "$IDLE_SECONDS" \
        --deadline $((IDLE_SECONDS + 90))); then
        echo "${line%\}},\"case\":\"idle\",\"run\":\"swift\",\"repeat\":1}" >>"$RAW"
        echo "  $line" >&2
    else
        echo "{\"impl\":\"swift\",\"test\":\"idle\",\"case\":\"idle\",\"run\":\"swift\",\"repeat\":1,\"failed\":true}" >>"$RAW"
        echo "  idle: FAILED" >&2
    fi
fi

elapsed=$(($(date +%s) - started))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

python3 scripts/bench_table.py "$RAW" "$REPEATS" "$elapsed" "$PIN_LAT" "${PIN_THR:-}" "$LOAD_BEFORE" "$LOAD_AFTER" >"$TABLE"

cat "$TABLE"
echo "(table saved to $TABLE)" >&2
