// SPDX-License-Identifier: GPL-2.0

//! Test helper: WARNs on load, so that tests can check that the VM runner
//! (`virtme/run.sh`) fails a run whose kernel log carries a splat.

use kernel::prelude::*;

module! {
    type: WarnOnLoad,
    name: "rvnet_test_warn",
    authors: ["rvnet developers"],
    description: "rvnet test helper: WARNs on load",
    license: "GPL",
}

struct WarnOnLoad;

impl kernel::Module for WarnOnLoad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        kernel::warn_on!(true);
        Ok(WarnOnLoad)
    }
}
