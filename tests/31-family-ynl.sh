#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel's own YNL client drives the rvnet family from spec/rvnet.yaml
# alone: the spec validates against genetlink.yaml, and get-info, pair-new,
# pair-get (do and dump), tun-new (also with vnet-hdr and multi-queue),
# tun-get (dump), pair-del and tun-del work, with rvnetctl and ip seeing the
# same objects.
. "$(dirname "$0")/lib.sh"
ktap_header
ensure_rvnet

KSRC=$(make -s -C "$RVNET_ROOT" paths 2>/dev/null | sed -n 's/^KSRC=//p')
[ -n "$KSRC" ] || KSRC=$(bash "$RVNET_ROOT/scripts/paths.sh" | sed -n 's/^KSRC=//p')
CLI=$KSRC/tools/net/ynl/pyynl/cli.py
SCHEMA=$KSRC/Documentation/netlink/genetlink.yaml
SPEC=$RVNET_ROOT/spec/rvnet.yaml
if [ ! -f "$CLI" ] || [ ! -f "$SCHEMA" ]; then
	ktap_plan 1
	ktap_skip "YNL" "no kernel tree with tools/net/ynl at '$KSRC'"
	ktap_finish
fi
ktap_plan 20
tmp=$(mktemp -d); defer rm -rf "$tmp"

# Every Python start costs ~30 s under TCG (imports over 9p), so besides one
# plain run, cli.py's own main() runs several times in one interpreter: one
# line of cli.py arguments (a JSON array) in, one JSON line {rc, out} out.
cat > "$tmp/batch.py" <<'EOF'
import contextlib, io, json, runpy, sys
cli = sys.argv[1]
for line in sys.stdin:
    out, rc = io.StringIO(), 0
    with contextlib.redirect_stdout(out):
        try:
            sys.argv = [cli] + json.loads(line)
            runpy.run_path(cli, run_name="__main__")
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception as e:
            print(f"{type(e).__name__}: {e}")
            rc = 1
    print(json.dumps({"rc": rc, "out": out.getvalue()}), flush=True)
EOF
# ynl_batch < lines of ARGS: run each as `cli.py --spec SPEC --output-json
# ARGS` (ARGS a JSON array, "--no-schema" added unless it validates);
# results in r[0], r[1], ...
ynl_batch() {
	mapfile -t r < <(jq -c --arg spec "$SPEC" \
		'["--spec", $spec, "--output-json"] + (if index("--validate") then [] else ["--no-schema"] end) + .' |
		"$PYTHON" "$tmp/batch.py" "$CLI")
}
# out N / rc N: what run N printed / its exit code.
out() { jq -r .out <<<"${r[$1]}"; }
rc() { jq -r .rc <<<"${r[$1]}"; }

# A plain run of the CLI, as a user would.
info=$("$PYTHON" "$CLI" --spec "$SPEC" --no-schema --output-json --do get-info); status=$?
expect_eq "get-info: exit 0, version and features" "0 $(rvnetctl -j info | jq -r .version) rtun,rveth" \
	"$status $(jq -r '"\(.version) \(.features | sort | join(","))"' <<<"$info")"

sed 's/^protocol: genetlink$/protocol: genetlink\nbogus-key: 1/' "$SPEC" > "$tmp/bad.yaml"
defer ip link del ya
defer 'for d in /sys/class/net/yt*; do ip link del ${d##*/}; done'   # yt%d's and ytq
ynl_batch <<EOF
["--validate", "--schema", "$SCHEMA"]
["--validate", "--schema", "$SCHEMA", "--spec", "$tmp/bad.yaml"]
["--do", "pair-new", "--json", "{\"ifname\": \"ya\", \"peer-ifname\": \"yb\", \"mtu\": 1400}"]
["--dump", "pair-get"]
["--do", "pair-get", "--json", "{\"ifname\": \"yb\"}"]
["--do", "pair-new", "--json", "{\"ifname\": \"ya\", \"peer-ifname\": \"yc\"}"]
["--do", "tun-new", "--json", "{\"ifname\": \"yt%d\", \"mode\": \"tap\", \"pi\": 0, \"owner\": 1000}"]
["--dump", "tun-get"]
["--do", "tun-new", "--json", "{\"ifname\": \"ytq\", \"mode\": \"tap\", \"pi\": 0, \"vnet-hdr\": 1, \"multi-queue\": 1}"]
EOF
expect_eq "spec validates against genetlink.yaml" 0 "$(rc 0)"
# The later --spec wins: the bad copy. The validation is real: an unknown key fails it.
expect_eq "a spec with an unknown key does not validate" 1 "$(rc 1)"

