//! Read-only questions the release gates ask GitHub, each answered with typed facts and the
//! evidence (request, status, request id, body excerpt) they rest on. When the token may not
//! see the answer, the result is [`Answer::Unknown`] with the reason, never a guess: UNKNOWN
//! never counts as PASS.
//! See: github-release.md §1e, §2 (checklist item → API check).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::client::{Evidence, GitHubClient, Reply};
use crate::error::HttpError;
use crate::model::CommitSha;
use crate::secret::TokenKind;

/// A gate's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "answer", rename_all = "kebab-case")]
pub enum Answer<T> {
    /// GitHub told us.
    Known {
        /// The facts.
        value: T,
        /// What they rest on.
        evidence: Vec<Evidence>,
    },
    /// GitHub did not tell us.
    Unknown {
        /// Why (missing permission, endpoint unavailable, no token).
        reason: String,
        /// What we saw.
        evidence: Vec<Evidence>,
    },
}

impl<T> Answer<T> {
    /// The facts, when known.
    #[must_use]
    pub fn known(&self) -> Option<&T> {
        match self {
            Self::Known { value, .. } => Some(value),
            Self::Unknown { .. } => None,
        }
    }

    /// The evidence either way.
    #[must_use]
    pub fn evidence(&self) -> &[Evidence] {
        match self {
            Self::Known { evidence, .. } | Self::Unknown { evidence, .. } => evidence,
        }
    }
}

/// Evidence from an error answer, so an UNKNOWN still shows what GitHub said.
fn error_evidence(error: &HttpError) -> Vec<Evidence> {
    match error {
        HttpError::Status(status) => vec![Evidence {
            request: format!("{} {}", status.method, status.url),
            status: status.status,
            request_id: status.request_id.clone(),
            excerpt: status.message.clone(),
        }],
        _ => Vec::new(),
    }
}

/// Turns "may not see" statuses into UNKNOWN and other failures into errors.
fn unknown_on_denial<T>(error: HttpError, what: &str) -> Result<Answer<T>, HttpError> {
    match error.status() {
        Some(401 | 403 | 404) => Ok(Answer::Unknown {
            reason: format!("the token may not read {what}"),
            evidence: error_evidence(&error),
        }),
        _ => Err(error),
    }
}

fn read(client: &GitHubClient, url: &url::Url) -> Result<Reply, HttpError> {
    client.get(url)?.expect(&[200])
}

/// Who the token acts as and its role on the repository.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenIdentity {
    /// Kind of token, from its prefix.
    pub kind: TokenKind,
    /// The user's login.
    pub login: String,
    /// The real role (`admin`, `maintain`, `write`, `triage`, `read` or a custom role). Unlike
    /// `permission`, it tells `maintain` from `write`.
    pub role_name: String,
    /// The legacy permission (`admin`, `write`, `read`, `none`).
    pub permission: String,
}

/// The token's user (`GET /user`) and role on the repository
/// (`GET /repos/{o}/{r}/collaborators/{login}/permission`).
pub fn token_identity(
    client: &GitHubClient,
    kind: TokenKind,
) -> Result<Answer<TokenIdentity>, HttpError> {
    #[derive(Deserialize)]
    struct User {
        login: String,
    }
    #[derive(Deserialize)]
    struct Permission {
        permission: String,
        role_name: String,
    }
    if !client.has_token() {
        return Ok(Answer::Unknown {
            reason: "no GitHub token".to_owned(),
            evidence: Vec::new(),
        });
    }
    let user = match read(client, &client.api_url("user")?) {
        Ok(reply) => reply,
        // App installation tokens (`ghs_`) act as no user: `/user` is refused.
        Err(error) => return unknown_on_denial(error, "the token's user"),
    };
    let login = user.json::<User>()?.login;
    let url = client.repo_url(&format!("collaborators/{login}/permission"))?;
    let role = match read(client, &url) {
        Ok(reply) => reply,
        Err(error) => return unknown_on_denial(error, "the user's role on the repository"),
    };
    let permission: Permission = role.json()?;
    Ok(Answer::Known {
        value: TokenIdentity {
            kind,
            login,
            role_name: permission.role_name,
            permission: permission.permission,
        },
        evidence: vec![user.evidence(), role.evidence()],
    })
}

