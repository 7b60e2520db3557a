//! Wheel layout judged from member names alone: WHL-01, 03, 04 (paths), 06, 07, 10 and REC-10.
//!
//! See: packaging.python.org "Binary distribution format", ".dist-info directory" and
//! ".data directory"; check-wheel-contents W001-W010 for the hygiene warnings.

use std::collections::BTreeSet;

use crate::check::{CheckId, Findings};
use crate::filename::WheelFilename;
use crate::zip::ZipEntry;

/// Where the wheel's special directories are.
#[derive(Debug, Default)]
pub(super) struct Layout {
    /// The `.dist-info` directory (the expected one when it exists, else the only one found).
    pub(super) dist_info: Option<String>,
    /// The `.data` directory, if any.
    pub(super) data: Option<String>,
}

impl Layout {
    /// `{dist_info}/{file}`.
    pub(super) fn dist_info_file(&self, file: &str) -> Option<String> {
        self.dist_info.as_ref().map(|dir| format!("{dir}/{file}"))
    }

    /// `{data}/{scheme}/`, the prefix of one scheme's members.
    pub(super) fn scheme_prefix(&self, scheme: &str) -> Option<String> {
        self.data.as_ref().map(|dir| format!("{dir}/{scheme}/"))
    }
}

/// Top-level directories whose names end in `suffix`.
fn top_dirs<'a>(entries: &'a [ZipEntry], suffix: &str) -> BTreeSet<&'a str> {
    entries
        .iter()
        .filter_map(|e| e.name.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(suffix))
        .collect()
}

/// Finds and checks the special directories, recording findings.
pub(super) fn check(
    entries: &[ZipEntry],
    filename: Option<&WheelFilename>,
    findings: &mut Findings,
) -> Layout {
    let stem = filename.map(|f| format!("{}-{}", f.name, f.version));
    let layout = Layout {
        dist_info: find_dist_info(entries, stem.as_deref(), findings),
        data: find_data(entries, stem.as_deref(), findings),
    };
    check_data_children(entries, &layout, findings);
    check_dist_info_children(entries, &layout, findings);
    check_order(entries, &layout, findings);
    check_hygiene(entries, &layout, findings);
    layout
}

const ID_01: CheckId = CheckId("WHL-01");
const ID_03: CheckId = CheckId("WHL-03");
const ID_04: CheckId = CheckId("WHL-04");
const ID_06: CheckId = CheckId("WHL-06");
const ID_07: CheckId = CheckId("WHL-07");
const ID_10: CheckId = CheckId("WHL-10");

/// Exactly one `.dist-info`, named exactly `{name}-{version}.dist-info` (WHL-01).
fn find_dist_info(
    entries: &[ZipEntry],
    stem: Option<&str>,
    findings: &mut Findings,
) -> Option<String> {
    let found = top_dirs(entries, ".dist-info");
    let expected = stem.map(|stem| format!("{stem}.dist-info"));
    let list = found.iter().copied().collect::<Vec<_>>().join("`, `");
    if found.len() > 1 {
        findings.error(
            ID_01,
            None,
            format!("several `.dist-info` directories (`{list}`); expected exactly one"),
        );
    }
    match (expected, found.first()) {
        (_, None) => {
            findings.error(ID_01, None, "no `.dist-info` directory");
            None
        }
        (Some(expected), Some(_)) if found.contains(expected.as_str()) => Some(expected),
        (Some(expected), Some(first)) => {
            findings.error(
                ID_01,
                Some(first),
                format!(
                    "`.dist-info` directory `{list}` does not match the file name; expected \
                     `{expected}`"
                ),
            );
            Some((*first).to_owned())
        }
        (None, Some(first)) => Some((*first).to_owned()),
    }
}

