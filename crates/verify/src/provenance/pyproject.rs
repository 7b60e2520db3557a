//! PROV-02 for `PKG-INFO`: an sdist's root `PKG-INFO` is generated, so it cannot be compared
//! with git byte for byte; instead it must say what the committed `pyproject.toml` says.
//!
//! The pyproject specification maps each `[project]` key to core metadata fields, and a backend
//! may fill in a field itself only when its key is listed in `dynamic`. So every key that is
//! static (declared, or absent and not dynamic) fixes its fields: a `Requires-Dist`, a
//! `Project-URL` or a description that differs was not produced from the reviewed source. Order
//! and spelling that backends choose freely (keyword order, specifier order, marker spelling,
//! name normalization, a trailing newline after the readme) are not differences.
//!
//! `Dynamic` is judged too: a field marked dynamic must have its key in `dynamic` (PEP 643), and
//! `Home-page` and `Download-URL` must be among the declared `urls`. Other fields with no
//! `[project]` key (`Import-Name`, `Platform`, ...) are not judged here, nor are
//! `license = { file = ... }` (backends disagree on whether it becomes `License` text) and
//! `License-File` when `license-files` is absent (each backend has its own default globs).
//! Differences in [`WARNING_FIELDS`] are warnings, all others errors.
//!
//! See: verify-rules.md §2.10 PROV-02; packaging.python.org "pyproject.toml specification".

use std::collections::BTreeSet;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement, VersionOrUrl};
use sha2::{Digest, Sha256};
use toml::{Table, Value};

use crate::check::Severity;
use crate::filename::normalize_name;
use crate::metadata::CoreMetadata;

/// Compares `pkg_info` with the `[project]` table of `pyproject` (the sdist's `pyproject.toml`).
/// `files` are the sdist's regular files (paths without the top directory, with sha256), where a
/// readme file and the license files are looked up; `kept` the content of those kept (a root
/// `README*` is, to compare its text; other readme files are compared by digest). Returns one
/// difference per field, each naming the field, what `PKG-INFO` holds and what `pyproject.toml`
/// declares. A
/// `pyproject.toml` without `[project]` fixes nothing and gives no message; one that is not valid
/// TOML gives one (SD-08 reports it as well).
#[must_use]
pub fn compare(
    pkg_info: &CoreMetadata,
    pyproject: &str,
    files: &[(String, [u8; 32])],
    kept: &[(String, Vec<u8>)],
) -> Vec<Difference> {
    let table = match pyproject.parse::<Table>() {
        Ok(table) => table,
        Err(err) => {
            return vec![Difference {
                severity: Severity::Error,
                message: format!(
                    "`pyproject.toml` is not valid TOML ({}), so `PKG-INFO` cannot be compared with it",
                    err.message()
                ),
            }];
        }
    };
    let Some(project) = table.get("project").and_then(Value::as_table) else {
        return Vec::new();
    };
    let comparison = Comparison {
        pkg_info,
        project,
        files,
        kept,
        dynamic: project
            .get("dynamic")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        problems: Vec::new(),
    };
    comparison.run()
}

struct Comparison<'a> {
    pkg_info: &'a CoreMetadata,
    project: &'a Table,
    files: &'a [(String, [u8; 32])],
    kept: &'a [(String, Vec<u8>)],
    dynamic: BTreeSet<String>,
    problems: Vec<Difference>,
}

/// Field names as the core metadata specification spells them, for [`WARNING_FIELDS`] lookups.
const FIELD_NAMES: &[&str] = &[
    "Author",
    "Author-email",
    "Maintainer",
    "Maintainer-email",
    "Keywords",
    "Classifier",
    "License",
    "License-File",
];

/// One field of `PKG-INFO` that is not what `pyproject.toml` declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Error, or warning for the fields in [`WARNING_FIELDS`].
    pub severity: Severity,
    /// The field, what `PKG-INFO` holds and what `pyproject.toml` declares.
    pub message: String,
}

/// Fields whose difference is a warning, not an error: they change neither what is installed nor
/// where the index page links to, and real backends write them otherwise than the specification
/// says (poetry-core puts an author's name and email into two fields, keeps only the first
/// author and adds `Programming Language` classifiers; flit ignores `license = { text }`;
/// pdm-backend names an email-only author `Unknown`; hatchling sorts keywords, and its
/// `license-files` globs match otherwise than Python's `glob`: `**/LICENSE*` misses a root
/// `LICENSE`, `LICENSES/**` matches nothing).
pub const WARNING_FIELDS: &[&str] = &[
    "Author",
    "Author-email",
    "Maintainer",
    "Maintainer-email",
    "Keywords",
    "Classifier",
    "License",
    "License-File",
];

impl<'a> Comparison<'a> {
    fn run(mut self) -> Vec<Difference> {
        self.name();
        self.version();
        self.summary();
        self.readme();
        self.requires_python();
        self.license();
        self.license_files();
        self.people("authors", "Author");
        self.people("maintainers", "Maintainer");
        self.keywords();
        self.classifiers();
        self.urls();
        self.legacy_urls();
        self.requirements();
        self.marked_dynamic();
        self.problems
    }

    /// `Home-page` and `Download-URL` have no `[project]` key; a backend may only derive them
    /// from `urls`, so each must be one of its URLs when `urls` is static.
    fn legacy_urls(&mut self) {
        let Some(urls) = self.fixed("urls") else {
            return;
        };
        let declared: BTreeSet<&str> = urls
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
            .filter_map(|(_, url)| url.as_str())
            .map(str::trim)
            .collect();
        for field in ["Home-page", "Download-URL"] {
            if let Some(found) = self.field(field).map(str::trim)
                && !declared.contains(found)
            {
                self.error(format!(
                    "`PKG-INFO` field `{field}` is `{found}`, which is none of pyproject.toml's `[project]` `urls` ({}); expected only links the committed pyproject.toml declares",
                    list(declared.iter().copied())
                ));
            }
        }
    }

