//! The read-only inspection (what `dry-run` shows of GitHub) and resuming from partial states.

use pyship_release::assets::{LocalAsset, ReplacePolicy, upload_assets};
use pyship_release::preflight::{OtherTagsCheck, ReleaseCheck, TagCheck, inspect_release};
use pyship_release::publish::{PublishRequest, publish_release};
use pyship_release::release::{DraftRequest, ensure_draft};
use pyship_release::tag::{MAX_TAG_OBJECT_READS, TagRequest, ensure_tag};

use pyship_release::TagError;

use crate::support::{COMMIT, OTHER_COMMIT, World, assert_no_canary, checked, commit, world};
use pyship_tests::fake_github::http::Reply;
use pyship_tests::fake_github::{FaultAction, Host};

fn writes(w: &World) -> usize {
    w.github
        .state()
        .log
        .iter()
        .filter(|l| l.request.method != "GET")
        .count()
}

#[test]
fn inspection_of_a_fresh_tag_writes_nothing() {
    let w = world();
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(inspection.tag, TagCheck::Absent);
    assert_eq!(inspection.other_tags, OtherTagsCheck::None);
    assert_eq!(inspection.release, ReleaseCheck::Absent);
    assert_eq!(writes(&w), 0);
}

#[test]
fn inspection_reports_a_tag_elsewhere_and_a_published_release() {
    let w = world();
    let id = {
        let mut state = w.github.state();
        state.add_lightweight_tag("v1.0.0", OTHER_COMMIT);
        state.add_release("v1.0.0", OTHER_COMMIT, false)
    };
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(
        inspection.tag,
        TagCheck::Elsewhere {
            found: OTHER_COMMIT.to_owned()
        }
    );
    assert_eq!(
        inspection.release,
        ReleaseCheck::Published {
            id,
            immutable: Some(false)
        }
    );
}

#[test]
fn inspection_reports_a_draft_with_its_assets_and_a_failed_question() {
    let w = world();
    let id = w.github.state().add_release("v1.0.0", COMMIT, true);
    w.github
        .state()
        .add_asset(id, "demo-1.0.0.tar.gz", b"sdist", "uploaded");
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1..0", &commit, None);
    assert!(
        matches!(inspection.tag, TagCheck::Failed { ref message } if message.contains("not allowed"))
    );
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(
        inspection.release,
        ReleaseCheck::Draft {
            id,
            assets: vec!["demo-1.0.0.tar.gz".to_owned()]
        }
    );
    assert_no_canary(&format!("{inspection:?}"));
}

/// See: release-plz#2578 (github-release.md §5 case 7): a token that cannot do the job is
/// caught before anything irreversible.
#[test]
fn token_without_push_access_is_caught_before_any_write() {
    let w = world();
    w.github.state().push_access = false;
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(inspection.release, ReleaseCheck::DraftsInvisible);
    assert_eq!(writes(&w), 0);
}

/// See: release-plz#2578 (github-release.md §5 case 7): the tag exists (as after a run that
/// stopped once the index upload was done) but no release: the missing GitHub steps are resumed,
/// not skipped. The index side is the publish crate's and is not modelled here.
#[test]
fn partial_state_with_tag_but_no_release_is_resumed() {
    let w = world();
    let object = w.github.state().add_annotated_tag("v1.0.0", COMMIT);
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(
        inspection.tag,
        TagCheck::AtCommit {
            tag_object: Some(object.clone())
        }
    );

    let tag = TagRequest {
        tag: "v1.0.0",
        commit: &commit,
        message: "Release 1.0.0",
        expected_tag_object: Some(&object),
    };
    assert!(!ensure_tag(&w.client, &tag).unwrap().created);
    let draft = DraftRequest {
        tag: "v1.0.0",
        commit: &commit,
        name: "demo 1.0.0",
        body: "notes",
        prerelease: false,
        recorded_id: None,
    };
    let draft = ensure_draft(&w.client, &draft).unwrap();
    let assets = [LocalAsset::from_bytes("demo-1.0.0.tar.gz", b"sdist".to_vec()).unwrap()];
    upload_assets(&w.client, &draft.release, &assets, ReplacePolicy::Refuse).unwrap();
    let request = PublishRequest {
        release_id: draft.release.id,
        tag: "v1.0.0",
        commit: &commit,
        expected_tag_object: Some(&object),
        assets: &assets,
        make_latest: true,
    };
    let outcome = publish_release(&w.client, &request).unwrap();
    assert!(outcome.published_now);
    assert!(
        w.github
            .state()
            .requests(Host::Api, "POST")
            .iter()
            .all(|r| !r.path.contains("/git/"))
    );
}

