#!/usr/bin/env python3
"""The table of `make bench`, from the JSON lines that zmq-bench printed.

    bench_table.py RAW.jsonl REPEATS ELAPSED PIN_LAT PIN_THR LOAD_BEFORE LOAD_AFTER

scripts/bench.sh runs it after the runs; scripts/bench-chart.py draws the same rows
(`rows(load(raw))`), so that the table and the chart always agree.

Each line of RAW is one run: zmq-bench's own JSON object, with the `case`, `run` and
`repeat` that bench.sh added. A row compares a Swift run with its baseline (C, or for
async Swift also synchronous Swift): its ratio is the median over the repeats of the
ratio of the two runs made back to back, which the machine's slow drift affects far
less than a ratio of medians.
"""

import datetime
import json
import os
import platform
import statistics
import sys


class Results:
    """The runs of one RAW file, grouped by case and variant."""

    def __init__(self, runs):
        self.runs = runs
        # values[case][run][repeat] = metric; runs keep the order they first appeared in.
        self.order, self.variants, self.values, self.failures, self.idle = [], {}, {}, 0, []
        for r in runs:
            if r.get("test") == "idle":
                if r.get("failed"):
                    self.failures += 1
                else:
                    self.idle.append(r)
                continue
            name = r.get("case") or f"{r['test']} {r['transport']} {r['size']}" + (
                "" if r["mode"] in ("copy", "sync") else f" {r['mode']}")
            run = r.get("run") or r["impl"]
            if name not in self.order:
                self.order.append(name)
            if run not in self.variants.setdefault(name, {}):
                self.variants[name][run] = r
            if r.get("failed"):
                self.failures += 1
                continue
            metric = r["us"] if r["test"] == "lat" else r["msgs_per_s"]
            self.values.setdefault(name, {}).setdefault(run, {})[r.get("repeat", 0)] = metric


def load(raw):
    return Results([json.loads(line) for line in open(raw) if line.strip()])


def comparisons(results, name):
    """(row label, base run, base label, measured run, goal) for each row of a case: every
    Swift run against the C run; an async Swift run also against the synchronous Swift
    run of the same case (thr async: the goal is against it, not against C)."""
    runs = results.variants.get(name, {})
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


def rows(results):
    """Every row of the table as a dict: `label`, `case`, `vs` (the baseline's name),
    `lat` (lower is better), `goal` ((sign, value) or None), and, when both sides have
    data, `base` and `swift` (medians), `pairs` (sorted ratios of runs made back to back),
    `ratio` (their median), `ok` (None without a goal), `base_runs` and `swift_runs`."""
    out = []
    for name in results.order:
        for label, base, base_label, run, goal in comparisons(results, name):
            row = {"label": label, "case": name, "vs": base_label, "goal": goal,
                   "lat": results.variants[name][run]["test"] == "lat"}
            b = results.values.get(name, {}).get(base, {})
            s = results.values.get(name, {}).get(run, {})
            pairs = sorted(s[r] / b[r] for r in b if r in s)
            if b and s and pairs:
                ratio = statistics.median(pairs)
                ok = None
                if goal:
                    ok = ratio >= goal[1] if goal[0] == "≥" else ratio <= goal[1]
                row.update(base=statistics.median(b.values()), swift=statistics.median(s.values()),
                           pairs=pairs, ratio=ratio, ok=ok,
                           base_runs=list(b.values()), swift_runs=list(s.values()))
            elif b and s:
                row["no_pairs"] = True
            out.append(row)
    return out


def rate(v):
    return f"{v/1e6:.2f} M/s" if v >= 1e6 else f"{v/1e3:.1f} k/s"


def spread(xs):
    m = statistics.median(xs)
    return f"±{(max(xs) - min(xs)) / 2 / m * 100:.0f}%" if len(xs) > 1 and m else ""


def paired(results, a, b, impl):
    xa, xb = results.values.get(a, {}).get(impl, {}), results.values.get(b, {}).get(impl, {})
    common = [r for r in xa if r in xb]
    return statistics.median(xa[r] / xb[r] for r in common) if common else float("nan")


def print_row(row):
    label, base_label = row["label"], row["vs"]
    if "ratio" not in row:
        print(f"{label:<30} {base_label:<10} {'(no pairs)' if row.get('no_pairs') else '(no data)':>10}")
        return
    mb, ms, goal = row["base"], row["swift"], row["goal"]
    bs, ss = (f"{mb:.2f} us", f"{ms:.2f} us") if row["lat"] else (rate(mb), rate(ms))
    if goal:
        goal_text, ok_text = f"{goal[0]} {goal[1]:.2f}", "ok" if row["ok"] else "MISS"
    else:
        goal_text, ok_text = "-", ""
    pairs = row["pairs"]
    print(f"{label:<30} {base_label:<10} {bs:>10} {ss:>10} {row['ratio']:>7.3f} {goal_text:>7} {ok_text:>4}"
          f" {pairs[0]:>6.2f}..{pairs[-1]:<6.2f} {spread(row['base_runs']):>8} {spread(row['swift_runs']):>8}")


def main(argv):
    raw, repeats, elapsed, pin_lat, pin_thr = argv[1], int(argv[2]), int(argv[3]), argv[4], argv[5]
    load_before, load_after = argv[6], argv[7]
    results = load(raw)

    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    print(f"zmq-bench, {now}, {os.cpu_count()} CPUs, {platform.machine()}, {repeats} repeats; "
          f"lat {'pinned (taskset -c 0)' if pin_lat == '1' else 'unpinned'}, "
          f"thr {'pinned (taskset -c ' + pin_thr + ')' if pin_thr else 'unpinned'}")
    header = (f"{'case':<30} {'vs':<10} {'base med.':>10} {'Swift med.':>10} {'ratio':>7} {'goal':>7} {'':>4}"
              f" {'pairs min..max':>14} {'b spread':>8} {'S spread':>8}")
    print(header)
    print("-" * len(header))
    all_rows = rows(results)
    for name in results.order:
        case_rows = [row for row in all_rows if row["case"] == name]
        if not case_rows:
            print(f"{name:<30} {'(no data)':>10}")
        for row in case_rows:
            print_row(row)

    zc, cp = "thr tcp 1048576 zerocopy", "thr tcp 1048576"
    if zc in results.values and cp in results.values:
        print()
        print(f"tcp 1 MiB, zero-copy over copy (same repeat): Swift {paired(results, zc, cp, 'swift'):.3f}, "
              f"C {paired(results, zc, cp, 'c'):.3f}  (goal: Swift > 1)")
    for r in results.idle:
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
    print(f"{len(results.runs) - results.failures} runs, {results.failures} failed, {elapsed // 60} min {elapsed % 60} s; "
          f"load average before {load_before}, after {load_after}. Raw: {raw}")


if __name__ == "__main__":
    main(sys.argv)
