//! `agentgate plan`: decisions, exit codes, diffs, JSON, and refusal of bad input.

use crate::helpers::{Workspace, agentgate, fixture};

#[test]
fn quickstart_needs_approval_and_shows_diffs() {
    let run = agentgate(&["plan", "fixtures/plans/quickstart.yaml", "--color", "never"]).run();
    run.code(2)
        .stdout_has("-api_key_ref: vault:staging/api-old")
        .stdout_has("+api_key_ref: vault:staging/api")
        .stdout_has("| id ")
        .stdout_has("Decision: approve (tier 3)");
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour when asked for none"
    );
}

#[test]
fn quickstart_json_matches_the_spec_shape() {
    let run = agentgate(&["plan", "fixtures/plans/quickstart.yaml", "--format", "json"]).run();
    run.code(2);
    let json = run.json();
    insta::assert_json_snapshot!("quickstart", json, {
        ".policy.hash" => "[policy-hash]",
        ".plan.file" => "[file]",
        ".version" => "[version]",
        ".**.source" => "[rule-source]",
    });
    // Rule sources are `file:line` of the rule in the pack.
    let source = json["actions"][1]["findings"][0]["source"]
        .as_str()
        .unwrap();
    assert!(
        source.starts_with("policies/") && source.contains(".yaml:"),
        "{source}"
    );
    assert_eq!(json["decision"], "approve");
    assert_eq!(json["plan"]["actions"], 5);
    for key in ["id", "tool", "target", "tier", "decision", "findings"] {
        assert!(json["actions"][0].get(key).is_some(), "actions[].{key}");
    }
}

#[test]
fn read_only_plan_is_allowed() {
    agentgate(&["plan", "fixtures/plans/read-only.yaml"])
        .run()
        .code(0)
        .stdout_has("Decision: allow (tier 0)");
}

#[test]
fn destructive_plan_is_denied_with_rule_ids() {
    let run = agentgate(&[
        "plan",
        "fixtures/plans/destructive.yaml",
        "--format",
        "json",
    ])
    .run();
    run.code(3);
    let json = run.json();
    assert_eq!(json["decision"], "deny");
    assert_eq!(json["tier"], 4);
    let rules: Vec<String> = json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| {
            a["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap().to_string())
        })
        .collect();
    for expected in [
        "shell-rm-recursive",
        "shell-privilege",
        "sql-unbounded-write",
        "sql-drop-or-truncate",
        "shell-git-force-push",
    ] {
        assert!(
            rules.iter().any(|r| r == expected),
            "{expected} not in {rules:?}"
        );
    }
}

