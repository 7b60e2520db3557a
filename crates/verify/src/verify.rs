//! The entry points: verify a set of artifact files, or one artifact held in memory.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::check::{CheckId, Finding, Findings, Severity};
use crate::cross::{self, ArtifactContents};
use crate::digest::{Digests, digest_reader};
use crate::sdist::verify_sdist;
use crate::target::Target;
use crate::wheel::verify_wheel;

/// What kind of distribution an artifact is, judged by its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// A `.whl` file.
    Wheel,
    /// A `.tar.gz` source distribution.
    Sdist,
    /// Anything else: always an error.
    Unknown,
}

impl ArtifactKind {
    /// Classifies a file name. Extensions are case-sensitive: FN-01 requires lowercase.
    #[must_use]
    #[expect(
        clippy::case_sensitive_file_extension_comparisons,
        reason = "FN-01: only a lowercase `.whl` is a wheel"
    )]
    pub fn from_filename(filename: &str) -> Self {
        if filename.ends_with(".whl") {
            ArtifactKind::Wheel
        } else if filename.ends_with(".tar.gz") {
            ArtifactKind::Sdist
        } else {
            ArtifactKind::Unknown
        }
    }
}

/// The result of rendering a reST description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderOutcome {
    /// It rendered without errors.
    Rendered,
    /// The renderer reported errors (its message).
    Failed(String),
    /// No renderer could be run (why).
    Unavailable(String),
}

/// Renders reST long descriptions as PyPI would (readme_renderer). Supplied by the caller, since
/// this crate runs no processes.
pub trait DescriptionRenderer: Sync {
    /// Renders `text` as reST.
    fn render_rst(&self, text: &str) -> RenderOutcome;
}

/// Progress reporting for long runs. The caller draws; this crate only calls.
pub trait Reporter: Sync {
    /// Verification of `n_artifacts` files starts.
    fn on_start(&self, n_artifacts: usize);
    /// One artifact is done.
    fn on_artifact_done(&self, filename: &str);
}

/// How to verify.
#[derive(Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// The index whose server-side rules apply.
    pub target: Target,
    /// Also compute md5 digests.
    pub md5: bool,
    /// Renders reST descriptions; without one, META-08 says the description was not checked.
    pub renderer: Option<&'a dyn DescriptionRenderer>,
    /// Receives progress events.
    pub reporter: Option<&'a dyn Reporter>,
    /// The build's `SOURCE_DATE_EPOCH` (seconds since 1970), which turns on reproducible mode:
    /// every wheel entry's DOS timestamp must equal it clamped to 1980 (ZIP-13), an sdist's gzip
    /// MTIME must be 0 or it (SD-01) and no tar member may be newer (SD-06), all as errors. This
    /// crate reads no environment: the caller passes the value.
    pub source_date_epoch: Option<u64>,
}

/// Why verification could not run at all (as opposed to findings about an artifact).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// An artifact could not be read.
    #[error("failed to read `{}`", path.display())]
    Read {
        /// The artifact.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

/// The verdict on one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactReport {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its file name.
    pub filename: String,
    /// Wheel or sdist.
    pub kind: ArtifactKind,
    /// Size in bytes.
    pub size: u64,
    /// Whole-file digests.
    pub digests: Digests,
    /// `Name` from its core metadata, if it parsed.
    pub name: Option<String>,
    /// `Version` from its core metadata, if it parsed.
    pub version: Option<String>,
    /// What the checks found in it.
    pub findings: Vec<Finding>,
}

/// The verdict on a set of artifacts.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The index whose rules were applied.
    pub target: Target,
    /// One entry per artifact, in the order given.
    pub artifacts: Vec<ArtifactReport>,
    /// Findings about the set as a whole (X-*, FN-07).
    pub set_findings: Vec<Finding>,
}

impl Report {
    /// Every finding, per artifact first, then the set's.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.artifacts
            .iter()
            .flat_map(|artifact| &artifact.findings)
            .chain(&self.set_findings)
    }

    /// How many findings block the release.
    #[must_use]
    pub fn n_errors(&self, strict: bool) -> usize {
        self.findings()
            .filter(|f| f.effective_severity(strict) == Severity::Error)
            .count()
    }

    /// Whether nothing blocks the release.
    #[must_use]
    pub fn is_clean(&self, strict: bool) -> bool {
        self.n_errors(strict) == 0
    }
}

