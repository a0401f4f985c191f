// SPDX-License-Identifier: GPL-2.0

//! The `rvnet` generic netlink family (spec: `spec/rvnet.yaml`): create,
//! delete, list and inspect rveth pairs and rtun devices, and notify
//! listeners of group `notify` when they come, go or change carrier.

#![forbid(unsafe_code)]

mod uapi;

use crate::abstractions::{
    cred::{kgid_from_user, kgid_to_user, kuid_from_user, kuid_to_user},
    genl::{Dump, Family, MulticastGroup, Op, Operation, Registration, Request, Writer},
    netdev::{Dev, Device, Driver, LinkOps, Net, Rtnl},
    netlink::Policy,
};
use crate::{rtun, rveth};
use kernel::prelude::*;
use uapi::*;

/// Longest interface name (IFNAMSIZ - 1).
const IFNAME_MAX: u16 = 15;

static GROUPS: [MulticastGroup; 1] = [MulticastGroup::const_new(RVNET_MCGRP_NOTIFY)];
const GROUP_NOTIFY: u32 = 0;

static OPS: [Op; 7] = [
    Op::new::<GetInfo>(),
    Op::new::<PairNew>(),
    Op::new::<PairDel>(),
    Op::new::<PairGet>(),
    Op::new::<TunNew>(),
    Op::new::<TunDel>(),
    Op::new::<TunGet>(),
];

static FAMILY: Family = Family::const_new(
    kernel::module::this_module::<crate::LocalModule>(),
    RVNET_FAMILY_NAME,
    RVNET_FAMILY_VERSION,
    &OPS,
    &GROUPS,
);

/// Registers the family and starts listening to the drivers' events; it
/// goes away when the registration is dropped (events then go nowhere).
pub(crate) fn register() -> Result<Registration> {
    let reg = FAMILY.register()?;
    rveth::EVENTS.populate(notify_pair);
    rtun::EVENTS.populate(notify_tun);
    Ok(reg)
}

// --- policies (index = attribute type; only request attributes accepted) ---

static NO_ATTRS: [Policy; 1] = [Policy::unspec()];

static PAIR_NEW_POLICY: [Policy; 10] = [
    Policy::unspec(),
    Policy::reject(),
    Policy::nul_string(IFNAME_MAX),
    Policy::reject(),
    Policy::nul_string(IFNAME_MAX),
    Policy::u32(),
    Policy::u32(),
    Policy::reject(),
    Policy::reject(),
    Policy::reject(),
];

static PAIR_SELECT_POLICY: [Policy; 3] = [
    Policy::unspec(),
    Policy::u32(),
    Policy::nul_string(IFNAME_MAX),
];

// The whole `tun` set: attached..persist (7-10) and queues,
// disabled-queues (13, 14) are reply-only.
static TUN_NEW_POLICY: [Policy; 15] = [
    Policy::unspec(),
    Policy::reject(),
    Policy::nul_string(IFNAME_MAX),
    Policy::u32(),
    Policy::u8(),
    Policy::u32(),
    Policy::u32(),
    Policy::reject(),
    Policy::reject(),
    Policy::reject(),
    Policy::reject(),
    Policy::u8(),
    Policy::u8(),
    Policy::reject(),
    Policy::reject(),
];

static TUN_SELECT_POLICY: [Policy; 3] = [
    Policy::unspec(),
    Policy::u32(),
    Policy::nul_string(IFNAME_MAX),
];

// --- filling replies and notifications ---

fn put_stats(w: &Writer, ty: u32, dev: &Device) -> Result {
    let st = dev.stats();
    w.put_nested(ty, |w| {
        w.put_u64(RVNET_A_STATS_RX_PACKETS, st.rx_packets, RVNET_A_STATS_PAD)?;
        w.put_u64(RVNET_A_STATS_RX_BYTES, st.rx_bytes, RVNET_A_STATS_PAD)?;
        w.put_u64(RVNET_A_STATS_TX_PACKETS, st.tx_packets, RVNET_A_STATS_PAD)?;
        w.put_u64(RVNET_A_STATS_TX_BYTES, st.tx_bytes, RVNET_A_STATS_PAD)?;
        w.put_u64(RVNET_A_STATS_RX_DROPPED, st.rx_dropped, RVNET_A_STATS_PAD)?;
        w.put_u64(RVNET_A_STATS_TX_DROPPED, st.tx_dropped, RVNET_A_STATS_PAD)
    })
}

