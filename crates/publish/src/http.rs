//! The one HTTP seam of the crate: a blocking client (ureq) that never follows redirects by
//! itself, refuses clear-text HTTP except to loopback, never puts credentials in URLs, sends a
//! stable User-Agent, and applies inactivity timeouts rather than total ones. Also: reading an
//! index's error message out of a response and the hint that goes with it.
//!
//! ureq was chosen because it is a well-kept blocking client that streams a request body of known
//! length (the caller sets `Content-Length`), so uploads need neither tokio nor memory that grows
//! with the file.

use std::io::Read;
use std::time::Duration;

use crate::error::HttpError;
use crate::secret::SafeUrl;

/// The User-Agent: names pyship and its version and nothing else. PyPI stores it with every file.
///
/// See: pypi-upload.md section 1.3.
pub const USER_AGENT: &str = concat!("pyship/", env!("CARGO_PKG_VERSION"));

/// The largest response body read into memory (error pages and simple-API listings).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// Timeouts. Read and write timeouts restart with every byte moved, so a slow but moving upload
/// never times out.
///
/// See: pypi-upload.md section 7 item 1 (uv#7809: a total read timeout killed slow uploads).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Connecting (DNS, TCP, TLS).
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response bytes (PyPI may take minutes to answer).
    pub read_timeout: Duration,
    /// Longest stall while sending request bytes.
    pub write_timeout: Duration,
}

impl HttpOptions {
    /// The defaults for talking to PyPI: 10 s connect, 900 s read silence, 120 s write stall.
    #[must_use]
    pub fn standard() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_mins(15),
            write_timeout: Duration::from_mins(2),
        }
    }
}

/// A response, read in full (bodies here are small: listings and error pages).
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// `Location`, if any.
    pub location: Option<String>,
    /// `Retry-After`, if present and parseable.
    pub retry_after: Option<Duration>,
    /// The body.
    pub body: Vec<u8>,
}

/// A streamed request body of known length.
pub struct StreamBody {
    /// The `Content-Type` header value.
    pub content_type: String,
    /// The exact number of bytes `reader` yields.
    pub length: u64,
    /// The bytes.
    pub reader: Box<dyn Read + Send>,
}

/// The blocking HTTP client.
#[derive(Debug, Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
}

impl HttpClient {
    /// Builds a client. Redirects are returned, never followed: each caller applies its policy.
    #[must_use]
    pub fn new(options: &HttpOptions) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_per_read(Some(options.read_timeout))
            .timeout_per_write(Some(options.write_timeout))
            .build();
        HttpClient {
            agent: config.into(),
        }
    }

    /// `GET` with an `Accept` header.
    pub fn get(&self, url: &SafeUrl, accept: &str) -> Result<HttpResponse, HttpError> {
        self.get_with_headers(url, accept, &[])
    }

    /// `GET` with an `Accept` header and extra headers (an `Authorization` header among them).
    pub fn get_with_headers(
        &self,
        url: &SafeUrl,
        accept: &str,
        headers: &[(&str, String)],
    ) -> Result<HttpResponse, HttpError> {
        let target = request_target(url)?;
        tracing::debug!(url = %url, "GET");
        let mut request = self.agent.get(target.as_str()).header("Accept", accept);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.call().map_err(|source| HttpError::Transport {
            url: url.clone(),
            source: Box::new(source),
        })?;
        read_response(url, response)
    }

    /// `POST` a streamed body with extra headers (the `Authorization` header among them).
    pub fn post(
        &self,
        url: &SafeUrl,
        headers: &[(&str, String)],
        body: StreamBody,
    ) -> Result<HttpResponse, HttpError> {
        let target = request_target(url)?;
        tracing::debug!(url = %url, length = body.length, "POST");
        let mut request = self
            .agent
            .post(target.as_str())
            .header("Content-Type", &body.content_type)
            .header("Content-Length", body.length.to_string());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request
            .send(ureq::SendBody::from_owned_reader(body.reader))
            .map_err(|source| match source {
                ureq::Error::Io(source) if source.kind() == std::io::ErrorKind::InvalidData => {
                    HttpError::Body {
                        url: url.clone(),
                        source,
                    }
                }
                source => HttpError::Transport {
                    url: url.clone(),
                    source: Box::new(source),
                },
            })?;
        read_response(url, response)
    }
}

/// The URL as sent: HTTPS or loopback only, userinfo removed (credentials go in headers).
fn request_target(url: &SafeUrl) -> Result<url::Url, HttpError> {
    if !url.is_secure_transport() {
        return Err(HttpError::Insecure { url: url.clone() });
    }
    let mut target = url.expose().clone();
    let _ = target.set_username("");
    let _ = target.set_password(None);
    Ok(target)
}

fn read_response(
    url: &SafeUrl,
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<HttpResponse, HttpError> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let status = response.status().as_u16();
    let content_type = header("content-type");
    let location = header("location");
    let retry_after = header("retry-after").and_then(|value| parse_retry_after(&value));
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|source| HttpError::Transport {
            url: url.clone(),
            source: Box::new(source),
        })?;
    tracing::debug!(url = %url, status, "response");
    Ok(HttpResponse {
        status,
        content_type,
        location,
        retry_after,
        body,
    })
}

