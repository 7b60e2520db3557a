//! Every real PyPI artifact of the pinned corpus verifies with no error, alone, with its release
//! and in one run with all the others; each warning on them is listed here with why it is right.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use pyship_tests::corpus::{PINNED, corpus};
use pyship_verify::{ArtifactKind, Finding, Report, Severity, Target, VerifyOptions, verify_files};

/// The warnings the corpus is expected to raise, as (artifact, check id). Nothing else may warn.
const EXPECTED_WARNINGS: &[(&str, &str)] = &[
    // ZIP-15: these wheels carry directory entries (`markupsafe/`, `yaml/`, `*.dist-info/`);
    // harmless when empty, but the catalogue prefers none at all.
    (
        "markupsafe-3.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
        "ZIP-15",
    ),
    (
        "pyyaml-6.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
        "ZIP-15",
    ),
    // ZIP-14: `certifi/tests/test_certify.py` is stored with mode 0755, though it is neither a
    // script nor a native library.
    ("certifi-2026.10.19.post1-py3-none-any.whl", "ZIP-14"),
    // FN-05: maturin writes the platform tag set unsorted (`manylinux_2_17_x86_64` before
    // `manylinux2014_x86_64`); PyPI accepts it, the compressed-tag-set spec asks for sorted.
    (
        "orjson-3.13.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "FN-05",
    ),
    // META-07: no `Description-Content-Type`; twine warns too, the description is read as reST.
    ("certifi-2026.10.19.post1-py3-none-any.whl", "META-07"),
    (
        "pyyaml-6.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
        "META-07",
    ),
    ("six-1.16.0-py2.py3-none-any.whl", "META-07"),
    ("pyyaml-6.0.4.tar.gz", "META-07"),
    // META-08: reST descriptions, and these tests run without a renderer (readme_renderer), so
    // the description is reported as not checked.
    ("certifi-2026.10.19.post1-py3-none-any.whl", "META-08"),
    ("packaging-26.4-py3-none-any.whl", "META-08"),
    ("pluggy-1.7.0-py3-none-any.whl", "META-08"),
    (
        "pyyaml-6.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
        "META-08",
    ),
    ("six-1.16.0-py2.py3-none-any.whl", "META-08"),
    ("packaging-26.4.tar.gz", "META-08"),
    ("pluggy-1.7.0.tar.gz", "META-08"),
    ("pyyaml-6.0.4.tar.gz", "META-08"),
    ("six-1.16.0.tar.gz", "META-08"),
    // META-09: `License ::` classifiers next to `License-Expression` (redundant, still accepted).
    (
        "orjson-3.13.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "META-09",
    ),
    // META-03: setuptools' legacy `License-File` under Metadata-Version 2.1 (C01: warn, ignore).
    ("requests-2.32.3-py3-none-any.whl", "META-03"),
    ("requests-2.32.3.tar.gz", "META-03"),
    // META-02: sdists published before PEP 643 declare Metadata-Version < 2.2; PyPI accepts them.
    ("requests-2.32.3.tar.gz", "META-02"),
    ("six-1.16.0.tar.gz", "META-02"),
    // SEC-05: packaging's sdist ships ELF test binaries (`tests/manylinux/hello-world-*`) under
    // names without a binary suffix; prebuilt binaries in an sdist are a warning.
    ("packaging-26.4.tar.gz", "SEC-05"),
    // SEC-02: requests' sdist ships throwaway TLS keys under `tests/certs/`; a PEM private key in
    // a test tree is reported as a likely fixture, not an error.
    ("requests-2.32.3.tar.gz", "SEC-02"),
    // META-20: deprecated fields the spec says tools should warn about (`Home-page`,
    // `Download-URL`, `License` under 2.4).
    ("certifi-2026.10.19.post1-py3-none-any.whl", "META-20"),
    ("pluggy-1.7.0-py3-none-any.whl", "META-20"),
    (
        "pyyaml-6.0.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
        "META-20",
    ),
    ("requests-2.32.3-py3-none-any.whl", "META-20"),
    ("rich-15.0.0-py3-none-any.whl", "META-20"),
    ("six-1.16.0-py2.py3-none-any.whl", "META-20"),
    ("pluggy-1.7.0.tar.gz", "META-20"),
    ("pyyaml-6.0.4.tar.gz", "META-20"),
    ("requests-2.32.3.tar.gz", "META-20"),
    ("six-1.16.0.tar.gz", "META-20"),
    // SD-06: tar members owned by the build machine's user (`runner`, `travis`, ...) rather than
    // uid/gid 0 with empty names, so the sdist is not reproducible; six also ships 0664/0775.
    ("markupsafe-3.0.4.tar.gz", "SD-06"),
    ("pluggy-1.7.0.tar.gz", "SD-06"),
    ("pyyaml-6.0.4.tar.gz", "SD-06"),
    ("requests-2.32.3.tar.gz", "SD-06"),
    ("six-1.16.0.tar.gz", "SD-06"),
    // SD-08: legacy sdists (PKG-INFO < 2.2) predate the pyproject.toml requirement: six has none,
    // requests has one without `[build-system]`. For sdists declaring 2.2+ this is an error.
    ("requests-2.32.3.tar.gz", "SD-08"),
    ("six-1.16.0.tar.gz", "SD-08"),
    // SD-11: pyyaml ships `packaging/__pycache__`, a tool cache that belongs in no sdist.
    ("pyyaml-6.0.4.tar.gz", "SD-11"),
    // SEC-04: requests' setup.py has a `python setup.py publish` shortcut that runs
    // `os.system("python setup.py sdist bdist_wheel")` and `os.system("twine upload dist/*")`
    // (lines 57-58). A text scan cannot see that it only runs for the `publish` argument, and a
    // build script that can upload is worth a reviewer's look, so the warning is right. The
    // rule was narrowed for ordinary setup.py files instead of listing them here: a bare
    // `import subprocess` is not reported (only call sites are), nor is a literal `git`/`hg`
    // command (the usual version-from-git query); markupsafe's and pyyaml's setup.py (which
    // call `platform.*` without encoding anything) and pyyaml's in-tree backend under
    // `packaging/` (its `backend-path`) are scanned and stay silent.
    ("requests-2.32.3.tar.gz", "SEC-04"),
];

