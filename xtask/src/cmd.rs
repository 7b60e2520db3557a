//! The one place that runs child processes (git, python, cargo). Every error names the command
//! and its working directory; captured stderr is attached when a command fails. No secret is ever
//! passed on a command line: secrets (issue 3) go through `Cmd::env` scoped to one command.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};

use anyhow::{Context as _, bail};

/// A command to run, built up before it runs.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    envs: Vec<(OsString, OsString)>,
}

impl Cmd {
    pub(crate) fn new(program: impl AsRef<OsStr>) -> Cmd {
        Cmd {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            cwd: None,
            envs: Vec::new(),
        }
    }

    /// `git -C <dir>` with settings that keep git from ever prompting (C18 style hangs).
    pub(crate) fn git(dir: &Path) -> Cmd {
        Cmd::new("git")
            .current_dir(dir)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
            .env("LC_ALL", "C")
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_owned()));
        self
    }

    pub(crate) fn current_dir(mut self, dir: &Path) -> Cmd {
        self.cwd = Some(dir.to_owned());
        self
    }

    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        if let Some(cwd) = &self.cwd {
            command.current_dir(cwd);
        }
        command.envs(self.envs.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs with captured output; fails only when the program cannot be started.
    pub(crate) fn output(&self) -> anyhow::Result<Output> {
        self.command()
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("failed to run {self}"))
    }

    /// Runs, requires success, and returns stdout with surrounding whitespace trimmed.
    pub(crate) fn read(&self) -> anyhow::Result<String> {
        let output = self.output()?;
        self.check(&output)?;
        let stdout = String::from_utf8(output.stdout)
            .with_context(|| format!("{self} printed output that is not UTF-8"))?;
        Ok(stdout.trim().to_owned())
    }

    /// Runs with captured output and requires success.
    pub(crate) fn run_captured(&self) -> anyhow::Result<Output> {
        let output = self.output()?;
        self.check(&output)?;
        Ok(output)
    }

    /// Starts the program with stdin and stdout piped to the caller (a line protocol) and stderr
    /// discarded; the caller owns the child and must wait for it.
    pub(crate) fn spawn_piped(&self) -> anyhow::Result<Child> {
        self.command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("failed to run {self}"))
    }

    /// Runs with the terminal's stdio and returns the exit status.
    pub(crate) fn status(&self) -> anyhow::Result<ExitStatus> {
        self.command()
            .status()
            .with_context(|| format!("failed to run {self}"))
    }

    /// Turns a failed run into an error carrying the tail of its stderr.
    pub(crate) fn check(&self, output: &Output) -> anyhow::Result<()> {
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let detail = tail(
            if stderr.trim().is_empty() {
                &stdout
            } else {
                &stderr
            },
            20,
        );
        // A child's output may quote a token it was handed or read (C16).
        let detail = crate::redact::token_shapes(&detail);
        bail!("{self} failed ({}): {detail}", output.status)
    }
}

/// The last `n` non-empty lines of `text`, joined with ` | ` so they fit in one evidence line.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}", self.program.to_string_lossy())?;
        for arg in &self.args {
            let arg = arg.to_string_lossy();
            if arg.contains(' ') || arg.is_empty() {
                write!(f, " '{arg}'")?;
            } else {
                write!(f, " {arg}")?;
            }
        }
        f.write_str("`")?;
        if let Some(cwd) = &self.cwd {
            write!(f, " in `{}`", cwd.display())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_arguments_with_spaces() {
        let cmd = Cmd::new("git")
            .args(["commit", "-m", "a b"])
            .current_dir(Path::new("/r"));
        assert_eq!(cmd.to_string(), "`git commit -m 'a b'` in `/r`");
    }

    #[test]
    fn err_failed_command_names_it_and_its_stderr() {
        let cmd = Cmd::git(Path::new("/")).args(["rev-parse", "--verify", "no-such-ref-xyz"]);
        let err = cmd.read().unwrap_err().to_string();
        assert!(
            err.contains("`git rev-parse --verify no-such-ref-xyz`"),
            "{err}"
        );
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail("a\n\nb\nc\n", 2), "b | c");
    }
}
