//! `agentgate apply`: check a sealed plan (or evaluate a plain one), get the approvals its tiers
//! demand, claim it in the trail, execute, validate, roll back on failure, record the outcome.
//! `agentgate approve` records an approval of a sealed plan; `agentgate rollback` undoes a
//! completed apply's file changes later.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::{Value, json};

use super::plan::record_failure;
use super::{DbArgs, Format, GateArgs, actor, load_policy, read_bounded, today, workspace_for};
use crate::apply::{self, Event, Need, Overridden, Report, Status};
use crate::audit::record::gate_record;
use crate::audit::store::{SealRecord, Writer};
use crate::audit::{NewRecord, Store};
use crate::containment::{guard, record_trip};
use crate::decision::{Decision, Tier};
use crate::error::{Error, ExitCode};
use crate::evaluate::{ActionEval, Evaluation, evaluate};
use crate::plan::{MAX_PLAN_BYTES, Plan};
use crate::policy::PolicySet;
use crate::render::{self, Styles, printable};
use crate::seal::{Key, MAX_SEALED_BYTES, Sealed};
use crate::secrets::Scanner;
use crate::workspace::Workspace;

/// How often a running apply looks for the kill switch or a quarantine set since it started.
const CONTAINMENT_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Plans with at least this many actions get a progress bar on a terminal.
const PROGRESS_BAR_FROM: usize = 10;

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// A sealed plan written by `plan -o`, or a plan file (evaluated and applied in one step).
    #[arg(value_name = "PLAN_OR_SEALED")]
    pub plan: String,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Never prompt (also implied by CI being set, or by standard input not being a terminal).
    #[arg(long)]
    pub non_interactive: bool,
    /// Approve what needs a person without asking: never past a deny, and tier 4 only when the
    /// policy's `auto_approve.max_tier` is 4.
    #[arg(long)]
    pub auto_approve: bool,
    /// Lift the denial of a soft-mandatory rule (repeatable; needs --reason). Recorded.
    #[arg(long = "override", value_name = "RULE")]
    pub overrides: Vec<String>,
    /// Why the overrides are justified (recorded).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Check everything and show what would run; execute and record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The claimed outcomes of a seal: an apply that got this far executed (or may have).
const CLAIMED: [&str; 4] = ["started", "applied", "failed", "cancelled"];

/// How the approvals were given.
#[derive(Debug, Clone)]
struct Approval {
    how: &'static str,
    by: String,
    reason: String,
    waited_ms: u64,
    record: Option<i64>,
}

/// What the apply decided before executing, for the output.
struct Gate {
    approvals: Vec<Approval>,
    overrides: Vec<Overridden>,
    needs: Vec<(String, Tier, Need)>,
    /// The targets as evaluated: checked again when the apply is claimed, after any prompt.
    fingerprints: Vec<crate::seal::Fingerprint>,
}

pub fn run(args: ApplyArgs, styles: Styles) -> Result<ExitCode, Error> {
    let format = args.format;
    match apply(&args, styles) {
        Ok(code) => Ok(code),
        Err(error) if format == Format::Json => {
            println!("{}", render::error_json(&error));
            Err(error)
        }
        Err(error) => Err(error),
    }
}

fn interactive(args: &ApplyArgs) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    !args.non_interactive && !ci && std::io::stdin().is_terminal()
}

