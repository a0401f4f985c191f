#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where the time of one tunrate case goes, tun against rtun, same boot:
# `perf record` (cpu-clock: TCG has no hardware counters) of the whole
# guest while tests/tools/tunrate.c runs, then each driver's top symbols.
#
#   make vm KERNEL=... CMD='bash tests/tools/profile.sh tun write 64 [nonblock]'
#   (or: RVNET_KERNEL=bench bash virtme/run.sh 'bash tests/tools/profile.sh ...')
#
# RVNET_PROFILE_COUNT packets per run (default 200000), RVNET_PROFILE_TOP
# symbols shown (default 40), RVNET_PROFILE_CHILDREN=1 ranks by inclusive
# time (perf report --children: what a syscall's callees cost),
# RVNET_PROFILE_CALLERS=SYM also prints who calls SYM (perf report -G).
set -eu
. "$(dirname "$0")/../lib.sh"
mode=$1 dir=$2 size=$3 nb=${4:-}
# Module symbols in the report: kallsyms shows their addresses only then.
sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
count=${RVNET_PROFILE_COUNT:-200000}
top=${RVNET_PROFILE_TOP:-40}
tmp=$(mktemp -d)
gcc -O2 -Wall -o "$tmp/tunrate" "$RVNET_ROOT/tests/tools/tunrate.c"
for path in /dev/net/tun /dev/net/rtun; do
	echo "== $path: $mode $dir $size ${nb:-blocking}, $count packets"
	perf record -q -a -g -e cpu-clock -F 4000 -o "$tmp/perf.data" -- \
		unshare -n "$tmp/tunrate" "$path" "$mode" "$dir" "$size" "$count" $nb
	perf report -q -i "$tmp/perf.data" --stdio \
		$([ "${RVNET_PROFILE_CHILDREN:-0}" = 1 ] && echo --children || echo --no-children) \
		-n --sort sym -g none --percent-limit 0.3 2>/dev/null | head -n "$top"
	if [ -n "${RVNET_PROFILE_CALLERS:-}" ]; then
		perf report -q -i "$tmp/perf.data" --stdio --no-children -S "$RVNET_PROFILE_CALLERS" \
			-G 2>/dev/null | head -n 60
	fi
done
rm -rf "$tmp"
