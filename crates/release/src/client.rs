//! The GitHub REST client: base URLs, pinned API version, pacing, rate limits, pagination,
//! redirects without credentials, and a journal of every mutating call with its request id.
//!
//! Policy in one place: reads are retried after 5xx and timeouts; mutations never are (the
//! caller reconciles by reading first); rate-limit answers are waited out for both, because a
//! rate-limited request was not carried out.
//! See: github-release.md §1f.

use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use ureq::http::{self, HeaderMap};
use url::Url;

use crate::clock::Clock;
use crate::error::{ApiErrorDetail, HttpError, StatusError};
use crate::safe_url::SafeUrl;
use crate::secret::GitHubToken;

/// The REST API version we speak. Pinned so a GitHub default change cannot alter answers.
/// See: github-release.md §1 (versions `2022-11-28` and `2026-03-10`).
pub const API_VERSION: &str = "2022-11-28";

/// JSON answers larger than this are refused; release lists and asset lists are far smaller.
const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

/// Where and how to talk to GitHub. Build with [`GitHubConfig::new`] and adjust fields.
#[derive(Debug, Clone)]
pub struct GitHubConfig {
    /// REST base, `https://api.github.com/` (GitHub Enterprise: `https://host/api/v3/`).
    pub api_base: Url,
    /// Upload base, `https://uploads.github.com/` (Enterprise: `https://host/api/uploads/`).
    pub upload_base: Url,
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// `X-GitHub-Api-Version` to send.
    pub api_version: String,
    /// `User-Agent` to send (GitHub rejects requests without one).
    pub user_agent: String,
    /// Minimum time between two mutating requests.
    /// See: github-release.md §1f ("wait at least one second between each" mutation).
    pub mutation_spacing: Duration,
    /// Timeout for one whole request, body included.
    pub timeout: Duration,
    /// How many times one request may wait for a rate limit or retry a failed read.
    pub max_retries: u32,
    /// The longest single wait we accept; a longer rate-limit reset is reported instead.
    pub max_wait: Duration,
    /// Proxy URL; the library never reads proxy variables itself.
    pub proxy: Option<String>,
}

impl GitHubConfig {
    /// Settings for github.com and the repository `owner/repo`.
    #[must_use]
    pub fn new(owner: impl Into<String>, repo: impl Into<String>) -> Self {
        Self {
            api_base: Url::parse("https://api.github.com/").expect("constant URL"),
            upload_base: Url::parse("https://uploads.github.com/").expect("constant URL"),
            owner: owner.into(),
            repo: repo.into(),
            api_version: API_VERSION.to_owned(),
            user_agent: concat!("pyship-release/", env!("CARGO_PKG_VERSION")).to_owned(),
            mutation_spacing: Duration::from_secs(1),
            timeout: Duration::from_mins(10),
            max_retries: 4,
            max_wait: Duration::from_mins(15),
            proxy: None,
        }
    }
}

/// One mutating call, for the run's record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MutationRecord {
    /// HTTP method.
    pub method: &'static str,
    /// Target.
    pub url: SafeUrl,
    /// HTTP status, or `None` when no answer arrived.
    pub status: Option<u16>,
    /// `X-GitHub-Request-Id` of the answer.
    pub request_id: Option<String>,
}

/// A request body.
pub(crate) enum Payload<'a> {
    Empty,
    Json(Vec<u8>),
    /// A body of known length, opened afresh for each attempt so a retry re-reads the file.
    Stream {
        open: &'a dyn Fn() -> io::Result<Box<dyn Read + Send>>,
        len: u64,
        content_type: &'a str,
    },
}

/// An answer with its body read.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) method: &'static str,
    pub(crate) url: SafeUrl,
}

/// What an answer rests on: which request, its status, GitHub's request id, and the start of
/// the body. Gates show it next to their verdict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// `GET <masked URL>`.
    pub request: String,
    /// HTTP status.
    pub status: u16,
    /// `X-GitHub-Request-Id`.
    pub request_id: Option<String>,
    /// The first characters of the body.
    pub excerpt: String,
}

impl Reply {
    /// This answer as evidence.
    pub(crate) fn evidence(&self) -> Evidence {
        Evidence {
            request: format!("{} {}", self.method, self.url),
            status: self.status,
            request_id: self.request_id.clone(),
            excerpt: truncate(&String::from_utf8_lossy(&self.body), 400),
        }
    }

