//! The upload form: protocol fields plus the artifact's own core metadata, field by field, under
//! the names PyPI reads. PyPI builds the release's metadata from this form, not from the file,
//! so anything misnamed here is silently lost.
//!
//! See: pypi-upload.md section 1.4.

use crate::artifact::LocalArtifact;

/// Core metadata headers and their form names. Multi-use fields mostly take plural names, except
/// those PyPI overrides to singular (`platform`, `supported_platform`, `license_file`,
/// `import_name`, `import_namespace`). Headers not listed are not sent (PyPI ignores unknown keys).
///
/// See: warehouse `forklift/metadata.py` `_override`; pypi-upload.md section 1.4 (uv's
/// `import_names` is dropped by PyPI).
const FIELD_NAMES: &[(&str, &str)] = &[
    ("Metadata-Version", "metadata_version"),
    ("Name", "name"),
    ("Version", "version"),
    ("Summary", "summary"),
    ("Description", "description"),
    ("Description-Content-Type", "description_content_type"),
    ("Keywords", "keywords"),
    ("Home-Page", "home_page"),
    ("Download-URL", "download_url"),
    ("Author", "author"),
    ("Author-Email", "author_email"),
    ("Maintainer", "maintainer"),
    ("Maintainer-Email", "maintainer_email"),
    ("License", "license"),
    ("License-Expression", "license_expression"),
    ("Requires-Python", "requires_python"),
    ("Classifier", "classifiers"),
    ("Platform", "platform"),
    ("Supported-Platform", "supported_platform"),
    ("License-File", "license_file"),
    ("Import-Name", "import_name"),
    ("Import-Namespace", "import_namespace"),
    ("Requires-Dist", "requires_dist"),
    ("Provides-Dist", "provides_dist"),
    ("Obsoletes-Dist", "obsoletes_dist"),
    ("Requires-External", "requires_external"),
    ("Project-URL", "project_urls"),
    ("Provides-Extra", "provides_extra"),
    ("Dynamic", "dynamic"),
    ("Requires", "requires"),
    ("Provides", "provides"),
    ("Obsoletes", "obsoletes"),
];

/// The form's text fields, in order, for one artifact. Empty values are left out: PyPI treats
/// them as absent anyway, and some indexes do not.
#[must_use]
pub fn form_fields(artifact: &LocalArtifact) -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&'static str, String)> = vec![
        (":action", "file_upload".to_owned()),
        ("protocol_version", "1".to_owned()),
        ("filetype", artifact.kind.filetype().to_owned()),
        ("pyversion", artifact.pyversion.clone()),
        ("sha256_digest", artifact.digests.sha256.clone()),
        ("blake2_256_digest", artifact.digests.blake2b_256.clone()),
    ];
    for (header, value) in &artifact.metadata.fields {
        let Some((_, form_name)) = FIELD_NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(header))
        else {
            continue;
        };
        push_nonempty(&mut fields, form_name, value);
    }
    let has_header_description = fields.iter().any(|(name, _)| *name == "description");
    if let (false, Some(body)) = (has_header_description, &artifact.metadata.body) {
        push_nonempty(&mut fields, "description", body);
    }
    fields
}

fn push_nonempty(fields: &mut Vec<(&'static str, String)>, name: &'static str, value: &str) {
    if !value.trim().is_empty() {
        fields.push((name, value.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::DistKind;
    use pyship_verify::metadata::CoreMetadata;

    fn artifact(fields: &[(&str, &str)], body: Option<&str>) -> LocalArtifact {
        LocalArtifact {
            path: "x.whl".into(),
            filename: "My.Pkg-1.0-py3-none-any.whl".into(),
            kind: DistKind::Wheel,
            size: 1,
            digests: pyship_verify::Digests {
                sha256: "aa".into(),
                blake2b_256: "bb".into(),
                md5: None,
            },
            metadata_member: "My.Pkg-1.0.dist-info/METADATA".into(),
            metadata_bytes: Vec::new(),
            metadata_sha256: String::new(),
            metadata: CoreMetadata {
                metadata_version: "2.4".into(),
                fields: fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                body: body.map(str::to_owned),
            },
            pyversion: "py3".into(),
        }
    }

    fn values<'a>(fields: &'a [(&'static str, String)], name: &str) -> Vec<&'a str> {
        fields
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// See: warehouse#13218 (twine's `safe_name` renamed a project's display name).
    #[test]
    fn name_is_sent_verbatim() {
        let fields = form_fields(&artifact(&[("Name", "My.Pkg"), ("Version", "1.0")], None));
        assert_eq!(values(&fields, "name"), ["My.Pkg"]);
        assert_eq!(values(&fields, "filetype"), ["bdist_wheel"]);
        assert_eq!(values(&fields, "pyversion"), ["py3"]);
        assert_eq!(values(&fields, ":action"), ["file_upload"]);
        assert_eq!(values(&fields, "sha256_digest"), ["aa"]);
        assert_eq!(values(&fields, "blake2_256_digest"), ["bb"]);
        assert!(values(&fields, "md5_digest").is_empty());
    }

    #[test]
    fn multi_use_fields_take_pypis_names() {
        let fields = form_fields(&artifact(
            &[
                ("Classifier", "A :: B"),
                ("Classifier", "C :: D"),
                ("License-File", "LICENSE"),
                ("Import-Name", "pkg"),
                ("Platform", "any"),
                ("Supported-Platform", "x"),
                ("Project-URL", "Home, https://e.org"),
                ("Provides-Extra", "cli"),
            ],
            None,
        ));
        assert_eq!(values(&fields, "classifiers"), ["A :: B", "C :: D"]);
        assert_eq!(values(&fields, "license_file"), ["LICENSE"]);
        assert_eq!(values(&fields, "import_name"), ["pkg"]);
        assert!(values(&fields, "import_names").is_empty());
        assert_eq!(values(&fields, "platform"), ["any"]);
        assert_eq!(values(&fields, "supported_platform"), ["x"]);
        assert_eq!(values(&fields, "project_urls"), ["Home, https://e.org"]);
        assert_eq!(values(&fields, "provides_extra"), ["cli"]);
    }

    #[test]
    fn empty_and_unknown_fields_are_not_sent() {
        let fields = form_fields(&artifact(
            &[("Requires-Python", ""), ("X-Custom", "1"), ("Summary", "s")],
            None,
        ));
        assert!(values(&fields, "requires_python").is_empty());
        assert!(fields.iter().all(|(name, _)| !name.contains("custom")));
        assert_eq!(values(&fields, "summary"), ["s"]);
    }

    #[test]
    fn body_becomes_description() {
        let fields = form_fields(&artifact(&[("Name", "p")], Some("# Title\n\ntext\n")));
        assert_eq!(values(&fields, "description"), ["# Title\n\ntext\n"]);
    }
}
