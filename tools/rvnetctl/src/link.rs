// SPDX-License-Identifier: GPL-2.0

//! What the `exercise` commands need to know about a device: index, MAC address, MTU and
//! flags (socket ioctls), and the packet and byte counters (`/proc/self/net/dev`).
//!
//! Both follow the network namespace this process is in (`-n`, `unshare -n`), which
//! `/sys/class/net` does not: sysfs shows the namespace of whoever mounted it. The counters
//! in `/proc/net/dev` are the same numbers as `/sys/class/net/NAME/statistics/*`; both come
//! from `dev_get_stats()`.

use std::{fs, os::fd::AsFd};

use nix::errno::Errno;
use serde::Serialize;

use crate::{
    error::{Error, Result},
    family::DirErrors,
    ifreq::{IfReq, IFF_UP},
    sys,
    wire::Mac,
};

/// Every device's counters, in the reader's network namespace.
pub const PROC_NET_DEV: &str = "/proc/self/net/dev";

/// Packet and byte counters of a device, or how far they moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Packets received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
}

impl Counters {
    /// The counters of device `dev` now.
    pub fn read(dev: &str) -> Result<Self> {
        Self::parse(&read_proc_net_dev()?, dev)
    }

    /// The counters of `dev` in the text of `/proc/net/dev`.
    pub fn parse(text: &str, dev: &str) -> Result<Self> {
        let numbers = proc_net_dev_line(text, dev)?;
        match numbers[..] {
            [rx_bytes, rx_packets, _, _, _, _, _, _, tx_bytes, tx_packets, ..] => Ok(Self {
                rx_packets,
                rx_bytes,
                tx_packets,
                tx_bytes,
            }),
            _ => Err(Error::Malformed(format!(
                "{PROC_NET_DEV}: {} numbers for {dev}",
                numbers.len()
            ))),
        }
    }

    /// How far the counters moved from `before` to `self`.
    pub fn since(&self, before: &Counters) -> Counters {
        Counters {
            rx_packets: self.rx_packets.wrapping_sub(before.rx_packets),
            rx_bytes: self.rx_bytes.wrapping_sub(before.rx_bytes),
            tx_packets: self.tx_packets.wrapping_sub(before.tx_packets),
            tx_bytes: self.tx_bytes.wrapping_sub(before.tx_bytes),
        }
    }
}

/// The numbers of `dev`'s line in the text of `/proc/net/dev`. Receive: bytes packets
/// errs drop fifo frame compressed multicast, then transmit: bytes packets errs drop fifo
/// colls carrier compressed.
pub fn proc_net_dev_line(text: &str, dev: &str) -> Result<Vec<u64>> {
    let Some(fields) = text.lines().skip(2).find_map(|line| {
        let (name, fields) = line.split_once(':')?;
        (name.trim() == dev).then_some(fields)
    }) else {
        return Err(Error::NoDevice(dev.to_owned()));
    };
    fields
        .split_whitespace()
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::Malformed(format!("{PROC_NET_DEV}: line of {dev}")))
}

/// The error counters of `dev` in the text of `/proc/net/dev`, receive then transmit;
/// `None` if the device is not there (it went away) or the line is short.
pub fn dev_errors(text: &str, dev: &str) -> Option<(DirErrors, DirErrors)> {
    match proc_net_dev_line(text, dev).ok()?[..] {
        [_, _, rx_errs, _, rx_fifo, rx_frame, _, rx_mcast, _, _, tx_errs, _, tx_fifo, tx_colls, tx_carrier, ..] => {
            Some((
                DirErrors {
                    errors: rx_errs,
                    fifo_errors: rx_fifo,
                    frame_errors: Some(rx_frame),
                    multicast: Some(rx_mcast),
                    ..DirErrors::default()
                },
                DirErrors {
                    errors: tx_errs,
                    fifo_errors: tx_fifo,
                    collisions: Some(tx_colls),
                    carrier_errors: Some(tx_carrier),
                    ..DirErrors::default()
                },
            ))
        }
        _ => None,
    }
}

