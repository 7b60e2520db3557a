//! WHL-11 in `dry-run`: each built wheel's library files against the project's package tree in
//! git (`git ls-files`), or against the configured `toplevel` list when there is one. The
//! comparison is pyship-verify's (`tree`); this module supplies the wheel's member names and the
//! tree.
//!
//! See: verify-rules.md §2 WHL-11.

use std::path::Path;

use pyship_verify::{ArtifactKind, Findings, Report, tree};

use crate::cmd::Cmd;

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
