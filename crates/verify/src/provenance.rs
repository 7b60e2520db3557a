//! PROV-02: every file of an sdist comes from the git tree of the release commit, or is one of
//! the files a build backend generates, with content that proves it is only that.
//!
//! An sdist is what downstream rebuilds from, so a file slipped into it (a build step that writes
//! into the source tree, an injected module as in ultralytics#18027) ships without ever being
//! reviewed. The caller supplies the commit's tree as paths and content digests (e.g. from
//! `git ls-tree` and `git cat-file`); nothing here runs git or reads a disk.
//!
//! See: verify-rules.md §2.10 PROV-02, §4 T111.

use std::collections::HashMap;

use crate::check::{CheckId, Findings};
use crate::cross::ArtifactContents;

const PROV_02: CheckId = CheckId("PROV-02");

/// Findings per kind (not in the tree, differing) before the rest are only counted.
const MAX_LISTED: usize = 20;

/// Compares the sdist's regular files with `tree`: the release commit's files below the project
/// directory, as paths relative to it with the sha256 of their content. `version` is the release
/// version a generated `_version.py` must carry.
///
/// A member passes when the tree has the same path with the same sha256, or when it is a
/// generated file: `PKG-INFO` at the root (its content is judged by SD-08 and META-*), files
/// under a `*.egg-info/` directory, a `setup.cfg` whose only difference can be setuptools'
/// `[egg_info]` stanza, or a `_version.py` that assigns exactly `version`. Anything else is an
/// error naming the member and what the tree holds.
pub fn check_sdist_against_commit(
    sdist: &ArtifactContents,
    tree: &[(String, [u8; 32])],
    version: &str,
    findings: &mut Findings,
) {
    let tree: HashMap<&str, &[u8; 32]> = tree
        .iter()
        .map(|(path, digest)| (path.as_str(), digest))
        .collect();
    let kept: HashMap<&str, &[u8]> = sdist
        .kept
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();
    let mut untracked = 0usize;
    let mut differing = 0usize;
    for (path, digest) in &sdist.files {
        let in_tree = tree.get(path.as_str()).copied();
        if in_tree == Some(digest) {
            continue;
        }
        if let Some(verdict) = generated(path, in_tree.is_some(), kept.get(path.as_str()), version)
        {
            if let Err(problem) = verdict {
                findings.error(
                    PROV_02,
                    Some(path),
                    format!(
                        "generated file {problem}; expected the release commit's file or exactly what the build backend writes"
                    ),
                );
            }
            continue;
        }
        match in_tree {
            None => {
                untracked += 1;
                if untracked <= MAX_LISTED {
                    findings.error(
                        PROV_02,
                        Some(path),
                        format!(
                            "`{path}` is not in the git tree of the release commit; expected every sdist file to be committed (or generated: PKG-INFO, *.egg-info/, setup.cfg, _version.py)"
                        ),
                    );
                }
            }
            Some(expected) => {
                differing += 1;
                if differing <= MAX_LISTED {
                    findings.error(
                        PROV_02,
                        Some(path),
                        format!(
                            "`{path}` differs from the release commit's file: sha256 {} in the sdist, expected {} as in git",
                            hex(digest),
                            hex(expected)
                        ),
                    );
                }
            }
        }
    }
    for (count, what) in [
        (untracked, "not in the git tree of the release commit"),
        (differing, "different from the release commit's files"),
    ] {
        if count > MAX_LISTED {
            findings.error(
                PROV_02,
                None,
                format!(
                    "{} more sdist file(s) {what} (only the first {MAX_LISTED} are listed)",
                    count - MAX_LISTED
                ),
            );
        }
    }
}

