//! The wheel's WHEEL file: WHF-* rules.
//!
//! WHEEL is a block of RFC 822 headers with no body. Installers disagree when it is loose (pip
//! lowercases `Root-Is-Purelib`, installer and uv compare it exactly; uv takes the first of two
//! `Wheel-Version` lines), so every field is required in one exact form.
//! See: packaging.python.org "Binary distribution format", "The .dist-info directory".

use std::collections::BTreeSet;

use crate::check::{CheckId, Findings};
use crate::filename::WheelFilename;

const ID_01: CheckId = CheckId("WHF-01");
const ID_02: CheckId = CheckId("WHF-02");
const ID_03: CheckId = CheckId("WHF-03");
const ID_04: CheckId = CheckId("WHF-04");
const ID_05: CheckId = CheckId("WHF-05");
const ID_06: CheckId = CheckId("WHF-06");

/// Header names WHEEL may carry; `Tag` is the only one that may repeat.
const KNOWN: &[&str] = &[
    "Wheel-Version",
    "Generator",
    "Root-Is-Purelib",
    "Tag",
    "Build",
];

/// Checks the WHEEL file against the file name (WHF-01..06). Returns `Root-Is-Purelib` when it
/// was valid.
pub fn check(
    bytes: &[u8],
    member: &str,
    filename: Option<&WheelFilename>,
    findings: &mut Findings,
) -> Option<bool> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        findings.error(ID_01, Some(member), "WHEEL is not valid UTF-8");
        return None;
    };
    let headers = parse_headers(text, member, findings);
    check_names(&headers, member, findings);
    check_wheel_version(get(&headers, "Wheel-Version"), member, findings);
    if get(&headers, "Generator").is_none() {
        findings.warn(ID_06, Some(member), "WHEEL has no `Generator` header");
    }
    if let Some(filename) = filename {
        check_tags(&headers, filename, member, findings);
        check_build(get(&headers, "Build"), filename, member, findings);
    }
    root_is_purelib(get(&headers, "Root-Is-Purelib"), member, findings)
}

/// Header lines up to the first blank line; anything after it is a body (WHF-01).
fn parse_headers(text: &str, member: &str, findings: &mut Findings) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, value)) => {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                None => {
                    findings.error(ID_01, Some(member), "WHEEL starts with a continuation line");
                }
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.is_empty() && !name.contains([' ', '\t']) => {
                headers.push((name.to_owned(), value.trim().to_owned()));
            }
            _ => findings.error(
                ID_01,
                Some(member),
                format!("WHEEL line `{line}` is not a `Name: value` header"),
            ),
        }
    }
    if lines.any(|line| !line.trim().is_empty()) {
        findings.error(
            ID_01,
            Some(member),
            "WHEEL has a body after its headers; expected headers only",
        );
    }
    headers
}

/// Unknown headers warn; repeated ones other than `Tag` are errors (WHF-01).
fn check_names(headers: &[(String, String)], member: &str, findings: &mut Findings) {
    let mut seen = BTreeSet::new();
    for (name, _) in headers {
        let Some(known) = KNOWN.iter().find(|k| k.eq_ignore_ascii_case(name)) else {
            findings.warn(
                ID_01,
                Some(member),
                format!("unknown WHEEL header `{name}`"),
            );
            continue;
        };
        if *known != "Tag" && !seen.insert(*known) {
            findings.error(
                ID_01,
                Some(member),
                format!("WHEEL header `{known}` appears more than once; readers pick differently"),
            );
        }
    }
}

fn get<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// `Wheel-Version: 1.0` (WHF-02). See: spec "Installing a wheel", step 1.
fn check_wheel_version(value: Option<&str>, member: &str, findings: &mut Findings) {
    let Some(value) = value else {
        findings.error(ID_02, Some(member), "WHEEL has no `Wheel-Version` header");
        return;
    };
    let parsed = value
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?)));
    match parsed {
        Some((1, 0)) => {}
        Some((1, _)) => findings.warn(
            ID_02,
            Some(member),
            format!("`Wheel-Version: {value}` is newer than 1.0; installers may warn"),
        ),
        _ => findings.error(
            ID_02,
            Some(member),
            format!("`Wheel-Version: {value}`; expected `1.0`"),
        ),
    }
}

/// `Root-Is-Purelib` is exactly `true` or `false` (WHF-03).
fn root_is_purelib(value: Option<&str>, member: &str, findings: &mut Findings) -> Option<bool> {
    match value {
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            findings.error(
                ID_03,
                Some(member),
                format!(
                    "`Root-Is-Purelib: {other}`; expected exactly `true` or `false` (pip and \
                     installer read other spellings differently)"
                ),
            );
            None
        }
        None => {
            findings.error(ID_03, Some(member), "WHEEL has no `Root-Is-Purelib` header");
            None
        }
    }
}

/// `Tag` lines equal the file name's expanded tag set (WHF-04).
fn check_tags(
    headers: &[(String, String)],
    filename: &WheelFilename,
    member: &str,
    findings: &mut Findings,
) {
    let lines: Vec<&str> = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("Tag"))
        .map(|(_, value)| value.as_str())
        .collect();
    // pdm-backend and poetry-core write a compressed tag set on one line
    // (`Tag: py2.py3-none-any`); it is read as its expansion, with a warning.
    let mut declared_owned = BTreeSet::new();
    let mut compressed = Vec::new();
    for line in &lines {
        let parts: Vec<&str> = line.split('-').collect();
        match parts.as_slice() {
            [python, abi, platform] if line.contains('.') => {
                compressed.push(*line);
                for python in python.split('.') {
                    for abi in abi.split('.') {
                        for platform in platform.split('.') {
                            declared_owned.insert(format!("{python}-{abi}-{platform}"));
                        }
                    }
                }
            }
            _ => {
                declared_owned.insert((*line).to_owned());
            }
        }
    }
    let declared: BTreeSet<&str> = declared_owned.iter().map(String::as_str).collect();
    let mut expected = BTreeSet::new();
    for python in &filename.python {
        for abi in &filename.abi {
            for platform in &filename.platform {
                expected.insert(format!("{python}-{abi}-{platform}"));
            }
        }
    }
    let expected_refs: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    if declared == expected_refs && !compressed.is_empty() {
        findings.warn(
            ID_04,
            Some(member),
            format!(
                "WHEEL has the compressed tag set `Tag: {}`; it expands to the file name's tags, but the wheel specification asks for one expanded tag per `Tag` line",
                compressed.join("`, `Tag: ")
            ),
        );
    }
    if declared != expected_refs {
        let list = |set: &BTreeSet<&str>| set.iter().copied().collect::<Vec<_>>().join(", ");
        findings.error(
            ID_04,
            Some(member),
            format!(
                "WHEEL tags [{}] differ from the file name's tags [{}]",
                list(&declared),
                list(&expected_refs)
            ),
        );
    }
}

/// `Build` present exactly when the file name has a build tag, and equal to it (WHF-05).
fn check_build(
    value: Option<&str>,
    filename: &WheelFilename,
    member: &str,
    findings: &mut Findings,
) {
    if value == filename.build.as_deref() {
        return;
    }
    findings.error(
        ID_05,
        Some(member),
        format!(
            "WHEEL `Build` is {}; the file name's build tag is {}",
            value.map_or("absent".to_owned(), |v| format!("`{v}`")),
            filename
                .build
                .as_deref()
                .map_or("absent".to_owned(), |v| format!("`{v}`"))
        ),
    );
}
