//! Test support: a byte-level zip writer that produces valid wheels and every malformed variant
//! the strict reader must reject.
//!
//! Each member's local and central header fields are plain public fields, so a test builds a
//! valid archive and then breaks exactly one thing (a CRC, a name, a flag) before writing it.
//! See: APPNOTE.TXT 6.3.10 sections 4.3.7 (local header), 4.3.12 (central header), 4.3.16 (end).

use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use sha2::{Digest as _, Sha256};

/// Unix regular file, `rw-r--r--`, as the upper half of the external attributes.
pub const MODE_FILE: u32 = 0o100_644 << 16;
/// Unix directory, `rwxr-xr-x`.
pub const MODE_DIR: u32 = 0o040_755 << 16;
/// Unix symlink, `rwxrwxrwx`.
pub const MODE_SYMLINK: u32 = 0o120_777 << 16;
/// 1980-01-01, the earliest DOS date.
pub const DOS_DATE_1980: u16 = (1 << 5) | 1;

/// One archive member: its content and every header field a test may want to break.
#[derive(Debug, Clone)]
pub struct Member {
    /// Name in the local header.
    pub name: Vec<u8>,
    /// Name in the central directory; `None` means the same as the local name.
    pub central_name: Option<Vec<u8>>,
    /// The uncompressed content.
    pub data: Vec<u8>,
    /// Compression method written to both headers.
    pub method: u16,
    /// The bytes stored as the entry's data; `None` means derived from `data` and `method`.
    pub raw: Option<Vec<u8>>,
    /// General-purpose flags in both headers.
    pub flags: u16,
    /// CRC-32 in both headers; `None` means the real CRC of `data`.
    pub crc32: Option<u32>,
    /// Uncompressed size in both headers; `None` means `data.len()`.
    pub uncompressed_size: Option<u32>,
    /// Compressed size in both headers; `None` means the length of the raw data.
    pub compressed_size: Option<u32>,
    /// Version needed to extract.
    pub version_needed: u16,
    /// Version made by (high byte: host system, 3 = Unix).
    pub version_made_by: u16,
    /// External attributes.
    pub external_attr: u32,
    /// DOS time.
    pub time: u16,
    /// DOS date.
    pub date: u16,
    /// Local header extra field bytes.
    pub local_extra: Vec<u8>,
    /// Central header extra field bytes.
    pub central_extra: Vec<u8>,
    /// Per-entry comment in the central directory.
    pub comment: Vec<u8>,
    /// Whether the member gets a central directory record at all.
    pub in_central: bool,
    /// Replaces the local header offset in the central record (overlaps, shared headers).
    pub central_offset: Option<u32>,
    /// Bytes written after the entry's data, before the next record (a gap).
    pub trailing: Vec<u8>,
}

impl Member {
    /// A deflated regular file.
    #[must_use]
    pub fn deflated(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.as_bytes().to_vec(),
            central_name: None,
            data: data.to_vec(),
            method: 8,
            raw: None,
            flags: 0,
            crc32: None,
            uncompressed_size: None,
            compressed_size: None,
            version_needed: 20,
            version_made_by: 0x031e,
            external_attr: MODE_FILE,
            time: 0,
            date: DOS_DATE_1980,
            local_extra: Vec::new(),
            central_extra: Vec::new(),
            comment: Vec::new(),
            in_central: true,
            central_offset: None,
            trailing: Vec::new(),
        }
    }

    /// A stored regular file.
    #[must_use]
    pub fn stored(name: &str, data: &[u8]) -> Self {
        Self {
            method: 0,
            version_needed: 10,
            ..Self::deflated(name, data)
        }
    }

    /// A directory entry with no content.
    #[must_use]
    pub fn directory(name: &str) -> Self {
        Self {
            external_attr: MODE_DIR,
            ..Self::stored(name, b"")
        }
    }

    /// The bytes written as the entry's data.
    #[must_use]
    pub fn raw_data(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        match self.method {
            8 => deflate(&self.data),
            _ => self.data.clone(),
        }
    }

    fn crc(&self) -> u32 {
        self.crc32.unwrap_or_else(|| crc32fast::hash(&self.data))
    }

    fn csize(&self) -> u32 {
        self.compressed_size
            .unwrap_or_else(|| u32::try_from(self.raw_data().len()).expect("test data under 4 GiB"))
    }

    fn usize(&self) -> u32 {
        self.uncompressed_size
            .unwrap_or_else(|| u32::try_from(self.data.len()).expect("test data under 4 GiB"))
    }
}

