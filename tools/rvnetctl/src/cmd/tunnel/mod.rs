// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl tunnel`: a point-to-point UDP overlay over an rtun (or tun) device.
//!
//! The device is attached with `TUNSETIFF` (`IFF_NO_PI`, tun or tap) on a file of
//! `--device-path`; a device that did not exist is made for the run and goes away with it.
//! Every packet (tun) or frame (tap) the device sends is sent as one UDP datagram from
//! `--local` to `--remote`; every datagram from the remote address is checked (see
//! [`check`]) and written to the device. One thread waits with `poll` on the device, the
//! socket and a signalfd for SIGINT and SIGTERM, which end the run: the counters are then
//! printed, and the exit status is 0.

pub mod check;

use std::{
    fs::File,
    io::{ErrorKind, Read, Write},
    net::{SocketAddr, UdpSocket},
    os::fd::{AsFd, OwnedFd},
    path::PathBuf,
    time::Instant,
};

use clap::Args;
use nix::{
    errno::Errno,
    poll::{poll, PollFd, PollFlags, PollTimeout},
    sys::{
        signal::{SigSet, Signal},
        signalfd::{SfdFlags, SignalFd},
    },
};
use serde::Serialize;

use self::check::{check_datagram, Drops, Flow, Reason};
use super::{
    ifname,
    tundev::{self, Mode, DEFAULT_PATH},
    Opts,
};
use crate::{
    error::{Error, Result},
    ifreq::IfReq,
    output::{self, Format, Table},
    sys,
};

/// How often the device's MTU is read again while nothing happens, and how long a send
/// waits for room in the socket's buffer (milliseconds).
const IDLE_MS: u16 = 1000;
/// Packets taken from one side at most before the other side gets its turn.
const BATCH: usize = 64;
/// The socket's buffer sizes asked for: room for bursts while the other side is served.
const SOCK_BUF: usize = 4 << 20;

const EXAMPLES: &str = "\
Forwards every packet of the device to --remote in a UDP datagram, and writes every
datagram from --remote's address to the device, until SIGINT or SIGTERM. Datagrams that
are truncated (shorter than an IP or Ethernet header, or than the IP header says), too
long (over the device's MTU plus the Ethernet header in tap mode), of the wrong length,
not IP (tun mode) or from another address are counted and dropped. A device that did not
exist is created for the run and deleted at exit. Prints a line starting with `ready:`
once the device and the socket are set up (on stderr with -j), and the counters at exit.

Examples:
  # two hosts (or namespaces), 10.0.0.1 and 10.0.0.2:
  rvnetctl tunnel --dev ov0 --local 10.0.0.1:4789 --remote 10.0.0.2:4789 &
  ip addr add 172.16.0.1/24 dev ov0; ip link set ov0 mtu 1400 up
  rvnetctl tunnel --dev ov0 --local 10.0.0.2:4789 --remote 10.0.0.1:4789 &
  ip addr add 172.16.0.2/24 dev ov0; ip link set ov0 mtu 1400 up
  ping 172.16.0.1
  kill %1                                          # prints the counters

  rvnetctl -j tunnel --dev tap0 --mode tap --local 10.0.0.1:4789 --remote 10.0.0.2:4789
  rvnetctl tunnel --dev tun0 --device-path /dev/net/tun --local ... --remote ...

JSON keys (-j, at exit): device, path, mode, local, remote, to_peer and from_peer
(packets, bytes: the packets or frames, without UDP/IP headers), dropped (total and one key
per reason: truncated, oversized, bad_length, not_ip, foreign, write_failed, send_failed),
signal, elapsed_s.";

/// `rvnetctl tunnel`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
#[command(after_help = EXAMPLES)]
pub struct TunnelArgs {
    /// The device to create or attach to (a template such as ov%d works too).
    #[arg(long, value_name = "NAME", value_parser = ifname)]
    pub dev: String,

    /// The UDP address to bind.
    #[arg(long, value_name = "ADDR:PORT")]
    pub local: SocketAddr,

    /// The peer: datagrams go there, and only datagrams from its address are accepted.
    #[arg(long, value_name = "ADDR:PORT")]
    pub remote: SocketAddr,

    /// IP packets (tun) or Ethernet frames (tap).
    #[arg(long, value_enum, default_value_t = Mode::Tun)]
    pub mode: Mode,

    /// The tun character device to open (/dev/net/tun is the kernel's own).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_PATH)]
    pub device_path: PathBuf,
}

/// What a run did, printed at its end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TunnelReport {
    /// The device's name.
    pub device: String,
    /// The character device opened.
    pub path: String,
    /// tun or tap.
    pub mode: Mode,
    /// The bound address.
    pub local: SocketAddr,
    /// The peer.
    pub remote: SocketAddr,
    /// Read from the device and sent to the peer.
    pub to_peer: Flow,
    /// Received from the peer and written to the device.
    pub from_peer: Flow,
    /// Not forwarded, by reason.
    pub dropped: Drops,
    /// The signal that ended the run, if one did.
    pub signal: Option<String>,
    /// How long the run lasted.
    pub elapsed_s: f64,
    /// `-s -s`: the table lists every drop reason, zero or not (JSON always does).
    #[serde(skip)]
    pub every_reason: bool,
}

