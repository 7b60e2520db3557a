//! `cargo xtask upload` and the index steps of `cargo xtask dry-run` against a real pypiserver on
//! a free loopback port with htpasswd auth: the example project and corpus files are uploaded and
//! proven, a re-run is a no-op, changed bytes under a published name and a wrong password exit 1
//! with nothing stored, a failing artifact stops the whole batch before the first byte is sent,
//! and a dry run lists which files the index already has. Against the fake PyPI: a hash conflict,
//! failed look-ups, an index that accepts but serves nothing, preflight refusals, an empty token
//! and a batch refused half-way, then resumed. Every error path runs with canary credentials,
//! which must appear in no output and no file under `target/pyship`, also when a malformed
//! `Cargo.toml` holds a token.
//!
//! See: pypi-upload.md sections 1.7, 4.3 and 7 items 4, 10, 11, 13, 14; field-failures C10, C11,
//! C13, C14, C16, C17, C19, C22.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use pyship_tests::fake_pypi::{Auth, FakePypi, Script, Stored};
use pyship_tests::pypiserver::{PASSWORD, Pypiserver, USER};
use pyship_tests::python::{build_project, test_python};
use pyship_tests::repo::TestRepo;
use pyship_tests::xtask::{Run, run_xtask_with_env, xtask_command};
use serde_json::Value;

const WHEEL: &str = "pyship_demo-0.1.0-py3-none-any.whl";
const SDIST: &str = "pyship_demo-0.1.0.tar.gz";
/// Shaped like a PyPI token, so it reaches the token gate.
const CANARY_TOKEN: &str = "pypi-CANARYcanaryCANARYcanary0123456789xyz";
/// Shaped like nothing in particular: only exact-value redaction can hide it.
const CANARY_PASSWORD: &str = "canary-password-Zq8vX2kW";
/// Every run here has the diagnostic log at its most verbose (pyship's events and the HTTP
/// client's), so the canary checks cover the trace-level log too.
const TRACE: (&str, &str) = ("PYSHIP_LOG", "trace");

/// Runs xtask `command` on `repo` with `args` and extra environment.
fn xtask(repo: &TestRepo, command: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let manifest = repo.manifest();
    let python = format!("--python={}", test_python().display());
    let output = xtask_command(&["--manifest-path", manifest.to_str().unwrap(), command])
        .arg(python)
        .args(args)
        .env(TRACE.0, TRACE.1)
        .envs(env.iter().copied())
        .current_dir(&repo.root)
        .output()
        .expect("failed to run xtask");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `upload` to `server` as the htpasswd user with `password`, JSON on stdout.
fn upload(repo: &TestRepo, server: &Pypiserver, paths: &[&Path], password: &str) -> Run {
    let url = server.upload_url();
    let mut args = vec!["--index-url", &url, "--username", USER, "--format=json"];
    args.extend(paths.iter().map(|path| path.to_str().unwrap()));
    xtask(
        repo,
        "upload",
        &args,
        &[("PYSHIP_INDEX_PASSWORD", password)],
    )
}

/// The example project built from `repo` into a fresh directory.
fn build(repo: &TestRepo) -> (tempfile::TempDir, Vec<PathBuf>) {
    let out = tempfile::tempdir().unwrap();
    let artifacts = build_project(&repo.root.join("examples/demo"), out.path());
    assert_eq!(artifacts.len(), 2, "{artifacts:?}");
    (out, artifacts)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}):\n{}\n{}",
            run.stdout, run.stderr
        )
    })
}

