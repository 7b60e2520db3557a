//! Build-time behaviour of an sdist's build scripts: SEC-04 (warning).
//!
//! Building from source runs code from the sdist: `setup.py`, an in-tree backend (the directories
//! of `[build-system] backend-path`) and build hooks (`hatch_build.py`, `pdm_build.py`, paths
//! named in `[tool.hatch]`, `[tool.poetry]` or `[tool.pdm]`). A text scan of those files reports
//! network modules, process spawns, and system data that is base64-encoded: the shape of the
//! setup-time stealers GuardDog's `threat-setup-network-in-install` rule describes.
//!
//! Every `.py` member is scanned as it streams by (which files are build scripts is only known
//! once `pyproject.toml` has been read, and tar order is arbitrary); only the hits are kept, a
//! bounded number, so memory does not grow with the sdist.
//!
//! Judging ordinary `setup.py` files: a spawn whose command is a literal `git` or `hg` call
//! (`subprocess.check_output(["git", "describe"])`) is how many projects read their version from
//! the repository, so it is not reported; a bare `import subprocess` spawns nothing and is not
//! reported either: only call sites are. Network imports are reported as they stand (a build
//! must get its inputs from declared build requirements), except `urllib.parse`, which only
//! parses strings.
//!
//! See: verify-rules.md §2.11 SEC-04; GuardDog `threat-setup-network-in-install.yar`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::check::{CheckId, Findings};

const ID: CheckId = CheckId("SEC-04");

/// Lines longer than this are judged by their start (generated code, not a build script).
const MAX_LINE: usize = 4096;
/// Hits kept per file, per kind.
const MAX_HITS_PER_KIND: usize = 3;
/// Hits kept over the whole sdist, so a huge tree of `.py` files keeps memory flat.
pub(crate) const MAX_HITS: usize = 4096;

/// Modules whose import means network access (first dotted components).
const NETWORK_MODULES: &[&str] = &[
    "requests",
    "urllib",
    "urllib2",
    "urllib3",
    "httpx",
    "aiohttp",
    "socket",
    "http.client",
    "ftplib",
    "smtplib",
    "telnetlib",
    "pycurl",
];

/// Process-spawning functions of `subprocess` (also when imported by name).
const SUBPROCESS_SPAWNERS: &[&str] = &[
    "run",
    "call",
    "check_call",
    "check_output",
    "Popen",
    "getoutput",
    "getstatusoutput",
];

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum HitKind {
    Network,
    Spawn,
    EncodedSystemInfo,
}

impl HitKind {
    fn describe(self) -> (&'static str, &'static str) {
        match self {
            HitKind::Network => (
                "imports a network module",
                "expected no network access at build time (build inputs come from declared \
                 build requirements)",
            ),
            HitKind::Spawn => (
                "spawns a process",
                "expected no process spawns at build time other than `git`/`hg` version queries",
            ),
            HitKind::EncodedSystemInfo => (
                "collects system information and base64-encodes it",
                "expected no host or environment data to be encoded at build time",
            ),
        }
    }
}

/// One suspicious line of a `.py` member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) kind: HitKind,
    /// 1-based line number.
    pub(crate) line: usize,
    /// The matched text, as the pattern found it.
    pub(crate) pattern: String,
}

/// Words that must appear on a line for it to be worth a closer look.
static PREFILTER: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"import|subprocess|os\.|pty\.|encode|platform\.|socket\.|getpass\.|uuid\.",
    )
    .expect("the prefilter is a valid regex")
});

static SPAWN_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)|os\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?)|pty\.spawn)\s*\(",
    )
    .expect("the spawn pattern is a valid regex")
});

static BARE_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^.\w])([A-Za-z_]\w*)\s*\(").expect("the call pattern is a valid regex")
});

/// A command that is a literal `git` or `hg` invocation: `["git", ...]`, `"git describe"`.
static VCS_COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*[\[(]?\s*[rbu]?["'](?:git|hg)(?:["'\s])"#)
        .expect("the VCS pattern is a valid regex")
});

static DYNAMIC_IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"__import__\s*\(\s*["']([\w.]+)["']|import_module\s*\(\s*["']([\w.]+)["']"#)
        .expect("the dynamic import pattern is a valid regex")
});

