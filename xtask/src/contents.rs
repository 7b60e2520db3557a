//! The artifacts against the project's files in git, in `dry-run`:
//! - WHL-11: each built wheel's library files against the project's package tree in git
//!   (`git ls-files`), or against the configured `toplevel` list when there is one;
//! - PROV-02: each sdist's files against the tree of the release commit (`HEAD`, with the version
//!   change applied when there is one), path and content.
//!
//! The comparisons are pyship-verify's (`tree`, `provenance`); this module supplies the archive
//! members and the trees from git.
//!
//! See: verify-rules.md §2 WHL-11, §2.10 PROV-02.

use std::path::Path;

use pyship_verify::{ArtifactKind, CheckId, Findings, Report, VerifyOptions, provenance, tree};

use crate::build::VersionFile;
use crate::cmd::Cmd;
use crate::git;

/// Adds WHL-11 findings to every wheel of `report`. The tree is the project's tracked files, with
/// a `src/` layout's prefix removed; `toplevel`, when configured, replaces the tree comparison.
pub(crate) fn check(project: &Path, toplevel: Option<&[String]>, report: &mut Report) {
    let tree = match toplevel {
        Some(_) => Ok(Vec::new()),
        None => tracked_files(project),
    };
    for artifact in &mut report.artifacts {
        if artifact.kind != ArtifactKind::Wheel {
            continue;
        }
        let mut findings = Findings::new(Some(&artifact.filename));
        match (member_names(&artifact.path), &tree) {
            (Some(members), _) if toplevel.is_some() => {
                tree::check_toplevel(&members, toplevel.unwrap_or_default(), &mut findings);
            }
            (Some(members), Ok(tree)) => tree::check_against_tree(&members, tree, &mut findings),
            // Unreadable archives already carry their ZIP-* errors.
            (None, _) => {}
            (Some(_), Err(err)) => findings.warn(
                pyship_verify::CheckId("WHL-11"),
                None,
                format!(
                    "the package tree could not be listed ({err:#}); expected `git ls-files` to list `{}`",
                    project.display()
                ),
            ),
        }
        artifact.findings.extend(findings.into_vec());
    }
}

/// Adds PROV-02 findings to every sdist of `report`: each of its files must be in the tree of the
/// release commit, `HEAD` of the repository holding `project` with `version_file` (the file a
/// version change rewrote, and the sha256 of its new content) in place of `HEAD`'s, or be a
/// generated file that carries `version`.
pub(crate) fn check_sdists(
    project: &Path,
    version_file: Option<&VersionFile>,
    version: Option<&str>,
    report: &mut Report,
) {
    let tree = release_tree(project, version_file);
    for artifact in &mut report.artifacts {
        if artifact.kind != ArtifactKind::Sdist {
            continue;
        }
        let mut findings = Findings::new(Some(&artifact.filename));
        let version = version.or(artifact.version.as_deref()).unwrap_or_default();
        match (sdist_contents(&artifact.path, &artifact.filename), &tree) {
            (Some(contents), Ok(tree)) => {
                let commit = provenance::ReleaseCommit {
                    files: &tree.files,
                    rewritten: &tree.rewritten,
                    parent_gitignores: &tree.parent_gitignores,
                };
                provenance::check_sdist_against_commit(&contents, &commit, version, &mut findings);
            }
            // An sdist pyship-verify could not read already carries its SD-* errors.
            (None, _) => {}
            (Some(_), Err(err)) => findings.error(
                CheckId("PROV-02"),
                None,
                format!(
                    "the release commit's tree could not be read ({err:#}); expected `git ls-tree HEAD` to list `{}`",
                    project.display()
                ),
            ),
        }
        artifact.findings.extend(findings.into_vec());
    }
}

/// The release commit below the project directory.
struct ReleaseTree {
    /// Paths relative to the project, with the sha256 of their content.
    files: Vec<(String, [u8; 32])>,
    /// The committed `setup.cfg` and `pyproject.toml` (after the version change), which build
    /// backends rewrite into the sdist.
    rewritten: Vec<(String, Vec<u8>)>,
    /// The sha256 of each `.gitignore` above the project, up to the repository root.
    parent_gitignores: Vec<[u8; 32]>,
}