/// A ruleset bypass actor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct BypassActor {
    /// `Integration`, `OrganizationAdmin`, `RepositoryRole`, `Team`, `DeployKey`.
    pub actor_type: String,
    /// Id of the actor, when it has one.
    #[serde(default)]
    pub actor_id: Option<u64>,
    /// `always`, `pull_request` or `exempt`.
    #[serde(default)]
    pub bypass_mode: Option<String>,
}

/// What protects a branch, merged from active rulesets and classic branch protection.
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is one independent GitHub setting a gate reads by name"
)]
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct BranchRules {
    /// Whether changes must come through a pull request.
    pub pull_request_required: bool,
    /// Required approvals (the highest of all sources).
    pub required_approving_review_count: u64,
    /// Stale approvals dismissed on push.
    pub dismiss_stale_reviews: bool,
    /// Code owner review required.
    pub require_code_owner_review: bool,
    /// The last push must be approved by someone else.
    pub require_last_push_approval: bool,
    /// Required status check contexts.
    pub required_status_checks: Vec<String>,
    /// Branch must be up to date before merging.
    pub strict_status_checks: bool,
    /// Signed commits required.
    pub required_signatures: bool,
    /// Force pushes blocked.
    pub force_push_blocked: bool,
    /// Deletion blocked.
    pub deletion_blocked: bool,
    /// Who may bypass the rulesets (empty when none or not visible).
    pub bypass_actors: Vec<BypassActor>,
    /// Classic branch protection: `Some(true)` present, `Some(false)` absent, `None` not
    /// readable with this token (it needs admin access).
    pub classic_protection: Option<bool>,
}

#[derive(Deserialize)]
struct Rule {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    parameters: serde_json::Value,
    #[serde(default)]
    ruleset_id: Option<u64>,
}

/// The rules that apply to `branch`: `GET rules/branches/{branch}` (active rulesets from the
/// repository and its owner), the bypass actors of those rulesets, and classic protection.
pub fn branch_rules(client: &GitHubClient, branch: &str) -> Result<Answer<BranchRules>, HttpError> {
    let mut evidence = Vec::new();
    let url = client.repo_url(&format!("rules/branches/{branch}"))?;
    let rules: Vec<Rule> = match client.get_all_in(&url, None, &mut evidence) {
        Ok(rules) => rules,
        Err(error) => return unknown_on_denial(error, "the branch rules"),
    };
    let mut merged = BranchRules::default();
    for rule in &rules {
        apply_rule(&mut merged, rule);
    }
    merged.bypass_actors = ruleset_bypass_actors(client, &rules, &mut evidence)?;
    merged.classic_protection = classic_protection(client, branch, &mut merged, &mut evidence)?;
    Ok(Answer::Known {
        value: merged,
        evidence,
    })
}

fn apply_rule(merged: &mut BranchRules, rule: &Rule) {
    let p = &rule.parameters;
    let flag = |key: &str| {
        p.get(key)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    };
    match rule.kind.as_str() {
        "pull_request" => {
            merged.pull_request_required = true;
            let count = p
                .get("required_approving_review_count")
                .and_then(serde_json::Value::as_u64);
            merged.required_approving_review_count = merged
                .required_approving_review_count
                .max(count.unwrap_or(0));
            merged.dismiss_stale_reviews |= flag("dismiss_stale_reviews_on_push");
            merged.require_code_owner_review |= flag("require_code_owner_review");
            merged.require_last_push_approval |= flag("require_last_push_approval");
        }
        "required_status_checks" => {
            merged.strict_status_checks |= flag("strict_required_status_checks_policy");
            let checks = p
                .get("required_status_checks")
                .and_then(serde_json::Value::as_array);
            let contexts = checks
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("context")?.as_str());
            merged
                .required_status_checks
                .extend(contexts.map(str::to_owned));
        }
        "required_signatures" => merged.required_signatures = true,
        "non_fast_forward" => merged.force_push_blocked = true,
        "deletion" => merged.deletion_blocked = true,
        _ => {}
    }
}

