//! Zip records read byte by byte: local headers, central headers, extra fields and end records.
//!
//! See: APPNOTE.TXT 6.3.10 sections 4.3.7, 4.3.12, 4.3.14-16 and 4.5.3 (ZIP64 extra).

use std::collections::HashSet;
use std::io::{self, Read, Seek, SeekFrom};

use super::{DATA_DESCRIPTOR_FLAG, ID_01, ID_06, ID_07, ID_10, UTF8_FLAG, ZipEntry};
use crate::check::{CheckId, Findings};

pub(super) const LFH_SIG: u32 = 0x0403_4b50;
pub(super) const CDH_SIG: u32 = 0x0201_4b50;
pub(super) const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const LOC64_SIG: u32 = 0x0706_4b50;

const ID_02: CheckId = CheckId("ZIP-02");
const ID_03: CheckId = CheckId("ZIP-03");
const ID_11: CheckId = CheckId("ZIP-11");

const SENTINEL32: u32 = 0xffff_ffff;
const SENTINEL16: u16 = 0xffff;
/// Forward gaps up to this size are read and dropped rather than sought over, which keeps a
/// buffered reader's buffer.
const SKIP_BY_READING: u64 = 64 * 1024;

/// A reader that knows its position and the length of the file.
pub(super) struct Source<'a, R> {
    inner: &'a mut R,
    pos: u64,
    len: u64,
}

impl<'a, R: Read + Seek> Source<'a, R> {
    pub(super) fn new(inner: &'a mut R, len: u64) -> io::Result<Self> {
        inner.seek(SeekFrom::Start(0))?;
        Ok(Self { inner, pos: 0, len })
    }

    pub(super) fn pos(&self) -> u64 {
        self.pos
    }

    pub(super) fn len(&self) -> u64 {
        self.len
    }

    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    /// Moves to `pos`, reading forward over short gaps.
    pub(super) fn goto(&mut self, pos: u64) -> io::Result<()> {
        skip_to(self.inner, self.pos, pos)?;
        self.pos = pos;
        Ok(())
    }

    pub(super) fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    /// Reads `n` bytes, or `None` when fewer remain before EOF.
    fn bytes(&mut self, n: usize) -> io::Result<Option<Vec<u8>>> {
        if (n as u64) > self.remaining() {
            return Ok(None);
        }
        let mut buf = vec![0u8; n];
        self.read_exact(&mut buf)?;
        Ok(Some(buf))
    }

    /// Reads the next 4-byte signature, or `None` at EOF.
    pub(super) fn sig(&mut self) -> io::Result<Option<u32>> {
        Ok(self.bytes(4)?.map(|b| le32(&b, 0)))
    }
}

/// Moves `reader` from `from` to `to`, reading forward over short gaps instead of seeking.
pub(super) fn skip_to<R: Read + Seek>(reader: &mut R, from: u64, to: u64) -> io::Result<()> {
    match to.checked_sub(from) {
        Some(0) => Ok(()),
        Some(gap) if gap <= SKIP_BY_READING => {
            let copied = io::copy(&mut reader.by_ref().take(gap), &mut io::sink())?;
            if copied == gap {
                Ok(())
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            }
        }
        _ => reader.seek(SeekFrom::Start(to)).map(|_| ()),
    }
}

fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn le64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// Decodes a name for messages and entries; invalid UTF-8 is reported by `check_name`.
fn display(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Names must be UTF-8, and flagged as such when not ASCII (ZIP-07).
fn check_name(name: &[u8], flags: u16, place: &str, findings: &mut Findings) {
    let shown = display(name);
    if std::str::from_utf8(name).is_err() {
        findings.error(
            ID_07,
            Some(&shown),
            format!("{place} name is not valid UTF-8; expected UTF-8"),
        );
    } else if !name.is_ascii() && flags & UTF8_FLAG == 0 {
        findings.error(
            ID_07,
            Some(&shown),
            format!(
                "{place} name is not ASCII but the UTF-8 flag (bit 11) is clear; readers may \
                 decode it as CP437"
            ),
        );
    }
}

/// One local file header and where its data lies.
#[derive(Debug)]
pub(super) struct LocalRecord {
    pub(super) offset: u64,
    pub(super) name: Vec<u8>,
    pub(super) flags: u16,
    pub(super) method: u16,
    pub(super) crc32: u32,
    pub(super) compressed_size: u64,
    pub(super) uncompressed_size: u64,
    pub(super) data_offset: u64,
}

impl LocalRecord {
    /// Reads a local header whose signature at `offset` was just read, and skips its data.
    pub(super) fn read<R: Read + Seek>(
        src: &mut Source<'_, R>,
        offset: u64,
        findings: &mut Findings,
    ) -> io::Result<Option<Self>> {
        let Some(head) = src.bytes(26)? else {
            return Ok(truncated(offset, "local header", findings));
        };
        let (flags, method) = (le16(&head, 2), le16(&head, 4));
        let (name_len, extra_len) = (le16(&head, 22), le16(&head, 24));
        let Some(name) = src.bytes(usize::from(name_len))? else {
            return Ok(truncated(offset, "local header name", findings));
        };
        let Some(extra) = src.bytes(usize::from(extra_len))? else {
            return Ok(truncated(offset, "local header extra field", findings));
        };
        let shown = display(&name);
        check_name(&name, flags, "local header", findings);
        if flags & DATA_DESCRIPTOR_FLAG != 0 {
            findings.error(
                ID_07,
                Some(&shown),
                "entry uses a data descriptor (flag bit 3); expected sizes and CRC-32 in the \
                 local header",
            );
            return Ok(None);
        }
        let need = Zip64Need {
            uncompressed: le32(&head, 18) == SENTINEL32,
            compressed: le32(&head, 14) == SENTINEL32,
            offset: false,
            disk: false,
        };
        let Some(zip64) = check_extra(&extra, need, &shown, "local header", findings) else {
            return Ok(None);
        };
        let compressed_size = zip64.compressed.unwrap_or(u64::from(le32(&head, 14)));
        let data_offset = src.pos();
        let end = data_offset.checked_add(compressed_size);
        let Some(end) = end.filter(|end| *end <= src.len()) else {
            findings.error(
                ID_01,
                Some(&shown),
                format!(
                    "entry data ({compressed_size} bytes from offset {data_offset}) runs past the \
                     end of the file"
                ),
            );
            return Ok(None);
        };
        src.goto(end)?;
        Ok(Some(Self {
            offset,
            name,
            flags,
            method,
            crc32: le32(&head, 10),
            compressed_size,
            uncompressed_size: zip64.uncompressed.unwrap_or(u64::from(le32(&head, 18))),
            data_offset,
        }))
    }

    pub(super) fn display_name(&self) -> String {
        display(&self.name)
    }

    /// The entry as the rest of the crate sees it.
    pub(super) fn to_entry(&self, central: Option<&CentralRecord>) -> ZipEntry {
        ZipEntry {
            name: self.display_name(),
            method: self.method,
            flags: self.flags,
            crc32: self.crc32,
            compressed_size: self.compressed_size,
            uncompressed_size: self.uncompressed_size,
            header_offset: self.offset,
            data_offset: self.data_offset,
            unix_mode: central.and_then(CentralRecord::unix_mode),
        }
    }
}

fn truncated<T>(offset: u64, what: &str, findings: &mut Findings) -> Option<T> {
    findings.error(
        ID_01,
        None,
        format!("{what} at offset {offset} is cut off by the end of the file"),
    );
    None
}

/// One central directory header.
#[derive(Debug, Clone)]
pub(super) struct CentralRecord {
    pub(super) name: Vec<u8>,
    version_made_by: u16,
    pub(super) version_needed: u16,
    pub(super) flags: u16,
    pub(super) method: u16,
    pub(super) time: u16,
    pub(super) date: u16,
    pub(super) crc32: u32,
    pub(super) compressed_size: u64,
    pub(super) uncompressed_size: u64,
    pub(super) comment_len: u16,
    external_attr: u32,
    pub(super) local_offset: u64,
    pub(super) zip64: bool,
}

impl CentralRecord {
    /// Reads a central header whose signature at `offset` was just read.
    pub(super) fn read<R: Read + Seek>(
        src: &mut Source<'_, R>,
        offset: u64,
        findings: &mut Findings,
    ) -> io::Result<Option<Self>> {
        let Some(head) = src.bytes(42)? else {
            return Ok(truncated(offset, "central directory header", findings));
        };
        let (name_len, extra_len) = (le16(&head, 24), le16(&head, 26));
        let comment_len = le16(&head, 28);
        let Some(name) = src.bytes(usize::from(name_len))? else {
            return Ok(truncated(offset, "central directory name", findings));
        };
        let Some(extra) = src.bytes(usize::from(extra_len))? else {
            return Ok(truncated(offset, "central directory extra field", findings));
        };
        if u64::from(comment_len) > src.remaining() {
            return Ok(truncated(offset, "central directory comment", findings));
        }
        src.goto(src.pos() + u64::from(comment_len))?;
        let shown = display(&name);
        let flags = le16(&head, 4);
        check_name(&name, flags, "central directory", findings);
        let need = Zip64Need {
            uncompressed: le32(&head, 20) == SENTINEL32,
            compressed: le32(&head, 16) == SENTINEL32,
            offset: le32(&head, 38) == SENTINEL32,
            disk: le16(&head, 30) == SENTINEL16,
        };
        let Some(zip64) = check_extra(&extra, need, &shown, "central directory", findings) else {
            return Ok(None);
        };
        if le16(&head, 30) != 0 && !need.disk {
            findings.error(
                ID_02,
                Some(&shown),
                format!("disk number {}; expected 0", le16(&head, 30)),
            );
        }
        Ok(Some(Self {
            name,
            version_made_by: le16(&head, 0),
            version_needed: le16(&head, 2),
            flags,
            method: le16(&head, 6),
            time: le16(&head, 8),
            date: le16(&head, 10),
            crc32: le32(&head, 12),
            compressed_size: zip64.compressed.unwrap_or(u64::from(le32(&head, 16))),
            uncompressed_size: zip64.uncompressed.unwrap_or(u64::from(le32(&head, 20))),
            comment_len,
            external_attr: le32(&head, 34),
            local_offset: zip64.offset.unwrap_or(u64::from(le32(&head, 38))),
            zip64: need.any(),
        }))
    }

    pub(super) fn display_name(&self) -> String {
        display(&self.name)
    }

    /// The Unix mode, when the host that wrote the entry was Unix (3) or macOS (19).
    fn unix_mode(&self) -> Option<u32> {
        matches!(self.version_made_by >> 8, 3 | 19).then_some(self.external_attr >> 16)
    }
}

/// Which header fields hold the `0xFFFFFFFF` (or `0xFFFF`) sentinel.
#[derive(Debug, Clone, Copy)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per header field, as APPNOTE 4.5.3 lists them"
)]
struct Zip64Need {
    uncompressed: bool,
    compressed: bool,
    offset: bool,
    disk: bool,
}

