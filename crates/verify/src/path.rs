//! Member names: PATH-* rules for wheel entries, RECORD paths and sdist members.
//!
//! A name must mean the same file to every installer on every operating system: no hidden or
//! reordering characters, no way out of the target directory, one Unicode spelling, no two names
//! that a case-insensitive or normalizing filesystem would merge, and nothing Windows refuses.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::{UnicodeNormalization, is_nfc};

use crate::check::{CheckId, Findings, Severity};

/// Windows reserved device names; they are reserved with any extension too.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The longest path Windows handles without the long-path opt-in.
const WINDOWS_MAX_PATH: usize = 260;

/// How strictly PATH-05 (Windows portability) applies to an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowsPortability {
    /// The artifact installs on Windows (`any`, `win*` wheels, sdists): violations are errors.
    Required,
    /// The artifact never installs on Windows (for example a manylinux wheel): warnings.
    Advisory,
}

/// Checks one member path (PATH-01..03, PATH-05), recording findings. Returns `false` when the
/// path is unsafe to use at all (traversal, absolute, control characters).
///
/// PATH-05 applies as for an artifact that installs on Windows; see [`check_member_path_for`].
pub fn check_member_path(path: &str, is_dir: bool, findings: &mut Findings) -> bool {
    check_member_path_for(path, is_dir, WindowsPortability::Required, findings)
}

/// [`check_member_path`] with an explicit PATH-05 policy.
pub fn check_member_path_for(
    path: &str,
    is_dir: bool,
    windows: WindowsPortability,
    findings: &mut Findings,
) -> bool {
    let safe_chars = check_characters(path, findings);
    let safe_shape = check_shape(path, is_dir, findings);
    if !is_nfc(path) {
        findings.error(
            CheckId("PATH-03"),
            Some(path),
            format!(
                "member name is not NFC-normalized; expected `{}`, which macOS would also show",
                path.nfc().collect::<String>()
            ),
        );
    }
    check_windows(path, windows, findings);
    safe_chars && safe_shape
}

/// Every code point of general category `C` (Other): `Cc` controls, `Cf` format characters
/// (bidi overrides, zero-width joiners, the BOM), `Cs` surrogates, `Co` private use and `Cn`
/// unassigned code points and noncharacters. The tables are those of the `regex` crate, which
/// tracks the current Unicode release.
///
/// See: UTS #18 RL1.2 (general category `C`); uv `validate_archive_member_name`.
static OTHER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\p{C}").expect("`\\p{C}` is a valid regex"));

/// The subcategories of `C`, to say in a finding which kind of character was found.
static SUBCATEGORIES: LazyLock<[(Regex, &'static str); 4]> = LazyLock::new(|| {
    let category = |pattern: &str| Regex::new(pattern).expect("general categories are valid");
    [
        (category(r"\p{Cc}"), "a control character (Cc)"),
        (category(r"\p{Cf}"), "an invisible format character (Cf)"),
        (category(r"\p{Co}"), "a private-use character (Co)"),
        (
            category(r"\p{Cn}"),
            "an unassigned code point or noncharacter (Cn)",
        ),
    ]
});

/// The general category of a `C` code point, in words.
fn describe_other(c: char) -> &'static str {
    let mut buf = [0u8; 4];
    let text = c.encode_utf8(&mut buf);
    SUBCATEGORIES
        .iter()
        .find(|(re, _)| re.is_match(text))
        .map_or("a code point of category C", |(_, what)| *what)
}

/// PATH-01: no code point of general category `C` (Other).
fn check_characters(path: &str, findings: &mut Findings) -> bool {
    let Some(found) = OTHER.find(path) else {
        return true;
    };
    let bad = found.as_str().chars().next().unwrap_or_default();
    findings.error(
        CheckId("PATH-01"),
        Some(path),
        format!(
            "member name `{}` contains U+{:04X}, {}; expected printable characters only",
            path.escape_debug(),
            u32::from(bad),
            describe_other(bad)
        ),
    );
    false
}

