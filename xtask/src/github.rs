//! The read-only GitHub gates of `dry-run`: whether the token may push tags and create releases,
//! whether the tag already exists (and where it points), and whether a release or draft for the
//! tag exists. They run when the remote is on github.com and a token is set; otherwise each is
//! UNKNOWN with the reason. Nothing here writes.
//! See: github-release.md §6 step 1.

use std::sync::Arc;
use std::time::Duration;

use pyship_release::gates::{Answer, token_identity};
use pyship_release::preflight::{ReleaseCheck, TagCheck, inspect_release};
use pyship_release::{CommitSha, GitHubClient, GitHubConfig, GitHubToken, SystemClock, TokenKind};

use crate::config::{self, Config};
use crate::gates::{Gate, ReleaseVersion};
use crate::git;

const PERMISSIONS: &str = "github-permissions";
const TAG: &str = "github-tag";
const RELEASE: &str = "github-release-absent";

/// The GitHub gates, always three, in a fixed order.
pub(crate) fn remote_gates(
    config: &Config,
    release: Option<&ReleaseVersion>,
    head: Option<&str>,
) -> Vec<Gate> {
    let (client, kind) = match connect(config) {
        Ok(connected) => connected,
        Err(reason) => {
            return [PERMISSIONS, TAG, RELEASE]
                .into_iter()
                .map(|name| Gate::unknown(name, reason.clone()))
                .collect();
        }
    };
    let mut gates = vec![permissions_gate(&client, kind)];
    let Some(release) = release else {
        let reason = "no valid release version, so no tag to look up";
        gates.push(Gate::unknown(TAG, reason));
        gates.push(Gate::unknown(RELEASE, reason));
        return gates;
    };
    let commit = head.and_then(|sha| CommitSha::parse(sha).ok());
    let Some(commit) = commit else {
        gates.push(Gate::unknown(TAG, "HEAD is not known"));
        gates.push(Gate::unknown(RELEASE, "HEAD is not known"));
        return gates;
    };
    let inspection = inspect_release(&client, &release.tag, &commit, None);
    gates.push(tag_gate(
        &release.tag,
        &inspection.tag,
        release.needs_version_change(),
    ));
    gates.push(release_gate(&release.tag, &inspection.release));
    gates
}

/// A client for the configured remote and the token's kind, or the reason there is none.
fn connect(config: &Config) -> Result<(GitHubClient, TokenKind), String> {
    let url = git::remote_url(&config.root, &config.remote)
        .ok()
        .flatten()
        .ok_or_else(|| format!("remote `{}` is not configured", config.remote))?;
    let slug = git::github_repo(&url)
        .ok_or_else(|| format!("remote `{}` (`{url}`) is not on github.com", config.remote))?;
    let token = config::github_token()
        .ok_or("no GitHub token: set `GITHUB_TOKEN` or `GH_TOKEN` to run the GitHub checks")?;
    let (owner, repo) = slug
        .split_once('/')
        .expect("github_repo returns owner/repo");
    let mut github = GitHubConfig::new(owner, repo);
    // A dry run asks a handful of questions; it should not sit out a long rate-limit reset.
    github.timeout = Duration::from_secs(30);
    github.max_wait = Duration::from_mins(1);
    let token = GitHubToken::new(token);
    let kind = token.kind();
    GitHubClient::new(github, Some(token), Arc::new(SystemClock))
        .map(|client| (client, kind))
        .map_err(|err| format!("cannot set up the GitHub client: {err}"))
}

