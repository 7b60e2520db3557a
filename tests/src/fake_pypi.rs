//! A fake PyPI on 127.0.0.1 implementing what pypi-upload.md documents: `/legacy/` with its field
//! rules and 400/403 messages, the identical re-upload that returns 200, scripted failures (a 503
//! after the file was stored, dropped connections, redirects, vendor "exists" answers), macaroon
//! caveat checks with a known root key, the simple API in JSON or HTML, and the JSON API.
//!
//! Shared by pyship-publish's tests and the `cargo xtask upload` tests in `it/upload.rs`.
//!
//! It speaks just enough HTTP/1.1: one request per connection, `Connection: close`.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use pyship_publish::{CaveatKind, Secret, inspect_token};

/// How the fake authenticates uploads.
#[derive(Clone)]
pub enum Auth {
    /// HTTP Basic with exactly these credentials; anything else is 403.
    Basic { username: String, password: String },
    /// `__token__` + a macaroon whose chain verifies with this root key and whose caveats allow
    /// the project now.
    Macaroon { root_key: Vec<u8>, now: i64 },
}

/// A scripted answer to the next upload POST (before normal processing).
#[derive(Clone)]
pub enum Script {
    /// Store the file as a success would, then answer with this status and body anyway.
    StoreThenRespond(u16, &'static str),
    /// Answer with this status, body and headers without storing.
    Respond(u16, &'static str, Vec<(&'static str, String)>),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Answer 200 and store nothing.
    AcceptAndForget,
}

/// One stored file.
#[derive(Clone, Debug)]
pub struct Stored {
    pub filename: String,
    pub sha256: String,
    pub blake2b_256: String,
    pub size: u64,
    pub name: String,
    pub version: String,
}

/// One request the fake saw.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub fields: Vec<(String, String)>,
    pub content_filename: Option<String>,
    pub content_type: Option<String>,
    pub body_len: usize,
}

impl Seen {
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[must_use]
    pub fn field(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

pub struct State {
    pub auth: Auth,
    pub files: Vec<Stored>,
    pub scripts: VecDeque<Script>,
    pub seen: Vec<Seen>,
    /// Status for simple-API look-ups instead of the listing (401, 500 ...).
    pub simple_status: Option<u16>,
    /// Serve the simple API as PEP 503 HTML instead of PEP 691 JSON.
    pub html_simple: bool,
    /// Echo the request's Authorization header in error bodies (a misbehaving proxy).
    pub echo_auth: bool,
    /// Core metadata sha256 served per file name (PEP 658), as PyPI stores it.
    pub core_metadata: Vec<(String, String)>,
    /// Name the JSON API reports instead of the one sent (to prove the check reads it).
    pub json_name_override: Option<String>,
    /// Read request bodies this slowly: (chunk size, pause per chunk).
    pub slow_read: Option<(usize, Duration)>,
    /// The fake's clock (unix seconds) when non-zero; the macaroon `now` otherwise.
    pub clock: Arc<AtomicI64>,
    /// Trusted publishing, when enabled.
    pub oidc: Option<OidcFake>,
}

/// The audience, runner ID-token and mint-token endpoints.
pub struct OidcFake {
    pub audience_status: u16,
    pub claims: serde_json::Value,
    pub runner_token: String,
    pub lifetime: i64,
    pub refuse_publisher: bool,
    pub used_jti: Vec<String>,
    pub issued: u32,
}

pub struct FakePypi {
    pub base: String,
    pub state: Arc<Mutex<State>>,
}

impl FakePypi {
    #[must_use]
    pub fn start(auth: Auth) -> FakePypi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            auth,
            files: Vec::new(),
            scripts: VecDeque::new(),
            seen: Vec::new(),
            simple_status: None,
            html_simple: false,
            echo_auth: false,
            core_metadata: Vec::new(),
            json_name_override: None,
            slow_read: None,
            clock: Arc::new(AtomicI64::new(0)),
            oidc: None,
        }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = handle(stream, &state);
                });
            }
        });
        FakePypi { base, state }
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    #[must_use]
    pub fn posts(&self) -> Vec<Seen> {
        self.lock()
            .seen
            .iter()
            .filter(|s| s.method == "POST")
            .cloned()
            .collect()
    }

    #[must_use]
    pub fn n_gets(&self) -> usize {
        self.lock()
            .seen
            .iter()
            .filter(|s| s.method == "GET")
            .count()
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn read_request(stream: &mut TcpStream, state: &Arc<Mutex<State>>) -> std::io::Result<Request> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let slow = state.lock().unwrap().slow_read;
    let mut body = vec![0u8; length];
    match slow {
        Some((chunk, pause)) => {
            let mut filled = 0;
            while filled < length {
                let end = (filled + chunk).min(length);
                reader.read_exact(&mut body[filled..end])?;
                filled = end;
                std::thread::sleep(pause);
            }
        }
        None => reader.read_exact(&mut body)?,
    }
    Ok(Request {
        method,
        path,
        headers,
        body,
    })
}

