// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl tun ...`: create, delete, list and show rtun devices through the family.
//!
//! `tun add` makes a persistent device, as `ip tuntap add` does: it stays until `tun del`
//! and waits for a program to attach to it through /dev/net/rtun. Devices made by opening
//! /dev/net/rtun are listed too.

use std::{fmt, str::FromStr};

use clap::{Args, Subcommand};
use nix::unistd::{Group, User};

use super::{
    add_errors, cell, ifname, on_off, stats_header, stats_level_cells, tundev::Mode, Opts,
};
use crate::{
    error::{Error, Result},
    family::{Tun, TunMode, TunNew},
    netlink::Rvnet,
    output::{self, Row},
};

const TUN_EXAMPLES: &str = "\
Examples:
  rvnetctl tun add rtun0 --mode tun
  rvnetctl tun add tap%d --mode tap --user alice --pi
  rvnetctl tun add vm0 --mode tap --vnet-hdr --multi-queue
  rvnetctl -s tun list
  rvnetctl -j tun show rtun0
  rvnetctl tun del rtun0";

const ADD_EXAMPLES: &str = "\
Examples:
  rvnetctl tun add rtun0 --mode tun
  rvnetctl tun add rtun%d --mode tun           # the kernel picks the number
  rvnetctl tun add tap0 --mode tap --user 1000 --group netdev
  rvnetctl tun add rtun1 --mode tun --pi       # each packet after a struct tun_pi
  rvnetctl tun add vm0 --mode tap --vnet-hdr --multi-queue   # for QEMU's queues=N, N > 1

As with `ip tuntap add`, packets carry no packet information unless --pi is given
(--no-pi, the default, is still accepted), no virtio-net header unless --vnet-hdr is,
and the device has one queue unless --multi-queue is. As with tun, the first program
to attach sets PI and the virtio-net header anew by its TUNSETIFF flags, and its
IFF_MULTI_QUEUE must match the device's (EINVAL otherwise). Prints the new device as
`tun show` does.";

const DEL_EXAMPLES: &str = "\
Examples:
  rvnetctl tun del rtun0";

const LIST_EXAMPLES: &str = "\
Examples:
  rvnetctl tun list
  rvnetctl -s tun list                         # with counters
  rvnetctl -j -p tun list

JSON keys: ifindex, ifname, mode (tun or tap), pi, vnet_hdr, multi_queue, queues and
disabled_queues (of a multiqueue device only: attached files enabled and disabled by
TUNSETQUEUE, as `ip -d link`'s numqueues and numdisabled), persist, user and group (uid
and gid, when set), attached (open files), queue_len (packets waiting), and stats64 with
rx and tx objects of bytes, packets and dropped, as in `ip -j -s link`. The table's
QUEUES and DISABLED are - for a device without --multi-queue.";

const SHOW_EXAMPLES: &str = "\
Examples:
  rvnetctl tun show rtun0
  rvnetctl -j tun show rtun0 | jq '.[0].attached'";

/// `rvnetctl tun ...`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
#[command(after_help = TUN_EXAMPLES)]
pub enum TunCmd {
    /// Create a persistent rtun device.
    #[command(after_help = ADD_EXAMPLES)]
    Add(AddArgs),
    /// Delete an rtun device (files attached to it see it gone).
    #[command(after_help = DEL_EXAMPLES)]
    Del {
        /// The device.
        #[arg(value_name = "NAME", value_parser = ifname)]
        name: String,
    },
    /// List every rtun device of the namespace.
    #[command(visible_alias = "ls", after_help = LIST_EXAMPLES)]
    List,
    /// Show one rtun device.
    #[command(after_help = SHOW_EXAMPLES)]
    Show {
        /// The device.
        #[arg(value_name = "NAME", value_parser = ifname)]
        name: String,
    },
}

/// A user or group as given on the command line: a number or a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Id {
    /// A uid or gid.
    Num(u32),
    /// A name to look up.
    Name(String),
}

