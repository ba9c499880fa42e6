//! The audit trail's speed. Appends: one record per write transaction (what each `agentgate plan`
//! does; WAL with synchronous=FULL, so every commit syncs), and batched writes. Reads, on a trail
//! of 1,000,000 records holding 1,000,000 actions: `audit list` with filters, `audit stats`,
//! `audit verify`, each as the release binary (median and min of several runs after a warm-up)
//! and as the library call. And `agentgate plan` end to end on a nearly empty trail and on a copy
//! of the big one, alternating, to show that recording does not slow down as the trail grows.
//!
//! Run: `cargo bench --bench audit` (prints figures and whether the goals are met; no assertions
//! on time). The generated trail is kept at target/bench-audit/audit-1m.db and reused when it
//! holds the expected counts (building it takes 2-3 minutes on 2 cores, a rerun under a minute);
//! AGENTGATE_BENCH_ACTIONS=N makes one of N records / N actions (target/bench-audit/audit-N.db).
//! Sync latency dominates one-record writes and varies with what else the machine writes; the
//! load average is printed at the start and the end.
//!
//! The trail: 50 agents with Zipf-like shares (the first, `deploy-bot`, the agent of
//! fixtures/plans/quickstart.yaml, has about a quarter of the records), tasks that change every
//! ~150 records of an agent, times spread over the 30 days before it was built (one time per
//! write of 100 records, about every 4 minutes). In every block of 50 records, 47 carry 1 action,
//! 1 carries 3 and 2 carry none (errors, apply/validation/rollback/override events,
//! quarantine/release and stop/resume pairs), so records = actions. Actions: ~87% allow, ~10%
//! approve, ~3% deny over tiers 0-4; bodies shaped like `gate_record`'s (parameters, items,
//! findings, a short diff); record bodies with the intent, context, plan and policy hashes.
//! `--since 24h` and `--since 1h` are passed as the times 24 h and 1 h before the trail's newest
//! record, so that a trail built days ago is read the same way.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use agentgate::audit::stats::stats;
use agentgate::audit::store::Millis;
use agentgate::audit::{Filter, NewAction, NewRecord, Store};
use agentgate::secrets::Scanner;
use serde_json::{Value, json};

const DEFAULT_ACTIONS: u64 = 1_000_000;
/// Records per write transaction while building the big trail (and one time stamp each).
const BUILD_BATCH: usize = 100;
const BLOCK: usize = 50;
const DAY: Millis = 86_400_000;
const HOUR: Millis = 3_600_000;
/// Runs of each read command (after one warm-up run).
const RUNS: usize = 9;
const VERIFY_RUNS: usize = 5;
/// Runs of `agentgate plan` end to end.
const PLAN_RUNS: usize = 21;
const SINGLE_WRITES: usize = 2_000;
const SINGLE_CHUNKS: usize = 10;
const BATCHED_RECORDS: usize = 20_000;

// ---------------------------------------------------------------------------------------------
// Generated data

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// An index drawn from cumulative weights.
    fn weighted(&mut self, cumulative: &[f64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(1.0);
        let x = self.unit() * total;
        cumulative
            .partition_point(|c| *c <= x)
            .min(cumulative.len() - 1)
    }
    fn hash(&mut self) -> String {
        let bytes: Vec<u8> = (0..4).flat_map(|_| self.next().to_be_bytes()).collect();
        format!("sha256:{}", hex::encode(bytes))
    }
}

/// An action shape: `{n}` in the target is replaced by a number.
struct Template {
    tool: &'static str,
    tier: u8,
    base: u8,
    target: &'static str,
    rules: &'static [&'static str],
    why: &'static str,
    message: &'static str,
    source: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn t(
    tool: &'static str,
    tier: u8,
    base: u8,
    target: &'static str,
    rules: &'static [&'static str],
    why: &'static str,
    message: &'static str,
    source: &'static str,
) -> Template {
    Template {
        tool,
        tier,
        base,
        target,
        rules,
        why,
        message,
        source,
    }
}

#[rustfmt::skip]
const ALLOW: &[Template] = &[
    t("shell.exec", 0, 0, "git status --short", &[], "read-only git subcommand", "", ""),
    t("shell.exec", 0, 0, "cargo test --locked -p core_{n}", &[], "builds and runs tests in the workspace", "", ""),
    t("shell.exec", 0, 3, "grep -rn 'TODO' src/module_{n}", &["shell-read-only"], "agentgate has no classification for `grep`", "", ""),
    t("file.read", 0, 0, "src/handlers/module_{n}.rs", &[], "reads a file", "", ""),
    t("http.request", 0, 0, "GET https://api.example.com/v1/orders/{n}", &[], "HTTP GET reads", "", ""),
    t("sql.exec", 0, 0, "SELECT id, status, total FROM orders WHERE customer_id = {n}", &[], "SELECT reads", "", ""),
    t("file.write", 1, 1, "docs/reports/run-{n}.md", &[], "creates a new file (reversible: delete it)", "", ""),
    t("shell.exec", 1, 1, "npm run build -- --filter=app-{n}", &[], "builds into the workspace", "", ""),
    t("shell.exec", 1, 1, "mkdir -p build/cache-{n}", &[], "creates a folder in the workspace", "", ""),
    t("file.write", 2, 2, "src/handlers/module_{n}.rs", &[], "changes an existing file (reversible from a snapshot)", "", ""),
    t("sql.exec", 2, 2, "UPDATE users SET last_seen = now() WHERE id = {n}", &[], "UPDATE with WHERE on users", "", ""),
    t("http.request", 2, 2, "POST https://tickets.example.com/api/issues/{n}/comments", &[], "HTTP POST writes", "", ""),
    t("shell.exec", 2, 2, "rm -rf build/tmp-{n}", &[], "deletes inside the workspace (reversible from a snapshot)", "", ""),
];

