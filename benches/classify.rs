//! Classifying shell commands: 100,000 commands drawn from the labelled corpus
//! (`fixtures/corpus/shell.yaml`), read alone (parse and unwrap, one core) and classified by the
//! embedded policy pack (items, rules, surfaces, secrets scan; `evaluate` on both cores, plans of
//! 1,000 actions). `cargo bench --bench classify`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::panic
)]

use std::time::{Duration, Instant};

use agentgate::action::read_shell;
use agentgate::evaluate::evaluate;
use agentgate::plan::{ActionKind, Plan, ShellCommand};
use agentgate::policy::PolicySet;
use agentgate::workspace::Workspace;

const COMMANDS: usize = 100_000;
const PER_PLAN: usize = 1_000;
const RUNS: usize = 5;

fn corpus() -> Vec<serde_json::Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus/shell.yaml");
    let doc: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| match (c.get("cmd"), c.get("argv")) {
            (Some(cmd), _) => serde_json::json!({"tool": "shell.exec", "command": cmd}),
            (_, Some(argv)) => serde_json::json!({"tool": "shell.exec", "argv": argv}),
            _ => panic!("a corpus entry without cmd or argv"),
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let corpus = corpus();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(dir.path()).unwrap();
    let plans: Vec<Plan> = (0..COMMANDS / PER_PLAN)
        .map(|p| {
            let actions: Vec<serde_json::Value> = (0..PER_PLAN)
                .map(|i| {
                    let mut a = corpus[(p * PER_PLAN + i) % corpus.len()].clone();
                    a["id"] = format!("a{i}").into();
                    a
                })
                .collect();
            let text = serde_json::json!({"version": 1, "agent": "bench", "actions": actions});
            Plan::parse(&text.to_string(), "bench.json", &|p| ws.resolve(p)).unwrap()
        })
        .collect();
    let commands: Vec<&ShellCommand> = plans
        .iter()
        .flat_map(|p| &p.actions)
        .filter_map(|a| match &a.kind {
            ActionKind::Shell(s) => Some(&s.command),
            _ => None,
        })
        .collect();
    let bytes: usize = commands.iter().map(|c| c.display().len()).sum();
    println!(
        "{} commands ({} distinct from the corpus, {:.1} MiB of command text)",
        commands.len(),
        corpus.len(),
        bytes as f64 / 1048576.0
    );
    let policy = PolicySet::embedded().unwrap();
    let today = jiff::civil::date(2026, 11, 21);

    // Warm-up, then the runs.
    let mut sub_commands = 0;
    for c in &commands {
        sub_commands += read_shell(c).commands.len();
    }
    let (mut read_t, mut eval_t) = (Vec::new(), Vec::new());
    let mut decided = [0usize; 3];
    for run in 0..RUNS {
        let t = Instant::now();
        for c in &commands {
            std::hint::black_box(read_shell(c));
        }
        read_t.push(t.elapsed());
        let t = Instant::now();
        for plan in &plans {
            let eval = evaluate(plan, &policy, &ws, today).unwrap();
            if run == 0 {
                for a in &eval.actions {
                    decided[a.decision as usize] += 1;
                }
            }
            std::hint::black_box(eval);
        }
        eval_t.push(t.elapsed());
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / commands.len() as f64;
    let (read, eval) = (median(read_t), median(eval_t));
    println!("sub-commands read: {sub_commands}");
    println!(
        "read (parse, unwrap), one core:        {:>8.1} ms  {:>6.2} µs/command",
        read.as_secs_f64() * 1e3,
        per(read)
    );
    println!(
        "classify (read, rules, secrets), 2 cores: {:>6.1} ms  {:>6.2} µs/command",
        eval.as_secs_f64() * 1e3,
        per(eval)
    );
    println!(
        "decisions: {} allow, {} approve, {} deny",
        decided[0], decided[1], decided[2]
    );
}