    /// PEP 643: a field `PKG-INFO` marks `Dynamic` may differ in a wheel. The pyproject
    /// specification lets only keys listed in `dynamic` be filled in at build time, so a field
    /// whose key is static must not be marked (else a wheel could carry, say, other
    /// requirements while this sdist looks right).
    fn marked_dynamic(&mut self) {
        let pkg_info: &'a CoreMetadata = self.pkg_info;
        for marked in pkg_info.get_all("Dynamic") {
            let field = marked.trim();
            let keys: &[&str] = match field.to_ascii_lowercase().as_str() {
                "requires-dist" => &["dependencies", "optional-dependencies"],
                "provides-extra" => &["optional-dependencies"],
                "requires-python" => &["requires-python"],
                "summary" => &["description"],
                "description" | "description-content-type" => &["readme"],
                "keywords" => &["keywords"],
                "classifier" => &["classifiers"],
                "project-url" | "home-page" | "download-url" => &["urls"],
                "author" | "author-email" => &["authors"],
                "maintainer" | "maintainer-email" => &["maintainers"],
                "license" | "license-expression" => &["license"],
                // No `[project]` key declares these, so wheels may carry anything there; pip
                // ignores them, hence a warning.
                "provides-dist" | "obsoletes-dist" | "requires-external" | "platform"
                | "supported-platform" => {
                    self.problems.push(Difference {
                        severity: Severity::Warning,
                        message: format!(
                            "`PKG-INFO` marks `{field}` as `Dynamic`, which no `[project]` key declares, so wheels built from this sdist may carry any `{field}`; expected no such mark"
                        ),
                    });
                    continue;
                }
                // setuptools marks `license-file` dynamic whatever pyproject.toml says
                // (markupsafe 3.0.4 in the corpus), and wheels carry the license files anyway.
                _ => continue,
            };
            if keys.iter().any(|key| self.dynamic.contains(*key)) {
                continue;
            }
            let canonical = FIELD_NAMES
                .iter()
                .find(|name| name.eq_ignore_ascii_case(field))
                .copied()
                .unwrap_or(field);
            self.field_differs(
                canonical,
                format!(
                    "`PKG-INFO` marks `{field}` as `Dynamic`, but pyproject.toml's `[project]` does not list {} in `dynamic`, so the field is fixed; expected no such mark, so that wheels must carry the same value (PEP 643)",
                    list(keys.iter().copied())
                ),
            );
        }
    }

