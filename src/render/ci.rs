//! The CI formats of `plan` and `check`: SARIF 2.1.0 for code scanning, JUnit XML for test
//! reporters, GitHub Actions workflow commands for annotations. It returns strings; it does not
//! decide exit codes (`pipeline.rs`) or where the strings go (`cli`).
//!
//! Every piece of text from a plan or a policy goes through the policy's secrets scanner and
//! [`printable`], as in the text and JSON renderers: a CI log or a code-scanning alert must not
//! carry a secret, nor terminal escapes from an action id.

use std::fmt::Write as _;
use std::path::{Component, Path};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{VERSION, finding_line, printable, truncate};
use crate::decision::{Decision, Tier};
use crate::error::{Diagnostic, Error, ExitCode};
use crate::evaluate::{ActionEval, Change, Evaluation, Finding};
use crate::pipeline::{Outcome, Pipeline};
use crate::secrets::Scanner;

/// `$schema` of the SARIF documents written.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where people learn about the tool, for SARIF's `informationUri`: the package's homepage or
/// repository from Cargo.toml, left out while neither is set.
const INFORMATION_URI: &str = {
    let home = env!("CARGO_PKG_HOMEPAGE");
    if home.is_empty() {
        env!("CARGO_PKG_REPOSITORY")
    } else {
        home
    }
};

/// Rule ids agentgate itself reports, besides the policy's: each names why a result is there.
pub const TIER_3: &str = "tier-3";
pub const TIER_4: &str = "tier-4";
pub const MAX_TIER: &str = "max-tier";
pub const CONTAINMENT: &str = "containment";
pub const INPUT_ERROR: &str = "input-error";

/// One input of a report: a plan that was evaluated, or a file that could not be.
pub enum Entry<'a> {
    Evaluated {
        eval: &'a Evaluation<'a>,
        /// The workspace folder, to point at the files that file actions change.
        workspace: &'a Path,
        outcome: Outcome,
    },
    Failed {
        /// The file as given on the command line.
        file: &'a str,
        error: &'a Error,
    },
}

/// Everything one `plan` or `check` run reports.
pub struct Report<'a> {
    pub entries: Vec<Entry<'a>>,
    pub pipeline: Pipeline,
    /// The step's exit code: the worst over the entries.
    pub code: ExitCode,
    /// The current folder (canonical), so that paths are shown relative to it, as CI expects
    /// paths relative to the repository root.
    pub cwd: Option<&'a Path>,
}

/// The word for an exit code in summaries: allow, approve, deny, error, failed.
pub fn outcome_word(code: ExitCode) -> &'static str {
    match code {
        ExitCode::Allowed => "allow",
        ExitCode::ApprovalRequired => "approve",
        ExitCode::Denied => "deny",
        ExitCode::Error => "error",
        ExitCode::ExecutionFailed => "failed",
    }
}

/// Why the exit code is not the decision's own, when it is not: the pipeline's cap, or
/// `--fail-on` moving the threshold. `None` when the code is what SPEC section 5 says.
pub fn pipeline_note(outcome: &Outcome) -> Option<String> {
    if let Some(max) = outcome.over_max_tier {
        return Some(format!(
            "the plan's tier {} is above --max-tier {max}: denied by the pipeline's cap (exit {})",
            outcome.tier,
            outcome.code.code()
        ));
    }
    if !outcome.differs_from_decision() {
        return None;
    }
    Some(match outcome.decision {
        Decision::Allow => format!(
            "--fail-on {}: a person must look at every plan, an allowed one too (exit {})",
            outcome.fail_on,
            outcome.code.code()
        ),
        decision => format!(
            "--fail-on {}: a plan whose decision is {decision} passes (exit {})",
            outcome.fail_on,
            outcome.code.code()
        ),
    })
}

/// The line the text review ends with when the pipeline changed the exit code.
pub fn pipeline_line(outcome: &Outcome) -> Option<String> {
    pipeline_note(outcome).map(|note| format!("Pipeline: {}.\n", printable(&note)))
}

/// The `max_tier` note of the JSON documents, when `--max-tier` was given.
pub fn max_tier_json(outcome: &Outcome, pipeline: &Pipeline) -> Option<Value> {
    let limit = pipeline.max_tier?;
    Some(json!({
        "limit": limit,
        "exceeded": outcome.over_max_tier.is_some(),
        "note": outcome.over_max_tier.and_then(|_| pipeline_note(outcome)),
    }))
}

// ---------------------------------------------------------------------------------------------
// Paths

