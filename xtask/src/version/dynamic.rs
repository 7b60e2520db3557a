//! Dynamic versions (`dynamic = ["version"]` in `[project]`): the static `__version__ = "..."`
//! line that flit reads from the package's module and hatch reads from `[tool.hatch.version]
//! path`, found and rewritten without running any Python. Versions derived from git tags
//! (setuptools-scm, hatch-vcs, ...) are recognised and refused with the reason, never guessed.
//!
//! See: https://flit.pypa.io/en/stable/pyproject_toml.html (the module's `__version__`)
//! See: https://hatch.pypa.io/latest/version/ (the `regex` source and its `path`)

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::bail;

use super::ProjectVersion;

/// Build requirements that derive the version from version control.
const VCS_VERSION_TOOLS: &[&str] = &[
    "setuptools-scm",
    "hatch-vcs",
    "versioningit",
    "dunamai",
    "poetry-dynamic-versioning",
    "setuptools-git-versioning",
    "flit-scm",
];

/// Reads the dynamic version of the project in `project_dir` whose parsed `pyproject.toml` (at
/// `pyproject`) is `document`.
pub(super) fn read(
    project_dir: &Path,
    document: &toml::Table,
    pyproject: &Path,
) -> anyhow::Result<ProjectVersion> {
    let file = pyproject.display();
    if let Some(tool) = vcs_tool(document) {
        bail!(
            "`{file}` takes its version from git through {tool} (`dynamic = [\"version\"]`): pyship does not derive or set VCS versions; expected a literal `project.version` or a static `__version__ = \"...\"`"
        );
    }
    let relative = version_file(project_dir, document, pyproject)?;
    let path = project_dir.join(&relative);
    let text = fs_err::read_to_string(&path)?;
    let text = module_version(&text).map_err(|why| {
        anyhow::anyhow!(
            "`{}` (the version file of `{file}`, where `project.dynamic` lists `version`) {why}",
            path.display()
        )
    })?;
    Ok(ProjectVersion {
        text: text.to_owned(),
        file: relative,
    })
}

/// The tool that derives the version from git, if the project uses one.
fn vcs_tool(document: &toml::Table) -> Option<String> {
    let hatch_source = lookup(document, &["tool", "hatch", "version", "source"]);
    if hatch_source.and_then(toml::Value::as_str) == Some("vcs") {
        return Some("hatch-vcs (`[tool.hatch.version] source = \"vcs\"`)".to_owned());
    }
    if lookup(document, &["tool", "hatch", "version", "path"]).is_some() {
        return None;
    }
    if lookup(document, &["tool", "setuptools_scm"]).is_some() {
        return Some("setuptools-scm (`[tool.setuptools_scm]`)".to_owned());
    }
    let pdm_source = lookup(document, &["tool", "pdm", "version", "source"]);
    if pdm_source.and_then(toml::Value::as_str) == Some("scm") {
        return Some("pdm-backend (`[tool.pdm.version] source = \"scm\"`)".to_owned());
    }
    build_requires(document).find_map(|requirement| {
        let name = requirement_name(requirement);
        VCS_VERSION_TOOLS
            .contains(&name.as_str())
            .then(|| format!("{name} (in `build-system.requires`)"))
    })
}

fn build_requires(document: &toml::Table) -> impl Iterator<Item = &str> {
    lookup(document, &["build-system", "requires"])
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
}

/// The PEP 503 normalized project name at the start of a PEP 508 requirement.
fn requirement_name(requirement: &str) -> String {
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    requirement[..end]
        .to_ascii_lowercase()
        .replace(['_', '.'], "-")
}

fn lookup<'a>(document: &'a toml::Table, keys: &[&str]) -> Option<&'a toml::Value> {
    let (first, rest) = keys.split_first()?;
    rest.iter()
        .try_fold(document.get(*first)?, |value, key| value.get(*key))
}

