// SPDX-License-Identifier: GPL-2.0

//! Network devices (`struct net_device`) and rtnetlink link types
//! (`struct rtnl_link_ops`).
//!
//! A driver implements [`Driver`] (link type, device ops and ethtool ops in
//! one `#[vtable]` trait) and registers it with [`LinkRegistration`]. The
//! core then creates devices of that kind (`ip link add ... type KIND`) and
//! calls the driver through the `Adapter` trampolines below.
//!
//! C headers: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h),
//! [`include/net/rtnetlink.h`](srctree/include/net/rtnetlink.h)

use super::netlink::{Attrs, ExtAck, Policy};
use super::skb::SkBuff;
use core::{
    marker::PhantomData,
    ptr::{null_mut, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    bindings,
    error::{from_result, to_result},
    prelude::*,
    sync::rcu,
    types::Opaque,
};

/// `IFLA_MAX`: the highest link attribute type.
pub const IFLA_MAX: u32 = bindings::__IFLA_MAX - 1;
/// Link attribute: the device name.
pub const IFLA_IFNAME: u32 = bindings::IFLA_IFNAME;
/// Link attribute: the hardware address.
pub const IFLA_ADDRESS: u32 = bindings::IFLA_ADDRESS;
/// Link attribute: the MTU.
pub const IFLA_MTU: u32 = bindings::IFLA_MTU;
/// Size of `struct ifinfomsg`, which starts a peer description.
pub const IFINFOMSG_LEN: u16 = core::mem::size_of::<bindings::ifinfomsg>() as u16;
/// Size of `struct ifreq`, the argument of a device's ioctls (`SIOC*`,
/// tun's `TUNSETIFF`).
pub const IFREQ_LEN: usize = core::mem::size_of::<bindings::ifreq>();
/// Size of `struct compat_ifreq`, a 32-bit caller's `struct ifreq`: shorter
/// (its union holds 32-bit pointers and `compat_ifmap`), the same offsets
/// for the name and the flags.
#[cfg(CONFIG_COMPAT)]
pub const COMPAT_IFREQ_LEN: usize = core::mem::size_of::<bindings::compat_ifreq>();
// The name and the union (whose `ifru_flags` tun uses) start at the same
// offsets on both: a driver reads either through the same code.
#[cfg(CONFIG_COMPAT)]
const _: () = assert!(
    core::mem::offset_of!(bindings::compat_ifreq, ifr_ifru) == core::mem::offset_of!(bindings::ifreq, ifr_ifru)
);
/// Smallest MTU of an Ethernet device.
pub const ETH_MIN_MTU: u32 = bindings::ETH_MIN_MTU;
/// Largest MTU of an Ethernet device.
pub const ETH_MAX_MTU: u32 = bindings::ETH_MAX_MTU;
/// Length of an Ethernet header.
pub const ETH_HLEN: u32 = bindings::ETH_HLEN;
/// Length of an Ethernet address.
pub const ETH_ALEN: usize = bindings::ETH_ALEN as usize;

/// Whether `addr` is a valid unicast Ethernet address (not zero, not multicast).
pub fn is_valid_ether_addr(addr: &[u8]) -> bool {
    if addr.len() != ETH_ALEN {
        return false;
    }
    // SAFETY: `addr` has `ETH_ALEN` readable bytes.
    unsafe { bindings::is_valid_ether_addr(addr.as_ptr()) }
}

/// Proof that the RTNL lock is held.
///
/// Handed to driver callbacks that the core calls under RTNL, or obtained
/// with [`Rtnl::lock`].
pub struct Rtnl(PhantomData<*mut ()>);

impl Rtnl {
    /// # Safety
    ///
    /// The RTNL lock must be held for as long as the returned token lives.
    unsafe fn assume_held() -> Self {
        Rtnl(PhantomData)
    }

    /// Takes the RTNL lock (`rtnl_lock`), released when the guard drops.
    pub fn lock() -> RtnlGuard {
        // SAFETY: Called from process context; RTNL is a mutex.
        unsafe { bindings::rtnl_lock() };
        // SAFETY: We just took the lock; the guard releases it.
        RtnlGuard(unsafe { Rtnl::assume_held() })
    }
}

/// Holds the RTNL lock; releases it on drop.
pub struct RtnlGuard(Rtnl);

impl core::ops::Deref for RtnlGuard {
    type Target = Rtnl;
    fn deref(&self) -> &Rtnl {
        &self.0
    }
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: The guard was created by taking the lock.
        unsafe { bindings::rtnl_unlock() };
    }
}

/// Proof that the code runs in a device's transmit path, with bottom halves
/// disabled and inside an RCU read-side critical section (`ndo_start_xmit`).
pub struct XmitCtx(PhantomData<*mut ()>);

/// A network namespace (`struct net`).
#[repr(transparent)]
pub struct Net(Opaque<bindings::net>);

impl Net {
    /// # Safety
    ///
    /// `ptr` must be valid for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::net) -> &'a Net {
        // SAFETY: `Net` is transparent over `net`; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }
}

impl Net {
    /// The network namespace of the current task.
    pub fn current() -> &'static Net {
        // SAFETY: `current` is valid, and so are its nsproxy and netns
        // while the task runs (callers use it within the syscall).
        unsafe { Net::from_raw((*(*bindings::get_current()).nsproxy).net_ns) }
    }

    /// Whether the current task has `CAP_NET_ADMIN` in the user namespace
    /// that owns this netns (`ns_capable(net->user_ns, CAP_NET_ADMIN)`).
    pub fn net_admin_capable(&self) -> bool {
        // SAFETY: The netns is valid; `ns_capable` checks `current`.
        unsafe { bindings::ns_capable((*self.as_raw()).user_ns, bindings::CAP_NET_ADMIN as c_int) }
    }

    /// Looks up a device by name (`__dev_get_by_name`), under RTNL.
    pub fn device_by_name<'a>(&'a self, name: &CStr, _rtnl: &'a Rtnl) -> Option<&'a Device> {
        // SAFETY: The netns is valid; RTNL keeps the device registered for `'a`.
        let d = unsafe { bindings::__dev_get_by_name(self.as_raw(), name.as_ptr().cast()) };
        // SAFETY: Non-null: a registered device, valid while RTNL is held.
        NonNull::new(d).map(|d| unsafe { &*d.as_ptr().cast::<Device>() })
    }
}

impl Net {
    /// The namespace of a netns file descriptor (`get_net_ns_by_fd`).
    pub fn from_fd(fd: u32) -> Result<NetRef> {
        // SAFETY: Plain integer argument; returns a counted reference.
        let p = kernel::error::from_err_ptr(unsafe { bindings::get_net_ns_by_fd(fd as c_int) })?;
        Ok(NetRef(NonNull::new(p).ok_or(EINVAL)?))
    }

    /// Takes a reference on the namespace (`get_net`).
    pub fn get_ref(&self) -> NetRef {
        // SAFETY: The netns is valid; the reference is dropped in `NetRef`.
        unsafe { bindings::get_net(self.as_raw()) };
        NetRef(NonNull::new(self.as_raw()).expect("valid netns"))
    }
}

