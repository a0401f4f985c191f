// SPDX-License-Identifier: GPL-2.0

//! Making links: the parameters of a new link ([`NewLink`], a peer
//! description [`PeerInfo`]), devices made by the driver itself
//! ([`NewDevice`]), registration ([`Registered`]) and deletion
//! ([`UnregisterQueue`]).

use super::{
    device::{Dev, Device, IFLA_MAX},
    driver::{destroy_once, Driver, PrivArea},
    ns::Net,
    rtnl::Rtnl,
    setup::Setup,
};
use crate::abstractions::netlink::{maxtype, Attrs, ExtAck};
use core::{
    marker::PhantomData,
    mem::{offset_of, size_of, ManuallyDrop},
    ptr::{null_mut, NonNull},
};
use kernel::{bindings, error::to_result, prelude::*};

/// An attribute table for `IFLA_*` link attributes.
// CAST: `IFLA_MAX` is a small `u32`.
type LinkTable = KBox<[*mut bindings::nlattr; IFLA_MAX as usize + 1]>;

/// Allocates (does not register) a device of `T`'s link type `ops` in `net`
/// (`rtnl_create_link`), configured from the attribute table `tb`.
///
/// # Safety
///
/// `ops` must be `T`'s registered link ops; `tb` must have `IFLA_MAX + 1`
/// entries, each null or a validated attribute; `ext` null or valid; RTNL
/// must be held.
unsafe fn create<T: Driver>(
    net: &Net,
    name: &CStr,
    user_named: bool,
    ops: *const bindings::rtnl_link_ops,
    tb: *mut *mut bindings::nlattr,
    ext: *mut bindings::netlink_ext_ack,
) -> Result<NewDevice<T>> {
    let assign = if user_named {
        bindings::NET_NAME_USER
    } else {
        bindings::NET_NAME_ENUM
    };
    // SAFETY: The caller guarantees the pointers; `net` and `name` are valid.
    let dev = unsafe {
        // CAST: the `NET_NAME_*` values fit in `u8`.
        bindings::rtnl_create_link(net.as_raw(), name.as_char_ptr(), assign as u8, ops, tb, ext)
    };
    let dev = kernel::error::from_err_ptr(dev)?;
    // INVARIANT: A fresh, unregistered device of `T` that we own.
    Ok(NewDevice {
        dev: NonNull::new(dev).ok_or(ENOMEM)?,
        _p: PhantomData,
    })
}

/// A `u32` netlink attribute (`struct nlattr` and its payload), as
/// `nla_get_u32` reads it.
#[repr(C, align(4))]
struct U32Attr {
    len: u16,
    ty: u16,
    value: u32,
}

/// An empty `IFLA_*` table.
fn empty_table() -> Result<LinkTable> {
    // CAST: as for `LinkTable`.
    Ok(KBox::new([null_mut(); IFLA_MAX as usize + 1], GFP_KERNEL)?)
}

impl<T: Driver> super::LinkOps<T> {
    /// Allocates a device of this kind in `net`, named `name` (a `%d`
    /// template or a name), outside rtnetlink (for example from a character
    /// device, as tun does). Not registered yet.
    /// `ENODEV` when the link type is not registered (any more).
    pub fn create_device(
        &self,
        net: &Net,
        name: &CStr,
        user_named: bool,
        rtnl: &Rtnl,
    ) -> Result<NewDevice<T>> {
        self.create_device_mq(net, name, user_named, 1, rtnl)
    }

    /// Like [`Self::create_device`], with `queues` transmit and receive
    /// queues allocated (1 to 4096, else `EINVAL` as rtnetlink says), of
    /// which one is in use until [`Dev::set_real_num_queues`] says more.
    pub fn create_device_mq(
        &self,
        net: &Net,
        name: &CStr,
        user_named: bool,
        queues: u32,
        _rtnl: &Rtnl,
    ) -> Result<NewDevice<T>> {
        if !self.is_registered() {
            return Err(ENODEV);
        }
        let mut tb = empty_table()?;
        // `rtnl_create_link` takes the queue counts from the table, as from
        // a request's IFLA_NUM_TX_QUEUES/IFLA_NUM_RX_QUEUES.
        let count = KBox::new(
            U32Attr {
                // CAST: 8 bytes.
                len: size_of::<U32Attr>() as u16,
                // Read by index in the table, not by type.
                ty: 0,
                value: queues,
            },
            GFP_KERNEL,
        )?;
        let attr = (&raw const *count).cast_mut().cast::<bindings::nlattr>();
        // CAST: small attribute types, in the table's range.
        tb[bindings::IFLA_NUM_TX_QUEUES as usize] = attr;
        tb[bindings::IFLA_NUM_RX_QUEUES as usize] = attr;
        // SAFETY: `self` is registered (checked under RTNL, which its
        // unregistration needs too, so a device made now is deleted with the
        // others); `tb` holds only the two queue counts, whole `u32`
        // attributes that `count` keeps alive for the call; RTNL is held; a
        // null extack is allowed.
        unsafe {
            create(
                net,
                name,
                user_named,
                self.as_raw(),
                tb.as_ptr().cast_mut().cast(),
                null_mut(),
            )
        }
    }
}

