//! Unit tests for the core metadata parser and the META-* rules.

use super::*;
use crate::check::Severity;
use crate::verify::RenderOutcome;

const BASE: &str = "Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nSummary: A foo\n\
Description-Content-Type: text/markdown\n";

fn run_with(text: &str, kind: ArtifactKind, target: Target, tags: &[&str]) -> Findings {
    let mut findings = Findings::new(Some("foo-1.0-py3-none-any.whl"));
    let Some(metadata) = parse(text.as_bytes(), "METADATA", &mut findings) else {
        return findings;
    };
    let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
    let has = |path: &str| path == "LICENSE";
    let context = MetadataContext {
        kind,
        member: "METADATA",
        target,
        filename_name: Some("foo"),
        filename_version: Some("1.0"),
        python_tags: &tags,
        has_license_file: &has,
        renderer: None,
    };
    check(&metadata, &context, &mut findings);
    findings
}

fn run(text: &str) -> Findings {
    run_with(text, ArtifactKind::Wheel, Target::Pypi, &["py3"])
}

fn with_body(headers: &str) -> String {
    let headers = if headers.is_empty() {
        String::new()
    } else {
        format!("{headers}\n")
    };
    format!("{BASE}{headers}\n# Foo\n\nA real description.\n")
}

fn ids(findings: &Findings, severity: Severity) -> Vec<&'static str> {
    findings
        .as_slice()
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.id.as_str())
        .collect()
}

fn errors(findings: &Findings) -> Vec<&'static str> {
    ids(findings, Severity::Error)
}

#[test]
fn ok_minimal_markdown_metadata() {
    let findings = run(&with_body(""));
    assert!(findings.as_slice().is_empty(), "{findings:?}");
}

#[test]
fn parse_unfolds_continuations_and_keeps_body() {
    let mut findings = Findings::new(None);
    let text = "Metadata-Version: 1.2\nName: foo\nDescription: first\n        second\n       |  third\nVersion: 1\n\nbody\n";
    let metadata = parse(text.as_bytes(), "PKG-INFO", &mut findings).unwrap();
    assert_eq!(metadata.get("Description"), Some("first\nsecond\n  third"));
    assert_eq!(metadata.version(), Some("1"));
    assert_eq!(metadata.body.as_deref(), Some("body\n"));
    assert!(findings.as_slice().is_empty());
}

#[test]
fn err_meta01_defects() {
    assert_eq!(errors(&run(&format!("  leading\n{BASE}"))), ["META-01"]);
    assert_eq!(
        errors(&run(&format!("{BASE}not a header\nName: x\n"))),
        ["META-01", "META-08"][..1]
    );
    assert!(errors(&run(&format!("{BASE}Name: foo\n\nbody\n"))).contains(&"META-01"));
    assert!(errors(&run(&format!("{BASE}X-Custom: 1\n\nbody\n"))).contains(&"META-01"));
    let mut findings = Findings::new(None);
    assert!(
        parse(
            b"Metadata-Version: 2.1\nName: \xff\n",
            "METADATA",
            &mut findings
        )
        .is_none()
    );
    assert!(findings.has(CheckId("META-01")));
}

#[test]
fn err_meta01_description_header_and_body_t79() {
    let findings = run(&with_body("Description: also here"));
    assert_eq!(errors(&findings), ["META-01"]);
}

#[test]
fn meta02_versions_per_target_t77() {
    let text = with_body("").replace("2.4", "2.6");
    assert_eq!(errors(&run(&text)), ["META-02"]);
    let generic = run_with(&text, ArtifactKind::Wheel, Target::Generic, &["py3"]);
    assert!(generic.as_slice().is_empty(), "{generic:?}");
    let newer_minor = with_body("").replace("2.4", "2.9");
    let generic = run_with(&newer_minor, ArtifactKind::Wheel, Target::Generic, &["py3"]);
    assert_eq!(ids(&generic, Severity::Warning), ["META-02"]);
    assert_eq!(
        errors(&run(&with_body("").replace("2.4", "3.0"))),
        ["META-02"]
    );
    assert_eq!(
        errors(&run(&with_body("").replace("2.4", "2.0"))),
        ["META-02"]
    );
}

