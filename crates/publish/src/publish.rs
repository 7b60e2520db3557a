//! The publish run: preflight of the whole batch, look-ups that make every step idempotent,
//! uploads with retries that look before they resend, a typed per-file result that says which
//! files are live when a batch stops half-way, and the post-upload proof that the index serves
//! exactly the bytes that were verified.
//!
//! See: pypi-upload.md sections 1.7, 4.3, 8; field-failures C10, C11, C13, C14, C19.

use std::time::Duration;

use base64::Engine as _;
use serde::Serialize;

use crate::artifact::{DistKind, LocalArtifact};
use crate::attestation::{check_attestations, find_attestation};
use crate::error::{HttpError, LookupError, PublishError};
use crate::form::form_fields;
use crate::http::{HttpClient, HttpResponse, server_message, upload_hint};
use crate::index::{IndexUrls, ProjectListing, RemoteFile, fetch_listing, fetch_release_json};
use crate::multipart::multipart_body;
use crate::oidc::OidcError;
use crate::retry::RetryPolicy;
use crate::secret::{SafeUrl, Secret, redact_for_users};

/// Upload credentials: a username (`__token__` for API tokens) and its secret.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The username; `__token__` for PyPI API tokens.
    pub username: String,
    /// The password or token.
    pub password: Secret,
}

impl Credentials {
    /// Credentials for a PyPI-style API token.
    #[must_use]
    pub fn token(token: Secret) -> Self {
        Credentials {
            username: "__token__".to_owned(),
            password: token,
        }
    }

    /// `text` without the password, its HTTP Basic encoding with this username, or anything
    /// shaped like a PyPI token.
    fn redact(&self, text: &str) -> String {
        redact_for_users(text, &[&self.password], &[&self.username])
    }

    fn authorization(&self) -> String {
        let pair = format!("{}:{}", self.username, self.password.expose());
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

/// Supplies credentials before each file, so short-lived tokens can be renewed mid-batch.
pub trait CredentialProvider {
    /// The credentials to send the next file with.
    fn credentials(&self) -> Result<Credentials, OidcError>;

    /// Credentials that may also be sent to read the index (a private index wants them for its
    /// simple API), when the provider has fixed ones. A trusted publisher has none: minting a
    /// token to read is not worth it, and PyPI's simple API is public.
    fn read_credentials(&self) -> Option<Credentials> {
        None
    }
}

impl CredentialProvider for Credentials {
    fn credentials(&self) -> Result<Credentials, OidcError> {
        Ok(self.clone())
    }

    fn read_credentials(&self) -> Option<Credentials> {
        (!self.password.expose().is_empty()).then(|| self.clone())
    }
}

/// The credentials for the index's simple API: the upload credentials, when the simple API is
/// on the upload URL's origin and the index is no PyPI or TestPyPI deployment (whose simple API
/// is public and whose tokens go to the upload host only).
fn read_credentials(request: &PublishRequest<'_>) -> Option<Credentials> {
    if request.index.site.is_some() || !request.index.simple.same_origin(&request.index.upload) {
        return None;
    }
    request.credentials.read_credentials()
}

/// Looks the project up, with the read credentials where they apply; what the index says back
/// is redacted of them (an index may echo the `Authorization` header in its error page).
fn fetch_listing_as(
    client: &HttpClient,
    request: &PublishRequest<'_>,
) -> Result<ProjectListing, LookupError> {
    let credentials = read_credentials(request);
    let authorization = credentials
        .as_ref()
        .map(|credentials| Secret::new(credentials.authorization()));
    let result = fetch_listing(
        client,
        &request.index.simple,
        request.project,
        authorization.as_ref(),
    );
    match (result, &credentials) {
        (Err(err), Some(credentials)) => Err(match err {
            LookupError::Status {
                url,
                status,
                message,
            } => LookupError::Status {
                url,
                status,
                message: credentials.redact(&message),
            },
            LookupError::Parse { url, reason } => LookupError::Parse {
                url,
                reason: credentials.redact(&reason),
            },
            other => other,
        }),
        (result, _) => result,
    }
}

/// How long to wait for uploaded files to show up in the index.
#[derive(Debug, Clone)]
pub struct PollPolicy {
    /// Look-ups before giving up.
    pub attempts: u32,
    /// Pause between look-ups.
    pub interval: Duration,
}

impl PollPolicy {
    /// 30 look-ups 10 s apart (PyPI's CDN purge is asynchronous).
    #[must_use]
    pub fn standard() -> Self {
        PollPolicy {
            attempts: 30,
            interval: Duration::from_secs(10),
        }
    }
}

/// Everything one publish run needs.
pub struct PublishRequest<'a> {
    /// Where to upload and look up.
    pub index: &'a IndexUrls,
    /// The project being published (compared by normalized name).
    pub project: &'a str,
    /// The credentials (checked by the token gate where one applies), or a trusted publisher.
    pub credentials: &'a dyn CredentialProvider,
    /// The artifacts, already verified.
    pub artifacts: &'a [LocalArtifact],
    /// Retry timing.
    pub retry: RetryPolicy,
    /// Post-upload polling.
    pub poll: PollPolicy,
}

/// Progress, for the caller to render. The library never prints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Asking the index which files it has.
    LookingUp {
        /// The project.
        project: &'a str,
    },
    /// A file is already on the index with the same bytes: skipped.
    AlreadyPresent {
        /// The file name.
        filename: &'a str,
    },
    /// Sending a file.
    Uploading {
        /// The file name.
        filename: &'a str,
        /// 1 for the first attempt.
        attempt: u32,
    },
    /// An attempt failed in a way that may pass; waiting before looking up and retrying.
    Retrying {
        /// The file name.
        filename: &'a str,
        /// The attempt that failed.
        attempt: u32,
        /// The wait.
        delay: Duration,
        /// Why (status or transport error).
        reason: &'a str,
    },
    /// The index accepted a file.
    Uploaded {
        /// The file name.
        filename: &'a str,
    },
    /// Waiting for uploaded files to appear in the index.
    Polling {
        /// 1-based round.
        round: u32,
        /// Files not confirmed yet.
        n_pending: usize,
    },
}

