//! `cargo xtask dry-run` end to end: the example project in a temporary git repository with a
//! bare repository as `origin`, built with the real build frontend of the test venv. A clean run
//! passes and writes nothing; each local gate that fails exits 1 and names the gate.

mod contents;
mod github;

use pyship_tests::python::{run_python, test_python};
use pyship_tests::repo::TestRepo;
use pyship_tests::xtask::{Run, run_xtask};

/// Runs `dry-run` on `repo` with the test venv's Python and `extra` arguments.
fn dry_run(repo: &TestRepo, extra: &[&str]) -> Run {
    let manifest = repo.manifest();
    let python = format!("--python={}", test_python().display());
    let mut args = vec![
        "--manifest-path",
        manifest.to_str().unwrap(),
        "dry-run",
        &python,
    ];
    args.extend_from_slice(extra);
    run_xtask(&repo.root, &args)
}

/// The verdict and evidence of gate `name` in the audit trail (`VERDICT  name  evidence`).
fn gate<'a>(run: &'a Run, name: &str) -> (&'a str, &'a str) {
    run.stderr
        .lines()
        .find_map(|line| {
            let mut words = line
                .splitn(3, char::is_whitespace)
                .filter(|w| !w.is_empty());
            let verdict = words.next()?;
            let rest = line[verdict.len()..].trim_start();
            let evidence = rest.strip_prefix(name)?;
            let is_verdict = ["PASS", "FAIL", "UNKNOWN"].contains(&verdict);
            (is_verdict && evidence.starts_with(' ')).then_some((verdict, evidence.trim()))
        })
        .unwrap_or_else(|| panic!("gate `{name}` missing from:\n{}", run.stderr))
}

fn assert_gate(run: &Run, name: &str, verdict: &str) -> String {
    let (found, evidence) = gate(run, name);
    assert_eq!(found, verdict, "gate `{name}`: {evidence}\n{}", run.stderr);
    evidence.to_owned()
}

/// Asserts a run exited 1 because `name` failed, and returns that gate's evidence.
fn assert_fails_on(run: &Run, name: &str) -> String {
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains("failed gates: ") && run.stderr.contains(name),
        "{}",
        run.stderr
    );
    assert_gate(run, name, "FAIL")
}

const LOCAL_GATES: &[&str] = &[
    "release-branch",
    "clean-tree",
    "remote-head",
    "version-input",
    "version-greater",
    "tag-absent",
];

#[test]
fn dry_run_clean_example_passes_prints_plan_and_writes_nothing() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let head = repo.git(&["rev-parse", "HEAD"]);

    let run = dry_run(&repo, &["--format=json"]);

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    for name in LOCAL_GATES
        .iter()
        .chain(&["build", "verify", "built-version"])
    {
        assert_gate(&run, name, "PASS");
    }
    // C23: `target/` is not ignored in this repo, yet pyship's own output does not dirty it.
    assert!(repo.root.join("target/pyship/dist").is_dir());
    assert!(assert_gate(&run, "clean-tree", "PASS").contains("`target/` excluded"));
    // The plan names each write with its digest, and none is done.
    let wheel = "pyship_demo-0.1.0-py3-none-any.whl";
    let upload = plan_line(&run, "upload", wheel);
    assert!(
        upload.contains("sha256 ") && upload.ends_with("not done (dry run)"),
        "{upload}"
    );
    let tag = plan_line(&run, "tag", "`v0.1.0`");
    assert!(tag.contains(&head), "{tag}");
    plan_line(&run, "release", "`v0.1.0`");
    plan_line(&run, "asset", "`SHA256SUMS`");
    // What cannot be checked yet is UNKNOWN, never PASS.
    for name in [
        "index-credentials",
        "index-files-absent",
        "github-permissions",
    ] {
        assert_gate(&run, name, "UNKNOWN");
    }
    assert_eq!(
        repo.snapshot(),
        before,
        "a dry run changed refs, the tree or worktrees"
    );
    assert_eq!(repo.git(&["tag", "--list"]), "");
    assert_eq!(repo.git_origin(&["tag", "--list"]), "");

    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["schema_version"], 1);
    assert_eq!(document["exit_status"], 0);
    assert_eq!(document["release"]["tag"], "v0.1.0");
    assert_eq!(document["steps"][0]["gates"][0]["name"], "release-branch");
    assert_eq!(document["verify"]["counts"]["artifacts"], 2);
    assert!(
        document["plan"]["writes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["status"] == "not done (dry run)")
    );
    let audit = std::fs::read_to_string(repo.root.join("target/pyship/dry-run.json")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&audit).unwrap(),
        document
    );
}

