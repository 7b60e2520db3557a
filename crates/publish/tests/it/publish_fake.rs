//! Publishing against the fake PyPI: the form and headers PyPI reads, idempotent re-runs,
//! retries that look before they resend, redirects, refusals with hints, partial batches, the
//! post-upload proof, token narrowing accepted by a macaroon-checking index, and a canary token
//! that must never show up in anything the crate returns.
//!
//! See: pypi-upload.md section 7; field-failures C10, C11, C13, C14, C16, C17, C19.

use std::path::Path;
use std::time::Duration;

use pyship_publish::{
    Credentials, FileStatus, HttpClient, HttpOptions, IndexUrls, LocalArtifact, NoReporter,
    PollPolicy, PublishError, PublishReport, PublishRequest, RetryPolicy, SafeUrl, Secret,
    narrow_token, publish, read_artifact, token::mint_token, verify_published,
};

use crate::fixtures::{self, NAME, VERSION};
use pyship_tests::fake_pypi::{Auth, FakePypi, Script};

const PASSWORD: &str = "pypi-CANARYcanaryCANARYcanaryCANARY0123456789";

fn basic_fake() -> FakePypi {
    FakePypi::start(Auth::Basic {
        username: "__token__".into(),
        password: PASSWORD.into(),
    })
}

fn index(fake: &FakePypi, upload_path: &str) -> IndexUrls {
    IndexUrls {
        upload: SafeUrl::parse(&fake.url(upload_path)).unwrap(),
        simple: SafeUrl::parse(&fake.url("/simple/")).unwrap(),
        json_api: Some(SafeUrl::parse(&fake.url("/pypi/")).unwrap()),
        site: None,
    }
}

fn client() -> HttpClient {
    HttpClient::new(&HttpOptions {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(10),
        write_timeout: Duration::from_secs(10),
    })
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
    }
}

fn fast_poll() -> PollPolicy {
    PollPolicy {
        attempts: 3,
        interval: Duration::from_millis(50),
    }
}

fn artifacts(dir: &Path) -> Vec<LocalArtifact> {
    let sdist = fixtures::sdist(dir, NAME, VERSION, "one");
    let wheel = fixtures::wheel(dir, NAME, VERSION, "one");
    // Given sdist first on purpose: the run uploads wheels first.
    vec![
        read_artifact(&sdist).unwrap(),
        read_artifact(&wheel).unwrap(),
    ]
}

fn run(
    fake: &FakePypi,
    index: &IndexUrls,
    artifacts: &[LocalArtifact],
) -> Result<PublishReport, PublishError> {
    let credentials = Credentials::token(Secret::new(PASSWORD));
    let request = PublishRequest {
        index,
        project: NAME,
        credentials: &credentials,
        artifacts,
        retry: fast_retry(),
        poll: fast_poll(),
    };
    let _ = fake;
    publish(&client(), &request, &NoReporter)
}

fn statuses(report: &PublishReport) -> Vec<(String, FileStatus)> {
    report
        .files
        .iter()
        .map(|f| (f.filename.clone(), f.status))
        .collect()
}

#[test]
fn uploads_wheel_then_sdist_with_the_form_pypi_reads() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap();
    assert!(report.is_complete(), "{report:#?}");
    assert_eq!(
        statuses(&report),
        vec![
            (
                "demo_pkg-0.1.0-py3-none-any.whl".into(),
                FileStatus::Uploaded
            ),
            ("demo_pkg-0.1.0.tar.gz".into(), FileStatus::Uploaded),
        ]
    );
    let posts = fake.posts();
    assert_eq!(posts.len(), 2);
    let wheel = &posts[0];
    assert_eq!(
        wheel.content_filename.as_deref(),
        Some("demo_pkg-0.1.0-py3-none-any.whl")
    );
    assert_eq!(
        wheel.content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(wheel.field("name"), ["Demo.Pkg"], "Name is sent verbatim");
    assert_eq!(wheel.field("filetype"), ["bdist_wheel"]);
    assert_eq!(wheel.field("pyversion"), ["py3"]);
    assert_eq!(wheel.field("metadata_version"), ["2.4"]);
    assert_eq!(wheel.field("license_expression"), ["MIT"]);
    assert_eq!(
        wheel.field("classifiers"),
        ["Programming Language :: Python :: 3"]
    );
    assert_eq!(
        wheel.field("description"),
        ["# Demo\n\nLong description.\n"]
    );
    assert_eq!(
        wheel.field("sha256_digest"),
        [artifacts[1].digests.sha256.as_str()]
    );
    assert_eq!(
        wheel.field("blake2_256_digest"),
        [artifacts[1].digests.blake2b_256.as_str()]
    );
    assert!(wheel.field("md5_digest").is_empty());
    assert!(wheel.header("user-agent").unwrap().starts_with("pyship/"));
    assert_eq!(
        wheel
            .header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        wheel.body_len,
        "streamed with a declared length, not chunked"
    );
    assert!(wheel.header("transfer-encoding").is_none());
    assert!(wheel.header("authorization").unwrap().starts_with("Basic "));
    let sdist = &posts[1];
    assert_eq!(sdist.field("filetype"), ["sdist"]);
    assert_eq!(sdist.field("pyversion"), ["source"]);
}

