// SPDX-License-Identifier: GPL-2.0

//! The subcommands, one module per group.

pub mod exercise;
pub mod info;
pub mod monitor;
pub mod pair;
pub mod tun;
pub mod tundev;
pub mod tunnel;

use crate::{ifreq::valid_name, output::Format};

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

/// The counters' cells, `-` when the kernel sent none.
pub fn stats_cells(stats: Option<&crate::family::Stats64>) -> Vec<String> {
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
    use crate::family::{DirStats, Stats64};

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
            },
            tx: DirStats {
                bytes: 5,
                packets: 4,
                dropped: 6,
            },
        };
        assert_eq!(stats_cells(Some(&s)), ["1", "2", "3", "4", "5", "6"]);
    }
}
