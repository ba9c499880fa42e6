//! Containment at decision time: the kill switch, quarantines, and the policy's limits (operating
//! hours, rate and denial circuit breakers) turned into deny findings on an evaluation. It reads
//! and writes the trail through one [`Writer`], so the check and the record are one atomic step.

use serde_json::{Value, json};

use crate::audit::record::containment_record;
use crate::audit::store::{Containment, Millis, Writer};
use crate::decision::{Decision, Level};
use crate::error::{Diagnostic, Error};
use crate::evaluate::{Evaluation, Finding};
use crate::policy::PolicySet;

/// The actor recorded for quarantines the circuit breakers impose.
pub const BREAKER_ACTOR: &str = "circuit-breaker";

/// What containment did to one evaluation, for the output and the record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// The kill switch or quarantine that denied the plan.
    pub contained: Option<Containment>,
    /// Limits that denied actions or tripped, each as (limit id, what happened).
    pub limits: Vec<(String, String)>,
    /// A quarantine this evaluation tripped (recorded after the plan's own record).
    pub trips: Option<String>,
}

impl Verdict {
    /// The record body's `containment` part.
    pub fn to_json(&self) -> Value {
        json!({
            "contained": self.contained.as_ref().map(|c| json!({
                "kind": c.kind, "agent": c.agent, "record": c.record, "actor": c.actor, "reason": c.reason,
            })),
            "limits": self.limits.iter().map(|(id, what)| json!({"limit": id, "what": what})).collect::<Vec<_>>(),
            "tripped": self.trips,
        })
    }
}

/// The trail stores agent names redacted; a name that holds a secret could never be matched
/// against its own quarantine or counts, so such a plan is refused rather than let through.
pub fn recordable_agent(plan: &crate::plan::Plan, policy: &PolicySet) -> Result<(), Error> {
    if policy.scanner().contains_secret(&plan.agent) {
        return Err(Error::Input(
            Diagnostic::new(
                &plan.origin,
                "the plan's `agent` contains what looks like a secret; refused (an agent name \
                 must be recordable as it is)",
            )
            .subject("agent"),
        ));
    }
    Ok(())
}

