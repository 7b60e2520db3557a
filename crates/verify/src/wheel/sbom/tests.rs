//! Unit tests for the SBOM content rule (WHL-07).

use super::*;

fn run(text: &str) -> (Option<SbomFormat>, Vec<String>) {
    let mut findings = Findings::new(None);
    let format = check(text.as_bytes(), "x.dist-info/sboms/a.json", &mut findings);
    let messages = findings.into_vec().into_iter().map(|f| f.message).collect();
    (format, messages)
}

#[test]
fn ok_spdx_and_cyclonedx() {
    let spdx = r#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}"#;
    assert_eq!(run(spdx), (Some(SbomFormat::Spdx), vec![]));
    let cdx = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}"#;
    assert_eq!(run(cdx), (Some(SbomFormat::CycloneDx), vec![]));
}

#[test]
fn warn_whl07_other_documents() {
    for (text, says) in [
        ("not json", "does not parse as JSON"),
        ("[1, 2]", "not an object"),
        (r#"{"name": "x"}"#, "neither `spdxVersion` nor `bomFormat`"),
        (r#"{"spdxVersion": 2}"#, "not a string like `SPDX-2.3`"),
        (r#"{"bomFormat": "SWID"}"#, "not `\"CycloneDX\"`"),
        (
            r#"{"bomFormat": "CycloneDX"}"#,
            "without a string `specVersion`",
        ),
    ] {
        let (format, messages) = run(text);
        assert_eq!(format, None, "{text}");
        assert!(messages[0].contains(says), "{text}: {messages:?}");
    }
}
