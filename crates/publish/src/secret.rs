//! Secret hygiene by construction: a `Secret` that cannot be displayed, a URL wrapper that masks
//! credentials whenever it is shown, and a redactor for text that came from elsewhere (server
//! bodies) and may echo what we sent.
//!
//! See: pypi-upload.md section 8 item 8; field-failures C16, C17.

use std::fmt;

use base64::Engine as _;
use url::Url;

/// A credential (token or password). It has no `Display`, its `Debug` is redacted and the value
/// leaves only through [`Secret::expose`], at the single place it goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential. Surrounding whitespace is kept as given; see [`Secret::is_blank`].
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Wraps a credential read from an environment variable or a file: `None` when it is empty or
    /// only whitespace, because a deleted CI secret expands to an empty string and must count as
    /// absent. Surrounding whitespace is trimmed.
    ///
    /// See: field-failures C22.
    #[must_use]
    pub fn from_optional(value: &str) -> Option<Self> {
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| Secret(trimmed.to_owned()))
    }

    /// The credential itself. Call this only where the value is sent.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is empty or whitespace only.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// Query parameters whose values are credentials (pre-signed URLs, token parameters).
const SECRET_QUERY_KEYS: &[&str] = &[
    "token",
    "access_token",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
];

/// A URL that is safe to show: its `Display` and `Debug` mask the password in the userinfo and
/// the values of credential-like query parameters. Error types store this, never a raw URL.
///
/// See: field-failures C17 (uv#20438: a PAT in URL userinfo reached pipeline logs).
#[derive(Clone, PartialEq, Eq)]
pub struct SafeUrl(Url);

impl SafeUrl {
    /// Parses a URL. A parse error never quotes the input, which may hold a credential.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        Url::parse(text).map(SafeUrl).map_err(|err| UrlError {
            reason: err.to_string(),
        })
    }

    /// The URL itself, for the HTTP client. It may contain credentials: never show it.
    #[must_use]
    pub fn expose(&self) -> &Url {
        &self.0
    }

    /// Whether the URL's host is a loopback address (`localhost`, `127.0.0.0/8`, `::1`).
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        match self.0.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }

    /// Whether the URL may carry credentials: HTTPS, or plain HTTP to a loopback address.
    #[must_use]
    pub fn is_secure_transport(&self) -> bool {
        self.0.scheme() == "https" || (self.0.scheme() == "http" && self.is_loopback())
    }

    /// Whether `other` has the same scheme, host and port.
    #[must_use]
    pub fn same_origin(&self, other: &SafeUrl) -> bool {
        self.0.origin() == other.0.origin()
    }

    /// The host name, if any.
    #[must_use]
    pub fn host_str(&self) -> Option<&str> {
        self.0.host_str()
    }

    /// Resolves a (possibly relative) reference against this URL, as a browser would.
    pub fn join(&self, reference: &str) -> Result<SafeUrl, UrlError> {
        self.0.join(reference).map(SafeUrl).map_err(|err| UrlError {
            reason: err.to_string(),
        })
    }

    /// This URL with its path replaced (query and fragment dropped).
    #[must_use]
    pub fn with_path(&self, path: &str) -> SafeUrl {
        let mut url = self.0.clone();
        url.set_path(path);
        url.set_query(None);
        url.set_fragment(None);
        SafeUrl(url)
    }

    /// The path component.
    #[must_use]
    pub fn path(&self) -> &str {
        self.0.path()
    }

    fn masked(&self) -> Url {
        let mut url = self.0.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("****"));
        }
        if url.query().is_some() {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(key, value)| {
                    let secret = SECRET_QUERY_KEYS
                        .iter()
                        .any(|name| key.eq_ignore_ascii_case(name));
                    let value = if secret { "****".into() } else { value };
                    (key.into_owned(), value.into_owned())
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        url
    }
}

impl fmt::Display for SafeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.masked(), f)
    }
}

impl fmt::Debug for SafeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SafeUrl({})", self.masked())
    }
}

/// A URL that does not parse. The input is not quoted, since it may hold a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("URL does not parse: {reason}")]
pub struct UrlError {
    reason: String,
}

/// Removes every trace of `secrets` from text that came from outside (a server's error body may
/// echo request headers): the values themselves, their HTTP Basic encodings, and anything shaped
/// like a PyPI token.
///
/// See: pypi-upload.md section 7 item 13.
#[must_use]
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    redact_for_users(text, secrets, &[])
}

/// [`redact`], also removing the HTTP Basic encodings of each secret with each of `users` (the
/// username it is sent with): an index that echoes `Authorization: Basic ...` echoes
/// `base64(user:password)`, which contains neither the password nor a token shape.
///
/// A secret shorter than 4 characters is removed only where it stands alone (between characters
/// that are not letters or digits): everywhere would mask pieces of ordinary words.
#[must_use]
pub fn redact_for_users(text: &str, secrets: &[&Secret], users: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        let value = secret.expose();
        if value.is_empty() {
            continue;
        }
        for user in users.iter().copied().chain(["__token__", ""]) {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{value}"));
            out = out.replace(&basic, "****");
        }
        // The forms an echo may take: percent-encoded (a URL or form), JSON-escaped, base64.
        for form in [
            percent_encoded(value),
            json_escaped(value),
            base64::engine::general_purpose::STANDARD.encode(value),
        ] {
            if form != value && form.len() >= 4 {
                out = out.replace(&form, "****");
            }
        }
        out = if value.len() >= 4 {
            out.replace(value, "****")
        } else {
            replace_standalone(&out, value)
        };
    }
    redact_token_shapes(&out)
}