/// Receives progress events.
pub trait Reporter {
    /// Called for each event, in order.
    fn on_event(&self, event: &Event<'_>);
}

/// A reporter that drops everything.
#[derive(Debug, Clone, Copy)]
pub struct NoReporter;

impl Reporter for NoReporter {
    fn on_event(&self, _event: &Event<'_>) {}
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Sent and accepted in this run.
    Uploaded,
    /// Already on the index with the same sha256 (before the run, or stored by an attempt whose
    /// response was lost).
    AlreadyPresent,
    /// Refused, or its state could not be established.
    Failed,
    /// Not tried because an earlier file failed.
    NotAttempted,
}

/// The result for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileResult {
    /// The file name.
    pub filename: String,
    /// What happened.
    pub status: FileStatus,
    /// Local sha256.
    pub sha256: String,
    /// Local blake2b-256.
    pub blake2b_256: String,
    /// Size in bytes.
    pub size: u64,
    /// Where the index serves it, when known.
    pub url: Option<String>,
    /// Upload attempts made (0 when skipped).
    pub attempts: u32,
    /// The index's own message (secrets redacted), if it said anything.
    pub server_message: Option<String>,
    /// What went wrong, for failed files.
    pub failure: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl FileResult {
    fn new(artifact: &LocalArtifact, status: FileStatus) -> Self {
        FileResult {
            filename: artifact.filename.clone(),
            status,
            sha256: artifact.digests.sha256.clone(),
            blake2b_256: artifact.digests.blake2b_256.clone(),
            size: artifact.size,
            url: None,
            attempts: 0,
            server_message: None,
            failure: None,
            hint: None,
        }
    }

    /// Whether the index serves this file now.
    #[must_use]
    pub fn is_live(&self) -> bool {
        matches!(
            self.status,
            FileStatus::Uploaded | FileStatus::AlreadyPresent
        )
    }
}

/// The result of a publish run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishReport {
    /// The project (as configured).
    pub project: String,
    /// The version being published.
    pub version: String,
    /// One entry per artifact, in upload order.
    pub files: Vec<FileResult>,
}

impl PublishReport {
    /// Whether every file is live.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.files.iter().all(FileResult::is_live)
    }

