//! `cargo xtask token set|check|delete`: manage the PyPI upload token in the OS keyring under
//! twine's convention (service = upload URL, user `__token__`). `set` reads the token from stdin,
//! never from arguments, refuses one that fails the offline token gate and records the date it
//! was stored; `check` runs the gate on the token an upload would use (environment first, then the
//! keyring) and shows the evidence and the token's age; `delete` removes it. No output, error or
//! file ever holds the token.
//!
//! See: issue 3 "Credentials, in this order" and "Token gate (offline)".

use std::fmt::Write as _;
use std::io::{IsTerminal as _, Read as _};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use pyship_publish::token::{CaveatKind, TokenGateError, TokenVerdict, gate_token};
use pyship_publish::{IndexSite, IndexUrls, SafeUrl, Secret};
use pyship_verify::Target;

use crate::ExitStatus;
use crate::config::Config;
use crate::secrets::{self, Found, Keyring, Lookup, PYPI_USER, TokenSource};

/// The lifetime of the narrowed token the gate derives; `check` only proves narrowing works.
const NARROWED_LIFETIME_SECS: i64 = 15 * 60;
/// The most stdin may hold: a PyPI token is a few hundred bytes.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    #[command(subcommand)]
    action: TokenAction,
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Store a PyPI API token in the OS keyring. The token is read from stdin (hidden when stdin
    /// is a terminal), never from arguments; it must pass the offline token gate.
    Set(IndexArg),
    /// Run the offline token gate on the token an upload would use (`PYPI_API_TOKEN`, else the
    /// keyring) and show its evidence and age, never the token.
    Check(IndexArg),
    /// Delete the stored PyPI token from the OS keyring.
    Delete(IndexArg),
}

#[derive(Debug, Args)]
struct IndexArg {
    /// The index: `pypi`, `testpypi` or an upload URL, which is also the keyring service
    /// [default: the configured `target`].
    #[arg(long, value_name = "pypi|testpypi|URL")]
    index: Option<String>,
}

/// The index a token is for: the upload URL as given (twine's keyring service) and, for PyPI and
/// TestPyPI, the site whose macaroons the gate reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenIndex {
    pub(crate) upload_url: String,
    pub(crate) site: Option<IndexSite>,
}

/// What a token command decided: lines for stdout and the exit status.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) status: ExitStatus,
    pub(crate) lines: Vec<String>,
}

impl Outcome {
    fn new(status: ExitStatus, lines: Vec<String>) -> Outcome {
        Outcome { status, lines }
    }
}

pub(crate) fn run(args: &TokenArgs, manifest_path: Option<&Path>) -> anyhow::Result<ExitStatus> {
    let config = Config::load(manifest_path)?;
    let keyring = Keyring::os();
    let now = SystemTime::now();
    let outcome = match &args.action {
        TokenAction::Set(which) => {
            let index = resolve_index(
                which.index.as_deref(),
                config.index_url.as_deref(),
                config.target,
            )?;
            let project = read_project_name(&config.project.join("pyproject.toml"))?;
            let token = read_token(&index.upload_url)?;
            set(&keyring, &index, &project, &token, now)?
        }
        TokenAction::Check(which) => {
            let index = resolve_index(
                which.index.as_deref(),
                config.index_url.as_deref(),
                config.target,
            )?;
            let project = read_project_name(&config.project.join("pyproject.toml"))?;
            let lookup = secrets::pypi_token(&index.upload_url)?;
            check(lookup, &index, &project, now)
        }
        TokenAction::Delete(which) => {
            let index = resolve_index(
                which.index.as_deref(),
                config.index_url.as_deref(),
                config.target,
            )?;
            delete(&keyring, &index)?
        }
    };
    for line in &outcome.lines {
        println!("{line}");
    }
    Ok(outcome.status)
}