/// A counted reference to a network namespace; `put_net` on drop.
///
/// # Invariants
///
/// Holds one `get_net` reference.
pub struct NetRef(NonNull<bindings::net>);

// SAFETY: A netns reference may be dropped on any thread.
unsafe impl Send for NetRef {}
// SAFETY: `&NetRef` only gives `&Net`.
unsafe impl Sync for NetRef {}

impl core::ops::Deref for NetRef {
    type Target = Net;
    fn deref(&self) -> &Net {
        // SAFETY: The reference keeps the netns alive.
        unsafe { Net::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for NetRef {
    fn drop(&mut self) {
        // SAFETY: We hold one reference (type invariant).
        unsafe { bindings::put_net(self.0.as_ptr()) }
    }
}

impl PartialEq for Net {
    fn eq(&self, other: &Net) -> bool {
        core::ptr::eq(self.as_raw(), other.as_raw())
    }
}

/// Any network device.
///
/// # Invariants
///
/// Wraps a valid, allocated `net_device`.
#[repr(transparent)]
pub struct Device(Opaque<bindings::net_device>);

// SAFETY: `net_device` is used from any thread; the methods below only touch
// fields with the kernel's own locking or atomic accessors.
unsafe impl Sync for Device {}
// SAFETY: See above.
unsafe impl Send for Device {}

impl Device {
    pub(crate) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The interface index (0 before registration).
    pub fn ifindex(&self) -> i32 {
        // SAFETY: Valid device (type invariant); `ifindex` is an int read once.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).ifindex) }
    }

    /// The interface name.
    pub fn name(&self) -> &CStr {
        // SAFETY: Valid device; `name` is always NUL-terminated within IFNAMSIZ.
        unsafe { CStr::from_ptr((*self.as_raw()).name.as_ptr().cast()) }
    }

    /// Whether the device is administratively up (`IFF_UP`).
    pub fn is_up(&self) -> bool {
        // SAFETY: Valid device; `flags` is a plain word.
        let flags = unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).flags) };
        flags & bindings::net_device_flags_IFF_UP != 0
    }

    /// The current MTU.
    pub fn mtu(&self) -> u32 {
        // SAFETY: Valid device; `mtu` is a plain word.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).mtu) }
    }

    /// The transmit queue length (`ip link set ... txqueuelen`).
    pub fn tx_queue_len(&self) -> u32 {
        // SAFETY: Valid device; a plain word.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).tx_queue_len) }
    }

    /// Whether the carrier is on.
    pub fn carrier_ok(&self) -> bool {
        // SAFETY: Valid device.
        unsafe { bindings::netif_carrier_ok(self.as_raw()) }
    }

    /// Turns the carrier on (link up, `NO-CARRIER` gone).
    pub fn carrier_on(&self) {
        // SAFETY: Valid device; callable from any context.
        unsafe { bindings::netif_carrier_on(self.as_raw()) }
    }

    /// Turns the carrier off.
    pub fn carrier_off(&self) {
        // SAFETY: Valid device; callable from any context.
        unsafe { bindings::netif_carrier_off(self.as_raw()) }
    }

    /// The network namespace the device lives in.
    pub fn net(&self) -> &Net {
        // SAFETY: Valid device; its netns outlives it (a device is moved or
        // unregistered before its netns goes away).
        unsafe { Net::from_raw(bindings::dev_net(self.as_raw())) }
    }

    /// Counts a transmitted packet of `len` bytes (per-CPU, lockless).
    pub fn stats_tx_add(&self, len: u32) {
        // SAFETY: Valid registered device with per-CPU dstats (set in setup).
        unsafe { bindings::dev_dstats_tx_add(self.as_raw(), len) }
    }

    /// Counts a received packet of `len` bytes (per-CPU, lockless).
    pub fn stats_rx_add(&self, len: u32) {
        // SAFETY: As in `stats_tx_add`.
        unsafe { bindings::dev_dstats_rx_add(self.as_raw(), len) }
    }

    /// Counts a packet dropped on transmit.
    pub fn stats_tx_dropped(&self) {
        // SAFETY: As in `stats_tx_add`.
        unsafe { bindings::dev_dstats_tx_dropped(self.as_raw()) }
    }

    /// Counts a packet dropped on receive.
    pub fn stats_rx_dropped(&self) {
        // SAFETY: As in `stats_tx_add`.
        unsafe { bindings::dev_dstats_rx_dropped(self.as_raw()) }
    }

    /// The counters `ip -s link` shows (`dev_get_stats`).
    pub fn stats(&self) -> Stats {
        let mut st: bindings::rtnl_link_stats64 = pin_init::zeroed();
        // SAFETY: Valid device; `st` is writable.
        unsafe { bindings::dev_get_stats(self.as_raw(), &mut st) };
        Stats {
            rx_packets: st.rx_packets,
            rx_bytes: st.rx_bytes,
            tx_packets: st.tx_packets,
            tx_bytes: st.tx_bytes,
            rx_dropped: st.rx_dropped,
            tx_dropped: st.tx_dropped,
        }
    }

    /// The id `from` gives this device's netns, when they differ; assigns
    /// one if there is none yet, as rtnetlink does for `IFLA_LINK_NETNSID`
    /// (`peernet2id_alloc`). May sleep.
    pub fn netnsid_in(&self, from: &Net, _rtnl: &Rtnl) -> Option<i32> {
        if self.net() == from {
            return None;
        }
        // SAFETY: Both namespaces are valid; the caller can sleep (it holds
        // RTNL, a mutex), so GFP_KERNEL is allowed.
        let id = unsafe { bindings::peernet2id_alloc(from.as_raw(), self.net().as_raw(), bindings::GFP_KERNEL) };
        (id >= 0).then_some(id)
    }

    /// Checks that the device's Ethernet address is a valid unicast one
    /// (`eth_validate_addr`).
    pub fn eth_validate_addr(&self) -> Result {
        // SAFETY: Valid device.
        to_result(unsafe { bindings::eth_validate_addr(self.as_raw()) })
    }

    /// Turns GRO off and keeps it off unless asked for (as veth does by
    /// default: without NAPI there is nothing to aggregate).
    pub fn disable_gro(&self, _rtnl: &Rtnl) {
        let gro: u64 = 1 << bindings::NETIF_F_GRO_BIT;
        // SAFETY: Valid device; features are changed under RTNL (token).
        unsafe {
            (*self.as_raw()).features &= !gro;
            (*self.as_raw()).wanted_features &= !gro;
            bindings::netdev_update_features(self.as_raw());
        }
    }
}

/// Device counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    #[allow(missing_docs)]
    pub rx_packets: u64,
    #[allow(missing_docs)]
    pub rx_bytes: u64,
    #[allow(missing_docs)]
    pub tx_packets: u64,
    #[allow(missing_docs)]
    pub tx_bytes: u64,
    #[allow(missing_docs)]
    pub rx_dropped: u64,
    #[allow(missing_docs)]
    pub tx_dropped: u64,
}

