//! WHL-11: a wheel's library contents against the package tree they were built from, or against
//! an explicit list of top-level names.
//!
//! A build backend that drops a module (a missing `include`) or sweeps in a stray file (a
//! leftover build product, a test fixture) still makes a valid wheel; only a comparison with the
//! source tells. The caller supplies the tree (e.g. `git ls-files`); nothing here reads a disk.
//!
//! See: verify-rules.md §2 WHL-11 (check-wheel-contents W101/W102 and W201/W202).

use std::collections::BTreeSet;

use crate::check::{CheckId, Findings};

const WHL_11: CheckId = CheckId("WHL-11");

/// The library part of a wheel's member names: files only, without `.dist-info/` and `.data/`
/// trees and without byte-code.
#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "archive member names are case-sensitive, and installers match these suffixes exactly"
)]
fn library_files(members: &[String]) -> BTreeSet<&str> {
    members
        .iter()
        .map(String::as_str)
        .filter(|name| !name.ends_with('/'))
        .filter(|name| {
            let top = name.split('/').next().unwrap_or_default();
            !top.ends_with(".dist-info") && !top.ends_with(".data")
        })
        .filter(|name| !is_bytecode(name))
        .collect()
}

#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "archive member names are case-sensitive, and installers match these suffixes exactly"
)]
fn is_bytecode(path: &str) -> bool {
    path.ends_with(".pyc") || path.ends_with(".pyo") || path.split('/').any(|c| c == "__pycache__")
}

/// The top-level names a wheel installs: package directories and single modules (`six.py` gives
/// `six`), as check-wheel-contents counts them.
#[must_use]
pub fn toplevel_names(members: &[String]) -> BTreeSet<String> {
    library_files(members)
        .into_iter()
        .map(|path| match path.split_once('/') {
            Some((dir, _)) => dir.to_owned(),
            None => path
                .rsplit_once('.')
                .map_or(path, |(stem, _)| stem)
                .split('.')
                .next()
                .unwrap_or(path)
                .to_owned(),
        })
        .collect()
}

/// Compares the wheel's library files with `tree`: the source files under the same top-level
/// packages and modules, as paths relative to the import root (`pkg/mod.py`; a `src/` layout's
/// prefix already removed). A tree file absent from the wheel is a missing file (W101), a wheel
/// file absent from the tree an extra one (W102). Warnings: generated files such as
/// `_version.py` are legitimate extras that `--strict` makes the maintainer acknowledge.
pub fn check_against_tree(members: &[String], tree: &[String], findings: &mut Findings) {
    let wheel = library_files(members);
    let toplevel = toplevel_names(members);
    let tree: BTreeSet<&str> = tree
        .iter()
        .map(String::as_str)
        .filter(|path| !is_bytecode(path))
        .filter(|path| {
            let top = path.split('/').next().unwrap_or_default();
            toplevel.contains(top) || toplevel.contains(top.split('.').next().unwrap_or(top))
        })
        .collect();
    let missing: Vec<&str> = tree.difference(&wheel).copied().collect();
    let extra: Vec<&str> = wheel.difference(&tree).copied().collect();
    if !missing.is_empty() {
        findings.warn(
            WHL_11,
            None,
            format!(
                "the package tree has {} file(s) the wheel lacks: {}; expected the wheel to ship every source file of its packages",
                missing.len(),
                listed(&missing)
            ),
        );
    }
    if !extra.is_empty() {
        findings.warn(
            WHL_11,
            None,
            format!(
                "the wheel ships {} file(s) that are not in the package tree: {}; expected only the packages' source files",
                extra.len(),
                listed(&extra)
            ),
        );
    }
}

/// Compares the wheel's top-level names with the configured list (W201 missing, W202 extra).
pub fn check_toplevel(members: &[String], expected: &[String], findings: &mut Findings) {
    let found = toplevel_names(members);
    let expected: BTreeSet<String> = expected.iter().cloned().collect();
    let missing: Vec<&str> = expected.difference(&found).map(String::as_str).collect();
    let extra: Vec<&str> = found.difference(&expected).map(String::as_str).collect();
    if !missing.is_empty() {
        findings.warn(
            WHL_11,
            None,
            format!(
                "the wheel lacks the configured top-level name(s) {}; expected exactly {}",
                listed(&missing),
                listed(&expected.iter().map(String::as_str).collect::<Vec<_>>())
            ),
        );
    }
    if !extra.is_empty() {
        findings.warn(
            WHL_11,
            None,
            format!(
                "the wheel installs top-level name(s) {} that the configuration does not list; expected exactly {}",
                listed(&extra),
                listed(&expected.iter().map(String::as_str).collect::<Vec<_>>())
            ),
        );
    }
}

/// At most ten names, in backticks, then a count of the rest.
fn listed(paths: &[&str]) -> String {
    let mut shown: Vec<String> = paths.iter().take(10).map(|p| format!("`{p}`")).collect();
    if paths.len() > 10 {
        shown.push(format!("and {} more", paths.len() - 10));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|&s| s.to_owned()).collect()
    }

    const WHEEL: &[&str] = &[
        "pkg/__init__.py",
        "pkg/core.py",
        "pkg/__pycache__/core.cpython-311.pyc",
        "six.py",
        "pkg-1.0.dist-info/METADATA",
        "pkg-1.0.dist-info/RECORD",
        "pkg-1.0.data/scripts/tool",
    ];

    fn run(tree: &[&str]) -> Vec<crate::Finding> {
        let mut findings = Findings::new(Some("pkg-1.0-py3-none-any.whl"));
        check_against_tree(&names(WHEEL), &names(tree), &mut findings);
        findings.into_vec()
    }

    #[test]
    fn ok_whl11_wheel_equals_tree_and_ignores_unrelated_files() {
        let findings = run(&[
            "pkg/__init__.py",
            "pkg/core.py",
            "six.py",
            "tests/test_core.py",
            "README.md",
        ]);
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn warn_whl11_missing_and_extra_files() {
        let findings = run(&["pkg/__init__.py", "pkg/util.py", "six.py"]);
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings.iter().all(|f| f.id.as_str() == "WHL-11"));
        assert!(
            findings[0].message.contains("`pkg/util.py`"),
            "{findings:#?}"
        );
        assert!(
            findings[1].message.contains("`pkg/core.py`"),
            "{findings:#?}"
        );
    }

    #[test]
    fn toplevel_names_count_packages_and_modules() {
        let names = toplevel_names(&names(WHEEL));
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["pkg", "six"]);
    }

    #[test]
    fn warn_whl11_toplevel_list() {
        let mut findings = Findings::new(None);
        check_toplevel(&names(WHEEL), &names(&["pkg", "other"]), &mut findings);
        let findings = findings.into_vec();
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings[0].message.contains("`other`"));
        assert!(findings[1].message.contains("`six`"));
    }
}