/// `--index` (or the configured target) as an upload URL and site.
/// `--index`, else the configured `index-url`, else the target's index, as an upload URL and
/// site. A URL is the keyring service as `upload` looks it up: parsed and written back, so
/// `http://host:8080` and `http://host:8080/` are one service.
pub(crate) fn resolve_index(
    arg: Option<&str>,
    configured: Option<&str>,
    target: Target,
) -> anyhow::Result<TokenIndex> {
    let known = |urls: IndexUrls| TokenIndex {
        upload_url: urls.upload.expose().to_string(),
        site: urls.site,
    };
    match arg.or(configured) {
        Some("pypi") => Ok(known(IndexUrls::pypi())),
        Some("testpypi") => Ok(known(IndexUrls::testpypi())),
        Some(url) => {
            let parsed = SafeUrl::parse(url).map_err(|err| {
                anyhow::anyhow!("`--index` is not `pypi`, `testpypi` or a URL: {err}")
            })?;
            // The keyring service and every message would carry it (field-failures C17).
            if parsed.expose().password().is_some() {
                bail!(
                    "`--index` `{parsed}` carries a password: expected an upload URL without credentials (the token is the only secret, read from stdin)"
                );
            }
            if !parsed.is_secure_transport() {
                bail!(
                    "`--index` `{parsed}` is not HTTPS: a token is only sent over HTTPS (plain HTTP only to loopback)"
                );
            }
            let site = parsed.host_str().and_then(IndexSite::from_location);
            Ok(TokenIndex {
                upload_url: parsed.expose().to_string(),
                site,
            })
        }
        None => match target {
            Target::Pypi => Ok(known(IndexUrls::pypi())),
            Target::Testpypi => Ok(known(IndexUrls::testpypi())),
            Target::Generic => bail!(
                "`workspace.metadata.pyship.target` is `generic`, so there is no default upload URL: pass `--index URL`"
            ),
        },
    }
}

/// `[project].name` of a `pyproject.toml` (PEP 621), which the token must be scoped to.
pub(crate) fn read_project_name(pyproject: &Path) -> anyhow::Result<String> {
    let text = fs_err::read_to_string(pyproject)?;
    let document: toml::Table = toml::from_str(&text)
        .with_context(|| format!("`{}` is not valid TOML", pyproject.display()))?;
    match document
        .get("project")
        .and_then(|project| project.get("name"))
    {
        Some(toml::Value::String(name)) if !name.trim().is_empty() => Ok(name.clone()),
        _ => bail!(
            "`{}` has no `project.name`: expected the distribution name the token is scoped to",
            pyproject.display()
        ),
    }
}

/// Reads the token from stdin: hidden input on a terminal, else the whole stream (bounded).
fn read_token(upload_url: &str) -> anyhow::Result<Secret> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("API token for `{upload_url}` (input is hidden): "))
            .context("failed to read the token from the terminal")?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_TOKEN_BYTES)
            .read_to_string(&mut text)
            .context("failed to read the token from stdin: expected UTF-8 text")?;
        text
    };
    Ok(Secret::new(text.trim()))
}

/// `token set`: gate the token, then store it and the date.
pub(crate) fn set(
    keyring: &Keyring,
    index: &TokenIndex,
    project: &str,
    token: &Secret,
    now: SystemTime,
) -> anyhow::Result<Outcome> {
    if token.is_blank() {
        return Ok(Outcome::new(
            ExitStatus::Failure,
            vec![
                "FAIL token: stdin held no token: pipe it in, e.g. `cargo xtask token set < token-file`"
                    .to_owned(),
            ],
        ));
    }
    if let Some(site) = index.site {
        let (verdict, refusal) = gate(token, site, project, now);
        if let Some(refusal) = refusal {
            let mut lines = vec![format!("FAIL token: not stored: {refusal}")];
            lines.extend(verdict.iter().flat_map(|verdict| evidence(verdict, now)));
            return Ok(Outcome::new(ExitStatus::Failure, lines));
        }
    }
    keyring.set(&index.upload_url, PYPI_USER, token)?;
    keyring.set_stored_at(&index.upload_url, PYPI_USER, now)?;
    Ok(Outcome::new(
        ExitStatus::Success,
        vec![format!(
            "stored the token in the OS keyring (service `{}`, user `{PYPI_USER}`) on {}",
            index.upload_url,
            httpdate::fmt_http_date(now)
        )],
    ))
}

/// `token check`: the gate on the token an upload would use, with evidence and age.
pub(crate) fn check(
    lookup: Lookup<Secret>,
    index: &TokenIndex,
    project: &str,
    now: SystemTime,
) -> Outcome {
    let found = match lookup {
        Lookup::Found(found) => found,
        missing @ Lookup::Missing { .. } => {
            return Outcome::new(
                ExitStatus::Failure,
                vec![format!(
                    "FAIL token: no token for `{}`: {}",
                    index.upload_url,
                    missing.missing_reason()
                )],
            );
        }
    };
    let mut lines = vec![source_line(&found, now)];
    let Some(site) = index.site else {
        lines.push(format!(
            "UNKNOWN token: `{}` is not PyPI or TestPyPI, so the token's scope cannot be checked offline",
            index.upload_url
        ));
        return Outcome::new(ExitStatus::Success, lines);
    };
    let (verdict, refusal) = gate(&found.secret, site, project, now);
    let status = match refusal {
        None => {
            lines.insert(0, format!("PASS token: scoped to `{project}` on `{site}`"));
            ExitStatus::Success
        }
        Some(refusal) => {
            lines.insert(0, format!("FAIL token: {refusal}"));
            ExitStatus::Failure
        }
    };
    lines.extend(verdict.iter().flat_map(|verdict| evidence(verdict, now)));
    Outcome::new(status, lines)
}

