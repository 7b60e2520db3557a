//! Assets: streamed uploads to the upload host, verified by GitHub's digest or a download, and
//! every ambiguous failure reconciled by listing before anything is sent again.

use std::path::PathBuf;
use std::time::Duration;

use pyship_release::assets::{
    AssetAction, LocalAsset, ReplacePolicy, VerifiedBy, content_type_for, sha256sums_asset,
    upload_assets,
};
use pyship_release::release::{DraftRequest, ensure_draft};
use pyship_release::{AssetError, Release};

use crate::support::{COMMIT, World, checked, commit, world};
use pyship_tests::fake_github::http::Reply;
use pyship_tests::fake_github::{DigestMode, FaultAction, Host, sha256_hex};

const WHEEL: &[u8] = b"PK\x03\x04 pretend wheel bytes for demo 1.0.0";
const SDIST: &[u8] = b"\x1f\x8b pretend sdist bytes for demo 1.0.0";

struct Files {
    _dir: tempfile::TempDir,
    wheel: PathBuf,
    sdist: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let wheel = dir.path().join("demo-1.0.0-py3-none-any.whl");
    let sdist = dir.path().join("demo-1.0.0.tar.gz");
    fs_err::write(&wheel, WHEEL).unwrap();
    fs_err::write(&sdist, SDIST).unwrap();
    Files {
        _dir: dir,
        wheel,
        sdist,
    }
}

fn draft(w: &World) -> Release {
    let id = w.github.state().add_release("v1.0.0", COMMIT, true);
    pyship_release::release::get_release(&w.client, id)
        .unwrap()
        .unwrap()
}

fn wheel_asset(files: &Files) -> LocalAsset {
    LocalAsset::from_file(&files.wheel).unwrap()
}

fn uploads(w: &World) -> usize {
    w.github.state().requests(Host::Uploads, "POST").len()
}

fn deletes(w: &World) -> usize {
    w.github.state().requests(Host::Api, "DELETE").len()
}

#[test]
fn uploads_stream_to_the_upload_host_with_type_length_and_name() {
    let w = world();
    let files = files();
    let release = draft(&w);
    let assets = [
        LocalAsset::from_file(&files.wheel).unwrap(),
        LocalAsset::from_file(&files.sdist).unwrap(),
    ];
    let outcomes = upload_assets(&w.client, &release, &assets, ReplacePolicy::Refuse).unwrap();

    assert!(
        outcomes
            .iter()
            .all(|o| o.action == AssetAction::Uploaded && o.verified_by == VerifiedBy::Digest)
    );
    let state = w.github.state();
    let posts = state.requests(Host::Uploads, "POST");
    assert_eq!(posts.len(), 2);
    assert_eq!(
        posts[0].query_param("name").as_deref(),
        Some("demo-1.0.0-py3-none-any.whl")
    );
    assert_eq!(posts[0].header("content-type"), Some("application/zip"));
    assert_eq!(
        posts[0].header("content-length"),
        Some(WHEEL.len().to_string().as_str())
    );
    assert_eq!(posts[1].header("content-type"), Some("application/gzip"));
    assert!(
        posts[0]
            .path
            .starts_with("/api/uploads/repos/octo/demo/releases/")
    );
    let stored = &state.release(release.id).unwrap().assets;
    assert_eq!(stored[0].bytes, WHEEL);
    assert_eq!(stored[1].bytes, SDIST);
    assert!(
        state.requests(Host::Api, "POST").is_empty(),
        "assets never go to the API host"
    );
}

#[test]
fn mutations_are_paced_at_least_a_second_apart() {
    let w = world();
    let files = files();
    let release = draft(&w);
    let assets = [
        LocalAsset::from_file(&files.wheel).unwrap(),
        LocalAsset::from_file(&files.sdist).unwrap(),
    ];
    upload_assets(&w.client, &release, &assets, ReplacePolicy::Refuse).unwrap();
    assert_eq!(w.clock.sleeps(), vec![Duration::from_secs(1)]);
    let mutations = w.client.mutations();
    assert_eq!(mutations.len(), 2);
    assert!(
        mutations
            .iter()
            .all(|m| m.status == Some(201) && m.request_id.is_some())
    );
}