/// One end of a pair, as seen from `net`.
fn fill_pair(w: &Writer, dev: &Dev<rveth::Rveth>, net: &Net, rtnl: &Rtnl) -> Result {
    w.put_u32(RVNET_A_PAIR_IFINDEX, dev.ifindex() as u32)?;
    w.put_string(RVNET_A_PAIR_IFNAME, dev.name(rtnl))?;
    if let Some(peer) = rveth::peer(dev, rtnl) {
        w.put_u32(RVNET_A_PAIR_PEER_IFINDEX, peer.ifindex() as u32)?;
        w.put_string(RVNET_A_PAIR_PEER_IFNAME, peer.name(rtnl))?;
        // Called in process context (requests and notifications under RTNL).
        if let Some(id) = peer.netnsid_in(net, GFP_KERNEL) {
            w.put_s32(RVNET_A_PAIR_PEER_NETNSID, id)?;
        }
    }
    w.put_u32(RVNET_A_PAIR_MTU, dev.mtu())?;
    w.put_u8(RVNET_A_PAIR_CARRIER, dev.carrier_ok().into())?;
    put_stats(w, RVNET_A_PAIR_STATS, dev)
}

fn fill_tun(w: &Writer, dev: &Dev<rtun::Rtun>, rtnl: &Rtnl) -> Result {
    w.put_u32(RVNET_A_TUN_IFINDEX, dev.ifindex() as u32)?;
    w.put_string(RVNET_A_TUN_IFNAME, dev.name(rtnl))?;
    if let Some(i) = rtun::info(dev) {
        w.put_u32(
            RVNET_A_TUN_MODE,
            if i.tap {
                RVNET_TUN_MODE_TAP
            } else {
                RVNET_TUN_MODE_TUN
            },
        )?;
        w.put_u8(RVNET_A_TUN_PI, i.pi.into())?;
        if let Some(o) = i.owner {
            w.put_u32(RVNET_A_TUN_OWNER, kuid_to_user(o))?;
        }
        if let Some(g) = i.group {
            w.put_u32(RVNET_A_TUN_GROUP, kgid_to_user(g))?;
        }
        w.put_u32(RVNET_A_TUN_ATTACHED, i.attached)?;
        w.put_u32(RVNET_A_TUN_QUEUE_LEN, i.queue_len)?;
        w.put_u8(RVNET_A_TUN_PERSIST, i.persist.into())?;
        w.put_u8(RVNET_A_TUN_VNET_HDR, i.vnet_hdr.into())?;
        w.put_u8(RVNET_A_TUN_MULTI_QUEUE, i.multi_queue.into())?;
        // For every device (tun's IFLA_TUN_NUM_QUEUES is for multiqueue
        // ones only): a single-queue device has 0 or 1 of them.
        w.put_u32(RVNET_A_TUN_QUEUES, i.queues)?;
        w.put_u32(RVNET_A_TUN_DISABLED_QUEUES, i.disabled_queues)?;
    }
    put_stats(w, RVNET_A_TUN_STATS, dev)
}

/// Tells group `notify` in the end's netns about `dev` (rveth's events).
fn notify_pair(ev: rveth::PairEvent, dev: &Dev<rveth::Rveth>, rtnl: &Rtnl) {
    let cmd = match ev {
        rveth::PairEvent::New => RVNET_CMD_PAIR_NEW_NTF,
        rveth::PairEvent::Del => RVNET_CMD_PAIR_DEL_NTF,
        rveth::PairEvent::Change => RVNET_CMD_LINK_CHANGE_NTF,
    };
    FAMILY.notify(dev.net(), GROUP_NOTIFY, cmd, rtnl, |w| {
        fill_pair(w, dev, dev.net(), rtnl)
    });
}

