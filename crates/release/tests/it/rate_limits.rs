//! Rate limits and API hygiene: primary and secondary limits waited out by the injected clock,
//! plain 403s not retried, failed reads retried, and the headers every request carries.

use std::time::Duration;

use pyship_release::assets::{LocalAsset, ReplacePolicy, upload_assets};
use pyship_release::release::{find_release, get_release, list_releases};
use pyship_release::{HttpError, ReleaseError};

use crate::support::{COMMIT, checked, world};
use pyship_tests::fake_github::http::Reply;
use pyship_tests::fake_github::{FaultAction, Host};

fn secondary_limit() -> Reply {
    Reply::json(
        403,
        &serde_json::json!({
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        }),
    )
}

#[test]
fn secondary_limit_without_headers_waits_at_least_a_minute() {
    let w = world();
    w.github.state().fault(
        Host::Api,
        "GET",
        "/releases",
        FaultAction::Respond(secondary_limit()),
    );
    let releases = list_releases(&w.client).unwrap();
    assert!(releases.is_empty());
    assert_eq!(w.clock.sleeps(), vec![Duration::from_mins(1)]);
}

#[test]
fn repeated_secondary_limits_back_off_exponentially() {
    let w = world();
    w.github.state().fault_times(
        Host::Api,
        "GET",
        "/releases",
        FaultAction::Respond(secondary_limit()),
        2,
    );
    list_releases(&w.client).unwrap();
    assert_eq!(
        w.clock.sleeps(),
        vec![Duration::from_mins(1), Duration::from_mins(2)]
    );
}

