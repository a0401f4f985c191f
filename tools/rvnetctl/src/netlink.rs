// SPDX-License-Identifier: GPL-2.0

//! A small generic netlink layer: resolve a family through nlctrl, send a request, collect
//! the replies of a `do` or a `dump`, and turn a refusal into a [`KernelError`] that keeps
//! the kernel's extended-ack message.
//!
//! It uses neli's low-level [`NlSocketHandle`] on purpose: neli 0.7.5's `NlRouter` rebuilds
//! kernel errors without their extended ack, so the message the kernel wrote for the user
//! would be lost.
//!
//! Replies are handed up as [`Attrs`], raw attribute payloads by type, with typed getters
//! that check lengths; what the attributes mean is up to the caller.

use neli::{
    consts::{genl::NlAttrType, nl::NlmF, socket::NlFamily},
    err::SocketError,
    genl::{AttrTypeBuilder, Genlmsghdr, GenlmsghdrBuilder, Nlattr, NlattrBuilder, NoUserHeader},
    nl::{NlPayload, NlmsghdrBuilder},
    socket::synchronous::NlSocketHandle,
    types::{Buffer, GenlBuffer},
    utils::Groups,
};
use nix::errno::Errno;
use serde::Serialize;

use crate::{
    error::{Error, KernelError, Result},
    uapi,
};

/// nlctrl, the generic netlink controller (`linux/genetlink.h`).
mod nlctrl {
    /// nlctrl's fixed family id.
    pub const GENL_ID_CTRL: u16 = 0x10;
    /// Version the kernel's nlctrl family registers.
    pub const CTRL_VERSION: u8 = 2;
    pub const CTRL_CMD_GETFAMILY: u8 = 3;
    pub const CTRL_ATTR_FAMILY_ID: u16 = 1;
    pub const CTRL_ATTR_FAMILY_NAME: u16 = 2;
    pub const CTRL_ATTR_VERSION: u16 = 3;
    pub const CTRL_ATTR_MCAST_GROUPS: u16 = 7;
    pub const CTRL_ATTR_MCAST_GRP_NAME: u16 = 1;
    pub const CTRL_ATTR_MCAST_GRP_ID: u16 = 2;
}

/// Attributes of an error or ack message's extended ack (`linux/netlink.h`).
mod nlmsgerr_attr {
    pub const NLMSGERR_ATTR_MSG: u16 = 1;
    pub const NLMSGERR_ATTR_MISS_TYPE: u16 = 5;
}

/// `NLMSG_DONE`: the end of a dump.
const NLMSG_DONE: u16 = 3;
/// Size of `struct nlattr`.
const NLA_HDRLEN: usize = 4;
/// Flag bits of `nla_type` (`NLA_F_NESTED`, `NLA_F_NET_BYTEORDER`); not part of the type.
const NLA_TYPE_MASK: u16 = !(1 << 15 | 1 << 14);

/// Attributes are padded to 4 bytes.
fn nla_align(len: usize) -> usize {
    (len + 3) & !3
}

/// A generic netlink message with a u8 command and u16 attribute types.
type GenlMsg = Genlmsghdr<u8, u16>;

/// One attribute to send, as neli serialises it.
pub type Attr = Nlattr<u16, Buffer>;

/// Builds an attribute with a raw payload.
pub fn attr_bytes(ty: u16, payload: Vec<u8>) -> Result<Attr> {
    let nla_type = AttrTypeBuilder::default()
        .nla_type(ty)
        .build()
        .map_err(netlink_err)?;
    NlattrBuilder::default()
        .nla_type(nla_type)
        .nla_payload(Buffer::from(payload))
        .build()
        .map_err(netlink_err)
}

/// Builds a u8 attribute.
pub fn attr_u8(ty: u16, value: u8) -> Result<Attr> {
    attr_bytes(ty, vec![value])
}

/// Builds a u32 attribute (host byte order, as netlink wants).
pub fn attr_u32(ty: u16, value: u32) -> Result<Attr> {
    attr_bytes(ty, value.to_ne_bytes().to_vec())
}

