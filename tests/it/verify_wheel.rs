//! Tests: verify_wheel.