/// Registers `dev` (`register_netdevice`); on failure runs `T::destroy` if
/// neither the core has nor will, so that `free_netdev` may follow.
///
/// # Safety
///
/// `dev` is an allocated, unregistered device of `T` that the caller owns
/// (or is the device of the current `newlink`); RTNL is held.
unsafe fn register<T: Driver>(dev: *mut bindings::net_device) -> Result {
    // SAFETY: The caller guarantees the device and RTNL.
    let ret = unsafe { bindings::register_netdevice(dev) };
    if ret < 0 {
        // `register_netdevice` ran `priv_destructor` already on some error
        // paths (`err_uninit`), and queues it for the others that got as far
        // as `NETDEV_REGISTER` (the device is then unregistering). Early
        // failures leave the private data to us.
        // SAFETY: The device is allocated.
        let st = u32::from(unsafe { (*dev).reg_state });
        if st == bindings::netdev_reg_state_NETREG_UNINITIALIZED {
            // SAFETY: A failed, never visible device: no other user.
            unsafe { destroy_once::<T>(dev) };
        }
        return Err(Error::from_errno(ret));
    }
    Ok(())
}

/// The parameters of a new link made by rtnetlink (`struct
/// rtnl_newlink_params`), for [`Driver::newlink`].
///
/// # Invariants
///
/// `p` is valid for `'a`; `dev` is the request's device, of `T`.
pub struct NewLink<'a, T: Driver> {
    dev: *mut bindings::net_device,
    p: *mut bindings::rtnl_newlink_params,
    _p: PhantomData<(&'a bindings::rtnl_newlink_params, T)>,
}

impl<'a, T: Driver> NewLink<'a, T> {
    /// # Safety
    ///
    /// As the type invariant.
    pub(super) unsafe fn from_raw(
        dev: *mut bindings::net_device,
        p: *mut bindings::rtnl_newlink_params,
    ) -> Self {
        // INVARIANT: The caller guarantees it.
        NewLink {
            dev,
            p,
            _p: PhantomData,
        }
    }

