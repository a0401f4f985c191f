// SPDX-License-Identifier: GPL-2.0

//! The `rvnet` family's objects and requests: what a pair end, an rtun device and a
//! notification are once decoded, and the attributes each request carries. It knows the
//! family (`spec/rvnet.yaml`) and nothing of the command line.
//!
//! The decoded objects serialise with `ip -j link`'s key names where the two overlap
//! (`ifindex`, `ifname`, `mtu`, `link`, `link_index`, `link_netnsid`, and the counters as
//! `stats64` with `rx` and `tx` objects), so scripts can read both the same way.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::{
    error::{Error, Result},
    netlink::{attr_str, attr_u32, attr_u8, Attr, Attrs, Rvnet},
    uapi::*,
};

/// One direction's counters, as `ip -j -s link` shows them under `stats64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DirStats {
    /// Bytes.
    pub bytes: u64,
    /// Packets.
    pub packets: u64,
    /// Packets dropped.
    pub dropped: u64,
    /// The error counters (`-s -s`), which the family does not report: from
    /// `/proc/net/dev`, with `ip -j -s -s link`'s key names.
    #[serde(flatten)]
    pub errors: Option<DirErrors>,
}

/// One direction's error counters, as `/proc/net/dev` sums them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DirErrors {
    /// Errors of any kind.
    pub errors: u64,
    /// FIFO (overrun) errors.
    pub fifo_errors: u64,
    /// rx: length, overrun, CRC and frame errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_errors: Option<u64>,
    /// rx: multicast packets received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multicast: Option<u64>,
    /// tx: collisions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collisions: Option<u64>,
    /// tx: carrier, aborted, window and heartbeat errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier_errors: Option<u64>,
}

/// A device's counters (attribute set `stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats64 {
    /// Received.
    pub rx: DirStats,
    /// Transmitted.
    pub tx: DirStats,
}

impl Stats64 {
    /// Decodes a `stats` nest; counters the kernel left out are 0.
    pub fn decode(attrs: &Attrs) -> Result<Self> {
        let get = |ty| attrs.u64(ty).map(Option::unwrap_or_default);
        Ok(Self {
            rx: DirStats {
                bytes: get(RVNET_A_STATS_RX_BYTES)?,
                packets: get(RVNET_A_STATS_RX_PACKETS)?,
                dropped: get(RVNET_A_STATS_RX_DROPPED)?,
                errors: None,
            },
            tx: DirStats {
                bytes: get(RVNET_A_STATS_TX_BYTES)?,
                packets: get(RVNET_A_STATS_TX_PACKETS)?,
                dropped: get(RVNET_A_STATS_TX_DROPPED)?,
                errors: None,
            },
        })
    }
}

/// The `stats` nest of type `ty`, if present.
fn stats(attrs: &Attrs, ty: u16) -> Result<Option<Stats64>> {
    attrs.nested(ty)?.as_ref().map(Stats64::decode).transpose()
}

/// A required attribute; its absence makes the reply malformed.
fn required<T>(value: Option<T>, what: &str, name: &str) -> Result<T> {
    value.ok_or_else(|| Error::Malformed(format!("{what} without {name}")))
}

/// A u8 attribute read as a flag.
fn flag(attrs: &Attrs, ty: u16) -> Result<Option<bool>> {
    Ok(attrs.u8(ty)?.map(|v| v != 0))
}

/// One end of an rveth pair (attribute set `pair`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pair {
    /// Interface index of this end.
    pub ifindex: u32,
    /// Interface name of this end.
    pub ifname: String,
    /// Name of the other end (`ip -j link`'s `link`).
    #[serde(rename = "link", skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// Interface index of the other end, in its own namespace (`link_index`).
    #[serde(rename = "link_index", skip_serializing_if = "Option::is_none")]
    pub peer_ifindex: Option<u32>,
    /// The other end's namespace as seen from here, when it is another one
    /// (`link_netnsid`).
    #[serde(rename = "link_netnsid", skip_serializing_if = "Option::is_none")]
    pub peer_netnsid: Option<i32>,
    /// MTU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    /// Whether this end has carrier (both ends up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<bool>,
    /// Counters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats64: Option<Stats64>,
}