/// The plan line for `action` that mentions `needle`.
fn plan_line<'a>(run: &'a Run, action: &str, needle: &str) -> &'a str {
    run.stderr
        .lines()
        .find(|line| line.starts_with(action) && line.contains(needle))
        .unwrap_or_else(|| panic!("no `{action}` line with {needle} in:\n{}", run.stderr))
}

#[test]
fn dry_run_dirty_tree_fails_clean_tree_listing_each_path() {
    let repo = TestRepo::new();
    repo.write("examples/demo/README.md", "changed\n");
    repo.write("notes.txt", "untracked\n");

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "clean-tree");
    assert!(
        evidence.contains("` M examples/demo/README.md`"),
        "{evidence}"
    );
    assert!(evidence.contains("`?? notes.txt`"), "{evidence}");
    assert_gate(&run, "release-branch", "PASS");
    // Every step still ran; the sdist then holds the uncommitted README, which is not the
    // release commit's (PROV-02).
    assert_gate(&run, "build", "PASS");
    assert_gate(&run, "verify", "FAIL");
    assert!(
        run.stderr
            .contains("`README.md` differs from the release commit's file"),
        "{}",
        run.stderr
    );
}

#[test]
fn dry_run_wrong_branch_fails_release_branch() {
    let repo = TestRepo::new();
    repo.git(&["checkout", "--quiet", "-b", "feature"]);

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "release-branch");
    assert!(
        evidence.contains("`feature`") && evidence.contains("`main`"),
        "{evidence}"
    );
    assert_gate(&run, "clean-tree", "PASS");
}

#[test]
fn dry_run_local_tag_exists_fails_tag_absent() {
    let repo = TestRepo::new();
    repo.git(&["tag", "v0.1.0"]);

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "tag-absent");
    assert!(
        evidence.contains("`v0.1.0` already exists locally"),
        "{evidence}"
    );
}

#[test]
fn dry_run_tag_on_remote_only_fails_tag_absent() {
    let repo = TestRepo::new();
    repo.git(&["tag", "v0.1.0"]);
    repo.git(&["push", "--quiet", "origin", "v0.1.0"]);
    repo.git(&["tag", "--delete", "v0.1.0"]);

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "tag-absent");
    assert!(
        evidence.contains("already exists on the remote"),
        "{evidence}"
    );
}

#[test]
fn dry_run_version_not_greater_than_latest_tag_fails() {
    let repo = TestRepo::new();
    repo.git(&["tag", "v0.3.0"]);
    repo.git(&["tag", "v0.2.0"]);
    repo.git(&["tag", "vnot-a-version"]);

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "version-greater");
    assert!(
        evidence.contains("latest release `0.3.0` (tag `v0.3.0`)"),
        "{evidence}"
    );
    assert_gate(&run, "tag-absent", "PASS");
}

#[test]
fn dry_run_malformed_version_fails_version_input() {
    let repo = TestRepo::new();

    let run = dry_run(&repo, &["--version", "1.0.x"]);

    let evidence = assert_fails_on(&run, "version-input");
    assert!(
        evidence.contains("`1.0.x` is not a valid PEP 440 version"),
        "{evidence}"
    );
    assert_gate(&run, "version-greater", "UNKNOWN");
    assert_gate(&run, "built-version", "UNKNOWN");
}

#[test]
fn dry_run_local_version_fails_version_input_for_pypi() {
    let repo = TestRepo::new();

    let run = dry_run(&repo, &["--version", "0.2.0+g40e3ce6"]);

    // C08: PyPI rejects local versions, so the gate stops them before any upload.
    let evidence = assert_fails_on(&run, "version-input");
    assert!(evidence.contains("local segment"), "{evidence}");
}

#[test]
fn dry_run_unpushed_commit_fails_remote_head() {
    let repo = TestRepo::new();
    repo.write(
        "examples/demo/CHANGELOG.md",
        "# Changelog\n\n## 0.1.0\n\nFirst.\n",
    );
    repo.commit_all("Unpushed change");

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "remote-head");
    assert!(evidence.contains("push or pull first"), "{evidence}");
}