fn ruleset_bypass_actors(
    client: &GitHubClient,
    rules: &[Rule],
    evidence: &mut Vec<Evidence>,
) -> Result<Vec<BypassActor>, HttpError> {
    #[derive(Deserialize)]
    struct Ruleset {
        #[serde(default)]
        bypass_actors: Vec<BypassActor>,
    }
    let ids: std::collections::BTreeSet<u64> = rules.iter().filter_map(|r| r.ruleset_id).collect();
    let mut actors = Vec::new();
    for id in ids {
        let url = client.repo_url(&format!("rulesets/{id}"))?;
        match read(client, &url) {
            Ok(reply) => {
                evidence.push(reply.evidence());
                actors.extend(reply.json::<Ruleset>()?.bypass_actors);
            }
            // Org rulesets are not readable through the repository for every token.
            Err(error) if matches!(error.status(), Some(403 | 404)) => {
                evidence.extend(error_evidence(&error));
            }
            Err(error) => return Err(error),
        }
    }
    Ok(actors)
}

fn classic_protection(
    client: &GitHubClient,
    branch: &str,
    merged: &mut BranchRules,
    evidence: &mut Vec<Evidence>,
) -> Result<Option<bool>, HttpError> {
    let url = client.repo_url(&format!("branches/{branch}/protection"))?;
    let reply = client.get(&url)?;
    evidence.push(reply.evidence());
    let body: serde_json::Value = match reply.status {
        200 => reply.json()?,
        404 => return Ok(Some(false)),
        401 | 403 => return Ok(None),
        _ => return Err(reply.into_error()),
    };
    let enabled = |key: &str| {
        body.pointer(&format!("/{key}/enabled"))
            .and_then(serde_json::Value::as_bool)
    };
    if let Some(reviews) = body.get("required_pull_request_reviews") {
        merged.pull_request_required = true;
        let count = reviews
            .get("required_approving_review_count")
            .and_then(serde_json::Value::as_u64);
        merged.required_approving_review_count = merged
            .required_approving_review_count
            .max(count.unwrap_or(0));
        let flag = |key: &str| {
            reviews
                .get(key)
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        };
        merged.dismiss_stale_reviews |= flag("dismiss_stale_reviews");
        merged.require_code_owner_review |= flag("require_code_owner_reviews");
        merged.require_last_push_approval |= flag("require_last_push_approval");
    }
    if let Some(checks) = body.get("required_status_checks") {
        merged.strict_status_checks |= checks
            .get("strict")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let contexts = checks.get("contexts").and_then(serde_json::Value::as_array);
        merged.required_status_checks.extend(
            contexts
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_owned)),
        );
    }
    merged.required_signatures |= enabled("required_signatures") == Some(true);
    merged.force_push_blocked |= enabled("allow_force_pushes") == Some(false);
    merged.deletion_blocked |= enabled("allow_deletions") == Some(false);
    Ok(Some(true))
}

/// Whether the repository enables immutable releases (`GET immutable-releases`; 404 means
/// off; the endpoint needs admin read access, so a denial is UNKNOWN).
pub fn immutable_releases(client: &GitHubClient) -> Result<Answer<bool>, HttpError> {
    #[derive(Deserialize)]
    struct Setting {
        enabled: bool,
    }
    let reply = client.get(&client.repo_url("immutable-releases")?)?;
    let evidence = vec![reply.evidence()];
    match reply.status {
        200 => Ok(Answer::Known {
            value: reply.json::<Setting>()?.enabled,
            evidence,
        }),
        404 => Ok(Answer::Known {
            value: false,
            evidence,
        }),
        401 | 403 => Ok(Answer::Unknown {
            reason: "reading the setting needs admin access".to_owned(),
            evidence,
        }),
        _ => Err(reply.into_error()),
    }
}