#[test]
fn meta03_new_fields_under_old_versions() {
    // C02: License-Expression under 2.3 is an error naming both versions.
    let text = with_body("License-Expression: MIT").replace("2.4", "2.3");
    let findings = run(&text);
    assert_eq!(errors(&findings), ["META-03"]);
    assert!(
        findings.as_slice()[0]
            .message
            .contains("2.4 or later; the file declares 2.3")
    );
    // C01: legacy License-File is only a warning, and its presence is not checked.
    let text = with_body("License-File: MISSING").replace("2.4", "2.2");
    let findings = run(&text);
    assert!(errors(&findings).is_empty(), "{findings:?}");
    assert_eq!(ids(&findings, Severity::Warning), ["META-03"]);
}

#[test]
fn meta04_name_rules() {
    let findings = run(&with_body("").replace("Name: foo", "Name: Foo"));
    assert!(findings.as_slice().is_empty());
    assert_eq!(
        errors(&run(&with_body("").replace("Name: foo", "Name: bar"))),
        ["META-04"]
    );
    assert!(errors(&run(&with_body("").replace("Name: foo", "Name: -foo"))).contains(&"META-04"));
}

#[test]
fn meta05_version_rules_t75() {
    // Against a file name saying `1.0`: META-05 for the local segment, FN-03 for the mismatch.
    let findings = run(&with_body("").replace("Version: 1.0\n", "Version: 1.0+local\n"));
    assert_eq!(errors(&findings), ["META-05", "FN-03"]);
    assert!(
        findings
            .as_slice()
            .iter()
            .any(|f| f.message.contains("local segment"))
    );
    // Valid and canonical, only different from the file name: FN-03 owns that comparison.
    let findings = run(&with_body("").replace("Version: 1.0\n", "Version: 1.0.0\n"));
    assert_eq!(errors(&findings), ["FN-03"]);
    let findings = run(&with_body("").replace("Version: 1.0\n", "Version: 1.0-0\n"));
    assert!(
        findings
            .as_slice()
            .iter()
            .any(|f| f.severity == Severity::Warning && f.message.contains("`1.0.post0`"))
    );
    assert_eq!(
        errors(&run(
            &with_body("").replace("Version: 1.0\n", "Version: one\n")
        )),
        ["META-05"]
    );
}

#[test]
fn meta06_summary_one_line() {
    assert_eq!(
        errors(&run(&with_body("").replace("A foo", "A\u{2028}foo"))),
        ["META-06"]
    );
    let long = "x".repeat(513);
    assert_eq!(
        errors(&run(&with_body("").replace("A foo", &long))),
        ["META-06"]
    );
}

#[test]
fn err_meta07_content_type_t81() {
    let base = with_body("");
    let latin = base.replace("text/markdown", "text/markdown; charset=latin-1");
    assert_eq!(errors(&run(&latin)), ["META-07"]);
    let variant = base.replace("text/markdown", "text/markdown; variant=Commonmark");
    assert_eq!(errors(&run(&variant)), ["META-07"]);
    let html = base.replace("text/markdown", "text/html");
    assert_eq!(errors(&run(&html)), ["META-07"]);
    let ok = base.replace("text/markdown", "text/markdown; charset=UTF-8; variant=GFM");
    assert!(run(&ok).as_slice().is_empty());
}

struct FailingRenderer;

impl DescriptionRenderer for FailingRenderer {
    fn render_rst(&self, text: &str) -> RenderOutcome {
        if text.contains("`broken") {
            RenderOutcome::Failed(
                "Inline interpreted text start-string without end-string".to_owned(),
            )
        } else {
            RenderOutcome::Rendered
        }
    }
}

#[test]
fn meta08_rst_goes_through_renderer() {
    let text = format!(
        "{}\nSee `broken\n",
        BASE.replace("text/markdown", "text/x-rst")
    );
    let findings = run(&text);
    assert_eq!(ids(&findings, Severity::Warning), ["META-08"]);
    assert!(findings.as_slice()[0].message.contains("not checked"));
    let mut findings = Findings::new(None);
    let metadata = parse(text.as_bytes(), "METADATA", &mut findings).unwrap();
    let has = |_: &str| true;
    let context = MetadataContext {
        kind: ArtifactKind::Wheel,
        member: "METADATA",
        target: Target::Pypi,
        filename_name: None,
        filename_version: None,
        python_tags: &[],
        has_license_file: &has,
        renderer: Some(&FailingRenderer),
    };
    check(&metadata, &context, &mut findings);
    assert_eq!(errors(&findings), ["META-08"]);
}

