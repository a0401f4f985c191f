#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtun's data path against the kernel's tun, a differential test: the same
# tunclient.py scenarios run on /dev/net/tun (the reference) and on
# /dev/net/rtun (one client process and one fresh netns per device); per
# device the client's own checks, then rtun's step lines must equal tun's.
#   echo: TUN, with and without PI: ICMP echo to the device's IPv4 and IPv6
#         address, written and read by hand (checksums, PI proto, rx stats,
#         no reply to a bad checksum or to IPv4 labelled ETH_P_IPV6 in PI)
#   arp:  TAP, with and without PI: ARP request -> reply, ICMP echo over
#         Ethernet, a frame for another MAC ignored, the stack ARPs for us
#         and sends us UDP, UDP back into a socket
#   poll: TUN, with and without PI: EAGAIN, poll/epoll/select (level and
#         edge triggered), read(0), short reads (TUN_PKT_STRIP), a blocking
#         read in a thread woken by a packet
# /dev/net/rtun missing is a failure, not a skip.
. "$(dirname "$0")/lib.sh"
ktap_header
. "$(dirname "$0")/rtun_lib.sh"
ktap_plan "$(tun_plan 6)"
rtun_check_dev

tun_scenarios echo echo-nopi arp arp-nopi poll poll-nopi
ktap_finish
