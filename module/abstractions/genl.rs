// SPDX-License-Identifier: GPL-2.0

//! Generic netlink families with operations.
//!
//! `kernel::net::netlink` (7.3) registers families that only multicast, to
//! the initial netns. This module adds what a configuration family needs:
//! operations with per-op policies and admin checks, parsed attributes,
//! extack errors, unicast replies, dumps and per-netns notifications. It
//! uses upstream's [`MulticastGroup`]; its [`Family`] differs from
//! upstream's by the op table and by knowing whether it is registered.
//!
//! C header: [`include/net/genetlink.h`](srctree/include/net/genetlink.h)

use super::netdev::{Net, Rtnl};
pub use super::netlink::Writer;
use super::netlink::{maxtype, Attrs, ExtAck, Policy};
use core::{
    marker::PhantomData,
    mem::ManuallyDrop,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{
    bindings,
    error::{from_result, to_result},
    prelude::*,
    types::Opaque,
    ThisModule,
};

/// The size `genlmsg_new` uses by default (a page less overhead).
pub const GENLMSG_DEFAULT_SIZE: usize = bindings::GENLMSG_DEFAULT_SIZE;

/// A generic netlink operation (one command) of a family.
///
/// Operations are types: [`Op::new`] wires the trampolines for the methods an
/// implementation provides, at compile time.
#[vtable]
pub trait Operation {
    /// The command number (`genlmsghdr::cmd`).
    const CMD: u8;
    /// Whether the caller needs `CAP_NET_ADMIN` in the user namespace that
    /// owns the netns of its socket (`GENL_UNS_ADMIN_PERM`).
    const ADMIN: bool = false;
    /// Attribute policy of the request, indexed by attribute type
    /// (entry 0 is the unused attribute 0).
    const POLICY: &'static [Policy];

    /// Handles a `do` request.
    fn doit(_req: &mut Request<'_>) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Fills one skb of a dump; returns whether more is to come. Keep the
    /// position in [`Dump::cursor`]: the next call continues from there.
    fn dumpit(_dump: &mut Dump<'_>) -> Result<bool> {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// One entry of a family's operation table (`struct genl_ops`).
///
/// # Invariants
///
/// Built by [`Op::new`] for an [`Operation`]: its callbacks are that
/// operation's trampolines and its policy is the operation's `'static`
/// table of `maxattr + 1` entries.
#[repr(transparent)]
pub struct Op(bindings::genl_ops);

// SAFETY: An `Op` is immutable after construction; it holds function pointers
// and a pointer to a `'static` policy table.
unsafe impl Sync for Op {}

impl Op {
    /// Builds the table entry for operation `T`.
    pub const fn new<T: Operation>() -> Op {
        let mut op: bindings::genl_ops = pin_init::zeroed();
        op.cmd = T::CMD;
        if T::ADMIN {
            // CAST: a flag bit below 256.
            op.flags = bindings::GENL_UNS_ADMIN_PERM as u8;
        }
        op.policy = T::POLICY.as_ptr().cast();
        op.maxattr = maxtype(T::POLICY);
        if T::HAS_DOIT {
            op.doit = Some(Adapter::<T>::doit_callback);
        }
        if T::HAS_DUMPIT {
            op.dumpit = Some(Adapter::<T>::dumpit_callback);
        }
        Op(op)
    }
}

struct Adapter<T: Operation>(PhantomData<T>);

impl<T: Operation> Adapter<T> {
    /// # Safety
    ///
    /// Called by the generic netlink core with a valid `info` for a request
    /// whose attributes were parsed against `T::POLICY`.
    unsafe extern "C" fn doit_callback(
        _skb: *mut bindings::sk_buff,
        info: *mut bindings::genl_info,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `info` is valid for the duration of this callback, and its
            // attributes were parsed with `T::POLICY` (see `Op::new`).
            let mut req = unsafe { Request::from_raw(info, maxtype(T::POLICY)) };
            T::doit(&mut req)?;
            Ok(0)
        })
    }
}

impl<T: Operation> Adapter<T> {
    /// # Safety
    ///
    /// Called by the generic netlink core for a dump of this op: `skb` is
    /// the buffer to fill and `cb` carries the dump info set up by
    /// `genl_start`.
    unsafe extern "C" fn dumpit_callback(
        skb: *mut bindings::sk_buff,
        cb: *mut bindings::netlink_callback,
    ) -> c_int {
        from_result(|| {
            // INVARIANT: The core's buffer and callback for this call.
            let mut d = Dump {
                skb,
                cb,
                _p: PhantomData,
            };
            let more = T::dumpit(&mut d)?;
            // SAFETY: `skb` is valid for the call.
            // CAST: a dump skb is far below 2 GiB.
            let len = unsafe { (*skb).len } as c_int;
            Ok(if more && len > 0 { len } else { 0 })
        })
    }
}

/// One round of a dump: fill the skb with messages, keep a cursor.
///
/// # Invariants
///
/// `skb` and `cb` are the buffer and the callback state of the running
/// `dumpit` call of a genl family, valid and ours for `'a`.
pub struct Dump<'a> {
    skb: *mut bindings::sk_buff,
    cb: *mut bindings::netlink_callback,
    _p: PhantomData<&'a mut bindings::netlink_callback>,
}

impl Dump<'_> {
    fn info(&self) -> *const bindings::genl_info {
        // SAFETY: `cb` is a genl dump callback set up by `genl_start`.
        unsafe { bindings::genl_info_dump(self.cb) }
    }

    /// The requester's network namespace.
    pub fn net(&self) -> &Net {
        // SAFETY: The info of a running dump is valid and holds the netns of
        // the requesting socket, which outlives the dump.
        unsafe { Net::from_raw(bindings::genl_info_net(self.info())) }
    }

    /// Scratch space kept between rounds (`cb->args`), zero at the start.
    pub fn cursor(&mut self) -> &mut [c_long; 6] {
        // SAFETY: `cb` is valid and exclusively ours during the callback.
        unsafe { &mut (*self.cb).__bindgen_anon_1.args }
    }

    /// Adds one message with command `cmd`, written by `f`. `Ok(false)`:
    /// it did not fit, nothing was added; continue in the next round.
    pub fn add(&mut self, cmd: u8, f: impl FnOnce(&Writer) -> Result) -> Result<bool> {
        // SAFETY: `skb` and the dump info are valid; the header goes into
        // the dump skb.
        let hdr = unsafe {
            let info = self.info();
            bindings::genlmsg_put(
                self.skb,
                (*info).snd_portid,
                (*info).snd_seq,
                (*info).family,
                // CAST: 2.
                bindings::NLM_F_MULTI as c_int,
                cmd,
            )
        };
        if hdr.is_null() {
            return Ok(false);
        }
        // SAFETY: `skb` is the dump's message, valid for the callback and
        // written only through this writer while `f` runs (`self` is
        // borrowed mutably).
        let w = unsafe { Writer::from_raw(self.skb) };
        match f(w) {
            Ok(()) => {
                // SAFETY: `hdr` was put into this skb above.
                unsafe { bindings::genlmsg_end(self.skb, hdr) };
                Ok(true)
            }
            Err(e) => {
                // SAFETY: `hdr` was put into this skb above.
                unsafe { bindings::genlmsg_cancel(self.skb, hdr) };
                if e == EMSGSIZE {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }
}

/// A `do` request being handled.
///
/// # Invariants
///
/// `info` is valid for `'a`; its attribute table has `maxattr + 1` entries.
pub struct Request<'a> {
    info: *mut bindings::genl_info,
    maxattr: u32,
    _p: PhantomData<&'a mut bindings::genl_info>,
}

impl<'a> Request<'a> {
    /// # Safety
    ///
    /// `info` must be valid for `'a` and its attributes parsed with a policy of
    /// `maxattr + 1` entries.
    unsafe fn from_raw(info: *mut bindings::genl_info, maxattr: u32) -> Self {
        Request {
            info,
            maxattr,
            _p: PhantomData,
        }
    }

    /// The validated attributes of the request.
    pub fn attrs(&self) -> Attrs<'a> {
        // SAFETY: `info` is valid (type invariant); the core parsed the
        // attributes against the op's policy of `maxattr + 1` entries.
        unsafe { Attrs::from_raw((*self.info).attrs, self.maxattr) }
    }

    /// The extended ack of the request, for error messages.
    pub fn extack(&mut self) -> ExtAck<'_> {
        // SAFETY: `info` is valid (type invariant) and its extack is written
        // only through the returned object while `self` is borrowed.
        unsafe { ExtAck::from_raw((*self.info).extack) }
    }

    /// The requester's network namespace.
    pub fn net(&self) -> &Net {
        // SAFETY: `info` is valid (type invariant) and its netns outlives it.
        unsafe { Net::from_raw(bindings::genl_info_net(self.info)) }
    }

    /// Starts a reply message to this request with command `cmd`.
    pub fn reply(&self, cmd: u8) -> Result<Msg> {
        let mut skb = MsgBuf::new(GENLMSG_DEFAULT_SIZE)?;
        // SAFETY: `info` is valid (type invariant) and carries the family that
        // received the request; `skb` is a fresh netlink buffer.
        let hdr = unsafe {
            bindings::genlmsg_put(
                skb.as_raw(),
                (*self.info).snd_portid,
                (*self.info).snd_seq,
                (*self.info).family,
                0,
                cmd,
            )
        };
        let hdr = NonNull::new(hdr).ok_or(EMSGSIZE)?;
        skb.hdr = Some(hdr);
        Ok(Msg { buf: skb })
    }

    /// Sends `msg` as the reply to this request.
    pub fn send_reply(&self, msg: Msg) -> Result {
        let buf = msg.finish();
        let skb = ManuallyDrop::new(buf);
        // SAFETY: `info` is valid (type invariant). `genlmsg_reply` takes
        // ownership of the finished message in every case.
        to_result(unsafe { bindings::genlmsg_reply(skb.skb.as_ptr(), self.info) })
    }
}

