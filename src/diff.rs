//! Turning an evaluated action into the lines a reviewer reads: a unified diff for file changes,
//! the parsed reading of commands, statements, requests and calls. Pure: no I/O, no colour.

use std::borrow::Cow;

use similar::{ChangeTag, TextDiff};

use crate::action::sql::WhereState;
use serde_json::Value;

use crate::action::terraform::{ChangeKind, KNOWN_AFTER_APPLY, SENSITIVE, TfChange, any_true};
use crate::action::{ItemDetail, ShellOrigin};
use crate::evaluate::{ActionEval, Change};
use crate::plan::{ActionKind, Edit, ShellCommand, value_text};
use crate::workspace::FileState;

/// Most diff lines shown for one action; the rest is summarised.
pub const MAX_DIFF_LINES: usize = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Header,
    Hunk,
    Added,
    Removed,
    Context,
    /// agentgate's reading: sub-commands, statement kinds.
    Reading,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: LineKind,
    pub text: String,
}

fn line(kind: LineKind, text: impl Into<String>) -> DiffLine {
    DiffLine {
        kind,
        text: text.into(),
    }
}

/// The lines to show for one action. `redact` hides secrets in everything shown.
pub fn action_lines(action: &ActionEval, redact: &dyn Fn(&str) -> String) -> Vec<DiffLine> {
    let mut out = Vec::new();
    match (&action.change, &action.proposed.kind) {
        (Change::Read { path }, _) => {
            out.push(line(LineKind::Info, format!("reads {}", redact(path))))
        }
        (
            Change::File {
                path,
                before,
                after,
            },
            _,
        ) => file_diff(&redact(path), before, after.as_deref(), redact, &mut out),
        (Change::Other, ActionKind::Shell(shell)) => {
            let command = match &shell.command {
                ShellCommand::Script(s) => s.clone(),
                ShellCommand::Argv(_) => format!("{}   (argv, no shell)", shell.command.display()),
            };
            out.push(line(LineKind::Header, format!("$ {}", redact(&command))));
            if let Some(cwd) = &shell.cwd {
                out.push(line(
                    LineKind::Info,
                    format!("cwd: {}", redact(&cwd.relative)),
                ));
            }
            if !shell.env.is_empty() {
                let names: Vec<String> = shell.env.keys().map(|k| redact(k)).collect();
                out.push(line(
                    LineKind::Info,
                    format!("env: {} (values not shown)", names.join(", ")),
                ));
            }
            if let Some(t) = shell.timeout {
                out.push(line(LineKind::Info, format!("timeout: {t}s")));
            }
            if let Some(r) = &shell.rollback {
                out.push(line(LineKind::Info, format!("rollback: {}", redact(r))));
            }
            readings(action, redact, &mut out);
        }
        (Change::Other, ActionKind::Sql(sql)) => {
            out.push(line(
                LineKind::Header,
                format!("database: {}", redact(&sql.database.relative)),
            ));
            for l in sql.statement.lines() {
                out.push(line(LineKind::Context, redact(l)));
            }
            readings(action, redact, &mut out);
        }
        (Change::Other, ActionKind::Http(http)) => {
            out.push(line(
                LineKind::Header,
                format!("{} {}", http.method, redact(http.url.as_str())),
            ));
            for (name, value) in &http.headers {
                let shown = if crate::secrets::sensitive_key(name) {
                    "[REDACTED:header]".to_string()
                } else {
                    redact(value)
                };
                out.push(line(LineKind::Info, format!("{}: {shown}", redact(name))));
            }
            if let Some(body) = &http.body {
                let body = &crate::secrets::hide_sensitive_fields(body);
                let text = serde_json::to_string_pretty(body).unwrap_or_else(|_| value_text(body));
                let text = if body.is_string() {
                    value_text(body)
                } else {
                    text
                };
                for l in redact(&text).lines() {
                    out.push(line(LineKind::Added, l));
                }
            }
        }
        (Change::Other, ActionKind::Call { name, args }) => {
            out.push(line(LineKind::Header, format!("call {}", redact(name))));
            let args = &crate::secrets::hide_sensitive_fields(args);
            let text = serde_json::to_string_pretty(args).unwrap_or_else(|_| value_text(args));
            for l in redact(&text).lines() {
                out.push(line(LineKind::Context, l));
            }
            out.push(line(
                LineKind::Info,
                "not executed by agentgate: the agent's runtime runs it once approved",
            ));
        }
        (Change::Other, ActionKind::Terraform(tf)) => terraform_diff(tf, redact, &mut out),
        (Change::Other, ActionKind::Unknown { tool, fields }) => {
            out.push(line(
                LineKind::Header,
                format!("unknown tool {}", redact(tool)),
            ));
            let fields = crate::secrets::hide_sensitive_fields(&serde_json::json!(fields));
            let text = serde_json::to_string_pretty(&fields).unwrap_or_default();
            for l in redact(&text).lines() {
                out.push(line(LineKind::Context, l));
            }
        }
        (
            Change::Other,
            ActionKind::FileEdit {
                edit: Edit::Patch(p),
                ..
            },
        ) => {
            for l in redact(p).lines() {
                out.push(line(LineKind::Context, l));
            }
        }
        (Change::Other, _) => {}
    }
    out
}