impl FromStr for Id {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        if text.is_empty() {
            return Err("empty name".into());
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse()
                .map(Id::Num)
                .map_err(|_| format!("{text} is out of range"));
        }
        Ok(Id::Name(text.to_owned()))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Num(n) => write!(f, "{n}"),
            Id::Name(name) => f.write_str(name),
        }
    }
}

impl Id {
    /// The uid this names.
    pub fn uid(&self) -> Result<u32> {
        match self {
            Id::Num(n) => Ok(*n),
            Id::Name(name) => match User::from_name(name) {
                Ok(Some(user)) => Ok(user.uid.as_raw()),
                Ok(None) => Err(Error::NoUser(name.clone())),
                Err(errno) => Err(Error::Sys {
                    what: format!("cannot look up user {name}"),
                    errno,
                }),
            },
        }
    }

    /// The gid this names.
    pub fn gid(&self) -> Result<u32> {
        match self {
            Id::Num(n) => Ok(*n),
            Id::Name(name) => match Group::from_name(name) {
                Ok(Some(group)) => Ok(group.gid.as_raw()),
                Ok(None) => Err(Error::NoGroup(name.clone())),
                Err(errno) => Err(Error::Sys {
                    what: format!("cannot look up group {name}"),
                    errno,
                }),
            },
        }
    }
}

/// `rvnetctl tun add`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct AddArgs {
    /// Device name, or a template such as rtun%d.
    #[arg(value_name = "NAME", value_parser = ifname)]
    pub name: String,

    /// IP packets (tun) or Ethernet frames (tap).
    #[arg(long, value_enum)]
    pub mode: Mode,

    /// Only this user (name or uid) may attach.
    #[arg(long, value_name = "USER")]
    pub user: Option<Id>,

    /// Only members of this group (name or gid) may attach.
    #[arg(long, value_name = "GROUP")]
    pub group: Option<Id>,

    /// Packet information: each packet after a struct tun_pi (flags, protocol). Off by
    /// default (IFF_NO_PI), as with `ip tuntap add`.
    #[arg(long, overrides_with = "no_pi")]
    pub pi: bool,

    /// No packet information: the default, accepted for old scripts.
    #[arg(long, hide = true, overrides_with = "pi")]
    pub no_pi: bool,

    /// Virtio-net header: each packet after a struct virtio_net_hdr (IFF_VNET_HDR), as
    /// QEMU's vnet_hdr=on uses. Off by default.
    #[arg(long)]
    pub vnet_hdr: bool,

    /// Multiqueue: every file attached is a queue of its own (IFF_MULTI_QUEUE), as
    /// QEMU's queues=N uses. Off by default: one file at a time.
    #[arg(long)]
    pub multi_queue: bool,
}

impl AddArgs {
    /// The `tun-new` request, with user and group names looked up.
    pub fn request(&self) -> Result<TunNew> {
        Ok(TunNew {
            name: self.name.clone(),
            mode: match self.mode {
                Mode::Tun => TunMode::Tun,
                Mode::Tap => TunMode::Tap,
            },
            pi: self.pi,
            vnet_hdr: self.vnet_hdr,
            multi_queue: self.multi_queue,
            user: self.user.as_ref().map(Id::uid).transpose()?,
            group: self.group.as_ref().map(Id::gid).transpose()?,
        })
    }
}

impl Row for Tun {
    fn header(stats: u8) -> Vec<&'static str> {
        let mut header = vec![
            "IFINDEX",
            "IFNAME",
            "MODE",
            "PI",
            "VNET-HDR",
            "MULTI-QUEUE",
            "PERSIST",
            "USER",
            "GROUP",
            "ATTACHED",
            "QUEUES",
            "DISABLED",
            "QUEUED",
        ];
        header.extend(stats_header(stats));
        header
    }

    fn cells(&self, stats: u8) -> Vec<String> {
        let mut cells = vec![
            self.ifindex.to_string(),
            self.ifname.clone(),
            cell(self.mode),
            cell(self.pi.map(on_off)),
            cell(self.vnet_hdr.map(on_off)),
            cell(self.multi_queue.map(on_off)),
            cell(self.persist.map(on_off)),
            cell(self.user),
            cell(self.group),
            cell(self.attached),
            cell(self.queues),
            cell(self.disabled_queues),
            cell(self.queue_len),
        ];
        cells.extend(stats_level_cells(self.stats64.as_ref(), stats));
        cells
    }
}