    /// The key's value when the key is static; `None` when it is dynamic (anything goes).
    /// `Some(None)` is a static key that is absent: its fields must be absent too.
    #[allow(clippy::option_option)] // Reason: dynamic, static and absent, static and declared.
    fn fixed(&self, key: &str) -> Option<Option<&'a Value>> {
        let project: &'a Table = self.project;
        (!self.dynamic.contains(key)).then(|| project.get(key))
    }

    fn field(&self, field: &str) -> Option<&'a str> {
        let pkg_info: &'a CoreMetadata = self.pkg_info;
        pkg_info.get(field)
    }

    fn error(&mut self, message: String) {
        self.problems.push(Difference {
            severity: Severity::Error,
            message,
        });
    }

    fn field_differs(&mut self, field: &str, message: String) {
        let severity = if WARNING_FIELDS.contains(&field) {
            Severity::Warning
        } else {
            Severity::Error
        };
        self.problems.push(Difference { severity, message });
    }

    fn differs(&mut self, field: &str, key: &str, found: &str, expected: &str) {
        self.field_differs(field, format!(
            "`PKG-INFO` field `{field}` is {found}, but pyproject.toml's `[project]` `{key}` makes it {expected}; expected the metadata the committed pyproject.toml declares"
        ));
    }

    fn name(&mut self) {
        let Some(Some(name)) = self.fixed("name").map(|v| v.and_then(Value::as_str)) else {
            return;
        };
        let found = self.field("Name").unwrap_or_default();
        if normalize_name(found) != normalize_name(name) {
            self.differs("Name", "name", &quoted(found), &quoted(name));
        }
    }

    fn version(&mut self) {
        let Some(Some(version)) = self.fixed("version").map(|v| v.and_then(Value::as_str)) else {
            return;
        };
        let found = self.field("Version").unwrap_or_default();
        let same = match (Version::from_str(found), Version::from_str(version)) {
            (Ok(a), Ok(b)) => a == b,
            _ => found.trim() == version.trim(),
        };
        if !same {
            self.differs("Version", "version", &quoted(found), &quoted(version));
        }
    }

    fn summary(&mut self) {
        let Some(expected) = self.fixed("description") else {
            return;
        };
        let expected = expected.and_then(Value::as_str).unwrap_or_default().trim();
        let found = self.field("Summary").unwrap_or_default().trim();
        if found != expected {
            self.differs("Summary", "description", &shown(found), &shown(expected));
        }
    }

    fn readme(&mut self) {
        let Some(readme) = self.fixed("readme") else {
            return;
        };
        let description = self.pkg_info.description().unwrap_or_default();
        let content_type = self
            .field("Description-Content-Type")
            .map(media_type)
            .unwrap_or_default();
        let (file, text, declared_type) = match readme {
            None => (None, None, None),
            Some(Value::String(path)) => (Some(path.as_str()), None, None),
            Some(Value::Table(table)) => (
                table.get("file").and_then(Value::as_str),
                table.get("text").and_then(Value::as_str),
                table.get("content-type").and_then(Value::as_str),
            ),
            Some(_) => return,
        };
        let expected_type = declared_type.map(media_type).or_else(|| {
            let extension = std::path::Path::new(file?).extension()?.to_str()?;
            if extension.eq_ignore_ascii_case("md") {
                Some("text/markdown".to_owned())
            } else if extension.eq_ignore_ascii_case("rst") {
                Some("text/x-rst".to_owned())
            } else {
                None
            }
        });
        // hatchling writes no type for an empty readme.
        let empty = description.trim().is_empty() && content_type.is_empty();
        if let Some(expected_type) = expected_type
            && content_type != expected_type
            && !empty
        {
            self.differs(
                "Description-Content-Type",
                "readme",
                &shown(&content_type),
                &quoted(&expected_type),
            );
        }
        match (file, text) {
            (Some(path), _) => {
                let path = path.strip_prefix("./").unwrap_or(path);
                let Some((_, digest)) = self.files.iter().find(|(file, _)| file == path) else {
                    self.error(format!(
                        "pyproject.toml's `[project]` `readme` is `{path}`, which is not in the sdist; expected the readme the description is made from"
                    ));
                    return;
                };
                let same = match self.kept.iter().find(|(file, _)| file == path) {
                    Some((_, bytes)) => same_text(description, &String::from_utf8_lossy(bytes)),
                    None => same_text_digest(description, digest),
                };
                if !same {
                    self.error(format!(
                        "the `PKG-INFO` description is not the content of `{path}` (sha256 {} in the sdist) that pyproject.toml's `[project]` `readme` names; expected the readme's text",
                        super::hex(digest)
                    ));
                }
            }
            (None, Some(text)) => {
                if description.trim_end_matches(['\n', '\r']) != text.trim_end_matches(['\n', '\r'])
                {
                    self.error(
                        "the `PKG-INFO` description is not the `text` of pyproject.toml's `[project]` `readme`; expected that text".to_owned(),
                    );
                }
            }
            (None, None) => {
                if !description.trim().is_empty() {
                    self.error(format!(
                        "`PKG-INFO` has a description ({} bytes), but pyproject.toml's `[project]` declares no `readme` and does not list it in `dynamic`; expected none",
                        description.len()
                    ));
                }
            }
        }
    }

    fn requires_python(&mut self) {
        let Some(expected) = self.fixed("requires-python") else {
            return;
        };
        let expected = expected.and_then(Value::as_str);
        let found = self.field("Requires-Python");
        let canonical = |text: &str| {
            VersionSpecifiers::from_str(text).ok().map(|specifiers| {
                specifiers
                    .iter()
                    .map(ToString::to_string)
                    .collect::<BTreeSet<_>>()
            })
        };
        let same = match (found, expected) {
            (None, None) => true,
            (Some(a), Some(b)) => match (canonical(a), canonical(b)) {
                (Some(a), Some(b)) => a == b,
                _ => a.trim() == b.trim(),
            },
            _ => false,
        };
        if !same {
            self.differs(
                "Requires-Python",
                "requires-python",
                &found.map_or_else(|| "absent".to_owned(), quoted),
                &expected.map_or_else(|| "absent".to_owned(), quoted),
            );
        }
    }

    fn license(&mut self) {
        let Some(license) = self.fixed("license") else {
            return;
        };
        let expression = self.field("License-Expression");
        let text = self.field("License");
        match license {
            Some(Value::String(expected)) => {
                let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
                let same = expression
                    .is_some_and(|found| words(found).eq_ignore_ascii_case(&words(expected)));
                let legacy = expression.is_none()
                    && text
                        .is_some_and(|found| words(found).eq_ignore_ascii_case(&words(expected)));
                if legacy {
                    self.problems.push(Difference {
                        severity: Severity::Warning,
                        message: format!(
                            "`PKG-INFO` has the license `{expected}` as `License`, not `License-Expression` as pyproject.toml's `[project]` `license` string asks (PEP 639); expected a build backend that supports PEP 639"
                        ),
                    });
                } else if !same {
                    self.differs(
                        "License-Expression",
                        "license",
                        &expression.map_or_else(|| "absent".to_owned(), quoted),
                        &quoted(expected),
                    );
                }
            }
            Some(Value::Table(table)) => {
                if let Some(expected) = table.get("text").and_then(Value::as_str) {
                    fn words(s: &str) -> Vec<&str> {
                        s.split_whitespace().collect()
                    }
                    if text.map(words) != Some(words(expected)) {
                        self.differs(
                            "License",
                            "license.text",
                            &text.map_or_else(|| "absent".to_owned(), shown),
                            &shown(expected),
                        );
                    }
                }
            }
            None => {
                if let Some(found) = expression {
                    self.differs(
                        "License-Expression",
                        "license",
                        &quoted(found),
                        "absent (no `license` is declared and it is not in `dynamic`)",
                    );
                }
            }
            Some(_) => {}
        }
    }

    fn license_files(&mut self) {
        let Some(Some(Value::Array(globs))) = self.fixed("license-files") else {
            return;
        };
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in globs.iter().filter_map(Value::as_str) {
            match globset::GlobBuilder::new(pattern.strip_prefix("./").unwrap_or(pattern))
                .literal_separator(true)
                .build()
            {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(err) => {
                    self.error(format!(
                        "pyproject.toml's `[project]` `license-files` has a glob `{pattern}` that is not valid ({err}); expected PEP 639 glob syntax"
                    ));
                    return;
                }
            }
        }
        let Ok(set) = builder.build() else {
            return;
        };
        let patterns: Vec<&str> = globs.iter().filter_map(Value::as_str).collect();
        // As in Python's `glob`, a wildcard does not match a name that starts with `.`: a hidden
        // component must be spelled with a `.` in the pattern.
        let hidden_ok = |path: &str, pattern: &str| {
            path.split('/').all(|component| {
                !component.starts_with('.') || pattern.split('/').any(|part| part.starts_with('.'))
            })
        };
        let expected: BTreeSet<&str> = self
            .files
            .iter()
            .map(|(path, _)| path.as_str())
            .filter(|path| {
                set.matches(path)
                    .into_iter()
                    .any(|index| hidden_ok(path, patterns[index]))
            })
            .collect();
        let found: BTreeSet<&str> = self.pkg_info.get_all("License-File").into_iter().collect();
        self.set_difference("License-File", "license-files", &found, &expected);
    }

    fn people(&mut self, key: &str, field: &str) {
        let Some(people) = self.fixed(key) else {
            return;
        };
        let mut names = Vec::new();
        let mut addresses = BTreeSet::new();
        for person in people.and_then(Value::as_array).into_iter().flatten() {
            let Some(person) = person.as_table() else {
                continue;
            };
            let name = person.get("name").and_then(Value::as_str).map(str::trim);
            match person.get("email").and_then(Value::as_str) {
                Some(email) => {
                    addresses
                        .insert((name.unwrap_or_default().to_owned(), email.trim().to_owned()));
                }
                None => {
                    if let Some(name) = name {
                        names.push(name.to_owned());
                    }
                }
            }
        }
        // Names without an email are joined with ", ", and a name may hold a comma itself.
        let found_names = self.field(field).unwrap_or_default().trim();
        let same_names = found_names == names.join(", ")
            || split_list(found_names)
                .into_iter()
                .map(|name| unquote(&name))
                .collect::<BTreeSet<_>>()
                == names.iter().cloned().collect::<BTreeSet<_>>();
        if !same_names {
            let found = if found_names.is_empty() {
                "absent".to_owned()
            } else {
                quoted(found_names)
            };
            self.differs(field, key, &found, &list(names.iter().map(String::as_str)));
        }
        let email_field = format!("{field}-email");
        let found_addresses: BTreeSet<(String, String)> = self
            .field(&email_field)
            .map(addresses_of)
            .unwrap_or_default()
            .into_iter()
            .collect();
        if found_addresses != addresses {
            let show = |set: &BTreeSet<(String, String)>| {
                list(set.iter().map(|(name, email)| {
                    if name.is_empty() {
                        format!("<{email}>")
                    } else {
                        format!("{name} <{email}>")
                    }
                }))
            };
            self.differs(
                &email_field,
                key,
                &show(&found_addresses),
                &show(&addresses),
            );
        }
    }

    fn keywords(&mut self) {
        let Some(keywords) = self.fixed("keywords") else {
            return;
        };
        let expected = strings(keywords);
        let found = self.field("Keywords").unwrap_or_default();
        let by_comma: BTreeSet<&str> = found
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect();
        // Older backends joined keywords with spaces; accept that spelling when it is the only
        // difference.
        let words = |set: &BTreeSet<&str>| -> BTreeSet<String> {
            set.iter()
                .flat_map(|k| k.split_whitespace())
                .map(str::to_owned)
                .collect()
        };
        if by_comma != expected && words(&by_comma) != words(&expected) {
            self.set_difference("Keywords", "keywords", &by_comma, &expected);
        }
    }

    fn classifiers(&mut self) {
        let Some(classifiers) = self.fixed("classifiers") else {
            return;
        };
        let expected = strings(classifiers);
        let found: BTreeSet<&str> = self
            .pkg_info
            .get_all("Classifier")
            .into_iter()
            .map(str::trim)
            .collect();
        self.set_difference("Classifier", "classifiers", &found, &expected);
    }

    fn urls(&mut self) {
        let Some(urls) = self.fixed("urls") else {
            return;
        };
        let expected: BTreeSet<String> = urls
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
            .filter_map(|(label, url)| Some(format!("{}, {}", label.trim(), url.as_str()?.trim())))
            .collect();
        let found: BTreeSet<String> = self
            .pkg_info
            .get_all("Project-URL")
            .into_iter()
            .map(|value| match value.split_once(',') {
                Some((label, url)) => format!("{}, {}", label.trim(), url.trim()),
                None => value.trim().to_owned(),
            })
            .collect();
        // PEP 753 compares labels without punctuation, whitespace and case (`Source code` is
        // `Source Code`); the URL itself must be the same.
        let normalized = |set: &BTreeSet<String>| -> BTreeSet<String> {
            set.iter()
                .map(|entry| {
                    let (label, url) = entry.split_once(", ").unwrap_or(("", entry));
                    let label: String = label
                        .chars()
                        .filter(|c| !c.is_ascii_punctuation() && !c.is_whitespace())
                        .flat_map(char::to_lowercase)
                        .collect();
                    format!("{label} {url}")
                })
                .collect()
        };
        if normalized(&found) != normalized(&expected) {
            self.set_difference("Project-URL", "urls", &as_str(&found), &as_str(&expected));
        }
    }

    /// `Requires-Dist` and `Provides-Extra` from `dependencies` and `optional-dependencies`.
    fn requirements(&mut self) {
        let base = self.fixed("dependencies");
        let optional = self.fixed("optional-dependencies");
        let mut found_base = Vec::new();
        let mut found_optional = Vec::new();
        for value in self.pkg_info.get_all("Requires-Dist") {
            // Requires-Dist values that do not parse are META-* errors already.
            let Ok(requirement) = crate::metadata::requirement(value) else {
                continue;
            };
            if requirement.marker.top_level_extra().is_some() {
                found_optional.push((Key::of(&requirement), value));
            } else {
                found_base.push((Key::of(&requirement), value));
            }
        }
        if let Some(base) = base {
            let expected = self.declared(base, None, "dependencies");
            self.requirement_difference("dependencies", &found_base, &expected);
        }
        let Some(optional) = optional else {
            return;
        };
        let mut expected = Vec::new();
        let mut extras = BTreeSet::new();
        for (extra, requirements) in optional.and_then(Value::as_table).into_iter().flatten() {
            let Ok(name) = ExtraName::from_str(extra) else {
                self.error(format!(
                    "pyproject.toml's `[project]` `optional-dependencies` has an extra `{extra}` that is not a valid name"
                ));
                continue;
            };
            extras.insert(name.to_string());
            expected.extend(self.declared(
                Some(requirements),
                Some(&name),
                "optional-dependencies",
            ));
        }
        self.requirement_difference("optional-dependencies", &found_optional, &expected);
        let found_extras: BTreeSet<String> = self
            .pkg_info
            .get_all("Provides-Extra")
            .into_iter()
            .map(|extra| {
                ExtraName::from_str(extra).map_or_else(|_| extra.to_owned(), |e| e.to_string())
            })
            .collect();
        self.set_difference(
            "Provides-Extra",
            "optional-dependencies",
            &as_str(&found_extras),
            &as_str(&extras),
        );
    }

    /// The requirements of a `dependencies` array, each with `extra == "{extra}"` added to its
    /// marker when it belongs to an extra.
    fn declared(
        &mut self,
        array: Option<&Value>,
        extra: Option<&ExtraName>,
        key: &str,
    ) -> Vec<(Key, String)> {
        let mut out = Vec::new();
        for text in array
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let Ok(mut requirement) = crate::metadata::requirement(text) else {
                self.error(format!(
                    "pyproject.toml's `[project]` `{key}` has `{text}`, which is not a valid PEP 508 requirement"
                ));
                continue;
            };
            if let Some(extra) = extra {
                let marker = MarkerTree::from_str(&format!("extra == \"{extra}\""))
                    .expect("a valid extra name makes a valid marker");
                requirement.marker.and(marker);
            }
            out.push((Key::of(&requirement), text.to_owned()));
        }
        out
    }

    fn requirement_difference(
        &mut self,
        key: &str,
        found: &[(Key, &str)],
        expected: &[(Key, String)],
    ) {
        let mut unmatched: Vec<&(Key, String)> = expected.iter().collect();
        let mut extra = Vec::new();
        for (key_found, text) in found {
            match unmatched.iter().position(|(k, _)| k == key_found) {
                Some(at) => {
                    unmatched.remove(at);
                }
                None => extra.push(*text),
            }
        }
        if extra.is_empty() && unmatched.is_empty() {
            return;
        }
        let mut parts = Vec::new();
        if !extra.is_empty() {
            parts.push(format!(
                "`PKG-INFO` has {} that pyproject.toml does not declare",
                list(extra.iter().copied())
            ));
        }
        if !unmatched.is_empty() {
            parts.push(format!(
                "pyproject.toml declares {} that `PKG-INFO` lacks",
                list(unmatched.iter().map(|(_, text)| text.as_str()))
            ));
        }
        self.error(format!(
            "`PKG-INFO` field `Requires-Dist` differs from pyproject.toml's `[project]` `{key}`: {}; expected the requirements the committed pyproject.toml declares",
            parts.join(", and ")
        ));
    }

    fn set_difference(
        &mut self,
        field: &str,
        key: &str,
        found: &BTreeSet<&str>,
        expected: &BTreeSet<&str>,
    ) {
        if found == expected {
            return;
        }
        let extra: Vec<&str> = found.difference(expected).copied().collect();
        let missing: Vec<&str> = expected.difference(found).copied().collect();
        let mut parts = Vec::new();
        if !extra.is_empty() {
            parts.push(format!(
                "`PKG-INFO` has {} that pyproject.toml does not declare",
                list(extra)
            ));
        }
        if !missing.is_empty() {
            parts.push(format!(
                "pyproject.toml declares {} that `PKG-INFO` lacks",
                list(missing)
            ));
        }
        self.field_differs(field, format!(
            "`PKG-INFO` field `{field}` differs from pyproject.toml's `[project]` `{key}`: {}; expected the metadata the committed pyproject.toml declares",
            parts.join(", and ")
        ));
    }
}