#[test]
fn meta09_classifiers_t83() {
    let findings = run(&with_body("Classifier: Development Status ::  4 - Beta"));
    assert_eq!(errors(&findings), ["META-09"]);
    assert!(
        run(&with_body("Classifier: Development Status :: 4 - Beta"))
            .as_slice()
            .is_empty()
    );
    let private = with_body("Classifier: Private :: Do Not Upload");
    assert_eq!(errors(&run(&private)), ["META-09"]);
    let generic = run_with(&private, ArtifactKind::Wheel, Target::Generic, &["py3"]);
    assert_eq!(ids(&generic, Severity::Warning), ["META-09"]);
    let deprecated = with_body("Classifier: License :: OSI Approved :: Intel Open Source License");
    assert!(
        run(&deprecated).as_slice()[0]
            .message
            .contains("deprecated")
    );
    let both =
        with_body("License-Expression: MIT\nClassifier: License :: OSI Approved :: MIT License");
    assert_eq!(ids(&run(&both), Severity::Warning), ["META-09"]);
}

/// pep508_rs 0.9.2 panics on these names and extras; they must be findings instead.
/// See: fuzz/regressions/metadata/pep508-name-trailing-dash-*,
/// fuzz/regressions/provenance/pep508-extra-ends-in-dash
#[test]
fn meta10_name_with_trailing_separator_is_an_error_not_a_panic() {
    for value in [
        "foo- >=1",
        "foo. ; extra == 'x'",
        "_foo",
        "-",
        "foo[bar-]",
        "foo [ok, _bad] >=1",
        "mypy >= 1.11.2 ; extra == \"all\"dna.encode('ドメイン')",
        "foo >= 1 ; extra == \"all\" ünd",
    ] {
        let text = with_body(&format!("Requires-Dist: {value}"));
        assert_eq!(errors(&run(&text)), ["META-10"], "{value:?}");
    }
    // The fuzzer's minimized input also carries a NUL, which META-01 reports on its own.
    let text = with_body("Requires-Dist: t-\0");
    assert_eq!(errors(&run(&text)), ["META-01", "META-10"]);
}

/// PEP 508 allows non-ASCII inside a quoted marker value, but pep508_rs mis-slices non-ASCII
/// after a marker expression, so pyship refuses all of it, with the reason.
#[test]
fn meta10_non_ascii_anywhere_is_refused_with_the_reason() {
    let text = with_body("Requires-Dist: foo ; platform_release == \"ü\"");
    let found = run(&text);
    assert_eq!(errors(&found), ["META-10"]);
    assert!(
        found
            .as_slice()
            .iter()
            .any(|f| f.message.contains("non-ASCII character `ü`")),
        "{found:?}"
    );
}

#[test]
fn meta10_requirements() {
    let ok = with_body(
        "Provides-Extra: socks\nRequires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\nRequires-Dist: ipywidgets (>=7.5.1,<9)",
    );
    assert!(run(&ok).as_slice().is_empty(), "{:?}", run(&ok));
    assert_eq!(
        errors(&run(&with_body("Requires-Dist: foo >= >= 1"))),
        ["META-10"]
    );
    assert_eq!(
        errors(&run(&with_body(
            "Requires-Dist: foo @ https://example.org/foo.whl"
        ))),
        ["META-10"]
    );
    let undeclared = with_body("Requires-Dist: bar; extra == 'baz'");
    assert_eq!(ids(&run(&undeclared), Severity::Warning), ["META-10"]);
    assert_eq!(
        errors(&run(&with_body(
            "Provides-Dist: foo @ https://example.org/"
        ))),
        ["META-18"]
    );
}

#[test]
fn meta11_extras_t85() {
    let text = with_body("Provides-Extra: Foo_Bar").replace("2.4", "2.3");
    assert_eq!(errors(&run(&text)), ["META-11"]);
    let old = with_body("Provides-Extra: Foo_Bar").replace("2.4", "2.2");
    assert!(errors(&run(&old)).is_empty());
    assert_eq!(
        errors(&run(&with_body("Provides-Extra: a-b\nProvides-Extra: a-b"))),
        ["META-11"]
    );
}

#[test]
fn meta12_requires_python_vs_tags_t89() {
    let text = with_body("Requires-Python: >=3.10");
    let findings = run_with(&text, ArtifactKind::Wheel, Target::Pypi, &["cp39"]);
    assert_eq!(errors(&findings), ["META-12"]);
    let findings = run_with(&text, ArtifactKind::Wheel, Target::Pypi, &["cp311"]);
    assert!(findings.as_slice().is_empty());
    let findings = run_with(&text, ArtifactKind::Wheel, Target::Pypi, &["py2", "py3"]);
    assert_eq!(ids(&findings, Severity::Warning), ["META-12"]);
    assert_eq!(
        errors(&run(&with_body("Requires-Python: >=3.10; os_name == 'nt'"))),
        ["META-12"]
    );
    assert_eq!(
        errors(&run(&with_body("Requires-Python: >=banana"))),
        ["META-12"]
    );
}

