// SPDX-License-Identifier: GPL-2.0

//! The system calls that nix only offers as `unsafe`: the tun and interface ioctls, and
//! binding a packet socket to a device. Every `unsafe` of the crate is in this file; the
//! functions it exports are safe.

#![allow(unsafe_code)]

use std::{
    mem::size_of,
    os::fd::{AsRawFd, BorrowedFd, OwnedFd},
};

use nix::{
    errno::Errno,
    sys::socket::{self, AddressFamily, LinkAddr, SockFlag, SockType, SockaddrLike},
};

use crate::ifreq::IfReq;

/// `TUNSETIFF` = `_IOW('T', 202, int)` (`linux/if_tun.h`). Encoded as taking an `int`, it
/// takes a `struct ifreq *` and writes the name of the device it attached to back into it.
pub const TUNSETIFF: u32 = libc::TUNSETIFF as u32;
/// `SIOCGIFFLAGS` (`linux/sockios.h`): read `ifr_flags`.
pub const SIOCGIFFLAGS: u32 = libc::SIOCGIFFLAGS as u32;
/// `SIOCSIFFLAGS`: set `ifr_flags`.
pub const SIOCSIFFLAGS: u32 = libc::SIOCSIFFLAGS as u32;
/// `SIOCSIFADDR`: set the IPv4 address.
pub const SIOCSIFADDR: u32 = libc::SIOCSIFADDR as u32;
/// `SIOCSIFNETMASK`: set the IPv4 netmask.
pub const SIOCSIFNETMASK: u32 = libc::SIOCSIFNETMASK as u32;
/// `SIOCGIFMTU`: read `ifr_mtu`.
pub const SIOCGIFMTU: u32 = libc::SIOCGIFMTU as u32;
/// `SIOCGIFHWADDR`: read `ifr_hwaddr`.
pub const SIOCGIFHWADDR: u32 = libc::SIOCGIFHWADDR as u32;
/// `SIOCGIFINDEX`: read `ifr_ifindex`.
pub const SIOCGIFINDEX: u32 = libc::SIOCGIFINDEX as u32;

/// `ETH_P_ALL` (`linux/if_ether.h`): every protocol, outgoing frames included.
pub const ETH_P_ALL: u16 = libc::ETH_P_ALL as u16;
/// `PACKET_OUTGOING` (`linux/if_packet.h`): `sll_pkttype` of a frame the device sent.
pub const PACKET_OUTGOING: u8 = libc::PACKET_OUTGOING;

/// The raw ioctl wrappers; `_bad` because the numbers are passed as they are (the encoded
/// size of `TUNSETIFF` does not match its argument).
mod raw {
    use super::*;

    nix::ioctl_readwrite_bad!(tunsetiff, TUNSETIFF, IfReq);
    nix::ioctl_readwrite_bad!(siocgifflags, SIOCGIFFLAGS, IfReq);
    nix::ioctl_readwrite_bad!(siocgifmtu, SIOCGIFMTU, IfReq);
    nix::ioctl_readwrite_bad!(siocgifhwaddr, SIOCGIFHWADDR, IfReq);
    nix::ioctl_readwrite_bad!(siocgifindex, SIOCGIFINDEX, IfReq);
    nix::ioctl_write_ptr_bad!(siocsifflags, SIOCSIFFLAGS, IfReq);
    nix::ioctl_write_ptr_bad!(siocsifaddr, SIOCSIFADDR, IfReq);
    nix::ioctl_write_ptr_bad!(siocsifnetmask, SIOCSIFNETMASK, IfReq);
}

/// Attaches the tun file `tun` to a device as `req` describes (name or template, `IFF_*`
/// flags); on success `req` holds the device's name.
pub fn tun_set_iff(tun: BorrowedFd<'_>, req: &mut IfReq) -> Result<(), Errno> {
    // SAFETY: `req` is a `struct ifreq`-sized, writable buffer that lives across the call;
    // TUNSETIFF reads it and writes at most `sizeof(struct ifreq)` bytes back into it.
    unsafe { raw::tunsetiff(tun.as_raw_fd(), req) }.map(drop)
}

/// The `ifr_flags` of the device `req` names, asked through the socket `sock`.
pub fn get_flags(sock: BorrowedFd<'_>, req: &mut IfReq) -> Result<u16, Errno> {
    // SAFETY: as in `tun_set_iff`: a live, writable `struct ifreq`, filled in by the kernel.
    unsafe { raw::siocgifflags(sock.as_raw_fd(), req) }?;
    Ok(req.flags())
}

