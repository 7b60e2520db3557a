//! The draft release: found by listing (drafts are invisible to the by-tag endpoint), never
//! duplicated, created at the full SHA, and the notes rules (explicit previous tag, 125,000
//! characters).

use pyship_release::ReleaseError;
use pyship_release::notes::{MAX_BODY_CHARS, NOTES_ASSET_NAME, generate_notes, prepare_notes};
use pyship_release::release::{DraftRequest, ExistingRelease, ensure_draft, find_release};

use crate::support::{COMMIT, OTHER_COMMIT, checked, commit, world};
use pyship_tests::fake_github::http::Reply;
use pyship_tests::fake_github::{FaultAction, Host};

fn draft_request<'a>(commit: &'a pyship_release::CommitSha, body: &'a str) -> DraftRequest<'a> {
    DraftRequest {
        tag: "v1.0.0",
        commit,
        name: "demo 1.0.0",
        body,
        prerelease: false,
        recorded_id: None,
    }
}

fn drafts_for(w: &crate::support::World, tag: &str) -> usize {
    w.github
        .state()
        .releases
        .iter()
        .filter(|r| r.tag_name == tag && r.draft)
        .count()
}

/// See: esphome/workflows#166 (field-failures.md C25).
#[test]
fn existing_draft_invisible_to_by_tag_endpoint_is_found_by_listing() {
    let w = world();
    let draft_id = {
        let mut state = w.github.state();
        for n in 0..5 {
            state.add_release(&format!("v0.{n}.0"), OTHER_COMMIT, false);
        }
        state.add_release("v1.0.0", COMMIT, true)
    };
    let commit = commit();
    let outcome = ensure_draft(&w.client, &draft_request(&commit, "notes")).unwrap();

    assert!(!outcome.created);
    assert_eq!(outcome.release.id, draft_id);
    let state = w.github.state();
    let list_pages = state
        .requests(Host::Api, "GET")
        .into_iter()
        .filter(|r| r.path.ends_with("/releases"))
        .count();
    assert_eq!(
        list_pages, 3,
        "six releases at two per page need three pages"
    );
    assert!(
        state
            .requests(Host::Api, "GET")
            .iter()
            .all(|r| !r.path.contains("/releases/tags/"))
    );
    assert!(state.requests(Host::Api, "POST").is_empty());
}

#[test]
fn two_runs_make_exactly_one_draft_at_the_full_sha() {
    let w = world();
    let commit = commit();
    let first = ensure_draft(&w.client, &draft_request(&commit, "notes")).unwrap();
    let second = ensure_draft(&w.client, &draft_request(&commit, "notes")).unwrap();
    assert!(first.created && !second.created);
    assert_eq!(first.release.id, second.release.id);
    assert_eq!(drafts_for(&w, "v1.0.0"), 1);
    let state = w.github.state();
    let post = state.requests(Host::Api, "POST")[0].clone();
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["target_commitish"], COMMIT);
    assert_eq!(body["draft"], true);
    assert!(first.release.html_url.unwrap().contains("untagged-"));
}

#[test]
fn recorded_id_of_an_earlier_run_is_reused() {
    let w = world();
    let id = w.github.state().add_release("v1.0.0", COMMIT, true);
    let commit = commit();
    let mut request = draft_request(&commit, "notes");
    request.recorded_id = Some(id);
    let outcome = ensure_draft(&w.client, &request).unwrap();
    assert_eq!(outcome.release.id, id);
    let listed = w
        .github
        .state()
        .requests(Host::Api, "GET")
        .into_iter()
        .any(|r| r.path.ends_with("/releases"));
    assert!(!listed, "a recorded id needs no listing");
}

#[test]
fn err_recorded_id_of_another_tag() {
    let w = world();
    let id = w.github.state().add_release("v0.9.0", COMMIT, true);
    let commit = commit();
    let mut request = draft_request(&commit, "notes");
    request.recorded_id = Some(id);
    let error = ensure_draft(&w.client, &request).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, ReleaseError::RecordedIdMismatch { .. }),
        "{text}"
    );
}

#[test]
fn err_two_drafts_for_one_tag_are_reported_not_tripled() {
    let w = world();
    let ids = {
        let mut state = w.github.state();
        [
            state.add_release("v1.0.0", COMMIT, true),
            state.add_release("v1.0.0", COMMIT, true),
        ]
    };
    let commit = commit();
    let error = ensure_draft(&w.client, &draft_request(&commit, "notes")).unwrap_err();
    let text = checked(&error);
    assert!(
        text.contains(&ids[0].to_string()) && text.contains(&ids[1].to_string()),
        "{text}"
    );
    assert_eq!(drafts_for(&w, "v1.0.0"), 2);
}

