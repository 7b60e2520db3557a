//! Wheels: layout (WHL-*), RECORD verification (REC-*), and the pieces from other modules.
//!
//! One strict structural read (`zip::read_strict`), then one streaming pass over every entry that
//! feeds CRC-32, the RECORD-declared hasher, a sha256 for cross-artifact checks and the content
//! scanner. Nothing is written to disk and no member is held whole in memory, except the few small
//! dist-info files that are parsed.

use std::io::{self, Read, Seek};

use sha2::{Digest as _, Sha256};

use crate::check::Findings;
use crate::content::{self, MemberScan};
use crate::cross::ArtifactContents;
use crate::filename;
use crate::path;
use crate::verify::{ArtifactKind, VerifyOptions};
use crate::zip::{self, ZipArchive};

/// Verifies one wheel read from `reader` (`len` bytes long), recording findings. Errors are
/// failures of the reader itself; anything wrong with the bytes is a finding.
pub fn verify_wheel<R: Read + Seek>(
    filename: &str,
    reader: &mut R,
    len: u64,
    options: &VerifyOptions<'_>,
    findings: &mut Findings,
) -> io::Result<ArtifactContents> {
    let mut contents = ArtifactContents {
        filename: filename.to_owned(),
        kind: ArtifactKind::Wheel,
        metadata: None,
        files: Vec::new(),
    };
    let _name = filename::check_wheel_filename(filename, options.target, findings);
    let Some(archive) = zip::read_strict(reader, len, findings)? else {
        return Ok(contents);
    };
    check_member_names(&archive, findings);
    if !archive.within_limits {
        return Ok(contents);
    }
    for entry in archive.entries.iter().filter(|entry| !entry.is_dir()) {
        let mut sha256 = Sha256::new();
        let mut scan = MemberScan::new(&entry.name);
        let decoded = zip::for_each_chunk(reader, entry, findings, |chunk| {
            sha256.update(chunk);
            scan.update(chunk);
        })?;
        scan.finish(findings);
        if decoded {
            contents
                .files
                .push((entry.name.clone(), sha256.finalize().into()));
        }
    }
    Ok(contents)
}

/// PATH-* and content-policy rules on every member name.
fn check_member_names(archive: &ZipArchive, findings: &mut Findings) {
    for entry in &archive.entries {
        path::check_member_path(&entry.name, entry.is_dir(), findings);
        content::check_member_name(&entry.name, findings);
    }
    path::check_collisions(archive.entries.iter().map(|e| e.name.as_str()), findings);
}
