// SPDX-License-Identifier: GPL-2.0

//! The RTNL lock (`rtnl_lock()`), which serialises configuration of all
//! network devices.
//!
//! C header: [`include/linux/rtnetlink.h`](srctree/include/linux/rtnetlink.h)

use kernel::{bindings, types::NotThreadSafe};

/// Proof that the RTNL lock is held.
///
/// Handed to driver callbacks that the core calls under RTNL, or obtained
/// with [`Rtnl::lock`]. Whatever is borrowed from a `&'a Rtnl` is valid for
/// `'a` because the core changes it only under RTNL: registered devices, their
/// names, the devices of a namespace.
///
/// It proves nothing about sleeping: code that holds RTNL may still be inside
/// an RCU read-side section or hold a spinlock. Functions that allocate take
/// the allocation flags from the caller instead.
///
/// # Invariants
///
/// The RTNL lock is held by this thread for as long as the token lives; it
/// is not `Send`, so it cannot leave the thread that holds the lock.
pub struct Rtnl(NotThreadSafe);

impl Rtnl {
    /// # Safety
    ///
    /// The RTNL lock must be held by the current thread for as long as the
    /// returned token lives.
    pub(crate) unsafe fn assume_held() -> Self {
        // INVARIANT: The caller guarantees that RTNL is held.
        Rtnl(NotThreadSafe)
    }

    /// Takes the RTNL lock (`rtnl_lock`, may sleep); released when the guard
    /// drops.
    pub fn lock() -> RtnlGuard {
        // SAFETY: `rtnl_lock` is a plain mutex lock; callers of a safe
        // function that may sleep are in process context.
        unsafe { bindings::rtnl_lock() };
        // SAFETY: We just took the lock; the guard releases it on drop, and
        // every reference to the token borrows the guard.
        RtnlGuard(unsafe { Rtnl::assume_held() })
    }
}

/// Holds the RTNL lock; releases it (`rtnl_unlock`) on drop.
///
/// # Invariants
///
/// Created by [`Rtnl::lock`]: this thread holds RTNL until the guard drops.
#[must_use = "the RTNL lock is released at once if the guard is not kept"]
pub struct RtnlGuard(Rtnl);

impl core::ops::Deref for RtnlGuard {
    type Target = Rtnl;
    fn deref(&self) -> &Rtnl {
        &self.0
    }
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: The guard took the lock (type invariant) and no borrow of
        // its token outlives it.
        unsafe { bindings::rtnl_unlock() };
    }
}