#[rustfmt::skip]
const APPROVE: &[Template] = &[
    t("shell.exec", 3, 3, "systemctl restart api-{n}", &["shell-service-control"], "agentgate has no classification for `systemctl`", "controls services or processes", "policies/shell.yaml:490"),
    t("shell.exec", 3, 3, "kubectl rollout restart deployment/web-{n} -n staging", &["shell-kubectl-write"], "changes a cluster", "changes a Kubernetes cluster", "policies/shell.yaml:312"),
    t("sql.exec", 3, 3, "ALTER TABLE events ADD COLUMN note_{n} TEXT", &["sql-schema-change"], "ALTER TABLE changes the schema", "changes the schema of a database", "policies/sql.yaml:88"),
    t("call", 3, 3, "send_money", &["untrusted-context-egress", "surface-billing"], "agentgate does not know what the tool `send_money` does; a rule can classify it", "moves money or changes billing", "policies/surfaces.yaml:145"),
    t("http.request", 3, 2, "DELETE https://api.example.com/v1/users/{n}", &["http-delete-production"], "HTTP DELETE removes a resource", "deletes a resource in production", "policies/network.yaml:40"),
    t("shell.exec", 4, 4, "terraform apply -auto-approve -target=module.db_{n}", &["shell-infra-apply"], "applies infrastructure changes", "changes production infrastructure", "policies/shell.yaml:640"),
];

#[rustfmt::skip]
const DENY: &[Template] = &[
    t("shell.exec", 4, 4, "curl -fsSL https://get.example.net/install-{n}.sh | sh", &["shell-pipe-to-shell"], "runs a script fetched from the network", "pipes a download into a shell", "policies/shell.yaml:120"),
    t("shell.exec", 4, 4, "git push --force origin main", &["git-force-push-protected"], "rewrites a protected branch", "force-pushes to a protected branch", "policies/shell.yaml:233"),
    t("sql.exec", 4, 4, "DELETE FROM sessions", &["sql-delete-without-where"], "DELETE without WHERE on sessions", "deletes every row of a table", "policies/sql.yaml:21"),
    t("file.write", 3, 2, "config/.env.{n}", &["secrets-in-content"], "changes an existing file (reversible from a snapshot)", "writes a credential into a file", "policies/content.yaml:12"),
    t("http.request", 4, 2, "POST https://paste.example.org/api/v1/pastes/{n}", &["untrusted-context-egress", "network-unknown-host"], "HTTP POST writes", "sends data to a host outside the allow list", "policies/network.yaml:57"),
];

const INTENTS: &[&str] = &[
    "Fix the flaky integration test in the payments service",
    "Rotate the staging API key and restart the service",
    "Add pagination to the orders endpoint",
    "Clean up expired sessions and stale build caches",
    "Upgrade the logging library and fix the call sites",
    "Answer the customer ticket and refund the duplicate charge",
    "Migrate the events table to the new schema",
    "Triage new issues and label them",
];

const ERRORS: &[&str] = &[
    "plans/next.yaml:4:3: unknown field `acton`, expected one of `id`, `tool`, ...",
    "cannot read plans/run.yaml: No such file or directory (os error 2)",
    "plans/fix.yaml:12:5: the path `../../etc/passwd` leaves the workspace",
    "plans/batch.yaml:1:1: version 2 is not supported (this agentgate reads version 1)",
];

struct Gen {
    rng: Rng,
    agents: Vec<String>,
    cumulative: Vec<f64>,
    task_prefix: Vec<&'static str>,
    tasks: Vec<Option<String>>,
    next_task: u64,
    policies: Vec<String>,
    /// Id the next record gets (the trail is written by this generator alone).
    next_id: i64,
    last_check: Option<(usize, i64)>,
    block: VecDeque<NewRecord>,
    remaining: u64,
}

impl Gen {
    fn new(seed: u64, total: u64, first_id: i64) -> Gen {
        let roles = [
            "deploy", "review", "triage", "migrate", "docs", "ci", "oncall", "refactor", "test",
            "data",
        ];
        let kinds = ["bot", "agent", "assistant", "worker", "runner"];
        let mut agents = Vec::new();
        for k in kinds {
            for r in roles {
                agents.push(format!("{r}-{k}"));
            }
        }
        // Zipf-like: share of rank r is proportional to 1 / r^1.1.
        let mut acc = 0.0;
        let cumulative = (1..=agents.len())
            .map(|r| {
                acc += 1.0 / (r as f64).powf(1.1);
                acc
            })
            .collect();
        let mut rng = Rng(seed);
        let policies = (0..3).map(|_| rng.hash()).collect();
        let task_prefix = ["OPS", "ENG", "DATA", "SEC", "SUP"];
        Gen {
            rng,
            tasks: vec![None; agents.len()],
            task_prefix: (0..agents.len())
                .map(|i| task_prefix[i % task_prefix.len()])
                .collect(),
            agents,
            cumulative,
            next_task: 1000,
            policies,
            next_id: first_id,
            last_check: None,
            block: VecDeque::new(),
            remaining: total,
        }
    }

