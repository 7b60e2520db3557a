//! `cargo xtask test`: the project's whole test gate. Sets up the venvs the tests need (once; a
//! marker file records the installed requirements, so re-runs are quick and offline), hands them
//! to the tests through `PYSHIP_TEST_PYTHON` and `PYSHIP_PUBLISH_VENV`, runs
//! `cargo test --workspace` and passes on its verdict.

use std::ffi::OsString;
use std::path::Path;

use clap::Args;

use crate::ExitStatus;
use crate::cmd::Cmd;
use crate::config::{self, Config};
use crate::deep;
use crate::python::Venv;

/// What the tests need in their venv: the build frontend and backend the example uses (and two
/// more that PROV-02's tests build it with, as they rewrite files into the sdist), the reST
/// renderer PyPI uses and the peers the benchmark compares against (the deep checks' auditors
/// are added in `run`). Pinned so that every machine tests against the same tools; `flit_core`
/// stays below 4 as the example's build-system requires.
pub(crate) const TEST_REQUIREMENTS: &[&str] = &[
    "build==1.6.1",
    "flit_core==3.12.0",
    "readme_renderer==46.0",
    "wheel==0.48.0",
    "twine==7.0.0",
    "check-wheel-contents==0.6.3",
    "hatchling==1.33.0",
    "pdm-backend==2.5.0",
];

/// What `crates/publish`'s real-index tests need: a local pypiserver with htpasswd auth, and the
/// build tools for the package they upload. Same pins as its `SETUP` hint.
pub(crate) const PUBLISH_REQUIREMENTS: &[&str] = &[
    "pypiserver==2.4.2",
    "passlib==1.7.4",
    "build==1.6.1",
    "flit_core==3.12.0",
];

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// Only set up the venvs and print the `export` lines that plain `cargo test` would need.
    #[arg(long)]
    setup_only: bool,
    /// Arguments for `cargo test` after `--`, replacing the default `--workspace --no-fail-fast`
    /// (e.g. `-- -p pyship-tests dry_run`).
    #[arg(last = true)]
    cargo_args: Vec<OsString>,
}

pub(crate) fn run(args: &TestArgs, manifest_path: Option<&Path>) -> anyhow::Result<ExitStatus> {
    let config = Config::load(manifest_path)?;
    let test_venv = Venv::at(&config.state_dir().join("test-venv"));
    // The deep checks' auditors too, at the pins `verify --deep` installs.
    let mut requirements = owned(TEST_REQUIREMENTS);
    requirements.extend(owned(&deep::REQUIREMENTS));
    test_venv.ensure(&requirements, &|line| {
        eprintln!("test venv: {line}");
    })?;
    let publish_dir = config.state_dir().join("publish-venv");
    Venv::at(&publish_dir).ensure(&owned(PUBLISH_REQUIREMENTS), &|line| {
        eprintln!("publish venv: {line}");
    })?;
    let python = test_venv.python();
    if args.setup_only {
        eprintln!("venvs ready; plain `cargo test` finds them at these default places:");
        println!("export {}={}", config::TEST_PYTHON_ENV, python.display());
        println!(
            "export {}={}",
            config::PUBLISH_VENV_ENV,
            publish_dir.display()
        );
        return Ok(ExitStatus::Success);
    }

    let status = Cmd::new(config::cargo_program())
        .arg("test")
        .args(if args.cargo_args.is_empty() {
            // Every test binary runs even after one fails, so one run shows every failure.
            vec![
                OsString::from("--workspace"),
                OsString::from("--no-fail-fast"),
            ]
        } else {
            args.cargo_args.clone()
        })
        .current_dir(&config.root)
        .env(config::TEST_PYTHON_ENV, &python)
        .env(config::PUBLISH_VENV_ENV, &publish_dir)
        .status()?;
    Ok(match status.code() {
        Some(0) => ExitStatus::Success,
        Some(_) => ExitStatus::Failure,
        None => ExitStatus::Error,
    })
}

fn owned(requirements: &[&str]) -> Vec<String> {
    requirements.iter().map(|r| (*r).to_owned()).collect()
}
