//! A fake GitHub on three loopback ports (API, uploads host, download host) that follows
//! `github-release.md`, quirks included: drafts are invisible to `releases/tags/{tag}`, 422
//! bodies carry GitHub's codes, `digest` is present or null by mode, immutable releases refuse
//! asset changes, downloads answer with a redirect to another host, and scripted faults give
//! rate limits, 5xx with `starter` leftovers, dropped connections, 201 answers for uploads that
//! are not whole, and changes made by someone else just before or after a request. A download
//! host serving other bytes than GitHub hashed is the `served_instead` knob.

pub mod http;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use self::http::{Reply, Request};

pub const OWNER: &str = "octo";
pub const REPO: &str = "demo";
const API_PREFIX: &str = "/api/v3";
const UPLOAD_PREFIX: &str = "/api/uploads";

/// Which of the three servers saw a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Api,
    Uploads,
    Download,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub host: Host,
    pub request: Request,
}

/// How `digest` appears on assets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestMode {
    /// Always `sha256:<hex>`.
    Present,
    /// Null in the upload's 201 answer, present when read later.
    NullOnUpload,
    /// Always null.
    NullAlways,
}

/// What a scripted fault does.
#[derive(Debug, Clone)]
pub enum FaultAction {
    /// Answer this instead of handling the request.
    Respond(Reply),
    /// Uploads: keep half the bytes as a `starter` asset, answer 502.
    StoreStarterThen502,
    /// Handle the request, then drop the connection without an answer.
    HandleThenDrop,
    /// Drop the connection without handling the request.
    Drop,
    /// Uploads: another writer won the race; store these bytes under the name, answer 422
    /// `already_exists`.
    StoreOtherThen422(Vec<u8>),
    /// Uploads: store the asset in this state (`open`, `starter`) and answer 201 with it, as a
    /// finished upload would be answered.
    StoreInStateThen201(&'static str),
    /// Uploads: the bytes were damaged on the way; store these instead of the body and answer
    /// 201 (its `digest`, when shown, is that of the stored bytes).
    StoreBytesThen201(Vec<u8>),
    /// Change the state (another actor, or a setting flipped by an admin), then handle the
    /// request.
    MutateThenHandle(fn(&mut State)),
    /// Handle the request, then change the state.
    HandleThenMutate(fn(&mut State)),
}

/// A fault for the next `times` requests matching `method` and a path suffix.
#[derive(Debug, Clone)]
pub struct Fault {
    pub host: Host,
    pub method: &'static str,
    pub path_suffix: String,
    /// Uploads only: match just the asset with this `name` query parameter.
    pub asset_name: Option<String>,
    pub action: FaultAction,
    pub times: usize,
}

#[derive(Debug, Clone)]
pub struct FakeAsset {
    pub id: u64,
    pub name: String,
    pub state: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct FakeRelease {
    pub id: u64,
    pub tag_name: String,
    pub target_commitish: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
    pub immutable: bool,
    pub assets: Vec<FakeAsset>,
}

/// Everything the fake knows; tests set it up and inspect it.
pub struct State {
    pub token: String,
    pub push_access: bool,
    /// The token's user, answered by `GET /user` unless a canned answer overrides it.
    pub login: String,
    pub releases: Vec<FakeRelease>,
    /// Releases the list endpoint does not show yet (GitHub's listing can lag a create).
    pub unlisted: Vec<u64>,
    /// `tags/v1.0.0` → (object type, sha).
    pub refs: BTreeMap<String, (String, String)>,
    /// tag object sha → (tag name, target type, target sha).
    pub tag_objects: BTreeMap<String, (String, String, String)>,
    /// Commits that exist.
    pub commits: Vec<String>,
    /// Commits that change `.github/workflows/`.
    pub workflow_commits: Vec<String>,
    pub immutable_enabled: bool,
    pub digest_mode: DigestMode,
    /// Asset name → bytes the download host serves instead of the stored ones (a CDN copy
    /// that differs from what GitHub hashed).
    pub served_instead: BTreeMap<String, Vec<u8>>,
    pub page_size: usize,
    pub faults: Vec<Fault>,
    pub log: Vec<Logged>,
    /// Canned answers for read-only endpoints, by path after `/repos/octo/demo` or absolute.
    pub canned: BTreeMap<String, (u16, Value)>,
    next_id: u64,
    next_request: u64,
    api_base: String,
    upload_base: String,
    download_base: String,
}

impl State {
    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn add_release(&mut self, tag: &str, commit: &str, draft: bool) -> u64 {
        let id = self.fresh_id();
        self.releases.push(FakeRelease {
            id,
            tag_name: tag.to_owned(),
            target_commitish: commit.to_owned(),
            name: tag.to_owned(),
            body: String::new(),
            draft,
            prerelease: false,
            immutable: !draft && self.immutable_enabled,
            assets: Vec::new(),
        });
        id
    }

