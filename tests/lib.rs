//! Shared support for the end-to-end suite in `it/`.
