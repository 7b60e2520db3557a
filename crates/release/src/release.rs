//! Finding and creating the one draft release for a tag.
//!
//! Drafts are found by listing releases (the by-tag endpoint answers 404 for drafts) or by the
//! id an earlier run recorded. Two drafts for one tag is an error, never a reason for a third.
//! A lost answer to the create call is followed by another listing before any second attempt.
//! See: github-release.md §1b, field-failures.md C25 (esphome/workflows#166).

use crate::client::GitHubClient;
use crate::error::ReleaseError;
use crate::model::{CommitSha, Release, Repository};

/// What exists on GitHub for a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExistingRelease {
    /// Nothing, neither draft nor published.
    None,
    /// Exactly one draft.
    Draft(Release),
    /// A published release.
    Published(Release),
}

/// What to create.
#[derive(Debug, Clone)]
pub struct DraftRequest<'a> {
    /// Tag name.
    pub tag: &'a str,
    /// The verified commit, sent as `target_commitish`.
    pub commit: &'a CommitSha,
    /// Release title.
    pub name: &'a str,
    /// Body (already fitted with [`crate::notes::prepare_notes`]).
    pub body: &'a str,
    /// Whether the release is a prerelease.
    pub prerelease: bool,
    /// The release id recorded by an earlier run, if any.
    pub recorded_id: Option<u64>,
}

/// The draft to upload into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftOutcome {
    /// The draft.
    pub release: Release,
    /// Whether this run created it.
    pub created: bool,
}

/// Fails closed when the token cannot see drafts (no push access).
pub fn require_draft_visibility(client: &GitHubClient, tag: &str) -> Result<(), ReleaseError> {
    let api = |source| ReleaseError::Api {
        action: format!("read permissions on `{}`", client.repo_slug()),
        source,
    };
    let url = client.repo_root_url().map_err(api)?;
    let repository: Repository = client.get_json(&url).map_err(api)?;
    if repository.permissions.is_some_and(|p| p.push) {
        return Ok(());
    }
    Err(ReleaseError::DraftsInvisible {
        repo: client.repo_slug(),
        tag: tag.to_owned(),
    })
}

/// Finds the release for `tag`: the recorded id first, else by listing every release.
pub fn find_release(
    client: &GitHubClient,
    tag: &str,
    recorded_id: Option<u64>,
) -> Result<ExistingRelease, ReleaseError> {
    require_draft_visibility(client, tag)?;
    if let Some(id) = recorded_id
        && let Some(release) = get_release(client, id)?
    {
        if release.tag_name != tag {
            return Err(ReleaseError::RecordedIdMismatch {
                id,
                tag: tag.to_owned(),
                found: release.tag_name,
            });
        }
        return Ok(classify(release));
    }
    let matching: Vec<Release> = list_releases(client)?
        .into_iter()
        .filter(|r| r.tag_name == tag)
        .collect();
    let (drafts, published): (Vec<Release>, Vec<Release>) =
        matching.into_iter().partition(|r| r.draft);
    if let Some(release) = published.into_iter().next() {
        return Ok(ExistingRelease::Published(release));
    }
    match <[Release; 1]>::try_from(drafts) {
        Ok([draft]) => Ok(ExistingRelease::Draft(draft)),
        Err(drafts) if drafts.is_empty() => Ok(ExistingRelease::None),
        Err(drafts) => Err(ReleaseError::MultipleDrafts {
            tag: tag.to_owned(),
            ids: drafts.iter().map(|r| r.id).collect(),
        }),
    }
}

fn classify(release: Release) -> ExistingRelease {
    if release.draft {
        ExistingRelease::Draft(release)
    } else {
        ExistingRelease::Published(release)
    }
}

/// Every release of the repository (all pages).
pub fn list_releases(client: &GitHubClient) -> Result<Vec<Release>, ReleaseError> {
    let api = |source| ReleaseError::Api {
        action: "list releases".to_owned(),
        source,
    };
    let url = client.repo_url("releases").map_err(api)?;
    client.get_all(&url).map_err(api)
}

/// One release by id; `None` when GitHub answers 404.
pub fn get_release(client: &GitHubClient, id: u64) -> Result<Option<Release>, ReleaseError> {
    let api = |source| ReleaseError::Api {
        action: format!("read release {id}"),
        source,
    };
    let url = client.repo_url(&format!("releases/{id}")).map_err(api)?;
    let reply = client.get(&url).map_err(api)?;
    if reply.status == 404 {
        return Ok(None);
    }
    reply
        .expect(&[200])
        .and_then(|r| r.json())
        .map(Some)
        .map_err(api)
}

/// Reuses the one draft for the tag, or creates it with `target_commitish` = the full SHA.
#[tracing::instrument(skip_all, fields(tag = request.tag))]
pub fn ensure_draft(
    client: &GitHubClient,
    request: &DraftRequest<'_>,
) -> Result<DraftOutcome, ReleaseError> {
    match find_release(client, request.tag, request.recorded_id)? {
        ExistingRelease::Draft(release) => {
            return Ok(DraftOutcome {
                release,
                created: false,
            });
        }
        ExistingRelease::Published(release) => {
            return Err(ReleaseError::AlreadyPublished {
                tag: request.tag.to_owned(),
                id: release.id,
            });
        }
        ExistingRelease::None => {}
    }
    match create_draft(client, request) {
        Err(ReleaseError::Api { source, .. }) if source.is_ambiguous() => {
            tracing::warn!(
                tag = request.tag,
                "creating the draft failed ambiguously; listing"
            );
            if let ExistingRelease::Draft(release) = find_release(client, request.tag, None)? {
                return Ok(DraftOutcome {
                    release,
                    created: true,
                });
            }
            create_draft(client, request)
        }
        other => other,
    }
}

fn create_draft(
    client: &GitHubClient,
    request: &DraftRequest<'_>,
) -> Result<DraftOutcome, ReleaseError> {
    let action = format!("create a draft release for `{}`", request.tag);
    let url = client
        .repo_url("releases")
        .map_err(|source| ReleaseError::Api {
            action: action.clone(),
            source,
        })?;
    let body = serde_json::json!({
        "tag_name": request.tag,
        "target_commitish": request.commit.as_str(),
        "name": request.name,
        "body": request.body,
        "draft": true,
        "prerelease": request.prerelease,
        "generate_release_notes": false,
    });
    let reply = client
        .send_json("POST", &url, &body)
        .map_err(|source| ReleaseError::Api {
            action: action.clone(),
            source,
        })?;
    if reply.status == 404 {
        return Err(ReleaseError::WorkflowPermission {
            tag: request.tag.to_owned(),
            commit: request.commit.clone(),
            source: reply.into_error(),
        });
    }
    let release: Release = reply
        .expect(&[201])
        .and_then(|r| r.json())
        .map_err(|source| ReleaseError::Api { action, source })?;
    Ok(DraftOutcome {
        release,
        created: true,
    })
}
