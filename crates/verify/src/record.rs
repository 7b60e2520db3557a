//! The wheel's RECORD file: REC-* syntax rules and per-row hash and size declarations.
//!
//! RECORD is read with a strict subset of Python's `csv` default dialect: `,` separators, `"`
//! quoting with `""` escapes, `\n` or `\r\n` line ends. Python's reader tolerates stray quotes
//! and text after a closing quote; those quirks are errors here, since other parsers disagree.
//! See: packaging.python.org "Recording installed projects", "The RECORD file".

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use blake2::{Blake2b512, Blake2s256};
use sha2::digest::DynDigest;
use sha2::{Sha256, Sha384, Sha512};
use sha3::{Sha3_256, Sha3_384, Sha3_512};

use crate::check::{CheckId, Findings};

const ID_01: CheckId = CheckId("REC-01");
const ID_03: CheckId = CheckId("REC-03");
const ID_04: CheckId = CheckId("REC-04");
const ID_05: CheckId = CheckId("REC-05");
const ID_06: CheckId = CheckId("REC-06");
const ID_08: CheckId = CheckId("REC-08");
const ID_09: CheckId = CheckId("REC-09");

/// One row of RECORD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// The path, as written.
    pub path: String,
    /// The declared hash algorithm name (`sha256`, `sha512`, ...), if any.
    pub algorithm: Option<String>,
    /// The decoded digest bytes, if the hash was well-formed.
    pub digest: Option<Vec<u8>>,
    /// The declared size, if any.
    pub size: Option<u64>,
}

/// Parses RECORD (REC-01, REC-03..06, REC-09), recording findings. Rows that fail to parse are
/// reported and left out.
pub fn parse(bytes: &[u8], member: &str, findings: &mut Findings) -> Vec<RecordRow> {
    let bytes = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => {
            findings.error(
                ID_01,
                Some(member),
                "RECORD starts with a UTF-8 byte order mark; expected plain UTF-8",
            );
            rest
        }
        None => bytes,
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        findings.error(ID_01, Some(member), "RECORD is not valid UTF-8");
        return Vec::new();
    };
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (line, parsed) in csv_rows(text) {
        let fields = match parsed {
            Ok(fields) => fields,
            Err(problem) => {
                findings.error(ID_01, Some(member), format!("line {line}: {problem}"));
                continue;
            }
        };
        let n_fields = fields.len();
        let Ok([path, hash, size]) = <[String; 3]>::try_from(fields) else {
            findings.error(
                ID_01,
                Some(member),
                format!("line {line} has {n_fields} fields; expected 3"),
            );
            continue;
        };
        if !seen.insert(path.clone()) {
            findings.error(
                ID_03,
                Some(member),
                format!("line {line}: `{path}` is listed more than once"),
            );
            continue;
        }
        rows.push(parse_row(&path, &hash, &size, member, findings));
    }
    rows
}

/// Checks one row's path, hash and size.
fn parse_row(
    path: &str,
    hash: &str,
    size: &str,
    member: &str,
    findings: &mut Findings,
) -> RecordRow {
    check_path(path, member, findings);
    let mut row = RecordRow {
        path: path.to_owned(),
        algorithm: None,
        digest: None,
        size: None,
    };
    if path == member {
        if !hash.is_empty() || !size.is_empty() {
            findings.error(
                ID_04,
                Some(member),
                format!(
                    "RECORD's own row has hash `{hash}` and size `{size}`; expected both empty"
                ),
            );
        }
        return row;
    }
    if hash.is_empty() || size.is_empty() {
        findings.error(
            ID_05,
            Some(path),
            format!("RECORD row has hash `{hash}` and size `{size}`; expected both non-empty"),
        );
    }
    if !hash.is_empty()
        && let Some((algorithm, digest)) = parse_hash(path, hash, findings)
    {
        row.algorithm = Some(algorithm);
        row.digest = Some(digest);
    }
    if !size.is_empty() {
        row.size = parse_size(path, size, findings);
    }
    row
}

