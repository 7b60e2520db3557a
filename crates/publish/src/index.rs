//! Index look-ups: which files a project has and their hashes, from the JSON simple API (PEP 691)
//! when the index offers it and the HTML simple API (PEP 503, hash fragments) otherwise; and the
//! release JSON API on PyPI-like indexes. Only a 404 means "absent": any other failure leaves the
//! index's state unknown and is an error.
//!
//! See: pypi-upload.md sections 4.1, 4.2 and 7 item 4.

use serde::Serialize;

use crate::error::LookupError;
use crate::http::{HttpClient, HttpResponse, server_message};
use crate::secret::{SafeUrl, Secret};
use crate::token::IndexSite;

/// Where an index takes uploads and serves listings.
#[derive(Debug, Clone)]
pub struct IndexUrls {
    /// The legacy upload endpoint (`https://upload.pypi.org/legacy/`).
    pub upload: SafeUrl,
    /// The simple API root, ending in `/` (`https://pypi.org/simple/`).
    pub simple: SafeUrl,
    /// The JSON API root, ending in `/` (`https://pypi.org/pypi/`), on PyPI-like indexes.
    pub json_api: Option<SafeUrl>,
    /// The macaroon-issuing site, for PyPI and TestPyPI.
    pub site: Option<IndexSite>,
}

impl IndexUrls {
    /// PyPI.
    #[must_use]
    pub fn pypi() -> Self {
        Self::known(
            "https://upload.pypi.org/legacy/",
            "https://pypi.org/",
            IndexSite::PyPI,
        )
    }

    /// TestPyPI.
    #[must_use]
    pub fn testpypi() -> Self {
        Self::known(
            "https://test.pypi.org/legacy/",
            "https://test.pypi.org/",
            IndexSite::TestPyPI,
        )
    }

    fn known(upload: &str, root: &str, site: IndexSite) -> Self {
        let parse = |text: &str| SafeUrl::parse(text).expect("built-in URL parses");
        IndexUrls {
            upload: parse(upload),
            simple: parse(&format!("{root}simple/")),
            json_api: Some(parse(&format!("{root}pypi/"))),
            site: Some(site),
        }
    }
}

/// One file the index lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteFile {
    /// The file name.
    pub filename: String,
    /// Its sha256, lowercase hex, if listed.
    pub sha256: Option<String>,
    /// Its size, if listed (JSON simple API only).
    pub size: Option<u64>,
    /// The sha256 of its served core metadata (PEP 658/714), if listed.
    pub core_metadata_sha256: Option<String>,
    /// Where it is served from (credentials masked).
    pub url: String,
}

/// What the index lists for a project (empty when the project does not exist).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectListing {
    /// The files.
    pub files: Vec<RemoteFile>,
}

impl ProjectListing {
    /// The listed file with this exact name.
    #[must_use]
    pub fn find(&self, filename: &str) -> Option<&RemoteFile> {
        self.files.iter().find(|file| file.filename == filename)
    }
}

const SIMPLE_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";
const MAX_REDIRECTS: usize = 5;

/// Fetches a project's listing. 404 is an empty listing; other non-200 statuses are errors.
///
/// `authorization` is an `Authorization` header value for an index that wants credentials to
/// read (a private index); it is sent to `simple`'s origin only, redirects included.
pub fn fetch_listing(
    client: &HttpClient,
    simple: &SafeUrl,
    project: &str,
    authorization: Option<&Secret>,
) -> Result<ProjectListing, LookupError> {
    let normalized = pyship_verify::filename::normalize_name(project);
    let url = simple
        .join(&format!("{normalized}/"))
        .map_err(|err| LookupError::Parse {
            url: simple.clone(),
            reason: err.to_string(),
        })?;
    let (url, response) = get_following(client, &url, SIMPLE_ACCEPT, authorization)?;
    match response.status {
        200 => parse_listing(&url, &response),
        404 => Ok(ProjectListing::default()),
        status => {
            let mut message = server_message(&response);
            if matches!(status, 401 | 403) && authorization.is_none() {
                message.push_str(
                    " (this look-up sent no credentials: they go only to a simple API on the upload URL's host, and never to PyPI's)",
                );
            }
            Err(LookupError::Status {
                message,
                url,
                status,
            })
        }
    }
}