/// Builds a NUL-terminated string attribute.
pub fn attr_str(ty: u16, value: &str) -> Result<Attr> {
    let mut payload = Vec::with_capacity(value.len() + 1);
    payload.extend_from_slice(value.as_bytes());
    payload.push(0);
    attr_bytes(ty, payload)
}

/// Received attributes: the raw payload of each, by type, in the order they came.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attrs(Vec<(u16, Vec<u8>)>);

impl Attrs {
    /// Parses a stream of `struct nlattr` (a message's attributes or a nest's payload).
    pub fn parse(mut buf: &[u8]) -> Result<Self> {
        let mut attrs = Vec::new();
        while buf.len() >= NLA_HDRLEN {
            let len = usize::from(u16::from_ne_bytes([buf[0], buf[1]]));
            let ty = u16::from_ne_bytes([buf[2], buf[3]]) & NLA_TYPE_MASK;
            if len < NLA_HDRLEN || len > buf.len() {
                return Err(Error::Malformed(format!(
                    "attribute {ty} claims {len} bytes, {} left",
                    buf.len()
                )));
            }
            attrs.push((ty, buf[NLA_HDRLEN..len].to_vec()));
            buf = &buf[nla_align(len).min(buf.len())..];
        }
        Ok(Self(attrs))
    }

    /// Takes the attributes neli already split up.
    fn from_genl<T: NlAttrType>(attrs: &GenlBuffer<T, Buffer>) -> Self {
        Self(
            attrs
                .iter()
                .map(|a| {
                    (
                        (*a.nla_type().nla_type()).into(),
                        a.nla_payload().as_ref().to_vec(),
                    )
                })
                .collect(),
        )
    }

    /// Every attribute, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &[u8])> {
        self.0.iter().map(|(ty, payload)| (*ty, payload.as_slice()))
    }

    /// The payload of the first attribute of type `ty`.
    pub fn get(&self, ty: u16) -> Option<&[u8]> {
        self.iter().find(|(t, _)| *t == ty).map(|(_, p)| p)
    }

    /// A fixed-size attribute; `Ok(None)` when absent, an error when of another size.
    fn fixed<const N: usize>(&self, ty: u16) -> Result<Option<[u8; N]>> {
        self.get(ty)
            .map(|p| {
                p.try_into().map_err(|_| {
                    Error::Malformed(format!(
                        "attribute {ty} has {} bytes, expected {N}",
                        p.len()
                    ))
                })
            })
            .transpose()
    }

    /// A u8 attribute.
    pub fn u8(&self, ty: u16) -> Result<Option<u8>> {
        Ok(self.fixed::<1>(ty)?.map(|[b]| b))
    }

    /// A u16 attribute (host byte order).
    pub fn u16(&self, ty: u16) -> Result<Option<u16>> {
        Ok(self.fixed(ty)?.map(u16::from_ne_bytes))
    }

    /// A u32 attribute (host byte order).
    pub fn u32(&self, ty: u16) -> Result<Option<u32>> {
        Ok(self.fixed(ty)?.map(u32::from_ne_bytes))
    }

    /// A s32 attribute (host byte order).
    pub fn s32(&self, ty: u16) -> Result<Option<i32>> {
        Ok(self.fixed(ty)?.map(i32::from_ne_bytes))
    }

    /// A u64 attribute (host byte order).
    pub fn u64(&self, ty: u16) -> Result<Option<u64>> {
        Ok(self.fixed(ty)?.map(u64::from_ne_bytes))
    }

    /// A string attribute, up to its first NUL; invalid UTF-8 is replaced, not refused.
    pub fn string(&self, ty: u16) -> Option<String> {
        self.get(ty).map(|p| {
            let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
            String::from_utf8_lossy(&p[..end]).into_owned()
        })
    }

    /// A nested attribute set.
    pub fn nested(&self, ty: u16) -> Result<Option<Attrs>> {
        self.get(ty).map(Attrs::parse).transpose()
    }
}

