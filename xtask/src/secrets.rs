//! Where xtask finds its secrets: the PyPI upload token and the GitHub token, from the
//! environment or the OS keyring. This module and `config` are the only places a secret is read;
//! a secret leaves here wrapped in `pyship_publish::Secret` or `pyship_release::GitHubToken`, which
//! have no `Display` and a redacted `Debug`, and no message built here ever quotes one.
//!
//! Keyring conventions:
//! - PyPI: twine's, so a token stored with `keyring set <upload-url> __token__` works unchanged:
//!   service = the upload URL as parsed and written back, user = `__token__`.
//! - GitHub: service = `pyship:github.com`, user = the repository as `owner/repo`.
//! - The date a token was stored by `cargo xtask token set` is kept in a second entry, service
//!   `pyship:stored:` + the token's service, same user, value an HTTP date. A second entry rather
//!   than an attribute because every store has entries but not every store has attributes, and
//!   twine's lookup by service alone must not find it.
//!
//! Every keyring call runs on a worker thread and is abandoned after [`KEYRING_TIMEOUT`], so a
//! locked keyring waiting on an unlock prompt, or a bus that never answers, cannot hang a release.
//!
//! See: issue 3 "Credentials, in this order"; pypi-upload.md section 8 item 8.

use std::fmt;
use std::sync::{Arc, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, SystemTime};

use keyring_core::{CredentialStore, Entry};
use pyship_publish::Secret;
use pyship_release::GitHubToken;

use crate::config;

/// How long one keyring call may take before it is abandoned.
pub(crate) const KEYRING_TIMEOUT: Duration = Duration::from_secs(10);
/// The environment variable holding a PyPI API token.
pub(crate) const PYPI_TOKEN_ENV: &str = "PYPI_API_TOKEN";
/// The keyring user under which twine stores PyPI API tokens.
pub(crate) const PYPI_USER: &str = "__token__";
/// The environment variables holding a GitHub token, in the order they are read.
pub(crate) const GITHUB_TOKEN_ENVS: [&str; 2] = ["GITHUB_TOKEN", "GH_TOKEN"];
/// The keyring service under which pyship stores GitHub tokens (user = `owner/repo`).
pub(crate) const GITHUB_SERVICE: &str = "pyship:github.com";
/// Prefix of the service of the entry that records when a token was stored.
const STORED_PREFIX: &str = "pyship:stored:";

/// Where a secret came from. Names places, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// An environment variable, by name.
    Env(&'static str),
    /// The OS keyring.
    Keyring {
        /// The entry's service (for PyPI, the upload URL).
        service: String,
        /// When `cargo xtask token set` stored it; `None` when stored some other way.
        stored: Option<SystemTime>,
    },
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Env(name) => write!(f, "environment variable `{name}`"),
            TokenSource::Keyring { service, stored } => {
                write!(f, "OS keyring (service `{service}`")?;
                match stored {
                    Some(when) => write!(f, ", stored {}", httpdate::fmt_http_date(*when))?,
                    None => f.write_str(", stored date unknown")?,
                }
                f.write_str(")")
            }
        }
    }
}

/// A secret and where it came from.
#[derive(Debug)]
pub(crate) struct Found<T> {
    /// The secret, in its no-`Display` wrapper.
    pub(crate) secret: T,
    /// Where it came from.
    pub(crate) source: TokenSource,
}

/// The outcome of looking for a secret: found, or missing with every place looked and why it
/// held nothing. `Err` from the lookup functions is kept for a keyring that answered with a
/// failure (locked, ambiguous, broken, or too slow once open): something the user must fix,
/// not just an absent token.
#[derive(Debug)]
pub(crate) enum Lookup<T> {
    /// Found.
    Found(Found<T>),
    /// Not found; one reason per place looked, for the caller to show.
    Missing {
        /// For example "`PYPI_API_TOKEN` is not set".
        reasons: Vec<String>,
    },
}

impl<T> Lookup<T> {
    /// The secret, if found.
    pub(crate) fn found(self) -> Option<Found<T>> {
        match self {
            Lookup::Found(found) => Some(found),
            Lookup::Missing { .. } => None,
        }
    }

    /// Why nothing was found, joined for a one-line message; empty when found.
    pub(crate) fn missing_reason(&self) -> String {
        match self {
            Lookup::Found(_) => String::new(),
            Lookup::Missing { reasons } => reasons.join("; "),
        }
    }
}

