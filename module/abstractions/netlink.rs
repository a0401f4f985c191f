// SPDX-License-Identifier: GPL-2.0

//! Netlink attributes, attribute policies and extended acks.
//!
//! C headers: [`include/net/netlink.h`](srctree/include/net/netlink.h),
//! [`include/linux/netlink.h`](srctree/include/linux/netlink.h)

use kernel::{bindings, error::to_result, prelude::*, types::Opaque};

/// The highest attribute type of a policy table (`maxtype`, `maxattr`):
/// its length less one. Fails the build for an empty table in const context.
pub const fn maxtype(policy: &[Policy]) -> u32 {
    assert!(!policy.is_empty(), "a policy table has at least entry 0");
    // CAST: widening.
    assert!(
        policy.len() <= u16::MAX as usize,
        "attribute types are 16-bit"
    );
    // CAST: checked above.
    (policy.len() - 1) as u32
}

/// One entry of an attribute validation policy (`struct nla_policy`).
///
/// Policies are built in const context and live in statics, so that the
/// pointers handed to the C side stay valid for as long as the module.
#[repr(transparent)]
pub struct Policy(bindings::nla_policy);

// SAFETY: A `Policy` is plain data that is never mutated after construction;
// the only pointer it may hold points to another `'static` policy table.
unsafe impl Sync for Policy {}

impl Policy {
    const fn of_type(type_: u32) -> Self {
        let mut p: bindings::nla_policy = pin_init::zeroed();
        // CAST: the `NLA_*` types are below 256.
        p.type_ = type_ as u8;
        Policy(p)
    }

    /// An attribute slot that is not used (attribute 0, gaps): rejected by strict parsing.
    pub const fn unspec() -> Self {
        Self::of_type(bindings::NLA_UNSPEC)
    }
    /// A `u8` attribute.
    pub const fn u8() -> Self {
        Self::of_type(bindings::NLA_U8)
    }
    /// A `u32` attribute.
    pub const fn u32() -> Self {
        Self::of_type(bindings::NLA_U32)
    }
    /// An `s32` attribute.
    pub const fn s32() -> Self {
        Self::of_type(bindings::NLA_S32)
    }
    /// A `u64` attribute.
    pub const fn u64() -> Self {
        Self::of_type(bindings::NLA_U64)
    }
    /// A flag attribute (no payload).
    pub const fn flag() -> Self {
        Self::of_type(bindings::NLA_FLAG)
    }
    /// A NUL-terminated string of at most `max_len` characters (NUL excluded).
    pub const fn nul_string(max_len: u16) -> Self {
        let mut p = Self::of_type(bindings::NLA_NUL_STRING);
        p.0.len = max_len;
        p
    }
    /// A binary attribute of at least `len` bytes (C: `{ .len = N }`).
    pub const fn min_len(len: u16) -> Self {
        let mut p = Self::of_type(bindings::NLA_UNSPEC);
        p.0.len = len;
        p
    }
    /// An attribute that must not be sent (for example a reply-only attribute).
    pub const fn reject() -> Self {
        Self::of_type(bindings::NLA_REJECT)
    }
}

/// A received netlink attribute (`struct nlattr`).
///
/// # Invariants
///
/// The attribute header and the payload it announces are valid for the
/// lifetime of the reference (the core validated `nla_len` against the
/// message). Its length need not match what a policy says: getters check.
#[repr(transparent)]
pub struct Attr(Opaque<bindings::nlattr>);

