// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl exercise pair A B`: frames across a veth/rveth pair, both ways.
//!
//! For each direction, a packet socket bound to the sending end sends `--count` Ethernet
//! frames of ethertype 0x88b5 (IEEE local experimental) from its MAC to the other end's
//! MAC, each carrying its sequence number and a pattern derived from it; a packet socket
//! bound to the receiving end checks that they arrive in order and intact. That socket
//! listens to every protocol, so it also counts what else crossed in the same direction
//! meanwhile (on freshly set-up links, the kernel's own IPv6 traffic): those are unrelated,
//! reported as `ignored N unrelated frames` and never failed on. Received frames are parsed
//! with etherparse, not with the code in [`crate::wire`] that built them. The sender's tx
//! and the receiver's rx counters must move by all of our frames, and by at most all of the
//! unrelated ones besides: one may cross between the reading of the two counters. With no
//! unrelated traffic (IPv6 off) both must move by exactly our frames.

use std::{
    os::fd::{AsFd, AsRawFd, OwnedFd},
    time::Instant,
};

use clap::{value_parser, Args};
use etherparse::{EtherType, Ethernet2HeaderSlice};
use nix::{
    errno::Errno,
    poll::PollFlags,
    sys::socket::{self, sockopt, LinkAddr, MsgFlags},
};
use serde::Serialize;

use super::{check_moved_within, moved, rate, Amount, Quiet, QUIET_LIMIT};
use crate::{
    cmd::Opts,
    error::{Error, Result},
    link::{Counters, Link},
    output::{self, Table},
    sys::{self, ETH_P_ALL, PACKET_OUTGOING},
    wire::{
        check_payload, fill_payload, mac_to_string, put_eth, Mac, PayloadError, ETH_HLEN,
        ETH_P_802_EX1,
    },
};

/// Receive buffer asked for the receiving socket, so a full window of large frames fits.
const RCVBUF: usize = 4 << 20;

/// `rvnetctl exercise pair`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct PairArgs {
    /// One end of the pair.
    #[arg(value_name = "A")]
    pub a: String,

    /// The other end.
    #[arg(value_name = "B")]
    pub b: String,

    /// Frames to send each way.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = value_parser!(u64).range(1..))]
    pub count: u64,

    /// Bytes after the Ethernet header (at most the MTU); the first 8 carry the sequence
    /// number.
    #[arg(long, value_name = "BYTES", default_value_t = 46,
          value_parser = value_parser!(u16).range(8..=65521))]
    pub size: u16,

    /// Frames in flight at most.
    #[arg(long, value_name = "W", default_value_t = 64,
          value_parser = value_parser!(u32).range(1..=256))]
    pub window: u32,
}

/// One direction of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Direction {
    /// The sending end.
    pub from: String,
    /// The receiving end.
    pub to: String,
    /// Our frames, sent.
    pub sent: Amount,
    /// Our frames, received and verified.
    pub received: Amount,
    /// Other frames that arrived at `to` meanwhile: not ours, skipped.
    pub other: Amount,
    /// How many those were: what `ignored N unrelated frames` says.
    pub unrelated: u64,
    /// Time from the first frame sent to the last received.
    pub elapsed_s: f64,
    /// Our frames per second.
    pub packets_per_s: f64,
    /// How far the sender's tx counters moved.
    pub tx: Amount,
    /// How far the receiver's rx counters moved.
    pub rx: Amount,
}

