// SPDX-License-Identifier: GPL-2.0

//! User and group ids as tun's permission checks use them
//! (`make_kuid(current_user_ns(), uid)`, `current_euid()`, `in_egroup_p()`),
//! on upstream's [`Kuid`] and [`Kgid`] (the latter added beside it by
//! `kernel/patches/0004-rust-task-add-Kgid.patch`).
//!
//! C header: [`include/linux/cred.h`](srctree/include/linux/cred.h)

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::bindings;
pub use kernel::task::{Kgid, Kuid};

/// `(uid_t)-1`, `(gid_t)-1`: the invalid id (`INVALID_UID`, `INVALID_GID`).
const INVALID: u32 = u32::MAX;

/// Maps `uid` as the current task sees it (`make_kuid`); `None` when it has
/// no mapping in the task's user namespace (or is -1).
pub fn kuid_from_user(uid: u32) -> Option<Kuid> {
    // SAFETY: `current_user_ns()` is the running task's namespace, valid
    // while it runs; `make_kuid` only reads it.
    let k = unsafe { bindings::make_kuid(bindings::current_user_ns(), uid) };
    (k.val != INVALID).then(|| Kuid::from_raw(k))
}

/// `k` as the current task sees it, unmapped ids shown as the overflow uid
/// (`from_kuid_munged`), as tun reports owners.
pub fn kuid_to_user(k: Kuid) -> u32 {
    // SAFETY: As in `kuid_from_user`.
    unsafe { bindings::from_kuid_munged(bindings::current_user_ns(), k.into_raw()) }
}

/// Maps `gid` as the current task sees it (`make_kgid`); `None` when it has
/// no mapping (or is -1).
pub fn kgid_from_user(gid: u32) -> Option<Kgid> {
    // SAFETY: As in `kuid_from_user`.
    let k = unsafe { bindings::make_kgid(bindings::current_user_ns(), gid) };
    (k.val != INVALID).then(|| Kgid::from_raw(k))
}

/// `g` as the current task sees it (`from_kgid_munged`).
pub fn kgid_to_user(g: Kgid) -> u32 {
    // SAFETY: As in `kuid_from_user`.
    unsafe { bindings::from_kgid_munged(bindings::current_user_ns(), g.into_raw()) }
}

/// Whether the current task has group `g`, effective or supplementary
/// (`in_egroup_p`).
pub fn in_current_groups(g: Kgid) -> bool {
    // SAFETY: Reads the running task's credentials.
    unsafe { bindings::in_egroup_p(g.into_raw()) != 0 }
}

/// An optional [`Kuid`] that may be read and set from any thread (tun's
/// `tun->owner`, written by `TUNSETOWNER` while packets flow).
pub struct AtomicKuid(AtomicU32);

impl AtomicKuid {
    /// Unset.
    pub const fn new() -> Self {
        AtomicKuid(AtomicU32::new(INVALID))
    }

    /// The id, if set.
    pub fn load(&self) -> Option<Kuid> {
        let val = self.0.load(Ordering::Relaxed);
        (val != INVALID).then(|| Kuid::from_raw(bindings::kuid_t { val }))
    }

    /// Sets (or unsets) the id.
    pub fn store(&self, k: Option<Kuid>) {
        self.0
            .store(k.map_or(INVALID, |k| k.into_raw().val), Ordering::Relaxed);
    }
}

impl Default for AtomicKuid {
    fn default() -> Self {
        Self::new()
    }
}

/// An optional [`Kgid`] that may be read and set from any thread.
pub struct AtomicKgid(AtomicU32);

impl AtomicKgid {
    /// Unset.
    pub const fn new() -> Self {
        AtomicKgid(AtomicU32::new(INVALID))
    }

    /// The id, if set.
    pub fn load(&self) -> Option<Kgid> {
        let val = self.0.load(Ordering::Relaxed);
        (val != INVALID).then(|| Kgid::from_raw(bindings::kgid_t { val }))
    }

    /// Sets (or unsets) the id.
    pub fn store(&self, g: Option<Kgid>) {
        self.0
            .store(g.map_or(INVALID, |g| g.into_raw().val), Ordering::Relaxed);
    }
}

impl Default for AtomicKgid {
    fn default() -> Self {
        Self::new()
    }
}
