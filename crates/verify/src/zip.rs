//! A strict reader for the zip subset wheels may use: ZIP-* rules.
//!
//! The verdict never rests on a lenient reader: this module scans local headers forward from
//! offset 0 and requires them to agree with the central directory byte for byte.
