//! The plan model (SPEC section 2): raw serde types with positions, validated into typed actions.
//! It owns parsing, limits and path confinement of a plan; not classification or evaluation.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::{Value, json};
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use crate::error::{Diagnostic, Error};
use crate::workspace::{WsPath, normalise};

/// Largest plan accepted, in bytes.
pub const MAX_PLAN_BYTES: usize = 16 * 1024 * 1024;
/// Most actions accepted in one plan.
pub const MAX_ACTIONS: usize = 50_000;
/// Longest shell timeout accepted, in seconds.
pub const MAX_TIMEOUT_SECS: u64 = 24 * 60 * 60;

/// A validated plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where it came from: a path as given, or `-`.
    pub origin: String,
    pub agent: String,
    pub task: Option<String>,
    pub intent: Option<String>,
    pub context: Vec<ContextItem>,
    pub actions: Vec<Action>,
    pub validate: Vec<Check>,
    /// `sha256:` of the canonical JSON of everything above but the origin; see [`Plan::hash`].
    hash: std::sync::OnceLock<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextItem {
    pub id: String,
    pub source: Option<String>,
    pub trust: Trust,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trust {
    Trusted,
    Untrusted,
}

impl Trust {
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Trusted => "trusted",
            Trust::Untrusted => "untrusted",
        }
    }
}

/// One proposed action, with the position of its entry in the plan file.
#[derive(Debug, Clone)]
pub struct Action {
    pub id: String,
    pub reason: Option<String>,
    pub kind: ActionKind,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone)]
pub enum ActionKind {
    FileRead {
        path: WsPath,
    },
    FileWrite {
        path: WsPath,
        content: String,
    },
    FileEdit {
        path: WsPath,
        edit: Edit,
    },
    FileDelete {
        path: WsPath,
    },
    Shell(ShellAction),
    Sql(SqlAction),
    Http(HttpAction),
    Call {
        name: String,
        args: Value,
    },
    /// One resource change of a Terraform plan: checked and recorded, run by Terraform.
    Terraform(Box<crate::action::terraform::TfChange>),
    /// A tool agentgate does not know: kept, shown, and escalated.
    Unknown {
        tool: String,
        fields: BTreeMap<String, Value>,
    },
}

#[derive(Debug, Clone)]
pub enum Edit {
    Replace { old: String, new: String },
    Patch(String),
}

#[derive(Debug, Clone)]
pub enum ShellCommand {
    /// A command string, run through `sh -c` exactly as written.
    Script(String),
    /// An argv, executed without a shell.
    Argv(Vec<String>),
}