/// A path for CI: relative to the current folder when it is inside it, with `/` separators.
fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let path = match cwd {
        Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for c in path.components() {
        match c {
            Component::RootDir => absolute = true,
            Component::CurDir => {}
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
            Component::ParentDir => parts.push("..".into()),
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// A plan's file as shown: `-` stays `-`.
fn plan_path(origin: &str, cwd: Option<&Path>) -> String {
    if origin == "-" {
        return origin.to_string();
    }
    display_path(Path::new(origin), cwd)
}

/// A path as a URI reference: relative stays relative, absolute becomes `file://`. Everything
/// outside RFC 3986's unreserved characters and a few safe sub-delimiters is percent-encoded
/// (`:` too, so a relative path is never read as a scheme).
fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(b as char),
            b'-' | b'.' | b'_' | b'~' | b'/' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*'
            | b'+' | b',' | b';' | b'=' | b'@' => out.push(b as char),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// The file a file action changes, as a path for CI, when the action changes one. Any other
/// action (a command, a request, a resource) is located by its entry in the plan alone.
fn changed_file(action: &ActionEval<'_>, workspace: &Path, cwd: Option<&Path>) -> Option<String> {
    if let Change::File { path, .. } = &action.change {
        Some(display_path(&workspace.join(path), cwd))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// What a result says

/// Text from a plan or policy, safe to show: secrets redacted, control characters escaped.
fn clean(scanner: &Scanner, s: &str) -> String {
    printable(&scanner.redact(s)).into_owned()
}

/// `` `id` (tool target) ``, for messages.
fn action_label(scanner: &Scanner, a: &ActionEval<'_>) -> String {
    let (id, tool) = (clean(scanner, &a.id), clean(scanner, &a.tool));
    if a.target.is_empty() || a.target == a.tool {
        return format!("`{id}` ({tool})");
    }
    format!(
        "`{id}` ({tool} {})",
        clean(scanner, &truncate(&a.target, 80))
    )
}

/// `tier 3 (high-impact) by its kind and content: why`, for an action that needs a person with no
/// finding that says why.
fn tier_line(scanner: &Scanner, a: &ActionEval<'_>) -> String {
    let why = tier_reason(scanner, a);
    format!(
        "tier {} ({}) by its kind and content{}",
        a.tier,
        a.tier.meaning(),
        if why.is_empty() {
            String::new()
        } else {
            format!(": {why}")
        }
    )
}

fn decision_phrase(a: &ActionEval<'_>) -> String {
    match a.decision {
        Decision::Allow => format!("is allowed (tier {})", a.tier),
        Decision::Approve => format!("needs approval (tier {})", a.tier),
        Decision::Deny => format!("is denied (tier {})", a.tier),
    }
}

/// SARIF level of a finding: a denial that applies is an error; an enforced finding that needs a
/// person (tier 3 or 4) is a warning, since a person can approve it; the rest (advisory findings,
/// lower tiers) are notes.
fn finding_level(f: &Finding) -> &'static str {
    if f.denies() {
        "error"
    } else if !f.level.enforced() {
        "note"
    } else if f.tier.is_some_and(Tier::needs_human) {
        "warning"
    } else {
        "note"
    }
}

/// Whether the action needs a person by its own tier, with no enforced finding that explains it:
/// then a `tier-3`/`tier-4` result says so, so nothing that blocks the step is invisible.
fn needs_tier_result(a: &ActionEval<'_>) -> bool {
    a.decision == Decision::Approve
        && !a
            .findings
            .iter()
            .any(|f| f.level.enforced() && f.tier == Some(a.tier))
}

/// Why an action is at its tier, from its reading: the items at that tier, and the rules that
/// classified them.
fn tier_reason(scanner: &Scanner, a: &ActionEval<'_>) -> String {
    let mut whys: Vec<String> = Vec::new();
    let mut by: Vec<&str> = Vec::new();
    for item in a.items.iter().filter(|i| i.tier == a.tier) {
        let why = clean(scanner, &item.why);
        if !why.is_empty() && !whys.contains(&why) {
            whys.push(why);
        }
        for c in &item.classified_by {
            if !by.contains(&c.as_str()) {
                by.push(c);
            }
        }
    }
    let mut out = whys.join("; ");
    if !by.is_empty() {
        if !out.is_empty() {
            out.push_str("; ");
        }
        let _ = write!(out, "classified by {}", by.join(", "));
    }
    out
}

fn synthetic_rule(id: &str) -> Value {
    let (short, full, help, level, tier) = match id {
        TIER_3 => (
            "needs a person: tier 3 (high-impact) by its kind and content",
            "The action is tier 3 from what it is (a high-impact write, or something agentgate \
             cannot read, which is never auto-allowed), with no policy rule that explains it.",
            "A person approves it (agentgate approve, or apply interactively); or change the plan \
             so that it does less.",
            "warning",
            Some(3),
        ),
        TIER_4 => (
            "needs a person: tier 4 (destructive) by its kind and content",
            "The action is tier 4 from what it is (delete, drop, truncate, force-push, revoke, \
             destroy, mass update), with no policy rule that explains it.",
            "A person approves it and confirms by typing its target; or change the plan so that \
             it does less.",
            "warning",
            Some(4),
        ),
        MAX_TIER => (
            "above the pipeline's --max-tier",
            "The action's tier is above the highest tier this pipeline step accepts \
             (--max-tier): the step is denied whatever the policy decided.",
            "Split the plan so this action goes through review elsewhere, or raise --max-tier \
             where this tier is expected.",
            "error",
            None,
        ),
        CONTAINMENT => (
            "denied by containment",
            "The kill switch or a quarantine denies every plan of the agent.",
            "On-call lifts it with agentgate resume or agentgate release AGENT.",
            "error",
            None,
        ),
        _ => (
            "an input could not be read or evaluated",
            "A plan file (or the policy set) is malformed, refused or unreadable: nothing was \
             evaluated for it, and the gate fails closed.",
            "Fix the file at the position shown.",
            "error",
            None,
        ),
    };
    json!({
        "id": id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help},
        "defaultConfiguration": {"level": level},
        "properties": {
            "level": Value::Null,
            "effect": if tier.is_some() { "tier" } else { "deny" },
            "tier": tier,
            "source": "builtin",
            "tags": ["agentgate"],
        },
    })
}

/// The descriptor of a policy rule, from the policy where it is known, else from the finding.
fn policy_rule(eval: &Evaluation<'_>, f: &Finding) -> Value {
    let scanner = eval.policy.scanner();
    let (short, full) = if let Some(rule) = eval.policy.rule(&f.rule) {
        (rule.message.clone(), rule.why.clone())
    } else if let Some(secret) = eval.policy.secret_rules.iter().find(|s| s.id == f.rule) {
        (
            format!("a secret ({}) in the action", secret.kind),
            secret.why.clone(),
        )
    } else {
        (f.message.clone(), String::new())
    };
    let short = clean(scanner, &short);
    let full = if full.trim().is_empty() {
        short.clone()
    } else {
        clean(scanner, &full)
    };
    let help = f
        .remediation
        .as_deref()
        .map(|r| clean(scanner, r))
        .unwrap_or_else(|| full.clone());
    json!({
        "id": f.rule,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help},
        "defaultConfiguration": {"level": finding_level(f)},
        "properties": {
            "level": f.level,
            "effect": f.effect,
            "tier": f.tier,
            "source": clean(scanner, &f.source),
            "tags": ["agentgate"],
        },
    })
}

// ---------------------------------------------------------------------------------------------
// SARIF

struct Sarif {
    rules: Vec<Value>,
    ids: Vec<String>,
    results: Vec<Value>,
    fingerprints: std::collections::HashMap<String, usize>,
}

impl Sarif {
    fn rule_index(&mut self, id: &str, make: impl FnOnce() -> Value) -> usize {
        if let Some(i) = self.ids.iter().position(|x| x == id) {
            return i;
        }
        self.ids.push(id.to_string());
        self.rules.push(make());
        self.ids.len() - 1
    }

    /// A fingerprint stable across runs and line moves: the plan file, the action and the rule
    /// (and which occurrence, when one action has the same rule twice), hashed.
    fn fingerprint(&mut self, parts: &[&str]) -> String {
        let key = parts.join("\u{0}");
        let n = self.fingerprints.entry(key.clone()).or_insert(0);
        *n += 1;
        let digest = Sha256::digest(format!("{key}\u{0}{n}").as_bytes());
        hex::encode(&digest[..16])
    }

    fn push(
        &mut self,
        rule: usize,
        level: &str,
        message: String,
        locations: Vec<Value>,
        fingerprint: String,
        properties: Value,
    ) {
        let mut result = Map::new();
        result.insert("ruleId".into(), json!(self.ids[rule]));
        result.insert("ruleIndex".into(), json!(rule));
        result.insert("level".into(), json!(level));
        result.insert("message".into(), json!({"text": message}));
        result.insert("locations".into(), Value::Array(locations));
        result.insert(
            "partialFingerprints".into(),
            json!({"agentgate/v1": fingerprint}),
        );
        result.insert("properties".into(), properties);
        self.results.push(Value::Object(result));
    }
}

fn location(
    file: &str,
    line: Option<u64>,
    column: Option<u64>,
    description: Option<&str>,
) -> Value {
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), json!({"uri": uri(file)}));
    if let Some(line) = line.filter(|l| *l > 0) {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line));
        if let Some(column) = column.filter(|c| *c > 0) {
            region.insert("startColumn".into(), json!(column));
        }
        physical.insert("region".into(), Value::Object(region));
    }
    let mut loc = Map::new();
    loc.insert("physicalLocation".into(), Value::Object(physical));
    if let Some(text) = description {
        loc.insert("message".into(), json!({"text": text}));
    }
    Value::Object(loc)
}