impl Zip64Need {
    fn any(self) -> bool {
        self.uncompressed || self.compressed || self.offset || self.disk
    }

    fn expected_len(self) -> usize {
        8 * (usize::from(self.uncompressed) + usize::from(self.compressed))
            + 8 * usize::from(self.offset)
            + 4 * usize::from(self.disk)
    }
}

/// Values the ZIP64 extra field supplied.
#[derive(Debug, Default)]
struct Zip64Values {
    uncompressed: Option<u64>,
    compressed: Option<u64>,
    offset: Option<u64>,
}

/// Extra fields (ZIP-11) and the ZIP64 extra (ZIP-03). `None` when the sizes cannot be known.
fn check_extra(
    extra: &[u8],
    need: Zip64Need,
    name: &str,
    place: &str,
    findings: &mut Findings,
) -> Option<Zip64Values> {
    let mut values = None;
    let mut seen = HashSet::new();
    let mut rest = extra;
    while !rest.is_empty() {
        let (Some(header), Some(tail)) = (rest.get(..4), rest.get(4..)) else {
            findings.error(
                ID_11,
                Some(name),
                format!("{place} extra field ends inside a field header; expected whole TLVs"),
            );
            return None;
        };
        let (id, size) = (le16(header, 0), usize::from(le16(header, 2)));
        let (Some(data), Some(next)) = (tail.get(..size), tail.get(size..)) else {
            findings.error(
                ID_11,
                Some(name),
                format!(
                    "{place} extra field {id:#06x} claims {size} bytes but only {} remain",
                    tail.len()
                ),
            );
            return None;
        };
        rest = next;
        if !seen.insert(id) {
            findings.error(
                ID_11,
                Some(name),
                format!("{place} extra field {id:#06x} appears twice; expected each id once"),
            );
            continue;
        }
        match id {
            0x0001 => values = Some(read_zip64_extra(data, need, name, place, findings)?),
            0x5455 | 0x7875 => {}
            0x7075 => findings.error(
                ID_11,
                Some(name),
                format!(
                    "{place} has an Info-ZIP Unicode Path extra (0x7075), a second source for \
                     the name; expected none"
                ),
            ),
            other => findings.warn(
                ID_11,
                Some(name),
                format!(
                    "{place} extra field {other:#06x} is not in the allow-list (0x0001, 0x5455, \
                     0x7875)"
                ),
            ),
        }
    }
    match values {
        Some(values) => Some(values),
        None if need.any() => {
            findings.error(
                ID_03,
                Some(name),
                format!(
                    "{place} uses the 0xFFFFFFFF size or offset sentinel but has no ZIP64 extra \
                     field"
                ),
            );
            None
        }
        None => Some(Zip64Values::default()),
    }
}

