// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl exercise tun NAME`: ping the kernel through a tun or tap device.
//!
//! The device is created on an fd of `--path` (`TUNSETIFF`, so it is not persistent and goes
//! away with the fd), given `--addr` and brought up with socket ioctls. We play the remote
//! end, the next address of the subnet: we write ICMP echo requests from the remote address
//! to the device's address into the fd, the kernel's IPv4 stack answers, and we read the
//! replies back from the fd and check them: identifier, order, checksums, payload. Up to
//! `--window` requests are in flight. In tap mode everything is inside Ethernet frames from
//! a made-up MAC address: an ARP request first makes the kernel learn it, and the kernel's
//! own ARP requests for the remote address are answered. What is read back is parsed with
//! etherparse, not with the code in [`crate::wire`] that built the requests. Anything else
//! the kernel sends (IPv6 router solicitations, MLD reports, ARP for other addresses,
//! stray UDP) is not ours: read, counted, reported as `ignored N unrelated` and skipped,
//! never failed on.
//!
//! tun counts a packet written to the fd as received (rx) and a packet read from it as sent
//! (tx), at the time it is read. So rx must move by exactly what we wrote, and tx by at
//! least the replies (it also counts what we read and skipped).

use std::{
    fmt,
    fs::File,
    io::{ErrorKind, Read, Write},
    net::Ipv4Addr,
    os::fd::AsFd,
    path::PathBuf,
    str::FromStr,
    time::{Duration, Instant},
};

use clap::{value_parser, Args};
use etherparse::{
    err::ipv4::{HeaderError, HeaderSliceError},
    ArpPacketSlice, EtherType, Ethernet2Slice, Icmpv4Slice, Icmpv4Type, IpNumber, Ipv4HeaderSlice,
    Ipv4Slice,
};
use nix::poll::PollFlags;
use serde::Serialize;

use super::{check_moved, moved, rate, Amount, Quiet, QUIET_LIMIT};
use crate::{
    cmd::{tundev, Opts},
    error::{Error, Result},
    ifreq::{IfReq, IFF_UP},
    link::Counters,
    output::{self, Table},
    sys,
    wire::{
        echo_len, put_eth, Arp, EchoRequest, Mac, TunPi, ARPOP_REPLY, ARPOP_REQUEST, ARP_LEN,
        BROADCAST, ETH_HLEN, ETH_P_ARP, ETH_P_IP, TUN_PI_LEN,
    },
};

pub use crate::cmd::tundev::{Mode, DEFAULT_PATH};

/// The MAC address we send from in tap mode: locally administered, unicast.
pub const REMOTE_MAC: Mac = [0x02, 0x72, 0x76, 0x6e, 0x00, 0x02];

/// An IPv4 address and prefix length, `10.203.0.1/24`, with room for the remote end: the
/// next address, inside the subnet and not its broadcast address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IfAddr {
    /// The device's address.
    pub addr: Ipv4Addr,
    /// Prefix length, 1 to 31.
    pub prefix: u8,
}

impl IfAddr {
    /// The netmask of the prefix.
    pub fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::MAX << (32 - u32::from(self.prefix)))
    }

    /// The remote end: the next address.
    pub fn remote(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) + 1)
    }
}

impl FromStr for IfAddr {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let (addr, prefix) = text
            .split_once('/')
            .ok_or("expected ADDRESS/PREFIX, e.g. 10.203.0.1/24")?;
        let addr: Ipv4Addr = addr
            .parse()
            .map_err(|_| format!("\"{addr}\" is not an IPv4 address"))?;
        let prefix: u8 = match prefix.parse() {
            Ok(prefix @ 1..=31) => prefix,
            _ => return Err(format!("prefix \"{prefix}\" is not 1 to 31")),
        };
        let ifaddr = Self { addr, prefix };
        let mask = u32::from(ifaddr.netmask());
        let addr = u32::from(addr);
        let fits = addr
            .checked_add(1)
            .is_some_and(|remote| remote & mask == addr & mask)
            // In a /31 both addresses are hosts; otherwise the last is the broadcast.
            && (prefix == 31 || (addr + 1) | mask != u32::MAX);
        if !fits {
            return Err(format!(
                "no room for the remote end after {} in /{prefix}",
                ifaddr.addr
            ));
        }
        Ok(ifaddr)
    }
}

impl fmt::Display for IfAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// `rvnetctl exercise tun`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct TunArgs {
    /// Device name, or a template such as rtun%d.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The tun character device to open (/dev/net/tun is the kernel's own).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_PATH)]
    pub path: PathBuf,

    /// IP packets (tun) or Ethernet frames (tap).
    #[arg(long, value_enum, default_value_t = Mode::Tun)]
    pub mode: Mode,

    /// Packet information: each packet after a struct tun_pi. Off by default (IFF_NO_PI),
    /// as with `ip tuntap add`.
    #[arg(long, overrides_with = "no_pi")]
    pub pi: bool,

    /// No packet information: the default, accepted for old scripts.
    #[arg(long, hide = true, overrides_with = "pi")]
    pub no_pi: bool,

    /// Echo requests to send.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = value_parser!(u64).range(1..))]
    pub count: u64,

    /// ICMP payload bytes per request; the first 8 carry the sequence number.
    #[arg(long, value_name = "BYTES", default_value_t = 56,
          value_parser = value_parser!(u16).range(8..=1472))]
    pub size: u16,

    /// Requests in flight at most (the device queues 500 replies).
    #[arg(long, value_name = "W", default_value_t = 64,
          value_parser = value_parser!(u32).range(1..=256))]
    pub window: u32,

    /// The device's address and prefix; the remote end is the next address.
    #[arg(long, value_name = "ADDR/PREFIX", default_value = "10.203.0.1/24")]
    pub addr: IfAddr,
}

