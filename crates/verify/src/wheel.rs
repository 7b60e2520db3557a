//! Wheels: layout (WHL-*), RECORD verification (REC-*), and the pieces from other modules.
//!
//! One strict structural read (`zip::read_strict`), then one streaming pass over every entry that
//! feeds CRC-32, the RECORD-declared hasher, a sha256 for cross-artifact checks and the content
//! scanner. Nothing is written to disk and no member is held whole in memory, except the few small
//! dist-info files that are parsed.

mod entry_points;
mod layout;
mod sbom;

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use crate::check::{CheckId, Findings};
use crate::content::{self, MemberScan};
use crate::cross::ArtifactContents;
use crate::filename::{self, WheelFilename};
use crate::metadata::{self, CoreMetadata, MetadataContext};
use crate::native::{self, BinaryArch};
use crate::path::{self, WindowsPortability};
use crate::record::{self, RecordHasher, RecordRow};
use crate::verify::{ArtifactKind, VerifyOptions};
use crate::whf;
use crate::zip::{self, ZipArchive, ZipEntry};

use layout::Layout;

/// Small dist-info files are read whole, up to this size (WHL-02).
const MAX_SMALL_FILE: u64 = 16 * 1024 * 1024;
/// How much of each script is kept to judge its shebang (WHL-04).
const SCRIPT_HEAD: usize = 256;

const ID_02: CheckId = CheckId("WHL-02");

/// Verifies one wheel read from `reader` (`len` bytes long), recording findings. Errors are
/// failures of the reader itself; anything wrong with the bytes is a finding.
pub fn verify_wheel<R: Read + Seek>(
    filename: &str,
    reader: &mut R,
    len: u64,
    options: &VerifyOptions<'_>,
    findings: &mut Findings,
) -> io::Result<ArtifactContents> {
    let mut contents = ArtifactContents {
        filename: filename.to_owned(),
        kind: ArtifactKind::Wheel,
        metadata: None,
        files: Vec::new(),
        kept: Vec::new(),
    };

    // Step 1: the file name and the container's structure.
    let wheel_name = filename::check_wheel_filename(filename, options.target, findings);
    let Some(archive) = zip::read_strict(reader, len, options.source_date_epoch, findings)? else {
        return Ok(contents);
    };
    check_member_names(&archive, wheel_name.as_ref(), findings);
    let layout_name = wheel_name
        .as_ref()
        .map(|n| layout_name(n, &archive.entries));
    let layout = layout::check(&archive.entries, layout_name.as_ref(), findings);
    check_module_names(&archive, &layout, findings);
    if !archive.within_limits {
        return Ok(contents);
    }

    // Step 2: RECORD first, so each member is hashed once with its declared algorithm.
    let record_path = layout.dist_info_file("RECORD");
    let rows = match read_small(reader, &archive, record_path.as_deref(), findings)? {
        Some(bytes) => record::parse(&bytes, record_path.as_deref().unwrap_or_default(), findings),
        None => Vec::new(),
    };
    let rows: HashMap<&str, &RecordRow> = rows.iter().map(|r| (r.path.as_str(), r)).collect();

    // Step 3: every member streamed once.
    let pass = stream_members(reader, &archive, &layout, &rows, findings)?;
    contents.files.clone_from(&pass.files);

    // Step 4: RECORD against the archive.
    if let Some(record_path) = &record_path
        && archive.entries.iter().any(|e| &e.name == record_path)
    {
        check_record(&archive, &layout, &rows, &pass, record_path, findings);
    }

    // Step 5: WHEEL, METADATA, entry points and the rules that need their content.
    let root_is_purelib = check_wheel_file(&layout, &pass, wheel_name.as_ref(), findings);
    check_purelib(
        &archive,
        &layout,
        root_is_purelib,
        wheel_name.as_ref(),
        findings,
    );
    contents.metadata = check_metadata(
        &archive,
        &layout,
        &pass,
        wheel_name.as_ref(),
        options,
        findings,
    );
    if let (Some(bytes), Some(member)) = (
        pass.small("entry_points.txt", &layout),
        layout.dist_info_file("entry_points.txt"),
    ) {
        entry_points::check(bytes, &member, findings);
    }
    check_scripts(&pass, findings);
    check_exec_bits(&archive, &layout, &pass, findings);
    check_native(&archive, &layout, &pass, wheel_name.as_ref(), findings);
    check_duplicate_contents(&pass, &layout, findings);
    // WHL-11 needs the source tree (`crate::tree`), WHL-13 and WHL-14 the auditors' reports
    // (`crate::deep`): the caller runs those with what it has.
    Ok(contents)
}