    fn agent(&mut self) -> usize {
        self.rng.weighted(&self.cumulative)
    }

    fn task(&mut self, agent: usize) -> Option<String> {
        if self.tasks[agent].is_none() || self.rng.below(150) == 0 {
            self.next_task += 1;
            self.tasks[agent] = Some(format!("{}-{}", self.task_prefix[agent], self.next_task));
        }
        // Some runs name no task.
        if self.rng.below(100) < 8 {
            None
        } else {
            self.tasks[agent].clone()
        }
    }

    fn action(&mut self, line: u64, is_check: bool) -> NewAction {
        let roll = self.rng.below(1000);
        let (decision, templates) = if roll < 30 {
            ("deny", DENY)
        } else if roll < 130 {
            ("approve", APPROVE)
        } else {
            ("allow", ALLOW)
        };
        let tpl = self.rng.pick(templates);
        let n = self.rng.below(5000);
        let text = tpl.target.replace("{n}", &n.to_string());
        let (method, target) = match text.split_once(' ') {
            Some((m, url)) if tpl.tool == "http.request" => (m, url.to_string()),
            _ => ("", text.clone()),
        };
        let tier = tpl.tier;
        let (parameters, diff) = match tpl.tool {
            "file.write" => {
                let old = n.saturating_sub(1);
                (
                    json!({"tool": tpl.tool, "path": target,
                           "content": format!("// generated\npub fn handler_{n}() -> u32 {{\n    {n}\n}}\n")}),
                    format!(
                        "--- a/{target}\n+++ b/{target}\n@@ -1,4 +1,4 @@\n // generated\n-pub fn handler_{old}() -> u32 {{\n+pub fn handler_{n}() -> u32 {{\n     {n}\n }}"
                    ),
                )
            }
            "file.read" => (
                json!({"tool": tpl.tool, "path": target}),
                format!("read {target}"),
            ),
            "sql.exec" => (
                json!({"tool": tpl.tool, "database": "data/app.db", "statement": target}),
                format!(
                    "database: data/app.db\n{target}\n├ tier {tier}  {target}  — {}",
                    tpl.why
                ),
            ),
            "http.request" => (
                json!({"tool": tpl.tool, "method": method, "url": target,
                       "body": if method == "GET" { Value::Null } else { json!({"comment": format!("automated update {n}"), "n": n}) }}),
                format!("{method} {target}\n{{\n  \"comment\": \"automated update {n}\"\n}}"),
            ),
            "call" => (
                json!({"tool": "call", "name": target,
                       "args": {"recipient": format!("UK{:020}", n * 7919), "amount": (n % 500) as f64 + 0.5}}),
                format!(
                    "call {target}\n{{\n  \"recipient\": \"UK{:020}\",\n  \"amount\": {}.5\n}}\nnot executed by agentgate: the agent's runtime runs it once approved",
                    n * 7919,
                    n % 500
                ),
            ),
            _ => (
                json!({"tool": tpl.tool, "command": target}),
                format!("$ {target}\n├ tier {tier}  {target}  — {}", tpl.why),
            ),
        };
        let findings: Vec<Value> = tpl
            .rules
            .iter()
            .filter(|r| !tpl.message.is_empty() || **r != "shell-read-only")
            .map(|rule| {
                json!({
                    "effect": if decision == "deny" { "deny" } else { "tier" },
                    "item": Value::Null,
                    "level": if decision == "deny" { "hard-mandatory" } else { "soft-mandatory" },
                    "message": tpl.message,
                    "remediation": if decision == "deny" { json!("ask a person to run it, or change the plan") } else { Value::Null },
                    "rule": rule,
                    "source": tpl.source,
                    "tier": tier,
                })
            })
            .collect();
        let classified: Vec<&str> = tpl
            .rules
            .iter()
            .copied()
            .filter(|r| *r == "shell-read-only")
            .collect();
        NewAction {
            name: if is_check {
                format!("validate-{line}")
            } else {
                format!("step-{line}")
            },
            tool: tpl.tool.to_string(),
            target: target.clone(),
            tier,
            decision: decision.to_string(),
            rules: tpl.rules.iter().map(|r| r.to_string()).collect(),
            body: json!({
                "line": 8 + line * 4,
                "validate": is_check,
                "reason": if self.rng.below(3) == 0 { json!(format!("needed for step {line} of the task")) } else { Value::Null },
                "parameters": parameters,
                "base_tier": tpl.base,
                "items": [{"item": target, "tier": tpl.base, "why": tpl.why, "classified_by": classified}],
                "findings": findings,
                "exceptions": [],
                "diff": diff,
            }),
        }
    }

