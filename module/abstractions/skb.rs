// SPDX-License-Identifier: GPL-2.0

//! Socket buffers (`struct sk_buff`) owned by a driver.
//!
//! C header: [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h)

use super::netdev::{Device, XmitCtx, ETH_HLEN};
use core::{mem::size_of, ptr::NonNull};
use kernel::{
    bindings,
    iov::{IovIterDest, IovIterSource},
    prelude::*,
    types::NotThreadSafe,
};

/// `VLAN_HLEN`: the bytes of one VLAN tag in a frame.
// CAST: 4.
pub const VLAN_HLEN: usize = bindings::VLAN_HLEN as usize;

/// Where a VLAN tag goes in an Ethernet frame (`offsetof(struct vlan_ethhdr,
/// h_vlan_proto)`): after the two addresses.
pub const VLAN_TAG_OFFSET: u32 = 2 * bindings::ETH_ALEN;

/// Why a packet was dropped (a subset of `enum skb_drop_reason`), so that
/// `dropwatch`/`perf trace` users see the real cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// No better reason is known.
    NotSpecified,
    /// The device (or its peer) is down or gone.
    DevReady,
    /// The packet is shorter than its headers.
    PktTooSmall,
    /// The device's queue is full.
    FullRing,
    /// A TAP device's transmit filter refused it.
    TapTxFilter,
}

impl DropReason {
    fn as_raw(self) -> bindings::skb_drop_reason {
        match self {
            Self::NotSpecified => bindings::skb_drop_reason_SKB_DROP_REASON_NOT_SPECIFIED,
            Self::DevReady => bindings::skb_drop_reason_SKB_DROP_REASON_DEV_READY,
            Self::PktTooSmall => bindings::skb_drop_reason_SKB_DROP_REASON_PKT_TOO_SMALL,
            Self::FullRing => bindings::skb_drop_reason_SKB_DROP_REASON_FULL_RING,
            Self::TapTxFilter => bindings::skb_drop_reason_SKB_DROP_REASON_TAP_TXFILTER,
        }
    }
}

/// What became of a packet handed to a receiving device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxStatus {
    /// The receiving device took it.
    Success,
    /// It was dropped (and counted and freed by the core).
    Dropped,
}

/// An owned socket buffer.
///
/// Dropping it frees it with `SKB_DROP_REASON_NOT_SPECIFIED` through
/// `dev_kfree_skb_any_reason`, which is safe in every context (process,
/// softirq, hard IRQ) and never WARNs; say why with [`SkBuff::drop_reason`],
/// or [`SkBuff::consume`] it when it was delivered.
///
/// # Invariants
///
/// `0` points to a valid `sk_buff` that this object owns (one reference).
pub struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: An owned skb may be handed to and freed on any CPU/thread.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// Takes ownership of `skb`.
    ///
    /// # Safety
    ///
    /// `skb` must be a valid `sk_buff` whose reference the caller gives away.
    pub(crate) unsafe fn from_raw(skb: *mut bindings::sk_buff) -> Self {
        // SAFETY: The caller guarantees `skb` is valid, hence non-null.
        SkBuff(unsafe { NonNull::new_unchecked(skb) })
    }

    /// Gives up ownership, returning the raw pointer.
    pub(crate) fn into_raw(self) -> *mut bindings::sk_buff {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// Bytes of packet data.
    pub fn len(&self) -> u32 {
        // SAFETY: The skb is valid (type invariant).
        unsafe { (*self.as_raw()).len }
    }

    /// Whether the packet carries no data.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes the first `len` bytes linear (`pskb_may_pull`); false if the
    /// packet is shorter or memory is short.
    pub fn may_pull(&mut self, len: u32) -> bool {
        // SAFETY: The skb is valid and owned (type invariant).
        unsafe { bindings::pskb_may_pull(self.as_raw(), len) }
    }

    /// Records a software transmit timestamp if one was requested.
    pub fn tx_timestamp(&mut self) {
        // SAFETY: The skb is valid and owned (type invariant).
        unsafe { bindings::skb_tx_timestamp(self.as_raw()) }
    }

    /// Frees the packet, telling drop monitors `reason`.
    pub fn drop_reason(self, reason: DropReason) {
        // SAFETY: We own the skb; `dev_kfree_skb_any_reason` is safe in any context.
        unsafe { bindings::dev_kfree_skb_any_reason(self.into_raw(), reason.as_raw()) }
    }

    /// Frees a packet that was delivered (not a drop).
    pub fn consume(self) {
        // SAFETY: We own the skb; `dev_consume_skb_any` is safe in any context.
        unsafe { bindings::dev_consume_skb_any(self.into_raw()) }
    }

    /// Hands an Ethernet frame that `from` transmits to `to`'s receive path,
    /// like `dev_forward_skb`: scrubbed when it crosses a netns, dropped (and
    /// counted in `to`'s `rx_dropped`) when `to` is down or the frame is too
    /// long for it, otherwise queued to the backlog of this CPU.
    pub fn forward(self, to: &Device, _ctx: &XmitCtx) -> RxStatus {
        let skb = self.into_raw();
        // SAFETY: We own `skb`; `to` is a valid registered device. Both
        // `__dev_forward_skb` and `__netif_rx` consume the skb whatever they
        // return. `__netif_rx` needs BH disabled, which `XmitCtx` proves.
        let ret = unsafe {
            match bindings::__dev_forward_skb(to.as_raw(), skb) {
                0 => bindings::__netif_rx(skb),
                e => e,
            }
        };
        // CAST: `NET_RX_SUCCESS` is 0.
        if ret == bindings::NET_RX_SUCCESS as i32 {
            RxStatus::Success
        } else {
            RxStatus::Dropped
        }
    }
}