/// The file name the `.dist-info` and `.data` directories are judged against (WHL-01, WHL-03).
///
/// Normally the file name itself. When its name or version is not normalized (FN-02, FN-03 have
/// said so) and the archive's `.dist-info` carries the normalized spelling instead, that spelling
/// is the one expected: renaming the file fixes both, so WHL-01 and WHL-03 would only echo FN-*.
fn layout_name(name: &WheelFilename, entries: &[ZipEntry]) -> WheelFilename {
    let normalized = WheelFilename {
        name: filename::filename_name(&name.name),
        version: filename::normalized_version(&name.version),
        ..name.clone()
    };
    let has_dist_info = |name: &WheelFilename| {
        let dir = format!("{}-{}.dist-info/", name.name, name.version);
        entries.iter().any(|entry| entry.name.starts_with(&dir))
    };
    if normalized == *name || has_dist_info(name) || !has_dist_info(&normalized) {
        return name.clone();
    }
    normalized
}

/// PATH-* and content-policy rules on every member name.
fn check_member_names(
    archive: &ZipArchive,
    wheel_name: Option<&WheelFilename>,
    findings: &mut Findings,
) {
    let windows = windows_portability(wheel_name);
    for entry in &archive.entries {
        path::check_member_path_for(&entry.name, entry.is_dir(), windows, findings);
        content::check_member_name(&entry.name, findings);
    }
    path::check_collisions(archive.entries.iter().map(|e| e.name.as_str()), findings);
}

/// PATH-05 is an error for wheels that install on Windows (`any`, `win*`) and a warning for
/// wheels tagged only for other platforms. A file name that did not parse counts as Windows.
///
/// See: verify-rules.md §2.3 PATH-05.
fn windows_portability(wheel_name: Option<&WheelFilename>) -> WindowsPortability {
    let Some(name) = wheel_name else {
        return WindowsPortability::Required;
    };
    let installs_on_windows = name
        .platform
        .iter()
        .any(|tag| tag == "any" || tag.starts_with("win"));
    if installs_on_windows {
        WindowsPortability::Required
    } else {
        WindowsPortability::Advisory
    }
}

/// PATH-06 on the members that land in site-packages.
fn check_module_names(archive: &ZipArchive, layout: &Layout, findings: &mut Findings) {
    for entry in archive.entries.iter().filter(|e| !e.is_dir()) {
        if in_site_packages(layout, &entry.name) {
            path::check_module_ascii(&entry.name, findings);
        }
    }
}

/// Whether a member installs into site-packages: at the root or under `.data/purelib` or
/// `.data/platlib`, not in `.dist-info` nor the other `.data` schemes.
fn in_site_packages(layout: &Layout, name: &str) -> bool {
    let under = |dir: Option<&String>| {
        dir.is_some_and(|dir| {
            name.strip_prefix(dir.as_str())
                .is_some_and(|r| r.starts_with('/'))
        })
    };
    let in_lib = [
        layout.scheme_prefix("purelib"),
        layout.scheme_prefix("platlib"),
    ]
    .iter()
    .flatten()
    .any(|prefix| name.starts_with(prefix.as_str()));
    in_lib || !(under(layout.dist_info.as_ref()) || under(layout.data.as_ref()))
}