/// Tells group `notify` in the device's netns about `dev` (rtun's events).
fn notify_tun(ev: rtun::TunEvent, dev: &Dev<rtun::Rtun>, rtnl: &Rtnl) {
    let cmd = match ev {
        rtun::TunEvent::New => RVNET_CMD_TUN_NEW_NTF,
        rtun::TunEvent::Del => RVNET_CMD_TUN_DEL_NTF,
    };
    FAMILY.notify(dev.net(), GROUP_NOTIFY, cmd, rtnl, |w| {
        fill_tun(w, dev, rtnl)
    });
}

/// The device of kind `link` a request names by ifindex or ifname (the
/// attribute types in `ty`), in `net`; `what` says "no such ..." in the
/// extack when there is none.
fn named<'a, T: Driver>(
    req: &mut Request<'_>,
    link: &LinkOps<T>,
    (ty_index, ty_name): (u32, u32),
    what: &'static CStr,
    net: &'a Net,
    rtnl: &'a Rtnl,
) -> Result<&'a Dev<T>> {
    let a = req.attrs();
    let idx = a.get(ty_index).map(|x| x.get_u32()).transpose()?;
    let name = a
        .get(ty_name)
        .and_then(|x| kernel::str::CString::try_from(x.get_ifname().as_cstr()).ok());
    if idx.is_none() && name.is_none() {
        req.extack()
            .missing(c"ifindex or ifname is required", ty_name);
        return Err(EINVAL);
    }
    link.find(net, idx, name.as_deref(), rtnl).ok_or_else(|| {
        req.extack().msg(what);
        ENODEV
    })
}

/// The pair end a `pair-del`/`pair-get` request names.
fn named_pair<'a>(
    req: &mut Request<'_>,
    net: &'a Net,
    rtnl: &'a Rtnl,
) -> Result<&'a Dev<rveth::Rveth>> {
    let ty = (RVNET_A_PAIR_IFINDEX, RVNET_A_PAIR_IFNAME);
    named(
        req,
        &rveth::RVETH_LINK,
        ty,
        c"no such rveth device",
        net,
        rtnl,
    )
}

/// The rtun device a `tun-del`/`tun-get` request names.
fn named_tun<'a>(
    req: &mut Request<'_>,
    net: &'a Net,
    rtnl: &'a Rtnl,
) -> Result<&'a Dev<rtun::Rtun>> {
    let ty = (RVNET_A_TUN_IFINDEX, RVNET_A_TUN_IFNAME);
    named(req, &rtun::RTUN_LINK, ty, c"no such rtun device", net, rtnl)
}

/// Dumps every device of kind `link` in the dump's netns, one `cmd`
/// message each, continuing across skbs from the ifindex in the cursor.
fn dump_all<T: Driver>(
    d: &mut Dump<'_>,
    link: &LinkOps<T>,
    cmd: u8,
    fill: impl Fn(&Writer, &Dev<T>, &Net, &Rtnl) -> Result,
) -> Result<bool> {
    let net = d.net().get_ref();
    let start = d.cursor()[0] as u32;
    let rtnl = Rtnl::lock();
    let mut err = Ok(());
    let stop = link.for_each(&net, start, &rtnl, |dev| {
        match d.add(cmd, |w| fill(w, dev, &net, &rtnl)) {
            Ok(more) => more,
            Err(e) => {
                err = Err(e);
                false
            }
        }
    });
    err?;
    d.cursor()[0] = stop as c_long;
    Ok(stop != 0)
}

// --- operations ---

/// `get-info`: the module's version, features and device counts.
struct GetInfo;

#[vtable]
impl Operation for GetInfo {
    const CMD: u8 = RVNET_CMD_GET_INFO;
    const POLICY: &'static [Policy] = &NO_ATTRS;

    fn doit(req: &mut Request<'_>) -> Result {
        let (mut pairs, mut tuns) = (0u32, 0u32);
        {
            let rtnl = Rtnl::lock();
            rveth::RVETH_LINK.for_each(req.net(), 0, &rtnl, |_| {
                pairs += 1;
                true
            });
            rtun::RTUN_LINK.for_each(req.net(), 0, &rtnl, |_| {
                tuns += 1;
                true
            });
        }
        let msg = req.reply(RVNET_CMD_GET_INFO)?;
        msg.put_string(RVNET_A_INFO_VERSION, crate::VERSION)?;
        msg.put_u32(
            RVNET_A_INFO_FEATURES,
            RVNET_FEATURE_RVETH | RVNET_FEATURE_RTUN,
        )?;
        msg.put_u32(RVNET_A_INFO_PAIRS, pairs)?;
        msg.put_u32(RVNET_A_INFO_TUNS, tuns)?;
        req.send_reply(msg)
    }
}