#[test]
fn rerun_is_a_no_op_that_reports_files_as_already_present() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let index = index(&fake, "/legacy/");
    run(&fake, &index, &artifacts).unwrap();
    let report = run(&fake, &index, &artifacts).unwrap();
    assert!(report.is_complete());
    assert!(
        report
            .files
            .iter()
            .all(|f| f.status == FileStatus::AlreadyPresent && f.attempts == 0)
    );
    assert_eq!(fake.posts().len(), 2, "the second run sent nothing");
}

#[test]
fn different_bytes_under_same_name_fail_before_any_upload() {
    let fake = basic_fake();
    let index = index(&fake, "/legacy/");
    let first = tempfile::tempdir().unwrap();
    run(&fake, &index, &artifacts(first.path())[1..]).unwrap();
    let second = tempfile::tempdir().unwrap();
    let changed = vec![
        read_artifact(&fixtures::sdist(second.path(), NAME, VERSION, "two")).unwrap(),
        read_artifact(&fixtures::wheel(second.path(), NAME, VERSION, "two")).unwrap(),
    ];
    let err = run(&fake, &index, &changed).unwrap_err();
    let PublishError::Conflict {
        filename,
        local,
        remote,
    } = &err
    else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(filename, "demo_pkg-0.1.0-py3-none-any.whl");
    assert_ne!(local, remote);
    let shown = err.to_string();
    assert!(
        shown.contains(local.as_str()) && shown.contains(remote.as_str()),
        "{shown}"
    );
    assert_eq!(
        fake.posts().len(),
        1,
        "nothing of the second batch was sent"
    );
}

/// See: field-failures C10; pypi-upload.md section 7 item 2 (warehouse#1372).
#[test]
fn a_503_after_the_file_was_stored_is_found_by_lookup_not_resent() {
    let fake = basic_fake();
    fake.lock()
        .scripts
        .push_back(Script::StoreThenRespond(503, "503 client read error"));
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts[1..]).unwrap();
    let file = &report.files[0];
    assert_eq!(file.status, FileStatus::AlreadyPresent, "{file:#?}");
    assert_eq!(file.attempts, 1);
    assert_eq!(
        file.server_message.as_deref(),
        Some("503 client read error")
    );
    assert_eq!(fake.posts().len(), 1);
    assert_eq!(fake.lock().files.len(), 1);
}

