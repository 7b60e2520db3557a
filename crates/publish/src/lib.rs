//! Uploading verified Python distributions to PyPI, TestPyPI or any index that speaks the legacy
//! upload API, with checked and narrowed credentials, idempotent retries and proof of what the
//! index serves afterwards.
//!
//! The crate never prints and never reads process-wide environment or the OS keyring:
//! credentials come in as [`Secret`]s from the caller (xtask owns the environment and keyring
//! sources), progress leaves through a [`Reporter`], results and errors are typed. Secrets never
//! appear in `Debug`, `Display` or error text; URLs are shown through [`SafeUrl`].
//!
//! Not done here (beyond issue #3; proposed as a follow-up): PEP 740 attestations found next to
//! a file are checked against it and sent, but none are made here, and the index's provenance is
//! not compared after upload.
#![deny(missing_docs)]

pub mod artifact;
pub mod attestation;
pub mod error;
pub mod form;
pub mod http;
pub mod index;
pub mod macaroon;
pub mod multipart;
pub mod oidc;
pub mod publish;
pub mod retry;
pub mod secret;
pub mod token;

pub use artifact::{DistKind, LocalArtifact, read_artifact};
pub use error::{HttpError, LookupError, PrepareError, PublishError};
pub use http::{HttpClient, HttpOptions, USER_AGENT};
pub use index::{IndexUrls, ProjectListing, RemoteFile};
pub use oidc::{GithubIdTokenSource, JwtClaims, OidcError, TrustedPublisher};
pub use publish::{
    CredentialProvider, Credentials, Event, FileResult, FileStatus, FileVerification, NoReporter,
    PollPolicy, PublishReport, PublishRequest, Reporter, VerificationReport, check_existing,
    preflight, publish, verify_published,
};
pub use retry::RetryPolicy;
pub use secret::{SafeUrl, Secret, UrlError, redact};
pub use token::{
    CaveatKind, IndexSite, TokenError, TokenGateError, TokenInfo, TokenProblem, TokenVerdict,
    check_token, gate_token, inspect_token, narrow_token,
};
