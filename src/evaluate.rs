//! Deciding a plan: walk its actions in order over a simulated workspace, apply the policy to
//! every item, scan for secrets, and combine with "strictest wins". It reads files; it never writes.

use std::borrow::Cow;
use std::collections::HashMap;

use jiff::civil::Date;

use crate::action::{self, Facts, Item, ItemDetail};
use crate::decision::{Decision, Level, Tier};
use crate::error::{Diagnostic, Error};
use crate::plan::{Action, ActionKind, Edit, Plan, ShellAction};
use crate::policy::PolicySet;
use crate::policy::field::{PlanFacts, Subject};
use crate::policy::rule::Effect;
use crate::workspace::{FileState, Workspace};

/// The finding of rules a Terraform value known only after apply leaves undecided.
pub const KNOWN_AFTER_APPLY: &str = "tf-known-after-apply";

/// A rule that fired on an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub level: Level,
    /// `tier` or `deny`.
    pub effect: &'static str,
    pub tier: Option<Tier>,
    pub message: String,
    pub remediation: Option<String>,
    /// `file:line` of the rule, or `builtin:secrets`.
    pub source: String,
    /// The sub-command or statement it fired on, when the action has several.
    pub item: Option<String>,
}

impl Finding {
    /// Whether this finding denies the action.
    pub fn denies(&self) -> bool {
        self.effect == "deny" && self.level.enforced()
    }
}

/// A finding an exception suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Excepted {
    pub rule: String,
    pub reason: String,
    pub expires: Date,
    pub source: String,
}

/// How one item of an action was read and tiered.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub label: Option<String>,
    pub tier: Tier,
    pub why: String,
    pub classified_by: Vec<String>,
    pub detail: ItemDetail,
}

/// What an action would change, for the diff.
#[derive(Debug, Clone)]
pub enum Change {
    Read {
        path: String,
    },
    File {
        path: String,
        before: FileState,
        after: Option<String>,
    },
    Other,
}

#[derive(Debug, Clone)]
pub struct ActionEval<'p> {
    /// The action as proposed: borrowed from the plan (a `validate` check is built, so owned).
    pub proposed: Cow<'p, Action>,
    /// `id`, `tool` and `target` are for display: secrets in them are already redacted.
    pub id: String,
    pub tool: String,
    pub target: String,
    /// The highest base tier of its items, before rules.
    pub base: Tier,
    pub tier: Tier,
    pub decision: Decision,
    pub items: Vec<ItemView>,
    pub findings: Vec<Finding>,
    pub excepted: Vec<Excepted>,
    pub change: Change,
}

/// The gate's answer for a plan.
pub struct Evaluation<'p> {
    pub plan: &'p Plan,
    pub policy: &'p PolicySet,
    pub actions: Vec<ActionEval<'p>>,
    /// The plan's `validate` commands, evaluated like shell actions (they run too).
    pub checks: Vec<ActionEval<'p>>,
    pub tier: Tier,
    pub decision: Decision,
    /// Why containment (the kill switch, a quarantine) denied the whole plan, if it did.
    pub contained: Option<String>,
    /// The audit record this decision was written as.
    pub record: Option<i64>,
}

impl<'p> Evaluation<'p> {
    pub fn all(&self) -> impl Iterator<Item = &ActionEval<'p>> {
        self.actions.iter().chain(&self.checks)
    }
}

