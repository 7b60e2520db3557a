//! `License`, `License-Expression` and `License-File` (META-15, META-16), with a vendored SPDX
//! list so that the verdict never depends on an installed library's version (C01, C02).
//!
//! See: license-expression specification; packaging `licenses/__init__.py`.

use crate::check::{CheckId, Findings};

use super::fields::MetadataVersion;
use super::spdx::{EXCEPTIONS, LICENSES};
use super::{CoreMetadata, MetadataContext};

/// One token of a license expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    And,
    Or,
    With,
    Id(&'a str),
}

fn tokenize(expression: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    for word in expression.split_whitespace() {
        let mut rest = word;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('(') {
                tokens.push(Token::Open);
                rest = after;
                continue;
            }
            let end = rest.find(['(', ')']).unwrap_or(rest.len());
            if end == 0 {
                tokens.push(Token::Close);
                rest = &rest[1..];
                continue;
            }
            let atom = &rest[..end];
            tokens.push(match atom.to_ascii_lowercase().as_str() {
                "and" => Token::And,
                "or" => Token::Or,
                "with" => Token::With,
                _ => Token::Id(atom),
            });
            rest = &rest[end..];
        }
    }
    tokens
}

/// What checking an expression established, besides errors.
#[derive(Default)]
struct Verdict {
    errors: Vec<String>,
    deprecated: Vec<String>,
    canonical: String,
}

/// A recursive-descent reader over the tokens, building the canonical spelling as it goes.
struct Reader<'a, 'v> {
    tokens: &'a [Token<'a>],
    at: usize,
    verdict: &'v mut Verdict,
}

