// SPDX-License-Identifier: GPL-2.0

//! User and group ids of the current task, as tun's permission checks use
//! them (`make_kuid(current_user_ns(), uid)`, `current_euid()`,
//! `in_egroup_p()`).
//!
//! C header: [`include/linux/cred.h`](srctree/include/linux/cred.h)

use kernel::bindings;

/// A kernel uid (`kuid_t`); `None` in an `Option` stands for "unset".
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Kuid(u32);

/// A kernel gid (`kgid_t`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Kgid(u32);

fn current_user_ns() -> *mut bindings::user_namespace {
    // SAFETY: `current` and its credentials are valid while it runs; the
    // credentials of the current task cannot change under it.
    unsafe { (*(*bindings::get_current()).cred).user_ns }
}

impl Kuid {
    /// Maps `uid` as seen by the current task (`make_kuid`); `None` when it
    /// has no mapping (or is -1).
    pub fn from_user(uid: u32) -> Option<Kuid> {
        // SAFETY: `current_user_ns()` is valid.
        let k = unsafe { bindings::make_kuid(current_user_ns(), uid) };
        (k.val != u32::MAX).then_some(Kuid(k.val))
    }

    /// The effective uid of the current task.
    pub fn current_euid() -> Kuid {
        // SAFETY: As in `current_user_ns`.
        Kuid(unsafe { (*(*bindings::get_current()).cred).euid.val })
    }

    /// The raw value (for storage in an atomic).
    pub fn as_raw(self) -> u32 {
        self.0
    }

    /// The uid as the current task sees it (`from_kuid_munged`).
    pub fn to_user(self) -> u32 {
        // SAFETY: `current_user_ns()` is valid.
        unsafe { bindings::from_kuid_munged(current_user_ns(), bindings::kuid_t { val: self.0 }) }
    }

    /// From a value produced by [`Kuid::as_raw`].
    pub fn from_raw(v: u32) -> Option<Kuid> {
        (v != u32::MAX).then_some(Kuid(v))
    }
}

impl Kgid {
    /// Maps `gid` as seen by the current task (`make_kgid`).
    pub fn from_user(gid: u32) -> Option<Kgid> {
        // SAFETY: `current_user_ns()` is valid.
        let k = unsafe { bindings::make_kgid(current_user_ns(), gid) };
        (k.val != u32::MAX).then_some(Kgid(k.val))
    }

    /// Whether the current task has this group (effective or supplementary).
    pub fn in_current_groups(self) -> bool {
        // SAFETY: Reads the current task's credentials.
        unsafe { bindings::in_egroup_p(bindings::kgid_t { val: self.0 }) != 0 }
    }

    /// The raw value (for storage in an atomic).
    pub fn as_raw(self) -> u32 {
        self.0
    }

    /// The gid as the current task sees it (`from_kgid_munged`).
    pub fn to_user(self) -> u32 {
        // SAFETY: `current_user_ns()` is valid.
        unsafe { bindings::from_kgid_munged(current_user_ns(), bindings::kgid_t { val: self.0 }) }
    }

    /// From a value produced by [`Kgid::as_raw`].
    pub fn from_raw(v: u32) -> Option<Kgid> {
        (v != u32::MAX).then_some(Kgid(v))
    }
}
