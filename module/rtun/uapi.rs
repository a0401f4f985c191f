// SPDX-License-Identifier: GPL-2.0

//! The tun uapi (`include/uapi/linux/if_tun.h`) that rtun implements: the
//! same ioctl numbers, flags and `struct ifreq` layout as `/dev/net/tun`.

use kernel::ioctl::{_IOR, _IOW};

pub(crate) const TUNSETIFF: u32 = _IOW::<i32>(b'T' as u32, 202);
pub(crate) const TUNSETPERSIST: u32 = _IOW::<i32>(b'T' as u32, 203);
pub(crate) const TUNSETOWNER: u32 = _IOW::<i32>(b'T' as u32, 204);
pub(crate) const TUNSETGROUP: u32 = _IOW::<i32>(b'T' as u32, 206);
pub(crate) const TUNGETFEATURES: u32 = _IOR::<u32>(b'T' as u32, 207);
pub(crate) const TUNGETIFF: u32 = _IOR::<u32>(b'T' as u32, 210);
// Refused by rtun (EINVAL), but they take pointers: the compat path converts
// their argument as tun does.
#[cfg(CONFIG_COMPAT)]
pub(crate) const TUNSETTXFILTER: u32 = _IOW::<u32>(b'T' as u32, 209);
#[cfg(CONFIG_COMPAT)]
pub(crate) const TUNGETSNDBUF: u32 = _IOR::<i32>(b'T' as u32, 211);
#[cfg(CONFIG_COMPAT)]
pub(crate) const TUNSETSNDBUF: u32 = _IOW::<i32>(b'T' as u32, 212);

pub(crate) const IFF_TUN: u16 = 0x0001;
pub(crate) const IFF_TAP: u16 = 0x0002;
pub(crate) const IFF_NAPI: u16 = 0x0010;
pub(crate) const IFF_NAPI_FRAGS: u16 = 0x0020;
pub(crate) const IFF_NO_CARRIER: u16 = 0x0040;
pub(crate) const IFF_MULTI_QUEUE: u16 = 0x0100;
pub(crate) const IFF_PERSIST: u16 = 0x0800;
pub(crate) const IFF_NO_PI: u16 = 0x1000;
/// Same bit as `IFF_NO_PI`: TUNGETIFF reports "no socket filter" with it.
pub(crate) const IFF_NOFILTER: u16 = 0x1000;
pub(crate) const IFF_ONE_QUEUE: u16 = 0x2000;
pub(crate) const IFF_VNET_HDR: u16 = 0x4000;
pub(crate) const IFF_TUN_EXCL: u16 = 0x8000;

/// What rtun supports, as TUNGETFEATURES reports it.
pub(crate) const RTUN_FEATURES: u32 = (IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_ONE_QUEUE) as u32;

/// Flags of a request that rtun cannot honour: refused with EINVAL.
pub(crate) const RTUN_UNSUPPORTED: u16 =
    IFF_NAPI | IFF_NAPI_FRAGS | IFF_NO_CARRIER | IFF_MULTI_QUEUE | IFF_VNET_HDR;

/// `sizeof(struct ifreq)`, `sizeof(struct compat_ifreq)` (a 32-bit caller's,
/// shorter) and `IFNAMSIZ`, from the kernel's headers.
#[cfg(CONFIG_COMPAT)]
pub(crate) use crate::abstractions::netdev::COMPAT_IFREQ_LEN;
pub(crate) use crate::abstractions::{netdev::IFREQ_LEN, netlink::IFNAMSIZ};
/// `sizeof(struct tun_pi)`: `__u16 flags; __be16 proto;`.
pub(crate) const TUN_PI_LEN: usize = 4;
/// `TUN_PKT_STRIP` in `tun_pi.flags`: the packet did not fit the buffer.
pub(crate) const TUN_PKT_STRIP: u16 = 0x0001;

pub(crate) const ETH_P_IP: u16 = 0x0800;
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;

/// tun's default queue length (`TUN_READQ_SIZE`).
pub(crate) const TUN_READQ_SIZE: u32 = 500;
/// Largest write rtun takes. tun takes oversized packets (up to its
/// fragment limit) and lets the stack drop them; rtun builds linear packets
/// and stops at 128 KiB less room for the skb's own overhead.
pub(crate) const RTUN_MAX_WRITE: usize = 128 * 1024 - 1024;