/// The file holding `__version__`, relative to the project directory.
fn version_file(
    project_dir: &Path,
    document: &toml::Table,
    pyproject: &Path,
) -> anyhow::Result<PathBuf> {
    let file = pyproject.display();
    if let Some(hatch) = lookup(document, &["tool", "hatch", "version"]) {
        if hatch.get("pattern").is_some() {
            bail!(
                "`{file}` sets `[tool.hatch.version] pattern`, which pyship does not read: expected the default `__version__ = \"...\"` line"
            );
        }
        let Some(path) = hatch.get("path").and_then(toml::Value::as_str) else {
            bail!(
                "`{file}` has `[tool.hatch.version]` without `path`: expected the file that holds `__version__`"
            );
        };
        return Ok(PathBuf::from(path));
    }
    if let Some(pdm) = lookup(document, &["tool", "pdm", "version"]) {
        let source = pdm.get("source").and_then(toml::Value::as_str);
        let path = pdm.get("path").and_then(toml::Value::as_str);
        return match (source, path) {
            (Some("file"), Some(path)) => Ok(PathBuf::from(path)),
            _ => bail!(
                "`{file}` has `[tool.pdm.version]` with source {}: pyship reads only `source = \"file\"` with a `path` holding `__version__`",
                source.map_or("unset".to_owned(), |s| format!("`{s}`"))
            ),
        };
    }
    if let Some(version) = lookup(document, &["tool", "setuptools", "dynamic", "version"]) {
        return setuptools_attr_file(project_dir, document, version, pyproject);
    }
    let backend = lookup(document, &["build-system", "build-backend"])
        .and_then(toml::Value::as_str)
        .unwrap_or("");
    if backend.starts_with("flit_core") || lookup(document, &["tool", "flit"]).is_some() {
        return flit_module_file(project_dir, document, pyproject);
    }
    bail!(
        "`{file}` lists `version` in `project.dynamic` with build backend `{backend}`, which pyship does not read: expected a literal `project.version`, flit's module `__version__`, hatch's `[tool.hatch.version] path`, pdm's `[tool.pdm.version] source = \"file\"` or setuptools' `version = {{ attr = \"package.__version__\" }}`"
    )
}

/// The module of setuptools' `[tool.setuptools.dynamic] version = { attr = "pkg.__version__" }`:
/// `pkg/__init__.py` or `pkg.py`, at the root, under `src/`, or under `package-dir`'s root.
fn setuptools_attr_file(
    project_dir: &Path,
    document: &toml::Table,
    version: &toml::Value,
    pyproject: &Path,
) -> anyhow::Result<PathBuf> {
    let file = pyproject.display();
    let Some(attr) = version.get("attr").and_then(toml::Value::as_str) else {
        bail!(
            "`{file}` sets `[tool.setuptools.dynamic] version` without `attr`, which pyship does not read: expected `version = {{ attr = \"package.__version__\" }}`"
        );
    };
    let Some(module) = attr.trim().strip_suffix(".__version__") else {
        bail!(
            "`{file}` takes the version from `{attr}`: pyship reads only a module's `__version__` (`attr = \"package.__version__\"`)"
        );
    };
    let root = lookup(document, &["tool", "setuptools", "package-dir", ""])
        .and_then(toml::Value::as_str)
        .map(|dir| format!("{}/", dir.trim_end_matches('/')))
        .filter(|dir| dir != "./" && dir != "/");
    let module_path = module.replace('.', "/");
    let mut candidates = Vec::new();
    for prefix in root.iter().map(String::as_str).chain(["", "src/"]) {
        candidates.push(format!("{prefix}{module_path}/__init__.py"));
        candidates.push(format!("{prefix}{module_path}.py"));
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|candidate| project_dir.join(candidate).is_file())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "module `{module}` of `{file}`'s version `attr` was not found in `{}`: expected one of `{}`",
                project_dir.display(),
                candidates.join("`, `")
            )
        })
}

/// The module flit takes `__version__` from: `[tool.flit.module] name`, else the project name
/// with `-` as `_`; a package (`__init__.py`) or a single module, under `src/` or not.
fn flit_module_file(
    project_dir: &Path,
    document: &toml::Table,
    pyproject: &Path,
) -> anyhow::Result<PathBuf> {
    let configured = lookup(document, &["tool", "flit", "module", "name"]);
    let project_name = lookup(document, &["project", "name"]);
    let Some(module) = configured.or(project_name).and_then(toml::Value::as_str) else {
        bail!(
            "`{}` names no module: expected `project.name` or `[tool.flit.module] name`",
            pyproject.display()
        );
    };
    let module_path = module.replace('-', "_").replace('.', "/");
    let candidates = [
        format!("{module_path}/__init__.py"),
        format!("src/{module_path}/__init__.py"),
        format!("{module_path}.py"),
        format!("src/{module_path}.py"),
    ];
    let found = candidates
        .iter()
        .map(PathBuf::from)
        .find(|candidate| project_dir.join(candidate).is_file());
    let Some(found) = found else {
        bail!(
            "module `{module}` of `{}` was not found in `{}`: expected one of `{}`",
            pyproject.display(),
            project_dir.display(),
            candidates.join("`, `")
        );
    };
    Ok(found)
}

