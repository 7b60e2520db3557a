//! Unit tests for the FN-* file name rules.

use super::*;
use crate::check::Severity;

fn wheel(filename: &str, target: Target) -> (Option<WheelFilename>, Findings) {
    let mut findings = Findings::new(Some(filename));
    let parsed = check_wheel_filename(filename, target, &mut findings);
    (parsed, findings)
}

fn sdist(filename: &str) -> (Option<SdistFilename>, Findings) {
    let mut findings = Findings::new(Some(filename));
    let parsed = check_sdist_filename(filename, &mut findings);
    (parsed, findings)
}

fn ids(findings: &Findings, severity: Severity) -> Vec<&'static str> {
    findings
        .as_slice()
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.id.as_str())
        .collect()
}

#[test]
fn ok_plain_wheel_name() {
    let (parsed, findings) = wheel("foo_bar-1.0-py3-none-any.whl", Target::Pypi);
    assert!(findings.as_slice().is_empty(), "{findings:?}");
    let parsed = parsed.unwrap();
    assert_eq!(parsed.name, "foo_bar");
    assert_eq!(parsed.tag_triples().len(), 1);
}

#[test]
fn ok_compressed_manylinux_set() {
    let (parsed, findings) = wheel(
        "markupsafe-3.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        Target::Pypi,
    );
    assert!(findings.as_slice().is_empty(), "{findings:?}");
    assert_eq!(parsed.unwrap().platform.len(), 2);
}

#[test]
fn err_fn01_wrong_part_count_and_uppercase_suffix() {
    assert_eq!(
        ids(
            &wheel("foo-1.0-py3-any.whl", Target::Pypi).1,
            Severity::Error
        ),
        ["FN-01"]
    );
    assert_eq!(
        ids(
            &wheel("foo-1.0-py3-none-any.WHL", Target::Pypi).1,
            Severity::Error
        ),
        ["FN-01"]
    );
    assert_eq!(
        ids(
            &wheel("foo--1.0-py3-none-any.whl", Target::Pypi).1,
            Severity::Error
        ),
        ["FN-01"]
    );
}

#[test]
fn err_fn02_name_not_normalized() {
    let (_, findings) = wheel("Foo.Bar-1.0-py3-none-any.whl", Target::Pypi);
    assert_eq!(ids(&findings, Severity::Error), ["FN-02"]);
    assert!(findings.as_slice()[0].message.contains("`foo_bar`"));
}

#[test]
fn err_fn03_version_not_normalized_or_local() {
    let (_, findings) = wheel("foo-1.0.0-1.0.0-py3-none-any.whl", Target::Pypi);
    assert!(ids(&findings, Severity::Error).contains(&"FN-04"));
    let (_, findings) = wheel("foo-1.0rc-py3-none-any.whl", Target::Pypi);
    assert_eq!(ids(&findings, Severity::Error), ["FN-03"]);
    assert!(findings.as_slice()[0].message.contains("`1.0rc0`"));
    let (_, findings) = wheel("foo-1.0+abc-py3-none-any.whl", Target::Pypi);
    assert_eq!(ids(&findings, Severity::Error), ["FN-03"]);
    let (_, findings) = wheel("foo-1.0+abc-py3-none-any.whl", Target::Generic);
    assert!(findings.as_slice().is_empty());
}

#[test]
fn warn_fn04_build_tag() {
    let (parsed, findings) = wheel("foo-1.0-1-py3-none-any.whl", Target::Pypi);
    assert_eq!(ids(&findings, Severity::Warning), ["FN-04"]);
    assert_eq!(parsed.unwrap().build.as_deref(), Some("1"));
}

#[test]
fn fn05_tag_sets() {
    let (_, findings) = wheel("foo-1.0-py3.py2-none-any.whl", Target::Pypi);
    assert_eq!(ids(&findings, Severity::Warning), ["FN-05"]);
    let (_, findings) = wheel("foo-1.0-py3.py3-none-any.whl", Target::Pypi);
    assert_eq!(ids(&findings, Severity::Error), ["FN-05"]);
    let (_, findings) = wheel("foo-1.0-cp312-cp312-linux_x86_64.whl", Target::Pypi);
    assert_eq!(ids(&findings, Severity::Error), ["FN-05"]);
    let (_, findings) = wheel("foo-1.0-cp312-cp312-linux_x86_64.whl", Target::Generic);
    assert!(findings.as_slice().is_empty());
    let (_, findings) = wheel("foo-1.0-Py3-none-any.whl", Target::Generic);
    assert_eq!(ids(&findings, Severity::Error), ["FN-05"]);
}

#[test]
fn err_fn08_characters_and_length() {
    let (_, findings) = wheel("foo-1.0-py3-none-any\u{7}.whl", Target::Generic);
    assert!(ids(&findings, Severity::Error).contains(&"FN-08"));
    let (_, findings) = sdist("café-1.0.tar.gz");
    assert!(ids(&findings, Severity::Error).contains(&"FN-08"));
    let long = format!("{}-1.0-py3-none-any.whl", "a".repeat(240));
    let (_, findings) = wheel(&long, Target::Pypi);
    assert_eq!(ids(&findings, Severity::Error), ["FN-08"]);
}

#[test]
fn ok_sdist_name() {
    let (parsed, findings) = sdist("openslide_bin-4.0.0.9.tar.gz");
    assert!(findings.as_slice().is_empty(), "{findings:?}");
    assert_eq!(parsed.unwrap().version, "4.0.0.9");
}

#[test]
fn err_fn06_sdist_names_expected_filename() {
    // C05: PyPI answers 400 for this name; the message must name the expected one.
    let (parsed, findings) = sdist("openslide-bin-4.0.0.9.tar.gz");
    assert_eq!(ids(&findings, Severity::Error), ["FN-06"]);
    assert!(
        findings.as_slice()[0]
            .message
            .contains("`openslide_bin-4.0.0.9.tar.gz`")
    );
    assert_eq!(parsed.unwrap().name, "openslide-bin");
    let (_, findings) = sdist("MapProxy-3.1.3.tar.gz");
    assert!(
        findings.as_slice()[0]
            .message
            .contains("`mapproxy-3.1.3.tar.gz`")
    );
    let (_, findings) = sdist("foo-1.0.zip");
    assert_eq!(ids(&findings, Severity::Error), ["FN-06"]);
    let (_, findings) = sdist("foo-01.0.tar.gz");
    assert!(findings.as_slice()[0].message.contains("`foo-1.0.tar.gz`"));
}
