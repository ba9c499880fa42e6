//! Reads SQL with sqlparser into statement facts (kind, tables, WHERE shape) and a base tier.
//! It does not execute SQL, open databases or apply policy: rules and decisions live elsewhere.

use std::cmp::Ordering;
use std::ops::ControlFlow;
use std::str::FromStr;

use sqlparser::ast::{
    AlterTableOperation, BinaryOperator, Expr, FromTable, GrantObjects, ObjectName, ObjectNamePart,
    Query, Select, SetExpr, SqliteOnConflict, Statement, TableFactor, TableWithJoins,
    UnaryOperator, Value, Visit, Visitor,
};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// Inputs larger than this are refused without parsing.
pub const MAX_SQL_BYTES: usize = 1 << 20;

/// Nesting depth allowed to the parser (parentheses, subqueries, unary operators).
const RECURSION_LIMIT: usize = 64;

/// Inputs up to this size are read on the calling thread; larger ones on a thread whose stack is
/// sized from the input, because a long operator chain (`1+1+…`, `a OR b OR …`, `UNION …`) builds a
/// tree as deep as the chain is long, and dropping or walking such a tree recurses.
const INLINE_LIMIT: usize = 2048;
const STACK_BASE: usize = 16 << 20;
const STACK_PER_BYTE: usize = 128;

/// Depth beyond which the WHERE evaluator stops and assumes the worst.
const MAX_EVAL_DEPTH: usize = 200;

const NO_STATEMENT: &str = "no SQL statement";
/// The error of a reading that panicked (a bug; the fuzz target looks for it).
pub const INTERNAL_ERROR: &str = "internal error while reading SQL";

/// The SQL dialect used to read statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    Sqlite,
    Postgres,
    MySql,
    Generic,
}

impl Dialect {
    /// The canonical lowercase name, accepted back by `from_str`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::MySql => "mysql",
            Dialect::Generic => "generic",
        }
    }

    fn parser_dialect(self) -> &'static dyn sqlparser::dialect::Dialect {
        match self {
            Dialect::Sqlite => &sqlparser::dialect::SQLiteDialect {},
            Dialect::Postgres => &sqlparser::dialect::PostgreSqlDialect {},
            Dialect::MySql => &sqlparser::dialect::MySqlDialect {},
            Dialect::Generic => &sqlparser::dialect::GenericDialect {},
        }
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::MySql),
            "generic" => Ok(Dialect::Generic),
            _ => Err(format!(
                "unknown SQL dialect {s:?}; accepted: sqlite, postgres (or postgresql), \
                 mysql (or mariadb), generic"
            )),
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one SQL statement does, as far as reading it can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStatement {
    /// lowercase kind: select, insert, update, delete, replace, merge, create-table, create-index,
    /// create-view, create-other, drop, truncate, alter, alter-drop, grant, revoke, pragma, attach,
    /// detach, vacuum, transaction, explain, show, set, copy, call, other
    pub kind: String,
    /// Tables touched, lowercased and unquoted, schema-qualified as "schema.table", deduplicated,
    /// in order of appearance. CTE names are not tables and are left out (unless a statement writes
    /// to that name).
    pub tables: Vec<String>,
    /// For update/delete: a WHERE is present and it is not always true. False for other kinds.
    pub has_where: bool,
    /// For update/delete: the WHERE exists but is (or may be) always true.
    pub where_always_true: bool,
    /// Base tier 0..=4.
    pub tier: u8,
    /// One line a person can read, e.g. "DELETE without WHERE on sessions".
    pub why: String,
    /// The statement as re-rendered by sqlparser.
    pub text: String,
}

/// The result of reading a SQL text: the statements read, and the error that stopped reading, if
/// any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqlReading {
    pub statements: Vec<SqlStatement>,
    pub error: Option<String>,
}

/// What an UPDATE's or DELETE's WHERE amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhereState {
    /// A WHERE that selects rows.
    Present,
    /// A WHERE that is (or may be) always true: counts as none.
    AlwaysTrue,
    Absent,
}

impl SqlStatement {
    /// For an UPDATE or DELETE, what its WHERE amounts to; None for other kinds.
    pub fn where_state(&self) -> Option<WhereState> {
        if !matches!(self.kind.as_str(), "update" | "delete") {
            return None;
        }
        Some(if self.has_where {
            WhereState::Present
        } else if self.where_always_true {
            WhereState::AlwaysTrue
        } else {
            WhereState::Absent
        })
    }
}

impl SqlReading {
    /// The highest tier among the statements; at least 3 when reading failed or found no statement.
    pub fn tier(&self) -> u8 {
        let max = self.statements.iter().map(|s| s.tier).max();
        match (max, &self.error) {
            (Some(t), None) => t,
            (Some(t), Some(_)) => t.max(3),
            (None, _) => 3,
        }
    }

    fn failed(message: impl Into<String>) -> Self {
        SqlReading {
            statements: Vec::new(),
            error: Some(message.into()),
        }
    }
}

/// Reads `src` (one or more `;`-separated statements) in `dialect`. Never panics.
pub fn read_sql(src: &str, dialect: Dialect) -> SqlReading {
    if src.len() > MAX_SQL_BYTES {
        return SqlReading::failed(format!(
            "SQL is {} bytes; at most {MAX_SQL_BYTES} bytes are read",
            src.len()
        ));
    }
    guarded(src, move |s| read_inline(s, dialect)).unwrap_or_else(SqlReading::failed)
}

/// For an UPDATE or DELETE on exactly one table: a read-only query counting the rows its WHERE
/// would hit, e.g. `SELECT count(*) FROM sessions WHERE expires_at < 5`. None for anything else,
/// and for statements whose WHERE calls a function known to have side effects. Run it in a
/// read-only transaction all the same.
pub fn count_query(stmt_src: &str, dialect: Dialect) -> Option<String> {
    if stmt_src.len() > MAX_SQL_BYTES {
        return None;
    }
    guarded(stmt_src, move |s| count_inline(s, dialect))
        .ok()
        .flatten()
}

// -------------------------------------------------------------------------------------------------
// Running the reader safely
// -------------------------------------------------------------------------------------------------

fn guarded<R, W>(src: &str, work: W) -> Result<R, String>
where
    R: Send,
    W: FnOnce(&str) -> R + Send + std::panic::UnwindSafe,
{
    if src.len() <= INLINE_LIMIT {
        return std::panic::catch_unwind(move || work(src)).map_err(|_| INTERNAL_ERROR.to_string());
    }
    let stack = STACK_BASE.saturating_add(src.len().saturating_mul(STACK_PER_BYTE));
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("agentgate-sql".to_string())
            .stack_size(stack)
            .spawn_scoped(scope, move || work(src))
        {
            Ok(handle) => handle.join().map_err(|_| INTERNAL_ERROR.to_string()),
            Err(e) => Err(format!("could not start the SQL reader: {e}")),
        }
    })
}

fn new_parser<'a>(src: &str, dialect: Dialect) -> Result<Parser<'a>, ParserError> {
    Parser::new(dialect.parser_dialect())
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(src)
}

fn parse_error_at(expected: &str, found: &TokenWithSpan) -> String {
    let found_text = match &found.token {
        Token::EOF => "EOF".to_string(),
        t => t.to_string(),
    };
    ParserError::ParserError(format!(
        "Expected: {expected}, found: {found_text} at Line: {}, Column: {}",
        found.span.start.line, found.span.start.column
    ))
    .to_string()
}

fn read_inline(src: &str, dialect: Dialect) -> SqlReading {
    let mut parser = match new_parser(src, dialect) {
        Ok(p) => p,
        Err(e) => return SqlReading::failed(e.to_string()),
    };
    let mut reading = SqlReading::default();
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        let keyword = match &parser.peek_token_ref().token {
            Token::EOF => break,
            Token::Word(w) => w.keyword,
            _ => Keyword::NoKeyword,
        };
        let result = match keyword {
            Keyword::PRAGMA => read_pragma(&mut parser),
            Keyword::DETACH => read_detach(&mut parser),
            Keyword::REINDEX if dialect == Dialect::Sqlite => read_reindex(&mut parser),
            _ => parser
                .parse_statement()
                .map(|stmt| classify(&stmt, dialect))
                .map_err(|e| e.to_string()),
        };
        match result {
            Ok(stmt) => reading.statements.push(stmt),
            Err(e) => {
                reading.error = Some(e);
                break;
            }
        }
        let next = parser.peek_token_ref();
        if !matches!(next.token, Token::SemiColon | Token::EOF) {
            reading.error = Some(parse_error_at("end of statement", next));
            break;
        }
    }
    if reading.statements.is_empty() && reading.error.is_none() {
        reading.error = Some(NO_STATEMENT.to_string());
    }
    reading
}

// -------------------------------------------------------------------------------------------------
// Statements sqlparser does not read (fully): PRAGMA, DETACH, REINDEX
// -------------------------------------------------------------------------------------------------

/// PRAGMAs that take an argument in parentheses and only read.
const READ_PRAGMAS_WITH_ARG: &[&str] = &[
    "table_info",
    "table_xinfo",
    "index_info",
    "index_xinfo",
    "index_list",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
    "table_list",
];
/// PRAGMAs whose argument names a table.
const TABLE_ARG_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "index_list",
    "foreign_key_list",
    "foreign_key_check",
    "table_list",
];

fn word_text(token: &Token) -> Option<String> {
    match token {
        Token::Word(w) => Some(w.value.clone()),
        _ => None,
    }
}

fn read_pragma(parser: &mut Parser) -> Result<SqlStatement, String> {
    parser.next_token(); // PRAGMA
    let mut parts = Vec::new();
    loop {
        let tok = parser.next_token();
        match word_text(&tok.token) {
            Some(w) => parts.push(w),
            None => return Err(parse_error_at("a pragma name", &tok)),
        }
        if !parser.consume_token(&Token::Period) {
            break;
        }
    }
    let pragma = parts.last().map(|p| p.to_lowercase()).unwrap_or_default();
    let schema = if parts.len() > 1 {
        parts[..parts.len() - 1].join(".").to_lowercase()
    } else {
        String::new()
    };
    let name = parts.join(".");
    let (value, is_eq) = if parser.consume_token(&Token::Eq) {
        (Some(read_pragma_value(parser)?), true)
    } else if parser.consume_token(&Token::LParen) {
        let v = read_pragma_value(parser)?;
        let tok = parser.next_token();
        if tok.token != Token::RParen {
            return Err(parse_error_at(")", &tok));
        }
        (Some(v), false)
    } else {
        (None, false)
    };
    let text = match (&value, is_eq) {
        (Some(v), true) => format!("PRAGMA {name} = {}", v.0),
        (Some(v), false) => format!("PRAGMA {name}({})", v.0),
        (None, _) => format!("PRAGMA {name}"),
    };
    let mut tables = Vec::new();
    if let Some((_, Some(arg))) = &value
        && TABLE_ARG_PRAGMAS.contains(&pragma.as_str())
    {
        let arg = arg.to_lowercase();
        tables.push(if schema.is_empty() {
            arg
        } else {
            format!("{schema}.{arg}")
        });
    }
    let (tier, why) = match (&value, is_eq) {
        (Some(_), true) if pragma == "writable_schema" => (
            3,
            "PRAGMA writable_schema lets statements corrupt the schema".to_string(),
        ),
        (Some(_), true) => (2, format!("PRAGMA {pragma} changes a database setting")),
        (Some(_), false) if READ_PRAGMAS_WITH_ARG.contains(&pragma.as_str()) => {
            (0, format!("PRAGMA {pragma} only reads"))
        }
        (Some(_), false) => (2, format!("PRAGMA {pragma}(…) changes a database setting")),
        (None, _) => match pragma.as_str() {
            "incremental_vacuum" => (
                3,
                "PRAGMA incremental_vacuum rewrites the database file".to_string(),
            ),
            "optimize" | "wal_checkpoint" | "shrink_memory" => {
                (2, format!("PRAGMA {pragma} writes as a side effect"))
            }
            _ => (0, format!("PRAGMA {pragma} only reads")),
        },
    };
    Ok(SqlStatement {
        kind: if tier == 0 { "pragma-read" } else { "pragma" }.to_string(),
        tables,
        has_where: false,
        where_always_true: false,
        tier,
        why,
        text,
    })
}