/// What went through the fd, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Arps {
    /// ARP packets we wrote (our request, our replies).
    pub sent: Amount,
    /// ARP packets the kernel sent us (its reply, its requests).
    pub received: Amount,
}

/// The result of a run. Byte counts are what tun counts: packets or frames without the
/// `tun_pi` header.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TunReport {
    /// Device name.
    pub device: String,
    /// The character device opened.
    pub path: String,
    /// tun or tap.
    pub mode: Mode,
    /// Whether packets carried `struct tun_pi`.
    pub pi: bool,
    /// The device's address and prefix.
    pub addr: String,
    /// The remote end's address.
    pub remote: Ipv4Addr,
    /// Echo requests written.
    pub sent: Amount,
    /// Echo replies read and verified.
    pub received: Amount,
    /// ARP traffic (tap only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arp: Option<Arps>,
    /// Packets read that were none of the above (not ours), skipped.
    pub other: Amount,
    /// How many those were: what `ignored N unrelated` says.
    pub unrelated: u64,
    /// Everything read.
    pub read: Amount,
    /// Time from the first request to the last reply.
    pub elapsed_s: f64,
    /// Echo requests and replies per second.
    pub packets_per_s: f64,
    /// How far the device's rx counters moved.
    pub rx: Amount,
    /// How far the device's tx counters moved.
    pub tx: Amount,
    /// Whether everything checked out.
    pub verified: bool,
}

impl TunReport {
    /// What is wrong with the counters, if anything: rx must have moved by exactly what we
    /// wrote, tx by at least the replies we read.
    pub fn problems(&self) -> Vec<String> {
        let written = self.sent.plus(self.arp.unwrap_or_default().sent);
        let mut problems: Vec<_> = check_moved(&format!("{} rx", self.device), self.rx, written)
            .into_iter()
            .collect();
        if self.tx.packets < self.received.packets {
            problems.push(format!(
                "{} tx moved by {} packets, expected at least {}",
                self.device, self.tx.packets, self.received.packets
            ));
        }
        problems
    }
}

impl Table for TunReport {
    fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            ("device", self.device.clone()),
            ("path", self.path.clone()),
            ("mode", self.mode.to_string()),
            ("pi", if self.pi { "on" } else { "off" }.into()),
            ("address", format!("{} (remote {})", self.addr, self.remote)),
            (
                "sent",
                format!(
                    "{} echo requests, {} bytes",
                    self.sent.packets, self.sent.bytes
                ),
            ),
            (
                "received",
                format!(
                    "{} echo replies, {} bytes",
                    self.received.packets, self.received.bytes
                ),
            ),
        ];
        if let Some(arp) = &self.arp {
            rows.push((
                "arp",
                format!(
                    "sent {}, received {}",
                    arp.sent.packets, arp.received.packets
                ),
            ));
        }
        rows.extend([
            (
                "other",
                format!(
                    "ignored {} unrelated {}, {} bytes",
                    self.other.packets,
                    match self.mode {
                        Mode::Tun => "packets",
                        Mode::Tap => "frames",
                    },
                    self.other.bytes
                ),
            ),
            ("elapsed", format!("{:.3} s", self.elapsed_s)),
            ("rate", format!("{:.0} packets/s", self.packets_per_s)),
            ("rx", moved(self.rx)),
            ("tx", format!("{} (read {})", moved(self.tx), self.read)),
            ("verified", if self.verified { "yes" } else { "no" }.into()),
        ]);
        rows
    }
}

/// A packet read from the fd, sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Packet {
    /// The echo reply we waited for, verified.
    Reply,
    /// The kernel asks who has the remote address.
    ArpRequest(Arp),
    /// The kernel says it has its address, to our MAC.
    ArpReply(Arp),
    /// Not ours (IPv6 router solicitations, MLD reports, ARP for other addresses, stray
    /// UDP, ...): counted and skipped; why it is not ours.
    Unrelated(&'static str),
}

/// The fixed facts of a run that sorting a packet needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ends {
    /// tun or tap.
    pub mode: Mode,
    /// Whether packets carry `struct tun_pi`.
    pub pi: bool,
    /// The device's address.
    pub local: Ipv4Addr,
    /// Ours.
    pub remote: Ipv4Addr,
    /// ICMP identifier of our requests.
    pub id: u16,
    /// ICMP payload length.
    pub size: usize,
    /// The device's MAC, once known (tap).
    pub dev_mac: Option<Mac>,
}

impl Ends {
    /// Length of what precedes the IPv4 packet: `tun_pi`, Ethernet header.
    pub fn link_hlen(&self) -> usize {
        let pi = if self.pi { TUN_PI_LEN } else { 0 };
        match self.mode {
            Mode::Tun => pi,
            Mode::Tap => pi + ETH_HLEN,
        }
    }

    /// What tun counts of a packet of `len` bytes on the fd: all but `tun_pi`.
    pub fn counted(&self, len: usize) -> usize {
        if self.pi {
            len.saturating_sub(TUN_PI_LEN)
        } else {
            len
        }
    }