/// See: pypi-upload.md section 7 item 2 (sensmetry/sysand#223).
#[test]
fn retries_503_twice_with_lookups_between_then_uploads() {
    let fake = basic_fake();
    for _ in 0..2 {
        fake.lock().scripts.push_back(Script::Respond(
            503,
            "client read error",
            vec![("Retry-After", "0".into())],
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let gets_before = fake.n_gets();
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts[1..]).unwrap();
    let file = &report.files[0];
    assert_eq!(file.status, FileStatus::Uploaded, "{file:#?}");
    assert_eq!(file.attempts, 3);
    assert_eq!(fake.posts().len(), 3);
    assert_eq!(
        fake.n_gets() - gets_before,
        3,
        "one look-up before the run, one before each retry"
    );
}

#[test]
fn a_dropped_connection_is_retried() {
    let fake = basic_fake();
    fake.lock().scripts.push_back(Script::Drop);
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts[1..]).unwrap();
    assert_eq!(
        report.files[0].status,
        FileStatus::Uploaded,
        "{:#?}",
        report.files[0]
    );
    assert_eq!(report.files[0].attempts, 2);
}

#[test]
fn gives_up_after_max_attempts_and_says_so() {
    let fake = basic_fake();
    for _ in 0..4 {
        fake.lock()
            .scripts
            .push_back(Script::Respond(502, "bad gateway", Vec::new()));
    }
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap();
    assert_eq!(
        statuses(&report)
            .into_iter()
            .map(|(_, s)| s)
            .collect::<Vec<_>>(),
        vec![FileStatus::Failed, FileStatus::NotAttempted]
    );
    assert_eq!(report.files[0].attempts, 4);
    assert!(
        report.files[0]
            .failure
            .as_deref()
            .unwrap()
            .contains("gave up after 4 attempts")
    );
    assert_eq!(fake.posts().len(), 4);
}

/// See: field-failures C13 (wheels accepted, sdist rejected: say what is live and what remains).
#[test]
fn a_refused_file_stops_the_batch_and_the_report_says_what_is_live() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let mut artifacts = artifacts(dir.path());
    let other_dir = tempfile::tempdir().unwrap();
    let second_wheel = fixtures::wheel(other_dir.path(), NAME, VERSION, "x");
    let renamed = dir.path().join("demo_pkg-0.1.0-py2-none-any.whl");
    std::fs::rename(&second_wheel, &renamed).unwrap();
    artifacts.push(read_artifact(&renamed).unwrap());
    fake.lock()
        .scripts
        .push_back(Script::Respond(200, "", Vec::new()));
    fake.lock().scripts.push_back(Script::Respond(
        400,
        "Invalid distribution file.",
        Vec::new(),
    ));
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap();
    assert!(!report.is_complete());
    assert_eq!(
        statuses(&report)
            .into_iter()
            .map(|(_, s)| s)
            .collect::<Vec<_>>(),
        vec![
            FileStatus::Uploaded,
            FileStatus::Failed,
            FileStatus::NotAttempted
        ]
    );
    assert_eq!(report.live(), vec!["demo_pkg-0.1.0-py3-none-any.whl"]);
    assert_eq!(
        report.remaining(),
        vec!["demo_pkg-0.1.0-py2-none-any.whl", "demo_pkg-0.1.0.tar.gz"]
    );
    assert_eq!(report.files[1].attempts, 1, "a 400 is never retried");
    assert_eq!(
        report.files[1].server_message.as_deref(),
        Some("Invalid distribution file.")
    );
    assert_eq!(fake.posts().len(), 2);
}

/// See: field-failures C11 (vendor "exists" answers: decide by look-up, not by wording).
#[test]
fn vendor_exists_answers_are_decided_by_lookup() {
    let fake = basic_fake();
    fake.lock().scripts.push_back(Script::StoreThenRespond(
        409,
        "The feed already contains file",
    ));
    fake.lock().scripts.push_back(Script::Respond(
        400,
        "Repository does not allow updating assets: pypi-hosted",
        Vec::new(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap();
    assert_eq!(
        report.files[0].status,
        FileStatus::AlreadyPresent,
        "409 with the file listed"
    );
    assert_eq!(
        report.files[1].status,
        FileStatus::Failed,
        "400 with the file absent"
    );
    assert!(
        report.files[1]
            .server_message
            .as_deref()
            .unwrap()
            .contains("does not allow updating")
    );
}

/// See: pypi-upload.md section 7 item 4 (uv#16073: a 401 look-up was taken as "absent").
#[test]
fn lookup_refusals_stop_the_run_before_any_upload() {
    for status in [401, 403, 500] {
        let fake = basic_fake();
        fake.lock().simple_status = Some(status);
        let dir = tempfile::tempdir().unwrap();
        let err = run(&fake, &index(&fake, "/legacy/"), &artifacts(dir.path())).unwrap_err();
        let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert!(chain.contains(&format!("HTTP {status}")), "{chain}");
        assert!(fake.posts().is_empty());
    }
}

#[test]
fn follows_only_the_same_origin_308_to_the_trailing_slash() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let report = run(&fake, &index(&fake, "/legacy"), &artifacts(dir.path())).unwrap();
    assert!(report.is_complete(), "{report:#?}");
    let paths: Vec<String> = fake.posts().iter().map(|p| p.path.clone()).collect();
    assert_eq!(paths, ["/legacy", "/legacy/", "/legacy", "/legacy/"]);
}

/// See: field-failures C14 (a redirected upload URL was reported as success).
#[test]
fn any_other_redirect_is_an_error_naming_the_target() {
    let fake = basic_fake();
    fake.lock().scripts.push_back(Script::Respond(
        301,
        "",
        vec![("Location", "https://pypi.example/pypi".into())],
    ));
    let dir = tempfile::tempdir().unwrap();
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts(dir.path())).unwrap();
    let failure = report.files[0].failure.clone().unwrap();
    assert!(failure.contains("https://pypi.example/pypi"), "{failure}");
    assert!(failure.contains("HTTP 301"), "{failure}");
    assert_eq!(report.files[0].attempts, 1);
}

/// See: field-failures C14; pypiserver#540 (`/simple/` used as the upload URL → 405).
#[test]
fn posting_to_an_index_page_gets_the_405_hint() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let report = run(&fake, &index(&fake, "/simple/"), &artifacts(dir.path())).unwrap();
    let hint = report.files[0].hint.clone().unwrap();
    assert!(hint.contains("upload endpoint"), "{hint}");
    assert_eq!(
        report.files[0].server_message.as_deref(),
        Some("405 Method Not Allowed")
    );
}

