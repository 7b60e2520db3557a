//! `cargo xtask dry-run`: the release pipeline with every write left out. It runs, in order and
//! each even after an earlier one failed: the local gates, the build, verification, and the plan
//! of every write a real release would make. It prints an audit trail of every gate with its
//! evidence on stderr, writes it as JSON under `target/pyship/`, and exits 1 when any gate failed.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use pep440_rs::Version;
use pyship_verify::Report;
use serde_json::json;

use crate::ExitStatus;
use crate::build::{self, BuildRequest};
use crate::config::{self, Config};
use crate::contents;
use crate::deep;
use crate::gates::{self, Gate, ReleaseVersion, Tags, Verdict, VersionInput};
use crate::git;
use crate::index::IndexArgs;
use crate::plan::{self, Plan, PlanInput};
use crate::python;
use crate::verify::{self, Format};
use crate::version::{self, Bump};

#[derive(Debug, Args)]
pub(crate) struct DryRunArgs {
    /// Release the project's version with this part incremented.
    #[arg(long, value_enum, conflicts_with = "version")]
    bump: Option<Bump>,
    /// Release this PEP 440 version [default: the version in the project's `pyproject.toml`].
    #[arg(long, value_name = "VERSION")]
    version: Option<String>,
    /// Turn verification warnings into errors.
    #[arg(long)]
    strict: bool,
    /// Output format: the audit trail for humans on stderr, or also the JSON document on stdout.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// A Python that already has the build frontend (and the project's build backend), used
    /// instead of pyship's venv under `target/pyship/venv`.
    #[arg(long, env = config::PYTHON_ENV, value_name = "PATH")]
    python: Option<PathBuf>,
    #[command(flatten)]
    index: IndexArgs,
}

/// A titled group of gates, as printed and recorded.
struct Step {
    title: &'static str,
    gates: Vec<Gate>,
}

pub(crate) fn run(args: &DryRunArgs, manifest_path: Option<&Path>) -> anyhow::Result<ExitStatus> {
    let config = match Config::load(manifest_path) {
        Ok(config) => config,
        Err(err) => {
            // With `--format json`, stdout still holds a document, as for `verify` and `upload`.
            if args.format == Format::Json {
                let message = crate::redact::token_shapes(&format!("{err:#}")).into_owned();
                let document = json!({
                    "schema_version": verify::JSON_SCHEMA_VERSION,
                    "command": "dry-run",
                    "error": message,
                    "exit_status": ExitStatus::Error as u8,
                });
                println!("{}", serde_json::to_string_pretty(&document)?);
            }
            return Err(err);
        }
    };
    eprintln!(
        "dry-run of `{}` (nothing is written outside `target/`)",
        config.project.display()
    );

    // Step 1: local gates.
    let (local, release) = local_gates(&config, &version_input(args));
    print_step(1, &local);

    // Step 2: build.
    let built = build::build(&BuildRequest {
        config: &config,
        python: args.python.as_deref(),
        release: release.as_ref(),
    });
    let build_step = Step {
        title: "Build",
        gates: built.gates.clone(),
    };
    print_step(2, &build_step);

    // Step 3: verify the artifacts, and that they carry the release version.
    let renderer = built.python.as_deref().map(python::ReadmeRenderer::start);
    let (verify_step, report) = verify_artifacts(
        &config,
        &built,
        release.as_ref(),
        renderer.as_ref(),
        args.strict,
    );
    // The report belongs under its step's heading, before the gates that sum it up.
    print_heading(3, verify_step.title);
    if let Some(report) = &report {
        verify::print_report(report, args.strict);
    }
    print_gates(&verify_step);

    // Step 4: the read-only publish steps: credential, token gate, index look-ups.
    let index_step = step(
        "Index (read-only)",
        crate::publish_gates::dry_run_gates(&config, &args.index, &built.artifacts),
    );
    print_step(4, &index_step);

    // Step 5: the plan of writes, none of them made.
    let head = git::head_sha(&config.root).ok();
    let plan = plan::plan(&PlanInput {
        config: &config,
        release: release.as_ref(),
        head: head.as_deref(),
        report: report.as_ref(),
    });
    print_plan(&plan);

    let steps = [local, build_step, verify_step, index_step];
    finish(
        args,
        &config,
        &steps,
        &plan,
        report.as_ref(),
        release.as_ref(),
    )
}

