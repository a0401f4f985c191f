// SPDX-License-Identifier: GPL-2.0

//! What `tunnel` accepts from its peer: every datagram is checked before it is written to
//! the device, and what fails is counted under a [`Reason`] reason. Pure functions, no I/O.
//!
//! A datagram carries exactly one packet (tun) or frame (tap), with nothing before it. It
//! is parsed with etherparse, independent of the code in [`crate::wire`] that builds
//! frames.
//!
//! - Longer than the device's MTU plus the link header (14 bytes in tap mode, none in tun
//!   mode): [`Reason::Oversized`].
//! - tun: an IPv4 packet shorter than its header (20 bytes, or its IHL), or an IPv6 one
//!   shorter than 40 bytes, or shorter than its header says: [`Reason::Truncated`]; longer
//!   than its header says: [`Reason::BadLength`]; neither IPv4 nor IPv6: [`Reason::NotIp`].
//! - tap: shorter than an Ethernet header: [`Reason::Truncated`]. An IPv4 or IPv6 payload is
//!   checked as in tun mode, except that bytes after the IP packet are Ethernet padding
//!   and allowed. Other ethertypes (ARP, ...) pass as they are.

use std::fmt;

use etherparse::{EtherType, Ethernet2Slice};
use serde::Serialize;

use crate::{cmd::tundev::Mode, wire::ETH_HLEN};

/// Length of the fixed IPv6 header.
pub const IPV6_HLEN: usize = 40;

/// Why a datagram or packet was not forwarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Shorter than a header, or than its IP header says.
    Truncated,
    /// Bigger than the device's MTU plus the link header.
    Oversized,
    /// Longer than its IP header says (tun mode), an IPv4 header length under 20, or
    /// lengths that do not add up inside the packet (a total length under the header,
    /// an extension header beyond the payload length).
    BadLength,
    /// tun mode: not an IPv4 or IPv6 packet (the version nibble).
    NotIp,
    /// From an address other than `--remote`'s.
    Foreign,
    /// The device refused the write.
    WriteFailed,
    /// Sending to the peer failed (unreachable, too big, buffer full).
    SendFailed,
}

impl Reason {
    /// Every reason, in the order they are printed.
    pub const ALL: [Reason; 7] = [
        Reason::Truncated,
        Reason::Oversized,
        Reason::BadLength,
        Reason::NotIp,
        Reason::Foreign,
        Reason::WriteFailed,
        Reason::SendFailed,
    ];