/// Reads one small member whole. `None` (with a WHL-02 finding) when it is missing.
fn read_small<R: Read + Seek>(
    reader: &mut R,
    archive: &ZipArchive,
    path: Option<&str>,
    findings: &mut Findings,
) -> io::Result<Option<Vec<u8>>> {
    let path = path.unwrap_or("<dist-info>/RECORD");
    let Some(entry) = archive.entries.iter().find(|e| e.name == path) else {
        findings.error(ID_02, Some(path), "required file is missing");
        return Ok(None);
    };
    if entry.uncompressed_size > MAX_SMALL_FILE {
        findings.error(
            ID_02,
            Some(path),
            format!(
                "{} bytes; expected at most {MAX_SMALL_FILE}",
                entry.uncompressed_size
            ),
        );
        return Ok(None);
    }
    let mut bytes = Vec::new();
    let decoded = zip::for_each_chunk(reader, entry, findings, |chunk| {
        bytes.extend_from_slice(chunk);
    })?;
    Ok(decoded.then_some(bytes))
}

/// What streaming one member established.
struct Streamed {
    /// Whether the content decoded exactly as declared (ZIP-09).
    decoded: bool,
    /// The content's digest under the RECORD row's algorithm, when the row named one.
    record_digest: Option<Vec<u8>>,
    /// Native code found by the content scan.
    native: bool,
    /// The architectures of that native code, when its header names them.
    arch: Option<BinaryArch>,
}

/// The results of the streaming pass.
#[derive(Default)]
struct Pass {
    /// Regular members and the sha256 of their content.
    files: Vec<(String, [u8; 32])>,
    /// Per member name.
    members: HashMap<String, Streamed>,
    /// Small dist-info files kept whole, by member name.
    small: HashMap<String, Vec<u8>>,
    /// The first bytes of each `.data/scripts/` member.
    script_heads: Vec<(String, Vec<u8>)>,
}

impl Pass {
    fn small(&self, file: &str, layout: &Layout) -> Option<&[u8]> {
        let member = layout.dist_info_file(file)?;
        self.small.get(&member).map(Vec::as_slice)
    }
}

/// Streams every regular member once, feeding all hashers and scanners (REC-07, ZIP-09).
fn stream_members<R: Read + Seek>(
    reader: &mut R,
    archive: &ZipArchive,
    layout: &Layout,
    rows: &HashMap<&str, &RecordRow>,
    findings: &mut Findings,
) -> io::Result<Pass> {
    let kept: HashSet<String> = ["METADATA", "WHEEL", "RECORD", "entry_points.txt"]
        .iter()
        .filter_map(|file| layout.dist_info_file(file))
        .collect();
    let scripts = layout.scheme_prefix("scripts");
    let sboms = layout.dist_info_file("sboms/");
    let mut pass = Pass::default();
    for entry in archive.entries.iter().filter(|e| !e.is_dir()) {
        let is_sbom = sboms.as_deref().is_some_and(|p| entry.name.starts_with(p));
        if is_sbom && entry.uncompressed_size > sbom::MAX_SBOM {
            sbom::too_large(&entry.name, entry.uncompressed_size, findings);
        }
        let parse_sbom = is_sbom && entry.uncompressed_size <= sbom::MAX_SBOM;
        let keep =
            (kept.contains(&entry.name) && entry.uncompressed_size <= MAX_SMALL_FILE) || parse_sbom;
        let is_script = scripts
            .as_deref()
            .is_some_and(|p| entry.name.starts_with(p));
        let algorithm = rows
            .get(entry.name.as_str())
            .and_then(|row| row.algorithm.as_deref());
        let mut hasher = algorithm.and_then(RecordHasher::new);
        let mut sha256 = Sha256::new();
        let mut scan = MemberScan::new(&entry.name);
        let mut small = Vec::new();
        let mut head = Vec::new();
        let decoded = zip::for_each_chunk(reader, entry, findings, |chunk| {
            sha256.update(chunk);
            scan.update(chunk);
            if let Some(hasher) = hasher.as_mut() {
                hasher.update(chunk);
            }
            if keep {
                small.extend_from_slice(chunk);
            }
            if is_script && head.len() < SCRIPT_HEAD {
                let take = chunk.len().min(SCRIPT_HEAD - head.len());
                head.extend_from_slice(&chunk[..take]);
            }
        })?;
        let facts = scan.finish(findings);
        if decoded {
            pass.files
                .push((entry.name.clone(), sha256.finalize().into()));
            if parse_sbom {
                // Judged now and dropped, so SBOMs never accumulate in memory.
                sbom::check(&small, &entry.name, findings);
            } else if keep {
                pass.small.insert(entry.name.clone(), small);
            }
            if is_script {
                pass.script_heads.push((entry.name.clone(), head));
            }
        }
        let streamed = Streamed {
            decoded,
            record_digest: hasher.map(RecordHasher::finalize),
            native: facts.native.is_some(),
            arch: facts.arch,
        };
        pass.members.insert(entry.name.clone(), streamed);
    }
    Ok(pass)
}

