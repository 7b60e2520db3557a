//! Typed errors, one enum per phase: talking HTTP, tagging, the draft release, assets, and
//! publishing. Wrapping variants say what we were doing and keep the cause as `#[source]`.
//! No variant stores a token or a raw URL (URLs are [`SafeUrl`]).

use std::path::PathBuf;

use crate::model::CommitSha;
use crate::safe_url::SafeUrl;

/// One entry of GitHub's `errors` array in a 4xx answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct ApiErrorDetail {
    /// Resource, e.g. `ReleaseAsset`.
    #[serde(default)]
    pub resource: Option<String>,
    /// Code, e.g. `already_exists`, `invalid`, `custom`.
    #[serde(default)]
    pub code: Option<String>,
    /// Field, e.g. `name`, `tag_name`.
    #[serde(default)]
    pub field: Option<String>,
    /// Free text, e.g. `body is too long (maximum is 125000 characters)`.
    #[serde(default)]
    pub message: Option<String>,
}

/// Failure of one HTTP exchange with GitHub.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// No answer: connection, TLS or timeout failure.
    #[error("Failed to send `{method} {url}`")]
    Transport {
        /// HTTP method.
        method: &'static str,
        /// Target.
        url: SafeUrl,
        /// Cause.
        #[source]
        source: Box<ureq::Error>,
    },
    /// An answer with a status the caller did not expect.
    #[error(transparent)]
    Status(Box<StatusError>),
    /// Still rate limited after the allowed waits, or the wait would be too long.
    #[error("`{method} {url}` is rate limited: {reason}")]
    RateLimited {
        /// HTTP method.
        method: &'static str,
        /// Target.
        url: SafeUrl,
        /// Why we stopped waiting.
        reason: String,
    },
    /// The answer was not the JSON we expected.
    #[error("Failed to decode the answer of `{method} {url}`")]
    Decode {
        /// HTTP method.
        method: &'static str,
        /// Target.
        url: SafeUrl,
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
    /// A pagination link or redirect pointed somewhere the token must not go.
    #[error("Refusing to follow `{url}`: expected a URL on `{expected}`")]
    ForeignUrl {
        /// Where the link pointed.
        url: SafeUrl,
        /// The origin we accept.
        expected: String,
    },
    /// A URL could not be built.
    #[error("Failed to build a URL from `{text}`")]
    BadUrl {
        /// The text.
        text: String,
        /// Cause.
        #[source]
        source: url::ParseError,
    },
    /// Reading the local file to send failed.
    #[error("Failed to read the request body for `{method} {url}`")]
    Body {
        /// HTTP method.
        method: &'static str,
        /// Target.
        url: SafeUrl,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// GitHub answered with a status the caller did not expect.
#[derive(Debug, thiserror::Error)]
#[error("`{method} {url}` answered HTTP {status}{}: {message}{}", show_request_id(request_id.as_deref()), show_details(details))]
pub struct StatusError {
    /// HTTP method.
    pub method: &'static str,
    /// Target.
    pub url: SafeUrl,
    /// HTTP status.
    pub status: u16,
    /// `X-GitHub-Request-Id`.
    pub request_id: Option<String>,
    /// GitHub's `message`.
    pub message: String,
    /// GitHub's `errors` array.
    pub details: Vec<ApiErrorDetail>,
}

fn show_request_id(request_id: Option<&str>) -> String {
    request_id
        .map(|id| format!(" (request `{id}`)"))
        .unwrap_or_default()
}

fn show_details(details: &[ApiErrorDetail]) -> String {
    let parts: Vec<String> = details
        .iter()
        .map(|d| {
            let place = [d.resource.as_deref(), d.field.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(".");
            let what = d.code.as_deref().or(d.message.as_deref()).unwrap_or("");
            let text = d
                .message
                .as_deref()
                .filter(|m| Some(*m) != d.code.as_deref());
            match text {
                Some(text) if d.code.is_some() => format!("{place} {what}: {text}"),
                _ => format!("{place} {what}"),
            }
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" [{}]", parts.join("; "))
    }
}

impl HttpError {
    /// The HTTP status, when there was an answer.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status(error) => Some(error.status),
            _ => None,
        }
    }

    /// True when the request may or may not have taken effect (5xx, timeout, dropped
    /// connection): the caller must look before trying again.
    /// See: github-release.md §1f "never blind-retry a mutating call; reconcile with a GET first".
    #[must_use]
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Status(error) => error.status >= 500,
            _ => false,
        }
    }

    /// True for a transport failure that another attempt cannot mend: the TLS handshake failed
    /// (an untrusted certificate, as behind an intercepting proxy, or a peer that does not speak
    /// TLS), or the URL or TLS setup itself is unusable. Such reads are not retried: waiting
    /// out backoff for them only hides the reason for half a minute per request.
    #[must_use]
    pub fn is_permanent_transport(&self) -> bool {
        let Self::Transport { source, .. } = self else {
            return false;
        };
        match source.as_ref() {
            ureq::Error::Tls(_)
            | ureq::Error::Rustls(_)
            | ureq::Error::Pem(_)
            | ureq::Error::BadUri(_)
            | ureq::Error::RequireHttpsOnly(_)
            | ureq::Error::TlsRequired
            | ureq::Error::InvalidProxyUrl => true,
            // rustls reports a failed handshake (certificate refused, a peer that is not TLS)
            // through the stream as invalid data.
            ureq::Error::Io(error) => error.kind() == std::io::ErrorKind::InvalidData,
            _ => false,
        }
    }

    /// True when GitHub's `errors` array has an entry with this code.
    #[must_use]
    pub fn has_code(&self, code: &str) -> bool {
        matches!(self, Self::Status(error)
            if error.details.iter().any(|d| d.code.as_deref() == Some(code)))
    }

    /// True when GitHub's message or one of its error messages contains `text`.
    #[must_use]
    pub fn mentions(&self, text: &str) -> bool {
        matches!(self, Self::Status(error)
            if error.message.contains(text)
                || error.details.iter().any(|d| d.message.as_deref().is_some_and(|m| m.contains(text))))
    }
}

