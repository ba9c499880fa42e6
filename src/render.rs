//! Everything formatted for people or machines: plan text (diffs, table, findings, closing line)
//! and the JSON of SPEC section 6. It returns strings; the CLI decides where they go.

use comfy_table::{Table, presets};
use console::Style;
use serde_json::{Value, json};

use crate::decision::Decision;
use crate::diff::{LineKind, action_lines};
use crate::error::{Diagnostic, Error};
use crate::evaluate::{ActionEval, Evaluation, Finding};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Colours, or none.
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    pub color: bool,
}

impl Styles {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }
    fn decision(&self, d: Decision, text: &str) -> String {
        let style = match d {
            Decision::Allow => Style::new().green(),
            Decision::Approve => Style::new().yellow(),
            Decision::Deny => Style::new().red().bold(),
        };
        self.paint(style, text)
    }
}

/// The plan for a reviewer: header, one block per action, summary table, findings, decision.
pub fn plan_text(eval: &Evaluation<'_>, styles: Styles) -> String {
    let redact = |s: &str| eval.policy.scanner().redact(s).into_owned();
    let plan = eval.plan;
    let mut out = String::new();
    let mut head = format!("agentgate plan {}  agent {}", plan.origin, plan.agent);
    if let Some(task) = &plan.task {
        head.push_str(&format!("  task {task}"));
    }
    out.push_str(&styles.paint(Style::new().bold(), &head));
    out.push('\n');
    if let Some(intent) = &plan.intent {
        out.push_str(&format!("intent: {}\n", redact(intent)));
    }
    for c in &plan.context {
        out.push_str(&format!(
            "context: {} ({}{})\n",
            c.id,
            c.source
                .as_deref()
                .map(|s| format!("{s}, "))
                .unwrap_or_default(),
            c.trust.as_str()
        ));
    }
    out.push_str(&format!(
        "policy: {} ({})\n",
        eval.policy.origin,
        short_hash(&eval.policy.hash)
    ));
    for action in eval.all() {
        out.push('\n');
        let title = format!(
            "── {}  {}  {}   tier {} · {}",
            action.id,
            action.tool,
            truncate(&redact(&action.target), 80),
            action.tier,
            action.decision
        );
        out.push_str(&styles.decision(action.decision, &title));
        out.push('\n');
        if let Some(reason) = &action.reason {
            out.push_str(&format!("   reason: {}\n", redact(reason)));
        }
        for l in action_lines(action, &redact) {
            let style = match l.kind {
                LineKind::Added => Style::new().green(),
                LineKind::Removed => Style::new().red(),
                LineKind::Hunk => Style::new().cyan(),
                LineKind::Header => Style::new().bold(),
                LineKind::Reading => Style::new().magenta(),
                LineKind::Context | LineKind::Info => Style::new(),
            };
            out.push_str("   ");
            out.push_str(&styles.paint(style, &l.text));
            out.push('\n');
        }
        for f in &action.findings {
            out.push_str(&format!("   ! {}\n", finding_line(f)));
        }
        for e in &action.excepted {
            out.push_str(&format!(
                "   ~ {} excepted until {}: {} ({})\n",
                e.rule, e.expires, e.reason, e.source
            ));
        }
    }
    out.push('\n');
    out.push_str(&summary_table(eval, &redact));
    out.push('\n');
    let findings: Vec<(&ActionEval, &Finding)> = eval
        .all()
        .flat_map(|a| a.findings.iter().map(move |f| (a, f)))
        .collect();
    if !findings.is_empty() {
        out.push_str("\nFindings:\n");
        for (a, f) in findings {
            out.push_str(&format!("  {}  {}\n", a.id, finding_line(f)));
            if let Some(r) = &f.remediation {
                out.push_str(&format!("      fix: {r}\n"));
            }
        }
    }
    out.push('\n');
    out.push_str(&styles.decision(eval.decision, &closing_line(eval)));
    out.push('\n');
    out
}

fn finding_line(f: &Finding) -> String {
    let effect = match f.tier {
        Some(t) => format!("tier {t}"),
        None => f.effect.to_string(),
    };
    let on = f
        .item
        .as_deref()
        .map(|i| format!(" (on `{}`)", truncate(i, 60)))
        .unwrap_or_default();
    format!(
        "[{}] {} {}: {}{}  ({})",
        f.rule, f.level, effect, f.message, on, f.source
    )
}