impl Attr {
    /// Creates a reference to an attribute from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a validated attribute that stays valid (and is not
    /// modified) for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::nlattr) -> &'a Self {
        // SAFETY: `Attr` is `repr(transparent)` over `nlattr`; the caller
        // guarantees validity for `'a`.
        unsafe { &*ptr.cast::<Self>() }
    }

    pub(crate) fn as_raw(&self) -> *const bindings::nlattr {
        self.0.get()
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        // SAFETY: By the type invariant the attribute is valid, so `nla_data`
        // points at `nla_len` readable payload bytes that live as long as `self`.
        unsafe {
            // CAST: `nla_len` is 16-bit.
            let len = bindings::nla_len(self.as_raw()) as usize;
            core::slice::from_raw_parts(bindings::nla_data(self.as_raw()).cast::<u8>(), len)
        }
    }

    /// The first `N` bytes of the payload; `EINVAL` if it is shorter. The
    /// length is checked here: a policy in the driver may say otherwise.
    fn bytes<const N: usize>(&self) -> Result<[u8; N]> {
        self.data()
            .get(..N)
            .and_then(|b| b.try_into().ok())
            .ok_or(EINVAL)
    }

    /// The payload as `u8` (`nla_get_u8`); `EINVAL` if it is too short.
    pub fn get_u8(&self) -> Result<u8> {
        Ok(u8::from_ne_bytes(self.bytes()?))
    }

    /// The payload as `u32` (`nla_get_u32`); `EINVAL` if it is too short.
    pub fn get_u32(&self) -> Result<u32> {
        Ok(u32::from_ne_bytes(self.bytes()?))
    }

    /// The payload as `s32` (`nla_get_s32`); `EINVAL` if it is too short.
    pub fn get_s32(&self) -> Result<i32> {
        Ok(i32::from_ne_bytes(self.bytes()?))
    }

    /// Copies an interface name attribute (`IFLA_IFNAME`, at most
    /// `IFNAMSIZ - 1` bytes by policy), NUL-terminated, like `nla_strscpy`.
    pub fn get_ifname(&self) -> IfName {
        let mut buf = [0u8; IFNAMSIZ];
        let s = self.get_str();
        let n = s.len().min(IFNAMSIZ - 1);
        buf[..n].copy_from_slice(&s[..n]);
        IfName(buf)
    }

    /// The payload of a NUL-terminated string attribute, without the NUL.
    pub fn get_str(&self) -> &[u8] {
        let d = self.data();
        match d.iter().position(|&b| b == 0) {
            Some(n) => &d[..n],
            None => d,
        }
    }
}

/// Size of an interface name buffer, NUL included.
// CAST: 16.
pub const IFNAMSIZ: usize = bindings::IFNAMSIZ as usize;

/// An interface name (NUL-terminated, at most `IFNAMSIZ - 1` characters).
pub struct IfName([u8; IFNAMSIZ]);

impl IfName {
    /// The name as a C string.
    pub fn as_cstr(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.0).unwrap_or(c"")
    }
}

/// Attributes parsed against a policy, indexed by attribute type.
///
/// # Invariants
///
/// `attrs` points to `maxattr + 1` entries, each null or a validated attribute,
/// valid for `'a`.
pub struct Attrs<'a> {
    attrs: *const *mut bindings::nlattr,
    maxattr: u32,
    _p: core::marker::PhantomData<&'a Attr>,
}

impl<'a> Attrs<'a> {
    /// # Safety
    ///
    /// `attrs` must be null or point to `maxattr + 1` attribute pointers, each
    /// null or pointing to a validated attribute, all valid for `'a`.
    pub(crate) unsafe fn from_raw(attrs: *const *mut bindings::nlattr, maxattr: u32) -> Self {
        Attrs {
            attrs,
            maxattr,
            _p: core::marker::PhantomData,
        }
    }

    /// The attribute of type `ty`, if present.
    pub fn get(&self, ty: u32) -> Option<&'a Attr> {
        if self.attrs.is_null() || ty > self.maxattr {
            return None;
        }
        // SAFETY: `ty <= maxattr`, so the entry is in bounds by the type invariant.
        // CAST: `ty <= maxattr`, a `u32`.
        let p = unsafe { *self.attrs.add(ty as usize) };
        if p.is_null() {
            None
        } else {
            // SAFETY: Non-null entries are validated attributes valid for `'a`.
            Some(unsafe { Attr::from_raw(p) })
        }
    }
}

