//! Everything formatted for people or machines: plan text (diffs, table, findings, closing line)
//! and the JSON of SPEC section 6. It returns strings; the CLI decides where they go.

pub mod audit;
pub mod ci;
pub mod explain;

use comfy_table::{Table, presets};
use console::Style;
use serde_json::{Value, json};

use crate::decision::{Decision, Level, Tier};
use crate::diff::{LineKind, action_lines};
use crate::error::{Diagnostic, Error};
use crate::evaluate::{ActionEval, Evaluation, Finding};
use serde::Serialize;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Colours, or none.
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    pub color: bool,
}

impl Styles {
    pub fn paint(&self, style: Style, text: &str) -> String {
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

/// Control characters and bidirectional overrides shown as escapes, so that text from a plan
/// cannot move the cursor, recolour the terminal or fake a decision line.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    };
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if unsafe_char(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// JSON text with C1 controls and bidirectional overrides written as `\u` escapes (`\u0085`, `\u202e`): the same
/// document to a parser, but nothing in it can steer a terminal that shows it raw (serde_json
/// escapes the C0 controls itself). Such characters occur only inside JSON strings, so replacing
/// them in the text is exact.
pub fn json_safe(text: String) -> String {
    let unsafe_char = |c: char| matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
    if !text.chars().any(unsafe_char) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The plan for a reviewer: header, one block per action, summary table, findings, decision.
pub fn plan_text(eval: &Evaluation<'_>, styles: Styles) -> String {
    let redact = |s: &str| printable(&eval.policy.scanner().redact(s)).into_owned();
    let plan = eval.plan;
    let mut out = String::new();
    let mut head = format!(
        "agentgate plan {}  agent {}",
        plan.origin,
        redact(&plan.agent)
    );
    if let Some(task) = &plan.task {
        head.push_str(&format!("  task {}", redact(task)));
    }
    out.push_str(&styles.paint(Style::new().bold(), &head));
    out.push('\n');
    if let Some(intent) = &plan.intent {
        out.push_str(&format!("intent: {}\n", redact(intent)));
    }
    for c in &plan.context {
        out.push_str(&format!(
            "context: {} ({}{})\n",
            redact(&c.id),
            c.source
                .as_deref()
                .map(|s| format!("{}, ", redact(s)))
                .unwrap_or_default(),
            c.trust.as_str()
        ));
    }
    out.push_str(&format!(
        "policy: {} ({})\n",
        eval.policy.origin,
        short_hash(&eval.policy.hash)
    ));
    // Each action's block (diffs and redaction are the costly part) renders independently.
    let blocks = crate::parallel::map(eval.all().collect(), 256, |action: &ActionEval| {
        let mut out = String::new();
        out.push('\n');
        let title = format!(
            "── {}  {}  {}   tier {} · {}",
            printable(&action.id),
            printable(&action.tool),
            printable(&truncate(&action.target, 80)),
            action.tier,
            action.decision
        );
        out.push_str(&styles.decision(action.decision, &title));
        out.push('\n');
        if let Some(reason) = &action.proposed.reason {
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
            out.push_str(&format!("   ! {}\n", printable(&finding_line(f))));
        }
        for e in &action.excepted {
            out.push_str(&format!(
                "   ~ {} excepted until {}: {} ({})\n",
                e.rule,
                e.expires,
                printable(&e.reason),
                e.source
            ));
        }
        out
    });
    blocks.iter().for_each(|b| out.push_str(b));
    out.push('\n');
    out.push_str(&summary_table(eval));
    out.push('\n');
    let findings: Vec<(&ActionEval, &Finding)> = eval
        .all()
        .flat_map(|a| a.findings.iter().map(move |f| (a, f)))
        .collect();
    if !findings.is_empty() {
        out.push_str("\nFindings:\n");
        for (a, f) in findings {
            out.push_str(&format!(
                "  {}  {}\n",
                printable(&a.id),
                printable(&finding_line(f))
            ));
            if let Some(r) = &f.remediation {
                out.push_str(&format!("      fix: {r}\n"));
            }
        }
    }
    out.push('\n');
    if let Some(record) = eval.record {
        out.push_str(&format!(
            "Recorded as audit record {record} (agentgate audit show {record}).\n"
        ));
    }
    out.push_str(&styles.decision(eval.decision, &printable(&closing_line(eval))));
    out.push('\n');
    out
}

pub(crate) fn finding_line(f: &Finding) -> String {
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

fn summary_table(eval: &Evaluation<'_>) -> String {
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
            printable(&a.id).into_owned(),
            printable(&a.tool).into_owned(),
            printable(&truncate(&a.target, 48)).into_owned(),
            a.tier.to_string(),
            a.decision.to_string(),
            rules.join(", "),
        ]);
    }
    table.to_string()
}

/// One line that says what happens next.
pub fn closing_line(eval: &Evaluation<'_>) -> String {
    if let Some(why) = &eval.contained {
        return format!("Decision: deny: {why}.");
    }
    let total = eval.actions.len();
    let by = |d: Decision| {
        eval.all()
            .filter(|a| a.decision == d)
            .map(|a| a.id.clone())
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

fn list(ids: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .cloned()
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

/// The JSON document of SPEC section 6, as typed views serialized straight to text: no
/// intermediate `Value` for thousands of actions.
#[derive(Serialize)]
pub struct PlanDoc<'e> {
    version: &'static str,
    plan: PlanHead<'e>,
    policy: PolicyHead<'e>,
    decision: Decision,
    tier: Tier,
    actions: Vec<ActionDoc<'e>>,
    validate: Vec<ActionDoc<'e>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contained: Option<&'e str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<AuditHead>,
}

#[derive(Serialize)]
struct AuditHead {
    record: i64,
}

#[derive(Serialize)]
struct PlanHead<'e> {
    hash: &'e str,
    agent: String,
    task: Option<String>,
    actions: usize,
    file: &'e str,
}

#[derive(Serialize)]
struct PolicyHead<'e> {
    hash: &'e str,
    source: &'e str,
}

#[derive(Serialize)]
struct ActionDoc<'e> {
    id: &'e str,
    tool: &'e str,
    target: &'e str,
    line: u64,
    base_tier: Tier,
    tier: Tier,
    decision: Decision,
    classified_by: Vec<&'e str>,
    findings: Vec<FindingDoc<'e>>,
    exceptions: Vec<ExceptionDoc<'e>>,
}

#[derive(Serialize)]
pub(crate) struct FindingDoc<'e> {
    rule: &'e str,
    level: Level,
    effect: &'e str,
    message: &'e str,
    source: &'e str,
    /// The tier a `tier` finding raises to; null for a deny.
    tier: Option<Tier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<&'e str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<&'e str>,
}