impl Direction {
    /// What is wrong with the counters, if anything.
    pub fn problems(&self) -> Vec<String> {
        [
            check_moved_within(&format!("{} tx", self.from), self.tx, self.sent, self.other),
            check_moved_within(&format!("{} rx", self.to), self.rx, self.sent, self.other),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn rows(&self, label: &'static str) -> [(&'static str, String); 4] {
        [
            (
                label,
                format!(
                    "{} -> {}: {} frames, {} bytes, {:.3} s, {:.0} packets/s",
                    self.from,
                    self.to,
                    self.received.packets,
                    self.received.bytes,
                    self.elapsed_s,
                    self.packets_per_s
                ),
            ),
            (
                "other",
                format!(
                    "ignored {} unrelated frames, {} bytes, at {}",
                    self.other.packets, self.other.bytes, self.to
                ),
            ),
            ("tx", format!("{} {}", self.from, moved(self.tx))),
            ("rx", format!("{} {}", self.to, moved(self.rx))),
        ]
    }
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairReport {
    /// One end.
    pub a: String,
    /// The other.
    pub b: String,
    /// Length of each frame, Ethernet header included, FCS not.
    pub frame_len: usize,
    /// Ethertype of our frames.
    pub ethertype: u16,
    /// A to B, then B to A.
    pub directions: Vec<Direction>,
    /// Unrelated frames ignored, both ways.
    pub unrelated: u64,
    /// Whether everything checked out.
    pub verified: bool,
}

impl Table for PairReport {
    fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            ("pair", format!("{} <-> {}", self.a, self.b)),
            (
                "frame",
                format!(
                    "{} bytes, ethertype {:#06x}",
                    self.frame_len, self.ethertype
                ),
            ),
        ];
        for (direction, label) in self.directions.iter().zip(["forward", "reverse"]) {
            rows.extend(direction.rows(label));
        }
        rows.push(("verified", if self.verified { "yes" } else { "no" }.into()));
        rows
    }
}

/// Whether a frame that arrived at the receiving end is ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// The frame we waited for, verified.
    Ours,
    /// Someone else's (IPv6 router solicitations, MLD reports, ...): counted and skipped;
    /// why it is not ours.
    Unrelated(&'static str),
}

/// Sorts `frame`, which arrived at `to` while we waited for frame `expected` from `from`.
/// A frame of ours (our ethertype, from the sender's MAC) that is not exactly the expected
/// one is an error saying what is wrong with it; anything else (IPv6 router
/// solicitations, MLD reports, ...) is someone else's, counted and not failed on.
pub fn classify(
    frame: &[u8],
    from: &Mac,
    to: &Mac,
    expected: u64,
    size: usize,
) -> Result<Frame, String> {
    // Parsed by etherparse, not by the code that built the frame.
    let eth = match Ethernet2HeaderSlice::from_slice(frame) {
        Ok(eth) if eth.ether_type() != EtherType(ETH_P_802_EX1) => {
            return Ok(Frame::Unrelated("another ethertype"))
        }
        Ok(eth) if eth.source() != *from => {
            return Ok(Frame::Unrelated("from another MAC address"))
        }
        Ok(eth) => eth,
        Err(_) => return Ok(Frame::Unrelated("shorter than an Ethernet header")),
    };
    let wrong = |problem: String| Err(format!("frame {expected}: {problem}"));
    if eth.destination() != *to {
        return wrong(format!("sent to {}", mac_to_string(&eth.destination())));
    }
    match check_payload(&frame[eth.slice().len()..], expected, size) {
        Ok(()) => Ok(Frame::Ours),
        Err(PayloadError::Seq { got }) => wrong(format!("got frame {got} (lost or reordered)")),
        Err(problem) => wrong(problem.to_string()),
    }
}

fn socket_error(what: String) -> impl FnOnce(Errno) -> Error {
    move |errno| Error::Sys { what, errno }
}

/// Sends `frame` through the non-blocking packet socket `sock`, waiting while it is full.
fn send(sock: &OwnedFd, frame: &[u8], dev: &str) -> Result<()> {
    let mut quiet = Quiet::new(QUIET_LIMIT);
    loop {
        match socket::send(sock.as_raw_fd(), frame, MsgFlags::empty()) {
            Ok(n) if n == frame.len() => return Ok(()),
            Ok(n) => {
                return Err(Error::Exercise(format!(
                    "sent {n} of {} bytes on {dev}",
                    frame.len()
                )))
            }
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                if !quiet.wait(sock.as_fd(), PollFlags::POLLOUT)? {
                    return Err(Error::Exercise(format!(
                        "cannot send on {dev} for {} s",
                        QUIET_LIMIT.as_secs()
                    )));
                }
            }
            Err(errno) => return Err(socket_error(format!("send on {dev}"))(errno)),
        }
    }
}

