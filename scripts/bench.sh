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

python3 - "$RAW" "$REPEATS" "$elapsed" "$PIN_LAT" "${PIN_THR:-}" "$LOAD_BEFORE" "$LOAD_AFTER" >"$TABLE" <<'PY'
import datetime, json, os, platform, statistics, sys

raw, repeats, elapsed, pin_lat, pin_thr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
load_before, load_after = sys.argv[6], sys.argv[7]
runs = [json.loads(line) for line in open(raw) if line.strip()]
# values[case][run][repeat] = metric; runs keep the order they first appeared in.
order, variants, values, failures, idle = [], {}, {}, 0, []
for r in runs:
    if r.get("test") == "idle":
        if r.get("failed"):
            failures += 1
        else:
            idle.append(r)
        continue
    name = r.get("case") or f"{r['test']} {r['transport']} {r['size']}" + (
        "" if r["mode"] in ("copy", "sync") else f" {r['mode']}")
    run = r.get("run") or r["impl"]
    if name not in order:
        order.append(name)
    if run not in variants.setdefault(name, {}):
        variants[name][run] = r
    if r.get("failed"):
        failures += 1
        continue
    metric = r["us"] if r["test"] == "lat" else r["msgs_per_s"]
    values.setdefault(name, {}).setdefault(run, {})[r.get("repeat", 0)] = metric

def rate(v):
    return f"{v/1e6:.2f} M/s" if v >= 1e6 else f"{v/1e3:.1f} k/s"

def spread(xs):
    m = statistics.median(xs)
    return f"±{(max(xs) - min(xs)) / 2 / m * 100:.0f}%" if len(xs) > 1 and m else ""

def comparisons(name):
    """(row label, base run, base label, measured run, goal) for each row of a case: every
    Swift run against the C run; an async Swift run also against the synchronous Swift
    run of the same case (thr async: the goal is against it, not against C)."""
    runs = variants.get(name, {})
    c = next((run for run, r in runs.items() if r["impl"] == "c"), None)
    sync = next((run for run, r in runs.items() if r["impl"] == "swift" and r["mode"] != "async"), None)
    rows = []
    for run, r in runs.items():
        if r["impl"] != "swift" or (run == sync and any(x["mode"] == "async" for x in runs.values())):
            continue
        test, is_async = r["test"], r["mode"] == "async"
        label = name + (", sync peer" if r.get("peer") == "sync" or run.endswith(":sync") else "")
        if c is not None:
            if test == "lat":
                goal = ("≤", 1.20) if is_async else ("≤", 1.05)
            else:
                goal = None if is_async else ("≥", 0.95)
            rows.append((label, c, "C", run, goal))
        if is_async and sync is not None:
            rows.append((label, sync, "sync Swift", run, ("≥", 0.90) if test != "lat" else None))
    return rows

now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
print(f"zmq-bench, {now}, {os.cpu_count()} CPUs, {platform.machine()}, {repeats} repeats; "
      f"lat {'pinned (taskset -c 0)' if pin_lat == '1' else 'unpinned'}, "
      f"thr {'pinned (taskset -c ' + pin_thr + ')' if pin_thr else 'unpinned'}")
header = (f"{'case':<30} {'vs':<10} {'base med.':>10} {'Swift med.':>10} {'ratio':>7} {'goal':>7} {'':>4}"
          f" {'pairs min..max':>14} {'b spread':>8} {'S spread':>8}")
print(header)
print("-" * len(header))
medians = {}
for name in order:
    rows = comparisons(name)
    if not rows:
        print(f"{name:<30} {'(no data)':>10}")
    for label, base, base_label, run, goal in rows:
        b, s = values.get(name, {}).get(base, {}), values.get(name, {}).get(run, {})
        if not b or not s:
            print(f"{label:<30} {base_label:<10} {'(no data)':>10}")
            continue
        mb, ms = statistics.median(b.values()), statistics.median(s.values())
        medians[(name, run)] = ms
        medians[(name, base)] = mb
        # The ratio: the median of the ratios of the runs made back to back (same
        # repeat), which the machine's slow drift affects far less than a ratio of medians.
        pairs = sorted(s[r] / b[r] for r in b if r in s)
        if not pairs:
            print(f"{label:<30} {base_label:<10} {'(no pairs)':>10}")
            continue
        ratio = statistics.median(pairs)
        lat = variants[name][run]["test"] == "lat"
        bs, ss = (f"{mb:.2f} us", f"{ms:.2f} us") if lat else (rate(mb), rate(ms))
        if goal:
            ok = ratio >= goal[1] if goal[0] == "≥" else ratio <= goal[1]
            goal_text, ok_text = f"{goal[0]} {goal[1]:.2f}", "ok" if ok else "MISS"
        else:
            goal_text, ok_text = "-", ""
        print(f"{label:<30} {base_label:<10} {bs:>10} {ss:>10} {ratio:>7.3f} {goal_text:>7} {ok_text:>4}"
              f" {pairs[0]:>6.2f}..{pairs[-1]:<6.2f} {spread(list(b.values())):>8} {spread(list(s.values())):>8}")

def paired(a, b, impl):
    xa, xb = values.get(a, {}).get(impl, {}), values.get(b, {}).get(impl, {})
    common = [r for r in xa if r in xb]
    return statistics.median(xa[r] / xb[r] for r in common) if common else float("nan")

zc, cp = "thr tcp 1048576 zerocopy", "thr tcp 1048576"
if zc in values and cp in values:
    print()
    print(f"tcp 1 MiB, zero-copy over copy (same repeat): Swift {paired(zc, cp, 'swift'):.3f}, "
          f"C {paired(zc, cp, 'c'):.3f}  (goal: Swift > 1)")
for r in idle:
    print()
    print(f"idle: {r['sockets']} sockets over {r['transport']}, a task parked in receive on each, for "
          f"{r['seconds']} s: {r['cpu_ms']:.1f} ms of CPU (all threads), {r['threads_before']} threads before "
          f"the tasks, {r['threads_during']} while they wait; {r['received']} of {r['sockets']} then received")
print()
print("thr: messages/s, the receiver timing from its first message to its last (higher is better);")
print("poll: thr through a poll of 16 PULL sockets, one fed and 15 idle (Swift: Poller, C: zmq_poll);")
print("lat: half a REQ/REP round trip (lower is better). async: Swift awaiting on Reactor.shared (thr: the")
print("receiver, the sender synchronous; lat: the requester, and the replier unless 'sync peer').")
print("ratio: Swift over the 'vs' run, median over repeats of the ratio of the runs made back to back.")
print("Spread: (max - min) / 2 / median of one side's runs (b: the 'vs' run).")
print(f"{len(runs) - failures} runs, {failures} failed, {elapsed // 60} min {elapsed % 60} s; "
      f"load average before {load_before}, after {load_after}. Raw: {raw}")
PY

cat "$TABLE"
echo "(table saved to $TABLE)" >&2
