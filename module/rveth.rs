// SPDX-License-Identifier: GPL-2.0

//! rveth: a pair of Ethernet devices; what one end transmits, the other
//! receives. Follows `drivers/net/veth.c` for everything a user can see:
//! the rtnl protocol (`VETH_INFO_PEER`), carrier, MTU, netns, deletion,
//! statistics and ethtool.

#![forbid(unsafe_code)]

use crate::abstractions::{
    netdev::{
        Dev, Driver, DrvInfo, Feature, Features, FeaturesCheck, LinkOps, Net, NewDevice, NewLink,
        PcpuStats, PrivFlag, PrivFlags, RcuDev, Registered, Rtnl, Setup, SockAddr, TxStatus,
        UnregisterQueue, XmitCtx, ETH_ALEN, ETH_HLEN, ETH_MAX_MTU, ETH_MIN_MTU, IFINFOMSG_LEN,
        IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU,
    },
    netlink::{Attrs, ExtAck, Policy},
    skb::{DropReason, RxStatus, SkBuff},
};
use kernel::{prelude::*, sync::rcu, sync::SetOnce};

/// `IFLA_INFO_DATA` attribute carrying the peer (uapi `linux/veth.h`).
const VETH_INFO_PEER: u16 = 1;

/// veth's features: checksum and segmentation are left to whoever finally
/// needs them, so frames cross the pair untouched.
const RVETH_FEATURES: Features = Features::of(&[
    Feature::Sg,
    Feature::FragList,
    Feature::HwCsum,
    Feature::RxCsum,
    Feature::HighDma,
])
.union(Features::GSO_SOFTWARE);

static POLICY: [Policy; 2] = [Policy::unspec(), Policy::min_len(IFINFOMSG_LEN)];

/// The rveth link type.
pub(crate) struct Rveth;

/// Its rtnetlink link ops, registered by the module.
pub(crate) static RVETH_LINK: LinkOps<Rveth> = LinkOps::new();

/// What happened to a pair end, for whoever listens (the family).
pub(crate) enum PairEvent {
    /// The pair was made.
    New,
    /// The pair is being deleted.
    Del,
    /// The carrier changed.
    Change,
}

/// Who hears of pair events; set once when the module loads.
pub(crate) static EVENTS: SetOnce<fn(PairEvent, &Dev<Rveth>, &Rtnl)> = SetOnce::new();

fn announce(ev: PairEvent, dev: &Dev<Rveth>, rtnl: &Rtnl) {
    if let Some(f) = EVENTS.as_ref() {
        f(ev, dev, rtnl);
    }
}

/// Per-device state: the other end.
#[derive(Zeroable)]
pub(crate) struct RvethPriv {
    peer: RcuDev<Rveth>,
}

fn valid_mtu(mtu: u32) -> bool {
    (ETH_MIN_MTU..=ETH_MAX_MTU).contains(&mtu)
}

/// Which end failed to register, for the extack message.
#[derive(Clone, Copy)]
enum End {
    Peer,
    /// This end, registered after the peer by rtnetlink's `newlink`.
    ThisAfterPeer,
    This,
}

fn register_failed(ext: &mut ExtAck<'_>, e: &Error, end: End) {
    ext.msg(match (end, *e == EEXIST) {
        (End::Peer, true) => c"rveth: peer name already in use",
        (End::Peer, false) => c"rveth: cannot register the peer device",
        (End::ThisAfterPeer, true) => c"rveth: name already in use (same as the peer's?)",
        (End::This, true) => c"rveth: name already in use",
        (_, false) => c"rveth: cannot register the device",
    });
}