/// An owned netlink message buffer (`sk_buff` from `genlmsg_new`).
///
/// # Invariants
///
/// `skb` is owned; `hdr`, when set, points at the genl header inside it.
struct MsgBuf {
    skb: NonNull<bindings::sk_buff>,
    hdr: Option<NonNull<c_void>>,
}

impl MsgBuf {
    fn new(size: usize) -> Result<Self> {
        // SAFETY: `genlmsg_new` takes plain integers.
        let skb = unsafe { bindings::genlmsg_new(size, bindings::GFP_KERNEL) };
        Ok(MsgBuf {
            skb: NonNull::new(skb).ok_or(ENOMEM)?,
            hdr: None,
        })
    }

    fn as_raw(&mut self) -> *mut bindings::sk_buff {
        self.skb.as_ptr()
    }
}

impl Drop for MsgBuf {
    fn drop(&mut self) {
        // SAFETY: The buffer is owned (type invariant) and not yet handed over.
        unsafe { bindings::nlmsg_free(self.skb.as_ptr()) }
    }
}

/// A generic netlink message being built: put attributes, then send it.
pub struct Msg {
    buf: MsgBuf,
}

impl core::ops::Deref for Msg {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        // SAFETY: The buffer is owned by `self` (type invariant of
        // `MsgBuf`) and is only written through writers borrowed from
        // `self`; `finish` takes `self` by value, so none is left then.
        unsafe { Writer::from_raw(self.buf.skb.as_ptr()) }
    }
}

