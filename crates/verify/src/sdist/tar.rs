//! A strict, streaming tar reader (SD-02..04) for the canonical subset an sdist may use:
//! ustar headers, regular files, directories and local PAX headers with a short key allow-list.
//!
//! Everything outside the subset is reported, never interpreted: a member type we reject is
//! skipped by its header's size, a PAX `size` is never applied, and bytes after the end-of-archive
//! marker are an error rather than ignored.
//!
//! See: POSIX.1-2017 `pax` (ustar interchange format, pax extended header records).

use std::collections::HashSet;

use super::{ByteSource, Malformed, ReadError};
use crate::check::{CheckId, Findings};
use crate::sniff;

const BLOCK: usize = 512;
/// A PAX header this large is not metadata for one member.
const MAX_PAX_LEN: u64 = 1024 * 1024;
const PAX_KEYS: [&str; 8] = [
    "path", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname",
];

/// A regular file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberKind {
    /// Typeflag `0` or NUL.
    File,
    /// Typeflag `5`.
    Dir,
}

/// One accepted member's header, with any PAX overrides applied.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) kind: MemberKind,
    pub(crate) mode: u64,
    pub(crate) uid: u64,
    pub(crate) gid: u64,
    pub(crate) uname: String,
    pub(crate) gname: String,
    /// Whole seconds since the epoch.
    pub(crate) mtime: u64,
}

/// The PAX keys of one local extended header, validated.
#[derive(Debug, Default)]
struct Pax {
    path: Option<String>,
    mtime: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    uname: Option<String>,
    gname: Option<String>,
}

/// Reads members one by one from a decompressed tar stream.
pub(crate) struct TarReader<S> {
    source: S,
    /// Bytes of the current member's data not yet read.
    remaining: u64,
    /// Padding after the current member's data.
    padding: u64,
    ended: bool,
    magic_reported: bool,
    /// Decompressed bytes read so far: where the next block starts.
    offset: u64,
}

impl<S: ByteSource> TarReader<S> {
    pub(crate) fn new(source: S) -> Self {
        Self {
            source,
            remaining: 0,
            padding: 0,
            ended: false,
            magic_reported: false,
            offset: 0,
        }
    }

    /// Reads from the source, counting the offset.
    fn pull(&mut self, out: &mut [u8]) -> Result<usize, ReadError> {
        let n = self.source.read(out)?;
        self.offset += n as u64;
        Ok(n)
    }

    /// The underlying byte source.
    pub(crate) fn source(&self) -> &S {
        &self.source
    }

    /// The next regular file or directory, or `None` after a valid end of archive. Rejected
    /// member types and header defects that leave the stream readable are recorded in
    /// `findings` and skipped; anything that makes the stream unreadable is an `Err`.
    pub(crate) fn next_member(
        &mut self,
        findings: &mut Findings,
    ) -> Result<Option<Member>, ReadError> {
        self.skip_rest()?;
        let mut pax: Option<Pax> = None;
        loop {
            let at = self.offset;
            let Some(block) = self.read_block()? else {
                return Err(if at == 0 {
                    not_tar("the gzip stream decompresses to no data at all")
                } else {
                    tar_error(
                        "SD-04",
                        "tar archive ends without the end-of-archive marker (two zero blocks)",
                    )
                });
            };
            if block.iter().all(|&b| b == 0) {
                if pax.is_some() {
                    findings.error(
                        CheckId("SD-03"),
                        None,
                        "PAX header is followed by the end of the archive; expected a member",
                    );
                }
                self.read_end()?;
                return Ok(None);
            }
            let header = Header::parse(&block, findings).map_err(|err| locate(err, at, &block))?;
            self.check_magic(&header, findings);
            self.remaining = header.size;
            self.padding = padding_for(header.size);
            match header.typeflag {
                b'x' => {
                    if pax.is_some() {
                        findings.error(
                            CheckId("SD-03"),
                            None,
                            "two PAX headers in a row; expected each to be followed by its member",
                        );
                    }
                    pax = Some(self.read_pax(header.size, findings)?);
                }
                b'0' | 0 | b'5' => return Ok(Some(header.into_member(pax.take(), findings))),
                other => {
                    reject_type(other, &header, findings);
                    if pax.take().is_some() {
                        findings.error(
                            CheckId("SD-03"),
                            Some(&header.name),
                            "PAX header applies to a member type that is not allowed",
                        );
                    }
                    self.skip_rest()?;
                }
            }
        }
    }

