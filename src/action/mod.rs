//! Reading an action into the items a policy matches on, each with a base tier from the action
//! itself: one item per shell sub-command, per SQL statement, or the whole action for the rest.
//! It owns base tiers; rules, surfaces and decisions belong to the policy engine.

pub mod rows;
pub mod shell;
pub mod sql;

use crate::decision::Tier;
use crate::plan::{ActionKind, ShellCommand};
use shell::{ShellReading, SimpleCommand};
use sql::{Dialect, SqlStatement};

/// Which part of a shell action an item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellOrigin {
    Command,
    Rollback,
}

#[derive(Debug, Clone)]
pub enum ItemDetail {
    /// The action as a whole (files, HTTP, calls, unknown tools).
    Whole,
    /// One simple command of a shell action, after unwrapping.
    Shell {
        command: SimpleCommand,
        origin: ShellOrigin,
    },
    /// A shell string that could not be read.
    ShellUnreadable { error: String, origin: ShellOrigin },
    /// One SQL statement, and for an UPDATE or DELETE on an existing database the number of rows
    /// its WHERE hits now (see [`rows::count`]).
    Sql {
        stmt: SqlStatement,
        rows: Option<u64>,
    },
    /// SQL that could not be parsed.
    SqlUnreadable { error: String },
}

/// One thing a rule can match, with the tier the action itself gives it.
#[derive(Debug, Clone)]
pub struct Item {
    pub detail: ItemDetail,
    /// Tier before any rule.
    pub base: Tier,
    /// No rule may lower the item below this: 3 for what agentgate cannot understand, 2 for a
    /// shell command that writes a file through a redirection.
    pub floor: Tier,
    /// Why the base tier is what it is, for people.
    pub why: String,
}

impl Item {
    fn whole(base: Tier, why: impl Into<String>) -> Item {
        Item {
            detail: ItemDetail::Whole,
            base,
            floor: Tier::READ_ONLY,
            why: why.into(),
        }
    }

    /// A short text naming the item inside its action (a sub-command or statement), if it has one.
    pub fn label(&self) -> Option<String> {
        match &self.detail {
            ItemDetail::Whole => None,
            ItemDetail::Shell { command, .. } => Some(command.text.clone()),
            ItemDetail::ShellUnreadable { .. } | ItemDetail::SqlUnreadable { .. } => None,
            ItemDetail::Sql { stmt, .. } => Some(stmt.text.clone()),
        }
    }
}

/// Facts about the workspace an action's base tier depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    /// For file actions: whether the target exists before this action.
    pub exists: bool,
    /// For file.write: whether the new content equals the current content.
    pub unchanged: bool,
}

/// Split an action into items with their base tiers.
pub fn items(kind: &ActionKind, facts: Facts) -> Vec<Item> {
    match kind {
        ActionKind::FileRead { .. } => vec![Item::whole(Tier::READ_ONLY, "reads a file")],
        ActionKind::FileWrite { .. } if facts.unchanged => {
            vec![Item::whole(
                Tier::LOW,
                "writes a file with the content it already has",
            )]
        }
        ActionKind::FileWrite { .. } if facts.exists => {
            vec![Item::whole(
                Tier::MEDIUM,
                "changes an existing file (reversible from a snapshot)",
            )]
        }
        ActionKind::FileWrite { .. } => vec![Item::whole(Tier::LOW, "creates a new file")],
        ActionKind::FileEdit { .. } => {
            vec![Item::whole(
                Tier::MEDIUM,
                "edits an existing file (reversible from a snapshot)",
            )]
        }
        ActionKind::FileDelete { .. } => vec![Item::whole(Tier::DESTRUCTIVE, "deletes a file")],
        ActionKind::Shell(shell) => {
            let mut out = shell_items(&read_shell(&shell.command), ShellOrigin::Command);
            if let Some(rollback) = &shell.rollback {
                out.extend(shell_items(
                    &shell::read_command(rollback),
                    ShellOrigin::Rollback,
                ));
            }
            out
        }
        ActionKind::Sql(sql) => sql_items(&sql.statement, sql.dialect),
        ActionKind::Http(http) => vec![http_item(&http.method)],
        ActionKind::Call { name, .. } => vec![Item::whole(
            Tier::HIGH,
            format!("agentgate does not know what the tool `{name}` does; a rule can classify it"),
        )],
        ActionKind::Unknown { tool, .. } => vec![Item {
            detail: ItemDetail::Whole,
            base: Tier::HIGH,
            floor: Tier::HIGH,
            why: format!("unknown tool `{tool}`: agentgate cannot tell what it does"),
        }],
    }
}

/// Read a shell command however the plan gave it.
pub fn read_shell(command: &ShellCommand) -> ShellReading {
    match command {
        ShellCommand::Script(s) => shell::read_command(s),
        ShellCommand::Argv(argv) => shell::read_argv(argv),
    }
}

fn is_output(op: &str) -> bool {
    matches!(op, ">" | ">>" | ">|" | "&>" | "&>>" | "<>" | ">&" | "&>|")
}

/// `>&2` and `>&-` duplicate or close a descriptor; `>& file` writes the file.
fn is_descriptor(target: &str) -> bool {
    let t = target.trim_start_matches('&');
    t == "-" || (!t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '-'))
}

/// Output redirections to real files (not /dev/null and friends, not descriptor duplications).
pub fn written_files(command: &SimpleCommand) -> Vec<&str> {
    command
        .redirects
        .iter()
        .filter(|r| is_output(&r.op))
        .filter_map(|r| r.target.as_deref())
        .filter(|t| !matches!(*t, "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty"))
        .filter(|t| !is_descriptor(t))
        .collect()
}

