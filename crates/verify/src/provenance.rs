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
use std::str::FromStr as _;

use crate::check::{CheckId, Findings};
use crate::cross::ArtifactContents;
use crate::filename::normalize_name;

mod ini;
pub mod pyproject;

const PROV_02: CheckId = CheckId("PROV-02");

/// Findings per kind (not in the tree, differing) before the rest are only counted.
const MAX_LISTED: usize = 20;

/// The release commit as PROV-02 needs it. The caller reads it from git (`git ls-tree`,
/// `git cat-file`); nothing here runs git.
#[derive(Debug, Clone, Copy)]
pub struct ReleaseCommit<'a> {
    /// The files below the project directory: paths relative to it, with the sha256 of their
    /// content.
    pub files: &'a [(String, [u8; 32])],
    /// The content of the committed files that build backends rewrite into an sdist, by path
    /// relative to the project: `setup.cfg` (setuptools adds `[egg_info]`) and `pyproject.toml`
    /// (pdm-backend writes it anew). Without it, a rewritten copy is an error.
    pub rewritten: &'a [(String, Vec<u8>)],
    /// The sha256 of each `.gitignore` in the directories above the project, up to the
    /// repository root: hatchling copies the nearest one into the sdist of a project that is not
    /// at the root.
    pub parent_gitignores: &'a [[u8; 32]],
}

