// SPDX-License-Identifier: GPL-2.0

//! The family's uapi, as in `spec/rvnet.yaml`.

#![allow(dead_code)]

use kernel::prelude::*;

pub(crate) const RVNET_FAMILY_NAME: &CStr = c"rvnet";
pub(crate) const RVNET_FAMILY_VERSION: u32 = 1;
pub(crate) const RVNET_MCGRP_NOTIFY: &CStr = c"notify";

pub(crate) const RVNET_CMD_GET_INFO: u8 = 1;
pub(crate) const RVNET_CMD_PAIR_NEW: u8 = 2;
pub(crate) const RVNET_CMD_PAIR_DEL: u8 = 3;
pub(crate) const RVNET_CMD_PAIR_GET: u8 = 4;
pub(crate) const RVNET_CMD_TUN_NEW: u8 = 5;
pub(crate) const RVNET_CMD_TUN_DEL: u8 = 6;
pub(crate) const RVNET_CMD_TUN_GET: u8 = 7;
pub(crate) const RVNET_CMD_PAIR_NEW_NTF: u8 = 8;
pub(crate) const RVNET_CMD_PAIR_DEL_NTF: u8 = 9;
pub(crate) const RVNET_CMD_TUN_NEW_NTF: u8 = 10;
pub(crate) const RVNET_CMD_TUN_DEL_NTF: u8 = 11;
pub(crate) const RVNET_CMD_LINK_CHANGE_NTF: u8 = 12;

// Attribute set `info`.
pub(crate) const RVNET_A_INFO_VERSION: u32 = 1;
pub(crate) const RVNET_A_INFO_FEATURES: u32 = 2;
pub(crate) const RVNET_A_INFO_PAIRS: u32 = 3;
pub(crate) const RVNET_A_INFO_TUNS: u32 = 4;

// Feature bits of `info.features`.
pub(crate) const RVNET_FEATURE_RVETH: u32 = 1 << 0;
pub(crate) const RVNET_FEATURE_RTUN: u32 = 1 << 1;

// Attribute set `stats`.
pub(crate) const RVNET_A_STATS_RX_PACKETS: u32 = 1;
pub(crate) const RVNET_A_STATS_RX_BYTES: u32 = 2;
pub(crate) const RVNET_A_STATS_TX_PACKETS: u32 = 3;
pub(crate) const RVNET_A_STATS_TX_BYTES: u32 = 4;
pub(crate) const RVNET_A_STATS_RX_DROPPED: u32 = 5;
pub(crate) const RVNET_A_STATS_TX_DROPPED: u32 = 6;
pub(crate) const RVNET_A_STATS_PAD: u32 = 7;

// Attribute set `pair`.
pub(crate) const RVNET_A_PAIR_IFINDEX: u32 = 1;
pub(crate) const RVNET_A_PAIR_IFNAME: u32 = 2;
pub(crate) const RVNET_A_PAIR_PEER_IFINDEX: u32 = 3;
pub(crate) const RVNET_A_PAIR_PEER_IFNAME: u32 = 4;
pub(crate) const RVNET_A_PAIR_PEER_NETNS_FD: u32 = 5;
pub(crate) const RVNET_A_PAIR_MTU: u32 = 6;
pub(crate) const RVNET_A_PAIR_CARRIER: u32 = 7;
pub(crate) const RVNET_A_PAIR_STATS: u32 = 8;
pub(crate) const RVNET_A_PAIR_PEER_NETNSID: u32 = 9;

// Attribute set `tun`.
pub(crate) const RVNET_A_TUN_IFINDEX: u32 = 1;
pub(crate) const RVNET_A_TUN_IFNAME: u32 = 2;
pub(crate) const RVNET_A_TUN_MODE: u32 = 3;
pub(crate) const RVNET_A_TUN_PI: u32 = 4;
pub(crate) const RVNET_A_TUN_OWNER: u32 = 5;
pub(crate) const RVNET_A_TUN_GROUP: u32 = 6;
pub(crate) const RVNET_A_TUN_ATTACHED: u32 = 7;
pub(crate) const RVNET_A_TUN_QUEUE_LEN: u32 = 8;
pub(crate) const RVNET_A_TUN_STATS: u32 = 9;
pub(crate) const RVNET_A_TUN_PERSIST: u32 = 10;

// enum tun-mode
pub(crate) const RVNET_TUN_MODE_TUN: u32 = 1;
pub(crate) const RVNET_TUN_MODE_TAP: u32 = 2;
