//! The fields a policy can match on, and how each is read from an action's item.
//! It owns field names and values; conditions and rules live in `matcher` and `rule`.

use std::borrow::Cow;

use serde_json::Value;

use crate::action::terraform::{self, TfChange};
use crate::action::{Item, ItemDetail, ShellOrigin, written_files};
use crate::plan::{ActionKind, ContextItem, Edit, added_lines, value_text};

/// One value of a field. A field can have several (flags, tables, context sources).
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
}

impl Val<'_> {
    /// The value as text, for regex and glob matching.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Val::Str(s) => Cow::Borrowed(s.as_ref()),
            Val::Num(n) => Cow::Owned(format_number(*n)),
            Val::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }

    pub fn number(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Str(s) => s.trim().parse().ok(),
            Val::Bool(_) => None,
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// The plan-level facts every item sees.
#[derive(Debug, Clone, Copy)]
pub struct PlanFacts<'a> {
    pub agent: &'a str,
    pub task: Option<&'a str>,
    pub intent: Option<&'a str>,
    pub context: &'a [ContextItem],
}

/// What a rule looks at: one item of one action, with its plan.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub plan: PlanFacts<'a>,
    pub id: &'a str,
    pub reason: Option<&'a str>,
    pub kind: &'a ActionKind,
    pub item: &'a Item,
    /// For file actions: the target exists before the action.
    pub exists: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    Tool,
    Id,
    Target,
    Reason,
    Agent,
    Task,
    Intent,
    ContextTrust,
    ContextSource,
    ContextId,
    Path,
    Content,
    Old,
    New,
    Patch,
    Exists,
    Command,
    Cwd,
    Timeout,
    Rollback,
    EnvNames,
    Env(String),
    Program,
    ProgramPath,
    Subcommand,
    Arguments,
    Flags,
    LeadingFlags,
    LeadingArguments,
    Positionals,
    Wrappers,
    Writes,
    Dynamic,
    Item,
    Origin,
    Database,
    Statement,
    SqlKind,
    SqlTables,
    SqlWhere,
    SqlRows,
    Method,
    Url,
    Scheme,
    Host,
    Port,
    UrlPath,
    Query,
    HeaderNames,
    Header(String),
    Body,
    BodyPath(Vec<String>),
    Name,
    Args,
    ArgsPath(Vec<String>),
    Address,
    TfType,
    TfName,
    TfMode,
    TfModule,
    TfProvider,
    TfActions,
    TfChange,
    TfWorkspace,
    TfTags,
    TfUnknown,
    TfSensitive,
    Before,
    BeforePath(Vec<String>),
    After,
    AfterPath(Vec<String>),
    IamActions,
    IamResources,
    IamPrincipals,
    IamPublic,
    IngressPublic,
    IngressExposed,
}