/// The trimmed strings of a TOML array (none when absent or not an array).
fn strings(value: Option<&Value>) -> BTreeSet<&str> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::trim)
        .collect()
}

fn as_str(set: &BTreeSet<String>) -> BTreeSet<&str> {
    set.iter().map(String::as_str).collect()
}

/// A requirement with the spelling backends may change taken out: the name and extras are
/// normalized and sorted, the specifiers sorted, and the marker is pep508_rs' canonical tree
/// (so `a and extra == "x"` equals `(a) and extra == 'x'`).
#[derive(PartialEq, Eq)]
struct Key {
    name: PackageName,
    extras: BTreeSet<ExtraName>,
    specifiers: BTreeSet<(String, Version)>,
    url: Option<String>,
    marker: MarkerTree,
}

impl Key {
    fn of(requirement: &Requirement<pep508_rs::VerbatimUrl>) -> Self {
        let (specifiers, url) = match &requirement.version_or_url {
            None => (BTreeSet::new(), None),
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => (
                specifiers.iter().flat_map(canonical_specifier).collect(),
                None,
            ),
            Some(VersionOrUrl::Url(url)) => (BTreeSet::new(), Some(url.to_string())),
        };
        Key {
            name: requirement.name.clone(),
            extras: requirement.extras.iter().cloned().collect(),
            specifiers,
            url,
            marker: requirement.marker.clone(),
        }
    }
}

