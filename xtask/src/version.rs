//! Release versions: the version in the project's `pyproject.toml`, `--bump`, explicit versions
//! (PEP 440, parsed with `pep440_rs`), and the one-line version change made in a temporary
//! worktree.
//!
//! See: https://packaging.python.org/en/latest/specifications/version-specifiers/

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use anyhow::{Context as _, bail};
use clap::ValueEnum;
use pep440_rs::Version;

mod dynamic;

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

/// The version the project's files carry and the file it is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProjectVersion {
    /// The version as written.
    pub(crate) text: String,
    /// The file holding it, relative to the project directory.
    pub(crate) file: PathBuf,
}

/// Reads the project's version: the literal `[project].version` of its `pyproject.toml` (PEP
/// 621), or, when `project.dynamic` lists `version`, the static `__version__ = "..."` of the
/// module flit reads or of hatch's `[tool.hatch.version] path`. A version derived from git
/// (setuptools-scm, hatch-vcs and the like) is an error: pyship would have to guess it.
///
/// See: https://packaging.python.org/en/latest/specifications/pyproject-toml/#dynamic
pub(crate) fn read_project_version(project_dir: &Path) -> anyhow::Result<ProjectVersion> {
    let pyproject = project_dir.join(PYPROJECT);
    let document = read_pyproject(&pyproject)?;
    let file = pyproject.display();
    let Some(project) = document.get("project").and_then(toml::Value::as_table) else {
        bail!(
            "`{file}` has no `[project]` table: expected one with `name` and `version` (PEP 621)"
        );
    };
    match project.get("version") {
        Some(toml::Value::String(version)) => Ok(ProjectVersion {
            text: version.clone(),
            file: PathBuf::from(PYPROJECT),
        }),
        Some(other) => bail!(
            "`project.version` in `{file}` is a {}: expected a string",
            other.type_str()
        ),
        None if lists_dynamic_version(project) => dynamic::read(project_dir, &document, &pyproject),
        None => bail!(
            "`{file}` has no `project.version` and `project.dynamic` does not list `version`: expected `version = \"...\"` in `[project]`"
        ),
    }
}

const PYPROJECT: &str = "pyproject.toml";

fn lists_dynamic_version(project: &toml::Table) -> bool {
    project
        .get("dynamic")
        .and_then(toml::Value::as_array)
        .is_some_and(|dynamic| dynamic.iter().any(|v| v.as_str() == Some("version")))
}

/// Parses a `pyproject.toml`. A syntax error is one line naming the file, the position and the
/// parser's message, so that it fits in a gate's evidence.
pub(crate) fn read_pyproject(path: &Path) -> anyhow::Result<toml::Table> {
    let text = fs_err::read_to_string(path)?;
    toml::from_str(&text).map_err(|err| {
        anyhow::anyhow!(
            "`{}` is not valid TOML ({}): expected a `pyproject.toml` that parses, with a `[project]` table",
            path.display(),
            toml_error(&text, &err)
        )
    })
}

fn toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().replace('\n', " ");
    let Some(span) = err.span() else {
        return message;
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("line {line}, column {column}: {message}")
}

/// Changes the project's version to `version` in the file it was read from (`current.file`),
/// keeping every other byte, then re-reads the project to prove the new value landed where the
/// build backend looks for it.
pub(crate) fn write_project_version(
    project_dir: &Path,
    current: &ProjectVersion,
    version: &str,
) -> anyhow::Result<()> {
    let path = project_dir.join(&current.file);
    let text = fs_err::read_to_string(&path)?;
    let updated = if current.file == Path::new(PYPROJECT) {
        replace_project_version(&text, version)
    } else {
        dynamic::replace_module_version(&text, version)
    };
    let updated =
        updated.with_context(|| format!("failed to change the version in `{}`", path.display()))?;
    fs_err::write(&path, updated)?;
    let written = read_project_version(project_dir)?;
    if written.text != version || written.file != current.file {
        bail!(
            "the project reads as version `{}` from `{}` after the change: expected `{version}` from `{}`",
            written.text,
            written.file.display(),
            path.display()
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
    fn err_unparseable_pyproject_is_one_line_with_position_and_expectation() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"a\"\nversion = 0.1.0\"\n",
        )
        .unwrap();
        let err = read_project_version(dir.path()).unwrap_err().to_string();
        assert!(!err.contains('\n'), "{err}");
        assert!(err.contains("is not valid TOML (line 3, column "), "{err}");
        assert!(
            err.contains("expected a `pyproject.toml` that parses"),
            "{err}"
        );
    }

    #[test]
    fn ok_write_project_version_edits_the_file_it_was_read_from() {
        let dir = tempfile::tempdir().unwrap();
        let pyproject = "[build-system]\nbuild-backend = \"flit_core.buildapi\"\n[project]\nname = \"demo-pkg\"\ndynamic = [\"version\"]\n";
        fs_err::write(dir.path().join("pyproject.toml"), pyproject).unwrap();
        fs_err::write(dir.path().join("demo_pkg.py"), "__version__ = \"1.0\"\n").unwrap();
        let current = read_project_version(dir.path()).unwrap();
        assert_eq!(current.file, PathBuf::from("demo_pkg.py"));
        write_project_version(dir.path(), &current, "1.1").unwrap();
        assert_eq!(read_project_version(dir.path()).unwrap().text, "1.1");
        let unchanged = fs_err::read_to_string(dir.path().join("pyproject.toml")).unwrap();
        assert_eq!(unchanged, pyproject);
    }

    #[test]
    fn ok_filename_version() {
        assert_eq!(filename_version("a_b-1.0-py3-none-any.whl"), Some("1.0"));
        assert_eq!(filename_version("a_b-1.0.post1.tar.gz"), Some("1.0.post1"));
        assert_eq!(filename_version("notes.txt"), None);
    }
}
