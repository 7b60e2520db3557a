//! `cargo xtask verify [PATH...]`: verify artifacts and report every finding, for humans on
//! stderr or as a stable JSON document on stdout. The report printers are shared with `dry-run`.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pyship_verify::{
    ArtifactReport, DescriptionRenderer, Finding, Report, Reporter, Severity, Target, VerifyOptions,
};
use serde_json::json;

use crate::ExitStatus;
use crate::config::{self, Config};
use crate::deep::{self, DeepChecks};
use crate::python::{self, Venv};

/// Version of the JSON documents `verify` and `dry-run` print. Bumped on any incompatible change.
pub(crate) const JSON_SCHEMA_VERSION: u32 = 1;

/// A directory entry with this name is skipped when a directory is verified: it is pyship's own
/// checksum file, not an artifact.
const SHA256SUMS: &str = "SHA256SUMS";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Human-readable, on stderr.
    Human,
    /// A stable JSON document, on stdout.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Artifacts, or directories holding them [default: the configured `dist-dir`].
    paths: Vec<PathBuf>,
    /// Index whose rules apply: pypi, testpypi or generic [default: the configured `target`].
    #[arg(long)]
    target: Option<Target>,
    /// Turn warnings into errors.
    #[arg(long)]
    strict: bool,
    /// Also compute md5 digests.
    #[arg(long)]
    md5: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write a `SHA256SUMS` file (the format `sha256sum -c` reads) for the artifacts to FILE.
    #[arg(long, value_name = "FILE")]
    sha256sums: Option<PathBuf>,
    /// Python used to render reST descriptions with `readme_renderer`
    /// [default: pyship's build venv if set up, else `python3`].
    #[arg(long, env = config::PYTHON_ENV, value_name = "PATH")]
    python: Option<PathBuf>,
    /// Also run the deep checks WHL-13 (abi3audit) and WHL-14 (auditwheel) on the wheels whose
    /// tags call for them [default: the configured `deep` list].
    #[arg(long)]
    deep: bool,
    /// A Python that already has `auditwheel` and `abi3audit`, used instead of pyship's venv
    /// under `target/pyship/deep-venv`.
    #[arg(long, env = config::DEEP_PYTHON_ENV, value_name = "PATH")]
    deep_python: Option<PathBuf>,
    /// Reproducible mode: every wheel entry's timestamp must be SECONDS (clamped to 1980), an
    /// sdist's gzip MTIME 0 or SECONDS, and no sdist member newer [default: `SOURCE_DATE_EPOCH`].
    #[arg(long, value_name = "SECONDS")]
    source_date_epoch: Option<u64>,
}

