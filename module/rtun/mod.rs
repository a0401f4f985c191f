// SPDX-License-Identifier: GPL-2.0

//! rtun: `/dev/net/rtun`, a tun/tap character device with the ABI of
//! `/dev/net/tun` for what it supports (see `uapi.rs` and docs/rtun.md).
//!
//! Follows `drivers/net/tun.c`: one queue per device; the stack's packets
//! are queued for the attached file (bounded by `tx_queue_len`) and read one
//! per `read()`; each `write()` injects one packet. The device goes away with
//! its last file unless it is persistent.

#![forbid(unsafe_code)]

mod uapi;

use crate::abstractions::{
    cred::{
        in_current_groups, kgid_from_user, kgid_to_user, kuid_from_user, kuid_to_user, AtomicKgid,
        AtomicKuid, Kgid, Kuid,
    },
    file,
    netdev::{
        arphrd, ArcSlot, Channels, Dev, Driver, DrvInfo, Feature, Features, LinkOps, Lookup, Net,
        NewLink, PcpuStats, PrivFlag, RcuDev, Rtnl, Setup, SockAddr, SysfsBuf, TxStatus,
        UnregisterQueue, XmitCtx, ETH_ALEN, ETH_HLEN, ETH_MAX_MTU, ETH_MIN_MTU,
    },
    netlink::{total_size, Attrs, ExtAck, Policy, Writer},
    rcu::RcuArc,
    skb::{BhDisabled, DropReason, SkBuff, VLAN_HLEN, VLAN_TAG_OFFSET},
    virtio_net::{VnetHdr, F_NEEDS_CSUM},
};
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering};
use kernel::{
    fs::{File, Kiocb},
    iov::{IovIterDest, IovIterSource},
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    new_mutex, new_poll_condvar, new_spinlock_bh,
    prelude::*,
    seq_file::SeqFile,
    seq_print,
    sync::{aref::ARef, poll::PollCondVar, poll::PollTable, rcu, Arc, Mutex, SetOnce, SpinLockBh},
    time::{Instant, Monotonic},
    uaccess::{UserPtr, UserSlice},
};
use uapi::*;

/// The rtun link type: devices are made through `/dev/net/rtun`; rtnetlink
/// shows (`ip -d link`) and deletes them.
pub(crate) struct Rtun;

/// Its link ops, registered by the module.
pub(crate) static RTUN_LINK: LinkOps<Rtun> = LinkOps::new();

/// The character device, registered by the module: `/dev/net/rtun`, open to
/// everyone as `/dev/net/tun` is (permissions are checked on attach).
pub(crate) const MISC: MiscDeviceOptions = MiscDeviceOptions {
    name: c"rtun",
    nodename: Some(c"net/rtun"),
    mode: 0o666,
};

static NO_POLICY: [Policy; 1] = [Policy::unspec()];

/// What happened to an rtun device, for whoever listens (the family).
pub(crate) enum TunEvent {
    /// The device was made (and is attached, or persistent).
    New,
    /// The device is being deleted.
    Del,
}

/// Who hears of device events; set once when the module loads.
pub(crate) static EVENTS: SetOnce<fn(TunEvent, &Dev<Rtun>, &Rtnl)> = SetOnce::new();

fn announce(ev: TunEvent, dev: &Dev<Rtun>, rtnl: &Rtnl) {
    if let Some(f) = EVENTS.as_ref() {
        f(ev, dev, rtnl);
    }
}

/// tun's `TUN_USER_FEATURES`: the offloads `TUNSETOFFLOAD` turns on and off.
const USER_FEATURES: Features = Features::of(&[
    Feature::HwCsum,
    Feature::TsoEcn,
    Feature::Tso,
    Feature::Tso6,
    Feature::GsoUdpL4,
    Feature::GsoUdpTunnel,
    Feature::GsoUdpTunnelCsum,
]);

/// tun's `PLAIN_GSO`: a UDP tunnel offload needs one of these.
const PLAIN_GSO: Features = Features::of(&[Feature::GsoUdpL4, Feature::Tso, Feature::Tso6]);

/// VLAN tag insertion, which `read()` does (tun: `tun_put_user`).
const VLAN_TX: Features = Features::of(&[Feature::HwVlanCtagTx, Feature::HwVlanStagTx]);

/// tun's device features (`tun_net_initialize`): all may be toggled, the
/// user offloads only take effect once `TUNSETOFFLOAD` asked for them.
const DEV_FEATURES: Features = Features::of(&[Feature::Sg, Feature::FragList])
    .union(USER_FEATURES)
    .union(VLAN_TX);

/// tun's `set_offload`: `TUN_F_*` to device features; `EINVAL` for a flag
/// left over (so that userspace can probe for new ones).
fn offload_features(mut arg: u64) -> Result<Features> {
    let has = |arg: u64, f: u32| arg & u64::from(f) != 0;
    let mut f = Features::of(&[]);
    if has(arg, TUN_F_CSUM) {
        f |= Feature::HwCsum;
        arg &= !u64::from(TUN_F_CSUM);
        if has(arg, TUN_F_TSO4 | TUN_F_TSO6) {
            if has(arg, TUN_F_TSO_ECN) {
                f |= Feature::TsoEcn;
                arg &= !u64::from(TUN_F_TSO_ECN);
            }
            if has(arg, TUN_F_TSO4) {
                f |= Feature::Tso;
            }
            if has(arg, TUN_F_TSO6) {
                f |= Feature::Tso6;
            }
            arg &= !u64::from(TUN_F_TSO4 | TUN_F_TSO6);
        }
        arg &= !u64::from(TUN_F_UFO);
        // As tun: USO4 and USO6 only together.
        if has(arg, TUN_F_USO4) && has(arg, TUN_F_USO6) {
            f |= Feature::GsoUdpL4;
            arg &= !u64::from(TUN_F_USO4 | TUN_F_USO6);
        }
        if !f.intersection(PLAIN_GSO).is_empty() && has(arg, TUN_F_UDP_TUNNEL_GSO) {
            f |= Feature::GsoUdpTunnel;
            if has(arg, TUN_F_UDP_TUNNEL_GSO_CSUM) {
                f |= Feature::GsoUdpTunnelCsum;
            }
            arg &= !u64::from(TUN_F_UDP_TUNNEL_GSO | TUN_F_UDP_TUNNEL_GSO_CSUM);
        }
    }
    if arg != 0 {
        return Err(EINVAL);
    }
    Ok(f)
}

/// tun's `tun_vnet_parse_size`: the header bytes exchanged, by whether the
/// UDP tunnel fields are in use.
fn vnet_parse_size(tnl: bool) -> usize {
    if tnl {
        VnetHdr::MAX_LEN
    } else {
        VnetHdr::LEN
    }
}

/// Per-device private data: the state shared with the attached file.
#[derive(Zeroable)]
pub(crate) struct RtunPriv {
    shared: ArcSlot<Shared>,
}

/// Packets queued for userspace, oldest first. A ring that grows (never in
/// the hot path once sized) up to the device's `tx_queue_len`, and can hand
/// several packets over at once when batched reads come.
struct Ring {
    buf: KVec<Option<SkBuff>>,
    head: usize,
    len: usize,
}

impl Ring {
    fn new(cap: usize) -> Result<Ring> {
        let mut buf = KVec::with_capacity(cap, GFP_KERNEL)?;
        for _ in 0..cap {
            buf.push(None, GFP_KERNEL)?;
        }
        Ok(Ring {
            buf,
            head: 0,
            len: 0,
        })
    }

    /// Queues `skb` unless `limit` packets are queued already.
    fn push(&mut self, skb: SkBuff, limit: usize) -> Result<(), SkBuff> {
        if self.len >= limit {
            return Err(skb);
        }
        if self.len == self.buf.len() && self.grow(limit).is_err() {
            return Err(skb);
        }
        let tail = self.wrap(self.head + self.len);
        self.buf[tail] = Some(skb);
        self.len += 1;
        Ok(())
    }

    /// `i` (below twice the capacity) as an index: a compare, not a
    /// division, on every packet (as `ptr_ring` does).
    fn wrap(&self, i: usize) -> usize {
        if i >= self.buf.len() {
            i - self.buf.len()
        } else {
            i
        }
    }

    /// Doubles the ring (atomic allocation: called from the transmit path
    /// only when `tx_queue_len` was raised).
    fn grow(&mut self, limit: usize) -> Result {
        let cap = self.buf.len();
        let new_cap = (cap * 2).clamp(1, limit.max(1));
        let mut buf = KVec::with_capacity(new_cap, GFP_ATOMIC)?;
        for i in 0..new_cap {
            let v = if i < self.len {
                self.buf[(self.head + i) % cap].take()
            } else {
                None
            };
            buf.push(v, GFP_ATOMIC)?;
        }
        self.buf = buf;
        self.head = 0;
        Ok(())
    }

    fn pop(&mut self) -> Option<SkBuff> {
        if self.len == 0 {
            return None;
        }
        let skb = self.buf[self.head].take();
        self.head = self.wrap(self.head + 1);
        self.len -= 1;
        skb
    }