/// Failure while checking or creating the tag.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TagError {
    /// An API call failed.
    #[error("Failed to {action}")]
    Api {
        /// What we were doing.
        action: String,
        /// Cause.
        #[source]
        source: HttpError,
    },
    /// The tag exists and dereferences to another commit.
    /// See: cli/cli#9997 (github-release.md §5 case 10).
    #[error(
        "Tag `{tag}` already exists at commit `{found}`, expected `{expected}`; nothing was created"
    )]
    PointsElsewhere {
        /// Tag name.
        tag: String,
        /// Commit the tag dereferences to.
        found: String,
        /// The verified commit.
        expected: CommitSha,
    },
    /// The tag is annotated but is not the tag object we made or expected.
    #[error("Tag `{tag}` points at tag object `{found}`, expected tag object `{expected}`")]
    TagObjectDiffers {
        /// Tag name.
        tag: String,
        /// Tag object found.
        found: String,
        /// Tag object expected.
        expected: String,
    },
    /// The ref points at something that is neither a commit nor a tag object.
    #[error(
        "Tag `{tag}` points at a `{kind}` object `{sha}`, expected a commit or an annotated tag"
    )]
    UnexpectedObject {
        /// Tag name.
        tag: String,
        /// Object type.
        kind: String,
        /// Object SHA.
        sha: String,
    },
    /// A git command could not be run.
    #[error("Failed to run `git {command}` in `{dir}`")]
    GitSpawn {
        /// The git arguments.
        command: String,
        /// Working directory.
        dir: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A git command failed.
    #[error("`git {command}` failed in `{dir}` with {status}: {stderr}")]
    GitFailed {
        /// The git arguments.
        command: String,
        /// Working directory.
        dir: PathBuf,
        /// Exit status.
        status: String,
        /// Trimmed standard error.
        stderr: String,
    },
    /// A tag name git or GitHub would not accept as ours.
    #[error("Tag name `{tag}` is not allowed: {reason}")]
    InvalidName {
        /// Tag name.
        tag: String,
        /// Why.
        reason: &'static str,
    },
}

