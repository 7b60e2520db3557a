//! Tests: differential.
