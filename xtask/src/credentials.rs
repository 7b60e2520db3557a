//! Upload credentials for `upload` and `dry-run`, found in the order issue #3 fixes: trusted
//! publishing in GitHub Actions (OIDC), then `PYPI_API_TOKEN`, then the OS keyring; or, for an
//! index that takes passwords, `--username` with the password from `PYSHIP_INDEX_PASSWORD`. Each
//! credential then meets the offline token gate: PyPI and TestPyPI tokens are judged and narrowed
//! to the project and a short life before they are sent; for other indexes the gate says what it
//! could not check. Gates name the credential's source, never its value.
//!
//! See: pypi-upload.md sections 2, 3.3, 3.4, 5.5; field-failures C19, C22.

use pyship_publish::oidc::OidcError;
use pyship_publish::{
    CredentialProvider, Credentials, GithubIdTokenSource, HttpClient, IndexUrls, Secret,
    TokenGateError, TokenVerdict, TrustedPublisher, gate_token, narrow_token,
};

use crate::config;
use crate::gates::Gate;
use crate::index;
use crate::secrets;

/// Gate: an upload credential was found (and where).
pub(crate) const CREDENTIALS: &str = "index-credentials";
/// Gate: the offline token gate.
pub(crate) const TOKEN_SCOPE: &str = "token-scope";

/// How long a narrowed token lives: it is narrowed again before each file.
///
/// See: pypi-upload.md section 3.4 (`[0, now+900, now]`).
const NARROWED_LIFETIME_SECS: i64 = 900;

/// The username PyPI API tokens go with.
const TOKEN_USER: &str = "__token__";

/// A credential that was found, with where it came from.
pub(crate) struct Found<T> {
    pub(crate) value: T,
    pub(crate) source: String,
}

/// A usable credential.
pub(crate) enum Source {
    /// Trusted publishing: a token is minted from the runner's ID token at upload time.
    Trusted(GithubIdTokenSource),
    /// A PyPI or TestPyPI API token that passed the gate: narrowed before every file.
    GatedToken(Secret),
    /// Credentials sent as they are (tokens and passwords for other indexes).
    Plain(Credentials),
}

/// What the credential step found: its gates, and the credential when nothing refused it.
pub(crate) struct Resolution {
    pub(crate) gates: Vec<Gate>,
    pub(crate) source: Option<Source>,
}

impl Resolution {
    fn refused(credentials: Gate, reason: &str) -> Resolution {
        Resolution {
            gates: vec![credentials, Gate::unknown(TOKEN_SCOPE, reason)],
            source: None,
        }
    }
}

/// Finds the upload credential for `index` and judges it for `project`. Read-only: nothing is
/// minted and nothing is sent.
pub(crate) fn resolve(index: &IndexUrls, username: Option<&str>, project: &str) -> Resolution {
    match username {
        Some(user) if user != TOKEN_USER => password_login(index, user),
        _ => token_login(index, project),
    }
}

/// `--username` with `PYSHIP_INDEX_PASSWORD`, for indexes that take passwords.
///
/// See: pypi-upload.md section 7 item 14 (uv#9227: a username sent to PyPI got a 403).
fn password_login(index: &IndexUrls, user: &str) -> Resolution {
    if index.site.is_some() {
        let gate = Gate::fail(
            CREDENTIALS,
            format!(
                "`--username {user}`: {} accepts API tokens only (username `{TOKEN_USER}`) and answers a password login with 403 \"Username/Password authentication is no longer supported\"; drop `--username` and provide a token",
                index::describe(index)
            ),
        );
        return Resolution::refused(gate, "no usable credential to check");
    }
    let Some(password) = config::index_password() else {
        let gate = Gate::unknown(
            CREDENTIALS,
            format!(
                "`--username {user}` is given but `{}` is unset or empty: expected the password there",
                config::INDEX_PASSWORD_ENV
            ),
        );
        return Resolution::refused(gate, "no credential to check");
    };
    Resolution {
        gates: vec![
            Gate::pass(
                CREDENTIALS,
                format!(
                    "username `{user}` with the password from `{}`",
                    config::INDEX_PASSWORD_ENV
                ),
            ),
            unchecked_scope(index, "password"),
        ],
        source: Some(Source::Plain(Credentials {
            username: user.to_owned(),
            password,
        })),
    }
}

fn unchecked_scope(index: &IndexUrls, what: &str) -> Gate {
    Gate::unknown(
        TOKEN_SCOPE,
        format!(
            "{} is not PyPI or TestPyPI: whether the {what} is limited to this project, who issued it and when it expires cannot be checked offline",
            index::describe(index)
        ),
    )
}

