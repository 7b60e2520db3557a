//! Offline verification of Python distribution artifacts (wheels and sdists).
//!
//! Everything here is knowable without a network: archive structure judged by a strict parser
//! this crate owns, RECORD hashes, core metadata, the index's server-side rules, and digests.
//! The crate never prints, never reads process-wide environment and never touches the network.
//! Findings carry the check ids of the catalogue in `verify-rules.md` (for example `ZIP-05`).
#![deny(missing_docs)]

mod check;
pub mod content;
pub mod cross;
pub mod deep;
pub mod digest;
pub mod filename;
pub mod metadata;
pub mod native;
pub mod path;
pub mod provenance;
pub mod record;
pub mod sdist;
mod sniff;
pub mod target;
pub mod tree;
pub mod wheel;
pub mod whf;
pub mod zip;

mod verify;

pub use check::{CheckId, Finding, Findings, Severity};
pub use digest::{Digests, sha256sums};
pub use target::Target;
pub use verify::{
    ArtifactKind, ArtifactReport, DescriptionRenderer, RenderOutcome, Report, Reporter,
    VerifyError, VerifyOptions, verify_bytes, verify_files,
};