    /// Sorts `frame`, read from the fd while waiting for the reply to request `expected`.
    /// A reply to one of our requests (ICMP from the device's address to ours, an echo
    /// reply with our identifier, or too short to tell) that is not exactly the expected
    /// one is an error saying what is wrong with it; anything else is unrelated.
    ///
    /// Parsed by etherparse, not by the code in [`crate::wire`] that built the requests.
    pub fn classify(&self, frame: &[u8], expected: u64) -> Result<Packet, String> {
        // struct tun_pi: flags in host order, then an ethertype; no packet library knows it.
        let (pi, rest) = match self.pi {
            true if frame.len() < TUN_PI_LEN => {
                return Err(format!("read {} bytes, less than tun_pi", frame.len()))
            }
            true => {
                let flags = u16::from_ne_bytes([frame[0], frame[1]]);
                let proto = EtherType(u16::from_be_bytes([frame[2], frame[3]]));
                (Some((flags, proto)), &frame[TUN_PI_LEN..])
            }
            false => (None, frame),
        };
        let (eth, l3) = match self.mode {
            Mode::Tun => match pi {
                Some((_, proto)) if proto != EtherType::IPV4 => {
                    return Ok(Packet::Unrelated(unrelated_ethertype(proto)))
                }
                _ => (None, rest),
            },
            Mode::Tap => match Ethernet2Slice::from_slice_without_fcs(rest) {
                Err(_) => return Ok(Packet::Unrelated("shorter than an Ethernet header")),
                Ok(eth) if eth.ether_type() == EtherType::ARP => {
                    return Ok(self.classify_arp(eth.payload_slice()))
                }
                Ok(eth) if eth.ether_type() == EtherType::IPV4 => {
                    (Some(eth.clone()), eth.payload_slice())
                }
                Ok(eth) => return Ok(Packet::Unrelated(unrelated_ethertype(eth.ether_type()))),
            },
        };

        // Whose it is: the IPv4 header and the start of the ICMP message tell, even of a
        // packet cut short.
        let header = match Ipv4HeaderSlice::from_slice(l3) {
            Ok(header) => header,
            Err(HeaderSliceError::Content(HeaderError::UnexpectedVersion { version_number })) => {
                return Ok(Packet::Unrelated(match version_number {
                    6 => "IPv6",
                    _ => "not IP",
                }))
            }
            Err(_) => return Ok(Packet::Unrelated("not a whole IPv4 header")),
        };
        if header.source_addr() != self.local || header.destination_addr() != self.remote {
            return Ok(Packet::Unrelated("IPv4 between other addresses"));
        }
        if header.protocol() != IpNumber::ICMP {
            return Ok(Packet::Unrelated("IPv4 but not ICMP"));
        }
        let end = usize::from(header.total_len()).clamp(header.slice().len(), l3.len());
        if let Ok(icmp) = Icmpv4Slice::from_slice(&l3[header.slice().len()..end]) {
            match icmp.icmp_type() {
                Icmpv4Type::EchoReply(echo) if echo.id == self.id => {}
                Icmpv4Type::EchoReply(_) => {
                    return Ok(Packet::Unrelated("echo reply with another identifier"))
                }
                _ => return Ok(Packet::Unrelated("ICMP but not an echo reply")),
            }
        }

        // Ours: now everything must be right.
        let wrong = |problem: String| Err(format!("echo reply {expected}: {problem}"));
        if let Some((flags, proto)) = pi {
            if flags != 0 || proto != EtherType::IPV4 {
                return wrong(format!(
                    "tun_pi is flags {flags:#x} proto {:#06x}, expected 0 and {ETH_P_IP:#06x}",
                    proto.0
                ));
            }
        }
        if let Some(eth) = eth {
            if eth.destination() != REMOTE_MAC
                || self.dev_mac.is_some_and(|mac| eth.source() != mac)
            {
                return wrong(format!(
                    "Ethernet header {} > {}, expected from the device to us",
                    crate::wire::mac_to_string(&eth.source()),
                    crate::wire::mac_to_string(&eth.destination())
                ));
            }
        }
        let ip = match Ipv4Slice::from_slice(l3) {
            Ok(ip) => ip,
            Err(err) => return wrong(format!("truncated: {err}")),
        };
        let header = ip.header();
        // Bytes after the packet are Ethernet padding in a frame, wrong in a tun packet.
        if self.mode == Mode::Tun && usize::from(header.total_len()) != l3.len() {
            return wrong(format!(
                "read {} bytes of IPv4, its header says {}",
                l3.len(),
                header.total_len()
            ));
        }
        if header.to_header().calc_header_checksum() != header.header_checksum() {
            return wrong("bad IPv4 header checksum".into());
        }
        if ip.is_payload_fragmented() {
            return wrong("fragmented".into());
        }
        let icmp = match Icmpv4Slice::from_slice(ip.payload().payload) {
            Ok(icmp) => icmp,
            Err(err) => return wrong(format!("truncated: {err}")),
        };
        if icmp.icmp_type().calc_checksum(icmp.payload()) != icmp.checksum() {
            return wrong("bad ICMP checksum".into());
        }
        if icmp.code_u8() != 0 {
            return wrong(format!("ICMP code {}", icmp.code_u8()));
        }
        let Icmpv4Type::EchoReply(echo) = icmp.icmp_type() else {
            // Sorted out above, from the same bytes.
            return wrong(format!("ICMP type {}", icmp.type_u8()));
        };
        if echo.seq != expected as u16 {
            return wrong(format!(
                "got sequence number {} instead of {} (lost or reordered)",
                echo.seq, expected as u16
            ));
        }
        match crate::wire::check_payload(icmp.payload(), expected, self.size) {
            Ok(()) => Ok(Packet::Reply),
            Err(problem) => wrong(problem.to_string()),
        }
    }

