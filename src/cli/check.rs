//! `agentgate check`: the same evaluation over several files for CI; never interactive, worst
//! outcome wins (an unreadable file is the worst: nothing about it could be checked).

use serde_json::{Value, json};

use super::plan::record_failure;
use super::{Format, GateArgs, load_plan, load_policy, today, workspace_for};
use crate::audit::record::error_record;
use crate::containment::{decide_and_record, recordable_agent};
use crate::error::{Error, ExitCode};
use crate::evaluate::{Evaluation, evaluate};
use crate::plan::Plan;
use crate::render::{self, Styles};
use crate::secrets::Scanner;
use crate::workspace::Workspace;

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
    // The trail opens first: a decision that cannot be recorded is not made.
    let mut store = args.gate.db.open()?;
    // A policy that fails to load stops the whole command (and is recorded).
    let policy = load_policy(&args.gate.policy).map_err(|e| {
        record_failure(
            &mut store,
            "check",
            &args.files.join(" "),
            e,
            Scanner::builtin(),
        )
    })?;
    let scanner = policy.scanner();
    let loaded: Vec<Result<(Plan, Workspace), Error>> = args
        .files
        .iter()
        .map(|file| {
            let ws = workspace_for(file, args.gate.workspace.as_deref())
                .map_err(|e| e.redact_with(scanner))?;
            let plan = load_plan(file, &ws).map_err(|e| e.redact_with(scanner))?;
            Ok((plan, ws))
        })
        .collect();
    let mut evals: Vec<Result<Evaluation<'_>, Error>> = loaded
        .iter()
        .map(|l| match l {
            Ok((plan, ws)) => recordable_agent(plan, &policy)
                .and_then(|()| evaluate(plan, &policy, ws, today()))
                .map_err(|e| e.redact_with(scanner)),
            Err(e) => Err(Error::Usage(e.to_string())),
        })
        .collect();
    // Every file's decision is one record of one run, written in one transaction.
    store.write(scanner, |w| {
        let mut run = None;
        for (file, eval) in args.files.iter().zip(evals.iter_mut()) {
            let id = match eval {
                Ok(eval) => decide_and_record(w, "check", &policy, eval, run)?,
                Err(error) => {
                    let mut record = error_record("check", file, error);
                    record.run = run;
                    w.append(record)?
                }
            };
            run.get_or_insert(id);
        }
        Ok(())
    })?;
    let mut worst = ExitCode::Allowed;
    let mut results: Vec<Value> = Vec::new();
    let mut text = String::new();
    for ((file, eval), load) in args.files.iter().zip(&evals).zip(&loaded) {
        let file = scanner.redact(file);
        // The load error itself, with its positions, when the file never got to evaluation.
        let outcome = match (eval, load) {
            (Ok(eval), _) => Ok(eval),
            (Err(_), Err(error)) | (Err(error), Ok(_)) => Err(error),
        };
        match outcome {
            Ok(eval) => {
                let code = eval.decision.exit_code();
                worst = worst.worst(code);
                text.push_str(&render::plan_text(eval, styles));
                text.push('\n');
                let mut j = render::plan_json(eval);
                if let Value::Object(map) = &mut j {
                    map.insert("file".into(), json!(file));
                    map.insert("exit_code".into(), json!(code.code()));
                }
                results.push(j);
            }
            Err(error) => {
                worst = worst.worst(ExitCode::Error);
                text.push_str(&format!(
                    "{}: error: {}\n\n",
                    render::printable(&file),
                    error.redacted()
                ));
                let mut j = render::error_json(error);
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
