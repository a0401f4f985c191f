// SPDX-License-Identifier: GPL-2.0

//! The subcommands, one module per group.

pub mod exercise;
pub mod info;

use crate::output::Format;

/// What every command gets from the global flags (`-n` is handled before any command runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opts {
    /// Table or JSON (`-j`, `-p`).
    pub format: Format,
    /// How many times `-s` was given.
    pub stats: u8,
}
