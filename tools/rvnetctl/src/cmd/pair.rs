// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl pair ...`: create, delete, list and show rveth pairs through the family.
//!
//! Pairs made with `ip link add ... type rveth` are rveth pairs too: they are listed,
//! shown and deleted the same way.

use std::os::fd::AsRawFd;

use clap::{Args, Subcommand};

use super::{add_errors, cell, ifname, stats_header, stats_level_cells, Opts};
use crate::{
    error::Result,
    family::{Pair, PairNew},
    netlink::Rvnet,
    netns,
    output::{self, Row},
};

const PAIR_EXAMPLES: &str = "\
Examples:
  rvnetctl pair add veth0 --peer veth1
  rvnetctl pair add a --peer b --peer-netns blue --mtu 9000
  rvnetctl -s pair list
  rvnetctl -j pair show veth0
  rvnetctl pair del veth1";

const ADD_EXAMPLES: &str = "\
Examples:
  rvnetctl pair add veth0 --peer veth1
  rvnetctl pair add veth0                      # the peer is named rvethN by the kernel
  rvnetctl pair add a --peer b --peer-netns blue --mtu 9000
  rvnetctl -n red pair add a --peer b --peer-netns blue

Prints the new end as `pair show` does.";

const DEL_EXAMPLES: &str = "\
Examples:
  rvnetctl pair del veth0
  rvnetctl -n blue pair del b                  # either end deletes both";

const LIST_EXAMPLES: &str = "\
Examples:
  rvnetctl pair list
  rvnetctl -s pair list                        # with counters
  rvnetctl -j -p pair list

JSON keys follow `ip -j link`: ifindex, ifname, link (peer name), link_index (peer
ifindex), link_netnsid (when the peer is in another namespace), mtu, carrier, and
stats64 with rx and tx objects of bytes, packets and dropped.";

const SHOW_EXAMPLES: &str = "\
Examples:
  rvnetctl pair show veth0
  rvnetctl -j pair show veth0 | jq '.[0].stats64.rx.packets'";

/// `rvnetctl pair ...`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
#[command(after_help = PAIR_EXAMPLES)]
pub enum PairCmd {
    /// Create an rveth pair: NAME here, its peer here or in another namespace.
    #[command(after_help = ADD_EXAMPLES)]
    Add(AddArgs),
    /// Delete the pair one end of which is NAME (both ends go).
    #[command(after_help = DEL_EXAMPLES)]
    Del {
        /// Either end of the pair.
        #[arg(value_name = "NAME", value_parser = ifname)]
        name: String,
    },
    /// List every rveth device (pair end) of the namespace.
    #[command(visible_alias = "ls", after_help = LIST_EXAMPLES)]
    List,
    /// Show one pair end.
    #[command(after_help = SHOW_EXAMPLES)]
    Show {
        /// The end to show.
        #[arg(value_name = "NAME", value_parser = ifname)]
        name: String,
    },
}

/// `rvnetctl pair add`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct AddArgs {
    /// Name of the first end.
    #[arg(value_name = "NAME", value_parser = ifname)]
    pub name: String,

    /// Name of the other end (by default the kernel picks rvethN).
    #[arg(long, value_name = "NAME", value_parser = ifname)]
    pub peer: Option<String>,

    /// Create the other end in network namespace NS (a name in /run/netns, as `ip netns`
    /// makes them).
    #[arg(long, value_name = "NS")]
    pub peer_netns: Option<String>,

    /// MTU of both ends (68 to 65535).
    #[arg(long, value_name = "N")]
    pub mtu: Option<u32>,
}

impl Row for Pair {
    fn header(stats: u8) -> Vec<&'static str> {
        let mut header = vec![
            "IFINDEX",
            "IFNAME",
            "PEER",
            "PEER-IFINDEX",
            "PEER-NETNSID",
            "MTU",
            "CARRIER",
        ];
        header.extend(stats_header(stats));
        header
    }

    fn cells(&self, stats: u8) -> Vec<String> {
        let mut cells = vec![
            self.ifindex.to_string(),
            self.ifname.clone(),
            cell(self.peer.as_deref()),
            cell(self.peer_ifindex),
            cell(self.peer_netnsid),
            cell(self.mtu),
            cell(self.carrier.map(up_down)),
        ];
        cells.extend(stats_level_cells(self.stats64.as_ref(), stats));
        cells
    }
}

/// Carrier as `up` or `down`.
fn up_down(carrier: bool) -> &'static str {
    match carrier {
        true => "up",
        false => "down",
    }
}

