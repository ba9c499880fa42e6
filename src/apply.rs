//! Executing an approved evaluation (SPEC section 7): every action in plan order through its
//! executor, the first failure stops it, the plan's `validate` checks run, and on a failure (or a
//! cancel) what was reversible is undone in reverse order. SQL transactions commit only once the
//! checks pass. Deciding whether it may run (seal, approvals, containment) is the caller's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use crate::evaluate::{ActionEval, Evaluation};
use crate::execute::file::{self, Snapshot};
use crate::execute::http;
use crate::execute::shell::{self, ShellSpec};
use crate::execute::sql::{SqlOutcome, SqlSessions};
use crate::plan::{ActionKind, ShellCommand};
use crate::secrets::Scanner;
use crate::workspace::Workspace;

/// What became of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Executed, and it stays.
    Applied,
    /// Executed, then undone.
    RolledBack,
    /// Executed; undoing it failed or is impossible (listed as irreversible).
    Irreversible,
    /// Executing it failed (what it did, if anything, was undone where possible).
    Failed,
    /// Not executed: an earlier action or a check failed, or the apply was cancelled.
    NotRun,
    /// A `file.read`: nothing to execute.
    Read,
    /// A `call`: approved and recorded; the agent's runtime executes it.
    Call,
    /// A `call` held back because the apply failed: the runtime must not execute it.
    Withheld,
}

/// One action's execution.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRun {
    pub id: String,
    pub tool: String,
    pub target: String,
    pub tier: u8,
    pub status: Status,
    /// Whether agentgate can undo it (file snapshot, open SQL transaction, a rollback command).
    pub reversible: bool,
    pub duration_ms: u64,
    /// What the executor reported: output (bounded, redacted), rows changed, HTTP status.
    pub output: Value,
    pub error: Option<String>,
    /// For file actions: enough to undo it later (`agentgate rollback RUN_ID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
    /// For `call`: what the runtime is to execute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<Value>,
    /// Why undoing it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_error: Option<String>,
}

/// One post-action check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRun {
    pub id: String,
    pub command: String,
    pub passed: bool,
    pub duration_ms: u64,
    pub output: Value,
    pub error: Option<String>,
}

/// How an apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every action executed, every check passed, every transaction committed.
    Applied,
    /// An action, a check or a commit failed; what was reversible was rolled back.
    Failed,
    /// Interrupted (Ctrl-C) after an action; what was reversible was rolled back.
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// Everything an apply did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub outcome: Outcome,
    /// Why it failed, in one line.
    pub failure: Option<String>,
    pub actions: Vec<ActionRun>,
    pub checks: Vec<CheckRun>,
    pub rolled_back: Vec<String>,
    pub irreversible: Vec<String>,
    pub duration_ms: u64,
}

