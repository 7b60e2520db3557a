//! `cargo xtask verify` as a command: exit statuses 0/1/2, the human report, the JSON document,
//! `SHA256SUMS`, and errors that name the file. Artifacts are the example project built with the
//! real build frontend in the test venv.

use std::path::{Path, PathBuf};
use std::process::Command;

use pyship_tests::python::{build_project, build_project_with_env, test_python};
use pyship_tests::repo::{copy_dir, workspace_root};
use pyship_tests::xtask::{Run, run_xtask, xtask_command};
use pyship_tests::zipwriter::{BASELINE_FILENAME, WheelBuilder};
use tempfile::TempDir;

/// The example built into a fresh temp dir: (temp dir, dist dir, artifacts).
fn built_demo() -> (TempDir, PathBuf, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("demo");
    copy_dir(&workspace_root().join("examples/demo"), &project);
    let dist = dir.path().join("dist");
    let artifacts = build_project(&project, &dist);
    assert_eq!(
        artifacts.len(),
        2,
        "expected a wheel and an sdist: {artifacts:?}"
    );
    (dir, dist, artifacts)
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn python_arg() -> String {
    format!("--python={}", test_python().display())
}

#[test]
fn verify_clean_example_exits_0_and_reports_each_artifact() {
    let (dir, dist, artifacts) = built_demo();
    let run = run_xtask(
        dir.path(),
        &["verify", arg(&dist), &python_arg(), "--target=pypi"],
    );
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    for artifact in &artifacts {
        let name = artifact.file_name().unwrap().to_str().unwrap();
        assert!(
            run.stderr.contains(name),
            "{name} missing from:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("verify: 2 artifact(s), 0 error(s)"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "human output goes to stderr only");
}

#[test]
fn verify_non_distribution_exits_1_with_fn07_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not an artifact").unwrap();
    let run = run_xtask(dir.path(), &["verify", arg(&notes), "--target=pypi"]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("error[FN-07]"), "{}", run.stderr);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("1 error(s)"), "{}", run.stderr);
}

#[test]
fn verify_reports_every_artifact_not_only_the_first_failure() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.txt", "b.zip"] {
        std::fs::write(dir.path().join(name), "x").unwrap();
    }
    let run = run_xtask(dir.path(), &["verify", arg(dir.path()), "--target=pypi"]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert_eq!(
        run.stderr.matches("error[FN-07]").count(),
        2,
        "{}",
        run.stderr
    );
}

#[test]
fn verify_json_document_has_schema_digests_and_finding_ids() {
    let (dir, dist, artifacts) = built_demo();
    std::fs::write(dist.join("notes.txt"), "not an artifact").unwrap();
    let run = run_xtask(
        dir.path(),
        &[
            "verify",
            arg(&dist),
            "--format=json",
            "--md5",
            &python_arg(),
            "--target=pypi",
        ],
    );
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["schema_version"], 1);
    assert_eq!(document["target"], "pypi");
    assert_eq!(document["clean"], false);
    assert_eq!(document["counts"]["artifacts"], 3);
    assert_eq!(document["counts"]["errors"], 1, "{document:#}");
    assert_eq!(document["errors"], serde_json::json!([]), "{document:#}");

    let listed = document["artifacts"].as_array().unwrap();
    for artifact in &artifacts {
        let name = artifact.file_name().unwrap().to_str().unwrap();
        let entry = listed.iter().find(|a| a["filename"] == name).unwrap();
        assert_eq!(
            entry["digests"]["sha256"],
            python_digest(artifact, "sha256")
        );
        assert_eq!(entry["digests"]["md5"], python_digest(artifact, "md5"));
        let kind = if artifact.extension().is_some_and(|ext| ext == "whl") {
            "wheel"
        } else {
            "sdist"
        };
        assert_eq!(entry["kind"], kind);
        assert_eq!(entry["size"], std::fs::metadata(artifact).unwrap().len());
        assert_eq!(entry["name"], "pyship-demo");
        assert_eq!(entry["version"], "0.1.0");
        assert_eq!(entry["findings"], serde_json::json!([]), "{entry:#}");
    }
    let notes = listed
        .iter()
        .find(|a| a["filename"] == "notes.txt")
        .unwrap();
    assert_eq!(notes["findings"][0]["id"], "FN-07");
    assert_eq!(notes["findings"][0]["severity"], "error");
}