/// RECORD paths are relative POSIX file paths (REC-09).
/// See: packaging.python.org "The RECORD file" ("Directories should not be listed").
fn check_path(path: &str, member: &str, findings: &mut Findings) {
    let problem = if path.is_empty() {
        Some("an empty path")
    } else if path.ends_with('/') {
        Some("a directory row")
    } else if path.contains('\\') {
        Some("a backslash; expected `/` separators")
    } else if path.starts_with('/') {
        Some("an absolute path")
    } else if path.split('/').any(|part| matches!(part, "" | "." | "..")) {
        Some("an empty, `.` or `..` component")
    } else {
        None
    };
    if let Some(problem) = problem {
        findings.error(
            ID_09,
            Some(member),
            format!("RECORD row `{path}` has {problem}"),
        );
    }
}

/// How a RECORD algorithm name is judged (REC-06).
enum Algorithm {
    /// Permitted, with this digest length in bytes.
    Allowed(usize),
    /// Known but not permitted (weaker than sha256, or variable length).
    Forbidden,
    /// Not a hashlib algorithm name we know.
    Unknown,
}

fn algorithm(name: &str) -> Algorithm {
    match name {
        "sha256" | "sha3_256" | "blake2s" => Algorithm::Allowed(32),
        "sha384" | "sha3_384" => Algorithm::Allowed(48),
        "sha512" | "sha3_512" | "blake2b" => Algorithm::Allowed(64),
        "md5" | "sha1" | "sha224" | "sha3_224" | "sha512_224" | "sha512_256" | "shake_128"
        | "shake_256" | "md5-sha1" | "sm3" | "ripemd160" => Algorithm::Forbidden,
        _ => Algorithm::Unknown,
    }
}

/// `alg=digest` with a permitted algorithm and a strict url-safe base64 digest (REC-06).
fn parse_hash(path: &str, hash: &str, findings: &mut Findings) -> Option<(String, Vec<u8>)> {
    let Some((name, encoded)) = hash.split_once('=') else {
        findings.error(
            ID_06,
            Some(path),
            format!("hash `{hash}` is not `algorithm=digest`"),
        );
        return None;
    };
    let expected_len = match algorithm(name) {
        Algorithm::Allowed(len) => len,
        Algorithm::Forbidden => {
            findings.error(
                ID_06,
                Some(path),
                format!("hash algorithm `{name}` is not permitted; expected sha256 or stronger"),
            );
            return None;
        }
        Algorithm::Unknown => {
            findings.error(
                ID_06,
                Some(path),
                format!(
                    "unknown hash algorithm `{name}`; expected one of sha256, sha384, sha512, \
                     sha3_256, sha3_384, sha3_512, blake2b, blake2s"
                ),
            );
            return None;
        }
    };
    match decode_digest(encoded, expected_len) {
        Ok(digest) => Some((name.to_owned(), digest)),
        Err(problem) => {
            findings.error(
                ID_06,
                Some(path),
                format!("{name} digest `{encoded}` {problem}"),
            );
            None
        }
    }
}

/// Strict url-safe base64 without padding, of exactly `len` bytes, canonical trailing bits.
fn decode_digest(encoded: &str, len: usize) -> Result<Vec<u8>, String> {
    if encoded.contains('=') {
        return Err("has `=` padding; expected none".to_owned());
    }
    if encoded.contains(['+', '/']) {
        return Err(
            "uses the standard base64 alphabet (`+`, `/`); expected `-` and `_`".to_owned(),
        );
    }
    if let Some(bad) = encoded
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        return Err(format!("contains `{bad}`; expected url-safe base64"));
    }
    let expected_chars = (len * 8).div_ceil(6);
    if encoded.len() != expected_chars {
        return Err(format!(
            "is {} characters; a {len}-byte digest takes {expected_chars}",
            encoded.len()
        ));
    }
    URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| "has non-zero unused trailing bits; expected canonical base64".to_owned())
}

