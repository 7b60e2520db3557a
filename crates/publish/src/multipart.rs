//! A `multipart/form-data` body streamed from disk: the text parts and part headers are built in
//! memory, the file is read as it is sent, so memory stays flat whatever the file's size. The
//! file's bytes are hashed on the way out and the request is aborted before its final boundary
//! if they are not the bytes that were verified.
//!
//! See: RFC 7578; pypi-upload.md section 1.3 (`content` part with filename and
//! `application/octet-stream`).

use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Cursor, Read};

use sha2::{Digest as _, Sha256};

use crate::artifact::LocalArtifact;
use crate::http::StreamBody;

/// Builds the streamed body for one artifact and its text fields.
pub fn multipart_body(
    artifact: &LocalArtifact,
    fields: &[(&'static str, String)],
) -> io::Result<StreamBody> {
    let boundary = pick_boundary(fields);
    let mut head = Vec::new();
    for (name, value) in fields {
        head.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        head.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
        );
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    head.extend_from_slice(
        format!(
            "Content-Disposition: form-data; name=\"content\"; filename=\"{}\"\r\n",
            quote_filename(&artifact.filename)
        )
        .as_bytes(),
    );
    head.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
    let tail = format!("\r\n--{boundary}--\r\n").into_bytes();
    let file = File::open(&artifact.path)?;
    let length = head.len() as u64 + artifact.size + tail.len() as u64;
    let content = VerifyingReader {
        inner: file.take(artifact.size),
        remaining: artifact.size,
        hasher: Sha256::new(),
        expected_sha256: artifact.digests.sha256.clone(),
    };
    let reader = Cursor::new(head).chain(content).chain(Cursor::new(tail));
    Ok(StreamBody {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        length,
        reader: Box::new(reader),
    })
}

/// A boundary that occurs in no field value.
fn pick_boundary(fields: &[(&'static str, String)]) -> String {
    loop {
        let state = RandomState::new();
        let mut hasher = state.build_hasher();
        hasher.write_u64(0x7079_7368_6970);
        let boundary = format!("pyship-{:016x}{:016x}", hasher.finish(), {
            let mut h = state.build_hasher();
            h.write_u64(hasher.finish());
            h.finish()
        });
        if fields.iter().all(|(_, value)| !value.contains(&boundary)) {
            return boundary;
        }
    }
}

/// File names of valid distributions have no quotes or line breaks; escape them anyway.
fn quote_filename(filename: &str) -> String {
    filename
        .replace('\\', "%5C")
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Reads the file, counting and hashing; at the end, fails if the bytes are not the ones whose
/// digest was computed before (the file changed on disk since it was verified).
struct VerifyingReader {
    inner: io::Take<File>,
    remaining: u64,
    hasher: Sha256,
    expected_sha256: String,
}

impl Read for VerifyingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.remaining -= n as u64;
        if n == 0 && !buf.is_empty() {
            self.finish()?;
        }
        Ok(n)
    }
}

impl VerifyingReader {
    fn finish(&mut self) -> io::Result<()> {
        if self.remaining > 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "file shrank by {} bytes since it was verified",
                    self.remaining
                ),
            ));
        }
        let actual = pyship_verify::digest::hex(&self.hasher.clone().finalize());
        if actual != self.expected_sha256 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "file changed since it was verified: sha256 {actual}, expected {}",
                    self.expected_sha256
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::DistKind;
    use pyship_verify::metadata::CoreMetadata;

    fn artifact(dir: &std::path::Path, content: &[u8]) -> LocalArtifact {
        let path = dir.join("p-1.0.tar.gz");
        std::fs::write(&path, content).unwrap();
        let digests = pyship_verify::digest::digest_reader(&mut &content[..], false).unwrap();
        LocalArtifact {
            path,
            filename: "p-1.0.tar.gz".into(),
            kind: DistKind::Sdist,
            size: content.len() as u64,
            digests,
            metadata_member: "p-1.0/PKG-INFO".into(),
            metadata_bytes: Vec::new(),
            metadata_sha256: String::new(),
            metadata: CoreMetadata {
                metadata_version: "2.1".into(),
                fields: Vec::new(),
                body: None,
            },
            pyversion: "source".into(),
        }
    }

    #[test]
    fn body_has_declared_length_and_content_part() {
        let dir = tempfile::tempdir().unwrap();
        let artifact = artifact(dir.path(), b"0123456789");
        let fields = vec![("name", "p".to_owned())];
        let mut body = multipart_body(&artifact, &fields).unwrap();
        let mut bytes = Vec::new();
        body.reader.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes.len() as u64, body.length);
        let text = String::from_utf8(bytes).unwrap();
        let boundary = body.content_type.split("boundary=").nth(1).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"content\"; filename=\"p-1.0.tar.gz\"\r\nContent-Type: application/octet-stream\r\n\r\n0123456789\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }

    #[test]
    fn err_file_changed_after_verification() {
        let dir = tempfile::tempdir().unwrap();
        let artifact = artifact(dir.path(), b"original!!");
        std::fs::write(&artifact.path, b"tampered!!").unwrap();
        let mut body = multipart_body(&artifact, &[]).unwrap();
        let err = body.reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("changed since it was verified"));
    }

    #[test]
    fn err_file_shrank_after_verification() {
        let dir = tempfile::tempdir().unwrap();
        let artifact = artifact(dir.path(), b"0123456789");
        std::fs::write(&artifact.path, b"01234").unwrap();
        let mut body = multipart_body(&artifact, &[]).unwrap();
        let err = body.reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("shrank by 5 bytes"), "{err}");
    }
}
