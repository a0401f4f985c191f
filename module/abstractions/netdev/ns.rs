// SPDX-License-Identifier: GPL-2.0

//! Network namespaces (`struct net`).
//!
//! C header: [`include/net/net_namespace.h`](srctree/include/net/net_namespace.h)

use super::{device::Device, rtnl::Rtnl};
use core::ptr::NonNull;
use kernel::{
    bindings,
    prelude::*,
    sync::aref::{ARef, AlwaysRefCounted},
    task::CurrentTask,
    types::Opaque,
};

/// A network namespace (`struct net`).
///
/// # Invariants
///
/// A `&Net` points to a live namespace for the lifetime of the reference:
/// either a reference count is held ([`ARef<Net>`]) or the namespace is
/// pinned by what the reference was borrowed from (a device in it, a request
/// from it, the current task).
#[repr(transparent)]
pub struct Net(Opaque<bindings::net>);

// SAFETY: The methods of `Net` only read fields that do not change while the
// namespace lives, or call functions that do their own locking.
unsafe impl Sync for Net {}
// SAFETY: A namespace is not tied to a thread: `put_net` may run anywhere.
unsafe impl Send for Net {}

// SAFETY: `get_net`/`put_net` maintain the namespace's reference count; the
// namespace is freed only when it drops to zero.
unsafe impl AlwaysRefCounted for Net {
    fn inc_ref(&self) {
        // SAFETY: The namespace is live (type invariant).
        unsafe { bindings::get_net(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference (`AlwaysRefCounted` contract).
        unsafe { bindings::put_net(obj.as_ptr().cast()) }
    }
}

impl Net {
    /// # Safety
    ///
    /// `ptr` must point to a namespace that stays live for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::net) -> &'a Net {
        // SAFETY: `Net` is transparent over `net`; the caller guarantees
        // that it stays live for `'a`.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// The network namespace of the current task (`current->nsproxy->net_ns`).
    ///
    /// Borrowed from `task`: only the task itself changes its namespaces
    /// (`setns`, `unshare`, exit), never while it runs kernel code that holds
    /// a `&CurrentTask`, which cannot leave the task's context.
    pub fn current(task: &CurrentTask) -> &Net {
        // SAFETY: `task` is the running task; while it runs in the kernel
        // its `nsproxy` is set and pins its namespaces (see above).
        unsafe { Net::from_raw((*(*task.as_ptr()).nsproxy).net_ns) }
    }

    /// Whether the current task has `CAP_NET_ADMIN` in the user namespace
    /// that owns this netns (`ns_capable(net->user_ns, CAP_NET_ADMIN)`).
    pub fn net_admin_capable(&self) -> bool {
        // SAFETY: The netns is live (type invariant); `user_ns` is set at
        // creation and never changes; `ns_capable` checks `current`.
        // CAST: `CAP_NET_ADMIN` is 12.
        unsafe { bindings::ns_capable((*self.as_raw()).user_ns, bindings::CAP_NET_ADMIN as c_int) }
    }

    /// Opens a file for this namespace in the current task's file table,
    /// as `ip netns` files are (`open_related_ns`, what tun's
    /// `TUNGETDEVNETNS` and `SIOCGSKNS` return): the new descriptor.
    pub fn open_ns_fd(&self) -> Result<i32> {
        // SAFETY: The netns is live (type invariant), so is its `ns` member;
        // `get_net_ns` is the function nsfs needs to take a reference on it.
        let fd = unsafe {
            bindings::open_related_ns(&raw mut (*self.as_raw()).ns, Some(bindings::get_net_ns))
        };
        if fd < 0 {
            return Err(Error::from_errno(fd));
        }
        Ok(fd)
    }

    /// Looks up a device by name (`__dev_get_by_name`). The device may be of
    /// any kind: only [`Device`]'s methods apply.
    pub fn device_by_name<'a>(&'a self, name: &CStr, _rtnl: &'a Rtnl) -> Option<&'a Device> {
        // SAFETY: The netns is live; RTNL, held for `'a`, keeps the name
        // table stable and a found device registered.
        let d = unsafe { bindings::__dev_get_by_name(self.as_raw(), name.as_char_ptr()) };
        // SAFETY: Non-null: a registered device, allocated while RTNL is held.
        NonNull::new(d).map(|d| unsafe { Device::from_raw(d.as_ptr()) })
    }

    /// Looks up a device by interface index (`__dev_get_by_index`).
    pub fn device_by_index<'a>(&'a self, ifindex: u32, _rtnl: &'a Rtnl) -> Option<&'a Device> {
        let ifindex = c_int::try_from(ifindex).ok()?;
        // SAFETY: As in `device_by_name`.
        let d = unsafe { bindings::__dev_get_by_index(self.as_raw(), ifindex) };
        // SAFETY: As in `device_by_name`.
        NonNull::new(d).map(|d| unsafe { Device::from_raw(d.as_ptr()) })
    }

    /// The namespace of a netns file descriptor (`get_net_ns_by_fd`).
    pub fn from_fd(fd: u32) -> Result<ARef<Net>> {
        let fd = c_int::try_from(fd).map_err(|_| EBADF)?;
        // SAFETY: Plain integer argument; returns a counted reference or an
        // error pointer.
        let p = kernel::error::from_err_ptr(unsafe { bindings::get_net_ns_by_fd(fd) })?;
        let p = NonNull::new(p.cast::<Net>()).ok_or(EINVAL)?;
        // SAFETY: `get_net_ns_by_fd` returned a reference that we now own.
        Ok(unsafe { ARef::from_raw(p) })
    }

    /// A counted reference to this namespace (`get_net`).
    pub fn get_ref(&self) -> ARef<Net> {
        ARef::from(self)
    }
}

impl PartialEq for Net {
    fn eq(&self, other: &Net) -> bool {
        core::ptr::eq(self.as_raw(), other.as_raw())
    }
}