    /// The reason's name, as printed and as its JSON key.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Truncated => "truncated",
            Reason::Oversized => "oversized",
            Reason::BadLength => "bad_length",
            Reason::NotIp => "not_ip",
            Reason::Foreign => "foreign",
            Reason::WriteFailed => "write_failed",
            Reason::SendFailed => "send_failed",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest datagram accepted for a device of `mtu` in `mode`.
pub fn max_len(mode: Mode, mtu: u32) -> usize {
    let hlen = match mode {
        Mode::Tun => 0,
        Mode::Tap => ETH_HLEN,
    };
    mtu as usize + hlen
}

/// Checks an IP packet (`padded`: bytes after it are allowed, as Ethernet padding).
///
/// Parsed by etherparse, not by the code that builds packets: its slicer checks the
/// version, the header lengths and that the packet holds what its header says.
fn check_ip(packet: &[u8], padded: bool) -> Result<(), Reason> {
    use etherparse::{
        err::ip::{HeaderError, HeadersError, SliceError},
        IpSlice, Ipv4HeaderSlice, Ipv6HeaderSlice, LenSource,
    };
    let total = match IpSlice::from_slice(packet) {
        Ok(IpSlice::Ipv4(ip)) => usize::from(ip.header().total_len()),
        Ok(IpSlice::Ipv6(ip)) => IPV6_HLEN + usize::from(ip.header().payload_length()),
        // Shorter than a header, or than the header says.
        Err(SliceError::Len(err)) if err.len_source == LenSource::Slice => {
            return Err(Reason::Truncated)
        }
        // Lengths inside the packet that do not add up: an IPv4 total length under its
        // header, an extension header beyond the payload length.
        Err(SliceError::Len(_)) => return Err(Reason::BadLength),
        Err(SliceError::IpHeaders(HeadersError::Ip(HeaderError::UnsupportedIpVersion {
            ..
        }))) => return Err(Reason::NotIp),
        Err(SliceError::IpHeaders(HeadersError::Ip(
            HeaderError::Ipv4HeaderLengthSmallerThanHeader { .. },
        ))) => return Err(Reason::BadLength),
        // Extension headers whose contents etherparse refuses (a hop-by-hop header not
        // first): they fit, the receiving stack judges the rest, as from any other link.
        // The IP header alone says how long the packet is.
        Err(SliceError::IpHeaders(_)) => match (
            Ipv4HeaderSlice::from_slice(packet),
            Ipv6HeaderSlice::from_slice(packet),
        ) {
            (Ok(ip), _) => usize::from(ip.total_len()),
            (_, Ok(ip)) => IPV6_HLEN + usize::from(ip.payload_length()),
            _ => return Err(Reason::BadLength),
        },
    };
    match total.cmp(&packet.len()) {
        std::cmp::Ordering::Greater => Err(Reason::Truncated),
        std::cmp::Ordering::Less if !padded => Err(Reason::BadLength),
        _ => Ok(()),
    }
}

/// Checks a datagram from the peer before it is written to a device of `mtu` in `mode`.
pub fn check_datagram(mode: Mode, mtu: u32, datagram: &[u8]) -> Result<(), Reason> {
    if datagram.len() > max_len(mode, mtu) {
        return Err(Reason::Oversized);
    }
    match mode {
        Mode::Tun => check_ip(datagram, false),
        Mode::Tap => {
            let eth =
                Ethernet2Slice::from_slice_without_fcs(datagram).map_err(|_| Reason::Truncated)?;
            match eth.ether_type() {
                EtherType::IPV4 | EtherType::IPV6 => match check_ip(eth.payload_slice(), true) {
                    // An ethertype that says IP with a payload of another version.
                    Err(Reason::NotIp) => Err(Reason::BadLength),
                    other => other,
                },
                _ => Ok(()),
            }
        }
    }
}

/// Packets and bytes forwarded one way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Flow {
    /// Packets.
    pub packets: u64,
    /// Bytes: the packets or frames themselves, without UDP/IP headers.
    pub bytes: u64,
}

impl Flow {
    /// Counts a packet of `len` bytes.
    pub fn add(&mut self, len: usize) {
        self.packets += 1;
        self.bytes += len as u64;
    }
}

/// Drops by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drops([u64; Reason::ALL.len()]);

impl Drops {
    /// Counts one drop for `reason`.
    pub fn add(&mut self, reason: Reason) {
        self.0[reason as usize] += 1;
    }

    /// Drops for `reason`.
    pub fn get(&self, reason: Reason) -> u64 {
        self.0[reason as usize]
    }

    /// All drops.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// `truncated 1, oversized 2`: the reasons that counted something, or `none`.
    pub fn summary(&self) -> String {
        let parts: Vec<_> = Reason::ALL
            .iter()
            .filter(|r| self.get(**r) > 0)
            .map(|r| format!("{r} {}", self.get(*r)))
            .collect();
        match parts.is_empty() {
            true => "none".into(),
            false => parts.join(", "),
        }
    }
}

