//! Streaming one entry's content through fixed buffers while enforcing ZIP-09.
//!
//! A deflate entry is inflated to the end of its stream: the stream must finish (BFINAL) exactly
//! at the compressed size and produce exactly the declared size, and the CRC-32 must match. This
//! closes the malo `short_usize` differential, where `zipfile` stops at the declared size.
//! See: verify-rules.md §1.3 and ZIP-09.

use std::io::{self, Read, Seek};

use flate2::{Decompress, FlushDecompress, Status};

use super::records::skip_to;
use super::{CHUNK, DEFLATED, STORED, ZipEntry};
use crate::check::{CheckId, Findings};

const ID_09: CheckId = CheckId("ZIP-09");

/// Streams the decoded content of `entry` to `sink` in chunks of at most 64 KiB, recording
/// ZIP-09 findings. Returns whether the content decoded exactly as declared.
///
/// Entries with an unsupported method or encryption are not decoded (`false`, no finding: the
/// structural scan reported them).
pub fn for_each_chunk<R: Read + Seek>(
    reader: &mut R,
    entry: &ZipEntry,
    findings: &mut Findings,
    mut sink: impl FnMut(&[u8]),
) -> io::Result<bool> {
    if !entry.is_decodable() {
        return Ok(false);
    }
    let here = reader.stream_position()?;
    skip_to(reader, here, entry.data_offset)?;
    let mut crc = crc32fast::Hasher::new();
    let mut sink = |chunk: &[u8]| {
        crc.update(chunk);
        sink(chunk);
    };
    let decoded = match entry.method {
        STORED => copy_stored(reader, entry, findings, &mut sink)?,
        DEFLATED => inflate(reader, entry, findings, &mut sink)?,
        _ => return Ok(false),
    };
    if !decoded {
        return Ok(false);
    }
    let actual = crc.finalize();
    if actual != entry.crc32 {
        findings.error(
            ID_09,
            Some(&entry.name),
            format!(
                "CRC-32 of the content is {actual:#010x}; the headers declare {:#010x}",
                entry.crc32
            ),
        );
        return Ok(false);
    }
    Ok(true)
}

fn copy_stored<R: Read>(
    reader: &mut R,
    entry: &ZipEntry,
    findings: &mut Findings,
    sink: &mut impl FnMut(&[u8]),
) -> io::Result<bool> {
    if entry.compressed_size != entry.uncompressed_size {
        findings.error(
            ID_09,
            Some(&entry.name),
            format!(
                "stored entry has compressed size {} but uncompressed size {}; expected equal",
                entry.compressed_size, entry.uncompressed_size
            ),
        );
        return Ok(false);
    }
    let mut buf = vec![0u8; CHUNK];
    let mut remaining = entry.compressed_size;
    while remaining > 0 {
        let n = usize::try_from(remaining).map_or(CHUNK, |r| r.min(CHUNK));
        let chunk = &mut buf[..n];
        reader.read_exact(chunk)?;
        remaining -= n as u64;
        sink(chunk);
    }
    Ok(true)
}

/// Inflates a raw deflate stream of exactly `compressed_size` bytes.
fn inflate<R: Read>(
    reader: &mut R,
    entry: &ZipEntry,
    findings: &mut Findings,
    sink: &mut impl FnMut(&[u8]),
) -> io::Result<bool> {
    let name = entry.name.as_str();
    let mut inflater = Decompress::new(false);
    let mut input = vec![0u8; CHUNK];
    let mut output = vec![0u8; CHUNK];
    let mut unread = entry.compressed_size;
    let (mut start, mut end) = (0usize, 0usize);
    loop {
        if start == end && unread > 0 {
            end = usize::try_from(unread).map_or(CHUNK, |r| r.min(CHUNK));
            reader.read_exact(&mut input[..end])?;
            unread -= end as u64;
            start = 0;
        }
        let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
        let status =
            match inflater.decompress(&input[start..end], &mut output, FlushDecompress::None) {
                Ok(status) => status,
                Err(err) => {
                    findings.error(
                        ID_09,
                        Some(name),
                        format!("deflate stream is corrupt: {err}"),
                    );
                    return Ok(false);
                }
            };
        let consumed = usize::try_from(inflater.total_in() - in_before).unwrap_or(usize::MAX);
        let made = usize::try_from(inflater.total_out() - out_before).unwrap_or(usize::MAX);
        start = start.saturating_add(consumed).min(end);
        if inflater.total_out() > entry.uncompressed_size {
            findings.error(
                ID_09,
                Some(name),
                format!(
                    "deflate stream inflates past the declared {} bytes; readers that stop at \
                     the declared size see different content",
                    entry.uncompressed_size
                ),
            );
            return Ok(false);
        }
        if let Some(chunk) = output.get(..made) {
            sink(chunk);
        }
        if status == Status::StreamEnd {
            break;
        }
        // Input is refilled above, so a call without progress means the stream is stuck.
        if consumed == 0 && made == 0 {
            findings.error(
                ID_09,
                Some(name),
                format!(
                    "deflate stream does not end within the compressed size of {} bytes",
                    entry.compressed_size
                ),
            );
            return Ok(false);
        }
    }
    Ok(finish_inflate(
        entry,
        inflater.total_in(),
        inflater.total_out(),
        findings,
    ))
}

/// After the final block: every compressed byte consumed and every declared byte produced.
fn finish_inflate(entry: &ZipEntry, consumed: u64, produced: u64, findings: &mut Findings) -> bool {
    let name = entry.name.as_str();
    if consumed != entry.compressed_size {
        findings.error(
            ID_09,
            Some(name),
            format!(
                "deflate stream ends after {consumed} of {} compressed bytes; expected it to \
                 end exactly at the compressed size",
                entry.compressed_size
            ),
        );
        return false;
    }
    if produced != entry.uncompressed_size {
        findings.error(
            ID_09,
            Some(name),
            format!(
                "deflate stream produced {produced} bytes; the headers declare {}",
                entry.uncompressed_size
            ),
        );
        return false;
    }
    true
}
