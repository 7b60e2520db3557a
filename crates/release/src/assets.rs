//! Release assets: local files described (name, size, sha256, media type), uploaded one at a
//! time as streams, and proven identical on GitHub by its `digest` (or, when GitHub has none,
//! by downloading and hashing).
//!
//! No mutating call is blindly repeated: after a 5xx, a timeout or 422 `already_exists` the
//! asset list is read first. A `starter` leftover is deleted and uploaded again; an identical
//! asset is accepted; different bytes are a hard error showing both digests. A verified asset is
//! never deleted before its replacement is uploaded and verified.
//! See: github-release.md §1c, §5 cases 1, 2, 4, 8; field-failures.md C26, C28, C31.

use std::fmt::Write as _;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use crate::client::{GitHubClient, Payload};
use crate::error::{AssetError, HttpError};
use crate::model::{Asset, Release};

/// How often one asset may be posted before we give up.
const MAX_UPLOAD_ATTEMPTS: u32 = 3;

/// Where an asset's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetSource {
    /// A file, streamed from disk for every attempt.
    File(PathBuf),
    /// Small generated content such as `SHA256SUMS`.
    Bytes(Arc<[u8]>),
}

/// A local asset, hashed once before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAsset {
    /// Name on the release.
    pub name: String,
    /// The bytes.
    pub source: AssetSource,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex sha256.
    pub sha256: String,
    /// Media type sent as `Content-Type`.
    pub content_type: &'static str,
}

impl LocalAsset {
    /// Describes a file; its name on the release is its file name.
    pub fn from_file(path: &Path) -> Result<Self, AssetError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        validate_asset_name(&name)?;
        let read_error = |source| AssetError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = fs_err::File::open(path).map_err(read_error)?;
        let (sha256, size) = hash_reader(file).map_err(read_error)?;
        Ok(Self {
            content_type: content_type_for(&name),
            name,
            source: AssetSource::File(path.to_path_buf()),
            size,
            sha256,
        })
    }

    /// Describes generated content.
    pub fn from_bytes(name: &str, bytes: impl Into<Arc<[u8]>>) -> Result<Self, AssetError> {
        validate_asset_name(name)?;
        let bytes: Arc<[u8]> = bytes.into();
        let (sha256, size) = hash_reader(&bytes[..]).expect("reading memory cannot fail");
        Ok(Self {
            name: name.to_owned(),
            source: AssetSource::Bytes(bytes),
            size,
            sha256,
            content_type: content_type_for(name),
        })
    }

    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        match &self.source {
            AssetSource::File(path) => Ok(Box::new(fs_err::File::open(path)?)),
            AssetSource::Bytes(bytes) => Ok(Box::new(io::Cursor::new(Arc::clone(bytes)))),
        }
    }
}

/// `SHA256SUMS` for `assets`, in the `sha256sum` format, sorted by name.
pub fn sha256sums_asset(assets: &[LocalAsset]) -> Result<LocalAsset, AssetError> {
    let mut lines: Vec<String> = assets
        .iter()
        .map(|asset| format!("{}  {}\n", asset.sha256, asset.name))
        .collect();
    lines.sort_by(|a, b| a.get(66..).cmp(&b.get(66..)));
    LocalAsset::from_bytes("SHA256SUMS", lines.concat().into_bytes())
}

