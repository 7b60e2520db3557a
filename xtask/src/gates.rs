//! The local release gates: each a named function returning a `Gate` with a verdict (PASS, FAIL
//! or UNKNOWN) and the evidence it rests on. UNKNOWN never counts as PASS.

use std::fmt;
use std::path::{Path, PathBuf};

use pep440_rs::Version;
use pyship_verify::Target;
use serde::Serialize;

use crate::config::Config;
use crate::git;
use crate::version::{self, Bump};

/// A gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Verdict {
    Pass,
    Fail,
    Unknown,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` so that `{:<8}` aligns the audit trail.
        f.pad(match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Unknown => "UNKNOWN",
        })
    }
}

/// One checked condition and what it was judged on.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Gate {
    pub(crate) name: &'static str,
    pub(crate) verdict: Verdict,
    pub(crate) evidence: String,
}

impl Gate {
    pub(crate) fn pass(name: &'static str, evidence: impl Into<String>) -> Gate {
        Gate {
            name,
            verdict: Verdict::Pass,
            evidence: evidence.into(),
        }
    }

    pub(crate) fn fail(name: &'static str, evidence: impl Into<String>) -> Gate {
        Gate {
            name,
            verdict: Verdict::Fail,
            evidence: evidence.into(),
        }
    }

    pub(crate) fn unknown(name: &'static str, evidence: impl Into<String>) -> Gate {
        Gate {
            name,
            verdict: Verdict::Unknown,
            evidence: evidence.into(),
        }
    }
}

/// Where the release version comes from.
#[derive(Debug, Clone)]
pub(crate) enum VersionInput {
    Bump(Bump),
    Explicit(String),
    Project,
}

/// The version being released and the version the project's files carry.
#[derive(Debug, Clone)]
pub(crate) struct ReleaseVersion {
    pub(crate) version: Version,
    /// The normalized form, used in the tag and the artifacts.
    pub(crate) text: String,
    /// The project's version as written in its files.
    pub(crate) project_text: String,
    /// The project's version, parsed.
    pub(crate) project_version: Version,
    /// The file holding the project's version, relative to the workspace root.
    pub(crate) project_file: PathBuf,
    /// The tag a release would create.
    pub(crate) tag: String,
}

impl ReleaseVersion {
    /// Whether building it needs the version changed in the project's files.
    pub(crate) fn needs_version_change(&self) -> bool {
        self.project_text != self.text
    }
}

/// Release tags known locally and on the remote.
#[derive(Debug)]
pub(crate) struct Tags {
    /// `Err`: the local tags could not be listed (why).
    pub(crate) local: Result<Vec<String>, String>,
    /// `Ok(None)`: no remote is configured; `Err`: the remote could not be asked (why).
    pub(crate) remote: Result<Option<Vec<String>>, String>,
}

impl Tags {
    pub(crate) fn read(config: &Config) -> Tags {
        let local =
            git::local_tags(&config.root, &config.tag_prefix).map_err(|err| format!("{err:#}"));
        let remote = match git::remote_url(&config.root, &config.remote) {
            Ok(None) => Ok(None),
            Ok(Some(_)) => git::remote_tags(&config.root, &config.remote, &config.tag_prefix)
                .map(Some)
                .map_err(|err| format!("{err:#}")),
            Err(err) => Err(format!("{err:#}")),
        };
        Tags { local, remote }
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        let local = self.local.as_ref().ok();
        let remote = self.remote.as_ref().ok().and_then(Option::as_ref);
        local
            .into_iter()
            .flatten()
            .chain(remote.into_iter().flatten())
    }

    /// Whether some tags could not be read, so that "absent" or "greatest" cannot be claimed.
    fn is_incomplete(&self) -> bool {
        self.local.is_err() || self.remote.is_err()
    }
}

/// `release-branch`: `HEAD` is on the configured release branch.
pub(crate) fn release_branch(config: &Config) -> Gate {
    const NAME: &str = "release-branch";
    let expected = &config.release_branch;
    match git::current_branch(&config.root) {
        Ok(Some(branch)) if branch == *expected => Gate::pass(
            NAME,
            format!("on `{branch}`, the configured release branch"),
        ),
        Ok(Some(branch)) => Gate::fail(
            NAME,
            format!("on branch `{branch}`: releases are cut from `{expected}` (`release-branch`)"),
        ),
        Ok(None) => Gate::fail(
            NAME,
            format!("`HEAD` is detached: releases are cut from branch `{expected}`"),
        ),
        Err(err) => Gate::fail(NAME, format!("cannot tell the branch: {err:#}")),
    }
}

/// `clean-tree`: no changed, staged or untracked file outside pyship's own output (`target/` and
/// the dist dir), listing every offending path with its status (C23).
pub(crate) fn clean_tree(config: &Config) -> Gate {
    const NAME: &str = "clean-tree";
    /// Paths listed before the rest are only counted.
    const SHOWN: usize = 50;
    let entries = match git::status(&config.root) {
        Ok(entries) => entries,
        Err(err) => return Gate::fail(NAME, format!("cannot read the tree's status: {err:#}")),
    };
    let excluded = excluded_prefixes(config);
    // Only untracked output is excluded: a change to a file git tracks counts wherever it is,
    // so a dist dir configured over sources cannot hide an edit.
    let offending: Vec<_> = entries
        .iter()
        .filter(|entry| {
            entry.code != "??" || !excluded.iter().any(|prefix| entry.path.starts_with(prefix))
        })
        .map(|entry| format!("`{} {}`", entry.code, entry.path))
        .collect();
    let exclusions = excluded.join("`, `");
    if offending.is_empty() {
        return Gate::pass(
            NAME,
            format!("no changed or untracked files (pyship's output `{exclusions}` excluded)"),
        );
    }
    let more = offending.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Gate::fail(
        NAME,
        format!(
            "{} path(s) changed or untracked: {}{more} (untracked output under `{exclusions}` excluded)",
            offending.len(),
            offending[..offending.len().min(SHOWN)].join(", ")
        ),
    )
}

fn excluded_prefixes(config: &Config) -> Vec<String> {
    let mut prefixes = vec!["target/".to_owned()];
    let dist = format!("{}/", slash_path(config.dist_rel()));
    if !dist.starts_with("target/") {
        prefixes.push(dist);
    }
    prefixes
}

fn slash_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `remote-head`: `HEAD` is the commit the release branch points to on the remote.
pub(crate) fn remote_head(config: &Config) -> Gate {
    const NAME: &str = "remote-head";
    let (root, remote, branch) = (&config.root, &config.remote, &config.release_branch);
    let url = match git::remote_url(root, remote) {
        Ok(Some(url)) => url,
        Ok(None) => {
            return Gate::unknown(
                NAME,
                format!(
                    "no remote `{remote}` is configured, so there is nothing to compare `HEAD` with"
                ),
            );
        }
        Err(err) => return Gate::unknown(NAME, format!("cannot list remotes: {err:#}")),
    };
    let head = match git::head_sha(root) {
        Ok(head) => head,
        Err(err) => return Gate::fail(NAME, format!("cannot resolve `HEAD`: {err:#}")),
    };
    match git::remote_branch_sha(root, remote, branch) {
        Ok(Some(sha)) if sha == head => Gate::pass(
            NAME,
            format!("`HEAD` {head} equals `{branch}` on `{remote}` ({url})"),
        ),
        Ok(Some(sha)) => Gate::fail(
            NAME,
            format!(
                "`HEAD` is {head} but `{branch}` on `{remote}` ({url}) is {sha}: push or pull first"
            ),
        ),
        Ok(None) => Gate::fail(
            NAME,
            format!("`{remote}` ({url}) has no branch `{branch}`: push it first"),
        ),
        Err(err) => Gate::unknown(NAME, format!("cannot ask `{remote}` ({url}): {err:#}")),
    }
}

/// `version-input`: the project's version is readable, and the release version resolves to a
/// valid PEP 440 version the target accepts.
pub(crate) fn version_input(
    config: &Config,
    input: &VersionInput,
) -> (Gate, Option<ReleaseVersion>) {
    const NAME: &str = "version-input";
    let resolved = version::read_project_version(&config.project).and_then(|project| {
        let file = config.project_rel().join(&project.file);
        let project_version = version::parse(&project.text)
            .map_err(|err| anyhow::anyhow!("the version in `{}`: {err}", file.display()))?;
        let (version, source) = resolve(input, &project.text, &project_version, &file)?;
        Ok((version, source, project, project_version, file))
    });
    let (version, source, project, project_version, project_file) = match resolved {
        Ok(resolved) => resolved,
        Err(err) => return (Gate::fail(NAME, format!("{err:#}")), None),
    };
    if version.is_local() && config.target != Target::Generic {
        let evidence = format!(
            "`{version}` has a local segment; {} rejects local versions (C08)",
            config.target
        );
        return (Gate::fail(NAME, evidence), None);
    }
    let text = version.to_string();
    let release = ReleaseVersion {
        tag: format!("{}{text}", config.tag_prefix),
        version,
        text,
        project_text: project.text,
        project_version,
        project_file,
    };
    let gate = Gate::pass(
        NAME,
        format!("release version `{}` ({source})", release.text),
    );
    (gate, Some(release))
}

fn resolve(
    input: &VersionInput,
    current: &str,
    parsed: &Version,
    file: &Path,
) -> anyhow::Result<(Version, String)> {
    let file = file.display();
    match input {
        VersionInput::Explicit(text) => Ok((version::parse(text)?, format!("`--version {text}`"))),
        VersionInput::Bump(kind) => {
            let bumped = version::bump(parsed, *kind);
            let kind = format!("{kind:?}").to_lowercase();
            Ok((
                bumped,
                format!("`--bump {kind}` from `{current}` in `{file}`"),
            ))
        }
        VersionInput::Project => Ok((parsed.clone(), format!("from `{file}`"))),
    }
}

/// `version-greater`: the release version is not lower than the version in the project's files
/// (equal is the usual case) and is greater than every release tag's version.
pub(crate) fn version_greater(release: Option<&ReleaseVersion>, tags: &Tags, prefix: &str) -> Gate {
    const NAME: &str = "version-greater";
    let Some(release) = release else {
        return Gate::unknown(
            NAME,
            "no valid release version to compare (see `version-input`)",
        );
    };
    if release.version < release.project_version {
        return Gate::fail(
            NAME,
            format!(
                "`{}` is lower than the project's own version `{}` in `{}`: expected that version or a greater one",
                release.text,
                release.project_text,
                release.project_file.display()
            ),
        );
    }
    let latest = tags
        .all()
        .filter_map(|tag| Some((version::parse(tag.strip_prefix(prefix)?).ok()?, tag)))
        .max_by(|a, b| a.0.cmp(&b.0));
    let scope = tag_scope(tags);
    match latest {
        Some((latest, tag)) if release.version <= latest => Gate::fail(
            NAME,
            format!(
                "`{}` is not greater than the latest release `{latest}` (tag `{tag}`)",
                release.text
            ),
        ),
        _ if tags.is_incomplete() => Gate::unknown(NAME, scope),
        Some((latest, tag)) => Gate::pass(
            NAME,
            format!(
                "`{}` > latest release `{latest}` (tag `{tag}`; {scope})",
                release.text
            ),
        ),
        None => Gate::pass(
            NAME,
            format!("no tag `{prefix}<PEP 440 version>` yet, this is the first release ({scope})"),
        ),
    }
}

/// `tag-absent`: the release's tag exists neither locally nor on the remote.
pub(crate) fn tag_absent(release: Option<&ReleaseVersion>, tags: &Tags) -> Gate {
    const NAME: &str = "tag-absent";
    let Some(release) = release else {
        return Gate::unknown(
            NAME,
            "no valid release version, so no tag name (see `version-input`)",
        );
    };
    let tag = &release.tag;
    if tags.local.as_ref().is_ok_and(|local| local.contains(tag)) {
        return Gate::fail(NAME, format!("tag `{tag}` already exists locally"));
    }
    if let Ok(Some(remote)) = &tags.remote
        && remote.contains(tag)
    {
        return Gate::fail(NAME, format!("tag `{tag}` already exists on the remote"));
    }
    if tags.is_incomplete() {
        return Gate::unknown(
            NAME,
            format!("tag `{tag}` not found, but {}", tag_scope(tags)),
        );
    }
    Gate::pass(
        NAME,
        format!("tag `{tag}` does not exist ({})", tag_scope(tags)),
    )
}

fn tag_scope(tags: &Tags) -> String {
    if let Err(err) = &tags.local {
        return format!("the local tags could not be listed: {err}");
    }
    match &tags.remote {
        Ok(Some(_)) => "local and remote tags checked".to_owned(),
        Ok(None) => "local tags checked; no remote is configured".to_owned(),
        Err(err) => format!("the remote's tags could not be read: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(text: &str) -> ReleaseVersion {
        ReleaseVersion {
            version: version::parse(text).unwrap(),
            text: text.to_owned(),
            project_text: text.to_owned(),
            project_version: version::parse(text).unwrap(),
            project_file: PathBuf::from("pyproject.toml"),
            tag: format!("v{text}"),
        }
    }

    fn tags(local: &[&str], remote: Result<Option<&[&str]>, &str>) -> Tags {
        let owned = |list: &[&str]| list.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>();
        Tags {
            local: Ok(owned(local)),
            remote: remote.map(|r| r.map(owned)).map_err(str::to_owned),
        }
    }

    #[test]
    fn version_greater_compares_pep440_not_strings() {
        let known = tags(&["v0.9.0", "v0.10.0", "vjunk"], Ok(Some(&[])));
        let gate = version_greater(Some(&release("0.10.1")), &known, "v");
        assert_eq!(gate.verdict, Verdict::Pass, "{}", gate.evidence);
        assert!(
            gate.evidence.contains("release `0.10.0` (tag `v0.10.0`;"),
            "{}",
            gate.evidence
        );
        let gate = version_greater(Some(&release("0.10.0")), &known, "v");
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.evidence);
    }

    #[test]
    fn version_greater_fails_below_the_project_version_even_without_tags() {
        let mut lower = release("0.0.5");
        lower.project_text = "0.1.0".to_owned();
        lower.project_version = version::parse("0.1.0").unwrap();
        let gate = version_greater(Some(&lower), &tags(&[], Ok(Some(&[]))), "v");
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.evidence);
        assert!(
            gate.evidence.contains("own version `0.1.0`"),
            "{}",
            gate.evidence
        );
        // Releasing the version the files carry is the normal case.
        let gate = version_greater(Some(&release("0.1.0")), &tags(&[], Ok(Some(&[]))), "v");
        assert_eq!(gate.verdict, Verdict::Pass, "{}", gate.evidence);
    }

    #[test]
    fn version_greater_counts_remote_only_tags() {
        let known = tags(&[], Ok(Some(&["v2.0"])));
        let gate = version_greater(Some(&release("1.5")), &known, "v");
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.evidence);
    }

    #[test]
    fn unreadable_remote_tags_make_gates_unknown_not_pass() {
        let known = tags(&[], Err("connection refused"));
        let greater = version_greater(Some(&release("1.0")), &known, "v");
        let absent = tag_absent(Some(&release("1.0")), &known);
        for gate in [greater, absent] {
            assert_eq!(gate.verdict, Verdict::Unknown, "{}", gate.evidence);
            assert!(
                gate.evidence.contains("connection refused"),
                "{}",
                gate.evidence
            );
        }
    }

    #[test]
    fn unreadable_local_tags_make_gates_unknown_not_pass() {
        let known = Tags {
            local: Err("not a git repository".to_owned()),
            remote: Ok(None),
        };
        let gate = tag_absent(Some(&release("1.0")), &known);
        assert_eq!(gate.verdict, Verdict::Unknown, "{}", gate.evidence);
    }

    #[test]
    fn remote_tag_fails_even_when_local_listing_failed() {
        let known = Tags {
            local: Err("broken".to_owned()),
            remote: Ok(Some(vec!["v1.0".to_owned()])),
        };
        let gate = tag_absent(Some(&release("1.0")), &known);
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.evidence);
    }
}
