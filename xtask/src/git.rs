//! Read-only git queries for the gates, and the temporary worktree a version change is built in.
//! Everything goes through the `git` CLI via `cmd::Cmd`; nothing here changes the user's refs,
//! index or working tree.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tempfile::TempDir;

use crate::cmd::Cmd;

/// The branch `HEAD` is on, or `None` when `HEAD` is detached.
pub(crate) fn current_branch(root: &Path) -> anyhow::Result<Option<String>> {
    let output = Cmd::git(root)
        .args(["symbolic-ref", "--quiet", "--short", "HEAD"])
        .output()?;
    Ok(output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned()))
}

/// The commit `HEAD` points to.
pub(crate) fn head_sha(root: &Path) -> anyhow::Result<String> {
    Cmd::git(root)
        .args(["rev-parse", "--verify", "HEAD"])
        .read()
}

/// One line of `git status --porcelain`: the two status letters and the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusEntry {
    pub(crate) code: String,
    pub(crate) path: String,
}

/// Every changed, staged or untracked (not ignored) path, each untracked file listed on its own.
pub(crate) fn status(root: &Path) -> anyhow::Result<Vec<StatusEntry>> {
    let output = Cmd::git(root)
        .args(["status", "--porcelain=v1", "-z", "--untracked-files=all"])
        .run_captured()?;
    Ok(parse_status(&String::from_utf8_lossy(&output.stdout)))
}

/// Parses `--porcelain=v1 -z` output: `XY path\0`, with the source path of a rename or copy in
/// an extra field that is skipped.
fn parse_status(text: &str) -> Vec<StatusEntry> {
    let mut entries = Vec::new();
    let mut fields = text.split('\0').filter(|field| !field.is_empty());
    while let Some(field) = fields.next() {
        let code = field.get(..2).unwrap_or(field);
        let path = field.get(3..).unwrap_or_default();
        if code.starts_with('R') || code.starts_with('C') {
            fields.next();
        }
        entries.push(StatusEntry {
            code: code.to_owned(),
            path: path.to_owned(),
        });
    }
    entries
}

/// The URL of `remote`, or `None` when no such remote is configured.
pub(crate) fn remote_url(root: &Path, remote: &str) -> anyhow::Result<Option<String>> {
    let output = Cmd::git(root)
        .args(["remote", "get-url", remote])
        .output()?;
    Ok(output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned()))
}

/// The commit `branch` points to on `remote`, asked of the remote itself (`git ls-remote`), so
/// that no remote-tracking ref is updated. `None` when the remote has no such branch.
pub(crate) fn remote_branch_sha(
    root: &Path,
    remote: &str,
    branch: &str,
) -> anyhow::Result<Option<String>> {
    let refname = format!("refs/heads/{branch}");
    let listing = Cmd::git(root)
        .args(["ls-remote", "--heads", remote, &refname])
        .read()?;
    Ok(parse_ls_remote(&listing)
        .into_iter()
        .find(|(name, _)| *name == refname)
        .map(|(_, sha)| sha))
}

/// Tag names starting with `prefix` in the local repository.
pub(crate) fn local_tags(root: &Path, prefix: &str) -> anyhow::Result<Vec<String>> {
    let listing = Cmd::git(root)
        .args(["tag", "--list", &format!("{prefix}*")])
        .read()?;
    Ok(listing.lines().map(str::to_owned).collect())
}

/// Tag names starting with `prefix` on `remote`.
pub(crate) fn remote_tags(root: &Path, remote: &str, prefix: &str) -> anyhow::Result<Vec<String>> {
    let listing = Cmd::git(root)
        .args(["ls-remote", "--tags", "--refs", remote])
        .read()?;
    Ok(parse_ls_remote(&listing)
        .into_iter()
        .filter_map(|(name, _)| name.strip_prefix("refs/tags/").map(str::to_owned))
        .filter(|tag| tag.starts_with(prefix))
        .collect())
}

/// `(refname, sha)` pairs of `git ls-remote` output (`<sha>\t<refname>` per line).
fn parse_ls_remote(listing: &str) -> Vec<(String, String)> {
    listing
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(sha, name)| (name.to_owned(), sha.to_owned()))
        .collect()
}