fn apply(args: &ApplyArgs, styles: Styles) -> Result<ExitCode, Error> {
    if !args.overrides.is_empty() && args.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::Usage(
            "--override needs --reason TEXT: an override without a reason is not recorded".into(),
        ));
    }
    let mut store = args.gate.db.open()?;
    let text = read_bounded(&args.plan, MAX_SEALED_BYTES)?;
    let fail = |store: &mut Store, e: Error, scanner: &Scanner| {
        record_failure(store, "apply", &args.plan, e, scanner)
    };
    // Sealed or plain; either way the plan's text, its origin and its workspace.
    let (sealed, ws) = if Sealed::claims(&text) {
        let opened = Key::load(&Key::path_for(&args.gate.db.path()))
            .and_then(|key| Sealed::open(&text, &args.plan, &key))
            .and_then(|sealed| {
                let ws = sealed_workspace(&sealed, args.gate.workspace.as_deref())?;
                Ok((sealed, ws))
            });
        match opened {
            Ok((sealed, ws)) => (Some(sealed), ws),
            Err(e) => return Err(fail(&mut store, e, Scanner::builtin())),
        }
    } else {
        if text.len() > MAX_PLAN_BYTES {
            let e = Error::Input(crate::error::Diagnostic::new(
                &args.plan,
                format!("plan is larger than the limit of {MAX_PLAN_BYTES} bytes"),
            ));
            return Err(fail(&mut store, e, Scanner::builtin()));
        }
        match workspace_for(&args.plan, args.gate.workspace.as_deref()) {
            Ok(ws) => (None, ws),
            Err(e) => return Err(fail(&mut store, e, Scanner::builtin())),
        }
    };
    let policy =
        load_policy(&args.gate.policy).map_err(|e| fail(&mut store, e, Scanner::builtin()))?;
    let scanner = policy.scanner();
    let (plan_text, origin) = match &sealed {
        Some(s) => (s.plan.text.as_str(), s.plan.file.clone()),
        None => (text.as_str(), args.plan.clone()),
    };
    let plan = Plan::parse(plan_text, &origin, &|p| ws.resolve(p))
        .and_then(refuse_terraform)
        .map_err(|e| fail(&mut store, e, scanner))?;
    let mut eval =
        evaluate(&plan, &policy, &ws, today()).map_err(|e| fail(&mut store, e, scanner))?;
    // The seal's records (claims, approvals), read once for the checks before the claim.
    let records = match &sealed {
        Some(s) => store
            .seal_records(&s.id)
            .map_err(|e| fail(&mut store, e, scanner))?,
        None => Vec::new(),
    };
    let prepared = prepare(args, &records, &mut eval, sealed.as_ref(), &ws);
    let overrides = match prepared {
        Ok(o) => o,
        Err(e) => return Err(fail(&mut store, e, scanner)),
    };
    let mut needs: Vec<(String, Tier, Need)> = eval
        .all()
        .map(|a| (a.id.clone(), a.tier, apply::need(a)))
        .filter(|(_, _, n)| *n != Need::Nothing)
        .collect();
    // An override is a person's decision: never the agent's, and in CI it needs an approval too.
    if !overrides.is_empty() {
        let me = actor();
        if is_agent(&me, &eval.plan.agent) {
            let e = Error::Refused(format!(
                "`{me}` is the plan's agent and cannot override its own denials"
            ));
            return Err(fail(&mut store, e, scanner));
        }
        for a in eval.all() {
            if overrides.iter().any(|o| o.actions.contains(&a.id))
                && !needs.iter().any(|(id, _, _)| id == &a.id)
            {
                needs.push((a.id.clone(), a.tier, Need::Approval));
            }
        }
    }
    let mut gate = Gate {
        approvals: Vec::new(),
        overrides,
        needs,
        fingerprints: crate::seal::fingerprints(&eval, &ws),
    };
    let out_review = |eval: &Evaluation<'_>| {
        let review = render::plan_text(eval, styles);
        if args.format == Format::Text {
            print!("{review}");
        } else if interactive(args) {
            eprint!("{review}");
        }
    };
    if args.dry_run {
        if let Some(c) = store.containment(Some(&eval.plan.agent))? {
            let what = if c.kind == "stop" {
                "the kill switch is on"
            } else {
                "the agent is quarantined"
            };
            return Err(Error::Refused(format!(
                "{what} (record {}, by {}): apply would be denied",
                c.record, c.actor
            )));
        }
        return Ok(dry_run(
            args,
            &records,
            &eval,
            sealed.as_ref(),
            &gate,
            styles,
        ));
    }
    if eval.decision == Decision::Deny {
        out_review(&eval);
        return refuse_denied(args, &mut store, &mut eval, sealed.as_ref(), &gate);
    }
    // Approvals: recorded, automatic, or asked for; without one, wait (exit 2).
    if !gate.needs.is_empty() {
        let asked = approvals(args, &records, &eval, &gate, &out_review);
        match asked.map_err(|e| fail(&mut store, e, scanner))? {
            Asked::Given(list) => gate.approvals = list,
            Asked::Refused(approval) => {
                return refuse_at_prompt(args, &mut store, &eval, sealed.as_ref(), approval);
            }
            Asked::Missing(why) => {
                return wait_for_approval(args, &mut store, &eval, sealed.as_ref(), &gate, &why);
            }
        }
    } else if args.format == Format::Text {
        out_review(&eval);
    }
    // Claim: containment, replay and the approvals, in the transaction that records the start.
    let claimed = store.write(scanner, |w| {
        claim(w, &policy, &mut eval, sealed.as_ref(), &gate, &ws, args)
    });
    let run = match claimed {
        Ok(Claim::Started(run)) => run,
        Ok(Claim::Contained) => {
            if args.format == Format::Json {
                print!("{}", render::plan_json_text(&eval));
            } else {
                println!(
                    "\nApply refused: {}. Nothing was executed.",
                    eval.contained.as_deref().unwrap_or("denied")
                );
            }
            return Ok(ExitCode::Denied);
        }
        Err(e) => return Err(fail(&mut store, e, scanner)),
    };
    // Execute.
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let flag = Arc::clone(&cancel);
        // Only one handler per process; a second apply in the same process keeps the first.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
    let report = execute(args, &store, &eval, &ws, scanner, &cancel);
    let recorded = store.write(scanner, |w| {
        record_outcome(w, &eval, sealed.as_ref(), &ws, run, &report)
    });
    let code = match report.outcome {
        apply::Outcome::Applied => ExitCode::Allowed,
        _ => ExitCode::ExecutionFailed,
    };
    match args.format {
        Format::Text => print!("{}", summary_text(&report, run, code, scanner, styles)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&outcome_json(
                &eval,
                sealed.as_ref(),
                &gate,
                run,
                &report,
                code
            ))
            .unwrap_or_default()
        ),
    }
    if let Err(e) = recorded {
        eprintln!(
            "agentgate: error: the outcome could not be recorded: {}",
            e.redacted()
        );
        return Ok(ExitCode::ExecutionFailed);
    }
    Ok(code)
}

/// The workspace a sealed plan was made for: `--workspace`, if given, must be the same folder.
fn sealed_workspace(sealed: &Sealed, explicit: Option<&Path>) -> Result<Workspace, Error> {
    let ws = Workspace::open(Path::new(&sealed.workspace)).map_err(|e| {
        Error::Refused(format!(
            "the sealed plan's workspace {} cannot be opened: {e}",
            sealed.workspace
        ))
    })?;
    if ws.root() != Path::new(&sealed.workspace) {
        return Err(Error::Refused(format!(
            "the sealed plan's workspace {} now leads to {} (moved or replaced by a symlink): \
             refused",
            sealed.workspace,
            ws.root().display()
        )));
    }
    if let Some(dir) = explicit {
        let given = Workspace::open(dir).map_err(Error::Usage)?;
        if given.root() != ws.root() {
            return Err(Error::Usage(format!(
                "--workspace {} differs from the sealed plan's workspace {}",
                dir.display(),
                sealed.workspace
            )));
        }
    }
    Ok(ws)
}

/// Checks that need no write: staleness, replay, overrides.
fn prepare(
    args: &ApplyArgs,
    records: &[SealRecord],
    eval: &mut Evaluation<'_>,
    sealed: Option<&Sealed>,
    ws: &Workspace,
) -> Result<Vec<Overridden>, Error> {
    if let Some(s) = sealed {
        if let Some(claim) = claimed(records) {
            return Err(replayed(s, claim));
        }
        if let Some(why) = s.staleness(eval, ws) {
            return Err(Error::Refused(format!(
                "the sealed plan {} is stale: {why}; nothing was executed. Review it again with \
                 `agentgate plan -o`",
                s.short_id()
            )));
        }
    }
    apply::override_rules(eval, &args.overrides)
}

fn claimed(records: &[SealRecord]) -> Option<&SealRecord> {
    records
        .iter()
        .find(|r| r.kind == "apply" && r.outcome.as_deref().is_some_and(|o| CLAIMED.contains(&o)))
}

