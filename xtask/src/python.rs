//! Python environments xtask manages (the build venv, the test venv) and the reST renderer that
//! runs `readme_renderer` in one of them for pyship-verify.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use pyship_verify::{DescriptionRenderer, RenderOutcome};

use crate::cmd::{self, Cmd};

/// The file inside a venv recording which requirements were installed into it.
const MARKER: &str = ".pyship-requirements";

/// A virtual environment's Python, set up with a known list of requirements.
#[derive(Debug, Clone)]
pub(crate) struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// The venv at `dir` (which may not exist yet).
    pub(crate) fn at(dir: &Path) -> Venv {
        Venv {
            dir: dir.to_owned(),
        }
    }

    /// The venv's interpreter.
    pub(crate) fn python(&self) -> PathBuf {
        if cfg!(windows) {
            self.dir.join("Scripts").join("python.exe")
        } else {
            self.dir.join("bin").join("python")
        }
    }

    /// Whether the venv exists with exactly these requirements installed.
    pub(crate) fn is_ready(&self, requirements: &[String]) -> bool {
        let marker = fs_err::read_to_string(self.dir.join(MARKER)).ok();
        self.python().is_file() && marker.as_deref() == Some(marker_text(requirements).as_str())
    }

    /// Creates the venv with `python3 -m venv` if needed and installs `requirements` into it,
    /// unless a previous run already did (the marker file holds the installed list). This is
    /// the only step that needs the network; builds afterwards run without it.
    pub(crate) fn ensure(&self, requirements: &[String], log: &dyn Fn(&str)) -> anyhow::Result<()> {
        if self.is_ready(requirements) {
            return Ok(());
        }
        if !self.python().is_file() {
            log(&format!("creating venv `{}`", self.dir.display()));
            Cmd::new("python3")
                .args(["-m", "venv"])
                .arg(&self.dir)
                .run_captured()?;
        }
        log(&format!(
            "installing into `{}`: {}",
            self.dir.display(),
            requirements.join(" ")
        ));
        Cmd::new(self.python())
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .args(requirements)
            .run_captured()?;
        fs_err::write(self.dir.join(MARKER), marker_text(requirements))?;
        Ok(())
    }
}

fn marker_text(requirements: &[String]) -> String {
    let mut text = requirements.join("\n");
    text.push('\n');
    text
}

/// Whether `python` can import `module`.
pub(crate) fn can_import(python: &Path, module: &str) -> bool {
    Cmd::new(python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Renders reST with `readme_renderer.rst.render`, as PyPI does, in a child Python.
///
/// See: https://github.com/pypa/readme_renderer (render returns None when docutils reports an
/// error at or above the warning level it is given).
#[derive(Debug)]
pub(crate) struct ReadmeRenderer {
    python: PathBuf,
}

/// Reads the description from stdin; exit 0 = rendered, 1 = errors (printed), 3 = no renderer.
const RENDER_SCRIPT: &str = r#"
import io, sys
try:
    from readme_renderer.rst import render
except ImportError as err:
    print(f"readme_renderer is not importable: {err}")
    sys.exit(3)
text = sys.stdin.buffer.read().decode("utf-8")
stream = io.StringIO()
if render(text, stream=stream) is None:
    print(stream.getvalue().strip() or "readme_renderer could not render the description")
    sys.exit(1)
"#;

impl ReadmeRenderer {
    /// A renderer using `python`, when that interpreter has `readme_renderer` installed.
    pub(crate) fn detect(python: &Path) -> Option<ReadmeRenderer> {
        can_import(python, "readme_renderer.rst").then(|| ReadmeRenderer {
            python: python.to_owned(),
        })
    }
}

impl DescriptionRenderer for ReadmeRenderer {
    fn render_rst(&self, text: &str) -> RenderOutcome {
        let command = Cmd::new(&self.python).args(["-c", RENDER_SCRIPT]);
        let output = match command.output_with_stdin(text.as_bytes()) {
            Ok(output) => output,
            Err(err) => return RenderOutcome::Unavailable(format!("{err:#}")),
        };
        let message = cmd::tail(&String::from_utf8_lossy(&output.stdout), 10);
        match output.status.code() {
            Some(0) => RenderOutcome::Rendered,
            Some(1) => RenderOutcome::Failed(message),
            Some(3) => RenderOutcome::Unavailable(message),
            _ => RenderOutcome::Unavailable(
                command
                    .check(&output)
                    .err()
                    .map_or(message, |err| err.to_string()),
            ),
        }
    }
}

/// Picks the interpreter for helpers such as the renderer: an explicit one, else the managed
/// build venv when it exists, else `python3` from `PATH`.
pub(crate) fn pick_python(explicit: Option<&Path>, managed: &Venv) -> PathBuf {
    if let Some(python) = explicit {
        return python.to_owned();
    }
    let managed = managed.python();
    if managed.is_file() {
        managed
    } else {
        PathBuf::from("python3")
    }
}

/// Reads `[build-system].requires` of a `pyproject.toml` (PEP 518), for the build venv.
pub(crate) fn build_requires(pyproject: &Path) -> anyhow::Result<Vec<String>> {
    let text = fs_err::read_to_string(pyproject)?;
    let document: toml::Table = toml::from_str(&text)
        .with_context(|| format!("`{}` is not valid TOML", pyproject.display()))?;
    let requires = document
        .get("build-system")
        .and_then(|table| table.get("requires"))
        .and_then(toml::Value::as_array);
    Ok(requires
        .into_iter()
        .flatten()
        .filter_map(|value| value.as_str().map(str::to_owned))
        .collect())
}
