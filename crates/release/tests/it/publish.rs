//! Publishing: the whole flow against the fake, and the refusals that keep a half-made release
//! a draft (missing or different assets, a moved tag).

use pyship_release::assets::{LocalAsset, ReplacePolicy, sha256sums_asset, upload_assets};
use pyship_release::publish::{PublishRequest, publish_release};
use pyship_release::release::{DraftRequest, ensure_draft};
use pyship_release::tag::{TagRequest, ensure_tag};
use pyship_release::{AssetError, CommitSha, PublishError, TagError};

use crate::support::{COMMIT, OTHER_COMMIT, World, assert_no_canary, checked, commit, world};
use pyship_tests::fake_github::http::Reply;
use pyship_tests::fake_github::{FaultAction, Host, State, sha256_hex};

struct Prepared {
    release_id: u64,
    tag_object: String,
    assets: Vec<LocalAsset>,
}

fn local_assets() -> Vec<LocalAsset> {
    let wheel =
        LocalAsset::from_bytes("demo-1.0.0-py3-none-any.whl", b"wheel bytes".to_vec()).unwrap();
    let sdist = LocalAsset::from_bytes("demo-1.0.0.tar.gz", b"sdist bytes".to_vec()).unwrap();
    let sums = sha256sums_asset(&[wheel.clone(), sdist.clone()]).unwrap();
    vec![wheel, sdist, sums]
}

fn prepare(w: &World, commit: &CommitSha, upload: usize) -> Prepared {
    let tag = TagRequest {
        tag: "v1.0.0",
        commit,
        message: "Release 1.0.0",
        expected_tag_object: None,
    };
    let tag = ensure_tag(&w.client, &tag).unwrap();
    let draft = DraftRequest {
        tag: "v1.0.0",
        commit,
        name: "demo 1.0.0",
        body: "notes",
        prerelease: false,
        recorded_id: None,
    };
    let draft = ensure_draft(&w.client, &draft).unwrap();
    let assets = local_assets();
    upload_assets(
        &w.client,
        &draft.release,
        &assets[..upload],
        ReplacePolicy::Refuse,
    )
    .unwrap();
    Prepared {
        release_id: draft.release.id,
        tag_object: tag.tag_object.unwrap(),
        assets,
    }
}

fn request<'a>(prepared: &'a Prepared, commit: &'a CommitSha) -> PublishRequest<'a> {
    PublishRequest {
        release_id: prepared.release_id,
        tag: "v1.0.0",
        commit,
        expected_tag_object: Some(&prepared.tag_object),
        assets: &prepared.assets,
        make_latest: true,
    }
}

fn patches(w: &World) -> usize {
    w.github.state().requests(Host::Api, "PATCH").len()
}

#[test]
fn publishes_after_verifying_and_proves_the_published_release() {
    let w = world();
    w.github.state().immutable_enabled = true;
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    let outcome = publish_release(&w.client, &request(&prepared, &commit)).unwrap();

    assert!(outcome.published_now);
    assert!(!outcome.release.draft);
    assert_eq!(outcome.release.immutable, Some(true));
    assert_eq!(outcome.immutable_releases_enabled, Some(true));
    assert_eq!(
        outcome.tag.tag_object.as_deref(),
        Some(prepared.tag_object.as_str())
    );
    let names: Vec<&str> = outcome.downloads.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "demo-1.0.0-py3-none-any.whl",
            "demo-1.0.0.tar.gz",
            "SHA256SUMS"
        ]
    );
    for (download, local) in outcome.downloads.iter().zip(&prepared.assets) {
        assert_eq!(download.sha256, local.sha256);
    }
    let state = w.github.state();
    let cdn = state.requests(Host::Download, "GET");
    assert_eq!(cdn.len(), 3);
    assert!(cdn.iter().all(|r| r.header("authorization").is_none()));
    drop(state);
    let record = format!("{outcome:?} {:?} {:?}", w.client.mutations(), w.client);
    assert_no_canary(&record);
    assert!(
        !record.contains("signed-secret"),
        "signed download URLs must be masked: {record}"
    );
}