impl ShellCommand {
    /// The command as a person reads it.
    pub fn display(&self) -> String {
        match self {
            ShellCommand::Script(s) => s.clone(),
            ShellCommand::Argv(argv) => argv
                .iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ShellAction {
    pub command: ShellCommand,
    pub cwd: Option<WsPath>,
    pub env: BTreeMap<String, String>,
    pub timeout: Option<u64>,
    pub rollback: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SqlAction {
    pub database: WsPath,
    pub statement: String,
    /// How the statement is read. A plan's `sql.exec` runs on SQLite; `agentgate explain --sql
    /// --dialect` reads other dialects.
    pub dialect: crate::action::sql::Dialect,
}

#[derive(Debug, Clone)]
pub struct HttpAction {
    pub method: String,
    pub url: url::Url,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

impl HttpAction {
    /// The body as text: strings as they are, anything else as compact JSON.
    pub fn body_text(&self) -> Option<String> {
        self.body.as_ref().map(value_text)
    }
}

/// A post-action check from the plan's `validate` list.
#[derive(Debug, Clone)]
pub struct Check {
    pub command: ShellCommand,
    pub timeout: Option<u64>,
    pub line: u64,
    pub column: u64,
}

pub const TOOLS: [&str; 9] = [
    "file.read",
    "file.write",
    "file.edit",
    "file.delete",
    "shell.exec",
    "sql.exec",
    "http.request",
    "call",
    "terraform",
];

impl ActionKind {
    pub fn tool(&self) -> &str {
        match self {
            ActionKind::FileRead { .. } => "file.read",
            ActionKind::FileWrite { .. } => "file.write",
            ActionKind::FileEdit { .. } => "file.edit",
            ActionKind::FileDelete { .. } => "file.delete",
            ActionKind::Shell(_) => "shell.exec",
            ActionKind::Sql(_) => "sql.exec",
            ActionKind::Http(_) => "http.request",
            ActionKind::Call { .. } => "call",
            ActionKind::Terraform(_) => "terraform",
            ActionKind::Unknown { tool, .. } => tool,
        }
    }

    /// What the action touches, in one line: a path, a command, a database, a URL or a tool name.
    pub fn target(&self) -> String {
        match self {
            ActionKind::FileRead { path }
            | ActionKind::FileWrite { path, .. }
            | ActionKind::FileEdit { path, .. }
            | ActionKind::FileDelete { path } => path.relative.clone(),
            ActionKind::Shell(shell) => shell.command.display(),
            ActionKind::Sql(sql) => sql.database.relative.clone(),
            ActionKind::Http(http) => http.url.to_string(),
            ActionKind::Call { name, .. } => name.clone(),
            ActionKind::Terraform(tf) => tf.address.clone(),
            ActionKind::Unknown { tool, .. } => tool.clone(),
        }
    }

    /// Every piece of free text the action carries, named, for the secrets scan.
    /// Borrowed where the text is already there, so scanning never copies file contents.
    pub fn texts(&self) -> Vec<(&'static str, Cow<'_, str>)> {
        let mut out: Vec<(&'static str, Cow<'_, str>)> = Vec::new();
        match self {
            ActionKind::FileRead { .. } | ActionKind::FileDelete { .. } => {}
            ActionKind::FileWrite { content, .. } => out.push(("content", Cow::Borrowed(content))),
            ActionKind::FileEdit {
                edit: Edit::Replace { new, .. },
                ..
            } => out.push(("new", Cow::Borrowed(new))),
            ActionKind::FileEdit {
                edit: Edit::Patch(patch),
                ..
            } => out.push(("patch", Cow::Owned(added_lines(patch)))),
            ActionKind::Shell(shell) => {
                out.push(("command", Cow::Owned(shell.command.display())));
                for (name, value) in &shell.env {
                    out.push(("env", Cow::Owned(format!("{name}={value}"))));
                }
                if let Some(rollback) = &shell.rollback {
                    out.push(("rollback", Cow::Borrowed(rollback)));
                }
            }
            ActionKind::Sql(sql) => out.push(("statement", Cow::Borrowed(&sql.statement))),
            ActionKind::Http(http) => {
                out.push(("url", Cow::Borrowed(http.url.as_str())));
                for (name, value) in &http.headers {
                    out.push(("headers", Cow::Owned(format!("{name}: {value}"))));
                }
                if let Some(body) = http.body_text() {
                    out.push(("body", Cow::Owned(body)));
                }
            }
            ActionKind::Call { args, .. } => out.push(("args", Cow::Owned(value_text(args)))),
            ActionKind::Terraform(tf) => out.push(("values", Cow::Owned(tf.texts()))),
            ActionKind::Unknown { fields, .. } => {
                for value in fields.values() {
                    out.push(("fields", Cow::Owned(value_text(value))));
                }
            }
        }
        out
    }

    /// The action's payload as canonical JSON (the shape a plan file writes).
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("tool".into(), json!(self.tool()));
        let mut put = |key: &str, value: Value| {
            map.insert(key.into(), value);
        };
        match self {
            ActionKind::FileRead { path } | ActionKind::FileDelete { path } => {
                put("path", json!(path.relative))
            }
            ActionKind::FileWrite { path, content } => {
                put("path", json!(path.relative));
                put("content", json!(content));
            }
            ActionKind::FileEdit { path, edit } => {
                put("path", json!(path.relative));
                match edit {
                    Edit::Replace { old, new } => {
                        put("old", json!(old));
                        put("new", json!(new));
                    }
                    Edit::Patch(patch) => put("patch", json!(patch)),
                }
            }
            ActionKind::Shell(shell) => {
                match &shell.command {
                    ShellCommand::Script(s) => put("command", json!(s)),
                    ShellCommand::Argv(argv) => put("argv", json!(argv)),
                }
                if let Some(cwd) = &shell.cwd {
                    put("cwd", json!(cwd.relative));
                }
                if !shell.env.is_empty() {
                    put("env", json!(shell.env));
                }
                if let Some(t) = shell.timeout {
                    put("timeout", json!(t));
                }
                if let Some(r) = &shell.rollback {
                    put("rollback", json!(r));
                }
            }
            ActionKind::Sql(sql) => {
                put("database", json!(sql.database.relative));
                put("statement", json!(sql.statement));
            }
            ActionKind::Http(http) => {
                put("method", json!(http.method));
                put("url", json!(http.url.as_str()));
                if !http.headers.is_empty() {
                    put("headers", json!(http.headers));
                }
                if let Some(body) = &http.body {
                    put("body", body.clone());
                }
            }
            ActionKind::Call { name, args } => {
                put("name", json!(name));
                put("args", args.clone());
            }
            ActionKind::Terraform(tf) => {
                if let Value::Object(fields) = tf.to_json() {
                    for (k, v) in fields {
                        put(&k, v);
                    }
                }
            }
            ActionKind::Unknown { fields, .. } => {
                for (k, v) in fields {
                    put(k, v.clone());
                }
            }
        }
        Value::Object(map)
    }
}

/// Sort every object's keys in place, so that equal plans hash equally whatever order their
/// author wrote the keys in.
pub fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// serde_json's message without its own " at line L column C" suffix.
fn json_message(e: &serde_json::Error) -> String {
    let m = e.to_string();
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m,
    }
}

/// A value as text: strings as they are, anything else as compact JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The `+` lines of a unified diff, without the `+`.
pub fn added_lines(patch: &str) -> String {
    patch
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .map(|l| &l[1..])
        .collect::<Vec<_>>()
        .join("\n")
}

/// Quote a word for display the way a POSIX shell would read it back.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

// ---- raw, positioned input -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    version: Spanned<u64>,
    agent: Spanned<String>,
    #[serde(default)]
    task: Option<String>,
    #[serde(default)]
    intent: Option<String>,
    #[serde(default)]
    context: Vec<RawContext>,
    actions: Spanned<Vec<Spanned<RawAction>>>,
    #[serde(default)]
    validate: Vec<Spanned<RawCheck>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContext {
    id: String,
    #[serde(default)]
    source: Option<String>,
    /// Absent means untrusted: what the agent read is untrusted unless someone says otherwise.
    #[serde(default)]
    trust: Option<Trust>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    argv: Option<Vec<String>>,
    #[serde(default)]
    timeout: Option<u64>,
}

/// An action as written: the union of every tool's fields, checked per tool when validated.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAction {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) tool: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    old: Option<String>,
    #[serde(default)]
    new: Option<String>,
    #[serde(default)]
    patch: Option<String>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    argv: Option<Vec<String>>,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    env: Option<BTreeMap<String, String>>,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    rollback: Option<String>,
    #[serde(default)]
    database: Option<String>,
    #[serde(default)]
    statement: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    headers: Option<BTreeMap<String, String>>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    args: Option<Value>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    change: Option<Value>,
}

/// Which fields each tool takes (besides id, tool, reason).
fn allowed_fields(tool: &str) -> &'static [&'static str] {
    match tool {
        "file.read" | "file.delete" => &["path"],
        "file.write" => &["path", "content"],
        "file.edit" => &["path", "old", "new", "patch"],
        "shell.exec" => &["command", "argv", "cwd", "env", "timeout", "rollback"],
        "sql.exec" => &["database", "statement"],
        "http.request" => &["method", "url", "headers", "body"],
        "call" => &["name", "args"],
        "terraform" => &["address", "provider", "change"],
        _ => &[
            "path",
            "content",
            "old",
            "new",
            "patch",
            "command",
            "argv",
            "cwd",
            "env",
            "timeout",
            "rollback",
            "database",
            "statement",
            "method",
            "url",
            "headers",
            "body",
            "name",
            "args",
            "address",
            "provider",
            "change",
        ],
    }
}

impl RawAction {
    fn present_fields(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut flag = |present: bool, name: &'static str| {
            if present {
                out.push(name);
            }
        };
        flag(self.path.is_some(), "path");
        flag(self.content.is_some(), "content");
        flag(self.old.is_some(), "old");
        flag(self.new.is_some(), "new");
        flag(self.patch.is_some(), "patch");
        flag(self.command.is_some(), "command");
        flag(self.argv.is_some(), "argv");
        flag(self.cwd.is_some(), "cwd");
        flag(self.env.is_some(), "env");
        flag(self.timeout.is_some(), "timeout");
        flag(self.rollback.is_some(), "rollback");
        flag(self.database.is_some(), "database");
        flag(self.statement.is_some(), "statement");
        flag(self.method.is_some(), "method");
        flag(self.url.is_some(), "url");
        flag(self.headers.is_some(), "headers");
        flag(self.body.is_some(), "body");
        flag(self.name.is_some(), "name");
        flag(self.args.is_some(), "args");
        flag(self.address.is_some(), "address");
        flag(self.provider.is_some(), "provider");
        flag(self.change.is_some(), "change");
        out
    }

