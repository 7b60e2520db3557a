//! A URL wrapper that is safe to show: no userinfo, and query values masked unless known to be
//! harmless. Download redirects carry signed query strings that grant access for a while.
//! See: house-style.md bullet 24.

use std::fmt;

use url::Url;

/// Query keys whose values we send ourselves and which carry nothing secret.
const PLAIN_QUERY_KEYS: [&str; 6] = ["name", "label", "per_page", "page", "filter", "ref"];

/// A URL for errors, logs and records, masked when made.
#[derive(Clone, PartialEq, Eq)]
pub struct SafeUrl(Box<str>);

impl SafeUrl {
    /// Masks a URL.
    #[must_use]
    pub fn new(url: &Url) -> Self {
        Self(Masked(url).to_string().into_boxed_str())
    }

    /// The masked URL as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SafeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

struct Masked<'a>(&'a Url);

impl fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0;
        write!(f, "{}://{}", url.scheme(), url.host_str().unwrap_or(""))?;
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str(url.path())?;
        let mut separator = '?';
        for (key, value) in url.query_pairs() {
            let shown = if PLAIN_QUERY_KEYS.contains(&key.as_ref()) {
                value.as_ref()
            } else {
                "***"
            };
            write!(f, "{separator}{key}={shown}")?;
            separator = '&';
        }
        Ok(())
    }
}

impl fmt::Debug for SafeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SafeUrl({self})")
    }
}

impl serde::Serialize for SafeUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_userinfo_and_signed_query_values() {
        let url = Url::parse("https://user:pw@cdn.example:8443/a/b?name=x.whl&X-Amz-Signature=abc")
            .unwrap();
        let shown = SafeUrl::new(&url).to_string();
        assert_eq!(
            shown,
            "https://cdn.example:8443/a/b?name=x.whl&X-Amz-Signature=***"
        );
    }
}
