// SPDX-License-Identifier: GPL-2.0

//! Network devices: any device ([`Device`]) and a device of one of our
//! drivers ([`Dev`]), with its private data and per-CPU counters.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h)

use super::{driver::Driver, ns::Net, rtnl::Rtnl, setup::Features};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    alloc::Flags,
    bindings,
    error::to_result,
    prelude::*,
    sync::aref::AlwaysRefCounted,
    sync::atomic::{Atomic, Relaxed},
    types::Opaque,
};

/// Link types (`ARPHRD_*`, what `dev->type` holds).
#[allow(missing_docs)]
pub mod arphrd {
    use kernel::bindings;
    pub const ETHER: u32 = bindings::ARPHRD_ETHER;
    pub const IEEE802: u32 = bindings::ARPHRD_IEEE802;
    pub const NETROM: u32 = bindings::ARPHRD_NETROM;
    pub const TUNNEL: u32 = bindings::ARPHRD_TUNNEL;
    pub const TUNNEL6: u32 = bindings::ARPHRD_TUNNEL6;
    pub const FDDI: u32 = bindings::ARPHRD_FDDI;
    pub const SIT: u32 = bindings::ARPHRD_SIT;
    pub const IPGRE: u32 = bindings::ARPHRD_IPGRE;
    pub const IP6GRE: u32 = bindings::ARPHRD_IP6GRE;
    pub const HIPPI: u32 = bindings::ARPHRD_HIPPI;
    pub const LOCALTLK: u32 = bindings::ARPHRD_LOCALTLK;
    pub const ROSE: u32 = bindings::ARPHRD_ROSE;
    pub const IEEE802154: u32 = bindings::ARPHRD_IEEE802154;
    pub const IEEE802154_MONITOR: u32 = bindings::ARPHRD_IEEE802154_MONITOR;
    pub const SIXLOWPAN: u32 = bindings::ARPHRD_6LOWPAN;
}

/// `IFLA_MAX`: the highest link attribute type.
pub const IFLA_MAX: u32 = bindings::__IFLA_MAX - 1;
/// Link attribute: the device name.
pub const IFLA_IFNAME: u32 = bindings::IFLA_IFNAME;
/// Link attribute: the hardware address.
pub const IFLA_ADDRESS: u32 = bindings::IFLA_ADDRESS;
/// Link attribute: the MTU.
pub const IFLA_MTU: u32 = bindings::IFLA_MTU;
/// Size of `struct ifinfomsg`, which starts a peer description.
// CAST: `ifinfomsg` is 16 bytes.
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
    core::mem::offset_of!(bindings::compat_ifreq, ifr_ifru)
        == core::mem::offset_of!(bindings::ifreq, ifr_ifru)
);
/// Smallest MTU of an Ethernet device.
pub const ETH_MIN_MTU: u32 = bindings::ETH_MIN_MTU;
/// Largest MTU of an Ethernet device.
pub const ETH_MAX_MTU: u32 = bindings::ETH_MAX_MTU;
/// Length of an Ethernet header.
pub const ETH_HLEN: u32 = bindings::ETH_HLEN;
/// Length of an Ethernet address.
// CAST: 6 fits in `usize`.
pub const ETH_ALEN: usize = bindings::ETH_ALEN as usize;

/// The C allocation flags for `gfp`. `Flags::as_raw` is private to the
/// `kernel` crate, so only `GFP_KERNEL` passes through as itself; anything
/// else becomes `GFP_ATOMIC`, which never sleeps and so is valid wherever
/// the caller's flags were.
pub(super) fn raw_gfp(gfp: Flags) -> bindings::gfp_t {
    if gfp == GFP_KERNEL {
        bindings::GFP_KERNEL
    } else {
        bindings::GFP_ATOMIC
    }
}

/// Whether `addr` is a valid unicast Ethernet address (not zero, not multicast).
pub fn is_valid_ether_addr(addr: &[u8]) -> bool {
    if addr.len() != ETH_ALEN {
        return false;
    }
    // SAFETY: `addr` has `ETH_ALEN` readable bytes.
    unsafe { bindings::is_valid_ether_addr(addr.as_ptr()) }
}

