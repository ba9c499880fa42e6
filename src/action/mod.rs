//! Reading an action into the items a policy matches on, each with a base tier from the action
//! itself: one item per shell sub-command, per SQL statement, or the whole action for the rest.
//! It owns base tiers; rules, surfaces and decisions belong to the policy engine.

pub mod rows;
pub mod shell;
pub mod sql;
pub mod terraform;

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

// A shell command is the common item and lives as long as its evaluation: boxing it would add an
// allocation per sub-command for no gain.
#[allow(clippy::large_enum_variant)]
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
        ActionKind::Terraform(tf) => vec![terraform_item(tf)],
        ActionKind::Unknown { tool, .. } => vec![Item {
            detail: ItemDetail::Whole,
            base: Tier::HIGH,
            floor: Tier::HIGH,
            why: format!("unknown tool `{tool}`: agentgate cannot tell what it does"),
        }],
    }
}

/// A Terraform change's base tier from its kind. Destroys, replacements and forgets are tier 3
/// at least whatever a rule says: a plan that only deletes is still checked.
fn terraform_item(tf: &terraform::TfChange) -> Item {
    use terraform::ChangeKind;
    let (base, floor, why) = match tf.kind {
        ChangeKind::NoOp => (Tier::READ_ONLY, Tier::READ_ONLY, "no change"),
        ChangeKind::Read => (Tier::READ_ONLY, Tier::READ_ONLY, "reads a data source"),
        ChangeKind::Create => (Tier::LOW, Tier::READ_ONLY, "creates a resource"),
        ChangeKind::Update => (Tier::MEDIUM, Tier::READ_ONLY, "changes a resource in place"),
        ChangeKind::Delete => (Tier::HIGH, Tier::HIGH, "destroys a resource"),
        ChangeKind::Replace { .. } => (
            Tier::HIGH,
            Tier::HIGH,
            "replaces a resource: the old one is destroyed",
        ),
        ChangeKind::Forget => (
            Tier::HIGH,
            Tier::HIGH,
            "removes a resource from the state: Terraform stops managing it",
        ),
        ChangeKind::Unknown => (
            Tier::HIGH,
            Tier::HIGH,
            "a change agentgate does not know (actions it cannot read)",
        ),
    };
    Item {
        detail: ItemDetail::Whole,
        base,
        floor,
        why: why.into(),
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
    shell_items_nested(reading, origin, 0)
}

/// How many `sqlite3 DB '.shell …'` may nest before agentgate stops reading and escalates.
const MAX_CLIENT_NESTING: usize = 4;

fn shell_items_nested(reading: &ShellReading, origin: ShellOrigin, depth: usize) -> Vec<Item> {
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
        let inline = inline_sql(command);
        let (base, floor, why) = match &command.program {
            Some(program) if inline.is_some() => (
                Tier::READ_ONLY,
                if writes {
                    Tier::MEDIUM
                } else {
                    Tier::READ_ONLY
                },
                format!("`{program}` runs the inline SQL read below"),
            ),
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
        if let Some(inline) = inline {
            out.extend(client_sql_items(&inline, origin, depth));
        }
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
        // A GRANT or REVOKE the parser cannot read (`GRANT role TO user`) still changes rights.
        let first = statement
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("--"))
            .and_then(|l| l.split_whitespace().next())
            .map(str::to_ascii_uppercase);
        let privileges = matches!(first.as_deref(), Some("GRANT" | "REVOKE"));
        out.push(Item {
            detail: ItemDetail::SqlUnreadable {
                error: error.clone(),
            },
            base: if privileges {
                Tier::DESTRUCTIVE
            } else {
                Tier::HIGH
            },
            floor: Tier::HIGH,
            why: if privileges {
                format!("a GRANT or REVOKE agentgate cannot read in full changes rights: {error}")
            } else {
                format!("the SQL cannot be read: {error}")
            },
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

/// SQL given inline to a database client on its command line, and the dialect it is read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineSql {
    pub dialect: Dialect,
    /// Each `-c`/`-e` value, `sqlite3 -cmd` value or `sqlite3` argument, in order.
    pub scripts: Vec<String>,
    /// The heredoc or here-string the client reads when the command line gives it no SQL.
    pub stdin: Option<String>,
}

/// What agentgate knows of a database client's options. An option not listed here (a script
/// file, an init command, an output file...) leaves the client unread: tier 3, as any program.
struct Client {
    dialect: Dialect,
    /// The short option whose value is SQL (`c` for psql, `e` for mysql).
    sql_short: Option<char>,
    /// The long option whose value is SQL.
    sql_long: &'static str,
    /// Short options taking a value, attached (`-Uapp`) or as the next word.
    short_value: &'static str,
    /// Short options without a value that do not change what runs.
    short_plain: &'static str,
    /// Long options taking a value (`--host h` or `--host=h`).
    long_value: &'static [&'static str],
    /// Long options without a value that do not change what runs.
    long_plain: &'static [&'static str],
}

const PSQL: Client = Client {
    dialect: Dialect::Postgres,
    sql_short: Some('c'),
    sql_long: "--command",
    short_value: "cdhpUvPFR",
    short_plain: "XqAtxaeEnbwW",
    long_value: &[
        "--command",
        "--dbname",
        "--host",
        "--port",
        "--username",
        "--variable",
        "--set",
        "--pset",
        "--field-separator",
        "--record-separator",
    ],
    long_plain: &[
        "--no-psqlrc",
        "--quiet",
        "--no-align",
        "--tuples-only",
        "--expanded",
        "--no-password",
        "--password",
        "--echo-all",
        "--echo-queries",
        "--echo-errors",
        "--csv",
        "--html",
    ],
};

const MYSQL: Client = Client {
    dialect: Dialect::MySql,
    sql_short: Some('e'),
    sql_long: "--execute",
    short_value: "euhPDS",
    short_plain: "BNstrvEHXnq",
    long_value: &[
        "--execute",
        "--user",
        "--host",
        "--port",
        "--database",
        "--socket",
        "--protocol",
    ],
    long_plain: &[
        "--password",
        "--batch",
        "--skip-column-names",
        "--silent",
        "--table",
        "--raw",
        "--vertical",
        "--html",
        "--xml",
        "--quick",
        "--unbuffered",
    ],
};

/// The SQL a database client runs from its command line (`psql -c`, `mysql -e`, `sqlite3 DB SQL`)
/// or from a heredoc. None when the command is not such a client, gives no SQL agentgate can
/// see (a script file, a pipe, an interactive session), or uses an option agentgate does not
/// know: rules classify those as any program (tier 3 unless one says otherwise).
pub fn inline_sql(command: &SimpleCommand) -> Option<InlineSql> {
    let program = command.program.as_deref()?;
    let (dialect, scripts, reads_stdin) = match program {
        "psql" | "pgcli" => client_scripts(&command.args, &PSQL)?,
        "mysql" | "mariadb" => client_scripts(&command.args, &MYSQL)?,
        "sqlite3" => sqlite3_scripts(&command.args)?,
        _ => return None,
    };
    let stdin = if reads_stdin {
        // Standard input from a file, a pipe or a terminal is not known.
        Some(command.heredoc.clone()?)
    } else {
        None
    };
    (!scripts.is_empty() || stdin.is_some()).then_some(InlineSql {
        dialect,
        scripts,
        stdin,
    })
}

/// The SQL values of a psql- or mysql-like command line, and whether it reads standard input
/// (no SQL option given). None on an option this reading does not know.
fn client_scripts(args: &[String], c: &Client) -> Option<(Dialect, Vec<String>, bool)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if a == "--" {
            break;
        }
        if a.starts_with("--") {
            let (name, attached) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (a.as_str(), None),
            };
            if c.long_value.contains(&name) {
                let value = match attached {
                    Some(v) => v,
                    None => {
                        i += 1;
                        args.get(i - 1)?.clone()
                    }
                };
                if name == c.sql_long {
                    out.push(value);
                }
            } else if !(c.long_plain.contains(&name)
                || (name == "--password" && attached.is_some()))
            {
                return None;
            }
            continue;
        }
        let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) else {
            continue;
        };
        for (at, ch) in cluster.char_indices() {
            let rest = &cluster[at + ch.len_utf8()..];
            // mysql's -p takes its password attached, or none (it prompts).
            if c.dialect == Dialect::MySql && ch == 'p' {
                break;
            }
            if c.short_value.contains(ch) {
                let value = if rest.is_empty() {
                    i += 1;
                    args.get(i - 1)?.clone()
                } else {
                    rest.to_owned()
                };
                if c.sql_short == Some(ch) {
                    out.push(value);
                }
                break;
            }
            if !c.short_plain.contains(ch) {
                return None;
            }
        }
    }
    let reads_stdin = out.is_empty();
    Some((c.dialect, out, reads_stdin))
}