/// See: field-failures C14 (server said OK, nothing was published).
#[test]
fn verification_fails_when_the_index_accepted_but_stored_nothing() {
    let fake = basic_fake();
    fake.lock().scripts.push_back(Script::AcceptAndForget);
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let index = index(&fake, "/legacy/");
    let report = run(&fake, &index, &artifacts).unwrap();
    assert!(report.is_complete(), "the server said 200 for both");
    let credentials = Credentials::token(Secret::new(PASSWORD));
    let request = PublishRequest {
        index: &index,
        project: NAME,
        credentials: &credentials,
        artifacts: &artifacts,
        retry: fast_retry(),
        poll: fast_poll(),
    };
    let verification = verify_published(&client(), &request, &NoReporter).unwrap();
    assert!(!verification.is_verified());
    assert_eq!(verification.rounds, 3, "polled to the bound");
    let wheel = verification
        .files
        .iter()
        .find(|f| f.filename == artifacts[1].filename)
        .unwrap();
    assert_eq!(
        wheel.problems,
        vec![
            "not listed in the simple index",
            "not in the JSON API's release files"
        ]
    );
}

#[test]
fn verification_proves_digests_core_metadata_and_json_info() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let index = index(&fake, "/legacy/");
    run(&fake, &index, &artifacts).unwrap();
    let wheel = &artifacts[1];
    fake.lock()
        .core_metadata
        .push((wheel.filename.clone(), wheel.metadata_sha256.clone()));
    let credentials = Credentials::token(Secret::new(PASSWORD));
    let request = PublishRequest {
        index: &index,
        project: NAME,
        credentials: &credentials,
        artifacts: &artifacts,
        retry: fast_retry(),
        poll: fast_poll(),
    };
    let verification = verify_published(&client(), &request, &NoReporter).unwrap();
    assert!(verification.is_verified(), "{verification:#?}");
    assert_eq!(verification.rounds, 1);

    // A served core-metadata hash that differs, and a JSON API that renamed the project.
    fake.lock().core_metadata[0].1 = "00".repeat(32);
    fake.lock().json_name_override = Some("demo-pkg".into());
    let verification = verify_published(&client(), &request, &NoReporter).unwrap();
    let problems = &verification
        .files
        .iter()
        .find(|f| f.filename == wheel.filename)
        .unwrap()
        .problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("served core metadata sha256")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("JSON API shows `demo-pkg 0.1.0`, sent `Demo.Pkg 0.1.0`")),
        "{problems:?}"
    );
}

#[test]
fn html_simple_api_is_read_when_json_is_not_offered() {
    let fake = basic_fake();
    fake.lock().html_simple = true;
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let index = index(&fake, "/legacy/");
    run(&fake, &index, &artifacts).unwrap();
    let report = run(&fake, &index, &artifacts).unwrap();
    assert!(
        report
            .files
            .iter()
            .all(|f| f.status == FileStatus::AlreadyPresent)
    );
    assert_eq!(fake.posts().len(), 2);
}

#[test]
fn refuses_clear_text_upload_url_that_is_not_loopback() {
    let fake = basic_fake();
    let mut index = index(&fake, "/legacy/");
    index.upload = SafeUrl::parse("http://upload.pypi.example/legacy/").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = run(&fake, &index, &artifacts(dir.path())).unwrap_err();
    assert!(matches!(err, PublishError::Insecure { .. }), "{err:?}");
    assert!(fake.posts().is_empty() && fake.n_gets() == 0);
}

/// See: field-failures C19 (token for another project: refused before any request).
#[test]
fn artifact_name_other_than_the_project_is_refused_before_any_request() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let other = read_artifact(&fixtures::wheel(dir.path(), "widgetastic", "1.0", "x")).unwrap();
    let index = index(&fake, "/legacy/");
    let credentials = Credentials::token(Secret::new(PASSWORD));
    let request = PublishRequest {
        index: &index,
        project: "widgetastic.core",
        credentials: &credentials,
        artifacts: std::slice::from_ref(&other),
        retry: fast_retry(),
        poll: fast_poll(),
    };
    let err = publish(&client(), &request, &NoReporter).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`widgetastic-1.0-py3-none-any.whl` has Name `widgetastic`, but the project being published is `widgetastic.core`"
    );
    assert!(fake.posts().is_empty() && fake.n_gets() == 0);
}

