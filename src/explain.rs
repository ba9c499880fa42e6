//! `policy explain`: one rule, secret kind, surface or limit as a policy author reads it.

use std::fmt::Write;

use crate::plan::ActionKind;
use crate::policy::PolicySet;
use crate::policy::rule::Effect;

/// The explanation of `id`, or None when the policy set has no such rule, secret or surface.
pub fn rule(set: &PolicySet, id: &str) -> Option<String> {
    let mut out = String::new();
    if let Some(rule) = set.rule(id) {
        let effect = match rule.effect {
            Effect::Tier(t) => format!("raise the tier to at least {t} ({})", t.meaning()),
            Effect::Classify(t) => {
                format!("classify as tier {t} ({}), which may lower it", t.meaning())
            }
            Effect::Deny => "deny".to_string(),
        };
        let _ = writeln!(out, "rule {}  ({})", rule.id, rule.source);
        let _ = writeln!(out, "why:     {}", rule.why);
        let _ = writeln!(out, "effect:  {effect}");
        if !matches!(rule.effect, Effect::Classify(_)) {
            let _ = writeln!(out, "level:   {}", rule.level);
        }
        let _ = writeln!(out, "message: {}", rule.message);
        if let Some(r) = &rule.remediation {
            let _ = writeln!(out, "fix:     {r}");
        }
        let _ = writeln!(
            out,
            "match:\n{}",
            indent(&serde_json::to_string_pretty(&rule.matcher).unwrap_or_default())
        );
        for ex in &rule.examples {
            let _ = writeln!(
                out,
                "{}: {}  ({})",
                if ex.expect_match {
                    "match"
                } else {
                    "not_match"
                },
                example_text(&ex.kind),
                ex.source
            );
        }
        for e in set.exceptions.iter().filter(|e| e.rule == rule.id) {
            let _ = writeln!(
                out,
                "exception until {}: {} ({})",
                e.expires, e.reason, e.source
            );
        }
        return Some(out);
    }
    if let Some(secret) = set.secret_rules.iter().find(|s| s.id == id || s.kind == id) {
        let _ = writeln!(out, "secret {}  ({})", secret.id, secret.source);
        let _ = writeln!(out, "why:     {}", secret.why);
        let _ = writeln!(out, "effect:  deny\nlevel:   {}", secret.level);
        let _ = writeln!(
            out,
            "scans:   file contents, commands, environment values, SQL, URLs, headers, bodies, call arguments"
        );
        return Some(out);
    }
    if let Some(surface) = set.surfaces.iter().find(|s| s.name == id) {
        let _ = writeln!(out, "surface {}  ({})", surface.name, surface.source);
        let _ = writeln!(out, "why:     {}", surface.why);
        let _ = writeln!(
            out,
            "match:\n{}",
            indent(&serde_json::to_string_pretty(&surface.matcher).unwrap_or_default())
        );
        return Some(out);
    }
    if let Some(limit) = set.limits.iter().find(|l| l.id == id) {
        let _ = writeln!(out, "limit {}  ({})", limit.id, limit.source);
        let _ = writeln!(out, "why:     {}", limit.why);
        let _ = writeln!(out, "agents:  {}", limit.agents.join(", "));
        if let Some(rate) = &limit.rate {
            let _ = writeln!(
                out,
                "rate:    more than {} actions proposed in {} denies the plan and quarantines the agent",
                rate.max, rate.text
            );
        }
        if let Some(denials) = &limit.denials {
            let _ = writeln!(
                out,
                "denials: more than {} denied actions in {} quarantines the agent",
                denials.max, denials.text
            );
        }
        if let Some(hours) = &limit.hours {
            let _ = writeln!(
                out,
                "hours:   {}; outside them writes (tier 1 and up) are denied",
                hours.describe()
            );
        }
        return Some(out);
    }
    None
}

fn example_text(kind: &ActionKind) -> String {
    kind.to_json().to_string()
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
