//! Inputs that once made a fuzz target panic (kept in `fuzz/regressions/<target>/`) now run
//! through the same entry points without panicking. Runs without cargo-fuzz, on every test run.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use pyship_tests::corpus::workspace_root;
use pyship_verify::filename::{check_sdist_filename, check_wheel_filename};
use pyship_verify::metadata::{self, MetadataContext};
use pyship_verify::{ArtifactKind, Findings, Target, VerifyOptions, record, verify_bytes};

const OPTIONS: VerifyOptions<'static> = VerifyOptions {
    target: Target::Pypi,
    md5: false,
    renderer: None,
    reporter: None,
    source_date_epoch: None,
};

/// What each fuzz target does with its input (see `fuzz/fuzz_targets/`).
fn run_target(target: &str, data: &[u8]) {
    match target {
        "wheel" => drop(verify_bytes("foo-1.0-py3-none-any.whl", data, &OPTIONS)),
        "sdist" => drop(verify_bytes("foo-1.0.tar.gz", data, &OPTIONS)),
        "metadata" => run_metadata(data),
        "record" => drop(record::parse(
            data,
            "foo-1.0.dist-info/RECORD",
            &mut Findings::new(None),
        )),
        "filename" => {
            if let Ok(name) = std::str::from_utf8(data) {
                let mut findings = Findings::new(Some(name));
                let _ = check_wheel_filename(name, Target::Pypi, &mut findings);
                let _ = check_sdist_filename(name, &mut findings);
            }
        }
        other => panic!("`fuzz/regressions/{other}` names no fuzz target"),
    }
}

fn run_metadata(data: &[u8]) {
    let python_tags = ["py3".to_owned()];
    let has_license_file = |path: &str| path.starts_with('L');
    for (kind, member) in [
        (ArtifactKind::Wheel, "foo-1.0.dist-info/METADATA"),
        (ArtifactKind::Sdist, "foo-1.0/PKG-INFO"),
    ] {
        let mut findings = Findings::new(Some("foo"));
        let Some(parsed) = metadata::parse(data, member, &mut findings) else {
            continue;
        };
        let context = MetadataContext {
            kind,
            member,
            target: Target::Pypi,
            filename_name: Some("foo"),
            filename_version: Some("1.0"),
            python_tags: &python_tags,
            has_license_file: &has_license_file,
            renderer: None,
        };
        metadata::check(&parsed, &context, &mut findings);
    }
}

/// Every saved input, as (target, path).
fn saved_inputs() -> Vec<(String, PathBuf)> {
    let root = workspace_root().join("fuzz/regressions");
    let mut inputs = Vec::new();
    for target in fs::read_dir(&root).expect("fuzz/regressions exists") {
        let target = target.expect("listable").path();
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        for input in fs::read_dir(&target).expect("listable") {
            inputs.push((name.clone(), input.expect("listable").path()));
        }
    }
    inputs.sort();
    inputs
}

#[test]
fn ok_fuzz_regressions_do_not_panic() {
    let inputs = saved_inputs();
    assert!(!inputs.is_empty(), "fuzz/regressions holds saved inputs");
    let panicked: Vec<String> = inputs
        .iter()
        .filter(|(target, path)| {
            let data = fs::read(path).expect("readable");
            catch_unwind(AssertUnwindSafe(|| run_target(target, &data))).is_err()
        })
        .map(|(_, path)| path.display().to_string())
        .collect();
    assert!(panicked.is_empty(), "these inputs panic: {panicked:?}");
}