impl SkBuff {
    /// Allocates a packet with room for `len` bytes of data for `dev`'s
    /// receive path (`__netdev_alloc_skb`), from process context (may sleep).
    pub fn alloc_rx(dev: &Device, len: u32) -> Result<SkBuff> {
        // SAFETY: `dev` is valid; process context allows GFP_KERNEL.
        let skb = unsafe { bindings::__netdev_alloc_skb(dev.as_raw(), len, bindings::GFP_KERNEL) };
        // INVARIANT: A non-null result is a fresh skb we own.
        NonNull::new(skb).map(SkBuff).ok_or(ENOMEM)
    }

    /// Like [`SkBuff::alloc_rx`], but with the data in the per-CPU page
    /// fragment cache (`netdev_alloc_frag` + `build_skb`, as tun builds
    /// small TAP packets): no slab allocation for the data. Packets that
    /// do not fit in a page, or a failed fragment allocation, fall back to
    /// `alloc_rx`.
    pub fn alloc_rx_frag(dev: &Device, len: u32) -> Result<SkBuff> {
        // CAST: small constants; `len` is a `u32`; `buflen` is at most a page here.
        let pad = (NET_SKB_PAD + bindings::NET_IP_ALIGN) as usize;
        let buflen = skb_data_align(len as usize + pad)
            + skb_data_align(size_of::<bindings::skb_shared_info>());
        if buflen > bindings::PAGE_SIZE {
            return Self::alloc_rx(dev, len);
        }
        // SAFETY: Any context may take a fragment (GFP_ATOMIC inside); the
        // result is null or `buflen` bytes we own.
        let data = unsafe { bindings::__netdev_alloc_frag_align(buflen as u32, !0) };
        if data.is_null() {
            return Self::alloc_rx(dev, len);
        }
        // SAFETY: `data` is a page fragment of `buflen` bytes, room for the
        // shared info included; on success the skb owns it.
        let Some(skb) = NonNull::new(unsafe { bindings::build_skb(data, buflen as u32) }) else {
            // SAFETY: `build_skb` failed, so the fragment is still ours.
            unsafe { bindings::page_frag_free(data) };
            return Self::alloc_rx(dev, len);
        };
        // SAFETY: A fresh skb we own, with `buflen - shared info >= pad + len`
        // bytes of room; `dev` is valid (as `__netdev_alloc_skb` sets it).
        unsafe {
            // CAST: `pad` is below a cache line pair.
            bindings::skb_reserve(skb.as_ptr(), pad as c_int);
            (*skb.as_ptr())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_1
                .dev = dev.as_raw();
        }
        Ok(SkBuff(skb))
    }