/// Any network device, ours or not: what may be read of every device.
///
/// # Invariants
///
/// A `&Device` points to an allocated `net_device` for the lifetime of the
/// reference (a reference count, RTNL or RCU keeps it allocated; see where
/// each reference comes from).
#[repr(transparent)]
pub struct Device(Opaque<bindings::net_device>);

// SAFETY: `net_device` is used from any thread; the methods below only read
// fields with the kernel's own locking or single-word accessors.
unsafe impl Sync for Device {}
// SAFETY: A device is not tied to a thread: references are dropped and
// devices freed on any CPU.
unsafe impl Send for Device {}

// SAFETY: `dev_hold`/`dev_put` maintain the device's reference count; the
// core frees a registered device only after the count dropped to zero.
unsafe impl AlwaysRefCounted for Device {
    fn inc_ref(&self) {
        // SAFETY: The device is allocated (type invariant).
        unsafe { bindings::dev_hold(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference (`AlwaysRefCounted` contract).
        unsafe { bindings::dev_put(obj.as_ptr().cast()) }
    }
}

impl Device {
    /// # Safety
    ///
    /// `ptr` must point to a `net_device` that stays allocated for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::net_device) -> &'a Device {
        // SAFETY: `Device` is transparent over `net_device`; the caller
        // guarantees that it stays allocated for `'a`.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The registration state (`dev->reg_state`, written under RTNL).
    pub(crate) fn reg_state(&self) -> u32 {
        // SAFETY: The device is allocated (type invariant); a byte read once.
        u32::from(unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).reg_state) })
    }

    /// Whether the device is registered (not before, not while going away).
    pub fn is_registered(&self, _rtnl: &Rtnl) -> bool {
        self.reg_state() == bindings::netdev_reg_state_NETREG_REGISTERED
    }

    /// The interface index (0 before registration).
    pub fn ifindex(&self) -> i32 {
        // SAFETY: The device is allocated; `ifindex` is an int read once.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).ifindex) }
    }

    /// The interface name. Borrowed from the RTNL proof: renaming needs RTNL.
    pub fn name<'a>(&'a self, _rtnl: &'a Rtnl) -> &'a CStr {
        // SAFETY: The device is allocated; `name` is NUL-terminated within
        // `IFNAMSIZ` and only changes under RTNL, held for `'a`.
        unsafe { CStr::from_char_ptr((*self.as_raw()).name.as_ptr()) }
    }

    /// Whether the device is administratively up (`IFF_UP`).
    pub fn is_up(&self) -> bool {
        // SAFETY: The device is allocated; `flags` is a word read once.
        let flags = unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).flags) };
        flags & bindings::net_device_flags_IFF_UP != 0
    }

    /// The current MTU.
    pub fn mtu(&self) -> u32 {
        // SAFETY: The device is allocated; `mtu` is a word read once.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).mtu) }
    }

    /// The transmit queue length (`ip link set ... txqueuelen`).
    pub fn tx_queue_len(&self) -> u32 {
        // SAFETY: The device is allocated; a word read once.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).tx_queue_len) }
    }

    /// The features in effect (`dev->features`, changed under RTNL).
    pub fn features(&self) -> Features {
        // SAFETY: The device is allocated; a 64-bit word read once.
        Features::from_bits(unsafe {
            core::ptr::read_volatile(&raw const (*self.as_raw()).features)
        })
    }

    /// Whether the carrier is on.
    pub fn carrier_ok(&self) -> bool {
        // SAFETY: The device is allocated; `netif_carrier_ok` tests a bit.
        unsafe { bindings::netif_carrier_ok(self.as_raw()) }
    }

    /// The network namespace the device lives in.
    pub fn net(&self) -> &Net {
        // SAFETY: The device is allocated; its netns outlives it (a device
        // is moved or unregistered before its netns goes away, and a moving
        // device is only moved under RTNL after an RCU grace period).
        unsafe { Net::from_raw(bindings::dev_net(self.as_raw())) }
    }

    /// The counters `ip -s link` shows (`dev_get_stats`).
    pub fn stats(&self) -> Stats {
        let mut st: bindings::rtnl_link_stats64 = pin_init::zeroed();
        // SAFETY: The device is allocated; `st` is writable.
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
    /// (`peernet2id_alloc`). `gfp` says whether the caller may sleep.
    pub fn netnsid_in(&self, from: &Net, gfp: Flags) -> Option<i32> {
        if self.net() == from {
            return None;
        }
        // SAFETY: Both namespaces are live; the caller chose flags valid in
        // its context.
        let id =
            unsafe { bindings::peernet2id_alloc(from.as_raw(), self.net().as_raw(), raw_gfp(gfp)) };
        (id >= 0).then_some(id)
    }
}