/// The PyPI token for `upload_url`: `PYPI_API_TOKEN` (empty counts as absent), else the OS keyring
/// under twine's convention (service = `upload_url`, user = `__token__`).
pub(crate) fn pypi_token(upload_url: &str) -> anyhow::Result<Lookup<Secret>> {
    pypi_token_with(&config::secret_env, &Keyring::os(), upload_url)
}

/// The GitHub token for `repo` (`owner/repo`): `GITHUB_TOKEN`, then `GH_TOKEN`, then the OS keyring
/// (service `pyship:github.com`, user = `repo`).
pub(crate) fn github_token(repo: &str) -> anyhow::Result<Lookup<GitHubToken>> {
    github_token_from(&config::secret_env, &Keyring::os(), repo)
}

pub(crate) fn pypi_token_with(
    env: &dyn Fn(&str) -> Option<String>,
    keyring: &Keyring,
    upload_url: &str,
) -> anyhow::Result<Lookup<Secret>> {
    if let Some(secret) = env(PYPI_TOKEN_ENV).and_then(|value| Secret::from_optional(&value)) {
        return Ok(Lookup::Found(Found {
            secret,
            source: TokenSource::Env(PYPI_TOKEN_ENV),
        }));
    }
    let mut reasons = vec![format!("`{PYPI_TOKEN_ENV}` is not set")];
    from_keyring(keyring, upload_url, PYPI_USER, &mut reasons, |value| {
        Secret::from_optional(&value)
    })
    .map(|found| found.map_or(Lookup::Missing { reasons }, Lookup::Found))
}

fn github_token_from(
    env: &dyn Fn(&str) -> Option<String>,
    keyring: &Keyring,
    repo: &str,
) -> anyhow::Result<Lookup<GitHubToken>> {
    for name in GITHUB_TOKEN_ENVS {
        if let Some(value) = env(name).filter(|value| !value.trim().is_empty()) {
            return Ok(Lookup::Found(Found {
                secret: GitHubToken::new(value.trim()),
                source: TokenSource::Env(name),
            }));
        }
    }
    let mut reasons = vec!["neither `GITHUB_TOKEN` nor `GH_TOKEN` is set".to_owned()];
    from_keyring(keyring, GITHUB_SERVICE, repo, &mut reasons, |value| {
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| GitHubToken::new(trimmed))
    })
    .map(|found| found.map_or(Lookup::Missing { reasons }, Lookup::Found))
}

/// Reads `service`/`user` from the keyring and wraps it; a missing entry or keyring adds a reason.
fn from_keyring<T>(
    keyring: &Keyring,
    service: &str,
    user: &str,
    reasons: &mut Vec<String>,
    wrap: impl FnOnce(String) -> Option<T>,
) -> anyhow::Result<Option<Found<T>>> {
    let value = match keyring.get(service, user) {
        Ok(value) => value,
        Err(KeyringError::Unavailable(why)) => {
            reasons.push(format!("no OS keyring: {why}"));
            return Ok(None);
        }
        Err(err) => return Err(err.into()),
    };
    let Some(secret) = value.and_then(wrap) else {
        reasons.push(format!(
            "the OS keyring has no entry for service `{service}` and user `{user}`"
        ));
        return Ok(None);
    };
    Ok(Some(Found {
        secret,
        source: TokenSource::Keyring {
            service: service.to_owned(),
            stored: keyring.stored_at(service, user),
        },
    }))
}

/// Why a keyring call did not give an answer. Never holds a secret: the store's own errors are
/// reduced to text that cannot carry one (see [`describe`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeyringError {
    /// No keyring backend could be opened (no session bus, no Secret Service, unsupported OS).
    #[error("no OS keyring: {0}")]
    Unavailable(String),
    /// The keyring did not answer in time.
    #[error(
        "the OS keyring did not answer within {} s while trying to {op} (service `{service}`, user `{user}`); is it locked and waiting for an unlock prompt?",
        KEYRING_TIMEOUT.as_secs()
    )]
    Timeout {
        /// What was being done.
        op: &'static str,
        /// The entry's service.
        service: String,
        /// The entry's user.
        user: String,
    },
    /// The keyring answered with a failure.
    #[error("the OS keyring failed to {op} (service `{service}`, user `{user}`): {reason}")]
    Failed {
        /// What was being done.
        op: &'static str,
        /// The entry's service.
        service: String,
        /// The entry's user.
        user: String,
        /// The store's reason, reduced to safe text.
        reason: String,
    },
}