/// `None` when `path` is no generated file; otherwise whether its content is acceptable.
fn generated(
    path: &str,
    tracked: bool,
    content: Option<&&[u8]>,
    version: &str,
) -> Option<Result<(), String>> {
    let components: Vec<&str> = path.split('/').collect();
    let (file, dirs) = components.split_last()?;
    if path == "PKG-INFO" {
        // FIXME(#2): compare PKG-INFO with the metadata computed from pyproject.toml, as
        // PROV-02 asks; today its content is judged only by SD-08 and META-*.
        return Some(Ok(()));
    }
    // setuptools writes `{name}.egg-info/` next to the packages: at the root or under `src/`.
    if dirs.len() <= 2 && dirs.iter().any(|dir| dir.ends_with(".egg-info")) {
        // FIXME(#2): validate the egg-info files (PKG-INFO, SOURCES.txt, ...) against the sdist.
        return Some(Ok(()));
    }
    if path == "setup.cfg" {
        return Some(match content {
            Some(bytes) => setup_cfg(bytes, tracked),
            None => Err("`setup.cfg` could not be read (over 16 MiB)".to_owned()),
        });
    }
    if *file == "_version.py" {
        return Some(match content {
            Some(bytes) => version_file(path, bytes, version),
            None => Err(format!("`{path}` could not be read (over 16 MiB)")),
        });
    }
    None
}

/// setuptools writes `[egg_info]` with `tag_build`/`tag_date` into the sdist's `setup.cfg`,
/// rewriting the file (comments dropped). Untracked, the stanza must be all there is; tracked,
/// the stanza must be there to explain the difference.
fn setup_cfg(bytes: &[u8], tracked: bool) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "`setup.cfg` is not UTF-8".to_owned())?;
    let mut section: Option<&str> = None;
    let mut has_egg_info = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim());
            has_egg_info |= name.trim() == "egg_info";
            if !tracked && name.trim() != "egg_info" {
                return Err(format!(
                    "`setup.cfg` is not in the release commit and has a `[{}]` section; only setuptools' `[egg_info]` stanza may be generated",
                    name.trim()
                ));
            }
            continue;
        }
        if section == Some("egg_info") {
            let key = line.split(['=', ':']).next().unwrap_or(line).trim();
            if !["tag_build", "tag_date", "tag_svn_revision"].contains(&key) {
                return Err(format!(
                    "`setup.cfg` sets `{key}` in `[egg_info]`; setuptools generates only `tag_build` and `tag_date` there"
                ));
            }
        } else if !tracked {
            return Err(
                "`setup.cfg` is not in the release commit and has settings outside `[egg_info]`"
                    .to_owned(),
            );
        }
    }
    if has_egg_info {
        // FIXME(#2): compare the other sections with the committed `setup.cfg` (setuptools
        // rewrites the file through configparser, so only a parsed comparison can do it).
        Ok(())
    } else {
        Err("`setup.cfg` differs from the release commit's and has no `[egg_info]` stanza that would explain it".to_owned())
    }
}

/// A generated `_version.py` (setuptools-scm, hatch-vcs) assigns the version to names like
/// `__version__` and `version`: every such string must be exactly the release version.
fn version_file(path: &str, bytes: &[u8], version: &str) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("`{path}` is not UTF-8"))?;
    let mut found = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || !line.contains('=') {
            continue;
        }
        let parts: Vec<&str> = line.split('=').map(str::trim).collect();
        let Some((value, targets)) = parts.split_last() else {
            continue;
        };
        let names_version = targets.iter().any(|target| {
            let name = target.split(':').next().unwrap_or(target).trim();
            name.contains("version") && !name.contains("tuple")
        });
        if !names_version {
            continue;
        }
        let literal = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')));
        match literal {
            Some(literal) => found.push(literal),
            None => {
                return Err(format!(
                    "`{path}` computes its version (`{line}`); expected the literal `{version}`"
                ));
            }
        }
    }
    match found.iter().find(|literal| **literal != version) {
        _ if found.is_empty() => Err(format!(
            "`{path}` assigns no version string; expected `__version__ = \"{version}\"`"
        )),
        Some(other) => Err(format!(
            "`{path}` says version `{other}`; expected exactly `{version}`"
        )),
        None => Ok(()),
    }
}

