//! PEP 740 publish attestations that sit next to a distribution as
//! `<filename>.publish.attestation` (the name gh-action-pypi-publish and `pypi-attestations sign`
//! write). An attestation is sent with its file only after its in-toto statement is shown to be
//! about exactly that file: the subject's name is the file name and its sha256 the local sha256.
//! A batch is all-or-nothing: either every file has an attestation or none does, decided before
//! the first upload. Signatures are not checked here; the index verifies them.
//!
//! See: pypi-upload.md sections 1.9 and 7 items 10 and 11; PEP 740.

use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::artifact::LocalArtifact;
use crate::error::PublishError;

/// The suffix of an attestation file next to its distribution.
pub const SUFFIX: &str = ".publish.attestation";

/// Attestations are small JSON documents; anything larger is not one.
const MAX_BYTES: u64 = 1024 * 1024;

/// An attestation checked against its distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// Where it was read from.
    pub path: PathBuf,
    /// The attestation object, as compact JSON (the form field carries a list of these).
    pub json: String,
}

/// The attestation file that belongs to `artifact`.
#[must_use]
pub fn attestation_path(artifact: &LocalArtifact) -> PathBuf {
    let mut name = artifact.filename.clone();
    name.push_str(SUFFIX);
    artifact
        .path
        .parent()
        .map_or_else(|| PathBuf::from(&name), |dir| dir.join(&name))
}

/// Reads and checks the attestation next to `artifact`; `None` when there is none.
pub fn find_attestation(artifact: &LocalArtifact) -> Result<Option<Attestation>, PublishError> {
    let path = attestation_path(artifact);
    if !path.exists() {
        return Ok(None);
    }
    let invalid = |reason: String| PublishError::Attestation {
        filename: artifact.filename.clone(),
        path: path.clone(),
        reason,
    };
    let value = read_json(&path).map_err(invalid)?;
    let subject = subject_digest(&value, &artifact.filename).map_err(invalid)?;
    if subject != artifact.digests.sha256 {
        return Err(invalid(format!(
            "it attests sha256 {subject}, but the file's sha256 is {}; regenerate it for these bytes",
            artifact.digests.sha256
        )));
    }
    Ok(Some(Attestation {
        json: value.to_string(),
        path,
    }))
}

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let size = std::fs::metadata(path)
        .map_err(|err| format!("cannot read it: {err}"))?
        .len();
    if size > MAX_BYTES {
        return Err(format!(
            "it is {size} bytes; expected a JSON attestation under {MAX_BYTES}"
        ));
    }
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read it: {err}"))?;
    serde_json::from_slice(&bytes).map_err(|err| format!("it is not JSON: {err}"))
}

/// The sha256 the statement attests for `filename`.
fn subject_digest(value: &serde_json::Value, filename: &str) -> Result<String, String> {
    let statement = value
        .pointer("/envelope/statement")
        .and_then(serde_json::Value::as_str)
        .ok_or("it has no `envelope.statement`")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(statement)
        .map_err(|_| "its `envelope.statement` is not base64".to_owned())?;
    let statement: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| "its `envelope.statement` is not a JSON in-toto statement".to_owned())?;
    let subjects = statement
        .get("subject")
        .and_then(serde_json::Value::as_array)
        .ok_or("its statement has no `subject` list")?;
    let subject = subjects
        .iter()
        .find(|subject| subject.get("name").and_then(serde_json::Value::as_str) == Some(filename))
        .ok_or_else(|| format!("its statement has no subject named `{filename}`"))?;
    subject
        .pointer("/digest/sha256")
        .and_then(serde_json::Value::as_str)
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| format!("its subject `{filename}` has no sha256 digest"))
}

/// Checks every attestation of the batch and the all-or-nothing rule, before anything is sent.
pub fn check_attestations(
    artifacts: &[LocalArtifact],
) -> Result<Vec<Option<Attestation>>, PublishError> {
    let found = artifacts
        .iter()
        .map(find_attestation)
        .collect::<Result<Vec<_>, _>>()?;
    let missing: Vec<String> = artifacts
        .iter()
        .zip(&found)
        .filter(|(_, attestation)| attestation.is_none())
        .map(|(artifact, _)| artifact.filename.clone())
        .collect();
    if !missing.is_empty() && missing.len() < artifacts.len() {
        return Err(PublishError::AttestationsIncomplete { missing });
    }
    Ok(found)
}
