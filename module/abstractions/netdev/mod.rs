// SPDX-License-Identifier: GPL-2.0

//! Network devices (`struct net_device`), network namespaces and rtnetlink
//! link types (`struct rtnl_link_ops`).
//!
//! A driver implements [`Driver`] (link type, device ops and ethtool ops in
//! one `#[vtable]` trait) and registers it with [`LinkOps::register`]. The
//! core then creates devices of that kind (`ip link add ... type KIND`) and
//! calls the driver through the `Adapter` trampolines in `driver.rs`.
//!
//! One concept per file:
//! - `ns.rs`: network namespaces ([`Net`]);
//! - `rtnl.rs`: the RTNL lock and its proof ([`Rtnl`], [`RtnlGuard`]);
//! - `device.rs`: devices ([`Device`], [`Dev`]), counters, addresses;
//! - `slot.rs`: pointers kept in private data ([`RcuDev`], [`ArcSlot`]);
//! - `setup.rs`: setting a device up, features and private flags;
//! - `link.rs`: making links ([`NewLink`], [`NewDevice`], [`Registered`]);
//! - `driver.rs`: the [`Driver`] trait and its `net_device_ops`;
//! - `ethtool.rs`: the driver's `ethtool_ops`;
//! - `link_ops.rs`: the link type ([`LinkOps`]) and lookups.
//!
//! C headers: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h),
//! [`include/net/rtnetlink.h`](srctree/include/net/rtnetlink.h)

mod device;
mod driver;
mod ethtool;
mod link;
mod link_ops;
mod ns;
mod rtnl;
mod setup;
mod slot;
mod sysfs;

pub use device::arphrd;
#[cfg(CONFIG_COMPAT)]
pub use device::COMPAT_IFREQ_LEN;
pub use device::{
    is_valid_ether_addr, Dev, Device, PcpuStats, SockAddr, Stats, ETH_ALEN, ETH_HLEN, ETH_MAX_MTU,
    ETH_MIN_MTU, IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_IFNAME, IFLA_MAX, IFLA_MTU, IFREQ_LEN,
};
pub use driver::{Driver, FeaturesCheck, TxStatus, XmitCtx};
pub use ethtool::{Channels, DrvInfo};
pub use link::{NewDevice, NewLink, PeerInfo, Registered, UnregisterQueue};
pub use link_ops::{LinkOps, LinkRegistration, Lookup};
pub use ns::Net;
pub use rtnl::{Rtnl, RtnlGuard};
pub use setup::{Feature, Features, PrivFlag, PrivFlags, Setup};
pub use slot::{ArcSlot, RcuDev};
pub use sysfs::{SysfsBuf, MAX_SYSFS_ATTRS};
