//! A strict reader for the zip subset wheels may use: ZIP-* rules.
//!
//! The verdict never rests on a lenient reader: this module scans local headers forward from
//! offset 0 and requires them to agree with the central directory byte for byte. Memory does not
//! grow with the archive: headers are read one at a time and entry data is streamed through a
//! fixed 64 KiB buffer, so only names and a few numbers per entry are kept.
//!
//! See: APPNOTE.TXT 6.3.10 (4.3.7 local header, 4.3.12 central header, 4.3.14-16 end records).

mod dos;
mod records;
mod stream;

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek};

use crate::check::{CheckId, Findings};
use crate::sniff;

pub use stream::for_each_chunk;

use records::{CentralRecord, End, LocalRecord, Source};

/// The size of the buffers entry data is streamed through.
pub const CHUNK: usize = 64 * 1024;

/// More entries than this is a warning (ZIP-16).
const WARN_ENTRIES: usize = 10_000;
/// More entries than this is an error, and the scan stops (ZIP-16).
const MAX_ENTRIES: usize = 100_000;
/// Name bytes kept in memory at most; beyond this the scan stops (ZIP-16).
const MAX_NAME_BYTES: usize = 16 * 1024 * 1024;
/// The default cap on the total uncompressed size (ZIP-16).
const MAX_TOTAL_UNCOMPRESSED: u64 = 1024 * 1024 * 1024;
/// PyPI's compression-ratio rule applies above this total uncompressed size.
/// See: warehouse `forklift/legacy.py` COMPRESSION_RATIO_MIN_SIZE.
const PYPI_RATIO_MIN_SIZE: u64 = 64 * 1024 * 1024;
/// PyPI's maximum ratio of uncompressed size to file size.
/// See: warehouse `forklift/legacy.py` COMPRESSION_RATIO_THRESHOLD.
const PYPI_RATIO_MAX: u64 = 50;
/// A per-entry ratio above this is a warning (ZIP-16).
const WARN_ENTRY_RATIO: u64 = 200;

/// Compression methods.
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// One archive entry, as the strict scan established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The name, decoded as UTF-8 (lossily when it was not UTF-8, which is a ZIP-07 error).
    pub name: String,
    /// The compression method.
    pub method: u16,
    /// The general-purpose flags.
    pub flags: u16,
    /// The declared CRC-32.
    pub crc32: u32,
    /// The declared compressed size.
    pub compressed_size: u64,
    /// The declared uncompressed size.
    pub uncompressed_size: u64,
    /// Where the local header starts.
    pub header_offset: u64,
    /// Where the entry's data starts.
    pub data_offset: u64,
    /// The Unix mode from the central directory, when it was written by a Unix host.
    pub unix_mode: Option<u32>,
}

impl ZipEntry {
    /// Whether this is a directory entry (its name ends in `/`).
    #[must_use]
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }

    /// Whether the entry's data can be decoded: a known method and no encryption.
    #[must_use]
    pub fn is_decodable(&self) -> bool {
        matches!(self.method, STORED | DEFLATED) && self.flags & ENCRYPTION_FLAGS == 0
    }
}

/// Flag bits that mean encryption: 0 (encrypted), 6 (strong encryption), 13 (masked header).
const ENCRYPTION_FLAGS: u16 = 1 | 1 << 6 | 1 << 13;
/// Flag bit 3: sizes and CRC follow the data in a data descriptor.
const DATA_DESCRIPTOR_FLAG: u16 = 1 << 3;
/// Flag bit 11: the name is UTF-8.
const UTF8_FLAG: u16 = 1 << 11;
/// Flag bits we accept: 1 and 2 (deflate level hints) and 11 (UTF-8).
const KNOWN_FLAGS: u16 = 1 << 1 | 1 << 2 | UTF8_FLAG;

/// An archive that passed the framing scan: its entries in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipArchive {
    /// The entries, in the order of their local headers.
    pub entries: Vec<ZipEntry>,
    /// Whether the declared sizes stay within the resource limits, so streaming is bounded.
    pub within_limits: bool,
}

