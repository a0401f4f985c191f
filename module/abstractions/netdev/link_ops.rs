// SPDX-License-Identifier: GPL-2.0

//! A link type (`struct rtnl_link_ops`): registration and finding the
//! devices of the kind.

use super::{
    device::{Dev, Device},
    driver::{Adapter, Driver, PrivArea},
    ns::Net,
    rtnl::Rtnl,
};
use crate::abstractions::netlink::maxtype;
use core::{
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{bindings, error::to_result, prelude::*, types::Opaque};

/// A link type's `rtnl_link_ops`, defined in a `static` by the driver.
///
/// Registered with [`LinkOps::register`]; devices of the kind can then be
/// made by rtnetlink (`ip link add`) or by the driver itself
/// ([`LinkOps::create_device`]).
///
/// # Invariants
///
/// `ops` describes `T`: its callbacks are `Adapter<T>`'s and its private
/// size that of `PrivArea<T>`. `registered` is true while `ops` is
/// registered with rtnetlink (set after registering, cleared before
/// unregistering).
pub struct LinkOps<T: Driver> {
    ops: Opaque<bindings::rtnl_link_ops>,
    registered: AtomicBool,
    _p: PhantomData<T>,
}

// SAFETY: After registration the C side owns the mutable parts (list, srcu)
// and serialises access to them; the rest is immutable.
unsafe impl<T: Driver> Sync for LinkOps<T> {}

impl<T: Driver> LinkOps<T> {
    /// Describes `T`'s link type (const: for a `static`).
    pub const fn new() -> Self {
        let mut o: bindings::rtnl_link_ops = pin_init::zeroed();
        o.kind = kernel::str::as_char_ptr_in_const_context(T::KIND);
        o.priv_size = core::mem::size_of::<PrivArea<T>>();
        o.setup = Some(Adapter::<T>::setup_callback);
        if T::HAS_VALIDATE {
            o.validate = Some(Adapter::<T>::validate_callback);
        }
        o.newlink = Some(Adapter::<T>::newlink_callback);
        o.dellink = Some(Adapter::<T>::dellink_callback);
        o.policy = T::POLICY.as_ptr().cast();
        o.maxtype = maxtype(T::POLICY);
        o.peer_type = T::PEER_TYPE;
        if T::HAS_GET_LINK_NET {
            o.get_link_net = Some(Adapter::<T>::get_link_net_callback);
        }
        assert!(
            T::HAS_FILL_INFO == T::HAS_GET_SIZE,
            "fill_info and get_size come together"
        );
        if T::HAS_FILL_INFO {
            o.get_size = Some(Adapter::<T>::get_size_callback);
            o.fill_info = Some(Adapter::<T>::fill_info_callback);
        }
        // INVARIANT: Built from `T` above.
        LinkOps {
            ops: Opaque::new(o),
            registered: AtomicBool::new(false),
            _p: PhantomData,
        }
    }

    pub(super) fn as_raw(&self) -> *const bindings::rtnl_link_ops {
        self.ops.get()
    }

    /// Registers the link type with rtnetlink.
    pub fn register(&'static self) -> Result<LinkRegistration<T>> {
        // SAFETY: `ops` is `'static` and initialised; it is unregistered when
        // the registration drops. A second registration of the same kind
        // fails with -EEXIST.
        to_result(unsafe { bindings::rtnl_link_register(self.ops.get()) })?;
        // INVARIANT: Just registered.
        self.registered.store(true, Ordering::Release);
        Ok(LinkRegistration { ops: self })
    }

    /// Whether the link type is registered: devices of it may be made.
    pub(super) fn is_registered(&self) -> bool {
        self.registered.load(Ordering::Acquire)
    }

    /// `dev` as a device of this kind, if it is one.
    pub fn ours<'a>(&self, dev: &'a Device) -> Option<&'a Dev<T>> {
        // SAFETY: `dev` is allocated; `rtnl_link_ops` is set at allocation.
        if unsafe { (*dev.as_raw()).rtnl_link_ops } == self.as_raw() {
            // SAFETY: Its link ops are ours: a device of `T`, allocated for
            // as long as `dev` is.
            Some(unsafe { Dev::from_raw(dev.as_raw()) })
        } else {
            None
        }
    }

    /// Calls `f` for each device of this kind in `net` whose ifindex is at
    /// least `start`, in ifindex order, until `f` returns false. Returns the
    /// ifindex where it stopped (or 0 when it went through all of them).
    pub fn for_each<'a>(
        &self,
        net: &'a Net,
        start: u32,
        _rtnl: &'a Rtnl,
        mut f: impl FnMut(&'a Dev<T>) -> bool,
    ) -> u32 {
        // CAST: `c_ulong` is 64-bit here; ifindexes are `int`s.
        let mut index = start as c_ulong;
        loop {
            // SAFETY: `dev_by_index` is the netns's device xarray; RTNL
            // keeps the registered devices in it allocated. 8 is
            // `XA_PRESENT` (a cast macro bindgen cannot translate).
            let d = unsafe {
                bindings::xa_find(
                    &raw mut (*net.as_raw()).dev_by_index,
                    &mut index,
                    c_ulong::MAX,
                    8,
                )
            };
            let Some(d) = NonNull::new(d.cast::<bindings::net_device>()) else {
                return 0;
            };
            // SAFETY: A registered device, allocated under RTNL for `'a`.
            let d = unsafe { Device::from_raw(d.as_ptr()) };
            if let Some(d) = self.ours(d) {
                if !f(d) {
                    // CAST: ifindexes are positive `int`s.
                    return index as u32;
                }
            }
            index += 1;
        }
    }

    /// A device of this kind in `net` by ifindex (if given) or name.
    pub fn find<'a>(
        &self,
        net: &'a Net,
        ifindex: Option<u32>,
        name: Option<&CStr>,
        rtnl: &'a Rtnl,
    ) -> Option<&'a Dev<T>> {
        let dev = match (ifindex, name) {
            (Some(i), _) => net.device_by_index(i, rtnl),
            (None, Some(n)) => net.device_by_name(n, rtnl),
            (None, None) => None,
        }?;
        self.ours(dev)
    }

    /// Finds device `name` in `net` and tells whether it is of this kind.
    pub fn lookup<'a>(&self, net: &'a Net, name: &CStr, rtnl: &'a Rtnl) -> Lookup<'a, T> {
        match net.device_by_name(name, rtnl) {
            None => Lookup::None,
            Some(d) => self.ours(d).map_or(Lookup::Other, Lookup::Ours),
        }
    }
}

impl<T: Driver> Default for LinkOps<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`LinkOps::lookup`] found.
pub enum Lookup<'a, T: Driver> {
    /// No device of that name.
    None,
    /// A device of that name of another kind.
    Other,
    /// A device of this driver.
    Ours(&'a Dev<T>),
}

/// A registered link type; unregistering it deletes every device of it.
///
/// # Invariants
///
/// `ops` is registered with rtnetlink.
pub struct LinkRegistration<T: Driver + 'static> {
    ops: &'static LinkOps<T>,
}

impl<T: Driver> Drop for LinkRegistration<T> {
    fn drop(&mut self) {
        // INVARIANT: No device is made from here on (`create_device` checks
        // under RTNL; one made before is deleted with the others below).
        self.ops.registered.store(false, Ordering::Release);
        // SAFETY: Registered (type invariant). This deletes every device of
        // the kind (their dellink runs) and waits for users of the ops.
        unsafe { bindings::rtnl_link_unregister(self.ops.ops.get()) };
    }
}