/// At most one `.data`, named exactly `{name}-{version}.data` (WHL-03).
fn find_data(entries: &[ZipEntry], stem: Option<&str>, findings: &mut Findings) -> Option<String> {
    let found = top_dirs(entries, ".data");
    let expected = stem.map(|stem| format!("{stem}.data"));
    for dir in &found {
        if expected.as_deref().is_some_and(|e| e != *dir) {
            findings.error(
                ID_03,
                Some(dir),
                format!(
                    "`.data` directory does not match the file name; expected `{}`",
                    expected.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    if found.len() > 1 {
        findings.error(
            ID_03,
            None,
            "several `.data` directories; expected at most one",
        );
    }
    found.first().map(|dir| (*dir).to_owned())
}

const SCHEMES: &[&str] = &["purelib", "platlib", "headers", "scripts", "data"];

/// `.data` holds only scheme directories; `scripts/` holds only files (WHL-03, WHL-04).
fn check_data_children(entries: &[ZipEntry], layout: &Layout, findings: &mut Findings) {
    let Some(data) = layout.data.as_deref() else {
        return;
    };
    for entry in entries {
        let Some(rest) = entry
            .name
            .strip_prefix(data)
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let Some((scheme, inner)) = rest.split_once('/') else {
            findings.error(
                ID_03,
                Some(&entry.name),
                "file directly under `.data/`; expected it inside a scheme directory",
            );
            continue;
        };
        if !SCHEMES.contains(&scheme) {
            findings.error(
                ID_03,
                Some(&entry.name),
                format!(
                    "unknown `.data` scheme `{scheme}`; expected one of purelib, platlib, \
                     headers, scripts, data"
                ),
            );
        } else if scheme == "scripts" && inner.contains('/') {
            findings.error(
                ID_04,
                Some(&entry.name),
                "`.data/scripts/` holds a subdirectory; expected only regular files",
            );
        }
    }
}

/// Installer-written files and signatures (WHL-06); unreserved subdirectories (WHL-07).
fn check_dist_info_children(entries: &[ZipEntry], layout: &Layout, findings: &mut Findings) {
    let Some(dist_info) = layout.dist_info.as_deref() else {
        return;
    };
    let mut warned_dirs = BTreeSet::new();
    for entry in entries {
        let Some(rest) = entry
            .name
            .strip_prefix(dist_info)
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        match rest {
            "INSTALLER" | "REQUESTED" | "direct_url.json" => findings.warn(
                ID_06,
                Some(&entry.name),
                "installer-written file in a wheel; installers create it themselves",
            ),
            "RECORD.jws" | "RECORD.p7s" => findings.error(
                ID_06,
                Some(&entry.name),
                "RECORD signature files are deprecated (PEP 815) and must not be added",
            ),
            _ => {}
        }
        if let Some((dir, _)) = rest.split_once('/')
            && !matches!(dir, "licenses" | "license_files" | "LICENSES" | "sboms")
            && warned_dirs.insert(dir)
        {
            findings.warn(
                ID_07,
                Some(&entry.name),
                format!(
                    "`.dist-info/{dir}/` is not a reserved subdirectory (licenses, \
                     license_files, LICENSES, sboms)"
                ),
            );
        }
    }
    // The content of files under `sboms/` is judged while streaming (`wheel/sbom.rs`).
}

/// `.dist-info` files come last, RECORD last of all (REC-10, info only).
fn check_order(entries: &[ZipEntry], layout: &Layout, findings: &mut Findings) {
    let Some(dist_info) = layout.dist_info.as_deref() else {
        return;
    };
    let prefix = format!("{dist_info}/");
    let record = format!("{dist_info}/RECORD");
    let first_dist_info = entries.iter().position(|e| e.name.starts_with(&prefix));
    let late = first_dist_info.and_then(|first| {
        entries
            .iter()
            .skip(first)
            .find(|e| !e.name.starts_with(&prefix))
    });
    if let Some(late) = late {
        findings.info(
            CheckId("REC-10"),
            Some(&late.name),
            "member comes after `.dist-info` files; archivers should put `.dist-info` last",
        );
    }
    if entries.last().is_some_and(|last| last.name != record)
        && entries.iter().any(|e| e.name == record)
    {
        findings.info(
            CheckId("REC-10"),
            Some(&record),
            "RECORD is not the last member; archivers should write it last",
        );
    }
}

/// Top-level names that clobber other distributions (check-wheel-contents W005).
const COMMON_TOPLEVEL: &[&str] = &[
    ".eggs", ".nox", ".tox", ".venv", "build", "data", "dist", "doc", "docs", "example",
    "examples", "src", "test", "tests", "venv",
];

/// Hygiene warnings that need only names (WHL-10: W001, W005, W006).
fn check_hygiene(entries: &[ZipEntry], layout: &Layout, findings: &mut Findings) {
    let mut warned_tops = BTreeSet::new();
    for entry in entries {
        let name = entry.name.as_str();
        let is_special = [&layout.dist_info, &layout.data]
            .into_iter()
            .flatten()
            .any(|dir| {
                name.strip_prefix(dir.as_str())
                    .is_some_and(|r| r.starts_with('/'))
            });
        let extension = name.rsplit_once('.').map(|(_, ext)| ext);
        if matches!(extension, Some("pyc" | "pyo")) {
            findings.warn(ID_10, Some(name), "compiled bytecode in the wheel (W001)");
        }
        if name == "__init__.py" {
            findings.warn(ID_10, Some(name), "top-level `__init__.py` (W006)");
        }
        let top = name.split('/').next().unwrap_or_default();
        let top = top.strip_suffix(".py").unwrap_or(top);
        if !is_special && COMMON_TOPLEVEL.contains(&top) && warned_tops.insert(top) {
            findings.warn(
                ID_10,
                Some(name),
                format!("common top-level name `{top}` clobbers other distributions (W005)"),
            );
        }
    }
}