/// `sqlite3 [OPTIONS] DB [SQL...]`: the `-cmd` values and the SQL arguments after the database,
/// and whether it reads standard input (no SQL argument). None on an option not known to be
/// harmless (`-init FILE`, `-A`, `-vfs`...).
fn sqlite3_scripts(args: &[String]) -> Option<(Dialect, Vec<String>, bool)> {
    const WITH_VALUE: [&str; 4] = ["-cmd", "-separator", "-newline", "-nullvalue"];
    const PLAIN: [&str; 18] = [
        "-header",
        "-noheader",
        "-csv",
        "-json",
        "-line",
        "-list",
        "-box",
        "-table",
        "-markdown",
        "-column",
        "-quote",
        "-ascii",
        "-html",
        "-readonly",
        "-bail",
        "-batch",
        "-echo",
        "-safe",
    ];
    let mut out = Vec::new();
    let mut database = false;
    let mut sql_args = 0;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if !database && a.starts_with('-') && a.len() > 1 {
            let name = format!("-{}", a.trim_start_matches('-'));
            if WITH_VALUE.contains(&name.as_str()) {
                let value = args.get(i)?;
                if name == "-cmd" {
                    out.push(value.clone());
                }
                i += 1;
            } else if !PLAIN.contains(&name.as_str()) {
                return None;
            }
            continue;
        }
        if database {
            out.push(a.clone());
            sql_args += 1;
        }
        database = true;
    }
    Some((Dialect::Sqlite, out, sql_args == 0))
}