#[test]
fn err_names_github_would_rename_are_refused_before_any_request() {
    let w = world();
    let release = draft(&w);
    for name in [
        "demo 1.0.whl",
        ".hidden",
        "trailing.",
        "demo-1.0+local.whl",
        "ünï.whl",
        "",
    ] {
        let error = LocalAsset::from_bytes(name, b"x".to_vec()).unwrap_err();
        checked(&error);
        assert!(
            matches!(error, AssetError::InvalidName { .. }),
            "{name}: {error}"
        );
    }
    let mut asset = LocalAsset::from_bytes("ok.txt", b"x".to_vec()).unwrap();
    asset.name = "bad name.txt".to_owned();
    let error = upload_assets(&w.client, &release, &[asset], ReplacePolicy::Refuse).unwrap_err();
    checked(&error);
    assert_eq!(uploads(&w), 0);
}

#[test]
fn err_same_name_twice() {
    let w = world();
    let release = draft(&w);
    let asset = LocalAsset::from_bytes("a.txt", b"x".to_vec()).unwrap();
    let error = upload_assets(
        &w.client,
        &release,
        &[asset.clone(), asset],
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    assert!(
        matches!(error, AssetError::DuplicateName { .. }),
        "{}",
        checked(&error)
    );
}

/// See: goreleaser#1382, goreleaser#2746 (github-release.md §5 case 1).
#[test]
fn starter_left_by_a_502_is_deleted_and_uploaded_again() {
    let w = world();
    let files = files();
    let release = draft(&w);
    w.github.state().fault(
        Host::Uploads,
        "POST",
        "/assets",
        FaultAction::StoreStarterThen502,
    );
    let outcomes = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap();

    assert_eq!(outcomes[0].action, AssetAction::Uploaded);
    assert_eq!((uploads(&w), deletes(&w)), (2, 1));
    let state = w.github.state();
    let stored = &state.release(release.id).unwrap().assets;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].state.as_str(), stored[0].bytes.as_slice()),
        ("uploaded", WHEEL)
    );
}

/// See: cli/cli#7178 (github-release.md §5 case 2, field-failures.md C26).
#[test]
fn lost_answer_after_a_stored_upload_is_accepted_without_a_second_upload() {
    let w = world();
    let files = files();
    let release = draft(&w);
    w.github.state().fault(
        Host::Uploads,
        "POST",
        "/assets",
        FaultAction::HandleThenDrop,
    );
    let outcomes = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap();
    assert_eq!(outcomes[0].action, AssetAction::Uploaded);
    assert_eq!((uploads(&w), deletes(&w)), (1, 0));
}

/// See: python-semantic-release#729 (github-release.md §5 case 8, field-failures.md C28).
#[test]
fn identical_asset_already_present_is_accepted_without_upload() {
    let w = world();
    let files = files();
    let release = draft(&w);
    w.github
        .state()
        .add_asset(release.id, "demo-1.0.0-py3-none-any.whl", WHEEL, "uploaded");
    let outcomes = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap();
    assert_eq!(outcomes[0].action, AssetAction::AlreadyPresent);
    assert_eq!(uploads(&w), 0);
}

/// See: python-semantic-release#729 (github-release.md §5 case 8, field-failures.md C28).
#[test]
fn err_different_asset_already_present_shows_both_digests() {
    let w = world();
    let files = files();
    let release = draft(&w);
    w.github.state().add_asset(
        release.id,
        "demo-1.0.0-py3-none-any.whl",
        b"other bytes",
        "uploaded",
    );
    let error = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, AssetError::ExistsDifferent { .. }),
        "{text}"
    );
    assert!(
        text.contains(&sha256_hex(WHEEL)) && text.contains(&sha256_hex(b"other bytes")),
        "{text}"
    );
    assert_eq!((uploads(&w), deletes(&w)), (0, 0));
}

/// A concurrent writer stores other bytes first: 422 `already_exists` must not be taken as
/// success. See: field-failures.md C26, C28.
#[test]
fn err_already_exists_with_a_different_digest_is_a_hard_error() {
    let w = world();
    let files = files();
    let release = draft(&w);
    let action = FaultAction::StoreOtherThen422(b"raced bytes".to_vec());
    w.github
        .state()
        .fault(Host::Uploads, "POST", "/assets", action);
    let error = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    let text = checked(&error);
    assert!(matches!(error, AssetError::DigestMismatch { .. }), "{text}");
    assert!(
        text.contains(&sha256_hex(WHEEL)) && text.contains(&sha256_hex(b"raced bytes")),
        "{text}"
    );
    assert_eq!((uploads(&w), deletes(&w)), (1, 0));
}