/// Raw deflate (no zlib header) at the default level.
#[must_use]
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// An extra field TLV.
#[must_use]
pub fn extra_field(id: u16, data: &[u8]) -> Vec<u8> {
    let mut out = id.to_le_bytes().to_vec();
    out.extend_from_slice(
        &u16::try_from(data.len())
            .expect("short extra")
            .to_le_bytes(),
    );
    out.extend_from_slice(data);
    out
}

/// A whole archive: members plus the framing around them.
#[derive(Debug, Clone, Default)]
pub struct ZipWriter {
    /// Members in file order.
    pub members: Vec<Member>,
    /// Bytes before the first local header (an SFX stub).
    pub prefix: Vec<u8>,
    /// Whether offsets count from the start of the file (true) or from after the prefix.
    pub offsets_include_prefix: bool,
    /// The archive comment.
    pub comment: Vec<u8>,
    /// Replaces the end record's central directory size.
    pub cd_size: Option<u32>,
    /// Replaces the end record's record counts.
    pub records: Option<u16>,
    /// Bytes after the end record.
    pub trailing: Vec<u8>,
    /// Writes a ZIP64 end of central directory record and its locator before the end record.
    pub zip64_end: Option<Zip64End>,
}

/// How the ZIP64 end records are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Zip64End {
    /// Whether the classic end record carries the ZIP64 sentinels (`0xFFFF`, `0xFFFFFFFF`)
    /// instead of the values, so that only the ZIP64 record declares them.
    pub sentinels: bool,
    /// Replaces the locator's offset of the ZIP64 end record.
    pub locator_offset: Option<u64>,
}

impl ZipWriter {
    /// An archive of these members with correct framing.
    #[must_use]
    pub fn new(members: Vec<Member>) -> Self {
        Self {
            members,
            offsets_include_prefix: true,
            ..Self::default()
        }
    }

    /// The member named `name` (local name), for patching.
    ///
    /// # Panics
    /// When there is no such member: a bug in the test.
    pub fn member(&mut self, name: &str) -> &mut Member {
        self.members
            .iter_mut()
            .find(|m| m.name == name.as_bytes())
            .unwrap_or_else(|| panic!("no member `{name}`"))
    }

    /// Writes the archive.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.prefix.clone();
        let base = if self.offsets_include_prefix {
            0
        } else {
            self.prefix.len()
        };
        let mut offsets = Vec::new();
        for member in &self.members {
            offsets.push(out.len() - base);
            write_local(&mut out, member);
            out.extend_from_slice(&member.trailing);
        }
        let cd_start = out.len();
        let mut records = 0u16;
        for (member, offset) in self.members.iter().zip(offsets) {
            if member.in_central {
                let offset = member
                    .central_offset
                    .map_or(offset, |o| usize::try_from(o).expect("small"));
                write_central(&mut out, member, offset);
                records += 1;
            }
        }
        let cd_size = out.len() - cd_start;
        let records = self.records.unwrap_or(records);
        let cd_size = self
            .cd_size
            .unwrap_or(u32::try_from(cd_size).expect("small"));
        let cd_offset = u32::try_from(cd_start - base).expect("small");
        let (mut records_field, mut cd_size_field, mut cd_offset_field) =
            (records, cd_size, cd_offset);
        if let Some(zip64) = self.zip64_end {
            let at = (out.len() - base) as u64;
            out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&[0; 8]);
            out.extend_from_slice(&u64::from(records).to_le_bytes());
            out.extend_from_slice(&u64::from(records).to_le_bytes());
            out.extend_from_slice(&u64::from(cd_size).to_le_bytes());
            out.extend_from_slice(&u64::from(cd_offset).to_le_bytes());
            out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&zip64.locator_offset.unwrap_or(at).to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            if zip64.sentinels {
                (records_field, cd_size_field, cd_offset_field) = (u16::MAX, u32::MAX, u32::MAX);
            }
        }
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&records_field.to_le_bytes());
        out.extend_from_slice(&records_field.to_le_bytes());
        out.extend_from_slice(&cd_size_field.to_le_bytes());
        out.extend_from_slice(&cd_offset_field.to_le_bytes());
        out.extend_from_slice(
            &u16::try_from(self.comment.len())
                .expect("short")
                .to_le_bytes(),
        );
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.trailing);
        out
    }
}

