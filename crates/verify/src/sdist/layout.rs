//! sdist layout (SD-05..SD-11): member names, the single root directory, `PKG-INFO` and
//! `pyproject.toml`, license files, modes and owners, limits and unwanted trees.
//!
//! Members arrive one at a time from the tar reader; whole-archive rules run in [`Layout::finish`].
//!
//! See: packaging.python.org `specifications/source-distribution-format`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sha2::{Digest as _, Sha256};

use super::build_scripts::{self, BuildScan, BuildScripts, Hit};
use super::tar::{Member, MemberKind};
use super::{Malformed, ReadError};
use crate::check::{CheckId, Findings, Severity};
use crate::content::{self, MemberScan};
use crate::filename::{self, SdistFilename};
use crate::metadata::{self, CoreMetadata, MetadataContext};
use crate::path;
use crate::verify::{ArtifactKind, VerifyOptions};

/// A member's path below the root and the sha256 of its content.
type FileDigest = (String, [u8; 32]);

/// More members than this is an error (SD-10), and reading stops.
const MAX_MEMBERS: usize = 100_000;
/// More members than this is a warning (SD-10).
const WARN_MEMBERS: usize = 10_000;
/// Kept members (`PKG-INFO`, `pyproject.toml`, and PROV-02's generated candidates) larger than
/// this are not kept.
const MAX_KEPT: usize = 16 * 1024 * 1024;
/// Compression ratios are judged only above this many decompressed bytes: tiny archives of
/// zero padding compress extremely well without being bombs.
const RATIO_FLOOR: u64 = 1024 * 1024;
const RATIO_WARN: u64 = 100;
const RATIO_ERROR: u64 = 1000;
const VCS_DIRS: [&str; 4] = [".git", ".hg", ".svn", ".bzr"];
const CACHE_DIRS: [&str; 6] = [
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".tox",
    ".nox",
    ".ruff_cache",
];

/// The first member with an unusual property, and how many have it.
#[derive(Default)]
struct Tally {
    count: usize,
    first: Option<(String, String)>,
}

impl Tally {
    fn add(&mut self, member: &str, what: String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some((member.to_owned(), what));
        }
    }
}

/// The member being read: its hash, content scan, and a copy if it is one we parse.
struct Current {
    name: String,
    sha256: Sha256,
    scan: MemberScan,
    kept: Option<Vec<u8>>,
    too_big: bool,
    /// The SEC-04 scan, for `.py` members.
    build: Option<BuildScan>,
}

/// Facts about the compressed stream, known once it has been read to the end.
#[derive(Default, Clone, Copy)]
struct StreamFacts {
    consumed: u64,
    produced: u64,
    gzip_mtime: u32,
}

/// Layout state accumulated over the members of one sdist.
///
/// The root directory the sdist rules look in is settled only once every member is known: the
/// archive's single top-level directory when it has one, else the file name's stem. Until then
/// `PKG-INFO` and `pyproject.toml` are kept for both candidates, so a top-level directory named
/// unlike the file yields one SD-07 finding, not a cascade of missing files.
pub(crate) struct Layout {
    /// The file name without `.tar.gz`: where SD-07 expects the root.
    stem: String,
    /// The same in PEP 625 form, when the file name could be parsed.
    normalized_stem: Option<String>,
    /// The top-level name of the first member.
    first_top: Option<String>,
    /// Every top-level name.
    tops: BTreeSet<String>,
    /// The root the whole-archive rules use, settled by [`Layout::finish`].
    root: String,
    /// Every member name, directories without their trailing `/`.
    names: Vec<String>,
    seen: HashSet<String>,
    regular: HashSet<String>,
    /// `PKG-INFO` and `pyproject.toml` below a candidate root, by member name.
    kept: HashMap<String, Result<Vec<u8>, &'static str>>,
    unwanted: HashSet<String>,
    modes: Tally,
    owners: Tally,
    /// Members newer than `SOURCE_DATE_EPOCH`, in reproducible mode.
    late: Tally,
    source_date_epoch: Option<u64>,
    max_mtime: u64,
    /// Regular files: member name and sha256.
    files: Vec<(String, [u8; 32])>,
    /// SEC-04 hits of `.py` members by member name; judged once the root is settled and
    /// `pyproject.toml` says which of them are build scripts.
    build_hits: BTreeMap<String, Vec<Hit>>,
    build_hit_count: usize,
    current: Option<Current>,
    stream: Option<StreamFacts>,
}