/// The regular files (and symlinks) of `commit`'s tree below `dir`, as paths relative to `dir`
/// with the sha256 of their content: `git ls-tree` for the blobs, one `git cat-file --batch` for
/// their bytes. Submodules are left out.
pub(crate) fn tree_digests(dir: &Path, commit: &str) -> anyhow::Result<Vec<(String, [u8; 32])>> {
    use sha2::{Digest as _, Sha256};
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};

    // Without `--full-tree`, ls-tree lists the subtree of the current directory, relative to it.
    let listing = Cmd::git(dir).args(["ls-tree", "-r", "-z", commit]).read()?;
    let blobs: Vec<(String, String)> = listing
        .split('\0')
        .filter_map(|entry| {
            let (info, path) = entry.split_once('\t')?;
            let mut words = info.split(' ');
            let (_mode, kind, oid) = (words.next()?, words.next()?, words.next()?);
            (kind == "blob").then(|| (path.to_owned(), oid.to_owned()))
        })
        .collect();
    let cat = Cmd::git(dir).args(["cat-file", "--batch"]);
    let mut child = cat.spawn_piped()?;
    let mut stdin = child.stdin.take().context("git cat-file has no stdin")?;
    let mut request = String::with_capacity(blobs.len() * 65);
    for (_, oid) in &blobs {
        request.push_str(oid);
        request.push('\n');
    }
    // A writer thread: cat-file answers while it reads, so a full pipe must not block us.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut stdout = BufReader::new(child.stdout.take().context("git cat-file has no stdout")?);
    let mut files = Vec::with_capacity(blobs.len());
    let mut header = String::new();
    for (path, oid) in blobs {
        header.clear();
        stdout.read_line(&mut header)?;
        let size: u64 = header
            .trim_end()
            .strip_prefix(oid.as_str())
            .and_then(|rest| rest.strip_prefix(" blob "))
            .and_then(|size| size.parse().ok())
            .with_context(|| format!("{cat} answered `{}` for blob {oid}", header.trim_end()))?;
        let mut hasher = Sha256::new();
        let copied = std::io::copy(&mut (&mut stdout).take(size), &mut hasher)?;
        anyhow::ensure!(copied == size, "{cat} ended inside blob {oid} of `{path}`");
        let mut newline = [0u8; 1];
        stdout.read_exact(&mut newline)?;
        files.push((path, hasher.finalize().into()));
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("the writer to {cat} panicked"))??;
    let status = child.wait()?;
    anyhow::ensure!(status.success(), "{cat} failed ({status})");
    Ok(files)
}

/// A detached worktree of `HEAD` in a temporary directory, removed (with its administrative
/// files under `.git/worktrees`) when dropped, on success and on error alike.
#[derive(Debug)]
pub(crate) struct TempWorktree {
    repo: PathBuf,
    path: PathBuf,
    _dir: TempDir,
}

impl TempWorktree {
    /// Checks out `commit` into a fresh temporary directory.
    pub(crate) fn add(repo: &Path, commit: &str) -> anyhow::Result<TempWorktree> {
        let dir = tempfile::Builder::new()
            .prefix("pyship-worktree-")
            .tempdir()
            .context("failed to create a temporary directory for the worktree")?;
        let path = dir.path().join("src");
        Cmd::git(repo)
            .args(["worktree", "add", "--quiet", "--detach"])
            .arg(&path)
            .arg(commit)
            .run_captured()?;
        Ok(TempWorktree {
            repo: repo.to_owned(),
            path,
            _dir: dir,
        })
    }

    /// The worktree's root.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempWorktree {
    fn drop(&mut self) {
        let removed = Cmd::git(&self.repo)
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .run_captured();
        if removed.is_err() {
            // The directory goes with the TempDir; prune then drops git's record of it.
            let _ = Cmd::git(&self.repo)
                .args(["worktree", "prune"])
                .run_captured();
        }
    }
}

/// `owner/repo` when `url` points at github.com (https or ssh form).
pub(crate) fn github_repo(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://github.com/")
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))
        .or_else(|| url.strip_prefix("git@github.com:"))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (owner, repo) = rest.split_once('/')?;
    (!owner.is_empty() && !repo.is_empty() && !repo.contains('/'))
        .then(|| format!("{owner}/{repo}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_parse_status_with_rename_and_spaces() {
        let text = " M a.txt\0R  new name.txt\0old.txt\0?? dist/x.whl\0";
        let entries = parse_status(text);
        let rendered: Vec<String> = entries
            .iter()
            .map(|entry| format!("{} {}", entry.code, entry.path))
            .collect();
        assert_eq!(rendered, [" M a.txt", "R  new name.txt", "?? dist/x.whl"]);
    }

    #[test]
    fn ok_github_repo_forms() {
        for url in [
            "https://github.com/pyship/pyship.git",
            "git@github.com:pyship/pyship.git",
            "ssh://git@github.com/pyship/pyship",
        ] {
            assert_eq!(github_repo(url).as_deref(), Some("pyship/pyship"), "{url}");
        }
        assert_eq!(github_repo("/tmp/origin.git"), None);
        assert_eq!(github_repo("https://gitlab.com/a/b"), None);
    }
}
