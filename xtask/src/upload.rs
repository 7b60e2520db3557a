//! `cargo xtask upload [PATH...]`: publish artifacts built elsewhere (a CI build matrix, say).
//! Nothing is sent until the whole batch passes: every artifact verifies with the same rules as
//! `cargo xtask verify`, a credential is found and passes the token gate, and the library's
//! preflight accepts the batch. Then the files go up with progress on stderr, the index is asked
//! to prove it serves the verified bytes, and the result lists every file as uploaded, already
//! present or failed; when a batch stops half-way it says which files are live and what to do.
//!
//! See: pypi-upload.md sections 1.7, 4.3, 8 items 6 and 9; field-failures C13.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use pyship_publish::{
    Event, FileResult, FileStatus, IndexUrls, LocalArtifact, PollPolicy, PublishReport,
    PublishRequest, Reporter, RetryPolicy, VerificationReport, publish, read_artifact,
    verify_published,
};
use pyship_verify::{Report, Target};
use serde::Serialize;
use serde_json::json;

use crate::ExitStatus;
use crate::config::{self, Config};
use crate::credentials::{self, Provider};
use crate::gates::{Gate, Verdict};
use crate::index::{self, IndexArgs};
use crate::python::{self, Venv};
use crate::verify::{self, Format};

#[derive(Debug, Args)]
pub(crate) struct UploadArgs {
    /// Artifacts, or directories holding them [default: the configured `dist-dir`].
    paths: Vec<PathBuf>,
    #[command(flatten)]
    index: IndexArgs,
    /// The project being published [default: `project.name` in the configured project's
    /// `pyproject.toml`]. Every artifact's `Name` must normalize to it.
    #[arg(long, value_name = "NAME")]
    project: Option<String>,
    /// Index whose verification rules apply: pypi, testpypi or generic [default: the configured
    /// `target`].
    #[arg(long)]
    target: Option<Target>,
    /// Turn verification warnings into errors.
    #[arg(long)]
    strict: bool,
    /// Output format: progress and the result for humans on stderr, or also the JSON report on
    /// stdout.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Python used to render reST descriptions with `readme_renderer`
    /// [default: pyship's build venv if set up, else `python3`].
    #[arg(long, env = config::PYTHON_ENV, value_name = "PATH")]
    python: Option<PathBuf>,
}

/// The upload's record, printed with `--format json` and written to `target/pyship/upload.json`.
#[derive(Debug, Default, Serialize)]
struct Outcome {
    schema_version: u32,
    command: &'static str,
    project: Option<String>,
    index: Option<serde_json::Value>,
    /// Verification of the local artifacts (the `verify` JSON document).
    verify: Option<serde_json::Value>,
    /// Credential and token gates.
    gates: Vec<Gate>,
    /// Why nothing was uploaded, when the run stopped before the first upload.
    error: Option<String>,
    /// Per file: uploaded, already present, failed or not attempted.
    publish: Option<PublishReport>,
    /// The post-upload proof.
    verification: Option<VerificationReport>,
    /// Files the index serves now, and files still missing from the release.
    live: Vec<String>,
    remaining: Vec<String>,
    exit_status: u8,
}

pub(crate) fn run(args: &UploadArgs, manifest_path: Option<&Path>) -> anyhow::Result<ExitStatus> {
    let config = Config::load(manifest_path)?;
    let mut outcome = Outcome {
        schema_version: verify::JSON_SCHEMA_VERSION,
        command: "upload",
        ..Outcome::default()
    };
    let status = match upload(args, &config, &mut outcome) {
        Ok(status) => status,
        Err(err) => {
            let message = crate::redact::token_shapes(&format!("{err:#}")).into_owned();
            eprintln!("error: {message}");
            eprintln!("nothing was uploaded");
            outcome.error = Some(message);
            // A path that cannot be read is a usage error (2), as for `verify`.
            if err.downcast_ref::<UnreadablePath>().is_some() {
                ExitStatus::Error
            } else {
                ExitStatus::Failure
            }
        }
    };
    outcome.exit_status = status as u8;
    finish(args, &config, &outcome)?;
    Ok(status)
}