fn u16_len(bytes: &[u8]) -> [u8; 2] {
    u16::try_from(bytes.len())
        .expect("short field")
        .to_le_bytes()
}

fn write_local(out: &mut Vec<u8>, m: &Member) {
    let raw = m.raw_data();
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&m.version_needed.to_le_bytes());
    out.extend_from_slice(&m.flags.to_le_bytes());
    out.extend_from_slice(&m.method.to_le_bytes());
    out.extend_from_slice(&m.time.to_le_bytes());
    out.extend_from_slice(&m.date.to_le_bytes());
    out.extend_from_slice(&m.crc().to_le_bytes());
    out.extend_from_slice(&m.csize().to_le_bytes());
    out.extend_from_slice(&m.usize().to_le_bytes());
    out.extend_from_slice(&u16_len(&m.name));
    out.extend_from_slice(&u16_len(&m.local_extra));
    out.extend_from_slice(&m.name);
    out.extend_from_slice(&m.local_extra);
    out.extend_from_slice(&raw);
}

fn write_central(out: &mut Vec<u8>, m: &Member, offset: usize) {
    let name = m.central_name.as_ref().unwrap_or(&m.name);
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&m.version_made_by.to_le_bytes());
    out.extend_from_slice(&m.version_needed.to_le_bytes());
    out.extend_from_slice(&m.flags.to_le_bytes());
    out.extend_from_slice(&m.method.to_le_bytes());
    out.extend_from_slice(&m.time.to_le_bytes());
    out.extend_from_slice(&m.date.to_le_bytes());
    out.extend_from_slice(&m.crc().to_le_bytes());
    out.extend_from_slice(&m.csize().to_le_bytes());
    out.extend_from_slice(&m.usize().to_le_bytes());
    out.extend_from_slice(&u16_len(name));
    out.extend_from_slice(&u16_len(&m.central_extra));
    out.extend_from_slice(&u16_len(&m.comment));
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&m.external_attr.to_le_bytes());
    out.extend_from_slice(&u32::try_from(offset).expect("small").to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(&m.central_extra);
    out.extend_from_slice(&m.comment);
}

/// The RECORD hash of `data`: `sha256=` and unpadded url-safe base64.
#[must_use]
pub fn record_hash(data: &[u8]) -> String {
    format!("sha256={}", URL_SAFE_NO_PAD.encode(Sha256::digest(data)))
}

/// A correct RECORD row for `path` holding `data`.
#[must_use]
pub fn record_row(path: &str, data: &[u8]) -> String {
    format!("{path},{},{}\n", record_hash(data), data.len())
}

/// A wheel under construction: files in order, with RECORD computed (or replaced) at the end.
#[derive(Debug, Clone)]
pub struct WheelBuilder {
    /// The `.dist-info` directory name.
    pub dist_info: String,
    /// Files other than RECORD, in archive order.
    pub files: Vec<(String, Vec<u8>)>,
    /// Replaces the computed RECORD.
    pub record: Option<Vec<u8>>,
}

/// The baseline METADATA.
pub const BASELINE_METADATA: &str = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\
     Summary: A baseline test wheel\nDescription-Content-Type: text/plain\n\nfoo\n";
/// The baseline WHEEL.
pub const BASELINE_WHEEL: &str =
    "Wheel-Version: 1.0\nGenerator: pyship-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