#[test]
fn dry_run_without_remote_reports_remote_head_unknown_not_passed() {
    let repo = TestRepo::new();
    repo.git(&["remote", "remove", "origin"]);

    let run = dry_run(&repo, &[]);

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    let evidence = assert_gate(&run, "remote-head", "UNKNOWN");
    assert!(evidence.contains("no remote `origin`"), "{evidence}");
}

#[test]
fn dry_run_bump_builds_new_version_without_touching_the_tree() {
    let repo = TestRepo::new();
    let before = repo.snapshot();
    let pyproject = repo.read("examples/demo/pyproject.toml");

    let run = dry_run(&repo, &["--bump", "minor"]);

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(assert_gate(&run, "version-input", "PASS").contains("`0.2.0`"));
    assert!(assert_gate(&run, "version-change", "PASS").contains("temporary worktree"));
    assert_gate(&run, "built-version", "PASS");
    plan_line(&run, "commit", "version `0.2.0`");
    plan_line(&run, "tag", "`v0.2.0`");
    // The user's files, refs and worktrees are as they were; the worktree is gone.
    assert_eq!(repo.read("examples/demo/pyproject.toml"), pyproject);
    assert_eq!(repo.snapshot(), before);
    // The wheel itself says 0.2.0, read by Python's zipfile rather than by pyship.
    let wheel = repo
        .root
        .join("target/pyship/dist/pyship_demo-0.2.0-py3-none-any.whl");
    let version = run_python(
        "import sys, zipfile\n\
         z = zipfile.ZipFile(sys.argv[1])\n\
         meta = z.read('pyship_demo-0.2.0.dist-info/METADATA').decode()\n\
         print([l for l in meta.splitlines() if l.startswith('Version:')][0])",
        &[wheel.to_str().unwrap()],
    );
    assert_eq!(version.trim(), "Version: 0.2.0");
    assert!(
        repo.root
            .join("target/pyship/dist/pyship_demo-0.2.0.tar.gz")
            .is_file()
    );
}

#[test]
fn dry_run_rejects_bump_and_version_together_as_usage_error() {
    let repo = TestRepo::new();

    let run = dry_run(&repo, &["--bump", "patch", "--version", "1.0"]);

    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("--version"), "{}", run.stderr);
}

/// Adds `lines` to the repo's `[workspace.metadata.pyship]` table, committed and pushed so the
/// tree stays clean and `HEAD` equals `origin/main`.
fn configure(repo: &TestRepo, lines: &str) {
    let manifest = repo.read("Cargo.toml");
    repo.write("Cargo.toml", &format!("{manifest}{lines}\n"));
    repo.commit_all("Configure pyship");
    repo.git(&["push", "--quiet", "origin", "main"]);
}

#[test]
fn dry_run_then_verify_defaults_to_the_configured_dist_dir() {
    let repo = TestRepo::new();
    assert_eq!(dry_run(&repo, &[]).code, Some(0));
    let manifest = repo.manifest();

    let run = run_xtask(
        &repo.root,
        &[
            "--manifest-path",
            manifest.to_str().unwrap(),
            "verify",
            "--format=json",
        ],
    );

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = document["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|artifact| artifact["filename"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "pyship_demo-0.1.0-py3-none-any.whl",
            "pyship_demo-0.1.0.tar.gz"
        ]
    );
}