impl Layout {
    /// Layout state for the sdist called `{stem}.tar.gz`; a `source_date_epoch` turns on
    /// reproducible mode.
    pub(crate) fn new(
        stem: &str,
        filename: Option<&SdistFilename>,
        source_date_epoch: Option<u64>,
    ) -> Self {
        Self {
            stem: stem.to_owned(),
            normalized_stem: filename.map(|f| filename::pep625_stem(&f.name, &f.version)),
            first_top: None,
            tops: BTreeSet::new(),
            root: stem.to_owned(),
            names: Vec::new(),
            seen: HashSet::new(),
            regular: HashSet::new(),
            kept: HashMap::new(),
            unwanted: HashSet::new(),
            modes: Tally::default(),
            owners: Tally::default(),
            late: Tally::default(),
            source_date_epoch,
            max_mtime: 0,
            files: Vec::new(),
            build_hits: BTreeMap::new(),
            build_hit_count: 0,
            current: None,
            stream: None,
        }
    }

    /// Checks one member's header; the data follows through [`Layout::update`].
    pub(crate) fn begin(
        &mut self,
        member: &Member,
        findings: &mut Findings,
    ) -> Result<(), ReadError> {
        if self.names.len() >= MAX_MEMBERS {
            return Err(ReadError::Malformed(Malformed {
                id: "SD-10",
                message: format!(
                    "sdist has more than {MAX_MEMBERS} members; refusing to read further"
                ),
            }));
        }
        let is_dir = member.kind == MemberKind::Dir;
        let name = member.name.as_str();
        Self::check_path(name, is_dir, findings);
        content::check_member_name(name, findings);
        let trimmed = if is_dir {
            name.strip_suffix('/').unwrap_or(name)
        } else {
            name
        };
        self.check_unique(trimmed, findings);
        self.note_top(trimmed);
        self.check_unwanted(trimmed, findings);
        self.check_mode(member, findings);
        self.tally_owner(member);
        if self
            .source_date_epoch
            .is_some_and(|epoch| member.mtime > epoch)
        {
            self.late.add(&member.name, member.mtime.to_string());
        }
        self.max_mtime = self.max_mtime.max(member.mtime);
        self.names.push(trimmed.to_owned());
        if is_dir {
            return Ok(());
        }
        self.regular.insert(trimmed.to_owned());
        let build = build_scripts::is_python_source(trimmed).then(BuildScan::default);
        self.current = Some(Current {
            build,
            kept: self.wants_copy(trimmed).then(Vec::new),
            name: trimmed.to_owned(),
            sha256: Sha256::new(),
            scan: MemberScan::new(name),
            too_big: false,
        });
        Ok(())
    }

