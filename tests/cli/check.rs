//! `agentgate check`: many files, worst outcome wins, never interactive.

use crate::helpers::{agentgate, fixture};

#[test]
fn worst_outcome_wins() {
    let read_only = fixture("plans/read-only.yaml");
    let quick = fixture("plans/quickstart.yaml");
    let destructive = fixture("plans/destructive.yaml");
    agentgate(&["check", &read_only]).run().code(0);
    agentgate(&["check", &read_only, &quick]).run().code(2);
    agentgate(&["check", &quick, &destructive, &read_only])
        .run()
        .code(3)
        .stdout_has("outcome: exit 3 (deny)");
}

#[test]
fn an_unreadable_file_is_the_worst_and_the_rest_is_still_reported() {
    let run = agentgate(&[
        "check",
        &fixture("plans/destructive.yaml"),
        &fixture("plans/bad/malformed.yaml"),
        "--format",
        "json",
    ])
    .run();
    run.code(1);
    let json = run.json();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["decision"], "deny");
    assert_eq!(results[0]["exit_code"], 3);
    assert_eq!(results[1]["exit_code"], 1);
    assert!(
        results[1]["error"]["diagnostics"][0]["line"]
            .as_u64()
            .is_some()
    );
}

#[test]
fn missing_file_is_an_error() {
    agentgate(&["check", "does-not-exist.yaml"])
        .run()
        .code(1)
        .stdout_has("does-not-exist.yaml: error");
}
