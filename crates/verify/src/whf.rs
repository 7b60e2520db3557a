//! The wheel's WHEEL file: WHF-* rules.

use crate::check::Findings;
use crate::filename::WheelFilename;

/// Checks the WHEEL file against the file name (WHF-01..06). Returns `Root-Is-Purelib` when it
/// was valid.
pub fn check(
    bytes: &[u8],
    member: &str,
    filename: Option<&WheelFilename>,
    findings: &mut Findings,
) -> Option<bool> {
    let _ = (bytes, member, filename, findings);
    None
}
