//! Test support: a byte-level tar and gzip writer that produces valid sdists and every malformed
//! variant the SD-* checks must catch (links, devices, GNU and global PAX headers, PAX overrides,
//! hidden members after zero blocks, broken checksums, multi-member gzip, ...).
//!
//! Nothing here validates: the point is to write exactly the bytes a test asks for.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::DeflateEncoder;

const BLOCK: usize = 512;

/// One tar header, field by field. Defaults give a regular file with mode 0644, owned by
/// uid/gid 0 with empty names, mtime 1 700 000 000.
#[derive(Debug, Clone)]
pub struct Header {
    /// The `name` field (up to 100 bytes).
    pub name: Vec<u8>,
    /// The `prefix` field (up to 155 bytes).
    pub prefix: Vec<u8>,
    /// Permission bits (and anything else a test wants in the mode field).
    pub mode: u64,
    /// Owner id.
    pub uid: u64,
    /// Group id.
    pub gid: u64,
    /// The size field; data written after the header is separate (see [`Tar::entry`]).
    pub size: u64,
    /// Modification time.
    pub mtime: u64,
    /// The typeflag byte.
    pub typeflag: u8,
    /// The link name field.
    pub linkname: Vec<u8>,
    /// Magic plus version, 8 bytes.
    pub magic: [u8; 8],
    /// Owner name.
    pub uname: Vec<u8>,
    /// Group name.
    pub gname: Vec<u8>,
    /// Added to the computed checksum (0 keeps it valid).
    pub checksum_delta: i64,
}

impl Header {
    /// A regular-file header for `name` with `size` bytes.
    #[must_use]
    pub fn file(name: &str, size: u64) -> Self {
        Self {
            name: name.as_bytes().to_vec(),
            prefix: Vec::new(),
            mode: 0o644,
            uid: 0,
            gid: 0,
            size,
            mtime: 1_700_000_000,
            typeflag: b'0',
            linkname: Vec::new(),
            magic: *b"ustar\x0000",
            uname: Vec::new(),
            gname: Vec::new(),
            checksum_delta: 0,
        }
    }

    /// A directory header; `name` gets a trailing `/` as tar writers add one.
    #[must_use]
    pub fn dir(name: &str) -> Self {
        let mut header = Self::file(&format!("{}/", name.trim_end_matches('/')), 0);
        header.mode = 0o755;
        header.typeflag = b'5';
        header
    }

    /// A header of any type with no data.
    #[must_use]
    pub fn special(name: &str, typeflag: u8, linkname: &str) -> Self {
        let mut header = Self::file(name, 0);
        header.typeflag = typeflag;
        header.linkname = linkname.as_bytes().to_vec();
        header
    }

    /// The 512-byte block.
    #[must_use]
    pub fn to_block(&self) -> [u8; BLOCK] {
        let mut block = [0u8; BLOCK];
        put(&mut block, 0, 100, &self.name);
        put_octal(&mut block, 100, 8, self.mode);
        put_octal(&mut block, 108, 8, self.uid);
        put_octal(&mut block, 116, 8, self.gid);
        put_octal(&mut block, 124, 12, self.size);
        put_octal(&mut block, 136, 12, self.mtime);
        block[156] = self.typeflag;
        put(&mut block, 157, 100, &self.linkname);
        block[257..265].copy_from_slice(&self.magic);
        put(&mut block, 265, 32, &self.uname);
        put(&mut block, 297, 32, &self.gname);
        put_octal(&mut block, 329, 8, 0);
        put_octal(&mut block, 337, 8, 0);
        put(&mut block, 345, 155, &self.prefix);
        block[148..156].fill(b' ');
        let sum: i64 = block.iter().map(|&b| i64::from(b)).sum::<i64>() + self.checksum_delta;
        let sum = u64::try_from(sum).expect("checksum stays positive");
        put(&mut block, 148, 8, format!("{sum:06o}\0 ").as_bytes());
        block
    }
}

fn put(block: &mut [u8; BLOCK], at: usize, len: usize, bytes: &[u8]) {
    assert!(
        bytes.len() <= len,
        "field at {at} is {len} bytes, got {}",
        bytes.len()
    );
    block[at..at + bytes.len()].copy_from_slice(bytes);
}

fn put_octal(block: &mut [u8; BLOCK], at: usize, len: usize, value: u64) {
    let text = format!("{value:0width$o}\0", width = len - 1);
    put(block, at, len, text.as_bytes());
}