/// Refuses names GitHub would rename (anything but ASCII letters, digits, `.`, `-`, `_`, and
/// leading or trailing dots), so the name on the release is exactly the local name.
/// See: github-release.md §1c "Notes on upload" (GitHub renames special characters).
pub fn validate_asset_name(name: &str) -> Result<(), AssetError> {
    let invalid = |reason| {
        Err(AssetError::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() || name.len() > 255 {
        return invalid("it must have 1 to 255 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return invalid(
            "GitHub renames names with characters other than ASCII letters, digits, `.`, `-` and `_`",
        );
    }
    if name.starts_with('.') || name.ends_with('.') {
        return invalid("GitHub renames names with a leading or trailing `.`");
    }
    Ok(())
}

/// The media type for an asset name, from its extension.
#[must_use]
pub fn content_type_for(name: &str) -> &'static str {
    const TYPES: [(&str, &str); 12] = [
        (".whl", "application/zip"),
        (".zip", "application/zip"),
        (".tar.gz", "application/gzip"),
        (".tgz", "application/gzip"),
        (".gz", "application/gzip"),
        (".json", "application/json"),
        (".jsonl", "application/jsonl"),
        (".asc", "application/pgp-signature"),
        (".md", "text/markdown; charset=utf-8"),
        (".txt", "text/plain; charset=utf-8"),
        (".sig", "application/octet-stream"),
        ("SHA256SUMS", "text/plain; charset=utf-8"),
    ];
    TYPES
        .iter()
        .find(|(suffix, _)| name.ends_with(suffix))
        .map_or("application/octet-stream", |(_, media_type)| media_type)
}

fn hash_reader(mut reader: impl Read) -> io::Result<(String, u64)> {
    let mut hasher = HashingWriter::default();
    let size = io::copy(&mut reader, &mut hasher)?;
    Ok((hasher.hex(), size))
}

/// A sink that hashes what is written to it, so downloads never sit in memory.
#[derive(Default)]
pub(crate) struct HashingWriter(Sha256);

impl HashingWriter {
    pub(crate) fn hex(self) -> String {
        self.0
            .finalize()
            .iter()
            .fold(String::with_capacity(64), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            })
    }
}

impl io::Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether a different asset with the same name may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacePolicy {
    /// A different asset is a hard error.
    Refuse,
    /// In a draft, upload the replacement under a temporary name, verify it, then delete the
    /// old asset and rename the new one.
    ReplaceInDraft,
}

/// What happened to one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetAction {
    /// Uploaded by this run.
    Uploaded,
    /// Already on the release with identical bytes; nothing sent.
    AlreadyPresent,
    /// A broken leftover (`starter`, `open`) was deleted and the asset uploaded.
    ReplacedBroken,
    /// Different bytes were replaced (only with [`ReplacePolicy::ReplaceInDraft`]).
    Replaced,
}

/// How identity with the local file was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifiedBy {
    /// GitHub's `digest` equals the local sha256.
    Digest,
    /// GitHub had no digest; the downloaded bytes hash to the local sha256.
    Download,
}

/// One asset after [`upload_assets`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssetOutcome {
    /// Name.
    pub name: String,
    /// GitHub's view of it.
    pub asset: Asset,
    /// What was done.
    pub action: AssetAction,
    /// How it was verified.
    pub verified_by: VerifiedBy,
}

/// Uploads `assets` into the draft `release` one after another and verifies each.
#[tracing::instrument(skip_all, fields(release = release.id, n_assets = assets.len()))]
pub fn upload_assets(
    client: &GitHubClient,
    release: &Release,
    assets: &[LocalAsset],
    policy: ReplacePolicy,
) -> Result<Vec<AssetOutcome>, AssetError> {
    let mut names = std::collections::BTreeSet::new();
    for asset in assets {
        validate_asset_name(&asset.name)?;
        if !names.insert(asset.name.as_str()) {
            return Err(AssetError::DuplicateName {
                name: asset.name.clone(),
            });
        }
    }
    assets
        .iter()
        .map(|local| sync_asset(client, release, local, policy))
        .collect()
}

fn sync_asset(
    client: &GitHubClient,
    release: &Release,
    local: &LocalAsset,
    policy: ReplacePolicy,
) -> Result<AssetOutcome, AssetError> {
    if !release.draft {
        return Err(AssetError::ReleasePublished {
            release_id: release.id,
            name: local.name.clone(),
        });
    }
    let Some(remote) = find_remote(client, release.id, &local.name)? else {
        return upload_fresh(client, release.id, local, &local.name);
    };
    match judge(client, local, &remote)? {
        Judgement::Identical(verified_by) => Ok(AssetOutcome {
            name: local.name.clone(),
            asset: remote,
            action: AssetAction::AlreadyPresent,
            verified_by,
        }),
        Judgement::Broken => {
            delete_asset(client, &remote)?;
            let outcome = upload_fresh(client, release.id, local, &local.name)?;
            Ok(AssetOutcome {
                action: AssetAction::ReplacedBroken,
                ..outcome
            })
        }
        Judgement::Different(remote_sha) => match policy {
            ReplacePolicy::Refuse => Err(AssetError::ExistsDifferent {
                name: local.name.clone(),
                local: local.sha256.clone(),
                remote: remote_sha,
            }),
            ReplacePolicy::ReplaceInDraft => replace_verified(client, release.id, local, &remote),
        },
    }
}