/// A multicast group of a family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct McastGroup {
    /// Group name.
    pub name: String,
    /// Group id, for `NETLINK_ADD_MEMBERSHIP`.
    pub id: u32,
}

/// A generic netlink family as nlctrl describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Family {
    /// Family name.
    pub name: String,
    /// Family id: the `nlmsg_type` of its messages.
    pub id: u16,
    /// The version the family registered (`CTRL_ATTR_VERSION`).
    pub version: Option<u32>,
    /// Multicast groups, in the order nlctrl listed them.
    pub mcast_groups: Vec<McastGroup>,
}

impl Family {
    /// Decodes nlctrl's `CTRL_CMD_NEWFAMILY` reply.
    pub fn from_attrs(attrs: &Attrs) -> Result<Self> {
        use nlctrl::*;

        let id = attrs
            .u16(CTRL_ATTR_FAMILY_ID)?
            .ok_or_else(|| Error::Malformed("nlctrl reply without family id".into()))?;
        let mut mcast_groups = Vec::new();
        if let Some(groups) = attrs.nested(CTRL_ATTR_MCAST_GROUPS)? {
            // Each group is a nest of its own, typed by its index.
            for (_, group) in groups.iter() {
                let group = Attrs::parse(group)?;
                if let (Some(name), Some(id)) = (
                    group.string(CTRL_ATTR_MCAST_GRP_NAME),
                    group.u32(CTRL_ATTR_MCAST_GRP_ID)?,
                ) {
                    mcast_groups.push(McastGroup { name, id });
                }
            }
        }
        Ok(Self {
            name: attrs.string(CTRL_ATTR_FAMILY_NAME).unwrap_or_default(),
            id,
            version: attrs.u32(CTRL_ATTR_VERSION)?,
            mcast_groups,
        })
    }

    /// The id of the multicast group called `name`.
    pub fn mcast_group(&self, name: &str) -> Option<u32> {
        self.mcast_groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.id)
    }
}

/// Builds the error for a negative `error` and the extended ack that came with it.
pub fn kernel_error(error: i32, ext_ack: &Attrs) -> KernelError {
    use nlmsgerr_attr::*;

    KernelError {
        errno: error.saturating_neg(),
        message: ext_ack
            .string(NLMSGERR_ATTR_MSG)
            .filter(|msg| !msg.is_empty()),
        missing_attr: ext_ack.u32(NLMSGERR_ATTR_MISS_TYPE).ok().flatten(),
    }
}

fn netlink_err(err: impl std::fmt::Display) -> Error {
    Error::Netlink(err.to_string())
}

/// A receive error: `ENOBUFS` means the socket's buffer overflowed and messages were lost.
fn recv_err(err: SocketError) -> Error {
    match &err {
        SocketError::Io(io) if io.raw_os_error() == Some(Errno::ENOBUFS as i32) => Error::Overrun,
        _ => netlink_err(err),
    }
}

/// A multicast message: its command and attributes.
pub type Notification = (u8, Attrs);

/// A generic netlink socket that asks for extended acks.
pub struct GenlSocket {
    sock: NlSocketHandle,
    seq: u32,
}

impl GenlSocket {
    /// Opens a `NETLINK_GENERIC` socket.
    pub fn open() -> Result<Self> {
        let sock = NlSocketHandle::connect(NlFamily::Generic, None, Groups::empty())
            .map_err(netlink_err)?;
        // Like iproute2, carry on without extended acks where the kernel has none: errors
        // then fall back to strerror.
        let _ = sock.enable_ext_ack(true);
        Ok(Self { sock, seq: 0 })
    }

