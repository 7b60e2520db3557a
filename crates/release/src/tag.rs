//! The release tag: read and dereference it through the API, create an annotated tag object and
//! its ref at the full commit SHA, or make the tag with local `git tag -a` and push it.
//!
//! An existing tag is accepted only when it dereferences to the verified commit (and, when the
//! caller knows which tag object it expects, is that object); otherwise nothing is created.
//! See: github-release.md §2 "Tag points to the right commit", §5 case 10 (cli/cli#9997).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::client::GitHubClient;
use crate::error::{HttpError, TagError};
use crate::model::{CommitSha, GitRef, TagObject};

/// What a tag name currently points at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TagState {
    /// No such tag.
    Absent,
    /// A lightweight tag: the ref points straight at a commit.
    Lightweight {
        /// The commit.
        commit: String,
    },
    /// An annotated tag: the ref points at a tag object, which leads to a commit.
    Annotated {
        /// The tag object the ref points at.
        tag_object: String,
        /// The commit it dereferences to.
        commit: String,
    },
}

impl TagState {
    /// The commit the tag dereferences to, if it exists.
    #[must_use]
    pub fn commit(&self) -> Option<&str> {
        match self {
            Self::Absent => None,
            Self::Lightweight { commit } | Self::Annotated { commit, .. } => Some(commit),
        }
    }

    /// The tag object, for annotated tags.
    #[must_use]
    pub fn tag_object(&self) -> Option<&str> {
        match self {
            Self::Annotated { tag_object, .. } => Some(tag_object),
            _ => None,
        }
    }
}

/// What to tag and how.
#[derive(Debug, Clone)]
pub struct TagRequest<'a> {
    /// Tag name, e.g. `v1.2.3`.
    pub tag: &'a str,
    /// The verified commit.
    pub commit: &'a CommitSha,
    /// Tag message.
    pub message: &'a str,
    /// The tag object an earlier run (or the local tag) made, when known: an existing tag must
    /// then be exactly that object.
    pub expected_tag_object: Option<&'a str>,
}

/// The tag after [`ensure_tag`] or [`check_tag`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagOutcome {
    /// Tag name.
    pub tag: String,
    /// Commit it dereferences to.
    pub commit: CommitSha,
    /// Tag object, when annotated.
    pub tag_object: Option<String>,
    /// Whether this run created it.
    pub created: bool,
}

/// Refuses tag names we would have to escape or that git treats specially.
pub fn validate_tag_name(tag: &str) -> Result<(), TagError> {
    let invalid = |reason| {
        Err(TagError::InvalidName {
            tag: tag.to_owned(),
            reason,
        })
    };
    if tag.is_empty() || tag.len() > 200 {
        return invalid("it must have 1 to 200 characters");
    }
    if !tag
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-+/".contains(&b))
    {
        return invalid("only ASCII letters, digits and `._-+/` are allowed");
    }
    if tag.starts_with(['-', '.', '/']) || tag.ends_with(['.', '/']) || has_lock_suffix(tag) {
        return invalid("it must not start with `-`, `.` or `/`, nor end with `.`, `/` or `.lock`");
    }
    if tag.contains("..") || tag.contains("//") || tag.contains("/.") {
        return invalid("it must not contain `..`, `//` or `/.`");
    }
    Ok(())
}

/// Git refuses ref names ending in `.lock`, in any case on case-insensitive file systems.
fn has_lock_suffix(tag: &str) -> bool {
    tag.len() >= 5 && tag[tag.len() - 5..].eq_ignore_ascii_case(".lock")
}

/// Reads the tag through the API and dereferences it to a commit.
pub fn read_tag(client: &GitHubClient, tag: &str) -> Result<TagState, TagError> {
    validate_tag_name(tag)?;
    let api = |source| TagError::Api {
        action: format!("read tag `{tag}`"),
        source,
    };
    let url = client
        .repo_url(&format!("git/ref/tags/{tag}"))
        .map_err(api)?;
    let reply = client.get(&url).map_err(api)?;
    if reply.status == 404 {
        return Ok(TagState::Absent);
    }
    let git_ref: GitRef = reply.expect(&[200]).and_then(|r| r.json()).map_err(api)?;
    match git_ref.object.kind.as_str() {
        "commit" => Ok(TagState::Lightweight {
            commit: git_ref.object.sha,
        }),
        "tag" => {
            let commit = dereference_tag_object(client, tag, &git_ref.object.sha)?;
            Ok(TagState::Annotated {
                tag_object: git_ref.object.sha,
                commit,
            })
        }
        other => Err(TagError::UnexpectedObject {
            tag: tag.to_owned(),
            kind: other.to_owned(),
            sha: git_ref.object.sha,
        }),
    }
}