/// See: goreleaser#4134 (github-release.md §5 case 11): another tag on the same commit is
/// never taken for the release's tag.
#[test]
fn second_tag_on_the_same_commit_is_never_guessed() {
    let w = world();
    let rc_release = {
        let mut state = w.github.state();
        state.add_annotated_tag("v1.0.0-rc1", COMMIT);
        state.add_release("v1.0.0-rc1", COMMIT, false)
    };
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(
        (inspection.tag, inspection.release),
        (TagCheck::Absent, ReleaseCheck::Absent)
    );
    assert_eq!(
        inspection.other_tags,
        OtherTagsCheck::Found {
            tags: vec!["v1.0.0-rc1".to_owned()]
        }
    );
    let tag = TagRequest {
        tag: "v1.0.0",
        commit: &commit,
        message: "Release 1.0.0",
        expected_tag_object: None,
    };
    assert!(ensure_tag(&w.client, &tag).unwrap().created);
    let draft = DraftRequest {
        tag: "v1.0.0",
        commit: &commit,
        name: "demo 1.0.0",
        body: "notes",
        prerelease: false,
        recorded_id: None,
    };
    let draft = ensure_draft(&w.client, &draft).unwrap();
    assert!(draft.created);
    assert_ne!(draft.release.id, rc_release);
    assert_eq!(draft.release.tag_name, "v1.0.0");
}

/// A draft the list endpoint does not show yet (listing lags a create) is still found by the id
/// an earlier run recorded; without the id it cannot be seen.
#[test]
fn recorded_id_finds_a_draft_the_listing_does_not_show_yet() {
    let w = world();
    let id = {
        let mut state = w.github.state();
        let id = state.add_release("v1.0.0", COMMIT, true);
        state.unlisted.push(id);
        id
    };
    let commit = commit();
    let blind = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(blind.release, ReleaseCheck::Absent);
    let recorded = inspect_release(&w.client, "v1.0.0", &commit, Some(id));
    assert_eq!(
        recorded.release,
        ReleaseCheck::Draft {
            id,
            assets: Vec::new()
        }
    );
    assert_eq!(writes(&w), 0);
}

/// A recorded id is checked against the tag before it is used: an id that now belongs to
/// another tag's release is reported, never reused.
#[test]
fn recorded_id_of_another_tags_release_is_reported_not_reused() {
    let w = world();
    let other = w.github.state().add_release("v0.9.0", COMMIT, true);
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, Some(other));
    assert_eq!(
        inspection.release,
        ReleaseCheck::RecordedIdMismatch {
            id: other,
            found: "v0.9.0".to_owned()
        }
    );
}

/// A recorded id whose release was deleted (404) falls back to listing.
#[test]
fn recorded_id_of_a_deleted_release_falls_back_to_listing() {
    let w = world();
    let listed = w.github.state().add_release("v1.0.0", COMMIT, true);
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, Some(999_999));
    assert_eq!(
        inspection.release,
        ReleaseCheck::Draft {
            id: listed,
            assets: Vec::new()
        }
    );
}

/// The release steps in the order a release runs them, stopping at the first failure.
fn release_steps(
    w: &World,
    commit: &pyship_release::CommitSha,
) -> Result<(), Box<dyn std::error::Error>> {
    let tag = TagRequest {
        tag: "v1.0.0",
        commit,
        message: "Release 1.0.0",
        expected_tag_object: None,
    };
    let tag = ensure_tag(&w.client, &tag)?;
    let draft = DraftRequest {
        tag: "v1.0.0",
        commit,
        name: "demo 1.0.0",
        body: "notes",
        prerelease: false,
        recorded_id: None,
    };
    let draft = ensure_draft(&w.client, &draft)?;
    let assets = [LocalAsset::from_bytes(
        "demo-1.0.0.tar.gz",
        b"sdist".to_vec(),
    )?];
    upload_assets(&w.client, &draft.release, &assets, ReplacePolicy::Refuse)?;
    let request = PublishRequest {
        release_id: draft.release.id,
        tag: "v1.0.0",
        commit,
        expected_tag_object: tag.tag_object.as_deref(),
        assets: &assets,
        make_latest: true,
    };
    publish_release(&w.client, &request)?;
    Ok(())
}

/// See: release-plz#2578 (github-release.md §5 case 7): a token whose user may push but which
/// itself may only read (a fine-grained token without Contents: write) passes every read, then
/// GitHub answers 403 to the first write. The run stops there, before any draft or upload, with
/// GitHub's message, and the 403 is neither retried nor waited out as a rate limit.
#[test]
fn err_403_on_the_first_write_stops_before_any_draft_or_upload() {
    let w = world();
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(
        (&inspection.tag, &inspection.release),
        (&TagCheck::Absent, &ReleaseCheck::Absent),
        "every read passes"
    );
    let refusal = Reply::json(
        403,
        &serde_json::json!({
            "message": "Resource not accessible by personal access token",
            "documentation_url": "https://docs.github.com/rest/git/tags#create-a-tag-object"
        }),
    );
    w.github.state().fault(
        Host::Api,
        "POST",
        "/git/tags",
        FaultAction::Respond(refusal),
    );

    let error = release_steps(&w, &commit).unwrap_err();
    let text = checked(error.as_ref());
    let tag_error = error
        .downcast_ref::<TagError>()
        .expect("the tag step fails");
    assert!(
        matches!(tag_error, TagError::Api { source, .. } if source.status() == Some(403)),
        "{text}"
    );
    assert!(
        text.contains("Resource not accessible by personal access token"),
        "{text}"
    );
    let state = w.github.state();
    let writes: Vec<String> = state
        .log
        .iter()
        .filter(|l| l.request.method != "GET")
        .map(|l| format!("{} {}", l.request.method, l.request.path))
        .collect();
    assert_eq!(writes, ["POST /api/v3/repos/octo/demo/git/tags"]);
    assert!(state.releases.is_empty() && state.refs.is_empty());
    assert!(state.requests(Host::Uploads, "POST").is_empty());
    drop(state);
    assert_eq!(w.clock.sleeps(), []);
}