/// GET, following same-origin redirects only (PyPI redirects non-normalized names).
fn get_following(
    client: &HttpClient,
    url: &SafeUrl,
    accept: &str,
    authorization: Option<&Secret>,
) -> Result<(SafeUrl, HttpResponse), LookupError> {
    let headers: Vec<(&str, String)> = authorization
        .map(|value| ("Authorization", value.expose().to_owned()))
        .into_iter()
        .collect();
    let mut url = url.clone();
    for _ in 0..MAX_REDIRECTS {
        // Only same-origin redirects are followed (below), so the header stays with its origin.
        let response = client.get_with_headers(&url, accept, &headers)?;
        if !(300..400).contains(&response.status) {
            return Ok((url, response));
        }
        let location = response.location.as_deref().unwrap_or_default();
        let next = url.join(location).map_err(|err| LookupError::Parse {
            url: url.clone(),
            reason: err.to_string(),
        })?;
        if !next.same_origin(&url) {
            return Err(LookupError::Redirect {
                location: next.to_string(),
                url,
            });
        }
        url = next;
    }
    Err(LookupError::Redirect {
        location: format!("more than {MAX_REDIRECTS} redirects"),
        url,
    })
}

fn parse_listing(url: &SafeUrl, response: &HttpResponse) -> Result<ProjectListing, LookupError> {
    let content_type = response.content_type.as_deref().unwrap_or_default();
    let text = String::from_utf8_lossy(&response.body);
    if content_type.contains("json") {
        parse_json_listing(url, &text)
    } else {
        Ok(parse_html_listing(url, &text))
    }
}

/// PEP 691: `files[]` with `filename`, `url`, `hashes`, `size`, `core-metadata`.
fn parse_json_listing(url: &SafeUrl, text: &str) -> Result<ProjectListing, LookupError> {
    let parse_err = |reason: String| LookupError::Parse {
        url: url.clone(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| parse_err(format!("not JSON: {err}")))?;
    let files = value
        .get("files")
        .and_then(|files| files.as_array())
        .ok_or_else(|| parse_err("no `files` array".into()))?;
    let mut listing = ProjectListing::default();
    for file in files {
        let filename = file
            .get("filename")
            .and_then(|name| name.as_str())
            .ok_or_else(|| parse_err("a file entry has no `filename`".into()))?;
        let href = file.get("url").and_then(|u| u.as_str()).unwrap_or_default();
        let core = file
            .get("core-metadata")
            .or_else(|| file.get("data-dist-info-metadata"));
        listing.files.push(RemoteFile {
            filename: filename.to_owned(),
            sha256: file
                .pointer("/hashes/sha256")
                .and_then(|h| h.as_str())
                .map(str::to_ascii_lowercase),
            size: file.get("size").and_then(serde_json::Value::as_u64),
            core_metadata_sha256: core
                .and_then(|c| c.get("sha256"))
                .and_then(|h| h.as_str())
                .map(str::to_ascii_lowercase),
            url: shown_url(url, href),
        });
    }
    Ok(listing)
}

/// PEP 503: one anchor per file; the text is the file name, the href fragment `#sha256=<hex>`,
/// and `data-core-metadata` (or the older `data-dist-info-metadata`) `sha256=<hex>`.
fn parse_html_listing(url: &SafeUrl, text: &str) -> ProjectListing {
    let lower = text.to_ascii_lowercase();
    let mut listing = ProjectListing::default();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<a ").map(|idx| pos + idx) {
        let Some(tag_end) = lower[start..].find('>').map(|idx| start + idx) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</a>").map(|idx| tag_end + idx) else {
            break;
        };
        let attributes = &text[start + 3..tag_end];
        let href = attribute(attributes, "href").unwrap_or_default();
        let (path, fragment) = href.split_once('#').unwrap_or((&href, ""));
        let anchor_text = decode_entities(text[tag_end + 1..close].trim());
        let filename = if anchor_text.is_empty() {
            path.rsplit('/').next().unwrap_or_default().to_owned()
        } else {
            anchor_text
        };
        let core = attribute(attributes, "data-core-metadata")
            .or_else(|| attribute(attributes, "data-dist-info-metadata"));
        listing.files.push(RemoteFile {
            filename,
            sha256: hash_value(fragment),
            size: None,
            core_metadata_sha256: core.as_deref().and_then(hash_value),
            url: shown_url(url, path),
        });
        pos = close + 4;
    }
    listing
}