/// A handle on a credential store, or the reason there is none.
#[derive(Clone)]
pub(crate) struct Keyring {
    store: Result<Arc<CredentialStore>, String>,
    timeout: Duration,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.store.is_ok() {
            "open"
        } else {
            "unavailable"
        };
        f.debug_struct("Keyring")
            .field("store", &state)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Keyring {
    /// The OS keyring, opened once per process (with the timeout) and shared.
    pub(crate) fn os() -> Keyring {
        static OS: OnceLock<Result<Arc<CredentialStore>, String>> = OnceLock::new();
        let store = OS
            .get_or_init(|| match with_timeout(KEYRING_TIMEOUT, open_os_store) {
                Some(result) => result,
                None => Err(format!(
                    "the Secret Service did not answer within {} s",
                    KEYRING_TIMEOUT.as_secs()
                )),
            })
            .clone();
        Keyring {
            store,
            timeout: KEYRING_TIMEOUT,
        }
    }

    /// A keyring over a given store, for tests.
    #[cfg(test)]
    pub(crate) fn with_store(store: Arc<CredentialStore>, timeout: Duration) -> Keyring {
        Keyring {
            store: Ok(store),
            timeout,
        }
    }

    /// A keyring that is not there, for tests.
    #[cfg(test)]
    pub(crate) fn unavailable(reason: &str) -> Keyring {
        Keyring {
            store: Err(reason.to_owned()),
            timeout: KEYRING_TIMEOUT,
        }
    }

    /// The store's entry for `service`/`user`, for tests that inject errors into the mock.
    #[cfg(test)]
    pub(crate) fn entry_for_tests(&self, service: &str, user: &str) -> Entry {
        let store = self.store.clone().expect("an open store");
        store
            .build(service, user, None)
            .expect("the store builds entries")
    }

    /// Reads an entry's password; `Ok(None)` when there is no such entry.
    pub(crate) fn get(&self, service: &str, user: &str) -> Result<Option<String>, KeyringError> {
        self.call("read", service, user, |entry| match entry.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(err) => Err(err),
        })
    }

    /// Stores an entry's password, replacing any earlier one.
    pub(crate) fn set(
        &self,
        service: &str,
        user: &str,
        secret: &Secret,
    ) -> Result<(), KeyringError> {
        let value = secret.expose().to_owned();
        self.call("store", service, user, move |entry| {
            entry.set_password(&value)
        })
    }

    /// Deletes an entry; `Ok(false)` when there was none.
    pub(crate) fn delete(&self, service: &str, user: &str) -> Result<bool, KeyringError> {
        self.call("delete", service, user, |entry| {
            match entry.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring_core::Error::NoEntry) => Ok(false),
                Err(err) => Err(err),
            }
        })
    }

    /// Records `when` as the date the token at `service`/`user` was stored.
    pub(crate) fn set_stored_at(
        &self,
        service: &str,
        user: &str,
        when: SystemTime,
    ) -> Result<(), KeyringError> {
        let value = httpdate::fmt_http_date(when);
        self.call("store", &stored_service(service), user, move |entry| {
            entry.set_password(&value)
        })
    }

    /// When the token at `service`/`user` was stored by `token set`, if recorded and readable.
    /// Best effort: a failure here only means the date is unknown.
    pub(crate) fn stored_at(&self, service: &str, user: &str) -> Option<SystemTime> {
        let text = self.get(&stored_service(service), user).ok()??;
        httpdate::parse_http_date(&text).ok()
    }

    /// Deletes the stored-date entry; absent is fine.
    pub(crate) fn delete_stored_at(&self, service: &str, user: &str) -> Result<(), KeyringError> {
        self.delete(&stored_service(service), user).map(|_| ())
    }

    /// Runs one operation on the entry `service`/`user` on a worker thread, with the timeout.
    fn call<T: Send + 'static>(
        &self,
        op: &'static str,
        service: &str,
        user: &str,
        work: impl FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T, KeyringError> {
        let store = self.store.clone().map_err(KeyringError::Unavailable)?;
        let (owned_service, owned_user) = (service.to_owned(), user.to_owned());
        let outcome = with_timeout(self.timeout, move || {
            let entry = store.build(&owned_service, &owned_user, None)?;
            work(&entry)
        });
        let failed = |reason: String| KeyringError::Failed {
            op,
            service: service.to_owned(),
            user: user.to_owned(),
            reason,
        };
        match outcome {
            None => Err(KeyringError::Timeout {
                op,
                service: service.to_owned(),
                user: user.to_owned(),
            }),
            Some(Ok(value)) => Ok(value),
            Some(Err(err)) => Err(failed(describe(&err))),
        }
    }
}

fn stored_service(service: &str) -> String {
    format!("{STORED_PREFIX}{service}")
}