/// The extended acknowledgement of a request (`struct netlink_ext_ack`): the
/// message and the offending attribute that userspace sees with an error.
///
/// # Invariants
///
/// `ptr` is null or points to an extack that is valid for `'a` and only
/// written through this object.
pub struct ExtAck<'a> {
    ptr: *mut bindings::netlink_ext_ack,
    _p: core::marker::PhantomData<&'a mut bindings::netlink_ext_ack>,
}

impl<'a> ExtAck<'a> {
    /// # Safety
    ///
    /// `ptr` must be null or valid for writes for `'a`, with no other writer.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::netlink_ext_ack) -> Self {
        ExtAck {
            ptr,
            _p: core::marker::PhantomData,
        }
    }

    pub(crate) fn as_raw(&mut self) -> *mut bindings::netlink_ext_ack {
        self.ptr
    }

    /// Sets the message userspace sees (like `NL_SET_ERR_MSG`).
    pub fn msg(&mut self, msg: &'static CStr) {
        if !self.ptr.is_null() {
            // SAFETY: `ptr` is valid for writes (type invariant); `msg` is 'static.
            unsafe { (*self.ptr)._msg = msg.as_char_ptr() };
        }
    }

    /// Sets the message and the offending attribute (like `NL_SET_ERR_MSG_ATTR`).
    pub fn msg_attr(&mut self, msg: &'static CStr, attr: &Attr) {
        self.msg(msg);
        if !self.ptr.is_null() {
            // SAFETY: `ptr` is valid for writes (type invariant); the attribute
            // lies in the request that this extack answers.
            unsafe { (*self.ptr).bad_attr = attr.as_raw() };
        }
    }

    /// Reports a missing attribute (like `NL_SET_ERR_ATTR_MISS`, no nest).
    pub fn missing(&mut self, msg: &'static CStr, ty: u32) {
        self.msg(msg);
        if !self.ptr.is_null() {
            // SAFETY: `ptr` is valid for writes (type invariant).
            unsafe {
                // CAST: attribute types are 16-bit.
                (*self.ptr).miss_type = ty as u16;
                (*self.ptr).miss_nest = core::ptr::null();
            }
        }
    }
}

#[kunit_tests(rvnet_netlink)]
mod tests {
    use super::*;

    /// `nla_total_size`: a 4-byte header and the payload, each padded to 4.
    #[test]
    fn total_sizes() {
        let sizes = [0, 1, 3, 4, 5, 8, 16].map(total_size);
        assert_eq!(sizes, [4, 8, 8, 8, 12, 12, 20]);
    }

    /// The const constructors fill `nla_policy` as the C initialisers do.
    #[test]
    fn policies() {
        assert_eq!(u32::from(Policy::u32().0.type_), bindings::NLA_U32);
        assert_eq!(u32::from(Policy::u8().0.type_), bindings::NLA_U8);
        assert_eq!(u32::from(Policy::flag().0.type_), bindings::NLA_FLAG);
        assert_eq!(u32::from(Policy::reject().0.type_), bindings::NLA_REJECT);
        let s = Policy::nul_string(15);
        assert_eq!(u32::from(s.0.type_), bindings::NLA_NUL_STRING);
        assert_eq!(s.0.len, 15);
        let m = Policy::min_len(16);
        assert_eq!(u32::from(m.0.type_), bindings::NLA_UNSPEC);
        assert_eq!(m.0.len, 16);
        assert_eq!(maxtype(&[Policy::unspec()]), 0);
        assert_eq!(maxtype(&[Policy::unspec(), Policy::u32(), Policy::u8()]), 2);
    }
}

/// The room one attribute with `payload` bytes takes in a message
/// (`nla_total_size`): header and payload, aligned.
pub const fn total_size(payload: usize) -> usize {
    // CAST: small constants (4).
    let align = bindings::NLA_ALIGNTO as usize;
    let hdr = (core::mem::size_of::<bindings::nlattr>() + align - 1) & !(align - 1);
    hdr + ((payload + align - 1) & !(align - 1))
}