/// A resource change as Terraform shows it: `+` create, `-` destroy, `~` update in place, `-/+`
/// and `+/-` replace, with attribute-level before and after; unchanged attributes are counted.
fn terraform_diff(tf: &TfChange, redact: &dyn Fn(&str) -> String, out: &mut Vec<DiffLine>) {
    let kind = tf.kind;
    let mut head = format!("# {} {}", redact(&tf.address), kind.phrase());
    if let Some(reason) = &tf.action_reason {
        head.push_str(&format!(" ({})", redact(reason)));
    }
    out.push(line(LineKind::Header, one_line(&head)));
    if matches!(kind, ChangeKind::NoOp) {
        return;
    }
    let block = if tf.mode == "data" {
        "data"
    } else {
        "resource"
    };
    let sym = kind.symbol();
    out.push(line(
        kind_line(sym),
        one_line(&format!(
            "{sym} {block} \"{}\" \"{}\" {{",
            redact(&tf.rtype),
            redact(&tf.name)
        )),
    ));
    let mut tfd = TfDiff {
        redact,
        out,
        hidden: 0,
        budget: MAX_DIFF_LINES,
    };
    let (before, after) = match kind {
        ChangeKind::Delete | ChangeKind::Forget => (&tf.before, &Value::Null),
        _ => (&tf.before, &tf.after),
    };
    let unknown = if after.is_null() {
        &Value::Null
    } else {
        &tf.after_unknown
    };
    tfd.object(before, after, unknown, 1);
    let hidden = tfd.hidden;
    if hidden > 0 {
        out.push(line(
            LineKind::Info,
            format!("    # ({hidden} unchanged attribute(s) hidden)"),
        ));
    }
    out.push(line(LineKind::Context, "  }"));
    if !tf.facts.sensitive.is_empty() {
        out.push(line(
            LineKind::Info,
            format!(
                "sensitive (not shown): {}",
                redact(&tf.facts.sensitive.join(", "))
            ),
        ));
    }
}

fn kind_line(sym: &str) -> LineKind {
    match sym {
        "+" | "+/-" => LineKind::Added,
        "-" | "-/+" => LineKind::Removed,
        "~" => LineKind::Hunk,
        _ => LineKind::Context,
    }
}

struct TfDiff<'r, 'o> {
    redact: &'r dyn Fn(&str) -> String,
    out: &'o mut Vec<DiffLine>,
    hidden: usize,
    budget: usize,
}

