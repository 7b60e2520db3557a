//! Unit tests for the X-* and set-level FN-07 rules.

use super::*;
use crate::check::Severity;
use crate::metadata;

fn meta(text: &str) -> CoreMetadata {
    let mut findings = Findings::new(None);
    metadata::parse(text.as_bytes(), "METADATA", &mut findings).expect("test metadata parses")
}

fn artifact(filename: &str, text: &str, files: &[(&str, u8)]) -> ArtifactContents {
    ArtifactContents {
        filename: filename.to_owned(),
        kind: ArtifactKind::from_filename(filename),
        metadata: Some(meta(text)),
        files: files
            .iter()
            .map(|(p, b)| ((*p).to_owned(), [*b; 32]))
            .collect(),
        kept: Vec::new(),
    }
}

const SDIST_META: &str =
    "Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nSummary: Foo\nDynamic: Requires-Dist\n";
const WHEEL_META: &str =
    "Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nSummary: Foo\nRequires-Dist: bar>=1\n";

fn run(artifacts: &[ArtifactContents]) -> Vec<(&'static str, Severity, String)> {
    let mut findings = Findings::new(None);
    check_set(artifacts, Target::Pypi, &mut findings);
    findings
        .into_vec()
        .into_iter()
        .map(|f| (f.id.as_str(), f.severity, f.message))
        .collect()
}

