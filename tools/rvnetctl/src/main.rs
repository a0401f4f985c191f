// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl`: command line wiring and exit codes.

#![forbid(unsafe_code)]

use std::{io, path::PathBuf};

use clap::{ArgAction, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;
use rvnetctl::{
    cmd::{
        self, exercise::Exercise, monitor::MonitorArgs, pair::PairCmd, tun::TunCmd,
        tunnel::TunnelArgs, Opts,
    },
    error::{error_line, Error, ExitCode, Result},
    netns,
    output::Format,
};

const EXAMPLES: &str = "\
Examples:
  rvnetctl info
  rvnetctl pair add veth0 --peer veth1
  rvnetctl -j pair list
  rvnetctl tun add rtun0 --mode tun
  rvnetctl -n blue -s tun list
  rvnetctl -s -s pair show veth0               # with the error counters too
  rvnetctl -j monitor
  rvnetctl tunnel --dev ov0 --local 10.0.0.1:4789 --remote 10.0.0.2:4789
  rvnetctl p a veth0 --peer veth1              # unique prefixes work, as with `ip l a`
  rvnetctl completions bash > /etc/bash_completion.d/rvnetctl

Exit status: 0 ok, 1 error in rvnetctl, 2 the kernel refused, 255 bad command line.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  rvnetctl completions bash > /etc/bash_completion.d/rvnetctl
  rvnetctl completions zsh > ~/.zfunc/_rvnetctl
  source <(rvnetctl completions bash)";

const MANPAGE_EXAMPLES: &str = "\
Examples:
  rvnetctl manpage | man -l -                  # the main page, to stdout
  rvnetctl manpage /usr/share/man/man1         # rvnetctl.1 and one page per subcommand";

/// Control rvnet virtual network devices.
#[derive(Debug, Parser)]
#[command(
    name = "rvnetctl",
    version,
    arg_required_else_help = true,
    infer_subcommands = true,
    after_help = EXAMPLES
)]
struct Cli {
    /// Print JSON.
    #[arg(short, long, global = true)]
    json: bool,

    /// Indent JSON output (with -j).
    #[arg(short, long, global = true)]
    pretty: bool,

    /// Show statistics, as `ip -s`; `-s -s` shows more, as `ip -s -s`.
    ///
    /// `pair` and `tun` tables: -s adds the packet, byte and drop counters; -s -s also the
    /// error counters of /proc/net/dev (rx errors, fifo, frame, multicast; tx errors,
    /// fifo, collisions, carrier), which then appear in their JSON too (errors,
    /// fifo_errors, frame_errors, multicast, collisions, carrier_errors, as in
    /// `ip -j -s -s link`). `tunnel`: -s -s lists every drop reason in the table.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    stats: u8,

    /// Run in the network namespace NAME (from /run/netns), like `ip -n`.
    #[arg(short, long, global = true, value_name = "NAME")]
    netns: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, PartialEq, Eq, Subcommand)]
enum Command {
    /// Show the family and what the module reports: version, features, counts.
    Info,
    /// Create, delete, list and show rveth pairs.
    Pair {
        #[command(subcommand)]
        cmd: PairCmd,
    },
    /// Create, delete, list and show rtun devices.
    Tun {
        #[command(subcommand)]
        cmd: TunCmd,
    },
    /// Print rvnet's notifications as they come: pairs and rtun devices created and
    /// deleted, carrier changes.
    Monitor(MonitorArgs),
    /// Forward packets between an rtun device and a UDP peer (a point-to-point overlay),
    /// until SIGINT or SIGTERM; print the counters at exit.
    Tunnel(TunnelArgs),
    /// Send traffic through a device and check that all of it arrives, intact and in order.
    Exercise {
        #[command(subcommand)]
        what: Exercise,
    },
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Write the manual pages: rvnetctl.1 to stdout, or rvnetctl.1 and one page per
    /// subcommand into DIR.
    #[command(hide = true, after_help = MANPAGE_EXAMPLES)]
    Manpage {
        /// Where to write the pages (it must exist).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Exit code for a command line clap did not accept (help and version are not errors).
fn usage_exit_code(err: &clap::Error) -> ExitCode {
    if err.use_stderr() {
        ExitCode::Usage
    } else {
        ExitCode::Ok
    }
}

/// The subcommands whose names start with `prefix` (by name or alias), by name.
fn starting_with<'a>(cmd: &'a clap::Command, prefix: &str) -> Vec<&'a str> {
    cmd.get_subcommands()
        .filter(|sub| {
            sub.get_name().starts_with(prefix)
                || sub.get_all_aliases().any(|a| a.starts_with(prefix))
        })
        .map(clap::Command::get_name)
        .collect()
}