/// Apply containment to `eval` inside the write transaction `w`: deny what the kill switch, a
/// quarantine or a limit forbids, and work out whether a circuit breaker trips.
pub fn guard(
    w: &Writer<'_>,
    policy: &PolicySet,
    eval: &mut Evaluation<'_>,
) -> Result<Verdict, Error> {
    let agent = eval.plan.agent.clone();
    recordable_agent(eval.plan, policy)?;
    let mut verdict = Verdict::default();
    if let Some(mut c) = w.containment(Some(&agent))? {
        // Stored with another command's scanner: redact again with this policy's patterns.
        c.reason = policy.scanner().redact(&c.reason).into_owned();
        let (rule, what) = if c.kind == "stop" {
            ("kill-switch", "the kill switch is on".to_string())
        } else {
            ("quarantine", format!("agent `{agent}` is quarantined"))
        };
        let message = format!(
            "{what} since {} (record {}, by {}): {}",
            format_time(c.time),
            c.record,
            c.actor,
            if c.reason.is_empty() {
                "no reason given"
            } else {
                &c.reason
            }
        );
        let remediation = if c.kind == "stop" {
            "on-call lifts it with `agentgate resume`".to_string()
        } else {
            format!("on-call lifts it with `agentgate release {agent}`")
        };
        deny_all(
            eval,
            rule,
            &message,
            Some(remediation),
            "audit trail",
            |_| true,
        );
        eval.contained = Some(message);
        verdict.contained = Some(c);
        return Ok(verdict);
    }
    let now = w.now();
    let at = jiff::Timestamp::from_millisecond(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let proposed = eval.all().count() as u64;
    // A release starts the breakers afresh: the denials that tripped one must not trip it again.
    let released = w.last_release(&agent)?;
    let window_start = |per| window_start(now, per).max(released.map_or(Millis::MIN, |t| t + 1));
    for limit in policy.limits_for(&agent) {
        if let Some(hours) = &limit.hours
            && !hours.contains(at)
        {
            let message = format!(
                "outside the operating hours of agent `{agent}` ({}), writes are denied",
                hours.describe()
            );
            let denied = deny_all(eval, &limit.id, &message, None, &limit.source, |a| {
                a.tier.value() >= 1
            });
            if denied > 0 {
                verdict.limits.push((
                    limit.id.clone(),
                    format!("{denied} write(s) outside {}", hours.describe()),
                ));
            }
        }
        if let Some(rate) = &limit.rate {
            let recent = w.count_actions(&agent, window_start(rate.per), false)?;
            if recent + proposed > rate.max {
                let what = format!(
                    "{} actions proposed in the last {} (limit {})",
                    recent + proposed,
                    rate.text,
                    rate.describe()
                );
                let message =
                    format!("rate limit exceeded: {what}; agent `{agent}` is quarantined");
                deny_all(eval, &limit.id, &message, None, &limit.source, |_| true);
                eval.contained.get_or_insert(message);
                verdict.limits.push((limit.id.clone(), what.clone()));
                verdict
                    .trips
                    .get_or_insert(format!("limit `{}`: {what}", limit.id));
            }
        }
    }
    eval.decision = eval.all().map(|a| a.decision).max().unwrap_or_default();
    for limit in policy.limits_for(&agent) {
        if let Some(denials) = &limit.denials {
            let denied_now = eval.all().filter(|a| a.decision == Decision::Deny).count() as u64;
            if denied_now == 0 {
                continue;
            }
            let recent = w.count_actions(&agent, window_start(denials.per), true)?;
            if recent + denied_now > denials.max {
                let what = format!(
                    "{} denied actions in the last {} (limit {})",
                    recent + denied_now,
                    denials.text,
                    denials.describe()
                );
                verdict.limits.push((limit.id.clone(), what.clone()));
                verdict
                    .trips
                    .get_or_insert(format!("limit `{}`: {what}", limit.id));
                eval.contained.get_or_insert(format!(
                    "circuit breaker `{}` tripped ({what}); agent `{agent}` is now quarantined",
                    limit.id
                ));
            }
        }
    }
    Ok(verdict)
}

/// Record the quarantine a verdict tripped, as part of `run`.
pub fn record_trip(
    w: &mut Writer<'_>,
    agent: &str,
    run: i64,
    verdict: &Verdict,
) -> Result<(), Error> {
    let Some(reason) = &verdict.trips else {
        return Ok(());
    };
    let first = w.first_denial(Some(agent))?;
    let mut record = containment_record(
        "quarantine",
        Some(agent),
        Some(&format!("circuit breaker: {reason}")),
        json!({
            "run_by": w.actor(),
            "time_to_containment_ms": first.map(|t| w.now() - t),
        }),
    );
    record.run = Some(run);
    record.actor = Some(BREAKER_ACTOR.to_string());
    w.append(record).map(|_| ())
}

fn window_start(now: Millis, per: std::time::Duration) -> Millis {
    now.saturating_sub(i64::try_from(per.as_millis()).unwrap_or(i64::MAX))
}

/// Add a hard-mandatory deny finding to every action `which` selects; returns how many.
fn deny_all(
    eval: &mut Evaluation<'_>,
    rule: &str,
    message: &str,
    remediation: Option<String>,
    source: &str,
    which: impl Fn(&crate::evaluate::ActionEval<'_>) -> bool,
) -> usize {
    let mut n = 0;
    for a in eval.actions.iter_mut().chain(eval.checks.iter_mut()) {
        if !which(a) {
            continue;
        }
        a.findings.push(Finding {
            rule: rule.to_string(),
            level: Level::HardMandatory,
            effect: "deny",
            tier: None,
            message: message.to_string(),
            remediation: remediation.clone(),
            source: source.to_string(),
            item: None,
        });
        a.decision = Decision::Deny;
        n += 1;
    }
    // An empty plan is denied too: containment stops the agent, not only its actions.
    eval.decision = if n > 0 || eval.actions.is_empty() && rule_is_containment(rule) {
        Decision::Deny
    } else {
        eval.decision
    };
    n
}

fn rule_is_containment(rule: &str) -> bool {
    rule == "kill-switch" || rule == "quarantine"
}

/// A record time for people: RFC 3339 in UTC, to the second.
pub fn format_time(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| ms.to_string())
}

/// The last step of every gate decision, inside one write transaction: apply containment to
/// `eval`, append its record (continuing `run` if given), and record any quarantine it tripped.
/// Returns the record's id, also left in `eval.record`.
pub fn decide_and_record(
    w: &mut Writer<'_>,
    kind: &'static str,
    policy: &PolicySet,
    eval: &mut Evaluation<'_>,
    run: Option<i64>,
) -> Result<i64, Error> {
    let verdict = guard(w, policy, eval)?;
    let mut record =
        crate::audit::record::gate_record(kind, eval, json!({"containment": verdict.to_json()}));
    record.run = run;
    let id = w.append(record)?;
    eval.record = Some(id);
    record_trip(w, &eval.plan.agent, run.unwrap_or(id), &verdict)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Store;
    use crate::plan::Plan;
    use crate::policy::PolicyFile;
    use crate::workspace::Workspace;

    /// 2027-01-15T08:00:00Z, a Friday.
    const NOW: Millis = 1_800_000_000_000;

    /// The shipped pack, a rule that denies `rm`, and `limits`.
    fn policy(limits: &str) -> PolicySet {
        let mut files: Vec<PolicyFile> = crate::policy::embedded::POLICY_FILES
            .iter()
            .filter(|(name, _)| !name.ends_with("limits.yaml"))
            .map(|(name, text)| PolicyFile {
                name: name.to_string(),
                text: text.to_string(),
            })
            .collect();
        files.push(PolicyFile {
            name: "test.yaml".into(),
            text: format!(
                "version: 1\nrules:\n  - id: no-rm\n    why: test\n    match: {{tool: shell.exec, program: rm}}\n    deny: true\nlimits:\n{limits}"
            ),
        });
        PolicySet::without_example_check(files, "test".into()).unwrap()
    }

    fn store() -> Store {
        Store::in_memory("t").unwrap().with_clock(Box::new(|| NOW))
    }

    /// Decide a plan of `commands` for `agent`: its decision and why containment denied it.
    fn decide(
        store: &mut Store,
        policy: &PolicySet,
        agent: &str,
        commands: &[&str],
    ) -> (Decision, Option<String>) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let mut text = format!("version: 1\nagent: {agent}\nactions:\n");
        if commands.is_empty() {
            text.push_str("  []\n");
        }
        for (i, c) in commands.iter().enumerate() {
            text.push_str(&format!(
                "  - {{id: a{i}, tool: shell.exec, command: '{c}'}}\n"
            ));
        }
        let plan = Plan::parse(&text, "p.yaml", &|p| ws.resolve(p)).unwrap();
        let mut eval =
            crate::evaluate::evaluate(&plan, policy, &ws, jiff::civil::date(2026, 11, 21)).unwrap();
        store
            .write(crate::secrets::Scanner::builtin(), |w| {
                decide_and_record(w, "plan", policy, &mut eval, None)
            })
            .unwrap();
        (eval.decision, eval.contained.clone())
    }

    fn append(store: &mut Store, kind: &'static str, agent: Option<&str>) {
        store
            .write(crate::secrets::Scanner::builtin(), |w| {
                w.append(containment_record(kind, agent, Some("test"), json!({})))
            })
            .unwrap();
    }

    #[test]
    fn the_rate_breaker_quarantines_and_a_release_starts_afresh() {
        let mut store = store();
        let p = policy("  - id: rate\n    why: t\n    rate: {max: 3, per: 1h}\n");
        assert_eq!(
            decide(&mut store, &p, "bot", &["ls", "ls"]).0,
            Decision::Allow
        );
        let (d, why) = decide(&mut store, &p, "bot", &["ls", "ls"]);
        assert_eq!(d, Decision::Deny);
        let why = why.unwrap();
        assert!(
            why.contains("rate limit exceeded: 4 actions proposed in the last 1h"),
            "{why}"
        );
        let q = store.containment(Some("bot")).unwrap().unwrap();
        assert_eq!(
            (q.kind.as_str(), q.actor.as_str()),
            ("quarantine", BREAKER_ACTOR)
        );
        assert!(
            q.reason.starts_with("circuit breaker: limit `rate`"),
            "{}",
            q.reason
        );
        // Quarantined: even one read is denied; another agent is not.
        assert_eq!(decide(&mut store, &p, "bot", &["ls"]).0, Decision::Deny);
        assert_eq!(decide(&mut store, &p, "other", &["ls"]).0, Decision::Allow);
        append(&mut store, "release", Some("bot"));
        // A millisecond later, well inside the hour: only the release resets the count.
        let mut store = store.with_clock(Box::new(|| NOW + 1));
        assert_eq!(
            decide(&mut store, &p, "bot", &["ls", "ls", "ls"]).0,
            Decision::Allow
        );
    }

    #[test]
    fn the_denial_breaker_trips_past_its_threshold() {
        let mut store = store();
        let p = policy("  - id: denials\n    why: t\n    denials: {max: 2, per: 1h}\n");
        assert_eq!(
            decide(&mut store, &p, "bot", &["rm a", "rm b"]).0,
            Decision::Deny
        );
        assert!(store.containment(Some("bot")).unwrap().is_none());
        assert_eq!(decide(&mut store, &p, "bot", &["rm c"]).0, Decision::Deny);
        let q = store.containment(Some("bot")).unwrap().unwrap();
        assert!(
            q.reason.contains("3 denied actions in the last 1h"),
            "{}",
            q.reason
        );
    }

    #[test]
    fn outside_operating_hours_writes_are_denied_and_reads_are_not() {
        let mut store = store();
        let monday = policy(
            "  - id: hours\n    why: t\n    hours: {days: [mon], from: \"09:00\", to: \"17:00\"}\n",
        );
        assert_eq!(
            decide(&mut store, &monday, "bot", &["ls"]).0,
            Decision::Allow
        );
        let (d, _) = decide(&mut store, &monday, "bot", &["mkdir x"]);
        assert_eq!(d, Decision::Deny);
        let friday = policy(
            "  - id: hours\n    why: t\n    hours: {days: [fri], from: \"07:00\", to: \"09:00\"}\n",
        );
        assert_eq!(
            decide(&mut store, &friday, "bot", &["mkdir x"]).0,
            Decision::Allow
        );
    }

    #[test]
    fn denials_the_kill_switch_caused_do_not_trip_a_breaker_after_resume() {
        let mut store = store();
        let p = policy("  - id: denials\n    why: t\n    denials: {max: 3, per: 1h}\n");
        append(&mut store, "stop", None);
        assert_eq!(
            decide(&mut store, &p, "bot", &["ls", "ls"]).0,
            Decision::Deny
        );
        assert_eq!(
            decide(&mut store, &p, "bot", &["ls", "ls"]).0,
            Decision::Deny
        );
        append(&mut store, "resume", None);
        let mut store = store.with_clock(Box::new(|| NOW + 1));
        assert_eq!(decide(&mut store, &p, "bot", &["rm a"]).0, Decision::Deny);
        assert!(store.containment(Some("bot")).unwrap().is_none());
    }

    #[test]
    fn the_kill_switch_denies_even_an_empty_plan() {
        let mut store = store();
        let p = policy("  - id: rate\n    why: t\n    rate: {max: 100, per: 1h}\n");
        append(&mut store, "stop", None);
        let (d, why) = decide(&mut store, &p, "bot", &[]);
        assert_eq!(d, Decision::Deny);
        assert!(why.unwrap().contains("the kill switch is on"));
    }
}