/// A specifier as (operator, version), with `~=X.Y` spelled out as `>=X.Y` and `<X+1`, as
/// poetry-core writes it (versions compare as PEP 440 says, so `24` equals `24.0`).
fn canonical_specifier(specifier: &pep440_rs::VersionSpecifier) -> Vec<(String, Version)> {
    let version = specifier.version();
    let release = version.release();
    if *specifier.operator() == pep440_rs::Operator::TildeEqual && release.len() >= 2 {
        let mut upper: Vec<u64> = release[..release.len() - 1].to_vec();
        if let Some(last) = upper.last_mut() {
            *last = last.saturating_add(1);
        }
        let upper = Version::new(upper).with_epoch(version.epoch());
        return vec![(">=".to_owned(), version.clone()), ("<".to_owned(), upper)];
    }
    vec![(specifier.operator().to_string(), version.clone())]
}

/// Whether `description` is the readme `text` as backends copy it: read with universal newlines
/// (CRLF and CR become LF), some adding a final newline.
fn same_text(description: &str, text: &str) -> bool {
    let lines = |text: &str| text.replace("\r\n", "\n").replace('\r', "\n");
    lines(description).trim_end_matches('\n') == lines(text).trim_end_matches('\n')
}

/// Whether `description` is, up to trailing newlines and uniform CRLF line ends, the text whose
/// sha256 is `digest` (for a readme whose content was not kept).
fn same_text_digest(description: &str, digest: &[u8; 32]) -> bool {
    let trimmed = description.trim_end_matches(['\n', '\r']);
    let lf = trimmed.replace("\r\n", "\n");
    let crlf = lf.replace('\n', "\r\n");
    [(lf, "\n"), (crlf, "\r\n")].iter().any(|(base, newline)| {
        (0..=4).any(|count| {
            let mut hasher = Sha256::new();
            hasher.update(base.as_bytes());
            hasher.update(newline.repeat(count).as_bytes());
            hasher.finalize().as_slice() == digest
        })
    })
}

