#!/usr/bin/env bash
# make bench-syscalls: system calls per round trip, Swift (sync and async) and C.
#
# Runs `zmq-bench lat --transport inproc --size 1` in four variants:
#
#     c                 the C loops (blocking zmq_send / zmq_msg_recv on two threads)
#     swift             the synchronous Swift loops
#     swift async       both peers async, two tasks on the reactor thread
#     swift async/sync  the async requester against the synchronous replier thread
#
# at two round-trip counts, N1 and N2 (the same warm-up), under a system-call counter,
# and reports, per system call name,
#
#     calls per round trip = (calls(N2) - calls(N1)) / (N2 - N1)
#
# which cancels start-up and shutdown (process, runtime, context, sockets, threads).
# Each count runs BENCH_SC_RUNS times and the median per name is used.
#
# Two counters, both by default:
#   strace  `strace -f -c`: what the issue quotes. strace stops every thread at every
#           system call, which makes a round trip some 50 times slower (0.3-0.4 ms).
#           That changes the counts: libzmq's send checks its command mailbox (a
#           getpid and a poll) when more than about 1 ms (3,000,000 TSC ticks) has
#           passed since the last check, which at full speed is once every hundred or
#           so round trips, and under strace several times a round trip.
#   perf    `perf stat -e 'syscalls:sys_enter_*'` (kernel tracepoints): the counts of a
#           run at full speed. Needs perf (Debian: linux-perf) and permission to read
#           tracepoints (root, or kernel.perf_event_paranoid <= -1); skipped otherwise.
#
# All runs are pinned to one CPU (`taskset -c 0`) as `make bench` pins latency runs;
# with both threads on one CPU a woken thread may preempt the one that woke it, so the
# two-thread variants' counts depend a little on scheduling (c: 13.8 at full speed
# rather than the 16 of strict alternation). The async variant with both peers on the
# reactor is one thread and exact.
#
# Knobs (environment): BENCH_SC_TOOLS="strace perf", BENCH_SC_RUNS=3,
# BENCH_SC_STRACE_N1=2000, BENCH_SC_STRACE_N2=8000, BENCH_SC_PERF_N1=20000,
# BENCH_SC_PERF_N2=100000, BENCH_SC_WARMUP=1000, BENCH_SC_PIN=0 (the CPU list for
# taskset; empty: unpinned), BENCH_SC_ONLY= (a regular expression over the variant
# names), BENCH_SC_STACKS= (a number of round trips: also attribute each system call
# of the 'swift async' variant to the libzmq call and the Swift function that made it,
# with `strace -f -k`, about 70 ms a round trip), BENCH_SCRATCH=.build-bench (where
# the release build goes), SWIFT=swift. The raw counter outputs are kept in
# $BENCH_SCRATCH/syscalls/.
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${BENCH_SCRATCH:-.build-bench}
TOOLS=${BENCH_SC_TOOLS:-strace perf}
RUNS=${BENCH_SC_RUNS:-3}
WARMUP=${BENCH_SC_WARMUP:-1000}
PIN=${BENCH_SC_PIN-0}
ONLY=${BENCH_SC_ONLY:-}
STACKS=${BENCH_SC_STACKS:-}
OUT="$SCRATCH/syscalls"

echo "==> building zmq-bench (release, $SCRATCH)" >&2
"$SWIFT" build -c release --scratch-path "$SCRATCH" --product zmq-bench 2>&1 \
    | grep -v -e 'prohibited flag' >&2 || true
BIN="$SCRATCH/release/zmq-bench"
[ -x "$BIN" ] || { echo "bench-syscalls: build failed" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.txt

pin=()
[ -n "$PIN" ] && pin=(taskset -c "$PIN")

# name | zmq-bench arguments
VARIANTS=(
    "c|--impl c"
    "swift|--impl swift"
    "swift async|--impl swift --mode async"
    "swift async/sync|--impl swift --mode async --peer sync"
)

usable=()
for tool in $TOOLS; do
    case "$tool" in
        strace)
            # Installs it with apt-get when it can, or says how.
            bash scripts/ensure-deps.sh strace
            usable+=(strace)
            ;;
        perf)
            if command -v perf >/dev/null 2>&1 \
                && perf stat -x, -e syscalls:sys_enter_getpid -o /dev/null -- true >/dev/null 2>&1; then
                usable+=(perf)
            else
                echo "bench-syscalls: perf cannot count tracepoints here; skipping the full-speed counts" >&2
            fi
            ;;
        *) echo "bench-syscalls: unknown counter '$tool' (strace, perf)" >&2; exit 64 ;;
    esac