fn replayed(s: &Sealed, claim: &SealRecord) -> Error {
    Error::Refused(format!(
        "the sealed plan {} was already applied (run {}, record {}, {} by {}): a sealed plan \
         runs once; nothing was executed",
        s.short_id(),
        claim.run,
        claim.id,
        crate::containment::format_time(claim.time),
        claim.actor
    ))
}

enum Asked {
    Given(Vec<Approval>),
    Refused(Approval),
    Missing(String),
}

/// Whether `name` is the plan's agent (separation of duties).
fn is_agent(name: &str, agent: &str) -> bool {
    name.trim().eq_ignore_ascii_case(agent.trim())
}

/// The approvals available without asking anyone: approvals recorded for the seal by someone
/// other than the agent, else `--auto-approve` within the policy's limit. `Err` says why there
/// are none.
fn without_prompt(
    args: &ApplyArgs,
    records: &[SealRecord],
    eval: &Evaluation<'_>,
    gate: &Gate,
) -> Result<Vec<Approval>, String> {
    let recorded: Vec<Approval> = records
        .iter()
        .filter(|r| r.kind == "approval" && r.outcome.as_deref() == Some("approved"))
        .filter(|r| !is_agent(&r.actor, &eval.plan.agent))
        .map(|r| Approval {
            how: "recorded",
            by: r.actor.clone(),
            reason: r.body["reason"].as_str().unwrap_or_default().to_string(),
            waited_ms: r.body["waited_ms"].as_u64().unwrap_or_default(),
            record: Some(r.id),
        })
        .collect();
    if !recorded.is_empty() {
        return Ok(recorded);
    }
    let top = gate
        .needs
        .iter()
        .map(|(_, t, _)| *t)
        .max()
        .unwrap_or_default();
    let max = eval.policy.auto_approve_max_tier;
    if args.auto_approve && top <= max {
        return Ok(vec![Approval {
            how: "auto-approve",
            by: actor(),
            reason: "--auto-approve".into(),
            waited_ms: 0,
            record: None,
        }]);
    }
    Err(if args.auto_approve {
        format!(
            "--auto-approve stops at tier {max} (the policy's auto_approve.max_tier) and this plan \
             has tier {top}"
        )
    } else {
        "no terminal to ask on (or --non-interactive, or CI is set) and no recorded approval"
            .to_string()
    })
}

fn approvals(
    args: &ApplyArgs,
    records: &[SealRecord],
    eval: &Evaluation<'_>,
    gate: &Gate,
    review: &dyn Fn(&Evaluation<'_>),
) -> Result<Asked, Error> {
    let agent = &eval.plan.agent;
    let why = match without_prompt(args, records, eval, gate) {
        Ok(given) => {
            review(eval);
            return Ok(Asked::Given(given));
        }
        Err(why) => why,
    };
    if !interactive(args) {
        review(eval);
        return Ok(Asked::Missing(why));
    }
    let me = actor();
    if is_agent(&me, agent) {
        return Err(Error::Refused(format!(
            "`{me}` is the plan's agent and cannot approve its own plan (separation of duties)"
        )));
    }
    review(eval);
    let started = Instant::now();
    let listed: Vec<String> = gate
        .needs
        .iter()
        .map(|(id, tier, _)| format!("{} (tier {tier})", printable(id)))
        .collect();
    eprintln!("\nActions that need your approval: {}", listed.join(", "));
    eprintln!("Do you want to perform these actions?");
    eprintln!("  agentgate will perform the actions described above.");
    eprintln!("  Only 'yes' will be accepted to approve.\n");
    let answer = prompt("  Enter a value: ")?;
    let refused = |reason: String| Approval {
        how: "prompt",
        by: me.clone(),
        reason,
        waited_ms: millis(started),
        record: None,
    };
    if answer.trim() != "yes" {
        return Ok(Asked::Refused(refused(format!(
            "answered `{}` instead of `yes`",
            printable(answer.trim())
        ))));
    }
    for a in eval.all().filter(|a| apply::need(a) == Need::TypedTarget) {
        eprintln!(
            "\nAction `{}` is destructive (tier 4): {} {}",
            printable(&a.id),
            printable(&a.tool),
            printable(&a.target)
        );
        let typed = prompt(&format!(
            "  Type its target `{}` to confirm: ",
            printable(&a.target)
        ))?;
        if typed.trim() != a.target {
            return Ok(Asked::Refused(refused(format!(
                "typed `{}` instead of the target of `{}`",
                printable(typed.trim()),
                a.id
            ))));
        }
    }
    Ok(Asked::Given(vec![Approval {
        how: "prompt",
        by: me,
        reason: "approved at the prompt".into(),
        waited_ms: millis(started),
        record: None,
    }]))
}

fn prompt(question: &str) -> Result<String, Error> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("standard input", e))?;
    Ok(line)
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The body fields every record of an apply carries.
fn lineage(eval: &Evaluation<'_>, sealed: Option<&Sealed>) -> Value {
    json!({
        "command": "apply",
        "seal": sealed.map(|s| s.id.clone()),
        "plan_record": sealed.and_then(|s| s.record),
        "file": eval.plan.origin,
        "plan_hash": eval.plan.hash(),
        "policy_hash": eval.policy.hash,
    })
}

fn event(
    kind: &'static str,
    eval: &Evaluation<'_>,
    outcome: &str,
    exit: ExitCode,
    run: Option<i64>,
    body: Value,
) -> NewRecord {
    NewRecord {
        run,
        kind,
        agent: Some(eval.plan.agent.clone()),
        task: eval.plan.task.clone(),
        outcome: Some(outcome.to_string()),
        tier: Some(eval.tier.value()),
        exit_code: Some(exit.code()),
        body,
        ..NewRecord::default()
    }
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Value::Object(x), Value::Object(y)) = (&mut a, b) {
        x.extend(y);
    }
    a
}

/// The apply record of a plan that will not run: with its action rows when the plan was not
/// sealed (the evaluation is recorded nowhere else), without them for a sealed one.
fn gate_event(
    eval: &Evaluation<'_>,
    sealed: Option<&Sealed>,
    outcome: &str,
    exit: ExitCode,
    extra: Value,
) -> NewRecord {
    let mut record = gate_record("apply", eval, merge(lineage(eval, sealed), extra));
    record.outcome = Some(outcome.into());
    record.exit_code = Some(exit.code());
    if sealed.is_some() {
        record.actions.clear();
    }
    record
}

