// SPDX-License-Identifier: GPL-2.0

//! iproute2 link plugins for rvnet's link kinds.
//!
//! `ip` (iproute2 6.1) looks a link kind up as `<kind>_link_util`, first in
//! `$IP_LIB_DIR/link_<kind>.so` (Debian: `/usr/lib/x86_64-linux-gnu/ip`),
//! then in itself. Without a plugin it has no parser for a kind it does not
//! know, so `ip link add a type rveth peer name b` fails with "Garbage
//! instead of arguments". This library is that plugin for both kinds; it is
//! installed under both names.
//!
//! - `rveth`: parses `peer [name] B [link options]` exactly as iproute2's
//!   `link_veth.c` does (the same `iplink_parse` of `ip` itself, the same
//!   `VETH_INFO_PEER` nest), so the request is veth's with the kind changed.
//! - `rtun`: prints `IFLA_INFO_DATA` with `ip`'s own tun printer, since the
//!   rtun kind fills tun's `IFLA_TUN_*` attributes.
//!
//! `ip` is linked with `-export-dynamic`, which is how its own plugins call
//! back into it: the functions and data declared in [`ip`] resolve against
//! the running `ip` when it loads the library. Their layout is iproute2
//! 6.1's (`ip/ip_common.h`, `include/libnetlink.h`, `include/utils.h`);
//! `check-ip.sh` refuses another `ip` at build and install time.

#![deny(unsafe_op_in_unsafe_fn)]

use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::ptr;

/// `struct nlmsghdr` (`linux/netlink.h`).
#[repr(C)]
pub struct NlMsgHdr {
    pub len: u32,
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
}

/// `struct ifinfomsg` (`linux/rtnetlink.h`).
#[repr(C)]
pub struct IfInfoMsg {
    pub family: u8,
    pub pad: u8,
    pub ty: u16,
    pub index: i32,
    pub flags: u32,
    pub change: u32,
}

/// `struct rtattr` (`linux/rtnetlink.h`).
#[repr(C)]
pub struct RtAttr {
    pub len: u16,
    pub ty: u16,
}

/// An opaque C `FILE`.
pub enum File {}

type ParseOpt =
    unsafe extern "C" fn(*mut LinkUtil, c_int, *mut *mut c_char, *mut NlMsgHdr) -> c_int;
type PrintOpt = unsafe extern "C" fn(*mut LinkUtil, *mut File, *mut *mut RtAttr);
type PrintXstats = unsafe extern "C" fn(*mut LinkUtil, *mut File, *mut RtAttr);
type PrintHelp = unsafe extern "C" fn(*mut LinkUtil, c_int, *mut *mut c_char, *mut File);
type ParseIflaXstats = unsafe extern "C" fn(*mut LinkUtil, c_int, *mut *mut c_char) -> c_int;
type PrintIflaXstats = unsafe extern "C" fn(*mut NlMsgHdr, *mut c_void) -> c_int;

/// iproute2 6.1's `struct link_util` (`ip/ip_common.h`).
#[repr(C)]
pub struct LinkUtil {
    /// Written by `ip`: it lists the kinds it has loaded.
    pub next: *mut LinkUtil,
    pub id: *const c_char,
    /// The highest `IFLA_INFO_DATA` attribute `print_opt` reads.
    pub maxattr: c_int,
    pub parse_opt: Option<ParseOpt>,
    pub print_opt: Option<PrintOpt>,
    pub print_xstats: Option<PrintXstats>,
    pub print_help: Option<PrintHelp>,
    pub parse_ifla_xstats: Option<ParseIflaXstats>,
    pub print_ifla_xstats: Option<PrintIflaXstats>,
}

/// The size `check-ip.sh` compares with `ip`'s own `veth_link_util`.
pub const LINK_UTIL_SIZE: usize = core::mem::size_of::<LinkUtil>();
const _: () = assert!(LINK_UTIL_SIZE == 72, "iproute2 6.1 on x86-64");

/// A `link_util` that `ip` finds by name and may write (`next`).
#[repr(transparent)]
pub struct Exported(UnsafeCell<LinkUtil>);

// SAFETY: `ip` is single-threaded; it writes `next` once when it loads the
// kind, and nothing in this library reads or writes the struct.
unsafe impl Sync for Exported {}

impl Exported {
    const fn new(u: LinkUtil) -> Self {
        Exported(UnsafeCell::new(u))
    }
}

/// What `ip` exports and the plugins call (iproute2 6.1).
pub mod ip {
    use super::*;

    extern "C" {
        /// Parses link options into the request (`ip/iplink.c`); returns
        /// the index of the argument it stopped at (`type`) or `argc`, or a
        /// negative value on error. `req` is a `struct iplink_req`, which
        /// starts with the `nlmsghdr`.
        pub fn iplink_parse(
            argc: c_int,
            argv: *mut *mut c_char,
            req: *mut NlMsgHdr,
            ty: *mut *mut c_char,
        ) -> c_int;
        pub fn addattr_nest(n: *mut NlMsgHdr, maxlen: c_int, ty: c_int) -> *mut RtAttr;
        pub fn addattr_nest_end(n: *mut NlMsgHdr, nest: *mut RtAttr) -> c_int;
        /// "Error: either "key" is duplicate, or "arg" is a garbage." and exit.
        pub fn duparg(key: *const c_char, arg: *const c_char) -> !;
        /// `ip`'s built-in tun printer (`ip/iptuntap.c`).
        pub static tun_link_util: LinkUtil;
    }
}

extern "C" {
    static stdout: *mut File;
    fn fputs(s: *const c_char, f: *mut File) -> c_int;
}