    /// Sorts an ARP packet: a request for the remote address, or the reply to ours.
    fn classify_arp(&self, payload: &[u8]) -> Packet {
        let Ok(arp) = ArpPacketSlice::from_slice(payload) else {
            return Packet::Unrelated("truncated ARP");
        };
        let Ok(arp) = arp.to_packet().try_eth_ipv4() else {
            return Packet::Unrelated("ARP but not Ethernet/IPv4");
        };
        let arp = Arp {
            op: arp.operation.0,
            sha: arp.sender_mac,
            spa: arp.sender_ipv4_addr(),
            tha: arp.target_mac,
            tpa: arp.target_ipv4_addr(),
        };
        match arp.op {
            ARPOP_REQUEST if arp.tpa == self.remote => Packet::ArpRequest(arp),
            ARPOP_REQUEST => Packet::Unrelated("ARP request for another address"),
            ARPOP_REPLY if arp.spa == self.local && arp.tpa == self.remote => {
                match arp.tha == REMOTE_MAC {
                    true => Packet::ArpReply(arp),
                    false => Packet::Unrelated("ARP reply to another MAC address"),
                }
            }
            ARPOP_REPLY => Packet::Unrelated("ARP reply between other addresses"),
            _ => Packet::Unrelated("ARP neither request nor reply"),
        }
    }
}

/// Why a packet of `ethertype` is not ours.
fn unrelated_ethertype(ethertype: EtherType) -> &'static str {
    match ethertype {
        EtherType::IPV6 => "IPv6",
        EtherType::ARP => "ARP",
        _ => "neither IPv4 nor ARP",
    }
}

/// Writes `frame` in one piece to the non-blocking `file`, waiting while it is full.
fn write_frame(file: &File, frame: &[u8], what: &dyn Fn() -> String) -> Result<()> {
    let mut quiet = Quiet::new(QUIET_LIMIT);
    loop {
        match (&*file).write(frame) {
            Ok(n) if n == frame.len() => return Ok(()),
            Ok(n) => {
                return Err(Error::Exercise(format!(
                    "{}: wrote {n} of {} bytes",
                    what(),
                    frame.len()
                )))
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                if !quiet.wait(file.as_fd(), PollFlags::POLLOUT)? {
                    return Err(Error::Exercise(format!(
                        "{}: not writable for {} s",
                        what(),
                        QUIET_LIMIT.as_secs()
                    )));
                }
            }
            Err(err) => return Err(Error::io(what(), &err)),
        }
    }
}

/// A run in progress: the device's fd, one buffer each way, what went through.
struct Exchange<'a> {
    file: &'a File,
    path: String,
    ends: Ends,
    quiet: Quiet,
    /// The request being sent; its link header is written once.
    tx: Vec<u8>,
    /// ARP packets we send.
    ctl: [u8; TUN_PI_LEN + ETH_HLEN + ARP_LEN],
    /// What we read.
    rx: Vec<u8>,
    sent: Amount,
    received: Amount,
    arp: Arps,
    other: Amount,
}

impl<'a> Exchange<'a> {
    fn new(file: &'a File, path: String, ends: Ends) -> Self {
        Self {
            file,
            path,
            ends,
            quiet: Quiet::new(QUIET_LIMIT),
            tx: vec![0; ends.link_hlen() + echo_len(ends.size)],
            ctl: [0; TUN_PI_LEN + ETH_HLEN + ARP_LEN],
            rx: vec![0; 65536],
            sent: Amount::default(),
            received: Amount::default(),
            arp: Arps::default(),
            other: Amount::default(),
        }
    }

    fn write_what(&self) -> String {
        format!("write to {}", self.path)
    }