/// Receives the next frame that arrived (not one the device sent) into `buf`: its
/// length, or `None` when nothing came before `quiet` ran out. With `quiet` absent, does
/// not wait.
fn recv(
    sock: &OwnedFd,
    buf: &mut [u8],
    mut quiet: Option<&mut Quiet>,
    dev: &str,
) -> Result<Option<usize>> {
    loop {
        match socket::recvfrom::<LinkAddr>(sock.as_raw_fd(), buf) {
            Ok((_, Some(addr))) if addr.pkttype() == PACKET_OUTGOING => {}
            Ok((len, _)) => return Ok(Some(len)),
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                let ready = match quiet.as_deref_mut() {
                    Some(quiet) => quiet.wait(sock.as_fd(), PollFlags::POLLIN)?,
                    None => false,
                };
                if !ready {
                    return Ok(None);
                }
            }
            Err(errno) => return Err(socket_error(format!("receive on {dev}"))(errno)),
        }
    }
}

/// Sends `args.count` frames from `from` to `to` and checks them and the counters.
fn direction(from: &Link, to: &Link, args: &PairArgs) -> Result<Direction> {
    let size = usize::from(args.size);
    let tx = sys::packet_socket(from.ifindex, 0)
        .map_err(socket_error(format!("packet socket on {}", from.name)))?;
    let rx = sys::packet_socket(to.ifindex, ETH_P_ALL)
        .map_err(socket_error(format!("packet socket on {}", to.name)))?;
    // As root, beyond net.core.rmem_max; else as far as it goes. Best effort either way.
    if socket::setsockopt(&rx, sockopt::RcvBufForce, &RCVBUF).is_err() {
        let _ = socket::setsockopt(&rx, sockopt::RcvBuf, &RCVBUF);
    }
    let mut buf = vec![0; 65536];
    // Whatever arrived before we count is not part of the run.
    while recv(&rx, &mut buf, None, &to.name)?.is_some() {}

    let tx_before = Counters::read(&from.name)?;
    let rx_before = Counters::read(&to.name)?;

    let mut frame = vec![0; ETH_HLEN + size];
    put_eth(&mut frame, &to.mac, &from.mac, ETH_P_802_EX1);
    let (mut sent, mut received, mut other) =
        (Amount::default(), Amount::default(), Amount::default());
    let mut quiet = Quiet::new(QUIET_LIMIT);
    let window = u64::from(args.window);
    let start = Instant::now();
    while received.packets < args.count {
        while sent.packets < args.count && sent.packets - received.packets < window {
            fill_payload(&mut frame[ETH_HLEN..], sent.packets);
            send(&tx, &frame, &from.name)?;
            sent.add(frame.len());
        }
        let Some(len) = recv(&rx, &mut buf, Some(&mut quiet), &to.name)? else {
            return Err(Error::Exercise(format!(
                "frame {} did not arrive at {} within {} s ({} of {} sent)",
                received.packets,
                to.name,
                QUIET_LIMIT.as_secs(),
                sent.packets,
                args.count
            )));
        };
        match classify(&buf[..len], &from.mac, &to.mac, received.packets, size).map_err(
            |problem| Error::Exercise(format!("{} -> {}: {problem}", from.name, to.name)),
        )? {
            Frame::Ours => {
                received.add(len);
                quiet.progress();
            }
            Frame::Unrelated(_) => other.add(len),
        }
    }
    let elapsed = start.elapsed();
    let tx_moved = Counters::read(&from.name)?.since(&tx_before);
    let rx_moved = Counters::read(&to.name)?.since(&rx_before);
    // What the counters saw arrive but the socket was not given yet.
    while let Some(len) = recv(&rx, &mut buf, None, &to.name)? {
        other.add(len);
    }

    Ok(Direction {
        from: from.name.clone(),
        to: to.name.clone(),
        sent,
        received,
        other,
        unrelated: other.packets,
        elapsed_s: elapsed.as_secs_f64(),
        packets_per_s: rate(received.packets, elapsed),
        tx: Amount {
            packets: tx_moved.tx_packets,
            bytes: tx_moved.tx_bytes,
        },
        rx: Amount {
            packets: rx_moved.rx_packets,
            bytes: rx_moved.rx_bytes,
        },
    })
}

/// Checks that `link` can carry frames of `size` bytes after the header.
fn usable(link: &Link, size: u16) -> Result<()> {
    if !link.up {
        return Err(Error::Exercise(format!("device {} is down", link.name)));
    }
    if u32::from(size) > link.mtu {
        return Err(Error::Exercise(format!(
            "--size {size} is more than the MTU of {} ({})",
            link.name, link.mtu
        )));
    }
    Ok(())
}