#[test]
fn a_file_changed_after_verification_is_not_stored() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    std::fs::write(
        &artifacts[1].path,
        b"not the verified bytes, but long enough to matter",
    )
    .unwrap();
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap();
    let failure = report.files[0].failure.clone().unwrap();
    assert!(
        failure.contains("changed since it was verified") || failure.contains("shrank"),
        "{failure}"
    );
    assert_eq!(report.files[0].attempts, 1, "never retried");
    assert!(fake.lock().files.is_empty());
}

/// See: pypi-upload.md section 7 item 1 (uv#7809: a total timeout killed slow uploads).
#[test]
fn a_slow_but_moving_upload_outlives_the_inactivity_timeouts() {
    let fake = basic_fake();
    fake.lock().slow_read = Some((64 * 1024, Duration::from_millis(40)));
    let dir = tempfile::tempdir().unwrap();
    let big = fixtures::wheel(dir.path(), NAME, VERSION, &noise(3 * 1024 * 1024));
    let artifact = read_artifact(&big).unwrap();
    assert!(artifact.size > 1024 * 1024, "{}", artifact.size);
    let index = index(&fake, "/legacy/");
    let credentials = Credentials::token(Secret::new(PASSWORD));
    let request = PublishRequest {
        index: &index,
        project: NAME,
        credentials: &credentials,
        artifacts: std::slice::from_ref(&artifact),
        retry: RetryPolicy {
            max_attempts: 1,
            ..fast_retry()
        },
        poll: fast_poll(),
    };
    let slow_client = HttpClient::new(&HttpOptions {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(3),
        write_timeout: Duration::from_millis(300),
    });
    let started = std::time::Instant::now();
    let report = publish(&slow_client, &request, &NoReporter).unwrap();
    assert_eq!(
        report.files[0].status,
        FileStatus::Uploaded,
        "{:#?}",
        report.files[0]
    );
    assert_eq!(report.files[0].attempts, 1);
    assert!(
        started.elapsed() > Duration::from_millis(600),
        "the upload took longer than twice the write timeout"
    );
}

/// Hex digits from a linear congruential generator: compresses to about half.
fn noise(len: usize) -> String {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            char::from_digit(((state >> 33) % 16) as u32, 16).unwrap()
        })
        .collect()
}

const ROOT_KEY: &[u8] = b"fake pypi root key";
const NOW: i64 = 1_800_000_000;

fn macaroon_run(token: Secret, now: i64) -> (FakePypi, PublishReport) {
    let fake = FakePypi::start(Auth::Macaroon {
        root_key: ROOT_KEY.to_vec(),
        now,
    });
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let index = index(&fake, "/legacy/");
    let credentials = Credentials::token(token);
    let request = PublishRequest {
        index: &index,
        project: NAME,
        credentials: &credentials,
        artifacts: &artifacts[1..],
        retry: fast_retry(),
        poll: fast_poll(),
    };
    let report = publish(&client(), &request, &NoReporter).unwrap();
    (fake, report)
}

