// SPDX-License-Identifier: GPL-2.0

//! An optional [`Arc`] that readers take without a lock, under RCU.
//!
//! The `rcu_assign_pointer`/`rcu_dereference` pattern for driver state
//! that changes rarely and is read on every packet, as tun's
//! `tfile->tun`: readers borrow the value for as long as they hold an RCU
//! read-side guard; a writer that replaces it waits for a grace period
//! before the old value can be dropped.

use core::{
    marker::PhantomData,
    ptr::null_mut,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    prelude::*,
    sync::{rcu, Arc},
};

/// An `Option<Arc<T>>` read under RCU ([`RcuArc::get`]) and replaced by
/// [`RcuArc::replace`], which waits for the readers that may still see the
/// old value.
///
/// # Invariants
///
/// `ptr` is null or comes from [`Arc::into_raw`], and the `RcuArc` owns that
/// reference. A pointer removed from `ptr` while shared references to the
/// `RcuArc` may exist is released only after an RCU grace period.
pub struct RcuArc<T: Send + Sync> {
    ptr: AtomicPtr<T>,
    /// Owns an `Arc<T>` (drop check, `Send` and `Sync` as `Arc<T>`'s).
    _p: PhantomData<Arc<T>>,
}

impl<T: Send + Sync> RcuArc<T> {
    /// An empty one.
    pub const fn new() -> Self {
        // INVARIANT: Null.
        RcuArc {
            ptr: AtomicPtr::new(null_mut()),
            _p: PhantomData,
        }
    }

    /// The value, borrowed for as long as both the `RcuArc` and the RCU
    /// read-side critical section `guard` last.
    pub fn get<'a>(&'a self, _guard: &'a rcu::Guard) -> Option<&'a T> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: A non-null pointer is an `Arc` the `RcuArc` owned when it
        // was loaded (type invariant). If it is replaced meanwhile, the old
        // reference is released only after a grace period, which cannot end
        // while `guard` is held; `&'a self` keeps the `RcuArc` itself (and
        // so a reference it still owns) alive for `'a`.
        unsafe { p.as_ref() }
    }

    /// Another reference to the value.
    pub fn get_arc(&self) -> Option<Arc<T>> {
        let guard = rcu::read_lock();
        let v = self.get(&guard)?;
        // SAFETY: `v` is the data of a live `Arc<T>` (see `get`), so its
        // pointer is one `Arc::into_raw` gave; `ManuallyDrop` leaves that
        // reference as it is and the clone takes a new one.
        let a = core::mem::ManuallyDrop::new(unsafe { Arc::from_raw(v) });
        Some(Arc::clone(&a))
    }

    /// Stores `new` and returns the previous value once no reader can see
    /// it any more: if there was one, this waits for an RCU grace period
    /// (`synchronize_rcu`).
    ///
    /// Process context only, outside any RCU read-side critical section:
    /// the rule of [`rcu::synchronize_rcu`] (and of dropping an upstream
    /// `PollCondVar`), which lockdep checks. Storing into an empty `RcuArc`
    /// never waits.
    pub fn replace(&self, new: Option<Arc<T>>) -> Option<Arc<T>> {
        let p = new.map_or(null_mut(), |a| Arc::into_raw(a).cast_mut());
        // INVARIANT: From `Arc::into_raw`, owned from here on; the old
        // pointer is released below only after a grace period.
        let old = self.ptr.swap(p, Ordering::AcqRel);
        if old.is_null() {
            return None;
        }
        rcu::synchronize_rcu();
        // SAFETY: `old` came from `Arc::into_raw` and was owned by the
        // `RcuArc`; it no longer is, and every reader that could have
        // loaded it has left its critical section.
        Some(unsafe { Arc::from_raw(old) })
    }

    /// Removes the value; exclusive access means no reader, so no wait.
    pub fn take(&mut self) -> Option<Arc<T>> {
        let p = core::mem::replace(self.ptr.get_mut(), null_mut());
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` came from `Arc::into_raw` and the `RcuArc` owned it;
        // `&mut self` proves no reader borrows from it.
        Some(unsafe { Arc::from_raw(p) })
    }
}

impl<T: Send + Sync> Default for RcuArc<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync> Drop for RcuArc<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

#[kunit_tests(rvnet_rcu)]
mod tests {
    use super::*;
    use core::sync::atomic::AtomicU32;

    /// A value that counts its drops in the counter it points to.
    struct Counted(&'static AtomicU32, u32);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn counted(drops: &'static AtomicU32, v: u32) -> Arc<Counted> {
        Arc::new(Counted(drops, v), GFP_KERNEL).expect("a small allocation")
    }

    /// What readers see across replacements, and that every value stored
    /// is dropped exactly once: when replaced and let go, when taken, or
    /// with the `RcuArc`.
    #[test]
    fn replace_get_take() {
        static DROPS: AtomicU32 = AtomicU32::new(0);
        let mut r = RcuArc::new();
        assert!(r.get(&rcu::read_lock()).is_none());
        assert!(r.replace(Some(counted(&DROPS, 1))).is_none());
        assert_eq!(r.get(&rcu::read_lock()).map(|c| c.1), Some(1));
        let extra = r.get_arc().expect("a value");
        let old = r
            .replace(Some(counted(&DROPS, 2)))
            .expect("the first value");
        assert_eq!((old.1, extra.1), (1, 1));
        drop(old);
        assert_eq!(DROPS.load(Ordering::Relaxed), 0);
        drop(extra);
        assert_eq!(DROPS.load(Ordering::Relaxed), 1);
        assert_eq!(r.get(&rcu::read_lock()).map(|c| c.1), Some(2));
        assert_eq!(r.take().map(|c| c.1), Some(2));
        assert_eq!(DROPS.load(Ordering::Relaxed), 2);
        assert!(r.take().is_none());
        assert!(r.replace(Some(counted(&DROPS, 3))).is_none());
        drop(r);
        assert_eq!(DROPS.load(Ordering::Relaxed), 3);
    }
}