/// `rvnetctl exercise pair`.
pub fn run(args: &PairArgs, opts: Opts) -> Result<()> {
    if args.a == args.b {
        return Err(Error::Exercise(format!(
            "both ends are {}: name the two ends of a pair",
            args.a
        )));
    }
    let a = Link::lookup(&args.a)?;
    let b = Link::lookup(&args.b)?;
    usable(&a, args.size)?;
    usable(&b, args.size)?;

    let directions = vec![direction(&a, &b, args)?, direction(&b, &a, args)?];
    let problems: Vec<_> = directions.iter().flat_map(Direction::problems).collect();
    let report = PairReport {
        a: a.name,
        b: b.name,
        frame_len: ETH_HLEN + usize::from(args.size),
        ethertype: ETH_P_802_EX1,
        unrelated: directions.iter().map(|d| d.unrelated).sum(),
        directions,
        verified: problems.is_empty(),
    };
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
        wire::{ETH_P_IPV6, SEQ_LEN},
    };

    const A: Mac = [0x02, 0, 0, 0, 0, 0xa];
    const B: Mac = [0x02, 0, 0, 0, 0, 0xb];

    fn frame(src: &Mac, dst: &Mac, ethertype: u16, seq: u64, size: usize) -> Vec<u8> {
        let mut frame = vec![0; ETH_HLEN + size];
        put_eth(&mut frame, dst, src, ethertype);
        fill_payload(&mut frame[ETH_HLEN..], seq);
        frame
    }

    #[test]
    fn expected_frame_is_ours() {
        let f = frame(&A, &B, ETH_P_802_EX1, 9, 46);
        assert_eq!(f.len(), 60);
        assert_eq!(&f[12..14], &[0x88, 0xb5]);
        assert_eq!(&f[14..14 + SEQ_LEN], &9u64.to_be_bytes());
        assert_eq!(classify(&f, &A, &B, 9, 46), Ok(Frame::Ours));
    }

    #[test]
    fn other_traffic_is_not_ours() {
        // IPv6 from the sender, our ethertype from someone else, a runt.
        let v6 = frame(&A, &[0x33, 0x33, 0, 0, 0, 2], ETH_P_IPV6, 0, 46);
        assert_eq!(
            classify(&v6, &A, &B, 0, 46),
            Ok(Frame::Unrelated("another ethertype"))
        );
        let stranger = frame(&[2, 9, 9, 9, 9, 9], &B, ETH_P_802_EX1, 0, 46);
        assert_eq!(
            classify(&stranger, &A, &B, 0, 46),
            Ok(Frame::Unrelated("from another MAC address"))
        );
        assert_eq!(
            classify(&[0; 10], &A, &B, 0, 46),
            Ok(Frame::Unrelated("shorter than an Ethernet header"))
        );
        // An MLD report as the kernel sends it, built by etherparse.
        let mut src = [0; 16];
        src[..2].copy_from_slice(&[0xfe, 0x80]);
        let mut dst = [0; 16];
        dst[..2].copy_from_slice(&[0xff, 0x02]);
        dst[15] = 0x16;
        let builder = etherparse::PacketBuilder::ethernet2(A, [0x33, 0x33, 0, 0, 0, 0x16])
            .ipv6(src, dst, 1)
            .icmpv6_raw(143, 0, [0; 4]);
        let mut mld = Vec::new();
        builder.write(&mut mld, &[]).unwrap();
        assert_eq!(
            classify(&mld, &A, &B, 0, 46),
            Ok(Frame::Unrelated("another ethertype"))
        );
    }

    #[test]
    fn lost_or_damaged_frames_are_errors() {
        let next = frame(&A, &B, ETH_P_802_EX1, 4, 46);
        assert_eq!(
            classify(&next, &A, &B, 3, 46),
            Err("frame 3: got frame 4 (lost or reordered)".into())
        );
        let mut damaged = frame(&A, &B, ETH_P_802_EX1, 3, 46);
        damaged[40] ^= 4;
        assert_eq!(
            classify(&damaged, &A, &B, 3, 46),
            Err("frame 3: payload differs at byte 26".into())
        );
        let short = frame(&A, &B, ETH_P_802_EX1, 3, 40);
        assert_eq!(
            classify(&short, &A, &B, 3, 46),
            Err("frame 3: payload of 40 bytes, expected 46".into())
        );
        let elsewhere = frame(&A, &A, ETH_P_802_EX1, 3, 46);
        assert_eq!(
            classify(&elsewhere, &A, &B, 3, 46),
            Err("frame 3: sent to 02:00:00:00:00:0a".into())
        );
    }

    fn direction(from: &str, to: &str) -> Direction {
        let n = |packets, bytes| Amount { packets, bytes };
        Direction {
            from: from.into(),
            to: to.into(),
            sent: n(100, 6000),
            received: n(100, 6000),
            other: n(2, 180),
            unrelated: 2,
            elapsed_s: 0.25,
            packets_per_s: 400.0,
            tx: n(102, 6180),
            rx: n(102, 6180),
        }
    }

    #[test]
    fn counters_must_cover_ours_and_at_most_the_rest() {
        assert_eq!(direction("a", "b").problems(), Vec::<String>::new());
        // An unrelated frame crossed between the reading of the two counters.
        let mut busy = direction("a", "b");
        busy.tx.packets -= 1;
        busy.tx.bytes -= 90;
        assert_eq!(busy.problems(), Vec::<String>::new());
        let mut bad = direction("a", "b");
        bad.tx.packets -= 3;
        bad.rx.bytes += 1;
        assert_eq!(
            bad.problems(),
            [
                "a tx moved by 99 packets, expected 100 to 102 (ours and up to 2 unrelated)",
                "b rx moved by 6181 bytes, expected 6000 to 6180 (ours and up to 180 unrelated)"
            ]
        );
        // With nothing unrelated, exactly ours.
        let mut quiet = direction("a", "b");
        quiet.other = Amount::default();
        quiet.unrelated = 0;
        quiet.rx.packets = 101;
        assert_eq!(
            quiet.problems(),
            [
                "a tx moved by 102 packets, expected 100",
                "b rx moved by 101 packets, expected 100"
            ]
        );
    }

    fn report() -> PairReport {
        PairReport {
            a: "a".into(),
            b: "b".into(),
            frame_len: 60,
            ethertype: ETH_P_802_EX1,
            directions: vec![direction("a", "b"), direction("b", "a")],
            unrelated: 4,
            verified: true,
        }
    }

    #[test]
    fn table_shape() {
        assert_eq!(
            render(&report(), Format::Table).unwrap(),
            "pair     a <-> b\n\
             frame    60 bytes, ethertype 0x88b5\n\
             forward  a -> b: 100 frames, 6000 bytes, 0.250 s, 400 packets/s\n\
             other    ignored 2 unrelated frames, 180 bytes, at b\n\
             tx       a +102 packets, +6180 bytes\n\
             rx       b +102 packets, +6180 bytes\n\
             reverse  b -> a: 100 frames, 6000 bytes, 0.250 s, 400 packets/s\n\
             other    ignored 2 unrelated frames, 180 bytes, at a\n\
             tx       b +102 packets, +6180 bytes\n\
             rx       a +102 packets, +6180 bytes\n\
             verified yes\n"
        );
    }

    #[test]
    fn json_shape() {
        let json: serde_json::Value =
            serde_json::from_str(&render(&report(), Format::Json).unwrap()).unwrap();
        assert_eq!(json["frame_len"], 60);
        assert_eq!(json["ethertype"], 0x88b5);
        assert_eq!(json["directions"][1]["from"], "b");
        assert_eq!(json["directions"][0]["tx"]["packets"], 102);
        assert_eq!(json["directions"][0]["packets_per_s"], 400.0);
        assert_eq!(json["directions"][0]["other"]["packets"], 2);
        assert_eq!(json["directions"][0]["unrelated"], 2);
        assert_eq!(json["unrelated"], 4);
        assert_eq!(json["verified"], true);
    }

    fn link(up: bool, mtu: u32) -> Link {
        Link {
            name: "a".into(),
            ifindex: 3,
            mac: A,
            mtu,
            up,
        }
    }

    #[test]
    fn down_or_small_links_are_refused() {
        assert!(usable(&link(true, 1500), 1500).is_ok());
        assert_eq!(
            usable(&link(false, 1500), 46).unwrap_err().to_string(),
            "device a is down"
        );
        assert_eq!(
            usable(&link(true, 1500), 1501).unwrap_err().to_string(),
            "--size 1501 is more than the MTU of a (1500)"
        );
    }
}
