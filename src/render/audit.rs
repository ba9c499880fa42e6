//! Rendering the audit trail for people and machines: record lists, a run's lineage, the
//! verification verdict, the SLOs (text, JSON, Prometheus) and the containment status.

use std::fmt::Write as _;

use comfy_table::{Table, presets};
use serde_json::{Value, json};

use super::{VERSION, printable, truncate};
use crate::audit::Verification;
use crate::audit::stats::{Slo, Stats};
use crate::audit::store::{ActionRow, Containment, Millis, RecordRow};
use crate::containment::format_time;

/// A record time for machines: RFC 3339, UTC, milliseconds.
fn iso(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| ms.to_string())
}

fn body(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

fn opt(s: &Option<String>) -> String {
    s.as_deref()
        .map(|s| printable(s).into_owned())
        .unwrap_or_else(|| "-".into())
}

pub fn list_text(rows: &[RecordRow]) -> String {
    if rows.is_empty() {
        return "No records match.\n".into();
    }
    let mut table = Table::new();
    table.load_style(presets::ASCII_MARKDOWN);
    table.set_header([
        "id", "time", "kind", "agent", "task", "outcome", "tier", "actions", "by",
    ]);
    for r in rows {
        table.add_row([
            r.id.to_string(),
            format_time(r.time),
            r.kind.clone(),
            truncate(&opt(&r.agent), 32),
            truncate(&opt(&r.task), 24),
            opt(&r.outcome),
            r.tier.map_or_else(|| "-".into(), |t| t.to_string()),
            r.actions.to_string(),
            truncate(&printable(&r.actor), 20),
        ]);
    }
    format!("{table}\n{} record(s), newest first.\n", rows.len())
}

fn row_json(r: &RecordRow) -> Value {
    json!({
        "id": r.id,
        "run": r.run,
        "time": iso(r.time),
        "kind": r.kind,
        "agent": r.agent,
        "task": r.task,
        "actor": r.actor,
        "outcome": r.outcome,
        "tier": r.tier,
        "exit_code": r.exit_code,
        "actions": r.actions,
        "hash": r.hash,
    })
}

pub fn list_json(rows: &[RecordRow]) -> Value {
    Value::Array(rows.iter().map(row_json).collect())
}

/// One record with its actions and its chain links: a line of `export`, an entry of `show`.
pub fn record_json(r: &RecordRow, actions: &[ActionRow]) -> Value {
    let mut v = row_json(r);
    if let Value::Object(map) = &mut v {
        map.insert("body".into(), body(&r.body));
        map.insert(
            "actions".into(),
            Value::Array(
                actions
                    .iter()
                    .map(|a| {
                        json!({
                            "idx": a.idx,
                            "id": a.name,
                            "tool": a.tool,
                            "target": a.target,
                            "tier": a.tier,
                            "decision": a.decision,
                            "rules": a.rules.split_whitespace().collect::<Vec<_>>(),
                            "body": body(&a.body),
                        })
                    })
                    .collect(),
            ),
        );
        map.insert("prev".into(), json!(r.prev));
    }
    v
}

pub fn show_json(run: &[(RecordRow, Vec<ActionRow>)]) -> Value {
    json!({
        "version": VERSION,
        "run": run.first().map(|(r, _)| r.run),
        "records": run.iter().map(|(r, a)| record_json(r, a)).collect::<Vec<_>>(),
    })
}

/// The whole lineage of a run, for a postmortem.
pub fn show_text(run: &[(RecordRow, Vec<ActionRow>)]) -> String {
    let mut out = String::new();
    if let Some((first, _)) = run.first() {
        let _ = writeln!(out, "Run {} ({} record(s))", first.run, run.len());
    }
    for (r, actions) in run {
        let b = body(&r.body);
        let s = |v: &Value| printable(v.as_str().unwrap_or("")).into_owned();
        let _ = writeln!(
            out,
            "\nrecord {}  {}  {}  agent {}  task {}  by {}",
            r.id,
            iso(r.time),
            r.kind,
            opt(&r.agent),
            opt(&r.task),
            printable(&r.actor)
        );
        if let Some(file) = b.get("file").and_then(Value::as_str) {
            let _ = writeln!(out, "  file: {}", printable(file));
        }
        if let Some(plan) = b.get("plan") {
            if let Some(intent) = plan.get("intent").and_then(Value::as_str) {
                let _ = writeln!(out, "  intent: {}", printable(intent));
            }
            for c in plan
                .get("context")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let _ = writeln!(
                    out,
                    "  context: {} ({}{})",
                    s(&c["id"]),
                    c["source"]
                        .as_str()
                        .map(|x| format!("{}, ", printable(x)))
                        .unwrap_or_default(),
                    s(&c["trust"])
                );
            }
            let _ = writeln!(out, "  plan: {}", s(&plan["hash"]));
        }
        if let Some(policy) = b.get("policy") {
            let _ = writeln!(
                out,
                "  policy: {} ({})",
                s(&policy["hash"]),
                s(&policy["source"])
            );
        }
        if let Some(reason) = b.get("reason").and_then(Value::as_str) {
            let _ = writeln!(out, "  reason: {}", printable(reason));
        }
        if let Some(ms) = b.get("time_to_containment_ms").and_then(Value::as_i64) {
            let _ = writeln!(
                out,
                "  time to containment: {:.1}s after the first denied action",
                ms as f64 / 1000.0
            );
        }
        if let Some(error) = b.get("error").and_then(Value::as_str) {
            let _ = writeln!(out, "  error: {}", printable(error));
        }
        if let Some(c) = b.get("containment") {
            if let Some(by) = c.get("contained").filter(|v| !v.is_null()) {
                let _ = writeln!(
                    out,
                    "  contained: {} (record {}) by {}: {}",
                    s(&by["kind"]),
                    by["record"],
                    s(&by["actor"]),
                    s(&by["reason"])
                );
            }
            for l in c
                .get("limits")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let _ = writeln!(out, "  limit {}: {}", s(&l["limit"]), s(&l["what"]));
            }
            if let Some(t) = c.get("tripped").and_then(Value::as_str) {
                let _ = writeln!(out, "  circuit breaker tripped: {}", printable(t));
            }
        }
        if let Some(outcome) = &r.outcome {
            let _ = writeln!(
                out,
                "  outcome: {}{}{}",
                printable(outcome),
                r.tier.map(|t| format!(" (tier {t})")).unwrap_or_default(),
                r.exit_code
                    .map(|c| format!(", exit {c}"))
                    .unwrap_or_default()
            );
        }
        for a in actions {
            let ab = body(&a.body);
            let _ = writeln!(
                out,
                "\n  ── {}  {}  {}   tier {} · {}{}",
                printable(&a.name),
                printable(&a.tool),
                printable(&truncate(&a.target, 80)),
                a.tier,
                a.decision,
                if ab["validate"].as_bool() == Some(true) {
                    "  (validate)"
                } else {
                    ""
                }
            );
            if let Some(reason) = ab.get("reason").and_then(Value::as_str) {
                let _ = writeln!(out, "     reason: {}", printable(reason));
            }
            for l in ab["diff"].as_str().unwrap_or("").lines() {
                let _ = writeln!(out, "     {}", printable(l));
            }
            for f in ab["findings"].as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "     ! [{}] {} {}: {}  ({})",
                    s(&f["rule"]),
                    s(&f["level"]),
                    f["tier"]
                        .as_u64()
                        .map_or_else(|| s(&f["effect"]), |t| format!("tier {t}")),
                    s(&f["message"]),
                    s(&f["source"])
                );
            }
            for e in ab["exceptions"].as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "     ~ {} excepted until {}: {}",
                    s(&e["rule"]),
                    s(&e["expires"]),
                    s(&e["reason"])
                );
            }
        }
        let _ = writeln!(out, "  hash: {}", r.hash);
    }
    out
}

