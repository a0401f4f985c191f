// SPDX-License-Identifier: GPL-2.0

//! The tun uapi (`include/uapi/linux/if_tun.h`) that rtun implements: the
//! same ioctl numbers, flags and `struct ifreq` layout as `/dev/net/tun`.
//!
//! The values come from the kernel's headers through `kernel::uapi`; only the
//! ioctl numbers, function-like macros that bindgen leaves out, are built
//! here with `kernel::ioctl` as if_tun.h builds them.

use kernel::{
    ioctl::{_IOR, _IOW},
    uapi,
};

/// A 16-bit uapi value (an `ifr_flags` bit, an ethertype, a `tun_pi` flag),
/// which bindgen types as `u32`; a value that does not fit fails the build.
const fn u16_of(v: u32) -> u16 {
    assert!(v >> 16 == 0);
    // CAST: Fits, checked just above.
    v as u16
}

pub(crate) const TUNSETNOCSUM: u32 = _IOW::<i32>(b'T' as u32, 200);
pub(crate) const TUNSETDEBUG: u32 = _IOW::<i32>(b'T' as u32, 201);
pub(crate) const TUNSETIFF: u32 = _IOW::<i32>(b'T' as u32, 202);
pub(crate) const TUNSETPERSIST: u32 = _IOW::<i32>(b'T' as u32, 203);
pub(crate) const TUNSETOWNER: u32 = _IOW::<i32>(b'T' as u32, 204);
pub(crate) const TUNSETGROUP: u32 = _IOW::<i32>(b'T' as u32, 206);
pub(crate) const TUNGETFEATURES: u32 = _IOR::<u32>(b'T' as u32, 207);
pub(crate) const TUNSETOFFLOAD: u32 = _IOW::<u32>(b'T' as u32, 208);
pub(crate) const TUNGETIFF: u32 = _IOR::<u32>(b'T' as u32, 210);
pub(crate) const TUNGETSNDBUF: u32 = _IOR::<i32>(b'T' as u32, 211);
pub(crate) const TUNSETSNDBUF: u32 = _IOW::<i32>(b'T' as u32, 212);
pub(crate) const TUNGETVNETHDRSZ: u32 = _IOR::<i32>(b'T' as u32, 215);
pub(crate) const TUNSETVNETHDRSZ: u32 = _IOW::<i32>(b'T' as u32, 216);
pub(crate) const TUNSETQUEUE: u32 = _IOW::<i32>(b'T' as u32, 217);
pub(crate) const TUNSETVNETLE: u32 = _IOW::<i32>(b'T' as u32, 220);
pub(crate) const TUNGETVNETLE: u32 = _IOR::<i32>(b'T' as u32, 221);
pub(crate) const TUNSETVNETBE: u32 = _IOW::<i32>(b'T' as u32, 222);
pub(crate) const TUNGETVNETBE: u32 = _IOR::<i32>(b'T' as u32, 223);
pub(crate) const TUNSETCARRIER: u32 = _IOW::<i32>(b'T' as u32, 226);
pub(crate) const TUNSETLINK: u32 = _IOW::<i32>(b'T' as u32, 205);
pub(crate) const TUNSETTXFILTER: u32 = _IOW::<u32>(b'T' as u32, 209);
pub(crate) const TUNSETIFINDEX: u32 = _IOW::<u32>(b'T' as u32, 218);
pub(crate) const TUNSETSTEERINGEBPF: u32 = _IOR::<i32>(b'T' as u32, 224);
pub(crate) const TUNSETFILTEREBPF: u32 = _IOR::<i32>(b'T' as u32, 225);
pub(crate) const TUNGETDEVNETNS: u32 = kernel::ioctl::_IO(b'T' as u32, 227);
/// `SIOCGSKNS`, which tun answers on its fd as sockets do.
pub(crate) const SIOCGSKNS: u32 = uapi::SIOCGSKNS;
/// `TUN_FLT_ALLMULTI` in `struct tun_filter`'s flags.
pub(crate) const TUN_FLT_ALLMULTI: u16 = u16_of(uapi::TUN_FLT_ALLMULTI);

/// `TUNSETOFFLOAD` flags (`TUN_F_*`).
pub(crate) const TUN_F_CSUM: u32 = uapi::TUN_F_CSUM;
pub(crate) const TUN_F_TSO4: u32 = uapi::TUN_F_TSO4;
pub(crate) const TUN_F_TSO6: u32 = uapi::TUN_F_TSO6;
pub(crate) const TUN_F_TSO_ECN: u32 = uapi::TUN_F_TSO_ECN;
pub(crate) const TUN_F_UFO: u32 = uapi::TUN_F_UFO;
pub(crate) const TUN_F_USO4: u32 = uapi::TUN_F_USO4;
pub(crate) const TUN_F_USO6: u32 = uapi::TUN_F_USO6;
pub(crate) const TUN_F_UDP_TUNNEL_GSO: u32 = uapi::TUN_F_UDP_TUNNEL_GSO;
pub(crate) const TUN_F_UDP_TUNNEL_GSO_CSUM: u32 = uapi::TUN_F_UDP_TUNNEL_GSO_CSUM;

/// tun's private high bit of its flags (`tun_vnet.h`): the virtio-net
/// header is little-endian whatever the legacy default (`TUNSETVNETLE`).
pub(crate) const TUN_VNET_LE: u32 = 0x8000_0000;