impl TfDiff<'_, '_> {
    fn push(&mut self, sym: &str, depth: usize, text: String) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        if self.budget == 0 {
            self.out
                .push(line(LineKind::Info, "    ... (more attributes not shown)"));
            return;
        }
        let pad = "    ".repeat(depth);
        self.out.push(line(
            kind_line(sym),
            format!("{pad}{sym} {}", one_line(&(self.redact)(&text))),
        ));
    }

    /// A JSON document attribute (an IAM policy) as a line diff of its pretty-printed form.
    fn document(&mut self, name: &str, before: &Value, after: &Value, depth: usize) {
        let pretty = |v: &Value| {
            if v.is_null() {
                String::new()
            } else {
                serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
            }
        };
        let (b, a) = (pretty(before), pretty(after));
        let sym = match (before.is_null(), after.is_null()) {
            (true, _) => "+",
            (_, true) => "-",
            _ => "~",
        };
        self.push(sym, depth, format!("{name} = jsonencode("));
        let diff = TextDiff::configure()
            .timeout(std::time::Duration::from_millis(500))
            .diff_lines(&b, &a);
        for change in diff.iter_all_changes() {
            let sym = match change.tag() {
                ChangeTag::Insert => "+",
                ChangeTag::Delete => "-",
                ChangeTag::Equal => " ",
            };
            self.push(sym, depth + 1, change.value().trim_end().to_string());
        }
        self.push(" ", depth, ")".into());
    }

    /// The attributes of two objects (either may be null: a create or a destroy).
    fn object(&mut self, before: &Value, after: &Value, unknown: &Value, depth: usize) {
        let empty = serde_json::Map::new();
        let b = before.as_object().unwrap_or(&empty);
        let a = after.as_object().unwrap_or(&empty);
        let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
        if let Some(u) = unknown.as_object() {
            keys.extend(
                u.iter()
                    .filter(|(_, v)| v == &&Value::Bool(true))
                    .map(|(k, _)| k),
            );
        }
        keys.sort();
        keys.dedup();
        let width = keys
            .iter()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        for key in keys {
            let bv = b.get(key.as_str()).unwrap_or(&Value::Null);
            let av = a.get(key.as_str()).unwrap_or(&Value::Null);
            let uv = unknown.get(key.as_str()).unwrap_or(&Value::Null);
            self.attribute(key, width, bv, av, uv, depth);
        }
    }

    fn attribute(
        &mut self,
        key: &str,
        width: usize,
        before: &Value,
        after: &Value,
        unknown: &Value,
        depth: usize,
    ) {
        let name = format!("{key:width$}");
        // A value under a credential-like name is not shown, marked sensitive or not.
        if crate::secrets::sensitive_key(key) && !(before.is_null() && after.is_null()) {
            if before == after {
                self.hidden += 1;
                return;
            }
            let shown = |v: &Value| if v.is_null() { "null" } else { SENSITIVE };
            let sym = match (before.is_null(), after.is_null()) {
                (true, _) => "+",
                (_, true) => "-",
                _ => "~",
            };
            let text = match sym {
                "+" => format!("{name} = {SENSITIVE}"),
                _ => format!("{name} = {SENSITIVE} -> {}", shown(after)),
            };
            self.push(sym, depth, text);
            return;
        }
        if unknown == &Value::Bool(true) {
            if before.is_null() {
                self.push("+", depth, format!("{name} = {KNOWN_AFTER_APPLY}"));
            } else {
                self.push(
                    "~",
                    depth,
                    format!("{name} = {} -> {KNOWN_AFTER_APPLY}", scalar(before)),
                );
            }
            return;
        }
        if before == after && !any_true(unknown) {
            if !before.is_null() {
                self.hidden += 1;
            }
            return;
        }
        let nested = |v: &Value| {
            v.is_object()
                || v.as_array()
                    .is_some_and(|a| a.iter().any(|i| i.is_object()))
        };
        if nested(before) || nested(after) {
            let sym = match (before.is_null(), after.is_null()) {
                (true, _) => "+",
                (_, true) => "-",
                _ => "~",
            };
            match (before, after) {
                (Value::Array(_), _) | (_, Value::Array(_)) => {
                    let empty = Vec::new();
                    let b = before.as_array().unwrap_or(&empty);
                    let a = after.as_array().unwrap_or(&empty);
                    for i in 0..b.len().max(a.len()) {
                        let bi = b.get(i).unwrap_or(&Value::Null);
                        let ai = a.get(i).unwrap_or(&Value::Null);
                        let ui = unknown.get(i).unwrap_or(&Value::Null);
                        if bi == ai && !any_true(ui) {
                            self.hidden += 1;
                            continue;
                        }
                        let sym = match (bi.is_null(), ai.is_null()) {
                            (true, _) => "+",
                            (_, true) => "-",
                            _ => "~",
                        };
                        self.push(sym, depth, format!("{key} {{"));
                        self.object(bi, ai, ui, depth + 1);
                        self.push(" ", depth, "}".into());
                    }
                }
                _ => {
                    self.push(sym, depth, format!("{key} {{"));
                    self.object(before, after, unknown, depth + 1);
                    self.push(" ", depth, "}".into());
                }
            }
            return;
        }
        let doc = |v: &Value| v.as_str().and_then(json_doc);
        if let (Some(b), Some(a)) = (
            doc(before).or(before.is_null().then_some(Value::Null)),
            doc(after).or(after.is_null().then_some(Value::Null)),
        ) && !(b.is_null() && a.is_null())
        {
            self.document(&name, &b, &a, depth);
            return;
        }
        match (before.is_null(), after.is_null()) {
            (true, false) => self.push("+", depth, format!("{name} = {}", scalar(after))),
            (false, true) => self.push("-", depth, format!("{name} = {} -> null", scalar(before))),
            _ => self.push(
                "~",
                depth,
                format!("{name} = {} -> {}", scalar(before), scalar(after)),
            ),
        }
    }
}

