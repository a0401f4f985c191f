#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Same-boot benchmarks: rvnet's devices against the kernel's own (veth, tun),
# each workload run ROUNDS times in alternating order, medians and the ratio
# rvnet/kernel printed as a Markdown table. Run in the VM by `make bench`.
# Under TCG only the ratios mean anything; this is never a pass/fail test
# (it exits 1 when a run fails to verify; that run is left out of the
# medians, the others go on).
#
# Environment: RVNET_BENCH_ROUNDS (default 5), RVNET_BENCH_FRAMES (per
# exercise run: 100000 on the bench kernel, 20000 on the debug one),
# RVNET_BENCH_SECONDS (iperf3 time, 5), RVNET_BENCH_IO_SECONDS (per tunrate
# run, 1), RVNET_BENCH_RAW (non-empty: each tunrate run's JSON on stderr,
# with its "sleeps"), RVNET_BENCH_PIN (the CPU tunrate runs on; default the last, ""
# for none), RVNET_BENCH_ONLY (workloads to run,
# default "pair64 pair1400 tcp tun tap relay io"; "relay" stands for
# relay-gso and relay-nogso, TCP through two TUN devices and a userspace
# relay with offloads on and off; "io" for the 24 one-way fd cases,
# MODE-DIRSIZE[-nb], e.g. tun-write64, tap-read1400-nb),
# RVNET_BENCH_JSON (also write the results there as JSON, with
# RVNET_BENCH_COMMIT, RVNET_BENCH_ACCEL and RVNET_BENCH_KERNEL in them;
# scripts/bench.sh, i.e. `make bench`, sets them all).
set -eu
. "$(dirname "$0")/lib.sh"
trap cleanup_ns EXIT

rounds=${RVNET_BENCH_ROUNDS:-5}
flavour=${RVNET_BENCH_KERNEL:-unknown}
if [ "$flavour" = bench ]; then frames=${RVNET_BENCH_FRAMES:-100000}; else frames=${RVNET_BENCH_FRAMES:-20000}; fi
secs=${RVNET_BENCH_SECONDS:-5}
iosecs=${RVNET_BENCH_IO_SECONDS:-1}
# tunrate is one thread: on one CPU (the last) its runs vary less.
pin=${RVNET_BENCH_PIN-$(($(nproc) - 1))}
# The one-way fd cases (tests/tools/tunrate.c): TUN and TAP, write() and
# read(), three sizes, blocking and non-blocking fds.
io=
for m in tun tap; do for d in write read; do for z in 64 512 1400; do
	io+=" $m-$d$z $m-$d$z-nb"
done; done; done
only=${RVNET_BENCH_ONLY:-pair64 pair1400 tcp tun tap relay io}
o=
for w in $only; do
	if [ "$w" = io ]; then o+=$io; continue; fi
	if [ "$w" = relay ]; then o+=" relay-gso relay-nogso"; continue; fi
	[[ " pair64 pair1400 tcp tun tap relay-gso relay-nogso $io " == *" $w "* ]] ||
		{ echo "bench: no workload '$w' (pair64 pair1400 tcp tun tap relay relay-gso relay-nogso io, or one of io's: $io)" >&2; exit 2; }
	o+=" $w"
done
only=$o
res=$(mktemp -d)

# The kernel said is the kernel booted: the bench kernel has no kmemleak.
case $flavour in
bench) [ ! -e /sys/kernel/debug/kmemleak ] || { echo "bench: RVNET_BENCH_KERNEL=bench, but this kernel has kmemleak" >&2; exit 2; } ;;
debug) [ -e /sys/kernel/debug/kmemleak ] || { echo "bench: RVNET_BENCH_KERNEL=debug, but this kernel has no kmemleak" >&2; exit 2; } ;;
esac
if [[ " $only " == *relay-* ]]; then
	gcc -O2 -Wall -o "$res/vnettest" "$RVNET_ROOT/tests/tools/vnettest.c" ||
		{ echo "bench: tests/tools/vnettest.c does not build" >&2; exit 2; }
fi
if [[ " $only " == *-write* || " $only " == *-read* ]]; then
	gcc -O2 -Wall -o "$res/tunrate" "$RVNET_ROOT/tests/tools/tunrate.c" ||
		{ echo "bench: tests/tools/tunrate.c does not build" >&2; exit 2; }
fi

# measure WORKLOAD WHO CMD...: one run of CMD, its number recorded. A run
# that fails (its traffic did not verify) is reported and left out; the
# bench goes on and exits 1 at the end.
failed=0
measure() {
	local w=$1 who=$2 v
	shift 2
	if v=$("$@") && [ -n "$v" ]; then
		echo "$r $v" >> "$res/$w.$who"
	else
		echo "# $w: the $who run of round $r failed, left out" >&2
		echo "$who $r" >> "$res/$w.failed"
		failed=$((failed + 1))
	fi
}

# rvnetctl exercise pair: frames/s one way (verified), for SIZE-byte payloads.
pair_rate() {
	local kind=$1 size=$2 out
	pair_add "$kind" bA --peer bB
	ip link set bA up
	ip link set bB up
	out=$(rvnetctl -j exercise pair bA bB --count "$frames" --size "$size")
	ip link del bA
	python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["verified"]; print(round(r["directions"][0]["packets_per_s"]))' <<<"$out"
}

