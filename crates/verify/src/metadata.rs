//! Core metadata (METADATA in wheels, PKG-INFO in sdists), versions 1.0 to 2.5: META-* checks.

use crate::check::{CheckId, Findings};
use crate::target::Target;
use crate::verify::{ArtifactKind, DescriptionRenderer};

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
    let Ok(text) = std::str::from_utf8(bytes) else {
        findings.error(
            CheckId("META-01"),
            Some(member),
            "core metadata is not valid UTF-8",
        );
        return None;
    };
    let (head, body) = match text.split_once("\n\n") {
        Some((head, body)) => (head, Some(body.to_owned())),
        None => (text, None),
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if let Some(rest) = line.strip_prefix([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push('\n');
                value.push_str(rest);
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.to_owned(), value.trim().to_owned()));
        }
    }
    let metadata_version = fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Metadata-Version"))
        .map(|(_, value)| value.clone())?;
    Some(CoreMetadata {
        metadata_version,
        fields,
        body,
    })
}

/// Checks parsed core metadata against the META-* rules for its context.
pub fn check(metadata: &CoreMetadata, context: &MetadataContext<'_>, findings: &mut Findings) {
    let _ = (metadata, context, findings);
}