/// `token delete`: remove the token and its stored date.
pub(crate) fn delete(keyring: &Keyring, index: &TokenIndex) -> anyhow::Result<Outcome> {
    let existed = keyring.delete(&index.upload_url, PYPI_USER)?;
    keyring.delete_stored_at(&index.upload_url, PYPI_USER)?;
    let where_ = format!(
        "OS keyring (service `{}`, user `{PYPI_USER}`)",
        index.upload_url
    );
    Ok(if existed {
        Outcome::new(
            ExitStatus::Success,
            vec![format!("deleted the token from the {where_}")],
        )
    } else {
        Outcome::new(
            ExitStatus::Failure,
            vec![format!("FAIL token: the {where_} holds no token")],
        )
    })
}

/// Runs the offline gate: the verdict when the token decodes, and why it is refused, if it is.
fn gate(
    token: &Secret,
    site: IndexSite,
    project: &str,
    now: SystemTime,
) -> (Option<TokenVerdict>, Option<String>) {
    match gate_token(token, site, project, unix(now), NARROWED_LIFETIME_SECS) {
        Ok((_narrowed, verdict)) => (Some(verdict), None),
        Err(TokenGateError::Refused(verdict)) => {
            let refusal = TokenGateError::Refused(verdict.clone()).to_string();
            (Some(*verdict), Some(refusal))
        }
        Err(err) => {
            let reason =
                std::iter::successors(Some(&err as &dyn std::error::Error), |err| err.source())
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(": ");
            (None, Some(reason))
        }
    }
}

/// Where the token came from, and its age when known.
fn source_line(found: &Found<Secret>, now: SystemTime) -> String {
    let mut line = format!("  source: {}", found.source);
    if let TokenSource::Keyring {
        stored: Some(when), ..
    } = found.source
    {
        let days = now.duration_since(when).unwrap_or(Duration::ZERO).as_secs() / 86_400;
        let _ = write!(line, "; {days} day(s) old");
    }
    line
}

/// The gate's evidence, one line per fact: issuer, caveats, problems and notes.
fn evidence(verdict: &TokenVerdict, now: SystemTime) -> Vec<String> {
    let mut lines = vec![format!(
        "  issued by: {}",
        verdict
            .info
            .location
            .as_deref()
            .map_or_else(|| "(no location)".to_owned(), |loc| format!("`{loc}`"))
    )];
    if verdict.info.caveats.is_empty() {
        lines.push("  caveats: none".to_owned());
    }
    for caveat in &verdict.info.caveats {
        lines.push(format!("  caveat: {}", describe_caveat(caveat, now)));
    }
    for problem in &verdict.problems {
        lines.push(format!("  problem: {problem}"));
    }
    for note in &verdict.notes {
        lines.push(format!("  note: {note}"));
    }
    lines
}