    /// The link attributes (`IFLA_*`) of the request.
    pub fn tb(&self) -> Attrs<'a> {
        // SAFETY: `tb` has `IFLA_MAX + 1` entries, validated by the core.
        unsafe { Attrs::from_raw((*self.p).tb, IFLA_MAX) }
    }

    /// The driver's own attributes (`IFLA_INFO_DATA`), parsed with `T::POLICY`.
    pub fn data(&self) -> Attrs<'a> {
        // SAFETY: `data` is null or has `maxtype + 1` entries, validated by
        // the core against `T::POLICY`.
        unsafe { Attrs::from_raw((*self.p).data, maxtype(T::POLICY)) }
    }

    /// The netns the peer goes to (`rtnl_newlink_peer_net`): the one named in
    /// the peer's attributes, else the link netns, else the caller's.
    pub fn peer_net(&self) -> &'a Net {
        // SAFETY: The params are valid for `'a`; `src_net` is always set and
        // the core holds references on all three namespaces for the call.
        unsafe {
            let p = &*self.p;
            let net = if !p.peer_net.is_null() {
                p.peer_net
            } else if !p.link_net.is_null() {
                p.link_net
            } else {
                p.src_net
            };
            Net::from_raw(net)
        }
    }

    /// Parses a peer description (an `ifinfomsg` followed by `IFLA_*`
    /// attributes, as veth's `VETH_INFO_PEER`) found in attribute `ty` of
    /// the driver's data. `Ok(None)` when there is none.
    pub fn parse_peer(&self, ty: u32, ext: &mut ExtAck<'_>) -> Result<Option<PeerInfo<'a>>> {
        let Some(attr) = self.data().get(ty) else {
            return Ok(None);
        };
        let data = attr.data();
        if data.len() < size_of::<bindings::ifinfomsg>() {
            ext.msg_attr(c"peer description shorter than struct ifinfomsg", attr);
            return Err(EINVAL);
        }
        let mut tb = empty_table()?;
        // SAFETY: `attr` is a validated attribute of at least
        // `sizeof(ifinfomsg)` bytes (checked above); `tb` has `IFLA_MAX + 1`
        // slots; `ext` is null or valid.
        to_result(unsafe {
            bindings::rtnl_nla_parse_ifinfomsg(tb.as_mut_ptr(), attr.as_raw(), ext.as_raw())
        })?;
        let at = offset_of!(bindings::ifinfomsg, ifi_index);
        let ifindex = i32::from_ne_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
        // INVARIANT: The table was filled from the attribute, which lives
        // in the request for `'a`.
        Ok(Some(PeerInfo {
            tb,
            ifm: attr.as_raw(),
            ifindex,
            _p: PhantomData,
        }))
    }

    /// Creates (allocates, does not register) a device of this link type in
    /// `net`, named `name` (a `%d` template or a name), configured from the
    /// peer's attributes, or the request's without a peer.
    pub fn create_link(
        &self,
        net: &Net,
        name: &CStr,
        user_named: bool,
        peer: Option<&PeerInfo<'a>>,
        ext: &mut ExtAck<'_>,
        _rtnl: &Rtnl,
    ) -> Result<NewDevice<T>> {
        let tb = match peer {
            Some(p) => p.tb.as_ptr().cast_mut(),
            // SAFETY: The params are valid for `'a`.
            None => unsafe { (*self.p).tb },
        };
        // SAFETY: The request's device has `T`'s registered link ops (that
        // is how the core chose this driver); `tb` is a parsed table of
        // `IFLA_MAX + 1` entries; RTNL is held.
        unsafe {
            create(
                net,
                name,
                user_named,
                (*self.dev).rtnl_link_ops,
                tb.cast(),
                ext.as_raw(),
            )
        }
    }

    /// Changes the set-up of the request's device before it is registered.
    /// `EBUSY` once it is registered.
    pub fn setup(&self, f: impl FnOnce(&mut Setup<'_>)) -> Result {
        // SAFETY: The request's device is allocated for the call.
        if u32::from(unsafe { (*self.dev).reg_state })
            != bindings::netdev_reg_state_NETREG_UNINITIALIZED
        {
            return Err(EBUSY);
        }
        // SAFETY: Unregistered and, during `newlink` (under RTNL), seen by
        // no one else.
        let mut s = unsafe { Setup::from_raw(self.dev) };
        f(&mut s);
        Ok(())
    }

    /// Registers the request's device `dev`. On failure the core frees it
    /// once `newlink` returns.
    pub fn register_self<'r>(&self, dev: &'r Dev<T>, rtnl: &'r Rtnl) -> Result<Registered<'r, T>> {
        if dev.as_raw() != self.dev
            || dev.reg_state() != bindings::netdev_reg_state_NETREG_UNINITIALIZED
        {
            return Err(EINVAL);
        }
        // SAFETY: `dev` is the request's unregistered device; RTNL is held.
        unsafe { register::<T>(dev.as_raw())? };
        let _ = rtnl;
        Ok(Registered { dev, armed: true })
    }
}

/// A peer description parsed from a request (see [`NewLink::parse_peer`]).
///
/// # Invariants
///
/// `tb` was filled from the attribute `ifm`, which holds an `ifinfomsg`
/// and lives in the request for `'a`.
pub struct PeerInfo<'a> {
    tb: LinkTable,
    ifm: *const bindings::nlattr,
    ifindex: i32,
    _p: PhantomData<&'a bindings::nlattr>,
}

impl PeerInfo<'_> {
    /// The peer's link attributes.
    pub fn tb(&self) -> Attrs<'_> {
        // SAFETY: `tb` has `IFLA_MAX + 1` entries filled by the parser from
        // attributes that outlive `self` (type invariant).
        unsafe { Attrs::from_raw(self.tb.as_ptr(), IFLA_MAX) }
    }

    /// The interface index the request asks for (0: any).
    pub fn ifindex(&self) -> i32 {
        self.ifindex
    }
}

/// An allocated device that is not registered yet; freed on drop.
///
/// # Invariants
///
/// `dev` was allocated by `rtnl_create_link` for `T`, is unregistered and
/// owned by this object: nothing else sees it.
pub struct NewDevice<T: Driver> {
    dev: NonNull<bindings::net_device>,
    _p: PhantomData<T>,
}

impl<T: Driver> core::ops::Deref for NewDevice<T> {
    type Target = Dev<T>;
    fn deref(&self) -> &Dev<T> {
        // SAFETY: The device is allocated for `T` and owned (type invariant).
        unsafe { Dev::from_raw(self.dev.as_ptr()) }
    }
}

