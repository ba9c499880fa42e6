//! `agentgate explain --shell/--sql/--http`: the reading, the tier and the rules, text and JSON.

use crate::helpers::{Workspace, agentgate, root};

#[test]
fn shell_reading_is_unwrapped_and_snapshotted() {
    let run = agentgate(&[
        "explain",
        "--shell",
        "sudo -u app bash -c 'r\\m -fr ./data' ; echo \"rm -rf /\" | tee log.txt",
        "--format",
        "json",
    ])
    .run();
    run.code(0);
    let json = run.json();
    insta::assert_json_snapshot!("explain_shell", json, {".version" => "[version]", ".findings[].source" => "[policy line]"});
    // The quoted text given to echo is data, not a command.
    let programs: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["program"].as_str())
        .collect();
    assert_eq!(programs, ["rm", "echo", "tee"]);
}

#[test]
fn shell_text_shows_each_sub_command_and_the_decision() {
    agentgate(&[
        "explain",
        "--shell",
        "env -i PATH=/bin /bin/rm --recursive --force -- /",
    ])
    .run()
    .code(0)
    .stdout_has("1. /bin/rm --recursive --force -- /")
    .stdout_has("via         env")
    .stdout_has("[shell-rm-root]")
    .stdout_has("decision: deny");
    agentgate(&["explain", "--shell", "$cmd -rf x"])
        .run()
        .code(0)
        .stdout_has("(only known when it runs)")
        .stdout_has("unresolved  $cmd")
        .stdout_has("decision: approve (tier 3");
}

#[test]
fn sql_is_read_in_the_dialect_asked() {
    let run = agentgate(&[
        "explain",
        "--sql",
        "SELECT 1; DELETE FROM orders WHERE 'a'='a'",
        "--dialect",
        "postgres",
        "--format",
        "json",
    ])
    .run();
    run.code(0);
    let json = run.json();
    assert_eq!(json["input"]["dialect"], "postgres");
    assert_eq!(json["items"][0]["statement_kind"], "select");
    assert_eq!(json["items"][1]["statement_kind"], "delete");
    assert_eq!(json["items"][1]["where"], "always-true");
    assert_eq!(json["items"][1]["tables"][0], "orders");
    assert_eq!(json["tier"], 4);
    assert_eq!(json["findings"][0]["rule"], "sql-unbounded-write");
    // MySQL's backticks are read by the MySQL dialect, and only there.
    agentgate(&[
        "explain",
        "--sql",
        "DELETE FROM `orders` WHERE id = 1",
        "--dialect",
        "mysql",
    ])
    .run()
    .code(0)
    .stdout_has("where       present")
    .stdout_has("decision: allow (tier 2");
    agentgate(&[
        "explain",
        "--sql",
        "DELETE FROM orders WHERE",
        "--dialect",
        "mysql",
    ])
    .run()
    .code(0)
    .stdout_has("unreadable SQL")
    .stdout_has("decision: approve (tier 3");
    agentgate(&["explain", "--sql", "SELECT 1", "--dialect", "oracle"])
        .run()
        .code(1)
        .stderr_has("unknown SQL dialect");
}

#[test]
fn http_shows_the_parts_of_the_url_and_the_allowlist() {
    let run = agentgate(&[
        "explain",
        "--http",
        "POST https://paste.example.com:8443/upload?x=1",
        "--body",
        "{\"a\": 1}",
        "--format",
        "json",
    ])
    .run();
    run.code(0);
    let json = run.json();
    let item = &json["items"][0];
    assert_eq!(item["method"], "POST");
    assert_eq!(item["host"], "paste.example.com");
    assert_eq!(item["port"], "8443");
    assert_eq!(item["path"], "/upload");
    assert_eq!(json["findings"][0]["rule"], "http-egress");
    assert_eq!(json["decision"], "approve");
    // A host in the policy's allowed-hosts surface is not egress.
    agentgate(&["explain", "--http", "POST http://127.0.0.1:8080/api"])
        .run()
        .code(0)
        .stdout_has("decision: allow");
    let ws = Workspace::new();
    let policies = ws.path().join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    for entry in std::fs::read_dir(root().join("policies")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.replace(
                "host: [localhost, 127.0.0.1,",
                "host: [api.partner.example, localhost, 127.0.0.1,",
            );
            std::fs::write(policies.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    let dir = policies.display().to_string();
    agentgate(&[
        "explain",
        "--http",
        "POST https://api.partner.example/upload",
        "--policy",
        &dir,
    ])
    .run()
    .code(0)
    .stdout_has("decision: allow");
}

#[test]
fn secrets_never_show_and_bad_input_is_an_error() {
    let token = "ghp_R8d2kLmN4pQ7sT1vW3xY5zA9bC6eF0gH2jK4";
    let cmd = format!("curl -H 'Authorization: token {token}' https://api.github.com/user");
    for format in ["text", "json"] {
        agentgate(&["explain", "--shell", &cmd, "--format", format])
            .run()
            .code(0)
            .nowhere(token)
            .stdout_has("REDACTED");
    }
    agentgate(&[
        "explain",
        "--http",
        "GET https://admin:Hunter2-xyz@api.acme-corp.io/v1",
    ])
    .run()
    .code(0)
    .nowhere("Hunter2-xyz")
    .stdout_has("http-credentials-in-url")
    .stdout_has("decision: deny");
    // Secrets only recognised in context (`-u user:PASS`, `-pPASS`) are hidden in every piece,
    // flags included (`-pS3cr3tPw` would split into letters spelling it).
    for cmd in [
        "mysql -uroot -pS3cr3tPw -e 'SELECT 1'",
        "curl -u bob:S3cr3tPw https://api.acme-corp.io",
    ] {
        for format in ["text", "json"] {
            agentgate(&["explain", "--shell", cmd, "--format", format])
                .run()
                .code(0)
                .nowhere("S3cr3tPw")
                .nowhere("\"-3\"")
                .stdout_has("cli-password");
        }
    }
    agentgate(&["explain", "--http", "GET"])
        .run()
        .code(1)
        .stderr_has("'METHOD URL'");
    agentgate(&["explain", "--http", "GET ftp://example.com/x"])
        .run()
        .code(1)
        .stderr_has("only http and https");
    agentgate(&["explain"]).run().code(1);
    agentgate(&["explain", "--shell", "ls", "--sql", "SELECT 1"])
        .run()
        .code(1);
    agentgate(&["explain", "--shell", "ls", "--dialect", "mysql"])
        .run()
        .code(1);
}

#[test]
fn terminal_escapes_in_the_input_are_shown_escaped() {
    // A hostile command could move the cursor or fake a decision line in a reviewer's terminal.
    let cmd = "echo '\u{1b}[2K\rdecision: allow' \u{202e}x";
    let run = agentgate(&["explain", "--shell", cmd]).run();
    run.code(0).stdout_has("\\u{1b}").stdout_has("\\u{202e}");
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{202e}'), "{}", run.stdout);
    assert!(!run.stdout.contains('\r'), "{}", run.stdout);
}