/// Reads the archive structure strictly (ZIP-01..08, ZIP-10..17), recording findings. With a
/// `source_date_epoch`, ZIP-13 runs in reproducible mode.
///
/// Returns `None` when the framing is too broken to name the entries. Anything wrong with the
/// bytes is a finding; the error is only for failures of `reader` itself.
pub fn read_strict<R: Read + Seek>(
    reader: &mut R,
    len: u64,
    source_date_epoch: Option<u64>,
    findings: &mut Findings,
) -> io::Result<Option<ZipArchive>> {
    let mut src = Source::new(reader, len)?;
    if !check_start(&mut src, findings)? {
        return Ok(None);
    }
    src.goto(0)?;

    // Step 1: local headers and data, contiguous from offset 0.
    let Some((locals, mut sig)) = scan_locals(&mut src, findings)? else {
        return Ok(None);
    };

    // Step 2: central directory records, straight after the last entry's data.
    let cd_start = src.pos().saturating_sub(4);
    let mut centrals = Vec::new();
    while sig == Some(records::CDH_SIG) {
        let start = src.pos().saturating_sub(4);
        let Some(central) = CentralRecord::read(&mut src, start, findings)? else {
            return Ok(None);
        };
        centrals.push(central);
        if centrals.len() > MAX_ENTRIES {
            findings.error(
                ID_16,
                None,
                format!("more than {MAX_ENTRIES} central directory records"),
            );
            return Ok(None);
        }
        sig = src.sig()?;
    }
    let cd_end = src.pos().saturating_sub(4);

    // Step 3: the end records, the last of which ends exactly at EOF.
    let Some(end) = End::read(&mut src, sig, findings)? else {
        return Ok(None);
    };
    end.check(cd_start, cd_end, centrals.len() as u64, findings);

    // Step 4: local and central records agree one to one.
    let entries = join_records(locals, &centrals, findings);
    check_names(&entries, &centrals, findings);
    for (entry, central) in &entries {
        check_entry(entry, central.as_ref(), findings);
    }
    if let Some(epoch) = source_date_epoch {
        check_reproducible_times(&entries, epoch, findings);
    }
    let entries: Vec<ZipEntry> = entries.into_iter().map(|(entry, _)| entry).collect();
    let within_limits = check_limits(&entries, len, findings);
    Ok(Some(ZipArchive {
        entries,
        within_limits,
    }))
}

/// How the file begins, judged before any record is parsed.
enum Start {
    /// With a local header or an end record: a zip as far as the start goes.
    Zip,
    /// With something else, but an end record lies near the end: a zip with prefix bytes.
    Prefixed { head: Vec<u8> },
    /// With something else, and no end record where one must be: not a zip at all.
    NotZip { head: Vec<u8>, window: u64 },
}

