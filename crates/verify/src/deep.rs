//! The optional deep checks WHL-13 (abi3) and WHL-14 (manylinux/musllinux policy), judged from
//! the JSON reports of the PyPA-maintained auditors.
//!
//! Which Limited-API symbol appeared in which Python version, and which glibc symbol versions
//! and system libraries each manylinux policy allows, are large tables those tools keep current;
//! this crate does not copy them. The caller runs the tools (this crate starts no process) and
//! hands their reports here; the verdict, what the wheel's tags claim against what the report
//! shows, is ours.
//!
//! See: verify-rules.md §2 WHL-13, WHL-14 and §8 (`deep = ["auditwheel", "abi3"]`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::check::{CheckId, Finding, Findings};
use crate::filename::{WheelFilename, check_wheel_filename};
use crate::target::Target;

const WHL_13: CheckId = CheckId("WHL-13");
const WHL_14: CheckId = CheckId("WHL-14");

/// A report from an auditor that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the {tool} report for `{artifact}` is not the JSON document expected: {reason}")]
pub struct DeepReportError {
    /// The tool whose report it was.
    pub tool: &'static str,
    /// The wheel's file name.
    pub artifact: String,
    /// What did not parse.
    pub reason: String,
}

/// Which deep checks a wheel's tags call for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeepNeeds {
    /// The wheel has an `abi3` ABI tag: WHL-13 applies.
    pub abi3: bool,
    /// The wheel has a `manylinux*` or `musllinux_*` platform tag: WHL-14 applies.
    pub linux_policy: bool,
}

/// The deep checks a wheel file name calls for; none for sdists or unparsable names.
#[must_use]
pub fn needs(filename: &str) -> DeepNeeds {
    let Some(wheel) = parse_wheel(filename) else {
        return DeepNeeds::default();
    };
    DeepNeeds {
        abi3: wheel.abi.iter().any(|abi| abi == "abi3"),
        linux_policy: wheel
            .platform
            .iter()
            .any(|platform| PolicyTag::parse(platform).is_some()),
    }
}

/// The tags of a wheel file name; its findings belong to the ordinary checks, not to these.
fn parse_wheel(filename: &str) -> Option<WheelFilename> {
    check_wheel_filename(filename, Target::Generic, &mut Findings::new(None))
}

#[derive(Debug, Deserialize)]
struct Abi3Report {
    specs: BTreeMap<String, Abi3Spec>,
}

#[derive(Debug, Deserialize)]
struct Abi3Spec {
    #[serde(default)]
    wheel: Vec<Abi3Extension>,
}

#[derive(Debug, Deserialize)]
struct Abi3Extension {
    name: String,
    result: Abi3Result,
}

#[derive(Debug, Deserialize)]
struct Abi3Result {
    is_abi3: bool,
    baseline: Option<String>,
    computed: Option<String>,
    #[serde(default)]
    non_abi3_symbols: Vec<String>,
    #[serde(default)]
    future_abi3_objects: BTreeMap<String, String>,
}

/// WHL-13 findings from `abi3audit --report` on one wheel: each extension may import only
/// Limited-API symbols, each present in the minimum version the `cpXY-abi3` tag promises.
///
/// # Errors
/// When `report` is not abi3audit's JSON report.
///
/// See: verify-rules.md §4 T63; abi3audit README.
pub fn abi3audit_findings(artifact: &str, report: &str) -> Result<Vec<Finding>, DeepReportError> {
    let report: Abi3Report = serde_json::from_str(report).map_err(|err| DeepReportError {
        tool: "abi3audit",
        artifact: artifact.to_owned(),
        reason: err.to_string(),
    })?;
    let mut findings = Findings::new(Some(artifact));
    for extension in report.specs.values().flat_map(|spec| &spec.wheel) {
        judge_abi3(extension, &mut findings);
    }
    Ok(findings.into_vec())
}