pub fn verify_text(v: &Verification, location: &str) -> String {
    let mut out = String::new();
    match &v.broken {
        None => {
            let _ = writeln!(
                out,
                "Audit trail {location} is intact: {} record(s), {} action(s).",
                v.records, v.actions
            );
            if let Some((id, hash)) = &v.head {
                let _ = writeln!(out, "Head: record {id} sha256:{hash}");
                let _ = writeln!(
                    out,
                    "Keep the head hash elsewhere (a CI log, a ticket); `agentgate audit verify --anchor HASH` later proves the trail up to it."
                );
            }
            if let Some(a) = v.anchor {
                let _ = writeln!(
                    out,
                    "Anchor found: record {a}; everything up to it is as it was."
                );
            }
        }
        Some(b) => {
            let _ = writeln!(out, "Audit trail {location} is BROKEN: {}.", b.describe());
            let _ = writeln!(out, "{} record(s) before it verified.", v.records);
        }
    }
    out
}

pub fn verify_json(v: &Verification) -> Value {
    json!({
        "version": VERSION,
        "intact": v.broken.is_none(),
        "records": v.records,
        "actions": v.actions,
        "head": v.head.as_ref().map(|(id, hash)| json!({"record": id, "hash": format!("sha256:{hash}")})),
        "anchor": v.anchor,
        "broken": v.broken.as_ref().map(|b| json!({
            "kind": b.kind(), "record": b.record(), "message": b.describe(),
        })),
    })
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".into(), |r| format!("{:.1}%", r * 100.0))
}