# iperf3 TCP across a pair joining two namespaces: Mbit/s.
pair_tcp() {
	local kind=$1 out
	setup_ns bl br
	pair_add "$kind" bA --peer bB
	ip link set bA netns "$bl"
	ip link set bB netns "$br"
	ip -n "$bl" addr add 198.51.100.1/24 dev bA
	ip -n "$br" addr add 198.51.100.2/24 dev bB
	ip -n "$bl" link set bA up
	ip -n "$br" link set bB up
	ip netns exec "$br" iperf3 -s -1 -D -B 198.51.100.2 >/dev/null
	busywait 3000 ip netns exec "$br" bash -c "ss -ltn | grep -q ':5201'"
	out=$(ip netns exec "$bl" iperf3 -J -t "$secs" -c 198.51.100.2)
	ip netns del "$bl"
	ip netns del "$br"
	python3 -c 'import json,sys; r=json.load(sys.stdin); print(round(r["end"]["sum_received"]["bits_per_second"]/1e6))' <<<"$out"
}

# rvnetctl exercise tun: echo requests+replies per second through PATH.
tun_rate() {
	local path=$1 mode=$2 out
	out=$(rvnetctl -j exercise tun "b${mode}%d" --path "$path" --mode "$mode" --count "$frames")
	python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["verified"]; print(round(r["packets_per_s"]))' <<<"$out"
}

# tunrate PATH MODE DIR SIZE [nb]: packets/s one way through the fd (every
# packet verified), SIZE bytes from the IP header on, for $iosecs s.
io_rate() {
	local path=$1 mode=$2 dir=$3 size=$4 nb=${5:-} out
	out=$(${pin:+taskset -c $pin} unshare -n "$res/tunrate" "$path" "$mode" "$dir" "$size" "${iosecs}s" ${nb:+nonblock})
	[ -z "${RVNET_BENCH_RAW:-}" ] || echo "# tunrate $path $mode $dir $size ${nb:-block}: $out" >&2
	python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["verified"]; print(round(r["pps"]))' <<<"$out"
}

# iperf3 TCP between two netns through two TUN devices of PATH
# (IFF_VNET_HDR, 12-byte headers) and tests/tools/vnettest.c's relay, which
# copies every packet and its header from one fd to the other; TUNSETOFFLOAD
# OFF on both (0x7: CSUM|TSO4|TSO6, GSO packets up to 64 KiB; 0: MTU-sized
# packets). Mbit/s.
relay_tcp() {
	local path=$1 off=$2 out rpid a b ok=0
	setup_ns rl rr
	"$res/vnettest" "$path" relay "$rl" "$rr" "$off" >"$res/relay.out" 2>&1 &
	rpid=$!
	if busywait 10000 grep -q '^ready$' "$res/relay.out"; then
		a=$(sed -n 's/^a: //p' "$res/relay.out"); b=$(sed -n 's/^b: //p' "$res/relay.out")
		ip -n "$rl" addr add 198.51.100.1/24 dev "$a"
		ip -n "$rl" link set "$a" up
		ip -n "$rr" addr add 198.51.100.2/24 dev "$b"
		ip -n "$rr" link set "$b" up
		ip netns exec "$rr" iperf3 -s -1 -D -B 198.51.100.2 >/dev/null
		busywait 3000 ip netns exec "$rr" bash -c "ss -ltn | grep -q ':5201'"
		out=$(ip netns exec "$rl" timeout $((secs + 30)) iperf3 -J -t "$secs" -c 198.51.100.2) && ok=1
	fi
	kill -TERM $rpid 2>/dev/null
	wait $rpid 2>/dev/null
	cleanup_ns
	[ $ok = 1 ] || return 1
	python3 -c 'import json,sys; r=json.load(sys.stdin); print(round(r["end"]["sum_received"]["bits_per_second"]/1e6))' <<<"$out"
}

# run WORKLOAD WHO: one measurement of WORKLOAD with the kernel's driver or rvnet's.
run() {
	local w=$1 who=$2 kind path m d nb
	if [ "$who" = kernel ]; then kind=veth; path=/dev/net/tun; else kind=rveth; path=/dev/net/rtun; fi
	case $w in
	pair64) measure "$w" "$who" pair_rate $kind 46 ;;
	pair1400) measure "$w" "$who" pair_rate $kind 1400 ;;
	tcp) measure "$w" "$who" pair_tcp $kind ;;
	tun | tap) measure "$w" "$who" tun_rate $path "$w" ;;
	relay-gso) measure "$w" "$who" relay_tcp $path 0x7 ;;
	relay-nogso) measure "$w" "$who" relay_tcp $path 0x0 ;;
	*)	IFS=- read -r m d nb <<<"$w"
		measure "$w" "$who" io_rate $path "$m" "${d%%[0-9]*}" "${d##*[a-z]}" $nb ;;
	esac
}

