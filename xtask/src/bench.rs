//! `cargo xtask bench`: runs pyship and its peers on the same input in the same run and prints
//! the ratios. Three parts:
//! - verify: the release `xtask verify` binary against `twine check` and `check-wheel-contents`
//!   on the real corpus (each as a child process, best of several runs);
//! - digest: sha256 + blake2b-256 of a generated file (pyship-verify's `digest_reader`, in the
//!   release binary) against `openssl dgst -sha256` on the same file;
//! - memory: the peak RSS of `xtask verify` on generated wheels of two sizes, read from the
//!   kernel's rusage of the finished child;
//! - upload: pyship-publish against `curl -F` and `twine upload` to a local pypiserver (see
//!   `upload.rs`).
//!
//! Every figure is printed with the load average at the time: the machine may be shared.
//!
//! The peers are installed into a venv under `target/pyship-bench/` from PyPI. It is a benchmark,
//! not a test: it prints numbers and judges nothing.
//! See: BENCHMARKS.md (recorded results), verify-rules.md §5 (the targets).

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::{Args, ValueEnum};

use crate::ExitStatus;
use crate::python::Venv;

mod upload;

/// The peers, pinned so that runs stay comparable.
const PEERS: &[&str] = &["twine==7.0.0", "check-wheel-contents==0.6.3"];
const MIB: u64 = 1024 * 1024;

/// Which benchmarks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Part {
    /// `xtask verify` against `twine check` and `check-wheel-contents` on the corpus.
    Verify,
    /// sha256 + blake2b-256 against `openssl dgst -sha256`.
    Digest,
    /// Peak memory while verifying large generated wheels.
    Memory,
    /// Uploading generated wheels to a local pypiserver, against `curl -F` and `twine upload`.
    Upload,
}

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Parts to run [default: all].
    #[arg(long, value_enum)]
    only: Vec<Part>,
    /// Timed runs per command; the best is reported.
    #[arg(long, default_value_t = 5)]
    runs: u32,
    /// Size in MiB of the generated file (digest) and of the large wheel (memory).
    #[arg(long, default_value_t = 1024)]
    size_mib: u64,
    /// Internal: hash FILE with pyship-verify and print the digests (the timed child).
    #[arg(long, hide = true, value_name = "FILE")]
    digest_child: Option<PathBuf>,
    /// Internal: with `--digest-child`, hash with this one algorithm only, in one thread.
    #[arg(long, hide = true, value_enum, requires = "digest_child")]
    digest_only: Option<Algorithm>,
    /// Internal: upload FILE with pyship-publish to `--upload-url` (the timed child).
    #[arg(long, hide = true, value_name = "FILE", requires = "upload_url")]
    upload_child: Option<PathBuf>,
    /// Internal: the index URL for `--upload-child`.
    #[arg(long, hide = true, value_name = "URL")]
    upload_url: Option<String>,
}

/// One hash, timed alone to see which part of `digest_reader` dominates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Algorithm {
    Sha256,
    Blake2b,
}

/// Paths the parts share.
struct Setup {
    /// The release build of this binary.
    xtask: PathBuf,
    /// Scratch folder for generated inputs and the peers' venv.
    dir: PathBuf,
    workspace: PathBuf,
    runs: u32,
}