pub(crate) fn run(args: &VerifyArgs, manifest_path: Option<&Path>) -> anyhow::Result<ExitStatus> {
    let plan = Plan::load(args, manifest_path);
    let target = plan.as_ref().ok().map(|plan| plan.target);
    let outcome = plan
        .map_err(|failure| (None, failure))
        .and_then(|mut plan| {
            let files = files_to_verify(&plan.paths).map_err(|failure| (None, failure))?;
            verify_and_sum(args, &mut plan, &files)
        });

    // Every outcome is printed in the chosen format: with `--format json`, stdout always
    // carries one document, even when no artifact could be verified.
    let (report, failure) = match outcome {
        Ok(report) => (Some(report), None),
        Err((report, failure)) => (report, Some(failure)),
    };
    if let Some(failure) = &failure {
        failure.print();
    }
    match args.format {
        Format::Json => {
            let document = run_json(target, report.as_ref(), failure.as_ref(), args.strict);
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        Format::Human => {
            if let Some(report) = &report {
                print_report(report, args.strict);
            }
        }
    }
    Ok(match (failure, report) {
        (Some(failure), _) => failure.status,
        (None, Some(report)) if report.is_clean(args.strict) => ExitStatus::Success,
        (None, _) => ExitStatus::Failure,
    })
}

/// Why `verify` could not produce (or finish) its report, and the exit status that says so.
struct Failure {
    /// 1 when no artifact was found, 2 for a path that cannot be read or an internal error.
    status: ExitStatus,
    /// The path the failure is about, when there is one.
    path: Option<PathBuf>,
    error: anyhow::Error,
}

impl Failure {
    fn error(error: anyhow::Error) -> Failure {
        Failure {
            status: ExitStatus::Error,
            path: None,
            error,
        }
    }

    fn print(&self) {
        for line in crate::redact::error_lines(&self.error) {
            eprintln!("{line}");
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let redacted = |text: String| crate::redact::token_shapes(&text).into_owned();
        let causes: Vec<String> = self
            .error
            .chain()
            .skip(1)
            .map(|cause| redacted(cause.to_string()))
            .collect();
        json!({
            "message": redacted(self.error.to_string()),
            "path": self.path,
            "causes": causes,
        })
    }
}

/// What to verify, from the command line and the config.
struct Plan {
    target: Target,
    /// `--source-date-epoch`, else `SOURCE_DATE_EPOCH`.
    source_date_epoch: Option<u64>,
    /// Artifacts or directories holding them.
    paths: Vec<PathBuf>,
    /// The workspace config, or the reading of it still under way.
    config: WorkspaceConfig,
}

/// The workspace config of a run. When the command line names the files and the target, the
/// config only adds its `deep` list and pyship's venv paths, so `cargo metadata` (tens of
/// milliseconds, most of a small run) reads it on a thread while the files are verified.
enum WorkspaceConfig {
    Read(Option<Box<Config>>),
    Reading(std::thread::JoinHandle<Option<Box<Config>>>),
}

impl WorkspaceConfig {
    /// The config, waiting for the thread if it is still reading; `None` outside a workspace.
    fn get(&mut self) -> Option<&Config> {
        if let WorkspaceConfig::Reading(_) = self {
            let WorkspaceConfig::Reading(handle) =
                std::mem::replace(self, WorkspaceConfig::Read(None))
            else {
                unreachable!("checked just above");
            };
            // A panic on the thread surfaces here, as it would have without the thread.
            let config = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            *self = WorkspaceConfig::Read(config);
        }
        match self {
            WorkspaceConfig::Read(config) => config.as_deref(),
            WorkspaceConfig::Reading(_) => unreachable!("joined above"),
        }
    }
}

impl Plan {
    fn load(args: &VerifyArgs, manifest_path: Option<&Path>) -> Result<Plan, Failure> {
        // The workspace config is required only for what the command line leaves out; when the
        // command line says it all (paths and target), verify also runs outside a workspace, and
        // a workspace config only adds its `deep` list.
        let source_date_epoch = match args.source_date_epoch {
            Some(seconds) => Some(seconds),
            None => config::source_date_epoch().map_err(Failure::error)?,
        };
        if let (false, Some(target)) = (args.paths.is_empty(), args.target) {
            let manifest_path = manifest_path.map(Path::to_path_buf);
            let reading = std::thread::spawn(move || {
                Config::load(manifest_path.as_deref()).ok().map(Box::new)
            });
            return Ok(Plan {
                target,
                source_date_epoch,
                paths: args.paths.clone(),
                config: WorkspaceConfig::Reading(reading),
            });
        }
        let config = Config::load(manifest_path).map_err(Failure::error)?;
        let paths = if args.paths.is_empty() {
            vec![config.dist_dir.clone()]
        } else {
            args.paths.clone()
        };
        Ok(Plan {
            target: args.target.unwrap_or(config.target),
            source_date_epoch,
            paths,
            config: WorkspaceConfig::Read(Some(Box::new(config))),
        })
    }

    /// The deep checks to run: all with `--deep`, else the config's list.
    fn deep(&mut self, args: &VerifyArgs) -> DeepChecks {
        if args.deep {
            return DeepChecks::ALL;
        }
        self.config
            .get()
            .map(|config| config.deep)
            .unwrap_or_default()
    }

    /// pyship's state directory, where the deep checks' venv lives.
    fn state_dir(&mut self) -> PathBuf {
        self.config
            .get()
            .map_or_else(|| PathBuf::from("target/pyship"), Config::state_dir)
    }
}

/// The artifact files under `paths`; none at all is a failure (exit 1), as is a path that
/// cannot be read (exit 2).
fn files_to_verify(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let files = collect_artifacts(paths).map_err(|(path, error)| Failure {
        status: ExitStatus::Error,
        path: Some(path),
        error,
    })?;
    if !files.is_empty() {
        return Ok(files);
    }
    let listed: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
    Err(Failure {
        status: ExitStatus::Failure,
        path: (paths.len() == 1).then(|| paths[0].clone()),
        error: anyhow::anyhow!(
            "no artifacts found in {}; expected at least one wheel (`.whl`) or sdist (`.tar.gz`)",
            listed.join(", ")
        ),
    })
}

/// Verifies `files`, then writes `SHA256SUMS` when asked. A failure to write it keeps the report.
fn verify_and_sum(
    args: &VerifyArgs,
    plan: &mut Plan,
    files: &[PathBuf],
) -> Result<Report, (Option<Report>, Failure)> {
    // The config (for pyship's build venv) is waited for only when `--python` is not given.
    let python = match &args.python {
        Some(python) => python.clone(),
        None => python::pick_python(None, &Venv::at(&build_venv_dir(plan.config.get()))),
    };
    let renderer = python::ReadmeRenderer::start(&python);
    let settings = Settings {
        target: plan.target,
        md5: args.md5,
        source_date_epoch: plan.source_date_epoch,
    };
    let mut report = verify_with_progress(files, settings, Some(&renderer))
        .map_err(|error| (None, Failure::error(error)))?;
    let deep = plan.deep(args);
    if deep.any() {
        let state_dir = plan.state_dir();
        let python = deep::tools_python(args.deep_python.as_deref(), &state_dir, &|line| {
            eprintln!("{line}");
        })
        .map_err(|error| (Some(report.clone()), Failure::error(error)))?;
        deep::run(deep, &python, &mut report);
    }
    if let Some(path) = &args.sha256sums
        && let Err(error) = write_sha256sums(path, &report)
    {
        let failure = Failure {
            status: ExitStatus::Error,
            path: Some(path.clone()),
            error,
        };
        return Err((Some(report), failure));
    }
    Ok(report)
}

/// The JSON document of a run: the report's, or an empty one, with the run's `errors`.
fn run_json(
    target: Option<Target>,
    report: Option<&Report>,
    failure: Option<&Failure>,
    strict: bool,
) -> serde_json::Value {
    let mut document = match report {
        Some(report) => report_json(report, strict),
        None => json!({
            "schema_version": JSON_SCHEMA_VERSION,
            "target": target.map(|target| target.to_string()),
            "strict": strict,
            "clean": false,
            "counts": {"artifacts": 0, "errors": 0, "warnings": 0, "info": 0},
            "artifacts": [],
            "set_findings": [],
        }),
    };
    let errors: Vec<serde_json::Value> = failure.iter().map(|f| f.to_json()).collect();
    document["errors"] = errors.into();
    if failure.is_some() {
        document["clean"] = false.into();
    }
    document
}

fn build_venv_dir(config: Option<&Config>) -> PathBuf {
    config.map_or_else(
        || PathBuf::from("target/pyship/venv"),
        |config| config.state_dir().join("venv"),
    )
}

/// The verification settings `verify` and `dry-run` choose.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// The index whose rules apply.
    pub(crate) target: Target,
    /// Also compute md5 digests.
    pub(crate) md5: bool,
    /// Reproducible mode's `SOURCE_DATE_EPOCH`.
    pub(crate) source_date_epoch: Option<u64>,
}

/// Runs pyship-verify, drawing a progress bar on a terminal for sets large enough to wait for.
pub(crate) fn verify_with_progress(
    files: &[PathBuf],
    settings: Settings,
    renderer: Option<&python::ReadmeRenderer>,
) -> anyhow::Result<Report> {
    let progress = BarReporter::new(files.len());
    let options = VerifyOptions {
        target: settings.target,
        md5: settings.md5,
        renderer: renderer.map(|r| r as &dyn DescriptionRenderer),
        reporter: Some(&progress),
        source_date_epoch: settings.source_date_epoch,
    };
    let report = pyship_verify::verify_files(files, &options);
    progress.bar.finish_and_clear();
    Ok(report?)
}

/// Lists the artifacts to verify: files as given, directories expanded to their regular files
/// (sorted, `SHA256SUMS` skipped). A path that does not exist or cannot be listed is an error
/// naming it.
pub(crate) fn collect_artifacts(
    paths: &[PathBuf],
) -> Result<Vec<PathBuf>, (PathBuf, anyhow::Error)> {
    let mut files = Vec::new();
    for path in paths {
        let listed = list_path(path).map_err(|error| (path.clone(), error))?;
        files.extend(listed);
    }
    // The same file named twice (or through a directory and by name) is verified once, so it is
    // not reported as clashing with itself.
    let mut seen = std::collections::HashSet::new();
    files.retain(|file| seen.insert(fs_err::canonicalize(file).unwrap_or_else(|_| file.clone())));
    Ok(files)
}

/// `path` itself, or the regular files of the directory `path`.
fn list_path(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let metadata = match fs_err::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "cannot verify `{}`: it does not exist; expected a wheel, an sdist or a directory \
             holding them",
            path.display()
        ),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot verify `{}`", path.display()));
        }
    };
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut entries = Vec::new();
    for entry in fs_err::read_dir(path)? {
        let entry = entry?;
        let is_sums = entry.file_name() == SHA256SUMS;
        if entry.file_type()?.is_file() && !is_sums {
            entries.push(entry.path());
        }
    }
    entries.sort();
    Ok(entries)
}

