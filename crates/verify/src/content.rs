//! Content policy for members of our own artifacts: SEC-* rules and native-code detection.
//!
//! Members are scanned as a stream of chunks with a small overlap kept between chunks, so a
//! pattern that straddles a chunk boundary still matches and memory stays bounded whatever the
//! member's size. Each rule fires at most once per member.

use std::sync::LazyLock;

use regex::bytes::Regex;

use crate::check::{CheckId, Findings, Severity};
use crate::native::{BinaryArch, binary_arch};

/// Bytes kept from the end of one chunk and searched again with the next. It must exceed the
/// longest match any rule needs (the patterns below are bounded well under this).
const OVERLAP: usize = 512;

/// Bytes of the member's start kept for magic-number detection (a PE header sits behind `MZ`).
const HEAD: usize = 4096;

/// `.pth` files are read whole up to this size; longer ones are judged by their start.
const PTH_LIMIT: usize = 64 * 1024;

/// A `.py` line longer than this looks generated or obfuscated (SEC-03 heuristic).
const LONG_LINE: usize = 10 * 1024;

/// The secret rule set version, for reports ("0 matches for secret rules vN").
pub const SECRET_RULES_VERSION: u32 = 1;

/// One content rule: a name for messages, its pattern, severity and check id.
struct Rule {
    id: &'static str,
    name: &'static str,
    severity: Severity,
    pattern: &'static str,
}

const PEM_RULE: &str = "PEM private key";

/// SEC-02: token formats with fixed, recognisable prefixes.
///
/// See: verify-rules.md §2.11 SEC-02; the PyPI prefix is base64 of the macaroon location.
const SECRET_RULES: &[Rule] = &[
    Rule {
        id: "SEC-02",
        name: "PyPI API token",
        severity: Severity::Error,
        pattern: r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{16}",
    },
    Rule {
        id: "SEC-02",
        name: "TestPyPI API token",
        severity: Severity::Error,
        pattern: r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{16}",
    },
    Rule {
        id: "SEC-02",
        name: "GitHub token",
        severity: Severity::Error,
        pattern: r"gh[pousr]_[A-Za-z0-9]{36}",
    },
    Rule {
        id: "SEC-02",
        name: "GitHub fine-grained token",
        severity: Severity::Error,
        pattern: r"github_pat_[A-Za-z0-9_]{22}",
    },
    Rule {
        id: "SEC-02",
        name: "AWS access key id",
        severity: Severity::Error,
        pattern: r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)",
    },
    Rule {
        id: "SEC-02",
        name: "PEM private key",
        severity: Severity::Error,
        pattern: r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----",
    },
    Rule {
        id: "SEC-02",
        name: "GitLab token",
        severity: Severity::Error,
        pattern: r"glpat-[A-Za-z0-9_-]{20}",
    },
    Rule {
        id: "SEC-02",
        name: "Slack token",
        severity: Severity::Error,
        pattern: r"xox[abposr]-[0-9A-Za-z-]{10}",
    },
];

/// SEC-03: markers of encrypted or obfuscated Python, and a decode-then-execute heuristic.
///
/// See: warehouse `utils/scanner_rules/{pyarmor,sourcedefender}.yar`.
const PYTHON_RULES: &[Rule] = &[
    Rule {
        id: "SEC-03",
        name: "PyArmor runtime call",
        severity: Severity::Error,
        pattern: r"__pyarmor__\(__name__, __file__,|__pyarmor_(?:enter|exit|assert|bcc)",
    },
    Rule {
        id: "SEC-03",
        name: "SourceDefender encrypted file",
        severity: Severity::Error,
        pattern: r"---BEGIN PYE FILE---",
    },
    Rule {
        id: "SEC-03",
        name: "bidirectional control character",
        severity: Severity::Error,
        pattern: "\u{202A}|\u{202B}|\u{202C}|\u{202D}|\u{202E}|\u{2066}|\u{2067}|\u{2068}|\u{2069}",
    },
    Rule {
        id: "SEC-03",
        name: "decoded data passed to exec/eval/compile",
        severity: Severity::Warning,
        pattern: r"(?-u:\b)(?:exec|eval|compile)\([ \t\r\n]*(?:base64\.b(?:64|32|16|85)decode|zlib\.decompress|marshal\.loads|codecs\.decode|bytes\.fromhex)\(",
    },
    Rule {
        id: "SEC-03",
        name: "run of 400 spaces before code",
        severity: Severity::Warning,
        pattern: r" {400}[^ \r\n]",
    },
];

