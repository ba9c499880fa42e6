//! The SQLite store: opening (WAL, busy timeout, numbered migrations), appending chained records
//! inside one write transaction, and the queries that read them back. Redaction happens here, on
//! the way in, so no caller can write a secret by forgetting to.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;

use super::chain::{Break, GENESIS, RecordHasher};
use crate::error::Error;
use crate::secrets::Scanner;

/// Where the trail lives unless `--db` or `AGENTGATE_DB` says otherwise.
pub const DEFAULT_DB: &str = ".agentgate/audit.db";

/// How long a writer waits for another one before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Numbered migrations, applied in order on open; `PRAGMA user_version` is the last one applied.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_trail.sql")),
    (2, include_str!("migrations/0002_daily_counts.sql")),
    (3, include_str!("migrations/0003_seals.sql")),
];

/// The columns of `records`, in hash order.
const RECORD_COLUMNS: &str =
    "id, run, time, kind, agent, task, actor, outcome, tier, exit_code, actions, body, prev, hash";
/// The columns of `actions`, in hash order (`time` and `agent` are checked against the record's).
const ACTION_COLUMNS: &str =
    "record, idx, time, agent, name, tool, target, tier, decision, rules, body";

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// The clock the store stamps records with; tests set their own.
pub type Clock = Box<dyn Fn() -> Millis + Send>;

pub fn system_clock() -> Millis {
    jiff::Timestamp::now().as_millisecond()
}

/// A record to append. The store adds the id, run, time, actor and the chain.
#[derive(Debug, Clone, Default)]
pub struct NewRecord {
    /// The run this record continues (`None`: it starts one, and its id is the run's id).
    pub run: Option<i64>,
    pub kind: &'static str,
    pub agent: Option<String>,
    pub task: Option<String>,
    pub outcome: Option<String>,
    pub tier: Option<u8>,
    pub exit_code: Option<u8>,
    /// Who acted, when not the person running the command (`circuit-breaker`).
    pub actor: Option<String>,
    pub body: Value,
    pub actions: Vec<NewAction>,
}

#[derive(Debug, Clone)]
pub struct NewAction {
    pub name: String,
    pub tool: String,
    pub target: String,
    pub tier: u8,
    pub decision: String,
    pub rules: Vec<String>,
    pub body: Value,
}

/// A record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    pub id: i64,
    pub run: i64,
    pub time: Millis,
    pub kind: String,
    pub agent: Option<String>,
    pub task: Option<String>,
    pub actor: String,
    pub outcome: Option<String>,
    pub tier: Option<i64>,
    pub exit_code: Option<i64>,
    pub actions: i64,
    pub body: String,
    pub prev: String,
    pub hash: String,
}

/// An action row as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRow {
    pub record: i64,
    pub idx: i64,
    pub name: String,
    pub tool: String,
    pub target: String,
    pub tier: i64,
    pub decision: String,
    pub rules: String,
    pub body: String,
}

/// The kill switch or a quarantine in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Containment {
    /// `stop` or `quarantine`.
    pub kind: String,
    pub agent: Option<String>,
    pub record: i64,
    pub time: Millis,
    pub actor: String,
    pub reason: String,
}

/// Filters of `audit list`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub agent: Option<String>,
    pub task: Option<String>,
    pub outcome: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    pub limit: Option<u64>,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub records: u64,
    pub actions: u64,
    /// The last record's id and hash.
    pub head: Option<(i64, String)>,
    /// The record the anchor names, when one was given and found.
    pub anchor: Option<i64>,
    pub broken: Option<Break>,
}

pub struct Store {
    conn: Connection,
    location: String,
    actor: String,
    clock: Clock,
}

fn sql_error(location: &str) -> impl Fn(rusqlite::Error) -> Error + use<> {
    let location = location.to_string();
    move |e| Error::Audit {
        path: location.clone(),
        message: e.to_string(),
    }
}