/// sqlite3 dot-commands that only show things.
const SQLITE_READ_DOTS: [&str; 12] = [
    ".tables",
    ".schema",
    ".indexes",
    ".indices",
    ".databases",
    ".headers",
    ".mode",
    ".help",
    ".show",
    ".width",
    ".fullschema",
    ".dbinfo",
];

/// Items for the SQL a database client runs. It runs outside agentgate's transaction, so a
/// statement that writes cannot be rolled back: tier 3 at least, and no rule lowers it.
fn client_sql_items(inline: &InlineSql, origin: ShellOrigin, depth: usize) -> Vec<Item> {
    let sqlite = inline.dialect == Dialect::Sqlite;
    let mut out = Vec::new();
    let sql = |text: &str, out: &mut Vec<Item>| {
        for mut item in sql_items(text, inline.dialect) {
            if item.base > Tier::READ_ONLY {
                item.floor = Tier::HIGH;
            }
            if item.base > Tier::READ_ONLY && item.base < Tier::HIGH {
                item.base = Tier::HIGH;
                item.why = format!(
                    "{}; run by a database client, outside agentgate's transaction (no rollback)",
                    item.why
                );
            }
            out.push(item);
        }
    };
    for script in &inline.scripts {
        if sqlite && script.trim_start().starts_with('.') {
            out.extend(dot_command(script, origin, depth));
        } else {
            sql(script, &mut out);
        }
    }
    if let Some(stdin) = &inline.stdin {
        if !sqlite {
            sql(stdin, &mut out);
            return out;
        }
        // sqlite3 reads dot-commands line by line between statements.
        let mut pending = String::new();
        for line in stdin.lines() {
            if line.trim_start().starts_with('.') {
                if !pending.trim().is_empty() {
                    sql(&pending, &mut out);
                }
                pending.clear();
                out.extend(dot_command(line, origin, depth));
            } else {
                pending.push_str(line);
                pending.push('\n');
            }
        }
        if !pending.trim().is_empty() || out.is_empty() {
            sql(&pending, &mut out);
        }
    }
    out
}

