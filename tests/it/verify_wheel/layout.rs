//! Wheel layout and WHEEL cases: T53..T65 of verify-rules.md §4.4 and our own WHL-*/WHF-* cases.

use super::{assert_clean, assert_error, assert_warning, summary, verify, verify_named};
use pyship_tests::zipwriter::{BASELINE_WHEEL, WheelBuilder};
use pyship_verify::Severity;

const WHEEL: &str = "foo-1.0.dist-info/WHEEL";

fn with_wheel_file(text: &str) -> Vec<u8> {
    WheelBuilder::baseline()
        .file(WHEEL, text.as_bytes())
        .bytes()
}

#[test]
fn err_t51_file_name_version_not_metadata_version() {
    let findings = verify_named(
        "foo-1.0.0-py3-none-any.whl",
        &WheelBuilder::baseline()
            .with_dist_info("foo-1.0.0.dist-info")
            .bytes(),
    );
    // FN-03 owns the file name against METADATA; `Version: 1.0` itself is valid and canonical,
    // so META-05 has nothing to say. PyPI accepts this wheel (it compares by value).
    let ids: Vec<(&str, Severity)> = findings
        .iter()
        .filter(|f| matches!(f.id.as_str(), "FN-03" | "META-05"))
        .map(|f| (f.id.as_str(), f.severity))
        .collect();
    assert_eq!(ids, [("FN-03", Severity::Error)], "{}", summary(&findings));
    let message = &findings
        .iter()
        .find(|f| f.id.as_str() == "FN-03")
        .unwrap()
        .message;
    assert!(
        message.contains("`1.0.0`") && message.contains("`Version: 1.0`"),
        "{message}"
    );
}

#[test]
fn err_t53_dist_info_with_other_name() {
    let bytes = WheelBuilder::baseline()
        .with_dist_info("foobar-1.0.dist-info")
        .bytes();
    assert_error(&verify(&bytes), "WHL-01");
}

#[test]
fn err_t55_unknown_data_scheme() {
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.data/lib/x.txt", b"x\n")
        .bytes();
    assert_error(&verify(&bytes), "WHL-03");
}

#[test]
fn err_t57_root_is_purelib_capitalised() {
    let text = BASELINE_WHEEL.replace("Root-Is-Purelib: true", "Root-Is-Purelib: True");
    assert_error(&verify(&with_wheel_file(&text)), "WHF-03");
}

#[test]
fn err_t59_wheel_tags_differ_from_file_name() {
    let findings = verify_named(
        "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        &WheelBuilder::baseline().bytes(),
    );
    assert_error(&findings, "WHF-04");
}

/// pdm-backend and poetry-core write `Tag: py2.py3-none-any` for a `py2.py3` wheel: the same
/// set, compressed, so a warning; a compressed set that differs is still an error.
#[test]
fn warn_whf04_compressed_tag_line_of_the_same_set() {
    let name = "foo-1.0-py2.py3-none-any.whl";
    let text = BASELINE_WHEEL.replace("Tag: py3-none-any", "Tag: py2.py3-none-any");
    let findings = verify_named(name, &with_wheel_file(&text));
    assert_warning(&findings, "WHF-04");
    assert!(
        !findings
            .iter()
            .any(|f| f.id.as_str() == "WHF-04" && f.severity == Severity::Error),
        "{findings:#?}"
    );
    let expanded =
        BASELINE_WHEEL.replace("Tag: py3-none-any", "Tag: py2-none-any\nTag: py3-none-any");
    let findings = verify_named(name, &with_wheel_file(&expanded));
    assert!(
        !findings.iter().any(|f| f.id.as_str() == "WHF-04"),
        "{findings:#?}"
    );
    let other = BASELINE_WHEEL.replace("Tag: py3-none-any", "Tag: py2.py3-none-win32");
    assert_error(&verify_named(name, &with_wheel_file(&other)), "WHF-04");
}

#[test]
fn err_t65_entry_point_names() {
    let path = "foo-1.0.dist-info/entry_points.txt";
    let traversal = "[console_scripts]\n../../bin/evil = foo:main\n";
    let bytes = WheelBuilder::baseline()
        .file(path, traversal.as_bytes())
        .bytes();
    assert_error(&verify(&bytes), "WHL-09");
    let duplicate = "[console_scripts]\nfoo = foo:main\nfoo = foo:other\n";
    let bytes = WheelBuilder::baseline()
        .file(path, duplicate.as_bytes())
        .bytes();
    assert_error(&verify(&bytes), "WHL-09");
}