/// Trusted publishing, then `PYPI_API_TOKEN`, then the keyring.
fn token_login(index: &IndexUrls, project: &str) -> Resolution {
    let mut tried = Vec::new();
    if config::in_github_actions() && index.site.is_some() {
        let (url, token) = config::oidc_request();
        match GithubIdTokenSource::from_values(url.as_deref(), token.as_deref()) {
            Ok(source) => return trusted(source),
            Err(err) => tried.push(format!("trusted publishing: {err}")),
        }
    }
    let lookup = match secrets::pypi_token(index.upload.expose().as_str()) {
        Ok(lookup) => lookup,
        Err(err) => {
            let gate = Gate::unknown(
                CREDENTIALS,
                format!("the upload token could not be read: {err:#}"),
            );
            return Resolution::refused(gate, "no credential to check");
        }
    };
    let reason = lookup.missing_reason();
    let Some(found) = lookup.found() else {
        tried.push(reason);
        let gate = Gate::unknown(
            CREDENTIALS,
            format!(
                "no upload credential: {}; set `PYPI_API_TOKEN`, store a token with `cargo xtask token set`, or use trusted publishing",
                tried.join("; ")
            ),
        );
        return Resolution::refused(gate, "no token to check");
    };
    let found = Found {
        value: found.secret,
        source: found.source.to_string(),
    };
    let credentials = Gate::pass(CREDENTIALS, format!("API token from {}", found.source));
    let Some(site) = index.site else {
        return Resolution {
            gates: vec![credentials, unchecked_scope(index, "token")],
            source: Some(Source::Plain(Credentials::token(found.value))),
        };
    };
    match gate_token(
        &found.value,
        site,
        project,
        index::now(),
        NARROWED_LIFETIME_SECS,
    ) {
        Ok((_, verdict)) => Resolution {
            gates: vec![
                credentials,
                Gate::pass(TOKEN_SCOPE, pass_evidence(&verdict)),
            ],
            source: Some(Source::GatedToken(found.value)),
        },
        Err(err) => Resolution {
            gates: vec![credentials, Gate::fail(TOKEN_SCOPE, fail_evidence(&err))],
            source: None,
        },
    }
}

fn trusted(source: GithubIdTokenSource) -> Resolution {
    Resolution {
        gates: vec![
            Gate::pass(
                CREDENTIALS,
                "trusted publishing (GitHub Actions OIDC): a short-lived token is minted at upload time",
            ),
            Gate::unknown(
                TOKEN_SCOPE,
                "the trusted-publishing token does not exist until upload time; the index scopes it to the publisher's project",
            ),
        ],
        source: Some(Source::Trusted(source)),
    }
}

fn pass_evidence(verdict: &TokenVerdict) -> String {
    let kinds: Vec<String> = verdict
        .info
        .caveats
        .iter()
        .map(|caveat| {
            serde_json::to_value(caveat)
                .ok()
                .and_then(|value| value["kind"].as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    let mut text = format!(
        "token issued by `{}`, caveats [{}]; narrowed to this project and {} minutes before each file",
        verdict.info.location.as_deref().unwrap_or("?"),
        kinds.join(", "),
        NARROWED_LIFETIME_SECS / 60
    );
    for note in &verdict.notes {
        text.push_str("; note: ");
        text.push_str(note);
    }
    text
}

fn fail_evidence(err: &TokenGateError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// What `publish` asks for credentials before each file.
pub(crate) enum Provider<'a> {
    Trusted(Box<TrustedPublisher<'a>>),
    Narrowing { token: Secret, project: String },
    Plain(Credentials),
}

impl<'a> Provider<'a> {
    pub(crate) fn new(
        source: Source,
        client: &'a HttpClient,
        index: &IndexUrls,
        project: &str,
        clock: &'a dyn Fn() -> i64,
    ) -> Provider<'a> {
        match source {
            Source::Trusted(source) => Provider::Trusted(Box::new(TrustedPublisher::new(
                client,
                index.upload.clone(),
                source,
                clock,
            ))),
            Source::GatedToken(token) => Provider::Narrowing {
                token,
                project: project.to_owned(),
            },
            Source::Plain(credentials) => Provider::Plain(credentials),
        }
    }
}

impl CredentialProvider for Provider<'_> {
    fn credentials(&self) -> Result<Credentials, OidcError> {
        match self {
            Provider::Trusted(publisher) => publisher.credentials(),
            Provider::Plain(credentials) => Ok(credentials.clone()),
            // A fresh 15-minute token per file, so a long batch never outlives its token.
            Provider::Narrowing { token, project } => {
                narrow_token(token, project, index::now(), NARROWED_LIFETIME_SECS)
                    .map(Credentials::token)
                    .map_err(|err| OidcError::Parse {
                        what: "the upload token",
                        reason: err.to_string(),
                    })
            }
        }
    }

    /// Plain credentials may read a private index too; a PyPI token is narrowed for uploads
    /// only, and a trusted publisher's token is minted for them.
    fn read_credentials(&self) -> Option<Credentials> {
        match self {
            Provider::Plain(credentials) => credentials.read_credentials(),
            Provider::Trusted(_) | Provider::Narrowing { .. } => None,
        }
    }
}
