// SPDX-License-Identifier: GPL-2.0

//! Wire formats the `exercise` commands build and check: tun's packet information header,
//! Ethernet, ARP, IPv4 and ICMP echo, and the payload pattern that makes every packet of a
//! run different from its neighbours.
//!
//! Builders write into a caller's buffer (one buffer for a whole run, no allocation per
//! packet); parsers borrow from the buffer they were given. Multi-byte fields are in network
//! byte order except `tun_pi.flags`, which the kernel keeps in host order.

use std::net::Ipv4Addr;

/// An Ethernet (MAC) address.
pub type Mac = [u8; ETH_ALEN];

/// Length of a MAC address.
pub const ETH_ALEN: usize = libc::ETH_ALEN as usize;
/// Length of an Ethernet header (no VLAN tag, no FCS).
pub const ETH_HLEN: usize = libc::ETH_HLEN as usize;
/// Ethertype of IPv4.
pub const ETH_P_IP: u16 = libc::ETH_P_IP as u16;
/// Ethertype of ARP.
pub const ETH_P_ARP: u16 = libc::ETH_P_ARP as u16;
/// Ethertype of IPv6.
pub const ETH_P_IPV6: u16 = libc::ETH_P_IPV6 as u16;
/// IEEE 802 "local experimental ethertype 1", free for tests like this one.
pub const ETH_P_802_EX1: u16 = libc::ETH_P_802_EX1 as u16;
/// The broadcast MAC address.
pub const BROADCAST: Mac = [0xff; ETH_ALEN];

/// Length of `struct tun_pi` (`linux/if_tun.h`: `__u16 flags; __be16 proto;`), which libc
/// does not define.
pub const TUN_PI_LEN: usize = 4;
/// `tun_pi.flags`: the packet did not fit in the reader's buffer and was cut.
pub const TUN_PKT_STRIP: u16 = libc::TUN_PKT_STRIP as u16;

/// Length of an IPv4 header without options.
pub const IPV4_HLEN: usize = 20;
/// IP protocol number of ICMP.
pub const IPPROTO_ICMP: u8 = libc::IPPROTO_ICMP as u8;
/// TTL of the requests we build.
pub const IPV4_TTL: u8 = 64;
/// Length of an ICMP echo header (type, code, checksum, id, sequence).
pub const ICMP_ECHO_HLEN: usize = 8;
/// ICMP type of an echo reply (`linux/icmp.h`; libc does not define the ICMP types).
pub const ICMP_ECHOREPLY: u8 = 0;
/// ICMP type of an echo request (not in libc either).
pub const ICMP_ECHO: u8 = 8;

/// Length of an ARP packet for Ethernet and IPv4.
pub const ARP_LEN: usize = 28;
/// ARP hardware type of Ethernet.
pub const ARPHRD_ETHER: u16 = libc::ARPHRD_ETHER;
/// ARP operation: request.
pub const ARPOP_REQUEST: u16 = libc::ARPOP_REQUEST;
/// ARP operation: reply.
pub const ARPOP_REPLY: u16 = libc::ARPOP_REPLY;

/// Bytes at the start of every payload that hold the 64-bit sequence number; the rest is
/// [`pattern_byte`]s.
pub const SEQ_LEN: usize = 8;

fn be16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([buf[at], buf[at + 1]])
}

