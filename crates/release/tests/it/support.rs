//! Shared test helpers: a recording clock, a client aimed at the fake GitHub with a canary
//! token, and the canary check every error path goes through.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use pyship_release::{Clock, CommitSha, GitHubClient, GitHubConfig, GitHubToken};
use url::Url;

use pyship_tests::fake_github::{FakeGitHub, OWNER, REPO};

/// A token that must never appear in any output.
pub(crate) const CANARY: &str = "ghp_CANARY7f3a9c1e5b0d2468aceBDF13579";

/// A commit the fake knows.
pub(crate) const COMMIT: &str = "1111111111111111111111111111111111111111";
/// Another commit the fake knows.
pub(crate) const OTHER_COMMIT: &str = "2222222222222222222222222222222222222222";

/// A clock that never sleeps: it records each wait and moves "now" forward by it.
pub(crate) struct FakeClock {
    now: Mutex<SystemTime>,
    pub(crate) sleeps: Mutex<Vec<Duration>>,
}

impl FakeClock {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            now: Mutex::new(SystemTime::UNIX_EPOCH + Duration::from_hours(500_000)),
            sleeps: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn epoch_secs(&self) -> u64 {
        self.now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    pub(crate) fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap()
    }

    fn sleep(&self, duration: Duration) {
        self.sleeps.lock().unwrap().push(duration);
        *self.now.lock().unwrap() += duration;
    }
}

/// A fake GitHub that knows [`COMMIT`] and [`OTHER_COMMIT`], and a client for it.
pub(crate) struct World {
    pub(crate) github: FakeGitHub,
    pub(crate) clock: Arc<FakeClock>,
    pub(crate) client: GitHubClient,
}

pub(crate) fn world() -> World {
    let github = FakeGitHub::start(CANARY);
    github.state().commits = vec![COMMIT.to_owned(), OTHER_COMMIT.to_owned()];
    let clock = FakeClock::new();
    let client = client_for(&github, &clock, Some(CANARY));
    World {
        github,
        clock,
        client,
    }
}

pub(crate) fn client_for(
    github: &FakeGitHub,
    clock: &Arc<FakeClock>,
    token: Option<&str>,
) -> GitHubClient {
    let mut config = GitHubConfig::new(OWNER, REPO);
    config.api_base = Url::parse(&github.api_base).unwrap();
    config.upload_base = Url::parse(&github.upload_base).unwrap();
    config.timeout = Duration::from_secs(20);
    let clock: Arc<dyn Clock> = Arc::clone(clock) as Arc<dyn Clock>;
    GitHubClient::new(config, token.map(GitHubToken::new), clock).unwrap()
}

pub(crate) fn commit() -> CommitSha {
    CommitSha::parse(COMMIT).unwrap()
}

/// Display, alternate Display, Debug and the whole `source()` chain of an error.
pub(crate) fn render_error(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{error}\n{error:#}\n{error:?}\n");
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, "caused by: {cause}\n{cause:?}\n");
        source = cause.source();
    }
    text
}

/// Fails when the canary token shows up in `text`.
pub(crate) fn assert_no_canary(text: &str) {
    assert!(!text.contains(CANARY), "the token leaked into: {text}");
    assert!(
        !text.contains("CANARY7f3a"),
        "part of the token leaked into: {text}"
    );
}

/// Renders an error and checks it for the canary; returns the rendering for more asserts.
pub(crate) fn checked(error: &(dyn std::error::Error + 'static)) -> String {
    let text = render_error(error);
    assert_no_canary(&text);
    text
}