    /// Files the index serves now.
    #[must_use]
    pub fn live(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|file| file.is_live())
            .map(|file| file.filename.as_str())
            .collect()
    }

    /// Files that must still be uploaded before the release is complete.
    #[must_use]
    pub fn remaining(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|file| !file.is_live())
            .map(|file| file.filename.as_str())
            .collect()
    }
}

/// `Metadata-Version` values PyPI and TestPyPI accept (there never was a 2.0).
///
/// See: pypi-upload.md section 7 item 7; warehouse `forklift/metadata.py`.
const PYPI_METADATA_VERSIONS: &[&str] = &["1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"];

/// The username PyPI API tokens are sent with.
const TOKEN_USERNAME: &str = "__token__";

/// Checks the batch before anything is sent: not empty, no duplicate file names, one project
/// (every `Name` normalizes to the configured project), one version, a safe upload URL, and for
/// PyPI and TestPyPI a `Metadata-Version` they accept.
///
/// See: field-failures C13 (zero uploads when something is known to be wrong), C19.
pub fn preflight(request: &PublishRequest<'_>) -> Result<(), PublishError> {
    let Some(first) = request.artifacts.first() else {
        return Err(PublishError::Empty);
    };
    if !request.index.upload.is_secure_transport() {
        return Err(PublishError::Insecure {
            url: request.index.upload.clone(),
        });
    }
    let project = pyship_verify::filename::normalize_name(request.project);
    let mut seen = std::collections::HashSet::new();
    for artifact in request.artifacts {
        if !seen.insert(artifact.filename.as_str()) {
            return Err(PublishError::DuplicateFile {
                filename: artifact.filename.clone(),
            });
        }
        if pyship_verify::filename::normalize_name(artifact.name()) != project {
            return Err(PublishError::ProjectMismatch {
                filename: artifact.filename.clone(),
                name: artifact.name().to_owned(),
                project: request.project.to_owned(),
            });
        }
        let found = artifact.metadata.metadata_version.trim();
        if request.index.site.is_some() && !PYPI_METADATA_VERSIONS.contains(&found) {
            return Err(PublishError::MetadataVersion {
                filename: artifact.filename.clone(),
                found: found.to_owned(),
                accepted: PYPI_METADATA_VERSIONS.join(", "),
            });
        }
        if artifact.version() != first.version() {
            return Err(PublishError::VersionMismatch {
                filename: artifact.filename.clone(),
                version: artifact.version().to_owned(),
                first: first.filename.clone(),
                expected: first.version().to_owned(),
            });
        }
    }
    // Provenance is all-or-nothing and checked against the bytes before the first upload.
    check_attestations(request.artifacts)?;
    Ok(())
}

/// What the index already has of each artifact: `Some` when it lists the same bytes. A listed
/// file with other bytes is a hard error showing both digests; a listed file without a hash
/// cannot be judged and is an error too. Read-only: this is what a dry run shows.
pub fn check_existing(
    client: &HttpClient,
    request: &PublishRequest<'_>,
) -> Result<Vec<(String, Option<RemoteFile>)>, PublishError> {
    let listing = lookup(client, request)?;
    request
        .artifacts
        .iter()
        .map(|artifact| {
            let remote = match_remote(&listing, artifact, &request.index.simple)
                .map_err(|source| lookup_error(request, source))??;
            Ok((artifact.filename.clone(), remote))
        })
        .collect()
}

fn lookup(
    client: &HttpClient,
    request: &PublishRequest<'_>,
) -> Result<ProjectListing, PublishError> {
    fetch_listing_as(client, request).map_err(|source| lookup_error(request, source))
}