    /// Drops every queued packet.
    fn purge(&mut self) {
        while let Some(skb) = self.pop() {
            skb.drop_reason(DropReason::DevReady);
        }
    }
}

/// tun's `MAX_TAP_QUEUES`: the queues (attached files) of a multiqueue
/// device, enabled and disabled.
const MAX_QUEUES: usize = 256;

/// tun's TAP transmit filter (`TUNSETTXFILTER`, `struct tap_filter`):
/// frames to other destinations are dropped before they are queued.
struct TxFilter {
    /// Destinations taken exactly (at most `FLT_EXACT_COUNT`).
    exact: KVec<[u8; ETH_ALEN]>,
    /// Multicast destinations beyond those, by `ether_crc` hash bit.
    mask: [u32; 2],
}

/// tun's `FLT_EXACT_COUNT`.
const FLT_EXACT_COUNT: usize = 8;

/// `ether_crc(ETH_ALEN, addr) >> 26`: the filter's hash of an address
/// (the bit-reversed little-endian CRC-32 of the address, its top 6 bits).
fn ether_hash(addr: &[u8]) -> usize {
    let mut crc = !0u32;
    for &b in addr {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ if crc & 1 != 0 { 0xedb8_8320 } else { 0 };
        }
    }
    // CAST: 6 bits.
    (crc.reverse_bits() >> 26) as usize
}

fn is_multicast(addr: &[u8]) -> bool {
    addr[0] & 1 != 0
}

impl TxFilter {
    /// tun's `run_filter`: may a frame to `dest` go out?
    fn accepts(&self, dest: &[u8]) -> bool {
        if self.exact.iter().any(|a| a[..] == *dest) {
            return true;
        }
        if is_multicast(dest) {
            let n = ether_hash(dest);
            return self.mask[n >> 5] & (1 << (n & 31)) != 0;
        }
        false
    }
}

/// tun's flow table (`TUN_NUM_FLOW_ENTRIES` buckets, `TUN_FLOW_EXPIRE`):
/// the queue each flow's packets were last written from, so that its
/// packets the other way go back to that queue (tun's "automq").
/// Direct-mapped and lock-free: a bucket holds one flow, the latest.
/// Only multiqueue devices have one (16 KiB).
struct Flows {
    /// `FLOW_ENTRIES` of `hash << 32 | queue << 1 | 1`, or 0.
    entry: KVec<AtomicU64>,
    /// When each entry was last written, in ns since the device's `epoch`.
    updated: KVec<AtomicU64>,
}

const FLOW_ENTRIES: usize = 1024;
/// tun's `TUN_FLOW_EXPIRE`: 3 s.
const FLOW_EXPIRE_NS: u64 = 3_000_000_000;

impl Flows {
    fn new() -> Result<Flows> {
        let mut entry = KVec::with_capacity(FLOW_ENTRIES, GFP_KERNEL)?;
        let mut updated = KVec::with_capacity(FLOW_ENTRIES, GFP_KERNEL)?;
        for _ in 0..FLOW_ENTRIES {
            entry.push(AtomicU64::new(0), GFP_KERNEL)?;
            updated.push(AtomicU64::new(0), GFP_KERNEL)?;
        }
        Ok(Flows { entry, updated })
    }

    fn bucket(hash: u32) -> usize {
        // CAST: `FLOW_ENTRIES` is a power of two below `u32::MAX`.
        (hash as usize) & (FLOW_ENTRIES - 1)
    }

    /// The queue `hash`'s flow was last written from, unless expired by
    /// `now()` (read only for a matching entry).
    fn lookup(&self, hash: u32, now: impl FnOnce() -> u64) -> Option<u32> {
        let b = Self::bucket(hash);
        let e = self.entry[b].load(Ordering::Relaxed);
        // CAST: the high half is the hash.
        if e & 1 == 0 || (e >> 32) as u32 != hash {
            return None;
        }
        let age = now().saturating_sub(self.updated[b].load(Ordering::Relaxed));
        // CAST: the queue's 16 bits.
        (age < FLOW_EXPIRE_NS).then_some(((e >> 1) & 0xffff) as u32)
    }

    /// A packet of `hash`'s flow was written from `queue` (tun's
    /// `tun_flow_update`).
    fn update(&self, hash: u32, queue: u32, now: u64) {
        let b = Self::bucket(hash);
        let e = (u64::from(hash) << 32) | (u64::from(queue & 0xffff) << 1) | 1;
        if self.entry[b].load(Ordering::Relaxed) != e {
            self.entry[b].store(e, Ordering::Relaxed);
        }
        self.updated[b].store(now, Ordering::Relaxed);
    }
}

/// One queue: the packets queued for one attached file and the readers
/// waiting for them (tun's `tun_file` ring and socket wait queue). Made
/// when the file is opened, it lives as long as the file.
#[pin_data]
struct Queue {
    /// Taken by the transmit path (bottom halves disabled) and by readers.
    #[pin]
    ring: SpinLockBh<Ring>,
    /// Readers and pollers wait here.
    #[pin]
    wait: PollCondVar,
    /// Its index among the device's enabled queues (tun's `queue_index`),
    /// while it is one. Changed under RTNL.
    index: AtomicU32,
}

impl Queue {
    fn new() -> Result<Arc<Queue>> {
        let ring = Ring::new(TUN_READQ_SIZE as usize)?;
        Arc::pin_init(
            try_pin_init!(Queue {
                ring <- new_spinlock_bh!(ring, "rtun_ring"),
                wait <- new_poll_condvar!("rtun_wait"),
                index: AtomicU32::new(0),
            }? Error),
            GFP_KERNEL,
        )
    }

    /// Drops what is queued and wakes the readers (to see the device gone,
    /// or their queue disabled).
    fn purge(&self) {
        self.ring.lock().purge();
        self.wait.notify_all();
    }
}

/// State shared by a device and the files attached to it.
#[pin_data]
struct Shared {
    /// The enabled queues by queue index, `0..numqueues` set (tun's
    /// `tfiles`): changed under RTNL, read by transmit under RCU.
    queues: [RcuArc<Queue>; MAX_QUEUES],
    /// How many of `queues` are set (tun's `numqueues`).
    numqueues: AtomicU32,
    /// Which queue each flow goes to (multiqueue devices).
    flows: Option<Flows>,
    /// When the device was made: the flow table's clock.
    epoch: Instant<Monotonic>,
    /// Queues disabled by `TUNSETQUEUE` `IFF_DETACH_QUEUE` (tun's
    /// `disabled` list): their files stay attached. Changed under RTNL.
    #[pin]
    disabled: Mutex<KVec<Arc<Queue>>>,
    /// The device while it is registered.
    dev: RcuDev<Rtun>,
    /// TAP (Ethernet frames) rather than TUN (IP packets). Fixed.
    tap: bool,
    /// `IFF_NO_PI | IFF_ONE_QUEUE | IFF_VNET_HDR | IFF_PERSIST` as set by
    /// userspace, and tun's `TUN_VNET_LE`/`TUN_VNET_BE` in the high bits.
    flags: AtomicU32,
    /// `TUNSETVNETHDRSZ`: the virtio-net header's size (tun's default:
    /// `sizeof(struct virtio_net_hdr)`).
    vnet_hdr_sz: AtomicI32,
    /// `TUNSETOFFLOAD`: the offloads userspace takes (of `TUN_USER_FEATURES`).
    set_features: AtomicU64,
    /// `TUNSETSNDBUF` (tun's default: `INT_MAX`).
    sndbuf: AtomicI32,
    /// `TUNSETDEBUG` (tun's `msg_enable`).
    debug: AtomicU32,
    /// `TUNSETOWNER`/`TUNSETGROUP`.
    owner: AtomicKuid,
    group: AtomicKgid,
    /// The device is gone: readers and writers get `EBADFD`.
    dead: AtomicBool,
    /// `TUNSETTXFILTER` (TAP): none, or what frames may go out.
    txflt: RcuArc<TxFilter>,
}

impl Shared {
    fn new(tap: bool, flags: u16) -> impl PinInit<Self, Error> {
        try_pin_init!(Shared {
            queues: [const { RcuArc::new() }; MAX_QUEUES],
            numqueues: AtomicU32::new(0),
            flows: if flags & IFF_MULTI_QUEUE != 0 {
                Some(Flows::new()?)
            } else {
                None
            },
            epoch: Instant::now(),
            disabled <- new_mutex!(KVec::new(), "rtun_disabled"),
            dev: RcuDev::new(),
            tap,
            flags: AtomicU32::new(flags.into()),
            // CAST: 10 bytes.
            vnet_hdr_sz: AtomicI32::new(VnetHdr::LEN as i32),
            set_features: AtomicU64::new(0),
            sndbuf: AtomicI32::new(i32::MAX),
            debug: AtomicU32::new(0),
            owner: AtomicKuid::new(),
            group: AtomicKgid::new(),
            dead: AtomicBool::new(false),
            txflt: RcuArc::new(),
        }? Error)
    }

