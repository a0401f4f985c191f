#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw the JSON that tests/bench.sh writes as an SVG bar chart.

One row per workload: a bar for the ratio rvnet/kernel of the medians, a
vertical line at 1.0 (as fast as the kernel's driver), each round's own
ratio as a dot when the rounds pair up, and both medians in the row's
label. Standard library only.

    bench_chart.py RESULTS.json [-o CHART.svg]     (default: stdout)
"""

import argparse
import json
import math
import sys
from xml.sax.saxutils import escape

FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
RVNET = "#3b6ea5"      # rvnet faster than or as fast as the kernel
SLOWER = "#c0504d"     # rvnet slower
INK = "#222222"
GREY = "#777777"
GRID = "#dddddd"

PLOT = 480             # width of the bars' axis
RIGHT = 70             # room for the ratio right of the longest bar
TOP = 88
ROW = 56
BAR = 22


def fmt(x):
    """A median as people write it: 11839, 9.6, 0.42."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2g}"


def width(s, size, bold=False):
    """About how wide S is in DejaVu Sans (the widest of FONT): no font
    metrics here, an average advance per character is close enough."""
    return len(s) * size * (0.64 if bold else 0.58)


def text(x, y, s, size=13, anchor="start", weight="normal", fill=INK):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" '
            f'text-anchor="{anchor}" font-weight="{weight}" fill="{fill}">'
            f"{escape(str(s))}</text>")


def scale_max(ratios):
    """The right end of the axis: a round step past the largest ratio, and
    past 1.0, so the reference line is always inside the chart."""
    hi = max([1.0] + ratios) * 1.08
    step = 0.25 if hi <= 2 else 0.5 if hi <= 4 else 1.0
    return math.ceil(hi / step) * step, step


def chart(data):
    rows = data["workloads"]
    if not rows:
        raise ValueError("no workloads in the results")
    for w in rows:
        if w["kernel_median"] <= 0:
            raise ValueError(f"{w['name']}: kernel median is {w['kernel_median']}")
    ratios = [w["rvnet_median"] / w["kernel_median"] for w in rows]
    # Per-round ratios: round i of rvnet against round i of the kernel (same
    # boot, alternating order), when both have every round.
    rounds = []
    for w in rows:
        k, v = w.get("kernel", []), w.get("rvnet", [])
        ok = len(k) == len(v) and all(x > 0 for x in k)
        rounds.append([b / a for a, b in zip(k, v)] if ok else [])
    hi, step = scale_max(ratios + [r for rs in rounds for r in rs])

    labels = [(w.get("label", w["name"]),
               f"kernel {fmt(w['kernel_median'])} · rvnet "
               f"{fmt(w['rvnet_median'])} {w.get('unit', '')}".rstrip())
              for w in rows]
    left = 20 + 12 + max(max(width(a, 13, True), width(b, 12))
                         for a, b in labels)
    plot_w = PLOT
    total = round(left + plot_w + RIGHT)
    failures = data.get("failures") or []
    height = TOP + ROW * len(rows) + 64 + (22 if failures else 0)

    def x_of(r):
        return left + plot_w * r / hi

    date = str(data.get("date", "?")).replace("T", " ").rstrip("Z")
    if str(data.get("date", "")).endswith("Z"):
        date += " UTC"
    accel = str(data.get("accel", "unknown"))
    flavour = data.get("kernel_flavour")
    sub = (f"{date}, commit {data.get('commit', '?')}, "
           f"{data.get('rounds', '?')} rounds, "
           + (f"{flavour} kernel " if flavour else "kernel ")
           + f"{data.get('kernel', '?')}, "
           f"{data.get('cpus', '?')} CPUs"
           + ("" if accel == "unknown" else f", {accel.upper()}"))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" '
           f'height="{height}" viewBox="0 0 {total} {height}" '
           f'font-family="{FONT}">',
           f"<title>rvnet benchmark: ratio rvnet/kernel, {escape(sub)}</title>",
           f'<rect width="{total}" height="{height}" fill="#ffffff"/>',
           text(20, 30, "rvnet / kernel driver: ratio of the medians "
                "(higher is faster)", 18, weight="bold"),
           text(20, 52, sub, 13, fill=GREY)]

    # Axis: grid lines and ticks under the bars.
    axis_y = TOP + ROW * len(rows)
    n = round(hi / step)
    for i in range(n + 1):
        r = i * step
        x = x_of(r)
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" '
                   f'y2="{axis_y}" stroke="{GRID}" stroke-width="1"/>')
        out.append(text(x, axis_y + 18, f"{r:g}", 12, "middle", fill=GREY))
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" '
               f'y2="{axis_y}" stroke="{GREY}" stroke-width="1"/>')
    out.append(text(left + plot_w / 2, axis_y + 40,
                    "ratio rvnet/kernel (1.0 = as fast as the kernel's driver; "
                    "dots: single rounds)", 12, "middle", fill=GREY))

    for i, (w, r, (name, medians)) in enumerate(zip(rows, ratios, labels)):
        y = TOP + ROW * i
        mid = y + ROW / 2
        colour = RVNET if r >= 1 else SLOWER
        out.append(text(left - 12, mid - 4, name, 13, "end", weight="bold"))
        out.append(text(left - 12, mid + 13, medians, 12, "end", fill=GREY))
        out.append(f'<rect class="bar" x="{left}" y="{mid - BAR / 2:.1f}" '
                   f'width="{x_of(r) - left:.1f}" height="{BAR}" '
                   f'fill="{colour}" fill-opacity="0.85"/>')
        for rr in rounds[i]:
            out.append(f'<circle class="round" cx="{x_of(rr):.1f}" cy="{mid:.1f}" r="3" '
                       f'fill="#ffffff" stroke="{INK}" stroke-width="1"/>')
        out.append(text(x_of(max([r] + rounds[i])) + 8, mid + 5, f"{r:.2f}",
                        14, weight="bold"))

    if failures:
        runs = ", ".join(f"{f['workload']} {f['who']} round {f['round']}"
                         for f in failures)
        out.append(text(20, axis_y + 64, f"Failed to verify, left out: {runs}",
                        12, fill=SLOWER))

    # The reference line last, over the bars.
    x1 = x_of(1.0)
    out.append(f'<line class="ref" x1="{x1:.1f}" y1="{TOP - 12}" x2="{x1:.1f}" '
               f'y2="{axis_y}" stroke="{INK}" stroke-width="1.5" '
               f'stroke-dasharray="5,3"/>')
    out.append(text(x1, TOP - 16, "1.0 = kernel", 12, "middle"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("json", help="results written by tests/bench.sh")
    p.add_argument("-o", "--output", help="SVG file (default: stdout)")
    a = p.parse_args(argv)
    try:
        with open(a.json) as f:
            svg = chart(json.load(f))
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"bench_chart.py: {a.json}: {type(e).__name__}: {e}")
    if a.output:
        with open(a.output, "w") as f:
            f.write(svg)
    else:
        sys.stdout.write(svg)


if __name__ == "__main__":
    main()
