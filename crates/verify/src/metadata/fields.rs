//! The field table: which fields exist, from which Metadata-Version, and how often they may
//! appear (META-01, META-02, META-03, META-17).
//!
//! See: core-metadata specification, one "Added in version" note per field.

use std::fmt;

use crate::check::{CheckId, Findings};
use crate::verify::ArtifactKind;

use super::{CoreMetadata, MetadataContext};

/// A `Metadata-Version` as (major, minor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetadataVersion(pub u32, pub u32);

impl fmt::Display for MetadataVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// Every version the specification defines.
const KNOWN_VERSIONS: &[MetadataVersion] = &[
    MetadataVersion(1, 0),
    MetadataVersion(1, 1),
    MetadataVersion(1, 2),
    MetadataVersion(2, 1),
    MetadataVersion(2, 2),
    MetadataVersion(2, 3),
    MetadataVersion(2, 4),
    MetadataVersion(2, 5),
    MetadataVersion(2, 6),
];

/// The newest version whose fields this table knows.
const NEWEST_KNOWN: MetadataVersion = MetadataVersion(2, 6);

/// One field: canonical name, the version that introduced it, whether it may repeat.
struct Field {
    name: &'static str,
    since: MetadataVersion,
    multiple: bool,
}

const fn field(name: &'static str, major: u32, minor: u32, multiple: bool) -> Field {
    Field {
        name,
        since: MetadataVersion(major, minor),
        multiple,
    }
}

const FIELDS: &[Field] = &[
    field("Metadata-Version", 1, 0, false),
    field("Name", 1, 0, false),
    field("Version", 1, 0, false),
    field("Dynamic", 2, 2, true),
    field("Platform", 1, 0, true),
    field("Supported-Platform", 1, 1, true),
    field("Summary", 1, 0, false),
    field("Description", 1, 0, false),
    field("Description-Content-Type", 2, 1, false),
    field("Keywords", 1, 0, false),
    field("Home-page", 1, 0, false),
    field("Download-URL", 1, 1, false),
    field("Author", 1, 0, false),
    field("Author-email", 1, 0, false),
    field("Maintainer", 1, 2, false),
    field("Maintainer-email", 1, 2, false),
    field("License", 1, 0, false),
    field("License-Expression", 2, 4, false),
    field("License-File", 2, 4, true),
    field("Classifier", 1, 1, true),
    field("Requires-Dist", 1, 2, true),
    field("Requires-Python", 1, 2, false),
    field("Requires-External", 1, 2, true),
    field("Project-URL", 1, 2, true),
    field("Provides-Extra", 2, 1, true),
    field("Provides-Dist", 1, 2, true),
    field("Obsoletes-Dist", 1, 2, true),
    field("Import-Name", 2, 5, true),
    field("Import-Namespace", 2, 5, true),
    field("Requires", 1, 1, true),
    field("Provides", 1, 1, true),
    field("Obsoletes", 1, 1, true),
];