    /// Resolves a family by name; [`Error::FamilyNotFound`] if nlctrl does not know it.
    pub fn resolve(&mut self, name: &str) -> Result<Family> {
        let attrs = vec![attr_str(nlctrl::CTRL_ATTR_FAMILY_NAME, name)?];
        let replies = self
            .transact(
                nlctrl::GENL_ID_CTRL,
                NlmF::ACK,
                nlctrl::CTRL_VERSION,
                nlctrl::CTRL_CMD_GETFAMILY,
                attrs,
            )
            .map_err(|err| match err {
                Error::Kernel(KernelError { errno, .. }) if errno == Errno::ENOENT as i32 => {
                    Error::FamilyNotFound(name.to_owned())
                }
                err => err,
            })?;
        let reply = replies
            .first()
            .ok_or_else(|| Error::Malformed(format!("nlctrl sent nothing for \"{name}\"")))?;
        Family::from_attrs(reply)
    }

    /// Every registered family (nlctrl's dump).
    pub fn families(&mut self) -> Result<Vec<Family>> {
        self.dump(
            nlctrl::GENL_ID_CTRL,
            nlctrl::CTRL_VERSION,
            nlctrl::CTRL_CMD_GETFAMILY,
            Vec::new(),
        )?
        .iter()
        .map(Family::from_attrs)
        .collect()
    }

    /// Joins the multicast group with id `group` (`NETLINK_ADD_MEMBERSHIP`, which, unlike
    /// the bind-time bitmask, reaches ids above 32).
    pub fn join(&mut self, group: u32) -> Result<()> {
        self.sock
            .add_mcast_membership(Groups::new_groups(&[group]))
            .map_err(netlink_err)
    }

    /// Asks for a receive buffer of `bytes` (the kernel caps it at `rmem_max`), so that a
    /// burst of notifications is not lost while they are being printed.
    pub fn set_recv_buffer(&mut self, bytes: usize) -> Result<()> {
        self.sock.set_recv_buffer_size(bytes).map_err(netlink_err)
    }

    /// Waits for the next datagram; returns the messages of `family` in it. Anything else
    /// (late acks, other families) is skipped. [`Error::Overrun`] when the kernel had to
    /// drop messages because the buffer was full.
    pub fn recv_notifications(&mut self, family: u16) -> Result<Vec<Notification>> {
        let (msgs, _) = self.sock.recv::<u16, GenlMsg>().map_err(recv_err)?;
        let mut out = Vec::new();
        for msg in msgs {
            let msg = msg.map_err(netlink_err)?;
            if *msg.nl_type() != family {
                continue;
            }
            if let NlPayload::Payload(genl) = msg.nl_payload() {
                out.push((*genl.cmd(), Attrs::from_genl(genl.attrs())));
            }
        }
        Ok(out)
    }

    /// Sends a `do` request (with `NLM_F_ACK`); returns the replies that came before the ack.
    pub fn request(
        &mut self,
        family: u16,
        version: u8,
        cmd: u8,
        attrs: Vec<Attr>,
    ) -> Result<Vec<Attrs>> {
        self.transact(family, NlmF::ACK, version, cmd, attrs)
    }

    /// Sends a `dump` request; returns every reply up to `NLMSG_DONE`.
    pub fn dump(
        &mut self,
        family: u16,
        version: u8,
        cmd: u8,
        attrs: Vec<Attr>,
    ) -> Result<Vec<Attrs>> {
        self.transact(family, NlmF::DUMP, version, cmd, attrs)
    }

    fn transact(
        &mut self,
        family: u16,
        flags: NlmF,
        version: u8,
        cmd: u8,
        attrs: Vec<Attr>,
    ) -> Result<Vec<Attrs>> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let genl = GenlmsghdrBuilder::<u8, u16, NoUserHeader>::default()
            .cmd(cmd)
            .version(version)
            .attrs(attrs.into_iter().collect::<GenlBuffer<_, _>>())
            .build()
            .map_err(netlink_err)?;
        let msg = NlmsghdrBuilder::default()
            .nl_type(family)
            .nl_flags(NlmF::REQUEST | flags)
            .nl_seq(seq)
            .nl_payload(NlPayload::Payload(genl))
            .build()
            .map_err(netlink_err)?;
        self.sock.send(&msg).map_err(netlink_err)?;