/// Compares the sdist's regular files with the release commit. `version` is the release version
/// a generated `_version.py` must carry.
///
/// A member passes when the commit has the same path with the same sha256, or when it is a
/// generated or rewritten file: `PKG-INFO` at the root that says what `pyproject.toml` declares
/// ([`pyproject::compare`]), the files setuptools writes into a `*.egg-info/` directory (its
/// `PKG-INFO` a copy of the root one, its `SOURCES.txt` the sdist's file list), a `setup.cfg`
/// that reads as the committed one plus setuptools' `[egg_info]` stanza, a `pyproject.toml` that
/// parses to the committed one's data, a root `.gitignore` equal to one above the project, or a
/// `_version.py` that assigns exactly `version`. Anything else is an error naming the member and
/// what the commit holds.
pub fn check_sdist_against_commit(
    sdist: &ArtifactContents,
    commit: &ReleaseCommit<'_>,
    version: &str,
    findings: &mut Findings,
) {
    let tree: HashMap<&str, &[u8; 32]> = commit
        .files
        .iter()
        .map(|(path, digest)| (path.as_str(), digest))
        .collect();
    let committed = |path: &str| {
        commit
            .rewritten
            .iter()
            .find(|(file, _)| file == path)
            .map(|(_, bytes)| bytes.as_slice())
    };
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
        if path == "PKG-INFO" {
            // Its syntax and fields are judged by SD-08 and META-*; here, its origin.
            if let (Some(metadata), Some(pyproject)) = (&sdist.metadata, kept.get("pyproject.toml"))
            {
                let pyproject = String::from_utf8_lossy(pyproject);
                for difference in
                    pyproject::compare(metadata, &pyproject, &sdist.files, &sdist.kept)
                {
                    findings.push(PROV_02, difference.severity, Some(path), difference.message);
                }
            }
            continue;
        }
        if path == ".gitignore" && in_tree.is_none() && commit.parent_gitignores.contains(digest) {
            continue;
        }
        if let Some(verdict) = generated(
            path,
            committed(path),
            in_tree.is_some(),
            sdist,
            &kept,
            version,
        ) {
            if let Err(problem) = verdict {
                findings.error(
                    PROV_02,
                    Some(path),
                    format!(
                        "generated or rewritten file: {problem}; expected the release commit's file, or exactly what a build backend writes from it"
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
                            "`{path}` is not in the git tree of the release commit; expected every sdist file to be committed (or generated: PKG-INFO, *.egg-info/, setup.cfg, _version.py, a root .gitignore copied from above the project)"
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

/// The files setuptools' `egg_info` command writes (its `egg_info.writers`, the manifest and the
/// zip-safety flag), and those of the plugins seen in real sdists (setuptools-scm, pbr).
const EGG_INFO_FILES: &[&str] = &[
    "PKG-INFO",
    "SOURCES.txt",
    "dependency_links.txt",
    "top_level.txt",
    "requires.txt",
    "entry_points.txt",
    "namespace_packages.txt",
    "eager_resources.txt",
    "depends.txt",
    "not-zip-safe",
    "zip-safe",
    "scm_file_list.json",
    "scm_version.json",
    "pbr.json",
];

/// `None` when `path` is no generated file; otherwise whether its content is acceptable.
fn generated(
    path: &str,
    committed: Option<&[u8]>,
    tracked: bool,
    sdist: &ArtifactContents,
    kept: &HashMap<&str, &[u8]>,
    version: &str,
) -> Option<Result<(), String>> {
    let content = kept.get(path);
    let components: Vec<&str> = path.split('/').collect();
    let (file, dirs) = components.split_last()?;
    // setuptools writes `{name}.egg-info/` next to the packages: at the root, under `src/` or
    // another package directory.
    if let Some(at) = dirs.iter().position(|dir| dir.ends_with(".egg-info"))
        && dirs.len() <= 2
    {
        return Some(egg_info_file(
            path,
            &dirs[..=at],
            dirs.len() == at + 1,
            file,
            sdist,
            kept,
        ));
    }
    if path == "pyproject.toml" && tracked {
        return Some(match content {
            Some(bytes) => same_toml(bytes, committed, version),
            None => Err("`pyproject.toml` could not be read (over 16 MiB)".to_owned()),
        });
    }
    if path == "setup.cfg" {
        return Some(match content {
            Some(bytes) => setup_cfg(bytes, tracked, committed),
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

/// A file in a generated `*.egg-info/` directory: one of the names setuptools writes, directly in
/// the directory; its `PKG-INFO` the same bytes as the sdist's root `PKG-INFO` (setuptools copies
/// one to the other); its `SOURCES.txt` the sdist's file list, every other sdist file listed and
/// nothing more (only the root `PKG-INFO` and a rewritten `setup.cfg` are added after it is
/// written). Checked against 5 setuptools sdists in the corpus (markupsafe, pluggy, pyyaml,
/// requests, six).
fn egg_info_file(
    path: &str,
    egg_dirs: &[&str],
    directly_inside: bool,
    file: &str,
    sdist: &ArtifactContents,
    kept: &HashMap<&str, &[u8]>,
) -> Result<(), String> {
    let egg = egg_dirs.join("/");
    if !directly_inside {
        return Err(format!(
            "`{path}` is in a subdirectory of `{egg}/`, where setuptools writes none"
        ));
    }
    if !EGG_INFO_FILES.contains(&file) {
        return Err(format!(
            "`{path}` is not a file setuptools writes into `{egg}/` (it writes {})",
            EGG_INFO_FILES.join(", ")
        ));
    }
    let unreadable = |what: &str| format!("`{what}` could not be read (over 16 MiB)");
    match file {
        "PKG-INFO" => {
            let ours = kept.get(path).ok_or_else(|| unreadable(path))?;
            let root = kept.get("PKG-INFO").ok_or_else(|| unreadable("PKG-INFO"))?;
            if same_pkg_info(ours, root) {
                Ok(())
            } else {
                Err(format!(
                    "`{path}` differs from the sdist's root `PKG-INFO`, of which setuptools writes it as a copy"
                ))
            }
        }
        "SOURCES.txt" => {
            let bytes = kept.get(path).ok_or_else(|| unreadable(path))?;
            let text = std::str::from_utf8(bytes).map_err(|_| format!("`{path}` is not UTF-8"))?;
            sources_listing(path, text, sdist)
        }
        _ => Ok(()),
    }
}

/// Whether an egg-info `PKG-INFO` is the root one: the same bytes, except that older setuptools
/// (65.5, the test venv's) writes the `Name` there in its escaped form (`pyship-demo` for
/// `pyship_demo`), so that line may differ when both names normalize alike.
fn same_pkg_info(egg: &[u8], root: &[u8]) -> bool {
    if egg == root {
        return true;
    }
    let (Ok(egg), Ok(root)) = (std::str::from_utf8(egg), std::str::from_utf8(root)) else {
        return false;
    };
    let (egg, root): (Vec<&str>, Vec<&str>) =
        (egg.split('\n').collect(), root.split('\n').collect());
    egg.len() == root.len()
        && egg.iter().zip(&root).all(|(a, b)| {
            a == b
                || matches!(
                    (a.strip_prefix("Name: "), b.strip_prefix("Name: ")),
                    (Some(x), Some(y)) if normalize_name(x.trim()) == normalize_name(y.trim())
                )
        })
}

/// Compares a `SOURCES.txt` with the sdist's regular files.
fn sources_listing(path: &str, text: &str, sdist: &ArtifactContents) -> Result<(), String> {
    use std::fmt::Write as _;
    const SHOWN: usize = 5;
    // setuptools lists a file named with `./` in pyproject.toml (`readme = "./README.md"`) as
    // written.
    let listed: std::collections::HashSet<&str> = text
        .lines()
        .map(str::trim)
        .map(|line| line.strip_prefix("./").unwrap_or(line))
        .filter(|line| !line.is_empty())
        .collect();
    let files: std::collections::HashSet<&str> =
        sdist.files.iter().map(|(file, _)| file.as_str()).collect();
    let mut phantom: Vec<&str> = listed.difference(&files).copied().collect();
    let mut unlisted: Vec<&str> = files
        .difference(&listed)
        .copied()
        .filter(|file| !matches!(*file, "PKG-INFO" | "setup.cfg"))
        .collect();
    if phantom.is_empty() && unlisted.is_empty() {
        return Ok(());
    }
    phantom.sort_unstable();
    unlisted.sort_unstable();
    let show = |names: &[&str]| {
        let mut text = names
            .iter()
            .take(SHOWN)
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if names.len() > SHOWN {
            let _ = write!(text, " and {} more", names.len() - SHOWN);
        }
        text
    };
    let mut problems = Vec::new();
    if !unlisted.is_empty() {
        problems.push(format!(
            "the sdist holds {} file(s) it does not list, added after setuptools wrote its manifest: {}",
            unlisted.len(),
            show(&unlisted)
        ));
    }
    if !phantom.is_empty() {
        problems.push(format!(
            "it lists {} path(s) the sdist does not hold: {}",
            phantom.len(),
            show(&phantom)
        ));
    }
    Err(format!(
        "`{path}` does not match the sdist: {}",
        problems.join("; ")
    ))
}

/// setuptools writes `[egg_info]` with `tag_build`/`tag_date` into the sdist's `setup.cfg`,
/// rewriting the file through `configparser` (comments dropped, continuation lines re-indented).
/// Untracked, the stanza must be all there is. Tracked, the stanza must be there to explain the
/// difference, and every other section must hold what the `committed` file holds, read the way
/// `configparser` reads it.
fn setup_cfg(bytes: &[u8], tracked: bool, committed: Option<&[u8]>) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "`setup.cfg` is not UTF-8".to_owned())?;
    let ours = ini::parse(text)
        .map_err(|err| format!("`setup.cfg` cannot be read as configparser reads it ({err})"))?;
    let theirs = match (tracked, committed) {
        (false, _) => None,
        (true, None) => {
            return Err("`setup.cfg` differs from the release commit's, whose content was not supplied to compare the sections outside `[egg_info]`".to_owned());
        }
        (true, Some(committed)) => {
            let committed = std::str::from_utf8(committed)
                .map_err(|_| "`setup.cfg` in the release commit is not UTF-8".to_owned())?;
            Some(ini::parse(committed).map_err(|err| {
                format!(
                    "`setup.cfg` in the release commit cannot be read as configparser reads it ({err})"
                )
            })?)
        }
    };
    if !tracked && let Some((name, _)) = ours.iter().find(|(name, _)| name != "egg_info") {
        return Err(format!(
            "`setup.cfg` is not in the release commit and has a `[{name}]` section; only setuptools' `[egg_info]` stanza may be generated"
        ));
    }
    let Some((_, egg_info)) = ours.iter().find(|(name, _)| name == "egg_info") else {
        return Err(if tracked {
            "`setup.cfg` differs from the release commit's and has no `[egg_info]` stanza that would explain it".to_owned()
        } else {
            "`setup.cfg` is not in the release commit and has no `[egg_info]` stanza; only that stanza may be generated".to_owned()
        });
    };
    // Keys other than the generated ones must come from the committed file, unchanged.
    let committed_egg_info = theirs
        .as_ref()
        .and_then(|sections| sections.iter().find(|(name, _)| name == "egg_info"))
        .map(|(_, options)| options.as_slice())
        .unwrap_or_default();
    let committed_value = |key: &str| {
        committed_egg_info
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    for (key, value) in egg_info {
        // setuptools' `save_version_info` writes `tag_build` as the commit has it (empty when
        // it has none) and `tag_date = 0`; any other value changes the version of a wheel built
        // from the sdist.
        // With `tag_date` on in the commit, setuptools appends the build date to `tag_build`
        // (`.dev` becomes `.dev20261204`); `tag_svn_revision` it leaves as committed.
        let dated = committed_value("tag_date").is_some_and(|on| {
            matches!(
                on.to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        });
        let committed_build = committed_value("tag_build").unwrap_or_default();
        let date_appended = value
            .strip_prefix(committed_build)
            .is_some_and(|date| date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()));
        if key == "tag_build" && dated && date_appended {
            continue;
        }
        let expected = match key.as_str() {
            "tag_build" if dated => Some(format!("{committed_build}YYYYMMDD")),
            "tag_build" => Some(committed_build.to_owned()),
            "tag_date" => Some("0".to_owned()),
            "tag_svn_revision" => Some(committed_value(key).unwrap_or("0").to_owned()),
            _ => committed_value(key).map(str::to_owned),
        };
        match expected {
            Some(expected) if expected == *value => {}
            Some(expected) if key.starts_with("tag_") => {
                return Err(format!(
                    "`setup.cfg` sets `{key} = {value}` in `[egg_info]`; setuptools writes `{key} = {expected}` for this commit, and another value changes the version of wheels built from the sdist"
                ));
            }
            Some(expected) => {
                return Err(format!(
                    "`setup.cfg` sets `{key} = {value}` in `[egg_info]`; the release commit's has `{key} = {expected}`"
                ));
            }
            None => {
                return Err(format!(
                    "`setup.cfg` sets `{key}` in `[egg_info]`, which the release commit's does not; setuptools generates only `tag_build` and `tag_date` there"
                ));
            }
        }
    }
    let without_egg_info = |mut sections: ini::Sections| {
        sections.retain(|(name, _)| name != "egg_info");
        sections
    };
    let ours = without_egg_info(ours);
    let Some(theirs) = theirs else {
        return Ok(());
    };
    match ini::first_difference(&ours, &without_egg_info(theirs)) {
        None => Ok(()),
        Some(difference) => Err(format!(
            "`setup.cfg` differs from the release commit's outside setuptools' `[egg_info]` stanza: {difference}"
        )),
    }
}

/// pdm-backend writes `pyproject.toml` into the sdist anew (formatting and comments change, a
/// `./` is dropped from the readme path, and a dynamic version is written as the static release
/// version): the data must otherwise be the committed file's.
fn same_toml(bytes: &[u8], committed: Option<&[u8]>, version: &str) -> Result<(), String> {
    let Some(committed) = committed else {
        return Err("`pyproject.toml` differs from the release commit's, whose content was not supplied to compare the data".to_owned());
    };
    let parse = |bytes: &[u8], which: &str| {
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .ok_or_else(|| format!("`pyproject.toml` {which} is not valid TOML"))
    };
    let mut ours = parse(bytes, "in the sdist")?;
    let mut theirs = parse(committed, "in the release commit")?;
    let version_was_dynamic = project_dynamic(&theirs).contains("version")
        && theirs
            .get("project")
            .and_then(toml::Value::as_table)
            .is_some_and(|project| !project.contains_key("version"));
    if version_was_dynamic
        && let Some(project) = ours.get_mut("project").and_then(toml::Value::as_table_mut)
        && let Some(written) = project.get("version").and_then(toml::Value::as_str)
        && same_version(written, version)
        && !project_dynamic_of(project).contains("version")
    {
        project.remove("version");
        let mut dynamic = project_dynamic_of(project);
        dynamic.insert("version".to_owned());
        project.insert(
            "dynamic".to_owned(),
            toml::Value::Array(dynamic.into_iter().map(toml::Value::String).collect()),
        );
    }
    if version_was_dynamic {
        let written = ours
            .get("project")
            .and_then(toml::Value::as_table)
            .and_then(|project| project.get("version"))
            .and_then(toml::Value::as_str);
        if let Some(written) = written
            && !same_version(written, version)
        {
            return Err(format!(
                "`pyproject.toml` sets `project.version = \"{written}\"` where the release commit's has a dynamic version; a backend may write only the release version `{version}` there"
            ));
        }
    }
    normalize_project(&mut ours);
    normalize_project(&mut theirs);
    match toml_difference(&ours, &theirs, "") {
        None => Ok(()),
        Some(key) => Err(format!(
            "`pyproject.toml` differs from the release commit's in its data, not only its formatting: `{key}` is not the same"
        )),
    }
}

fn same_version(a: &str, b: &str) -> bool {
    match (
        pep440_rs::Version::from_str(a.trim()),
        pep440_rs::Version::from_str(b.trim()),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

fn project_dynamic(table: &toml::Table) -> std::collections::BTreeSet<String> {
    table
        .get("project")
        .and_then(toml::Value::as_table)
        .map(project_dynamic_of)
        .unwrap_or_default()
}

fn project_dynamic_of(project: &toml::Table) -> std::collections::BTreeSet<String> {
    project
        .get("dynamic")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Spelling of `[project]` that means the same: `dynamic` as a set (none when empty) and a
/// readme path without a leading `./`.
fn normalize_project(table: &mut toml::Table) {
    let Some(project) = table.get_mut("project").and_then(toml::Value::as_table_mut) else {
        return;
    };
    let dynamic = project_dynamic_of(project);
    if project.contains_key("dynamic") && project.get("dynamic").is_some_and(toml::Value::is_array)
    {
        if dynamic.is_empty() {
            project.remove("dynamic");
        } else {
            project.insert(
                "dynamic".to_owned(),
                toml::Value::Array(dynamic.into_iter().map(toml::Value::String).collect()),
            );
        }
    }
    let strip = |value: &mut toml::Value| {
        if let toml::Value::String(path) = value
            && let Some(rest) = path.strip_prefix("./")
        {
            *path = rest.to_owned();
        }
    };
    match project.get_mut("readme") {
        Some(readme @ toml::Value::String(_)) => strip(readme),
        Some(toml::Value::Table(readme)) => {
            if let Some(file) = readme.get_mut("file") {
                strip(file);
            }
        }
        _ => {}
    }
}

/// The first dotted key whose value differs between two tables.
fn toml_difference(ours: &toml::Table, theirs: &toml::Table, prefix: &str) -> Option<String> {
    let keys: std::collections::BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    for key in keys {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (ours.get(key.as_str()), theirs.get(key.as_str())) {
            (Some(toml::Value::Table(a)), Some(toml::Value::Table(b))) => {
                if let Some(found) = toml_difference(a, b, &path) {
                    return Some(found);
                }
            }
            // pdm-backend writes an empty `[tool]` where the committed file had none.
            (Some(toml::Value::Table(empty)), None) | (None, Some(toml::Value::Table(empty)))
                if empty.is_empty() && path == "tool" => {}
            (a, b) if a != b => return Some(path),
            _ => {}
        }
    }
    None
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
        let commit = ReleaseCommit {
            files: tree,
            rewritten: &[],
            parent_gitignores: &[],
        };
        check_sdist_against_commit(sdist, &commit, "1.0", &mut findings);
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

    /// A setuptools sdist's files: the committed ones, and the generated `PKG-INFO`,
    /// `setup.cfg`, `_version.py` and `src/foo.egg-info/` with a `SOURCES.txt` listing them.
    const SETUPTOOLS_FILES: &[(&str, u8)] = &[
        ("pyproject.toml", 1),
        ("foo/__init__.py", 2),
        ("PKG-INFO", 9),
        ("setup.cfg", 6),
        ("foo/_version.py", 8),
        ("src/foo.egg-info/PKG-INFO", 9),
        ("src/foo.egg-info/SOURCES.txt", 5),
        ("src/foo.egg-info/top_level.txt", 4),
        ("src/foo.egg-info/dependency_links.txt", 4),
    ];
    const SOURCES: &str = "pyproject.toml\nfoo/__init__.py\nfoo/_version.py\nsrc/foo.egg-info/PKG-INFO\nsrc/foo.egg-info/SOURCES.txt\nsrc/foo.egg-info/dependency_links.txt\nsrc/foo.egg-info/top_level.txt\n";
    const PKG_INFO: &str = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n";

    /// The kept members of the setuptools sdist, with `replace` swapped in by path.
    fn setuptools_kept<'a>(replace: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut kept = vec![
            ("PKG-INFO", PKG_INFO),
            ("src/foo.egg-info/PKG-INFO", PKG_INFO),
            ("src/foo.egg-info/SOURCES.txt", SOURCES),
            ("setup.cfg", "[egg_info]\ntag_build = \ntag_date = 0\n\n"),
            ("foo/_version.py", "__version__ = '1.0'\n"),
        ];
        for (path, text) in replace {
            kept.retain(|(kept_path, _)| kept_path != path);
            kept.push((path, text));
        }
        kept
    }

    #[test]
    fn ok_prov02_setuptools_egg_info_matches_the_sdist() {
        let found = run(&sdist(SETUPTOOLS_FILES, &setuptools_kept(&[])), &tree(TREE));
        assert!(found.is_empty(), "{found:#?}");
    }

    /// What `*.egg-info/` may hide is limited: only setuptools' file names, directly in it, a
    /// `PKG-INFO` that is the root one, a `SOURCES.txt` that is the sdist's file list.
    #[test]
    fn err_prov02_egg_info_foreign_file_copy_or_listing() {
        let mut files = SETUPTOOLS_FILES.to_vec();
        files.extend([
            ("src/foo.egg-info/payload.py", 7),
            ("foo.egg-info/extra/top_level.txt", 7),
        ]);
        let found = run(
            &sdist(
                &files,
                &setuptools_kept(&[(
                    "src/foo.egg-info/PKG-INFO",
                    "Metadata-Version: 2.1\nName: foo\nVersion: 6.6\n",
                )]),
            ),
            &tree(TREE),
        );
        let messages: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.member.as_deref().unwrap_or(""), f.message.as_str()))
            .collect();
        assert_eq!(found.len(), 4, "{messages:#?}");
        assert!(found.iter().all(|f| f.id.as_str() == "PROV-02"));
        let message = |member: &str| {
            messages
                .iter()
                .find(|(m, _)| *m == member)
                .unwrap_or_else(|| panic!("no finding on {member}: {messages:#?}"))
                .1
        };
        assert!(
            message("src/foo.egg-info/payload.py").contains("not a file setuptools writes"),
            "{messages:#?}"
        );
        assert!(
            message("foo.egg-info/extra/top_level.txt").contains("subdirectory"),
            "{messages:#?}"
        );
        assert!(
            message("src/foo.egg-info/PKG-INFO")
                .contains("differs from the sdist's root `PKG-INFO`"),
            "{messages:#?}"
        );
        // The two extra files are not in SOURCES.txt either.
        let sources = message("src/foo.egg-info/SOURCES.txt");
        assert!(
            sources.contains("2 file(s) it does not list")
                && sources.contains("`src/foo.egg-info/payload.py`"),
            "{messages:#?}"
        );
    }

    #[test]
    fn egg_info_pkg_info_may_differ_only_in_the_name_spelling() {
        let root = b"Metadata-Version: 2.1\nName: foo_bar\nVersion: 1.0\n";
        assert!(same_pkg_info(root, root));
        assert!(same_pkg_info(
            b"Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.0\n",
            root
        ));
        assert!(!same_pkg_info(
            b"Metadata-Version: 2.1\nName: foo-baz\nVersion: 1.0\n",
            root
        ));
        assert!(!same_pkg_info(
            b"Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.1\n",
            root
        ));
        assert!(!same_pkg_info(
            b"Metadata-Version: 2.1\nName: foo_bar\nVersion: 1.0\nSummary: x\n",
            root
        ));
    }

    #[test]
    fn err_prov02_sources_txt_lists_a_file_the_sdist_lacks() {
        let listing = format!("{SOURCES}foo/gone.py\n");
        let found = run(
            &sdist(
                SETUPTOOLS_FILES,
                &setuptools_kept(&[("src/foo.egg-info/SOURCES.txt", &listing)]),
            ),
            &tree(TREE),
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .message
                .contains("lists 1 path(s) the sdist does not hold: `foo/gone.py`"),
            "{found:#?}"
        );
    }

    #[test]
    fn ok_prov02_setuptools_generated_files() {
        let found = run(
            &sdist(
                &[("setup.cfg", 6), ("foo/_version.py", 8)],
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

    /// A committed `setup.cfg` rewritten by setuptools: its sections outside `[egg_info]` are
    /// compared with the committed file's as `configparser` reads them.
    #[test]
    fn prov02_committed_setup_cfg_rewritten_with_egg_info_stanza() {
        let judge = |rewritten: &str, committed: Option<&str>| {
            judge_rewritten("setup.cfg", committed, rewritten)
        };
        let committed = "# the package\n[metadata]\nname = foo\nkeywords =\n    a\n    b\n";
        let rewritten = "[metadata]\nname = foo\nkeywords = \n\ta\n\tb\n\n[egg_info]\ntag_build = \ntag_date = 0\n\n";
        let found = judge(rewritten, Some(committed));
        assert!(found.is_empty(), "{found:#?}");

        let injected = rewritten.replace("\tb\n", "\tb\n\n[options]\ninstall_requires = evil\n");
        let found = judge(&injected, Some(committed));
        assert!(
            found.len() == 1
                && found[0].message.contains(
                    "differs from the release commit's outside setuptools' `[egg_info]` stanza: section `[options]` is not in the committed file"
                ),
            "{found:#?}"
        );

        let found = judge(rewritten, None);
        assert!(
            found.len() == 1 && found[0].message.contains("whose content was not supplied"),
            "{found:#?}"
        );
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

    /// pdm-backend writes pyproject.toml anew: the same data passes, other data is named.
    #[test]
    fn prov02_pyproject_rewritten_with_the_same_data() {
        let committed = "# the project\n[project]\nname = 'foo'  # name\nversion = '1.0'\n\n[tool.x]\na = [1, 2]\n";
        let judge = |written: &str| judge_rewritten("pyproject.toml", Some(committed), written);
        let found = judge(
            "[project]\nname = \"foo\"\nversion = \"1.0\"\n\n[tool.x]\na = [\n    1,\n    2,\n]\n",
        );
        assert!(found.is_empty(), "{found:#?}");
        let found = judge("[project]\nname = \"foo\"\nversion = \"1.0\"\n\n[tool.x]\na = [1, 3]\n");
        assert!(
            found.len() == 1 && found[0].message.contains("`tool.x.a` is not the same"),
            "{found:#?}"
        );
    }

    /// hatchling copies the repository's `.gitignore` into the sdist of a project in a
    /// subdirectory: the same bytes as a `.gitignore` above the project pass, others do not.
    #[test]
    fn prov02_parent_gitignore_copied_by_hatchling() {
        let judge = |digest: u8| {
            let commit = ReleaseCommit {
                files: &tree(TREE),
                rewritten: &[],
                parent_gitignores: &[[8; 32]],
            };
            let mut findings = Findings::new(Some("foo-1.0.tar.gz"));
            check_sdist_against_commit(
                &sdist(&[(".gitignore", digest)], &[]),
                &commit,
                "1.0",
                &mut findings,
            );
            findings.into_vec()
        };
        assert!(judge(8).is_empty());
        let found = judge(9);
        assert!(
            found.len() == 1
                && found[0]
                    .message
                    .contains("`.gitignore` is not in the git tree"),
            "{found:#?}"
        );
    }

    /// Judges an sdist whose `path` holds `written`, where the release commit's `path` (another
    /// digest) holds `committed`, supplied as a rewritten file's content when `Some`.
    fn judge_rewritten(path: &str, committed: Option<&str>, written: &str) -> Vec<crate::Finding> {
        let supplied: Vec<(String, Vec<u8>)> = committed
            .map(|text| (path.to_owned(), text.as_bytes().to_vec()))
            .into_iter()
            .collect();
        let commit = ReleaseCommit {
            files: &tree(&[(path, 5)]),
            rewritten: &supplied,
            parent_gitignores: &[],
        };
        let mut findings = Findings::new(Some("foo-1.0.tar.gz"));
        check_sdist_against_commit(
            &sdist(&[(path, 6)], &[(path, written)]),
            &commit,
            "1.0",
            &mut findings,
        );
        findings.into_vec()
    }

    /// Judges an sdist `setup.cfg` of `written` against a committed one of `committed`.
    fn judge_with(committed: &str, written: &str) -> Vec<crate::Finding> {
        judge_rewritten("setup.cfg", Some(committed), written)
    }

    /// A committed `[egg_info]` key other than the generated ones stays as committed.
    #[test]
    fn prov02_committed_egg_info_keys() {
        let judge = |written: &str| {
            judge_rewritten("setup.cfg", Some("[egg_info]\negg_base = .\n"), written)
        };
        assert!(judge("[egg_info]\negg_base = .\ntag_build = \ntag_date = 0\n").is_empty());
        let found = judge("[egg_info]\negg_base = build\ntag_build = \n");
        assert!(
            found.len() == 1
                && found[0]
                    .message
                    .contains("sets `egg_base = build` in `[egg_info]`; the release commit's has `egg_base = .`"),
            "{found:#?}"
        );
        // A committed `tag_svn_revision` stays; with `tag_date` on, the date joins `tag_build`.
        let svn = judge_with(
            "[egg_info]\ntag_svn_revision = 1\n",
            "[egg_info]\ntag_build = \ntag_date = 0\ntag_svn_revision = 1\n",
        );
        assert!(svn.is_empty(), "{svn:#?}");
        let dated = "[egg_info]\ntag_build = .dev\ntag_date = 1\n";
        assert!(
            judge_with(
                dated,
                "[egg_info]\ntag_build = .dev20261204\ntag_date = 0\n"
            )
            .is_empty()
        );
        let found = judge_with(dated, "[egg_info]\ntag_build = .dev.post1\ntag_date = 0\n");
        assert!(
            found.len() == 1
                && found[0]
                    .message
                    .contains("writes `tag_build = .devYYYYMMDD`"),
            "{found:#?}"
        );
        // The tags setuptools writes change the version of a wheel built from the sdist.
        for (stanza, expected) in [
            (
                "[egg_info]\negg_base = .\ntag_build = .post7\ntag_date = 0\n",
                "`tag_build = `",
            ),
            (
                "[egg_info]\negg_base = .\ntag_build = \ntag_date = 1\n",
                "`tag_date = 0`",
            ),
        ] {
            let found = judge(stanza);
            assert!(
                found.len() == 1 && found[0].message.contains(expected),
                "{stanza}: {found:#?}"
            );
        }
    }

    /// pdm-backend writes a dynamic version as the static release version and drops `./` from
    /// the readme path; the same data. Any other version, or an empty table anywhere but `[tool]`
    /// (in hatchling an empty `[tool.hatch.build.hooks.custom]` runs a build hook), differs.
    #[test]
    fn prov02_pyproject_rewritten_by_pdm_backend() {
        let committed = "[project]\nname = 'foo'\ndynamic = ['version']\nreadme = './README.md'\n\n[tool.pdm.version]\nsource = 'scm'\n";
        let judge = |written: &str| judge_rewritten("pyproject.toml", Some(committed), written);
        let pdm = "[project]\nname = \"foo\"\ndynamic = []\nreadme = \"README.md\"\nversion = \"1.0.0\"\n\n[tool.pdm.version]\nsource = \"scm\"\n";
        let found = judge(pdm);
        assert!(found.is_empty(), "{found:#?}");
        let found = judge(&pdm.replace("1.0.0", "1.1"));
        assert!(
            found.len() == 1
                && found[0]
                    .message
                    .contains("sets `project.version = \"1.1\"` where the release commit's has a dynamic version"),
            "{found:#?}"
        );
        let found = judge(&format!("{pdm}\n[tool.hatch.build.hooks.custom]\n"));
        assert!(
            found.len() == 1 && found[0].message.contains("`tool.hatch` is not the same"),
            "{found:#?}"
        );
    }
}