    /// Appends `len` bytes copied from `iov` (`skb_put` + copy).
    /// `EMSGSIZE` when the buffer has less tailroom than `len`.
    pub fn put_from_iter(&mut self, iov: &mut IovIterSource<'_>, len: u32) -> Result {
        // SAFETY: We own the skb (type invariant).
        // CAST: a length above `c_int::MAX` wraps negative and fails the check below as well.
        if unsafe { bindings::skb_tailroom(self.as_raw()) } < len as c_int {
            return Err(EMSGSIZE);
        }
        // SAFETY: We own the skb and it has `len` bytes of tailroom (checked
        // above), so `skb_put` cannot overrun; the copy fills what it added.
        let ret = unsafe {
            // CAST: `len` is at most the tailroom, an `int`.
            let off = (*self.as_raw()).len as c_int;
            bindings::skb_put(self.as_raw(), len);
            bindings::skb_copy_datagram_from_iter(self.as_raw(), off, iov.as_raw(), len as c_int)
        };
        if ret != 0 {
            return Err(EFAULT);
        }
        Ok(())
    }

    /// Copies the first `len` bytes of packet data to `iov`
    /// (`skb_copy_datagram_iter`). `EINVAL` when the packet is shorter.
    pub fn copy_to_iter(&self, iov: &mut IovIterDest<'_>, len: u32) -> Result {
        if len > self.len() {
            return Err(EINVAL);
        }
        // SAFETY: We own the skb; `len <= self.len()` (checked above).
        // CAST: `len` is at most the packet length, which fits in `int`.
        let ret = unsafe {
            bindings::skb_copy_datagram_iter(self.as_raw(), 0, iov.as_raw(), len as c_int)
        };
        if ret != 0 {
            return Err(EFAULT);
        }
        Ok(())
    }

    /// Copies `len` bytes of packet data from `offset` on to `iov`
    /// (`skb_copy_datagram_iter`). `EINVAL` when the packet is shorter.
    pub fn copy_range_to_iter(&self, iov: &mut IovIterDest<'_>, offset: u32, len: u32) -> Result {
        if offset.checked_add(len).is_none_or(|end| end > self.len()) {
            return Err(EINVAL);
        }
        // SAFETY: We own the skb; `offset + len <= self.len()` (checked above).
        // CAST: both are at most the packet length, which fits in `int`.
        let ret = unsafe {
            bindings::skb_copy_datagram_iter(
                self.as_raw(),
                offset as c_int,
                iov.as_raw(),
                len as c_int,
            )
        };
        if ret != 0 {
            return Err(EFAULT);
        }
        Ok(())
    }

    /// The VLAN tag the stack left for the device to insert (transmit VLAN
    /// offload): its protocol (network byte order) and TCI.
    pub fn vlan_tag(&self) -> Option<(u16, u16)> {
        // SAFETY: We own the skb (type invariant); reads of its fields.
        unsafe {
            if !bindings::skb_vlan_tag_present(self.as_raw()) {
                return None;
            }
            let proto = (*self.as_raw())
                .__bindgen_anon_4
                .headers
                .as_ref()
                .__bindgen_anon_2
                .__bindgen_anon_1
                .vlan_proto;
            Some((proto, bindings::skb_vlan_tag_get(self.as_raw())))
        }
    }

    /// Marks the network header `offset` bytes into the data
    /// (`skb_set_network_header`); `EINVAL` past the data.
    pub fn set_network_header(&mut self, offset: u32) -> Result {
        if offset > self.len() {
            return Err(EINVAL);
        }
        // SAFETY: We own the skb; the offset is within the data (checked),
        // so the 16-bit header offset cannot overflow (packets are < 64 KiB
        // of headroom plus data within `int`).
        // CAST: at most the packet length.
        unsafe { bindings::skb_set_network_header(self.as_raw(), offset as c_int) };
        Ok(())
    }