    /// Feeds the next chunk of the current regular file.
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        let Some(current) = self.current.as_mut() else {
            return;
        };
        current.sha256.update(chunk);
        current.scan.update(chunk);
        if let Some(build) = current.build.as_mut() {
            build.update(chunk);
        }
        if let Some(kept) = current.kept.as_mut() {
            if kept.len().saturating_add(chunk.len()) > MAX_KEPT {
                current.too_big = true;
                current.kept = None;
            } else {
                kept.extend_from_slice(chunk);
            }
        }
    }

    /// Ends the current member.
    pub(crate) fn end(&mut self, findings: &mut Findings) {
        let Some(current) = self.current.take() else {
            return;
        };
        current.scan.finish(findings);
        if let Some(build) = current.build {
            let hits = build.finish();
            if !hits.is_empty() && self.build_hit_count < build_scripts::MAX_HITS {
                self.build_hit_count += hits.len();
                self.build_hits.insert(current.name.clone(), hits);
            }
        }
        let digest: [u8; 32] = current.sha256.finalize().into();
        let kept = match (current.too_big, current.kept) {
            (true, _) => Some(Err("larger than 16 MiB")),
            (false, kept) => kept.map(Ok),
        };
        if let Some(kept) = kept {
            self.kept.insert(current.name.clone(), kept);
        }
        self.files.push((current.name, digest));
    }

    /// Records what the compressed stream looked like once it was read to the end.
    pub(crate) fn set_stream_facts(&mut self, consumed: u64, produced: u64, gzip_mtime: u32) {
        self.stream = Some(StreamFacts {
            consumed,
            produced,
            gzip_mtime,
        });
    }

    /// Regular files under the root (path without the root, and sha256), and the kept members'
    /// bytes under the root (those larger than the cap are left out).
    pub(crate) fn into_files(self) -> (Vec<FileDigest>, Vec<(String, Vec<u8>)>) {
        let prefix = format!("{}/", self.root);
        let files = self
            .files
            .into_iter()
            .filter_map(|(name, digest)| {
                let relative = name.strip_prefix(&prefix)?;
                Some((relative.to_owned(), digest))
            })
            .collect();
        let mut kept: Vec<(String, Vec<u8>)> = self
            .kept
            .into_iter()
            .filter_map(|(name, bytes)| {
                let relative = name.strip_prefix(&prefix)?;
                Some((relative.to_owned(), bytes.ok()?))
            })
            .collect();
        kept.sort();
        (files, kept)
    }

    /// Runs the whole-archive rules. When the archive could not be read to the end
    /// (`complete == false`), rules about absent members are skipped: they would only echo the
    /// error that stopped reading.
    pub(crate) fn finish(
        &mut self,
        complete: bool,
        filename: Option<&SdistFilename>,
        options: &VerifyOptions<'_>,
        findings: &mut Findings,
    ) -> Option<CoreMetadata> {
        path::check_collisions(self.names.iter().map(String::as_str), findings);
        self.check_file_parents(findings);
        self.settle_root(findings);
        self.report_tallies(findings);
        if let Some(stream) = self.stream {
            self.check_stream(stream, findings);
        }
        if !complete {
            return None;
        }
        if self.names.is_empty() {
            findings.error(CheckId("SD-07"), None, "sdist has no members");
        }
        let metadata = self.check_pkg_info(filename, options, findings);
        let legacy = metadata
            .as_ref()
            .map(|m| m.metadata_version.trim())
            .filter(|version| is_legacy(version));
        self.check_pyproject(legacy, findings);
        let scripts = BuildScripts::new(self.pyproject_table().as_ref());
        build_scripts::report(&self.root, &self.build_hits, &scripts, findings);
        metadata
    }

    /// `pyproject.toml` as a table, when it was kept and parses (SD-08 reports it otherwise).
    fn pyproject_table(&self) -> Option<toml::Table> {
        let member = format!("{}/pyproject.toml", self.root);
        let Some(Ok(bytes)) = self.kept.get(&member) else {
            return None;
        };
        std::str::from_utf8(bytes).ok()?.parse().ok()
    }

    /// PATH-* through the shared rules. An unsafe path (absolute, `..`) must never pass
    /// silently, so SD-05 reports it when the PATH rules rejected it without a finding of their
    /// own.
    fn check_path(name: &str, is_dir: bool, findings: &mut Findings) {
        let before = findings.as_slice().len();
        if !path::check_member_path(name, is_dir, findings) && findings.as_slice().len() == before {
            findings.error(
                CheckId("SD-05"),
                Some(name),
                "member path is absolute or climbs out with `..`; expected a relative path below \
                 the root directory",
            );
        }
    }

    fn check_unique(&mut self, name: &str, findings: &mut Findings) {
        if !self.seen.insert(name.to_owned()) {
            findings.error(
                CheckId("SD-05"),
                Some(name),
                "member name appears more than once; readers disagree on which copy wins",
            );
        }
    }

    fn note_top(&mut self, name: &str) {
        let top = name.split('/').next().unwrap_or(name);
        if self.first_top.is_none() {
            self.first_top = Some(top.to_owned());
        }
        if !self.tops.contains(top) {
            self.tops.insert(top.to_owned());
        }
    }

    /// Whether `name` is `PKG-INFO` or `pyproject.toml` below a candidate root: the file name's
    /// stem, or the first member's top-level directory.
    fn wants_copy(&self, name: &str) -> bool {
        let Some((top, rest)) = name.split_once('/') else {
            return false;
        };
        let candidate = top == self.stem || self.first_top.as_deref() == Some(top);
        candidate
            && (rest == "PKG-INFO"
                || rest == "pyproject.toml"
                || rest
                    .get(..6)
                    .is_some_and(|start| start.eq_ignore_ascii_case("readme"))
                    && !rest.contains('/')
                || rest == "setup.cfg"
                || rest == "_version.py"
                || rest.ends_with("/_version.py")
                || is_egg_info_listing(rest))
    }

    fn check_mode(&mut self, member: &Member, findings: &mut Findings) {
        let mode = member.mode;
        if mode & 0o7000 != 0 {
            findings.error(
                CheckId("SD-06"),
                Some(&member.name),
                format!(
                    "member mode is {mode:04o}: setuid, setgid or sticky bit set; expected them clear"
                ),
            );
            return;
        }
        let usual = match member.kind {
            MemberKind::File => mode == 0o644 || mode == 0o755,
            MemberKind::Dir => mode == 0o755,
        };
        if !usual {
            self.modes.add(&member.name, format!("{mode:04o}"));
        }
    }

    fn tally_owner(&mut self, member: &Member) {
        if member.uid != 0
            || member.gid != 0
            || !member.uname.is_empty()
            || !member.gname.is_empty()
        {
            let what = format!(
                "uid {} gid {} uname `{}` gname `{}`",
                member.uid, member.gid, member.uname, member.gname
            );
            self.owners.add(&member.name, what);
        }
    }

    /// SD-11: a tree that should never ship, reported once at its top. Judged below each
    /// member's own top-level directory, so it holds whatever that directory is called.
    fn check_unwanted(&mut self, name: &str, findings: &mut Findings) {
        let Some((top, relative)) = name.split_once('/') else {
            return;
        };
        let parts: Vec<&str> = relative.split('/').collect();
        let Some((verdict, depth, why)) = unwanted(&parts) else {
            return;
        };
        let tree = format!("{top}/{}", parts[..depth].join("/"));
        if !self.unwanted.insert(tree.clone()) {
            return;
        }
        let message = format!("sdist ships `{tree}` ({why}); expected it left out of the sdist");
        if verdict {
            findings.error(CheckId("SD-11"), Some(&tree), message);
        } else {
            findings.warn(CheckId("SD-11"), Some(&tree), message);
        }
    }

    /// A regular file cannot also be a directory that holds other members.
    fn check_file_parents(&self, findings: &mut Findings) {
        for name in &self.names {
            let mut parent = name.as_str();
            while let Some((up, _)) = parent.rsplit_once('/') {
                if self.regular.contains(up) {
                    findings.error(
                        CheckId("SD-05"),
                        Some(name),
                        format!("member lies below `{up}`, which is a regular file"),
                    );
                    break;
                }
                parent = up;
            }
        }
    }

    /// SD-07, and the root the remaining rules look in. A single top-level directory is the root
    /// whatever its name, and a name unlike the file's stem is one finding; it is none when the
    /// directory has the PEP 625 name the file itself lacks, which FN-06 already reports.
    fn settle_root(&mut self, findings: &mut Findings) {
        let single = match (self.tops.len(), self.tops.first()) {
            (1, Some(top)) if !self.regular.contains(top) => Some(top.clone()),
            _ => None,
        };
        let Some(top) = single else {
            self.report_tops(findings);
            return;
        };
        let echo_of_fn06 = self.normalized_stem.as_deref() == Some(top.as_str());
        if top != self.stem && !echo_of_fn06 {
            findings.error(
                CheckId("SD-07"),
                Some(&top),
                format!(
                    "top-level directory is `{top}`; expected `{}`, the file name without \
                     `.tar.gz`",
                    self.stem
                ),
            );
        }
        self.root = top;
    }

    /// Several top-level names: each one but the file name's stem is reported.
    fn report_tops(&self, findings: &mut Findings) {
        for top in self.tops.iter().filter(|top| **top != self.stem) {
            findings.error(
                CheckId("SD-07"),
                Some(top),
                format!(
                    "member outside the root directory: top-level `{top}`; expected every \
                     member under `{}/`",
                    self.stem
                ),
            );
        }
    }

    fn report_tallies(&self, findings: &mut Findings) {
        if let Some((member, mode)) = &self.modes.first {
            findings.warn(
                CheckId("SD-06"),
                Some(member),
                format!(
                    "{} members have unusual modes (e.g. `{member}` has {mode}); expected 0644 or \
                     0755 for files and 0755 for directories",
                    self.modes.count
                ),
            );
        }
        if let (Some((member, mtime)), Some(epoch)) = (&self.late.first, self.source_date_epoch) {
            findings.error(
                CheckId("SD-06"),
                Some(member),
                format!(
                    "{} members are newer than SOURCE_DATE_EPOCH {epoch} (e.g. `{member}` has \
                     mtime {mtime}); expected every mtime clamped to it in a reproducible build",
                    self.late.count
                ),
            );
        }
        if let Some((member, owner)) = &self.owners.first {
            findings.warn(
                CheckId("SD-06"),
                Some(member),
                format!(
                    "{} members carry a build machine's owner (e.g. `{member}` has {owner}); \
                     expected uid and gid 0 with empty names for a reproducible sdist",
                    self.owners.count
                ),
            );
        }
        if self.names.len() > WARN_MEMBERS {
            findings.warn(
                CheckId("SD-10"),
                None,
                format!(
                    "sdist has {} members; expected at most {WARN_MEMBERS}",
                    self.names.len()
                ),
            );
        }
    }

    fn check_stream(&self, stream: StreamFacts, findings: &mut Findings) {
        self.check_gzip_mtime(u64::from(stream.gzip_mtime), findings);
        if stream.produced <= RATIO_FLOOR {
            return;
        }
        let ratio = stream.produced / stream.consumed.max(1);
        let message = format!(
            "sdist inflates from {} to {} bytes (ratio {ratio}); expected at most {RATIO_WARN}",
            stream.consumed, stream.produced
        );
        if ratio > RATIO_ERROR {
            findings.error(CheckId("SD-10"), None, message);
        } else if ratio > RATIO_WARN {
            findings.warn(CheckId("SD-10"), None, message);
        }
    }

    /// SD-01's MTIME. A reproducible build sets it to 0 or to `SOURCE_DATE_EPOCH`: in
    /// reproducible mode anything else is an error. Without an epoch, a stamp later than every
    /// member (which a reproducible build clamps too) is the wall clock of the build: a warning.
    fn check_gzip_mtime(&self, gzip_mtime: u64, findings: &mut Findings) {
        match self.source_date_epoch {
            Some(epoch) if gzip_mtime != 0 && gzip_mtime != epoch => findings.error(
                CheckId("SD-01"),
                None,
                format!(
                    "gzip MTIME is {gzip_mtime}; expected 0 or SOURCE_DATE_EPOCH {epoch} in a \
                     reproducible build"
                ),
            ),
            None if gzip_mtime != 0 && gzip_mtime > self.max_mtime => findings.warn(
                CheckId("SD-01"),
                None,
                format!(
                    "gzip MTIME is {gzip_mtime}, later than every member (newest {}); expected 0 \
                     or SOURCE_DATE_EPOCH for a reproducible sdist",
                    self.max_mtime
                ),
            ),
            _ => {}
        }
    }

    /// SD-08 for `pyproject.toml`. A legacy sdist (PKG-INFO older than 2.2, so written before
    /// the sdist format required pyproject.toml) only gets warnings for its absence or for a
    /// missing `[build-system]`, which pip then defaults to setuptools; META-02 already warns
    /// about the old version. Invalid TOML breaks every build frontend, so it is always an error.
    fn check_pyproject(&self, legacy: Option<&str>, findings: &mut Findings) {
        let member = format!("{}/pyproject.toml", self.root);
        let legacy_note = legacy.map_or(String::new(), |version| {
            format!(" (legacy sdist: PKG-INFO declares Metadata-Version {version})")
        });
        let severity = if legacy.is_some() {
            Severity::Warning
        } else {
            Severity::Error
        };
        let bytes = match self.kept.get(&member) {
            None => {
                let kind = if self.seen.contains(&member) {
                    "is not a regular file"
                } else {
                    "is missing"
                };
                findings.push(
                    CheckId("SD-08"),
                    severity,
                    Some(&member),
                    format!("`{member}` {kind}; expected a pyproject.toml at the sdist root{legacy_note}"),
                );
                return;
            }
            Some(Err(why)) => {
                findings.error(
                    CheckId("SD-08"),
                    Some(&member),
                    format!("`{member}` is {why}"),
                );
                return;
            }
            Some(Ok(bytes)) => bytes,
        };
        let table = std::str::from_utf8(bytes)
            .map_err(|err| err.to_string())
            .and_then(|text| text.parse::<toml::Table>().map_err(|err| err.to_string()));
        match table {
            Err(err) => findings.error(
                CheckId("SD-08"),
                Some(&member),
                format!("`{member}` is not valid TOML: {}", err.trim_end()),
            ),
            Ok(table) if !table.get("build-system").is_some_and(toml::Value::is_table) => {
                findings.push(
                    CheckId("SD-08"),
                    severity,
                    Some(&member),
                    format!("`{member}` has no `[build-system]` table; expected one{legacy_note}"),
                );
            }
            Ok(_) => {}
        }
    }

    fn check_pkg_info(
        &self,
        filename: Option<&SdistFilename>,
        options: &VerifyOptions<'_>,
        findings: &mut Findings,
    ) -> Option<CoreMetadata> {
        let member = format!("{}/PKG-INFO", self.root);
        let bytes = match self.kept.get(&member) {
            None => {
                let kind = if self.seen.contains(&member) {
                    "is not a regular file"
                } else {
                    "is missing"
                };
                findings.error(
                    CheckId("SD-08"),
                    Some(&member),
                    format!("`{member}` {kind}; expected core metadata at the sdist root"),
                );
                return None;
            }
            Some(Err(why)) => {
                findings.error(
                    CheckId("SD-08"),
                    Some(&member),
                    format!("`{member}` is {why}"),
                );
                return None;
            }
            Some(Ok(bytes)) => bytes,
        };
        let parsed = metadata::parse(bytes, &member, findings)?;
        let has_license_file = |path: &str| self.regular.contains(&format!("{}/{path}", self.root));
        let context = MetadataContext {
            kind: ArtifactKind::Sdist,
            member: &member,
            target: options.target,
            filename_name: filename.map(|f| f.name.as_str()),
            filename_version: filename.map(|f| f.version.as_str()),
            python_tags: &[],
            has_license_file: &has_license_file,
            renderer: options.renderer,
        };
        metadata::check(&parsed, &context, findings);
        Some(parsed)
    }
}

