//! A local artifact as the upload needs it: its on-disk file name, size, digests and the core
//! metadata read out of it (METADATA for wheels, PKG-INFO for sdists), bytes and parsed fields.
//!
//! Verification already happened upstream (pyship-verify); this module only reads. The archive
//! readers here are the `zip` and `tar` crates, which is fine because no verdict rests on them.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use pyship_verify::Digests;
use pyship_verify::metadata::CoreMetadata;
use sha2::{Digest as _, Sha256};

use crate::error::PrepareError;

/// Wheel or sdist, as the upload form's `filetype` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DistKind {
    /// A `.whl` file: `bdist_wheel`.
    Wheel,
    /// A `.tar.gz` file: `sdist`.
    Sdist,
}

impl DistKind {
    /// The `filetype` form value.
    #[must_use]
    pub fn filetype(self) -> &'static str {
        match self {
            DistKind::Wheel => "bdist_wheel",
            DistKind::Sdist => "sdist",
        }
    }
}

/// Everything the upload and the post-upload check need to know about one local file.
#[derive(Debug, Clone)]
pub struct LocalArtifact {
    /// Where the file is.
    pub path: PathBuf,
    /// The file name exactly as on disk: PyPI derives the dist-info directory from it.
    ///
    /// See: pypi-upload.md section 7 item 5 (uv#8030).
    pub filename: String,
    /// Wheel or sdist.
    pub kind: DistKind,
    /// Size in bytes.
    pub size: u64,
    /// sha256 and blake2b-256 of the whole file.
    pub digests: Digests,
    /// The core metadata member's path inside the archive.
    pub metadata_member: String,
    /// The core metadata bytes, exactly as stored.
    pub metadata_bytes: Vec<u8>,
    /// sha256 of `metadata_bytes` (what PyPI serves as the wheel's `core-metadata` hash).
    pub metadata_sha256: String,
    /// The parsed core metadata.
    pub metadata: CoreMetadata,
    /// The `pyversion` form value: the wheel file name's python tag group, `source` for sdists.
    pub pyversion: String,
}

impl LocalArtifact {
    /// The `Name` field as written in the core metadata.
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata.name().unwrap_or_default()
    }

    /// The `Version` field as written in the core metadata.
    #[must_use]
    pub fn version(&self) -> &str {
        self.metadata.version().unwrap_or_default()
    }
}

/// Reads an artifact from disk: digests in one streaming pass, then the core metadata member.
pub fn read_artifact(path: &Path) -> Result<LocalArtifact, PrepareError> {
    let filename = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| PrepareError::FileName {
            path: path.to_owned(),
        })?
        .to_owned();
    // Exact, case-sensitive suffixes: PyPI accepts only these spellings.
    let kind = if has_suffix(&filename, ".whl") {
        DistKind::Wheel
    } else if has_suffix(&filename, ".tar.gz") {
        DistKind::Sdist
    } else {
        return Err(PrepareError::Extension { filename });
    };
    let io_err = |source| PrepareError::Io {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io_err)?.len();
    let mut file = BufReader::new(File::open(path).map_err(io_err)?);
    let digests = pyship_verify::digest::digest_reader(&mut file, false).map_err(io_err)?;
    let (metadata_member, metadata_bytes) = match kind {
        DistKind::Wheel => read_wheel_metadata(path, &filename)?,
        DistKind::Sdist => read_sdist_metadata(path, &filename)?,
    };
    let mut findings = pyship_verify::Findings::new(Some(&filename));
    let metadata = pyship_verify::metadata::parse(&metadata_bytes, &metadata_member, &mut findings)
        .ok_or_else(|| PrepareError::Metadata {
            filename: filename.clone(),
            member: metadata_member.clone(),
        })?;
    let pyversion = match kind {
        DistKind::Wheel => wheel_python_tag(&filename)?,
        DistKind::Sdist => "source".to_owned(),
    };
    Ok(LocalArtifact {
        path: path.to_owned(),
        kind,
        size,
        digests,
        metadata_sha256: pyship_verify::digest::hex(&Sha256::digest(&metadata_bytes)),
        metadata_member,
        metadata_bytes,
        metadata,
        pyversion,
        filename,
    })
}

fn has_suffix(filename: &str, suffix: &str) -> bool {
    filename.len() > suffix.len() && filename.as_bytes().ends_with(suffix.as_bytes())
}

/// The python tag group of a wheel file name, as written (`py3`, `py2.py3`, `cp312`).
fn wheel_python_tag(filename: &str) -> Result<String, PrepareError> {
    let stem = filename.trim_end_matches(".whl");
    let parts: Vec<&str> = stem.split('-').collect();
    match parts.len() {
        5 | 6 => Ok(parts[parts.len() - 3].to_owned()),
        _ => Err(PrepareError::WheelName {
            filename: filename.to_owned(),
        }),
    }
}

/// Reads `<name>-<version>.dist-info/METADATA`, where name and version come from splitting the
/// file name the way PyPI does (`filename.split("-", 2)`), case-sensitively.
///
/// See: pypi-upload.md section 1.6 item 23.
fn read_wheel_metadata(path: &Path, filename: &str) -> Result<(String, Vec<u8>), PrepareError> {
    let mut parts = filename.splitn(3, '-');
    let (Some(name), Some(version)) = (parts.next(), parts.next()) else {
        return Err(PrepareError::WheelName {
            filename: filename.to_owned(),
        });
    };
    let member = format!("{name}-{version}.dist-info/METADATA");
    let archive_err = |reason: String| PrepareError::Archive {
        filename: filename.to_owned(),
        reason,
    };
    let file = File::open(path).map_err(|source| PrepareError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|err| archive_err(format!("not a readable zip archive: {err}")))?;
    let mut entry = archive
        .by_name(&member)
        .map_err(|_| PrepareError::MissingMetadata {
            filename: filename.to_owned(),
            member: member.clone(),
        })?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|err| archive_err(format!("cannot read `{member}`: {err}")))?;
    Ok((member, bytes))
}

/// Reads `<top>/PKG-INFO` of an sdist: the single top-level directory's PKG-INFO, a regular file.
fn read_sdist_metadata(path: &Path, filename: &str) -> Result<(String, Vec<u8>), PrepareError> {
    let archive_err = |reason: String| PrepareError::Archive {
        filename: filename.to_owned(),
        reason,
    };
    let file = File::open(path).map_err(|source| PrepareError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    let entries = archive
        .entries()
        .map_err(|err| archive_err(format!("not a readable tar.gz: {err}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|err| archive_err(format!("bad tar entry: {err}")))?;
        let member = entry
            .path()
            .map_err(|err| archive_err(format!("bad member path: {err}")))?
            .to_string_lossy()
            .into_owned();
        let components: Vec<&str> = member.split('/').filter(|c| !c.is_empty()).collect();
        if components.len() == 2
            && components[1] == "PKG-INFO"
            && entry.header().entry_type().is_file()
        {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|err: io::Error| archive_err(format!("cannot read `{member}`: {err}")))?;
            return Ok((member, bytes));
        }
    }
    Err(PrepareError::MissingMetadata {
        filename: filename.to_owned(),
        member: "<top>/PKG-INFO".to_owned(),
    })
}