    /// Validate into a typed action; `resolve` confines paths. `Err` is a message about this action.
    pub(crate) fn validate(
        self,
        resolve: &dyn Fn(&str) -> Result<WsPath, String>,
    ) -> Result<(Option<String>, Option<String>, ActionKind), String> {
        let tool = self.tool.clone().ok_or("missing field `tool`")?;
        let allowed = allowed_fields(&tool);
        let present = self.present_fields();
        if let Some(extra) = present.iter().find(|f| !allowed.contains(f)) {
            return Err(format!(
                "field `{extra}` does not belong to tool `{tool}` (it takes: {})",
                allowed.join(", ")
            ));
        }
        let path = |p: &Option<String>| -> Result<WsPath, String> {
            let raw = p
                .as_deref()
                .ok_or_else(|| format!("tool `{tool}` needs field `path`"))?;
            resolve(raw).map_err(|e| format!("path: {e}"))
        };
        let required = |v: Option<String>, field: &str| -> Result<String, String> {
            v.ok_or_else(|| format!("tool `{tool}` needs field `{field}`"))
        };
        let kind = match tool.as_str() {
            "file.read" => ActionKind::FileRead {
                path: path(&self.path)?,
            },
            "file.delete" => ActionKind::FileDelete {
                path: path(&self.path)?,
            },
            "file.write" => ActionKind::FileWrite {
                path: path(&self.path)?,
                content: required(self.content, "content")?,
            },
            "file.edit" => {
                let edit = match (self.old, self.new, self.patch) {
                    (Some(old), Some(new), None) => {
                        if old.is_empty() {
                            return Err("`old` is empty: an edit replaces existing text".into());
                        }
                        Edit::Replace { old, new }
                    }
                    (None, None, Some(patch)) => Edit::Patch(patch),
                    _ => {
                        return Err(
                            "tool `file.edit` takes either `old` and `new`, or `patch`".into()
                        );
                    }
                };
                ActionKind::FileEdit {
                    path: path(&self.path)?,
                    edit,
                }
            }
            "shell.exec" => {
                let command = shell_command(self.command, self.argv)?;
                let cwd = match &self.cwd {
                    Some(c) if normalise(c).is_err() && c.trim_end_matches('/') == "." => None,
                    Some(c) => Some(resolve(c).map_err(|e| format!("cwd: {e}"))?),
                    None => None,
                };
                let env = self.env.unwrap_or_default();
                if let Some(bad) = env.keys().find(|k| !valid_env_name(k)) {
                    return Err(format!("`{bad}` is not a valid environment variable name"));
                }
                ActionKind::Shell(ShellAction {
                    command,
                    cwd,
                    env,
                    timeout: check_timeout(self.timeout)?,
                    rollback: self.rollback,
                })
            }
            "sql.exec" => {
                let raw = self
                    .database
                    .as_deref()
                    .ok_or("tool `sql.exec` needs field `database`")?;
                let database = resolve(raw).map_err(|e| format!("database: {e}"))?;
                let statement = required(self.statement, "statement")?;
                if statement.trim().is_empty() {
                    return Err("`statement` is empty".into());
                }
                ActionKind::Sql(SqlAction {
                    database,
                    statement,
                    dialect: crate::action::sql::Dialect::Sqlite,
                })
            }
            "http.request" => {
                let method = required(self.method, "method")?.to_ascii_uppercase();
                if method.is_empty()
                    || method.len() > 20
                    || !method.chars().all(|c| c.is_ascii_alphabetic())
                {
                    return Err(
                        "`method` is not an HTTP method (letters only, like GET or POST)".into(),
                    );
                }
                let raw = required(self.url, "url")?;
                let url = url::Url::parse(&raw).map_err(|e| format!("url `{raw}`: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!("url `{raw}`: only http and https are supported"));
                }
                if url.host_str().is_none_or(str::is_empty) {
                    return Err(format!("url `{raw}` has no host"));
                }
                let mut headers = BTreeMap::new();
                for (name, value) in self.headers.unwrap_or_default() {
                    let token = !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                    if !token {
                        return Err(format!(
                            "header name {name:?} is not a valid HTTP header name"
                        ));
                    }
                    if value.contains(['\r', '\n', '\0']) {
                        return Err(format!(
                            "header `{name}` has a line break or NUL in its value"
                        ));
                    }
                    if headers.insert(name.to_ascii_lowercase(), value).is_some() {
                        return Err(format!(
                            "header `{name}` is given twice (header names ignore case)"
                        ));
                    }
                }
                ActionKind::Http(HttpAction {
                    method,
                    url,
                    headers,
                    body: self.body,
                })
            }
            "call" => {
                let name = required(self.name, "name")?;
                if name.trim().is_empty() {
                    return Err("`name` is empty".into());
                }
                ActionKind::Call {
                    name,
                    args: self.args.unwrap_or(Value::Object(Default::default())),
                }
            }
            "terraform" => {
                let address = required(self.address, "address")?;
                let change = self
                    .change
                    .ok_or("tool `terraform` needs field `change` (actions, before, after, ...)")?;
                let change: crate::action::terraform::RawChange =
                    serde_json::from_value(change).map_err(|e| format!("change: {e}"))?;
                ActionKind::Terraform(Box::new(crate::action::terraform::TfChange::new(
                    address,
                    self.provider,
                    change,
                    None,
                    None,
                )?))
            }
            _ => {
                let (id, reason) = (self.id.clone(), self.reason.clone());
                let fields = self.into_json_fields().into_iter().collect();
                return Ok((id, reason, ActionKind::Unknown { tool, fields }));
            }
        };
        Ok((self.id, self.reason, kind))
    }

    fn into_json_fields(self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                out.push((k.to_string(), v));
            }
        };
        put("path", self.path.map(Value::String));
        put("content", self.content.map(Value::String));
        put("old", self.old.map(Value::String));
        put("new", self.new.map(Value::String));
        put("patch", self.patch.map(Value::String));
        put("command", self.command.map(Value::String));
        put("argv", self.argv.map(|a| json!(a)));
        put("cwd", self.cwd.map(Value::String));
        put("env", self.env.map(|e| json!(e)));
        put("timeout", self.timeout.map(|t| json!(t)));
        put("rollback", self.rollback.map(Value::String));
        put("database", self.database.map(Value::String));
        put("statement", self.statement.map(Value::String));
        put("method", self.method.map(Value::String));
        put("url", self.url.map(Value::String));
        put("headers", self.headers.map(|h| json!(h)));
        put("body", self.body);
        put("name", self.name.map(Value::String));
        put("args", self.args);
        put("address", self.address.map(Value::String));
        put("provider", self.provider.map(Value::String));
        put("change", self.change);
        out
    }
}