/// Every simple field name, with the tools it exists for (empty = every tool) and a description.
pub const FIELDS: &[(&str, &[&str], &str)] = &[
    ("tool", &[], "the action's tool"),
    ("id", &[], "the action's id"),
    (
        "target",
        &[],
        "what the action touches: path, command, database, URL or tool name",
    ),
    ("reason", &[], "the reason the agent gave"),
    ("agent", &[], "the proposing agent"),
    ("task", &[], "the plan's task id"),
    ("intent", &[], "what the user asked for"),
    (
        "context.trust",
        &[],
        "trust of each context item the agent read (trusted, untrusted)",
    ),
    ("context.source", &[], "source of each context item"),
    ("context.id", &[], "id of each context item"),
    (
        "path",
        &["file.read", "file.write", "file.edit", "file.delete"],
        "workspace-relative path",
    ),
    (
        "content",
        &["file.write", "file.edit"],
        "text the action introduces (write content, edit new text or added patch lines)",
    ),
    ("old", &["file.edit"], "text an edit replaces"),
    ("new", &["file.edit"], "text an edit puts in"),
    ("patch", &["file.edit"], "the unified diff of an edit"),
    (
        "exists",
        &["file.read", "file.write", "file.edit", "file.delete"],
        "whether the file exists before the action",
    ),
    ("command", &["shell.exec"], "the whole command as written"),
    ("cwd", &["shell.exec"], "working directory"),
    ("timeout", &["shell.exec"], "timeout in seconds"),
    ("rollback", &["shell.exec"], "the rollback command"),
    (
        "env",
        &["shell.exec"],
        "names of environment variables set (env.NAME for a value)",
    ),
    (
        "program",
        &["shell.exec"],
        "program of a sub-command, basename, after unwrapping wrappers",
    ),
    (
        "program_path",
        &["shell.exec"],
        "program as written (/bin/rm)",
    ),
    (
        "subcommand",
        &["shell.exec"],
        "first positional argument (git push -> push)",
    ),
    (
        "arguments",
        &["shell.exec"],
        "every argument word of a sub-command",
    ),
    (
        "flags",
        &["shell.exec"],
        "flags, split (-rf -> -r, -f) and without values",
    ),
    (
        "positionals",
        &["shell.exec"],
        "arguments that are not flags",
    ),
    (
        "leading_flags",
        &["shell.exec"],
        "flags before the subcommand, script or module: the program's own (git -c, python -c), not its subcommand's (git switch -c)",
    ),
    (
        "leading_arguments",
        &["shell.exec"],
        "argument words before the subcommand, script or module, with option values (git -c core.pager=x log -> -c, core.pager=x)",
    ),
    (
        "wrappers",
        &["shell.exec"],
        "wrappers peeled off (sudo, env, bash -c, xargs, find -exec)",
    ),
    (
        "writes",
        &["shell.exec"],
        "files written by output redirections",
    ),
    (
        "dynamic",
        &["shell.exec"],
        "whether a word is only known at run time ($VAR, $(...))",
    ),
    (
        "item",
        &["shell.exec", "sql.exec"],
        "the sub-command or statement as agentgate reads it",
    ),
    ("origin", &["shell.exec"], "command or rollback"),
    (
        "database",
        &["sql.exec"],
        "workspace-relative database file",
    ),
    ("statement", &["sql.exec"], "the whole SQL text"),
    (
        "sql.kind",
        &["sql.exec", "shell.exec"],
        "statement kind: select, insert, update, delete, drop, truncate, alter, alter-drop, ...",
    ),
    (
        "sql.tables",
        &["sql.exec", "shell.exec"],
        "tables the statement touches",
    ),
    (
        "sql.where",
        &["sql.exec", "shell.exec"],
        "an UPDATE or DELETE has a real WHERE (not absent, not always true)",
    ),
    (
        "sql.rows",
        &["sql.exec", "shell.exec"],
        "rows an UPDATE or DELETE would hit in the database as it is now (absent when unknown)",
    ),
    ("method", &["http.request"], "HTTP method, upper case"),
    ("url", &["http.request"], "the whole URL"),
    ("scheme", &["http.request"], "http or https"),
    ("host", &["http.request"], "host name, lower case"),
    (
        "port",
        &["http.request"],
        "port, explicit or the scheme's default",
    ),
    ("url.path", &["http.request"], "URL path"),
    ("query", &["http.request"], "URL query string"),
    (
        "headers",
        &["http.request"],
        "header names, lower case (headers.NAME for a value)",
    ),
    (
        "body",
        &["http.request"],
        "request body as text (body.a.b for a JSON member)",
    ),
    ("name", &["call"], "name of the called tool"),
    (
        "args",
        &["call"],
        "call arguments as JSON text (args.a.b for a member)",
    ),
    (
        "address",
        &["terraform"],
        "the resource address (module.x.aws_s3_bucket.y[\"k\"])",
    ),
    ("tf.type", &["terraform"], "resource type (aws_s3_bucket)"),
    ("tf.name", &["terraform"], "resource name in its module"),
    ("tf.mode", &["terraform"], "managed or data"),
    (
        "tf.module",
        &["terraform"],
        "module path (module.a.module.b), absent at the root",
    ),
    (
        "tf.provider",
        &["terraform"],
        "provider (registry.terraform.io/hashicorp/aws)",
    ),
    (
        "tf.actions",
        &["terraform"],
        "Terraform's action list (create, update, delete, read, no-op, forget)",
    ),
    (
        "tf.change",
        &["terraform"],
        "the change: create, update, delete, replace, forget, read, no-op or unknown",
    ),
    (
        "tf.workspace",
        &["terraform"],
        "Terraform workspace (TF_WORKSPACE or .terraform/environment), absent when unknown",
    ),
    (
        "tf.tags",
        &["terraform"],
        "tags and labels as key=value (after the change, or before a destroy)",
    ),
    (
        "tf.unknown",
        &["terraform"],
        "dotted paths of values known only after apply",
    ),
    (
        "tf.sensitive",
        &["terraform"],
        "dotted paths of values marked sensitive",
    ),
    (
        "before",
        &["terraform"],
        "values before the change as JSON text (before.a.b for an attribute; lists are looked through, JSON strings decoded)",
    ),
    (
        "after",
        &["terraform"],
        "values after the change as JSON text (after.a.b for an attribute; lists are looked through, JSON strings decoded; unknown values escalate)",
    ),
    (
        "iam.actions",
        &["terraform"],
        "actions of the Allow statements of IAM policy documents in the values (NotAction reads as *)",
    ),
    (
        "iam.resources",
        &["terraform"],
        "resources of those statements (NotResource reads as *)",
    ),
    (
        "iam.principals",
        &["terraform"],
        "principals of those statements (* for anyone)",
    ),
    (
        "iam.public",
        &["terraform"],
        "an Allow statement for any principal without a condition",
    ),
    (
        "ingress.public",
        &["terraform"],
        "a security group, firewall or NSG rule admits traffic from anywhere (0.0.0.0/0, ::/0, *, Internet)",
    ),
    (
        "ingress.exposed",
        &["terraform"],
        "watched ports such ingress covers (22, 3389, 5432, ...), and `all` for every port",
    ),
];