/// Writes attributes into a netlink message being built.
///
/// Only ever handed out as a shared reference made from the message's skb,
/// and every method takes `&self`: safe code cannot move, swap or keep a
/// writer past the message it writes into. `!Sync`, so one thread writes.
///
/// # Invariants
///
/// A `&'a Writer` is the address of an `sk_buff` holding a netlink message
/// being built, valid for `'a` and written by nothing but this writer (and
/// its copies, in the same thread) while the reference lives.
#[repr(transparent)]
pub struct Writer(Opaque<bindings::sk_buff>);

impl Writer {
    /// # Safety
    ///
    /// `skb` must hold a netlink message being built, stay valid for `'a`
    /// and be written by nothing else while the returned reference lives.
    pub(in crate::abstractions) unsafe fn from_raw<'a>(skb: *mut bindings::sk_buff) -> &'a Writer {
        // SAFETY: `Writer` is a transparent wrapper of `sk_buff`; validity and
        // exclusivity for `'a` are the caller's promise.
        unsafe { &*skb.cast::<Writer>() }
    }

    fn skb(&self) -> *mut bindings::sk_buff {
        self.0.get()
    }

    /// Puts a `u8` attribute.
    pub fn put_u8(&self, ty: u32, v: u8) -> Result {
        // SAFETY: The skb holds a message being built (type invariant).
        // CAST: attribute types are 16-bit.
        to_result(unsafe { bindings::nla_put_u8(self.skb(), ty as c_int, v) })
    }

    /// Puts a `u32` attribute.
    pub fn put_u32(&self, ty: u32, v: u32) -> Result {
        // SAFETY: The skb holds a message being built (type invariant).
        // CAST: attribute types are 16-bit.
        to_result(unsafe { bindings::nla_put_u32(self.skb(), ty as c_int, v) })
    }

    /// Puts an `s32` attribute.
    pub fn put_s32(&self, ty: u32, v: i32) -> Result {
        // CAST: the same bits, as `nla_put_s32` does.
        self.put_u32(ty, v as u32)
    }

    /// Puts a `u64` attribute, aligned with a pad attribute of type `pad`.
    pub fn put_u64(&self, ty: u32, v: u64, pad: u32) -> Result {
        // SAFETY: The skb holds a message being built (type invariant).
        to_result(unsafe {
            // CAST: attribute types are 16-bit.
            bindings::nla_put_u64_64bit(self.skb(), ty as c_int, v, pad as c_int)
        })
    }

    /// Puts a NUL-terminated string attribute.
    pub fn put_string(&self, ty: u32, s: &CStr) -> Result {
        // SAFETY: The skb holds a message being built (type invariant); `s`
        // is NUL-terminated.
        // CAST: attribute types are 16-bit.
        to_result(unsafe { bindings::nla_put_string(self.skb(), ty as c_int, s.as_char_ptr()) })
    }

    /// Puts a nested attribute whose contents `f` writes; on an error the
    /// nest is taken out again.
    pub fn put_nested(&self, ty: u32, f: impl FnOnce(&Writer) -> Result) -> Result {
        // SAFETY: The skb holds a message being built (type invariant).
        // CAST: attribute types are 16-bit.
        let start = unsafe { bindings::nla_nest_start(self.skb(), ty as c_int) };
        if start.is_null() {
            return Err(EMSGSIZE);
        }
        match f(self) {
            Ok(()) => {
                // SAFETY: `start` was returned by `nla_nest_start` on this skb.
                unsafe { bindings::nla_nest_end(self.skb(), start) };
                Ok(())
            }
            Err(e) => {
                // SAFETY: `start` was returned by `nla_nest_start` on this skb
                // and everything after it was written inside the nest.
                unsafe { bindings::nla_nest_cancel(self.skb(), start) };
                Err(e)
            }
        }
    }
}