/// Evaluate `plan` against `policy` on the files of `workspace`, as of `today`.
pub fn evaluate<'p>(
    plan: &'p Plan,
    policy: &'p PolicySet,
    workspace: &Workspace,
    today: Date,
) -> Result<Evaluation<'p>, Error> {
    let facts = PlanFacts {
        agent: &plan.agent,
        task: plan.task.as_deref(),
        intent: plan.intent.as_deref(),
        context: &plan.context,
    };
    // Files change in plan order, so the simulation is sequential; the rest is independent per
    // action and runs on every core.
    let mut files: HashMap<String, FileState> = HashMap::new();
    let mut simulated = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let fail = |message: String| {
            Error::Input(
                Diagnostic::new(&plan.origin, message)
                    .at(action.line, action.column)
                    .subject(format!("action `{}`", action.id)),
            )
        };
        simulated.push(simulate(action, workspace, &mut files).map_err(fail)?);
    }
    let work: Vec<(&Action, (Change, Facts))> = plan.actions.iter().zip(simulated).collect();
    let actions = crate::parallel::map(work, 64, |(action, (change, file_facts))| {
        evaluate_action(
            policy,
            facts,
            Cow::Borrowed(action),
            change,
            file_facts,
            today,
        )
    });
    let checks: Vec<ActionEval> = plan
        .validate
        .iter()
        .enumerate()
        .map(|(i, check)| {
            let action = Action {
                id: format!("validate-{}", i + 1),
                reason: Some("post-action check".into()),
                kind: ActionKind::Shell(ShellAction {
                    command: check.command.clone(),
                    cwd: None,
                    env: Default::default(),
                    timeout: check.timeout,
                    rollback: None,
                }),
                line: check.line,
                column: check.column,
            };
            evaluate_action(
                policy,
                facts,
                Cow::Owned(action),
                Change::Other,
                Facts::default(),
                today,
            )
        })
        .collect();
    let all = actions.iter().chain(&checks);
    let tier = all.clone().map(|a| a.tier).max().unwrap_or_default();
    let decision = all.map(|a| a.decision).max().unwrap_or_default();
    Ok(Evaluation {
        plan,
        policy,
        actions,
        checks,
        tier,
        decision,
        contained: None,
        record: None,
    })
}

/// Apply a file action to the simulated workspace; return what changes and the facts for tiers.
fn simulate(
    action: &Action,
    workspace: &Workspace,
    files: &mut HashMap<String, FileState>,
) -> Result<(Change, Facts), String> {
    let current = |path: &crate::workspace::WsPath| -> Result<FileState, String> {
        if let Some(state) = files.get(&path.relative) {
            return Ok(state.clone());
        }
        workspace.read(path)
    };
    let (path, before, after) = match &action.kind {
        ActionKind::FileRead { path } => {
            return Ok((
                Change::Read {
                    path: path.relative.clone(),
                },
                Facts {
                    exists: current(path)? != FileState::Missing,
                    unchanged: false,
                },
            ));
        }
        ActionKind::FileWrite { path, content } => {
            let before = current(path)?;
            if before == FileState::Directory {
                return Err(format!("`{}` is a directory", path.relative));
            }
            (path, before, Some(content.clone()))
        }
        ActionKind::FileEdit { path, edit } => {
            let before = current(path)?;
            let text = match &before {
                FileState::Text(t) => t,
                FileState::Missing => {
                    return Err(format!(
                        "`{}` does not exist; use file.write to create it",
                        path.relative
                    ));
                }
                FileState::Directory => return Err(format!("`{}` is a directory", path.relative)),
                FileState::Opaque { .. } => {
                    return Err(format!(
                        "`{}` is binary or too large to edit",
                        path.relative
                    ));
                }
            };
            let after = apply_edit(text, edit).map_err(|e| format!("`{}`: {e}", path.relative))?;
            (path, before, Some(after))
        }
        ActionKind::FileDelete { path } => {
            let before = current(path)?;
            match before {
                FileState::Missing => return Err(format!("`{}` does not exist", path.relative)),
                FileState::Directory => {
                    return Err(format!(
                        "`{}` is a directory; file.delete removes files",
                        path.relative
                    ));
                }
                _ => {}
            }
            (path, before, None)
        }
        _ => return Ok((Change::Other, Facts::default())),
    };
    let facts = Facts {
        exists: before != FileState::Missing,
        unchanged: matches!((&before, &after), (FileState::Text(b), Some(a)) if b == a),
    };
    files.insert(
        path.relative.clone(),
        after.clone().map_or(FileState::Missing, FileState::Text),
    );
    Ok((
        Change::File {
            path: path.relative.clone(),
            before,
            after,
        },
        facts,
    ))
}

