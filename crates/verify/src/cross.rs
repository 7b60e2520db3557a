//! Consistency across the artifact set: X-* and FN-07 rules.
//!
//! Each artifact was judged alone already; here the set must describe one release: one name,
//! one version, one sdist, wheels that do not shadow each other, and wheels that carry what the
//! sdist promised (PEP 643) and the same pure-Python files.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use pep440_rs::Version;

use crate::check::{CheckId, Findings};
use crate::filename::{WheelFilename, check_wheel_filename, normalize_name};
use crate::metadata::CoreMetadata;
use crate::target::Target;
use crate::verify::ArtifactKind;

/// Generated files a build may legitimately rewrite between sdist and wheel.
const GENERATED: &[&str] = &[
    "_version.py",
    "version.py",
    "__version__.py",
    "_build_info.py",
];

/// What the cross-artifact checks need to know about one verified artifact.
#[derive(Debug, Clone)]
pub struct ArtifactContents {
    /// The artifact's file name.
    pub filename: String,
    /// Wheel or sdist.
    pub kind: ArtifactKind,
    /// Its core metadata, if it parsed.
    pub metadata: Option<CoreMetadata>,
    /// Regular-file members: path inside the archive (sdists without the top directory) and the
    /// sha256 of the content.
    pub files: Vec<(String, [u8; 32])>,
    /// Sdists only: the bytes of `PKG-INFO`, `pyproject.toml`, a root `README*`, `setup.cfg`, any `_version.py`
    /// below the root, and `PKG-INFO` and `SOURCES.txt` of a `*.egg-info/` directory (paths
    /// without the top directory), for the checks that judge generated files (PROV-02). Members
    /// over 16 MiB are left out.
    pub kept: Vec<(String, Vec<u8>)>,
}

/// One wheel with its parsed file name.
struct Wheel<'a> {
    contents: &'a ArtifactContents,
    name: WheelFilename,
}

/// Checks the artifact set as a whole, recording findings with no artifact.
pub fn check_set(artifacts: &[ArtifactContents], target: Target, findings: &mut Findings) {
    let sdists: Vec<&ArtifactContents> = artifacts
        .iter()
        .filter(|a| a.kind == ArtifactKind::Sdist)
        .collect();
    let wheels: Vec<Wheel<'_>> = artifacts
        .iter()
        .filter(|a| a.kind == ArtifactKind::Wheel)
        .filter_map(|contents| {
            let mut scratch = Findings::new(None);
            check_wheel_filename(&contents.filename, target, &mut scratch)
                .map(|name| Wheel { contents, name })
        })
        .collect();

    // Step 1: the set is one release (X-01, FN-07). Artifacts of different projects or
    // versions are not compared any further: every difference would be noise.
    if !check_same_release(artifacts, findings) {
        return;
    }
    if sdists.len() > 1 {
        let names: Vec<&str> = sdists.iter().map(|s| s.filename.as_str()).collect();
        findings.error(
            CheckId("FN-07"),
            None,
            format!(
                "the set has {} sdists (`{}`); expected at most one, as an index release takes \
                 only one sdist",
                sdists.len(),
                names.join("`, `")
            ),
        );
    }
    check_tag_overlap(&wheels, findings);

    // Step 2: metadata agrees across artifacts.
    if let Some(sdist) = sdists.first()
        && let Some(sdist_meta) = &sdist.metadata
    {
        for wheel in &wheels {
            if let Some(wheel_meta) = &wheel.contents.metadata {
                check_dynamic(
                    sdist_meta,
                    &sdist.filename,
                    wheel_meta,
                    &wheel.contents.filename,
                    findings,
                );
            }
        }
    }
    check_import_names(artifacts, findings);
    check_wheel_requirements(
        &wheels,
        sdists.first().and_then(|s| s.metadata.as_ref()),
        findings,
    );
    check_license_expressions(artifacts, findings);

    // Step 3: pure wheels hold the sdist's bytes.
    if let Some(sdist) = sdists.first() {
        for wheel in wheels.iter().filter(|w| is_pure(&w.name)) {
            check_pure_files(sdist, wheel.contents, findings);
        }
    }
}

/// one normalized name and one version across every artifact's metadata.
fn check_same_release(artifacts: &[ArtifactContents], findings: &mut Findings) -> bool {
    let with_meta: Vec<(&str, &CoreMetadata)> = artifacts
        .iter()
        .filter_map(|a| a.metadata.as_ref().map(|m| (a.filename.as_str(), m)))
        .collect();
    let Some((first_file, first)) = with_meta.first() else {
        return true;
    };
    let mut same = true;
    let first_name = first.name().map(normalize_name);
    let first_version = first.version().and_then(|v| Version::from_str(v).ok());
    for (file, meta) in &with_meta[1..] {
        let name = meta.name().map(normalize_name);
        if name != first_name {
            same = false;
            findings.error(
                CheckId("X-01"),
                None,
                format!(
                    "`{file}` is project `{}` but `{first_file}` is `{}`; expected one project per release",
                    name.unwrap_or_default(),
                    first_name.clone().unwrap_or_default()
                ),
            );
        }
        let version = meta.version().and_then(|v| Version::from_str(v).ok());
        if version != first_version {
            same = false;
            findings.error(
                CheckId("X-01"),
                None,
                format!(
                    "`{file}` has version `{}` but `{first_file}` has `{}`; expected one version per release",
                    meta.version().unwrap_or_default(),
                    first.version().unwrap_or_default()
                ),
            );
        }
    }
    same
}

