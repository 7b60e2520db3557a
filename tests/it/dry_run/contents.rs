//! WHL-11 in `dry-run`: the built wheel's library files against the package tree in git, or
//! against the configured `toplevel` list. Warnings, so `--strict` turns them into a failed
//! `verify` gate. See: verify-rules.md §2 WHL-11.

use pyship_tests::repo::TestRepo;

use super::{assert_fails_on, assert_gate, configure, dry_run};

#[test]
fn ok_whl11_example_wheel_equals_its_package_tree() {
    let repo = TestRepo::new();
    let run = dry_run(&repo, &["--strict"]);
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(!run.stderr.contains("WHL-11"), "{}", run.stderr);
}

#[test]
fn warn_whl11_stray_file_swept_into_the_wheel() {
    let repo = TestRepo::new();
    // Not committed: the build backend ships everything in the package directory, git does not
    // know the file. (The tree is then dirty, which the clean-tree gate reports too.)
    repo.write("examples/demo/src/pyship_demo/scratch.txt", "notes\n");
    let run = dry_run(&repo, &["--strict"]);
    let evidence = assert_fails_on(&run, "verify");
    assert!(evidence.contains("error"), "{evidence}");
    assert!(
        run.stderr.contains("WHL-11")
            && run
                .stderr
                .contains("not in the package tree: `pyship_demo/scratch.txt`"),
        "{}",
        run.stderr
    );
}

#[test]
fn warn_whl11_configured_toplevel_names_missing_and_extra() {
    let repo = TestRepo::new();
    configure(&repo, "toplevel = [\"pyship_demo_renamed\"]");
    let run = dry_run(&repo, &[]);
    assert_eq!(run.code, Some(0), "warnings alone pass:\n{}", run.stderr);
    assert!(
        run.stderr
            .contains("lacks the configured top-level name(s) `pyship_demo_renamed`")
            && run
                .stderr
                .contains("top-level name(s) `pyship_demo` that the configuration does not list"),
        "{}",
        run.stderr
    );
    let strict = dry_run(&repo, &["--strict"]);
    assert_fails_on(&strict, "verify");
}

/// T111 (PROV-02): the sdist carries a module git does not know. The file is ignored by git, so
/// the tree is clean and only the comparison with the release commit can tell.
#[test]
fn err_prov02_t111_sdist_file_not_in_the_release_commit() {
    let repo = TestRepo::new();
    repo.write("examples/demo/.gitignore", "_miner.py\n");
    repo.commit_all("Ignore a generated module");
    repo.git(&["push", "--quiet", "origin", "main"]);
    repo.write(
        "examples/demo/src/pyship_demo/_miner.py",
        "import os\nos.system('true')\n",
    );

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "verify");
    assert!(evidence.contains("error"), "{evidence}");
    assert_gate(&run, "clean-tree", "PASS");
    assert!(
        run.stderr
            .contains("error[PROV-02]: `src/pyship_demo/_miner.py`:")
            && run.stderr.contains(
                "`src/pyship_demo/_miner.py` is not in the git tree of the release commit"
            ),
        "{}",
        run.stderr
    );
}

/// PROV-02 compares content too: a committed file whose sdist copy differs (here a build command
/// that edits the source before building) is an error showing both digests.
#[test]
fn err_prov02_sdist_file_differs_from_the_release_commit() {
    let repo = TestRepo::new();
    configure(
        &repo,
        "build-command = [\"sh\", \"-c\", \"echo '# patched' >> README.md && {python} -m build --no-isolation --sdist --outdir {outdir} {project}\"]",
    );

    let run = dry_run(&repo, &[]);

    assert_fails_on(&run, "verify");
    assert!(
        run.stderr.contains("error[PROV-02]: `README.md`:")
            && run
                .stderr
                .contains("`README.md` differs from the release commit's file: sha256"),
        "{}",
        run.stderr
    );
}

