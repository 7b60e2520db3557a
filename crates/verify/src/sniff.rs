//! Naming what a file really is when it is not the archive its name promises, so a finding can say
//! what was found ("the file is gzip-compressed", "the file starts with `hello`") instead of
//! echoing raw bytes.
//!
//! See: RFC 1952 (gzip magic), POSIX ustar (magic at offset 257), APPNOTE.TXT 4.3.7 (zip magic).

/// At most this many leading bytes are quoted in a message.
const QUOTED: usize = 16;

/// A short phrase saying what `head` (the first bytes of a file, up to 512) looks like.
pub(crate) fn describe(head: &[u8]) -> String {
    let kind = if head.is_empty() {
        return "the file is empty".to_owned();
    } else if head.starts_with(&[0x1f, 0x8b]) {
        "gzip-compressed"
    } else if head.starts_with(b"BZh") {
        "bzip2-compressed"
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        "xz-compressed"
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "zstd-compressed"
    } else if head.get(257..262) == Some(b"ustar") {
        "an uncompressed tar archive"
    } else if head.starts_with(b"PK\x03\x04") {
        "a zip archive"
    } else {
        return format!("the file starts with {}", quote(head));
    };
    format!("the file is {kind}")
}

/// Up to 16 bytes as an escaped, backticked string that is safe to print: non-printable bytes,
/// backslashes, quotes and backticks become escapes, and a longer input ends in `...`.
pub(crate) fn quote(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(QUOTED)];
    let mut text = String::with_capacity(shown.len() * 2 + 5);
    for &byte in shown {
        if byte == b'`' {
            text.push_str("\\x60");
        } else {
            text.extend(std::ascii::escape_default(byte).map(char::from));
        }
    }
    let more = if bytes.len() > QUOTED { "..." } else { "" };
    format!("`{text}`{more}")
}

#[cfg(test)]
mod tests {
    use super::{describe, quote};

    #[test]
    fn quote_escapes_control_bytes_and_backticks_and_bounds_the_length() {
        assert_eq!(quote(b"a`b\x1b[0m\n"), "`a\\x60b\\x1b[0m\\n`");
        assert_eq!(quote(&[0xff; 40]), format!("`{}`...", "\\xff".repeat(16)));
    }

    #[test]
    fn describe_names_known_formats_and_quotes_the_rest() {
        assert_eq!(describe(b""), "the file is empty");
        assert_eq!(describe(&[0x1f, 0x8b, 8, 0]), "the file is gzip-compressed");
        assert_eq!(describe(b"hello"), "the file starts with `hello`");
    }
}