/// Runs `work` on its own thread; `None` when it does not finish within `timeout` (the thread is
/// then abandoned: a keyring call cannot be cancelled).
fn with_timeout<T: Send + 'static>(
    timeout: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (sender, receiver) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = sender.send(work());
        });
    spawned.ok()?;
    receiver.recv_timeout(timeout).ok()
}

/// A keyring error as text that cannot carry a secret: the variants holding raw bytes or entries
/// (`BadEncoding`, `BadDataFormat`, `Ambiguous`) are described without them.
fn describe(err: &keyring_core::Error) -> String {
    use keyring_core::Error as E;
    match err {
        E::NoStorageAccess(inner) => {
            format!("the keyring refused access (locked?): {inner}")
        }
        E::PlatformFailure(inner) => format!("platform failure: {inner}"),
        E::NoEntry => "no such entry".to_owned(),
        E::BadEncoding(_) => "the stored value is not UTF-8 text".to_owned(),
        E::BadDataFormat(..) => "the stored value is malformed".to_owned(),
        E::BadStoreFormat(reason) => format!("the store is malformed: {reason}"),
        E::TooLong(name, limit) => format!("`{name}` is longer than the store's limit of {limit}"),
        E::Invalid(name, reason) => format!("`{name}` is invalid: {reason}"),
        E::Ambiguous(items) => format!(
            "{} entries match; delete the extra ones with the keyring's own tool",
            items.len()
        ),
        E::NoDefaultStore => "no credential store is set up".to_owned(),
        E::NotSupportedByStore(what) => format!("not supported by the store: {what}"),
        _ => "unknown keyring error".to_owned(),
    }
}

/// Opens the platform's credential store: the Secret Service (through D-Bus) on Linux.
#[cfg(target_os = "linux")]
fn open_os_store() -> Result<Arc<CredentialStore>, String> {
    match zbus_secret_service_keyring_store::Store::new() {
        Ok(store) => {
            let store: Arc<CredentialStore> = store;
            Ok(store)
        }
        Err(err) => Err(format!(
            "cannot reach the Secret Service on the D-Bus session bus ({})",
            describe(&err)
        )),
    }
}

