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
mod rtun;
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

#[pin_data(PinnedDrop)]
struct RvnetModule {
    // Dropped in declaration order: the family goes first, then the char
    // device (no open files: they hold the module), then the link types
    // (which delete every pair and every persistent rtun device).
    _family: abstractions::genl::Registration,
    #[pin]
    _rtun_dev: kernel::miscdevice::MiscDeviceRegistration<rtun::RtunFile>,
    _rtun: abstractions::netdev::LinkRegistration<rtun::Rtun>,
    _rveth: abstractions::netdev::LinkRegistration<rveth::Rveth>,
    /// Initialised last: says the module is up once everything registered.
    _loaded: (),
}

impl kernel::InPlaceModule for RvnetModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(RvnetModule {
            _rveth: rveth::RVETH_LINK.register()?,
            _rtun: rtun::RTUN_LINK.register()?,
            _rtun_dev <- kernel::miscdevice::MiscDeviceRegistration::register(rtun::MISC),
            _family: family::register()?,
            _loaded: pr_info!("rvnet {} loaded\n", VERSION.to_str().unwrap_or("?")),
        })
    }
}

#[pinned_drop]
impl PinnedDrop for RvnetModule {
    fn drop(self: Pin<&mut Self>) {
        pr_info!("rvnet unloaded\n");
    }
}