    pub fn add_asset(&mut self, release_id: u64, name: &str, bytes: &[u8], state: &str) -> u64 {
        let id = self.fresh_id();
        let release = self.release_mut(release_id).expect("release exists");
        release.assets.push(FakeAsset {
            id,
            name: name.to_owned(),
            state: state.to_owned(),
            content_type: "application/octet-stream".to_owned(),
            bytes: bytes.to_vec(),
        });
        id
    }

    /// A lightweight tag.
    pub fn add_lightweight_tag(&mut self, tag: &str, commit: &str) {
        self.refs
            .insert(format!("tags/{tag}"), ("commit".into(), commit.into()));
    }

    /// An annotated tag; returns the tag object sha.
    pub fn add_annotated_tag(&mut self, tag: &str, commit: &str) -> String {
        let sha = self.new_sha();
        self.tag_objects
            .insert(sha.clone(), (tag.into(), "commit".into(), commit.into()));
        self.refs
            .insert(format!("tags/{tag}"), ("tag".into(), sha.clone()));
        sha
    }

    #[must_use]
    pub fn release(&self, id: u64) -> Option<&FakeRelease> {
        self.releases.iter().find(|r| r.id == id)
    }

    fn release_mut(&mut self, id: u64) -> Option<&mut FakeRelease> {
        self.releases.iter_mut().find(|r| r.id == id)
    }

    fn new_sha(&mut self) -> String {
        let id = self.fresh_id();
        format!("{:040x}", u128::from(id) * 0x9e37_79b9_7f4a_7c15)
    }

    #[must_use]
    pub fn requests(&self, host: Host, method: &str) -> Vec<&Request> {
        self.log
            .iter()
            .filter(|l| l.host == host && l.request.method == method)
            .map(|l| &l.request)
            .collect()
    }

    pub fn fault(&mut self, host: Host, method: &'static str, suffix: &str, action: FaultAction) {
        self.fault_times(host, method, suffix, action, 1);
    }

    pub fn fault_times(
        &mut self,
        host: Host,
        method: &'static str,
        suffix: &str,
        action: FaultAction,
        times: usize,
    ) {
        self.faults.push(Fault {
            host,
            method,
            path_suffix: suffix.to_owned(),
            asset_name: None,
            action,
            times,
        });
    }

