#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtun's multiqueue (IFF_MULTI_QUEUE, TUNSETQUEUE) against the kernel's
# tun, a differential test: tests/tools/mqtest.c runs the same steps on
# /dev/net/tun (the reference) and on /dev/net/rtun, each in a fresh netns.
# Per device: mqtest's own checks (each step has the result 7.3's tun
# gives, read in drivers/net/tun.c: tun_attach, __tun_detach,
# tun_set_queue, tun_set_iff, tun_automq_select_queue, tun_flow_update,
# tun_net_xmit); then rtun's step lines must equal tun's.
#   errors tun|tap:  TUNSETIFF with and without IFF_MULTI_QUEUE on the
#           other kind of device (EINVAL), a second single-queue file
#           (EBUSY), TUNSETQUEUE unattached, DETACH on a single-queue
#           device or twice, ATTACH on an enabled queue, neither flag
#           (EINVAL), a detached file's TUNSETIFF (EEXIST) and read
#           (EAGAIN); TAP: 256 files, the 257th E2BIG (detached ones
#           count, a detached one comes back)
#   state tun|tap:   numqueues/numdisabled (RTM_GETLINK's IFLA_TUN_*, and
#           `ip -d link`'s "multi_queue numqueues N numdisabled M"),
#           ETHTOOL_GCHANNELS (combined = enabled queues, max 256), the
#           real queues in /sys/class/net/DEV/queues (at least 1), TUNGETIFF
#           of each file (IFF_DETACH_QUEUE), as 4 queues are attached,
#           detached (all of them: a datagram sent is tx_dropped),
#           re-attached; a single-queue device; ETHTOOL_SCHANNELS
#   traffic tun|tap: 64 UDP flows x 3 datagrams from the stack over 4
#           queues: each read once, each flow on one queue, more than one
#           queue, tx_packets/tx_dropped; with the busiest queue detached
#           (nothing there) and re-attached (chosen again); which queue each
#           flow takes (the symmetric hash: one boot's, compared only)
#   flows tun|tap:   tun's flow table: a packet written on a queue sends
#           the flow's replies there (each queue in turn, four flows at
#           once); a detached file's write does not update it; the entries
#           name queue indexes (a DETACH moves the last file; 7.3 deletes
#           no entry of it); TAP: an entry expires 3 s after its last write
#   close tun|tap:   closing queues one by one (numqueues drops, a detached
#           one's close drops numdisabled), the device stays while a
#           detached file is left and goes with the last file; a
#           persistent MQ device stays, carrier off, no queue; deleted with
#           a detached queue: EBADFD, EINVAL, a new TUNSETIFF
#   churn tap:       DETACH/ATTACH of q1..q3 in a loop for 2 s while a
#           thread sends 16 flows (noqueue qdisc, IP_RECVERR) and another
#           reads: no error, no duplicate; tx_dropped = the sender's
#           ENOBUFS; received + tx_dropped <= sent (what a DETACH purges
#           from its ring tun counts nowhere); then all 4 queues work
# /dev/net/rtun missing is a failure, not a skip.
. "$(dirname "$0")/lib.sh"
ktap_header
RUNS=("errors tun" "errors tap" "state tun" "state tap" "traffic tun" "traffic tap"
	"flows tun" "flows tap" "close tun" "close tap" "churn tap")
# rtun_check_dev, the build, then 3 cases a run (tun's, rtun's, rtun = tun).
ktap_plan $((2 + ${#RUNS[@]} * 3))
. "$(dirname "$0")/rtun_lib.sh"
rtun_check_dev

MQ=$tmp/mqtest
check "mqtest.c builds" gcc -O2 -Wall -pthread -o "$MQ" "$RVNET_ROOT/tests/tools/mqtest.c"

for run in "${RUNS[@]}"; do
	# shellcheck disable=SC2086 # "SUBCOMMAND MODE", two words
	tool_steps "$MQ" "$run" $run
done
ktap_finish