    /// Finds the transport header of a received packet when the stack has
    /// not set one (`skb_probe_transport_header`), as drivers do once a
    /// packet is built.
    pub fn probe_transport_header(&mut self) {
        // SAFETY: We own the skb; the function dissects within its data.
        unsafe { bindings::skb_probe_transport_header(self.as_raw()) }
    }

    /// The first `n` bytes of packet data when they are in the linear
    /// part (`skb_headlen`), as a driver reads a header in transmit.
    pub fn head(&self, n: usize) -> Option<&[u8]> {
        // SAFETY: We own the skb (type invariant); field reads.
        let (len, data_len, data) = unsafe {
            let s = &*self.as_raw();
            (s.len, s.data_len, s.data)
        };
        // CAST: `u32` to `usize`, widening.
        let headlen = (len - data_len) as usize;
        if n > headlen {
            return None;
        }
        // SAFETY: `data` starts `headlen >= n` linear bytes of the packet,
        // which cannot change or go away while `&self` borrows the skb we own.
        Some(unsafe { core::slice::from_raw_parts(data, n) })
    }

    /// The transmit queue the core chose (`skb->queue_mapping`).
    pub fn queue_mapping(&self) -> u16 {
        // SAFETY: We own the skb (type invariant); a field read.
        unsafe { (*self.as_raw()).queue_mapping }
    }

    /// Records the receive queue (`skb_record_rx_queue`).
    pub fn record_rx_queue(&mut self, queue: u16) {
        // SAFETY: We own the skb (type invariant); a field write.
        unsafe { (*self.as_raw()).queue_mapping = queue.wrapping_add(1) }
    }

    /// The flow hash, the same both ways of a connection
    /// (`__skb_get_hash_symmetric`), as tun spreads flows over queues.
    pub fn hash_symmetric(&self) -> u32 {
        // SAFETY: We own the skb (type invariant); the dissector reads
        // within its data; a null netns is what the inline wrapper passes.
        unsafe { bindings::__skb_get_hash_symmetric_net(core::ptr::null(), self.as_raw()) }
    }

    /// The first byte of packet data, if any (made linear first).
    pub fn first_byte(&mut self) -> Option<u8> {
        if !self.may_pull(1) {
            return None;
        }
        // SAFETY: `may_pull(1)` made at least one byte linear at `data`.
        Some(unsafe { *(*self.as_raw()).data })
    }

    /// The packet's protocol (network byte order, as `skb->protocol`).
    pub fn protocol(&self) -> u16 {
        // SAFETY: The skb is valid; `headers` is the struct group that
        // holds `protocol`.
        unsafe { (*self.as_raw()).__bindgen_anon_4.headers.as_ref().protocol }
    }

    /// Sets the protocol (network byte order) and `skb->dev`, and marks the
    /// start of the network header: a packet without link-layer header.
    pub fn set_ip_packet(&mut self, dev: &Device, protocol_be: u16) {
        // SAFETY: We own the skb; `dev` is valid.
        unsafe {
            (*self.as_raw())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_1
                .dev = dev.as_raw();
            (*self.as_raw()).__bindgen_anon_4.headers.as_mut().protocol = protocol_be;
            bindings::skb_reset_mac_header(self.as_raw());
            bindings::skb_reset_network_header(self.as_raw());
        }
    }

    /// Parses the Ethernet header for `dev` (`eth_type_trans`): sets the
    /// protocol, packet type and `skb->dev`, and pulls the header. Makes the
    /// header linear first; `EINVAL` if the packet is shorter than one.
    pub fn eth_type_trans(&mut self, dev: &Device) -> Result {
        if !self.may_pull(ETH_HLEN) {
            return Err(EINVAL);
        }
        // SAFETY: We own the skb; `ETH_HLEN` bytes are linear (checked
        // above); `dev` is allocated.
        unsafe {
            let proto = bindings::eth_type_trans(self.as_raw(), dev.as_raw());
            (*self.as_raw()).__bindgen_anon_4.headers.as_mut().protocol = proto;
        }
        Ok(())
    }