fn refuse_denied(
    args: &ApplyArgs,
    store: &mut Store,
    eval: &mut Evaluation<'_>,
    sealed: Option<&Sealed>,
    gate: &Gate,
) -> Result<ExitCode, Error> {
    let denied: Vec<String> = eval
        .all()
        .filter(|a| a.decision == Decision::Deny)
        .map(|a| {
            let rules: Vec<&str> = a
                .findings
                .iter()
                .filter(|f| f.denies())
                .map(|f| f.rule.as_str())
                .collect();
            format!("`{}` ({})", a.id, rules.join(", "))
        })
        .collect();
    let why = format!("denied by policy: {}", denied.join("; "));
    let overrides = json!(gate.overrides);
    store.write(eval.policy.scanner(), |w| {
        let verdict = guard(w, eval.policy, eval)?;
        let record = gate_event(
            eval,
            sealed,
            "refused",
            ExitCode::Denied,
            json!({"reason": why, "overrides": overrides, "containment": verdict.to_json()}),
        );
        let id = w.append(record)?;
        eval.record = Some(id);
        record_trip(w, &eval.plan.agent, id, &verdict)
    })?;
    match args.format {
        Format::Json => print!("{}", render::plan_json_text(eval)),
        Format::Text => println!(
            "\nApply refused: {}. Nothing was executed.{}",
            printable(&why),
            soft_hint(eval)
        ),
    }
    Ok(ExitCode::Denied)
}

/// A hint naming the soft-mandatory rules that `--override` could lift.
fn soft_hint(eval: &Evaluation<'_>) -> String {
    let mut soft: Vec<&str> = Vec::new();
    let mut hard = false;
    for f in eval.all().flat_map(|a| &a.findings).filter(|f| f.denies()) {
        if f.level == crate::decision::Level::SoftMandatory {
            if !soft.contains(&f.rule.as_str()) {
                soft.push(&f.rule);
            }
        } else {
            hard = true;
        }
    }
    if soft.is_empty() || hard {
        return String::new();
    }
    format!(
        "\nA person may override soft-mandatory rules with a recorded reason: {} --reason TEXT",
        soft.iter()
            .map(|r| format!("--override {r}"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn refuse_at_prompt(
    args: &ApplyArgs,
    store: &mut Store,
    eval: &Evaluation<'_>,
    sealed: Option<&Sealed>,
    approval: Approval,
) -> Result<ExitCode, Error> {
    let body = merge(
        lineage(eval, sealed),
        json!({"how": approval.how, "by": approval.by, "reason": approval.reason, "waited_ms": approval.waited_ms}),
    );
    let mut record = event(
        "approval",
        eval,
        "refused",
        ExitCode::ApprovalRequired,
        None,
        body,
    );
    record.actor = Some(approval.by.clone());
    let id = store.write(eval.policy.scanner(), |w| w.append(record))?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "outcome": "refused", "exit_code": 2, "reason": approval.reason, "record": id,
            }))
            .unwrap_or_default()
        ),
        Format::Text => println!(
            "\nApply cancelled: {}. Nothing was executed (record {id}).",
            approval.reason
        ),
    }
    Ok(ExitCode::ApprovalRequired)
}

fn wait_for_approval(
    args: &ApplyArgs,
    store: &mut Store,
    eval: &Evaluation<'_>,
    sealed: Option<&Sealed>,
    gate: &Gate,
    why: &str,
) -> Result<ExitCode, Error> {
    let needs = json!(
        gate.needs
            .iter()
            .map(|(id, tier, need)| json!({"id": id, "tier": tier, "need": need}))
            .collect::<Vec<_>>()
    );
    let record = gate_event(
        eval,
        sealed,
        "waiting",
        ExitCode::ApprovalRequired,
        json!({"reason": why, "needs": needs}),
    );
    let id = store.write(eval.policy.scanner(), |w| w.append(record))?;
    let how = match sealed {
        Some(_) => format!(
            "a person other than `{}` approves it with `agentgate approve {} --by NAME --reason \
             TEXT`, then run apply again",
            printable(&eval.plan.agent),
            printable(&args.plan)
        ),
        None => "seal it with `agentgate plan PLAN -o SEALED` so a person can approve it with \
                 `agentgate approve SEALED --by NAME --reason TEXT`, or apply it on a terminal"
            .to_string(),
    };
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "outcome": "waiting", "exit_code": 2, "reason": why, "needs": needs, "record": id,
                "seal": sealed.map(|s| &s.id),
            }))
            .unwrap_or_default()
        ),
        Format::Text => println!(
            "\nApproval required ({why}). Nothing was executed (record {id}).\nTo approve: {how}."
        ),
    }
    Ok(ExitCode::ApprovalRequired)
}

enum Claim {
    Started(i64),
    Contained,
}