fn shell_command(
    command: Option<String>,
    argv: Option<Vec<String>>,
) -> Result<ShellCommand, String> {
    if command.as_deref().is_some_and(|c| c.contains('\0'))
        || argv
            .as_ref()
            .is_some_and(|a| a.iter().any(|w| w.contains('\0')))
    {
        return Err("a NUL byte cannot be passed to a program".into());
    }
    match (command, argv) {
        (Some(c), None) if !c.trim().is_empty() => Ok(ShellCommand::Script(c)),
        (Some(_), None) => Err("`command` is empty".into()),
        (None, Some(a)) if !a.is_empty() && !a[0].is_empty() => Ok(ShellCommand::Argv(a)),
        (None, Some(_)) => Err("`argv` is empty".into()),
        (Some(_), Some(_)) => Err("give either `command` or `argv`, not both".into()),
        (None, None) => Err("a shell action needs `command` or `argv`".into()),
    }
}

fn check_timeout(timeout: Option<u64>) -> Result<Option<u64>, String> {
    match timeout {
        Some(0) => Err("`timeout` must be at least 1 second".into()),
        Some(t) if t > MAX_TIMEOUT_SECS => Err(format!(
            "`timeout` {t} is over the limit of {MAX_TIMEOUT_SECS} seconds"
        )),
        other => Ok(other),
    }
}

fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parse an action written in a policy example: no workspace, paths checked lexically only.
pub(crate) fn example_action(
    raw: RawAction,
) -> Result<(String, Option<String>, ActionKind), String> {
    let resolve = |p: &str| {
        normalise(p).map(|relative| WsPath {
            absolute: relative.clone().into(),
            relative,
        })
    };
    let (id, reason, kind) = raw.validate(&resolve)?;
    Ok((id.unwrap_or_else(|| "example".into()), reason, kind))
}

impl Plan {
    /// Parse and validate a plan. `resolve` confines paths to the workspace.
    pub fn parse(
        text: &str,
        origin: &str,
        resolve: &dyn Fn(&str) -> Result<WsPath, String>,
    ) -> Result<Plan, Error> {
        let fail = |message: String| Error::Input(Diagnostic::new(origin, message));
        if text.len() > MAX_PLAN_BYTES {
            return Err(fail(format!(
                "plan is {} bytes; the limit is {MAX_PLAN_BYTES} bytes",
                text.len()
            )));
        }
        if text.trim().is_empty() {
            return Err(fail("plan is empty".into()));
        }
        // JSON is read by the YAML parser (for positions and duplicate-key refusal), which would
        // also accept JSON5-ish input: a `.json` file or a document that starts with `{` must be
        // strict JSON first.
        if origin.ends_with(".json")
            || text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('{')
        {
            serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
                Error::Input(
                    Diagnostic::new(origin, format!("not valid JSON: {}", json_message(&e)))
                        .at(e.line() as u64, e.column() as u64),
                )
            })?;
        }
        if crate::terraform::recognise(text) {
            return crate::terraform::parse(text, origin, crate::terraform::current_workspace());
        }
        let raw: RawPlan = crate::yaml::from_str(text, origin).map_err(Error::Input)?;
        let at = |line: u64, column: u64, message: String| {
            Error::Input(Diagnostic::new(origin, message).at(line, column))
        };
        if raw.version.value != 1 {
            return Err(at(
                raw.version.referenced.line(),
                raw.version.referenced.column(),
                format!(
                    "unsupported plan version {}; this agentgate reads version 1",
                    raw.version.value
                ),
            ));
        }
        let agent = raw.agent.value.trim().to_string();
        if agent.is_empty() {
            return Err(at(
                raw.agent.referenced.line(),
                raw.agent.referenced.column(),
                "`agent` is empty".into(),
            ));
        }
        if raw.actions.value.len() > MAX_ACTIONS {
            return Err(at(
                raw.actions.referenced.line(),
                raw.actions.referenced.column(),
                format!(
                    "plan has {} actions; the limit is {MAX_ACTIONS}",
                    raw.actions.value.len()
                ),
            ));
        }
        let mut seen = HashSet::new();
        let mut actions = Vec::with_capacity(raw.actions.value.len());
        for spanned in raw.actions.value {
            let (line, column) = (spanned.referenced.line(), spanned.referenced.column());
            let raw_id = spanned.value.id.clone();
            let label = match &raw_id {
                Some(id) => format!("action `{id}`"),
                None => format!("action at line {line}"),
            };
            let err = |message: String| {
                Error::Input(
                    Diagnostic::new(origin, message)
                        .at(line, column)
                        .subject(label.clone()),
                )
            };
            let id = raw_id.ok_or_else(|| err("missing field `id`".into()))?;
            if id.trim().is_empty() {
                return Err(err("`id` is empty".into()));
            }
            if !seen.insert(id.clone()) {
                return Err(err(format!(
                    "duplicate action id `{id}`; ids are unique within a plan"
                )));
            }
            let (_, reason, kind) = spanned.value.validate(resolve).map_err(err)?;
            actions.push(Action {
                id,
                reason,
                kind,
                line,
                column,
            });
        }
        let mut validate = Vec::with_capacity(raw.validate.len());
        for (i, spanned) in raw.validate.into_iter().enumerate() {
            let (line, column) = (spanned.referenced.line(), spanned.referenced.column());
            let check = spanned.value;
            let command = shell_command(check.command, check.argv).map_err(|m| {
                Error::Input(
                    Diagnostic::new(origin, m)
                        .at(line, column)
                        .subject(format!("validate[{}]", i + 1)),
                )
            })?;
            let timeout = check_timeout(check.timeout)
                .map_err(|m| Error::Input(Diagnostic::new(origin, m).at(line, column)))?;
            validate.push(Check {
                command,
                timeout,
                line,
                column,
            });
        }
        let context = raw
            .context
            .into_iter()
            .map(|c| ContextItem {
                id: c.id,
                source: c.source,
                trust: c.trust.unwrap_or(Trust::Untrusted),
            })
            .collect();
        let plan = Plan {
            origin: origin.to_string(),
            agent,
            task: raw.task,
            intent: raw.intent,
            context,
            actions,
            validate,
            hash: std::sync::OnceLock::new(),
        };

        Ok(plan)
    }

    /// A plan read from another format (a Terraform plan): no task, intent, context or checks.
    pub fn from_parts(origin: &str, agent: String, actions: Vec<Action>) -> Plan {
        Plan {
            origin: origin.to_string(),
            agent,
            task: None,
            intent: None,
            context: Vec::new(),
            actions,
            validate: Vec::new(),
            hash: std::sync::OnceLock::new(),
        }
    }

    /// The plan as JSON, the input of its hash (keys are sorted by [`sort_keys`] first).
    pub fn to_json(&self) -> Value {
        json!({
            "version": 1,
            "agent": self.agent,
            "task": self.task,
            "intent": self.intent,
            "context": self.context.iter().map(|c| json!({"id": c.id, "source": c.source, "trust": c.trust.as_str()})).collect::<Vec<_>>(),
            "actions": self.actions.iter().map(|a| {
                let mut v = a.kind.to_json();
                if let Value::Object(map) = &mut v {
                    map.insert("id".into(), json!(a.id));
                    if let Some(r) = &a.reason { map.insert("reason".into(), json!(r)); }
                }
                v
            }).collect::<Vec<_>>(),
            "validate": self.validate.iter().map(|c| match &c.command {
                ShellCommand::Script(s) => json!({"command": s, "timeout": c.timeout}),
                ShellCommand::Argv(a) => json!({"argv": a, "timeout": c.timeout}),
            }).collect::<Vec<_>>(),
        })
    }

    /// The plan's hash, computed once on first use (it is not needed to decide, so callers can
    /// compute it while the evaluation runs).
    pub fn hash(&self) -> &str {
        self.hash.get_or_init(|| self.compute_hash())
    }

    fn compute_hash(&self) -> String {
        /// Feeds serialized JSON straight into the hash, without building the string.
        struct HashWriter(Sha256);
        impl std::io::Write for HashWriter {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut value = self.to_json();
        sort_keys(&mut value);
        let mut writer = HashWriter(Sha256::new());
        // Writing a Value into a hasher cannot fail.
        let _ = serde_json::to_writer(&mut writer, &value);
        format!("sha256:{}", hex::encode(writer.0.finalize()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexical(p: &str) -> Result<WsPath, String> {
        normalise(p).map(|relative| WsPath {
            absolute: relative.clone().into(),
            relative,
        })
    }

    fn parse(text: &str) -> Result<Plan, Error> {
        Plan::parse(text, "plan.yaml", &lexical)
    }

    fn message(text: &str) -> String {
        match parse(text) {
            Err(Error::Input(d)) => d.to_string(),
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    const HEADER: &str = "version: 1\nagent: bot\nactions:\n";

    #[test]
    fn parses_every_kind() {
        let plan = parse(&format!(
            "{HEADER}  - {{id: r, tool: file.read, path: a.txt}}\n  - {{id: w, tool: file.write, path: b.txt, content: x}}\n  - {{id: e, tool: file.edit, path: b.txt, old: x, new: y}}\n  - {{id: d, tool: file.delete, path: b.txt}}\n  - {{id: s, tool: shell.exec, argv: [ls, -l]}}\n  - {{id: q, tool: sql.exec, database: a.db, statement: 'SELECT 1'}}\n  - {{id: h, tool: http.request, method: post, url: 'http://127.0.0.1:8080/x', body: {{a: 1}}}}\n  - {{id: c, tool: call, name: send_money, args: {{amount: 98.70}}}}\n  - {{id: u, tool: git.push, command: 'x'}}\n"
        ))
        .unwrap();
        let tools: Vec<&str> = plan.actions.iter().map(|a| a.kind.tool()).collect();
        assert_eq!(
            tools,
            [
                "file.read",
                "file.write",
                "file.edit",
                "file.delete",
                "shell.exec",
                "sql.exec",
                "http.request",
                "call",
                "git.push"
            ]
        );
        assert_eq!(plan.actions[6].line, 10);
        assert!(plan.hash().starts_with("sha256:") && plan.hash().len() == 71);
        let unknown = parse(&format!(
            "{HEADER}  - {{id: u, tool: git.push, reason: why, name: x}}\n"
        ))
        .unwrap();
        assert_eq!(
            unknown.actions[0].reason.as_deref(),
            Some("why"),
            "an unknown tool keeps its reason"
        );
        let ActionKind::Http(h) = &plan.actions[6].kind else {
            panic!()
        };
        assert_eq!(h.method, "POST");
    }

    #[test]
    fn hash_is_format_independent() {
        let yaml = parse(&format!(
            "{HEADER}  - id: a\n    tool: file.read\n    path: x\n"
        ))
        .unwrap();
        let json = Plan::parse(
            r#"{"agent": "bot", "version": 1, "actions": [{"path": "x", "tool": "file.read", "id": "a"}]}"#,
            "plan.json",
            &lexical,
        )
        .unwrap();
        assert_eq!(yaml.hash(), json.hash());
    }

    #[test]
    fn refusals_name_the_place() {
        assert!(
            message("version: 2\nagent: a\nactions: []\n")
                .contains("plan.yaml:1:10: unsupported plan version 2")
        );
        assert!(
            message("version: 1\nagent: a\nactions: []\nactoins: []\n").contains("unknown field")
        );
        let m = message(&format!(
            "{HEADER}  - {{id: a, tool: file.read, path: x}}\n  - {{id: a, tool: file.read, path: y}}\n"
        ));
        assert!(
            m.contains("plan.yaml:5:5") && m.contains("duplicate action id"),
            "{m}"
        );
        let m = message(&format!(
            "{HEADER}  - {{id: a, tool: file.write, path: x, statement: y, content: z}}\n"
        ));
        assert!(m.contains("does not belong to tool `file.write`"), "{m}");
        assert!(
            message(&format!(
                "{HEADER}  - {{id: a, tool: file.read, path: ../x}}\n"
            ))
            .contains("escapes the workspace")
        );
        assert!(
            message(&format!(
                "{HEADER}  - {{id: a, tool: file.read, path: /etc/passwd}}\n"
            ))
            .contains("absolute")
        );
        assert!(
            message(&format!(
                "{HEADER}  - {{id: a, tool: shell.exec, command: x, argv: [y]}}\n"
            ))
            .contains("not both")
        );
        assert!(message(&format!("{HEADER}  - {{id: a, tool: http.request, method: GET, url: 'file:///etc/passwd'}}\n")).contains("only http"));
        assert!(
            message(&format!("{HEADER}  - {{tool: file.read, path: x}}\n"))
                .contains("missing field `id`")
        );
        assert!(message("version: 1\nagent: a\nagent: b\nactions: []\n").contains("duplicate"));
        assert!(message("").contains("empty"));
        assert!(message("version: 1\nagent: a\nactions: [\n").contains("plan.yaml:"));
    }

    #[test]
    fn refuses_oversized_plans() {
        let big = "#".repeat(MAX_PLAN_BYTES + 1);
        assert!(message(&big).contains("limit"));
        let mut many = String::from(HEADER);
        for i in 0..=MAX_ACTIONS {
            many.push_str(&format!("- {{id: a{i}, tool: file.read, path: x}}\n"));
        }

        assert!(message(&many).contains("the limit is 50000"));
    }

    #[test]
    fn context_trust_defaults_to_untrusted() {
        let plan = parse("version: 1\nagent: a\ncontext: [{id: t}]\nactions: []\n").unwrap();
        assert_eq!(plan.context[0].trust, Trust::Untrusted);
    }
}
