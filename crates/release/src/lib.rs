//! GitHub side of a pyship release: the tag at the verified commit, one draft release, assets
//! whose bytes GitHub's own digest and a download prove identical to the verified artifacts,
//! publishing only after that, and the read-only queries the release gates ask.
//!
//! The crate talks only to GitHub (REST, through [`GitHubClient`]) and to the local `git`
//! binary for locally made tags. It never prints, never reads environment variables and never
//! sees a token it was not handed as a [`GitHubToken`].
#![deny(missing_docs)]

pub mod assets;
mod client;
mod clock;
mod error;
pub mod gates;
mod model;
pub mod notes;
pub mod preflight;
pub mod publish;
pub mod release;
mod safe_url;
mod secret;
pub mod tag;

pub use client::{API_VERSION, Evidence, GitHubClient, GitHubConfig, MutationRecord};
pub use clock::{Clock, SystemClock};
pub use error::{
    ApiErrorDetail, AssetError, HttpError, PublishError, ReleaseError, StatusError, TagError,
};
pub use model::{Asset, CommitSha, InvalidSha, Release};
pub use safe_url::SafeUrl;
pub use secret::{GitHubToken, TokenKind};