/// A set of rules compiled into one alternation (fast literal prefilter) plus each rule alone
/// (to say which one matched).
struct RuleSet {
    any: Regex,
    each: Vec<Regex>,
}

impl RuleSet {
    fn new(rules: &'static [Rule]) -> Self {
        let alternation = rules
            .iter()
            .map(|r| format!("(?:{})", r.pattern))
            .collect::<Vec<_>>()
            .join("|");
        Self {
            any: Regex::new(&alternation).expect("content rules are valid regexes"),
            each: rules
                .iter()
                .map(|r| Regex::new(r.pattern).expect("content rule is a valid regex"))
                .collect(),
        }
    }

    /// Indices of the rules matching anywhere in `window` whose match ends past `fresh_from`.
    fn matches(&self, window: &[u8], fresh_from: usize, hits: &mut Vec<usize>) {
        for found in self.any.find_iter(window) {
            if found.end() <= fresh_from {
                continue;
            }
            let text = &window[found.start()..found.end()];
            if let Some(i) = self.each.iter().position(|re| re.is_match(text))
                && !hits.contains(&i)
            {
                hits.push(i);
            }
        }
    }
}

static SECRETS: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::new(SECRET_RULES));
static PYTHON: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::new(PYTHON_RULES));

/// The kind of native binary a member holds, judged by its magic bytes (WHL-12, SEC-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeKind {
    /// ELF shared object or executable.
    Elf,
    /// Windows PE.
    Pe,
    /// Mach-O, either endianness, or fat.
    MachO,
    /// WebAssembly.
    Wasm,
}

/// What scanning one member's content established.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentFacts {
    /// Native code, if the member is a binary.
    pub native: Option<NativeKind>,
    /// The architectures its header declares, for ELF, Mach-O and PE binaries (WHL-12).
    pub arch: Option<BinaryArch>,
    /// For `.pth` files: whether a line starts with `import` (code `site.py` executes).
    pub pth_executes: bool,
}

/// What kind of member this is, for the rules that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberKind {
    Python,
    Pth,
    Other,
}

fn member_kind(path: &str) -> MemberKind {
    match extension(basename(path)).as_deref() {
        Some("py" | "pyw" | "pye" | "pyi") => MemberKind::Python,
        Some("pth") => MemberKind::Pth,
        _ => MemberKind::Other,
    }
}

/// The lowercased text after the last `.` of a file name.
fn extension(base: &str) -> Option<String> {
    base.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
}