    /// Now on the flow table's clock, in ns.
    fn now(&self) -> u64 {
        // CAST: a monotonic clock's time since `epoch`, not negative.
        self.epoch.elapsed().as_nanos() as u64
    }

    fn multi_queue(&self) -> bool {
        self.flags() & IFF_MULTI_QUEUE != 0
    }

    /// How many queues are enabled.
    fn numqueues(&self) -> usize {
        self.numqueues.load(Ordering::Acquire) as usize
    }

    /// How many queues are disabled.
    fn numdisabled(&self) -> usize {
        self.disabled.lock().len()
    }

    /// The enabled queue `i`, as transmit sees it.
    fn queue<'a>(&'a self, i: usize, rcu: &'a rcu::Guard) -> Option<&'a Queue> {
        if i >= self.numqueues() {
            return None;
        }
        self.queues.get(i)?.get(rcu)
    }

    /// Where `q` is among the enabled queues.
    fn index_of(&self, q: &Arc<Queue>, _rtnl: &Rtnl) -> Option<usize> {
        let guard = rcu::read_lock();
        (0..self.numqueues()).find(|&i| {
            self.queues[i]
                .get(&guard)
                .is_some_and(|x| core::ptr::eq(x, &**q))
        })
    }

    /// Enables `q` as the last queue (tun's `tun_attach`); the caller
    /// checked that there is room.
    fn enable(&self, q: &Arc<Queue>, dev: &Dev<Rtun>, rtnl: &Rtnl) {
        let n = self.numqueues();
        // An empty slot: storing never waits.
        drop(self.queues[n].replace(Some(q.clone())));
        // CAST: below `MAX_QUEUES`.
        q.index.store(n as u32, Ordering::Relaxed);
        // CAST: at most `MAX_QUEUES`.
        let n = (n + 1) as u32;
        self.numqueues.store(n, Ordering::Release);
        let _ = dev.set_real_num_queues(n, rtnl);
    }

    /// Removes the enabled queue `q` (tun's `__tun_detach`): the last one
    /// takes its index; once no transmit sees it, its packets are dropped.
    /// Allocates nothing, so that closing a file cannot fail.
    fn remove(&self, q: &Arc<Queue>, dev: Option<&Dev<Rtun>>, rtnl: &Rtnl) {
        let Some(i) = self.index_of(q, rtnl) else {
            return;
        };
        let last = self.numqueues() - 1;
        if i != last {
            let moved = self.queues[last].get_arc();
            if let Some(m) = &moved {
                // CAST: below `MAX_QUEUES`.
                m.index.store(i as u32, Ordering::Relaxed);
            }
            drop(self.queues[i].replace(moved));
        }
        // CAST: below `MAX_QUEUES`.
        self.numqueues.store(last as u32, Ordering::Release);
        drop(self.queues[last].replace(None));
        q.purge();
        if let Some(dev) = dev {
            // tun ignores the core's EINVAL for 0.
            // CAST: as above.
            let _ = dev.set_real_num_queues(last as u32, rtnl);
        }
    }

    fn flags(&self) -> u16 {
        self.flags.load(Ordering::Relaxed) as u16
    }

    fn no_pi(&self) -> bool {
        self.flags() & IFF_NO_PI != 0
    }

    fn persist(&self) -> bool {
        self.flags() & IFF_PERSIST != 0
    }

    fn vnet_hdr(&self) -> bool {
        self.flags() & IFF_VNET_HDR != 0
    }

    /// tun's `tun_vnet_is_little_endian`: `TUNSETVNETLE`, or the legacy
    /// default, little-endian on every architecture rtun builds for
    /// without `TUN_VNET_CROSS_LE` (which rtun does not offer).
    fn vnet_le(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & TUN_VNET_LE != 0 || cfg!(target_endian = "little")
    }

    /// The offloads userspace took with `TUNSETOFFLOAD`.
    fn user_features(&self) -> Features {
        Features::from_bits(self.set_features.load(Ordering::Relaxed))
    }

    /// tun's `tun_permitted`: owner and/or group set and all that is set
    /// matched, or CAP_NET_ADMIN in the device's netns.
    fn permitted(&self, net: &Net) -> bool {
        let owner = self.owner.load();
        let group = self.group.load();
        // If both are set, both must match.
        ((owner.is_some() || group.is_some())
            && owner.is_none_or(|o| o == Kuid::current_euid())
            && group.is_none_or(in_current_groups))
            || net.net_admin_capable()
    }

    /// tun's `tun_flags()`: the type and the flags kept from TUNSETIFF.
    fn tun_flags(&self) -> u16 {
        let ty = if self.tap { IFF_TAP } else { IFF_TUN };
        ty | (self.flags() & (RTUN_IFF_KEPT | IFF_PERSIST))
    }

    /// The flags TUNGETIFF reports (tun's `tun_flags()` plus "no filter").
    fn ifr_flags(&self) -> u16 {
        self.tun_flags() | IFF_NOFILTER
    }
}

#[vtable]
impl Driver for Rtun {
    const KIND: &'static CStr = c"rtun";
    const POLICY: &'static [Policy] = &NO_POLICY;
    const PCPU_STATS: PcpuStats = PcpuStats::Dstats;

    type Private = RtunPriv;

    fn setup(dev: &mut Setup<'_>) {
        // The mode (TUN or TAP) is applied once the device is allocated.
        // Transmit needs no queue lock: the ring has its own (tun: lltx).
        dev.lltx();
        dev.tx_queue_len(TUN_READQ_SIZE);
        dev.min_mtu(ETH_MIN_MTU);
        dev.max_mtu(ETH_MAX_MTU);
    }

    fn validate(_tb: &Attrs<'_>, _data: &Attrs<'_>, ext: &mut ExtAck<'_>) -> Result {
        ext.msg(c"rtun creation via rtnetlink is not supported: use /dev/net/rtun");
        Err(EOPNOTSUPP)
    }

    fn newlink(
        _dev: &Dev<Self>,
        _p: &NewLink<'_, Self>,
        _ext: &mut ExtAck<'_>,
        _rtnl: &Rtnl,
    ) -> Result {
        Err(EOPNOTSUPP)
    }

    fn dellink(dev: &Dev<Self>, q: &mut UnregisterQueue<'_>, rtnl: &Rtnl) {
        q.add(dev, rtnl);
    }

    fn validate_addr(dev: &Dev<Self>, _rtnl: &Rtnl) -> Result {
        match dev.private().shared.get() {
            Some(sh) if sh.tap => dev.eth_validate_addr(),
            _ => Ok(()),
        }
    }

    fn set_mac_address(dev: &Dev<Self>, addr: &SockAddr<'_>, rtnl: &Rtnl) -> Result {
        dev.eth_mac_addr(addr, rtnl)
    }

    /// tun's empty `tun_net_mclist`: every address is taken.
    fn set_rx_mode(_dev: &Dev<Self>) {}

    /// tun's `tun_get_size`: five `u8` and four `u32` attributes.
    fn get_size(_dev: &Dev<Self>) -> usize {
        5 * total_size(1) + 4 * total_size(4)
    }

    /// tun's `tun_net_fix_features`: the user offloads only as
    /// `TUNSETOFFLOAD` set them, the others as the core decides.
    fn fix_features(dev: &Dev<Self>, features: Features) -> Features {
        let set = dev
            .private()
            .shared
            .get()
            .map_or(Features::of(&[]), |sh| sh.user_features());
        features
            .intersection(set)
            .union(features.difference(USER_FEATURES))
    }

    /// tun's `tun_fill_info`, in its order: what `ip -d link` prints for
    /// tun; the queue counts for a multiqueue device.
    fn fill_info(dev: &Dev<Self>, w: &Writer) -> Result {
        let Some(sh) = dev.private().shared.get() else {
            return Ok(());
        };
        let ty = if sh.tap { IFF_TAP } else { IFF_TUN };
        // CAST: IFF_TUN and IFF_TAP are 1 and 2 (`TUN_TYPE_MASK` is 0xf).
        w.put_u8(IFLA_TUN_TYPE, ty as u8)?;
        if let Some(o) = sh.owner.load() {
            w.put_u32(IFLA_TUN_OWNER, kuid_to_user(o))?;
        }
        if let Some(g) = sh.group.load() {
            w.put_u32(IFLA_TUN_GROUP, kgid_to_user(g))?;
        }
        w.put_u8(IFLA_TUN_PI, (!sh.no_pi()).into())?;
        w.put_u8(IFLA_TUN_VNET_HDR, sh.vnet_hdr().into())?;
        w.put_u8(IFLA_TUN_PERSIST, sh.persist().into())?;
        w.put_u8(IFLA_TUN_MULTI_QUEUE, sh.multi_queue().into())?;
        if sh.multi_queue() {
            // CAST: at most `MAX_QUEUES`.
            w.put_u32(IFLA_TUN_NUM_QUEUES, sh.numqueues() as u32)?;
            w.put_u32(IFLA_TUN_NUM_DISABLED_QUEUES, sh.numdisabled() as u32)?;
        }
        Ok(())
    }

