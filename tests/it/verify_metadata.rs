//! Metadata, file name, path, content and cross-artifact rules, end to end through
//! `verify_bytes` on wheels built byte by byte (catalogue cases T69..T89, T113..T117).

use pyship_tests::zipwriter::{BASELINE_FILENAME, WheelBuilder};
use pyship_verify::cross::{ArtifactContents, check_set};
use pyship_verify::{ArtifactKind, Findings, Severity, Target, VerifyOptions, verify_bytes};

const METADATA: &str = "foo-1.0.dist-info/METADATA";

fn options(target: Target) -> VerifyOptions<'static> {
    VerifyOptions {
        target,
        md5: false,
        renderer: None,
        reporter: None,
        source_date_epoch: None,
    }
}

/// METADATA with the baseline fields plus `extra` headers, at Metadata-Version `mv`.
fn metadata(mv: &str, extra: &str) -> String {
    format!(
        "Metadata-Version: {mv}\nName: foo\nVersion: 1.0\nSummary: A test wheel\n\
         Description-Content-Type: text/plain\n{extra}\nfoo\n"
    )
}

fn verify_wheel(
    filename: &str,
    wheel: &WheelBuilder,
    target: Target,
) -> (Vec<(String, Severity)>, ArtifactContents) {
    let (report, contents) = verify_bytes(filename, &wheel.bytes(), &options(target));
    let found = report
        .findings
        .iter()
        .map(|f| (f.id.as_str().to_owned(), f.severity))
        .collect();
    (found, contents)
}

fn with_metadata(text: &str) -> WheelBuilder {
    WheelBuilder::baseline().file(METADATA, text.as_bytes())
}

fn errors_of(found: &[(String, Severity)]) -> Vec<&str> {
    found
        .iter()
        .filter(|(_, s)| *s == Severity::Error)
        .map(|(id, _)| id.as_str())
        .collect()
}

fn warnings_of(found: &[(String, Severity)]) -> Vec<&str> {
    found
        .iter()
        .filter(|(_, s)| *s == Severity::Warning)
        .map(|(id, _)| id.as_str())
        .collect()
}

fn meta_errors(extra: &str, mv: &str) -> Vec<String> {
    let (found, _) = verify_wheel(
        BASELINE_FILENAME,
        &with_metadata(&metadata(mv, extra)),
        Target::Pypi,
    );
    errors_of(&found).into_iter().map(str::to_owned).collect()
}

#[test]
fn ok_baseline_wheel_is_clean() {
    let (found, contents) =
        verify_wheel(BASELINE_FILENAME, &WheelBuilder::baseline(), Target::Pypi);
    assert!(errors_of(&found).is_empty(), "{found:?}");
    assert_eq!(contents.metadata.unwrap().name(), Some("foo"));
}

#[test]
fn ok_control_mv24_license_expression_and_license_file() {
    let wheel = with_metadata(&metadata(
        "2.4",
        "License-Expression: MIT\nLicense-File: LICENSE\n",
    ))
    .file("foo-1.0.dist-info/licenses/LICENSE", b"MIT License\n");
    let (found, _) = verify_wheel(BASELINE_FILENAME, &wheel, Target::Pypi);
    assert!(errors_of(&found).is_empty(), "{found:?}");
    assert!(warnings_of(&found).is_empty(), "{found:?}");
}

#[test]
fn ok_control_mv25_empty_import_name() {
    let (found, _) = verify_wheel(
        BASELINE_FILENAME,
        &with_metadata(&metadata("2.5", "Import-Name:\n")),
        Target::Pypi,
    );
    assert!(errors_of(&found).is_empty(), "{found:?}");
    assert!(warnings_of(&found).is_empty(), "{found:?}");
}

#[test]
fn t69_license_expression_case_deprecated_and_licenseref() {
    let (found, _) = verify_wheel(
        BASELINE_FILENAME,
        &with_metadata(&metadata("2.4", "License-Expression: mit\n")),
        Target::Pypi,
    );
    assert_eq!(warnings_of(&found), ["META-15"]);
    let (found, _) = verify_wheel(
        BASELINE_FILENAME,
        &with_metadata(&metadata("2.4", "License-Expression: GPL-2.0\n")),
        Target::Pypi,
    );
    assert_eq!(warnings_of(&found), ["META-15"]);
    assert_eq!(
        meta_errors("License-Expression: LicenseRef-My_Lic\n", "2.4"),
        ["META-15"]
    );
}

