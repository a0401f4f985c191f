// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers over the kernel's C networking API.
//!
//! This is the only part of rvnet that touches `kernel::bindings` or contains
//! `unsafe` code. Each module is shaped like an upstream Rust-for-Linux
//! abstraction (`rust/kernel/net/phy.rs`, `rust/kernel/miscdevice.rs`) so that
//! it could move there: C objects are wrapped in `Opaque`, callbacks go through
//! `Adapter` trampolines, and driver traits are `#[vtable]`.
//!
//! The drivers (`rveth`, `rtun`, `family`) use only what is exported here.

pub mod cred;
pub mod file;
pub mod genl;
pub mod modinfo;
pub mod netdev;
pub mod netlink;
pub mod rcu;
pub mod skb;
pub mod virtio_net;