pub(crate) fn run(args: &BenchArgs, manifest_path: Option<&Path>) -> anyhow::Result<ExitStatus> {
    if let Some(file) = &args.digest_child {
        return match args.digest_only {
            Some(algorithm) => digest_one(file, algorithm),
            None => digest_child(file),
        };
    }
    if let (Some(file), Some(url)) = (&args.upload_child, &args.upload_url) {
        return upload::upload_child(file, url);
    }
    let setup = prepare(manifest_path, args.runs)?;
    let parts = if args.only.is_empty() {
        vec![Part::Verify, Part::Digest, Part::Memory, Part::Upload]
    } else {
        args.only.clone()
    };
    println!(
        "pyship bench: {} CPUs, best of {} runs, load average {} at the start",
        cpus(),
        args.runs,
        load_average()
    );
    for part in parts {
        match part {
            Part::Verify => bench_verify(&setup)?,
            Part::Digest => bench_digest(&setup, args.size_mib)?,
            Part::Memory => bench_memory(&setup, args.size_mib)?,
            Part::Upload => {
                let wheels = [128, args.size_mib]
                    .into_iter()
                    .map(|mib| Ok((mib, generated_wheel(&setup, mib)?)))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                upload::bench_upload(&setup, &wheels)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn digest_child(file: &Path) -> anyhow::Result<ExitStatus> {
    let mut reader = fs_err::File::open(file)?;
    let digests = pyship_verify::digest::digest_reader(&mut reader, false)
        .with_context(|| format!("failed to read `{}`", file.display()))?;
    println!("{} {}", digests.sha256, digests.blake2b_256);
    Ok(ExitStatus::Success)
}

/// Hashes `file` with one algorithm in this thread, in the same 1 MiB reads, and prints the hex.
fn digest_one(file: &Path, algorithm: Algorithm) -> anyhow::Result<ExitStatus> {
    use sha2::Digest as _;
    let mut reader = fs_err::File::open(file)?;
    let mut buffer = vec![0u8; MIB as usize];
    let mut sha256 = sha2::Sha256::new();
    let mut blake2b = blake2b_simd::Params::new().hash_length(32).to_state();
    loop {
        let n = std::io::Read::read(&mut reader, &mut buffer)?;
        if n == 0 {
            break;
        }
        match algorithm {
            Algorithm::Sha256 => sha256.update(&buffer[..n]),
            Algorithm::Blake2b => {
                blake2b.update(&buffer[..n]);
            }
        }
    }
    let hex = match algorithm {
        Algorithm::Sha256 => pyship_verify::digest::hex(&sha256.finalize()),
        Algorithm::Blake2b => blake2b.finalize().to_hex().to_string(),
    };
    println!("{hex}");
    Ok(ExitStatus::Success)
}

/// Builds the release binary and finds the folders.
fn prepare(manifest_path: Option<&Path>, runs: u32) -> anyhow::Result<Setup> {
    ensure!(runs > 0, "`--runs` must be at least 1");
    let mut command = cargo_metadata::MetadataCommand::new();
    command.no_deps();
    if let Some(path) = manifest_path {
        command.manifest_path(path);
    }
    let metadata = command.exec().context("failed to run `cargo metadata`")?;
    let workspace = PathBuf::from(metadata.workspace_root);
    let target = PathBuf::from(metadata.target_directory);
    eprintln!("bench: building the release binary");
    let status = Command::new(crate::config::cargo_program())
        .args(["build", "--release", "--quiet", "--package", "xtask"])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .status()
        .context("failed to run `cargo build --release`")?;
    ensure!(
        status.success(),
        "`cargo build --release` failed ({status})"
    );
    let dir = target.join("pyship-bench");
    fs_err::create_dir_all(&dir)?;
    Ok(Setup {
        xtask: target.join("release").join("xtask"),
        dir,
        workspace,
        runs,
    })
}

/// The 1, 5 and 15 minute load averages, as the kernel reports them.
fn load_average() -> String {
    fs_err::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// How long a command takes: the best and the median of `runs` runs.
struct Timing {
    best: Duration,
    median: Duration,
}

/// Runs `argv` `runs` times with output discarded. Exit status 0 or 1 both count (1 means
/// findings); anything else is an error.
fn time_command(argv: &[String], runs: u32) -> anyhow::Result<Timing> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new(&argv[0])
            .args(&argv[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .with_context(|| format!("failed to run `{}`", argv[0]))?;
        times.push(started.elapsed());
        ensure!(
            matches!(status.code(), Some(0 | 1)),
            "`{}` failed ({status})",
            argv.join(" ")
        );
    }
    times.sort();
    Ok(Timing {
        best: times[0],
        median: times[times.len() / 2],
    })
}

#[expect(
    clippy::cast_precision_loss,
    reason = "byte counts far below 2^52, printed with a few digits"
)]
fn float(n: u64) -> f64 {
    n as f64
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

fn strings<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(items: I) -> Vec<String> {
    items
        .into_iter()
        .map(|item| item.as_ref().to_string_lossy().into_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// verify

fn bench_verify(setup: &Setup) -> anyhow::Result<()> {
    let corpus = corpus_dir(&setup.workspace)?;
    let venv = Venv::at(&setup.dir.join("venv"));
    venv.ensure(&strings(PEERS), &|line| eprintln!("bench: {line}"))?;
    let bin = venv
        .python()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let wheels = list(&corpus.join("wheels"))?;
    let all: Vec<PathBuf> = wheels
        .iter()
        .cloned()
        .chain(list(&corpus.join("sdists"))?)
        .collect();
    println!(
        "\n== verify: {} corpus files ({} wheels) from `{}`",
        all.len(),
        wheels.len(),
        corpus.display()
    );
    let pyship = |files: &[PathBuf], python: &Path| -> Vec<String> {
        let mut argv = strings([setup.xtask.as_os_str()]);
        argv.extend(strings(["verify", "--target", "pypi", "--python"]));
        argv.push(python.to_string_lossy().into_owned());
        argv.extend(strings(files));
        argv
    };
    let peer = |tool: &str, files: &[PathBuf]| -> Vec<String> {
        let mut argv = strings([bin.join(tool)]);
        if tool == "twine" {
            argv.push("check".to_owned());
        }
        argv.extend(strings(files));
        argv
    };
    // With the venv's Python, pyship renders reST through readme_renderer, as twine does.
    let rendering = venv.python();
    // A Python that cannot import readme_renderer: the descriptions are not rendered.
    let no_render = PathBuf::from("/bin/false");
    let rows = [
        ("twine check (all files)", peer("twine", &all)),
        (
            "xtask verify (all files, reST rendered)",
            pyship(&all, &rendering),
        ),
        (
            "xtask verify (all files, no reST render)",
            pyship(&all, &no_render),
        ),
        (
            "check-wheel-contents (wheels)",
            peer("check-wheel-contents", &wheels),
        ),
        (
            "xtask verify (wheels, reST rendered)",
            pyship(&wheels, &rendering),
        ),
    ];
    let mut timings = Vec::new();
    for (label, argv) in &rows {
        let timing = time_command(argv, setup.runs)?;
        println!(
            "{label:<44} best {:>7.3} s   median {:>7.3} s   (load {})",
            secs(timing.best),
            secs(timing.median),
            load_average()
        );
        timings.push(timing);
    }
    let ratio = |peer: usize, ours: usize| secs(timings[peer].best) / secs(timings[ours].best);
    println!(
        "ratio twine check / xtask verify (reST rendered):      {:>6.1}x",
        ratio(0, 1)
    );
    println!(
        "ratio twine check / xtask verify (no reST render):     {:>6.1}x",
        ratio(0, 2)
    );
    println!(
        "ratio check-wheel-contents / xtask verify (wheels):    {:>6.1}x",
        ratio(3, 4)
    );
    Ok(())
}

/// The real corpus: `shared/corpus/real` beside the workspace or an ancestor, else the copy the
/// tests download into the target folder.
fn corpus_dir(workspace: &Path) -> anyhow::Result<PathBuf> {
    let shared = workspace
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/corpus/real"))
        .find(|dir| dir.is_dir());
    if let Some(dir) = shared {
        return Ok(dir);
    }
    let cache = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), |dir| workspace.join(dir))
        .join("pyship-corpus");
    ensure!(
        cache.join("wheels").is_dir(),
        "no corpus found: expected `../shared/corpus/real` or `{}` (run `cargo test -p pyship-tests corpus` once to download it)",
        cache.display()
    );
    Ok(cache)
}

fn list(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs_err::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

// ---------------------------------------------------------------------------------------------
// digest

fn bench_digest(setup: &Setup, size_mib: u64) -> anyhow::Result<()> {
    let file = setup.dir.join(format!("random-{size_mib}MiB.bin"));
    generate_random_file(&file, size_mib)?;
    println!(
        "\n== digest: {size_mib} MiB file `{}` (page-cached)",
        file.display()
    );
    let openssl = strings([
        Path::new("openssl").as_os_str(),
        "dgst".as_ref(),
        "-sha256".as_ref(),
        file.as_os_str(),
    ]);
    let ours = strings([
        setup.xtask.as_os_str(),
        "bench".as_ref(),
        "--digest-child".as_ref(),
        file.as_os_str(),
    ]);
    check_same_sha256(&openssl, &ours)?;
    let mb = float(size_mib * MIB) / 1e6;
    // Alternating rounds, so that a burst of load elsewhere hits both sides alike.
    let mut openssl_time: Option<Timing> = None;
    let mut ours_time: Option<Timing> = None;
    for _ in 0..setup.runs {
        for (argv, slot) in [(&openssl, &mut openssl_time), (&ours, &mut ours_time)] {
            let timing = time_command(argv, 1)?;
            if slot.as_ref().is_none_or(|best| timing.best < best.best) {
                *slot = Some(timing);
            }
        }
        println!("  round done (load {})", load_average());
    }
    let (openssl_time, ours_time) = (
        openssl_time.expect("runs > 0"),
        ours_time.expect("runs > 0"),
    );
    // Each hash alone (one thread, same reads): the slower one bounds the two-thread wall time,
    // and sha256 near openssl's speed shows that sha2 runs its SHA-NI backend.
    let alone = |algorithm: &str| -> anyhow::Result<Timing> {
        let mut argv = ours.clone();
        argv.extend(strings(["--digest-only", algorithm]));
        time_command(&argv, setup.runs)
    };
    let sha_alone = alone("sha256")?;
    let blake_alone = alone("blake2b")?;
    for (label, timing) in [
        ("openssl dgst -sha256", &openssl_time),
        ("pyship digest_reader (sha256 + blake2b-256)", &ours_time),
        ("  sha2 sha256 alone (1 thread)", &sha_alone),
        ("  blake2b_simd blake2b-256 alone (1 thread)", &blake_alone),
    ] {
        println!(
            "{label:<44} best {:>7.3} s   {:>6.0} MB/s   (load {})",
            secs(timing.best),
            mb / secs(timing.best),
            load_average()
        );
    }
    println!(
        "ratio pyship (sha256 + blake2b) / openssl sha256:      {:>6.2}x (target <= 1.5x)",
        secs(ours_time.best) / secs(openssl_time.best)
    );
    Ok(())
}

/// Writes `size_mib` MiB of pseudo-random bytes, unless the file is already there.
fn generate_random_file(path: &Path, size_mib: u64) -> anyhow::Result<()> {
    if fs_err::metadata(path).is_ok_and(|m| m.len() == size_mib * MIB) {
        return Ok(());
    }
    eprintln!("bench: writing `{}`", path.display());
    let mut out = BufWriter::new(File::create(path)?);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut block = vec![0u8; MIB as usize];
    for _ in 0..size_mib {
        for word in block.chunks_exact_mut(8) {
            // xorshift64: fast, and enough that no hash gets an easy input.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        out.write_all(&block)?;
    }
    out.flush()?;
    Ok(())
}

/// Runs both once (which also warms the page cache) and checks they agree on sha256.
fn check_same_sha256(openssl: &[String], ours: &[String]) -> anyhow::Result<()> {
    let first_hex = |argv: &[String]| -> anyhow::Result<String> {
        let output = Command::new(&argv[0])
            .args(&argv[1..])
            .output()
            .with_context(|| format!("failed to run `{}`", argv[0]))?;
        ensure!(output.status.success(), "`{}` failed", argv.join(" "));
        let text = String::from_utf8_lossy(&output.stdout);
        // openssl prints `SHA2-256(path)= <hex>`; the child prints `<sha256> <blake2b>`.
        let hex = text
            .split(['=', ' ', '\n'])
            .find(|word| word.len() == 64 && word.bytes().all(|b| b.is_ascii_hexdigit()));
        hex.map(str::to_owned)
            .with_context(|| format!("no sha256 in the output of `{}`", argv[0]))
    };
    let (theirs, mine) = (first_hex(openssl)?, first_hex(ours)?);
    if theirs != mine {
        bail!("sha256 differs: openssl says {theirs}, pyship says {mine}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// memory

/// Writes a valid wheel `bigwheel-1.0-py3-none-any.whl` of about `size_mib` MiB: 32 MiB members,
/// alternately stored (random bytes) and deflated (base64 text), with a RECORD of their hashes.
const MAKE_WHEEL: &str = r#"
import base64, hashlib, os, sys, zipfile
path, size_mib = sys.argv[1], int(sys.argv[2])
member_mib = min(32, size_mib)
# 4 KiB short of whole MiBs, so that the members, RECORD and metadata stay within size_mib MiB
# uncompressed: the 1024 MiB wheel must pass ZIP-16's 1 GiB limit to be a valid wheel.
member_bytes = (member_mib << 20) - 4096
record = []
def add(zf, name, data, method):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = method
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compresslevel=1)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(data)}")
with zipfile.ZipFile(path + ".part", "w") as zf:
    add(zf, "bigwheel/__init__.py", b"", zipfile.ZIP_DEFLATED)
    for i in range(size_mib // member_mib):
        if i % 2 == 0:
            add(zf, f"bigwheel/blob{i:04}.bin", os.urandom(member_bytes), zipfile.ZIP_STORED)
        else:
            text = base64.b64encode(os.urandom(member_bytes * 3 // 4))
            add(zf, f"bigwheel/text{i:04}.txt", text, zipfile.ZIP_DEFLATED)
    add(zf, "bigwheel-1.0.dist-info/METADATA",
        b"Metadata-Version: 2.4\nName: bigwheel\nVersion: 1.0\nSummary: A large generated wheel\n",
        zipfile.ZIP_DEFLATED)
    add(zf, "bigwheel-1.0.dist-info/WHEEL",
        b"Wheel-Version: 1.0\nGenerator: pyship-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        zipfile.ZIP_DEFLATED)
    record.append("bigwheel-1.0.dist-info/RECORD,,")
    info = zipfile.ZipInfo("bigwheel-1.0.dist-info/RECORD", date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, "\n".join(record) + "\n")
os.replace(path + ".part", path)
"#;

/// Runs the command after `--` and prints its exit code and peak RSS in KiB (`ru_maxrss`).
const PEAK_RSS: &str = r"
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
";

fn bench_memory(setup: &Setup, size_mib: u64) -> anyhow::Result<()> {
    println!("\n== memory: peak RSS of `xtask verify --target generic` on generated wheels");
    let mut peaks = Vec::new();
    for mib in [128, size_mib] {
        let wheel = generated_wheel(setup, mib)?;
        let size = fs_err::metadata(&wheel)?.len();
        let started = Instant::now();
        let output = run_python(&[
            PEAK_RSS,
            &setup.xtask.to_string_lossy(),
            "verify",
            "--target",
            "generic",
            "--python",
            "/bin/false",
            &wheel.to_string_lossy(),
        ])?;
        let elapsed = started.elapsed();
        let (code, peak_kib) = parse_peak(&output)?;
        println!(
            "wheel {:>5} MiB: exit {code}, peak RSS {:>6.1} MiB, {:>6.3} s ({:>4.0} MB/s)   (load {})",
            size / MIB,
            float(peak_kib) / 1024.0,
            secs(elapsed),
            float(size) / 1e6 / secs(elapsed),
            load_average()
        );
        if code != 0 {
            println!("  (findings on the generated wheel: run `xtask verify` on it to see them)");
        }
        peaks.push(peak_kib);
    }
    println!(
        "peak RSS ratio {} MiB / 128 MiB wheel:                  {:>6.2}x (target: flat, < 64 MiB)",
        size_mib,
        float(peaks[1]) / float(peaks[0])
    );
    Ok(())
}

/// The generated wheel of about `mib` MiB, written on first use and kept for later runs.
fn generated_wheel(setup: &Setup, mib: u64) -> anyhow::Result<PathBuf> {
    // `v2`: the generator changed (members 4 KiB short); older cached wheels are not reused.
    let dir = setup.dir.join(format!("wheel-v2-{mib}MiB"));
    let wheel = dir.join("bigwheel-1.0-py3-none-any.whl");
    if !wheel.is_file() {
        eprintln!("bench: writing `{}`", wheel.display());
        fs_err::create_dir_all(&dir)?;
        run_python(&[MAKE_WHEEL, &wheel.to_string_lossy(), &mib.to_string()])?;
    }
    Ok(wheel)
}

fn run_python(args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("python3")
        .arg("-c")
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .context("failed to run `python3`")?;
    ensure!(
        output.status.success(),
        "python3 failed ({})",
        output.status
    );
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn parse_peak(output: &str) -> anyhow::Result<(i32, u64)> {
    let mut words = output.split_whitespace();
    let code = words.next().and_then(|w| w.parse().ok());
    let peak = words.next().and_then(|w| w.parse().ok());
    code.zip(peak)
        .with_context(|| format!("unexpected peak-RSS output `{output}`"))
}