/// A device of driver `T`: gives access to `T`'s private data.
///
/// # Invariants
///
/// The device was created for `T`'s link type, so its private area holds a
/// `T::Private`.
#[repr(transparent)]
pub struct Dev<T: Driver>(Device, PhantomData<T>);

impl<T: Driver> core::ops::Deref for Dev<T> {
    type Target = Device;
    fn deref(&self) -> &Device {
        &self.0
    }
}

impl<T: Driver> Dev<T> {
    /// # Safety
    ///
    /// `ptr` must be a valid device of `T`'s link type for `'a`.
    unsafe fn from_raw<'a>(ptr: *const bindings::net_device) -> &'a Self {
        // SAFETY: `Dev<T>` is transparent over `Device` and `net_device`.
        unsafe { &*ptr.cast() }
    }

    /// Unregisters the device (it is freed once the last reference goes).
    pub fn unregister(&self, _rtnl: &Rtnl) {
        // SAFETY: The device is registered; RTNL is held.
        unsafe { bindings::unregister_netdevice(self.as_raw()) }
    }

    /// The driver's private data of this device.
    pub fn private(&self) -> &T::Private {
        // SAFETY: By the type invariant the private area holds a `T::Private`
        // (zero-initialised by the allocator, which is valid: `Zeroable`).
        unsafe { &*bindings::netdev_priv(self.as_raw()).cast::<T::Private>() }
    }
}

/// A reference-counted pointer from one device to another of the same
/// driver (veth's `priv->peer`): set and cleared under RTNL, read under RCU.
///
/// While set, it holds a reference on the device (`dev_hold`).
pub struct PeerLink<T: Driver> {
    ptr: AtomicPtr<bindings::net_device>,
    _p: PhantomData<T>,
}

// SAFETY: An all-zero `PeerLink` is a null pointer: no peer.
unsafe impl<T: Driver> Zeroable for PeerLink<T> {}

impl<T: Driver> PeerLink<T> {
    /// Points at `peer`, taking a reference on it.
    pub fn set(&self, peer: &Dev<T>, _rtnl: &Rtnl) {
        // SAFETY: `peer` is a valid device; the reference is dropped in `take`.
        unsafe { bindings::dev_hold(peer.as_raw()) };
        let old = self.ptr.swap(peer.as_raw(), Ordering::Release);
        if !old.is_null() {
            // SAFETY: `old` carried the reference taken when it was set.
            unsafe { bindings::dev_put(old) };
        }
    }

    /// The peer, under RTNL: it cannot be released while RTNL is held.
    pub fn get<'a>(&self, _rtnl: &'a Rtnl) -> Option<&'a Dev<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: Non-null means set and holding a reference; it is only
        // cleared under RTNL, which the caller holds for `'a`.
        NonNull::new(p).map(|p| unsafe { Dev::from_raw(p.as_ptr()) })
    }

    /// The peer, inside an RCU read-side critical section.
    pub fn get_rcu<'a>(&self, _guard: &'a rcu::Guard) -> Option<&'a Dev<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: A device is unregistered (which waits for an RCU grace
        // period) only after its pointer was cleared, so a pointer seen
        // inside a read-side section stays valid until the section ends.
        NonNull::new(p).map(|p| unsafe { Dev::from_raw(p.as_ptr()) })
    }

    /// The peer in the transmit path (BH off, RCU held by the core).
    pub fn get_xmit<'a>(&self, _ctx: &'a XmitCtx) -> Option<&'a Dev<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: As in `get_rcu`: `ndo_start_xmit` runs under
        // `rcu_read_lock_bh`, which `XmitCtx` proves.
        NonNull::new(p).map(|p| unsafe { Dev::from_raw(p.as_ptr()) })
    }

    /// Clears the link, returning the peer with the reference it held.
    pub fn take(&self, _rtnl: &Rtnl) -> Option<PeerRef<T>> {
        let p = self.ptr.swap(null_mut(), Ordering::AcqRel);
        NonNull::new(p).map(|ptr| PeerRef {
            ptr,
            _p: PhantomData,
        })
    }
}

/// An optional `Arc<U>` in a device's private data: zero means empty.
///
/// Set before the device is registered, read while it lives, taken in
/// [`Driver::destroy`].
pub struct ArcSlot<U: Send + Sync> {
    ptr: AtomicPtr<U>,
}

// SAFETY: All-zero is a null pointer: an empty slot.
unsafe impl<U: Send + Sync> Zeroable for ArcSlot<U> {}

impl<U: Send + Sync> ArcSlot<U> {
    /// Stores `v`, dropping what was there.
    pub fn set(&self, v: kernel::sync::Arc<U>) {
        let old = self.ptr.swap(kernel::sync::Arc::into_raw(v).cast_mut(), Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: `old` came from `Arc::into_raw` in an earlier `set`.
            drop(unsafe { kernel::sync::Arc::from_raw(old) });
        }
    }

    /// The stored value. It stays valid while the device does: only
    /// `take` in `destroy`, when no other user is left, removes it.
    pub fn get(&self) -> Option<&U> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: Non-null pointers come from `Arc::into_raw` and hold a
        // reference until `take`, which runs only when the device is freed.
        NonNull::new(p).map(|p| unsafe { &*p.as_ptr() })
    }

    /// Another reference to the stored value.
    pub fn get_arc(&self) -> Option<kernel::sync::Arc<U>> {
        let p = NonNull::new(self.ptr.load(Ordering::Acquire))?;
        // SAFETY: `p` came from `Arc::into_raw` and the slot's reference is
        // alive (see `get`); `ManuallyDrop` leaves that reference in place.
        let a = core::mem::ManuallyDrop::new(unsafe { kernel::sync::Arc::from_raw(p.as_ptr()) });
        Some(kernel::sync::Arc::clone(&a))
    }

    /// Removes the value.
    pub fn take(&self) -> Option<kernel::sync::Arc<U>> {
        let p = self.ptr.swap(null_mut(), Ordering::AcqRel);
        // SAFETY: `p` came from `Arc::into_raw` in `set`.
        NonNull::new(p).map(|p| unsafe { kernel::sync::Arc::from_raw(p.as_ptr()) })
    }
}

/// A pointer to a device that others (for example open files) use without
/// keeping the device registered: set and cleared under RTNL; readers get a
/// short-lived counted reference ([`DevSlot::hold`]) or read under RTNL.
///
/// Clearing waits for an RCU grace period (`synchronize_net`), so a reader
/// that saw the pointer has taken its reference before the device can go.
pub struct DevSlot<T: Driver> {
    ptr: AtomicPtr<bindings::net_device>,
    _p: PhantomData<T>,
}

// SAFETY: `DevSlot` is a pointer with atomic access.
unsafe impl<T: Driver> Send for DevSlot<T> {}
// SAFETY: See above.
unsafe impl<T: Driver> Sync for DevSlot<T> {}