    /// A fault for the next `times` uploads of the asset called `name`.
    pub fn fault_upload(&mut self, name: &str, action: FaultAction, times: usize) {
        self.faults.push(Fault {
            host: Host::Uploads,
            method: "POST",
            path_suffix: "/assets".to_owned(),
            asset_name: Some(name.to_owned()),
            action,
            times,
        });
    }
}

/// The running fake.
#[derive(Clone)]
pub struct FakeGitHub {
    state: Arc<Mutex<State>>,
    pub api_base: String,
    pub upload_base: String,
}

impl FakeGitHub {
    #[must_use]
    pub fn start(token: &str) -> Self {
        let state = Arc::new(Mutex::new(State {
            token: token.to_owned(),
            push_access: true,
            login: "octo-releaser".to_owned(),
            releases: Vec::new(),
            unlisted: Vec::new(),
            refs: BTreeMap::new(),
            tag_objects: BTreeMap::new(),
            commits: Vec::new(),
            workflow_commits: Vec::new(),
            immutable_enabled: false,
            digest_mode: DigestMode::Present,
            served_instead: BTreeMap::new(),
            page_size: 2,
            faults: Vec::new(),
            log: Vec::new(),
            canned: BTreeMap::new(),
            next_id: 100,
            next_request: 0,
            api_base: String::new(),
            upload_base: String::new(),
            download_base: String::new(),
        }));
        let api = serve(&state, Host::Api);
        let uploads = serve(&state, Host::Uploads);
        let download = serve(&state, Host::Download);
        let mut guard = state.lock().unwrap();
        guard.api_base = format!("http://{api}{API_PREFIX}/");
        guard.upload_base = format!("http://{uploads}{UPLOAD_PREFIX}/");
        guard.download_base = format!("http://{download}");
        let (api_base, upload_base) = (guard.api_base.clone(), guard.upload_base.clone());
        drop(guard);
        Self {
            state,
            api_base,
            upload_base,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn serve(state: &Arc<Mutex<State>>, host: Host) -> SocketAddr {
    let state = Arc::clone(state);
    http::serve(Arc::new(move |request: &Request| {
        let mut guard = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.log.push(Logged {
            host,
            request: request.clone(),
        });
        guard.next_request += 1;
        let request_id = format!("FAKE-{:04}", guard.next_request);
        handle(&mut guard, host, request).with_header("x-github-request-id", &request_id)
    }))
}

fn take_fault(state: &mut State, host: Host, request: &Request) -> Option<FaultAction> {
    let index = state.faults.iter().position(|f| {
        f.host == host
            && f.method == request.method
            && request.path.ends_with(&f.path_suffix)
            && f.asset_name
                .as_ref()
                .is_none_or(|name| request.query_param("name").as_ref() == Some(name))
    })?;
    let fault = &mut state.faults[index];
    fault.times -= 1;
    let action = fault.action.clone();
    if fault.times == 0 {
        state.faults.remove(index);
    }
    Some(action)
}

fn handle(state: &mut State, host: Host, request: &Request) -> Reply {
    if host != Host::Download
        && let Some(refusal) = refuse_unauthenticated(state, request)
    {
        return refusal;
    }
    match take_fault(state, host, request) {
        Some(FaultAction::Respond(reply)) => return reply,
        Some(FaultAction::Drop) => return Reply::Drop,
        Some(FaultAction::StoreStarterThen502) => {
            let _ = upload(state, request, true);
            return Reply::json(502, &json!({"message": "Bad Gateway"}));
        }
        Some(FaultAction::StoreOtherThen422(bytes)) => {
            let mut other = request.clone();
            other.body = bytes;
            let _ = upload(state, &other, false);
            return validation_failed("ReleaseAsset", "already_exists", "name", None);
        }
        Some(FaultAction::HandleThenDrop) => {
            let _ = route(state, host, request);
            return Reply::Drop;
        }
        Some(FaultAction::StoreInStateThen201(asset_state)) => {
            return upload_as(state, request, &request.body, asset_state);
        }
        Some(FaultAction::StoreBytesThen201(bytes)) => {
            return upload_as(state, request, &bytes, "uploaded");
        }
        Some(FaultAction::MutateThenHandle(change)) => change(state),
        Some(FaultAction::HandleThenMutate(change)) => {
            let reply = route(state, host, request);
            change(state);
            return reply;
        }
        None => {}
    }
    route(state, host, request)
}

fn refuse_unauthenticated(state: &State, request: &Request) -> Option<Reply> {
    if request.header("user-agent").is_none_or(str::is_empty) {
        return Some(Reply::json(
            403,
            &json!({"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"}),
        ));
    }
    let version = request.header("x-github-api-version");
    if version.is_some_and(|v| v != "2022-11-28" && v != "2026-03-10") {
        return Some(Reply::json(
            410,
            &json!({"message": "API version is not supported"}),
        ));
    }
    let expected = format!("Bearer {}", state.token);
    if request.header("authorization") != Some(expected.as_str()) {
        return Some(Reply::json(401, &json!({"message": "Bad credentials"})));
    }
    None
}

fn not_found() -> Reply {
    Reply::json(
        404,
        &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
    )
}

fn validation_failed(resource: &str, code: &str, field: &str, message: Option<&str>) -> Reply {
    let mut error = json!({"resource": resource, "code": code, "field": field});
    if let Some(message) = message {
        error["message"] = message.into();
    }
    Reply::json(
        422,
        &json!({"message": "Validation Failed", "errors": [error]}),
    )
}

fn route(state: &mut State, host: Host, request: &Request) -> Reply {
    match host {
        Host::Api => route_api(state, request),
        Host::Uploads => upload(state, request, false),
        Host::Download => download(state, request),
    }
}

fn route_api(state: &mut State, request: &Request) -> Reply {
    let Some(path) = request.path.strip_prefix(API_PREFIX) else {
        return not_found();
    };
    let repo_prefix = format!("/repos/{OWNER}/{REPO}");
    let Some(rest) = path.strip_prefix(&repo_prefix) else {
        return canned(state, path, request);
    };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let method = request.method.as_str();
    match (method, segments.as_slice()) {
        ("GET", [""]) => Reply::json(
            200,
            &json!({
                "full_name": format!("{OWNER}/{REPO}"),
                "permissions": {"admin": false, "maintain": false, "push": state.push_access, "pull": true}
            }),
        ),
        ("GET", ["git", "ref", "tags", tag @ ..]) => get_ref(state, &tag.join("/")),
        ("GET", ["git", "matching-refs", prefix @ ..]) => matching_refs(state, &prefix.join("/")),
        ("GET", ["git", "tags", sha]) => get_tag_object(state, sha),
        ("POST", ["git", "tags"]) => create_tag_object(state, request),
        ("POST", ["git", "refs"]) => create_ref(state, request),
        ("GET", ["releases"]) => {
            let items: Vec<Value> = state
                .releases
                .iter()
                .filter(|r| !r.draft || state.push_access)
                .filter(|r| !state.unlisted.contains(&r.id))
                .map(|r| release_json(state, r))
                .collect();
            paginate(state, request, &items)
        }
        ("GET", ["releases", "tags", tag]) => {
            // Drafts are invisible here: "Get a published release with the specified tag".
            match state
                .releases
                .iter()
                .find(|r| r.tag_name == *tag && !r.draft)
            {
                Some(r) => Reply::json(200, &release_json(state, r)),
                None => not_found(),
            }
        }
        ("POST", ["releases", "generate-notes"]) => generate_notes(request),
        ("POST", ["releases"]) => create_release(state, request),
        ("GET", ["releases", "assets", id]) => get_asset(state, request, id),
        ("DELETE", ["releases", "assets", id]) => delete_asset(state, id),
        ("PATCH", ["releases", "assets", id]) => rename_asset(state, request, id),
        ("GET", ["releases", id, "assets"]) => {
            let Some(release) = id.parse().ok().and_then(|id| state.release(id)) else {
                return not_found();
            };
            let items: Vec<Value> = release
                .assets
                .iter()
                .map(|a| asset_json(state, a, false))
                .collect();
            paginate(state, request, &items)
        }
        ("GET", ["releases", id]) => match id.parse().ok().and_then(|id| state.release(id)) {
            Some(r) => Reply::json(200, &release_json(state, r)),
            None => not_found(),
        },
        ("PATCH", ["releases", id]) => update_release(state, request, id),
        ("GET", ["immutable-releases"]) => {
            if state.immutable_enabled {
                Reply::json(200, &json!({"enabled": true, "enforced_by_owner": false}))
            } else {
                not_found()
            }
        }
        _ => canned(state, &format!("{repo_prefix}{rest}"), request),
    }
}

fn canned(state: &mut State, path: &str, request: &Request) -> Reply {
    let key = if request.query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", strip_paging(&request.query))
    };
    match state.canned.get(&key).or_else(|| state.canned.get(path)) {
        Some((status, value)) => {
            if let Value::Array(items) = value {
                let items = items.clone();
                return paginate(state, request, &items);
            }
            Reply::json(*status, value)
        }
        None => identity(state, path),
    }
}

/// `GET /user` and the user's permission on the repository, derived from `login` and
/// `push_access` (`write` with push access, else `read`), when no canned answer is set.
/// See: github-release.md §1e (`collaborators/{user}/permission`: `permission`, `role_name`).
fn identity(state: &State, path: &str) -> Reply {
    if path == "/user" {
        return Reply::json(200, &json!({"login": state.login, "type": "User"}));
    }
    let permission_path = format!(
        "/repos/{OWNER}/{REPO}/collaborators/{}/permission",
        state.login
    );
    if path == permission_path {
        let role = if state.push_access { "write" } else { "read" };
        return Reply::json(
            200,
            &json!({"permission": role, "role_name": role, "user": {"login": state.login}}),
        );
    }
    not_found()
}

fn strip_paging(query: &str) -> String {
    query
        .split('&')
        .filter(|p| !p.starts_with("per_page=") && !p.starts_with("page="))
        .collect::<Vec<_>>()
        .join("&")
}

fn paginate(state: &State, request: &Request, items: &[Value]) -> Reply {
    let per_page: usize = request
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30);
    let per_page = per_page.min(state.page_size).max(1);
    let page: usize = request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
    let reply = Reply::json(200, &Value::Array(slice));
    if start + per_page < items.len() {
        let base = state
            .api_base
            .trim_end_matches('/')
            .trim_end_matches(API_PREFIX);
        let mut query = strip_paging(&request.query);
        if !query.is_empty() {
            query.push('&');
        }
        let next = format!(
            "<{base}{}?{query}per_page={per_page}&page={}>; rel=\"next\"",
            request.path,
            page + 1
        );
        return reply.with_header("link", &next);
    }
    reply
}

fn body_json(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

fn get_ref(state: &State, tag: &str) -> Reply {
    match state.refs.get(&format!("tags/{tag}")) {
        Some((kind, sha)) => Reply::json(
            200,
            &json!({
                "ref": format!("refs/tags/{tag}"),
                "object": {"type": kind, "sha": sha}
            }),
        ),
        None => not_found(),
    }
}

/// Every ref whose name after `refs/` starts with `prefix`, in name order; `[]` when none.
/// See: github-release.md §1a (`git/matching-refs`: prefix match, 200 `[]` if none).
fn matching_refs(state: &State, prefix: &str) -> Reply {
    let items: Vec<Value> = state
        .refs
        .iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, (kind, sha))| {
            json!({"ref": format!("refs/{name}"), "object": {"type": kind, "sha": sha}})
        })
        .collect();
    Reply::json(200, &Value::Array(items))
}

fn get_tag_object(state: &State, sha: &str) -> Reply {
    match state.tag_objects.get(sha) {
        Some((tag, kind, target)) => Reply::json(
            200,
            &json!({
                "sha": sha, "tag": tag, "object": {"type": kind, "sha": target},
                "verification": {"verified": false, "reason": "unsigned"}
            }),
        ),
        None => not_found(),
    }
}

fn create_tag_object(state: &mut State, request: &Request) -> Reply {
    let body = body_json(request);
    let target = body["object"].as_str().unwrap_or_default().to_owned();
    if !state.commits.contains(&target) {
        return validation_failed("Tag", "invalid", "object", None);
    }
    let sha = state.new_sha();
    let tag = body["tag"].as_str().unwrap_or_default().to_owned();
    state
        .tag_objects
        .insert(sha.clone(), (tag.clone(), "commit".into(), target.clone()));
    Reply::json(
        201,
        &json!({"sha": sha, "tag": tag, "object": {"type": "commit", "sha": target}}),
    )
}

fn create_ref(state: &mut State, request: &Request) -> Reply {
    let body = body_json(request);
    let full = body["ref"].as_str().unwrap_or_default();
    let sha = body["sha"].as_str().unwrap_or_default().to_owned();
    let Some(name) = full.strip_prefix("refs/").filter(|n| n.contains('/')) else {
        return validation_failed(
            "Ref",
            "invalid",
            "ref",
            Some("ref must start with refs and have at least two slashes"),
        );
    };
    if state.refs.contains_key(name) {
        return Reply::json(422, &json!({"message": "Reference already exists"}));
    }
    let kind = if state.tag_objects.contains_key(&sha) {
        "tag"
    } else {
        "commit"
    };
    state
        .refs
        .insert(name.to_owned(), (kind.into(), sha.clone()));
    Reply::json(
        201,
        &json!({"ref": full, "object": {"type": kind, "sha": sha}}),
    )
}

fn is_full_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn create_release(state: &mut State, request: &Request) -> Reply {
    let body = body_json(request);
    let tag = body["tag_name"].as_str().unwrap_or_default().to_owned();
    let target = body["target_commitish"]
        .as_str()
        .unwrap_or("main")
        .to_owned();
    let draft = body["draft"].as_bool().unwrap_or(false);
    let text = body["body"].as_str().unwrap_or_default().to_owned();
    if target != "main" && !(is_full_sha(&target) && state.commits.contains(&target)) {
        return validation_failed("Release", "invalid", "target_commitish", None);
    }
    if state.workflow_commits.contains(&target) {
        // GitHub answers 404 when the commit touches workflow files and the token lacks the
        // Workflows permission.
        return not_found();
    }
    if state.releases.iter().any(|r| r.tag_name == tag && !r.draft) {
        return validation_failed("Release", "already_exists", "tag_name", None);
    }
    if text.chars().count() > 125_000 {
        return validation_failed(
            "Release",
            "custom",
            "body",
            Some("body is too long (maximum is 125000 characters)"),
        );
    }
    let id = state.add_release(&tag, &target, draft);
    let release = state.release_mut(id).unwrap();
    release.body = text;
    body["name"]
        .as_str()
        .unwrap_or(&tag)
        .clone_into(&mut release.name);
    release.prerelease = body["prerelease"].as_bool().unwrap_or(false);
    if !draft {
        publish_side_effects(state, id);
    }
    let release = state.release(id).unwrap();
    Reply::json(201, &release_json(state, release))
}

fn publish_side_effects(state: &mut State, id: u64) {
    let immutable = state.immutable_enabled;
    let release = state.release_mut(id).unwrap();
    release.draft = false;
    release.immutable = immutable;
    let (tag, target) = (release.tag_name.clone(), release.target_commitish.clone());
    state
        .refs
        .entry(format!("tags/{tag}"))
        .or_insert(("commit".into(), target));
}

fn update_release(state: &mut State, request: &Request, id: &str) -> Reply {
    let body = body_json(request);
    let Some(id) = id.parse().ok().filter(|id| state.release(*id).is_some()) else {
        return not_found();
    };
    let target = state.release(id).unwrap().target_commitish.clone();
    if state.workflow_commits.contains(&target) {
        return not_found();
    }
    if body["draft"] == Value::Bool(false) && state.release(id).unwrap().draft {
        publish_side_effects(state, id);
    }
    Reply::json(200, &release_json(state, state.release(id).unwrap()))
}

fn generate_notes(request: &Request) -> Reply {
    let body = body_json(request);
    let tag = body["tag_name"].as_str().unwrap_or_default();
    let since = body["previous_tag_name"]
        .as_str()
        .unwrap_or("the first commit");
    Reply::json(
        200,
        &json!({"name": tag, "body": format!("Changes in {tag} since {since}")}),
    )
}

fn find_asset(state: &State, id: &str) -> Option<(u64, FakeAsset)> {
    let id: u64 = id.parse().ok()?;
    state.releases.iter().find_map(|r| {
        r.assets
            .iter()
            .find(|a| a.id == id)
            .map(|a| (r.id, a.clone()))
    })
}

fn get_asset(state: &State, request: &Request, id: &str) -> Reply {
    let Some((_, asset)) = find_asset(state, id) else {
        return not_found();
    };
    if request.header("accept") == Some("application/octet-stream") {
        let location = format!(
            "{}/download/{}?X-Amz-Signature=signed-secret",
            state.download_base, asset.id
        );
        return Reply::Respond {
            status: 302,
            headers: vec![("location".into(), location)],
            body: Vec::new(),
        };
    }
    Reply::json(200, &asset_json(state, &asset, false))
}

fn delete_asset(state: &mut State, id: &str) -> Reply {
    let Some((release_id, asset)) = find_asset(state, id) else {
        return not_found();
    };
    let release = state.release_mut(release_id).unwrap();
    if release.immutable {
        return Reply::json(
            422,
            &json!({"message": "Cannot delete assets of an immutable release."}),
        );
    }
    release.assets.retain(|a| a.id != asset.id);
    Reply::Respond {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

fn rename_asset(state: &mut State, request: &Request, id: &str) -> Reply {
    let Some((release_id, asset)) = find_asset(state, id) else {
        return not_found();
    };
    let new_name = body_json(request)["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let release = state.release_mut(release_id).unwrap();
    if release.immutable {
        return Reply::json(
            422,
            &json!({"message": "Cannot modify assets of an immutable release."}),
        );
    }
    if release
        .assets
        .iter()
        .any(|a| a.name == new_name && a.id != asset.id)
    {
        return validation_failed("ReleaseAsset", "already_exists", "name", None);
    }
    let stored = release
        .assets
        .iter_mut()
        .find(|a| a.id == asset.id)
        .unwrap();
    stored.name = new_name;
    let renamed = stored.clone();
    Reply::json(200, &asset_json(state, &renamed, false))
}

fn upload(state: &mut State, request: &Request, as_starter: bool) -> Reply {
    if as_starter {
        let half = request.body[..request.body.len() / 2].to_vec();
        upload_as(state, request, &half, "starter")
    } else {
        upload_as(state, request, &request.body, "uploaded")
    }
}

/// Stores `bytes` as the request's asset in `asset_state`; answers 201 as GitHub does.
fn upload_as(state: &mut State, request: &Request, bytes: &[u8], asset_state: &str) -> Reply {
    let prefix = format!("{UPLOAD_PREFIX}/repos/{OWNER}/{REPO}/releases/");
    let Some(rest) = request.path.strip_prefix(&prefix) else {
        return not_found();
    };
    let Some(release_id) = rest
        .strip_suffix("/assets")
        .and_then(|id| id.parse::<u64>().ok())
    else {
        return not_found();
    };
    let Some(name) = request.query_param("name") else {
        return validation_failed("ReleaseAsset", "missing_field", "name", None);
    };
    if request.header("content-length").is_none() {
        return Reply::json(411, &json!({"message": "Content-Length required"}));
    }
    let Some(content_type) = request.header("content-type").map(str::to_owned) else {
        return Reply::json(422, &json!({"message": "Content-Type required"}));
    };
    let Some(release) = state.release(release_id) else {
        return not_found();
    };
    if release.immutable {
        return Reply::json(
            422,
            &json!({"message": "Cannot upload assets to an immutable release."}),
        );
    }
    if release.assets.iter().any(|a| a.name == name) {
        return validation_failed("ReleaseAsset", "already_exists", "name", None);
    }
    let id = state.add_asset(release_id, &name, bytes, asset_state);
    let release = state.release_mut(release_id).unwrap();
    let asset = release.assets.iter_mut().find(|a| a.id == id).unwrap();
    asset.content_type = content_type;
    let asset = asset.clone();
    Reply::json(201, &asset_json(state, &asset, true))
}

fn download(state: &State, request: &Request) -> Reply {
    let Some(id) = request.path.strip_prefix("/download/") else {
        return not_found();
    };
    let Some((_, asset)) = find_asset(state, id) else {
        return not_found();
    };
    let body = state
        .served_instead
        .get(&asset.name)
        .cloned()
        .unwrap_or(asset.bytes);
    Reply::Respond {
        status: 200,
        headers: vec![("content-type".into(), "application/octet-stream".into())],
        body,
    }
}

#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

fn asset_json(state: &State, asset: &FakeAsset, in_upload_answer: bool) -> Value {
    let digest = match state.digest_mode {
        DigestMode::Present => Some(format!("sha256:{}", sha256_hex(&asset.bytes))),
        DigestMode::NullOnUpload if !in_upload_answer => {
            Some(format!("sha256:{}", sha256_hex(&asset.bytes)))
        }
        _ => None,
    };
    json!({
        "id": asset.id,
        "name": asset.name,
        "label": "",
        "state": asset.state,
        "content_type": asset.content_type,
        "size": asset.bytes.len(),
        "digest": digest,
        "download_count": 0,
        "url": format!("{}repos/{OWNER}/{REPO}/releases/assets/{}", state.api_base, asset.id),
        "browser_download_url": format!("https://github.com/{OWNER}/{REPO}/releases/download/x/{}", asset.name),
    })
}

fn release_json(state: &State, release: &FakeRelease) -> Value {
    let html_tag = if release.draft {
        format!("untagged-{:x}", release.id * 7919)
    } else {
        release.tag_name.clone()
    };
    json!({
        "id": release.id,
        "tag_name": release.tag_name,
        "target_commitish": release.target_commitish,
        "name": release.name,
        "body": release.body,
        "draft": release.draft,
        "prerelease": release.prerelease,
        "immutable": release.immutable,
        "upload_url": format!("{}repos/{OWNER}/{REPO}/releases/{}/assets{{?name,label}}", state.upload_base, release.id),
        "html_url": format!("https://github.com/{OWNER}/{REPO}/releases/tag/{html_tag}"),
        "assets": release.assets.iter().map(|a| asset_json(state, a, false)).collect::<Vec<_>>(),
    })
}