#[derive(Serialize)]
struct ExceptionDoc<'e> {
    rule: &'e str,
    reason: &'e str,
    expires: String,
    source: &'e str,
}

pub fn plan_doc<'e>(eval: &'e Evaluation<'_>) -> PlanDoc<'e> {
    let redact = |s: &str| eval.policy.scanner().redact(s).into_owned();
    let plan = eval.plan;
    PlanDoc {
        version: VERSION,
        plan: PlanHead {
            hash: plan.hash(),
            agent: redact(&plan.agent),
            task: plan.task.as_deref().map(redact),
            actions: plan.actions.len(),
            file: &plan.origin,
        },
        policy: PolicyHead {
            hash: &eval.policy.hash,
            source: &eval.policy.origin,
        },
        decision: eval.decision,
        tier: eval.tier,
        actions: eval.actions.iter().map(action_doc).collect(),
        validate: eval.checks.iter().map(action_doc).collect(),
        contained: eval.contained.as_deref(),
        audit: eval.record.map(|record| AuditHead { record }),
    }
}

/// The JSON document as a string (pretty, with a final newline).
pub fn plan_json_text(eval: &Evaluation<'_>) -> String {
    let mut out = serde_json::to_string_pretty(&plan_doc(eval)).unwrap_or_default();
    out.push('\n');
    out
}

/// The JSON document as a value, for callers that add to it (`check`).
pub fn plan_json(eval: &Evaluation<'_>) -> Value {
    serde_json::to_value(plan_doc(eval)).unwrap_or(Value::Null)
}

fn action_doc<'e>(a: &'e ActionEval<'_>) -> ActionDoc<'e> {
    let mut classified_by: Vec<&str> = Vec::new();
    for c in a.items.iter().flat_map(|i| &i.classified_by) {
        if !classified_by.contains(&c.as_str()) {
            classified_by.push(c);
        }
    }
    ActionDoc {
        id: &a.id,
        tool: &a.tool,
        target: &a.target,
        line: a.proposed.line,
        base_tier: a.base,
        tier: a.tier,
        decision: a.decision,
        classified_by,
        findings: a.findings.iter().map(finding_doc).collect(),
        exceptions: a
            .excepted
            .iter()
            .map(|e| ExceptionDoc {
                rule: &e.rule,
                reason: &e.reason,
                expires: e.expires.to_string(),
                source: &e.source,
            })
            .collect(),
    }
}

pub(crate) fn finding_doc(f: &Finding) -> FindingDoc<'_> {
    FindingDoc {
        rule: &f.rule,
        level: f.level,
        effect: f.effect,
        message: &f.message,
        source: &f.source,
        tier: f.tier,
        remediation: f.remediation.as_deref(),
        item: f.item.as_deref(),
    }
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