impl Pair {
    /// Decodes a `pair-get` reply or a pair notification.
    pub fn decode(attrs: &Attrs) -> Result<Self> {
        Ok(Self {
            ifindex: required(attrs.u32(RVNET_A_PAIR_IFINDEX)?, "pair", "ifindex")?,
            ifname: required(attrs.string(RVNET_A_PAIR_IFNAME), "pair", "ifname")?,
            peer: attrs.string(RVNET_A_PAIR_PEER_IFNAME),
            peer_ifindex: attrs.u32(RVNET_A_PAIR_PEER_IFINDEX)?,
            peer_netnsid: attrs.s32(RVNET_A_PAIR_PEER_NETNSID)?,
            mtu: attrs.u32(RVNET_A_PAIR_MTU)?,
            carrier: flag(attrs, RVNET_A_PAIR_CARRIER)?,
            stats64: stats(attrs, RVNET_A_PAIR_STATS)?,
        })
    }
}

/// The kind of an rtun device (`RVNET_A_TUN_MODE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TunMode {
    /// IP packets.
    Tun,
    /// Ethernet frames.
    Tap,
    /// A value this tool does not know.
    Other(u32),
}

impl TunMode {
    /// The mode of a `RVNET_A_TUN_MODE` value.
    pub fn from_uapi(value: u32) -> Self {
        match value {
            RVNET_TUN_MODE_TUN => TunMode::Tun,
            RVNET_TUN_MODE_TAP => TunMode::Tap,
            other => TunMode::Other(other),
        }
    }

    /// The `RVNET_A_TUN_MODE` value.
    pub fn uapi(self) -> u32 {
        match self {
            TunMode::Tun => RVNET_TUN_MODE_TUN,
            TunMode::Tap => RVNET_TUN_MODE_TAP,
            TunMode::Other(value) => value,
        }
    }
}

impl fmt::Display for TunMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TunMode::Tun => f.write_str("tun"),
            TunMode::Tap => f.write_str("tap"),
            TunMode::Other(value) => write!(f, "mode{value}"),
        }
    }
}

impl Serialize for TunMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An rtun device (attribute set `tun`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tun {
    /// Interface index.
    pub ifindex: u32,
    /// Interface name.
    pub ifname: String,
    /// tun or tap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<TunMode>,
    /// Whether packets carry the 4-byte packet information header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pi: Option<bool>,
    /// Whether packets carry a virtio-net header (IFF_VNET_HDR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vnet_hdr: Option<bool>,
    /// Whether the device has a queue per attached file (IFF_MULTI_QUEUE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_queue: Option<bool>,
    /// Enabled queues; only for a multiqueue device (as `ip -d link`'s `numqueues`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queues: Option<u32>,
    /// Queues disabled by TUNSETQUEUE; only for a multiqueue device (`numdisabled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_queues: Option<u32>,
    /// Whether the device outlives its last file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist: Option<bool>,
    /// The only uid that may attach, if one was set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<u32>,
    /// The only gid that may attach, if one was set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<u32>,
    /// Open files attached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached: Option<u32>,
    /// Packets waiting to be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_len: Option<u32>,
    /// Counters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats64: Option<Stats64>,
}

impl Tun {
    /// Decodes a `tun-get` reply or a tun notification. The queue counts are kept for a
    /// multiqueue device only, as `ip -d link` shows them (the kernel sends them always).
    pub fn decode(attrs: &Attrs) -> Result<Self> {
        let multi_queue = flag(attrs, RVNET_A_TUN_MULTI_QUEUE)?;
        let queue_count = |ty| match multi_queue {
            Some(true) => attrs.u32(ty),
            _ => Ok(None),
        };
        Ok(Self {
            ifindex: required(attrs.u32(RVNET_A_TUN_IFINDEX)?, "tun", "ifindex")?,
            ifname: required(attrs.string(RVNET_A_TUN_IFNAME), "tun", "ifname")?,
            mode: attrs.u32(RVNET_A_TUN_MODE)?.map(TunMode::from_uapi),
            pi: flag(attrs, RVNET_A_TUN_PI)?,
            vnet_hdr: flag(attrs, RVNET_A_TUN_VNET_HDR)?,
            multi_queue,
            queues: queue_count(RVNET_A_TUN_QUEUES)?,
            disabled_queues: queue_count(RVNET_A_TUN_DISABLED_QUEUES)?,
            persist: flag(attrs, RVNET_A_TUN_PERSIST)?,
            user: attrs.u32(RVNET_A_TUN_OWNER)?,
            group: attrs.u32(RVNET_A_TUN_GROUP)?,
            attached: attrs.u32(RVNET_A_TUN_ATTACHED)?,
            queue_len: attrs.u32(RVNET_A_TUN_QUEUE_LEN)?,
            stats64: stats(attrs, RVNET_A_TUN_STATS)?,
        })
    }
}

/// What `pair-new` asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairNew {
    /// Name of the first end.
    pub name: String,
    /// Name of the other end; the kernel picks `rveth%d` without one.
    pub peer: Option<String>,
    /// A file descriptor of the other end's network namespace, valid in this process.
    pub peer_netns_fd: Option<u32>,
    /// MTU of both ends.
    pub mtu: Option<u32>,
}

