//! Tests: dry_run.
