//! The upload part of `cargo xtask bench`: one generated wheel uploaded to a local pypiserver
//! (htpasswd auth, a free loopback port, a fresh package folder per run) by pyship-publish's
//! `publish`, by `curl -F content=@file` and by `twine upload`, each as a child process whose peak
//! RSS (`ru_maxrss`) and wall time a small Python wrapper reports. Every upload is checked: the
//! server must hold the file with its exact size afterwards.
//!
//! Nothing secret leaves this machine: the password is made up per run, goes to pyship's child on
//! stdin, to curl in a netrc file and to twine in its environment, never on a command line.
//! See: issue 3, "Speed and memory" (targets: RSS < 64 MiB and flat, throughput >= 0.9x curl).

use std::io::{BufRead as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use pyship_publish::{
    Credentials, HttpClient, HttpOptions, IndexUrls, NoReporter, PollPolicy, PublishRequest,
    RetryPolicy, SafeUrl, Secret,
};

use super::{MIB, Setup, float, secs};
use crate::ExitStatus;

const USER: &str = "bench";

/// Runs the child with stdin/stdout passed through and prints, last, its exit code, peak RSS in
/// KiB and wall time in seconds (measured here, so Python's own start is not counted).
const MEASURE: &str = r#"
import resource, subprocess, sys, time
started = time.monotonic()
child = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
elapsed = time.monotonic() - started
sys.stdout.write(child.stdout.decode(errors="replace"))
if child.returncode != 0:
    sys.stdout.write(child.stderr.decode(errors="replace")[-2000:])
print("MEASURED", child.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, elapsed)
"#;

/// Writes an htpasswd file with one user (passlib is in the pypiserver venv).
const HTPASSWD: &str = "import sys; from passlib.apache import HtpasswdFile as H; h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], sys.argv[3]); h.save()";

/// One measured upload.
struct Measured {
    peak_kib: u64,
    elapsed: Duration,
    /// What the child printed (pyship's child: its own phase timings).
    stdout: String,
}

/// The tools compared, in the order they run within each round.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Pyship,
    Curl,
    Twine,
}

impl Tool {
    const ALL: [Tool; 3] = [Tool::Pyship, Tool::Curl, Tool::Twine];

    fn label(self) -> &'static str {
        match self {
            Tool::Pyship => "pyship publish (lookup + upload)",
            Tool::Curl => "curl -F content=@file",
            Tool::Twine => "twine upload",
        }
    }
}

pub(super) fn bench_upload(setup: &Setup, wheels: &[(u64, PathBuf)]) -> anyhow::Result<()> {
    let venv = publish_venv(setup)?;
    let twine = setup.dir.join("venv/bin/twine");
    ensure!(
        twine.is_file(),
        "`{}` is missing: the verify part's venv installs it",
        twine.display()
    );
    println!("\n== upload: generated wheels to a local pypiserver (loopback, htpasswd auth)");
    for (mib, wheel) in wheels {
        let size = fs_err::metadata(wheel)?.len();
        println!(
            "wheel {} MiB (`{}`), best of {} runs:",
            size / MIB,
            wheel.display(),
            setup.runs
        );
        let mut best: Vec<Option<Measured>> = vec![None, None, None];
        for _ in 0..setup.runs {
            for (slot, tool) in best.iter_mut().zip(Tool::ALL) {
                let mut measured = upload_once(setup, &venv, &twine, tool, wheel, size)?;
                // The best time, with the highest peak RSS seen in any run.
                if let Some(best) = slot.take() {
                    let peak_kib = best.peak_kib.max(measured.peak_kib);
                    if best.elapsed < measured.elapsed {
                        measured = best;
                    }
                    measured.peak_kib = peak_kib;
                }
                *slot = Some(measured);
            }
        }
        let best: Vec<Measured> = best.into_iter().map(Option::unwrap).collect();
        for (tool, measured) in Tool::ALL.iter().zip(&best) {
            println!(
                "  {:<34} best {:>7.3} s  {:>5.0} MB/s  max peak RSS {:>6.1} MiB  (load {})",
                tool.label(),
                secs(measured.elapsed),
                float(size) / 1e6 / secs(measured.elapsed),
                float(measured.peak_kib) / 1024.0,
                super::load_average()
            );
        }
        println!("  pyship phases (best run): {}", best[0].stdout.trim());
        let ratio = |i: usize| secs(best[i].elapsed) / secs(best[0].elapsed);
        println!(
            "  throughput pyship / curl: {:.2}x (target >= 0.9x); pyship / twine: {:.2}x; {mib} MiB",
            ratio(1),
            ratio(2)
        );
    }
    Ok(())
}