impl Table for TunnelReport {
    fn rows(&self) -> Vec<(&'static str, String)> {
        let flow = |f: &Flow| format!("{} packets, {} bytes", f.packets, f.bytes);
        vec![
            ("device", self.device.clone()),
            ("path", self.path.clone()),
            ("mode", self.mode.to_string()),
            ("local", self.local.to_string()),
            ("remote", self.remote.to_string()),
            ("to_peer", flow(&self.to_peer)),
            ("from_peer", flow(&self.from_peer)),
            (
                "dropped",
                format!("{} ({})", self.dropped.total(), self.dropped.summary()),
            ),
        ]
        .into_iter()
        .chain(
            Reason::ALL
                .iter()
                .filter(|_| self.every_reason)
                .map(|r| (r.name(), self.dropped.get(*r).to_string())),
        )
        .chain([
            ("signal", self.signal.clone().unwrap_or_else(|| "-".into())),
            ("elapsed", format!("{:.3} s", self.elapsed_s)),
        ])
        .collect()
    }
}

/// The `ready:` line.
pub fn ready_line(device: &str, args: &TunnelArgs) -> String {
    format!(
        "ready: {device} ({}, {}) {} -> {}",
        args.mode,
        args.device_path.display(),
        args.local,
        args.remote
    )
}

/// Asks for [`SOCK_BUF`] bytes of socket buffers, beyond the sysctl limits when we may
/// (`SO_RCVBUFFORCE` needs CAP_NET_ADMIN); the defaults are kept if neither works.
fn size_buffers(sock: &UdpSocket) {
    use nix::sys::socket::{setsockopt, sockopt};
    if setsockopt(sock, sockopt::RcvBufForce, &SOCK_BUF).is_err() {
        let _ = setsockopt(sock, sockopt::RcvBuf, &SOCK_BUF);
    }
    if setsockopt(sock, sockopt::SndBufForce, &SOCK_BUF).is_err() {
        let _ = setsockopt(sock, sockopt::SndBuf, &SOCK_BUF);
    }
}

/// A run: the device, the socket, the counters.
struct Tunnel {
    file: File,
    sock: UdpSocket,
    /// For `SIOCGIFMTU`.
    inet: OwnedFd,
    device: String,
    path: String,
    mode: Mode,
    remote: SocketAddr,
    mtu: u32,
    buf: Vec<u8>,
    to_peer: Flow,
    from_peer: Flow,
    dropped: Drops,
}

impl Tunnel {
    /// Reads the device's MTU again (it may be changed at any time).
    fn refresh_mtu(&mut self) -> Result<()> {
        let mut req = IfReq::new(&self.device)?;
        self.mtu = sys::get_mtu(self.inet.as_fd(), &mut req).map_err(|errno| Error::Sys {
            what: format!("SIOCGIFMTU {}", self.device),
            errno,
        })?;
        Ok(())
    }

    /// Sends `len` bytes of `buf` to the peer, waiting (a little) while the socket's buffer
    /// is full.
    fn send(&self, len: usize) -> bool {
        for _ in 0..2 {
            match self.sock.send_to(&self.buf[..len], self.remote) {
                Ok(_) => return true,
                Err(err) if err.kind() == ErrorKind::WouldBlock => {
                    let mut fds = [PollFd::new(self.sock.as_fd(), PollFlags::POLLOUT)];
                    let _ = poll(&mut fds, PollTimeout::from(IDLE_MS));
                }
                Err(_) => return false,
            }
        }
        false
    }