/// A digest computed by Python's hashlib, independent of pyship's own.
fn python_digest(path: &Path, algorithm: &str) -> String {
    pyship_tests::python::run_python(
        "import hashlib, sys; print(hashlib.new(sys.argv[1], open(sys.argv[2], 'rb').read()).hexdigest())",
        &[algorithm, arg(path)],
    )
    .trim()
    .to_owned()
}

#[test]
fn verify_writes_sha256sums_that_sha256sum_accepts() {
    let (dir, dist, _) = built_demo();
    let sums = dir.path().join("SHA256SUMS");
    let run = run_xtask(
        dir.path(),
        &[
            "verify",
            arg(&dist),
            "--sha256sums",
            arg(&sums),
            &python_arg(),
            "--target=pypi",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    std::fs::copy(&sums, dist.join("SHA256SUMS")).unwrap();
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(&dist)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&check.stdout)
            .matches(": OK")
            .count(),
        2
    );
}

#[test]
fn verify_nonexistent_path_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-1.0.tar.gz");
    let run = run_xtask(dir.path(), &["verify", arg(&missing), "--target=pypi"]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains(arg(&missing)), "{}", run.stderr);
}

#[test]
fn verify_json_nonexistent_path_prints_a_document_naming_it_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-1.0.tar.gz");
    let run = run_xtask(
        dir.path(),
        &["verify", "--format=json", arg(&missing), "--target=pypi"],
    );
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", run.stdout));
    assert_eq!(document["schema_version"], 1);
    assert_eq!(document["clean"], false);
    assert_eq!(document["target"], "pypi");
    assert_eq!(document["artifacts"], serde_json::json!([]));
    let errors = document["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{document:#}");
    assert_eq!(errors[0]["path"], arg(&missing));
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains(arg(&missing)) && message.contains("does not exist"),
        "{message}"
    );
    // The human line still goes to stderr, as in human mode.
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
}

#[test]
fn verify_json_empty_directory_prints_a_document_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_xtask(
        dir.path(),
        &["verify", "--format=json", arg(dir.path()), "--target=pypi"],
    );
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["schema_version"], 1);
    let message = document["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("no artifacts found"), "{document:#}");
}

#[test]
fn verify_human_output_escapes_control_characters_in_member_names() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = dir.path().join(BASELINE_FILENAME);
    let bytes = WheelBuilder::baseline()
        .file("foo/\u{1b}[2Jred.py", b"X = 1\n")
        .bytes();
    std::fs::write(&wheel, bytes).unwrap();
    let run = run_xtask(dir.path(), &["verify", arg(&wheel), "--target=pypi"]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(
        run.stderr.contains(r"foo/\u{1b}[2Jred.py"),
        "{}",
        run.stderr
    );
}

/// Runs xtask with `env` set on top of the tests' environment.
fn run_xtask_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = xtask_command(args)
        .envs(env.iter().copied())
        .current_dir(cwd)
        .output()
        .expect("failed to run xtask");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn verify_repro_mode_example_built_with_source_date_epoch_is_clean_zip13_sd01() {
    // flit_core stamps every wheel entry, the gzip MTIME and every sdist member with it.
    let epoch = "1700000000";
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("demo");
    copy_dir(&workspace_root().join("examples/demo"), &project);
    let dist = dir.path().join("dist");
    let artifacts = build_project_with_env(&project, &dist, &[("SOURCE_DATE_EPOCH", epoch)]);
    assert_eq!(artifacts.len(), 2, "{artifacts:?}");
    let args = ["verify", arg(&dist), "--target=pypi"];

    // Step 1: the variable turns reproducible mode on, and the artifacts match it.
    let run = run_xtask_env(dir.path(), &args, &[("SOURCE_DATE_EPOCH", epoch)]);
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);

    // Step 2: the flag overrides the variable, and an earlier epoch fails both artifacts.
    let mut other = args.to_vec();
    other.push("--source-date-epoch=1699999900");
    let run = run_xtask_env(dir.path(), &other, &[("SOURCE_DATE_EPOCH", epoch)]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    for id in ["error[ZIP-13]", "error[SD-01]", "error[SD-06]"] {
        assert!(run.stderr.contains(id), "{id} missing:\n{}", run.stderr);
    }

    // Step 3: an empty variable is unset: no reproducible mode at all.
    let run = run_xtask_env(dir.path(), &args, &[("SOURCE_DATE_EPOCH", "")]);
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
}

#[test]
fn verify_repro_mode_example_built_without_source_date_epoch_fails_zip13() {
    let (dir, dist, _) = built_demo();
    let run = run_xtask(
        dir.path(),
        &[
            "verify",
            arg(&dist),
            "--target=pypi",
            "--source-date-epoch=1700000000",
        ],
    );
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("error[ZIP-13]"), "{}", run.stderr);
}