/// Writes `SHA256SUMS` for the report's artifacts.
pub(crate) fn write_sha256sums(path: &Path, report: &Report) -> anyhow::Result<()> {
    fs_err::write(path, sha256sums_text(report))?;
    Ok(())
}

/// The `SHA256SUMS` text for the report's artifacts.
pub(crate) fn sha256sums_text(report: &Report) -> String {
    pyship_verify::sha256sums(
        report
            .artifacts
            .iter()
            .map(|artifact| (artifact.filename.as_str(), &artifact.digests)),
    )
}

/// Prints the report grouped per artifact, every finding, then a summary line.
pub(crate) fn print_report(report: &Report, strict: bool) {
    for artifact in &report.artifacts {
        print_artifact(artifact, strict);
    }
    if !report.set_findings.is_empty() {
        eprintln!("across artifacts");
        for finding in &report.set_findings {
            print_finding(finding, strict);
        }
    }
    eprintln!("{}", summary_line(report, strict));
}

fn print_artifact(artifact: &ArtifactReport, strict: bool) {
    eprintln!("{} ({} bytes)", artifact.filename, artifact.size);
    eprintln!("  sha256 {}", artifact.digests.sha256);
    eprintln!("  blake2b-256 {}", artifact.digests.blake2b_256);
    if let Some(md5) = &artifact.digests.md5 {
        eprintln!("  md5 {md5}");
    }
    if artifact.findings.is_empty() {
        eprintln!("  no findings");
    }
    for finding in &artifact.findings {
        print_finding(finding, strict);
    }
}