impl Msg {
    fn finish(self) -> MsgBuf {
        let mut buf = self.buf;
        if let Some(hdr) = buf.hdr {
            // SAFETY: `hdr` is the genl header of this skb (type invariant).
            unsafe { bindings::genlmsg_end(buf.as_raw(), hdr.as_ptr()) };
        }
        buf
    }
}

pub use kernel::net::netlink::MulticastGroup;

/// `genl_family`'s flag bitfield: `netnsok:1, parallel_ops:1` in its first
/// byte (bindgen's setters are not `const`; a KUnit test below compares).
const fn family_flags(
    netnsok: bool,
    parallel_ops: bool,
) -> bindings::__BindgenBitfieldUnit<[u8; 1]> {
    // CAST: `bool` to 0 or 1.
    let bits = (netnsok as u8) | ((parallel_ops as u8) << 1);
    // SAFETY: `__BindgenBitfieldUnit<[u8; 1]>` is a transparent wrapper of
    // one byte, so any `u8` is a valid value for it.
    unsafe { core::mem::transmute::<u8, bindings::__BindgenBitfieldUnit<[u8; 1]>>(bits) }
}

/// A generic netlink family (`struct genl_family`), defined in a `static`.
///
/// # Invariants
///
/// `live` is true while the family is registered; it is set after
/// registering and cleared, under RTNL, before unregistering.
pub struct Family {
    inner: Opaque<bindings::genl_family>,
    live: AtomicBool,
}

// SAFETY: After registration the C side owns the mutable state of the family
// (id, mcgrp offset) and serialises access to it under `genl_mutex`.
unsafe impl Sync for Family {}