/// `value` with every byte but RFC 3986's unreserved characters percent-encoded.
fn percent_encoded(value: &str) -> String {
    use std::fmt::Write as _;
    value.bytes().fold(String::new(), |mut out, byte| {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
        out
    })
}

/// `value` as it stands inside a JSON string.
fn json_escaped(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_owned()
}

/// `text` with each occurrence of `value` that no letter or digit touches replaced by `****`.
fn replace_standalone(text: &str, value: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut before: Option<char> = None;
    while let Some(at) = rest.find(value) {
        let prev = rest[..at].chars().next_back().or(before);
        let next = rest[at + value.len()..].chars().next();
        let touches = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        out.push_str(&rest[..at]);
        if touches(prev) || touches(next) {
            out.push_str(value);
        } else {
            out.push_str("****");
        }
        before = value.chars().next_back();
        rest = &rest[at + value.len()..];
    }
    out.push_str(rest);
    out
}

/// Replaces anything shaped like a PyPI API token (`pypi-` followed by base64url text).
fn redact_token_shapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(idx) = rest.find("pypi-") {
        out.push_str(&rest[..idx]);
        let tail = &rest[idx + 5..];
        let n_body = tail
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .count();
        if n_body >= 16 {
            out.push_str("pypi-****");
        } else {
            out.push_str(&rest[idx..idx + 5 + n_body]);
        }
        rest = &tail[n_body..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "pypi-CANARYcanaryCANARYcanary0123456789";

    #[test]
    fn secret_debug_is_redacted() {
        let secret = Secret::new(CANARY);
        assert_eq!(format!("{secret:?}"), "Secret(****)");
        assert_eq!(secret.expose(), CANARY);
    }

    #[test]
    fn empty_or_whitespace_credential_counts_as_absent() {
        assert!(Secret::from_optional("").is_none());
        assert!(Secret::from_optional("  \n").is_none());
        assert_eq!(
            Secret::from_optional(" tok \n").map(|s| s.expose().to_owned()),
            Some("tok".to_owned())
        );
    }

    #[test]
    fn safe_url_masks_userinfo_password_and_signed_query() {
        let url = SafeUrl::parse(&format!(
            "https://user:{CANARY}@example.org/legacy/?X-Amz-Signature=abc123&page=2"
        ))
        .unwrap();
        let shown = url.to_string();
        assert!(!shown.contains(CANARY), "{shown}");
        assert!(!shown.contains("abc123"), "{shown}");
        assert!(
            shown.starts_with("https://user:****@example.org/legacy/"),
            "{shown}"
        );
        assert!(shown.contains("page=2"), "{shown}");
        assert!(!format!("{url:?}").contains(CANARY));
    }

    #[test]
    fn url_parse_error_does_not_quote_input() {
        let err = SafeUrl::parse(&format!("https://u:{CANARY}@[bad")).unwrap_err();
        assert!(!err.to_string().contains(CANARY));
        assert!(!format!("{err:?}").contains(CANARY));
    }

    #[test]
    fn transport_security_allows_plain_http_only_on_loopback() {
        let ok = |text: &str| SafeUrl::parse(text).unwrap().is_secure_transport();
        assert!(ok("https://upload.pypi.org/legacy/"));
        assert!(ok("http://127.0.0.1:8080/"));
        assert!(ok("http://localhost:1/"));
        assert!(ok("http://[::1]:1/"));
        assert!(!ok("http://upload.pypi.org/legacy/"));
        assert!(!ok("http://10.0.0.1/"));
    }

    #[test]
    fn redact_removes_basic_form_with_the_username_and_short_passwords() {
        let long = Secret::new("CANARYpw-7f3k9");
        let basic = base64::engine::general_purpose::STANDARD.encode("me:CANARYpw-7f3k9");
        let out = redact_for_users(&format!("header=Basic {basic} ok"), &[&long], &["me"]);
        assert_eq!(out, "header=Basic **** ok");

        let short = Secret::new("abc");
        let basic = base64::engine::general_purpose::STANDARD.encode("me:abc");
        let body = format!("header=Basic {basic} decoded=me:abc pw=abc fabcd abc");
        let out = redact_for_users(&body, &[&short], &["me"]);
        assert_eq!(
            out, "header=Basic **** decoded=me:**** pw=**** fabcd ****",
            "{out}"
        );
    }

    #[test]
    fn redact_removes_encoded_forms_of_the_secret() {
        let secret = Secret::new("CANARY p@ss\"w/rd");
        let encoded = [
            "CANARY%20p%40ss%22w%2Frd".to_owned(),
            "CANARY p@ss\\\"w/rd".to_owned(),
            base64::engine::general_purpose::STANDARD.encode("CANARY p@ss\"w/rd"),
        ];
        for form in &encoded {
            let out = redact(&format!("echo: {form} ok"), &[&secret]);
            assert_eq!(out, "echo: **** ok", "{form}");
        }
    }

    #[test]
    fn redact_removes_secret_basic_form_and_token_shapes() {
        let secret = Secret::new(CANARY);
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("__token__:{CANARY}"));
        let body = format!(
            "echo: {CANARY} Authorization: Basic {basic} other pypi-AgEIcHlwaS5vcmcCJGFiY2RlZg ok"
        );
        let out = redact(&body, &[&secret]);
        assert!(!out.contains(CANARY), "{out}");
        assert!(!out.contains(&basic), "{out}");
        assert!(!out.contains("AgEIcHlwaS5vcmcCJGFiY2RlZg"), "{out}");
        assert!(out.ends_with(" ok"), "{out}");
    }
}
