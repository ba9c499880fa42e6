//! The SQL executor (SPEC section 7, issue 4 items 3 and 4): runs reviewed `sql` actions on SQLite
//! files inside the workspace, all actions on one database in one transaction that the caller
//! commits only after the post-action checks pass, or rolls back. It never decides whether an
//! action may run (the gate did that when the plan was reviewed).
//!
//! **One transaction per database.** [`SqlSessions`] holds at most one connection per database
//! file (keyed by its canonical path), opened lazily by the first statement for that file and
//! put straight into `BEGIN IMMEDIATE`, so the write lock is taken before anything runs and a
//! later action on the same file sees the earlier ones' uncommitted changes. Waiting for another
//! connection's lock is bounded by the busy timeout ([`DEFAULT_BUSY_TIMEOUT`], configurable on
//! [`SqlSessions::new`]); past it the action fails with [`SqlError::Busy`].
//!
//! **Errors leave the transaction open.** When a statement fails, [`SqlSessions::execute`] returns
//! the error and leaves the transaction (and whatever earlier statements did in it) open: the
//! caller decides, normally with [`SqlSessions::rollback_all`]. Dropping a [`SqlSessions`] without
//! [`SqlSessions::commit_all`] rolls every transaction back. If SQLite itself ended a transaction
//! after an error (it does for some I/O, disk-full and out-of-memory errors), the session is
//! poisoned: later statements and the commit on that database are refused, so nothing ever runs
//! outside the transaction.
//!
//! **Several databases.** [`SqlSessions::commit_all`] commits in the order the databases were
//! first used. A commit cannot be undone, so if the second database's commit fails the first one's
//! stays committed ([`SqlError::Commit`] lists it). Apply should keep a plan's SQL to one database
//! or accept that; the all-or-nothing guarantee holds per database.
//!
//! **Confinement at execution time.** The filesystem may have changed since the plan was read, so
//! every call walks the workspace-relative path (the plan's `WsPath::relative`) again with
//! `symlink_metadata` and refuses `..`, absolute paths, any symlink component (outside the
//! workspace it is an escape; inside, it appeared since the plan was resolved), a non-directory
//! parent, and a final component that is missing or not a regular file: agentgate never creates a
//! database by surprise. The file is opened read-write without `SQLITE_OPEN_CREATE`, without URI
//! parsing and with `SQLITE_OPEN_NOFOLLOW`; its device and inode are checked unchanged right after
//! the open and on every later action, which narrows a swap of a parent directory to the open
//! itself. SQLite's own journal (`NAME-journal`, or `-wal`/`-shm` in WAL mode) lives next to the
//! file, as it always does.
//!
//! **What statements may do.** An authorizer installed on every connection refuses, at prepare
//! time and so before anything runs: `ATTACH` and `DETACH` (another file), `BEGIN`, `COMMIT`,
//! `END`, `ROLLBACK`, `SAVEPOINT`, `RELEASE` (escaping or splitting the transaction), every
//! `PRAGMA` (several write or change how the file is written; telling the harmless ones apart is
//! not worth the risk, so none is allowed, including read-only ones), and the `load_extension`
//! function. `VACUUM` (and `VACUUM INTO`, which writes another file) is refused by its first
//! keyword, and SQLite refuses it inside a transaction anyway. The connection also runs with
//! `SQLITE_DBCONFIG_DEFENSIVE`, so statements cannot corrupt the file through `sqlite_schema` or
//! shadow tables. Triggers compiled into a statement are authorized like the statement.
//!
//! **Output.** Each call reports the statements run, the rows they inserted, updated or deleted
//! (including through triggers and foreign-key actions: the difference of SQLite's total change
//! counter), and for statements returning rows (a `SELECT`, or `RETURNING`) the first rows as text
//! lines, at most [`MAX_ROWS`] per call and [`MAX_LINE_BYTES`] per line, redacted with the
//! policy's [`Scanner`]; a column whose name is a [`sensitive_key`] (`password`, `token`, ...) is
//! masked whatever its value looks like. A read-only statement stops once the rows kept are
//! exceeded; one that writes runs to completion.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use rusqlite::{Batch, Connection, ErrorCode, OpenFlags};

use super::file::{ExecError, Found};
use crate::secrets::{Scanner, redaction_marker, sensitive_key};
use crate::workspace::Workspace;