done

# Runs one variant under one counter; the counter's output goes to $OUT.
count() { # tool tag round-trips run arguments...
    local tool=$1 tag=$2 n=$3 run=$4 file
    shift 4
    file="$OUT/$tool.$tag.$n.$run.txt"
    local command=("$BIN" lat "$@" --transport inproc --size 1 --count "$n" --warmup "$WARMUP" --deadline 300)
    case "$tool" in
        strace) "${pin[@]}" strace -f -c -U calls,name -o "$file" "${command[@]}" >/dev/null ;;
        perf) "${pin[@]}" perf stat -x, -e 'syscalls:sys_enter_*' -o "$file" -- "${command[@]}" >/dev/null ;;
    esac || { echo "bench-syscalls: $tool run failed: ${command[*]}" >&2; exit 1; }
}

echo "==> load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for tool in "${usable[@]}"; do
    if [ "$tool" = strace ]; then
        n1=${BENCH_SC_STRACE_N1:-2000} n2=${BENCH_SC_STRACE_N2:-8000}
    else
        n1=${BENCH_SC_PERF_N1:-20000} n2=${BENCH_SC_PERF_N2:-100000}
    fi
    for variant in "${VARIANTS[@]}"; do
        IFS='|' read -r name arguments <<<"$variant"
        if [ -n "$ONLY" ] && ! [[ "$name" =~ $ONLY ]]; then continue; fi
        tag=${name//[ \/]/-}
        for n in "$n1" "$n2"; do
            for ((run = 1; run <= RUNS; run++)); do
                # shellcheck disable=SC2086 # the arguments are words
                count "$tool" "$tag" "$n" "$run" $arguments
            done
            echo "  $tool, $name, $n round trips: $RUNS runs" >&2
        done
    done
    echo "$tool $n1 $n2" >>"$OUT/counts"
done
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$OUT" "$RUNS" "$WARMUP" "${PIN:-unpinned}" "$LOAD" "${usable[@]}" <<'PY'
import collections, glob, os, re, statistics, sys

out, runs, warmup, pin, load, tools = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
names = {"c": "c", "swift": "swift", "swift-async": "swift async", "swift-async-sync": "swift async/sync"}
order = ["c", "swift", "swift-async", "swift-async-sync"]

def parse(tool, path):
    calls = {}
    for line in open(path):
        if tool == "strace":
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit() and parts[1] != "total":
                calls[parts[1]] = int(parts[0])
        else:
            parts = line.strip().split(",")
            if len(parts) > 2 and parts[0].isdigit() and parts[2].startswith("syscalls:sys_enter_"):
                calls[parts[2][len("syscalls:sys_enter_"):]] = int(parts[0])
    return calls

counts = {}
for line in open(os.path.join(out, "counts")):
    tool, n1, n2 = line.split()
    counts[tool] = (int(n1), int(n2))

for tool in tools:
    n1, n2 = counts[tool]
    per = {}  # tag -> name -> calls per round trip
    for tag in order:
        totals = {}
        for n in (n1, n2):
            files = sorted(glob.glob(os.path.join(out, f"{tool}.{tag}.{n}.*.txt")))
            if not files:
                break
            parsed = [parse(tool, f) for f in files]
            keys = set().union(*parsed)
            totals[n] = {k: statistics.median(p.get(k, 0) for p in parsed) for k in keys}
            totals[n]["(total)"] = statistics.median(sum(p.values()) for p in parsed)
        if len(totals) == 2:
            keys = set(totals[n1]) | set(totals[n2])
            per[tag] = {k: (totals[n2].get(k, 0) - totals[n1].get(k, 0)) / (n2 - n1) for k in keys}
    if not per:
        continue
    tags = [t for t in order if t in per]
    rows = sorted({k for t in tags for k, v in per[t].items() if abs(v) >= 0.01 and k != "(total)"},
                  key=lambda k: -max(per[t].get(k, 0) for t in tags))
    title = {"strace": "strace -f -c (every thread stopped at each call: ~50x slower)",
             "perf": "perf stat, syscalls:sys_enter_* tracepoints (full speed)"}[tool]
    print(f"system calls per round trip, lat inproc 1 byte, {title};")
    print(f"  ({n2} - {n1}) round trips, {warmup} warm-up, median of {runs} runs, taskset -c {pin}, load {load}")
    print(f"  {'':<12}" + "".join(f"{names[t]:>18}" for t in tags))
    for k in rows + ["(total)"]:
        print(f"  {k:<12}" + "".join(f"{per[t].get(k, 0):>18.2f}" for t in tags))
    if "c" in per:
        base = per["c"]["(total)"]
        print(f"  {'over c':<12}" + "".join(f"{per[t]['(total)'] - base:>+18.2f}" for t in tags))
    print()
PY

if [ -n "$STACKS" ]; then
    command -v strace >/dev/null 2>&1 || { echo "bench-syscalls: strace is needed" >&2; exit 1; }
    s1=$((STACKS / 4)) s2=$STACKS
    for n in "$s1" "$s2"; do
        echo "==> swift async under strace -f -k, $n round trips" >&2
        "${pin[@]}" strace -f -k -e trace=%desc,%process,getpid,futex -o "$OUT/stacks.$n.txt" \
            "$BIN" lat --impl swift --mode async --transport inproc --size 1 --count "$n" --warmup 100 \
            --deadline 600 >/dev/null
    done
    python3 - "$OUT/stacks.$s1.txt" "$OUT/stacks.$s2.txt" "$s1" "$s2" <<'PY'
import collections, re, subprocess, sys

def signatures(path):
    """Counts each system call by (name, result, libzmq entry point, libzmq call sites, caller)."""
    found = collections.Counter()
    call, frames = None, []
    def flush():
        if call is None:
            return
        name, result = call
        libzmq = [re.search(r"\[(0x[0-9a-f]+)\]", f).group(1) for f in frames if "libzmq" in f]
        entry = next((m.group(1) for f in frames for m in [re.search(r"\((zmq_\w+)", f)] if m), "-")
        caller = "-"
        for f in frames:
            if "libzmq" in f or "libc.so" in f:
                continue
            m = re.search(r"\(([^+()]+)\+0x", f)
            caller = m.group(1) if m else "?"
            break
        found[(name, result, entry, " ".join(libzmq[:4]), caller)] += 1
    for line in open(path):
        if line.startswith(" > "):
            frames.append(line)
            continue
        m = re.match(r"\d+\s+(?:<\.\.\. )?(\w+)(?:\(| resumed>).*\)\s+=\s+(-?\d+)", line)
        if m:
            flush()
            frames = []
            value = int(m.group(2))
            call = (m.group(1), "=0" if value == 0 else ("<0" if value < 0 else ">0"))
    flush()
    return found

a, b = signatures(sys.argv[1]), signatures(sys.argv[2])
n1, n2 = int(sys.argv[3]), int(sys.argv[4])
callers = sorted({k[4] for k in b})
try:
    demangled = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(callers),
                               capture_output=True, text=True, check=True).stdout.splitlines()
    short = dict(zip(callers, demangled))
except Exception:
    short = {}
print(f"swift async, each system call per round trip by where it comes from (strace -f -k; ({n2} - {n1}) round trips):")
print("  (libzmq call sites are return addresses in libzmq.so, innermost first; strace's slowness")
print("   makes socket_base_t::send's time-throttled command check fire on every send)")
for key in sorted(b, key=lambda k: -(b[k] - a.get(k, 0))):
    per = (b[key] - a.get(key, 0)) / (n2 - n1)
    if per < 0.05:
        continue
    name, result, entry, sites, caller = key
    who = short.get(caller, caller)
    who = re.sub(r"\s+", " ", who)[:110]
    print(f"  {per:5.2f}  {name + ' ' + result:<15} {entry:<13} [{sites}]  {who}")
PY
fi