/// Upload under a temporary name, verify, then delete the old asset and rename the new one.
/// See: cli/cli#8822 (delete-then-upload loses the asset when the upload fails).
fn replace_verified(
    client: &GitHubClient,
    release_id: u64,
    local: &LocalAsset,
    old: &Asset,
) -> Result<AssetOutcome, AssetError> {
    let temp_name = format!("{}.replacement", local.name);
    if let Some(stale) = find_remote(client, release_id, &temp_name)? {
        delete_asset(client, &stale)?;
    }
    let staged = upload_fresh(client, release_id, local, &temp_name)?;
    delete_asset(client, old)?;
    let api = |source| AssetError::Api {
        action: format!("rename asset `{temp_name}` to `{}`", local.name),
        source,
    };
    let url = client
        .repo_url(&format!("releases/assets/{}", staged.asset.id))
        .map_err(api)?;
    let body = serde_json::json!({ "name": local.name });
    let renamed: Asset = client
        .send_json("PATCH", &url, &body)
        .and_then(|r| r.expect(&[200])?.json())
        .map_err(api)?;
    let verified_by = verify_uploaded(client, local, &renamed)?;
    Ok(AssetOutcome {
        name: local.name.clone(),
        asset: renamed,
        action: AssetAction::Replaced,
        verified_by,
    })
}

fn upload_fresh(
    client: &GitHubClient,
    release_id: u64,
    local: &LocalAsset,
    upload_name: &str,
) -> Result<AssetOutcome, AssetError> {
    let outcome = |asset: Asset, verified_by| AssetOutcome {
        name: local.name.clone(),
        asset,
        action: AssetAction::Uploaded,
        verified_by,
    };
    let mut last_error = None;
    for attempt in 1..=MAX_UPLOAD_ATTEMPTS {
        let error = match post_asset(client, release_id, local, upload_name) {
            Ok(asset) => {
                let verified_by = verify_uploaded(client, local, &asset)?;
                return Ok(outcome(asset, verified_by));
            }
            Err(error) if error.is_ambiguous() || error.has_code("already_exists") => error,
            Err(source) => {
                return Err(AssetError::Api {
                    action: format!("upload `{upload_name}`"),
                    source,
                });
            }
        };
        tracing::warn!(
            name = upload_name,
            attempt,
            "upload failed ambiguously; listing assets"
        );
        if let Some(remote) = find_remote(client, release_id, upload_name)? {
            match judge(client, local, &remote)? {
                Judgement::Identical(verified_by) => return Ok(outcome(remote, verified_by)),
                Judgement::Broken => delete_asset(client, &remote)?,
                Judgement::Different(remote_sha) => {
                    return Err(AssetError::DigestMismatch {
                        name: upload_name.to_owned(),
                        local: local.sha256.clone(),
                        remote: remote_sha,
                    });
                }
            }
        }
        last_error = Some(error);
    }
    Err(AssetError::GaveUp {
        name: upload_name.to_owned(),
        attempts: MAX_UPLOAD_ATTEMPTS,
        source: last_error.expect("the loop ran at least once"),
    })
}

fn post_asset(
    client: &GitHubClient,
    release_id: u64,
    local: &LocalAsset,
    upload_name: &str,
) -> Result<Asset, HttpError> {
    let mut url = client.upload_url(&format!("releases/{release_id}/assets"))?;
    url.query_pairs_mut().append_pair("name", upload_name);
    let open = || local.open();
    let payload = Payload::Stream {
        open: &open,
        len: local.size,
        content_type: local.content_type,
    };
    client
        .send("POST", &url, &payload, "application/vnd.github+json")?
        .expect(&[201])?
        .json()
}

/// The verdict on an asset GitHub holds under the local asset's name.
enum Judgement {
    Identical(VerifiedBy),
    /// Not `uploaded`: a leftover of an interrupted upload, safe to delete.
    Broken,
    /// Complete, with this other sha256.
    Different(String),
}