    /// A gate decision (`plan` or `check`) with `k` actions.
    fn gate(&mut self, k: usize) -> NewRecord {
        let id = self.next_id;
        let agent = self.agent();
        let task = self.task(agent);
        let kind = if self.rng.below(100) < 20 {
            "check"
        } else {
            "plan"
        };
        // A `check` of several files is one run of several records.
        let run = match self.last_check {
            Some((a, run)) if kind == "check" && a == agent && self.rng.below(2) == 0 => Some(run),
            _ => None,
        };
        self.last_check = (kind == "check").then(|| (agent, run.unwrap_or(id)));
        let actions: Vec<NewAction> = (0..k)
            .map(|i| self.action(i as u64, k > 1 && i == k - 1))
            .collect();
        let rank = |d: &str| match d {
            "deny" => 2,
            "approve" => 1,
            _ => 0,
        };
        let decision = actions
            .iter()
            .map(|a| a.decision.as_str())
            .max_by_key(|d| rank(d))
            .unwrap_or("allow")
            .to_string();
        let tier = actions.iter().map(|a| a.tier).max().unwrap_or(0);
        let context: Vec<Value> = (0..self.rng.below(3))
            .map(|i| {
                json!({"id": format!("ticket-{i}"), "source": format!("tickets:{}", task.as_deref().unwrap_or("none")),
                       "trust": if i == 0 { "untrusted" } else { "trusted" }})
            })
            .collect();
        let policy = self.rng.pick(&self.policies).clone();
        let file = format!(
            "plans/{}.yaml",
            task.as_deref().unwrap_or("adhoc").to_lowercase()
        );
        let intent = *self.rng.pick(INTENTS);
        let plan_hash = self.rng.hash();
        self.next_id += 1;
        NewRecord {
            run,
            kind,
            agent: Some(self.agents[agent].clone()),
            task,
            outcome: Some(decision.clone()),
            tier: Some(tier),
            exit_code: Some(rank(&decision) as u8 + u8::from(decision != "allow")),
            body: json!({
                "command": kind,
                "file": file,
                "plan": {"hash": plan_hash, "intent": intent, "context": context,
                         "actions": k.saturating_sub(usize::from(k > 1)), "validate": usize::from(k > 1)},
                "policy": {"hash": policy, "source": if policy == self.policies[0] { "embedded" } else { ".agentgate/policies" }},
                "containment": {"contained": Value::Null, "limits": [], "tripped": Value::Null},
            }),
            actions,
            ..NewRecord::default()
        }
    }

    /// A record without actions: an error or an event of `kind` about `agent`.
    fn event(&mut self, kind: &'static str, agent: Option<usize>) -> NewRecord {
        self.next_id += 1;
        self.last_check = None;
        let agent_name = agent.map(|a| self.agents[a].clone());
        let task = agent.and_then(|a| self.tasks[a].clone());
        let (outcome, body) = match kind {
            "error" => (
                "error",
                json!({"command": "plan", "file": "plans/next.yaml", "error": *self.rng.pick(ERRORS)}),
            ),
            "validation" => {
                let failed = self.rng.below(10) == 0;
                (
                    if failed { "failed" } else { "passed" },
                    json!({"command": "validate", "checks": 1 + self.rng.below(3), "failed": u64::from(failed)}),
                )
            }
            "quarantine" | "stop" => (
                kind,
                json!({"command": kind, "reason": "circuit breaker: limit `denial-breaker`: 21 denied actions in the last 1h (limit 20 per 1h)",
                       "by": "circuit-breaker", "time_to_containment_ms": 20_000 + self.rng.below(600_000)}),
            ),
            "release" | "resume" => (
                kind,
                json!({"command": kind, "reason": "checked with the team: the agent was stuck in a retry loop"}),
            ),
            _ => (
                "ok",
                json!({"command": kind, "plan": {"hash": self.rng.hash()}, "note": format!("{kind} after approval")}),
            ),
        };
        let kind = if kind == "error" { "plan" } else { kind };
        NewRecord {
            run: None,
            kind,
            agent: agent_name,
            task: if kind == "stop" || kind == "resume" {
                None
            } else {
                task
            },
            outcome: Some(outcome.to_string()),
            tier: None,
            exit_code: Some(if outcome == "error" { 1 } else { 0 }),
            body,
            actions: Vec::new(),
            ..NewRecord::default()
        }
    }

    /// The next block of 50 records: 47 with 1 action, 1 with 3, 2 with none.
    fn fill_block(&mut self) {
        let mut zero = [self.rng.below(BLOCK as u64), 0];
        loop {
            zero[1] = self.rng.below(BLOCK as u64);
            if zero[1] != zero[0] {
                break;
            }
        }
        zero.sort_unstable();
        let three = loop {
            let p = self.rng.below(BLOCK as u64);
            if !zero.contains(&p) {
                break p;
            }
        };
        // The two action-less records: a pair (stop then resume, quarantine then release) or two
        // independent ones. The kill switch is always lifted again; a few quarantines of rarely
        // used agents are not.
        let roll = self.rng.below(10_000);
        let mut events: VecDeque<(&'static str, Option<usize>)> = if roll < 40 {
            [("stop", None), ("resume", None)].into()
        } else if roll < 240 {
            let a = self.agent();
            let second = if a >= 45 && self.rng.below(4) == 0 {
                ("apply", Some(a))
            } else {
                ("release", Some(a))
            };
            [("quarantine", Some(a)), second].into()
        } else {
            (0..2)
                .map(|_| {
                    let kind = *self.rng.pick(&[
                        "error",
                        "error",
                        "error",
                        "apply",
                        "apply",
                        "validation",
                        "validation",
                        "override",
                        "rollback",
                        "error",
                    ]);
                    (kind, Some(self.agent()))
                })
                .collect()
        };
        for p in 0..BLOCK as u64 {
            let record = if zero.contains(&p) {
                let (kind, agent) = events.pop_front().unwrap();
                self.event(kind, agent)
            } else {
                self.gate(if p == three { 3 } else { 1 })
            };
            self.block.push_back(record);
        }
    }