/// Failure while finding or creating the draft release.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// An API call failed.
    #[error("Failed to {action}")]
    Api {
        /// What we were doing.
        action: String,
        /// Cause.
        #[source]
        source: HttpError,
    },
    /// More than one draft for one tag: we will not guess which one holds the assets.
    /// See: esphome/workflows#166 (field-failures.md C25).
    #[error("Found {} draft releases for tag `{tag}` (ids {}); delete all but one, then run again", ids.len(), join_ids(ids))]
    MultipleDrafts {
        /// Tag name.
        tag: String,
        /// Draft ids.
        ids: Vec<u64>,
    },
    /// A published release already exists for the tag.
    #[error("Release {id} for tag `{tag}` is already published; refusing to change it")]
    AlreadyPublished {
        /// Tag name.
        tag: String,
        /// Release id.
        id: u64,
    },
    /// Without push access GitHub hides drafts, so "no draft" cannot be proven.
    /// See: field-failures.md C25 (fail closed when drafts may be invisible).
    #[error(
        "The token has no push access to `{repo}`, so GitHub hides draft releases from it; cannot tell whether a draft for `{tag}` exists"
    )]
    DraftsInvisible {
        /// `owner/repo`.
        repo: String,
        /// Tag name.
        tag: String,
    },
    /// The release id recorded by an earlier run belongs to another tag.
    #[error("Recorded release {id} is for tag `{found}`, expected `{tag}`")]
    RecordedIdMismatch {
        /// Release id.
        id: u64,
        /// Tag expected.
        tag: String,
        /// Tag found.
        found: String,
    },
    /// GitHub's 404 on creating a release whose commit changes workflow files.
    /// See: github-release.md §1b (Workflows permission; a `GITHUB_TOKEN` can never get it).
    #[error(
        "GitHub refused to create the release for `{tag}` at `{commit}` (HTTP 404); the commit likely changes `.github/workflows/`, which needs a token with the Workflows permission"
    )]
    WorkflowPermission {
        /// Tag name.
        tag: String,
        /// Commit.
        commit: CommitSha,
        /// The 404.
        #[source]
        source: HttpError,
    },
}

fn join_ids(ids: &[u64]) -> String {
    ids.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Failure while uploading or verifying assets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssetError {
    /// A name GitHub would change or refuse.
    #[error("Asset name `{name}` is not allowed: {reason}")]
    InvalidName {
        /// Name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// Two local assets with one name.
    #[error("Asset name `{name}` is given twice")]
    DuplicateName {
        /// Name.
        name: String,
    },
    /// Reading a local file failed.
    #[error("Failed to read `{path}`")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// An API call failed.
    #[error("Failed to {action}")]
    Api {
        /// What we were doing.
        action: String,
        /// Cause.
        #[source]
        source: HttpError,
    },
    /// GitHub holds different bytes under this name.
    /// See: python-semantic-release#729 (field-failures.md C28), objeck-lang#938 (C31).
    #[error("Asset `{name}` on the release has sha256 `{remote}`, local file has `{local}`")]
    DigestMismatch {
        /// Name.
        name: String,
        /// Local sha256.
        local: String,
        /// GitHub's sha256.
        remote: String,
    },
    /// GitHub reports another size.
    #[error("Asset `{name}` on the release has {remote} bytes, local file has {local}")]
    SizeMismatch {
        /// Name.
        name: String,
        /// Local size.
        local: u64,
        /// GitHub's size.
        remote: u64,
    },
    /// The asset never reached `uploaded`.
    #[error("Asset `{name}` is in state `{state}` after upload, expected `uploaded`")]
    NotUploaded {
        /// Name.
        name: String,
        /// State seen.
        state: String,
    },
    /// Bounded attempts used up.
    #[error("Gave up uploading `{name}` after {attempts} attempts")]
    GaveUp {
        /// Name.
        name: String,
        /// Attempts made.
        attempts: u32,
        /// Last failure.
        #[source]
        source: HttpError,
    },
    /// The release is published (and possibly immutable): assets must not change.
    /// See: openedx/event-tracking#433 (field-failures.md C29).
    #[error("Release {release_id} is published; refusing to add or change asset `{name}`")]
    ReleasePublished {
        /// Release id.
        release_id: u64,
        /// Name.
        name: String,
    },
    /// An asset with another digest exists and replacing it is not allowed.
    #[error(
        "Asset `{name}` exists with sha256 `{remote}` but the local file has `{local}`; replacing assets is not enabled"
    )]
    ExistsDifferent {
        /// Name.
        name: String,
        /// Local sha256.
        local: String,
        /// GitHub's sha256.
        remote: String,
    },
}

