#!/usr/bin/env bash
# make bench-instructions: instructions per message, Swift and C, counted with callgrind.
#
# Runs `zmq-bench thr --transport inproc --size 64` under valgrind --tool=callgrind at
# two message counts, N1 and N2, for each implementation, and the same for
# `zmq-bench poll` (the receiver polls 16 PULL sockets, one fed and 15 idle) and for
# `zmq-bench thr --impl swift --socket dynamic` (the thr loop through DynamicSocket),
# and reports
#
#     instructions per message = (total(N2) - total(N1)) / (N2 - N1)
#
# The difference cancels everything that does not depend on the count: process and
# Swift runtime start-up, the context, sockets, the thread. Both threads (sender and
# receiver) are counted: callgrind runs them one at a time, which changes timing,
# not the instructions each message costs. Each count runs BENCH_CG_RUNS times and
# the median total is used (the totals vary by a few tenths of a percent with how
# the threads interleave).
#
# Knobs (environment): BENCH_CG_N1=20000, BENCH_CG_N2=220000, BENCH_CG_RUNS=5,
# BENCH_CG_SIZE=64, BENCH_CG_ONLY= (a regular expression over the row names:
# "thr c", "thr swift", "thr swift dynamic", "poll c", "poll swift"), SWIFT=swift. The callgrind files are kept in
# .build-bench/callgrind/ for callgrind_annotate.
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=.build-bench
N1=${BENCH_CG_N1:-20000}
N2=${BENCH_CG_N2:-220000}
RUNS=${BENCH_CG_RUNS:-5}
SIZE=${BENCH_CG_SIZE:-64}
ONLY=${BENCH_CG_ONLY:-}
OUT="$SCRATCH/callgrind"

command -v valgrind >/dev/null 2>&1 || { echo "bench-instructions: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }

echo "==> building zmq-bench (release, $SCRATCH)" >&2
"$SWIFT" build -c release --scratch-path "$SCRATCH" --product zmq-bench 2>&1 \
    | grep -v -e 'prohibited flag' >&2 || true
BIN="$SCRATCH/release/zmq-bench"
[ -x "$BIN" ] || { echo "bench-instructions: build failed" >&2; exit 1; }
mkdir -p "$OUT"

# name | zmq-bench arguments
ROWS=(
    "thr c|thr --impl c"
    "thr swift|thr --impl swift"
    "thr swift dynamic|thr --impl swift --socket dynamic"
    "poll c|poll --impl c"
    "poll swift|poll --impl swift"
)

# Prints the instructions executed by one run (the callgrind "totals:" line).
count_instructions() { # file-tag count run arguments...
    local file="$OUT/callgrind.out.$1.$2.$3" count=$2
    shift 3
    valgrind --tool=callgrind --callgrind-out-file="$file" \
        "$BIN" "$@" --transport inproc --size "$SIZE" --count "$count" --deadline 300 \
        >/dev/null 2>"$file.log" || { echo "bench-instructions: run failed, see $file.log" >&2; exit 1; }
    awk '/^totals:/ { print $2; found = 1 } END { if (!found) exit 1 }' "$file" \
        || awk '/^summary:/ { print $2 }' "$file"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A per_message
for row in "${ROWS[@]}"; do
    IFS='|' read -r name arguments <<<"$row"
    if [ -n "$ONLY" ] && ! [[ "$name" =~ $ONLY ]]; then continue; fi
    tag=${name// /-}
    declare -A total=()
    for n in "$N1" "$N2"; do
        values=()
        for ((run = 1; run <= RUNS; run++)); do
            # shellcheck disable=SC2086 # the arguments are words
            values+=("$(count_instructions "$tag" "$n" "$run" $arguments)")
        done
        total[$n]=$(printf '%s\n' "${values[@]}" | median)
        echo "  $name, $n messages: ${values[*]} (median ${total[$n]})" >&2
    done
    per_message[$name]=$(awk -v a="${total[$N1]}" -v b="${total[$N2]}" -v n1="$N1" -v n2="$N2" \
        'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
done

echo "instructions per message, inproc $SIZE bytes (callgrind, ($N2 - $N1) messages, median of $RUNS runs):"
for row in "${ROWS[@]}"; do
    name=${row%%|*}
    [ -n "${per_message[$name]:-}" ] && printf '  %-18s %8s\n' "$name" "${per_message[$name]}"
done
ratio() { # label numerator denominator goal-text goal-max
    [ -n "${per_message[$2]:-}" ] && [ -n "${per_message[$3]:-}" ] || return 0
    awk -v s="${per_message[$2]}" -v c="${per_message[$3]}" -v label="$1" -v goal="$4" -v max="$5" \
        'BEGIN { r = s / c; printf "  %-26s %.3f  (goal %s: %s)\n", label, r, goal, (r <= max ? "ok" : "MISS") }'
}
ratio "thr Swift/C" "thr swift" "thr c" "<= 1.10" 1.10
ratio "poll Swift/C" "poll swift" "poll c" "<= 1.10" 1.10
ratio "thr dynamic/typed Swift" "thr swift dynamic" "thr swift" "<= 1.01, same within noise" 1.01
echo "(callgrind files: $OUT; callgrind_annotate --auto=no $OUT/callgrind.out.poll-swift.$N2.1)"
