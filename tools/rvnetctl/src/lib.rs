// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl`: the userspace side of the rvnet module, over its generic netlink family.
//!
//! The binary (`main.rs`) only parses the command line and maps errors to exit codes;
//! everything else lives here so it can be tested without a kernel.

#![forbid(unsafe_code)]

pub mod cmd;
pub mod error;
pub mod netlink;
pub mod netns;
pub mod output;
pub mod uapi;
