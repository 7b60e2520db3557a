//! Uploading verified Python distributions to PyPI, TestPyPI or any index that speaks the legacy
//! upload API, with checked and narrowed credentials, idempotent retries and proof of what the
//! index serves afterwards.
//!
//! The crate never prints and never reads process-wide environment: credentials come in as
//! [`Secret`]s from the caller, progress leaves through a reporter, results and errors are typed.
//! Secrets never appear in `Debug`, `Display` or error text; URLs are shown through [`SafeUrl`].
#![deny(missing_docs)]

pub mod macaroon;
pub mod secret;
pub mod token;

pub use secret::{SafeUrl, Secret, UrlError, redact};
pub use token::{
    CaveatKind, IndexSite, TokenError, TokenInfo, TokenProblem, TokenVerdict, check_token,
    inspect_token, narrow_token,
};