/// How long a statement waits for another connection's lock before failing.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Rows kept per [`SqlSessions::execute`] call, over all its statements that return rows.
pub const MAX_ROWS: usize = 100;
/// Bytes kept per rendered row (the head, cut on a char boundary after redaction).
pub const MAX_LINE_BYTES: usize = 2048;
/// Bytes of one value read beyond [`MAX_LINE_BYTES`] before redacting, so that a secret
/// straddling the cut is recognised whole and leaves no fragment.
const REDACT_MARGIN: usize = 16 * 1024;

/// Why a SQL action, a commit or a rollback did not happen. Each names the workspace-relative
/// path of the database; statement indexes are 1-based within the action's `statement` text.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The path or the file's current state forbids the action; nothing was opened or run.
    #[error("`{database}`: refused: {why}")]
    Refused { database: String, why: String },
    /// A statement was refused before it ran (by the authorizer or its first keyword). Earlier
    /// statements of the transaction are still in it, uncommitted.
    #[error("`{database}`: statement {index}: refused: {why}")]
    StatementRefused {
        database: String,
        index: usize,
        why: String,
    },
    /// Another connection held the database's lock for longer than the busy timeout.
    #[error(
        "`{database}`: the database is locked by another connection; gave up after waiting {waited:?}"
    )]
    Busy { database: String, waited: Duration },
    /// Opening the file or starting the transaction failed.
    #[error("`{database}`: could not open it: {source}")]
    Open {
        database: String,
        #[source]
        source: rusqlite::Error,
    },
    /// A statement failed when prepared or run.
    #[error("`{database}`: statement {index}: {source}")]
    Statement {
        database: String,
        index: usize,
        #[source]
        source: rusqlite::Error,
    },
    #[error("`{database}`: {source}")]
    Io {
        database: String,
        #[source]
        source: io::Error,
    },
    /// The commit of `database` failed; its transaction was rolled back, as were those of the
    /// databases after it. Those in `committed` were committed before and stay so.
    #[error("`{database}`: commit failed ({source}); already committed: {committed:?}")]
    Commit {
        database: String,
        committed: Vec<String>,
        #[source]
        source: rusqlite::Error,
    },
    /// The transaction is gone (SQLite ended it after an error): nothing more runs on it.
    #[error("`{database}`: the transaction was ended by SQLite after an earlier error: {why}")]
    TransactionLost { database: String, why: String },
    /// The rollback of `database` failed (the others were still attempted). SQLite rolls back an
    /// open transaction when the connection closes, which happens next.
    #[error("`{database}`: rollback failed: {source}")]
    Rollback {
        database: String,
        #[source]
        source: rusqlite::Error,
    },
}

/// What one SQL action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlOutcome {
    /// Workspace-relative, `/`-separated, as executed.
    pub database: String,
    /// Statements run (empty ones and comments do not count).
    pub statements: usize,
    /// Rows inserted, updated or deleted, including by triggers and foreign-key actions.
    pub rows_changed: u64,
    /// One entry per statement that returned columns, in order.
    pub results: Vec<Selected>,
}

/// The rows a statement returned, bounded and redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// 1-based index of the statement in the action's text.
    pub statement: usize,
    /// Column names (redacted).
    pub columns: Vec<String>,
    /// The first rows, one line each: values separated by ` | `, `NULL` for null, `<blob N
    /// bytes>` for blobs, control characters escaped, redacted, cut to [`MAX_LINE_BYTES`].
    pub rows: Vec<String>,
    /// More rows existed than were kept.
    pub truncated: bool,
}

/// The open SQL transactions of one apply, at most one per database file.
pub struct SqlSessions {
    busy_timeout: Duration,
    /// In the order the databases were first used, which is the commit order.
    sessions: Vec<Session>,
}

struct Session {
    /// Workspace-relative path, for messages.
    database: String,
    /// Canonical absolute path: the key.
    key: PathBuf,
    /// Device and inode of the file when it was opened.
    identity: (u64, u64),
    conn: Connection,
    /// Why the authorizer last denied something, for the error message.
    denied: Arc<Mutex<Option<String>>>,
}

impl Default for SqlSessions {
    fn default() -> Self {
        SqlSessions::new(DEFAULT_BUSY_TIMEOUT)
    }
}

