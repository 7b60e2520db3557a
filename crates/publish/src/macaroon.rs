//! Macaroons as PyPI issues them: the libmacaroons V2 binary format (and the older V1 text
//! packets), the HMAC-SHA256 signature chain, and client-side attenuation with first-party
//! caveats.
//!
//! See: pypi-upload.md sections 3.1 and 3.4.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// One caveat: first-party caveats carry only an identifier (PyPI's are compact JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caveat {
    /// Location hint (third-party caveats only).
    pub location: Option<Vec<u8>>,
    /// The caveat identifier (the predicate, for first-party caveats).
    pub identifier: Vec<u8>,
    /// Verification id (third-party caveats only).
    pub verification_id: Option<Vec<u8>>,
}

impl Caveat {
    /// Whether this is a first-party caveat (no verification id).
    #[must_use]
    pub fn is_first_party(&self) -> bool {
        self.verification_id.is_none()
    }
}

/// A parsed macaroon. Its `Debug` omits the identifier and signature.
#[derive(Clone, PartialEq, Eq)]
pub struct Macaroon {
    /// Where it was issued (`pypi.org`, `test.pypi.org`), as written.
    pub location: Option<Vec<u8>>,
    /// The issuer's id for the root key (a database UUID at PyPI: not shown).
    pub identifier: Vec<u8>,
    /// Caveats in order.
    pub caveats: Vec<Caveat>,
    /// The chained HMAC-SHA256 signature.
    pub signature: [u8; 32],
}

impl std::fmt::Debug for Macaroon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Macaroon")
            .field(
                "location",
                &self.location.as_deref().map(String::from_utf8_lossy),
            )
            .field("n_caveats", &self.caveats.len())
            .finish_non_exhaustive()
    }
}

/// Why bytes are not a macaroon. Messages describe structure only, never content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MacaroonError {
    /// Nothing to parse.
    #[error("macaroon is empty")]
    Empty,
    /// The bytes ended inside a field.
    #[error("macaroon is truncated at byte {offset}")]
    Truncated {
        /// Byte offset where more was expected.
        offset: usize,
    },
    /// A varint does not fit 64 bits.
    #[error("macaroon has an overlong varint at byte {offset}")]
    Varint {
        /// Byte offset of the varint.
        offset: usize,
    },
    /// A field appeared where the format does not allow it.
    #[error("macaroon has field type {field} where {expected} was expected at byte {offset}")]
    UnexpectedField {
        /// The field type found.
        field: u64,
        /// What the format allows here.
        expected: &'static str,
        /// Byte offset of the field.
        offset: usize,
    },
    /// The signature is not 32 bytes.
    #[error("macaroon signature is {len} bytes, expected 32")]
    SignatureLength {
        /// The length found.
        len: usize,
    },
    /// Bytes follow the signature.
    #[error("macaroon has {n_trailing} trailing bytes after the signature")]
    TrailingData {
        /// How many.
        n_trailing: usize,
    },
    /// A V1 packet is malformed.
    #[error("macaroon V1 packet at byte {offset} is malformed")]
    V1Packet {
        /// Byte offset of the packet.
        offset: usize,
    },
}

const FIELD_EOS: u64 = 0;
const FIELD_LOCATION: u64 = 1;
const FIELD_IDENTIFIER: u64 = 2;
const FIELD_VID: u64 = 4;
const FIELD_SIGNATURE: u64 = 6;

impl Macaroon {
    /// Creates a macaroon with a root key, as an issuer does (used by tests and fake indexes).
    ///
    /// See: libmacaroons: the root key is first derived with HMAC("macaroons-key-generator", key).
    #[must_use]
    pub fn mint(root_key: &[u8], location: &[u8], identifier: &[u8]) -> Macaroon {
        let derived = hmac(b"macaroons-key-generator", root_key);
        Macaroon {
            location: Some(location.to_vec()),
            identifier: identifier.to_vec(),
            caveats: Vec::new(),
            signature: hmac(&derived, identifier),
        }
    }