fn permissions_gate(client: &GitHubClient, kind: TokenKind) -> Gate {
    match token_identity(client, kind) {
        Ok(Answer::Known { value, evidence }) => {
            let request = evidence
                .last()
                .and_then(|e| e.request_id.clone())
                .unwrap_or_default();
            let text = format!(
                "`{}` has role `{}` on `{}` (token kind {:?}, request {request})",
                value.login,
                value.role_name,
                client.repo_slug(),
                value.kind
            );
            if matches!(value.permission.as_str(), "admin" | "write") {
                Gate::pass(PERMISSIONS, text)
            } else {
                Gate::fail(
                    PERMISSIONS,
                    format!("{text}: pushing tags needs write access"),
                )
            }
        }
        Ok(Answer::Unknown { reason, .. }) => Gate::unknown(PERMISSIONS, reason),
        Err(err) => Gate::unknown(PERMISSIONS, format!("GitHub did not answer: {err}")),
    }
}

fn tag_gate(tag: &str, check: &TagCheck, needs_version_commit: bool) -> Gate {
    match check {
        TagCheck::Absent => Gate::pass(TAG, format!("`{tag}` does not exist on GitHub yet")),
        TagCheck::AtCommit { .. } if needs_version_commit => Gate::fail(
            TAG,
            format!("`{tag}` already exists, but the release commit is not made yet"),
        ),
        TagCheck::AtCommit { tag_object } => Gate::pass(
            TAG,
            format!(
                "`{tag}` already points at HEAD (tag object {})",
                tag_object.as_deref().unwrap_or("none, lightweight")
            ),
        ),
        TagCheck::Elsewhere { found } => Gate::fail(
            TAG,
            format!("`{tag}` exists on GitHub at commit `{found}`, not HEAD"),
        ),
        TagCheck::Failed { message } => Gate::unknown(TAG, message.clone()),
    }
}

fn release_gate(tag: &str, check: &ReleaseCheck) -> Gate {
    match check {
        ReleaseCheck::Absent => Gate::pass(RELEASE, format!("no release or draft for `{tag}`")),
        ReleaseCheck::Draft { id, assets } => Gate::pass(
            RELEASE,
            format!(
                "draft {id} for `{tag}` exists and would be reused ({} asset(s))",
                assets.len()
            ),
        ),
        ReleaseCheck::Published { id, .. } => Gate::fail(
            RELEASE,
            format!("release {id} for `{tag}` is already published"),
        ),
        ReleaseCheck::MultipleDrafts { ids } => Gate::fail(
            RELEASE,
            format!("{} drafts for `{tag}`: {ids:?}", ids.len()),
        ),
        ReleaseCheck::DraftsInvisible => Gate::unknown(
            RELEASE,
            "the token has no push access, so GitHub hides drafts from it",
        ),
        ReleaseCheck::Failed { message } => Gate::unknown(RELEASE, message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::Verdict;

    #[test]
    fn tag_elsewhere_fails_and_absent_passes() {
        let found = "2".repeat(40);
        let gate = tag_gate(
            "v1.0.0",
            &TagCheck::Elsewhere {
                found: found.clone(),
            },
            false,
        );
        assert_eq!(gate.verdict, Verdict::Fail);
        assert!(gate.evidence.contains(&found), "{}", gate.evidence);
        assert_eq!(
            tag_gate("v1.0.0", &TagCheck::Absent, false).verdict,
            Verdict::Pass
        );
        let at_head = TagCheck::AtCommit { tag_object: None };
        assert_eq!(tag_gate("v1.0.0", &at_head, true).verdict, Verdict::Fail);
    }

    #[test]
    fn release_gate_verdicts() {
        let cases = [
            (ReleaseCheck::Absent, Verdict::Pass),
            (
                ReleaseCheck::Draft {
                    id: 1,
                    assets: Vec::new(),
                },
                Verdict::Pass,
            ),
            (
                ReleaseCheck::Published {
                    id: 1,
                    immutable: None,
                },
                Verdict::Fail,
            ),
            (
                ReleaseCheck::MultipleDrafts { ids: vec![1, 2] },
                Verdict::Fail,
            ),
            (ReleaseCheck::DraftsInvisible, Verdict::Unknown),
        ];
        for (check, verdict) in cases {
            assert_eq!(release_gate("v1.0.0", &check).verdict, verdict, "{check:?}");
        }
    }
}