/// Set equality of members and rows (REC-02), digests (REC-07) and sizes (REC-08).
fn check_record(
    archive: &ZipArchive,
    layout: &Layout,
    rows: &HashMap<&str, &RecordRow>,
    pass: &Pass,
    record_path: &str,
    findings: &mut Findings,
) {
    let signatures: Vec<String> = ["RECORD.jws", "RECORD.p7s"]
        .iter()
        .filter_map(|file| layout.dist_info_file(file))
        .collect();
    let members: HashSet<&str> = archive
        .entries
        .iter()
        .filter(|e| !e.is_dir() && !signatures.contains(&e.name))
        .map(|e| e.name.as_str())
        .collect();
    for entry in archive
        .entries
        .iter()
        .filter(|e| members.contains(e.name.as_str()))
    {
        match rows.get(entry.name.as_str()) {
            None => findings.error(
                CheckId("REC-02"),
                Some(&entry.name),
                format!("member is not listed in `{record_path}`"),
            ),
            Some(row) => check_row(entry, row, pass.members.get(&entry.name), findings),
        }
    }
    let mut missing: Vec<&str> = rows
        .keys()
        .copied()
        .filter(|path| !members.contains(path) && !path.ends_with('/'))
        .collect();
    missing.sort_unstable();
    for path in missing {
        findings.error(
            CheckId("REC-02"),
            Some(path),
            format!("`{record_path}` lists a file the archive does not contain"),
        );
    }
}

/// One member against its RECORD row (REC-07, REC-08).
fn check_row(
    entry: &ZipEntry,
    row: &RecordRow,
    streamed: Option<&Streamed>,
    findings: &mut Findings,
) {
    if let Some(size) = row.size
        && size != entry.uncompressed_size
    {
        findings.error(
            CheckId("REC-08"),
            Some(&entry.name),
            format!(
                "RECORD declares {size} bytes; the member has {}",
                entry.uncompressed_size
            ),
        );
    }
    let Some(streamed) = streamed.filter(|s| s.decoded) else {
        return;
    };
    if let (Some(algorithm), Some(declared), Some(actual)) =
        (&row.algorithm, &row.digest, &streamed.record_digest)
        && declared != actual
    {
        findings.error(
            CheckId("REC-07"),
            Some(&entry.name),
            format!(
                "{algorithm} of the content is `{}`; RECORD declares `{}`",
                URL_SAFE_NO_PAD.encode(actual),
                URL_SAFE_NO_PAD.encode(declared)
            ),
        );
    }
}

/// WHEEL present (WHL-02) and valid (WHF-*). Returns `Root-Is-Purelib`.
fn check_wheel_file(
    layout: &Layout,
    pass: &Pass,
    wheel_name: Option<&WheelFilename>,
    findings: &mut Findings,
) -> Option<bool> {
    let member = layout.dist_info_file("WHEEL")?;
    let Some(bytes) = pass.small("WHEEL", layout) else {
        findings.error(
            ID_02,
            Some(&member),
            "required file is missing or unreadable",
        );
        return None;
    };
    whf::check(bytes, &member, wheel_name, findings)
}