fn hex(digest: &[u8; 32]) -> String {
    use std::fmt::Write as _;
    digest.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ArtifactKind;

    fn sdist(files: &[(&str, u8)], kept: &[(&str, &str)]) -> ArtifactContents {
        ArtifactContents {
            filename: "foo-1.0.tar.gz".to_owned(),
            kind: ArtifactKind::Sdist,
            metadata: None,
            files: files
                .iter()
                .map(|(p, b)| ((*p).to_owned(), [*b; 32]))
                .collect(),
            kept: kept
                .iter()
                .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec()))
                .collect(),
        }
    }

    fn tree(files: &[(&str, u8)]) -> Vec<(String, [u8; 32])> {
        files
            .iter()
            .map(|(p, b)| ((*p).to_owned(), [*b; 32]))
            .collect()
    }

    fn run(sdist: &ArtifactContents, tree: &[(String, [u8; 32])]) -> Vec<crate::Finding> {
        let mut findings = Findings::new(Some("foo-1.0.tar.gz"));
        check_sdist_against_commit(sdist, tree, "1.0", &mut findings);
        findings.into_vec()
    }

    const TREE: &[(&str, u8)] = &[("pyproject.toml", 1), ("foo/__init__.py", 2), ("README", 3)];

    #[test]
    fn ok_prov02_committed_files_and_pkg_info() {
        let found = run(
            &sdist(
                &[
                    ("pyproject.toml", 1),
                    ("foo/__init__.py", 2),
                    ("PKG-INFO", 9),
                ],
                &[],
            ),
            &tree(TREE),
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn err_prov02_t111_file_not_in_the_tree() {
        let found = run(
            &sdist(&[("foo/__init__.py", 2), ("foo/_miner.py", 4)], &[]),
            &tree(TREE),
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].id.as_str(), "PROV-02");
        assert_eq!(found[0].severity, crate::Severity::Error);
        assert_eq!(found[0].member.as_deref(), Some("foo/_miner.py"));
        assert!(
            found[0].message.contains("not in the git tree"),
            "{found:#?}"
        );
    }

    #[test]
    fn err_prov02_file_differs_from_the_commit() {
        let found = run(&sdist(&[("foo/__init__.py", 7)], &[]), &tree(TREE));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].message.contains(&"07".repeat(32))
                && found[0].message.contains(&"02".repeat(32)),
            "{found:#?}"
        );
    }

    #[test]
    fn ok_prov02_setuptools_generated_files() {
        let found = run(
            &sdist(
                &[
                    ("src/foo.egg-info/SOURCES.txt", 5),
                    ("setup.cfg", 6),
                    ("foo/_version.py", 8),
                ],
                &[
                    ("setup.cfg", "[egg_info]\ntag_build = \ntag_date = 0\n\n"),
                    (
                        "foo/_version.py",
                        "# generated\n__version__ = version = '1.0'\n__version_tuple__ = version_tuple = (1, 0)\n",
                    ),
                ],
            ),
            &tree(TREE),
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn err_prov02_generated_files_with_foreign_content() {
        let found = run(
            &sdist(
                &[("setup.cfg", 6), ("foo/_version.py", 8)],
                &[
                    ("setup.cfg", "[options]\npackages = find:\n"),
                    ("foo/_version.py", "__version__ = '2.0'\n"),
                ],
            ),
            &tree(TREE),
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].message.contains("`[options]`"), "{found:#?}");
        assert!(found[1].message.contains("`2.0`"), "{found:#?}");
    }

    #[test]
    fn ok_prov02_committed_setup_cfg_with_egg_info_stanza() {
        let found = run(
            &sdist(
                &[("setup.cfg", 6)],
                &[(
                    "setup.cfg",
                    "[metadata]\nname = foo\n\n[egg_info]\ntag_build = \ntag_date = 0\n",
                )],
            ),
            &tree(&[("setup.cfg", 5)]),
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn err_prov02_many_untracked_files_are_capped() {
        let names: Vec<String> = (0..25).map(|i| format!("junk/{i}.bin")).collect();
        let files: Vec<(&str, u8)> = names.iter().map(|n| (n.as_str(), 1)).collect();
        let found = run(&sdist(&files, &[]), &tree(TREE));
        assert_eq!(found.len(), MAX_LISTED + 1, "{found:#?}");
        assert!(
            found[MAX_LISTED].message.starts_with("5 more"),
            "{found:#?}"
        );
    }
}
