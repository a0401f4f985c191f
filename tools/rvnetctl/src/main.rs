// SPDX-License-Identifier: GPL-2.0

//! `rvnetctl`: command line wiring and exit codes.

#![forbid(unsafe_code)]

use clap::{ArgAction, Parser, Subcommand};
use rvnetctl::{
    cmd::{self, Opts},
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

    #[test]
    fn version_line() {
        assert_eq!(
            Cli::command().render_version(),
            format!("rvnetctl {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}