static SYSTEM_INFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:platform\.(?:node|uname|system|platform|machine|processor|version|release)\s*\(|socket\.(?:gethostname|getfqdn)\s*\(|getpass\.getuser\s*\(|os\.(?:getlogin|uname|getenv)\s*\(|uuid\.getnode\s*\(|os\.environ\b)",
    )
    .expect("the system information pattern is a valid regex")
});

static ENCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:base64\.)?(?:urlsafe_b64encode|b64encode|b32encode|b16encode|b85encode|a85encode)\s*\(")
        .expect("the encode pattern is a valid regex")
});

/// Scans one `.py` member line by line as its chunks arrive.
#[derive(Debug, Default)]
pub(crate) struct BuildScan {
    carry: Vec<u8>,
    line: usize,
    /// Names bound to spawning functions by `from subprocess import ...`/`from os import ...`.
    spawners: Vec<String>,
    hits: Vec<Hit>,
    system_info: Option<(usize, String)>,
    encode: Option<(usize, String)>,
    /// A spawn call whose arguments start on the next line (`run(\n    ["git", ...])`): it is
    /// judged by that line.
    pending: Option<(usize, String)>,
}

impl BuildScan {
    /// Feeds the next chunk of the member.
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(at) = rest.iter().position(|b| *b == b'\n') {
            let (line, after) = rest.split_at(at);
            if self.carry.is_empty() {
                self.line_done(line);
            } else {
                self.push_carry(line);
                let whole = std::mem::take(&mut self.carry);
                self.line_done(&whole);
            }
            rest = &after[1..];
        }
        self.push_carry(rest);
    }

    fn push_carry(&mut self, part: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.carry.len());
        self.carry.extend_from_slice(&part[..part.len().min(room)]);
    }

    /// Ends the member and returns its hits, in line order.
    pub(crate) fn finish(mut self) -> Vec<Hit> {
        if !self.carry.is_empty() {
            let last = std::mem::take(&mut self.carry);
            self.line_done(&last);
        }
        self.resolve_pending("");
        if let (Some((_, info)), Some((line, encode))) = (&self.system_info, &self.encode) {
            let pattern = format!("{encode} of {info}");
            self.push(HitKind::EncodedSystemInfo, *line, pattern);
        }
        self.hits.sort_by_key(|hit| hit.line);
        self.hits
    }

    fn line_done(&mut self, raw: &[u8]) {
        self.line += 1;
        if self.pending.is_some() && !raw.trim_ascii().is_empty() {
            self.resolve_pending(&String::from_utf8_lossy(raw));
        }
        if self.spawners.is_empty() && !PREFILTER.is_match(raw) {
            return;
        }
        let text = String::from_utf8_lossy(raw);
        let code = text.trim_start();
        if code.starts_with('#') {
            return;
        }
        self.check_imports(code);
        self.check_spawns(code);
        let line = self.line;
        if self.system_info.is_none()
            && let Some(found) = SYSTEM_INFO.find(code)
        {
            self.system_info = Some((line, found.as_str().trim_end_matches('(').to_owned()));
        }
        if self.encode.is_none()
            && let Some(found) = ENCODE.find(code)
        {
            self.encode = Some((line, found.as_str().trim_end_matches('(').to_owned()));
        }
    }

    fn push(&mut self, kind: HitKind, line: usize, pattern: String) {
        if self.hits.iter().filter(|hit| hit.kind == kind).count() < MAX_HITS_PER_KIND {
            self.hits.push(Hit {
                kind,
                line,
                pattern,
            });
        }
    }

    /// `import a, b.c as d`, `from a import b, c`, `__import__("a")`.
    fn check_imports(&mut self, code: &str) {
        let line = self.line;
        if let Some(modules) = code.strip_prefix("import ") {
            for module in modules.split(',') {
                let module = module.split(" as ").next().unwrap_or_default().trim();
                if is_network_module(module) {
                    self.push(HitKind::Network, line, format!("import {module}"));
                }
            }
        } else if let Some(rest) = code.strip_prefix("from ")
            && let Some((module, names)) = rest.split_once(" import ")
        {
            self.check_from_import(module.trim(), names);
        }
        for found in DYNAMIC_IMPORT.captures_iter(code) {
            let module = found
                .get(1)
                .or_else(|| found.get(2))
                .map_or("", |m| m.as_str());
            if is_network_module(module) {
                self.push(HitKind::Network, line, found[0].to_owned());
            }
        }
    }

    fn check_from_import(&mut self, module: &str, names: &str) {
        let names: Vec<(&str, &str)> = names
            .trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace() || c == '\\')
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(" as ");
                let name = parts.next()?.trim();
                let alias = parts.next().map_or(name, str::trim);
                (!name.is_empty()).then_some((name, alias))
            })
            .collect();
        let line = self.line;
        for (name, alias) in &names {
            let dotted = format!("{module}.{name}");
            if is_network_module(module) || is_network_module(&dotted) {
                self.push(
                    HitKind::Network,
                    line,
                    format!("from {module} import {name}"),
                );
            }
            let spawns = match module {
                "subprocess" => SUBPROCESS_SPAWNERS.contains(name),
                "os" => matches!(*name, "system" | "popen") || name.starts_with("exec"),
                _ => false,
            };
            if spawns {
                self.spawners.push((*alias).to_owned());
            }
        }
    }

    /// `subprocess.run(...)`, `os.system(...)`, and calls of names imported from them.
    fn check_spawns(&mut self, code: &str) {
        let line = self.line;
        let mut calls: Vec<(usize, String)> = SPAWN_CALL
            .captures_iter(code)
            .filter_map(|c| Some((c.get(0)?.end(), c.get(1)?.as_str().to_owned())))
            .collect();
        if !self.spawners.is_empty() && !code.starts_with("def ") {
            calls.extend(BARE_CALL.captures_iter(code).filter_map(|c| {
                let (whole, name) = (c.get(0)?, c.get(1)?);
                self.spawners
                    .iter()
                    .any(|s| s == name.as_str())
                    .then(|| (whole.end(), name.as_str().to_owned()))
            }));
        }
        for (args_at, name) in calls {
            let args = &code[args_at..];
            if args.trim().is_empty() {
                self.pending = Some((line, name));
            } else if !VCS_COMMAND.is_match(args) {
                self.push(HitKind::Spawn, line, format!("{name}("));
            }
        }
    }

    /// Judges a spawn call left open on an earlier line by the line holding its arguments.
    fn resolve_pending(&mut self, args: &str) {
        if let Some((line, name)) = self.pending.take()
            && !VCS_COMMAND.is_match(args)
        {
            self.push(HitKind::Spawn, line, format!("{name}("));
        }
    }
}