#[vtable]
impl Driver for Rveth {
    const KIND: &'static CStr = c"rveth";
    const POLICY: &'static [Policy] = &POLICY;
    const PEER_TYPE: u16 = VETH_INFO_PEER;
    const PCPU_STATS: PcpuStats = PcpuStats::Dstats;
    const FEATURES_CHECK: FeaturesCheck = FeaturesCheck::Passthru;
    const ETHTOOL_STATS: &'static [&'static CStr] = &[c"peer_ifindex"];

    type Private = RvethPriv;

    fn setup(dev: &mut Setup<'_>) {
        dev.ether_setup();
        dev.priv_flags(
            PrivFlags::of(&[
                PrivFlag::LiveAddrChange,
                PrivFlag::NoQueue,
                PrivFlag::PhonyHeadroom,
                PrivFlag::DisableNetpoll,
            ]),
            PrivFlag::TxSkbSharing.into(),
        );
        // Transmit touches no shared state but per-CPU counters.
        dev.lltx();
        dev.features(RVETH_FEATURES, RVETH_FEATURES);
        dev.max_mtu(ETH_MAX_MTU);
    }

    fn validate_addr(dev: &Dev<Self>, _rtnl: &Rtnl) -> Result {
        dev.eth_validate_addr()
    }

    fn set_mac_address(dev: &Dev<Self>, addr: &SockAddr<'_>, rtnl: &Rtnl) -> Result {
        dev.eth_mac_addr(addr, rtnl)
    }

    /// A software device takes every address (veth's empty mclist).
    fn set_rx_mode(_dev: &Dev<Self>) {}

    fn validate(tb: &Attrs<'_>, _data: &Attrs<'_>, ext: &mut ExtAck<'_>) -> Result {
        if let Some(addr) = tb.get(IFLA_ADDRESS) {
            if addr.data().len() != ETH_ALEN {
                ext.msg_attr(c"rveth: MAC address must be 6 bytes", addr);
                return Err(EINVAL);
            }
            if !crate::abstractions::netdev::is_valid_ether_addr(addr.data()) {
                ext.msg_attr(c"rveth: invalid MAC address (multicast or zero)", addr);
                return Err(EADDRNOTAVAIL);
            }
        }
        if let Some(mtu) = tb.get(IFLA_MTU) {
            if !valid_mtu(mtu.get_u32()?) {
                ext.msg_attr(c"rveth: MTU must be between 68 and 65535", mtu);
                return Err(EINVAL);
            }
        }
        Ok(())
    }

    fn newlink(
        dev: &Dev<Self>,
        p: &NewLink<'_, Self>,
        ext: &mut ExtAck<'_>,
        rtnl: &Rtnl,
    ) -> Result {
        // Create and register the peer first, as veth does.
        let peer_info = p.parse_peer(VETH_INFO_PEER.into(), ext)?;
        let peer_name = peer_info
            .as_ref()
            .and_then(|i| i.tb().get(IFLA_IFNAME))
            .map(|a| a.get_ifname());
        let mut peer = match &peer_name {
            Some(n) => p.create_link(
                p.peer_net(),
                n.as_cstr(),
                true,
                peer_info.as_ref(),
                ext,
                rtnl,
            )?,
            None => p.create_link(
                p.peer_net(),
                c"rveth%d",
                false,
                peer_info.as_ref(),
                ext,
                rtnl,
            )?,
        };
        let random_mac = peer_info
            .as_ref()
            .and_then(|i| i.tb().get(IFLA_ADDRESS))
            .is_none();
        // veth honours a requested peer index only when this end's index
        // was requested too.
        let ifindex = peer_info
            .as_ref()
            .filter(|_| dev.ifindex() != 0)
            .map_or(0, |i| i.ifindex());
        peer.setup(|s| {
            if random_mac {
                s.random_mac();
            }
            s.ifindex(ifindex);
            s.inherit_tso_max(dev);
        });
        let peer = peer
            .register(rtnl)
            .inspect_err(|e| register_failed(ext, e, End::Peer))?;
        // Without NAPI there is nothing to aggregate: GRO stays off, as on veth.
        peer.disable_gro(rtnl);
        peer.carrier_off();
        peer.configure(peer_info.as_ref())
            .inspect_err(|_| ext.msg(c"rveth: cannot configure the peer device"))?;

        // Then this end. A name clash with the peer fails here and the
        // peer is unregistered again when `peer` drops.
        if p.tb().get(IFLA_ADDRESS).is_none() {
            p.setup(|s| s.random_mac())?;
        }
        let this = p
            .register_self(dev, rtnl)
            .inspect_err(|e| register_failed(ext, e, End::ThisAfterPeer))?;
        finish(this, peer, rtnl)?;
        Ok(())
    }

    fn dellink(dev: &Dev<Self>, q: &mut UnregisterQueue<'_>, rtnl: &Rtnl) {
        // Deleting either end deletes both. The second end's dellink finds
        // its link already cleared and does nothing.
        if dev.private().peer.get(rtnl).is_none() {
            return;
        }
        announce(PairEvent::Del, dev, rtnl);
        let Some(peer) = dev.private().peer.take(rtnl) else {
            return;
        };
        q.add(dev, rtnl);
        announce(PairEvent::Del, &peer, rtnl);
        if peer.private().peer.take(rtnl).is_some() {
            q.add(&peer, rtnl);
        }
    }

    fn get_link_net<'a>(dev: &'a Dev<Self>, rcu: &'a rcu::Guard) -> Option<&'a Net> {
        dev.private().peer.get_rcu(rcu).map(|peer| peer.net())
    }

    fn open(dev: &Dev<Self>, rtnl: &Rtnl) -> Result {
        let peer = dev.private().peer.get(rtnl).ok_or(ENOTCONN)?;
        // Carrier comes when both ends are up.
        if peer.is_up() {
            dev.carrier_on();
            peer.carrier_on();
            announce(PairEvent::Change, dev, rtnl);
            announce(PairEvent::Change, peer, rtnl);
        }
        Ok(())
    }

    fn stop(dev: &Dev<Self>, rtnl: &Rtnl) -> Result {
        let had = dev.carrier_ok();
        dev.carrier_off();
        if let Some(peer) = dev.private().peer.get(rtnl) {
            peer.carrier_off();
            if had {
                announce(PairEvent::Change, dev, rtnl);
                announce(PairEvent::Change, peer, rtnl);
            }
        }
        Ok(())
    }

    fn start_xmit(mut skb: SkBuff, dev: &Dev<Self>, ctx: &XmitCtx) -> TxStatus {
        let len = skb.len();
        let Some(peer) = dev.private().peer.get_xmit(ctx) else {
            skb.drop_reason(DropReason::DevReady);
            dev.stats_tx_dropped();
            return TxStatus::Dropped;
        };
        if !skb.may_pull(ETH_HLEN) {
            skb.drop_reason(DropReason::PktTooSmall);
            dev.stats_tx_dropped();
            return TxStatus::Dropped;
        }
        skb.tx_timestamp();
        // A peer that is down, or an MTU it cannot take, drops the frame
        // there (its rx_dropped) and here (tx_dropped), as on veth.
        // veth_xmit returns NET_XMIT_DROP for a frame it drops.
        match skb.forward(peer, ctx) {
            RxStatus::Success => {
                dev.stats_tx_add(len);
                peer.stats_rx_add(len);
                TxStatus::Sent
            }
            RxStatus::Dropped => {
                dev.stats_tx_dropped();
                TxStatus::Dropped
            }
        }
    }

    fn get_iflink(dev: &Dev<Self>, rcu: &rcu::Guard) -> i32 {
        dev.private()
            .peer
            .get_rcu(rcu)
            .map_or(0, |peer| peer.ifindex())
    }

    fn get_drvinfo(_dev: &Dev<Self>, info: &mut DrvInfo<'_>) {
        info.set_driver(c"rveth");
        info.set_version(c"1.0");
    }

    fn get_link(dev: &Dev<Self>) -> bool {
        dev.carrier_ok()
    }

    fn ethtool_stats(dev: &Dev<Self>, data: &mut [u64], rcu: &rcu::Guard) {
        if let Some(slot) = data.first_mut() {
            *slot = dev
                .private()
                .peer
                .get_rcu(rcu)
                .map_or(0, |p| p.ifindex().unsigned_abs().into());
        }
    }
}

