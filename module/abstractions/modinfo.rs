// SPDX-License-Identifier: GPL-2.0

//! Extra `.modinfo` fields that the `module!` macro does not emit.

/// Emits `version=<value>` into the module's `.modinfo` section, like C's
/// `MODULE_VERSION()`. Only loadable modules carry it (as in C).
#[macro_export]
macro_rules! module_version {
    ($v:literal) => {
        #[cfg(MODULE)]
        #[doc(hidden)]
        #[link_section = ".modinfo"]
        #[used(compiler)]
        static __RVNET_MODINFO_VERSION: [u8; concat!("version=", $v, "\0").len()] = {
            let s = concat!("version=", $v, "\0").as_bytes();
            let mut out = [0u8; concat!("version=", $v, "\0").len()];
            let mut i = 0;
            while i < s.len() {
                out[i] = s[i];
                i += 1;
            }
            out
        };
    };
}