/// Bash evaluates array subscripts, and a `$(...)` or backquote inside one runs, in assignments
/// (`a[$(cmd)]=1`) and in builtins that take a variable name (`printf -v`, `test -v`, `declare`).
/// The parser keeps those words as text, so agentgate cannot see the command: it escalates.
fn hidden_subscript_substitution(command: &SimpleCommand) -> bool {
    let runs_code = |w: &str| w.contains('[') && (w.contains("$(") || w.contains('`'));
    const TAKES_NAMES: [&str; 13] = [
        "printf", "test", "[", "[[", "declare", "typeset", "local", "let", "read", "unset",
        "export", "readonly", "mapfile",
    ];
    // A value like `x='a[$(cmd)]'` runs when `x` is later used in arithmetic (`(( x ))`).
    command
        .assignments
        .iter()
        .any(|(name, value)| runs_code(name) || runs_code(value))
        || (command
            .program
            .as_deref()
            .is_some_and(|p| TAKES_NAMES.contains(&p))
            && command.args.iter().any(|a| runs_code(a)))
}

/// An output redirection whose target is only known at run time (`> "$F"`).
fn writes_unknown_target(command: &SimpleCommand) -> bool {
    command
        .redirects
        .iter()
        .any(|r| is_output(&r.op) && r.target.is_none())
}

pub fn shell_items(reading: &ShellReading, origin: ShellOrigin) -> Vec<Item> {
    let mut out = Vec::with_capacity(reading.commands.len() + 1);
    if let Some(error) = &reading.error {
        out.push(Item {
            detail: ItemDetail::ShellUnreadable {
                error: error.clone(),
                origin,
            },
            base: Tier::HIGH,
            floor: Tier::HIGH,
            why: format!("the shell command cannot be read: {error}"),
        });
    }
    for command in &reading.commands {
        let writes = !written_files(command).is_empty();
        // What the shell will do here depends on something only known when it runs.
        let unknowable = if hidden_subscript_substitution(command) {
            Some("an array subscript runs a command substitution when the shell evaluates it")
        } else if writes_unknown_target(command) {
            Some("a redirection writes to a file only known when the command runs")
        } else {
            None
        };
        if let Some(why) = unknowable {
            out.push(Item {
                detail: ItemDetail::Shell {
                    command: command.clone(),
                    origin,
                },
                base: Tier::HIGH,
                floor: Tier::HIGH,
                why: why.into(),
            });
            continue;
        }
        let (base, floor, why) = match &command.program {
            None if command.dynamic || !command.dynamic_words.is_empty() => (
                Tier::HIGH,
                Tier::HIGH,
                format!(
                    "the program `{}` is only known when the command runs",
                    command.dynamic_words.first().map_or("?", String::as_str)
                ),
            ),
            None if writes => (
                Tier::MEDIUM,
                Tier::MEDIUM,
                "a redirection writes a file".to_string(),
            ),
            None => (
                Tier::READ_ONLY,
                Tier::READ_ONLY,
                "a redirection only".to_string(),
            ),
            Some(program) => (
                Tier::HIGH,
                if writes {
                    Tier::MEDIUM
                } else {
                    Tier::READ_ONLY
                },
                format!("agentgate has no classification for `{program}`"),
            ),
        };
        out.push(Item {
            detail: ItemDetail::Shell {
                command: command.clone(),
                origin,
            },
            base,
            floor,
            why,
        });
    }
    if out.is_empty() {
        out.push(Item {
            detail: ItemDetail::ShellUnreadable {
                error: "no command".into(),
                origin,
            },
            base: Tier::HIGH,
            floor: Tier::HIGH,
            why: "the shell command contains no command".into(),
        });
    }
    out
}

fn sql_items(statement: &str, dialect: Dialect) -> Vec<Item> {
    let reading = sql::read_sql(statement, dialect);
    let mut out: Vec<Item> = Vec::with_capacity(reading.statements.len() + 1);
    if let Some(error) = &reading.error {
        out.push(Item {
            detail: ItemDetail::SqlUnreadable {
                error: error.clone(),
            },
            base: Tier::HIGH,
            floor: Tier::HIGH,
            why: format!("the SQL cannot be read: {error}"),
        });
    }
    for stmt in reading.statements {
        let base = Tier::saturating(stmt.tier);
        let why = stmt.why.clone();
        out.push(Item {
            detail: ItemDetail::Sql { stmt, rows: None },
            base,
            floor: Tier::READ_ONLY,
            why,
        });
    }
    if out.is_empty() {
        out.push(Item {
            detail: ItemDetail::SqlUnreadable {
                error: "no statement".into(),
            },
            base: Tier::HIGH,
            floor: Tier::HIGH,
            why: "no SQL statement".into(),
        });
    }
    out
}

fn http_item(method: &str) -> Item {
    match method {
        "GET" | "HEAD" | "OPTIONS" => Item::whole(Tier::READ_ONLY, format!("HTTP {method} reads")),
        "POST" | "PUT" | "PATCH" => Item::whole(Tier::MEDIUM, format!("HTTP {method} writes")),
        "DELETE" => Item::whole(Tier::DESTRUCTIVE, "HTTP DELETE removes a resource"),
        other => Item {
            detail: ItemDetail::Whole,
            base: Tier::HIGH,
            floor: Tier::HIGH,
            why: format!("HTTP method {other} is not one agentgate classifies"),
        },
    }
}