/// In one write transaction: containment, the replay check again (another apply may have
/// claimed the seal since), the approvals and overrides, and the `started` record.
fn claim(
    w: &mut Writer<'_>,
    policy: &PolicySet,
    eval: &mut Evaluation<'_>,
    sealed: Option<&Sealed>,
    gate: &Gate,
    ws: &Workspace,
    args: &ApplyArgs,
) -> Result<Claim, Error> {
    // A target that changed while a person read the diff is not what they approved.
    if let Some(changed) = crate::seal::fingerprints(eval, ws)
        .iter()
        .zip(&gate.fingerprints)
        .find(|(now, then)| now != then)
    {
        return Err(Error::Refused(format!(
            "`{}` changed since it was evaluated (while waiting for approval?); nothing was \
             executed. Review the plan again",
            changed.1.target
        )));
    }
    let verdict = guard(w, policy, eval)?;
    if eval.decision == Decision::Deny {
        let record = gate_event(
            eval,
            sealed,
            "refused",
            ExitCode::Denied,
            json!({"reason": eval.contained, "containment": verdict.to_json()}),
        );
        let id = w.append(record)?;
        eval.record = Some(id);
        record_trip(w, &eval.plan.agent, id, &verdict)?;
        return Ok(Claim::Contained);
    }
    if let Some(s) = sealed
        && let Some(claim) = claimed(&w.seal_records(&s.id)?)
    {
        return Err(replayed(s, claim));
    }
    let approvals = json!(gate.approvals.iter().map(|a| json!({
        "how": a.how, "by": a.by, "reason": a.reason, "waited_ms": a.waited_ms, "record": a.record,
    })).collect::<Vec<_>>());
    let mut record = gate_event(
        eval,
        sealed,
        "started",
        ExitCode::Allowed,
        json!({
            "workspace": ws.root().display().to_string(),
            "approvals": approvals,
            "overrides": gate.overrides,
            "containment": verdict.to_json(),
        }),
    );
    record.exit_code = None;
    let run = w.append(record)?;
    eval.record = Some(run);
    for a in gate.approvals.iter().filter(|a| a.record.is_none()) {
        let body = merge(
            lineage(eval, sealed),
            json!({"how": a.how, "by": a.by, "reason": a.reason, "waited_ms": a.waited_ms,
                   "actions": gate.needs.iter().map(|(id, _, _)| id).collect::<Vec<_>>()}),
        );
        let mut r = event(
            "approval",
            eval,
            "approved",
            ExitCode::Allowed,
            Some(run),
            body,
        );
        r.actor = Some(a.by.clone());
        w.append(r)?;
    }
    for o in &gate.overrides {
        let body = merge(
            lineage(eval, sealed),
            json!({"rule": o.rule, "actions": o.actions, "reason": args.reason}),
        );
        w.append(event(
            "override",
            eval,
            "overridden",
            ExitCode::Allowed,
            Some(run),
            body,
        ))?;
    }
    Ok(Claim::Started(run))
}

/// Execute with a progress display: a bar on a terminal for long plans, plain lines otherwise.
fn execute(
    args: &ApplyArgs,
    store: &Store,
    eval: &Evaluation<'_>,
    ws: &Workspace,
    scanner: &Scanner,
    cancel: &AtomicBool,
) -> Report {
    let total = eval.actions.len();
    let text = args.format == Format::Text;
    // indicatif hides itself on a terminal it cannot draw on (`TERM` dumb or unset), and lines
    // printed through a hidden bar are lost: plain lines then.
    let bar = (std::io::stderr().is_terminal() && total >= PROGRESS_BAR_FROM)
        .then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        })
        .filter(|bar| !bar.is_hidden());
    if text && bar.is_none() {
        println!("\nApplying {total} action(s) in {}:", ws.root().display());
    }
    let observe = |e: Event<'_>| match e {
        Event::Start { action, .. } => {
            if let Some(bar) = &bar {
                bar.set_message(printable(&action.id).into_owned());
            }
        }
        Event::Done { index, run } => {
            if let Some(bar) = &bar {
                bar.inc(1);
                if run.status == Status::Failed {
                    bar.println(action_line(index, total, run));
                }
            } else if text {
                println!("{}", action_line(index, total, run));
            }
        }
        Event::Check { run } => {
            let line = format!(
                "  {} check {}  {} ({} ms){}",
                if run.passed { "✓" } else { "✗" },
                run.id,
                printable(&run.command),
                run.duration_ms,
                run.error
                    .as_deref()
                    .map(|e| format!(": {}", printable(e)))
                    .unwrap_or_default()
            );
            match &bar {
                Some(bar) => bar.println(line),
                None if text => println!("{line}"),
                None => {}
            }
        }
        Event::RollingBack { why } => {
            let line = format!("  ↺ rolling back: {}", printable(why));
            match &bar {
                Some(bar) => bar.println(line),
                None if text => println!("{line}"),
                None => {}
            }
        }
    };
    let mut contained: Option<String> = None;
    // Polled at most every CONTAINMENT_POLL, not after every action: a trail read per file write
    // doubled the time of a 1,000-write apply.
    let mut polled = Instant::now();
    let mut report = apply::run(eval, ws, scanner, cancel, &mut |e: Event<'_>| {
        // The kill switch and a quarantine stop an apply between two actions, like Ctrl-C.
        if let Event::Done { .. } = &e
            && contained.is_none()
            && polled.elapsed() >= CONTAINMENT_POLL
        {
            polled = Instant::now();
            if let Ok(Some(c)) = store.containment(Some(&eval.plan.agent)) {
                let what = if c.kind == "stop" {
                    "the kill switch"
                } else {
                    "a quarantine"
                };
                contained = Some(format!(
                    "stopped by {what} (record {}, by {}): {}",
                    c.record,
                    c.actor,
                    scanner.redact(&c.reason)
                ));
                cancel.store(true, Ordering::SeqCst);
            }
        }
        observe(e)
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if contained.is_some() && report.outcome == apply::Outcome::Cancelled {
        report.failure = contained;
    }
    report
}

fn action_line(index: usize, total: usize, run: &apply::ActionRun) -> String {
    let mark = match run.status {
        Status::Failed => "✗",
        Status::Call => "→",
        _ => "✓",
    };
    let mut line = format!(
        "  {mark} [{}/{total}] {}  {} {} ({} ms)",
        index + 1,
        printable(&run.id),
        printable(&run.tool),
        printable(&render::truncate(&run.target, 80)),
        run.duration_ms
    );
    if run.status == Status::Call {
        line.push_str(": for the agent's runtime to execute");
    }
    if let Some(e) = &run.error {
        line.push_str(&format!(": {}", printable(e)));
    }
    line
}

