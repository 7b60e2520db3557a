//! `dry-run`'s read-only GitHub steps end to end: the real xtask binary talks to the fake GitHub
//! on loopback (API base from `PYSHIP_GITHUB_API_URL`, repository from `github-repository`) with a
//! canary token. Each gate's verdict and evidence is checked, the fake must see only reads, and
//! the token must never show up in stdout, stderr, the JSON or any file under `target/pyship`.
//! See: github-release.md §6 step 1, §5 cases 5, 7 and 10.

use std::path::Path;

use pyship_tests::fake_github::FakeGitHub;
use pyship_tests::python::test_python;
use pyship_tests::repo::TestRepo;
use pyship_tests::xtask::{Run, run_xtask_with_env};

use super::{assert_fails_on, assert_gate, configure};

/// A token that must never appear in any output.
const CANARY: &str = "ghp_CANARYdryrun4e8b2c6a0f1d3957BDF2468";
/// A commit that is not the test repository's HEAD.
const OTHER_COMMIT: &str = "2222222222222222222222222222222222222222";

/// The example repository configured for the fake's `octo/demo`, and the fake.
fn setup() -> (TestRepo, FakeGitHub) {
    let repo = TestRepo::new();
    configure(&repo, "github-repository = \"octo/demo\"");
    (repo, FakeGitHub::start(CANARY))
}

/// `dry-run --format=json` against the fake, with `token` as `GITHUB_TOKEN` when given.
fn dry_run_github(repo: &TestRepo, github: &FakeGitHub, token: Option<&str>) -> Run {
    let manifest = repo.manifest();
    let python = format!("--python={}", test_python().display());
    let args = [
        "--manifest-path",
        manifest.to_str().unwrap(),
        "dry-run",
        &python,
        "--format=json",
    ];
    let mut env = vec![
        ("PYSHIP_GITHUB_API_URL", github.api_base.as_str()),
        ("PYSHIP_GITHUB_UPLOAD_URL", github.upload_base.as_str()),
        // The trace-level log is part of what the canary checks read.
        ("PYSHIP_LOG", "trace"),
    ];
    if let Some(token) = token {
        env.push(("GITHUB_TOKEN", token));
    }
    let run = run_xtask_with_env(&repo.root, &args, &env);
    assert_no_canary(repo, &run);
    run
}

/// The canary is in no output and in no file xtask wrote.
fn assert_no_canary(repo: &TestRepo, run: &Run) {
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(!text.contains("CANARYdryrun"), "the token leaked on {what}");
    }
    let mut files = Vec::new();
    walk(&repo.root.join("target/pyship"), &mut files);
    assert!(!files.is_empty(), "xtask wrote nothing under target/pyship");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let leaked = bytes.windows(12).any(|window| window == b"CANARYdryrun");
        assert!(!leaked, "the token leaked into `{}`", file.display());
    }
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// Methods of every request the fake saw; a dry run only reads.
fn assert_only_reads(github: &FakeGitHub) {
    let state = github.state();
    let writes: Vec<String> = state
        .log
        .iter()
        .filter(|l| l.request.method != "GET")
        .map(|l| format!("{} {}", l.request.method, l.request.path))
        .collect();
    assert!(writes.is_empty(), "a dry run wrote to GitHub: {writes:?}");
    assert!(
        state
            .log
            .iter()
            .all(|l| l.request.header("authorization") == Some(&format!("Bearer {CANARY}"))),
        "every request carries the token"
    );
}

/// The gate `name` in the JSON document.
fn json_gate<'a>(document: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    document["plan"]["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|gate| gate["name"] == name)
        .unwrap_or_else(|| panic!("no gate `{name}` in the JSON plan"))
}

