// SPDX-License-Identifier: GPL-2.0

//! The `rvnet` generic netlink family (spec: `spec/rvnet.yaml`).

#![forbid(unsafe_code)]

mod uapi;

use crate::abstractions::{
    genl::{Family, MulticastGroup, Op, Operation, Registration, Request},
    netlink::Policy,
};
use kernel::prelude::*;
use uapi::*;

static GROUPS: [MulticastGroup; 1] = [MulticastGroup::new(RVNET_MCGRP_NOTIFY)];

static OPS: [Op; 1] = [Op::new::<GetInfo>()];

static FAMILY: Family = Family::const_new(
    kernel::module::this_module::<crate::LocalModule>(),
    RVNET_FAMILY_NAME,
    RVNET_FAMILY_VERSION,
    &OPS,
    &GROUPS,
);

/// Registers the family; it goes away when the registration is dropped.
pub(crate) fn register() -> Result<Registration> {
    FAMILY.register()
}

/// `get-info`: the module's version and what it offers.
struct GetInfo;

/// `get-info` takes no attributes.
static NO_ATTRS: [Policy; 1] = [Policy::unspec()];

#[vtable]
impl Operation for GetInfo {
    const CMD: u8 = RVNET_CMD_GET_INFO;
    const POLICY: &'static [Policy] = &NO_ATTRS;

    fn doit(req: &mut Request<'_>) -> Result {
        let mut msg = req.reply(RVNET_CMD_GET_INFO)?;
        msg.put_string(RVNET_A_INFO_VERSION, crate::VERSION)?;
        msg.put_u32(RVNET_A_INFO_FEATURES, RVNET_FEATURE_RVETH)?;
        req.send_reply(msg)
    }
}