/// Reads a pragma value: a signed number, a string or a word. Returns (rendering, word-or-string
/// content).
fn read_pragma_value(parser: &mut Parser) -> Result<(String, Option<String>), String> {
    let mut sign = "";
    if parser.consume_token(&Token::Minus) {
        sign = "-";
    } else if parser.consume_token(&Token::Plus) {
        sign = "+";
    }
    let tok = parser.next_token();
    match &tok.token {
        Token::Number(n, _) => Ok((format!("{sign}{n}"), None)),
        Token::Word(w) if sign.is_empty() => Ok((tok.token.to_string(), Some(w.value.clone()))),
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) if sign.is_empty() => {
            Ok((tok.token.to_string(), Some(s.clone())))
        }
        _ => Err(parse_error_at("a pragma value", &tok)),
    }
}

fn read_detach(parser: &mut Parser) -> Result<SqlStatement, String> {
    parser.next_token(); // DETACH
    let database = parser.parse_keyword(Keyword::DATABASE);
    let tok = parser.next_token();
    let Some(name) = word_text(&tok.token) else {
        return Err(parse_error_at("a database name", &tok));
    };
    let text = if database {
        format!("DETACH DATABASE {}", tok.token)
    } else {
        format!("DETACH {}", tok.token)
    };
    Ok(SqlStatement {
        kind: "detach".to_string(),
        tables: Vec::new(),
        has_where: false,
        where_always_true: false,
        tier: 3,
        why: format!(
            "DETACH removes database {} from the connection",
            name.to_lowercase()
        ),
        text,
    })
}

fn read_reindex(parser: &mut Parser) -> Result<SqlStatement, String> {
    parser.next_token(); // REINDEX
    let mut parts = Vec::new();
    if matches!(parser.peek_token_ref().token, Token::Word(_)) {
        loop {
            let tok = parser.next_token();
            match &tok.token {
                Token::Word(_) => parts.push(tok.token.to_string()),
                _ => return Err(parse_error_at("a name", &tok)),
            }
            if !parser.consume_token(&Token::Period) {
                break;
            }
        }
    }
    let text = if parts.is_empty() {
        "REINDEX".to_string()
    } else {
        format!("REINDEX {}", parts.join("."))
    };
    Ok(SqlStatement {
        kind: "other".to_string(),
        tables: Vec::new(),
        has_where: false,
        where_always_true: false,
        tier: 3,
        why: "REINDEX rebuilds indexes".to_string(),
        text,
    })
}

// -------------------------------------------------------------------------------------------------
// Classifying a parsed statement
// -------------------------------------------------------------------------------------------------

/// Functions that act outside the query when called, even from a SELECT.
const SIDE_EFFECT_FUNCTIONS: &[&str] = &[
    // PostgreSQL
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_switch_wal",
    "pg_promote",
    "pg_create_restore_point",
    "pg_drop_replication_slot",
    "pg_create_physical_replication_slot",
    "pg_create_logical_replication_slot",
    "pg_file_write",
    "pg_file_unlink",
    "pg_file_rename",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_sleep",
    "pg_advisory_lock",
    "pg_advisory_xact_lock",
    "pg_logical_emit_message",
    "lo_import",
    "lo_export",
    "lo_unlink",
    "dblink",
    "dblink_exec",
    "set_config",
    "setval",
    "query_to_xml",
    // SQLite
    "load_extension",
    "writefile",
    "readfile",
    "edit",
    "fts3_tokenizer",
    // MySQL
    "load_file",
    "sleep",
    "benchmark",
    "get_lock",
    "release_lock",
    "release_all_locks",
    "sys_exec",
    "sys_eval",
];

#[derive(Debug, Clone)]
struct Facts {
    kind: &'static str,
    tier: u8,
    why: String,
    has_where: bool,
    where_always_true: bool,
}

impl Facts {
    fn new(kind: &'static str, tier: u8, why: impl Into<String>) -> Self {
        Facts {
            kind,
            tier,
            why: why.into(),
            has_where: false,
            where_always_true: false,
        }
    }
}

fn name_of(name: &ObjectName) -> String {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => ident.value.to_lowercase(),
            other => other.to_string().to_lowercase(),
        })
        .collect();
    parts.join(".")
}

fn factor_name(factor: &TableFactor) -> Option<String> {
    match factor {
        TableFactor::Table { name, .. } => Some(name_of(name)),
        _ => None,
    }
}

fn factor_alias(factor: &TableFactor) -> Option<String> {
    match factor {
        TableFactor::Table {
            alias: Some(alias), ..
        } => Some(alias.name.value.to_lowercase()),
        _ => None,
    }
}

fn delete_from(from: &FromTable) -> &[TableWithJoins] {
    match from {
        FromTable::WithFromKeyword(v) | FromTable::WithoutKeyword(v) => v,
    }
}

/// The tables a statement writes to (or drops, alters…), by name.
fn primary_names(stmt: &Statement) -> Vec<String> {
    match stmt {
        Statement::Insert(i) => match &i.table {
            sqlparser::ast::TableObject::TableName(n) => vec![name_of(n)],
            other => vec![other.to_string().to_lowercase()],
        },
        Statement::Update(u) => factor_name(&u.table.relation).into_iter().collect(),
        Statement::Delete(d) => {
            let from = delete_from(&d.from);
            if d.tables.is_empty() {
                from.iter()
                    .filter_map(|t| factor_name(&t.relation))
                    .collect()
            } else {
                // MySQL multi-table DELETE names its targets, possibly by alias.
                d.tables
                    .iter()
                    .map(|n| {
                        let wanted = name_of(n);
                        from.iter()
                            .flat_map(|t| {
                                std::iter::once(&t.relation)
                                    .chain(t.joins.iter().map(|j| &j.relation))
                            })
                            .find(|f| factor_alias(f).as_deref() == Some(wanted.as_str()))
                            .and_then(factor_name)
                            .unwrap_or(wanted)
                    })
                    .collect()
            }
        }
        Statement::Merge(m) => factor_name(&m.table).into_iter().collect(),
        Statement::Drop { names, table, .. } => {
            names.iter().chain(table.iter()).map(name_of).collect()
        }
        Statement::Truncate(t) => t.table_names.iter().map(|t| name_of(&t.name)).collect(),
        Statement::AlterTable(a) => vec![name_of(&a.name)],
        Statement::CreateTable(c) => vec![name_of(&c.name)],
        Statement::CreateIndex(c) => vec![name_of(&c.table_name)],
        Statement::CreateView(c) => vec![name_of(&c.name)],
        Statement::Copy {
            source: sqlparser::ast::CopySource::Table { table_name, .. },
            ..
        } => vec![name_of(table_name)],
        Statement::Grant(g) => grant_tables(g.objects.as_ref()),
        Statement::Revoke(r) => grant_tables(r.objects.as_ref()),
        Statement::Vacuum(v) => v.table_name.iter().map(name_of).collect(),
        Statement::RenameTable(renames) => renames
            .iter()
            .flat_map(|r| [name_of(&r.old_name), name_of(&r.new_name)])
            .collect(),
        _ => Vec::new(),
    }
}

fn grant_tables(objects: Option<&GrantObjects>) -> Vec<String> {
    match objects {
        Some(GrantObjects::Tables(names)) => names.iter().map(name_of).collect(),
        _ => Vec::new(),
    }
}

/// Names a statement holds that sqlparser's relation visitor does not report.
fn unvisited_names(stmt: &Statement) -> Vec<String> {
    match stmt {
        Statement::Delete(_)
        | Statement::Drop { .. }
        | Statement::Copy { .. }
        | Statement::Grant(_)
        | Statement::Revoke(_)
        | Statement::Vacuum(_)
        | Statement::RenameTable(_) => primary_names(stmt),
        _ => Vec::new(),
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "an unnamed table".to_string()
    } else {
        names.join(", ")
    }
}

/// Writes at most `left` characters, then fails, so that a huge expression is not rendered in full.
struct Limited {
    out: String,
    left: usize,
    cut: bool,
}

impl std::fmt::Write for Limited {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for c in s.chars() {
            if self.left == 0 {
                self.cut = true;
                return Err(std::fmt::Error);
            }
            self.out.push(c);
            self.left -= 1;
        }
        Ok(())
    }
}

/// The rendering of `x`, cut to 60 characters with an ellipsis.
fn short(x: &dyn std::fmt::Display) -> String {
    use std::fmt::Write as _;
    let mut w = Limited {
        out: String::new(),
        left: 60,
        cut: false,
    };
    let _ = write!(w, "{x}");
    if w.cut {
        w.out.push('…');
    }
    w.out
}

fn first_word(stmt: &Statement) -> String {
    short(stmt)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn is_drop_operation(op: &AlterTableOperation) -> bool {
    matches!(
        op,
        AlterTableOperation::DropConstraint { .. }
            | AlterTableOperation::DropColumn { .. }
            | AlterTableOperation::DropProjection { .. }
            | AlterTableOperation::ClearProjection { .. }
            | AlterTableOperation::DropPrimaryKey { .. }
            | AlterTableOperation::DropForeignKey { .. }
            | AlterTableOperation::DropIndex { .. }
            | AlterTableOperation::DropPartitions { .. }
            | AlterTableOperation::DropClusteringKey
    )
}

/// Facts about UPDATE or DELETE from its WHERE clause.
fn write_facts(
    verb: &'static str,
    names: &[String],
    selection: Option<&Expr>,
    has_limit: bool,
    dialect: Dialect,
) -> Facts {
    let kind = if verb == "DELETE" { "delete" } else { "update" };
    let on = list(names);
    match selection {
        None => {
            let note = if has_limit {
                " (LIMIT only caps how many rows)"
            } else {
                ""
            };
            Facts::new(kind, 4, format!("{verb} without WHERE on {on}{note}"))
        }
        Some(w) => {
            if where_always_true(w, dialect) {
                let mut f = Facts::new(
                    kind,
                    4,
                    format!("{verb} with an always-true WHERE ({}) on {on}", short(w)),
                );
                f.where_always_true = true;
                f
            } else {
                let mut f = Facts::new(kind, 2, format!("{verb} with WHERE on {on}"));
                f.has_where = true;
                f
            }
        }
    }
}

/// Facts about a statement on its own, leaving nested statements aside.
fn own_facts(stmt: &Statement, dialect: Dialect) -> Facts {
    let names = primary_names(stmt);
    let on = list(&names);
    match stmt {
        Statement::Query(_) => Facts::new("select", 0, "read-only query"),
        Statement::Insert(i) => {
            if i.replace_into || i.or == Some(SqliteOnConflict::Replace) {
                Facts::new(
                    "replace",
                    2,
                    format!("REPLACE into {on} (overwrites rows with the same key)"),
                )
            } else if i.overwrite {
                Facts::new(
                    "insert",
                    4,
                    format!("INSERT OVERWRITE replaces the contents of {on}"),
                )
            } else {
                Facts::new("insert", 2, format!("INSERT into {on}"))
            }
        }
        Statement::Update(u) => write_facts(
            "UPDATE",
            &names,
            u.selection.as_ref(),
            u.limit.is_some(),
            dialect,
        ),
        Statement::Delete(d) => write_facts(
            "DELETE",
            &names,
            d.selection.as_ref(),
            d.limit.is_some(),
            dialect,
        ),
        Statement::Merge(_) => Facts::new("merge", 3, format!("MERGE into {on}")),
        Statement::CreateTable(c) if c.or_replace => Facts::new(
            "create-table",
            4,
            format!("CREATE OR REPLACE TABLE drops and recreates {on}"),
        ),
        Statement::CreateTable(_) | Statement::CreateVirtualTable { .. } => {
            Facts::new("create-table", 2, format!("CREATE TABLE {}", short(&on)))
        }
        Statement::CreateIndex(_) => Facts::new("create-index", 2, format!("CREATE INDEX on {on}")),
        Statement::CreateView(v) if v.or_replace || v.or_alter => Facts::new(
            "create-view",
            3,
            format!("CREATE OR REPLACE VIEW replaces {on}"),
        ),
        Statement::CreateView(_) => Facts::new("create-view", 2, format!("CREATE VIEW {on}")),
        Statement::AlterTable(a) => {
            if a.operations.iter().any(is_drop_operation) {
                Facts::new(
                    "alter-drop",
                    4,
                    format!("ALTER TABLE {on} drops a column, constraint, index or partition"),
                )
            } else {
                Facts::new("alter", 3, format!("ALTER TABLE changes {on}"))
            }
        }
        Statement::RenameTable(_) => Facts::new("alter", 3, "RENAME TABLE changes table names"),
        Statement::Drop { object_type, .. } => Facts::new(
            "drop",
            4,
            format!("DROP {object_type} removes {}", short(&on)),
        ),
        Statement::Truncate(_) => Facts::new("truncate", 4, format!("TRUNCATE empties {on}")),
        Statement::Grant(_) => Facts::new("grant", 3, "GRANT changes privileges"),
        Statement::Revoke(_) => Facts::new("revoke", 4, "REVOKE removes privileges"),
        Statement::AttachDatabase { schema_name, .. } => Facts::new(
            "attach",
            3,
            format!(
                "ATTACH adds database {} to the connection",
                schema_name.value.to_lowercase()
            ),
        ),
        Statement::AttachDuckDBDatabase { .. } => {
            Facts::new("attach", 3, "ATTACH adds a database to the connection")
        }
        Statement::DetachDuckDBDatabase { .. } => {
            Facts::new("detach", 3, "DETACH removes a database from the connection")
        }
        Statement::Vacuum(_) => Facts::new("vacuum", 3, "VACUUM rewrites database storage"),
        Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. } => Facts::new(
            "transaction",
            3,
            "transaction control (agentgate manages the transaction; \
             a COMMIT inside a plan defeats rollback)",
        ),
        Statement::Explain { analyze: true, .. } => Facts::new(
            "explain",
            0,
            "EXPLAIN ANALYZE runs the statement it explains",
        ),
        Statement::Explain { .. } => Facts::new("explain", 0, "EXPLAIN only plans the statement"),
        Statement::ExplainTable { .. } => Facts::new("show", 0, "DESCRIBE only reads"),
        Statement::Pragma { value, is_eq, name } => {
            if value.is_some()
                && (*is_eq || !READ_PRAGMAS_WITH_ARG.contains(&name_of(name).as_str()))
            {
                Facts::new("pragma", 2, "PRAGMA changes a database setting")
            } else {
                Facts::new("pragma-read", 0, "PRAGMA only reads")
            }
        }
        Statement::Set(_) => Facts::new("set", 3, "SET changes session or server settings"),
        Statement::Copy {
            source: sqlparser::ast::CopySource::Query(_),
            to: true,
            target: sqlparser::ast::CopyTarget::Stdout,
            ..
        } => Facts::new("copy-read", 0, "COPY of a query to the client only reads"),
        Statement::Copy { .. } | Statement::CopyIntoSnowflake { .. } => Facts::new(
            "copy",
            3,
            "COPY moves data between a table and a file or stream",
        ),
        Statement::Call(f) => Facts::new(
            "call",
            3,
            format!("CALL runs procedure {}", name_of(&f.name)),
        ),
        _ => {
            let word = first_word(stmt);
            match word.as_str() {
                "SHOW" | "DESCRIBE" | "DESC" => Facts::new("show", 0, format!("{word} only reads")),
                "CREATE" => Facts::new(
                    "create-other",
                    3,
                    format!("{} creates a database object", head(stmt)),
                ),
                "ALTER" if matches!(head(stmt).as_str(), "ALTER ROLE" | "ALTER USER") => {
                    Facts::new(
                        "alter-role",
                        4,
                        format!("{} changes a role's rights or credentials", head(stmt)),
                    )
                }
                "ALTER" => Facts::new(
                    "alter",
                    3,
                    format!("{} changes a database object", head(stmt)),
                ),
                "DROP" => Facts::new(
                    "drop",
                    4,
                    format!("{} removes a database object", head(stmt)),
                ),
                "GRANT" => Facts::new("grant", 3, "GRANT changes privileges"),
                "REVOKE" | "DENY" => Facts::new("revoke", 4, format!("{word} removes privileges")),
                "TRUNCATE" => Facts::new("truncate", 4, "TRUNCATE empties tables"),
                "SET" | "RESET" => Facts::new(
                    "set",
                    3,
                    format!("{word} changes session or server settings"),
                ),
                _ => Facts::new("other", 3, format!("{word} statements are not classified")),
            }
        }
    }
}