/// The locations of a result on an action: the plan file at the action's entry, and for file
/// actions the file it changes.
fn action_locations(
    plan_file: &str,
    a: &ActionEval<'_>,
    workspace: &Path,
    cwd: Option<&Path>,
) -> Vec<Value> {
    let mut out = vec![location(
        plan_file,
        Some(a.proposed.line),
        Some(a.proposed.column),
        None,
    )];
    if let Some(file) = changed_file(a, workspace, cwd) {
        out.push(location(
            &file,
            None,
            None,
            Some("the file this action changes"),
        ));
    }
    out
}

/// SARIF 2.1.0: one run; a result per finding per action, per action that needs a person with no
/// finding that says why (`tier-3`, `tier-4`), per action above `--max-tier` (`max-tier`), and per
/// input that could not be read (`input-error`, at the diagnostic's file and line).
pub fn sarif(report: &Report<'_>) -> String {
    let cwd = report.cwd;
    let mut s = Sarif {
        rules: Vec::new(),
        ids: Vec::new(),
        results: Vec::new(),
        fingerprints: Default::default(),
    };
    let mut plans: Vec<Value> = Vec::new();
    let mut errors = false;
    for entry in &report.entries {
        match entry {
            Entry::Evaluated {
                eval,
                workspace,
                outcome,
            } => {
                let scanner = eval.policy.scanner();
                let file = plan_path(&eval.plan.origin, cwd);
                for a in eval.all() {
                    let label = action_label(scanner, a);
                    let props = json!({
                        "action": clean(scanner, &a.id),
                        "tool": clean(scanner, &a.tool),
                        "tier": a.tier,
                        "decision": a.decision,
                    });
                    for f in &a.findings {
                        let rule = s.rule_index(&f.rule, || policy_rule(eval, f));
                        let on = f
                            .item
                            .as_deref()
                            .map(|i| format!(" (on `{}`)", clean(scanner, &truncate(i, 60))))
                            .unwrap_or_default();
                        let effect = match f.tier {
                            Some(t) => format!("tier {t}"),
                            None => f.effect.to_string(),
                        };
                        let message = format!(
                            "{label} {}: {}{on} [{}, {} {effect}]",
                            decision_phrase(a),
                            clean(scanner, &f.message),
                            f.rule,
                            f.level
                        );
                        let fp = s.fingerprint(&[&file, &a.id, &f.rule]);
                        s.push(
                            rule,
                            finding_level(f),
                            message,
                            action_locations(&file, a, workspace, cwd),
                            fp,
                            props.clone(),
                        );
                    }
                    if needs_tier_result(a) {
                        let id = if a.tier >= Tier::DESTRUCTIVE {
                            TIER_4
                        } else {
                            TIER_3
                        };
                        let rule = s.rule_index(id, || synthetic_rule(id));
                        let message =
                            format!("{label} {}: {}", decision_phrase(a), tier_line(scanner, a));
                        let fp = s.fingerprint(&[&file, &a.id, id]);
                        s.push(
                            rule,
                            "warning",
                            message,
                            action_locations(&file, a, workspace, cwd),
                            fp,
                            props.clone(),
                        );
                    }
                    if let Some(max) = report.pipeline.max_tier.filter(|m| a.tier > *m) {
                        let rule = s.rule_index(MAX_TIER, || synthetic_rule(MAX_TIER));
                        let message = format!(
                            "{label} is tier {}, above --max-tier {max}: the pipeline denies the plan (exit 3)",
                            a.tier
                        );
                        let fp = s.fingerprint(&[&file, &a.id, MAX_TIER]);
                        s.push(
                            rule,
                            "error",
                            message,
                            action_locations(&file, a, workspace, cwd),
                            fp,
                            props,
                        );
                    }
                }
                // Containment denies an empty plan too: say so, at the plan file.
                if let (Some(why), None) = (&eval.contained, eval.all().next()) {
                    let rule = s.rule_index(CONTAINMENT, || synthetic_rule(CONTAINMENT));
                    let fp = s.fingerprint(&[&file, "", CONTAINMENT]);
                    s.push(
                        rule,
                        "error",
                        format!("the plan is denied: {}", clean(scanner, why)),
                        vec![location(&file, None, None, None)],
                        fp,
                        json!({"decision": eval.decision}),
                    );
                }
                plans.push(json!({
                    "file": file,
                    "hash": eval.plan.hash(),
                    "agent": clean(scanner, &eval.plan.agent),
                    "decision": eval.decision,
                    "tier": eval.tier,
                    "exit_code": outcome.code.code(),
                    "note": pipeline_note(outcome),
                }));
            }
            Entry::Failed { file, error } => {
                errors = true;
                let given = plan_path(&clean(Scanner::builtin(), file), cwd);
                let rule = s.rule_index(INPUT_ERROR, || synthetic_rule(INPUT_ERROR));
                for d in error.diagnostics() {
                    let (at, message) = diagnostic_parts(&d, file, cwd);
                    let fp = s.fingerprint(&[&at, &message, INPUT_ERROR]);
                    s.push(
                        rule,
                        "error",
                        message,
                        vec![location(&at, d.line, d.column, None)],
                        fp,
                        json!({"file": given}),
                    );
                }
                plans.push(json!({
                    "file": given,
                    "exit_code": ExitCode::Error.code(),
                    "error": error.redacted(),
                }));
            }
        }
    }
    let mut driver = Map::new();
    driver.insert("name".into(), json!("agentgate"));
    driver.insert("version".into(), json!(VERSION));
    driver.insert("semanticVersion".into(), json!(VERSION));
    if !INFORMATION_URI.is_empty() {
        driver.insert("informationUri".into(), json!(INFORMATION_URI));
    }
    driver.insert("rules".into(), Value::Array(s.rules));
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [{
                "executionSuccessful": !errors,
                "exitCode": report.code.code(),
                "exitCodeDescription": outcome_word(report.code),
            }],
            "columnKind": "unicodeCodePoints",
            "results": s.results,
            "properties": {
                "exit_code": report.code.code(),
                "fail_on": report.pipeline.fail_on,
                "max_tier": report.pipeline.max_tier,
                "plans": plans,
            },
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// Where a diagnostic points (a command-line problem points at the input it is about), and its
/// message, redacted.
fn diagnostic_parts(d: &Diagnostic, file: &str, cwd: Option<&Path>) -> (String, String) {
    let builtin = Scanner::builtin();
    let at = if d.file == "agentgate" || d.file.is_empty() {
        file
    } else {
        &d.file
    };
    let mut message = String::new();
    if let Some(subject) = &d.subject {
        message.push_str(&clean(builtin, subject));
        message.push_str(": ");
    }
    message.push_str(&clean(builtin, &d.message));
    (plan_path(&clean(builtin, at), cwd), message)
}

// ---------------------------------------------------------------------------------------------
// JUnit XML

/// Text safe in XML 1.0: secrets and control characters are handled by the caller ([`clean`]);
/// here anything XML 1.0 forbids that is left is written as a visible escape, and markup
/// characters become entities. In attributes, whitespace other than spaces is kept as character
/// references so that parsers do not normalise it away.
fn xml(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' if attribute => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' => out.push(c),
            c if c >= '\u{10000}' => out.push(c),
            c => out.push_str(&c.escape_unicode().to_string()),
        }
    }
    out
}