/// One sqlite3 dot-command. sqlite3 accepts unique prefixes (`.sh` is `.shell`); `.shell CMD`
/// and `.system CMD` run CMD through the shell and are read as shell.
fn dot_command(text: &str, origin: ShellOrigin, depth: usize) -> Vec<Item> {
    let rest = text.trim_start().trim_start_matches('.').trim_start();
    let (name, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let lower = name.to_ascii_lowercase();
    let item = |tier: Tier, why: String| Item {
        detail: ItemDetail::Whole,
        base: tier,
        floor: tier,
        why,
    };
    if lower.len() >= 2 && ("shell".starts_with(&lower) || "system".starts_with(&lower)) {
        if depth < MAX_CLIENT_NESTING {
            return shell_items_nested(&shell::read_command(arg.trim()), origin, depth + 1);
        }
        return vec![item(
            Tier::HIGH,
            format!("sqlite3 `.{name}` nested too deeply to read"),
        )];
    }
    if SQLITE_READ_DOTS.contains(&format!(".{lower}").as_str()) {
        vec![item(
            Tier::READ_ONLY,
            format!("sqlite3 `.{name}` shows the database"),
        )]
    } else {
        vec![item(
            Tier::HIGH,
            format!("sqlite3 `.{name}` may write files or run programs"),
        )]
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inline(src: &str) -> Option<InlineSql> {
        let reading = shell::read_command(src);
        reading.commands.iter().find_map(inline_sql)
    }

    fn scripts(src: &str) -> Vec<String> {
        inline(src).map(|i| i.scripts).unwrap_or_default()
    }

    fn tiers(src: &str) -> Vec<u8> {
        shell_items(&shell::read_command(src), ShellOrigin::Command)
            .iter()
            .map(|i| i.base.value())
            .collect()
    }

    #[test]
    fn database_clients_give_their_inline_sql_in_their_dialect() {
        let pg = inline("psql -h db -U app -c 'SELECT 1'").map(|i| i.dialect);
        assert_eq!(pg, Some(Dialect::Postgres));
        assert_eq!(scripts("psql -Xc 'SELECT 1'"), ["SELECT 1"]);
        assert_eq!(scripts("psql --command='SELECT 2' db"), ["SELECT 2"]);
        assert_eq!(scripts("psql --command 'SELECT 3'"), ["SELECT 3"]);
        assert_eq!(scripts("psql -c a -c b"), ["a", "b"]);
        // `-U c` is the user c, not a command.
        assert!(scripts("psql -U c db").is_empty());
        let my = inline("mysql -uroot -ppw -e 'DELETE FROM t'").map(|i| i.dialect);
        assert_eq!(my, Some(Dialect::MySql));
        assert_eq!(scripts("mysql -e\"SELECT 1\""), ["SELECT 1"]);
        assert_eq!(scripts("mariadb --execute='SELECT 1'"), ["SELECT 1"]);
        // mysql's -p takes its value attached: `-pexecute` is a password.
        assert!(scripts("mysql -pexecute db").is_empty());
        assert_eq!(
            scripts("sqlite3 app.db 'SELECT 1' .tables"),
            ["SELECT 1", ".tables"]
        );
        assert_eq!(
            scripts("sqlite3 -cmd '.mode csv' -separator , app.db 'SELECT 1'"),
            [".mode csv", "SELECT 1"]
        );
        assert!(scripts("sqlite3 app.db").is_empty());
        let stdin = inline("psql <<EOF\nDROP TABLE t;\nEOF").and_then(|i| i.stdin);
        assert_eq!(stdin.as_deref(), Some("DROP TABLE t;\n"));
        assert!(inline("psql -f migrate.sql").is_none());
        assert!(inline("grep -c x f").is_none());
    }

    #[test]
    fn clients_with_options_or_input_agentgate_cannot_read_stay_unread() {
        // Each of these runs SQL agentgate does not see: the client stays tier 3.
        for src in [
            "sqlite3 -cmd .tables app.db",
            "sqlite3 -cmd .tables app.db < evil.sql",
            "psql -S -c 'DELETE FROM users' -c 'SELECT 1'",
            "psql --comm 'DELETE FROM users' -c 'SELECT 1'",
            "psql -f x.sql -c 'SELECT 1'",
            "psql -o /etc/x -c 'SELECT 1'",
            "mysql --init-command='DELETE FROM t' -e 'SELECT 1'",
            "sqlite3 -init evil.sql app.db 'SELECT 1'",
            "psql",
        ] {
            assert_eq!(tiers(src).iter().max(), Some(&3), "{src}");
        }
        // The SQL a heredoc gives is read even after -cmd, and line by line after dot-commands.
        for src in [
            "sqlite3 -cmd .tables app.db <<EOF\nDELETE FROM t;\nEOF",
            "sqlite3 app.db <<EOF\n.headers on\nDELETE FROM t;\nEOF",
        ] {
            assert_eq!(tiers(src).iter().max(), Some(&4), "{src}");
        }
        // Spaces after the dot and unique prefixes still name `.shell`; odd spaces never panic.
        for src in [
            "sqlite3 a.db '.  shell rm -rf /'",
            "sqlite3 a.db '.sh rm -rf /'",
        ] {
            let items = shell_items(&shell::read_command(src), ShellOrigin::Command);
            assert!(
                items
                    .iter()
                    .any(|i| i.label().as_deref() == Some("rm -rf /")),
                "{src}"
            );
        }
        assert!(!tiers("sqlite3 a.db '.\u{a0}\u{a0}\u{3000}shell x'").is_empty());
    }

    #[test]
    fn client_sql_is_tiered_by_the_sql_and_cannot_be_rolled_back() {
        assert_eq!(tiers("psql -c 'SELECT count(*) FROM t'"), [0, 0]);
        // A bounded write is 2 in sql.exec's transaction, 3 from a client.
        assert_eq!(tiers("mysql -e 'UPDATE t SET a = 1 WHERE id = 2'"), [0, 3]);
        assert_eq!(tiers("sqlite3 a.db 'DELETE FROM t'"), [0, 4]);
        assert_eq!(tiers("psql -c 'not sql at all'"), [0, 3]);
        assert_eq!(tiers("psql -c \"$SQL\""), [0, 3]);
        assert_eq!(tiers("sqlite3 a.db .tables"), [0, 0]);
        assert_eq!(tiers("sqlite3 a.db '.import x t'"), [0, 3]);
        // `.shell` runs a shell command: it is read as one.
        let items = shell_items(
            &shell::read_command("sqlite3 a.db '.shell rm -rf /'"),
            ShellOrigin::Command,
        );
        assert_eq!(
            items.last().and_then(Item::label).as_deref(),
            Some("rm -rf /")
        );
        // Nesting is bounded.
        let mut deep = "rm -rf /".to_string();
        for _ in 0..8 {
            deep = format!("sqlite3 a '.shell {}'", deep.replace('\'', r"'\''"));
        }
        let items = shell_items(&shell::read_command(&deep), ShellOrigin::Command);
        assert!(items.iter().any(|i| i.why.contains("nested too deeply")));
        assert!(
            items
                .iter()
                .all(|i| i.label().as_deref() != Some("rm -rf /"))
        );
    }
}