/// See: openedx/event-tracking#433 (field-failures.md C29).
#[test]
fn err_missing_asset_keeps_the_release_a_draft() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 2);
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(matches!(error, PublishError::AssetSet { .. }), "{text}");
    assert!(text.contains("SHA256SUMS"), "{text}");
    assert_eq!(patches(&w), 0);
    assert!(w.github.state().release(prepared.release_id).unwrap().draft);
}

/// See: objeck/objeck-lang#938 (field-failures.md C31).
#[test]
fn err_served_bytes_differ_from_the_manifest_keeps_the_draft() {
    let w = world();
    let commit = commit();
    let mut prepared = prepare(&w, &commit, 3);
    prepared.assets[0] =
        LocalAsset::from_bytes("demo-1.0.0-py3-none-any.whl", b"re-signed wheel".to_vec()).unwrap();
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(
            error,
            PublishError::Asset(AssetError::DigestMismatch { .. })
        ),
        "{text}"
    );
    assert_eq!(patches(&w), 0);
}

#[test]
fn err_tag_moved_before_publishing() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    w.github.state().add_lightweight_tag("v1.0.0", OTHER_COMMIT);
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, PublishError::Tag(TagError::PointsElsewhere { .. })),
        "{text}"
    );
    assert_eq!(patches(&w), 0);
}

#[test]
fn rerun_after_publishing_only_verifies() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    publish_release(&w.client, &request(&prepared, &commit)).unwrap();
    let again = publish_release(&w.client, &request(&prepared, &commit)).unwrap();
    assert!(!again.published_now);
    assert_eq!(patches(&w), 1);
}

#[test]
fn lost_answer_to_publish_is_settled_by_reading_the_release() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    w.github.state().fault(
        Host::Api,
        "PATCH",
        &format!("/releases/{}", prepared.release_id),
        FaultAction::HandleThenDrop,
    );
    let outcome = publish_release(&w.client, &request(&prepared, &commit)).unwrap();
    assert!(outcome.published_now);
    assert_eq!(patches(&w), 1);
}

#[test]
fn err_publish_refused_for_a_commit_touching_workflows() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    w.github.state().workflow_commits.push(commit.to_string());
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(text.contains("HTTP 404"), "{text}");
    assert!(w.github.state().release(prepared.release_id).unwrap().draft);
}

#[test]
fn err_wrong_token_is_reported_without_the_token() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    let reply = Reply::json(401, &serde_json::json!({"message": "Bad credentials"}));
    w.github.state().fault(
        Host::Api,
        "GET",
        &format!("/releases/{}", prepared.release_id),
        FaultAction::Respond(reply),
    );
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(
        text.contains("HTTP 401") && text.contains("Bad credentials"),
        "{text}"
    );
}

/// The download host serves other bytes than GitHub hashed: the digest check before publishing
/// passes, the download proof after it must not, and it names the asset and both sha256s.
/// See: objeck/objeck-lang#938 (field-failures.md C31), github-release.md §6 step 6.
#[test]
fn err_download_after_publishing_differs_names_the_asset_and_both_digests() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    let served = b"bytes swapped on the download host".to_vec();
    w.github
        .state()
        .served_instead
        .insert("demo-1.0.0.tar.gz".to_owned(), served.clone());
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    let PublishError::DownloadMismatch {
        release_id,
        name,
        local,
        downloaded,
    } = &error
    else {
        panic!("expected DownloadMismatch: {text}");
    };
    assert_eq!(*release_id, prepared.release_id);
    assert_eq!(name, "demo-1.0.0.tar.gz");
    assert_eq!(local, &prepared.assets[1].sha256);
    assert_eq!(downloaded, &sha256_hex(&served));
    assert_ne!(local, downloaded);
    let first_line = error.to_string();
    for part in ["demo-1.0.0.tar.gz", local, downloaded, "is published"] {
        assert!(
            first_line.contains(part),
            "{part} missing from: {first_line}"
        );
    }
    // The release was published before the proof failed: the error must not hide that.
    assert_eq!(patches(&w), 1);
    assert!(!w.github.state().release(prepared.release_id).unwrap().draft);
}