/// Whether a directory of `path` is a test or fixture tree.
fn is_test_path(path: &str) -> bool {
    let dirs = path.rsplit_once('/').map_or("", |(dirs, _)| dirs);
    dirs.split('/').any(|part| {
        matches!(
            part.to_ascii_lowercase().as_str(),
            "test" | "tests" | "testing" | "testdata" | "test_data" | "fixtures"
        )
    })
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// Scans one member's content chunk by chunk, so members are never held whole in memory.
pub struct MemberScan {
    path: String,
    kind: MemberKind,
    head: Vec<u8>,
    tail: Vec<u8>,
    window: Vec<u8>,
    secret_hits: Vec<usize>,
    python_hits: Vec<usize>,
    pth: Vec<u8>,
    line_len: usize,
    longest_line: usize,
}

impl MemberScan {
    /// Starts scanning the member at `path`.
    #[must_use]
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            kind: member_kind(path),
            head: Vec::new(),
            tail: Vec::new(),
            window: Vec::new(),
            secret_hits: Vec::new(),
            python_hits: Vec::new(),
            pth: Vec::new(),
            line_len: 0,
            longest_line: 0,
        }
    }

    /// Feeds the next chunk of the member's content.
    pub fn update(&mut self, chunk: &[u8]) {
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if self.kind == MemberKind::Pth && self.pth.len() < PTH_LIMIT {
            let take = (PTH_LIMIT - self.pth.len()).min(chunk.len());
            self.pth.extend_from_slice(&chunk[..take]);
        }
        if self.kind == MemberKind::Python {
            self.track_lines(chunk);
        }
        self.search(chunk);
    }

    /// Searches the overlap from the previous chunk plus this chunk.
    fn search(&mut self, chunk: &[u8]) {
        self.window.clear();
        self.window.extend_from_slice(&self.tail);
        self.window.extend_from_slice(chunk);
        let fresh_from = self.tail.len();
        SECRETS.matches(&self.window, fresh_from, &mut self.secret_hits);
        if self.kind == MemberKind::Python {
            PYTHON.matches(&self.window, fresh_from, &mut self.python_hits);
        }
        let keep = self.window.len().min(OVERLAP);
        self.tail.clear();
        self.tail
            .extend_from_slice(&self.window[self.window.len() - keep..]);
    }

    fn track_lines(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(at) = rest.iter().position(|b| *b == b'\n') {
            self.longest_line = self.longest_line.max(self.line_len + at);
            self.line_len = 0;
            rest = &rest[at + 1..];
        }
        self.line_len += rest.len();
        self.longest_line = self.longest_line.max(self.line_len);
    }

    /// Ends the scan, recording findings about the content.
    pub fn finish(self, findings: &mut Findings) -> ContentFacts {
        let member = Some(self.path.as_str());
        for &i in &self.secret_hits {
            let rule = &SECRET_RULES[i];
            // Test suites ship throwaway keys for TLS tests (requests, urllib3); a key there is
            // still reported, but does not block.
            let fixture = rule.name == PEM_RULE && is_test_path(&self.path);
            let (severity, note) = if fixture {
                (
                    Severity::Warning,
                    "; it sits in a test directory, so it is likely a fixture",
                )
            } else {
                (rule.severity, "")
            };
            findings.push(
                CheckId(rule.id),
                severity,
                member,
                format!("content matches secret rule `{}` (rule set v{SECRET_RULES_VERSION}); expected no credentials in an artifact{note}", rule.name),
            );
        }
        for &i in &self.python_hits {
            let rule = &PYTHON_RULES[i];
            findings.push(
                CheckId(rule.id),
                rule.severity,
                member,
                format!(
                    "Python source contains a {}; expected plain, readable source",
                    rule.name
                ),
            );
        }
        if self.longest_line > LONG_LINE {
            findings.warn(
                CheckId("SEC-03"),
                member,
                format!("Python source has a {}-byte line; lines over {LONG_LINE} bytes suggest generated or obfuscated code", self.longest_line),
            );
        }
        let pth_executes = self.kind == MemberKind::Pth && pth_has_import(&self.pth);
        if pth_executes {
            findings.error(
                CheckId("SEC-01"),
                member,
                "`.pth` file has a line starting with `import`, which `site.py` executes at every interpreter start; expected only path lines",
            );
        }
        let native = native_kind(&self.head);
        if let Some(kind) = native
            && !has_native_suffix(&self.path)
        {
            findings.warn(
                CheckId("SEC-05"),
                member,
                format!("member holds {kind:?} native code under a name that does not say so; expected `.so`, `.pyd`, `.dll`, `.dylib`, `.exe` or `.wasm`"),
            );
        }
        ContentFacts {
            native,
            arch: native.and_then(|_| binary_arch(&self.head)),
            pth_executes,
        }
    }
}