/// One line about an rtun device, for `monitor`: `rtun0 ifindex 9 tun pi on vnet_hdr off
/// multi_queue off persist off attached 1` (a multiqueue device: `multi_queue on queues 2
/// disabled_queues 0`).
pub fn summary(tun: &Tun) -> String {
    let mut line = format!("{} ifindex {}", tun.ifname, tun.ifindex);
    if let Some(mode) = tun.mode {
        line += &format!(" {mode}");
    }
    if let Some(pi) = tun.pi {
        line += &format!(" pi {}", on_off(pi));
    }
    if let Some(vnet_hdr) = tun.vnet_hdr {
        line += &format!(" vnet_hdr {}", on_off(vnet_hdr));
    }
    if let Some(multi_queue) = tun.multi_queue {
        line += &format!(" multi_queue {}", on_off(multi_queue));
    }
    if let Some(queues) = tun.queues {
        line += &format!(" queues {queues}");
    }
    if let Some(disabled) = tun.disabled_queues {
        line += &format!(" disabled_queues {disabled}");
    }
    if let Some(persist) = tun.persist {
        line += &format!(" persist {}", on_off(persist));
    }
    if let Some(user) = tun.user {
        line += &format!(" user {user}");
    }
    if let Some(group) = tun.group {
        line += &format!(" group {group}");
    }
    if let Some(attached) = tun.attached {
        line += &format!(" attached {attached}");
    }
    line
}

