// SPDX-License-Identifier: GPL-2.0

//! `-n NAME`: run in a named network namespace, like `ip -n NAME`.

use std::{
    fs::File,
    io,
    path::{Path, PathBuf},
};

use nix::{errno::Errno, sched::CloneFlags};

use crate::error::{Error, Result};

/// Where `ip netns add` puts its namespace handles.
pub const NETNS_RUN_DIR: &str = "/run/netns";

/// The handle of the namespace called `name`; refuses names that would leave the directory.
pub fn path(name: &str) -> Result<PathBuf> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(Error::NetnsName(name.to_owned()));
    }
    Ok(PathBuf::from(NETNS_RUN_DIR).join(name))
}

/// Moves this thread into the network namespace called `name`; sockets opened afterwards
/// talk to that namespace's kernel objects.
pub fn enter(name: &str) -> Result<()> {
    enter_handle(name, &path(name)?)
}

/// Opens the handle of the namespace called `name`, e.g. to pass its fd to the kernel.
pub fn open(name: &str) -> Result<File> {
    File::open(path(name)?).map_err(|err| Error::Netns {
        name: name.to_owned(),
        action: "open",
        errno: errno_of(&err),
    })
}

/// Moves this thread into the network namespace whose handle is at `handle`.
fn enter_handle(name: &str, handle: &Path) -> Result<()> {
    let fail = |action, errno| Error::Netns {
        name: name.to_owned(),
        action,
        errno,
    };
    let handle = File::open(handle).map_err(|err| fail("open", errno_of(&err)))?;
    nix::sched::setns(&handle, CloneFlags::CLONE_NEWNET).map_err(|errno| fail("enter", errno))
}

fn errno_of(err: &io::Error) -> Errno {
    err.raw_os_error()
        .map_or(Errno::UnknownErrno, Errno::from_raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_maps_to_run_netns() {
        assert_eq!(path("foo").unwrap(), PathBuf::from("/run/netns/foo"));
    }

    #[test]
    fn names_leaving_the_directory_are_refused() {
        for name in ["", ".", "..", "a/b", "../etc"] {
            assert!(
                matches!(path(name), Err(Error::NetnsName(n)) if n == name),
                "{name:?} accepted"
            );
        }
    }

    #[test]
    #[ignore = "needs CAP_SYS_ADMIN"]
    fn live_enter_own_namespace() {
        // Re-entering the namespace this thread is already in changes nothing.
        enter_handle("self", Path::new("/proc/self/ns/net")).unwrap();
    }

    #[test]
    #[ignore = "needs CAP_SYS_ADMIN"]
    fn live_other_namespace_type_is_refused() {
        let err = enter_handle("uts", Path::new("/proc/self/ns/uts")).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Netns {
                    action: "enter",
                    errno: Errno::EINVAL,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn missing_namespace_handle_is_not_opened() {
        let err = open("rvnetctl-test-no-such-netns").unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Netns {
                    action: "open",
                    errno: Errno::ENOENT,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(matches!(open("../x"), Err(Error::NetnsName(_))));
    }

    #[test]
    fn missing_namespace_fails_to_open() {
        let err = enter("rvnetctl-test-no-such-netns").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot open network namespace \"rvnetctl-test-no-such-netns\": \
             No such file or directory"
        );
    }
}