fn attr(s: &str) -> String {
    xml(s, true)
}

fn text(s: &str) -> String {
    xml(s, false)
}

/// JUnit XML: a `<testsuite>` per plan file, a `<testcase>` per action (name: the action id,
/// classname: its tool). An action fails (`<failure>`) when it is part of what fails the step:
/// its decision is at or above `--fail-on` (by default: approve and deny), or its tier is above
/// `--max-tier`. A file that could not be read is an `<error>`.
pub fn junit(report: &Report<'_>) -> String {
    let cwd = report.cwd;
    let (mut tests, mut failures, mut errors) = (0usize, 0usize, 0usize);
    let mut suites = String::new();
    for entry in &report.entries {
        let mut cases = String::new();
        let (mut t, mut f, mut e) = (0usize, 0usize, 0usize);
        let (name, properties) = match entry {
            Entry::Evaluated { eval, outcome, .. } => {
                let scanner = eval.policy.scanner();
                let file = plan_path(&eval.plan.origin, cwd);
                for a in eval.all() {
                    t += 1;
                    let _ = write!(
                        cases,
                        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                        attr(&clean(scanner, &a.id)),
                        attr(&clean(scanner, &a.tool)),
                        attr(&file),
                        a.proposed.line
                    );
                    let body = case_body(scanner, a, &report.pipeline);
                    if report.pipeline.fails(a.decision, a.tier) {
                        f += 1;
                        let _ = write!(
                            cases,
                            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                            attr(&failure_message(a, &report.pipeline)),
                            a.decision,
                            text(&body)
                        );
                    } else if body.is_empty() {
                        cases.push_str("/>\n");
                    } else {
                        let _ = write!(
                            cases,
                            ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                            text(&body)
                        );
                    }
                }
                // A plan that fails the step with no action to show it (containment of an empty
                // plan) still fails in the report.
                if f == 0 && outcome.code != ExitCode::Allowed {
                    t += 1;
                    f += 1;
                    let why = eval
                        .contained
                        .as_deref()
                        .map(|c| clean(scanner, c))
                        .or_else(|| pipeline_note(outcome))
                        .unwrap_or_default();
                    let _ = write!(
                        cases,
                        "    <testcase name=\"plan\" classname=\"agentgate\" file=\"{}\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        attr(&file),
                        attr(&format!("{} (tier {})", eval.decision, eval.tier)),
                        eval.decision,
                        text(&why)
                    );
                }
                let mut props = vec![("agent", clean(scanner, &eval.plan.agent))];
                if let Some(task) = &eval.plan.task {
                    props.push(("task", clean(scanner, task)));
                }
                props.extend([
                    ("plan_hash", eval.plan.hash().to_string()),
                    ("decision", eval.decision.to_string()),
                    ("tier", eval.tier.to_string()),
                    ("exit_code", outcome.code.code().to_string()),
                    ("fail_on", report.pipeline.fail_on.to_string()),
                ]);
                if let Some(max) = report.pipeline.max_tier {
                    props.push(("max_tier", max.to_string()));
                }
                if let Some(note) = pipeline_note(outcome) {
                    props.push(("pipeline", note));
                }
                (file, props)
            }
            Entry::Failed { file, error } => {
                t += 1;
                e += 1;
                let given = plan_path(&clean(Scanner::builtin(), file), cwd);
                let body: Vec<String> = error
                    .diagnostics()
                    .iter()
                    .map(|d| {
                        let (at, message) = diagnostic_parts(d, file, cwd);
                        match (d.line, d.column) {
                            (Some(l), Some(c)) => format!("{at}:{l}:{c}: {message}"),
                            (Some(l), None) => format!("{at}:{l}: {message}"),
                            _ => format!("{at}: {message}"),
                        }
                    })
                    .collect();
                let _ = write!(
                    cases,
                    "    <testcase name=\"load\" classname=\"agentgate\" file=\"{}\">\n      <error message=\"{}\" type=\"input-error\">{}</error>\n    </testcase>\n",
                    attr(&given),
                    attr(&error.redacted()),
                    text(&body.join("\n"))
                );
                (
                    given,
                    vec![("exit_code", ExitCode::Error.code().to_string())],
                )
            }
        };
        tests += t;
        failures += f;
        errors += e;
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{f}\" errors=\"{e}\" skipped=\"0\">\n    <properties>\n",
            attr(&name)
        );
        for (k, v) in properties {
            let _ = writeln!(
                suites,
                "      <property name=\"{k}\" value=\"{}\"/>",
                attr(&v)
            );
        }
        suites.push_str("    </properties>\n");
        suites.push_str(&cases);
        suites.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"agentgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n"
    )
}

