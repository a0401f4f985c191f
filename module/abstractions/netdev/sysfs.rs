// SPDX-License-Identifier: GPL-2.0

//! A driver's own read-only sysfs attributes of its devices
//! (`/sys/class/net/DEV/NAME`, C's `DEVICE_ATTR_RO` in the group a driver
//! puts in `dev->sysfs_groups[0]`).
//!
//! C header: [`include/linux/sysfs.h`](srctree/include/linux/sysfs.h)

use super::{device::Dev, driver::Driver};
use core::{fmt, marker::PhantomData, ptr::null_mut};
use kernel::{bindings, prelude::*};

/// The most attributes a driver may declare in [`Driver::SYSFS_ATTRS`].
pub const MAX_SYSFS_ATTRS: usize = 4;

/// What a `show` callback writes: at most a page, as `sysfs_emit` allows.
/// Text past the end is cut off.
pub struct SysfsBuf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for SysfsBuf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// The attribute group of `T`'s devices. Its tables are constants, so they
/// live in the module's read-only data for as long as the module: static
/// objects, as sysfs (and lockdep's keys in them) want, and never written.
pub(super) struct SysfsAdapter<T: Driver>(PhantomData<T>);

impl<T: Driver> SysfsAdapter<T> {
    const N: usize = {
        assert!(
            T::SYSFS_ATTRS.len() <= MAX_SYSFS_ATTRS,
            "at most MAX_SYSFS_ATTRS sysfs attributes"
        );
        T::SYSFS_ATTRS.len()
    };

    const fn attr(
        i: usize,
        show: unsafe extern "C" fn(
            *mut bindings::device,
            *mut bindings::device_attribute,
            *mut c_char,
        ) -> isize,
    ) -> bindings::device_attribute {
        let mut a: bindings::device_attribute = pin_init::zeroed();
        if i < Self::N {
            a.attr.name = T::SYSFS_ATTRS[i].to_bytes_with_nul().as_ptr();
            a.attr.mode = 0o444;
            a.__bindgen_anon_1.show = Some(show);
        }
        a
    }

    const ATTRS: [bindings::device_attribute; MAX_SYSFS_ATTRS] = [
        Self::attr(0, Self::show::<0>),
        Self::attr(1, Self::show::<1>),
        Self::attr(2, Self::show::<2>),
        Self::attr(3, Self::show::<3>),
    ];

    const fn ptr(i: usize, a: &'static bindings::device_attribute) -> *mut bindings::attribute {
        if i < Self::N {
            // CAST: sysfs takes non-const pointers but only reads through them.
            (&raw const a.attr).cast_mut()
        } else {
            null_mut()
        }
    }

    /// The group's `attrs`: the declared attributes, then null.
    const PTRS: [*mut bindings::attribute; MAX_SYSFS_ATTRS + 1] = [
        Self::ptr(0, &Self::ATTRS[0]),
        Self::ptr(1, &Self::ATTRS[1]),
        Self::ptr(2, &Self::ATTRS[2]),
        Self::ptr(3, &Self::ATTRS[3]),
        null_mut(),
    ];

    const GROUP: bindings::attribute_group = {
        let mut g: bindings::attribute_group = pin_init::zeroed();
        let attrs: &'static [*mut bindings::attribute; MAX_SYSFS_ATTRS + 1] = &Self::PTRS;
        g.__bindgen_anon_2.attrs = attrs.as_ptr().cast_mut();
        g
    };

    /// What goes into `dev->sysfs_groups[0]`: null when `T` declares no
    /// attribute.
    pub(super) const GROUP_PTR: *const bindings::attribute_group = if Self::N > 0 {
        &Self::GROUP
    } else {
        core::ptr::null()
    };

    /// # Safety
    ///
    /// A sysfs `show` of attribute `I` of the group above: `dev` is the
    /// `struct device` of a registered device of `T` (only theirs carry the
    /// group), which sysfs keeps alive for the call; `buf` is a page.
    unsafe extern "C" fn show<const I: usize>(
        dev: *mut bindings::device,
        _attr: *mut bindings::device_attribute,
        buf: *mut c_char,
    ) -> isize {
        // `to_net_dev`: the `struct device` is the `dev` member.
        let off = core::mem::offset_of!(bindings::net_device, dev);
        // SAFETY: `dev` is the `dev` member of a `net_device` of `T`.
        let ndev = unsafe { dev.cast::<u8>().sub(off).cast::<bindings::net_device>() };
        // SAFETY: A device of `T`, allocated for the call.
        let d = unsafe { Dev::<T>::from_raw(ndev) };
        // SAFETY: sysfs hands `show` a page-sized buffer, ours for the call.
        let page =
            unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), bindings::PAGE_SIZE) };
        let mut out = SysfsBuf { buf: page, len: 0 };
        T::sysfs_show(d, I, &mut out);
        // CAST: at most a page.
        out.len as isize
    }
}
