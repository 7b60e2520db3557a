//! The offline token gate for PyPI API tokens: decode the `pypi-` macaroon, classify its caveats,
//! decide PASS or FAIL with evidence (never the token), and narrow a token to one project and a
//! short lifetime before it is sent.
//!
//! See: pypi-upload.md sections 3.2 to 3.4; field-failures C19.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::Value;

use crate::macaroon::{Macaroon, MacaroonError};
use crate::secret::Secret;

/// The indexes that issue macaroons, told apart by the token's location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexSite {
    /// pypi.org.
    PyPI,
    /// test.pypi.org.
    TestPyPI,
}

impl IndexSite {
    /// Classifies a macaroon location (a host name) by site: `upload.pypi.org` is PyPI too.
    #[must_use]
    pub fn from_location(location: &str) -> Option<IndexSite> {
        let host = location.trim().trim_end_matches('.').to_ascii_lowercase();
        if host == "test.pypi.org" || host.ends_with(".test.pypi.org") {
            Some(IndexSite::TestPyPI)
        } else if host == "pypi.org" || host.ends_with(".pypi.org") {
            Some(IndexSite::PyPI)
        } else {
            None
        }
    }
}

impl fmt::Display for IndexSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IndexSite::PyPI => "pypi.org",
            IndexSite::TestPyPI => "test.pypi.org",
        })
    }
}

/// One caveat, classified. Project ids and user ids are not secret (they scope, not grant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CaveatKind {
    /// Valid iff `not_before <= now < expires_at` (unix seconds).
    Expiration {
        /// Exclusive end of validity.
        expires_at: i64,
        /// Start of validity.
        not_before: i64,
    },
    /// Scoped to projects by normalized name.
    ProjectNames {
        /// The names.
        names: Vec<String>,
    },
    /// Scoped to projects by id (cannot be mapped to names offline).
    ProjectIds {
        /// The ids.
        ids: Vec<String>,
    },
    /// Bound to a user: an account-wide token.
    User,
    /// Minted by trusted publishing.
    OidcPublisher,
    /// A third-party caveat (PyPI issues none).
    ThirdParty,
    /// A first-party caveat this parser does not know. The server still enforces it.
    Unknown {
        /// The caveat text, shortened.
        text: String,
    },
}

impl CaveatKind {
    fn is_project_scope(&self) -> bool {
        matches!(
            self,
            CaveatKind::ProjectNames { .. } | CaveatKind::ProjectIds { .. }
        )
    }
}

/// What a token says about itself: never the identifier or the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// The issuing host as written in the token, if any.
    pub location: Option<String>,
    /// The classified caveats, in order.
    pub caveats: Vec<CaveatKind>,
}

/// Why a token string is not a PyPI token. Never quotes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The `pypi-` prefix is missing.
    #[error("token does not start with `pypi-`; PyPI API tokens always do")]
    Prefix,
    /// The body is not base64url.
    #[error("token body is not base64url")]
    Base64,
    /// The macaroon does not parse.
    #[error("token is not a valid macaroon")]
    Macaroon(#[source] MacaroonError),
}

/// Decodes and classifies a PyPI API token without contacting anyone.
pub fn inspect_token(token: &Secret) -> Result<TokenInfo, TokenError> {
    let macaroon = decode(token)?;
    let location = macaroon
        .location
        .as_deref()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned());
    let caveats = macaroon.caveats.iter().map(classify).collect();
    Ok(TokenInfo { location, caveats })
}

fn decode(token: &Secret) -> Result<Macaroon, TokenError> {
    let body = token
        .expose()
        .trim()
        .strip_prefix("pypi-")
        .ok_or(TokenError::Prefix)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .map_err(|_| TokenError::Base64)?;
    Macaroon::parse(&bytes).map_err(TokenError::Macaroon)
}

fn encode(macaroon: &Macaroon) -> Secret {
    Secret::new(format!(
        "pypi-{}",
        URL_SAFE_NO_PAD.encode(macaroon.to_v2_bytes())
    ))
}

fn classify(caveat: &crate::macaroon::Caveat) -> CaveatKind {
    if !caveat.is_first_party() {
        return CaveatKind::ThirdParty;
    }
    let unknown = || CaveatKind::Unknown {
        text: String::from_utf8_lossy(&caveat.identifier)
            .chars()
            .take(80)
            .collect(),
    };
    let Ok(value) = serde_json::from_slice::<Value>(&caveat.identifier) else {
        return unknown();
    };
    match &value {
        Value::Array(items) => classify_current(items),
        Value::Object(_) => classify_legacy(&value),
        _ => None,
    }
    .unwrap_or_else(unknown)
}

