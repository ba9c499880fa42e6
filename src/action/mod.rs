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
    /// Each `-c`/`-e` value or `sqlite3` argument, in order.
    pub scripts: Vec<String>,
}

/// The SQL a database client runs from its command line: `psql -c`, `mysql -e`, `sqlite3 DB SQL`.
/// None when the command is not such a client or gives no inline SQL (a script file, standard
/// input, an interactive session): rules classify those as they are.
pub fn inline_sql(command: &SimpleCommand) -> Option<InlineSql> {
    let program = command.program.as_deref()?;
    let (dialect, scripts) = match program {
        "psql" | "pgcli" => (
            Dialect::Postgres,
            option_values(&command.args, "c", "cdfhpUvPoLTFRS", "--command"),
        ),
        "mysql" | "mariadb" => (
            Dialect::MySql,
            option_values(&command.args, "e", "euhPDSO", "--execute"),
        ),
        "sqlite3" => (Dialect::Sqlite, sqlite3_scripts(&command.args)),
        _ => return None,
    };
    // Without SQL on the command line, a client reads it from standard input: a heredoc or
    // here-string is read too (a file or a pipe is not known, and stays unclassified).
    let scripts = if scripts.is_empty() {
        command.heredoc.iter().cloned().collect()
    } else {
        scripts
    };
    (!scripts.is_empty()).then_some(InlineSql { dialect, scripts })
}

/// Values of the short option `letter` (in getopt clusters, `-Xc SQL`, `-cSQL`) and of the long
/// option `long` (`--command SQL`, `--command=SQL`). `with_value` lists the short options that
/// take a value, so that `-U c` is not read as `-c`. Options end at `--`.
fn option_values(args: &[String], letter: &str, with_value: &str, long: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if a == "--" {
            break;
        }
        if let Some(rest) = a.strip_prefix("--") {
            if rest == &long[2..] {
                out.extend(args.get(i).cloned());
                i += 1;
            } else if let Some(v) = a.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
                out.push(v.to_owned());
            }
            continue;
        }
        let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) else {
            continue;
        };
        // `-p` of mysql takes its value attached or not at all.
        if letter == "e" && cluster.starts_with('p') {
            continue;
        }
        for (at, c) in cluster.char_indices() {
            if !with_value.contains(c) {
                continue;
            }
            let attached = &cluster[at + c.len_utf8()..];
            let value = if attached.is_empty() {
                i += 1;
                args.get(i - 1).cloned()
            } else {
                Some(attached.to_owned())
            };
            if letter.starts_with(c) {
                out.extend(value);
            }
            break;
        }
    }
    out
}

/// `sqlite3 [OPTIONS] DB [SQL...]`: the SQL arguments after the database, and `-cmd` values.
/// Dot-commands (`.tables`, `.shell rm x`) are kept: they are read as unparseable SQL, and
/// [`client_sql_items`] gives the read-only ones their tier.
fn sqlite3_scripts(args: &[String]) -> Vec<String> {
    const WITH_VALUE: [&str; 11] = [
        "-cmd",
        "-separator",
        "-newline",
        "-nullvalue",
        "-init",
        "-vfs",
        "-maxsize",
        "-mmap",
        "-lookaside",
        "-pagecache",
        "-heap",
    ];
    let mut out = Vec::new();
    let mut database = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if !database && a.starts_with('-') && a.len() > 1 {
            let name = format!("-{}", a.trim_start_matches('-'));
            if WITH_VALUE.contains(&name.as_str()) {
                if name == "-cmd" {
                    out.extend(args.get(i).cloned());
                }
                i += 1;
            }
            continue;
        }
        if database {
            out.push(a.clone());
        }
        database = true;
    }
    out
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
/// statement that writes cannot be rolled back: tier 3 at least.
fn client_sql_items(inline: &InlineSql, origin: ShellOrigin, depth: usize) -> Vec<Item> {
    let mut out = Vec::new();
    for script in &inline.scripts {
        let trimmed = script.trim();
        if let Some(dot) = trimmed.strip_prefix('.') {
            let name = format!(".{}", dot.split_whitespace().next().unwrap_or(""));
            // `.shell CMD` and `.system CMD` run CMD through the shell: read it as one.
            if matches!(name.as_str(), ".shell" | ".system") {
                let script = dot[name.len() - 1..].trim_start();
                if depth < MAX_CLIENT_NESTING {
                    let reading = shell::read_command(script);
                    out.extend(shell_items_nested(&reading, origin, depth + 1));
                } else {
                    out.push(Item {
                        detail: ItemDetail::Whole,
                        base: Tier::HIGH,
                        floor: Tier::HIGH,
                        why: format!("sqlite3 `{name}` nested too deeply to read"),
                    });
                }
                continue;
            }
            let read = SQLITE_READ_DOTS.contains(&name.as_str());
            out.push(Item {
                detail: ItemDetail::Whole,
                base: if read { Tier::READ_ONLY } else { Tier::HIGH },
                floor: if read { Tier::READ_ONLY } else { Tier::HIGH },
                why: if read {
                    format!("sqlite3 `{name}` shows the database")
                } else {
                    format!("sqlite3 `{name}` may write files or run programs")
                },
            });
            continue;
        }
        for mut item in sql_items(script, inline.dialect) {
            if item.base > Tier::READ_ONLY && item.base < Tier::HIGH {
                item.base = Tier::HIGH;
                item.why = format!(
                    "{}; run by a database client, outside agentgate's transaction (no rollback)",
                    item.why
                );
            }
            out.push(item);
        }
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
        assert_eq!(
            scripts("psql <<EOF\nDROP TABLE t;\nEOF"),
            ["DROP TABLE t;\n"]
        );
        assert!(inline("psql -f migrate.sql").is_none());
        assert!(inline("grep -c x f").is_none());
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