#[test]
fn err_t71_license_and_license_expression() {
    assert_eq!(
        meta_errors("License: MIT\nLicense-Expression: MIT\n", "2.4"),
        ["META-15"]
    );
}

#[test]
fn err_t73_license_file_paths() {
    for path in ["../LICENSE", "LIC*", "C:\\LICENSE"] {
        assert_eq!(
            meta_errors(&format!("License-File: {path}\n"), "2.4"),
            ["META-16"],
            "{path}"
        );
    }
}

#[test]
fn err_t75_local_version_for_pypi_only() {
    let text = metadata("2.1", "").replace("Version: 1.0", "Version: 1.0+local");
    let wheel = with_metadata(&text).with_dist_info("foo-1.0+local.dist-info");
    let (found, _) = verify_wheel("foo-1.0+local-py3-none-any.whl", &wheel, Target::Pypi);
    assert!(errors_of(&found).contains(&"META-05"), "{found:?}");
    assert!(errors_of(&found).contains(&"FN-03"), "{found:?}");
    let (found, _) = verify_wheel("foo-1.0+local-py3-none-any.whl", &wheel, Target::Generic);
    assert!(errors_of(&found).is_empty(), "{found:?}");
}

#[test]
fn t77_metadata_version_26_by_target() {
    let wheel = with_metadata(&metadata("2.6", ""));
    let (found, _) = verify_wheel(BASELINE_FILENAME, &wheel, Target::Pypi);
    assert_eq!(errors_of(&found), ["META-02"]);
    let (found, _) = verify_wheel(BASELINE_FILENAME, &wheel, Target::Generic);
    assert!(errors_of(&found).is_empty(), "{found:?}");
}

#[test]
fn err_t79_description_header_and_body() {
    assert_eq!(
        meta_errors("Description: in the header\n", "2.1"),
        ["META-01"]
    );
}

#[test]
fn err_t81_description_content_type_parameters() {
    let latin = metadata("2.1", "").replace("text/plain", "text/markdown; charset=latin-1");
    let (found, _) = verify_wheel(BASELINE_FILENAME, &with_metadata(&latin), Target::Pypi);
    assert_eq!(errors_of(&found), ["META-07"]);
    let variant = metadata("2.1", "").replace("text/plain", "text/markdown; variant=Commonmark");
    let (found, _) = verify_wheel(BASELINE_FILENAME, &with_metadata(&variant), Target::Pypi);
    assert_eq!(errors_of(&found), ["META-07"]);
}

#[test]
fn err_t83_classifier_with_double_space() {
    assert_eq!(
        meta_errors("Classifier: Development Status ::  4 - Beta\n", "2.1"),
        ["META-09"]
    );
    assert!(meta_errors("Classifier: Development Status :: 4 - Beta\n", "2.1").is_empty());
}

#[test]
fn err_t85_unnormalized_extra_under_mv23() {
    assert_eq!(meta_errors("Provides-Extra: Foo_Bar\n", "2.3"), ["META-11"]);
}

#[test]
fn err_t87_dynamic_version() {
    assert_eq!(meta_errors("Dynamic: Version\n", "2.2"), ["META-17"]);
}

#[test]
fn err_t89_requires_python_excludes_wheel_tag() {
    let text = metadata("2.1", "Requires-Python: >=3.10\n");
    let wheel = with_metadata(&text).file(
        "foo-1.0.dist-info/WHEEL",
        b"Wheel-Version: 1.0\nGenerator: pyship-tests\nRoot-Is-Purelib: true\nTag: cp39-none-any\n",
    );
    let (found, _) = verify_wheel("foo-1.0-cp39-none-any.whl", &wheel, Target::Pypi);
    assert!(errors_of(&found).contains(&"META-12"), "{found:?}");
}

#[test]
fn err_fn02_wheel_name_not_normalized() {
    let wheel = WheelBuilder::baseline().with_dist_info("Foo-1.0.dist-info");
    let (found, _) = verify_wheel("Foo-1.0-py3-none-any.whl", &wheel, Target::Pypi);
    assert!(errors_of(&found).contains(&"FN-02"), "{found:?}");
}

