// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl exercise`: push real traffic through a device, check that every packet came
//! back intact and in order, and that the device's counters moved by exactly as much.
//!
//! - `exercise tun NAME`: ICMP echo requests written to a tun/tap device, answered by the
//!   kernel's own IPv4 stack (see [`tun`]).
//! - `exercise pair A B`: raw Ethernet frames across a veth/rveth pair, both ways (see
//!   [`pair`]).

pub mod pair;
pub mod tun;

use std::{
    os::fd::BorrowedFd,
    time::{Duration, Instant},
};

use clap::Subcommand;
use nix::{
    errno::Errno,
    poll::{poll, PollFd, PollFlags, PollTimeout},
};
use serde::Serialize;

use crate::{
    cmd::Opts,
    error::{Error, Result},
};

/// `rvnetctl exercise ...`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Exercise {
    /// Create a non-persistent tun/tap device, ping the kernel through it and check every
    /// reply and the device counters.
    Tun(tun::TunArgs),
    /// Send frames across an existing veth/rveth pair, both ways, and check every frame and
    /// the counters of both ends.
    Pair(pair::PairArgs),
}

/// `rvnetctl exercise ...`.
pub fn run(what: &Exercise, opts: Opts) -> Result<()> {
    match what {
        Exercise::Tun(args) => tun::run(args, opts),
        Exercise::Pair(args) => pair::run(args, opts),
    }
}

/// How long the peer may stay quiet before a run fails.
pub const QUIET_LIMIT: Duration = Duration::from_secs(5);

/// Packets and bytes, of a kind of traffic or of a counter's move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Amount {
    /// Packets.
    pub packets: u64,
    /// Bytes.
    pub bytes: u64,
}

impl Amount {
    /// Counts one packet of `len` bytes.
    pub fn add(&mut self, len: usize) {
        self.packets += 1;
        self.bytes += len as u64;
    }

    /// The sum of both.
    pub fn plus(self, other: Amount) -> Amount {
        Amount {
            packets: self.packets + other.packets,
            bytes: self.bytes + other.bytes,
        }
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} packets, {} bytes", self.packets, self.bytes)
    }
}

/// A counter's move shown with its sign, `+10 packets, +840 bytes`.
pub fn moved(amount: Amount) -> String {
    format!("+{} packets, +{} bytes", amount.packets, amount.bytes)
}

/// Compares how far a device counter moved with what it should have; `Some(problem)` when
/// they differ.
pub fn check_moved(what: &str, moved: Amount, expected: Amount) -> Option<String> {
    let problem = |unit, got, want| format!("{what} moved by {got} {unit}, expected {want}");
    if moved.packets != expected.packets {
        Some(problem("packets", moved.packets, expected.packets))
    } else if moved.bytes != expected.bytes {
        Some(problem("bytes", moved.bytes, expected.bytes))
    } else {
        None
    }
}

/// Compares how far a device counter moved with our own traffic, `ours`, plus some of the
/// `unrelated` traffic seen meanwhile: on a busy link a frame of someone else's may cross
/// between the reading of one counter and of the next, or after, so each counter must
/// cover all of ours and at most all of the rest. `Some(problem)` when it does not.
pub fn check_moved_within(
    what: &str,
    moved: Amount,
    ours: Amount,
    unrelated: Amount,
) -> Option<String> {
    let most = ours.plus(unrelated);
    let problem = |unit, got, least, most| match least == most {
        true => format!("{what} moved by {got} {unit}, expected {least}"),
        false => format!(
            "{what} moved by {got} {unit}, expected {least} to {most} \
             (ours and up to {} unrelated)",
            most - least
        ),
    };
    if !(ours.packets..=most.packets).contains(&moved.packets) {
        Some(problem(
            "packets",
            moved.packets,
            ours.packets,
            most.packets,
        ))
    } else if !(ours.bytes..=most.bytes).contains(&moved.bytes) {
        Some(problem("bytes", moved.bytes, ours.bytes, most.bytes))
    } else {
        None
    }
}

/// Packets per second, 0 when no time passed.
pub fn rate(packets: u64, elapsed: Duration) -> f64 {
    match elapsed.as_secs_f64() {
        secs if secs > 0.0 => packets as f64 / secs,
        _ => 0.0,
    }
}

/// Gives up on a peer that stays quiet for longer than a limit. The clock starts when a
/// wait starts and stops at [`Quiet::progress`], so a busy run reads no clock at all.
#[derive(Debug)]
pub struct Quiet {
    limit: Duration,
    since: Option<Instant>,
}

impl Quiet {
    /// A peer that may stay quiet for `limit`.
    pub fn new(limit: Duration) -> Self {
        Self { limit, since: None }
    }

