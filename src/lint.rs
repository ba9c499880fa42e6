//! `policy lint`: what loads but is probably wrong. Shadowed rules (every example of a rule also
//! fires a stricter one), rules without examples, unused surfaces, expired exceptions,
//! classifications that would lower a whole chained command, and denial thresholds that cannot trip.

use std::fmt;

use serde_json::{Value, json};

use crate::policy::PolicySet;
use crate::policy::rule::{Effect, Source};

#[derive(Debug, Clone)]
pub struct Problem {
    pub source: Source,
    pub subject: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.subject, self.message)
    }
}

pub fn lint(set: &PolicySet, today: jiff::civil::Date) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |source: &Source, subject: String, message: String| {
        out.push(Problem {
            source: source.clone(),
            subject,
            message,
        });
    };
    for rule in &set.rules {
        let subject = format!("rule `{}`", rule.id);
        if !rule.examples.iter().any(|e| e.expect_match) {
            push(
                &rule.source,
                subject.clone(),
                "has no `match` example; add one so the rule is tested".into(),
            );
        }
        if !rule.examples.iter().any(|e| !e.expect_match) {
            push(
                &rule.source,
                subject.clone(),
                "has no `not_match` example; add a look-alike that must not fire".into(),
            );
        }
        if matches!(rule.effect, Effect::Classify(_)) && reads_whole_command(&rule.matcher) {
            push(
                &rule.source,
                subject.clone(),
                "classifies on the whole `command` text: in `a && b` it would lower `b` too; match `program` instead".into(),
            );
        }
        let positives: Vec<_> = rule.examples.iter().filter(|e| e.expect_match).collect();
        if matches!(rule.effect, Effect::Classify(_)) || positives.is_empty() {
            continue;
        }
        for other in &set.rules {
            if other.id == rule.id || matches!(other.effect, Effect::Classify(_)) {
                continue;
            }
            let as_strict =
                other.effect.strictness() >= rule.effect.strictness() && other.level >= rule.level;
            let same_matcher = other.matcher == rule.matcher;
            if as_strict && (same_matcher || positives.iter().all(|e| set.rule_matches(other, e))) {
                push(
                    &rule.source,
                    subject.clone(),
                    format!(
                        "is shadowed by `{}` ({}): everything it matches also fires that rule, which is at least as strict",
                        other.id, other.source
                    ),
                );
                break;
            }
        }
    }
    for surface in &set.surfaces {
        let used = set
            .rules
            .iter()
            .any(|r| mentions_surface(&r.matcher, &surface.name));
        if !used {
            push(
                &surface.source,
                format!("surface `{}`", surface.name),
                "no rule refers to it".into(),
            );
        }
    }
    for e in &set.exceptions {
        if !e.active(today) {
            push(
                &e.source,
                format!("exception for `{}`", e.rule),
                format!(
                    "expired on {}; it no longer applies: remove or renew it",
                    e.expires
                ),
            );
        }
    }
    for limit in &set.limits {
        // Every denial is a proposed action: when the denials window is no longer than the rate
        // window and allows as many, the rate trips first, always.
        if let (Some(rate), Some(denials)) = (&limit.rate, &limit.denials)
            && denials.max >= rate.max
            && denials.per <= rate.per
        {
            // A limit's source is already rendered `file:line`; line 0 prints it as it is.
            let source = Source {
                file: limit.source.clone(),
                line: 0,
            };
            push(
                &source,
                format!("limit `{}`", limit.id),
                format!(
                    "`denials` ({}) can never trip before `rate` ({}) does: every denial is also an action; lower `denials.max`",
                    denials.describe(),
                    rate.describe()
                ),
            );
        }
    }
    out
}

fn reads_whole_command(matcher: &Value) -> bool {
    match matcher {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k == "command" || reads_whole_command(v)),
        Value::Array(items) => items.iter().any(reads_whole_command),
        _ => false,
    }
}

fn mentions_surface(matcher: &Value, name: &str) -> bool {
    match matcher {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (k == "surface"
                && (v.as_str() == Some(name)
                    || v.as_array()
                        .is_some_and(|a| a.iter().any(|i| i.as_str() == Some(name)))))
                || mentions_surface(v, name)
        }),
        Value::Array(items) => items.iter().any(|i| mentions_surface(i, name)),
        _ => false,
    }
}

pub fn json(problems: &[Problem]) -> Value {
    json!(problems
        .iter()
        .map(|p| json!({"source": p.source.to_string(), "subject": p.subject, "message": p.message}))
        .collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyFile;

    fn problems(limits: &str) -> Vec<Problem> {
        let files = vec![PolicyFile {
            name: "p.yaml".into(),
            text: format!("limits:\n  - id: l\n    why: w\n{limits}"),
        }];
        let set = PolicySet::from_files(files, "test".into()).unwrap();
        lint(&set, jiff::civil::date(2026, 1, 1))
    }

    #[test]
    fn denials_that_cannot_trip_before_the_rate() {
        let p = problems("    rate: {max: 10, per: 1h}\n    denials: {max: 10, per: 10m}\n");
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0].to_string(),
            "p.yaml:2: limit `l`: `denials` (10 per 10m) can never trip before `rate` (10 per 1h) does: every denial is also an action; lower `denials.max`"
        );
        assert!(
            problems("    rate: {max: 10, per: 1h}\n    denials: {max: 9, per: 1h}\n").is_empty()
        );
        assert!(
            problems("    rate: {max: 10, per: 1m}\n    denials: {max: 20, per: 1h}\n").is_empty()
        );
        assert!(problems("    denials: {max: 20, per: 1h}\n").is_empty());
    }
}
