//! Locally made tags with the real git binary, pushed to a bare repository that stands in for
//! the remote: created once, accepted when identical, refused when the remote differs.

use std::path::{Path, PathBuf};
use std::process::Command;

use pyship_release::tag::{LocalTagRequest, TagSigning, ensure_local_tag};
use pyship_release::{CommitSha, TagError};

use crate::support::checked;

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

struct Repos {
    _dir: tempfile::TempDir,
    work: PathBuf,
    remote: PathBuf,
    commit: CommitSha,
    other: CommitSha,
}

fn repos() -> Repos {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let remote = dir.path().join("remote.git");
    git(
        dir.path(),
        &["init", "--quiet", "--bare", remote.to_str().unwrap()],
    );
    git(
        dir.path(),
        &["init", "--quiet", "-b", "main", work.to_str().unwrap()],
    );
    for (name, config) in [
        ("user.name", "Test"),
        ("user.email", "test@example.invalid"),
    ] {
        git(&work, &["config", name, config]);
    }
    fs_err::write(work.join("a.txt"), "one").unwrap();
    git(&work, &["add", "a.txt"]);
    git(&work, &["commit", "--quiet", "-m", "one"]);
    let other = CommitSha::parse(&git(&work, &["rev-parse", "HEAD"])).unwrap();
    fs_err::write(work.join("a.txt"), "two").unwrap();
    git(&work, &["commit", "--quiet", "-am", "two"]);
    let commit = CommitSha::parse(&git(&work, &["rev-parse", "HEAD"])).unwrap();
    git(
        &work,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    git(&work, &["push", "--quiet", "origin", "main"]);
    Repos {
        _dir: dir,
        work,
        remote,
        commit,
        other,
    }
}

fn request(repos: &Repos, signing: TagSigning) -> LocalTagRequest<'_> {
    LocalTagRequest {
        repo_dir: &repos.work,
        remote: "origin",
        tag: "v1.0.0",
        commit: &repos.commit,
        message: "Release 1.0.0",
        signing,
    }
}

#[test]
fn annotated_tag_is_made_and_pushed_once() {
    let repos = repos();
    let first = ensure_local_tag(&request(&repos, TagSigning::Unsigned)).unwrap();
    assert!(first.created);
    let object = first.tag_object.clone().unwrap();
    assert_eq!(
        git(&repos.remote, &["cat-file", "-t", "refs/tags/v1.0.0"]),
        "tag"
    );
    assert_eq!(
        git(&repos.remote, &["rev-parse", "refs/tags/v1.0.0"]),
        object
    );
    assert_eq!(
        git(&repos.remote, &["rev-parse", "v1.0.0^{commit}"]),
        repos.commit.as_str()
    );

    let second = ensure_local_tag(&request(&repos, TagSigning::Unsigned)).unwrap();
    assert!(!second.created);
    assert_eq!(second.tag_object, Some(object));
}

/// See: cli/cli#9997 (github-release.md §5 case 10).
#[test]
fn err_local_tag_at_another_commit_is_not_pushed() {
    let repos = repos();
    git(
        &repos.work,
        &["tag", "-a", "-m", "old", "v1.0.0", repos.other.as_str()],
    );
    let error = ensure_local_tag(&request(&repos, TagSigning::Unsigned)).unwrap_err();
    let text = checked(&error);
    assert!(matches!(error, TagError::PointsElsewhere { .. }), "{text}");
    assert_eq!(git(&repos.remote, &["tag", "--list"]), "");
}

#[test]
fn err_remote_tag_object_differs_from_the_local_one() {
    let repos = repos();
    // Another clone tagged the same commit with another message: another tag object.
    let clone = repos.work.with_file_name("clone");
    git(
        repos.work.parent().unwrap(),
        &[
            "clone",
            "--quiet",
            repos.remote.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    git(
        &clone,
        &[
            "tag",
            "-a",
            "-m",
            "someone else",
            "v1.0.0",
            repos.commit.as_str(),
        ],
    );
    git(&clone, &["push", "--quiet", "origin", "v1.0.0"]);

    let error = ensure_local_tag(&request(&repos, TagSigning::Unsigned)).unwrap_err();
    let text = checked(&error);
    assert!(matches!(error, TagError::TagObjectDiffers { .. }), "{text}");
}

#[test]
fn err_remote_tag_at_another_commit() {
    let repos = repos();
    git(
        &repos.work,
        &[
            "push",
            "--quiet",
            "origin",
            &format!("{}:refs/tags/v1.0.0", repos.other),
        ],
    );
    let error = ensure_local_tag(&request(&repos, TagSigning::Unsigned)).unwrap_err();
    let text = checked(&error);
    assert!(
        matches!(error, TagError::PointsElsewhere { ref found, .. } if found == repos.other.as_str()),
        "{text}"
    );
}

#[test]
fn signed_tag_uses_the_configured_ssh_key() {
    let repos = repos();
    let key = repos.work.with_file_name("signing_key");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    git(&repos.work, &["config", "gpg.format", "ssh"]);
    git(
        &repos.work,
        &["config", "user.signingkey", key.to_str().unwrap()],
    );

    let outcome = ensure_local_tag(&request(&repos, TagSigning::DefaultKey)).unwrap();
    assert!(outcome.created);
    let object = git(&repos.remote, &["cat-file", "-p", "refs/tags/v1.0.0"]);
    assert!(object.contains("-----BEGIN SSH SIGNATURE-----"), "{object}");
}