impl Field {
    pub fn parse(name: &str) -> Result<Field, String> {
        let field = match name {
            "tool" => Field::Tool,
            "id" => Field::Id,
            "target" => Field::Target,
            "reason" => Field::Reason,
            "agent" => Field::Agent,
            "task" => Field::Task,
            "intent" => Field::Intent,
            "context.trust" => Field::ContextTrust,
            "context.source" => Field::ContextSource,
            "context.id" => Field::ContextId,
            "path" => Field::Path,
            "content" => Field::Content,
            "old" => Field::Old,
            "new" => Field::New,
            "patch" => Field::Patch,
            "exists" => Field::Exists,
            "command" => Field::Command,
            "cwd" => Field::Cwd,
            "timeout" => Field::Timeout,
            "rollback" => Field::Rollback,
            "env" => Field::EnvNames,
            "program" => Field::Program,
            "program_path" => Field::ProgramPath,
            "subcommand" => Field::Subcommand,
            "arguments" => Field::Arguments,
            "flags" => Field::Flags,
            "leading_flags" => Field::LeadingFlags,
            "leading_arguments" => Field::LeadingArguments,
            "positionals" => Field::Positionals,
            "wrappers" => Field::Wrappers,
            "writes" => Field::Writes,
            "dynamic" => Field::Dynamic,
            "item" => Field::Item,
            "origin" => Field::Origin,
            "database" => Field::Database,
            "statement" => Field::Statement,
            "sql.kind" => Field::SqlKind,
            "sql.tables" => Field::SqlTables,
            "sql.where" => Field::SqlWhere,
            "sql.rows" => Field::SqlRows,
            "method" => Field::Method,
            "url" => Field::Url,
            "scheme" => Field::Scheme,
            "host" => Field::Host,
            "port" => Field::Port,
            "url.path" => Field::UrlPath,
            "query" => Field::Query,
            "headers" => Field::HeaderNames,
            "body" => Field::Body,
            "name" => Field::Name,
            "args" => Field::Args,
            "address" => Field::Address,
            "tf.type" => Field::TfType,
            "tf.name" => Field::TfName,
            "tf.mode" => Field::TfMode,
            "tf.module" => Field::TfModule,
            "tf.provider" => Field::TfProvider,
            "tf.actions" => Field::TfActions,
            "tf.change" => Field::TfChange,
            "tf.workspace" => Field::TfWorkspace,
            "tf.tags" => Field::TfTags,
            "tf.unknown" => Field::TfUnknown,
            "tf.sensitive" => Field::TfSensitive,
            "before" => Field::Before,
            "after" => Field::After,
            "iam.actions" => Field::IamActions,
            "iam.resources" => Field::IamResources,
            "iam.principals" => Field::IamPrincipals,
            "iam.public" => Field::IamPublic,
            "ingress.public" => Field::IngressPublic,
            "ingress.exposed" => Field::IngressExposed,
            _ => return Self::parse_dotted(name),
        };
        Ok(field)
    }