impl Store {
    /// Open (creating it and its folder if needed) the trail at `path`.
    pub fn open(path: &Path, actor: &str) -> Result<Store, Error> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent.display(), e))?;
        }
        Store::open_file(path, actor, true)
    }

    /// Open a trail that must already exist and hold agentgate's schema: the reading commands,
    /// which must neither create a trail nor adopt another program's database.
    pub fn open_existing(path: &Path, actor: &str) -> Result<Store, Error> {
        if !path.exists() {
            return Err(Error::Audit {
                path: path.display().to_string(),
                message: "no audit trail here (use --db PATH or AGENTGATE_DB to point at one)"
                    .into(),
            });
        }
        Store::open_file(path, actor, false)
    }

    fn open_file(path: &Path, actor: &str, create: bool) -> Result<Store, Error> {
        let location = path.display().to_string();
        if path.is_dir() {
            return Err(Error::Audit {
                path: location,
                message: "is a directory, not a database file".into(),
            });
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(sql_error(&location))?;
        Store::init(conn, location, actor, create)
    }

    /// A private in-memory trail, for tests.
    pub fn in_memory(actor: &str) -> Result<Store, Error> {
        let conn = Connection::open_in_memory().map_err(sql_error(":memory:"))?;
        Store::init(conn, ":memory:".into(), actor, true)
    }

    fn init(conn: Connection, location: String, actor: &str, create: bool) -> Result<Store, Error> {
        let err = sql_error(&location);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&err)?;
        // The schema check comes first: a newer trail is refused before anything is written.
        let not_ours = |why: String| Error::Audit {
            path: location.clone(),
            message: format!("not an agentgate audit database ({why}); nothing was changed"),
        };
        // One statement, one snapshot: another process may be creating the schema right now.
        let (version, tables): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version), \
                        (SELECT count(*) FROM sqlite_master)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| not_ours(e.to_string()))?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if version > known {
            return Err(Error::Audit {
                path: location,
                message: format!(
                    "schema version {version} is newer than this agentgate knows ({known}); \
                     upgrade agentgate to read it"
                ),
            });
        }
        if version == 0 {
            if tables > 0 {
                return Err(not_ours(format!(
                    "it holds {tables} other table(s) or index(es)"
                )));
            }
            if !create {
                return Err(not_ours("it has no schema yet".into()));
            }
        }
        // WAL lets readers and one writer work at once; FULL makes every committed record durable.
        // Switching to WAL needs a lock the busy handler does not wait for, so wait here.
        let start = std::time::Instant::now();
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Ok(()) => break,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && start.elapsed() < BUSY_TIMEOUT =>
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(err(e)),
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(&err)?;
        let mut store = Store {
            conn,
            location,
            actor: actor.to_string(),
            clock: Box::new(system_clock),
        };
        if version < known {
            store.migrate(known)?;
        }
        Ok(store)
    }

    fn migrate(&mut self, known: i64) -> Result<(), Error> {
        let err = sql_error(&self.location);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        // Another process may have migrated while this one waited for the lock.
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        for (number, sql) in MIGRATIONS.iter().filter(|m| m.0 > version) {
            tx.execute_batch(sql).map_err(|e| Error::Audit {
                path: self.location.clone(),
                message: format!("migration {number}: {e}"),
            })?;
        }
        if version < known {
            tx.pragma_update(None, "user_version", known)
                .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }

    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Run `f` inside one write transaction: what it reads (containment, counts) and what it
    /// appends are one atomic step, so a kill switch set by another process is never missed and
    /// two writers never fork the chain. Nothing is written if `f` fails.
    pub fn write<T>(
        &mut self,
        scanner: &Scanner,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let err = sql_error(&self.location);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let head: Option<(i64, Millis, String)> = tx
            .query_row(
                "SELECT id, time, hash FROM records ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(&err)?;
        let (last_id, last_time, last_hash) = head.unwrap_or((0, Millis::MIN, GENESIS.to_string()));
        let mut writer = Writer {
            tx,
            location: &self.location,
            scanner,
            actor: &self.actor,
            // Times never go backwards along the chain, whatever the clocks of its writers do.
            now: (self.clock)().max(last_time),
            last_id,
            last_hash,
        };
        let value = f(&mut writer)?;
        writer.tx.commit().map_err(&err)?;
        Ok(value)
    }

    /// Records, newest first.
    pub fn list(&self, filter: &Filter) -> Result<Vec<RecordRow>, Error> {
        let mut clauses = Vec::new();
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        let mut add = |clause: &str, value: rusqlite::types::Value| {
            values.push(value);
            clauses.push(format!("{clause} ?{}", values.len()));
        };
        if let Some(a) = &filter.agent {
            add("agent =", a.clone().into());
        }
        if let Some(t) = &filter.task {
            add("task =", t.clone().into());
        }
        if let Some(o) = &filter.outcome {
            add("outcome =", o.clone().into());
        }
        if let Some(s) = filter.since {
            add("time >=", s.into());
        }
        if let Some(u) = filter.until {
            add("time <", u.into());
        }
        let mut sql = format!("SELECT {RECORD_COLUMNS} FROM records");
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(" ORDER BY time DESC, id DESC");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let err = sql_error(&self.location);
        let mut stmt = self.conn.prepare(&sql).map_err(&err)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values), record_row)
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// The records of the run that record `id` belongs to, each with its actions, in order.
    pub fn run(&self, id: i64) -> Result<Vec<(RecordRow, Vec<ActionRow>)>, Error> {
        let err = sql_error(&self.location);
        let run: Option<i64> = self
            .conn
            .query_row("SELECT run FROM records WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(&err)?;
        let Some(run) = run else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE run = ?1 ORDER BY id"
            ))
            .map_err(&err)?;
        let records: Vec<RecordRow> = stmt
            .query_map([run], record_row)
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)?;
        records
            .into_iter()
            .map(|r| {
                let actions = self.actions_of(r.id)?;
                Ok((r, actions))
            })
            .collect()
    }

    /// The id of the newest record, for `audit show last`.
    pub fn last_id(&self) -> Result<Option<i64>, Error> {
        self.conn
            .query_row("SELECT max(id) FROM records", [], |r| r.get(0))
            .map_err(sql_error(&self.location))
    }

    pub fn actions_of(&self, record: i64) -> Result<Vec<ActionRow>, Error> {
        let err = sql_error(&self.location);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT record, idx, name, tool, target, tier, decision, rules, body \
                 FROM actions WHERE record = ?1 ORDER BY idx",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map([record], |r| {
                Ok(ActionRow {
                    record: r.get(0)?,
                    idx: r.get(1)?,
                    name: r.get(2)?,
                    tool: r.get(3)?,
                    target: r.get(4)?,
                    tier: r.get(5)?,
                    decision: r.get(6)?,
                    rules: r.get(7)?,
                    body: r.get(8)?,
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// Every record in chain order with its actions, from `since` to `until`, to `each`.
    pub fn export(
        &self,
        filter: &Filter,
        each: &mut dyn FnMut(RecordRow, Vec<ActionRow>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let err = sql_error(&self.location);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {RECORD_COLUMNS} FROM records \
                 WHERE time >= ?1 AND time < ?2 AND (?3 IS NULL OR agent = ?3) ORDER BY id"
            ))
            .map_err(&err)?;
        let mut rows = stmt
            .query(params![
                filter.since.unwrap_or(Millis::MIN),
                filter.until.unwrap_or(Millis::MAX),
                filter.agent
            ])
            .map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let record = record_row(row).map_err(&err)?;
            let actions = if record.actions > 0 {
                self.actions_of(record.id)?
            } else {
                Vec::new()
            };
            each(record, actions)?;
        }
        Ok(())
    }

    /// The containment in force for `agent` (the kill switch first), read outside a write.
    pub fn containment(&self, agent: Option<&str>) -> Result<Option<Containment>, Error> {
        containment(&self.conn, agent).map_err(sql_error(&self.location))
    }

    /// Agents under quarantine now.
    pub fn quarantined(&self) -> Result<Vec<Containment>, Error> {
        let err = sql_error(&self.location);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, agent, time, actor, body FROM records r \
                 WHERE kind = 'quarantine' AND id = (SELECT max(id) FROM records \
                 WHERE kind IN ('quarantine', 'release') AND agent = r.agent) ORDER BY agent",
            )
            .map_err(&err)?;
        let rows = stmt.query_map([], containment_row).map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// Count rows for `stats`: `sql` is run with `since` and `until` as ?1 and ?2.
    pub fn query<T>(
        &self,
        sql: &str,
        since: Millis,
        until: Millis,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, Error> {
        let err = sql_error(&self.location);
        let mut stmt = self.conn.prepare(sql).map_err(&err)?;
        let rows = stmt.query_map(params![since, until], row).map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// Every `apply` and `approval` record of the sealed plan `seal`, oldest first.
    pub fn seal_records(&self, seal: &str) -> Result<Vec<SealRecord>, Error> {
        seal_records(&self.conn, seal).map_err(sql_error(&self.location))
    }

    /// The ids of the `rollback` records that undid run `run`.
    pub fn rollbacks_of(&self, run: i64) -> Result<Vec<i64>, Error> {
        let err = sql_error(&self.location);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id FROM records WHERE kind = 'rollback' \
                 AND outcome IN ('rolled-back', 'partial') \
                 AND json_extract(body, '$.of_run') = ?1 AND json_extract(body, '$.command') = 'rollback' ORDER BY id",
            )
            .map_err(&err)?;
        let rows = stmt.query_map([run], |r| r.get(0)).map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// Check the whole chain, in one consistent snapshot. With `anchor`, the anchor must be the
    /// hash of a record, which proves everything up to it was there when the anchor was taken.
    pub fn verify(&mut self, anchor: Option<&str>) -> Result<Verification, Error> {
        let location = self.location.clone();
        let err = sql_error(&location);
        let tx = self.conn.transaction().map_err(&err)?;
        let mut result = Verification {
            records: 0,
            actions: 0,
            head: None,
            anchor: None,
            broken: None,
        };
        let anchor = anchor.map(|a| a.trim().trim_start_matches("sha256:").to_ascii_lowercase());
        {
            let mut records = tx
                .prepare(&format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY id"))
                .map_err(&err)?;
            let mut actions = tx
                .prepare(&format!(
                    "SELECT {ACTION_COLUMNS} FROM actions ORDER BY record, idx"
                ))
                .map_err(&err)?;
            let mut records = records.query([]).map_err(&err)?;
            let mut actions = actions.query([]).map_err(&err)?;
            let mut pending = actions.next().map_err(&err)?;
            // The daily counts `stats` reads, recomputed from the chained rows.
            let mut days = DailyCounts::default();
            let mut prev_id: i64 = 0;
            let mut prev_hash = GENESIS.to_string();
            while let Some(row) = records.next().map_err(&err)? {
                let id: i64 = match row.get_ref(0).map_err(&err)? {
                    ValueRef::Integer(i) => i,
                    _ => {
                        result.broken = Some(Break::Changed { id: prev_id + 1 });
                        break;
                    }
                };
                let stored_prev = text(row.get_ref(12).map_err(&err)?);
                let stored_hash = text(row.get_ref(13).map_err(&err)?);
                let mut hasher = RecordHasher::new(&stored_prev);
                for i in 0..12 {
                    hasher.value(row.get_ref(i).map_err(&err)?);
                }
                let time = row.get_ref(2).map_err(&err)?;
                let agent = row.get_ref(4).map_err(&err)?;
                let declared: i64 = match row.get_ref(10).map_err(&err)? {
                    ValueRef::Integer(n) => n,
                    _ => -1,
                };
                // Action rows of records before this one belong to no record.
                let mut count = 0i64;
                let mut action_break = None;
                while let Some(a) = pending {
                    let owner = match a.get_ref(0).map_err(&err)? {
                        ValueRef::Integer(o) => o,
                        _ => i64::MIN,
                    };
                    if owner > id {
                        break;
                    }
                    if owner < id {
                        action_break.get_or_insert(Break::Actions {
                            record: id,
                            detail: format!(
                                "an action row belongs to record {owner}, which is not in the trail"
                            ),
                        });
                    } else {
                        hasher.separator();
                        for i in [1, 4, 5, 6, 7, 8, 9, 10] {
                            hasher.value(a.get_ref(i).map_err(&err)?);
                        }
                        if a.get_ref(2).map_err(&err)? != time
                            || a.get_ref(3).map_err(&err)? != agent
                        {
                            action_break.get_or_insert(Break::Actions {
                                record: id,
                                detail: "an action row's time or agent differs from its record's"
                                    .into(),
                            });
                        }
                        days.action(
                            a.get_ref(2).map_err(&err)?,
                            a.get_ref(3).map_err(&err)?,
                            a.get_ref(7).map_err(&err)?,
                            a.get_ref(8).map_err(&err)?,
                        );
                        count += 1;
                    }
                    pending = actions.next().map_err(&err)?;
                }
                result.actions += count as u64;
                let computed = hasher.finish();
                let link_ok = stored_prev == prev_hash;
                let broken = if id != prev_id + 1 {
                    if prev_id == 0 {
                        Some(Break::BadStart { id })
                    } else {
                        Some(Break::Deleted {
                            after: prev_id,
                            next: id,
                        })
                    }
                } else if computed != stored_hash || count != declared {
                    Some(Break::Changed { id })
                } else if !link_ok {
                    Some(self_link_break(&tx, id, &stored_prev).map_err(&err)?)
                } else {
                    action_break
                };
                if let Some(b) = broken {
                    result.broken = Some(b);
                    break;
                }
                days.record(
                    time,
                    agent,
                    row.get_ref(3).map_err(&err)?,
                    row.get_ref(7).map_err(&err)?,
                );
                result.records += 1;
                if anchor.as_deref() == Some(stored_hash.as_str()) {
                    result.anchor = Some(id);
                }
                prev_id = id;
                prev_hash = stored_hash;
            }
            if result.broken.is_none()
                && let Some(a) = pending
            {
                let owner: i64 = a.get(0).unwrap_or(i64::MAX);
                result.broken = Some(Break::Actions {
                    record: owner,
                    detail: format!(
                        "an action row belongs to record {owner}, which is not in the trail"
                    ),
                });
            }
            if result.broken.is_none() {
                result.broken = days.compare(&tx).map_err(&err)?;
            }
            if result.broken.is_none() && prev_id > 0 {
                result.head = Some((prev_id, prev_hash));
            }
        }
        tx.finish().map_err(&err)?;
        if let (Some(a), None, None) = (anchor, result.anchor, &result.broken) {
            result.broken = Some(Break::AnchorMissing { anchor: a });
        }
        Ok(result)
    }
}

/// Daily counts keyed as the tables key them: (day, agent, tier or kind, decision or outcome).
#[derive(Default)]
struct DailyCounts {
    actions: HashMap<(i64, String, i64, String), i64>,
    records: HashMap<(i64, String, String, String), i64>,
}

impl DailyCounts {
    fn day(time: ValueRef<'_>) -> i64 {
        match time {
            ValueRef::Integer(t) => t / 86_400_000,
            _ => i64::MIN,
        }
    }

    fn action(
        &mut self,
        time: ValueRef<'_>,
        agent: ValueRef<'_>,
        tier: ValueRef<'_>,
        decision: ValueRef<'_>,
    ) {
        let tier = match tier {
            ValueRef::Integer(t) => t,
            _ => i64::MIN,
        };
        *self
            .actions
            .entry((Self::day(time), text(agent), tier, text(decision)))
            .or_default() += 1;
    }

    fn record(
        &mut self,
        time: ValueRef<'_>,
        agent: ValueRef<'_>,
        kind: ValueRef<'_>,
        outcome: ValueRef<'_>,
    ) {
        *self
            .records
            .entry((Self::day(time), text(agent), text(kind), text(outcome)))
            .or_default() += 1;
    }

    /// The first difference between these counts and the tables.
    fn compare(self, conn: &Connection) -> rusqlite::Result<Option<Break>> {
        let actions = first_difference(
            conn,
            "action_days",
            "SELECT day, agent, tier, decision, n FROM action_days",
            self.actions,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            |k| format!("day {}, agent {}", k.0, k.1),
        )?;
        if actions.is_some() {
            return Ok(actions);
        }
        first_difference(
            conn,
            "record_days",
            "SELECT day, agent, kind, outcome, n FROM record_days",
            self.records,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            |k| format!("day {}, kind {}", k.0, k.2),
        )
    }
}

/// Compare a count table (`sql` yields the key columns, then `n`) with the counts expected.
fn first_difference<K: Eq + std::hash::Hash>(
    conn: &Connection,
    table: &str,
    sql: &str,
    mut expected: HashMap<K, i64>,
    key: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<K>,
    describe: impl Fn(&K) -> String,
) -> rusqlite::Result<Option<Break>> {
    let mismatch = |k: &K| Break::Counts {
        detail: format!(
            "the daily counts in `{table}` do not match the records ({})",
            describe(k)
        ),
    };
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let k = key(r)?;
        let n: i64 = r.get(4)?;
        if expected.remove(&k) != Some(n) {
            return Ok(Some(mismatch(&k)));
        }
    }
    Ok(expected.keys().next().map(mismatch))
}

/// What a record whose link is wrong links to instead.
fn self_link_break(conn: &Connection, id: i64, prev: &str) -> rusqlite::Result<Break> {
    let target: Option<i64> = conn
        .query_row(
            "SELECT id FROM records WHERE hash = ?1 ORDER BY id LIMIT 1",
            [prev],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match target {
        Some(t) if t < id => Break::Inserted { id, links_to: t },
        Some(t) => Break::Reordered { id, links_to: t },
        None => Break::Unlinked { id },
    })
}

/// A column as text the way the daily counts store it: NULL is ''.
fn text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(i) => i.to_string(),
        _ => String::new(),
    }
}

