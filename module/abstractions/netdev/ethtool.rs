// SPDX-License-Identifier: GPL-2.0

//! The ethtool operations of a [`Driver`] (`struct ethtool_ops`).
//!
//! C header: [`include/linux/ethtool.h`](srctree/include/linux/ethtool.h)

use super::{device::Dev, driver::Driver};
use core::marker::PhantomData;
use kernel::{bindings, prelude::*, sync::rcu};

/// What `ethtool -i` shows (`struct ethtool_drvinfo`), being filled.
///
/// # Invariants
///
/// `0` is the core's zeroed `ethtool_drvinfo` for the call.
pub struct DrvInfo<'a>(&'a mut bindings::ethtool_drvinfo);

fn copy_cstr(dst: &mut [c_char], src: &CStr) {
    let s = src.to_bytes();
    let n = s.len().min(dst.len().saturating_sub(1));
    for (d, &b) in dst.iter_mut().zip(&s[..n]) {
        // CAST: bytes of a C string.
        *d = b as c_char;
    }
    if let Some(end) = dst.get_mut(n) {
        *end = 0;
    }
}

impl DrvInfo<'_> {
    /// The driver's name (truncated to fit).
    pub fn set_driver(&mut self, name: &CStr) {
        copy_cstr(&mut self.0.driver, name);
    }

    /// The driver's version (truncated to fit).
    pub fn set_version(&mut self, version: &CStr) {
        copy_cstr(&mut self.0.version, version);
    }
}

/// What `ethtool -l` shows: the channel counts and their maxima.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Channels {
    /// Receive-only channels: most, in use.
    pub max_rx: u32,
    /// See `max_rx`.
    pub rx: u32,
    /// Transmit-only channels: most, in use.
    pub max_tx: u32,
    /// See `max_tx`.
    pub tx: u32,
    /// Combined (receive and transmit) channels: most, in use.
    pub max_combined: u32,
    /// See `max_combined`.
    pub combined: u32,
}

pub(super) struct EthtoolAdapter<T: Driver>(PhantomData<T>);

impl<T: Driver> EthtoolAdapter<T> {
    const ANY: bool = T::HAS_GET_DRVINFO
        || T::HAS_GET_LINK
        || T::HAS_ETHTOOL_STATS
        || T::HAS_GET_MSGLEVEL
        || T::HAS_SET_MSGLEVEL
        || T::HAS_GET_CHANNELS;

    const TABLE: bindings::ethtool_ops = bindings::ethtool_ops {
        get_drvinfo: if T::HAS_GET_DRVINFO {
            Some(Self::get_drvinfo_callback)
        } else {
            None
        },
        get_link: if T::HAS_GET_LINK {
            Some(Self::get_link_callback)
        } else {
            None
        },
        get_msglevel: if T::HAS_GET_MSGLEVEL {
            Some(Self::get_msglevel_callback)
        } else {
            None
        },
        set_msglevel: if T::HAS_SET_MSGLEVEL {
            Some(Self::set_msglevel_callback)
        } else {
            None
        },
        get_channels: if T::HAS_GET_CHANNELS {
            Some(Self::get_channels_callback)
        } else {
            None
        },
        get_strings: if T::HAS_ETHTOOL_STATS {
            Some(Self::get_strings_callback)
        } else {
            None
        },
        get_sset_count: if T::HAS_ETHTOOL_STATS {
            Some(Self::get_sset_count_callback)
        } else {
            None
        },
        get_ethtool_stats: if T::HAS_ETHTOOL_STATS {
            Some(Self::get_ethtool_stats_callback)
        } else {
            None
        },
        ..pin_init::zeroed()
    };

    /// The table for `dev->ethtool_ops`; null (the core's defaults) when the
    /// driver implements none of them.
    pub(super) const OPS: *const bindings::ethtool_ops = if Self::ANY {
        &Self::TABLE
    } else {
        core::ptr::null()
    };