/// The last step of making a pair, by rtnetlink or by `pair-new`: this
/// end starts without carrier, the two are tied (veth's `priv->peer` both
/// ways), kept and announced. On failure both ends are unregistered again.
fn finish<'a>(
    this: Registered<'a, Rveth>,
    peer: Registered<'_, Rveth>,
    rtnl: &Rtnl,
) -> Result<&'a Dev<Rveth>> {
    this.carrier_off();
    this.private().peer.set(&peer, GFP_KERNEL, rtnl)?;
    if let Err(e) = peer.private().peer.set(&this, GFP_KERNEL, rtnl) {
        drop(this.private().peer.take(rtnl));
        return Err(e);
    }
    this.disable_gro(rtnl);
    peer.disable_gro(rtnl);
    let (this, peer) = (this.keep(), peer.keep());
    announce(PairEvent::New, this, rtnl);
    announce(PairEvent::New, peer, rtnl);
    Ok(this)
}

/// The other end of `dev`.
pub(crate) fn peer<'a>(dev: &Dev<Rveth>, rtnl: &'a Rtnl) -> Option<&'a Dev<Rveth>> {
    dev.private().peer.get(rtnl)
}

/// Creates a pair outside rtnetlink (the family's `pair-new`): `name` in
/// `net`, the peer in `peer_net` (named by the driver when `peer_name` is
/// `None`), both with `mtu` when given. Returns the first end.
pub(crate) fn new_pair<'a>(
    net: &Net,
    name: &CStr,
    peer_net: &Net,
    peer_name: Option<&CStr>,
    mtu: Option<u32>,
    ext: &mut ExtAck<'_>,
    rtnl: &'a Rtnl,
) -> Result<&'a Dev<Rveth>> {
    if let Some(m) = mtu {
        if !valid_mtu(m) {
            ext.msg(c"rveth: MTU must be between 68 and 65535");
            return Err(EINVAL);
        }
    }
    let make = |net: &Net, name: &CStr, user: bool| -> Result<NewDevice<Rveth>> {
        let mut d = RVETH_LINK.create_device(net, name, user, rtnl)?;
        d.setup(|s| {
            s.random_mac();
            if let Some(m) = mtu {
                s.mtu(m);
            }
        });
        Ok(d)
    };
    let peer = match peer_name {
        Some(n) => make(peer_net, n, true)?,
        None => make(peer_net, c"rveth%d", false)?,
    };
    let peer = peer
        .register(rtnl)
        .inspect_err(|e| register_failed(ext, e, End::Peer))?;
    peer.carrier_off();
    let this = make(net, name, true)?;
    let this = this
        .register(rtnl)
        .inspect_err(|e| register_failed(ext, e, End::This))?;
    finish(this, peer, rtnl)
}

/// Deletes the pair `dev` belongs to (the family's `pair-del`).
pub(crate) fn delete_pair(dev: &Dev<Rveth>, rtnl: &Rtnl) {
    announce(PairEvent::Del, dev, rtnl);
    let peer = dev.private().peer.take(rtnl);
    dev.unregister(rtnl);
    if let Some(peer) = peer {
        announce(PairEvent::Del, &peer, rtnl);
        if peer.private().peer.take(rtnl).is_some() {
            peer.unregister(rtnl);
        }
    }
}
