//! The read-only GitHub gates of `dry-run`: whether the token may push tags and create releases,
//! whether the tag already exists (and where it points), and whether a release or draft for the
//! tag exists. They run when the repository is known (a github.com remote, or the
//! `github-repository` key) and a token is set; otherwise each is UNKNOWN with the reason.
//! Nothing here writes to GitHub; the id of a draft found is recorded under `target/pyship/` so
//! a later run finds it even when GitHub's listing lags.
//! See: github-release.md §6 step 1.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pyship_release::gates::{Answer, token_identity};
use pyship_release::notes;
use pyship_release::preflight::{OtherTagsCheck, ReleaseCheck, TagCheck, inspect_release};
use pyship_release::{CommitSha, GitHubClient, GitHubConfig, SystemClock, TokenKind};
use url::Url;

use crate::config::{Config, GitHubSettings};
use crate::gates::{Gate, ReleaseVersion};
use crate::git;
use crate::release_state::{self, DraftKey};
use crate::secrets;

const PERMISSIONS: &str = "github-permissions";
const TAG: &str = "github-tag";
const RELEASE: &str = "github-release-absent";
const NOTES: &str = "release-notes";

/// Changelog files looked for in the project directory, in this order.
const CHANGELOGS: [&str; 8] = [
    "CHANGELOG.md",
    "CHANGELOG.rst",
    "CHANGES.md",
    "CHANGES.rst",
    "HISTORY.md",
    "HISTORY.rst",
    "NEWS.md",
    "NEWS.rst",
];

/// `release-notes`: where the release's notes come from and how long they are. A changelog
/// section longer than GitHub's limit is not a failure (the body is cut and the full text goes
/// into an asset) but is said up front.
/// See: github-release.md §5 case 13 ("dry-run reports length").
pub(crate) fn notes_gate(config: &Config, release: Option<&ReleaseVersion>) -> Gate {
    let Some(release) = release else {
        return Gate::unknown(
            NOTES,
            "no valid release version, so no changelog section to find",
        );
    };
    let version = release.text.as_str();
    let found = CHANGELOGS.iter().find_map(|name| {
        let text = fs_err::read_to_string(config.project.join(name)).ok()?;
        Some((*name, notes::changelog_section(&text, version)))
    });
    let generated = "GitHub will generate the notes, with the previous tag given explicitly";
    match found {
        None => Gate::pass(
            NOTES,
            format!(
                "no changelog (`{}`) in `{}`: {generated}",
                CHANGELOGS.join("`, `"),
                config.project_rel().display()
            ),
        ),
        Some((name, None)) => Gate::pass(
            NOTES,
            format!("`{name}` has no section for `{version}`: {generated}"),
        ),
        Some((name, Some(section))) => {
            let chars = section.chars().count();
            let fits = if chars <= notes::MAX_BODY_CHARS {
                "fits GitHub's limit".to_owned()
            } else {
                format!(
                    "longer than GitHub's limit, so the body is cut and the full text goes into the release asset `{}`",
                    notes::NOTES_ASSET_NAME
                )
            };
            Gate::pass(
                NOTES,
                format!(
                    "`{name}` section for `{version}`: {chars} characters of at most {} ({fits})",
                    notes::MAX_BODY_CHARS
                ),
            )
        }
    }
}

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
    let key = DraftKey {
        api: client.config().api_base.to_string(),
        repository: client.repo_slug(),
        tag: release.tag.clone(),
    };
    let state_dir = config.state_dir();
    let recorded = release_state::recorded(&state_dir, &key);
    let inspection = inspect_release(
        &client,
        &release.tag,
        &commit,
        recorded.as_ref().ok().copied().flatten(),
    );
    let mut tag = tag_gate(
        &release.tag,
        &inspection.tag,
        release.needs_version_change(),
    );
    if let Some(note) = other_tags_note(&release.tag, &inspection.other_tags) {
        tag.evidence = format!("{}; {note}", tag.evidence);
    }
    gates.push(tag);
    let mut release_gate = release_gate(&release.tag, &inspection.release);
    let note = match recorded {
        Ok(recorded) => update_record(&state_dir, &key, recorded, &inspection.release),
        Err(err) => Some(format!("the draft record was not read: {err:#}")),
    };
    if let Some(note) = note {
        release_gate.evidence = format!("{}; {note}", release_gate.evidence);
    }
    gates.push(release_gate);
    gates
}

