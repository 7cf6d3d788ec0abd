#!/usr/bin/env bash
# make bench: Swift against raw C, side by side.
#
# Builds zmq-bench in release (its own scratch path, .build-bench), then runs every
# case of the suite for both implementations, alternating C and Swift (the order
# flips every repeat: C,S then S,C), several repeats, and prints the medians and the
# Swift/C ratio of each case. Repeats go round the whole suite, so a noisy minute on
# the machine touches one repeat of many cases instead of every repeat of one case.
# The raw JSON lines are kept in .build-bench/bench-<time>.jsonl.
#
# Knobs (environment):
#   BENCH_REPEATS=7     runs per case and implementation
#   BENCH_SCALE=1       multiplies every message count (0.2 for a quick look)
#   BENCH_PIN_LAT=1     runs the latency cases under `taskset -c 0` (both sides of both
#                       implementations on one CPU: no cross-CPU wake-up); 0 to unpin
#   BENCH_PIN_THR=      a CPU list for `taskset -c` of the throughput cases (unpinned
#                       by default)
#   BENCH_ONLY=         a regular expression: only the cases whose name matches
#   SWIFT=swift         the swift driver
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=.build-bench
REPEATS=${BENCH_REPEATS:-7}
SCALE=${BENCH_SCALE:-1}
PIN_LAT=${BENCH_PIN_LAT:-1}
PIN_THR=${BENCH_PIN_THR:-}
ONLY=${BENCH_ONLY:-}

command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is needed for the table" >&2; exit 1; }

echo "==> building zmq-bench (release, $SCRATCH)" >&2
"$SWIFT" build -c release --scratch-path "$SCRATCH" --product zmq-bench 2>&1 \
    | grep -v -e 'prohibited flag' >&2 || true
BIN="$SCRATCH/release/zmq-bench"
[ -x "$BIN" ] || { echo "bench: build failed" >&2; exit 1; }

# name | test | transport | size | count | mode
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
)

stamp=$(date +%Y%m%d-%H%M%S)
RAW="$SCRATCH/bench-$stamp.jsonl"
TABLE="$SCRATCH/bench-$stamp.txt"
: >"$RAW"
started=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

run_one() { # impl test transport size count mode repeat
    local impl=$1 test=$2 transport=$3 size=$4 count=$5 mode=$6 repeat=$7 pin=() line
    if [ "$test" = lat ] && [ "$PIN_LAT" = 1 ]; then pin=(taskset -c 0); fi
    if [ "$test" != lat ] && [ -n "$PIN_THR" ]; then pin=(taskset -c "$PIN_THR"); fi
    # zmq-bench ends by itself (timeouts, deadline); `timeout` is the last resort.
    if line=$(timeout -k 5 120 "${pin[@]}" "$BIN" "$test" --impl "$impl" --transport "$transport" \
        --size "$size" --count "$count" --mode "$mode" --deadline 100); then
        echo "${line%\}},\"repeat\":$repeat}" >>"$RAW"
        printf '  %-6s %s\n' "$impl" "$line" >&2
    else
        echo "{\"impl\":\"$impl\",\"test\":\"$test\",\"transport\":\"$transport\",\"size\":$size,\"count\":$count,\"mode\":\"$mode\",\"repeat\":$repeat,\"failed\":true}" >>"$RAW"
        echo "  $impl $test $transport $size $mode: FAILED" >&2
    fi
}

for ((repeat = 1; repeat <= REPEATS; repeat++)); do
    echo "==> repeat $repeat of $REPEATS" >&2
    for entry in "${CASES[@]}"; do
        IFS='|' read -r name test transport size count mode <<<"$entry"
        if [ -n "$ONLY" ] && ! [[ "$name" =~ $ONLY ]]; then continue; fi
        count=$(python3 -c "print(max(1, int($count * $SCALE)))")
        if ((repeat % 2)); then order=(c swift); else order=(swift c); fi
        for impl in "${order[@]}"; do
            run_one "$impl" "$test" "$transport" "$size" "$count" "$mode" "$repeat"
        done
    done
done

elapsed=$(($(date +%s) - started))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

python3 - "$RAW" "$REPEATS" "$elapsed" "$PIN_LAT" "${PIN_THR:-}" "$LOAD_BEFORE" "$LOAD_AFTER" >"$TABLE" <<'PY'
import datetime, json, os, platform, statistics, sys