fn judge_abi3(extension: &Abi3Extension, findings: &mut Findings) {
    let result = &extension.result;
    if !result.is_abi3 {
        // Its file name does not claim abi3; WHL-12 judges the suffix against the tags.
        return;
    }
    let member = Some(extension.name.as_str());
    if !result.non_abi3_symbols.is_empty() {
        findings.error(
            WHL_13,
            member,
            format!(
                "the wheel is tagged abi3 but this extension uses symbols outside the Limited API: {}; expected only Limited-API symbols",
                backticked(result.non_abi3_symbols.iter())
            ),
        );
    }
    if !result.future_abi3_objects.is_empty() {
        let baseline = result.baseline.as_deref().unwrap_or("?");
        let needed: Vec<String> = result
            .future_abi3_objects
            .iter()
            .map(|(symbol, version)| format!("`{symbol}` (Python {version})"))
            .collect();
        findings.error(
            WHL_13,
            member,
            format!(
                "the abi3 tag promises Python {baseline} but this extension needs Python {}: {}; expected only symbols in the Limited API of {baseline}",
                result.computed.as_deref().unwrap_or("newer"),
                needed.join(", ")
            ),
        );
    }
}

/// A manylinux or musllinux platform tag, legacy aliases resolved (PEP 600, PEP 656).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PolicyTag {
    family: &'static str,
    major: u32,
    minor: u32,
    arch: String,
}

impl PolicyTag {
    fn parse(tag: &str) -> Option<PolicyTag> {
        let legacy = [
            ("manylinux1_", (2, 5)),
            ("manylinux2010_", (2, 12)),
            ("manylinux2014_", (2, 17)),
        ];
        for (prefix, (major, minor)) in legacy {
            if let Some(arch) = tag.strip_prefix(prefix) {
                return Some(PolicyTag {
                    family: "manylinux",
                    major,
                    minor,
                    arch: arch.to_owned(),
                });
            }
        }
        let (family, rest) = if let Some(rest) = tag.strip_prefix("manylinux_") {
            ("manylinux", rest)
        } else {
            ("musllinux", tag.strip_prefix("musllinux_")?)
        };
        let mut parts = rest.splitn(3, '_');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let arch = parts.next().filter(|arch| !arch.is_empty())?.to_owned();
        Some(PolicyTag {
            family,
            major,
            minor,
            arch,
        })
    }

    /// The PEP 600/656 spelling, as auditwheel names its policies.
    fn canonical(&self) -> String {
        format!(
            "{}_{}_{}_{}",
            self.family, self.major, self.minor, self.arch
        )
    }
}

#[derive(Debug, Deserialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "mirrors the flags of auditwheel's JSON report one to one"
)]
struct AuditwheelReport {
    /// Set instead of the analysis when auditwheel could not analyse the wheel.
    error: Option<String>,
    #[serde(default)]
    pure: bool,
    overall_tag: Option<String>,
    #[serde(default)]
    versioned_symbols: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    external_libs: BTreeMap<String, Option<String>>,
    #[serde(default)]
    policy_upgrades: BTreeMap<String, PolicyUpgrade>,
    #[serde(default)]
    pyfpe: bool,
    #[serde(default)]
    ucs2: bool,
    #[serde(default)]
    unsupported_isa: bool,
}

#[derive(Debug, Default, Deserialize)]
struct PolicyUpgrade {
    #[serde(default)]
    libs_to_eliminate: Vec<String>,
    #[serde(default)]
    blacklisted_symbols: BTreeMap<String, Vec<String>>,
}