/// `sha256=<hex>` → the lowercase hex.
fn hash_value(text: &str) -> Option<String> {
    text.strip_prefix("sha256=")
        .map(|hex| hex.trim().to_ascii_lowercase())
}

/// The value of an attribute in an HTML start tag, quoted with `"` or `'`, entities decoded.
fn attribute(attributes: &str, name: &str) -> Option<String> {
    let lower = attributes.to_ascii_lowercase();
    let mut search = 0;
    while let Some(idx) = lower[search..].find(name).map(|idx| search + idx) {
        let before_ok = idx == 0 || lower.as_bytes()[idx - 1].is_ascii_whitespace();
        let rest = attributes[idx + name.len()..].trim_start();
        search = idx + name.len();
        let Some(rest) = rest.strip_prefix('=').filter(|_| before_ok) else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next()?;
        if quote == '"' || quote == '\'' {
            let value = rest[1..].split(quote).next()?;
            return Some(decode_entities(value));
        }
        let value = rest.split_whitespace().next()?;
        return Some(decode_entities(value));
    }
    None
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn shown_url(base: &SafeUrl, href: &str) -> String {
    base.join(href)
        .map_or_else(|_| href.to_owned(), |url| url.to_string())
}

/// What the release JSON API says about one release.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseJson {
    /// `info.name`.
    pub name: String,
    /// `info.version`.
    pub version: String,
    /// `urls[]`: file name, sha256, blake2b-256, size.
    pub files: Vec<ReleaseJsonFile>,
}

/// One file of a release in the JSON API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseJsonFile {
    /// The file name.
    pub filename: String,
    /// `digests.sha256`.
    pub sha256: Option<String>,
    /// `digests.blake2b_256`.
    pub blake2b_256: Option<String>,
    /// `size`.
    pub size: Option<u64>,
}

/// Fetches `<json_api><project>/<version>/json`. `Ok(None)` on 404 (not visible yet).
pub fn fetch_release_json(
    client: &HttpClient,
    json_api: &SafeUrl,
    project: &str,
    version: &str,
) -> Result<Option<ReleaseJson>, LookupError> {
    let normalized = pyship_verify::filename::normalize_name(project);
    let url = json_api
        .join(&format!("{normalized}/{version}/json"))
        .map_err(|err| LookupError::Parse {
            url: json_api.clone(),
            reason: err.to_string(),
        })?;
    let (url, response) = get_following(client, &url, "application/json", None)?;
    match response.status {
        200 => parse_release_json(&url, &response.body).map(Some),
        404 => Ok(None),
        status => Err(LookupError::Status {
            message: server_message(&response),
            url,
            status,
        }),
    }
}

fn parse_release_json(url: &SafeUrl, body: &[u8]) -> Result<ReleaseJson, LookupError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| LookupError::Parse {
            url: url.clone(),
            reason: format!("not JSON: {err}"),
        })?;
    let text = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let files = value
        .get("urls")
        .and_then(|urls| urls.as_array())
        .map(|urls| urls.iter().map(release_file).collect())
        .unwrap_or_default();
    Ok(ReleaseJson {
        name: text("/info/name"),
        version: text("/info/version"),
        files,
    })
}