fn judge(
    client: &GitHubClient,
    local: &LocalAsset,
    remote: &Asset,
) -> Result<Judgement, AssetError> {
    if remote.state != "uploaded" {
        return Ok(Judgement::Broken);
    }
    let remote_sha = remote_sha256(client, remote)?;
    if remote_sha.0 != local.sha256 {
        return Ok(Judgement::Different(remote_sha.0));
    }
    if remote.size != local.size {
        return Err(AssetError::SizeMismatch {
            name: local.name.clone(),
            local: local.size,
            remote: remote.size,
        });
    }
    Ok(Judgement::Identical(remote_sha.1))
}

/// Checks an asset this run just uploaded.
fn verify_uploaded(
    client: &GitHubClient,
    local: &LocalAsset,
    asset: &Asset,
) -> Result<VerifiedBy, AssetError> {
    match judge(client, local, asset)? {
        Judgement::Identical(verified_by) => Ok(verified_by),
        Judgement::Broken => Err(AssetError::NotUploaded {
            name: asset.name.clone(),
            state: asset.state.clone(),
        }),
        Judgement::Different(remote) => Err(AssetError::DigestMismatch {
            name: asset.name.clone(),
            local: local.sha256.clone(),
            remote,
        }),
    }
}

/// GitHub's sha256 for the asset: its `digest`, re-read once when null, else the hash of a
/// download through the asset API.
/// See: github-release.md §1c (`digest` nullable; "treat null as not yet known and re-GET").
fn remote_sha256(client: &GitHubClient, asset: &Asset) -> Result<(String, VerifiedBy), AssetError> {
    if let Some(sha) = asset.sha256() {
        return Ok((sha.to_owned(), VerifiedBy::Digest));
    }
    let api = |source| AssetError::Api {
        action: format!("read asset `{}`", asset.name),
        source,
    };
    let url = client
        .repo_url(&format!("releases/assets/{}", asset.id))
        .map_err(api)?;
    let fresh: Asset = client.get_json(&url).map_err(api)?;
    if let Some(sha) = fresh.sha256() {
        return Ok((sha.to_owned(), VerifiedBy::Digest));
    }
    Ok((download_sha256(client, asset)?, VerifiedBy::Download))
}

/// Downloads an asset through the authenticated asset API and hashes it.
pub(crate) fn download_sha256(client: &GitHubClient, asset: &Asset) -> Result<String, AssetError> {
    let api = |source| AssetError::Api {
        action: format!("download asset `{}`", asset.name),
        source,
    };
    let url = client
        .repo_url(&format!("releases/assets/{}", asset.id))
        .map_err(api)?;
    let mut sink = HashingWriter::default();
    client.download(&url, &mut sink).map_err(api)?;
    Ok(sink.hex())
}

/// Every asset of a release (all pages).
pub fn list_assets(client: &GitHubClient, release_id: u64) -> Result<Vec<Asset>, AssetError> {
    let api = |source| AssetError::Api {
        action: format!("list assets of release {release_id}"),
        source,
    };
    let url = client
        .repo_url(&format!("releases/{release_id}/assets"))
        .map_err(api)?;
    client.get_all(&url).map_err(api)
}

fn find_remote(
    client: &GitHubClient,
    release_id: u64,
    name: &str,
) -> Result<Option<Asset>, AssetError> {
    Ok(list_assets(client, release_id)?
        .into_iter()
        .find(|asset| asset.name == name))
}

fn delete_asset(client: &GitHubClient, asset: &Asset) -> Result<(), AssetError> {
    let api = |source| AssetError::Api {
        action: format!("delete asset `{}`", asset.name),
        source,
    };
    let url = client
        .repo_url(&format!("releases/assets/{}", asset.id))
        .map_err(api)?;
    let reply = client.send(
        "DELETE",
        &url,
        &Payload::Empty,
        "application/vnd.github+json",
    );
    match reply.and_then(|r| r.expect(&[204, 404])) {
        Ok(_) => Ok(()),
        // A lost answer: the asset is gone or will be listed again on the next check.
        Err(error) if error.is_ambiguous() => Ok(()),
        Err(source) => Err(api(source)),
    }
}