    fn next_record(&mut self) -> Option<NewRecord> {
        if self.remaining == 0 {
            return None;
        }
        if self.block.is_empty() {
            if self.remaining >= BLOCK as u64 {
                self.fill_block();
            } else {
                let r = self.gate(1);
                self.block.push_back(r);
            }
        }
        self.remaining -= 1;
        self.block.pop_front()
    }

    fn take(&mut self, n: usize) -> Vec<NewRecord> {
        std::iter::from_fn(|| self.next_record()).take(n).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring

#[derive(Clone, Copy)]
struct Sample {
    median: Duration,
    min: Duration,
}

fn sample(mut v: Vec<Duration>) -> Sample {
    v.sort();
    Sample {
        median: v[v.len() / 2],
        min: v[0],
    }
}

fn time_lib<T>(runs: usize, mut f: impl FnMut() -> T) -> (Sample, T) {
    let mut last = f(); // warm-up
    let mut v = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let value = f();
        v.push(t.elapsed());
        last = value; // the previous value is dropped outside the timing
    }
    (sample(v), last)
}

/// Run the binary `runs` times after one warm-up; every run must exit with `code`.
fn time_cli(bin: &str, args: &[String], cwd: &Path, runs: usize, code: i32) -> (Sample, String) {
    let run = || {
        let t = Instant::now();
        let out = Command::new(bin)
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let elapsed = t.elapsed();
        assert_eq!(
            out.status.code(),
            Some(code),
            "agentgate {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        (elapsed, String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (_, mut stdout) = run();
    let mut v = Vec::new();
    for _ in 0..runs {
        let (d, o) = run();
        v.push(d);
        stdout = o;
    }
    (sample(v), stdout)
}

fn append_single(store: &mut Store, records: Vec<NewRecord>) -> Duration {
    let t = Instant::now();
    for r in records {
        store.write(Scanner::builtin(), |w| w.append(r)).unwrap();
    }
    t.elapsed()
}

fn append_batched(store: &mut Store, records: Vec<NewRecord>, batch: usize) -> Duration {
    let mut records = records.into_iter().peekable();
    let t = Instant::now();
    while records.peek().is_some() {
        let chunk: Vec<NewRecord> = records.by_ref().take(batch).collect();
        store
            .write(Scanner::builtin(), |w| {
                for r in chunk {
                    w.append(r)?;
                }
                Ok(())
            })
            .unwrap();
    }
    t.elapsed()
}

/// Write dirty pages out (best effort), so that earlier writes do not slow the syncs measured.
fn flush_disks() {
    let _ = Command::new("sync").status();
}

/// The machine's load average, to judge how quiet the run was.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn counts(path: &Path) -> Option<(u64, u64)> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    conn.query_row(
        "SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM actions)",
        [],
        |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
    )
    .ok()
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Build the trail of `n` records / `n` actions at `path`, in writes of [`BUILD_BATCH`] records
/// whose times step evenly through the 30 days before now. Returns the time it took.
fn build(path: &Path, n: u64) -> Duration {
    let building = path.with_extension("db.building");
    remove_db(&building);
    let now = jiff::Timestamp::now().as_millisecond();
    let start = now - 30 * DAY;
    let batches = n.div_ceil(BUILD_BATCH as u64).max(1);
    let clock = Arc::new(AtomicI64::new(start));
    let open = |actor: &str| {
        let c = clock.clone();
        Store::open(&building, actor)
            .unwrap()
            .with_clock(Box::new(move || c.load(Ordering::Relaxed)))
    };
    // Who ran the commands: mostly CI, sometimes people.
    let mut stores = [open("ci"), open("alice"), open("oncall")];
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<NewRecord>>(8);
    let producer = std::thread::spawn(move || {
        let mut g = Gen::new(0x000A_0D17, n, 1);
        loop {
            let batch = g.take(BUILD_BATCH);
            if batch.is_empty() || tx.send(batch).is_err() {
                break;
            }
        }
    });
    let t0 = Instant::now();
    let mut done = 0u64;
    let mut rng = Rng(7);
    let mut next_report = 100_000u64;
    for (b, batch) in rx.into_iter().enumerate() {
        // Even steps with a little jitter; never backwards.
        let at = start + ((b as u64 * (30 * DAY) as u64) / batches) as i64 + rng.below(1000) as i64;
        clock.fetch_max(at, Ordering::Relaxed);
        let store = &mut stores[match rng.below(10) {
            0 => 1,
            1 => 2,
            _ => 0,
        }];
        let len = batch.len() as u64;
        store
            .write(Scanner::builtin(), |w| {
                for r in batch {
                    w.append(r)?;
                }
                Ok(())
            })
            .unwrap();
        done += len;
        if done >= next_report || done == n {
            let secs = t0.elapsed().as_secs_f64();
            println!(
                "  built {done:>9} / {n} records  {secs:>6.1} s  ({:.0} records/s)",
                done as f64 / secs
            );
            next_report += 100_000;
        }
    }
    producer.join().unwrap();
    drop(stores); // the last close checkpoints the WAL into the file and removes it
    let took = t0.elapsed();
    std::fs::rename(&building, path).unwrap();
    took
}

struct Row {
    name: String,
    cli: Option<Sample>,
    lib: Option<Sample>,
    goal: Option<Duration>,
    note: String,
}

fn fmt(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else if d < Duration::from_millis(1) {
        format!("{} µs", d.as_micros())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    }
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_agentgate");
    let n: u64 = std::env::var("AGENTGATE_BENCH_ACTIONS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(DEFAULT_ACTIONS);
    // <target>/release/agentgate → <target>/bench-audit
    let dir = Path::new(bin)
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("bench-audit");
    std::fs::create_dir_all(&dir).unwrap();
    let name = if n == DEFAULT_ACTIONS {
        "audit-1m.db".to_string()
    } else {
        format!("audit-{n}.db")
    };
    let db = dir.join(name);
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plans/quickstart.yaml");
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // ---- batched appends on a fresh trail ---------------------------------------------------
    // Dirty pages of the build of this bench would slow the first syncs down.
    flush_disks();
    let load_start = load();
    println!("load average at the start: {load_start}");
    println!(
        "== batched appends (in-process, fresh trail in {})",
        dir.display()
    );
    let fresh = dir.join("scratch.db");
    for batch in [100, 1000] {
        let records = Gen::new(12, BATCHED_RECORDS as u64, 1).take(BATCHED_RECORDS);
        let actions: usize = records.iter().map(|r| r.actions.len()).sum();
        remove_db(&fresh);
        let mut store = Store::open(&fresh, "bench").unwrap();
        let took = append_batched(&mut store, records, batch);
        drop(store);
        let rate = BATCHED_RECORDS as f64 / took.as_secs_f64();
        println!(
            "  {BATCHED_RECORDS} records ({actions} actions), {batch} per write: {} ({rate:.0} records/s)",
            fmt(took)
        );
        let per = took / BATCHED_RECORDS as u32;
        rows.push(Row {
            name: format!("append, {batch} records per write, fresh trail"),
            cli: None,
            lib: Some(Sample {
                median: per,
                min: per,
            }),
            goal: None,
            note: format!(
                "per record; {rate:.0} records/s ({BATCHED_RECORDS} records, {actions} actions)"
            ),
        });
    }
    remove_db(&fresh);

    // ---- the big trail ----------------------------------------------------------------------
    println!("== trail of {n} records / {n} actions at {}", db.display());
    match counts(&db) {
        Some((r, a)) if r == n && a == n => println!("  reusing it ({r} records, {a} actions)"),
        found => {
            if let Some((r, a)) = found {
                println!("  found {r} records / {a} actions: rebuilding");
            }
            remove_db(&db);
            let took = build(&db, n);
            let rate = n as f64 / took.as_secs_f64();
            println!("  built in {} ({rate:.0} records/s)", fmt(took));
            notes.push(format!(
                "append, {BUILD_BATCH} records per transaction, building the {n}-record trail: {rate:.0} records/s ({} in all)",
                fmt(took)
            ));
        }
    }
    let (records, actions) = counts(&db).unwrap();
    assert_eq!((records, actions), (n, n));
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let newest = q("SELECT max(time) FROM records");
    let oldest = q("SELECT min(time) FROM records");
    let (top_agent, top_records): (String, i64) = conn
        .query_row(
            "SELECT agent, count(*) FROM records WHERE agent IS NOT NULL GROUP BY agent ORDER BY 2 DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let task: String = conn
        .query_row(
            "SELECT task FROM records WHERE id >= ?1 AND task IS NOT NULL ORDER BY id LIMIT 1",
            [n as i64 / 2],
            |r| r.get(0),
        )
        .unwrap();
    let task_records: i64 = conn
        .query_row(
            "SELECT count(*) FROM records WHERE task = ?1",
            [&task],
            |r| r.get(0),
        )
        .unwrap();
    let since_24h = newest - DAY;
    let since_1h = newest - HOUR;
    let deny_24h: i64 = conn
        .query_row(
            "SELECT count(*) FROM records WHERE outcome = 'deny' AND time >= ?1",
            [since_24h],
            |r| r.get(0),
        )
        .unwrap();
    let actions_1h: i64 = conn
        .query_row(
            "SELECT count(*) FROM actions WHERE time >= ?1",
            [since_1h],
            |r| r.get(0),
        )
        .unwrap();
    let size = file_size(&db);
    println!(
        "  {records} records, {actions} actions, {} agents, {} tasks, {} to {}",
        q("SELECT count(DISTINCT agent) FROM records"),
        q("SELECT count(DISTINCT task) FROM records"),
        jiff::Timestamp::from_millisecond(oldest).unwrap(),
        jiff::Timestamp::from_millisecond(newest).unwrap()
    );
    let by = |sql: &str| -> String {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok(format!(
                    "{} {}",
                    r.get::<_, Option<String>>(0)?.unwrap_or("-".into()),
                    r.get::<_, i64>(1)?
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.join(", ")
    };
    println!(
        "  records by actions: {}",
        by("SELECT CAST(actions AS TEXT), count(*) FROM records GROUP BY actions")
    );
    println!(
        "  records by kind: {}",
        by("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY 2 DESC")
    );
    println!(
        "  actions by decision: {}",
        by("SELECT decision, count(*) FROM actions GROUP BY decision ORDER BY 2 DESC")
    );
    println!(
        "  actions by tier: {}",
        by("SELECT CAST(tier AS TEXT), count(*) FROM actions GROUP BY tier")
    );
    let (rec_body, act_body): (f64, f64) = conn
        .query_row(
            "SELECT (SELECT avg(length(body)) FROM records), (SELECT avg(length(body)) FROM actions)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    println!(
        "  average body: record {rec_body:.0} bytes, action {act_body:.0} bytes; file {} ({:.0} bytes per record with its action)",
        mib(size),
        size as f64 / n as f64
    );
    println!(
        "  top agent `{top_agent}`: {top_records} records ({:.0}%); task `{task}`: {task_records} records; \
         denied records in the last 24h: {deny_24h}; actions in the last hour: {actions_1h}",
        100.0 * top_records as f64 / n as f64
    );
    drop(conn);

    // ---- reads ------------------------------------------------------------------------------
    println!("== reads (warm page cache; median of {RUNS} runs, verify {VERIFY_RUNS})");
    let db_arg = db.to_str().unwrap().to_string();
    let ts = |ms: Millis| jiff::Timestamp::from_millisecond(ms).unwrap().to_string();
    let args = |a: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        v.extend(["--db".to_string(), db_arg.clone()]);
        v
    };
    let (start, _) = time_cli(bin, &["--version".to_string()], &dir, RUNS, 0);
    rows.push(Row {
        name: "agentgate --version (process start)".into(),
        cli: Some(start),
        lib: None,
        goal: None,
        note: String::new(),
    });
    let (open, _) = time_lib(RUNS, || Store::open(&db, "bench").unwrap());
    rows.push(Row {
        name: "Store::open of the trail".into(),
        cli: None,
        lib: Some(open),
        goal: None,
        note: String::new(),
    });
    let mut store = Store::open(&db, "bench").unwrap();
    let goal = Some(Duration::from_millis(100));
    let lists: [(String, Vec<String>, Filter); 3] = [
        (
            format!("audit list --agent {top_agent} --limit 50"),
            args(&["audit", "list", "--agent", &top_agent, "--limit", "50"]),
            Filter {
                agent: Some(top_agent.clone()),
                limit: Some(50),
                ..Filter::default()
            },
        ),
        (
            "audit list --decision deny --since 24h".into(),
            args(&[
                "audit",
                "list",
                "--decision",
                "deny",
                "--since",
                &ts(since_24h),
            ]),
            Filter {
                outcome: Some("deny".into()),
                since: Some(since_24h),
                limit: Some(50),
                ..Filter::default()
            },
        ),
        (
            format!("audit list --task {task}"),
            args(&["audit", "list", "--task", &task]),
            Filter {
                task: Some(task.clone()),
                limit: Some(50),
                ..Filter::default()
            },
        ),
    ];
    for (name, cli_args, filter) in lists {
        let (cli, out) = time_cli(bin, &cli_args, &dir, RUNS, 0);
        let (lib, got) = time_lib(RUNS, || store.list(&filter).unwrap());
        println!(
            "  {name}: {} ; library {}",
            fmt(cli.median),
            fmt(lib.median)
        );
        assert!(out.contains("record(s)"), "{out}");
        rows.push(Row {
            name,
            cli: Some(cli),
            lib: Some(lib),
            goal,
            note: format!("{} rows", got.len()),
        });
    }
    for (name, since, window) in [
        ("audit stats".to_string(), None, None),
        (
            "audit stats --since 1h".to_string(),
            Some(since_1h),
            Some(ts(since_1h)),
        ),
    ] {
        let mut a = vec!["audit", "stats"];
        if let Some(w) = &window {
            a.extend(["--since", w]);
        }
        let (cli, _) = time_cli(bin, &args(&a), &dir, RUNS, 0);
        let (lib, got) = time_lib(RUNS, || stats(&store, since, None).unwrap());
        println!(
            "  {name}: {} ; library {}",
            fmt(cli.median),
            fmt(lib.median)
        );
        rows.push(Row {
            name,
            cli: Some(cli),
            lib: Some(lib),
            goal,
            note: format!("{} actions", got.overall.actions),
        });
    }
    let (cli, out) = time_cli(bin, &args(&["audit", "verify"]), &dir, VERIFY_RUNS, 0);
    let (lib, v) = time_lib(VERIFY_RUNS, || store.verify(None).unwrap());
    println!(
        "  audit verify: {} ; library {}",
        fmt(cli.median),
        fmt(lib.median)
    );
    assert!(v.broken.is_none(), "{out}");
    rows.push(Row {
        name: "audit verify".into(),
        cli: Some(cli),
        lib: Some(lib),
        goal: Some(Duration::from_secs(5)),
        note: format!("{} records, {} actions", v.records, v.actions),
    });
    drop(store);

    // ---- writing to the big trail -----------------------------------------------------------
    // Appends and `agentgate plan` on a copy of the big trail and on a fresh one, interleaved so
    // that the disk's moods (the machine's sync latency varies) fall on both alike.
    println!("== appends: fresh trail vs the {n}-record trail (a copy), interleaved");
    let copy = dir.join("copy.db");
    remove_db(&copy);
    {
        // Everything in the main file, so that copying it copies the trail.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    std::fs::copy(&db, &copy).unwrap();
    flush_disks();
    remove_db(&fresh);
    let mut on_fresh = Store::open(&fresh, "bench").unwrap();
    let mut on_big = Store::open(&copy, "bench").unwrap();
    let mut gen_fresh = Gen::new(11, 0, 1);
    let mut gen_big = Gen::new(13, 0, n as i64 + 1);
    let (mut t_fresh, mut t_big) = (Vec::new(), Vec::new());
    let chunk = SINGLE_WRITES / SINGLE_CHUNKS;
    for _ in 0..SINGLE_CHUNKS {
        let records = (0..chunk).map(|_| gen_fresh.gate(1)).collect();
        t_fresh.push(append_single(&mut on_fresh, records));
        let records = (0..chunk).map(|_| gen_big.gate(1)).collect();
        t_big.push(append_single(&mut on_big, records));
    }
    drop(on_fresh);
    drop(on_big);
    for (name, times) in [
        ("fresh trail".to_string(), t_fresh),
        (format!("{n}-record trail"), t_big),
    ] {
        let total: Duration = times.iter().sum();
        let rate = SINGLE_WRITES as f64 / total.as_secs_f64();
        let per = sample(times.iter().map(|t| *t / chunk as u32).collect());
        println!(
            "  {SINGLE_WRITES} records x 1 action, one write each, {name}: {} ({rate:.0} records/s)",
            fmt(total)
        );
        rows.push(Row {
            name: format!("append, 1 record (1 action) per write, {name}"),
            cli: None,
            lib: Some(per),
            goal: None,
            note: format!(
                "per record, over {SINGLE_CHUNKS} chunks of {chunk}; {rate:.0} records/s overall"
            ),
        });
    }
    remove_db(&fresh);
    let empty = dir.join("plan-empty.db");
    remove_db(&empty);
    let plan = |path: &Path| -> Duration {
        let t = Instant::now();
        let out = Command::new(bin)
            .args([
                "plan",
                quickstart.to_str().unwrap(),
                "--format",
                "json",
                "--db",
            ])
            .arg(path)
            .current_dir(quickstart.parent().unwrap())
            .output()
            .unwrap();
        let took = t.elapsed();
        // quickstart.yaml needs approval: exit 2.
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        took
    };
    let (mut p_empty, mut p_big) = (Vec::new(), Vec::new());
    plan(&empty);
    plan(&copy);
    for _ in 0..PLAN_RUNS {
        p_empty.push(plan(&empty));
        p_big.push(plan(&copy));
    }
    let big_counts = counts(&copy).unwrap();
    assert_eq!(
        big_counts.1,
        n + SINGLE_WRITES as u64 + 6 * (PLAN_RUNS as u64 + 1)
    );
    let (on_empty, on_big) = (sample(p_empty), sample(p_big));
    println!(
        "  agentgate plan quickstart.yaml: nearly empty trail {} ; {n}-record trail {}",
        fmt(on_empty.median),
        fmt(on_big.median)
    );
    rows.push(Row {
        name: "agentgate plan quickstart.yaml, empty trail".into(),
        cli: Some(on_empty),
        lib: None,
        goal: None,
        note: format!("{PLAN_RUNS} runs; 1 record with 6 actions each"),
    });
    rows.push(Row {
        name: format!("agentgate plan quickstart.yaml, {n}-record trail"),
        cli: Some(on_big),
        lib: None,
        goal: None,
        note: format!("{PLAN_RUNS} runs, alternating with the line above"),
    });
    remove_db(&copy);
    remove_db(&empty);

    // ---- the table --------------------------------------------------------------------------
    println!();
    println!(
        "trail: {n} records, {n} actions, {} ({}), warm cache; load average {load_start} at the start, {} at the end",
        mib(size),
        db.display(),
        load()
    );
    println!(
        "| {:<62} | {:>19} | {:>20} | {:>8} | {:<3} | note",
        "measurement", "binary median (min)", "library median (min)", "goal", "met"
    );
    println!("|{}|", "-".repeat(160));
    let cell = |s: Option<Sample>| {
        s.map_or("-".into(), |s| {
            format!("{} ({})", fmt(s.median), fmt(s.min))
        })
    };
    let mut missed = Vec::new();
    for r in &rows {
        let met = match (r.goal, r.cli) {
            (Some(g), Some(c)) if c.median <= g => "yes",
            (Some(_), Some(_)) => {
                missed.push(r.name.clone());
                "NO"
            }
            _ => "",
        };
        println!(
            "| {:<62} | {:>19} | {:>20} | {:>8} | {:<3} | {}",
            r.name,
            cell(r.cli),
            cell(r.lib),
            r.goal.map_or("-".into(), fmt),
            met,
            r.note
        );
    }
    println!();
    for n in &notes {
        println!("{n}");
    }
    println!();
    if missed.is_empty() {
        println!("every goal is met (list and stats under 100 ms, verify under 5 s)");
    } else {
        println!("goals missed: {}", missed.join("; "));
    }
}