/// Device counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Packets received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets dropped on receive.
    pub rx_dropped: u64,
    /// Packets dropped on transmit.
    pub tx_dropped: u64,
}

/// The per-CPU counters the core allocates for a driver's devices
/// (`dev->pcpu_stat_type`), chosen by [`Driver::PCPU_STATS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcpuStats {
    /// None: the driver keeps no per-CPU counters.
    None,
    /// `struct pcpu_dstats`: packets, bytes and drops, both directions;
    /// the core sums them for `ip -s link`.
    Dstats,
}

/// A socket address handed to `ndo_set_mac_address` (`struct sockaddr`).
///
/// # Invariants
///
/// `0` points to a `sockaddr` with at least `dev->addr_len` bytes of data,
/// valid for `'a`.
pub struct SockAddr<'a>(pub(super) *mut c_void, pub(super) PhantomData<&'a mut ()>);

/// A device of driver `T`: gives access to `T`'s private data and to what
/// only the driver of a device may change.
///
/// # Invariants
///
/// The device was allocated for `T`'s link type (its `rtnl_link_ops` are
/// `T`'s), so its private area holds a `T::Private`; and it is allocated for
/// the lifetime of the reference, as for [`Device`].
#[repr(transparent)]
pub struct Dev<T: Driver>(Device, PhantomData<T>);

impl<T: Driver> core::ops::Deref for Dev<T> {
    type Target = Device;
    fn deref(&self) -> &Device {
        &self.0
    }
}

// SAFETY: As for `Device`: a `Dev<T>` is a `Device`.
unsafe impl<T: Driver> AlwaysRefCounted for Dev<T> {
    fn inc_ref(&self) {
        self.0.inc_ref();
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: `Dev<T>` is transparent over `Device`; the caller owns a
        // reference.
        unsafe { Device::dec_ref(obj.cast()) }
    }
}