    /// tun's `tun_get_channels`.
    fn get_channels(dev: &Dev<Self>) -> Channels {
        let Some(sh) = dev.private().shared.get() else {
            return Channels::default();
        };
        Channels {
            // CAST: at most `MAX_QUEUES`.
            combined: sh.numqueues() as u32,
            max_combined: if sh.multi_queue() {
                MAX_QUEUES as u32
            } else {
                1
            },
            ..Channels::default()
        }
    }

    /// tun's `tun_attr_group`.
    const SYSFS_ATTRS: &'static [&'static CStr] = &[c"tun_flags", c"owner", c"group"];

    fn sysfs_show(dev: &Dev<Self>, index: usize, out: &mut SysfsBuf<'_>) {
        let Some(sh) = dev.private().shared.get() else {
            return;
        };
        let _ = match index {
            0 => writeln!(out, "0x{:x}", sh.tun_flags()),
            1 => match sh.owner.load() {
                Some(o) => writeln!(out, "{}", kuid_to_user(o)),
                None => writeln!(out, "-1"),
            },
            _ => match sh.group.load() {
                Some(g) => writeln!(out, "{}", kgid_to_user(g)),
                None => writeln!(out, "-1"),
            },
        };
    }

    fn get_drvinfo(_dev: &Dev<Self>, info: &mut DrvInfo<'_>) {
        info.set_driver(c"rtun");
        info.set_version(c"1.6");
    }

    /// tun's `msg_enable` (`TUNSETDEBUG`, `ethtool -s DEV msglvl`).
    fn get_msglevel(dev: &Dev<Self>) -> u32 {
        dev.private()
            .shared
            .get()
            .map_or(0, |sh| sh.debug.load(Ordering::Relaxed))
    }

    fn set_msglevel(dev: &Dev<Self>, value: u32) {
        if let Some(sh) = dev.private().shared.get() {
            sh.debug.store(value, Ordering::Relaxed);
        }
    }

    fn get_link(dev: &Dev<Self>) -> bool {
        dev.carrier_ok()
    }

    /// tun's `tun_automq_select_queue`: a flow goes to the queue its
    /// packets were last written from, else flows spread over the enabled
    /// queues by their hash.
    fn select_queue(dev: &Dev<Self>, skb: &SkBuff, _rcu: &rcu::Guard) -> u16 {
        let Some(sh) = dev.private().shared.get() else {
            return 0;
        };
        // CAST: at most `MAX_QUEUES`.
        let n = sh.numqueues() as u32;
        if n <= 1 {
            return 0;
        }
        let hash = skb.hash_symmetric();
        let q = match sh.flows.as_ref().and_then(|f| f.lookup(hash, || sh.now())) {
            Some(q) if q < n => q,
            // A flow of a queue index no longer in use: tun keeps such
            // entries and the core then caps the index to queue 0.
            Some(_) => 0,
            // `reciprocal_scale`; CAST: below `n`.
            None => ((u64::from(hash) * u64::from(n)) >> 32) as u32,
        };
        // CAST: below `MAX_QUEUES`.
        q as u16
    }

    fn start_xmit(mut skb: SkBuff, dev: &Dev<Self>, _ctx: &XmitCtx) -> TxStatus {
        let Some(sh) = dev.private().shared.get() else {
            skb.drop_reason(DropReason::DevReady);
            dev.stats_tx_dropped();
            return TxStatus::Dropped;
        };
        let guard = rcu::read_lock();
        // No queue there (none attached, or queues changed since the core
        // chose one): drop, as tun does.
        let Some(q) = sh.queue(skb.queue_mapping().into(), &guard) else {
            skb.drop_reason(DropReason::DevReady);
            dev.stats_tx_dropped();
            return TxStatus::Dropped;
        };
        // The TAP filter, when set: a frame whose destination it does not
        // take (or too short to have one) is dropped, as tun does.
        if let Some(f) = sh.txflt.get(&guard) {
            if !skb.head(ETH_ALEN).is_some_and(|d| f.accepts(d)) {
                skb.drop_reason(DropReason::TapTxFilter);
                dev.stats_tx_dropped();
                return TxStatus::Dropped;
            }
        }
        skb.tx_timestamp();
        // Queued packets must not hold the sender's socket memory or a route.
        skb.orphan();
        let limit = dev.tx_queue_len() as usize;
        // Transmit runs with bottom halves disabled (interrupts, under
        // netpoll): the lock alone, as tun's ring producer takes it.
        let pushed = q.ring.lock_bh_disabled().push(skb, limit);
        match pushed {
            Ok(()) => {
                // Readers and pollers queue themselves before they look at
                // the ring under its lock, so none is missed (tun:
                // sk_data_ready).
                if q.wait.has_sleeper() {
                    q.wait.notify_sync();
                }
                TxStatus::Sent
            }
            Err(skb) => {
                skb.drop_reason(DropReason::FullRing);
                dev.stats_tx_dropped();
                TxStatus::Dropped
            }
        }
    }

    fn uninit(dev: &Dev<Self>, rtnl: &Rtnl) {
        announce(TunEvent::Del, dev, rtnl);
        if let Some(sh) = dev.private().shared.get() {
            sh.dead.store(true, Ordering::Release);
            drop(sh.dev.take(rtnl));
            // tun's `tun_detach_all`: every file is detached and its
            // readers woken; the files may attach again elsewhere.
            while sh.numqueues() > 0 {
                let Some(q) = sh.queues[sh.numqueues() - 1].get_arc() else {
                    break;
                };
                sh.remove(&q, None, rtnl);
            }
            for q in sh.disabled.lock().drain_all() {
                q.purge();
            }
        }
    }

    fn destroy(private: &mut RtunPriv) {
        drop(private.shared.take());
    }
}

/// `struct ifreq` as TUNSETIFF/TUNGETIFF use it: a name and `ifr_flags`.
///
/// Only the caller's `len` bytes are read and written: a 32-bit caller's
/// `struct compat_ifreq` is shorter than `struct ifreq` (tun's `ifreq_len`),
/// and the name and flags sit at the same offsets in both.
struct IfReq {
    raw: [u8; IFREQ_LEN],
    len: usize,
}

impl IfReq {
    /// An empty one for a caller whose `struct ifreq` is `len` bytes.
    fn new(len: usize) -> Result<IfReq> {
        // Never more than `struct ifreq`, never without the flags.
        if !(IFNAMSIZ + 2..=IFREQ_LEN).contains(&len) {
            return Err(EINVAL);
        }
        Ok(IfReq {
            raw: [0; IFREQ_LEN],
            len,
        })
    }

    /// Reads the caller's `len` bytes at `arg`.
    fn read(arg: usize, len: usize) -> Result<IfReq> {
        let mut ifr = IfReq::new(len)?;
        UserSlice::new(UserPtr::from_addr(arg), len)
            .reader()
            .read_slice(&mut ifr.raw[..len])?;
        // tun: `ifr.ifr_name[IFNAMSIZ-1] = '\0'`.
        ifr.raw[IFNAMSIZ - 1] = 0;
        Ok(ifr)
    }

    /// Writes back as many bytes as the caller has.
    fn write(&self, arg: usize) -> Result {
        UserSlice::new(UserPtr::from_addr(arg), self.len)
            .writer()
            .write_slice(&self.raw[..self.len])
    }

    fn name(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.raw[..IFNAMSIZ]).unwrap_or(c"")
    }

    fn set_name(&mut self, name: &CStr) {
        let b = name.to_bytes();
        let n = b.len().min(IFNAMSIZ - 1);
        self.raw[..IFNAMSIZ].fill(0);
        self.raw[..n].copy_from_slice(&b[..n]);
    }

    fn flags(&self) -> u16 {
        u16::from_ne_bytes([self.raw[IFNAMSIZ], self.raw[IFNAMSIZ + 1]])
    }

    fn set_flags(&mut self, f: u16) {
        self.raw[IFNAMSIZ..IFNAMSIZ + 2].copy_from_slice(&f.to_ne_bytes());
    }
}

/// One open `/dev/net/rtun`.
pub(crate) struct RtunFile {
    /// The netns of the opener: where TUNSETIFF looks and creates.
    net: ARef<Net>,
    /// The device this file is attached to (tun's `tfile->tun`): set by
    /// TUNSETIFF under RTNL, read by every `read()` and `write()` under RCU.
    attached: RcuArc<Shared>,
    /// This file's queue: what transmit queues for it, what it reads.
    queue: Arc<Queue>,
    /// Its queue is disabled (`TUNSETQUEUE` `IFF_DETACH_QUEUE`; tun's
    /// `tfile->detached`). Changed under RTNL.
    detached: AtomicBool,
    /// `TUNSETIFINDEX`: the index a device this file makes asks for.
    ifindex: AtomicI32,
}