for r in $(seq 1 "$rounds"); do
	i=0
	for w in $only; do
		# Both drivers back to back, the first alternating by round and
		# workload, so that drift and warm-up favour neither.
		if [ $(((r + i) % 2)) = 1 ]; then
			run "$w" kernel; run "$w" rvnet
		else
			run "$w" rvnet; run "$w" kernel
		fi
		i=$((i + 1))
	done
	echo "# round $r of $rounds done" >&2
done

# The table on stdout; with RVNET_BENCH_JSON the same numbers, every sample
# and the run's facts also into that file (tests/tools/bench_chart.py draws it).
echo
python3 - "$res" "$only" "$rounds" "$frames" "$secs" "$(uname -r)" "$(nproc)" "$flavour" <<'EOF'
import datetime, json, os, statistics, sys
res, only, rounds, frames, secs, kernel, cpus, flavour = sys.argv[1:]
rows = [
    ("pair64", "pair: 60-byte frames one way (exercise pair)", "frames/s"),
    ("pair1400", "pair: 1414-byte frames one way (exercise pair)", "frames/s"),
    ("tcp", f"pair: TCP between two netns (iperf3, {secs} s)", "Mbit/s"),
    ("tun", "TUN: ICMP echo through the char device (exercise tun)", "packets/s"),
    ("tap", "TAP: ICMP echo through the char device (exercise tun)", "packets/s"),
    ("relay-gso", f"TUN relay: TCP, virtio-net headers, offloads on (iperf3, {secs} s)", "Mbit/s"),
    ("relay-nogso", f"TUN relay: TCP, virtio-net headers, offloads off (iperf3, {secs} s)", "Mbit/s"),
]
for m in ("tun", "tap"):
    for d in ("write", "read"):
        for z in (64, 512, 1400):
            for nb in ("", "-nb"):
                rows.append((f"{m}-{d}{z}{nb}",
                             f"{m.upper()} {d}(): {z}-byte packets, "
                             f"{'non-blocking' if nb else 'blocking'} fd (tunrate)",
                             "packets/s"))

def spread(xs, m):
    """How far a driver's own rounds spread: (max - min) / median."""
    return f"{(max(xs) - min(xs)) / m * 100:.0f}%" if len(xs) > 1 and m else "-"

print("| workload | unit | kernel (veth/tun) | rvnet (rveth/rtun) | ratio rvnet/kernel | round ratios | spread kernel / rvnet |")
print("|---|---|---|---|---|---|---|")
out, failures = [], []
for name, label, unit in rows:
    if name not in only.split():
        continue
    def runs(who):
        p = f"{res}/{name}.{who}"
        return dict((int(r), float(x)) for r, x in map(str.split, open(p))) if os.path.exists(p) else {}
    kr, vr = runs("kernel"), runs("rvnet")
    k, v = list(kr.values()), list(vr.values())
    # The two drivers ran back to back in each round: that round's ratio.
    paired = [vr[r] / kr[r] for r in sorted(kr) if r in vr and kr[r]]
    if os.path.exists(f"{res}/{name}.failed"):
        for line in open(f"{res}/{name}.failed"):
            who, r = line.split()
            failures.append(dict(workload=name, who=who, round=int(r)))
    if not k or not v:
        print(f"| {label} | {unit} | {'failed' if not k else ''} | {'failed' if not v else ''} | | | |")
        continue
    mk, mv = statistics.median(k), statistics.median(v)
    rr = f"{min(paired):.2f}-{max(paired):.2f}" if paired else "-"
    print(f"| {label} | {unit} | {mk:.0f} | {mv:.0f} | {mv / mk:.2f} | {rr} | {spread(k, mk)} / {spread(v, mv)} |")
    out.append(dict(name=name, label=label, unit=unit, kernel=k, rvnet=v,
                    kernel_median=mk, rvnet_median=mv, ratio=round(mv / mk, 4),
                    round_ratios=[round(x, 4) for x in paired]))
path = os.environ.get("RVNET_BENCH_JSON")
if path:
    now = datetime.datetime.now(datetime.timezone.utc)
    facts = dict(date=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 commit=os.environ.get("RVNET_BENCH_COMMIT", "unknown"),
                 accel=os.environ.get("RVNET_BENCH_ACCEL", "unknown"),
                 kernel=kernel, kernel_flavour=flavour, cpus=int(cpus), rounds=int(rounds),
                 frames=int(frames), seconds=int(secs), io_seconds=float(os.environ.get("RVNET_BENCH_IO_SECONDS", "1")),
                 workloads=out,
                 failures=failures)
    with open(path, "w") as f:
        json.dump(facts, f, indent=1)
        f.write("\n")
EOF
echo
echo "Medians of $rounds rounds ($frames frames per exercise run, ${iosecs} s per tunrate run), same boot; the $flavour kernel, $(uname -r), $(nproc) CPUs."
echo "Round ratios: the lowest and highest of the rounds' own ratios (both drivers ran back to back in each round)."
rm -rf "$res"
if [ "$failed" -gt 0 ]; then
	echo "$failed run(s) failed to verify and are left out of the medians."
	exit 1
fi