/// The default permissions of `GITHUB_TOKEN` in workflows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct WorkflowPermissions {
    /// `read` or `write`.
    pub default_workflow_permissions: String,
    /// Whether workflows may approve pull requests.
    pub can_approve_pull_request_reviews: bool,
}

/// `GET actions/permissions/workflow`.
pub fn workflow_permissions(
    client: &GitHubClient,
) -> Result<Answer<WorkflowPermissions>, HttpError> {
    match read(client, &client.repo_url("actions/permissions/workflow")?) {
        Ok(reply) => Ok(Answer::Known {
            value: reply.json()?,
            evidence: vec![reply.evidence()],
        }),
        Err(error) => unknown_on_denial(error, "the workflow token permissions"),
    }
}

/// One check run on a commit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct CheckRun {
    /// Name.
    pub name: String,
    /// `queued`, `in_progress`, `completed`.
    pub status: String,
    /// `success`, `failure`, `neutral`, `skipped`, … (null until completed).
    #[serde(default)]
    pub conclusion: Option<String>,
}

/// One commit status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct CommitStatus {
    /// Context.
    pub context: String,
    /// `success`, `failure`, `error`, `pending`.
    pub state: String,
}

/// Checks and statuses on a commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommitChecks {
    /// Every check run (all pages).
    pub check_runs: Vec<CheckRun>,
    /// Combined status state (`success`, `failure`, `pending`).
    pub combined_state: String,
    /// Every status (all pages), newest first as GitHub lists them.
    pub statuses: Vec<CommitStatus>,
}

impl CommitChecks {
    /// True when every check run completed with `success`, `neutral` or `skipped`, and no
    /// latest status per context is other than `success`.
    #[must_use]
    pub fn all_green(&self) -> bool {
        let runs_ok = self.check_runs.iter().all(|run| {
            run.status == "completed"
                && matches!(
                    run.conclusion.as_deref(),
                    Some("success" | "neutral" | "skipped")
                )
        });
        let mut latest = BTreeMap::new();
        for status in &self.statuses {
            latest
                .entry(status.context.as_str())
                .or_insert(status.state.as_str());
        }
        runs_ok && latest.values().all(|state| *state == "success")
    }
}

/// `GET commits/{sha}/check-runs` and `GET commits/{sha}/status`, all pages.
pub fn commit_checks(
    client: &GitHubClient,
    commit: &CommitSha,
) -> Result<Answer<CommitChecks>, HttpError> {
    #[derive(Deserialize)]
    struct Combined {
        state: String,
    }
    let mut evidence = Vec::new();
    let runs_url = client.repo_url(&format!("commits/{commit}/check-runs"))?;
    let check_runs = match client.get_all_in(&runs_url, Some("check_runs"), &mut evidence) {
        Ok(runs) => runs,
        Err(error) => return unknown_on_denial(error, "check runs"),
    };
    let status_url = client.repo_url(&format!("commits/{commit}/status"))?;
    let combined = match read(client, &status_url) {
        Ok(reply) => reply,
        Err(error) => return unknown_on_denial(error, "commit statuses"),
    };
    let combined_state = combined.json::<Combined>()?.state;
    let statuses = client.get_all_in(&status_url, Some("statuses"), &mut evidence)?;
    Ok(Answer::Known {
        value: CommitChecks {
            check_runs,
            combined_state,
            statuses,
        },
        evidence,
    })
}

/// Review evidence for one pull request that contains the commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PullReview {
    /// PR number.
    pub number: u64,
    /// PR author.
    pub author: String,
    /// Whether it was merged.
    pub merged: bool,
    /// Users (not the author, not bots) whose latest review is `APPROVED`.
    pub approved_by: Vec<String>,
}

