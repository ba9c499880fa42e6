//! `apply`, `approve` and `rollback` end to end, in temporary workspaces with a real SQLite
//! database and real processes: the plan → approve → apply → validate → rollback cycle.

use std::path::{Path, PathBuf};

use crate::helpers::{Run, Workspace, agentgate};

/// A workspace with its own audit trail (and so its own sealing key) under `.agentgate/`.
struct Cycle {
    ws: Workspace,
    db: PathBuf,
}

impl Cycle {
    fn new() -> Cycle {
        let ws = Workspace::new();
        let db = ws.trail();
        Cycle { ws, db }
    }
    fn path(&self) -> &Path {
        self.ws.path()
    }
    fn run(&self, args: &[&str]) -> Run {
        agentgate(args).db(&self.db).env("CI", "true").run()
    }
    fn run_as(&self, user: &str, args: &[&str]) -> Run {
        agentgate(args)
            .db(&self.db)
            .env("CI", "true")
            .env("USER", user)
            .run()
    }
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|_| "<missing>".into())
    }
    fn sealed(&self) -> String {
        self.path().join("sealed.json").display().to_string()
    }
    fn seal(&self, plan: &str) -> Run {
        let sealed = self.sealed();
        self.run(&["plan", plan, "-o", &sealed])
    }
    fn sql(&self, query: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.path().join("data/app.db")).unwrap();
        conn.query_row(query, [], |r| r.get(0)).unwrap()
    }
    fn database(&self) {
        std::fs::create_dir_all(self.path().join("data")).unwrap();
        let conn = rusqlite::Connection::open(self.path().join("data/app.db")).unwrap();
        conn.execute_batch(
            "CREATE TABLE sessions (id INTEGER PRIMARY KEY, expires_at INTEGER);
             INSERT INTO sessions VALUES (1, 10), (2, 20), (3, 99999999999);",
        )
        .unwrap();
    }
    fn records(&self) -> Vec<(String, String)> {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        let mut stmt = conn
            .prepare("SELECT kind, coalesce(outcome, '') FROM records ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
    fn verify(&self) {
        self.run(&["audit", "verify"]).code(0);
    }
}

const TIER1_WRITE: &str = "actions:
  - id: write-notes
    tool: file.write
    path: notes/today.md
    content: \"hello\\n\"
validate:
  - command: \"test -f notes/today.md\"
";

/// Tier 3: a billing call needs a person.
const NEEDS_APPROVAL: &str = "actions:
  - id: write-notes
    tool: file.write
    path: notes/today.md
    content: \"hello\\n\"
  - id: pay
    tool: call
    name: send_money
    args: {amount: 3}
";

#[test]
fn a_sealed_plan_is_applied_once_and_a_replay_is_refused() {
    let c = Cycle::new();
    let plan = c.ws.plan(TIER1_WRITE);
    c.seal(&plan)
        .code(0)
        .stdout_has("Sealed plan")
        .stdout_has("agentgate apply");
    let sealed = c.sealed();
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&sealed).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "sealed plans are owner-only");
    let key = c.path().join(".agentgate/seal.key");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the key is owner-only");

    c.run(&["apply", &sealed])
        .code(0)
        .stdout_has("[1/1] write-notes")
        .stdout_has("✓ check validate-1")
        .stdout_has("Apply complete: 1 applied, 0 rolled back, 0 irreversible");
    assert_eq!(c.read("notes/today.md"), "hello\n");

    // Put the file back as it was at planning: only the trail can tell it was applied.
    std::fs::remove_file(c.path().join("notes/today.md")).unwrap();
    c.run(&["apply", &sealed])
        .code(3)
        .stderr_has("was already applied (run 2");
    assert_eq!(c.read("notes/today.md"), "<missing>");
    let kinds = c.records();
    assert_eq!(
        kinds,
        [
            ("plan", "allow"),
            ("apply", "started"),
            ("validation", "passed"),
            ("apply", "applied"),
            ("apply", "refused"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    c.verify();
}

#[test]
fn a_stale_plan_is_refused_with_nothing_changed() {
    let c = Cycle::new();
    c.ws.file("config/app.yaml", "port: 80\n");
    let plan = c.ws.plan(
        "actions:
  - id: w
    tool: file.write
    path: config/app.yaml
    content: \"port: 8080\\n\"
  - id: n
    tool: file.write
    path: notes.md
    content: \"x\\n\"
",
    );
    c.seal(&plan).code(0);
    c.ws.file("config/app.yaml", "port: 443\n");
    c.run(&["apply", &c.sealed()])
        .code(3)
        .stderr_has("is stale: `config/app.yaml` changed since the plan was sealed");
    assert_eq!(c.read("config/app.yaml"), "port: 443\n");
    assert_eq!(c.read("notes.md"), "<missing>");
    // A policy set other than the one it was sealed with is refused too.
    c.ws.file("config/app.yaml", "port: 80\n");
    let policies = c.path().join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(policies.join("p.yaml"), "version: 1\n").unwrap();
    c.run(&["apply", &c.sealed(), "--policy", policies.to_str().unwrap()])
        .code(3)
        .stderr_has("the policy set changed since the plan was sealed");
    assert_eq!(c.read("notes.md"), "<missing>");
}

#[test]
fn a_tampered_plan_is_refused_with_nothing_changed() {
    let c = Cycle::new();
    let plan = c.ws.plan(TIER1_WRITE);
    c.seal(&plan).code(0);
    let sealed = c.sealed();
    let text = std::fs::read_to_string(&sealed).unwrap();
    // The agent swaps the content and even fixes the plan hash: the MAC still catches it.
    std::fs::write(&sealed, text.replace("hello", "pwned")).unwrap();
    c.run(&["apply", &sealed])
        .code(3)
        .stderr_has("tampered with")
        .stderr_has("MAC does not match");
    assert_eq!(c.read("notes/today.md"), "<missing>");
    // Truncated JSON that still claims to be sealed is refused, not read as a plain plan.
    std::fs::write(&sealed, &text[..text.len() / 2]).unwrap();
    c.run(&["apply", &sealed])
        .code(3)
        .stderr_has("tampered with");
    // A different key (another machine) cannot vouch for it.
    std::fs::write(&sealed, &text).unwrap();
    std::fs::write(c.path().join(".agentgate/seal.key"), "00".repeat(32)).unwrap();
    c.run(&["apply", &sealed])
        .code(3)
        .stderr_has("sealed with key");
    assert_eq!(c.read("notes/today.md"), "<missing>");
}

#[test]
fn tier_3_in_ci_waits_until_someone_else_approves() {
    let c = Cycle::new();
    let plan = c.ws.plan(NEEDS_APPROVAL);
    c.seal(&plan).code(2);
    let sealed = c.sealed();
    c.run(&["apply", &sealed])
        .code(2)
        .stdout_has("Approval required")
        .stdout_has("agentgate approve");
    assert_eq!(c.read("notes/today.md"), "<missing>");
    // Self-approval: by name, or by running as the agent.
    c.run(&["approve", &sealed, "--by", "Test-Bot", "--reason", "me"])
        .code(3)
        .stderr_has("cannot approve its own plan");
    c.run_as(
        "test-bot",
        &["approve", &sealed, "--by", "alice", "--reason", "me"],
    )
    .code(3)
    .stderr_has("separation of duties");
    c.run(&["apply", &sealed]).code(2);
    c.run(&[
        "approve",
        &sealed,
        "--by",
        "alice",
        "--reason",
        "billing reviewed",
    ])
    .code(0)
    .stdout_has("Approved sealed plan")
    .stdout_has("pay  call send_money  tier 3");
    let out = c.run(&["apply", &sealed, "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(doc["outcome"], "applied");
    assert_eq!(doc["approvals"][0]["by"], "alice");
    assert_eq!(doc["approvals"][0]["how"], "recorded");
    // The call is not executed: it is handed to the agent's runtime.
    assert_eq!(doc["calls"][0]["name"], "send_money");
    assert_eq!(doc["calls"][0]["args"]["amount"], 3);
    assert_eq!(doc["actions"][1]["status"], "call");
    assert_eq!(c.read("notes/today.md"), "hello\n");
    // An approval of an applied plan is refused.
    c.run(&["approve", &sealed, "--by", "bob", "--reason", "late"])
        .code(3)
        .stderr_has("already applied");
    let kinds: Vec<String> = c
        .records()
        .into_iter()
        .map(|(k, o)| format!("{k}:{o}"))
        .collect();
    assert_eq!(
        kinds,
        [
            "plan:approve",
            "apply:waiting",
            "approve:refused",
            "approve:refused",
            "apply:waiting",
            "approval:approved",
            "apply:started",
            "apply:applied",
        ]
    );
    c.verify();
}

#[test]
fn auto_approve_never_passes_a_deny_nor_tier_4_unless_the_policy_allows() {
    let c = Cycle::new();
    c.ws.file("old.txt", "old\n");
    let plan = c.ws.plan(
        "actions:
  - id: wipe
    tool: shell.exec
    argv: [rm, -rf, important]
",
    );
    let out = c.run(&["apply", &plan, "--auto-approve"]);
    out.code(2).stdout_has("--auto-approve stops at tier 3");
    // A policy may let --auto-approve through tier 4.
    let policies = c.path().join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    for (name, text) in agentgate_policies() {
        std::fs::write(policies.join(name), text).unwrap();
    }
    std::fs::write(
        policies.join("auto.yaml"),
        "version: 1\nauto_approve:\n  max_tier: 4\n",
    )
    .unwrap();
    std::fs::create_dir_all(c.path().join("important")).unwrap();
    c.run(&[
        "apply",
        &plan,
        "--auto-approve",
        "--policy",
        policies.to_str().unwrap(),
    ])
    .code(0);
    assert!(!c.path().join("important").exists());
    // A secret in a plan is denied, whatever --auto-approve says.
    let leak = c.ws.plan_named(
        "leak.yaml",
        "actions:
  - id: leak
    tool: file.write
    path: leak.txt
    content: \"token: ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\\n\"
",
    );
    c.run(&["apply", &leak, "--auto-approve"])
        .code(3)
        .stdout_has("Apply refused")
        .nowhere("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789");
    assert_eq!(c.read("leak.txt"), "<missing>");
}

fn agentgate_policies() -> Vec<(String, String)> {
    let dir = crate::helpers::root().join("policies");
    std::fs::read_dir(dir)
        .unwrap()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn failing_validation_restores_files_and_rolls_back_sql() {
    let c = Cycle::new();
    c.database();
    c.ws.file("config/app.yaml", "port: 80\n");
    let plan = c.ws.plan(
        "actions:
  - id: config
    tool: file.write
    path: config/app.yaml
    content: \"port: 8080\\n\"
  - id: new-file
    tool: file.write
    path: deep/new/file.txt
    content: \"x\\n\"
  - id: purge
    tool: sql.exec
    database: data/app.db
    statement: \"DELETE FROM sessions WHERE expires_at < 100\"
  - id: marker
    tool: shell.exec
    command: \"echo made > marker.txt\"
    rollback: \"rm marker.txt\"
  - id: log
    tool: shell.exec
    argv: [echo, irreversible]
validate:
  - command: \"grep -q 9090 config/app.yaml\"
",
    );
    let out = c.run(&["apply", &plan, "--auto-approve", "--format", "json"]);
    out.code(4);
    let doc = out.json();
    assert_eq!(doc["outcome"], "failed");
    assert_eq!(doc["exit_code"], 4);
    assert_eq!(
        doc["rolled_back"],
        serde_json::json!(["config", "new-file", "purge", "marker"])
    );
    assert_eq!(doc["irreversible"], serde_json::json!(["log"]));
    assert_eq!(doc["validate"][0]["passed"], false);
    assert_eq!(c.read("config/app.yaml"), "port: 80\n");
    assert!(
        !c.path().join("deep").exists(),
        "created directories are removed"
    );
    assert!(
        !c.path().join("marker.txt").exists(),
        "the rollback command ran"
    );
    assert_eq!(
        c.sql("SELECT count(*) FROM sessions"),
        3,
        "the transaction was rolled back"
    );
    let kinds: Vec<String> = c
        .records()
        .into_iter()
        .map(|(k, o)| format!("{k}:{o}"))
        .collect();
    assert_eq!(
        kinds,
        [
            "apply:started",
            "approval:approved",
            "validation:failed",
            "rollback:partial",
            "apply:failed"
        ]
    );
    c.verify();
    // Stats see the apply, the failed validation and the rollback.
    let stats = c.run(&["audit", "stats", "--format", "json"]);
    let s = stats.code(0).json();
    let text = s.to_string();
    assert!(text.contains("\"validation_failure_rate\":1.0"), "{text}");
    assert!(text.contains("\"rollback_rate\":1.0"), "{text}");
}

#[test]
fn the_first_failing_action_stops_the_apply_and_undoes_the_rest() {
    let c = Cycle::new();
    c.database();
    let plan = c.ws.plan(
        "actions:
  - id: purge
    tool: sql.exec
    database: data/app.db
    statement: \"DELETE FROM sessions WHERE expires_at < 100\"
  - id: a
    tool: file.write
    path: a.txt
    content: \"a\\n\"
  - id: boom
    tool: shell.exec
    argv: [\"false\"]
  - id: never
    tool: file.write
    path: never.txt
    content: \"n\\n\"
",
    );
    c.run(&["apply", &plan, "--auto-approve"])
        .code(4)
        .stdout_has("action `boom` failed: exited with 1")
        .stdout_has("Apply failed: 0 applied, 2 rolled back, 0 irreversible");
    assert_eq!(c.read("a.txt"), "<missing>");
    assert_eq!(c.read("never.txt"), "<missing>");
    assert_eq!(c.sql("SELECT count(*) FROM sessions"), 3);
}

#[test]
fn sql_commits_after_the_checks_pass() {
    let c = Cycle::new();
    c.database();
    let plan = c.ws.plan(
        "actions:
  - id: purge
    tool: sql.exec
    database: data/app.db
    statement: \"DELETE FROM sessions WHERE expires_at < 100\"
validate:
  - command: \"true\"
",
    );
    c.run(&["apply", &plan]).code(0);
    assert_eq!(c.sql("SELECT count(*) FROM sessions"), 1);
}

#[test]
fn rollback_undoes_a_completed_apply_once_and_refuses_changed_files() {
    let c = Cycle::new();
    c.ws.file("config/app.yaml", "port: 80\n");
    let plan = c.ws.plan(
        "actions:
  - id: config
    tool: file.write
    path: config/app.yaml
    content: \"port: 8080\\n\"
  - id: add
    tool: file.write
    path: added/file.txt
    content: \"new\\n\"
",
    );
    let doc = c.run(&["apply", &plan, "--format", "json"]).code(0).json();
    let run = doc["run"].as_i64().unwrap().to_string();
    // A file changed since: refused, nothing touched.
    c.ws.file("added/file.txt", "edited by hand\n");
    c.run(&["rollback", &run])
        .code(3)
        .stderr_has("`added/file.txt` (action `add`) changed since");
    assert_eq!(c.read("config/app.yaml"), "port: 8080\n");
    c.ws.file("added/file.txt", "new\n");
    c.run(&["rollback", &run])
        .code(0)
        .stdout_has("2 file change(s) undone");
    assert_eq!(c.read("config/app.yaml"), "port: 80\n");
    assert!(!c.path().join("added").exists());
    c.run(&["rollback", &run])
        .code(3)
        .stderr_has("already rolled back");
    let doc = c.run(&["plan", &plan, "--format", "json"]).code(0).json();
    let plan_run = doc["audit"]["record"].as_i64().unwrap().to_string();
    c.run(&["rollback", &plan_run])
        .code(3)
        .stderr_has("not a completed apply");
    c.run(&["rollback", "999"]).code(1).stderr_has("no run 999");
    c.verify();
}

#[test]
fn paths_that_escape_at_execution_time_are_refused() {
    let c = Cycle::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(c.path().join("out")).unwrap();
    let plan = c.ws.plan(
        "actions:
  - id: w
    tool: file.write
    path: out/evil.txt
    content: \"x\\n\"
",
    );
    c.seal(&plan).code(0);
    // Between review and apply, `out` becomes a symlink to a folder outside the workspace: the
    // sealed plan is read again against the workspace as it is now, and refused.
    std::fs::remove_dir(c.path().join("out")).unwrap();
    std::os::unix::fs::symlink(outside.path(), c.path().join("out")).unwrap();
    c.run(&["apply", &c.sealed()])
        .code(1)
        .stderr_has("points outside the workspace");
    assert!(!outside.path().join("evil.txt").exists());
    // The swap made by an earlier action of the same plan is caught by the executor itself.
    std::fs::remove_file(c.path().join("out")).unwrap();
    let swap = c.ws.plan_named(
        "swap.yaml",
        &format!(
            "actions:
  - id: link
    tool: shell.exec
    argv: [ln, -s, \"{}\", link]
  - id: w
    tool: file.write
    path: link/evil.txt
    content: \"x\\n\"
",
            outside.path().display()
        ),
    );
    c.run(&["apply", &swap, "--auto-approve"])
        .code(4)
        .stdout_has("action `w` failed")
        .stdout_has("symlink");
    assert!(!outside.path().join("evil.txt").exists());
}

#[test]
fn soft_mandatory_denials_pass_only_with_a_recorded_override() {
    let c = Cycle::new();
    let policies = c.path().join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(
        policies.join("p.yaml"),
        "version: 1
rules:
  - id: no-docs-edits
    why: docs are frozen
    level: soft-mandatory
    deny: true
    match: {tool: file.write, path: {glob: \"docs/**\"}}
  - id: never-etc
    why: never
    level: hard-mandatory
    deny: true
    match: {tool: file.write, path: {glob: \"etc/**\"}}
",
    )
    .unwrap();
    let p = policies.to_str().unwrap();
    let plan = c.ws.plan(
        "actions:
  - id: doc
    tool: file.write
    path: docs/a.md
    content: \"a\\n\"
",
    );
    c.run(&["apply", &plan, "--policy", p])
        .code(3)
        .stdout_has("--override no-docs-edits");
    c.run(&["apply", &plan, "--policy", p, "--override", "no-docs-edits"])
        .code(1)
        .stderr_has("needs --reason");
    c.run(&[
        "apply",
        &plan,
        "--policy",
        p,
        "--override",
        "typo",
        "--reason",
        "r",
    ])
    .code(1)
    .stderr_has("no soft-mandatory finding");
    // In CI an override is a person's call too: it needs --auto-approve or a recorded approval.
    let overriding = [
        "apply",
        &plan,
        "--policy",
        p,
        "--override",
        "no-docs-edits",
        "--reason",
        "release notes",
    ];
    c.run(&overriding).code(2);
    assert_eq!(c.read("docs/a.md"), "<missing>");
    c.run_as("test-bot", &[&overriding[..], &["--auto-approve"]].concat())
        .code(3)
        .stderr_has("cannot override its own denials");
    c.run(&[&overriding[..], &["--auto-approve"]].concat())
        .code(0);
    assert_eq!(c.read("docs/a.md"), "a\n");
    let hard = c.ws.plan_named(
        "hard.yaml",
        "actions:
  - id: etc
    tool: file.write
    path: etc/x
    content: \"a\\n\"
",
    );
    c.run(&[
        "apply",
        &hard,
        "--policy",
        p,
        "--override",
        "never-etc",
        "--reason",
        "please",
    ])
    .code(3)
    .stderr_has("hard-mandatory: it cannot be overridden");
    assert_eq!(c.read("etc/x"), "<missing>");
    let kinds: Vec<String> = c
        .records()
        .into_iter()
        .map(|(k, o)| format!("{k}:{o}"))
        .collect();
    assert!(
        kinds.contains(&"override:overridden".to_string()),
        "{kinds:?}"
    );
}

#[test]
fn dry_run_shows_what_would_run_and_changes_nothing() {
    let c = Cycle::new();
    let plan = c.ws.plan(NEEDS_APPROVAL);
    c.run(&["apply", &plan, "--dry-run"])
        .code(2)
        .stdout_has("Dry run")
        .stdout_has("write notes/today.md (6 bytes), atomically, after a snapshot")
        .stdout_has("print call `send_money`");
    assert_eq!(c.read("notes/today.md"), "<missing>");
    let doc = c
        .run(&[
            "apply",
            &plan,
            "--dry-run",
            "--auto-approve",
            "--format",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(doc["outcome"], "dry-run");
    assert!(c.records().is_empty(), "a dry run records nothing");
}

#[test]
fn the_kill_switch_stops_apply_before_anything_runs() {
    let c = Cycle::new();
    let plan = c.ws.plan(TIER1_WRITE);
    c.seal(&plan).code(0);
    c.run(&["stop", "--reason", "incident 42"]).code(0);
    c.run(&["apply", &c.sealed()])
        .code(3)
        .stdout_has("the kill switch is on");
    assert_eq!(c.read("notes/today.md"), "<missing>");
    c.run(&["resume"]).code(0);
    c.run(&["apply", &c.sealed()]).code(0);
}

/// A one-shot HTTP/1.1 server on loopback: answers `status` and hands back the request it got.
fn serve_once(status: u16) -> (u16, std::thread::JoinHandle<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let reply = "{\"closed\":true}";
        write!(
            &stream,
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
            reply.len()
        )
        .unwrap();
        format!("{head}{}", String::from_utf8_lossy(&body))
    });
    (port, handle)
}

#[test]
fn http_requests_reach_a_real_server_and_are_listed_irreversible_on_failure() {
    let c = Cycle::new();
    let (port, server) = serve_once(200);
    let plan = c.ws.plan(&format!(
        "actions:
  - id: close-ticket
    tool: http.request
    method: POST
    url: \"http://127.0.0.1:{port}/api/tickets/OPS-1/close\"
    body: {{comment: rotated}}
  - id: notes
    tool: file.write
    path: notes.md
    content: \"done\\n\"
validate:
  - command: \"false\"
"
    ));
    // Tier 2 without a way to undo it needs a person: in CI, --auto-approve or nothing.
    c.run(&["apply", &plan]).code(2);
    let doc = c
        .run(&["apply", &plan, "--auto-approve", "--format", "json"])
        .code(4)
        .json();
    let request = server.join().unwrap();
    assert!(
        request.starts_with("POST /api/tickets/OPS-1/close HTTP/1.1"),
        "{request}"
    );
    assert!(request.ends_with("{\"comment\":\"rotated\"}"), "{request}");
    assert_eq!(doc["actions"][0]["output"]["status"], 200);
    assert_eq!(doc["actions"][0]["output"]["body"], "{\"closed\":true}");
    assert_eq!(doc["irreversible"], serde_json::json!(["close-ticket"]));
    assert_eq!(doc["rolled_back"], serde_json::json!(["notes"]));
    assert_eq!(c.read("notes.md"), "<missing>");
}

#[test]
fn an_http_error_status_fails_the_apply() {
    let c = Cycle::new();
    let (port, server) = serve_once(500);
    let plan = c.ws.plan(&format!(
        "actions:
  - id: notes
    tool: file.write
    path: notes.md
    content: \"done\\n\"
  - id: call-api
    tool: http.request
    method: GET
    url: \"http://127.0.0.1:{port}/health\"
"
    ));
    c.run(&["apply", &plan, "--auto-approve"])
        .code(4)
        .stdout_has("action `call-api` failed: the server answered HTTP 500");
    server.join().unwrap();
    assert_eq!(c.read("notes.md"), "<missing>");
}

#[test]
fn a_sealed_plan_never_runs_in_a_workspace_swapped_behind_its_path() {
    let parent = tempfile::tempdir().unwrap();
    let ws = parent.path().join("ws");
    let other = parent.path().join("other");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    let db = parent.path().join("trail/audit.db");
    let plan = ws.join("plan.yaml");
    std::fs::write(
        &plan,
        "version: 1\nagent: test-bot\nactions:\n  - id: n\n    tool: file.write\n    path: n.txt\n    content: \"x\\n\"\n",
    )
    .unwrap();
    let sealed = parent.path().join("sealed.json");
    let run = |args: &[&str]| agentgate(args).db(&db).env("CI", "true").run();
    run(&[
        "plan",
        plan.to_str().unwrap(),
        "-o",
        sealed.to_str().unwrap(),
    ])
    .code(0);
    std::fs::rename(&ws, parent.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(&other, &ws).unwrap();
    run(&["apply", sealed.to_str().unwrap()])
        .code(3)
        .stderr_has("now leads to");
    assert!(!other.join("n.txt").exists());
}

#[test]
fn rollback_handles_a_file_changed_twice_and_dry_run_sees_the_kill_switch() {
    let c = Cycle::new();
    c.ws.file("a.txt", "one\n");
    let plan = c.ws.plan(
        "actions:
  - id: w1
    tool: file.write
    path: a.txt
    content: \"two\\n\"
  - id: w2
    tool: file.edit
    path: a.txt
    old: two
    new: three
",
    );
    let doc = c.run(&["apply", &plan, "--format", "json"]).code(0).json();
    assert_eq!(c.read("a.txt"), "three\n");
    let run = doc["run"].as_i64().unwrap().to_string();
    c.run(&["rollback", &run]).code(0);
    assert_eq!(c.read("a.txt"), "one\n");
    c.run(&["stop", "--reason", "incident"]).code(0);
    c.run(&["apply", &plan, "--dry-run"])
        .code(3)
        .stderr_has("the kill switch is on");
}

#[test]
fn the_kill_switch_set_during_an_apply_stops_it_and_rolls_back() {
    let c = Cycle::new();
    let plan = c.ws.plan(
        "actions:
  - id: a
    tool: file.write
    path: a.txt
    content: \"a\\n\"
  - id: wait
    tool: shell.exec
    argv: [sleep, \"1\"]
  - id: b
    tool: file.write
    path: b.txt
    content: \"b\\n\"
",
    );
    let apply = crate::helpers::hermetic(&mut std::process::Command::new(crate::helpers::bin()))
        .args(["apply", &plan, "--non-interactive"])
        .env("AGENTGATE_DB", &c.db)
        .env("USER", "tester")
        .env_remove("CI")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stopper = {
        let db = c.db.clone();
        std::thread::spawn(move || {
            // While `sleep 1` runs, on-call pulls the kill switch.
            std::thread::sleep(std::time::Duration::from_millis(400));
            agentgate(&["stop", "--reason", "incident"])
                .db(&db)
                .run()
                .code(0);
        })
    };
    let out = apply.wait_with_output().unwrap();
    stopper.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("stopped by the kill switch"), "{stdout}");
    assert_eq!(c.read("a.txt"), "<missing>", "rolled back");
    assert_eq!(c.read("b.txt"), "<missing>", "never started");
}
