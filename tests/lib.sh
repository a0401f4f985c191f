# SPDX-License-Identifier: GPL-2.0
# kselftest-style helpers for rvnet's tests (source this file).
# TAP 13 output; exit 0 pass, 1 fail, 4 skip (as tools/testing/selftests).

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

RVNET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RVNET_KO=$RVNET_ROOT/module/rvnet.ko
PATH=$RVNET_ROOT/tools/rvnetctl/target/release:$PATH
# ip's link plugins (link_rveth.so, link_rtun.so) from the build, so that
# `ip link add ... type rveth peer ...` works as for veth (`make plugins`).
export IP_LIB_DIR=$RVNET_ROOT/tools/ipplugin/target/ip
# client_bin NAME: a real client of tests/clients/NAME as scripts/clients.sh
# (`make clients`) built it on the host, in the cache ($RVNET_CACHE, which
# virtme/guest.sh passes on to the guest; default ~/.cache/rvnet).
client_bin() { echo "${RVNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rvnet}/clients/$1/release/$1"; }

__tap_n=0
__tap_fail=0
__tap_pass=0
__tap_skip=0
__defer=()

__tap_plan=
__tap_plan_bad=

ktap_header() { echo "TAP version 13"; }
# ktap_plan N: the plan, "1..N", printed once and before the first result;
# ktap_finish fails the test unless exactly N results were reported (as
# ktap_finished in the kernel's kselftest/ktap_helpers.sh).
ktap_plan() {
	if [ -n "$__tap_plan" ]; then
		diag "ktap_plan $1: the plan was already given (1..$__tap_plan)"
		__tap_plan_bad=1
		return
	fi
	if [ "$__tap_n" -gt 0 ]; then
		diag "ktap_plan $1: the plan comes after $__tap_n results"
		__tap_plan_bad=1
	fi
	__tap_plan=$1
	echo "1..$1"
}
ktap_ok() { __tap_n=$((__tap_n + 1)); __tap_pass=$((__tap_pass + 1)); echo "ok $__tap_n $*"; }
ktap_fail() { __tap_n=$((__tap_n + 1)); __tap_fail=$((__tap_fail + 1)); echo "not ok $__tap_n $*"; }
ktap_skip() { __tap_n=$((__tap_n + 1)); __tap_skip=$((__tap_skip + 1)); echo "ok $__tap_n $1 # SKIP ${2:-}"; }
diag() { echo "# $*"; }

# check DESC CMD...: one test case that passes when CMD exits 0.
check() {
	local desc=$1; shift
	local out
	if out=$("$@" 2>&1); then
		ktap_ok "$desc"
	else
		ktap_fail "$desc"
		diag "command: $*"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /' | head -n 20
	fi
}

# check_fail DESC CMD...: passes when CMD fails.
check_fail() {
	local desc=$1; shift
	local out
	if out=$("$@" 2>&1); then
		ktap_fail "$desc"
		diag "command unexpectedly succeeded: $*"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /' | head -n 20
	else
		ktap_ok "$desc"
	fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		ktap_ok "$1"
	elif [[ $2$3 == *$'\n'* ]]; then
		ktap_fail "$1"
		diag "diff expected got:"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/#   /' | head -n 20
	else
		ktap_fail "$1"
		diag "expected: '$2'"
		diag "     got: '$3'"
	fi
}

# The forms of results that expect_same requires (extended regexps).
RE_NUM='[0-9]+'
RE_MAC='([0-9a-f]{2}:){5}[0-9a-f]{2}'
# the output of `links`: one name a line, lo among them.
RE_LINKS="(.*"$'\n'")?lo("$'\n'".*)?"

