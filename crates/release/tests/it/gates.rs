//! Read-only gate queries: typed answers with evidence, and UNKNOWN (never a guess) when the
//! token may not see the facts.

use pyship_release::gates::{
    Answer, BypassActor, branch_rules, commit_checks, immutable_releases, org_two_factor,
    review_evidence, token_identity, workflow_permissions,
};
use pyship_release::{CommitSha, TokenKind};
use serde_json::{Value, json};

use crate::support::{COMMIT, World, assert_no_canary, client_for, commit, world};
use pyship_tests::fake_github::http::Reply;
use pyship_tests::fake_github::{FaultAction, Host};

fn can(w: &World, path: &str, status: u16, value: Value) {
    w.github
        .state()
        .canned
        .insert(path.to_owned(), (status, value));
}

fn repo(path: &str) -> String {
    format!("/repos/octo/demo/{path}")
}

fn assert_unknown<T: std::fmt::Debug>(answer: &Answer<T>, status: u16) {
    let Answer::Unknown { evidence, .. } = answer else {
        panic!("expected UNKNOWN, got {answer:?}")
    };
    assert_eq!(
        evidence.last().map(|e| e.status),
        Some(status),
        "{answer:?}"
    );
    assert_no_canary(&format!("{answer:?}"));
}

#[test]
fn token_identity_reports_role_name_not_the_legacy_permission() {
    let w = world();
    can(&w, "/user", 200, json!({"login": "alice"}));
    can(
        &w,
        &repo("collaborators/alice/permission"),
        200,
        json!({"permission": "write", "role_name": "maintain"}),
    );
    let answer = token_identity(&w.client, TokenKind::ClassicPersonal).unwrap();
    let identity = answer.known().unwrap();
    assert_eq!(
        (identity.login.as_str(), identity.role_name.as_str()),
        ("alice", "maintain")
    );
    assert_eq!(identity.permission, "write");
    assert_eq!(answer.evidence().len(), 2);
    assert!(
        answer
            .evidence()
            .iter()
            .all(|e| e.request_id.is_some() && e.status == 200)
    );
    assert_no_canary(&format!("{answer:?}"));
}

#[test]
fn installation_token_without_a_user_is_unknown() {
    let w = world();
    can(
        &w,
        "/user",
        403,
        json!({"message": "Resource not accessible by integration"}),
    );
    let answer = token_identity(&w.client, TokenKind::AppInstallation).unwrap();
    assert_unknown(&answer, 403);
}

#[test]
fn no_token_is_unknown_without_asking() {
    let w = world();
    let anonymous = client_for(&w.github, &w.clock, None);
    let answer = token_identity(&anonymous, TokenKind::Unknown).unwrap();
    assert!(matches!(answer, Answer::Unknown { ref reason, .. } if reason == "no GitHub token"));
    assert!(w.github.state().log.is_empty());
}

#[test]
fn branch_rules_merge_rulesets_bypass_actors_and_classic_protection() {
    let w = world();
    can(
        &w,
        &repo("rules/branches/main"),
        200,
        json!([
            {"type": "pull_request", "ruleset_id": 7, "parameters": {"required_approving_review_count": 1, "dismiss_stale_reviews_on_push": true, "require_last_push_approval": true}},
            {"type": "required_status_checks", "ruleset_id": 7, "parameters": {"strict_required_status_checks_policy": true, "required_status_checks": [{"context": "ci/test"}]}},
            {"type": "non_fast_forward", "ruleset_id": 7},
            {"type": "deletion", "ruleset_id": 7},
            {"type": "required_signatures", "ruleset_id": 7},
        ]),
    );
    can(
        &w,
        &repo("rulesets/7"),
        200,
        json!({"id": 7, "bypass_actors": [{"actor_type": "RepositoryRole", "actor_id": 5, "bypass_mode": "always"}]}),
    );
    can(
        &w,
        &repo("branches/main/protection"),
        200,
        json!({
            "required_pull_request_reviews": {"required_approving_review_count": 2, "require_code_owner_reviews": true},
            "required_status_checks": {"strict": false, "contexts": ["lint"]},
            "allow_force_pushes": {"enabled": true},
        }),
    );
    let answer = branch_rules(&w.client, "main").unwrap();
    let rules = answer.known().unwrap();
    assert!(rules.pull_request_required);
    assert_eq!(rules.required_approving_review_count, 2);
    assert!(
        rules.dismiss_stale_reviews
            && rules.require_code_owner_review
            && rules.require_last_push_approval
    );
    assert_eq!(rules.required_status_checks, ["ci/test", "lint"]);
    assert!(rules.strict_status_checks && rules.required_signatures);
    assert!(rules.force_push_blocked && rules.deletion_blocked);
    assert_eq!(
        rules.bypass_actors,
        [BypassActor {
            actor_type: "RepositoryRole".into(),
            actor_id: Some(5),
            bypass_mode: Some("always".into())
        }]
    );
    assert_eq!(rules.classic_protection, Some(true));
    let pages = answer
        .evidence()
        .iter()
        .filter(|e| e.request.contains("rules/branches"))
        .count();
    assert_eq!(pages, 3, "five rules at two per page");
}

#[test]
fn classic_protection_unreadable_without_admin_is_unknown_not_absent() {
    let w = world();
    can(&w, &repo("rules/branches/main"), 200, json!([]));
    can(
        &w,
        &repo("branches/main/protection"),
        403,
        json!({"message": "Must have admin rights to Repository."}),
    );
    let answer = branch_rules(&w.client, "main").unwrap();
    let rules = answer.known().unwrap();
    assert_eq!(rules.classic_protection, None);
    assert!(!rules.force_push_blocked && !rules.pull_request_required);

    can(
        &w,
        &repo("branches/main/protection"),
        404,
        json!({"message": "Branch not protected"}),
    );
    let answer = branch_rules(&w.client, "main").unwrap();
    assert_eq!(answer.known().unwrap().classic_protection, Some(false));
}

