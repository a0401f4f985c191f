// SPDX-License-Identifier: GPL-2.0

//! Setting a device up before it is registered: type, flags, features,
//! MTU limits and address.

use core::marker::PhantomData;
use kernel::{bindings, ffi::c_ulong, impl_flags};

impl_flags!(
    /// A set of device features (`netdev_features_t`).
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct Features(u64);

    /// One device feature (`NETIF_F_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Feature {
        /// Scatter-gather I/O.
        Sg = 1u64 << bindings::NETIF_F_SG_BIT,
        /// Checksums any packet in hardware.
        HwCsum = 1u64 << bindings::NETIF_F_HW_CSUM_BIT,
        /// Checks received checksums.
        RxCsum = 1u64 << bindings::NETIF_F_RXCSUM_BIT,
        /// Can reach high memory.
        HighDma = 1u64 << bindings::NETIF_F_HIGHDMA_BIT,
        /// Takes fragment lists.
        FragList = 1u64 << bindings::NETIF_F_FRAGLIST_BIT,
        /// TCP segmentation (IPv4).
        Tso = 1u64 << bindings::NETIF_F_TSO_BIT,
        /// TCP segmentation (IPv6).
        Tso6 = 1u64 << bindings::NETIF_F_TSO6_BIT,
        /// TCP segmentation with ECN.
        TsoEcn = 1u64 << bindings::NETIF_F_TSO_ECN_BIT,
        /// TCP segmentation that may change IPv4 ids.
        TsoMangleId = 1u64 << bindings::NETIF_F_TSO_MANGLEID_BIT,
        /// TCP segmentation with AccECN.
        GsoAccEcn = 1u64 << bindings::NETIF_F_GSO_ACCECN_BIT,
        /// SCTP segmentation.
        GsoSctp = 1u64 << bindings::NETIF_F_GSO_SCTP_BIT,
        /// UDP segmentation (`UDP_SEGMENT`).
        GsoUdpL4 = 1u64 << bindings::NETIF_F_GSO_UDP_L4_BIT,
        /// Fraglist segmentation.
        GsoFragList = 1u64 << bindings::NETIF_F_GSO_FRAGLIST_BIT,
        /// Generic receive offload.
        Gro = 1u64 << bindings::NETIF_F_GRO_BIT,
        /// UDP tunnel (VXLAN, Geneve) segmentation.
        GsoUdpTunnel = 1u64 << bindings::NETIF_F_GSO_UDP_TUNNEL_BIT,
        /// UDP tunnel segmentation with the outer UDP checksum.
        GsoUdpTunnelCsum = 1u64 << bindings::NETIF_F_GSO_UDP_TUNNEL_CSUM_BIT,
        /// Inserts 802.1Q VLAN tags on transmit.
        HwVlanCtagTx = 1u64 << bindings::NETIF_F_HW_VLAN_CTAG_TX_BIT,
        /// Inserts 802.1ad VLAN tags on transmit.
        HwVlanStagTx = 1u64 << bindings::NETIF_F_HW_VLAN_STAG_TX_BIT,
    }
);

impl Features {
    /// The set of `flags` (usable in `const` items).
    pub const fn of(flags: &[Feature]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < flags.len() {
            // CAST: `Feature` is `repr(u64)`; its value is its bit.
            bits |= flags[i] as u64;
            i += 1;
        }
        Features(bits)
    }

    /// `NETIF_F_GSO_SOFTWARE`: the segmentation the stack does in software.
    pub const GSO_SOFTWARE: Features = Features::of(&[
        Feature::Tso,
        Feature::Tso6,
        Feature::TsoEcn,
        Feature::TsoMangleId,
        Feature::GsoAccEcn,
        Feature::GsoSctp,
        Feature::GsoUdpL4,
        Feature::GsoFragList,
    ]);

    /// Both sets.
    pub const fn union(self, other: Features) -> Features {
        Features(self.0 | other.0)
    }

    /// What is in both sets.
    pub const fn intersection(self, other: Features) -> Features {
        Features(self.0 & other.0)
    }

    /// What is in `self` and not in `other`.
    pub const fn difference(self, other: Features) -> Features {
        Features(self.0 & !other.0)
    }

    /// Whether no feature is in the set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// A set from `netdev_features_t` bits, any of them (features this
    /// enum does not name pass through a driver's hooks unchanged).
    pub const fn from_bits(bits: u64) -> Features {
        Features(bits)
    }

    pub(crate) const fn bits(self) -> u64 {
        self.0
    }
}

impl_flags!(
    /// A set of private device flags (`enum netdev_priv_flags`).
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct PrivFlags(u32);

    /// One private device flag a driver may set (`IFF_*` of `netdev_priv_flags`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum PrivFlag {
        /// Can share one skb for several transmissions (pktgen).
        TxSkbSharing = bindings::netdev_priv_flags_IFF_TX_SKB_SHARING,
        /// The address may change while the device is up.
        LiveAddrChange = bindings::netdev_priv_flags_IFF_LIVE_ADDR_CHANGE,
        /// No qdisc: the device does not queue.
        NoQueue = bindings::netdev_priv_flags_IFF_NO_QUEUE,
        /// Headroom requests are not real (software device).
        PhonyHeadroom = bindings::netdev_priv_flags_IFF_PHONY_HEADROOM,
        /// netpoll (netconsole) is not supported.
        DisableNetpoll = bindings::netdev_priv_flags_IFF_DISABLE_NETPOLL,
    }
);