fn print_finding(finding: &Finding, strict: bool) {
    let severity = finding.effective_severity(strict);
    let member = finding
        .member
        .as_deref()
        .map(|member| format!("`{}`: ", terminal_safe(member)))
        .unwrap_or_default();
    eprintln!(
        "  {severity}[{}]: {member}{}",
        finding.id,
        terminal_safe(&finding.message)
    );
}

/// Member names come from the artifact, so they may hold escape sequences or line breaks: those
/// are shown escaped, never sent to the terminal as they are.
fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// `verify: 2 artifacts, 1 error, 0 warnings` (with `--strict` warnings count as errors).
pub(crate) fn summary_line(report: &Report, strict: bool) -> String {
    let counts = Counts::of(report, strict);
    format!(
        "verify: {} artifact(s), {} error(s), {} warning(s), {} info{}",
        report.artifacts.len(),
        counts.errors,
        counts.warnings,
        counts.info,
        if strict { " (strict)" } else { "" }
    )
}

/// Findings per effective severity.
struct Counts {
    errors: usize,
    warnings: usize,
    info: usize,
}

impl Counts {
    fn of(report: &Report, strict: bool) -> Counts {
        let count = |severity| {
            report
                .findings()
                .filter(|finding| finding.effective_severity(strict) == severity)
                .count()
        };
        Counts {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            info: count(Severity::Info),
        }
    }
}

