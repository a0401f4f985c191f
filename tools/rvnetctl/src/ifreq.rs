// SPDX-License-Identifier: GPL-2.0

//! `struct ifreq` (`linux/if.h`), the argument of `TUNSETIFF` and of the `SIOC[GS]IF*`
//! socket ioctls: a device name followed by a union, of which we use the flags (`short`)
//! and an IPv4 `struct sockaddr_in`.

// Reading a member of `ifr_ifru` (a union) is `unsafe`; every member is plain data for
// which any bytes are valid, and each read says which member the kernel wrote.
#![allow(unsafe_code)]

use std::{fmt, net::Ipv4Addr};

use crate::error::{Error, Result};

/// Size of a device name buffer, the terminating NUL included.
pub const IFNAMSIZ: usize = libc::IFNAMSIZ;
/// `AF_INET`, the family of `struct sockaddr_in`.
pub const AF_INET: u16 = libc::AF_INET as u16;

/// `IFF_UP` (`linux/if.h`): the device is administratively up.
pub const IFF_UP: u16 = libc::IFF_UP as u16;
/// `IFF_TUN` (`linux/if_tun.h`): a layer 3 device.
pub const IFF_TUN: u16 = libc::IFF_TUN as u16;
/// `IFF_TAP`: a layer 2 (Ethernet) device.
pub const IFF_TAP: u16 = libc::IFF_TAP as u16;
/// `IFF_NO_PI`: packets are not preceded by `struct tun_pi`.
pub const IFF_NO_PI: u16 = libc::IFF_NO_PI as u16;

/// Whether the kernel would accept `name` as a device name (`dev_valid_name()`); a
/// template such as `tun%d` passes.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < IFNAMSIZ
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == ':' || c == '\0' || c.is_whitespace())
}

/// libc's `struct ifreq`, all zero but for what the methods set.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct IfReq(libc::ifreq);

impl fmt::Debug for IfReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IfReq")
            .field("name", &self.name())
            .field("ifru", &self.as_bytes()[IFNAMSIZ..].to_vec())
            .finish()
    }
}

impl IfReq {
    /// A request about device `name`, everything else zero.
    pub fn new(name: &str) -> Result<Self> {
        if !valid_name(name) {
            return Err(Error::DeviceName(name.to_owned()));
        }
        // SAFETY: `struct ifreq` is a name and a union of integers, byte arrays, a
        // `struct sockaddr` and a pointer: all zero bytes are a valid value of each.
        let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
        for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
            *dst = src as libc::c_char;
        }
        Ok(Self(req))
    }

    /// The device name, up to the first NUL (`TUNSETIFF` writes the final name here).
    pub fn name(&self) -> String {
        let bytes: Vec<u8> = self
            .0
            .ifr_name
            .iter()
            .map(|&c| c as u8)
            .take_while(|&b| b != 0)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// `ifr_flags`, a `short` in host byte order.
    pub fn flags(&self) -> u16 {
        // SAFETY: a `short` is valid for any bytes; SIOCGIFFLAGS writes this member.
        unsafe { self.0.ifr_ifru.ifru_flags as u16 }
    }

    /// Sets `ifr_flags`.
    pub fn with_flags(mut self, flags: u16) -> Self {
        self.0.ifr_ifru.ifru_flags = flags as libc::c_short;
        self
    }

    /// Sets `ifr_addr` (or `ifr_netmask`, the same bytes) to the IPv4 `addr`: a
    /// `struct sockaddr_in` with family `AF_INET` in host order, port 0, the address in
    /// network order and zero padding.
    pub fn with_ipv4(mut self, addr: Ipv4Addr) -> Self {
        let mut sa_data = [0; 14];
        for (dst, src) in sa_data[2..6].iter_mut().zip(addr.octets()) {
            *dst = src as libc::c_char;
        }
        self.0.ifr_ifru.ifru_addr = libc::sockaddr {
            sa_family: AF_INET as libc::sa_family_t,
            sa_data,
        };
        self
    }

    /// The `struct sockaddr` of the union (`ifr_addr`, `ifr_hwaddr`).
    fn sockaddr(&self) -> libc::sockaddr {
        // SAFETY: `struct sockaddr` is integers only, valid for any bytes; the callers say
        // which request wrote it.
        unsafe { self.0.ifr_ifru.ifru_addr }
    }

    /// `ifr_addr` as an IPv4 address, if it holds one.
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        let sa = self.sockaddr();
        let d = |i: usize| sa.sa_data[i] as u8;
        (sa.sa_family == AF_INET as libc::sa_family_t)
            .then(|| Ipv4Addr::new(d(2), d(3), d(4), d(5)))
    }

    /// `ifr_ifindex` or `ifr_mtu`, an `int` in host byte order.
    pub fn int(&self) -> i32 {
        // SAFETY: an `int` is valid for any bytes; SIOCGIFINDEX and SIOCGIFMTU write it.
        unsafe { self.0.ifr_ifru.ifru_ifindex }
    }

    /// The MAC address in `ifr_hwaddr` (a `struct sockaddr`: family, then the address in
    /// `sa_data`).
    pub fn hwaddr(&self) -> [u8; 6] {
        let sa = self.sockaddr();
        std::array::from_fn(|i| sa.sa_data[i] as u8)
    }

    /// The raw bytes, as the kernel sees them.
    pub fn as_bytes(&self) -> [u8; std::mem::size_of::<libc::ifreq>()] {
        // SAFETY: `libc::ifreq` has no padding (a 16-byte name, then a union whose largest
        // member is as large as the union), every byte of it was initialised by `new`
        // (zeroed) and then only by whole members; it is read as bytes, which any bytes
        // are.
        unsafe { std::mem::transmute_copy(&self.0) }
    }
}