impl RtunFile {
    /// The device this file is attached to, unless it was deleted: such a
    /// file is detached, as in tun, and may attach again.
    fn shared(&self) -> Option<Arc<Shared>> {
        self.attached
            .get_arc()
            .filter(|sh| !sh.dead.load(Ordering::Acquire))
    }

    /// The attached device with a counted reference, as tun's `tun_get`:
    /// what each packet takes, without a lock.
    fn device(&self) -> Option<ARef<Dev<Rtun>>> {
        let guard = rcu::read_lock();
        let sh = self.attached.get(&guard)?;
        if sh.dead.load(Ordering::Acquire) {
            return None;
        }
        sh.dev.get_rcu(&guard).map(ARef::from)
    }

    /// Enables this file's queue on `sh`'s device (tun's `tun_attach`): as
    /// a new queue, or again after `IFF_DETACH_QUEUE` (`again`).
    fn attach(&self, sh: &Shared, dev: &Dev<Rtun>, again: bool, rtnl: &Rtnl) -> Result {
        let n = sh.numqueues();
        if !sh.multi_queue() && n == 1 {
            return Err(EBUSY);
        }
        let mut disabled = sh.disabled.lock();
        if !again && n + disabled.len() >= MAX_QUEUES {
            return Err(E2BIG);
        }
        if again {
            let Some(i) = disabled.iter().position(|q| Arc::ptr_eq(q, &self.queue)) else {
                return Err(EINVAL);
            };
            drop(disabled.remove(i));
        }
        drop(disabled);
        self.detached.store(false, Ordering::Relaxed);
        sh.enable(&self.queue, dev, rtnl);
        Ok(())
    }

    /// `IFF_DETACH_QUEUE`: disables this file's queue (tun's
    /// `__tun_detach(tfile, false)`); the file stays attached.
    fn disable(&self, sh: &Shared, dev: &Dev<Rtun>, rtnl: &Rtnl) -> Result {
        if !sh.multi_queue() || self.detached.load(Ordering::Relaxed) {
            return Err(EINVAL);
        }
        let mut disabled = sh.disabled.lock();
        disabled.push(self.queue.clone(), GFP_KERNEL)?;
        drop(disabled);
        self.detached.store(true, Ordering::Relaxed);
        sh.remove(&self.queue, Some(dev), rtnl);
        Ok(())
    }

    /// `TUNSETQUEUE` (tun's `tun_set_queue`).
    fn set_queue(&self, ifr: &IfReq, rtnl: &Rtnl) -> Result {
        let flags = ifr.flags();
        let sh = self.shared().ok_or(EINVAL)?;
        let dev = sh.dev.get(rtnl).ok_or(EINVAL)?;
        if flags & IFF_ATTACH_QUEUE != 0 {
            if !self.detached.load(Ordering::Relaxed) {
                return Err(EINVAL);
            }
            self.attach(&sh, dev, true, rtnl)?;
        } else if flags & IFF_DETACH_QUEUE != 0 {
            self.disable(&sh, dev, rtnl)?;
        } else {
            return Err(EINVAL);
        }
        dev.state_change(rtnl);
        Ok(())
    }

    /// TUNSETIFF: attach to the named device, or create it.
    fn set_iff(&self, ifr: &mut IfReq, rtnl: &Rtnl) -> Result {
        let flags = ifr.flags();
        let (want_tun, want_tap) = (flags & IFF_TUN != 0, flags & IFF_TAP != 0);
        if flags & RTUN_UNSUPPORTED != 0 || !(want_tun || want_tap) {
            return Err(EINVAL);
        }
        // Both bits: tun makes a TUN device and attaches to either kind.
        let tap = !want_tun;
        let net: &Net = &self.net;
        let shared = match RTUN_LINK.lookup(net, ifr.name(), rtnl) {
            Lookup::Other => {
                return Err(if flags & IFF_TUN_EXCL != 0 {
                    EBUSY
                } else {
                    EINVAL
                })
            }
            Lookup::Ours(dev) => {
                if flags & IFF_TUN_EXCL != 0 {
                    return Err(EBUSY);
                }
                let sh = dev.private().shared.get().ok_or(EINVAL)?;
                if !((want_tap && sh.tap) || (want_tun && !sh.tap)) {
                    return Err(EINVAL);
                }
                if (flags & IFF_MULTI_QUEUE != 0) != sh.multi_queue() {
                    return Err(EINVAL);
                }
                if !sh.permitted(dev.net()) {
                    return Err(EPERM);
                }
                let arc = dev.private().shared.get_arc().ok_or(EINVAL)?;
                self.attach(sh, dev, false, rtnl)?;
                // The first queue sets the features anew (tun does the
                // same); persistence and the header's byte order stay.
                if sh.numqueues() + sh.numdisabled() == 1 {
                    let keep = sh.flags.load(Ordering::Relaxed) & !u32::from(RTUN_IFF_KEPT);
                    sh.flags
                        .store(keep | u32::from(flags & RTUN_IFF_KEPT), Ordering::Relaxed);
                }
                ifr.set_name(dev.name(rtnl));
                set_carrier(dev, flags & IFF_NO_CARRIER == 0);
                arc
            }
            Lookup::None => {
                if !net.net_admin_capable() {
                    return Err(EPERM);
                }
                let ifindex = self.ifindex.load(Ordering::Relaxed);
                let (sh, dev) = create(net, ifr.name(), tap, flags & RTUN_IFF_KEPT, ifindex, rtnl)?;
                // Cannot fail: the first queue of a device of its own.
                self.attach(&sh, dev, false, rtnl)?;
                set_carrier(dev, flags & IFF_NO_CARRIER == 0);
                ifr.set_name(dev.name(rtnl));
                announce(TunEvent::New, dev, rtnl);
                sh
            }
        };
        // What was there is a deleted device's (the caller checked), left
        // once no reader can see it.
        drop(self.attached.replace(Some(shared)));
        Ok(())
    }

    /// Copies one packet to userspace (tun's `tun_put_user`): `struct
    /// tun_pi` unless IFF_NO_PI, the virtio-net header with IFF_VNET_HDR,
    /// then as much of the packet as fits, with the VLAN tag the stack left
    /// for the device put back in. Returns tun's count: the whole packet
    /// (and headers) even when truncated.
    fn put_user(
        &self,
        dev: &Dev<Rtun>,
        sh: &Shared,
        skb: SkBuff,
        iov: &mut IovIterDest<'_>,
    ) -> Result<usize> {
        let len = skb.len() as usize;
        let vlan = skb.vlan_tag();
        let vlan_hlen = if vlan.is_some() { VLAN_HLEN } else { 0 };
        let vnet_hdr_sz = if sh.vnet_hdr() {
            // CAST: at least 10 (TUNSETVNETHDRSZ checks), so not negative.
            sh.vnet_hdr_sz.load(Ordering::Relaxed) as usize
        } else {
            0
        };
        let mut total = len + vlan_hlen + vnet_hdr_sz;
        if !sh.no_pi() {
            if iov.len() < TUN_PI_LEN {
                return Err(EINVAL);
            }
            total += TUN_PI_LEN;
            let strip = if iov.len() < total { TUN_PKT_STRIP } else { 0 };
            let mut pi = [0u8; TUN_PI_LEN];
            pi[..2].copy_from_slice(&strip.to_ne_bytes());
            pi[2..].copy_from_slice(&skb.protocol().to_ne_bytes());
            if iov.copy_to_iter(&pi) != TUN_PI_LEN {
                return Err(EFAULT);
            }
        }
        if vnet_hdr_sz != 0 {
            let tnl = dev.features().contains(Feature::GsoUdpTunnel);
            // CAST: 0 or 4.
            let hdr = match skb.to_vnet_hdr(tnl, sh.vnet_le(), vlan_hlen as i32, true, false) {
                Ok(hdr) => hdr,
                Err(e) => {
                    // A packet the header cannot describe: the stack gave
                    // us an offload we did not offer (tun WARNs once).
                    static WARNED: AtomicBool = AtomicBool::new(false);
                    if !WARNED.swap(true, Ordering::Relaxed) {
                        pr_warn!("rtun: a GSO packet no virtio-net header describes, dropped\n");
                    }
                    return Err(e);
                }
            };
            vnet_hdr_put(iov, vnet_hdr_sz, vnet_parse_size(tnl), &hdr)?;
        }
        let mut off = 0u32;
        if let Some((proto, tci)) = vlan {
            // Destination and source addresses, the tag, then the rest; a
            // short buffer ends the copy (tun: `goto done`).
            off = VLAN_TAG_OFFSET.min(skb.len());
            if skb.copy_range_to_iter(iov, 0, off).is_ok() && !iov.is_empty() {
                let mut tag = [0u8; VLAN_HLEN];
                tag[..2].copy_from_slice(&proto.to_ne_bytes());
                tag[2..].copy_from_slice(&tci.to_be_bytes());
                if iov.copy_to_iter(&tag) != VLAN_HLEN || iov.is_empty() {
                    off = skb.len();
                }
            } else {
                off = skb.len();
            }
        }
        // Truncates to what fits (skb_copy_datagram_iter stops there).
        let n = (skb.len() - off).min(u32::try_from(iov.len()).unwrap_or(u32::MAX));
        let _ = skb.copy_range_to_iter(iov, off, n);
        // CAST: `vlan_hlen` is 0 or 4.
        dev.stats_tx_add(skb.len() + vlan_hlen as u32);
        skb.consume();
        Ok(total)
    }

