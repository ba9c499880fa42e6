//! `agentgate explain --shell CMD | --sql STMT [--dialect D] | --http 'METHOD URL'`: one input
//! evaluated as a one-action plan by the same engine and policy set as `plan`, shown as agentgate
//! reads it. Nothing is recorded or executed; the exit code is 0 whatever the decision.

use std::path::PathBuf;

use clap::ArgGroup;

use super::{Format, load_policy, today};
use crate::action::sql::Dialect;
use crate::error::{Diagnostic, Error, ExitCode};
use crate::evaluate::evaluate;
use crate::plan::{ActionKind, Plan};
use crate::render::Styles;
use crate::render::explain::{Input, json, text};
use crate::workspace::WsPath;

#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("input").required(true).args(["shell", "sql", "http"])))]
pub struct ExplainArgs {
    /// A shell command, read as `sh -c` would run it: sub-commands unwrapped, flags normalised.
    #[arg(long, value_name = "CMD")]
    shell: Option<String>,
    /// SQL text (one or more statements): statement kinds, tables, WHERE.
    #[arg(long, value_name = "STMT")]
    sql: Option<String>,
    /// The dialect --sql is read in: sqlite (the default), postgres, mysql or generic.
    #[arg(long, value_name = "D", conflicts_with_all = ["shell", "http"])]
    dialect: Option<Dialect>,
    /// An HTTP request, 'METHOD URL': method, scheme, host, port, path and the hosts allowed.
    #[arg(long, value_name = "'METHOD URL'")]
    http: Option<String>,
    /// The body of the --http request (scanned for secrets, matched by body rules).
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["shell", "sql"])]
    body: Option<String>,
    /// Policy folder (repeatable). Default: AGENTGATE_POLICY (folders separated like PATH), else
    /// `policy` in config.yaml, else .agentgate/policies if it exists, else the embedded pack.
    #[arg(long = "policy", value_name = "DIR")]
    policy: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: ExplainArgs, styles: Styles) -> Result<ExitCode, Error> {
    let (kind, input, action) = if let Some(cmd) = &args.shell {
        (
            "shell",
            cmd,
            serde_json::json!({"tool": "shell.exec", "command": cmd}),
        )
    } else if let Some(sql) = &args.sql {
        (
            "sql",
            sql,
            serde_json::json!({"tool": "sql.exec", "database": "explain.db", "statement": sql}),
        )
    } else if let Some(http) = &args.http {
        let mut words = http.split_whitespace();
        let (Some(method), Some(url), None) = (words.next(), words.next(), words.next()) else {
            return Err(Error::Usage(format!(
                "--http takes 'METHOD URL', e.g. --http 'POST https://api.example.com/v1/x'; got {http:?}"
            )));
        };
        let mut action = serde_json::json!({"tool": "http.request", "method": method, "url": url});
        if let Some(body) = &args.body {
            action["body"] = body.clone().into();
        }
        ("http", http, action)
    } else {
        return Err(Error::Usage("give one of --shell, --sql or --http".into()));
    };
    let origin = format!("--{kind}");
    let policy = load_policy(&args.policy)?;
    let mut action = action;
    action["id"] = "explain".into();
    let doc = serde_json::json!({"version": 1, "agent": "explain", "actions": [action]});
    // Nothing here touches files: the SQL database path leads nowhere, so no rows are counted.
    let nowhere = |p: &str| {
        Ok(WsPath {
            relative: p.to_owned(),
            absolute: PathBuf::from("/dev/null/agentgate-explain"),
        })
    };
    let mut plan = Plan::parse(&doc.to_string(), &origin, &nowhere).map_err(|e| match e {
        // The plan is agentgate's own: only the input's own problem is worth showing.
        Error::Input(d) => Error::Input(Diagnostic::new(&origin, d.message)),
        other => other,
    })?;
    let mut dialect = None;
    for action in &mut plan.actions {
        if let ActionKind::Sql(sql) = &mut action.kind {
            sql.dialect = args.dialect.unwrap_or_default();
            dialect = Some(sql.dialect.name());
        }
    }
    let ws = crate::workspace::Workspace::open(std::path::Path::new(".")).map_err(Error::Usage)?;
    let eval = evaluate(&plan, &policy, &ws, today())?;
    let Some(action) = eval.actions.first() else {
        return Err(Error::Usage("nothing to explain".into()));
    };
    let reading = match &action.proposed.kind {
        ActionKind::Shell(s) => Some(crate::action::read_shell(&s.command)),
        _ => None,
    };
    let input = Input {
        kind,
        text: input,
        dialect,
        constructs: reading.as_ref().map_or(&[], |r| r.constructs.as_slice()),
        error: reading.as_ref().and_then(|r| r.error.as_deref()),
    };
    let out = match args.format {
        Format::Json => json(&input, action, policy.scanner()),
        Format::Text => text(&input, action, policy.scanner(), styles),
    };
    print!("{out}");
    Ok(ExitCode::Allowed)
}