/// One line about a pair end, for `monitor`: `a ifindex 7 peer b ifindex 8 mtu 1500
/// carrier up`.
pub fn summary(pair: &Pair) -> String {
    let mut line = format!("{} ifindex {}", pair.ifname, pair.ifindex);
    if let Some(peer) = &pair.peer {
        line += &format!(" peer {peer}");
        if let Some(index) = pair.peer_ifindex {
            line += &format!(" ifindex {index}");
        }
        if let Some(id) = pair.peer_netnsid {
            line += &format!(" netnsid {id}");
        }
    }
    if let Some(mtu) = pair.mtu {
        line += &format!(" mtu {mtu}");
    }
    if let Some(carrier) = pair.carrier {
        line += &format!(" carrier {}", up_down(carrier));
    }
    line
}

/// Sends `pair-new` for `args`; the peer namespace's handle stays open until the kernel
/// has answered.
fn add(rvnet: &mut Rvnet, args: &AddArgs) -> Result<Pair> {
    let netns = args.peer_netns.as_deref().map(netns::open).transpose()?;
    let req = PairNew {
        name: args.name.clone(),
        peer: args.peer.clone(),
        peer_netns_fd: netns.as_ref().map(|f| f.as_raw_fd() as u32),
        mtu: args.mtu,
    };
    rvnet.pair_new(&req)
}

/// `rvnetctl pair ...`.
pub fn run(cmd: &PairCmd, opts: Opts) -> Result<()> {
    let mut rvnet = Rvnet::connect()?;
    let mut pairs = match cmd {
        PairCmd::Add(args) => vec![add(&mut rvnet, args)?],
        PairCmd::Del { name } => return rvnet.pair_del(name),
        PairCmd::List => rvnet.pairs()?,
        PairCmd::Show { name } => vec![rvnet.pair_get(name)?],
    };
    if opts.stats >= 2 {
        let text = crate::link::read_proc_net_dev()?;
        for pair in &mut pairs {
            add_errors(&mut pair.stats64, &pair.ifname, &text);
        }
    }
    output::print_rows(&pairs, opts.format, opts.stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        family::{DirStats, Stats64},
        output::{render_rows, Format},
    };

    fn pair() -> Pair {
        Pair {
            ifindex: 7,
            ifname: "a".into(),
            peer: Some("b".into()),
            peer_ifindex: Some(8),
            peer_netnsid: None,
            mtu: Some(1500),
            carrier: Some(false),
            stats64: Some(Stats64 {
                rx: DirStats {
                    bytes: 980,
                    packets: 10,
                    dropped: 0,
                    errors: None,
                },
                tx: DirStats {
                    bytes: 1078,
                    packets: 11,
                    dropped: 2,
                    errors: None,
                },
            }),
        }
    }

    #[test]
    fn table() {
        assert_eq!(
            render_rows(&[pair()], Format::Table, 0).unwrap(),
            "IFINDEX  IFNAME  PEER  PEER-IFINDEX  PEER-NETNSID  MTU   CARRIER\n\
             7        a       b     8             -             1500  down\n"
        );
    }

    #[test]
    fn table_with_stats() {
        let text = render_rows(&[pair()], Format::Table, 1).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert!(lines[0].ends_with(
            "CARRIER  RX-PACKETS  RX-BYTES  RX-DROPPED  TX-PACKETS  TX-BYTES  TX-DROPPED"
        ));
        assert!(lines[1]
            .ends_with("down     10          980       0           11          1078      2"));
    }

    #[test]
    fn json_is_an_array_like_ip() {
        let text = render_rows(&[pair()], Format::Json, 0).unwrap();
        assert!(text.starts_with(r#"[{"ifindex":7,"ifname":"a","link":"b","link_index":8,"#));
    }

    #[test]
    fn summary_line() {
        assert_eq!(
            summary(&pair()),
            "a ifindex 7 peer b ifindex 8 mtu 1500 carrier down"
        );
        let other_ns = Pair {
            peer_netnsid: Some(2),
            carrier: Some(true),
            ..pair()
        };
        assert_eq!(
            summary(&other_ns),
            "a ifindex 7 peer b ifindex 8 netnsid 2 mtu 1500 carrier up"
        );
        let bare = Pair {
            peer: None,
            peer_ifindex: None,
            mtu: None,
            carrier: None,
            ..pair()
        };
        assert_eq!(summary(&bare), "a ifindex 7");
    }
}
