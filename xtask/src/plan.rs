//! The plan: every write a real release would make, in order, none of them done by `dry-run`,
//! and the remote GitHub checks that go with it.

use pyship_verify::{Report, Target};
use serde::Serialize;

use crate::config::Config;
use crate::gates::{Gate, ReleaseVersion};
use crate::verify::sha256sums_text;

/// What every planned write says about itself in a dry run.
pub(crate) const NOT_DONE: &str = "not done (dry run)";

/// One write a real release would make.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlannedWrite {
    pub(crate) action: &'static str,
    pub(crate) what: String,
    pub(crate) status: &'static str,
}

/// The plan and the checks it cannot make yet.
#[derive(Debug, Serialize)]
pub(crate) struct Plan {
    pub(crate) writes: Vec<PlannedWrite>,
    pub(crate) gates: Vec<Gate>,
}

/// What the plan is made from.
pub(crate) struct PlanInput<'a> {
    pub(crate) config: &'a Config,
    pub(crate) release: Option<&'a ReleaseVersion>,
    pub(crate) head: Option<&'a str>,
    pub(crate) report: Option<&'a Report>,
}

pub(crate) fn plan(input: &PlanInput<'_>) -> Plan {
    let mut writes = Vec::new();
    let mut push = |action, what: String| {
        writes.push(PlannedWrite {
            action,
            what,
            status: NOT_DONE,
        });
    };
    let config = input.config;
    let tag = input
        .release
        .map_or("<no valid version>", |r| r.tag.as_str());
    let head = input.head.unwrap_or("<unknown HEAD>");

    // Step 1: uploads, each with its digest.
    for artifact in input
        .report
        .map(|r| r.artifacts.as_slice())
        .unwrap_or_default()
    {
        push(
            "upload",
            format!(
                "`{}` ({} bytes, sha256 {}) to {}",
                artifact.filename,
                artifact.size,
                artifact.digests.sha256,
                upload_url(config)
            ),
        );
    }

    // Step 2: the version commit (when the version changes), then the tag.
    let tag_target = match input.release {
        Some(release) if release.needs_version_change() => {
            let file = &release.project_file;
            push(
                "commit",
                format!(
                    "version `{}` in `{}` on `{}`, parent {head}",
                    release.text,
                    file.display(),
                    config.release_branch
                ),
            );
            push(
                "push",
                format!("`{}` to `{}`", config.release_branch, config.remote),
            );
            "the version commit above".to_owned()
        }
        _ => head.to_owned(),
    };
    push("tag", format!("`{tag}` -> {tag_target}"));
    push("push", format!("tag `{tag}` to `{}`", config.remote));

    // Step 3: the GitHub release and its assets.
    let repo = github_repo(config);
    push("release", format!("GitHub release `{tag}` on {repo}"));
    for artifact in input
        .report
        .map(|r| r.artifacts.as_slice())
        .unwrap_or_default()
    {
        push(
            "asset",
            format!(
                "`{}` ({} bytes, sha256 {}) on release `{tag}`",
                artifact.filename, artifact.size, artifact.digests.sha256
            ),
        );
    }
    if let Some(report) = input.report {
        let sums = sha256sums_text(report);
        let digest = pyship_verify::digest::digest_reader(&mut sums.as_bytes(), false)
            .expect("reading from memory cannot fail");
        push(
            "asset",
            format!(
                "`SHA256SUMS` ({} bytes, sha256 {}) on release `{tag}`",
                sums.len(),
                digest.sha256
            ),
        );
    }

    Plan {
        writes,
        gates: [
            vec![crate::github::notes_gate(config, input.release)],
            crate::github::remote_gates(config, input.release, input.head),
        ]
        .concat(),
    }
}

fn upload_url(config: &Config) -> String {
    if let Some(url) = &config.index_url {
        // Shown masked: a URL is never printed with a credential in it.
        return pyship_publish::SafeUrl::parse(url).map_or_else(
            |_| "the configured `index-url`".to_owned(),
            |url| url.to_string(),
        );
    }
    match config.target {
        Target::Pypi => "https://upload.pypi.org/legacy/",
        Target::Testpypi => "https://test.pypi.org/legacy/",
        Target::Generic => "the configured index (generic target)",
    }
    .to_owned()
}

fn github_repo(config: &Config) -> String {
    crate::github::repository(config).map_or_else(
        |reason| format!("the GitHub repository of `{}` ({reason})", config.remote),
        |repo| format!("`{repo}`"),
    )
}
