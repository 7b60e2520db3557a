//! What earlier runs learnt about GitHub that a rerun must not lose: the id of the draft release
//! for a tag. GitHub's release listing can lag a create, and drafts are invisible to the by-tag
//! endpoint, so a rerun that only listed could miss the draft and make a second one. The ids live
//! in `target/pyship/github-drafts.json`, keyed by API base, repository and tag; the library
//! checks a recorded id against the tag before using it.
//! See: github-release.md §5 case 5, §6 step 3 ("reuse the draft recorded in the state file").

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

const FILE_NAME: &str = "github-drafts.json";
const SCHEMA_VERSION: u32 = 1;

/// Which draft: the GitHub instance, the repository and the tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DraftKey {
    /// The REST base URL (github.com or an Enterprise host).
    pub(crate) api: String,
    /// `owner/name`.
    pub(crate) repository: String,
    /// Tag name.
    pub(crate) tag: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    #[serde(flatten)]
    key: DraftKey,
    release_id: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Document {
    schema_version: u32,
    drafts: Vec<Entry>,
}

/// The file the ids are kept in, inside pyship's state directory.
pub(crate) fn path(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

fn load(state_dir: &Path) -> anyhow::Result<Vec<Entry>> {
    let path = path(state_dir);
    let text = match fs_err::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    let document: Document = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not a pyship draft record", path.display()))?;
    if document.schema_version != SCHEMA_VERSION {
        anyhow::bail!(
            "`{}` has schema version {}, expected {SCHEMA_VERSION}",
            path.display(),
            document.schema_version
        );
    }
    Ok(document.drafts)
}

fn store(state_dir: &Path, drafts: Vec<Entry>) -> anyhow::Result<()> {
    let path = path(state_dir);
    fs_err::create_dir_all(state_dir)?;
    let document = Document {
        schema_version: SCHEMA_VERSION,
        drafts,
    };
    let text = serde_json::to_string_pretty(&document).expect("the record always serialises");
    // Write then rename, so an interrupted run never leaves half a record behind.
    let temp = path.with_extension("json.tmp");
    fs_err::write(&temp, text)?;
    fs_err::rename(&temp, &path)?;
    Ok(())
}

/// The draft id recorded for `key`, if any.
pub(crate) fn recorded(state_dir: &Path, key: &DraftKey) -> anyhow::Result<Option<u64>> {
    Ok(load(state_dir)?
        .into_iter()
        .find(|entry| entry.key == *key)
        .map(|entry| entry.release_id))
}

/// Records `release_id` as the draft for `key`, replacing an older record.
pub(crate) fn record(state_dir: &Path, key: &DraftKey, release_id: u64) -> anyhow::Result<()> {
    let mut drafts = load(state_dir)?;
    if drafts
        .iter()
        .any(|entry| entry.key == *key && entry.release_id == release_id)
    {
        return Ok(());
    }
    drafts.retain(|entry| entry.key != *key);
    drafts.push(Entry {
        key: key.clone(),
        release_id,
    });
    store(state_dir, drafts)
}

/// Drops the record for `key` (no draft exists for it any more).
pub(crate) fn forget(state_dir: &Path, key: &DraftKey) -> anyhow::Result<()> {
    let mut drafts = load(state_dir)?;
    let before = drafts.len();
    drafts.retain(|entry| entry.key != *key);
    if drafts.len() == before {
        return Ok(());
    }
    store(state_dir, drafts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tag: &str) -> DraftKey {
        DraftKey {
            api: "https://api.github.com/".to_owned(),
            repository: "octo/demo".to_owned(),
            tag: tag.to_owned(),
        }
    }

    #[test]
    fn ok_record_replace_and_forget_per_tag() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(recorded(dir.path(), &key("v1.0.0")).unwrap(), None);
        record(dir.path(), &key("v1.0.0"), 7).unwrap();
        record(dir.path(), &key("v2.0.0"), 8).unwrap();
        record(dir.path(), &key("v1.0.0"), 9).unwrap();
        assert_eq!(recorded(dir.path(), &key("v1.0.0")).unwrap(), Some(9));
        assert_eq!(recorded(dir.path(), &key("v2.0.0")).unwrap(), Some(8));
        let mut other_repo = key("v1.0.0");
        other_repo.repository = "octo/other".to_owned();
        assert_eq!(recorded(dir.path(), &other_repo).unwrap(), None);
        forget(dir.path(), &key("v1.0.0")).unwrap();
        assert_eq!(recorded(dir.path(), &key("v1.0.0")).unwrap(), None);
        assert_eq!(recorded(dir.path(), &key("v2.0.0")).unwrap(), Some(8));
        assert!(!dir.path().join("github-drafts.json.tmp").exists());
    }

    #[test]
    fn err_corrupt_record_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(path(dir.path()), "{not json").unwrap();
        let message = format!("{:#}", recorded(dir.path(), &key("v1.0.0")).unwrap_err());
        assert!(message.contains("github-drafts.json"), "{message}");
    }
}