#[test]
fn dry_run_bad_config_value_exits_2_naming_key_and_file() {
    let repo = TestRepo::new();
    configure(&repo, "remote = \"\"");

    let run = dry_run(&repo, &[]);

    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(
        run.stderr
            .contains("`workspace.metadata.pyship.remote` is empty"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(repo.manifest().to_str().unwrap()),
        "{}",
        run.stderr
    );
}

/// A value of the wrong type names its key; a project directory that is not there is a config
/// error before any gate runs, not the same failure repeated by every step.
#[test]
fn dry_run_bad_project_setting_exits_2_naming_key_and_expectation() {
    for (line, expected) in [
        (
            "project = 5",
            "`workspace.metadata.pyship.project`: invalid type: integer `5`, expected a string",
        ),
        (
            "project = \"nope\"",
            "`workspace.metadata.pyship.project` is `nope`, which is not a directory in the workspace",
        ),
    ] {
        let repo = TestRepo::new();
        let manifest = repo.read("Cargo.toml");
        assert!(
            manifest.contains("project = \"examples/demo\""),
            "{manifest}"
        );
        repo.write(
            "Cargo.toml",
            &manifest.replace("project = \"examples/demo\"", line),
        );
        repo.commit_all("Misconfigure pyship");

        let run = dry_run(&repo, &[]);

        assert_eq!(run.code, Some(2), "{line}: stderr:\n{}", run.stderr);
        assert!(run.stderr.contains(expected), "{line}: {}", run.stderr);
        assert!(
            run.stderr.contains(repo.manifest().to_str().unwrap()),
            "{line}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("PASS") && !run.stderr.contains("FAIL"),
            "{line}: gates ran:\n{}",
            run.stderr
        );
        // With `--format json`, stdout holds a document with the error all the same.
        let run = dry_run(&repo, &["--format=json"]);
        assert_eq!(run.code, Some(2), "{line}: stderr:\n{}", run.stderr);
        let document: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|err| panic!("{line}: no JSON ({err}): {}", run.stdout));
        assert_eq!(document["exit_status"], 2, "{document:#}");
        assert!(
            document["error"]
                .as_str()
                .unwrap_or_default()
                .contains(expected),
            "{document:#}"
        );
    }
}

/// The dist dir is left out of clean-tree for untracked output only: with a dist dir configured
/// over sources, an edit to a tracked file there still fails the gate.
#[test]
fn dry_run_dist_dir_over_sources_hides_no_tracked_change() {
    let repo = TestRepo::new();
    let manifest = repo.read("Cargo.toml");
    let moved = manifest.replace(
        "dist-dir = \"target/pyship/dist\"",
        "dist-dir = \"examples/demo/src\"",
    );
    assert_ne!(moved, manifest);
    repo.write("Cargo.toml", &moved);
    repo.commit_all("Build into the sources");
    repo.git(&["push", "--quiet", "origin", "main"]);
    let module = "examples/demo/src/pyship_demo/__init__.py";
    let text = repo.read(module);
    repo.write(module, &format!("{text}# edited\n"));

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "clean-tree");
    assert!(
        evidence.contains(&format!("` M {module}`"))
            || evidence.contains(&format!("`M  {module}`")),
        "{evidence}"
    );
}

#[test]
fn dry_run_keeps_foreign_files_in_dist_dir_and_fails_build() {
    let repo = TestRepo::new();
    repo.write("target/pyship/dist/keep-me.txt", "not ours\n");

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "build");
    assert!(
        evidence.contains("keep-me.txt") && evidence.contains("not a build artifact"),
        "{evidence}"
    );
    assert_eq!(repo.read("target/pyship/dist/keep-me.txt"), "not ours\n");
    assert_gate(&run, "verify", "FAIL");
}

#[test]
fn dry_run_removes_the_temporary_worktree_when_the_build_fails() {
    let repo = TestRepo::new();
    configure(
        &repo,
        "build-command = [\"{python}\", \"-c\", \"raise SystemExit('no build here')\"]",
    );
    let before = repo.snapshot();

    let run = dry_run(&repo, &["--bump", "patch"]);

    let evidence = assert_fails_on(&run, "build");
    assert!(evidence.contains("no build here"), "{evidence}");
    assert_gate(&run, "version-change", "PASS");
    assert_eq!(
        repo.snapshot(),
        before,
        "the worktree was left behind or refs changed"
    );
}

#[test]
fn dry_run_custom_build_command_builds_only_what_it_asks_for() {
    let repo = TestRepo::new();
    configure(
        &repo,
        "build-command = [\"{python}\", \"-m\", \"build\", \"--no-isolation\", \"--wheel\", \"--outdir\", \"{outdir}\", \"{project}\"]",
    );

    let run = dry_run(&repo, &[]);

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    plan_line(&run, "upload", "pyship_demo-0.1.0-py3-none-any.whl");
    assert!(
        !run.stderr.contains("pyship_demo-0.1.0.tar.gz"),
        "{}",
        run.stderr
    );
}