/// Failure while publishing the draft or verifying the published release.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// An API call failed.
    #[error("Failed to {action}")]
    Api {
        /// What we were doing.
        action: String,
        /// Cause.
        #[source]
        source: HttpError,
    },
    /// The draft's assets are not exactly the expected set.
    #[error("Release {release_id} has assets {found:?}, expected exactly {expected:?}")]
    AssetSet {
        /// Release id.
        release_id: u64,
        /// Names on the release.
        found: Vec<String>,
        /// Names expected.
        expected: Vec<String>,
    },
    /// An asset failed its check.
    #[error(transparent)]
    Asset(#[from] AssetError),
    /// Tag check failed.
    #[error(transparent)]
    Tag(#[from] TagError),
    /// Reading the release failed.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// No release with this id (GitHub answers 404): deleted, or never made.
    #[error("Release {release_id} does not exist (GitHub answers 404); nothing was published")]
    Missing {
        /// Release id.
        release_id: u64,
    },
    /// GitHub accepted the request to publish, but the release still reads as a draft.
    #[error(
        "Release {release_id} is still a draft after GitHub accepted the request to publish it; nothing is public yet"
    )]
    StillDraft {
        /// Release id.
        release_id: u64,
    },
    /// The release id belongs to another tag.
    #[error("Release {release_id} is for tag `{found}`, expected `{expected}`")]
    WrongTag {
        /// Release id.
        release_id: u64,
        /// Tag of the release.
        found: String,
        /// Tag expected.
        expected: String,
    },
    /// The repository enforces immutable releases but the published release is not immutable.
    #[error(
        "Release {release_id} for `{tag}` is published but not immutable, although the repository enables immutable releases"
    )]
    NotImmutable {
        /// Release id.
        release_id: u64,
        /// Tag name.
        tag: String,
    },
    /// After publishing, the tag no longer dereferences to the released commit.
    /// See: github-release.md §6 step 6; field-failures.md C29.
    #[error(
        "Release {release_id} is published, but its tag `{tag}` now points at commit `{found}`, not the released commit `{expected}`"
    )]
    TagMoved {
        /// Release id.
        release_id: u64,
        /// Tag name.
        tag: String,
        /// Commit the tag dereferences to now (`<no tag>` when it is gone).
        found: String,
        /// The released commit.
        expected: CommitSha,
    },
    /// After publishing, an asset downloads to other bytes than the local file.
    /// See: objeck/objeck-lang#938 (field-failures.md C31).
    #[error(
        "Release {release_id} is published, but its asset `{name}` downloads with sha256 `{downloaded}`; the local file has `{local}`"
    )]
    DownloadMismatch {
        /// Release id.
        release_id: u64,
        /// Name.
        name: String,
        /// Local sha256.
        local: String,
        /// sha256 of the downloaded bytes.
        downloaded: String,
    },
}
