// SPDX-License-Identifier: GPL-2.0

//! rvnet: virtual network devices in Rust.
//!
//! - `rveth`: a veth-like pair of Ethernet devices (rtnl link kind `rveth`);
//! - `rtun`: a tun/tap-compatible character device, `/dev/net/rtun`;
//! - the generic netlink family `rvnet` that configures and inspects both.
//!
//! The drivers are written against the safe wrappers in `abstractions`, the
//! only code here with `unsafe` blocks or `kernel::bindings`.

use kernel::prelude::*;

pub mod abstractions;
mod family;
mod rveth;

/// The module version, also in modinfo and in the family's `get-info` reply.
pub(crate) const VERSION: &CStr = c"0.1.0";

module! {
    type: RvnetModule,
    name: "rvnet",
    authors: ["rvnet developers"],
    description: "Virtual network devices in Rust: rveth pairs, rtun tun/tap devices",
    license: "GPL",
    alias: ["net-pf-16-proto-16-family-rvnet", "rtnl-link-rveth"],
}

module_version!("0.1.0");

struct RvnetModule {
    // Dropped in declaration order: the family goes first, then the link
    // type (which deletes every pair).
    _family: abstractions::genl::Registration,
    _rveth: abstractions::netdev::LinkRegistration<rveth::Rveth>,
}

impl kernel::Module for RvnetModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let rveth = abstractions::netdev::LinkRegistration::<rveth::Rveth>::new()?;
        let family = family::register()?;
        pr_info!("rvnet {} loaded\n", VERSION.to_str().unwrap_or("?"));
        Ok(RvnetModule {
            _family: family,
            _rveth: rveth,
        })
    }
}

impl Drop for RvnetModule {
    fn drop(&mut self) {
        pr_info!("rvnet unloaded\n");
    }
}
