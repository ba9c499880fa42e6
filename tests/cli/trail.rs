//! The audit trail under load and under attack, through the real binary: concurrent writers,
//! writers killed mid-transaction, tampering with the `sqlite3` tool, secrets that must never
//! reach the file, circuit breakers and operating hours, the lineage and SLOs read back, and the
//! errors a reader gets. Every test has its own database.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Barrier, OnceLock};
use std::time::{Duration, Instant};

use agentgate::audit::chain::RecordHasher;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};

use crate::helpers::{Run, Workspace, agentgate, bin, hermetic, root};

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// A fresh folder for one test's trail, and the trail's path in it.
fn trail() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    (dir, db)
}

/// `agentgate ARGS` on the trail `db`.
fn on(db: &Path, args: &[&str]) -> Run {
    agentgate(args).db(db).run()
}

/// Every record, oldest first (`audit list` is newest first).
fn records(db: &Path) -> Vec<Value> {
    let run = on(db, &["audit", "list", "--limit", "0", "--format", "json"]);
    run.code(0);
    let mut rows = run.json().as_array().unwrap().clone();
    rows.sort_by_key(|r| r["id"].as_i64().unwrap());
    rows
}

/// `audit verify --format json` (plus `extra`): the exit code and the document.
fn verify(db: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["audit", "verify", "--format", "json"];
    args.extend_from_slice(extra);
    let run = on(db, &args);
    (run.code, run.json())
}

/// The record id a `plan --format json` run was recorded as.
fn recorded_as(run: &Run) -> i64 {
    run.json()["audit"]["record"]
        .as_i64()
        .unwrap_or_else(|| panic!("no audit.record in:\n{}", run.stdout))
}

