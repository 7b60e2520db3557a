//! Rules on field values: names, versions, texts, classifiers, requirements, URLs, e-mails and
//! import names (META-04..14, META-18..20).

use std::collections::HashMap;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{Requirement, VersionOrUrl};

use crate::check::{CheckId, Findings, Severity};
use crate::filename::{check_version_component, normalize_name};
use crate::target::Target;
use crate::verify::{ArtifactKind, RenderOutcome};

use super::classifiers;
use super::fields::MetadataVersion;
use super::{CoreMetadata, MetadataContext};

/// Severity for rules only warehouse enforces: an error there, a warning elsewhere.
fn index_rule(target: Target) -> Severity {
    if target.is_warehouse() {
        Severity::Error
    } else {
        Severity::Warning
    }
}

fn push(
    findings: &mut Findings,
    id: &'static str,
    severity: Severity,
    context: &MetadataContext<'_>,
    message: String,
) {
    findings.push(CheckId(id), severity, Some(context.member), message);
}

fn error(
    findings: &mut Findings,
    id: &'static str,
    context: &MetadataContext<'_>,
    message: String,
) {
    push(findings, id, Severity::Error, context, message);
}

fn warn(findings: &mut Findings, id: &'static str, context: &MetadataContext<'_>, message: String) {
    push(findings, id, Severity::Warning, context, message);
}

/// Whether `name` is a valid project name (also used for pre-2.3 extras).
///
/// See: core-metadata "Name", `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$` with IGNORECASE.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// META-04: `Name` is valid and names the same project as the file name.
pub(crate) fn check_name(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let Some(name) = metadata.name() else {
        error(
            findings,
            "META-04",
            context,
            "`Name` is missing; expected the project name".to_owned(),
        );
        return;
    };
    if !is_valid_name(name) {
        error(
            findings,
            "META-04",
            context,
            format!(
                "`Name` is `{name}`; expected ASCII letters and digits, with `.`, `_` or `-` only inside"
            ),
        );
    }
    if let Some(from_filename) = context.filename_name
        && normalize_name(from_filename) != normalize_name(name)
    {
        error(
            findings,
            "META-04",
            context,
            format!(
                "`Name` is `{name}` but the file name says `{from_filename}`; expected the same \
                 project after normalization"
            ),
        );
    }
}

/// META-05: `Version` is PEP 440 (E), canonical (W) and not local where the index forbids it
/// (E). FN-03 owns the comparison with the file name's version.
pub(crate) fn check_version(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let id = CheckId("META-05");
    let Some(version) = metadata.version() else {
        error(
            findings,
            "META-05",
            context,
            "`Version` is missing; expected a PEP 440 version".to_owned(),
        );
        return;
    };
    let mut local = Findings::new(None);
    let parsed =
        check_version_component("`Version`", version, Some(context.target), id, &mut local);
    for finding in local.into_vec() {
        // A non-normalized spelling is legal PEP 440; only the file name must be normalized.
        let severity = if finding.message.contains("not normalized") {
            Severity::Warning
        } else {
            finding.severity
        };
        findings.push(id, severity, Some(context.member), finding.message);
    }
    if let Some(parsed) = parsed {
        check_filename_version(version, &parsed, context, findings);
    }
}

/// FN-03: the file name's version is the metadata `Version`, as the identical string. PyPI
/// compares sdist versions as strings but wheel versions by value (`1.0.0` == `1.0`); we
/// require the identical string for both, so index, installers and file names never drift.
///
/// See: verify-rules.md §2.1 FN-03; warehouse `forklift/legacy.py` (sdist and wheel checks).
fn check_filename_version(
    version: &str,
    parsed: &Version,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let Some(from_filename) = context.filename_version else {
        return;
    };
    if from_filename == version {
        return;
    }
    let same_value = Version::from_str(from_filename).is_ok_and(|v| v == *parsed);
    let how = match (same_value, context.kind) {
        (true, ArtifactKind::Wheel) => {
            "the same version spelled differently, which PyPI accepts for wheels"
        }
        (true, _) => "the same version spelled differently",
        (false, _) => "a different version",
    };
    error(
        findings,
        "FN-03",
        context,
        format!(
            "file name version `{from_filename}` differs from `Version: {version}` in \
             `{}` ({how}); expected identical strings",
            context.member
        ),
    );
}