/// The pypiserver venv: `$PYSHIP_PUBLISH_VENV`, else the one `cargo xtask test` sets up.
fn publish_venv(setup: &Setup) -> anyhow::Result<PathBuf> {
    let venv = crate::config::publish_venv()
        .unwrap_or_else(|| setup.workspace.join("target/pyship/publish-venv"));
    ensure!(
        venv.join("bin/pypi-server").is_file(),
        "no pypiserver in `{}`: run `cargo xtask test --setup-only` or set `PYSHIP_PUBLISH_VENV`",
        venv.display()
    );
    Ok(venv)
}

/// Starts a fresh server, uploads `wheel` with `tool`, checks the stored copy, stops the server.
fn upload_once(
    setup: &Setup,
    venv: &Path,
    twine: &Path,
    tool: Tool,
    wheel: &Path,
    size: u64,
) -> anyhow::Result<Measured> {
    let server = Server::start(setup, venv)?;
    let url = format!("http://127.0.0.1:{}/", server.port);
    let wheel_arg = wheel.to_string_lossy().into_owned();
    let (argv, stdin, envs): (Vec<String>, String, Vec<(&str, &str)>) = match tool {
        Tool::Pyship => (
            vec![
                setup.xtask.to_string_lossy().into_owned(),
                "bench".into(),
                "--upload-child".into(),
                wheel_arg,
                "--upload-url".into(),
                url.clone(),
            ],
            format!("{}\n", server.password),
            vec![],
        ),
        Tool::Curl => (
            vec![
                "curl".into(),
                "--silent".into(),
                "--show-error".into(),
                "--fail".into(),
                "--netrc-file".into(),
                server.netrc.to_string_lossy().into_owned(),
                "-F".into(),
                ":action=file_upload".into(),
                "-F".into(),
                format!("content=@{wheel_arg}"),
                url.clone(),
            ],
            String::new(),
            vec![],
        ),
        Tool::Twine => (
            vec![
                twine.to_string_lossy().into_owned(),
                "upload".into(),
                "--non-interactive".into(),
                "--disable-progress-bar".into(),
                "--repository-url".into(),
                url.clone(),
                wheel_arg,
            ],
            String::new(),
            vec![
                ("TWINE_USERNAME", USER),
                ("TWINE_PASSWORD", server.password.as_str()),
            ],
        ),
    };
    let measured =
        measure(&argv, &stdin, &envs).with_context(|| format!("{} failed", tool.label()))?;
    server.check_stored(wheel, size)?;
    Ok(measured)
}

fn measure(argv: &[String], stdin: &str, envs: &[(&str, &str)]) -> anyhow::Result<Measured> {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(MEASURE)
        .args(argv)
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("failed to run `python3`")?;
    child
        .stdin
        .take()
        .expect("stdin was piped")
        .write_all(stdin.as_bytes())?;
    let output = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let (printed, last) = text
        .trim_end()
        .rsplit_once("MEASURED ")
        .with_context(|| format!("no measurement in `{text}`"))?;
    let fields: Vec<&str> = last.split_whitespace().collect();
    let [code, peak, elapsed] = fields[..] else {
        bail!("unexpected measurement `{last}`");
    };
    if code != "0" {
        bail!("`{}` exited {code}: {}", argv.join(" "), printed.trim());
    }
    Ok(Measured {
        peak_kib: peak.parse()?,
        elapsed: Duration::from_secs_f64(elapsed.parse()?),
        stdout: printed.to_owned(),
    })
}

