// SPDX-License-Identifier: GPL-2.0

//! The `rvnet` generic netlink family's uapi, mirroring the module's
//! `module/family/uapi.rs` (names kept identical so they can be grepped for on both sides).
//!
//! Command numbers are the generic netlink header's `cmd` (u8); attribute numbers are
//! `nla_type` (u16) within the named attribute set.

/// Generic netlink family name, resolved to an id through nlctrl.
pub const RVNET_FAMILY_NAME: &str = "rvnet";
/// Version sent in the generic netlink header of every request.
pub const RVNET_FAMILY_VERSION: u8 = 1;
/// Multicast group carrying the `*_NTF` notifications.
pub const RVNET_MCGRP_NOTIFY: &str = "notify";

// Commands.

/// Reserved, never sent.
pub const RVNET_CMD_UNSPEC: u8 = 0;
/// `do`: module version, features and object counts (attribute set `info`).
pub const RVNET_CMD_GET_INFO: u8 = 1;
/// `do`: create a rveth pair (attribute set `pair`).
pub const RVNET_CMD_PAIR_NEW: u8 = 2;
/// `do`: delete a rveth pair (attribute set `pair`).
pub const RVNET_CMD_PAIR_DEL: u8 = 3;
/// `do`/`dump`: describe one or all rveth pairs (attribute set `pair`).
pub const RVNET_CMD_PAIR_GET: u8 = 4;
/// `do`: create a rtun device (attribute set `tun`).
pub const RVNET_CMD_TUN_NEW: u8 = 5;
/// `do`: delete a rtun device (attribute set `tun`).
pub const RVNET_CMD_TUN_DEL: u8 = 6;
/// `do`/`dump`: describe one or all rtun devices (attribute set `tun`).
pub const RVNET_CMD_TUN_GET: u8 = 7;
/// Notification: a pair was created (attribute set `pair`).
pub const RVNET_CMD_PAIR_NEW_NTF: u8 = 8;
/// Notification: a pair was deleted (attribute set `pair`).
pub const RVNET_CMD_PAIR_DEL_NTF: u8 = 9;
/// Notification: a rtun device was created (attribute set `tun`).
pub const RVNET_CMD_TUN_NEW_NTF: u8 = 10;
/// Notification: a rtun device was deleted (attribute set `tun`).
pub const RVNET_CMD_TUN_DEL_NTF: u8 = 11;
/// Notification: the state of a rvnet link changed.
pub const RVNET_CMD_LINK_CHANGE_NTF: u8 = 12;

// Attribute set `info` (reply to `RVNET_CMD_GET_INFO`).

/// Module version (NUL-terminated string).
pub const RVNET_A_INFO_VERSION: u16 = 1;
/// Features the module offers (u32 bitmask of `RVNET_FEATURE_*`).
pub const RVNET_A_INFO_FEATURES: u16 = 2;
/// Number of rveth pairs (u32).
pub const RVNET_A_INFO_PAIRS: u16 = 3;
/// Number of rtun devices (u32).
pub const RVNET_A_INFO_TUNS: u16 = 4;

// Feature bits of `RVNET_A_INFO_FEATURES`.

/// The module offers rveth pairs.
pub const RVNET_FEATURE_RVETH: u32 = 1 << 0;
/// The module offers rtun devices.
pub const RVNET_FEATURE_RTUN: u32 = 1 << 1;

/// Every known feature bit with the name users see.
pub const RVNET_FEATURES: [(u32, &str); 2] =
    [(RVNET_FEATURE_RVETH, "rveth"), (RVNET_FEATURE_RTUN, "rtun")];

// Attribute set `pair`.

/// Interface index of the device (u32).
pub const RVNET_A_PAIR_IFINDEX: u16 = 1;
/// Interface name of the device (NUL-terminated string).
pub const RVNET_A_PAIR_IFNAME: u16 = 2;
/// Interface index of the peer, in the peer's namespace (u32).
pub const RVNET_A_PAIR_PEER_IFINDEX: u16 = 3;
/// Interface name of the peer (NUL-terminated string).
pub const RVNET_A_PAIR_PEER_IFNAME: u16 = 4;
/// File descriptor of the peer's network namespace (u32).
pub const RVNET_A_PAIR_PEER_NETNS_FD: u16 = 5;
/// MTU of the device (u32).
pub const RVNET_A_PAIR_MTU: u16 = 6;
/// Carrier state (u8, 0 or 1).
pub const RVNET_A_PAIR_CARRIER: u16 = 7;
/// Device counters (nested, attribute set `stats`).
pub const RVNET_A_PAIR_STATS: u16 = 8;
/// Id of the peer's network namespace (s32).
pub const RVNET_A_PAIR_PEER_NETNSID: u16 = 9;

// Attribute set `tun`.

/// Interface index of the device (u32).
pub const RVNET_A_TUN_IFINDEX: u16 = 1;
/// Interface name of the device (NUL-terminated string).
pub const RVNET_A_TUN_IFNAME: u16 = 2;
/// Device mode (u32, `RVNET_TUN_MODE_*`).
pub const RVNET_A_TUN_MODE: u16 = 3;
/// Whether packets carry the 4-byte packet information header (u8, 0 or 1).
pub const RVNET_A_TUN_PI: u16 = 4;
/// Owning uid (u32).
pub const RVNET_A_TUN_OWNER: u16 = 5;
/// Owning gid (u32).
pub const RVNET_A_TUN_GROUP: u16 = 6;
/// Number of attached queues (u32).
pub const RVNET_A_TUN_ATTACHED: u16 = 7;
/// Queue length in packets (u32).
pub const RVNET_A_TUN_QUEUE_LEN: u16 = 8;
/// Device counters (nested, attribute set `stats`).
pub const RVNET_A_TUN_STATS: u16 = 9;
/// Whether the device outlives its last file, `TUNSETPERSIST` (u8, 0 or 1).
pub const RVNET_A_TUN_PERSIST: u16 = 10;

// Values of `RVNET_A_TUN_MODE`.

/// Layer 3 device: IP packets.
pub const RVNET_TUN_MODE_TUN: u32 = 1;
/// Layer 2 device: Ethernet frames.
pub const RVNET_TUN_MODE_TAP: u32 = 2;

// Attribute set `stats` (nested in `RVNET_A_PAIR_STATS` and `RVNET_A_TUN_STATS`).

/// Packets received (u64).
pub const RVNET_A_STATS_RX_PACKETS: u16 = 1;
/// Bytes received (u64).
pub const RVNET_A_STATS_RX_BYTES: u16 = 2;
/// Packets sent (u64).
pub const RVNET_A_STATS_TX_PACKETS: u16 = 3;
/// Bytes sent (u64).
pub const RVNET_A_STATS_TX_BYTES: u16 = 4;
/// Packets dropped on receive (u64).
pub const RVNET_A_STATS_RX_DROPPED: u16 = 5;
/// Packets dropped on transmit (u64).
pub const RVNET_A_STATS_TX_DROPPED: u16 = 6;
/// Alignment padding before a u64 attribute; carries nothing, skip it.
pub const RVNET_A_STATS_PAD: u16 = 7;
