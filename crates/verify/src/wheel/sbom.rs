//! SBOM files under `.dist-info/sboms/`: WHL-07 (content).
//!
//! PEP 770 reserves `sboms/` for Software Bill of Materials documents in a supported format. We
//! accept the two JSON formats: SPDX (a top-level `spdxVersion` such as `SPDX-2.3`) and CycloneDX
//! (`bomFormat: "CycloneDX"` with a `specVersion`). Anything else is reported as a warning, since
//! SBOM consumers will skip or misread it.
//!
//! See: PEP 770 "SBOM data in Python packages"; packaging.python.org "Subdirectories in
//! .dist-info"; verify-rules.md §2.4 WHL-07.

use serde_json::Value;

use crate::check::{CheckId, Findings};

const ID: CheckId = CheckId("WHL-07");

/// SBOMs larger than this are not parsed (and are reported): a real one is far smaller, and
/// holding more would break the flat memory of the streaming pass.
pub(super) const MAX_SBOM: u64 = 16 * 1024 * 1024;

/// The format an SBOM document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SbomFormat {
    /// SPDX JSON.
    Spdx,
    /// CycloneDX JSON.
    CycloneDx,
}

/// Checks one SBOM file's content (WHL-07), recording a warning when it is not an SPDX or
/// CycloneDX JSON document. Returns the format found.
pub(super) fn check(bytes: &[u8], member: &str, findings: &mut Findings) -> Option<SbomFormat> {
    let problem = match serde_json::from_slice::<Value>(bytes) {
        Err(err) => format!("does not parse as JSON ({err})"),
        Ok(document) => match classify(&document) {
            Ok(format) => return Some(format),
            Err(problem) => problem,
        },
    };
    findings.warn(
        ID,
        Some(member),
        format!(
            "SBOM file `{member}` {problem}; expected an SPDX JSON document (`spdxVersion`) or a \
             CycloneDX JSON document (`\"bomFormat\": \"CycloneDX\"`)"
        ),
    );
    None
}

/// Reports an SBOM too large to parse (WHL-07).
pub(super) fn too_large(member: &str, size: u64, findings: &mut Findings) {
    findings.warn(
        ID,
        Some(member),
        format!("SBOM file `{member}` is {size} bytes; expected at most {MAX_SBOM} to check it"),
    );
}

/// Which format a parsed JSON document is, or what is wrong with it.
fn classify(document: &Value) -> Result<SbomFormat, String> {
    let Some(object) = document.as_object() else {
        return Err("is JSON but not an object".to_owned());
    };
    if let Some(version) = object.get("spdxVersion") {
        return match version.as_str() {
            Some(v) if v.starts_with("SPDX-") => Ok(SbomFormat::Spdx),
            _ => Err(format!(
                "has `spdxVersion` {version}, not a string like `SPDX-2.3`"
            )),
        };
    }
    match object.get("bomFormat") {
        Some(Value::String(format)) if format == "CycloneDX" => {
            if object.get("specVersion").is_some_and(Value::is_string) {
                Ok(SbomFormat::CycloneDx)
            } else {
                Err("is CycloneDX without a string `specVersion`".to_owned())
            }
        }
        Some(other) => Err(format!("has `bomFormat` {other}, not `\"CycloneDX\"`")),
        None => Err("is JSON but has neither `spdxVersion` nor `bomFormat`".to_owned()),
    }
}

#[cfg(test)]
mod tests;