impl Reader<'_, '_> {
    fn peek(&self) -> Option<&Token<'_>> {
        self.tokens.get(self.at)
    }

    fn expression(&mut self) {
        self.term();
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            self.verdict.canonical.push_str(" OR ");
            self.term();
        }
    }

    fn term(&mut self) {
        self.factor();
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            self.verdict.canonical.push_str(" AND ");
            self.factor();
        }
    }

    fn factor(&mut self) {
        match self.tokens.get(self.at).cloned() {
            Some(Token::Open) => {
                self.at += 1;
                self.verdict.canonical.push('(');
                self.expression();
                if self.peek() == Some(&Token::Close) {
                    self.at += 1;
                    self.verdict.canonical.push(')');
                } else {
                    self.verdict.errors.push("a `(` is never closed".to_owned());
                }
            }
            Some(Token::Id(id)) => {
                self.at += 1;
                self.license(id);
                if self.peek() == Some(&Token::With) {
                    self.at += 1;
                    self.verdict.canonical.push_str(" WITH ");
                    self.exception();
                }
            }
            Some(other) => {
                self.verdict
                    .errors
                    .push(format!("expected a license id, found `{}`", show(&other)));
                self.at += 1;
            }
            None => self
                .verdict
                .errors
                .push("the expression ends where a license id was expected".to_owned()),
        }
    }

    fn license(&mut self, id: &str) {
        let (base, plus) = match id.strip_suffix('+') {
            Some(base) => (base, "+"),
            None => (id, ""),
        };
        if let Some(suffix) = strip_prefix_ignore_case(base, "LicenseRef-") {
            if suffix.is_empty()
                || !suffix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            {
                self.verdict.errors.push(format!(
                    "`{id}` is not a valid `LicenseRef-`: expected only ASCII letters, digits, `.` and `-` after the prefix"
                ));
            }
            let canonical = &mut self.verdict.canonical;
            canonical.push_str("LicenseRef-");
            canonical.push_str(suffix);
            canonical.push_str(plus);
            return;
        }
        let key = base.to_ascii_lowercase();
        let Ok(i) = LICENSES.binary_search_by(|(k, _, _)| (*k).cmp(key.as_str())) else {
            self.verdict
                .errors
                .push(format!("`{id}` is not an SPDX license id"));
            self.verdict.canonical.push_str(id);
            return;
        };
        let (_, canonical, deprecated) = LICENSES[i];
        if deprecated {
            self.verdict.deprecated.push(canonical.to_owned());
        }
        self.verdict.canonical.push_str(canonical);
        self.verdict.canonical.push_str(plus);
    }

    fn exception(&mut self) {
        let Some(Token::Id(id)) = self.tokens.get(self.at).cloned() else {
            self.verdict
                .errors
                .push("`WITH` must be followed by an SPDX exception id".to_owned());
            return;
        };
        self.at += 1;
        let key = id.to_ascii_lowercase();
        let Ok(i) = EXCEPTIONS.binary_search_by(|(k, _, _)| (*k).cmp(key.as_str())) else {
            self.verdict
                .errors
                .push(format!("`{id}` after `WITH` is not an SPDX exception id"));
            self.verdict.canonical.push_str(id);
            return;
        };
        let (_, canonical, deprecated) = EXCEPTIONS[i];
        if deprecated {
            self.verdict.deprecated.push(canonical.to_owned());
        }
        self.verdict.canonical.push_str(canonical);
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn show(token: &Token<'_>) -> String {
    match token {
        Token::Open => "(".to_owned(),
        Token::Close => ")".to_owned(),
        Token::And => "AND".to_owned(),
        Token::Or => "OR".to_owned(),
        Token::With => "WITH".to_owned(),
        Token::Id(id) => (*id).to_owned(),
    }
}

fn judge_expression(expression: &str) -> Verdict {
    let tokens = tokenize(expression);
    let mut verdict = Verdict::default();
    if tokens.is_empty() {
        verdict.errors.push("the expression is empty".to_owned());
        return verdict;
    }
    let mut reader = Reader {
        tokens: &tokens,
        at: 0,
        verdict: &mut verdict,
    };
    reader.expression();
    if let Some(extra) = reader.tokens.get(reader.at) {
        let found = show(extra);
        verdict
            .errors
            .push(format!("unexpected `{found}` after a complete expression"));
    }
    verdict
}

/// META-15 and META-16.
pub(crate) fn check_license(
    metadata: &CoreMetadata,
    version: MetadataVersion,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    if let Some(expression) = metadata.get("License-Expression") {
        check_expression(expression, context, findings);
        if metadata.get("License").is_some() {
            findings.error(
                CheckId("META-15"),
                Some(context.member),
                "both `License` and `License-Expression` are present; PyPI refuses that, expected only `License-Expression`",
            );
        }
    }
    // Below 2.4 the field is legacy and ignored (META-03 warned about it), so nothing to check.
    if version < MetadataVersion(2, 4) {
        return;
    }
    for path in metadata.get_all("License-File") {
        check_license_file(path, context, findings);
    }
}

fn check_expression(expression: &str, context: &MetadataContext<'_>, findings: &mut Findings) {
    let id = CheckId("META-15");
    let member = Some(context.member);
    let verdict = judge_expression(expression);
    for error in &verdict.errors {
        findings.error(
            id,
            member,
            format!("`License-Expression: {expression}` is not valid SPDX: {error}"),
        );
    }
    if !verdict.errors.is_empty() {
        return;
    }
    for deprecated in &verdict.deprecated {
        findings.warn(
            id,
            member,
            format!("`License-Expression: {expression}` uses deprecated SPDX id `{deprecated}`"),
        );
    }
    if verdict.canonical != expression {
        findings.warn(
            id,
            member,
            format!(
                "`License-Expression: {expression}` is not in canonical form; expected `{}`",
                verdict.canonical
            ),
        );
    }
}

/// META-16: a `License-File` path is a plain relative POSIX path, and the file is there.
fn check_license_file(path: &str, context: &MetadataContext<'_>, findings: &mut Findings) {
    let id = CheckId("META-16");
    let member = Some(context.member);
    let problem = if path.is_empty() {
        Some("it is empty")
    } else if path.contains('\\') {
        Some("it uses `\\`; expected `/` separators")
    } else if path.starts_with('/') || path.as_bytes().get(1) == Some(&b':') {
        Some("it is absolute; expected a path relative to the project root")
    } else if path
        .split('/')
        .any(|part| part == ".." || part == "." || part.is_empty())
    {
        Some("it has an empty, `.` or `..` component")
    } else if path.contains(['*', '?', '[', ']']) {
        Some("it contains glob characters; expected a literal path")
    } else {
        None
    };
    if let Some(problem) = problem {
        findings.error(
            id,
            member,
            format!("`License-File: {path}` is invalid: {problem}"),
        );
        return;
    }
    if !(context.has_license_file)(path) {
        findings.error(
            id,
            member,
            format!("`License-File: {path}` is declared but the file is not in the artifact where the spec puts it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_expressions_pass_unchanged() {
        for expression in [
            "MIT",
            "MPL-2.0 AND (Apache-2.0 OR MIT)",
            "GPL-3.0-or-later WITH Classpath-exception-2.0",
            "LicenseRef-Proprietary",
        ] {
            let verdict = judge_expression(expression);
            assert!(
                verdict.errors.is_empty(),
                "{expression}: {:?}",
                verdict.errors
            );
            assert_eq!(verdict.canonical, expression);
        }
    }

    #[test]
    fn lowercase_expression_gets_canonical_spelling() {
        let verdict = judge_expression("mit or (apache-2.0 and bsd-3-clause)");
        assert!(verdict.errors.is_empty());
        assert_eq!(verdict.canonical, "MIT OR (Apache-2.0 AND BSD-3-Clause)");
    }

    #[test]
    fn malformed_expressions_are_errors() {
        for expression in [
            "",
            "MIT OR",
            "(MIT",
            "MIT Apache-2.0",
            "MIT WITH MIT",
            "NotALicense",
            "LicenseRef-My_Lic",
            "WITH MIT",
        ] {
            assert!(
                !judge_expression(expression).errors.is_empty(),
                "{expression}"
            );
        }
    }

    #[test]
    fn deprecated_id_is_reported() {
        let verdict = judge_expression("GPL-2.0");
        assert!(verdict.errors.is_empty());
        assert_eq!(verdict.deprecated, ["GPL-2.0"]);
    }
}