/// Characters that end a line for Python's `str.splitlines`.
fn is_line_boundary(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// META-06: `Summary` is one line of at most 512 characters.
pub(crate) fn check_summary(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let Some(summary) = metadata.get("Summary") else {
        return;
    };
    if summary.contains(is_line_boundary) {
        error(
            findings,
            "META-06",
            context,
            format!("`Summary` spans several lines ({summary:?}); expected one line"),
        );
    }
    let chars = summary.chars().count();
    if chars > 512 {
        push(
            findings,
            "META-06",
            index_rule(context.target),
            context,
            format!("`Summary` is {chars} characters long; PyPI accepts at most 512"),
        );
    }
}

/// The long description's markup, from `Description-Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Markup {
    Rst,
    Markdown,
    Plain,
}

/// META-01 (header and body), META-07 (content type), META-08 (rendering).
pub(crate) fn check_description(
    metadata: &CoreMetadata,
    version: MetadataVersion,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    if metadata.get("Description").is_some() && metadata.body.is_some() {
        error(
            findings,
            "META-01",
            context,
            "the description is both in a `Description` header and in the body; expected one place"
                .to_owned(),
        );
    }
    let markup = if let Some(value) = metadata.get("Description-Content-Type") {
        parse_content_type(value, context, findings)
    } else {
        if version >= MetadataVersion(2, 1) && metadata.description().is_some() {
            warn(
                findings,
                "META-07",
                context,
                "`Description-Content-Type` is missing; the description is read as reST".to_owned(),
            );
        }
        Some(Markup::Rst)
    };
    let Some(markup) = markup else {
        return;
    };
    check_rendering(metadata.description(), markup, context, findings);
}