    /// # Safety
    ///
    /// `info` is valid and zeroed by the core; `dev` a device of `T`.
    unsafe extern "C" fn get_drvinfo_callback(
        dev: *mut bindings::net_device,
        info: *mut bindings::ethtool_drvinfo,
    ) {
        // SAFETY: `dev` is a device of `T`, allocated for the call; `info` is
        // valid for writes for the call.
        let (dev, mut info) = unsafe { (Dev::<T>::from_raw(dev), DrvInfo(&mut *info)) };
        T::get_drvinfo(dev, &mut info);
    }

    /// # Safety
    ///
    /// `ch` is valid and zeroed by the core (`ethtool -l`); `dev` a device
    /// of `T`.
    unsafe extern "C" fn get_channels_callback(
        dev: *mut bindings::net_device,
        ch: *mut bindings::ethtool_channels,
    ) {
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        let c = T::get_channels(unsafe { Dev::<T>::from_raw(dev) });
        // SAFETY: `ch` is valid for writes for the call.
        unsafe {
            (*ch).max_rx = c.max_rx;
            (*ch).max_tx = c.max_tx;
            (*ch).max_combined = c.max_combined;
            (*ch).rx_count = c.rx;
            (*ch).tx_count = c.tx;
            (*ch).combined_count = c.combined;
        }
    }

    /// # Safety
    ///
    /// `dev` is a device of `T`.
    unsafe extern "C" fn get_msglevel_callback(dev: *mut bindings::net_device) -> u32 {
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        T::get_msglevel(unsafe { Dev::<T>::from_raw(dev) })
    }

    /// # Safety
    ///
    /// `dev` is a device of `T`.
    unsafe extern "C" fn set_msglevel_callback(dev: *mut bindings::net_device, value: u32) {
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        T::set_msglevel(unsafe { Dev::<T>::from_raw(dev) }, value)
    }

    /// # Safety
    ///
    /// `dev` is a device of `T`.
    unsafe extern "C" fn get_link_callback(dev: *mut bindings::net_device) -> u32 {
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        T::get_link(unsafe { Dev::<T>::from_raw(dev) }).into()
    }

    /// # Safety
    ///
    /// Called by the ethtool core for a device of `T`; reads nothing.
    unsafe extern "C" fn get_sset_count_callback(
        _dev: *mut bindings::net_device,
        sset: c_int,
    ) -> c_int {
        // CAST: the enum value 1 fits in `c_int`.
        if sset == bindings::ethtool_stringset_ETH_SS_STATS as c_int {
            c_int::try_from(T::ETHTOOL_STATS.len()).unwrap_or(0)
        } else {
            EOPNOTSUPP.to_errno()
        }
    }

    /// # Safety
    ///
    /// `buf` has room for `get_sset_count(stringset)` strings of
    /// `ETH_GSTRING_LEN` bytes.
    unsafe extern "C" fn get_strings_callback(
        _dev: *mut bindings::net_device,
        stringset: u32,
        buf: *mut u8,
    ) {
        if stringset != bindings::ethtool_stringset_ETH_SS_STATS {
            return;
        }
        // CAST: 32 fits in `usize`.
        let len = bindings::ETH_GSTRING_LEN as usize;
        for (i, name) in T::ETHTOOL_STATS.iter().enumerate() {
            // SAFETY: `buf` has `len` bytes for each of our strings.
            let dst = unsafe { core::slice::from_raw_parts_mut(buf.add(i * len), len) };
            let s = name.to_bytes();
            let n = s.len().min(len - 1);
            dst[..n].copy_from_slice(&s[..n]);
            dst[n..].fill(0);
        }
    }

    /// # Safety
    ///
    /// `data` has room for `get_sset_count(ETH_SS_STATS)` counters; `dev` is
    /// a device of `T`.
    unsafe extern "C" fn get_ethtool_stats_callback(
        dev: *mut bindings::net_device,
        _stats: *mut bindings::ethtool_stats,
        data: *mut u64,
    ) {
        let n = T::ETHTOOL_STATS.len();
        // SAFETY: `dev` is a device of `T` allocated for the call; the core
        // sized `data` with `get_sset_count`.
        let (dev, data) = unsafe {
            (
                Dev::<T>::from_raw(dev),
                core::slice::from_raw_parts_mut(data, n),
            )
        };
        data.fill(0);
        let guard = rcu::read_lock();
        T::ethtool_stats(dev, data, &guard);
    }
}
