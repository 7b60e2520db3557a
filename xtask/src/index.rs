//! Which index `upload` and `dry-run` talk to: PyPI or TestPyPI by the configured `target`, or
//! any index with the legacy upload API given by `--index-url` (or the config's `index-url`),
//! with its simple API root derived or given. Also the project name the upload is for, and the
//! HTTP client both commands share.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use clap::Args;
use pyship_publish::{HttpClient, HttpOptions, IndexSite, IndexUrls, SafeUrl};
use pyship_verify::Target;

use crate::config::Config;

/// Options that select the index and how to log in to it.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct IndexArgs {
    /// Upload URL (legacy upload API) of the index, e.g. `http://127.0.0.1:8080/` for a local
    /// pypiserver [default: the config's `index-url`, else PyPI or TestPyPI by `target`].
    /// Plain HTTP is allowed to loopback addresses only. Never put a password in it.
    #[arg(long, alias = "repository-url", value_name = "URL")]
    pub(crate) index_url: Option<String>,
    /// Simple API root of that index [default: the upload URL with `legacy/` replaced by
    /// `simple/`, or with `simple/` appended].
    #[arg(long, value_name = "URL", requires = "index_url")]
    pub(crate) simple_url: Option<String>,
    /// Username for an index that takes a username and password (not PyPI or TestPyPI, which
    /// take API tokens only). The password is read from `PYSHIP_INDEX_PASSWORD`, never from the
    /// command line.
    #[arg(long, value_name = "NAME")]
    pub(crate) username: Option<String>,
    /// The index at `--index-url` runs PyPI's software (Warehouse: a staging or local
    /// deployment) and follows PyPI's or TestPyPI's rules: API tokens only, judged by the token
    /// gate as issued by that site; PyPI's Metadata-Versions; the JSON API (`/pypi/` on the
    /// upload URL's host) in the proof; trusted publishing in GitHub Actions (`/_/oidc/` there).
    #[arg(long, value_enum, value_name = "SITE", requires = "index_url")]
    pub(crate) index_site: Option<SiteArg>,
}

/// `--index-site`: whose rules a Warehouse deployment follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SiteArg {
    Pypi,
    Testpypi,
}

impl From<SiteArg> for IndexSite {
    fn from(site: SiteArg) -> IndexSite {
        match site {
            SiteArg::Pypi => IndexSite::PyPI,
            SiteArg::Testpypi => IndexSite::TestPyPI,
        }
    }
}

/// The index `args` and `config` select.
pub(crate) fn resolve(config: &Config, args: &IndexArgs) -> anyhow::Result<IndexUrls> {
    let (text, what) = match (&args.index_url, &config.index_url) {
        (Some(url), _) => (url.as_str(), "`--index-url`"),
        (None, Some(url)) => (url.as_str(), "`workspace.metadata.pyship.index-url`"),
        (None, None) => return target_index(config.target),
    };
    let upload = parse_url(text, what)?;
    if let Some(known) = known_index(&upload) {
        return Ok(known);
    }
    let simple = match &args.simple_url {
        Some(text) => parse_url(text, "`--simple-url`")?,
        None => derive_simple(&upload),
    };
    let json_api = args.index_site.map(|_| upload.with_path("/pypi/"));
    Ok(IndexUrls {
        upload,
        simple,
        json_api,
        site: args.index_site.map(IndexSite::from),
    })
}

fn target_index(target: Target) -> anyhow::Result<IndexUrls> {
    match target {
        Target::Pypi => Ok(IndexUrls::pypi()),
        Target::Testpypi => Ok(IndexUrls::testpypi()),
        Target::Generic => bail!(
            "target `generic` has no upload URL: pass `--index-url` or set `workspace.metadata.pyship.index-url`"
        ),
    }
}

/// Parses an index URL. A password in its userinfo is refused: it would sit in shell history
/// and process lists, so passwords come from `PYSHIP_INDEX_PASSWORD` only.
///
/// See: field-failures C17.
pub(crate) fn parse_url(text: &str, what: &str) -> anyhow::Result<SafeUrl> {
    let url = SafeUrl::parse(text).with_context(|| format!("{what} is not a URL"))?;
    if url.expose().password().is_some() {
        bail!(
            "{what} `{url}` carries a password: expected a URL without credentials; pass `--username` and set `PYSHIP_INDEX_PASSWORD`"
        );
    }
    if !matches!(url.expose().scheme(), "http" | "https") {
        bail!("{what} `{url}` is not an HTTP(S) URL");
    }
    Ok(url)
}