/// `approve (tier 3): rule, rule`, and the cap when the action is above it.
fn failure_message(a: &ActionEval<'_>, pipeline: &Pipeline) -> String {
    let mut rules: Vec<&str> = Vec::new();
    for f in &a.findings {
        if !rules.contains(&f.rule.as_str()) {
            rules.push(&f.rule);
        }
    }
    if rules.is_empty() && a.tier.needs_human() {
        rules.push(if a.tier >= Tier::DESTRUCTIVE {
            TIER_4
        } else {
            TIER_3
        });
    }
    let mut out = format!("{} (tier {})", a.decision, a.tier);
    if !rules.is_empty() {
        let _ = write!(out, ": {}", rules.join(", "));
    }
    if let Some(max) = pipeline.max_tier.filter(|m| a.tier > *m) {
        let _ = write!(out, "; tier {} is above --max-tier {max}", a.tier);
    }
    out
}

/// What a person reads under a test case: the action, its reason, its findings with their fixes.
fn case_body(scanner: &Scanner, a: &ActionEval<'_>, pipeline: &Pipeline) -> String {
    let fails = pipeline.fails(a.decision, a.tier);
    if a.findings.is_empty() && !fails && !a.tier.needs_human() {
        return String::new();
    }
    let mut lines = vec![format!(
        "{} {}",
        action_label(scanner, a),
        decision_phrase(a)
    )];
    if let Some(reason) = &a.proposed.reason {
        lines.push(format!("reason: {}", clean(scanner, reason)));
    }
    for f in &a.findings {
        lines.push(clean(scanner, &finding_line(f)));
        if let Some(r) = &f.remediation {
            lines.push(format!("  fix: {}", clean(scanner, r)));
        }
    }
    if needs_tier_result(a) {
        lines.push(tier_line(scanner, a));
    }
    if let Some(max) = pipeline.max_tier.filter(|m| a.tier > *m) {
        lines.push(format!(
            "tier {} is above --max-tier {max}: the pipeline denies the plan",
            a.tier
        ));
    } else if !fails {
        lines.push(format!(
            "passes the step under --fail-on {}",
            pipeline.fail_on
        ));
    }
    lines.join("\n")
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions workflow commands

/// A workflow command's message: `%`, CR and LF escaped, as the runner decodes them.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: the message escapes, and `:` and `,` too.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn gh_command(
    kind: &str,
    file: &str,
    line: Option<u64>,
    column: Option<u64>,
    title: &str,
    message: &str,
) -> String {
    let mut props = vec![format!("file={}", gh_property(file))];
    if let Some(line) = line.filter(|l| *l > 0) {
        props.push(format!("line={line}"));
        if let Some(column) = column.filter(|c| *c > 0) {
            props.push(format!("col={column}"));
        }
    }
    props.push(format!("title={}", gh_property(title)));
    format!("::{kind} {}::{}\n", props.join(","), gh_data(message))
}

