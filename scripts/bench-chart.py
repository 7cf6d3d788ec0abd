#!/usr/bin/env python3
"""Draws the ratios of a `make bench` run as an SVG chart (`make bench-chart`).

    bench-chart.py [RAW.jsonl] [--output Docs/bench-chart.svg]

RAW is the JSON lines that scripts/bench.sh kept (zmq-bench's own output, one object
per run), by default the newest .build-bench/bench-*.jsonl. The rows are the table's
(scripts/bench_table.py computes both), so the chart shows exactly what the table
says: for each case, every ratio of a Swift run to its baseline run made back to back
(small dots), their range (the line), their median (the large dot, green when it
meets the goal, red when it misses, grey without a goal), the goal (a short dashed
mark) and parity (the vertical line at 1). Throughput and latency are drawn apart,
since a higher ratio is better for one and worse for the other. The header line of
the table saved next to RAW (bench-<time>.txt), which says when it ran, on what and
pinned how, is the chart's subtitle.

The SVG is written by hand, with no plotting library, so that the target needs nothing
but python3.
"""

import argparse
import glob
import os
import sys
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_table  # noqa: E402  (next to this script)

LOW, HIGH = 0.4, 1.6            # the ratio axis; values beyond are drawn at its edge
LABEL_W, PLOT_W, VALUE_W = 250, 520, 130
ROW_H, TOP, PANEL_GAP = 22, 70, 50
WIDTH = LABEL_W + PLOT_W + VALUE_W + 20
GREEN, RED, GREY = "#2e7d32", "#c62828", "#616161"


def x_of(ratio):
    clamped = min(max(ratio, LOW), HIGH)
    return LABEL_W + (clamped - LOW) / (HIGH - LOW) * PLOT_W


def row_label(row):
    return row["label"] + ("" if row["vs"] == "C" else f" vs {row['vs']}")


def panel(out, rows, y, title):
    """Draws one panel from `y`; returns the y below it."""
    out.append(f'<text x="10" y="{y}" class="title">{escape(title)}</text>')
    y += 14
    top, bottom = y, y + ROW_H * len(rows)
    # Grid: a line every 0.1, labelled every 0.2; parity stronger.
    steps = round((HIGH - LOW) / 0.1)
    for i in range(steps + 1):
        value = round(LOW + i * 0.1, 1)
        x = x_of(value)
        stroke = "#9e9e9e" if value == 1.0 else "#e0e0e0"
        width = 1.5 if value == 1.0 else 1
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{stroke}" stroke-width="{width}"/>')
        if i % 2 == 0:
            out.append(f'<text x="{x:.1f}" y="{bottom + 14}" class="axis" text-anchor="middle">{value:.1f}</text>')
    for index, row in enumerate(rows):
        cy = top + ROW_H * index + ROW_H / 2
        if index % 2 == 0:
            out.append(f'<rect x="5" y="{cy - ROW_H / 2:.1f}" width="{WIDTH - 10}" height="{ROW_H}" fill="#f5f5f5"/>')
        out.append(f'<text x="{LABEL_W - 10}" y="{cy + 4:.1f}" class="label" text-anchor="end">{escape(row_label(row))}</text>')
        if "ratio" not in row:
            out.append(f'<text x="{LABEL_W + 10}" y="{cy + 4:.1f}" class="value">no data</text>')
            continue
        goal, pairs = row["goal"], row["pairs"]
        goal_text = f"  (goal {goal[0]} {goal[1]:.2f})" if goal else ""
        # A group per row, whose title a browser shows as the row's tooltip.
        out.append(f'<g><title>{escape(row_label(row))}: {row["ratio"]:.3f}{escape(goal_text)}, pairs '
                   f'{", ".join(f"{p:.3f}" for p in pairs)}</title>')
        if goal:
            gx = x_of(goal[1])
            out.append(f'<line x1="{gx:.1f}" y1="{cy - 8:.1f}" x2="{gx:.1f}" y2="{cy + 8:.1f}" stroke="#1565c0" '
                       f'stroke-width="2" stroke-dasharray="3,2"/>')
        out.append(f'<line x1="{x_of(pairs[0]):.1f}" y1="{cy:.1f}" x2="{x_of(pairs[-1]):.1f}" y2="{cy:.1f}" '
                   f'stroke="#424242" stroke-width="1.5"/>')
        for p in pairs:
            out.append(f'<circle cx="{x_of(p):.1f}" cy="{cy:.1f}" r="2.5" fill="#424242" fill-opacity="0.6"/>')
        for edge, beyond in ((LOW, pairs[0] < LOW), (HIGH, pairs[-1] > HIGH)):
            if beyond:
                ex = x_of(edge)
                sign = -1 if edge == LOW else 1
                out.append(f'<path d="M{ex + sign * 6:.1f},{cy:.1f} L{ex:.1f},{cy - 4:.1f} L{ex:.1f},{cy + 4:.1f} Z" fill="#424242"/>')
        colour = GREY if row["ok"] is None else (GREEN if row["ok"] else RED)
        out.append(f'<circle cx="{x_of(row["ratio"]):.1f}" cy="{cy:.1f}" r="5.5" fill="{colour}" stroke="white" stroke-width="1"/>')
        verdict = "" if row["ok"] is None else (" ok" if row["ok"] else " MISS")
        out.append(f'<text x="{LABEL_W + PLOT_W + 10}" y="{cy + 4:.1f}" class="value" fill="{colour}">'
                   f'{row["ratio"]:.3f}{verdict}</text>')
        out.append("</g>")
    return bottom + 14 + PANEL_GAP


