//! Core metadata (METADATA in wheels, PKG-INFO in sdists), versions 1.0 to 2.5: META-* checks.
//!
//! The parser follows the email `compat32` header grammar that `packaging` and PyPI use, and
//! reports as defects what that grammar would read differently from a naive reader: a line that
//! is not a header ends the headers early, a leading continuation line has no field, a bare CR
//! splits a line. The rules live in submodules by theme; the vendored tables are generated.

mod classifiers;
mod fields;
mod license;
mod spdx;
mod values;
pub(crate) use values::requirement;

use crate::check::{CheckId, Findings};
use crate::target::Target;
use crate::verify::{ArtifactKind, DescriptionRenderer};

pub use fields::MetadataVersion;

/// The versions of the vendored data tables, for reports (`trove-classifiers`, `packaging`, SPDX).
#[must_use]
pub fn data_versions() -> [(&'static str, &'static str); 3] {
    [
        ("trove-classifiers", classifiers::VERSION),
        ("packaging", spdx::PACKAGING_VERSION),
        ("spdx", spdx::SPDX_VERSION),
    ]
}

/// Parsed core metadata: the header fields in file order and the body, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreMetadata {
    /// The `Metadata-Version` value as written.
    pub metadata_version: String,
    /// Every header field in order, field names as written, values unfolded.
    pub fields: Vec<(String, String)>,
    /// The message body (the long description), if present.
    pub body: Option<String>,
}

impl CoreMetadata {
    /// The first value of a field, matched case-insensitively.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(field))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a (multi-use) field, in order.
    #[must_use]
    pub fn get_all(&self, field: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(field))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The `Name` field.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.get("Name")
    }

    /// The `Version` field.
    #[must_use]
    pub fn version(&self) -> Option<&str> {
        self.get("Version")
    }

    /// The long description: the body, or else the `Description` header.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.body.as_deref().or_else(|| self.get("Description"))
    }

    /// The field names listed in `Dynamic`, lowercased.
    #[must_use]
    pub fn dynamic(&self) -> Vec<String> {
        self.get_all("Dynamic")
            .into_iter()
            .map(|field| field.trim().to_ascii_lowercase())
            .collect()
    }
}

/// What a metadata check needs to know about the artifact around it.
pub struct MetadataContext<'a> {
    /// Wheel or sdist.
    pub kind: ArtifactKind,
    /// The member path of the metadata file, for findings.
    pub member: &'a str,
    /// The index whose rules apply.
    pub target: Target,
    /// The name component of the artifact's file name, if it parsed.
    pub filename_name: Option<&'a str>,
    /// The version component of the artifact's file name, if it parsed.
    pub filename_version: Option<&'a str>,
    /// For wheels: the python tags of the file name (for META-12).
    pub python_tags: &'a [String],
    /// Whether a `License-File` path exists where the artifact kind requires it.
    pub has_license_file: &'a dyn Fn(&str) -> bool,
    /// Renders reST descriptions (META-08), when available.
    pub renderer: Option<&'a dyn DescriptionRenderer>,
}

/// Parses core metadata (META-01), recording findings. `None` when nothing usable was found.
pub fn parse(bytes: &[u8], member: &str, findings: &mut Findings) -> Option<CoreMetadata> {
    let id = CheckId("META-01");
    let Ok(text) = std::str::from_utf8(bytes) else {
        findings.error(id, Some(member), "core metadata is not valid UTF-8");
        return None;
    };
    if text.contains('\0') {
        findings.error(id, Some(member), "core metadata contains a NUL character");
    }
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            findings.error(
                id,
                Some(member),
                "core metadata starts with a byte order mark",
            );
            rest
        }
        None => text,
    };
    let (fields, body) = parse_headers(text, member, findings);
    let Some(metadata_version) = fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Metadata-Version"))
        .map(|(_, value)| value.clone())
    else {
        findings.error(
            CheckId("META-02"),
            Some(member),
            "core metadata has no `Metadata-Version` field",
        );
        return None;
    };
    Some(CoreMetadata {
        metadata_version,
        fields,
        body,
    })
}

/// Splits the header block into fields and returns the body after the first empty line.
///
/// See: CPython `email/feedparser.py` (`headerRE`, defects) and `email/_policybase.py` compat32.
fn parse_headers(
    text: &str,
    member: &str,
    findings: &mut Findings,
) -> (Vec<(String, String)>, Option<String>) {
    let id = CheckId("META-01");
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            return (fields, non_empty(&text[offset..]));
        }
        if line.contains('\r') {
            findings.error(
                id,
                Some(member),
                format!("header line {line:?} contains a bare CR, which email parsers treat as a line break"),
            );
        }
        if let Some(rest) = line.strip_prefix([' ', '\t']) {
            let Some((name, value)) = fields.last_mut() else {
                findings.error(
                    id,
                    Some(member),
                    format!(
                        "first header line {line:?} is a continuation line; expected `Name: value`"
                    ),
                );
                continue;
            };
            value.push('\n');
            value.push_str(unfold_continuation(name, rest));
            continue;
        }
        let Some((name, value)) = line.split_once(':').filter(|(name, _)| is_field_name(name))
        else {
            findings.error(
                id,
                Some(member),
                format!(
                    "line {line:?} is not a `Name: value` header and no empty line came before it; \
                     email parsers read everything from here on as the body"
                ),
            );
            return (fields, non_empty(&text[start..]));
        };
        fields.push((name.to_owned(), value.trim().to_owned()));
    }
    (fields, None)
}

fn non_empty(body: &str) -> Option<String> {
    (!body.is_empty()).then(|| body.to_owned())
}

/// RFC 5322 field names: printable ASCII except `:` and space.
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b':')
}

/// Undoes the folding of a continuation line. `Description` keeps its indentation relative to
/// the 8 columns (or `       |`) setuptools folds it with; other fields lose leading blanks.
fn unfold_continuation<'a>(name: &str, rest: &'a str) -> &'a str {
    if !name.eq_ignore_ascii_case("Description") {
        return rest.trim();
    }
    if let Some(stripped) = rest.strip_prefix("      |") {
        return stripped;
    }
    let blanks = rest.len() - rest.trim_start_matches(' ').len();
    &rest[blanks.min(7)..]
}

/// Checks parsed core metadata against the META-* rules for its context.
pub fn check(metadata: &CoreMetadata, context: &MetadataContext<'_>, findings: &mut Findings) {
    // Step 1: the version decides which fields may appear at all.
    let Some(version) = fields::check_metadata_version(metadata, context, findings) else {
        return;
    };
    fields::check_field_names(metadata, version, context, findings);
    fields::check_dynamic(metadata, context, findings);

    // Step 2: field values, one theme at a time.
    values::check_name(metadata, context, findings);
    values::check_version(metadata, context, findings);
    values::check_summary(metadata, context, findings);
    values::check_description(metadata, version, context, findings);
    values::check_classifiers(metadata, context, findings);
    values::check_requirements(metadata, context, findings);
    values::check_extras(metadata, version, context, findings);
    values::check_requires_python(metadata, context, findings);
    values::check_urls(metadata, context, findings);
    values::check_emails(metadata, context, findings);
    values::check_import_names(metadata, context, findings);
    values::check_deprecated(metadata, version, context, findings);
    license::check_license(metadata, version, context, findings);
}

#[cfg(test)]
mod tests;