/// Keeps the draft record in step with what GitHub showed, and says what was done when that
/// matters to the reader.
fn update_record(
    state_dir: &Path,
    key: &DraftKey,
    recorded: Option<u64>,
    check: &ReleaseCheck,
) -> Option<String> {
    let file = release_state::path(state_dir);
    let result = match check {
        ReleaseCheck::Draft { id, .. } if recorded == Some(*id) => {
            return Some(format!("found by the id recorded in `{}`", file.display()));
        }
        ReleaseCheck::Draft { id, .. } => release_state::record(state_dir, key, *id)
            .map(|()| format!("its id is now recorded in `{}`", file.display())),
        ReleaseCheck::Absent | ReleaseCheck::Published { .. } if recorded.is_some() => {
            release_state::forget(state_dir, key).map(|()| {
                format!(
                    "the stale draft id {} was dropped from `{}`",
                    recorded.unwrap_or_default(),
                    file.display()
                )
            })
        }
        _ => return None,
    };
    Some(result.unwrap_or_else(|err| format!("the draft record was not updated: {err:#}")))
}

/// A client for the configured repository and the token's kind, or the reason there is none.
fn connect(config: &Config) -> Result<(GitHubClient, TokenKind), String> {
    let slug = repository(config)?;
    let lookup = secrets::github_token(&slug)
        .map_err(|err| format!("cannot read the GitHub token: {err:#}"))?;
    let reason = lookup.missing_reason();
    let token = lookup.found().map(|found| found.secret).ok_or_else(|| {
        format!(
            "no GitHub token ({reason}): set `GITHUB_TOKEN` or `GH_TOKEN`, or store one in the OS keyring (service `{}`, user `{slug}`)",
            secrets::GITHUB_SERVICE
        )
    })?;
    let (owner, repo) = slug
        .split_once('/')
        .expect("repository names are owner/name");
    let mut github = GitHubConfig::new(owner, repo);
    (github.api_base, github.upload_base) = endpoints(&config.github)?;
    // A dry run asks a handful of questions; it should not sit out a long rate-limit reset.
    github.timeout = Duration::from_secs(30);
    github.max_wait = Duration::from_mins(1);
    // One retry of a failed read: a dry run with no route to GitHub should say so in seconds.
    github.max_retries = 1;
    let kind = token.kind();
    GitHubClient::new(github, Some(token), Arc::new(SystemClock))
        .map(|client| (client, kind))
        .map_err(|err| format!("cannot set up the GitHub client: {err}"))
}

/// `owner/name`: the `github-repository` key, else the github.com URL of the remote.
pub(crate) fn repository(config: &Config) -> Result<String, String> {
    if let Some(repository) = &config.github.repository {
        return Ok(repository.clone());
    }
    let url = git::remote_url(&config.root, &config.remote)
        .ok()
        .flatten()
        .ok_or_else(|| format!("remote `{}` is not configured", config.remote))?;
    git::github_repo(&url).ok_or_else(|| {
        format!(
            "remote `{}` (`{url}`) is not on github.com; set `workspace.metadata.pyship.github-repository` for another host",
            config.remote
        )
    })
}

