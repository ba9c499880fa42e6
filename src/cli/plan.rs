//! `agentgate plan`: evaluate one plan, record the decision, and show it to a person, a harness
//! or a pipeline (the CI formats and exit-code options of `report.rs`).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::report::{self, ReportArgs, ReportFormat};
use super::{GateArgs, load_policy, read_input, today, workspace_for};
use crate::audit::Store;
use crate::audit::record::error_record;
use crate::containment::decide_and_record;
use crate::error::{Error, ExitCode};
use crate::evaluate::evaluate;
use crate::plan::Plan;
use crate::render::ci::{self, Entry, Report};
use crate::render::{self, Styles};
use crate::seal::{Key, Sealed};
use crate::secrets::Scanner;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The plan file (YAML or JSON), or - for standard input.
    #[arg(value_name = "PLAN")]
    pub plan: String,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Also write a sealed plan to FILE (mode 0600) for `agentgate apply FILE`: the plan, its
    /// evaluation, the fingerprints of its targets and a MAC with the local key.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

/// What a run shows: its exit code, standard output, and the report files to write.
struct Rendered {
    code: ExitCode,
    stdout: String,
    files: Vec<(PathBuf, String)>,
}

pub fn run(args: PlanArgs, styles: Styles) -> Result<ExitCode, Error> {
    // Output files that cannot be written are refused before anything is decided.
    args.report
        .check_outputs(std::slice::from_ref(&args.plan), args.out.as_deref())?;
    let cwd = report::current_dir();
    // The trail opens first: a decision that cannot be recorded is not made.
    let result = args
        .gate
        .db
        .open()
        .and_then(|mut store| decide(&mut store, &args, styles, cwd.as_deref()));
    match result {
        Ok(rendered) => {
            let written = report::write_files(&rendered.files);
            print!("{}", rendered.stdout);
            written.map(|()| rendered.code)
        }
        Err(error) => {
            let render = |format, file| error_report(format, file, &args, &error, cwd.as_deref());
            let files: Vec<(PathBuf, String)> = args
                .report
                .files()
                .into_iter()
                .map(|(format, path)| (path.to_path_buf(), render(format, true)))
                .collect();
            let written = report::write_files(&files);
            print!("{}", render(args.report.stdout_format(), false));
            // The file error is reported; the plan's error is the one that decides the exit code.
            if let Err(e) = written {
                eprintln!("agentgate: error: {}", e.redacted());
            }
            Err(error)
        }
    }
}

/// A plan that could not be decided, in `format`. Text shows nothing on standard output (the
/// error goes to standard error); in a text file (`file`) it is the error line.
fn error_report(
    format: ReportFormat,
    file: bool,
    args: &PlanArgs,
    error: &Error,
    cwd: Option<&std::path::Path>,
) -> String {
    let report = || Report {
        entries: vec![Entry::Failed {
            file: &args.plan,
            error,
        }],
        pipeline: args.report.pipeline(),
        code: ExitCode::Error,
        cwd,
    };
    match format {
        ReportFormat::Text if file => format!("agentgate: error: {}\n", error.redacted()),
        ReportFormat::Text => String::new(),
        ReportFormat::Json => {
            let mut doc = render::error_json(error);
            if let Value::Object(map) = &mut doc {
                map.insert("exit_code".into(), json!(ExitCode::Error.code()));
            }
            render::json_safe(format!("{doc}\n"))
        }
        ReportFormat::Sarif => ci::sarif(&report()),
        ReportFormat::Junit => ci::junit(&report()),
        ReportFormat::Github => ci::github(&report()),
    }
}

