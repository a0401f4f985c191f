// SPDX-License-Identifier: GPL-2.0

//! Errors, and the exit codes they map to (iproute2's convention).

use std::{fmt, io};

use nix::errno::Errno;

/// Exit status of the process, as iproute2 uses them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Everything worked.
    Ok = 0,
    /// Userspace could not do its part (socket, namespace, malformed reply).
    Userspace = 1,
    /// The kernel refused the request.
    Kernel = 2,
    /// The command line could not be parsed.
    Usage = 255,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        (code as u8).into()
    }
}

/// What the kernel said when it refused a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelError {
    /// Positive errno.
    pub errno: i32,
    /// The extended ack's message (`NLMSGERR_ATTR_MSG`), if the kernel gave one.
    pub message: Option<String>,
    /// The attribute the kernel found missing (`NLMSGERR_ATTR_MISS_TYPE`), if any.
    pub missing_attr: Option<u32>,
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(msg) => f.write_str(msg)?,
            None => f.write_str(Errno::from_raw(self.errno).desc())?,
        }
        if let Some(ty) = self.missing_attr {
            write!(f, " (missing attribute {ty})")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in `rvnetctl`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// nlctrl does not know the `rvnet` family.
    #[error("rvnet module not loaded")]
    ModuleNotLoaded,
    /// nlctrl does not know a generic netlink family.
    #[error("generic netlink family \"{0}\" not found")]
    FamilyNotFound(String),
    /// The kernel answered a request with an error.
    #[error("{0}")]
    Kernel(KernelError),
    /// The netlink socket failed, or a message could not be built.
    #[error("netlink: {0}")]
    Netlink(String),
    /// The socket's receive buffer overflowed: the kernel dropped messages (`ENOBUFS`).
    #[error("netlink receive buffer overrun, messages were lost")]
    Overrun,
    /// The kernel's reply did not have the expected shape.
    #[error("malformed reply: {0}")]
    Malformed(String),
    /// `-n NAME` named something that is not a namespace name.
    #[error("invalid network namespace name \"{0}\"")]
    NetnsName(String),
    /// `-n NAME`: the namespace could not be opened or entered.
    #[error("cannot {action} network namespace \"{name}\": {}", .errno.desc())]
    Netns {
        /// The name given with `-n`.
        name: String,
        /// What failed: `open` or `enter` (setns).
        action: &'static str,
        /// Why.
        errno: Errno,
    },
    /// A device name the kernel would not accept (empty, too long, with `/`, `:`, spaces).
    #[error("invalid device name \"{0}\"")]
    DeviceName(String),
    /// `--user NAME`: no such user.
    #[error("unknown user \"{0}\"")]
    NoUser(String),
    /// `--group NAME`: no such group.
    #[error("unknown group \"{0}\"")]
    NoGroup(String),
    /// A device named on the command line does not exist.
    #[error("cannot find device \"{0}\"")]
    NoDevice(String),
    /// A system call failed; `what` says which and on what.
    #[error("{what}: {}", .errno.desc())]
    Sys {
        /// The call and its object, e.g. `TUNSETIFF on /dev/net/tun`.
        what: String,
        /// Why.
        errno: Errno,
    },
    /// An `exercise` run did not verify: lost, reordered or damaged packets, a peer that
    /// went quiet, counters that moved by the wrong amount.
    #[error("{0}")]
    Exercise(String),
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
}

impl Error {
    /// [`Error::Sys`] for a failed I/O call: `what` failed with `err`'s errno (`EIO` when it
    /// has none).
    pub fn io(what: impl Into<String>, err: &io::Error) -> Self {
        Error::Sys {
            what: what.into(),
            errno: err.raw_os_error().map_or(Errno::EIO, Errno::from_raw),
        }
    }

    /// The exit code iproute2 would use for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Kernel(_) => ExitCode::Kernel,
            _ => ExitCode::Userspace,
        }
    }
}

/// The line printed on stderr for an error: `Error: <message>.`, like iproute2 (which adds
/// the final period only when the message has none).
pub fn error_line(err: &Error) -> String {
    let msg = err.to_string();
    if msg.ends_with('.') {
        format!("Error: {msg}")
    } else {
        format!("Error: {msg}.")
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel(errno: i32, message: Option<&str>, missing_attr: Option<u32>) -> Error {
        Error::Kernel(KernelError {
            errno,
            message: message.map(str::to_owned),
            missing_attr,
        })
    }

    #[test]
    fn module_not_loaded_is_a_userspace_error() {
        assert_eq!(
            error_line(&Error::ModuleNotLoaded),
            "Error: rvnet module not loaded."
        );
        assert_eq!(Error::ModuleNotLoaded.exit_code(), ExitCode::Userspace);
    }

    #[test]
    fn kernel_error_prefers_extack_message() {
        let err = kernel(Errno::EINVAL as i32, Some("pair name already in use"), None);
        assert_eq!(error_line(&err), "Error: pair name already in use.");
        assert_eq!(err.exit_code(), ExitCode::Kernel);
    }

    #[test]
    fn kernel_error_without_extack_uses_strerror() {
        let err = kernel(Errno::EPERM as i32, None, None);
        assert_eq!(error_line(&err), "Error: Operation not permitted.");
    }

    #[test]
    fn kernel_error_names_missing_attribute() {
        let err = kernel(Errno::EINVAL as i32, None, Some(2));
        assert_eq!(
            error_line(&err),
            "Error: Invalid argument (missing attribute 2)."
        );
    }

    #[test]
    fn final_period_is_not_doubled() {
        let err = kernel(Errno::EINVAL as i32, Some("Bad name."), None);
        assert_eq!(error_line(&err), "Error: Bad name.");
    }

    #[test]
    fn system_call_errors_name_the_call() {
        let err = Error::Sys {
            what: "open /dev/net/rtun".into(),
            errno: Errno::ENOENT,
        };
        assert_eq!(
            error_line(&err),
            "Error: open /dev/net/rtun: No such file or directory."
        );
        assert_eq!(err.exit_code(), ExitCode::Userspace);
    }

    #[test]
    fn failed_exercise_is_a_userspace_error() {
        let err = Error::Exercise("echo reply 3: payload differs at byte 9".into());
        assert_eq!(
            error_line(&err),
            "Error: echo reply 3: payload differs at byte 9."
        );
        assert_eq!(err.exit_code(), ExitCode::Userspace);
    }

    #[test]
    fn exit_codes_follow_iproute2() {
        assert_eq!(ExitCode::Ok as u8, 0);
        assert_eq!(ExitCode::Userspace as u8, 1);
        assert_eq!(ExitCode::Kernel as u8, 2);
        assert_eq!(ExitCode::Usage as u8, 255);
    }
}
