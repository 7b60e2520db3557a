//! The release configuration: `[workspace.metadata.pyship]` in the workspace's root `Cargo.toml`,
//! read with `cargo metadata`, plus the few environment variables xtask honours. This is the only
//! module that reads the process environment; secrets in it are read through [`secret_env`] by
//! `secrets`, which wraps them at once.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, bail};
use pyship_verify::Target;
use serde::Deserialize;
use url::Url;

use crate::deep::DeepChecks;

/// Environment variable naming a Python interpreter that already has the build frontend.
pub(crate) const PYTHON_ENV: &str = "PYSHIP_PYTHON";
/// Environment variable through which `cargo xtask test` hands the test venv's Python to tests.
pub(crate) const TEST_PYTHON_ENV: &str = "PYSHIP_TEST_PYTHON";
/// Environment variable through which `cargo xtask test` hands the pypiserver venv to
/// `crates/publish`'s real-index tests.
pub(crate) const PUBLISH_VENV_ENV: &str = "PYSHIP_PUBLISH_VENV";
/// Environment variable naming a Python that already has the deep checks' auditors.
pub(crate) const DEEP_PYTHON_ENV: &str = "PYSHIP_DEEP_PYTHON";
/// Environment variable with the build's timestamp (seconds since 1970), which `verify` checks
/// artifacts against in reproducible mode.
/// See: reproducible-builds.org `SOURCE_DATE_EPOCH` specification.
pub(crate) const SOURCE_DATE_EPOCH_ENV: &str = "SOURCE_DATE_EPOCH";
/// Environment variable that hides progress bars (as `NO_COLOR` does colour).
const NO_PROGRESS_ENV: &str = "PYSHIP_NO_PROGRESS";
/// Environment variable overriding `github-api-url` (GitHub Enterprise, tests).
pub(crate) const GITHUB_API_URL_ENV: &str = "PYSHIP_GITHUB_API_URL";
/// Environment variable overriding `github-upload-url`.
pub(crate) const GITHUB_UPLOAD_URL_ENV: &str = "PYSHIP_GITHUB_UPLOAD_URL";

/// The table's keys as written in `Cargo.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawConfig {
    project: Option<String>,
    release_branch: Option<String>,
    tag_prefix: Option<String>,
    target: Option<String>,
    dist_dir: Option<String>,
    remote: Option<String>,
    build_command: Option<Vec<String>>,
    deep: Option<Vec<String>>,
    toplevel: Option<Vec<String>>,
    github_repository: Option<String>,
    github_api_url: Option<String>,
    github_upload_url: Option<String>,
    index_url: Option<String>,
}

/// Where the GitHub side of a release lives. Unset fields mean github.com and the repository of
/// the remote's github.com URL.
#[derive(Debug, Clone, Default)]
pub(crate) struct GitHubSettings {
    /// `owner/name`, when set explicitly (needed when the remote is not a github.com URL).
    pub(crate) repository: Option<String>,
    /// REST base URL, ending in `/` (GitHub Enterprise: `https://host/api/v3/`).
    pub(crate) api_url: Option<Url>,
    /// Upload base URL, ending in `/` (GitHub Enterprise: `https://host/api/uploads/`).
    pub(crate) upload_url: Option<Url>,
}

/// The validated release configuration. Paths are absolute.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The workspace root (the directory holding the root `Cargo.toml`).
    pub(crate) root: PathBuf,
    /// The Python project directory (holds `pyproject.toml`).
    pub(crate) project: PathBuf,
    /// The branch releases are cut from.
    pub(crate) release_branch: String,
    /// Tag name = `tag_prefix` + version.
    pub(crate) tag_prefix: String,
    /// The index whose rules apply.
    pub(crate) target: Target,
    /// Where built artifacts go.
    pub(crate) dist_dir: PathBuf,
    /// The git remote releases are pushed to.
    pub(crate) remote: String,
    /// A custom build command (placeholders `{python}`, `{project}`, `{outdir}`), if configured.
    pub(crate) build_command: Option<Vec<String>>,
    /// The GitHub repository and API endpoints.
    pub(crate) github: GitHubSettings,
    /// The upload URL of a non-PyPI index (legacy upload API), if configured.
    pub(crate) index_url: Option<String>,
    /// The deep checks that always run (`deep = ["auditwheel", "abi3"]`).
    pub(crate) deep: DeepChecks,
    /// The top-level names the wheel must install (WHL-11), instead of comparing with git.
    pub(crate) toplevel: Option<Vec<String>>,
}