impl Family {
    /// Describes a family. Intended for const context: panics at build time
    /// on an invalid name or too many ops or groups.
    pub const fn const_new(
        module: &'static ThisModule,
        name: &CStr,
        version: u32,
        ops: &'static [Op],
        mcgrps: &'static [MulticastGroup],
    ) -> Family {
        let mut f: bindings::genl_family = pin_init::zeroed();
        f.version = version;
        f.module = module.as_ptr();
        // CAST: widening.
        assert!(ops.len() <= u8::MAX as usize, "too many ops");
        assert!(
            mcgrps.len() <= u8::MAX as usize,
            "too many multicast groups"
        );
        f.ops = ops.as_ptr().cast();
        // CAST: checked above.
        f.n_ops = ops.len() as u8;
        f.mcgrps = mcgrps.as_ptr().cast();
        // CAST: checked above.
        f.n_mcgrps = mcgrps.len() as u8;
        // netnsok: requests are answered in the caller's netns;
        // parallel_ops: the family does its own locking (RTNL, device locks).
        f._bitfield_1 = family_flags(true, true);
        let name = name.to_bytes_with_nul();
        assert!(name.len() <= f.name.len(), "family name too long");
        let mut i = 0;
        while i < name.len() {
            // CAST: bytes of a C string.
            f.name[i] = name[i] as c_char;
            i += 1;
        }
        // INVARIANT: Not registered yet.
        Family {
            inner: Opaque::new(f),
            live: AtomicBool::new(false),
        }
    }

    fn as_raw(&self) -> *mut bindings::genl_family {
        self.inner.get()
    }

    /// Multicasts a message with command `cmd` written by `f` to group
    /// `group` (index in the family's list) of `net`, if the family is
    /// registered and anyone listens. Errors are dropped: notifications are
    /// best effort, as in C. RTNL keeps the family registered meanwhile.
    pub fn notify(
        &'static self,
        net: &Net,
        group: u32,
        cmd: u8,
        _rtnl: &Rtnl,
        f: impl FnOnce(&Writer) -> Result,
    ) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        // SAFETY: The family is registered (checked above under RTNL, which
        // its unregistration takes before clearing `live`); `net` is live.
        if unsafe { bindings::genl_has_listeners(self.as_raw(), net.as_raw(), group) } == 0 {
            return;
        }
        let Ok(mut skb) = MsgBuf::new(GENLMSG_DEFAULT_SIZE) else {
            return;
        };
        // SAFETY: `skb` is a fresh netlink buffer; the family is valid.
        let hdr = unsafe { bindings::genlmsg_put(skb.as_raw(), 0, 0, self.as_raw(), 0, cmd) };
        let Some(hdr) = NonNull::new(hdr) else {
            return;
        };
        skb.hdr = Some(hdr);
        let msg = Msg { buf: skb };
        if f(&msg).is_err() {
            return;
        }
        let buf = core::mem::ManuallyDrop::new(msg.finish());
        // SAFETY: The finished message is handed over; the core frees it in
        // every case. Group is an index into our groups (caller's promise;
        // an out-of-range one is refused by the core with a WARN).
        unsafe {
            bindings::genlmsg_multicast_netns(
                self.as_raw(),
                net.as_raw(),
                buf.skb.as_ptr(),
                0,
                group,
                bindings::GFP_KERNEL,
            );
        }
    }

    /// Registers the family; it is unregistered when the registration drops.
    pub fn register(&'static self) -> Result<Registration> {
        // SAFETY: The family is a valid, `'static` `genl_family` whose ops and
        // groups are `'static` too.
        to_result(unsafe { bindings::genl_register_family(self.as_raw()) })?;
        // INVARIANT: Registered just above.
        self.live.store(true, Ordering::Release);
        Ok(Registration { family: self })
    }
}

/// A registered generic netlink family; unregisters it on drop.
///
/// # Invariants
///
/// `family` is registered.
pub struct Registration {
    family: &'static Family,
}

impl Drop for Registration {
    fn drop(&mut self) {
        {
            let _rtnl = Rtnl::lock();
            // INVARIANT: Cleared under RTNL before unregistering: a `notify`
            // under RTNL sees either a registered family or `false`.
            self.family.live.store(false, Ordering::Release);
        }
        // SAFETY: The family is registered (type invariant) and is
        // unregistered exactly once, here.
        unsafe { bindings::genl_unregister_family(self.family.as_raw()) };
    }
}

#[kunit_tests(rvnet_genl)]
mod tests {
    use super::*;

    /// The const bitfield trick matches bindgen's setters.
    #[test]
    fn family_flags_bitfield() {
        for netnsok in [false, true] {
            for parallel_ops in [false, true] {
                let mut f: bindings::genl_family = pin_init::zeroed();
                f.set_netnsok(netnsok.into());
                f.set_parallel_ops(parallel_ops.into());
                // SAFETY: The bitfield unit is one byte.
                let want: u8 = unsafe { core::mem::transmute(f._bitfield_1) };
                // SAFETY: `family_flags` returns the same one-byte unit.
                let got: u8 = unsafe { core::mem::transmute(family_flags(netnsok, parallel_ops)) };
                assert_eq!(want, got);
            }
        }
    }
}