/// FN-07 (identical tag sets) and X-06 (overlapping tag sets with different contents).
fn check_tag_overlap(wheels: &[Wheel<'_>], findings: &mut Findings) {
    for (i, a) in wheels.iter().enumerate() {
        for b in &wheels[i + 1..] {
            let same_tags = a.name.python == b.name.python
                && a.name.abi == b.name.abi
                && a.name.platform == b.name.platform;
            if same_tags {
                findings.error(
                    CheckId("FN-07"),
                    None,
                    format!(
                        "`{}` and `{}` have the same tags `{}`; expected one wheel per tag set, \
                         as installers would pick one of them arbitrarily",
                        a.contents.filename,
                        b.contents.filename,
                        tag_set(&a.name)
                    ),
                );
                continue;
            }
            let triples = a.name.tag_triples();
            let shared = b
                .name
                .tag_triples()
                .into_iter()
                .find(|t| triples.contains(t));
            if let Some((py, abi, plat)) = shared
                && sorted_files(a.contents) != sorted_files(b.contents)
            {
                findings.warn(
                    CheckId("X-06"),
                    None,
                    format!(
                        "`{}` and `{}` both match `{py}-{abi}-{plat}` but differ in content; which one installs depends on the installer",
                        a.contents.filename, b.contents.filename
                    ),
                );
            }
        }
    }
}

/// The compressed tag sets of a wheel name, `py-abi-platform`.
fn tag_set(name: &WheelFilename) -> String {
    format!(
        "{}-{}-{}",
        name.python.join("."),
        name.abi.join("."),
        name.platform.join(".")
    )
}

fn sorted_files(contents: &ArtifactContents) -> Vec<&(String, [u8; 32])> {
    let mut files: Vec<&(String, [u8; 32])> = contents
        .files
        .iter()
        .filter(|(path, _)| {
            !path
                .split('/')
                .next()
                .is_some_and(|top| top.ends_with(".dist-info"))
        })
        .collect();
    files.sort();
    files
}

/// The values of every field except the ones that describe the file rather than the project.
fn field_values(meta: &CoreMetadata) -> BTreeMap<String, Vec<&str>> {
    let mut values: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (name, value) in &meta.fields {
        let key = name.to_ascii_lowercase();
        if matches!(key.as_str(), "metadata-version" | "dynamic" | "description") {
            continue;
        }
        values.entry(key).or_default().push(value.as_str());
    }
    if let Some(description) = meta.description() {
        values.insert("description".to_owned(), vec![description.trim_end()]);
    }
    values
}

/// PEP 643. A field not in the sdist's `Dynamic` is identical in the wheel (and absent
/// when the sdist lacks it); a dynamic multi-use field keeps the sdist's values first.
///
/// See: core-metadata "Dynamic (multiple use)".
fn check_dynamic(
    sdist: &CoreMetadata,
    sdist_file: &str,
    wheel: &CoreMetadata,
    wheel_file: &str,
    findings: &mut Findings,
) {
    // Below 2.2 an sdist makes no promise about its wheels.
    if !metadata_at_least(sdist, 2, 2) {
        return;
    }
    let dynamic = sdist.dynamic();
    let sdist_values = field_values(sdist);
    let wheel_values = field_values(wheel);
    let mut fields: Vec<&String> = sdist_values.keys().chain(wheel_values.keys()).collect();
    fields.sort();
    fields.dedup();
    for field in fields {
        let in_sdist = sdist_values.get(field).cloned().unwrap_or_default();
        let in_wheel = wheel_values.get(field).cloned().unwrap_or_default();
        let ok = if dynamic.contains(field) {
            in_wheel.starts_with(&in_sdist)
        } else {
            in_sdist == in_wheel
        };
        if ok {
            continue;
        }
        let rule = if dynamic.contains(field) {
            "it is dynamic, so the wheel may only append to the sdist's values"
        } else {
            "it is not in the sdist's `Dynamic`, so the wheel must carry exactly the sdist's values"
        };
        findings.error(
            CheckId("X-02"),
            None,
            format!(
                "field `{field}` differs between `{sdist_file}` ({}) and `{wheel_file}` ({}); {rule}",
                summarize(&in_sdist),
                summarize(&in_wheel)
            ),
        );
    }
}

fn metadata_at_least(meta: &CoreMetadata, major: u32, minor: u32) -> bool {
    let Some((a, b)) = meta.metadata_version.split_once('.') else {
        return false;
    };
    match (a.parse::<u32>(), b.parse::<u32>()) {
        (Ok(a), Ok(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}

fn summarize(values: &[&str]) -> String {
    if values.is_empty() {
        return "absent".to_owned();
    }
    let shown: Vec<String> = values
        .iter()
        .map(|v| {
            let first_line = v.lines().next().unwrap_or_default();
            let short: String = first_line.chars().take(60).collect();
            format!("`{short}`")
        })
        .collect();
    shown.join(", ")
}

/// `Import-Name` and `Import-Namespace` are the same in every artifact.
fn check_import_names(artifacts: &[ArtifactContents], findings: &mut Findings) {
    for field in ["Import-Name", "Import-Namespace"] {
        let mut seen: Option<(&str, Vec<&str>)> = None;
        for artifact in artifacts {
            let Some(meta) = &artifact.metadata else {
                continue;
            };
            let mut values = meta.get_all(field);
            values.sort_unstable();
            match &seen {
                None => seen = Some((&artifact.filename, values)),
                Some((first, first_values)) if *first_values != values => findings.error(
                    CheckId("X-03"),
                    None,
                    format!(
                        "`{field}` in `{}` ({}) differs from `{first}` ({}); the spec requires the same import names in every artifact",
                        artifact.filename,
                        summarize(&values),
                        summarize(first_values)
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// `Requires-Dist` and `Requires-Python` agree across wheels unless the sdist marks them
/// dynamic.
fn check_wheel_requirements(
    wheels: &[Wheel<'_>],
    sdist: Option<&CoreMetadata>,
    findings: &mut Findings,
) {
    let dynamic = sdist.map(CoreMetadata::dynamic).unwrap_or_default();
    for field in ["Requires-Dist", "Requires-Python"] {
        if dynamic.contains(&field.to_ascii_lowercase()) {
            continue;
        }
        let mut first: Option<(&str, Vec<&str>)> = None;
        for wheel in wheels {
            let Some(meta) = &wheel.contents.metadata else {
                continue;
            };
            let values = meta.get_all(field);
            match &first {
                None => first = Some((&wheel.contents.filename, values)),
                Some((file, first_values)) if *first_values != values => findings.warn(
                    CheckId("X-04"),
                    None,
                    format!("`{field}` of `{}` differs from `{file}`; expected the same requirements in every wheel", wheel.contents.filename),
                ),
                Some(_) => {}
            }
        }
    }
}

/// a `License-Expression` that differs between artifacts is worth a note.
fn check_license_expressions(artifacts: &[ArtifactContents], findings: &mut Findings) {
    let mut by_expression: HashMap<&str, &str> = HashMap::new();
    for artifact in artifacts {
        if let Some(expression) = artifact
            .metadata
            .as_ref()
            .and_then(|m| m.get("License-Expression"))
        {
            by_expression
                .entry(expression)
                .or_insert(&artifact.filename);
        }
    }
    if by_expression.len() > 1 {
        let mut listed: Vec<String> = by_expression
            .iter()
            .map(|(e, f)| format!("`{e}` in `{f}`"))
            .collect();
        listed.sort();
        findings.info(
            CheckId("X-07"),
            None,
            format!(
                "artifacts declare different `License-Expression` values: {}",
                listed.join(", ")
            ),
        );
    }
}

/// A pure-Python wheel: no ABI, any platform.
fn is_pure(name: &WheelFilename) -> bool {
    name.abi.iter().all(|a| a == "none") && name.platform.iter().all(|p| p == "any")
}

/// each file of a pure wheel equals the sdist's file at the same path, or under `src/`.
fn check_pure_files(sdist: &ArtifactContents, wheel: &ArtifactContents, findings: &mut Findings) {
    let sdist_files: HashMap<&str, &[u8; 32]> =
        sdist.files.iter().map(|(p, h)| (p.as_str(), h)).collect();
    for (path, digest) in &wheel.files {
        let installed = installed_path(path);
        let Some(installed) = installed else {
            continue;
        };
        let src = format!("src/{installed}");
        let Some(source) = sdist_files
            .get(installed)
            .or_else(|| sdist_files.get(src.as_str()))
        else {
            continue;
        };
        if *source == digest {
            continue;
        }
        let base = installed.rsplit('/').next().unwrap_or(installed);
        let message = format!(
            "`{path}` in `{}` differs from its source in `{}`; a pure wheel must hold the sdist's bytes",
            wheel.filename, sdist.filename
        );
        if GENERATED.contains(&base) {
            findings.warn(
                CheckId("X-05"),
                None,
                format!("{message} (`{base}` is often generated at build time)"),
            );
        } else {
            findings.error(CheckId("X-05"), None, message);
        }
    }
}

/// Where a wheel member lands relative to site-packages: `None` for metadata and non-library
/// schemes.
#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "`.data` is a wheel directory suffix, matched exactly as installers do"
)]
fn installed_path(path: &str) -> Option<&str> {
    let (top, rest) = path.split_once('/').unwrap_or((path, ""));
    if top.ends_with(".dist-info") {
        return None;
    }
    if top.ends_with(".data") {
        return rest
            .strip_prefix("purelib/")
            .or_else(|| rest.strip_prefix("platlib/"));
    }
    Some(path)
}

#[cfg(test)]
mod tests;
