//! What goes into the trail for a gate decision or a failed command: the decision lineage as
//! records ready to append. Building only; the store redacts, chains and writes.

use serde_json::{Value, json};

use super::store::{NewAction, NewRecord};
use crate::error::Error;
use crate::evaluate::{ActionEval, Evaluation};

/// The record of one evaluated plan (`kind` is the command: `plan` or `check`).
pub fn gate_record(kind: &'static str, eval: &Evaluation<'_>, extra: Value) -> NewRecord {
    let plan = eval.plan;
    let mut body = json!({
        "command": kind,
        "file": plan.origin,
        "plan": {
            "hash": plan.hash(),
            "intent": plan.intent,
            "context": plan.context.iter().map(|c| json!({
                "id": c.id, "source": c.source, "trust": c.trust.as_str()
            })).collect::<Vec<_>>(),
            "actions": plan.actions.len(),
            "validate": plan.validate.len(),
        },
        "policy": {"hash": eval.policy.hash, "source": eval.policy.origin},
    });
    if let (Value::Object(map), Value::Object(more)) = (&mut body, extra) {
        map.extend(more);
    }
    let checks = eval.actions.len();
    let all: Vec<(usize, &ActionEval<'_>)> = eval.all().enumerate().collect();
    let actions = crate::parallel::map(all, 256, |(i, a)| action_record(eval, a, i >= checks));
    NewRecord {
        kind,
        agent: Some(plan.agent.clone()),
        task: plan.task.clone(),
        outcome: Some(eval.decision.as_str().to_string()),
        tier: Some(eval.tier.value()),
        exit_code: Some(eval.decision.exit_code().code()),
        body,
        actions,
        ..NewRecord::default()
    }
}

fn action_record(eval: &Evaluation<'_>, a: &ActionEval<'_>, is_check: bool) -> NewAction {
    let scanner = eval.policy.scanner();
    let redact = |s: &str| scanner.redact(s).into_owned();
    let diff: Vec<String> = crate::diff::action_lines(a, &redact)
        .into_iter()
        .map(|l| l.text)
        .collect();
    // The store redacts, then bounds, every string: cutting first could split a secret into a
    // fragment the scan no longer recognises.
    let parameters = a.proposed.kind.to_json();
    let mut rules: Vec<String> = Vec::new();
    for f in &a.findings {
        if !rules.contains(&f.rule) {
            rules.push(f.rule.clone());
        }
    }
    NewAction {
        name: a.id.clone(),
        tool: a.tool.clone(),
        target: a.target.clone(),
        tier: a.tier.value(),
        decision: a.decision.as_str().to_string(),
        rules,
        body: json!({
            "line": a.proposed.line,
            "validate": is_check,
            "reason": a.proposed.reason,
            "parameters": parameters,
            "base_tier": a.base.value(),
            "items": a.items.iter().map(|i| json!({
                "item": i.label, "tier": i.tier.value(), "why": i.why, "classified_by": i.classified_by,
            })).collect::<Vec<_>>(),
            "findings": a.findings.iter().map(|f| json!({
                "rule": f.rule, "level": f.level.as_str(), "effect": f.effect,
                "tier": f.tier.map(|t| t.value()), "message": f.message,
                "remediation": f.remediation, "source": f.source, "item": f.item,
            })).collect::<Vec<_>>(),
            "exceptions": a.excepted.iter().map(|e| json!({
                "rule": e.rule, "reason": e.reason, "expires": e.expires.to_string(), "source": e.source,
            })).collect::<Vec<_>>(),
            "diff": diff.join("\n"),
        }),
    }
}

/// The record of a command that failed before it could decide.
pub fn error_record(kind: &'static str, file: &str, error: &Error) -> NewRecord {
    NewRecord {
        kind,
        outcome: Some(
            if matches!(error, Error::Refused(_)) {
                "refused"
            } else {
                "error"
            }
            .into(),
        ),
        exit_code: Some(error.exit_code().code()),
        body: json!({
            "command": kind,
            "file": file,
            "error": error.redacted(),
        }),
        ..NewRecord::default()
    }
}

/// A containment command's record (`stop`, `resume`, `quarantine`, `release`).
pub fn containment_record(
    kind: &'static str,
    agent: Option<&str>,
    reason: Option<&str>,
    extra: Value,
) -> NewRecord {
    let mut body = json!({"command": kind, "reason": reason});
    if let (Value::Object(map), Value::Object(more)) = (&mut body, extra) {
        map.extend(more);
    }
    NewRecord {
        kind,
        agent: agent.map(str::to_string),
        outcome: Some(kind.to_string()),
        exit_code: Some(0),
        body,
        ..NewRecord::default()
    }
}
