// SPDX-License-Identifier: GPL-2.0

//! The subcommands, one module per group.

pub mod exercise;
pub mod info;
pub mod monitor;
pub mod pair;
pub mod tun;
pub mod tundev;
pub mod tunnel;

use crate::{family::Stats64, ifreq::valid_name, output::Format};

/// What every command gets from the global flags (`-n` is handled before any command runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opts {
    /// Table or JSON (`-j`, `-p`).
    pub format: Format,
    /// How many times `-s` was given.
    pub stats: u8,
}

/// clap value parser for a device name (or a template such as `rtun%d`): refuses what the
/// kernel would, as `ip` does, so that it is a usage error.
pub fn ifname(name: &str) -> std::result::Result<String, String> {
    match valid_name(name) {
        true => Ok(name.to_owned()),
        false => Err(format!(
            "\"{name}\" is not a valid device name (1 to 15 bytes, no '/', ':' or spaces)"
        )),
    }
}

/// A table cell of an optional value, `-` when absent.
pub fn cell<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// `on` or `off`, as `ip` writes flags.
pub fn on_off(value: bool) -> &'static str {
    match value {
        true => "on",
        false => "off",
    }
}

/// The header of the counters' columns (`-s`).
pub const STATS_HEADER: [&str; 6] = [
    "RX-PACKETS",
    "RX-BYTES",
    "RX-DROPPED",
    "TX-PACKETS",
    "TX-BYTES",
    "TX-DROPPED",
];

/// The header of the error counters' columns (`-s -s`).
pub const ERRORS_HEADER: [&str; 8] = [
    "RX-ERRORS",
    "RX-FIFO",
    "RX-FRAME",
    "RX-MCAST",
    "TX-ERRORS",
    "TX-FIFO",
    "TX-COLLS",
    "TX-CARRIER",
];

/// The counters' columns for `-s` given `level` times: none, [`STATS_HEADER`], then
/// [`ERRORS_HEADER`] too.
pub fn stats_header(level: u8) -> Vec<&'static str> {
    let mut header = Vec::new();
    if level >= 1 {
        header.extend(STATS_HEADER);
    }
    if level >= 2 {
        header.extend(ERRORS_HEADER);
    }
    header
}

/// The counters' cells for `-s` given `level` times, `-` for what is unknown.
pub fn stats_level_cells(stats: Option<&Stats64>, level: u8) -> Vec<String> {
    let mut cells = Vec::new();
    if level >= 1 {
        cells.extend(stats_cells(stats));
    }
    if level >= 2 {
        let errors = stats.and_then(|s| s.rx.errors.zip(s.tx.errors));
        cells.extend(match errors {
            Some((rx, tx)) => [
                Some(rx.errors),
                Some(rx.fifo_errors),
                rx.frame_errors,
                rx.multicast,
                Some(tx.errors),
                Some(tx.fifo_errors),
                tx.collisions,
                tx.carrier_errors,
            ]
            .into_iter()
            .map(cell)
            .collect(),
            None => vec!["-".to_owned(); ERRORS_HEADER.len()],
        });
    }
    cells
}

/// `-s -s`: adds the error counters of `/proc/net/dev` (`text`) to `stats` of device
/// `ifname`; nothing when the kernel sent no counters or the device is not listed.
pub fn add_errors(stats: &mut Option<Stats64>, ifname: &str, text: &str) {
    if let (Some(stats), Some((rx, tx))) = (stats.as_mut(), crate::link::dev_errors(text, ifname)) {
        stats.rx.errors = Some(rx);
        stats.tx.errors = Some(tx);
    }
}

/// The counters' cells, `-` when the kernel sent none.
pub fn stats_cells(stats: Option<&Stats64>) -> Vec<String> {
    match stats {
        Some(s) => [
            s.rx.packets,
            s.rx.bytes,
            s.rx.dropped,
            s.tx.packets,
            s.tx.bytes,
            s.tx.dropped,
        ]
        .iter()
        .map(u64::to_string)
        .collect(),
        None => vec!["-".to_owned(); STATS_HEADER.len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::{DirErrors, DirStats};

    #[test]
    fn device_names_are_checked() {
        for ok in ["a", "rtun%d", "x-y_z.1", "fifteen-chars-1"] {
            assert_eq!(ifname(ok).as_deref(), Ok(ok));
        }
        for bad in ["", "sixteen-chars-12", "a/b", "a:b", "a b", ".", ".."] {
            assert!(ifname(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cells() {
        assert_eq!(cell(Some(5)), "5");
        assert_eq!(cell(None::<u32>), "-");
        assert_eq!((on_off(true), on_off(false)), ("on", "off"));
        assert_eq!(stats_cells(None), vec!["-"; 6]);
        let s = Stats64 {
            rx: DirStats {
                bytes: 2,
                packets: 1,
                dropped: 3,
                errors: None,
            },
            tx: DirStats {
                bytes: 5,
                packets: 4,
                dropped: 6,
                errors: None,
            },
        };
        assert_eq!(stats_cells(Some(&s)), ["1", "2", "3", "4", "5", "6"]);
        assert_eq!(stats_level_cells(Some(&s), 0), Vec::<String>::new());
        assert_eq!(stats_level_cells(Some(&s), 1), stats_cells(Some(&s)));
        let two = stats_level_cells(Some(&s), 2);
        assert_eq!(two.len(), 14);
        assert_eq!(two[6..], ["-"; 8]);
        assert_eq!(stats_header(2).len(), 14);
        assert_eq!(stats_header(3), stats_header(2));
        assert!(stats_header(0).is_empty());
    }

    const PROC: &str = "\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
  tun0:84000    1000    1    2    3     4          5         6 84048    1001    7    8    9    10      11          12
";

    #[test]
    fn errors_come_from_proc_net_dev() {
        let mut stats = Some(Stats64::default());
        add_errors(&mut stats, "tun0", PROC);
        let s = stats.unwrap();
        assert_eq!(
            s.rx.errors,
            Some(DirErrors {
                errors: 1,
                fifo_errors: 3,
                frame_errors: Some(4),
                multicast: Some(6),
                ..DirErrors::default()
            })
        );
        assert_eq!(
            stats_level_cells(Some(&s), 2)[6..],
            ["1", "3", "4", "6", "7", "9", "10", "11"]
        );
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(json["rx"]["frame_errors"], 4);
        assert_eq!(json["tx"]["carrier_errors"], 11);
        assert_eq!(json["tx"]["collisions"], 10);
        assert!(json["tx"].get("multicast").is_none());
        // Without -s -s, the keys are ip -j -s link's.
        let plain = serde_json::to_value(Stats64::default()).unwrap();
        assert_eq!(plain["rx"].as_object().unwrap().len(), 3);
        // A device that went away, or no counters at all: nothing added.
        let mut none = Some(Stats64::default());
        add_errors(&mut none, "tun1", PROC);
        assert_eq!(none, Some(Stats64::default()));
        let mut absent = None;
        add_errors(&mut absent, "tun0", PROC);
        assert_eq!(absent, None);
    }
}