impl Report {
    pub fn applied(&self) -> usize {
        self.actions
            .iter()
            .filter(|a| matches!(a.status, Status::Applied | Status::Call))
            .count()
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Progress, for the display.
pub enum Event<'a> {
    /// Action `index` (0-based) of `total` starts.
    Start {
        index: usize,
        total: usize,
        action: &'a ActionEval<'a>,
    },
    /// It finished.
    Done { index: usize, run: &'a ActionRun },
    /// A check finished.
    Check { run: &'a CheckRun },
    /// Rolling back starts.
    RollingBack { why: &'a str },
}

/// Whether agentgate can undo an action of this kind (before its SQL transaction commits).
pub fn reversible(kind: &ActionKind) -> bool {
    match kind {
        ActionKind::FileWrite { .. }
        | ActionKind::FileEdit { .. }
        | ActionKind::FileDelete { .. }
        | ActionKind::Sql(_)
        | ActionKind::FileRead { .. } => true,
        ActionKind::Shell(shell) => shell.rollback.is_some(),
        _ => false,
    }
}

/// Execute `eval`'s actions and checks in `workspace`. `cancel` is polled between actions:
/// once set, nothing more starts and what ran is rolled back.
pub fn run(
    eval: &Evaluation<'_>,
    workspace: &Workspace,
    scanner: &Scanner,
    cancel: &AtomicBool,
    observe: &mut dyn FnMut(Event<'_>),
) -> Report {
    let started = Instant::now();
    // One flush at the end instead of an fsync per file: see `execute::file::sync`.
    let deferred = workspace.deferring_sync();
    let workspace = &deferred;
    let mut sessions = SqlSessions::default();
    let mut runs: Vec<ActionRun> = eval.actions.iter().map(not_run).collect();
    let mut checks: Vec<CheckRun> = Vec::new();
    let mut failure: Option<String> = None;
    let mut cancelled = false;
    let total = eval.actions.len();
    for (index, action) in eval.actions.iter().enumerate() {
        if cancel.load(Ordering::SeqCst) {
            cancelled = true;
            break;
        }
        observe(Event::Start {
            index,
            total,
            action,
        });
        let run = execute(action, workspace, scanner, &mut sessions);
        runs[index] = run;
        observe(Event::Done {
            index,
            run: &runs[index],
        });
        if runs[index].status == Status::Failed {
            failure = Some(format!(
                "action `{}` failed: {}",
                runs[index].id,
                runs[index].error.as_deref().unwrap_or("unknown error")
            ));
            break;
        }
    }
    if failure.is_none() && !cancelled {
        for (i, check) in eval.plan.validate.iter().enumerate() {
            if cancel.load(Ordering::SeqCst) {
                cancelled = true;
                break;
            }
            let spec = ShellSpec::from_check(check, workspace);
            let run = run_check(format!("validate-{}", i + 1), &spec, scanner);
            observe(Event::Check { run: &run });
            let passed = run.passed;
            checks.push(run);
            if !passed {
                let last = checks.last();
                failure = Some(format!(
                    "post-action check `{}` failed: {}",
                    last.map(|c| c.command.as_str()).unwrap_or_default(),
                    last.and_then(|c| c.error.clone()).unwrap_or_default()
                ));
                break;
            }
        }
    }
    if failure.is_none()
        && !cancelled
        && let Err(e) = file::sync(workspace)
    {
        failure = Some(format!("flushing the written files to disk failed: {e}"));
    }
    if failure.is_none() && !cancelled {
        match sessions.commit_all() {
            Ok(()) => {
                return finish(Outcome::Applied, None, runs, checks, started);
            }
            Err(e) => {
                let why = scanner
                    .redact(&format!("committing the SQL transaction failed: {e}"))
                    .into_owned();
                // The databases committed before the failure stay committed; the rest rolled back.
                let committed = match &e {
                    crate::execute::sql::SqlError::Commit { committed, .. } => Some(committed),
                    _ => None,
                };
                for (run, action) in runs.iter_mut().zip(&eval.actions) {
                    if let ActionKind::Sql(sql) = &action.proposed.kind
                        && run.status == Status::Applied
                    {
                        let kept = committed.is_none_or(|c| c.contains(&sql.database.relative));
                        run.status = if kept {
                            Status::Irreversible
                        } else {
                            Status::RolledBack
                        };
                        if kept {
                            run.rollback_error = Some(why.clone());
                        }
                    }
                }
                observe(Event::RollingBack { why: &why });
                undo(&mut runs, &eval.actions, workspace, scanner, None);
                let _ = file::sync(workspace);
                return finish(Outcome::Failed, Some(why), runs, checks, started);
            }
        }
    }
    let why = failure
        .clone()
        .unwrap_or_else(|| "cancelled (interrupt)".to_string());
    observe(Event::RollingBack { why: &why });
    undo(&mut runs, &eval.actions, workspace, scanner, Some(sessions));
    // The restored files are flushed too; a failure here leaves them restored but not yet on disk.
    let _ = file::sync(workspace);
    let outcome = if cancelled {
        Outcome::Cancelled
    } else {
        Outcome::Failed
    };
    finish(outcome, Some(why), runs, checks, started)
}

fn finish(
    outcome: Outcome,
    failure: Option<String>,
    mut actions: Vec<ActionRun>,
    checks: Vec<CheckRun>,
    started: Instant,
) -> Report {
    if outcome != Outcome::Applied {
        for a in &mut actions {
            if a.status == Status::Call {
                a.status = Status::Withheld;
            }
        }
    }
    let pick = |status: Status| {
        actions
            .iter()
            .filter(|a| a.status == status)
            .map(|a| a.id.clone())
            .collect::<Vec<_>>()
    };
    let rolled_back = pick(Status::RolledBack);
    let mut irreversible = pick(Status::Irreversible);
    if outcome == Outcome::Applied {
        irreversible.clear();
    }
    Report {
        outcome,
        failure,
        rolled_back,
        irreversible,
        actions,
        checks,
        duration_ms: millis(started.elapsed()),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn not_run(action: &ActionEval<'_>) -> ActionRun {
    ActionRun {
        id: action.id.clone(),
        tool: action.tool.clone(),
        target: action.target.clone(),
        tier: action.tier.value(),
        status: Status::NotRun,
        reversible: reversible(&action.proposed.kind),
        duration_ms: 0,
        output: Value::Null,
        error: None,
        snapshot: None,
        call: None,
        rollback_error: None,
    }
}

fn execute(
    action: &ActionEval<'_>,
    ws: &Workspace,
    scanner: &Scanner,
    sessions: &mut SqlSessions,
) -> ActionRun {
    let started = Instant::now();
    let mut run = not_run(action);
    let redact = |s: String| scanner.redact(&s).into_owned();
    let result: Result<(), String> = match &action.proposed.kind {
        ActionKind::FileRead { .. } => {
            run.status = Status::Read;
            Ok(())
        }
        ActionKind::FileWrite { path, content } => file_result(
            &mut run,
            file::write(ws, &path.relative, content.as_bytes()),
        ),
        ActionKind::FileEdit { path, edit } => {
            file_result(&mut run, file::edit(ws, &path.relative, edit))
        }
        ActionKind::FileDelete { path } => file_result(&mut run, file::delete(ws, &path.relative)),
        ActionKind::Shell(shell_action) => match ShellSpec::from_action(shell_action, ws) {
            Err(e) => Err(e.to_string()),
            Ok(spec) => match shell::run(&spec, scanner) {
                Err(e) => Err(e.to_string()),
                Ok(outcome) => {
                    run.output = shell_json(&outcome);
                    if outcome.succeeded() {
                        Ok(())
                    } else {
                        Err(shell_failure(&outcome))
                    }
                }
            },
        },
        ActionKind::Sql(sql) => {
            match sessions.execute(ws, &sql.database.relative, &sql.statement, scanner) {
                Ok(outcome) => {
                    run.output = sql_json(&outcome);
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            }
        }
        ActionKind::Http(request) => match http::request(request, scanner) {
            Err(e) => Err(e.to_string()),
            Ok(outcome) => {
                let ok = outcome.succeeded();
                let status = outcome.status;
                run.output = serde_json::to_value(&outcome).unwrap_or(Value::Null);
                if ok {
                    Ok(())
                } else {
                    Err(format!("the server answered HTTP {status}"))
                }
            }
        },
        ActionKind::Unknown { tool, .. } => {
            Err(format!("agentgate has no executor for tool `{tool}`"))
        }
        ActionKind::Terraform(_) => {
            Err("agentgate does not run Terraform: `terraform apply` applies a checked plan".into())
        }
        ActionKind::Call { name, args } => {
            run.status = Status::Call;
            run.call = Some(json!({"id": action.id, "name": name, "args": args}));
            Ok(())
        }
    };
    run.duration_ms = millis(started.elapsed());
    match result {
        Ok(()) => {
            if run.status == Status::NotRun {
                run.status = Status::Applied;
            }
        }
        Err(e) => {
            run.status = Status::Failed;
            run.error = Some(redact(e));
        }
    }
    run
}

fn file_result(
    run: &mut ActionRun,
    result: Result<Snapshot, file::ExecError>,
) -> Result<(), String> {
    match result {
        Ok(snapshot) => {
            run.output = json!({"before": snapshot.before.as_ref().map(|b| &b.sha256), "after": snapshot.after_sha256});
            run.snapshot = Some(snapshot);
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

fn shell_json(o: &shell::Outcome) -> Value {
    json!({
        "exit_code": o.exit_code,
        "signal": o.signal,
        "timed_out": o.timed_out,
        "stdout": o.stdout,
        "stderr": o.stderr,
        "stdout_dropped": o.stdout_dropped,
        "stderr_dropped": o.stderr_dropped,
    })
}

fn shell_failure(o: &shell::Outcome) -> String {
    let how = if o.timed_out {
        "timed out and was killed".to_string()
    } else if let Some(code) = o.exit_code {
        format!("exited with {code}")
    } else {
        format!("ended by signal {}", o.signal.unwrap_or_default())
    };
    let last = o
        .stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .or_else(|| o.stdout.lines().rev().find(|l| !l.trim().is_empty()));
    match last {
        Some(line) => format!("{how}: {}", line.trim()),
        None => how,
    }
}

fn sql_json(o: &SqlOutcome) -> Value {
    json!({
        "database": o.database,
        "statements": o.statements,
        "rows_changed": o.rows_changed,
        "results": o.results.iter().map(|r| json!({
            "statement": r.statement, "columns": r.columns, "rows": r.rows, "truncated": r.truncated,
        })).collect::<Vec<_>>(),
    })
}

fn run_check(id: String, spec: &ShellSpec, scanner: &Scanner) -> CheckRun {
    let started = Instant::now();
    let (passed, output, error) = match shell::run(spec, scanner) {
        Ok(o) => {
            let ok = o.succeeded();
            let error = (!ok).then(|| shell_failure(&o));
            (ok, shell_json(&o), error)
        }
        Err(e) => (false, Value::Null, Some(e.to_string())),
    };
    CheckRun {
        id,
        command: scanner.redact(&spec.command.display()).into_owned(),
        passed,
        duration_ms: millis(started.elapsed()),
        output,
        error,
    }
}

/// Undo, in reverse order, every action that ran. A failed action changed nothing but inside
/// its SQL transaction (file writes are atomic; a failed command's partial effects are not
/// guessed at, so its rollback command does not run). `sessions` is `None` when the
/// transactions are already gone (a failed commit).
fn undo(
    runs: &mut [ActionRun],
    actions: &[ActionEval<'_>],
    ws: &Workspace,
    scanner: &Scanner,
    mut sessions: Option<SqlSessions>,
) {
    for i in (0..runs.len()).rev() {
        let status = runs[i].status;
        let is_sql = matches!(actions[i].proposed.kind, ActionKind::Sql(_));
        if !(status == Status::Applied || (status == Status::Failed && is_sql)) {
            continue;
        }
        let result: Option<Result<(), String>> = match &actions[i].proposed.kind {
            ActionKind::FileWrite { .. }
            | ActionKind::FileEdit { .. }
            | ActionKind::FileDelete { .. } => runs[i]
                .snapshot
                .as_ref()
                .map(|s| file::restore(ws, s).map_err(|e| e.to_string())),
            ActionKind::Sql(_) => {
                let Some(open) = sessions.take() else {
                    continue;
                };
                // One rollback undoes every SQL action of the apply.
                let r = open.rollback_all().map_err(|e| e.to_string());
                for (other, action) in runs.iter_mut().zip(actions).take(i) {
                    if matches!(action.proposed.kind, ActionKind::Sql(_))
                        && other.status == Status::Applied
                    {
                        other.status = if r.is_ok() {
                            Status::RolledBack
                        } else {
                            Status::Irreversible
                        };
                    }
                }
                Some(r)
            }
            ActionKind::Shell(shell) if shell.rollback.is_some() => {
                Some(run_rollback_command(shell, ws, scanner))
            }
            _ => None,
        };
        let run = &mut runs[i];
        match result {
            Some(Ok(())) if status == Status::Applied => run.status = Status::RolledBack,
            Some(Ok(())) => {}
            Some(Err(e)) => {
                run.rollback_error = Some(scanner.redact(&e).into_owned());
                if status == Status::Applied {
                    run.status = Status::Irreversible;
                }
            }
            None => run.status = Status::Irreversible,
        }
    }
}

/// Run `command` (a shell action's `rollback`) with the action's directory and environment.
pub fn run_rollback_command(
    shell_action: &crate::plan::ShellAction,
    ws: &Workspace,
    scanner: &Scanner,
) -> Result<(), String> {
    let Some(command) = &shell_action.rollback else {
        return Err("no rollback command".into());
    };
    let mut spec = ShellSpec::from_action(shell_action, ws).map_err(|e| e.to_string())?;
    spec.command = ShellCommand::Script(command.clone());
    let outcome = shell::run(&spec, scanner).map_err(|e| e.to_string())?;
    if outcome.succeeded() {
        Ok(())
    } else {
        Err(format!("rollback command {}", shell_failure(&outcome)))
    }
}

/// What a person must do before an action runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// Nothing: tiers 0–1, and tier 2 with rollback armed.
    Nothing,
    /// A person approves (tier 3, or tier 2 that cannot be undone).
    Approval,
    /// A person approves and types the target (tier 4).
    TypedTarget,
}

/// The approval an evaluated action needs before it may run.
pub fn need(action: &ActionEval<'_>) -> Need {
    use crate::decision::{Decision, Tier};
    if action.tier >= Tier::DESTRUCTIVE {
        Need::TypedTarget
    } else if action.decision == Decision::Approve
        || action.tier.needs_human()
        || (action.tier == Tier::MEDIUM && !reversible(&action.proposed.kind))
    {
        Need::Approval
    } else {
        Need::Nothing
    }
}

/// An override of a soft-mandatory rule, as applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overridden {
    pub rule: String,
    /// The actions (and checks) whose denial it lifted.
    pub actions: Vec<String>,
}

/// Lift the denials of the soft-mandatory `rules` (`--override`) and decide every action again.
/// A rule that is hard-mandatory is refused; one that denies nothing in this plan is an error
/// (a typo must not look like an override that worked).
pub fn override_rules(
    eval: &mut Evaluation<'_>,
    rules: &[String],
) -> Result<Vec<Overridden>, crate::error::Error> {
    use crate::decision::{Decision, Level};
    use crate::error::Error;
    let mut out = Vec::new();
    for rule in rules {
        let denying: Vec<&crate::evaluate::Finding> = eval
            .all()
            .flat_map(|a| &a.findings)
            .filter(|f| &f.rule == rule && f.denies())
            .collect();
        if denying.iter().any(|f| f.level == Level::HardMandatory) {
            return Err(Error::Refused(format!(
                "rule `{rule}` is hard-mandatory: it cannot be overridden"
            )));
        }
        if denying.is_empty() {
            return Err(Error::Usage(format!(
                "--override {rule}: no soft-mandatory finding of that rule denies an action of \
                 this plan"
            )));
        }
        out.push(Overridden {
            rule: rule.clone(),
            actions: Vec::new(),
        });
    }
    let lifted = |f: &crate::evaluate::Finding| {
        f.level == Level::SoftMandatory && rules.iter().any(|r| r == &f.rule)
    };
    for action in eval.actions.iter_mut().chain(eval.checks.iter_mut()) {
        for o in &mut out {
            if action
                .findings
                .iter()
                .any(|f| f.rule == o.rule && f.denies())
            {
                o.actions.push(action.id.clone());
            }
        }
        let denied = action.findings.iter().any(|f| f.denies() && !lifted(f));
        action.decision = if denied {
            Decision::Deny
        } else if action.tier.needs_human() {
            Decision::Approve
        } else {
            Decision::Allow
        };
    }
    eval.decision = eval.all().map(|a| a.decision).max().unwrap_or_default();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Tier;
    use crate::evaluate::evaluate;
    use crate::plan::Plan;
    use crate::policy::PolicySet;

    const PLAN: &str = "version: 1\nagent: bot\nactions:
  - id: a
    tool: file.write
    path: a.txt
    content: \"a\\n\"
  - id: b
    tool: file.write
    path: b.txt
    content: \"b\\n\"
  - id: post
    tool: http.request
    method: POST
    url: \"http://127.0.0.1:9/x\"
";

    fn setup() -> (tempfile::TempDir, Workspace, Plan, PolicySet) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "old\n").unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let plan = Plan::parse(PLAN, "plan.yaml", &|p| ws.resolve(p)).unwrap();
        (dir, ws, plan, PolicySet::embedded().unwrap())
    }

    #[test]
    fn a_cancel_after_an_action_stops_there_and_rolls_it_back() {
        let (dir, ws, plan, policy) = setup();
        let eval = evaluate(&plan, &policy, &ws, jiff::civil::date(2026, 11, 21)).unwrap();
        let cancel = AtomicBool::new(false);
        let mut started = Vec::new();
        let report = run(&eval, &ws, policy.scanner(), &cancel, &mut |e| match e {
            Event::Start { index, .. } => started.push(index),
            // Ctrl-C arrives while the first action runs.
            Event::Done { index: 0, .. } => cancel.store(true, Ordering::SeqCst),
            _ => {}
        });
        assert_eq!(started, [0]);
        assert_eq!(report.outcome, Outcome::Cancelled);
        assert_eq!(report.rolled_back, ["a"]);
        assert_eq!(report.actions[1].status, Status::NotRun);
        assert!(!dir.path().join("a.txt").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b.txt")).unwrap(),
            "old\n"
        );
    }

    #[test]
    fn a_failed_request_is_the_first_failure_and_earlier_files_are_restored() {
        let (dir, ws, plan, policy) = setup();
        let eval = evaluate(&plan, &policy, &ws, jiff::civil::date(2026, 11, 21)).unwrap();
        let report = run(
            &eval,
            &ws,
            policy.scanner(),
            &AtomicBool::new(false),
            &mut |_| {},
        );
        assert_eq!(report.outcome, Outcome::Failed);
        assert!(
            report
                .failure
                .as_deref()
                .unwrap()
                .starts_with("action `post` failed")
        );
        assert_eq!(report.rolled_back, ["a", "b"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b.txt")).unwrap(),
            "old\n"
        );
        assert!(!dir.path().join("a.txt").exists());
    }

    #[test]
    fn a_failing_check_is_reported_without_the_secret_it_carries() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
        let text = format!(
            "version: 1\nagent: bot\nactions: []\nvalidate:\n  - command: \"test -z {token}\"\n"
        );
        let plan = Plan::parse(&text, "plan.yaml", &|p| ws.resolve(p)).unwrap();
        let policy = PolicySet::embedded().unwrap();
        let eval = evaluate(&plan, &policy, &ws, jiff::civil::date(2026, 11, 21)).unwrap();
        let report = run(
            &eval,
            &ws,
            policy.scanner(),
            &AtomicBool::new(false),
            &mut |_| {},
        );
        assert_eq!(report.outcome, Outcome::Failed);
        let all = report.to_json().to_string();
        assert!(all.contains("post-action check"), "{all}");
        assert!(!all.contains(token), "{all}");
    }

    #[test]
    fn tier_2_needs_a_person_only_when_it_cannot_be_undone() {
        let (_dir, ws, plan, policy) = setup();
        let eval = evaluate(&plan, &policy, &ws, jiff::civil::date(2026, 11, 21)).unwrap();
        let needs: Vec<(Tier, Need)> = eval.actions.iter().map(|a| (a.tier, need(a))).collect();
        assert_eq!(
            needs,
            [
                (Tier::LOW, Need::Nothing),
                (Tier::MEDIUM, Need::Nothing),
                (Tier::MEDIUM, Need::Approval)
            ]
        );
    }
}