#[test]
fn meta13_urls() {
    assert!(
        run(&with_body("Project-URL: Source, https://github.com/x/y"))
            .as_slice()
            .is_empty()
    );
    assert_eq!(
        errors(&run(&with_body(
            "Project-URL: Source https://github.com/x/y"
        ))),
        ["META-13"]
    );
    let long = format!("Project-URL: {}, https://x.org", "l".repeat(33));
    assert_eq!(errors(&run(&with_body(&long))), ["META-13"]);
    assert_eq!(
        errors(&run(&with_body("Project-URL: A, ftp://x.org"))),
        ["META-13"]
    );
    assert_eq!(
        errors(&run(&with_body(
            "Project-URL: A, https://x.org\nProject-URL: A, https://y.org"
        ))),
        ["META-13"]
    );
}

#[test]
fn meta14_emails() {
    let ok =
        with_body("Maintainer-email: Seth <seth@example.org>, \"Doe, J\" <j@x.co>, plain@x.org");
    assert!(run(&ok).as_slice().is_empty(), "{:?}", run(&ok));
    assert_eq!(
        errors(&run(&with_body("Author-email: Someone <nobody>"))),
        ["META-14"]
    );
}

#[test]
fn meta15_license_expression_t69_t71() {
    let findings = run(&with_body("License-Expression: mit"));
    assert_eq!(ids(&findings, Severity::Warning), ["META-15"]);
    assert!(findings.as_slice()[0].message.contains("expected `MIT`"));
    assert_eq!(
        ids(
            &run(&with_body("License-Expression: GPL-2.0")),
            Severity::Warning
        ),
        ["META-15"]
    );
    assert_eq!(
        errors(&run(&with_body("License-Expression: LicenseRef-My_Lic"))),
        ["META-15"]
    );
    assert_eq!(
        errors(&run(&with_body("License-Expression: MIT\nLicense: MIT"))),
        ["META-15"]
    );
}

#[test]
fn meta16_license_file_paths_t73() {
    for path in ["../LICENSE", "LIC*", "C:\\LICENSE", "/LICENSE", "a//b"] {
        let findings = run(&with_body(&format!("License-File: {path}")));
        assert_eq!(errors(&findings), ["META-16"], "{path}");
    }
    assert_eq!(
        errors(&run(&with_body("License-File: COPYING"))),
        ["META-16"]
    );
}

#[test]
fn ok_control_mv24_expression_and_license_file() {
    let findings = run(&with_body("License-Expression: MIT\nLicense-File: LICENSE"));
    assert!(findings.as_slice().is_empty(), "{findings:?}");
}

#[test]
fn meta17_dynamic_t87() {
    assert_eq!(errors(&run(&with_body("Dynamic: Version"))), ["META-17"]);
    assert_eq!(errors(&run(&with_body("Dynamic: Colour"))), ["META-17"]);
    let sdist = run_with(
        &with_body("Dynamic: Requires-Dist\nDynamic: license-file"),
        ArtifactKind::Sdist,
        Target::Pypi,
        &[],
    );
    assert!(sdist.as_slice().is_empty(), "{sdist:?}");
}

#[test]
fn meta19_import_names() {
    let empty = with_body("Import-Name:").replace("2.4", "2.5");
    assert!(run(&empty).as_slice().is_empty(), "{:?}", run(&empty));
    let ok = with_body("Import-Name: foo\nImport-Name: foo._impl; private\nImport-Namespace: ns")
        .replace("2.4", "2.5");
    assert!(run(&ok).as_slice().is_empty(), "{:?}", run(&ok));
    let bad = with_body("Import-Name: foo.class\nImport-Namespace: ns\nImport-Name: ns")
        .replace("2.4", "2.5");
    assert_eq!(errors(&run(&bad)), ["META-19", "META-19"]);
    assert_eq!(errors(&run(&with_body("Import-Name: foo"))), ["META-03"]);
}

#[test]
fn warn_meta20_deprecated_fields_and_keywords() {
    let findings = run(&with_body(
        "Home-page: https://x.org\nKeywords: a b c\nLicense: MIT",
    ));
    assert_eq!(
        ids(&findings, Severity::Warning),
        ["META-20", "META-20", "META-20"]
    );
}
