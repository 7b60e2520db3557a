//! The optional deep checks (WHL-13 abi3, WHL-14 manylinux/musllinux policy): runs the PyPA
//! auditors `abi3audit` and `auditwheel` on the wheels whose tags call for them and adds
//! pyship-verify's verdict on their reports to the verification report.
//!
//! Deep checks run only when asked for (`--deep`, or `deep` in the config). Once asked for, a
//! check that cannot run is an error finding, never a silent pass.
//!
//! See: verify-rules.md §2 WHL-13, WHL-14 and §8.

use std::path::{Path, PathBuf};

use anyhow::bail;
use pyship_verify::deep;
use pyship_verify::{CheckId, Finding, Report, Severity};

use crate::cmd::{self, Cmd};
use crate::python::Venv;

/// The auditors, pinned: their policy tables are part of the verdict.
pub(crate) const REQUIREMENTS: [&str; 2] = ["auditwheel==6.8.2", "abi3audit==0.0.26"];

/// Which deep checks are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct DeepChecks {
    /// WHL-14 through `auditwheel show --json`.
    pub(crate) auditwheel: bool,
    /// WHL-13 through `abi3audit --report`.
    pub(crate) abi3: bool,
}

impl DeepChecks {
    /// Both checks.
    pub(crate) const ALL: DeepChecks = DeepChecks {
        auditwheel: true,
        abi3: true,
    };

    /// Reads the config's list, e.g. `["auditwheel", "abi3"]`.
    pub(crate) fn from_names(names: &[String]) -> anyhow::Result<DeepChecks> {
        let mut checks = DeepChecks::default();
        for name in names {
            match name.as_str() {
                "auditwheel" => checks.auditwheel = true,
                "abi3" => checks.abi3 = true,
                other => bail!(
                    "`workspace.metadata.pyship.deep` names `{other}`: expected `auditwheel` or `abi3`"
                ),
            }
        }
        Ok(checks)
    }

    pub(crate) fn any(self) -> bool {
        self.auditwheel || self.abi3
    }
}

/// The Python that runs the auditors: an explicit one (which must already have them), else the
/// managed venv under `state_dir`, created on first use (the only step that needs the network).
pub(crate) fn tools_python(
    explicit: Option<&Path>,
    state_dir: &Path,
    log: &dyn Fn(&str),
) -> anyhow::Result<PathBuf> {
    if let Some(python) = explicit {
        return Ok(python.to_owned());
    }
    let venv = Venv::at(&state_dir.join("deep-venv"));
    let requirements: Vec<String> = REQUIREMENTS.iter().map(|&r| r.to_owned()).collect();
    venv.ensure(&requirements, log)?;
    Ok(venv.python())
}

/// Runs the enabled auditors on each wheel that needs them and appends the findings. A tool
/// that fails to produce its report becomes an error finding under the check's id.
pub(crate) fn run(checks: DeepChecks, python: &Path, report: &mut Report) {
    for artifact in &mut report.artifacts {
        let needs = deep::needs(&artifact.filename);
        if checks.abi3 && needs.abi3 {
            let findings = audit(python, &artifact.path, &artifact.filename, Tool::Abi3audit);
            artifact.findings.extend(findings);
        }
        if checks.auditwheel && needs.linux_policy {
            let findings = audit(python, &artifact.path, &artifact.filename, Tool::Auditwheel);
            artifact.findings.extend(findings);
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Tool {
    Abi3audit,
    Auditwheel,
}

impl Tool {
    fn id(self) -> CheckId {
        match self {
            Tool::Abi3audit => CheckId("WHL-13"),
            Tool::Auditwheel => CheckId("WHL-14"),
        }
    }

    fn command(self, python: &Path, wheel: &Path) -> Cmd {
        let command = Cmd::new(python);
        match self {
            // Exit 1 means "violations found"; the report is on stdout either way.
            Tool::Abi3audit => command.args(["-m", "abi3audit", "--report"]).arg(wheel),
            Tool::Auditwheel => command
                .args([
                    "-m",
                    "auditwheel",
                    "show",
                    "--json",
                    "--allow-pure-python-wheel",
                ])
                .arg(wheel),
        }
    }
}

fn audit(python: &Path, wheel: &Path, filename: &str, tool: Tool) -> Vec<Finding> {
    let command = tool.command(python, wheel);
    let unchecked = |reason: String| {
        vec![Finding {
            id: tool.id(),
            severity: Severity::Error,
            artifact: Some(filename.to_owned()),
            member: None,
            message: format!(
                "deep check requested but not done: {reason}; expected `{command}` to print its JSON report"
            ),
        }]
    };
    let output = match command.output() {
        Ok(output) => output,
        Err(err) => return unchecked(format!("{err:#}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stdout.trim().is_empty() {
        let stderr = cmd::tail(&String::from_utf8_lossy(&output.stderr), 5);
        return unchecked(format!("it printed nothing ({}): {stderr}", output.status));
    }
    let verdict = match tool {
        Tool::Abi3audit => deep::abi3audit_findings(filename, &stdout),
        Tool::Auditwheel => deep::auditwheel_findings(filename, &stdout),
    };
    verdict.unwrap_or_else(|err| unchecked(err.to_string()))
}
