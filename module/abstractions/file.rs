// SPDX-License-Identifier: GPL-2.0

//! What a character device on upstream's [`kernel::miscdevice`] needs
//! beyond it: poll mask bits, a 32-bit caller's ioctl argument, and whether
//! an I/O call must not block.
//!
//! `poll`, `nodename` and `mode` for misc devices come from the kernel patch
//! `0003-rust-miscdevice-add-poll-node-name-and-mode.patch`.
//!
//! C headers: [`include/linux/fs.h`](srctree/include/linux/fs.h),
//! [`include/linux/compat.h`](srctree/include/linux/compat.h)

use kernel::{bindings, fs::Kiocb, types::ForeignOwnable};

/// Poll mask bits.
pub mod poll {
    use kernel::bindings;
    /// Data can be read.
    pub const IN: u32 = bindings::POLLIN | bindings::POLLRDNORM;
    /// Data can be written.
    pub const OUT: u32 = bindings::POLLOUT | bindings::POLLWRNORM;
    /// Error condition.
    pub const ERR: u32 = bindings::POLLERR;
}

/// The user address that a 32-bit caller's pointer argument names: the C
/// `compat_ptr()`, the zero extension of its `compat_uptr_t` (no
/// architecture in 7.3 overrides it).
#[cfg(CONFIG_COMPAT)]
pub fn compat_ptr(arg: usize) -> usize {
    // CAST: A `compat_uptr_t` is the low 32 bits of the argument.
    arg as u32 as usize
}

/// A 32-bit caller's `unsigned long` argument, `compat_ulong_t`.
#[cfg(CONFIG_COMPAT)]
pub fn compat_ulong(arg: usize) -> usize {
    // CAST: A `compat_ulong_t` is the low 32 bits of the argument.
    arg as u32 as usize
}

/// Whether the I/O call of `kiocb` must not block: the file is
/// `O_NONBLOCK` or the call asked for `IOCB_NOWAIT` (tun's test in
/// `tun_chr_read_iter`).
pub fn nonblocking<T: ForeignOwnable>(kiocb: &Kiocb<'_, T>) -> bool {
    let k = kiocb.as_raw();
    // SAFETY: A `Kiocb` wraps a `struct kiocb` valid for its lifetime, whose
    // `ki_filp` is the open file of the call; both fields are plain words
    // set before the call and not changed during it.
    let (f_flags, ki_flags) = unsafe { ((*(*k).ki_filp).f_flags, (*k).ki_flags) };
    f_flags & bindings::O_NONBLOCK != 0 || ki_flags & IOCB_NOWAIT != 0
}

/// `IOCB_NOWAIT`: `(__force int) RWF_NOWAIT`, 0x8 in the uapi `linux/fs.h`
/// (a cast macro that bindgen cannot translate).
const IOCB_NOWAIT: i32 = 0x8;
