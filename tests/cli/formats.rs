//! CI formats of `plan` and `check` (SARIF, JUnit XML, GitHub workflow commands), `--output`,
//! `--fail-on` and `--max-tier`, on the real binary.

use serde_json::Value;

use crate::helpers::{Run, Workspace, agentgate, root};

const ALLOW: &str = "fixtures/plans/read-only.yaml";
const APPROVE: &str = "fixtures/plans/quickstart.yaml";
const DENY: &str = "fixtures/plans/destructive.yaml";
const BROKEN: &str = "fixtures/plans/bad/malformed.yaml";
/// Every kind of result: advisory note, approval by a rule and by tier alone, a denial.
const CI: &str = "fixtures/plans/ci.yaml";
const CI_POLICY: [&str; 4] = ["--policy", "policies", "--policy", "fixtures/policies/ci"];
const KEY: &str = "AKIAQWERTYUIOPASDFGH";
const FORMATS: [&str; 5] = ["text", "json", "sarif", "junit", "github"];

fn run(args: &[&str]) -> Run {
    agentgate(args).run()
}

fn with_ci_policy<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(CI_POLICY);
    v
}

// ---------------------------------------------------------------------------------------------
// SARIF

/// The official schema, vendored unchanged (see tests/data/README.md) and compiled offline.
fn sarif_validator() -> jsonschema::Validator {
    let path = root().join("tests/data/sarif-schema-2.1.0.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fix_language_pattern(&mut schema);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// The schema's two `language` patterns have a stray `]` (`...{2}]?$`, a known erratum of the
/// 2.1.0 schema), which a strict ECMA-262 reading refuses, so the schema would not compile; they
/// get the pattern the erratum meant. agentgate does not emit `language`: nothing that it writes
/// is checked any less.
fn fix_language_pattern(schema: &mut Value) {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "pattern" && value == BROKEN {
                    *value = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                } else {
                    fix_language_pattern(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fix_language_pattern),
        _ => {}
    }
}

fn schema_errors(doc: &Value) -> Vec<String> {
    sarif_validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid_sarif(doc: &Value) {
    let errors = schema_errors(doc);
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{errors:#?}\n{doc:#}"
    );
}

fn results(doc: &Value) -> &Vec<Value> {
    doc["runs"][0]["results"].as_array().unwrap()
}

fn rule_ids(doc: &Value) -> Vec<String> {
    doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_for_every_outcome() {
    for (files, code) in [
        (vec![ALLOW], 0),
        (vec![APPROVE], 2),
        (vec![DENY], 3),
        (vec![BROKEN], 1),
        (vec![ALLOW, APPROVE, DENY, BROKEN], 1),
        (vec!["does-not-exist.yaml"], 1),
    ] {
        let mut args = vec!["check", "--format", "sarif"];
        args.extend(&files);
        let r = run(&args);
        r.code(code);
        let doc = r.json();
        assert_valid_sarif(&doc);
        assert_eq!(doc["runs"][0]["invocations"][0]["exitCode"], code);
        assert_eq!(
            doc["runs"][0]["invocations"][0]["executionSuccessful"],
            code != 1
        );
    }
    for (plan, code) in [(ALLOW, 0), (APPROVE, 2), (DENY, 3), (BROKEN, 1)] {
        let r = run(&["plan", plan, "--format", "sarif"]);
        r.code(code);
        assert_valid_sarif(&r.json());
    }
    let r = run(&with_ci_policy(&[
        "check",
        CI,
        "--format",
        "sarif",
        "--max-tier",
        "2",
    ]));
    r.code(3);
    assert_valid_sarif(&r.json());
}

#[test]
fn the_schema_check_fails_when_a_required_property_is_missing() {
    let doc = run(&["check", APPROVE, "--format", "sarif"]).json();
    assert_valid_sarif(&doc);
    let broken = |path: &[&str], key: &str| {
        let mut d = doc.clone();
        let mut at = &mut d;
        for p in path {
            at = match p.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*p],
            };
        }
        assert!(at.as_object_mut().unwrap().remove(key).is_some(), "{key}");
        d
    };
    for (path, key) in [
        (&[][..], "version"),
        (&[][..], "runs"),
        (&["runs", "0"][..], "tool"),
        (&["runs", "0", "tool"][..], "driver"),
        (&["runs", "0", "tool", "driver"][..], "name"),
        (&["runs", "0", "results", "0"][..], "message"),
        (&["runs", "0", "results", "0", "message"][..], "text"),
        (&["runs", "0", "tool", "driver", "rules", "0"][..], "id"),
    ] {
        assert!(
            !schema_errors(&broken(path, key)).is_empty(),
            "the schema accepted a document without {path:?}.{key}"
        );
    }
    let mut wrong = doc.clone();
    wrong["version"] = "2.0.0".into();
    assert!(!schema_errors(&wrong).is_empty());
    let mut wrong = doc.clone();
    wrong["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema_errors(&wrong).is_empty());
}

#[test]
fn sarif_rules_are_the_findings_rule_ids_and_results_point_at_the_plan() {
    let r = run(&with_ci_policy(&["check", CI, "--format", "sarif"]));
    r.code(3);
    let doc = r.json();
    let driver = &doc["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "agentgate");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        rule_ids(&doc),
        [
            "notes-todo",
            "surface-prod",
            "tier-3",
            "shell-rm-recursive",
            "shell-rm-root"
        ]
    );
    let rules = driver["rules"].as_array().unwrap();
    let by_rule = |id: &str| {
        results(&doc)
            .iter()
            .find(|r| r["ruleId"] == id)
            .unwrap_or_else(|| panic!("no result for {id}"))
    };
    for result in results(&doc) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    // Levels: advisory is a note, needing a person a warning, an enforced denial an error.
    assert_eq!(by_rule("notes-todo")["level"], "note");
    assert_eq!(by_rule("surface-prod")["level"], "warning");
    assert_eq!(by_rule("tier-3")["level"], "warning");
    assert_eq!(by_rule("shell-rm-root")["level"], "error");
    // The rule's own description, remediation and source.
    let todo = &rules[0];
    assert_eq!(todo["shortDescription"]["text"], "writes a TODO note");
    assert_eq!(todo["help"]["text"], "open a ticket for it instead");
    assert_eq!(todo["properties"]["level"], "advisory");
    assert_eq!(todo["properties"]["effect"], "tier");
    assert_eq!(todo["properties"]["tier"], 1);
    assert_eq!(
        todo["properties"]["source"],
        "fixtures/policies/ci/policy.yaml:5"
    );
    // The plan file at the action's line and column; for a file action, the file it changes.
    let prod = by_rule("surface-prod");
    let first = &prod["locations"][0]["physicalLocation"];
    assert_eq!(first["artifactLocation"]["uri"], CI);
    assert_eq!(first["region"]["startLine"], 12);
    assert_eq!(first["region"]["startColumn"], 5);
    assert_eq!(
        prod["locations"][1]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/plans/deploy/prod.yaml"
    );
    assert_eq!(by_rule("tier-3")["locations"].as_array().unwrap().len(), 1);
    assert!(
        by_rule("tier-3")["message"]["text"]
            .as_str()
            .unwrap()
            .contains("unknown tool `deploy.run`")
    );
    // Fingerprints: one per result, the same on the next run.
    let prints = |doc: &Value| -> Vec<String> {
        results(doc)
            .iter()
            .map(|r| {
                r["partialFingerprints"]["agentgate/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let first_run = prints(&doc);
    let mut unique = first_run.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first_run.len());
    let again = run(&with_ci_policy(&["check", CI, "--format", "sarif"])).json();
    assert_eq!(prints(&again), first_run);
}

#[test]
fn sarif_reports_an_unreadable_plan_at_its_line_and_tier_only_approvals() {
    let doc = run(&["check", BROKEN, "--format", "sarif"]).json();
    assert_eq!(rule_ids(&doc), ["input-error"]);
    let result = &results(&doc)[0];
    assert_eq!(result["level"], "error");
    let at = &result["locations"][0]["physicalLocation"];
    assert_eq!(at["artifactLocation"]["uri"], BROKEN);
    assert_eq!(at["region"]["startLine"], 6);
    assert_eq!(at["region"]["startColumn"], 10);
    // An allowed plan has nothing to report.
    assert!(results(&run(&["check", ALLOW, "--format", "sarif"]).json()).is_empty());
}

#[test]
fn sarif_says_when_the_pipeline_caps_the_tier() {
    let doc = run(&["plan", APPROVE, "--format", "sarif", "--max-tier", "2"]).json();
    let capped: Vec<&Value> = results(&doc)
        .iter()
        .filter(|r| r["ruleId"] == "max-tier")
        .collect();
    assert_eq!(capped.len(), 2, "restart and pay are tier 3");
    assert!(capped.iter().all(|r| r["level"] == "error"));
    assert!(
        capped[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("above --max-tier 2")
    );
    assert_eq!(doc["runs"][0]["invocations"][0]["exitCode"], 3);
}

#[test]
fn sarif_snapshot() {
    let r = run(&with_ci_policy(&["check", CI, "--format", "sarif"]));
    insta::assert_json_snapshot!("ci_sarif", r.json(), {
        ".runs[].tool.driver.version" => "[version]",
        ".runs[].tool.driver.semanticVersion" => "[version]",
        ".**.source" => "[rule-source]",
    });
}

// ---------------------------------------------------------------------------------------------
// JUnit XML

/// Parse strictly (roxmltree refuses anything that is not well-formed XML 1.0) and check that
/// every count attribute is what the elements say.
fn parse_junit(xml: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(xml)
        .unwrap_or_else(|e| panic!("JUnit is not well-formed XML ({e}):\n{xml}"));
    let top = doc.root_element();
    assert_eq!(top.tag_name().name(), "testsuites");
    let count = |node: roxmltree::Node, tag: &str| {
        node.descendants()
            .filter(|n| n.tag_name().name() == tag)
            .count()
            .to_string()
    };
    let attr = |node: roxmltree::Node, name: &str| node.attribute(name).unwrap().to_string();
    for node in std::iter::once(top).chain(top.children().filter(|n| n.is_element())) {
        assert_eq!(attr(node, "tests"), count(node, "testcase"), "{xml}");
        assert_eq!(attr(node, "failures"), count(node, "failure"), "{xml}");
        assert_eq!(attr(node, "errors"), count(node, "error"), "{xml}");
    }
    doc
}

fn suite<'a, 'i>(doc: &'a roxmltree::Document<'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    doc.descendants()
        .find(|n| n.tag_name().name() == "testsuite" && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no testsuite {name}"))
}

fn case<'a, 'i>(suite: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    suite
        .children()
        .find(|n| n.tag_name().name() == "testcase" && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no testcase {name}"))
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, tag: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == tag)
}

#[test]
fn junit_has_a_suite_per_plan_a_case_per_action_and_correct_counts() {
    let r = run(&["check", ALLOW, APPROVE, DENY, BROKEN, "--format", "junit"]);
    r.code(1);
    let doc = parse_junit(&r.stdout);
    let top = doc.root_element();
    assert_eq!(top.attribute("errors"), Some("1"));
    assert_eq!(
        top.children().filter(|n| n.is_element()).count(),
        4,
        "one suite per file"
    );
    let allow = suite(&doc, ALLOW);
    assert_eq!(allow.attribute("failures"), Some("0"));
    assert_eq!(allow.attribute("tests"), Some("4"));
    let quick = suite(&doc, APPROVE);
    assert_eq!(quick.attribute("failures"), Some("2"));
    let restart = case(quick, "restart");
    assert_eq!(restart.attribute("classname"), Some("shell.exec"));
    let failure = child(restart, "failure").unwrap();
    assert_eq!(
        failure.attribute("message"),
        Some("approve (tier 3): shell-service-control")
    );
    assert!(failure.text().unwrap().contains("controls services"));
    assert!(child(case(quick, "write-config"), "failure").is_none());
    let wipe = child(case(suite(&doc, DENY), "wipe"), "failure").unwrap();
    assert_eq!(wipe.attribute("type"), Some("deny"));
    assert!(wipe.attribute("message").unwrap().contains("shell-rm-root"));
    let broken = suite(&doc, BROKEN);
    let error = child(case(broken, "load"), "error").unwrap();
    assert!(error.text().unwrap().contains(":6:10:"));
}

#[test]
fn junit_failures_follow_fail_on_and_max_tier() {
    let r = run(&["check", APPROVE, "--format", "junit", "--fail-on", "deny"]);
    r.code(0);
    let doc = parse_junit(&r.stdout);
    let quick = suite(&doc, APPROVE);
    assert_eq!(quick.attribute("failures"), Some("0"));
    let out = child(case(quick, "restart"), "system-out").unwrap();
    assert!(
        out.text()
            .unwrap()
            .contains("passes the step under --fail-on deny")
    );
    let r = run(&[
        "check",
        APPROVE,
        "--format",
        "junit",
        "--fail-on",
        "deny",
        "--max-tier",
        "2",
    ]);
    r.code(3);
    let doc = parse_junit(&r.stdout);
    let restart = child(case(suite(&doc, APPROVE), "restart"), "failure").unwrap();
    assert!(
        restart
            .attribute("message")
            .unwrap()
            .contains("above --max-tier 2")
    );
    let r = run(&["check", ALLOW, "--format", "junit", "--fail-on", "allow"]);
    r.code(2);
    let doc = parse_junit(&r.stdout);
    assert_eq!(suite(&doc, ALLOW).attribute("failures"), Some("4"));
}

#[test]
fn junit_snapshot() {
    let r = run(&with_ci_policy(&["check", CI, "--format", "junit"]));
    parse_junit(&r.stdout);
    insta::assert_snapshot!("ci_junit", redact_sources(&r.stdout));
}

/// Rule positions in the shipped pack move whenever it changes: not what these snapshots test.
fn redact_sources(text: &str) -> String {
    let re = regex::Regex::new(r"policies/([a-z]+)\.yaml:[0-9]+").unwrap();
    re.replace_all(text, "policies/$1.yaml:[line]").into_owned()
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions workflow commands

#[test]
fn github_annotates_each_blocking_action_and_ends_with_a_summary() {
    let r = run(&with_ci_policy(&[
        "check", CI, BROKEN, "--format", "github",
    ]));
    r.code(1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let starts = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(
        starts("::notice file=fixtures/plans/ci.yaml,line=8,col=5,"),
        1
    );
    assert_eq!(
        starts("::warning file=fixtures/plans/ci.yaml,line=12,col=5,"),
        1
    );
    assert_eq!(
        starts("::warning file=fixtures/plans/ci.yaml,line=16,col=5,"),
        1
    );
    assert_eq!(
        starts("::error file=fixtures/plans/ci.yaml,line=19,col=5,"),
        1
    );
    assert_eq!(
        starts(
            "::error file=fixtures/plans/bad/malformed.yaml,line=6,col=10,title=agentgate%3A input error::"
        ),
        1
    );
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("agentgate: 2 plan file(s), 4 action(s): 1 denied, 2 need approval")
            && last.ends_with("outcome: exit 1 (error)"),
        "{last}"
    );
    assert!(lines[..lines.len() - 1].iter().all(|l| l.starts_with("::")));
}

#[test]
fn github_escapes_newlines_commas_colons_and_percent() {
    let ws = Workspace::new();
    let plan = ws.plan(
        "actions:\n  - id: \"step, one: 100%\\nnext\"\n    tool: shell.exec\n    command: \"rm -rf data\"\n",
    );
    let r = run(&["check", &plan, "--format", "github"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one annotation and the summary:\n{}",
        r.stdout
    );
    let annotation = lines[0];
    assert!(annotation.starts_with("::warning file="), "{annotation}");
    // In the title (a property) `,` and `:` are escaped too; the title is one line.
    assert!(
        annotation.contains(",title=agentgate%3A approve step%2C one%3A 100%25 next (tier 4)::"),
        "{annotation}"
    );
    // In the message, `%` and the newline are.
    assert!(
        annotation.contains("::`step, one: 100%25%0Anext` (shell.exec rm -rf data)"),
        "{annotation}"
    );
    // The plan's path is a property too.
    let ws2 = Workspace::new();
    std::fs::create_dir_all(ws2.path().join("a,b:c")).unwrap();
    let odd = ws2.path().join("a,b:c/p.yaml");
    std::fs::write(
        &odd,
        "version: 1\nagent: t\nactions:\n  - {id: x, tool: shell.exec, command: \"rm -rf data\"}\n",
    )
    .unwrap();
    let r = agentgate(&["check", "a,b:c/p.yaml", "--format", "github"])
        .in_dir(ws2.path())
        .run();
    assert!(
        r.stdout
            .starts_with("::warning file=a%2Cb%3Ac/p.yaml,line=4,"),
        "{}",
        r.stdout
    );
}

#[test]
fn github_snapshot() {
    let r = run(&with_ci_policy(&["check", CI, "--format", "github"]));
    insta::assert_snapshot!("ci_github", redact_sources(&r.stdout));
}

// ---------------------------------------------------------------------------------------------
// Every format: secrets, terminal escapes, errors

#[test]
fn secrets_are_redacted_in_every_format_and_every_output_file() {
    let ws = Workspace::new();
    let plan = ws.plan(&format!(
        "actions:\n  - id: \"push-{KEY}\"\n    tool: shell.exec\n    command: \"echo {KEY} > out.txt\"\n  - id: write\n    tool: file.write\n    path: creds.txt\n    content: \"aws_access_key_id = {KEY}\\n\"\n"
    ));
    let out = ws.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for command in ["plan", "check"] {
        for format in FORMATS {
            let file = out.join(format!("{command}.{format}"));
            let spec = format!("{format}={}", file.display());
            let r = run(&[command, &plan, "--format", format, "--output", &spec]);
            r.code(3).nowhere(KEY);
            assert!(r.stdout.contains("REDACTED"), "{format}:\n{}", r.stdout);
            let written = std::fs::read_to_string(&file).unwrap();
            assert!(!written.contains(KEY), "{}:\n{written}", file.display());
        }
    }
    // An error quoting the input is redacted too.
    let broken = ws.plan_named(
        "broken.yaml",
        &format!("actions:\n  - {{id: a, tool: call, name: x, {KEY}: 1}}\n"),
    );
    for format in FORMATS {
        let r = run(&["check", &broken, "--format", format]);
        r.code(1).nowhere(KEY);
        let r = run(&["plan", &broken, "--format", format]);
        r.code(1).nowhere(KEY);
    }
}

#[test]
fn terminal_escapes_in_an_action_id_never_reach_the_output_raw() {
    let ws = Workspace::new();
    let plan = ws.plan(
        "actions:\n  - id: \"evil\\e[2J\\e]0;owned\\u0007\\u202Egnp.exe\\u0085x\"\n    tool: shell.exec\n    command: \"rm -rf data\"\n",
    );
    for command in ["plan", "check"] {
        for format in FORMATS {
            let r = run(&[command, &plan, "--format", format]);
            r.code(2);
            for raw in ['\u{1b}', '\u{7}', '\u{202e}', '\u{85}'] {
                assert!(
                    !r.stdout.contains(raw),
                    "{command} --format {format} printed {raw:?} raw:\n{}",
                    r.stdout
                );
            }
            if format == "junit" {
                parse_junit(&r.stdout);
            }
        }
    }
}

#[test]
fn a_plan_that_cannot_be_read_is_an_error_in_every_format() {
    let r = run(&["plan", BROKEN, "--format", "junit"]);
    r.code(1);
    let doc = parse_junit(&r.stdout);
    assert!(child(case(suite(&doc, BROKEN), "load"), "error").is_some());
    let r = run(&["plan", BROKEN, "--format", "github"]);
    r.code(1)
        .stdout_has("::error file=fixtures/plans/bad/malformed.yaml,line=6,col=10,");
    let r = run(&["plan", BROKEN, "--format", "json"]);
    r.code(1);
    assert_eq!(r.json()["exit_code"], 1);
    let doc = run(&["plan", BROKEN, "--format", "sarif"]).json();
    assert_eq!(rule_ids(&doc), ["input-error"]);
    // Report files get the error too: a text file its line, a SARIF file its result.
    let ws = Workspace::new();
    let (text, sarif) = (ws.path().join("plan.txt"), ws.path().join("plan.sarif"));
    let r = run(&[
        "plan",
        BROKEN,
        "--output",
        &text.display().to_string(),
        "--output",
        &format!("sarif={}", sarif.display()),
    ]);
    r.code(1).stderr_has("mapping values are not allowed");
    assert!(
        std::fs::read_to_string(&text)
            .unwrap()
            .starts_with("agentgate: error: fixtures/plans/bad/malformed.yaml:6:10:")
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_valid_sarif(&doc);
    assert_eq!(rule_ids(&doc), ["input-error"]);
}

#[test]
fn containment_of_an_empty_plan_is_visible_in_sarif_and_junit() {
    let ws = Workspace::new();
    let db = ws.path().join("audit.db");
    agentgate(&["stop", "--reason", "drill"])
        .db(&db)
        .run()
        .code(0);
    let plan = ws.plan("actions: []\n");
    let r = agentgate(&["check", &plan, "--format", "sarif"])
        .db(&db)
        .run();
    r.code(3);
    let doc = r.json();
    assert_valid_sarif(&doc);
    assert_eq!(rule_ids(&doc), ["containment"]);
    let r = agentgate(&["check", &plan, "--format", "junit"])
        .db(&db)
        .run();
    let xml = parse_junit(&r.stdout);
    let top = xml.root_element();
    assert_eq!(top.attribute("failures"), Some("1"));
    assert!(r.stdout.contains("drill"));
}

#[test]
fn explain_keeps_to_text_and_json() {
    run(&["explain", "--shell", "ls", "--format", "sarif"])
        .code(1)
        .stderr_has("invalid value 'sarif'");
}

// ---------------------------------------------------------------------------------------------
// --output

#[test]
fn a_bare_output_file_gets_the_format_and_stdout_shows_the_review() {
    let ws = Workspace::new();
    let file = ws.path().join("report.sarif");
    let path = file.display().to_string();
    let r = run(&["check", APPROVE, "--format", "sarif", "--output", &path]);
    r.code(2)
        .stdout_has("Decision: approve (tier 3)")
        .stdout_has("check: 1 file(s), outcome: exit 2 (approve)");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_valid_sarif(&doc);
    // plan too, and the text file has no colour.
    let text = ws.path().join("review.txt");
    let r = agentgate(&[
        "plan",
        APPROVE,
        "--format",
        "junit",
        "--output",
        &file.display().to_string(),
        "--output",
        &format!("text={}", text.display()),
        "--color",
        "always",
    ])
    .run();
    r.code(2).stdout_has("Decision: approve");
    parse_junit(&std::fs::read_to_string(&file).unwrap());
    let review = std::fs::read_to_string(&text).unwrap();
    assert!(review.contains("Decision: approve") && !review.contains('\u{1b}'));
}

#[test]
fn a_format_output_file_leaves_stdout_alone() {
    let ws = Workspace::new();
    let xml = ws.path().join("junit.xml");
    let sarif = ws.path().join("out.sarif");
    let gh = ws.path().join("annotations.txt");
    let sealed = ws.path().join("sealed.json");
    let r = run(&[
        "plan",
        APPROVE,
        "--format",
        "json",
        "-o",
        &sealed.display().to_string(),
        "--output",
        &format!("junit={}", xml.display()),
        "--output",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("github={}", gh.display()),
    ]);
    r.code(2);
    let json = r.json();
    assert_eq!(json["decision"], "approve");
    assert!(json["sealed"]["id"].is_string(), "-o still seals");
    parse_junit(&std::fs::read_to_string(&xml).unwrap());
    assert_valid_sarif(&serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap());
    assert!(
        std::fs::read_to_string(&gh)
            .unwrap()
            .starts_with("::warning ")
    );
    // Written again: replaced, not appended to; no temporary file is left behind.
    run(&[
        "check",
        ALLOW,
        "--output",
        &format!("github={}", gh.display()),
    ])
    .code(0);
    let again = std::fs::read_to_string(&gh).unwrap();
    assert!(
        again.starts_with("agentgate: 1 plan file(s), 4 action(s)"),
        "{again}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(ws.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".agentgate-report-")
        })
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn bad_output_files_are_refused_before_anything_is_decided() {
    let ws = Workspace::new();
    let db = ws.path().join("trail.db");
    let dir = ws.path().display().to_string();
    let missing = ws.path().join("no/such/dir/x.sarif").display().to_string();
    let twice = ws.path().join("x.sarif").display().to_string();
    let plan = ws.plan("actions:\n  - {id: r, tool: file.read, path: a.txt}\n");
    ws.file("a.txt", "x\n");
    for (args, message) in [
        (vec!["--output", dir.as_str()], "is a directory"),
        (vec!["--output", missing.as_str()], "does not exist"),
        (
            vec!["--output", twice.as_str(), "--output", twice.as_str()],
            "given twice",
        ),
        (vec!["--output", plan.as_str()], "overwrite an input"),
        (vec!["--output", "sarif="], "no file after"),
    ] {
        for command in ["plan", "check"] {
            let mut a = vec![command, plan.as_str()];
            a.extend(&args);
            agentgate(&a).db(&db).run().code(1).stderr_has(message);
        }
    }
    assert!(!db.exists(), "nothing was recorded");
    assert_eq!(std::fs::read_to_string(&plan).unwrap().lines().count(), 4);
}

#[test]
fn an_output_file_that_cannot_be_written_is_an_error() {
    // /proc takes no new files, even from root: the write itself fails, after the review.
    let r = run(&[
        "check",
        ALLOW,
        "--output",
        "sarif=/proc/agentgate-report.sarif",
    ]);
    r.code(1)
        .stdout_has("Decision: allow")
        .stderr_has("/proc/agentgate-report.sarif");
    let r = run(&["plan", ALLOW, "--output", "/proc/agentgate-report.txt"]);
    r.code(1).stderr_has("/proc/agentgate-report.txt");
}

// ---------------------------------------------------------------------------------------------
// --fail-on and --max-tier

#[test]
fn fail_on_and_max_tier_set_the_exit_code() {
    for command in ["plan", "check"] {
        for (plan, extra, code) in [
            (ALLOW, &[][..], 0),
            (APPROVE, &[][..], 2),
            (DENY, &[][..], 3),
            (ALLOW, &["--fail-on", "approve"][..], 0),
            (ALLOW, &["--fail-on", "deny"][..], 0),
            (APPROVE, &["--fail-on", "deny"][..], 0),
            (DENY, &["--fail-on", "deny"][..], 3),
            (ALLOW, &["--fail-on", "allow"][..], 2),
            (APPROVE, &["--fail-on", "allow"][..], 2),
            (DENY, &["--fail-on", "allow"][..], 3),
            (APPROVE, &["--max-tier", "3"][..], 2),
            (APPROVE, &["--max-tier", "2"][..], 3),
            (APPROVE, &["--max-tier", "2", "--fail-on", "deny"][..], 3),
            (ALLOW, &["--max-tier", "0"][..], 0),
            (ALLOW, &["--max-tier", "0", "--fail-on", "allow"][..], 2),
            (DENY, &["--max-tier", "4"][..], 3),
            (BROKEN, &["--fail-on", "deny"][..], 1),
            (BROKEN, &["--max-tier", "4", "--fail-on", "allow"][..], 1),
        ] {
            let mut args = vec![command, plan];
            args.extend(extra);
            let r = run(&args);
            assert_eq!(r.code, code, "{args:?}\n{}\n{}", r.stdout, r.stderr);
        }
    }
    // check: the worst file wins under the same rules.
    run(&["check", ALLOW, APPROVE, "--fail-on", "deny"]).code(0);
    run(&["check", ALLOW, APPROVE, "--max-tier", "2"]).code(3);
    run(&["check", ALLOW, BROKEN, "--fail-on", "deny"]).code(1);
    for bad in ["5", "-1", "x"] {
        run(&["plan", ALLOW, "--max-tier", bad]).code(1);
    }
    run(&["check", ALLOW, "--fail-on", "never"]).code(1);
}

#[test]
fn the_output_says_why_the_pipeline_changed_the_exit_code() {
    run(&["plan", APPROVE, "--max-tier", "2"]).code(3).stdout_has(
        "Pipeline: the plan's tier 3 is above --max-tier 2: denied by the pipeline's cap (exit 3).",
    );
    run(&["check", APPROVE, "--fail-on", "deny"])
        .code(0)
        .stdout_has("Pipeline: --fail-on deny: a plan whose decision is approve passes (exit 0).");
    run(&["plan", ALLOW, "--fail-on", "allow"])
        .code(2)
        .stdout_has("Pipeline: --fail-on allow: a person must look at every plan");
    let quiet = run(&["plan", APPROVE]);
    assert!(!quiet.stdout.contains("Pipeline:"));

    let json = run(&["plan", APPROVE, "--format", "json", "--max-tier", "2"]).json();
    assert_eq!(json["exit_code"], 3);
    assert_eq!(json["decision"], "approve", "the decision stays the gate's");
    assert_eq!(json["max_tier"]["limit"], 2);
    assert_eq!(json["max_tier"]["exceeded"], true);
    assert!(json["max_tier"]["note"].as_str().unwrap().contains("cap"));
    let json = run(&["plan", APPROVE, "--format", "json"]).json();
    assert_eq!(json["exit_code"], 2);
    assert!(json.get("max_tier").is_none());
    let json = run(&[
        "check",
        APPROVE,
        ALLOW,
        "--format",
        "json",
        "--max-tier",
        "2",
    ])
    .json();
    assert_eq!(json["exit_code"], 3);
    assert_eq!(json["results"][0]["exit_code"], 3);
    assert_eq!(json["results"][0]["max_tier"]["exceeded"], true);
    assert_eq!(json["results"][1]["exit_code"], 0);
    assert_eq!(json["results"][1]["max_tier"]["exceeded"], false);
}

#[test]
fn the_trail_records_the_gates_decision_whatever_the_pipeline_says() {
    let ws = Workspace::new();
    let db = ws.path().join("audit.db");
    agentgate(&["plan", APPROVE, "--fail-on", "deny"])
        .db(&db)
        .run()
        .code(0);
    agentgate(&["check", ALLOW, "--fail-on", "allow"])
        .db(&db)
        .run()
        .code(2);
    let list = agentgate(&["audit", "list", "--format", "json"])
        .db(&db)
        .run();
    let text = list.stdout;
    let json: Value = serde_json::from_str(&text).unwrap();
    // Newest first.
    let outcomes: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["allow", "approve"], "{text}");
}