impl<T: Driver> DevSlot<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        DevSlot {
            ptr: AtomicPtr::new(null_mut()),
            _p: PhantomData,
        }
    }

    /// Points at `dev` (registered).
    pub fn set(&self, dev: &Dev<T>, _rtnl: &Rtnl) {
        self.ptr.store(dev.as_raw(), Ordering::Release);
    }

    /// Empties the slot and waits until no reader can still use the old value.
    pub fn clear(&self, _rtnl: &Rtnl) {
        if !self.ptr.swap(null_mut(), Ordering::AcqRel).is_null() {
            // SAFETY: Plain RCU grace period wait; RTNL may be held.
            unsafe { bindings::synchronize_net() };
        }
    }

    /// The device, under RTNL (it cannot be cleared meanwhile).
    pub fn get<'a>(&self, _rtnl: &'a Rtnl) -> Option<&'a Dev<T>> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: Set only to registered devices and cleared under RTNL
        // before they are unregistered.
        NonNull::new(p).map(|p| unsafe { Dev::from_raw(p.as_ptr()) })
    }

    /// A counted reference to the device, if set.
    pub fn hold(&self) -> Option<PeerRef<T>> {
        let _guard = rcu::read_lock();
        let p = NonNull::new(self.ptr.load(Ordering::Acquire))?;
        // SAFETY: Inside the read-side section the device cannot be freed
        // (`clear` waits for a grace period first); take a reference.
        unsafe { bindings::dev_hold(p.as_ptr()) };
        Some(PeerRef {
            ptr: p,
            _p: PhantomData,
        })
    }
}

/// A counted reference to a device of `T`; `dev_put` on drop.
///
/// # Invariants
///
/// Holds one `dev_hold` reference on a device of `T`'s type.
pub struct PeerRef<T: Driver> {
    ptr: NonNull<bindings::net_device>,
    _p: PhantomData<T>,
}

impl<T: Driver> core::ops::Deref for PeerRef<T> {
    type Target = Dev<T>;
    fn deref(&self) -> &Dev<T> {
        // SAFETY: The reference keeps the device allocated (type invariant).
        unsafe { Dev::from_raw(self.ptr.as_ptr()) }
    }
}

impl<T: Driver> Drop for PeerRef<T> {
    fn drop(&mut self) {
        // SAFETY: We own one reference (type invariant).
        unsafe { bindings::dev_put(self.ptr.as_ptr()) }
    }
}

/// The list that `dellink` queues devices on; they are unregistered together.
pub struct UnregisterQueue<'a> {
    head: *mut bindings::list_head,
    _p: PhantomData<&'a mut bindings::list_head>,
}

impl UnregisterQueue<'_> {
    /// Queues `dev` for unregistration (`unregister_netdevice_queue`).
    pub fn add(&mut self, dev: &Device, _rtnl: &Rtnl) {
        // SAFETY: `dev` is registered; `head` is the core's list (or null,
        // which unregisters at once); RTNL is held.
        unsafe { bindings::unregister_netdevice_queue(dev.as_raw(), self.head) }
    }
}

/// The device being set up (`rtnl_link_ops::setup`), before registration.
pub struct Setup<'a> {
    dev: *mut bindings::net_device,
    _p: PhantomData<&'a mut bindings::net_device>,
}

/// Device feature bits (`netdev_features_t`).
pub mod features {
    use kernel::bindings;
    #[allow(missing_docs)]
    pub const SG: u64 = 1 << bindings::NETIF_F_SG_BIT;
    #[allow(missing_docs)]
    pub const HW_CSUM: u64 = 1 << bindings::NETIF_F_HW_CSUM_BIT;
    #[allow(missing_docs)]
    pub const RXCSUM: u64 = 1 << bindings::NETIF_F_RXCSUM_BIT;
    #[allow(missing_docs)]
    pub const HIGHDMA: u64 = 1 << bindings::NETIF_F_HIGHDMA_BIT;
    #[allow(missing_docs)]
    pub const FRAGLIST: u64 = 1 << bindings::NETIF_F_FRAGLIST_BIT;
    /// `NETIF_F_GSO_SOFTWARE`: segmentation the stack can do in software.
    pub const GSO_SOFTWARE: u64 = (1 << bindings::NETIF_F_TSO_BIT)
        | (1 << bindings::NETIF_F_TSO6_BIT)
        | (1 << bindings::NETIF_F_TSO_ECN_BIT)
        | (1 << bindings::NETIF_F_TSO_MANGLEID_BIT)
        | (1 << bindings::NETIF_F_GSO_ACCECN_BIT)
        | (1 << bindings::NETIF_F_GSO_SCTP_BIT)
        | (1 << bindings::NETIF_F_GSO_UDP_L4_BIT)
        | (1 << bindings::NETIF_F_GSO_FRAGLIST_BIT);
}

/// `netdev_priv_flags` a driver may set.
pub mod priv_flags {
    use kernel::bindings;
    /// Can share one skb for several transmissions.
    pub const TX_SKB_SHARING: u32 = bindings::netdev_priv_flags_IFF_TX_SKB_SHARING;
    /// The address may change while the device is up.
    pub const LIVE_ADDR_CHANGE: u32 = bindings::netdev_priv_flags_IFF_LIVE_ADDR_CHANGE;
    /// No qdisc: the device does not queue.
    pub const NO_QUEUE: u32 = bindings::netdev_priv_flags_IFF_NO_QUEUE;
    /// Headroom requests are not real (software device).
    pub const PHONY_HEADROOM: u32 = bindings::netdev_priv_flags_IFF_PHONY_HEADROOM;
    /// netpoll (netconsole) is not supported.
    pub const DISABLE_NETPOLL: u32 = bindings::netdev_priv_flags_IFF_DISABLE_NETPOLL;
}

impl Setup<'_> {
    /// Sets the Ethernet defaults (`ether_setup`): type, header ops, MTU
    /// 68..1500, broadcast address, queue length.
    pub fn ether_setup(&mut self) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe { bindings::ether_setup(self.dev) }
    }

    /// Sets and clears private flags.
    pub fn priv_flags(&mut self, set: u32, clear: u32) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe {
            let pf = &mut (*self.dev).__bindgen_anon_1.__bindgen_anon_1;
            let v = (pf.priv_flags() as u32 & !clear) | set;
            pf.set_priv_flags(v as _);
        }
    }

    /// Marks the transmit path lockless (`dev->lltx`): `start_xmit` may run
    /// on several CPUs at once.
    pub fn lltx(&mut self) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe { (*self.dev).__bindgen_anon_1.__bindgen_anon_1.set_lltx(1) }
    }

    /// Makes the device a point-to-point IP device without link-layer
    /// header or address (a tun device): `ARPHRD_NONE`, `IFF_POINTOPOINT |
    /// IFF_NOARP | IFF_MULTICAST`, MTU 1500.
    pub fn point_to_point(&mut self) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe {
            let d = &mut *self.dev;
            d.hard_header_len = 0;
            d.addr_len = 0;
            d.mtu = 1500;
            d.type_ = bindings::ARPHRD_NONE as u16;
            d.flags = bindings::net_device_flags_IFF_POINTOPOINT
                | bindings::net_device_flags_IFF_NOARP
                | bindings::net_device_flags_IFF_MULTICAST;
        }
    }

    /// Sets the default transmit queue length.
    pub fn tx_queue_len(&mut self, len: u32) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe { (*self.dev).tx_queue_len = len }
    }

    /// Sets the smallest MTU the device accepts.
    pub fn min_mtu(&mut self, mtu: u32) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe { (*self.dev).min_mtu = mtu }
    }

    /// Gives the device a random locally administered MAC address.
    pub fn random_mac(&mut self) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe { bindings::eth_hw_addr_random(self.dev) }
    }

    /// Sets the largest MTU the device accepts.
    pub fn max_mtu(&mut self, mtu: u32) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe { (*self.dev).max_mtu = mtu }
    }

    /// Sets the features on by default and those the user may toggle.
    pub fn features(&mut self, on: u64, user: u64) {
        // SAFETY: The device is being set up and not yet visible.
        unsafe {
            (*self.dev).features |= on;
            (*self.dev).hw_features |= user;
            (*self.dev).hw_enc_features |= user;
            (*self.dev).vlan_features = (*self.dev).features;
        }
    }
}