    /// Injects one packet written by userspace (tun's `tun_get_user`).
    fn get_user(&self, dev: &Dev<Rtun>, sh: &Shared, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let total = iov.len();
        let mut len = total;
        // Without PI, TUN packets say their protocol by their version nibble.
        let mut proto = ETH_P_IP.to_be();
        if !sh.no_pi() {
            if len < TUN_PI_LEN {
                return Err(EINVAL);
            }
            let mut pi = [0u8; TUN_PI_LEN];
            if iov.copy_from_iter(&mut pi) != TUN_PI_LEN {
                return Err(EFAULT);
            }
            proto = u16::from_ne_bytes([pi[2], pi[3]]);
            len -= TUN_PI_LEN;
        }
        let mut vnet = None;
        let mut hdr_len = 0usize;
        if sh.vnet_hdr() {
            // CAST: at least 10 (TUNSETVNETHDRSZ checks), so not negative.
            let sz = sh.vnet_hdr_sz.load(Ordering::Relaxed) as usize;
            // tun guesses the tunnel fields from the header's size.
            let tnl = sz >= VnetHdr::MAX_LEN;
            let le = sh.vnet_le();
            let mut hdr = VnetHdr::new();
            hdr_len = vnet_hdr_get(iov, sz, vnet_parse_size(tnl), le, &mut hdr)?;
            len -= sz;
            vnet = Some((hdr, tnl, le));
        }
        if sh.tap && (len < ETH_HLEN as usize || (hdr_len != 0 && hdr_len < ETH_HLEN as usize)) {
            return Err(EINVAL);
        }
        if len > RTUN_MAX_WRITE {
            return Err(EMSGSIZE);
        }
        // Data in a page fragment when it fits, as tun does for TAP.
        let mut skb = SkBuff::alloc_rx_frag(dev, len as u32)?;
        skb.put_from_iter(iov, len as u32)?;
        if sh.tap {
            if !skb.may_pull(ETH_HLEN) {
                skb.drop_reason(DropReason::PktTooSmall);
                return Err(ENOMEM);
            }
            skb.set_network_header(ETH_HLEN)?;
        } else {
            if sh.no_pi() {
                proto = match skb.first_byte().map(|b| b >> 4) {
                    Some(4) => ETH_P_IP.to_be(),
                    Some(6) => ETH_P_IPV6.to_be(),
                    _ => {
                        skb.drop_reason(DropReason::PktTooSmall);
                        dev.stats_rx_dropped();
                        return Err(EINVAL);
                    }
                };
            }
            skb.set_ip_packet(dev, proto);
        }
        if let Some((hdr, tnl, le)) = vnet {
            // A header that does not fit the packet: refused and counted
            // (`rx_frame_errors`, which tun only reports for TUN devices:
            // its TAP devices have no `ndo_get_stats64`).
            if let Err(e) = skb.set_from_vnet_hdr(&hdr, tnl, tnl, le) {
                if !sh.tap {
                    dev.stats_rx_frame_error();
                }
                return Err(e);
            }
        }
        if !dev.is_up() {
            skb.drop_reason(DropReason::DevReady);
            dev.stats_rx_dropped();
            return Err(EIO);
        }
        if sh.tap && skb.eth_type_trans(dev).is_err() {
            skb.drop_reason(DropReason::PktTooSmall);
            dev.stats_rx_dropped();
            return Err(EINVAL);
        }
        skb.set_network_header(0)?;
        skb.probe_transport_header();
        // tun computes the flow's hash for its flow table only with
        // several queues, from an enabled one.
        let q = self.queue.index.load(Ordering::Relaxed);
        // CAST: below `MAX_QUEUES`.
        skb.record_rx_queue(q as u16);
        let flow = (sh.numqueues() > 1 && !self.detached.load(Ordering::Relaxed))
            .then(|| skb.hash_symmetric());
        // Processed now, in the writer's context, as tun does
        // (tun_rx_batched without batching): no trip through the backlog.
        // Like tun, the packet counts as received whatever the stack then
        // does with it (its own drops are counted where they happen).
        let bh = BhDisabled::new();
        let _ = skb.netif_receive_skb(&bh);
        drop(bh);
        dev.stats_rx_add(len as u32);
        if let (Some(hash), Some(f)) = (flow, &sh.flows) {
            f.update(hash, q, sh.now());
        }
        Ok(total)
    }

    /// tun's `__tun_chr_ioctl`: `arg` a user address or a value, by command;
    /// the caller's `struct ifreq` is `ifreq_len` bytes.
    fn ioctl_cmd(&self, cmd: u32, arg: usize, ifreq_len: usize) -> Result<isize> {
        if cmd == TUNGETFEATURES {
            let mut w = UserSlice::new(UserPtr::from_addr(arg), 4).writer();
            w.write_slice(&RTUN_FEATURES.to_ne_bytes())?;
            return Ok(0);
        }
        let ifr = if cmd == TUNSETIFF || cmd == TUNSETQUEUE {
            Some(IfReq::read(arg, ifreq_len)?)
        } else {
            None
        };
        if cmd == SIOCGSKNS {
            // tun: the netns of the file's socket, the opener's.
            if !self.net.net_admin_capable() {
                return Err(EPERM);
            }
            return self.net.open_ns_fd().map(|fd| fd as isize);
        }
        let rtnl = Rtnl::lock();
        if let (TUNSETQUEUE, Some(ifr)) = (cmd, &ifr) {
            self.set_queue(ifr, &rtnl)?;
            return Ok(0);
        }
        let sh = self.shared();
        if cmd == TUNSETIFINDEX {
            if sh.is_some() {
                return Err(EPERM);
            }
            let i = get_int(arg)?;
            if i < 0 {
                return Err(EINVAL);
            }
            self.ifindex.store(i, Ordering::Relaxed);
            return Ok(0);
        }
        if let Some(mut ifr) = ifr {
            if sh.is_some() {
                return Err(EEXIST);
            }
            self.set_iff(&mut ifr, &rtnl)?;
            ifr.write(arg)?;
            return Ok(0);
        }
        let sh = sh.ok_or(EBADFD)?;
        let dev = sh.dev.get(&rtnl).ok_or(EBADFD)?;
        match cmd {
            TUNGETIFF => {
                let mut ifr = IfReq::new(ifreq_len)?;
                ifr.set_name(dev.name(&rtnl));
                let detached = if self.detached.load(Ordering::Relaxed) {
                    IFF_DETACH_QUEUE
                } else {
                    0
                };
                ifr.set_flags(sh.ifr_flags() | detached);
                ifr.write(arg)?;
            }
            TUNSETPERSIST => {
                if arg != 0 {
                    sh.flags.fetch_or(IFF_PERSIST.into(), Ordering::Relaxed);
                } else {
                    sh.flags
                        .fetch_and(!u32::from(IFF_PERSIST), Ordering::Relaxed);
                }
            }
            TUNSETOWNER => {
                // CAST: tun takes the uid from the low 32 bits of the argument.
                let uid = kuid_from_user(arg as u32).ok_or(EINVAL)?;
                sh.owner.store(Some(uid));
            }
            TUNSETGROUP => {
                // CAST: as for TUNSETOWNER.
                let gid = kgid_from_user(arg as u32).ok_or(EINVAL)?;
                sh.group.store(Some(gid));
            }
            // tun: "[unimplemented]", accepted and ignored.
            TUNSETNOCSUM => {}
            TUNSETDEBUG => {
                // CAST: tun keeps the low 32 bits (`msg_enable`).
                sh.debug.store(arg as u32, Ordering::Relaxed);
            }
            TUNSETOFFLOAD => {
                // CAST: `unsigned long` to `u64`, widening on every target.
                let f = offload_features(arg as u64)?;
                sh.set_features.store(f.into(), Ordering::Relaxed);
                dev.update_wanted_features(USER_FEATURES, f, &rtnl);
            }
            TUNGETSNDBUF => put_int(arg, sh.sndbuf.load(Ordering::Relaxed))?,
            TUNSETSNDBUF => {
                let v = get_int(arg)?;
                if v <= 0 {
                    return Err(EINVAL);
                }
                sh.sndbuf.store(v, Ordering::Relaxed);
            }
            TUNSETCARRIER => {
                // An attached file is a queue, so "on" is always allowed
                // here (tun: EPERM without queues).
                set_carrier(dev, get_int(arg)? != 0);
            }
            // tun_vnet.h's `tun_vnet_ioctl`.
            TUNGETVNETHDRSZ => put_int(arg, sh.vnet_hdr_sz.load(Ordering::Relaxed))?,
            TUNSETVNETHDRSZ => {
                let v = get_int(arg)?;
                // CAST: 10 bytes.
                if v < VnetHdr::LEN as i32 {
                    return Err(EINVAL);
                }
                sh.vnet_hdr_sz.store(v, Ordering::Relaxed);
            }
            TUNGETVNETLE => {
                let le = sh.flags.load(Ordering::Relaxed) & TUN_VNET_LE != 0;
                put_int(arg, le.into())?
            }
            TUNSETVNETLE => {
                if get_int(arg)? != 0 {
                    sh.flags.fetch_or(TUN_VNET_LE, Ordering::Relaxed);
                } else {
                    sh.flags.fetch_and(!TUN_VNET_LE, Ordering::Relaxed);
                }
            }
            // tun without `CONFIG_TUN_VNET_CROSS_LE`: no big-endian legacy
            // headers on a little-endian machine.
            TUNGETVNETBE | TUNSETVNETBE => return Err(EINVAL),
            TUNSETLINK => {
                // CAST: tun takes the type from the low 16 bits (`(int) arg`
                // into an `unsigned short`).
                let ty = arg as u16;
                dev.change_type(ty, link_addr_len(ty), &rtnl)?;
            }
            TUNSETTXFILTER => {
                // Only for TAP (tun: EINVAL).
                if !sh.tap {
                    return Err(EINVAL);
                }
                return set_txfilter(&sh, arg);
            }
            // tun's eBPF steering and filter programs are left out: "none"
            // (fd -1) is what rtun has, anything else EINVAL.
            TUNSETSTEERINGEBPF | TUNSETFILTEREBPF => {
                if get_int(arg)? != -1 {
                    return Err(EINVAL);
                }
            }
            TUNGETDEVNETNS => {
                let net = dev.net();
                if !net.net_admin_capable() {
                    return Err(EPERM);
                }
                // CAST: a descriptor, not negative.
                return Ok(net.open_ns_fd()? as isize);
            }
            _ => return Err(EINVAL),
        }
        Ok(0)
    }
}