expect_eq "pair-new: the reply is the new first end" "0 ya yb 1400 0" \
	"$(rc 2) $(out 2 | jq -r '"\(.ifname) \(."peer-ifname") \(.mtu) \(.carrier)"')"
expect_same "pair-new: ip sees both ends, joined" "[0-9]+ [0-9]+" "$(out 2 | jq -r '"\(.ifindex) \(."peer-ifindex")"')" \
	"$(ip -j link show dev ya | jq -r '.[0].ifindex') $(ip -j link show dev yb | jq -r '.[0].ifindex')"
expect_eq "pair-get dump finds both ends, each with its peer and counters" "ya:yb:true yb:ya:true" \
	"$(out 3 | jq -r '[.[] | select(.ifname == "ya" or .ifname == "yb") | "\(.ifname):\(."peer-ifname"):\(.stats | has("rx-packets") and has("tx-bytes"))"] | sort | join(" ")')"
expect_eq "pair-get do by name" "yb ya 1400" "$(out 4 | jq -r '"\(.ifname) \(."peer-ifname") \(.mtu)"')"
expect_same "rvnetctl agrees with pair-get" '\[[0-9]+,[0-9]+,[0-9]+\]' "$(out 4 | jq -c '[.ifindex, ."peer-ifindex", .mtu]')" \
	"$(rvnetctl -j pair show yb | jq -c '.[0] | [.ifindex, .link_index, .mtu]')"
expect_eq "pair-new of a used name fails with the kernel's message" "1 yes" \
	"$(rc 5) $(out 5 | grep -q 'rveth: name already in use' && echo yes)"
check_fail "the failed pair-new made no yc" test -e /sys/class/net/yc

name=$(out 6 | jq -r .ifname)
check "tun-new: a template is expanded" grep -Eq '^yt[0-9]+$' <<<"$name"
# vnet-hdr and multi-queue are off when absent; the queue counts are always there.
expect_eq "tun-new: the reply" "0 tap 0 1000 1 0 0 0 0 0" \
	"$(rc 6) $(out 6 | jq -r '"\(.mode) \(.pi) \(.owner) \(.persist) \(.attached) \(."vnet-hdr") \(."multi-queue") \(.queues) \(."disabled-queues")"')"
expect_eq "tun-get dump finds it" "$name tap" "$(out 7 | jq -r --arg n "$name" '.[] | select(.ifname == $n) | "\(.ifname) \(.mode)"')"
expect_eq "rvnetctl agrees with tun-get" "tap false 1000" \
	"$(rvnetctl -j tun show "$name" | jq -r '.[0] | "\(.mode) \(.pi) \(.user)"')"
expect_eq "tun-new with vnet-hdr and multi-queue: the reply" "0 ytq tap 0 1 1 0 0 0" \
	"$(rc 8) $(out 8 | jq -r '"\(.ifname) \(.mode) \(.pi) \(."vnet-hdr") \(."multi-queue") \(.queues) \(."disabled-queues") \(.attached)"')"
expect_eq "rvnetctl agrees: vnet_hdr, multi_queue, queues, disabled_queues" "true true 0 0" \
	"$(rvnetctl -j tun show ytq | jq -r '.[0] | "\(.vnet_hdr) \(.multi_queue) \(.queues) \(.disabled_queues)"')"

ynl_batch <<EOF
["--do", "pair-del", "--json", "{\"ifname\": \"yb\"}"]
["--do", "tun-del", "--json", "{\"ifname\": \"$name\"}"]
["--dump", "tun-get"]
["--do", "tun-del", "--json", "{\"ifname\": \"ytq\"}"]
EOF
expect_eq "pair-del (by the peer): both ends gone" "0|" "$(rc 0)|$(ls /sys/class/net | grep -x 'y[ab]')"
expect_eq "tun-del: gone" "0|" "$(rc 1)|$(ls /sys/class/net | grep -x "$name")"
expect_eq "tun-get dump no longer finds it" "[]" "$(out 2 | jq -c --arg n "$name" '[.[] | select(.ifname == $n)]')"
expect_eq "tun-del of the multiqueue device: gone" "0|" "$(rc 3)|$(ls /sys/class/net | grep -x ytq)"
ktap_finish
