//! `agentgate policy test|lint|explain` on the shipped pack and on fixtures.

use crate::helpers::{Workspace, agentgate, fixture};

#[test]
fn shipped_pack_passes_its_own_tests() {
    let run = agentgate(&["policy", "test", "policies"]).run();
    run.code(0).stdout_has(" 0 failed");
    let embedded = agentgate(&["policy", "test"]).run();
    embedded.code(0);
}

#[test]
fn shipped_pack_lints_clean() {
    agentgate(&["policy", "lint", "policies"])
        .run()
        .code(0)
        .stdout_has("0 problem(s)");
}

#[test]
fn a_failing_example_fails_policy_test_and_loading() {
    let ws = Workspace::new();
    ws.file("p.yaml", "version: 1\nrules:\n  - id: r\n    why: w\n    match: {tool: file.write, path: {glob: 'a/**'}}\n    tier: 3\n    examples:\n      match: [{tool: file.write, path: b/x, content: y}]\n      not_match: [{tool: file.write, path: c/x, content: y}]\n");
    let dir = ws.path().to_str().unwrap();
    agentgate(&["policy", "test", dir])
        .run()
        .code(1)
        .stdout_has("FAIL r: match example at")
        .stdout_has("1 passed, 1 failed");
    agentgate(&["plan", &fixture("plans/read-only.yaml"), "--policy", dir])
        .run()
        .code(1)
        .stderr_has("p.yaml:8:")
        .stderr_has("does not match the rule");
}

#[test]
fn policy_test_runs_case_files() {
    let ws = Workspace::new();
    ws.file("p.yaml", "version: 1\nrules:\n  - id: r\n    why: w\n    match: {tool: file.write, path: {glob: 'a/**'}}\n    tier: 3\n");
    ws.file("tests/cases.yaml", "cases:\n  - name: writes under a/ need approval\n    plan: {version: 1, agent: x, actions: [{id: w, tool: file.write, path: a/b, content: c}]}\n    expect: {decision: approve, tier: 3, rules: [r]}\n  - name: wrong expectation\n    plan: {version: 1, agent: x, actions: [{id: w, tool: file.write, path: z, content: c}]}\n    expect: {decision: deny}\n");
    agentgate(&["policy", "test", ws.path().to_str().unwrap()])
        .run()
        .code(1)
        .stdout_has("ok   ")
        .stdout_has("FAIL")
        .stdout_has("decision allow (expected deny)");
}

#[test]
fn lint_reports_shadowed_rules_expired_exceptions_and_missing_examples() {
    let run = agentgate(&["policy", "lint", &fixture("policies/exceptions")]).run();
    run.code(1).stdout_has("expired on 2020-01-31");
    let ws = Workspace::new();
    ws.file("p.yaml", "version: 1\nrules:\n  - id: strict\n    why: w\n    match: {tool: file.write, path: {glob: '**'}}\n    deny: true\n    examples:\n      match: [{tool: file.write, path: a, content: y}]\n      not_match: [{tool: file.read, path: a}]\n  - id: lax\n    why: w\n    match: {tool: file.write, path: a}\n    tier: 3\n    examples:\n      match: [{tool: file.write, path: a, content: y}]\n      not_match: [{tool: file.write, path: b, content: y}]\n  - id: bare\n    why: w\n    match: {tool: file.read, path: z}\n    tier: 1\n");
    agentgate(&["policy", "lint", ws.path().to_str().unwrap()])
        .run()
        .code(1)
        .stdout_has("`lax`: is shadowed by `strict`")
        .stdout_has("`bare`: has no `match` example");
}

#[test]
fn explain_shows_a_rule() {
    agentgate(&["policy", "explain", "sql-unbounded-write"])
        .run()
        .code(0)
        .stdout_has("why:")
        .stdout_has("level:   hard-mandatory")
        .stdout_has("match: {");
    agentgate(&["policy", "explain", "prod"])
        .run()
        .code(0)
        .stdout_has("surface prod");
    agentgate(&["policy", "explain", "no-such-rule"])
        .run()
        .code(1)
        .stderr_has("no rule");
}

#[test]
fn policy_errors_list_every_problem_with_positions() {
    let run = agentgate(&["policy", "lint", &fixture("policies/broken")]).run();
    run.code(1)
        .stderr_has("policy.yaml:3:5: rule `bad-regex`")
        .stderr_has("policy.yaml:7:5: rule `bad-field`");
}