/// The text after an edit, or why the edit does not apply to the current file.
pub fn apply_edit(text: &str, edit: &Edit) -> Result<String, String> {
    match edit {
        Edit::Replace { old, new } => {
            let Some(first) = text.find(old.as_str()) else {
                return Err(
                    "the `old` text is not in the file (it changed, or the edit is wrong)".into(),
                );
            };
            // Overlapping occurrences count too: `aa` in `aaa` is ambiguous.
            let next = text[first..]
                .char_indices()
                .nth(1)
                .map_or(text.len(), |(i, _)| first + i);
            if text[next..].contains(old.as_str()) {
                let n = (0..text.len())
                    .filter(|i| text.is_char_boundary(*i) && text[*i..].starts_with(old.as_str()))
                    .count();
                return Err(format!(
                    "the `old` text appears {n} times; make it unique so the edit is unambiguous"
                ));
            }
            Ok(format!(
                "{}{new}{}",
                &text[..first],
                &text[first + old.len()..]
            ))
        }
        Edit::Patch(patch) => {
            let patch = diffy::Patch::from_str(patch)
                .map_err(|e| format!("the patch cannot be read: {e}"))?;
            diffy::apply(text, &patch)
                .map_err(|e| format!("the patch does not apply to the current file: {e}"))
        }
    }
}

fn evaluate_action<'p>(
    policy: &PolicySet,
    plan: PlanFacts<'_>,
    proposed: Cow<'p, Action>,
    change: Change,
    file_facts: Facts,
    today: Date,
) -> ActionEval<'p> {
    let action: &Action = &proposed;
    let mut items: Vec<Item> = action::items(&action.kind, file_facts);
    if let ActionKind::Sql(sql) = &action.kind {
        count_rows(&sql.database.absolute, &mut items);
    }
    let mut tier = Tier::READ_ONLY;
    let mut base = Tier::READ_ONLY;
    let mut findings: Vec<Finding> = Vec::new();
    let mut excepted: Vec<Excepted> = Vec::new();
    let mut outcomes = Vec::with_capacity(items.len());
    let several = items.len() > 1;
    for item in &items {
        let subject = Subject {
            plan,
            id: &action.id,
            reason: action.reason.as_deref(),
            kind: &action.kind,
            item,
            exists: file_facts.exists,
        };
        let outcome = policy.apply(subject, today);
        base = base.max(item.base);
        tier = tier.max(outcome.tier);
        let label = if several && !outcome.hits.is_empty() {
            item.label()
        } else {
            None
        };
        for hit in &outcome.hits {
            let rule = &policy.rules[hit.rule];
            if let Some(e) = hit.excepted_by {
                let e = &policy.exceptions[e];
                if !excepted.iter().any(|x| x.rule == rule.id) {
                    excepted.push(Excepted {
                        rule: rule.id.clone(),
                        reason: e.reason.clone(),
                        expires: e.expires,
                        source: e.source.to_string(),
                    });
                }
                continue;
            }
            if findings.iter().any(|f| f.rule == rule.id) {
                continue;
            }
            findings.push(Finding {
                rule: rule.id.clone(),
                level: rule.level,
                effect: rule.effect.name(),
                tier: rule.effect.tier(),
                message: rule.message.clone(),
                remediation: rule.remediation.clone(),
                source: rule.source.to_string(),
                item: if several {
                    label
                        .as_deref()
                        .map(|l| policy.scanner().redact(l).into_owned())
                } else {
                    None
                },
            });
        }
        if !outcome.undecided.is_empty() && !findings.iter().any(|f| f.rule == KNOWN_AFTER_APPLY) {
            let undecided = outcome.undecided.iter().map(|i| &policy.rules[*i]);
            let rules: Vec<&str> = undecided.clone().map(|r| r.id.as_str()).collect();
            findings.push(Finding {
                rule: KNOWN_AFTER_APPLY.into(),
                level: Level::SoftMandatory,
                effect: "tier",
                tier: undecided.map(|r| r.undecided_tier()).max(),
                message: format!(
                    "values these rules read are known only after apply, so they cannot be decided now: {}",
                    rules.join(", ")
                ),
                remediation: Some(
                    "set the values in the configuration, or review them after apply".into(),
                ),
                source: "builtin:terraform".into(),
                item: None,
            });
        }
        outcomes.push((
            outcome.tier,
            outcome
                .classified_by
                .iter()
                .map(|i| policy.rules[*i].id.clone())
                .collect::<Vec<_>>(),
        ));
    }
    scan_secrets(
        policy,
        plan,
        action,
        &items,
        today,
        &mut findings,
        &mut excepted,
    );
    // The items move into the views: a shell command's reading is not copied.
    let views = items
        .into_iter()
        .zip(outcomes)
        .map(|(item, (tier, classified_by))| ItemView {
            label: item.label(),
            tier,
            why: item.why,
            classified_by,
            detail: item.detail,
        })
        .collect();
    let denied = findings.iter().any(Finding::denies);
    let decision = if denied {
        Decision::Deny
    } else if tier.needs_human() {
        Decision::Approve
    } else {
        Decision::Allow
    };
    let redact = |s: &str| policy.scanner().redact(s).into_owned();
    let (id, tool, target) = (
        redact(&action.id),
        redact(action.kind.tool()),
        redact(&action.kind.target()),
    );
    ActionEval {
        proposed,
        id,
        tool,
        target,
        base,
        tier,
        decision,
        items: views,
        findings,
        excepted,
        change,
    }
}