/// WHL-14 findings from `auditwheel show --json` on one wheel: every manylinux or musllinux tag
/// the file name claims must be one the wheel's ELF files satisfy (external libraries in the
/// policy's allow-list, versioned symbols within it, matching architecture).
///
/// # Errors
/// When `report` is not auditwheel's JSON report.
///
/// See: verify-rules.md §2 WHL-14; PEP 600; PEP 656.
pub fn auditwheel_findings(artifact: &str, report: &str) -> Result<Vec<Finding>, DeepReportError> {
    let error = |reason: String| DeepReportError {
        tool: "auditwheel",
        artifact: artifact.to_owned(),
        reason,
    };
    let report: AuditwheelReport =
        serde_json::from_str(report).map_err(|err| error(err.to_string()))?;
    let mut findings = Findings::new(Some(artifact));
    if let Some(reason) = &report.error {
        findings.error(
            WHL_14,
            None,
            format!("auditwheel could not analyse the wheel: {reason}; expected an analysis of its ELF files"),
        );
        return Ok(findings.into_vec());
    }
    let claimed: Vec<PolicyTag> = parse_wheel(artifact)
        .map(|wheel| {
            wheel
                .platform
                .iter()
                .filter_map(|tag| PolicyTag::parse(tag))
                .collect()
        })
        .unwrap_or_default();
    if report.pure || claimed.is_empty() {
        // No ELF files (WHL-05 judges a platform tag on a pure wheel), or nothing claimed.
        return Ok(findings.into_vec());
    }
    let overall = report
        .overall_tag
        .as_deref()
        .ok_or_else(|| error("`overall_tag` is missing".to_owned()))?;
    let satisfied = PolicyTag::parse(overall);
    for tag in &claimed {
        if !claim_holds(tag, satisfied.as_ref()) {
            findings.error(WHL_14, None, claim_message(tag, overall, &report));
        }
    }
    for (flag, what) in [
        (
            report.unsupported_isa,
            "uses instructions outside the policy's baseline ISA",
        ),
        (report.pyfpe, "uses the removed `PyFPE_*` symbols"),
        (report.ucs2, "was built for a UCS-2 Python"),
    ] {
        if flag {
            findings.error(
                WHL_14,
                None,
                format!(
                    "auditwheel reports that an ELF file {what}; expected a wheel that satisfies the claimed policy"
                ),
            );
        }
    }
    Ok(findings.into_vec())
}

/// A claimed tag holds when the satisfied policy is of the same family and architecture and no
/// newer than the claim: a wheel that runs on glibc 2.17 may claim `manylinux_2_28` too.
fn claim_holds(claim: &PolicyTag, satisfied: Option<&PolicyTag>) -> bool {
    satisfied.is_some_and(|satisfied| {
        satisfied.family == claim.family
            && satisfied.arch == claim.arch
            && (satisfied.major, satisfied.minor) <= (claim.major, claim.minor)
    })
}

fn claim_message(claim: &PolicyTag, overall: &str, report: &AuditwheelReport) -> String {
    let mut why = Vec::new();
    if let Some(upgrade) = report.policy_upgrades.get(&claim.canonical()) {
        if !upgrade.libs_to_eliminate.is_empty() {
            why.push(format!(
                "external libraries outside the policy: {}",
                backticked(upgrade.libs_to_eliminate.iter())
            ));
        }
        for (library, symbols) in &upgrade.blacklisted_symbols {
            why.push(format!(
                "symbols the policy forbids in `{library}`: {}",
                backticked(symbols.iter())
            ));
        }
    }
    if why.is_empty() && !report.versioned_symbols.is_empty() {
        let symbols: Vec<String> = report
            .versioned_symbols
            .iter()
            .map(|(library, versions)| format!("`{library}` {}", versions.join(" ")))
            .collect();
        why.push(format!("versioned symbols {}", symbols.join("; ")));
    }
    if why.is_empty() && !report.external_libs.is_empty() {
        why.push(format!(
            "external libraries {}",
            backticked(report.external_libs.keys())
        ));
    }
    let because = if why.is_empty() {
        String::new()
    } else {
        format!(" ({})", why.join("; "))
    };
    format!(
        "the file name claims `{}` but auditwheel finds the ELF files consistent only with `{overall}`{because}; expected every claimed platform tag to be satisfied",
        claim.canonical()
    )
}