/// Everything up to the first upload returns `Err` (nothing sent); after that the report speaks.
fn upload(args: &UploadArgs, config: &Config, outcome: &mut Outcome) -> anyhow::Result<ExitStatus> {
    let index = index::resolve(config, &args.index)?;
    outcome.index = Some(json!({
        "upload": index.upload.to_string(),
        "simple": index.simple.to_string(),
    }));
    let project = index::project_name(config, args.project.as_deref())?;
    outcome.project = Some(project.clone());

    // Step 1: verify every artifact, as `cargo xtask verify` does.
    let files = artifact_paths(args, config)?;
    let report = verify_files(args, config, &files)?;
    outcome.verify = Some(verify::report_json(&report, args.strict));
    if !report.is_clean(args.strict) {
        verify::print_report(&report, args.strict);
        anyhow::bail!(
            "{} (target {}): every artifact must verify before anything is uploaded",
            verify::summary_line(&report, args.strict),
            report.target
        );
    }
    eprintln!(
        "{} (target {})",
        verify::summary_line(&report, args.strict),
        report.target
    );
    let artifacts = read_artifacts(&files)?;

    // Step 2: the credential and the token gate.
    eprintln!("index: {}", index::describe(&index));
    let resolution = credentials::resolve(&index, args.index.username.as_deref(), &project);
    for gate in &resolution.gates {
        eprintln!("{:<8} {:<18} {}", gate.verdict, gate.name, gate.evidence);
    }
    outcome.gates.clone_from(&resolution.gates);
    let failed: Vec<&str> = resolution
        .gates
        .iter()
        .filter(|gate| gate.verdict == Verdict::Fail)
        .map(|gate| gate.name)
        .collect();
    if !failed.is_empty() {
        anyhow::bail!("the credential fails gate(s) {}", failed.join(", "));
    }
    let Some(source) = resolution.source else {
        anyhow::bail!(
            "no usable upload credential (see `{}`)",
            credentials::CREDENTIALS
        );
    };

    // Step 3: preflight, upload, and the proof.
    let client = index::client();
    let clock = index::now;
    let provider = Provider::new(source, &client, &index, &project, &clock);
    let request = request(&index, &project, &provider, &artifacts);
    pyship_publish::preflight(&request)?;
    let mut report = publish(&client, &request, &StderrReporter)?;
    let verification = verify_live(&client, &request, &report)?;
    fill_urls(&mut report, verification.as_ref());
    print_result(&report, verification.as_ref(), &index);
    outcome.live = report.live().iter().map(|f| (*f).to_owned()).collect();
    outcome.remaining = report.remaining().iter().map(|f| (*f).to_owned()).collect();
    let verified = verification
        .as_ref()
        .is_none_or(VerificationReport::is_verified);
    let status = if report.is_complete() && verified {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    };
    outcome.publish = Some(report);
    outcome.verification = verification;
    Ok(status)
}

/// A path given to `upload` that does not exist or cannot be read (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UnreadablePath(String);

fn artifact_paths(args: &UploadArgs, config: &Config) -> anyhow::Result<Vec<PathBuf>> {
    let paths = if args.paths.is_empty() {
        vec![config.dist_dir.clone()]
    } else {
        args.paths.clone()
    };
    let mut files = verify::collect_artifacts(&paths)
        .map_err(|(_, error)| anyhow::Error::new(UnreadablePath(format!("{error:#}"))))?;
    // PEP 740 attestations beside the files are not artifacts: the upload reads and checks them.
    files.retain(|file| {
        !file
            .to_string_lossy()
            .ends_with(pyship_publish::attestation::SUFFIX)
    });
    if files.is_empty() {
        let listed: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
        anyhow::bail!(
            "no artifacts found in {}; expected at least one wheel (`.whl`) or sdist (`.tar.gz`)",
            listed.join(", ")
        );
    }
    Ok(files)
}

