// SPDX-License-Identifier: GPL-2.0

//! The driver of a link type: the [`Driver`] trait and the
//! `net_device_ops` built from it.

use super::{
    device::{Dev, PcpuStats, SockAddr},
    ethtool::{Channels, DrvInfo, EthtoolAdapter},
    link::{NewLink, UnregisterQueue},
    ns::Net,
    rtnl::Rtnl,
    setup::{Features, Setup},
    sysfs::{SysfsAdapter, SysfsBuf},
};
use crate::abstractions::{
    netlink::{maxtype, Attrs, ExtAck, Policy, Writer},
    skb::SkBuff,
};
use core::marker::PhantomData;
use kernel::{
    bindings,
    error::{from_result, VTABLE_DEFAULT_ERROR},
    prelude::*,
    sync::rcu,
    types::NotThreadSafe,
};

/// Proof that the code runs in a device's transmit path (`ndo_start_xmit`):
/// bottom halves disabled, inside an RCU read-side critical section
/// (`rcu_read_lock_bh`).
///
/// # Invariants
///
/// Only the transmit trampoline creates it, for the duration of the call.
pub struct XmitCtx(NotThreadSafe);

/// What became of a packet [`Driver::start_xmit`] was given (it takes it
/// either way): sent on, or dropped (`NET_XMIT_DROP`, which a sender on a
/// device without a qdisc sees as `ENOBUFS`, as from veth and tun).
/// There is no "busy": a packet handed back would be freed twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// Sent on (or queued).
    Sent,
    /// Dropped, and counted by the driver.
    Dropped,
}

/// Which `ndo_features_check` a driver uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeaturesCheck {
    /// None: the core's default (restricts offloads of stacked VLAN tags).
    Default,
    /// `passthru_features_check`: every offload, whatever the packet (veth).
    Passthru,
}