    /// The packets waiting on the device (up to [`BATCH`]), to the peer.
    fn device_to_peer(&mut self) -> Result<()> {
        for _ in 0..BATCH {
            let len = match self.file.read(&mut self.buf) {
                Ok(len) => len,
                Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                Err(err) => return Err(Error::io(format!("read from {}", self.path), &err)),
            };
            match self.send(len) {
                true => self.to_peer.add(len),
                false => self.dropped.add(Reason::SendFailed),
            }
        }
        Ok(())
    }

    /// The datagrams waiting on the socket (up to [`BATCH`]), to the device if they pass.
    fn peer_to_device(&mut self) -> Result<()> {
        for _ in 0..BATCH {
            let (len, from) = match self.sock.recv_from(&mut self.buf) {
                Ok(got) => got,
                Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(()),
                // Or an ICMP error about an earlier datagram: nothing to forward.
                Err(err)
                    if matches!(
                        err.kind(),
                        ErrorKind::Interrupted | ErrorKind::ConnectionRefused
                    ) =>
                {
                    continue
                }
                Err(err) => return Err(Error::io("receive from the UDP socket", &err)),
            };
            if from.ip() != self.remote.ip() {
                self.dropped.add(Reason::Foreign);
                continue;
            }
            let mut verdict = check_datagram(self.mode, self.mtu, &self.buf[..len]);
            if verdict == Err(Reason::Oversized) {
                // The MTU may have grown since it was read.
                self.refresh_mtu()?;
                verdict = check_datagram(self.mode, self.mtu, &self.buf[..len]);
            }
            if let Err(reason) = verdict {
                self.dropped.add(reason);
                continue;
            }
            match self.file.write(&self.buf[..len]) {
                Ok(n) if n == len => self.from_peer.add(len),
                _ => self.dropped.add(Reason::WriteFailed),
            }
        }
        Ok(())
    }

    /// Forwards until a signal comes; returns its name.
    fn forward(&mut self, signals: &SignalFd) -> Result<String> {
        let ready = PollFlags::POLLIN;
        let gone = PollFlags::POLLERR | PollFlags::POLLHUP | PollFlags::POLLNVAL;
        loop {
            let (dev, sock, sig) = {
                let mut fds = [
                    PollFd::new(self.file.as_fd(), ready),
                    PollFd::new(self.sock.as_fd(), ready),
                    PollFd::new(signals.as_fd(), ready),
                ];
                match poll(&mut fds, PollTimeout::from(IDLE_MS)) {
                    Ok(0) => {
                        self.refresh_mtu()?;
                        continue;
                    }
                    Ok(_) => {}
                    Err(Errno::EINTR) => continue,
                    Err(errno) => {
                        return Err(Error::Sys {
                            what: "poll".into(),
                            errno,
                        })
                    }
                }
                let ev = |i: usize| fds[i].revents().unwrap_or(PollFlags::empty());
                (ev(0), ev(1), ev(2))
            };
            if sig.contains(ready) {
                if let Ok(Some(info)) = signals.read_signal() {
                    return Ok(Signal::try_from(info.ssi_signo as i32)
                        .map_or_else(|_| info.ssi_signo.to_string(), |s| s.as_str().into()));
                }
            }
            if dev.intersects(gone) && !dev.contains(ready) {
                // Read to learn why (the device was deleted: EBADFD).
                let err = self
                    .file
                    .read(&mut self.buf)
                    .err()
                    .unwrap_or_else(|| std::io::Error::from_raw_os_error(Errno::EBADFD as i32));
                return Err(Error::io(format!("read from {}", self.path), &err));
            }
            if dev.contains(ready) {
                self.device_to_peer()?;
            }
            if sock.contains(ready) {
                self.peer_to_device()?;
            }
        }
    }
}