fn options() -> VerifyOptions<'static> {
    VerifyOptions {
        target: Target::Pypi,
        md5: false,
        renderer: None,
        reporter: None,
        source_date_epoch: None,
    }
}

fn verify(paths: &[PathBuf]) -> Report {
    verify_files(paths, &options()).expect("corpus files are readable")
}

fn describe(findings: &[&Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = write!(
            out,
            "\n  {} {} [{}] {}: {}",
            f.severity,
            f.id,
            f.artifact.as_deref().unwrap_or("<set>"),
            f.member.as_deref().unwrap_or("-"),
            f.message
        );
    }
    out
}

fn of_severity(report: &Report, severity: Severity) -> Vec<&Finding> {
    report
        .findings()
        .filter(|f| f.severity == severity)
        .collect()
}

/// (artifact, id) of every warning in `report`.
fn warning_keys(report: &Report) -> BTreeSet<(String, String)> {
    of_severity(report, Severity::Warning)
        .into_iter()
        .map(|f| {
            (
                f.artifact.clone().unwrap_or_default(),
                f.id.as_str().to_owned(),
            )
        })
        .collect()
}

fn expected_for(artifacts: &BTreeSet<&str>) -> BTreeSet<(String, String)> {
    EXPECTED_WARNINGS
        .iter()
        .filter(|(artifact, _)| artifacts.contains(artifact))
        .map(|(artifact, id)| ((*artifact).to_owned(), (*id).to_owned()))
        .collect()
}