    /// Decodes a JSON body.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|source| HttpError::Decode {
            method: self.method,
            url: self.url.clone(),
            source,
        })
    }

    /// Turns any status outside `expected` into [`HttpError::Status`].
    pub(crate) fn expect(self, expected: &[u16]) -> Result<Self, HttpError> {
        if expected.contains(&self.status) {
            return Ok(self);
        }
        Err(self.into_error())
    }

    /// The answer as an error, with GitHub's message and error details.
    pub(crate) fn into_error(self) -> HttpError {
        #[derive(serde::Deserialize, Default)]
        struct Body {
            #[serde(default)]
            message: String,
            #[serde(default)]
            errors: Vec<ErrorEntry>,
        }
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum ErrorEntry {
            Detail(ApiErrorDetail),
            Text(String),
        }
        let body: Body = serde_json::from_slice(&self.body).unwrap_or_default();
        let details = body
            .errors
            .into_iter()
            .map(|entry| match entry {
                ErrorEntry::Detail(detail) => detail,
                ErrorEntry::Text(text) => ApiErrorDetail {
                    resource: None,
                    code: None,
                    field: None,
                    message: Some(text),
                },
            })
            .collect();
        HttpError::Status(Box::new(StatusError {
            method: self.method,
            url: self.url,
            status: self.status,
            request_id: self.request_id,
            message: truncate(&body.message, 300),
            details,
        }))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// The GitHub client. Cheap to share by reference; the journal is internally locked.
pub struct GitHubClient {
    agent: ureq::Agent,
    config: GitHubConfig,
    token: Option<GitHubToken>,
    clock: Arc<dyn Clock>,
    journal: Mutex<Vec<MutationRecord>>,
    last_mutation: Mutex<Option<SystemTime>>,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("api_base", &SafeUrl::new(&self.config.api_base))
            .field(
                "repo",
                &format_args!("{}/{}", self.config.owner, self.config.repo),
            )
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl GitHubClient {
    /// Builds a client. `token` is `None` for anonymous read-only use.
    pub fn new(
        config: GitHubConfig,
        token: Option<GitHubToken>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, HttpError> {
        let proxy = match &config.proxy {
            Some(text) => Some(ureq::Proxy::new(text).map_err(|_| HttpError::BadUrl {
                text: "<proxy>".to_owned(),
                source: url::ParseError::InvalidDomainCharacter,
            })?),
            None => None,
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(config.user_agent.as_str())
            .timeout_global(Some(config.timeout))
            .proxy(proxy)
            .build()
            .new_agent();
        Ok(Self {
            agent,
            config,
            token,
            clock,
            journal: Mutex::new(Vec::new()),
            last_mutation: Mutex::new(None),
        })
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &GitHubConfig {
        &self.config
    }

    /// `owner/repo`.
    #[must_use]
    pub fn repo_slug(&self) -> String {
        format!("{}/{}", self.config.owner, self.config.repo)
    }

    /// Whether a token is configured.
    #[must_use]
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Every mutating call made so far, in order.
    #[must_use]
    pub fn mutations(&self) -> Vec<MutationRecord> {
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `{api_base}repos/{owner}/{repo}/{rest}`.
    pub(crate) fn repo_url(&self, rest: &str) -> Result<Url, HttpError> {
        let text = format!("repos/{}/{}/{rest}", self.config.owner, self.config.repo);
        join(&self.config.api_base, &text)
    }

    /// `{api_base}repos/{owner}/{repo}`.
    pub(crate) fn repo_root_url(&self) -> Result<Url, HttpError> {
        join(
            &self.config.api_base,
            &format!("repos/{}/{}", self.config.owner, self.config.repo),
        )
    }

    /// `{api_base}{rest}`.
    pub(crate) fn api_url(&self, rest: &str) -> Result<Url, HttpError> {
        join(&self.config.api_base, rest)
    }

    /// `{upload_base}repos/{owner}/{repo}/{rest}`.
    pub(crate) fn upload_url(&self, rest: &str) -> Result<Url, HttpError> {
        let text = format!("repos/{}/{}/{rest}", self.config.owner, self.config.repo);
        join(&self.config.upload_base, &text)
    }

    /// GET, any status returned as a [`Reply`].
    pub(crate) fn get(&self, url: &Url) -> Result<Reply, HttpError> {
        self.send("GET", url, &Payload::Empty, "application/vnd.github+json")
    }

    /// GET expecting 200 and JSON.
    pub(crate) fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, HttpError> {
        self.get(url)?.expect(&[200])?.json()
    }

    /// A mutating call with a JSON body.
    pub(crate) fn send_json(
        &self,
        method: &'static str,
        url: &Url,
        body: &serde_json::Value,
    ) -> Result<Reply, HttpError> {
        let bytes = serde_json::to_vec(body).expect("JSON values always serialise");
        self.send(
            method,
            url,
            &Payload::Json(bytes),
            "application/vnd.github+json",
        )
    }

    /// Every item of a paginated list, following `Link: rel="next"` on the API origin only.
    pub(crate) fn get_all<T: DeserializeOwned>(&self, url: &Url) -> Result<Vec<T>, HttpError> {
        self.get_all_in(url, None, &mut Vec::new())
    }

    /// Like [`Self::get_all`] for answers that wrap the list in an object under `key`
    /// (for example `check_runs`), recording each page as evidence.
    pub(crate) fn get_all_in<T: DeserializeOwned>(
        &self,
        url: &Url,
        key: Option<&str>,
        evidence: &mut Vec<Evidence>,
    ) -> Result<Vec<T>, HttpError> {
        let mut next = Some(with_per_page(url));
        let mut items = Vec::new();
        while let Some(page_url) = next {
            self.check_same_origin(&page_url)?;
            let reply = self.get(&page_url)?.expect(&[200])?;
            evidence.push(reply.evidence());
            next = next_link(&reply)?;
            let mut page: Vec<T> = match key {
                None => reply.json()?,
                Some(key) => reply.json::<serde_json::Value>().and_then(|value| {
                    let list = value.get(key).cloned().unwrap_or(serde_json::Value::Null);
                    serde_json::from_value(list).map_err(|source| HttpError::Decode {
                        method: "GET",
                        url: reply.url.clone(),
                        source,
                    })
                })?,
            };
            items.append(&mut page);
        }
        Ok(items)
    }

    fn check_same_origin(&self, url: &Url) -> Result<(), HttpError> {
        if url.origin() == self.config.api_base.origin() {
            return Ok(());
        }
        Err(HttpError::ForeignUrl {
            url: SafeUrl::new(url),
            expected: self.config.api_base.origin().ascii_serialization(),
        })
    }

    /// Sends one request, waiting out rate limits and retrying failed reads.
    pub(crate) fn send(
        &self,
        method: &'static str,
        url: &Url,
        payload: &Payload<'_>,
        accept: &str,
    ) -> Result<Reply, HttpError> {
        let mutating = method != "GET";
        let mut attempt = 0;
        loop {
            attempt += 1;
            if mutating {
                self.pace();
            }
            let result = self.send_once(method, url, payload, accept, true);
            if mutating {
                self.record(method, url, result.as_ref().ok());
            }
            let retry_wait = match &result {
                Ok(reply) => rate_limit_wait(reply, self.clock.now(), attempt),
                Err(error)
                    if !mutating && error.is_ambiguous() && !error.is_permanent_transport() =>
                {
                    Some(backoff(attempt))
                }
                Err(_) => None,
            };
            let retry_wait = retry_wait.or_else(|| match &result {
                Ok(reply) if !mutating && reply.status >= 500 => Some(backoff(attempt)),
                _ => None,
            });
            let Some(wait) = retry_wait else {
                return result;
            };
            if attempt > self.config.max_retries || wait > self.config.max_wait {
                return match result {
                    Ok(reply) if reply.status == 403 || reply.status == 429 => {
                        Err(HttpError::RateLimited {
                            method,
                            url: SafeUrl::new(url),
                            reason: format!(
                                "gave up after {attempt} attempts; next wait would be {} s",
                                wait.as_secs()
                            ),
                        })
                    }
                    other => other,
                };
            }
            tracing::warn!(method, url = %SafeUrl::new(url), wait_s = wait.as_secs(), "waiting before retry");
            self.clock.sleep(wait);
        }
    }

    /// Downloads `url` (an asset API URL) as raw bytes into `sink`, following at most a few
    /// redirects. Only the first request carries the token; redirect targets (the download
    /// host) never see it.
    /// See: github-release.md §1c ("200 stream or 302 redirect — clients must handle both").
    pub(crate) fn download(&self, url: &Url, sink: &mut dyn io::Write) -> Result<u64, HttpError> {
        let mut current = url.clone();
        for hop in 0..4 {
            let authorized = hop == 0;
            let response = self.open(
                "GET",
                &current,
                &Payload::Empty,
                "application/octet-stream",
                authorized,
            )?;
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                current = redirect_target(&current, response.headers())?;
                continue;
            }
            if status != 200 {
                return Err(Self::read_reply("GET", &current, response)?.into_error());
            }
            let mut reader = response.into_body().into_reader();
            return io::copy(&mut reader, sink).map_err(|source| HttpError::Body {
                method: "GET",
                url: SafeUrl::new(&current),
                source,
            });
        }
        Err(HttpError::ForeignUrl {
            url: SafeUrl::new(&current),
            expected: "at most 3 redirects".to_owned(),
        })
    }

    fn send_once(
        &self,
        method: &'static str,
        url: &Url,
        payload: &Payload<'_>,
        accept: &str,
        authorized: bool,
    ) -> Result<Reply, HttpError> {
        let response = self.open(method, url, payload, accept, authorized)?;
        Self::read_reply(method, url, response)
    }

    fn read_reply(
        method: &'static str,
        url: &Url,
        mut response: http::Response<ureq::Body>,
    ) -> Result<Reply, HttpError> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let request_id = headers
            .get("x-github-request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_JSON_BYTES)
            .read_to_vec()
            .map_err(|source| HttpError::Transport {
                method,
                url: SafeUrl::new(url),
                source: Box::new(source),
            })?;
        tracing::debug!(method, url = %SafeUrl::new(url), status, request_id, "GitHub answered");
        if headers.contains_key("deprecation") || headers.contains_key("sunset") {
            tracing::warn!(method, url = %SafeUrl::new(url), "GitHub marks this endpoint or API version as deprecated");
        }
        Ok(Reply {
            status,
            request_id,
            headers,
            body,
            method,
            url: SafeUrl::new(url),
        })
    }

    fn open(
        &self,
        method: &'static str,
        url: &Url,
        payload: &Payload<'_>,
        accept: &str,
        authorized: bool,
    ) -> Result<http::Response<ureq::Body>, HttpError> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(url.as_str())
            .header("accept", accept)
            .header("x-github-api-version", self.config.api_version.as_str());
        if authorized && let Some(token) = &self.token {
            builder = builder.header("authorization", format!("Bearer {}", token.expose()));
        }
        let body = match payload {
            Payload::Empty => ureq::SendBody::none(),
            Payload::Json(bytes) => {
                builder = builder
                    .header("content-type", "application/json")
                    .header("content-length", bytes.len());
                ureq::SendBody::from_owned_reader(io::Cursor::new(bytes.clone()))
            }
            Payload::Stream {
                open,
                len,
                content_type,
            } => {
                let reader = open().map_err(|source| HttpError::Body {
                    method,
                    url: SafeUrl::new(url),
                    source,
                })?;
                builder = builder
                    .header("content-type", *content_type)
                    .header("content-length", *len);
                ureq::SendBody::from_owned_reader(reader.take(*len))
            }
        };
        let request = builder.body(body).map_err(|_| HttpError::BadUrl {
            text: SafeUrl::new(url).to_string(),
            source: url::ParseError::InvalidDomainCharacter,
        })?;
        self.agent
            .run(request)
            .map_err(|source| HttpError::Transport {
                method,
                url: SafeUrl::new(url),
                source: Box::new(source),
            })
    }

    fn pace(&self) {
        let mut last = self
            .last_mutation
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(previous) = *last {
            let elapsed = self
                .clock
                .now()
                .duration_since(previous)
                .unwrap_or_default();
            if let Some(wait) = self.config.mutation_spacing.checked_sub(elapsed)
                && !wait.is_zero()
            {
                self.clock.sleep(wait);
            }
        }
        *last = Some(self.clock.now());
    }

    fn record(&self, method: &'static str, url: &Url, reply: Option<&Reply>) {
        let record = MutationRecord {
            method,
            url: SafeUrl::new(url),
            status: reply.map(|r| r.status),
            request_id: reply.and_then(|r| r.request_id.clone()),
        };
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }
}

fn join(base: &Url, rest: &str) -> Result<Url, HttpError> {
    base.join(rest).map_err(|source| HttpError::BadUrl {
        text: rest.to_owned(),
        source,
    })
}

fn with_per_page(url: &Url) -> Url {
    let mut url = url.clone();
    if !url.query_pairs().any(|(key, _)| key == "per_page") {
        url.query_pairs_mut().append_pair("per_page", "100");
    }
    url
}

/// The `rel="next"` target of a `Link` header.
fn next_link(reply: &Reply) -> Result<Option<Url>, HttpError> {
    let Some(link) = reply.header("link") else {
        return Ok(None);
    };
    for part in link.split(',') {
        let mut pieces = part.split(';');
        let target = pieces.next().unwrap_or("").trim();
        let is_next = pieces.any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        if let (true, Some(inner)) = (
            is_next,
            target.strip_prefix('<').and_then(|t| t.strip_suffix('>')),
        ) {
            return Url::parse(inner)
                .map(Some)
                .map_err(|source| HttpError::BadUrl {
                    text: inner.to_owned(),
                    source,
                });
        }
    }
    Ok(None)
}

fn redirect_target(current: &Url, headers: &HeaderMap) -> Result<Url, HttpError> {
    let location = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    current.join(location).map_err(|source| HttpError::BadUrl {
        text: "<redirect location>".to_owned(),
        source,
    })
}

/// Exponential backoff for failed reads: 2 s, 4 s, 8 s, …
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1 << attempt.min(8))
}

/// How long to wait when the answer is a rate limit, or `None` when it is not one.
///
/// Primary limit: `x-ratelimit-remaining: 0` until `x-ratelimit-reset`. Secondary limit:
/// `retry-after` when given, else at least one minute, growing exponentially.
/// See: github-release.md §1f "Exceeded handling".
pub(crate) fn rate_limit_wait(reply: &Reply, now: SystemTime, attempt: u32) -> Option<Duration> {
    if reply.status != 403 && reply.status != 429 {
        return None;
    }
    if let Some(retry_after) = reply.header("retry-after") {
        return Some(parse_retry_after(retry_after, now));
    }
    if reply.header("x-ratelimit-remaining") == Some("0") {
        let reset = reply
            .header("x-ratelimit-reset")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let now_secs = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let wait = reset.map_or(60, |reset| reset.saturating_sub(now_secs));
        return Some(Duration::from_secs(wait.max(1)));
    }
    let text = String::from_utf8_lossy(&reply.body).to_ascii_lowercase();
    if reply.status == 429 || text.contains("secondary rate limit") || text.contains("rate limit") {
        return Some(Duration::from_secs(60 << (attempt - 1).min(4)));
    }
    None
}

fn parse_retry_after(value: &str, now: SystemTime) -> Duration {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Duration::from_secs(seconds.max(1));
    }
    httpdate::parse_http_date(value.trim())
        .ok()
        .and_then(|at| at.duration_since(now).ok())
        .unwrap_or(Duration::from_mins(1))
        .max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        let url = Url::parse("https://api.example/x").unwrap();
        Reply {
            status,
            request_id: None,
            headers: map,
            body: body.as_bytes().to_vec(),
            method: "GET",
            url: SafeUrl::new(&url),
        }
    }

    #[test]
    fn err_pagination_link_to_another_origin_is_refused() {
        let mut config = GitHubConfig::new("o", "r");
        config.api_base = Url::parse("https://ghe.example/api/v3/").unwrap();
        let client = GitHubClient::new(config, None, Arc::new(SystemClock)).unwrap();
        let link = r#"<https://evil.example/api/v3/repos/o/r/releases?page=2>; rel="next""#;
        let next = next_link(&reply(200, &[("link", link)], "[]"))
            .unwrap()
            .unwrap();
        let error = client.check_same_origin(&next).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected a URL on `https://ghe.example`"),
            "{error}"
        );
        let same = Url::parse("https://ghe.example/api/v3/repos/o/r/releases?page=2").unwrap();
        assert!(client.check_same_origin(&same).is_ok());
    }

    #[test]
    fn retry_after_as_http_date_and_plain_403_is_no_rate_limit() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let wait = rate_limit_wait(&reply(429, &[("retry-after", &later)], ""), now, 1);
        assert_eq!(wait, Some(Duration::from_secs(30)));
        let denied = reply(
            403,
            &[],
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert_eq!(rate_limit_wait(&denied, now, 1), None);
        assert_eq!(rate_limit_wait(&reply(500, &[], ""), now, 1), None);
    }
}