fn lookup_error(request: &PublishRequest<'_>, source: LookupError) -> PublishError {
    PublishError::Lookup {
        project: request.project.to_owned(),
        source: Box::new(source),
    }
}

/// `Ok(Ok(Some))` same bytes listed, `Ok(Ok(None))` absent, `Ok(Err)` conflict.
fn match_remote(
    listing: &ProjectListing,
    artifact: &LocalArtifact,
    simple: &SafeUrl,
) -> Result<Result<Option<RemoteFile>, PublishError>, LookupError> {
    let Some(remote) = listing.find(&artifact.filename) else {
        return Ok(Ok(None));
    };
    let Some(sha256) = remote.sha256.as_deref() else {
        return Err(LookupError::MissingHash {
            url: simple.clone(),
            filename: artifact.filename.clone(),
        });
    };
    if sha256 == artifact.digests.sha256 {
        Ok(Ok(Some(remote.clone())))
    } else {
        Ok(Err(PublishError::Conflict {
            filename: artifact.filename.clone(),
            local: artifact.digests.sha256.clone(),
            remote: sha256.to_owned(),
        }))
    }
}

/// Publishes the batch. Errors mean nothing was uploaded in this run; once uploading has begun,
/// the outcome is a report whose files say what is live and what remains.
pub fn publish(
    client: &HttpClient,
    request: &PublishRequest<'_>,
    reporter: &dyn Reporter,
) -> Result<PublishReport, PublishError> {
    // Step 1: everything local, before any request.
    preflight(request)?;

    // Step 2: what the index already has; a conflict stops the run before the first upload.
    reporter.on_event(&Event::LookingUp {
        project: request.project,
    });
    let existing = check_existing(client, request)?;

    // Step 3: upload in a deliberate order (wheels, then the sdist), stopping at a failure.
    let mut order: Vec<(&LocalArtifact, Option<RemoteFile>)> = request
        .artifacts
        .iter()
        .zip(existing.into_iter().map(|(_, r)| r))
        .collect();
    order.sort_by_key(|(artifact, _)| artifact.kind == DistKind::Sdist);
    let mut files = Vec::new();
    let mut stopped = false;
    for (artifact, remote) in order {
        let result = if stopped {
            FileResult::new(artifact, FileStatus::NotAttempted)
        } else if let Some(remote) = remote {
            reporter.on_event(&Event::AlreadyPresent {
                filename: &artifact.filename,
            });
            FileResult {
                url: Some(remote.url),
                ..FileResult::new(artifact, FileStatus::AlreadyPresent)
            }
        } else {
            upload_file(client, request, artifact, reporter)
        };
        stopped |= result.status == FileStatus::Failed;
        files.push(result);
    }
    Ok(PublishReport {
        project: request.project.to_owned(),
        version: request.artifacts[0].version().to_owned(),
        files,
    })
}

/// One attempt's outcome.
enum Attempt {
    Stored(Option<String>),
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
        message: Option<String>,
    },
    Refused {
        status: u16,
        message: String,
    },
    Fatal(String),
}