/// `pair-new`: create a pair; reply with its first end.
struct PairNew;

#[vtable]
impl Operation for PairNew {
    const CMD: u8 = RVNET_CMD_PAIR_NEW;
    const ADMIN: bool = true;
    const POLICY: &'static [Policy] = &PAIR_NEW_POLICY;

    fn doit(req: &mut Request<'_>) -> Result {
        let a = req.attrs();
        let Some(name) = a.get(RVNET_A_PAIR_IFNAME).map(|x| x.get_ifname()) else {
            req.extack()
                .missing(c"ifname is required", RVNET_A_PAIR_IFNAME);
            return Err(EINVAL);
        };
        if name.as_cstr().to_bytes().is_empty() {
            req.extack().msg(c"ifname must not be empty");
            return Err(EINVAL);
        }
        let peer_name = a.get(RVNET_A_PAIR_PEER_IFNAME).map(|x| x.get_ifname());
        let mtu = a.get(RVNET_A_PAIR_MTU).map(|x| x.get_u32()).transpose()?;
        let peer_net = match a.get(RVNET_A_PAIR_PEER_NETNS_FD) {
            Some(fd) => match Net::from_fd(fd.get_u32()?) {
                Ok(n) => Some(n),
                Err(e) => {
                    req.extack()
                        .msg_attr(c"peer-netns-fd is not a network namespace", fd);
                    return Err(e);
                }
            },
            None => None,
        };
        let net = req.net().get_ref();
        if let Some(pn) = &peer_net {
            if !pn.net_admin_capable() {
                req.extack()
                    .msg(c"no CAP_NET_ADMIN in the peer's network namespace");
                return Err(EPERM);
            }
        }
        let rtnl = Rtnl::lock();
        let dev = rveth::new_pair(
            &net,
            name.as_cstr(),
            peer_net.as_deref().unwrap_or(&net),
            peer_name.as_ref().map(|n| n.as_cstr()),
            mtu,
            &mut req.extack(),
            &rtnl,
        )?;
        let msg = req.reply(RVNET_CMD_PAIR_NEW)?;
        fill_pair(&msg, dev, &net, &rtnl)?;
        drop(rtnl);
        req.send_reply(msg)
    }
}

/// `pair-del`: delete the pair one end of which is named.
struct PairDel;

#[vtable]
impl Operation for PairDel {
    const CMD: u8 = RVNET_CMD_PAIR_DEL;
    const ADMIN: bool = true;
    const POLICY: &'static [Policy] = &PAIR_SELECT_POLICY;

    fn doit(req: &mut Request<'_>) -> Result {
        let net = req.net().get_ref();
        let rtnl = Rtnl::lock();
        let dev = named_pair(req, &net, &rtnl)?;
        rveth::delete_pair(dev, &rtnl);
        Ok(())
    }
}

/// `pair-get`: one end (do) or all of them (dump).
struct PairGet;

#[vtable]
impl Operation for PairGet {
    const CMD: u8 = RVNET_CMD_PAIR_GET;
    const POLICY: &'static [Policy] = &PAIR_SELECT_POLICY;

    fn doit(req: &mut Request<'_>) -> Result {
        let net = req.net().get_ref();
        let rtnl = Rtnl::lock();
        let dev = named_pair(req, &net, &rtnl)?;
        let msg = req.reply(RVNET_CMD_PAIR_GET)?;
        fill_pair(&msg, dev, &net, &rtnl)?;
        drop(rtnl);
        req.send_reply(msg)
    }

    fn dumpit(d: &mut Dump<'_>) -> Result<bool> {
        dump_all(d, &rveth::RVETH_LINK, RVNET_CMD_PAIR_GET, fill_pair)
    }
}

/// `tun-new`: create a persistent rtun device.
struct TunNew;

#[vtable]
impl Operation for TunNew {
    const CMD: u8 = RVNET_CMD_TUN_NEW;
    const ADMIN: bool = true;
    const POLICY: &'static [Policy] = &TUN_NEW_POLICY;