/// `Root-Is-Purelib` against `.data/purelib` and `.data/platlib` (WHL-05).
fn check_purelib(
    archive: &ZipArchive,
    layout: &Layout,
    root_is_purelib: Option<bool>,
    wheel_name: Option<&WheelFilename>,
    findings: &mut Findings,
) {
    let Some(root_is_purelib) = root_is_purelib else {
        return;
    };
    let clashing = if root_is_purelib {
        "purelib"
    } else {
        "platlib"
    };
    if let Some(prefix) = layout.scheme_prefix(clashing)
        && let Some(entry) = archive.entries.iter().find(|e| e.name.starts_with(&prefix))
    {
        findings.error(
            CheckId("WHL-05"),
            Some(&entry.name),
            format!("`Root-Is-Purelib: {root_is_purelib}` with files in `.data/{clashing}/`"),
        );
    }
    let platform_specific = wheel_name.is_some_and(|n| n.platform.iter().any(|p| p != "any"));
    if root_is_purelib && platform_specific {
        findings.warn(
            CheckId("WHL-05"),
            None,
            "platform-specific wheel declares `Root-Is-Purelib: true`",
        );
    }
}

/// Parses and checks METADATA (WHL-02, META-*, WHL-08 undeclared licenses).
fn check_metadata(
    archive: &ZipArchive,
    layout: &Layout,
    pass: &Pass,
    wheel_name: Option<&WheelFilename>,
    options: &VerifyOptions<'_>,
    findings: &mut Findings,
) -> Option<CoreMetadata> {
    let member = layout.dist_info_file("METADATA")?;
    let Some(bytes) = pass.small("METADATA", layout) else {
        findings.error(
            ID_02,
            Some(&member),
            "required file is missing or unreadable",
        );
        return None;
    };
    let parsed = metadata::parse(bytes, &member, findings)?;
    let licenses = format!(
        "{}/licenses/",
        layout.dist_info.as_deref().unwrap_or_default()
    );
    let names: HashSet<&str> = archive.entries.iter().map(|e| e.name.as_str()).collect();
    let has_license_file = |path: &str| names.contains(format!("{licenses}{path}").as_str());
    let context = MetadataContext {
        kind: ArtifactKind::Wheel,
        member: &member,
        target: options.target,
        filename_name: wheel_name.map(|n| n.name.as_str()),
        filename_version: wheel_name.map(|n| n.version.as_str()),
        python_tags: wheel_name.map_or(&[], |n| n.python.as_slice()),
        has_license_file: &has_license_file,
        renderer: options.renderer,
    };
    metadata::check(&parsed, &context, findings);
    check_undeclared_licenses(archive, &parsed, &licenses, findings);
    Some(parsed)
}

/// Files under `.dist-info/licenses/` that no `License-File` declares (WHL-08, warning).
fn check_undeclared_licenses(
    archive: &ZipArchive,
    metadata: &CoreMetadata,
    licenses: &str,
    findings: &mut Findings,
) {
    let declared: HashSet<&str> = metadata.get_all("License-File").into_iter().collect();
    if declared.is_empty() {
        return;
    }
    for entry in archive.entries.iter().filter(|e| !e.is_dir()) {
        if let Some(path) = entry.name.strip_prefix(licenses)
            && !declared.contains(path)
        {
            findings.warn(
                CheckId("WHL-08"),
                Some(&entry.name),
                "license file is not declared by any `License-File` in METADATA",
            );
        }
    }
}

