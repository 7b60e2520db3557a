//! Fuzz target: PROV-02's judges of generated files. The input is three texts split at NUL
//! bytes: a `PKG-INFO`, a `pyproject.toml` and a `setup.cfg` (the last also stands for the
//! committed one, changed by one byte, so the configparser-style comparison runs). No input may
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyship_verify::cross::ArtifactContents;
use pyship_verify::metadata::parse;
use pyship_verify::provenance::{ReleaseCommit, check_sdist_against_commit, pyproject};
use pyship_verify::{ArtifactKind, Findings};

fuzz_target!(|data: &[u8]| {
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
    let metadata = parse(pkg_info, "PKG-INFO", &mut findings);
    if let Some(metadata) = &metadata {
        let kept = vec![("README.md".to_owned(), setup_cfg.to_vec())];
        let _ = pyproject::compare(
            metadata,
            &String::from_utf8_lossy(pyproject_toml),
            &files,
            &kept,
        );
    }
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
    let mut committed = setup_cfg.to_vec();
    if let Some(first) = committed.first_mut() {
        *first ^= 1;
    }
    let tree = vec![
        ("setup.cfg".to_owned(), [9; 32]),
        ("pyproject.toml".to_owned(), [9; 32]),
    ];
    // The committed pyproject.toml: the input's, its first byte changed too.
    let mut committed_pyproject = pyproject_toml.to_vec();
    if let Some(first) = committed_pyproject.first_mut() {
        *first ^= 1;
    }
    let rewritten = vec![
        ("setup.cfg".to_owned(), committed),
        ("pyproject.toml".to_owned(), committed_pyproject),
    ];
    let commit = ReleaseCommit {
        files: &tree,
        rewritten: &rewritten,
        parent_gitignores: &[[1; 32]],
    };
    check_sdist_against_commit(&sdist, &commit, "1.0", &mut findings);
});
