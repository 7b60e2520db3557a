//! Trusted publishing against the fake PyPI: audience, single-use ID tokens from a fake runner,
//! mint-token, re-minting with a fresh ID token when the token nears expiry mid-batch, and the
//! diagnostics of a refused exchange.
//!
//! See: pypi-upload.md section 7 item 8 (gh-action-pypi-publish#307); field-failures C20.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use pyship_publish::{
    Event, FileStatus, GithubIdTokenSource, HttpClient, HttpOptions, IndexUrls, LocalArtifact,
    PollPolicy, PublishRequest, Reporter, RetryPolicy, SafeUrl, TrustedPublisher, publish,
    read_artifact,
};

use crate::fixtures::{self, NAME, VERSION};
use pyship_tests::fake_pypi::{Auth, FakePypi, OidcFake};

const ROOT_KEY: &[u8] = b"fake pypi root key for oidc";
const START: i64 = 1_800_000_000;
const RUNNER_TOKEN: &str = "runner-request-token-CANARY";

fn fake(refuse_publisher: bool, audience_status: u16) -> FakePypi {
    let fake = FakePypi::start(Auth::Macaroon {
        root_key: ROOT_KEY.to_vec(),
        now: START,
    });
    {
        let mut state = fake.lock();
        state.clock.store(START, Ordering::SeqCst);
        state.oidc = Some(OidcFake {
            audience_status,
            claims: serde_json::json!({
                "sub": "repo:org/repo:environment:pypi",
                "repository": "org/repo",
                "repository_owner": "org",
                "workflow_ref": "org/repo/.github/workflows/release.yml@refs/tags/v0.2.0",
                "job_workflow_ref": "org/repo/.github/workflows/madspace.yml@refs/tags/v0.2.0",
                "ref": "refs/tags/v0.2.0",
                "environment": "pypi",
            }),
            runner_token: RUNNER_TOKEN.to_owned(),
            lifetime: 900,
            refuse_publisher,
            used_jti: Vec::new(),
            issued: 0,
        });
    }
    fake
}

fn index(fake: &FakePypi) -> IndexUrls {
    IndexUrls {
        upload: SafeUrl::parse(&fake.url("/legacy/")).unwrap(),
        simple: SafeUrl::parse(&fake.url("/simple/")).unwrap(),
        json_api: None,
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

fn source(fake: &FakePypi) -> GithubIdTokenSource {
    let url = fake.url("/oidc/id-token?api-version=2.0");
    GithubIdTokenSource::from_values(Some(&url), Some(RUNNER_TOKEN)).unwrap()
}

/// Three files: two wheels and the sdist.
fn three_artifacts(dir: &std::path::Path) -> Vec<LocalArtifact> {
    let other = tempfile::tempdir().unwrap();
    let py2 = fixtures::wheel(other.path(), NAME, VERSION, "py2");
    let renamed = dir.join("demo_pkg-0.1.0-py2-none-any.whl");
    std::fs::rename(py2, &renamed).unwrap();
    vec![
        read_artifact(&fixtures::wheel(dir, NAME, VERSION, "py3")).unwrap(),
        read_artifact(&renamed).unwrap(),
        read_artifact(&fixtures::sdist(dir, NAME, VERSION, "src")).unwrap(),
    ]
}

/// Advances the shared clock by `step` seconds after each uploaded file: a slow batch.
struct SlowClock {
    clock: Arc<AtomicI64>,
    step: i64,
}

impl Reporter for SlowClock {
    fn on_event(&self, event: &Event<'_>) {
        if matches!(event, Event::Uploaded { .. }) {
            self.clock.fetch_add(self.step, Ordering::SeqCst);
        }
    }
}

fn run(
    fake: &FakePypi,
    artifacts: &[LocalArtifact],
    step: i64,
) -> (pyship_publish::PublishReport, u32) {
    let clock = Arc::clone(&fake.lock().clock);
    let now_clock = Arc::clone(&clock);
    let now = move || now_clock.load(Ordering::SeqCst);
    let client = client();
    let index = index(fake);
    let publisher = TrustedPublisher::new(&client, index.upload.clone(), source(fake), &now);
    let request = PublishRequest {
        index: &index,
        project: NAME,
        credentials: &publisher,
        artifacts,
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(1),
        },
        poll: PollPolicy {
            attempts: 1,
            interval: Duration::from_millis(10),
        },
    };
    let reporter = SlowClock { clock, step };
    let report = publish(&client, &request, &reporter).unwrap();
    (report, publisher.n_mints())
}

/// See: pypi-upload.md section 7 item 8: a 15-minute token expired part-way through a batch.
#[test]
fn trusted_publishing_remints_with_a_fresh_id_token_before_expiry() {
    let fake = fake(false, 200);
    let dir = tempfile::tempdir().unwrap();
    let artifacts = three_artifacts(dir.path());
    let (report, n_mints) = run(&fake, &artifacts, 400);
    assert!(report.is_complete(), "{report:#?}");
    assert_eq!(
        n_mints, 2,
        "minted at the start and again with 100 s of life left"
    );
    let state = fake.lock();
    let oidc = state.oidc.as_ref().unwrap();
    assert_eq!(oidc.issued, 2, "one fresh ID token per mint");
    assert_eq!(
        oidc.used_jti,
        ["jti-1", "jti-2"],
        "no ID token was exchanged twice"
    );
}

#[test]
fn trusted_publishing_mints_once_for_a_quick_batch() {
    let fake = fake(false, 200);
    let dir = tempfile::tempdir().unwrap();
    let artifacts = three_artifacts(dir.path());
    let (report, n_mints) = run(&fake, &artifacts, 10);
    assert!(report.is_complete(), "{report:#?}");
    assert_eq!(n_mints, 1);
}

/// See: field-failures C20 (422 `invalid-publisher` from a reusable workflow).
#[test]
fn refused_exchange_shows_claims_and_names_the_reusable_workflow() {
    let fake = fake(true, 200);
    let dir = tempfile::tempdir().unwrap();
    let artifacts = three_artifacts(dir.path());
    let (report, n_mints) = run(&fake, &artifacts, 10);
    assert_eq!(n_mints, 0);
    let file = &report.files[0];
    assert_eq!(file.status, FileStatus::Failed);
    let failure = file.failure.as_deref().unwrap();
    for expected in [
        "HTTP 422",
        "invalid-publisher: valid token, but no corresponding publisher",
        "workflow_ref: org/repo/.github/workflows/release.yml@refs/tags/v0.2.0",
        "job_workflow_ref: org/repo/.github/workflows/madspace.yml@refs/tags/v0.2.0",
        "reusable workflow",
    ] {
        assert!(
            failure.contains(expected),
            "missing {expected:?} in {failure}"
        );
    }
    assert!(!failure.contains(RUNNER_TOKEN));
    assert!(
        fake.posts().iter().all(|post| post.path != "/legacy/"),
        "nothing was uploaded"
    );
}

#[test]
fn disabled_trusted_publishing_is_named() {
    let fake = fake(false, 403);
    let dir = tempfile::tempdir().unwrap();
    let artifacts = three_artifacts(dir.path());
    let (report, _) = run(&fake, &artifacts, 10);
    let failure = report.files[0].failure.as_deref().unwrap();
    assert!(
        failure.contains("has trusted publishing disabled"),
        "{failure}"
    );
    assert_eq!(report.remaining().len(), 3);
}
