//! Runs the `xtask` binary from tests. Cargo only hands `CARGO_BIN_EXE_*` to tests of the same
//! package, so the binary is built once per test process with `cargo build -p xtask` (a no-op
//! when it is fresh) and located from cargo's own JSON messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::repo::{GIT_ENV, workspace_root};

/// The result of one xtask run.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
}

/// The freshly built xtask binary.
#[must_use]
pub fn xtask_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(build_xtask)
}

fn build_xtask() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--package",
            "xtask",
            "--message-format=json",
        ])
        .arg("--manifest-path")
        .arg(workspace_root().join("Cargo.toml"))
        .stderr(Stdio::inherit())
        .output()
        .expect("failed to run `cargo build -p xtask`");
    assert!(output.status.success(), "`cargo build -p xtask` failed");
    let stdout = String::from_utf8(output.stdout).expect("cargo prints UTF-8");
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "xtask")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("`cargo build -p xtask` reported no xtask executable")
}

/// Environment variables that carry index credentials or switch on trusted publishing.
pub const CREDENTIAL_ENV: &[&str] = &[
    "PYPI_API_TOKEN",
    "PYSHIP_INDEX_PASSWORD",
    "GITHUB_ACTIONS",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
];

/// An xtask command with the tests' git environment and no progress bars.
#[must_use]
pub fn xtask_command(args: &[&str]) -> Command {
    let mut command = Command::new(xtask_bin());
    command
        .args(args)
        .envs(GIT_ENV.iter().copied())
        .env("PYSHIP_NO_PROGRESS", "1")
        .env_remove("PYSHIP_PYTHON")
        // A token or GitHub endpoint of the person running the tests must never reach a test.
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("PYSHIP_GITHUB_API_URL")
        .env_remove("PYSHIP_GITHUB_UPLOAD_URL")
        .stdin(Stdio::null());
    // Credentials and CI context come only from what a test sets.
    for name in CREDENTIAL_ENV {
        command.env_remove(name);
    }
    command
}

/// Runs xtask with `args` in `cwd` and captures everything.
#[must_use]
pub fn run_xtask(cwd: &Path, args: &[&str]) -> Run {
    run_xtask_with_env(cwd, args, &[])
}

/// Runs xtask with `args` in `cwd` and extra environment variables, and captures everything.
#[must_use]
pub fn run_xtask_with_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = xtask_command(args)
        .current_dir(cwd)
        .envs(env.iter().copied())
        .output()
        .expect("failed to run xtask");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("xtask prints UTF-8 on stdout"),
        stderr: String::from_utf8(output.stderr).expect("xtask prints UTF-8 on stderr"),
    }
}