/// The validation, rollback and final records, in one transaction.
fn record_outcome(
    w: &mut Writer<'_>,
    eval: &Evaluation<'_>,
    sealed: Option<&Sealed>,
    ws: &Workspace,
    run: i64,
    report: &Report,
) -> Result<(), Error> {
    let code = if report.outcome == apply::Outcome::Applied {
        ExitCode::Allowed
    } else {
        ExitCode::ExecutionFailed
    };
    if !report.checks.is_empty() {
        let passed = report.checks.iter().all(|c| c.passed);
        let body = merge(lineage(eval, sealed), json!({"checks": report.checks}));
        let outcome = if passed { "passed" } else { "failed" };
        w.append(event("validation", eval, outcome, code, Some(run), body))?;
    }
    if !report.rolled_back.is_empty() || !report.irreversible.is_empty() {
        let complete = report.irreversible.is_empty();
        let body = merge(
            lineage(eval, sealed),
            json!({"of_run": run, "why": report.failure, "rolled_back": report.rolled_back,
                   "irreversible": report.irreversible}),
        );
        let outcome = if complete { "rolled-back" } else { "partial" };
        w.append(event("rollback", eval, outcome, code, Some(run), body))?;
    }
    // Call arguments go to the runtime as written, but into the trail with credential-like
    // fields hidden (the store's scan redacts the rest).
    let mut report_json = report.to_json();
    if let Some(actions) = report_json["actions"].as_array_mut() {
        for a in actions {
            if let Some(call) = a.get_mut("call") {
                *call = crate::secrets::hide_sensitive_fields(call);
            }
        }
    }
    let body = merge(
        lineage(eval, sealed),
        json!({"workspace": ws.root().display().to_string(), "report": report_json}),
    );
    w.append(event(
        "apply",
        eval,
        report.outcome.as_str(),
        code,
        Some(run),
        body,
    ))?;
    Ok(())
}

fn summary_text(
    report: &Report,
    run: i64,
    code: ExitCode,
    scanner: &Scanner,
    styles: Styles,
) -> String {
    let mut out = String::new();
    let calls: Vec<&apply::ActionRun> = report
        .actions
        .iter()
        .filter(|a| a.status == Status::Call)
        .collect();
    if !calls.is_empty() {
        out.push_str(
            "\nCalls approved for the agent's runtime to execute (agentgate does not run them):\n",
        );
        for c in calls {
            out.push_str(&format!(
                "  {}: {}\n",
                printable(&c.id),
                printable(
                    &c.call
                        .as_ref()
                        .map(|v| scanner
                            .redact(&crate::secrets::hide_sensitive_fields(v).to_string())
                            .into_owned())
                        .unwrap_or_default()
                )
            ));
        }
    }
    let (title, style) = match report.outcome {
        apply::Outcome::Applied => ("Apply complete", console::Style::new().green().bold()),
        apply::Outcome::Failed => ("Apply failed", console::Style::new().red().bold()),
        apply::Outcome::Cancelled => ("Apply cancelled", console::Style::new().yellow().bold()),
    };
    out.push('\n');
    if let Some(why) = &report.failure {
        out.push_str(&format!("{}\n", printable(why)));
    }
    for a in report.actions.iter().filter(|a| a.rollback_error.is_some()) {
        out.push_str(&format!(
            "  not undone: {}: {}\n",
            printable(&a.id),
            printable(a.rollback_error.as_deref().unwrap_or_default())
        ));
    }
    let irreversible = if report.irreversible.is_empty() {
        "0 irreversible".to_string()
    } else {
        format!(
            "{} irreversible ({})",
            report.irreversible.len(),
            report.irreversible.join(", ")
        )
    };
    let line = format!(
        "{title}: {} applied, {} rolled back, {irreversible}; {} ms, run {run}, exit {}.",
        report.applied(),
        report.rolled_back.len(),
        report.duration_ms,
        code.code()
    );
    out.push_str(&styles.paint(style, &printable(&line)));
    out.push('\n');
    out
}

fn outcome_json(
    eval: &Evaluation<'_>,
    sealed: Option<&Sealed>,
    gate: &Gate,
    run: i64,
    report: &Report,
    code: ExitCode,
) -> Value {
    let calls: Vec<&Value> = report
        .actions
        .iter()
        .filter(|a| a.status == Status::Call)
        .filter_map(|a| a.call.as_ref())
        .collect();
    json!({
        "version": render::VERSION,
        "outcome": report.outcome,
        "exit_code": code.code(),
        "decision": eval.decision,
        "tier": eval.tier,
        "seal": sealed.map(|s| &s.id),
        "run": run,
        "approvals": gate.approvals.iter().map(|a| json!({"how": a.how, "by": a.by, "reason": a.reason, "record": a.record})).collect::<Vec<_>>(),
        "overrides": gate.overrides,
        "actions": report.actions.iter().map(|a| {
            let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v { m.remove("snapshot"); m.remove("call"); }
            v
        }).collect::<Vec<_>>(),
        "validate": report.checks,
        "rolled_back": report.rolled_back,
        "irreversible": report.irreversible,
        "failure": report.failure,
        "calls": calls,
        "duration_ms": report.duration_ms,
    })
}

/// `--dry-run`: everything checked, what would run shown, nothing executed or recorded.
fn dry_run(
    args: &ApplyArgs,
    records: &[SealRecord],
    eval: &Evaluation<'_>,
    sealed: Option<&Sealed>,
    gate: &Gate,
    styles: Styles,
) -> ExitCode {
    let (code, approval) = if eval.decision == Decision::Deny {
        (ExitCode::Denied, "refused: the plan is denied".to_string())
    } else if gate.needs.is_empty() {
        (ExitCode::Allowed, "no approval needed".to_string())
    } else {
        match without_prompt(args, records, eval, gate) {
            Ok(given) => (
                ExitCode::Allowed,
                format!("approved ({})", given.first().map_or("", |a| a.how)),
            ),
            Err(_) if interactive(args) => (
                ExitCode::Allowed,
                "a person would be asked at the prompt".to_string(),
            ),
            Err(why) => (
                ExitCode::ApprovalRequired,
                format!("approval required: {why}"),
            ),
        }
    };
    let steps: Vec<Value> = eval
        .actions
        .iter()
        .map(|a| json!({"id": a.id, "tool": a.tool, "target": a.target, "tier": a.tier,
                        "would": would(a, eval.policy.scanner()), "need": apply::need(a)}))
        .chain(eval.checks.iter().map(|c| {
            json!({"id": c.id, "tool": "validate", "target": c.target, "tier": c.tier,
                   "would": format!("run check `{}` at the workspace root", c.target), "need": apply::need(c)})
        }))
        .collect();
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "version": render::VERSION,
                "outcome": "dry-run",
                "exit_code": code.code(),
                "decision": eval.decision,
                "tier": eval.tier,
                "seal": sealed.map(|s| &s.id),
                "approval": approval,
                "steps": steps,
            }))
            .unwrap_or_default()
        ),
        Format::Text => {
            print!("{}", render::plan_text(eval, styles));
            println!("\nDry run: nothing is executed or recorded. In order, apply would:");
            for s in &steps {
                println!(
                    "  {}  {}",
                    printable(s["id"].as_str().unwrap_or_default()),
                    printable(s["would"].as_str().unwrap_or_default())
                );
            }
            println!("Approval: {approval}. Exit {}.", code.code());
        }
    }
    code
}