/// A network device driver with an rtnetlink link type.
///
/// Every operation the driver does not implement stays `NULL` in the C
/// tables (checked with `HAS_*`, as `net::phy` does), so the core applies its
/// own default. Private data is zero-initialised by the allocator and never
/// dropped (the core may free a device without calling the driver), so it
/// must be [`Zeroable`] and must not need `Drop`; [`Driver::destroy`]
/// releases what it owns.
#[vtable]
pub trait Driver: Sized + 'static {
    /// The link kind (`ip link add ... type KIND`).
    const KIND: &'static CStr;
    /// Policy of `IFLA_INFO_DATA` (entry 0 unused).
    const POLICY: &'static [Policy];
    /// The `IFLA_INFO_DATA` attribute that describes a peer (0: none).
    const PEER_TYPE: u16 = 0;
    /// The per-CPU counters the core keeps for the driver's devices.
    const PCPU_STATS: PcpuStats = PcpuStats::None;
    /// Which `ndo_features_check`.
    const FEATURES_CHECK: FeaturesCheck = FeaturesCheck::Default;
    /// ethtool statistics names (`ethtool -S`), in [`Driver::ethtool_stats`] order.
    const ETHTOOL_STATS: &'static [&'static CStr] = &[];

    /// Per-device private data.
    type Private: Zeroable + Send + Sync;

    /// The most room [`Driver::fill_info`] takes for `dev`, in bytes: the
    /// sum of [`total_size`](crate::abstractions::netlink::total_size) of
    /// each attribute it may put (`rtnl_link_ops::get_size`). Implemented
    /// together with `fill_info` (checked at build time).
    fn get_size(_dev: &Dev<Self>) -> usize {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Puts the kind's attributes of `dev` into `IFLA_INFO_DATA`
    /// (`rtnl_link_ops::fill_info`, for `RTM_GETLINK`, dumps and link
    /// notifications). Runs without RTNL, possibly in an RCU read-side
    /// critical section: it must not sleep. An error drops the whole
    /// `IFLA_INFO_DATA`; putting more than [`Driver::get_size`] said fails
    /// with `EMSGSIZE` (and the core warns).
    fn fill_info(_dev: &Dev<Self>, _w: &Writer) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Initialises a freshly allocated device (`rtnl_link_ops::setup`).
    fn setup(dev: &mut Setup<'_>);

    /// Checks a request before anything is created (`rtnl_link_ops::validate`).
    fn validate(_tb: &Attrs<'_>, _data: &Attrs<'_>, _ext: &mut ExtAck<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Completes a new link made by rtnetlink: registers `dev` (and whatever
    /// else) through [`NewLink::register_self`]. A device left unregistered
    /// on success, or registered on failure, is treated as the other case
    /// wants (the request fails, or the device is unregistered).
    fn newlink(dev: &Dev<Self>, p: &NewLink<'_, Self>, ext: &mut ExtAck<'_>, rtnl: &Rtnl)
        -> Result;

    /// Deletes a link: queue `dev` (and others) on `q`.
    fn dellink(dev: &Dev<Self>, q: &mut UnregisterQueue<'_>, rtnl: &Rtnl);

    /// The netns of the other end of the link (`IFLA_LINK_NETNSID`). Called
    /// under RTNL or only under RCU: it gets an RCU guard.
    fn get_link_net<'a>(_dev: &'a Dev<Self>, _rcu: &'a rcu::Guard) -> Option<&'a Net> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_open` (`ip link set up`).
    fn open(_dev: &Dev<Self>, _rtnl: &Rtnl) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_stop` (`ip link set down`).
    fn stop(_dev: &Dev<Self>, _rtnl: &Rtnl) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Transmits (or drops) `skb`; it is always consumed.
    fn start_xmit(skb: SkBuff, dev: &Dev<Self>, ctx: &XmitCtx) -> TxStatus;

    /// `ndo_set_rx_mode`: the address lists changed (called with the address
    /// list lock held, bottom halves off: must not sleep).
    fn set_rx_mode(_dev: &Dev<Self>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_set_mac_address` (Ethernet drivers: [`Dev::eth_mac_addr`]).
    fn set_mac_address(_dev: &Dev<Self>, _addr: &SockAddr<'_>, _rtnl: &Rtnl) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_validate_addr`: may the device go up with its address?
    fn validate_addr(_dev: &Dev<Self>, _rtnl: &Rtnl) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_get_iflink`: the index shown as `@peer` by `ip link` (called
    /// under RCU or RTNL: it gets an RCU guard).
    fn get_iflink(_dev: &Dev<Self>, _rcu: &rcu::Guard) -> i32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_uninit`: the registered device is being unregistered (transmit
    /// has stopped); release what it uses. Not called for a device whose
    /// registration failed.
    fn uninit(_dev: &Dev<Self>, _rtnl: &Rtnl) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The device is being freed: release what its private data owns.
    /// Called exactly once per device that the layer or the core frees
    /// (also for one never registered), with no other user left.
    fn destroy(_private: &mut Self::Private) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_select_queue`: the transmit queue for `skb`, below the
    /// number of real queues (the core folds a larger answer into range);
    /// called with bottom halves off under RCU.
    fn select_queue(_dev: &Dev<Self>, _skb: &SkBuff, _rcu: &rcu::Guard) -> u16 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_fix_features`: the features `netdev_update_features` may turn
    /// on, from those wanted and possible (`features`); called under RTNL,
    /// also during registration. Features outside the driver's concern
    /// should pass through unchanged.
    fn fix_features(_dev: &Dev<Self>, _features: Features) -> Features {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The device's own read-only sysfs attributes (`/sys/class/net/DEV/NAME`),
    /// at most [`super::MAX_SYSFS_ATTRS`]; each shown by [`Self::sysfs_show`].
    const SYSFS_ATTRS: &'static [&'static CStr] = &[];

    /// Writes what attribute `index` of [`Self::SYSFS_ATTRS`] shows, with
    /// its newline (`sysfs_emit`); runs in process context.
    fn sysfs_show(_dev: &Dev<Self>, _index: usize, _out: &mut SysfsBuf<'_>) {}

    /// ethtool `get_drvinfo` (`ethtool -i`).
    fn get_drvinfo(_dev: &Dev<Self>, _info: &mut DrvInfo<'_>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// ethtool `get_channels` (`ethtool -l`).
    fn get_channels(_dev: &Dev<Self>) -> Channels {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// ethtool `get_msglevel` (`ethtool DEV` "Current message level").
    fn get_msglevel(_dev: &Dev<Self>) -> u32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// ethtool `set_msglevel` (`ethtool -s DEV msglvl N`).
    fn set_msglevel(_dev: &Dev<Self>, _value: u32) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// ethtool `get_link` (Ethernet drivers: the carrier).
    fn get_link(_dev: &Dev<Self>) -> bool {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Fills the values of [`Self::ETHTOOL_STATS`] (`data` is zeroed).
    fn ethtool_stats(_dev: &Dev<Self>, _data: &mut [u64], _rcu: &rcu::Guard) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The private area of a device of `T`: the driver's data and whether it
/// was destroyed (the core runs `priv_destructor` on some failed
/// registrations, the layer on others).
#[repr(C)]
pub(super) struct PrivArea<T: Driver> {
    pub(super) private: T::Private,
    destroyed: bool,
}

/// Runs `T::destroy` on `dev`'s private data unless it ran already.
///
/// # Safety
///
/// `dev` is an allocated device of `T` that nothing else uses any more.
pub(super) unsafe fn destroy_once<T: Driver>(dev: *mut bindings::net_device) {
    if !T::HAS_DESTROY {
        return;
    }
    // SAFETY: The private area of a device of `T` is a `PrivArea<T>`
    // (`priv_size` in `LinkOps::new`), zero-initialised (valid: both fields
    // are `Zeroable`), and the caller guarantees that nothing else uses it.
    let area = unsafe { &mut *bindings::netdev_priv(dev).cast::<PrivArea<T>>() };
    if !area.destroyed {
        area.destroyed = true;
        T::destroy(&mut area.private);
    }
}

/// Whether `dev` is registered (or going away), as opposed to never having
/// been registered.
fn was_registered(dev: *const bindings::net_device) -> bool {
    // SAFETY: The callers pass a device the core handed them.
    let st = unsafe { (*dev).reg_state };
    u32::from(st) != bindings::netdev_reg_state_NETREG_UNINITIALIZED
}

pub(super) struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    pub(super) const NETDEV_OPS: bindings::net_device_ops = bindings::net_device_ops {
        ndo_uninit: if T::HAS_UNINIT {
            Some(Self::uninit_callback)
        } else {
            None
        },
        ndo_open: if T::HAS_OPEN {
            Some(Self::open_callback)
        } else {
            None
        },
        ndo_stop: if T::HAS_STOP {
            Some(Self::stop_callback)
        } else {
            None
        },
        ndo_start_xmit: Some(Self::start_xmit_callback),
        ndo_set_rx_mode: if T::HAS_SET_RX_MODE {
            Some(Self::set_rx_mode_callback)
        } else {
            None
        },
        ndo_set_mac_address: if T::HAS_SET_MAC_ADDRESS {
            Some(Self::set_mac_address_callback)
        } else {
            None
        },
        ndo_validate_addr: if T::HAS_VALIDATE_ADDR {
            Some(Self::validate_addr_callback)
        } else {
            None
        },
        ndo_get_iflink: if T::HAS_GET_IFLINK {
            Some(Self::get_iflink_callback)
        } else {
            None
        },
        ndo_select_queue: if T::HAS_SELECT_QUEUE {
            Some(Self::select_queue_callback)
        } else {
            None
        },
        ndo_fix_features: if T::HAS_FIX_FEATURES {
            Some(Self::fix_features_callback)
        } else {
            None
        },
        ndo_features_check: match T::FEATURES_CHECK {
            FeaturesCheck::Default => None,
            FeaturesCheck::Passthru => Some(bindings::passthru_features_check),
        },
        ..pin_init::zeroed()
    };

    /// # Safety
    ///
    /// Called by `alloc_netdev_mqs` with a fresh device of this link type.
    pub(super) unsafe extern "C" fn setup_callback(dev: *mut bindings::net_device) {
        const {
            assert!(
                !core::mem::needs_drop::<T::Private>(),
                "Private must not need Drop"
            );
        }
        // SAFETY: The device is being allocated: nothing else sees it.
        let mut s = unsafe { Setup::from_raw(dev) };
        T::setup(&mut s);
        // SAFETY: As above; the ops tables are `'static` consts.
        unsafe {
            (*dev).netdev_ops = &Self::NETDEV_OPS;
            (*dev).ethtool_ops = EthtoolAdapter::<T>::OPS;
            // The driver's group, in the slot the core leaves for it.
            (*dev).sysfs_groups[0] = SysfsAdapter::<T>::GROUP_PTR;
            (*dev).needs_free_netdev = true;
            if T::HAS_DESTROY {
                (*dev).priv_destructor = Some(Self::destroy_callback);
            }
            if let PcpuStats::Dstats = T::PCPU_STATS {
                (*dev).set_pcpu_stat_type(bindings::netdev_stat_type_NETDEV_PCPU_STAT_DSTATS);
            }
        }
    }

    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with tables parsed against
    /// `IFLA_MAX` and `T::POLICY`; `extack` null or valid.
    pub(super) unsafe extern "C" fn validate_callback(
        tb: *mut *mut bindings::nlattr,
        data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `tb` has `IFLA_MAX + 1` entries and `data` is null or
            // has `maxtype + 1`, all validated; `extack` is null or valid
            // for the call.
            let (tb, data, mut ext) = unsafe {
                (
                    Attrs::from_raw(tb, super::IFLA_MAX),
                    Attrs::from_raw(data, maxtype(T::POLICY)),
                    ExtAck::from_raw(extack),
                )
            };
            T::validate(&tb, &data, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with the new, unregistered device of
    /// this type, valid params and a null or valid extack.
    pub(super) unsafe extern "C" fn newlink_callback(
        dev: *mut bindings::net_device,
        params: *mut bindings::rtnl_newlink_params,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: RTNL is held for the call; `dev` is a device of `T` that
        // the core keeps allocated for the call; `extack` is null or valid.
        let (rtnl, d, mut ext) = unsafe {
            (
                Rtnl::assume_held(),
                Dev::<T>::from_raw(dev),
                ExtAck::from_raw(extack),
            )
        };
        // SAFETY: `params` is valid for the call; `dev` is its device.
        let p = unsafe { NewLink::from_raw(dev, params) };
        let ret = T::newlink(d, &p, &mut ext, &rtnl);
        match (ret, d.is_registered(&rtnl)) {
            (Ok(()), true) => 0,
            (Ok(()), false) => {
                // rtnetlink would configure an unregistered device.
                ext.msg(c"driver did not register the device");
                EINVAL.to_errno()
            }
            (Err(e), registered) => {
                // rtnetlink frees the device (`free_netdev`), which needs it
                // unregistered.
                if registered {
                    d.unregister(&rtnl);
                }
                e.to_errno()
            }
        }
    }

    /// # Safety
    ///
    /// Called by rtnetlink under RTNL for a registered device of this type.
    pub(super) unsafe extern "C" fn dellink_callback(
        dev: *mut bindings::net_device,
        head: *mut bindings::list_head,
    ) {
        // SAFETY: RTNL is held; `dev` is a device of `T`; `head` is the
        // core's list for the call (or null).
        let (rtnl, dev, mut q) = unsafe {
            (
                Rtnl::assume_held(),
                Dev::<T>::from_raw(dev),
                UnregisterQueue::from_raw(head),
            )
        };
        T::dellink(dev, &mut q, &rtnl);
    }

    /// # Safety
    ///
    /// Called under RTNL or RCU for a registered device of this type; the
    /// caller uses the result within that section.
    pub(super) unsafe extern "C" fn get_link_net_callback(
        dev: *const bindings::net_device,
    ) -> *mut bindings::net {
        let guard = rcu::read_lock();
        // SAFETY: The core calls this for an allocated device of `T`.
        let d = unsafe { Dev::<T>::from_raw(dev) };
        match T::get_link_net(d, &guard) {
            // The caller's own RTNL or RCU section keeps the peer, and so
            // its netns, alive while it uses the result.
            Some(net) => net.as_raw(),
            None => d.net().as_raw(),
        }
    }

    /// # Safety
    ///
    /// `ndo_validate_addr`: called under RTNL when the device opens.
    unsafe extern "C" fn validate_addr_callback(dev: *mut bindings::net_device) -> c_int {
        // SAFETY: RTNL is held; `dev` is a device of `T`.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
        from_result(|| T::validate_addr(dev, &rtnl).map(|()| 0))
    }

    /// # Safety
    ///
    /// `ndo_set_mac_address`: called under RTNL with a `sockaddr` holding
    /// at least `addr_len` bytes of address.
    unsafe extern "C" fn set_mac_address_callback(
        dev: *mut bindings::net_device,
        addr: *mut c_void,
    ) -> c_int {
        // SAFETY: RTNL is held; `dev` is a device of `T`; `addr` is the
        // request's address for the call.
        let (rtnl, dev, addr) = unsafe {
            (
                Rtnl::assume_held(),
                Dev::<T>::from_raw(dev),
                SockAddr(addr, PhantomData),
            )
        };
        from_result(|| T::set_mac_address(dev, &addr, &rtnl).map(|()| 0))
    }

    /// # Safety
    ///
    /// `ndo_uninit`: called under RTNL when a device is unregistered, and
    /// when its registration fails after `ndo_init`.
    unsafe extern "C" fn uninit_callback(dev: *mut bindings::net_device) {
        // A failed registration: the device was never visible (and rvnet has
        // no `ndo_init` whose work would need undoing).
        if !was_registered(dev) {
            return;
        }
        // SAFETY: RTNL is held; `dev` is a device of `T`.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
        T::uninit(dev, &rtnl);
    }

    /// # Safety
    ///
    /// `priv_destructor`: the device is about to be freed; no other user.
    unsafe extern "C" fn destroy_callback(dev: *mut bindings::net_device) {
        // SAFETY: The core calls this once no one else uses the device.
        unsafe { destroy_once::<T>(dev) };
    }

    /// # Safety
    ///
    /// `ndo_open`: called under RTNL.
    unsafe extern "C" fn open_callback(dev: *mut bindings::net_device) -> c_int {
        // SAFETY: RTNL is held; `dev` is a device of `T`.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
        from_result(|| T::open(dev, &rtnl).map(|()| 0))
    }

    /// # Safety
    ///
    /// `ndo_stop`: called under RTNL.
    unsafe extern "C" fn stop_callback(dev: *mut bindings::net_device) -> c_int {
        // SAFETY: RTNL is held; `dev` is a device of `T`.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Dev::<T>::from_raw(dev)) };
        from_result(|| T::stop(dev, &rtnl).map(|()| 0))
    }

    /// # Safety
    ///
    /// `ndo_start_xmit`: called with BH disabled under `rcu_read_lock_bh`,
    /// giving us `skb`.
    unsafe extern "C" fn start_xmit_callback(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        // SAFETY: We own `skb`; `dev` is a registered device of `T`.
        let (skb, dev) = unsafe { (SkBuff::from_raw(skb), Dev::<T>::from_raw(dev)) };
        // INVARIANT: The transmit context lasts for the call.
        match T::start_xmit(skb, dev, &XmitCtx(NotThreadSafe)) {
            TxStatus::Sent => bindings::netdev_tx_NETDEV_TX_OK,
            // CAST: `NET_XMIT_DROP` is 1, a consumed packet's code.
            TxStatus::Dropped => bindings::NET_XMIT_DROP as bindings::netdev_tx_t,
        }
    }

    /// # Safety
    ///
    /// `ndo_select_queue`: called from `__dev_queue_xmit` for a device of
    /// this type with a packet the caller owns, under `rcu_read_lock_bh`.
    unsafe extern "C" fn select_queue_callback(
        dev: *mut bindings::net_device,
        skb: *mut bindings::sk_buff,
        _sb_dev: *mut bindings::net_device,
    ) -> u16 {
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        let dev = unsafe { Dev::<T>::from_raw(dev) };
        // SAFETY: `skb` is valid for the call and stays the caller's: it is
        // only lent (`ManuallyDrop`, and `&` allows no method that frees).
        let skb = core::mem::ManuallyDrop::new(unsafe { SkBuff::from_raw(skb) });
        let guard = rcu::read_lock();
        T::select_queue(dev, &skb, &guard)
    }

    /// # Safety
    ///
    /// `ndo_fix_features`: called under RTNL for a device of this type.
    unsafe extern "C" fn fix_features_callback(
        dev: *mut bindings::net_device,
        features: bindings::netdev_features_t,
    ) -> bindings::netdev_features_t {
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        let dev = unsafe { Dev::<T>::from_raw(dev) };
        T::fix_features(dev, Features::from_bits(features)).bits()
    }

    /// # Safety
    ///
    /// `ndo_set_rx_mode`: called for a device of this type under its
    /// address list lock.
    unsafe extern "C" fn set_rx_mode_callback(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        T::set_rx_mode(unsafe { Dev::<T>::from_raw(dev) })
    }

    /// # Safety
    ///
    /// `rtnl_link_ops::get_size`: called for a device of this type.
    pub(super) unsafe extern "C" fn get_size_callback(dev: *const bindings::net_device) -> usize {
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        T::get_size(unsafe { Dev::<T>::from_raw(dev) })
    }

    /// # Safety
    ///
    /// `rtnl_link_ops::fill_info`: called for a device of this type with
    /// the message being built in `skb`, inside the `IFLA_INFO_DATA` nest.
    pub(super) unsafe extern "C" fn fill_info_callback(
        skb: *mut bindings::sk_buff,
        dev: *const bindings::net_device,
    ) -> c_int {
        // SAFETY: `skb` holds the message `rtnl_fill_ifinfo` builds, valid
        // and written only by us for the call.
        let w = unsafe { Writer::from_raw(skb) };
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        from_result(|| T::fill_info(unsafe { Dev::<T>::from_raw(dev) }, w).map(|()| 0))
    }

    /// # Safety
    ///
    /// `ndo_get_iflink`: called under RCU or RTNL for a device of this type.
    unsafe extern "C" fn get_iflink_callback(dev: *const bindings::net_device) -> c_int {
        let guard = rcu::read_lock();
        // SAFETY: `dev` is a device of `T`, allocated for the call.
        T::get_iflink(unsafe { Dev::<T>::from_raw(dev) }, &guard)
    }
}

#[kunit_tests(rvnet_netdev_vtable)]
mod tests {
    use super::*;

    static POLICY: [Policy; 1] = [Policy::unspec()];

    /// A driver with only the required operations and `open`.
    struct Bare;

    #[vtable]
    impl Driver for Bare {
        const KIND: &'static CStr = c"rvnet_test_bare";
        const POLICY: &'static [Policy] = &POLICY;
        type Private = ();
        fn setup(_dev: &mut Setup<'_>) {}
        fn newlink(
            _dev: &Dev<Self>,
            _p: &NewLink<'_, Self>,
            _ext: &mut ExtAck<'_>,
            _rtnl: &Rtnl,
        ) -> Result {
            Err(EOPNOTSUPP)
        }
        fn dellink(_dev: &Dev<Self>, _q: &mut UnregisterQueue<'_>, _rtnl: &Rtnl) {}
        fn start_xmit(_skb: SkBuff, _dev: &Dev<Self>, _ctx: &XmitCtx) -> TxStatus {
            TxStatus::Sent
        }
        fn open(_dev: &Dev<Self>, _rtnl: &Rtnl) -> Result {
            Ok(())
        }
    }

    /// Operations a driver does not implement stay NULL: the core's
    /// defaults apply, not the layer's.
    #[test]
    fn unimplemented_ops_stay_null() {
        let ops = Adapter::<Bare>::NETDEV_OPS;
        assert!(ops.ndo_open.is_some());
        assert!(ops.ndo_start_xmit.is_some());
        assert!(ops.ndo_stop.is_none());
        assert!(ops.ndo_uninit.is_none());
        assert!(ops.ndo_set_rx_mode.is_none());
        assert!(ops.ndo_set_mac_address.is_none());
        assert!(ops.ndo_validate_addr.is_none());
        assert!(ops.ndo_get_iflink.is_none());
        assert!(ops.ndo_fix_features.is_none());
        assert!(ops.ndo_select_queue.is_none());
        assert!(ops.ndo_features_check.is_none());
        assert!(EthtoolAdapter::<Bare>::OPS.is_null());
        let link = super::super::LinkOps::<Bare>::new();
        // SAFETY: `link` is a local, initialised table.
        let raw = unsafe { &*link.as_raw() };
        assert!(raw.validate.is_none());
        assert!(raw.get_link_net.is_none());
        assert!(raw.newlink.is_some());
        assert_eq!(raw.priv_size, core::mem::size_of::<PrivArea<Bare>>());
    }
}