/// Fill in how many rows each UPDATE or DELETE hits in the database as it is now.
fn count_rows(database: &std::path::Path, items: &mut [Item]) {
    let Some(mut conn) = crate::action::rows::open(database) else {
        return;
    };
    for item in items {
        if let ItemDetail::Sql { stmt, rows } = &mut item.detail
            && matches!(stmt.kind.as_str(), "update" | "delete")
        {
            *rows = crate::action::rows::count(&mut conn, &stmt.text);
        }
    }
}

fn scan_secrets(
    policy: &PolicySet,
    plan: PlanFacts<'_>,
    action: &Action,
    items: &[Item],
    today: Date,
    findings: &mut Vec<Finding>,
    excepted: &mut Vec<Excepted>,
) {
    let scanner = policy.scanner();
    let mut seen: Vec<String> = Vec::new();
    for (field, text) in action.kind.texts() {
        for m in scanner.scan(&text) {
            let Some(rule) = policy.secret_rule(&m.kind) else {
                continue;
            };
            let key = format!("{}/{field}", rule.id);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let exception = items.first().and_then(|item| {
                let subject = Subject {
                    plan,
                    id: &action.id,
                    reason: action.reason.as_deref(),
                    kind: &action.kind,
                    item,
                    exists: false,
                };
                policy.exception_for(&rule.id, subject, today)
            });
            if let Some(e) = exception {
                if !excepted.iter().any(|x| x.rule == rule.id) {
                    excepted.push(Excepted {
                        rule: rule.id.clone(),
                        reason: e.reason.clone(),
                        expires: e.expires,
                        source: e.source.to_string(),
                    });
                }
                continue;
            }
            findings.push(Finding {
                rule: rule.id.clone(),
                level: rule.level,
                effect: Effect::Deny.name(),
                tier: None,
                message: format!(
                    "a secret ({}) in `{field}` at line {}, column {}: {}",
                    m.kind, m.line, m.column, rule.why
                ),
                remediation: Some("reference the secret (a vault path or an environment variable) instead of writing its value".into()),
                source: rule.source.to_string(),
                item: None,
            });
        }
    }
}