struct Response {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// PyPI's error shape: message in the reason phrase and a JSON body with `code`.
    fn pypi_error(status: u16, message: &str) -> Self {
        let body = serde_json::json!({
            "message": message,
            "code": format!("{status} {message}"),
            "title": "Error",
        });
        Response::new(status, "application/json", body.to_string())
    }
}

fn handle(mut stream: TcpStream, state: &Arc<Mutex<State>>) -> std::io::Result<()> {
    let request = read_request(&mut stream, state)?;
    let mut seen = Seen {
        method: request.method.clone(),
        path: request.path.clone(),
        headers: request.headers.clone(),
        body_len: request.body.len(),
        ..Seen::default()
    };
    let form = parse_multipart(&request);
    if let Some(form) = &form {
        seen.fields.clone_from(&form.fields);
        seen.content_filename = form.content.as_ref().map(|c| c.0.clone());
        seen.content_type = form.content.as_ref().and_then(|c| c.1.clone());
    }
    state.lock().unwrap().seen.push(seen);
    let response = route(&request, form.as_ref(), state);
    let Some(response) = response else {
        return Ok(()); // Script::Drop
    };
    let mut head = format!(
        "HTTP/1.1 {} Fake\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    for (name, value) in &response.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}

fn route(request: &Request, form: Option<&Form>, state: &Arc<Mutex<State>>) -> Option<Response> {
    let path = request.path.as_str();
    match (request.method.as_str(), path) {
        ("POST", "/legacy") => Some(Response {
            headers: vec![("Location", "/legacy/".to_owned())],
            ..Response::new(308, "text/plain", "")
        }),
        ("POST", "/legacy/") => upload(request, form, state),
        ("GET", "/_/oidc/audience") => Some(audience(state)),
        ("GET", p) if p.starts_with("/oidc/id-token") => Some(id_token(request, state)),
        ("POST", "/_/oidc/mint-token") => Some(mint(request, state)),
        ("POST", _) => Some(Response::new(
            405,
            "text/html",
            "<title>405 Method Not Allowed</title>",
        )),
        ("GET", p) if p.starts_with("/simple/") => Some(simple(p, request, state)),
        ("GET", p) if p.starts_with("/pypi/") => Some(json_api(p, state)),
        _ => Some(Response::new(404, "text/plain", "not found")),
    }
}

fn upload(request: &Request, form: Option<&Form>, state: &Arc<Mutex<State>>) -> Option<Response> {
    let auth_header = request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut state = state.lock().unwrap();
    if let Some(script) = state.scripts.pop_front() {
        return scripted(script, form, &mut state);
    }
    let Some(form) = form else {
        return Some(Response::pypi_error(
            400,
            "Upload payload does not have a file.",
        ));
    };
    let echo = if state.echo_auth {
        format!(" (request had Authorization: {auth_header})")
    } else {
        String::new()
    };
    let clock = state.clock.load(Ordering::SeqCst);
    if let Err(message) = check_auth(&state.auth, clock, &auth_header, form) {
        return Some(Response::pypi_error(403, &format!("{message}{echo}")));
    }
    match validate(form) {
        Ok(stored) => Some(store(&mut state, stored)),
        Err(message) => Some(Response::pypi_error(400, &format!("{message}{echo}"))),
    }
}

fn scripted(script: Script, form: Option<&Form>, state: &mut State) -> Option<Response> {
    match script {
        Script::StoreThenRespond(status, body) => {
            if let Some(stored) = form.and_then(|f| validate(f).ok()) {
                let _ = store(state, stored);
            }
            Some(Response::new(
                status,
                "text/html",
                format!("<title>{body}</title>"),
            ))
        }
        Script::Respond(status, body, headers) => Some(Response {
            headers,
            ..Response::new(status, "text/plain", body)
        }),
        Script::Drop => None,
        Script::AcceptAndForget => Some(Response::new(200, "text/plain", "")),
    }
}

/// Duplicate handling as warehouse does it: same name and digests → 200 and nothing changes;
/// same name, other bytes → 400 "File already exists".
///
/// See: pypi-upload.md section 1.6 item 19.
fn store(state: &mut State, stored: Stored) -> Response {
    if let Some(existing) = state.files.iter().find(|f| f.filename == stored.filename) {
        if existing.sha256 == stored.sha256 {
            return Response::new(200, "text/plain", "");
        }
        return Response::pypi_error(
            400,
            &format!(
                "File already exists ('{}', with blake2_256 hash '{}'). See https://pypi.org/help/#file-name-reuse for more information.",
                stored.filename, stored.blake2b_256
            ),
        );
    }
    state.files.push(stored);
    Response::new(200, "text/plain", "")
}

fn check_auth(auth: &Auth, clock: i64, header: &str, form: &Form) -> Result<(), String> {
    let invalid = "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.".to_owned();
    let decoded = header
        .strip_prefix("Basic ")
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| invalid.clone())?;
    let (user, password) = decoded.split_once(':').ok_or_else(|| invalid.clone())?;
    match auth {
        Auth::Basic {
            username,
            password: expected,
        } => {
            if user == username && password == expected {
                Ok(())
            } else {
                Err(invalid)
            }
        }
        Auth::Macaroon { root_key, now } => {
            let now = if clock == 0 { *now } else { clock };
            if user != "__token__" {
                return Err("Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead.".to_owned());
            }
            check_macaroon(root_key, now, password, form)
                .map_err(|reason| format!("Invalid API Token: {reason}"))
        }
    }
}

/// Signature chain first, then every caveat against the request.
///
/// See: warehouse `macaroons/caveats/__init__.py` messages.
fn check_macaroon(root_key: &[u8], now: i64, token: &str, form: &Form) -> Result<(), String> {
    let token = Secret::new(token);
    let macaroon =
        pyship_publish::token::decode_token(&token).map_err(|_| "malformed".to_owned())?;
    if !macaroon.has_valid_signature(root_key) {
        return Err("signature mismatch".to_owned());
    }
    let project = pyship_verify::filename::normalize_name(form.field("name").unwrap_or_default());
    let info = inspect_token(&token).map_err(|_| "malformed".to_owned())?;
    for caveat in info.caveats {
        match caveat {
            CaveatKind::ProjectNames { names } if !names.contains(&project) => {
                return Err(format!(
                    "project-scoped token is not valid for project: '{project}'"
                ));
            }
            CaveatKind::Expiration {
                expires_at,
                not_before,
            } if now < not_before || now >= expires_at => {
                return Err("token is expired".to_owned());
            }
            CaveatKind::Unknown { .. } | CaveatKind::ThirdParty => {
                return Err("unknown caveat".to_owned());
            }
            _ => {}
        }
    }
    Ok(())
}

/// The field rules of `/legacy/` that a client can get wrong.
///
/// See: pypi-upload.md sections 1.4 and 1.6.
fn validate(form: &Form) -> Result<Stored, String> {
    if form.field(":action") != Some("file_upload") {
        return Err("Unknown action.".into());
    }
    if form.field("protocol_version").unwrap_or("1") != "1" {
        return Err("Unknown protocol version.".into());
    }
    let Some((filename, content_type, bytes)) = &form.content else {
        return Err("Upload payload does not have a file.".into());
    };
    match content_type.as_deref() {
        None | Some("") => return Err("Invalid distribution file.".into()),
        Some(ct) if ct.starts_with("image/") => return Err("Invalid distribution file.".into()),
        _ => {}
    }
    let filetype = form.field("filetype").unwrap_or_default();
    let expected_type = if Path::new(filename).extension().is_some_and(|e| e == "whl") {
        "bdist_wheel"
    } else {
        "sdist"
    };
    if filetype != expected_type {
        return Err("Use a known file type.".into());
    }
    let sha256 = pyship_verify::digest::hex(&Sha256::digest(bytes));
    let digests = pyship_verify::digest::digest_reader(&mut bytes.as_slice(), false).unwrap();
    if form.field("sha256_digest").is_none() && form.field("blake2_256_digest").is_none() {
        return Err("Include at least one message digest.".into());
    }
    if form.field("sha256_digest").is_some_and(|d| d != sha256)
        || form
            .field("blake2_256_digest")
            .is_some_and(|d| d != digests.blake2b_256)
    {
        return Err(
            "The digest supplied does not match a digest calculated from the uploaded file.".into(),
        );
    }
    for single in ["name", "version", "metadata_version", "summary"] {
        if form.fields.iter().filter(|(n, _)| n == single).count() > 1 {
            return Err(format!("'{single}' has invalid data."));
        }
    }
    let name = form
        .field("name")
        .ok_or("'' is an invalid value for Name.")?;
    let version = form
        .field("version")
        .ok_or("'' is an invalid value for Version.")?;
    let prefix =
        pyship_verify::filename::normalize_name(filename.split('-').next().unwrap_or_default());
    if prefix != pyship_verify::filename::normalize_name(name) {
        return Err(format!(
            "Start filename for '{name}' with '{}'.",
            pyship_verify::filename::normalize_name(name)
        ));
    }
    Ok(Stored {
        filename: filename.clone(),
        sha256,
        blake2b_256: digests.blake2b_256,
        size: bytes.len() as u64,
        name: name.to_owned(),
        version: version.to_owned(),
    })
}

fn simple(path: &str, request: &Request, state: &Arc<Mutex<State>>) -> Response {
    let state = state.lock().unwrap();
    if let Some(status) = state.simple_status {
        let echo = if state.echo_auth {
            let auth = request
                .headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                .map_or("", |(_, value)| value.as_str());
            format!(" (request had Authorization: {auth})")
        } else {
            String::new()
        };
        return Response::new(
            status,
            "text/html",
            format!("<title>{status} Nope{echo}</title>"),
        );
    }
    let project = path.trim_start_matches("/simple/").trim_end_matches('/');
    let files: Vec<&Stored> = state
        .files
        .iter()
        .filter(|f| pyship_verify::filename::normalize_name(&f.name) == project)
        .collect();
    if files.is_empty() {
        return Response::new(404, "text/html", "<title>404 Not Found</title>");
    }
    let core = |filename: &str| {
        state
            .core_metadata
            .iter()
            .find(|(f, _)| f == filename)
            .map(|(_, h)| h.clone())
    };
    if state.html_simple {
        let mut html = String::from("<!DOCTYPE html><html><body>\n");
        for f in files {
            let attr = core(&f.filename)
                .map(|h| format!(" data-core-metadata=\"sha256={h}\""))
                .unwrap_or_default();
            let _ = writeln!(
                html,
                "<a href=\"/files/{0}#sha256={1}\"{attr}>{0}</a><br>",
                f.filename, f.sha256
            );
        }
        html.push_str("</body></html>");
        return Response::new(200, "text/html", html);
    }
    let entries: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            let core = core(&f.filename).map_or(
                serde_json::json!(false),
                |h| serde_json::json!({"sha256": h}),
            );
            serde_json::json!({
                "filename": f.filename,
                "url": format!("/files/{}", f.filename),
                "hashes": {"sha256": f.sha256},
                "size": f.size,
                "core-metadata": core,
            })
        })
        .collect();
    let body =
        serde_json::json!({"meta": {"api-version": "1.4"}, "name": project, "files": entries});
    Response::new(200, "application/vnd.pypi.simple.v1+json", body.to_string())
}