fn secs(s: Option<f64>) -> String {
    s.map_or_else(|| "n/a".into(), |s| format!("{s:.1}s"))
}

pub fn stats_text(stats: &Stats) -> String {
    let mut table = Table::new();
    table.load_style(presets::ASCII_MARKDOWN);
    table.set_header([
        "agent",
        "actions",
        "t0",
        "t1",
        "t2",
        "t3",
        "t4",
        "denied",
        "approval",
        "override",
        "validation fail",
        "rollback",
        "contained",
        "ttc median",
        "ttc max",
    ]);
    let mut row = |name: String, s: &Slo| {
        let r = s.rates();
        let mut cells = vec![name, s.actions.to_string()];
        cells.extend(s.actions_by_tier.iter().map(u64::to_string));
        cells.extend([
            pct(r.denied_action_rate),
            pct(r.approval_required_rate),
            pct(r.override_rate),
            pct(r.validation_failure_rate),
            pct(r.rollback_rate),
            (s.quarantines + s.stops).to_string(),
            secs(r.time_to_containment_median_s),
            secs(r.time_to_containment_max_s),
        ]);
        table.add_row(cells);
    };
    for (agent, s) in &stats.agents {
        row(truncate(&printable(agent), 32), s);
    }
    row("(all)".into(), &stats.overall);
    let window = match (stats.since, stats.until) {
        (None, None) => "all time".to_string(),
        (Some(s), None) => format!("since {}", format_time(s)),
        (None, Some(u)) => format!("until {}", format_time(u)),
        (Some(s), Some(u)) => format!("{} to {}", format_time(s), format_time(u)),
    };
    format!(
        "{table}\nWindow: {window}. Rates: denied and approval per action; override and rollback per apply; \
validation failure per validation run; ttc = time from the first denied action to containment.\n"
    )
}

fn slo_json(s: &Slo) -> Value {
    let r = s.rates();
    json!({
        "actions": s.actions,
        "actions_by_tier": {"0": s.actions_by_tier[0], "1": s.actions_by_tier[1], "2": s.actions_by_tier[2], "3": s.actions_by_tier[3], "4": s.actions_by_tier[4]},
        "denied": s.denied,
        "approval_required": s.approval_required,
        "applies": s.applies,
        "overrides": s.overrides,
        "validations": s.validations,
        "validation_failures": s.validation_failures,
        "rollbacks": s.rollbacks,
        "quarantines": s.quarantines,
        "stops": s.stops,
        "rates": r,
    })
}