/// Verifies each file in `paths` and the set as a whole.
pub fn verify_files(paths: &[PathBuf], options: &VerifyOptions<'_>) -> Result<Report, VerifyError> {
    if let Some(reporter) = options.reporter {
        reporter.on_start(paths.len());
    }
    let results = paths
        .par_iter()
        .map(|path| {
            let result = verify_file(path, options);
            if let (Some(reporter), Ok((report, _))) = (options.reporter, &result) {
                reporter.on_artifact_done(&report.filename);
            }
            result
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (artifacts, contents): (Vec<_>, Vec<_>) = results.into_iter().unzip();
    let mut set_findings = Findings::new(None);
    cross::check_set(&contents, options.target, &mut set_findings);
    Ok(Report {
        target: options.target,
        artifacts,
        set_findings: set_findings.into_vec(),
    })
}

/// Verifies one artifact held in memory. Used by fuzzing and by callers that already have bytes.
#[must_use]
pub fn verify_bytes(
    filename: &str,
    bytes: &[u8],
    options: &VerifyOptions<'_>,
) -> (ArtifactReport, ArtifactContents) {
    let digests = digest_reader(&mut Cursor::new(bytes), options.md5)
        .expect("reading from memory cannot fail");
    let mut cursor = Cursor::new(bytes);
    verify_opened(
        Path::new(filename),
        filename,
        &mut cursor,
        bytes.len() as u64,
        digests,
        options,
    )
    .expect("reading from memory cannot fail")
}

fn verify_file(
    path: &Path,
    options: &VerifyOptions<'_>,
) -> Result<(ArtifactReport, ArtifactContents), VerifyError> {
    let read_error = |source| VerifyError::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    let len = file.metadata().map_err(read_error)?.len();
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let digests = digest_reader(&mut reader, options.md5).map_err(read_error)?;
    reader.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    verify_opened(path, &filename, &mut reader, len, digests, options).map_err(read_error)
}

fn verify_opened<R: io::Read + io::Seek>(
    path: &Path,
    filename: &str,
    reader: &mut R,
    len: u64,
    digests: Digests,
    options: &VerifyOptions<'_>,
) -> io::Result<(ArtifactReport, ArtifactContents)> {
    let mut findings = Findings::new(Some(filename));
    let kind = ArtifactKind::from_filename(filename);
    if let Some(limit) = options.target.max_file_size()
        && len > limit
    {
        findings.error(
            CheckId("FN-09"),
            None,
            format!(
                "file is {len} bytes; {} accepts at most {limit} bytes per file by default",
                options.target
            ),
        );
    }
    let contents = match kind {
        ArtifactKind::Wheel => verify_wheel(filename, reader, len, options, &mut findings)?,
        ArtifactKind::Sdist => verify_sdist(filename, reader, options, &mut findings)?,
        ArtifactKind::Unknown => {
            findings.error(CheckId("FN-07"), None, unknown_kind_message(filename));
            ArtifactContents {
                filename: filename.to_owned(),
                kind,
                metadata: None,
                files: Vec::new(),
                kept: Vec::new(),
            }
        }
    };
    let metadata = contents.metadata.as_ref();
    let report = ArtifactReport {
        path: path.to_owned(),
        filename: filename.to_owned(),
        kind,
        size: len,
        digests,
        name: metadata.and_then(|m| m.name()).map(str::to_owned),
        version: metadata.and_then(|m| m.version()).map(str::to_owned),
        findings: findings.into_vec(),
    };
    Ok((report, contents))
}

/// FN-07 (file types): why a file that is neither a `.whl` nor a `.tar.gz` has no place in a
/// release. PyPI takes only `.whl`, `.tar.gz` and (legacy) `.zip` uploads, and rejects new
/// `.egg` and `.exe` files; `.zip` sdists are refused by PEP 625 (FN-06).
///
/// See: verify-rules.md §2.1 FN-06, FN-07; warehouse `forklift/legacy.py` `_dist_file_re`.
fn unknown_kind_message(filename: &str) -> String {
    let extension = filename
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase());
    let what = match extension.as_deref() {
        Some("egg") => "an egg, a format PyPI no longer accepts",
        Some("exe" | "msi") => "a Windows installer, a format PyPI no longer accepts",
        Some("zip") => "a `.zip` sdist, which PEP 625 replaced with `.tar.gz`",
        _ => "not a distribution file",
    };
    format!("`{filename}` is {what}; expected `.whl` wheels and one `.tar.gz` sdist")
}