/// The stable JSON document for a report. Keys are only ever added within one schema version.
pub(crate) fn report_json(report: &Report, strict: bool) -> serde_json::Value {
    let counts = Counts::of(report, strict);
    let artifacts: Vec<_> = report
        .artifacts
        .iter()
        .map(|artifact| artifact_json(artifact, strict))
        .collect();
    let set_findings: Vec<_> = report
        .set_findings
        .iter()
        .map(|finding| finding_json(finding, strict))
        .collect();
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "target": report.target.to_string(),
        "strict": strict,
        "clean": counts.errors == 0,
        "counts": {
            "artifacts": report.artifacts.len(),
            "errors": counts.errors,
            "warnings": counts.warnings,
            "info": counts.info,
        },
        "artifacts": artifacts,
        "set_findings": set_findings,
    })
}

fn artifact_json(artifact: &ArtifactReport, strict: bool) -> serde_json::Value {
    let findings: Vec<_> = artifact
        .findings
        .iter()
        .map(|finding| finding_json(finding, strict))
        .collect();
    json!({
        "path": artifact.path,
        "filename": artifact.filename,
        "kind": artifact.kind,
        "size": artifact.size,
        "digests": artifact.digests,
        "name": artifact.name,
        "version": artifact.version,
        "findings": findings,
    })
}

fn finding_json(finding: &Finding, strict: bool) -> serde_json::Value {
    json!({
        "id": finding.id,
        "severity": finding.effective_severity(strict),
        "catalogue_severity": finding.severity,
        "artifact": finding.artifact,
        "member": finding.member,
        "message": finding.message,
    })
}

/// A progress bar on stderr, shown only on a terminal, for sets of at least `MIN_ARTIFACTS`.
struct BarReporter {
    bar: ProgressBar,
}

impl BarReporter {
    const MIN_ARTIFACTS: usize = 8;

    fn new(n_artifacts: usize) -> BarReporter {
        let visible = n_artifacts >= Self::MIN_ARTIFACTS
            && std::io::stderr().is_terminal()
            && config::progress_allowed();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(n_artifacts as u64), target);
        bar.set_style(
            ProgressStyle::with_template("verifying {bar:30} {pos}/{len} {wide_msg}")
                .expect("the template is valid"),
        );
        BarReporter { bar }
    }
}

impl Reporter for BarReporter {
    fn on_start(&self, n_artifacts: usize) {
        self.bar.set_length(n_artifacts as u64);
    }

    fn on_artifact_done(&self, filename: &str) {
        self.bar.set_message(filename.to_owned());
        self.bar.inc(1);
    }
}