/// ASCII decimal, no sign or blanks; leading zeros warn (REC-08).
fn parse_size(path: &str, size: &str, findings: &mut Findings) -> Option<u64> {
    let parsed = size
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| size.parse::<u64>().ok())
        .flatten();
    let Some(value) = parsed else {
        findings.error(
            ID_08,
            Some(path),
            format!("size `{size}` is not a plain decimal number"),
        );
        return None;
    };
    if size.len() > 1 && size.starts_with('0') {
        findings.warn(
            ID_08,
            Some(path),
            format!("size `{size}` has leading zeros"),
        );
    }
    Some(value)
}

/// Splits `text` into CSV rows: (line number, fields or what is wrong with the row).
fn csv_rows(text: &str) -> Vec<(usize, Result<Vec<String>, String>)> {
    let mut rows = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let row = csv_row(&mut chars, &mut line);
        if row.is_err() {
            // Resynchronise at the next line end.
            for c in chars.by_ref() {
                if c == '\n' {
                    line += 1;
                    break;
                }
            }
        }
        rows.push((start, row));
    }
    rows
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Reads one row, consuming its line end.
fn csv_row(chars: &mut Chars<'_>, line: &mut usize) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    loop {
        let (field, quoted) = if chars.peek() == Some(&'"') {
            chars.next();
            (quoted_field(chars, line)?, true)
        } else {
            (plain_field(chars)?, false)
        };
        fields.push(field);
        match chars.next() {
            Some(',') => {}
            None => return Ok(fields),
            Some('\n') => {
                *line += 1;
                return finish_row(fields, quoted);
            }
            Some('\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                *line += 1;
                return finish_row(fields, quoted);
            }
            Some('\r') => return Err("carriage return without line feed".to_owned()),
            Some(c) => return Err(format!("`{c}` after a closing quote; expected `,`")),
        }
    }
}

fn finish_row(fields: Vec<String>, last_quoted: bool) -> Result<Vec<String>, String> {
    if fields.len() == 1 && fields[0].is_empty() && !last_quoted {
        return Err("blank row".to_owned());
    }
    Ok(fields)
}

fn quoted_field(chars: &mut Chars<'_>, line: &mut usize) -> Result<String, String> {
    let mut field = String::new();
    loop {
        match chars.next() {
            None => return Err("quoted field is not closed".to_owned()),
            Some('"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            Some('"') => return Ok(field),
            Some(c) => {
                if c == '\n' {
                    *line += 1;
                }
                field.push(c);
            }
        }
    }
}

fn plain_field(chars: &mut Chars<'_>) -> Result<String, String> {
    let mut field = String::new();
    while let Some(&c) = chars.peek() {
        match c {
            ',' | '\n' | '\r' => break,
            '"' => return Err("`\"` inside an unquoted field".to_owned()),
            c => field.push(c),
        }
        chars.next();
    }
    Ok(field)
}

/// Hashes member content with the algorithm a RECORD row names (REC-07).
pub struct RecordHasher(Box<dyn DynDigest + Send>);

impl RecordHasher {
    /// A hasher for a permitted algorithm name, or `None`.
    #[must_use]
    pub fn new(algorithm: &str) -> Option<Self> {
        let inner: Box<dyn DynDigest + Send> = match algorithm {
            "sha256" => Box::new(Sha256::default()),
            "sha384" => Box::new(Sha384::default()),
            "sha512" => Box::new(Sha512::default()),
            "sha3_256" => Box::new(Sha3_256::default()),
            "sha3_384" => Box::new(Sha3_384::default()),
            "sha3_512" => Box::new(Sha3_512::default()),
            "blake2b" => Box::new(Blake2b512::default()),
            "blake2s" => Box::new(Blake2s256::default()),
            _ => return None,
        };
        Some(Self(inner))
    }

    /// Feeds content.
    pub fn update(&mut self, chunk: &[u8]) {
        self.0.update(chunk);
    }

    /// The digest.
    #[must_use]
    pub fn finalize(self) -> Vec<u8> {
        self.0.finalize().into_vec()
    }
}