    fn parse_dotted(name: &str) -> Result<Field, String> {
        let nonempty = |rest: &str| !rest.is_empty() && rest.split('.').all(|s| !s.is_empty());
        let path = |rest: &str| rest.split('.').map(str::to_string).collect::<Vec<_>>();
        if let Some(rest) = name.strip_prefix("env.").filter(|r| nonempty(r)) {
            return Ok(Field::Env(rest.to_string()));
        }
        if let Some(rest) = name.strip_prefix("headers.").filter(|r| nonempty(r)) {
            return Ok(Field::Header(rest.to_ascii_lowercase()));
        }
        if let Some(rest) = name.strip_prefix("body.").filter(|r| nonempty(r)) {
            return Ok(Field::BodyPath(path(rest)));
        }
        if let Some(rest) = name.strip_prefix("args.").filter(|r| nonempty(r)) {
            return Ok(Field::ArgsPath(path(rest)));
        }
        if let Some(rest) = name.strip_prefix("before.").filter(|r| nonempty(r)) {
            return Ok(Field::BeforePath(path(rest)));
        }
        if let Some(rest) = name.strip_prefix("after.").filter(|r| nonempty(r)) {
            return Ok(Field::AfterPath(path(rest)));
        }
        let hint = closest(name)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        Err(format!("unknown field `{name}`{hint}"))
    }

    pub fn name(&self) -> String {
        match self {
            Field::Env(n) => format!("env.{n}"),
            Field::Header(n) => format!("headers.{n}"),
            Field::BodyPath(p) => format!("body.{}", p.join(".")),
            Field::ArgsPath(p) => format!("args.{}", p.join(".")),
            Field::BeforePath(p) => format!("before.{}", p.join(".")),
            Field::AfterPath(p) => format!("after.{}", p.join(".")),
            other => FIELDS
                .iter()
                .map(|(n, _, _)| *n)
                .find(|n| Field::parse(n).ok().as_ref() == Some(other))
                .unwrap_or("?")
                .to_string(),
        }
    }