#[test]
fn verify_invalid_source_date_epoch_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_xtask_env(
        dir.path(),
        &["verify", "--format=json", "x.whl", "--target=pypi"],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let message = document["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("`SOURCE_DATE_EPOCH` is `yesterday`"),
        "{document:#}"
    );
}

#[test]
fn verify_unknown_target_exits_2_with_choices() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_xtask(dir.path(), &["verify", "x.whl", "--target=pypy"]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("`testpypi`"), "{}", run.stderr);
}

/// The example with a reST README holding `readme`, built: (temp dir, dist dir).
fn built_rst_demo(readme: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("demo");
    copy_dir(&workspace_root().join("examples/demo"), &project);
    std::fs::remove_file(project.join("README.md")).unwrap();
    std::fs::write(project.join("README.rst"), readme).unwrap();
    let pyproject = std::fs::read_to_string(project.join("pyproject.toml")).unwrap();
    let pyproject = pyproject.replace("readme = \"README.md\"", "readme = \"README.rst\"");
    std::fs::write(project.join("pyproject.toml"), pyproject).unwrap();
    let dist = dir.path().join("dist");
    let artifacts = build_project(&project, &dist);
    assert_eq!(
        artifacts.len(),
        2,
        "expected a wheel and an sdist: {artifacts:?}"
    );
    (dir, dist)
}

#[test]
fn verify_rst_that_readme_renderer_rejects_is_meta08_error() {
    let (dir, dist) = built_rst_demo("Demo\n====\n\nText with `unclosed\n");
    let run = run_xtask(
        dir.path(),
        &["verify", arg(&dist), &python_arg(), "--target=pypi"],
    );
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("error[META-08]"), "{}", run.stderr);
    assert!(run.stderr.contains("without end-string"), "{}", run.stderr);
}

#[test]
fn verify_renders_every_rst_description_in_one_python_process() {
    let (dir, dist) = built_rst_demo("Demo\n====\n\nText with `unclosed\n");
    // A `python` that logs each start, then runs the test venv's interpreter.
    let starts = dir.path().join("starts.log");
    let wrapper = dir.path().join("python");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho start >> '{}'\nexec '{}' \"$@\"\n",
            starts.display(),
            test_python().display()
        ),
    )
    .unwrap();
    let executable = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755);
    std::fs::set_permissions(&wrapper, executable).unwrap();

    let python = format!("--python={}", wrapper.display());
    let run = run_xtask(
        dir.path(),
        &["verify", arg(&dist), &python, "--target=pypi"],
    );

    // Both descriptions (the wheel's METADATA and the sdist's PKG-INFO) were rendered and
    // rejected, by one interpreter started once.
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert_eq!(
        run.stderr.matches("error[META-08]").count(),
        2,
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&starts).unwrap(), "start\n");
}

