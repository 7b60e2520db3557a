//! Target index capabilities: which rules the chosen index enforces server-side.
//!
//! PyPI's rules are read from warehouse (see `verify-rules.md` §1.5, §2.1 FN-05, §2.7 META-02).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The index the artifacts are meant for. It selects the server-side rules to apply offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// pypi.org.
    Pypi,
    /// test.pypi.org: the same rules as PyPI.
    Testpypi,
    /// Any other index with the legacy upload API (pypiserver, devpi, Artifactory, ...).
    Generic,
}

impl Target {
    /// Whether this index runs warehouse, and so PyPI's server-side rules.
    #[must_use]
    pub fn is_warehouse(self) -> bool {
        matches!(self, Target::Pypi | Target::Testpypi)
    }

    /// The highest `Metadata-Version` the index accepts, as (major, minor).
    #[must_use]
    pub fn max_metadata_version(self) -> (u32, u32) {
        // See: warehouse `forklift/metadata.py` SUPPORTED_METADATA_VERSIONS (2026-08).
        if self.is_warehouse() { (2, 5) } else { (2, 6) }
    }

    /// Whether versions with a local segment (`1.0+local`) are accepted.
    #[must_use]
    pub fn allows_local_versions(self) -> bool {
        !self.is_warehouse()
    }

    /// The per-file upload limit in bytes, if the index has a known default.
    #[must_use]
    pub fn max_file_size(self) -> Option<u64> {
        // See: warehouse `constants.py`, MAX_FILESIZE = 100 MiB.
        self.is_warehouse().then_some(100 * 1024 * 1024)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Target::Pypi => "pypi",
            Target::Testpypi => "testpypi",
            Target::Generic => "generic",
        })
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pypi" => Ok(Target::Pypi),
            "testpypi" => Ok(Target::Testpypi),
            "generic" => Ok(Target::Generic),
            other => Err(format!(
                "unknown target `{other}`: expected `pypi`, `testpypi` or `generic`"
            )),
        }
    }
}