/// See: cli/cli#8822 (github-release.md §5 case 4).
#[test]
fn replacement_never_deletes_the_old_asset_before_the_new_one_is_verified() {
    let w = world();
    let files = files();
    let release = draft(&w);
    let old_id = w.github.state().add_asset(
        release.id,
        "demo-1.0.0-py3-none-any.whl",
        b"old bytes",
        "uploaded",
    );
    let failure = FaultAction::Respond(Reply::json(
        500,
        &serde_json::json!({"message": "Server Error"}),
    ));
    w.github
        .state()
        .fault_times(Host::Uploads, "POST", "/assets", failure, 3);

    let error = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::ReplaceInDraft,
    )
    .unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, AssetError::GaveUp { attempts: 3, .. }),
        "{text}"
    );
    assert!(
        w.github
            .state()
            .release(release.id)
            .unwrap()
            .assets
            .iter()
            .any(|a| a.id == old_id && a.bytes == b"old bytes")
    );
    assert_eq!(deletes(&w), 0);

    let outcomes = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::ReplaceInDraft,
    )
    .unwrap();
    assert_eq!(outcomes[0].action, AssetAction::Replaced);
    let state = w.github.state();
    let stored = &state.release(release.id).unwrap().assets;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].name.as_str(), stored[0].bytes.as_slice()),
        ("demo-1.0.0-py3-none-any.whl", WHEEL)
    );
    let order: Vec<String> = state
        .log
        .iter()
        .filter(|l| l.request.method != "GET")
        .skip(3)
        .map(|l| l.request.method.clone())
        .collect();
    assert_eq!(order, ["POST", "DELETE", "PATCH"]);
}

/// See: github-release.md §5 case 5 (permanent failure leaves the draft resumable).
#[test]
fn err_permanent_server_error_gives_up_after_bounded_attempts_listing_before_each_retry() {
    let w = world();
    let files = files();
    let release = draft(&w);
    let failure = FaultAction::Respond(Reply::json(
        500,
        &serde_json::json!({"message": "Server Error"}),
    ));
    w.github
        .state()
        .fault_times(Host::Uploads, "POST", "/assets", failure, 10);
    let error = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, AssetError::GaveUp { attempts: 3, .. }),
        "{text}"
    );
    assert!(text.contains("HTTP 500"), "{text}");
    let state = w.github.state();
    let kinds: Vec<(&str, bool)> = state
        .log
        .iter()
        .filter(|l| l.request.path.ends_with("/assets"))
        .map(|l| (l.request.method.as_str(), l.host == Host::Uploads))
        .collect();
    // One listing up front, then each failed POST is followed by a listing.
    assert_eq!(
        kinds,
        [
            ("GET", false),
            ("POST", true),
            ("GET", false),
            ("POST", true),
            ("GET", false),
            ("POST", true),
            ("GET", false)
        ]
    );
    assert!(state.release(release.id).unwrap().draft);
}

#[test]
fn null_digest_in_the_upload_answer_is_read_again() {
    let w = world();
    let files = files();
    let release = draft(&w);
    w.github.state().digest_mode = DigestMode::NullOnUpload;
    let outcomes = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap();
    assert_eq!(outcomes[0].verified_by, VerifiedBy::Digest);
    let rereads = w
        .github
        .state()
        .requests(Host::Api, "GET")
        .into_iter()
        .filter(|r| r.path.contains("/releases/assets/"))
        .count();
    assert_eq!(rereads, 1);
}

#[test]
fn missing_digest_is_settled_by_download_through_a_redirect_without_credentials() {
    let w = world();
    let files = files();
    let release = draft(&w);
    w.github.state().digest_mode = DigestMode::NullAlways;
    let outcomes = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap();
    assert_eq!(outcomes[0].verified_by, VerifiedBy::Download);
    let state = w.github.state();
    let downloads = state.requests(Host::Download, "GET");
    assert_eq!(downloads.len(), 1);
    assert_eq!(
        downloads[0].header("authorization"),
        None,
        "the token must not reach the download host"
    );
    let asset_api: Vec<_> = state
        .requests(Host::Api, "GET")
        .into_iter()
        .filter(|r| r.header("accept") == Some("application/octet-stream"))
        .collect();
    assert_eq!(asset_api.len(), 1);
    assert!(asset_api[0].header("authorization").is_some());
}

/// See: openedx/event-tracking#433 (field-failures.md C29).
#[test]
fn err_assets_are_never_added_to_a_published_release() {
    let w = world();
    let files = files();
    let id = w.github.state().add_release("v1.0.0", COMMIT, false);
    let release = pyship_release::release::get_release(&w.client, id)
        .unwrap()
        .unwrap();
    let error = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, AssetError::ReleasePublished { .. }),
        "{text}"
    );
    assert_eq!(uploads(&w), 0);
}

