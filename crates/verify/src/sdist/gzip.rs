//! A strict, streaming gzip reader (SD-01): one member, every header field checked, trailer
//! verified, nothing after the member.
//!
//! The deflate body goes through `flate2`'s raw inflater so that this module, not a lenient
//! multi-member decoder, decides where the member ends. Memory stays constant: a 64 KiB input
//! buffer and the inflater's window.
//!
//! See: RFC 1952 section 2.3 (member format).

use std::io::{self, Read};

use flate2::{Decompress, FlushDecompress, Status};

use super::{ByteSource, Malformed, ReadError};
use crate::sniff;

const ID: &str = "SD-01";
const FTEXT: u8 = 1;
const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const RESERVED: u8 = !(FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT);
/// FNAME and FCOMMENT longer than this are not a file name or a comment but smuggled data.
const MAX_HEADER_STRING: usize = 64 * 1024;
const BUF_LEN: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Body,
    Trailer,
    Done,
}

/// Reads the decompressed content of a single-member gzip file, reporting any deviation from
/// RFC 1952 (or any second member, or trailing bytes) as [`ReadError::Malformed`].
pub(crate) struct GzipReader<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    inner_eof: bool,
    inflate: Decompress,
    crc: crc32fast::Hasher,
    state: State,
    consumed: u64,
    produced: u64,
    limit: u64,
    mtime: u32,
}

impl<R: Read> GzipReader<R> {
    /// Reads and checks the gzip header. `limit` caps the decompressed size (SD-10).
    pub(crate) fn open(inner: R, limit: u64) -> Result<Self, ReadError> {
        let mut reader = Self {
            inner,
            buf: vec![0u8; BUF_LEN].into_boxed_slice(),
            pos: 0,
            end: 0,
            inner_eof: false,
            inflate: Decompress::new(false),
            crc: crc32fast::Hasher::new(),
            state: State::Body,
            consumed: 0,
            produced: 0,
            limit,
            mtime: 0,
        };
        reader.fill()?;
        reader.check_magic()?;
        reader.read_header()?;
        Ok(reader)
    }

    /// The header's MTIME field (seconds since the epoch, 0 when unset).
    pub(crate) fn mtime(&self) -> u32 {
        self.mtime
    }

    /// Compressed bytes consumed so far, header included.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Decompressed bytes produced so far.
    pub(crate) fn produced(&self) -> u64 {
        self.produced
    }