raw, repeats, elapsed, pin_lat, pin_thr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
load_before, load_after = sys.argv[6], sys.argv[7]
runs = [json.loads(line) for line in open(raw) if line.strip()]
order, values, failures = [], {}, 0
for r in runs:
    key = (r["test"], r["transport"], r["size"], r["mode"])
    if key not in order:
        order.append(key)
    if r.get("failed"):
        failures += 1
        continue
    metric = r["us"] if r["test"] == "lat" else r["msgs_per_s"]
    values.setdefault(key, {}).setdefault(r["impl"], {})[r.get("repeat", len(values[key].get(r["impl"], {})))] = metric

def rate(v):
    return f"{v/1e6:.2f} M/s" if v >= 1e6 else f"{v/1e3:.1f} k/s"

def spread(xs):
    m = statistics.median(xs)
    return f"±{(max(xs) - min(xs)) / 2 / m * 100:.0f}%" if len(xs) > 1 and m else ""

now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
print(f"zmq-bench, {now}, {os.cpu_count()} CPUs, {platform.machine()}, {repeats} repeats; "
      f"lat {'pinned (taskset -c 0)' if pin_lat == '1' else 'unpinned'}, "
      f"thr {'pinned (taskset -c ' + pin_thr + ')' if pin_thr else 'unpinned'}")
header = (f"{'case':<27} {'C median':>10} {'Swift med.':>10} {'Swift/C':>8} {'goal':>7} {'':>4}"
          f" {'pairs min..max':>14} {'C spread':>8} {'S spread':>8}")
print(header)
print("-" * len(header))
medians = {}
for key in order:
    test, transport, size, mode = key
    name = f"{test} {transport} {size}" + ("" if mode in ("copy", "sync") else f" {mode}")
    c, s = values.get(key, {}).get("c", {}), values.get(key, {}).get("swift", {})
    if not c or not s:
        print(f"{name:<27} {'(no data)':>10}")
        continue
    mc, ms = statistics.median(c.values()), statistics.median(s.values())
    medians[key] = (mc, ms)
    # Swift/C: the median of the ratios of the pairs run back to back (same repeat),
    # which the machine's slow drift affects far less than a ratio of medians.
    pairs = sorted(s[r] / c[r] for r in c if r in s)
    ratio = statistics.median(pairs)
    if test != "lat":
        goal, ok, cs, ss = "≥ 0.95", ratio >= 0.95, rate(mc), rate(ms)
    else:
        goal, ok, cs, ss = "≤ 1.05", ratio <= 1.05, f"{mc:.2f} us", f"{ms:.2f} us"
    print(f"{name:<27} {cs:>10} {ss:>10} {ratio:>8.3f} {goal:>7} {'ok' if ok else 'MISS':>4}"
          f" {pairs[0]:>6.2f}..{pairs[-1]:<6.2f} {spread(list(c.values())):>8} {spread(list(s.values())):>8}")

def paired(a, b, impl):
    xa, xb = values.get(a, {}).get(impl, {}), values.get(b, {}).get(impl, {})
    common = [r for r in xa if r in xb]
    return statistics.median(xa[r] / xb[r] for r in common) if common else float("nan")

zc, cp = ("thr", "tcp", 1048576, "zerocopy"), ("thr", "tcp", 1048576, "copy")
if zc in medians and cp in medians:
    print()
    print(f"tcp 1 MiB, zero-copy over copy (same repeat): Swift {paired(zc, cp, 'swift'):.3f}, "
          f"C {paired(zc, cp, 'c'):.3f}  (goal: Swift > 1)")
print()
print("thr: messages/s, the receiver timing from its first message to its last (higher is better);")
print("poll: thr through a poll of 16 PULL sockets, one fed and 15 idle (Swift: Poller, C: zmq_poll);")
print("lat: half a REQ/REP round trip (lower is better). Swift/C: median over repeats of the ratio of")
print("the two runs made back to back. Spread: (max - min) / 2 / median of one side's runs.")
print(f"{len(runs) - failures} runs, {failures} failed, {elapsed // 60} min {elapsed % 60} s; "
      f"load average before {load_before}, after {load_after}. Raw: {raw}")
PY

cat "$TABLE"
echo "(table saved to $TABLE)" >&2
