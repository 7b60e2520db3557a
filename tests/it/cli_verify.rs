//! Tests: cli_verify.
