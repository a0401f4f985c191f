// SPDX-License-Identifier: GPL-2.0

//! Pointers kept in a device's private data or in state shared with it:
//! to another device ([`RcuDev`], veth's `priv->peer`, tun's `tfile->tun`)
//! and to reference-counted driver state ([`ArcSlot`]).

use super::{device::Dev, driver::Driver, driver::XmitCtx, rtnl::Rtnl};
use core::{
    marker::PhantomData,
    ptr::{null_mut, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    alloc::Flags,
    bindings,
    prelude::*,
    sync::{aref::ARef, rcu, Arc},
    types::Opaque,
};

/// A pointer to a registered device of `T` that holds a tracked reference
/// on it (`netdev_hold`): written under RTNL, read under RTNL, under RCU, in
/// the transmit path, or turned into a counted reference from anywhere.
///
/// A device is freed only after its last reference is gone and, for a
/// device that was registered, after the RCU grace period of its
/// unregistration. So:
/// - [`RcuDev::set`] takes registered devices only (an unregistered one can
///   be freed by `free_netdev` whatever its count);
/// - [`RcuDev::take`] of a device that is still registered needs no wait
///   (its unregistration, later, waits for the readers that saw it); of one
///   already unregistering it waits for a grace period (`synchronize_net`)
///   before giving up the slot's reference.
///
/// An `RcuDev` that is never emptied keeps its reference: the device then
/// never finishes unregistering (a hang, not a use-after-free). It has no
/// `Drop` so that it can live in private data, which the core frees without
/// dropping.
///
/// # Invariants
///
/// `ptr` is null or points to a device of `T` for which the slot holds one
/// reference, tracked in `tracker`; it was registered when it was stored.
/// `ptr` and `tracker` are written only under RTNL.
pub struct RcuDev<T: Driver> {
    ptr: AtomicPtr<bindings::net_device>,
    tracker: Opaque<bindings::netdevice_tracker>,
    _p: PhantomData<T>,
}

impl<T: Driver> Default for RcuDev<T> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: All-zero is a null pointer and an unused tracker: an empty slot.
unsafe impl<T: Driver> Zeroable for RcuDev<T> {}

// SAFETY: The pointer is read atomically; the tracker is written only under
// RTNL (type invariant); the device is usable from any thread.
unsafe impl<T: Driver> Send for RcuDev<T> {}
// SAFETY: Shared access reads the pointer atomically and hands out devices
// (which are `Sync`); every write happens under RTNL (type invariant).
unsafe impl<T: Driver> Sync for RcuDev<T> {}

impl<T: Driver> RcuDev<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        // INVARIANT: Null: no device, no reference.
        RcuDev {
            ptr: AtomicPtr::new(null_mut()),
            tracker: Opaque::zeroed(),
            _p: PhantomData,
        }
    }

    /// Points the empty slot at `dev`, taking a tracked reference on it
    /// (`gfp` for the tracker). `EINVAL` if `dev` is not registered,
    /// `EBUSY` if the slot is not empty.
    pub fn set(&self, dev: &Dev<T>, gfp: Flags, rtnl: &Rtnl) -> Result {
        if !dev.is_registered(rtnl) {
            return Err(EINVAL);
        }
        if !self.ptr.load(Ordering::Relaxed).is_null() {
            return Err(EBUSY);
        }
        // SAFETY: `dev` is allocated; the tracker is unused (the slot is
        // empty) and written only under RTNL, which is held.
        unsafe {
            bindings::netdev_hold(
                dev.as_raw(),
                self.tracker.get(),
                super::device::raw_gfp(gfp),
            )
        };
        // INVARIANT: A registered device of `T`, with the reference just taken.
        self.ptr.store(dev.as_raw(), Ordering::Release);
        Ok(())
    }

    fn load<'a>(&self) -> Option<&'a Dev<T>> {
        let p = NonNull::new(self.ptr.load(Ordering::Acquire))?;
        // SAFETY: The callers hold RTNL or are inside an RCU read-side
        // section for `'a`; either keeps the device allocated (see the type
        // documentation).
        Some(unsafe { Dev::from_raw(p.as_ptr()) })
    }

    /// The device, under RTNL: a registered device is only freed after RTNL
    /// is released, even if the slot is emptied meanwhile.
    pub fn get<'a>(&self, _rtnl: &'a Rtnl) -> Option<&'a Dev<T>> {
        self.load()
    }

    /// The device, inside an RCU read-side critical section.
    pub fn get_rcu<'a>(&self, _guard: &'a rcu::Guard) -> Option<&'a Dev<T>> {
        self.load()
    }

    /// The device in the transmit path (`ndo_start_xmit` runs under
    /// `rcu_read_lock_bh`, which `XmitCtx` proves).
    pub fn get_xmit<'a>(&self, _ctx: &'a XmitCtx) -> Option<&'a Dev<T>> {
        self.load()
    }

    /// A counted reference to the device, if set, from any context.
    pub fn hold(&self) -> Option<ARef<Dev<T>>> {
        let guard = rcu::read_lock();
        self.get_rcu(&guard).map(ARef::from)
    }

    /// Empties the slot and returns the device with a counted reference.
    pub fn take(&self, rtnl: &Rtnl) -> Option<ARef<Dev<T>>> {
        let p = NonNull::new(self.ptr.swap(null_mut(), Ordering::AcqRel))?;
        // SAFETY: The slot's reference keeps the device allocated.
        let dev = unsafe { Dev::<T>::from_raw(p.as_ptr()) };
        if !dev.is_registered(rtnl) {
            // Its unregistration may have passed its grace period already:
            // wait for the readers that may still see the old pointer.
            // SAFETY: A grace period wait; RTNL may be held.
            unsafe { bindings::synchronize_net() };
        }
        let r = ARef::from(dev);
        // SAFETY: The slot's tracked reference (type invariant) is given up
        // once; RTNL is held for the tracker. `r` keeps the device alive.
        unsafe { bindings::netdev_put(p.as_ptr(), self.tracker.get()) };
        Some(r)
    }
}