/// Follows the subcommands of `args` as clap infers them; the first word that is the
/// prefix of several (`t`: tun and tunnel) and what it could be.
fn ambiguity(cmd: &clap::Command, args: &[String]) -> Option<(String, Vec<String>)> {
    let mut cmd = cmd;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word.starts_with('-') {
            // The one option that takes a value, alone or ending a cluster (`-jn NAME`).
            if word == "--netns" || (!word.starts_with("--") && word.ends_with('n')) {
                words.next();
            }
            continue;
        }
        if let Some(sub) = cmd.find_subcommand(word) {
            cmd = sub;
            continue;
        }
        match starting_with(cmd, word)[..] {
            [name] => cmd = cmd.find_subcommand(name)?,
            [_, _, ..] => {
                let names = starting_with(cmd, word)
                    .iter()
                    .map(|n| n.to_string())
                    .collect();
                return Some((word.clone(), names));
            }
            [] => return None,
        }
    }
    None
}

/// Parses `args` (the program's name first); a prefix of several subcommands is an error
/// that names them.
fn parse_from(args: Vec<String>) -> std::result::Result<Cli, clap::Error> {
    Cli::try_parse_from(&args).map_err(|err| {
        if err.kind() != clap::error::ErrorKind::InvalidSubcommand {
            return err;
        }
        let mut cmd = Cli::command();
        cmd.build();
        match ambiguity(&cmd, args.get(1..).unwrap_or_default()) {
            Some((word, names)) => cmd.error(
                clap::error::ErrorKind::InvalidSubcommand,
                format!("'{word}' is ambiguous: it could be {}", names.join(" or ")),
            ),
            None => err,
        }
    })
}

/// Writes the completion script for `shell` to `out`.
fn completions(shell: Shell, out: &mut dyn io::Write) {
    clap_complete::generate(shell, &mut Cli::command(), "rvnetctl", out);
}

/// The manual pages' command: the parser's, without `help` subcommands (the pages of
/// their parents say as much).
fn man_command() -> clap::Command {
    Cli::command().disable_help_subcommand(true)
}

/// Writes the main manual page, rvnetctl.1, to `out`.
fn manpage(out: &mut dyn io::Write) -> io::Result<()> {
    clap_mangen::Man::new(man_command()).render(out)
}

/// Writes rvnetctl.1 and one page per visible subcommand (rvnetctl-pair-add.1, ...) into
/// `dir`.
fn manpages(dir: &std::path::Path) -> io::Result<()> {
    clap_mangen::generate_to(man_command(), dir)
}

fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Completions { shell } => {
            completions(*shell, &mut io::stdout().lock());
            return Ok(());
        }
        Command::Manpage { dir: None } => return Ok(manpage(&mut io::stdout().lock())?),
        Command::Manpage { dir: Some(dir) } => {
            return manpages(dir).map_err(|err| {
                Error::io(
                    format!("cannot write the manual pages into {}", dir.display()),
                    &err,
                )
            })
        }
        _ => {}
    }
    if let Some(name) = &cli.netns {
        netns::enter(name)?;
    }
    let opts = Opts {
        format: Format::from_flags(cli.json, cli.pretty),
        stats: cli.stats,
    };
    match cli.command {
        Command::Info => cmd::info::run(opts),
        Command::Pair { cmd } => cmd::pair::run(&cmd, opts),
        Command::Tun { cmd } => cmd::tun::run(&cmd, opts),
        Command::Monitor(args) => cmd::monitor::run(&args, opts),
        Command::Tunnel(args) => cmd::tunnel::run(&args, opts),
        Command::Exercise { what } => cmd::exercise::run(&what, opts),
        Command::Completions { .. } | Command::Manpage { .. } => unreachable!("handled above"),
    }
}