impl<T: Driver> Dev<T> {
    /// # Safety
    ///
    /// `ptr` must be a device of `T`'s link type that stays allocated for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *const bindings::net_device) -> &'a Self {
        // SAFETY: `Dev<T>` is transparent over `Device` and `net_device`;
        // the caller guarantees the rest of the invariant.
        unsafe { &*ptr.cast() }
    }

    /// The driver's private data of this device.
    pub fn private(&self) -> &T::Private {
        // SAFETY: By the type invariant the private area holds a
        // `T::Private`, zero-initialised by the allocator (valid: `Zeroable`)
        // and only shared (`&`) while the device is visible.
        unsafe { &*bindings::netdev_priv(self.as_raw()).cast::<T::Private>() }
    }

    /// Unregisters the device (it is freed once the last reference goes).
    /// Does nothing for a device that is not registered (not yet, or
    /// already going away).
    /// A device already queued by a `dellink` is left to that queue.
    pub fn unregister(&self, rtnl: &Rtnl) {
        if !self.is_registered(rtnl) {
            return;
        }
        let d = self.as_raw();
        // SAFETY: The device is allocated; `unreg_list` is initialised at
        // allocation and changes only under RTNL, held.
        let queued = unsafe { (*d).unreg_list.next != &raw mut (*d).unreg_list };
        if !queued {
            // SAFETY: The device is registered and on no unregister list;
            // RTNL is held.
            unsafe { bindings::unregister_netdevice(d) }
        }
    }

    /// Turns the carrier on (link up, `NO-CARRIER` gone).
    pub fn carrier_on(&self) {
        // SAFETY: The device is allocated; callable from any context.
        unsafe { bindings::netif_carrier_on(self.as_raw()) }
    }

    /// Turns the carrier off.
    pub fn carrier_off(&self) {
        // SAFETY: The device is allocated; callable from any context.
        unsafe { bindings::netif_carrier_off(self.as_raw()) }
    }

    /// Checks that the device's Ethernet address is a valid unicast one
    /// (`eth_validate_addr`): the usual `ndo_validate_addr` of Ethernet.
    pub fn eth_validate_addr(&self) -> Result {
        // SAFETY: The device is allocated; reads its address.
        to_result(unsafe { bindings::eth_validate_addr(self.as_raw()) })
    }

    /// Sets the Ethernet address from `addr` (`eth_mac_addr`): the usual
    /// `ndo_set_mac_address` of Ethernet.
    pub fn eth_mac_addr(&self, addr: &SockAddr<'_>, _rtnl: &Rtnl) -> Result {
        // SAFETY: The device is allocated; `addr` is the request's sockaddr
        // (type invariant); RTNL is held as `ndo_set_mac_address` requires.
        to_result(unsafe { bindings::eth_mac_addr(self.as_raw(), addr.0) })
    }

    /// Replaces the wanted features in `mask` by `on` (`on` outside `mask`
    /// is ignored) and recomputes the features in effect
    /// (`netdev_update_features`, which asks `ndo_fix_features` and tells
    /// `NETDEV_FEAT_CHANGE` listeners), as tun's `TUNSETOFFLOAD` does.
    pub fn update_wanted_features(&self, mask: Features, on: Features, _rtnl: &Rtnl) {
        // SAFETY: The device is allocated; `wanted_features` changes under
        // RTNL, held, as `netdev_update_features` requires.
        unsafe {
            let w = &raw mut (*self.as_raw()).wanted_features;
            *w = (*w & !mask.bits()) | on.intersection(mask).bits();
            bindings::netdev_update_features(self.as_raw());
        }
    }

    /// Sets how many of the device's queues are in use
    /// (`netif_set_real_num_tx_queues` and `_rx_queues`); `EINVAL` for 0 or
    /// more than were allocated, as the core says.
    pub fn set_real_num_queues(&self, n: u32, _rtnl: &Rtnl) -> Result {
        // SAFETY: The device is allocated; RTNL is held, as both require
        // for a registered device.
        unsafe {
            to_result(bindings::netif_set_real_num_tx_queues(self.as_raw(), n))?;
            to_result(bindings::netif_set_real_num_rx_queues(self.as_raw(), n))
        }
    }

    /// Changes the link type and address length (`dev->type`,
    /// `addr_len`), as tun's `TUNSETLINK` does: only while the device is
    /// down (`EBUSY`), after `NETDEV_PRE_TYPE_CHANGE` listeners agreed (or
    /// their errno), telling `NETDEV_POST_TYPE_CHANGE` ones after. An
    /// address longer than the device's address buffer is `EINVAL`.
    pub fn change_type(&self, ty: u16, addr_len: u8, _rtnl: &Rtnl) -> Result {
        if self.is_up() {
            return Err(EBUSY);
        }
        // CAST: `MAX_ADDR_LEN` is 32.
        if u32::from(addr_len) > bindings::MAX_ADDR_LEN {
            return Err(EINVAL);
        }
        // SAFETY: The device is allocated; RTNL is held, as the notifier
        // chain requires.
        let ret = unsafe {
            bindings::call_netdevice_notifiers(
                // CAST: a small `enum netdev_cmd` value.
                bindings::netdev_cmd_NETDEV_PRE_TYPE_CHANGE as c_ulong,
                self.as_raw(),
            )
        };
        // `notifier_to_errno`.
        // CAST: the notifier constants are small.
        let ret = ret & !(bindings::NOTIFY_STOP_MASK as c_int);
        // CAST: as above.
        if ret > bindings::NOTIFY_OK as c_int {
            // CAST: as above.
            return Err(Error::from_errno(bindings::NOTIFY_OK as c_int - ret));
        }
        // SAFETY: The device is allocated and down; `type` and `addr_len`
        // change under RTNL, held (the address buffer is `MAX_ADDR_LEN`
        // long, checked above), each written once as readers outside RTNL
        // read them once; then the listeners are told, as above.
        unsafe {
            core::ptr::write_volatile(&raw mut (*self.as_raw()).type_, ty);
            core::ptr::write_volatile(&raw mut (*self.as_raw()).addr_len, addr_len);
            bindings::call_netdevice_notifiers(
                // CAST: as above.
                bindings::netdev_cmd_NETDEV_POST_TYPE_CHANGE as c_ulong,
                self.as_raw(),
            );
        }
        Ok(())
    }

    /// Tells rtnetlink listeners and `NETDEV_CHANGE` notifiers that the
    /// device's state changed (`netdev_state_change`).
    pub fn state_change(&self, _rtnl: &Rtnl) {
        // SAFETY: The device is allocated; RTNL is held, as required.
        unsafe { bindings::netdev_state_change(self.as_raw()) }
    }

    /// Turns GRO off and keeps it off unless asked for (as veth does by
    /// default: without NAPI there is nothing to aggregate).
    pub fn disable_gro(&self, _rtnl: &Rtnl) {
        let gro: u64 = 1 << bindings::NETIF_F_GRO_BIT;
        // SAFETY: The device is allocated; features change under RTNL, held.
        unsafe {
            (*self.as_raw()).features &= !gro;
            (*self.as_raw()).wanted_features &= !gro;
            bindings::netdev_update_features(self.as_raw());
        }
    }

    const ASSERT_DSTATS: () = assert!(
        matches!(T::PCPU_STATS, PcpuStats::Dstats),
        "the dstats counters need `const PCPU_STATS: PcpuStats = PcpuStats::Dstats`"
    );

    /// Whether the per-CPU dstats exist: `T` asked for them (checked at
    /// build time) and the core allocated them, which `register_netdevice`
    /// does before the device leaves `NETREG_UNINITIALIZED` (and frees them
    /// again on failure, leaving it there).
    fn has_dstats(&self) -> bool {
        let () = Self::ASSERT_DSTATS;
        self.reg_state() != bindings::netdev_reg_state_NETREG_UNINITIALIZED
    }

    /// Counts a transmitted packet of `len` bytes (per-CPU, lockless).
    /// Nothing is counted on a device that was never registered.
    pub fn stats_tx_add(&self, len: u32) {
        if self.has_dstats() {
            // SAFETY: The device has per-CPU dstats (checked above); the
            // helper updates this CPU's under its u64_stats sequence.
            unsafe { bindings::dev_dstats_tx_add(self.as_raw(), len) }
        }
    }

    /// Counts a received packet of `len` bytes (per-CPU, lockless).
    pub fn stats_rx_add(&self, len: u32) {
        if self.has_dstats() {
            // SAFETY: As in `stats_tx_add`.
            unsafe { bindings::dev_dstats_rx_add(self.as_raw(), len) }
        }
    }

    /// Counts a packet dropped on transmit.
    pub fn stats_tx_dropped(&self) {
        if self.has_dstats() {
            // SAFETY: As in `stats_tx_add`.
            unsafe { bindings::dev_dstats_tx_dropped(self.as_raw()) }
        }
    }

    /// Counts a received frame that was malformed (`rx_frame_errors`, as
    /// `DEV_STATS_INC` does: the core adds `dev->stats` to the per-CPU
    /// counters when it reports them).
    pub fn stats_rx_frame_error(&self) {
        // SAFETY: The device is allocated; `__rx_frame_errors` is the
        // `atomic_long_t` view of the counter, which C only touches
        // atomically (`DEV_STATS_INC`, `atomic_long_read`), aligned as a
        // 64-bit atomic on this 64-bit kernel.
        let c = unsafe {
            Atomic::<i64>::from_ptr(
                &raw mut (*self.as_raw())
                    .stats
                    .__bindgen_anon_14
                    .__rx_frame_errors
                    .counter,
            )
        };
        c.add(1, Relaxed);
    }

    /// Counts a packet dropped on receive.
    pub fn stats_rx_dropped(&self) {
        if self.has_dstats() {
            // SAFETY: As in `stats_tx_add`.
            unsafe { bindings::dev_dstats_rx_dropped(self.as_raw()) }
        }
    }
}