fn record_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordRow> {
    Ok(RecordRow {
        id: r.get(0)?,
        run: r.get(1)?,
        time: r.get(2)?,
        kind: r.get(3)?,
        agent: r.get(4)?,
        task: r.get(5)?,
        actor: r.get(6)?,
        outcome: r.get(7)?,
        tier: r.get(8)?,
        exit_code: r.get(9)?,
        actions: r.get(10)?,
        body: r.get(11)?,
        prev: r.get(12)?,
        hash: r.get(13)?,
    })
}

fn containment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Containment> {
    let body: String = r.get(5)?;
    let reason = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("reason").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    Ok(Containment {
        record: r.get(0)?,
        kind: r.get(1)?,
        agent: r.get(2)?,
        time: r.get(3)?,
        actor: r.get(4)?,
        reason,
    })
}

fn containment(conn: &Connection, agent: Option<&str>) -> rusqlite::Result<Option<Containment>> {
    let last = |sql: &str, agent: Option<&str>| -> rusqlite::Result<Option<Containment>> {
        conn.prepare_cached(sql)?
            .query_row(params![agent], containment_row)
            .optional()
    };
    let stop = last(
        "SELECT id, kind, agent, time, actor, body FROM records \
         WHERE kind IN ('stop', 'resume') AND ?1 IS NULL ORDER BY id DESC LIMIT 1",
        None,
    )?;
    if let Some(c) = stop.filter(|c| c.kind == "stop") {
        return Ok(Some(c));
    }
    let Some(agent) = agent else {
        return Ok(None);
    };
    let quarantine = last(
        "SELECT id, kind, agent, time, actor, body FROM records \
         WHERE kind IN ('quarantine', 'release') AND agent = ?1 ORDER BY id DESC LIMIT 1",
        Some(agent),
    )?;
    Ok(quarantine.filter(|c| c.kind == "quarantine"))
}