impl PrivFlags {
    /// The set of `flags` (usable in `const` items).
    pub const fn of(flags: &[PrivFlag]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < flags.len() {
            // CAST: `PrivFlag` is `repr(u32)`; its value is its bit.
            bits |= flags[i] as u32;
            i += 1;
        }
        PrivFlags(bits)
    }
}

/// A device being set up, not yet registered: nothing else sees it, so its
/// fields are written without locks.
///
/// # Invariants
///
/// `dev` points to an allocated, unregistered `net_device` that nothing
/// else reads or writes for `'a` (it is being allocated, or is owned by the
/// code that made this object).
pub struct Setup<'a> {
    dev: *mut bindings::net_device,
    _p: PhantomData<&'a mut bindings::net_device>,
}

impl Setup<'_> {
    /// # Safety
    ///
    /// `dev` must satisfy the type invariant for the chosen lifetime.
    pub(super) unsafe fn from_raw(dev: *mut bindings::net_device) -> Self {
        // INVARIANT: The caller guarantees it.
        Setup {
            dev,
            _p: PhantomData,
        }
    }

    /// Sets the Ethernet defaults (`ether_setup`): type, header ops, MTU
    /// 68..1500, broadcast address, queue length.
    pub fn ether_setup(&mut self) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { bindings::ether_setup(self.dev) }
    }

    /// Sets the flags in `set` and clears those in `clear`.
    pub fn priv_flags(&mut self, set: PrivFlags, clear: PrivFlags) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe {
            let pf = &mut (*self.dev).__bindgen_anon_1.__bindgen_anon_1;
            // CAST: `priv_flags` is a 32-bit bitfield read as `c_ulong`.
            let v = (pf.priv_flags() as u32 & !u32::from(clear)) | u32::from(set);
            // CAST: a `u32` fits in `c_ulong` (64-bit here).
            pf.set_priv_flags(v as c_ulong);
        }
    }

    /// Marks the transmit path lockless (`dev->lltx`): `start_xmit` may run
    /// on several CPUs at once.
    pub fn lltx(&mut self) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { (*self.dev).__bindgen_anon_1.__bindgen_anon_1.set_lltx(1) }
    }

    /// Makes the device a point-to-point IP device without link-layer
    /// header or address (a tun device): `ARPHRD_NONE`, `IFF_POINTOPOINT |
    /// IFF_NOARP | IFF_MULTICAST`, MTU 1500.
    pub fn point_to_point(&mut self) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe {
            let d = &mut *self.dev;
            d.hard_header_len = 0;
            d.addr_len = 0;
            d.mtu = 1500;
            // CAST: `ARPHRD_NONE` (0xfffe) fits in `type`'s 16 bits.
            d.type_ = bindings::ARPHRD_NONE as u16;
            d.flags = bindings::net_device_flags_IFF_POINTOPOINT
                | bindings::net_device_flags_IFF_NOARP
                | bindings::net_device_flags_IFF_MULTICAST;
        }
    }

    /// Sets the default transmit queue length.
    pub fn tx_queue_len(&mut self, len: u32) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { (*self.dev).tx_queue_len = len }
    }

    /// Sets the MTU. The caller checks it against the limits (the core
    /// checks again when the device is registered by rtnetlink).
    pub fn mtu(&mut self, mtu: u32) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { (*self.dev).mtu = mtu }
    }

    /// Sets the smallest MTU the device accepts.
    pub fn min_mtu(&mut self, mtu: u32) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { (*self.dev).min_mtu = mtu }
    }

    /// Sets the largest MTU the device accepts.
    pub fn max_mtu(&mut self, mtu: u32) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { (*self.dev).max_mtu = mtu }
    }

    /// Gives the device a random locally administered MAC address.
    pub fn random_mac(&mut self) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { bindings::eth_hw_addr_random(self.dev) }
    }

    /// Asks for interface index `ifindex` at registration (0: any).
    pub fn ifindex(&mut self, ifindex: i32) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { (*self.dev).ifindex = ifindex }
    }

    /// Sets the features on by default (`on`) and those the user may
    /// toggle (`user`); VLAN devices on top inherit `on`.
    pub fn features(&mut self, on: Features, user: Features) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe {
            (*self.dev).features |= on.bits();
            (*self.dev).hw_features |= user.bits();
            (*self.dev).hw_enc_features |= user.bits();
            (*self.dev).vlan_features = (*self.dev).features;
        }
    }

    /// Sets the features VLAN devices on top inherit (`vlan_features`;
    /// [`Setup::features`] sets them to the features on by default).
    pub fn vlan_features(&mut self, f: Features) {
        // SAFETY: The device is unregistered and ours (type invariant).
        unsafe { (*self.dev).vlan_features = f.bits() }
    }

    /// Takes over `from`'s TSO limits (`netif_inherit_tso_max`).
    pub fn inherit_tso_max(&mut self, from: &super::Device) {
        // SAFETY: The device is unregistered and ours; `from` is allocated.
        unsafe { bindings::netif_inherit_tso_max(self.dev, from.as_raw()) }
    }
}
