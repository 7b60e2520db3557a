//! Artifact file names: wheel (PEP 427/491) and sdist (PEP 625) grammars, FN-* checks.
//!
//! The verdicts here are PyPI's upload-time rules made stricter where installers disagree: a name
//! component must already be normalized, a version must already be in its normalized form.

use std::str::FromStr;

use pep440_rs::Version;

use crate::check::{CheckId, Findings};
use crate::target::Target;

/// The longest file name warehouse can store: 255 bytes minus `.metadata`.
///
/// See: warehouse `forklift/legacy.py` (6b62157) "Filename is too long".
const MAX_FILENAME_BYTES: usize = 246;

/// A parsed wheel file name `{name}-{ver}(-{build})?-{py}-{abi}-{plat}.whl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelFilename {
    /// The name component, as written.
    pub name: String,
    /// The version component, as written.
    pub version: String,
    /// The build tag, if any.
    pub build: Option<String>,
    /// Python tags (compressed tag sets expanded on `.`).
    pub python: Vec<String>,
    /// ABI tags.
    pub abi: Vec<String>,
    /// Platform tags.
    pub platform: Vec<String>,
}

impl WheelFilename {
    /// Every (python, abi, platform) triple the compressed tag sets expand to.
    #[must_use]
    pub fn tag_triples(&self) -> Vec<(String, String, String)> {
        let mut triples = Vec::new();
        for python in &self.python {
            for abi in &self.abi {
                for platform in &self.platform {
                    triples.push((python.clone(), abi.clone(), platform.clone()));
                }
            }
        }
        triples
    }
}

/// A parsed sdist file name `{name}-{version}.tar.gz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdistFilename {
    /// The name component, as written.
    pub name: String,
    /// The version component, as written.
    pub version: String,
}

/// The PEP 503 normalized form of a project name: lowercase, runs of `-_.` become `-`.
#[must_use]
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_sep = false;
        }
    }
    out
}

/// The name as it must appear in wheel and sdist file names: normalized, `-` replaced by `_`.
///
/// See: binary-distribution-format "Escaping and Unicode"; source-distribution-format.
#[must_use]
pub fn filename_name(name: &str) -> String {
    normalize_name(name).replace('-', "_")
}

/// `{name}-{version}` as PEP 625 and the wheel spec write it: the name escaped, the version
/// normalized (kept as written when it is not valid PEP 440).
#[must_use]
pub fn pep625_stem(name: &str, version: &str) -> String {
    format!("{}-{}", filename_name(name), normalized_version(version))
}

/// The normalized form of a PEP 440 version, or `version` as written when it is not valid.
#[must_use]
pub fn normalized_version(version: &str) -> String {
    Version::from_str(version).map_or_else(|_| version.to_owned(), |v| v.to_string())
}

/// Whether `name` is already in its file-name form, `^[a-z0-9]+(_[a-z0-9]+)*$`.
fn is_escaped_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('_').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Parses and checks a wheel file name (FN-01..05, FN-08), recording findings.
pub fn check_wheel_filename(
    filename: &str,
    target: Target,
    findings: &mut Findings,
) -> Option<WheelFilename> {
    check_filename_chars(filename, findings);
    let Some(stem) = filename.strip_suffix(".whl") else {
        findings.error(
            CheckId("FN-01"),
            None,
            format!("wheel file name `{filename}` does not end in a lowercase `.whl`"),
        );
        return None;
    };
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.iter().any(|part| part.is_empty()) || !matches!(parts.len(), 5 | 6) {
        findings.error(
            CheckId("FN-01"),
            None,
            format!(
                "wheel file name `{filename}` has {} `-`-separated parts (some empty: {}); \
                 expected `{{name}}-{{version}}(-{{build}})?-{{python}}-{{abi}}-{{platform}}.whl`",
                parts.len(),
                parts.iter().any(|part| part.is_empty())
            ),
        );
        return None;
    }
    let (name, version, build, tags) = match parts.as_slice() {
        [n, v, p, a, pl] => (*n, *v, None, [*p, *a, *pl]),
        [n, v, b, p, a, pl] => (*n, *v, Some(*b), [*p, *a, *pl]),
        _ => return None,
    };
    check_name_component(filename, name, findings);
    check_version_component(filename, version, Some(target), CheckId("FN-03"), findings);
    if let Some(build) = build {
        check_build_tag(filename, build, findings);
    }
    let python = check_tag_set(filename, "python", tags[0], findings);
    let abi = check_tag_set(filename, "abi", tags[1], findings);
    let platform = check_tag_set(filename, "platform", tags[2], findings);
    for tag in &platform {
        if !target.allows_platform_tag(tag) {
            findings.error(
                CheckId("FN-05"),
                None,
                format!(
                    "platform tag `{tag}` of `{filename}` is not accepted by {target}; expected \
                     `any`, `win*`, `manylinux*`, `musllinux*`, `macosx*`, `ios*`, `android*` or \
                     `pyemscripten*` tags from the index allow-list"
                ),
            );
        }
    }
    Some(WheelFilename {
        name: name.to_owned(),
        version: version.to_owned(),
        build: build.map(str::to_owned),
        python,
        abi,
        platform,
    })
}