/// An optional [`Arc<U>`] in a device's private data; all-zero is empty.
///
/// Only exclusive access (`&mut`) changes it: while the device is made
/// ([`super::NewDevice::private_mut`]) and when it is freed
/// ([`Driver::destroy`]). Shared access only reads, so a `&U` from
/// [`ArcSlot::get`] cannot outlive the value. A slot that still holds a
/// value when the device is freed without `destroy` leaks it.
///
/// # Invariants
///
/// `ptr` is null or comes from [`Arc::into_raw`], and the slot owns that
/// reference.
pub struct ArcSlot<U: Send + Sync> {
    ptr: *const U,
}

// SAFETY: All-zero is a null pointer: an empty slot.
unsafe impl<U: Send + Sync> Zeroable for ArcSlot<U> {}
// SAFETY: The slot owns an `Arc<U>`, which is `Send` for `U: Send + Sync`.
unsafe impl<U: Send + Sync> Send for ArcSlot<U> {}
// SAFETY: Shared access only reads the pointer and hands out `&U`; `U: Sync`.
unsafe impl<U: Send + Sync> Sync for ArcSlot<U> {}

impl<U: Send + Sync> ArcSlot<U> {
    /// Stores `v`, returning what was there.
    pub fn set(&mut self, v: Arc<U>) -> Option<Arc<U>> {
        let old = self.take();
        // INVARIANT: From `Arc::into_raw`; the slot owns the reference.
        self.ptr = Arc::into_raw(v);
        old
    }

    /// The stored value, borrowed from the slot.
    pub fn get(&self) -> Option<&U> {
        // SAFETY: A non-null pointer is an `Arc` the slot owns (type
        // invariant); it is released only through `&mut self`, which cannot
        // coexist with the returned borrow.
        unsafe { self.ptr.as_ref() }
    }

    /// Another reference to the stored value.
    pub fn get_arc(&self) -> Option<Arc<U>> {
        if self.ptr.is_null() {
            return None;
        }
        // SAFETY: `ptr` came from `Arc::into_raw` and the slot's reference is
        // alive; `ManuallyDrop` leaves that reference in place.
        let a = core::mem::ManuallyDrop::new(unsafe { Arc::from_raw(self.ptr) });
        Some(Arc::clone(&a))
    }

    /// Removes the value.
    pub fn take(&mut self) -> Option<Arc<U>> {
        let p = core::mem::replace(&mut self.ptr, core::ptr::null());
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` came from `Arc::into_raw` and the slot owned it; it
        // no longer does.
        Some(unsafe { Arc::from_raw(p) })
    }
}