#[test]
fn err_meta04_name_differs_from_file_name() {
    let text = metadata("2.1", "").replace("Name: foo", "Name: widgetastic");
    let (found, _) = verify_wheel(BASELINE_FILENAME, &with_metadata(&text), Target::Pypi);
    assert!(errors_of(&found).contains(&"META-04"), "{found:?}");
}

#[test]
fn err_path_member_names() {
    let wheel = WheelBuilder::baseline()
        .file("foo/con.py", b"")
        .file("foo/cafe\u{301}.txt", b"");
    let (found, _) = verify_wheel(BASELINE_FILENAME, &wheel, Target::Pypi);
    let errors = errors_of(&found);
    assert!(
        errors.contains(&"PATH-05") && errors.contains(&"PATH-03"),
        "{found:?}"
    );
}

#[test]
fn err_t115_pypi_token_in_member() {
    let secret = format!("TOKEN = 'pypi-AgEIcHlwaS5vcmc{}'\n", "a1B2_-".repeat(10));
    let wheel = WheelBuilder::baseline().file("foo/settings.py", secret.as_bytes());
    let (found, _) = verify_wheel(BASELINE_FILENAME, &wheel, Target::Pypi);
    assert_eq!(errors_of(&found), ["SEC-02"]);
}

#[test]
fn err_t117_sourcedefender_file() {
    let wheel = WheelBuilder::baseline().file(
        "foo/x.pye",
        b"---BEGIN PYE FILE---\nAAAA\n---END PYE FILE---\n",
    );
    let (found, _) = verify_wheel(BASELINE_FILENAME, &wheel, Target::Pypi);
    assert_eq!(errors_of(&found), ["SEC-03"]);
}

#[test]
fn err_sec01_pth_with_import_line() {
    let wheel = WheelBuilder::baseline().file("foo_init.pth", b"import os; os.system('id')\n");
    let (found, _) = verify_wheel(BASELINE_FILENAME, &wheel, Target::Pypi);
    assert_eq!(errors_of(&found), ["SEC-01"]);
    assert!(warnings_of(&found).contains(&"SEC-01"));
}

fn sdist_contents(files: &[(&str, [u8; 32])], metadata: &ArtifactContents) -> ArtifactContents {
    ArtifactContents {
        filename: "foo-1.0.tar.gz".to_owned(),
        kind: ArtifactKind::Sdist,
        metadata: metadata.metadata.clone(),
        files: files.iter().map(|(p, d)| ((*p).to_owned(), *d)).collect(),
        kept: Vec::new(),
    }
}

#[test]
fn err_t113_pure_wheel_file_differs_from_sdist() {
    let wheel = WheelBuilder::baseline().file("foo/core.py", b"def run():\n    mine()\n");
    let (_, contents) = verify_wheel(BASELINE_FILENAME, &wheel, Target::Pypi);
    let sdist = sdist_contents(&[("foo/core.py", [7; 32])], &contents);
    let mut findings = Findings::new(None);
    check_set(&[sdist, contents.clone()], Target::Pypi, &mut findings);
    let ids: Vec<&str> = findings.as_slice().iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["X-05"]);
    // The same bytes in the sdist pass.
    let digest = contents
        .files
        .iter()
        .find(|(p, _)| p == "foo/core.py")
        .unwrap()
        .1;
    let sdist = sdist_contents(&[("src/foo/core.py", digest)], &contents);
    let mut findings = Findings::new(None);
    check_set(&[sdist, contents], Target::Pypi, &mut findings);
    assert!(findings.as_slice().is_empty(), "{:?}", findings.as_slice());
}

#[test]
fn err_fn07_two_wheels_with_same_tags() {
    let (_, a) = verify_wheel(BASELINE_FILENAME, &WheelBuilder::baseline(), Target::Pypi);
    let (_, b) = verify_wheel(
        "foo-1.0-1-py3-none-any.whl",
        &WheelBuilder::baseline().file("foo/x.py", b"x"),
        Target::Pypi,
    );
    let mut findings = Findings::new(None);
    check_set(&[a, b], Target::Pypi, &mut findings);
    assert!(
        findings.has(pyship_verify::CheckId("FN-07")),
        "{:?}",
        findings.as_slice()
    );
}