/// The `ifr_mtu` of the device `req` names.
pub fn get_mtu(sock: BorrowedFd<'_>, req: &mut IfReq) -> Result<u32, Errno> {
    // SAFETY: as in `tun_set_iff`: a live, writable `struct ifreq`, filled in by the kernel.
    unsafe { raw::siocgifmtu(sock.as_raw_fd(), req) }?;
    Ok(req.int() as u32)
}

/// The MAC address (`ifr_hwaddr`) of the device `req` names.
pub fn get_hwaddr(sock: BorrowedFd<'_>, req: &mut IfReq) -> Result<[u8; 6], Errno> {
    // SAFETY: as in `tun_set_iff`: a live, writable `struct ifreq`, filled in by the kernel.
    unsafe { raw::siocgifhwaddr(sock.as_raw_fd(), req) }?;
    Ok(req.hwaddr())
}

/// The `ifr_ifindex` of the device `req` names.
pub fn get_ifindex(sock: BorrowedFd<'_>, req: &mut IfReq) -> Result<u32, Errno> {
    // SAFETY: as in `tun_set_iff`: a live, writable `struct ifreq`, filled in by the kernel.
    unsafe { raw::siocgifindex(sock.as_raw_fd(), req) }?;
    Ok(req.int() as u32)
}

/// A datagram `AF_INET` socket, for the `SIOC[GS]IF*` ioctls; they act on the network
/// namespace the socket was created in.
pub fn inet_socket() -> Result<OwnedFd, Errno> {
    socket::socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
}

/// Sets the flags (`req`'s `ifr_flags`) of the device `req` names.
pub fn set_flags(sock: BorrowedFd<'_>, req: &IfReq) -> Result<(), Errno> {
    // SAFETY: `req` is a live `struct ifreq` that SIOCSIFFLAGS only reads.
    unsafe { raw::siocsifflags(sock.as_raw_fd(), req) }.map(drop)
}

/// Sets the IPv4 address (`req`'s `ifr_addr`) of the device `req` names.
pub fn set_addr(sock: BorrowedFd<'_>, req: &IfReq) -> Result<(), Errno> {
    // SAFETY: `req` is a live `struct ifreq` that SIOCSIFADDR only reads.
    unsafe { raw::siocsifaddr(sock.as_raw_fd(), req) }.map(drop)
}

/// Sets the IPv4 netmask (`req`'s `ifr_netmask`) of the device `req` names.
pub fn set_netmask(sock: BorrowedFd<'_>, req: &IfReq) -> Result<(), Errno> {
    // SAFETY: `req` is a live `struct ifreq` that SIOCSIFNETMASK only reads.
    unsafe { raw::siocsifnetmask(sock.as_raw_fd(), req) }.map(drop)
}

/// A non-blocking `AF_PACKET` raw socket bound to device `ifindex`. With `protocol` 0 it
/// receives nothing and sends through that device; with an ethertype (host order, or
/// [`ETH_P_ALL`]) it receives the frames of that protocol the device sees.
pub fn packet_socket(ifindex: u32, protocol: u16) -> Result<OwnedFd, Errno> {
    // Protocol 0 here: nothing is queued on the socket before bind() picks the device.
    let sock = socket::socket(
        AddressFamily::Packet,
        SockType::Raw,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let sll = libc::sockaddr_ll {
        sll_family: libc::AF_PACKET as u16,
        sll_protocol: protocol.to_be(),
        sll_ifindex: ifindex as i32,
        sll_hatype: 0,
        sll_pkttype: 0,
        sll_halen: 0,
        sll_addr: [0; 8],
    };
    // SAFETY: the pointer is to a live, initialised `sockaddr_ll` and the length is its
    // size; from_raw copies it out and does not keep the pointer.
    let addr = unsafe {
        LinkAddr::from_raw(
            (&sll as *const libc::sockaddr_ll).cast(),
            Some(size_of::<libc::sockaddr_ll>() as libc::socklen_t),
        )
    }
    .ok_or(Errno::EINVAL)?;
    socket::bind(sock.as_raw_fd(), &addr)?;
    Ok(sock)
}

#[cfg(test)]
mod tests {
    use std::mem::size_of;

    use super::*;

    #[test]
    fn tunsetiff_is_iow_t_202_int() {
        let encoded = nix::request_code_write!(b'T', 202, size_of::<libc::c_int>());
        assert_eq!(encoded as u32, TUNSETIFF);
        assert_eq!(TUNSETIFF, 0x4004_54ca);
    }

    #[test]
    fn socket_ioctl_numbers() {
        assert_eq!(
            [SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCSIFADDR, SIOCSIFNETMASK],
            [0x8913, 0x8914, 0x8916, 0x891c]
        );
        assert_eq!(
            [SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX],
            [0x8921, 0x8927, 0x8933]
        );
        assert_eq!((ETH_P_ALL, PACKET_OUTGOING), (3, 4));
    }
}