    /// Hands a received packet to the stack (`netif_rx`, any context).
    pub fn netif_rx(self) -> RxStatus {
        // SAFETY: We own the skb and give it away; `skb->dev` is set.
        let ret = unsafe { bindings::netif_rx(self.into_raw()) };
        // CAST: `NET_RX_SUCCESS` is 0.
        if ret == bindings::NET_RX_SUCCESS as i32 {
            RxStatus::Success
        } else {
            RxStatus::Dropped
        }
    }

    /// Hands a received packet to the stack and processes it now, on this
    /// CPU (`netif_receive_skb`), as tun does for a write: no trip through
    /// the per-CPU backlog. Bottom halves must be off (`bh`).
    pub fn netif_receive_skb(self, _bh: &BhDisabled) -> RxStatus {
        // SAFETY: We own the skb and give it away; `skb->dev` is set; the
        // token says bottom halves are disabled, as the function requires.
        let ret = unsafe { bindings::netif_receive_skb(self.into_raw()) };
        // CAST: `NET_RX_SUCCESS` is 0.
        if ret == bindings::NET_RX_SUCCESS as i32 {
            RxStatus::Success
        } else {
            RxStatus::Dropped
        }
    }

    /// Detaches the packet from its socket and route: a packet queued to
    /// userspace must not pin the sender's memory or a route.
    pub fn orphan(&mut self) {
        // SAFETY: We own the skb.
        unsafe {
            bindings::skb_orphan(self.as_raw());
            bindings::skb_dst_drop(self.as_raw());
        }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: We own the skb; `dev_kfree_skb_any_reason` is safe in any context.
        unsafe {
            bindings::dev_kfree_skb_any_reason(
                self.0.as_ptr(),
                bindings::skb_drop_reason_SKB_DROP_REASON_NOT_SPECIFIED,
            )
        }
    }
}

/// `NET_SKB_PAD`: the headroom the stack wants in front of received data.
const NET_SKB_PAD: u32 = if bindings::L1_CACHE_BYTES > 32 {
    bindings::L1_CACHE_BYTES
} else {
    32
};

/// `SKB_DATA_ALIGN`.
const fn skb_data_align(x: usize) -> usize {
    // CAST: a cache line size.
    let a = bindings::SMP_CACHE_BYTES as usize;
    (x + a - 1) & !(a - 1)
}

/// Bottom halves disabled on this CPU while it lives (`local_bh_disable()`
/// / `local_bh_enable()`): what `netif_receive_skb` needs from process
/// context. Pending softirqs (the stack's own work for the packets handed
/// over meanwhile) run when it is dropped. Several packets may be handed
/// over under one guard.
///
/// # Invariants
///
/// Created by `local_bh_disable()`, ended by `local_bh_enable()` on the
/// same CPU (it is neither `Send` nor `Sync`, and bottom halves off keep
/// the task on its CPU).
#[must_use = "bottom halves are enabled again at once if the guard is not kept"]
pub struct BhDisabled {
    _not_send: NotThreadSafe,
}

impl BhDisabled {
    /// Disables bottom halves on this CPU. Call from process context (not
    /// from hard-IRQ context).
    pub fn new() -> Self {
        // SAFETY: Process or softirq context may disable bottom halves;
        // `drop` re-enables them on this CPU (type invariant).
        unsafe { bindings::local_bh_disable() };
        // INVARIANT: Disabled on this CPU just above.
        BhDisabled {
            _not_send: NotThreadSafe,
        }
    }
}

impl Default for BhDisabled {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for BhDisabled {
    fn drop(&mut self) {
        // SAFETY: `new` disabled bottom halves on this CPU (type invariant).
        unsafe { bindings::local_bh_enable() };
    }
}