/// Whether a `.pth` line would be executed: it starts with `import` then a space or tab.
///
/// See: CPython `Lib/site.py::addpackage`.
fn pth_has_import(content: &[u8]) -> bool {
    content
        .split(|b| *b == b'\n')
        .any(|line| line.starts_with(b"import ") || line.starts_with(b"import\t"))
}

fn has_native_suffix(path: &str) -> bool {
    let base = basename(path);
    [".so", ".pyd", ".dll", ".dylib", ".exe", ".wasm"]
        .iter()
        .any(|s| base.ends_with(s))
        || base.contains(".so.")
}

/// Classifies a member by its magic bytes.
///
/// `cafebabe` is both a fat Mach-O and a Java class file: a fat header's next word counts
/// architectures (a handful), a class file's holds its version (45 and up).
#[must_use]
pub fn native_kind(head: &[u8]) -> Option<NativeKind> {
    let word = |at: usize| head.get(at..at + 4).map(|b| [b[0], b[1], b[2], b[3]]);
    match word(0)? {
        [0x7f, b'E', b'L', b'F'] => Some(NativeKind::Elf),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => {
            Some(NativeKind::MachO)
        }
        [0xca, 0xfe, 0xba, 0xbe | 0xbf] => {
            let count = u32::from_be_bytes(word(4)?);
            (count < 45).then_some(NativeKind::MachO)
        }
        [0x00, b'a', b's', b'm'] => Some(NativeKind::Wasm),
        [b'M', b'Z', _, _] => {
            let offset = u32::from_le_bytes(word(0x3c)?) as usize;
            (word(offset)? == *b"PE\0\0").then_some(NativeKind::Pe)
        }
        _ => None,
    }
}

/// Names that carry credentials (SEC-02 deny-list).
fn is_secret_name(base: &str) -> bool {
    let lower = base.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        ".pypirc"
            | ".netrc"
            | "_netrc"
            | ".git-credentials"
            | ".npmrc"
            | ".env"
            | "id_rsa"
            | "id_dsa"
            | "id_ecdsa"
            | "id_ed25519"
    ) || (lower.starts_with(".env.")
        && !matches!(
            lower.as_str(),
            ".env.example" | ".env.sample" | ".env.template"
        ))
        || matches!(extension(&lower).as_deref(), Some("p12" | "pfx"))
}

/// Whether `path` sits where `site.py` reads `.pth` files: the wheel root or the root of a
/// `.data/purelib` or `.data/platlib` scheme directory.
fn is_site_root_file(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [_] => true,
        [data, scheme, _] => {
            extension(data).as_deref() == Some("data") && matches!(*scheme, "purelib" | "platlib")
        }
        _ => false,
    }
}

/// Checks member names against the content policy (secret-bearing file names, `.pth` files,
/// unwanted trees), recording findings.
pub fn check_member_name(path: &str, findings: &mut Findings) {
    let base = basename(path);
    if is_secret_name(base) {
        findings.error(
            CheckId("SEC-02"),
            Some(path),
            format!("`{base}` is a file that usually holds credentials; expected it left out of the artifact"),
        );
    }
    if member_kind(path) == MemberKind::Pth && is_site_root_file(path) {
        if base.starts_with('.') {
            findings.error(
                CheckId("SEC-01"),
                Some(path),
                "hidden `.pth` file: `site.py` processes it at every start while directory listings hide it",
            );
        } else {
            findings.warn(
                CheckId("SEC-01"),
                Some(path),
                "`.pth` file: `site.py` processes it at every interpreter start; expected none unless intended",
            );
        }
    }
    let nested = [
        ".whl", ".zip", ".egg", ".jar", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz",
    ];
    if nested
        .iter()
        .any(|ext| base.to_ascii_lowercase().ends_with(ext))
    {
        findings.warn(
            CheckId("SEC-05"),
            Some(path),
            format!("`{base}` is a nested archive, whose contents no check here sees"),
        );
    }
}

#[cfg(test)]
mod tests;