fn verify_files(args: &UploadArgs, config: &Config, files: &[PathBuf]) -> anyhow::Result<Report> {
    let target = args.target.unwrap_or(config.target);
    let managed = Venv::at(&config.state_dir().join("venv"));
    let python = python::pick_python(args.python.as_deref(), &managed);
    let renderer = python::ReadmeRenderer::start(&python);
    // As in dry-run, reproducible mode is `verify`'s opt-in only.
    let settings = verify::Settings {
        target,
        md5: false,
        source_date_epoch: None,
    };
    verify::verify_with_progress(files, settings, Some(&renderer))
}

fn read_artifacts(files: &[PathBuf]) -> anyhow::Result<Vec<LocalArtifact>> {
    files
        .iter()
        .map(|path| {
            read_artifact(path).with_context(|| format!("cannot prepare `{}`", path.display()))
        })
        .collect()
}

fn request<'a>(
    index: &'a IndexUrls,
    project: &'a str,
    provider: &'a Provider<'a>,
    artifacts: &'a [LocalArtifact],
) -> PublishRequest<'a> {
    PublishRequest {
        index,
        project,
        credentials: provider,
        artifacts,
        retry: RetryPolicy::standard(),
        poll: poll_policy(index),
    }
}

/// PyPI's CDN purge is asynchronous; an index on this machine lists a file at once.
fn poll_policy(index: &IndexUrls) -> PollPolicy {
    if index.simple.is_loopback() {
        PollPolicy {
            attempts: 10,
            interval: std::time::Duration::from_millis(500),
        }
    } else {
        PollPolicy::standard()
    }
}

/// The post-upload proof for the files that are live (a failed file has nothing to prove).
fn verify_live(
    client: &pyship_publish::HttpClient,
    request: &PublishRequest<'_>,
    report: &PublishReport,
) -> anyhow::Result<Option<VerificationReport>> {
    let live = report.live();
    let artifacts: Vec<LocalArtifact> = request
        .artifacts
        .iter()
        .filter(|artifact| live.contains(&artifact.filename.as_str()))
        .cloned()
        .collect();
    if artifacts.is_empty() {
        return Ok(None);
    }
    let subset = PublishRequest {
        artifacts: &artifacts,
        retry: request.retry.clone(),
        poll: request.poll.clone(),
        ..*request
    };
    eprintln!(
        "verifying that the index serves the verified bytes of {} file(s)",
        artifacts.len()
    );
    Ok(Some(verify_published(client, &subset, &StderrReporter)?))
}

/// An uploaded file's URL is known once the index lists it.
fn fill_urls(report: &mut PublishReport, verification: Option<&VerificationReport>) {
    let Some(verification) = verification else {
        return;
    };
    for file in report.files.iter_mut().filter(|file| file.url.is_none()) {
        file.url = verification
            .files
            .iter()
            .find(|proof| proof.filename == file.filename)
            .and_then(|proof| proof.url.clone());
    }
}

/// Progress lines on stderr.
struct StderrReporter;

impl Reporter for StderrReporter {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::LookingUp { project } => eprintln!("looking up `{project}` in the index"),
            Event::AlreadyPresent { filename } => {
                eprintln!("{filename}: already present with the same sha256, skipped");
            }
            Event::Uploading { filename, attempt } => {
                eprintln!("{filename}: uploading (attempt {attempt})");
            }
            Event::Retrying {
                filename,
                attempt,
                delay,
                reason,
            } => eprintln!(
                "{filename}: attempt {attempt} failed ({reason}); looking up and retrying in {:.1} s",
                delay.as_secs_f64()
            ),
            Event::Uploaded { filename } => eprintln!("{filename}: uploaded"),
            Event::Polling { round, n_pending } => eprintln!(
                "waiting for {n_pending} file(s) to appear in the index (look-up {round})"
            ),
            _ => {}
        }
    }
}

