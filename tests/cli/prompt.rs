//! `apply` on a real terminal (a pseudo-terminal driven by rexpect): the approval prompt, the
//! typed-target confirmation of tier 4, the refusal of self-approval, Ctrl-C during execution
//! and the progress bar of long plans.
//!
//! The reader of rexpect turns every byte into a `char`: non-ASCII text is matched through
//! [`bytes`].

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rexpect::process::WaitStatus;
use rexpect::reader::ReadUntil;
use rexpect::session::{PtySession, spawn_command};

use crate::helpers::{Workspace, bin, hermetic};

/// Every expectation gives up after this long, so a broken prompt fails instead of hanging.
const TIMEOUT_MS: u64 = 15_000;

/// Tier 3: a billing call needs a person; the file write before it shows whether anything ran.
const TIER3: &str = "actions:
  - id: write-notes
    tool: file.write
    path: notes/today.md
    content: \"hello\\n\"
  - id: pay
    tool: call
    name: send_money
    args: {amount: 3}
";

/// Tier 4: a destructive command whose target must be typed back.
const TIER4: &str = "actions:
  - id: wipe
    tool: shell.exec
    argv: [rm, -rf, important]
";

const TIER4_TARGET: &str = "rm -rf important";

/// A workspace with its own audit trail under `.agentgate/`.
struct Term {
    ws: Workspace,
    db: PathBuf,
}

impl Term {
    fn new() -> Term {
        let ws = Workspace::new();
        let db = ws.trail();
        Term { ws, db }
    }

    fn path(&self) -> &Path {
        self.ws.path()
    }

    fn exists(&self, rel: &str) -> bool {
        self.path().join(rel).exists()
    }

    /// `agentgate ARGS` on a fresh pseudo-terminal (standard input, output and error), as
    /// `user`, with `TERM=term`.
    fn spawn_with(&self, user: &str, term: &str, args: &[&str]) -> PtySession {
        let mut cmd = Command::new(bin());
        hermetic(&mut cmd)
            .args(args)
            .current_dir(self.path())
            .env("AGENTGATE_DB", &self.db)
            .env("USER", user)
            .env("TERM", term)
            .env_remove("CI")
            .env_remove("NO_COLOR");
        spawn_command(cmd, Some(TIMEOUT_MS)).unwrap()
    }

    fn spawn(&self, args: &[&str]) -> PtySession {
        self.spawn_with("alice", "dumb", args)
    }