/// agentgate checks Terraform plans; Terraform applies them. Refused before anything runs.
fn refuse_terraform(plan: Plan) -> Result<Plan, Error> {
    match plan
        .actions
        .iter()
        .find(|a| matches!(a.kind, crate::plan::ActionKind::Terraform(_)))
    {
        Some(a) => Err(Error::Usage(format!(
            "{}: `{}` is a Terraform change: agentgate checks Terraform plans (`agentgate check`), \
             and Terraform applies them (`terraform apply PLANFILE` once the check passes)",
            plan.origin, a.id
        ))),
        None => Ok(plan),
    }
}

fn would(a: &ActionEval<'_>, scanner: &Scanner) -> String {
    use crate::plan::ActionKind;
    let redact = |s: &str| scanner.redact(s).into_owned();
    match &a.proposed.kind {
        ActionKind::FileRead { path } => format!("nothing (reads {})", path.relative),
        ActionKind::FileWrite { path, content } => format!(
            "write {} ({} bytes), atomically, after a snapshot",
            path.relative,
            content.len()
        ),
        ActionKind::FileEdit { path, .. } => {
            format!("edit {} atomically, after a snapshot", path.relative)
        }
        ActionKind::FileDelete { path } => format!("delete {} after a snapshot", path.relative),
        ActionKind::Shell(s) => {
            let how = match &s.command {
                crate::plan::ShellCommand::Script(c) => format!("sh -c {}", redact(c)),
                crate::plan::ShellCommand::Argv(_) => {
                    format!("exec {}", redact(&s.command.display()))
                }
            };
            format!(
                "run `{how}` in {} (timeout {} s, clean environment){}",
                s.cwd.as_ref().map_or(".", |c| c.relative.as_str()),
                s.timeout
                    .unwrap_or(crate::execute::shell::DEFAULT_TIMEOUT.as_secs()),
                if s.rollback.is_some() {
                    ", rollback command armed"
                } else {
                    ""
                }
            )
        }
        ActionKind::Sql(s) => format!(
            "run the statement(s) on {} inside a transaction committed after the checks",
            s.database.relative
        ),
        ActionKind::Http(h) => format!("send {} {}", h.method, redact(h.url.as_str())),
        ActionKind::Call { name, .. } => {
            format!("print call `{name}` for the agent's runtime (not executed by agentgate)")
        }
        ActionKind::Unknown { tool, .. } => format!("fail: no executor for tool `{tool}`"),
        ActionKind::Terraform(_) => "nothing: Terraform applies its own plans".into(),
    }
}

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    /// The sealed plan to approve (written by `plan -o`).
    #[arg(value_name = "SEALED")]
    pub sealed: String,
    /// Who approves: recorded, and never the plan's own agent.
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// Why (recorded).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    #[command(flatten)]
    pub db: DbArgs,
}

/// `agentgate approve SEALED --by NAME --reason TEXT`.
pub fn approve(args: ApproveArgs) -> Result<ExitCode, Error> {
    let by = args.by.trim();
    let reason = args.reason.trim();
    if by.is_empty() || reason.is_empty() {
        return Err(Error::Usage("--by and --reason must not be empty".into()));
    }
    let scanner = Scanner::builtin();
    if scanner.contains_secret(by) {
        return Err(Error::Usage(
            "--by looks like it contains a secret; give the approver's name".into(),
        ));
    }
    let text = read_bounded(&args.sealed, MAX_SEALED_BYTES)?;
    if !Sealed::claims(&text) {
        return Err(Error::Usage(format!(
            "{} is not a sealed plan: seal it first with `agentgate plan PLAN -o SEALED`",
            args.sealed
        )));
    }
    let mut store = args.db.open()?;
    let key = Key::load(&Key::path_for(&args.db.path()))?;
    let sealed = Sealed::open(&text, &args.sealed, &key)?;
    for name in [by, &actor()] {
        if is_agent(name, &sealed.agent) {
            let e = Error::Refused(format!(
                "`{name}` is the plan's agent and cannot approve its own plan (separation of \
                 duties); another person must approve it"
            ));
            return Err(record_failure(
                &mut store,
                "approve",
                &args.sealed,
                e,
                scanner,
            ));
        }
    }
    let created = jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.fZ", &sealed.created)
        .map(|t| t.as_millisecond())
        .ok();
    let id = store.write(scanner, |w| {
        if let Some(claim) = claimed(&w.seal_records(&sealed.id)?) {
            return Err(replayed(&sealed, claim));
        }
        let waited = created.map(|c| (w.now() - c).max(0));
        let body = json!({
            "command": "approve",
            "seal": sealed.id,
            "plan_record": sealed.record,
            "file": sealed.plan.file,
            "plan_hash": sealed.plan.hash,
            "policy_hash": sealed.policy.hash,
            "by": by,
            "run_by": actor(),
            "reason": reason,
            "waited_ms": waited,
            "actions": sealed.actions.iter().filter(|a| a.tier >= 2 || a.decision != Decision::Allow)
                .map(|a| json!({"id": a.id, "tier": a.tier, "decision": a.decision})).collect::<Vec<_>>(),
        });
        w.append(NewRecord {
            kind: "approval",
            agent: Some(sealed.agent.clone()),
            task: sealed.task.clone(),
            outcome: Some("approved".into()),
            tier: Some(sealed.tier),
            exit_code: Some(0),
            actor: Some(by.to_string()),
            body,
            ..NewRecord::default()
        })
    })?;
    println!(
        "Approved sealed plan {} (agent {}, {} action(s), tier {}, decision {}) by {}: {}",
        sealed.short_id(),
        printable(&sealed.agent),
        sealed.actions.len(),
        sealed.tier,
        sealed.decision,
        printable(by),
        printable(&scanner.redact(reason))
    );
    for a in &sealed.actions {
        println!(
            "  {}  {} {}  tier {} · {}",
            printable(&a.id),
            printable(&a.tool),
            printable(&render::truncate(&a.target, 80)),
            a.tier,
            a.decision
        );
    }
    println!(
        "Recorded as {id}. Apply it with: agentgate apply {}",
        args.sealed
    );
    Ok(ExitCode::Allowed)
}