#[test]
fn ok_entry_points_are_clean() {
    let text = "[console_scripts]\nfoo = foo:main\nfoo-cli = foo.cli:run [color]\n\n\
                [foo.plugins]\nbar = foo.bar\n";
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.dist-info/entry_points.txt", text.as_bytes())
        .bytes();
    assert_clean(&verify(&bytes), &["WHL"]);
}

#[test]
fn err_two_dist_info_directories() {
    let bytes = WheelBuilder::baseline()
        .file("bar-2.0.dist-info/METADATA", b"Name: bar\n")
        .bytes();
    assert_error(&verify(&bytes), "WHL-01");
}

#[test]
fn err_file_directly_under_data() {
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.data/stray.txt", b"x\n")
        .bytes();
    assert_error(&verify(&bytes), "WHL-03");
}

#[test]
fn err_scripts_subdirectory() {
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.data/scripts/sub/run", b"#!python\n")
        .bytes();
    assert_error(&verify(&bytes), "WHL-04");
}

#[test]
fn warn_script_with_build_machine_shebang() {
    let bytes = WheelBuilder::baseline()
        .file(
            "foo-1.0.data/scripts/run",
            b"#!/usr/bin/python3\nprint(1)\n",
        )
        .bytes();
    assert_warning(&verify(&bytes), "WHL-04");
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.data/scripts/run", b"#!python\nprint(1)\n")
        .bytes();
    assert_clean(&verify(&bytes), &["WHL"]);
}

#[test]
fn err_purelib_root_with_data_purelib() {
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.data/purelib/foo/extra.py", b"X = 1\n")
        .bytes();
    assert_error(&verify(&bytes), "WHL-05");
}

#[test]
fn err_missing_wheel_and_metadata_files() {
    let bytes = WheelBuilder::baseline().without(WHEEL).bytes();
    assert_error(&verify(&bytes), "WHL-02");
    let bytes = WheelBuilder::baseline()
        .without("foo-1.0.dist-info/METADATA")
        .bytes();
    assert_error(&verify(&bytes), "WHL-02");
}

#[test]
fn warn_installer_files_in_dist_info() {
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.dist-info/INSTALLER", b"pip\n")
        .bytes();
    assert_warning(&verify(&bytes), "WHL-06");
}

#[test]
fn warn_unreserved_dist_info_subdirectory() {
    let bytes = WheelBuilder::baseline()
        .file("foo-1.0.dist-info/extras/notes.txt", b"x\n")
        .bytes();
    assert_warning(&verify(&bytes), "WHL-07");
}

#[test]
fn warn_compiled_bytecode() {
    let bytes = WheelBuilder::baseline()
        .file("foo/__pycache__/a.cpython-311.pyc", b"\x00\x01")
        .bytes();
    assert_warning(&verify(&bytes), "WHL-10");
}

#[test]
fn err_duplicate_wheel_version_header() {
    let text = format!("{BASELINE_WHEEL}Wheel-Version: 2.0\n");
    assert_error(&verify(&with_wheel_file(&text)), "WHF-01");
}

#[test]
fn err_wheel_version_two() {
    let text = BASELINE_WHEEL.replace("Wheel-Version: 1.0", "Wheel-Version: 2.0");
    assert_error(&verify(&with_wheel_file(&text)), "WHF-02");
}

#[test]
fn err_wheel_body_after_headers() {
    let text = format!("{BASELINE_WHEEL}\nsome body\n");
    assert_error(&verify(&with_wheel_file(&text)), "WHF-01");
}

#[test]
fn err_build_header_without_build_tag() {
    let text = format!("{BASELINE_WHEEL}Build: 1\n");
    assert_error(&verify(&with_wheel_file(&text)), "WHF-05");
}

#[test]
fn warn_missing_generator() {
    let text = BASELINE_WHEEL.replace("Generator: pyship-tests\n", "");
    assert_warning(&verify(&with_wheel_file(&text)), "WHF-06");
}

const METADATA_WITH_LICENSE: &str = "Metadata-Version: 2.4\nName: foo\nVersion: 1.0\n\
    Summary: A baseline test wheel\nDescription-Content-Type: text/plain\n\
    License-Expression: MIT\nLicense-File: LICENSE\n\nfoo\n";

fn with_license_metadata() -> WheelBuilder {
    WheelBuilder::baseline().file(
        "foo-1.0.dist-info/METADATA",
        METADATA_WITH_LICENSE.as_bytes(),
    )
}