/// Opens the platform's credential store. Not wired: the macOS Keychain and the Windows
/// Credential Manager; this machine kind can neither build nor test them (ring, under rustls,
/// needs a C cross toolchain for those targets), so they wait for a runner of each OS.
#[cfg(not(target_os = "linux"))]
fn open_os_store() -> Result<Arc<CredentialStore>, String> {
    Err("pyship reads the OS keyring only on Linux (Secret Service) so far".to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const CANARY: &str = "pypi-CANARYcanaryCANARYcanary0123456789";
    const UPLOAD: &str = "https://upload.pypi.org/legacy/";

    fn mock() -> Keyring {
        Keyring::with_store(keyring_core::mock::Store::new().unwrap(), KEYRING_TIMEOUT)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn ok_pypi_env_wins_and_keyring_is_not_asked() {
        let env = |name: &str| (name == PYPI_TOKEN_ENV).then(|| format!(" {CANARY}\n"));
        let keyring = Keyring::unavailable("must not be asked");
        let found = pypi_token_with(&env, &keyring, UPLOAD)
            .unwrap()
            .found()
            .unwrap();
        assert_eq!(found.secret.expose(), CANARY);
        assert_eq!(found.source, TokenSource::Env(PYPI_TOKEN_ENV));
    }

    #[test]
    fn ok_pypi_empty_env_counts_as_absent_and_keyring_is_read() {
        let env = |_: &str| Some("  ".to_owned());
        let keyring = mock();
        keyring
            .set(UPLOAD, PYPI_USER, &Secret::new(CANARY))
            .unwrap();
        let found = pypi_token_with(&env, &keyring, UPLOAD)
            .unwrap()
            .found()
            .unwrap();
        assert_eq!(found.secret.expose(), CANARY);
        assert_eq!(
            found.source,
            TokenSource::Keyring {
                service: UPLOAD.into(),
                stored: None
            }
        );
    }

    #[test]
    fn ok_pypi_keyring_entry_is_per_upload_url() {
        let keyring = mock();
        keyring
            .set(
                "https://test.pypi.org/legacy/",
                PYPI_USER,
                &Secret::new(CANARY),
            )
            .unwrap();
        let lookup = pypi_token_with(&no_env, &keyring, UPLOAD).unwrap();
        let reason = lookup.missing_reason();
        assert!(reason.contains("`PYPI_API_TOKEN` is not set"), "{reason}");
        assert!(reason.contains(&format!("service `{UPLOAD}`")), "{reason}");
        assert!(lookup.found().is_none());
    }

    #[test]
    fn ok_stored_date_round_trips_and_is_shown() {
        let keyring = mock();
        let when = SystemTime::UNIX_EPOCH + Duration::from_hours(500_000);
        keyring
            .set(UPLOAD, PYPI_USER, &Secret::new(CANARY))
            .unwrap();
        keyring.set_stored_at(UPLOAD, PYPI_USER, when).unwrap();
        let found = pypi_token_with(&no_env, &keyring, UPLOAD)
            .unwrap()
            .found()
            .unwrap();
        assert_eq!(
            found.source,
            TokenSource::Keyring {
                service: UPLOAD.into(),
                stored: Some(when)
            }
        );
        let shown = found.source.to_string();
        assert!(shown.contains("Fri, 15 Jan 2027 08:00:00 GMT"), "{shown}");
    }

    #[test]
    fn ok_no_keyring_backend_is_missing_with_reason() {
        let keyring = Keyring::unavailable("no session bus");
        let lookup = pypi_token_with(&no_env, &keyring, UPLOAD).unwrap();
        assert_eq!(
            lookup.missing_reason(),
            "`PYPI_API_TOKEN` is not set; no OS keyring: no session bus"
        );
    }

    #[test]
    fn err_keyring_failure_is_an_error_without_the_secret() {
        let keyring = mock();
        keyring
            .set(UPLOAD, PYPI_USER, &Secret::new(CANARY))
            .unwrap();
        let store = keyring.store.clone().unwrap();
        let entry = store.build(UPLOAD, PYPI_USER, None).unwrap();
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(keyring_core::Error::BadEncoding(CANARY.as_bytes().to_vec()));
        let err = pypi_token_with(&no_env, &keyring, UPLOAD).unwrap_err();
        let shown = format!("{err:#} {err:?}");
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(shown.contains("not UTF-8"), "{shown}");
    }

    #[test]
    fn err_keyring_that_hangs_times_out() {
        let keyring = Keyring::with_store(Arc::new(Stuck), Duration::from_millis(50));
        let err = keyring.get(UPLOAD, PYPI_USER).unwrap_err();
        assert!(
            matches!(err, KeyringError::Timeout { op: "read", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("did not answer"), "{err}");
    }

    #[test]
    fn ok_github_env_order_then_keyring() {
        let both = |name: &str| Some(format!("{name}-value"));
        let found = github_token_from(&both, &Keyring::unavailable("x"), "o/r")
            .unwrap()
            .found()
            .unwrap();
        assert_eq!(found.source, TokenSource::Env("GITHUB_TOKEN"));
        assert_eq!(found.secret.expose(), "GITHUB_TOKEN-value");

        let gh_only = |name: &str| (name == "GH_TOKEN").then(|| "ghp_x".to_owned());
        let found = github_token_from(&gh_only, &Keyring::unavailable("x"), "o/r")
            .unwrap()
            .found()
            .unwrap();
        assert_eq!(found.source, TokenSource::Env("GH_TOKEN"));

        let keyring = mock();
        keyring
            .set(GITHUB_SERVICE, "o/r", &Secret::new("ghp_fromkeyring"))
            .unwrap();
        let found = github_token_from(&no_env, &keyring, "o/r")
            .unwrap()
            .found()
            .unwrap();
        assert_eq!(found.secret.expose(), "ghp_fromkeyring");
        assert!(matches!(found.source, TokenSource::Keyring { .. }));
        let missing = github_token_from(&no_env, &keyring, "o/other").unwrap();
        assert!(missing.missing_reason().contains("user `o/other`"));
    }

    #[test]
    fn ok_delete_removes_entry_and_reports_absence() {
        let keyring = mock();
        keyring
            .set(UPLOAD, PYPI_USER, &Secret::new(CANARY))
            .unwrap();
        assert!(keyring.delete(UPLOAD, PYPI_USER).unwrap());
        assert!(!keyring.delete(UPLOAD, PYPI_USER).unwrap());
        assert_eq!(keyring.get(UPLOAD, PYPI_USER).unwrap(), None);
    }

    /// A store whose every call blocks, like a keyring waiting on an unlock prompt.
    #[derive(Debug)]
    struct Stuck;

    impl keyring_core::api::CredentialStoreApi for Stuck {
        fn vendor(&self) -> String {
            "stuck".into()
        }
        fn id(&self) -> String {
            "stuck".into()
        }
        fn build(
            &self,
            _: &str,
            _: &str,
            _: Option<&HashMap<&str, &str>>,
        ) -> keyring_core::Result<Entry> {
            thread::sleep(Duration::from_secs(30));
            Err(keyring_core::Error::NoEntry)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
}
