//! Tests: verify_metadata.
