//! The tag through the API: created as a tag object plus ref at the full SHA, an existing tag
//! accepted only at the same commit (and tag object), lost answers reconciled by reading back.

use pyship_release::tag::{TagRequest, TagState, check_tag, ensure_tag, read_tag};
use pyship_release::{CommitSha, TagError};

use crate::support::{COMMIT, OTHER_COMMIT, checked, commit, world};
use pyship_tests::fake_github::{FaultAction, Host};

fn request(commit: &CommitSha) -> TagRequest<'_> {
    TagRequest {
        tag: "v1.0.0",
        commit,
        message: "Release 1.0.0",
        expected_tag_object: None,
    }
}

#[test]
fn creates_annotated_tag_object_and_ref_at_full_sha() {
    let w = world();
    let commit = commit();
    let outcome = ensure_tag(&w.client, &request(&commit)).unwrap();

    assert!(outcome.created);
    let object = outcome.tag_object.clone().unwrap();
    let state = w.github.state();
    assert_eq!(
        state.refs["tags/v1.0.0"],
        ("tag".to_owned(), object.clone())
    );
    assert_eq!(state.tag_objects[&object].2, COMMIT);
    let posts = state.requests(Host::Api, "POST");
    let bodies: Vec<serde_json::Value> = posts
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["object"], COMMIT);
    assert_eq!(bodies[0]["type"], "commit");
    assert_eq!(bodies[1]["ref"], "refs/tags/v1.0.0");
    drop(state);
    let mutations = w.client.mutations();
    assert_eq!(mutations.len(), 2);
    assert!(mutations.iter().all(|m| {
        m.request_id
            .as_deref()
            .is_some_and(|id| id.starts_with("FAKE-"))
    }));
    assert_eq!(
        read_tag(&w.client, "v1.0.0").unwrap().commit(),
        Some(COMMIT)
    );
}

#[test]
fn existing_tag_at_the_same_commit_is_accepted_without_writes() {
    let w = world();
    w.github.state().add_lightweight_tag("v1.0.0", COMMIT);
    let commit = commit();
    let outcome = ensure_tag(&w.client, &request(&commit)).unwrap();
    assert!(!outcome.created);
    assert_eq!(outcome.tag_object, None);
    assert!(w.github.state().requests(Host::Api, "POST").is_empty());
}

#[test]
fn existing_annotated_tag_is_dereferenced_to_its_commit() {
    let w = world();
    let object = w.github.state().add_annotated_tag("v1.0.0", COMMIT);
    let state = read_tag(&w.client, "v1.0.0").unwrap();
    assert_eq!(
        state,
        TagState::Annotated {
            tag_object: object.clone(),
            commit: COMMIT.to_owned()
        }
    );
    let commit = commit();
    let outcome = check_tag(&w.client, "v1.0.0", &commit, Some(&object)).unwrap();
    assert_eq!(outcome.tag_object, Some(object));
}

/// See: cli/cli#9997 (github-release.md §5 case 10).
#[test]
fn err_existing_tag_at_another_commit_stops_before_creating_anything() {
    let w = world();
    w.github.state().add_annotated_tag("v1.0.0", OTHER_COMMIT);
    let commit = commit();
    let error = ensure_tag(&w.client, &request(&commit)).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, TagError::PointsElsewhere { ref found, .. } if found == OTHER_COMMIT),
        "{text}"
    );
    assert!(
        text.contains(OTHER_COMMIT) && text.contains(COMMIT),
        "{text}"
    );
    assert!(w.github.state().requests(Host::Api, "POST").is_empty());
}

#[test]
fn err_existing_annotated_tag_with_another_tag_object() {
    let w = world();
    let found = w.github.state().add_annotated_tag("v1.0.0", COMMIT);
    let commit = commit();
    let expected = "f".repeat(40);
    let mut request = request(&commit);
    request.expected_tag_object = Some(&expected);
    let error = ensure_tag(&w.client, &request).unwrap_err();
    let text = checked(&error);
    assert!(matches!(error, TagError::TagObjectDiffers { .. }), "{text}");
    assert!(text.contains(&found) && text.contains(&expected), "{text}");
}

#[test]
fn lost_answer_to_ref_creation_is_settled_by_reading_the_ref() {
    let w = world();
    w.github
        .state()
        .fault(Host::Api, "POST", "/git/refs", FaultAction::HandleThenDrop);
    let commit = commit();
    let outcome = ensure_tag(&w.client, &request(&commit)).unwrap();
    assert!(outcome.created);
    let state = w.github.state();
    let ref_posts = state
        .requests(Host::Api, "POST")
        .into_iter()
        .filter(|r| r.path.ends_with("/git/refs"))
        .count();
    assert_eq!(ref_posts, 1, "the ref must not be posted twice");
    assert_eq!(state.refs["tags/v1.0.0"].1, outcome.tag_object.unwrap());
}

/// See: cli/cli#2133, cli/cli#5855 (github-release.md §5 case 14).
#[test]
fn err_short_sha_or_branch_name_is_never_a_commit() {
    for text in ["1111111", "main", "v1.0.0", &"A".repeat(40)] {
        let error = CommitSha::parse(text).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("not a full lower-case commit SHA"),
            "{error}"
        );
    }
}

#[test]
fn err_tag_names_git_or_urls_would_mangle() {
    let w = world();
    for tag in ["", "-v1", "v1..2", "v1 0", "v1.lock", "v1/", "v1?x"] {
        let error = read_tag(&w.client, tag).unwrap_err();
        checked(&error);
        assert!(
            matches!(error, TagError::InvalidName { .. }),
            "{tag}: {error}"
        );
    }
    assert!(w.github.state().log.is_empty());
}
