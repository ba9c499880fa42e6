//! `agentgate explain`: how one shell command, SQL text or HTTP request is read (sub-commands
//! unwrapped, statements and their kinds), and the tier, decision and rules that follow. Every
//! text shown goes through the secrets scanner first.

use serde::Serialize;
use serde_json::{Value, json};

use super::{FindingDoc, Styles, VERSION, finding_doc, finding_line, printable};
use crate::action::ItemDetail;
use crate::action::shell::SimpleCommand;
use crate::action::sql::{SqlStatement, WhereState};
use crate::evaluate::{ActionEval, ItemView};
use crate::plan::{ActionKind, HttpAction};
use crate::secrets::Scanner;

/// What was asked: `shell`, `sql` or `http`, the text, and for SQL the dialect.
pub struct Input<'a> {
    pub kind: &'static str,
    pub text: &'a str,
    pub dialect: Option<&'static str>,
    /// Shell structure seen (pipes, chains, substitutions...), and the error that stopped the
    /// reading, if any.
    pub constructs: &'a [String],
    pub error: Option<&'a str>,
}

#[derive(Serialize)]
struct ExplainDoc<'e> {
    version: &'static str,
    input: InputDoc<'e>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reading_error: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    constructs: &'e [String],
    items: Vec<Value>,
    findings: Vec<FindingDoc<'e>>,
    tier: crate::decision::Tier,
    decision: crate::decision::Decision,
}

#[derive(Serialize)]
struct InputDoc<'e> {
    kind: &'static str,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dialect: Option<&'static str>,
    /// The action the input was read as: `shell.exec`, `sql.exec` or `http.request`.
    tool: &'e str,
}

/// The secret values the scanner finds in the whole input. Some are only recognised in context
/// (`curl -u user:PASS`), so each piece shown is masked with them as well as scanned itself.
fn secrets_of(input: &str, scanner: &Scanner) -> Vec<String> {
    scanner
        .scan(input)
        .iter()
        .filter_map(|m| input.get(m.start..m.end))
        .filter(|v| v.len() >= 3)
        .map(str::to_owned)
        .collect()
}

/// `text` with every secret hidden: what the scanner finds in it, and the input's secrets.
fn mask(scanner: &Scanner, secrets: &[String], text: &str) -> String {
    let mut out = scanner.redact(text).into_owned();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[REDACTED]");
        }
    }
    out
}

/// A command's normalised flags, unless one of its words carries a secret: `-pS3cret` splits
/// into flags that spell the password.
fn shown_flags(c: &SimpleCommand, secrets: &[String]) -> Vec<String> {
    if c.args
        .iter()
        .any(|a| secrets.iter().any(|s| a.contains(s.as_str())))
    {
        vec!["[REDACTED: a word holds a secret]".to_owned()]
    } else {
        c.flags.clone()
    }
}