#[cfg(test)]
mod tests {
    use std::mem::{align_of, size_of};

    use super::*;

    #[test]
    fn flags_are_libc_s() {
        assert_eq!(
            (IFF_UP, IFF_TUN, IFF_TAP, IFF_NO_PI),
            (0x1, 0x1, 0x2, 0x1000)
        );
        assert_eq!((IFNAMSIZ, AF_INET), (16, 2));
    }

    #[test]
    fn layout_covers_the_kernel_struct() {
        assert_eq!(size_of::<IfReq>(), size_of::<libc::ifreq>());
        assert_eq!(align_of::<IfReq>(), align_of::<libc::ifreq>());
        #[cfg(target_pointer_width = "64")]
        assert_eq!(size_of::<IfReq>(), 40);
        assert_eq!(
            IfReq::new("a").unwrap().as_bytes().len(),
            size_of::<IfReq>()
        );
    }

    #[test]
    fn name_is_nul_terminated() {
        let req = IfReq::new("rtun%d").unwrap();
        let bytes = req.as_bytes();
        assert_eq!(&bytes[..7], b"rtun%d\0");
        assert!(bytes[7..].iter().all(|&b| b == 0));
        assert_eq!(req.name(), "rtun%d");
    }

    #[test]
    fn longest_name_fits_with_its_nul() {
        let name = "a23456789012345";
        assert_eq!(name.len(), IFNAMSIZ - 1);
        let req = IfReq::new(name).unwrap();
        assert_eq!(req.as_bytes()[IFNAMSIZ - 1], 0);
        assert_eq!(req.name(), name);
    }

    #[test]
    fn invalid_names_are_refused() {
        for name in [
            "",
            ".",
            "..",
            "a/b",
            "a:0",
            "a b",
            "a\0b",
            "a234567890123456",
        ] {
            assert!(!valid_name(name), "{name:?}");
            assert!(
                matches!(IfReq::new(name), Err(Error::DeviceName(n)) if n == name),
                "{name:?}"
            );
        }
    }

    #[test]
    fn tunsetiff_flags_go_after_the_name_in_host_order() {
        let req = IfReq::new("tun0").unwrap().with_flags(IFF_TAP | IFF_NO_PI);
        assert_eq!(req.flags(), 0x1002);
        let bytes = req.as_bytes();
        assert_eq!(&bytes[16..18], &0x1002u16.to_ne_bytes());
        assert!(bytes[18..].iter().all(|&b| b == 0));
    }

    #[test]
    fn sockaddr_in_layout() {
        let req = IfReq::new("tun0")
            .unwrap()
            .with_ipv4(Ipv4Addr::new(10, 203, 0, 1));
        let bytes = req.as_bytes();
        assert_eq!(&bytes[16..18], &AF_INET.to_ne_bytes(), "sin_family");
        assert_eq!(&bytes[18..20], &[0, 0], "sin_port");
        assert_eq!(&bytes[20..24], &[10, 203, 0, 1], "sin_addr, network order");
        assert!(bytes[24..].iter().all(|&b| b == 0), "sin_zero");
        assert_eq!(req.ipv4(), Some(Ipv4Addr::new(10, 203, 0, 1)));
        assert_eq!(IfReq::new("tun0").unwrap().ipv4(), None);
    }

    #[test]
    fn answers_are_read_from_the_union() {
        let mut req = IfReq::new("veth0").unwrap();
        // SIOCGIFINDEX / SIOCGIFMTU answer an int.
        req.0.ifr_ifru.ifru_mtu = 1500;
        assert_eq!(req.int(), 1500);
        // SIOCGIFHWADDR answers a sockaddr of family ARPHRD_ETHER (1).
        let mut sa_data = [0; 14];
        sa_data[..6].copy_from_slice(&[2, 0, 0, 0, 0, 0xa]);
        req.0.ifr_ifru.ifru_hwaddr = libc::sockaddr {
            sa_family: libc::ARPHRD_ETHER,
            sa_data,
        };
        assert_eq!(req.hwaddr(), [2, 0, 0, 0, 0, 0xa]);
    }

    #[test]
    fn name_written_back_by_the_kernel_is_read() {
        // TUNSETIFF replaces a template with the name it chose.
        let mut req = IfReq::new("tun%d").unwrap();
        for (dst, src) in req.0.ifr_name.iter_mut().zip(b"tun12") {
            *dst = *src as libc::c_char;
        }
        assert_eq!(req.name(), "tun12");
    }
}