/// PATH-02: a relative POSIX path without `\`, drive, `.`, `..` or empty components.
fn check_shape(path: &str, is_dir: bool, findings: &mut Findings) -> bool {
    let id = CheckId("PATH-02");
    let trimmed = if is_dir {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let problem = if path.is_empty() {
        Some("it is empty")
    } else if path.starts_with('/') {
        Some("it is absolute")
    } else if path.contains('\\') {
        Some("it contains `\\`, a separator on Windows")
    } else if path.as_bytes().get(1) == Some(&b':') && path.as_bytes()[0].is_ascii_alphabetic() {
        Some("it starts with a Windows drive")
    } else if trimmed.split('/').any(|part| part == "..") {
        Some("it has a `..` component")
    } else if trimmed
        .split('/')
        .any(|part| part == "." || part.is_empty())
    {
        Some("it has an empty or `.` component (or a trailing `/` on a file)")
    } else {
        None
    };
    let Some(problem) = problem else {
        return true;
    };
    findings.error(
        id,
        Some(path),
        format!("member name `{path}` is not a plain relative POSIX path: {problem}"),
    );
    false
}

/// PATH-05: names Windows refuses or mangles.
fn check_windows(path: &str, windows: WindowsPortability, findings: &mut Findings) {
    let severity = match windows {
        WindowsPortability::Required => Severity::Error,
        WindowsPortability::Advisory => Severity::Warning,
    };
    let id = CheckId("PATH-05");
    for part in path.trim_end_matches('/').split('/') {
        let base = part
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let problem = if RESERVED.contains(&base.as_str()) {
            Some(format!("`{part}` is a reserved device name on Windows"))
        } else if part.ends_with(['.', ' ']) && part != "." && part != ".." {
            Some(format!(
                "`{part}` ends in a dot or space, which Windows strips"
            ))
        } else if let Some(c) = part
            .chars()
            .find(|c| matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        {
            Some(format!(
                "`{part}` contains `{c}`, which Windows forbids in names"
            ))
        } else if part.encode_utf16().count() > 255 {
            Some(format!(
                "a component is {} UTF-16 units long; Windows allows 255",
                part.encode_utf16().count()
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            findings.push(
                id,
                severity,
                Some(path),
                format!("member name is not portable to Windows: {problem}"),
            );
        }
    }
    let units = path.encode_utf16().count();
    if units > WINDOWS_MAX_PATH {
        findings.warn(
            id,
            Some(path),
            format!("member name is {units} UTF-16 units long; Windows without long paths allows {WINDOWS_MAX_PATH}"),
        );
    }
}

/// PATH-06: importable module paths (`.py`, `.pyi` and extension modules) are ASCII. Only for
/// installed trees (wheel members that land in site-packages): an sdist's sources may use any
/// names its build maps away. A non-ASCII module name imports only under NFKC-normalized lookup
/// on some filesystems and confuses readers with look-alike letters.
///
/// See: verify-rules.md §2.3 PATH-06; PEP 3131 (identifiers are NFKC-normalized).
pub fn check_module_ascii(path: &str, findings: &mut Findings) {
    let extension = path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let is_module = matches!(extension.as_deref(), Some("py" | "pyi" | "so" | "pyd"));
    if is_module && !path.is_ascii() {
        findings.warn(
            CheckId("PATH-06"),
            Some(path),
            format!(
                "module path `{path}` is not ASCII; expected ASCII names for importable modules"
            ),
        );
    }
}

/// Checks a set of member paths for collisions under case folding and Unicode normalization
/// (PATH-04).
pub fn check_collisions<'a>(paths: impl IntoIterator<Item = &'a str>, findings: &mut Findings) {
    let mut folded: HashMap<String, &'a str> = HashMap::new();
    let mut compat: HashMap<String, &'a str> = HashMap::new();
    for path in paths {
        let bare = path.strip_suffix('/').unwrap_or(path);
        for key in with_ancestors(bare) {
            let fold_key = fold_case(&key.nfc().collect::<String>());
            let compat_key = fold_case(&key.nfkc().collect::<String>());
            if !report_collision(&mut folded, fold_key, key, "case folding", findings) {
                report_collision(&mut compat, compat_key, key, "NFKC normalization", findings);
            }
        }
    }
}

/// The path itself and each directory above it.
fn with_ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(move |(at, _)| &path[..at])
        .chain(std::iter::once(path))
}

/// Full case folding as far as Rust's lowercase mapping goes, plus the common expansions.
fn fold_case(text: &str) -> String {
    text.to_lowercase().replace('ß', "ss").replace('ς', "σ")
}

fn report_collision<'a>(
    seen: &mut HashMap<String, &'a str>,
    key: String,
    path: &'a str,
    how: &str,
    findings: &mut Findings,
) -> bool {
    match seen.get(&key) {
        Some(first) if *first != path => {
            findings.error(
                CheckId("PATH-04"),
                Some(path),
                format!("member name `{path}` collides with `{first}` under {how}; expected names that stay distinct on case-insensitive filesystems"),
            );
            // Report each pair once: the new spelling now stands for the key.
            seen.insert(key, path);
            true
        }
        Some(_) => false,
        None => {
            seen.insert(key, path);
            false
        }
    }
}

#[cfg(test)]
mod tests;