/// A PAX record `LEN key=value\n`, with LEN counting itself.
#[must_use]
pub fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}").len() + body.len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

/// A tar stream under construction.
#[derive(Debug, Default, Clone)]
pub struct Tar {
    bytes: Vec<u8>,
}

impl Tar {
    /// An empty archive.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a header and `data` padded to a whole block.
    pub fn entry(&mut self, header: &Header, data: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(&header.to_block());
        self.bytes.extend_from_slice(data);
        self.pad();
        self
    }

    /// Appends a regular file with mode 0644.
    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.entry(&Header::file(name, data.len() as u64), data)
    }

    /// Appends a regular file with the given mode.
    pub fn file_mode(&mut self, name: &str, data: &[u8], mode: u64) -> &mut Self {
        let mut header = Header::file(name, data.len() as u64);
        header.mode = mode;
        self.entry(&header, data)
    }

    /// Appends a directory.
    pub fn dir(&mut self, name: &str) -> &mut Self {
        self.entry(&Header::dir(name), &[])
    }

    /// Appends a PAX header of `typeflag` (`x` local, `g` global) holding these records.
    pub fn pax_typed(&mut self, typeflag: u8, records: &[(&str, &str)]) -> &mut Self {
        let data: Vec<u8> = records
            .iter()
            .flat_map(|(key, value)| pax_record(key, value))
            .collect();
        self.pax_raw(typeflag, &data)
    }

    /// Appends a local PAX header holding these records.
    pub fn pax(&mut self, records: &[(&str, &str)]) -> &mut Self {
        self.pax_typed(b'x', records)
    }

    /// Appends a PAX-style header with raw data.
    pub fn pax_raw(&mut self, typeflag: u8, data: &[u8]) -> &mut Self {
        let mut header = Header::file("././@PaxHeader", data.len() as u64);
        header.typeflag = typeflag;
        header.mode = 0;
        self.entry(&header, data)
    }

    /// A file whose long UTF-8 path goes in a PAX `path` record, as Python's tarfile writes it.
    pub fn pax_file(&mut self, path: &str, data: &[u8]) -> &mut Self {
        self.pax(&[("path", path)]);
        let short: String = path.chars().filter(char::is_ascii).take(99).collect();
        self.entry(&Header::file(&short, data.len() as u64), data)
    }

    /// Appends `n` zero blocks.
    pub fn zero_blocks(&mut self, n: usize) -> &mut Self {
        self.bytes.resize(self.bytes.len() + n * BLOCK, 0);
        self
    }

    /// Appends raw bytes.
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// The archive with its end marker (two zero blocks), padded to a 10 KiB record.
    #[must_use]
    pub fn finish(&self) -> Vec<u8> {
        let mut out = self.bytes.clone();
        out.resize(out.len() + 2 * BLOCK, 0);
        let record = 20 * BLOCK;
        out.resize(out.len().div_ceil(record) * record, 0);
        out
    }

    /// The bytes written so far, with no end marker.
    #[must_use]
    pub fn unfinished(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    fn pad(&mut self) {
        let len = self.bytes.len().div_ceil(BLOCK) * BLOCK;
        self.bytes.resize(len, 0);
    }
}

/// How to write a gzip member. `Default` gives a plain valid member with MTIME 0.
#[derive(Debug, Clone, Default)]
pub struct Gzip {
    /// The MTIME field.
    pub mtime: u32,
    /// FNAME, without its terminator.
    pub fname: Option<Vec<u8>>,
    /// FCOMMENT, without its terminator.
    pub fcomment: Option<Vec<u8>>,
    /// FEXTRA content (the subfields), XLEN is computed.
    pub fextra: Option<Vec<u8>>,
    /// Write FHCRC.
    pub fhcrc: bool,
    /// XORed into the FHCRC value (0 keeps it valid).
    pub fhcrc_xor: u16,
    /// Extra FLG bits ORed in (for the reserved bits).
    pub extra_flags: u8,
    /// Compression method (0 means 8).
    pub cm: u8,
    /// XORed into the trailer CRC32.
    pub crc_xor: u32,
    /// Added to the trailer ISIZE.
    pub isize_delta: u32,
    /// Leave off the last `n` bytes.
    pub truncate: usize,
}

