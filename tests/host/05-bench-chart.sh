#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/tools/bench_chart.py, which `make bench` runs on the JSON that
# tests/bench.sh writes: from a sample it draws an SVG that parses, with one
# bar per workload, the 1.0 line, the ratios, both medians and the run's
# facts, using nothing but the standard library (python3 -I -S); bad input
# is an error, not a traceback; and docs/bench.svg is what it draws from
# docs/bench.json.
. "$(dirname "$0")/../lib.sh"
ktap_header
ktap_plan 6
CHART=$RVNET_ROOT/tests/tools/bench_chart.py
tmp=$(mktemp -d); defer rm -rf "$tmp"

cat > "$tmp/sample.json" <<'EOF'
{
 "date": "2026-11-26T10:00:00Z", "commit": "3033677", "accel": "tcg",
 "kernel": "7.3.0-rvnet", "kernel_flavour": "bench", "cpus": 2, "rounds": 3, "frames": 20000, "seconds": 5,
 "workloads": [
  {"name": "pair64", "label": "pair: 60-byte frames one way (exercise pair)",
   "unit": "frames/s", "kernel": [10325, 10200, 10400], "rvnet": [10771, 10700, 10800],
   "kernel_median": 10325, "rvnet_median": 10771, "ratio": 1.0432},
  {"name": "tcp", "label": "pair: TCP between two netns (iperf3, 5 s)",
   "unit": "Mbit/s", "kernel": [1140, 1200, 1100], "rvnet": [1483, 1150, 1300],
   "kernel_median": 1140, "rvnet_median": 1483, "ratio": 1.3009},
  {"name": "tap", "label": "TAP: ICMP echo through the char device (exercise tun)",
   "unit": "packets/s", "kernel": [11754], "rvnet": [8700],
   "kernel_median": 11754, "rvnet_median": 8700, "ratio": 0.7402}
 ]
}
EOF

check "bench_chart.py draws the sample with the standard library only (python3 -I -S)" \
	python3 -I -S "$CHART" "$tmp/sample.json" -o "$tmp/sample.svg"

# What the SVG holds, one fact a line, as python's own XML parser reads it.
facts=$(python3 - "$tmp/sample.svg" <<'EOF' 2>&1
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
print("root", root.tag == ns + "svg" and all(root.get(a) for a in ("width", "height", "viewBox")))
print("bars", len(root.findall(f"{ns}rect[@class='bar']")))
print("ref", len(root.findall(f"{ns}line[@class='ref']")))
print("rounds", len(root.findall(f"{ns}circle[@class='round']")))
texts = " | ".join("".join(t.itertext()) for t in root.iter(ns + "text"))
for s in ("1.04", "1.30", "0.74", "kernel 10,325", "rvnet 10,771 frames/s",
          "kernel 1,140", "rvnet 1,483 Mbit/s", "2026-11-26", "3033677",
          "3 rounds", "bench kernel 7.3.0-rvnet", "TCG"):
    print(repr(s), s in texts)
EOF
)
expect_eq "the SVG parses: an <svg> with width, height and viewBox; one bar per workload, one 1.0 line, a dot per paired round" \
	"root True
bars 3
ref 1
rounds 7" "$(head -n 4 <<<"$facts")"
expect_eq "its text: the three ratios, both medians of a row, date, commit, rounds, which kernel, accel" \
	"" "$(tail -n +5 <<<"$facts" | grep -v ' True$')"

echo '{"workloads": []}' > "$tmp/empty.json"
out=$(python3 "$CHART" "$tmp/empty.json" 2>&1); rc=$?
expect_eq "results without workloads: exit 1 and a one-line error, no traceback" \
	"1 1 0" "$rc $(wc -l <<<"$out") $(grep -c Traceback <<<"$out")"
out=$(python3 "$CHART" "$tmp/missing.json" 2>&1); rc=$?
expect_eq "a missing results file: exit 1 and a one-line error" "1 1" "$rc $(wc -l <<<"$out")"

# The chart in the docs is the one its results give (rerun bench_chart.py on
# docs/bench.json after changing the script).
check "docs/bench.svg is what bench_chart.py draws from docs/bench.json" \
	bash -c "python3 '$CHART' '$RVNET_ROOT/docs/bench.json' | cmp - '$RVNET_ROOT/docs/bench.svg'"
ktap_finish