/// PROV-02 on a real setuptools sdist (the test venv's setuptools builds the example): the
/// `*.egg-info/` directory setuptools generates (its `PKG-INFO` a copy of the root one, its
/// `SOURCES.txt` the sdist's file list), its rewrite of the committed `setup.cfg` with the
/// `[egg_info]` stanza, and its root `PKG-INFO` (what pyproject.toml declares) pass.
#[test]
fn ok_prov02_setuptools_sdist_generated_files_pass() {
    let repo = TestRepo::new();
    let pyproject = repo.read("examples/demo/pyproject.toml");
    let converted = pyproject
        .replace(
            "requires = [\"flit_core>=3.12,<4\"]\nbuild-backend = \"flit_core.buildapi\"",
            "requires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"",
        )
        // The test venv's setuptools predates PEP 639 license expressions.
        .replace(
            "license = \"MIT\"\nlicense-files = [\"LICENSE\"]\n",
            "license = { text = \"MIT\" }\n",
        )
        .replace("[tool.flit.module]\nname = \"pyship_demo\"\n", "")
        // It also keeps `-` in sdist names (not PEP 625's form): the name says `_` itself.
        .replace("name = \"pyship-demo\"", "name = \"pyship_demo\"");
    assert!(
        !converted.contains("flit") && converted.contains("setuptools.build_meta"),
        "{converted}"
    );
    repo.write("examples/demo/pyproject.toml", &converted);
    repo.write("examples/demo/.gitignore", "*.egg-info/\nbuild/\n");
    // A committed setup.cfg, which setuptools rewrites into the sdist (comments dropped, the
    // continuation lines re-indented, `[egg_info]` added): the rewrite reads the same.
    repo.write(
        "examples/demo/setup.cfg",
        "# Tool settings only; the metadata is in pyproject.toml.\n[tool:pytest]\naddopts =\n    -q\n    --strict-markers\n; end\n",
    );
    repo.commit_all("Build with setuptools");
    repo.git(&["push", "--quiet", "origin", "main"]);

    let run = dry_run(&repo, &[]);

    assert_gate(&run, "verify", "PASS");
    assert!(!run.stderr.contains("PROV-02"), "{}", run.stderr);
    assert!(
        run.stderr.contains("pyship_demo-0.1.0.tar.gz"),
        "{}",
        run.stderr
    );
}

/// PROV-02 on `PKG-INFO`: a build step that edits the sdist after the backend wrote it (here a
/// script outside the repository that adds a requirement to `PKG-INFO`) is caught, because the
/// committed pyproject.toml declares no dependencies and does not list them as dynamic.
#[test]
fn err_prov02_pkg_info_edited_after_the_build() {
    let repo = TestRepo::new();
    let script = repo.root.parent().unwrap().join("inject.py");
    std::fs::write(
        &script,
        r#"import glob, gzip, io, os, sys, tarfile
path = glob.glob(os.path.join(sys.argv[1], "*.tar.gz"))[0]
with tarfile.open(path) as tar:
    members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
    with tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for member, data in members:
            if member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                data = data.replace(b"\nRequires-Python:", b"\nRequires-Dist: evil-helper>=1\nRequires-Python:", 1)
                assert b"evil-helper" in data
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
"#,
    )
    .unwrap();
    configure(
        &repo,
        &format!(
            "build-command = [\"sh\", \"-c\", \"{{python}} -m build --no-isolation --outdir {{outdir}} {{project}} && {{python}} {} {{outdir}}\"]",
            script.display()
        ),
    );

    let run = dry_run(&repo, &[]);

    assert_fails_on(&run, "verify");
    assert!(
        run.stderr.contains("error[PROV-02]: `PKG-INFO`:")
            && run.stderr.contains(
                "`Requires-Dist` differs from pyproject.toml's `[project]` `dependencies`: `PKG-INFO` has `evil-helper>=1` that pyproject.toml does not declare"
            ),
        "{}",
        run.stderr
    );
}