/// The baseline wheel's file name.
pub const BASELINE_FILENAME: &str = "foo-1.0-py3-none-any.whl";

impl WheelBuilder {
    /// `foo-1.0-py3-none-any.whl`: `foo/__init__.py` and `foo-1.0.dist-info/{METADATA,WHEEL,RECORD}`.
    #[must_use]
    pub fn baseline() -> Self {
        Self {
            dist_info: "foo-1.0.dist-info".to_owned(),
            files: vec![
                ("foo/__init__.py".to_owned(), b"VALUE = 1\n".to_vec()),
                (
                    "foo-1.0.dist-info/METADATA".to_owned(),
                    BASELINE_METADATA.as_bytes().to_vec(),
                ),
                (
                    "foo-1.0.dist-info/WHEEL".to_owned(),
                    BASELINE_WHEEL.as_bytes().to_vec(),
                ),
            ],
            record: None,
        }
    }

    /// The baseline retagged `{python}-{abi}-{platform}` (each may be a compressed tag set):
    /// WHEEL lists every expanded tag and says `Root-Is-Purelib: false`. Returns the matching
    /// file name with the builder.
    #[must_use]
    pub fn tagged(python: &str, abi: &str, platform: &str) -> (String, Self) {
        let mut lines = vec![
            "Wheel-Version: 1.0\nGenerator: pyship-tests\nRoot-Is-Purelib: false\n".to_owned(),
        ];
        for py in python.split('.') {
            for ab in abi.split('.') {
                for plat in platform.split('.') {
                    lines.push(format!("Tag: {py}-{ab}-{plat}\n"));
                }
            }
        }
        let wheel = lines.concat();
        let filename = format!("foo-1.0-{python}-{abi}-{platform}.whl");
        let builder = Self::baseline().file("foo-1.0.dist-info/WHEEL", wheel.as_bytes());
        (filename, builder)
    }

    /// Adds `path`, or replaces its content when it exists. New files go before the dist-info.
    #[must_use]
    pub fn file(mut self, path: &str, data: &[u8]) -> Self {
        if let Some(slot) = self.files.iter_mut().find(|(p, _)| p == path) {
            slot.1 = data.to_vec();
        } else {
            let at = self
                .files
                .iter()
                .position(|(p, _)| p.contains(".dist-info/"))
                .unwrap_or(self.files.len());
            self.files.insert(at, (path.to_owned(), data.to_vec()));
        }
        self
    }

    /// Renames the `.dist-info` directory, moving its files.
    #[must_use]
    pub fn with_dist_info(mut self, dist_info: &str) -> Self {
        let old = format!("{}/", self.dist_info);
        for (path, _) in &mut self.files {
            if let Some(rest) = path.strip_prefix(&old) {
                *path = format!("{dist_info}/{rest}");
            }
        }
        dist_info.clone_into(&mut self.dist_info);
        self
    }

    /// Removes `path`.
    #[must_use]
    pub fn without(mut self, path: &str) -> Self {
        self.files.retain(|(p, _)| p != path);
        self
    }

    /// The correct RECORD for the files.
    #[must_use]
    pub fn record_text(&self) -> String {
        let mut out: String = self
            .files
            .iter()
            .map(|(path, data)| record_row(path, data))
            .collect();
        out.push_str(&self.record_path());
        out.push_str(",,\n");
        out
    }

    /// The RECORD path.
    #[must_use]
    pub fn record_path(&self) -> String {
        format!("{}/RECORD", self.dist_info)
    }

    /// The archive, deflated members, RECORD last.
    #[must_use]
    pub fn zip(&self) -> ZipWriter {
        let record = self
            .record
            .clone()
            .unwrap_or_else(|| self.record_text().into_bytes());
        let mut members: Vec<Member> = self
            .files
            .iter()
            .map(|(path, data)| Member::deflated(path, data))
            .collect();
        members.push(Member::deflated(&self.record_path(), &record));
        ZipWriter::new(members)
    }

    /// The archive's bytes.
    #[must_use]
    pub fn bytes(&self) -> Vec<u8> {
        self.zip().to_bytes()
    }
}