fn json_api(path: &str, state: &Arc<Mutex<State>>) -> Response {
    let state = state.lock().unwrap();
    let parts: Vec<&str> = path.trim_start_matches("/pypi/").split('/').collect();
    let [project, version, "json"] = parts.as_slice() else {
        return Response::new(404, "text/plain", "");
    };
    let files: Vec<&Stored> = state
        .files
        .iter()
        .filter(|f| {
            pyship_verify::filename::normalize_name(&f.name) == *project && f.version == *version
        })
        .collect();
    let Some(first) = files.first() else {
        return Response::new(404, "application/json", r#"{"message": "Not Found"}"#);
    };
    let name = state
        .json_name_override
        .clone()
        .unwrap_or_else(|| first.name.clone());
    let urls: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            serde_json::json!({
                "filename": f.filename,
                "digests": {"sha256": f.sha256, "blake2b_256": f.blake2b_256, "md5": "00"},
                "size": f.size,
            })
        })
        .collect();
    let body = serde_json::json!({"info": {"name": name, "version": first.version}, "urls": urls});
    Response::new(200, "application/json", body.to_string())
}

pub struct Form {
    pub fields: Vec<(String, String)>,
    /// (filename, part content type, bytes)
    pub content: Option<(String, Option<String>, Vec<u8>)>,
}