/// Parses and checks an sdist file name (FN-06, FN-08), recording findings.
pub fn check_sdist_filename(filename: &str, findings: &mut Findings) -> Option<SdistFilename> {
    check_filename_chars(filename, findings);
    let Some(stem) = filename.strip_suffix(".tar.gz") else {
        findings.error(
            CheckId("FN-06"),
            None,
            format!("sdist file name `{filename}` does not end in `.tar.gz`"),
        );
        return None;
    };
    // The version never contains `-` once normalized, the name may: split at the last one.
    let Some((name, version)) = stem
        .rsplit_once('-')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
    else {
        findings.error(
            CheckId("FN-06"),
            None,
            format!("sdist file name `{filename}` is not `{{name}}-{{version}}.tar.gz`"),
        );
        return None;
    };
    let normalized_version = Version::from_str(version).ok().map(|v| v.to_string());
    let expected = format!("{}.tar.gz", pep625_stem(name, version));
    if expected != filename {
        findings.error(
            CheckId("FN-06"),
            None,
            format!(
                "sdist file name `{filename}` is not in PEP 625 form; expected `{expected}` \
                 (name normalized with `_`, version normalized)"
            ),
        );
    }
    if normalized_version.is_none() {
        findings.error(
            CheckId("FN-06"),
            None,
            format!("version `{version}` in sdist file name `{filename}` is not valid PEP 440"),
        );
    }
    Some(SdistFilename {
        name: name.to_owned(),
        version: version.to_owned(),
    })
}

/// FN-08: characters and length any artifact file name must respect.
///
/// See: warehouse `forklift/legacy.py::_validate_filename`.
fn check_filename_chars(filename: &str, findings: &mut Findings) {
    if let Some(c) = filename.chars().find(char::is_ascii_control) {
        findings.error(
            CheckId("FN-08"),
            None,
            format!(
                "file name `{}` contains control character U+{:04X}; expected printable ASCII",
                filename.escape_debug(),
                u32::from(c)
            ),
        );
    }
    if filename.contains(['/', '\\']) {
        findings.error(
            CheckId("FN-08"),
            None,
            format!("file name `{filename}` contains a path separator; expected a bare file name"),
        );
    }
    if !filename.is_ascii() {
        findings.error(
            CheckId("FN-08"),
            None,
            format!("file name `{filename}` is not ASCII; expected only ASCII characters"),
        );
    }
    if filename.len() > MAX_FILENAME_BYTES {
        findings.error(
            CheckId("FN-08"),
            None,
            format!(
                "file name `{filename}` is {} bytes long; PyPI accepts at most {MAX_FILENAME_BYTES}",
                filename.len()
            ),
        );
    }
}

/// FN-02: the name component must already be normalized and escaped.
fn check_name_component(filename: &str, name: &str, findings: &mut Findings) {
    if is_escaped_name(name) {
        return;
    }
    findings.error(
        CheckId("FN-02"),
        None,
        format!(
            "name component `{name}` of `{filename}` is not normalized; expected `{}`",
            filename_name(name)
        ),
    );
}

/// FN-03 (and META-05 for metadata): a PEP 440 version in normalized form, no local segment
/// where the target forbids it. Returns the parsed version.
pub(crate) fn check_version_component(
    filename: &str,
    version: &str,
    target: Option<Target>,
    id: CheckId,
    findings: &mut Findings,
) -> Option<Version> {
    let Ok(parsed) = Version::from_str(version) else {
        findings.error(
            id,
            None,
            format!("version `{version}` in `{filename}` is not a valid PEP 440 version"),
        );
        return None;
    };
    let normalized = parsed.to_string();
    if normalized != version {
        findings.error(
            id,
            None,
            format!(
                "version `{version}` in `{filename}` is not normalized; expected `{normalized}`"
            ),
        );
    }
    if let Some(target) = target
        && parsed.is_local()
        && !target.allows_local_versions()
    {
        findings.error(
            id,
            None,
            format!(
                "version `{version}` in `{filename}` has a local segment; {target} rejects local \
                 versions"
            ),
        );
    }
    Some(parsed)
}

/// FN-04: a build tag starts with a digit; any use is worth a warning.
fn check_build_tag(filename: &str, build: &str, findings: &mut Findings) {
    if !build.starts_with(|c: char| c.is_ascii_digit())
        || !build
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        findings.error(
            CheckId("FN-04"),
            None,
            format!(
                "build tag `{build}` of `{filename}` is invalid; expected a digit followed by \
                 letters, digits or `_`"
            ),
        );
        return;
    }
    findings.warn(
        CheckId("FN-04"),
        None,
        format!(
            "`{filename}` has build tag `{build}`; build tags cannot be referenced by requirements"
        ),
    );
}

/// FN-05: one compressed tag set: valid tags, no duplicates, sorted.
fn check_tag_set(filename: &str, kind: &str, set: &str, findings: &mut Findings) -> Vec<String> {
    let tags: Vec<String> = set.split('.').map(str::to_owned).collect();
    for tag in &tags {
        let valid = !tag.is_empty()
            && tag
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            findings.error(
                CheckId("FN-05"),
                None,
                format!(
                    "{kind} tag `{tag}` of `{filename}` is invalid; expected lowercase letters, \
                     digits and `_`"
                ),
            );
        }
    }
    let mut sorted = tags.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != tags.len() {
        findings.error(
            CheckId("FN-05"),
            None,
            format!("{kind} tag set `{set}` of `{filename}` repeats a tag"),
        );
    } else if sorted != tags {
        findings.warn(
            CheckId("FN-05"),
            None,
            format!(
                "{kind} tag set `{set}` of `{filename}` is not sorted; expected `{}`",
                sorted.join(".")
            ),
        );
    }
    tags
}

#[cfg(test)]
mod tests;