    /// `(kind, outcome)` of every record in the trail, in order.
    fn records(&self) -> Vec<(String, String)> {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        let mut stmt = conn
            .prepare("SELECT kind, coalesce(outcome, '') FROM records ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn has_record(&self, kind: &str, outcome: &str) -> bool {
        self.records()
            .iter()
            .any(|(k, o)| k == kind && o == outcome)
    }

    /// The actor and exit code of the only record of this kind and outcome.
    fn record(&self, kind: &str, outcome: &str) -> (String, Option<i64>) {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.query_row(
            "SELECT coalesce(actor, ''), exit_code FROM records WHERE kind = ?1 AND outcome = ?2",
            [kind, outcome],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }
}

/// `text` as rexpect's reader shows it: one `char` per byte.
fn bytes(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// Wait until a process named `comm` runs with `dir` as its working directory (Linux `/proc`);
/// elsewhere, give it half a second.
fn wait_for_process(comm: &str, dir: &Path) {
    let dir = std::fs::canonicalize(dir).unwrap();
    if !Path::new("/proc/self/cwd").exists() {
        std::thread::sleep(Duration::from_millis(500));
        return;
    }
    let deadline = Instant::now() + Duration::from_millis(TIMEOUT_MS);
    while Instant::now() < deadline {
        let found = std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
            let p = e.path();
            std::fs::read_to_string(p.join("comm")).is_ok_and(|c| c.trim() == comm)
                && std::fs::read_link(p.join("cwd")).is_ok_and(|c| c == dir)
        });
        if found {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no `{comm}` process started in {}", dir.display());
}

/// Read everything up to the end of output, then the exit code.
fn finish(p: &mut PtySession) -> (i32, String) {
    let rest = p.exp_eof().unwrap();
    (exit_code(p), rest)
}

fn exit_code(p: &PtySession) -> i32 {
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("agentgate did not exit normally: {other:?}"),
    }
}

/// Answer the tier-3 question (after checking it is asked) with `answer`.
fn answer_approval(p: &mut PtySession, answer: &str) {
    p.exp_string("Do you want to perform these actions?")
        .unwrap();
    p.exp_string("Only 'yes' will be accepted to approve.")
        .unwrap();
    p.exp_string("  Enter a value: ").unwrap();
    p.send_line(answer).unwrap();
}

#[test]
fn tier3_answered_yes_is_applied() {
    let t = Term::new();
    let plan = t.ws.plan(TIER3);
    let mut p = t.spawn(&["apply", &plan]);
    // The review comes first, then the question naming what needs approval.
    p.exp_string("Actions that need your approval: pay (tier 3)")
        .unwrap();
    answer_approval(&mut p, "yes");
    p.exp_string("Applying 2 action(s)").unwrap();
    p.exp_string("[1/2] write-notes").unwrap();
    p.exp_string("[2/2] pay").unwrap();
    let (code, rest) = finish(&mut p);
    assert_eq!(code, 0, "exit code; last output:\n{rest}");
    assert!(rest.contains("Apply complete: 2 applied"), "{rest}");
    assert_eq!(
        std::fs::read_to_string(t.path().join("notes/today.md")).unwrap(),
        "hello\n"
    );
    // The approval is recorded as given at the prompt by the person at the terminal.
    assert_eq!(t.record("approval", "approved"), ("alice".into(), Some(0)));
    assert_eq!(t.record("apply", "applied").1, Some(0));
}

fn tier3_refused_with(answer: &str, echoed: &str) {
    let t = Term::new();
    let plan = t.ws.plan(TIER3);
    let mut p = t.spawn(&["apply", &plan]);
    answer_approval(&mut p, answer);
    let (code, rest) = finish(&mut p);
    assert_eq!(code, 2, "exit code; last output:\n{rest}");
    assert!(
        rest.contains(&format!(
            "Apply cancelled: answered `{echoed}` instead of `yes`. Nothing was executed"
        )),
        "{rest}"
    );
    assert!(!rest.contains("Applying"), "{rest}");
    assert!(!t.exists("notes/today.md"), "nothing may be written");
    // The refusal is recorded; no apply was started.
    assert_eq!(t.record("approval", "refused"), ("alice".into(), Some(2)));
    assert!(!t.has_record("apply", "started"), "{:?}", t.records());
}

#[test]
fn tier3_answered_no_is_cancelled() {
    tier3_refused_with("no", "no");
}

#[test]
fn tier3_answered_with_enter_alone_is_cancelled() {
    tier3_refused_with("", "");
}

#[test]
fn tier3_answered_with_a_near_yes_is_cancelled() {
    tier3_refused_with("YES", "YES");
}

#[test]
fn tier4_with_a_wrong_target_is_cancelled() {
    let t = Term::new();
    t.ws.file("important/data.txt", "keep me\n");
    let plan = t.ws.plan(TIER4);
    let mut p = t.spawn(&["apply", &plan]);
    answer_approval(&mut p, "yes");
    p.exp_string("Action `wipe` is destructive (tier 4)")
        .unwrap();
    p.exp_string(&format!("  Type its target `{TIER4_TARGET}` to confirm: "))
        .unwrap();
    p.send_line("rm -rf").unwrap();
    let (code, rest) = finish(&mut p);
    assert_eq!(code, 2, "exit code; last output:\n{rest}");
    assert!(
        rest.contains("Apply cancelled: typed `rm -rf` instead of the target of `wipe`"),
        "{rest}"
    );
    assert!(t.exists("important/data.txt"), "the directory must survive");
    assert!(!t.has_record("apply", "started"), "{:?}", t.records());
}

#[test]
fn tier4_with_yes_but_no_target_is_cancelled() {
    let t = Term::new();
    t.ws.file("important/data.txt", "keep me\n");
    let plan = t.ws.plan(TIER4);
    let mut p = t.spawn(&["apply", &plan]);
    answer_approval(&mut p, "yes");
    p.exp_string("to confirm: ").unwrap();
    p.send_line("yes").unwrap();
    let (code, rest) = finish(&mut p);
    assert_eq!(code, 2, "exit code; last output:\n{rest}");
    assert!(rest.contains("Apply cancelled"), "{rest}");
    assert!(t.exists("important/data.txt"), "the directory must survive");
}

#[test]
fn tier4_with_the_exact_target_is_applied() {
    let t = Term::new();
    t.ws.file("important/data.txt", "gone soon\n");
    let plan = t.ws.plan(TIER4);
    let mut p = t.spawn(&["apply", &plan]);
    answer_approval(&mut p, "yes");
    p.exp_string(&format!("  Type its target `{TIER4_TARGET}` to confirm: "))
        .unwrap();
    p.send_line(TIER4_TARGET).unwrap();
    p.exp_string("[1/1] wipe").unwrap();
    let (code, rest) = finish(&mut p);
    assert_eq!(code, 0, "exit code; last output:\n{rest}");
    assert!(rest.contains("Apply complete: 1 applied"), "{rest}");
    assert!(!t.exists("important"), "the directory must be removed");
    assert!(t.has_record("approval", "approved"), "{:?}", t.records());
}

#[test]
fn the_agent_cannot_approve_its_own_plan_at_the_prompt() {
    let t = Term::new();
    let plan = t.ws.plan(TIER3);
    let mut p = t.spawn_with("test-bot", "dumb", &["apply", &plan]);
    // Either the process ends, or (the bug) it asks; then fail at once instead of timing out.
    let (before, out) = p
        .exp_any(vec![
            ReadUntil::String("Enter a value".into()),
            ReadUntil::EOF,
        ])
        .unwrap();
    assert!(
        !out.contains("Enter a value"),
        "the agent was asked to approve its own plan:\n{before}"
    );
    assert_eq!(exit_code(&p), 3, "exit code; output:\n{out}");
    assert!(
        out.contains("`test-bot` is the plan's agent and cannot approve its own plan"),
        "{out}"
    );
    assert!(!t.exists("notes/today.md"), "nothing may be written");
    assert!(!t.has_record("apply", "started"), "{:?}", t.records());
}

#[test]
fn ctrl_c_during_an_action_stops_and_rolls_back() {
    let t = Term::new();
    let plan = t.ws.plan(
        "actions:
  - id: first
    tool: file.write
    path: a.txt
    content: \"a\\n\"
  - id: nap
    tool: shell.exec
    argv: [sleep, \"2\"]
  - id: last
    tool: file.write
    path: b.txt
    content: \"b\\n\"
",
    );
    let mut p = t.spawn(&["apply", &plan, "--auto-approve"]);
    // Action 1 is done and action 2 (the sleep) is running: interrupt it from the terminal.
    p.exp_string("[1/3] first").unwrap();
    assert!(t.exists("a.txt"), "action 1 ran before the interrupt");
    wait_for_process("sleep", t.path());
    p.send_control('c').unwrap();
    let (code, rest) = finish(&mut p);
    assert_eq!(code, 4, "exit code; last output:\n{rest}");
    // The sleep, in its own process group, got no SIGINT: it finished its two seconds.
    let nap = rest
        .split_once(&bytes("\u{2713} [2/3] nap  shell.exec sleep 2 ("))
        .and_then(|(_, after)| after.split_once(" ms)"))
        .and_then(|(ms, _)| ms.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no finished line for the sleep:\n{rest}"));
    assert!(nap >= 1900, "the sleep was cut short ({nap} ms)");
    assert!(rest.contains("cancelled (interrupt)"), "{rest}");
    assert!(rest.contains("Apply cancelled: "), "{rest}");
    assert!(rest.contains("1 rolled back"), "{rest}");
    assert!(!rest.contains("[3/3]"), "action 3 must not start:\n{rest}");
    assert!(!t.exists("a.txt"), "action 1 must be rolled back");
    assert!(!t.exists("b.txt"), "action 3 must never run");
    assert_eq!(t.record("apply", "cancelled"), ("alice".into(), Some(4)));

    // The trail as `audit list` shows it.
    let listed = crate::helpers::agentgate(&["audit", "list", "--format", "json"])
        .db(&t.db)
        .run();
    listed.code(0);
    let cancelled = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "apply" && r["outcome"] == "cancelled" && r["exit_code"] == 4)
        .count();
    assert_eq!(cancelled, 1, "{}", listed.stdout);
}

#[test]
fn a_long_plan_draws_a_progress_bar_and_applies_everything() {
    let t = Term::new();
    let mut body = String::from("actions:\n");
    for i in 0..12 {
        body.push_str(&format!(
            "  - id: w{i}\n    tool: file.write\n    path: out/f{i}.txt\n    content: \"{i}\\n\"\n"
        ));
    }
    let plan = t.ws.plan(&body);
    // A terminal that can draw (indicatif draws nothing on a dumb one).
    let mut p = t.spawn_with("alice", "xterm", &["apply", &plan]);
    let (code, out) = finish(&mut p);
    assert_eq!(code, 0, "exit code; output:\n{out}");
    assert!(out.contains("Apply complete: 12 applied"), "{out}");
    // The bar (`{pos}/{len} {msg}`) replaces the per-action lines and the "Applying" header.
    let drawn = (0..=12).any(|i| (0..12).any(|w| out.contains(&format!(" {i}/12 w{w}"))));
    assert!(drawn, "no progress bar drawn:\n{out}");
    assert!(!out.contains("[1/12]"), "{out}");
    assert!(!out.contains("Applying 12 action(s)"), "{out}");
    for i in 0..12 {
        assert_eq!(
            std::fs::read_to_string(t.path().join(format!("out/f{i}.txt"))).unwrap(),
            format!("{i}\n")
        );
    }
}

/// A long plan on a terminal indicatif cannot draw on (`TERM=dumb`, or no `TERM`): indicatif
/// would hide its bar and everything printed through it, so apply falls back to plain lines and
/// the failed check and the rollback notice are shown.
#[test]
fn a_long_failing_plan_on_a_dumb_terminal_still_shows_its_check_and_rollback() {
    let t = Term::new();
    let mut body = String::from("actions:\n");
    for i in 0..11 {
        body.push_str(&format!(
            "  - id: w{i}\n    tool: file.write\n    path: out/f{i}.txt\n    content: \"{i}\\n\"\n"
        ));
    }
    body.push_str("validate:\n  - command: \"test -f out/missing.txt\"\n");
    let plan = t.ws.plan(&body);
    let mut p = t.spawn(&["apply", &plan]);
    let (code, out) = finish(&mut p);
    assert_eq!(code, 4, "exit code; output:\n{out}");
    assert!(!t.exists("out/f0.txt"), "rolled back");
    assert!(
        out.contains("check validate-1"),
        "the failed check is not shown:\n{out}"
    );
    assert!(
        out.contains("rolling back"),
        "the rollback is not announced:\n{out}"
    );
}
