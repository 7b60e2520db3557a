//! Test support: corpus.