/// Pull requests that brought `commit` and who approved them.
/// See: github-release.md §2 "Required reviews" (evidence on the release commit).
pub fn review_evidence(
    client: &GitHubClient,
    commit: &CommitSha,
) -> Result<Answer<Vec<PullReview>>, HttpError> {
    #[derive(Deserialize)]
    struct Account {
        login: String,
        #[serde(rename = "type", default)]
        kind: String,
    }
    #[derive(Deserialize)]
    struct Pull {
        number: u64,
        user: Account,
        #[serde(default)]
        merged_at: Option<String>,
    }
    #[derive(Deserialize)]
    struct Review {
        user: Option<Account>,
        state: String,
    }
    let mut evidence = Vec::new();
    let url = client.repo_url(&format!("commits/{commit}/pulls"))?;
    let pulls: Vec<Pull> = match client.get_all_in(&url, None, &mut evidence) {
        Ok(pulls) => pulls,
        Err(error) => return unknown_on_denial(error, "pull requests"),
    };
    let mut answers = Vec::new();
    for pull in pulls {
        let url = client.repo_url(&format!("pulls/{}/reviews", pull.number))?;
        let reviews: Vec<Review> = client.get_all_in(&url, None, &mut evidence)?;
        // Reviews come oldest first; a user's latest review decides.
        let mut latest = BTreeMap::new();
        for review in reviews {
            let Some(user) = review.user else { continue };
            if user.kind == "Bot" || user.login == pull.user.login {
                continue;
            }
            if review.state != "COMMENTED" {
                latest.insert(user.login, review.state);
            }
        }
        let approved_by = latest
            .into_iter()
            .filter(|(_, s)| s == "APPROVED")
            .map(|(u, _)| u)
            .collect();
        answers.push(PullReview {
            number: pull.number,
            author: pull.user.login,
            merged: pull.merged_at.is_some(),
            approved_by,
        });
    }
    Ok(Answer::Known {
        value: answers,
        evidence,
    })
}

/// Organisation two-factor facts; only an owner token can see them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgTwoFactor {
    /// Whether the organisation requires 2FA.
    pub requirement_enabled: bool,
    /// Members without 2FA.
    pub members_without_2fa: Vec<String>,
    /// Outside collaborators without 2FA.
    pub outside_collaborators_without_2fa: Vec<String>,
}

/// `GET /orgs/{org}` (`two_factor_requirement_enabled`, null unless owner) and the
/// `filter=2fa_disabled` member lists. Without an owner token: UNKNOWN.
pub fn org_two_factor(client: &GitHubClient, org: &str) -> Result<Answer<OrgTwoFactor>, HttpError> {
    #[derive(Deserialize)]
    struct Member {
        login: String,
    }
    let owner_only = "org 2FA facts need an organisation owner token";
    let reply = match read(client, &client.api_url(&format!("orgs/{org}"))?) {
        Ok(reply) => reply,
        Err(error) => return unknown_on_denial(error, "the organisation"),
    };
    let mut evidence = vec![reply.evidence()];
    let body: serde_json::Value = reply.json()?;
    let Some(requirement_enabled) = body
        .get("two_factor_requirement_enabled")
        .and_then(serde_json::Value::as_bool)
    else {
        return Ok(Answer::Unknown {
            reason: owner_only.to_owned(),
            evidence,
        });
    };
    let mut lists = Vec::new();
    for path in [
        format!("orgs/{org}/members?filter=2fa_disabled"),
        format!("orgs/{org}/outside_collaborators?filter=2fa_disabled"),
    ] {
        match client.get_all_in::<Member>(&client.api_url(&path)?, None, &mut evidence) {
            Ok(members) => lists.push(members.into_iter().map(|m| m.login).collect::<Vec<_>>()),
            Err(error) if matches!(error.status(), Some(403 | 404 | 422)) => {
                evidence.extend(error_evidence(&error));
                return Ok(Answer::Unknown {
                    reason: owner_only.to_owned(),
                    evidence,
                });
            }
            Err(error) => return Err(error),
        }
    }
    let outside_collaborators_without_2fa = lists.pop().unwrap_or_default();
    let members_without_2fa = lists.pop().unwrap_or_default();
    Ok(Answer::Known {
        value: OrgTwoFactor {
            requirement_enabled,
            members_without_2fa,
            outside_collaborators_without_2fa,
        },
        evidence,
    })
}