/// The first two words of a statement, e.g. "CREATE SCHEMA".
fn head(stmt: &Statement) -> String {
    let text = short(stmt);
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    words.join(" ").to_ascii_uppercase()
}

/// One walk over a statement: relations, CTE names, nested statements that run, side-effect
/// functions.
struct Walk {
    dialect: Dialect,
    relations: Vec<String>,
    ctes: Vec<String>,
    targets: Vec<String>,
    depth: usize,
    inert: usize,
    nested: Vec<Facts>,
    side_effects: Vec<String>,
    select_into: Vec<String>,
}

impl Walk {
    fn new(dialect: Dialect) -> Self {
        Walk {
            dialect,
            relations: Vec::new(),
            ctes: Vec::new(),
            targets: Vec::new(),
            depth: 0,
            inert: 0,
            nested: Vec::new(),
            side_effects: Vec::new(),
            select_into: Vec::new(),
        }
    }

    fn push_relation(&mut self, name: String) {
        if !name.is_empty() && !self.relations.contains(&name) {
            self.relations.push(name);
        }
    }

    fn tables(&self) -> Vec<String> {
        self.relations
            .iter()
            .filter(|r| r.contains('.') || !self.ctes.contains(r) || self.targets.contains(r))
            .cloned()
            .collect()
    }
}

fn is_inert(stmt: &Statement) -> bool {
    matches!(stmt, Statement::Explain { analyze: false, .. })
}

impl Visitor for Walk {
    type Break = ();