/// One diff line cannot become several: a line break in a key or a name (which a plan can carry)
/// is shown escaped, so it cannot print a line of its own (a fake decision, a CI workflow command).
fn one_line(text: &str) -> String {
    if text.contains(['\n', '\r']) {
        text.replace('\r', "\\r").replace('\n', "\\n")
    } else {
        text.to_string()
    }
}

/// Largest JSON document in a string attribute diffed line by line; a larger one is shown on one
/// line (the line diff is quadratic in the worst case).
const MAX_DOC_DIFF: usize = 64 * 1024;

/// A JSON document held in a string attribute (an IAM policy), if it is one.
fn json_doc(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) || s.len() > MAX_DOC_DIFF {
        return None;
    }
    serde_json::from_str::<Value>(s)
        .ok()
        .filter(|d| d.is_object() || d.is_array())
}

/// A value on one line: strings quoted (a JSON document inside is shown compact), the rest as JSON.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if s == SENSITIVE => SENSITIVE.to_string(),
        Value::String(s) => match json_doc(s) {
            Some(doc) => format!("jsonencode({doc})"),
            None => serde_json::to_string(s).unwrap_or_default(),
        },
        other => other.to_string(),
    }
}

/// How agentgate read each sub-command or statement, with its tier and why.
fn readings(action: &ActionEval, redact: &dyn Fn(&str) -> String, out: &mut Vec<DiffLine>) {
    for item in &action.items {
        let reading = match &item.detail {
            ItemDetail::Shell { command, origin } => {
                let mut s = redact(&command.text);
                if !command.wrappers.is_empty() {
                    s.push_str(&format!("   [via {}]", command.wrappers.join(" > ")));
                }
                if *origin == ShellOrigin::Rollback {
                    s.push_str("   [rollback]");
                }
                s
            }
            ItemDetail::ShellUnreadable { error, .. } => format!("unreadable shell: {error}"),
            ItemDetail::Sql { stmt, rows } => {
                let mut s = stmt.kind.to_uppercase();
                if !stmt.tables.is_empty() {
                    s.push_str(&format!(" {}", stmt.tables.join(", ")));
                }
                if let Some(w) = stmt.where_state() {
                    s.push_str(match w {
                        WhereState::Present => ", WHERE present",
                        WhereState::AlwaysTrue => ", WHERE always true",
                        WhereState::Absent => ", no WHERE",
                    });
                }
                if let Some(n) = rows {
                    s.push_str(&format!(
                        ", hits {n} row{} now",
                        if *n == 1 { "" } else { "s" }
                    ));
                }
                s
            }
            ItemDetail::SqlUnreadable { error } => format!("unreadable SQL: {error}"),
            ItemDetail::Whole => continue,
        };
        let why = if item.classified_by.is_empty() {
            item.why.clone()
        } else {
            format!("classified by {}", item.classified_by.join(", "))
        };
        out.push(line(
            LineKind::Reading,
            format!("├ tier {}  {reading}  — {why}", item.tier),
        ));
    }
}