fn upload_file(
    client: &HttpClient,
    request: &PublishRequest<'_>,
    artifact: &LocalArtifact,
    reporter: &dyn Reporter,
) -> FileResult {
    let mut result = FileResult::new(artifact, FileStatus::Failed);
    let credentials = match request.credentials.credentials() {
        Ok(credentials) => credentials,
        Err(err) => {
            result.failure = Some(format!("failed to obtain upload credentials: {err}"));
            return result;
        }
    };
    let credentials = &credentials;
    if request.index.site.is_some() && credentials.username != TOKEN_USERNAME {
        result.failure = Some(format!(
            "not sent: the index takes API tokens only (username `{TOKEN_USERNAME}`), and these credentials are for username `{}`",
            credentials.username
        ));
        result.hint = Some(
            "PyPI answers a password login with 403 \"Username/Password authentication is no longer supported\": use an API token or trusted publishing".to_owned(),
        );
        return result;
    }
    loop {
        result.attempts += 1;
        reporter.on_event(&Event::Uploading {
            filename: &artifact.filename,
            attempt: result.attempts,
        });
        match send_once(client, request, credentials, artifact) {
            Attempt::Stored(message) => {
                reporter.on_event(&Event::Uploaded {
                    filename: &artifact.filename,
                });
                result.status = FileStatus::Uploaded;
                result.server_message = message;
                return result;
            }
            Attempt::Retryable {
                reason,
                retry_after,
                message,
            } => {
                result.server_message = message;
                let delay = (result.attempts < request.retry.max_attempts)
                    .then(|| request.retry.delay(result.attempts, retry_after))
                    .flatten();
                if let Some(delay) = delay {
                    reporter.on_event(&Event::Retrying {
                        filename: &artifact.filename,
                        attempt: result.attempts,
                        delay,
                        reason: &reason,
                    });
                    std::thread::sleep(delay);
                }
                // A failed response does not mean the file was not stored: look before resending.
                // See: field-failures C10 (500 after the file was stored).
                match settle_by_lookup(client, request, credentials, artifact, &mut result) {
                    Some(()) => return result,
                    None if delay.is_some() => {}
                    None => {
                        result.failure = Some(format!(
                            "gave up after {} attempts: {reason}",
                            result.attempts
                        ));
                        return result;
                    }
                }
            }
            Attempt::Refused { status, message } => {
                result.hint = upload_hint(status, &message).map(str::to_owned);
                result.failure = Some(format!("the index refused the upload with HTTP {status}"));
                result.server_message = Some(message);
                // Decide "already exists" by the listing, never by the message's wording.
                // See: field-failures C11.
                let _ = settle_by_lookup(client, request, credentials, artifact, &mut result);
                return result;
            }
            Attempt::Fatal(reason) => {
                result.failure = Some(reason);
                return result;
            }
        }
    }
}

/// Looks the file up after a failed attempt. `Some` when the result is settled (present with the
/// same bytes, a conflict, or an unknown state); `None` when the file is absent.
fn settle_by_lookup(
    client: &HttpClient,
    request: &PublishRequest<'_>,
    credentials: &Credentials,
    artifact: &LocalArtifact,
    result: &mut FileResult,
) -> Option<()> {
    let listing = match fetch_listing_as(client, request) {
        Ok(listing) => listing,
        Err(err) => {
            result.status = FileStatus::Failed;
            result.failure = Some(format!(
                "the upload failed and the index look-up that would tell whether it was stored failed too: {}",
                credentials.redact(&err.to_string())
            ));
            return Some(());
        }
    };
    match match_remote(&listing, artifact, &request.index.simple) {
        Ok(Ok(Some(remote))) => {
            result.status = FileStatus::AlreadyPresent;
            result.url = Some(remote.url);
            result.failure = None;
            result.hint = None;
            Some(())
        }
        Ok(Ok(None)) => None,
        Ok(Err(conflict)) => {
            result.status = FileStatus::Failed;
            result.failure = Some(conflict.to_string());
            Some(())
        }
        Err(err) => {
            result.status = FileStatus::Failed;
            result.failure = Some(err.to_string());
            Some(())
        }
    }
}

/// Sends one upload request, following only PyPI's same-origin 308 to the trailing-slash URL.
///
/// See: pypi-upload.md section 1.1 (`POST /legacy` → 308 `/legacy/`); field-failures C14.
fn send_once(
    client: &HttpClient,
    request: &PublishRequest<'_>,
    credentials: &Credentials,
    artifact: &LocalArtifact,
) -> Attempt {
    let mut fields = form_fields(artifact);
    // Checked in preflight; read again so that what is sent is what is on disk now.
    match find_attestation(artifact) {
        Ok(Some(attestation)) => fields.push(("attestations", format!("[{}]", attestation.json))),
        Ok(None) => {}
        Err(err) => return Attempt::Fatal(err.to_string()),
    }
    let authorization = credentials.authorization();
    let mut url = request.index.upload.clone();
    for _ in 0..2 {
        let body = match multipart_body(artifact, &fields) {
            Ok(body) => body,
            Err(err) => {
                return Attempt::Fatal(format!("failed to open `{}`: {err}", artifact.filename));
            }
        };
        let headers = [
            ("Authorization", authorization.clone()),
            (
                "Accept",
                "application/json;q=0.9, text/plain;q=0.8, text/html;q=0.7".to_owned(),
            ),
        ];
        let response = match client.post(&url, &headers, body) {
            Ok(response) => response,
            Err(err) => return transport_attempt(&err, credentials),
        };
        match next_url_after_redirect(&url, &response) {
            Ok(Some(next)) => url = next,
            Ok(None) => return classify_response(&response, credentials),
            Err(reason) => return Attempt::Fatal(reason),
        }
    }
    Attempt::Fatal(format!(
        "the upload URL `{}` redirected more than once",
        request.index.upload
    ))
}