    /// Appends a first-party caveat and extends the signature chain. Anyone holding a macaroon
    /// can do this; the result is strictly narrower than the original.
    ///
    /// See: pypi-upload.md section 3.4.
    pub fn add_first_party_caveat(&mut self, predicate: &[u8]) {
        self.signature = hmac(&self.signature, predicate);
        self.caveats.push(Caveat {
            location: None,
            identifier: predicate.to_vec(),
            verification_id: None,
        });
    }

    /// Whether the signature chain is valid for `root_key` (first-party caveats only; what an
    /// issuer checks before evaluating the predicates).
    #[must_use]
    pub fn has_valid_signature(&self, root_key: &[u8]) -> bool {
        let derived = hmac(b"macaroons-key-generator", root_key);
        let mut signature = hmac(&derived, &self.identifier);
        for caveat in &self.caveats {
            if !caveat.is_first_party() {
                return false;
            }
            signature = hmac(&signature, &caveat.identifier);
        }
        // Not constant time: this runs in tests and fakes, never against an attacker.
        signature == self.signature
    }

    /// Parses binary macaroon bytes: V2 when the first byte is 2, V1 text packets otherwise.
    pub fn parse(bytes: &[u8]) -> Result<Macaroon, MacaroonError> {
        match bytes.first() {
            None => Err(MacaroonError::Empty),
            Some(2) => parse_v2(bytes),
            Some(_) => parse_v1(bytes),
        }
    }

    /// Serializes in the V2 binary format.
    #[must_use]
    pub fn to_v2_bytes(&self) -> Vec<u8> {
        let mut out = vec![2u8];
        if let Some(location) = &self.location {
            put_field(&mut out, FIELD_LOCATION, location);
        }
        put_field(&mut out, FIELD_IDENTIFIER, &self.identifier);
        put_varint(&mut out, FIELD_EOS);
        for caveat in &self.caveats {
            if let Some(location) = &caveat.location {
                put_field(&mut out, FIELD_LOCATION, location);
            }
            put_field(&mut out, FIELD_IDENTIFIER, &caveat.identifier);
            if let Some(vid) = &caveat.verification_id {
                put_field(&mut out, FIELD_VID, vid);
            }
            put_varint(&mut out, FIELD_EOS);
        }
        put_varint(&mut out, FIELD_EOS);
        put_field(&mut out, FIELD_SIGNATURE, &self.signature);
        out
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_field(out: &mut Vec<u8>, field: u64, data: &[u8]) {
    put_varint(out, field);
    put_varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// A cursor over V2 bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> Result<u64, MacaroonError> {
        let start = self.pos;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .bytes
                .get(self.pos)
                .ok_or(MacaroonError::Truncated { offset: self.pos })?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(MacaroonError::Varint { offset: start })
    }

    fn peek_field(&mut self) -> Result<u64, MacaroonError> {
        let saved = self.pos;
        let field = self.varint();
        self.pos = saved;
        field
    }

    fn data(&mut self) -> Result<Vec<u8>, MacaroonError> {
        let len = self.varint()?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| self.pos.checked_add(len))
            .filter(|end| *end <= self.bytes.len())
            .ok_or(MacaroonError::Truncated { offset: self.pos })?;
        let data = self.bytes[self.pos..end].to_vec();
        self.pos = end;
        Ok(data)
    }

    /// Reads the data of `field` if it comes next.
    fn optional(&mut self, field: u64) -> Result<Option<Vec<u8>>, MacaroonError> {
        if self.peek_field()? != field {
            return Ok(None);
        }
        self.varint()?;
        self.data().map(Some)
    }

    fn required(&mut self, field: u64, expected: &'static str) -> Result<Vec<u8>, MacaroonError> {
        let offset = self.pos;
        match self.optional(field)? {
            Some(data) => Ok(data),
            None => Err(MacaroonError::UnexpectedField {
                field: self.peek_field()?,
                expected,
                offset,
            }),
        }
    }