#[test]
fn ok_declared_license_file_present() {
    let bytes = with_license_metadata()
        .file("foo-1.0.dist-info/licenses/LICENSE", b"MIT License\n")
        .bytes();
    assert_clean(&verify(&bytes), &["WHL", "META"]);
}

#[test]
fn err_declared_license_file_missing() {
    let findings = verify(&with_license_metadata().bytes());
    // WHL-08's presence rule is checked by the metadata rules, under META-16.
    assert!(
        findings.iter().any(|f| matches!(f.id.as_str(), "WHL-08" | "META-16")
            && f.severity == Severity::Error),
        "{}",
        summary(&findings)
    );
}

#[test]
fn warn_undeclared_license_file() {
    let bytes = with_license_metadata()
        .file("foo-1.0.dist-info/licenses/LICENSE", b"MIT License\n")
        .file("foo-1.0.dist-info/licenses/EXTRA", b"more\n")
        .bytes();
    assert_warning(&verify(&bytes), "WHL-08");
}

/// The WHL-07 findings of the baseline wheel with `foo-1.0.dist-info/sboms/{name}` = `content`.
fn sbom_findings(name: &str, content: &str) -> Vec<(Severity, String)> {
    let path = format!("foo-1.0.dist-info/sboms/{name}");
    let findings = verify(
        &WheelBuilder::baseline()
            .file(&path, content.as_bytes())
            .bytes(),
    );
    findings
        .into_iter()
        .filter(|f| f.id.as_str() == "WHL-07")
        .map(|f| (f.severity, f.message))
        .collect()
}

#[test]
fn ok_whl07_spdx_and_cyclonedx_sboms() {
    let spdx = r#"{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "foo", "packages": []}"#;
    assert!(sbom_findings("foo.spdx.json", spdx).is_empty());
    let cyclonedx =
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}"#;
    assert!(sbom_findings("foo.cdx.json", cyclonedx).is_empty());
}

#[test]
fn warn_whl07_sbom_not_spdx_or_cyclonedx() {
    for (content, says) in [
        (
            "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n",
            "does not parse as JSON",
        ),
        (
            r#"{"name": "foo", "components": []}"#,
            "neither `spdxVersion` nor `bomFormat`",
        ),
        (
            r#"{"bomFormat": "cyclonedx", "specVersion": "1.6"}"#,
            "not `\"CycloneDX\"`",
        ),
    ] {
        let found = sbom_findings("foo.json", content);
        assert_eq!(found.len(), 1, "{content}: {found:?}");
        assert_eq!(found[0].0, Severity::Warning);
        assert!(
            found[0].1.contains(says) && found[0].1.contains("sboms/foo.json"),
            "{content}: {}",
            found[0].1
        );
    }
}

/// The WHL-10 warnings on `bytes` (and that WHL-10 never errs).
fn whl10(bytes: &[u8]) -> Vec<String> {
    let findings = verify(bytes);
    assert!(
        !findings
            .iter()
            .any(|f| f.id.as_str() == "WHL-10" && f.severity == Severity::Error),
        "{}",
        summary(&findings)
    );
    findings
        .iter()
        .filter(|f| f.id.as_str() == "WHL-10")
        .map(|f| format!("{}: {}", f.member.as_deref().unwrap_or("-"), f.message))
        .collect()
}

#[test]
fn warn_whl10_w002_duplicate_contents_but_not_empty_files() {
    let bytes = WheelBuilder::baseline()
        .file("foo/a.py", b"VALUE = 7\n")
        .file("foo/b.py", b"VALUE = 7\n")
        .file("foo/empty1.py", b"")
        .file("foo/empty2.py", b"")
        .bytes();
    assert_eq!(
        whl10(&bytes),
        ["foo/b.py: same content as `foo/a.py` (W002)"]
    );
}

#[test]
fn warn_whl10_w005_common_toplevel_name_once_per_name() {
    let bytes = WheelBuilder::baseline()
        .file("tests/__init__.py", b"")
        .file("tests/test_foo.py", b"def test(): pass\n")
        .file("foo/tests/test_inner.py", b"def test_inner(): pass\n")
        .bytes();
    assert_eq!(
        whl10(&bytes),
        ["tests/__init__.py: common top-level name `tests` clobbers other distributions (W005)"]
    );
}

#[test]
fn warn_whl10_w006_toplevel_init_py() {
    let bytes = WheelBuilder::baseline().file("__init__.py", b"").bytes();
    assert_eq!(
        whl10(&bytes),
        ["__init__.py: top-level `__init__.py` (W006)"]
    );
}