/// Whether the `sqlite3` command-line tool is on PATH.
fn has_sqlite3() -> bool {
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        Command::new("sqlite3")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Run `sql` on the database the way an attacker with a shell would: with the `sqlite3` tool
/// when it is installed, else through rusqlite (the same SQL, the same SQLite).
/// What an attacker who knows the schema runs after an edit: the daily counts rebuilt from the rows.
const RECOUNT: &str = "DELETE FROM action_days; \
    INSERT INTO action_days SELECT time / 86400000, agent, tier, decision, count(*) FROM actions GROUP BY 1, 2, 3, 4; \
    DELETE FROM record_days; \
    INSERT INTO record_days SELECT time / 86400000, coalesce(agent, ''), kind, coalesce(outcome, ''), count(*) FROM records GROUP BY 1, 2, 3, 4;";

fn tamper(db: &Path, sql: &str) {
    if has_sqlite3() {
        let out = Command::new("sqlite3").arg(db).arg(sql).output().unwrap();
        assert!(
            out.status.success(),
            "sqlite3 failed on {sql}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        static NOTE: std::sync::Once = std::sync::Once::new();
        NOTE.call_once(|| {
            println!("note: sqlite3 is not on PATH; the tampering SQL runs through rusqlite");
        });
        rusqlite::Connection::open(db)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }
}

/// Every file of the trail (`audit.db`, `-wal`, `-shm`) with its bytes.
fn trail_files(db: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let name = db.file_name().unwrap().to_str().unwrap().to_string();
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&name))
        })
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Assert that none of `needles` occurs in any file of the trail.
fn assert_nowhere_in_files(db: &Path, needles: &[&str], when: &str) {
    let files = trail_files(db);
    assert!(!files.is_empty(), "no trail files at {}", db.display());
    for (path, bytes) in &files {
        for needle in needles {
            assert!(
                !contains(bytes, needle.as_bytes()),
                "{when}: {} holds the secret {needle:?} in clear",
                path.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Concurrent writers

/// One process run a worker makes, and the exit code it must end with.
struct Job {
    args: Vec<String>,
    expect: i32,
}

fn job(args: &[&str], expect: i32) -> Job {
    Job {
        args: args.iter().map(|a| a.to_string()).collect(),
        expect,
    }
}

/// Run `jobs` one after another on `db`; the failures, described.
fn run_jobs(db: &Path, cwd: &Path, jobs: &[Job], start: &Barrier) -> Vec<String> {
    start.wait();
    let mut failures = Vec::new();
    for j in jobs {
        let out = hermetic(&mut Command::new(bin()))
            .args(&j.args)
            .current_dir(cwd)
            .env("AGENTGATE_DB", db)
            .env("USER", "tester")
            .env_remove("CI")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        if code != j.expect {
            failures.push(format!(
                "{:?}: exit {code}, expected {}; stderr: {}",
                j.args,
                j.expect,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    failures
}

#[test]
fn concurrent_writers_lose_nothing_and_keep_the_chain_intact() {
    // Six processes at once: two `plan` loops, a JSON `plan` loop for another agent, two
    // `check` loops of five files each (five records per transaction), and a
    // quarantine/release loop for an agent no plan names. 1,010 records in all.
    const PLANS: usize = 120;
    const CHECKS: usize = 50;
    const CHECK_FILES: usize = 5;
    const CONTAINS: usize = 75;
    let (_dir, db) = trail();
    let ws = Workspace::new();
    let read = ws.plan_named(
        "read.yaml",
        "intent: look around\nactions:\n  - {id: ls, tool: shell.exec, command: ls}\n  - {id: cat, tool: file.read, path: README}\n",
    );
    let write = ws.path().join("write.yaml");
    std::fs::write(
        &write,
        "version: 1\nagent: json-bot\nactions:\n  - {id: w, tool: file.write, path: notes.txt, content: \"hi\\n\"}\n",
    )
    .unwrap();
    let write = write.display().to_string();
    let checked: Vec<String> = (0..CHECK_FILES)
        .map(|i| {
            ws.plan_named(
                &format!("check-{i}.yaml"),
                &format!(
                    "task: CI-{i}\nactions:\n  - {{id: ls{i}, tool: shell.exec, command: ls}}\n"
                ),
            )
        })
        .collect();
    let mut check_args = vec!["check"];
    check_args.extend(checked.iter().map(String::as_str));

    let plans = || {
        (0..PLANS)
            .map(|_| job(&["plan", &read], 0))
            .collect::<Vec<_>>()
    };
    let checks = || (0..CHECKS).map(|_| job(&check_args, 0)).collect::<Vec<_>>();
    let workers: Vec<Vec<Job>> = vec![
        plans(),
        plans(),
        (0..PLANS)
            .map(|_| job(&["plan", &write, "--format", "json"], 0))
            .collect(),
        checks(),
        checks(),
        (0..CONTAINS)
            .flat_map(|i| {
                let reason = format!("drill {i}");
                [
                    job(&["quarantine", "other-bot", "--reason", &reason], 0),
                    job(&["release", "other-bot"], 0),
                ]
            })
            .collect(),
    ];
    let expected = 3 * PLANS + 2 * CHECKS * CHECK_FILES + 2 * CONTAINS;
    assert!(expected >= 1_000);

    // The trail exists before the writers start (`release` of an agent nobody quarantined
    // creates it and records nothing): creating it concurrently is the next test's subject.
    on(&db, &["release", "nobody"]).code(0);
    let started = Instant::now();
    let start = Barrier::new(workers.len());
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .iter()
            .map(|jobs| {
                let (db, cwd, start) = (&db, ws.path(), &start);
                scope.spawn(move || run_jobs(db, cwd, jobs, start))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    println!(
        "{} processes wrote {expected} records in {:.1?}",
        workers.iter().map(Vec::len).sum::<usize>(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} process(es) failed, first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );

    let rows = records(&db);
    assert_eq!(rows.len(), expected, "records in the trail");
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(
        ids,
        (1..=expected as i64).collect::<Vec<_>>(),
        "ids have gaps"
    );
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        *kinds.entry(r["kind"].as_str().unwrap().into()).or_default() += 1;
    }
    let want: BTreeMap<String, usize> = [
        ("check", 2 * CHECKS * CHECK_FILES),
        ("plan", 3 * PLANS),
        ("quarantine", CONTAINS),
        ("release", CONTAINS),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(kinds, want);
    // Each `check` is one transaction: its records are one run of consecutive ids.
    let mut runs: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r["kind"] == "check") {
        runs.entry(r["run"].as_i64().unwrap())
            .or_default()
            .push(r["id"].as_i64().unwrap());
    }
    assert_eq!(runs.len(), 2 * CHECKS);
    for (run, ids) in &runs {
        let consecutive: Vec<i64> = (*run..*run + CHECK_FILES as i64).collect();
        assert_eq!(ids, &consecutive, "check run {run} was interleaved");
    }
    // Times never go backwards along the chain.
    let times: Vec<&str> = rows.iter().map(|r| r["time"].as_str().unwrap()).collect();
    let parsed: Vec<jiff::Timestamp> = times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(
        parsed.windows(2).all(|w| w[0] <= w[1]),
        "times go backwards"
    );

    on(&db, &["audit", "verify"])
        .code(0)
        .stdout_has(&format!("intact: {expected} record(s)"));
    on(&db, &["status"])
        .code(0)
        .stdout_has("Quarantined agents: none");
}

#[test]
fn processes_creating_a_new_trail_at_once_all_succeed() {
    // Several CI jobs or agents starting together on a fresh workspace. Each round starts
    // eight writers on a database that does not exist yet; every one must record.
    const ROUNDS: usize = 60;
    const WRITERS: usize = 8;
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let (_dir, db) = trail();
        let start = Barrier::new(WRITERS);
        let jobs: Vec<Vec<Job>> = (0..WRITERS)
            .map(|i| {
                let agent = format!("bot-{i}");
                vec![job(&["quarantine", &agent, "--reason", "first use"], 0)]
            })
            .collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .iter()
                .map(|j| {
                    let (db, start) = (&db, &start);
                    scope.spawn(move || run_jobs(db, db.parent().unwrap(), j, start))
                })
                .collect();
            for h in handles {
                failures.extend(
                    h.join()
                        .unwrap()
                        .into_iter()
                        .map(|f| format!("round {round}: {f}")),
                );
            }
        });
        if failures.is_empty() {
            assert_eq!(records(&db).len(), WRITERS);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} writers failed on a new trail:\n{}",
        failures.len(),
        ROUNDS * WRITERS,
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 2. A writer killed mid-transaction

#[cfg(unix)]
fn killed_by_signal(status: std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal().is_some()
}

#[cfg(not(unix))]
fn killed_by_signal(status: std::process::ExitStatus) -> bool {
    status.code().is_none_or(|c| c != 0)
}

#[test]
fn a_writer_killed_mid_transaction_leaves_a_trail_that_verifies() {
    // One `check` of 60 plans writes ~7 MB in one transaction, long enough to be killed in the
    // middle of it. Some kills wait until the write-ahead log holds part of the transaction,
    // others land at fixed times (while parsing, evaluating or writing).
    const FILES: usize = 60;
    let (_dir, db) = trail();
    let wal = db.with_file_name("audit.db-wal");
    let ws = Workspace::new();
    let content = "a line of text the killed writer was about to record\n".repeat(280);
    let files: Vec<String> = (0..FILES)
        .map(|i| {
            let plan = json!({
                "version": 1,
                "agent": "test-bot",
                "intent": format!("write batch {i}"),
                "actions": (0..4).map(|j| json!({
                    "id": format!("w{j}"), "tool": "file.write",
                    "path": format!("out/f{i}-{j}.txt"), "content": content,
                })).collect::<Vec<_>>(),
            });
            let path = ws.path().join(format!("p{i:03}.json"));
            std::fs::write(&path, plan.to_string()).unwrap();
            path.display().to_string()
        })
        .collect();
    let spawn = || {
        hermetic(&mut Command::new(bin()))
            .arg("check")
            .args(&files)
            .current_dir(ws.path())
            .env("AGENTGATE_DB", &db)
            .env("USER", "tester")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // A first complete run: the trail exists and holds one batch.
    assert_eq!(spawn().wait().unwrap().code(), Some(0));
    let mut committed = FILES;
    assert_eq!(records(&db).len(), committed);
    let mut rolled_back = 0;
    let mut check = |committed: &mut usize, killed: bool, what: &str| {
        // Reading first: opening the trail recovers the log the killed writer left.
        let (code, v) = verify(&db, &[]);
        assert_eq!(code, 0, "after {what}: {v:#}");
        let now = v["records"].as_u64().unwrap() as usize;
        assert!(
            now == *committed || now == *committed + FILES,
            "after {what}: {now} records, expected {committed} or {} (one transaction, all or nothing)",
            *committed + FILES
        );
        if killed && now == *committed {
            rolled_back += 1;
        }
        *committed = now;
    };
    for threshold in [256 << 10, 1 << 20, 2 << 20, 3 << 20] {
        let spawned = std::time::SystemTime::now();
        let mut child = spawn();
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            // This writer's frames: the log was written since the spawn and is this long.
            let written = wal
                .metadata()
                .is_ok_and(|m| m.len() > threshold && m.modified().is_ok_and(|t| t >= spawned));
            if written {
                child.kill().unwrap();
                break child.wait().unwrap();
            }
            assert!(Instant::now() < deadline, "the writer never wrote");
            std::thread::sleep(Duration::from_millis(1));
        };
        check(
            &mut committed,
            killed_by_signal(status),
            &format!("a kill once the log passed {threshold} bytes"),
        );
    }
    for delay in [5, 40, 150, 400] {
        let mut child = spawn();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        check(
            &mut committed,
            killed_by_signal(status),
            &format!("a kill after {delay} ms"),
        );
    }
    assert!(
        rolled_back >= 1,
        "no kill landed inside a write transaction; the test proved nothing"
    );
    // The trail goes on from where it was: the next record follows the last one committed.
    let next = ws.plan_named(
        "next.yaml",
        "actions:\n  - {id: ls, tool: shell.exec, command: ls}\n",
    );
    let run = on(&db, &["plan", &next, "--format", "json"]);
    run.code(0);
    assert_eq!(recorded_as(&run), committed as i64 + 1);
    on(&db, &["audit", "verify"])
        .code(0)
        .stdout_has(&format!("intact: {} record(s)", committed + 1));
}

// ---------------------------------------------------------------------------------------------
// 3. Tampering

const READ_PLAN: &str = "actions:\n  - {id: ls, tool: shell.exec, command: ls}\n  - {id: cat, tool: file.read, path: README}\n";
const DENY_PLAN: &str = "actions:\n  - {id: rm, tool: shell.exec, command: 'rm -rf /'}\n  - {id: ls, tool: shell.exec, command: ls}\n";

/// A trail of six plan records with two actions each: allowed and denied plans alternating.
fn six_records() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = trail();
    let ws = Workspace::new();
    let read = ws.plan_named("read.yaml", READ_PLAN);
    let deny = ws.plan_named("deny.yaml", DENY_PLAN);
    for i in 0..6 {
        if i % 2 == 0 {
            on(&db, &["plan", &read]).code(0);
        } else {
            on(&db, &["plan", &deny]).code(3);
        }
    }
    let (code, v) = verify(&db, &[]);
    assert_eq!(
        (code, v["records"].as_u64(), v["actions"].as_u64()),
        (0, Some(6), Some(12))
    );
    (dir, db)
}

/// A copy of the trail at `db` (every file of it) in a folder of its own.
fn copy_trail(db: &Path) -> (tempfile::TempDir, PathBuf) {
    let (dir, copy) = trail();
    for (path, bytes) in trail_files(db) {
        std::fs::write(dir.path().join(path.file_name().unwrap()), bytes).unwrap();
    }
    (dir, copy)
}

/// Assert that `audit verify` exits 3 naming `record`, `kind` and `message`, in JSON and text.
fn assert_broken(db: &Path, what: &str, kind: &str, record: i64, message: &str) {
    let (code, v) = verify(db, &[]);
    assert_eq!(code, 3, "{what}: verify should fail:\n{v:#}");
    assert_eq!(v["intact"], false, "{what}");
    let broken = &v["broken"];
    assert_eq!(broken["kind"], kind, "{what}:\n{v:#}");
    assert_eq!(broken["record"], record, "{what}:\n{v:#}");
    let text = broken["message"].as_str().unwrap();
    assert!(
        text.contains(message),
        "{what}: message {text:?} lacks {message:?}"
    );
    on(db, &["audit", "verify"])
        .code(3)
        .stdout_has("is BROKEN: ")
        .stdout_has(message);
}

#[test]
fn edits_deletions_and_reorderings_with_sqlite3_are_detected() {
    let (_dir, template) = six_records();
    let swap = "UPDATE records SET id = 100 WHERE id = 2; UPDATE actions SET record = 100 WHERE record = 2;
                UPDATE records SET id = 2 WHERE id = 3; UPDATE actions SET record = 2 WHERE record = 3;
                UPDATE records SET id = 3 WHERE id = 100; UPDATE actions SET record = 3 WHERE record = 100;";
    let cases: &[(&str, &str, &str, i64, &str)] = &[
        (
            "a record's outcome",
            "UPDATE records SET outcome = 'allow' WHERE id = 4",
            "changed",
            4,
            "record 4 was changed: its content no longer matches its hash",
        ),
        (
            "a record's actor",
            "UPDATE records SET actor = 'someone-else' WHERE id = 1",
            "changed",
            1,
            "record 1 was changed",
        ),
        (
            "a record's time",
            "UPDATE records SET time = time - 3600000 WHERE id = 5",
            "changed",
            5,
            "record 5 was changed",
        ),
        (
            "an action's decision",
            "UPDATE actions SET decision = 'allow' WHERE record = 2 AND idx = 0",
            "changed",
            2,
            "record 2 was changed",
        ),
        (
            "an action's parameters",
            "UPDATE actions SET body = replace(body, 'rm -rf /', 'rm -rf /tmp/x') WHERE record = 4",
            "changed",
            4,
            "record 4 was changed",
        ),
        (
            "an action row deleted",
            "DELETE FROM actions WHERE record = 3 AND idx = 1",
            "changed",
            3,
            "record 3 was changed",
        ),
        (
            "an action row moved to another record",
            "UPDATE actions SET record = 5, idx = 7 WHERE record = 2 AND idx = 1",
            "changed",
            2,
            "record 2 was changed",
        ),
        (
            "an action row's copy of the record time",
            "UPDATE actions SET time = time + 1 WHERE record = 2 AND idx = 0",
            "actions",
            2,
            "record 2: an action row's time or agent differs from its record's",
        ),
        (
            "a middle record deleted with its actions",
            "DELETE FROM actions WHERE record = 3; DELETE FROM records WHERE id = 3",
            "deleted",
            4,
            "record 3 was deleted: the trail jumps from record 2 to record 4",
        ),
        (
            "two middle records deleted",
            "DELETE FROM actions WHERE record IN (3, 4); DELETE FROM records WHERE id IN (3, 4)",
            "deleted",
            5,
            "records 3 to 4 were deleted: the trail jumps from record 2 to record 5",
        ),
        (
            "the first record deleted with its actions",
            "DELETE FROM actions WHERE record = 1; DELETE FROM records WHERE id = 1",
            "bad-start",
            2,
            "record 2 is the first in the trail but does not start the chain",
        ),
        (
            "two records swapped (ids exchanged, actions following)",
            swap,
            "changed",
            2,
            "record 2 was changed",
        ),
        (
            "a body rewritten under a hash copied from another record",
            "UPDATE records SET body = '{\"command\":\"plan\"}', \
             hash = (SELECT hash FROM records WHERE id = 5) WHERE id = 3",
            "changed",
            3,
            "record 3 was changed",
        ),
        (
            "a forged record appended, linked to the head",
            "INSERT INTO records (id, run, time, kind, agent, task, actor, outcome, tier, \
             exit_code, actions, body, prev, hash) SELECT 7, 7, time, 'plan', 'test-bot', NULL, \
             'tester', 'allow', 0, 0, 0, '{}', hash, hash FROM records WHERE id = 6",
            "changed",
            7,
            "record 7 was changed",
        ),
        (
            "an orphan action row added after the last record",
            "INSERT INTO actions SELECT 9, idx, time, agent, name, tool, target, tier, decision, \
             rules, body FROM actions WHERE record = 6 AND idx = 0",
            "actions",
            9,
            "an action row belongs to record 9, which is not in the trail",
        ),
    ];
    for (what, sql, kind, record, message) in cases {
        let (_copy_dir, db) = copy_trail(&template);
        tamper(&db, sql);
        assert_broken(&db, what, kind, *record, message);
    }
}

/// The record columns in hash order (see src/audit/chain.rs), after `prev`.
const HASHED_RECORD: &str =
    "id, run, time, kind, agent, task, actor, outcome, tier, exit_code, actions, body";
const HASHED_ACTION: &str = "idx, name, tool, target, tier, decision, rules, body";

/// What an attacker who knows the chain's algorithm computes for record `id` as it stands.
fn computed_hash(conn: &rusqlite::Connection, id: i64) -> String {
    let (prev, columns): (String, Vec<SqlValue>) = conn
        .query_row(
            &format!("SELECT prev, {HASHED_RECORD} FROM records WHERE id = ?1"),
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    (1..13).map(|i| r.get(i)).collect::<Result<_, _>>()?,
                ))
            },
        )
        .unwrap();
    let mut hasher = RecordHasher::new(&prev);
    for c in &columns {
        hasher.value(c.into());
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {HASHED_ACTION} FROM actions WHERE record = ?1 ORDER BY idx"
        ))
        .unwrap();
    let actions: Vec<Vec<SqlValue>> = stmt
        .query_map([id], |r| (0..8).map(|i| r.get(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for a in &actions {
        hasher.separator();
        for c in a {
            hasher.value(c.into());
        }
    }
    hasher.finish()
}

fn stored_hash(conn: &rusqlite::Connection, id: i64) -> String {
    conn.query_row("SELECT hash FROM records WHERE id = ?1", [id], |r| r.get(0))
        .unwrap()
}

/// Recompute and store record `id`'s hash, as an attacker covering an edit would.
fn rehash(conn: &rusqlite::Connection, id: i64) {
    let hash = computed_hash(conn, id);
    conn.execute(
        "UPDATE records SET hash = ?1 WHERE id = ?2",
        rusqlite::params![hash, id],
    )
    .unwrap();
}

#[test]
fn edits_covered_by_a_recomputed_hash_break_the_links() {
    let (_dir, template) = six_records();
    {
        // The attacker's computation is the chain's: untouched records hash to what is stored.
        let conn = rusqlite::Connection::open(&template).unwrap();
        for id in 1..=6 {
            assert_eq!(
                computed_hash(&conn, id),
                stored_hash(&conn, id),
                "record {id}"
            );
        }
    }
    type Edit = fn(&rusqlite::Connection);
    let cases: [(&str, Edit, &str, i64, &str); 3] = [
        (
            "record 3 edited and rehashed",
            |c| {
                c.execute("UPDATE records SET outcome = 'approve' WHERE id = 3", [])
                    .unwrap();
                rehash(c, 3);
            },
            "unlinked",
            4,
            "record 4 links to a record that is not in the trail",
        ),
        (
            "record 2 relinked to record 4 (moved after it) and rehashed",
            |c| {
                let h4 = stored_hash(c, 4);
                c.execute("UPDATE records SET prev = ?1 WHERE id = 2", [h4])
                    .unwrap();
                rehash(c, 2);
            },
            "reordered",
            2,
            "record 2 links to record 4, which comes after it: records were reordered",
        ),
        (
            "record 5 relinked to record 3 (record 4 slipped in) and rehashed",
            |c| {
                let h3 = stored_hash(c, 3);
                c.execute("UPDATE records SET prev = ?1 WHERE id = 5", [h3])
                    .unwrap();
                rehash(c, 5);
            },
            "inserted",
            5,
            "record 5 links to record 3: the records between them were inserted later",
        ),
    ];
    for (what, edit, kind, record, message) in cases {
        let (_copy_dir, db) = copy_trail(&template);
        edit(&rusqlite::Connection::open(&db).unwrap());
        assert_broken(&db, what, kind, record, message);
    }
}

#[test]
fn the_anchor_proves_the_history_an_attacker_rewrote_whole() {
    let (_dir, db) = six_records();
    let (code, v) = verify(&db, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["head"]["record"], 6);
    let head = v["head"]["hash"].as_str().unwrap().to_string();
    assert!(
        head.starts_with("sha256:") && head.len() == 7 + 64,
        "{head}"
    );
    let bare = head.trim_start_matches("sha256:").to_string();
    let record2 = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        stored_hash(&conn, 2)
    };

    // On the intact trail, the head and any earlier hash are anchors, written either way.
    for anchor in [head.as_str(), bare.as_str(), &bare.to_uppercase()] {
        let (code, v) = verify(&db, &["--anchor", anchor]);
        assert_eq!(
            (code, v["anchor"].as_i64()),
            (0, Some(6)),
            "{anchor}: {v:#}"
        );
    }
    on(&db, &["audit", "verify", "--anchor", &head])
        .code(0)
        .stdout_has("Anchor found: record 6");
    assert_eq!(verify(&db, &["--anchor", &record2]).1["anchor"], 2);

    // Dropping the newest record: the daily counts give it away...
    let (_t, truncated) = copy_trail(&db);
    tamper(
        &truncated,
        "DELETE FROM actions WHERE record = 6; DELETE FROM records WHERE id = 6",
    );
    let (code, v) = verify(&truncated, &[]);
    assert_eq!((code, v["broken"]["kind"].as_str()), (3, Some("counts")));
    // ...unless the attacker recounts them too: then the chain is consistent, and only the anchor
    // kept elsewhere notices.
    tamper(&truncated, RECOUNT);
    assert_eq!(verify(&truncated, &[]).0, 0);
    let (code, v) = verify(&truncated, &["--anchor", &head]);
    assert_eq!(
        (code, v["broken"]["kind"].as_str()),
        (3, Some("anchor-missing")),
        "{v:#}"
    );

    // Rewriting record 4 (a denial becomes an allow) and re-chaining what follows verifies...
    let (_r, rewritten) = copy_trail(&db);
    {
        let conn = rusqlite::Connection::open(&rewritten).unwrap();
        conn.execute("UPDATE records SET outcome = 'allow' WHERE id = 4", [])
            .unwrap();
        conn.execute("UPDATE actions SET decision = 'allow' WHERE record = 4", [])
            .unwrap();
        rehash(&conn, 4);
        for id in 5..=6 {
            let prev = stored_hash(&conn, id - 1);
            conn.execute(
                "UPDATE records SET prev = ?1 WHERE id = ?2",
                rusqlite::params![prev, id],
            )
            .unwrap();
            rehash(&conn, id);
        }
        conn.execute_batch(RECOUNT).unwrap();
    }
    assert_eq!(
        verify(&rewritten, &[]).0,
        0,
        "a fully re-chained trail is self-consistent"
    );
    // ...but not up to the anchor kept elsewhere, while an anchor before the edit still holds.
    let (code, v) = verify(&rewritten, &["--anchor", &head]);
    assert_eq!(
        (code, v["broken"]["kind"].as_str()),
        (3, Some("anchor-missing")),
        "{v:#}"
    );
    assert_eq!(verify(&rewritten, &["--anchor", &record2]).0, 0);

    // The attacker replaces the whole file with a new trail of the same plans.
    for (path, _) in trail_files(&db) {
        std::fs::remove_file(path).unwrap();
    }
    let ws = Workspace::new();
    let read = ws.plan_named("read.yaml", READ_PLAN);
    for _ in 0..6 {
        on(&db, &["plan", &read]).code(0);
    }
    assert_eq!(verify(&db, &[]).0, 0);
    let run = on(&db, &["audit", "verify", "--anchor", &head]);
    run.code(3).stdout_has("anchor").stdout_has(&bare);
    let (code, v) = verify(&db, &["--anchor", &head]);
    assert_eq!(code, 3);
    assert_eq!(v["broken"]["kind"], "anchor-missing");
    assert!(
        v["broken"]["message"]
            .as_str()
            .unwrap()
            .contains("no record has the anchor hash")
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Secrets never reach the file

/// Fake but pattern-valid secrets (src/secrets.rs): a GitHub token, an AWS access key id, and the
/// body lines of an RSA private key.
const GH: &str = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A";
const GH_SECRET: &str = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A";
const AWS: &str = "AKIAQ3EGRZ7TPLKW4XJM";
const PEM_BODY: [&str; 2] = [
    "MIIEowIBAAKCAQEA7Vq3kQm9xZ2pL8rT4wY6uN1bC5dF0gH3jK7sV9eR2tX4yA6z",
    "Q8wE1rT5yU7iO9pA2sD4fG6hJ8kL0zX3cV5bN7mQ9wE2rT4yU6iO8pA1sD3fG5h",
];

fn pem() -> String {
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n{}\n-----END RSA PRIVATE KEY-----\n",
        PEM_BODY[0], PEM_BODY[1]
    )
}

fn secrets() -> Vec<&'static str> {
    let mut all = vec![GH, GH_SECRET, AWS];
    all.extend(PEM_BODY);
    all
}

/// Assert that no secret is in a command's output either.
fn clean_output(run: &Run) {
    for s in secrets() {
        run.nowhere(s);
    }
}

#[test]
fn a_planted_token_never_reaches_the_database_file() {
    let (_dir, db) = trail();
    let ws = Workspace::new();
    let plan = json!({
        "version": 1,
        "agent": "test-bot",
        "task": format!("OPS-{GH}"),
        "intent": format!("rotate {GH} and {AWS}"),
        "context": [{"id": "ticket-1", "source": format!("vault:{GH}"), "trust": "untrusted"}],
        "actions": [
            {
                "id": format!("w-{GH}"), "tool": "file.write", "path": format!("notes/{GH}.txt"),
                "content": format!("token: {GH}\naws: {AWS}\n{}", pem()),
                "reason": format!("because {GH} expired"),
            },
            {
                "id": "sh", "tool": "shell.exec",
                "command": format!("curl -H 'X-Upstream: {GH}' https://api.github.com/user && echo {AWS}"),
                "env": {"GH": GH, "AWS_ID": AWS},
            },
            {
                "id": "h", "tool": "http.request", "method": "POST", "url": "https://example.com/api",
                "headers": {"X-Upstream": GH, "X-Token": GH},
                "body": {"key": AWS, "note": GH, "pem": pem()},
            },
            {"id": "c", "tool": "call", "name": "deploy", "args": {"value": GH, "pem": pem()}},
        ],
    });
    let tok = ws.path().join("tok.json");
    std::fs::write(&tok, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    let tok = tok.display().to_string();
    // A plan that fails to parse, quoting the token in its error (a duplicate action id), in a
    // file whose name carries it too.
    let bad = ws.path().join(format!("bad-{GH}.yaml"));
    std::fs::write(
        &bad,
        format!("version: 1\nagent: test-bot\nintent: {GH}\nactions:\n  - {{id: dup-{GH}, tool: file.read, path: a}}\n  - {{id: dup-{GH}, tool: file.read, path: b}}\n"),
    )
    .unwrap();
    let bad = bad.display().to_string();

    // The trail exists, and this connection keeps the write-ahead log from being checkpointed
    // away when each command exits: its frames are read as they were written.
    on(&db, &["release", "nobody"]).code(0);
    let holder = rusqlite::Connection::open(&db).unwrap();
    let _: i64 = holder
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .unwrap();

    let run = on(&db, &["plan", &tok]);
    run.code(3);
    clean_output(&run);
    let run = on(&db, &["plan", &tok, "--format", "json"]);
    run.code(3);
    clean_output(&run);
    let run = on(&db, &["check", &tok]);
    run.code(3);
    clean_output(&run);
    let run = on(&db, &["plan", &bad]);
    run.code(1);
    clean_output(&run);
    // (Its output is not checked: `check --format json` echoes the file name it was given, as
    // typed, in `file` fields; that name is the caller's own argument, not the plan's content.)
    on(&db, &["check", &bad, &tok, "--format", "json"]).code(1);

    let rows = records(&db);
    let outcomes: Vec<&str> = rows
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["deny", "deny", "deny", "error", "error", "deny"]);
    let wal = db.with_file_name("audit.db-wal");
    if !wal.exists() {
        println!("note: no write-ahead log was left to read; only the database file was checked");
    }
    assert_nowhere_in_files(&db, &secrets(), "with the log held open");
    drop(holder);
    on(&db, &["audit", "verify"]).code(0);
    assert_nowhere_in_files(&db, &secrets(), "after verify");

    // Nor does any reading command print it; what was found is marked instead.
    let last = rows.last().unwrap()["id"].as_i64().unwrap().to_string();
    for args in [
        vec!["audit", "show", "last"],
        vec!["audit", "show", "last", "--format", "json"],
        vec!["audit", "show", "1"],
        vec!["audit", "show", &last, "--format", "json"],
        vec!["audit", "export"],
        vec!["audit", "list", "--limit", "0"],
        vec!["audit", "list", "--limit", "0", "--format", "json"],
        vec!["audit", "stats", "--format", "prometheus"],
    ] {
        let run = on(&db, &args);
        run.code(0);
        clean_output(&run);
    }
    let export = on(&db, &["audit", "export"]);
    export
        .stdout_has("[REDACTED")
        .stdout_has("duplicate action id");
    let show = on(&db, &["audit", "show", "1", "--format", "json"]);
    let record = &show.json()["records"][0];
    assert!(
        record["body"]["plan"]["intent"]
            .as_str()
            .unwrap()
            .starts_with("rotate [REDACTED")
    );
    assert_eq!(record["actions"].as_array().unwrap().len(), 4);
}

/// A policy folder with a custom secret pattern, the shipped pack beside it.
fn custom_secret_policy() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets.yaml"),
        "version: 1\nsecrets:\n  - id: acme-token\n    why: ACME internal API tokens\n    regex: 'acme_[a-z0-9]{32}'\n    keywords: [acme_]\n    examples: {match: [\"acme_0123456789abcdef0123456789abcdef\"], not_match: [acme_short]}\n",
    )
    .unwrap();
    let args = vec![
        "--policy".to_string(),
        root().join("policies").display().to_string(),
        "--policy".to_string(),
        dir.path().display().to_string(),
    ];
    (dir, args)
}

const ACME: &str = "acme_7f3k9q2m5x8v1b4n6z0c3d7g9h2j5l8p";

fn duplicate_ids_plan(ws: &Workspace, id: &str) -> String {
    ws.plan_named(
        "dup.yaml",
        &format!("actions:\n  - {{id: {id}, tool: file.read, path: a}}\n  - {{id: {id}, tool: file.read, path: b}}\n"),
    )
}

#[test]
fn a_custom_secret_in_a_failed_check_is_recorded_redacted() {
    let (_dir, db) = trail();
    let (_policy, policy) = custom_secret_policy();
    let ws = Workspace::new();
    let ok = ws.plan_named("ok.yaml", &format!("intent: use {ACME}\n{READ_PLAN}"));
    let dup = duplicate_ids_plan(&ws, ACME);
    let mut args = vec!["plan", ok.as_str()];
    args.extend(policy.iter().map(String::as_str));
    on(&db, &args).code(0);
    let mut args = vec!["check", dup.as_str()];
    args.extend(policy.iter().map(String::as_str));
    on(&db, &args).code(1);
    assert_eq!(records(&db).len(), 2);
    assert_nowhere_in_files(&db, &[ACME], "custom secret, check");
    on(&db, &["audit", "export"])
        .code(0)
        .nowhere(ACME)
        .stdout_has("[REDACTED:acme-token]");
}

#[test]
fn a_custom_secret_in_a_failed_plan_is_recorded_redacted() {
    let (_dir, db) = trail();
    let (_policy, policy) = custom_secret_policy();
    let ws = Workspace::new();
    let dup = duplicate_ids_plan(&ws, ACME);
    let mut args = vec!["plan", dup.as_str()];
    args.extend(policy.iter().map(String::as_str));
    on(&db, &args).code(1);
    assert_eq!(records(&db)[0]["outcome"], "error");
    assert_nowhere_in_files(&db, &[ACME], "custom secret, plan");
}

#[test]
fn a_secret_cut_by_the_field_bound_is_not_recorded_in_part() {
    let (_dir, db) = trail();
    let ws = Workspace::new();
    // The token starts 30 bytes before the 16 KiB bound of a recorded field.
    let bound = 16 * 1024;
    let content = format!("{} {GH}\n", "x".repeat(bound - 31));
    let plan = json!({
        "version": 1, "agent": "test-bot",
        "actions": [{"id": "w", "tool": "file.write", "path": "big.txt", "content": content}],
    });
    let path = ws.path().join("big.json");
    std::fs::write(&path, plan.to_string()).unwrap();
    // The gate sees the token and denies the plan...
    on(&db, &["plan", &path.display().to_string()]).code(3);
    // ...but what is kept of the cut content must not hold any of it either.
    assert_nowhere_in_files(
        &db,
        &[&GH[..24], &GH_SECRET[..20]],
        "a token cut at the bound",
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Circuit breakers and operating hours

/// The shipped pack (the repository's `policies/`) plus a folder holding `limits` as its only
/// file; the `--policy` arguments for both.
fn with_limits(limits: &str) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("limits.yaml"),
        format!("version: 1\nlimits:\n{limits}"),
    )
    .unwrap();
    let args = vec![
        "--policy".to_string(),
        root().join("policies").display().to_string(),
        "--policy".to_string(),
        dir.path().display().to_string(),
    ];
    (dir, args)
}

/// `agentgate ARGS --policy ...` on the trail `db`.
fn gated(db: &Path, policy: &[String], args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(policy.iter().map(String::as_str));
    on(db, &all)
}

fn quarantined(db: &Path) -> Vec<Value> {
    let run = on(db, &["status", "--format", "json"]);
    run.code(0);
    run.json()["quarantined"].as_array().unwrap().clone()
}

#[test]
fn the_limits_fixture_is_a_policy_set_on_its_own() {
    // Limits without rules load; with no rules every shell command is unclassified (tier 3).
    // The agent is none of the fixture's globs with operating hours (`*-bot`, `nightly`, `ci-*`),
    // so the outcome does not depend on the time the test runs.
    let ws = Workspace::new();
    let plan = ws.path().join("solo.yaml");
    std::fs::write(&plan, format!("version: 1\nagent: solo\n{READ_PLAN}")).unwrap();
    let run = agentgate(&[
        "plan",
        &plan.display().to_string(),
        "--policy",
        &crate::helpers::fixture("policies/limits"),
        "--format",
        "json",
    ])
    .run();
    run.code(2);
    assert_eq!(run.json()["tier"], 3);
}

#[test]
fn a_rate_breaker_denies_quarantines_and_holds_until_release() {
    let (_dir, db) = trail();
    let (_p, policy) = with_limits(
        "  - id: tiny-rate\n    why: test\n    agents: test-bot\n    rate: {max: 5, per: 1h}\n",
    );
    let ws = Workspace::new();
    let plan = ws.plan(READ_PLAN);
    let other = ws.path().join("other.yaml");
    std::fs::write(&other, format!("version: 1\nagent: other-bot\n{READ_PLAN}")).unwrap();
    let other = other.display().to_string();

    gated(&db, &policy, &["plan", &plan]).code(0); // 2 actions
    gated(&db, &policy, &["plan", &plan]).code(0); // 4
    let tripped = gated(&db, &policy, &["plan", &plan, "--format", "json"]); // 6 > 5
    tripped.code(3);
    let doc = tripped.json();
    assert_eq!(doc["decision"], "deny");
    let what = "rate limit exceeded: 6 actions proposed in the last 1h (limit 5 per 1h)";
    assert!(doc["contained"].as_str().unwrap().contains(what), "{doc:#}");
    for a in doc["actions"].as_array().unwrap() {
        let f = a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "tiny-rate")
            .unwrap_or_else(|| panic!("no tiny-rate finding: {a:#}"));
        assert_eq!(
            (f["level"].as_str(), f["effect"].as_str()),
            (Some("hard-mandatory"), Some("deny"))
        );
    }
    let plan_record = recorded_as(&tripped);

    // Quarantined automatically, in the same run as the plan that tripped it, reason recorded.
    let q = quarantined(&db);
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0]["agent"], "test-bot");
    let reason = q[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("circuit breaker: limit `tiny-rate`: 6 actions"),
        "{reason}"
    );
    on(&db, &["status"])
        .code(0)
        .stdout_has("test-bot")
        .stdout_has("circuit breaker: limit `tiny-rate`");
    let listed = on(
        &db,
        &[
            "audit",
            "list",
            "--decision",
            "quarantine",
            "--format",
            "json",
        ],
    );
    let listed = listed.json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["agent"], "test-bot");
    assert_eq!(listed[0]["run"], plan_record);
    let id = listed[0]["id"].as_i64().unwrap();
    assert_eq!(id, plan_record + 1);
    let shown = on(&db, &["audit", "show", &id.to_string(), "--format", "json"]).json();
    let records = shown["records"].as_array().unwrap();
    assert_eq!(records.len(), 2, "the plan and its quarantine are one run");
    let body = &records[1]["body"];
    assert_eq!(records[1]["actor"], "circuit-breaker");
    assert_eq!(body["run_by"], "tester");
    assert_eq!(body["reason"], reason);
    assert!(body["time_to_containment_ms"].is_i64(), "{body:#}");
    on(&db, &["audit", "show", &id.to_string()])
        .code(0)
        .stdout_has("circuit breaker tripped: limit `tiny-rate`")
        .stdout_has(&format!("reason: {reason}"));

    // Denied until released, whatever it proposes; other agents are not held.
    let small = ws.plan_named(
        "one.yaml",
        "actions:\n  - {id: cat, tool: file.read, path: README}\n",
    );
    for _ in 0..2 {
        gated(&db, &policy, &["plan", &small])
            .code(3)
            .stdout_has("agent `test-bot` is quarantined");
    }
    gated(&db, &policy, &["plan", &other]).code(0);
    on(&db, &["release", "test-bot", "--reason", "fixed the loop"])
        .code(0)
        .stdout_has("released");
    assert!(quarantined(&db).is_empty());
    // A release starts the breaker afresh.
    gated(&db, &policy, &["plan", &plan]).code(0);
    let stats = on(&db, &["audit", "stats", "--format", "json"]).json();
    assert_eq!(stats["agents"]["test-bot"]["quarantines"], 1);
    on(&db, &["audit", "verify"]).code(0);
}