fn summary_table(eval: &Evaluation<'_>, redact: &dyn Fn(&str) -> String) -> String {
    let mut table = Table::new();
    table.load_style(presets::ASCII_MARKDOWN);
    table.set_header(["id", "tool", "target", "tier", "decision", "rules"]);
    for a in eval.all() {
        let mut rules: Vec<String> = a.findings.iter().map(|f| f.rule.clone()).collect();
        for item in &a.items {
            for c in &item.classified_by {
                if !rules.contains(c) {
                    rules.push(c.clone());
                }
            }
        }
        table.add_row([
            a.id.clone(),
            a.tool.clone(),
            truncate(&redact(&a.target), 48),
            a.tier.to_string(),
            a.decision.to_string(),
            rules.join(", "),
        ]);
    }
    table.to_string()
}

/// One line that says what happens next.
pub fn closing_line(eval: &Evaluation<'_>) -> String {
    let total = eval.actions.len();
    let by = |d: Decision| {
        eval.all()
            .filter(|a| a.decision == d)
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>()
    };
    match eval.decision {
        Decision::Allow => format!(
            "Decision: allow (tier {}): {total} action{} can run without a person.",
            eval.tier,
            if total == 1 { "" } else { "s" }
        ),
        Decision::Approve => {
            let ids = by(Decision::Approve);
            format!(
                "Decision: approve (tier {}): a person must approve {}.",
                eval.tier,
                list(&ids)
            )
        }
        Decision::Deny => {
            let ids = by(Decision::Deny);
            format!(
                "Decision: deny (tier {}): denied {}.",
                eval.tier,
                list(&ids)
            )
        }
    }
}

fn list(ids: &[&str]) -> String {
    const SHOWN: usize = 8;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    s
}

fn short_hash(hash: &str) -> String {
    hash.chars().take(19).collect()
}

pub fn truncate(s: &str, max: usize) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The JSON document of SPEC section 6.
pub fn plan_json(eval: &Evaluation<'_>) -> Value {
    let redact = |s: &str| eval.policy.scanner().redact(s).into_owned();
    let plan = eval.plan;
    json!({
        "version": VERSION,
        "plan": {
            "hash": plan.hash,
            "agent": plan.agent,
            "task": plan.task,
            "actions": plan.actions.len(),
            "file": plan.origin,
        },
        "policy": {"hash": eval.policy.hash, "source": eval.policy.origin},
        "decision": eval.decision,
        "tier": eval.tier,
        "actions": eval.actions.iter().map(|a| action_json(a, &redact)).collect::<Vec<_>>(),
        "validate": eval.checks.iter().map(|a| action_json(a, &redact)).collect::<Vec<_>>(),
    })
}

fn action_json(a: &ActionEval, redact: &dyn Fn(&str) -> String) -> Value {
    let classified: Vec<&String> = a.items.iter().flat_map(|i| &i.classified_by).collect();
    let mut classified_by: Vec<&String> = Vec::new();
    for c in classified {
        if !classified_by.contains(&c) {
            classified_by.push(c);
        }
    }
    json!({
        "id": a.id,
        "tool": a.tool,
        "target": redact(&a.target),
        "line": a.line,
        "base_tier": a.base,
        "tier": a.tier,
        "decision": a.decision,
        "classified_by": classified_by,
        "findings": a.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "exceptions": a.excepted.iter().map(|e| json!({
            "rule": e.rule, "reason": e.reason, "expires": e.expires.to_string(), "source": e.source,
        })).collect::<Vec<_>>(),
    })
}

fn finding_json(f: &Finding) -> Value {
    let mut v = json!({
        "rule": f.rule,
        "level": f.level,
        "effect": f.effect,
        "message": f.message,
        "source": f.source,
    });
    if let Value::Object(map) = &mut v {
        if let Some(t) = f.tier {
            map.insert("tier".into(), json!(t));
        }
        if let Some(r) = &f.remediation {
            map.insert("remediation".into(), json!(r));
        }
        if let Some(i) = &f.item {
            map.insert("item".into(), json!(i));
        }
    }
    v
}

/// An error as JSON, for callers that asked for `--format json`.
pub fn error_json(error: &Error) -> Value {
    json!({
        "version": VERSION,
        "decision": Value::Null,
        "error": {
            "message": error.redacted(),
            "diagnostics": error.diagnostics().iter().map(diagnostic_json).collect::<Vec<_>>(),
        }
    })
}

pub fn diagnostic_json(d: &Diagnostic) -> Value {
    let redact = |s: &str| crate::secrets::Scanner::builtin().redact(s).into_owned();
    json!({
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "subject": d.subject.as_deref().map(redact),
        "message": redact(&d.message),
    })
}
