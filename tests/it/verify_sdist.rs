//! Tests: verify_sdist.