impl Config {
    /// Reads the configuration of the workspace holding `manifest_path`, or of the workspace
    /// around the current directory.
    pub(crate) fn load(manifest_path: Option<&Path>) -> anyhow::Result<Config> {
        let mut command = cargo_metadata::MetadataCommand::new();
        command.no_deps();
        if let Some(path) = manifest_path {
            command.manifest_path(path);
        }
        // cargo's parse errors quote the offending line of `Cargo.toml`, which may hold a token
        // (C16): the message is redacted before it becomes part of any error.
        let metadata = command.exec().map_err(|err| {
            anyhow::anyhow!("{}", crate::redact::token_shapes(&err.to_string()))
                .context("failed to read the workspace with `cargo metadata`")
        })?;
        let root = PathBuf::from(metadata.workspace_root);
        let manifest = root.join("Cargo.toml");
        let mut raw = match metadata.workspace_metadata.get("pyship") {
            None => RawConfig::default(),
            Some(table) => parse_raw(table).with_context(|| {
                format!(
                    "invalid `[workspace.metadata.pyship]` in `{}`",
                    manifest.display()
                )
            })?,
        };
        for (env, key) in [
            (GITHUB_API_URL_ENV, &mut raw.github_api_url),
            (GITHUB_UPLOAD_URL_ENV, &mut raw.github_upload_url),
        ] {
            if let Some(value) = non_empty_env(env) {
                *key = Some(value.to_string_lossy().trim().to_owned());
            }
        }
        let config = Config::from_raw(root, raw)
            .with_context(|| format!("invalid release config in `{}`", manifest.display()))?;
        if !config.project.is_dir() {
            bail!(
                "invalid release config in `{}`: `workspace.metadata.pyship.project` is `{}`, which is not a directory in the workspace; expected the directory holding the Python project's `pyproject.toml`, relative to `{}`",
                manifest.display(),
                config.project_rel().display(),
                config.root.display()
            );
        }
        Ok(config)
    }

    fn from_raw(root: PathBuf, raw: RawConfig) -> anyhow::Result<Config> {
        let project = relative_dir("project", raw.project.as_deref().unwrap_or("."))?;
        let dist_dir = relative_dir(
            "dist-dir",
            raw.dist_dir.as_deref().unwrap_or("target/pyship/dist"),
        )?;
        if dist_dir.as_os_str().is_empty() {
            bail!(
                "`workspace.metadata.pyship.dist-dir` is the workspace root: expected a directory pyship owns, such as `target/pyship/dist`"
            );
        }
        if project.starts_with(&dist_dir) {
            bail!(
                "`workspace.metadata.pyship.dist-dir` is `{}`, which holds the project `{}`: the dist dir is emptied before each build and left out of the clean-tree gate; expected a directory pyship owns, such as `target/pyship/dist`",
                dist_dir.display(),
                project.display()
            );
        }
        let target = match raw.target.as_deref() {
            None => Target::Pypi,
            Some(value) => value
                .parse()
                .map_err(|err| anyhow::anyhow!("`workspace.metadata.pyship.target`: {err}"))?,
        };
        let release_branch = non_empty("release-branch", raw.release_branch, "main")?;
        let remote = non_empty("remote", raw.remote, "origin")?;
        if let Some(command) = &raw.build_command
            && command.is_empty()
        {
            bail!(
                "`workspace.metadata.pyship.build-command` is empty: expected a program and its arguments, e.g. [\"{{python}}\", \"-m\", \"build\", \"--outdir\", \"{{outdir}}\"]"
            );
        }
        Ok(Config {
            project: root.join(project),
            dist_dir: root.join(dist_dir),
            root,
            release_branch,
            tag_prefix: tag_prefix(raw.tag_prefix.unwrap_or_else(|| "v".to_owned()))?,
            target,
            remote,
            build_command: raw.build_command,
            github: GitHubSettings {
                repository: raw
                    .github_repository
                    .map(|value| github_repository(&value))
                    .transpose()?,
                api_url: raw
                    .github_api_url
                    .map(|value| github_url("github-api-url", &value))
                    .transpose()?,
                upload_url: raw
                    .github_upload_url
                    .map(|value| github_url("github-upload-url", &value))
                    .transpose()?,
            },
            index_url: raw.index_url.map(|value| index_url(&value)).transpose()?,
            deep: DeepChecks::from_names(raw.deep.as_deref().unwrap_or_default())?,
            toplevel: raw.toplevel,
        })
    }

