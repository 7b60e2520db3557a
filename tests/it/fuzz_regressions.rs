//! Inputs that once made a fuzz target panic (kept in `fuzz/regressions/<target>/`) now run
//! through the same entry points without panicking. Runs without cargo-fuzz, on every test run.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use pyship_tests::corpus::workspace_root;
use pyship_verify::cross::ArtifactContents;
use pyship_verify::filename::{check_sdist_filename, check_wheel_filename};
use pyship_verify::metadata::{self, MetadataContext};
use pyship_verify::provenance::{ReleaseCommit, check_sdist_against_commit, pyproject};
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
        "provenance" => run_provenance(data),
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

/// Three texts split at NUL bytes: `PKG-INFO`, `pyproject.toml`, `setup.cfg`; each committed
/// copy differs in its first byte (`fuzz/fuzz_targets/provenance.rs`).
fn run_provenance(data: &[u8]) {
    let mut parts = data.splitn(3, |byte| *byte == 0);
    let pkg_info = parts.next().unwrap_or_default();
    let pyproject_toml = parts.next().unwrap_or_default();
    let setup_cfg = parts.next().unwrap_or_default();
    let files = vec![
        ("README.md".to_owned(), [1; 32]),
        ("LICENSE".to_owned(), [2; 32]),
        ("setup.cfg".to_owned(), [3; 32]),
        ("PKG-INFO".to_owned(), [4; 32]),
        ("pyproject.toml".to_owned(), [5; 32]),
        (".gitignore".to_owned(), [1; 32]),
    ];
    let mut findings = Findings::new(Some("foo-1.0.tar.gz"));
    let metadata = metadata::parse(pkg_info, "PKG-INFO", &mut findings);
    if let Some(metadata) = &metadata {
        let kept = vec![("README.md".to_owned(), setup_cfg.to_vec())];
        let text = String::from_utf8_lossy(pyproject_toml);
        drop(pyproject::compare(metadata, &text, &files, &kept));
    }
    let flipped = |bytes: &[u8]| {
        let mut bytes = bytes.to_vec();
        if let Some(first) = bytes.first_mut() {
            *first ^= 1;
        }
        bytes
    };
    let sdist = ArtifactContents {
        filename: "foo-1.0.tar.gz".to_owned(),
        kind: ArtifactKind::Sdist,
        metadata,
        files,
        kept: vec![
            ("PKG-INFO".to_owned(), pkg_info.to_vec()),
            ("pyproject.toml".to_owned(), pyproject_toml.to_vec()),
            ("setup.cfg".to_owned(), setup_cfg.to_vec()),
        ],
    };
    let tree = vec![
        ("setup.cfg".to_owned(), [9; 32]),
        ("pyproject.toml".to_owned(), [9; 32]),
    ];
    let rewritten = vec![
        ("setup.cfg".to_owned(), flipped(setup_cfg)),
        ("pyproject.toml".to_owned(), flipped(pyproject_toml)),
    ];
    let commit = ReleaseCommit {
        files: &tree,
        rewritten: &rewritten,
        parent_gitignores: &[[1; 32]],
    };
    check_sdist_against_commit(&sdist, &commit, "1.0", &mut findings);
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
