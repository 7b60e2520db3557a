//! Test support: repo.