/// tun_vnet.h's `__tun_vnet_hdr_get`: reads a `sz`-byte header of which
/// the first `parsed` bytes count into `hdr`; returns the length of the
/// headers to keep linear (grown to cover a partial checksum).
fn vnet_hdr_get(
    iov: &mut IovIterSource<'_>,
    sz: usize,
    parsed: usize,
    le: bool,
    hdr: &mut VnetHdr,
) -> Result<usize> {
    if iov.len() < sz {
        return Err(EINVAL);
    }
    let parsed = parsed.min(VnetHdr::MAX_LEN);
    if iov.copy_from_iter(&mut hdr.as_bytes_mut()[..parsed]) != parsed {
        return Err(EFAULT);
    }
    let mut hdr_len = hdr.hdr_len(le);
    if hdr.flags() & F_NEEDS_CSUM != 0 {
        let need = u32::from(hdr.csum_start(le)) + u32::from(hdr.csum_offset(le)) + 2;
        // CAST: tun computes in `u16` and stores it back: the same wrap.
        hdr_len = hdr_len.max(need as u16);
        hdr.set_hdr_len(hdr_len, le);
    }
    if usize::from(hdr_len) > iov.len() {
        return Err(EINVAL);
    }
    // tun skips what is beyond the parsed part (a larger header size
    // than it knows); a `sz` below `parsed` was read whole already.
    iov.advance(sz.saturating_sub(parsed));
    Ok(usize::from(hdr_len))
}

/// tun_vnet.h's `__tun_vnet_hdr_put`: the first `parsed` bytes of `hdr`,
/// then zeros up to `sz` bytes.
fn vnet_hdr_put(iov: &mut IovIterDest<'_>, sz: usize, parsed: usize, hdr: &VnetHdr) -> Result {
    if iov.len() < sz {
        return Err(EINVAL);
    }
    let parsed = parsed.min(VnetHdr::MAX_LEN);
    if iov.copy_to_iter(&hdr.as_bytes()[..parsed]) != parsed {
        return Err(EFAULT);
    }
    // A header size below what the offloads need: tun's zeroing of a
    // negative length fails with EFAULT.
    let mut left = sz.checked_sub(parsed).ok_or(EFAULT)?;
    let zeros = [0u8; 64];
    while left > 0 {
        let n = left.min(zeros.len());
        if iov.copy_to_iter(&zeros[..n]) != n {
            return Err(EFAULT);
        }
        left -= n;
    }
    Ok(())
}

/// tun's `tun_get_addr_len`: the hardware address length of a link type.
fn link_addr_len(ty: u16) -> u8 {
    use arphrd::*;
    match u32::from(ty) {
        IP6GRE | TUNNEL6 => 16,
        IPGRE | TUNNEL | SIT => 4,
        ETHER => 6,
        // IEEE802154_EXTENDED_ADDR_LEN, EUI64_ADDR_LEN.
        IEEE802154 | IEEE802154_MONITOR | SIXLOWPAN => 8,
        // FDDI_K_ALEN, HIPPI_ALEN.
        FDDI | HIPPI => 6,
        // FC_ALEN.
        IEEE802 => 2,
        // ROSE_ADDR_LEN.
        ROSE => 5,
        // AX25_ADDR_LEN.
        NETROM => 7,
        // LTALK_ALEN.
        LOCALTLK => 1,
        _ => 0,
    }
}

/// tun's `update_filter`: `struct tun_filter` (flags, count) and `count`
/// addresses at `arg`. The first `FLT_EXACT_COUNT` are taken exactly, the
/// multicast ones after them by hash; a unicast one after them leaves the
/// filter off. Returns how many are exact, as tun's ioctl does.
fn set_txfilter(sh: &Shared, arg: usize) -> Result<isize> {
    let mut hdr = [0u8; 4];
    UserSlice::new(UserPtr::from_addr(arg), 4)
        .reader()
        .read_slice(&mut hdr)?;
    let flags = u16::from_ne_bytes([hdr[0], hdr[1]]);
    let count = usize::from(u16::from_ne_bytes([hdr[2], hdr[3]]));
    if count == 0 {
        drop(sh.txflt.replace(None));
        return Ok(0);
    }
    let mut raw = KVec::from_elem(0u8, count * ETH_ALEN, GFP_KERNEL)?;
    UserSlice::new(UserPtr::from_addr(arg + 4), count * ETH_ALEN)
        .reader()
        .read_slice(&mut raw)?;
    // tun turns the filter off first, and leaves it off on the way out
    // for a unicast address beyond the exact ones.
    drop(sh.txflt.replace(None));
    let mut exact = KVec::with_capacity(count.min(FLT_EXACT_COUNT), GFP_KERNEL)?;
    let mut mask = [0u32; 2];
    for (n, a) in raw.chunks_exact(ETH_ALEN).enumerate() {
        if n < FLT_EXACT_COUNT {
            let mut e = [0u8; ETH_ALEN];
            e.copy_from_slice(a);
            exact.push(e, GFP_KERNEL)?;
        } else if !is_multicast(a) {
            return Ok(0);
        } else {
            let h = ether_hash(a);
            mask[h >> 5] |= 1 << (h & 31);
        }
    }
    if flags & TUN_FLT_ALLMULTI != 0 {
        mask = [!0; 2];
    }
    let nexact = exact.len();
    let f = Arc::new(TxFilter { exact, mask }, GFP_KERNEL)?;
    drop(sh.txflt.replace(Some(f)));
    // CAST: at most `FLT_EXACT_COUNT`.
    Ok(nexact as isize)
}

/// Reads the `int` an ioctl's argument points to.
fn get_int(arg: usize) -> Result<i32> {
    let mut b = [0u8; 4];
    UserSlice::new(UserPtr::from_addr(arg), 4)
        .reader()
        .read_slice(&mut b)?;
    Ok(i32::from_ne_bytes(b))
}

/// Writes `v` to the `int` an ioctl's argument points to.
fn put_int(arg: usize, v: i32) -> Result {
    UserSlice::new(UserPtr::from_addr(arg), 4)
        .writer()
        .write_slice(&v.to_ne_bytes())
}

impl RtunFile {
    /// `read()`: one packet, waiting for it unless `nonblock`.
    /// Like tun, it holds the device while it waits; the device's
    /// unregistration wakes it (`uninit`).
    fn read(&self, nonblock: bool, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let dev = self.device().ok_or(EBADFD)?;
        let sh = dev.private().shared.get().ok_or(EBADFD)?;
        // A zero-length read takes nothing off the queue (as tun).
        if iov.is_empty() {
            return Ok(0);
        }
        let q = &self.queue;
        let skb = {
            let mut ring = q.ring.lock();
            loop {
                if let Some(skb) = ring.pop() {
                    break skb;
                }
                // The device went away under a reader: tun says EFAULT.
                if sh.dead.load(Ordering::Acquire) {
                    return Err(EFAULT);
                }
                if nonblock {
                    return Err(EAGAIN);
                }
                if q.wait.wait_interruptible(&mut ring) {
                    return Err(ERESTARTSYS);
                }
            }
        };
        // tun returns what was copied: a short buffer truncates.
        let room = iov.len();
        self.put_user(&dev, sh, skb, iov).map(|n| n.min(room))
    }

