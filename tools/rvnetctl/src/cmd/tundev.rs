// SPDX-License-Identifier: GPL-2.0

//! What the commands that attach to a tun character device share (`exercise tun`,
//! `tunnel`; `tun` names the same modes): the default path, the mode and `TUNSETIFF`.

use std::{
    fmt,
    fs::{File, OpenOptions},
    os::{fd::AsFd, unix::fs::OpenOptionsExt},
    path::Path,
};

use clap::ValueEnum;
use serde::Serialize;

use crate::{
    error::{Error, Result},
    ifreq::{IfReq, IFF_NO_PI, IFF_TAP, IFF_TUN},
    sys,
};

/// The rvnet tun character device.
pub const DEFAULT_PATH: &str = "/dev/net/rtun";

/// Layer 3 or layer 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// IP packets (`IFF_TUN`).
    Tun,
    /// Ethernet frames (`IFF_TAP`).
    Tap,
}

impl Mode {
    /// The `IFF_*` flag that asks for this mode.
    pub fn flag(self) -> u16 {
        match self {
            Mode::Tun => IFF_TUN,
            Mode::Tap => IFF_TAP,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Tun => "tun",
            Mode::Tap => "tap",
        })
    }
}

/// The `TUNSETIFF` flags for `mode`, with or without packet information.
pub fn flags(mode: Mode, pi: bool) -> u16 {
    mode.flag() | if pi { 0 } else { IFF_NO_PI }
}

/// Opens `path` non-blocking and attaches it with `TUNSETIFF` to device `name` (made if
/// it does not exist; a template such as `rtun%d` is expanded). Returns the file and the
/// device's name.
pub fn attach(path: &Path, name: &str, mode: Mode, pi: bool) -> Result<(File, String)> {
    let mut req = IfReq::new(name)?.with_flags(flags(mode, pi));
    let shown = path.display();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|err| Error::io(format!("cannot open {shown}"), &err))?;
    sys::tun_set_iff(file.as_fd(), &mut req).map_err(|errno| Error::Sys {
        what: format!("TUNSETIFF {name} on {shown}"),
        errno,
    })?;
    Ok((file, req.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_of_each_mode() {
        assert_eq!(flags(Mode::Tun, true), IFF_TUN);
        assert_eq!(flags(Mode::Tun, false), IFF_TUN | IFF_NO_PI);
        assert_eq!(flags(Mode::Tap, false), 0x1002);
        assert_eq!(
            (Mode::Tun.to_string(), Mode::Tap.to_string()),
            ("tun".into(), "tap".into())
        );
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let err = attach(Path::new("/nonexistent/rtun"), "t0", Mode::Tun, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot open /nonexistent/rtun: No such file or directory"
        );
        assert!(attach(Path::new("/dev/null"), "a/b", Mode::Tun, false).is_err());
    }
}
