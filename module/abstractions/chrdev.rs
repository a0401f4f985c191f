// SPDX-License-Identifier: GPL-2.0

//! Misc character devices with `poll` and a `/dev` node name.
//!
//! `kernel::miscdevice` (7.3) has neither `poll` nor `nodename`; a tun-like
//! device needs both (`/dev/net/rtun`, epoll on the fd). This is the same
//! shape: a `#[vtable]` trait, per-open state in a `Pin<KBox<Self>>` stored
//! in `file->private_data`, a pinned registration torn down on drop.
//!
//! C header: [`include/linux/miscdevice.h`](srctree/include/linux/miscdevice.h)

use core::marker::PhantomData;
use kernel::{
    bindings,
    error::to_result,
    fs::File,
    iov::{IovIterDest, IovIterSource},
    module::{this_module, ModuleMetadata},
    prelude::*,
    sync::poll::PollTable,
    types::{ForeignOwnable, Opaque},
};

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

/// A character device driver: what one open file does.
#[vtable]
pub trait CharDevice: Sized + Send + Sync + 'static {
    /// The module that owns the device (keeps it loaded while files are open).
    type OwnerModule: ModuleMetadata;
    /// The device name (`/sys/class/misc/NAME`).
    const NAME: &'static CStr;
    /// The node path under `/dev` (for example `net/rtun`).
    const NODENAME: &'static CStr;
    /// The node's permission bits.
    const MODE: u16 = 0o666;

    /// Opens a file: returns its state.
    fn open(file: &File) -> Result<Pin<KBox<Self>>>;

    /// The last reference to the file went away.
    fn release(_this: Pin<KBox<Self>>, _file: &File) {}

    /// `read()`, `readv()`.
    fn read_iter(&self, _file: &File, _iov: &mut IovIterDest<'_>) -> Result<usize> {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `write()`, `writev()`.
    fn write_iter(&self, _file: &File, _iov: &mut IovIterSource<'_>) -> Result<usize> {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `poll()`/`epoll`: register with `table`, return the ready mask.
    fn poll(&self, _file: &File, _table: &PollTable<'_>) -> u32 {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `ioctl()`; `arg` is a user pointer or a value, by command.
    fn ioctl(&self, _file: &File, _cmd: u32, _arg: usize) -> Result<isize> {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// `ioctl()` from a 32-bit process on a 64-bit kernel.
    ///
    /// `arg` is the caller's 32-bit argument: a pointer becomes a user
    /// address through [`compat_ptr`]. Only needed when an argument's layout
    /// differs between 32 and 64 bit (a struct of another size, such as
    /// `struct ifreq`); without it, `compat_ptr_ioctl` converts `arg` with
    /// `compat_ptr()` and calls [`CharDevice::ioctl`].
    #[cfg(CONFIG_COMPAT)]
    fn compat_ioctl(&self, _file: &File, _cmd: u32, _arg: usize) -> Result<isize> {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// The user address that a 32-bit caller's pointer argument names: the C
/// `compat_ptr()` (`include/linux/compat.h`), the zero extension of its
/// `compat_uptr_t` (no architecture in 7.3 overrides it).
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

/// The C callbacks of a `T` device.
///
/// # Invariants
///
/// A file opened through [`Adapter::FOPS`] whose `open` succeeded has as its
/// `private_data` a `Pin<KBox<T>>` from [`ForeignOwnable::into_foreign`],
/// owned by the file until `release` takes it back.
struct Adapter<T: CharDevice>(PhantomData<T>);

impl<T: CharDevice> Adapter<T> {
    /// # Safety
    ///
    /// Called by `misc_open` for a file of this device.
    unsafe extern "C" fn open(inode: *mut bindings::inode, raw: *mut bindings::file) -> c_int {
        // SAFETY: The pointers are valid for a file being opened.
        let ret = unsafe { bindings::nonseekable_open(inode, raw) };
        if ret != 0 {
            return ret;
        }
        // SAFETY: The file is valid for the duration of `open`, and no
        // `fdget_pos` region is active on it.
        let file = unsafe { File::from_raw_file(raw) };
        match T::open(file) {
            Ok(state) => {
                // INVARIANT: The private data is the `Pin<KBox<T>>` from here
                // until `release`.
                // SAFETY: `open` may set the private data; every other
                // callback reads it back as `Pin<KBox<T>>`.
                unsafe { (*raw).private_data = state.into_foreign() };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// `raw`'s private data was set by `open`; the file is being released.
    unsafe extern "C" fn release(_inode: *mut bindings::inode, raw: *mut bindings::file) -> c_int {
        // SAFETY: `release` owns the private data set by `open`.
        let state = unsafe { <Pin<KBox<T>> as ForeignOwnable>::from_foreign((*raw).private_data) };
        // SAFETY: The file is valid for the duration of the call.
        T::release(state, unsafe { File::from_raw_file(raw) });
        0
    }

    /// # Safety
    ///
    /// `raw` is an open file of this device.
    unsafe fn state<'a>(raw: *mut bindings::file) -> (&'a T, &'a File) {
        // SAFETY: The private data is a `Pin<KBox<T>>` from `open` (type
        // invariant) and lives until `release`, which cannot run while
        // another callback does.
        unsafe {
            (
                <Pin<KBox<T>> as ForeignOwnable>::borrow((*raw).private_data).get_ref(),
                File::from_raw_file(raw),
            )
        }
    }

    /// # Safety
    ///
    /// `kiocb` is for an open file of this device; `iter` a destination.
    unsafe extern "C" fn read_iter(kiocb: *mut bindings::kiocb, iter: *mut bindings::iov_iter) -> isize {
        // SAFETY: As required by this function.
        let (this, file, iov) = unsafe {
            let (t, f) = Self::state((*kiocb).ki_filp);
            (t, f, IovIterDest::from_raw(iter))
        };
        match this.read_iter(file, iov) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// `kiocb` is for an open file of this device; `iter` a source.
    unsafe extern "C" fn write_iter(kiocb: *mut bindings::kiocb, iter: *mut bindings::iov_iter) -> isize {
        // SAFETY: As required by this function.
        let (this, file, iov) = unsafe {
            let (t, f) = Self::state((*kiocb).ki_filp);
            (t, f, IovIterSource::from_raw(iter))
        };
        match this.write_iter(file, iov) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// `raw` is an open file of this device; `wait` a poll table or null.
    unsafe extern "C" fn poll(raw: *mut bindings::file, wait: *mut bindings::poll_table_struct) -> bindings::__poll_t {
        // SAFETY: As required by this function; `PollTable` accepts null.
        let (this, file, table) = unsafe {
            let (t, f) = Self::state(raw);
            (t, f, PollTable::from_raw(wait))
        };
        this.poll(file, &table)
    }

    /// # Safety
    ///
    /// `raw` is an open file of this device.
    unsafe extern "C" fn ioctl(raw: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
        // SAFETY: As required by this function.
        let (this, file) = unsafe { Self::state(raw) };
        match this.ioctl(file, cmd, arg as usize) {
            Ok(r) => r as c_long,
            Err(e) => e.to_errno() as c_long,
        }
    }

    /// # Safety
    ///
    /// `raw` is an open file of this device; the caller is a 32-bit process.
    #[cfg(CONFIG_COMPAT)]
    unsafe extern "C" fn compat_ioctl(raw: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
        // SAFETY: As required by this function.
        let (this, file) = unsafe { Self::state(raw) };
        // CAST: `c_ulong` is `usize` in the kernel.
        match this.compat_ioctl(file, cmd, arg as usize) {
            Ok(r) => r as c_long,
            Err(e) => e.to_errno() as c_long,
        }
    }

    const FOPS: bindings::file_operations = bindings::file_operations {
        owner: this_module::<T::OwnerModule>().as_ptr(),
        open: Some(Self::open),
        release: Some(Self::release),
        read_iter: if T::HAS_READ_ITER { Some(Self::read_iter) } else { None },
        write_iter: if T::HAS_WRITE_ITER { Some(Self::write_iter) } else { None },
        poll: if T::HAS_POLL { Some(Self::poll) } else { None },
        unlocked_ioctl: if T::HAS_IOCTL { Some(Self::ioctl) } else { None },
        // A driver whose ioctl arguments are the same on 32 bit (pointers
        // or plain values) needs no compat hook of its own.
        #[cfg(CONFIG_COMPAT)]
        compat_ioctl: if T::HAS_COMPAT_IOCTL {
            Some(Self::compat_ioctl)
        } else if T::HAS_IOCTL {
            bindings::compat_ptr_ioctl
        } else {
            None
        },
        llseek: Some(bindings::noop_llseek),
        ..pin_init::zeroed()
    };
}

/// A registered misc device; deregistered on drop.
///
/// # Invariants
///
/// `misc` is registered with the misc core while `self` lives.
#[pin_data(PinnedDrop)]
pub struct Registration<T: CharDevice> {
    #[pin]
    misc: Opaque<bindings::miscdevice>,
    _p: PhantomData<T>,
}

// SAFETY: The registration is only used to deregister, from any thread.
unsafe impl<T: CharDevice> Send for Registration<T> {}
// SAFETY: No shared mutable access through `&Registration`.
unsafe impl<T: CharDevice> Sync for Registration<T> {}

impl<T: CharDevice> Registration<T> {
    /// Registers the device with a dynamic minor and node `T::NODENAME`.
    pub fn register() -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            misc <- Opaque::try_ffi_init(|slot: *mut bindings::miscdevice| {
                let mut m: bindings::miscdevice = pin_init::zeroed();
                m.minor = bindings::MISC_DYNAMIC_MINOR as c_int;
                m.name = T::NAME.as_ptr().cast();
                m.nodename = T::NODENAME.as_ptr().cast();
                m.mode = T::MODE;
                m.fops = &Adapter::<T>::FOPS;
                // SAFETY: `slot` is valid for writes and pinned; it stays
                // registered until `drop` deregisters it.
                unsafe {
                    slot.write(m);
                    to_result(bindings::misc_register(slot))
                }
            }),
            _p: PhantomData,
        })
    }
}

#[pinned_drop]
impl<T: CharDevice> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Registered (type invariant); deregistered exactly once.
        unsafe { bindings::misc_deregister(self.misc.get()) };
    }
}
