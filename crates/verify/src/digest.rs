//! Whole-file digests (sha256, blake2b-256, optional md5) and `SHA256SUMS`.
//!
//! Each file is read once. Small inputs (one chunk) are hashed inline. Larger ones are read in
//! chunks by the caller's thread and each hash runs in its own thread over the same shared
//! chunks, so the wall time is that of the slowest hash rather than the sum of all of them: on
//! two cores sha256 (SHA-NI) and blake2b (AVX2) then run side by side.
//! See: verify-rules.md §5.1 (whole-file digests) and §5.2 (measured throughputs).

use std::fmt::Write as _;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// Bytes per chunk. Large enough that channel traffic is noise, small enough to stay in L2/L3.
const CHUNK: usize = 1024 * 1024;
/// Chunks queued per hasher thread: memory stays bounded (a few MiB) whatever the file size.
const QUEUE: usize = 4;

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

/// One running hash of the set.
enum Hasher {
    Sha256(Box<Sha256>),
    Blake2b(Box<blake2b_simd::State>),
    Md5(Box<md5::Md5>),
}

impl Hasher {
    fn set(with_md5: bool) -> Vec<Hasher> {
        let mut set = vec![
            Hasher::Sha256(Box::default()),
            Hasher::Blake2b(Box::new(
                blake2b_simd::Params::new().hash_length(32).to_state(),
            )),
        ];
        if with_md5 {
            set.push(Hasher::Md5(Box::default()));
        }
        set
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Blake2b(h) => {
                h.update(bytes);
            }
            Hasher::Md5(h) => h.update(bytes),
        }
    }

    fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => hex(&h.finalize()),
            Hasher::Blake2b(h) => hex(h.finalize().as_bytes()),
            Hasher::Md5(h) => hex(&h.finalize()),
        }
    }
}

/// Computes the digests of everything `reader` yields, reading it once.
pub fn digest_reader(reader: &mut dyn Read, with_md5: bool) -> io::Result<Digests> {
    let mut first = vec![0u8; CHUNK];
    let filled = read_full(reader, &mut first)?;
    let hashers = Hasher::set(with_md5);
    let hex = if filled < CHUNK {
        // The whole input fits in one chunk: threads would cost more than they save.
        hashers
            .into_iter()
            .map(|mut hasher| {
                hasher.update(&first[..filled]);
                hasher.finish()
            })
            .collect()
    } else {
        first.truncate(filled);
        hash_in_threads(reader, first, hashers)?
    };
    let mut hex = hex.into_iter();
    Ok(Digests {
        sha256: hex.next().unwrap_or_default(),
        blake2b_256: hex.next().unwrap_or_default(),
        md5: hex.next(),
    })
}

/// Feeds `first` and the rest of `reader` to one thread per hasher; returns their hex digests in
/// the order of `hashers`.
fn hash_in_threads(
    reader: &mut dyn Read,
    first: Vec<u8>,
    hashers: Vec<Hasher>,
) -> io::Result<Vec<String>> {
    // Chunks come back for reuse from whichever thread drops the last reference.
    let (recycle_tx, recycle_rx) = channel::<Vec<u8>>();
    thread::scope(|scope| {
        let (senders, handles): (Vec<_>, Vec<_>) = hashers
            .into_iter()
            .map(|hasher| {
                let (tx, rx) = sync_channel::<Arc<Vec<u8>>>(QUEUE);
                let recycle = recycle_tx.clone();
                (tx, scope.spawn(move || run_hasher(hasher, &rx, &recycle)))
            })
            .collect();
        let read = feed(reader, first, &senders, &recycle_rx);
        drop(senders);
        let digests = handles
            .into_iter()
            .map(|handle| handle.join().expect("a hasher thread does not panic"))
            .collect();
        read.map(|()| digests)
    })
}

/// Sends `first`, then every further chunk of `reader`, to every hasher.
fn feed(
    reader: &mut dyn Read,
    first: Vec<u8>,
    senders: &[SyncSender<Arc<Vec<u8>>>],
    recycled: &Receiver<Vec<u8>>,
) -> io::Result<()> {
    let mut chunk = first;
    loop {
        let shared = Arc::new(chunk);
        for sender in senders {
            sender
                .send(Arc::clone(&shared))
                .expect("hasher threads live until the senders are dropped");
        }
        drop(shared);
        let mut next = recycled.try_recv().unwrap_or_default();
        next.resize(CHUNK, 0);
        let filled = read_full(reader, &mut next)?;
        if filled == 0 {
            return Ok(());
        }
        next.truncate(filled);
        chunk = next;
    }
}

fn run_hasher(
    mut hasher: Hasher,
    chunks: &Receiver<Arc<Vec<u8>>>,
    recycle: &Sender<Vec<u8>>,
) -> String {
    for chunk in chunks {
        hasher.update(&chunk);
        if let Some(buffer) = Arc::into_inner(chunk) {
            // The reader may have finished already; then the buffer is simply freed.
            let _ = recycle.send(buffer);
        }
    }
    hasher.finish()
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A reader that hands out at most `step` bytes per call, like a pipe or a socket.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn reference(data: &[u8]) -> Digests {
        Digests {
            sha256: hex(&Sha256::digest(data)),
            blake2b_256: hex(blake2b_simd::Params::new()
                .hash_length(32)
                .hash(data)
                .as_bytes()),
            md5: Some(hex(&md5::Md5::digest(data))),
        }
    }

    fn patterned(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn ok_known_answers_for_abc() {
        let digests = digest_reader(&mut Cursor::new(b"abc"), true).unwrap();
        assert_eq!(
            digests.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digests.blake2b_256,
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
        );
        assert_eq!(
            digests.md5.as_deref(),
            Some("900150983cd24fb0d6963f7d28e17f72")
        );
    }

    #[test]
    fn ok_threaded_path_equals_one_shot_hashes() {
        // Sizes around the chunk boundary take the inline path, the threaded path with one
        // extra chunk, and a partial last chunk.
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12_345] {
            let data = patterned(len);
            let digests = digest_reader(&mut Cursor::new(&data), true).unwrap();
            assert_eq!(digests, reference(&data), "input of {len} bytes");
        }
    }

    #[test]
    fn ok_short_reads_do_not_change_digests() {
        let data = patterned(2 * CHUNK + 777);
        let mut reader = Trickle {
            data: &data,
            step: 4093,
        };
        let digests = digest_reader(&mut reader, false).unwrap();
        let mut expected = reference(&data);
        expected.md5 = None;
        assert_eq!(digests, expected);
    }

    #[test]
    fn err_read_error_is_returned_not_swallowed() {
        let data = patterned(CHUNK);
        let failing = Cursor::new(&data).chain(FailingReader);
        let err = digest_reader(&mut { failing }, false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }

    struct FailingReader;

    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "gone"))
        }
    }

    #[test]
    fn ok_sha256sums_format() {
        let d = digest_reader(&mut Cursor::new(b""), false).unwrap();
        assert_eq!(
            sha256sums([("a.whl", &d)]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.whl\n"
        );
    }
}