/// `(filename, status, attempts)` of each file in the JSON report.
fn statuses(document: &Value) -> Vec<(String, String, u64)> {
    document["publish"]["files"]
        .as_array()
        .unwrap_or_else(|| panic!("no publish report in {document:#}"))
        .iter()
        .map(|file| {
            (
                file["filename"].as_str().unwrap().to_owned(),
                file["status"].as_str().unwrap().to_owned(),
                file["attempts"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn sha256(path: &Path) -> String {
    let mut file = std::fs::File::open(path).unwrap();
    pyship_verify::digest::digest_reader(&mut file, false)
        .unwrap()
        .sha256
}

/// Asserts that no canary is in the run's output (which holds the trace-level log) or any file
/// under `target/pyship`, neither as it is nor as the `Authorization: Basic` value it becomes.
fn assert_no_canary(repo: &TestRepo, run: &Run) {
    let basic = |user: &str, secret: &str| BASE64.encode(format!("{user}:{secret}"));
    let encoded = [
        basic("__token__", CANARY_TOKEN),
        basic(USER, CANARY_PASSWORD),
    ];
    let plain = [CANARY_TOKEN, CANARY_PASSWORD, "CANARYcanary"];
    for canary in plain.into_iter().chain(encoded.iter().map(String::as_str)) {
        assert!(
            !run.stdout.contains(canary) && !run.stderr.contains(canary),
            "canary `{canary}` leaked:\n{}\n{}",
            run.stdout,
            run.stderr
        );
        for file in files_under(&repo.root.join("target/pyship")) {
            let bytes = std::fs::read(&file).unwrap();
            let found = bytes
                .windows(canary.len())
                .any(|window| window == canary.as_bytes());
            assert!(!found, "canary `{canary}` in `{}`", file.display());
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            files.extend(files_under(&entry.path()));
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    files
}

#[test]
fn upload_demo_and_corpus_then_rerun_is_a_no_op() {
    let server = Pypiserver::start();
    let repo = TestRepo::new();
    let (out, _) = build(&repo);

    let run = upload(&repo, &server, &[out.path()], PASSWORD);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let document = json(&run);
    assert_eq!(
        statuses(&document),
        vec![
            (WHEEL.to_owned(), "uploaded".to_owned(), 1),
            (SDIST.to_owned(), "uploaded".to_owned(), 1)
        ]
    );
    assert_eq!(
        document["verification"]["files"][0]["problems"],
        Value::Array(vec![])
    );
    assert_eq!(document["remaining"], Value::Array(vec![]));
    let url = document["publish"]["files"][0]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&server.base) && url.contains(WHEEL),
        "{url}"
    );
    assert!(
        run.stderr
            .contains("the index serves exactly the verified bytes"),
        "{}",
        run.stderr
    );
    assert_eq!(server.stored(), vec![WHEEL.to_owned(), SDIST.to_owned()]);
    let wheel = out.path().join(WHEEL);
    assert_eq!(server.stored_bytes(WHEEL), std::fs::read(&wheel).unwrap());
    let record = std::fs::read_to_string(repo.root.join("target/pyship/upload.json")).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&record).unwrap(), document);

    // Real PyPI files of another project, named by path.
    let corpus = pyship_tests::corpus::corpus();
    let attrs: Vec<&Path> = corpus
        .files
        .iter()
        .filter(|file| file.pinned.filename.starts_with("attrs-"))
        .map(|file| file.path.as_path())
        .collect();
    assert_eq!(attrs.len(), 2, "{attrs:?}");
    let url = server.upload_url();
    let mut args = vec![
        "--index-url",
        &url,
        "--username",
        USER,
        "--project",
        "attrs",
    ];
    args.extend(attrs.iter().map(|path| path.to_str().unwrap()));
    let run = xtask(
        &repo,
        "upload",
        &args,
        &[("PYSHIP_INDEX_PASSWORD", PASSWORD)],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(server.stored().len(), 4, "{:?}", server.stored());

    // The same files again: nothing is sent, both are reported as already there.
    let run = upload(&repo, &server, &[out.path()], PASSWORD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        statuses(&json(&run)),
        vec![
            (WHEEL.to_owned(), "already-present".to_owned(), 0),
            (SDIST.to_owned(), "already-present".to_owned(), 0)
        ]
    );
    assert!(
        run.stderr.contains(&format!("{WHEEL}: already present")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&sha256(&wheel)), "{}", run.stderr);
    assert_eq!(server.stored().len(), 4);
}

#[test]
fn upload_changed_bytes_under_a_published_name_exits_1_showing_both_digests() {
    let server = Pypiserver::start();
    let repo = TestRepo::new();
    let (first, _) = build(&repo);
    let run = upload(&repo, &server, &[first.path()], PASSWORD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    repo.write(
        "examples/demo/src/pyship_demo/__init__.py",
        "VALUE = 'changed'\n",
    );
    let (second, _) = build(&repo);
    let (old, new) = (
        sha256(&first.path().join(WHEEL)),
        sha256(&second.path().join(WHEEL)),
    );
    assert_ne!(old, new);

    let run = upload(&repo, &server, &[second.path()], PASSWORD);

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("local sha256 {new}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("index sha256 {old}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("nothing was uploaded"),
        "{}",
        run.stderr
    );
    assert!(json(&run)["error"].as_str().unwrap().contains(WHEEL));
    assert_eq!(
        server.stored_bytes(WHEEL),
        std::fs::read(first.path().join(WHEEL)).unwrap()
    );
}

#[test]
fn upload_wrong_password_exits_1_cleanly_and_stores_nothing() {
    let server = Pypiserver::start();
    let repo = TestRepo::new();
    let (out, _) = build(&repo);

    let run = upload(&repo, &server, &[out.path()], CANARY_PASSWORD);

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let document = json(&run);
    let files = statuses(&document);
    assert_eq!(files[0].1, "failed", "{document:#}");
    assert_eq!(files[1].1, "not-attempted", "{document:#}");
    let failure = document["publish"]["files"][0]["failure"].as_str().unwrap();
    assert!(
        failure.contains("HTTP 401") || failure.contains("HTTP 403"),
        "{failure}"
    );
    assert!(
        run.stderr.contains("live on the index now: none"),
        "{}",
        run.stderr
    );
    // The trace-level log ran and shows the requests, the credential in none of them.
    assert!(
        run.stderr.contains("DEBUG pyship_publish") && run.stderr.contains("POST"),
        "no trace-level log of the upload:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("TRACE"), "{}", run.stderr);
    // ureq-proto's trace dumps each request's bytes in hex rows, `Authorization` included, split
    // where no search for the credential would find it: none of its lines may be in the log.
    assert!(!run.stderr.contains("ureq_proto"), "{}", run.stderr);
    assert!(server.stored().is_empty());
    assert_no_canary(&repo, &run);
}

#[test]
fn upload_with_a_failing_artifact_sends_nothing() {
    let server = Pypiserver::start();
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let broken = out.path().join("pyship_demo-0.1.0-py2-none-any.whl");
    std::fs::write(&broken, b"PK\x03\x04 this is not a zip archive").unwrap();

    let run = upload(&repo, &server, &[out.path()], PASSWORD);

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("pyship_demo-0.1.0-py2-none-any.whl") && run.stderr.contains("error["),
        "the finding names the file and its rule:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("every artifact must verify"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("nothing was uploaded"),
        "{}",
        run.stderr
    );
    let document = json(&run);
    assert_eq!(document["verify"]["clean"], false);
    assert!(document["publish"].is_null());
    assert!(server.stored().is_empty(), "{:?}", server.stored());
}

/// A path that does not exist is a usage error, exit 2 as for `verify` (README exit codes),
/// named in the message, and nothing is sent.
#[test]
fn upload_missing_path_exits_2_naming_it_and_sends_nothing() {
    let server = Pypiserver::start();
    let repo = TestRepo::new();
    let missing = repo.root.join("no-such-dist");

    let run = upload(&repo, &server, &[&missing], PASSWORD);

    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("no-such-dist") && run.stderr.contains("nothing was uploaded"),
        "{}",
        run.stderr
    );
    assert_eq!(json(&run)["exit_status"], 2);
    assert!(server.stored().is_empty(), "{:?}", server.stored());
}

#[test]
fn dry_run_against_the_index_lists_present_and_absent_files() {
    let server = Pypiserver::start();
    let repo = TestRepo::new();
    let url = server.upload_url();
    let env = [("PYPI_API_TOKEN", CANARY_TOKEN)];

    let run = xtask(&repo, "dry-run", &["--index-url", &url], &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let evidence = gate(&run, "index-files-absent", "PASS");
    assert!(
        evidence.contains(&format!("absent: `{WHEEL}`, `{SDIST}`")),
        "{evidence}"
    );
    let credentials = gate(&run, "index-credentials", "PASS");
    assert!(credentials.contains("`PYPI_API_TOKEN`"), "{credentials}");
    let scope = gate(&run, "token-scope", "UNKNOWN");
    assert!(scope.contains("cannot be checked offline"), "{scope}");
    assert_no_canary(&repo, &run);

    // Upload the wheel the dry run built, then ask again.
    let wheel = repo.root.join("target/pyship/dist").join(WHEEL);
    let run = upload(&repo, &server, &[&wheel], PASSWORD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let run = xtask(&repo, "dry-run", &["--index-url", &url], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let evidence = gate(&run, "index-files-absent", "PASS");
    assert!(
        evidence.contains(&format!("absent: `{SDIST}`")),
        "{evidence}"
    );
    assert!(
        evidence.contains(&format!("same sha256 (an upload skips them): `{WHEEL}`")),
        "{evidence}"
    );
    // No credential: UNKNOWN with the reason, never PASS.
    let credentials = gate(&run, "index-credentials", "UNKNOWN");
    assert!(
        credentials.contains("no upload credential"),
        "{credentials}"
    );
    assert_eq!(server.stored(), vec![WHEEL.to_owned()]);
}

/// A private index (pypiserver asking for the credentials on reads too): the look-ups before
/// and after the upload send the upload credentials to its simple API, so the dry run, the
/// upload, its proof and a re-run all work; without a credential the look-up's 401 says that it
/// sent none.
#[test]
fn private_index_look_ups_carry_the_credentials() {
    let server = Pypiserver::start_private();
    let repo = TestRepo::new();
    let url = server.upload_url();
    let login = [("PYSHIP_INDEX_PASSWORD", PASSWORD)];

    let run = xtask(&repo, "dry-run", &["--index-url", &url], &[]);
    let evidence = gate(&run, "index-files-absent", "UNKNOWN");
    assert!(
        evidence.contains("HTTP 401") && evidence.contains("this look-up sent no credentials"),
        "{evidence}"
    );

    let run = xtask(
        &repo,
        "dry-run",
        &["--index-url", &url, "--username", USER],
        &login,
    );
    let evidence = gate(&run, "index-files-absent", "PASS");
    assert!(
        evidence.contains(&format!("absent: `{WHEEL}`, `{SDIST}`")),
        "{evidence}"
    );

    let dist = repo.root.join("target/pyship/dist");
    for round in ["upload", "re-run"] {
        let run = upload(&repo, &server, &[&dist], PASSWORD);
        assert_eq!(run.code, Some(0), "{round}: {}", run.stderr);
        let document = json(&run);
        let expected = if round == "upload" {
            "uploaded"
        } else {
            "already-present"
        };
        for (name, status, _) in statuses(&document) {
            assert_eq!(status, expected, "{round}: {name}: {document:#}");
        }
        assert_no_canary(&repo, &run);
    }
    assert_eq!(server.stored(), [WHEEL, SDIST]);
}

/// The evidence of gate `name`, asserting its verdict.
fn gate(run: &Run, name: &str, verdict: &str) -> String {
    let line = run
        .stderr
        .lines()
        .find(|line| line.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("gate `{name}` missing:\n{}", run.stderr));
    assert!(
        line.starts_with(verdict),
        "gate `{name}`: {line}\n{}",
        run.stderr
    );
    line.split_once(name).unwrap().1.trim().to_owned()
}

/// Extra environment variables for one run.
type Env = [(&'static str, &'static str)];

/// See: pypi-upload.md section 7 item 13; field-failures C16, C17.
#[test]
fn canary_credentials_appear_in_no_output_or_file_on_any_error_path() {
    let server = Pypiserver::start();
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let dist = out.path().to_str().unwrap();
    let local = server.upload_url();
    let in_userinfo = local.replace("://", &format!("://{USER}:{CANARY_PASSWORD}@"));
    let token = [("PYPI_API_TOKEN", CANARY_TOKEN)];
    let cases: [(&str, Vec<&str>, &Env); 4] = [
        // The PyPI token gate: garbage after `pypi-` does not decode (no request is made).
        (
            "token gate",
            vec!["--index-url", "https://upload.pypi.org/legacy/"],
            &token,
        ),
        // The token sent to an index that refuses it.
        ("refused token", vec!["--index-url", &local], &token),
        // A password in the URL is refused before anything else.
        ("userinfo", vec!["--index-url", &in_userinfo], &[]),
        // The wrong password.
        (
            "wrong password",
            vec!["--index-url", &local, "--username", USER],
            &[("PYSHIP_INDEX_PASSWORD", CANARY_PASSWORD)],
        ),
    ];
    for (case, mut args, env) in cases {
        args.extend(["--format=json", dist]);
        let run = xtask(&repo, "upload", &args, env);
        assert_eq!(run.code, Some(1), "{case}: {}", run.stderr);
        json(&run);
        assert_no_canary(&repo, &run);
    }
    assert!(server.stored().is_empty());
}

/// See: pypi-upload.md section 7 item 14 (uv#9227: a username sent to PyPI got a 403).
#[test]
fn upload_username_for_pypi_is_refused_locally_with_the_403_explained() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let args = [
        "--index-url",
        "https://upload.pypi.org/legacy/",
        "--username",
        "someone",
        out.path().to_str().unwrap(),
    ];
    let run = xtask(
        &repo,
        "upload",
        &args,
        &[("PYSHIP_INDEX_PASSWORD", CANARY_PASSWORD)],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let evidence = gate(&run, "index-credentials", "FAIL");
    assert!(
        evidence.contains("API tokens only (username `__token__`)"),
        "{evidence}"
    );
    assert!(evidence.contains("403"), "{evidence}");
    assert_no_canary(&repo, &run);
}

/// The offline token gate through the command: tokens that fail it are refused with evidence
/// before any request (the upload URL is PyPI's, which no test may reach), and no part of the
/// token is shown. A TestPyPI token for PyPI and an account-wide token are two of its cases.
#[test]
fn upload_refuses_tokens_failing_the_gate_before_any_request() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let dist = out.path().to_str().unwrap();
    let key = b"test root key";
    let cases = [
        (
            pyship_publish::token::mint_token(key, "pypi.org", "CANARYid", &[r#"[3,"user-uuid"]"#]),
            "account-wide",
        ),
        (
            pyship_publish::token::mint_token(
                key,
                "test.pypi.org",
                "CANARYid",
                &[r#"[1,["pyship-demo"]]"#],
            ),
            "issued by `test.pypi.org`",
        ),
        (
            pyship_publish::token::mint_token(key, "pypi.org", "CANARYid", &[r#"[1,["other"]]"#]),
            "scoped to `other`",
        ),
    ];
    for (token, expected) in cases {
        let args = ["--index-url", "https://upload.pypi.org/legacy/", dist];
        let run = xtask(
            &repo,
            "upload",
            &args,
            &[("PYPI_API_TOKEN", token.expose())],
        );
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        let evidence = gate(&run, "token-scope", "FAIL");
        assert!(evidence.contains(expected), "{evidence}");
        let body = token.expose().trim_start_matches("pypi-");
        let shown = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !shown.contains(body) && !shown.contains("CANARYid"),
            "{shown}"
        );
        // Nor in the upload record or any other file pyship wrote.
        let files = files_under(&repo.root.join("target/pyship"));
        assert!(
            files.iter().any(|file| file.ends_with("upload.json")),
            "{files:?}"
        );
        for file in files {
            let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
            assert!(!text.contains(body), "token in `{}`", file.display());
        }
        assert!(
            run.stderr.contains("nothing was uploaded"),
            "{}",
            run.stderr
        );
    }
}

/// See: pypi-upload.md section 2.1 (the runner hands out ID tokens only with `id-token: write`).
#[test]
fn upload_in_github_actions_without_id_token_permission_names_it() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let args = [
        "--index-url",
        "https://upload.pypi.org/legacy/",
        out.path().to_str().unwrap(),
    ];
    let run = xtask(&repo, "upload", &args, &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let evidence = gate(&run, "index-credentials", "UNKNOWN");
    assert!(evidence.contains("`id-token: write`"), "{evidence}");
    assert!(
        run.stderr.contains("nothing was uploaded"),
        "{}",
        run.stderr
    );
}

/// Shaped like a classic GitHub token.
const CANARY_GITHUB: &str = "ghp_CANARYcanaryCANARYcanary0123456789";

/// A `[workspace.metadata.pyship]` that cargo or the config reader refuses, with a token on the
/// offending line: cargo's TOML error quotes that line, serde's quotes an unknown key. Neither
/// `upload` nor `token check` may echo the token (exit 2, the file named).
///
/// See: field-failures C16 (pypa/twine#1233: a malformed `.pypirc` printed with its token).
#[test]
fn malformed_config_holding_a_token_is_reported_without_it() {
    let cases = [
        // Not TOML: the value is unquoted, and cargo quotes the line with a caret under it.
        format!("index-url = {CANARY_TOKEN}\n"),
        format!("index-url = {CANARY_GITHUB}\n"),
        // TOML, but an unknown key: the deserializer names the key.
        format!("\"{CANARY_TOKEN}\" = 1\n"),
        format!("github-repository = \"a/b\" {CANARY_GITHUB}\n"),
        // An unterminated string holding a URL with a password: only its shape gives it away.
        format!("index-url = \"https://{USER}:{CANARY_PASSWORD}@index.example/legacy/\n"),
    ];
    let repo = TestRepo::new();
    let original = repo.read("Cargo.toml");
    for line in cases {
        repo.write("Cargo.toml", &format!("{original}{line}"));
        let manifest = repo.manifest();
        let manifest = manifest.to_str().unwrap();
        let runs = [
            ("upload", xtask(&repo, "upload", &["--format=json"], &[])),
            (
                "token check",
                run_xtask_with_env(
                    &repo.root,
                    &["--manifest-path", manifest, "token", "check"],
                    &[],
                ),
            ),
        ];
        for (command, run) in runs {
            assert_eq!(run.code, Some(2), "{command} {line}: {}", run.stderr);
            assert!(
                run.stderr.contains("Cargo.toml"),
                "{command} {line}: the error names the file:\n{}",
                run.stderr
            );
            for canary in [CANARY_TOKEN, CANARY_GITHUB, "CANARYcanary"] {
                assert!(
                    !run.stdout.contains(canary) && !run.stderr.contains(canary),
                    "{command} {line}: `{canary}` leaked:\n{}\n{}",
                    run.stdout,
                    run.stderr
                );
            }
            assert_no_canary(&repo, &run);
        }
    }
}

/// A fake PyPI on loopback that takes `__token__` with the canary token, as an index other than
/// PyPI would: the token is sent as it is, so every error path after the credential step runs
/// with the canary in the request.
fn fake_index() -> FakePypi {
    FakePypi::start(Auth::Basic {
        username: "__token__".to_owned(),
        password: CANARY_TOKEN.to_owned(),
    })
}

/// `upload --format=json` of `paths` to `fake`'s `/legacy/` with `extra` arguments and
/// environment (the canary token unless `env` sets `PYPI_API_TOKEN`), no keyring reachable.
fn upload_to_fake(
    repo: &TestRepo,
    fake: &FakePypi,
    paths: &[&Path],
    extra: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let url = fake.url("/legacy/");
    let mut args = vec!["--index-url", &url, "--format=json"];
    args.extend(extra);
    args.extend(paths.iter().map(|path| path.to_str().unwrap()));
    let manifest = repo.manifest();
    let output = xtask_command(&["--manifest-path", manifest.to_str().unwrap(), "upload"])
        .arg(format!("--python={}", test_python().display()))
        .args(&args)
        .env("PYPI_API_TOKEN", CANARY_TOKEN)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env(TRACE.0, TRACE.1)
        .envs(env.iter().copied())
        .current_dir(&repo.root)
        .output()
        .expect("failed to run xtask");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Exit 1 before the first upload: the error is in stderr and the JSON record (printed and
/// written), nothing was posted, and the canary is nowhere.
fn assert_refused_before_upload(repo: &TestRepo, fake: &FakePypi, run: &Run, expected: &str) {
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing was uploaded"),
        "{}",
        run.stderr
    );
    let document = json(run);
    let error = document["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(expected),
        "`{expected}` not in the JSON error `{error}`:\n{}",
        run.stderr
    );
    let record = std::fs::read_to_string(repo.root.join("target/pyship/upload.json")).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&record).unwrap(), document);
    assert!(fake.posts().is_empty(), "{:?}", fake.posts());
    assert_no_canary(repo, run);
}

/// A file the index has under the same name with other bytes: both digests shown, nothing sent.
/// A look-up the index answers with 401 or a 5xx: only a 404 means absent, so nothing is sent.
///
/// See: pypi-upload.md section 7 items 4 (uv#16073) and 13; field-failures C11.
#[test]
fn canary_upload_stops_on_a_conflict_or_failed_look_up_before_sending() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let local = sha256(&out.path().join(WHEEL));
    let other = "ab".repeat(32);

    let fake = fake_index();
    fake.lock().files.push(Stored {
        filename: WHEEL.to_owned(),
        sha256: other.clone(),
        blake2b_256: "cd".repeat(32),
        size: 1,
        name: "pyship-demo".to_owned(),
        version: "0.1.0".to_owned(),
    });
    let run = upload_to_fake(&repo, &fake, &[out.path()], &[], &[]);
    assert_refused_before_upload(&repo, &fake, &run, WHEEL);
    for digest in [&local, &other] {
        assert!(run.stderr.contains(digest.as_str()), "{}", run.stderr);
    }
    assert!(
        run.stderr.contains("release a new version") && run.stderr.contains("SOURCE_DATE_EPOCH"),
        "{}",
        run.stderr
    );
    assert_eq!(fake.lock().files.len(), 1);

    for status in [401, 500] {
        let fake = fake_index();
        fake.lock().simple_status = Some(status);
        let run = upload_to_fake(&repo, &fake, &[out.path()], &[], &[]);
        assert_refused_before_upload(&repo, &fake, &run, &status.to_string());
        assert!(fake.n_gets() >= 1, "the index was asked");
    }
}

/// The index answers 200 to every upload but serves nothing: the proof fails, exit 1, and the
/// record says what is not served.
///
/// See: field-failures C14 (a wrong upload URL reported as success).
#[test]
fn canary_upload_accepted_but_not_served_fails_the_proof() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let fake = fake_index();
    fake.lock()
        .scripts
        .extend([Script::AcceptAndForget, Script::AcceptAndForget]);

    let run = upload_to_fake(&repo, &fake, &[out.path()], &[], &[]);

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let document = json(&run);
    let problems = &document["verification"]["files"][0]["problems"];
    assert!(
        problems.as_array().is_some_and(|p| !p.is_empty()),
        "{document:#}"
    );
    assert!(
        run.stderr.contains("does not serve what was verified"),
        "{}",
        run.stderr
    );
    assert_eq!(fake.posts().len(), 2);
    assert!(fake.lock().files.is_empty());
    let record = std::fs::read_to_string(repo.root.join("target/pyship/upload.json")).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&record).unwrap(), document);
    assert_no_canary(&repo, &run);
}

/// Preflight refusals reachable on any index: an artifact of another project (C19), an
/// attestation for other bytes, and attestations for some files only (all or nothing).
///
/// See: pypi-upload.md section 7 items 10, 11; field-failures C19.
#[test]
fn canary_upload_preflight_refusals_send_nothing() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let wheel = out.path().join(WHEEL);

    let fake = fake_index();
    let run = upload_to_fake(&repo, &fake, &[out.path()], &["--project", "other"], &[]);
    assert_refused_before_upload(&repo, &fake, &run, "other");
    assert_eq!(fake.n_gets(), 0, "preflight comes before the look-up");

    let attestation = out.path().join(format!("{WHEEL}.publish.attestation"));
    let other = "ef".repeat(32);
    std::fs::write(&attestation, attestation_json(WHEEL, &other)).unwrap();
    let fake = fake_index();
    let run = upload_to_fake(&repo, &fake, &[out.path()], &[], &[]);
    assert_refused_before_upload(&repo, &fake, &run, &other);

    std::fs::write(&attestation, attestation_json(WHEEL, &sha256(&wheel))).unwrap();
    let fake = fake_index();
    let run = upload_to_fake(&repo, &fake, &[out.path()], &[], &[]);
    assert_refused_before_upload(&repo, &fake, &run, SDIST);
}

/// A PEP 740 attestation (unsigned) whose statement attests `sha256` for `filename`.
fn attestation_json(filename: &str, sha256: &str) -> String {
    use base64::Engine as _;
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": filename, "digest": { "sha256": sha256 } }],
        "predicateType": "https://docs.pypi.org/attestations/publish/v1",
        "predicate": null,
    });
    serde_json::json!({
        "version": 1,
        "verification_material": { "certificate": "Y2VydA==", "transparency_entries": [] },
        "envelope": {
            "statement": base64::engine::general_purpose::STANDARD.encode(statement.to_string()),
            "signature": "c2ln",
        },
    })
    .to_string()
}

/// `PYPI_API_TOKEN=""` (a deleted CI secret) and whitespace count as absent: the credential gate
/// says so naming the variable, and no request at all reaches the index.
///
/// See: field-failures C22.
#[test]
fn empty_token_is_absent_and_nothing_is_sent() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    for empty in ["", "  "] {
        let fake = fake_index();
        let run = upload_to_fake(
            &repo,
            &fake,
            &[out.path()],
            &[],
            &[("PYPI_API_TOKEN", empty)],
        );
        assert_refused_before_upload(&repo, &fake, &run, "no usable upload credential");
        let evidence = gate(&run, "index-credentials", "UNKNOWN");
        assert!(
            evidence.contains("`PYPI_API_TOKEN` is not set"),
            "{evidence}"
        );
        assert!(fake.lock().seen.is_empty(), "{:?}", fake.lock().seen);
    }
}

/// A batch the index refuses half-way: the wheel is live, the sdist refused; the record says
/// so. The re-run skips the live wheel by its sha256 and uploads only the sdist.
///
/// See: field-failures C13 (partial publish, re-run resumes).
#[test]
fn canary_upload_resumes_after_a_mid_batch_refusal() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let fake = fake_index();
    fake.lock().scripts.extend([
        Script::StoreThenRespond(200, "OK"),
        Script::Respond(400, "Invalid distribution file.", Vec::new()),
    ]);

    let run = upload_to_fake(&repo, &fake, &[out.path()], &[], &[]);

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let document = json(&run);
    assert_eq!(
        statuses(&document),
        vec![
            (WHEEL.to_owned(), "uploaded".to_owned(), 1),
            (SDIST.to_owned(), "failed".to_owned(), 1)
        ]
    );
    assert_eq!(document["live"], serde_json::json!([WHEEL]));
    assert_eq!(document["remaining"], serde_json::json!([SDIST]));
    assert!(
        run.stderr
            .contains(&format!("live on the index now: `{WHEEL}`")),
        "{}",
        run.stderr
    );
    assert_no_canary(&repo, &run);

    let run = upload_to_fake(&repo, &fake, &[out.path()], &[], &[]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        statuses(&json(&run)),
        vec![
            (WHEEL.to_owned(), "already-present".to_owned(), 0),
            (SDIST.to_owned(), "uploaded".to_owned(), 1)
        ]
    );
    let posted: Vec<Option<String>> = fake
        .posts()
        .iter()
        .map(|post| post.content_filename.clone())
        .collect();
    assert_eq!(
        posted,
        vec![
            Some(WHEEL.to_owned()),
            Some(SDIST.to_owned()),
            Some(SDIST.to_owned())
        ]
    );
    let stored: Vec<String> = fake
        .lock()
        .files
        .iter()
        .map(|f| f.filename.clone())
        .collect();
    assert_eq!(stored, vec![WHEEL.to_owned(), SDIST.to_owned()]);
}

