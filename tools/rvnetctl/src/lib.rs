// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl`: the userspace side of the rvnet module, over its generic netlink family.
//!
//! The binary (`main.rs`) only parses the command line and maps errors to exit codes;
//! everything else lives here so it can be tested without a kernel.

// Only `sys` (ioctls, a packet socket address) and `ifreq` (reads of the `struct ifreq`
// union) may use `unsafe`; they say so themselves.
#![deny(unsafe_code)]

pub mod cmd;
pub mod error;
pub mod family;
pub mod ifreq;
pub mod link;
pub mod netlink;
pub mod netns;
pub mod output;
pub mod sys;
pub mod uapi;
pub mod wire;