fn parse_content_type(
    value: &str,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) -> Option<Markup> {
    let mut parts = value.split(';').map(str::trim);
    let kind = parts.next().unwrap_or_default().to_ascii_lowercase();
    let markup = match kind.as_str() {
        "text/x-rst" => Markup::Rst,
        "text/markdown" => Markup::Markdown,
        "text/plain" => Markup::Plain,
        other => {
            error(
                findings,
                "META-07",
                context,
                format!(
                    "`Description-Content-Type` type is `{other}`; expected `text/plain`, `text/x-rst` or `text/markdown`"
                ),
            );
            return None;
        }
    };
    for param in parts.filter(|p| !p.is_empty()) {
        let Some((key, raw)) = param.split_once('=') else {
            error(
                findings,
                "META-07",
                context,
                format!("`Description-Content-Type` parameter `{param}` has no `=`"),
            );
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let val = raw.trim().trim_matches('"');
        match key.as_str() {
            "charset" if !val.eq_ignore_ascii_case("utf-8") => error(
                findings,
                "META-07",
                context,
                format!("`Description-Content-Type` charset is `{val}`; expected `UTF-8`"),
            ),
            // packaging compares the variant case-sensitively.
            "variant" if markup == Markup::Markdown && !matches!(val, "GFM" | "CommonMark") => {
                error(
                    findings,
                    "META-07",
                    context,
                    format!(
                        "`Description-Content-Type` markdown variant is `{val}`; expected `GFM` or `CommonMark`"
                    ),
                );
            }
            "charset" | "variant" => {}
            _ => warn(
                findings,
                "META-07",
                context,
                format!("`Description-Content-Type` has unknown parameter `{key}`"),
            ),
        }
    }
    Some(markup)
}

fn check_rendering(
    description: Option<&str>,
    markup: Markup,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let text = description.unwrap_or_default();
    if text.trim().is_empty() || text.trim() == "UNKNOWN" {
        warn(
            findings,
            "META-08",
            context,
            format!(
                "the long description is {:?}; expected real text for the project page",
                text.trim()
            ),
        );
        return;
    }
    if markup != Markup::Rst {
        return;
    }
    let Some(renderer) = context.renderer else {
        warn(
            findings,
            "META-08",
            context,
            "the reST description was not checked: no renderer (readme_renderer) is available"
                .to_owned(),
        );
        return;
    };
    match renderer.render_rst(text) {
        RenderOutcome::Rendered => {}
        RenderOutcome::Failed(why) => error(
            findings,
            "META-08",
            context,
            format!("the reST description does not render, so PyPI would refuse it: {why}"),
        ),
        RenderOutcome::Unavailable(why) => warn(
            findings,
            "META-08",
            context,
            format!("the reST description was not checked: {why}"),
        ),
    }
}

/// META-09: classifiers from the vendored list, not deprecated, no `Private ::` for PyPI, no
/// `License ::` next to `License-Expression`.
pub(crate) fn check_classifiers(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let severity = index_rule(context.target);
    let has_expression = metadata.get("License-Expression").is_some();
    for classifier in metadata.get_all("Classifier") {
        if classifier.starts_with("Private ::") {
            push(
                findings,
                "META-09",
                severity,
                context,
                format!(
                    "classifier `{classifier}` is private; PyPI refuses `Private ::` classifiers"
                ),
            );
            continue;
        }
        if let Ok(i) = classifiers::DEPRECATED.binary_search_by(|(c, _)| (*c).cmp(classifier)) {
            let replacements = classifiers::DEPRECATED[i].1;
            push(
                findings,
                "META-09",
                severity,
                context,
                format!(
                    "classifier `{classifier}` is deprecated; expected one of {replacements:?} instead"
                ),
            );
            continue;
        }
        if classifiers::CLASSIFIERS.binary_search(&classifier).is_err() {
            push(
                findings,
                "META-09",
                severity,
                context,
                format!(
                    "classifier `{classifier}` is not in trove-classifiers {}; expected an exact entry of that list",
                    classifiers::VERSION
                ),
            );
            continue;
        }
        if has_expression && classifier.starts_with("License ::") {
            warn(
                findings,
                "META-09",
                context,
                format!(
                    "classifier `{classifier}` duplicates `License-Expression`; expected no `License ::` classifiers"
                ),
            );
        }
    }
}

fn extra_markers(requirement: &Requirement) -> Vec<String> {
    let Some(marker) = requirement.marker.try_to_string() else {
        return Vec::new();
    };
    let mut extras = Vec::new();
    let mut rest = marker.as_str();
    while let Some(at) = rest.find("extra == ") {
        rest = &rest[at + "extra == ".len()..];
        let quote = rest.chars().next().unwrap_or('\'');
        if let Some(end) = rest[1..].find(quote) {
            extras.push(rest[1..=end].to_owned());
        }
    }
    extras
}

/// META-10 and META-18: PEP 508 requirements, no direct URL references, extras declared.
pub(crate) fn check_requirements(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let declared: Vec<String> = metadata
        .get_all("Provides-Extra")
        .into_iter()
        .map(normalize_name)
        .collect();
    for value in metadata.get_all("Requires-Dist") {
        let Some(requirement) =
            parse_requirement("Requires-Dist", "META-10", value, context, findings)
        else {
            continue;
        };
        for extra in extra_markers(&requirement) {
            if !declared.contains(&normalize_name(&extra)) {
                warn(
                    findings,
                    "META-10",
                    context,
                    format!(
                        "`Requires-Dist: {value}` uses extra `{extra}`, which no `Provides-Extra` declares"
                    ),
                );
            }
        }
    }
    for field in ["Provides-Dist", "Obsoletes-Dist"] {
        for value in metadata.get_all(field) {
            parse_requirement(field, "META-18", value, context, findings);
        }
    }
}

/// Checks the leading project name of a requirement before `pep508_rs` sees it.
///
/// pep508_rs 0.9.2 panics on a name or an extra that ends in `-`, `.` or `_` ("`PackageName`
/// validation should match PEP 508 parsing", the same for `ExtraName`), so such names are
/// rejected here first. The fuzz inputs are kept in `fuzz/regressions/metadata/` and
/// `fuzz/regressions/provenance/`.
fn check_requirement_name(value: &str) -> Result<(), String> {
    // pep508_rs 0.9.2 also slices its input at a character count taken as a byte count after a
    // marker expression, so a non-ASCII character in what follows one panics it. PEP 508 allows
    // non-ASCII only inside quoted marker values, where no real requirement has any; all of it
    // is refused rather than trusting a parser that mis-reads it.
    if let Some(c) = value.chars().find(|c| !c.is_ascii()) {
        return Err(format!(
            "it holds the non-ASCII character `{c}`; expected an ASCII requirement (pyship refuses non-ASCII even inside quoted marker values)"
        ));
    }
    let trimmed = value.trim_start();
    let name_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(trimmed.len());
    let name = &trimmed[..name_len];
    let is_edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !(is_edge_ok(name.chars().next()) && is_edge_ok(name.chars().last())) {
        return Err(format!(
            "the project name `{name}` must start and end with an ASCII letter or digit"
        ));
    }
    // The same panic waits in its extras (`foo[bar-]`).
    let rest = trimmed[name_len..].trim_start();
    if let Some(extras) = rest
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .map(|(extras, _)| extras)
    {
        for extra in extras.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let extra = extra
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .map_or(extra, |end| &extra[..end]);
            if !(is_edge_ok(extra.chars().next()) && is_edge_ok(extra.chars().last())) {
                return Err(format!(
                    "the extra `{extra}` of `{name}` must start and end with an ASCII letter or digit"
                ));
            }
        }
    }
    Ok(())
}