fn version_input(args: &DryRunArgs) -> VersionInput {
    match (&args.version, args.bump) {
        (Some(version), _) => VersionInput::Explicit(version.clone()),
        (None, Some(bump)) => VersionInput::Bump(bump),
        (None, None) => VersionInput::Project,
    }
}

fn local_gates(config: &Config, input: &VersionInput) -> (Step, Option<ReleaseVersion>) {
    let tags = Tags::read(config);
    let (version_gate, release) = gates::version_input(config, input);
    let gates = vec![
        gates::release_branch(config),
        gates::clean_tree(config),
        gates::remote_head(config),
        version_gate,
        gates::version_greater(release.as_ref(), &tags, &config.tag_prefix),
        gates::tag_absent(release.as_ref(), &tags),
    ];
    let step = Step {
        title: "Local gates",
        gates,
    };
    (step, release)
}

fn verify_artifacts(
    config: &Config,
    built: &build::Built,
    release: Option<&ReleaseVersion>,
    renderer: Option<&python::ReadmeRenderer>,
    strict: bool,
) -> (Step, Option<Report>) {
    let artifacts = &built.artifacts;
    let mut gates = Vec::new();
    if artifacts.is_empty() {
        gates.push(Gate::fail("verify", "no artifacts to verify (see `build`)"));
        gates.push(Gate::unknown("built-version", "no artifacts were built"));
        return (step("Verify", gates), None);
    }
    // Reproducible mode is `verify`'s opt-in: a SOURCE_DATE_EPOCH left in the environment must
    // not fail a dry run whose build backend does not clamp timestamps.
    let settings = verify::Settings {
        target: config.target,
        md5: false,
        source_date_epoch: None,
    };
    let mut report = match verify::verify_with_progress(artifacts, settings, renderer) {
        Ok(report) => report,
        Err(err) => {
            gates.push(Gate::fail("verify", format!("{err:#}")));
            return (step("Verify", gates), None);
        }
    };
    if config.deep.any() {
        // Once configured, a deep check that cannot run fails the gate through its finding.
        let python = config::deep_python();
        match deep::tools_python(python.as_deref(), &config.state_dir(), &|line| {
            eprintln!("{line}");
        }) {
            Ok(python) => deep::run(config.deep, &python, &mut report),
            Err(err) => gates.push(Gate::fail("deep-checks", format!("{err:#}"))),
        }
    }
    contents::check(&config.project, config.toplevel.as_deref(), &mut report);
    contents::check_sdists(
        &config.project,
        built.version_file.as_ref(),
        release.map(|release| release.text.as_str()),
        &mut report,
    );
    gates.push(verify_gate(&report, strict));
    gates.push(built_version_gate(&report, release));
    (step("Verify", gates), Some(report))
}

fn step(title: &'static str, gates: Vec<Gate>) -> Step {
    Step { title, gates }
}

fn verify_gate(report: &Report, strict: bool) -> Gate {
    let summary = verify::summary_line(report, strict);
    if report.is_clean(strict) {
        Gate::pass("verify", format!("{summary} (target {})", report.target))
    } else {
        Gate::fail(
            "verify",
            format!("{summary} (target {}); findings above", report.target),
        )
    }
}