/// `VETH_INFO_PEER` (`linux/veth.h`): rveth's peer attribute, as veth's.
const VETH_INFO_PEER: c_int = 1;
/// `IFLA_TUN_MAX` (`linux/if_link.h`, 6.1): `IFLA_TUN_NUM_DISABLED_QUEUES`.
const IFLA_TUN_MAX: c_int = 9;
/// The `maxlen` link_veth.c gives `addattr_nest` for the peer.
const PEER_NEST_MAXLEN: c_int = 1024;

const RVETH_USAGE: &CStr = c"Usage: ip link <options> type rveth [peer <options>]
To get <options> type 'ip link add help'
";

fn nlmsg_data(n: *mut NlMsgHdr) -> *mut IfInfoMsg {
    // NLMSG_DATA: the payload follows the 16-byte (aligned) header.
    n.wrapping_add(1).cast()
}

fn rta_data(a: *mut RtAttr) -> *mut IfInfoMsg {
    // RTA_DATA: the payload follows the 4-byte (aligned) header.
    a.wrapping_add(1).cast()
}

/// `ip link add ... type rveth [peer [name] B [options]]`: link_veth.c's
/// `veth_parse_opt` for another kind. The first end's `ifinfomsg` fields
/// that `iplink_parse` sets for the peer (index, flags) are moved into the
/// peer's `ifinfomsg` inside `VETH_INFO_PEER` and the first end's restored.
///
/// # Safety
///
/// Called by `ip` with its request (`struct iplink_req`) and `argc`
/// arguments following `type rveth`.
unsafe extern "C" fn rveth_parse_opt(
    _lu: *mut LinkUtil,
    argc: c_int,
    argv: *mut *mut c_char,
    n: *mut NlMsgHdr,
) -> c_int {
    // SAFETY: `ip` calls this with argc >= 1 and argv[0..argc] valid strings.
    let first = unsafe { CStr::from_ptr(*argv) };
    if first != c"peer" {
        // link_veth.c's usage() writes to stdout with printf.
        // SAFETY: `stdout` is the C library's; the string is NUL-terminated.
        unsafe { fputs(RVETH_USAGE.as_ptr(), stdout) };
        return -1;
    }
    let ifm = nlmsg_data(n);
    // SAFETY: The request starts with a header and an `ifinfomsg` (ip's
    // `struct iplink_req`), and its buffer holds the nest link_veth.c adds.
    unsafe {
        let (flags, change, index) = ((*ifm).flags, (*ifm).change, (*ifm).index);
        (*ifm).flags = 0;
        (*ifm).change = 0;
        (*ifm).index = 0;

        let data = ip::addattr_nest(n, PEER_NEST_MAXLEN, VETH_INFO_PEER);
        // Room for the peer's ifinfomsg, which iplink_parse does not write.
        (*n).len += core::mem::size_of::<IfInfoMsg>() as u32;

        let mut ty: *mut c_char = ptr::null_mut();
        let err = ip::iplink_parse(argc - 1, argv.add(1), n, &mut ty);
        if err < 0 {
            return err;
        }
        if !ty.is_null() {
            // `peer ... type X`: the peer is an rveth too.
            ip::duparg(c"type".as_ptr(), *argv.add(err as usize));
        }

        let peer = rta_data(data);
        (*peer).index = (*ifm).index;
        (*peer).flags = (*ifm).flags;
        (*peer).change = (*ifm).change;
        (*ifm).flags = flags;
        (*ifm).change = change;
        (*ifm).index = index;

        ip::addattr_nest_end(n, data);
        argc - 1 - err
    }
}

/// `ip link help rveth`.
///
/// # Safety
///
/// Called by `ip` with a valid stream.
unsafe extern "C" fn rveth_print_help(
    _lu: *mut LinkUtil,
    _argc: c_int,
    _argv: *mut *mut c_char,
    f: *mut File,
) {
    // SAFETY: `f` is a valid stream; the string is NUL-terminated.
    unsafe { fputs(RVETH_USAGE.as_ptr(), f) };
}

/// `ip -d link show` of an rtun device: tun's printer on tun's attributes.
///
/// # Safety
///
/// Called by `ip` with `tb` NULL or parsed up to `IFLA_TUN_MAX`.
unsafe extern "C" fn rtun_print_opt(_lu: *mut LinkUtil, f: *mut File, tb: *mut *mut RtAttr) {
    // SAFETY: `tun_link_util` is `ip`'s, initialised before main; its
    // printer takes the same arguments, for the same `maxattr`.
    unsafe {
        let tun = ptr::addr_of!(ip::tun_link_util);
        if let Some(print) = (*tun).print_opt {
            print(tun.cast_mut(), f, tb);
        }
    }
}

/// The rveth kind: veth's parser and help, no printer (veth has none).
#[no_mangle]
pub static rveth_link_util: Exported = Exported::new(LinkUtil {
    next: ptr::null_mut(),
    id: c"rveth".as_ptr(),
    maxattr: 0,
    parse_opt: Some(rveth_parse_opt),
    print_opt: None,
    print_xstats: None,
    print_help: Some(rveth_print_help),
    parse_ifla_xstats: None,
    print_ifla_xstats: None,
});

/// The rtun kind: tun's printer (tun has no parser: rtun devices are made
/// through `/dev/net/rtun`).
#[no_mangle]
pub static rtun_link_util: Exported = Exported::new(LinkUtil {
    next: ptr::null_mut(),
    id: c"rtun".as_ptr(),
    maxattr: IFLA_TUN_MAX,
    parse_opt: None,
    print_opt: Some(rtun_print_opt),
    print_xstats: None,
    print_help: None,
    parse_ifla_xstats: None,
    print_ifla_xstats: None,
});