impl PairNew {
    /// The request's attributes.
    pub fn attrs(&self) -> Result<Vec<Attr>> {
        let mut attrs = vec![attr_str(RVNET_A_PAIR_IFNAME, &self.name)?];
        if let Some(peer) = &self.peer {
            attrs.push(attr_str(RVNET_A_PAIR_PEER_IFNAME, peer)?);
        }
        if let Some(fd) = self.peer_netns_fd {
            attrs.push(attr_u32(RVNET_A_PAIR_PEER_NETNS_FD, fd)?);
        }
        if let Some(mtu) = self.mtu {
            attrs.push(attr_u32(RVNET_A_PAIR_MTU, mtu)?);
        }
        Ok(attrs)
    }
}

/// What `tun-new` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TunNew {
    /// Name, or a template such as `rtun%d`.
    pub name: String,
    /// tun or tap.
    pub mode: TunMode,
    /// Whether packets carry the packet information header.
    pub pi: bool,
    /// Whether packets carry a virtio-net header (IFF_VNET_HDR).
    pub vnet_hdr: bool,
    /// A queue per attached file (IFF_MULTI_QUEUE).
    pub multi_queue: bool,
    /// The only uid that may attach.
    pub user: Option<u32>,
    /// The only gid that may attach.
    pub group: Option<u32>,
}

impl TunNew {
    /// The request's attributes (`pi` is always sent, so the kernel's default does not
    /// matter; `vnet-hdr` and `multi-queue`, off when absent, only when set).
    pub fn attrs(&self) -> Result<Vec<Attr>> {
        let mut attrs = vec![
            attr_str(RVNET_A_TUN_IFNAME, &self.name)?,
            attr_u32(RVNET_A_TUN_MODE, self.mode.uapi())?,
            attr_u8(RVNET_A_TUN_PI, self.pi.into())?,
        ];
        if self.vnet_hdr {
            attrs.push(attr_u8(RVNET_A_TUN_VNET_HDR, 1)?);
        }
        if self.multi_queue {
            attrs.push(attr_u8(RVNET_A_TUN_MULTI_QUEUE, 1)?);
        }
        if let Some(user) = self.user {
            attrs.push(attr_u32(RVNET_A_TUN_OWNER, user)?);
        }
        if let Some(group) = self.group {
            attrs.push(attr_u32(RVNET_A_TUN_GROUP, group)?);
        }
        Ok(attrs)
    }
}

/// A notification of group `notify`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A pair end was created (`pair-new-ntf`).
    PairNew(Pair),
    /// A pair end is being deleted (`pair-del-ntf`).
    PairDel(Pair),
    /// A pair end's carrier changed (`link-change-ntf`).
    LinkChange(Pair),
    /// An rtun device was created (`tun-new-ntf`).
    TunNew(Tun),
    /// An rtun device is being deleted (`tun-del-ntf`).
    TunDel(Tun),
}

impl Event {
    /// Decodes a notification with command `cmd`; `Ok(None)` for a command this tool does
    /// not know.
    pub fn decode(cmd: u8, attrs: &Attrs) -> Result<Option<Self>> {
        Ok(Some(match cmd {
            RVNET_CMD_PAIR_NEW_NTF => Event::PairNew(Pair::decode(attrs)?),
            RVNET_CMD_PAIR_DEL_NTF => Event::PairDel(Pair::decode(attrs)?),
            RVNET_CMD_LINK_CHANGE_NTF => Event::LinkChange(Pair::decode(attrs)?),
            RVNET_CMD_TUN_NEW_NTF => Event::TunNew(Tun::decode(attrs)?),
            RVNET_CMD_TUN_DEL_NTF => Event::TunDel(Tun::decode(attrs)?),
            _ => return Ok(None),
        }))
    }