/// Parses a PEP 508 requirement, its name checked first so that pep508_rs cannot panic on it
/// (see [`check_requirement_name`]).
pub(crate) fn requirement(value: &str) -> Result<Requirement, String> {
    check_requirement_name(value)?;
    Requirement::from_str(value).map_err(|err| err.message.to_string())
}

fn parse_requirement(
    field: &str,
    id: &'static str,
    value: &str,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) -> Option<Requirement> {
    if let Err(why) = check_requirement_name(value) {
        error(
            findings,
            id,
            context,
            format!("`{field}: {value}` is not a PEP 508 requirement: {why}"),
        );
        return None;
    }
    let requirement = match Requirement::from_str(value) {
        Ok(requirement) => requirement,
        Err(why) => {
            error(
                findings,
                id,
                context,
                format!(
                    "`{field}: {value}` is not a PEP 508 requirement: {}",
                    why.message
                ),
            );
            return None;
        }
    };
    if matches!(requirement.version_or_url, Some(VersionOrUrl::Url(_))) {
        push(
            findings,
            id,
            index_rule(context.target),
            context,
            format!(
                "`{field}: {value}` is a direct URL reference; PyPI refuses them, expected a version specifier"
            ),
        );
    }
    Some(requirement)
}

/// Whether `extra` is in normalized form `^[a-z0-9]+(-[a-z0-9]+)*$`.
fn is_normalized_extra(extra: &str) -> bool {
    !extra.is_empty()
        && extra.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// META-11: extras are valid, normalized from 2.3 on, and distinct after normalization.
pub(crate) fn check_extras(
    metadata: &CoreMetadata,
    version: MetadataVersion,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for extra in metadata.get_all("Provides-Extra") {
        if version >= MetadataVersion(2, 3) && !is_normalized_extra(extra) {
            error(
                findings,
                "META-11",
                context,
                format!(
                    "`Provides-Extra: {extra}` is not normalized, which Metadata-Version {version} requires; expected `{}`",
                    normalize_name(extra)
                ),
            );
        } else if !is_valid_name(extra) {
            error(
                findings,
                "META-11",
                context,
                format!("`Provides-Extra: {extra}` is not a valid extra name"),
            );
        }
        if let Some(first) = seen.insert(normalize_name(extra), extra) {
            error(
                findings,
                "META-11",
                context,
                format!("`Provides-Extra: {extra}` collides with `{first}` after normalization"),
            );
        }
    }
}

/// The Python versions a wheel python tag stands for: (major, Some(minor)) or (major, None).
fn tag_python(tag: &str) -> Option<(u64, Option<u64>)> {
    let digits = tag.strip_prefix("cp").or_else(|| tag.strip_prefix("py"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let major = u64::from(digits.as_bytes()[0] - b'0');
    let minor = (digits.len() > 1)
        .then(|| digits[1..].parse().ok())
        .flatten();
    Some((major, minor))
}

fn allows_any(specifiers: &VersionSpecifiers, major: u64, minor: Option<u64>) -> bool {
    let minors: Vec<u64> = match minor {
        Some(minor) => vec![minor],
        None => (0..=40).collect(),
    };
    minors.iter().any(|&minor| {
        (0..=30).any(|patch| specifiers.contains(&Version::new([major, minor, patch])))
    })
}

/// META-12: `Requires-Python` is a specifier set, consistent with the wheel's python tags.
pub(crate) fn check_requires_python(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let Some(value) = metadata.get("Requires-Python") else {
        return;
    };
    if value.contains(';') {
        error(
            findings,
            "META-12",
            context,
            format!("`Requires-Python: {value}` has a marker; expected only version specifiers"),
        );
        return;
    }
    let specifiers = match VersionSpecifiers::from_str(value) {
        Ok(specifiers) => specifiers,
        Err(why) => {
            error(
                findings,
                "META-12",
                context,
                format!("`Requires-Python: {value}` is not a PEP 440 specifier set: {why}"),
            );
            return;
        }
    };
    if context.kind != ArtifactKind::Wheel {
        return;
    }
    for tag in context.python_tags {
        let Some((major, minor)) = tag_python(tag) else {
            continue;
        };
        if allows_any(&specifiers, major, minor) {
            continue;
        }
        let message = format!(
            "python tag `{tag}` is outside `Requires-Python: {value}`; installers would never pick it"
        );
        if minor.is_some() {
            error(findings, "META-12", context, message);
        } else {
            warn(findings, "META-12", context, message);
        }
    }
}

/// Whether `url` is an http(s) URL with a host.
///
/// See: warehouse `utils/http.py::is_valid_uri` (scheme http/https, host required).
fn is_http_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && !url.contains(char::is_whitespace)
}

/// META-13: `Project-URL` labels and URLs, `Home-page` and `Download-URL`.
pub(crate) fn check_urls(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let severity = index_rule(context.target);
    let mut labels: Vec<String> = Vec::new();
    for value in metadata.get_all("Project-URL") {
        let Some((label, url)) = value.split_once(',') else {
            error(
                findings,
                "META-13",
                context,
                format!("`Project-URL: {value}` is not `label, url`"),
            );
            continue;
        };
        let (label, url) = (label.trim(), url.trim());
        if label.is_empty() || label.chars().count() > 32 {
            push(
                findings,
                "META-13",
                severity,
                context,
                format!(
                    "`Project-URL` label `{label}` is {} characters; expected 1 to 32",
                    label.chars().count()
                ),
            );
        }
        if labels.contains(&label.to_owned()) {
            error(
                findings,
                "META-13",
                context,
                format!("`Project-URL` label `{label}` appears more than once"),
            );
        }
        labels.push(label.to_owned());
        if !is_http_url(url) {
            push(
                findings,
                "META-13",
                severity,
                context,
                format!("`Project-URL` `{label}` is `{url}`; expected an http(s) URL with a host"),
            );
        }
    }
    for field in ["Home-page", "Download-URL"] {
        if let Some(url) = metadata.get(field)
            && !url.is_empty()
            && url != "UNKNOWN"
            && !is_http_url(url)
        {
            push(
                findings,
                "META-13",
                severity,
                context,
                format!("`{field}` is `{url}`; expected an http(s) URL with a host"),
            );
        }
    }
}

/// Splits an RFC 822 address list on commas outside quotes and angle brackets.
fn split_addresses(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    for (i, c) in list.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                parts.push(list[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(list[start..].trim());
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// The bare address of one list item: inside `<...>` when present.
fn address_of(item: &str) -> Option<&str> {
    match item.rfind('<') {
        Some(open) => item[open + 1..]
            .strip_suffix('>')
            .filter(|_| item.ends_with('>')),
        None => Some(item),
    }
}

/// A deliberately plain address check: `local@domain` with a dotted domain of sane labels.
fn is_valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.contains(|c: char| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | '@' | '(' | ')')
        });
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// META-14: `Author-email` and `Maintainer-email` hold valid address lists.
pub(crate) fn check_emails(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let severity = index_rule(context.target);
    for field in ["Author-email", "Maintainer-email"] {
        let Some(list) = metadata.get(field) else {
            continue;
        };
        for item in split_addresses(list) {
            if !address_of(item).is_some_and(is_valid_address) {
                push(
                    findings,
                    "META-14",
                    severity,
                    context,
                    format!(
                        "`{field}` entry `{item}` is not an e-mail address; expected `Name <user@example.org>` or `user@example.org`"
                    ),
                );
            }
        }
    }
}

const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

fn is_identifier(part: &str) -> bool {
    let mut chars = part.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c))
        && chars.all(unicode_ident::is_xid_continue)
        && !PYTHON_KEYWORDS.contains(&part)
}

/// Splits `a.b ; private` into the dotted name, after checking the form.
fn import_name<'a>(
    field: &str,
    value: &'a str,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) -> &'a str {
    let (name, suffix) = match value.split_once(';') {
        Some((name, suffix)) => (name.trim(), Some(suffix.trim())),
        None => (value.trim(), None),
    };
    if suffix.is_some_and(|s| s != "private") {
        error(
            findings,
            "META-19",
            context,
            format!("`{field}: {value}` has a suffix other than `; private`"),
        );
    }
    if !name.split('.').all(is_identifier) {
        error(
            findings,
            "META-19",
            context,
            format!("`{field}: {value}` is not a dotted Python identifier (keywords excluded)"),
        );
    }
    name
}

/// META-19: `Import-Name` and `Import-Namespace` (2.5).
pub(crate) fn check_import_names(
    metadata: &CoreMetadata,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    let names = metadata.get_all("Import-Name");
    let namespaces = metadata.get_all("Import-Namespace");
    if names.iter().any(|n| n.trim().is_empty()) && names.len() > 1 {
        error(
            findings,
            "META-19",
            context,
            "an empty `Import-Name` must be the only `Import-Name`".to_owned(),
        );
    }
    let declared: Vec<&str> = names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| import_name("Import-Name", n, context, findings))
        .collect();
    for value in namespaces {
        if value.trim().is_empty() {
            error(
                findings,
                "META-19",
                context,
                "`Import-Namespace` is empty; expected a dotted name".to_owned(),
            );
            continue;
        }
        let name = import_name("Import-Namespace", value, context, findings);
        if declared.contains(&name) {
            error(
                findings,
                "META-19",
                context,
                format!("`{name}` is both an `Import-Name` and an `Import-Namespace`"),
            );
        }
    }
}