    fn pre_visit_statement(&mut self, stmt: &Statement) -> ControlFlow<()> {
        if self.depth > 0 && self.inert == 0 {
            self.nested.push(own_facts(stmt, self.dialect));
        }
        for name in unvisited_names(stmt) {
            self.push_relation(name);
        }
        if matches!(
            stmt,
            Statement::Insert(_)
                | Statement::Update(_)
                | Statement::Delete(_)
                | Statement::Merge(_)
        ) {
            self.targets.extend(primary_names(stmt));
        }
        if is_inert(stmt) {
            self.inert += 1;
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_statement(&mut self, stmt: &Statement) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        if is_inert(stmt) {
            self.inert = self.inert.saturating_sub(1);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.push_relation(name_of(relation));
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let name = cte.alias.name.value.to_lowercase();
                if !self.ctes.contains(&name) {
                    self.ctes.push(name);
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
        if self.inert == 0
            && let Some(into) = &select.into
        {
            let target = into
                .targets
                .iter()
                .map(|t| t.to_string().to_lowercase())
                .collect::<Vec<_>>()
                .join(", ");
            self.select_into.push(target);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.inert == 0
            && let Expr::Function(f) = expr
            && let Some(last) = f.name.0.last()
        {
            let name = match last {
                ObjectNamePart::Identifier(ident) => ident.value.to_lowercase(),
                other => other.to_string().to_lowercase(),
            };
            if SIDE_EFFECT_FUNCTIONS.contains(&name.as_str()) && !self.side_effects.contains(&name)
            {
                self.side_effects.push(name);
            }
        }
        ControlFlow::Continue(())
    }
}

fn classify(stmt: &Statement, dialect: Dialect) -> SqlStatement {
    let mut walk = Walk::new(dialect);
    let _ = stmt.visit(&mut walk);
    let mut facts = own_facts(stmt, dialect);

    if facts.kind == "select" && !walk.select_into.is_empty() {
        facts = Facts::new(
            "create-table",
            2,
            format!(
                "SELECT INTO creates {}",
                short(&walk.select_into.join(", "))
            ),
        );
    }

    // The most severe nested statement that runs (DML in a WITH, EXPLAIN ANALYZE, trigger bodies,
    // PREPARE…).
    let worst = walk.nested.iter().filter(|n| n.kind != "select").fold(
        None::<&Facts>,
        |best, n| match best {
            Some(b) if b.tier >= n.tier => Some(b),
            _ => Some(n),
        },
    );
    if let Some(nested) = worst {
        if matches!(stmt, Statement::Query(_)) && facts.kind == "select" {
            // A query whose WITH (or body) writes: it is that write.
            facts = nested.clone();
        } else if nested.tier > facts.tier {
            facts.why = format!("{}; it runs {}", facts.why, nested.why);
            facts.tier = nested.tier;
        }
    }

    if !walk.side_effects.is_empty() && facts.tier < 3 {
        facts.tier = 3;
        facts.why = format!(
            "{}; calls {}, which acts outside the query",
            facts.why,
            walk.side_effects
                .iter()
                .map(|f| format!("{f}()"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    SqlStatement {
        kind: facts.kind.to_string(),
        tables: walk.tables(),
        has_where: facts.has_where,
        where_always_true: facts.where_always_true,
        tier: facts.tier,
        why: facts.why,
        text: stmt.to_string(),
    }
}

// -------------------------------------------------------------------------------------------------
// count_query
// -------------------------------------------------------------------------------------------------

fn count_inline(src: &str, dialect: Dialect) -> Option<String> {
    let mut parser = new_parser(src, dialect).ok()?;
    let statements = parser.parse_statements().ok()?;
    let [stmt] = statements.as_slice() else {
        return None;
    };
    match stmt {
        Statement::Query(q) => {
            let with = q.with.as_ref()?;
            let inner = match q.body.as_ref() {
                SetExpr::Delete(s) | SetExpr::Update(s) => count_for(s)?,
                _ => return None,
            };
            // The CTEs must only read.
            if contains_statement(with) || calls_side_effect(with) {
                return None;
            }
            Some(format!("{with} {inner}"))
        }
        other => count_for(other),
    }
}

fn contains_statement<V: Visit>(node: &V) -> bool {
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_statement(&mut self, _s: &Statement) -> ControlFlow<()> {
            ControlFlow::Break(())
        }
    }
    node.visit(&mut Finder).is_break()
}

fn calls_side_effect<V: Visit>(node: &V) -> bool {
    let mut walk = Walk::new(Dialect::Generic);
    let _ = node.visit(&mut walk);
    !walk.side_effects.is_empty()
}

fn count_for(stmt: &Statement) -> Option<String> {
    let (relation, selection, order_by, limit) = match stmt {
        Statement::Delete(d) => {
            let from = delete_from(&d.from);
            let [table] = from else { return None };
            if !table.joins.is_empty() || d.using.is_some() {
                return None;
            }
            let name = factor_name(&table.relation)?;
            let alias = factor_alias(&table.relation);
            let targets_ok = d.tables.iter().all(|t| {
                let t = name_of(t);
                t == name || Some(&t) == alias.as_ref()
            });
            if d.tables.len() > 1 || !targets_ok {
                return None;
            }
            (
                &table.relation,
                d.selection.as_ref(),
                &d.order_by,
                d.limit.as_ref(),
            )
        }
        Statement::Update(u) => {
            if !u.table.joins.is_empty() || u.from.is_some() {
                return None;
            }
            factor_name(&u.table.relation)?;
            (
                &u.table.relation,
                u.selection.as_ref(),
                &u.order_by,
                u.limit.as_ref(),
            )
        }
        _ => return None,
    };
    if let Some(w) = selection
        && (contains_statement(w) || calls_side_effect(w))
    {
        return None;
    }
    if let Some(l) = limit
        && (contains_statement(l) || calls_side_effect(l))
    {
        return None;
    }
    let where_part = selection.map(|w| format!(" WHERE {w}")).unwrap_or_default();
    match limit {
        None => Some(format!("SELECT count(*) FROM {relation}{where_part}")),
        Some(limit) => {
            let order = if order_by.is_empty() {
                String::new()
            } else {
                format!(
                    " ORDER BY {}",
                    order_by
                        .iter()
                        .map(|o| o.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            Some(format!(
                "SELECT count(*) FROM (SELECT 1 FROM {relation}{where_part}{order} LIMIT {limit}) \
                 AS agentgate_rows"
            ))
        }
    }
}

// -------------------------------------------------------------------------------------------------
// WHERE evaluation: is the condition (or could it be) true for every row?
// -------------------------------------------------------------------------------------------------
//
// Each expression is read into an abstract value. Constants are folded exactly where SQL engines
// agree; where they may not (string/number mixes, collations, float arithmetic, division), the
// value is an unknown constant, which may be true. Boolean structure is tracked as a set of
// possible shapes — constant TRUE, constant FALSE, constant NULL, or row-dependent — so NOT, AND
// and OR stay sound with unknowns inside. The WHERE counts as always true when constant TRUE is
// among its possible shapes (fail closed).

const S_TRUE: u8 = 1;
const S_FALSE: u8 = 2;
const S_NULL: u8 = 4;
const S_ROW: u8 = 8;
const S_CONST: u8 = S_TRUE | S_FALSE | S_NULL;
const S_ANY: u8 = S_CONST | S_ROW;

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Int(i128),
    Float(f64),
    Str(String),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
enum Ab {
    /// A constant whose value is known.
    Exact(Val),
    /// A constant whose value is not known.
    Const,
    /// Depends on the row.
    Row,
    /// Could be anything, constant or row-dependent.
    Any,
    /// A truth value with these possible shapes.
    Shape(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    NullSafeEq,
    NullSafeNe,
}

fn where_always_true(expr: &Expr, dialect: Dialect) -> bool {
    let eval = Eval { dialect };
    let ab = eval.eval(expr, 0);
    shape_of(&ab) & S_TRUE != 0
}

fn truth(v: &Val) -> u8 {
    match v {
        Val::Bool(true) => S_TRUE,
        Val::Bool(false) => S_FALSE,
        Val::Null => S_NULL,
        Val::Int(i) => {
            if *i != 0 {
                S_TRUE
            } else {
                S_FALSE
            }
        }
        Val::Float(f) => {
            if *f != 0.0 {
                S_TRUE
            } else {
                S_FALSE
            }
        }
        // Strings convert to booleans differently in each engine.
        Val::Str(_) => S_CONST,
    }
}

fn shape_of(ab: &Ab) -> u8 {
    match ab {
        Ab::Exact(v) => truth(v),
        Ab::Const => S_CONST,
        Ab::Row => S_ROW,
        Ab::Any => S_ANY,
        Ab::Shape(0) => S_ANY,
        Ab::Shape(s) => *s,
    }
}

fn from_shape(s: u8) -> Ab {
    match s {
        S_TRUE => Ab::Exact(Val::Bool(true)),
        S_FALSE => Ab::Exact(Val::Bool(false)),
        S_NULL => Ab::Exact(Val::Null),
        S_ROW => Ab::Row,
        0 => Ab::Any,
        s => Ab::Shape(s),
    }
}

/// A value used as an operand (compared, added…).
fn operand(ab: Ab) -> Ab {
    match ab {
        Ab::Shape(s) => match from_shape(s) {
            Ab::Shape(s) if s & S_ROW != 0 => Ab::Any,
            Ab::Shape(_) => Ab::Const,
            other => other,
        },
        other => other,
    }
}

fn bits(s: u8) -> impl Iterator<Item = u8> {
    [S_TRUE, S_FALSE, S_NULL, S_ROW]
        .into_iter()
        .filter(move |b| s & b != 0)
}

fn combine(a: u8, b: u8, f: fn(u8, u8) -> u8) -> u8 {
    let mut out = 0;
    for x in bits(a) {
        for y in bits(b) {
            out |= f(x, y);
        }
    }
    out
}

fn and_bit(x: u8, y: u8) -> u8 {
    match (x, y) {
        (S_FALSE, _) | (_, S_FALSE) => S_FALSE,
        (S_TRUE, S_TRUE) => S_TRUE,
        (S_TRUE | S_NULL, S_TRUE | S_NULL) => S_NULL,
        _ => S_ROW,
    }
}

fn or_bit(x: u8, y: u8) -> u8 {
    match (x, y) {
        (S_TRUE, _) | (_, S_TRUE) => S_TRUE,
        (S_FALSE, S_FALSE) => S_FALSE,
        (S_FALSE | S_NULL, S_FALSE | S_NULL) => S_NULL,
        _ => S_ROW,
    }
}

fn xor_bit(x: u8, y: u8) -> u8 {
    match (x, y) {
        (S_NULL, _) | (_, S_NULL) => S_NULL,
        (S_ROW, _) | (_, S_ROW) => S_ROW,
        (a, b) if a == b => S_FALSE,
        _ => S_TRUE,
    }
}

fn map_bits(s: u8, f: fn(u8) -> u8) -> u8 {
    bits(s).fold(0, |acc, b| acc | f(b))
}

fn not_bit(b: u8) -> u8 {
    match b {
        S_TRUE => S_FALSE,
        S_FALSE => S_TRUE,
        other => other,
    }
}

fn not(ab: Ab) -> Ab {
    match ab {
        Ab::Exact(Val::Str(_)) => Ab::Const,
        other => from_shape(map_bits(shape_of(&other), not_bit)),
    }
}

fn column_path(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Nested(inner) => column_path(inner),
        Expr::Identifier(id) if !id.value.starts_with('@') => Some(vec![id.value.to_lowercase()]),
        Expr::CompoundIdentifier(ids) => Some(ids.iter().map(|i| i.value.to_lowercase()).collect()),
        _ => None,
    }
}

/// `x` and `x`, or `t.x` and `x`: the same column (as far as the text can tell).
fn same_column(a: &Expr, b: &Expr) -> bool {
    match (column_path(a), column_path(b)) {
        (Some(a), Some(b)) => a == b || ((a.len() == 1 || b.len() == 1) && a.last() == b.last()),
        _ => false,
    }
}

/// A query that always returns at least one row: `SELECT 1`, `SELECT 'x'` (no FROM, filter or
/// LIMIT).
fn returns_a_row(q: &Query) -> bool {
    let sqlparser::ast::SetExpr::Select(select) = q.body.as_ref() else {
        return false;
    };
    q.limit_clause.is_none()
        && q.fetch.is_none()
        && select.from.is_empty()
        && select.selection.is_none()
        && select.having.is_none()
        && select.qualify.is_none()
        // Only constants: a set-returning function (`generate_series(1, 0)`) may give no row.
        && select.projection.iter().all(|item| {
            matches!(
                item,
                sqlparser::ast::SelectItem::UnnamedExpr(Expr::Value(_))
                    | sqlparser::ast::SelectItem::ExprWithAlias {
                        expr: Expr::Value(_),
                        ..
                    }
            )
        })
}

/// True when the expression refers to a column, a subquery, or anything else that varies by row.
fn has_row_ref(expr: &Expr) -> bool {
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            match expr {
                Expr::Identifier(id) if !id.value.starts_with('@') => ControlFlow::Break(()),
                Expr::CompoundIdentifier(_)
                | Expr::Subquery(_)
                | Expr::Exists { .. }
                | Expr::InSubquery { .. } => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        }
        fn pre_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
            ControlFlow::Break(())
        }
    }
    expr.visit(&mut Finder).is_break()
}

fn parse_number(text: &str) -> Ab {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<i128>() {
            Ok(i) => Ab::Exact(Val::Int(i)),
            Err(_) => Ab::Const,
        };
    }
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let digits = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|b| *b == b'0')
        .count();
    if digits > 15 {
        return Ab::Const;
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Ab::Exact(Val::Float(f)),
        _ => Ab::Const,
    }
}

fn value_ab(v: &Value) -> Ab {
    match v {
        Value::Number(n, _) => parse_number(&n.to_string()),
        Value::SingleQuotedString(s)
        | Value::DoubleQuotedString(s)
        | Value::TripleSingleQuotedString(s)
        | Value::TripleDoubleQuotedString(s)
        | Value::NationalStringLiteral(s) => Ab::Exact(Val::Str(s.clone())),
        Value::DollarQuotedString(d) => Ab::Exact(Val::Str(d.value.clone())),
        Value::Boolean(b) => Ab::Exact(Val::Bool(*b)),
        Value::Null => Ab::Exact(Val::Null),
        _ => Ab::Const,
    }
}

enum Order {
    Known(Ordering),
    NotEqual,
    Unknown,
}

fn exact_f64(v: &Val) -> Option<f64> {
    const LIMIT: i128 = 1 << 53;
    match v {
        Val::Int(i) if (-LIMIT..=LIMIT).contains(i) => Some(*i as f64),
        Val::Float(f) => Some(*f),
        Val::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

struct Eval {
    dialect: Dialect,
}

impl Eval {
    fn eval(&self, expr: &Expr, depth: usize) -> Ab {
        if depth > MAX_EVAL_DEPTH {
            return Ab::Any;
        }
        let d = depth + 1;
        match expr {
            Expr::Nested(inner) => self.eval(inner, d),
            Expr::Value(v) => value_ab(&v.value),
            Expr::Identifier(id) => {
                if id.value.starts_with('@') {
                    Ab::Const
                } else {
                    Ab::Row
                }
            }
            Expr::CompoundIdentifier(_) => Ab::Row,
            Expr::BinaryOp {
                op: op @ (BinaryOperator::And | BinaryOperator::Or),
                ..
            } => self.logic_chain(expr, op, d),
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right, d),
            Expr::UnaryOp { op, expr: inner } => match op {
                UnaryOperator::Not => not(self.eval(inner, d)),
                UnaryOperator::Minus => negate(operand(self.eval(inner, d))),
                UnaryOperator::Plus => match operand(self.eval(inner, d)) {
                    Ab::Exact(Val::Str(_)) => Ab::Const,
                    other => other,
                },
                _ => self.opaque(expr),
            },
            Expr::IsNull(inner) => self.null_test(inner, d, true),
            Expr::IsNotNull(inner) => self.null_test(inner, d, false),
            Expr::IsTrue(inner) => self.is_test(inner, d, S_TRUE, false),
            Expr::IsNotTrue(inner) => self.is_test(inner, d, S_TRUE, true),
            Expr::IsFalse(inner) => self.is_test(inner, d, S_FALSE, false),
            Expr::IsNotFalse(inner) => self.is_test(inner, d, S_FALSE, true),
            Expr::IsUnknown(inner) => self.is_test(inner, d, S_NULL, false),
            Expr::IsNotUnknown(inner) => self.is_test(inner, d, S_NULL, true),
            Expr::IsDistinctFrom(a, b) => self.compare(a, Cmp::NullSafeNe, b, d),
            Expr::IsNotDistinctFrom(a, b) => self.compare(a, Cmp::NullSafeEq, b, d),
            Expr::InList {
                expr: needle,
                list,
                negated,
            } => {
                let left = operand(self.eval(needle, d));
                let mut acc = S_FALSE;
                for item in list {
                    let right = operand(self.eval(item, d));
                    let c = shape_of(&self.compare_ab(needle, &left, Cmp::Eq, item, &right));
                    acc = combine(acc, c, or_bit);
                    if acc == S_TRUE {
                        break;
                    }
                }
                let ab = from_shape(acc);
                if *negated { not(ab) } else { ab }
            }
            Expr::Between {
                expr: needle,
                negated,
                low,
                high,
            } => {
                let subject = operand(self.eval(needle, d));
                let lo = operand(self.eval(low, d));
                let hi = operand(self.eval(high, d));
                let ge = shape_of(&self.compare_ab(needle, &subject, Cmp::Ge, low, &lo));
                let le = shape_of(&self.compare_ab(needle, &subject, Cmp::Le, high, &hi));
                let ab = from_shape(combine(ge, le, and_bit));
                if *negated { not(ab) } else { ab }
            }
            Expr::Like {
                negated,
                any,
                expr: subject,
                pattern,
                ..
            }
            | Expr::ILike {
                negated,
                any,
                expr: subject,
                pattern,
                ..
            } => self.pattern_match(subject, pattern, *negated, *any, '%', d),
            Expr::Case {
                operand: case_operand,
                conditions,
                else_result,
                ..
            } => self.case(
                case_operand.as_deref(),
                conditions,
                else_result.as_deref(),
                d,
            ),
            Expr::Cast { expr: inner, .. } => match operand(self.eval(inner, d)) {
                Ab::Exact(_) => Ab::Const,
                other => other,
            },
            Expr::Collate { expr: inner, .. } => match operand(self.eval(inner, d)) {
                Ab::Exact(Val::Str(_)) => Ab::Const,
                other => other,
            },
            // EXISTS of a query with no FROM, WHERE, HAVING or LIMIT always finds its one row.
            Expr::Exists { subquery, negated } if returns_a_row(subquery) => {
                Ab::Exact(Val::Bool(!negated))
            }
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => Ab::Row,
            _ => self.opaque(expr),
        }
    }

    /// An expression this evaluator does not model: row-dependent if it mentions a column or a
    /// query, otherwise an unknown constant (which may be true).
    fn opaque(&self, expr: &Expr) -> Ab {
        if has_row_ref(expr) {
            Ab::Row
        } else {
            Ab::Const
        }
    }

    fn logic_chain(&self, expr: &Expr, op: &BinaryOperator, d: usize) -> Ab {
        // Flatten `a OR b OR c …` without recursion: long chains are common and deep.
        let mut operands: Vec<&Expr> = Vec::new();
        let mut stack = vec![expr];
        while let Some(e) = stack.pop() {
            match e {
                Expr::BinaryOp { left, op: o, right } if o == op => {
                    stack.push(right);
                    stack.push(left);
                }
                other => operands.push(other),
            }
        }
        let is_and = *op == BinaryOperator::And;
        if !is_and && complementary(&operands) {
            return Ab::Exact(Val::Bool(true));
        }
        let mut acc: Option<u8> = None;
        for e in operands {
            let s = shape_of(&self.eval(e, d));
            let next = match acc {
                None => s,
                Some(a) => combine(a, s, if is_and { and_bit } else { or_bit }),
            };
            acc = Some(next);
            if (is_and && next == S_FALSE) || (!is_and && next == S_TRUE) {
                break;
            }
        }
        from_shape(acc.unwrap_or(S_ANY))
    }

    fn binary(&self, left: &Expr, op: &BinaryOperator, right: &Expr, d: usize) -> Ab {
        match op {
            BinaryOperator::Eq => self.compare(left, Cmp::Eq, right, d),
            BinaryOperator::NotEq => self.compare(left, Cmp::Ne, right, d),
            BinaryOperator::Lt => self.compare(left, Cmp::Lt, right, d),
            BinaryOperator::LtEq => self.compare(left, Cmp::Le, right, d),
            BinaryOperator::Gt => self.compare(left, Cmp::Gt, right, d),
            BinaryOperator::GtEq => self.compare(left, Cmp::Ge, right, d),
            BinaryOperator::Spaceship => self.compare(left, Cmp::NullSafeEq, right, d),
            BinaryOperator::Xor => {
                let a = shape_of(&self.eval(left, d));
                let b = shape_of(&self.eval(right, d));
                from_shape(combine(a, b, xor_bit))
            }
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
            | BinaryOperator::MyIntegerDivide => {
                let a = operand(self.eval(left, d));
                let b = operand(self.eval(right, d));
                arith(op, a, b)
            }
            // MySQL reads `||` as OR (unless PIPES_AS_CONCAT), and sqlparser reads it as
            // concatenation with a different precedence: the tree cannot be trusted.
            BinaryOperator::StringConcat
                if matches!(self.dialect, Dialect::MySql | Dialect::Generic) =>
            {
                Ab::Any
            }
            BinaryOperator::StringConcat => {
                let a = operand(self.eval(left, d));
                let b = operand(self.eval(right, d));
                match (&a, &b) {
                    (Ab::Exact(Val::Null), _) | (_, Ab::Exact(Val::Null)) => Ab::Exact(Val::Null),
                    (Ab::Exact(Val::Str(x)), Ab::Exact(Val::Str(y))) => {
                        Ab::Exact(Val::Str(format!("{x}{y}")))
                    }
                    _ => generic(a, b),
                }
            }
            BinaryOperator::Glob => self.pattern_match(left, right, false, false, '*', d),
            BinaryOperator::BitwiseOr => {
                let a = operand(self.eval(left, d));
                let b = operand(self.eval(right, d));
                let nonzero = |x: &Ab| matches!(x, Ab::Exact(Val::Int(i)) if *i != 0);
                if (nonzero(&a) && matches!(b, Ab::Row | Ab::Any))
                    || (nonzero(&b) && matches!(a, Ab::Row | Ab::Any))
                {
                    Ab::Any
                } else {
                    generic(a, b)
                }
            }
            _ => {
                let a = operand(self.eval(left, d));
                let b = operand(self.eval(right, d));
                generic(a, b)
            }
        }
    }

    fn compare(&self, left: &Expr, cmp: Cmp, right: &Expr, d: usize) -> Ab {
        let a = operand(self.eval(left, d));
        let b = operand(self.eval(right, d));
        self.compare_ab(left, &a, cmp, right, &b)
    }

    fn compare_ab(&self, left: &Expr, a: &Ab, cmp: Cmp, right: &Expr, b: &Ab) -> Ab {
        if same_column(left, right) {
            let reflexive = matches!(cmp, Cmp::Eq | Cmp::Le | Cmp::Ge | Cmp::NullSafeEq);
            return Ab::Exact(Val::Bool(reflexive));
        }
        match (a, b) {
            (Ab::Any, _) | (_, Ab::Any) => Ab::Any,
            (Ab::Row, _) | (_, Ab::Row) => Ab::Row,
            (Ab::Exact(x), Ab::Exact(y)) => self.compare_values(x, cmp, y),
            _ => Ab::Const,
        }
    }

    fn compare_values(&self, x: &Val, cmp: Cmp, y: &Val) -> Ab {
        let null_safe = matches!(cmp, Cmp::NullSafeEq | Cmp::NullSafeNe);
        if *x == Val::Null || *y == Val::Null {
            if null_safe {
                let equal = x == y;
                return Ab::Exact(Val::Bool(equal == (cmp == Cmp::NullSafeEq)));
            }
            return Ab::Exact(Val::Null);
        }
        let order = match (x, y) {
            (Val::Str(a), Val::Str(b)) => self.string_order(a, b),
            (Val::Str(_), _) | (_, Val::Str(_)) => Order::Unknown,
            (Val::Int(a), Val::Int(b)) => Order::Known(a.cmp(b)),
            _ => match (exact_f64(x), exact_f64(y)) {
                (Some(a), Some(b)) => a.partial_cmp(&b).map_or(Order::Unknown, Order::Known),
                _ => Order::Unknown,
            },
        };
        let result = match (order, cmp) {
            (Order::Known(o), Cmp::Eq | Cmp::NullSafeEq) => o == Ordering::Equal,
            (Order::Known(o), Cmp::Ne | Cmp::NullSafeNe) => o != Ordering::Equal,
            (Order::Known(o), Cmp::Lt) => o == Ordering::Less,
            (Order::Known(o), Cmp::Le) => o != Ordering::Greater,
            (Order::Known(o), Cmp::Gt) => o == Ordering::Greater,
            (Order::Known(o), Cmp::Ge) => o != Ordering::Less,
            (Order::NotEqual, Cmp::Eq | Cmp::NullSafeEq) => false,
            (Order::NotEqual, Cmp::Ne | Cmp::NullSafeNe) => true,
            _ => return Ab::Const,
        };
        Ab::Exact(Val::Bool(result))
    }

    fn string_order(&self, a: &str, b: &str) -> Order {
        if a == b {
            return Order::Known(Ordering::Equal);
        }
        match self.dialect {
            // Default collations are binary: different strings differ; their order depends on the
            // collation.
            Dialect::Sqlite | Dialect::Postgres => Order::NotEqual,
            // Case-, accent- and trailing-space-insensitive collations are the default.
            Dialect::MySql | Dialect::Generic => {
                if a.is_ascii() && b.is_ascii() && !a.eq_ignore_ascii_case(b) {
                    let fold = |s: &str| s.trim_end_matches(' ').to_ascii_lowercase();
                    if fold(a) == fold(b) {
                        Order::Unknown
                    } else {
                        Order::NotEqual
                    }
                } else {
                    Order::Unknown
                }
            }
        }
    }

    fn null_test(&self, inner: &Expr, d: usize, is_null: bool) -> Ab {
        match operand(self.eval(inner, d)) {
            Ab::Exact(v) => Ab::Exact(Val::Bool((v == Val::Null) == is_null)),
            other => other,
        }
    }

    /// `x IS [NOT] TRUE|FALSE|UNKNOWN`: never NULL itself.
    fn is_test(&self, inner: &Expr, d: usize, target: u8, negated: bool) -> Ab {
        let shape = shape_of(&self.eval(inner, d));
        let mut out = 0;
        for b in bits(shape) {
            out |= if b == S_ROW {
                S_ROW
            } else if (b == target) != negated {
                S_TRUE
            } else {
                S_FALSE
            };
        }
        from_shape(out)
    }

    /// LIKE / ILIKE / GLOB: only the match-everything pattern (`'%'`, `'*'`) is modelled: it is
    /// true for every non-NULL subject, like `x = x`.
    fn pattern_match(
        &self,
        subject: &Expr,
        pattern: &Expr,
        negated: bool,
        any: bool,
        wildcard: char,
        d: usize,
    ) -> Ab {
        let s = operand(self.eval(subject, d));
        let p = operand(self.eval(pattern, d));
        if !any
            && let Ab::Exact(Val::Str(text)) = &p
            && !text.is_empty()
            && text.chars().all(|c| c == wildcard)
            && matches!(s, Ab::Row | Ab::Exact(Val::Str(_)))
        {
            return Ab::Exact(Val::Bool(!negated));
        }
        match generic(s, p) {
            Ab::Const => Ab::Const,
            other => other,
        }
    }

    fn case(
        &self,
        case_operand: Option<&Expr>,
        conditions: &[sqlparser::ast::CaseWhen],
        else_result: Option<&Expr>,
        d: usize,
    ) -> Ab {
        let subject = case_operand.map(|e| (e, operand(self.eval(e, d))));
        // How the branch is chosen: per row (only row-dependent conditions), or by constants not
        // known here.
        let mut by_row = matches!(subject, Some((_, Ab::Row)));
        let mut by_unknown = matches!(subject, Some((_, Ab::Any | Ab::Const)));
        // Shapes of the branches that may be taken: their union, and the constants common to all of
        // them.
        let mut union = 0u8;
        let mut common = S_CONST;
        for when in conditions {
            let taken = match &subject {
                Some((e, ab)) => {
                    let w = operand(self.eval(&when.condition, d));
                    shape_of(&self.compare_ab(e, ab, Cmp::Eq, &when.condition, &w))
                }
                None => shape_of(&self.eval(&when.condition, d)),
            };
            if taken == S_FALSE || taken == S_NULL {
                continue;
            }
            let result = self.eval(&when.result, d);
            if taken == S_TRUE && !by_row && !by_unknown {
                // Every earlier branch is known not to be taken, and this one is.
                return result;
            }
            if taken == S_ROW {
                by_row = true;
            } else if taken != S_TRUE {
                by_unknown = true;
            }
            let shape = shape_of(&result);
            union |= shape;
            common &= shape;
            if taken == S_TRUE {
                // Later branches and ELSE are never reached.
                return from_shape(if by_unknown {
                    union | if by_row { S_ROW } else { 0 }
                } else {
                    common | S_ROW
                });
            }
        }
        let otherwise = else_result.map_or(Ab::Exact(Val::Null), |e| self.eval(e, d));
        if !by_row && !by_unknown {
            return otherwise;
        }
        let shape = shape_of(&otherwise);
        union |= shape;
        common &= shape;
        if by_unknown {
            from_shape(union | if by_row { S_ROW } else { 0 })
        } else {
            // Chosen per row: constant for every row only if every branch gives the same constant.
            from_shape(common | S_ROW)
        }
    }
}

/// `p OR NOT p` in any of its spellings (`x IS NULL OR x IS NOT NULL`, `x = 1 OR x <> 1`,
/// `x IS TRUE OR x IS NOT TRUE`…): true for every row where `p` is not NULL, like `x = x`.
fn complementary(operands: &[&Expr]) -> bool {
    const MAX_OPERANDS: usize = 256;
    if operands.len() > MAX_OPERANDS {
        return false;
    }
    let keys: Vec<(bool, String)> = operands.iter().filter_map(|e| literal_key(e)).collect();
    keys.iter()
        .any(|(positive, key)| *positive && keys.iter().any(|(p, k)| !*p && k == key))
}

/// A predicate as (positive?, canonical text of the positive form).
fn literal_key(expr: &Expr) -> Option<(bool, String)> {
    let expr = strip_nested(expr);
    let text = |e: &Expr| strip_nested(e).to_string();
    let cmp = |l: &Expr, op: &str, r: &Expr| format!("{} {op} {}", text(l), text(r));
    Some(match expr {
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr: inner,
        } => {
            let (positive, key) = literal_key(inner).unwrap_or((true, text(inner)));
            (!positive, key)
        }
        Expr::IsNull(x) => (true, format!("{} IS NULL", text(x))),
        Expr::IsNotNull(x) => (false, format!("{} IS NULL", text(x))),
        Expr::IsTrue(x) => (true, format!("{} IS TRUE", text(x))),
        Expr::IsNotTrue(x) => (false, format!("{} IS TRUE", text(x))),
        Expr::IsFalse(x) => (true, format!("{} IS FALSE", text(x))),
        Expr::IsNotFalse(x) => (false, format!("{} IS FALSE", text(x))),
        Expr::IsUnknown(x) => (true, format!("{} IS UNKNOWN", text(x))),
        Expr::IsNotUnknown(x) => (false, format!("{} IS UNKNOWN", text(x))),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Eq => (true, cmp(left, "=", right)),
            BinaryOperator::NotEq => (false, cmp(left, "=", right)),
            BinaryOperator::Lt => (true, cmp(left, "<", right)),
            BinaryOperator::GtEq => (false, cmp(left, "<", right)),
            BinaryOperator::Gt => (true, cmp(left, ">", right)),
            BinaryOperator::LtEq => (false, cmp(left, ">", right)),
            _ => (true, text(expr)),
        },
        _ => (true, text(expr)),
    })
}

fn strip_nested(mut e: &Expr) -> &Expr {
    while let Expr::Nested(inner) = e {
        e = inner;
    }
    e
}

fn generic(a: Ab, b: Ab) -> Ab {
    match (a, b) {
        (Ab::Any, _) | (_, Ab::Any) => Ab::Any,
        (Ab::Row, _) | (_, Ab::Row) => Ab::Row,
        _ => Ab::Const,
    }
}

fn negate(ab: Ab) -> Ab {
    match ab {
        Ab::Exact(Val::Int(i)) => i
            .checked_neg()
            .map_or(Ab::Const, |n| Ab::Exact(Val::Int(n))),
        Ab::Exact(Val::Float(f)) => Ab::Exact(Val::Float(-f)),
        Ab::Exact(Val::Null) => Ab::Exact(Val::Null),
        Ab::Exact(_) => Ab::Const,
        other => other,
    }
}

fn arith(op: &BinaryOperator, a: Ab, b: Ab) -> Ab {
    let (x, y) = match (a, b) {
        (Ab::Exact(x), Ab::Exact(y)) => (x, y),
        (a, b) => return generic(a, b),
    };
    if x == Val::Null || y == Val::Null {
        return Ab::Exact(Val::Null);
    }
    let (Val::Int(x), Val::Int(y)) = (x, y) else {
        // Float rounding and string or boolean conversion differ between engines.
        return Ab::Const;
    };
    let out = match op {
        BinaryOperator::Plus => x.checked_add(y),
        BinaryOperator::Minus => x.checked_sub(y),
        BinaryOperator::Multiply => x.checked_mul(y),
        // Division by zero and inexact division differ between engines.
        BinaryOperator::Divide => {
            if y != 0 && x.checked_rem(y) == Some(0) {
                x.checked_div(y)
            } else {
                None
            }
        }
        BinaryOperator::MyIntegerDivide => {
            if y != 0 {
                x.checked_div(y)
            } else {
                None
            }
        }
        BinaryOperator::Modulo => {
            if y != 0 {
                x.checked_rem(y)
            } else {
                None
            }
        }
        _ => None,
    };
    out.map_or(Ab::Const, |v| Ab::Exact(Val::Int(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(src: &str, dialect: Dialect) -> SqlReading {
        let r = read_sql(src, dialect);
        assert_ne!(
            r.error.as_deref(),
            Some(INTERNAL_ERROR),
            "reader panicked on {src:?}"
        );
        r
    }

    fn one(src: &str, dialect: Dialect) -> SqlStatement {
        let r = read(src, dialect);
        assert_eq!(r.error, None, "{src}");
        assert_eq!(r.statements.len(), 1, "{src}");
        r.statements.into_iter().next().expect("one statement")
    }

    fn kind_tier(src: &str, dialect: Dialect) -> (String, u8) {
        let s = one(src, dialect);
        (s.kind, s.tier)
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    // --- Dialect
    // -------------------------------------------------------------------------------------

    #[test]
    fn dialect_names_parse_back() {
        for d in [
            Dialect::Sqlite,
            Dialect::Postgres,
            Dialect::MySql,
            Dialect::Generic,
        ] {
            assert_eq!(d.name().parse::<Dialect>(), Ok(d));
        }
        assert_eq!("postgresql".parse::<Dialect>(), Ok(Dialect::Postgres));
        assert_eq!("MariaDB".parse::<Dialect>(), Ok(Dialect::MySql));
        assert_eq!(Dialect::default(), Dialect::Sqlite);
    }

    #[test]
    fn unknown_dialect_error_lists_accepted_names() {
        let err = "oracle"
            .parse::<Dialect>()
            .expect_err("oracle is not accepted");
        for name in [
            "sqlite",
            "postgres",
            "postgresql",
            "mysql",
            "mariadb",
            "generic",
        ] {
            assert!(err.contains(name), "{err}");
        }
    }

    // --- Reads
    // --------------------------------------------------------------------------------------

    #[test]
    fn select_is_read_only() {
        let s = one("SELECT a FROM users WHERE id = 1", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier), ("select", 0));
        assert_eq!(s.tables, strs(&["users"]));
        assert!(!s.has_where && !s.where_always_true);
        assert_eq!(s.text, "SELECT a FROM users WHERE id = 1");
    }

    #[test]
    fn joins_subqueries_and_ctes_list_their_tables_not_cte_names() {
        let s = one(
            "WITH recent AS (SELECT * FROM orders) \
             SELECT * FROM users u JOIN recent r ON r.uid = u.id \
             WHERE u.id IN (SELECT uid FROM bans)",
            Dialect::Postgres,
        );
        assert_eq!(s.tables, strs(&["orders", "users", "bans"]));
    }

    #[test]
    fn explain_show_and_describe_are_reads() {
        assert_eq!(
            kind_tier("EXPLAIN QUERY PLAN SELECT * FROM t", Dialect::Sqlite),
            ("explain".into(), 0)
        );
        assert_eq!(kind_tier("SHOW TABLES", Dialect::MySql), ("show".into(), 0));
        assert_eq!(
            kind_tier("SHOW search_path", Dialect::Postgres),
            ("show".into(), 0)
        );
        assert_eq!(kind_tier("DESCRIBE t", Dialect::MySql), ("show".into(), 0));
    }

    #[test]
    fn explain_without_analyze_does_not_take_the_inner_tier() {
        let s = one("EXPLAIN DELETE FROM t", Dialect::Postgres);
        assert_eq!((s.kind.as_str(), s.tier), ("explain", 0));
        assert_eq!(s.tables, strs(&["t"]));
    }

    #[test]
    fn explain_analyze_runs_the_statement() {
        let s = one("EXPLAIN ANALYZE DELETE FROM t", Dialect::Postgres);
        assert_eq!((s.kind.as_str(), s.tier), ("explain", 4));
        assert!(s.why.contains("DELETE without WHERE on t"), "{}", s.why);
    }

    #[test]
    fn select_calling_a_side_effect_function_is_tier_3() {
        let s = one(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
            Dialect::Postgres,
        );
        assert_eq!((s.kind.as_str(), s.tier), ("select", 3));
        assert!(s.why.contains("pg_terminate_backend()"), "{}", s.why);
        assert_eq!(
            kind_tier("SELECT load_extension('x')", Dialect::Sqlite),
            ("select".into(), 3)
        );
    }

    #[test]
    fn select_into_creates_a_table() {
        let s = one("SELECT * INTO archive FROM t", Dialect::Postgres);
        assert_eq!((s.kind.as_str(), s.tier), ("create-table", 2));
        assert!(s.why.contains("archive"), "{}", s.why);
    }

    // --- Writes
    // ---------------------------------------------------------------------------------------

    #[test]
    fn insert_is_tier_2() {
        let s = one("INSERT INTO users (id) VALUES (1)", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier), ("insert", 2));
        assert_eq!(s.tables, strs(&["users"]));
    }

    #[test]
    fn insert_select_lists_source_tables() {
        let s = one(
            "INSERT INTO archive SELECT * FROM logs WHERE uid IN (SELECT id FROM users)",
            Dialect::Postgres,
        );
        assert_eq!(s.tables, strs(&["archive", "logs", "users"]));
        assert_eq!(s.tier, 2);
    }

    #[test]
    fn replace_forms_are_replace() {
        assert_eq!(
            kind_tier("REPLACE INTO t VALUES (1)", Dialect::Sqlite),
            ("replace".into(), 2)
        );
        assert_eq!(
            kind_tier("INSERT OR REPLACE INTO t VALUES (1)", Dialect::Sqlite),
            ("replace".into(), 2)
        );
        assert_eq!(
            kind_tier("REPLACE INTO t VALUES (1)", Dialect::MySql),
            ("replace".into(), 2)
        );
    }

    #[test]
    fn delete_with_where_is_tier_2() {
        let s = one("DELETE FROM sessions WHERE expires_at < 5", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier), ("delete", 2));
        assert!(s.has_where && !s.where_always_true);
        assert_eq!(s.why, "DELETE with WHERE on sessions");
    }

    #[test]
    fn delete_without_where_is_tier_4() {
        let s = one("DELETE FROM sessions", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier), ("delete", 4));
        assert!(!s.has_where && !s.where_always_true);
        assert_eq!(s.why, "DELETE without WHERE on sessions");
    }

    #[test]
    fn delete_with_limit_but_no_where_is_still_no_where() {
        let s = one("DELETE FROM t LIMIT 5", Dialect::MySql);
        assert_eq!(s.tier, 4);
        assert!(!s.has_where);
    }

    #[test]
    fn update_with_and_without_where() {
        let s = one("UPDATE users SET name = 'x' WHERE id = 3", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier, s.has_where), ("update", 2, true));
        let s = one("UPDATE users SET name = 'x'", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier, s.has_where), ("update", 4, false));
        assert_eq!(s.why, "UPDATE without WHERE on users");
    }

    const ALWAYS_TRUE: &[&str] = &[
        "1=1",
        "TRUE",
        "'a'='a'",
        "x = 1 OR 1",
        "1",
        "NOT 0",
        "id = id",
        "1 IN (1)",
        "2 > 1",
        "(1=1) AND (2=2)",
        "((1 = 1))",
        "t.id = id",
        "1 + 1 = 2",
        "1 NOT IN (2, 3)",
        "1 BETWEEN 0 AND 2",
        "NULL IS NULL",
        "x LIKE '%'",
        "x IS NULL OR x IS NOT NULL",
        "NOT (x = 1 AND 'a' < 'b')",
        "abs(-1) = 1",
        "?",
        "CASE WHEN x = 1 THEN 1 ELSE 1 END",
        "NOT NOT 1",
        "x = 1 OR (2 = 2 AND 3 = 3)",
        "x = 1 OR x <> 1",
        "x IS TRUE OR x IS NOT TRUE",
        "p OR NOT p",
        "(1 = 1) IS TRUE",
        "NULL IS UNKNOWN",
    ];

    #[test]
    fn always_true_where_is_tier_4() {
        for cond in ALWAYS_TRUE {
            for verb in ["DELETE FROM t", "UPDATE t SET a = 1"] {
                let src = format!("{verb} WHERE {cond}");
                let s = one(&src, Dialect::Sqlite);
                assert_eq!(s.tier, 4, "{src}");
                assert!(s.where_always_true && !s.has_where, "{src}");
                assert!(s.why.contains("always-true"), "{}", s.why);
            }
        }
    }

    const REAL_WHERE: &[&str] = &[
        "id = 5",
        "id = ?",
        "expires_at < now()",
        "x = 1 AND 'a' < 'b'",
        "id IN (SELECT id FROM u)",
        "EXISTS (SELECT 1 FROM u WHERE u.id = t.id)",
        "1 = 0",
        "NULL",
        "x = NULL",
        "id <> id",
        "CASE WHEN x = 1 THEN TRUE ELSE FALSE END",
        "x IN (1, 2, NULL)",
        "name LIKE 'a%'",
        "NOT (x = 1)",
        "x = 1 OR y = 2",
        "data IS NOT NULL",
        "a > 1 OR a < 1",
        "x IS NULL OR y IS NOT NULL",
        "x = 1 AND x <> 1",
        "(x = 1) IS NOT FALSE",
    ];

    #[test]
    fn real_where_is_tier_2() {
        for cond in REAL_WHERE {
            let src = format!("DELETE FROM t WHERE {cond}");
            let s = one(&src, Dialect::Sqlite);
            assert_eq!(s.tier, 2, "{src}");
            assert!(s.has_where && !s.where_always_true, "{src}");
        }
    }

    #[test]
    fn join_conditions_on_different_tables_are_real() {
        let s = one("DELETE FROM t USING u WHERE t.id = u.id", Dialect::Postgres);
        assert_eq!(s.tier, 2);
        assert_eq!(s.tables, strs(&["t", "u"]));
    }

    #[test]
    fn delete_where_in_subquery_lists_both_tables() {
        let s = one(
            "DELETE FROM t WHERE id IN (SELECT id FROM u)",
            Dialect::Sqlite,
        );
        assert_eq!(s.tier, 2);
        assert_eq!(s.tables, strs(&["t", "u"]));
    }

    #[test]
    fn mysql_double_pipe_is_treated_as_or() {
        let s = one("DELETE FROM t WHERE a = 1 || 1", Dialect::MySql);
        assert!(s.where_always_true);
        assert_eq!(s.tier, 4);
    }

    #[test]
    fn mysql_multi_table_delete_resolves_aliases() {
        let s = one(
            "DELETE a FROM t1 AS a JOIN t2 ON a.id = t2.id WHERE t2.x = 1",
            Dialect::MySql,
        );
        assert_eq!(s.tier, 2);
        assert_eq!(s.tables, strs(&["t1", "t2"]));
        assert!(s.why.ends_with("on t1"), "{}", s.why);
    }

    #[test]
    fn string_comparison_follows_the_dialect() {
        assert_eq!(
            one("DELETE FROM t WHERE 'a' = 'A'", Dialect::Sqlite).tier,
            2
        );
        assert_eq!(one("DELETE FROM t WHERE 'a' = 'A'", Dialect::MySql).tier, 4);
        assert_eq!(one("DELETE FROM t WHERE 'a' = 'b'", Dialect::MySql).tier, 2);
    }

    #[test]
    fn postgres_cte_delete_is_a_delete() {
        let s = one(
            "WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone",
            Dialect::Postgres,
        );
        assert_eq!((s.kind.as_str(), s.tier), ("delete", 4));
        assert_eq!(s.tables, strs(&["t"]));
        let s = one(
            "WITH gone AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM gone",
            Dialect::Postgres,
        );
        assert_eq!((s.kind.as_str(), s.tier, s.has_where), ("delete", 2, true));
    }

    #[test]
    fn with_before_delete_keeps_the_real_target() {
        let s = one(
            "WITH t AS (SELECT 1 AS id) DELETE FROM t WHERE id IN (SELECT id FROM t)",
            Dialect::Postgres,
        );
        assert_eq!((s.kind.as_str(), s.tier), ("delete", 2));
        assert_eq!(s.tables, strs(&["t"]));
    }

    #[test]
    fn merge_copy_call_set_are_tier_3() {
        assert_eq!(
            kind_tier(
                "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE",
                Dialect::Postgres
            ),
            ("merge".into(), 3)
        );
        assert_eq!(
            kind_tier("COPY t FROM '/tmp/x.csv'", Dialect::Postgres),
            ("copy".into(), 3)
        );
        assert_eq!(
            kind_tier("CALL refresh(1)", Dialect::Postgres),
            ("call".into(), 3)
        );
        assert_eq!(
            kind_tier("SET search_path = x", Dialect::Postgres),
            ("set".into(), 3)
        );
        assert_eq!(
            kind_tier("SET GLOBAL max_connections = 1", Dialect::MySql),
            ("set".into(), 3)
        );
    }

    // --- DDL
    // ------------------------------------------------------------------------------------------

    #[test]
    fn create_statements() {
        assert_eq!(
            kind_tier("CREATE TABLE t (id INT)", Dialect::Sqlite),
            ("create-table".into(), 2)
        );
        assert_eq!(
            kind_tier("CREATE INDEX i ON t (a)", Dialect::Sqlite),
            ("create-index".into(), 2)
        );
        assert_eq!(
            kind_tier("CREATE VIEW v AS SELECT * FROM t", Dialect::Sqlite),
            ("create-view".into(), 2)
        );
        assert_eq!(
            kind_tier("CREATE SCHEMA s", Dialect::Postgres),
            ("create-other".into(), 3)
        );
        assert_eq!(
            kind_tier("CREATE OR REPLACE TABLE t (id INT)", Dialect::Generic).1,
            4
        );
        let s = one("CREATE INDEX i ON users (email)", Dialect::Sqlite);
        assert_eq!(s.tables, strs(&["users"]));
    }

    #[test]
    fn drop_is_tier_4_with_targets() {
        let s = one("DROP TABLE IF EXISTS app.users, logs", Dialect::Postgres);
        assert_eq!((s.kind.as_str(), s.tier), ("drop", 4));
        assert_eq!(s.tables, strs(&["app.users", "logs"]));
        assert_eq!(
            kind_tier("DROP INDEX i", Dialect::Sqlite),
            ("drop".into(), 4)
        );
        assert_eq!(
            kind_tier("DROP FUNCTION f", Dialect::Postgres),
            ("drop".into(), 4)
        );
    }

    #[test]
    fn truncate_is_tier_4() {
        let s = one("TRUNCATE t, public.u", Dialect::Postgres);
        assert_eq!((s.kind.as_str(), s.tier), ("truncate", 4));
        assert_eq!(s.tables, strs(&["t", "public.u"]));
        assert_eq!(
            kind_tier("TRUNCATE TABLE t", Dialect::MySql),
            ("truncate".into(), 4)
        );
    }

    #[test]
    fn alter_drop_column_is_4_and_add_column_is_3() {
        let s = one("ALTER TABLE t DROP COLUMN c", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier), ("alter-drop", 4));
        assert_eq!(s.tables, strs(&["t"]));
        assert_eq!(
            kind_tier("ALTER TABLE t ADD COLUMN c INT", Dialect::Sqlite),
            ("alter".into(), 3)
        );
        assert_eq!(
            kind_tier("ALTER TABLE t DROP CONSTRAINT c_fk", Dialect::Postgres),
            ("alter-drop".into(), 4)
        );
        assert_eq!(
            kind_tier("ALTER TABLE t RENAME TO u", Dialect::Sqlite),
            ("alter".into(), 3)
        );
    }

    #[test]
    fn grant_is_3_and_revoke_is_4() {
        let s = one("GRANT SELECT ON t TO bob", Dialect::Postgres);
        assert_eq!((s.kind.as_str(), s.tier), ("grant", 3));
        assert_eq!(s.tables, strs(&["t"]));
        assert_eq!(
            kind_tier("REVOKE SELECT ON t FROM bob", Dialect::Postgres),
            ("revoke".into(), 4)
        );
    }

    // --- SQLite specifics
    // -------------------------------------------------------------------------------

    #[test]
    fn pragma_with_assignment_is_2_and_read_is_0() {
        let s = one("PRAGMA foreign_keys=OFF", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier), ("pragma", 2));
        assert_eq!(s.text, "PRAGMA foreign_keys = OFF");
        let s = one("PRAGMA table_info(users)", Dialect::Sqlite);
        assert_eq!((s.kind.as_str(), s.tier), ("pragma-read", 0));
        assert_eq!(s.tables, strs(&["users"]));
        assert_eq!(
            kind_tier("PRAGMA main.journal_mode", Dialect::Sqlite),
            ("pragma-read".into(), 0)
        );
        assert_eq!(
            kind_tier("PRAGMA cache_size = -2000", Dialect::Sqlite),
            ("pragma".into(), 2)
        );
        assert_eq!(
            kind_tier("PRAGMA journal_mode(WAL)", Dialect::Sqlite),
            ("pragma".into(), 2)
        );
        assert_eq!(
            kind_tier("PRAGMA writable_schema = 1", Dialect::Sqlite),
            ("pragma".into(), 3)
        );
    }

    #[test]
    fn exists_of_a_constant_query_is_always_true() {
        for sql in [
            "DELETE FROM t WHERE EXISTS (SELECT 1)",
            "UPDATE t SET a = 1 WHERE NOT NOT EXISTS (SELECT 'x')",
            "DELETE FROM t WHERE id = 3 OR EXISTS (SELECT 1)",
        ] {
            assert_eq!(kind_tier(sql, Dialect::Sqlite).1, 4, "{sql}")
        }
        for sql in [
            "DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)",
            "DELETE FROM t WHERE NOT EXISTS (SELECT 1)",
            "DELETE FROM t WHERE EXISTS (SELECT 1 LIMIT 0)",
            "DELETE FROM t WHERE EXISTS (SELECT generate_series(1, 0))",
        ] {
            assert_ne!(kind_tier(sql, Dialect::Sqlite).1, 4, "{sql}")
        }
    }

    #[test]
    fn role_changes_and_copies_to_the_client() {
        assert_eq!(
            kind_tier("ALTER ROLE agent WITH SUPERUSER", Dialect::Postgres),
            ("alter-role".into(), 4)
        );
        assert_eq!(
            kind_tier(
                "COPY (SELECT * FROM t) TO STDOUT WITH CSV",
                Dialect::Postgres
            ),
            ("copy-read".into(), 0)
        );
        assert_eq!(
            kind_tier("COPY t FROM '/tmp/x.csv'", Dialect::Postgres),
            ("copy".into(), 3)
        );
    }

    #[test]
    fn bad_pragma_is_an_error() {
        let r = read("PRAGMA = 1", Dialect::Sqlite);
        assert!(r.error.is_some());
        assert_eq!(r.tier(), 3);
    }

    #[test]
    fn attach_detach_vacuum_are_tier_3() {
        assert_eq!(
            kind_tier("ATTACH DATABASE 'x.db' AS x", Dialect::Sqlite),
            ("attach".into(), 3)
        );
        assert_eq!(
            kind_tier("DETACH DATABASE x", Dialect::Sqlite),
            ("detach".into(), 3)
        );
        assert_eq!(kind_tier("DETACH x", Dialect::Sqlite), ("detach".into(), 3));
        assert_eq!(kind_tier("VACUUM", Dialect::Sqlite), ("vacuum".into(), 3));
        assert_eq!(kind_tier("REINDEX", Dialect::Sqlite), ("other".into(), 3));
    }

    #[test]
    fn transaction_control_is_tier_3() {
        let r = read("BEGIN; DELETE FROM t WHERE id = 1; COMMIT", Dialect::Sqlite);
        assert_eq!(r.error, None);
        let kinds: Vec<&str> = r.statements.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["transaction", "delete", "transaction"]);
        assert_eq!(r.tier(), 3);
        for src in [
            "ROLLBACK",
            "SAVEPOINT a",
            "RELEASE a",
            "START TRANSACTION",
            "END",
        ] {
            assert_eq!(
                kind_tier(src, Dialect::Sqlite),
                ("transaction".into(), 3),
                "{src}"
            );
        }
    }

