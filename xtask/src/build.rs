//! The build step of `dry-run`: a Python with the build frontend (pyship's venv unless one is
//! given), a temporary git worktree when the release version differs from the project's files,
//! and the configured build command writing into a freshly emptied dist dir.

use std::path::{Path, PathBuf};

use anyhow::bail;
use sha2::Digest as _;

use crate::cmd::{self, Cmd};
use crate::config::Config;
use crate::gates::{Gate, ReleaseVersion};
use crate::git::{self, TempWorktree};
use crate::python::{self, Venv};
use crate::version::{self, ProjectVersion};

/// Installed into pyship's build venv besides the project's own `[build-system].requires`: the
/// PEP 517 frontend, and the reST renderer PyPI uses so descriptions are checked (META-08).
const BUILD_VENV_TOOLS: &[&str] = &["build==1.6.1", "readme_renderer==46.0"];

/// What the build step needs.
pub(crate) struct BuildRequest<'a> {
    pub(crate) config: &'a Config,
    /// An interpreter that already has the build frontend, instead of pyship's venv.
    pub(crate) python: Option<&'a Path>,
    /// The version to build, when it is known.
    pub(crate) release: Option<&'a ReleaseVersion>,
}

/// What the build step did.
pub(crate) struct Built {
    pub(crate) gates: Vec<Gate>,
    pub(crate) artifacts: Vec<PathBuf>,
    /// The interpreter used, for rendering descriptions later.
    pub(crate) python: Option<PathBuf>,
    /// After a version change: the changed file (relative to the project directory) and the
    /// sha256 of its new content, which the release commit will hold instead of `HEAD`'s.
    pub(crate) version_file: Option<VersionFile>,
}

/// A file the version change rewrote.
#[derive(Clone)]
pub(crate) struct VersionFile {
    /// Relative to the project directory, with `/`.
    pub(crate) path: String,
    /// The sha256 of its new content.
    pub(crate) sha256: [u8; 32],
    /// Its new content.
    pub(crate) content: Vec<u8>,
}

/// The managed build venv.
pub(crate) fn build_venv(config: &Config) -> Venv {
    Venv::at(&config.state_dir().join("venv"))
}

pub(crate) fn build(request: &BuildRequest<'_>) -> Built {
    let mut gates = Vec::new();

    // Step 1: the sources, in a temporary worktree when the version must change.
    let source = source_tree(request);

    // Step 2: a Python with the build frontend and the build requirements of those sources.
    let python = match build_python(request, source.project.as_deref()) {
        Ok((python, evidence)) => {
            gates.push(Gate::pass("build-env", evidence));
            Some(python)
        }
        Err(err) => {
            gates.push(Gate::fail("build-env", format!("{err:#}")));
            None
        }
    };
    gates.push(source.gate.clone());

    // Step 3: a fresh dist dir, then the build command.
    let artifacts = match (&python, &source.project) {
        (Some(python), Some(project)) => run_build(request.config, python, project),
        _ => Err(anyhow::anyhow!(
            "not run: no build environment or no source tree (see above)"
        )),
    };
    let version_file = source.version_file.clone();
    drop(source);
    let artifacts = match artifacts {
        Ok((artifacts, evidence)) => {
            gates.push(Gate::pass("build", evidence));
            artifacts
        }
        Err(err) => {
            gates.push(Gate::fail("build", format!("{err:#}")));
            Vec::new()
        }
    };
    Built {
        gates,
        artifacts,
        python,
        version_file,
    }
}

/// The build's Python. pyship's venv gets `[build-system].requires` from the `pyproject.toml`
/// that will be built (`project`: the temporary worktree's when there is one).
fn build_python(
    request: &BuildRequest<'_>,
    project: Option<&Path>,
) -> anyhow::Result<(PathBuf, String)> {
    if let Some(python) = request.python {
        if !python::can_import(python, "build") {
            bail!(
                "`{}` cannot import the build frontend `build`",
                python.display()
            );
        }
        return Ok((
            python.to_owned(),
            format!("using `{}` (given with `--python`)", python.display()),
        ));
    }
    let venv = build_venv(request.config);
    let pyproject = project
        .unwrap_or(&request.config.project)
        .join("pyproject.toml");
    let mut requirements: Vec<String> = BUILD_VENV_TOOLS.iter().map(|r| (*r).to_owned()).collect();
    requirements.extend(python::build_requires(&pyproject)?);
    venv.ensure(&requirements, &|line| eprintln!("build venv: {line}"))?;
    Ok((
        venv.python(),
        format!(
            "venv `{}` with {}",
            venv.python().display(),
            requirements.join(", ")
        ),
    ))
}

/// The project directory to build, and the worktree it lives in (removed on drop).
struct Source {
    project: Option<PathBuf>,
    gate: Gate,
    /// The file the version change rewrote, and the sha256 of what it holds now.
    version_file: Option<VersionFile>,
    _worktree: Option<TempWorktree>,
}