    /// Tools for which this field can have a value; empty means every tool.
    pub fn tools(&self) -> &'static [&'static str] {
        let simple = match self {
            Field::Env(_) => "env",
            Field::Header(_) => "headers",
            Field::BodyPath(_) => "body",
            Field::ArgsPath(_) => "args",
            Field::BeforePath(_) => "before",
            Field::AfterPath(_) => "after",
            _ => "",
        };
        let name = if simple.is_empty() {
            self.name()
        } else {
            simple.to_string()
        };
        FIELDS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or(&[], |(_, tools, _)| tools)
    }

    /// Globs on path-like fields keep `*` within one path segment.
    pub fn path_like(&self) -> bool {
        matches!(
            self,
            Field::Path | Field::Cwd | Field::Database | Field::Writes | Field::ProgramPath
        )
    }

    /// Append the values of this field for `s`.
    pub fn values<'a>(&self, s: &Subject<'a>, out: &mut Vec<Val<'a>>) {
        let text = |out: &mut Vec<Val<'a>>, v: &'a str| out.push(Val::Str(Cow::Borrowed(v)));
        let owned = |out: &mut Vec<Val<'a>>, v: String| out.push(Val::Str(Cow::Owned(v)));
        let shell_command = match &s.item.detail {
            ItemDetail::Shell { command, .. } => Some(command),
            _ => None,
        };
        let statement = match &s.item.detail {
            ItemDetail::Sql { stmt, .. } => Some(stmt),
            _ => None,
        };
        match self {
            Field::Tool => text(out, s.kind.tool()),
            Field::Id => text(out, s.id),
            Field::Target => owned(out, s.kind.target()),
            Field::Reason => s.reason.into_iter().for_each(|r| text(out, r)),
            Field::Agent => text(out, s.plan.agent),
            Field::Task => s.plan.task.into_iter().for_each(|t| text(out, t)),
            Field::Intent => s.plan.intent.into_iter().for_each(|t| text(out, t)),
            Field::ContextTrust => s
                .plan
                .context
                .iter()
                .for_each(|c| text(out, c.trust.as_str())),
            Field::ContextSource => s
                .plan
                .context
                .iter()
                .filter_map(|c| c.source.as_deref())
                .for_each(|v| text(out, v)),
            Field::ContextId => s.plan.context.iter().for_each(|c| text(out, &c.id)),
            Field::Path => match s.kind {
                ActionKind::FileRead { path }
                | ActionKind::FileWrite { path, .. }
                | ActionKind::FileEdit { path, .. }
                | ActionKind::FileDelete { path } => text(out, &path.relative),
                _ => {}
            },
            Field::Content => match s.kind {
                ActionKind::FileWrite { content, .. } => text(out, content),
                ActionKind::FileEdit {
                    edit: Edit::Replace { new, .. },
                    ..
                } => text(out, new),
                ActionKind::FileEdit {
                    edit: Edit::Patch(p),
                    ..
                } => owned(out, added_lines(p)),
                _ => {}
            },
            Field::Old => {
                if let ActionKind::FileEdit {
                    edit: Edit::Replace { old, .. },
                    ..
                } = s.kind
                {
                    text(out, old)
                }
            }
            Field::New => {
                if let ActionKind::FileEdit {
                    edit: Edit::Replace { new, .. },
                    ..
                } = s.kind
                {
                    text(out, new)
                }
            }
            Field::Patch => {
                if let ActionKind::FileEdit {
                    edit: Edit::Patch(p),
                    ..
                } = s.kind
                {
                    text(out, p)
                }
            }
            Field::Exists => {
                if matches!(
                    s.kind,
                    ActionKind::FileRead { .. }
                        | ActionKind::FileWrite { .. }
                        | ActionKind::FileEdit { .. }
                        | ActionKind::FileDelete { .. }
                ) {
                    out.push(Val::Bool(s.exists))
                }
            }
            Field::Command => {
                if let ActionKind::Shell(sh) = s.kind {
                    owned(out, sh.command.display())
                }
            }
            Field::Cwd => {
                if let ActionKind::Shell(sh) = s.kind {
                    sh.cwd.iter().for_each(|c| text(out, &c.relative))
                }
            }
            Field::Timeout => {
                if let ActionKind::Shell(sh) = s.kind {
                    sh.timeout
                        .iter()
                        .for_each(|t| out.push(Val::Num(*t as f64)))
                }
            }
            Field::Rollback => {
                if let ActionKind::Shell(sh) = s.kind {
                    sh.rollback.iter().for_each(|r| text(out, r))
                }
            }
            Field::EnvNames => {
                if let ActionKind::Shell(sh) = s.kind {
                    sh.env.keys().for_each(|k| text(out, k));
                }
                if let Some(c) = shell_command {
                    c.assignments.iter().for_each(|(k, _)| text(out, k));
                }
            }
            Field::Env(name) => {
                if let ActionKind::Shell(sh) = s.kind {
                    sh.env.get(name).into_iter().for_each(|v| text(out, v));
                }
                if let Some(c) = shell_command {
                    c.assignments
                        .iter()
                        .filter(|(k, _)| k == name)
                        .for_each(|(_, v)| text(out, v));
                }
            }
            Field::Program => shell_command
                .and_then(|c| c.program.as_deref())
                .into_iter()
                .for_each(|v| text(out, v)),
            Field::ProgramPath => shell_command
                .and_then(|c| c.program_path.as_deref())
                .into_iter()
                .for_each(|v| text(out, v)),
            Field::Subcommand => shell_command
                .and_then(|c| c.subcommand.as_deref())
                .into_iter()
                .for_each(|v| text(out, v)),
            Field::Arguments => shell_command
                .iter()
                .flat_map(|c| &c.args)
                .for_each(|v| text(out, v)),
            Field::Flags => shell_command
                .iter()
                .flat_map(|c| &c.flags)
                .for_each(|v| text(out, v)),
            Field::LeadingFlags => shell_command
                .iter()
                .flat_map(|c| &c.leading_flags)
                .for_each(|v| text(out, v)),
            Field::LeadingArguments => shell_command
                .iter()
                .flat_map(|c| c.args.get(..c.leading).unwrap_or(&[]))
                .for_each(|v| text(out, v)),
            Field::Positionals => shell_command
                .iter()
                .flat_map(|c| &c.positionals)
                .for_each(|v| text(out, v)),
            Field::Wrappers => shell_command
                .iter()
                .flat_map(|c| &c.wrappers)
                .for_each(|v| text(out, v)),
            Field::Writes => shell_command
                .iter()
                .flat_map(|c| written_files(c))
                .for_each(|v| text(out, v)),
            Field::Dynamic => {
                if let Some(c) = shell_command {
                    out.push(Val::Bool(c.dynamic))
                }
            }
            Field::Item => match &s.item.detail {
                ItemDetail::Shell { command, .. } => text(out, &command.text),
                ItemDetail::Sql { stmt, .. } => text(out, &stmt.text),
                _ => {}
            },
            Field::Origin => match &s.item.detail {
                ItemDetail::Shell { origin, .. } | ItemDetail::ShellUnreadable { origin, .. } => {
                    text(
                        out,
                        match origin {
                            ShellOrigin::Command => "command",
                            ShellOrigin::Rollback => "rollback",
                        },
                    )
                }
                _ => {}
            },
            Field::Database => {
                if let ActionKind::Sql(sql) = s.kind {
                    text(out, &sql.database.relative)
                }
            }
            Field::Statement => {
                if let ActionKind::Sql(sql) = s.kind {
                    text(out, &sql.statement)
                }
            }
            Field::SqlKind => statement.iter().for_each(|st| text(out, &st.kind)),
            // A schema-qualified table (`main.users`, `public.users`) is also its bare name, so a
            // list of table names cannot be dodged with a prefix.
            Field::SqlTables => statement.iter().flat_map(|st| &st.tables).for_each(|t| {
                text(out, t);
                if let Some((_, bare)) = t.rsplit_once('.') {
                    text(out, bare);
                }
            }),
            Field::SqlWhere => statement
                .iter()
                .for_each(|st| out.push(Val::Bool(st.has_where))),
            Field::SqlRows => {
                if let ItemDetail::Sql { rows: Some(n), .. } = &s.item.detail {
                    out.push(Val::Num(*n as f64))
                }
            }
            Field::Method
            | Field::Url
            | Field::Scheme
            | Field::Host
            | Field::Port
            | Field::UrlPath
            | Field::Query
            | Field::HeaderNames
            | Field::Header(_)
            | Field::Body
            | Field::BodyPath(_) => {
                if let ActionKind::Http(h) = s.kind {
                    match self {
                        Field::Method => text(out, &h.method),
                        Field::Url => text(out, h.url.as_str()),
                        Field::Scheme => text(out, h.url.scheme()),
                        Field::Host => h.url.host_str().into_iter().for_each(|v| text(out, v)),
                        Field::Port => h
                            .url
                            .port_or_known_default()
                            .into_iter()
                            .for_each(|p| out.push(Val::Num(f64::from(p)))),
                        Field::UrlPath => text(out, h.url.path()),
                        Field::Query => h.url.query().into_iter().for_each(|q| text(out, q)),
                        Field::HeaderNames => h.headers.keys().for_each(|k| text(out, k)),
                        Field::Header(name) => {
                            h.headers.get(name).into_iter().for_each(|v| text(out, v))
                        }
                        Field::Body => {
                            if let Some(body) = &h.body {
                                push_json(body, out)
                            }
                        }
                        Field::BodyPath(path) => {
                            if let Some(v) = h.body.as_ref().and_then(|b| lookup(b, path)) {
                                push_json(v, out)
                            }
                        }
                        _ => {}
                    }
                }
            }
            Field::Name => {
                if let ActionKind::Call { name, .. } = s.kind {
                    text(out, name)
                }
            }
            Field::Args => {
                if let ActionKind::Call { args, .. } = s.kind {
                    owned(out, value_text(args))
                }
            }
            Field::ArgsPath(path) => {
                if let ActionKind::Call { args, .. } = s.kind
                    && let Some(v) = lookup(args, path)
                {
                    push_json(v, out)
                }
            }
            _ => {
                if let ActionKind::Terraform(tf) = s.kind {
                    self.terraform_values(tf, out)
                }
            }
        }
    }

    fn terraform_values<'a>(&self, tf: &'a TfChange, out: &mut Vec<Val<'a>>) {
        let text = |out: &mut Vec<Val<'a>>, v: &'a str| out.push(Val::Str(Cow::Borrowed(v)));
        let texts = |out: &mut Vec<Val<'a>>, v: &'a [String]| v.iter().for_each(|v| text(out, v));
        match self {
            Field::Address => text(out, &tf.address),
            Field::TfType => text(out, &tf.rtype),
            Field::TfName => text(out, &tf.name),
            Field::TfMode => text(out, &tf.mode),
            Field::TfModule => tf.module.iter().for_each(|m| text(out, m)),
            Field::TfProvider => tf.provider.iter().for_each(|p| text(out, p)),
            Field::TfActions => texts(out, &tf.actions),
            Field::TfChange => text(out, tf.kind.as_str()),
            Field::TfWorkspace => tf.workspace.iter().for_each(|w| text(out, w)),
            Field::TfTags => texts(out, &tf.facts.tags),
            Field::TfUnknown => texts(out, &tf.facts.unknown),
            Field::TfSensitive => texts(out, &tf.facts.sensitive),
            Field::Before if !tf.before.is_null() => {
                out.push(Val::Str(Cow::Owned(tf.before.to_string())))
            }
            Field::After if !tf.after.is_null() => {
                out.push(Val::Str(Cow::Owned(tf.after.to_string())))
            }
            Field::BeforePath(path) => {
                terraform::lookup(&tf.before, &Value::Null, path, out);
            }
            Field::AfterPath(path) => {
                terraform::lookup(&tf.after, &tf.after_unknown, path, out);
            }
            Field::IamActions => texts(out, &tf.facts.iam_actions),
            Field::IamResources => texts(out, &tf.facts.iam_resources),
            Field::IamPrincipals => texts(out, &tf.facts.iam_principals),
            Field::IamPublic => out.push(Val::Bool(tf.facts.iam_public)),
            Field::IngressPublic => out.push(Val::Bool(tf.facts.ingress_public)),
            Field::IngressExposed => texts(out, &tf.facts.ingress_exposed),
            _ => {}
        }
    }

    /// Whether what this field reads of `s` is known only after apply (a Terraform value in
    /// `after_unknown`): a rule that reads it and does not match cannot be decided.
    pub fn unknown(&self, s: &Subject<'_>) -> bool {
        let ActionKind::Terraform(tf) = s.kind else {
            return false;
        };
        match self {
            Field::After => terraform::any_true(&tf.open_unknown),
            Field::AfterPath(path) => {
                terraform::lookup(&tf.after, &tf.open_unknown, path, &mut Vec::new())
            }
            Field::IamActions | Field::IamResources | Field::IamPrincipals | Field::IamPublic => {
                tf.facts.iam_unknown
            }
            Field::IngressPublic | Field::IngressExposed => tf.facts.ingress_unknown,
            Field::TfTags => tf.facts.tags_unknown,
            _ => false,
        }
    }
}