    /// The event's name: the notification's name in the spec without `-ntf`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::PairNew(_) => "pair-new",
            Event::PairDel(_) => "pair-del",
            Event::LinkChange(_) => "link-change",
            Event::TunNew(_) => "tun-new",
            Event::TunDel(_) => "tun-del",
        }
    }
}

/// An object with the name of the event it came with first: `{"event":"pair-new",...}`.
#[derive(Serialize)]
struct Tagged<'a, T> {
    event: &'static str,
    #[serde(flatten)]
    object: &'a T,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let event = self.name();
        match self {
            Event::PairNew(object) | Event::PairDel(object) | Event::LinkChange(object) => {
                Tagged { event, object }.serialize(serializer)
            }
            Event::TunNew(object) | Event::TunDel(object) => {
                Tagged { event, object }.serialize(serializer)
            }
        }
    }
}

/// The exactly-one reply of a `do` request.
fn only(replies: Vec<Attrs>, op: &str) -> Result<Attrs> {
    let count = replies.len();
    let mut replies = replies.into_iter();
    match (replies.next(), count) {
        (Some(reply), 1) => Ok(reply),
        _ => Err(Error::Malformed(format!("{count} replies to {op}"))),
    }
}

/// The family's operations.
impl Rvnet {
    /// `pair-new`: creates a pair; returns its first end.
    pub fn pair_new(&mut self, req: &PairNew) -> Result<Pair> {
        let reply = only(self.request(RVNET_CMD_PAIR_NEW, req.attrs()?)?, "pair-new")?;
        Pair::decode(&reply)
    }

    /// `pair-del`: deletes the pair one end of which is called `name`.
    pub fn pair_del(&mut self, name: &str) -> Result<()> {
        self.request(
            RVNET_CMD_PAIR_DEL,
            vec![attr_str(RVNET_A_PAIR_IFNAME, name)?],
        )?;
        Ok(())
    }

    /// `pair-get` (do): the pair end called `name`.
    pub fn pair_get(&mut self, name: &str) -> Result<Pair> {
        let attrs = vec![attr_str(RVNET_A_PAIR_IFNAME, name)?];
        let reply = only(self.request(RVNET_CMD_PAIR_GET, attrs)?, "pair-get")?;
        Pair::decode(&reply)
    }

    /// `pair-get` (dump): every pair end in this namespace.
    pub fn pairs(&mut self) -> Result<Vec<Pair>> {
        self.dump(RVNET_CMD_PAIR_GET, Vec::new())?
            .iter()
            .map(Pair::decode)
            .collect()
    }

    /// `tun-new`: creates a persistent rtun device; returns it.
    pub fn tun_new(&mut self, req: &TunNew) -> Result<Tun> {
        let reply = only(self.request(RVNET_CMD_TUN_NEW, req.attrs()?)?, "tun-new")?;
        Tun::decode(&reply)
    }

    /// `tun-del`: deletes the rtun device called `name`.
    pub fn tun_del(&mut self, name: &str) -> Result<()> {
        self.request(RVNET_CMD_TUN_DEL, vec![attr_str(RVNET_A_TUN_IFNAME, name)?])?;
        Ok(())
    }

    /// `tun-get` (do): the rtun device called `name`.
    pub fn tun_get(&mut self, name: &str) -> Result<Tun> {
        let attrs = vec![attr_str(RVNET_A_TUN_IFNAME, name)?];
        let reply = only(self.request(RVNET_CMD_TUN_GET, attrs)?, "tun-get")?;
        Tun::decode(&reply)
    }

    /// `tun-get` (dump): every rtun device in this namespace.
    pub fn tuns(&mut self) -> Result<Vec<Tun>> {
        self.dump(RVNET_CMD_TUN_GET, Vec::new())?
            .iter()
            .map(Tun::decode)
            .collect()
    }

    /// Joins group `notify`; [`Rvnet::events`] then returns what it carries.
    pub fn subscribe(&mut self) -> Result<()> {
        self.join(RVNET_MCGRP_NOTIFY)
    }