/// See: pypi-upload.md section 3.4 (PyPI accepts user-attenuated macaroons).
#[test]
fn a_narrowed_token_is_accepted_by_a_macaroon_checking_index() {
    let token = mint_token(ROOT_KEY, "pypi.org", "id", &[r#"[1,["demo-pkg"]]"#]);
    let narrowed = narrow_token(&token, NAME, NOW - 10, 900).unwrap();
    let (_fake, report) = macaroon_run(narrowed, NOW);
    assert_eq!(
        report.files[0].status,
        FileStatus::Uploaded,
        "{:#?}",
        report.files[0]
    );
}

#[test]
fn an_expired_narrowed_token_is_refused_with_the_scope_hint() {
    let token = mint_token(ROOT_KEY, "pypi.org", "id", &[r#"[1,["demo-pkg"]]"#]);
    let narrowed = narrow_token(&token, NAME, NOW - 1000, 900).unwrap();
    let (_fake, report) = macaroon_run(narrowed, NOW);
    let file = &report.files[0];
    assert_eq!(file.status, FileStatus::Failed);
    assert!(
        file.server_message
            .as_deref()
            .unwrap()
            .contains("token is expired"),
        "{file:#?}"
    );
    assert!(
        file.hint.as_deref().unwrap().contains("scoped"),
        "{file:#?}"
    );
}

/// See: field-failures C19 (403 "project-scoped token is not valid for project").
#[test]
fn a_token_for_another_project_gets_403_and_the_scope_hint() {
    let token = mint_token(ROOT_KEY, "pypi.org", "id", &[r#"[1,["widgetastic-core"]]"#]);
    let (_fake, report) = macaroon_run(token, NOW);
    let file = &report.files[0];
    assert_eq!(file.status, FileStatus::Failed);
    assert_eq!(
        file.server_message.as_deref(),
        Some("403 Invalid API Token: project-scoped token is not valid for project: 'demo-pkg'")
    );
    assert!(file.hint.as_deref().unwrap().contains("scoped"));
}

/// Look-ups carry the upload credentials only to a simple API on the upload URL's origin of an
/// index that is no PyPI deployment: a private index needs them to read; PyPI's simple API is
/// public and its token is for the upload host alone; another host never gets them.
#[test]
fn look_ups_send_credentials_only_to_the_upload_origin_of_other_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let gets_with_auth = |fake: &FakePypi| {
        let seen = fake.lock().seen.clone();
        let gets: Vec<_> = seen.iter().filter(|s| s.method == "GET").collect();
        assert!(!gets.is_empty(), "no look-up was made");
        gets.iter()
            .filter(|s| s.header("authorization").is_some())
            .count()
    };
    let publish_with = |index: &IndexUrls, credentials: &Credentials| {
        let request = PublishRequest {
            index,
            project: NAME,
            credentials,
            artifacts: &artifacts,
            retry: fast_retry(),
            poll: fast_poll(),
        };
        publish(&client(), &request, &NoReporter).unwrap()
    };
    let me = Credentials {
        username: "me".to_owned(),
        password: Secret::new("secret-pw"),
    };

    // A private index: every look-up (before, and the proof after) carries them.
    let private = FakePypi::start(Auth::Basic {
        username: "me".into(),
        password: "secret-pw".into(),
    });
    let report = publish_with(&index(&private, "/legacy/"), &me);
    assert!(report.is_complete(), "{report:?}");
    let n_gets = private.n_gets();
    assert_eq!(gets_with_auth(&private), n_gets);

    // The simple API on another origin: none of its look-ups carries them.
    let upload_host = FakePypi::start(Auth::Basic {
        username: "me".into(),
        password: "secret-pw".into(),
    });
    let other = FakePypi::start(Auth::Basic {
        username: "me".into(),
        password: "secret-pw".into(),
    });
    let mut split = index(&upload_host, "/legacy/");
    split.simple = SafeUrl::parse(&other.url("/simple/")).unwrap();
    let _ = publish_with(&split, &me);
    assert_eq!(gets_with_auth(&other), 0);

    // A PyPI deployment: the token goes to the upload endpoint only.
    let pypi = FakePypi::start(Auth::Basic {
        username: "__token__".into(),
        password: PASSWORD.into(),
    });
    let mut site = index(&pypi, "/legacy/");
    site.site = Some(pyship_publish::token::IndexSite::PyPI);
    let _ = publish_with(&site, &Credentials::token(Secret::new(PASSWORD)));
    assert_eq!(gets_with_auth(&pypi), 0);
}

/// A username and password (not a token) that the index echoes back in its 403 and 500 bodies:
/// neither the password nor `base64(user:password)` may reach the result, also for a password
/// too short to be masked everywhere (masked where it stands alone).
#[test]
fn canary_username_password_basic_echo_never_appears() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    for password in ["CANARYpw-7f3k9", "abc"] {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("me:{password}"));
        let fake = FakePypi::start(Auth::Basic {
            username: "me".into(),
            password: "the-right-one".into(),
        });
        fake.lock().echo_auth = true;
        let credentials = Credentials {
            username: "me".to_owned(),
            password: Secret::new(password),
        };
        let index = index(&fake, "/legacy/");
        let request = PublishRequest {
            index: &index,
            project: NAME,
            credentials: &credentials,
            artifacts: &artifacts,
            retry: fast_retry(),
            poll: fast_poll(),
        };
        let report = publish(&client(), &request, &NoReporter).unwrap();
        assert_eq!(report.files[0].status, FileStatus::Failed);
        let mut rendered = format!("{report:?} {}", serde_json::to_string(&report).unwrap());
        // The echo happened (so the check below is not vacuous), masked.
        assert!(
            rendered.contains("request had Authorization: Basic ****"),
            "{rendered}"
        );
        // The look-up carries the credentials on this index, and its error page may echo them.
        fake.lock().simple_status = Some(401);
        let err = publish(&client(), &request, &NoReporter).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            shown.contains("status: 401")
                && shown.contains("request had Authorization: Basic ****"),
            "{shown}"
        );
        rendered.push_str(&shown);
        assert!(
            !rendered.contains(&basic),
            "{password}: Basic form leaked: {rendered}"
        );
        if password.len() >= 4 {
            assert!(
                !rendered.contains(password),
                "{password} leaked: {rendered}"
            );
        }
    }
}

/// See: field-failures C16, C17; pypi-upload.md section 7 item 13. Every error path here runs
/// with the canary password; neither it nor its Basic encoding may appear in any result, error,
/// Debug or JSON rendering, even when the server echoes the Authorization header.
#[test]
fn canary_token_never_appears_in_results_or_errors() {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("__token__:{PASSWORD}"));
    let mut rendered = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());

    // A server that echoes the Authorization header in 400 and 403 bodies.
    let fake = FakePypi::start(Auth::Basic {
        username: "__token__".into(),
        password: "other".into(),
    });
    fake.lock().echo_auth = true;
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap();
    assert_eq!(report.files[0].status, FileStatus::Failed);
    let raw = fake.posts().len();
    assert!(raw > 0);
    rendered.push(format!("{report:?}"));
    rendered.push(serde_json::to_string(&report).unwrap());

    // Retryable failures, redirects, look-up refusals, conflicts, insecure URLs with userinfo.
    let fake = basic_fake();
    fake.lock().scripts.extend([
        Script::Respond(500, "Internal error", Vec::new()),
        Script::Respond(
            302,
            "",
            vec![(
                "Location",
                format!("https://u:{PASSWORD}@elsewhere.example/"),
            )],
        ),
    ]);
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap();
    rendered.push(format!("{report:?}"));
    fake.lock().simple_status = Some(401);
    let err = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap_err();
    rendered.push(format!("{err:?} {err}"));
    let mut bad = index(&fake, "/legacy/");
    bad.upload = SafeUrl::parse(&format!(
        "http://__token__:{PASSWORD}@upload.example/legacy/"
    ))
    .unwrap();
    let err = run(&fake, &bad, &artifacts).unwrap_err();
    rendered.push(format!("{err:?} {err} {bad:?}"));
    let credentials = Credentials::token(Secret::new(PASSWORD));
    rendered.push(format!("{credentials:?}"));

    for text in &rendered {
        assert!(!text.contains(PASSWORD), "canary leaked: {text}");
        assert!(!text.contains(&basic), "Basic form leaked: {text}");
        assert!(
            !text.contains("CANARYcanary"),
            "canary fragment leaked: {text}"
        );
    }
    assert!(
        rendered[0].contains("Invalid or non-existent authentication"),
        "{}",
        rendered[0]
    );
}