#[test]
fn a_breaker_quarantine_is_attributed_to_the_circuit_breaker() {
    let (_dir, db) = trail();
    let (_p, policy) = with_limits(
        "  - id: tiny-rate\n    why: test\n    agents: test-bot\n    rate: {max: 1, per: 1h}\n",
    );
    let ws = Workspace::new();
    let plan = ws.plan(READ_PLAN);
    gated(&db, &policy, &["plan", &plan]).code(3);
    let q = quarantined(&db);
    assert_eq!(q[0]["actor"], "circuit-breaker", "{q:?}");
    on(&db, &["status"])
        .code(0)
        .stdout_has("by circuit-breaker");
    gated(&db, &policy, &["plan", &plan])
        .code(3)
        .stdout_has("by circuit-breaker");
}

#[test]
fn repeated_denials_trip_the_denials_breaker() {
    let (_dir, db) = trail();
    let (_p, policy) = with_limits(
        "  - id: probe-breaker\n    why: test\n    agents: test-bot\n    denials: {max: 2, per: 1h}\n",
    );
    let ws = Workspace::new();
    let deny = ws.plan_named("deny.yaml", DENY_PLAN); // one denied action (rm -rf /)
    let read = ws.plan_named("read.yaml", READ_PLAN);
    gated(&db, &policy, &["plan", &deny]).code(3);
    assert!(quarantined(&db).is_empty());
    gated(&db, &policy, &["plan", &read]).code(0);
    gated(&db, &policy, &["plan", &deny]).code(3);
    assert!(
        quarantined(&db).is_empty(),
        "two denials are within the limit"
    );
    let tripped = gated(&db, &policy, &["plan", &deny, "--format", "json"]);
    tripped.code(3);
    let q = quarantined(&db);
    assert_eq!(q.len(), 1);
    let reason = q[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("limit `probe-breaker`: 3 denied actions in the last 1h (limit 2 per 1h)"),
        "{reason}"
    );
    let run = recorded_as(&tripped);
    let shown = on(
        &db,
        &["audit", "show", &run.to_string(), "--format", "json"],
    )
    .json();
    assert_eq!(shown["records"][1]["kind"], "quarantine");
    assert_eq!(
        shown["records"][0]["body"]["containment"]["limits"][0]["limit"],
        "probe-breaker"
    );
    // Now even a read is denied.
    gated(&db, &policy, &["plan", &read])
        .code(3)
        .stdout_has("quarantined");
    let listed = on(
        &db,
        &[
            "audit",
            "list",
            "--decision",
            "quarantine",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[test]
fn outside_operating_hours_writes_are_denied_and_reads_allowed() {
    // Open one minute a day, on five days that are neither today nor tomorrow (UTC): closed now,
    // even if the test runs across midnight.
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .weekday()
        .to_monday_zero_offset() as usize;
    let open: Vec<&str> = (0..7)
        .filter(|d| *d != today && *d != (today + 1) % 7)
        .map(|d| DAYS[d])
        .collect();
    let (_dir, db) = trail();
    let (_p, policy) = with_limits(&format!(
        "  - id: closed-now\n    why: test\n    agents: test-bot\n    hours: {{days: [{}], from: \"00:00\", to: \"00:01\", timezone: UTC}}\n",
        open.join(", ")
    ));
    let ws = Workspace::new();
    let read = ws.plan_named("read.yaml", READ_PLAN);
    let write = ws.plan_named(
        "write.yaml",
        "actions:\n  - {id: ls, tool: shell.exec, command: ls}\n  - {id: w, tool: file.write, path: new.txt, content: \"hi\\n\"}\n",
    );
    let doc = gated(&db, &policy, &["plan", &read, "--format", "json"]);
    doc.code(0);
    assert_eq!(doc.json()["tier"], 0);
    let denied = gated(&db, &policy, &["plan", &write, "--format", "json"]);
    denied.code(3);
    let doc = denied.json();
    let actions = doc["actions"].as_array().unwrap();
    assert_eq!(
        (actions[0]["id"].as_str(), actions[0]["decision"].as_str()),
        (Some("ls"), Some("allow"))
    );
    assert_eq!(
        (actions[1]["id"].as_str(), actions[1]["decision"].as_str()),
        (Some("w"), Some("deny"))
    );
    let finding = &actions[1]["findings"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(finding["rule"], "closed-now");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.starts_with("outside the operating hours of agent `test-bot`")
            && message.contains("00:00-00:01 UTC")
            && message.ends_with("writes are denied"),
        "{message}"
    );
    // Operating hours deny; they do not quarantine. Reads go on, other agents write.
    assert!(quarantined(&db).is_empty());
    gated(&db, &policy, &["plan", &read]).code(0);
    let other = ws.path().join("other.yaml");
    std::fs::write(
        &other,
        "version: 1\nagent: other-bot\nactions:\n  - {id: w, tool: file.write, path: new.txt, content: \"hi\\n\"}\n",
    )
    .unwrap();
    gated(&db, &policy, &["plan", &other.display().to_string()]).code(0);
    let rows = records(&db);
    assert_eq!(rows.len(), 4);
    let shown = on(&db, &["audit", "show", "2", "--format", "json"]).json();
    assert_eq!(
        shown["records"][0]["body"]["containment"]["limits"][0]["limit"],
        "closed-now"
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Reading the trail back: lineage, export, stats

/// Three plans: one allowed, one needing approval, one denied; their `plan --format json`.
fn three_decisions(db: &Path, ws: &Workspace) -> Vec<Value> {
    let allow = ws.plan_named(
        "allow.yaml",
        "task: OPS-7\nintent: \"write the greeting\"\ncontext:\n  - {id: ticket-7, source: \"tickets:OPS-7\", trust: trusted}\n  - {id: web, source: \"https://example.com/howto\"}\nactions:\n  - {id: ls, tool: shell.exec, command: ls}\n  - {id: cat, tool: file.read, path: README}\n  - id: greet\n    tool: file.write\n    path: hello.txt\n    content: \"hello\\n\"\n    reason: \"the ticket asks for it\"\n",
    );
    let approve = ws.plan_named(
        "approve.yaml",
        "intent: restart\nactions:\n  - {id: restart, tool: shell.exec, command: \"systemctl restart api\"}\n  - {id: ls, tool: shell.exec, command: ls}\n",
    );
    let deny = ws.plan_named("deny.yaml", &format!("intent: clean up\n{DENY_PLAN}"));
    [(allow, 0), (approve, 2), (deny, 3)]
        .iter()
        .map(|(plan, code)| {
            let run = on(db, &["plan", plan, "--format", "json"]);
            run.code(*code);
            run.json()
        })
        .collect()
}

#[test]
fn show_gives_the_whole_lineage_in_text_and_json() {
    let (_dir, db) = trail();
    let ws = Workspace::new();
    let outputs = three_decisions(&db, &ws);
    for (i, doc) in outputs.iter().enumerate() {
        assert_eq!(doc["audit"]["record"], i as i64 + 1);
    }

    let text = on(&db, &["audit", "show", "1"]);
    text.code(0)
        .stdout_has("Run 1 (1 record(s))")
        .stdout_has("record 1  ")
        .stdout_has("plan  agent test-bot  task OPS-7  by tester")
        .stdout_has("intent: write the greeting")
        .stdout_has("context: ticket-7 (tickets:OPS-7, trusted)")
        .stdout_has("context: web (https://example.com/howto, untrusted)")
        .stdout_has(&format!(
            "plan: {}",
            outputs[0]["plan"]["hash"].as_str().unwrap()
        ))
        .stdout_has(&format!(
            "policy: {} (embedded)",
            outputs[0]["policy"]["hash"].as_str().unwrap()
        ))
        .stdout_has("── greet  file.write  hello.txt   tier 1 · allow")
        .stdout_has("reason: the ticket asks for it")
        .stdout_has("+++ b/hello.txt")
        .stdout_has("+hello")
        .stdout_has("$ ls")
        .stdout_has("outcome: allow (tier 1), exit 0")
        .stdout_has("hash: ");
    // Every finding of the denied plan, with its rule id, and the decision.
    let denied = on(&db, &["audit", "show", "3"]);
    denied.code(0).stdout_has("outcome: deny (tier 4), exit 3");
    for a in outputs[2]["actions"].as_array().unwrap() {
        for f in a["findings"].as_array().unwrap() {
            denied.stdout_has(&format!(
                "! [{}] {}",
                f["rule"].as_str().unwrap(),
                f["level"].as_str().unwrap()
            ));
        }
    }
    on(&db, &["audit", "show", "last"])
        .code(0)
        .stdout_has("record 3  ");

    // JSON: the same lineage, field by field, matching what `plan` decided.
    for (i, doc) in outputs.iter().enumerate() {
        let shown = on(
            &db,
            &["audit", "show", &(i + 1).to_string(), "--format", "json"],
        );
        let shown = shown.json();
        assert_eq!(shown["run"], i as i64 + 1);
        let r = &shown["records"][0];
        assert_eq!(r["id"], i as i64 + 1);
        assert_eq!(r["kind"], "plan");
        assert_eq!(r["agent"], "test-bot");
        assert_eq!(r["actor"], "tester");
        assert_eq!(r["outcome"], doc["decision"]);
        assert_eq!(r["tier"], doc["tier"]);
        assert_eq!(r["body"]["plan"]["hash"], doc["plan"]["hash"]);
        assert_eq!(r["body"]["policy"]["hash"], doc["policy"]["hash"]);
        assert_eq!(r["body"]["policy"]["source"], "embedded");
        assert!(r["hash"].as_str().unwrap().len() == 64 && r["prev"].as_str().unwrap().len() == 64);
        let actions = r["actions"].as_array().unwrap();
        let decided = doc["actions"].as_array().unwrap();
        assert_eq!(actions.len(), decided.len());
        for (a, d) in actions.iter().zip(decided) {
            assert_eq!(a["id"], d["id"]);
            assert_eq!(a["tool"], d["tool"]);
            assert_eq!(a["target"], d["target"]);
            assert_eq!(a["tier"], d["tier"]);
            assert_eq!(a["decision"], d["decision"]);
            let rules: Vec<&Value> = d["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| &f["rule"])
                .collect();
            let recorded: Vec<&Value> = a["body"]["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| &f["rule"])
                .collect();
            assert_eq!(recorded, rules, "findings of {}", a["id"]);
            for rule in rules {
                assert!(a["rules"].as_array().unwrap().contains(rule), "{a:#}");
            }
            assert_eq!(a["body"]["parameters"]["tool"], d["tool"]);
        }
    }
    let first = on(&db, &["audit", "show", "1", "--format", "json"]).json();
    let body = &first["records"][0]["body"];
    assert_eq!(body["plan"]["intent"], "write the greeting");
    assert_eq!(
        body["plan"]["context"],
        json!([
            {"id": "ticket-7", "source": "tickets:OPS-7", "trust": "trusted"},
            {"id": "web", "source": "https://example.com/howto", "trust": "untrusted"},
        ])
    );
    let greet = &first["records"][0]["actions"][2]["body"];
    assert_eq!(greet["reason"], "the ticket asks for it");
    assert_eq!(greet["parameters"]["content"], "hello\n");
    assert!(
        greet["diff"].as_str().unwrap().contains("+hello"),
        "{greet:#}"
    );
    let ls = &first["records"][0]["actions"][0]["body"];
    assert_eq!(ls["parameters"]["command"], "ls");

    // A `check` of two files is one run of two records; showing either shows both.
    let check = on(
        &db,
        &[
            "check",
            &ws.path().join("allow.yaml").display().to_string(),
            &ws.path().join("deny.yaml").display().to_string(),
        ],
    );
    check.code(3);
    for id in ["4", "5"] {
        let shown = on(&db, &["audit", "show", id, "--format", "json"]).json();
        assert_eq!(shown["run"], 4);
        let kinds: Vec<&str> = shown["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["check", "check"]);
    }
    on(&db, &["audit", "show", "5"])
        .code(0)
        .stdout_has("Run 4 (2 record(s))");
}

#[test]
fn export_is_one_chained_json_object_per_line() {
    let (_dir, db) = trail();
    let ws = Workspace::new();
    three_decisions(&db, &ws);
    on(&db, &["quarantine", "other-bot", "--reason", "drill"]).code(0);
    on(&db, &["stop", "--reason", "incident 7"]).code(0);
    on(&db, &["resume"]).code(0);
    let run = on(&db, &["audit", "export", "--format", "jsonl"]);
    run.code(0);
    assert!(run.stdout.ends_with('\n'));
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert_eq!(lines.len(), 6);
    let listed = records(&db);
    let mut prev = "0".repeat(64);
    for (i, (line, row)) in lines.iter().zip(&listed).enumerate() {
        assert_eq!(line["id"], i as i64 + 1);
        assert_eq!(line["prev"], prev.as_str(), "line {}", i + 1);
        assert_eq!(line["hash"], row["hash"]);
        assert!(line["body"].is_object() && line["actions"].is_array());
        prev = line["hash"].as_str().unwrap().to_string();
    }
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["plan", "plan", "plan", "quarantine", "stop", "resume"]
    );
    assert_eq!(lines[4]["body"]["reason"], "incident 7");
    // The head of the export is the head `verify` reports.
    let (_, v) = verify(&db, &[]);
    assert_eq!(v["head"]["hash"], format!("sha256:{prev}"));
    // Filters: one agent; a window in the future is empty.
    let other = on(&db, &["audit", "export", "--agent", "other-bot"]);
    assert_eq!(other.code(0).stdout.lines().count(), 1);
    let future = on(&db, &["audit", "export", "--since", "2999-01-01"]);
    assert_eq!(future.code(0).stdout, "");
}

/// Parse Prometheus text exposition: `name{labels} value` per sample line.
fn prometheus_samples(text: &str) -> BTreeMap<String, f64> {
    let sample = regex::Regex::new(
        r#"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)\} (\S+)$"#,
    )
    .unwrap();
    let mut typed = Vec::new();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["gauge", "counter"].contains(&kind), "{line}");
            typed.push(name.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let caps = sample
            .captures(line)
            .unwrap_or_else(|| panic!("not a Prometheus sample: {line:?}"));
        assert!(typed.contains(&caps[1].to_string()), "no TYPE for {line}");
        let value: f64 = caps[3]
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}"));
        assert!(value.is_finite(), "{line}");
        out.insert(format!("{}{{{}}}", &caps[1], &caps[2]), value);
    }
    out
}

#[test]
fn stats_count_what_was_decided_in_json_prometheus_and_windows() {
    let (_dir, db) = trail();
    let ws = Workspace::new();
    let outputs = three_decisions(&db, &ws);
    let mut by_tier = [0u64; 5];
    let (mut actions, mut denied, mut approve) = (0u64, 0u64, 0u64);
    for doc in &outputs {
        for a in doc["actions"].as_array().unwrap() {
            by_tier[a["tier"].as_u64().unwrap() as usize] += 1;
            actions += 1;
            match a["decision"].as_str().unwrap() {
                "deny" => denied += 1,
                "approve" => approve += 1,
                _ => {}
            }
        }
    }
    assert!(denied > 0 && approve > 0);

    let stats = on(&db, &["audit", "stats", "--format", "json"]);
    let stats = stats.code(0).json();
    for slo in [&stats["overall"], &stats["agents"]["test-bot"]] {
        assert_eq!(slo["actions"], actions);
        let tiers: Vec<u64> = (0..5)
            .map(|t| slo["actions_by_tier"][t.to_string()].as_u64().unwrap())
            .collect();
        assert_eq!(tiers, by_tier);
        assert_eq!(slo["denied"], denied);
        assert_eq!(slo["approval_required"], approve);
        let rate = slo["rates"]["denied_action_rate"].as_f64().unwrap();
        assert!(
            (rate - denied as f64 / actions as f64).abs() < 1e-9,
            "{rate}"
        );
        let rate = slo["rates"]["approval_required_rate"].as_f64().unwrap();
        assert!(
            (rate - approve as f64 / actions as f64).abs() < 1e-9,
            "{rate}"
        );
        assert_eq!(slo["rates"]["rollback_rate"], Value::Null);
    }
    assert_eq!(stats["agents"].as_object().unwrap().len(), 1);

    let prom = on(&db, &["audit", "stats", "--format", "prometheus"]);
    let samples = prometheus_samples(&prom.code(0).stdout);
    for (tier, n) in by_tier.iter().enumerate() {
        assert_eq!(
            samples[&format!("agentgate_actions{{agent=\"*\",tier=\"{tier}\"}}")],
            *n as f64
        );
        assert_eq!(
            samples[&format!("agentgate_actions{{agent=\"test-bot\",tier=\"{tier}\"}}")],
            *n as f64
        );
    }
    let ratio = samples["agentgate_denied_action_ratio{agent=\"*\"}"];
    assert!((ratio - denied as f64 / actions as f64).abs() < 1e-9);
    on(&db, &["audit", "stats"])
        .code(0)
        .stdout_has("test-bot")
        .stdout_has("(all)");

    // Windows: the last hour holds everything, a window starting in the future nothing.
    let recent = on(
        &db,
        &["audit", "stats", "--since", "1h", "--format", "json"],
    )
    .json();
    assert_eq!(recent["overall"]["actions"], actions);
    assert!(recent["since"].is_string());
    for args in [["--since", "2999-01-01"], ["--until", "2000-01-01"]] {
        let mut all = vec!["audit", "stats", "--format", "json"];
        all.extend(args);
        let empty = on(&db, &all).json();
        assert_eq!(empty["overall"]["actions"], 0, "{args:?}");
        assert_eq!(empty["overall"]["rates"]["denied_action_rate"], Value::Null);
        assert!(empty["agents"].as_object().unwrap().is_empty());
    }
    let future = on(
        &db,
        &[
            "audit",
            "stats",
            "--since",
            "2999-01-01",
            "--format",
            "prometheus",
        ],
    );
    let samples = prometheus_samples(&future.code(0).stdout);
    assert_eq!(samples["agentgate_actions{agent=\"*\",tier=\"0\"}"], 0.0);
}

// ---------------------------------------------------------------------------------------------
// 7. Errors a reader gets

#[test]
fn unknown_records_and_bad_arguments_are_clear_errors() {
    let (_dir, db) = six_records();
    on(&db, &["audit", "show", "999"])
        .code(1)
        .stderr_has("no record 999 in the trail at");
    on(&db, &["audit", "show", "abc"])
        .code(1)
        .stderr_has("ID must be a record number or `last`, not `abc`");
    on(&db, &["audit", "show", "-5"]).code(1);
    on(&db, &["audit", "list", "--since", "yesterday"])
        .code(1)
        .stderr_has("--since `yesterday`: expected a date (2026-11-01), an RFC 3339 time")
        .stderr_has("or a duration ago (90s, 30m, 24h, 7d)");
    on(&db, &["audit", "stats", "--until", "soon"])
        .code(1)
        .stderr_has("--until `soon`: expected a date");
    on(&db, &["audit", "export", "--format", "csv"]).code(1);
    // An empty trail has no last record.
    let (_e, empty) = trail();
    on(&empty, &["release", "nobody"]).code(0);
    on(&empty, &["audit", "show", "last"])
        .code(1)
        .stderr_has("has no records");
}

#[test]
fn a_database_path_that_is_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new();
    let plan = ws.plan(READ_PLAN);
    for args in [
        vec!["audit", "list"],
        vec!["plan", plan.as_str()],
        vec!["stop", "--reason", "x"],
    ] {
        on(dir.path(), &args)
            .code(1)
            .stderr_has("is a directory, not a database file");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was written in it"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&db, &garbage).unwrap();
    let ws = Workspace::new();
    let plan = ws.plan(READ_PLAN);
    for args in [
        vec!["audit", "verify"],
        vec!["audit", "list"],
        vec!["plan", plan.as_str()],
        vec!["check", plan.as_str()],
        vec!["quarantine", "x", "--reason", "y"],
    ] {
        on(&db, &args)
            .code(1)
            .stderr_has("not an agentgate audit database");
    }
    assert!(
        std::fs::read(&db).unwrap() == garbage,
        "the file was changed"
    );
    // A text file too.
    std::fs::write(&db, "name,value\na,1\n").unwrap();
    on(&db, &["plan", &plan])
        .code(1)
        .stderr_has("not an agentgate audit database");
    assert_eq!(std::fs::read_to_string(&db).unwrap(), "name,value\na,1\n");
}

#[test]
fn a_trail_from_a_newer_agentgate_is_refused_untouched() {
    let (_dir, db) = six_records();
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let ws = Workspace::new();
    let plan = ws.plan(READ_PLAN);
    for args in [
        vec!["audit", "verify"],
        vec!["plan", plan.as_str()],
        vec!["status"],
    ] {
        on(&db, &args)
            .code(1)
            .stderr_has("schema version 99 is newer than this agentgate knows")
            .stderr_has("upgrade agentgate");
    }
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the newer trail was changed"
    );
}

#[test]
fn another_applications_database_is_not_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada');")
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    // A reading command pointed at the wrong file by mistake.
    let run = on(&db, &["audit", "verify"]);
    let after = std::fs::read(&db).unwrap();
    let tables: Vec<String> = rusqlite::Connection::open(&db)
        .unwrap()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        after == before,
        "a reading command changed the file; its tables are now {tables:?}"
    );
    run.code(1).stderr_has("not an agentgate audit database");
}
