//! `agentgate plan`: evaluate one plan and show it to a person or a harness.

use std::path::PathBuf;

use super::{Format, GateArgs, load_plan, load_policy, today, workspace_for};
use crate::error::{Error, ExitCode};
use crate::evaluate::evaluate;
use crate::render::{self, Styles};

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
    let result = evaluate_one(
        &args.plan,
        &args.gate.policy,
        args.gate.workspace.as_ref(),
        args.format,
        styles,
    );
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

/// Evaluate one plan file and render it; shared with `check`.
pub fn evaluate_one(
    path: &str,
    policy_dirs: &[PathBuf],
    workspace: Option<&PathBuf>,
    format: Format,
    styles: Styles,
) -> Result<(ExitCode, String), Error> {
    // The policy compiles on another thread while the plan is read and parsed.
    let (policy, plan) = std::thread::scope(|scope| {
        let policy = scope.spawn(|| load_policy(policy_dirs));
        let plan = workspace_for(path, workspace.map(PathBuf::as_path))
            .and_then(|ws| load_plan(path, &ws).map(|plan| (plan, ws)));
        let policy = policy
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (policy, plan)
    });
    // A policy that fails to load stops the command before anything else is reported.
    let policy = policy?;
    let (plan, workspace) = plan?;
    // The plan's hash is only needed for output: compute it while the evaluation runs.
    let eval = std::thread::scope(|scope| {
        scope.spawn(|| plan.hash());
        evaluate(&plan, &policy, &workspace, today())
    })?;
    let out = match format {
        Format::Text => render::plan_text(&eval, styles),
        Format::Json => render::plan_json_text(&eval),
    };
    Ok((eval.decision.exit_code(), out))
}
