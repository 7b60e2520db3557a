//! Trusted publishing from GitHub Actions: ask the index for its OIDC audience, get an ID token
//! for it from the runner, exchange it at `/_/oidc/mint-token` for a short-lived `pypi-` token,
//! and mint again with a fresh ID token when fewer than 5 minutes of the token's life remain
//! (ID tokens are single-use). On a refused exchange the JWT's claims are decoded and shown, and a
//! reusable-workflow mismatch is named.
//!
//! The caller reads the runner's environment (`ACTIONS_ID_TOKEN_REQUEST_URL`,
//! `ACTIONS_ID_TOKEN_REQUEST_TOKEN`) and hands the values in; this crate reads no environment.
//!
//! See: pypi-upload.md sections 2.1 to 2.3; field-failures C20; gh-action-pypi-publish#307.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::Cursor;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::error::HttpError;
use crate::http::{HttpClient, HttpResponse, StreamBody, server_message};
use crate::publish::{CredentialProvider, Credentials};
use crate::secret::{SafeUrl, Secret, redact};

/// Re-mint when fewer than this many seconds of the token's life remain.
///
/// See: twine 6.2 `TOKEN_RENEWAL_THRESHOLD` (5 minutes), twine#1246.
pub const RENEWAL_THRESHOLD_SECS: i64 = 300;