/// Follows tag objects (which may point at other tag objects) down to a commit.
fn dereference_tag_object(
    client: &GitHubClient,
    tag: &str,
    tag_object: &str,
) -> Result<String, TagError> {
    let mut sha = tag_object.to_owned();
    for _ in 0..8 {
        let api = |source| TagError::Api {
            action: format!("read tag object `{sha}`"),
            source,
        };
        let url = client.repo_url(&format!("git/tags/{sha}")).map_err(api)?;
        let object: TagObject = client.get_json(&url).map_err(api)?;
        match object.object.kind.as_str() {
            "commit" => return Ok(object.object.sha),
            "tag" => sha = object.object.sha,
            other => {
                return Err(TagError::UnexpectedObject {
                    tag: tag.to_owned(),
                    kind: other.to_owned(),
                    sha: object.object.sha,
                });
            }
        }
    }
    Err(TagError::UnexpectedObject {
        tag: tag.to_owned(),
        kind: "tag chain".to_owned(),
        sha,
    })
}

/// How many tag objects [`tags_at_commit`] reads at most (one request each).
pub const MAX_TAG_OBJECT_READS: usize = 50;

/// Other tags that dereference to a commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagsAtCommit {
    /// Their names, sorted.
    pub tags: Vec<String>,
    /// How many annotated tags were not dereferenced because of [`MAX_TAG_OBJECT_READS`]; any
    /// of them may be on the commit too.
    pub unchecked: usize,
}

/// Every tag but `except` that dereferences to `commit`. Lightweight tags are judged from the
/// listing of `refs/tags`; annotated ones by reading their tag objects, those whose names share
/// the longest prefix with `except` first (release candidates of the same version), at most
/// [`MAX_TAG_OBJECT_READS`] of them.
/// See: github-release.md §1a (`git/matching-refs`), §5 case 11 (goreleaser#4134).
pub fn tags_at_commit(
    client: &GitHubClient,
    commit: &CommitSha,
    except: &str,
) -> Result<TagsAtCommit, TagError> {
    let api = |source| TagError::Api {
        action: "list the repository's tags".to_owned(),
        source,
    };
    // The prefix `tags` without a slash: the listing is filtered to `refs/tags/` below.
    let url = client.repo_url("git/matching-refs/tags").map_err(api)?;
    let refs: Vec<GitRef> = client.get_all(&url).map_err(api)?;
    let mut tags = Vec::new();
    let mut annotated = Vec::new();
    for git_ref in refs {
        let Some(name) = git_ref.name.strip_prefix("refs/tags/") else {
            continue;
        };
        if name == except {
            continue;
        }
        match git_ref.object.kind.as_str() {
            "commit" if git_ref.object.sha == commit.as_str() => tags.push(name.to_owned()),
            "tag" => annotated.push((name.to_owned(), git_ref.object.sha)),
            _ => {}
        }
    }
    let shared = |name: &str| {
        name.bytes()
            .zip(except.bytes())
            .take_while(|(a, b)| a == b)
            .count()
    };
    annotated.sort_by_key(|(name, _)| std::cmp::Reverse(shared(name)));
    let unchecked = annotated.len().saturating_sub(MAX_TAG_OBJECT_READS);
    for (name, tag_object) in annotated.into_iter().take(MAX_TAG_OBJECT_READS) {
        if dereference_tag_object(client, &name, &tag_object)? == commit.as_str() {
            tags.push(name);
        }
    }
    tags.sort();
    Ok(TagsAtCommit { tags, unchecked })
}

/// Checks that the tag exists and dereferences to `commit` (and is `expected_tag_object`, when
/// given). Used before creating anything and again after publishing.
pub fn check_tag(
    client: &GitHubClient,
    tag: &str,
    commit: &CommitSha,
    expected_tag_object: Option<&str>,
) -> Result<TagOutcome, TagError> {
    let state = read_tag(client, tag)?;
    let Some(found) = state.commit() else {
        return Err(TagError::PointsElsewhere {
            tag: tag.to_owned(),
            found: "<no tag>".to_owned(),
            expected: commit.clone(),
        });
    };
    judge_existing(tag, &state, found, commit, expected_tag_object)?;
    Ok(TagOutcome {
        tag: tag.to_owned(),
        commit: commit.clone(),
        tag_object: state.tag_object().map(str::to_owned),
        created: false,
    })
}

