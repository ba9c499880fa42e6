//! `agentgate plan`: evaluate one plan, record the decision, and show it to a person or a harness.

use super::{Format, GateArgs, load_plan, load_policy, today, workspace_for};
use crate::audit::Store;
use crate::audit::record::error_record;
use crate::containment::decide_and_record;
use crate::error::{Error, ExitCode};
use crate::evaluate::evaluate;
use crate::render::{self, Styles};
use crate::secrets::Scanner;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The plan file (YAML or JSON), or - for standard input.
    #[arg(value_name = "PLAN")]
    pub plan: String,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: PlanArgs, styles: Styles) -> Result<ExitCode, Error> {
    // The trail opens first: a decision that cannot be recorded is not made.
    let result = args
        .gate
        .db
        .open()
        .and_then(|mut store| decide(&mut store, &args.plan, &args.gate, args.format, styles));
    match (result, args.format) {
        (Ok((code, out)), _) => {
            print!("{out}");
            Ok(code)
        }
        (Err(error), Format::Json) => {
            println!("{}", render::error_json(&error));
            Err(error)
        }
        (Err(error), Format::Text) => Err(error),
    }
}

/// Evaluate one plan file, record the decision, and render it.
fn decide(
    store: &mut Store,
    path: &str,
    gate: &GateArgs,
    format: Format,
    styles: Styles,
) -> Result<(ExitCode, String), Error> {
    // The policy compiles on another thread while the plan is read and parsed.
    let (policy, plan) = std::thread::scope(|scope| {
        let policy = scope.spawn(|| load_policy(&gate.policy));
        let plan = workspace_for(path, gate.workspace.as_deref())
            .and_then(|ws| load_plan(path, &ws).map(|plan| (plan, ws)));
        let policy = policy
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (policy, plan)
    });
    // A policy that fails to load stops the command before anything else is reported.
    let policy = policy.map_err(|e| record_failure(store, "plan", path, e, Scanner::builtin()))?;
    let scanner = policy.scanner();
    let (plan, workspace) = plan.map_err(|e| record_failure(store, "plan", path, e, scanner))?;
    // The plan's hash is only needed for output: compute it while the evaluation runs.
    let mut eval = std::thread::scope(|scope| {
        scope.spawn(|| plan.hash());
        evaluate(&plan, &policy, &workspace, today())
    })
    .map_err(|e| record_failure(store, "plan", path, e, scanner))?;
    store.write(policy.scanner(), |w| {
        decide_and_record(w, "plan", &policy, &mut eval, None)
    })?;
    let out = match format {
        Format::Text => render::plan_text(&eval, styles),
        Format::Json => render::plan_json_text(&eval),
    };
    Ok((eval.decision.exit_code(), out))
}

/// Record a command that failed before it could decide, and return its error with every secret
/// the policy knows redacted (the record and the message alike). The command fails either way,
/// so a trail that cannot take the record adds nothing to report.
pub fn record_failure(
    store: &mut Store,
    kind: &'static str,
    file: &str,
    error: Error,
    scanner: &Scanner,
) -> Error {
    let error = error.redact_with(scanner);
    let _ = store.write(scanner, |w| w.append(error_record(kind, file, &error)));
    error
}