        let mut replies = Vec::new();
        loop {
            let (msgs, _) = self.sock.recv::<u16, GenlMsg>().map_err(recv_err)?;
            for msg in msgs {
                let msg = msg.map_err(netlink_err)?;
                if *msg.nl_seq() != seq {
                    // A late answer to an earlier request.
                    continue;
                }
                match msg.nl_payload() {
                    NlPayload::Payload(genl) => replies.push(Attrs::from_genl(genl.attrs())),
                    NlPayload::Err(err) => {
                        let ext_ack = Attrs::from_genl(err.ext_ack());
                        return Err(Error::Kernel(kernel_error(*err.error(), &ext_ack)));
                    }
                    // A dump that failed half-way reports it in NLMSG_DONE.
                    NlPayload::DumpExtAck(done) if *done.error() < 0 => {
                        let ext_ack = Attrs::from_genl(done.ext_ack());
                        return Err(Error::Kernel(kernel_error(*done.error(), &ext_ack)));
                    }
                    NlPayload::Ack(_) | NlPayload::DumpExtAck(_) => return Ok(replies),
                    NlPayload::Empty if *msg.nl_type() == NLMSG_DONE => return Ok(replies),
                    NlPayload::Empty => {}
                }
            }
        }
    }
}

/// A connection to the `rvnet` family.
pub struct Rvnet {
    sock: GenlSocket,
    family: Family,
}

impl Rvnet {
    /// Opens a socket and resolves the family; [`Error::ModuleNotLoaded`] if it is absent.
    pub fn connect() -> Result<Self> {
        let mut sock = GenlSocket::open()?;
        let family = sock
            .resolve(uapi::RVNET_FAMILY_NAME)
            .map_err(|err| match err {
                Error::FamilyNotFound(_) => Error::ModuleNotLoaded,
                err => err,
            })?;
        Ok(Self { sock, family })
    }

    /// The family as nlctrl described it.
    pub fn family(&self) -> &Family {
        &self.family
    }

    /// Sends a `do` request for `cmd`; returns its replies.
    pub fn request(&mut self, cmd: u8, attrs: Vec<Attr>) -> Result<Vec<Attrs>> {
        self.sock
            .request(self.family.id, uapi::RVNET_FAMILY_VERSION, cmd, attrs)
    }

    /// Sends a `dump` request for `cmd`; returns every object.
    pub fn dump(&mut self, cmd: u8, attrs: Vec<Attr>) -> Result<Vec<Attrs>> {
        self.sock
            .dump(self.family.id, uapi::RVNET_FAMILY_VERSION, cmd, attrs)
    }

    /// Joins the family's multicast group `name`, with a receive buffer large enough for
    /// bursts.
    pub fn join(&mut self, name: &str) -> Result<()> {
        let id = self
            .family
            .mcast_group(name)
            .ok_or_else(|| Error::Malformed(format!("family has no group \"{name}\"")))?;
        self.sock.set_recv_buffer(NOTIFY_RCVBUF)?;
        self.sock.join(id)
    }

    /// Waits for the next multicast messages of the family (after [`Rvnet::join`]).
    pub fn notifications(&mut self) -> Result<Vec<Notification>> {
        self.sock.recv_notifications(self.family.id)
    }
}

/// Receive buffer asked for when listening to notifications (`ip monitor` asks for 1 MiB).
const NOTIFY_RCVBUF: usize = 1 << 20;