impl Start {
    /// Reads the first bytes and, when they are not a zip record, looks for the end record in
    /// the last 65,557 bytes (its 22 bytes plus the longest comment), where every reader that
    /// locates the central directory looks.
    /// See: APPNOTE.TXT 4.3.16.
    fn sniff<R: Read + Seek>(src: &mut Source<'_, R>) -> io::Result<Start> {
        let mut head = vec![0u8; usize::try_from(src.len().min(512)).unwrap_or(512)];
        src.goto(0)?;
        src.read_exact(&mut head)?;
        let sig = head
            .get(..4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        if matches!(sig, Some(records::LFH_SIG | records::EOCD_SIG)) {
            return Ok(Start::Zip);
        }
        let window = src.len().min(22 + 65_535);
        let mut tail = vec![0u8; usize::try_from(window).unwrap_or(0)];
        src.goto(src.len() - window)?;
        src.read_exact(&mut tail)?;
        let has_end = tail.windows(4).rev().skip(18).any(|w| w == b"PK\x05\x06");
        Ok(if has_end {
            Start::Prefixed { head }
        } else {
            Start::NotZip { head, window }
        })
    }
}

/// ZIP-01 and ZIP-17 on how the file begins. Returns whether the records can be scanned.
fn check_start<R: Read + Seek>(
    src: &mut Source<'_, R>,
    findings: &mut Findings,
) -> io::Result<bool> {
    let start = Start::sniff(src)?;
    if let Start::NotZip { head, window } = &start {
        // Nothing else is said about a file that is no zip: every other rule would only echo it.
        findings.error(ID_01, None, not_a_zip(head, *window));
        return Ok(false);
    }
    check_polyglot(src, findings)?;
    let Start::Prefixed { head } = &start else {
        return Ok(true);
    };
    findings.error(
        ID_01,
        None,
        format!(
            "archive does not start with a local file header at offset 0 (it starts with {}); \
             expected no prefix bytes before the first entry",
            sniff::quote(head)
        ),
    );
    Ok(false)
}

/// The ZIP-01 message for a file that is no zip at all: what it is, and what is missing.
fn not_a_zip(head: &[u8], window: u64) -> String {
    let found = sniff::describe(head);
    let missing = if head.is_empty() {
        String::new()
    } else {
        format!(" and no end of central directory record is in its last {window} bytes")
    };
    format!(
        "not a zip archive: {found}{missing}; expected a zip file starting with a local file \
         header (`PK\\x03\\x04`)"
    )
}

const ID_01: CheckId = CheckId("ZIP-01");
const ID_04: CheckId = CheckId("ZIP-04");
const ID_05: CheckId = CheckId("ZIP-05");
const ID_06: CheckId = CheckId("ZIP-06");
const ID_07: CheckId = CheckId("ZIP-07");
const ID_08: CheckId = CheckId("ZIP-08");
const ID_10: CheckId = CheckId("ZIP-10");
const ID_12: CheckId = CheckId("ZIP-12");
const ID_13: CheckId = CheckId("ZIP-13");
const ID_14: CheckId = CheckId("ZIP-14");
const ID_15: CheckId = CheckId("ZIP-15");
const ID_16: CheckId = CheckId("ZIP-16");
const ID_17: CheckId = CheckId("ZIP-17");

/// Scans local records from offset 0. Returns them and the signature that ended the run.
fn scan_locals<R: Read + Seek>(
    src: &mut Source<'_, R>,
    findings: &mut Findings,
) -> io::Result<Option<(Vec<LocalRecord>, Option<u32>)>> {
    let mut locals = Vec::new();
    let mut name_bytes = 0usize;
    let mut sig = src.sig()?;
    if !matches!(sig, Some(records::LFH_SIG | records::EOCD_SIG)) {
        findings.error(
            ID_01,
            None,
            "archive does not start with a local file header at offset 0; expected no prefix \
             bytes",
        );
        return Ok(None);
    }
    while sig == Some(records::LFH_SIG) {
        let start = src.pos().saturating_sub(4);
        let Some(local) = LocalRecord::read(src, start, findings)? else {
            return Ok(None);
        };
        name_bytes = name_bytes.saturating_add(local.name.len());
        locals.push(local);
        if locals.len() > MAX_ENTRIES || name_bytes > MAX_NAME_BYTES {
            findings.error(
                ID_16,
                None,
                format!(
                    "more than {MAX_ENTRIES} entries or {MAX_NAME_BYTES} bytes of names; \
                     the scan stopped"
                ),
            );
            return Ok(None);
        }
        sig = src.sig()?;
    }
    Ok(Some((locals, sig)))
}

/// Pairs each central record with the local record at its offset (ZIP-04).
fn join_records(
    locals: Vec<LocalRecord>,
    centrals: &[CentralRecord],
    findings: &mut Findings,
) -> Vec<(ZipEntry, Option<CentralRecord>)> {
    let by_offset: HashMap<u64, usize> = locals
        .iter()
        .enumerate()
        .map(|(index, local)| (local.offset, index))
        .collect();
    let mut paired: Vec<Option<CentralRecord>> = vec![None; locals.len()];
    for central in centrals {
        let name = central.display_name();
        let Some(&index) = by_offset.get(&central.local_offset) else {
            // Inside another entry's header or data: the two entries overlap (quoted overlap).
            let host = locals.iter().find(|local| {
                let end = local.data_offset.saturating_add(local.compressed_size);
                (local.offset..end).contains(&central.local_offset)
            });
            if let Some(host) = host {
                findings.error(
                    ID_06,
                    Some(&name),
                    format!(
                        "central directory entry points at offset {}, inside entry `{}` (bytes {}..{}): entries overlap; expected every entry to own its bytes",
                        central.local_offset,
                        host.display_name(),
                        host.offset,
                        host.data_offset.saturating_add(host.compressed_size)
                    ),
                );
                continue;
            }
            findings.error(
                ID_04,
                Some(&name),
                format!(
                    "central directory entry points at offset {} where no local header starts",
                    central.local_offset
                ),
            );
            continue;
        };
        let Some(slot) = paired.get_mut(index) else {
            continue;
        };
        if slot.is_some() {
            findings.error(
                ID_06,
                Some(&name),
                format!(
                    "two central directory entries share the local header at offset {}",
                    central.local_offset
                ),
            );
            continue;
        }
        if let Some(local) = locals.get(index) {
            compare_headers(local, central, findings);
        }
        *slot = Some(central.clone());
    }
    locals
        .into_iter()
        .zip(paired)
        .map(|(local, central)| {
            if central.is_none() {
                findings.error(
                    ID_04,
                    Some(&local.display_name()),
                    format!(
                        "local header at offset {} has no central directory entry",
                        local.offset
                    ),
                );
            }
            let entry = local.to_entry(central.as_ref());
            (entry, central)
        })
        .collect()
}

/// Requires the fields both headers carry to agree (ZIP-04).
fn compare_headers(local: &LocalRecord, central: &CentralRecord, findings: &mut Findings) {
    let mut differ = Vec::new();
    if local.name != central.name {
        differ.push(format!(
            "name (local `{}`, central `{}`)",
            local.display_name(),
            central.display_name()
        ));
    }
    let pairs = [
        ("method", u64::from(local.method), u64::from(central.method)),
        ("flags", u64::from(local.flags), u64::from(central.flags)),
        ("CRC-32", u64::from(local.crc32), u64::from(central.crc32)),
        (
            "compressed size",
            local.compressed_size,
            central.compressed_size,
        ),
        (
            "uncompressed size",
            local.uncompressed_size,
            central.uncompressed_size,
        ),
    ];
    for (field, l, c) in pairs {
        if l != c {
            differ.push(format!("{field} (local {l}, central {c})"));
        }
    }
    if !differ.is_empty() {
        findings.error(
            ID_04,
            Some(&central.display_name()),
            format!(
                "local header and central directory disagree on {}; expected identical fields",
                differ.join(", ")
            ),
        );
    }
}

/// Duplicate names, byte-exact, among local headers and among central records (ZIP-05).
fn check_names(
    entries: &[(ZipEntry, Option<CentralRecord>)],
    centrals: &[CentralRecord],
    findings: &mut Findings,
) {
    let mut seen = HashSet::new();
    for (entry, _) in entries {
        if !seen.insert(entry.name.as_bytes()) {
            findings.error(
                ID_05,
                Some(&entry.name),
                "duplicate name among local headers; expected each name once",
            );
        }
    }
    let mut seen = HashSet::new();
    for central in centrals {
        if !seen.insert(central.name.as_slice()) {
            findings.error(
                ID_05,
                Some(&central.display_name()),
                "duplicate name in the central directory; expected each name once",
            );
        }
    }
}

/// Per-entry rules that need both headers: flags, method, comment, attributes, dates.
fn check_entry(entry: &ZipEntry, central: Option<&CentralRecord>, findings: &mut Findings) {
    let name = entry.name.as_str();
    check_flags(name, entry.flags, findings);
    if !matches!(entry.method, STORED | DEFLATED) {
        findings.error(
            ID_08,
            Some(name),
            format!(
                "compression method {} ({}); expected 0 (stored) or 8 (deflate)",
                entry.method,
                method_name(entry.method)
            ),
        );
    }
    check_directory(entry, findings);
    let Some(central) = central else {
        return;
    };
    if central.comment_len != 0 {
        findings.error(
            ID_10,
            Some(name),
            format!(
                "entry comment of {} bytes; expected none",
                central.comment_len
            ),
        );
    }
    check_version_needed(name, central.version_needed, central.zip64, findings);
    check_dos_time(name, central.time, central.date, findings);
    if let Some(mode) = entry.unix_mode {
        check_mode(entry, mode, findings);
    }
}

fn method_name(method: u16) -> &'static str {
    match method {
        9 => "deflate64",
        12 => "bzip2",
        14 => "LZMA",
        93 => "zstd",
        95 => "xz",
        99 => "AES",
        _ => "unsupported",
    }
}