fn backticked<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABI3_T63: &str = r#"{"specs": {"demo-1.0-cp38-abi3-manylinux_2_17_x86_64.whl": {"kind": "wheel", "wheel": [{"name": "_x.abi3.so", "result": {"is_abi3": true, "is_abi3_baseline_compatible": false, "baseline": "3.8", "computed": "3.10", "non_abi3_symbols": [], "future_abi3_objects": {"PyUnicode_AsUTF8AndSize": "3.10"}}}]}}}"#;

    #[test]
    fn err_whl13_symbol_newer_than_the_abi3_baseline() {
        let findings =
            abi3audit_findings("demo-1.0-cp38-abi3-manylinux_2_17_x86_64.whl", ABI3_T63).unwrap();
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].id.as_str(), "WHL-13");
        assert_eq!(findings[0].member.as_deref(), Some("_x.abi3.so"));
        assert!(
            findings[0]
                .message
                .contains("`PyUnicode_AsUTF8AndSize` (Python 3.10)")
        );
        assert!(findings[0].message.contains("promises Python 3.8"));
    }

    #[test]
    fn err_whl13_non_limited_symbol() {
        let report = ABI3_T63
            .replace(
                r#""non_abi3_symbols": []"#,
                r#""non_abi3_symbols": ["_PyObject_GC_New"]"#,
            )
            .replace(r#"{"PyUnicode_AsUTF8AndSize": "3.10"}"#, "{}");
        let findings = abi3audit_findings("x.whl", &report).unwrap();
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(findings[0].message.contains("`_PyObject_GC_New`"));
    }

    #[test]
    fn ok_whl13_clean_extension_and_err_on_garbage() {
        let clean = ABI3_T63.replace(r#"{"PyUnicode_AsUTF8AndSize": "3.10"}"#, "{}");
        assert!(abi3audit_findings("x.whl", &clean).unwrap().is_empty());
        let err = abi3audit_findings("x.whl", "not json").unwrap_err();
        assert!(err.to_string().contains("abi3audit report for `x.whl`"));
    }

    fn auditwheel_report(overall: &str) -> String {
        format!(
            r#"{{"version": 1, "wheel": "w.whl", "pure": false, "overall_tag": "{overall}", "sym_tag": "{overall}", "pyfpe": false, "ucs2": false, "unsupported_isa": false, "versioned_symbols": {{"libc.so.6": ["GLIBC_2.14", "GLIBC_2.2.5"]}}, "external_libs": {{}}, "policy_upgrades": {{"manylinux_2_5_x86_64": {{"blacklisted_symbols": {{}}}}}}}}"#
        )
    }

    #[test]
    fn ok_whl14_claims_at_or_above_the_satisfied_policy() {
        let name = "m-1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl";
        let findings =
            auditwheel_findings(name, &auditwheel_report("manylinux_2_17_x86_64")).unwrap();
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn err_whl14_claim_older_than_the_symbols_allow() {
        let name = "m-1.0-cp311-cp311-manylinux1_x86_64.whl";
        let findings =
            auditwheel_findings(name, &auditwheel_report("manylinux_2_17_x86_64")).unwrap();
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].id.as_str(), "WHL-14");
        let message = &findings[0].message;
        assert!(
            message.contains("claims `manylinux_2_5_x86_64`"),
            "{message}"
        );
        assert!(message.contains("`libc.so.6` GLIBC_2.14"), "{message}");
    }

    #[test]
    fn err_whl14_family_or_arch_mismatch_and_non_policy_overall() {
        let musl = "m-1.0-cp311-cp311-musllinux_1_2_x86_64.whl";
        let report = auditwheel_report("manylinux_2_17_x86_64");
        assert_eq!(auditwheel_findings(musl, &report).unwrap().len(), 1);
        let arm = "m-1.0-cp311-cp311-manylinux_2_17_aarch64.whl";
        assert_eq!(auditwheel_findings(arm, &report).unwrap().len(), 1);
        let plain = "m-1.0-cp311-cp311-manylinux_2_17_x86_64.whl";
        let linux = auditwheel_report("linux_x86_64");
        assert_eq!(auditwheel_findings(plain, &linux).unwrap().len(), 1);
        let failed = r#"{"version": 1, "wheel": "w.whl", "error": "Invalid binary wheel"}"#;
        let findings = auditwheel_findings(plain, failed).unwrap();
        assert!(
            findings[0].message.contains("Invalid binary wheel"),
            "{findings:#?}"
        );
    }

    #[test]
    fn needs_follow_the_tags() {
        let abi3 = needs("m-1.0-cp38-abi3-manylinux_2_17_x86_64.whl");
        assert!(abi3.abi3 && abi3.linux_policy);
        let mac = needs("m-1.0-cp311-cp311-macosx_11_0_arm64.whl");
        assert!(!mac.abi3 && !mac.linux_policy);
        assert_eq!(needs("m-1.0.tar.gz"), DeepNeeds::default());
    }
}