fn file_diff(
    path: &str,
    before: &FileState,
    after: Option<&str>,
    redact: &dyn Fn(&str) -> String,
    out: &mut Vec<DiffLine>,
) {
    let old: Cow<'_, str> = match before {
        FileState::Text(t) => Cow::Owned(redact(t)),
        FileState::Missing => Cow::Borrowed(""),
        FileState::Opaque { bytes } => {
            out.push(line(
                LineKind::Info,
                format!("{path}: binary or large file ({bytes} bytes), not shown"),
            ));
            match after {
                Some(a) => out.push(line(
                    LineKind::Info,
                    format!("replaced by {} bytes of text", a.len()),
                )),
                None => out.push(line(LineKind::Removed, format!("deleted {path}"))),
            }
            return;
        }
        FileState::Directory => Cow::Borrowed(""),
    };
    let new = after.map(redact).unwrap_or_default();
    let old_name = if *before == FileState::Missing {
        "/dev/null".to_string()
    } else {
        format!("a/{path}")
    };
    let new_name = if after.is_none() {
        "/dev/null".to_string()
    } else {
        format!("b/{path}")
    };
    if after.is_some() && old == new.as_str() && *before != FileState::Missing {
        out.push(line(LineKind::Info, format!("{path}: no change")));
        return;
    }
    out.push(line(LineKind::Header, format!("--- {old_name}")));
    out.push(line(LineKind::Header, format!("+++ {new_name}")));
    let diff = TextDiff::from_lines(old.as_ref(), new.as_str());
    let mut shown = 0usize;
    let mut hidden = 0usize;
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let mut hunk_lines = vec![line(LineKind::Hunk, hunk.header().to_string())];
        for change in hunk.iter_changes() {
            let (kind, sign) = match change.tag() {
                ChangeTag::Insert => (LineKind::Added, '+'),
                ChangeTag::Delete => (LineKind::Removed, '-'),
                ChangeTag::Equal => (LineKind::Context, ' '),
            };
            let text = change.value().trim_end_matches(['\n', '\r']);
            hunk_lines.push(line(kind, format!("{sign}{text}")));
            if change.missing_newline() {
                hunk_lines.push(line(LineKind::Info, "\\ No newline at end of file"));
            }
        }
        for l in hunk_lines {
            if shown < MAX_DIFF_LINES {
                out.push(l);
                shown += 1;
            } else {
                hidden += 1;
            }
        }
    }
    if hidden > 0 {
        out.push(line(
            LineKind::Info,
            format!("… {hidden} more diff lines not shown"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[DiffLine]) -> Vec<String> {
        lines.iter().map(|l| l.text.clone()).collect()
    }

    #[test]
    fn new_file_is_all_added_and_delete_all_removed() {
        let mut out = Vec::new();
        file_diff(
            "a.txt",
            &FileState::Missing,
            Some("one\ntwo\n"),
            &|s| s.to_string(),
            &mut out,
        );
        assert_eq!(
            texts(&out),
            [
                "--- /dev/null",
                "+++ b/a.txt",
                "@@ -0,0 +1,2 @@",
                "+one",
                "+two"
            ]
        );
        let mut out = Vec::new();
        file_diff(
            "a.txt",
            &FileState::Text("one\n".into()),
            None,
            &|s| s.to_string(),
            &mut out,
        );
        assert_eq!(
            texts(&out),
            ["--- a/a.txt", "+++ /dev/null", "@@ -1 +0,0 @@", "-one"]
        );
    }

    #[test]
    fn change_shows_context_and_redacts_both_sides() {
        let mut out = Vec::new();
        let redact = |s: &str| s.replace("SECRET", "[REDACTED:x]");
        file_diff(
            "c.yaml",
            &FileState::Text("a: 1\nkey: SECRET\n".into()),
            Some("a: 2\nkey: SECRET\n"),
            &redact,
            &mut out,
        );
        let all = texts(&out).join("\n");
        assert!(
            all.contains("-a: 1") && all.contains("+a: 2") && all.contains(" key: [REDACTED:x]"),
            "{all}"
        );
        assert!(!all.contains("SECRET"));
    }

    #[test]
    fn long_diffs_are_cut() {
        let mut out = Vec::new();
        let big: String = (0..1000).map(|i| format!("{i}\n")).collect();
        file_diff(
            "big",
            &FileState::Missing,
            Some(&big),
            &|s| s.to_string(),
            &mut out,
        );
        assert!(out.len() <= MAX_DIFF_LINES + 3);
        assert!(out.last().unwrap().text.contains("more diff lines"));
    }
}