fn pypi_site(fake: &FakePypi) -> IndexUrls {
    IndexUrls {
        site: Some(pyship_publish::IndexSite::PyPI),
        ..index(fake, "/legacy/")
    }
}

/// See: pypi-upload.md section 7 item 7 (twine#1070, warehouse#15611: Metadata-Version 2.3/2.4
/// read by an old parser as "missing Name, Version").
#[test]
fn metadata_versions_pypi_accepts_pass_and_others_are_named_before_any_request() {
    let fake = basic_fake();
    let index = pypi_site(&fake);
    let credentials = Credentials::token(Secret::new(PASSWORD));
    for (metadata_version, accepted) in [
        ("1.0", true),
        ("1.1", true),
        ("1.2", true),
        ("2.0", false),
        ("2.1", true),
        ("2.2", true),
        ("2.3", true),
        ("2.4", true),
        ("2.5", true),
        ("2.6", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let metadata = fixtures::metadata(NAME, VERSION).replace(
            "Metadata-Version: 2.4",
            &format!("Metadata-Version: {metadata_version}"),
        );
        let path = fixtures::wheel_with_metadata(dir.path(), NAME, VERSION, "x", &metadata);
        let artifact = read_artifact(&path).unwrap();
        let request = PublishRequest {
            index: &index,
            project: NAME,
            credentials: &credentials,
            artifacts: std::slice::from_ref(&artifact),
            retry: fast_retry(),
            poll: fast_poll(),
        };
        let result = pyship_publish::preflight(&request);
        if accepted {
            assert!(result.is_ok(), "{metadata_version}: {result:?}");
            continue;
        }
        let err = result.unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains(&format!(
                "unsupported Metadata-Version `{metadata_version}`"
            )) && shown.contains("PyPI accepts 1.0, 1.1, 1.2, 2.1, 2.2, 2.3, 2.4, 2.5")
                && !shown.contains("Name"),
            "{shown}"
        );
        // `publish` runs the same preflight: nothing reaches the index.
        assert!(publish(&client(), &request, &NoReporter).is_err());
    }
    assert!(fake.posts().is_empty() && fake.n_gets() == 0);
}