fn main() -> std::process::ExitCode {
    let args = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let cli = match parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // Nothing sensible is left to do if stderr is gone.
            let _ = err.print();
            return usage_exit_code(&err).into();
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::Ok.into(),
        Err(err) => {
            eprintln!("{}", error_line(&err));
            err.exit_code().into()
        }
    }
}

#[cfg(test)]
mod tests {
    use rvnetctl::cmd::{
        exercise::{
            pair::PairArgs,
            tun::{Mode, TunArgs},
        },
        pair, tun,
    };

    use super::*;

    fn parse(args: &[&str]) -> std::result::Result<Cli, clap::Error> {
        parse_from(
            std::iter::once("rvnetctl")
                .chain(args.iter().copied())
                .map(str::to_owned)
                .collect(),
        )
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn info_without_flags() {
        let cli = parse(&["info"]).unwrap();
        assert_eq!(cli.command, Command::Info);
        assert!(!cli.json && !cli.pretty);
        assert_eq!(cli.stats, 0);
        assert_eq!(cli.netns, None);
    }

    #[test]
    fn json_flag_before_command() {
        let cli = parse(&["-j", "info"]).unwrap();
        assert!(cli.json);
        assert!(!cli.pretty);
    }

    #[test]
    fn global_flags_after_command() {
        let cli = parse(&["info", "-jp", "-ss"]).unwrap();
        assert!(cli.json && cli.pretty);
        assert_eq!(cli.stats, 2);
    }

    #[test]
    fn netns_by_name() {
        let cli = parse(&["-n", "foo", "info"]).unwrap();
        assert_eq!(cli.netns.as_deref(), Some("foo"));
        let cli = parse(&["--netns=bar", "info"]).unwrap();
        assert_eq!(cli.netns.as_deref(), Some("bar"));
    }

    #[test]
    fn unknown_command_is_a_usage_error() {
        let err = parse(&["frobnicate"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidSubcommand);
        assert_eq!(usage_exit_code(&err), ExitCode::Usage);
    }

    #[test]
    fn unknown_flag_and_missing_value_are_usage_errors() {
        for args in [&["--bogus", "info"][..], &["info", "-n"][..]] {
            let err = parse(args).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Usage, "{args:?}");
        }
    }

    #[test]
    fn no_command_is_a_usage_error() {
        let err = parse(&[]).unwrap_err();
        assert_eq!(usage_exit_code(&err), ExitCode::Usage);
    }

    #[test]
    fn help_and_version_exit_zero() {
        for flag in ["--help", "--version"] {
            let err = parse(&[flag]).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Ok, "{flag}");
        }
    }

    fn exercise(args: &[&str]) -> Exercise {
        let argv: Vec<_> = ["exercise"].iter().chain(args).copied().collect();
        match parse(&argv).unwrap().command {
            Command::Exercise { what } => what,
            other => panic!("{other:?}"),
        }
    }

