//! Test support: python.