/// Encryption, data descriptors, unknown bits (ZIP-07).
fn check_flags(name: &str, flags: u16, findings: &mut Findings) {
    if flags & ENCRYPTION_FLAGS != 0 {
        findings.error(
            ID_07,
            Some(name),
            format!("entry is encrypted (flags {flags:#06x}); expected no encryption"),
        );
    }
    let unknown = flags & !(KNOWN_FLAGS | ENCRYPTION_FLAGS | DATA_DESCRIPTOR_FLAG);
    if unknown != 0 {
        findings.error(
            ID_07,
            Some(name),
            format!("unsupported flag bits {unknown:#06x}; expected only bits 1, 2 and 11"),
        );
    }
}

/// Directory entries carry nothing (ZIP-15).
fn check_directory(entry: &ZipEntry, findings: &mut Findings) {
    if !entry.is_dir() {
        return;
    }
    if entry.uncompressed_size != 0 || entry.crc32 != 0 {
        findings.error(
            ID_15,
            Some(&entry.name),
            format!(
                "directory entry carries {} bytes of data (CRC-32 {:#010x}); expected none",
                entry.uncompressed_size, entry.crc32
            ),
        );
    } else {
        findings.warn(
            ID_15,
            Some(&entry.name),
            "directory entry present; wheels need none",
        );
    }
}