    /// `write()`: one packet.
    fn write(&self, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let dev = self.device().ok_or(EBADFD)?;
        let sh = dev.private().shared.get().ok_or(EBADFD)?;
        self.get_user(&dev, sh, iov)
    }

    /// `poll()`: readable when a packet is queued, always writable.
    fn poll_mask(&self, file: &File, table: &PollTable<'_>) -> u32 {
        let Some(sh) = self.shared() else {
            return file::poll::ERR;
        };
        table.register_wait(file, &self.queue.wait);
        if sh.dead.load(Ordering::Acquire) {
            return file::poll::ERR;
        }
        let mut mask = file::poll::OUT;
        if self.queue.ring.lock().len > 0 {
            mask |= file::poll::IN;
        }
        mask
    }
}

/// `/dev/net/rtun`: each open file is an `RtunFile`.
#[vtable]
impl MiscDevice for RtunFile {
    type Ptr = Pin<KBox<Self>>;

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Pin<KBox<Self>>> {
        let f = RtunFile {
            net: Net::current(kernel::current!()).get_ref(),
            attached: RcuArc::new(),
            queue: Queue::new()?,
            detached: AtomicBool::new(false),
            ifindex: AtomicI32::new(0),
        };
        Ok(KBox::pin(f, GFP_KERNEL)?)
    }

    fn release(this: Pin<KBox<Self>>, _file: &File) {
        // The last reference to the file: no reader, nothing to wait for.
        let mut this = Pin::into_inner(this);
        let Some(sh) = this.attached.take() else {
            return;
        };
        let rtnl = Rtnl::lock();
        // tun's `__tun_detach(tfile, true)`.
        if this.detached.load(Ordering::Relaxed) {
            let mut disabled = sh.disabled.lock();
            if let Some(i) = disabled.iter().position(|q| Arc::ptr_eq(q, &this.queue)) {
                drop(disabled.remove(i));
            }
        } else {
            sh.remove(&this.queue, sh.dev.get(&rtnl), &rtnl);
        }
        if let Some(dev) = sh.dev.get(&rtnl) {
            if sh.numqueues() + sh.numdisabled() == 0 {
                if sh.persist() {
                    // The device stays, without carrier.
                    dev.carrier_off();
                } else {
                    dev.unregister(&rtnl);
                }
            }
        }
    }

    fn read_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        kiocb.file().read(file::nonblocking(&kiocb), iov)
    }

    fn write_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        kiocb.file().write(iov)
    }

    fn poll(this: Pin<&Self>, file: &File, table: &PollTable<'_>) -> u32 {
        this.poll_mask(file, table)
    }

    fn ioctl(this: Pin<&Self>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        this.ioctl_cmd(cmd, arg, IFREQ_LEN)
    }

    /// tun's `tun_chr_show_fdinfo`: `iff:` and the attached device's name
    /// (empty when none), in `/proc/PID/fdinfo/FD`.
    fn show_fdinfo(this: Pin<&Self>, m: &SeqFile, _file: &File) {
        let rtnl = Rtnl::lock();
        let sh = this.shared();
        let name = sh
            .as_ref()
            .and_then(|sh| sh.dev.get(&rtnl))
            .map(|d| d.name(&rtnl));
        let name = name.and_then(|n| n.to_str().ok()).unwrap_or("");
        seq_print!(m, "iff:\t{}\n", name);
    }

    /// tun's `tun_chr_compat_ioctl`: pointer arguments through `compat_ptr`,
    /// values cut to `compat_ulong_t`, and a `struct ifreq` of 32-bit size.
    #[cfg(CONFIG_COMPAT)]
    fn compat_ioctl(this: Pin<&Self>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let arg = match cmd {
            TUNSETIFF | TUNGETIFF | TUNSETTXFILTER | TUNGETSNDBUF | TUNSETSNDBUF => {
                file::compat_ptr(arg)
            }
            _ => file::compat_ulong(arg),
        };
        this.ioctl_cmd(cmd, arg, COMPAT_IFREQ_LEN)
    }
}

fn set_carrier(dev: &Dev<Rtun>, on: bool) {
    if on {
        dev.carrier_on();
    } else {
        dev.carrier_off();
    }
}

/// Creates and registers a device (`name` empty: `rtun%d`/`rtap%d`); the
/// caller sends the family's `tun-new-ntf`.
fn create<'a>(
    net: &Net,
    name: &CStr,
    tap: bool,
    flags: u16,
    ifindex: i32,
    rtnl: &'a Rtnl,
) -> Result<(Arc<Shared>, &'a Dev<Rtun>)> {
    let (name, user_named) = match name.to_bytes() {
        [] if tap => (c"rtap%d", false),
        [] => (c"rtun%d", false),
        _ => (name, true),
    };
    let sh = Arc::pin_init(Shared::new(tap, flags), GFP_KERNEL)?;
    let queues = if flags & IFF_MULTI_QUEUE != 0 {
        MAX_QUEUES
    } else {
        1
    };
    // CAST: at most `MAX_QUEUES`.
    let mut dev = RTUN_LINK.create_device_mq(net, name, user_named, queues as u32, rtnl)?;
    dev.setup(|s| {
        if tap {
            s.ether_setup();
            s.priv_flags(
                PrivFlag::LiveAddrChange.into(),
                PrivFlag::TxSkbSharing.into(),
            );
            s.random_mac();
        } else {
            s.point_to_point();
        }
        s.tx_queue_len(TUN_READQ_SIZE);
        s.min_mtu(ETH_MIN_MTU);
        s.max_mtu(ETH_MAX_MTU);
        s.features(DEV_FEATURES, DEV_FEATURES);
        s.vlan_features(DEV_FEATURES.difference(VLAN_TX));
        // TUNSETIFINDEX (0: any).
        s.ifindex(ifindex);
    });
    dev.private_mut().shared.set(sh.clone());
    let dev = dev.register(rtnl)?;
    // Unregistered again (by `dev`'s drop) if this fails.
    sh.dev.set(&dev, GFP_KERNEL, rtnl)?;
    // The caller tells the family once the device is what it will be
    // (attached, owner and group set): listeners see it whole.
    Ok((sh, dev.keep()))
}

/// What the family reports of an rtun device.
pub(crate) struct TunInfo {
    pub(crate) tap: bool,
    pub(crate) pi: bool,
    pub(crate) persist: bool,
    pub(crate) owner: Option<Kuid>,
    pub(crate) group: Option<Kgid>,
    pub(crate) attached: u32,
    pub(crate) queue_len: u32,
    pub(crate) vnet_hdr: bool,
    pub(crate) multi_queue: bool,
    /// Enabled and disabled queues (attached files).
    pub(crate) queues: u32,
    pub(crate) disabled_queues: u32,
}

/// The state of `dev` for the family's `tun-get`.
pub(crate) fn info(dev: &Dev<Rtun>) -> Option<TunInfo> {
    let sh = dev.private().shared.get()?;
    let guard = rcu::read_lock();
    let queued: usize = (0..sh.numqueues())
        .filter_map(|i| sh.queue(i, &guard))
        .map(|q| q.ring.lock().len)
        .sum();
    drop(guard);
    // CAST: at most `MAX_QUEUES` rings of `tx_queue_len` (a `u32`) packets.
    let queue_len = queued as u32;
    Some(TunInfo {
        tap: sh.tap,
        pi: !sh.no_pi(),
        persist: sh.persist(),
        owner: sh.owner.load(),
        group: sh.group.load(),
        // CAST: at most `MAX_QUEUES`.
        attached: (sh.numqueues() + sh.numdisabled()) as u32,
        vnet_hdr: sh.vnet_hdr(),
        multi_queue: sh.multi_queue(),
        // CAST: at most `MAX_QUEUES`.
        queues: sh.numqueues() as u32,
        // CAST: at most `MAX_QUEUES`.
        disabled_queues: sh.numdisabled() as u32,
        queue_len,
    })
}

/// Creates a persistent, unattached device (the family's `tun-new`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_persistent<'a>(
    net: &Net,
    name: &CStr,
    tap: bool,
    pi: bool,
    vnet_hdr: bool,
    multi_queue: bool,
    owner: Option<Kuid>,
    group: Option<Kgid>,
    rtnl: &'a Rtnl,
) -> Result<&'a Dev<Rtun>> {
    let mut flags = IFF_PERSIST | if pi { 0 } else { IFF_NO_PI };
    if vnet_hdr {
        flags |= IFF_VNET_HDR;
    }
    if multi_queue {
        flags |= IFF_MULTI_QUEUE;
    }
    let (sh, dev) = create(net, name, tap, flags, 0, rtnl)?;
    sh.owner.store(owner);
    sh.group.store(group);
    // Nobody is attached: no carrier until someone opens it.
    dev.carrier_off();
    announce(TunEvent::New, dev, rtnl);
    Ok(dev)
}