    /// pyship's own state directory (venvs, build scratch, the audit file).
    pub(crate) fn state_dir(&self) -> PathBuf {
        self.root.join("target").join("pyship")
    }

    /// The project directory relative to the workspace root, for messages and worktrees.
    pub(crate) fn project_rel(&self) -> &Path {
        self.project
            .strip_prefix(&self.root)
            .unwrap_or(&self.project)
    }

    /// The dist directory relative to the workspace root.
    pub(crate) fn dist_rel(&self) -> &Path {
        self.dist_dir
            .strip_prefix(&self.root)
            .unwrap_or(&self.dist_dir)
    }
}

/// The `[workspace.metadata.pyship]` table as typed settings. serde's message for a value of the
/// wrong type (`invalid type: integer `5`, expected a string`) does not say which key held it, so
/// on failure each key is read alone to name the first one at fault.
fn parse_raw(table: &serde_json::Value) -> anyhow::Result<RawConfig> {
    let err = match RawConfig::deserialize(table) {
        Ok(raw) => return Ok(raw),
        Err(err) => err,
    };
    if let Some(entries) = table.as_object() {
        for (key, value) in entries {
            let alone =
                serde_json::Value::Object([(key.clone(), value.clone())].into_iter().collect());
            if let Err(key_err) = RawConfig::deserialize(&alone) {
                if key_err.to_string().contains(key.as_str()) {
                    return Err(key_err.into());
                }
                bail!("`workspace.metadata.pyship.{key}`: {key_err}");
            }
        }
    }
    Err(err.into())
}

/// Checks that a configured path stays inside the workspace.
fn relative_dir(key: &str, value: &str) -> anyhow::Result<PathBuf> {
    let path = Path::new(value);
    let escapes = path.components().any(|component| {
        matches!(
            component,
            Component::ParentDir | Component::RootDir | Component::Prefix(_)
        )
    });
    if escapes {
        bail!(
            "`workspace.metadata.pyship.{key}` is `{value}`: expected a relative path inside the workspace, without `..`"
        );
    }
    Ok(path
        .components()
        .filter(|component| !matches!(component, Component::CurDir))
        .collect())
}

/// `owner/name` with GitHub's characters only.
fn github_repository(value: &str) -> anyhow::Result<String> {
    let valid_part = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    match value.split_once('/') {
        Some((owner, name)) if valid_part(owner) && valid_part(name) => Ok(value.to_owned()),
        _ => bail!(
            "`workspace.metadata.pyship.github-repository` is `{value}`: expected `owner/name`"
        ),
    }
}