/// GitHub Actions workflow commands, one line each: `::error` for a denied action (and one above
/// `--max-tier`), `::warning` for one that needs approval, `::notice` for each advisory finding,
/// `::error` for an input that could not be read; then one summary line.
pub fn github(report: &Report<'_>) -> String {
    let cwd = report.cwd;
    let mut out = String::new();
    let (mut denied, mut approve, mut allowed, mut unreadable) = (0usize, 0usize, 0usize, 0usize);
    for entry in &report.entries {
        match entry {
            Entry::Evaluated { eval, outcome, .. } => {
                let scanner = eval.policy.scanner();
                let file = plan_path(&eval.plan.origin, cwd);
                for a in eval.all() {
                    match a.decision {
                        Decision::Allow => allowed += 1,
                        Decision::Approve => approve += 1,
                        Decision::Deny => denied += 1,
                    }
                    let over = report.pipeline.max_tier.filter(|m| a.tier > *m);
                    let kind = match (a.decision, over) {
                        (Decision::Deny, _) | (_, Some(_)) => Some("error"),
                        (Decision::Approve, _) => Some("warning"),
                        (Decision::Allow, None) => None,
                    };
                    if let Some(kind) = kind {
                        let mut lines = vec![format!(
                            "{} {}",
                            action_label(scanner, a),
                            decision_phrase(a)
                        )];
                        for f in a.findings.iter().filter(|f| f.level.enforced()) {
                            lines.push(clean(scanner, &finding_line(f)));
                        }
                        if needs_tier_result(a) {
                            lines.push(tier_line(scanner, a));
                        }
                        if let Some(max) = over {
                            lines.push(format!(
                                "tier {} is above --max-tier {max}: the pipeline denies the plan (exit 3)",
                                a.tier
                            ));
                        }
                        let title = format!(
                            "agentgate: {} {} (tier {})",
                            a.decision,
                            clean(scanner, &truncate(&a.id, 60)),
                            a.tier
                        );
                        out.push_str(&gh_command(
                            kind,
                            &file,
                            Some(a.proposed.line),
                            Some(a.proposed.column),
                            &title,
                            &lines.join("\n"),
                        ));
                    }
                    for f in a.findings.iter().filter(|f| !f.level.enforced()) {
                        out.push_str(&gh_command(
                            "notice",
                            &file,
                            Some(a.proposed.line),
                            Some(a.proposed.column),
                            &format!("agentgate: advisory {}", f.rule),
                            &format!(
                                "{}: {}",
                                action_label(scanner, a),
                                clean(scanner, &finding_line(f))
                            ),
                        ));
                    }
                }
                if let (Some(why), None) = (&eval.contained, eval.all().next()) {
                    out.push_str(&gh_command(
                        "error",
                        &file,
                        None,
                        None,
                        "agentgate: deny (containment)",
                        &format!("the plan is denied: {}", clean(scanner, why)),
                    ));
                }
                if let Some(note) =
                    pipeline_note(outcome).filter(|_| outcome.over_max_tier.is_none())
                {
                    out.push_str(&gh_command(
                        "notice",
                        &file,
                        None,
                        None,
                        "agentgate: pipeline",
                        &note,
                    ));
                }
            }
            Entry::Failed { file, error } => {
                unreadable += 1;
                for d in error.diagnostics() {
                    let (at, message) = diagnostic_parts(&d, file, cwd);
                    out.push_str(&gh_command(
                        "error",
                        &at,
                        d.line,
                        d.column,
                        "agentgate: input error",
                        &message,
                    ));
                }
            }
        }
    }
    let plans = report.entries.len();
    let _ = writeln!(
        out,
        "agentgate: {plans} plan file(s), {} action(s): {denied} denied, {approve} need approval, {allowed} allowed{}; outcome: exit {} ({})",
        denied + approve + allowed,
        if unreadable > 0 {
            format!("; {unreadable} could not be read")
        } else {
            String::new()
        },
        report.code.code(),
        outcome_word(report.code)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Level;

    #[test]
    fn github_escapes_data_and_properties() {
        assert_eq!(gh_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(gh_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        let line = gh_command(
            "error",
            "p,1.yaml",
            Some(3),
            Some(5),
            "t: x",
            "m\n::warning::x",
        );
        assert_eq!(
            line,
            "::error file=p%2C1.yaml,line=3,col=5,title=t%3A x::m%0A::warning::x\n"
        );
        assert_eq!(line.lines().count(), 1);
    }

    #[test]
    fn xml_escapes_markup_and_forbidden_characters() {
        assert_eq!(text("a<b>&c"), "a&lt;b&gt;&amp;c");
        assert_eq!(attr("\"x'\n\t"), "&quot;x&apos;&#10;&#9;");
        assert_eq!(
            text("\u{1}\u{fffe}ok\u{1f600}"),
            "\\u{1}\\u{fffe}ok\u{1f600}"
        );
    }

    #[test]
    fn json_keeps_no_raw_c1_or_bidi_characters() {
        let text = serde_json::to_string(&json!({"id": "a\u{202e}b\u{85}\u{1b}"})).unwrap();
        let safe = super::super::json_safe(text);
        assert_eq!(safe, r#"{"id":"a\u202eb\u0085\u001b"}"#);
        let back: Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["id"], "a\u{202e}b\u{85}\u{1b}");
    }

    #[test]
    fn uris_are_references() {
        assert_eq!(uri("plans/a b.yaml"), "plans/a%20b.yaml");
        assert_eq!(uri("c:x"), "c%3Ax");
        assert_eq!(uri("/tmp/ü"), "file:///tmp/%C3%BC");
        assert_eq!(
            display_path(Path::new("/w/r/x.yaml"), Some(Path::new("/w"))),
            "r/x.yaml"
        );
        assert_eq!(display_path(Path::new("./a/./b"), None), "a/b");
        assert_eq!(
            display_path(Path::new("/a/b"), Some(Path::new("/c"))),
            "/a/b"
        );
    }

    #[test]
    fn synthetic_rules_are_distinct() {
        let ids = [TIER_3, TIER_4, MAX_TIER, CONTAINMENT, INPUT_ERROR];
        for (i, a) in ids.iter().enumerate() {
            assert_eq!(synthetic_rule(a)["id"], *a);
            assert!(ids[i + 1..].iter().all(|b| a != b));
        }
        assert_ne!(
            synthetic_rule(MAX_TIER)["shortDescription"],
            synthetic_rule(INPUT_ERROR)["shortDescription"]
        );
    }

    #[test]
    fn levels_follow_the_finding() {
        let f = |level, effect, tier: Option<u8>| Finding {
            rule: "r".into(),
            level,
            effect,
            tier: tier.and_then(Tier::new),
            message: String::new(),
            remediation: None,
            source: String::new(),
            item: None,
        };
        assert_eq!(
            finding_level(&f(Level::HardMandatory, "deny", None)),
            "error"
        );
        assert_eq!(
            finding_level(&f(Level::SoftMandatory, "deny", None)),
            "error"
        );
        assert_eq!(finding_level(&f(Level::Advisory, "deny", None)), "note");
        assert_eq!(
            finding_level(&f(Level::SoftMandatory, "tier", Some(3))),
            "warning"
        );
        assert_eq!(
            finding_level(&f(Level::SoftMandatory, "tier", Some(2))),
            "note"
        );
    }
}