/// Rebuilds the example with another PEP 517 backend from the test venv and commits it.
fn switch_backend(repo: &TestRepo, requires: &str, backend: &str) {
    let pyproject = repo.read("examples/demo/pyproject.toml");
    let converted = pyproject
        .replace(
            "requires = [\"flit_core>=3.12,<4\"]\nbuild-backend = \"flit_core.buildapi\"",
            &format!("requires = [\"{requires}\"]\nbuild-backend = \"{backend}\""),
        )
        .replace("[tool.flit.module]\nname = \"pyship_demo\"\n", "");
    assert!(
        !converted.contains("flit") && converted.contains(backend),
        "{converted}"
    );
    repo.write("examples/demo/pyproject.toml", &converted);
}

/// pdm-backend writes pyproject.toml into the sdist anew (its own formatting, comments gone):
/// PROV-02 compares its data with the committed file's, so a real pdm-backend build passes.
#[test]
fn ok_prov02_pdm_backend_rewritten_pyproject_passes() {
    let repo = TestRepo::new();
    switch_backend(&repo, "pdm-backend", "pdm.backend");
    let pyproject = repo.read("examples/demo/pyproject.toml");
    repo.write(
        "examples/demo/pyproject.toml",
        &format!("# Built with pdm-backend.\n{pyproject}"),
    );
    repo.commit_all("Build with pdm-backend");
    repo.git(&["push", "--quiet", "origin", "main"]);

    let run = dry_run(&repo, &[]);

    assert_gate(&run, "verify", "PASS");
    assert!(!run.stderr.contains("PROV-02"), "{}", run.stderr);
    assert!(
        run.stderr.contains("pyship_demo-0.1.0.tar.gz"),
        "{}",
        run.stderr
    );
}

/// hatchling copies the repository's root `.gitignore` into the sdist of a project in a
/// subdirectory (the example is in `examples/demo/`): the same bytes as the committed one pass,
/// and the `PKG-INFO` it writes says what pyproject.toml declares.
#[test]
fn ok_prov02_hatchling_copies_the_root_gitignore() {
    let repo = TestRepo::new();
    switch_backend(&repo, "hatchling", "hatchling.build");
    repo.write(".gitignore", "/target/\n");
    repo.commit_all("Build with hatchling");
    repo.git(&["push", "--quiet", "origin", "main"]);

    let run = dry_run(&repo, &[]);

    assert_gate(&run, "verify", "PASS");
    assert!(!run.stderr.contains("PROV-02"), "{}", run.stderr);
    let sdist = repo
        .root
        .join("target/pyship/dist/pyship_demo-0.1.0.tar.gz");
    let listing = std::process::Command::new("tar")
        .arg("tzf")
        .arg(&sdist)
        .output()
        .expect("tar runs");
    assert!(
        String::from_utf8_lossy(&listing.stdout).contains("pyship_demo-0.1.0/.gitignore"),
        "hatchling copied the root .gitignore: {}",
        String::from_utf8_lossy(&listing.stdout)
    );
}

/// A pdm-backend project whose version is dynamic (`[tool.pdm.version] source = "file"`): the
/// version is read from the module and bumped there, and pdm-backend writes the release version
/// as a static `version` into the sdist's pyproject.toml, which PROV-02 accepts as the same data.
#[test]
fn ok_prov02_pdm_backend_dynamic_version_bumped() {
    let repo = TestRepo::new();
    switch_backend(&repo, "pdm-backend", "pdm.backend");
    super::make_version_dynamic(
        &repo,
        "\n[tool.pdm.version]\nsource = \"file\"\npath = \"src/pyship_demo/__init__.py\"\n",
        Some("0.1.0"),
    );

    let run = dry_run(&repo, &["--bump", "minor"]);

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    let input = assert_gate(&run, "version-input", "PASS");
    assert!(input.contains("`0.2.0`"), "{input}");
    assert_gate(&run, "verify", "PASS");
    assert!(!run.stderr.contains("PROV-02"), "{}", run.stderr);
    assert!(
        run.stderr.contains("pyship_demo-0.2.0.tar.gz"),
        "{}",
        run.stderr
    );
}