/// The stderr text under each `== N. Title` heading, in printed order.
fn sections(run: &Run) -> Vec<(&str, String)> {
    let mut sections: Vec<(&str, String)> = Vec::new();
    for line in run.stderr.lines() {
        if let Some(heading) = line.strip_prefix("== ") {
            sections.push((heading, String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    sections
}

#[test]
fn dry_run_prints_each_step_under_its_own_heading_in_order() {
    let repo = TestRepo::new();

    let run = dry_run(&repo, &[]);

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    let sections = sections(&run);
    let numbers: Vec<&str> = sections
        .iter()
        .map(|(heading, _)| heading.split('.').next().unwrap())
        .collect();
    assert_eq!(numbers, ["1", "2", "3", "4", "5"], "{}", run.stderr);
    let body = |n: usize| sections[n].1.as_str();
    // The verify report (digests, summary) belongs to step 3, not to the build before it.
    assert!(body(2).contains("  sha256 "), "{}", run.stderr);
    assert!(
        body(2)
            .lines()
            .any(|line| line.starts_with("verify: 2 artifact(s)")),
        "{}",
        run.stderr
    );
    assert!(!body(1).contains("sha256"), "{}", run.stderr);
    assert!(!body(1).contains("verify:"), "{}", run.stderr);
    for (n, names) in [
        (0, LOCAL_GATES),
        (1, &["build-env", "version-change", "build"][..]),
        (2, &["verify", "built-version"][..]),
        (3, &["index", "index-credentials", "token-scope"][..]),
    ] {
        for name in names {
            let line = format!(" {name} ");
            assert!(
                body(n).lines().any(|l| l.contains(&line)),
                "gate `{name}` not under `{}`:\n{}",
                sections[n].0,
                run.stderr
            );
        }
    }
}

#[test]
fn dry_run_unparseable_pyproject_fails_version_input_naming_file_and_error() {
    let repo = TestRepo::new();
    let pyproject = repo.read("examples/demo/pyproject.toml");
    repo.write(
        "examples/demo/pyproject.toml",
        &pyproject.replace("version = \"0.1.0\"", "version = 0.1.0\""),
    );

    for extra in [&[][..], &["--version", "0.2.0"][..]] {
        let run = dry_run(&repo, extra);

        let evidence = assert_fails_on(&run, "version-input");
        assert!(
            evidence.contains("examples/demo/pyproject.toml") && evidence.contains("TOML"),
            "{evidence}"
        );
        // The parser's own message (with the line) and what pyship expected to find.
        assert!(evidence.contains("line 7"), "{evidence}");
        assert!(evidence.contains("expected"), "{evidence}");
        assert!(!run.stderr.contains("`?`"), "{}", run.stderr);
        assert_gate(&run, "version-greater", "UNKNOWN");
        assert_gate(&run, "built-version", "UNKNOWN");
    }
}

#[test]
fn dry_run_version_lower_than_the_project_version_fails_without_tags() {
    let repo = TestRepo::new();

    let run = dry_run(&repo, &["--version", "0.0.5"]);

    let evidence = assert_fails_on(&run, "version-greater");
    assert!(
        evidence.contains("`0.0.5`") && evidence.contains("`0.1.0`"),
        "{evidence}"
    );
    assert!(evidence.contains("pyproject.toml"), "{evidence}");
}

/// Makes the example take its version from `dynamic = ["version"]` plus `extra` (a table or
/// nothing), committed and pushed.
fn make_version_dynamic(repo: &TestRepo, extra: &str, module_version: Option<&str>) {
    let pyproject = repo.read("examples/demo/pyproject.toml");
    let dynamic = pyproject.replace("version = \"0.1.0\"", "dynamic = [\"version\"]");
    repo.write("examples/demo/pyproject.toml", &format!("{dynamic}{extra}"));
    if let Some(version) = module_version {
        let init = "examples/demo/src/pyship_demo/__init__.py";
        let module = repo.read(init);
        repo.write(init, &format!("{module}\n__version__ = \"{version}\"\n"));
    }
    repo.commit_all("Dynamic version");
    repo.git(&["push", "--quiet", "origin", "main"]);
}

#[test]
fn dry_run_flit_module_version_is_read_and_bumped_in_the_module() {
    let repo = TestRepo::new();
    make_version_dynamic(&repo, "", Some("0.1.0"));
    let before = repo.snapshot();
    let init = repo.read("examples/demo/src/pyship_demo/__init__.py");

    let run = dry_run(&repo, &["--bump", "minor"]);

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    let input = assert_gate(&run, "version-input", "PASS");
    assert!(
        input.contains("`0.2.0`")
            && input.contains("from `0.1.0` in `examples/demo/src/pyship_demo/__init__.py`"),
        "{input}"
    );
    let change = assert_gate(&run, "version-change", "PASS");
    assert!(
        change.contains("`0.1.0` -> `0.2.0` in `examples/demo/src/pyship_demo/__init__.py`"),
        "{change}"
    );
    assert_gate(&run, "built-version", "PASS");
    plan_line(
        &run,
        "commit",
        "`examples/demo/src/pyship_demo/__init__.py`",
    );
    assert_eq!(repo.read("examples/demo/src/pyship_demo/__init__.py"), init);
    assert_eq!(repo.snapshot(), before);
    // flit itself took 0.2.0 from the edited module: Python's zipfile reads the built wheel.
    let wheel = repo
        .root
        .join("target/pyship/dist/pyship_demo-0.2.0-py3-none-any.whl");
    let found = run_python(
        "import sys, zipfile\n\
         z = zipfile.ZipFile(sys.argv[1])\n\
         meta = z.read('pyship_demo-0.2.0.dist-info/METADATA').decode()\n\
         init = z.read('pyship_demo/__init__.py').decode()\n\
         print([l for l in meta.splitlines() if l.startswith('Version:')][0])\n\
         print([l for l in init.splitlines() if l.startswith('__version__')][0])",
        &[wheel.to_str().unwrap()],
    );
    assert_eq!(found.trim(), "Version: 0.2.0\n__version__ = \"0.2.0\"");
}

#[test]
fn dry_run_vcs_derived_version_fails_version_input_with_the_reason() {
    let repo = TestRepo::new();
    make_version_dynamic(&repo, "\n[tool.setuptools_scm]\n", None);

    let run = dry_run(&repo, &["--version", "0.2.0"]);

    let evidence = assert_fails_on(&run, "version-input");
    assert!(
        evidence.contains("from git through setuptools-scm") && evidence.contains("expected"),
        "{evidence}"
    );
    assert!(!run.stderr.contains("`?`"), "{}", run.stderr);
    assert_gate(&run, "version-change", "PASS");
}

#[test]
fn dry_run_local_version_fails_version_input_for_testpypi() {
    let repo = TestRepo::new();
    let manifest = repo.read("Cargo.toml");
    assert!(manifest.contains("target = \"pypi\"\n"), "{manifest}");
    repo.write(
        "Cargo.toml",
        &manifest.replace("target = \"pypi\"\n", "target = \"testpypi\"\n"),
    );
    repo.commit_all("Target TestPyPI");
    repo.git(&["push", "--quiet", "origin", "main"]);

    let run = dry_run(&repo, &["--version", "0.2.0+local"]);

    // TestPyPI runs PyPI's upload code, local versions included.
    let evidence = assert_fails_on(&run, "version-input");
    assert!(
        evidence.contains("local segment") && evidence.contains("0.2.0+local"),
        "{evidence}"
    );
}

/// A build command that builds another version than the release's (here from a copy of the
/// project with its version edited) fails `built-version`, naming the file and both versions.
#[test]
fn dry_run_build_of_another_version_fails_built_version() {
    let repo = TestRepo::new();
    configure(
        &repo,
        "build-command = [\"sh\", \"-c\", \"copy=$(mktemp -d) && cp -R {project}/. $copy && sed -i 's/^version = .*/version = \\\"9.9.9\\\"/' $copy/pyproject.toml && {python} -m build --no-isolation --wheel --outdir {outdir} $copy && rm -rf $copy\"]",
    );

    let run = dry_run(&repo, &[]);

    let evidence = assert_fails_on(&run, "built-version");
    assert!(
        evidence.contains("expected `0.1.0`")
            && evidence.contains("`pyship_demo-9.9.9-py3-none-any.whl` file name says `9.9.9`")
            && evidence.contains("metadata says `9.9.9`"),
        "{evidence}"
    );
    assert!(
        run.stderr.contains("failed gates: built-version\n"),
        "only built-version fails:\n{}",
        run.stderr
    );
}
