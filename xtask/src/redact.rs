//! The last line of defence for secrets in text xtask shows or writes: anything shaped like a
//! PyPI API token (`pypi-` + base64url) or a GitHub token (`ghp_`, `gho_`, `ghs_`, `ghu_`,
//! `ghr_`, `github_pat_`) is replaced by its prefix and `****`. Secrets xtask holds never reach a
//! message (they live in `Secret` and `GitHubToken`); this catches the ones it does not hold,
//! such as a token on a line of a malformed `Cargo.toml` that cargo quotes in its parse error.
//!
//! Applied where text from outside reaches the terminal or a file: errors as `main` and `upload`
//! print them, cargo's and other children's stderr, panic messages, and the upload record.
//!
//! See: field-failures C16 (a malformed `.pypirc` printed with its token), pypi-upload.md
//! section 7 item 13.

use std::borrow::Cow;

/// Token prefixes and the fewest body characters after them that make a token.
///
/// PyPI tokens are `pypi-` + a base64url macaroon (hundreds of characters). GitHub tokens are a
/// prefix + 36 characters (classic, OAuth, app, refresh) or `github_pat_` + 82 (fine-grained).
/// The minimums leave words such as `pypi-server` or `ghp_x` alone.
const SHAPES: &[(&str, usize)] = &[
    ("pypi-", 16),
    ("github_pat_", 20),
    ("ghp_", 20),
    ("gho_", 20),
    ("ghs_", 20),
    ("ghu_", 20),
    ("ghr_", 20),
];

/// What a redacted token is replaced with, after its prefix.
const MASK: &str = "****";

fn is_body(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// `text` with every token-shaped run replaced by its prefix and `****`, and the password of
/// every URL's userinfo (`https://user:password@host/`) by `****`.
pub(crate) fn token_shapes(text: &str) -> Cow<'_, str> {
    let masked = mask_tokens(text);
    match url_passwords(&masked) {
        Some(out) => Cow::Owned(out),
        None => masked,
    }
}

/// `text` with the password of each `scheme://user:password@` replaced by `****`, or `None`
/// when there is none. The authority ends at `/`, `?`, `#`, whitespace or a quote.
fn url_passwords(text: &str) -> Option<String> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let start = search + found + 3;
        let len = text[start..]
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(text.len() - start);
        let authority = &text[start..start + len];
        search = start + len;
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let Some(colon) = authority[..at].find(':') else {
            continue;
        };
        let password = &authority[colon + 1..at];
        if password.is_empty() || password == MASK {
            continue;
        }
        let from = start + colon + 1;
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[copied..from]);
        out.push_str(MASK);
        copied = start + at;
    }
    out.map(|mut out| {
        out.push_str(&text[copied..]);
        out
    })
}

/// `text` with every token-shaped run replaced by its prefix and `****`.
fn mask_tokens(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Bytes of `text` before `copied` are already in `out`.
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let found = SHAPES.iter().find_map(|&(prefix, min_body)| {
            if !bytes[at..].starts_with(prefix.as_bytes()) {
                return None;
            }
            let body = bytes[at + prefix.len()..]
                .iter()
                .take_while(|&&b| is_body(b))
                .count();
            (body >= min_body).then_some((prefix, body))
        });
        match found {
            Some((prefix, body)) => {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[copied..at]);
                out.push_str(prefix);
                out.push_str(MASK);
                at += prefix.len() + body;
                copied = at;
            }
            None => at += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// An error as `main` and `upload` show it: the headline, then one `caused by:` line per
/// source, each redacted.
pub(crate) fn error_lines(err: &anyhow::Error) -> Vec<String> {
    err.chain()
        .enumerate()
        .map(|(i, cause)| {
            let text = cause.to_string();
            let text = token_shapes(&text);
            if i == 0 {
                format!("error: {text}")
            } else {
                format!("  caused by: {text}")
            }
        })
        .collect()
}

/// Panic messages go through the redactor too (C16: "including panics").
pub(crate) fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned());
        match payload {
            Some(message) => {
                let location = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                eprintln!(
                    "xtask panicked{location}: {}\nthis is a bug in pyship; please report it",
                    token_shapes(&message)
                );
            }
            None => default(info),
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_userinfo_passwords_are_masked() {
        let text = "6 | index-url = \"https://me:CANARYpw-7f3k9@host/simple\nx http://u:p@h, ftp://anon@h https://a:****@h/ s3://k:s@b";
        let shown = token_shapes(text);
        assert_eq!(
            shown,
            "6 | index-url = \"https://me:****@host/simple\nx http://u:****@h, ftp://anon@h https://a:****@h/ s3://k:****@b"
        );
        assert!(matches!(
            token_shapes("https://host/ and me@x"),
            Cow::Borrowed(_)
        ));
    }

    const PYPI: &str = "pypi-AgEIcHlwaS5vcmcCJGNhbmFyeWNhbmFyeWNhbmFyeQ";
    const GHP: &str = "ghp_CANARYcanaryCANARYcanary0123456789";
    const PAT: &str = "github_pat_11CANARY0canary_CANARYcanaryCANARYcanary";

    #[test]
    fn token_shapes_are_masked_wherever_they_stand() {
        let text = format!(
            "6 | index-url = {PYPI}\n  |   ^^^\nGITHUB_TOKEN={GHP} and \"{PAT}\"; url https://x:{GHP}@h/"
        );
        let out = token_shapes(&text);
        for secret in [PYPI, GHP, PAT, "CANARY", "cHlwaS5"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert_eq!(
            out,
            "6 | index-url = pypi-****\n  |   ^^^\nGITHUB_TOKEN=ghp_**** and \"github_pat_****\"; url https://x:****@h/"
        );
        for prefix in ["gho_", "ghs_", "ghu_", "ghr_"] {
            let token = format!("{prefix}{}", &GHP[4..]);
            assert_eq!(token_shapes(&token), format!("{prefix}****"));
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "pypi-server on 127.0.0.1",
            "https://pypi-mirror.example/simple/",
            "ghp_short",
            "the project pyship-demo",
            "",
            "ünïcode pypi-",
        ] {
            assert!(matches!(token_shapes(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn error_lines_redact_every_cause() {
        let err =
            anyhow::anyhow!("cargo said: line `token = {PYPI}`").context(format!("outer {GHP}"));
        let lines = error_lines(&err);
        assert_eq!(
            lines,
            vec![
                "error: outer ghp_****".to_owned(),
                "  caused by: cargo said: line `token = pypi-****`".to_owned()
            ]
        );
    }
}
