//! Whole-file digests (sha256, blake2b-256, optional md5) and `SHA256SUMS`.

use std::fmt::Write as _;
use std::io::{self, Read};

use blake2::Blake2b;
use blake2::digest::consts::U32;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

type Blake2b256 = Blake2b<U32>;

/// The digests of one file, as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digests {
    /// SHA-256.
    pub sha256: String,
    /// BLAKE2b with a 256-bit output, as PyPI's `blake2_256_digest`.
    pub blake2b_256: String,
    /// MD5, only when asked for (PyPI still computes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
}

/// Computes the digests of everything `reader` yields, reading it once.
pub fn digest_reader(reader: &mut dyn Read, with_md5: bool) -> io::Result<Digests> {
    let mut sha256 = Sha256::new();
    let mut blake = Blake2b256::new();
    let mut md5 = with_md5.then(md5::Md5::new);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        sha256.update(&buf[..n]);
        blake.update(&buf[..n]);
        if let Some(md5) = md5.as_mut() {
            md5.update(&buf[..n]);
        }
    }
    Ok(Digests {
        sha256: hex(&sha256.finalize()),
        blake2b_256: hex(&blake.finalize()),
        md5: md5.map(|md5| hex(&md5.finalize())),
    })
}

/// Lowercase hex of `bytes`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A `SHA256SUMS` file in the format `sha256sum -c` accepts: `<hex>  <name>\n` per file.
#[must_use]
pub fn sha256sums<'a>(files: impl IntoIterator<Item = (&'a str, &'a Digests)>) -> String {
    let mut out = String::new();
    for (name, digests) in files {
        let _ = writeln!(out, "{}  {name}", digests.sha256);
    }
    out
}
