//! Release versions: the version in the project's `pyproject.toml`, `--bump`, explicit versions
//! (PEP 440, parsed with `pep440_rs`), and the one-line version change made in a temporary
//! worktree.
//!
//! See: https://packaging.python.org/en/latest/specifications/version-specifiers/

use std::path::Path;
use std::str::FromStr as _;

use anyhow::{Context as _, bail};
use clap::ValueEnum;
use pep440_rs::Version;

/// Which part of the release segment `--bump` increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Bump {
    /// `1.4.2` -> `2.0.0`.
    Major,
    /// `1.4.2` -> `1.5.0`.
    Minor,
    /// `1.4.2` -> `1.4.3`.
    Patch,
}

/// Increments the release segment (padded to three parts) and drops any pre, post, dev and local
/// parts; the epoch is kept.
pub(crate) fn bump(version: &Version, bump: Bump) -> Version {
    let mut release: Vec<u64> = version.release().to_vec();
    release.resize(release.len().max(3), 0);
    let idx = match bump {
        Bump::Major => 0,
        Bump::Minor => 1,
        Bump::Patch => 2,
    };
    release[idx] += 1;
    for part in &mut release[idx + 1..] {
        *part = 0;
    }
    Version::new(release).with_epoch(version.epoch())
}

/// Parses a PEP 440 version, with a message naming the input.
pub(crate) fn parse(text: &str) -> anyhow::Result<Version> {
    Version::from_str(text)
        .map_err(|err| anyhow::anyhow!("`{text}` is not a valid PEP 440 version: {err}"))
}

/// The literal `[project].version` of a `pyproject.toml` (PEP 621). A dynamic version is an
/// error: pyship needs the version before building.
pub(crate) fn read_project_version(pyproject: &Path) -> anyhow::Result<String> {
    let text = fs_err::read_to_string(pyproject)?;
    let document: toml::Table = toml::from_str(&text)
        .with_context(|| format!("`{}` is not valid TOML", pyproject.display()))?;
    let project = document.get("project").and_then(toml::Value::as_table);
    let Some(project) = project else {
        bail!("`{}` has no `[project]` table", pyproject.display());
    };
    match project.get("version") {
        Some(toml::Value::String(version)) => Ok(version.clone()),
        Some(other) => bail!(
            "`project.version` in `{}` is a {}: expected a string",
            pyproject.display(),
            other.type_str()
        ),
        // FIXME(#2): dynamic versions (flit's `__version__`, setuptools-scm) are not read yet.
        None => bail!(
            "`{}` has no literal `project.version` (dynamic versions are not supported yet): pass `--version`",
            pyproject.display()
        ),
    }
}

/// Rewrites the `version = "..."` line of the `[project]` table to `version`, keeping every
/// other byte, then re-reads the file to prove the new value landed where PEP 621 looks for it.
pub(crate) fn write_project_version(pyproject: &Path, version: &str) -> anyhow::Result<()> {
    let text = fs_err::read_to_string(pyproject)?;
    let updated = replace_project_version(&text, version)
        .with_context(|| format!("failed to change the version in `{}`", pyproject.display()))?;
    fs_err::write(pyproject, updated)?;
    let written = read_project_version(pyproject)?;
    if written != version {
        bail!(
            "`{}` reads as version `{written}` after the change: expected `{version}`",
            pyproject.display()
        );
    }
    Ok(())
}

fn replace_project_version(text: &str, version: &str) -> anyhow::Result<String> {
    let mut table = String::new();
    let mut n_replaced = 0;
    let mut out = String::with_capacity(text.len() + version.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            trimmed.trim_end().clone_into(&mut table);
        }
        let is_version_key = trimmed
            .strip_prefix("version")
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if table == "[project]" && is_version_key {
            let indent = &line[..line.len() - trimmed.len()];
            let newline = if line.ends_with('\n') { "\n" } else { "" };
            out.push_str(indent);
            out.push_str("version = \"");
            out.push_str(version);
            out.push('"');
            out.push_str(newline);
            n_replaced += 1;
        } else {
            out.push_str(line);
        }
    }
    if n_replaced != 1 {
        bail!("found {n_replaced} `version = ...` lines in `[project]`: expected exactly one");
    }
    Ok(out)
}

/// The version part of an artifact's file name (`name-1.0-py3-none-any.whl`, `name-1.0.tar.gz`).
pub(crate) fn filename_version(filename: &str) -> Option<&str> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        return stem.split('-').nth(1);
    }
    let stem = filename.strip_suffix(".tar.gz")?;
    stem.rsplit_once('-').map(|(_, version)| version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bumped(version: &str, kind: Bump) -> String {
        bump(&parse(version).unwrap(), kind).to_string()
    }

    #[test]
    fn ok_bump_parts() {
        assert_eq!(bumped("1.4.2", Bump::Major), "2.0.0");
        assert_eq!(bumped("1.4.2", Bump::Minor), "1.5.0");
        assert_eq!(bumped("1.4.2", Bump::Patch), "1.4.3");
        assert_eq!(bumped("0.1", Bump::Minor), "0.2.0");
        assert_eq!(bumped("1.0.0rc1.post2.dev3+local", Bump::Patch), "1.0.1");
        assert_eq!(bumped("1!2.0.0", Bump::Major), "1!3.0.0");
    }

    #[test]
    fn err_parse_names_input() {
        let err = parse("1.0.x").unwrap_err().to_string();
        assert!(err.contains("`1.0.x`"), "{err}");
    }

    #[test]
    fn ok_replace_only_project_version() {
        let text = "[tool.x]\nversion = \"9\"\n[project]\nname = \"a\"\n  version = '0.1.0'\n[b]\nversion=1\n";
        let out = replace_project_version(text, "0.2.0").unwrap();
        assert_eq!(
            out,
            "[tool.x]\nversion = \"9\"\n[project]\nname = \"a\"\n  version = \"0.2.0\"\n[b]\nversion=1\n"
        );
    }

    #[test]
    fn err_replace_without_version_line() {
        let err = replace_project_version("[project]\nname = \"a\"\n", "1").unwrap_err();
        assert!(err.to_string().contains("found 0"), "{err}");
    }

    #[test]
    fn ok_filename_version() {
        assert_eq!(filename_version("a_b-1.0-py3-none-any.whl"), Some("1.0"));
        assert_eq!(filename_version("a_b-1.0.post1.tar.gz"), Some("1.0.post1"));
        assert_eq!(filename_version("notes.txt"), None);
    }
}
