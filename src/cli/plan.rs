//! `agentgate plan`: evaluate one plan, record the decision, and show it to a person or a harness.

use serde_json::{Value, json};

use super::{Format, GateArgs, load_policy, read_input, today, workspace_for};
use crate::audit::Store;
use crate::audit::record::error_record;
use crate::containment::decide_and_record;
use crate::error::{Error, ExitCode};
use crate::evaluate::evaluate;
use crate::plan::Plan;
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write a sealed plan to FILE (mode 0600) for `agentgate apply FILE`: the plan, its
    /// evaluation, the fingerprints of its targets and a MAC with the local key.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

pub fn run(args: PlanArgs, styles: Styles) -> Result<ExitCode, Error> {
    // The trail opens first: a decision that cannot be recorded is not made.
    let result = args
        .gate
        .db
        .open()
        .and_then(|mut store| decide(&mut store, &args, styles));
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

/// Evaluate one plan file, record the decision, seal it if asked, and render it.
fn decide(store: &mut Store, args: &PlanArgs, styles: Styles) -> Result<(ExitCode, String), Error> {
    let (path, gate, format) = (args.plan.as_str(), &args.gate, args.format);
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
    let out = match format {
        Format::Text => {
            let mut out = render::plan_text(&eval, styles);
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
        Format::Json => {
            let mut doc = render::plan_json(&eval);
            if let (Some((file, sealed)), Value::Object(map)) = (&sealed, &mut doc) {
                map.insert(
                    "sealed".into(),
                    json!({"file": file.display().to_string(), "id": sealed.id}),
                );
            }
            let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
            out.push('\n');
            out
        }
    };
    Ok((eval.decision.exit_code(), out))
}

/// Write `bytes` to `path` through a temporary file in the same folder, owner-only (a sealed plan
/// holds the plan as written), replacing what was there.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".agentgate-sealed-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir.display(), e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(path.display(), e))?;
    temp.persist(path)
        .map_err(|e| Error::io(path.display(), e.error))?;
    Ok(())
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