/// The media type of a `Description-Content-Type`, lowercased, without parameters.
fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Splits a comma-separated list of names or addresses, keeping commas inside quotes and `<>`.
fn split_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    for c in value.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current);
    items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// The (name, email) pairs of an `Author-email`-style list. A piece between commas with neither
/// `<` nor `@` is part of the next one's display name (`Ann, B. <ann@example.org>`, as some
/// backends write it unquoted).
fn addresses_of(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for item in split_list(value) {
        if !item.contains('<') && !item.contains('@') {
            pending.push_str(&item);
            pending.push_str(", ");
            continue;
        }
        let joined = std::mem::take(&mut pending) + &item;
        out.push(address(&joined));
    }
    if !pending.is_empty() {
        out.push((
            String::new(),
            pending.trim_end_matches([',', ' ']).to_owned(),
        ));
    }
    out
}

/// `"Name" <email>`, `Name <email>`, `<email>` or `email` as (name, email).
fn address(item: &str) -> (String, String) {
    match (item.rfind('<'), item.rfind('>')) {
        (Some(open), Some(close)) if open < close => (
            unquote(item[..open].trim()),
            item[open + 1..close].trim().to_owned(),
        ),
        _ => (String::new(), item.trim().to_owned()),
    }
}

fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => text.to_owned(),
    }
}

fn quoted(text: &str) -> String {
    format!("`{text}`")
}

/// A value for a message: quoted, cut at 80 characters, or "empty".
fn shown(text: &str) -> String {
    if text.is_empty() {
        return "empty".to_owned();
    }
    let cut: String = text.chars().take(80).collect();
    if cut.len() < text.len() {
        format!("`{cut}...`")
    } else {
        quoted(&cut)
    }
}

/// Items as `a`, `b`, or "none".
fn list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items
        .into_iter()
        .map(|item| quoted(item.as_ref()))
        .collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Findings;

    const README: &str = "# demo\r\n\r\nHello.\r\n";

    fn files() -> Vec<(String, [u8; 32])> {
        let sha = |text: &str| Sha256::digest(text.as_bytes()).into();
        vec![
            ("README.md".to_owned(), sha(README)),
            ("LICENSE".to_owned(), sha("MIT")),
            ("LICENSES/Apache-2.0.txt".to_owned(), sha("Apache")),
            ("LICENSES/.hidden".to_owned(), sha("hidden")),
            ("docs/LICENSE.old".to_owned(), sha("old")),
            ("src/demo/__init__.py".to_owned(), sha("")),
        ]
    }

    fn differences(pkg_info: &str, project: &str, kept: &[(String, Vec<u8>)]) -> Vec<Difference> {
        let mut findings = Findings::new(None);
        let metadata = crate::metadata::parse(pkg_info.as_bytes(), "PKG-INFO", &mut findings)
            .expect("test PKG-INFO parses");
        let pyproject = format!("[build-system]\nrequires = []\n\n[project]\n{project}");
        compare(&metadata, &pyproject, &files(), kept)
    }

    fn problems(pkg_info: &str, project: &str) -> Vec<String> {
        differences(pkg_info, project, &[])
            .into_iter()
            .map(|difference| difference.message)
            .collect()
    }

    const PROJECT: &str = r#"name = "Demo.Pkg"
version = "1.0"
description = "A demo"
readme = "README.md"
requires-python = ">=3.9,<4"
license = "MIT OR Apache-2.0"
license-files = ["LICEN[CS]E*", "LICENSES/*"]
authors = [{ name = "Ann, B." , email = "ann@example.org" }, { name = "Bob" }, { email = "ops@example.org" }]
keywords = ["zeta", "alpha"]
classifiers = ["Typing :: Typed", "Programming Language :: Python"]
dependencies = ["requests[socks,security] >=2, <3 ; python_version < '3.13'", "Foo_Bar"]
urls = { Source = "https://example.org/src" }

[project.optional-dependencies]
Test_Suite = ["pytest>=8", "cov; os_name == 'nt' or sys_platform == 'darwin'"]
"#;

    /// The same metadata in the spelling a backend may choose: another order, normalized
    /// names, sorted specifiers, canonical markers, a quoted display name and a trailing newline
    /// after the readme with LF line ends.
    const PKG_INFO: &str = "Metadata-Version: 2.4