#[test]
fn dry_run_github_fresh_tag_with_push_token_passes_every_github_gate() {
    let (repo, github) = setup();

    let run = dry_run_github(&repo, &github, Some(CANARY));

    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    let permissions = assert_gate(&run, "github-permissions", "PASS");
    assert!(
        permissions.contains("`octo-releaser` has role `write` on `octo/demo`")
            && permissions.contains("request FAKE-"),
        "{permissions}"
    );
    let tag = assert_gate(&run, "github-tag", "PASS");
    assert!(tag.contains("`v0.1.0` does not exist"), "{tag}");
    let release = assert_gate(&run, "github-release-absent", "PASS");
    assert!(release.contains("no release or draft"), "{release}");
    let notes = assert_gate(&run, "release-notes", "PASS");
    assert!(
        notes.contains("`CHANGELOG.md` section for `0.1.0`: 27 characters")
            && notes.contains("fits GitHub's limit"),
        "{notes}"
    );
    assert_only_reads(&github);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json_gate(&document, "github-tag")["verdict"], "PASS");
    assert!(
        !repo.root.join("target/pyship/github-drafts.json").exists(),
        "no draft, nothing to record"
    );
}

/// See: cli/cli#9997 (github-release.md §5 case 10).
#[test]
fn dry_run_github_tag_at_another_commit_fails_naming_it() {
    let (repo, github) = setup();
    github.state().add_annotated_tag("v0.1.0", OTHER_COMMIT);

    let run = dry_run_github(&repo, &github, Some(CANARY));

    let evidence = assert_fails_on(&run, "github-tag");
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert!(
        evidence.contains(&format!("at commit `{OTHER_COMMIT}`, not HEAD")),
        "{evidence}"
    );
    assert!(!evidence.contains(&head), "{evidence}");
    assert_gate(&run, "github-permissions", "PASS");
    assert_only_reads(&github);
}

