// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl monitor`: print the family's notifications as they come, like `ip monitor`.
//!
//! It joins group `notify` with `NETLINK_ADD_MEMBERSHIP`: neli's bind-time bitmask cannot
//! name group ids above 32. One line per event: readable by default, a JSON object with
//! `-j` (`{"event":"pair-new","ifindex":...}`, the same keys as `pair show` and `tun
//! show`). Runs until interrupted, or until `--count` events were printed.

use std::io::{self, Write};

use clap::{value_parser, Args};

use super::{pair, tun, Opts};
use crate::{
    error::{Error, Result},
    family::Event,
    netlink::Rvnet,
    output::Format,
};

const EXAMPLES: &str = "\
Events: pair-new, pair-del (one per end, also for `ip link add ... type rveth`),
link-change (carrier), tun-new, tun-del (also for devices made through /dev/net/rtun).

Examples:
  rvnetctl monitor
  rvnetctl -j monitor | jq -c 'select(.event == \"link-change\")'
  rvnetctl -j monitor --count 2 > events &     # exits after two events
  rvnetctl -n blue monitor";

/// `rvnetctl monitor`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
#[command(after_help = EXAMPLES)]
pub struct MonitorArgs {
    /// Exit after N events.
    #[arg(long, value_name = "N", value_parser = value_parser!(u64).range(1..))]
    pub count: Option<u64>,
}

/// An event as printed: `pair-new a ifindex 7 peer b ...`, or its JSON object.
pub fn render(event: &Event, format: Format) -> Result<String> {
    let text = match format {
        Format::Table => {
            let object = match event {
                Event::PairNew(p) | Event::PairDel(p) | Event::LinkChange(p) => pair::summary(p),
                Event::TunNew(t) | Event::TunDel(t) => tun::summary(t),
            };
            format!("{} {object}", event.name())
        }
        Format::Json => serde_json::to_string(event).map_err(io::Error::other)?,
        Format::JsonPretty => serde_json::to_string_pretty(event).map_err(io::Error::other)?,
    };
    Ok(text + "\n")
}

/// `rvnetctl monitor`.
pub fn run(args: &MonitorArgs, opts: Opts) -> Result<()> {
    let mut rvnet = Rvnet::connect()?;
    rvnet.subscribe()?;
    let mut printed = 0;
    loop {
        let events = match rvnet.events() {
            Ok(events) => events,
            Err(Error::Overrun) => {
                // As `ip monitor`: say so and go on; what was lost cannot be had back.
                eprintln!("Warning: events were lost (receive buffer overrun).");
                continue;
            }
            Err(err) => return Err(err),
        };
        let mut out = io::stdout().lock();
        for event in &events {
            let line = render(event, opts.format)?;
            match out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
                // Whoever read the events has seen enough (`| head`): not an error.
                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                result => result?,
            }
            printed += 1;
            if args.count == Some(printed) {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::{Pair, Tun, TunMode};

    fn pair() -> Pair {
        Pair {
            ifindex: 7,
            ifname: "a".into(),
            peer: Some("b".into()),
            peer_ifindex: Some(8),
            peer_netnsid: None,
            mtu: Some(1500),
            carrier: Some(true),
            stats64: None,
        }
    }

    fn tun() -> Tun {
        Tun {
            ifindex: 9,
            ifname: "rtun0".into(),
            mode: Some(TunMode::Tap),
            pi: Some(false),
            vnet_hdr: Some(true),
            multi_queue: Some(false),
            queues: None,
            disabled_queues: None,
            persist: Some(false),
            user: None,
            group: None,
            attached: Some(1),
            queue_len: Some(0),
            stats64: None,
        }
    }

    #[test]
    fn readable_lines() {
        assert_eq!(
            render(&Event::LinkChange(pair()), Format::Table).unwrap(),
            "link-change a ifindex 7 peer b ifindex 8 mtu 1500 carrier up\n"
        );
        assert_eq!(
            render(&Event::TunNew(tun()), Format::Table).unwrap(),
            "tun-new rtun0 ifindex 9 tap pi off vnet_hdr on multi_queue off persist off attached 1\n"
        );
    }

    #[test]
    fn json_lines() {
        assert_eq!(
            render(&Event::PairDel(pair()), Format::Json).unwrap(),
            concat!(
                r#"{"event":"pair-del","ifindex":7,"ifname":"a","link":"b","link_index":8,"#,
                r#""mtu":1500,"carrier":true}"#,
                "\n"
            )
        );
        let line = render(&Event::TunDel(tun()), Format::Json).unwrap();
        assert!(
            line.starts_with(r#"{"event":"tun-del","ifindex":9,"ifname":"rtun0","mode":"tap","#)
        );
        assert_eq!(line.lines().count(), 1);
    }
}