fn describe_caveat(caveat: &CaveatKind, now: SystemTime) -> String {
    let quoted = |items: &[String]| {
        items
            .iter()
            .map(|item| format!("`{item}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match caveat {
        CaveatKind::Expiration { expires_at, .. } => {
            let left = expires_at - unix(now);
            format!("expires at {expires_at} (unix; {left} s from now)")
        }
        CaveatKind::ProjectNames { names } => format!("projects {}", quoted(names)),
        CaveatKind::ProjectIds { ids } => format!("{} project id(s)", ids.len()),
        CaveatKind::User => "user (account-wide)".to_owned(),
        CaveatKind::OidcPublisher => "trusted publisher (OIDC)".to_owned(),
        CaveatKind::ThirdParty => "third-party".to_owned(),
        CaveatKind::Unknown { .. } => "unknown to pyship (the index enforces it)".to_owned(),
    }
}

fn unix(when: SystemTime) -> i64 {
    when.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs().cast_signed())
}

#[cfg(test)]
mod tests {
    use pyship_publish::token::mint_token;

    use super::*;
    use crate::secrets::KEYRING_TIMEOUT;

    const KEY: &[u8] = b"token command test key";
    const NOW_SECS: u64 = 1_800_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW_SECS)
    }

    fn pypi() -> TokenIndex {
        resolve_index(Some("pypi"), None, Target::Generic).unwrap()
    }

    fn mock() -> Keyring {
        Keyring::with_store(keyring_core::mock::Store::new().unwrap(), KEYRING_TIMEOUT)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    /// A PyPI-issued token with these caveats; the canary is the token itself.
    fn token(location: &str, caveats: &[&str]) -> Secret {
        mint_token(KEY, location, "canary-identifier", caveats)
    }

    /// The token, and a 16-character piece of it, appear nowhere in what was shown.
    fn assert_hidden(token: &Secret, shown: &str) {
        let value = token.expose();
        let piece = &value[value.len() - 16..];
        assert!(!shown.contains(value), "token leaked: {shown}");
        assert!(!shown.contains(piece), "token piece leaked: {shown}");
        assert!(
            !shown.contains("canary-identifier"),
            "identifier leaked: {shown}"
        );
    }

    /// `token check` as `run` does it, with an injected environment and keyring.
    fn check_with(
        env: &dyn Fn(&str) -> Option<String>,
        keyring: &Keyring,
        index: &TokenIndex,
        project: &str,
        now: SystemTime,
    ) -> anyhow::Result<Outcome> {
        let lookup = secrets::pypi_token_with(env, keyring, &index.upload_url)?;
        Ok(check(lookup, index, project, now))
    }

    fn shown(result: &anyhow::Result<Outcome>) -> String {
        match result {
            Ok(outcome) => format!("{:?} {}", outcome, outcome.lines.join("\n")),
            Err(err) => format!("{err:#} {err:?}"),
        }
    }

    #[test]
    fn ok_resolve_index_names_and_urls() {
        assert_eq!(pypi().upload_url, "https://upload.pypi.org/legacy/");
        assert_eq!(pypi().site, Some(IndexSite::PyPI));
        let test = resolve_index(None, None, Target::Testpypi).unwrap();
        assert_eq!(test.upload_url, "https://test.pypi.org/legacy/");
        let custom =
            resolve_index(Some("http://127.0.0.1:8080/legacy"), None, Target::Pypi).unwrap();
        assert_eq!(custom.upload_url, "http://127.0.0.1:8080/legacy");
        let bare = resolve_index(None, Some("http://127.0.0.1:8080"), Target::Pypi).unwrap();
        assert_eq!(bare.upload_url, "http://127.0.0.1:8080/");
        assert_eq!(custom.site, None);
        let err =
            resolve_index(Some("http://example.org/legacy/"), None, Target::Pypi).unwrap_err();
        assert!(err.to_string().contains("not HTTPS"), "{err}");
        let err = resolve_index(None, None, Target::Generic).unwrap_err();
        assert!(err.to_string().contains("--index URL"), "{err}");
    }

    #[test]
    fn ok_set_then_check_then_delete() {
        let keyring = mock();
        let good = token("pypi.org", &[r#"[1,["pyship-demo"]]"#]);
        let stored = set(&keyring, &pypi(), "pyship-demo", &good, now()).unwrap();
        assert_eq!(stored.status, ExitStatus::Success, "{:?}", stored.lines);
        assert_hidden(&good, &stored.lines.join("\n"));

        let later = now() + Duration::from_hours(3 * 24);
        let checked = check_with(&no_env, &keyring, &pypi(), "pyship_demo", later).unwrap();
        let text = checked.lines.join("\n");
        assert_eq!(checked.status, ExitStatus::Success, "{text}");
        assert!(text.starts_with("PASS token"), "{text}");
        assert!(text.contains("projects `pyship-demo`"), "{text}");
        assert!(text.contains("3 day(s) old"), "{text}");
        assert_hidden(&good, &text);

        let deleted = delete(&keyring, &pypi()).unwrap();
        assert_eq!(deleted.status, ExitStatus::Success);
        let again = delete(&keyring, &pypi()).unwrap();
        assert_eq!(again.status, ExitStatus::Failure);
        let missing = check_with(&no_env, &keyring, &pypi(), "pyship-demo", later).unwrap();
        assert_eq!(missing.status, ExitStatus::Failure);
        assert!(missing.lines[0].contains("no token"), "{:?}", missing.lines);
    }

    #[test]
    fn fail_set_refuses_empty_input() {
        let outcome = set(&mock(), &pypi(), "demo", &Secret::new(""), now()).unwrap();
        assert_eq!(outcome.status, ExitStatus::Failure);
        assert!(outcome.lines[0].contains("no token"), "{:?}", outcome.lines);
    }

    /// Every refusal of `set` and `check`: the token is nowhere in the result, and `set` stored
    /// nothing.
    #[test]
    fn canary_gate_failures_never_show_the_token() {
        let cases = [
            (
                "bad format",
                Secret::new("CANARYcanaryCANARYcanary0123456789abcdef"),
            ),
            (
                "bad base64",
                Secret::new("pypi-CANARY!!canaryCANARYcanary0123456789"),
            ),
            ("account-wide", token("pypi.org", &[r#"[3,"user-uuid"]"#])),
            (
                "wrong project",
                token("pypi.org", &[r#"[1,["other-project"]]"#]),
            ),
            ("wrong index", token("test.pypi.org", &[r#"[1,["demo"]]"#])),
            (
                "expired",
                token("pypi.org", &[r#"[1,["demo"]]"#, "[0,1000,0]"]),
            ),
            ("no caveats", token("pypi.org", &[])),
        ];
        for (case, canary) in cases {
            let keyring = mock();
            let result = set(&keyring, &pypi(), "demo", &canary, now());
            let outcome = result.as_ref().unwrap();
            assert_eq!(outcome.status, ExitStatus::Failure, "{case}");
            assert_hidden(&canary, &shown(&result));
            assert_eq!(
                keyring.get(&pypi().upload_url, PYPI_USER).unwrap(),
                None,
                "{case}"
            );

            let env = |name: &str| (name == "PYPI_API_TOKEN").then(|| canary.expose().to_owned());
            let result = check_with(&env, &keyring, &pypi(), "demo", now());
            assert_eq!(
                result.as_ref().unwrap().status,
                ExitStatus::Failure,
                "{case}"
            );
            assert_hidden(&canary, &shown(&result));
        }
    }

    #[test]
    fn canary_keyring_errors_never_show_the_token() {
        let canary = token("pypi.org", &[r#"[1,["demo"]]"#]);
        let keyring = mock();
        keyring.set(&pypi().upload_url, PYPI_USER, &canary).unwrap();
        let store_entry =
            |keyring: &Keyring| keyring.entry_for_tests(&pypi().upload_url, PYPI_USER);
        let errors = [
            keyring_core::Error::BadEncoding(canary.expose().as_bytes().to_vec()),
            keyring_core::Error::Ambiguous(vec![store_entry(&keyring), store_entry(&keyring)]),
            keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other(
                "collection is locked",
            ))),
        ];
        for error in errors {
            let entry = store_entry(&keyring);
            let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
            cred.set_error(error);
            let result = check_with(&no_env, &keyring, &pypi(), "demo", now());
            assert!(result.is_err(), "{}", shown(&result));
            assert_hidden(&canary, &shown(&result));
        }
        let entry = store_entry(&keyring);
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(keyring_core::Error::PlatformFailure(Box::new(
            std::io::Error::other("bus closed"),
        )));
        let result = set(&keyring, &pypi(), "demo", &canary, now());
        let text = shown(&result);
        assert!(text.contains("bus closed"), "{text}");
        assert_hidden(&canary, &text);
    }

    #[test]
    fn ok_check_generic_index_says_what_was_not_checked() {
        let index = resolve_index(
            Some("https://upload.example.org/legacy/"),
            None,
            Target::Generic,
        )
        .unwrap();
        let env = |_: &str| Some("s3cret-password".to_owned());
        let outcome =
            check_with(&env, &Keyring::unavailable("none"), &index, "demo", now()).unwrap();
        assert_eq!(outcome.status, ExitStatus::Success);
        let text = outcome.lines.join("\n");
        assert!(text.contains("UNKNOWN token"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }

    #[test]
    fn ok_read_project_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pyproject.toml");
        fs_err::write(&path, "[project]\nname = \"Demo_Pkg\"\n").unwrap();
        assert_eq!(read_project_name(&path).unwrap(), "Demo_Pkg");
        fs_err::write(&path, "[project]\nversion = \"1\"\n").unwrap();
        assert!(
            read_project_name(&path)
                .unwrap_err()
                .to_string()
                .contains("project.name")
        );
    }
}
