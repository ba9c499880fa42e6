//! Apply's speed: 1,000 file writes (500 overwrites, so 500 snapshots, and 500 new files), each
//! fsynced, with the audit records, as the release binary does it end to end (`agentgate apply
//! PLAN`), and the execution alone in-process. Issue 4's goal: the whole apply under 1 s.
//! Run: `cargo bench --bench apply` (prints figures; no timed assertions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::fmt::Write;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use agentgate::evaluate::evaluate;
use agentgate::plan::Plan;
use agentgate::policy::PolicySet;
use agentgate::workspace::Workspace;

const WRITES: usize = 1_000;
const RUNS: usize = 5;

/// A fresh workspace with 500 existing files and a plan that writes 1,000.
fn workspace(dir: &std::path::Path) -> String {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for i in 0..WRITES / 2 {
        let body: String = (0..30).map(|l| format!("line {l} of file {i}\n")).collect();
        std::fs::write(dir.join(format!("src/f{i}.txt")), body).unwrap();
    }
    let mut plan = String::from("version: 1\nagent: bench-bot\nactions:\n");
    for i in 0..WRITES {
        let path = if i % 2 == 0 {
            format!("src/f{}.txt", i / 2)
        } else {
            format!("gen/n{i}.txt")
        };
        let content: String = (0..30)
            .map(|l| format!("line {l} of file {i} v2\\n"))
            .collect();
        writeln!(
            plan,
            "  - id: w{i}\n    tool: file.write\n    path: {path}\n    content: \"{content}\""
        )
        .unwrap();
    }
    plan
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_agentgate");
    let (mut whole, mut engine) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        // End to end: parse, evaluate, record the start, execute with snapshots, record the outcome.
        let dir = tempfile::tempdir().unwrap();
        let text = workspace(dir.path());
        std::fs::write(dir.path().join("plan.yaml"), &text).unwrap();
        let t = Instant::now();
        let out = Command::new(bin)
            .args([
                "apply",
                "plan.yaml",
                "--format",
                "json",
                "--non-interactive",
            ])
            .current_dir(dir.path())
            .env("AGENTGATE_DB", dir.path().join(".agentgate/audit.db"))
            .env_remove("CI")
            .output()
            .unwrap();
        whole.push(t.elapsed());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        // The execution alone, in-process, on a fresh copy.
        let dir = tempfile::tempdir().unwrap();
        let text = workspace(dir.path());
        let ws = Workspace::open(dir.path()).unwrap();
        let policy = PolicySet::embedded().unwrap();
        let plan = Plan::parse(&text, "plan.yaml", &|p| ws.resolve(p)).unwrap();
        let eval = evaluate(&plan, &policy, &ws, jiff::civil::date(2026, 11, 21)).unwrap();
        let cancel = AtomicBool::new(false);
        let t = Instant::now();
        let report = agentgate::apply::run(&eval, &ws, policy.scanner(), &cancel, &mut |_| {});
        engine.push(t.elapsed());
        assert_eq!(report.applied(), WRITES);
    }
    let whole = median(whole);
    let engine = median(engine);
    println!("apply of {WRITES} file writes (500 snapshots), median of {RUNS}:");
    println!(
        "  whole process (agentgate apply, records included): {:>8.1} ms  ({:.1} µs per write)",
        whole.as_secs_f64() * 1e3,
        whole.as_secs_f64() * 1e6 / WRITES as f64
    );
    println!(
        "  execution alone (snapshots, writes, one syncfs):    {:>8.1} ms  ({:.1} µs per write)",
        engine.as_secs_f64() * 1e3,
        engine.as_secs_f64() * 1e6 / WRITES as f64
    );
}
