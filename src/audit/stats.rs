//! The semantic SLOs of `audit stats`, per agent and overall, computed from the trail's indexes
//! (never a full read of the records). Numbers only; `render` formats them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::store::{Millis, Store};
use crate::error::Error;

/// The kinds of record that count as a run of the gate, the denominators of the rates.
const EVENT_KINDS: &str = "'apply', 'override', 'validation', 'rollback', 'quarantine', 'stop'";

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Slo {
    /// Actions decided, by tier 0 to 4.
    pub actions_by_tier: [u64; 5],
    pub actions: u64,
    pub denied: u64,
    pub approval_required: u64,
    pub applies: u64,
    pub overrides: u64,
    pub validations: u64,
    pub validation_failures: u64,
    pub rollbacks: u64,
    pub quarantines: u64,
    pub stops: u64,
    /// Time from the first denied action to containment, one entry per containment that had one.
    #[serde(skip)]
    pub containment_ms: Vec<Millis>,
}

/// Rates as fractions (None when their denominator is zero).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rates {
    pub denied_action_rate: Option<f64>,
    pub approval_required_rate: Option<f64>,
    pub override_rate: Option<f64>,
    pub validation_failure_rate: Option<f64>,
    pub rollback_rate: Option<f64>,
    pub time_to_containment_median_s: Option<f64>,
    pub time_to_containment_max_s: Option<f64>,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl Slo {
    pub fn rates(&self) -> Rates {
        let mut ttc = self.containment_ms.clone();
        ttc.sort_unstable();
        let median = if ttc.is_empty() {
            None
        } else if ttc.len() % 2 == 1 {
            Some(ttc[ttc.len() / 2] as f64 / 1000.0)
        } else {
            Some((ttc[ttc.len() / 2 - 1] + ttc[ttc.len() / 2]) as f64 / 2000.0)
        };
        Rates {
            denied_action_rate: ratio(self.denied, self.actions),
            approval_required_rate: ratio(self.approval_required, self.actions),
            override_rate: ratio(self.overrides, self.applies),
            validation_failure_rate: ratio(self.validation_failures, self.validations),
            rollback_rate: ratio(self.rollbacks, self.applies),
            time_to_containment_median_s: median,
            time_to_containment_max_s: ttc.last().map(|m| *m as f64 / 1000.0),
        }
    }

    fn add(&mut self, other: &Slo) {
        for (a, b) in self.actions_by_tier.iter_mut().zip(other.actions_by_tier) {
            *a += b;
        }
        self.actions += other.actions;
        self.denied += other.denied;
        self.approval_required += other.approval_required;
        self.applies += other.applies;
        self.overrides += other.overrides;
        self.validations += other.validations;
        self.validation_failures += other.validation_failures;
        self.rollbacks += other.rollbacks;
        self.quarantines += other.quarantines;
        self.stops += other.stops;
        self.containment_ms.extend(&other.containment_ms);
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    pub overall: Slo,
    /// Per agent, by name; events about every agent (the kill switch) count only overall.
    pub agents: BTreeMap<String, Slo>,
}

/// Compute the SLOs of the records from `since` (inclusive) to `until` (exclusive).
pub fn stats(store: &Store, since: Option<Millis>, until: Option<Millis>) -> Result<Stats, Error> {
    let (from, to) = (since.unwrap_or(Millis::MIN), until.unwrap_or(Millis::MAX));
    let mut out = Stats {
        since,
        until,
        ..Stats::default()
    };
    let rows = store.query(
        "SELECT agent, tier, decision, count(*) FROM actions \
         WHERE time >= ?1 AND time < ?2 GROUP BY agent, tier, decision",
        from,
        to,
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        },
    )?;
    for (agent, tier, decision, n) in rows {
        let slo = out.agents.entry(agent).or_default();
        let n = n as u64;
        let tier = usize::try_from(tier).unwrap_or(4).min(4);
        slo.actions_by_tier[tier] += n;
        slo.actions += n;
        match decision.as_str() {
            "deny" => slo.denied += n,
            "approve" => slo.approval_required += n,
            _ => {}
        }
    }
    let events = store.query(
        &format!(
            "SELECT agent, kind, outcome, body FROM records \
             WHERE kind IN ({EVENT_KINDS}) AND time >= ?1 AND time < ?2"
        ),
        from,
        to,
        |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let mut global = Slo::default();
    for (agent, kind, outcome, body) in events {
        let slo = match agent {
            Some(a) => out.agents.entry(a).or_default(),
            None => &mut global,
        };
        match kind.as_str() {
            "apply" => slo.applies += 1,
            "override" => slo.overrides += 1,
            "validation" => {
                slo.validations += 1;
                if outcome.as_deref() == Some("failed") {
                    slo.validation_failures += 1;
                }
            }
            "rollback" => slo.rollbacks += 1,
            "quarantine" | "stop" => {
                if kind == "stop" {
                    slo.stops += 1;
                } else {
                    slo.quarantines += 1;
                }
                let ttc = serde_json::from_str::<Value>(&body)
                    .ok()
                    .and_then(|b| b.get("time_to_containment_ms").and_then(Value::as_i64));
                slo.containment_ms.extend(ttc);
            }
            _ => {}
        }
    }
    for slo in out.agents.values() {
        out.overall.add(slo);
    }
    out.overall.add(&global);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::store::{NewAction, NewRecord};
    use crate::secrets::Scanner;
    use serde_json::json;

    fn action(tier: u8, decision: &str) -> NewAction {
        NewAction {
            name: "a".into(),
            tool: "shell.exec".into(),
            target: "t".into(),
            tier,
            decision: decision.into(),
            rules: vec![],
            body: json!({}),
        }
    }

    #[test]
    fn rates_per_agent_and_overall() {
        let mut s = Store::in_memory("t")
            .unwrap()
            .with_clock(Box::new(|| 5_000));
        let records = vec![
            NewRecord {
                kind: "plan",
                agent: Some("a".into()),
                actions: vec![
                    action(0, "allow"),
                    action(3, "approve"),
                    action(4, "deny"),
                    action(1, "allow"),
                ],
                ..NewRecord::default()
            },
            NewRecord {
                kind: "plan",
                agent: Some("b".into()),
                actions: vec![action(2, "deny")],
                ..NewRecord::default()
            },
            NewRecord {
                kind: "quarantine",
                agent: Some("b".into()),
                body: json!({"time_to_containment_ms": 1500}),
                ..NewRecord::default()
            },
            NewRecord {
                kind: "stop",
                body: json!({"time_to_containment_ms": 3000}),
                ..NewRecord::default()
            },
        ];
        s.write(Scanner::builtin(), |w| {
            for r in records {
                w.append(r)?;
            }
            Ok(())
        })
        .unwrap();
        let st = stats(&s, None, None).unwrap();
        assert_eq!(st.overall.actions, 5);
        assert_eq!(st.overall.actions_by_tier, [1, 1, 1, 1, 1]);
        let r = st.overall.rates();
        assert_eq!(r.denied_action_rate, Some(0.4));
        assert_eq!(r.approval_required_rate, Some(0.2));
        assert_eq!(r.override_rate, None);
        assert_eq!(r.time_to_containment_median_s, Some(2.25));
        assert_eq!(r.time_to_containment_max_s, Some(3.0));
        assert_eq!(st.agents["a"].rates().denied_action_rate, Some(0.25));
        assert_eq!(st.agents["b"].quarantines, 1);
        assert_eq!(stats(&s, Some(6_000), None).unwrap().overall.actions, 0);
    }
}
