//! `cargo xtask verify [PATH...]`: verify artifacts and report every finding.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use pyship_verify::{Report, Target, VerifyOptions};

use crate::ExitStatus;

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
    /// Artifacts, or directories holding them.
    #[arg(default_value = "dist")]
    paths: Vec<PathBuf>,
    /// Index whose rules apply: pypi, testpypi or generic.
    #[arg(long, default_value = "pypi")]
    target: Target,
    /// Turn warnings into errors.
    #[arg(long)]
    strict: bool,
    /// Also compute md5 digests.
    #[arg(long)]
    md5: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

pub(crate) fn run(args: &VerifyArgs) -> anyhow::Result<ExitStatus> {
    let files = collect_artifacts(&args.paths)?;
    let options = VerifyOptions {
        target: args.target,
        md5: args.md5,
        renderer: None,
        reporter: None,
    };
    let report = pyship_verify::verify_files(&files, &options)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Human => print_human(&report, args.strict),
    }
    Ok(if report.is_clean(args.strict) {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn collect_artifacts(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = fs_err::read_dir(path)?
                .map(|entry| entry.map(|entry| entry.path()))
                .collect::<Result<_, _>>()
                .with_context(|| format!("failed to list `{}`", path.display()))?;
            entries.retain(|p| p.is_file());
            entries.sort();
            files.extend(entries);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn print_human(report: &Report, strict: bool) {
    for artifact in &report.artifacts {
        eprintln!(
            "{} ({} bytes) sha256={}",
            artifact.filename, artifact.size, artifact.digests.sha256
        );
    }
    for finding in report.findings() {
        let severity = finding.effective_severity(strict);
        let location = match (&finding.artifact, &finding.member) {
            (Some(artifact), Some(member)) => format!("{artifact}: {member}: "),
            (Some(artifact), None) => format!("{artifact}: "),
            (None, _) => String::new(),
        };
        eprintln!("{severity}[{}]: {location}{}", finding.id, finding.message);
    }
    eprintln!(
        "{} error(s) in {} artifact(s)",
        report.n_errors(strict),
        report.artifacts.len()
    );
}