    /// Waits for the next notifications and decodes them; notifications of commands this
    /// tool does not know are left out.
    pub fn events(&mut self) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        for (cmd, attrs) in self.notifications()? {
            events.extend(Event::decode(cmd, &attrs)?);
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use neli::ToBytes;

    use super::*;
    use crate::netlink::raw_attr as raw;

    /// The wire bytes of attributes as neli would send them.
    fn wire(attrs: &[Attr]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        for attr in attrs {
            attr.to_bytes(&mut buf).unwrap();
        }
        buf.into_inner()
    }

    fn u32a(ty: u16, v: u32) -> Vec<u8> {
        raw(ty, &v.to_ne_bytes())
    }

    fn stats_nest(ty: u16) -> Vec<u8> {
        // As the kernel writes it: each u64 may be preceded by a pad attribute.
        let mut nest = raw(RVNET_A_STATS_PAD, &[]);
        for (t, v) in [
            (RVNET_A_STATS_RX_PACKETS, 1u64),
            (RVNET_A_STATS_RX_BYTES, 2),
            (RVNET_A_STATS_TX_PACKETS, 3),
            (RVNET_A_STATS_TX_BYTES, 4),
            (RVNET_A_STATS_RX_DROPPED, 5),
            (RVNET_A_STATS_TX_DROPPED, 6),
        ] {
            nest.extend(raw(t, &v.to_ne_bytes()));
        }
        raw(ty | 1 << 15, &nest)
    }

    fn pair_wire(netnsid: Option<i32>) -> Vec<u8> {
        let mut buf = u32a(RVNET_A_PAIR_IFINDEX, 7);
        buf.extend(raw(RVNET_A_PAIR_IFNAME, b"a\0"));
        buf.extend(u32a(RVNET_A_PAIR_PEER_IFINDEX, 8));
        buf.extend(raw(RVNET_A_PAIR_PEER_IFNAME, b"b\0"));
        if let Some(id) = netnsid {
            buf.extend(raw(RVNET_A_PAIR_PEER_NETNSID, &id.to_ne_bytes()));
        }
        buf.extend(u32a(RVNET_A_PAIR_MTU, 1500));
        buf.extend(raw(RVNET_A_PAIR_CARRIER, &[1]));
        buf.extend(stats_nest(RVNET_A_PAIR_STATS));
        buf
    }

    fn tun_wire(owner: bool) -> Vec<u8> {
        tun_wire_mq(owner, false)
    }

    /// A `tun-get` reply as the kernel writes it: every attribute, the queue counts too.
    fn tun_wire_mq(owner: bool, multi_queue: bool) -> Vec<u8> {
        let mut buf = u32a(RVNET_A_TUN_IFINDEX, 9);
        buf.extend(raw(RVNET_A_TUN_IFNAME, b"rtun0\0"));
        buf.extend(u32a(RVNET_A_TUN_MODE, RVNET_TUN_MODE_TAP));
        buf.extend(raw(RVNET_A_TUN_PI, &[0]));
        if owner {
            buf.extend(u32a(RVNET_A_TUN_OWNER, 1000));
            buf.extend(u32a(RVNET_A_TUN_GROUP, 100));
        }
        buf.extend(u32a(RVNET_A_TUN_ATTACHED, 1));
        buf.extend(u32a(RVNET_A_TUN_QUEUE_LEN, 2));
        buf.extend(stats_nest(RVNET_A_TUN_STATS));
        buf.extend(raw(RVNET_A_TUN_PERSIST, &[1]));
        buf.extend(raw(RVNET_A_TUN_VNET_HDR, &[multi_queue.into()]));
        buf.extend(raw(RVNET_A_TUN_MULTI_QUEUE, &[multi_queue.into()]));
        buf.extend(u32a(RVNET_A_TUN_QUEUES, multi_queue.into()));
        buf.extend(u32a(RVNET_A_TUN_DISABLED_QUEUES, 0));
        buf
    }

    const STATS: Stats64 = Stats64 {
        rx: DirStats {
            bytes: 2,
            packets: 1,
            dropped: 5,
            errors: None,
        },
        tx: DirStats {
            bytes: 4,
            packets: 3,
            dropped: 6,
            errors: None,
        },
    };

    #[test]
    fn pair_new_encodes_only_what_is_given() {
        let req = PairNew {
            name: "a".into(),
            ..Default::default()
        };
        assert_eq!(
            wire(&req.attrs().unwrap()),
            raw(RVNET_A_PAIR_IFNAME, b"a\0")
        );

        let req = PairNew {
            name: "a".into(),
            peer: Some("b".into()),
            peer_netns_fd: Some(3),
            mtu: Some(9000),
        };
        let mut want = raw(RVNET_A_PAIR_IFNAME, b"a\0");
        want.extend(raw(RVNET_A_PAIR_PEER_IFNAME, b"b\0"));
        want.extend(u32a(RVNET_A_PAIR_PEER_NETNS_FD, 3));
        want.extend(u32a(RVNET_A_PAIR_MTU, 9000));
        assert_eq!(wire(&req.attrs().unwrap()), want);
    }

    #[test]
    fn tun_new_always_sends_mode_and_pi() {
        let req = TunNew {
            name: "rtun%d".into(),
            mode: TunMode::Tap,
            pi: false,
            vnet_hdr: false,
            multi_queue: false,
            user: None,
            group: None,
        };
        let mut want = raw(RVNET_A_TUN_IFNAME, b"rtun%d\0");
        want.extend(u32a(RVNET_A_TUN_MODE, 2));
        want.extend(raw(RVNET_A_TUN_PI, &[0]));
        assert_eq!(wire(&req.attrs().unwrap()), want);

        let mq = TunNew {
            vnet_hdr: true,
            multi_queue: true,
            ..req.clone()
        };
        want.extend(raw(RVNET_A_TUN_VNET_HDR, &[1]));
        want.extend(raw(RVNET_A_TUN_MULTI_QUEUE, &[1]));
        assert_eq!(wire(&mq.attrs().unwrap()), want);

        let req = TunNew {
            mode: TunMode::Tun,
            pi: true,
            user: Some(1000),
            group: Some(0),
            ..req
        };
        let mut want = raw(RVNET_A_TUN_IFNAME, b"rtun%d\0");
        want.extend(u32a(RVNET_A_TUN_MODE, 1));
        want.extend(raw(RVNET_A_TUN_PI, &[1]));
        want.extend(u32a(RVNET_A_TUN_OWNER, 1000));
        want.extend(u32a(RVNET_A_TUN_GROUP, 0));
        assert_eq!(wire(&req.attrs().unwrap()), want);
    }

    #[test]
    fn pair_decodes_every_attribute() {
        let pair = Pair::decode(&Attrs::parse(&pair_wire(Some(0))).unwrap()).unwrap();
        assert_eq!(
            pair,
            Pair {
                ifindex: 7,
                ifname: "a".into(),
                peer: Some("b".into()),
                peer_ifindex: Some(8),
                peer_netnsid: Some(0),
                mtu: Some(1500),
                carrier: Some(true),
                stats64: Some(STATS),
            }
        );
    }

    #[test]
    fn pair_json_uses_ip_link_keys() {
        let pair = Pair::decode(&Attrs::parse(&pair_wire(None)).unwrap()).unwrap();
        assert_eq!(
            serde_json::to_string(&pair).unwrap(),
            concat!(
                r#"{"ifindex":7,"ifname":"a","link":"b","link_index":8,"mtu":1500,"#,
                r#""carrier":true,"stats64":{"rx":{"bytes":2,"packets":1,"dropped":5},"#,
                r#""tx":{"bytes":4,"packets":3,"dropped":6}}}"#
            )
        );
        let pair = Pair::decode(&Attrs::parse(&pair_wire(Some(3))).unwrap()).unwrap();
        assert!(serde_json::to_string(&pair)
            .unwrap()
            .contains(r#""link_index":8,"link_netnsid":3,"#));
    }

    #[test]
    fn pair_needs_ifindex_and_ifname() {
        let only_name = raw(RVNET_A_PAIR_IFNAME, b"a\0");
        assert!(matches!(
            Pair::decode(&Attrs::parse(&only_name).unwrap()),
            Err(Error::Malformed(m)) if m == "pair without ifindex"
        ));
        let only_index = u32a(RVNET_A_PAIR_IFINDEX, 1);
        assert!(matches!(
            Pair::decode(&Attrs::parse(&only_index).unwrap()),
            Err(Error::Malformed(m)) if m == "pair without ifname"
        ));
    }

    #[test]
    fn pair_with_short_mtu_is_malformed() {
        let mut buf = u32a(RVNET_A_PAIR_IFINDEX, 1);
        buf.extend(raw(RVNET_A_PAIR_IFNAME, b"a\0"));
        buf.extend(raw(RVNET_A_PAIR_MTU, &[0, 5]));
        assert!(matches!(
            Pair::decode(&Attrs::parse(&buf).unwrap()),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn tun_decodes_every_attribute() {
        let tun = Tun::decode(&Attrs::parse(&tun_wire(true)).unwrap()).unwrap();
        assert_eq!(
            tun,
            Tun {
                ifindex: 9,
                ifname: "rtun0".into(),
                mode: Some(TunMode::Tap),
                pi: Some(false),
                vnet_hdr: Some(false),
                multi_queue: Some(false),
                queues: None,
                disabled_queues: None,
                persist: Some(true),
                user: Some(1000),
                group: Some(100),
                attached: Some(1),
                queue_len: Some(2),
                stats64: Some(STATS),
            }
        );
        let tun = Tun::decode(&Attrs::parse(&tun_wire_mq(true, true)).unwrap()).unwrap();
        assert_eq!(
            (
                tun.vnet_hdr,
                tun.multi_queue,
                tun.queues,
                tun.disabled_queues
            ),
            (Some(true), Some(true), Some(1), Some(0))
        );
    }

    #[test]
    fn tun_json_shape() {
        let tun = Tun::decode(&Attrs::parse(&tun_wire(false)).unwrap()).unwrap();
        assert_eq!(
            serde_json::to_string(&tun).unwrap(),
            concat!(
                r#"{"ifindex":9,"ifname":"rtun0","mode":"tap","pi":false,"vnet_hdr":false,"#,
                r#""multi_queue":false,"persist":true,"attached":1,"queue_len":2,"#,
                r#""stats64":{"rx":{"bytes":2,"packets":1,"dropped":5},"#,
                r#""tx":{"bytes":4,"packets":3,"dropped":6}}}"#
            )
        );
        let tun = Tun::decode(&Attrs::parse(&tun_wire_mq(false, true)).unwrap()).unwrap();
        assert!(serde_json::to_string(&tun).unwrap().contains(
            r#""pi":false,"vnet_hdr":true,"multi_queue":true,"queues":1,"disabled_queues":0,"#
        ));
    }

    #[test]
    fn unknown_tun_mode_is_kept() {
        assert_eq!(TunMode::from_uapi(1), TunMode::Tun);
        assert_eq!(TunMode::from_uapi(2), TunMode::Tap);
        assert_eq!(TunMode::from_uapi(7), TunMode::Other(7));
        assert_eq!(TunMode::Other(7).uapi(), 7);
        assert_eq!(TunMode::Other(7).to_string(), "mode7");
        assert_eq!(serde_json::to_string(&TunMode::Tap).unwrap(), r#""tap""#);
    }

    #[test]
    fn events_decode_by_command() {
        let pair = Attrs::parse(&pair_wire(None)).unwrap();
        let tun = Attrs::parse(&tun_wire(false)).unwrap();
        let cases = [
            (RVNET_CMD_PAIR_NEW_NTF, &pair, "pair-new"),
            (RVNET_CMD_PAIR_DEL_NTF, &pair, "pair-del"),
            (RVNET_CMD_LINK_CHANGE_NTF, &pair, "link-change"),
            (RVNET_CMD_TUN_NEW_NTF, &tun, "tun-new"),
            (RVNET_CMD_TUN_DEL_NTF, &tun, "tun-del"),
        ];
        for (cmd, attrs, name) in cases {
            let event = Event::decode(cmd, attrs).unwrap().unwrap();
            assert_eq!(event.name(), name);
            let json = serde_json::to_string(&event).unwrap();
            assert!(
                json.starts_with(&format!(r#"{{"event":"{name}","ifindex":"#)),
                "{json}"
            );
        }
        assert_eq!(Event::decode(RVNET_CMD_PAIR_GET, &pair).unwrap(), None);
        assert_eq!(Event::decode(99, &pair).unwrap(), None);
    }

    #[test]
    fn tun_event_json_is_flat() {
        let tun = Attrs::parse(&tun_wire(true)).unwrap();
        let event = Event::decode(RVNET_CMD_TUN_DEL_NTF, &tun).unwrap().unwrap();
        let value: serde_json::Value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["event"], "tun-del");
        assert_eq!(value["ifname"], "rtun0");
        assert_eq!(value["user"], 1000);
        assert_eq!(value["stats64"]["tx"]["dropped"], 6);
    }

    #[test]
    fn do_reply_must_be_single() {
        assert!(only(vec![Attrs::default()], "x").is_ok());
        assert!(matches!(only(vec![], "x"), Err(Error::Malformed(m)) if m == "0 replies to x"));
        assert!(only(vec![Attrs::default(), Attrs::default()], "x").is_err());
    }
}