/// META-20: deprecated fields and space-separated keywords.
pub(crate) fn check_deprecated(
    metadata: &CoreMetadata,
    version: MetadataVersion,
    context: &MetadataContext<'_>,
    findings: &mut Findings,
) {
    for (field, instead) in [
        ("Home-page", "a `Project-URL`"),
        ("Download-URL", "a `Project-URL`"),
        ("Requires", "`Requires-Dist`"),
        ("Provides", "`Provides-Dist`"),
        ("Obsoletes", "`Obsoletes-Dist`"),
    ] {
        if metadata.get(field).is_some() {
            warn(
                findings,
                "META-20",
                context,
                format!("field `{field}` is deprecated; expected {instead}"),
            );
        }
    }
    if version >= MetadataVersion(2, 4)
        && metadata.get("License").is_some()
        && metadata.get("License-Expression").is_none()
    {
        warn(
            findings,
            "META-20",
            context,
            "field `License` is deprecated from Metadata-Version 2.4; expected `License-Expression`".to_owned(),
        );
    }
    if let Some(keywords) = metadata.get("Keywords")
        && !keywords.contains(',')
        && keywords.trim().contains(' ')
    {
        warn(
            findings,
            "META-20",
            context,
            format!("`Keywords: {keywords}` is separated by spaces; expected commas"),
        );
    }
}