/// `Retry-After`: delay-seconds or an HTTP-date.
///
/// See: RFC 9110 section 10.2.3.
#[must_use]
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The index's own message from an error response: a JSON body's `code`/`message`/`detail`, an
/// HTML `<title>`, or the first line of a text body; the canonical reason phrase otherwise.
/// Shortened to one line of at most 300 characters.
///
/// See: pypi-upload.md section 1.5 (PyPI's JSON errors carry `code` = "<status> <message>").
#[must_use]
pub fn server_message(response: &HttpResponse) -> String {
    let text = String::from_utf8_lossy(&response.body);
    let is_json = response
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.contains("json"));
    let message = if is_json {
        json_message(&text)
    } else {
        html_title(&text).or_else(|| first_line(&text))
    };
    let message = message.unwrap_or_else(|| reason_phrase(response.status).to_owned());
    shorten(&message)
}

fn json_message(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    for key in ["code", "message", "detail", "title", "error"] {
        if let Some(message) = value.get(key).and_then(|v| v.as_str()) {
            return Some(message.to_owned());
        }
    }
    None
}

fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = text[start..end].trim();
    (!title.is_empty()).then(|| title.to_owned())
}

fn first_line(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    (!line.starts_with('<')).then(|| line.to_owned())
}

fn shorten(message: &str) -> String {
    let one_line: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 300 {
        one_line
    } else {
        let cut: String = one_line.chars().take(300).collect();
        format!("{cut}…")
    }
}

fn reason_phrase(status: u16) -> &'static str {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("no reason given")
}

/// A hint for the common upload refusals, with where to read more.
///
/// See: pypi-upload.md section 1.6 items 10, 19, 20, 21 and section 1.1 (405).
#[must_use]
pub fn upload_hint(status: u16, message: &str) -> Option<&'static str> {
    let lower = message.to_ascii_lowercase();
    let hint = match status {
        403 if lower.contains("username/password") => {
            "the index accepts only API tokens: use the username `__token__` and a `pypi-` token"
        }
        403 => {
            "the credentials are not allowed to upload to this project: with a PyPI-style token, check that it is scoped to the project (https://pypi.org/help/#invalid-auth); with a username, check the password and that the account may upload here"
        }
        401 => {
            "the index did not accept the credentials: check the username and password or token it was given"
        }
        400 if lower.contains("previously used") => {
            "this file name belonged to a deleted file and can never be reused: release a new version (https://pypi.org/help/#file-name-reuse)"
        }
        400 if lower.contains("already exists") => {
            "a file with this name or content is already on the index with other bytes: release a new version (https://pypi.org/help/#file-name-reuse)"
        }
        400 if lower.contains("14 days") => {
            "PyPI refuses new files for releases older than 14 days: release a new version"
        }
        405 => {
            "the upload URL looks like an index page: use the upload endpoint (for PyPI `https://upload.pypi.org/legacy/`), not `/simple/`"
        }
        410 => "this endpoint no longer accepts uploads: use `https://upload.pypi.org/legacy/`",
        409 => "the index says the file exists: its listing decides whether the bytes match",
        _ => return None,
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some(content_type.to_owned()),
            location: None,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn message_from_pypi_json_code() {
        let body = r#"{"message": "File already exists", "code": "400 File already exists ('a.whl', with blake2_256 hash 'ab').", "title": "Bad Request"}"#;
        let message = server_message(&response(400, "application/json", body));
        assert_eq!(
            message,
            "400 File already exists ('a.whl', with blake2_256 hash 'ab')."
        );
    }

    #[test]
    fn message_from_html_title() {
        let body = "<html>\n<head><title>403 Invalid or non-existent authentication information.</title></head></html>";
        let message = server_message(&response(403, "text/html", body));
        assert_eq!(
            message,
            "403 Invalid or non-existent authentication information."
        );
    }

    #[test]
    fn message_falls_back_to_reason_phrase() {
        assert_eq!(
            server_message(&response(503, "text/html", "<html></html>")),
            "Service Unavailable"
        );
        assert_eq!(
            server_message(&response(409, "text/plain", "\n conflict: exists \n")),
            "conflict: exists"
        );
    }

    #[test]
    fn hints_for_common_refusals() {
        assert!(
            upload_hint(403, "Invalid API Token")
                .unwrap()
                .contains("scoped")
        );
        assert!(
            upload_hint(400, "File already exists")
                .unwrap()
                .contains("new version")
        );
        assert!(
            upload_hint(400, "This filename was previously used")
                .unwrap()
                .contains("deleted")
        );
        assert!(
            upload_hint(400, "releases older than 14 days")
                .unwrap()
                .contains("14 days")
        );
        assert!(
            upload_hint(405, "Method Not Allowed")
                .unwrap()
                .contains("/simple/")
        );
        // pypiserver and other indexes with accounts: the hint speaks of passwords too.
        assert!(
            upload_hint(403, "Forbidden")
                .unwrap()
                .contains("with a username, check the password")
        );
        assert!(
            upload_hint(401, "Unauthorized")
                .unwrap()
                .contains("did not accept the credentials")
        );
        assert_eq!(upload_hint(400, "Invalid distribution file."), None);
    }

    #[test]
    fn retry_after_seconds_and_date() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn user_agent_names_pyship_and_version() {
        assert_eq!(USER_AGENT, concat!("pyship/", env!("CARGO_PKG_VERSION")));
    }
}