fn transport_attempt(err: &HttpError, credentials: &Credentials) -> Attempt {
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        reason = format!("{reason}: {cause}");
        source = cause.source();
    }
    let reason = credentials.redact(&reason);
    if err.is_transient() {
        Attempt::Retryable {
            reason,
            retry_after: None,
            message: None,
        }
    } else {
        Attempt::Fatal(reason)
    }
}

/// `Ok(Some)` for the one redirect that is followed, `Ok(None)` for a non-redirect, `Err` for
/// every other redirect, naming its target.
fn next_url_after_redirect(
    url: &SafeUrl,
    response: &HttpResponse,
) -> Result<Option<SafeUrl>, String> {
    if !(300..400).contains(&response.status) {
        return Ok(None);
    }
    let location = response.location.as_deref().unwrap_or_default();
    let target = url.join(location).map_err(|_| {
        format!(
            "the upload URL `{url}` answered HTTP {} with an unreadable Location",
            response.status
        )
    })?;
    let wanted = format!("{}/", url.path());
    if response.status == 308 && target.same_origin(url) && target.path() == wanted {
        return Ok(Some(target));
    }
    Err(format!(
        "the upload URL `{url}` redirected (HTTP {}) to `{target}`; configure the final upload URL",
        response.status
    ))
}

fn classify_response(response: &HttpResponse, credentials: &Credentials) -> Attempt {
    let message = credentials.redact(&server_message(response));
    match response.status {
        200..=299 => {
            let warnings = String::from_utf8_lossy(&response.body).trim().to_owned();
            let warnings = (!warnings.is_empty()).then(|| credentials.redact(&warnings));
            Attempt::Stored(warnings)
        }
        429 | 500..=599 => Attempt::Retryable {
            reason: format!("HTTP {}: {message}", response.status),
            retry_after: response.retry_after,
            message: Some(message),
        },
        status => Attempt::Refused { status, message },
    }
}

/// The post-upload proof for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileVerification {
    /// The file name.
    pub filename: String,
    /// Where the index serves it, once seen.
    pub url: Option<String>,
    /// Mismatches and absences; empty means the index serves exactly the verified bytes.
    pub problems: Vec<String>,
}

/// The post-upload proof for a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationReport {
    /// One entry per artifact.
    pub files: Vec<FileVerification>,
    /// Look-up rounds used.
    pub rounds: u32,
}

impl VerificationReport {
    /// Whether every file was found with the expected digests.
    #[must_use]
    pub fn is_verified(&self) -> bool {
        self.files.iter().all(|file| file.problems.is_empty())
    }
}

/// Polls the index (bounded) until every artifact is listed with its sha256 and size, wheels with
/// the sha256 of their METADATA as core-metadata hash, and, where a JSON API exists, with
/// matching sha256, blake2b-256 and size and an `info` naming the sent name and version.
///
/// See: pypi-upload.md section 4.3; field-failures C14 (success reported, nothing published).
pub fn verify_published(
    client: &HttpClient,
    request: &PublishRequest<'_>,
    reporter: &dyn Reporter,
) -> Result<VerificationReport, PublishError> {
    let mut round = 0;
    loop {
        round += 1;
        let files = verify_round(client, request)?;
        let n_pending = files
            .iter()
            .filter(|file| !file.problems.is_empty())
            .count();
        if n_pending == 0 || round >= request.poll.attempts {
            return Ok(VerificationReport {
                files,
                rounds: round,
            });
        }
        reporter.on_event(&Event::Polling { round, n_pending });
        std::thread::sleep(request.poll.interval);
    }
}