impl Gzip {
    /// One gzip member holding `data`, deflated.
    #[must_use]
    pub fn write(&self, data: &[u8]) -> Vec<u8> {
        let mut flags = self.extra_flags;
        let mut header = vec![0x1f, 0x8b, if self.cm == 0 { 8 } else { self.cm }, 0];
        header.extend_from_slice(&self.mtime.to_le_bytes());
        header.extend_from_slice(&[0, 255]);
        if let Some(extra) = &self.fextra {
            flags |= 1 << 2;
            let xlen = u16::try_from(extra.len()).expect("FEXTRA fits XLEN");
            header.extend_from_slice(&xlen.to_le_bytes());
            header.extend_from_slice(extra);
        }
        for (bit, field) in [(3, &self.fname), (4, &self.fcomment)] {
            if let Some(text) = field {
                flags |= 1 << bit;
                header.extend_from_slice(text);
                header.push(0);
            }
        }
        if self.fhcrc {
            flags |= 1 << 1;
        }
        header[3] = flags;
        if self.fhcrc {
            let crc = (crc32fast::hash(&header) & 0xffff) as u16 ^ self.fhcrc_xor;
            header.extend_from_slice(&crc.to_le_bytes());
        }
        let mut out = header;
        out.extend_from_slice(&deflate(data));
        out.extend_from_slice(&(crc32fast::hash(data) ^ self.crc_xor).to_le_bytes());
        let isize = (data.len() as u32).wrapping_add(self.isize_delta);
        out.extend_from_slice(&isize.to_le_bytes());
        out.truncate(out.len().saturating_sub(self.truncate));
        out
    }
}

/// Raw deflate of `data` at the default level.
#[must_use]
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// A valid single-member gzip of `data` with MTIME 0.
#[must_use]
pub fn gzip(data: &[u8]) -> Vec<u8> {
    Gzip::default().write(data)
}

/// The root directory of the baseline sdist.
pub const ROOT: &str = "foo-1.0";
/// The baseline sdist's file name.
pub const FILENAME: &str = "foo-1.0.tar.gz";

/// `PKG-INFO` of the baseline sdist with the given Metadata-Version.
#[must_use]
pub fn pkg_info(metadata_version: &str) -> String {
    format!(
        "Metadata-Version: {metadata_version}\n\
         Name: foo\n\
         Version: 1.0\n\
         Summary: A small test package\n\
         Author-email: Foo Author <foo@example.com>\n\
         License-Expression: MIT\n\
         License-File: LICENSE\n\
         Requires-Python: >=3.9\n\
         Description-Content-Type: text/markdown\n\
         \n\
         # foo\n\
         \n\
         A small test package.\n"
    )
}

/// `pyproject.toml` of the baseline sdist.
pub const PYPROJECT: &str = "[build-system]\n\
requires = [\"flit_core>=3.12,<4\"]\n\
build-backend = \"flit_core.buildapi\"\n\
\n\
[project]\n\
name = \"foo\"\n\
version = \"1.0\"\n\
description = \"A small test package\"\n\
license = \"MIT\"\n\
license-files = [\"LICENSE\"]\n\
requires-python = \">=3.9\"\n\
authors = [{ name = \"Foo Author\", email = \"foo@example.com\" }]\n\
readme = \"README.md\"\n";

/// The baseline sdist's members below the root, in archive order.
#[must_use]
pub fn baseline_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("PKG-INFO", pkg_info("2.4").into_bytes()),
        ("pyproject.toml", PYPROJECT.as_bytes().to_vec()),
        ("README.md", b"# foo\n\nA small test package.\n".to_vec()),
        (
            "LICENSE",
            b"MIT License\n\nCopyright (c) foo authors\n".to_vec(),
        ),
        (
            "src/foo/__init__.py",
            b"\"\"\"foo.\"\"\"\n\n__version__ = \"1.0\"\n".to_vec(),
        ),
    ]
}

/// The baseline tar `foo-1.0/...` without its end marker, so tests can append members.
#[must_use]
pub fn baseline_tar() -> Tar {
    let mut tar = Tar::new();
    for (path, data) in baseline_files() {
        tar.file(&format!("{ROOT}/{path}"), &data);
    }
    tar
}

/// The valid baseline sdist `foo-1.0.tar.gz` (PKG-INFO 2.4, pyproject.toml, a license).
#[must_use]
pub fn baseline_sdist() -> Vec<u8> {
    gzip(&baseline_tar().finish())
}

/// The baseline tar with one more file under the root, gzipped.
#[must_use]
pub fn sdist_with(tar: &Tar) -> Vec<u8> {
    gzip(&tar.finish())
}
