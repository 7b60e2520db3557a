//! Test support: zipwriter.
