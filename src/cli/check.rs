//! `agentgate check`: the same evaluation over several files for CI; never interactive, worst
//! outcome wins (an unreadable file is the worst: nothing about it could be checked).

use serde_json::{Value, json};

use super::{Format, GateArgs, load_plan, load_policy, today, workspace_for};
use crate::error::{Error, ExitCode};
use crate::evaluate::evaluate;
use crate::render::{self, Styles};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Plan files (YAML or JSON); - reads standard input.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: CheckArgs, styles: Styles) -> Result<ExitCode, Error> {
    if args.files.iter().filter(|f| *f == "-").count() > 1 {
        return Err(Error::Usage(
            "standard input (-) can be read only once".into(),
        ));
    }
    // A policy that fails to load stops the whole command.
    let policy = load_policy(&args.gate.policy)?;
    let mut worst = ExitCode::Allowed;
    let mut results: Vec<Value> = Vec::new();
    let mut text = String::new();
    for file in &args.files {
        let outcome = workspace_for(file, args.gate.workspace.as_deref()).and_then(|ws| {
            let plan = load_plan(file, &ws)?;
            let eval = evaluate(&plan, &policy, &ws, today())?;
            Ok((
                eval.decision.exit_code(),
                render::plan_text(&eval, styles),
                render::plan_json(&eval),
            ))
        });
        match outcome {
            Ok((code, t, mut j)) => {
                worst = worst.worst(code);
                text.push_str(&t);
                text.push('\n');
                if let Value::Object(map) = &mut j {
                    map.insert("file".into(), json!(file));
                    map.insert("exit_code".into(), json!(code.code()));
                }
                results.push(j);
            }
            Err(error) => {
                worst = worst.worst(ExitCode::Error);
                text.push_str(&format!("{file}: error: {}\n\n", error.redacted()));
                let mut j = render::error_json(&error);
                if let Value::Object(map) = &mut j {
                    map.insert("file".into(), json!(file));
                    map.insert("exit_code".into(), json!(ExitCode::Error.code()));
                }
                results.push(j);
            }
        }
    }
    match args.format {
        Format::Text => {
            print!("{text}");
            println!(
                "check: {} file(s), outcome: exit {} ({})",
                args.files.len(),
                worst.code(),
                outcome_word(worst)
            );
        }
        Format::Json => {
            let doc = json!({
                "version": render::VERSION,
                "exit_code": worst.code(),
                "outcome": outcome_word(worst),
                "results": results,
            });
            println!("{doc:#}");
        }
    }
    Ok(worst)
}

fn outcome_word(code: ExitCode) -> &'static str {
    match code {
        ExitCode::Allowed => "allow",
        ExitCode::ApprovalRequired => "approve",
        ExitCode::Denied => "deny",
        ExitCode::Error => "error",
        ExitCode::ExecutionFailed => "failed",
    }
}
