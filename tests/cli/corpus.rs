//! The labelled corpus in `fixtures/corpus/`: every shell command and SQL statement read by the
//! embedded policy pack, compared with its label. Prints false-allow and false-friction counts
//! (`cargo test --test cli corpus -- --nocapture`) and fails on any disagreement.

use std::collections::BTreeMap;

use agentgate::action::sql::Dialect;
use agentgate::decision::Decision;
use agentgate::evaluate::{ActionEval, evaluate};
use agentgate::plan::{ActionKind, Plan};
use agentgate::policy::PolicySet;
use agentgate::workspace::Workspace;
use serde::Deserialize;

use crate::helpers::root;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Allow,
    Approve,
    Deny,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShellCorpus {
    version: u32,
    commands: Vec<ShellCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShellCase {
    #[serde(default)]
    cmd: Option<String>,
    #[serde(default)]
    argv: Option<Vec<String>>,
    family: String,
    expect: Expect,
    #[serde(default)]
    tier: Option<u8>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlCorpus {
    version: u32,
    statements: Vec<SqlCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlCase {
    sql: String,
    #[serde(default = "sqlite")]
    dialect: String,
    family: String,
    expect: Expect,
    #[serde(default)]
    tier: Option<u8>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

fn sqlite() -> String {
    "sqlite".into()
}

/// One labelled case, ready to be put in a plan.
struct Case {
    text: String,
    family: String,
    expect: Expect,
    tier: Option<u8>,
    action: serde_json::Value,
    dialect: Option<Dialect>,
}

fn decision_of(d: Decision) -> Expect {
    match d {
        Decision::Allow => Expect::Allow,
        Decision::Approve => Expect::Approve,
        Decision::Deny => Expect::Deny,
    }
}

/// Evaluate every case in one plan and compare; returns the report and the number of disagreements.
fn run(name: &str, cases: Vec<Case>) -> (String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(dir.path()).unwrap();
    let actions: Vec<serde_json::Value> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut a = c.action.clone();
            a["id"] = format!("case-{}", i + 1).into();
            a
        })
        .collect();
    let text = serde_json::json!({"version": 1, "agent": "corpus", "actions": actions}).to_string();
    let mut plan = Plan::parse(&text, name, &|p| ws.resolve(p)).unwrap();
    for (action, case) in plan.actions.iter_mut().zip(&cases) {
        if let (ActionKind::Sql(sql), Some(d)) = (&mut action.kind, case.dialect) {
            sql.dialect = d;
        }
    }
    let policy = PolicySet::embedded().unwrap();
    let eval = evaluate(&plan, &policy, &ws, jiff::civil::date(2026, 11, 21)).unwrap();

    let (mut false_allow, mut false_friction, mut other) = (0, 0, 0);
    let mut families: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut lines = Vec::new();
    for (case, got) in cases.iter().zip(&eval.actions) {
        let decision = decision_of(got.decision);
        let tier = got.tier.value();
        let entry = families.entry(case.family.as_str()).or_default();
        entry.0 += 1;
        let wrong = match (case.expect, decision) {
            (e, d) if e == d => case.tier.is_some_and(|t| t != tier),
            (Expect::Approve | Expect::Deny, Expect::Allow) => {
                false_allow += 1;
                true
            }
            (Expect::Allow, _) => {
                false_friction += 1;
                true
            }
            _ => true,
        };
        if wrong {
            entry.1 += 1;
            if !(case.expect != decision
                && (case.expect == Expect::Allow || decision == Expect::Allow))
            {
                other += 1;
            }
            lines.push(format!(
                "  [{}] expected {:?}{}, got {:?} tier {tier} ({}): {}",
                case.family,
                case.expect,
                case.tier.map(|t| format!(" tier {t}")).unwrap_or_default(),
                decision,
                reasons(got),
                case.text
            ));
        }
    }
    let dangerous = cases.iter().filter(|c| c.expect != Expect::Allow).count();
    let mut report = format!(
        "{name}: {} cases ({dangerous} dangerous, {} everyday): false-allow {false_allow}, \
         false-friction {false_friction}, other disagreements {other}\n",
        cases.len(),
        cases.len() - dangerous
    );
    for (family, (n, bad)) in &families {
        report.push_str(&format!("  {family}: {n} cases, {bad} wrong\n"));
    }
    for l in &lines {
        report.push_str(l);
        report.push('\n');
    }
    (report, false_allow + false_friction + other)
}

fn reasons(got: &ActionEval) -> String {
    let mut r: Vec<String> = got.findings.iter().map(|f| f.rule.clone()).collect();
    for item in &got.items {
        r.extend(item.classified_by.iter().cloned());
        if item.classified_by.is_empty() {
            r.push(item.why.clone());
        }
    }
    r.dedup();
    r.join(", ")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/corpus").join(rel)).unwrap()
}

fn shell_cases() -> Vec<Case> {
    let corpus: ShellCorpus = serde_saphyr::from_str(&read("shell.yaml")).unwrap();
    assert_eq!(corpus.version, 1);
    corpus
        .commands
        .into_iter()
        .map(|c| {
            let (text, action) = match (c.cmd, c.argv) {
                (Some(cmd), None) => (
                    cmd.clone(),
                    serde_json::json!({"tool": "shell.exec", "command": cmd}),
                ),
                (None, Some(argv)) => (
                    format!("argv {argv:?}"),
                    serde_json::json!({"tool": "shell.exec", "argv": argv}),
                ),
                _ => panic!("a shell case needs exactly one of cmd and argv"),
            };
            Case {
                text,
                family: c.family,
                expect: c.expect,
                tier: c.tier,
                action,
                dialect: None,
            }
        })
        .collect()
}

fn sql_cases() -> Vec<Case> {
    let corpus: SqlCorpus = serde_saphyr::from_str(&read("sql.yaml")).unwrap();
    assert_eq!(corpus.version, 1);
    corpus
        .statements
        .into_iter()
        .map(|c| Case {
            dialect: Some(c.dialect.parse().unwrap()),
            action: serde_json::json!({"tool": "sql.exec", "database": "corpus.db", "statement": c.sql}),
            text: format!("[{}] {}", c.dialect, c.sql),
            family: c.family,
            expect: c.expect,
            tier: c.tier,
        })
        .collect()
}

/// Evaluate a corpus, print its report, fail on any disagreement or when it is too small.
fn check(name: &str, cases: Vec<Case>, at_least: usize) {
    let n = cases.len();
    let (report, wrong) = run(name, cases);
    println!("{report}");
    assert_eq!(wrong, 0, "{report}");
    assert!(n >= at_least, "only {n} cases in the {name}");
}

#[test]
fn shell_corpus_is_read_as_labelled() {
    check("shell corpus", shell_cases(), 400);
}

#[test]
fn sql_corpus_is_read_as_labelled() {
    check("SQL corpus", sql_cases(), 100);
}