#[test]
fn err_immutable_release_refusal_is_reported_with_githubs_message() {
    let w = world();
    let files = files();
    let release = draft(&w);
    w.github.state().releases[0].immutable = true;
    let error = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    let text = checked(&error);
    assert!(
        text.contains("Cannot upload assets to an immutable release"),
        "{text}"
    );
    assert_eq!(uploads(&w), 1);
}

#[test]
fn sha256sums_lists_every_asset_sorted_by_name() {
    let files = files();
    let assets = [
        LocalAsset::from_file(&files.wheel).unwrap(),
        LocalAsset::from_file(&files.sdist).unwrap(),
    ];
    let sums = sha256sums_asset(&assets).unwrap();
    let pyship_release::assets::AssetSource::Bytes(bytes) = &sums.source else {
        panic!("generated")
    };
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let expected = format!(
        "{}  demo-1.0.0-py3-none-any.whl\n{}  demo-1.0.0.tar.gz\n",
        sha256_hex(WHEEL),
        sha256_hex(SDIST)
    );
    assert_eq!(text, expected);
    assert_eq!(sums.name, "SHA256SUMS");
    assert_eq!(sums.content_type, content_type_for("SHA256SUMS"));
}

fn both_assets(files: &Files) -> [LocalAsset; 2] {
    [
        LocalAsset::from_file(&files.wheel).unwrap(),
        LocalAsset::from_file(&files.sdist).unwrap(),
    ]
}

fn uploads_of(w: &World, name: &str) -> usize {
    w.github
        .state()
        .requests(Host::Uploads, "POST")
        .iter()
        .filter(|r| r.query_param("name").as_deref() == Some(name))
        .count()
}

/// A 201 whose asset is still `open` (or `starter`) is not a finished upload: the run fails
/// naming the asset and its state, and a rerun does not take the leftover for the asset but
/// replaces it. See: github-release.md §1c (`state` `uploaded`/`open`; 502 leaves `starter`).
#[test]
fn err_201_for_an_asset_not_uploaded_is_not_counted_as_verified() {
    for leftover in ["open", "starter"] {
        let w = world();
        let files = files();
        let release = draft(&w);
        w.github.state().fault_upload(
            "demo-1.0.0.tar.gz",
            FaultAction::StoreInStateThen201(leftover),
            1,
        );
        let error = upload_assets(
            &w.client,
            &release,
            &both_assets(&files),
            ReplacePolicy::Refuse,
        )
        .unwrap_err();
        let text = checked(&error);
        assert!(
            matches!(&error, AssetError::NotUploaded { name, state }
                if name == "demo-1.0.0.tar.gz" && state == leftover),
            "{leftover}: {text}"
        );

        let outcomes = upload_assets(
            &w.client,
            &release,
            &both_assets(&files),
            ReplacePolicy::Refuse,
        )
        .unwrap();
        let actions: Vec<AssetAction> = outcomes.iter().map(|o| o.action).collect();
        assert_eq!(
            actions,
            [AssetAction::AlreadyPresent, AssetAction::ReplacedBroken],
            "{leftover}"
        );
        assert_eq!(uploads_of(&w, "demo-1.0.0.tar.gz"), 2, "{leftover}");
        let state = w.github.state();
        let stored = &state.release(release.id).unwrap().assets;
        assert_eq!(stored.len(), 2, "{leftover}");
        assert!(stored.iter().all(|a| a.state == "uploaded"), "{leftover}");
        assert_eq!(stored[1].bytes, SDIST, "{leftover}");
    }
}