    fn end_of_section(&mut self) -> Result<(), MacaroonError> {
        let offset = self.pos;
        let field = self.varint()?;
        if field == FIELD_EOS {
            Ok(())
        } else {
            Err(MacaroonError::UnexpectedField {
                field,
                expected: "end of section",
                offset,
            })
        }
    }
}

/// See: libmacaroons V2: `0x02 [loc] id EOS ([loc] id [vid] EOS)* EOS sig`.
fn parse_v2(bytes: &[u8]) -> Result<Macaroon, MacaroonError> {
    let mut reader = Reader { bytes, pos: 1 };
    let location = reader.optional(FIELD_LOCATION)?;
    let identifier = reader.required(FIELD_IDENTIFIER, "identifier")?;
    reader.end_of_section()?;
    let mut caveats = Vec::new();
    while reader.peek_field()? != FIELD_EOS {
        let location = reader.optional(FIELD_LOCATION)?;
        let identifier = reader.required(FIELD_IDENTIFIER, "caveat identifier")?;
        let verification_id = reader.optional(FIELD_VID)?;
        reader.end_of_section()?;
        caveats.push(Caveat {
            location,
            identifier,
            verification_id,
        });
    }
    reader.end_of_section()?;
    let signature = reader.required(FIELD_SIGNATURE, "signature")?;
    let signature: [u8; 32] =
        signature
            .as_slice()
            .try_into()
            .map_err(|_| MacaroonError::SignatureLength {
                len: signature.len(),
            })?;
    let n_trailing = bytes.len() - reader.pos;
    if n_trailing > 0 {
        return Err(MacaroonError::TrailingData { n_trailing });
    }
    Ok(Macaroon {
        location,
        identifier,
        caveats,
        signature,
    })
}

/// V1: packets of a 4-hex-digit length (counting itself and the newline), `key value\n`.
///
/// See: libmacaroons V1 format (`location`, `identifier`, `cid`, `vid`, `cl`, `signature`).
fn parse_v1(bytes: &[u8]) -> Result<Macaroon, MacaroonError> {
    let mut location = None;
    let mut identifier = None;
    let mut caveats: Vec<Caveat> = Vec::new();
    let mut signature = None;
    let mut pos = 0;
    while pos < bytes.len() {
        let (key, value, next) = v1_packet(bytes, pos)?;
        match key {
            b"location" => location = Some(value.to_vec()),
            b"identifier" => identifier = Some(value.to_vec()),
            b"cid" => caveats.push(Caveat {
                location: None,
                identifier: value.to_vec(),
                verification_id: None,
            }),
            b"vid" | b"cl" => {
                let caveat = caveats
                    .last_mut()
                    .ok_or(MacaroonError::V1Packet { offset: pos })?;
                if key == b"vid" {
                    caveat.verification_id = Some(value.to_vec());
                } else {
                    caveat.location = Some(value.to_vec());
                }
            }
            b"signature" => signature = Some(value.to_vec()),
            _ => return Err(MacaroonError::V1Packet { offset: pos }),
        }
        pos = next;
    }
    let identifier = identifier.ok_or(MacaroonError::V1Packet { offset: 0 })?;
    let signature = signature.ok_or(MacaroonError::V1Packet { offset: pos })?;
    let signature: [u8; 32] =
        signature
            .as_slice()
            .try_into()
            .map_err(|_| MacaroonError::SignatureLength {
                len: signature.len(),
            })?;
    Ok(Macaroon {
        location,
        identifier,
        caveats,
        signature,
    })
}

