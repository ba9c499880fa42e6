//! `agentgate check`: the same evaluation over several files for CI; never interactive, worst
//! outcome wins (an unreadable file is the worst: nothing about it could be checked).

use serde_json::{Value, json};

use super::plan::record_failure;
use super::report::{self, ReportArgs, ReportFormat};
use super::{GateArgs, load_plan, load_policy, today, workspace_for};
use crate::audit::record::error_record;
use crate::containment::{decide_and_record, recordable_agent};
use crate::error::{Error, ExitCode};
use crate::evaluate::{Evaluation, evaluate};
use crate::plan::Plan;
use crate::render::ci::{self, Entry, Report};
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
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(args: CheckArgs, styles: Styles) -> Result<ExitCode, Error> {
    if args.files.iter().filter(|f| *f == "-").count() > 1 {
        return Err(Error::Usage(
            "standard input (-) can be read only once".into(),
        ));
    }
    // Output files that cannot be written are refused before anything is decided.
    args.report.check_outputs(&args.files, None)?;
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
    let pipeline = args.report.pipeline();
    let mut worst = ExitCode::Allowed;
    let mut results: Vec<Value> = Vec::new();
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for ((file, eval), load) in args.files.iter().zip(&evals).zip(&loaded) {
        let shown = scanner.redact(file);
        // The load error itself, with its positions, when the file never got to evaluation.
        let outcome = match (eval, load) {
            (Ok(eval), Ok((_, ws))) => Ok((eval, ws)),
            (Err(_), Err(error)) | (Err(error), Ok(_)) => Err(error),
            // An evaluation exists only for a file that loaded.
            (Ok(_), Err(error)) => Err(error),
        };
        match outcome {
            Ok((eval, ws)) => {
                let outcome = pipeline.judge(eval.decision, eval.tier);
                worst = worst.worst(outcome.code);
                let mut j = render::plan_json(eval);
                if let Value::Object(map) = &mut j {
                    map.insert("file".into(), json!(shown));
                    map.insert("exit_code".into(), json!(outcome.code.code()));
                    if let Some(note) = ci::max_tier_json(&outcome, &pipeline) {
                        map.insert("max_tier".into(), note);
                    }
                }
                results.push(j);
                entries.push(Entry::Evaluated {
                    eval,
                    workspace: ws.root(),
                    outcome,
                });
            }
            Err(error) => {
                worst = worst.worst(ExitCode::Error);
                let mut j = render::error_json(error);
                if let Value::Object(map) = &mut j {
                    map.insert("file".into(), json!(shown));
                    map.insert("exit_code".into(), json!(ExitCode::Error.code()));
                }
                results.push(j);
                entries.push(Entry::Failed { file, error });
            }
        }
    }
    let cwd = report::current_dir();
    let report = Report {
        entries,
        pipeline,
        code: worst,
        cwd: cwd.as_deref(),
    };
    let render = |format: ReportFormat, styles: Styles| -> String {
        match format {
            ReportFormat::Text => text(&report, args.files.len(), scanner, styles),
            ReportFormat::Json => {
                let doc = json!({
                    "version": render::VERSION,
                    "exit_code": worst.code(),
                    "outcome": ci::outcome_word(worst),
                    "results": results,
                });
                render::json_safe(format!("{doc:#}\n"))
            }
            ReportFormat::Sarif => ci::sarif(&report),
            ReportFormat::Junit => ci::junit(&report),
            ReportFormat::Github => ci::github(&report),
        }
    };
    let files: Vec<(std::path::PathBuf, String)> = args
        .report
        .files()
        .into_iter()
        .map(|(format, file)| (file.to_path_buf(), render(format, Styles { color: false })))
        .collect();
    let written = report::write_files(&files);
    print!("{}", render(args.report.stdout_format(), styles));
    written.map(|()| worst)
}

/// Every file's review (or its error), then one line with the outcome.
fn text(report: &Report<'_>, files: usize, scanner: &Scanner, styles: Styles) -> String {
    let mut text = String::new();
    for entry in &report.entries {
        match entry {
            Entry::Evaluated { eval, outcome, .. } => {
                text.push_str(&render::plan_text(eval, styles));
                if let Some(line) = ci::pipeline_line(outcome) {
                    text.push_str(&line);
                }
                text.push('\n');
            }
            Entry::Failed { file, error } => {
                text.push_str(&format!(
                    "{}: error: {}\n\n",
                    render::printable(&scanner.redact(file)),
                    error.redacted()
                ));
            }
        }
    }
    text.push_str(&format!(
        "check: {files} file(s), outcome: exit {} ({})\n",
        report.code.code(),
        ci::outcome_word(report.code)
    ));
    text
}
