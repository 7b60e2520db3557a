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

    /// Whether the index accepts wheels with this platform tag (FN-05). Only warehouse keeps an
    /// allow-list; other indexes take any syntactically valid tag.
    #[must_use]
    pub fn allows_platform_tag(self, tag: &str) -> bool {
        !self.is_warehouse() || pypi_platform_tag(tag)
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

/// Whether warehouse's upload check accepts this platform tag.
///
/// See: warehouse `forklift/legacy.py::_valid_platform_tag` (6b62157), `verify-rules.md` FN-05.
fn pypi_platform_tag(tag: &str) -> bool {
    const FIXED: &[&str] = &[
        "any",
        "win32",
        "win_amd64",
        "win_arm64",
        "win_ia64",
        "linux_armv6l",
        "linux_armv7l",
    ];
    const LINUX_ARCHES: &[&str] = &[
        "x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "riscv64",
    ];
    if FIXED.contains(&tag) {
        return true;
    }
    if let Some(rest) = tag
        .strip_prefix("manylinux_")
        .or(tag.strip_prefix("musllinux_"))
    {
        return version_then_arch(rest, 2).is_some_and(|(_, arch)| LINUX_ARCHES.contains(&arch));
    }
    if let Some(rest) = tag.strip_prefix("manylinux") {
        return legacy_manylinux(rest);
    }
    if let Some(rest) = tag.strip_prefix("macosx_") {
        return macosx(rest);
    }
    if let Some(rest) = tag.strip_prefix("ios_") {
        return ios(rest);
    }
    if let Some(rest) = tag.strip_prefix("android_") {
        return android(rest);
    }
    if let Some(rest) = tag.strip_prefix("pyemscripten_") {
        return version_then_arch(rest, 2).is_some_and(|(_, arch)| arch == "wasm32");
    }
    false
}

/// Splits `N_N_arch` (with `parts` numeric parts) into the numbers and the arch.
fn version_then_arch(rest: &str, parts: usize) -> Option<(Vec<u32>, &str)> {
    let mut numbers = Vec::with_capacity(parts);
    let mut tail = rest;
    for _ in 0..parts {
        let (number, after) = tail.split_once('_')?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        numbers.push(number.parse().ok()?);
        tail = after;
    }
    (!tail.is_empty()).then_some((numbers, tail))
}

fn legacy_manylinux(rest: &str) -> bool {
    let Some((policy, arch)) = rest.split_once('_') else {
        return false;
    };
    match policy {
        "1" | "2010" => matches!(arch, "x86_64" | "i686"),
        "2014" => matches!(
            arch,
            "x86_64" | "i686" | "aarch64" | "armv7l" | "ppc64" | "ppc64le" | "s390x"
        ),
        _ => false,
    }
}

fn macosx(rest: &str) -> bool {
    const ARCHES: &[&str] = &[
        "ppc",
        "ppc64",
        "i386",
        "x86_64",
        "arm64",
        "intel",
        "fat",
        "fat3",
        "fat64",
        "universal",
        "universal2",
    ];
    let Some((numbers, arch)) = version_then_arch(rest, 2) else {
        return false;
    };
    let major_ok = match numbers[0] {
        10 => true,
        11..=15 | 26 => numbers[1] == 0,
        _ => false,
    };
    major_ok && ARCHES.contains(&arch)
}

fn ios(rest: &str) -> bool {
    let Some((_, tail)) = version_then_arch(rest, 2) else {
        return false;
    };
    let Some((arch, sdk)) = tail.rsplit_once('_') else {
        return false;
    };
    matches!(arch, "arm64" | "x86_64") && matches!(sdk, "iphoneos" | "iphonesimulator")
}

fn android(rest: &str) -> bool {
    version_then_arch(rest, 1)
        .is_some_and(|(_, arch)| matches!(arch, "armeabi_v7a" | "arm64_v8a" | "x86" | "x86_64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_accepts_known_platform_tags() {
        for tag in [
            "any",
            "win_amd64",
            "manylinux2014_x86_64",
            "manylinux_2_17_aarch64",
            "musllinux_1_2_x86_64",
            "macosx_10_9_universal2",
            "macosx_14_0_arm64",
            "ios_13_0_arm64_iphoneos",
            "android_21_arm64_v8a",
            "pyemscripten_2025_0_wasm32",
        ] {
            assert!(Target::Pypi.allows_platform_tag(tag), "{tag}");
        }
    }

    #[test]
    fn pypi_rejects_linux_and_odd_platform_tags() {
        for tag in [
            "linux_x86_64",
            "macosx_14_1_arm64",
            "manylinux_2_17_sparc",
            "manylinux2010_aarch64",
            "win_amd64x",
        ] {
            assert!(!Target::Pypi.allows_platform_tag(tag), "{tag}");
            assert!(Target::Generic.allows_platform_tag(tag), "{tag}");
        }
    }
}