impl Form {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse_multipart(request: &Request) -> Option<Form> {
    let content_type = request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))?
        .1
        .clone();
    let boundary = content_type
        .split("boundary=")
        .nth(1)?
        .trim_matches('"')
        .to_owned();
    let delimiter = format!("--{boundary}").into_bytes();
    let mut form = Form {
        fields: Vec::new(),
        content: None,
    };
    let mut rest = request.body.as_slice();
    loop {
        let start = find(rest, &delimiter)? + delimiter.len();
        rest = &rest[start..];
        if rest.starts_with(b"--") {
            return Some(form);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let end = find(rest, &delimiter)?;
        let part = rest[..end].strip_suffix(b"\r\n")?;
        let split = find(part, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let value = &part[split + 4..];
        let name = between(&head, "name=\"", "\"")?;
        let filename = between(&head, "filename=\"", "\"");
        let part_type = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Type: ").map(str::to_owned));
        match filename {
            Some(filename) if name == "content" => {
                form.content = Some((filename, part_type, value.to_vec()));
            }
            _ => form
                .fields
                .push((name, String::from_utf8_lossy(value).into_owned())),
        }
        rest = &rest[end..];
    }
}

fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = start + text[start..].find(close)?;
    Some(text[start..end].to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn audience(state: &Arc<Mutex<State>>) -> Response {
    let state = state.lock().unwrap();
    let Some(oidc) = &state.oidc else {
        return Response::new(404, "text/plain", "");
    };
    if oidc.audience_status != 200 {
        let body = r#"{"message": "Trusted publishing functionality not enabled"}"#;
        return Response::new(oidc.audience_status, "application/json", body);
    }
    Response::new(200, "application/json", r#"{"audience": "pypi"}"#)
}

/// The runner's endpoint: a fresh, unsigned JWT with a new `jti` per request.
fn id_token(request: &Request, state: &Arc<Mutex<State>>) -> Response {
    let mut state = state.lock().unwrap();
    let Some(oidc) = state.oidc.as_mut() else {
        return Response::new(404, "text/plain", "");
    };
    let authorization = request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if authorization != format!("bearer {}", oidc.runner_token)
        || !request.path.contains("audience=pypi")
    {
        return Response::new(
            401,
            "application/json",
            r#"{"message": "bad request token"}"#,
        );
    }
    oidc.issued += 1;
    let mut claims = oidc.claims.clone();
    claims["jti"] = serde_json::json!(format!("jti-{}", oidc.issued));
    claims["aud"] = serde_json::json!("pypi");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let jwt = format!(
        "{}.{}.unsigned",
        b64(br#"{"alg":"none"}"#),
        b64(claims.to_string().as_bytes())
    );
    Response::new(
        200,
        "application/json",
        serde_json::json!({ "value": jwt }).to_string(),
    )
}

/// Exchanges a JWT once (single-use `jti`) for a project-scoped, expiring macaroon.
///
/// See: pypi-upload.md section 2.1 step 3 (warehouse#16254: JWTs are single-use).
fn mint(request: &Request, state: &Arc<Mutex<State>>) -> Response {
    let mut state = state.lock().unwrap();
    let now = state.clock.load(Ordering::SeqCst);
    let Auth::Macaroon { root_key, .. } = state.auth.clone() else {
        return Response::new(404, "text/plain", "");
    };
    let Some(oidc) = state.oidc.as_mut() else {
        return Response::new(404, "text/plain", "");
    };
    let refuse = |code: &str, description: &str| {
        let body = serde_json::json!({
            "message": "Token request failed",
            "errors": [{"code": code, "description": description}],
        });
        Response::new(422, "application/json", body.to_string())
    };
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let jwt = body
        .get("token")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    let claims: Option<serde_json::Value> = jwt
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let Some(claims) = claims else {
        return refuse("invalid-payload", "malformed JWT");
    };
    let jti = claims["jti"].as_str().unwrap_or_default().to_owned();
    if oidc.used_jti.contains(&jti) {
        return refuse("invalid-reuse-token", "invalid token: already used");
    }
    oidc.used_jti.push(jti);
    if oidc.refuse_publisher {
        return refuse(
            "invalid-publisher",
            "valid token, but no corresponding publisher (Publisher with matching claims was not found)",
        );
    }
    let expires = now + oidc.lifetime;
    let expiry = format!("[0,{expires},{now}]");
    let token = pyship_publish::token::mint_token(
        &root_key,
        "upload.pypi.org",
        "tp-id",
        &[r#"[4,"publisher-id"]"#, r#"[2,["project-uuid"]]"#, &expiry],
    );
    let body = serde_json::json!({"success": true, "token": token.expose(), "expires": expires});
    Response::new(200, "application/json", body.to_string())
}