fn put_be16(buf: &mut [u8], at: usize, value: u16) {
    buf[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

fn ipv4(buf: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(buf[at], buf[at + 1], buf[at + 2], buf[at + 3])
}

fn mac(buf: &[u8], at: usize) -> Mac {
    let mut mac = [0; ETH_ALEN];
    mac.copy_from_slice(&buf[at..at + ETH_ALEN]);
    mac
}

/// Formats a MAC address the way `ip link` shows it.
pub fn mac_to_string(mac: &Mac) -> String {
    let parts: Vec<_> = mac.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// Parses `aa:bb:cc:dd:ee:ff` (as in `/sys/class/net/*/address`).
pub fn parse_mac(text: &str) -> Option<Mac> {
    let mut mac = [0; ETH_ALEN];
    let mut parts = text.trim().split(':');
    for byte in &mut mac {
        let part = parts.next()?;
        if part.len() != 2 {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

// Checksums.

/// The one's complement sum of `data` as 16-bit big-endian words (RFC 1071), not yet
/// complemented; an odd last byte is padded with zero.
fn ones_complement_sum(data: &[u8]) -> u16 {
    let mut chunks = data.chunks_exact(2);
    let mut sum: u64 = chunks
        .by_ref()
        .map(|w| u64::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    if let [last] = chunks.remainder() {
        sum += u64::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The Internet checksum of `data` (with its checksum field zeroed), to store big-endian.
pub fn checksum(data: &[u8]) -> u16 {
    !ones_complement_sum(data)
}

/// Whether `data`, checksum field included, carries a correct Internet checksum.
pub fn checksum_ok(data: &[u8]) -> bool {
    ones_complement_sum(data) == 0xffff
}

// Payload.

/// Byte `index` of the payload of packet `seq`: a pattern that differs between neighbouring
/// packets and between neighbouring bytes, so a swapped, stale or shifted payload shows.
pub fn pattern_byte(seq: u64, index: usize) -> u8 {
    let mixed = (seq as u32).wrapping_mul(0x9e37_79b1) ^ (seq >> 32) as u32;
    (mixed >> 24) as u8 ^ (mixed >> 8) as u8 ^ (index as u8).wrapping_mul(0x3b)
}

/// Fills `payload` (at least [`SEQ_LEN`] bytes) for packet `seq`.
pub fn fill_payload(payload: &mut [u8], seq: u64) {
    payload[..SEQ_LEN].copy_from_slice(&seq.to_be_bytes());
    for (index, byte) in payload.iter_mut().enumerate().skip(SEQ_LEN) {
        *byte = pattern_byte(seq, index);
    }
}

/// What is wrong with a payload that should have been packet `seq`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// Shorter or longer than sent.
    Length { expected: usize, got: usize },
    /// It carries another packet's sequence number.
    Seq { got: u64 },
    /// The pattern differs, first at this offset.
    Byte { offset: usize },
}

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PayloadError::Length { expected, got } => {
                write!(f, "payload of {got} bytes, expected {expected}")
            }
            PayloadError::Seq { got } => write!(f, "payload of packet {got}"),
            PayloadError::Byte { offset } => write!(f, "payload differs at byte {offset}"),
        }
    }
}

/// Checks that `payload` is packet `seq`'s payload of `len` bytes.
pub fn check_payload(payload: &[u8], seq: u64, len: usize) -> Result<(), PayloadError> {
    if payload.len() != len || len < SEQ_LEN {
        return Err(PayloadError::Length {
            expected: len,
            got: payload.len(),
        });
    }
    let got = u64::from_be_bytes(payload[..SEQ_LEN].try_into().unwrap());
    if got != seq {
        return Err(PayloadError::Seq { got });
    }
    match payload
        .iter()
        .enumerate()
        .skip(SEQ_LEN)
        .find(|(index, byte)| **byte != pattern_byte(seq, *index))
    {
        Some((offset, _)) => Err(PayloadError::Byte { offset }),
        None => Ok(()),
    }
}

// tun_pi.

/// `struct tun_pi`, which precedes every packet on a tun fd without `IFF_NO_PI`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TunPi {
    /// `TUN_PKT_*` flags, host byte order.
    pub flags: u16,
    /// Ethertype of the packet, network byte order on the wire.
    pub proto: u16,
}

impl TunPi {
    /// The header for a packet of ethertype `proto`.
    pub fn new(proto: u16) -> Self {
        Self { flags: 0, proto }
    }

    /// The header's bytes.
    pub fn encode(&self) -> [u8; TUN_PI_LEN] {
        let mut buf = [0; TUN_PI_LEN];
        buf[..2].copy_from_slice(&self.flags.to_ne_bytes());
        put_be16(&mut buf, 2, self.proto);
        buf
    }

    /// The header at the start of `buf`.
    pub fn parse(buf: &[u8]) -> Option<Self> {
        (buf.len() >= TUN_PI_LEN).then(|| Self {
            flags: u16::from_ne_bytes([buf[0], buf[1]]),
            proto: be16(buf, 2),
        })
    }
}

// Ethernet.

/// Writes an Ethernet header at the start of `buf`.
pub fn put_eth(buf: &mut [u8], dst: &Mac, src: &Mac, ethertype: u16) {
    buf[..ETH_ALEN].copy_from_slice(dst);
    buf[ETH_ALEN..2 * ETH_ALEN].copy_from_slice(src);
    put_be16(buf, 2 * ETH_ALEN, ethertype);
}

/// An Ethernet frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eth<'a> {
    /// Destination.
    pub dst: Mac,
    /// Source.
    pub src: Mac,
    /// Ethertype (no VLAN tags expected).
    pub ethertype: u16,
    /// What follows the header.
    pub payload: &'a [u8],
}

impl<'a> Eth<'a> {
    /// The frame in `buf`, if it is long enough to have a header.
    pub fn parse(buf: &'a [u8]) -> Option<Self> {
        (buf.len() >= ETH_HLEN).then(|| Self {
            dst: mac(buf, 0),
            src: mac(buf, ETH_ALEN),
            ethertype: be16(buf, 2 * ETH_ALEN),
            payload: &buf[ETH_HLEN..],
        })
    }
}

// ARP.

/// An ARP packet for Ethernet and IPv4 (RFC 826).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    /// `ARPOP_REQUEST` or `ARPOP_REPLY`.
    pub op: u16,
    /// Sender hardware address.
    pub sha: Mac,
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address (zero in a request).
    pub tha: Mac,
    /// Target protocol address.
    pub tpa: Ipv4Addr,
}

impl Arp {
    /// A request from `sha`/`spa` asking who has `tpa`.
    pub fn request(sha: Mac, spa: Ipv4Addr, tpa: Ipv4Addr) -> Self {
        Self {
            op: ARPOP_REQUEST,
            sha,
            spa,
            tha: [0; ETH_ALEN],
            tpa,
        }
    }

    /// The reply to `self` (a request for `spa`) saying that `sha` has it.
    pub fn reply_from(&self, sha: Mac) -> Self {
        Self {
            op: ARPOP_REPLY,
            sha,
            spa: self.tpa,
            tha: self.sha,
            tpa: self.spa,
        }
    }

    /// Writes the packet at the start of `buf` (at least [`ARP_LEN`] bytes).
    pub fn encode(&self, buf: &mut [u8]) {
        put_be16(buf, 0, ARPHRD_ETHER);
        put_be16(buf, 2, ETH_P_IP);
        buf[4] = ETH_ALEN as u8;
        buf[5] = 4;
        put_be16(buf, 6, self.op);
        buf[8..14].copy_from_slice(&self.sha);
        buf[14..18].copy_from_slice(&self.spa.octets());
        buf[18..24].copy_from_slice(&self.tha);
        buf[24..28].copy_from_slice(&self.tpa.octets());
    }

    /// The Ethernet/IPv4 ARP packet at the start of `buf`; `None` for anything else.
    pub fn parse(buf: &[u8]) -> Option<Self> {
        let ours = buf.len() >= ARP_LEN
            && be16(buf, 0) == ARPHRD_ETHER
            && be16(buf, 2) == ETH_P_IP
            && buf[4] == ETH_ALEN as u8
            && buf[5] == 4;
        ours.then(|| Self {
            op: be16(buf, 6),
            sha: mac(buf, 8),
            spa: ipv4(buf, 14),
            tha: mac(buf, 18),
            tpa: ipv4(buf, 24),
        })
    }
}

// IPv4 + ICMP echo.

/// Length of an IPv4 ICMP echo packet with `payload` bytes of data.
pub fn echo_len(payload: usize) -> usize {
    IPV4_HLEN + ICMP_ECHO_HLEN + payload
}

/// The fixed parts of the echo requests of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EchoRequest {
    /// Source address (the made-up remote end).
    pub src: Ipv4Addr,
    /// Destination address (the device's own).
    pub dst: Ipv4Addr,
    /// ICMP identifier.
    pub id: u16,
}

impl EchoRequest {
    /// Writes request `seq` into `buf`, which is exactly [`echo_len`]`(payload)` long: IPv4
    /// header, ICMP echo header (sequence number `seq` truncated to 16 bits) and payload, both
    /// checksums filled in.
    pub fn build(&self, buf: &mut [u8], seq: u64) {
        let total = buf.len();
        let (ip, icmp) = buf.split_at_mut(IPV4_HLEN);
        ip[0] = 0x45; // version 4, 5 words of header
        ip[1] = 0; // DSCP, ECN
        put_be16(ip, 2, total as u16);
        put_be16(ip, 4, seq as u16); // identification
        put_be16(ip, 6, 0); // flags, fragment offset
        ip[8] = IPV4_TTL;
        ip[9] = IPPROTO_ICMP;
        put_be16(ip, 10, 0);
        ip[12..16].copy_from_slice(&self.src.octets());
        ip[16..20].copy_from_slice(&self.dst.octets());
        let sum = checksum(ip);
        put_be16(ip, 10, sum);

        icmp[0] = ICMP_ECHO;
        icmp[1] = 0;
        put_be16(icmp, 2, 0);
        put_be16(icmp, 4, self.id);
        put_be16(icmp, 6, seq as u16);
        fill_payload(&mut icmp[ICMP_ECHO_HLEN..], seq);
        let sum = checksum(icmp);
        put_be16(icmp, 2, sum);
    }
}

/// An IPv4 ICMP echo request or reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Echo<'a> {
    /// IPv4 source.
    pub src: Ipv4Addr,
    /// IPv4 destination.
    pub dst: Ipv4Addr,
    /// `ICMP_ECHO` or `ICMP_ECHOREPLY`.
    pub icmp_type: u8,
    /// ICMP code (0).
    pub code: u8,
    /// ICMP identifier.
    pub id: u16,
    /// ICMP sequence number.
    pub seq: u16,
    /// Whether the IPv4 header checksum is right.
    pub ip_checksum_ok: bool,
    /// Whether the ICMP checksum is right.
    pub icmp_checksum_ok: bool,
    /// The data after the ICMP header, up to the IPv4 total length.
    pub payload: &'a [u8],
}

