#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtun's error paths against the kernel's tun, a differential test: the same
# tunclient.py scenarios run on /dev/net/tun (the reference) and on
# /dev/net/rtun (one client process and one fresh netns per device); per
# device the client's own checks, then rtun's step lines must equal tun's.
#   garbage: TUN/TAP x PI/no PI: writes of 0, 1, 4, 13, 14, 18, 65535+PI and
#            70000 bytes, bad IP version, odd PI proto, 100 seeded
#            pseudo-random buffers (errno histogram), writes with the link
#            down (EIO)
#   perm:    TUNSETOWNER/TUNSETGROUP honoured for unprivileged users (forked
#            children with dropped credentials), creating and attaching to
#            an unowned device need CAP_NET_ADMIN
# /dev/net/rtun missing is a failure, not a skip.
. "$(dirname "$0")/lib.sh"
ktap_header
. "$(dirname "$0")/rtun_lib.sh"
ktap_plan "$(tun_plan 2)"
rtun_check_dev

tun_scenarios garbage perm
ktap_finish
