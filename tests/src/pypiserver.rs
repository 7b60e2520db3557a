//! A real index for tests: pypiserver from PyPI, run from a venv on a free loopback port with
//! htpasswd authentication (uploads need the password, reads do not), killed on drop. Shared by
//! the xtask end-to-end tests and `crates/publish`'s real-index tests.
//!
//! Setup (CI does this through `cargo xtask test --setup-only`, the command is [`SETUP`]): a venv
//! at `target/pyship/publish-venv` under the workspace root, or wherever `PYSHIP_PUBLISH_VENV`
//! points, holding pypiserver, passlib, build and flit_core. Tests fail, never skip, when it is
//! missing.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::repo::workspace_root;

/// How to create the venv by hand, from the workspace root.
pub const SETUP: &str = "python3 -m venv target/pyship/publish-venv && target/pyship/publish-venv/bin/pip install pypiserver==2.4.2 passlib==1.7.4 build==1.6.1 flit_core==3.12.0";
/// The environment variable naming the venv.
pub const VENV_ENV: &str = "PYSHIP_PUBLISH_VENV";
/// The one user in the htpasswd file.
pub const USER: &str = "uploader";
/// That user's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// The venv holding pypiserver; panics with the setup command when it is missing.
#[must_use]
pub fn venv() -> PathBuf {
    let venv = std::env::var_os(VENV_ENV).map_or_else(
        || workspace_root().join("target/pyship/publish-venv"),
        PathBuf::from,
    );
    assert!(
        venv.join("bin/pypi-server").is_file(),
        "pypiserver is not installed at `{}`; run from the workspace root: `{SETUP}` (or set `{VENV_ENV}`)",
        venv.display()
    );
    venv
}

/// A running pypiserver; killed on drop.
pub struct Pypiserver {
    child: Child,
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base: String,
    packages: tempfile::TempDir,
    _config: tempfile::TempDir,
}

impl Pypiserver {
    /// Starts a server with an empty package directory and waits until it listens. Uploads need
    /// the htpasswd credentials; reads are open.
    #[must_use]
    pub fn start() -> Pypiserver {
        Pypiserver::start_with_auth("update")
    }

    /// As [`Pypiserver::start`], but reads (the simple index, downloads) need the credentials
    /// too, as on a private index.
    #[must_use]
    pub fn start_private() -> Pypiserver {
        Pypiserver::start_with_auth("download,list,update")
    }

    fn start_with_auth(authenticated: &str) -> Pypiserver {
        let venv = venv();
        let config = tempfile::tempdir().expect("temp dir");
        let htpasswd = config.path().join("htpasswd");
        let status = Command::new(venv.join("bin/python"))
            .args([
                "-c",
                "import sys; from passlib.apache import HtpasswdFile as H; h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], sys.argv[3]); h.save()",
            ])
            .arg(&htpasswd)
            .args([USER, PASSWORD])
            .status()
            .expect("failed to run the venv's python");
        assert!(status.success(), "writing the htpasswd file failed");
        let packages = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let child = Command::new(venv.join("bin/pypi-server"))
            .args(["run", "-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-a", authenticated, "-P"])
            .arg(&htpasswd)
            .args(["--disable-fallback", "--log-stream", "none"])
            .arg(packages.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("failed to start pypi-server");
        let server = Pypiserver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            packages,
            _config: config,
        };
        wait_ready(port);
        server
    }

    /// The upload URL (pypiserver takes uploads at its root).
    #[must_use]
    pub fn upload_url(&self) -> String {
        format!("{}/", self.base)
    }

    /// The simple API root.
    #[must_use]
    pub fn simple_url(&self) -> String {
        format!("{}/simple/", self.base)
    }

    /// The file names the server has stored, sorted.
    #[must_use]
    pub fn stored(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.packages.path())
            .expect("read the package dir")
            .map(|entry| {
                entry
                    .expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// The stored bytes of one file.
    #[must_use]
    pub fn stored_bytes(&self, filename: &str) -> Vec<u8> {
        std::fs::read(self.packages.path().join(filename)).expect("read a stored file")
    }
}

impl Drop for Pypiserver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a free loopback port")
        .port()
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("pypiserver did not listen on port {port} within 30 s");
}

/// Builds the Python project at `project` (sdist and wheel) with `build` from the pypiserver
/// venv, without isolation (flit_core is installed there), and returns the paths, sorted.
#[must_use]
pub fn build_with_venv(project: &Path, out: &Path) -> Vec<PathBuf> {
    let output = Command::new(venv().join("bin/python"))
        .args(["-m", "build", "--no-isolation", "--outdir"])
        .arg(out)
        .arg(project)
        .output()
        .expect("failed to start `python -m build`");
    assert!(
        output.status.success(),
        "building `{}` failed: {}",
        project.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut paths: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("read the build output dir")
        .map(|entry| entry.expect("dir entry").path())
        .collect();
    paths.sort();
    paths
}