/// See: pypi-upload.md section 7 item 14 (uv#9227: a username sent to PyPI got `403
/// Username/Password authentication is no longer supported`).
#[test]
fn a_username_other_than_token_is_not_sent_to_pypi() {
    let fake = basic_fake();
    let index = pypi_site(&fake);
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let credentials = Credentials {
        username: "someone".into(),
        password: Secret::new(PASSWORD),
    };
    let request = PublishRequest {
        index: &index,
        project: NAME,
        credentials: &credentials,
        artifacts: &artifacts,
        retry: fast_retry(),
        poll: fast_poll(),
    };
    let report = publish(&client(), &request, &NoReporter).unwrap();
    let file = &report.files[0];
    assert_eq!(file.status, FileStatus::Failed);
    assert_eq!(file.attempts, 0);
    assert!(
        file.failure.as_deref().unwrap().contains("`__token__`"),
        "{file:?}"
    );
    assert!(file.hint.as_deref().unwrap().contains("403"), "{file:?}");
    assert_eq!(report.files[1].status, FileStatus::NotAttempted);
    assert!(fake.posts().is_empty());
}

/// Writes a PEP 740 attestation (unsigned: the fake does not check signatures) next to
/// `artifact`, attesting `sha256`; returns its compact JSON.
fn write_attestation(artifact: &LocalArtifact, sha256: &str) -> String {
    use base64::Engine as _;
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": artifact.filename, "digest": { "sha256": sha256 } }],
        "predicateType": "https://docs.pypi.org/attestations/publish/v1",
        "predicate": null,
    });
    let attestation = serde_json::json!({
        "version": 1,
        "verification_material": { "certificate": "Y2VydA==", "transparency_entries": [] },
        "envelope": {
            "statement": base64::engine::general_purpose::STANDARD.encode(statement.to_string()),
            "signature": "c2ln",
        },
    });
    let path = pyship_publish::attestation::attestation_path(artifact);
    std::fs::write(path, attestation.to_string()).unwrap();
    attestation.to_string()
}

/// See: pypi-upload.md section 7 item 10 (an attestation already next to a dist is reused when
/// it attests these bytes).
#[test]
fn attestations_next_to_each_file_are_checked_and_sent_with_it() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    let sent: Vec<String> = artifacts
        .iter()
        .map(|artifact| write_attestation(artifact, &artifact.digests.sha256))
        .collect();
    let report = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap();
    assert!(report.is_complete(), "{report:#?}");
    for (artifact, json) in artifacts.iter().zip(&sent) {
        let post = fake
            .posts()
            .into_iter()
            .find(|post| post.content_filename.as_deref() == Some(artifact.filename.as_str()))
            .unwrap();
        assert_eq!(post.field("attestations"), vec![format!("[{json}]")]);
    }
}

/// See: pypi-upload.md section 7 item 10 (gh-action-pypi-publish#319: a stale attestation from
/// an earlier run; never send one whose digest does not match).
#[test]
fn an_attestation_of_other_bytes_is_refused_before_any_request() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    write_attestation(&artifacts[0], &artifacts[0].digests.sha256);
    let stale = "ab".repeat(32);
    write_attestation(&artifacts[1], &stale);
    let err = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains(&format!("for `{}`", artifacts[1].filename))
            && shown.contains(&format!("attests sha256 {stale}"))
            && shown.contains(&artifacts[1].digests.sha256),
        "{shown}"
    );
    assert!(fake.posts().is_empty() && fake.n_gets() == 0);
}

/// See: pypi-upload.md section 7 item 11 (EXOTIC#1344: one dist of the batch had no
/// attestation and the upload failed part-way).
#[test]
fn a_batch_with_an_unattested_file_is_refused_before_any_request() {
    let fake = basic_fake();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = artifacts(dir.path());
    write_attestation(&artifacts[1], &artifacts[1].digests.sha256);
    let err = run(&fake, &index(&fake, "/legacy/"), &artifacts).unwrap_err();
    assert!(
        matches!(&err, PublishError::AttestationsIncomplete { missing } if missing == &[artifacts[0].filename.clone()]),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(&format!("not next to `{}`", artifacts[0].filename)),
        "{err}"
    );
    assert!(fake.posts().is_empty() && fake.n_gets() == 0);
}