fn assert_clean(report: &Report) {
    let errors = of_severity(report, Severity::Error);
    assert!(
        errors.is_empty(),
        "corpus artifacts must verify with no error:{}",
        describe(&errors)
    );
    let artifacts: BTreeSet<&str> = report
        .artifacts
        .iter()
        .map(|a| a.filename.as_str())
        .collect();
    let warnings = of_severity(report, Severity::Warning);
    assert_eq!(
        warning_keys(report),
        expected_for(&artifacts),
        "unexpected set of warnings:{}",
        describe(&warnings)
    );
}

#[test]
fn ok_corpus_matches_pinned_list() {
    let corpus = corpus();
    assert_eq!(corpus.files.len(), PINNED.len());
    let wheels = corpus.paths_of(ArtifactKind::Wheel).len();
    let sdists = corpus.paths_of(ArtifactKind::Sdist).len();
    assert_eq!(
        wheels + sdists,
        PINNED.len(),
        "every pin is a wheel or an sdist"
    );
    assert!(wheels > 0 && sdists > 0, "the corpus has both kinds");
    for file in &corpus.files {
        assert!(file.path.is_file(), "`{}` is present", file.path.display());
    }
}

#[test]
fn ok_corpus_each_artifact_alone() {
    for path in corpus().paths() {
        let report = verify(std::slice::from_ref(&path));
        assert_eq!(report.artifacts.len(), 1);
        assert_clean(&report);
    }
}

/// A wheel and the sdist of the same release verify clean together, cross checks (X-*) included.
#[test]
fn ok_corpus_each_release_together() {
    let mut releases: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for file in &corpus().files {
        let release = release_of(file.pinned.filename);
        releases.entry(release).or_default().push(file.path.clone());
    }
    for paths in releases.values() {
        let report = verify(paths);
        assert_eq!(report.artifacts.len(), paths.len());
        assert_clean(&report);
    }
}

/// All artifacts in one run: per-artifact findings are what they are alone, and the only set
/// error allowed is X-01, since mixing projects is rightly not one release.
#[test]
fn ok_corpus_all_together() {
    let corpus = corpus();
    let report = verify(&corpus.paths());
    assert_eq!(report.artifacts.len(), PINNED.len());
    let artifact_errors: Vec<&Finding> = report
        .artifacts
        .iter()
        .flat_map(|a| &a.findings)
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(
        artifact_errors.is_empty(),
        "corpus artifacts must verify with no error:{}",
        describe(&artifact_errors)
    );
    let set_ids: BTreeSet<&str> = report
        .set_findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.id.as_str())
        .collect();
    assert!(
        set_ids.is_subset(&BTreeSet::from(["X-01"])),
        "mixing projects may fail X-01 and nothing else:{}",
        describe(&report.set_findings.iter().collect::<Vec<_>>())
    );
    for artifact in &report.artifacts {
        let alone = verify(std::slice::from_ref(&artifact.path));
        assert_eq!(
            artifact.findings, alone.artifacts[0].findings,
            "`{}` is judged the same alone and in a set",
            artifact.filename
        );
    }
}

/// `name-version` of a wheel or sdist file name, lowercased, to group a release's files.
fn release_of(filename: &str) -> String {
    let stem = filename
        .strip_suffix(".tar.gz")
        .or_else(|| filename.strip_suffix(".whl"))
        .expect("corpus files are wheels or sdists");
    let mut parts = stem.splitn(3, '-');
    let name = parts.next().unwrap_or_default();
    let version = parts.next().unwrap_or_default();
    format!("{}-{version}", name.to_ascii_lowercase())
}

