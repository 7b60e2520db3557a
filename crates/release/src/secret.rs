//! The GitHub token newtype, which keeps the token out of every log, error and `Debug` string.
//!
//! The token is handed in by xtask (from `GITHUB_TOKEN`, `GH_TOKEN` or the keyring) and leaves
//! this type only through [`GitHubToken::expose`], called at the single place that writes the
//! `Authorization` header.
//! See: house-style.md bullet 23.

use std::fmt;

/// A GitHub token. No `Display`, no `Serialize`; `Debug` shows only the token's kind.
#[derive(Clone)]
pub struct GitHubToken(String);

impl GitHubToken {
    /// Wraps a token read by the caller.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw token, for the one place that puts it on the wire.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The kind of token, judged from its documented prefix.
    #[must_use]
    pub fn kind(&self) -> TokenKind {
        TokenKind::from_prefix(&self.0)
    }
}

impl fmt::Debug for GitHubToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHubToken")
            .field("kind", &self.kind())
            .field("value", &"<redacted>")
            .finish()
    }
}

/// What a token is, from its prefix. Gates use it: an Actions token (`ghs_`) cannot gain the
/// Workflows permission, and only some kinds can be narrowed per repository.
/// See: github-release.md §2 "Secrets never logged" (token formats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenKind {
    /// `ghs_`: a GitHub App installation token, which is what `GITHUB_TOKEN` in Actions is.
    AppInstallation,
    /// `ghp_`: a classic personal access token (scopes, not per-repository permissions).
    ClassicPersonal,
    /// `github_pat_`: a fine-grained personal access token.
    FineGrainedPersonal,
    /// `gho_`: an OAuth app token (for example from `gh auth login`).
    OAuth,
    /// `ghu_`: a GitHub App user-to-server token.
    AppUser,
    /// No known prefix.
    Unknown,
}

impl TokenKind {
    /// Classifies a token by prefix without keeping any part of it.
    #[must_use]
    pub fn from_prefix(token: &str) -> Self {
        const PREFIXES: [(&str, TokenKind); 5] = [
            ("github_pat_", TokenKind::FineGrainedPersonal),
            ("ghp_", TokenKind::ClassicPersonal),
            ("ghs_", TokenKind::AppInstallation),
            ("gho_", TokenKind::OAuth),
            ("ghu_", TokenKind::AppUser),
        ];
        PREFIXES
            .iter()
            .find(|(prefix, _)| token.starts_with(prefix))
            .map_or(TokenKind::Unknown, |(_, kind)| *kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token_value() {
        let token = GitHubToken::new("ghp_canary0123456789");
        let shown = format!("{token:?}");
        assert!(!shown.contains("canary"), "{shown}");
        assert!(shown.contains("ClassicPersonal"), "{shown}");
    }

    #[test]
    fn kind_from_each_documented_prefix() {
        let cases = [
            ("ghs_abc", TokenKind::AppInstallation),
            ("ghp_abc", TokenKind::ClassicPersonal),
            ("github_pat_11abc", TokenKind::FineGrainedPersonal),
            ("gho_abc", TokenKind::OAuth),
            ("ghu_abc", TokenKind::AppUser),
            ("pypi-abc", TokenKind::Unknown),
            ("", TokenKind::Unknown),
        ];
        for (token, kind) in cases {
            assert_eq!(TokenKind::from_prefix(token), kind, "{token}");
        }
    }
}