/// The repository turns on immutable releases while the publish request is in flight: the
/// release GitHub published is not immutable, and the proof says so.
/// See: github-release.md §1d; field-failures.md C29.
#[test]
fn err_published_release_not_immutable_although_the_repository_enforces_it() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    let enable: fn(&mut State) = |state| state.immutable_enabled = true;
    w.github.state().fault(
        Host::Api,
        "PATCH",
        &format!("/releases/{}", prepared.release_id),
        FaultAction::HandleThenMutate(enable),
    );
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(
            &error,
            PublishError::NotImmutable { release_id, tag }
                if *release_id == prepared.release_id && tag == "v1.0.0"
        ),
        "{text}"
    );
    assert_eq!(patches(&w), 1);
    assert!(
        w.github.state().requests(Host::Download, "GET").is_empty(),
        "the proof stops at the first failure"
    );
}

/// A release published before the repository enabled immutable releases stays mutable; a
/// rerun that only verifies reports it instead of passing.
/// See: github-release.md §1d ("once an immutable release is published").
#[test]
fn err_rerun_reports_a_release_published_before_immutability_was_enabled() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    let first = publish_release(&w.client, &request(&prepared, &commit)).unwrap();
    assert_eq!(first.immutable_releases_enabled, Some(false));
    w.github.state().immutable_enabled = true;
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(matches!(error, PublishError::NotImmutable { .. }), "{text}");
    assert_eq!(patches(&w), 1);
}

/// The tag is moved to another commit as the publish request arrives: the check after
/// publishing fails, naming both commits and saying the release is already published.
/// See: github-release.md §6 step 6, §5 case 10; field-failures.md C29.
#[test]
fn err_tag_moved_while_publishing_names_both_commits() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    let move_tag: fn(&mut State) = |state| state.add_lightweight_tag("v1.0.0", OTHER_COMMIT);
    w.github.state().fault(
        Host::Api,
        "PATCH",
        &format!("/releases/{}", prepared.release_id),
        FaultAction::MutateThenHandle(move_tag),
    );
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    let PublishError::TagMoved {
        release_id,
        tag,
        found,
        expected,
    } = &error
    else {
        panic!("expected TagMoved: {text}");
    };
    assert_eq!(
        (*release_id, tag.as_str(), found.as_str(), expected.as_str()),
        (prepared.release_id, "v1.0.0", OTHER_COMMIT, COMMIT)
    );
    let first_line = error.to_string();
    assert!(
        first_line.contains(OTHER_COMMIT) && first_line.contains(COMMIT),
        "{first_line}"
    );
    assert!(!first_line.contains("nothing was created"), "{first_line}");
    assert_eq!(patches(&w), 1);
    assert!(!w.github.state().release(prepared.release_id).unwrap().draft);
}

/// GitHub answers 200 to the publish request but the release reads back as a draft: the error
/// says so, rather than calling it "not a draft".
#[test]
fn err_release_still_a_draft_after_an_accepted_publish_request() {
    let w = world();
    let commit = commit();
    let prepared = prepare(&w, &commit, 3);
    let unchanged = Reply::json(
        200,
        &serde_json::json!({"id": prepared.release_id, "tag_name": "v1.0.0", "draft": true}),
    );
    w.github.state().fault(
        Host::Api,
        "PATCH",
        &format!("/releases/{}", prepared.release_id),
        FaultAction::Respond(unchanged),
    );
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, PublishError::StillDraft { release_id } if release_id == prepared.release_id),
        "{text}"
    );
    assert!(text.contains("still a draft"), "{text}");
}

/// A release id that no longer exists is reported as missing.
#[test]
fn err_unknown_release_id_is_missing() {
    let w = world();
    let commit = commit();
    let mut prepared = prepare(&w, &commit, 3);
    prepared.release_id = 999_999;
    let error = publish_release(&w.client, &request(&prepared, &commit)).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(
            error,
            PublishError::Missing {
                release_id: 999_999
            }
        ),
        "{text}"
    );
    assert_eq!(patches(&w), 0);
}