/// The current encoding: `[tag, ...fields]`.
///
/// See: warehouse `macaroons/caveats/__init__.py` (tags 0 to 4).
fn classify_current(items: &[Value]) -> Option<CaveatKind> {
    match (items.first()?.as_u64()?, &items[1..]) {
        (0, [expires_at, not_before]) => Some(CaveatKind::Expiration {
            expires_at: expires_at.as_i64()?,
            not_before: not_before.as_i64()?,
        }),
        (1, [names]) => Some(CaveatKind::ProjectNames {
            names: strings(names)?,
        }),
        (2, [ids]) => Some(CaveatKind::ProjectIds { ids: strings(ids)? }),
        (3, [user]) if user.is_string() => Some(CaveatKind::User),
        (4, [publisher, ..]) if publisher.is_string() => Some(CaveatKind::OidcPublisher),
        _ => None,
    }
}

/// The legacy JSON-object caveats warehouse still accepts.
///
/// See: warehouse `macaroons/caveats/_legacy.py`.
fn classify_legacy(value: &Value) -> Option<CaveatKind> {
    if let Some(permissions) = value.get("permissions") {
        if permissions.as_str() == Some("user") {
            return Some(CaveatKind::User);
        }
        return Some(CaveatKind::ProjectNames {
            names: strings(permissions.get("projects")?)?,
        });
    }
    if let (Some(exp), Some(nbf)) = (value.get("exp"), value.get("nbf")) {
        return Some(CaveatKind::Expiration {
            expires_at: exp.as_i64()?,
            not_before: nbf.as_i64()?,
        });
    }
    value
        .get("project_ids")
        .and_then(|ids| Some(CaveatKind::ProjectIds { ids: strings(ids)? }))
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

/// A reason the gate refuses a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum TokenProblem {
    /// The token names no issuer.
    NoLocation,
    /// The token was issued by another index.
    WrongIssuer {
        /// The index the upload goes to.
        expected: IndexSite,
        /// The location the token carries.
        found: String,
    },
    /// Only a user caveat scopes the token: it can upload to every project of the account.
    AccountWide,
    /// No embedded caveat restricts the token to projects; the server may hold caveats we
    /// cannot see, so its scope is unknown.
    ScopeUnknown,
    /// A project-name caveat excludes the project being released.
    OtherProject {
        /// The project being released (normalized).
        project: String,
        /// The names the caveat allows.
        allowed: Vec<String>,
    },
    /// An expiration caveat has passed.
    Expired {
        /// When it expired (unix seconds).
        expires_at: i64,
        /// The clock used (unix seconds).
        now: i64,
    },
    /// An expiration caveat is not valid yet.
    NotYetValid {
        /// When it becomes valid (unix seconds).
        not_before: i64,
        /// The clock used (unix seconds).
        now: i64,
    },
}

impl fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenProblem::NoLocation => f.write_str("token names no issuing index"),
            TokenProblem::WrongIssuer { expected, found } => write!(
                f,
                "token was issued by `{found}`, but the upload goes to `{expected}`"
            ),
            TokenProblem::AccountWide => f.write_str(
                "token is account-wide (user caveat, no project caveat); create a token scoped to the project",
            ),
            TokenProblem::ScopeUnknown => f.write_str(
                "token carries no embedded project caveat, so its scope is unknown; create a token scoped to the project",
            ),
            TokenProblem::OtherProject { project, allowed } => write!(
                f,
                "token is scoped to {} but the artifacts are for `{project}`",
                quote_list(allowed)
            ),
            TokenProblem::Expired { expires_at, now } => {
                write!(f, "token expired at {expires_at} (now {now})")
            }
            TokenProblem::NotYetValid { not_before, now } => {
                write!(f, "token is not valid before {not_before} (now {now})")
            }
        }
    }
}

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    quoted.join(", ")
}

/// The gate's verdict with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenVerdict {
    /// What the token says about itself.
    pub info: TokenInfo,
    /// Why the token is refused; empty means PASS.
    pub problems: Vec<TokenProblem>,
    /// What could not be checked offline (not a failure).
    pub notes: Vec<String>,
}

