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

/// Every byte of the trail's files, for "this never reached the disk" checks.
fn trail_bytes(db: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).unwrap();
    if let Ok(wal) = std::fs::read(db.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn values_under_credential_keys_never_reach_the_trail() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let ws = Workspace::new();
    let plan = ws.plan(
        "actions:\n  - id: run\n    tool: shell.exec\n    command: ls\n    env: {PGPASSWORD: hunter2a, MYSQL_PWD: hunter2b, clientSecret: hunter2d}\n  - id: call\n    tool: http.request\n    method: POST\n    url: https://api.example.com/x\n    headers: {accessToken: hunter2g}\n    body: {accessToken: hunter2h, privateKey: hunter2k, password: 12345678, token: [hunter2j]}\n",
    );
    let run = agentgate(&["plan", &plan]).db(&db).run();
    for secret in ["hunter2", "12345678"] {
        run.nowhere(secret);
    }
    let bytes = trail_bytes(&db);
    for secret in ["hunter2", "12345678"] {
        assert!(!contains(&bytes, secret), "{secret} is in the trail");
    }
}

#[test]
fn an_agent_name_holding_a_secret_is_refused_not_let_through() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let name = "bot-ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
    agentgate(&["quarantine", name, "--reason", "q"])
        .db(&db)
        .run()
        .code(1)
        .stderr_has("looks like a secret");
    let ws = Workspace::new();
    let plan = ws.file(
        "p.yaml",
        &format!(
            "version: 1\nagent: {name}\nactions:\n  - {{id: ls, tool: shell.exec, command: ls}}\n"
        ),
    );
    let _ = plan;
    let path = ws.path().join("p.yaml");
    agentgate(&["plan", path.to_str().unwrap()])
        .db(&db)
        .run()
        .code(1)
        .stderr_has("looks like a secret")
        .nowhere("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789");
}

#[test]
fn a_stop_reason_is_redacted_with_the_policy_s_custom_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let ws = Workspace::new();
    for (name, text) in agentgate_policy_files() {
        ws.file(&format!(".agentgate/policies/{name}"), &text);
    }
    ws.file(
        ".agentgate/policies/custom.yaml",
        "version: 1\nsecrets:\n  - id: acme-token\n    why: acme keys\n    regex: 'acme_[a-z0-9]{32}'\n",
    );
    let token = "acme_0123456789abcdef0123456789abcdef";
    agentgate(&["stop", "--reason", &format!("leaked {token}")])
        .db(&db)
        .in_dir(ws.path())
        .run()
        .code(0);
    let plan = ws.plan("actions:\n  - {id: ls, tool: shell.exec, command: ls}\n");
    agentgate(&["plan", &plan])
        .db(&db)
        .in_dir(ws.path())
        .run()
        .code(3)
        .stdout_has("the kill switch is on")
        .nowhere(token);
    agentgate(&["status"])
        .db(&db)
        .in_dir(ws.path())
        .run()
        .code(0)
        .nowhere(token);
    assert!(!contains(&trail_bytes(&db), token));
}

/// The shipped pack's files, to build a policy folder that adds to it.
fn agentgate_policy_files() -> Vec<(String, String)> {
    std::fs::read_dir(crate::helpers::root().join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn quarantine_trims_the_name_as_plans_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let ws = Workspace::new();
    let plan = ws.plan("actions:\n  - {id: ls, tool: shell.exec, command: ls}\n");
    agentgate(&["quarantine", " test-bot ", "--reason", "r"])
        .db(&db)
        .run()
        .code(0)
        .stdout_has("no record of an agent named `test-bot`");
    agentgate(&["plan", &plan]).db(&db).run().code(3);
}

#[test]
fn list_refuses_an_unknown_decision_and_an_empty_window() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    agentgate(&["stop", "--reason", "r"]).db(&db).run().code(0);
    agentgate(&["audit", "list", "--decision", "DENY"])
        .db(&db)
        .run()
        .code(1)
        .stderr_has("expected one of allow, approve, deny");
    agentgate(&[
        "audit",
        "list",
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-01",
    ])
    .db(&db)
    .run()
    .code(1)
    .stderr_has("--since must be earlier than --until");
}

#[test]
fn check_records_the_other_files_when_one_agent_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let ws = Workspace::new();
    ws.file(
        "bad.yaml",
        "version: 1\nagent: bot-ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\nactions: []\n",
    );
    let bad = ws.path().join("bad.yaml");
    let good = fixture("plans/read-only.yaml");
    agentgate(&["check", &good, bad.to_str().unwrap()])
        .db(&db)
        .run()
        .code(1)
        .stdout_has("looks like a secret")
        .nowhere("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789");
    let list = agentgate(&["audit", "list", "--format", "json"])
        .db(&db)
        .run();
    let outcomes: Vec<String> = list
        .code(0)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes, ["error", "allow"]);
}