/// The ZIP64 extra holds exactly the fields whose header values are sentinels, in order.
fn read_zip64_extra(
    data: &[u8],
    need: Zip64Need,
    name: &str,
    place: &str,
    findings: &mut Findings,
) -> Option<Zip64Values> {
    if !need.any() || data.len() != need.expected_len() {
        findings.error(
            ID_03,
            Some(name),
            format!(
                "{place} ZIP64 extra is {} bytes; the header's sentinels call for {}",
                data.len(),
                need.expected_len()
            ),
        );
        return None;
    }
    let mut at = 0;
    let mut take = |wanted: bool| {
        wanted.then(|| {
            let value = le64(data, at);
            at += 8;
            value
        })
    };
    let values = Zip64Values {
        uncompressed: take(need.uncompressed),
        compressed: take(need.compressed),
        offset: take(need.offset),
    };
    let small = [values.uncompressed, values.compressed, values.offset]
        .into_iter()
        .flatten()
        .all(|value| value < u64::from(SENTINEL32));
    if small {
        findings.warn(
            ID_03,
            Some(name),
            format!("{place} uses ZIP64 for values that fit in 32 bits; ZIP64 is not needed"),
        );
    }
    Some(values)
}

/// The end records: optional ZIP64 end record and locator, then the end record at EOF.
pub(super) struct End {
    disk: u32,
    cd_disk: u32,
    records_on_disk: u64,
    records: u64,
    cd_size: u64,
    cd_offset: u64,
    zip64: bool,
    /// Where the ZIP64 end record and its locator's pointer are, when present.
    zip64_at: Option<(u64, u64)>,
}

impl End {
    /// Reads the end records starting with signature `sig` (ZIP-01, ZIP-03, ZIP-10).
    pub(super) fn read<R: Read + Seek>(
        src: &mut Source<'_, R>,
        mut sig: Option<u32>,
        findings: &mut Findings,
    ) -> io::Result<Option<Self>> {
        let mut zip64 = None;
        if sig == Some(EOCD64_SIG) {
            let start = src.pos().saturating_sub(4);
            let Some(end64) = Self::read_zip64(src, start, findings)? else {
                return Ok(None);
            };
            zip64 = Some(end64);
            sig = src.sig()?;
        }
        let start = src.pos().saturating_sub(4);
        match sig {
            Some(EOCD_SIG) => {}
            None => {
                findings.error(
                    ID_01,
                    None,
                    "no end of central directory record before the end of the file",
                );
                return Ok(None);
            }
            Some(other) => {
                findings.error(
                    ID_06,
                    None,
                    format!(
                        "unexpected bytes (signature {other:#010x}) at offset {start}; expected \
                         records to follow each other without gaps"
                    ),
                );
                return Ok(None);
            }
        }
        let Some(body) = src.bytes(18)? else {
            return Ok(truncated(
                start,
                "end of central directory record",
                findings,
            ));
        };
        Self::check_tail(src, start, le16(&body, 16), findings);
        Ok(Some(Self::merge(&body, zip64, findings)))
    }

    /// The comment must be empty and the record must end exactly at EOF.
    fn check_tail<R: Read + Seek>(
        src: &Source<'_, R>,
        start: u64,
        comment_len: u16,
        findings: &mut Findings,
    ) {
        if comment_len != 0 {
            findings.error(
                ID_10,
                None,
                format!("archive comment of {comment_len} bytes; expected none"),
            );
        }
        let end = src.pos() + u64::from(comment_len);
        if end < src.len() {
            findings.error(
                ID_01,
                None,
                format!(
                    "{} bytes after the end of central directory record at offset {start}; \
                     expected none",
                    src.len() - end
                ),
            );
        } else if end > src.len() {
            findings.error(ID_01, None, "archive comment runs past the end of the file");
        }
    }