/// The REST and upload base URLs: github.com's unless configured. An Enterprise API base
/// ending in `/api/v3/` implies the uploads base `/api/uploads/` on the same host.
fn endpoints(settings: &GitHubSettings) -> Result<(Url, Url), String> {
    let defaults = GitHubConfig::new("", "");
    let Some(api) = settings.api_url.clone() else {
        let upload = settings.upload_url.clone().unwrap_or(defaults.upload_base);
        return Ok((defaults.api_base, upload));
    };
    if let Some(upload) = settings.upload_url.clone() {
        return Ok((api, upload));
    }
    let Some(prefix) = api.path().strip_suffix("api/v3/") else {
        return Err(format!(
            "`github-api-url` is `{api}` but `github-upload-url` is not set, and it cannot be derived: expected an API path ending in `/api/v3/`"
        ));
    };
    let mut upload = api.clone();
    upload.set_path(&format!("{prefix}api/uploads/"));
    Ok((api, upload))
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
        Ok(Answer::Unknown { reason, evidence }) => {
            let said = evidence.last().map_or_else(String::new, |answer| {
                let message = if answer.excerpt.trim().is_empty() {
                    "no message".to_owned()
                } else {
                    answer.excerpt.trim().to_owned()
                };
                format!(
                    " (`{}` answered HTTP {}: {message})",
                    answer.request, answer.status
                )
            });
            // 401 is GitHub saying the token is no credential at all: the release would stop at
            // its first call, so this is a failure, not a gap in what could be checked.
            if evidence.iter().any(|answer| answer.status == 401) {
                Gate::fail(
                    PERMISSIONS,
                    format!(
                        "GitHub does not accept the token{said}: it is invalid, expired or revoked; expected a token with write access to `{}`",
                        client.repo_slug()
                    ),
                )
            } else {
                Gate::unknown(PERMISSIONS, format!("{reason}{said}"))
            }
        }
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

/// Other tags on HEAD, for the tag gate's evidence. They do not change its verdict: the tag
/// comes from the version alone, and these are shown so nobody takes one of them for it.
/// See: github-release.md §5 case 11 (goreleaser#4134).
fn other_tags_note(tag: &str, check: &OtherTagsCheck) -> Option<String> {
    let list = |tags: &[String]| {
        tags.iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match check {
        OtherTagsCheck::None => None,
        OtherTagsCheck::Found { tags } => Some(format!(
            "HEAD also has tag(s) {}; the release uses `{tag}`, from the version",
            list(tags)
        )),
        OtherTagsCheck::Incomplete { tags, unchecked } if tags.is_empty() => Some(format!(
            "{unchecked} annotated tag(s) were not read, so other tags on HEAD are not all known"
        )),
        OtherTagsCheck::Incomplete { tags, unchecked } => Some(format!(
            "HEAD also has tag(s) {} ({unchecked} annotated tag(s) not read); the release uses `{tag}`, from the version",
            list(tags)
        )),
        OtherTagsCheck::Failed { message } => {
            Some(format!("other tags on HEAD are not known: {message}"))
        }
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
        ReleaseCheck::RecordedIdMismatch { id, found } => Gate::fail(
            RELEASE,
            format!(
                "the draft id {id} recorded for `{tag}` is now a release for `{found}`: the record is not trusted and nothing is reused; check the releases on GitHub"
            ),
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

    /// See: github-release.md §5 case 11.
    #[test]
    fn other_tags_on_head_are_named_in_the_evidence() {
        assert_eq!(other_tags_note("v1.0.0", &OtherTagsCheck::None), None);
        let found = OtherTagsCheck::Found {
            tags: vec!["v1.0.0-rc1".to_owned(), "stable".to_owned()],
        };
        let note = other_tags_note("v1.0.0", &found).unwrap();
        assert!(
            note.contains("`v1.0.0-rc1`, `stable`") && note.contains("uses `v1.0.0`"),
            "{note}"
        );
        let incomplete = OtherTagsCheck::Incomplete {
            tags: Vec::new(),
            unchecked: 7,
        };
        let note = other_tags_note("v1.0.0", &incomplete).unwrap();
        assert!(note.contains("7 annotated tag(s) were not read"), "{note}");
        let failed = OtherTagsCheck::Failed {
            message: "HTTP 403".to_owned(),
        };
        assert!(
            other_tags_note("v1.0.0", &failed)
                .unwrap()
                .contains("HTTP 403")
        );
    }

    #[test]
    fn ok_endpoints_default_enterprise_and_explicit() {
        let (api, upload) = endpoints(&GitHubSettings::default()).unwrap();
        assert_eq!(
            (api.as_str(), upload.as_str()),
            ("https://api.github.com/", "https://uploads.github.com/")
        );
        let enterprise = GitHubSettings {
            api_url: Some(Url::parse("https://ghe.example/api/v3/").unwrap()),
            ..GitHubSettings::default()
        };
        let (_, upload) = endpoints(&enterprise).unwrap();
        assert_eq!(upload.as_str(), "https://ghe.example/api/uploads/");
        let odd = GitHubSettings {
            api_url: Some(Url::parse("https://ghe.example/rest/").unwrap()),
            ..GitHubSettings::default()
        };
        let message = endpoints(&odd).unwrap_err();
        assert!(
            message.contains("`github-upload-url` is not set"),
            "{message}"
        );
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
            (
                ReleaseCheck::RecordedIdMismatch {
                    id: 1,
                    found: "v0.9.0".to_owned(),
                },
                Verdict::Fail,
            ),
        ];
        for (check, verdict) in cases {
            assert_eq!(release_gate("v1.0.0", &check).verdict, verdict, "{check:?}");
        }
    }
}
