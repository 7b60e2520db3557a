//! The end-to-end suite: one binary, one module per feature.

mod cli_deep;
mod cli_verify;
mod corpus;
mod differential;
mod dry_run;
mod fuzz_regressions;
mod keyring;
mod tidy;
mod upload;
mod verify_metadata;
mod verify_sdist;
mod verify_wheel;
