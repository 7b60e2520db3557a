//! Python environments xtask manages (the build venv, the test venv) and the reST renderer that
//! runs `readme_renderer` in one of them for pyship-verify.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::{Mutex, PoisonError};

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

/// Renders reST with `readme_renderer.rst.render`, as PyPI does, in one child Python for the
/// whole run, fed one description per request line. One import instead of one per description
/// is what makes verifying many artifacts cheap.
///
/// [`ReadmeRenderer::start`] waits for the import. Letting it run while the artifacts are read
/// was tried and measured slower on the corpus (2 cores): the verify threads that reach a reST
/// description first wait on the renderer's lock, and the import competes with them for CPU.
///
/// See: https://github.com/pypa/readme_renderer (render returns None when docutils reports an
/// error at or above the warning level it is given).
#[derive(Debug)]
pub(crate) struct ReadmeRenderer {
    server: Mutex<ServerState>,
}

/// The child once it said it can render, or why there is none: it could not start, could not
/// import the renderer, or broke the protocol (later descriptions are reported as not checked).
type ServerState = Result<RenderServer, String>;

#[derive(Debug)]
struct RenderServer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// The line protocol, JSON on both sides. The first line out says whether the renderer imports
/// (`{"ready": true}` or `{"ready": false, "message": ...}`). Then each line in is a JSON string
/// (a description) and each line out its verdict: `{"rendered": true}`,
/// `{"rendered": false, "message": <docutils' report>}` or `{"error": <why it could not run>}`.
/// Anything the renderer prints goes to stderr so it cannot break the protocol.
const RENDER_SERVER: &str = r#"
import io, json, sys
out, sys.stdout = sys.stdout, sys.stderr
def reply(value):
    out.write(json.dumps(value) + "\n")
    out.flush()
try:
    from readme_renderer.rst import render
except ImportError as err:
    reply({"ready": False, "message": f"readme_renderer is not importable: {err}"})
    sys.exit(0)
reply({"ready": True})
for line in sys.stdin:
    try:
        stream = io.StringIO()
        if render(json.loads(line), stream=stream) is None:
            message = stream.getvalue().strip()
            reply({"rendered": False, "message": message or "readme_renderer could not render the description"})
        else:
            reply({"rendered": True})
    except Exception as err:
        reply({"error": f"{type(err).__name__}: {err}"})
"#;

impl ReadmeRenderer {
    /// Starts the renderer child with `python` and waits until it says whether it can render.
    /// A `python` that cannot be started or cannot import the renderer makes a renderer that
    /// reports every description as not checked, saying why.
    pub(crate) fn start(python: &Path) -> ReadmeRenderer {
        let state = match Cmd::new(python).args(["-c", RENDER_SERVER]).spawn_piped() {
            Ok(child) => RenderServer::new(child).ready(),
            // The error would quote the whole script; the interpreter and the cause say enough.
            Err(err) => Err(format!(
                "no renderer (readme_renderer) is available: `{}` could not be started: {}",
                python.display(),
                err.root_cause()
            )),
        };
        ReadmeRenderer {
            server: Mutex::new(state),
        }
    }
}

impl RenderServer {
    fn new(mut child: Child) -> RenderServer {
        let stdin = child.stdin.take().expect("stdin was piped");
        let stdout = BufReader::new(child.stdout.take().expect("stdout was piped"));
        RenderServer {
            child,
            stdin,
            stdout,
        }
    }

    /// Waits for the child's first line: ready, or the reason it cannot render.
    fn ready(mut self) -> ServerState {
        match self.read_reply() {
            Ok(reply) if reply["ready"] == true => Ok(self),
            Ok(reply) => {
                self.stop();
                let why = reply["message"]
                    .as_str()
                    .unwrap_or("the readme_renderer process is not ready");
                Err(cmd::tail(why, 10))
            }
            Err(err) => {
                self.kill();
                Err(format!("{err:#}"))
            }
        }
    }

    fn read_reply(&mut self) -> anyhow::Result<serde_json::Value> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            anyhow::bail!("the readme_renderer process exited without answering");
        }
        serde_json::from_str(&line).context("the readme_renderer process answered with no JSON")
    }

    fn render(&mut self, text: &str) -> anyhow::Result<RenderOutcome> {
        let mut request = serde_json::to_string(text)?;
        request.push('\n');
        self.stdin
            .write_all(request.as_bytes())
            .and_then(|()| self.stdin.flush())
            .context("failed to send a description to the readme_renderer process")?;
        let reply = self.read_reply()?;
        let message = |key: &str| cmd::tail(reply[key].as_str().unwrap_or_default(), 10);
        Ok(match reply["rendered"].as_bool() {
            Some(true) => RenderOutcome::Rendered,
            Some(false) => RenderOutcome::Failed(message("message")),
            None => {
                RenderOutcome::Unavailable(format!("readme_renderer raised {}", message("error")))
            }
        })
    }

    /// Closes stdin (the child's loop ends) and reaps the child.
    fn stop(self) {
        let RenderServer {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        let _ = child.wait();
    }

    /// Ends a child that is not trusted or not needed any more.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ReadmeRenderer {
    fn drop(&mut self) {
        let state = std::mem::replace(
            self.server
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
            Err(String::new()),
        );
        if let Ok(server) = state {
            server.stop();
        }
    }
}

impl DescriptionRenderer for ReadmeRenderer {
    fn render_rst(&self, text: &str) -> RenderOutcome {
        let mut guard = self.server.lock().unwrap_or_else(PoisonError::into_inner);
        let server = match &mut *guard {
            Ok(server) => server,
            Err(why) => return RenderOutcome::Unavailable(why.clone()),
        };
        match server.render(text) {
            Ok(outcome) => outcome,
            Err(err) => {
                // A child that broke the protocol is not trusted with the next description.
                let why = format!("{err:#}");
                if let Ok(server) = std::mem::replace(&mut *guard, Err(why.clone())) {
                    server.kill();
                }
                RenderOutcome::Unavailable(why)
            }
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
    let document = crate::version::read_pyproject(pyproject)?;
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