    fn doit(req: &mut Request<'_>) -> Result {
        let a = req.attrs();
        let name = a.get(RVNET_A_TUN_IFNAME).map(|x| x.get_ifname());
        let tap = match a.get(RVNET_A_TUN_MODE) {
            None => {
                req.extack().missing(c"mode is required", RVNET_A_TUN_MODE);
                return Err(EINVAL);
            }
            Some(m) => match m.get_u32()? {
                RVNET_TUN_MODE_TUN => false,
                RVNET_TUN_MODE_TAP => true,
                _ => {
                    req.extack().msg_attr(c"mode must be tun (1) or tap (2)", m);
                    return Err(EINVAL);
                }
            },
        };
        let pi = a
            .get(RVNET_A_TUN_PI)
            .map(|x| x.get_u8())
            .transpose()?
            .is_none_or(|v| v != 0);
        // Off unless asked for (unlike pi).
        let flag = |ty| {
            a.get(ty)
                .map(|x| x.get_u8())
                .transpose()
                .map(|v| v.is_some_and(|v| v != 0))
        };
        let vnet_hdr = flag(RVNET_A_TUN_VNET_HDR)?;
        let multi_queue = flag(RVNET_A_TUN_MULTI_QUEUE)?;
        let owner = match a.get(RVNET_A_TUN_OWNER) {
            None => None,
            Some(x) => match kuid_from_user(x.get_u32()?) {
                Some(u) => Some(u),
                None => {
                    req.extack().msg_attr(c"owner is not a valid uid here", x);
                    return Err(EINVAL);
                }
            },
        };
        let group = match a.get(RVNET_A_TUN_GROUP) {
            None => None,
            Some(x) => match kgid_from_user(x.get_u32()?) {
                Some(g) => Some(g),
                None => {
                    req.extack().msg_attr(c"group is not a valid gid here", x);
                    return Err(EINVAL);
                }
            },
        };
        let rtnl = Rtnl::lock();
        let name_c = name.as_ref().map_or(c"", |n| n.as_cstr());
        if !name_c.to_bytes().is_empty() && req.net().device_by_name(name_c, &rtnl).is_some() {
            req.extack().msg(c"a device of that name exists");
            return Err(EEXIST);
        }
        let dev = rtun::new_persistent(
            req.net(),
            name_c,
            tap,
            pi,
            vnet_hdr,
            multi_queue,
            owner,
            group,
            &rtnl,
        )?;
        let msg = req.reply(RVNET_CMD_TUN_NEW)?;
        fill_tun(&msg, dev, &rtnl)?;
        drop(rtnl);
        req.send_reply(msg)
    }
}

/// `tun-del`: delete an rtun device (attached files see it gone).
struct TunDel;

#[vtable]
impl Operation for TunDel {
    const CMD: u8 = RVNET_CMD_TUN_DEL;
    const ADMIN: bool = true;
    const POLICY: &'static [Policy] = &TUN_SELECT_POLICY;

    fn doit(req: &mut Request<'_>) -> Result {
        let net = req.net().get_ref();
        let rtnl = Rtnl::lock();
        let dev = named_tun(req, &net, &rtnl)?;
        dev.unregister(&rtnl);
        Ok(())
    }
}

/// `tun-get`: one device (do) or all of them (dump).
struct TunGet;

#[vtable]
impl Operation for TunGet {
    const CMD: u8 = RVNET_CMD_TUN_GET;
    const POLICY: &'static [Policy] = &TUN_SELECT_POLICY;

    fn doit(req: &mut Request<'_>) -> Result {
        let net = req.net().get_ref();
        let rtnl = Rtnl::lock();
        let dev = named_tun(req, &net, &rtnl)?;
        let msg = req.reply(RVNET_CMD_TUN_GET)?;
        fill_tun(&msg, dev, &rtnl)?;
        drop(rtnl);
        req.send_reply(msg)
    }

    fn dumpit(d: &mut Dump<'_>) -> Result<bool> {
        dump_all(d, &rtun::RTUN_LINK, RVNET_CMD_TUN_GET, |w, dev, _, rtnl| {
            fill_tun(w, dev, rtnl)
        })
    }
}
