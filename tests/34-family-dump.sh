#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A pair-get dump much larger than one skb: 2,000 pairs (4,000 ends) made
# with `ip -batch` in a namespace; `rvnetctl -j pair list` returns every end
# exactly once, each with its peer, and agrees with ip and get-info.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 12
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"
setup_ns nd          # deleting the namespace at exit deletes the pairs in one go
N=2000

for ((i = 0; i < N; i++)); do echo "link add name d$i type rveth"; done > "$tmp/batch"
start=$(date +%s)
check "ip -batch makes $N pairs" ip -n "$nd" -batch "$tmp/batch"
diag "made in $(( $(date +%s) - start )) s"

start=$(date +%s)
rvnetctl -n "$nd" -j pair list > "$tmp/list"; rc=$?
diag "dumped in $(( $(date +%s) - start )) s, $(wc -c < "$tmp/list") bytes of JSON"
expect_eq "pair list exits 0" 0 "$rc"
read -r ends ifindexes ifnames dnames peers_back <<<"$(jq -r '
	(map({(.ifname): .link}) | add) as $peer |
	[length,
	 ([.[].ifindex] | unique | length),
	 ([.[].ifname] | unique | length),
	 ([.[].ifname | select(test("^d[0-9]+$"))] | unique | length),
	 ([.[] | select($peer[.link] == .ifname)] | length)] | map(tostring) | join(" ")' "$tmp/list")"
expect_eq "exactly $((2 * N)) ends" $((2 * N)) "$ends"
expect_eq "no ifindex twice" $((2 * N)) "$ifindexes"
expect_eq "no ifname twice" $((2 * N)) "$ifnames"
expect_eq "every dN there" "$N" "$dnames"
expect_eq "every end's peer is listed and points back" $((2 * N)) "$peers_back"
expect_eq "the names are d0..d$((N - 1)) and their peers" \
	"$(seq 0 $((N - 1)) | sed 's/^/d/' | sort | md5sum)" \
	"$(jq -r '.[].ifname | select(startswith("d"))' "$tmp/list" | sort | md5sum)"
expect_eq "ip counts as many rveth devices" $((2 * N)) "$(ip -n "$nd" -j link show type rveth | jq length)"
expect_eq "get-info counts as many ends" $((2 * N)) "$(rvnetctl -n "$nd" -j info | jq .pairs)"
expect_eq "the table has a line per end" $((2 * N + 1)) "$(rvnetctl -n "$nd" pair list | wc -l)"
expect_eq "a dump in another namespace sees none of them" 0 \
	"$(rvnetctl -j pair list | jq '[.[] | select(.ifname | test("^d[0-9]+$"))] | length')"
ktap_finish