fn v1_packet(bytes: &[u8], pos: usize) -> Result<(&[u8], &[u8], usize), MacaroonError> {
    let bad = MacaroonError::V1Packet { offset: pos };
    let header = bytes.get(pos..pos + 4).ok_or(bad.clone())?;
    let len = std::str::from_utf8(header)
        .ok()
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .filter(|len| *len > 5)
        .ok_or(bad.clone())?;
    let packet = bytes.get(pos + 4..pos + len).ok_or(bad.clone())?;
    let packet = packet.strip_suffix(b"\n").ok_or(bad.clone())?;
    let space = packet.iter().position(|b| *b == b' ').ok_or(bad)?;
    Ok((&packet[..space], &packet[space + 1..], pos + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_KEY: &[u8] = b"test root key, not a secret";

    #[test]
    fn ok_v2_round_trip_with_caveats() {
        let mut macaroon = Macaroon::mint(ROOT_KEY, b"pypi.org", b"id-123");
        macaroon.add_first_party_caveat(br#"[1,["demo"]]"#);
        macaroon.add_first_party_caveat(b"[0,2000,1000]");
        let bytes = macaroon.to_v2_bytes();
        let parsed = Macaroon::parse(&bytes).unwrap();
        assert_eq!(parsed, macaroon);
        assert!(parsed.has_valid_signature(ROOT_KEY));
        assert!(!parsed.has_valid_signature(b"another key"));
    }

    #[test]
    fn ok_v2_known_layout_without_location() {
        // 0x02, identifier "ab", EOS, no caveats, EOS, signature packet.
        let mut bytes = vec![2, 2, 2, b'a', b'b', 0, 0, 6, 32];
        bytes.extend_from_slice(&[7u8; 32]);
        let parsed = Macaroon::parse(&bytes).unwrap();
        assert_eq!(parsed.location, None);
        assert_eq!(parsed.identifier, b"ab");
        assert!(parsed.caveats.is_empty());
        assert_eq!(parsed.signature, [7u8; 32]);
    }

    #[test]
    fn err_v2_truncated_signature() {
        let macaroon = Macaroon::mint(ROOT_KEY, b"pypi.org", b"id");
        let bytes = macaroon.to_v2_bytes();
        let err = Macaroon::parse(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(matches!(err, MacaroonError::Truncated { .. }), "{err:?}");
    }

    #[test]
    fn err_v2_trailing_bytes() {
        let mut bytes = Macaroon::mint(ROOT_KEY, b"pypi.org", b"id").to_v2_bytes();
        bytes.push(0);
        assert_eq!(
            Macaroon::parse(&bytes).unwrap_err(),
            MacaroonError::TrailingData { n_trailing: 1 }
        );
    }

    #[test]
    fn err_v2_missing_identifier() {
        let bytes = [2u8, 1, 1, b'x', 0];
        let err = Macaroon::parse(&bytes).unwrap_err();
        assert!(
            matches!(
                err,
                MacaroonError::UnexpectedField {
                    expected: "identifier",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn tampered_caveat_breaks_signature_chain() {
        let mut macaroon = Macaroon::mint(ROOT_KEY, b"pypi.org", b"id");
        macaroon.add_first_party_caveat(br#"[1,["demo"]]"#);
        macaroon.caveats[0].identifier = br#"[1,["other"]]"#.to_vec();
        assert!(!macaroon.has_valid_signature(ROOT_KEY));
    }

    #[test]
    fn ok_v1_packets() {
        fn packet(key: &str, value: &[u8]) -> Vec<u8> {
            let len = 4 + key.len() + 1 + value.len() + 1;
            let mut out = format!("{len:04x}{key} ").into_bytes();
            out.extend_from_slice(value);
            out.push(b'\n');
            out
        }
        let macaroon = {
            let mut m = Macaroon::mint(ROOT_KEY, b"pypi.org", b"id-v1");
            m.add_first_party_caveat(br#"{"version":1,"permissions":"user"}"#);
            m
        };
        let mut bytes = packet("location", b"pypi.org");
        bytes.extend(packet("identifier", b"id-v1"));
        bytes.extend(packet("cid", &macaroon.caveats[0].identifier));
        bytes.extend(packet("signature", &macaroon.signature));
        let parsed = Macaroon::parse(&bytes).unwrap();
        assert_eq!(parsed, macaroon);
        assert!(parsed.has_valid_signature(ROOT_KEY));
    }
}