/// A record about a sealed plan: an `apply` that claimed it or an `approval` of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SealRecord {
    pub id: i64,
    pub run: i64,
    pub time: Millis,
    pub kind: String,
    pub actor: String,
    pub outcome: Option<String>,
    pub body: serde_json::Value,
}

fn seal_records(conn: &Connection, seal: &str) -> rusqlite::Result<Vec<SealRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, run, time, kind, actor, outcome, body FROM records \
         WHERE kind IN ('apply', 'approval') AND json_extract(body, '$.seal') = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([seal], |r| {
        Ok(SealRecord {
            id: r.get(0)?,
            run: r.get(1)?,
            time: r.get(2)?,
            kind: r.get(3)?,
            actor: r.get(4)?,
            outcome: r.get(5)?,
            body: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
        })
    })?;
    rows.collect()
}

/// One write transaction on the trail; see [`Store::write`].
pub struct Writer<'s> {
    tx: rusqlite::Transaction<'s>,
    location: &'s str,
    scanner: &'s Scanner,
    actor: &'s str,
    now: Millis,
    last_id: i64,
    last_hash: String,
}

impl Writer<'_> {
    /// The time every record of this transaction carries.
    pub fn now(&self) -> Millis {
        self.now
    }

    pub fn actor(&self) -> &str {
        self.actor
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> Error + use<> {
        sql_error(self.location)
    }

    /// The kill switch, else the agent's quarantine, if either is in force.
    pub fn containment(&self, agent: Option<&str>) -> Result<Option<Containment>, Error> {
        containment(&self.tx, agent).map_err(self.err())
    }

    /// Every `apply` and `approval` record of the sealed plan `seal`, oldest first.
    pub fn seal_records(&self, seal: &str) -> Result<Vec<SealRecord>, Error> {
        seal_records(&self.tx, seal).map_err(self.err())
    }

    /// How many of `agent`'s actions (only denied ones, with `denied_only`) were recorded since `since`.
    pub fn count_actions(
        &self,
        agent: &str,
        since: Millis,
        denied_only: bool,
    ) -> Result<u64, Error> {
        let sql = if denied_only {
            "SELECT count(*) FROM actions WHERE agent = ?1 AND time >= ?2 AND decision = 'deny'"
        } else {
            "SELECT count(*) FROM actions WHERE agent = ?1 AND time >= ?2"
        };
        self.tx
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row(params![agent, since], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(self.err())
    }

    /// Whether the trail has any record of `agent`.
    pub fn has_records(&self, agent: &str) -> Result<bool, Error> {
        self.tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM records WHERE agent = ?1)")
            .and_then(|mut s| s.query_row([agent], |r| r.get(0)))
            .map_err(self.err())
    }

    /// When `agent` was last released (from its quarantine, or every agent by a resume): its
    /// circuit breakers count from there.
    pub fn last_release(&self, agent: &str) -> Result<Option<Millis>, Error> {
        // A resume releases every agent too: denials the kill switch caused must not count.
        self.tx
            .prepare_cached(
                "SELECT max(time) FROM records \
                 WHERE (kind = 'release' AND agent = ?1) OR kind = 'resume'",
            )
            .and_then(|mut s| s.query_row([agent], |r| r.get(0)))
            .map_err(self.err())
    }

    /// When the first denied action since containment last changed happened: for one agent (since
    /// its last quarantine or release, or the last stop or resume), or for any agent (since the
    /// last stop or resume). Denials caused by containment itself come after those, so never count.
    pub fn first_denial(&self, agent: Option<&str>) -> Result<Option<Millis>, Error> {
        let err = self.err();
        let lifted: Option<Millis> = match agent {
            Some(a) => self
                .tx
                .query_row(
                    "SELECT max(time) FROM records WHERE (kind IN ('release', 'quarantine') \
                     AND agent = ?1) OR kind IN ('resume', 'stop')",
                    [a],
                    |r| r.get(0),
                )
                .map_err(&err)?,
            None => self
                .tx
                .query_row(
                    "SELECT max(time) FROM records WHERE kind IN ('resume', 'stop')",
                    [],
                    |r| r.get(0),
                )
                .map_err(&err)?,
        };
        let since = lifted.map_or(Millis::MIN, |t| t + 1);
        match agent {
            Some(a) => self.tx.query_row(
                "SELECT min(time) FROM actions WHERE agent = ?1 AND time >= ?2 AND decision = 'deny'",
                params![a, since],
                |r| r.get(0),
            ),
            None => self.tx.query_row(
                "SELECT min(time) FROM actions INDEXED BY actions_denials \
                 WHERE time >= ?1 AND decision = 'deny'",
                params![since],
                |r| r.get(0),
            ),
        }
        .map_err(&err)
    }

    /// Append one record (and its actions) to the chain; returns its id. Every text is passed
    /// through the secrets scan first.
    pub fn append(&mut self, record: NewRecord) -> Result<i64, Error> {
        let scanner = self.scanner;
        let clean = |s: String| scanner.redact(&s).into_owned();
        let id = self.last_id + 1;
        let run = record.run.unwrap_or(id);
        let kind = record.kind;
        let agent = record.agent.map(clean);
        let task = record.task.map(clean);
        let actor = clean(record.actor.unwrap_or_else(|| self.actor.to_string()));
        let outcome = record.outcome;
        let tier = record.tier.map(i64::from);
        let exit_code = record.exit_code.map(i64::from);
        let body = canonical(record.body, scanner);
        // Redacting and encoding the actions (the costly part for a big plan) runs on every core.
        let numbered: Vec<(usize, NewAction)> = record.actions.into_iter().enumerate().collect();
        let actions: Vec<[rusqlite::types::Value; 8]> =
            crate::parallel::map(numbered, 64, |(idx, a)| {
                [
                    (idx as i64).into(),
                    clean(a.name).into(),
                    clean(a.tool).into(),
                    clean(a.target).into(),
                    i64::from(a.tier).into(),
                    a.decision.into(),
                    clean(a.rules.join(" ")).into(),
                    canonical(a.body, scanner).into(),
                ]
            });
        let n_actions = actions.len() as i64;
        let columns: [rusqlite::types::Value; 12] = [
            id.into(),
            run.into(),
            self.now.into(),
            kind.to_string().into(),
            agent.clone().into(),
            task.into(),
            actor.into(),
            outcome.into(),
            tier.into(),
            exit_code.into(),
            n_actions.into(),
            body.into(),
        ];
        let mut hasher = RecordHasher::new(&self.last_hash);
        for c in &columns {
            hasher.value(c.into());
        }
        for a in &actions {
            hasher.separator();
            for c in a {
                hasher.value(c.into());
            }
        }
        let hash = hasher.finish();
        let err = sql_error(self.location);
        self.tx
            .prepare_cached(&format!(
                "INSERT INTO records ({RECORD_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            ))
            .and_then(|mut s| {
                let [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11] = &columns;
                s.execute(params![
                    c0,
                    c1,
                    c2,
                    c3,
                    c4,
                    c5,
                    c6,
                    c7,
                    c8,
                    c9,
                    c10,
                    c11,
                    self.last_hash,
                    hash
                ])
            })
            .map_err(&err)?;
        if !actions.is_empty() {
            let mut stmt = self
                .tx
                .prepare_cached(&format!(
                    "INSERT INTO actions ({ACTION_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ))
                .map_err(&err)?;
            let agent_text = agent.unwrap_or_default();
            for a in &actions {
                let [idx, name, tool, target, tier, decision, rules, body] = a;
                stmt.execute(params![
                    id, idx, self.now, agent_text, name, tool, target, tier, decision, rules, body
                ])
                .map_err(&err)?;
            }
        }
        self.last_id = id;
        self.last_hash = hash;
        Ok(id)
    }
}

/// Longest string kept in a record's body; longer ones keep their head and their size.
pub const MAX_FIELD_BYTES: usize = 16 * 1024;

/// Redact every string (keys too), then bound them, and sort keys: the canonical JSON text of a
/// body. Redaction comes first: cutting first could leave a secret's fragment the scan misses.
pub fn canonical(mut value: Value, scanner: &Scanner) -> String {
    redact_value(&mut value, scanner, false);
    bound(&mut value);
    crate::plan::sort_keys(&mut value);
    serde_json::to_string(&value).unwrap_or_default()
}

/// Redact every string value; keys too where a user wrote them (under `parameters`: env names,
/// header names, call arguments, request bodies). The bodies' own keys are agentgate's vocabulary.
fn redact_value(value: &mut Value, scanner: &Scanner, user_keys: bool) {
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(r) = scanner.redact(s) {
                *s = r;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| redact_value(v, scanner, user_keys)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if crate::secrets::sensitive_key(key) && !v.is_null() {
                    *v = Value::String(crate::secrets::redaction_marker("sensitive-key"));
                } else {
                    redact_value(v, scanner, user_keys || key == "parameters");
                }
            }
            // Rebuilt only in the rare case a key itself holds a secret.
            if user_keys
                && map
                    .keys()
                    .any(|k| matches!(scanner.redact(k), std::borrow::Cow::Owned(_)))
            {
                let entries = std::mem::take(map);
                for (key, v) in entries {
                    map.insert(scanner.redact(&key).into_owned(), v);
                }
            }
        }
        _ => {}
    }
}

/// A string cut to [`MAX_FIELD_BYTES`] on a character boundary, saying how much was left out.
pub fn bounded(s: &str) -> String {
    if s.len() <= MAX_FIELD_BYTES {
        return s.to_string();
    }
    let end = crate::secrets::char_floor(s, MAX_FIELD_BYTES);
    format!("{}…[{} more bytes not recorded]", &s[..end], s.len() - end)
}

fn bound(value: &mut Value) {
    match value {
        Value::String(s) if s.len() > MAX_FIELD_BYTES => *s = bounded(s),
        Value::Array(items) => items.iter_mut().for_each(bound),
        Value::Object(map) => map.values_mut().for_each(bound),
        _ => {}
    }
}

/// The default location of the trail for commands run in `dir`.
pub fn default_path(dir: &Path) -> PathBuf {
    dir.join(DEFAULT_DB)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> Store {
        Store::in_memory("tester").unwrap()
    }

    fn plan_record(agent: &str, decisions: &[&str]) -> NewRecord {
        NewRecord {
            kind: "plan",
            agent: Some(agent.into()),
            outcome: Some("allow".into()),
            tier: Some(1),
            exit_code: Some(0),
            body: json!({"intent": "test"}),
            actions: decisions
                .iter()
                .enumerate()
                .map(|(i, d)| NewAction {
                    name: format!("a{i}"),
                    tool: "shell.exec".into(),
                    target: "ls".into(),
                    tier: 1,
                    decision: d.to_string(),
                    rules: vec![],
                    body: json!({}),
                })
                .collect(),
            ..NewRecord::default()
        }
    }

    fn append(store: &mut Store, record: NewRecord) -> i64 {
        store
            .write(Scanner::builtin(), |w| w.append(record))
            .unwrap()
    }

    #[test]
    fn appended_records_chain_and_verify() {
        let mut s = store();
        for i in 0..5 {
            append(&mut s, plan_record(&format!("bot{i}"), &["allow", "deny"]));
        }
        let v = s.verify(None).unwrap();
        assert_eq!((v.records, v.actions, v.broken.clone()), (5, 10, None));
        let (head_id, head_hash) = v.head.unwrap();
        assert_eq!(head_id, 5);
        let anchored = s.verify(Some(&head_hash)).unwrap();
        assert_eq!(anchored.anchor, Some(5));
        let missing = s.verify(Some(GENESIS)).unwrap();
        assert!(matches!(missing.broken, Some(Break::AnchorMissing { .. })));
    }

    #[test]
    fn tampering_is_named() {
        let cases: [(&str, &str); 8] = [
            (
                "UPDATE records SET outcome = 'deny' WHERE id = 3",
                "changed",
            ),
            ("UPDATE records SET tier = 4 WHERE id = 2", "changed"),
            (
                "UPDATE actions SET decision = 'allow' WHERE record = 4 AND idx = 1",
                "changed",
            ),
            (
                "DELETE FROM actions WHERE record = 2 AND idx = 0",
                "changed",
            ),
            ("DELETE FROM records WHERE id = 3", "deleted"),
            ("DELETE FROM records WHERE id = 1", "bad-start"),
            (
                "UPDATE actions SET agent = 'x' WHERE record = 2 AND idx = 0",
                "actions",
            ),
            ("UPDATE action_days SET n = n + 1", "counts"),
        ];
        for (sql, kind) in cases {
            let mut s = store();
            for _ in 0..5 {
                append(&mut s, plan_record("bot", &["allow", "deny"]));
            }
            s.conn.execute_batch(sql).unwrap();
            let v = s.verify(None).unwrap();
            assert_eq!(v.broken.as_ref().map(Break::kind), Some(kind), "{sql}");
        }
    }

    #[test]
    fn a_rewritten_record_breaks_the_next_link() {
        let mut s = store();
        for _ in 0..4 {
            append(&mut s, plan_record("bot", &["allow"]));
        }
        // Swap records 2 and 3 wholesale (ids kept): both stay self-consistent but the links break.
        s.conn
            .execute_batch(
                "UPDATE records SET id = 100 WHERE id = 2; UPDATE actions SET record = 100 WHERE record = 2;
                 UPDATE records SET id = 2 WHERE id = 3; UPDATE actions SET record = 2 WHERE record = 3;
                 UPDATE records SET id = 3 WHERE id = 100; UPDATE actions SET record = 3 WHERE record = 100;",
            )
            .unwrap();
        let v = s.verify(None).unwrap();
        // The id is hashed, so the first swapped record no longer matches its hash.
        assert_eq!(v.broken, Some(Break::Changed { id: 2 }));
    }

    #[test]
    fn secrets_are_redacted_on_the_way_in() {
        let mut s = store();
        let token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
        let mut r = plan_record("bot", &["allow"]);
        r.body = json!({
            "intent": format!("use {token}"),
            "env": {"DB_PASSWORD": "hunter2"},
            "parameters": {"headers": {token: "value"}},
        });
        r.actions[0].target = format!("curl -H 'x: {token}'");
        append(&mut s, r);
        let rows = s.run(1).unwrap();
        let (record, actions) = &rows[0];
        assert!(!record.body.contains(token) && !record.body.contains("hunter2"));
        assert!(!actions[0].target.contains(token));
        assert!(record.body.contains("[REDACTED"));
        assert!(record.body.contains("\"value\""), "{}", record.body);
    }

    #[test]
    fn containment_follows_the_last_record() {
        let mut s = store();
        let contain = |kind: &'static str, agent: Option<&str>| NewRecord {
            kind,
            agent: agent.map(str::to_string),
            body: json!({"reason": format!("{kind} for test")}),
            ..NewRecord::default()
        };
        assert_eq!(s.containment(Some("bot")).unwrap(), None);
        append(&mut s, contain("quarantine", Some("bot")));
        assert_eq!(
            s.containment(Some("bot")).unwrap().unwrap().kind,
            "quarantine"
        );
        assert_eq!(s.containment(Some("other")).unwrap(), None);
        append(&mut s, contain("stop", None));
        let c = s.containment(Some("other")).unwrap().unwrap();
        assert_eq!(
            (c.kind.as_str(), c.reason.as_str()),
            ("stop", "stop for test")
        );
        append(&mut s, contain("resume", None));
        append(&mut s, contain("release", Some("bot")));
        assert_eq!(s.containment(Some("bot")).unwrap(), None);
        assert!(s.quarantined().unwrap().is_empty());
    }

    #[test]
    fn counts_and_first_denial_use_the_clock() {
        let mut s = store().with_clock(Box::new(|| 1_000));
        append(&mut s, plan_record("bot", &["deny", "allow", "deny"]));
        let (all, denied, first) = s
            .write(Scanner::builtin(), |w| {
                Ok((
                    w.count_actions("bot", 0, false)?,
                    w.count_actions("bot", 0, true)?,
                    w.first_denial(Some("bot"))?,
                ))
            })
            .unwrap();
        assert_eq!((all, denied, first), (3, 2, Some(1_000)));
    }

    #[test]
    fn long_strings_are_redacted_then_bounded_on_a_char_boundary() {
        let s = "é".repeat(MAX_FIELD_BYTES);
        let b = bounded(&s);
        assert!(b.len() < MAX_FIELD_BYTES + 64);
        assert!(b.ends_with(&format!(
            "[{} more bytes not recorded]",
            s.len() - MAX_FIELD_BYTES
        )));
        assert_eq!(bounded("short"), "short");
        // A token straddling the cut is redacted whole before the cut.
        let token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
        let text = format!("{} {token}", "x".repeat(MAX_FIELD_BYTES - 20));
        let out = canonical(json!({"content": text}), Scanner::builtin());
        assert!(
            !out.contains("ghp_aBcDeFgHiJkLmN"),
            "{}",
            &out[out.len() - 120..]
        );
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(Store::open(&path, "t").unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&path, "t").err().unwrap().to_string();
        assert!(err.contains("schema version 99 is newer"), "{err}");
    }
}