/// Whether a Metadata-Version predates 2.2, the first the sdist format requires.
fn is_legacy(version: &str) -> bool {
    let Some((major, minor)) = version.split_once('.') else {
        return false;
    };
    match (major.parse::<u32>(), minor.parse::<u32>()) {
        (Ok(major), Ok(minor)) => (major, minor) < (2, 2),
        _ => false,
    }
}

/// Whether a path below the root is an unwanted tree: (is an error, depth of the tree, why).
fn unwanted(parts: &[&str]) -> Option<(bool, usize, &'static str)> {
    for (i, part) in parts.iter().enumerate() {
        let depth = i + 1;
        if VCS_DIRS.contains(part) {
            return Some((true, depth, "version-control data"));
        }
        if *part == "pyvenv.cfg" {
            return Some((true, i.max(1), "a virtual environment"));
        }
        if *part == "bin" && parts.get(depth) == Some(&"activate") {
            return Some((true, i.max(1), "a virtual environment"));
        }
        if CACHE_DIRS.contains(part) {
            return Some((false, depth, "a tool cache"));
        }
        if i == 0 && parts.len() > 1 && matches!(*part, "build" | "dist") {
            return Some((false, depth, "build output"));
        }
    }
    let last = parts.last()?;
    if *last == ".DS_Store" || last.ends_with('~') || last.to_ascii_lowercase().ends_with(".swp") {
        return Some((false, parts.len(), "an editor or OS leftover"));
    }
    None
}

/// `PKG-INFO` or `SOURCES.txt` in a `*.egg-info/` directory at the root or one level down (where
/// setuptools writes it), kept whole for PROV-02.
fn is_egg_info_listing(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some((file, dirs)) = parts.split_last() else {
        return false;
    };
    matches!(*file, "PKG-INFO" | "SOURCES.txt")
        && (1..=2).contains(&dirs.len())
        && dirs.last().is_some_and(|dir| dir.ends_with(".egg-info"))
}