/// `HEAD`'s files below `project`, relative to it, with the version change applied.
fn release_tree(project: &Path, version_file: Option<&VersionFile>) -> anyhow::Result<ReleaseTree> {
    use sha2::{Digest as _, Sha256};

    let head = git::head_sha(project)?;
    let mut files = git::tree_digests(project, &head)?;
    if let Some(changed) = version_file {
        match files.iter_mut().find(|(path, _)| *path == changed.path) {
            Some(entry) => entry.1 = changed.sha256,
            None => files.push((changed.path.clone(), changed.sha256)),
        }
    }
    // `HEAD:<path>` is relative to the repository root, `HEAD:./<path>` to the project.
    let blob = |spec: String| -> anyhow::Result<Option<Vec<u8>>> {
        let output = Cmd::git(project)
            .args(["cat-file", "blob", &spec])
            .output()?;
        Ok(output.status.success().then_some(output.stdout))
    };
    let mut rewritten = Vec::new();
    for name in ["setup.cfg", "pyproject.toml"] {
        let content = match version_file {
            Some(changed) if changed.path == name => Some(changed.content.clone()),
            _ if files.iter().any(|(path, _)| path == name) => blob(format!("{head}:./{name}"))?,
            _ => None,
        };
        if let Some(content) = content {
            rewritten.push((name.to_owned(), content));
        }
    }
    let prefix = Cmd::git(project)
        .args(["rev-parse", "--show-prefix"])
        .read()?;
    let mut parent_gitignores = Vec::new();
    let mut dir = prefix.trim_end_matches('/').to_owned();
    while !dir.is_empty() {
        dir = dir
            .rsplit_once('/')
            .map_or_else(String::new, |(parent, _)| parent.to_owned());
        let path = if dir.is_empty() {
            ".gitignore".to_owned()
        } else {
            format!("{dir}/.gitignore")
        };
        if let Some(content) = blob(format!("{head}:{path}"))? {
            parent_gitignores.push(Sha256::digest(&content).into());
        }
    }
    Ok(ReleaseTree {
        files,
        rewritten,
        parent_gitignores,
    })
}

/// The files of an sdist that pyship-verify already judged, read again with its strict reader.
fn sdist_contents(path: &Path, filename: &str) -> Option<pyship_verify::cross::ArtifactContents> {
    let mut file = std::io::BufReader::new(fs_err::File::open(path).ok()?);
    let mut ignored = Findings::new(None);
    let options = VerifyOptions {
        target: pyship_verify::Target::Generic,
        md5: false,
        renderer: None,
        reporter: None,
        source_date_epoch: None,
    };
    pyship_verify::sdist::verify_sdist(filename, &mut file, &options, &mut ignored).ok()
}

/// The member names of a wheel that pyship-verify already judged, read with its strict reader.
fn member_names(path: &Path) -> Option<Vec<String>> {
    let mut file = fs_err::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut ignored = Findings::new(None);
    let archive = pyship_verify::zip::read_strict(&mut file, len, None, &mut ignored).ok()??;
    Some(
        archive
            .entries
            .into_iter()
            .map(|entry| entry.name)
            .collect(),
    )
}

/// The project's tracked files relative to its directory, `src/` layout prefix removed.
fn tracked_files(project: &Path) -> anyhow::Result<Vec<String>> {
    let listing = Cmd::git(project)
        .args(["ls-files", "-z", "--full-name", "--", "."])
        .read()?;
    let prefix = Cmd::git(project)
        .args(["rev-parse", "--show-prefix"])
        .read()?;
    Ok(listing
        .split('\0')
        .filter(|path| !path.is_empty())
        .map(|path| path.strip_prefix(prefix.as_str()).unwrap_or(path))
        .map(|path| path.strip_prefix("src/").unwrap_or(path).to_owned())
        .collect())
}
