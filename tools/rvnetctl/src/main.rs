// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl`: command line wiring and exit codes.

#![forbid(unsafe_code)]

use clap::{ArgAction, Parser, Subcommand};
use rvnetctl::{
    cmd::{self, exercise::Exercise, Opts},
    error::{error_line, ExitCode, Result},
    netns,
    output::Format,
};

/// Control rvnet virtual network devices.
#[derive(Debug, Parser)]
#[command(name = "rvnetctl", version, arg_required_else_help = true)]
struct Cli {
    /// Print JSON.
    #[arg(short, long, global = true)]
    json: bool,

    /// Indent JSON output (with -j).
    #[arg(short, long, global = true)]
    pretty: bool,

    /// Show statistics; repeat for more.
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
    /// Send traffic through a device and check that all of it arrives, intact and in order.
    Exercise {
        #[command(subcommand)]
        what: Exercise,
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

fn run(cli: Cli) -> Result<()> {
    if let Some(name) = &cli.netns {
        netns::enter(name)?;
    }
    let opts = Opts {
        format: Format::from_flags(cli.json, cli.pretty),
        stats: cli.stats,
    };
    match cli.command {
        Command::Info => cmd::info::run(opts),
        Command::Exercise { what } => cmd::exercise::run(&what, opts),
    }
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
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
    use clap::CommandFactory;
    use rvnetctl::cmd::exercise::{
        pair::PairArgs,
        tun::{Mode, TunArgs},
    };

    use super::*;

    fn parse(args: &[&str]) -> std::result::Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("rvnetctl").chain(args.iter().copied()))
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
            "--no-pi",
            "--count",
            "1000000",
            "--size=1472",
            "--window",
            "1",
            "--addr",
            "192.168.7.9/30",
        ]);
        assert_eq!(args.path, std::path::PathBuf::from("/dev/net/tun"));
        assert_eq!((args.mode, args.no_pi), (Mode::Tap, true));
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

    #[test]
    fn version_line() {
        assert_eq!(
            Cli::command().render_version(),
            format!("rvnetctl {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}