pub(crate) const IFF_TUN: u16 = u16_of(uapi::IFF_TUN);
pub(crate) const IFF_TAP: u16 = u16_of(uapi::IFF_TAP);
pub(crate) const IFF_NAPI: u16 = u16_of(uapi::IFF_NAPI);
pub(crate) const IFF_NAPI_FRAGS: u16 = u16_of(uapi::IFF_NAPI_FRAGS);
pub(crate) const IFF_NO_CARRIER: u16 = u16_of(uapi::IFF_NO_CARRIER);
pub(crate) const IFF_MULTI_QUEUE: u16 = u16_of(uapi::IFF_MULTI_QUEUE);
pub(crate) const IFF_PERSIST: u16 = u16_of(uapi::IFF_PERSIST);
pub(crate) const IFF_NO_PI: u16 = u16_of(uapi::IFF_NO_PI);
/// Same bit as `IFF_NO_PI`: TUNGETIFF reports "no socket filter" with it.
pub(crate) const IFF_NOFILTER: u16 = u16_of(uapi::IFF_NOFILTER);
pub(crate) const IFF_ONE_QUEUE: u16 = u16_of(uapi::IFF_ONE_QUEUE);
pub(crate) const IFF_VNET_HDR: u16 = u16_of(uapi::IFF_VNET_HDR);
pub(crate) const IFF_TUN_EXCL: u16 = u16_of(uapi::IFF_TUN_EXCL);
pub(crate) const IFF_ATTACH_QUEUE: u16 = u16_of(uapi::IFF_ATTACH_QUEUE);
pub(crate) const IFF_DETACH_QUEUE: u16 = u16_of(uapi::IFF_DETACH_QUEUE);

/// What rtun supports, as TUNGETFEATURES reports it.
// CAST: Widening, `u32::from` is not const.
pub(crate) const RTUN_FEATURES: u32 = (IFF_TUN
    | IFF_TAP
    | IFF_NO_CARRIER
    | IFF_NO_PI
    | IFF_ONE_QUEUE
    | IFF_VNET_HDR
    | IFF_MULTI_QUEUE) as u32;

/// The request flags a device keeps from the `TUNSETIFF` that made or last
/// attached it (tun's `TUN_FEATURES`, of what rtun supports).
pub(crate) const RTUN_IFF_KEPT: u16 = IFF_NO_PI | IFF_ONE_QUEUE | IFF_VNET_HDR | IFF_MULTI_QUEUE;

/// Flags of a request that rtun cannot honour: refused with EINVAL.
pub(crate) const RTUN_UNSUPPORTED: u16 = IFF_NAPI | IFF_NAPI_FRAGS;

/// `sizeof(struct ifreq)`, `sizeof(struct compat_ifreq)` (a 32-bit caller's,
/// shorter) and `IFNAMSIZ`, from the kernel's headers.
#[cfg(CONFIG_COMPAT)]
pub(crate) use crate::abstractions::netdev::COMPAT_IFREQ_LEN;
pub(crate) use crate::abstractions::{netdev::IFREQ_LEN, netlink::IFNAMSIZ};
/// `sizeof(struct tun_pi)`: `__u16 flags; __be16 proto;`.
pub(crate) const TUN_PI_LEN: usize = core::mem::size_of::<uapi::tun_pi>();
/// `TUN_PKT_STRIP` in `tun_pi.flags`: the packet did not fit the buffer.
pub(crate) const TUN_PKT_STRIP: u16 = u16_of(uapi::TUN_PKT_STRIP);

pub(crate) const ETH_P_IP: u16 = u16_of(uapi::ETH_P_IP);
pub(crate) const ETH_P_IPV6: u16 = u16_of(uapi::ETH_P_IPV6);

/// tun's default queue length (`TUN_READQ_SIZE`).
pub(crate) const TUN_READQ_SIZE: u32 = uapi::TUN_READQ_SIZE;
/// Largest write rtun takes. tun takes oversized packets (up to its
/// fragment limit) and lets the stack drop them; rtun builds linear packets
/// and stops at 128 KiB less room for the skb's own overhead.
pub(crate) const RTUN_MAX_WRITE: usize = 128 * 1024 - 1024;

// `IFLA_INFO_DATA` of the link kind, as tun fills it (`ip -d link`).
pub(crate) const IFLA_TUN_OWNER: u32 = uapi::IFLA_TUN_OWNER;
pub(crate) const IFLA_TUN_GROUP: u32 = uapi::IFLA_TUN_GROUP;
pub(crate) const IFLA_TUN_TYPE: u32 = uapi::IFLA_TUN_TYPE;
pub(crate) const IFLA_TUN_PI: u32 = uapi::IFLA_TUN_PI;
pub(crate) const IFLA_TUN_VNET_HDR: u32 = uapi::IFLA_TUN_VNET_HDR;
pub(crate) const IFLA_TUN_PERSIST: u32 = uapi::IFLA_TUN_PERSIST;
pub(crate) const IFLA_TUN_MULTI_QUEUE: u32 = uapi::IFLA_TUN_MULTI_QUEUE;
pub(crate) const IFLA_TUN_NUM_QUEUES: u32 = uapi::IFLA_TUN_NUM_QUEUES;
pub(crate) const IFLA_TUN_NUM_DISABLED_QUEUES: u32 = uapi::IFLA_TUN_NUM_DISABLED_QUEUES;