#[test]
fn secrets_are_denied_and_never_printed() {
    let key = "AKIAQWERTYUIOPASDFGH";
    for format in ["text", "json"] {
        let run = agentgate(&["plan", "fixtures/plans/leak.json", "--format", format]).run();
        run.code(3).nowhere(key);
        assert!(
            run.stdout.contains("secret-aws-access-key-id"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn standard_input_is_read_with_dash() {
    let plan = std::fs::read_to_string(fixture("plans/read-only.yaml")).unwrap();
    let ws = Workspace::new();
    ws.file("config/staging.yaml", "a: 1\n");
    agentgate(&["plan", "-", "--format", "json"])
        .in_dir(ws.path())
        .stdin(&plan)
        .run()
        .code(0);
}

#[test]
fn bad_plans_are_refused_with_position_and_exit_1() {
    let cases = [
        (
            "plans/bad/unknown-field.yaml",
            ":7:5",
            "unknown field `contnet`",
        ),
        ("plans/bad/duplicate-key.yaml", ":7:", "duplicate"),
        ("plans/bad/traversal.yaml", ":4:", "escapes the workspace"),
        (
            "plans/bad/malformed.yaml",
            ":6:10",
            "mapping values are not allowed",
        ),
    ];
    for (file, position, message) in cases {
        let run = agentgate(&["plan", &fixture(file)]).run();
        run.code(1).stderr_has(position).stderr_has(message);
        assert!(
            run.stdout.is_empty(),
            "{file}: nothing on stdout in text mode"
        );
        assert!(!run.stderr.contains("panicked"), "{file}");
    }
}

#[test]
fn errors_in_json_mode_are_json_too() {
    let run = agentgate(&[
        "plan",
        &fixture("plans/bad/unknown-field.yaml"),
        "--format",
        "json",
    ])
    .run();
    run.code(1);
    let json = run.json();
    assert_eq!(json["error"]["diagnostics"][0]["line"], 7);
    assert!(json["decision"].is_null());
}

#[test]
fn refusals_of_every_kind() {
    let ws = Workspace::new();
    let cases = [
        ("actions: []\nversion: 2\n", "duplicate"),
        (
            "actions:\n  - {id: a, tool: file.read, path: /etc/passwd}\n",
            "absolute",
        ),
        (
            "actions:\n  - {id: a, tool: file.read, path: a}\n  - {id: a, tool: file.read, path: b}\n",
            "duplicate action id",
        ),
        (
            "actions:\n  - {id: a, tool: file.write, path: a, content: 1, statement: x}\n",
            "does not belong",
        ),
        (
            "actions:\n  - {id: a, tool: shell.exec, command: x, timeout: -1}\n",
            "invalid u64",
        ),
        (
            "actions:\n  - {id: a, tool: http.request, method: GET, url: 'ftp://x/y'}\n",
            "only http",
        ),
        (
            "actions:\n  - {id: a, tool: file.edit, path: missing.txt, old: a, new: b}\n",
            "does not exist",
        ),
        (
            "actions:\n  - !custom {id: a, tool: file.read, path: x}\n",
            "unsupported tag `!custom`",
        ),
    ];
    for (body, message) in cases {
        assert!(
            !message.is_empty(),
            "every refusal names its reason: {body}"
        );
        let plan = ws.plan(body);
        let run = agentgate(&["plan", &plan]).run();
        run.code(1).stderr_has(message);
        assert!(
            run.stderr.contains("plan.yaml"),
            "names the file: {}",
            run.stderr
        );
    }
}

#[test]
fn version_must_be_known() {
    let ws = Workspace::new();
    let plan = ws.dir.path().join("v.yaml");
    std::fs::write(&plan, "version: 9\nagent: a\nactions: []\n").unwrap();
    agentgate(&["plan", plan.to_str().unwrap()])
        .run()
        .code(1)
        .stderr_has("v.yaml:1:10")
        .stderr_has("unsupported plan version 9");
}

#[test]
fn oversized_plans_are_refused() {
    let ws = Workspace::new();
    let plan = ws.dir.path().join("big.yaml");
    let mut text = String::from("version: 1\nagent: a\nactions: []\n");
    text.push_str(&format!("# {}\n", "x".repeat(17 * 1024 * 1024)));
    std::fs::write(&plan, text).unwrap();
    agentgate(&["plan", plan.to_str().unwrap()])
        .run()
        .code(1)
        .stderr_has("limit");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_workspace_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let ws = Workspace::new();
    std::os::unix::fs::symlink(outside.path(), ws.path().join("link")).unwrap();
    let plan = ws.plan("actions:\n  - {id: a, tool: file.write, path: link/x.txt, content: hi}\n");
    agentgate(&["plan", &plan])
        .run()
        .code(1)
        .stderr_has("outside the workspace");
}

#[test]
fn edits_are_diffed_against_the_current_file_and_in_plan_order() {
    let ws = Workspace::new();
    ws.file("app.cfg", "port = 80\nhost = a\n");
    let plan = ws.plan(
        "actions:\n  - {id: e1, tool: file.edit, path: app.cfg, old: 'port = 80', new: 'port = 8080'}\n  - {id: e2, tool: file.edit, path: app.cfg, old: 'port = 8080', new: 'port = 9090'}\n  - {id: n, tool: file.write, path: new.txt, content: \"hello\\n\"}\n  - {id: d, tool: file.delete, path: app.cfg}\n",
    );
    let run = agentgate(&["plan", &plan, "--color", "never"]).run();
    run.code(2)
        .stdout_has("-port = 80\n")
        .stdout_has("+port = 8080")
        .stdout_has("+port = 9090")
        .stdout_has("--- /dev/null")
        .stdout_has("+hello")
        .stdout_has("+++ /dev/null")
        .stdout_has("-port = 9090");
    let json = agentgate(&["plan", &plan, "--format", "json"]).run().json();
    let tiers: Vec<u64> = json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["tier"].as_u64().unwrap())
        .collect();
    assert_eq!(tiers, [2, 2, 1, 4], "edit 2, new file 1, delete 4");
}

#[test]
fn an_edit_that_does_not_apply_is_refused() {
    let ws = Workspace::new();
    ws.file("a.txt", "one\n");
    let plan =
        ws.plan("actions:\n  - {id: e, tool: file.edit, path: a.txt, old: two, new: three}\n");
    agentgate(&["plan", &plan])
        .run()
        .code(1)
        .stderr_has("not in the file");
    ws.file("b.txt", "x\nx\n");
    let plan = ws.plan("actions:\n  - {id: e, tool: file.edit, path: b.txt, old: x, new: y}\n");
    agentgate(&["plan", &plan])
        .run()
        .code(1)
        .stderr_has("2 times");
}

#[test]
fn unknown_tools_and_unreadable_commands_ask() {
    let ws = Workspace::new();
    let plan = ws.plan("actions:\n  - {id: u, tool: git.push, name: x}\n  - {id: s, tool: shell.exec, command: '$cmd -rf /'}\n  - {id: q, tool: sql.exec, database: a.db, statement: 'DELEET FROM x'}\n");
    let json = agentgate(&["plan", &plan, "--format", "json"]).run().json();
    for action in json["actions"].as_array().unwrap() {
        assert!(action["tier"].as_u64().unwrap() >= 3, "{action}");
        assert_ne!(action["decision"], "allow", "{action}");
    }
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let always = agentgate(&[
        "plan",
        "fixtures/plans/quickstart.yaml",
        "--color",
        "always",
    ])
    .run();
    assert!(always.stdout.contains('\u{1b}'));
    let auto = agentgate(&["plan", "fixtures/plans/quickstart.yaml"])
        .env("NO_COLOR", "1")
        .run();
    assert!(!auto.stdout.contains('\u{1b}'));
}

#[test]
fn a_policy_that_fails_to_load_stops_the_command() {
    let run = agentgate(&[
        "plan",
        "fixtures/plans/read-only.yaml",
        "--policy",
        &fixture("policies/broken"),
    ])
    .run();
    run.code(1)
        .stderr_has("policy.yaml:3:")
        .stderr_has("bad-regex")
        .stderr_has("did you mean `program`");
    assert!(run.stdout.is_empty());
}

#[test]
fn default_policy_folder_is_used_when_present() {
    let ws = Workspace::new();
    ws.file(".agentgate/policies/p.yaml", "version: 1\nrules:\n  - id: no-notes\n    why: notes are read-only\n    match: {tool: file.write, path: notes.txt}\n    deny: true\n");
    let plan = ws.plan("actions:\n  - {id: w, tool: file.write, path: notes.txt, content: x}\n");
    agentgate(&["plan", &plan])
        .in_dir(ws.path())
        .run()
        .code(3)
        .stdout_has("no-notes");
}

#[test]
fn exceptions_apply_until_they_expire() {
    let ws = Workspace::new();
    let policy = fixture("policies/exceptions");
    let docs = "actions:\n  - {id: w, tool: file.write, path: docs/a.md, content: x}\n";
    let plan = ws.plan(docs);
    agentgate(&["plan", &plan, "--policy", &policy])
        .run()
        .code(2)
        .stdout_has("no-docs-writes");
    let plan_docs_bot = ws.dir.path().join("docs-bot.yaml");
    std::fs::write(
        &plan_docs_bot,
        format!("version: 1\nagent: docs-bot\n{docs}"),
    )
    .unwrap();
    let run = agentgate(&[
        "plan",
        plan_docs_bot.to_str().unwrap(),
        "--policy",
        &policy,
        "--format",
        "json",
    ])
    .run();
    run.code(0);
    assert_eq!(
        run.json()["actions"][0]["exceptions"][0]["rule"],
        "no-docs-writes"
    );
    // The tmp exception expired in 2020: the deny applies again.
    let plan = ws.plan("actions:\n  - {id: w, tool: file.write, path: tmp/x, content: x}\n");
    agentgate(&["plan", &plan, "--policy", &policy])
        .run()
        .code(3)
        .stdout_has("no-tmp-writes");
}

#[test]
fn validate_commands_are_gated_too() {
    let ws = Workspace::new();
    let plan = ws.plan("actions: []\nvalidate:\n  - command: 'rm -rf /'\n");
    let json = agentgate(&["plan", &plan, "--format", "json"]).run().json();
    assert_eq!(json["validate"][0]["tier"], 4);
    assert_ne!(json["decision"], "allow");
}

#[test]
fn secrets_in_refused_input_are_not_echoed_in_errors() {
    let ws = Workspace::new();
    let token = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
    let plan = ws.plan(&format!(
        "actions:\n  - {{id: a, tool: shell.exec, command: x, timeout: \"{token}\"}}\n"
    ));
    for format in ["text", "json"] {
        let run = agentgate(&["plan", &plan, "--format", format]).run();
        run.code(1).nowhere(&token);
    }
}

#[cfg(unix)]
#[test]
fn rules_see_the_real_path_behind_an_inner_symlink() {
    let ws = Workspace::new();
    ws.file(".git/hooks/README", "x\n");
    std::os::unix::fs::symlink(ws.path().join(".git"), ws.path().join("g")).unwrap();
    let plan = ws.plan("actions:\n  - {id: a, tool: file.write, path: g/hooks/pre-commit, content: \"#!/bin/sh\\n\"}\n");
    let run = agentgate(&["plan", &plan, "--format", "json"]).run();
    run.code(2);
    assert_eq!(
        run.json()["actions"][0]["findings"][0]["rule"],
        "file-git-internals"
    );
}

#[test]
fn control_characters_from_a_plan_are_escaped_in_text() {
    let ws = Workspace::new();
    let plan = ws.plan("actions:\n  - {id: a, tool: file.read, path: x, reason: \"\\r\\e[32mDecision: allow \\u202e\"}\n");
    let run = agentgate(&["plan", &plan, "--color", "never"]).run();
    assert!(
        !run.stdout.contains('\u{1b}')
            && !run.stdout.contains('\r')
            && !run.stdout.contains('\u{202e}'),
        "{}",
        run.stdout
    );
    run.stdout_has("\\u{1b}[32mDecision");
}

#[test]
fn ambiguous_input_is_refused() {
    let ws = Workspace::new();
    ws.file("a.txt", "aaa\n");
    let cases = [
        (
            "actions:\n  - {id: e, tool: file.edit, path: a.txt, old: aa, new: b}\n",
            "2 times",
        ),
        (
            "actions:\n  - {id: h, tool: http.request, method: GET, url: 'https://x.example/', headers: {X: \"1\\r\\nAuthorization: y\"}}\n",
            "line break",
        ),
        (
            "actions:\n  - {id: h, tool: http.request, method: GET, url: 'https://x.example/', headers: {'Authorization ': y}}\n",
            "not a valid HTTP header name",
        ),
        (
            "actions:\n  - {id: s, tool: shell.exec, argv: [ls, \"a\\0b\"]}\n",
            "NUL",
        ),
        (
            "actions:\n  - &b {id: x, tool: file.read, path: a.txt}\n  - {<<: *b, id: y}\n",
            "merge keys are not allowed",
        ),
    ];
    for (body, message) in cases {
        let plan = ws.plan(body);
        agentgate(&["plan", &plan])
            .run()
            .code(1)
            .stderr_has(message);
    }
    let json = ws.dir.path().join("p.json");
    std::fs::write(
        &json,
        "{\"version\": 1, \"agent\": \"a\", \"actions\": [],}",
    )
    .unwrap();
    agentgate(&["plan", json.to_str().unwrap()])
        .run()
        .code(1)
        .stderr_has("not valid JSON");
}

#[test]
fn sql_diffs_show_the_rows_a_where_hits_and_rules_can_use_them() {
    let ws = Workspace::new();
    std::fs::create_dir_all(ws.path().join("data")).unwrap();
    let db = ws.path().join("data/app.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE sessions (id INTEGER, expires_at INTEGER); INSERT INTO sessions VALUES (1, 1), (2, 2), (3, 30), (4, 40);").unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let plan = ws.plan("actions:\n  - {id: purge, tool: sql.exec, database: data/app.db, statement: 'DELETE FROM sessions WHERE expires_at < 10'}\n");
    agentgate(&["plan", &plan, "--color", "never"])
        .run()
        .code(0)
        .stdout_has("hits 2 rows now");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "counting never changes the database"
    );
    ws.file("policy/p.yaml", "version: 1\nrules:\n  - id: mass-delete\n    why: more than one row\n    match: {tool: sql.exec, sql.rows: {gt: 1}}\n    tier: 4\n");
    let policy = ws.path().join("policy");
    let json = agentgate(&[
        "plan",
        &plan,
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ])
    .run()
    .json();
    assert_eq!(json["actions"][0]["tier"], 4);
    assert_eq!(json["actions"][0]["findings"][0]["rule"], "mass-delete");
}
