//! Publishing to a real index: pypiserver from PyPI, run from a venv on a free loopback port with
//! htpasswd authentication. The example package is built with `build`, uploaded, verified and
//! re-published as a no-op; changed bytes under a published file name and a wrong password fail
//! cleanly.
//!
//! The server and its setup are shared with the xtask end-to-end tests: see
//! `pyship_tests::pypiserver` (these tests fail, never skip, when its venv is missing).

use std::path::Path;
use std::time::Duration;

use pyship_publish::{
    Credentials, Event, FileStatus, HttpClient, HttpOptions, IndexUrls, LocalArtifact, NoReporter,
    PollPolicy, PublishError, PublishReport, PublishRequest, Reporter, RetryPolicy, SafeUrl,
    Secret, publish, read_artifact, verify_published,
};
use pyship_tests::pypiserver::{PASSWORD, Pypiserver, USER, build_with_venv};
use pyship_tests::repo::workspace_root;

use crate::fixtures;

const CANARY: &str = "pypi-CANARYcanaryCANARYcanary-wrong-password";

fn index(server: &Pypiserver) -> IndexUrls {
    IndexUrls {
        upload: SafeUrl::parse(&server.upload_url()).unwrap(),
        simple: SafeUrl::parse(&server.simple_url()).unwrap(),
        json_api: None,
        site: None,
    }
}

fn client() -> HttpClient {
    HttpClient::new(&HttpOptions {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(30),
        write_timeout: Duration::from_secs(30),
    })
}

fn request<'a>(
    index: &'a IndexUrls,
    project: &'a str,
    credentials: &'a Credentials,
    artifacts: &'a [LocalArtifact],
) -> PublishRequest<'a> {
    PublishRequest {
        index,
        project,
        credentials,
        artifacts,
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(2),
        },
        poll: PollPolicy {
            attempts: 5,
            interval: Duration::from_millis(200),
        },
    }
}

fn credentials(password: &str) -> Credentials {
    Credentials {
        username: USER.to_owned(),
        password: Secret::new(password),
    }
}

/// Builds the example package (sdist and wheel) with `build` from the venv, without isolation.
fn build_demo(out: &Path) -> Vec<LocalArtifact> {
    let paths = build_with_venv(&workspace_root().join("examples/demo"), out);
    assert_eq!(
        paths.len(),
        2,
        "expected one sdist and one wheel: {paths:?}"
    );
    paths
        .iter()
        .map(|path| read_artifact(path).unwrap())
        .collect()
}

/// The real `attrs` wheel and sdist from the shared corpus, found beside the workspace or any
/// ancestor (worktrees sit one level deeper).
fn corpus_attrs() -> Vec<LocalArtifact> {
    let real = workspace_root()
        .ancestors()
        .map(|dir| dir.join("shared/corpus/real"))
        .find(|dir| dir.is_dir())
        .expect("`shared/corpus/real` beside the workspace (or an ancestor) holds the corpus");
    [
        "wheels/attrs-26.1.0-py3-none-any.whl",
        "sdists/attrs-26.1.0.tar.gz",
    ]
    .iter()
    .map(|member| read_artifact(&real.join(member)).unwrap())
    .collect()
}

fn publish_and_verify(
    server: &Pypiserver,
    project: &str,
    artifacts: &[LocalArtifact],
) -> PublishReport {
    let index = index(server);
    let credentials = credentials(PASSWORD);
    let request = request(&index, project, &credentials, artifacts);
    let report = publish(&client(), &request, &NoReporter).unwrap();
    assert!(report.is_complete(), "{report:#?}");
    let verification = verify_published(&client(), &request, &NoReporter).unwrap();
    assert!(verification.is_verified(), "{verification:#?}");
    report
}

#[test]
fn pypiserver_publish_verify_and_rerun_as_no_op() {
    let server = Pypiserver::start();
    let out = tempfile::tempdir().unwrap();
    let demo = build_demo(out.path());
    let report = publish_and_verify(&server, "pyship-demo", &demo);
    assert!(
        report
            .files
            .iter()
            .all(|f| f.status == FileStatus::Uploaded && f.attempts == 1)
    );
    let corpus = corpus_attrs();
    publish_and_verify(&server, "attrs", &corpus);
    let stored = server.stored();
    assert_eq!(stored.len(), 4, "{stored:?}");

    let again = publish_and_verify(&server, "pyship-demo", &demo);
    assert!(
        again
            .files
            .iter()
            .all(|f| f.status == FileStatus::AlreadyPresent && f.attempts == 0),
        "{again:#?}"
    );
    assert_eq!(server.stored(), stored);
}

#[test]
fn pypiserver_changed_bytes_under_a_published_name_fail() {
    let server = Pypiserver::start();
    let first = tempfile::tempdir().unwrap();
    let wheel = read_artifact(&fixtures::wheel(first.path(), "demo-pkg", "1.0", "one")).unwrap();
    publish_and_verify(&server, "demo-pkg", std::slice::from_ref(&wheel));
    let second = tempfile::tempdir().unwrap();
    let changed = read_artifact(&fixtures::wheel(second.path(), "demo-pkg", "1.0", "two")).unwrap();
    let index = index(&server);
    let credentials = credentials(PASSWORD);
    let request = request(
        &index,
        "demo-pkg",
        &credentials,
        std::slice::from_ref(&changed),
    );
    let err = publish(&client(), &request, &NoReporter).unwrap_err();
    let PublishError::Conflict { local, remote, .. } = &err else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(local, &changed.digests.sha256);
    assert_eq!(remote, &wheel.digests.sha256);
}

/// Keeps the reason of every retry, to show that no refusal was retried.
#[derive(Default)]
struct RetryLog(std::sync::Mutex<Vec<String>>);

impl Reporter for RetryLog {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Retrying { reason, .. } = event {
            self.0.lock().unwrap().push((*reason).to_owned());
        }
    }
}

#[test]
fn pypiserver_wrong_password_fails_cleanly_without_the_secret() {
    let server = Pypiserver::start();
    let dir = tempfile::tempdir().unwrap();
    let wheel = read_artifact(&fixtures::wheel(dir.path(), "demo-pkg", "1.0", "one")).unwrap();
    let index = index(&server);
    let credentials = credentials(CANARY);
    let mut request = request(
        &index,
        "demo-pkg",
        &credentials,
        std::slice::from_ref(&wheel),
    );
    // pypiserver answers 401 before reading the body and closes the connection; under load the
    // client can see that as a reset while still sending, which is a transport error and is
    // retried. Room for a few of those; the refusal itself must end the attempts.
    request.retry.max_attempts = 5;
    let retries = RetryLog::default();
    let report = publish(&client(), &request, &retries).unwrap();
    let file = &report.files[0];
    assert_eq!(file.status, FileStatus::Failed, "{file:#?}");
    let failure = file.failure.as_deref().unwrap();
    assert!(
        failure.contains("HTTP 401") || failure.contains("HTTP 403"),
        "{file:#?}"
    );
    let retries = retries.0.into_inner().unwrap();
    assert!(
        retries.iter().all(|reason| !reason.contains("HTTP 4")),
        "a 401/403 is never retried: {retries:#?}"
    );
    assert_eq!(file.attempts as usize, retries.len() + 1, "{retries:#?}");
    assert!(server.stored().is_empty());
    let rendered = format!(
        "{report:?} {retries:?} {}",
        serde_json::to_string(&report).unwrap()
    );
    assert!(
        !rendered.contains(CANARY) && !rendered.contains("CANARYcanary"),
        "{rendered}"
    );
}