/// Whether a member is Python source, the only kind scanned. Python imports `.py` files by
/// their exact, lowercase suffix, so the comparison is case-sensitive on purpose.
pub(crate) fn is_python_source(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|extension| extension == "py")
}

/// Whether `module` (dotted) is or lies inside a network module; `urllib.parse` only parses.
fn is_network_module(module: &str) -> bool {
    if module == "urllib.parse" || module.starts_with("urllib.parse.") {
        return false;
    }
    NETWORK_MODULES
        .iter()
        .any(|m| module == *m || module.strip_prefix(m).is_some_and(|r| r.starts_with('.')))
}

/// Which members (paths below the sdist root) are build scripts, and what each is.
#[derive(Debug, Default)]
pub(crate) struct BuildScripts {
    files: BTreeMap<String, &'static str>,
    dirs: Vec<String>,
}

impl BuildScripts {
    /// The build scripts named by convention and by `pyproject.toml` (if it parsed).
    pub(crate) fn new(pyproject: Option<&toml::Table>) -> Self {
        let mut scripts = Self::default();
        scripts.add("setup.py", "setup script");
        scripts.add("hatch_build.py", "build hook");
        scripts.add("pdm_build.py", "build hook");
        let Some(table) = pyproject else {
            return scripts;
        };
        scripts.add_backend(table);
        for path in hook_paths(table) {
            scripts.add(&path, "build hook");
        }
        scripts
    }