/// A 201 whose digest is not the local sha256 (the bytes were damaged on the way) fails with
/// both digests, and a rerun does not accept the damaged asset either.
/// See: github-release.md §1c (`digest`), field-failures.md C31.
#[test]
fn err_201_with_another_digest_is_a_mismatch_naming_both() {
    let w = world();
    let files = files();
    let release = draft(&w);
    let damaged = b"PK\x03\x04 damaged on the way".to_vec();
    w.github.state().fault_upload(
        "demo-1.0.0-py3-none-any.whl",
        FaultAction::StoreBytesThen201(damaged.clone()),
        1,
    );
    let error = upload_assets(
        &w.client,
        &release,
        &both_assets(&files),
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(&error, AssetError::DigestMismatch { name, local, remote }
            if name == "demo-1.0.0-py3-none-any.whl"
                && *local == sha256_hex(WHEEL)
                && *remote == sha256_hex(&damaged)),
        "{text}"
    );
    assert_eq!(
        uploads_of(&w, "demo-1.0.0.tar.gz"),
        0,
        "nothing after a failed asset"
    );
    let again = upload_assets(
        &w.client,
        &release,
        &both_assets(&files),
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    assert!(
        matches!(again, AssetError::ExistsDifferent { .. }),
        "{}",
        checked(&again)
    );
    assert_eq!(deletes(&w), 0);
}

/// No digest anywhere and other bytes stored: the download settles it, as a mismatch.
/// See: github-release.md §1c (`digest` nullable, download through the asset API).
#[test]
fn err_null_digest_and_other_stored_bytes_is_a_mismatch_after_download() {
    let w = world();
    let files = files();
    let release = draft(&w);
    let damaged = b"damaged on the way, no digest to tell".to_vec();
    {
        let mut state = w.github.state();
        state.digest_mode = DigestMode::NullAlways;
        state.fault_upload(
            "demo-1.0.0-py3-none-any.whl",
            FaultAction::StoreBytesThen201(damaged.clone()),
            1,
        );
    }
    let error = upload_assets(
        &w.client,
        &release,
        &[wheel_asset(&files)],
        ReplacePolicy::Refuse,
    )
    .unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(&error, AssetError::DigestMismatch { local, remote, .. }
            if *local == sha256_hex(WHEEL) && *remote == sha256_hex(&damaged)),
        "{text}"
    );
    assert_eq!(w.github.state().requests(Host::Download, "GET").len(), 1);
}

/// github-release.md §5 case 5 (cli/cli#6645) with several assets: the second of three always
/// fails with 500. The run stops naming it, the release stays a draft, and a rerun reuses the
/// same draft and does not send the asset already verified again.
#[test]
fn err_second_of_three_assets_failing_names_it_and_a_rerun_resumes_the_draft() {
    let w = world();
    let files = files();
    let commit = commit();
    let draft_request = |recorded_id| DraftRequest {
        tag: "v1.0.0",
        commit: &commit,
        name: "demo 1.0.0",
        body: "notes",
        prerelease: false,
        recorded_id,
    };
    let first = ensure_draft(&w.client, &draft_request(None)).unwrap();
    assert!(first.created);
    let [wheel, sdist] = both_assets(&files);
    let sums = sha256sums_asset(&[wheel.clone(), sdist.clone()]).unwrap();
    let assets = [wheel, sdist, sums];
    let failure = FaultAction::Respond(Reply::json(
        500,
        &serde_json::json!({"message": "Server Error"}),
    ));
    w.github
        .state()
        .fault_upload("demo-1.0.0.tar.gz", failure, usize::MAX);

    let error =
        upload_assets(&w.client, &first.release, &assets, ReplacePolicy::Refuse).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(&error, AssetError::GaveUp { name, attempts: 3, .. } if name == "demo-1.0.0.tar.gz"),
        "{text}"
    );
    assert!(error.to_string().contains("demo-1.0.0.tar.gz"));
    assert_eq!(uploads_of(&w, "demo-1.0.0-py3-none-any.whl"), 1);
    assert_eq!(uploads_of(&w, "demo-1.0.0.tar.gz"), 3);
    assert_eq!(uploads_of(&w, "SHA256SUMS"), 0);
    assert!(w.github.state().release(first.release.id).unwrap().draft);

    // The server recovers; the rerun finds the draft by its recorded id and by listing.
    w.github.state().faults.clear();
    for recorded_id in [Some(first.release.id), None] {
        let again = ensure_draft(&w.client, &draft_request(recorded_id)).unwrap();
        assert!(!again.created);
        assert_eq!(again.release.id, first.release.id);
    }
    let again = ensure_draft(&w.client, &draft_request(Some(first.release.id))).unwrap();
    let outcomes =
        upload_assets(&w.client, &again.release, &assets, ReplacePolicy::Refuse).unwrap();
    let actions: Vec<AssetAction> = outcomes.iter().map(|o| o.action).collect();
    assert_eq!(
        actions,
        [
            AssetAction::AlreadyPresent,
            AssetAction::Uploaded,
            AssetAction::Uploaded
        ]
    );
    assert_eq!(uploads_of(&w, "demo-1.0.0-py3-none-any.whl"), 1);
    let state = w.github.state();
    assert_eq!(state.releases.len(), 1, "no second draft");
    let stored: Vec<&str> = state.releases[0]
        .assets
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        stored,
        [
            "demo-1.0.0-py3-none-any.whl",
            "demo-1.0.0.tar.gz",
            "SHA256SUMS"
        ]
    );
}