fn release_file(value: &serde_json::Value) -> ReleaseJsonFile {
    let digest = |key: &str| {
        value
            .pointer(&format!("/digests/{key}"))
            .and_then(|v| v.as_str())
            .map(str::to_ascii_lowercase)
    };
    ReleaseJsonFile {
        filename: value
            .get("filename")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
        sha256: digest("sha256"),
        blake2b_256: digest("blake2b_256"),
        size: value.get("size").and_then(serde_json::Value::as_u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SafeUrl {
        SafeUrl::parse("http://127.0.0.1:1/simple/demo/").unwrap()
    }

    #[test]
    fn ok_html_listing_with_hash_fragments_and_core_metadata() {
        let html = r#"<!DOCTYPE html><html><body>
<a href="../../packages/demo-0.1.0.tar.gz#sha256=ABCDEF">demo-0.1.0.tar.gz</a><br>
<A HREF='/files/demo-0.1.0-py3-none-any.whl#sha256=0123' data-core-metadata="sha256=feed" data-requires-python="&gt;=3.9">demo-0.1.0-py3-none-any.whl</A>
<a href="/files/demo-0.0.1.zip">demo-0.0.1.zip</a>
</body></html>"#;
        let listing = parse_html_listing(&base(), html);
        assert_eq!(listing.files.len(), 3);
        let sdist = listing.find("demo-0.1.0.tar.gz").unwrap();
        assert_eq!(sdist.sha256.as_deref(), Some("abcdef"));
        assert_eq!(sdist.url, "http://127.0.0.1:1/packages/demo-0.1.0.tar.gz");
        let wheel = listing.find("demo-0.1.0-py3-none-any.whl").unwrap();
        assert_eq!(wheel.sha256.as_deref(), Some("0123"));
        assert_eq!(wheel.core_metadata_sha256.as_deref(), Some("feed"));
        assert_eq!(listing.find("demo-0.0.1.zip").unwrap().sha256, None);
    }

    #[test]
    fn ok_json_listing() {
        let json = r#"{"meta":{"api-version":"1.4"},"name":"demo","files":[
          {"filename":"demo-0.1.0-py3-none-any.whl","url":"https://files.example/d.whl",
           "hashes":{"sha256":"AA"},"size":12,"core-metadata":{"sha256":"bb"}},
          {"filename":"demo-0.1.0.tar.gz","url":"d.tar.gz","hashes":{},"core-metadata":false}]}"#;
        let listing = parse_json_listing(&base(), json).unwrap();
        let wheel = listing.find("demo-0.1.0-py3-none-any.whl").unwrap();
        assert_eq!(wheel.sha256.as_deref(), Some("aa"));
        assert_eq!(wheel.size, Some(12));
        assert_eq!(wheel.core_metadata_sha256.as_deref(), Some("bb"));
        let sdist = listing.find("demo-0.1.0.tar.gz").unwrap();
        assert_eq!(sdist.sha256, None);
        assert_eq!(sdist.core_metadata_sha256, None);
    }

    #[test]
    fn err_json_listing_without_files() {
        let err = parse_json_listing(&base(), r#"{"name":"demo"}"#).unwrap_err();
        assert!(err.to_string().contains("no `files` array"), "{err}");
    }

    #[test]
    fn ok_release_json() {
        let body = br#"{"info":{"name":"Demo","version":"0.1.0"},"urls":[{"filename":"a.whl","digests":{"sha256":"AA","blake2b_256":"BB","md5":"cc"},"size":3}]}"#;
        let release = parse_release_json(&base(), body).unwrap();
        assert_eq!(release.name, "Demo");
        assert_eq!(release.version, "0.1.0");
        assert_eq!(
            release.files,
            vec![ReleaseJsonFile {
                filename: "a.whl".into(),
                sha256: Some("aa".into()),
                blake2b_256: Some("bb".into()),
                size: Some(3),
            }]
        );
    }
}