fn ids(found: &[(&'static str, Severity, String)]) -> Vec<(&'static str, Severity)> {
    found.iter().map(|(id, s, _)| (*id, *s)).collect()
}

#[test]
fn ok_control_dynamic_field_filled_in_by_wheel() {
    let set = [
        artifact(
            "foo-1.0.tar.gz",
            SDIST_META,
            &[("foo/__init__.py", 1), ("PKG-INFO", 2)],
        ),
        artifact(
            "foo-1.0-py3-none-any.whl",
            WHEEL_META,
            &[("foo/__init__.py", 1), ("foo-1.0.dist-info/METADATA", 3)],
        ),
    ];
    assert!(run(&set).is_empty(), "{:?}", run(&set));
}

#[test]
fn err_x01_name_and_version_differ() {
    let set = [
        artifact("foo-1.0-py3-none-any.whl", WHEEL_META, &[]),
        artifact(
            "bar-1.1-py2-none-any.whl",
            &WHEEL_META.replace("foo", "bar").replace("1.0", "1.1"),
            &[],
        ),
    ];
    assert_eq!(
        ids(&run(&set)),
        [("X-01", Severity::Error), ("X-01", Severity::Error)]
    );
}

#[test]
fn ok_x01_name_spellings_normalize_equal() {
    let set = [
        artifact(
            "foo_bar-1.0-py3-none-any.whl",
            &WHEEL_META.replace("Name: foo", "Name: Foo.Bar"),
            &[],
        ),
        artifact(
            "foo_bar-1.0-py2-none-any.whl",
            &WHEEL_META
                .replace("Name: foo", "Name: foo_bar")
                .replace("1.0", "1.0.0"),
            &[],
        ),
    ];
    assert!(run(&set).is_empty(), "{:?}", run(&set));
}

#[test]
fn err_fn07_two_sdists_and_duplicate_tags() {
    let set = [
        artifact("foo-1.0.tar.gz", SDIST_META, &[]),
        artifact("foo-1.0.post0.tar.gz", SDIST_META, &[]),
    ];
    assert!(ids(&run(&set)).contains(&("FN-07", Severity::Error)));
    let sdists = run(&set);
    assert!(
        sdists
            .iter()
            .any(|(_, _, m)| m.contains("2 sdists") && m.contains("at most one")),
        "{sdists:?}"
    );
    let set = [
        artifact("foo-1.0-py3-none-any.whl", WHEEL_META, &[("foo/a.py", 1)]),
        artifact("foo-1.0-1-py3-none-any.whl", WHEEL_META, &[("foo/a.py", 2)]),
    ];
    assert_eq!(ids(&run(&set)), [("FN-07", Severity::Error)]);
    let tags = run(&set);
    assert!(tags[0].2.contains("same tags `py3-none-any`"), "{tags:?}");
}

#[test]
fn warn_x06_overlapping_tag_sets_with_different_files() {
    let set = [
        artifact(
            "foo-1.0-py2.py3-none-any.whl",
            WHEEL_META,
            &[("foo/a.py", 1)],
        ),
        artifact("foo-1.0-py3-none-any.whl", WHEEL_META, &[("foo/a.py", 2)]),
    ];
    assert_eq!(ids(&run(&set)), [("X-06", Severity::Warning)]);
}

#[test]
fn err_x02_static_field_changed_in_wheel() {
    let wheel = WHEEL_META.replace("Summary: Foo", "Summary: Something else");
    let set = [
        artifact("foo-1.0.tar.gz", SDIST_META, &[]),
        artifact("foo-1.0-py3-none-any.whl", &wheel, &[]),
    ];
    let found = run(&set);
    assert_eq!(ids(&found), [("X-02", Severity::Error)]);
    assert!(found[0].2.contains("`summary`"));
    // A field the sdist lacks and does not mark dynamic must not appear in the wheel.
    let wheel = format!("{WHEEL_META}Requires-Python: >=3.9\n");
    let set = [
        artifact("foo-1.0.tar.gz", SDIST_META, &[]),
        artifact("foo-1.0-py3-none-any.whl", &wheel, &[]),
    ];
    assert_eq!(ids(&run(&set)), [("X-02", Severity::Error)]);
}

#[test]
fn x02_dynamic_multi_use_field_may_only_append() {
    let sdist =
        "Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nDynamic: Classifier\nClassifier: A\n";
    let appended = "Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nClassifier: A\nClassifier: B\n";
    let replaced = "Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nClassifier: B\n";
    let ok = [
        artifact("foo-1.0.tar.gz", sdist, &[]),
        artifact("foo-1.0-py3-none-any.whl", appended, &[]),
    ];
    assert!(run(&ok).is_empty());
    let bad = [
        artifact("foo-1.0.tar.gz", sdist, &[]),
        artifact("foo-1.0-py3-none-any.whl", replaced, &[]),
    ];
    assert_eq!(ids(&run(&bad)), [("X-02", Severity::Error)]);
}

#[test]
fn err_x03_import_names_differ() {
    let a = "Metadata-Version: 2.5\nName: foo\nVersion: 1.0\nImport-Name: foo\n";
    let b = "Metadata-Version: 2.5\nName: foo\nVersion: 1.0\nImport-Name: foo\nImport-Name: foo_extra\n";
    let set = [
        artifact("foo-1.0-py3-none-any.whl", a, &[]),
        artifact("foo-1.0-cp312-cp312-win_amd64.whl", b, &[]),
    ];
    assert!(ids(&run(&set)).contains(&("X-03", Severity::Error)));
}

#[test]
fn warn_x04_and_info_x07() {
    let a = "Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nLicense-Expression: MIT\nRequires-Dist: bar\n";
    let b = "Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nLicense-Expression: MIT AND BSD-3-Clause\n";
    let set = [
        artifact("foo-1.0-py3-none-any.whl", a, &[]),
        artifact("foo-1.0-cp312-cp312-win_amd64.whl", b, &[]),
    ];
    let found = ids(&run(&set));
    assert!(found.contains(&("X-04", Severity::Warning)), "{found:?}");
    assert!(found.contains(&("X-07", Severity::Info)), "{found:?}");
}

#[test]
fn err_x05_pure_wheel_file_differs_from_sdist_t113() {
    let sdist = artifact(
        "foo-1.0.tar.gz",
        SDIST_META,
        &[
            ("src/foo/core.py", 1),
            ("foo/other.py", 4),
            ("foo/_version.py", 6),
        ],
    );
    let wheel = artifact(
        "foo-1.0-py3-none-any.whl",
        WHEEL_META,
        &[
            ("foo/core.py", 2),
            ("foo/other.py", 4),
            ("foo/_version.py", 7),
            ("foo/_miner.py", 9),
        ],
    );
    let found = run(&[sdist.clone(), wheel]);
    assert_eq!(
        ids(&found),
        [("X-05", Severity::Error), ("X-05", Severity::Warning)]
    );
    assert!(found[0].2.contains("`foo/core.py`"));
    // A platform wheel is not compared: compiled builds may rewrite sources.
    let native = artifact(
        "foo-1.0-cp312-cp312-win_amd64.whl",
        WHEEL_META,
        &[("foo/core.py", 2)],
    );
    assert!(run(&[sdist, native]).is_empty());
}