def chart(raw, subtitle, footer):
    rows = bench_table.rows(bench_table.load(raw))
    thr = [r for r in rows if not r["lat"]]
    lat = [r for r in rows if r["lat"]]
    body = []
    y = panel(body, thr, TOP, "Throughput (messages/s): higher is better")
    y = panel(body, lat, y, "Latency (µs per half round trip): lower is better")
    notes = [
        "Small dots: the ratio of each pair of runs made back to back; line: their range; large dot: their median",
        "(green: meets the goal, red: misses it, grey: no goal); blue dashes: the goal; grey line: parity.",
        footer,
    ]
    y -= PANEL_GAP - 14
    for i, note in enumerate(notes):
        body.append(f'<text x="10" y="{y + 15 * i}" class="note">{escape(note)}</text>')
    height = y + 15 * len(notes)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
           '<style>.title{font-size:15px;font-weight:bold}.sub{font-size:11px;fill:#424242}'
           '.label{font-size:12px}.value{font-size:12px;font-weight:bold}.axis{font-size:11px;fill:#616161}'
           '.note{font-size:11px;fill:#424242}</style>',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           '<text x="10" y="22" class="title">swift-zeromq against C on raw libzmq: Swift / C, per pair of back-to-back runs</text>',
           f'<text x="10" y="40" class="sub">{escape(subtitle)}</text>']
    out += body
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("raw", nargs="?", help="a bench-<time>.jsonl (default: the newest in .build-bench)")
    parser.add_argument("--output", default="Docs/bench-chart.svg")
    args = parser.parse_args()
    raw = args.raw
    if raw is None:
        scratch = os.environ.get("BENCH_SCRATCH", ".build-bench")
        found = sorted(glob.glob(os.path.join(scratch, "bench-*.jsonl")), key=os.path.getmtime)
        if not found:
            sys.exit(f"bench-chart: no {scratch}/bench-*.jsonl: run `make bench` first")
        raw = found[-1]
    table = raw[: -len(".jsonl")] + ".txt"
    subtitle, footer = os.path.basename(raw), f"Raw: {os.path.basename(raw)}"
    if os.path.exists(table):
        lines = [line.rstrip("\n") for line in open(table) if line.strip()]
        subtitle = lines[0]
        footer = next((line for line in reversed(lines) if line.startswith(tuple("0123456789"))), footer)
        footer = footer.replace(os.path.dirname(raw) + "/", "")
    svg = chart(raw, subtitle, footer)
    with open(args.output, "w") as f:
        f.write(svg)
    print(f"bench-chart: {args.output} from {raw}", file=sys.stderr)


if __name__ == "__main__":
    main()