impl<'a> Echo<'a> {
    /// The ICMP echo request or reply in the IPv4 packet `buf`; `None` for anything else
    /// (another version or protocol, another ICMP type, a fragment, a truncated packet).
    pub fn parse(buf: &'a [u8]) -> Option<Self> {
        if buf.len() < IPV4_HLEN || buf[0] >> 4 != 4 || buf[9] != IPPROTO_ICMP {
            return None;
        }
        let ihl = usize::from(buf[0] & 0xf) * 4;
        let total = usize::from(be16(buf, 2));
        let fragment = be16(buf, 6) & 0x3fff != 0; // MF or an offset
        if ihl < IPV4_HLEN || total < ihl + ICMP_ECHO_HLEN || total > buf.len() || fragment {
            return None;
        }
        let icmp = &buf[ihl..total];
        if icmp[0] != ICMP_ECHO && icmp[0] != ICMP_ECHOREPLY {
            return None;
        }
        Some(Self {
            src: ipv4(buf, 12),
            dst: ipv4(buf, 16),
            icmp_type: icmp[0],
            code: icmp[1],
            id: be16(icmp, 4),
            seq: be16(icmp, 6),
            ip_checksum_ok: checksum_ok(&buf[..ihl]),
            icmp_checksum_ok: checksum_ok(icmp),
            payload: &icmp[ICMP_ECHO_HLEN..],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: Ipv4Addr = Ipv4Addr::new(10, 203, 0, 1);
    const REMOTE: Ipv4Addr = Ipv4Addr::new(10, 203, 0, 2);
    const MAC_A: Mac = [0x02, 0, 0, 0, 0, 0xa];
    const MAC_B: Mac = [0x02, 0, 0, 0, 0, 0xb];

    /// The example bytes of RFC 1071, section 3.
    const RFC1071_SAMPLE: [u8; 8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];

    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071 section 3: the sum of these words is 0xddf2, so the checksum is 0x220d.
        assert_eq!(ones_complement_sum(&RFC1071_SAMPLE), 0xddf2);
        assert_eq!(checksum(&RFC1071_SAMPLE), 0x220d);
    }

    #[test]
    fn checksum_of_known_ipv4_header() {
        // The header from the Wikipedia "IPv4 header checksum" example.
        let mut header = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(checksum(&header), 0xb861);
        header[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert!(checksum_ok(&header));
        header[19] ^= 1;
        assert!(!checksum_ok(&header));
    }

    #[test]
    fn checksum_pads_odd_length_and_folds_carries() {
        assert_eq!(ones_complement_sum(&[0xab]), 0xab00);
        assert_eq!(ones_complement_sum(&[0xff, 0xff, 0x00, 0x02]), 0x0002);
        assert_eq!(checksum(&[]), 0xffff);
        // A buffer with its own checksum appended always verifies.
        let mut data = vec![0x12, 0x34, 0x56];
        data.push(0);
        let sum = checksum(&data);
        data.extend_from_slice(&sum.to_be_bytes());
        assert!(checksum_ok(&data));
    }

    #[test]
    fn payload_round_trip_and_errors() {
        let mut payload = [0; 56];
        fill_payload(&mut payload, 77);
        assert_eq!(&payload[..8], &77u64.to_be_bytes());
        assert_eq!(check_payload(&payload, 77, 56), Ok(()));
        assert_eq!(
            check_payload(&payload, 78, 56),
            Err(PayloadError::Seq { got: 77 })
        );
        assert_eq!(
            check_payload(&payload[..40], 77, 56),
            Err(PayloadError::Length {
                expected: 56,
                got: 40
            })
        );
        payload[30] ^= 0x80;
        assert_eq!(
            check_payload(&payload, 77, 56),
            Err(PayloadError::Byte { offset: 30 })
        );
    }

    #[test]
    fn payload_pattern_differs_between_neighbours() {
        let mut a = [0; 64];
        let mut b = [0; 64];
        for seq in [0u64, 1, 255, 256, 65535, 65536, 1 << 32] {
            fill_payload(&mut a, seq);
            fill_payload(&mut b, seq + 1);
            assert_ne!(a[SEQ_LEN..], b[SEQ_LEN..], "seq {seq}");
            // A payload shifted by one byte does not pass either.
            assert!(a[SEQ_LEN..].windows(2).any(|w| w[0] != w[1]), "seq {seq}");
        }
    }

    #[test]
    fn tun_pi_encoding() {
        // flags in host order, proto big-endian: htons(ETH_P_IP) is 08 00 on the wire.
        assert_eq!(
            TunPi::new(ETH_P_IP).encode(),
            [0, 0, 0x08, 0x00],
            "struct tun_pi {{ 0, htons(ETH_P_IP) }}"
        );
        let pi = TunPi {
            flags: TUN_PKT_STRIP,
            proto: ETH_P_IPV6,
        };
        let bytes = pi.encode();
        assert_eq!(&bytes[..2], &TUN_PKT_STRIP.to_ne_bytes());
        assert_eq!(&bytes[2..], &[0x86, 0xdd]);
        assert_eq!(TunPi::parse(&bytes), Some(pi));
        assert_eq!(TunPi::parse(&bytes[..3]), None);
    }

    #[test]
    fn eth_header_round_trip() {
        let mut frame = [0u8; 20];
        put_eth(&mut frame, &MAC_B, &MAC_A, ETH_P_802_EX1);
        assert_eq!(&frame[12..14], &[0x88, 0xb5]);
        let eth = Eth::parse(&frame).unwrap();
        assert_eq!(
            (eth.dst, eth.src, eth.ethertype, eth.payload.len()),
            (MAC_B, MAC_A, ETH_P_802_EX1, 6)
        );
        assert_eq!(Eth::parse(&frame[..13]), None);
    }

    #[test]
    fn arp_request_bytes() {
        let mut buf = [0; ARP_LEN];
        Arp::request(MAC_A, REMOTE, LOCAL).encode(&mut buf);
        assert_eq!(
            buf,
            [
                0, 1, 8, 0, 6, 4, 0, 1, // Ethernet, IPv4, lengths, request
                2, 0, 0, 0, 0, 0xa, 10, 203, 0, 2, // sender
                0, 0, 0, 0, 0, 0, 10, 203, 0, 1, // target
            ]
        );
    }

    #[test]
    fn arp_reply_answers_the_request() {
        let request = Arp::request(MAC_B, LOCAL, REMOTE);
        let reply = request.reply_from(MAC_A);
        assert_eq!(
            reply,
            Arp {
                op: ARPOP_REPLY,
                sha: MAC_A,
                spa: REMOTE,
                tha: MAC_B,
                tpa: LOCAL,
            }
        );
        let mut buf = [0; ARP_LEN + 18]; // with Ethernet padding after it
        reply.encode(&mut buf);
        assert_eq!(Arp::parse(&buf), Some(reply));
    }

    #[test]
    fn arp_parse_refuses_other_hardware_and_short_packets() {
        let mut buf = [0; ARP_LEN];
        Arp::request(MAC_A, REMOTE, LOCAL).encode(&mut buf);
        assert_eq!(Arp::parse(&buf[..ARP_LEN - 1]), None);
        let mut other = buf;
        other[1] = 6; // IEEE 802
        assert_eq!(Arp::parse(&other), None);
        let mut other = buf;
        other[5] = 16; // IPv6-sized protocol addresses
        assert_eq!(Arp::parse(&other), None);
    }

    fn request(seq: u64, payload: usize) -> Vec<u8> {
        let mut buf = vec![0xee; echo_len(payload)];
        EchoRequest {
            src: REMOTE,
            dst: LOCAL,
            id: 0x1234,
        }
        .build(&mut buf, seq);
        buf
    }

    #[test]
    fn echo_request_layout() {
        let buf = request(0x1_0005, 56);
        assert_eq!(buf.len(), 84);
        assert_eq!(&buf[..4], &[0x45, 0, 0, 84]);
        assert_eq!(&buf[4..6], &[0, 5], "IP id is the low 16 bits of seq");
        assert_eq!((buf[8], buf[9]), (64, IPPROTO_ICMP));
        assert_eq!(&buf[12..20], &[10, 203, 0, 2, 10, 203, 0, 1]);
        assert_eq!(&buf[20..22], &[ICMP_ECHO, 0]);
        assert_eq!(&buf[24..28], &[0x12, 0x34, 0, 5]);
        assert_eq!(&buf[28..36], &0x1_0005u64.to_be_bytes());
        assert!(checksum_ok(&buf[..20]));
        assert!(checksum_ok(&buf[20..]));
    }

    #[test]
    fn echo_request_checksums_are_the_complemented_sums() {
        let buf = request(5, 9); // odd payload length
        for (what, range, at) in [("ip", 0..20, 10), ("icmp", 20..buf.len(), 2)] {
            let mut zeroed = buf[range].to_vec();
            let stored = u16::from_be_bytes([zeroed[at], zeroed[at + 1]]);
            zeroed[at..at + 2].fill(0);
            assert_eq!(checksum(&zeroed), stored, "{what}");
        }
    }

    #[test]
    fn echo_parses_what_was_built() {
        let buf = request(300, 56);
        let echo = Echo::parse(&buf).unwrap();
        assert_eq!(
            (echo.src, echo.dst, echo.icmp_type, echo.code),
            (REMOTE, LOCAL, ICMP_ECHO, 0)
        );
        assert_eq!((echo.id, echo.seq), (0x1234, 300));
        assert!(echo.ip_checksum_ok && echo.icmp_checksum_ok);
        assert_eq!(check_payload(echo.payload, 300, 56), Ok(()));
    }

    #[test]
    fn echo_parse_sees_a_reply_as_the_kernel_builds_it() {
        // The kernel answers with addresses swapped, type 0, checksum adjusted.
        let mut buf = request(7, 56);
        buf[12..20].copy_from_slice(&[10, 203, 0, 1, 10, 203, 0, 2]);
        buf[10..12].fill(0);
        let sum = checksum(&buf[..20]);
        buf[10..12].copy_from_slice(&sum.to_be_bytes());
        buf[20] = ICMP_ECHOREPLY;
        buf[22..24].fill(0);
        let sum = checksum(&buf[20..]);
        buf[22..24].copy_from_slice(&sum.to_be_bytes());
        let echo = Echo::parse(&buf).unwrap();
        assert_eq!(echo.icmp_type, ICMP_ECHOREPLY);
        assert_eq!((echo.src, echo.dst), (LOCAL, REMOTE));
        assert!(echo.ip_checksum_ok && echo.icmp_checksum_ok);
    }

    #[test]
    fn echo_parse_flags_bad_checksums() {
        let mut buf = request(1, 56);
        buf[50] ^= 1;
        let echo = Echo::parse(&buf).unwrap();
        assert!(echo.ip_checksum_ok && !echo.icmp_checksum_ok);
        buf[8] = 63; // TTL
        assert!(!Echo::parse(&buf).unwrap().ip_checksum_ok);
    }

    #[test]
    fn echo_parse_ignores_what_is_not_an_echo() {
        let buf = request(1, 56);
        // IPv6, UDP, ICMP destination unreachable, a fragment, truncated.
        let mut v6 = buf.clone();
        v6[0] = 0x60;
        let mut udp = buf.clone();
        udp[9] = 17;
        let mut unreach = buf.clone();
        unreach[20] = 3;
        let mut fragment = buf.clone();
        fragment[6] = 0x20; // MF
        for (what, pkt) in [
            ("ipv6", &v6[..]),
            ("udp", &udp[..]),
            ("unreachable", &unreach[..]),
            ("fragment", &fragment[..]),
            ("truncated", &buf[..60]),
            ("header only", &buf[..20]),
        ] {
            assert_eq!(Echo::parse(pkt), None, "{what}");
        }
    }

    #[test]
    fn echo_parse_stops_at_total_length() {
        // Ethernet pads short frames; the padding is not payload.
        let mut buf = request(2, 8);
        buf.extend_from_slice(&[0; 10]);
        let echo = Echo::parse(&buf).unwrap();
        assert_eq!(echo.payload.len(), 8);
        assert!(echo.icmp_checksum_ok);
    }

    #[test]
    fn mac_text_round_trip() {
        let mac = parse_mac("02:00:0a:ff:10:01\n").unwrap();
        assert_eq!(mac, [2, 0, 0xa, 0xff, 0x10, 1]);
        assert_eq!(mac_to_string(&mac), "02:00:0a:ff:10:01");
        for bad in [
            "",
            "02:00:0a:ff:10",
            "02:00:0a:ff:10:01:02",
            "2:00:0a:ff:10:01",
            "zz:00:0a:ff:10:01",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad:?}");
        }
    }
}
