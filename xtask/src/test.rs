//! `cargo xtask test`: the project's whole test gate. Sets up the test venv (once; a marker file
//! records the installed requirements, so re-runs are quick and offline), hands its Python to the
//! tests through `PYSHIP_TEST_PYTHON`, runs `cargo test --workspace` and passes on its verdict.

use std::ffi::OsString;
use std::path::Path;

use clap::Args;

use crate::ExitStatus;
use crate::cmd::Cmd;
use crate::config::{self, Config};
use crate::python::Venv;

/// What the tests need in their venv: the build frontend and backend the example uses, the reST
/// renderer PyPI uses, and the peers the benchmark compares against. Pinned so that every machine
/// tests against the same tools; `flit_core` stays below 4 as the example's build-system requires.
pub(crate) const TEST_REQUIREMENTS: &[&str] = &[
    "build==1.6.1",
    "flit_core==3.12.0",
    "readme_renderer==46.0",
    "wheel==0.48.0",
    "twine==7.0.0",
    "check-wheel-contents==0.6.3",
];

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// Only set up the test venv and print the `PYSHIP_TEST_PYTHON` line to export.
    #[arg(long)]
    setup_only: bool,
    /// Arguments for `cargo test` after `--`, replacing the default `--workspace`
    /// (e.g. `-- -p pyship-tests dry_run`).
    #[arg(last = true)]
    cargo_args: Vec<OsString>,
}

pub(crate) fn run(args: &TestArgs, manifest_path: Option<&Path>) -> anyhow::Result<ExitStatus> {
    let config = Config::load(manifest_path)?;
    let venv = Venv::at(&config.state_dir().join("test-venv"));
    let requirements: Vec<String> = TEST_REQUIREMENTS.iter().map(|r| (*r).to_owned()).collect();
    venv.ensure(&requirements, &|line| eprintln!("test venv: {line}"))?;
    let python = venv.python();
    if args.setup_only {
        eprintln!("test venv ready; run the tests with:");
        println!("export {}={}", config::TEST_PYTHON_ENV, python.display());
        return Ok(ExitStatus::Success);
    }

    let status = Cmd::new(config::cargo_program())
        .arg("test")
        .args(if args.cargo_args.is_empty() {
            vec![OsString::from("--workspace")]
        } else {
            args.cargo_args.clone()
        })
        .current_dir(&config.root)
        .env(config::TEST_PYTHON_ENV, &python)
        .status()?;
    Ok(match status.code() {
        Some(0) => ExitStatus::Success,
        Some(_) => ExitStatus::Failure,
        None => ExitStatus::Error,
    })
}