    /// The awaited packet came: the next wait has the full limit again.
    pub fn progress(&mut self) {
        self.since = None;
    }

    /// How much of the limit is left, now that a wait starts; `None` once it is used up.
    fn remaining(&mut self) -> Option<Duration> {
        let since = *self.since.get_or_insert_with(Instant::now);
        self.limit
            .checked_sub(since.elapsed())
            .filter(|left| !left.is_zero())
    }

    /// Waits until `fd` is ready for `events`; `Ok(false)` if the limit ran out first.
    pub fn wait(&mut self, fd: BorrowedFd<'_>, events: PollFlags) -> Result<bool> {
        loop {
            let Some(left) = self.remaining() else {
                return Ok(false);
            };
            // Round up so a wait never ends a little before the limit.
            let millis = left.as_micros().div_ceil(1000);
            let timeout = PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX);
            match poll(&mut [PollFd::new(fd, events)], timeout) {
                Ok(0) => continue, // `remaining` now says whether time is up
                Ok(_) => return Ok(true),
                Err(Errno::EINTR) => continue,
                Err(errno) => {
                    return Err(Error::Sys {
                        what: "poll".into(),
                        errno,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use super::*;

    #[test]
    fn amounts_add_up() {
        let mut a = Amount::default();
        a.add(60);
        a.add(42);
        assert_eq!(
            a,
            Amount {
                packets: 2,
                bytes: 102
            }
        );
        assert_eq!(
            a.plus(Amount {
                packets: 1,
                bytes: 1
            }),
            Amount {
                packets: 3,
                bytes: 103
            }
        );
        assert_eq!(a.to_string(), "2 packets, 102 bytes");
        assert_eq!(moved(a), "+2 packets, +102 bytes");
    }

    #[test]
    fn counter_checks_name_what_differs() {
        let n = |packets, bytes| Amount { packets, bytes };
        assert_eq!(check_moved("rx", n(3, 30), n(3, 30)), None);
        assert_eq!(
            check_moved("tun0 rx", n(4, 40), n(3, 30)).as_deref(),
            Some("tun0 rx moved by 4 packets, expected 3")
        );
        assert_eq!(
            check_moved("tun0 rx", n(3, 34), n(3, 30)).as_deref(),
            Some("tun0 rx moved by 34 bytes, expected 30")
        );
    }

    #[test]
    fn counter_checks_allow_for_unrelated_traffic() {
        let n = |packets, bytes| Amount { packets, bytes };
        let (ours, none, two) = (n(100, 6000), n(0, 0), n(2, 180));
        for moved in [n(100, 6000), n(101, 6090), n(102, 6180)] {
            assert_eq!(check_moved_within("a tx", moved, ours, two), None);
        }
        assert_eq!(
            check_moved_within("a tx", n(99, 5940), ours, two).as_deref(),
            Some("a tx moved by 99 packets, expected 100 to 102 (ours and up to 2 unrelated)")
        );
        assert_eq!(
            check_moved_within("b rx", n(103, 6270), ours, two).as_deref(),
            Some("b rx moved by 103 packets, expected 100 to 102 (ours and up to 2 unrelated)")
        );
        assert_eq!(
            check_moved_within("b rx", n(101, 6500), ours, two).as_deref(),
            Some("b rx moved by 6500 bytes, expected 6000 to 6180 (ours and up to 180 unrelated)")
        );
        // Nothing unrelated: exact, as check_moved.
        assert_eq!(
            check_moved_within("b rx", n(101, 6060), ours, none).as_deref(),
            Some("b rx moved by 101 packets, expected 100")
        );
        assert_eq!(check_moved_within("b rx", ours, ours, none), None);
    }

    #[test]
    fn rate_of_nothing_is_zero() {
        assert_eq!(rate(10, Duration::ZERO), 0.0);
        assert_eq!(rate(10, Duration::from_millis(500)), 20.0);
    }

    #[test]
    fn quiet_peer_times_out() {
        let (reader, _writer) = std::io::pipe().unwrap();
        let mut quiet = Quiet::new(Duration::from_millis(30));
        let start = Instant::now();
        assert!(!quiet.wait(reader.as_fd(), PollFlags::POLLIN).unwrap());
        assert!(start.elapsed() >= Duration::from_millis(30));
        // Still out of time until progress is made.
        assert!(!quiet.wait(reader.as_fd(), PollFlags::POLLIN).unwrap());
    }

    #[test]
    fn ready_fd_does_not_wait() {
        let (_reader, writer) = std::io::pipe().unwrap();
        let mut quiet = Quiet::new(Duration::from_secs(5));
        assert!(quiet.wait(writer.as_fd(), PollFlags::POLLOUT).unwrap());
        quiet.progress();
        assert!(quiet.since.is_none());
    }
}