    fn tun_args(args: &[&str]) -> TunArgs {
        let argv: Vec<_> = ["tun"].iter().chain(args).copied().collect();
        match exercise(&argv) {
            Exercise::Tun(args) => args,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exercise_tun_defaults() {
        assert_eq!(
            tun_args(&["rtun%d"]),
            TunArgs {
                name: "rtun%d".into(),
                path: "/dev/net/rtun".into(),
                mode: Mode::Tun,
                pi: false,
                no_pi: false,
                count: 1000,
                size: 56,
                window: 64,
                addr: "10.203.0.1/24".parse().unwrap(),
            }
        );
    }

    #[test]
    fn exercise_tun_every_option() {
        let args = tun_args(&[
            "tap%d",
            "--path",
            "/dev/net/tun",
            "--mode",
            "tap",
            "--pi",
            "--count",
            "1000000",
            "--size=1472",
            "--window",
            "1",
            "--addr",
            "192.168.7.9/30",
        ]);
        assert_eq!(args.path, std::path::PathBuf::from("/dev/net/tun"));
        assert_eq!((args.mode, args.pi), (Mode::Tap, true));
        assert_eq!((args.count, args.size, args.window), (1_000_000, 1472, 1));
        assert_eq!(args.addr.remote().to_string(), "192.168.7.10");
    }

    #[test]
    fn exercise_tun_with_global_flags() {
        let cli = parse(&["exercise", "tun", "t0", "-j"]).unwrap();
        assert!(cli.json);
    }

    #[test]
    fn exercise_tun_refuses_bad_values() {
        for args in [
            &["exercise", "tun"][..],
            &["exercise", "tun", "t0", "--mode", "tunnel"],
            &["exercise", "tun", "t0", "--count", "0"],
            &["exercise", "tun", "t0", "--count", "-1"],
            &["exercise", "tun", "t0", "--size", "7"],
            &["exercise", "tun", "t0", "--size", "1473"],
            &["exercise", "tun", "t0", "--window", "0"],
            &["exercise", "tun", "t0", "--window", "257"],
            &["exercise", "tun", "t0", "--addr", "10.0.0.1"],
            &["exercise", "tun", "t0", "--addr", "10.0.0.255/24"],
            &["exercise", "tun", "t0", "extra"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Usage, "{args:?}");
        }
    }

    #[test]
    fn exercise_pair_defaults_and_options() {
        assert_eq!(
            exercise(&["pair", "a", "b"]),
            Exercise::Pair(PairArgs {
                a: "a".into(),
                b: "b".into(),
                count: 1000,
                size: 46,
                window: 64,
            })
        );
        assert_eq!(
            exercise(&["pair", "veth0", "veth1", "--count", "10", "--size", "1500"]),
            Exercise::Pair(PairArgs {
                a: "veth0".into(),
                b: "veth1".into(),
                count: 10,
                size: 1500,
                window: 64,
            })
        );
    }

    #[test]
    fn exercise_pair_needs_two_ends() {
        for args in [
            &["exercise", "pair", "a"][..],
            &["exercise", "pair", "a", "b", "--size", "4"],
            &["exercise", "pair", "a", "b", "--count", "0"],
            &["exercise"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Usage, "{args:?}");
        }
    }

    fn pair_cmd(args: &[&str]) -> PairCmd {
        let argv: Vec<_> = ["pair"].iter().chain(args).copied().collect();
        match parse(&argv).unwrap().command {
            Command::Pair { cmd } => cmd,
            other => panic!("{other:?}"),
        }
    }

    fn tun_cmd(args: &[&str]) -> TunCmd {
        let argv: Vec<_> = ["tun"].iter().chain(args).copied().collect();
        match parse(&argv).unwrap().command {
            Command::Tun { cmd } => cmd,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pair_add_minimal_and_full() {
        assert_eq!(
            pair_cmd(&["add", "a"]),
            PairCmd::Add(pair::AddArgs {
                name: "a".into(),
                peer: None,
                peer_netns: None,
                mtu: None,
            })
        );
        assert_eq!(
            pair_cmd(&[
                "add",
                "a",
                "--peer",
                "b",
                "--peer-netns",
                "blue",
                "--mtu=9000"
            ]),
            PairCmd::Add(pair::AddArgs {
                name: "a".into(),
                peer: Some("b".into()),
                peer_netns: Some("blue".into()),
                mtu: Some(9000),
            })
        );
    }

    #[test]
    fn pair_del_list_show() {
        assert_eq!(pair_cmd(&["del", "a"]), PairCmd::Del { name: "a".into() });
        assert_eq!(pair_cmd(&["list"]), PairCmd::List);
        assert_eq!(pair_cmd(&["ls"]), PairCmd::List);
        assert_eq!(
            pair_cmd(&["show", "veth0"]),
            PairCmd::Show {
                name: "veth0".into()
            }
        );
    }

    #[test]
    fn pair_with_global_flags_anywhere() {
        let cli = parse(&["-n", "red", "pair", "list", "-js"]).unwrap();
        assert_eq!(cli.netns.as_deref(), Some("red"));
        assert!(cli.json);
        assert_eq!(cli.stats, 1);
    }

    #[test]
    fn pair_refuses_bad_command_lines() {
        for args in [
            &["pair"][..],
            &["pair", "add"],
            &["pair", "add", "sixteen-chars-12"],
            &["pair", "add", "a", "--peer", "b/c"],
            &["pair", "add", "a", "--mtu", "-1"],
            &["pair", "add", "a", "--mtu", "big"],
            &["pair", "add", "a", "b"],
            &["pair", "del"],
            &["pair", "show"],
            &["pair", "list", "extra"],
            &["pair", "frob"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Usage, "{args:?}");
        }
    }

    #[test]
    fn tun_add_minimal_and_full() {
        assert_eq!(
            tun_cmd(&["add", "rtun%d", "--mode", "tun"]),
            TunCmd::Add(tun::AddArgs {
                name: "rtun%d".into(),
                mode: Mode::Tun,
                user: None,
                group: None,
                pi: false,
                no_pi: false,
                vnet_hdr: false,
                multi_queue: false,
            })
        );
        assert_eq!(
            tun_cmd(&[
                "add",
                "tap0",
                "--mode=tap",
                "--user",
                "alice",
                "--group",
                "100",
                "--pi",
                "--vnet-hdr",
                "--multi-queue"
            ]),
            TunCmd::Add(tun::AddArgs {
                name: "tap0".into(),
                mode: Mode::Tap,
                user: Some(tun::Id::Name("alice".into())),
                group: Some(tun::Id::Num(100)),
                pi: true,
                no_pi: false,
                vnet_hdr: true,
                multi_queue: true,
            })
        );
    }

    fn tunnel_args(args: &[&str]) -> std::result::Result<TunnelArgs, clap::Error> {
        let argv: Vec<_> = ["tunnel"].iter().chain(args).copied().collect();
        parse(&argv).map(|cli| match cli.command {
            Command::Tunnel(args) => args,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn tunnel_defaults_and_options() {
        let base = [
            "--dev",
            "ov0",
            "--local",
            "10.0.0.1:4789",
            "--remote",
            "10.0.0.2:4789",
        ];
        assert_eq!(
            tunnel_args(&base).unwrap(),
            TunnelArgs {
                dev: "ov0".into(),
                local: "10.0.0.1:4789".parse().unwrap(),
                remote: "10.0.0.2:4789".parse().unwrap(),
                mode: Mode::Tun,
                device_path: "/dev/net/rtun".into(),
            }
        );
        let more: Vec<_> = base
            .iter()
            .copied()
            .chain(["--mode", "tap", "--device-path", "/dev/net/tun"])
            .collect();
        let args = tunnel_args(&more).unwrap();
        assert_eq!(args.mode, Mode::Tap);
        assert_eq!(args.device_path, std::path::PathBuf::from("/dev/net/tun"));
        let v6 = tunnel_args(&[
            "--dev",
            "t",
            "--local",
            "[fc00::1]:1",
            "--remote",
            "[fc00::2]:1",
        ]);
        assert!(v6.unwrap().remote.is_ipv6());
        let cli = parse(&[
            "-j",
            "tunnel",
            "--dev",
            "ov0",
            "--local",
            "10.0.0.1:1",
            "--remote",
            "10.0.0.2:1",
        ])
        .unwrap();
        assert!(cli.json);
    }

    #[test]
    fn tunnel_refuses_bad_command_lines() {
        for args in [
            &[][..],
            &["--dev", "ov0", "--local", "10.0.0.1:4789"],
            &["--dev", "ov0", "--remote", "10.0.0.1:4789"],
            &["--local", "10.0.0.1:4789", "--remote", "10.0.0.2:4789"],
            &[
                "--dev",
                "ov0",
                "--local",
                "10.0.0.1",
                "--remote",
                "10.0.0.2:4789",
            ],
            &[
                "--dev",
                "ov0",
                "--local",
                "10.0.0.1:70000",
                "--remote",
                "10.0.0.2:4789",
            ],
            &[
                "--dev",
                "ov0",
                "--local",
                "host:1",
                "--remote",
                "10.0.0.2:4789",
            ],
            &[
                "--dev",
                "a/b",
                "--local",
                "10.0.0.1:1",
                "--remote",
                "10.0.0.2:1",
            ],
            &[
                "--dev",
                "ov0",
                "--local",
                "10.0.0.1:1",
                "--remote",
                "10.0.0.2:1",
                "--mode",
                "l2",
            ],
        ] {
            let err = tunnel_args(args).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Usage, "{args:?}");
        }
    }

    #[test]
    fn completions_know_tunnel() {
        let mut out = Vec::new();
        completions(Shell::Bash, &mut out);
        let script = String::from_utf8(out).unwrap();
        assert!(script.contains("tunnel"));
        assert!(script.contains("--device-path"));
    }

    #[test]
    fn tun_del_list_show() {
        assert_eq!(tun_cmd(&["del", "t"]), TunCmd::Del { name: "t".into() });
        assert_eq!(tun_cmd(&["list"]), TunCmd::List);
        assert_eq!(tun_cmd(&["show", "t"]), TunCmd::Show { name: "t".into() });
    }

    #[test]
    fn tun_refuses_bad_command_lines() {
        for args in [
            &["tun"][..],
            &["tun", "add", "t0"],
            &["tun", "add", "t0", "--mode", "tunnel"],
            &["tun", "add", "--mode", "tun"],
            &["tun", "add", "t0", "--mode", "tun", "--user", ""],
            &[
                "tun",
                "add",
                "t0",
                "--mode",
                "tun",
                "--group",
                "99999999999",
            ],
            &["tun", "add", "a b", "--mode", "tun"],
            &["tun", "del"],
            &["tun", "show", "a", "b"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Usage, "{args:?}");
        }
    }

    #[test]
    fn monitor_count() {
        match parse(&["monitor"]).unwrap().command {
            Command::Monitor(args) => assert_eq!(args.count, None),
            other => panic!("{other:?}"),
        }
        match parse(&["-j", "monitor", "--count", "3"]).unwrap().command {
            Command::Monitor(args) => assert_eq!(args.count, Some(3)),
            other => panic!("{other:?}"),
        }
        for args in [
            &["monitor", "--count", "0"][..],
            &["monitor", "--count"],
            &["monitor", "--count", "x"],
            &["monitor", "extra"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Usage, "{args:?}");
        }
    }

    #[test]
    fn every_command_has_help_with_examples() {
        // Everything but `exercise` (which explains itself at length), `info` and `help`.
        fn walk(cmd: &mut clap::Command, path: &str) {
            let path = format!("{path} {}", cmd.get_name());
            let help = cmd.render_long_help().to_string();
            let exempt =
                path.contains("exercise") || path.ends_with(" info") || path.ends_with(" help");
            assert!(
                exempt || help.contains("Examples:"),
                "no examples in `{path} --help`"
            );
            for sub in cmd.get_subcommands_mut() {
                walk(sub, &path);
            }
        }
        walk(&mut Cli::command(), "");
    }

    #[test]
    fn help_exits_zero_for_subcommands() {
        for args in [
            &["pair", "--help"][..],
            &["pair", "add", "--help"],
            &["tun", "add", "-h"],
            &["monitor", "--help"],
            &["completions", "--help"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(usage_exit_code(&err), ExitCode::Ok, "{args:?}");
        }
    }

    #[test]
    fn completions_for_every_shell() {
        assert_eq!(
            parse(&["completions", "bash"]).unwrap().command,
            Command::Completions { shell: Shell::Bash }
        );
        assert!(parse(&["completions", "tcsh"]).is_err());
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::PowerShell,
        ] {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("rvnetctl"), "{shell:?}");
            assert!(text.contains("peer-netns"), "{shell:?}");
        }
    }

    #[test]
    fn unique_prefixes_name_subcommands_at_every_level() {
        assert_eq!(pair_cmd(&["l"]), PairCmd::List);
        assert_eq!(
            parse(&["p", "a", "a"]).unwrap().command,
            parse(&["pair", "add", "a"]).unwrap().command
        );
        assert_eq!(
            parse(&["pa", "d", "a"]).unwrap().command,
            Command::Pair {
                cmd: PairCmd::Del { name: "a".into() }
            }
        );
        assert_eq!(parse(&["i"]).unwrap().command, Command::Info);
        assert_eq!(
            parse(&[
                "-j",
                "tunn",
                "--dev",
                "a",
                "--local",
                "1.2.3.4:1",
                "--remote",
                "1.2.3.5:1"
            ])
            .unwrap()
            .command,
            parse(&[
                "-j",
                "tunnel",
                "--dev",
                "a",
                "--local",
                "1.2.3.4:1",
                "--remote",
                "1.2.3.5:1"
            ])
            .unwrap()
            .command
        );
        // A whole name wins over the longer names it begins.
        assert_eq!(
            parse(&["tun", "s", "t"]).unwrap().command,
            Command::Tun {
                cmd: TunCmd::Show { name: "t".into() }
            }
        );
        assert_eq!(exercise(&["p", "a", "b"]), exercise(&["pair", "a", "b"]));
        assert!(matches!(exercise(&["t", "t0"]), Exercise::Tun(_)));
        assert!(matches!(
            parse(&["mo"]).unwrap().command,
            Command::Monitor(_)
        ));
        assert_eq!(
            parse(&["co", "fish"]).unwrap().command,
            Command::Completions { shell: Shell::Fish }
        );
    }

    #[test]
    fn ambiguous_prefixes_are_usage_errors_that_name_the_candidates() {
        for (args, word, names) in [
            (&["t"][..], "t", "tun or tunnel"),
            (&["-jn", "foo", "tu", "list"], "tu", "tun or tunnel"),
            (&["-s", "m"], "m", "monitor or manpage"),
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::InvalidSubcommand);
            assert_eq!(usage_exit_code(&err), ExitCode::Usage);
            let text = err.to_string();
            assert!(
                text.contains(&format!("'{word}' is ambiguous: it could be {names}")),
                "{args:?}: {text}"
            );
        }
        // Unknown words are still reported as such.
        let err = parse(&["pair", "x"]).unwrap_err();
        assert!(!err.to_string().contains("ambiguous"));
        assert_eq!(usage_exit_code(&err), ExitCode::Usage);
    }

    #[test]
    fn pi_is_off_unless_asked_for() {
        let add =
            |args: &[&str]| match tun_cmd(&[&["add", "t0", "--mode", "tun"][..], args].concat()) {
                TunCmd::Add(args) => args.request().unwrap().pi,
                other => panic!("{other:?}"),
            };
        assert!(!add(&[]));
        assert!(add(&["--pi"]));
        assert!(!add(&["--no-pi"]), "--no-pi is the default");
        assert!(!add(&["--pi", "--no-pi"]), "the last one wins");
        assert!(add(&["--no-pi", "--pi"]));
        assert!(!tun_args(&["t0"]).pi);
        assert!(tun_args(&["t0", "--pi"]).pi);
        assert!(!tun_args(&["t0", "--no-pi"]).pi);
        assert!(!tun_args(&["t0", "--pi", "--no-pi"]).pi);
    }

    #[test]
    fn manpage_mentions_every_subcommand() {
        let mut out = Vec::new();
        manpage(&mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.contains(".TH rvnetctl 1"), "{page}");
        let subs: Vec<_> = Cli::command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_name().to_owned())
            .collect();
        assert_eq!(subs.len(), 7);
        for name in subs {
            assert!(page.contains(&format!("rvnetctl\\-{name}(1)")), "{name}");
        }
        assert!(!page.contains("manpage"));
        assert!(page.contains("Examples:"));
    }

    #[test]
    fn manpages_one_per_subcommand() {
        let dir = std::env::temp_dir().join(format!("rvnetctl-man-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        manpages(&dir).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        std::fs::remove_dir_all(&dir).unwrap();
        for page in [
            "rvnetctl.1",
            "rvnetctl-info.1",
            "rvnetctl-pair.1",
            "rvnetctl-pair-add.1",
            "rvnetctl-tun-list.1",
            "rvnetctl-monitor.1",
            "rvnetctl-tunnel.1",
            "rvnetctl-exercise-tun.1",
            "rvnetctl-completions.1",
        ] {
            assert!(names.iter().any(|n| n == page), "{page} not in {names:?}");
        }
        assert!(
            !names
                .iter()
                .any(|n| n.contains("manpage") || n.contains("help")),
            "{names:?}"
        );
        assert!(parse(&["manpage"]).is_ok() && parse(&["manpage", "/tmp"]).is_ok());
        assert!(manpages(std::path::Path::new("/nonexistent/dir")).is_err());
    }

    #[test]
    fn fish_completions_exist() {
        let mut out = Vec::new();
        completions(Shell::Fish, &mut out);
        let script = String::from_utf8(out).unwrap();
        assert!(script.contains("complete -c rvnetctl"), "{script}");
        for word in [
            "pair",
            "tunnel",
            "exercise",
            "--peer-netns",
            "--pi",
            "--vnet-hdr",
            "--multi-queue",
        ] {
            assert!(script.contains(word.trim_start_matches('-')), "{word}");
        }
    }

    #[test]
    fn version_line() {
        assert_eq!(
            Cli::command().render_version(),
            format!("rvnetctl {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}