#[test]
fn retry_after_is_honoured() {
    let w = world();
    let reply = Reply::json(429, &serde_json::json!({"message": "Too many requests"}))
        .with_header("retry-after", "7");
    w.github
        .state()
        .fault(Host::Api, "GET", "/releases", FaultAction::Respond(reply));
    list_releases(&w.client).unwrap();
    assert_eq!(w.clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[test]
fn primary_limit_waits_until_the_reset_time() {
    let w = world();
    let reset = (w.clock.epoch_secs() + 120).to_string();
    let reply = Reply::json(
        403,
        &serde_json::json!({"message": "API rate limit exceeded"}),
    )
    .with_header("x-ratelimit-remaining", "0")
    .with_header("x-ratelimit-reset", &reset);
    w.github
        .state()
        .fault(Host::Api, "GET", "/releases", FaultAction::Respond(reply));
    list_releases(&w.client).unwrap();
    assert_eq!(w.clock.sleeps(), vec![Duration::from_mins(2)]);
}

#[test]
fn err_reset_beyond_the_longest_wait_is_reported_not_slept() {
    let w = world();
    let reset = (w.clock.epoch_secs() + 3 * 3600).to_string();
    let reply = Reply::json(
        403,
        &serde_json::json!({"message": "API rate limit exceeded"}),
    )
    .with_header("x-ratelimit-remaining", "0")
    .with_header("x-ratelimit-reset", &reset);
    w.github
        .state()
        .fault(Host::Api, "GET", "/releases", FaultAction::Respond(reply));
    let error = list_releases(&w.client).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(
            error,
            ReleaseError::Api {
                source: HttpError::RateLimited { .. },
                ..
            }
        ),
        "{text}"
    );
    assert!(w.clock.sleeps().is_empty());
}

#[test]
fn rate_limited_upload_is_sent_again_and_stored_once() {
    let w = world();
    let id = w.github.state().add_release("v1.0.0", COMMIT, true);
    let release = get_release(&w.client, id).unwrap().unwrap();
    w.github.state().fault(
        Host::Uploads,
        "POST",
        "/assets",
        FaultAction::Respond(secondary_limit()),
    );
    let asset = LocalAsset::from_bytes("notes.txt", b"hello".to_vec()).unwrap();
    upload_assets(&w.client, &release, &[asset], ReplacePolicy::Refuse).unwrap();
    assert_eq!(w.github.state().release(id).unwrap().assets.len(), 1);
    assert!(w.clock.sleeps().contains(&Duration::from_mins(1)));
    let statuses: Vec<Option<u16>> = w.client.mutations().iter().map(|m| m.status).collect();
    assert_eq!(
        statuses,
        [Some(403), Some(201)],
        "every attempt is in the record"
    );
}

#[test]
fn err_permission_403_is_not_retried() {
    let w = world();
    let reply = Reply::json(
        403,
        &serde_json::json!({"message": "Resource not accessible by integration"}),
    );
    w.github
        .state()
        .fault(Host::Api, "GET", "/releases", FaultAction::Respond(reply));
    let error = list_releases(&w.client).unwrap_err();
    let text = checked(&error);
    assert!(
        text.contains("HTTP 403") && text.contains("Resource not accessible by integration"),
        "{text}"
    );
    assert!(
        text.contains("request `FAKE-"),
        "the request id is shown: {text}"
    );
    assert!(w.clock.sleeps().is_empty());
}

#[test]
fn failed_reads_are_retried_with_backoff() {
    let w = world();
    let reply = Reply::json(502, &serde_json::json!({"message": "Bad Gateway"}));
    w.github
        .state()
        .fault(Host::Api, "GET", "/releases", FaultAction::Respond(reply));
    w.github
        .state()
        .fault(Host::Api, "GET", "/releases", FaultAction::Drop);
    list_releases(&w.client).unwrap();
    assert_eq!(
        w.clock.sleeps(),
        vec![Duration::from_secs(2), Duration::from_secs(4)]
    );
}

#[test]
fn every_request_pins_the_api_version_and_names_itself() {
    let w = world();
    find_release(&w.client, "v1.0.0", None).unwrap();
    let state = w.github.state();
    assert!(!state.log.is_empty());
    for logged in &state.log {
        let request = &logged.request;
        assert_eq!(request.header("x-github-api-version"), Some("2022-11-28"));
        assert!(
            request
                .header("user-agent")
                .is_some_and(|ua| ua.starts_with("pyship-release/"))
        );
        assert_eq!(
            request.header("accept"),
            Some("application/vnd.github+json")
        );
    }
}

#[test]
fn err_bad_token_is_reported_without_leaking_it() {
    let w = world();
    let client = crate::support::client_for(
        &w.github,
        &w.clock,
        Some("ghp_CANARY7f3a9c1e5b0d2468aceWRONG"),
    );
    let error = list_releases(&client).unwrap_err();
    let text = checked(&error);
    assert!(!text.contains("WRONG"), "{text}");
    assert!(
        text.contains("HTTP 401") && text.contains("Bad credentials"),
        "{text}"
    );
    assert!(!format!("{client:?}").contains("CANARY"));
}

#[test]
fn err_retired_api_version_is_reported_with_githubs_410() {
    let w = world();
    let mut config = pyship_release::GitHubConfig::new("octo", "demo");
    config.api_base = url::Url::parse(&w.github.api_base).unwrap();
    config.api_version = "2019-01-01".to_owned();
    let clock: std::sync::Arc<dyn pyship_release::Clock> = w.clock.clone();
    let token = pyship_release::GitHubToken::new(crate::support::CANARY);
    let client = pyship_release::GitHubClient::new(config, Some(token), clock).unwrap();
    let error = list_releases(&client).unwrap_err();
    let text = checked(&error);
    assert!(
        text.contains("HTTP 410") && text.contains("API version is not supported"),
        "{text}"
    );
}

/// A peer that does not complete the TLS handshake (here it answers in plain HTTP, as a
/// misconfigured proxy might; an untrusted certificate fails the same way) is reported at once:
/// another attempt could not succeed, and retrying a read after backoff only hid the reason for
/// half a minute per request (a dry run with a token and no route to GitHub seemed to hang).
#[test]
fn err_failed_tls_handshake_is_not_retried() {
    use std::io::{Read as _, Write as _};
    use std::sync::atomic::{AtomicUsize, Ordering};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&connections);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            counted.fetch_add(1, Ordering::SeqCst);
            let mut hello = [0u8; 512];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let w = world();
    let mut config = pyship_release::GitHubConfig::new("octo", "demo");
    config.api_base = url::Url::parse(&format!("https://127.0.0.1:{port}/")).unwrap();
    config.timeout = Duration::from_secs(10);
    let clock: std::sync::Arc<dyn pyship_release::Clock> = w.clock.clone();
    let token = pyship_release::GitHubToken::new(crate::support::CANARY);
    let client = pyship_release::GitHubClient::new(config, Some(token), clock).unwrap();
    let error = list_releases(&client).unwrap_err();
    let text = checked(&error);
    assert_eq!(connections.load(Ordering::SeqCst), 1, "{text}");
    assert!(w.clock.sleeps().is_empty(), "{:?}", w.clock.sleeps());
    assert!(text.contains("127.0.0.1"), "{text}");
}