#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The run id of a completed apply (`agentgate audit list`).
    #[arg(value_name = "RUN_ID")]
    pub run: i64,
    #[command(flatten)]
    pub db: DbArgs,
}

/// `agentgate rollback RUN_ID`: restore the files a completed apply changed, when none of them
/// changed since; refuse (exit 3) otherwise, changing nothing.
pub fn rollback(args: RollbackArgs) -> Result<ExitCode, Error> {
    let mut store = args.db.open_existing()?;
    let records = store.run(args.run)?;
    let Some((first, _)) = records.first() else {
        return Err(Error::Usage(format!("no run {} in the trail", args.run)));
    };
    let done = records
        .iter()
        .map(|(r, _)| r)
        .find(|r| r.kind == "apply" && r.outcome.as_deref() == Some("applied"));
    let Some(done) = done else {
        return Err(Error::Refused(format!(
            "run {} is not a completed apply (it is a `{}` run{}); only the file changes of an \
             applied run can be rolled back",
            args.run,
            first.kind,
            records
                .iter()
                .rev()
                .find(|(r, _)| r.kind == "apply")
                .and_then(|(r, _)| r.outcome.clone())
                .map(|o| format!(" whose apply {o}"))
                .unwrap_or_default()
        )));
    };
    let body: Value = serde_json::from_str(&done.body).unwrap_or_default();
    let previous = store.rollbacks_of(args.run)?;
    if let Some(id) = previous.first() {
        return Err(Error::Refused(format!(
            "run {} was already rolled back (record {id})",
            args.run
        )));
    }
    let ws_path = body["workspace"].as_str().unwrap_or_default();
    let ws = Workspace::open(Path::new(ws_path))
        .map_err(|e| Error::Refused(format!("the workspace {ws_path} cannot be opened: {e}")))?;
    let mut snapshots: Vec<(String, crate::execute::file::Snapshot)> = Vec::new();
    let mut irreversible: Vec<String> = Vec::new();
    for a in body["report"]["actions"].as_array().into_iter().flatten() {
        let id = a["id"].as_str().unwrap_or_default().to_string();
        if a["status"] != "applied" {
            continue;
        }
        match a.get("snapshot") {
            Some(s) => {
                let snapshot = serde_json::from_value(s.clone()).map_err(|e| {
                    Error::Refused(format!(
                        "the snapshot of `{id}` in the trail is unreadable: {e}"
                    ))
                })?;
                snapshots.push((id, snapshot));
            }
            None if a["tool"] == "file.read" => {}
            None => irreversible.push(format!("{id} ({})", a["tool"].as_str().unwrap_or_default())),
        }
    }
    // All or nothing: every file must be as the apply left it.
    let mut changed = Vec::new();
    // A path changed twice by the apply is checked against its last state only.
    let last: Vec<&(String, crate::execute::file::Snapshot)> = snapshots
        .iter()
        .enumerate()
        .filter(|(i, (_, s))| {
            !snapshots[i + 1..]
                .iter()
                .any(|(_, later)| later.path == s.path)
        })
        .map(|(_, x)| x)
        .collect();
    for (id, s) in last {
        match crate::execute::file::changed_since(&ws, s) {
            Ok(false) => {}
            Ok(true) => changed.push(format!("`{}` (action `{id}`) changed since", s.path)),
            Err(e) => changed.push(format!("`{}` (action `{id}`): {e}", s.path)),
        }
    }
    let scanner = Scanner::builtin();
    let agent = first.agent.clone();
    let task = first.task.clone();
    let base = json!({"command": "rollback", "of_run": args.run, "workspace": ws_path});
    if !changed.is_empty() {
        let why = format!(
            "refusing to roll back run {}: {}; nothing was changed",
            args.run,
            changed.join("; ")
        );
        store.write(scanner, |w| {
            w.append(NewRecord {
                kind: "rollback",
                agent: agent.clone(),
                task: task.clone(),
                outcome: Some("refused".into()),
                exit_code: Some(ExitCode::Denied.code()),
                body: merge(base.clone(), json!({"reason": why})),
                ..NewRecord::default()
            })
        })?;
        return Err(Error::Refused(why));
    }
    let mut restored = Vec::new();
    let mut failed = Vec::new();
    for (id, s) in snapshots.iter().rev() {
        match crate::execute::file::restore(&ws, s) {
            Ok(()) => {
                restored.push(id.clone());
                println!("  ↺ {}  restored {}", printable(id), printable(&s.path));
            }
            Err(e) => {
                println!(
                    "  ✗ {}  {}: {}",
                    printable(id),
                    printable(&s.path),
                    printable(&e.to_string())
                );
                failed.push(format!("{id}: {e}"));
            }
        }
    }
    let code = if failed.is_empty() {
        ExitCode::Allowed
    } else {
        ExitCode::ExecutionFailed
    };
    let outcome = if failed.is_empty() {
        "rolled-back"
    } else {
        "partial"
    };
    let id = store.write(scanner, |w| {
        w.append(NewRecord {
            kind: "rollback",
            agent: agent.clone(),
            task: task.clone(),
            outcome: Some(outcome.into()),
            exit_code: Some(code.code()),
            body: merge(
                base.clone(),
                json!({"rolled_back": restored, "failed": failed, "irreversible": irreversible}),
            ),
            ..NewRecord::default()
        })
    })?;
    println!(
        "Rollback of run {}: {} file change(s) undone, {} failed{}; record {id}, exit {}.",
        args.run,
        restored.len(),
        failed.len(),
        if irreversible.is_empty() {
            String::new()
        } else {
            format!("; not undoable: {}", irreversible.join(", "))
        },
        code.code()
    );
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_cannot_approve_itself_whatever_the_case() {
        assert!(is_agent(" Deploy-Bot ", "deploy-bot"));
        assert!(!is_agent("alice", "deploy-bot"));
    }
}
