//! The read-only publish steps of `dry-run`: which index, whether an upload credential is found
//! (its source named, never its value) and passes the offline token gate, whether the library's
//! preflight accepts the batch, and what the index already has of each file. Nothing is minted
//! and nothing is sent but look-ups.
//!
//! See: pypi-upload.md sections 3.3, 4.1 and 7 item 4.

use std::path::PathBuf;

use pyship_publish::{
    Credentials, LocalArtifact, PollPolicy, PublishError, PublishRequest, RemoteFile, RetryPolicy,
    Secret, check_existing, preflight, read_artifact,
};

use crate::config::Config;
use crate::credentials::{self, CREDENTIALS, TOKEN_SCOPE};
use crate::gates::Gate;
use crate::index::{self, IndexArgs};

const INDEX: &str = "index";
const PREFLIGHT: &str = "publish-preflight";
const FILES: &str = "index-files-absent";

/// The gates, always in the same order: index, credentials, token scope, preflight, files.
pub(crate) fn dry_run_gates(config: &Config, args: &IndexArgs, built: &[PathBuf]) -> Vec<Gate> {
    let selected = index::resolve(config, args).and_then(|index| {
        let project = index::project_name(config, None)?;
        Ok((index, project))
    });
    let (index, project) = match selected {
        Ok(selected) => selected,
        Err(err) => {
            let reason = "no index or project to check against";
            return vec![
                Gate::fail(INDEX, format!("{err:#}")),
                Gate::unknown(CREDENTIALS, reason),
                Gate::unknown(TOKEN_SCOPE, reason),
                Gate::unknown(PREFLIGHT, reason),
                Gate::unknown(FILES, reason),
            ];
        }
    };
    let mut gates = vec![Gate::pass(
        INDEX,
        format!(
            "{} (simple API `{}`) for project `{project}`",
            index::describe(&index),
            index.simple
        ),
    )];
    let resolution = credentials::resolve(&index, args.username.as_deref(), &project);
    gates.extend(resolution.gates);

    let artifacts: Result<Vec<LocalArtifact>, String> = built
        .iter()
        .map(|path| read_artifact(path).map_err(|err| err.to_string()))
        .collect();
    let artifacts = match artifacts {
        Ok(artifacts) if !artifacts.is_empty() => artifacts,
        Ok(_) => {
            gates.push(Gate::unknown(PREFLIGHT, "no artifacts were built"));
            gates.push(Gate::unknown(FILES, "no artifacts were built"));
            return gates;
        }
        Err(err) => {
            gates.push(Gate::fail(PREFLIGHT, err));
            gates.push(Gate::unknown(FILES, "the artifacts could not be read"));
            return gates;
        }
    };
    // Look-ups send the credential only to a private index's own simple API (as `upload`
    // does); with none found, or for PyPI, this empty placeholder is never sent anywhere.
    let unused = Credentials::token(Secret::new(String::new()));
    let credentials = match &resolution.source {
        Some(credentials::Source::Plain(plain)) => plain,
        _ => &unused,
    };
    let request = PublishRequest {
        index: &index,
        project: &project,
        credentials,
        artifacts: &artifacts,
        retry: RetryPolicy::standard(),
        poll: PollPolicy::standard(),
    };
    gates.push(match preflight(&request) {
        Ok(()) => Gate::pass(
            PREFLIGHT,
            format!(
                "{} file(s) of `{project}` {}, no name given twice",
                artifacts.len(),
                artifacts[0].version()
            ),
        ),
        Err(err) => Gate::fail(PREFLIGHT, err.to_string()),
    });
    gates.push(files_gate(&request));
    gates
}

fn files_gate(request: &PublishRequest<'_>) -> Gate {
    match check_existing(&index::client(), request) {
        Ok(found) => Gate::pass(FILES, files_evidence(&found)),
        Err(err @ PublishError::Conflict { .. }) => Gate::fail(FILES, err.to_string()),
        Err(err) => Gate::unknown(FILES, chain(&err)),
    }
}

fn files_evidence(found: &[(String, Option<RemoteFile>)]) -> String {
    let quote = |present: bool| {
        let names: Vec<String> = found
            .iter()
            .filter(|(_, remote)| remote.is_some() == present)
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    format!(
        "absent: {}; already present with the same sha256 (an upload skips them): {}",
        quote(false),
        quote(true)
    )
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