    // --- Identifiers
    // --------------------------------------------------------------------------------------

    #[test]
    fn quoted_identifiers_are_unquoted_and_lowercased() {
        assert_eq!(
            one(r#"SELECT * FROM "Users""#, Dialect::Sqlite).tables,
            strs(&["users"])
        );
        assert_eq!(
            one("SELECT * FROM [Users]", Dialect::Sqlite).tables,
            strs(&["users"])
        );
        assert_eq!(
            one("SELECT * FROM `Users`", Dialect::MySql).tables,
            strs(&["users"])
        );
        assert_eq!(
            one(r#"DELETE FROM "App"."Users""#, Dialect::Postgres).tables,
            strs(&["app.users"])
        );
    }

    #[test]
    fn schema_qualified_names_are_kept_and_deduplicated() {
        let s = one(
            "SELECT * FROM main.users u JOIN main.users v ON u.id = v.boss JOIN users w ON 1=1",
            Dialect::Sqlite,
        );
        assert_eq!(s.tables, strs(&["main.users", "users"]));
    }

    // --- Several statements, comments, errors
    // ------------------------------------------------------------

    #[test]
    fn several_statements_each_get_a_tier() {
        let r = read("SELECT 1; DROP TABLE x", Dialect::Sqlite);
        assert_eq!(r.error, None);
        assert_eq!(r.statements.len(), 2);
        assert_eq!(r.statements[0].tier, 0);
        assert_eq!(r.statements[1].tier, 4);
        assert_eq!(r.tier(), 4);
        assert_eq!(read(";;SELECT 1;;", Dialect::Sqlite).statements.len(), 1);
    }

    #[test]
    fn comments_parse() {
        let r = read(
            "-- clean up\n/* old rows */ DELETE FROM t /* inline */ WHERE id = 1; -- done\n",
            Dialect::Sqlite,
        );
        assert_eq!(r.error, None);
        assert_eq!(r.statements.len(), 1);
        assert_eq!(r.tier(), 2);
    }

    #[test]
    fn empty_or_comment_only_input_is_an_error() {
        for src in ["", "   \n", "-- nothing", "/* nothing */", ";;"] {
            let r = read(src, Dialect::Sqlite);
            assert_eq!(r.error.as_deref(), Some(NO_STATEMENT), "{src:?}");
            assert_eq!(r.tier(), 3);
        }
    }

    #[test]
    fn unparseable_sql_is_an_error_with_position() {
        let r = read("DELEET FROM x", Dialect::Sqlite);
        let err = r.error.clone().expect("an error");
        assert!(
            err.contains("Line: 1") && err.contains("Column: 1"),
            "{err}"
        );
        assert!(r.statements.is_empty());
        assert_eq!(r.tier(), 3);
    }

    #[test]
    fn an_error_after_good_statements_keeps_them() {
        let r = read("DROP TABLE x; SELECT FROM FROM", Dialect::Sqlite);
        assert!(r.error.is_some());
        assert_eq!(r.statements.len(), 1);
        assert_eq!(r.tier(), 4);
        let r = read("SELECT 1; garbage here", Dialect::Sqlite);
        assert_eq!(r.tier(), 3);
        let r = read("SELECT 1 SELECT 2", Dialect::Sqlite);
        assert!(
            r.error
                .as_deref()
                .is_some_and(|e| e.contains("end of statement")),
            "{:?}",
            r.error
        );
    }

    #[test]
    fn oversized_input_is_refused_without_parsing() {
        let big = format!("SELECT 1; {}", "-".repeat(MAX_SQL_BYTES));
        let r = read(&big, Dialect::Sqlite);
        assert!(
            r.error.as_deref().is_some_and(|e| e.contains("bytes")),
            "{:?}",
            r.error
        );
        assert!(r.statements.is_empty());
        assert_eq!(r.tier(), 3);
        assert_eq!(count_query(&big, Dialect::Sqlite), None);
    }

    #[test]
    fn deep_nesting_hits_the_recursion_limit() {
        let deep = format!("SELECT {}1{}", "(".repeat(500), ")".repeat(500));
        let r = read(&deep, Dialect::Sqlite);
        assert!(
            r.error
                .as_deref()
                .is_some_and(|e| e.contains("recursion limit")),
            "{:?}",
            r.error
        );
        let unary = format!("DELETE FROM t WHERE {}1", "NOT ".repeat(10_000));
        assert_eq!(read(&unary, Dialect::Postgres).tier(), 3);
    }

    #[test]
    fn long_operator_chains_do_not_overflow_the_stack() {
        let chains = [
            ("DELETE FROM t WHERE id = 1", "+1"),
            ("DELETE FROM t WHERE a = 1", " OR a = 1"),
            ("SELECT 1", " UNION SELECT 1"),
            ("SELECT a", "[1]"),
            ("DELETE FROM t WHERE 1", " = 1"),
        ];
        for (head, link) in chains {
            // Just under the inline limit (on this test thread), and far over it (on the reader
            // thread).
            for size in [INLINE_LIMIT - 16, 100_000] {
                let mut src = head.to_string();
                while src.len() + link.len() <= size {
                    src.push_str(link);
                }
                let r = read(&src, Dialect::Postgres);
                assert_eq!(r.error, None, "{head}…{link}");
                let _ = count_query(&src, Dialect::Postgres);
            }
        }
    }

    #[test]
    fn long_or_chain_is_still_a_real_where() {
        let conds: Vec<String> = (0..5000).map(|i| format!("id = {i}")).collect();
        let src = format!("DELETE FROM t WHERE {}", conds.join(" OR "));
        let r = read(&src, Dialect::Sqlite);
        assert_eq!(r.tier(), 2);
        let src = format!("DELETE FROM t WHERE {} OR 1 = 1", conds.join(" OR "));
        assert_eq!(read(&src, Dialect::Sqlite).tier(), 4);
    }

    #[test]
    fn tier_of_empty_reading_is_3() {
        assert_eq!(SqlReading::default().tier(), 3);
    }

    #[test]
    fn nested_writes_raise_the_tier_of_prepare_and_triggers() {
        let s = one("PREPARE p AS DELETE FROM t", Dialect::Postgres);
        assert_eq!(s.tier, 4);
        let s = one(
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM audit; END",
            Dialect::Sqlite,
        );
        assert_eq!((s.kind.as_str(), s.tier), ("create-other", 4));
    }

    #[test]
    fn unknown_statements_are_other_tier_3() {
        assert_eq!(kind_tier("USE db", Dialect::MySql), ("other".into(), 3));
        assert_eq!(
            kind_tier("LISTEN chan", Dialect::Postgres),
            ("other".into(), 3)
        );
    }

    // --- count_query
    // -------------------------------------------------------------------------------------

    #[test]
    fn count_query_for_delete_with_and_without_where() {
        assert_eq!(
            count_query("DELETE FROM sessions WHERE expires_at < 5", Dialect::Sqlite).as_deref(),
            Some("SELECT count(*) FROM sessions WHERE expires_at < 5")
        );
        assert_eq!(
            count_query("DELETE FROM t", Dialect::Sqlite).as_deref(),
            Some("SELECT count(*) FROM t")
        );
        assert_eq!(
            count_query("UPDATE s.t AS x SET a = 1 WHERE x.b = 2", Dialect::Postgres).as_deref(),
            Some("SELECT count(*) FROM s.t AS x WHERE x.b = 2")
        );
    }

    #[test]
    fn count_query_keeps_limit_and_with() {
        assert_eq!(
            count_query(
                "DELETE FROM t WHERE a > 1 ORDER BY a LIMIT 10",
                Dialect::MySql
            )
            .as_deref(),
            Some(
                "SELECT count(*) FROM (SELECT 1 FROM t WHERE a > 1 ORDER BY a LIMIT 10) \
                 AS agentgate_rows"
            )
        );
        assert_eq!(
            count_query(
                "WITH old AS (SELECT id FROM x) DELETE FROM t WHERE id IN (SELECT id FROM old)",
                Dialect::Postgres
            )
            .as_deref(),
            Some(
                "WITH old AS (SELECT id FROM x) \
                 SELECT count(*) FROM t WHERE id IN (SELECT id FROM old)"
            )
        );
    }

    #[test]
    fn count_query_is_none_for_joins_inserts_and_the_rest() {
        for (src, d) in [
            (
                "UPDATE t SET a = 1 FROM u WHERE t.id = u.id",
                Dialect::Postgres,
            ),
            (
                "UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = 1",
                Dialect::MySql,
            ),
            ("DELETE FROM t USING u WHERE t.id = u.id", Dialect::Postgres),
            (
                "DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id",
                Dialect::MySql,
            ),
            ("INSERT INTO t VALUES (1)", Dialect::Sqlite),
            ("SELECT 1", Dialect::Sqlite),
            ("DELETE FROM t; DELETE FROM u", Dialect::Sqlite),
            (
                "DELETE FROM t WHERE pg_terminate_backend(pid)",
                Dialect::Postgres,
            ),
            (
                "WITH d AS (DELETE FROM u RETURNING id) \
                 DELETE FROM t WHERE id IN (SELECT id FROM d)",
                Dialect::Postgres,
            ),
            ("not sql at all", Dialect::Sqlite),
        ] {
            assert_eq!(count_query(src, d), None, "{src}");
        }
    }

    #[test]
    fn count_queries_read_back_as_read_only() {
        for src in [
            "DELETE FROM sessions WHERE expires_at < 5",
            "UPDATE t SET a = 1",
            "DELETE FROM t WHERE id IN (SELECT id FROM u) LIMIT 3",
        ] {
            let q = count_query(src, Dialect::Sqlite).expect("a count query");
            let r = read(&q, Dialect::Sqlite);
            assert_eq!((r.error.clone(), r.tier()), (None, 0), "{q}");
        }
    }

    // --- Properties
    // ---------------------------------------------------------------------------------------

    const ALL_DIALECTS: [Dialect; 4] = [
        Dialect::Sqlite,
        Dialect::Postgres,
        Dialect::MySql,
        Dialect::Generic,
    ];

    const PIECES: &[&str] = &[
        "SELECT",
        "DELETE",
        "UPDATE",
        "INSERT",
        "INTO",
        "FROM",
        "WHERE",
        "SET",
        "VALUES",
        "WITH",
        "AS",
        "AND",
        "OR",
        "NOT",
        "IN",
        "IS",
        "NULL",
        "TRUE",
        "FALSE",
        "CASE",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "PRAGMA",
        "DETACH",
        "ATTACH",
        "DATABASE",
        "REINDEX",
        "DROP",
        "TABLE",
        "ALTER",
        "ADD",
        "COLUMN",
        "TRUNCATE",
        "EXPLAIN",
        "ANALYZE",
        "BEGIN",
        "COMMIT",
        "LIMIT",
        "ORDER",
        "BY",
        "JOIN",
        "ON",
        "USING",
        "RETURNING",
        "UNION",
        "EXISTS",
        "BETWEEN",
        "LIKE",
        "GLOB",
        "t",
        "u",
        "id",
        "x",
        "\"Q\"",
        "`b`",
        "[c]",
        "'s'",
        "1",
        "0",
        "-1",
        "1.5e3",
        "?",
        "$1",
        "@v",
        "(",
        ")",
        ",",
        ";",
        "=",
        "<>",
        "<",
        ">",
        "+",
        "-",
        "*",
        "/",
        "%",
        "||",
        "|",
        "&&",
        "!",
        ".",
        "::",
        "->",
        "--",
        "/*",
        "*/",
        "\n",
    ];

    fn dialect() -> impl Strategy<Value = Dialect> {
        prop::sample::select(&ALL_DIALECTS[..])
    }

    fn soup() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.join(" "))
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(src in "\\PC{0,120}", d in dialect()) {
            let r = read_sql(&src, d);
            prop_assert_ne!(r.error.as_deref(), Some(INTERNAL_ERROR));
            prop_assert!(r.tier() <= 4);
            prop_assert!(r.error.is_some() || !r.statements.is_empty());
            let _ = count_query(&src, d);
        }

        #[test]
        fn keyword_soup_never_panics(src in soup(), d in dialect()) {
            let r = read_sql(&src, d);
            prop_assert_ne!(r.error.as_deref(), Some(INTERNAL_ERROR));
            prop_assert!(r.tier() <= 4);
            for s in &r.statements {
                prop_assert!(s.tier <= 4);
                prop_assert!(!(s.has_where && s.where_always_true));
                if s.kind != "update" && s.kind != "delete" {
                    prop_assert!(!s.has_where && !s.where_always_true);
                }
            }
            if let Some(q) = count_query(&src, d) {
                let back = read_sql(&q, d);
                prop_assert_eq!(back.error.as_deref(), None, "{}", q);
                prop_assert_eq!(back.tier(), 0, "{}", q);
            }
        }

        #[test]
        fn soup_where_clauses_never_panic(cond in soup(), d in dialect()) {
            let r = read_sql(&format!("DELETE FROM t WHERE {cond}"), d);
            prop_assert_ne!(r.error.as_deref(), Some(INTERNAL_ERROR));
            if let [s] = r.statements.as_slice()
                && s.kind == "delete"
                && r.error.is_none()
            {
                prop_assert!(s.has_where != s.where_always_true);
                prop_assert_eq!(s.tier, if s.has_where { 2 } else { 4 });
            }
        }

        #[test]
        fn constant_comparisons_fold(a in -1000i64..1000, b in -1000i64..1000) {
            let eq = one(&format!("DELETE FROM t WHERE {a} = {b}"), Dialect::Sqlite);
            prop_assert_eq!(eq.where_always_true, a == b);
            let src = format!("DELETE FROM t WHERE {a} < {b} AND {b} <> {a} + 0");
            let lt = one(&src, Dialect::Postgres);
            prop_assert_eq!(lt.where_always_true, a < b);
            let src = format!("DELETE FROM t WHERE id = {a} OR {a} = {b} + 1");
            let real = one(&src, Dialect::MySql);
            prop_assert_eq!(real.tier, if a == b + 1 { 4 } else { 2 });
        }
    }
}
