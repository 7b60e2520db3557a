//! Temporary git repositories for end-to-end tests: the example project copied into a fresh
//! workspace, committed on `main`, with a local bare repository as `origin` that it was pushed to.
//! Git runs with the user's global and system config switched off, so tests see the same git
//! everywhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// The workspace this test crate belongs to.
#[must_use]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits inside the workspace")
        .to_owned()
}

/// The release config the temporary workspace carries (the same keys as pyship's own).
pub const WORKSPACE_MANIFEST: &str = r#"[workspace]

[workspace.metadata.pyship]
project = "examples/demo"
release-branch = "main"
tag-prefix = "v"
target = "pypi"
dist-dir = "target/pyship/dist"
# Tests never reach the internet: the index is a loopback port nothing listens on, unless a test
# starts a server and passes `--index-url`.
index-url = "http://127.0.0.1:9/"
"#;

/// Environment for every git (and xtask) run in tests: no user config, fixed identity.
pub const GIT_ENV: &[(&str, &str)] = &[
    ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ("GIT_CONFIG_NOSYSTEM", "1"),
    ("GIT_AUTHOR_NAME", "pyship tests"),
    ("GIT_AUTHOR_EMAIL", "tests@pyship.invalid"),
    ("GIT_COMMITTER_NAME", "pyship tests"),
    ("GIT_COMMITTER_EMAIL", "tests@pyship.invalid"),
    ("GIT_TERMINAL_PROMPT", "0"),
];

/// A workspace with the example project in a git repository, plus its bare `origin`.
pub struct TestRepo {
    _dir: TempDir,
    /// The working tree (workspace root).
    pub root: PathBuf,
    /// The bare repository serving as `origin`.
    pub origin: PathBuf,
}

impl TestRepo {
    /// Creates the workspace, commits it on `main` and pushes it to a fresh bare `origin`.
    #[must_use]
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("failed to create a temp dir");
        let root = dir.path().join("work");
        let origin = dir.path().join("origin.git");
        copy_dir(
            &workspace_root().join("examples/demo"),
            &root.join("examples/demo"),
        );
        std::fs::write(root.join("Cargo.toml"), WORKSPACE_MANIFEST).expect("write Cargo.toml");

        let repo = TestRepo {
            _dir: dir,
            root,
            origin,
        };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["add", "--all"]);
        repo.git(&["commit", "--quiet", "--no-gpg-sign", "-m", "Initial commit"]);
        git_in(
            repo.root.parent().expect("root has a parent"),
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "origin.git",
            ],
        );
        let origin = repo
            .origin
            .to_str()
            .expect("temp paths are UTF-8")
            .to_owned();
        repo.git(&["remote", "add", "origin", &origin]);
        repo.git(&["push", "--quiet", "--set-upstream", "origin", "main"]);
        repo
    }

    /// The workspace's root manifest, for `--manifest-path`.
    #[must_use]
    pub fn manifest(&self) -> PathBuf {
        self.root.join("Cargo.toml")
    }

    /// Runs git in the working tree, asserts success and returns trimmed stdout.
    #[expect(
        clippy::must_use_candidate,
        reason = "run for its effect as often as its output"
    )]
    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.root, args)
    }

    /// Runs git in the bare `origin`, asserts success and returns trimmed stdout.
    #[expect(
        clippy::must_use_candidate,
        reason = "run for its effect as often as its output"
    )]
    pub fn git_origin(&self, args: &[&str]) -> String {
        git_in(&self.origin, args)
    }

    /// Writes a file (relative to the workspace root), creating parent directories.
    pub fn write(&self, path: &str, contents: &str) {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a parent"))
            .expect("create parent dir");
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Reads a file relative to the workspace root.
    #[must_use]
    pub fn read(&self, path: &str) -> String {
        let path = self.root.join(path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Commits everything in the tree.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--no-gpg-sign", "-m", message]);
    }

    /// Every ref of the working repo and of `origin`, and the status of the working tree: what a
    /// read-only command must leave as it was.
    #[must_use]
    pub fn snapshot(&self) -> String {
        format!(
            "refs:\n{}\norigin refs:\n{}\nstatus:\n{}\nworktrees:\n{}",
            self.git(&["for-each-ref", "--format=%(refname) %(objectname)"]),
            self.git_origin(&["for-each-ref", "--format=%(refname) %(objectname)"]),
            self.git(&[
                "status",
                "--porcelain=v1",
                "--untracked-files=all",
                "--",
                ".",
                ":!target"
            ]),
            self.git(&["worktree", "list", "--porcelain"]),
        )
    }
}

impl Default for TestRepo {
    fn default() -> Self {
        TestRepo::new()
    }
}

/// Runs git in `dir` with the test environment; panics with stderr when it fails.
#[expect(
    clippy::must_use_candidate,
    reason = "run for its effect as often as its output"
)]
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .envs(GIT_ENV.iter().copied())
        .output()
        .expect("failed to run git");
    assert!(
        output.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("git printed UTF-8")
        .trim()
        .to_owned()
}

/// Copies a directory tree of regular files, skipping Python caches.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if name == "__pycache__" {
            continue;
        }
        let file_type = entry.file_type().expect("file type");
        if file_type.is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else if file_type.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).expect("copy file");
        }
    }
}
