# SPDX-License-Identifier: GPL-2.0
# The differential harness shared by the rtun tests 20-22: runs tunclient.py
# scenarios on /dev/net/tun and /dev/net/rtun and compares. Source after
# lib.sh; then ktap_plan "$(tun_plan N)" for N scenarios: rtun_check_dev is
# one case, tun_scenarios three a scenario.

# tun_plan N: the number of cases of this harness for N scenarios.
tun_plan() { echo $((1 + 3 * $1)); }

[ "${RVNET_NO_LOAD:-0}" = 1 ] || ensure_rvnet || diag "rvnet.ko could not be loaded"

TUNCLIENT=$RVNET_ROOT/tests/tools/tunclient.py
# device:prefix; the kernel's tun first, it is the reference. RTUN_DEV
# points the rtun half elsewhere (RTUN_DEV=/dev/net/tun checks the test
# itself: both halves must then agree); RTUN_TEST_VERBOSE=1 prints the
# reference's step lines. --other is the other device (for `cross`).
RTUN_DEV=${RTUN_DEV:-/dev/net/rtun}
RTUN_PATHS="/dev/net/tun:tun $RTUN_DEV:rtun"
tmp=$(mktemp -d); defer rm -rf "$tmp"

# ran_to_end FILE SCENARIO: FILE holds SCENARIO's step lines and its end.
ran_to_end() { [ -f "$1" ] && grep -q "^# end $2: " "$1" && grep -qv '^# ' "$1"; }

# tun_scenarios SCENARIO...: run the tunclient.py scenarios against each
# device, all in one client process in a fresh netns per device (python
# starts slowly under TCG); then per scenario: one case per device (the
# client's checks against tun's values) and "rtun = tun: SCENARIO" (the
# step lines, notes dropped, must be equal).
tun_scenarios() {
	local p dev pfx out s f d other
	for p in $RTUN_PATHS; do
		dev=${p%:*}; pfx=${p#*:}; out=$tmp/all.$pfx
		other=/dev/net/tun; [ "$pfx" = tun ] && other=$RTUN_DEV
		rm -f "$out" "$tmp/"*".$pfx"
		[ -c "$dev" ] || continue
		setup_ns ns
		ip netns exec "$ns" timeout 150 "${PYTHON:-python3}" -S "$TUNCLIENT" --path "$dev" --prefix "$pfx" \
			--other "$other" "$@" >"$out" 2>"$out.err"
		echo $? >"$out.rc"
		cleanup_ns
		for s in "$@"; do
			awk -v s="== $s" '$0 == s { on = 1; next } /^== / { on = 0 } on' "$out" >"$tmp/$s.$pfx"
		done
	done
	for s in "$@"; do
		for p in $RTUN_PATHS; do
			dev=${p%:*}; pfx=${p#*:}; f=$tmp/$s.$pfx
			if [ ! -c "$dev" ]; then
				ktap_fail "$pfx: $s # $dev missing"
			elif grep -q "^# end $s: ok\$" "$f"; then
				ktap_ok "$pfx: $s"
			elif grep -q "^# end $s: " "$f"; then
				ktap_fail "$pfx: $s"
				# The failed steps, each followed by tun's value.
				grep -B1 '^# .*: expected \|^exception: ' "$f" | grep -v '^--$' |
					sed 's/^/#   /' | head -n 40
				tail -n 6 "$tmp/all.$pfx.err" | sed 's/^/#   stderr: /'
			else
				ktap_fail "$pfx: $s"
				diag "no result: the client ended (exit $(cat "$tmp/all.$pfx.rc")) before the end of $s"
				tail -n 5 "$f" | sed 's/^/#   last: /'
				tail -n 6 "$tmp/all.$pfx.err" | sed 's/^/#   stderr: /'
				mv "$f" "$f.partial"
			fi
			[ "${RTUN_TEST_VERBOSE:-0}" = 1 ] && [ "$pfx" = tun ] && [ -f "$f" ] &&
				sed 's/^/#   /' "$f"
		done
		if [ ! -c "$RTUN_DEV" ]; then
			ktap_fail "rtun = tun: $s # $RTUN_DEV missing"
		elif ! ran_to_end "$tmp/$s.tun" "$s" || ! ran_to_end "$tmp/$s.rtun" "$s"; then
			# Two missing or empty results never agree.
			ktap_fail "rtun = tun: $s # not run to the end on both"
		else
			expect_files_eq "rtun = tun: $s" <(grep -v '^# ' "$tmp/$s.tun") <(grep -v '^# ' "$tmp/$s.rtun")
		fi
	done
}

# tool_steps TOOL NAME ARGS...: `TOOL DEV ARGS...` (a step-line tool:
# tests/tools/steps.h) on each device in a fresh netns (its own sysfs); then
# one case per device (the tool's checks against tun's values, its run
# ending in `# end SUBCOMMAND: ok`) and "rtun = tun: NAME" (the step lines,
# notes dropped, must be equal). Three cases. RTUN_TEST_VERBOSE=1 prints
# the reference's lines.
tool_steps() {
	local tool=$1 name=$2 p dev pfx f base=${2// /-}; shift 2
	for p in $RTUN_PATHS; do
		dev=${p%:*}; pfx=${p#*:}; f=$tmp/$base.$pfx
		rm -f "$f"
		[ -c "$dev" ] && [ -x "$tool" ] || continue
		setup_ns ns
		ip netns exec "$ns" timeout 60 "$tool" "$dev" "$@" >"$f" 2>"$f.err"
		echo $? >"$f.rc"
		cleanup_ns
	done
	for p in $RTUN_PATHS; do
		dev=${p%:*}; pfx=${p#*:}; f=$tmp/$base.$pfx
		if [ ! -c "$dev" ]; then
			ktap_fail "$pfx: $name # $dev missing"
		elif grep -q "^# end $1: ok\$" "$f" 2>/dev/null; then
			ktap_ok "$pfx: $name"
		elif grep -q "^# end $1: " "$f" 2>/dev/null; then
			ktap_fail "$pfx: $name"
			# The failed steps, each followed by tun's value.
			grep -B1 '^# .*: expected \|^# set-up error' "$f" | grep -v '^--$' |
				sed 's/^/#   /' | head -n 40
			tail -n 5 "$f.err" 2>/dev/null | sed 's/^/#   stderr: /'
		else
			ktap_fail "$pfx: $name"
			diag "no result: $(basename "$tool") ended (exit $(cat "$f.rc" 2>/dev/null)) before the end"
			tail -n 5 "$f" 2>/dev/null | sed 's/^/#   last: /'
			tail -n 5 "$f.err" 2>/dev/null | sed 's/^/#   stderr: /'
		fi
		[ "${RTUN_TEST_VERBOSE:-0}" = 1 ] && [ "$pfx" = tun ] && [ -f "$f" ] &&
			sed 's/^/#   /' "$f"
	done
	if [ ! -c "$RTUN_DEV" ]; then
		ktap_fail "rtun = tun: $name # $RTUN_DEV missing"
	elif ! grep -q "^# end $1: " "$tmp/$base.tun" 2>/dev/null ||
	     ! grep -q "^# end $1: " "$tmp/$base.rtun" 2>/dev/null ||
	     ! grep -qv '^# ' "$tmp/$base.tun" || ! grep -qv '^# ' "$tmp/$base.rtun"; then
		# Two missing or empty results never agree.
		ktap_fail "rtun = tun: $name # not run to the end on both"
	else
		expect_files_eq "rtun = tun: $name" <(grep -v '^# ' "$tmp/$base.tun") \
			<(grep -v '^# ' "$tmp/$base.rtun")
	fi
}
