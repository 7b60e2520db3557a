//! Small valid artifacts written into a temp dir: a wheel (METADATA, WHEEL, RECORD with real
//! hashes) and an sdist (one top-level directory with PKG-INFO), with controllable name, version
//! and payload.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

pub(crate) const NAME: &str = "Demo.Pkg";
pub(crate) const VERSION: &str = "0.1.0";

pub(crate) fn metadata(name: &str, version: &str) -> String {
    format!(
        "Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nSummary: A demo\nLicense-Expression: MIT\nClassifier: Programming Language :: Python :: 3\nRequires-Python: >=3.9\nDescription-Content-Type: text/markdown\n\n# Demo\n\nLong description.\n"
    )
}

fn record_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// Writes `demo_pkg-<version>-py3-none-any.whl`; `payload` varies the module's bytes.
pub(crate) fn wheel(dir: &Path, name: &str, version: &str, payload: &str) -> PathBuf {
    wheel_with_metadata(dir, name, version, payload, &metadata(name, version))
}

/// Writes a wheel like [`wheel`], with `metadata` as its METADATA.
pub(crate) fn wheel_with_metadata(
    dir: &Path,
    name: &str,
    version: &str,
    payload: &str,
    metadata: &str,
) -> PathBuf {
    let stem = pyship_verify::filename::normalize_name(name).replace('-', "_");
    let path = dir.join(format!("{stem}-{version}-py3-none-any.whl"));
    let dist_info = format!("{stem}-{version}.dist-info");
    let members: Vec<(String, Vec<u8>)> = vec![
        (format!("{stem}/__init__.py"), format!("VALUE = {payload:?}\n").into_bytes()),
        (format!("{dist_info}/METADATA"), metadata.as_bytes().to_vec()),
        (
            format!("{dist_info}/WHEEL"),
            b"Wheel-Version: 1.0\nGenerator: pyship-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
        ),
    ];
    let mut record = String::new();
    for (member, bytes) in &members {
        let _ = writeln!(record, "{member},{},{}", record_hash(bytes), bytes.len());
    }
    let _ = writeln!(record, "{dist_info}/RECORD,,");
    let file = std::fs::File::create(&path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (member, bytes) in members.iter().chain(std::iter::once(&(
        format!("{dist_info}/RECORD"),
        record.into_bytes(),
    ))) {
        zip.start_file(member.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// Writes `demo_pkg-<version>.tar.gz` with `demo_pkg-<version>/PKG-INFO`.
pub(crate) fn sdist(dir: &Path, name: &str, version: &str, payload: &str) -> PathBuf {
    let stem = pyship_verify::filename::normalize_name(name).replace('-', "_");
    let top = format!("{stem}-{version}");
    let path = dir.join(format!("{top}.tar.gz"));
    let file = std::fs::File::create(&path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let members = [
        (
            format!("{top}/PKG-INFO"),
            metadata(name, version).into_bytes(),
        ),
        (
            format!("{top}/{stem}/__init__.py"),
            format!("VALUE = {payload:?}\n").into_bytes(),
        ),
    ];
    for (member, bytes) in &members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        tar.append_data(&mut header, member, bytes.as_slice())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    path
}
