//! The end-to-end suite: one binary, one module per feature.