    fn add(&mut self, path: &str, role: &'static str) {
        let path = normalize(path);
        if !path.is_empty() {
            self.files.entry(path).or_insert(role);
        }
    }

    /// `backend-path` directories: every `.py` below them, or, for the root itself, only the
    /// backend module's files (the rest of the tree is the project, not its backend).
    fn add_backend(&mut self, table: &toml::Table) {
        let Some(system) = table.get("build-system").and_then(toml::Value::as_table) else {
            return;
        };
        let Some(paths) = system.get("backend-path").and_then(toml::Value::as_array) else {
            return;
        };
        let module = system
            .get("build-backend")
            .and_then(toml::Value::as_str)
            .map(|b| b.split(':').next().unwrap_or(b).trim().replace('.', "/"));
        for dir in paths.iter().filter_map(toml::Value::as_str).map(normalize) {
            if !dir.is_empty() {
                self.dirs.push(format!("{dir}/"));
                continue;
            }
            if let Some(module) = &module {
                let role = "in-tree build backend (`backend-path`)";
                self.add(&format!("{module}.py"), role);
                self.add(&format!("{module}/__init__.py"), role);
            }
        }
    }

    /// What `path` is, if it is a build script.
    pub(crate) fn role(&self, path: &str) -> Option<&'static str> {
        if let Some(role) = self.files.get(path) {
            return Some(role);
        }
        self.dirs
            .iter()
            .any(|dir| path.starts_with(dir.as_str()))
            .then_some("in-tree build backend (`backend-path`)")
    }
}

/// `./a/b/` → `a/b`; `.` → the empty string (the root).
fn normalize(path: &str) -> String {
    path.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Build hook files named in `pyproject.toml`: hatch's custom hooks (build, per target, and
/// metadata), poetry-core's build script and pdm-backend's custom hook.
fn hook_paths(table: &toml::Table) -> Vec<String> {
    let at = |keys: &[&str]| -> Option<String> {
        let mut value = table.get(keys[0])?;
        for key in &keys[1..] {
            value = value.get(key)?;
        }
        value.as_str().map(str::to_owned)
    };
    let mut paths: Vec<String> = [
        &["tool", "hatch", "build", "hooks", "custom", "path"][..],
        &["tool", "hatch", "metadata", "hooks", "custom", "path"],
        &["tool", "poetry", "build", "script"],
        &["tool", "pdm", "build", "custom-hook"],
    ]
    .iter()
    .filter_map(|keys| at(keys))
    .collect();
    let targets = table
        .get("tool")
        .and_then(|t| t.get("hatch"))
        .and_then(|h| h.get("build"))
        .and_then(|b| b.get("targets"))
        .and_then(toml::Value::as_table);
    for target in targets.into_iter().flat_map(toml::Table::values) {
        let path = target
            .get("hooks")
            .and_then(|h| h.get("custom"))
            .and_then(|c| c.get("path"))
            .and_then(toml::Value::as_str);
        paths.extend(path.map(str::to_owned));
    }
    paths
}

/// Reports the hits of build scripts (SEC-04, warnings), in member order. `hits` maps a member
/// name to its hits; only members below `root` can be build scripts.
pub(crate) fn report(
    root: &str,
    hits: &BTreeMap<String, Vec<Hit>>,
    scripts: &BuildScripts,
    findings: &mut Findings,
) {
    let mut seen = BTreeSet::new();
    let prefix = format!("{root}/");
    for (member, file_hits) in hits {
        let Some(path) = member.strip_prefix(&prefix) else {
            continue;
        };
        let Some(role) = scripts.role(path) else {
            continue;
        };
        for hit in file_hits {
            if !seen.insert((path, hit.line, hit.kind)) {
                continue;
            }
            let (what, expected) = hit.kind.describe();
            findings.warn(
                ID,
                Some(member),
                format!(
                    "{role} `{member}` {what} at line {} (`{}`); {expected}",
                    hit.line, hit.pattern
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests;
