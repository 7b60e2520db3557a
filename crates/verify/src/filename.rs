//! Artifact file names: wheel (PEP 427/491) and sdist (PEP 625) grammars, FN-* checks.

use crate::check::{CheckId, Findings};
use crate::target::Target;

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

/// Parses and checks a wheel file name (FN-01..05, FN-08), recording findings.
pub fn check_wheel_filename(
    filename: &str,
    target: Target,
    findings: &mut Findings,
) -> Option<WheelFilename> {
    let _ = target;
    let stem = filename.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build, tags) = match parts.as_slice() {
        [n, v, p, a, pl] => (*n, *v, None, [*p, *a, *pl]),
        [n, v, b, p, a, pl] => (*n, *v, Some((*b).to_owned()), [*p, *a, *pl]),
        _ => {
            findings.error(
                CheckId("FN-01"),
                None,
                format!("wheel file name `{filename}` does not have 5 or 6 `-`-separated parts"),
            );
            return None;
        }
    };
    let split = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
    Some(WheelFilename {
        name: name.to_owned(),
        version: version.to_owned(),
        build,
        python: split(tags[0]),
        abi: split(tags[1]),
        platform: split(tags[2]),
    })
}

/// Parses and checks an sdist file name (FN-06, FN-08), recording findings.
pub fn check_sdist_filename(filename: &str, findings: &mut Findings) -> Option<SdistFilename> {
    let Some(stem) = filename.strip_suffix(".tar.gz") else {
        findings.error(
            CheckId("FN-06"),
            None,
            format!("sdist file name `{filename}` does not end in `.tar.gz`"),
        );
        return None;
    };
    let (name, version) = stem.split_once('-')?;
    Some(SdistFilename {
        name: name.to_owned(),
        version: version.to_owned(),
    })
}
