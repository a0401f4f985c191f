// SPDX-License-Identifier: GPL-2.0

//! `struct ifreq` (`linux/if.h`), the argument of `TUNSETIFF` and of the `SIOC[GS]IF*`
//! socket ioctls: a device name followed by a union, of which we use the flags (`short`)
//! and an IPv4 `struct sockaddr_in`.

use std::net::Ipv4Addr;

use crate::error::{Error, Result};

/// Size of a device name buffer, the terminating NUL included.
pub const IFNAMSIZ: usize = 16;
/// Size of `ifr_ifru`: its largest member is `struct ifmap` (two `unsigned long`s, a
/// `short`, three `char`s), 24 bytes on 64-bit machines, 16 on 32-bit ones.
const IFRU_LEN: usize = 24;
/// `AF_INET`, the family of `struct sockaddr_in`.
pub const AF_INET: u16 = 2;

/// `IFF_UP` (`linux/if.h`): the device is administratively up.
pub const IFF_UP: u16 = 0x1;
/// `IFF_TUN` (`linux/if_tun.h`): a layer 3 device.
pub const IFF_TUN: u16 = 0x0001;
/// `IFF_TAP`: a layer 2 (Ethernet) device.
pub const IFF_TAP: u16 = 0x0002;
/// `IFF_NO_PI`: packets are not preceded by `struct tun_pi`.
pub const IFF_NO_PI: u16 = 0x1000;

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

/// `struct ifreq`, laid out as the kernel reads it (it copies `sizeof(struct ifreq)`, at
/// most 40 bytes, so the union is given its 64-bit size everywhere).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IfReq {
    name: [u8; IFNAMSIZ],
    ifru: [u8; IFRU_LEN],
}

impl IfReq {
    /// A request about device `name`, everything else zero.
    pub fn new(name: &str) -> Result<Self> {
        if !valid_name(name) {
            return Err(Error::DeviceName(name.to_owned()));
        }
        let mut req = Self {
            name: [0; IFNAMSIZ],
            ifru: [0; IFRU_LEN],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        Ok(req)
    }

    /// The device name, up to the first NUL (`TUNSETIFF` writes the final name here).
    pub fn name(&self) -> String {
        let len = self.name.iter().position(|&b| b == 0).unwrap_or(IFNAMSIZ);
        String::from_utf8_lossy(&self.name[..len]).into_owned()
    }

    /// `ifr_flags`, a `short` in host byte order.
    pub fn flags(&self) -> u16 {
        u16::from_ne_bytes([self.ifru[0], self.ifru[1]])
    }

    /// Sets `ifr_flags`.
    pub fn with_flags(mut self, flags: u16) -> Self {
        self.ifru[..2].copy_from_slice(&flags.to_ne_bytes());
        self
    }

    /// Sets `ifr_addr` (or `ifr_netmask`, the same bytes) to the IPv4 `addr`: a
    /// `struct sockaddr_in` with family `AF_INET` in host order, port 0, the address in
    /// network order and zero padding.
    pub fn with_ipv4(mut self, addr: Ipv4Addr) -> Self {
        self.ifru = [0; IFRU_LEN];
        self.ifru[..2].copy_from_slice(&AF_INET.to_ne_bytes());
        self.ifru[4..8].copy_from_slice(&addr.octets());
        self
    }

    /// `ifr_addr` as an IPv4 address, if it holds one.
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        let family = u16::from_ne_bytes([self.ifru[0], self.ifru[1]]);
        (family == AF_INET)
            .then(|| Ipv4Addr::new(self.ifru[4], self.ifru[5], self.ifru[6], self.ifru[7]))
    }

    /// `ifr_ifindex` or `ifr_mtu`, an `int` in host byte order.
    pub fn int(&self) -> i32 {
        i32::from_ne_bytes([self.ifru[0], self.ifru[1], self.ifru[2], self.ifru[3]])
    }

    /// The MAC address in `ifr_hwaddr` (a `struct sockaddr`: family, then the address in
    /// `sa_data`).
    pub fn hwaddr(&self) -> [u8; 6] {
        let mut mac = [0; 6];
        mac.copy_from_slice(&self.ifru[2..8]);
        mac
    }

    /// The raw bytes, as the kernel sees them.
    pub fn as_bytes(&self) -> [u8; IFNAMSIZ + IFRU_LEN] {
        let mut bytes = [0; IFNAMSIZ + IFRU_LEN];
        bytes[..IFNAMSIZ].copy_from_slice(&self.name);
        bytes[IFNAMSIZ..].copy_from_slice(&self.ifru);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use std::mem::{align_of, size_of};

    use super::*;

    #[test]
    fn layout_covers_the_kernel_struct() {
        assert!(size_of::<IfReq>() >= size_of::<nix::libc::ifreq>());
        #[cfg(target_pointer_width = "64")]
        assert_eq!(size_of::<IfReq>(), 40);
        assert_eq!(align_of::<IfReq>(), 1, "no padding anywhere");
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
        req.ifru[..4].copy_from_slice(&1500i32.to_ne_bytes());
        assert_eq!(req.int(), 1500);
        // SIOCGIFHWADDR answers a sockaddr of family ARPHRD_ETHER (1).
        req.ifru[..2].copy_from_slice(&1u16.to_ne_bytes());
        req.ifru[2..8].copy_from_slice(&[2, 0, 0, 0, 0, 0xa]);
        assert_eq!(req.hwaddr(), [2, 0, 0, 0, 0, 0xa]);
    }

    #[test]
    fn name_written_back_by_the_kernel_is_read() {
        // TUNSETIFF replaces a template with the name it chose.
        let mut req = IfReq::new("tun%d").unwrap();
        req.name[..5].copy_from_slice(b"tun12");
        assert_eq!(req.name(), "tun12");
    }
}
