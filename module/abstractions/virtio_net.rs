// SPDX-License-Identifier: GPL-2.0

//! Virtio-net headers: the per-packet offload metadata (GSO type and size,
//! partial checksum) that a tun-like device exchanges with userspace in
//! front of each packet, and their translation to and from socket buffers.
//!
//! C header: [`include/linux/virtio_net.h`](srctree/include/linux/virtio_net.h)

use super::skb::SkBuff;
use core::mem::{align_of, offset_of, size_of};
use kernel::{bindings, prelude::*};

/// `VIRTIO_NET_HDR_F_NEEDS_CSUM`: the checksum at `csum_start +
/// csum_offset` is still to be computed over the rest of the packet.
// CAST: uapi flag values are small.
pub const F_NEEDS_CSUM: u8 = bindings::VIRTIO_NET_HDR_F_NEEDS_CSUM as u8;
/// `VIRTIO_NET_HDR_F_DATA_VALID`: the packet's checksums were checked.
// CAST: As above.
pub const F_DATA_VALID: u8 = bindings::VIRTIO_NET_HDR_F_DATA_VALID as u8;

type CHdr = bindings::virtio_net_hdr;
type CTnlHdr = bindings::virtio_net_hdr_v1_hash_tunnel;

/// A virtio-net header, in the largest form the kernel parses
/// (`struct virtio_net_hdr_v1_hash_tunnel`): `struct virtio_net_hdr` and
/// its extensions are prefixes of it, so a shorter header is the first
/// bytes of this one and zeros after. Its 16-bit fields are in the byte
/// order the two sides agreed on (`little_endian` below).
///
/// Kept as bytes: any content is a valid header to hold; the functions
/// that give it meaning validate it.
#[repr(C, align(4))]
pub struct VnetHdr([u8; VnetHdr::MAX_LEN]);

// The C functions take a pointer to the C struct: same size, and our
// alignment is at least its alignment.
const _: () = assert!(size_of::<VnetHdr>() == size_of::<CTnlHdr>());
const _: () = assert!(align_of::<VnetHdr>() >= align_of::<CTnlHdr>());

impl VnetHdr {
    /// `sizeof(struct virtio_net_hdr)`: the smallest header.
    pub const LEN: usize = size_of::<CHdr>();
    /// `sizeof(struct virtio_net_hdr_v1_hash_tunnel)`: the largest form,
    /// with the UDP tunnel fields.
    pub const MAX_LEN: usize = size_of::<CTnlHdr>();

    /// An all-zero header: no offload, nothing to describe.
    pub fn new() -> Self {
        VnetHdr([0; Self::MAX_LEN])
    }

    /// The header's bytes.
    pub fn as_bytes(&self) -> &[u8; Self::MAX_LEN] {
        &self.0
    }

    /// The header's bytes, to fill.
    pub fn as_bytes_mut(&mut self) -> &mut [u8; Self::MAX_LEN] {
        &mut self.0
    }

    /// `flags` (`F_NEEDS_CSUM`, `F_DATA_VALID`, ...).
    pub fn flags(&self) -> u8 {
        self.0[offset_of!(CHdr, flags)]
    }

    /// `gso_type` (`VIRTIO_NET_HDR_GSO_*`).
    pub fn gso_type(&self) -> u8 {
        self.0[offset_of!(CHdr, gso_type)]
    }

    fn get16(&self, off: usize, little_endian: bool) -> u16 {
        let b = [self.0[off], self.0[off + 1]];
        if little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    }

    fn set16(&mut self, off: usize, v: u16, little_endian: bool) {
        let b = if little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.0[off..off + 2].copy_from_slice(&b);
    }

    /// `hdr_len`: the length of the headers to keep linear.
    pub fn hdr_len(&self, little_endian: bool) -> u16 {
        self.get16(offset_of!(CHdr, hdr_len), little_endian)
    }

    /// Sets `hdr_len`.
    pub fn set_hdr_len(&mut self, v: u16, little_endian: bool) {
        self.set16(offset_of!(CHdr, hdr_len), v, little_endian)
    }

    /// `gso_size`: the segment size of a GSO packet.
    pub fn gso_size(&self, little_endian: bool) -> u16 {
        self.get16(offset_of!(CHdr, gso_size), little_endian)
    }

    /// `csum_start`: where checksumming starts (with `F_NEEDS_CSUM`).
    pub fn csum_start(&self, little_endian: bool) -> u16 {
        self.get16(offset_of!(CHdr, csum_start), little_endian)
    }

    /// `csum_offset`: where the checksum goes, from `csum_start`.
    pub fn csum_offset(&self, little_endian: bool) -> u16 {
        self.get16(offset_of!(CHdr, csum_offset), little_endian)
    }

    fn as_c(&self) -> *const CTnlHdr {
        self.0.as_ptr().cast()
    }

    fn as_c_mut(&mut self) -> *mut CTnlHdr {
        self.0.as_mut_ptr().cast()
    }
}

impl Default for VnetHdr {
    fn default() -> Self {
        Self::new()
    }
}

impl SkBuff {
    /// Sets the packet's offload state from `hdr`
    /// (`virtio_net_hdr_tnl_to_skb`): GSO type and size, partial checksum,
    /// and with `tnl` (the UDP tunnel fields were agreed on; `tnl_csum`: with
    /// the outer checksum) the tunnel offsets. `hdr` may come from anyone:
    /// one that does not fit the packet gives `EINVAL` and leaves a packet
    /// only fit to be freed.
    pub fn set_from_vnet_hdr(
        &mut self,
        hdr: &VnetHdr,
        tnl: bool,
        tnl_csum: bool,
        little_endian: bool,
    ) -> Result {
        // SAFETY: We own the skb (type invariant); `hdr` is a whole C header
        // (size and alignment asserted above), read only. The function
        // checks every offset it takes from the header against the packet.
        let ret = unsafe {
            bindings::virtio_net_hdr_tnl_to_skb(
                self.as_raw(),
                hdr.as_c(),
                tnl,
                tnl_csum,
                little_endian,
            )
        };
        if ret != 0 {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// The header that describes this packet (`virtio_net_hdr_tnl_from_skb`),
    /// for a reader that agreed on the tunnel fields if `tnl`; `vlan_hlen`
    /// is added to the checksum start (the VLAN tag the reader will see in
    /// front of the packet); `data_valid`: say `F_DATA_VALID` for packets
    /// whose checksum was checked; `feature_hdrlen`: fill `hdr_len` as
    /// `VIRTIO_NET_F_GUEST_HDRLEN` asks. `EINVAL` for a GSO type the header
    /// cannot express.
    pub fn to_vnet_hdr(
        &self,
        tnl: bool,
        little_endian: bool,
        vlan_hlen: i32,
        data_valid: bool,
        feature_hdrlen: bool,
    ) -> Result<VnetHdr> {
        let mut hdr = VnetHdr::new();
        // SAFETY: We own the skb (type invariant), read only; `hdr` is a whole
        // C header (asserted above), written only.
        let ret = unsafe {
            bindings::virtio_net_hdr_tnl_from_skb(
                self.as_raw(),
                hdr.as_c_mut(),
                tnl,
                little_endian,
                vlan_hlen,
                data_valid,
                feature_hdrlen,
            )
        };
        if ret != 0 {
            return Err(EINVAL);
        }
        Ok(hdr)
    }
}
