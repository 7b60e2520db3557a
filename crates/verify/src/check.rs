//! Findings: what a check found, under which catalogue id, and how bad it is.

use std::fmt;

use serde::Serialize;

/// A stable check id from the catalogue (`ZIP-05`, `REC-07`, `META-15`, ...).
///
/// Ids never change meaning, so they can be matched on by scripts and suppressed by config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CheckId(pub &'static str);

impl CheckId {
    /// The id as written in the catalogue.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The group prefix, e.g. `ZIP` for `ZIP-05`.
    #[must_use]
    pub fn group(self) -> &'static str {
        self.0.split_once('-').map_or(self.0, |(group, _)| group)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// How much a finding blocks a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported, never blocks, even under `--strict`.
    Info,
    /// Blocks only under `--strict`.
    Warning,
    /// Always blocks the release.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One thing a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The catalogue id of the rule that fired.
    pub id: CheckId,
    /// The severity the catalogue gives this finding (before `--strict`).
    pub severity: Severity,
    /// The artifact's file name, or `None` for findings about the artifact set as a whole.
    pub artifact: Option<String>,
    /// The archive member (or metadata field) the finding concerns, if any.
    pub member: Option<String>,
    /// What was found and what was expected.
    pub message: String,
}

impl Finding {
    /// The severity after applying `--strict`, which turns warnings into errors.
    #[must_use]
    pub fn effective_severity(&self, strict: bool) -> Severity {
        match self.severity {
            Severity::Warning if strict => Severity::Error,
            severity => severity,
        }
    }
}

/// A sink that collects findings for one artifact (or for the whole set).
#[derive(Debug, Default)]
pub struct Findings {
    artifact: Option<String>,
    items: Vec<Finding>,
}

impl Findings {
    /// A sink for findings about `artifact` (a file name), or about the set when `None`.
    #[must_use]
    pub fn new(artifact: Option<&str>) -> Self {
        Self {
            artifact: artifact.map(str::to_owned),
            items: Vec::new(),
        }
    }

    /// Records an error.
    pub fn error(&mut self, id: CheckId, member: Option<&str>, message: impl Into<String>) {
        self.push(id, Severity::Error, member, message.into());
    }

    /// Records a warning.
    pub fn warn(&mut self, id: CheckId, member: Option<&str>, message: impl Into<String>) {
        self.push(id, Severity::Warning, member, message.into());
    }

    /// Records an informational finding.
    pub fn info(&mut self, id: CheckId, member: Option<&str>, message: impl Into<String>) {
        self.push(id, Severity::Info, member, message.into());
    }

    /// Records a finding with an explicit severity.
    pub fn push(&mut self, id: CheckId, severity: Severity, member: Option<&str>, message: String) {
        self.items.push(Finding {
            id,
            severity,
            artifact: self.artifact.clone(),
            member: member.map(str::to_owned),
            message,
        });
    }

    /// Moves all findings of `other` into this sink, keeping their artifact names.
    pub fn extend(&mut self, other: Findings) {
        self.items.extend(other.items);
    }

    /// Whether any finding with this id was recorded.
    #[must_use]
    pub fn has(&self, id: CheckId) -> bool {
        self.items.iter().any(|finding| finding.id == id)
    }

    /// The findings recorded so far.
    #[must_use]
    pub fn as_slice(&self) -> &[Finding] {
        &self.items
    }

    /// Consumes the sink.
    #[must_use]
    pub fn into_vec(self) -> Vec<Finding> {
        self.items
    }
}