fn lookup(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// Whether `name` is a core metadata field of any version.
pub(crate) fn is_known_field(name: &str) -> bool {
    lookup(name).is_some()
}

fn parse_version(text: &str) -> Option<MetadataVersion> {
    let (major, minor) = text.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    Some(MetadataVersion(major.parse().ok()?, minor.parse().ok()?))
}

/// META-02: the version is defined, accepted by the target, and new enough for sdists. Returns
/// the version to judge fields by, or `None` when the file cannot be judged at all.
pub(crate) fn check_metadata_version(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) -> Option<MetadataVersion> {
    let id = CheckId("META-02");
    let member = Some(context.member);
    let written = metadata.metadata_version.as_str();
    let Some(version) = parse_version(written) else {
        findings.error(
            id,
            member,
            format!("`Metadata-Version` is `{written}`; expected `MAJOR.MINOR` such as `2.4`"),
        );
        return None;
    };
    let (max_major, max_minor) = context.target.max_metadata_version();
    let max = MetadataVersion(max_major, max_minor);
    if version.0 > NEWEST_KNOWN.0 {
        // The spec: consumers MUST fail on a newer major version.
        findings.error(
            id,
            member,
            format!("`Metadata-Version` is {version}; major versions above 2 are not understood"),
        );
        return None;
    }
    if version > NEWEST_KNOWN {
        // The spec: a newer minor version SHOULD only warn (C04); warehouse rejects it.
        let message = format!(
            "`Metadata-Version` is {version}, newer than {NEWEST_KNOWN}; fields are checked as {NEWEST_KNOWN}"
        );
        if context.target.is_warehouse() {
            findings.error(
                id,
                member,
                format!("{message}, and {} accepts at most {max}", context.target),
            );
        } else {
            findings.warn(id, member, message);
        }
        return Some(NEWEST_KNOWN);
    }
    if !KNOWN_VERSIONS.contains(&version) {
        findings.error(
            id,
            member,
            format!("`Metadata-Version` is {version}, which no specification defines; expected one of 1.0, 1.1, 1.2, 2.1 to 2.6"),
        );
        return None;
    }
    if version > max {
        findings.error(
            id,
            member,
            format!(
                "`Metadata-Version` is {version}; {} accepts at most {max}",
                context.target
            ),
        );
    }
    if context.kind == ArtifactKind::Sdist && version < MetadataVersion(2, 2) {
        // The spec says MUST, PyPI still accepts older sdists: a warning keeps them usable.
        findings.warn(
            id,
            member,
            format!("sdist `Metadata-Version` is {version}; sdists should declare 2.2 or later"),
        );
    }
    Some(version)
}

/// META-01 (unknown names, repeated single-use fields) and META-03 (fields newer than the
/// declared version).
pub(crate) fn check_field_names(
    metadata: &CoreMetadata,
    version: MetadataVersion,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let member = Some(context.member);
    let mut seen: Vec<&'static str> = Vec::new();
    let mut reported_newer: Vec<&'static str> = Vec::new();
    for (name, _) in &metadata.fields {
        let Some(field) = lookup(name) else {
            report_unknown_field(name, version, context, findings);
            continue;
        };
        if !field.multiple {
            if seen.contains(&field.name) {
                findings.error(
                    CheckId("META-01"),
                    member,
                    format!("single-use field `{}` appears more than once", field.name),
                );
            }
            seen.push(field.name);
        }
        if field.since > version && !reported_newer.contains(&field.name) {
            reported_newer.push(field.name);
            report_newer_field(field, version, context, findings);
        }
    }
}

fn report_unknown_field(
    name: &str,
    version: MetadataVersion,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let message =
        format!("unknown field `{name}`; expected a core metadata field of version {version}");
    if version >= NEWEST_KNOWN && !context.target.is_warehouse() {
        findings.warn(CheckId("META-01"), Some(context.member), message);
    } else {
        findings.error(CheckId("META-01"), Some(context.member), message);
    }
}

fn report_newer_field(
    field: &Field,
    version: MetadataVersion,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let message = format!(
        "field `{}` requires `Metadata-Version` {} or later; the file declares {version}",
        field.name, field.since
    );
    if field.name == "License-File" {
        // C01: setuptools wrote License-File under 2.1/2.2 for years; twine drops it.
        findings.warn(
            CheckId("META-03"),
            Some(context.member),
            format!("{message}; it is ignored at this version"),
        );
    } else {
        findings.error(CheckId("META-03"), Some(context.member), message);
    }
}

/// META-17: `Dynamic` names real fields, never `Name`, `Version` or `Metadata-Version`.
pub(crate) fn check_dynamic(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let id = CheckId("META-17");
    let member = Some(context.member);
    let mut seen: Vec<String> = Vec::new();
    for value in metadata.get_all("Dynamic") {
        let name = value.trim();
        let lower = name.to_ascii_lowercase();
        if matches!(lower.as_str(), "name" | "version" | "metadata-version") {
            findings.error(
                id,
                member,
                format!(
                    "`Dynamic: {name}`: `{name}` must always be static; expected it not listed"
                ),
            );
        } else if !is_known_field(name) || lower == "dynamic" {
            findings.error(
                id,
                member,
                format!("`Dynamic: {name}` does not name a core metadata field"),
            );
        } else if seen.contains(&lower) {
            findings.warn(
                id,
                member,
                format!("`Dynamic: {name}` is listed more than once"),
            );
        }
        seen.push(lower);
    }
}
