// SPDX-License-Identifier: GPL-2.0
//! tunrs-echo: a userspace host behind a TUN device made by the tun-rs crate,
//! as a real tun-rs client for rvnet's test 48-client-tunrs.
//!
//! ```text
//! tunrs-echo NAME [--addr A.B.C.D/P | --no-addr] [--host A.B.C.D]
//!                 [--count N] [--seconds S]
//! ```
//!
//! Creates the TUN device NAME (no packet information) with tun-rs's sync
//! API, the address (default 10.29.0.1/24) and IFF_UP set by the crate, and
//! prints `ready NAME` (the name TUNGETIFF gives). Then it plays the host
//! HOST (default 10.29.0.2): it answers ICMP echo requests to HOST with
//! echo replies and sends UDP datagrams to HOST port 7 back to their sender,
//! addresses and ports swapped, every checksum recomputed. Requests whose
//! IPv4, ICMP or UDP checksum is wrong are counted as bad and not answered;
//! any other packet is counted as other. It ends on SIGTERM, SIGINT or
//! SIGHUP, after N answers (--count), or after S seconds (--seconds, default
//! 120), printing `counters icmp=I udp=U bad=B other=O` and `end REASON`
//! (signal, count or timeout), and exits 0 (--count 0: right after
//! `ready`). Closing the fd removes the device. A device that cannot be
//! made is exit 1 with tun-rs's error (its errno).

use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::os::unix::io::AsRawFd;
use std::process::exit;
use std::time::{Duration, Instant};

use tun_rs::{DeviceBuilder, SyncDevice};

const IPPROTO_ICMP: u8 = 1;
const IPPROTO_UDP: u8 = 17;
const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;
const UDP_ECHO_PORT: u16 = 7;

struct Args {
    name: String,
    addr: Option<(Ipv4Addr, u8)>,
    host: Ipv4Addr,
    count: Option<u64>,
    seconds: u64,
}

