//! Shared support for the end-to-end suite in `it/`: archive writers that can produce malformed
//! wheels and sdists byte by byte, the corpus of real artifacts, a fake GitHub on loopback
//! (shared with `crates/release`'s tests), a fake PyPI on loopback (shared with
//! `crates/publish`'s tests), a real index (pypiserver, shared with
//! `crates/publish`'s tests), and helpers for running Python and git.

pub mod corpus;
pub mod fake_github;
pub mod fake_pypi;
pub mod pypiserver;
pub mod python;
pub mod repo;
pub mod tarwriter;
pub mod xtask;
pub mod zipwriter;