/// Scripts start with `#!python`/`#!pythonw` or are binaries (WHL-04).
/// See: packaging.python.org "Binary distribution format", "Recommended installer features".
fn check_scripts(pass: &Pass, findings: &mut Findings) {
    for (name, head) in &pass.script_heads {
        let Some(shebang) = head.strip_prefix(b"#!") else {
            continue;
        };
        let line = shebang.split(|b| *b == b'\n').next().unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line != b"python" && line != b"pythonw" && !line.starts_with(b"python ") {
            findings.warn(
                CheckId("WHL-04"),
                Some(name),
                format!(
                    "script shebang `#!{}` names an interpreter; expected `#!python` so \
                     installers rewrite it",
                    String::from_utf8_lossy(line)
                ),
            );
        }
    }
}

/// The exec bit only on scripts and native libraries (ZIP-14, warning).
fn check_exec_bits(archive: &ZipArchive, layout: &Layout, pass: &Pass, findings: &mut Findings) {
    let scripts = layout.scheme_prefix("scripts");
    for entry in archive.entries.iter().filter(|e| !e.is_dir()) {
        let Some(mode) = entry.unix_mode.filter(|mode| mode & 0o111 != 0) else {
            continue;
        };
        let is_script = scripts
            .as_deref()
            .is_some_and(|p| entry.name.starts_with(p));
        let is_native =
            pass.members.get(&entry.name).is_some_and(|s| s.native) || is_library_name(&entry.name);
        if !is_script && !is_native {
            findings.warn(
                CheckId("ZIP-14"),
                Some(&entry.name),
                format!(
                    "executable mode {mode:#o} on a file that is neither a script nor a native \
                     library"
                ),
            );
        }
    }
}

/// Native library names: `.so` (also versioned `.so.1`), `.pyd`, `.dylib`, `.dll`.
fn is_library_name(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    let mut parts = file.split('.').skip(1);
    parts.any(|ext| matches!(ext, "so" | "pyd" | "dylib" | "dll"))
}

/// WHL-12: no native code in a `py*-none-any` wheel; elsewhere each binary runs on every
/// platform tag and each extension module's suffix fits the interpreter and ABI tags.
fn check_native(
    archive: &ZipArchive,
    layout: &Layout,
    pass: &Pass,
    wheel_name: Option<&WheelFilename>,
    findings: &mut Findings,
) {
    let Some(name) = wheel_name else {
        return;
    };
    let mut native: Vec<(&str, &Streamed)> = pass
        .members
        .iter()
        .filter(|(_, streamed)| streamed.native)
        .map(|(member, streamed)| (member.as_str(), streamed))
        .collect();
    native.sort_unstable_by_key(|(member, _)| *member);
    let pure = name.python.iter().all(|p| p.starts_with("py"))
        && name.abi.iter().all(|a| a == "none")
        && name.platform.iter().all(|p| p == "any");
    if pure {
        for (member, _) in native {
            findings.error(
                CheckId("WHL-12"),
                Some(member),
                "native binary in a `py*-none-any` wheel; expected platform tags",
            );
        }
        return;
    }
    for (member, streamed) in native {
        if let Some(arch) = &streamed.arch {
            native::check_binary(member, arch, name, findings);
        }
    }
    for entry in archive.entries.iter().filter(|e| !e.is_dir()) {
        if in_site_packages(layout, &entry.name) {
            native::check_extension_suffix(&entry.name, name, findings);
        }
    }
}

/// Non-empty members with identical content outside `.dist-info` (WHL-10 W002).
fn check_duplicate_contents(pass: &Pass, layout: &Layout, findings: &mut Findings) {
    const EMPTY_SHA256: [u8; 32] = [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9,
        0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52,
        0xb8, 0x55,
    ];
    let dist_info = layout.dist_info.as_deref().map(|d| format!("{d}/"));
    let mut first_with: HashMap<[u8; 32], &str> = HashMap::new();
    for (name, digest) in &pass.files {
        if *digest == EMPTY_SHA256 || dist_info.as_deref().is_some_and(|d| name.starts_with(d)) {
            continue;
        }
        if let Some(first) = first_with.get(digest) {
            findings.warn(
                CheckId("WHL-10"),
                Some(name),
                format!("same content as `{first}` (W002)"),
            );
        } else {
            first_with.insert(*digest, name);
        }
    }
}