impl Serialize for Drops {
    /// `{"total":3,"truncated":1,...}`: every reason, zero or not.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(Reason::ALL.len() + 1))?;
        map.serialize_entry("total", &self.total())?;
        for reason in Reason::ALL {
            map.serialize_entry(reason.name(), &self.get(reason))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{put_eth, ETH_P_IP, ETH_P_IPV6};

    /// An IPv4 packet of `len` bytes whose header says `total`.
    fn ipv4(len: usize, total: u16) -> Vec<u8> {
        let mut p = vec![0; len];
        p[0] = 0x45;
        if len >= 4 {
            p[2..4].copy_from_slice(&total.to_be_bytes());
        }
        p
    }

    /// An IPv6 packet of `len` bytes whose header says `payload` bytes follow it, with no
    /// next header.
    fn ipv6(len: usize, payload: u16) -> Vec<u8> {
        let mut p = vec![0; len];
        p[0] = 0x60;
        if len >= 6 {
            p[4..6].copy_from_slice(&payload.to_be_bytes());
        }
        if len >= 7 {
            p[6] = 59;
        }
        p
    }

    fn frame(ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0; ETH_HLEN];
        put_eth(&mut f, &[2, 0, 0, 0, 0, 1], &[2, 0, 0, 0, 0, 2], ethertype);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn good_packets_pass() {
        assert_eq!(check_datagram(Mode::Tun, 1500, &ipv4(84, 84)), Ok(()));
        assert_eq!(check_datagram(Mode::Tun, 1500, &ipv4(20, 20)), Ok(()));
        assert_eq!(check_datagram(Mode::Tun, 1500, &ipv6(104, 64)), Ok(()));
        assert_eq!(check_datagram(Mode::Tun, 1500, &ipv6(40, 0)), Ok(()));
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(ETH_P_IP, &ipv4(84, 84))),
            Ok(())
        );
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(ETH_P_IPV6, &ipv6(48, 8))),
            Ok(())
        );
        // ARP, and anything that is not IP, is not looked into.
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(0x0806, &[0; 28])),
            Ok(())
        );
        assert_eq!(check_datagram(Mode::Tap, 1500, &frame(0x88b5, &[])), Ok(()));
    }

    #[test]
    fn exactly_the_mtu_passes_one_more_byte_does_not() {
        assert_eq!(check_datagram(Mode::Tun, 1400, &ipv4(1400, 1400)), Ok(()));
        assert_eq!(
            check_datagram(Mode::Tun, 1400, &ipv4(1401, 1401)),
            Err(Reason::Oversized)
        );
        let at = frame(ETH_P_IP, &ipv4(1400, 1400));
        assert_eq!(at.len(), 1414);
        assert_eq!(check_datagram(Mode::Tap, 1400, &at), Ok(()));
        let over = frame(ETH_P_IP, &ipv4(1401, 1401));
        assert_eq!(
            check_datagram(Mode::Tap, 1400, &over),
            Err(Reason::Oversized)
        );
        assert_eq!(
            (max_len(Mode::Tun, 1500), max_len(Mode::Tap, 1500)),
            (1500, 1514)
        );
    }

    #[test]
    fn oversized_wins_over_everything_else() {
        assert_eq!(
            check_datagram(Mode::Tun, 1500, &vec![0xff; 9000]),
            Err(Reason::Oversized)
        );
        assert_eq!(
            check_datagram(Mode::Tap, 68, &[0; 100]),
            Err(Reason::Oversized)
        );
    }

    #[test]
    fn short_of_a_header_is_truncated() {
        for len in [0, 1, 4, 19] {
            assert_eq!(
                check_datagram(Mode::Tun, 1500, &ipv4(len.max(1), 84)[..len]),
                Err(Reason::Truncated),
                "IPv4 {len}"
            );
        }
        assert_eq!(
            check_datagram(Mode::Tun, 1500, &ipv6(39, 0)),
            Err(Reason::Truncated)
        );
        for len in [0, 1, 13] {
            assert_eq!(
                check_datagram(Mode::Tap, 1500, &vec![0; len]),
                Err(Reason::Truncated),
                "Ethernet {len}"
            );
        }
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(ETH_P_IP, &ipv4(10, 84))),
            Err(Reason::Truncated)
        );
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(ETH_P_IP, &[])),
            Err(Reason::Truncated)
        );
    }

    #[test]
    fn shorter_than_the_header_says_is_truncated() {
        assert_eq!(
            check_datagram(Mode::Tun, 1500, &ipv4(60, 84)),
            Err(Reason::Truncated)
        );
        assert_eq!(
            check_datagram(Mode::Tun, 1500, &ipv6(60, 64)),
            Err(Reason::Truncated)
        );
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(ETH_P_IP, &ipv4(60, 84))),
            Err(Reason::Truncated)
        );
        // IHL beyond the packet.
        let mut p = ipv4(20, 24);
        p[0] = 0x46;
        assert_eq!(check_datagram(Mode::Tun, 1500, &p), Err(Reason::Truncated));
    }

    #[test]
    fn longer_than_the_header_says() {
        assert_eq!(
            check_datagram(Mode::Tun, 1500, &ipv4(100, 84)),
            Err(Reason::BadLength)
        );
        assert_eq!(
            check_datagram(Mode::Tun, 1500, &ipv6(120, 64)),
            Err(Reason::BadLength)
        );
        // In a frame the rest is Ethernet padding: a 28-byte packet in a 60-byte frame.
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(ETH_P_IP, &ipv4(46, 28))),
            Ok(())
        );
    }

    #[test]
    fn the_bad_datagrams_of_the_overlay_scenario() {
        // As tests/46-scenario-overlay.sh sends them.
        let cat = |parts: &[&[u8]]| parts.concat();
        for (mode, datagram, reason) in [
            (Mode::Tun, cat(&[b"\x45", &[0; 9]]), Reason::Truncated),
            (
                Mode::Tun,
                cat(&[b"\x45\x00\x07\xd0", &[0; 1996]]),
                Reason::Oversized,
            ),
            (
                Mode::Tun,
                cat(&[b"\x45\x00\x00\x3c", &[0; 80]]),
                Reason::BadLength,
            ),
            (Mode::Tun, cat(&[b"\x50", &[0; 83]]), Reason::NotIp),
            (Mode::Tap, vec![0; 10], Reason::Truncated),
            (
                Mode::Tap,
                cat(&[&[0; 12], b"\x08\x00\x45\x00\x07\xd0", &[0; 1996]]),
                Reason::Oversized,
            ),
            (
                Mode::Tap,
                cat(&[&[0; 12], b"\x08\x00\x45\x00\x00\x54", &[0; 40]]),
                Reason::Truncated,
            ),
        ] {
            assert_eq!(
                check_datagram(mode, 1500, &datagram),
                Err(reason),
                "{mode:?} {reason}"
            );
        }
    }

    #[test]
    fn real_packets_built_by_etherparse_pass() {
        // An MLDv2 report with its hop-by-hop router alert, as the kernel sends it.
        let mut hbh = [0u8; 8];
        hbh[0] = 58; // next header ICMPv6
        hbh[2..6].copy_from_slice(&[5, 2, 0, 0]); // router alert: MLD
        hbh[6] = 1; // PadN, 0 bytes
        let mut src = [0; 16];
        src[..2].copy_from_slice(&[0xfe, 0x80]);
        let mut dst = [0; 16];
        dst[..2].copy_from_slice(&[0xff, 0x02]);
        dst[15] = 0x16;
        let mut ip = etherparse::Ipv6Header {
            next_header: etherparse::IpNumber::IPV6_HEADER_HOP_BY_HOP,
            hop_limit: 1,
            source: src,
            destination: dst,
            ..Default::default()
        };
        let icmp = [143u8, 0, 0, 0, 0, 0, 0, 0];
        ip.set_payload_length(hbh.len() + icmp.len()).unwrap();
        let mut mld = ip.to_bytes().to_vec();
        mld.extend_from_slice(&hbh);
        mld.extend_from_slice(&icmp);
        assert_eq!(check_datagram(Mode::Tun, 1500, &mld), Ok(()));
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(ETH_P_IPV6, &mld)),
            Ok(())
        );
        // A UDP datagram over IPv4, in a tun packet and in a padded frame.
        let builder = etherparse::PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(1, 2);
        let mut udp = Vec::new();
        builder.write(&mut udp, b"hi").unwrap();
        assert_eq!(check_datagram(Mode::Tun, 1500, &udp), Ok(()));
        let mut padded = frame(ETH_P_IP, &udp);
        padded.resize(60, 0);
        assert_eq!(check_datagram(Mode::Tap, 1500, &padded), Ok(()));
    }

    #[test]
    fn ipv6_extension_headers() {
        // A hop-by-hop header (next header 0) of 8 bytes, then another one: etherparse
        // refuses the second, which is for the receiving stack to judge.
        let mut p = ipv6(104, 64);
        p[6] = 0;
        assert_eq!(check_datagram(Mode::Tun, 1500, &p), Ok(()));
        let mut p = ipv6(120, 64);
        p[6] = 0;
        assert_eq!(check_datagram(Mode::Tun, 1500, &p), Err(Reason::BadLength));
        // A hop-by-hop header beyond the payload length the header says.
        let mut p = ipv6(40, 0);
        p[6] = 0;
        assert_eq!(check_datagram(Mode::Tun, 1500, &p), Err(Reason::BadLength));
        let mut p = ipv6(44, 4);
        p[6] = 0;
        assert_eq!(check_datagram(Mode::Tun, 1500, &p), Err(Reason::BadLength));
        // One that fits, then no next header.
        let mut p = ipv6(48, 8);
        p[6] = 0;
        p[40] = 59;
        assert_eq!(check_datagram(Mode::Tun, 1500, &p), Ok(()));
    }

    #[test]
    fn impossible_ipv4_header_lengths() {
        let mut p = ipv4(84, 84);
        p[0] = 0x44; // IHL 16 bytes
        assert_eq!(check_datagram(Mode::Tun, 1500, &p), Err(Reason::BadLength));
        // Total length smaller than the header.
        assert_eq!(
            check_datagram(Mode::Tun, 1500, &ipv4(20, 10)),
            Err(Reason::BadLength)
        );
    }

    #[test]
    fn not_ip() {
        for first in [0x00, 0x15, 0x50, 0xf0] {
            let mut p = ipv4(84, 84);
            p[0] = first;
            assert_eq!(
                check_datagram(Mode::Tun, 1500, &p),
                Err(Reason::NotIp),
                "{first:#x}"
            );
        }
        // In tap mode the ethertype said IP: the payload's length is what is wrong.
        let mut p = ipv4(84, 84);
        p[0] = 0x15;
        assert_eq!(
            check_datagram(Mode::Tap, 1500, &frame(ETH_P_IP, &p)),
            Err(Reason::BadLength)
        );
    }

    #[test]
    fn drops_count_and_print() {
        let mut d = Drops::default();
        assert_eq!(d.summary(), "none");
        d.add(Reason::Truncated);
        d.add(Reason::Oversized);
        d.add(Reason::Oversized);
        assert_eq!((d.total(), d.get(Reason::Oversized)), (3, 2));
        assert_eq!(d.summary(), "truncated 1, oversized 2");
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            "{\"total\":3,\"truncated\":1,\"oversized\":2,\"bad_length\":0,\"not_ip\":0,\
             \"foreign\":0,\"write_failed\":0,\"send_failed\":0}"
        );
        let mut f = Flow::default();
        f.add(84);
        f.add(16);
        assert_eq!((f.packets, f.bytes), (2, 100));
    }

    #[test]
    fn reasons_are_indexed_in_order() {
        for (i, reason) in Reason::ALL.iter().enumerate() {
            assert_eq!(*reason as usize, i);
        }
    }
}