/// PyPI and TestPyPI named by URL get their full description (JSON API, token site).
fn known_index(upload: &SafeUrl) -> Option<IndexUrls> {
    let host = upload.host_str()?.to_ascii_lowercase();
    if upload.expose().scheme() != "https" {
        return None;
    }
    match IndexSite::from_location(&host)? {
        IndexSite::PyPI => Some(IndexUrls::pypi()),
        IndexSite::TestPyPI => Some(IndexUrls::testpypi()),
    }
}

/// `https://host/legacy/` → `https://host/simple/`; `http://host:8080/` → `http://host:8080/simple/`.
fn derive_simple(upload: &SafeUrl) -> SafeUrl {
    let path = upload.path();
    let base = path
        .trim_end_matches('/')
        .strip_suffix("/legacy")
        .unwrap_or_else(|| path.trim_end_matches('/'));
    upload.with_path(&format!("{base}/simple/"))
}

/// How the index is shown in messages.
pub(crate) fn describe(index: &IndexUrls) -> String {
    match index.site {
        Some(site) => format!("{site} (`{}`)", index.upload),
        None => format!("`{}`", index.upload),
    }
}

/// The HTTP client for index traffic: PyPI's timeouts (inactivity-based, not total).
pub(crate) fn client() -> HttpClient {
    HttpClient::new(&HttpOptions::standard())
}

/// Now, in unix seconds (token expiry and narrowing).
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs().cast_signed())
}

/// The project being published: `--project`, else `[project].name` of the configured project.
pub(crate) fn project_name(config: &Config, explicit: Option<&str>) -> anyhow::Result<String> {
    if let Some(name) = explicit {
        return Ok(name.to_owned());
    }
    read_project_name(&config.project.join("pyproject.toml"))
}

fn read_project_name(pyproject: &Path) -> anyhow::Result<String> {
    let text = fs_err::read_to_string(pyproject)?;
    let document: toml::Table = toml::from_str(&text)
        .with_context(|| format!("`{}` is not valid TOML", pyproject.display()))?;
    document
        .get("project")
        .and_then(|project| project.get("name"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .with_context(|| {
            format!(
                "`{}` has no `project.name`: pass `--project`",
                pyproject.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple_for(upload: &str) -> String {
        derive_simple(&SafeUrl::parse(upload).unwrap()).to_string()
    }

    #[test]
    fn ok_simple_url_derived_from_upload_url() {
        assert_eq!(
            simple_for("https://repo.example/legacy/"),
            "https://repo.example/simple/"
        );
        assert_eq!(
            simple_for("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/simple/"
        );
        assert_eq!(
            simple_for("https://repo.example/api/pypi/legacy"),
            "https://repo.example/api/pypi/simple/"
        );
    }

    #[test]
    fn ok_index_site_gives_a_loopback_warehouse_pypi_rules() {
        let config = Config::load(None).unwrap();
        let args = IndexArgs {
            index_url: Some("http://127.0.0.1:9/legacy/".to_owned()),
            index_site: Some(SiteArg::Testpypi),
            ..IndexArgs::default()
        };
        let index = resolve(&config, &args).unwrap();
        assert_eq!(index.site, Some(IndexSite::TestPyPI));
        assert_eq!(index.simple.to_string(), "http://127.0.0.1:9/simple/");
        assert_eq!(
            index.json_api.unwrap().to_string(),
            "http://127.0.0.1:9/pypi/"
        );
        let plain = resolve(
            &config,
            &IndexArgs {
                index_site: None,
                ..args
            },
        )
        .unwrap();
        assert!(plain.site.is_none() && plain.json_api.is_none());
    }

    #[test]
    fn ok_pypi_urls_are_recognised() {
        let url = SafeUrl::parse("https://test.pypi.org/legacy/").unwrap();
        assert_eq!(known_index(&url).unwrap().site, Some(IndexSite::TestPyPI));
        let url = SafeUrl::parse("https://pypi.example/legacy/").unwrap();
        assert!(known_index(&url).is_none());
    }

    #[test]
    fn err_password_in_index_url_is_refused_without_quoting_it() {
        let err = parse_url(
            "https://me:pypi-CANARY0123456789abcdef@repo.example/",
            "`x`",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("carries a password"), "{err}");
        assert!(!err.contains("CANARY"), "{err}");
    }
}