/// `rvnetctl tun ...`.
pub fn run(cmd: &TunCmd, opts: Opts) -> Result<()> {
    // Names are looked up before anything is sent.
    let add = match cmd {
        TunCmd::Add(args) => Some(args.request()?),
        _ => None,
    };
    let mut rvnet = Rvnet::connect()?;
    let mut tuns = match (cmd, add) {
        (TunCmd::Add(_), Some(req)) => vec![rvnet.tun_new(&req)?],
        (TunCmd::Del { name }, _) => return rvnet.tun_del(name),
        (TunCmd::List, _) => rvnet.tuns()?,
        (TunCmd::Show { name }, _) => vec![rvnet.tun_get(name)?],
        (TunCmd::Add(_), None) => unreachable!("tun add always has a request"),
    };
    if opts.stats >= 2 {
        let text = crate::link::read_proc_net_dev()?;
        for tun in &mut tuns {
            add_errors(&mut tun.stats64, &tun.ifname, &text);
        }
    }
    output::print_rows(&tuns, opts.format, opts.stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{render_rows, Format};

    fn tun() -> Tun {
        Tun {
            ifindex: 9,
            ifname: "rtun0".into(),
            mode: Some(TunMode::Tun),
            pi: Some(true),
            vnet_hdr: Some(false),
            multi_queue: Some(false),
            queues: None,
            disabled_queues: None,
            persist: Some(true),
            user: Some(1000),
            group: None,
            attached: Some(0),
            queue_len: Some(0),
            stats64: None,
        }
    }

    #[test]
    fn ids_are_numbers_or_names() {
        assert_eq!("1000".parse(), Ok(Id::Num(1000)));
        assert_eq!("0".parse(), Ok(Id::Num(0)));
        assert_eq!("alice".parse(), Ok(Id::Name("alice".into())));
        assert_eq!("1a".parse(), Ok(Id::Name("1a".into())));
        assert!("".parse::<Id>().is_err());
        assert!("4294967296".parse::<Id>().is_err());
        assert_eq!(Id::Num(5).to_string(), "5");
    }

    #[test]
    fn numbers_need_no_lookup() {
        assert_eq!(Id::Num(4242).uid().unwrap(), 4242);
        assert_eq!(Id::Num(4243).gid().unwrap(), 4243);
    }

    #[test]
    fn root_is_found_by_name() {
        assert_eq!(Id::Name("root".into()).uid().unwrap(), 0);
        assert_eq!(Id::Name("root".into()).gid().unwrap(), 0);
    }

    #[test]
    fn unknown_names_are_errors() {
        let name = "rvnetctl-no-such-user";
        assert!(matches!(Id::Name(name.into()).uid(), Err(Error::NoUser(n)) if n == name));
        assert!(matches!(Id::Name(name.into()).gid(), Err(Error::NoGroup(n)) if n == name));
    }

    #[test]
    fn request_maps_flags() {
        let args = AddArgs {
            name: "tap%d".into(),
            mode: Mode::Tap,
            user: Some(Id::Num(1000)),
            group: Some(Id::Name("root".into())),
            pi: false,
            no_pi: false,
            vnet_hdr: true,
            multi_queue: true,
        };
        assert_eq!(
            args.request().unwrap(),
            TunNew {
                name: "tap%d".into(),
                mode: TunMode::Tap,
                pi: false,
                vnet_hdr: true,
                multi_queue: true,
                user: Some(1000),
                group: Some(0),
            }
        );
        let args = AddArgs {
            mode: Mode::Tun,
            user: None,
            group: None,
            pi: true,
            vnet_hdr: false,
            multi_queue: false,
            ..args
        };
        let req = args.request().unwrap();
        assert_eq!(
            (
                req.mode,
                req.pi,
                req.vnet_hdr,
                req.multi_queue,
                req.user,
                req.group
            ),
            (TunMode::Tun, true, false, false, None, None)
        );
    }

    #[test]
    fn table() {
        assert_eq!(
            render_rows(&[tun()], Format::Table, 0).unwrap(),
            "IFINDEX  IFNAME  MODE  PI  VNET-HDR  MULTI-QUEUE  PERSIST  USER  GROUP  ATTACHED  \
             QUEUES  DISABLED  QUEUED\n\
             9        rtun0   tun   on  off       off          on       1000  -      0         \
             -       -         0\n"
        );
        let mq = Tun {
            vnet_hdr: Some(true),
            multi_queue: Some(true),
            queues: Some(2),
            disabled_queues: Some(1),
            attached: Some(3),
            ..tun()
        };
        let text = render_rows(&[mq], Format::Table, 0).unwrap();
        let row: Vec<_> = text.lines().nth(1).unwrap().split_whitespace().collect();
        assert_eq!(
            row,
            ["9", "rtun0", "tun", "on", "on", "on", "on", "1000", "-", "3", "2", "1", "0"]
        );
        let text = render_rows(&[tun()], Format::Table, 1).unwrap();
        let header: Vec<_> = text.lines().next().unwrap().split_whitespace().collect();
        let row: Vec<_> = text.lines().nth(1).unwrap().split_whitespace().collect();
        assert_eq!(header.len(), 19);
        assert_eq!(header[13..], crate::cmd::STATS_HEADER);
        assert_eq!(row[13..], ["-"; 6]);
    }

    #[test]
    fn summary_line() {
        assert_eq!(
            summary(&tun()),
            "rtun0 ifindex 9 tun pi on vnet_hdr off multi_queue off persist on user 1000 \
             attached 0"
        );
        let mq = Tun {
            vnet_hdr: Some(true),
            multi_queue: Some(true),
            queues: Some(2),
            disabled_queues: Some(1),
            ..tun()
        };
        assert_eq!(
            summary(&mq),
            "rtun0 ifindex 9 tun pi on vnet_hdr on multi_queue on queues 2 disabled_queues 1 \
             persist on user 1000 attached 0"
        );
    }
}