/// The parameters of a new link (`struct rtnl_newlink_params`).
pub struct NewLink<'a, T: Driver> {
    dev: *mut bindings::net_device,
    p: *mut bindings::rtnl_newlink_params,
    _p: PhantomData<(&'a bindings::rtnl_newlink_params, T)>,
}

impl<'a, T: Driver> NewLink<'a, T> {
    /// The link attributes (`IFLA_*`) of the request.
    pub fn tb(&self) -> Attrs<'a> {
        // SAFETY: `tb` has `IFLA_MAX + 1` entries, validated by the core.
        unsafe { Attrs::from_raw((*self.p).tb, IFLA_MAX) }
    }

    /// The driver's own attributes (`IFLA_INFO_DATA`), parsed with `T::POLICY`.
    pub fn data(&self) -> Attrs<'a> {
        // SAFETY: `data` is null or has `maxtype + 1` entries, validated by
        // the core against `T::POLICY`.
        unsafe { Attrs::from_raw((*self.p).data, (T::POLICY.len() - 1) as u32) }
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
    pub fn parse_peer(&self, ty: u32, ext: &mut ExtAck<'_>) -> Result<Option<PeerInfo>> {
        let Some(attr) = self.data().get(ty) else {
            return Ok(None);
        };
        let mut tb = KBox::new([null_mut::<bindings::nlattr>(); IFLA_MAX as usize + 1], GFP_KERNEL)?;
        // SAFETY: `attr` is a validated attribute at least `sizeof(ifinfomsg)`
        // long (the driver's policy says so); `tb` has `IFLA_MAX + 1` slots.
        to_result(unsafe {
            bindings::rtnl_nla_parse_ifinfomsg(tb.as_mut_ptr(), attr.as_raw(), ext.as_raw())
        })?;
        // SAFETY: The payload starts with an `ifinfomsg` (checked length).
        let ifindex = unsafe { (*(bindings::nla_data(attr.as_raw()).cast::<bindings::ifinfomsg>())).ifi_index };
        Ok(Some(PeerInfo {
            tb,
            ifm: attr.as_raw(),
            ifindex,
        }))
    }

    /// Creates (allocates, does not register) a device of this link type in
    /// `net`, named `name` (a `%d` template or a name), configured from `tb`.
    pub fn create_link(
        &self,
        net: &Net,
        name: &CStr,
        user_named: bool,
        peer: Option<&PeerInfo>,
        ext: &mut ExtAck<'_>,
        _rtnl: &Rtnl,
    ) -> Result<NewDevice<T>> {
        let assign = if user_named {
            bindings::NET_NAME_USER
        } else {
            bindings::NET_NAME_ENUM
        };
        let tb = match peer {
            Some(p) => p.tb.as_ptr().cast_mut(),
            // SAFETY: The params are valid for the call.
            None => unsafe { (*self.p).tb },
        };
        // SAFETY: All pointers are valid; `rtnl_link_ops` of the device of
        // this request are `T`'s registered ops (set by `rtnl_create_link`);
        // RTNL is held.
        let dev = unsafe {
            bindings::rtnl_create_link(
                net.as_raw(),
                name.as_ptr().cast(),
                assign as u8,
                (*self.dev).rtnl_link_ops,
                tb,
                ext.as_raw(),
            )
        };
        let dev = kernel::error::from_err_ptr(dev)?;
        Ok(NewDevice {
            dev: NonNull::new(dev).ok_or(ENOMEM)?,
            _p: PhantomData,
        })
    }

    /// Gives the device of this request a random locally administered MAC
    /// (before it is registered).
    pub fn random_mac(&self) {
        // SAFETY: The request's device is allocated and not yet registered;
        // RTNL is held for the duration of `newlink`.
        unsafe { bindings::eth_hw_addr_random(self.dev) }
    }

    /// Registers the device the core created for this request.
    pub fn register_self<'r>(&self, dev: &'r Dev<T>, _rtnl: &'r Rtnl) -> Result<Registered<'r, T>> {
        // SAFETY: `dev` is the allocated, unregistered device of this request;
        // RTNL is held. On failure the core frees it.
        to_result(unsafe { bindings::register_netdevice(dev.as_raw()) })?;
        Ok(Registered { dev, armed: true })
    }
}

/// A peer description parsed from a request (see [`NewLink::parse_peer`]).
pub struct PeerInfo {
    tb: KBox<[*mut bindings::nlattr; IFLA_MAX as usize + 1]>,
    ifm: *const bindings::nlattr,
    ifindex: i32,
}

impl PeerInfo {
    /// The peer's link attributes.
    pub fn tb(&self) -> Attrs<'_> {
        // SAFETY: `tb` has `IFLA_MAX + 1` entries filled by the parser.
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
/// `dev` is allocated by `rtnl_create_link` for `T`, unregistered and owned.
pub struct NewDevice<T: Driver> {
    dev: NonNull<bindings::net_device>,
    _p: PhantomData<T>,
}

impl<T: Driver> core::ops::Deref for NewDevice<T> {
    type Target = Dev<T>;
    fn deref(&self) -> &Dev<T> {
        // SAFETY: The device is allocated for `T` (type invariant).
        unsafe { Dev::from_raw(self.dev.as_ptr()) }
    }
}

impl<T: Driver> NewDevice<T> {
    /// Gives the device a random locally administered MAC address.
    pub fn random_mac(&mut self) {
        // SAFETY: We own the unregistered device.
        unsafe { bindings::eth_hw_addr_random(self.dev.as_ptr()) }
    }

    /// Sets the MTU (the caller checked it against the limits).
    pub fn set_mtu(&mut self, mtu: u32) {
        // SAFETY: We own the unregistered device.
        unsafe { (*self.dev.as_ptr()).mtu = mtu }
    }

    /// Asks for interface index `ifindex` at registration.
    pub fn set_ifindex(&mut self, ifindex: i32) {
        // SAFETY: We own the unregistered device.
        unsafe { (*self.dev.as_ptr()).ifindex = ifindex }
    }

    /// Takes over `from`'s TSO limits (`netif_inherit_tso_max`).
    pub fn inherit_tso_max(&mut self, from: &Device) {
        // SAFETY: We own the unregistered device; `from` is valid.
        unsafe { bindings::netif_inherit_tso_max(self.dev.as_ptr(), from.as_raw()) }
    }