#[test]
fn verify_valid_rst_renders_clean() {
    let (dir, dist) = built_rst_demo("Demo\n====\n\nSome *text*.\n");
    let run = run_xtask(
        dir.path(),
        &["verify", arg(&dist), &python_arg(), "--target=pypi"],
    );
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(!run.stderr.contains("META-08"), "{}", run.stderr);
}

#[test]
fn verify_without_readme_renderer_warns_meta08_and_strict_fails() {
    let (dir, dist) = built_rst_demo("Demo\n====\n\nSome *text*.\n");
    let no_python = "--python=/nonexistent/python";

    let run = run_xtask(
        dir.path(),
        &["verify", arg(&dist), no_python, "--target=pypi"],
    );
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("warning[META-08]"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`/nonexistent/python` could not be started: No such file"),
        "{}",
        run.stderr
    );

    let strict = run_xtask(
        dir.path(),
        &["verify", arg(&dist), no_python, "--target=pypi", "--strict"],
    );
    assert_eq!(strict.code, Some(1), "stderr:\n{}", strict.stderr);
    assert!(
        strict.stderr.contains("error[META-08]"),
        "{}",
        strict.stderr
    );
}

/// A renderer that cannot serve says why on the warning: a Python without `readme_renderer`
/// (the test venv's interpreter without its site-packages), and a "python" that exits at once.
#[test]
fn verify_renderer_that_cannot_serve_warns_meta08_with_the_reason() {
    let (dir, dist) = built_rst_demo("Demo\n====\n\nSome *text*.\n");
    let executable = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755);
    let no_site = dir.path().join("python-no-site");
    std::fs::write(
        &no_site,
        format!("#!/bin/sh\nexec '{}' -S \"$@\"\n", test_python().display()),
    )
    .unwrap();
    std::fs::set_permissions(&no_site, executable.clone()).unwrap();
    let quits = dir.path().join("python-quits");
    std::fs::write(&quits, "#!/bin/sh\nexit 3\n").unwrap();
    std::fs::set_permissions(&quits, executable).unwrap();

    for (python, reason) in [
        (&no_site, "readme_renderer is not importable"),
        (&quits, "exited without answering"),
    ] {
        let python = format!("--python={}", python.display());
        let run = run_xtask(
            dir.path(),
            &["verify", arg(&dist), &python, "--target=pypi"],
        );
        assert_eq!(run.code, Some(0), "{python}: stderr:\n{}", run.stderr);
        // Both artifacts' descriptions get the warning with the reason.
        let warnings: Vec<&str> = run
            .stderr
            .lines()
            .filter(|line| line.contains("warning[META-08]"))
            .collect();
        assert_eq!(warnings.len(), 2, "{python}: {}", run.stderr);
        assert!(
            warnings.iter().all(|line| line.contains(reason)),
            "{python}: `{reason}` not in {warnings:?}"
        );
    }
}

#[test]
fn verify_empty_directory_exits_1_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = run_xtask(dir.path(), &["verify", arg(&empty), "--target=pypi"]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains("no artifacts found") && run.stderr.contains(arg(&empty)),
        "{}",
        run.stderr
    );
}

#[test]
fn verify_same_wheel_twice_is_verified_once() {
    let (dir, dist, artifacts) = built_demo();
    let wheel = artifacts
        .iter()
        .find(|a| a.extension().is_some_and(|e| e == "whl"))
        .unwrap();
    let run = run_xtask(
        dir.path(),
        &[
            "verify",
            arg(wheel),
            arg(&dist),
            arg(wheel),
            &python_arg(),
            "--target=pypi",
        ],
    );
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains("verify: 2 artifact(s), 0 error(s)"),
        "{}",
        run.stderr
    );
}