impl std::fmt::Debug for SqlSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlSessions")
            .field("busy_timeout", &self.busy_timeout)
            .field(
                "databases",
                &self
                    .sessions
                    .iter()
                    .map(|s| s.database.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SqlSessions {
    /// No transaction open yet; each statement waits at most `busy_timeout` for a lock.
    pub fn new(busy_timeout: Duration) -> SqlSessions {
        SqlSessions {
            busy_timeout,
            sessions: Vec::new(),
        }
    }

    /// Workspace-relative paths of the databases with an open transaction, in commit order.
    pub fn databases(&self) -> Vec<&str> {
        self.sessions.iter().map(|s| s.database.as_str()).collect()
    }

    /// Run every statement of `statement` in order on `database` (a plan's `WsPath::relative`),
    /// inside that database's transaction, begun (`BEGIN IMMEDIATE`) if this is its first action.
    /// Output rows are redacted with `scanner`.
    ///
    /// On error the transaction stays open with whatever earlier statements and actions did:
    /// roll it back with [`SqlSessions::rollback_all`] (or drop `self`).
    pub fn execute(
        &mut self,
        ws: &Workspace,
        database: &str,
        statement: &str,
        scanner: &Scanner,
    ) -> Result<SqlOutcome, SqlError> {
        let target = confine(ws, database)?;
        let position = match self.sessions.iter().position(|s| s.key == target.abs) {
            Some(i) => {
                let session = &self.sessions[i];
                if session.identity != target.identity {
                    return Err(refused(
                        &target.rel,
                        "the file was replaced since its transaction began",
                    ));
                }
                if session.conn.is_autocommit() {
                    return Err(SqlError::TransactionLost {
                        database: target.rel,
                        why: "refusing to run more statements outside a transaction".into(),
                    });
                }
                i
            }
            None => {
                let session = open(ws, target, self.busy_timeout)?;
                self.sessions.push(session);
                self.sessions.len() - 1
            }
        };
        let busy_timeout = self.busy_timeout;
        run(&self.sessions[position], statement, scanner, busy_timeout)
    }

    /// Commit every open transaction, in the order the databases were first used. On the first
    /// failure, that database's transaction and all later ones are rolled back; the earlier ones
    /// stay committed (listed in [`SqlError::Commit`]).
    pub fn commit_all(mut self) -> Result<(), SqlError> {
        let sessions = std::mem::take(&mut self.sessions);
        let mut committed = Vec::new();
        for mut session in sessions {
            if session.conn.is_autocommit() {
                return Err(SqlError::TransactionLost {
                    database: session.database.clone(),
                    why: "its changes may be partly lost; nothing was committed on it".into(),
                });
            }
            session.unguard();
            if let Err(source) = session.conn.execute_batch("COMMIT") {
                return Err(SqlError::Commit {
                    database: session.database.clone(),
                    committed,
                    source,
                });
            }
            committed.push(session.database.clone());
        }
        Ok(())
    }

    /// Roll back every open transaction. All are attempted; the first failure is returned.
    pub fn rollback_all(mut self) -> Result<(), SqlError> {
        let mut first = None;
        for mut session in std::mem::take(&mut self.sessions) {
            if let Err(e) = session.rollback()
                && first.is_none()
            {
                first = Some(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

impl Session {
    /// Remove the authorizer so agentgate's own `COMMIT` or `ROLLBACK` may run.
    fn unguard(&mut self) {
        // Removing a hook cannot fail in SQLite; a failure would only leave the guard on, which
        // makes the COMMIT/ROLLBACK that follows fail loudly.
        let _ = self
            .conn
            .authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
    }

    fn rollback(&mut self) -> Result<(), SqlError> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.unguard();
        self.conn
            .execute_batch("ROLLBACK")
            .map_err(|source| SqlError::Rollback {
                database: self.database.clone(),
                source,
            })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Closing the connection would roll back too; doing it explicitly is clearer.
        let _ = self.rollback();
    }
}

/// A database file confined to the workspace, as found now.
struct Target {
    rel: String,
    abs: PathBuf,
    identity: (u64, u64),
}

fn refused(database: &str, why: impl Into<String>) -> SqlError {
    SqlError::Refused {
        database: database.to_string(),
        why: why.into(),
    }
}

/// Confine `raw` with the file executor's walk (no `..`, no symlink on the path, nothing but a
/// regular file at the end), then require the database to exist.
fn confine(ws: &Workspace, raw: &str) -> Result<Target, SqlError> {
    let target = super::file::confine(ws, raw).map_err(|e| match e {
        ExecError::Refused { path, why } => SqlError::Refused {
            database: path,
            why,
        },
        ExecError::Io { path, source } => SqlError::Io {
            database: path,
            source,
        },
        ExecError::Changed { path } => refused(&path, "it changed while it was being checked"),
    })?;
    match target.found {
        Found::File(meta) => Ok(Target {
            rel: target.rel,
            abs: target.abs,
            identity: (meta.dev(), meta.ino()),
        }),
        Found::Missing => Err(refused(
            &target.rel,
            "the database does not exist; agentgate never creates one (create it in a \
             reviewed step, e.g. a file or shell action)",
        )),
    }
}

/// Open the confined file read-write (never creating it), harden the connection, begin the
/// transaction, check the file is still the one confined, then install the authorizer.
fn open(ws: &Workspace, target: Target, busy_timeout: Duration) -> Result<Session, SqlError> {
    let Target { rel, abs, identity } = target;
    let open_err = |source| SqlError::Open {
        database: rel.clone(),
        source,
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let mut conn = Connection::open_with_flags(&abs, flags).map_err(open_err)?;
    conn.busy_timeout(busy_timeout).map_err(open_err)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
        .map_err(open_err)?;
    conn.execute_batch("BEGIN IMMEDIATE").map_err(|source| {
        if is_busy(&source) {
            SqlError::Busy {
                database: rel.clone(),
                waited: busy_timeout,
            }
        } else {
            open_err(source)
        }
    })?;
    // The same file as confined, and still not reached through a symlink (rolled back on drop).
    let again = confine(ws, &rel)?;
    if again.abs != abs || again.identity != identity {
        return Err(refused(
            &rel,
            "the file was replaced while it was being opened",
        ));
    }
    let denied = Arc::new(Mutex::new(None));
    let guard = Arc::clone(&denied);
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        match forbidden(&ctx.action) {
            Some(why) => {
                if let Ok(mut slot) = guard.lock() {
                    *slot = Some(why);
                }
                Authorization::Deny
            }
            None => Authorization::Allow,
        }
    }))
    .map_err(|source| SqlError::Open {
        database: rel.clone(),
        source,
    })?;
    Ok(Session {
        database: rel,
        key: abs,
        identity,
        conn,
        denied,
    })
}

/// Why the authorizer refuses `action`, or None to allow it.
fn forbidden(action: &AuthAction<'_>) -> Option<String> {
    match action {
        AuthAction::Attach { .. } => Some("ATTACH would open another database file".into()),
        AuthAction::Detach { .. } => Some("DETACH is not allowed".into()),
        AuthAction::Transaction { .. } => Some(
            "BEGIN, COMMIT, END and ROLLBACK are agentgate's: all actions on a database run in \
             one transaction committed after the checks pass"
                .into(),
        ),
        AuthAction::Savepoint { .. } => {
            Some("SAVEPOINT and RELEASE are not allowed: the transaction is agentgate's".into())
        }
        AuthAction::Pragma { pragma_name, .. } => Some(format!(
            "PRAGMA {pragma_name} is not allowed (no PRAGMA is: several change the file or how \
             it is written)"
        )),
        AuthAction::Function { function_name }
            if function_name.eq_ignore_ascii_case("load_extension") =>
        {
            Some("load_extension() would load native code".into())
        }
        _ => None,
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Run the statements of `sql` in order on the session's open transaction.
fn run(
    session: &Session,
    sql: &str,
    scanner: &Scanner,
    busy_timeout: Duration,
) -> Result<SqlOutcome, SqlError> {
    let database = &session.database;
    let conn = &session.conn;
    let stmt_err = |index: usize, source: rusqlite::Error| {
        let denied = session.denied.lock().ok().and_then(|mut slot| slot.take());
        if let Some(why) = denied {
            SqlError::StatementRefused {
                database: database.clone(),
                index,
                why,
            }
        } else if is_busy(&source) {
            SqlError::Busy {
                database: database.clone(),
                waited: busy_timeout,
            }
        } else {
            SqlError::Statement {
                database: database.clone(),
                index,
                source,
            }
        }
    };
    if let Ok(mut slot) = session.denied.lock() {
        *slot = None;
    }
    let mut outcome = SqlOutcome {
        database: database.clone(),
        statements: 0,
        rows_changed: 0,
        results: Vec::new(),
    };
    let mut rows_left = MAX_ROWS;
    let mut batch = Batch::new(conn, sql);
    loop {
        let index = outcome.statements + 1;
        let mut stmt = match batch.next() {
            Ok(Some(stmt)) => stmt,
            Ok(None) => break,
            Err(e) => return Err(stmt_err(index, e)),
        };
        outcome.statements = index;
        let text = stmt.expanded_sql().unwrap_or_default();
        if first_keyword(&text).eq_ignore_ascii_case("vacuum") {
            return Err(SqlError::StatementRefused {
                database: database.clone(),
                index,
                why: "VACUUM rewrites the whole file (or writes another one) and cannot run in \
                      a transaction"
                    .into(),
            });
        }
        let readonly = stmt.readonly();
        let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
        let before = conn.total_changes();
        let mut selected = Selected {
            statement: index,
            columns: columns
                .iter()
                .map(|c| scanner.redact(c).into_owned())
                .collect(),
            rows: Vec::new(),
            truncated: false,
        };
        let mut rows = stmt.query([]).map_err(|e| stmt_err(index, e))?;
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) => return Err(stmt_err(index, e)),
            };
            if rows_left == 0 {
                selected.truncated = true;
                if readonly {
                    break;
                }
                continue;
            }
            let mut values = Vec::with_capacity(columns.len());
            for (i, name) in columns.iter().enumerate() {
                let value = row.get_ref(i).map_err(|e| stmt_err(index, e))?;
                values.push(render_value(name, value, scanner));
            }
            selected.rows.push(bound_line(&values.join(" | "), scanner));
            rows_left -= 1;
        }
        drop(rows);
        outcome.rows_changed += conn.total_changes().saturating_sub(before);
        if !columns.is_empty() {
            outcome.results.push(selected);
        }
        if conn.is_autocommit() {
            return Err(SqlError::TransactionLost {
                database: database.clone(),
                why: format!("after statement {index}"),
            });
        }
    }
    Ok(outcome)
}

/// The first word of a statement, past whitespace and comments.
fn first_keyword(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// One value as text: redacted (masked whole under a sensitive column name), control characters
/// escaped so a row stays one line and cannot drive a terminal.
fn render_value(column: &str, value: ValueRef<'_>, scanner: &Scanner) -> String {
    let text = match value {
        ValueRef::Null => return "NULL".to_string(),
        ValueRef::Blob(b) => return format!("<blob {} bytes>", b.len()),
        _ if sensitive_key(column) => return redaction_marker("sensitive-key"),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(bytes) => {
            let head = &bytes[..bytes.len().min(MAX_LINE_BYTES + REDACT_MARGIN)];
            String::from_utf8_lossy(head).into_owned()
        }
    };
    let redacted = scanner.redact(&text);
    redacted
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Redact a whole row again (a secret may span columns), then cut it on a char boundary.
fn bound_line(line: &str, scanner: &Scanner) -> String {
    scanner.redact_bounded(line, MAX_LINE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::time::Instant;

    struct Fixture {
        _dir: tempfile::TempDir,
        ws: Workspace,
    }

    impl Fixture {
        fn new() -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            let ws = Workspace::open(dir.path()).unwrap();
            let conn = Connection::open(ws.root().join("app.db")).unwrap();
            conn.execute_batch(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, note TEXT);
                 INSERT INTO users (name, note) VALUES ('ada', 'x'), ('bob', 'y');",
            )
            .unwrap();
            Fixture { _dir: dir, ws }
        }

        fn path(&self, rel: &str) -> PathBuf {
            self.ws.root().join(rel)
        }

        /// Names in `users`, read through a separate connection.
        fn names(&self) -> Vec<String> {
            let conn = Connection::open(self.path("app.db")).unwrap();
            let mut stmt = conn.prepare("SELECT name FROM users ORDER BY id").unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        }
    }

    fn sessions() -> SqlSessions {
        SqlSessions::new(Duration::from_millis(200))
    }

    fn exec(s: &mut SqlSessions, f: &Fixture, sql: &str) -> Result<SqlOutcome, SqlError> {
        s.execute(&f.ws, "app.db", sql, Scanner::builtin())
    }

    #[test]
    fn statements_apply_and_are_visible_after_commit() {
        let f = Fixture::new();
        let mut s = sessions();
        let out = exec(
            &mut s,
            &f,
            "INSERT INTO users (name) VALUES ('cy'); -- a comment\n\
             UPDATE users SET note = 'z' WHERE name IN ('ada', 'bob');",
        )
        .unwrap();
        assert_eq!(out.statements, 2);
        assert_eq!(out.rows_changed, 3);
        assert_eq!(out.database, "app.db");
        assert!(out.results.is_empty());
        // Not visible from outside before the commit.
        assert_eq!(f.names(), ["ada", "bob"]);
        assert_eq!(s.databases(), ["app.db"]);
        s.commit_all().unwrap();
        assert_eq!(f.names(), ["ada", "bob", "cy"]);
    }

    #[test]
    fn rollback_all_leaves_the_file_unchanged() {
        let f = Fixture::new();
        let before = fs::read(f.path("app.db")).unwrap();
        let mut s = sessions();
        exec(&mut s, &f, "DELETE FROM users; CREATE TABLE t (x);").unwrap();
        s.rollback_all().unwrap();
        assert_eq!(f.names(), ["ada", "bob"]);
        assert_eq!(fs::read(f.path("app.db")).unwrap(), before);
    }

    #[test]
    fn drop_without_commit_rolls_back() {
        let f = Fixture::new();
        let mut s = sessions();
        exec(&mut s, &f, "DELETE FROM users").unwrap();
        drop(s);
        assert_eq!(f.names(), ["ada", "bob"]);
    }

    #[test]
    fn an_error_in_the_second_statement_then_rollback_undoes_the_first() {
        let f = Fixture::new();
        let mut s = sessions();
        let err = exec(
            &mut s,
            &f,
            "DELETE FROM users WHERE name = 'ada'; INSERT INTO nope VALUES (1);",
        )
        .unwrap_err();
        match &err {
            SqlError::Statement {
                database, index, ..
            } => {
                assert_eq!(database, "app.db");
                assert_eq!(*index, 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("no such table: nope"), "{err}");
        s.rollback_all().unwrap();
        assert_eq!(f.names(), ["ada", "bob"]);
    }

    #[test]
    fn select_rows_are_bounded_and_redacted() {
        let f = Fixture::new();
        let token = format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ0bC2dF4hJ6");
        let mut s = sessions();
        exec(
            &mut s,
            &f,
            &format!(
                "UPDATE users SET note = 'token {token}' WHERE name = 'ada';
                 CREATE TABLE creds (user TEXT, password TEXT);
                 INSERT INTO creds VALUES ('ada', 'hunter2');
                 CREATE TABLE many (n INTEGER);
                 WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 500)
                 INSERT INTO many SELECT n FROM c;"
            ),
        )
        .unwrap();
        let out = exec(
            &mut s,
            &f,
            "SELECT name, note, NULL, x'0102' FROM users ORDER BY id;
             SELECT user, password FROM creds;
             SELECT 'line1' || char(10) || char(27) || '[31m';",
        )
        .unwrap();
        assert_eq!(out.statements, 3);
        assert_eq!(out.rows_changed, 0);
        let users = &out.results[0];
        assert_eq!(users.statement, 1);
        assert_eq!(users.columns[..2], ["name", "note"]);
        assert!(
            users.rows[0].starts_with("ada | token [REDACTED:"),
            "{:?}",
            users.rows
        );
        assert!(!users.rows[0].contains("ghp_"));
        assert!(users.rows[0].ends_with(" | NULL | <blob 2 bytes>"));
        assert_eq!(users.rows[1], "bob | y | NULL | <blob 2 bytes>");
        assert_eq!(out.results[1].rows, ["ada | [REDACTED:sensitive-key]"]);
        assert_eq!(out.results[2].rows, ["line1\\n\\u{1b}[31m"]);

        let out = exec(&mut s, &f, "SELECT n FROM many ORDER BY n").unwrap();
        let many = &out.results[0];
        assert_eq!(many.rows.len(), MAX_ROWS);
        assert_eq!(many.rows[99], "100");
        assert!(many.truncated);

        let out = exec(&mut s, &f, "SELECT printf('%.9000c', 'a')").unwrap();
        assert_eq!(out.results[0].rows[0].len(), MAX_LINE_BYTES);
    }

    #[test]
    fn writes_returning_rows_run_to_completion() {
        let f = Fixture::new();
        let mut s = sessions();
        exec(
            &mut s,
            &f,
            "CREATE TABLE many (n INTEGER);
             WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 300)
             INSERT INTO many SELECT n FROM c;",
        )
        .unwrap();
        let out = exec(&mut s, &f, "DELETE FROM many RETURNING n").unwrap();
        assert_eq!(out.rows_changed, 300);
        assert_eq!(out.results[0].rows.len(), MAX_ROWS);
        assert!(out.results[0].truncated);
        let out = exec(&mut s, &f, "SELECT count(*) FROM many").unwrap();
        assert_eq!(out.results[0].rows, ["0"]);
    }

    #[test]
    fn a_missing_database_is_refused_and_not_created() {
        let f = Fixture::new();
        let mut s = sessions();
        let err = s
            .execute(&f.ws, "new.db", "CREATE TABLE t (x)", Scanner::builtin())
            .unwrap_err();
        assert!(matches!(err, SqlError::Refused { .. }), "{err:?}");
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(!f.path("new.db").exists());
        let err = s
            .execute(&f.ws, "sub/new.db", "SELECT 1", Scanner::builtin())
            .unwrap_err();
        assert!(matches!(err, SqlError::Refused { .. }), "{err:?}");
        assert!(!f.path("sub").exists());
    }

    #[test]
    fn paths_that_escape_or_are_not_files_are_refused() {
        let f = Fixture::new();
        fs::create_dir(f.path("dir")).unwrap();
        let mut s = sessions();
        for bad in ["../app.db", "/etc/passwd", "dir", "app.db/x", ""] {
            let err = s
                .execute(&f.ws, bad, "SELECT 1", Scanner::builtin())
                .unwrap_err();
            assert!(matches!(err, SqlError::Refused { .. }), "{bad}: {err:?}");
        }
        assert!(s.databases().is_empty());
    }

    #[test]
    fn a_symlink_created_after_planning_is_refused() {
        let f = Fixture::new();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("victim.db");
        Connection::open(&target)
            .unwrap()
            .execute_batch("CREATE TABLE v (x); INSERT INTO v VALUES (1);")
            .unwrap();
        let before = fs::read(&target).unwrap();
        // Planned as a plain file, replaced by a link since.
        std::os::unix::fs::symlink(&target, f.path("link.db")).unwrap();
        std::os::unix::fs::symlink(outside.path(), f.path("linkdir")).unwrap();
        let mut s = sessions();
        for path in ["link.db", "linkdir/victim.db"] {
            let err = s
                .execute(&f.ws, path, "DELETE FROM v", Scanner::builtin())
                .unwrap_err();
            assert!(matches!(err, SqlError::Refused { .. }), "{err:?}");
            assert!(err.to_string().contains("symlink"), "{err}");
        }
        // Even a link pointing inside the workspace.
        std::os::unix::fs::symlink(f.path("app.db"), f.path("inside.db")).unwrap();
        let err = s
            .execute(&f.ws, "inside.db", "DELETE FROM users", Scanner::builtin())
            .unwrap_err();
        assert!(matches!(err, SqlError::Refused { .. }), "{err:?}");
        s.commit_all().unwrap();
        assert_eq!(fs::read(&target).unwrap(), before);
        assert_eq!(f.names(), ["ada", "bob"]);
    }

    #[test]
    fn a_file_replaced_after_the_transaction_began_is_refused() {
        let f = Fixture::new();
        let mut s = sessions();
        exec(&mut s, &f, "DELETE FROM users WHERE name = 'bob'").unwrap();
        fs::rename(f.path("app.db"), f.path("old.db")).unwrap();
        fs::copy(f.path("old.db"), f.path("app.db")).unwrap();
        let err = exec(&mut s, &f, "DELETE FROM users").unwrap_err();
        assert!(err.to_string().contains("replaced"), "{err}");
    }

    #[test]
    fn escaping_statements_are_refused_and_change_nothing() {
        let f = Fixture::new();
        let before = fs::read(f.path("app.db")).unwrap();
        let other = f.path("other.db");
        let cases = [
            (
                format!("ATTACH DATABASE '{}' AS o", other.display()),
                "ATTACH",
            ),
            ("DETACH DATABASE main".to_string(), "DETACH"),
            ("COMMIT".to_string(), "COMMIT"),
            ("END".to_string(), "COMMIT"),
            ("BEGIN".to_string(), "BEGIN"),
            ("ROLLBACK".to_string(), "ROLLBACK"),
            ("SAVEPOINT sp".to_string(), "SAVEPOINT"),
            ("RELEASE sp".to_string(), "SAVEPOINT"),
            ("PRAGMA journal_mode = WAL".to_string(), "PRAGMA"),
            ("PRAGMA user_version".to_string(), "PRAGMA"),
            ("VACUUM".to_string(), "VACUUM"),
            (format!("VACUUM INTO '{}'", other.display()), "VACUUM"),
            ("/* hi */ vacuum".to_string(), "VACUUM"),
            (
                "SELECT load_extension('/tmp/x.so')".to_string(),
                "load_extension",
            ),
        ];
        for (sql, word) in cases {
            let mut s = sessions();
            let err = exec(&mut s, &f, &format!("DELETE FROM users; {sql};")).unwrap_err();
            match &err {
                SqlError::StatementRefused { index, why, .. } => {
                    assert_eq!(*index, 2, "{sql}");
                    assert!(why.contains(word), "{sql}: {why}");
                }
                other => panic!("{sql}: {other:?}"),
            }
            // The transaction is still open and still ours: rolling back undoes the DELETE.
            s.rollback_all().unwrap();
            assert_eq!(f.names(), ["ada", "bob"], "{sql}");
            assert!(!other.exists(), "{sql}");
        }
        assert_eq!(fs::read(f.path("app.db")).unwrap(), before);
        assert!(!f.path("app.db-wal").exists());
    }

    #[test]
    fn two_actions_on_one_database_share_the_transaction() {
        let f = Fixture::new();
        let mut s = sessions();
        exec(&mut s, &f, "INSERT INTO users (name) VALUES ('cy')").unwrap();
        // Through another spelling of the same path: still one session.
        let out = s
            .execute(
                &f.ws,
                "./app.db",
                "SELECT name FROM users WHERE name = 'cy'",
                Scanner::builtin(),
            )
            .unwrap();
        assert_eq!(out.results[0].rows, ["cy"]);
        assert_eq!(s.databases(), ["app.db"]);
        assert_eq!(f.names(), ["ada", "bob"]);
        s.rollback_all().unwrap();
        assert_eq!(f.names(), ["ada", "bob"]);
    }

    #[test]
    fn several_databases_commit_in_order() {
        let f = Fixture::new();
        Connection::open(f.path("b.db"))
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let mut s = sessions();
        exec(&mut s, &f, "DELETE FROM users WHERE name = 'bob'").unwrap();
        s.execute(
            &f.ws,
            "b.db",
            "INSERT INTO t VALUES (1)",
            Scanner::builtin(),
        )
        .unwrap();
        assert_eq!(s.databases(), ["app.db", "b.db"]);
        s.commit_all().unwrap();
        assert_eq!(f.names(), ["ada"]);
        let n: i64 = Connection::open(f.path("b.db"))
            .unwrap()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn a_locked_database_fails_within_the_busy_timeout() {
        let f = Fixture::new();
        let holder = Connection::open(f.path("app.db")).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let mut s = SqlSessions::new(Duration::from_millis(300));
        let start = Instant::now();
        let err = exec(&mut s, &f, "DELETE FROM users").unwrap_err();
        let waited = start.elapsed();
        assert!(matches!(err, SqlError::Busy { .. }), "{err:?}");
        assert!(
            err.to_string().contains("locked by another connection"),
            "{err}"
        );
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
        assert!(waited < Duration::from_secs(3), "{waited:?}");
        assert!(s.databases().is_empty());
        holder.execute_batch("ROLLBACK").unwrap();
        // Once the lock is released, the same sessions work.
        exec(&mut s, &f, "DELETE FROM users WHERE name = 'bob'").unwrap();
        s.commit_all().unwrap();
        assert_eq!(f.names(), ["ada"]);
    }

    #[test]
    fn a_commit_blocked_by_a_reader_fails_and_rolls_back() {
        let f = Fixture::new();
        let mut s = SqlSessions::new(Duration::from_millis(200));
        exec(&mut s, &f, "DELETE FROM users").unwrap();
        let reader = Connection::open(f.path("app.db")).unwrap();
        reader.execute_batch("BEGIN; SELECT * FROM users;").unwrap();
        let err = s.commit_all().unwrap_err();
        match &err {
            SqlError::Commit {
                database,
                committed,
                ..
            } => {
                assert_eq!(database, "app.db");
                assert!(committed.is_empty());
            }
            other => panic!("{other:?}"),
        }
        reader.execute_batch("COMMIT").unwrap();
        assert_eq!(f.names(), ["ada", "bob"]);
    }

    #[test]
    fn first_keyword_skips_comments() {
        assert_eq!(first_keyword("  -- x\n /* y */ VACUUM;"), "VACUUM");
        assert_eq!(first_keyword("select 1"), "select");
        assert_eq!(first_keyword("-- only"), "");
    }
}