    /// Reads one packet into `rx`; `None` if the kernel stayed quiet for too long.
    fn read(&mut self) -> Result<Option<usize>> {
        loop {
            match (&*self.file).read(&mut self.rx) {
                Ok(len) => return Ok(Some(len)),
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) if err.kind() == ErrorKind::WouldBlock => {
                    if !self.quiet.wait(self.file.as_fd(), PollFlags::POLLIN)? {
                        return Ok(None);
                    }
                }
                Err(err) => return Err(Error::io(format!("read from {}", self.path), &err)),
            }
        }
    }

    /// Writes an ARP packet to `dst` (tap).
    fn send_arp(&mut self, dst: &Mac, arp: &Arp) -> Result<()> {
        let pi = if self.ends.pi { TUN_PI_LEN } else { 0 };
        if self.ends.pi {
            self.ctl[..TUN_PI_LEN].copy_from_slice(&TunPi::new(ETH_P_ARP).encode());
        }
        put_eth(&mut self.ctl[pi..], dst, &REMOTE_MAC, ETH_P_ARP);
        arp.encode(&mut self.ctl[pi + ETH_HLEN..]);
        let frame = &self.ctl[..pi + ETH_HLEN + ARP_LEN];
        write_frame(self.file, frame, &|| self.write_what())?;
        self.arp.sent.add(ETH_HLEN + ARP_LEN);
        Ok(())
    }

    /// Sorts the packet of `len` bytes in `rx`, answers ARP requests, counts it.
    fn take(&mut self, len: usize, expected: u64) -> Result<Packet> {
        let packet = self
            .ends
            .classify(&self.rx[..len], expected)
            .map_err(Error::Exercise)?;
        let counted = self.ends.counted(len);
        match packet {
            Packet::Reply => self.received.add(counted),
            Packet::ArpRequest(request) => {
                self.arp.received.add(counted);
                self.send_arp(&request.sha, &request.reply_from(REMOTE_MAC))?;
            }
            Packet::ArpReply(_) => self.arp.received.add(counted),
            Packet::Unrelated(_) => self.other.add(counted),
        }
        Ok(packet)
    }

    /// Tap: asks the kernel who has its own address, so that it learns our MAC from the
    /// request, and learns the device's MAC from the reply.
    fn prime(&mut self) -> Result<()> {
        let request = Arp::request(REMOTE_MAC, self.ends.remote, self.ends.local);
        self.send_arp(&BROADCAST, &request)?;
        self.quiet.progress();
        loop {
            let Some(len) = self.read()? else {
                return Err(Error::Exercise(format!(
                    "no ARP reply from {} within {} s",
                    self.ends.local,
                    QUIET_LIMIT.as_secs()
                )));
            };
            if let Packet::ArpReply(reply) = self.take(len, 0)? {
                self.ends.dev_mac = Some(reply.sha);
                return Ok(());
            }
        }
    }

    /// Sends the requests, at most `window` ahead of the replies; returns the time taken.
    fn echo(&mut self, count: u64, window: u64) -> Result<Duration> {
        let hlen = self.ends.link_hlen();
        if self.ends.pi {
            self.tx[..TUN_PI_LEN].copy_from_slice(&TunPi::new(ETH_P_IP).encode());
        }
        if let Some(dev_mac) = self.ends.dev_mac {
            put_eth(
                &mut self.tx[hlen - ETH_HLEN..],
                &dev_mac,
                &REMOTE_MAC,
                ETH_P_IP,
            );
        }
        let request = EchoRequest {
            src: self.ends.remote,
            dst: self.ends.local,
            id: self.ends.id,
        };
        let counted = self.ends.counted(self.tx.len());

        let (mut sent, mut done) = (0, 0);
        self.quiet.progress();
        let start = Instant::now();
        while done < count {
            while sent < count && sent - done < window {
                request.build(&mut self.tx[hlen..], sent);
                write_frame(self.file, &self.tx, &|| self.write_what())?;
                self.sent.add(counted);
                sent += 1;
            }
            let Some(len) = self.read()? else {
                return Err(Error::Exercise(format!(
                    "no echo reply {done} within {} s ({sent} of {count} requests sent)",
                    QUIET_LIMIT.as_secs()
                )));
            };
            if self.take(len, done)? == Packet::Reply {
                done += 1;
                self.quiet.progress();
            }
        }
        Ok(start.elapsed())
    }
}

/// Gives device `name` the address `addr` and brings it up.
fn configure(name: &str, addr: &IfAddr) -> Result<()> {
    let sock = sys::inet_socket().map_err(|errno| Error::Sys {
        what: "cannot open an AF_INET socket".into(),
        errno,
    })?;
    let sock = sock.as_fd();
    let req = IfReq::new(name)?;
    let fail = |call: &str| {
        let what = format!("{call} {name}");
        move |errno| Error::Sys { what, errno }
    };
    sys::set_addr(sock, &req.with_ipv4(addr.addr)).map_err(fail("SIOCSIFADDR"))?;
    sys::set_netmask(sock, &req.with_ipv4(addr.netmask())).map_err(fail("SIOCSIFNETMASK"))?;
    let mut current = req;
    let flags = sys::get_flags(sock, &mut current).map_err(fail("SIOCGIFFLAGS"))?;
    sys::set_flags(sock, &req.with_flags(flags | IFF_UP)).map_err(fail("SIOCSIFFLAGS"))
}