/// PROV-02's rules for generated files hold on real setuptools sdists: with a commit tree of
/// every sdist file except what setuptools generates (root `PKG-INFO`, the `*.egg-info/` files,
/// and `setup.cfg` when it carries the `[egg_info]` stanza, given another digest as if committed
/// without it), each sdist that has an egg-info directory passes: its egg-info `PKG-INFO` is the
/// root one and its `SOURCES.txt` lists the sdist's files.
#[test]
fn ok_corpus_setuptools_sdists_pass_prov02_generated_file_rules() {
    let mut checked = Vec::new();
    for file in &corpus().files {
        let name = file.pinned.filename;
        if !name.ends_with(".tar.gz") {
            continue;
        }
        let bytes = std::fs::read(&file.path).unwrap();
        let (_, contents) = pyship_verify::verify_bytes(name, &bytes, &options());
        let generated = |path: &str| {
            path == "PKG-INFO"
                || path
                    .split('/')
                    .rev()
                    .nth(1)
                    .is_some_and(|dir| dir.ends_with(".egg-info"))
        };
        if !contents
            .files
            .iter()
            .any(|(path, _)| generated(path) && path != "PKG-INFO")
        {
            continue;
        }
        let has_stanza = |path: &str| {
            contents.kept.iter().any(|(kept, bytes)| {
                kept == path && String::from_utf8_lossy(bytes).contains("[egg_info]")
            })
        };
        let tree: Vec<(String, [u8; 32])> = contents
            .files
            .iter()
            .filter(|(path, _)| !generated(path))
            .map(|(path, digest)| {
                if path == "setup.cfg" && has_stanza(path) {
                    (path.clone(), [0; 32])
                } else {
                    (path.clone(), *digest)
                }
            })
            .collect();
        let version = release_of(name).rsplit('-').next().unwrap().to_owned();
        // The committed `setup.cfg`: the sdist's without setuptools' `[egg_info]` stanza.
        let rewritten: Vec<(String, Vec<u8>)> = kept(&contents, "setup.cfg")
            .map(|text| {
                let committed = &text[..text.find("[egg_info]").unwrap_or(text.len())];
                ("setup.cfg".to_owned(), committed.as_bytes().to_vec())
            })
            .into_iter()
            .collect();
        let commit = pyship_verify::provenance::ReleaseCommit {
            files: &tree,
            rewritten: &rewritten,
            parent_gitignores: &[],
        };
        let mut findings = pyship_verify::Findings::new(Some(name));
        pyship_verify::provenance::check_sdist_against_commit(
            &contents,
            &commit,
            &version,
            &mut findings,
        );
        let findings = findings.into_vec();
        assert!(findings.is_empty(), "{name}: {findings:#?}");
        checked.push(name);
    }
    assert_eq!(
        checked,
        [
            "markupsafe-3.0.4.tar.gz",
            "pluggy-1.7.0.tar.gz",
            "pyyaml-6.0.4.tar.gz",
            "requests-2.32.3.tar.gz",
            "six-1.16.0.tar.gz"
        ],
        "the corpus' setuptools sdists"
    );
}

/// PROV-02's `PKG-INFO` rule holds on real sdists from three backends (flit, hatchling,
/// setuptools): each root `PKG-INFO` says what its `pyproject.toml`'s `[project]` table declares,
/// up to the spelling backends choose (keyword order, a final newline after the readme, ...).
/// The three without `[project]` (setup.py projects) fix nothing.
#[test]
fn ok_corpus_sdists_pkg_info_agrees_with_pyproject() {
    let mut compared = Vec::new();
    for file in &corpus().files {
        let name = file.pinned.filename;
        if !name.ends_with(".tar.gz") {
            continue;
        }
        let bytes = std::fs::read(&file.path).unwrap();
        let (_, contents) = pyship_verify::verify_bytes(name, &bytes, &options());
        let metadata = contents.metadata.as_ref().expect("corpus PKG-INFO parses");
        // requests and six have no pyproject.toml at all.
        let Some(pyproject) = kept(&contents, "pyproject.toml") else {
            continue;
        };
        let problems = pyship_verify::provenance::pyproject::compare(
            metadata,
            &pyproject,
            &contents.files,
            &contents.kept,
        );
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        if pyproject.contains("[project]") {
            compared.push(name);
        }
    }
    assert_eq!(
        compared,
        [
            "attrs-26.1.0.tar.gz",
            "click-8.5.1.tar.gz",
            "idna-3.20.tar.gz",
            "markupsafe-3.0.4.tar.gz",
            "packaging-26.4.tar.gz",
            "pluggy-1.7.0.tar.gz",
        ]
    );
}