impl<T: Driver> NewDevice<T> {
    /// Changes the set-up of the (unregistered) device.
    pub fn setup(&mut self, f: impl FnOnce(&mut Setup<'_>)) {
        // SAFETY: We own the unregistered device (type invariant) and hold
        // it exclusively for the call.
        let mut s = unsafe { Setup::from_raw(self.dev.as_ptr()) };
        f(&mut s);
    }

    /// The driver's private data, exclusively: nothing else sees the device.
    pub fn private_mut(&mut self) -> &mut T::Private {
        // SAFETY: The private area of a device of `T` is a `PrivArea<T>`;
        // the device is ours alone (type invariant) and `&mut self` keeps
        // every shared borrow of it away for the returned lifetime.
        unsafe { &mut (*bindings::netdev_priv(self.dev.as_ptr()).cast::<PrivArea<T>>()).private }
    }

    /// Registers the device. On failure it is freed.
    pub fn register(self, rtnl: &Rtnl) -> Result<Registered<'_, T>> {
        let this = ManuallyDrop::new(self);
        let dev = this.dev.as_ptr();
        // SAFETY: We own the unregistered device; RTNL is held.
        if let Err(e) = unsafe { register::<T>(dev) } {
            // SAFETY: Still ours to free: never registered, or unregistering
            // (then `free_netdev` leaves the freeing to the core).
            unsafe { bindings::free_netdev(dev) };
            return Err(e);
        }
        // SAFETY: Registered: it lives at least until it is unregistered
        // and RTNL released, which cannot happen while `rtnl` is borrowed.
        let dev = unsafe { Dev::from_raw(dev) };
        let _ = rtnl;
        Ok(Registered { dev, armed: true })
    }
}

impl<T: Driver> Drop for NewDevice<T> {
    fn drop(&mut self) {
        let dev = self.dev.as_ptr();
        // SAFETY: We own the unregistered device (type invariant): no other
        // user; the core only runs `priv_destructor` for registered devices.
        unsafe {
            destroy_once::<T>(dev);
            bindings::free_netdev(dev);
        }
    }
}

/// A device registered while making a link, unregistered again on drop
/// unless [`Registered::keep`] says the link is complete.
///
/// # Invariants
///
/// `dev` was registered by this object's maker, under the RTNL that `'r`
/// borrows.
pub struct Registered<'r, T: Driver> {
    dev: &'r Dev<T>,
    armed: bool,
}

impl<'r, T: Driver> core::ops::Deref for Registered<'r, T> {
    type Target = Dev<T>;
    fn deref(&self) -> &Dev<T> {
        self.dev
    }
}

impl<'r, T: Driver> Registered<'r, T> {
    /// Applies the rest of the request to the device (`rtnl_configure_link`:
    /// flags such as up, with `peer`'s `ifinfomsg` when given).
    pub fn configure(&self, peer: Option<&PeerInfo<'_>>) -> Result {
        let ifm = match peer {
            // SAFETY: `ifm` is a validated attribute holding an `ifinfomsg`
            // (checked length), alive while `peer` is.
            Some(p) => unsafe { bindings::nla_data(p.ifm).cast::<bindings::ifinfomsg>() },
            None => null_mut(),
        };
        // SAFETY: The device is registered; RTNL is held for `'r`.
        to_result(unsafe { bindings::rtnl_configure_link(self.dev.as_raw(), ifm, 0, null_mut()) })
    }

    /// Keeps the device registered.
    pub fn keep(mut self) -> &'r Dev<T> {
        self.armed = false;
        self.dev
    }
}

impl<T: Driver> Drop for Registered<'_, T> {
    fn drop(&mut self) {
        if self.armed {
            // SAFETY: RTNL is held for `'r` (type invariant).
            let rtnl = unsafe { Rtnl::assume_held() };
            self.dev.unregister(&rtnl);
        }
    }
}

/// The list that `dellink` queues devices on; they are unregistered together.
///
/// # Invariants
///
/// `head` is the core's list for the current `dellink` (or null: each
/// device is unregistered at once), valid for `'a`.
pub struct UnregisterQueue<'a> {
    head: *mut bindings::list_head,
    _p: PhantomData<&'a mut bindings::list_head>,
}

impl UnregisterQueue<'_> {
    /// # Safety
    ///
    /// As the type invariant.
    pub(super) unsafe fn from_raw(head: *mut bindings::list_head) -> Self {
        // INVARIANT: The caller guarantees it.
        UnregisterQueue {
            head,
            _p: PhantomData,
        }
    }

    /// Queues `dev` for unregistration (`unregister_netdevice_queue`). A
    /// device that is not registered (or already going) is left alone.
    pub fn add<U: Driver>(&mut self, dev: &Dev<U>, rtnl: &Rtnl) {
        let d: &Device = dev;
        if d.is_registered(rtnl) {
            // SAFETY: `dev` is registered; `head` is the core's list (type
            // invariant); RTNL is held.
            unsafe { bindings::unregister_netdevice_queue(d.as_raw(), self.head) }
        }
    }
}