/// "Version needed to extract" (ZIP-12). See: APPNOTE 4.4.3.2.
fn check_version_needed(name: &str, version: u16, zip64: bool, findings: &mut Findings) {
    let max = if zip64 { 45 } else { 20 };
    if version > max {
        findings.warn(
            ID_12,
            Some(name),
            format!("version needed to extract is {version}; expected at most {max}"),
        );
    }
}

/// DOS date and time fields are a real date (ZIP-13). See: APPNOTE 4.4.6.
fn check_dos_time(name: &str, time: u16, date: u16, findings: &mut Findings) {
    let (second2, minute, hour) = (time & 0x1f, (time >> 5) & 0x3f, time >> 11);
    let (day, month, year) = (date & 0x1f, (date >> 5) & 0x0f, 1980 + (date >> 9));
    let valid = second2 <= 29
        && minute < 60
        && hour < 24
        && (1..=31).contains(&day)
        && (1..=12).contains(&month);
    if !valid {
        findings.warn(
            ID_13,
            Some(name),
            format!(
                "invalid DOS timestamp {year}-{month:02}-{day:02} {hour:02}:{minute:02}:{:02}; \
                 expected a real date from 1980 on",
                second2 * 2
            ),
        );
    }
}

/// ZIP-13 in reproducible mode: every entry's DOS timestamp is `SOURCE_DATE_EPOCH` clamped to
/// 1980-01-01, in UTC, to DOS's two-second precision, as wheel, flit and hatchling write it.
/// One finding names how many entries differ and the first of them.
/// See: `wheel/wheelfile.py` (`MINIMUM_TIMESTAMP`, `time.gmtime`); reproducible-builds.org
/// `SOURCE_DATE_EPOCH` specification.
fn check_reproducible_times(
    entries: &[(ZipEntry, Option<CentralRecord>)],
    epoch: u64,
    findings: &mut Findings,
) {
    let expected = dos::Stamp::from_unix(epoch.max(dos::MIN_UNIX));
    let Some(expected) = expected else {
        findings.error(
            ID_13,
            None,
            format!(
                "SOURCE_DATE_EPOCH {epoch} is after 2107, the last year a DOS timestamp can \
                 hold; expected an epoch before 2108"
            ),
        );
        return;
    };
    let differing: Vec<(&str, dos::Stamp)> = entries
        .iter()
        .filter_map(|(entry, central)| {
            let found = central
                .as_ref()
                .map(|c| dos::Stamp::from_dos(c.date, c.time))?;
            (found != expected).then_some((entry.name.as_str(), found))
        })
        .collect();
    let Some((first, found)) = differing.first() else {
        return;
    };
    findings.error(
        ID_13,
        Some(first),
        format!(
            "{} of {} entries have a DOS timestamp other than SOURCE_DATE_EPOCH {epoch} (e.g. \
             `{first}` has {found}); expected {expected} UTC for every entry in a reproducible \
             build",
            differing.len(),
            entries.len()
        ),
    );
}