# expect_same DESC FORM REFERENCE RESULT: a differential check, REFERENCE and
# RESULT produced by two drivers (or two tools, or before and after) must be
# equal; each must first match the extended regexp FORM (anchored), so two
# missing or empty results never agree.
expect_same() {
	local desc=$1 form=$2 shown=${2//$'\n'/\\n}
	if ! [[ $3 =~ ^($form)$ ]]; then
		ktap_fail "$desc"
		diag "no reference result: '$3' is not of the form $shown"
	elif ! [[ $4 =~ ^($form)$ ]]; then
		ktap_fail "$desc"
		diag "no result: '$4' is not of the form $shown (reference: '$3')"
	else
		expect_eq "$desc" "$3" "$4"
	fi
}

# expect_files_eq DESC A B: passes when files A and B are the same; else
# shows `diff -U0 A B` (the reference first). Callers check first that each
# side ran: two empty files agree.
expect_files_eq() {
	local d
	if d=$(diff -U0 "$2" "$3"); then
		ktap_ok "$1"
	else
		ktap_fail "$1"
		diag "diff -U0 (reference first):"
		printf '%s\n' "$d" | sed '1,2d' | grep -v '^@@' | sed 's/^/#   /' | head -n 40
	fi
}

# defer CMD...: run CMD at exit, last deferred first (as selftests' lib.sh).
defer() { __defer+=("$*"); }
__run_defer() {
	local i
	for ((i = ${#__defer[@]} - 1; i >= 0; i--)); do
		eval "${__defer[$i]}" >/dev/null 2>&1 || true
	done
	__defer=()
}
trap '__run_defer; cleanup_ns' EXIT

# setup_ns VAR...: create uniquely named netns, their names in VAR; removed
# by cleanup_ns or at exit.
__ns=()
setup_ns() {
	local var name
	for var in "$@"; do
		name="$var-$(mktemp -u XXXXXX)"
		ip netns add "$name" || return 1
		ip -n "$name" link set lo up
		eval "$var=$name"
		__ns+=("$name")
	done
}

# cleanup_ns: delete every netns made by setup_ns (and the devices in them).
cleanup_ns() {
	local ns
	for ns in "${__ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	__ns=()
}

# no_ipv6 NS...: IPv6 off in these namespaces (no ND/MLD chatter in windows
# where packets are counted).
no_ipv6() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
}

# now_ms: milliseconds since the epoch, in $now_ms (a builtin, no fork: every
# process costs under TCG).
now_ms() { now_ms=${EPOCHREALTIME/[.,]/}; now_ms=$((now_ms / 1000)); }

# busywait TIMEOUT_MS CMD...: retry CMD until it succeeds or time runs out.
busywait() {
	local timeout=$1 end; shift
	now_ms; end=$((now_ms + timeout))
	while true; do
		"$@" && return 0
		now_ms; [ "$now_ms" -ge "$end" ] && return 1
		sleep 0.05	# the poll interval, not a synchronisation
	done
}

# in_netns PID NS: is process PID in network namespace NS (by setup_ns)?
in_netns() { [ "$(stat -Lc %i "/proc/$1/ns/net" 2>/dev/null)" = "$(stat -Lc %i "/run/netns/$2" 2>&1)" ]; }

# capture NS OUT ARGS...: `tcpdump -l -n ARGS` in NS in the background, its
# output in OUT, its stderr in OUT.err, its pid in $capture; returns once
# tcpdump says "listening on" (printed after its filter is attached), 1 if it
# does not within 20 s.
capture() {
	local ns=$1 out=$2; shift 2
	ip netns exec "$ns" timeout 40 tcpdump -l -n "$@" >"$out" 2>"$out.err" &
	capture=$!
	# Listening, or gone (a bad interface or filter): no use waiting.
	busywait 20000 eval "grep -q 'listening on' '$out.err' || ! kill -0 $capture 2>/dev/null"
	grep -q 'listening on' "$out.err" && return 0
	diag "tcpdump did not start listening:"
	sed 's/^/#   /' "$out.err" | head -n 5
	return 1
}

# rvnet_loaded: is rvnet.ko loaded?
rvnet_loaded() { grep -q '^rvnet ' /proc/modules; }

# ensure_rvnet: load rvnet.ko if it is not loaded.
ensure_rvnet() { rvnet_loaded || insmod "$RVNET_KO"; }

# rtun_check_dev: is $RTUN_DEV (the rtun tests' device) a character device?
# The first case of each rtun test, after its plan.
rtun_check_dev() {
	if [ -c "$RTUN_DEV" ]; then
		ktap_ok "rtun: $RTUN_DEV is a character device"
	else
		ktap_fail "rtun: $RTUN_DEV is a character device"
		grep -qw rtun /proc/misc && diag "/proc/misc has rtun: $(grep -w rtun /proc/misc)"
		rvnet_loaded || diag "rvnet is not loaded"
	fi
}

# ktap_finish: exit with the kselftest code for what was reported. A test
# without a plan, or whose results do not number its plan (one that did not
# run is missing), fails; skips count as run, never as passed.
ktap_finish() {
	__run_defer
	cleanup_ns
	echo "# Totals: pass:$__tap_pass fail:$__tap_fail skip:$__tap_skip"
	if [ -z "$__tap_plan" ]; then
		diag "no plan: ran $__tap_n, planned none (ktap_plan)"
		exit $KSFT_FAIL
	elif [ "$__tap_n" -ne "$__tap_plan" ]; then
		diag "planned $__tap_plan, ran $__tap_n"
		exit $KSFT_FAIL
	elif [ -n "$__tap_plan_bad" ] || [ $__tap_fail -gt 0 ]; then
		exit $KSFT_FAIL
	elif [ $__tap_pass -eq 0 ] && [ $__tap_skip -gt 0 ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}

# --- pairs (veth protocol over rtnetlink, for kind veth or rveth) -----------
RTNL_PAIR=$RVNET_ROOT/tests/tools/rtnl_pair.py

# pair_add KIND NAME [rtnl_pair.py options...]: create a pair, quietly.
pair_add() { python3 "$RTNL_PAIR" "$@" >/dev/null; }

# pair_across KIND A NS_A B NS_B [ADDR_A ADDR_B]: a pair with end A in NS_A
# and end B in NS_B, both up, with the addresses when given; made in one
# request as users write it (for rveth through the iproute2 plugin).
pair_across() {
	local kind=$1 a=$2 na=$3 b=$4 nb=$5
	ip link add name "$a" netns "$na" type "$kind" peer name "$b" netns "$nb" || return 1
	if [ -n "${6:-}" ]; then ip -n "$na" addr add "$6" dev "$a" || return 1; fi
	if [ -n "${7:-}" ]; then ip -n "$nb" addr add "$7" dev "$b" || return 1; fi
	ip -n "$na" link set dev "$a" up && ip -n "$nb" link set dev "$b" up
}

# pair_err KIND NAME [options...]: print "ERRNAME|extack" of a failing create
# ("ok|" when it succeeded).
pair_err() {
	local out
	out=$(python3 "$RTNL_PAIR" "$@" 2>&1)
	case $out in
	ok) echo "ok|" ;;
	error*) read -r _ _ name msg <<<"$out"; echo "$name|$msg" ;;
	*) echo "?|$out" ;;
	esac
}

# links: the sorted names of all links in the current (or given) netns.
links() { ip ${1:+-n "$1"} -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }

# counter DEV FIELD [NS]: a counter of `ip -s link` (rtnl stats64), e.g.
# rx_packets, tx_bytes, rx_dropped, tx_dropped.
counter() {
	ip ${3:+-n "$3"} -j -s link show dev "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]["stats64"]
side, what = sys.argv[1].split("_", 1)
print(d[side][what])' "$2"
}

# kinds under test: the kernel's veth as the reference, then rveth.
KINDS="veth rveth"

# --- the rvnet family (tests 3x-family-*) ------------------------------------
# A Python without pyenv's shim (much faster to start under TCG).
PYTHON=$(command -v /usr/bin/python3 || command -v python3)

# jkeys JSON: the sorted keys of the first object of a JSON array, as one line.
jkeys() { jq -c '.[0] | keys' <<<"$1"; }

# rvnet_notify_group: the id of the family's multicast group "notify".
rvnet_notify_group() { rvnetctl -j info | jq -r '.mcast_groups[] | select(.name == "notify") | .id'; }

# nl_joined PID GROUP: has a netlink socket of PID, or of a child of PID (as
# under `timeout`), joined multicast group GROUP? Reads /proc/P/net/netlink
# (the namespace P is in), whose Groups column holds groups 1..32 only: for a
# higher GROUP it cannot tell and says yes (wait_joined uses nl_in_recv then).
nl_joined() {
	local group=$2 pid inodes inode groups
	[ "$group" -gt 32 ] && return 0
	for pid in $1 $(pgrep -P "$1"); do
		inodes=" $(ls -l /proc/"$pid"/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ') "
		while read -r _ _ _ groups _ _ _ _ _ inode _; do
			[[ $inodes == *" $inode "* ]] || continue
			(( 0x$groups & (1 << (group - 1)) )) && return 0
		done < <(tail -n +2 /proc/"$pid"/net/netlink 2>/dev/null)
	done
	return 1
}

# nl_in_recv PID: is PID, or a child of PID, asleep in recvfrom or recvmsg
# (x86-64's 45, 47) on one of its netlink sockets? For a group above 32, which
# /proc/P/net/netlink cannot show (and this kernel has no NETLINK_DIAG):
# `rvnetctl monitor` joins the group before its first receive, and the reply
# to its one request before that is queued before the send returns, so its
# receive never sleeps.
nl_in_recv() {
	local pid nr fd inode
	for pid in $1 $(pgrep -P "$1"); do
		read -r nr fd _ 2>/dev/null </proc/"$pid"/syscall || continue
		[ "$nr" = 45 ] || [ "$nr" = 47 ] || continue
		inode=$(readlink /proc/"$pid"/fd/$((fd)) 2>/dev/null)
		[[ $inode =~ ^socket:\[([0-9]+)\]$ ]] || continue
		awk -v i="${BASH_REMATCH[1]}" 'NR > 1 && $10 == i { f = 1 } END { exit !f }' \
			/proc/"$pid"/net/netlink && return 0
	done
	return 1
}

# wait_joined PID GROUP: wait (up to 20 s) until PID listens to GROUP.
wait_joined() {
	if [ "$2" -le 32 ]; then
		busywait 20000 nl_joined "$1" "$2"
	else
		busywait 20000 nl_in_recv "$1"
	fi
}

# rvnetctl_from DIR: run rvnetctl from a copy in DIR (a tmpfs in the VM): read
# over 9p, its pages cost a round trip at every start (~1 s under TCG).
rvnetctl_from() { cp "$(command -v rvnetctl)" "$1/" && PATH=$1:$PATH; }