/// `rvnetctl exercise tun`.
pub fn run(args: &TunArgs, opts: Opts) -> Result<()> {
    let (file, device) = tundev::attach(&args.path, &args.name, args.mode, args.pi)?;
    configure(&device, &args.addr)?;
    let ends = Ends {
        mode: args.mode,
        pi: args.pi,
        local: args.addr.addr,
        remote: args.addr.remote(),
        id: std::process::id() as u16,
        size: usize::from(args.size),
        dev_mac: None,
    };
    let path = args.path.display().to_string();
    let mut exchange = Exchange::new(&file, path.clone(), ends);

    let before = Counters::read(&device)?;
    if args.mode == Mode::Tap {
        exchange.prime()?;
    }
    let elapsed = exchange.echo(args.count, u64::from(args.window))?;
    let delta = Counters::read(&device)?.since(&before);

    let read = exchange
        .received
        .plus(exchange.arp.received)
        .plus(exchange.other);
    let mut report = TunReport {
        device,
        path,
        mode: args.mode,
        pi: args.pi,
        addr: args.addr.to_string(),
        remote: args.addr.remote(),
        sent: exchange.sent,
        received: exchange.received,
        arp: (args.mode == Mode::Tap).then_some(exchange.arp),
        other: exchange.other,
        unrelated: exchange.other.packets,
        read,
        elapsed_s: elapsed.as_secs_f64(),
        packets_per_s: rate(exchange.sent.packets + exchange.received.packets, elapsed),
        rx: Amount {
            packets: delta.rx_packets,
            bytes: delta.rx_bytes,
        },
        tx: Amount {
            packets: delta.tx_packets,
            bytes: delta.tx_bytes,
        },
        verified: false,
    };
    let problems = report.problems();
    report.verified = problems.is_empty();
    output::print(&report, opts.format)?;
    match problems.is_empty() {
        true => Ok(()),
        false => Err(Error::Exercise(problems.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        output::{render, Format},
        wire::{checksum, Arp, ICMP_ECHOREPLY},
    };

    const LOCAL: Ipv4Addr = Ipv4Addr::new(10, 203, 0, 1);
    const REMOTE: Ipv4Addr = Ipv4Addr::new(10, 203, 0, 2);
    const DEV_MAC: Mac = [0x02, 0, 0, 0, 0, 1];
    const ID: u16 = 0x4242;

    fn ends(mode: Mode, pi: bool) -> Ends {
        Ends {
            mode,
            pi,
            local: LOCAL,
            remote: REMOTE,
            id: ID,
            size: 56,
            dev_mac: (mode == Mode::Tap).then_some(DEV_MAC),
        }
    }

    /// The kernel's reply to request `seq` as it appears on the fd.
    fn reply(ends: &Ends, seq: u64) -> Vec<u8> {
        let mut ip = vec![0; echo_len(ends.size)];
        EchoRequest {
            src: LOCAL,
            dst: REMOTE,
            id: ID,
        }
        .build(&mut ip, seq);
        ip[20] = ICMP_ECHOREPLY;
        ip[22..24].fill(0);
        let sum = checksum(&ip[20..]);
        ip[22..24].copy_from_slice(&sum.to_be_bytes());
        link(ends, ETH_P_IP, &ip)
    }

    /// `l3` behind the link header of `ends`, as the kernel would send it to us.
    fn link(ends: &Ends, proto: u16, l3: &[u8]) -> Vec<u8> {
        let mut frame = Vec::new();
        if ends.pi {
            frame.extend_from_slice(&TunPi::new(proto).encode());
        }
        if ends.mode == Mode::Tap {
            let mut eth = [0; ETH_HLEN];
            put_eth(&mut eth, &REMOTE_MAC, &DEV_MAC, proto);
            frame.extend_from_slice(&eth);
        }
        frame.extend_from_slice(l3);
        frame
    }

    fn all_ends() -> [Ends; 4] {
        [
            ends(Mode::Tun, true),
            ends(Mode::Tun, false),
            ends(Mode::Tap, true),
            ends(Mode::Tap, false),
        ]
    }

    #[test]
    fn expected_reply_is_accepted_in_every_mode() {
        for ends in all_ends() {
            assert_eq!(
                ends.classify(&reply(&ends, 70_000), 70_000),
                Ok(Packet::Reply),
                "{ends:?}"
            );
        }
    }

    #[test]
    fn link_header_lengths() {
        let hlens: Vec<_> = all_ends().iter().map(Ends::link_hlen).collect();
        assert_eq!(hlens, [4, 0, 18, 14]);
        assert_eq!(ends(Mode::Tun, true).counted(88), 84);
        assert_eq!(ends(Mode::Tap, false).counted(98), 98);
    }

    #[test]
    fn reply_out_of_order_is_an_error() {
        for ends in all_ends() {
            let err = ends.classify(&reply(&ends, 6), 5).unwrap_err();
            assert_eq!(
                err,
                "echo reply 5: got sequence number 6 instead of 5 (lost or reordered)"
            );
        }
    }

    #[test]
    fn reply_with_another_payload_is_an_error() {
        let ends = ends(Mode::Tun, true);
        // Same 16-bit sequence number, 65536 requests later.
        let err = ends.classify(&reply(&ends, 65_541), 5).unwrap_err();
        assert_eq!(err, "echo reply 5: payload of packet 65541");
        let mut bad = reply(&ends, 5);
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        let err = ends.classify(&bad, 5).unwrap_err();
        assert_eq!(err, "echo reply 5: bad ICMP checksum");
    }

    #[test]
    fn reply_with_bad_tun_pi_is_an_error() {
        let ends = ends(Mode::Tun, true);
        let mut bad = reply(&ends, 1);
        bad[..2].copy_from_slice(&crate::wire::TUN_PKT_STRIP.to_ne_bytes());
        assert!(ends
            .classify(&bad, 1)
            .unwrap_err()
            .contains("tun_pi is flags 0x1"));
    }

    #[test]
    fn tap_reply_to_another_mac_is_an_error() {
        let ends = ends(Mode::Tap, false);
        let mut bad = reply(&ends, 1);
        bad[5] ^= 1;
        assert!(ends
            .classify(&bad, 1)
            .unwrap_err()
            .contains("expected from the device to us"));
    }

    /// An IPv6 packet from the link-local `fe80::1` to `dst` (last byte of `ff02::`),
    /// carrying an ICMPv6 message of `icmp_type` with a right checksum, built by etherparse.
    fn icmpv6(icmp_type: u8, dst: u8) -> Vec<u8> {
        let mut src = [0; 16];
        src[..2].copy_from_slice(&[0xfe, 0x80]);
        src[15] = 1;
        let mut to = [0; 16];
        to[..2].copy_from_slice(&[0xff, 0x02]);
        to[15] = dst;
        let builder =
            etherparse::PacketBuilder::ipv6(src, to, 255).icmpv6_raw(icmp_type, 0, [0; 4]);
        let mut packet = Vec::new();
        builder.write(&mut packet, &[]).unwrap();
        packet
    }

    /// A UDP datagram from the device's address to ours, built by etherparse.
    fn stray_udp() -> Vec<u8> {
        let builder =
            etherparse::PacketBuilder::ipv4(LOCAL.octets(), REMOTE.octets(), 64).udp(5353, 5353);
        let mut packet = Vec::new();
        builder.write(&mut packet, b"not an echo reply").unwrap();
        packet
    }

    #[test]
    fn unrelated_traffic_is_skipped_with_a_reason() {
        for ends in all_ends() {
            let rs = icmpv6(133, 2); // router solicitation to ff02::2
            let mld = icmpv6(143, 0x16); // MLDv2 report to ff02::16
            for packet in [&rs, &mld] {
                assert_eq!(
                    ends.classify(&link(&ends, 0x86dd, packet), 0),
                    Ok(Packet::Unrelated("IPv6")),
                    "{ends:?}"
                );
            }
            assert_eq!(
                ends.classify(&link(&ends, ETH_P_IP, &stray_udp()), 0),
                Ok(Packet::Unrelated("IPv4 but not ICMP")),
                "{ends:?}"
            );
        }
        let no_pi = ends(Mode::Tun, false);
        // Our own request type, another identifier, other addresses.
        let mut request = reply(&no_pi, 0);
        request[20] = 8;
        assert_eq!(
            no_pi.classify(&request, 0),
            Ok(Packet::Unrelated("ICMP but not an echo reply"))
        );
        let mut other_id = reply(&no_pi, 0);
        other_id[24] ^= 1;
        assert_eq!(
            no_pi.classify(&other_id, 0),
            Ok(Packet::Unrelated("echo reply with another identifier"))
        );
        let mut other_dst = reply(&no_pi, 0);
        other_dst[19] = 9;
        assert_eq!(
            no_pi.classify(&other_dst, 0),
            Ok(Packet::Unrelated("IPv4 between other addresses"))
        );
        // Runts and other ethertypes in a tap.
        let tap = ends(Mode::Tap, false);
        assert_eq!(
            tap.classify(&[0; 10], 0),
            Ok(Packet::Unrelated("shorter than an Ethernet header"))
        );
        assert_eq!(
            tap.classify(&link(&tap, 0x88cc, &[0; 46]), 0),
            Ok(Packet::Unrelated("neither IPv4 nor ARP"))
        );
        assert_eq!(
            no_pi.classify(&[0x10; 40], 0),
            Ok(Packet::Unrelated("not IP"))
        );
    }

    #[test]
    fn damaged_replies_are_errors() {
        for ends in all_ends() {
            // A flipped bit in the IPv4 header: the header checksum no longer adds up.
            let hlen = ends.link_hlen();
            let mut bad = reply(&ends, 3);
            bad[hlen + 8] ^= 0x10; // TTL
            assert_eq!(
                ends.classify(&bad, 3),
                Err("echo reply 3: bad IPv4 header checksum".into()),
                "{ends:?}"
            );
            // A wrong ICMP checksum itself.
            let mut bad = reply(&ends, 3);
            bad[hlen + 22] ^= 0xff;
            assert_eq!(
                ends.classify(&bad, 3),
                Err("echo reply 3: bad ICMP checksum".into()),
                "{ends:?}"
            );
            // Cut short, past the ICMP header: ours, and truncated.
            let good = reply(&ends, 3);
            let err = ends.classify(&good[..good.len() - 10], 3).unwrap_err();
            assert!(
                err.starts_with("echo reply 3: truncated: "),
                "{ends:?}: {err}"
            );
            // Cut inside the ICMP header: still from the device's address to ours.
            let err = ends.classify(&good[..hlen + 24], 3).unwrap_err();
            assert!(
                err.starts_with("echo reply 3: truncated: "),
                "{ends:?}: {err}"
            );
        }
        // A tun packet longer than its IPv4 header says.
        let tun = ends(Mode::Tun, false);
        let mut long = reply(&tun, 3);
        long.extend_from_slice(&[0; 4]);
        assert_eq!(
            tun.classify(&long, 3),
            Err("echo reply 3: read 88 bytes of IPv4, its header says 84".into())
        );
        // In a tap frame the same bytes are Ethernet padding.
        let tap = ends(Mode::Tap, false);
        let mut padded = reply(&tap, 3);
        padded.extend_from_slice(&[0; 4]);
        assert_eq!(tap.classify(&padded, 3), Ok(Packet::Reply));
    }

    #[test]
    fn reply_to_a_request_we_built_is_accepted() {
        // The request as we write it, turned into a reply by etherparse's own builder,
        // which computes both checksums itself.
        let ends = ends(Mode::Tun, false);
        let mut request = vec![0; echo_len(ends.size)];
        EchoRequest {
            src: REMOTE,
            dst: LOCAL,
            id: ID,
        }
        .build(&mut request, 9);
        let builder = etherparse::PacketBuilder::ipv4(LOCAL.octets(), REMOTE.octets(), 64)
            .icmpv4_echo_reply(ID, 9);
        let mut packet = Vec::new();
        builder.write(&mut packet, &request[28..]).unwrap();
        assert_eq!(ends.classify(&packet, 9), Ok(Packet::Reply));
        assert_eq!(
            ends.classify(&packet, 10),
            Err("echo reply 10: got sequence number 9 instead of 10 (lost or reordered)".into())
        );
    }

    #[test]
    fn short_read_with_pi_is_an_error() {
        assert!(ends(Mode::Tun, true).classify(&[0, 0, 8], 0).is_err());
    }

    #[test]
    fn tap_sorts_arp() {
        for pi in [true, false] {
            let tap = ends(Mode::Tap, pi);
            let mut arp = [0; ARP_LEN];
            let request = Arp::request(DEV_MAC, LOCAL, REMOTE);
            request.encode(&mut arp);
            assert_eq!(
                tap.classify(&link(&tap, ETH_P_ARP, &arp), 0),
                Ok(Packet::ArpRequest(request))
            );
            let reply = Arp::request(REMOTE_MAC, REMOTE, LOCAL).reply_from(DEV_MAC);
            reply.encode(&mut arp);
            assert_eq!(
                tap.classify(&link(&tap, ETH_P_ARP, &arp), 0),
                Ok(Packet::ArpReply(reply))
            );
            // A request for another address is none of our business.
            Arp::request(DEV_MAC, LOCAL, Ipv4Addr::new(10, 203, 0, 9)).encode(&mut arp);
            assert_eq!(
                tap.classify(&link(&tap, ETH_P_ARP, &arp), 0),
                Ok(Packet::Unrelated("ARP request for another address"))
            );
            // Nor is a reply to another MAC, or a truncated ARP packet.
            Arp {
                tha: DEV_MAC,
                ..reply
            }
            .encode(&mut arp);
            assert_eq!(
                tap.classify(&link(&tap, ETH_P_ARP, &arp), 0),
                Ok(Packet::Unrelated("ARP reply to another MAC address"))
            );
            assert_eq!(
                tap.classify(&link(&tap, ETH_P_ARP, &arp[..20]), 0),
                Ok(Packet::Unrelated("truncated ARP"))
            );
        }
    }

    #[test]
    fn ifaddr_parsing() {
        let addr: IfAddr = "10.203.0.1/24".parse().unwrap();
        assert_eq!(addr.addr, LOCAL);
        assert_eq!(addr.netmask(), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(addr.remote(), REMOTE);
        assert_eq!(addr.to_string(), "10.203.0.1/24");
        let slash31: IfAddr = "192.168.1.4/31".parse().unwrap();
        assert_eq!(slash31.remote(), Ipv4Addr::new(192, 168, 1, 5));
        assert_eq!(slash31.netmask(), Ipv4Addr::new(255, 255, 255, 254));
        let slash1: IfAddr = "10.0.0.1/1".parse().unwrap();
        assert_eq!(slash1.netmask(), Ipv4Addr::new(128, 0, 0, 0));
    }

    #[test]
    fn ifaddr_without_room_for_the_remote_is_refused() {
        for (text, why) in [
            ("10.203.0.1", "expected ADDRESS/PREFIX"),
            ("10.203.0/24", "not an IPv4 address"),
            ("10.203.0.1/32", "not 1 to 31"),
            ("10.203.0.1/0", "not 1 to 31"),
            ("10.203.0.1/x", "not 1 to 31"),
            ("10.203.0.254/24", "no room"), // .255 is the broadcast address
            ("10.203.0.255/24", "no room"),
            ("192.168.1.5/31", "no room"),
            ("255.255.255.255/8", "no room"),
        ] {
            let err = text.parse::<IfAddr>().unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    fn report() -> TunReport {
        let n = |packets, bytes| Amount { packets, bytes };
        TunReport {
            device: "tap0".into(),
            path: "/dev/net/tun".into(),
            mode: Mode::Tap,
            pi: true,
            addr: "10.203.0.1/24".into(),
            remote: REMOTE,
            sent: n(10, 980),
            received: n(10, 980),
            arp: Some(Arps {
                sent: n(2, 84),
                received: n(2, 84),
            }),
            other: n(1, 70),
            unrelated: 1,
            read: n(13, 1134),
            elapsed_s: 0.5,
            packets_per_s: 40.0,
            rx: n(12, 1064),
            tx: n(13, 1134),
            verified: true,
        }
    }

    #[test]
    fn counters_that_match_verify() {
        assert_eq!(report().problems(), Vec::<String>::new());
    }

    #[test]
    fn rx_must_match_exactly_and_tx_cover_the_replies() {
        let mut bad = report();
        bad.rx.packets += 1;
        bad.tx.packets = 9;
        assert_eq!(
            bad.problems(),
            [
                "tap0 rx moved by 13 packets, expected 12",
                "tap0 tx moved by 9 packets, expected at least 10"
            ]
        );
        let mut bad = report();
        bad.rx.bytes += 4; // tun_pi counted
        assert_eq!(
            bad.problems(),
            ["tap0 rx moved by 1068 bytes, expected 1064"]
        );
    }

    #[test]
    fn table_shape() {
        assert_eq!(
            render(&report(), Format::Table).unwrap(),
            "device   tap0\n\
             path     /dev/net/tun\n\
             mode     tap\n\
             pi       on\n\
             address  10.203.0.1/24 (remote 10.203.0.2)\n\
             sent     10 echo requests, 980 bytes\n\
             received 10 echo replies, 980 bytes\n\
             arp      sent 2, received 2\n\
             other    ignored 1 unrelated frames, 70 bytes\n\
             elapsed  0.500 s\n\
             rate     40 packets/s\n\
             rx       +12 packets, +1064 bytes\n\
             tx       +13 packets, +1134 bytes (read 13 packets, 1134 bytes)\n\
             verified yes\n"
        );
    }

    #[test]
    fn json_shape() {
        let mut tun = report();
        tun.mode = Mode::Tun;
        tun.arp = None;
        let json: serde_json::Value =
            serde_json::from_str(&render(&tun, Format::Json).unwrap()).unwrap();
        assert_eq!(json["mode"], "tun");
        assert_eq!(json["pi"], true);
        assert_eq!(json["sent"]["packets"], 10);
        assert_eq!(json["rx"]["bytes"], 1064);
        assert_eq!(json["verified"], true);
        assert_eq!(json["other"]["packets"], 1);
        assert_eq!(json["unrelated"], 1);
        assert!(json.get("arp").is_none());
        assert_eq!(json["remote"], "10.203.0.2");
    }
}