/// Where the runner hands out ID tokens (GitHub Actions).
#[derive(Debug, Clone)]
pub struct GithubIdTokenSource {
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` (carries its own query string).
    pub request_url: SafeUrl,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub request_token: Secret,
}

impl GithubIdTokenSource {
    /// Builds the source from the two runner variables as read by the caller. Either missing or
    /// empty means the job lacks `permissions: id-token: write`.
    pub fn from_values(
        request_url: Option<&str>,
        request_token: Option<&str>,
    ) -> Result<Self, OidcError> {
        let url = request_url.map(str::trim).filter(|url| !url.is_empty());
        let token = request_token.and_then(Secret::from_optional);
        let (Some(url), Some(token)) = (url, token) else {
            return Err(OidcError::MissingPermission);
        };
        let request_url = SafeUrl::parse(url).map_err(|err| OidcError::Parse {
            what: "`ACTIONS_ID_TOKEN_REQUEST_URL`",
            reason: err.to_string(),
        })?;
        Ok(GithubIdTokenSource {
            request_url,
            request_token: token,
        })
    }
}

/// The claims of an ID token that a publisher must match (unverified: for diagnostics only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JwtClaims {
    /// `sub`.
    pub sub: Option<String>,
    /// `repository`.
    pub repository: Option<String>,
    /// `repository_owner`.
    pub repository_owner: Option<String>,
    /// `repository_owner_id`.
    pub repository_owner_id: Option<String>,
    /// `workflow_ref`: the workflow that was triggered.
    pub workflow_ref: Option<String>,
    /// `job_workflow_ref`: the workflow file the job runs in (differs for reusable workflows).
    pub job_workflow_ref: Option<String>,
    /// `ref`.
    pub git_ref: Option<String>,
    /// `environment`.
    pub environment: Option<String>,
}

impl JwtClaims {
    /// Decodes a JWT's payload without verifying it. `None` when it is not a JWT.
    #[must_use]
    pub fn decode(jwt: &Secret) -> Option<JwtClaims> {
        let payload = jwt.expose().split('.').nth(1)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        Some(JwtClaims {
            sub: text("sub"),
            repository: text("repository"),
            repository_owner: text("repository_owner"),
            repository_owner_id: text("repository_owner_id"),
            workflow_ref: text("workflow_ref"),
            job_workflow_ref: text("job_workflow_ref"),
            git_ref: text("ref"),
            environment: text("environment"),
        })
    }

    /// Whether the job runs in a reusable workflow (the two workflow refs differ), which
    /// publishers registered for the calling workflow do not match.
    ///
    /// See: field-failures C20; warehouse#11096.
    #[must_use]
    pub fn is_reusable_workflow(&self) -> bool {
        matches!((&self.workflow_ref, &self.job_workflow_ref), (Some(a), Some(b)) if a != b)
    }
}

impl fmt::Display for JwtClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            ("sub", &self.sub),
            ("repository", &self.repository),
            ("repository_owner", &self.repository_owner),
            ("repository_owner_id", &self.repository_owner_id),
            ("workflow_ref", &self.workflow_ref),
            ("job_workflow_ref", &self.job_workflow_ref),
            ("ref", &self.git_ref),
            ("environment", &self.environment),
        ];
        for (name, value) in rows {
            writeln!(f, "  {name}: {}", value.as_deref().unwrap_or("(absent)"))?;
        }
        Ok(())
    }
}

/// One error of a refused exchange, as the index reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MintRefusal {
    /// `invalid-publisher`, `invalid-reuse-token`, `invalid-token`, ...
    pub code: String,
    /// The index's description.
    pub description: String,
}

/// Trusted publishing failed. No variant holds a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcError {
    /// The runner offers no ID tokens.
    #[error(
        "no OIDC ID token is available: is the `id-token: write` permission missing from the workflow job? (`ACTIONS_ID_TOKEN_REQUEST_URL`/`ACTIONS_ID_TOKEN_REQUEST_TOKEN` are unset or empty)"
    )]
    MissingPermission,
    /// HTTP trouble.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The index does not do trusted publishing.
    #[error("`{url}` returned HTTP {status}: the index {meaning}")]
    Audience {
        /// The audience URL.
        url: SafeUrl,
        /// The status.
        status: u16,
        /// What the status means.
        meaning: &'static str,
    },
    /// The runner refused the ID token request.
    #[error("the runner's ID token request `{url}` returned HTTP {status}: {message}")]
    IdToken {
        /// The request URL.
        url: SafeUrl,
        /// The status.
        status: u16,
        /// The message.
        message: String,
    },
    /// The index refused the exchange.
    #[error("{}", mint_message(*.status, .refusals, .claims.as_deref()))]
    Mint {
        /// The status (422 for claim problems).
        status: u16,
        /// The index's errors.
        refusals: Vec<MintRefusal>,
        /// The ID token's claims, for comparing with the registered publisher.
        claims: Option<Box<JwtClaims>>,
    },
    /// A response did not parse.
    #[error("failed to read {what}: {reason}")]
    Parse {
        /// What was being read.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

fn mint_message(status: u16, refusals: &[MintRefusal], claims: Option<&JwtClaims>) -> String {
    let mut out = format!("the index refused to mint an upload token (HTTP {status})");
    for refusal in refusals {
        let _ = write!(out, "\n  {}: {}", refusal.code, refusal.description);
    }
    if let Some(claims) = claims {
        out.push_str("\nclaims of the ID token (for debugging only; the publisher must match):\n");
        out.push_str(&claims.to_string());
        if claims.is_reusable_workflow() {
            out.push_str(
                "note: `workflow_ref` and `job_workflow_ref` differ: the job runs in a reusable workflow, which trusted publishers do not match reliably; register the workflow PyPI matches or publish from the calling workflow",
            );
        }
    }
    out
}

/// An upload token minted by trusted publishing.
#[derive(Debug, Clone)]
pub struct MintedToken {
    /// The `pypi-` token.
    pub token: Secret,
    /// When it expires (unix seconds).
    pub expires: i64,
}

/// `GET https://<upload host>/_/oidc/audience` → the audience to request an ID token for.
pub fn fetch_audience(client: &HttpClient, upload: &SafeUrl) -> Result<String, OidcError> {
    let url = upload.with_path("/_/oidc/audience");
    let response = client.get(&url, "application/json")?;
    let meaning = match response.status {
        200 => return json_text(&response, "audience", "the OIDC audience"),
        403 => "has trusted publishing disabled",
        404 => "does not offer trusted publishing",
        _ => "did not answer the audience request",
    };
    Err(OidcError::Audience {
        url,
        status: response.status,
        meaning,
    })
}

/// Asks the runner for a fresh ID token for `audience` (each one can be exchanged only once).
pub fn fetch_id_token(
    client: &HttpClient,
    source: &GithubIdTokenSource,
    audience: &str,
) -> Result<Secret, OidcError> {
    let mut url = source.request_url.clone();
    let with_audience = {
        let mut raw = url.expose().clone();
        raw.query_pairs_mut().append_pair("audience", audience);
        raw.to_string()
    };
    url = SafeUrl::parse(&with_audience).map_err(|err| OidcError::Parse {
        what: "the ID token request URL",
        reason: err.to_string(),
    })?;
    let authorization = format!("bearer {}", source.request_token.expose());
    let response = client.get_with_headers(
        &url,
        "application/json",
        &[("Authorization", authorization)],
    )?;
    if response.status != 200 {
        return Err(OidcError::IdToken {
            message: redact(&server_message(&response), &[&source.request_token]),
            url,
            status: response.status,
        });
    }
    json_text(&response, "value", "the runner's ID token").map(Secret::new)
}

/// `POST https://<upload host>/_/oidc/mint-token` with `{"token": <jwt>}`.
pub fn exchange_token(
    client: &HttpClient,
    upload: &SafeUrl,
    jwt: &Secret,
) -> Result<MintedToken, OidcError> {
    let url = upload.with_path("/_/oidc/mint-token");
    let body = serde_json::json!({ "token": jwt.expose() })
        .to_string()
        .into_bytes();
    let stream = StreamBody {
        content_type: "application/json".to_owned(),
        length: body.len() as u64,
        reader: Box::new(Cursor::new(body)),
    };
    let response = client.post(&url, &[("Accept", "application/json".to_owned())], stream)?;
    if response.status != 200 {
        return Err(OidcError::Mint {
            status: response.status,
            refusals: refusals(&response, jwt),
            claims: JwtClaims::decode(jwt).map(Box::new),
        });
    }
    let token = json_text(&response, "token", "the minted token")?;
    let value: serde_json::Value =
        serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null);
    let expires = value
        .get("expires")
        .and_then(serde_json::Value::as_i64)
        .ok_or(OidcError::Parse {
            what: "the minted token",
            reason: "no `expires`".to_owned(),
        })?;
    Ok(MintedToken {
        token: Secret::new(token),
        expires,
    })
}

