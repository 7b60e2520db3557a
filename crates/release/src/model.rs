//! The parts of GitHub's JSON answers this crate reads, and the validated identifiers it sends.
//!
//! Only fields we act on are modelled; unknown fields are ignored so newer API versions parse.
//! See: github-release.md §1b, §1c (release and asset schemas).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A full commit SHA (40 hex digits for SHA-1 repositories, 64 for SHA-256 ones), lower case.
///
/// GitHub rejects short SHAs as `target_commitish` and silently ignores the target when the tag
/// exists, so only a full SHA is ever sent.
/// See: cli/cli#2133, cli/cli#5855 (github-release.md §5 case 14).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CommitSha(String);

impl CommitSha {
    /// Parses a full SHA; anything else (short SHAs, branch or tag names) is refused.
    pub fn parse(text: &str) -> Result<Self, InvalidSha> {
        let is_full = matches!(text.len(), 40 | 64)
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if is_full {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidSha(text.to_owned()))
        }
    }

    /// The SHA as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommitSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A commit given as something other than a full lower-case SHA.
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{0}` is not a full lower-case commit SHA (40 or 64 hex digits)")]
pub struct InvalidSha(pub String);

/// A release as GitHub describes it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Release {
    /// Release id.
    pub id: u64,
    /// The tag the release is for.
    pub tag_name: String,
    /// Branch or SHA the release was created with.
    #[serde(default)]
    pub target_commitish: Option<String>,
    /// Title.
    #[serde(default)]
    pub name: Option<String>,
    /// Notes.
    #[serde(default)]
    pub body: Option<String>,
    /// Whether the release is still a draft.
    pub draft: bool,
    /// Whether it is a prerelease.
    #[serde(default)]
    pub prerelease: bool,
    /// Whether GitHub treats it as immutable (absent on older API answers).
    #[serde(default)]
    pub immutable: Option<bool>,
    /// The hypermedia upload URL (`…/assets{?name,label}`).
    #[serde(default)]
    pub upload_url: Option<String>,
    /// Web page (drafts show `untagged-…`).
    #[serde(default)]
    pub html_url: Option<String>,
    /// Assets as listed in the release object (may be truncated; the asset list is paginated).
    #[serde(default)]
    pub assets: Vec<Asset>,
}

/// A release asset as GitHub describes it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Asset {
    /// Asset id.
    pub id: u64,
    /// Name (after any renaming GitHub did).
    pub name: String,
    /// `uploaded` when complete; `starter` or `open` for interrupted uploads.
    pub state: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type given at upload.
    #[serde(default)]
    pub content_type: Option<String>,
    /// `sha256:<hex>` computed by GitHub, or null when not (yet) known.
    #[serde(default)]
    pub digest: Option<String>,
    /// API URL of the asset.
    #[serde(default)]
    pub url: Option<String>,
    /// Public download URL (not usable for drafts).
    #[serde(default)]
    pub browser_download_url: Option<String>,
}

impl Asset {
    /// The hex sha256 from `digest`, if GitHub gave one.
    #[must_use]
    pub fn sha256(&self) -> Option<&str> {
        self.digest.as_deref()?.strip_prefix("sha256:")
    }
}

/// `GET /git/ref/…` answer, and one item of `GET /git/matching-refs/…`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GitRef {
    /// The full ref name, e.g. `refs/tags/v1.2.3`.
    #[serde(rename = "ref", default)]
    pub(crate) name: String,
    pub(crate) object: GitObject,
}

/// The object a ref or tag object points at.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GitObject {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) sha: String,
}

/// `GET /git/tags/{sha}` and `POST /git/tags` answer.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TagObject {
    pub(crate) sha: String,
    pub(crate) object: GitObject,
}

/// The repository, for the caller's permissions.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Repository {
    #[serde(default)]
    pub(crate) permissions: Option<RepoPermissions>,
}

/// The caller's permissions on a repository.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RepoPermissions {
    #[serde(default)]
    pub(crate) push: bool,
}
