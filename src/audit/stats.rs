//! The semantic SLOs of `audit stats`, per agent and overall, computed from the trail's indexes
//! (never a full read of the records). Numbers only; `render` formats them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::store::{Millis, Store};
use crate::error::Error;

/// The kinds of record the rates count besides actions.
const EVENT_KINDS: &str = "'apply', 'override', 'validation', 'rollback', 'quarantine', 'stop'";

/// Milliseconds in a day: the daily counts' unit.
const DAY: i64 = 86_400_000;

/// The window `[?1, ?2)` as `f`, `t`, and the whole days inside it, `[df, dt)`.
const BOUNDS: &str =
    "b(f, t, df, dt) AS (SELECT ?1, ?2, (?1 + 86399999) / 86400000, ?2 / 86400000)";

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
    // Whole days from the daily counts, the partial days at either edge from the rows.
    let rows = store.query(
        &format!(
            "WITH {BOUNDS} \
             SELECT agent, tier, decision, n FROM action_days, b WHERE day >= df AND day < dt \
             UNION ALL SELECT agent, tier, decision, 1 FROM b, actions \
                 WHERE time >= f AND time < min(t, df * {DAY}) \
             UNION ALL SELECT agent, tier, decision, 1 FROM b, actions \
                 WHERE df <= dt AND time >= max(f, dt * {DAY}) AND time < t"
        ),
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
            "WITH {BOUNDS} \
             SELECT agent, kind, outcome, n FROM record_days, b \
                 WHERE kind IN ({EVENT_KINDS}) AND day >= df AND day < dt \
             UNION ALL SELECT coalesce(agent, ''), kind, coalesce(outcome, ''), 1 FROM b, records \
                 WHERE kind IN ({EVENT_KINDS}) AND time >= f AND time < min(t, df * {DAY}) \
             UNION ALL SELECT coalesce(agent, ''), kind, coalesce(outcome, ''), 1 FROM b, records \
                 WHERE kind IN ({EVENT_KINDS}) AND df <= dt AND time >= max(f, dt * {DAY}) AND time < t"
        ),
        from,
        to,
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        },
    )?;
    let mut global = Slo::default();
    for (agent, kind, outcome, n) in events {
        let slo = if agent.is_empty() {
            &mut global
        } else {
            out.agents.entry(agent).or_default()
        };
        let n = n as u64;
        match kind.as_str() {
            // `started` claims a sealed plan, `refused` and `waiting` never executed anything.
            "apply" if matches!(outcome.as_str(), "applied" | "failed" | "cancelled") => {
                slo.applies += n
            }
            "override" => slo.overrides += n,
            "validation" => {
                slo.validations += n;
                if outcome == "failed" {
                    slo.validation_failures += n;
                }
            }
            "rollback" => slo.rollbacks += n,
            "quarantine" => slo.quarantines += n,
            "stop" => slo.stops += n,
            _ => {}
        }
    }
    // Time to containment is in the bodies of the (few) containment records.
    let contained = store.query(
        "SELECT coalesce(agent, ''), body FROM records \
         WHERE kind IN ('quarantine', 'stop') AND time >= ?1 AND time < ?2",
        from,
        to,
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    for (agent, body) in contained {
        let ttc = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|b| b.get("time_to_containment_ms").and_then(Value::as_i64));
        let slo = if agent.is_empty() {
            &mut global
        } else {
            out.agents.entry(agent).or_default()
        };
        slo.containment_ms.extend(ttc);
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

    #[test]
    fn windows_across_days_count_every_action_once() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicI64, Ordering};
        let now = Arc::new(AtomicI64::new(0));
        let clock = Arc::clone(&now);
        let mut s = Store::in_memory("t")
            .unwrap()
            .with_clock(Box::new(move || clock.load(Ordering::SeqCst)));
        // One action every 7 hours for 10 days, straddling day boundaries.
        let mut times = Vec::new();
        for i in 0..35i64 {
            let t = 1_700_000_000_000 + i * 7 * 3_600_000;
            now.store(t, Ordering::SeqCst);
            times.push(t);
            s.write(Scanner::builtin(), |w| {
                w.append(NewRecord {
                    kind: "plan",
                    agent: Some("a".into()),
                    actions: vec![action((i % 5) as u8, "allow")],
                    ..NewRecord::default()
                })
            })
            .unwrap();
        }
        let day = 86_400_000;
        let windows = [
            (None, None),
            (Some(times[3]), None),
            (Some(times[3] + 1), Some(times[30])),
            (Some(times[10] - day), Some(times[10] + day)),
            (Some(times[5]), Some(times[6])),
            (Some(times[5] + 1), Some(times[5] + 2)),
            (None, Some(times[20])),
        ];
        for (since, until) in windows {
            let expected = times
                .iter()
                .filter(|t| since.is_none_or(|s| **t >= s) && until.is_none_or(|u| **t < u))
                .count() as u64;
            let got = stats(&s, since, until).unwrap().overall;
            assert_eq!(got.actions, expected, "{since:?}..{until:?}");
            assert_eq!(got.actions_by_tier.iter().sum::<u64>(), expected);
        }
        assert_eq!(s.verify(None).unwrap().broken, None);
    }
}