/// The index's reasons, with the ID token removed should it be echoed back.
fn refusals(response: &HttpResponse, jwt: &Secret) -> Vec<MintRefusal> {
    let value: serde_json::Value =
        serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null);
    let Some(errors) = value.get("errors").and_then(|e| e.as_array()) else {
        return vec![MintRefusal {
            code: "unreadable-response".to_owned(),
            description: format!(
                "{} (a non-JSON answer usually means trouble at the index: wait a few minutes)",
                redact(&server_message(response), &[jwt])
            ),
        }];
    };
    errors
        .iter()
        .map(|error| {
            let text = |key: &str| {
                error
                    .get(key)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            MintRefusal {
                code: redact(&text("code"), &[jwt]),
                description: redact(&text("description"), &[jwt]),
            }
        })
        .collect()
}

fn json_text(response: &HttpResponse, key: &str, what: &'static str) -> Result<String, OidcError> {
    let value: serde_json::Value =
        serde_json::from_slice(&response.body).map_err(|err| OidcError::Parse {
            what,
            reason: format!("not JSON: {err}"),
        })?;
    value
        .get(key)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or(OidcError::Parse {
            what,
            reason: format!("no `{key}`"),
        })
}

/// Credentials from trusted publishing that renew themselves: before each file, a token with
/// fewer than [`RENEWAL_THRESHOLD_SECS`] left is replaced by one minted from a fresh ID token.
pub struct TrustedPublisher<'a> {
    client: &'a HttpClient,
    upload: SafeUrl,
    source: GithubIdTokenSource,
    clock: &'a dyn Fn() -> i64,
    current: RefCell<Option<MintedToken>>,
    n_mints: RefCell<u32>,
}