/// A top-level `__version__ = "..."` (or `__version__: str = '...'`) line, split into the text
/// before the literal, the literal's quote, the version, and the rest of the line.
struct VersionLine<'a> {
    before: &'a str,
    quote: char,
    version: &'a str,
    after: &'a str,
}

fn parse_version_line(line: &str) -> Option<VersionLine<'_>> {
    let rest = line.strip_prefix("__version__")?;
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix(':') {
        Some(annotated) => annotated.split_once('=')?.1,
        None => rest.strip_prefix('=')?,
    };
    let literal = rest.trim_start();
    let quote = literal.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let body = &literal[1..];
    let end = body.find(quote)?;
    let after = &body[end + 1..];
    let tail = after.trim();
    if !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    Some(VersionLine {
        before: &line[..line.len() - literal.len()],
        quote,
        version: &body[..end],
        after,
    })
}

/// Lines that assign `__version__` at the top level.
fn assignments(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|line| {
        line.strip_prefix("__version__")
            .is_some_and(|rest| matches!(rest.trim_start().chars().next(), Some('=' | ':')))
    })
}

/// The version of the single top-level `__version__` string literal in `text`, or why there is
/// none (phrased to follow the file's name).
fn module_version(text: &str) -> Result<&str, String> {
    let lines: Vec<&str> = assignments(text).collect();
    match lines.as_slice() {
        [line] => parse_version_line(line)
            .map(|parsed| parsed.version)
            .ok_or_else(|| {
                format!(
                    "assigns `{}`: expected a plain string literal such as `__version__ = \"1.0\"`",
                    line.trim()
                )
            }),
        [] => Err("has no top-level `__version__ = \"...\"` line".to_owned()),
        many => Err(format!(
            "assigns `__version__` {} times: expected exactly one string literal",
            many.len()
        )),
    }
}