/// The same rule catches a `PKG-INFO` that was changed after the backend wrote it: on idna's
/// real sdist, an injected requirement, a redirected project URL, a changed summary and
/// description, and a dropped extra requirement are each reported with the field and the
/// `[project]` key; declaring `dependencies` dynamic lifts the requirement check only.
#[test]
fn err_prov02_corpus_pkg_info_tampered_after_the_build() {
    let file = corpus()
        .files
        .iter()
        .find(|f| f.pinned.filename == "idna-3.20.tar.gz")
        .unwrap();
    let bytes = std::fs::read(&file.path).unwrap();
    let (_, contents) = pyship_verify::verify_bytes(file.pinned.filename, &bytes, &options());
    let pyproject = kept(&contents, "pyproject.toml").unwrap();
    let pkg_info = kept(&contents, "PKG-INFO").unwrap();
    let tampered = pkg_info
        .replace(
            "Requires-Dist: ruff >= 0.16.0 ; extra == \"all\"\n",
            "Requires-Dist: idna-helper>=1.0\n",
        )
        .replace(
            "Project-URL: Source, https://github.com/kjd/idna\n",
            "Project-URL: Source, https://github.com/kjd-mirror/idna\n",
        )
        .replace(
            "Summary: Internationalized Domain Names in Applications (IDNA)",
            "Summary: Internationalized Domain Names",
        )
        .replace(
            "# Internationalized Domain Names",
            "# Install idna-helper first",
        );
    assert_ne!(tampered, pkg_info);
    let mut findings = pyship_verify::Findings::new(None);
    let metadata = pyship_verify::metadata::parse(tampered.as_bytes(), "PKG-INFO", &mut findings)
        .expect("still parses");
    let problems = pyship_verify::provenance::pyproject::compare(
        &metadata,
        &pyproject,
        &contents.files,
        &contents.kept,
    );
    let joined = problems
        .iter()
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for expected in [
        "`Requires-Dist` differs from pyproject.toml's `[project]` `dependencies`: `PKG-INFO` has `idna-helper>=1.0` that pyproject.toml does not declare",
        "`Requires-Dist` differs from pyproject.toml's `[project]` `optional-dependencies`: pyproject.toml declares `ruff >= 0.16.0` that `PKG-INFO` lacks",
        "`Project-URL` differs from pyproject.toml's `[project]` `urls`: `PKG-INFO` has `Source, https://github.com/kjd-mirror/idna` that pyproject.toml does not declare, and pyproject.toml declares `Source, https://github.com/kjd/idna` that `PKG-INFO` lacks",
        "`PKG-INFO` field `Summary` is `Internationalized Domain Names`, but pyproject.toml's `[project]` `description` makes it `Internationalized Domain Names in Applications (IDNA)`",
        "the `PKG-INFO` description is not the content of `README.md`",
    ] {
        assert!(
            joined.contains(expected),
            "missing {expected:?} in:\n{joined}"
        );
    }
    assert_eq!(problems.len(), 5, "{joined}");

    let dynamic = pyproject.replace(
        "dynamic = [\"version\"]",
        "dynamic = [\"version\", \"dependencies\"]",
    );
    assert_ne!(dynamic, pyproject);
    let problems = pyship_verify::provenance::pyproject::compare(
        &metadata,
        &dynamic,
        &contents.files,
        &contents.kept,
    );
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        !problems
            .iter()
            .any(|d| d.message.contains("`dependencies`")),
        "{problems:#?}"
    );
}

fn kept(contents: &pyship_verify::cross::ArtifactContents, path: &str) -> Option<String> {
    let (_, bytes) = contents.kept.iter().find(|(kept, _)| kept == path)?;
    Some(String::from_utf8(bytes.clone()).unwrap())
}