/// A pypiserver on a free loopback port with its own package folder and htpasswd, both in a temp
/// dir under the bench folder; killed and removed on drop.
struct Server {
    child: Child,
    port: u16,
    password: String,
    netrc: PathBuf,
    dir: tempfile::TempDir,
}

impl Server {
    fn start(setup: &Setup, venv: &Path) -> anyhow::Result<Server> {
        let dir = tempfile::Builder::new()
            .prefix("upload-")
            .tempdir_in(&setup.dir)?;
        let password = format!("bench-{}-{}", std::process::id(), now_nanos());
        let htpasswd = dir.path().join("htpasswd");
        let status = Command::new(venv.join("bin/python"))
            .args(["-c", HTPASSWD])
            .arg(&htpasswd)
            .args([USER, &password])
            .status()?;
        ensure!(status.success(), "writing the htpasswd file failed");
        let netrc = dir.path().join("netrc");
        fs_err::write(
            &netrc,
            format!("machine 127.0.0.1 login {USER} password {password}\n"),
        )?;
        let packages = dir.path().join("packages");
        fs_err::create_dir(&packages)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(venv.join("bin/pypi-server"))
            .args(["run", "-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-a", "update", "-P"])
            .arg(&htpasswd)
            .args(["--disable-fallback", "--log-stream", "none"])
            .arg(&packages)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("failed to start pypi-server")?;
        let server = Server {
            child,
            port,
            password,
            netrc,
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    fn wait_ready(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!(
            "pypiserver did not listen on port {} within 30 s",
            self.port
        )
    }

    /// The upload counts only if the server stored the whole file.
    fn check_stored(&self, wheel: &Path, size: u64) -> anyhow::Result<()> {
        let name = wheel.file_name().context("the wheel has a file name")?;
        let stored = self.dir.path().join("packages").join(name);
        let found = fs_err::metadata(&stored).map(|m| m.len()).ok();
        ensure!(
            found == Some(size),
            "pypiserver holds {found:?} bytes of `{}`: expected {size}",
            stored.display()
        );
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now_nanos() -> u16 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u16)
}

/// The timed child: reads the password from stdin, then `read_artifact` (digests, metadata) and
/// `publish` (lookup, upload) of `file` to `url`; prints the time of each phase.
pub(super) fn upload_child(file: &Path, url: &str) -> anyhow::Result<ExitStatus> {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let started = Instant::now();
    let artifact = pyship_publish::read_artifact(file)
        .with_context(|| format!("failed to read `{}`", file.display()))?;
    let read = started.elapsed();
    let index = IndexUrls {
        upload: SafeUrl::parse(url)?,
        simple: SafeUrl::parse(&format!("{url}simple/"))?,
        json_api: None,
        site: None,
    };
    let credentials = Credentials {
        username: USER.to_owned(),
        password: Secret::new(password.trim_end()),
    };
    let artifacts = [artifact];
    let request = PublishRequest {
        index: &index,
        project: artifacts[0].name(),
        credentials: &credentials,
        artifacts: &artifacts,
        retry: RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(100),
            max_retry_after: Duration::from_secs(1),
        },
        poll: PollPolicy {
            attempts: 1,
            interval: Duration::from_millis(100),
        },
    };
    let client = HttpClient::new(&HttpOptions {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_mins(10),
        write_timeout: Duration::from_mins(10),
    });
    let upload_started = Instant::now();
    let report = pyship_publish::publish(&client, &request, &NoReporter)?;
    let upload = upload_started.elapsed();
    ensure!(
        report.is_complete(),
        "the upload did not complete: {report:?}"
    );
    println!(
        "read_artifact (digests + metadata) {:.3} s, publish (lookup + upload) {:.3} s",
        secs(read),
        secs(upload)
    );
    Ok(ExitStatus::Success)
}
