//! The read-only look at GitHub before a release, which is also all `dry-run` does on GitHub:
//! the tag's state against the commit, other tags on the same commit, any release or draft for
//! the tag, and whether the token can see drafts at all. Nothing here writes.
//! See: github-release.md §6 step 1; field-failures.md C25, C29; §5 cases 7, 10 and 11.

use crate::client::GitHubClient;
use crate::error::ReleaseError;
use crate::model::CommitSha;
use crate::release::{ExistingRelease, find_release};
use crate::tag::{TagState, read_tag, tags_at_commit};

/// The tag compared with the commit to release.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum TagCheck {
    /// No tag yet: a release would create it.
    Absent,
    /// The tag dereferences to the commit.
    AtCommit {
        /// Tag object, when annotated.
        tag_object: Option<String>,
    },
    /// The tag dereferences to another commit: a release must stop.
    Elsewhere {
        /// The commit it dereferences to.
        found: String,
    },
    /// The question could not be answered.
    Failed {
        /// Why.
        message: String,
    },
}

/// Other tags on the commit to release. The release's tag comes from the version alone; these
/// are shown to the reader, never used instead.
/// See: github-release.md §5 case 11 (goreleaser#4134: two tags on one commit, the wrong one
/// released).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum OtherTagsCheck {
    /// No other tag dereferences to the commit.
    None,
    /// These other tags dereference to the commit.
    Found {
        /// Tag names, sorted.
        tags: Vec<String>,
    },
    /// Too many annotated tags to read them all: `tags` are those found on the commit among
    /// the ones read (possibly none); `unchecked` annotated tags were not read.
    Incomplete {
        /// Tag names found, sorted.
        tags: Vec<String>,
        /// Annotated tags not read.
        unchecked: usize,
    },
    /// The question could not be answered.
    Failed {
        /// Why.
        message: String,
    },
}

/// What exists on GitHub for the tag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ReleaseCheck {
    /// Neither a draft nor a published release.
    Absent,
    /// One draft, which a release would reuse.
    Draft {
        /// Release id.
        id: u64,
        /// Names of its assets.
        assets: Vec<String>,
    },
    /// Already published: a release must stop (or only verify).
    Published {
        /// Release id.
        id: u64,
        /// Whether GitHub reports it immutable.
        immutable: Option<bool>,
    },
    /// Several drafts for the tag.
    MultipleDrafts {
        /// Draft ids.
        ids: Vec<u64>,
    },
    /// The release id an earlier run recorded for this tag now belongs to another tag: the
    /// record cannot be trusted, and nothing is reused.
    RecordedIdMismatch {
        /// The recorded id.
        id: u64,
        /// The tag that release is for now.
        found: String,
    },
    /// The token has no push access, so drafts are hidden from it.
    DraftsInvisible,
    /// The question could not be answered.
    Failed {
        /// Why.
        message: String,
    },
}

/// The read-only picture of the GitHub side.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReleaseInspection {
    /// Tag name.
    pub tag_name: String,
    /// The tag against the commit.
    pub tag: TagCheck,
    /// Other tags on the commit.
    pub other_tags: OtherTagsCheck,
    /// Release or draft for the tag.
    pub release: ReleaseCheck,
}

/// Looks at the tag and the releases for it without writing anything.
pub fn inspect_release(
    client: &GitHubClient,
    tag: &str,
    commit: &CommitSha,
    recorded_id: Option<u64>,
) -> ReleaseInspection {
    ReleaseInspection {
        tag_name: tag.to_owned(),
        tag: check_tag_state(client, tag, commit),
        other_tags: check_other_tags(client, tag, commit),
        release: check_release(client, tag, recorded_id),
    }
}

fn check_tag_state(client: &GitHubClient, tag: &str, commit: &CommitSha) -> TagCheck {
    match read_tag(client, tag) {
        Ok(TagState::Absent) => TagCheck::Absent,
        Ok(state) if state.commit() == Some(commit.as_str()) => TagCheck::AtCommit {
            tag_object: state.tag_object().map(str::to_owned),
        },
        Ok(state) => TagCheck::Elsewhere {
            found: state.commit().unwrap_or_default().to_owned(),
        },
        Err(error) => TagCheck::Failed {
            message: error_chain(&error),
        },
    }
}

fn check_other_tags(client: &GitHubClient, tag: &str, commit: &CommitSha) -> OtherTagsCheck {
    match tags_at_commit(client, commit, tag) {
        Ok(found) if found.unchecked > 0 => OtherTagsCheck::Incomplete {
            tags: found.tags,
            unchecked: found.unchecked,
        },
        Ok(found) if found.tags.is_empty() => OtherTagsCheck::None,
        Ok(found) => OtherTagsCheck::Found { tags: found.tags },
        Err(error) => OtherTagsCheck::Failed {
            message: error_chain(&error),
        },
    }
}

fn check_release(client: &GitHubClient, tag: &str, recorded_id: Option<u64>) -> ReleaseCheck {
    match find_release(client, tag, recorded_id) {
        Ok(ExistingRelease::None) => ReleaseCheck::Absent,
        Ok(ExistingRelease::Draft(release)) => ReleaseCheck::Draft {
            id: release.id,
            assets: release.assets.into_iter().map(|a| a.name).collect(),
        },
        Ok(ExistingRelease::Published(release)) => ReleaseCheck::Published {
            id: release.id,
            immutable: release.immutable,
        },
        Err(ReleaseError::MultipleDrafts { ids, .. }) => ReleaseCheck::MultipleDrafts { ids },
        Err(ReleaseError::DraftsInvisible { .. }) => ReleaseCheck::DraftsInvisible,
        Err(ReleaseError::RecordedIdMismatch { id, found, .. }) => {
            ReleaseCheck::RecordedIdMismatch { id, found }
        }
        Err(error) => ReleaseCheck::Failed {
            message: error_chain(&error),
        },
    }
}

/// An error and its causes on one line, for a gate's evidence.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