/// `built-version`: every artifact's file name (and core metadata, when it parsed) carries the
/// release version.
fn built_version_gate(report: &Report, release: Option<&ReleaseVersion>) -> Gate {
    const NAME: &str = "built-version";
    let Some(release) = release else {
        return Gate::unknown(NAME, "no valid release version to compare with");
    };
    let mut mismatches = Vec::new();
    for artifact in &report.artifacts {
        let from_name = version::filename_version(&artifact.filename);
        let found = [
            ("file name", from_name),
            ("metadata", artifact.version.as_deref()),
        ];
        for (place, text) in found {
            let Some(text) = text else { continue };
            if !same_version(text, &release.version) {
                mismatches.push(format!("`{}` {place} says `{text}`", artifact.filename));
            }
        }
        if from_name.is_none() {
            mismatches.push(format!(
                "`{}` has no version in its file name",
                artifact.filename
            ));
        }
    }
    if mismatches.is_empty() {
        return Gate::pass(
            NAME,
            format!(
                "all {} artifact(s) carry `{}`",
                report.artifacts.len(),
                release.text
            ),
        );
    }
    Gate::fail(
        NAME,
        format!("expected `{}`: {}", release.text, mismatches.join("; ")),
    )
}

fn same_version(text: &str, expected: &Version) -> bool {
    version::parse(text).is_ok_and(|version| version == *expected)
}

fn print_step(number: usize, step: &Step) {
    print_heading(number, step.title);
    print_gates(step);
}

fn print_heading(number: usize, title: &str) {
    eprintln!("\n== {number}. {title}");
}

fn print_gates(step: &Step) {
    for gate in &step.gates {
        print_gate(gate);
    }
}

fn print_gate(gate: &Gate) {
    eprintln!("{:<8} {:<22} {}", gate.verdict, gate.name, gate.evidence);
}

fn print_plan(plan: &Plan) {
    eprintln!("\n== 5. Plan: the writes a release would make, none made");
    for write in &plan.writes {
        eprintln!("{:<8} {} : {}", write.action, write.what, write.status);
    }
    for gate in &plan.gates {
        print_gate(gate);
    }
}

fn finish(
    args: &DryRunArgs,
    config: &Config,
    steps: &[Step],
    plan: &Plan,
    report: Option<&Report>,
    release: Option<&ReleaseVersion>,
) -> anyhow::Result<ExitStatus> {
    let all: Vec<&Gate> = steps
        .iter()
        .flat_map(|step| &step.gates)
        .chain(&plan.gates)
        .collect();
    let count = |verdict| all.iter().filter(|gate| gate.verdict == verdict).count();
    let failed: Vec<&str> = all
        .iter()
        .filter(|gate| gate.verdict == Verdict::Fail)
        .map(|gate| gate.name)
        .collect();
    let status = if failed.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    };

    let document = audit_json(steps, plan, report, release, args.strict, status);
    let audit_path = write_audit(config, &document);
    if args.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&document)?);
    }

    eprintln!();
    match &audit_path {
        Ok(path) => eprintln!("audit trail written to `{}`", path.display()),
        Err(err) => eprintln!("warning: the audit trail was not written: {err:#}"),
    }
    eprintln!(
        "dry-run: {} passed, {} failed, {} unknown; {} write(s) planned, none made",
        count(Verdict::Pass),
        failed.len(),
        count(Verdict::Unknown),
        plan.writes.len()
    );
    if !failed.is_empty() {
        eprintln!("failed gates: {}", failed.join(", "));
    }
    Ok(status)
}

fn audit_json(
    steps: &[Step],
    plan: &Plan,
    report: Option<&Report>,
    release: Option<&ReleaseVersion>,
    strict: bool,
    status: ExitStatus,
) -> serde_json::Value {
    let steps: Vec<_> = steps
        .iter()
        .map(|step| json!({ "title": step.title, "gates": step.gates }))
        .collect();
    json!({
        "schema_version": verify::JSON_SCHEMA_VERSION,
        "command": "dry-run",
        "release": release.map(|r| json!({ "version": r.text, "tag": r.tag, "project_version": r.project_text })),
        "steps": steps,
        "verify": report.map(|report| verify::report_json(report, strict)),
        "plan": plan,
        "exit_status": status as u8,
    })
}

fn write_audit(config: &Config, document: &serde_json::Value) -> anyhow::Result<PathBuf> {
    let dir = config.state_dir();
    fs_err::create_dir_all(&dir)?;
    let path = dir.join("dry-run.json");
    let text =
        serde_json::to_string_pretty(document).context("failed to encode the audit trail")?;
    fs_err::write(&path, text)?;
    Ok(path)
}