fn usage() -> ! {
    eprintln!(
        "usage: tunrs-echo NAME [--addr A.B.C.D/P | --no-addr] [--host A.B.C.D] \
         [--count N] [--seconds S]"
    );
    exit(2)
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    let mut args = Args {
        name: it
            .next()
            .filter(|n| !n.starts_with('-'))
            .unwrap_or_else(|| usage()),
        addr: Some((Ipv4Addr::new(10, 29, 0, 1), 24)),
        host: Ipv4Addr::new(10, 29, 0, 2),
        count: None,
        seconds: 120,
    };
    while let Some(opt) = it.next() {
        if opt == "--no-addr" {
            args.addr = None;
            continue;
        }
        let val = it.next().unwrap_or_else(|| usage());
        match opt.as_str() {
            "--addr" => {
                let (a, p) = val.split_once('/').unwrap_or_else(|| usage());
                let a = a.parse().unwrap_or_else(|_| usage());
                let p = p
                    .parse()
                    .ok()
                    .filter(|p| *p <= 32)
                    .unwrap_or_else(|| usage());
                args.addr = Some((a, p));
            }
            "--host" => args.host = val.parse().unwrap_or_else(|_| usage()),
            "--count" => args.count = Some(val.parse().unwrap_or_else(|_| usage())),
            "--seconds" => args.seconds = val.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    args
}

/// The ones' complement sum of `data` (16-bit big-endian words) onto `acc`.
fn sum16(data: &[u8], mut acc: u64) -> u64 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// The Internet checksum of a sum: folded and complemented.
fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The sum of the UDP pseudo-header for `len` bytes of UDP.
fn pseudo(src: &[u8], dst: &[u8], len: usize) -> u64 {
    sum16(dst, sum16(src, 0)) + u64::from(IPPROTO_UDP) + len as u64
}

#[derive(Default)]
struct Counters {
    icmp: u64,
    udp: u64,
    bad: u64,
    other: u64,
}

enum Verdict {
    /// An echo reply to send.
    Icmp(Vec<u8>),
    /// A datagram to send back.
    Udp(Vec<u8>),
    /// A request with a wrong checksum or length.
    Bad,
    /// Not a request to HOST.
    Other,
}

/// What to do with one packet read from the device.
fn answer(pkt: &[u8], host: Ipv4Addr) -> Verdict {
    // An IPv4 header, whole, for HOST, not a fragment.
    if pkt.len() < 20 || pkt[0] >> 4 != 4 {
        return Verdict::Other;
    }
    let ihl = usize::from(pkt[0] & 0xf) * 4;
    let total = usize::from(u16::from_be_bytes([pkt[2], pkt[3]]));
    if ihl < 20 || total < ihl || total > pkt.len() || pkt[16..20] != host.octets() {
        return Verdict::Other;
    }
    let frag = u16::from_be_bytes([pkt[6], pkt[7]]) & 0x3fff;
    if frag != 0 {
        return Verdict::Other;
    }
    if fold(sum16(&pkt[..ihl], 0)) != 0 {
        return Verdict::Bad;
    }
    let mut out = pkt[..total].to_vec();
    let (src, dst) = (pkt[12..16].to_vec(), pkt[16..20].to_vec());
    out[12..16].copy_from_slice(&dst);
    out[16..20].copy_from_slice(&src);
    out[8] = 64; // TTL
    let l4 = ihl;
    let is_icmp = match pkt[9] {
        IPPROTO_ICMP => {
            let icmp = &pkt[l4..total];
            if icmp.len() < 8 || icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0 {
                return Verdict::Other;
            }
            if fold(sum16(icmp, 0)) != 0 {
                return Verdict::Bad;
            }
            out[l4] = ICMP_ECHO_REPLY;
            out[l4 + 2..l4 + 4].fill(0);
            let c = fold(sum16(&out[l4..], 0));
            out[l4 + 2..l4 + 4].copy_from_slice(&c.to_be_bytes());
            true
        }
        IPPROTO_UDP => {
            let udp = &pkt[l4..total];
            if udp.len() < 8 {
                return Verdict::Other;
            }
            let ulen = usize::from(u16::from_be_bytes([udp[4], udp[5]]));
            let dport = u16::from_be_bytes([udp[2], udp[3]]);
            if dport != UDP_ECHO_PORT {
                return Verdict::Other;
            }
            if ulen < 8 || ulen > udp.len() {
                return Verdict::Bad;
            }
            // A zero checksum is "none" (RFC 768); any other must hold.
            if udp[6..8] != [0, 0] && fold(pseudo(&src, &dst, ulen) + sum16(&udp[..ulen], 0)) != 0 {
                return Verdict::Bad;
            }
            let u = &mut out[l4..l4 + ulen];
            let (sport, dport) = ([udp[0], udp[1]], [udp[2], udp[3]]);
            u[0..2].copy_from_slice(&dport);
            u[2..4].copy_from_slice(&sport);
            u[6..8].fill(0);
            let c = match fold(pseudo(&dst, &src, ulen) + sum16(u, 0)) {
                0 => 0xffff,
                c => c,
            };
            u[6..8].copy_from_slice(&c.to_be_bytes());
            false
        }
        _ => return Verdict::Other,
    };
    out[10..12].fill(0);
    let c = fold(sum16(&out[..ihl], 0));
    out[10..12].copy_from_slice(&c.to_be_bytes());
    if is_icmp {
        Verdict::Icmp(out)
    } else {
        Verdict::Udp(out)
    }
}

/// SIGTERM, SIGINT and SIGHUP blocked and readable from the returned fd.
fn signal_fd() -> io::Result<libc::c_int> {
    // SAFETY: sigset_t is plain data that sigemptyset initialises; the calls
    // get valid pointers to it and change only this thread's signal mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = libc::signalfd(-1, &set, libc::SFD_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(fd)
    }
}

fn build(args: &Args) -> io::Result<SyncDevice> {
    let mut b = DeviceBuilder::new().name(&args.name);
    if let Some((a, p)) = args.addr {
        b = b.ipv4(a, p, None);
    }
    b.build_sync()
}

fn main() {
    let args = parse_args();
    // Before the device: a signal from the start on ends the run cleanly.
    let sigfd = signal_fd().unwrap_or_else(|e| {
        eprintln!("tunrs-echo: signalfd: {e}");
        exit(1)
    });
    let dev = build(&args).unwrap_or_else(|e| {
        eprintln!("tunrs-echo: creating {}: {e}", args.name);
        exit(1)
    });
    let name = dev.name().unwrap_or_else(|e| {
        eprintln!("tunrs-echo: TUNGETIFF: {e}");
        exit(1)
    });
    let mut stdout = io::stdout();
    let _ = writeln!(stdout, "ready {name}");
    let _ = stdout.flush();

    let end = Instant::now() + Duration::from_secs(args.seconds);
    let mut n = Counters::default();
    let mut buf = vec![0u8; 65536];
    let reason = loop {
        if args.count.is_some_and(|c| n.icmp + n.udp >= c) {
            break "count";
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break "timeout";
        }
        let mut fds = [
            libc::pollfd {
                fd: dev.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: sigfd,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        let ms = left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
        // SAFETY: fds is a valid array of two pollfd for the call's duration.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            eprintln!("tunrs-echo: poll: {e}");
            exit(1);
        }
        if fds[1].revents != 0 {
            break "signal";
        }
        if fds[0].revents & libc::POLLIN == 0 {
            if fds[0].revents != 0 {
                eprintln!(
                    "tunrs-echo: poll: revents {:#x} on the device",
                    fds[0].revents
                );
                exit(1);
            }
            continue;
        }
        let len = match dev.recv(&mut buf) {
            Ok(len) => len,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("tunrs-echo: read: {e}");
                exit(1);
            }
        };
        let (out, counter) = match answer(&buf[..len], args.host) {
            Verdict::Icmp(out) => (out, &mut n.icmp),
            Verdict::Udp(out) => (out, &mut n.udp),
            Verdict::Bad => {
                n.bad += 1;
                continue;
            }
            Verdict::Other => {
                n.other += 1;
                continue;
            }
        };
        if let Err(e) = dev.send(&out) {
            eprintln!("tunrs-echo: write: {e}");
            exit(1);
        }
        *counter += 1;
    };
    let _ = writeln!(
        stdout,
        "counters icmp={} udp={} bad={} other={}",
        n.icmp, n.udp, n.bad, n.other
    );
    let _ = writeln!(stdout, "end {reason}");
    let _ = stdout.flush();
    drop(dev);
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: Ipv4Addr = Ipv4Addr::new(10, 29, 0, 2);

    /// An IPv4 packet from 10.29.0.1 to HOST with checksums set.
    fn packet(proto: u8, l4: &[u8]) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, proto, 0, 0];
        p.extend_from_slice(&[10, 29, 0, 1]);
        p.extend_from_slice(&HOST.octets());
        p.extend_from_slice(l4);
        let len = p.len() as u16;
        p[2..4].copy_from_slice(&len.to_be_bytes());
        let c = fold(sum16(&p[..20], 0));
        p[10..12].copy_from_slice(&c.to_be_bytes());
        p
    }

    #[test]
    fn echo_request_answered_and_checksums_hold() {
        let mut icmp = vec![ICMP_ECHO_REQUEST, 0, 0, 0, 0, 7, 0, 1, b'a', b'b', b'c'];
        let c = fold(sum16(&icmp, 0));
        icmp[2..4].copy_from_slice(&c.to_be_bytes());
        let Verdict::Icmp(r) = answer(&packet(IPPROTO_ICMP, &icmp), HOST) else {
            panic!("not answered");
        };
        assert_eq!(
            (r[20], &r[12..16], &r[16..20]),
            (0, &HOST.octets()[..], &[10, 29, 0, 1][..])
        );
        assert_eq!(fold(sum16(&r[..20], 0)), 0);
        assert_eq!(fold(sum16(&r[20..], 0)), 0);
        assert_eq!(&r[24..], &icmp[4..]);
    }

    #[test]
    fn udp_echo_swaps_ports_and_checksum_holds() {
        let mut udp = vec![0x9c, 0x40, 0, 7, 0, 13, 0, 0, b'h', b'e', b'l', b'l', b'o'];
        let c = fold(pseudo(&[10, 29, 0, 1], &HOST.octets(), 13) + sum16(&udp, 0));
        udp[6..8].copy_from_slice(&c.to_be_bytes());
        let Verdict::Udp(r) = answer(&packet(IPPROTO_UDP, &udp), HOST) else {
            panic!("not answered");
        };
        assert_eq!(&r[20..24], &[0, 7, 0x9c, 0x40]);
        assert_eq!(
            fold(pseudo(&r[12..16], &r[16..20], 13) + sum16(&r[20..], 0)),
            0
        );
        assert_eq!(&r[28..], b"hello");
    }

    #[test]
    fn wrong_checksums_and_others_not_answered() {
        let icmp = [ICMP_ECHO_REQUEST, 0, 0, 0, 0, 7, 0, 1];
        assert!(matches!(
            answer(&packet(IPPROTO_ICMP, &icmp), HOST),
            Verdict::Bad
        ));
        let mut p = packet(IPPROTO_UDP, &[0, 1, 0, 7, 0, 8, 0, 0]);
        assert!(matches!(answer(&p, HOST), Verdict::Udp(_)));
        p[10] ^= 1;
        assert!(matches!(answer(&p, HOST), Verdict::Bad));
        let p = packet(IPPROTO_UDP, &[0, 1, 0, 9, 0, 8, 0, 0]);
        assert!(matches!(answer(&p, HOST), Verdict::Other));
        assert!(matches!(answer(&[0x60; 40], HOST), Verdict::Other));
    }
}
