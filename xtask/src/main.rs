//! `cargo xtask`: pyship's command line. Parses arguments, sets up context and dispatches to one
//! module per subcommand. It owns the terminal, the config and secrets; the libraries own none.
#![expect(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "xtask owns the terminal"
)]

mod bench;
mod build;
mod cmd;
mod config;
mod contents;
mod credentials;
mod deep;
mod dry_run;
mod gates;
mod git;
mod github;
mod index;
mod log;
mod plan;
mod publish_gates;
mod python;
mod redact;
mod release_state;
mod secrets;
mod test;
mod token;
mod upload;
mod verify;
mod version;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit statuses, as documented in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Everything passed.
    Success = 0,
    /// A check or gate failed, or the user's input is wrong.
    Failure = 1,
    /// Bad arguments or an internal error.
    Error = 2,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

/// pyship: release a Python package behind security gates.
///
/// Exit status: 0 when everything passed, 1 when a check or gate failed or the input is wrong,
/// 2 for bad arguments or an internal error.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version)]
struct Cli {
    /// The workspace whose `[workspace.metadata.pyship]` config applies
    /// [default: the workspace around the current directory].
    #[arg(long, global = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify wheels and sdists offline, as strictly as PyPI or stricter.
    Verify(verify::VerifyArgs),
    /// Run the release pipeline without its writes: local gates, build, verify, and the plan.
    DryRun(dry_run::DryRunArgs),
    /// Upload artifacts built elsewhere: verify, check the credential, publish, prove.
    Upload(upload::UploadArgs),
    /// Run the whole test suite: set up the test venv, then `cargo test --workspace`.
    Test(test::TestArgs),
    /// Benchmark verify, digests and memory against twine, check-wheel-contents and openssl.
    Bench(bench::BenchArgs),
    /// Store, check or delete the PyPI upload token in the OS keyring (twine's convention).
    Token(token::TokenArgs),
}

/// Whether the command line's subcommand is `token`: the first argument that is neither an
/// option nor `--manifest-path`'s value.
fn subcommand_is_token() -> bool {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--manifest-path" {
            args.next();
        } else if !arg.starts_with('-') {
            return arg == "token";
        }
    }
    false
}

fn main() -> ExitCode {
    redact::install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            if !err.use_stderr() {
                // `--help` and `--version`.
                let _ = err.print();
                return ExitStatus::Success.into();
            }
            // clap quotes the argument it could not take, which may be a token pasted where it
            // does not belong (`token set pypi-...`): redacted like every other error. Under
            // `token`, where no argument is a secret's place, an unexpected one is not quoted
            // at all: a secret without a token's shape would pass the redaction.
            if subcommand_is_token() && err.kind() == clap::error::ErrorKind::UnknownArgument {
                eprintln!(
                    "error: unexpected argument to `token` (not shown: it may be a secret); the token is read from stdin, never from the command line\n\nFor more information, try `cargo xtask token --help`."
                );
            } else {
                eprint!("{}", redact::token_shapes(&err.render().to_string()));
            }
            return ExitStatus::Error.into();
        }
    };
    if let Err(err) = log::init() {
        eprintln!("error: {err:#}");
        return ExitStatus::Error.into();
    }
    let manifest_path = cli.manifest_path.as_deref();
    let result = match cli.command {
        Command::Verify(args) => verify::run(&args, manifest_path),
        Command::DryRun(args) => dry_run::run(&args, manifest_path),
        Command::Upload(args) => upload::run(&args, manifest_path),
        Command::Test(args) => test::run(&args, manifest_path),
        Command::Bench(args) => bench::run(&args, manifest_path),
        Command::Token(args) => token::run(&args, manifest_path),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            // Redacted: an error may quote text from outside, such as a line of `Cargo.toml`.
            for line in redact::error_lines(&err) {
                eprintln!("{line}");
            }
            ExitStatus::Error.into()
        }
    }
}
