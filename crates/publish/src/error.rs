//! Errors, split by phase: preparing local artifacts, talking HTTP, looking files up in the index,
//! and the publish run as a whole. Messages name the file and URL (credentials masked) and what
//! was found against what was expected; none ever quotes a secret.

use std::path::PathBuf;

use crate::secret::SafeUrl;

/// Reading a local artifact failed (nothing was sent).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The path has no UTF-8 file name.
    #[error("`{}` has no UTF-8 file name", path.display())]
    FileName {
        /// The path.
        path: PathBuf,
    },
    /// Neither `.whl` nor `.tar.gz`.
    #[error("`{filename}` is neither a wheel (`.whl`) nor an sdist (`.tar.gz`)")]
    Extension {
        /// The file name.
        filename: String,
    },
    /// The wheel file name does not split into its parts.
    #[error("wheel file name `{filename}` does not have 5 or 6 `-`-separated parts")]
    WheelName {
        /// The file name.
        filename: String,
    },
    /// Reading the file failed.
    #[error("failed to read `{}`", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The archive could not be read.
    #[error("failed to read archive `{filename}`: {reason}")]
    Archive {
        /// The file name.
        filename: String,
        /// What went wrong.
        reason: String,
    },
    /// The core metadata member is missing where PyPI looks for it.
    #[error("`{filename}` has no core metadata at `{member}`")]
    MissingMetadata {
        /// The file name.
        filename: String,
        /// The member path expected.
        member: String,
    },
    /// The core metadata did not parse.
    #[error("core metadata `{member}` in `{filename}` does not parse (META-01)")]
    Metadata {
        /// The file name.
        filename: String,
        /// The member path.
        member: String,
    },
}

/// An HTTP exchange failed below the level of a status code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// Credentials would travel in clear text.
    #[error("refusing `{url}`: only HTTPS is allowed, or plain HTTP to a loopback address")]
    Insecure {
        /// The URL.
        url: SafeUrl,
    },
    /// Connecting, sending or receiving failed (retryable).
    #[error("request to `{url}` failed")]
    Transport {
        /// The URL.
        url: SafeUrl,
        /// The cause (the client never sees credentials in URLs, so its text holds none).
        #[source]
        source: Box<ureq::Error>,
    },
    /// The request body could not be read from disk.
    #[error("failed to read the request body for `{url}`")]
    Body {
        /// The URL.
        url: SafeUrl,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl HttpError {
    /// Whether trying again may help (network trouble, not a policy refusal).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, HttpError::Transport { .. })
    }
}

/// Looking a project up in the simple index failed: the index state is unknown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// HTTP trouble.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// Any status but 200 and 404: 401, 403 and 5xx do not mean "absent".
    ///
    /// See: pypi-upload.md section 7 item 4 (uv#16073).
    #[error("index look-up `{url}` returned HTTP {status}: {message}")]
    Status {
        /// The URL.
        url: SafeUrl,
        /// The status code.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// A redirect that leaves the index.
    #[error("index look-up `{url}` redirected to `{location}`, outside the index")]
    Redirect {
        /// The URL.
        url: SafeUrl,
        /// The target, credentials masked.
        location: String,
    },
    /// The body does not parse as the simple API.
    #[error("index look-up `{url}` returned an unreadable page: {reason}")]
    Parse {
        /// The URL.
        url: SafeUrl,
        /// What was wrong.
        reason: String,
    },
    /// The index lists the file without a sha256 hash, so identity cannot be decided.
    #[error("index lists `{filename}` at `{url}` without a sha256 hash")]
    MissingHash {
        /// The URL.
        url: SafeUrl,
        /// The file name.
        filename: String,
    },
}

/// The publish run failed before uploading anything, or an artifact conflicts with the index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// An artifact could not be read.
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// An artifact's `Name` is not the configured project.
    ///
    /// See: field-failures C19.
    #[error("`{filename}` has Name `{name}`, but the project being published is `{project}`")]
    ProjectMismatch {
        /// The file name.
        filename: String,
        /// The `Name` in its core metadata.
        name: String,
        /// The configured project.
        project: String,
    },
    /// Artifacts of one publish run carry different versions.
    #[error("`{filename}` has Version `{version}`, but `{first}` has `{expected}`")]
    VersionMismatch {
        /// The file name.
        filename: String,
        /// Its version.
        version: String,
        /// The first artifact's file name.
        first: String,
        /// The first artifact's version.
        expected: String,
    },
    /// The core metadata's `Metadata-Version` is one PyPI does not accept.
    ///
    /// See: pypi-upload.md section 7 item 7 (twine#1070: read as "missing Name, Version").
    #[error("`{filename}` has unsupported Metadata-Version `{found}` (PyPI accepts {accepted})")]
    MetadataVersion {
        /// The file name.
        filename: String,
        /// The `Metadata-Version` as written.
        found: String,
        /// The accepted values, listed.
        accepted: String,
    },
    /// An attestation next to a file is unreadable or about other bytes.
    ///
    /// See: pypi-upload.md section 7 item 10 (gh-action-pypi-publish#319).
    #[error("attestation `{}` for `{filename}` is refused: {reason}", path.display())]
    Attestation {
        /// The distribution's file name.
        filename: String,
        /// The attestation file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Some files of the batch have attestations and others do not.
    ///
    /// See: pypi-upload.md section 7 item 11 (EXOTIC#1344).
    #[error(
        "attestations are next to some files but not next to {}: attest every file of the batch or none",
        quoted(.missing)
    )]
    AttestationsIncomplete {
        /// The files without one.
        missing: Vec<String>,
    },
    /// The same file name appears twice in the batch.
    #[error("`{filename}` is given twice")]
    DuplicateFile {
        /// The file name.
        filename: String,
    },
    /// No artifacts were given.
    #[error("no artifacts to publish")]
    Empty,
    /// The upload URL does not allow credentials.
    #[error(
        "refusing upload URL `{url}`: only HTTPS is allowed, or plain HTTP to a loopback address"
    )]
    Insecure {
        /// The URL.
        url: SafeUrl,
    },
    /// The index already has a file of this name with other bytes.
    #[error(
        "`{filename}` is already on the index with different content: local sha256 {local}, index sha256 {remote}; an index keeps one content per file name, so release a new version, or, if this is a rebuild of the uploaded release, build it reproducibly (SOURCE_DATE_EPOCH set to the release commit's time)"
    )]
    Conflict {
        /// The file name.
        filename: String,
        /// The local sha256.
        local: String,
        /// The index's sha256.
        remote: String,
    },
    /// The index could not be asked which files it has.
    #[error("failed to look up `{project}` in the index")]
    Lookup {
        /// The project.
        project: String,
        /// The cause.
        #[source]
        source: Box<LookupError>,
    },
}

fn quoted(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    names.join(", ")
}