#[test]
fn immutable_releases_known_either_way_and_unknown_without_admin() {
    let w = world();
    assert_eq!(immutable_releases(&w.client).unwrap().known(), Some(&false));
    w.github.state().immutable_enabled = true;
    assert_eq!(immutable_releases(&w.client).unwrap().known(), Some(&true));
    let reply = Reply::json(
        403,
        &json!({"message": "Must have admin rights to Repository."}),
    );
    w.github.state().fault(
        Host::Api,
        "GET",
        "/immutable-releases",
        FaultAction::Respond(reply),
    );
    assert_unknown(&immutable_releases(&w.client).unwrap(), 403);
}

#[test]
fn workflow_token_permissions_are_read() {
    let w = world();
    can(
        &w,
        &repo("actions/permissions/workflow"),
        200,
        json!({"default_workflow_permissions": "write", "can_approve_pull_request_reviews": true}),
    );
    let answer = workflow_permissions(&w.client).unwrap();
    let permissions = answer.known().unwrap();
    assert_eq!(permissions.default_workflow_permissions, "write");
    assert!(permissions.can_approve_pull_request_reviews);

    can(
        &w,
        &repo("actions/permissions/workflow"),
        403,
        json!({"message": "Resource not accessible by integration"}),
    );
    assert_unknown(&workflow_permissions(&w.client).unwrap(), 403);
}

#[test]
fn commit_checks_are_green_only_when_every_run_and_latest_status_is() {
    let w = world();
    let runs = |conclusion: &str| {
        json!({"total_count": 2, "check_runs": [
            {"name": "test", "status": "completed", "conclusion": "success"},
            {"name": "lint", "status": "completed", "conclusion": conclusion},
        ]})
    };
    can(
        &w,
        &repo(&format!("commits/{COMMIT}/check-runs")),
        200,
        runs("skipped"),
    );
    can(
        &w,
        &repo(&format!("commits/{COMMIT}/status")),
        200,
        json!({"state": "success", "statuses": [
            {"context": "ci/legacy", "state": "success"},
            {"context": "ci/legacy", "state": "failure"},
        ]}),
    );
    let commit = commit();
    let answer = commit_checks(&w.client, &commit).unwrap();
    let checks = answer.known().unwrap();
    assert_eq!(checks.check_runs.len(), 2);
    assert_eq!(checks.combined_state, "success");
    assert!(checks.all_green(), "the newest status per context decides");

    can(
        &w,
        &repo(&format!("commits/{COMMIT}/check-runs")),
        200,
        runs("failure"),
    );
    assert!(
        !commit_checks(&w.client, &commit)
            .unwrap()
            .known()
            .unwrap()
            .all_green()
    );
}

#[test]
fn review_evidence_counts_only_latest_approvals_by_other_humans() {
    let w = world();
    can(
        &w,
        &repo(&format!("commits/{COMMIT}/pulls")),
        200,
        json!([
            {"number": 5, "user": {"login": "bob", "type": "User"}, "merged_at": "2026-11-30T10:00:00Z"}
        ]),
    );
    can(
        &w,
        &repo("pulls/5/reviews"),
        200,
        json!([
            {"user": {"login": "alice", "type": "User"}, "state": "APPROVED"},
            {"user": {"login": "bob", "type": "User"}, "state": "APPROVED"},
            {"user": {"login": "dependabot[bot]", "type": "Bot"}, "state": "APPROVED"},
            {"user": {"login": "carol", "type": "User"}, "state": "APPROVED"},
            {"user": {"login": "carol", "type": "User"}, "state": "CHANGES_REQUESTED"},
            {"user": {"login": "alice", "type": "User"}, "state": "COMMENTED"},
        ]),
    );
    let commit = CommitSha::parse(COMMIT).unwrap();
    let answer = review_evidence(&w.client, &commit).unwrap();
    let pulls = answer.known().unwrap();
    assert_eq!(pulls.len(), 1);
    assert_eq!(
        (pulls[0].number, pulls[0].author.as_str(), pulls[0].merged),
        (5, "bob", true)
    );
    assert_eq!(pulls[0].approved_by, ["alice"]);
}

#[test]
fn org_two_factor_is_unknown_without_an_owner_token() {
    let w = world();
    can(&w, "/orgs/acme", 200, json!({"login": "acme"}));
    let answer = org_two_factor(&w.client, "acme").unwrap();
    assert!(
        matches!(answer, Answer::Unknown { ref reason, .. } if reason.contains("owner token")),
        "{answer:?}"
    );
}

#[test]
fn org_two_factor_lists_members_without_2fa_for_an_owner() {
    let w = world();
    can(
        &w,
        "/orgs/acme",
        200,
        json!({"login": "acme", "two_factor_requirement_enabled": false}),
    );
    can(
        &w,
        "/orgs/acme/members?filter=2fa_disabled",
        200,
        json!([{"login": "mallory"}]),
    );
    can(
        &w,
        "/orgs/acme/outside_collaborators?filter=2fa_disabled",
        200,
        json!([]),
    );
    let answer = org_two_factor(&w.client, "acme").unwrap();
    let facts = answer.known().unwrap();
    assert!(!facts.requirement_enabled);
    assert_eq!(facts.members_without_2fa, ["mallory"]);
    assert!(facts.outside_collaborators_without_2fa.is_empty());
}