    /// Refills the buffer when it is empty. Returns whether any bytes are available.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.pos < self.end {
            return Ok(true);
        }
        if self.inner_eof {
            return Ok(false);
        }
        self.pos = 0;
        self.end = 0;
        // Fill as much as one read gives; loop only past interruptions.
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => {
                    self.inner_eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end = n;
                    return Ok(true);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(ReadError::Io(err)),
            }
        }
    }

    fn check_magic(&mut self) -> Result<(), ReadError> {
        // Gather up to 512 bytes so a plain tar (magic at offset 257) can be named as such.
        let head = &self.buf[self.pos..self.end];
        if head.starts_with(&[0x1f, 0x8b]) {
            return Ok(());
        }
        let what = sniff::describe(head);
        Err(malformed(format!(
            "not a gzip stream: {what}; expected the gzip magic `1f 8b`"
        )))
    }

    fn byte(&mut self) -> Result<u8, ReadError> {
        if !self.fill()? {
            return Err(malformed(format!(
                "gzip header is truncated: the file ends after {} bytes, inside the header",
                self.consumed
            )));
        }
        let byte = self.buf[self.pos];
        self.pos += 1;
        self.consumed += 1;
        self.crc.update(&[byte]);
        Ok(byte)
    }

    fn u16_le(&mut self) -> Result<u16, ReadError> {
        Ok(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    fn read_header(&mut self) -> Result<(), ReadError> {
        let fixed = [
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
        ];
        let (cm, flg) = (fixed[2], fixed[3]);
        if cm != 8 {
            return Err(malformed(format!(
                "gzip compression method is {cm}; expected 8 (deflate)"
            )));
        }
        if flg & RESERVED != 0 {
            return Err(malformed(format!(
                "gzip header sets reserved flag bits (FLG = {flg:#04x}); expected them clear"
            )));
        }
        self.mtime = u32::from_le_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
        if flg & FEXTRA != 0 {
            self.read_extra()?;
        }
        if flg & FNAME != 0 {
            self.read_zero_terminated("FNAME")?;
        }
        if flg & FCOMMENT != 0 {
            self.read_zero_terminated("FCOMMENT")?;
        }
        if flg & FHCRC != 0 {
            self.check_header_crc()?;
        }
        self.crc = crc32fast::Hasher::new();
        Ok(())
    }

    /// FEXTRA: XLEN bytes of `SI1 SI2 LEN data` subfields that must tile XLEN exactly.
    fn read_extra(&mut self) -> Result<(), ReadError> {
        let mut left = usize::from(self.u16_le()?);
        while left > 0 {
            if left < 4 {
                return Err(malformed(format!(
                    "gzip FEXTRA ends with {left} bytes that are not a whole subfield"
                )));
            }
            let (si1, si2) = (self.byte()?, self.byte()?);
            let len = usize::from(self.u16_le()?);
            left -= 4;
            if si2 == 0 {
                return Err(malformed(format!(
                    "gzip FEXTRA subfield `{si1:#04x} 00` uses the reserved SI2 value 0"
                )));
            }
            if len > left {
                return Err(malformed(format!(
                    "gzip FEXTRA subfield claims {len} bytes but only {left} remain in XLEN"
                )));
            }
            for _ in 0..len {
                self.byte()?;
            }
            left -= len;
        }
        Ok(())
    }

    fn read_zero_terminated(&mut self, field: &str) -> Result<(), ReadError> {
        for _ in 0..=MAX_HEADER_STRING {
            if self.byte()? == 0 {
                return Ok(());
            }
        }
        Err(malformed(format!(
            "gzip {field} is longer than {MAX_HEADER_STRING} bytes; expected a short \
             zero-terminated string"
        )))
    }

    fn check_header_crc(&mut self) -> Result<(), ReadError> {
        let expected = (self.crc.clone().finalize() & 0xffff) as u16;
        let found = self.u16_le()?;
        if found != expected {
            return Err(malformed(format!(
                "gzip header CRC16 is {found:#06x}; the header's bytes give {expected:#06x}"
            )));
        }
        Ok(())
    }

    /// Inflates into `out`, returning how many bytes were produced (0 only at stream end).
    fn inflate_into(&mut self, out: &mut [u8]) -> Result<usize, ReadError> {
        loop {
            let more = self.fill()?;
            let input = &self.buf[self.pos..self.end];
            let (before_in, before_out) = (self.inflate.total_in(), self.inflate.total_out());
            let status = self
                .inflate
                .decompress(input, out, FlushDecompress::None)
                .map_err(|err| malformed(format!("deflate stream is corrupt: {err}")))?;
            let used = usize::try_from(self.inflate.total_in() - before_in)
                .map_err(|_| malformed("inflater consumed an impossible byte count"))?;
            let made = usize::try_from(self.inflate.total_out() - before_out)
                .map_err(|_| malformed("inflater produced an impossible byte count"))?;
            self.pos += used;
            self.consumed += used as u64;
            if status == Status::StreamEnd {
                self.state = State::Trailer;
            }
            if made > 0 || status == Status::StreamEnd {
                return self.account(&out[..made]);
            }
            if !more && used == 0 {
                return Err(malformed(
                    "gzip stream is truncated: the deflate data ends before its final block",
                ));
            }
        }
    }

    fn account(&mut self, chunk: &[u8]) -> Result<usize, ReadError> {
        self.crc.update(chunk);
        self.produced += chunk.len() as u64;
        if self.produced > self.limit {
            return Err(ReadError::Malformed(Malformed {
                id: "SD-10",
                message: format!(
                    "archive decompresses to more than {} bytes; refusing to read further",
                    self.limit
                ),
            }));
        }
        Ok(chunk.len())
    }

    /// Checks CRC32 and ISIZE, then that nothing follows the member.
    fn finish(&mut self) -> Result<(), ReadError> {
        let mut trailer = [0u8; 8];
        for (i, slot) in trailer.iter_mut().enumerate() {
            if !self.fill()? {
                return Err(malformed(format!(
                    "gzip trailer is truncated: {i} of 8 bytes present"
                )));
            }
            *slot = self.buf[self.pos];
            self.pos += 1;
            self.consumed += 1;
        }
        let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let isize = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        let actual_crc = self.crc.clone().finalize();
        if crc != actual_crc {
            return Err(malformed(format!(
                "gzip trailer CRC32 is {crc:08x}; the decompressed data gives {actual_crc:08x}"
            )));
        }
        let actual_size = self.produced as u32; // ISIZE is the size modulo 2^32.
        if isize != actual_size {
            return Err(malformed(format!(
                "gzip trailer ISIZE is {isize}; the decompressed data is {} bytes",
                self.produced
            )));
        }
        self.check_nothing_after()
    }

    fn check_nothing_after(&mut self) -> Result<(), ReadError> {
        if !self.fill()? {
            return Ok(());
        }
        let rest = &self.buf[self.pos..self.end];
        if rest.starts_with(&[0x1f, 0x8b]) || rest == [0x1f] {
            return Err(malformed(
                "a second gzip member follows the first; expected exactly one member",
            ));
        }
        Err(malformed(format!(
            "{} or more bytes follow the gzip member; expected the file to end there",
            rest.len()
        )))
    }
}

impl<R: Read> ByteSource for GzipReader<R> {
    fn read(&mut self, out: &mut [u8]) -> Result<usize, ReadError> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state {
                State::Body => {
                    let n = self.inflate_into(out)?;
                    if n > 0 {
                        return Ok(n);
                    }
                }
                State::Trailer => {
                    self.finish()?;
                    self.state = State::Done;
                }
                State::Done => return Ok(0),
            }
        }
    }
}

fn malformed(message: impl Into<String>) -> ReadError {
    ReadError::Malformed(Malformed {
        id: ID,
        message: message.into(),
    })
}