/// See: goreleaser#4134, #3731 (github-release.md §5 case 11): every other tag on the commit is
/// reported, lightweight or annotated (through nested tag objects too), and neither the
/// release's own tag nor tags on other commits are.
#[test]
fn other_tags_on_the_commit_are_reported_and_nothing_else() {
    let w = world();
    {
        let mut state = w.github.state();
        state.add_annotated_tag("v1.0.0", COMMIT);
        state.add_lightweight_tag("stable", COMMIT);
        state.add_annotated_tag("v1.0.0-rc1", COMMIT);
        state.add_annotated_tag("v0.9.0", OTHER_COMMIT);
        state.add_lightweight_tag("v0.9.1", OTHER_COMMIT);
        // `signed-1.0` is a tag object whose target is another tag object (`inner`, which has
        // no ref of its own) whose target is COMMIT.
        let inner = state.add_annotated_tag("inner", COMMIT);
        state.refs.remove("tags/inner");
        let outer = state.add_annotated_tag("signed-1.0", COMMIT);
        state.tag_objects.get_mut(&outer).unwrap().1 = "tag".to_owned();
        state.tag_objects.get_mut(&outer).unwrap().2 = inner;
    }
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert!(matches!(inspection.tag, TagCheck::AtCommit { .. }));
    assert_eq!(
        inspection.other_tags,
        OtherTagsCheck::Found {
            tags: vec![
                "signed-1.0".to_owned(),
                "stable".to_owned(),
                "v1.0.0-rc1".to_owned()
            ]
        }
    );
    let json = serde_json::to_value(&inspection).unwrap();
    assert_eq!(json["other_tags"]["state"], "found");
    assert_eq!(writes(&w), 0);
}

/// Reading tag objects costs one request each: past the budget the answer says how many were
/// not read instead of claiming there are none, and tags sharing the release tag's prefix (its
/// release candidates) are read first.
#[test]
fn other_tags_past_the_read_budget_are_incomplete_not_none() {
    let w = world();
    let extra = 5;
    {
        let mut state = w.github.state();
        for n in 0..MAX_TAG_OBJECT_READS + extra - 1 {
            state.add_annotated_tag(&format!("a-{n:03}"), OTHER_COMMIT);
        }
        // Sorted last by name, read first by prefix.
        state.add_annotated_tag("v1.0.0-rc2", COMMIT);
        state.add_lightweight_tag("b-light", COMMIT);
    }
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert_eq!(
        inspection.other_tags,
        OtherTagsCheck::Incomplete {
            tags: vec!["b-light".to_owned(), "v1.0.0-rc2".to_owned()],
            unchecked: extra,
        }
    );
    let object_reads = w
        .github
        .state()
        .requests(Host::Api, "GET")
        .iter()
        .filter(|r| r.path.contains("/git/tags/"))
        .count();
    assert_eq!(object_reads, MAX_TAG_OBJECT_READS);

    let quiet = world();
    for n in 0..=MAX_TAG_OBJECT_READS {
        quiet
            .github
            .state()
            .add_annotated_tag(&format!("a-{n:03}"), OTHER_COMMIT);
    }
    let inspection = inspect_release(&quiet.client, "v1.0.0", &commit, None);
    assert_eq!(
        inspection.other_tags,
        OtherTagsCheck::Incomplete {
            tags: Vec::new(),
            unchecked: 1
        }
    );
}

#[test]
fn other_tags_unreadable_is_failed_with_githubs_answer() {
    let w = world();
    let refusal = Reply::json(403, &serde_json::json!({"message": "Forbidden"}));
    w.github.state().fault(
        Host::Api,
        "GET",
        "/git/matching-refs/tags",
        FaultAction::Respond(refusal),
    );
    let commit = commit();
    let inspection = inspect_release(&w.client, "v1.0.0", &commit, None);
    assert!(
        matches!(&inspection.other_tags, OtherTagsCheck::Failed { message }
            if message.contains("list the repository's tags") && message.contains("HTTP 403")),
        "{:?}",
        inspection.other_tags
    );
    assert_no_canary(&format!("{inspection:?}"));
}