/// Unix file type and permission bits (ZIP-14). The exec-bit rule needs the content scan and
/// lives in `wheel.rs`.
fn check_mode(entry: &ZipEntry, mode: u32, findings: &mut Findings) {
    let name = entry.name.as_str();
    let kind = mode & 0o170_000;
    match kind {
        0 | 0o100_000 => {}
        0o040_000 if entry.is_dir() => {}
        0o040_000 => findings.error(
            ID_14,
            Some(name),
            "directory mode on a name that does not end in `/`; expected a regular file",
        ),
        _ => findings.error(
            ID_14,
            Some(name),
            format!(
                "Unix file type {} (mode {mode:#o}); expected a regular file",
                file_type_name(kind)
            ),
        ),
    }
    if mode & 0o7000 != 0 {
        findings.error(
            ID_14,
            Some(name),
            format!("setuid, setgid or sticky bit set (mode {mode:#o}); expected none"),
        );
    }
    if mode & 0o002 != 0 {
        findings.warn(
            ID_14,
            Some(name),
            format!("world-writable (mode {mode:#o}); expected no write bit for others"),
        );
    }
}

fn file_type_name(kind: u32) -> &'static str {
    match kind {
        0o120_000 => "symlink",
        0o010_000 => "FIFO",
        0o020_000 => "character device",
        0o060_000 => "block device",
        0o140_000 => "socket",
        _ => "unknown",
    }
}

/// Entry count, total size and ratios (ZIP-16). Returns whether streaming stays bounded.
fn check_limits(entries: &[ZipEntry], len: u64, findings: &mut Findings) -> bool {
    if entries.len() > WARN_ENTRIES {
        findings.warn(
            ID_16,
            None,
            format!("{} entries; expected at most {WARN_ENTRIES}", entries.len()),
        );
    }
    let mut total: u64 = 0;
    for entry in entries {
        total = total.saturating_add(entry.uncompressed_size);
        let limit = entry.compressed_size.saturating_mul(WARN_ENTRY_RATIO);
        if entry.uncompressed_size > limit.max(1024) {
            findings.warn(
                ID_16,
                Some(&entry.name),
                format!(
                    "compression ratio above {WARN_ENTRY_RATIO} ({} bytes from {}); possible \
                     zip bomb",
                    entry.uncompressed_size, entry.compressed_size
                ),
            );
        }
    }
    let mut bounded = true;
    if total > PYPI_RATIO_MIN_SIZE && total > len.saturating_mul(PYPI_RATIO_MAX) {
        findings.error(
            ID_16,
            None,
            format!(
                "{total} bytes uncompressed from a {len}-byte file: ratio above \
                 {PYPI_RATIO_MAX} with more than {PYPI_RATIO_MIN_SIZE} bytes, which PyPI rejects"
            ),
        );
    }
    if total > MAX_TOTAL_UNCOMPRESSED {
        findings.error(
            ID_16,
            None,
            format!("{total} bytes uncompressed; expected at most {MAX_TOTAL_UNCOMPRESSED}"),
        );
        bounded = false;
    }
    bounded
}

/// The file must not also be a tar archive (ZIP-17): a first 512-byte block whose header checksum
/// is valid is what `tarfile` accepts.
/// See: warehouse `forklift/legacy.py::_is_valid_dist_file`; POSIX ustar header layout.
fn check_polyglot<R: Read + Seek>(
    src: &mut Source<'_, R>,
    findings: &mut Findings,
) -> io::Result<()> {
    let mut block = [0u8; 512];
    if src.len() < 512 {
        return Ok(());
    }
    src.goto(0)?;
    src.read_exact(&mut block)?;
    if tar_checksum_valid(&block) {
        findings.error(
            ID_17,
            None,
            "the first 512 bytes are also a valid tar header; expected a file that is only a zip",
        );
    }
    Ok(())
}

fn tar_checksum_valid(block: &[u8; 512]) -> bool {
    // As `tarfile.nti`: the field up to its first NUL, blanks stripped, read as octal.
    let field = block.get(148..156).unwrap_or_default();
    let field = field.split(|b| *b == 0).next().unwrap_or_default();
    let Ok(text) = std::str::from_utf8(field) else {
        return false;
    };
    let Ok(declared) = u64::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, byte) in block.iter().enumerate() {
        let byte = if (148..156).contains(&i) { b' ' } else { *byte };
        unsigned += u64::from(byte);
        signed += i64::from(byte.cast_signed());
    }
    declared == unsigned || i64::try_from(declared).is_ok_and(|d| d == signed)
}