pub fn json(input: &Input<'_>, eval: &ActionEval<'_>, scanner: &Scanner) -> String {
    let secrets = secrets_of(input.text, scanner);
    let redact = |s: &str| mask(scanner, &secrets, s);
    let doc = ExplainDoc {
        version: VERSION,
        input: InputDoc {
            kind: input.kind,
            text: redact(input.text),
            dialect: input.dialect,
            tool: &eval.tool,
        },
        reading_error: input.error.map(redact),
        constructs: input.constructs,
        items: eval
            .items
            .iter()
            .map(|i| item_json(i, &eval.proposed.kind, &redact, &secrets))
            .collect(),
        findings: eval.findings.iter().map(finding_doc).collect(),
        tier: eval.tier,
        decision: eval.decision,
    };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn item_json(
    item: &ItemView,
    kind: &ActionKind,
    redact: &dyn Fn(&str) -> String,
    secrets: &[String],
) -> Value {
    let mut doc = match &item.detail {
        ItemDetail::Shell { command, origin } => {
            let mut v = command_json(command, redact, secrets);
            v["origin"] = json!(match origin {
                crate::action::ShellOrigin::Command => "command",
                crate::action::ShellOrigin::Rollback => "rollback",
            });
            v
        }
        ItemDetail::ShellUnreadable { error, .. } => {
            json!({"kind": "unreadable-shell", "error": redact(error)})
        }
        ItemDetail::Sql { stmt, rows } => {
            let mut v = statement_json(stmt, redact);
            if let Some(n) = rows {
                v["rows"] = json!(n);
            }
            v
        }
        ItemDetail::SqlUnreadable { error } => {
            json!({"kind": "unreadable-sql", "error": redact(error)})
        }
        ItemDetail::Whole => match kind {
            ActionKind::Http(h) => {
                let mut fields = serde_json::Map::new();
                fields.insert("kind".into(), json!("request"));
                http_fields(h, redact, &mut |name, value| {
                    if !value.is_empty() {
                        fields.insert(name.into(), json!(value));
                    }
                });
                Value::Object(fields)
            }
            _ => json!({"kind": "action"}),
        },
    };
    doc["tier"] = json!(item.tier);
    doc["why"] = json!(redact(&item.why));
    doc["classified_by"] = json!(item.classified_by);
    doc
}

fn command_json(c: &SimpleCommand, redact: &dyn Fn(&str) -> String, secrets: &[String]) -> Value {
    let list = |v: &[String]| v.iter().map(|s| redact(s)).collect::<Vec<_>>();
    json!({
        "kind": "command",
        "text": redact(&c.text),
        "program": c.program.as_deref().map(redact),
        "program_path": c.program_path.as_deref().map(redact),
        "subcommand": c.subcommand.as_deref().map(redact),
        "flags": list(&shown_flags(c, secrets)),
        "positionals": list(&c.positionals),
        "wrappers": list(&c.wrappers),
        // Values of assignments may be credentials: names only.
        "assignments": c.assignments.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        "redirects": c.redirects.iter().map(|r| json!({
            "op": r.op,
            "fd": r.fd,
            "target": r.target.as_deref().map(redact),
        })).collect::<Vec<_>>(),
        "writes": crate::action::written_files(c).into_iter().map(redact).collect::<Vec<_>>(),
        "dynamic_words": list(&c.dynamic_words),
    })
}

fn statement_json(s: &SqlStatement, redact: &dyn Fn(&str) -> String) -> Value {
    let mut v = json!({
        "kind": "statement",
        "statement_kind": s.kind,
        "text": redact(&s.text),
        "tables": s.tables.iter().map(|t| redact(t)).collect::<Vec<_>>(),
    });
    if let Some(w) = s.where_state() {
        v["where"] = json!(match w {
            WhereState::Present => "present",
            WhereState::AlwaysTrue => "always-true",
            WhereState::Absent => "absent",
        });
    }
    v
}

/// Method, scheme, host, port, path, query and credentials in the URL of a request.
fn http_fields(
    h: &HttpAction,
    redact: &dyn Fn(&str) -> String,
    field: &mut dyn FnMut(&str, String),
) {
    let url = &h.url;
    field("method", h.method.clone());
    field("scheme", url.scheme().to_owned());
    field("host", redact(url.host_str().unwrap_or("")));
    field(
        "port",
        url.port_or_known_default()
            .map(|p| p.to_string())
            .unwrap_or_default(),
    );
    field("path", redact(url.path()));
    field("query", url.query().map(redact).unwrap_or_default());
    if !url.username().is_empty() || url.password().is_some() {
        field("credentials", "user name or password in the URL".to_owned());
    }
    let headers: Vec<&str> = h.headers.keys().map(String::as_str).collect();
    field("headers", headers.join(", "));
}

pub fn text(input: &Input<'_>, eval: &ActionEval<'_>, scanner: &Scanner, styles: Styles) -> String {
    let secrets = secrets_of(input.text, scanner);
    let redact = |s: &str| printable(&mask(scanner, &secrets, s)).into_owned();
    let mut out = String::new();
    let dialect = input.dialect.map(|d| format!(" ({d})")).unwrap_or_default();
    out.push_str(&format!(
        "{}{dialect}: {}\n",
        input.kind,
        redact(input.text)
    ));
    if !input.constructs.is_empty() {
        out.push_str(&format!("structure: {}\n", input.constructs.join(", ")));
    }
    if let Some(e) = input.error {
        out.push_str(&format!("cannot read all of it: {}\n", redact(e)));
    }
    for (n, item) in eval.items.iter().enumerate() {
        let head = match &item.detail {
            ItemDetail::Shell { command, .. } => redact(&command.text),
            ItemDetail::ShellUnreadable { error, .. } => {
                format!("unreadable shell: {}", redact(error))
            }
            ItemDetail::Sql { stmt, .. } => redact(&stmt.text),
            ItemDetail::SqlUnreadable { error } => format!("unreadable SQL: {}", redact(error)),
            ItemDetail::Whole => eval.tool.clone(),
        };
        out.push_str(&format!("{}. {head}\n", n + 1));
        let field = |out: &mut String, name: &str, value: String| {
            if !value.is_empty() {
                out.push_str(&format!("     {name:<12}{value}\n"));
            }
        };
        match &item.detail {
            ItemDetail::Shell { command: c, .. } => {
                let program = match (&c.program, &c.program_path) {
                    (Some(p), Some(path)) if p != path => format!("{p} (as {})", redact(path)),
                    (Some(p), _) => p.clone(),
                    (None, _) if c.dynamic_words.is_empty() => "(none)".into(),
                    (None, _) => "(only known when it runs)".into(),
                };
                field(&mut out, "program", redact(&program));
                field(&mut out, "via", redact(&c.wrappers.join(" > ")));
                field(
                    &mut out,
                    "flags",
                    redact(&shown_flags(c, &secrets).join(" ")),
                );
                field(&mut out, "arguments", redact(&c.positionals.join(" ")));
                let names: Vec<&str> = c.assignments.iter().map(|(n, _)| n.as_str()).collect();
                field(&mut out, "assigns", names.join(" "));
                let redirects: Vec<String> = c
                    .redirects
                    .iter()
                    .map(|r| {
                        format!(
                            "{}{} {}",
                            r.fd.map(|f| f.to_string()).unwrap_or_default(),
                            r.op,
                            r.target.as_deref().map_or("(not a file)".into(), redact)
                        )
                    })
                    .collect();
                field(&mut out, "redirects", redirects.join(", "));
                field(&mut out, "unresolved", redact(&c.dynamic_words.join(" ")));
            }
            ItemDetail::Sql { stmt, .. } => {
                field(&mut out, "kind", stmt.kind.clone());
                field(&mut out, "tables", redact(&stmt.tables.join(", ")));
                if let Some(w) = stmt.where_state() {
                    let w = match w {
                        WhereState::Present => "present",
                        WhereState::AlwaysTrue => "always true (counts as none)",
                        WhereState::Absent => "none",
                    };
                    field(&mut out, "where", w.into());
                }
            }
            ItemDetail::Whole => {
                if let ActionKind::Http(h) = &eval.proposed.kind {
                    http_fields(h, &redact, &mut |name, value| field(&mut out, name, value));
                }
            }
            _ => {}
        }
        let several = eval.items.len() > 1;
        let rules: Vec<&str> = eval
            .findings
            .iter()
            .filter(|f| {
                // Findings name their item as the evaluation redacted it.
                !several
                    || (f.item.is_some()
                        && f.item == item.label.as_ref().map(|l| scanner.redact(l).into_owned()))
            })
            .map(|f| f.rule.as_str())
            .collect();
        let raised = if rules.is_empty() {
            String::new()
        } else {
            format!(" (rules: {})", rules.join(", "))
        };
        field(&mut out, "tier", format!("{}{raised}", item.tier));
        let read = if item.classified_by.is_empty() {
            redact(&item.why)
        } else {
            format!("classified by {}", item.classified_by.join(", "))
        };
        field(&mut out, "read as", read);
    }
    if eval.findings.is_empty() {
        out.push_str("rules: none fired\n");
    } else {
        out.push_str("rules:\n");
        for f in &eval.findings {
            out.push_str(&format!("  {}\n", printable(&finding_line(f))));
        }
    }
    let verdict = format!(
        "decision: {} (tier {}: {})",
        eval.decision,
        eval.tier,
        eval.tier.meaning()
    );
    out.push_str(&styles.decision(eval.decision, &verdict));
    out.push('\n');
    out
}