fn print_result(
    report: &PublishReport,
    verification: Option<&VerificationReport>,
    index: &IndexUrls,
) {
    eprintln!(
        "\n== result: `{}` {} on {}",
        report.project,
        report.version,
        index::describe(index)
    );
    for file in &report.files {
        print_file(file, verification);
    }
    if report.is_complete() {
        let verified = verification.is_none_or(VerificationReport::is_verified);
        eprintln!(
            "upload: all {} file(s) live{}",
            report.files.len(),
            if verified {
                ", and the index serves exactly the verified bytes"
            } else {
                ", but the index does not serve what was verified (problems above)"
            }
        );
        return;
    }
    print_incomplete(report, index);
}

fn print_file(file: &FileResult, verification: Option<&VerificationReport>) {
    let status = match file.status {
        FileStatus::Uploaded => "uploaded",
        FileStatus::AlreadyPresent => "already present",
        FileStatus::Failed => "FAILED",
        FileStatus::NotAttempted => "not attempted",
    };
    eprintln!("{status:<16} {} ({} bytes)", file.filename, file.size);
    eprintln!("  sha256 {}", file.sha256);
    eprintln!("  blake2b-256 {}", file.blake2b_256);
    if let Some(url) = &file.url {
        eprintln!("  url {url}");
    }
    eprintln!("  attempts {}", file.attempts);
    if let Some(message) = &file.server_message {
        eprintln!("  index said: {message}");
    }
    if let Some(failure) = &file.failure {
        eprintln!("  error: {failure}");
    }
    if let Some(hint) = &file.hint {
        eprintln!("  hint: {hint}");
    }
    let proof = verification.and_then(|v| v.files.iter().find(|f| f.filename == file.filename));
    if let Some(proof) = proof {
        if proof.problems.is_empty() {
            eprintln!("  verified: the index serves these bytes");
        }
        for problem in &proof.problems {
            eprintln!("  not verified: {problem}");
        }
    }
}

/// The release is half-published: say exactly what is live and how to finish.
///
/// See: field-failures C13; pypi-upload.md section 8 item 9.
fn print_incomplete(report: &PublishReport, index: &IndexUrls) {
    let quote = |names: Vec<&str>| {
        if names.is_empty() {
            "none".to_owned()
        } else {
            names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    eprintln!(
        "error: the release is incomplete: a file was not uploaded (refused by the index, or its credentials could not be obtained: the reason is shown with the file above)\n  live on the index now: {}\n  not on the index: {}",
        quote(report.live()),
        quote(report.remaining())
    );
    let window = if index.site.is_some() {
        " within 14 days of the release's first upload (PyPI refuses new files in older releases)"
    } else {
        ""
    };
    eprintln!(
        "  next: fix the cause shown for the failed file, then run `cargo xtask upload` again with the same files{window}: live files are found and skipped, the rest are uploaded. Live files cannot be replaced under the same name."
    );
}

/// Prints (with `--format json`) and writes the record, redacted as a whole: it quotes the
/// index's messages and errors from outside.
fn finish(args: &UploadArgs, config: &Config, outcome: &Outcome) -> anyhow::Result<()> {
    let document = serde_json::to_value(outcome).context("failed to encode the upload report")?;
    // A token shape has no character JSON escapes, so masking the encoded text keeps it valid.
    let text = serde_json::to_string_pretty(&document)?;
    let text = crate::redact::token_shapes(&text);
    if args.format == Format::Json {
        println!("{text}");
    }
    match write_record(config, &text) {
        Ok(path) => eprintln!("upload record written to `{}`", path.display()),
        Err(err) => eprintln!("warning: the upload record was not written: {err:#}"),
    }
    Ok(())
}

fn write_record(config: &Config, text: &str) -> anyhow::Result<PathBuf> {
    let dir = config.state_dir();
    fs_err::create_dir_all(&dir)?;
    let path = dir.join("upload.json");
    fs_err::write(&path, text)?;
    Ok(path)
}