/// A `struct nlattr` with its padding, written by hand: the tests' reference encoding.
#[cfg(test)]
pub(crate) fn raw_attr(ty: u16, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(NLA_HDRLEN + payload.len()).unwrap();
    let mut out = Vec::new();
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(payload);
    out.resize(nla_align(out.len()), 0);
    out
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use neli::ToBytes;

    use super::{raw_attr as raw, *};

    fn serialise(attr: &Attr) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        attr.to_bytes(&mut buf).unwrap();
        buf.into_inner()
    }

    #[test]
    fn string_attr_is_nul_terminated_and_padded() {
        let bytes = serialise(&attr_str(2, "rvnet").unwrap());
        assert_eq!(bytes, raw(2, b"rvnet\0"));
        assert_eq!(bytes.len(), 12);
        assert_eq!(u16::from_ne_bytes([bytes[0], bytes[1]]), 10);
    }

    #[test]
    fn encoded_attrs_decode_back() {
        let mut buf = serialise(&attr_u32(1, 0xdead_beef).unwrap());
        buf.extend(serialise(&attr_str(2, "veth0").unwrap()));
        buf.extend(serialise(&attr_u8(7, 1).unwrap()));
        let attrs = Attrs::parse(&buf).unwrap();
        assert_eq!(attrs.u32(1).unwrap(), Some(0xdead_beef));
        assert_eq!(attrs.string(2).as_deref(), Some("veth0"));
        assert_eq!(attrs.u8(7).unwrap(), Some(1));
        assert_eq!(attrs.iter().count(), 3);
    }

    #[test]
    fn absent_attr_is_none_and_wrong_size_is_an_error() {
        let attrs = Attrs::parse(&raw(3, &[1, 2])).unwrap();
        assert_eq!(attrs.u32(4).unwrap(), None);
        assert!(matches!(attrs.u32(3), Err(Error::Malformed(_))));
    }

    #[test]
    fn u64_and_s32_decode() {
        let mut buf = raw(1, &u64::MAX.to_ne_bytes());
        buf.extend(raw(9, &(-1i32).to_ne_bytes()));
        let attrs = Attrs::parse(&buf).unwrap();
        assert_eq!(attrs.u64(1).unwrap(), Some(u64::MAX));
        assert_eq!(attrs.s32(9).unwrap(), Some(-1));
    }

    #[test]
    fn nested_flag_is_masked_and_nest_parses() {
        let inner = raw(uapi::RVNET_A_STATS_RX_PACKETS, &5u64.to_ne_bytes());
        let buf = raw(uapi::RVNET_A_PAIR_STATS | 1 << 15, &inner);
        let attrs = Attrs::parse(&buf).unwrap();
        let stats = attrs.nested(uapi::RVNET_A_PAIR_STATS).unwrap().unwrap();
        assert_eq!(stats.u64(uapi::RVNET_A_STATS_RX_PACKETS).unwrap(), Some(5));
    }

    #[test]
    fn truncated_attr_is_refused() {
        let mut buf = raw(2, b"rvnet\0");
        buf.truncate(8);
        assert!(matches!(Attrs::parse(&buf), Err(Error::Malformed(_))));
    }

    #[test]
    fn string_without_nul_is_accepted() {
        let attrs = Attrs::parse(&raw(1, b"abc")).unwrap();
        assert_eq!(attrs.string(1).as_deref(), Some("abc"));
    }

    #[test]
    fn family_decodes_from_nlctrl_reply() {
        use nlctrl::*;

        let group = |idx: u16, name: &str, id: u32| {
            let mut nest = raw(CTRL_ATTR_MCAST_GRP_ID, &id.to_ne_bytes());
            nest.extend(raw(
                CTRL_ATTR_MCAST_GRP_NAME,
                format!("{name}\0").as_bytes(),
            ));
            raw(idx, &nest)
        };
        let mut groups = group(1, "notify", 9);
        groups.extend(group(2, "other", 10));
        let mut buf = raw(CTRL_ATTR_FAMILY_NAME, b"rvnet\0");
        buf.extend(raw(CTRL_ATTR_FAMILY_ID, &34u16.to_ne_bytes()));
        buf.extend(raw(CTRL_ATTR_VERSION, &1u32.to_ne_bytes()));
        buf.extend(raw(CTRL_ATTR_MCAST_GROUPS, &groups));

        let family = Family::from_attrs(&Attrs::parse(&buf).unwrap()).unwrap();
        assert_eq!(family.name, "rvnet");
        assert_eq!(family.id, 34);
        assert_eq!(family.version, Some(1));
        assert_eq!(family.mcast_group("notify"), Some(9));
        assert_eq!(family.mcast_group("other"), Some(10));
        assert_eq!(family.mcast_group("missing"), None);
    }

    #[test]
    fn family_without_id_is_malformed() {
        let buf = raw(nlctrl::CTRL_ATTR_FAMILY_NAME, b"rvnet\0");
        let attrs = Attrs::parse(&buf).unwrap();
        assert!(matches!(
            Family::from_attrs(&attrs),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn kernel_error_keeps_extack_message() {
        let mut buf = raw(nlmsgerr_attr::NLMSGERR_ATTR_MSG, b"name in use\0");
        buf.extend(raw(
            nlmsgerr_attr::NLMSGERR_ATTR_MISS_TYPE,
            &2u32.to_ne_bytes(),
        ));
        let err = kernel_error(-17, &Attrs::parse(&buf).unwrap());
        assert_eq!(err.errno, 17);
        assert_eq!(err.message.as_deref(), Some("name in use"));
        assert_eq!(err.missing_attr, Some(2));
    }

    #[test]
    fn kernel_error_without_extack_has_no_message() {
        let err = kernel_error(-1, &Attrs::default());
        assert_eq!(err.errno, 1);
        assert_eq!(err.message, None);
        assert_eq!(err.missing_attr, None);
    }

    // The tests below talk to the running kernel (no privileges needed); run them with
    // `cargo test -- --ignored`.

    #[test]
    #[ignore = "needs a kernel with generic netlink"]
    fn live_resolve_nlctrl() {
        let family = GenlSocket::open().unwrap().resolve("nlctrl").unwrap();
        assert_eq!(family.name, "nlctrl");
        assert_eq!(family.id, nlctrl::GENL_ID_CTRL);
        assert_eq!(family.version, Some(u32::from(nlctrl::CTRL_VERSION)));
        assert!(family.mcast_group("notify").is_some());
    }

    #[test]
    #[ignore = "needs a kernel with generic netlink"]
    fn live_missing_family_is_not_found() {
        let err = GenlSocket::open()
            .unwrap()
            .resolve("rvnet-nosuch")
            .unwrap_err();
        assert!(
            matches!(&err, Error::FamilyNotFound(name) if name == "rvnet-nosuch"),
            "{err:?}"
        );
    }

    #[test]
    #[ignore = "needs a kernel with generic netlink"]
    fn live_extack_message_reaches_caller() {
        // Family names are at most GENL_NAMSIZ - 1 = 15 bytes; nlctrl's policy says why not.
        let err = GenlSocket::open()
            .unwrap()
            .resolve("a-name-too-long-for-genl")
            .unwrap_err();
        match err {
            Error::Kernel(k) => {
                assert_eq!(k.errno, Errno::EINVAL as i32);
                assert!(k.message.is_some_and(|m| !m.is_empty()));
            }
            err => panic!("{err:?}"),
        }
    }

    #[test]
    #[ignore = "needs a kernel with generic netlink"]
    fn live_kernel_refusal_is_a_kernel_error() {
        // GETFAMILY with neither name nor id is refused with EINVAL.
        let mut sock = GenlSocket::open().unwrap();
        let err = sock
            .request(
                nlctrl::GENL_ID_CTRL,
                nlctrl::CTRL_VERSION,
                nlctrl::CTRL_CMD_GETFAMILY,
                Vec::new(),
            )
            .unwrap_err();
        assert!(
            matches!(&err, Error::Kernel(k) if k.errno == Errno::EINVAL as i32),
            "{err:?}"
        );
        // The socket is still usable afterwards.
        assert_eq!(sock.resolve("nlctrl").unwrap().id, nlctrl::GENL_ID_CTRL);
    }

    #[test]
    #[ignore = "needs a kernel with generic netlink"]
    fn live_dump_lists_nlctrl() {
        let families = GenlSocket::open().unwrap().families().unwrap();
        assert!(families
            .iter()
            .any(|f| f.name == "nlctrl" && f.id == nlctrl::GENL_ID_CTRL));
    }
}