/// Reads `/proc/self/net/dev` once, for [`dev_errors`].
pub fn read_proc_net_dev() -> Result<String> {
    fs::read_to_string(PROC_NET_DEV)
        .map_err(|err| Error::io(format!("cannot read {PROC_NET_DEV}"), &err))
}

/// A device as the `exercise` commands need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Name.
    pub name: String,
    /// Interface index.
    pub ifindex: u32,
    /// MAC address.
    pub mac: Mac,
    /// MTU.
    pub mtu: u32,
    /// Whether it is administratively up (`IFF_UP`).
    pub up: bool,
}

impl Link {
    /// Looks device `name` up; a missing device is [`Error::NoDevice`].
    pub fn lookup(name: &str) -> Result<Self> {
        let req = IfReq::new(name)?;
        let sock = sys::inet_socket().map_err(|errno| Error::Sys {
            what: "cannot open an AF_INET socket".into(),
            errno,
        })?;
        let sock = sock.as_fd();
        let fail = |call: &'static str| {
            move |errno| match errno {
                Errno::ENODEV => Error::NoDevice(name.to_owned()),
                errno => Error::Sys {
                    what: format!("{call} {name}"),
                    errno,
                },
            }
        };
        Ok(Self {
            name: name.to_owned(),
            ifindex: sys::get_ifindex(sock, &mut req.clone()).map_err(fail("SIOCGIFINDEX"))?,
            mac: sys::get_hwaddr(sock, &mut req.clone()).map_err(fail("SIOCGIFHWADDR"))?,
            mtu: sys::get_mtu(sock, &mut req.clone()).map_err(fail("SIOCGIFMTU"))?,
            up: sys::get_flags(sock, &mut req.clone()).map_err(fail("SIOCGIFFLAGS"))? & IFF_UP != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROC: &str = "\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  tun0:84000    1000    0    0    0     0          0         0 84048    1001    0    1    0     0       0          0
     a:       5       1    0    0    0     0          0         0        0       0    0    0    0     0       0          0
";

    #[test]
    fn counters_are_found_by_name() {
        assert_eq!(
            Counters::parse(PROC, "tun0").unwrap(),
            Counters {
                rx_packets: 1000,
                rx_bytes: 84000,
                tx_packets: 1001,
                tx_bytes: 84048,
            }
        );
        assert_eq!(Counters::parse(PROC, "a").unwrap().rx_bytes, 5);
    }

    #[test]
    fn counters_of_a_missing_device() {
        for dev in ["tun", "b", "face |bytes"] {
            assert!(
                matches!(Counters::parse(PROC, dev), Err(Error::NoDevice(d)) if d == dev),
                "{dev}"
            );
        }
    }

    #[test]
    fn counters_line_must_be_numbers() {
        let text = format!("{PROC}  bad: 1 2 3\n  worse: 1 x 3 4 5 6 7 8 9 10\n");
        assert!(matches!(
            Counters::parse(&text, "bad"),
            Err(Error::Malformed(_))
        ));
        assert!(matches!(
            Counters::parse(&text, "worse"),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn counters_move_forward_and_wrap() {
        let before = Counters {
            rx_packets: 10,
            rx_bytes: 1000,
            tx_packets: u64::MAX,
            tx_bytes: 5,
        };
        let after = Counters {
            rx_packets: 15,
            rx_bytes: 1500,
            tx_packets: 1,
            tx_bytes: 5,
        };
        assert_eq!(
            after.since(&before),
            Counters {
                rx_packets: 5,
                rx_bytes: 500,
                tx_packets: 2,
                tx_bytes: 0,
            }
        );
    }

    #[test]
    fn missing_device_is_named() {
        let err = Link::lookup("rvnetctl-nope").unwrap_err();
        assert!(
            matches!(&err, Error::NoDevice(n) if n == "rvnetctl-nope"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "cannot find device \"rvnetctl-nope\"");
    }

    #[test]
    fn loopback_is_found() {
        // Every network namespace has lo, up or not.
        let lo = Link::lookup("lo").unwrap();
        assert_eq!(lo.mac, [0; 6]);
        assert!(lo.ifindex > 0 && lo.mtu > 0);
        Counters::read("lo").unwrap();
    }
}