/// With `--index-site pypi` the fake on loopback follows PyPI's rules, as a Warehouse
/// deployment does. A wheel with `Metadata-Version: 2.6`, verified against the generic rules
/// (`verify --target pypi` would already refuse it, META-02), is refused by preflight with the
/// versions PyPI accepts, before any request.
///
/// See: pypi-upload.md section 7 item 7; field-failures C04.
#[test]
fn canary_upload_unsupported_metadata_version_is_refused_by_preflight() {
    let repo = TestRepo::new();
    let dir = tempfile::tempdir().unwrap();
    let metadata = pyship_tests::zipwriter::BASELINE_METADATA.replace("2.1", "2.6");
    let wheel = pyship_tests::zipwriter::WheelBuilder::baseline()
        .file("foo-1.0.dist-info/METADATA", metadata.as_bytes())
        .bytes();
    let path = dir.path().join(pyship_tests::zipwriter::BASELINE_FILENAME);
    std::fs::write(&path, wheel).unwrap();
    let fake = fake_index();
    // A token that passes PyPI's offline gate for `foo`.
    let token = pyship_publish::token::mint_token(
        b"xtask test key",
        "pypi.org",
        "CANARYcanary-id",
        &[r#"[1,["foo"]]"#],
    );

    let run = upload_to_fake(
        &repo,
        &fake,
        &[&path],
        &[
            "--index-site",
            "pypi",
            "--project",
            "foo",
            "--target",
            "generic",
        ],
        &[("PYPI_API_TOKEN", token.expose())],
    );

    assert_refused_before_upload(&repo, &fake, &run, "2.6");
    let body = &token.expose()[token.expose().len() - 24..];
    assert!(
        !run.stdout.contains(body) && !run.stderr.contains(body),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("2.4"), "{}", run.stderr);
    assert!(fake.lock().seen.is_empty(), "{:?}", fake.lock().seen);
}

/// Trusted publishing in GitHub Actions against a Warehouse that refuses the publisher: the
/// mint answers 422 `invalid-publisher`, the run exits 1 with the reason and the claims, nothing
/// is stored, and neither the runner's request token nor anything minted is shown.
///
/// See: pypi-upload.md section 2.2; field-failures C20.
#[test]
fn canary_upload_trusted_publishing_mint_422_is_reported_without_secrets() {
    let repo = TestRepo::new();
    let (out, _) = build(&repo);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .cast_signed();
    let fake = FakePypi::start(Auth::Macaroon {
        root_key: b"xtask oidc test key".to_vec(),
        now,
    });
    {
        let mut state = fake.lock();
        state.clock.store(now, std::sync::atomic::Ordering::SeqCst);
        state.oidc = Some(pyship_tests::fake_pypi::OidcFake {
            audience_status: 200,
            claims: serde_json::json!({
                "sub": "repo:org/repo:environment:pypi",
                "repository": "org/repo",
                "workflow_ref": "org/repo/.github/workflows/release.yml@refs/tags/v0.1.0",
                "job_workflow_ref": "org/repo/.github/workflows/release.yml@refs/tags/v0.1.0",
                "ref": "refs/tags/v0.1.0",
            }),
            runner_token: CANARY_PASSWORD.to_owned(),
            lifetime: 900,
            refuse_publisher: true,
            used_jti: Vec::new(),
            issued: 0,
        });
    }
    let id_token_url = fake.url("/oidc/id-token?api-version=2.0");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", id_token_url.as_str()),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", CANARY_PASSWORD),
    ];

    let run = upload_to_fake(&repo, &fake, &[out.path()], &["--index-site", "pypi"], &env);

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    json(&run);
    let credentials = gate(&run, "index-credentials", "PASS");
    assert!(credentials.contains("trusted publishing"), "{credentials}");
    assert!(
        run.stderr.contains("422") && run.stderr.contains("invalid-publisher"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("release.yml"),
        "the claims are shown:\n{}",
        run.stderr
    );
    assert!(fake.lock().files.is_empty());
    assert_eq!(fake.lock().oidc.as_ref().unwrap().issued, 1);
    assert_no_canary(&repo, &run);
}