fn judge_existing(
    tag: &str,
    state: &TagState,
    found: &str,
    commit: &CommitSha,
    expected_tag_object: Option<&str>,
) -> Result<(), TagError> {
    if found != commit.as_str() {
        return Err(TagError::PointsElsewhere {
            tag: tag.to_owned(),
            found: found.to_owned(),
            expected: commit.clone(),
        });
    }
    match (expected_tag_object, state.tag_object()) {
        (Some(expected), found_object) if found_object != Some(expected) => {
            Err(TagError::TagObjectDiffers {
                tag: tag.to_owned(),
                found: found_object.unwrap_or("<lightweight tag>").to_owned(),
                expected: expected.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

/// Makes sure the annotated tag exists at `commit`: accepts a matching existing tag, refuses a
/// mismatching one, else creates the tag object and then `refs/tags/<tag>`.
#[tracing::instrument(skip_all, fields(tag = request.tag))]
pub fn ensure_tag(client: &GitHubClient, request: &TagRequest<'_>) -> Result<TagOutcome, TagError> {
    let tag = request.tag;
    // Step 1: an existing tag is judged, never moved.
    let state = read_tag(client, tag)?;
    if state != TagState::Absent {
        return check_tag(client, tag, request.commit, request.expected_tag_object);
    }

    // Step 2: the tag object. A lost answer only leaves an unreferenced object, so one retry
    // is harmless.
    let tag_object = create_tag_object(client, request)?;

    // Step 3: the ref. After 422 "Reference already exists" or a lost answer, read it back.
    let ref_url = client
        .repo_url("git/refs")
        .map_err(|source| TagError::Api {
            action: format!("create ref `refs/tags/{tag}`"),
            source,
        })?;
    let body = serde_json::json!({ "ref": format!("refs/tags/{tag}"), "sha": tag_object });
    let result = client
        .send_json("POST", &ref_url, &body)
        .and_then(|r| r.expect(&[201]));
    match result {
        Ok(_) => {}
        Err(error) if error.is_ambiguous() || error.status() == Some(422) => {
            tracing::warn!(tag, "creating the ref failed ambiguously; reading it back");
            let outcome = check_tag(client, tag, request.commit, Some(&tag_object))?;
            return Ok(TagOutcome {
                created: true,
                ..outcome
            });
        }
        Err(source) => {
            return Err(TagError::Api {
                action: format!("create ref `refs/tags/{tag}`"),
                source,
            });
        }
    }
    Ok(TagOutcome {
        tag: tag.to_owned(),
        commit: request.commit.clone(),
        tag_object: Some(tag_object),
        created: true,
    })
}

fn create_tag_object(client: &GitHubClient, request: &TagRequest<'_>) -> Result<String, TagError> {
    let api = |source| TagError::Api {
        action: format!("create tag object `{}`", request.tag),
        source,
    };
    let url = client.repo_url("git/tags").map_err(api)?;
    let body = serde_json::json!({
        "tag": request.tag,
        "message": request.message,
        "object": request.commit.as_str(),
        "type": "commit",
    });
    let send = || -> Result<TagObject, HttpError> {
        client
            .send_json("POST", &url, &body)?
            .expect(&[201])?
            .json()
    };
    let object = match send() {
        Err(error) if error.is_ambiguous() => send(),
        other => other,
    }
    .map_err(api)?;
    if object.object.sha != request.commit.as_str() {
        return Err(TagError::PointsElsewhere {
            tag: request.tag.to_owned(),
            found: object.object.sha,
            expected: request.commit.clone(),
        });
    }
    Ok(object.sha)
}

/// How to sign a locally made tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagSigning {
    /// Plain annotated tag (`git tag -a`).
    Unsigned,
    /// Signed with git's configured key (`git tag -s`).
    DefaultKey,
    /// Signed with this key id (`git tag -u <key>`).
    Key(String),
}

/// A tag made with the local git and pushed to a remote.
#[derive(Debug, Clone)]
pub struct LocalTagRequest<'a> {
    /// Repository working directory.
    pub repo_dir: &'a Path,
    /// Remote name or URL to push to.
    pub remote: &'a str,
    /// Tag name.
    pub tag: &'a str,
    /// The verified commit.
    pub commit: &'a CommitSha,
    /// Tag message.
    pub message: &'a str,
    /// Signing.
    pub signing: TagSigning,
}

/// Makes the annotated tag locally (or accepts a matching one), then makes sure the remote has
/// exactly that tag object: pushes when the remote lacks it, refuses when it differs.
#[tracing::instrument(skip_all, fields(tag = request.tag))]
pub fn ensure_local_tag(request: &LocalTagRequest<'_>) -> Result<TagOutcome, TagError> {
    let tag = request.tag;
    validate_tag_name(tag)?;
    let git = Git {
        dir: request.repo_dir.to_path_buf(),
    };
    let full_ref = format!("refs/tags/{tag}");

    // Step 1: the local tag.
    let mut created = false;
    let local = if let Some(state) = git.local_tag(&full_ref)? {
        state
    } else {
        git.create_tag(request)?;
        created = true;
        git.local_tag(&full_ref)?
            .ok_or_else(|| TagError::GitFailed {
                command: format!("for-each-ref {full_ref}"),
                dir: git.dir.clone(),
                status: "success".to_owned(),
                stderr: "the tag just created is missing".to_owned(),
            })?
    };
    let local_commit = local.commit().unwrap_or_default().to_owned();
    judge_existing(tag, &local, &local_commit, request.commit, None)?;
    let local_object = local.tag_object().map(str::to_owned);

    // Step 2: the remote tag must be the same object; push only when it is absent.
    let remote = git.remote_tag(request.remote, &full_ref)?;
    if remote == TagState::Absent {
        git.run(&[
            "push",
            "--quiet",
            request.remote,
            &format!("{full_ref}:{full_ref}"),
        ])?;
        created = true;
    }
    let remote = git.remote_tag(request.remote, &full_ref)?;
    let remote_commit = remote.commit().unwrap_or("<no tag>").to_owned();
    judge_existing(
        tag,
        &remote,
        &remote_commit,
        request.commit,
        local_object.as_deref(),
    )?;
    Ok(TagOutcome {
        tag: tag.to_owned(),
        commit: request.commit.clone(),
        tag_object: local_object,
        created,
    })
}

/// Runs the git CLI in one directory. No secret ever goes on its argv.
struct Git {
    dir: PathBuf,
}

impl Git {
    fn run(&self, args: &[&str]) -> Result<String, TagError> {
        let command = args.join(" ");
        let output = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .map_err(|source| TagError::GitSpawn {
                command: command.clone(),
                dir: self.dir.clone(),
                source,
            })?;
        if !output.status.success() {
            return Err(TagError::GitFailed {
                command,
                dir: self.dir.clone(),
                status: output.status.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr)
                    .trim()
                    .chars()
                    .take(2000)
                    .collect(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn local_tag(&self, full_ref: &str) -> Result<Option<TagState>, TagError> {
        let listed = self.run(&[
            "for-each-ref",
            "--format=%(objectname) %(objecttype)",
            full_ref,
        ])?;
        let Some((object, kind)) = listed.split_once(' ') else {
            return Ok(None);
        };
        let commit = self.run(&["rev-parse", "--verify", &format!("{full_ref}^{{commit}}")])?;
        Ok(Some(match kind {
            "tag" => TagState::Annotated {
                tag_object: object.to_owned(),
                commit,
            },
            _ => TagState::Lightweight { commit },
        }))
    }

    fn create_tag(&self, request: &LocalTagRequest<'_>) -> Result<(), TagError> {
        let mut args = vec!["tag"];
        match &request.signing {
            TagSigning::Unsigned => args.push("-a"),
            TagSigning::DefaultKey => args.push("-s"),
            TagSigning::Key(key) => args.extend(["-u", key.as_str()]),
        }
        args.extend(["-m", request.message, request.tag, request.commit.as_str()]);
        self.run(&args).map(drop)
    }

    /// The remote's tag: `ls-remote` shows the ref's object and, for annotated tags, the peeled
    /// commit on a `^{}` line.
    fn remote_tag(&self, remote: &str, full_ref: &str) -> Result<TagState, TagError> {
        let peeled_ref = format!("{full_ref}^{{}}");
        let listed = self.run(&["ls-remote", remote, full_ref, &peeled_ref])?;
        let mut object = None;
        let mut peeled = None;
        for line in listed.lines() {
            match line.split_once('\t') {
                Some((sha, name)) if name == full_ref => object = Some(sha.to_owned()),
                Some((sha, name)) if name == peeled_ref => peeled = Some(sha.to_owned()),
                _ => {}
            }
        }
        Ok(match (object, peeled) {
            (None, _) => TagState::Absent,
            (Some(commit), None) => TagState::Lightweight { commit },
            (Some(tag_object), Some(commit)) => TagState::Annotated { tag_object, commit },
        })
    }
}
