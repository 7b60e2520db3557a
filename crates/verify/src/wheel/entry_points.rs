//! `entry_points.txt`: WHL-09.
//!
//! The file is read as `configparser` would with the spec's settings (`=` delimiter only, case
//! kept), but strictly: anything `configparser` would reinterpret is an error.
//! See: packaging.python.org "Entry points specification", "File format".

use std::collections::HashSet;

use crate::check::{CheckId, Findings};

const ID: CheckId = CheckId("WHL-09");

/// Checks `entry_points.txt` (WHL-09), recording findings.
pub(super) fn check(bytes: &[u8], member: &str, findings: &mut Findings) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        findings.error(ID, Some(member), "entry_points.txt is not valid UTF-8");
        return;
    };
    let mut groups = HashSet::new();
    let mut group: Option<String> = None;
    let mut names = HashSet::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let at = format!("line {}", index + 1);
        if raw.starts_with([' ', '\t']) {
            findings.error(
                ID,
                Some(member),
                format!("{at}: indented continuation line"),
            );
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            check_group(name, &at, member, findings);
            if !groups.insert(name.to_owned()) {
                findings.error(ID, Some(member), format!("{at}: group `[{name}]` repeated"));
            }
            group = Some(name.to_owned());
            names.clear();
            continue;
        }
        let Some(group) = group.as_deref() else {
            findings.error(
                ID,
                Some(member),
                format!("{at}: entry outside any `[group]`"),
            );
            continue;
        };
        check_entry(line, group, &mut names, &at, member, findings);
    }
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Group names match `^\w+(\.\w+)*$`.
fn check_group(name: &str, at: &str, member: &str, findings: &mut Findings) {
    if !name.split('.').all(is_word) {
        findings.error(
            ID,
            Some(member),
            format!("{at}: group name `{name}` does not match `\\w+(\\.\\w+)*`"),
        );
    }
}

/// `name = module(.module)*(:attr(.attr)*)? [extras]`, names unique within the group.
fn check_entry(
    line: &str,
    group: &str,
    names: &mut HashSet<String>,
    at: &str,
    member: &str,
    findings: &mut Findings,
) {
    let Some((name, value)) = line.split_once('=') else {
        findings.error(
            ID,
            Some(member),
            format!("{at}: `{line}` is not `name = value` (only `=` separates)"),
        );
        return;
    };
    let (name, value) = (name.trim(), value.trim());
    let is_script = matches!(group, "console_scripts" | "gui_scripts");
    let name_ok = if is_script {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || "_.-".contains(c))
    } else {
        !name.is_empty() && !name.contains(':')
    };
    if !name_ok {
        findings.error(
            ID,
            Some(member),
            format!("{at}: entry point name `{name}` in `[{group}]` is not valid"),
        );
    }
    if !names.insert(name.to_owned()) {
        findings.error(
            ID,
            Some(member),
            format!("{at}: `{name}` is defined twice in `[{group}]`"),
        );
    }
    if !valid_object_reference(value) {
        findings.error(
            ID,
            Some(member),
            format!("{at}: `{value}` is not `module(.module)*(:attr(.attr)*)? [extras]`"),
        );
    }
}

fn valid_object_reference(value: &str) -> bool {
    let (reference, extras) = match value.split_once('[') {
        Some((reference, extras)) => (reference.trim_end(), Some(extras)),
        None => (value, None),
    };
    let extras_ok = extras.is_none_or(|extras| {
        extras.strip_suffix(']').is_some_and(|inner| {
            inner.split(',').all(|e| {
                !e.trim().is_empty()
                    && e.trim()
                        .chars()
                        .all(|c| c.is_alphanumeric() || "_.-".contains(c))
            })
        })
    });
    let (module, attr) = match reference.split_once(':') {
        Some((module, attr)) => (module.trim(), Some(attr.trim())),
        None => (reference, None),
    };
    let dotted = |s: &str| s.split('.').all(is_word);
    extras_ok && dotted(module) && attr.is_none_or(dotted)
}