pub fn stats_json(stats: &Stats) -> Value {
    json!({
        "version": VERSION,
        "since": stats.since.map(iso),
        "until": stats.until.map(iso),
        "overall": slo_json(&stats.overall),
        "agents": stats.agents.iter().map(|(a, s)| (a.clone(), slo_json(s))).collect::<serde_json::Map<_, _>>(),
    })
}

/// A Prometheus label value: backslash, quote and newline escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub fn stats_prometheus(stats: &Stats) -> String {
    let mut out = String::new();
    let all: Vec<(String, &Slo)> = stats
        .agents
        .iter()
        .map(|(a, s)| (label(a), s))
        .chain([("*".to_string(), &stats.overall)])
        .collect();
    let _ = writeln!(
        out,
        "# HELP agentgate_actions Actions decided in the window, by agent, tier and decision (agent \"*\" is all agents)."
    );
    let _ = writeln!(out, "# TYPE agentgate_actions gauge");
    for (agent, s) in &all {
        for (tier, n) in s.actions_by_tier.iter().enumerate() {
            let _ = writeln!(
                out,
                "agentgate_actions{{agent=\"{agent}\",tier=\"{tier}\"}} {n}"
            );
        }
    }
    type Gauge = (&'static str, &'static str, fn(&Slo) -> Option<f64>);
    let gauges: [Gauge; 7] = [
        (
            "agentgate_denied_action_ratio",
            "Denied actions per action.",
            |s| s.rates().denied_action_rate,
        ),
        (
            "agentgate_approval_required_ratio",
            "Actions needing approval per action.",
            |s| s.rates().approval_required_rate,
        ),
        ("agentgate_override_ratio", "Overrides per apply.", |s| {
            s.rates().override_rate
        }),
        (
            "agentgate_validation_failure_ratio",
            "Failed validations per validation run.",
            |s| s.rates().validation_failure_rate,
        ),
        ("agentgate_rollback_ratio", "Rollbacks per apply.", |s| {
            s.rates().rollback_rate
        }),
        (
            "agentgate_time_to_containment_median_seconds",
            "Median time from the first denied action to containment.",
            |s| s.rates().time_to_containment_median_s,
        ),
        (
            "agentgate_time_to_containment_max_seconds",
            "Longest time from the first denied action to containment.",
            |s| s.rates().time_to_containment_max_s,
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (agent, s) in &all {
            if let Some(v) = value(s) {
                let _ = writeln!(out, "{name}{{agent=\"{agent}\"}} {v}");
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP agentgate_containments Quarantines and kill-switch stops in the window."
    );
    let _ = writeln!(out, "# TYPE agentgate_containments gauge");
    for (agent, s) in &all {
        let _ = writeln!(
            out,
            "agentgate_containments{{agent=\"{agent}\"}} {}",
            s.quarantines + s.stops
        );
    }
    out
}

pub fn status_text(stop: Option<&Containment>, quarantined: &[Containment]) -> String {
    let mut out = String::new();
    match stop {
        Some(c) => {
            let _ = writeln!(
                out,
                "Kill switch: ON since {} (record {}, by {}): {}",
                format_time(c.time),
                c.record,
                printable(&c.actor),
                printable(&c.reason)
            );
        }
        None => out.push_str("Kill switch: off\n"),
    }
    if quarantined.is_empty() {
        out.push_str("Quarantined agents: none\n");
    } else {
        out.push_str("Quarantined agents:\n");
        for c in quarantined {
            let _ = writeln!(
                out,
                "  {}  since {} (record {}, by {}): {}",
                opt(&c.agent),
                format_time(c.time),
                c.record,
                printable(&c.actor),
                printable(&c.reason)
            );
        }
    }
    out
}

fn containment_json(c: &Containment) -> Value {
    json!({
        "agent": c.agent, "since": iso(c.time), "record": c.record, "actor": c.actor, "reason": c.reason,
    })
}

pub fn status_json(stop: Option<&Containment>, quarantined: &[Containment]) -> Value {
    json!({
        "version": VERSION,
        "kill_switch": stop.map(containment_json),
        "quarantined": quarantined.iter().map(containment_json).collect::<Vec<_>>(),
    })
}