impl fmt::Debug for TrustedPublisher<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedPublisher")
            .field("upload", &self.upload)
            .field("n_mints", &self.n_mints.borrow())
            .finish_non_exhaustive()
    }
}

impl<'a> TrustedPublisher<'a> {
    /// A publisher for `upload`, using `clock` (unix seconds) to judge expiry.
    #[must_use]
    pub fn new(
        client: &'a HttpClient,
        upload: SafeUrl,
        source: GithubIdTokenSource,
        clock: &'a dyn Fn() -> i64,
    ) -> Self {
        TrustedPublisher {
            client,
            upload,
            source,
            clock,
            current: RefCell::new(None),
            n_mints: RefCell::new(0),
        }
    }

    /// How many tokens were minted so far.
    #[must_use]
    pub fn n_mints(&self) -> u32 {
        *self.n_mints.borrow()
    }

    fn mint(&self) -> Result<MintedToken, OidcError> {
        let audience = fetch_audience(self.client, &self.upload)?;
        let jwt = fetch_id_token(self.client, &self.source, &audience)?;
        let minted = exchange_token(self.client, &self.upload, &jwt)?;
        *self.n_mints.borrow_mut() += 1;
        Ok(minted)
    }
}

impl CredentialProvider for TrustedPublisher<'_> {
    fn credentials(&self) -> Result<Credentials, OidcError> {
        let now = (self.clock)();
        let fresh = self
            .current
            .borrow()
            .as_ref()
            .is_some_and(|token| token.expires - now >= RENEWAL_THRESHOLD_SECS);
        if !fresh {
            let minted = self.mint()?;
            *self.current.borrow_mut() = Some(minted);
        }
        let current = self.current.borrow();
        let token = current.as_ref().expect("minted above").token.clone();
        Ok(Credentials::token(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &serde_json::Value) -> Secret {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        Secret::new(format!("{header}.{payload}.sig"))
    }

    #[test]
    fn missing_or_empty_runner_variables_name_the_permission() {
        for (url, token) in [
            (None, None),
            (Some(""), Some("t")),
            (Some("https://x/"), Some("  ")),
        ] {
            let err = GithubIdTokenSource::from_values(url, token).unwrap_err();
            assert!(err.to_string().contains("`id-token: write`"), "{err}");
        }
    }

    /// See: field-failures C20 (claims from MadGraphTeam/MadGraph7#149).
    #[test]
    fn claims_decode_and_reusable_workflow_is_named() {
        let token = jwt(&serde_json::json!({
            "sub": "repo:org/repo:environment:pypi",
            "repository": "org/repo",
            "workflow_ref": "org/repo/.github/workflows/release.yml@refs/tags/v0.2.0",
            "job_workflow_ref": "org/repo/.github/workflows/madspace.yml@refs/tags/v0.2.0",
            "environment": "pypi",
        }));
        let claims = JwtClaims::decode(&token).unwrap();
        assert!(claims.is_reusable_workflow());
        let err = OidcError::Mint {
            status: 422,
            refusals: vec![MintRefusal {
                code: "invalid-publisher".into(),
                description: "valid token, but no corresponding publisher".into(),
            }],
            claims: Some(Box::new(claims)),
        };
        let shown = err.to_string();
        assert!(shown.contains("invalid-publisher: valid token"), "{shown}");
        assert!(shown.contains("release.yml@refs/tags/v0.2.0"), "{shown}");
        assert!(shown.contains("madspace.yml@refs/tags/v0.2.0"), "{shown}");
        assert!(shown.contains("reusable workflow"), "{shown}");
        assert!(!shown.contains(token.expose()));
    }

    #[test]
    fn not_a_jwt_has_no_claims() {
        assert_eq!(JwtClaims::decode(&Secret::new("abc")), None);
    }
}
