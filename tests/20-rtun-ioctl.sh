#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtun's control ABI against the kernel's tun, a differential test: the same
# tunclient.py scenarios run on /dev/net/tun (the reference) and on
# /dev/net/rtun (one client process and one fresh netns per device). Per
# device: the client's own checks (tun's errnos and flags as the reference
# values); then rtun's step lines must equal tun's.
#   ioctls: TUNGETFEATURES, TUNSETIFF (templates, TUN/TAP, names), TUNGETIFF,
#           TUNSETPERSIST/OWNER/GROUP, unknown ioctl, unattached fd, netdev
#           type/flags/MTU
#   misc:   TUNSETIFINDEX, /proc fdinfo `iff:`, sysfs tun_flags/owner/group,
#           SIOCGSKNS and TUNGETDEVNETNS,
#           TUNSETSTEERINGEBPF/FILTEREBPF, TUNSETTXFILTER (exact addresses,
#           frames out and dropped, a unicast beyond eight turns it off),
#           TUNATTACHFILTER on TUN, TUNSETLINK (EBUSY up; type, addr_len)
#   attach: persistent devices, re-attach, EBUSY/EINVAL/IFF_TUN_EXCL, carrier,
#           deletion (ip link del) while attached: blocked reader, read,
#           write, ioctl and poll after it, the fd reused
#   cross:  a device of one driver cannot be attached through the other's
#           clone device
# /dev/net/rtun missing is a failure, not a skip.
. "$(dirname "$0")/lib.sh"
ktap_header
. "$(dirname "$0")/rtun_lib.sh"

# cross: a tun device cannot be attached through rtun, nor the reverse
# (meaningless when RTUN_DEV is tun itself).
if [ "$RTUN_DEV" = /dev/net/tun ]; then
	ktap_plan $(( $(tun_plan 3) + 1 ))
	rtun_check_dev
	tun_scenarios ioctls misc attach
	ktap_skip "cross" "RTUN_DEV is /dev/net/tun"
else
	ktap_plan "$(tun_plan 4)"
	rtun_check_dev
	tun_scenarios ioctls misc attach cross
fi
ktap_finish