    /// One finding per archive: a GNU-format writer gets every header "wrong" the same way.
    fn check_magic(&mut self, header: &Header, findings: &mut Findings) {
        if header.magic_ok || self.magic_reported {
            return;
        }
        self.magic_reported = true;
        findings.error(
            CheckId("SD-02"),
            Some(&header.name),
            format!(
                "tar header magic is `{}`; expected ustar (`ustar\\0` and version `00`), as the \
                 sdist format's PAX requires",
                header.magic
            ),
        );
    }

    /// Reads the current member's data into `out`; 0 means the data is exhausted.
    pub(crate) fn read_data(&mut self, out: &mut [u8]) -> Result<usize, ReadError> {
        let want = usize::try_from(self.remaining).map_or(out.len(), |r| r.min(out.len()));
        if want == 0 {
            return Ok(0);
        }
        let n = self.pull(&mut out[..want])?;
        if n == 0 {
            return Err(tar_error(
                "SD-02",
                "tar archive is truncated inside a member's data",
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }

    /// Skips whatever is left of the current member's data and its padding.
    fn skip_rest(&mut self) -> Result<(), ReadError> {
        let mut scratch = [0u8; 8192];
        while self.read_data(&mut scratch)? > 0 {}
        while self.padding > 0 {
            let want =
                usize::try_from(self.padding).map_or(scratch.len(), |p| p.min(scratch.len()));
            let n = self.pull(&mut scratch[..want])?;
            if n == 0 {
                return Err(tar_error(
                    "SD-02",
                    "tar archive is truncated inside a member's padding",
                ));
            }
            self.padding -= n as u64;
        }
        Ok(())
    }

    /// One 512-byte block, `None` at a clean end of stream, an error for a partial block.
    fn read_block(&mut self) -> Result<Option<[u8; BLOCK]>, ReadError> {
        let mut block = [0u8; BLOCK];
        let mut filled = 0;
        while filled < BLOCK {
            let n = self.pull(&mut block[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        match filled {
            0 => Ok(None),
            BLOCK => Ok(Some(block)),
            partial if self.offset == partial as u64 => Err(not_tar(&format!(
                "the gzip stream decompresses to only {partial} bytes, starting with {}",
                sniff::quote(&block[..partial])
            ))),
            partial => Err(tar_error(
                "SD-04",
                format!("tar archive ends with a partial block of {partial} bytes"),
            )),
        }
    }

    /// After the first zero block: one more zero block, then only zero padding to the end.
    fn read_end(&mut self) -> Result<(), ReadError> {
        self.ended = true;
        let mut zero_blocks = 1u64;
        while let Some(block) = self.read_block()? {
            if block.iter().any(|&b| b != 0) {
                let note = if zero_blocks >= 2 {
                    "a member or data follows the end-of-archive marker"
                } else {
                    "a zero block comes before the last member"
                };
                return Err(tar_error(
                    "SD-04",
                    format!("{note}; readers that stop at the first zero block would not see it"),
                ));
            }
            zero_blocks += 1;
        }
        if zero_blocks < 2 {
            return Err(tar_error(
                "SD-04",
                "tar archive ends after one zero block; expected two",
            ));
        }
        Ok(())
    }

    fn read_pax(&mut self, size: u64, findings: &mut Findings) -> Result<Pax, ReadError> {
        if size > MAX_PAX_LEN {
            return Err(tar_error(
                "SD-03",
                format!("PAX header is {size} bytes; expected at most {MAX_PAX_LEN}"),
            ));
        }
        let mut data = vec![0u8; usize::try_from(size).unwrap_or(0)];
        let mut filled = 0;
        while filled < data.len() {
            filled += self.read_data(&mut data[filled..])?;
        }
        self.skip_rest()?;
        Ok(parse_pax(&data, findings))
    }

    /// Whether the end-of-archive marker was reached.
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }
}

fn padding_for(size: u64) -> u64 {
    let rem = size % BLOCK as u64;
    if rem == 0 { 0 } else { BLOCK as u64 - rem }
}

/// SD-02 for data that is no tar archive at all; `found` says what it is instead.
fn not_tar(found: &str) -> ReadError {
    tar_error(
        "SD-02",
        format!("not a tar archive: {found}; expected 512-byte ustar header blocks"),
    )
}

/// Says where a header that stops the read lies. A bad first header means the data is no tar
/// at all, so the message says that and quotes (escaped, bounded) what the data starts with.
fn locate(err: ReadError, at: u64, block: &[u8; BLOCK]) -> ReadError {
    let ReadError::Malformed(m) = err else {
        return err;
    };
    if at == 0
        && let Some(problem) = checksum_problem(block)
    {
        return not_tar(&format!(
            "bad header checksum at offset 0 ({problem}); the decompressed data starts with {}",
            sniff::quote(block)
        ));
    }
    tar_error(m.id, format!("tar header at offset {at}: {}", m.message))
}

fn tar_error(id: &'static str, message: impl Into<String>) -> ReadError {
    ReadError::Malformed(Malformed {
        id,
        message: message.into(),
    })
}

fn reject_type(typeflag: u8, header: &Header, findings: &mut Findings) {
    let what = match typeflag {
        b'1' => "hard link",
        b'2' => "symbolic link",
        b'3' => "character device",
        b'4' => "block device",
        b'6' => "FIFO",
        b'7' => "contiguous file",
        b'g' => "PAX global header",
        b'L' => "GNU long name",
        b'K' => "GNU long link name",
        b'S' => "GNU sparse file",
        b'V' => "GNU volume header",
        b'D' => "GNU dumpdir",
        b'M' => "GNU multi-volume continuation",
        b'N' => "GNU old long name",
        _ => "unknown member type",
    };
    findings.error(
        CheckId("SD-02"),
        Some(&header.name),
        format!(
            "tar member has type `{}` ({what}); expected a regular file (`0`), a directory \
             (`5`) or a local PAX header (`x`)",
            typeflag.escape_ascii()
        ),
    );
}

/// The fields of one ustar header block.
struct Header {
    magic_ok: bool,
    magic: String,
    name: String,
    typeflag: u8,
    size: u64,
    mode: u64,
    uid: u64,
    gid: u64,
    mtime: u64,
    uname: String,
    gname: String,
}

impl Header {
    fn parse(block: &[u8; BLOCK], findings: &mut Findings) -> Result<Self, ReadError> {
        check_checksum(block)?;
        let typeflag = block[156];
        let name = header_name(block, findings);
        let size = octal(block, 124, 12, "size")?;
        let numbers = [
            octal(block, 100, 8, "mode"),
            octal(block, 108, 8, "uid"),
            octal(block, 116, 8, "gid"),
            octal(block, 136, 12, "mtime"),
            octal(block, 329, 8, "devmajor"),
            octal(block, 337, 8, "devminor"),
        ];
        let mut values = [0u64; 6];
        for (slot, number) in values.iter_mut().zip(numbers) {
            *slot = number.unwrap_or_else(|err| {
                record(err, &name, findings);
                0
            });
        }
        if matches!(typeflag, b'0' | 0 | b'5') && block[157..257].iter().any(|&b| b != 0) {
            findings.error(
                CheckId("SD-02"),
                Some(&name),
                "tar header of a file or directory has a link name; expected it empty",
            );
        }
        Ok(Self {
            magic_ok: &block[257..263] == b"ustar\0" && &block[263..265] == b"00",
            magic: block[257..265].escape_ascii().to_string(),
            uname: text_field(block, 265, 32, "uname", &name, findings),
            gname: text_field(block, 297, 32, "gname", &name, findings),
            name,
            typeflag,
            size,
            mode: values[0],
            uid: values[1],
            gid: values[2],
            mtime: values[3],
        })
    }

    fn into_member(self, pax: Option<Pax>, findings: &mut Findings) -> Member {
        let kind = if self.typeflag == b'5' {
            MemberKind::Dir
        } else {
            MemberKind::File
        };
        let pax = pax.unwrap_or_default();
        if let Some(path) = &pax.path {
            check_pax_path(path, &self.name, findings);
        }
        let name = pax.path.unwrap_or(self.name);
        if kind == MemberKind::Dir && self.size != 0 {
            findings.error(
                CheckId("SD-02"),
                Some(&name),
                format!(
                    "directory member carries {} bytes of data; expected none (readers that \
                     parse it as headers see hidden members)",
                    self.size
                ),
            );
        }
        Member {
            name,
            kind,
            mode: self.mode,
            uid: pax.uid.unwrap_or(self.uid),
            gid: pax.gid.unwrap_or(self.gid),
            uname: pax.uname.unwrap_or(self.uname),
            gname: pax.gname.unwrap_or(self.gname),
            mtime: pax.mtime.unwrap_or(self.mtime),
        }
    }
}

/// A PAX `path` may only say what the ustar fields cannot: readers that ignore PAX must see the
/// same member, or at least one under the same top-level directory.
fn check_pax_path(path: &str, ustar: &str, findings: &mut Findings) {
    let problem = if fits_ustar(path) {
        (path != ustar).then_some("the ustar fields could hold the path, but name another member")
    } else {
        let top = |p: &str| p.split('/').next().map(str::to_owned);
        (top(path) != top(ustar)).then_some("the ustar name lies under another top-level directory")
    };
    if let Some(problem) = problem {
        findings.error(
            CheckId("SD-03"),
            Some(path),
            format!(
                "PAX `path` `{path}` overrides the ustar name `{ustar}`: {problem}; readers that \
                 ignore PAX would see a different member"
            ),
        );
    }
}

/// Whether a path can be stored in the ustar `name` (100 bytes) and `prefix` (155) fields.
fn fits_ustar(path: &str) -> bool {
    if !path.is_ascii() {
        return false;
    }
    if path.len() <= 100 {
        return true;
    }
    path.match_indices('/')
        .any(|(at, _)| at <= 155 && path.len() - at - 1 <= 100 && at + 1 < path.len())
}

fn record(err: ReadError, member: &str, findings: &mut Findings) {
    if let ReadError::Malformed(m) = err {
        findings.error(CheckId(m.id), Some(member), m.message);
    }
}

fn check_checksum(block: &[u8; BLOCK]) -> Result<(), ReadError> {
    match checksum_problem(block) {
        Some(problem) => Err(tar_error(
            "SD-02",
            format!("bad tar header checksum: {problem}"),
        )),
        None => Ok(()),
    }
}

/// What is wrong with the header checksum, which is the unsigned byte sum with the checksum
/// field counted as spaces.
fn checksum_problem(block: &[u8; BLOCK]) -> Option<String> {
    let Ok(stored) = octal(block, 148, 8, "chksum") else {
        return Some(format!(
            "the `chksum` field holds {}, which is not octal digits",
            sniff::quote(&block[148..156])
        ));
    };
    let sum: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    (stored != sum).then(|| {
        format!("the `chksum` field says {stored:o} (octal); the header's bytes give {sum:o}")
    })
}

/// A numeric field: optional leading spaces, octal digits, then only NUL/space terminators. An
/// all-NUL field is 0. Base-256 (high bit set) and anything else is an error.
fn octal(block: &[u8; BLOCK], at: usize, len: usize, field: &str) -> Result<u64, ReadError> {
    let bytes = &block[at..at + len];
    let bad = || {
        tar_error(
            "SD-02",
            format!(
                "tar header field `{field}` is {}; expected octal digits terminated by NUL or \
                 space",
                sniff::quote(bytes)
            ),
        )
    };
    let start = bytes.iter().position(|&b| b != b' ').unwrap_or(len);
    let digits_end = bytes[start..]
        .iter()
        .position(|b| !(b'0'..=b'7').contains(b))
        .map_or(len, |p| start + p);
    if bytes[digits_end..].iter().any(|&b| b != 0 && b != b' ') {
        return Err(bad());
    }
    bytes[start..digits_end].iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(8)
            .and_then(|acc| acc.checked_add(u64::from(d - b'0')))
            .ok_or_else(bad)
    })
}

/// A NUL-terminated text field; bytes after the terminator must be NUL too.
fn text_field(
    block: &[u8; BLOCK],
    at: usize,
    len: usize,
    field: &str,
    member: &str,
    findings: &mut Findings,
) -> String {
    let bytes = &block[at..at + len];
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(len);
    if bytes[end..].iter().any(|&b| b != 0) {
        findings.error(
            CheckId("SD-02"),
            Some(member),
            format!("tar header field `{field}` has bytes after its NUL terminator"),
        );
    }
    if let Ok(text) = std::str::from_utf8(&bytes[..end]) {
        return text.to_owned();
    }
    findings.error(
        CheckId("SD-02"),
        Some(member),
        format!("tar header field `{field}` is not valid UTF-8"),
    );
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `prefix/name` for ustar headers, each NUL-terminated and NUL-padded.
fn header_name(block: &[u8; BLOCK], findings: &mut Findings) -> String {
    let name = text_field(block, 0, 100, "name", "(tar header)", findings);
    let prefix = text_field(block, 345, 155, "prefix", &name, findings);
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// Parses `LEN key=value\n` records, recording every defect; only valid records apply.
fn parse_pax(data: &[u8], findings: &mut Findings) -> Pax {
    let mut pax = Pax::default();
    let mut seen = HashSet::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some((key, value, tail)) = split_record(rest) else {
            findings.error(
                CheckId("SD-03"),
                None,
                format!(
                    "PAX record `{}` is not framed as `LEN key=value\\n`",
                    rest[..rest.len().min(40)].escape_ascii()
                ),
            );
            return pax;
        };
        rest = tail;
        if !seen.insert(key.to_owned()) {
            findings.error(
                CheckId("SD-03"),
                None,
                format!("PAX key `{key}` appears twice in one header; expected once"),
            );
            continue;
        }
        apply_pax(&mut pax, key, value, findings);
    }
    pax
}

/// One record: its key, its value, and the bytes after it.
fn split_record(data: &[u8]) -> Option<(&str, &str, &[u8])> {
    let space = data.iter().take(20).position(|&b| b == b' ')?;
    let len_text = &data[..space];
    if len_text.is_empty() || !len_text.iter().all(u8::is_ascii_digit) || (len_text[0] == b'0') {
        return None;
    }
    let len: usize = std::str::from_utf8(len_text).ok()?.parse().ok()?;
    let record = data.get(..len)?;
    let body = record.get(space + 1..)?.strip_suffix(b"\n")?;
    if body.contains(&0) {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let (key, value) = text.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    Some((key, value, &data[len..]))
}

fn apply_pax(pax: &mut Pax, key: &str, value: &str, findings: &mut Findings) {
    if !PAX_KEYS.contains(&key) {
        findings.error(
            CheckId("SD-03"),
            None,
            format!(
                "PAX key `{key}` is not allowed; expected only {}",
                PAX_KEYS.map(|k| format!("`{k}`")).join(", ")
            ),
        );
        return;
    }
    let bad = |findings: &mut Findings| {
        findings.error(
            CheckId("SD-03"),
            None,
            format!("PAX `{key}` value `{value}` is not valid for that key"),
        );
    };
    match key {
        "path" if value.is_empty() => bad(findings),
        "path" => pax.path = Some(value.to_owned()),
        "uname" => pax.uname = Some(value.to_owned()),
        "gname" => pax.gname = Some(value.to_owned()),
        "uid" | "gid" => match decimal(value) {
            Some(n) if key == "uid" => pax.uid = Some(n),
            Some(n) => pax.gid = Some(n),
            None => bad(findings),
        },
        _ => match value.split_once('.') {
            // Times: whole seconds with an optional fraction.
            Some((whole, frac)) if frac.bytes().all(|b| b.is_ascii_digit()) => {
                match decimal(whole) {
                    Some(n) if key == "mtime" => pax.mtime = Some(n),
                    Some(_) => {}
                    None => bad(findings),
                }
            }
            Some(_) => bad(findings),
            None => match decimal(value) {
                Some(n) if key == "mtime" => pax.mtime = Some(n),
                Some(_) => {}
                None => bad(findings),
            },
        },
    }
}

fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