/// Rewrites the one `__version__` literal to `version`, keeping its quotes and every other byte.
pub(super) fn replace_module_version(text: &str, version: &str) -> anyhow::Result<String> {
    module_version(text).map_err(|why| anyhow::anyhow!("the file {why}"))?;
    let mut out = String::with_capacity(text.len() + version.len());
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        match parse_version_line(content) {
            Some(parsed) => {
                let q = parsed.quote;
                let _ = write!(out, "{}{q}{version}{q}{}", parsed.before, parsed.after);
                out.push_str(&line[content.len()..]);
            }
            None => out.push_str(line),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn ok_module_version_forms() {
        assert_eq!(module_version("__version__ = \"1.2\"\n"), Ok("1.2"));
        assert_eq!(
            module_version("x = 1\n__version__='0.3'  # bumped\n"),
            Ok("0.3")
        );
        assert_eq!(module_version("__version__: str = \"2.0\"\n"), Ok("2.0"));
        // Indented assignments are not at module level; flit would not read them statically.
        assert_eq!(
            module_version("if x:\n    __version__ = \"9\"\n__version__ = \"1\"\n"),
            Ok("1")
        );
    }

    #[test]
    fn err_module_version_not_a_literal_or_missing_or_twice() {
        let err = module_version("__version__ = get_version()\n").unwrap_err();
        assert!(err.contains("`__version__ = get_version()`"), "{err}");
        let err = module_version("VERSION = \"1\"\n").unwrap_err();
        assert!(err.contains("no top-level"), "{err}");
        let err = module_version("__version__ = \"1\"\n__version__ = \"2\"\n").unwrap_err();
        assert!(err.contains("2 times"), "{err}");
    }

    #[test]
    fn ok_replace_module_version_keeps_other_bytes() {
        let text = "\"\"\"Doc.\"\"\"\r\n__version__ = '0.1.0'  # keep\r\nx = '0.1.0'\r\n";
        let out = replace_module_version(text, "0.2.0").unwrap();
        assert_eq!(
            out,
            "\"\"\"Doc.\"\"\"\r\n__version__ = '0.2.0'  # keep\r\nx = '0.1.0'\r\n"
        );
    }

    #[test]
    fn vcs_tools_are_recognised() {
        let scm =
            table("[build-system]\nrequires = [\"setuptools>=64\", \"setuptools_scm[toml]>=8\"]\n");
        assert!(vcs_tool(&scm).unwrap().starts_with("setuptools-scm"));
        let scm_table = table("[tool.setuptools_scm]\n");
        assert!(vcs_tool(&scm_table).unwrap().starts_with("setuptools-scm"));
        let hatch = table(
            "[build-system]\nrequires = [\"hatchling\", \"hatch-vcs\"]\n[tool.hatch.version]\nsource = \"vcs\"\n",
        );
        assert!(vcs_tool(&hatch).unwrap().starts_with("hatch-vcs"));
        let hatch_path = table("[tool.hatch.version]\npath = \"src/a/__about__.py\"\n");
        assert_eq!(vcs_tool(&hatch_path), None);
        let flit = table("[build-system]\nrequires = [\"flit_core>=3.12\"]\n");
        assert_eq!(vcs_tool(&flit), None);
    }

    #[test]
    fn ok_hatch_path_and_flit_module_files() {
        let dir = tempfile::tempdir().unwrap();
        let pyproject = dir.path().join("pyproject.toml");
        let hatch = table("[tool.hatch.version]\npath = \"src/a/__about__.py\"\n");
        assert_eq!(
            version_file(dir.path(), &hatch, &pyproject).unwrap(),
            PathBuf::from("src/a/__about__.py")
        );
        let flit = table(
            "[build-system]\nbuild-backend = \"flit_core.buildapi\"\n[project]\nname = \"my-pkg\"\n",
        );
        let err = version_file(dir.path(), &flit, &pyproject)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`my_pkg/__init__.py`"), "{err}");
        fs_err::create_dir_all(dir.path().join("src/my_pkg")).unwrap();
        fs_err::write(dir.path().join("src/my_pkg/__init__.py"), "").unwrap();
        assert_eq!(
            version_file(dir.path(), &flit, &pyproject).unwrap(),
            PathBuf::from("src/my_pkg/__init__.py")
        );
    }

    #[test]
    fn err_unknown_backend_dynamic_version_names_backend() {
        let dir = tempfile::tempdir().unwrap();
        let document = table("[build-system]\nbuild-backend = \"setuptools.build_meta\"\n");
        let err = version_file(dir.path(), &document, &dir.path().join("pyproject.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`setuptools.build_meta`"), "{err}");
    }

    /// pdm's `source = "file"` and setuptools' `attr` name the file holding `__version__`.
    #[test]
    fn ok_pdm_file_and_setuptools_attr_sources() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(dir.path().join("src/demo")).unwrap();
        fs_err::write(
            dir.path().join("src/demo/__init__.py"),
            "__version__ = \"1.2\"\n",
        )
        .unwrap();
        let pyproject = dir.path().join("pyproject.toml");
        for text in [
            "[project]\nname = \"demo\"\ndynamic = [\"version\"]\n[tool.pdm.version]\nsource = \"file\"\npath = \"src/demo/__init__.py\"\n",
            "[project]\nname = \"demo\"\ndynamic = [\"version\"]\n[tool.setuptools.dynamic]\nversion = { attr = \"demo.__version__\" }\n",
        ] {
            let version = read(dir.path(), &table(text), &pyproject).unwrap();
            assert_eq!(version.text, "1.2", "{text}");
            assert_eq!(
                version.file,
                PathBuf::from("src/demo/__init__.py"),
                "{text}"
            );
        }
        for (text, expected) in [
            (
                "[project]\nname = \"demo\"\n[tool.setuptools.dynamic]\nversion = { file = \"VERSION\" }\n",
                "without `attr`",
            ),
            (
                "[project]\nname = \"demo\"\n[tool.setuptools.dynamic]\nversion = { attr = \"demo.VERSION\" }\n",
                "reads only a module's `__version__`",
            ),
            (
                "[project]\nname = \"demo\"\n[tool.pdm.version]\nsource = \"call\"\n",
                "source `call`",
            ),
        ] {
            let err = read(dir.path(), &table(text), &pyproject)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
