//! Locates the Python of the test venv that `cargo xtask test` sets up (build frontend,
//! `flit_core`, `readme_renderer`, `wheel`, `twine`, `check-wheel-contents`). A test that needs it
//! fails with the command that sets it up; it never skips silently.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The variable `cargo xtask test` exports with the test venv's interpreter.
pub const TEST_PYTHON_ENV: &str = "PYSHIP_TEST_PYTHON";

/// The test venv's Python: `PYSHIP_TEST_PYTHON`, else the venv `cargo xtask test` makes under
/// `target/pyship/test-venv` of this workspace. Panics with the setup command when neither exists.
#[must_use]
pub fn test_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| locate().unwrap_or_else(|why| panic!("{why}")))
}

/// A `Command` for the test venv's Python.
#[must_use]
pub fn python_command() -> Command {
    Command::new(test_python())
}

fn locate() -> Result<PathBuf, String> {
    let hint = format!(
        "run the tests with `cargo xtask test`, or run `cargo xtask test --setup-only` and export \
         the `{TEST_PYTHON_ENV}` line it prints"
    );
    if let Some(value) = std::env::var_os(TEST_PYTHON_ENV).filter(|v| !v.is_empty()) {
        let python = PathBuf::from(value);
        return if python.is_file() {
            Ok(python)
        } else {
            Err(format!(
                "`{TEST_PYTHON_ENV}` names `{}`, which does not exist: {hint}",
                python.display()
            ))
        };
    }
    let default = default_venv_python();
    if default.is_file() {
        return Ok(default);
    }
    Err(format!(
        "this test needs the test venv's Python: `{TEST_PYTHON_ENV}` is not set and `{}` does not \
         exist: {hint}",
        default.display()
    ))
}

/// `<workspace>/target/pyship/test-venv/bin/python`, where `cargo xtask test` puts it.
fn default_venv_python() -> PathBuf {
    let venv = crate::repo::workspace_root().join("target/pyship/test-venv");
    if cfg!(windows) {
        venv.join("Scripts/python.exe")
    } else {
        venv.join("bin/python")
    }
}

/// Runs `code` with the test venv's Python and returns its stdout; panics naming stderr when it
/// fails.
#[must_use]
pub fn run_python(code: &str, args: &[&str]) -> String {
    let output = python_command()
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("failed to start the test venv's Python");
    assert!(
        output.status.success(),
        "python failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("python printed UTF-8")
}

/// Builds the sdist and wheel of the Python project at `project` into `outdir` with the test
/// venv's `python -m build --no-isolation` (offline), and returns their paths, sorted.
#[must_use]
pub fn build_project(project: &Path, outdir: &Path) -> Vec<PathBuf> {
    build_project_with_env(project, outdir, &[])
}

/// As [`build_project`], with `env` set for the build (for example `SOURCE_DATE_EPOCH`).
#[must_use]
pub fn build_project_with_env(project: &Path, outdir: &Path, env: &[(&str, &str)]) -> Vec<PathBuf> {
    let output = python_command()
        .envs(env.iter().copied())
        .args(["-m", "build", "--no-isolation", "--outdir"])
        .arg(outdir)
        .arg(project)
        .output()
        .expect("failed to start `python -m build`");
    assert!(
        output.status.success(),
        "`python -m build` of {} failed: {}",
        project.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut artifacts: Vec<PathBuf> = std::fs::read_dir(outdir)
        .expect("read the build output dir")
        .map(|entry| entry.expect("dir entry").path())
        .collect();
    artifacts.sort();
    artifacts
}