/// A GitHub base URL: https (plain http only on loopback, where tests run), no credentials,
/// no query, and a trailing `/` so relative paths join below it.
fn github_url(key: &str, value: &str) -> anyhow::Result<Url> {
    let origin = format!("`workspace.metadata.pyship.{key}` (or its environment variable)");
    let mut url =
        Url::parse(value).map_err(|err| anyhow::anyhow!("{origin} is not a URL: {err}"))?;
    let loopback = matches!(
        url.host(),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback()
    ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
        || url.host_str() == Some("localhost");
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        scheme => bail!(
            "{origin} uses `{scheme}`: expected `https` (plain `http` only on a loopback address), because the token travels with every request"
        ),
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!(
            "{origin} carries credentials: expected a URL without them; the token comes from `GITHUB_TOKEN`, `GH_TOKEN` or the keyring"
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!(
            "{origin} has a query or fragment: expected a plain base URL such as `https://ghe.example/api/v3/`"
        );
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `index-url`: checked as `--index-url` is (an HTTP(S) URL without a password: passwords come
/// from `PYSHIP_INDEX_PASSWORD` only, C17).
fn index_url(value: &str) -> anyhow::Result<String> {
    crate::index::parse_url(value.trim(), "`workspace.metadata.pyship.index-url`")?;
    Ok(value.trim().to_owned())
}

/// The tag prefix must make a valid tag name with a version after it (`git check-ref-format`'s
/// rules that a prefix can break); empty is fine (`1.2.0`).
fn tag_prefix(prefix: String) -> anyhow::Result<String> {
    let bad_char = prefix
        .chars()
        .find(|&c| c.is_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\'));
    let problem = if let Some(c) = bad_char {
        Some(format!(
            "holds {c:?}, which git does not allow in a tag name"
        ))
    } else if prefix.contains("..") || prefix.contains("@{") || prefix.contains("//") {
        Some("holds `..`, `@{` or `//`, which git does not allow in a tag name".to_owned())
    } else if prefix.starts_with(['/', '.', '-']) || prefix.contains("/.") {
        Some("starts a path component with `/`, `.` or `-`, which git does not allow".to_owned())
    } else if prefix.contains(".lock/") {
        Some("ends a path component with `.lock`, which git does not allow".to_owned())
    } else {
        None
    };
    match problem {
        Some(problem) => bail!(
            "`workspace.metadata.pyship.tag-prefix` is {prefix:?}: it {problem}; expected a prefix such as `v` or `release/`"
        ),
        None => Ok(prefix),
    }
}

fn non_empty(key: &str, value: Option<String>, default: &str) -> anyhow::Result<String> {
    match value {
        None => Ok(default.to_owned()),
        Some(value) if value.trim().is_empty() => {
            bail!("`workspace.metadata.pyship.{key}` is empty: expected a name such as `{default}`")
        }
        Some(value) => Ok(value),
    }
}

/// The Python named by `PYSHIP_DEEP_PYTHON`, for the deep checks of `dry-run`.
pub(crate) fn deep_python() -> Option<PathBuf> {
    non_empty_env(DEEP_PYTHON_ENV).map(PathBuf::from)
}

/// The `cargo` that runs us (cargo sets `CARGO` for `cargo run`), else `cargo` from `PATH`.
pub(crate) fn cargo_program() -> OsString {
    non_empty_env("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// A secret from the environment, trimmed; empty or whitespace-only counts as unset (C22).
/// Only `secrets` calls this: it wraps the value before anything else sees it.
pub(crate) fn secret_env(name: &str) -> Option<String> {
    non_empty_env(name).map(|value| value.to_string_lossy().trim().to_owned())
}

/// Environment variable holding the password for `--username` (never taken from argv).
pub(crate) const INDEX_PASSWORD_ENV: &str = "PYSHIP_INDEX_PASSWORD";

/// The password for a username-and-password index, from `PYSHIP_INDEX_PASSWORD` (empty = unset).
pub(crate) fn index_password() -> Option<pyship_publish::Secret> {
    std::env::var(INDEX_PASSWORD_ENV)
        .ok()
        .and_then(|value| pyship_publish::Secret::from_optional(&value))
}

/// Whether this runs in a GitHub Actions job (`GITHUB_ACTIONS=true`).
pub(crate) fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value.trim() == "true")
}

/// The runner's ID token request URL and bearer token, as set when the job has
/// `permissions: id-token: write`.
pub(crate) fn oidc_request() -> (Option<String>, Option<String>) {
    let read = |name| std::env::var(name).ok();
    (
        read("ACTIONS_ID_TOKEN_REQUEST_URL"),
        read("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    )
}

/// `SOURCE_DATE_EPOCH` as whole seconds; unset or empty is `None`, anything but digits an error.
pub(crate) fn source_date_epoch() -> anyhow::Result<Option<u64>> {
    let Some(value) = non_empty_env(SOURCE_DATE_EPOCH_ENV) else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    match text.trim().parse::<u64>() {
        Ok(seconds) => Ok(Some(seconds)),
        Err(_) => bail!(
            "`{SOURCE_DATE_EPOCH_ENV}` is `{}`; expected whole seconds since 1970 (digits only)",
            text.escape_debug()
        ),
    }
}

/// The pypiserver venv named by `PYSHIP_PUBLISH_VENV`, if set (the upload benchmark's server).
pub(crate) fn publish_venv() -> Option<PathBuf> {
    non_empty_env(PUBLISH_VENV_ENV).map(PathBuf::from)
}

/// Whether progress bars may be drawn at all (terminal checks come on top).
pub(crate) fn progress_allowed() -> bool {
    non_empty_env(NO_PROGRESS_ENV).is_none()
}

/// `PYSHIP_LOG`: the diagnostic log's filter directives, when set (see `log.rs`).
pub(crate) const LOG_ENV: &str = "PYSHIP_LOG";

pub(crate) fn log_filter() -> Option<OsString> {
    non_empty_env(LOG_ENV)
}

/// An environment variable's value; empty or whitespace-only counts as unset (C22).
fn non_empty_env(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|value| !value.to_string_lossy().trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(raw: RawConfig) -> anyhow::Result<Config> {
        Config::from_raw(PathBuf::from("/ws"), raw)
    }

    #[test]
    fn ok_defaults() {
        let config = config(RawConfig::default()).unwrap();
        assert_eq!(config.project, Path::new("/ws"));
        assert_eq!(config.dist_dir, Path::new("/ws/target/pyship/dist"));
        assert_eq!(config.release_branch, "main");
        assert_eq!(config.tag_prefix, "v");
        assert_eq!(config.remote, "origin");
        assert_eq!(config.target, Target::Pypi);
    }

    #[test]
    fn err_unknown_target_names_key_and_choices() {
        let err = config(RawConfig {
            target: Some("pypy".into()),
            ..RawConfig::default()
        })
        .unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("metadata.pyship.target"), "{message}");
        assert!(message.contains("`pypy`"), "{message}");
        assert!(message.contains("`testpypi`"), "{message}");
    }

    #[test]
    fn err_dist_dir_escapes_workspace() {
        let err = config(RawConfig {
            dist_dir: Some("../dist".into()),
            ..RawConfig::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("dist-dir"), "{err}");
    }

    #[test]
    fn err_dist_dir_is_root() {
        let err = config(RawConfig {
            dist_dir: Some("./".into()),
            ..RawConfig::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("workspace root"), "{err}");
    }

    #[test]
    fn err_empty_release_branch() {
        let err = config(RawConfig {
            release_branch: Some(" ".into()),
            ..RawConfig::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("release-branch"), "{err}");
    }

    #[test]
    fn ok_github_settings_normalised() {
        let settings = config(RawConfig {
            github_repository: Some("octo/demo.py".into()),
            github_api_url: Some("https://ghe.example/api/v3".into()),
            github_upload_url: Some("http://127.0.0.1:9/api/uploads/".into()),
            ..RawConfig::default()
        })
        .unwrap()
        .github;
        assert_eq!(settings.repository.as_deref(), Some("octo/demo.py"));
        assert_eq!(
            settings.api_url.unwrap().as_str(),
            "https://ghe.example/api/v3/"
        );
        assert_eq!(
            settings.upload_url.unwrap().as_str(),
            "http://127.0.0.1:9/api/uploads/"
        );
        assert!(
            config(RawConfig::default())
                .unwrap()
                .github
                .api_url
                .is_none()
        );
    }

    #[test]
    fn deep_names_are_read_and_unknown_ones_rejected() {
        let deep = |names: &[&str]| {
            config(RawConfig {
                deep: Some(names.iter().map(|&n| n.to_owned()).collect()),
                ..RawConfig::default()
            })
        };
        assert_eq!(
            deep(&["abi3"]).unwrap().deep,
            DeepChecks {
                auditwheel: false,
                abi3: true
            }
        );
        assert_eq!(deep(&["auditwheel", "abi3"]).unwrap().deep, DeepChecks::ALL);
        let err = format!("{:#}", deep(&["abi3audit"]).unwrap_err());
        assert!(
            err.contains("`abi3audit`") && err.contains("expected `auditwheel` or `abi3`"),
            "{err}"
        );
    }

    #[test]
    fn err_github_settings_name_key_and_expectation() {
        let cases = [
            (
                RawConfig {
                    github_api_url: Some("http://ghe.example/api/v3/".into()),
                    ..RawConfig::default()
                },
                "github-api-url",
                "expected `https`",
            ),
            (
                RawConfig {
                    github_upload_url: Some("https://user:pw@ghe.example/".into()),
                    ..RawConfig::default()
                },
                "github-upload-url",
                "carries credentials",
            ),
            (
                RawConfig {
                    github_repository: Some("octo/demo/extra".into()),
                    ..RawConfig::default()
                },
                "github-repository",
                "expected `owner/name`",
            ),
        ];
        for (raw, key, expected) in cases {
            let message = format!("{:#}", config(raw).unwrap_err());
            assert!(
                message.contains(key) && message.contains(expected),
                "{message}"
            );
            assert!(!message.contains("pw@"), "{message}");
        }
    }

    #[test]
    fn err_index_url_with_password_or_not_http() {
        for (value, expected) in [
            ("https://me:CANARYpw@host/legacy/", "carries a password"),
            ("ftp://host/", "not an HTTP(S) URL"),
            ("not a url", "is not a URL"),
        ] {
            let raw = RawConfig {
                index_url: Some(value.to_owned()),
                ..RawConfig::default()
            };
            let message = format!("{:#}", config(raw).unwrap_err());
            assert!(
                message.contains("`workspace.metadata.pyship.index-url`")
                    && message.contains(expected),
                "{value}: {message}"
            );
            assert!(!message.contains("CANARYpw"), "{message}");
        }
    }

    #[test]
    fn tag_prefix_must_make_a_git_tag_name() {
        for ok in ["v", "", "release/v", "pkg-"] {
            let raw = RawConfig {
                tag_prefix: Some(ok.to_owned()),
                ..RawConfig::default()
            };
            assert_eq!(config(raw).unwrap().tag_prefix, ok);
        }
        for bad in [
            "bad tag~^:",
            "v ",
            "a..b",
            "/v",
            ".v",
            "-v",
            "x/.y",
            "v@{",
            "v\\",
            "x.lock/v",
        ] {
            let raw = RawConfig {
                tag_prefix: Some(bad.to_owned()),
                ..RawConfig::default()
            };
            let message = format!("{:#}", config(raw).unwrap_err());
            assert!(
                message.contains("`workspace.metadata.pyship.tag-prefix`")
                    && message.contains("expected a prefix"),
                "{bad}: {message}"
            );
        }
    }

    #[test]
    fn err_dist_dir_holding_the_project() {
        for dist in ["examples/demo", "examples", "./examples/demo/"] {
            let raw = RawConfig {
                project: Some("examples/demo".to_owned()),
                dist_dir: Some(dist.to_owned()),
                ..RawConfig::default()
            };
            let message = format!("{:#}", config(raw).unwrap_err());
            assert!(message.contains("holds the project"), "{dist}: {message}");
        }
        let raw = RawConfig {
            project: Some("examples/demo".to_owned()),
            dist_dir: Some("examples/demo/dist".to_owned()),
            ..RawConfig::default()
        };
        assert!(config(raw).is_ok());
    }

    #[test]
    fn err_wrong_type_names_the_key() {
        let table = serde_json::json!({ "release-branch": "main", "project": 5 });
        let message = format!("{:#}", parse_raw(&table).unwrap_err());
        assert!(
            message.contains("`workspace.metadata.pyship.project`")
                && message.contains("expected a string"),
            "{message}"
        );
        let table = serde_json::json!({ "deep": "auditwheel" });
        let message = format!("{:#}", parse_raw(&table).unwrap_err());
        assert!(
            message.contains("`workspace.metadata.pyship.deep`")
                && message.contains("expected a sequence"),
            "{message}"
        );
    }

    #[test]
    fn err_unknown_key_is_rejected() {
        let table = serde_json::json!({ "relase-branch": "main" });
        let err = parse_raw(&table).unwrap_err();
        assert!(err.to_string().contains("relase-branch"), "{err}");
    }
}
