//! Containment at decision time: the kill switch, quarantines, and the policy's limits (operating
//! hours, rate and denial circuit breakers) turned into deny findings on an evaluation. It reads
//! and writes the trail through one [`Writer`], so the check and the record are one atomic step.

use serde_json::{Value, json};

use crate::audit::record::containment_record;
use crate::audit::store::{Containment, Millis, Writer};
use crate::decision::{Decision, Level};
use crate::error::Error;
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

/// Apply containment to `eval` inside the write transaction `w`: deny what the kill switch, a
/// quarantine or a limit forbids, and work out whether a circuit breaker trips.
pub fn guard(
    w: &Writer<'_>,
    policy: &PolicySet,
    eval: &mut Evaluation<'_>,
) -> Result<Verdict, Error> {
    let agent = eval.plan.agent.clone();
    let mut verdict = Verdict::default();
    if let Some(c) = w.containment(Some(&agent))? {
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
            let recent = w.count_actions(&agent, window_start(now, rate.per), false)?;
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
            let recent = w.count_actions(&agent, window_start(now, denials.per), true)?;
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
            "by": BREAKER_ACTOR,
            "time_to_containment_ms": first.map(|t| w.now() - t),
        }),
    );
    record.run = Some(run);
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