#[test]
fn err_published_release_for_the_tag() {
    let w = world();
    w.github.state().add_release("v1.0.0", COMMIT, false);
    let commit = commit();
    let error = ensure_draft(&w.client, &draft_request(&commit, "notes")).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, ReleaseError::AlreadyPublished { .. }),
        "{text}"
    );
    assert!(w.github.state().requests(Host::Api, "POST").is_empty());
}

/// See: field-failures.md C25 (fail closed when the token cannot see drafts).
#[test]
fn err_without_push_access_drafts_cannot_be_ruled_out() {
    let w = world();
    w.github.state().push_access = false;
    let error = find_release(&w.client, "v1.0.0", None).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, ReleaseError::DraftsInvisible { .. }),
        "{text}"
    );
    assert!(text.contains("hides draft releases"), "{text}");
}

#[test]
fn lost_answer_to_create_is_followed_by_listing_not_a_second_draft() {
    let w = world();
    w.github
        .state()
        .fault(Host::Api, "POST", "/releases", FaultAction::HandleThenDrop);
    let commit = commit();
    let outcome = ensure_draft(&w.client, &draft_request(&commit, "notes")).unwrap();
    assert!(outcome.created);
    assert_eq!(drafts_for(&w, "v1.0.0"), 1);
    assert_eq!(w.github.state().requests(Host::Api, "POST").len(), 1);
}

#[test]
fn bad_gateway_without_effect_is_retried_once_after_listing() {
    let w = world();
    let reply = Reply::json(502, &serde_json::json!({"message": "Server Error"}));
    w.github
        .state()
        .fault(Host::Api, "POST", "/releases", FaultAction::Respond(reply));
    let commit = commit();
    let outcome = ensure_draft(&w.client, &draft_request(&commit, "notes")).unwrap();
    assert!(outcome.created);
    assert_eq!(drafts_for(&w, "v1.0.0"), 1);
    assert_eq!(w.github.state().requests(Host::Api, "POST").len(), 2);
    assert!(matches!(
        find_release(&w.client, "v1.0.0", None).unwrap(),
        ExistingRelease::Draft(_)
    ));
}

/// See: github-release.md §1b (Workflows permission needed when the commit touches workflows).
#[test]
fn err_commit_touching_workflows_gets_a_404_with_a_hint() {
    let w = world();
    w.github.state().workflow_commits.push(COMMIT.to_owned());
    let commit = commit();
    let error = ensure_draft(&w.client, &draft_request(&commit, "notes")).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, ReleaseError::WorkflowPermission { .. }),
        "{text}"
    );
    assert!(
        text.contains(".github/workflows/") && text.contains("HTTP 404"),
        "{text}"
    );
}

/// See: goreleaser#2647 (github-release.md §5 case 13).
#[test]
fn long_notes_fit_the_body_and_the_full_text_goes_to_an_asset() {
    let w = world();
    let text = "- change\n".repeat(MAX_BODY_CHARS / 5);
    let commit = commit();

    let raw = ensure_draft(&w.client, &draft_request(&commit, &text)).unwrap_err();
    let raw_text = checked(&raw);
    assert!(
        raw_text.contains("body is too long (maximum is 125000 characters)"),
        "{raw_text}"
    );

    let notes = prepare_notes(&text);
    let outcome = ensure_draft(&w.client, &draft_request(&commit, &notes.body)).unwrap();
    assert_eq!(
        outcome.release.body.unwrap().chars().count(),
        MAX_BODY_CHARS
    );
    assert!(notes.body.contains(NOTES_ASSET_NAME));
    assert_eq!(notes.full_text, Some(text));
}

/// See: cli/cli#7705 (github-release.md §5 case 13: explicit previous tag).
#[test]
fn generated_notes_name_the_previous_tag_explicitly() {
    let w = world();
    let commit = commit();
    let body = generate_notes(&w.client, "v1.0.0", &commit, Some("v0.9.0")).unwrap();
    assert_eq!(body, "Changes in v1.0.0 since v0.9.0");
    let state = w.github.state();
    let sent: serde_json::Value =
        serde_json::from_slice(&state.requests(Host::Api, "POST")[0].body).unwrap();
    assert_eq!(sent["previous_tag_name"], "v0.9.0");
    assert_eq!(sent["target_commitish"], COMMIT);
}