Name: demo-pkg
Version: 1.0.0
Summary: A demo
Author: Bob
Author-email: \"Ann, B.\" <ann@example.org>, ops@example.org
License-Expression: mit OR apache-2.0
License-File: LICENSE
License-File: LICENSES/Apache-2.0.txt
Keywords: alpha,zeta
Classifier: Programming Language :: Python
Classifier: Typing :: Typed
Requires-Python: <4,>=3.9
Requires-Dist: foo-bar
Requires-Dist: requests[security,socks]<3,>=2; python_version < \"3.13\"
Requires-Dist: pytest>=8; extra == \"test-suite\"
Requires-Dist: cov; (os_name == \"nt\" or sys_platform == \"darwin\") and extra == \"test-suite\"
Project-URL: Source, https://example.org/src
Provides-Extra: test-suite
Description-Content-Type: text/markdown; charset=UTF-8

# demo

Hello.

";

    #[test]
    fn ok_backend_spelling_is_no_difference() {
        assert_eq!(problems(PKG_INFO, PROJECT), Vec::<String>::new());
    }

    #[test]
    fn err_each_static_field_that_differs_is_named() {
        let cases = [
            ("Name: demo-pkg", "Name: demo-pkg2", "`Name`"),
            ("Version: 1.0.0", "Version: 1.0.1", "`Version`"),
            ("Summary: A demo", "Summary: A demo!", "`Summary`"),
            ("Author: Bob", "Author: Bob, Eve", "`Author`"),
            ("ops@example.org", "ops@example.net", "`Author-email`"),
            ("mit OR apache-2.0", "MIT", "`License-Expression`"),
            ("License-File: LICENSE\n", "", "`License-File`"),
            ("alpha,zeta", "alpha,beta", "`Keywords`"),
            ("Classifier: Typing :: Typed\n", "", "`Classifier`"),
            ("<4,>=3.9", ">=3.8", "`Requires-Python`"),
            (
                "Requires-Dist: foo-bar\n",
                "Requires-Dist: foo-bar>=0\n",
                "`dependencies`",
            ),
            (
                "\"test-suite\"\nRequires-Dist: cov",
                "\"test-suite\"\nRequires-Dist: evil; extra == \"test-suite\"\nRequires-Dist: cov",
                "`optional-dependencies`: `PKG-INFO` has `evil; extra == \"test-suite\"`",
            ),
            (
                "Provides-Extra: test-suite",
                "Provides-Extra: test-suite\nProvides-Extra: all",
                "`Provides-Extra`",
            ),
            (
                "https://example.org/src",
                "https://example.org/src2",
                "`Project-URL`",
            ),
            ("Source, https", "Sources, https", "`Project-URL`"),
            ("text/markdown", "text/x-rst", "`Description-Content-Type`"),
            (
                "Hello.",
                "Hello!",
                "description is not the content of `README.md`",
            ),
        ];
        for (from, to, expected) in cases {
            let changed = PKG_INFO.replacen(from, to, 1);
            assert_ne!(changed, PKG_INFO, "{from}");
            let found = problems(&changed, PROJECT);
            assert!(
                found.len() == 1 && found[0].contains(expected),
                "{from} -> {to}: {found:#?}"
            );
        }
    }

    #[test]
    fn err_a_field_pyproject_leaves_static_and_absent_must_be_absent() {
        let project = PROJECT.replace("keywords = [\"zeta\", \"alpha\"]\n", "");
        let found = problems(PKG_INFO, &project);
        assert!(
            found.len() == 1
                && found[0].contains("`Keywords`")
                && found[0].contains(
                    "`PKG-INFO` has `alpha`, `zeta` that pyproject.toml does not declare"
                ),
            "{found:#?}"
        );
        let project = PROJECT.replace("readme = \"README.md\"\n", "");
        let found = problems(PKG_INFO, &project);
        assert!(
            found.len() == 1 && found[0].contains("declares no `readme`"),
            "{found:#?}"
        );
    }

    #[test]
    fn ok_dynamic_keys_are_not_compared() {
        let project = PROJECT.replace(
            "name = \"Demo.Pkg\"\n",
            "name = \"Demo.Pkg\"\ndynamic = [\"keywords\", \"dependencies\", \"readme\"]\n",
        );
        let project = project
            .replace("keywords = [\"zeta\", \"alpha\"]\n", "")
            .replace("readme = \"README.md\"\n", "")
            .replace("dependencies = [", "optional = [");
        let changed = PKG_INFO
            .replace("alpha,zeta", "anything")
            .replace(
                "Requires-Dist: foo-bar\n",
                "Requires-Dist: something-else\n",
            )
            .replace("Hello.", "Another text.");
        assert_eq!(problems(&changed, &project), Vec::<String>::new());
        // An extra's requirement is still judged when only `dependencies` is dynamic.
        let changed = changed.replace("pytest>=8", "pytest>=7");
        let found = problems(&changed, &project);
        assert!(
            found.len() == 1 && found[0].contains("`optional-dependencies`"),
            "{found:#?}"
        );
    }

    #[test]
    fn ok_no_project_table_fixes_nothing() {
        let mut findings = Findings::new(None);
        let metadata =
            crate::metadata::parse(PKG_INFO.as_bytes(), "PKG-INFO", &mut findings).unwrap();
        let pyproject = "[build-system]\nrequires = [\"setuptools\"]\n";
        assert!(compare(&metadata, pyproject, &files(), &[]).is_empty());
        let broken = compare(&metadata, "[project", &files(), &[]);
        assert!(
            broken.len() == 1 && broken[0].message.contains("not valid TOML"),
            "{broken:?}"
        );
    }

    #[test]
    fn err_readme_missing_from_the_sdist_or_text_differs() {
        let project = PROJECT.replace("readme = \"README.md\"", "readme = \"docs/README.md\"");
        let found = problems(PKG_INFO, &project);
        assert!(
            found.len() == 1 && found[0].contains("`docs/README.md`, which is not in the sdist"),
            "{found:#?}"
        );
        let project = PROJECT.replace(
            "readme = \"README.md\"",
            "readme = { text = \"# demo\\n\\nHello.\", content-type = \"text/markdown\" }",
        );
        assert_eq!(problems(PKG_INFO, &project), Vec::<String>::new());
        let found = problems(&PKG_INFO.replace("Hello.", "Bye."), &project);
        assert!(
            found.len() == 1 && found[0].contains("`text`"),
            "{found:#?}"
        );
    }

    /// What real backends write that the old comparison got wrong: a display name holding a
    /// comma (quoted or not), `~=` spelled out by poetry-core, a license from a backend that
    /// predates PEP 639, and a readme with mixed line ends and several trailing newlines.
    #[test]
    fn ok_backend_quirks_that_say_the_same() {
        let project = PROJECT
            .replace(
                "{ name = \"Bob\" }",
                "{ name = \"Acme, Inc.\" }, { name = \"Bob\" }",
            )
            .replace("\"pytest>=8\"", "\"pytest~=8.1\"");
        let pkg_info = PKG_INFO
            .replace("Author: Bob", "Author: Acme, Inc., Bob")
            .replace("\"Ann, B.\" <ann@example.org>", "Ann, B. <ann@example.org>")
            .replace("pytest>=8;", "pytest (>=8.1,<9.0);");
        assert_eq!(problems(&pkg_info, &project), Vec::<String>::new());
        // PEP 753 label normalization: pdm-backend 2.1 wrote `Source code` for `Source Code`.
        let label = PKG_INFO.replace("Project-URL: Source,", "Project-URL: source_,");
        assert_eq!(problems(&label, PROJECT), Vec::<String>::new());

        let legacy = PKG_INFO.replace(
            "License-Expression: mit OR apache-2.0",
            "License: MIT OR Apache-2.0",
        );
        let found = differences(&legacy, PROJECT, &[]);
        assert!(
            found.len() == 1
                && found[0].severity == Severity::Warning
                && found[0].message.contains("PEP 639"),
            "{found:#?}"
        );

        let readme = "# demo\r\n\nHello.\r\n\n\n\n\n\n";
        let kept = [("README.md".to_owned(), readme.as_bytes().to_vec())];
        assert_eq!(differences(PKG_INFO, PROJECT, &kept), Vec::new());
        let kept = [("README.md".to_owned(), b"# demo\n\nHello!\n".to_vec())];
        let found = differences(PKG_INFO, PROJECT, &kept);
        assert!(
            found.len() == 1 && found[0].message.contains("not the content of `README.md`"),
            "{found:#?}"
        );
    }

    /// poetry-core writes an author's name and email into two fields and adds classifiers; such
    /// differences in fields that change no install and no link are warnings.
    #[test]
    fn warn_presentation_fields_errors_elsewhere() {
        let poetry = PKG_INFO
            .replace("Author: Bob", "Author: Ann, B.")
            .replace(
                "\"Ann, B.\" <ann@example.org>, ops@example.org",
                "ann@example.org",
            )
            .replace(
                "Classifier: Typing :: Typed\n",
                "Classifier: Typing :: Typed\nClassifier: Programming Language :: Python :: 3.12\n",
            );
        let found = differences(&poetry, PROJECT, &[]);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found.iter().all(|d| d.severity == Severity::Warning),
            "{found:#?}"
        );

        let url = PKG_INFO.replace("https://example.org/src", "https://example.net/src");
        let found = differences(&url, PROJECT, &[]);
        assert!(
            found.len() == 1 && found[0].severity == Severity::Error,
            "{found:#?}"
        );
    }

    #[test]
    fn err_requirement_missing_from_pkg_info_is_worded_from_pyproject() {
        let changed = PKG_INFO.replace("Requires-Dist: pytest>=8; extra == \"test-suite\"\n", "");
        let found = problems(&changed, PROJECT);
        assert!(
            found.len() == 1
                && found[0].contains(
                    "`optional-dependencies`: pyproject.toml declares `pytest>=8` that `PKG-INFO` lacks"
                ),
            "{found:#?}"
        );
    }

    /// pep508_rs panics on a name ending in `-`: such requirements on either side are reported,
    /// not parsed (fuzz regression `pep508-name-ends-in-dash`).
    #[test]
    fn err_requirement_names_pep508_rs_would_panic_on() {
        let changed = PKG_INFO.replace("Requires-Dist: foo-bar\n", "Requires-Dist: foo-bar-\n");
        let found = problems(&changed, PROJECT);
        assert!(
            found.len() == 1 && found[0].contains("pyproject.toml declares `Foo_Bar`"),
            "{found:#?}"
        );
        let project = PROJECT.replace("\"Foo_Bar\"", "\"Foo_Bar-\"");
        let found = problems(PKG_INFO, &project);
        assert!(
            found
                .iter()
                .any(|p| p.contains("`Foo_Bar-`, which is not a valid PEP 508 requirement")),
            "{found:#?}"
        );
    }

    /// A field marked `Dynamic` whose key is static would let wheels differ; `Home-page` and
    /// `Download-URL` must be among the declared URLs.
    #[test]
    fn err_dynamic_marks_and_legacy_urls() {
        let marked = PKG_INFO.replace(
            "Provides-Extra: test-suite\n",
            "Provides-Extra: test-suite\nDynamic: Requires-Dist\nDynamic: license-file\nDynamic: Keywords\n",
        );
        let found = differences(&marked, PROJECT, &[]);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].severity == Severity::Error
                && found[0]
                    .message
                    .contains("marks `Requires-Dist` as `Dynamic`"),
            "{found:#?}"
        );
        assert!(
            found[1].severity == Severity::Warning
                && found[1].message.contains("marks `Keywords` as `Dynamic`"),
            "{found:#?}"
        );
        // setuptools marks `license-file` dynamic even when `license-files` is static: not
        // reported.
        let project = PROJECT
            .replace(
                "name = \"Demo.Pkg\"\n",
                "name = \"Demo.Pkg\"\ndynamic = [\"dependencies\"]\n",
            )
            .replace("dependencies = [", "optional = [");
        let allowed = marked
            .replace("Requires-Dist: foo-bar\n", "")
            .replace("Dynamic: Keywords\n", "");
        let found = differences(&allowed, &project, &[]);
        assert!(found.is_empty(), "{found:#?}");

        let other = PKG_INFO.replace(
            "Provides-Extra: test-suite\n",
            "Provides-Extra: test-suite\nDynamic: Obsoletes-Dist\n",
        );
        let found = differences(&other, PROJECT, &[]);
        assert!(
            found.len() == 1
                && found[0].severity == Severity::Warning
                && found[0]
                    .message
                    .contains("marks `Obsoletes-Dist` as `Dynamic`"),
            "{found:#?}"
        );

        let home = PKG_INFO.replace(
            "Project-URL:",
            "Home-page: https://example.org/src\nProject-URL:",
        );
        assert!(problems(&home, PROJECT).is_empty());
        let phishing = PKG_INFO.replace(
            "Project-URL:",
            "Download-URL: https://evil.example/dl\nProject-URL:",
        );
        let found = problems(&phishing, PROJECT);
        assert!(
            found.len() == 1
                && found[0]
                    .contains("`Download-URL` is `https://evil.example/dl`, which is none of"),
            "{found:#?}"
        );
    }
}
