//! Test support: tarwriter.