impl TokenVerdict {
    /// Whether the gate passes.
    #[must_use]
    pub fn is_pass(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Judges a token for uploading `project` to `site` at time `now` (unix seconds).
///
/// Caveats are conjunctive, so the token is project-scoped iff at least one project caveat is
/// embedded, and every project-name caveat must include the project.
///
/// See: pypi-upload.md section 3.3.
#[must_use]
pub fn check_token(info: TokenInfo, site: IndexSite, project: &str, now: i64) -> TokenVerdict {
    let project = pyship_verify::filename::normalize_name(project);
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    check_location(info.location.as_deref(), site, &mut problems);
    check_scope(&info.caveats, &mut problems);
    for caveat in &info.caveats {
        check_caveat(caveat, &project, now, &mut problems, &mut notes);
    }
    TokenVerdict {
        info,
        problems,
        notes,
    }
}

fn check_location(location: Option<&str>, site: IndexSite, problems: &mut Vec<TokenProblem>) {
    let Some(location) = location else {
        problems.push(TokenProblem::NoLocation);
        return;
    };
    if IndexSite::from_location(location) != Some(site) {
        problems.push(TokenProblem::WrongIssuer {
            expected: site,
            found: location.to_owned(),
        });
    }
}

fn check_scope(caveats: &[CaveatKind], problems: &mut Vec<TokenProblem>) {
    if caveats.iter().any(CaveatKind::is_project_scope) {
        return;
    }
    if caveats.contains(&CaveatKind::User) {
        problems.push(TokenProblem::AccountWide);
    } else {
        problems.push(TokenProblem::ScopeUnknown);
    }
}

fn check_caveat(
    caveat: &CaveatKind,
    project: &str,
    now: i64,
    problems: &mut Vec<TokenProblem>,
    notes: &mut Vec<String>,
) {
    match caveat {
        CaveatKind::Expiration { expires_at, .. } if now >= *expires_at => {
            problems.push(TokenProblem::Expired {
                expires_at: *expires_at,
                now,
            });
        }
        CaveatKind::Expiration { not_before, .. } if now < *not_before => {
            problems.push(TokenProblem::NotYetValid {
                not_before: *not_before,
                now,
            });
        }
        CaveatKind::ProjectNames { names } => {
            let normalized = names
                .iter()
                .map(|name| pyship_verify::filename::normalize_name(name));
            if !normalized.into_iter().any(|name| name == project) {
                problems.push(TokenProblem::OtherProject {
                    project: project.to_owned(),
                    allowed: names.clone(),
                });
            }
        }
        CaveatKind::ProjectIds { ids } => notes.push(format!(
            "token is scoped to {} project id(s); ids cannot be matched to `{project}` offline",
            ids.len()
        )),
        CaveatKind::Unknown { .. } => {
            notes.push("token has a caveat this gate does not know; the index enforces it".into());
        }
        CaveatKind::ThirdParty => {
            notes.push("token has a third-party caveat; PyPI does not issue these".into());
        }
        _ => {}
    }
}

/// Derives a token restricted to `project` and valid for `lifetime_secs` from `now`, by appending
/// first-party caveats `[1,[project]]` and `[0,now+lifetime,now]`. A leaked request then
/// carries a token that is worth little.
///
/// See: pypi-upload.md section 3.4 (PyPI supports user attenuation).
pub fn narrow_token(
    token: &Secret,
    project: &str,
    now: i64,
    lifetime_secs: i64,
) -> Result<Secret, TokenError> {
    let mut macaroon = decode(token)?;
    let project = pyship_verify::filename::normalize_name(project);
    let scope = serde_json::json!([1, [project]]).to_string();
    let expiry = serde_json::json!([0, now + lifetime_secs, now]).to_string();
    macaroon.add_first_party_caveat(scope.as_bytes());
    macaroon.add_first_party_caveat(expiry.as_bytes());
    Ok(encode(&macaroon))
}

/// The whole offline gate for a PyPI or TestPyPI API token: judge it for `project` at `now` and,
/// when it passes, narrow it to the project and `lifetime_secs` so the token that goes on the
/// wire is worth little if it leaks. The verdict comes back either way, as evidence.
///
/// See: pypi-upload.md sections 3.3, 3.4 and 8 item 1.
pub fn gate_token(
    token: &Secret,
    site: IndexSite,
    project: &str,
    now: i64,
    lifetime_secs: i64,
) -> Result<(Secret, TokenVerdict), TokenGateError> {
    let info = inspect_token(token).map_err(TokenGateError::Unreadable)?;
    let verdict = check_token(info, site, project, now);
    if !verdict.is_pass() {
        return Err(TokenGateError::Refused(Box::new(verdict)));
    }
    let narrowed =
        narrow_token(token, project, now, lifetime_secs).map_err(TokenGateError::Unreadable)?;
    Ok((narrowed, verdict))
}

/// Why the token gate refused a token. Never holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenGateError {
    /// The token does not decode.
    #[error("the upload token cannot be inspected")]
    Unreadable(#[source] TokenError),
    /// The token decodes but fails the gate.
    #[error("the upload token fails the gate: {}", problems(.0))]
    Refused(Box<TokenVerdict>),
}

fn problems(verdict: &TokenVerdict) -> String {
    let shown: Vec<String> = verdict.problems.iter().map(ToString::to_string).collect();
    shown.join("; ")
}

/// Mints a token as PyPI would, for tests and fake indexes: `pypi-` + base64url(V2 macaroon)
/// with the given first-party caveats.
#[must_use]
pub fn mint_token(root_key: &[u8], location: &str, identifier: &str, caveats: &[&str]) -> Secret {
    let mut macaroon = Macaroon::mint(root_key, location.as_bytes(), identifier.as_bytes());
    for caveat in caveats {
        macaroon.add_first_party_caveat(caveat.as_bytes());
    }
    encode(&macaroon)
}

/// Decodes a token into its macaroon, for fake indexes that verify signatures in tests.
pub fn decode_token(token: &Secret) -> Result<Macaroon, TokenError> {
    decode(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"known test root key";
    const NOW: i64 = 1_800_000_000;

    fn verdict(location: &str, caveats: &[&str], project: &str) -> TokenVerdict {
        let token = mint_token(KEY, location, "3f1c-uuid", caveats);
        let info = inspect_token(&token).unwrap();
        check_token(info, IndexSite::PyPI, project, NOW)
    }

    #[test]
    fn pass_project_scoped_token_as_pypi_issues_it() {
        let verdict = verdict(
            "pypi.org",
            &[r#"[1,["pyship-demo"]]"#, r#"[2,["0d1e-uuid"]]"#],
            "PyShip_Demo",
        );
        assert!(verdict.is_pass(), "{:?}", verdict.problems);
        assert_eq!(verdict.info.location.as_deref(), Some("pypi.org"));
        assert_eq!(verdict.notes.len(), 1, "{:?}", verdict.notes);
    }

    #[test]
    fn fail_account_wide_token() {
        let verdict = verdict("pypi.org", &[r#"[3,"user-uuid"]"#], "demo");
        assert_eq!(verdict.problems, vec![TokenProblem::AccountWide]);
    }

    #[test]
    fn fail_legacy_account_wide_token() {
        let verdict = verdict(
            "pypi.org",
            &[r#"{"version":1,"permissions":"user"}"#],
            "demo",
        );
        assert_eq!(verdict.problems, vec![TokenProblem::AccountWide]);
    }

    #[test]
    fn fail_token_without_caveats_is_scope_unknown() {
        let verdict = verdict("pypi.org", &[], "demo");
        assert_eq!(verdict.problems, vec![TokenProblem::ScopeUnknown]);
        assert!(verdict.problems[0].to_string().contains("scope is unknown"));
    }

    /// See: field-failures C19 (token for `widgetastic.core`, METADATA `Name: widgetastic`).
    #[test]
    fn fail_token_scoped_to_other_project() {
        let verdict = verdict("pypi.org", &[r#"[1,["widgetastic-core"]]"#], "widgetastic");
        assert_eq!(
            verdict.problems,
            vec![TokenProblem::OtherProject {
                project: "widgetastic".into(),
                allowed: vec!["widgetastic-core".into()],
            }]
        );
        let shown = verdict.problems[0].to_string();
        assert!(shown.contains("`widgetastic-core`") && shown.contains("`widgetastic`"));
    }

    #[test]
    fn fail_legacy_projects_caveat_for_other_project() {
        let verdict = verdict(
            "pypi.org",
            &[r#"{"version":1,"permissions":{"projects":["other"]}}"#],
            "demo",
        );
        assert!(matches!(
            verdict.problems.as_slice(),
            [TokenProblem::OtherProject { .. }]
        ));
    }

    #[test]
    fn fail_testpypi_token_for_pypi() {
        let verdict = verdict("test.pypi.org", &[r#"[1,["demo"]]"#], "demo");
        assert_eq!(
            verdict.problems,
            vec![TokenProblem::WrongIssuer {
                expected: IndexSite::PyPI,
                found: "test.pypi.org".into()
            }]
        );
    }

    #[test]
    fn pass_trusted_publishing_token_minted_at_upload_host() {
        let caveats = [
            r#"[4,"publisher-id"]"#.to_owned(),
            r#"[2,["project-uuid"]]"#.to_owned(),
            format!("[0,{},{}]", NOW + 900, NOW),
        ];
        let caveats: Vec<&str> = caveats.iter().map(String::as_str).collect();
        let verdict = verdict("upload.pypi.org", &caveats, "demo");
        assert!(verdict.is_pass(), "{:?}", verdict.problems);
        assert!(verdict.info.caveats.contains(&CaveatKind::OidcPublisher));
    }

    #[test]
    fn fail_expired_and_not_yet_valid() {
        let expired = format!("[0,{},{}]", NOW - 1, NOW - 900);
        let future = format!("[0,{},{}]", NOW + 900, NOW + 10);
        let verdict = verdict("pypi.org", &[r#"[1,["demo"]]"#, &expired, &future], "demo");
        assert_eq!(
            verdict.problems,
            vec![
                TokenProblem::Expired {
                    expires_at: NOW - 1,
                    now: NOW
                },
                TokenProblem::NotYetValid {
                    not_before: NOW + 10,
                    now: NOW
                }
            ]
        );
    }

    #[test]
    fn unknown_caveat_is_noted_not_trusted_for_scope() {
        let verdict = verdict("pypi.org", &[r#"[9,"future"]"#, "not json"], "demo");
        assert_eq!(verdict.problems, vec![TokenProblem::ScopeUnknown]);
        assert_eq!(verdict.notes.len(), 2);
    }

    #[test]
    fn err_not_a_pypi_token() {
        assert_eq!(
            inspect_token(&Secret::new("ghp_abc")).unwrap_err(),
            TokenError::Prefix
        );
        assert_eq!(
            inspect_token(&Secret::new("pypi-!!!")).unwrap_err(),
            TokenError::Base64
        );
        assert!(matches!(
            inspect_token(&Secret::new("pypi-AQID")).unwrap_err(),
            TokenError::Macaroon(_)
        ));
    }

    #[test]
    fn narrowed_token_keeps_valid_chain_and_adds_scope_and_expiry() {
        let token = mint_token(KEY, "pypi.org", "id", &[r#"[3,"user-uuid"]"#]);
        let narrowed = narrow_token(&token, "PyShip.Demo", NOW, 900).unwrap();
        let macaroon = decode_token(&narrowed).unwrap();
        assert!(macaroon.has_valid_signature(KEY));
        let info = inspect_token(&narrowed).unwrap();
        assert_eq!(
            info.caveats,
            vec![
                CaveatKind::User,
                CaveatKind::ProjectNames {
                    names: vec!["pyship-demo".into()]
                },
                CaveatKind::Expiration {
                    expires_at: NOW + 900,
                    not_before: NOW
                },
            ]
        );
        let caveat_text = String::from_utf8(macaroon.caveats[1].identifier.clone()).unwrap();
        assert_eq!(caveat_text, r#"[1,["pyship-demo"]]"#);
        assert_ne!(narrowed.expose(), token.expose());
    }

    #[test]
    fn evidence_never_contains_the_token() {
        let token = mint_token(KEY, "pypi.org", "secret-uuid", &[r#"[3,"u"]"#]);
        let verdict = check_token(inspect_token(&token).unwrap(), IndexSite::PyPI, "demo", NOW);
        let shown = format!("{verdict:?} {}", serde_json::to_string(&verdict).unwrap());
        let body = token.expose().strip_prefix("pypi-").unwrap();
        assert!(!shown.contains(body));
        assert!(!shown.contains("secret-uuid"));
    }

    #[test]
    fn gate_passes_and_narrows_a_scoped_token() {
        let token = mint_token(
            KEY,
            "pypi.org",
            "id",
            &[r#"[1,["demo"]]"#, r#"[2,["uuid"]]"#],
        );
        let (narrowed, verdict) = gate_token(&token, IndexSite::PyPI, "demo", NOW, 900).unwrap();
        assert!(verdict.is_pass());
        let caveats = inspect_token(&narrowed).unwrap().caveats;
        assert_eq!(caveats.len(), 4);
        assert!(decode_token(&narrowed).unwrap().has_valid_signature(KEY));
    }

    #[test]
    fn gate_refuses_an_account_wide_token_with_evidence_and_no_secret() {
        let token = mint_token(KEY, "pypi.org", "id", &[r#"[3,"user-uuid"]"#]);
        let err = gate_token(&token, IndexSite::PyPI, "demo", NOW, 900).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("account-wide"), "{shown}");
        assert!(
            !shown.contains(token.expose().trim_start_matches("pypi-")),
            "{shown}"
        );
        assert!(
            matches!(err, TokenGateError::Refused(verdict) if verdict.problems == [TokenProblem::AccountWide])
        );
    }
}
