#!/usr/bin/env bash
# make bench-instructions: instructions per message, Swift and C, counted with callgrind.
#
# Runs `zmq-bench thr --transport inproc --size 64` under valgrind --tool=callgrind at
# two message counts, N1 and N2, for each implementation, and reports
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
# BENCH_CG_SIZE=64, SWIFT=swift. The callgrind files are kept in
# .build-bench/callgrind/ for callgrind_annotate.
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=.build-bench
N1=${BENCH_CG_N1:-20000}
N2=${BENCH_CG_N2:-220000}
RUNS=${BENCH_CG_RUNS:-5}
SIZE=${BENCH_CG_SIZE:-64}
OUT="$SCRATCH/callgrind"

command -v valgrind >/dev/null 2>&1 || { echo "bench-instructions: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }

echo "==> building zmq-bench (release, $SCRATCH)" >&2
"$SWIFT" build -c release --scratch-path "$SCRATCH" --product zmq-bench 2>&1 \
    | grep -v -e 'prohibited flag' >&2 || true
BIN="$SCRATCH/release/zmq-bench"
[ -x "$BIN" ] || { echo "bench-instructions: build failed" >&2; exit 1; }
mkdir -p "$OUT"

# Prints the instructions executed by one run (the callgrind "totals:" line).
count_instructions() { # impl count run
    local file="$OUT/callgrind.out.$1.$2.$3"
    valgrind --tool=callgrind --callgrind-out-file="$file" \
        "$BIN" thr --impl "$1" --transport inproc --size "$SIZE" --count "$2" --deadline 300 \
        >/dev/null 2>"$file.log" || { echo "bench-instructions: run failed, see $file.log" >&2; exit 1; }
    awk '/^totals:/ { print $2; found = 1 } END { if (!found) exit 1 }' "$file" \
        || awk '/^summary:/ { print $2 }' "$file"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A per_message
for impl in c swift; do
    declare -A total=()
    for n in "$N1" "$N2"; do
        values=()
        for ((run = 1; run <= RUNS; run++)); do
            values+=("$(count_instructions "$impl" "$n" "$run")")
        done
        total[$n]=$(printf '%s\n' "${values[@]}" | median)
        echo "  $impl, $n messages: ${values[*]} (median ${total[$n]})" >&2
    done
    per_message[$impl]=$(awk -v a="${total[$N1]}" -v b="${total[$N2]}" -v n1="$N1" -v n2="$N2" \
        'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
done

echo "instructions per message, thr inproc $SIZE bytes (callgrind, ($N2 - $N1) messages, median of $RUNS runs):"
printf '  C      %8s\n' "${per_message[c]}"
printf '  Swift  %8s\n' "${per_message[swift]}"
awk -v s="${per_message[swift]}" -v c="${per_message[c]}" \
    'BEGIN { r = s / c; printf "  Swift/C  %.3f  (goal <= 1.10: %s)\n", r, (r <= 1.10 ? "ok" : "MISS") }'
echo "(callgrind files: $OUT; callgrind_annotate --auto=no $OUT/callgrind.out.swift.$N2.1)"