fn lookup<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Scalars as themselves; arrays as each of their scalar members; objects as JSON text.
fn push_json<'a>(value: &'a Value, out: &mut Vec<Val<'a>>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push(Val::Bool(*b)),
        Value::Number(n) => out.push(
            n.as_f64()
                .map_or(Val::Str(Cow::Owned(n.to_string())), Val::Num),
        ),
        Value::String(s) => out.push(Val::Str(Cow::Borrowed(s))),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().for_each(|i| push_json(i, out))
        }
        other => out.push(Val::Str(Cow::Owned(other.to_string()))),
    }
}

/// The known field name closest to a misspelling, if one is close enough.
fn closest(name: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .map(|(n, _, _)| (*n, edit_distance(name, n)))
        .filter(|(_, d)| *d <= 2)
        .min_by_key(|(_, d)| *d)
        .map(|(n, _)| n)
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_field_parses_and_names_itself() {
        for (name, _, _) in FIELDS {
            let f = Field::parse(name).unwrap();
            assert_eq!(&f.name(), name);
        }
        assert_eq!(
            Field::parse("args.a.b").unwrap(),
            Field::ArgsPath(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            Field::parse("headers.Authorization").unwrap(),
            Field::Header("authorization".into())
        );
        assert!(
            Field::parse("progam")
                .unwrap_err()
                .contains("did you mean `program`")
        );
        assert!(Field::parse("args.").is_err());
        assert!(Field::parse("body..x").is_err());
    }

    #[test]
    fn fields_know_their_tools() {
        assert_eq!(Field::Program.tools(), &["shell.exec"]);
        assert!(Field::Tool.tools().is_empty());
        assert_eq!(Field::ArgsPath(vec!["x".into()]).tools(), &["call"]);
    }
}