    /// Reads the ZIP64 end record at `start` and the locator after it.
    fn read_zip64<R: Read + Seek>(
        src: &mut Source<'_, R>,
        start: u64,
        findings: &mut Findings,
    ) -> io::Result<Option<(Self, u64)>> {
        let Some(body) = src.bytes(52)? else {
            return Ok(truncated(
                start,
                "ZIP64 end of central directory record",
                findings,
            ));
        };
        if le64(&body, 0) != 44 {
            findings.error(
                ID_03,
                None,
                format!(
                    "ZIP64 end record declares size {}; expected 44 (no extensible data)",
                    le64(&body, 0)
                ),
            );
            return Ok(None);
        }
        let loc_start = src.pos();
        if src.sig()? != Some(LOC64_SIG) {
            findings.error(
                ID_03,
                None,
                format!("no ZIP64 end locator at offset {loc_start} after the ZIP64 end record"),
            );
            return Ok(None);
        }
        let Some(loc) = src.bytes(16)? else {
            return Ok(truncated(loc_start, "ZIP64 end locator", findings));
        };
        if le32(&loc, 0) != 0 || le32(&loc, 12) != 1 {
            findings.error(
                ID_03,
                None,
                format!(
                    "ZIP64 locator names disk {} of {}; expected disk 0 of 1",
                    le32(&loc, 0),
                    le32(&loc, 12)
                ),
            );
        }
        let end = Self {
            disk: le32(&body, 12),
            cd_disk: le32(&body, 16),
            records_on_disk: le64(&body, 20),
            records: le64(&body, 28),
            cd_size: le64(&body, 36),
            cd_offset: le64(&body, 44),
            zip64: true,
            zip64_at: Some((start, le64(&loc, 4))),
        };
        Ok(Some((end, start)))
    }

    /// Combines the classic end record with the ZIP64 one; sentinels defer to ZIP64 values.
    fn merge(body: &[u8], zip64: Option<(Self, u64)>, findings: &mut Findings) -> Self {
        let classic = Self {
            disk: u32::from(le16(body, 0)),
            cd_disk: u32::from(le16(body, 2)),
            records_on_disk: u64::from(le16(body, 4)),
            records: u64::from(le16(body, 6)),
            cd_size: u64::from(le32(body, 8)),
            cd_offset: u64::from(le32(body, 12)),
            zip64: false,
            zip64_at: None,
        };
        let sentinel = le16(body, 4) == SENTINEL16
            || le16(body, 6) == SENTINEL16
            || le32(body, 8) == SENTINEL32
            || le32(body, 12) == SENTINEL32;
        match zip64 {
            Some((end64, _)) => {
                classic.require_agreement(&end64, findings);
                end64
            }
            None if sentinel => {
                findings.error(
                    ID_03,
                    None,
                    "end record uses a ZIP64 sentinel but there is no ZIP64 end record",
                );
                classic
            }
            None => classic,
        }
    }

    /// Non-sentinel classic values must equal the ZIP64 ones.
    fn require_agreement(&self, end64: &Self, findings: &mut Findings) {
        let pairs = [
            (
                "records on disk",
                self.records_on_disk,
                end64.records_on_disk,
                0xffff,
            ),
            ("records", self.records, end64.records, 0xffff),
            (
                "central directory size",
                self.cd_size,
                end64.cd_size,
                0xffff_ffff,
            ),
            (
                "central directory offset",
                self.cd_offset,
                end64.cd_offset,
                0xffff_ffff,
            ),
        ];
        for (field, classic, wide, sentinel) in pairs {
            if classic != sentinel && classic != wide {
                findings.error(
                    ID_03,
                    None,
                    format!("end record {field} is {classic} but the ZIP64 end record says {wide}"),
                );
            }
        }
    }

    /// The end record describes the central directory actually found (ZIP-02, ZIP-03).
    pub(super) fn check(
        &self,
        cd_start: u64,
        cd_end: u64,
        n_records: u64,
        findings: &mut Findings,
    ) {
        let cd_size = cd_end.saturating_sub(cd_start);
        let checks = [
            ("disk number", u64::from(self.disk), 0),
            ("central directory disk", u64::from(self.cd_disk), 0),
            ("records on this disk", self.records_on_disk, n_records),
            ("total records", self.records, n_records),
            ("central directory size", self.cd_size, cd_size),
            ("central directory offset", self.cd_offset, cd_start),
        ];
        for (field, declared, actual) in checks {
            if declared != actual {
                findings.error(
                    ID_02,
                    None,
                    format!("end record {field} is {declared}; the archive has {actual}"),
                );
            }
        }
        if let Some((at, pointer)) = self.zip64_at
            && at != pointer
        {
            findings.error(
                ID_03,
                None,
                format!(
                    "ZIP64 locator points at offset {pointer}; the ZIP64 end record is at {at}"
                ),
            );
        }
        let needed = n_records >= 0xffff || cd_end >= 0xffff_ffff;
        if self.zip64 && !needed {
            findings.warn(
                ID_03,
                None,
                "ZIP64 end records in an archive that does not need them",
            );
        }
    }
}