/// `rvnetctl tunnel`.
pub fn run(args: &TunnelArgs, opts: Opts) -> Result<()> {
    // Blocked before anything else, so that a signal is never lost: it waits in the
    // signalfd (a blocked signal is queued even where its disposition is to ignore it,
    // as SIGINT's is for a background job of a script).
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGINT);
    mask.add(Signal::SIGTERM);
    mask.thread_block().map_err(|errno| Error::Sys {
        what: "sigprocmask".into(),
        errno,
    })?;
    let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .map_err(|errno| Error::Sys {
            what: "signalfd".into(),
            errno,
        })?;

    let (file, device) = tundev::attach(&args.device_path, &args.dev, args.mode, false)?;
    let sock = UdpSocket::bind(args.local)
        .map_err(|err| Error::io(format!("cannot bind a UDP socket to {}", args.local), &err))?;
    sock.set_nonblocking(true)
        .map_err(|err| Error::io("cannot make the UDP socket non-blocking", &err))?;
    size_buffers(&sock);
    let inet = sys::inet_socket().map_err(|errno| Error::Sys {
        what: "cannot open an AF_INET socket".into(),
        errno,
    })?;
    let mut tunnel = Tunnel {
        file,
        sock,
        inet,
        device: device.clone(),
        path: args.device_path.display().to_string(),
        mode: args.mode,
        remote: args.remote,
        mtu: 0,
        buf: vec![0; 65536],
        to_peer: Flow::default(),
        from_peer: Flow::default(),
        dropped: Drops::default(),
    };
    tunnel.refresh_mtu()?;

    let line = ready_line(&device, args);
    match opts.format {
        Format::Table => println!("{line}"),
        Format::Json | Format::JsonPretty => eprintln!("{line}"),
    }
    let start = Instant::now();
    let outcome = tunnel.forward(&signals);
    let report = TunnelReport {
        device,
        path: tunnel.path.clone(),
        mode: args.mode,
        local: args.local,
        remote: args.remote,
        to_peer: tunnel.to_peer,
        from_peer: tunnel.from_peer,
        dropped: tunnel.dropped,
        signal: outcome.as_ref().ok().cloned(),
        elapsed_s: start.elapsed().as_secs_f64(),
        every_reason: opts.stats >= 2,
    };
    // The device goes before the counters are printed: a script that saw them may count on
    // a non-persistent device being gone.
    drop(tunnel);
    output::print(&report, opts.format)?;
    outcome.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::render;

    fn args() -> TunnelArgs {
        TunnelArgs {
            dev: "ov0".into(),
            local: "10.0.0.1:4789".parse().unwrap(),
            remote: "10.0.0.2:4789".parse().unwrap(),
            mode: Mode::Tun,
            device_path: DEFAULT_PATH.into(),
        }
    }

    fn report() -> TunnelReport {
        let a = args();
        let mut dropped = Drops::default();
        dropped.add(Reason::Truncated);
        dropped.add(Reason::Oversized);
        TunnelReport {
            device: a.dev,
            path: DEFAULT_PATH.into(),
            mode: a.mode,
            local: a.local,
            remote: a.remote,
            to_peer: Flow {
                packets: 5,
                bytes: 420,
            },
            from_peer: Flow {
                packets: 4,
                bytes: 336,
            },
            dropped,
            signal: Some("SIGTERM".into()),
            elapsed_s: 1.5,
            every_reason: false,
        }
    }

    #[test]
    fn ready_line_names_everything() {
        assert_eq!(
            ready_line("ov0", &args()),
            "ready: ov0 (tun, /dev/net/rtun) 10.0.0.1:4789 -> 10.0.0.2:4789"
        );
    }

    #[test]
    fn report_as_table() {
        let text = render(&report(), Format::Table).unwrap();
        assert!(text.contains("to_peer   5 packets, 420 bytes\n"), "{text}");
        assert!(text.contains("from_peer 4 packets, 336 bytes\n"), "{text}");
        assert!(
            text.contains("dropped   2 (truncated 1, oversized 1)\n"),
            "{text}"
        );
        assert!(text.contains("signal    SIGTERM\n"), "{text}");
        assert!(!text.contains("bad_length"), "{text}");
        let every = TunnelReport {
            every_reason: true,
            ..report()
        };
        let text = render(&every, Format::Table).unwrap();
        assert!(text.contains("\noversized    1\n"), "{text}");
        assert!(text.contains("\nsend_failed  0\n"), "{text}");
        assert_eq!(text.lines().count(), 8 + Reason::ALL.len() + 2);
        assert_eq!(
            render(&every, Format::Json).unwrap(),
            render(&report(), Format::Json).unwrap()
        );
    }

    #[test]
    fn report_as_json() {
        let json: serde_json::Value =
            serde_json::from_str(&render(&report(), Format::Json).unwrap()).unwrap();
        assert_eq!(json["to_peer"]["packets"], 5);
        assert_eq!(json["from_peer"]["bytes"], 336);
        assert_eq!(json["dropped"]["total"], 2);
        assert_eq!(json["dropped"]["oversized"], 1);
        assert_eq!(json["dropped"]["foreign"], 0);
        assert_eq!(json["mode"], "tun");
        assert_eq!(json["local"], "10.0.0.1:4789");
        assert_eq!(json["signal"], "SIGTERM");
    }
}
