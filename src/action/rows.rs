//! Counting the rows an UPDATE or DELETE would hit, for the diff and for `sql.rows` rules: the
//! database is opened read-only, queries are refused writes, and the count is cut off after a
//! short time. It never changes the database; anything that goes wrong means "unknown".

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use super::sql::{Dialect, count_query};

/// Longest a count may run before it is abandoned (the gate must stay fast).
pub const COUNT_BUDGET: Duration = Duration::from_millis(250);

/// A read-only connection to an existing SQLite file, or None.
pub fn open(database: &Path) -> Option<Connection> {
    if !database.is_file() {
        return None;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(database, flags).ok()?;
    // Belt and braces: refuse writes even through a function or a pragma.
    conn.execute_batch("PRAGMA query_only = ON;").ok()?;
    Some(conn)
}

/// The rows `statement` would hit now, or None when it is not a single-table UPDATE or DELETE,
/// its WHERE calls something with side effects, the query fails, or it takes too long.
pub fn count(conn: &mut Connection, statement: &str) -> Option<u64> {
    let query = count_query(statement, Dialect::Sqlite)?;
    let deadline = Instant::now() + COUNT_BUDGET;
    // Without the time limit an agent's WHERE could hold the gate; if it cannot be set, do not count.
    conn.progress_handler(10_000, Some(move || Instant::now() > deadline))
        .ok()?;
    let result = conn.query_row(&query, [], |row| row.get::<_, i64>(0));
    conn.progress_handler(0, None::<fn() -> bool>).ok()?;
    result.ok().and_then(|n| u64::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_without_changing_anything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let setup = Connection::open(&path).unwrap();
        setup
            .execute_batch("CREATE TABLE s (id INTEGER, e INTEGER); INSERT INTO s VALUES (1, 1), (2, 5), (3, 9);")
            .unwrap();
        drop(setup);
        let mut conn = open(&path).unwrap();
        assert_eq!(count(&mut conn, "DELETE FROM s WHERE e > 2"), Some(2));
        assert_eq!(count(&mut conn, "UPDATE s SET e = 0"), Some(3));
        assert_eq!(count(&mut conn, "SELECT * FROM s"), None);
        assert_eq!(count(&mut conn, "DELETE FROM missing WHERE x = 1"), None);
        assert!(conn.execute_batch("DELETE FROM s").is_err(), "read-only");
        let again = Connection::open(&path).unwrap();
        let n: i64 = again
            .query_row("SELECT count(*) FROM s", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
        assert!(open(&dir.path().join("none.db")).is_none());
    }

    #[test]
    fn a_slow_count_is_abandoned() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (0);")
            .unwrap();
        let slow = "DELETE FROM t WHERE x IN (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c)";
        let started = Instant::now();
        assert_eq!(count(&mut conn, slow), None);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