    /// Changes the set-up of the (unregistered) device.
    pub fn setup(&mut self, f: impl FnOnce(&mut Setup<'_>)) {
        let mut s = Setup {
            dev: self.dev.as_ptr(),
            _p: PhantomData,
        };
        f(&mut s);
    }

    /// Registers the device. On failure it is freed.
    pub fn register(self, rtnl: &Rtnl) -> Result<Registered<'_, T>> {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: We own the unregistered device; RTNL is held.
        let ret = unsafe { bindings::register_netdevice(this.dev.as_ptr()) };
        if ret < 0 {
            T::destroy(&this);
            // SAFETY: Registration failed: the device is still ours to free.
            unsafe { bindings::free_netdev(this.dev.as_ptr()) };
            return Err(Error::from_errno(ret));
        }
        // SAFETY: Registered: it lives at least until it is unregistered,
        // which needs RTNL, held for the lifetime of `rtnl`.
        let dev = unsafe { Dev::from_raw(this.dev.as_ptr()) };
        let _ = rtnl;
        Ok(Registered { dev, armed: true })
    }
}

impl<T: Driver> Drop for NewDevice<T> {
    fn drop(&mut self) {
        // The core only runs `priv_destructor` for registered devices.
        T::destroy(self);
        // SAFETY: We own the unregistered device (type invariant).
        unsafe { bindings::free_netdev(self.dev.as_ptr()) }
    }
}

/// A device registered during a `newlink` that is unregistered again on
/// drop, unless [`Registered::keep`] says the link is complete.
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
    pub fn configure(&self, peer: Option<&PeerInfo>) -> Result {
        let ifm = match peer {
            // SAFETY: `ifm` is a validated attribute holding an `ifinfomsg`.
            Some(p) => unsafe { bindings::nla_data(p.ifm).cast::<bindings::ifinfomsg>() },
            None => null_mut(),
        };
        // SAFETY: The device is registered; RTNL is held for `'r`.
        to_result(unsafe {
            bindings::rtnl_configure_link(self.dev.as_raw(), ifm, 0, null_mut())
        })
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
            // SAFETY: The device is registered and RTNL is held for `'r`.
            unsafe { bindings::unregister_netdevice(self.dev.as_raw()) }
        }
    }
}