fn verify_round(
    client: &HttpClient,
    request: &PublishRequest<'_>,
) -> Result<Vec<FileVerification>, PublishError> {
    let listing = lookup(client, request)?;
    let release = match (&request.index.json_api, request.artifacts.first()) {
        (Some(json_api), Some(first)) => {
            fetch_release_json(client, json_api, request.project, first.version())
                .map_err(|source| lookup_error(request, source))?
        }
        _ => None,
    };
    let files = request
        .artifacts
        .iter()
        .map(|artifact| {
            let mut problems = check_listing(&listing, artifact, request.index.site.is_some());
            if request.index.json_api.is_some() {
                check_release_json(release.as_ref(), artifact, &mut problems);
            }
            FileVerification {
                filename: artifact.filename.clone(),
                url: listing.find(&artifact.filename).map(|r| r.url.clone()),
                problems,
            }
        })
        .collect();
    Ok(files)
}

fn check_listing(
    listing: &ProjectListing,
    artifact: &LocalArtifact,
    pypi_like: bool,
) -> Vec<String> {
    let Some(remote) = listing.find(&artifact.filename) else {
        return vec!["not listed in the simple index".to_owned()];
    };
    let mut problems = Vec::new();
    if remote.sha256.as_deref() != Some(artifact.digests.sha256.as_str()) {
        problems.push(format!(
            "simple index sha256 {}, expected {}",
            remote.sha256.as_deref().unwrap_or("(none)"),
            artifact.digests.sha256
        ));
    }
    if let Some(size) = remote.size.filter(|size| *size != artifact.size) {
        problems.push(format!(
            "simple index size {size}, expected {}",
            artifact.size
        ));
    }
    let wants_core =
        artifact.kind == DistKind::Wheel && (pypi_like || remote.core_metadata_sha256.is_some());
    if wants_core && remote.core_metadata_sha256.as_deref() != Some(&artifact.metadata_sha256) {
        problems.push(format!(
            "served core metadata sha256 {}, expected {} (sha256 of `{}`)",
            remote.core_metadata_sha256.as_deref().unwrap_or("(none)"),
            artifact.metadata_sha256,
            artifact.metadata_member
        ));
    }
    problems
}

fn check_release_json(
    release: Option<&crate::index::ReleaseJson>,
    artifact: &LocalArtifact,
    problems: &mut Vec<String>,
) {
    let Some(release) = release else {
        problems.push("release not in the JSON API yet".to_owned());
        return;
    };
    if release.name != artifact.name() || release.version != artifact.version() {
        problems.push(format!(
            "JSON API shows `{} {}`, sent `{} {}`",
            release.name,
            release.version,
            artifact.name(),
            artifact.version()
        ));
    }
    let Some(file) = release
        .files
        .iter()
        .find(|f| f.filename == artifact.filename)
    else {
        problems.push("not in the JSON API's release files".to_owned());
        return;
    };
    let expect = |what: &str, found: Option<&str>, expected: &str, problems: &mut Vec<String>| {
        if found != Some(expected) {
            problems.push(format!(
                "JSON API {what} {}, expected {expected}",
                found.unwrap_or("(none)")
            ));
        }
    };
    expect(
        "sha256",
        file.sha256.as_deref(),
        &artifact.digests.sha256,
        problems,
    );
    expect(
        "blake2b_256",
        file.blake2b_256.as_deref(),
        &artifact.digests.blake2b_256,
        problems,
    );
    if file.size != Some(artifact.size) {
        problems.push(format!(
            "JSON API size {}, expected {}",
            file.size.map_or("(none)".to_owned(), |s| s.to_string()),
            artifact.size
        ));
    }
}
