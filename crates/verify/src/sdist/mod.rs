//! Source distributions: a strict gzip and tar reader (SD-01..04) and sdist layout (SD-05..11).
//!
//! The archive is read once, as a stream: gzip is inflated chunk by chunk, tar headers are parsed
//! as they arrive, and each member's content is hashed and scanned without being held whole.
//! Only `PKG-INFO`, `pyproject.toml`, `setup.cfg` and `_version.py` files under the root are
//! kept, up to a size cap.

mod build_scripts;
mod gzip;
mod layout;
mod tar;

use std::io::{self, Read};

use crate::check::{CheckId, Findings};
use crate::cross::ArtifactContents;
use crate::filename::check_sdist_filename;
use crate::verify::{ArtifactKind, VerifyOptions};

use self::gzip::GzipReader;
use self::layout::Layout;
use self::tar::TarReader;

/// Decompressed bytes beyond this are refused (SD-10). PyPI caps uploads at 100 MiB; an sdist
/// that inflates past 1 GiB is a bomb or a mistake either way.
const MAX_UNCOMPRESSED: u64 = 1024 * 1024 * 1024;

/// Something wrong with the archive's bytes that stops reading it: always reported as a finding.
#[derive(Debug)]
pub(crate) struct Malformed {
    pub(crate) id: &'static str,
    pub(crate) message: String,
}

/// Why a read stopped: the underlying reader failed, or the bytes are malformed.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(io::Error),
    Malformed(Malformed),
}

/// A stream of decompressed bytes that can fail with a finding instead of an I/O error.
pub(crate) trait ByteSource {
    /// Reads into `out`; 0 means the stream ended cleanly.
    fn read(&mut self, out: &mut [u8]) -> Result<usize, ReadError>;
}

/// Verifies one sdist read from `reader`, recording findings. Errors are
/// failures of the reader itself; anything wrong with the bytes is a finding.
pub fn verify_sdist<R: Read>(
    filename: &str,
    reader: &mut R,
    options: &VerifyOptions<'_>,
    findings: &mut Findings,
) -> io::Result<ArtifactContents> {
    let parsed = check_sdist_filename(filename, findings);
    let stem = filename.strip_suffix(".tar.gz").unwrap_or(filename);
    let mut layout = Layout::new(stem, parsed.as_ref(), options.source_date_epoch);

    let mut member = None;
    let complete = match read_archive(reader, &mut layout, &mut member, findings) {
        Ok(()) => true,
        Err(ReadError::Io(err)) => return Err(err),
        Err(ReadError::Malformed(m)) => {
            findings.error(CheckId(m.id), member.as_deref(), m.message);
            false
        }
    };

    let metadata = layout.finish(complete, parsed.as_ref(), options, findings);
    let (files, kept) = layout.into_files();
    Ok(ArtifactContents {
        filename: filename.to_owned(),
        kind: ArtifactKind::Sdist,
        metadata,
        files,
        kept,
    })
}

/// Reads every member, feeding each to `layout`. `member` names the member being read, for a
/// finding if reading fails inside it.
fn read_archive<R: Read>(
    reader: &mut R,
    layout: &mut Layout,
    member: &mut Option<String>,
    findings: &mut Findings,
) -> Result<(), ReadError> {
    let gzip = GzipReader::open(reader, MAX_UNCOMPRESSED)?;
    let mut tar = TarReader::new(gzip);
    let mut buf = vec![0u8; 64 * 1024];
    while let Some(entry) = tar.next_member(findings)? {
        *member = Some(entry.name.clone());
        layout.begin(&entry, findings)?;
        loop {
            let n = tar.read_data(&mut buf)?;
            if n == 0 {
                break;
            }
            layout.update(&buf[..n]);
        }
        layout.end(findings);
        *member = None;
    }
    debug_assert!(tar.ended());
    let gzip = tar.source();
    layout.set_stream_facts(gzip.consumed(), gzip.produced(), gzip.mtime());
    Ok(())
}