/// A network device driver with an rtnetlink link type.
///
/// Private data is zero-initialised by the allocator and never dropped (a
/// device can be freed by the core without the driver seeing it), so it must
/// be `Zeroable` and must not need `Drop`.
#[vtable]
pub trait Driver: Sized + 'static {
    /// The link kind (`ip link add ... type KIND`).
    const KIND: &'static CStr;
    /// Driver name and version (`ethtool -i`).
    const DRIVER: &'static CStr;
    /// See [`Self::DRIVER`].
    const VERSION: &'static CStr;
    /// Policy of `IFLA_INFO_DATA` (entry 0 unused).
    const POLICY: &'static [Policy];
    /// The `IFLA_INFO_DATA` attribute that describes a peer (0: none).
    const PEER_TYPE: u16 = 0;
    /// ethtool statistics names (`ethtool -S`), in [`Driver::ethtool_stats`] order.
    const ETHTOOL_STATS: &'static [&'static CStr] = &[];

    /// Per-device private data.
    type Private: Zeroable + Send + Sync;

    /// Initialises a freshly allocated device.
    fn setup(dev: &mut Setup<'_>);

    /// Checks a request before anything is created.
    fn validate(_tb: &Attrs<'_>, _data: &Attrs<'_>, _ext: &mut ExtAck<'_>) -> Result {
        Ok(())
    }

    /// Completes a new link: must register `dev` (and whatever else).
    fn newlink(dev: &Dev<Self>, p: &NewLink<'_, Self>, ext: &mut ExtAck<'_>, rtnl: &Rtnl) -> Result;

    /// Deletes a link: queue `dev` (and others) on `q`.
    fn dellink(dev: &Dev<Self>, q: &mut UnregisterQueue<'_>, rtnl: &Rtnl);

    /// The netns of the other end of the link (`IFLA_LINK_NETNSID`).
    fn get_link_net<'a>(_dev: &'a Dev<Self>, _rtnl: &'a Rtnl) -> Option<&'a Net> {
        None
    }

    /// `ndo_open` (`ip link set up`).
    fn open(_dev: &Dev<Self>, _rtnl: &Rtnl) -> Result {
        Ok(())
    }

    /// `ndo_stop` (`ip link set down`).
    fn stop(_dev: &Dev<Self>, _rtnl: &Rtnl) -> Result {
        Ok(())
    }

    /// Transmits (or drops) `skb`; it is always consumed.
    fn start_xmit(skb: SkBuff, dev: &Dev<Self>, ctx: &XmitCtx);

    /// `ndo_get_iflink`: the index shown as `@peer` by `ip link`.
    fn get_iflink(_dev: &Dev<Self>) -> i32 {
        0
    }

    /// Fills the values of [`Self::ETHTOOL_STATS`].
    fn ethtool_stats(_dev: &Dev<Self>, _data: &mut [u64], _rtnl: &Rtnl) {}

    /// `ndo_validate_addr`: may the device go up with its address?
    fn validate_addr(_dev: &Dev<Self>) -> Result {
        Ok(())
    }

    /// `ndo_uninit`: the device is being unregistered (transmit has
    /// stopped); release what it uses.
    fn uninit(_dev: &Dev<Self>, _rtnl: &Rtnl) {}

    /// The device is being freed (`priv_destructor`, also for a device that
    /// was never registered): release what its private data owns.
    fn destroy(_dev: &Dev<Self>) {}
}

struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    const NETDEV_OPS: bindings::net_device_ops = bindings::net_device_ops {
        ndo_uninit: Some(Self::uninit_callback),
        ndo_open: Some(Self::open_callback),
        ndo_stop: Some(Self::stop_callback),
        ndo_start_xmit: Some(Self::start_xmit_callback),
        ndo_set_rx_mode: Some(Self::set_rx_mode_callback),
        ndo_set_mac_address: Some(bindings::eth_mac_addr),
        ndo_validate_addr: Some(Self::validate_addr_callback),
        ndo_get_iflink: if T::HAS_GET_IFLINK {
            Some(Self::get_iflink_callback)
        } else {
            None
        },
        ndo_features_check: Some(bindings::passthru_features_check),
        ..pin_init::zeroed()
    };

    const ETHTOOL_OPS: bindings::ethtool_ops = bindings::ethtool_ops {
        get_drvinfo: Some(Self::get_drvinfo_callback),
        get_link: Some(bindings::ethtool_op_get_link),
        get_strings: Some(Self::get_strings_callback),
        get_sset_count: Some(Self::get_sset_count_callback),
        get_ethtool_stats: Some(Self::get_ethtool_stats_callback),
        ..pin_init::zeroed()
    };

    /// # Safety
    ///
    /// Called by `alloc_netdev_mqs` with a fresh device of this link type.
    unsafe extern "C" fn setup_callback(dev: *mut bindings::net_device) {
        const {
            assert!(!core::mem::needs_drop::<T::Private>(), "Private must not need Drop");
        }
        let mut s = Setup {
            dev,
            _p: PhantomData,
        };
        T::setup(&mut s);
        // SAFETY: The device is being set up and not yet visible.
        unsafe {
            (*dev).netdev_ops = &Self::NETDEV_OPS;
            (*dev).ethtool_ops = &Self::ETHTOOL_OPS;
            (*dev).needs_free_netdev = true;
            (*dev).priv_destructor = Some(Self::destroy_callback);
            (*dev).set_pcpu_stat_type(bindings::netdev_stat_type_NETDEV_PCPU_STAT_DSTATS);
        }
    }

    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with parsed, policy-checked tables.
    unsafe extern "C" fn validate_callback(
        tb: *mut *mut bindings::nlattr,
        data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `tb` has `IFLA_MAX + 1` entries, `data` null or
            // `maxtype + 1`; `extack` is null or valid for the call.
            let (tb, data, mut ext) = unsafe {
                (
                    Attrs::from_raw(tb, IFLA_MAX),
                    Attrs::from_raw(data, (T::POLICY.len() - 1) as u32),
                    ExtAck::from_raw(extack),
                )
            };
            T::validate(&tb, &data, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with the new (unregistered) device.
    unsafe extern "C" fn newlink_callback(
        dev: *mut bindings::net_device,
        params: *mut bindings::rtnl_newlink_params,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: Called under RTNL; `dev` is a device of this type and
            // `params`/`extack` are valid for the call.
            let (rtnl, dev, mut ext) =
                unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev), ExtAck::from_raw(extack)) };
            let p = NewLink {
                dev: dev.as_raw(),
                p: params,
                _p: PhantomData,
            };
            T::newlink(dev, &p, &mut ext, &rtnl)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by rtnetlink under RTNL for a registered device of this type.
    unsafe extern "C" fn dellink_callback(
        dev: *mut bindings::net_device,
        head: *mut bindings::list_head,
    ) {
        // SAFETY: Called under RTNL for a device of this type.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
        let mut q = UnregisterQueue {
            head,
            _p: PhantomData,
        };
        T::dellink(dev, &mut q, &rtnl);
    }

    /// # Safety
    ///
    /// Called under RTNL (or RCU) for a registered device of this type.
    unsafe extern "C" fn get_link_net_callback(dev: *const bindings::net_device) -> *mut bindings::net {
        // SAFETY: The core calls this under RTNL for a device of this type.
        let (rtnl, d) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
        match T::get_link_net(d, &rtnl) {
            Some(net) => net.as_raw(),
            // SAFETY: `dev` is valid.
            None => unsafe { bindings::dev_net(dev) },
        }
    }

    /// # Safety
    ///
    /// `ndo_validate_addr`: called under RTNL when the device opens.
    unsafe extern "C" fn validate_addr_callback(dev: *mut bindings::net_device) -> c_int {
        // SAFETY: `dev` is a device of this type.
        from_result(|| T::validate_addr(unsafe { Dev::<T>::from_raw(dev) }).map(|()| 0))
    }

    /// # Safety
    ///
    /// `ndo_uninit`: called under RTNL once the device stopped.
    unsafe extern "C" fn uninit_callback(dev: *mut bindings::net_device) {
        // SAFETY: Called under RTNL for a device of this type.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
        T::uninit(dev, &rtnl);
    }

    /// # Safety
    ///
    /// `priv_destructor`: the device is about to be freed; no other user.
    unsafe extern "C" fn destroy_callback(dev: *mut bindings::net_device) {
        // SAFETY: The device of this type is valid until freed after this.
        T::destroy(unsafe { Dev::<T>::from_raw(dev) });
    }

    /// # Safety
    ///
    /// `ndo_open`: called under RTNL.
    unsafe extern "C" fn open_callback(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: Called under RTNL for a device of this type.
            let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
            T::open(dev, &rtnl)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// `ndo_stop`: called under RTNL.
    unsafe extern "C" fn stop_callback(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: Called under RTNL for a device of this type.
            let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
            T::stop(dev, &rtnl)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// `ndo_start_xmit`: called with BH disabled under `rcu_read_lock_bh`,
    /// owning `skb`.
    unsafe extern "C" fn start_xmit_callback(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        // SAFETY: The core gives us the skb and calls us in the transmit
        // context that `XmitCtx` stands for.
        let (skb, dev) = unsafe { (SkBuff::from_raw(skb), Dev::<T>::from_raw(dev)) };
        T::start_xmit(skb, dev, &XmitCtx(PhantomData));
        bindings::netdev_tx_NETDEV_TX_OK
    }

    /// `ndo_set_rx_mode`: a software device takes every address (as veth).
    unsafe extern "C" fn set_rx_mode_callback(_dev: *mut bindings::net_device) {}

    /// # Safety
    ///
    /// `ndo_get_iflink`: called for a registered device of this type.
    unsafe extern "C" fn get_iflink_callback(dev: *const bindings::net_device) -> c_int {
        // SAFETY: `dev` is a device of this type.
        T::get_iflink(unsafe { Dev::<T>::from_raw(dev) })
    }

    /// # Safety
    ///
    /// ethtool: `info` is valid and zeroed by the core.
    unsafe extern "C" fn get_drvinfo_callback(
        _dev: *mut bindings::net_device,
        info: *mut bindings::ethtool_drvinfo,
    ) {
        fn copy(dst: &mut [c_char], src: &CStr) {
            let s = src.to_bytes();
            let n = s.len().min(dst.len() - 1);
            for (d, &b) in dst.iter_mut().zip(&s[..n]) {
                *d = b as c_char;
            }
            dst[n] = 0;
        }
        // SAFETY: `info` is valid for writes for the call.
        let info = unsafe { &mut *info };
        copy(&mut info.driver, T::DRIVER);
        copy(&mut info.version, T::VERSION);
    }

    unsafe extern "C" fn get_sset_count_callback(_dev: *mut bindings::net_device, sset: c_int) -> c_int {
        if sset == bindings::ethtool_stringset_ETH_SS_STATS as c_int {
            T::ETHTOOL_STATS.len() as c_int
        } else {
            -(bindings::EOPNOTSUPP as c_int)
        }
    }

    /// # Safety
    ///
    /// ethtool: `buf` has room for `get_sset_count(stringset)` strings.
    unsafe extern "C" fn get_strings_callback(
        _dev: *mut bindings::net_device,
        stringset: u32,
        buf: *mut u8,
    ) {
        if stringset != bindings::ethtool_stringset_ETH_SS_STATS {
            return;
        }
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
    /// ethtool, under RTNL: `data` has room for our counters.
    unsafe extern "C" fn get_ethtool_stats_callback(
        dev: *mut bindings::net_device,
        _stats: *mut bindings::ethtool_stats,
        data: *mut u64,
    ) {
        let n = T::ETHTOOL_STATS.len();
        // SAFETY: The core sized `data` with `get_sset_count`, under RTNL.
        let (rtnl, dev, data) = unsafe {
            (
                Rtnl::assume_held(),
                Dev::<T>::from_raw(dev),
                core::slice::from_raw_parts_mut(data, n),
            )
        };
        data.fill(0);
        T::ethtool_stats(dev, data, &rtnl);
    }
}

/// A link type's `rtnl_link_ops`, defined in a `static` by the driver.
///
/// Registered with [`LinkOps::register`]; devices of the kind can then be
/// made by rtnetlink (`ip link add`) or by the driver itself
/// ([`LinkOps::create_device`]).
#[repr(transparent)]
pub struct LinkOps<T: Driver> {
    ops: Opaque<bindings::rtnl_link_ops>,
    _p: PhantomData<T>,
}

// SAFETY: After registration the C side owns the mutable parts (list, srcu)
// and serialises access to them; the rest is immutable.
unsafe impl<T: Driver> Sync for LinkOps<T> {}

impl<T: Driver> LinkOps<T> {
    /// Describes `T`'s link type (const: for a `static`).
    pub const fn new() -> Self {
        let mut o: bindings::rtnl_link_ops = pin_init::zeroed();
        o.kind = T::KIND.as_ptr().cast();
        o.priv_size = core::mem::size_of::<T::Private>();
        o.setup = Some(Adapter::<T>::setup_callback);
        o.validate = Some(Adapter::<T>::validate_callback);
        o.newlink = Some(Adapter::<T>::newlink_callback);
        o.dellink = Some(Adapter::<T>::dellink_callback);
        o.policy = T::POLICY.as_ptr().cast();
        o.maxtype = (T::POLICY.len() - 1) as u32;
        o.peer_type = T::PEER_TYPE;
        if T::HAS_GET_LINK_NET {
            o.get_link_net = Some(Adapter::<T>::get_link_net_callback);
        }
        LinkOps {
            ops: Opaque::new(o),
            _p: PhantomData,
        }
    }

    fn ops_ptr(&self) -> *const bindings::rtnl_link_ops {
        self.ops.get()
    }

    /// Registers the link type with rtnetlink.
    pub fn register(&'static self) -> Result<LinkRegistration<T>> {
        // SAFETY: `ops` is `'static` and initialised; it is unregistered when
        // the registration drops. A second registration of the same kind
        // fails with -EEXIST.
        to_result(unsafe { bindings::rtnl_link_register(self.ops.get()) })?;
        Ok(LinkRegistration { ops: self })
    }
}

/// A registered link type; unregistering it deletes every device of it.
///
/// # Invariants
///
/// `ops` is registered with rtnetlink.
pub struct LinkRegistration<T: Driver + 'static> {
    ops: &'static LinkOps<T>,
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

impl<T: Driver> LinkOps<T> {
    /// Allocates a device of this kind in `net`, named `name` (a `%d`
    /// template or a name), outside rtnetlink (for example from a character
    /// device, as tun does). Not registered yet.
    pub fn create_device(&self, net: &Net, name: &CStr, user_named: bool, _rtnl: &Rtnl) -> Result<NewDevice<T>> {
        let tb = KBox::new([null_mut::<bindings::nlattr>(); IFLA_MAX as usize + 1], GFP_KERNEL)?;
        let assign = if user_named {
            bindings::NET_NAME_USER
        } else {
            bindings::NET_NAME_ENUM
        };
        // SAFETY: `ops` is registered; `tb` is an empty attribute table;
        // RTNL is held; a null extack is allowed.
        let dev = unsafe {
            bindings::rtnl_create_link(
                net.as_raw(),
                name.as_ptr().cast(),
                assign as u8,
                self.ops_ptr(),
                tb.as_ptr().cast_mut().cast(),
                null_mut(),
            )
        };
        let dev = kernel::error::from_err_ptr(dev)?;
        Ok(NewDevice {
            dev: NonNull::new(dev).ok_or(ENOMEM)?,
            _p: PhantomData,
        })
    }

    /// Calls `f` for each device of this kind in `net` whose ifindex is at
    /// least `start`, in ifindex order, until `f` returns false. Returns the
    /// ifindex where it stopped (or 0 when it went through all of them).
    pub fn for_each<'a>(&self, net: &'a Net, start: u32, _rtnl: &'a Rtnl, mut f: impl FnMut(&'a Dev<T>) -> bool) -> u32 {
        let mut index = start as c_ulong;
        loop {
            // SAFETY: `dev_by_index` is the netns's device xarray; RTNL
            // keeps the registered devices in it valid. 8 is `XA_PRESENT`.
            let d = unsafe {
                bindings::xa_find(&raw mut (*net.as_raw()).dev_by_index, &mut index, c_ulong::MAX, 8)
            };
            let Some(d) = NonNull::new(d.cast::<bindings::net_device>()) else {
                return 0;
            };
            // SAFETY: A registered device, valid under RTNL.
            if unsafe { (*d.as_ptr()).rtnl_link_ops } == self.ops_ptr() {
                // SAFETY: Its link ops are ours: a `T` device.
                if !f(unsafe { Dev::from_raw(d.as_ptr()) }) {
                    return index as u32;
                }
            }
            index += 1;
        }
    }

    /// A device of this kind in `net` by ifindex (if given) or name.
    pub fn find<'a>(&self, net: &'a Net, ifindex: Option<u32>, name: Option<&CStr>, rtnl: &'a Rtnl) -> Option<&'a Dev<T>> {
        let dev = match (ifindex, name) {
            (Some(i), _) => {
                // SAFETY: RTNL keeps a found device registered for `'a`.
                let d = unsafe { bindings::__dev_get_by_index(net.as_raw(), i as c_int) };
                // SAFETY: Non-null: a registered device.
                NonNull::new(d).map(|d| unsafe { &*d.as_ptr().cast::<Device>() })
            }
            (None, Some(n)) => net.device_by_name(n, rtnl),
            (None, None) => None,
        }?;
        // SAFETY: `dev` is valid.
        if unsafe { (*dev.as_raw()).rtnl_link_ops } == self.ops_ptr() {
            // SAFETY: A `T` device.
            Some(unsafe { Dev::from_raw(dev.as_raw()) })
        } else {
            None
        }
    }

    /// Finds device `name` in `net` and tells whether it is of this kind.
    pub fn lookup<'a>(&self, net: &'a Net, name: &CStr, rtnl: &'a Rtnl) -> Lookup<'a, T> {
        match net.device_by_name(name, rtnl) {
            None => Lookup::None,
            Some(d) => {
                // SAFETY: `d` is a valid registered device.
                if unsafe { (*d.as_raw()).rtnl_link_ops } == self.ops_ptr() {
                    // SAFETY: Its link ops are ours: it is a `T` device.
                    Lookup::Ours(unsafe { Dev::from_raw(d.as_raw()) })
                } else {
                    Lookup::Other
                }
            }
        }
    }
}

impl<T: Driver> Drop for LinkRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: Registered (type invariant). This deletes every device of
        // the kind (their dellink runs) and waits for users of the ops.
        unsafe { bindings::rtnl_link_unregister(self.ops.ops.get()) };
    }
}