/// Also: a changelog section over GitHub's 125,000 characters is reported with its length and
/// where the full text goes. See: goreleaser#2647 (github-release.md §5 case 13).
#[test]
fn dry_run_github_tag_already_at_head_passes_and_long_notes_are_reported() {
    let (repo, github) = setup();
    let long = format!(
        "# Changelog\n\n## 0.1.0\n\n{}",
        "- a change\n".repeat(12_000)
    );
    repo.write("examples/demo/CHANGELOG.md", &long);
    repo.commit_all("A long changelog");
    repo.git(&["push", "--quiet", "origin", "main"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let object = github.state().add_annotated_tag("v0.1.0", &head);
    // github-release.md §5 case 11: a release candidate's tag on the same commit is named,
    // never taken for the release's tag.
    github.state().add_annotated_tag("v0.1.0rc1", &head);

    let run = dry_run_github(&repo, &github, Some(CANARY));

    let evidence = assert_gate(&run, "github-tag", "PASS");
    assert!(evidence.contains(&object), "{evidence}");
    assert!(
        evidence.contains("HEAD also has tag(s) `v0.1.0rc1`; the release uses `v0.1.0`"),
        "{evidence}"
    );
    let notes = assert_gate(&run, "release-notes", "PASS");
    assert!(
        notes.contains("131999 characters of at most 125000")
            && notes.contains("the full text goes into the release asset `RELEASE-NOTES.md`"),
        "{notes}"
    );
}

/// See: github-release.md §5 case 5 (a rerun resumes the same draft) and §1b (the listing can
/// lag; drafts are invisible to the by-tag endpoint).
#[test]
fn dry_run_github_existing_draft_is_reported_recorded_and_found_again_when_unlisted() {
    let (repo, github) = setup();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let id = github.state().add_release("v0.1.0", &head, true);

    let first = dry_run_github(&repo, &github, Some(CANARY));

    assert_eq!(first.code, Some(0), "stderr:\n{}", first.stderr);
    let evidence = assert_gate(&first, "github-release-absent", "PASS");
    assert!(
        evidence.contains(&format!(
            "draft {id} for `v0.1.0` exists and would be reused"
        )) && evidence.contains("now recorded"),
        "{evidence}"
    );
    let record = repo.read("target/pyship/github-drafts.json");
    let record: serde_json::Value = serde_json::from_str(&record).unwrap();
    assert_eq!(record["drafts"][0]["repository"], "octo/demo");
    assert_eq!(record["drafts"][0]["tag"], "v0.1.0");
    assert_eq!(record["drafts"][0]["release_id"], id);

    // GitHub's listing no longer shows the draft: the recorded id still finds it.
    github.state().unlisted.push(id);
    let second = dry_run_github(&repo, &github, Some(CANARY));

    let evidence = assert_gate(&second, "github-release-absent", "PASS");
    assert!(
        evidence.contains(&format!("draft {id} for `v0.1.0`"))
            && evidence.contains("found by the id recorded"),
        "{evidence}"
    );
    let fetched_by_id = github
        .state()
        .requests(pyship_tests::fake_github::Host::Api, "GET")
        .iter()
        .any(|r| r.path.ends_with(&format!("/releases/{id}")));
    assert!(fetched_by_id);
    assert_only_reads(&github);
}

#[test]
fn dry_run_github_recorded_id_of_another_tag_fails() {
    let (repo, github) = setup();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let id = github.state().add_release("v0.1.0", &head, true);
    assert_eq!(dry_run_github(&repo, &github, Some(CANARY)).code, Some(0));
    // Someone retagged the draft on GitHub between the runs.
    github
        .state()
        .releases
        .iter_mut()
        .find(|r| r.id == id)
        .unwrap()
        .tag_name = "v0.0.9".to_owned();

    let run = dry_run_github(&repo, &github, Some(CANARY));

    let evidence = assert_fails_on(&run, "github-release-absent");
    assert!(
        evidence.contains(&format!("draft id {id} recorded for `v0.1.0`"))
            && evidence.contains("`v0.0.9`"),
        "{evidence}"
    );
}

/// See: release-plz#2578 (github-release.md §5 case 7): a token that cannot push is caught
/// before anything irreversible.
#[test]
fn dry_run_github_token_without_push_access_fails_permissions() {
    let (repo, github) = setup();
    github.state().push_access = false;

    let run = dry_run_github(&repo, &github, Some(CANARY));

    let evidence = assert_fails_on(&run, "github-permissions");
    assert!(
        evidence.contains("role `read`") && evidence.contains("needs write access"),
        "{evidence}"
    );
    // Drafts are hidden from such a token, so their absence is not known, never passed.
    let release = assert_gate(&run, "github-release-absent", "UNKNOWN");
    assert!(release.contains("hides drafts"), "{release}");
    assert_only_reads(&github);
}

#[test]
fn dry_run_github_without_token_is_unknown_with_reason_and_exits_0() {
    let (repo, github) = setup();

    let run = dry_run_github(&repo, &github, None);

    // UNKNOWN alone never fails the run, and never counts as passed.
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    for name in ["github-permissions", "github-tag", "github-release-absent"] {
        let evidence = assert_gate(&run, name, "UNKNOWN");
        assert!(evidence.contains("no GitHub token"), "{evidence}");
    }
    assert!(
        github.state().log.is_empty(),
        "nothing is asked without a token"
    );
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json_gate(&document, "github-tag")["verdict"], "UNKNOWN");
    assert_eq!(document["exit_status"], 0);
}

#[test]
fn dry_run_github_refused_token_is_never_passed() {
    let (repo, github) = setup();

    let run = dry_run_github(
        &repo,
        &github,
        Some("ghp_CANARYdryrunWRONG0000000000000000"),
    );

    for name in ["github-permissions", "github-tag", "github-release-absent"] {
        let (verdict, evidence) = super::gate(&run, name);
        assert_ne!(verdict, "PASS", "gate `{name}`: {evidence}");
    }
    // A 401 is a token that is no credential: FAIL, saying so, with what GitHub answered.
    let (verdict, evidence) = super::gate(&run, "github-permissions");
    assert_eq!(verdict, "FAIL", "{evidence}");
    assert!(
        evidence.contains("does not accept the token") && evidence.contains("answered HTTP 401"),
        "{evidence}"
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}
