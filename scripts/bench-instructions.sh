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
# the median total is used.
#
# The runs use glibc's malloc without fastbins (GLIBC_TUNABLES=glibc.malloc.mxfast=0,
# for zmq-bench only). Each 64-byte message is a malloc in the sending thread and a
# free in the receiving one, and with fastbins the allocator's work per message
# (malloc_consolidate, _int_malloc) depends on how callgrind happens to interleave
# the two threads: totals of identical runs varied by +-1.4 % (+-18 instructions per
# message). Without fastbins they vary by +-0.2 %. Both implementations run with the
# same allocator settings; the allocator costs some 25 instructions per message more.
#
# Knobs (environment): BENCH_CG_N1=20000, BENCH_CG_N2=220000, BENCH_CG_RUNS=5,
# BENCH_CG_SIZE=64, BENCH_CG_ONLY= (a regular expression over the row names:
# "thr c", "thr swift", "thr swift dynamic", "poll c", "poll swift"),
# BENCH_CG_TUNABLES=glibc.malloc.mxfast=0 (GLIBC_TUNABLES for the measured runs;
# empty: glibc's defaults), BENCH_CG_LIMIT= (when set, exit with status 1, naming the
# row, if a ratio below is above it: see scripts/check-instructions.sh), SWIFT=swift.
# The callgrind files are kept in .build-bench/callgrind/ for callgrind_annotate.
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=.build-bench
N1=${BENCH_CG_N1:-20000}
N2=${BENCH_CG_N2:-220000}
RUNS=${BENCH_CG_RUNS:-5}
SIZE=${BENCH_CG_SIZE:-64}
ONLY=${BENCH_CG_ONLY:-}
TUNABLES=${BENCH_CG_TUNABLES-glibc.malloc.mxfast=0}
LIMIT=${BENCH_CG_LIMIT:-}
OUT="$SCRATCH/callgrind"
CLIENT_ENV=()
[ -n "$TUNABLES" ] && CLIENT_ENV=(GLIBC_TUNABLES="$TUNABLES")

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
    env "${CLIENT_ENV[@]}" valgrind --tool=callgrind --callgrind-out-file="$file" \
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

echo "instructions per message, inproc $SIZE bytes (callgrind, ($N2 - $N1) messages, median of $RUNS runs${TUNABLES:+, $TUNABLES}):"
for row in "${ROWS[@]}"; do
    name=${row%%|*}
    [ -n "${per_message[$name]:-}" ] && printf '  %-18s %8s\n' "$name" "${per_message[$name]}"
done

# The ratios, each against its goal and, with BENCH_CG_LIMIT, the limit.
failed=()
ratio() { # numerator denominator goal
    [ -n "${per_message[$1]:-}" ] && [ -n "${per_message[$2]:-}" ] || return 0
    local value verdict
    value=$(awk -v s="${per_message[$1]}" -v c="${per_message[$2]}" 'BEGIN { printf "%.3f", s / c }')
    above() { awk -v r="$value" -v max="$1" 'BEGIN { exit !(r > max) }'; }
    verdict="goal <= $3: $(above "$3" && echo MISS || echo ok)"
    if [ -n "$LIMIT" ]; then
        if above "$LIMIT"; then
            verdict="$verdict; limit $LIMIT: ABOVE"
            failed+=("$1 / $2: ${per_message[$1]} / ${per_message[$2]} instructions per message = $value, above the limit $LIMIT")
        else
            verdict="$verdict; limit $LIMIT: ok"
        fi
    fi
    printf '  %-30s %s  (%s)\n' "$1 / $2" "$value" "$verdict"
}
ratio "thr swift" "thr c" 1.05
ratio "poll swift" "poll c" 1.05
ratio "thr swift dynamic" "thr swift" 1.01
echo "(callgrind files: $OUT; callgrind_annotate --auto=no $OUT/callgrind.out.poll-swift.$N2.1)"
if [ ${#failed[@]} -gt 0 ]; then
    for failure in "${failed[@]}"; do echo "bench-instructions: FAILED: $failure" >&2; done
    exit 1
fi
