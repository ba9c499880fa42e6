//! Fixture plans with expected outcomes, run by `agentgate policy test` against a policy set:
//! each case sets up a throwaway workspace, evaluates its plan and compares decision, tier and rules.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::decision::{Decision, Tier};
use crate::error::Error;
use crate::evaluate::evaluate;
use crate::plan::Plan;
use crate::policy::{PolicyFile, PolicySet};
use crate::workspace::Workspace;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    pub cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// Files to create in the case's workspace before evaluating: path -> content.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// The plan, as it would be written in a plan file.
    pub plan: Value,
    pub expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub decision: Decision,
    #[serde(default)]
    pub tier: Option<u8>,
    /// Rules that must fire (findings or classifications).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Rules that must not fire.
    #[serde(default)]
    pub not_rules: Vec<String>,
}

impl CaseFile {
    pub fn parse(file: &PolicyFile) -> Result<CaseFile, Error> {
        crate::yaml::from_str(&file.text, &file.name).map_err(Error::Input)
    }
}

/// Run one case; `Err` says how the outcome differs from the expectation.
pub fn run_case(policy: &PolicySet, case: &Case, today: jiff::civil::Date) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temporary workspace: {e}"))?;
    let workspace = Workspace::open(dir.path())?;
    for (path, content) in &case.files {
        let target = workspace.resolve(path)?;
        if let Some(parent) = target.absolute.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{path}: {e}"))?;
        }
        std::fs::write(&target.absolute, content).map_err(|e| format!("{path}: {e}"))?;
    }
    let text = case.plan.to_string();
    let plan = Plan::parse(&text, &case.name, &|p| workspace.resolve(p))
        .map_err(|e| format!("plan: {e}"))?;
    let eval = evaluate(&plan, policy, &workspace, today).map_err(|e| format!("plan: {e}"))?;
    let fired: Vec<&str> = eval
        .all()
        .flat_map(|a| {
            a.findings.iter().map(|f| f.rule.as_str()).chain(
                a.items
                    .iter()
                    .flat_map(|i| i.classified_by.iter().map(String::as_str)),
            )
        })
        .collect();
    let mut problems = Vec::new();
    if eval.decision != case.expect.decision {
        problems.push(format!(
            "decision {} (expected {})",
            eval.decision, case.expect.decision
        ));
    }
    if let Some(t) = case.expect.tier
        && Some(eval.tier) != Tier::new(t)
    {
        problems.push(format!("tier {} (expected {t})", eval.tier));
    }
    for r in &case.expect.rules {
        if !fired.contains(&r.as_str()) {
            problems.push(format!("rule {r} did not fire"));
        }
    }
    for r in &case.expect.not_rules {
        if fired.contains(&r.as_str()) {
            problems.push(format!("rule {r} fired"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let mut fired: Vec<&str> = fired;
        fired.sort_unstable();
        fired.dedup();
        Err(format!(
            "{}; fired: [{}]",
            problems.join("; "),
            fired.join(", ")
        ))
    }
}