fn source_tree(request: &BuildRequest<'_>) -> Source {
    const NAME: &str = "version-change";
    let config = request.config;
    let Some(release) = request
        .release
        .filter(|release| release.needs_version_change())
    else {
        let evidence = match request.release {
            Some(release) => format!(
                "none needed: the project's files carry `{}`; built from the working tree",
                release.text
            ),
            None => {
                "none made: no valid release version; built from the working tree as is".to_owned()
            }
        };
        return Source {
            project: Some(config.project.clone()),
            gate: Gate::pass(NAME, evidence),
            version_file: None,
            _worktree: None,
        };
    };
    match worktree_with_version(config, release) {
        Ok((worktree, project, version_file, evidence)) => Source {
            project: Some(project),
            gate: Gate::pass(NAME, evidence),
            version_file: Some(version_file),
            _worktree: Some(worktree),
        },
        Err(err) => Source {
            project: None,
            gate: Gate::fail(NAME, format!("{err:#}")),
            version_file: None,
            _worktree: None,
        },
    }
}

fn worktree_with_version(
    config: &Config,
    release: &ReleaseVersion,
) -> anyhow::Result<(TempWorktree, PathBuf, VersionFile, String)> {
    let head = git::head_sha(&config.root)?;
    let worktree = TempWorktree::add(&config.root, &head)?;
    let project = worktree.path().join(config.project_rel());
    let current = ProjectVersion {
        text: release.project_text.clone(),
        file: release
            .project_file
            .strip_prefix(config.project_rel())
            .unwrap_or(&release.project_file)
            .to_owned(),
    };
    version::write_project_version(&project, &current, &release.text)?;
    let written = fs_err::read(project.join(&current.file))?;
    let version_file = VersionFile {
        path: current.file.to_string_lossy().replace('\\', "/"),
        sha256: sha2::Sha256::digest(&written).into(),
        content: written,
    };
    let evidence = format!(
        "`{}` -> `{}` in `{}` of a temporary worktree of {head}; your tree is untouched",
        release.project_text,
        release.text,
        release.project_file.display()
    );
    Ok((worktree, project, version_file, evidence))
}

fn run_build(
    config: &Config,
    python: &Path,
    project: &Path,
) -> anyhow::Result<(Vec<PathBuf>, String)> {
    fresh_dist_dir(&config.dist_dir)?;
    let command = build_command(config, python, project);
    let output = command.output()?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "{command} failed ({}): {}",
            output.status,
            cmd::tail(&stderr, 8)
        );
    }
    let artifacts = list_artifacts(&config.dist_dir)?;
    if artifacts.is_empty() {
        bail!(
            "{command} wrote no wheel or sdist into `{}`",
            config.dist_dir.display()
        );
    }
    let names: Vec<String> = artifacts
        .iter()
        .map(|a| format!("`{}`", file_name(a)))
        .collect();
    Ok((artifacts, format!("{command} built {}", names.join(", "))))
}

/// The configured command with `{python}`, `{project}` and `{outdir}` filled in, or the default
/// PEP 517 build without isolation (so no network is needed once the venv exists).
fn build_command(config: &Config, python: &Path, project: &Path) -> Cmd {
    let outdir = config.dist_dir.to_string_lossy().into_owned();
    let Some(custom) = &config.build_command else {
        return Cmd::new(python)
            .args(["-m", "build", "--no-isolation", "--outdir"])
            .arg(&outdir)
            .arg(project)
            .current_dir(project);
    };
    let fill = |arg: &String| {
        arg.replace("{python}", &python.to_string_lossy())
            .replace("{project}", &project.to_string_lossy())
            .replace("{outdir}", &outdir)
    };
    let mut args = custom.iter().map(fill);
    let program = args.next().expect("config rejects an empty build-command");
    Cmd::new(program).args(args).current_dir(project)
}

/// Empties the dist dir of earlier artifacts. Anything pyship would not have written there stops
/// the build rather than being deleted.
fn fresh_dist_dir(dist: &Path) -> anyhow::Result<()> {
    fs_err::create_dir_all(dist)?;
    for entry in fs_err::read_dir(dist)? {
        let entry = entry?;
        let path = entry.path();
        let name = file_name(&path);
        if !entry.file_type()?.is_file() || !is_pyship_output(&name) {
            bail!(
                "`{}` is in the dist dir but is not a build artifact: move it, or set another `dist-dir`",
                path.display()
            );
        }
        fs_err::remove_file(&path)?;
    }
    Ok(())
}

#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "builds write lowercase extensions; anything else is not ours to delete"
)]
fn is_pyship_output(name: &str) -> bool {
    name.ends_with(".whl") || name.ends_with(".tar.gz") || name == "SHA256SUMS"
}

fn list_artifacts(dist: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut artifacts = Vec::new();
    for entry in fs_err::read_dir(dist)? {
        let path = entry?.path();
        if path.is_file() && file_name(&path) != "SHA256SUMS" {
            artifacts.push(path);
        }
    }
    artifacts.sort();
    Ok(artifacts)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}