/// Evaluate one plan file, record the decision, seal it if asked, and render it.
fn decide(
    store: &mut Store,
    args: &PlanArgs,
    styles: Styles,
    cwd: Option<&std::path::Path>,
) -> Result<Rendered, Error> {
    let (path, gate) = (args.plan.as_str(), &args.gate);
    // The policy compiles on another thread while the plan is read and parsed.
    let (policy, plan) = std::thread::scope(|scope| {
        let policy = scope.spawn(|| load_policy(&gate.policy));
        let plan = workspace_for(path, gate.workspace.as_deref()).and_then(|ws| {
            let text = read_input(path)?;
            let plan = Plan::parse(&text, path, &|p| ws.resolve(p))?;
            Ok((plan, ws, text))
        });
        let policy = policy
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (policy, plan)
    });
    // A policy that fails to load stops the command before anything else is reported.
    let policy = policy.map_err(|e| record_failure(store, "plan", path, e, Scanner::builtin()))?;
    let scanner = policy.scanner();
    let (plan, workspace, text) =
        plan.map_err(|e| record_failure(store, "plan", path, e, scanner))?;
    // A sealed plan is for `agentgate apply`, which does not run Terraform; and it would keep the
    // document as written, sensitive values in clear.
    if args.out.is_some()
        && plan
            .actions
            .iter()
            .any(|a| matches!(a.kind, crate::plan::ActionKind::Terraform(_)))
    {
        let e = Error::Usage(format!(
            "{path} is a Terraform plan: it is checked (`agentgate check`) and applied by Terraform, so it is not sealed (-o)"
        ));
        return Err(record_failure(store, "plan", path, e, scanner));
    }
    // The key is needed before anything is recorded: a plan that cannot be sealed is an error.
    let key = match &args.out {
        Some(_) => Some(
            Key::load_or_create(&Key::path_for(&gate.db.path()))
                .map_err(|e| record_failure(store, "plan", path, e, scanner))?,
        ),
        None => None,
    };
    // The plan's hash is only needed for output: compute it while the evaluation runs.
    let mut eval = std::thread::scope(|scope| {
        scope.spawn(|| plan.hash());
        evaluate(&plan, &policy, &workspace, today())
    })
    .map_err(|e| record_failure(store, "plan", path, e, scanner))?;
    store.write(policy.scanner(), |w| {
        decide_and_record(w, "plan", &policy, &mut eval, None)
    })?;
    let sealed = match (&args.out, &key) {
        (Some(file), Some(key)) => {
            let sealed = Sealed::seal(&eval, &text, &workspace, key, jiff::Timestamp::now());
            write_private(file, sealed.to_text().as_bytes())?;
            Some((file, sealed))
        }
        _ => None,
    };
    let pipeline = args.report.pipeline();
    let outcome = pipeline.judge(eval.decision, eval.tier);
    let render = |format: ReportFormat, styles: Styles| -> String {
        let report = || Report {
            entries: vec![Entry::Evaluated {
                eval: &eval,
                workspace: workspace.root(),
                outcome,
            }],
            pipeline,
            code: outcome.code,
            cwd,
        };
        match format {
            ReportFormat::Text => {
                let mut out = render::plan_text(&eval, styles);
                if let Some(line) = ci::pipeline_line(&outcome) {
                    out.push_str(&line);
                }
                if let Some((file, sealed)) = &sealed {
                    out.push_str(&format!(
                        "\nSealed plan {} written to {}. Apply exactly this with: agentgate apply {}\n",
                        sealed.short_id(),
                        file.display(),
                        file.display()
                    ));
                }
                out
            }
            ReportFormat::Json => {
                let mut doc = render::plan_json(&eval);
                if let Value::Object(map) = &mut doc {
                    if let Some((file, sealed)) = &sealed {
                        map.insert(
                            "sealed".into(),
                            json!({"file": file.display().to_string(), "id": sealed.id}),
                        );
                    }
                    map.insert("exit_code".into(), json!(outcome.code.code()));
                    if let Some(note) = ci::max_tier_json(&outcome, &pipeline) {
                        map.insert("max_tier".into(), note);
                    }
                }
                let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
                out.push('\n');
                render::json_safe(out)
            }
            ReportFormat::Sarif => ci::sarif(&report()),
            ReportFormat::Junit => ci::junit(&report()),
            ReportFormat::Github => ci::github(&report()),
        }
    };
    let files = args
        .report
        .files()
        .into_iter()
        .map(|(format, file)| (file.to_path_buf(), render(format, Styles { color: false })))
        .collect();
    Ok(Rendered {
        code: outcome.code,
        stdout: render(args.report.stdout_format(), styles),
        files,
    })
}

/// Write `bytes` to `path` through a temporary file in the same folder, owner-only (a sealed plan
/// holds the plan as written), replacing what was there.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    super::report::replace_file(path, bytes, ".agentgate-sealed-", 0o600)
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
