//! The audit trail and containment, through the real binary: what is recorded, the kill switch,
//! quarantine, circuit breakers.

use crate::helpers::{Workspace, agentgate, fixture};

#[test]
fn plans_are_recorded_and_the_kill_switch_denies_until_resume() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let read_only = fixture("plans/read-only.yaml");
    agentgate(&["plan", &read_only]).db(&db).run().code(0);
    agentgate(&["stop", "--reason", "incident 42"])
        .db(&db)
        .run()
        .code(0)
        .stdout_has("Kill switch on");
    let denied = agentgate(&["plan", &read_only, "--format", "json"])
        .db(&db)
        .run();
    denied.code(3);
    let json = denied.json();
    assert_eq!(json["decision"], "deny");
    assert!(json["contained"].as_str().unwrap().contains("incident 42"));
    assert_eq!(json["actions"][0]["findings"][0]["rule"], "kill-switch");
    agentgate(&["check", &read_only]).db(&db).run().code(3);
    agentgate(&["resume", "--reason", "fixed"])
        .db(&db)
        .run()
        .code(0);
    agentgate(&["plan", &read_only]).db(&db).run().code(0);
    let list = agentgate(&["audit", "list", "--format", "json", "--limit", "0"])
        .db(&db)
        .run();
    let kinds: Vec<String> = list
        .code(0)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["plan", "resume", "check", "plan", "stop", "plan"]);
    agentgate(&["audit", "verify"])
        .db(&db)
        .run()
        .code(0)
        .stdout_has("intact: 6 record(s)");
}

#[test]
fn quarantine_holds_one_agent_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let ws = Workspace::new();
    let plan = ws.plan("actions:\n  - id: ls\n    tool: shell.exec\n    command: ls\n");
    agentgate(&["quarantine", "test-bot", "--reason", "looping"])
        .db(&db)
        .run()
        .code(0);
    agentgate(&["plan", &plan])
        .db(&db)
        .run()
        .code(3)
        .stdout_has("agent `test-bot` is quarantined");
    agentgate(&["plan", &fixture("plans/read-only.yaml")])
        .db(&db)
        .run()
        .code(0);
    agentgate(&["status"])
        .db(&db)
        .run()
        .code(0)
        .stdout_has("test-bot");
    agentgate(&["release", "test-bot"])
        .db(&db)
        .run()
        .code(0)
        .stdout_has("released");
    agentgate(&["plan", &plan]).db(&db).run().code(0);
    agentgate(&["release", "test-bot"])
        .db(&db)
        .run()
        .code(0)
        .stdout_has("not quarantined");
}

#[test]
fn reading_commands_need_an_existing_trail() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    agentgate(&["audit", "list"])
        .db(&db)
        .run()
        .code(1)
        .stderr_has("no audit trail here");
    assert!(!db.exists());
}

#[test]
fn policy_explain_shows_a_limit() {
    agentgate(&["policy", "explain", "denial-breaker"])
        .run()
        .code(0)
        .stdout_has("limit denial-breaker  (policies/limits.yaml:")
        .stdout_has("denials: more than 20 denied actions in 1h quarantines the agent");
}
