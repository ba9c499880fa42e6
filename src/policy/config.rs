//! Policy files as written (raw serde types with positions) and their validation into a
//! [`PolicySet`]: phase one deserializes, phase two checks every reference and compiles matchers.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::limits::{self, Hours, Limit, Window};
use super::matcher::SlotsBuilder;
use super::rule::{Effect, Example, Exception, Rule, SecretRule, Source, Surface};
use super::{PolicyFile, PolicySet};
use crate::decision::{Level, Tier};
use crate::error::Diagnostic;
use crate::plan::{ActionKind, ContextItem, RawAction, TOOLS, Trust, example_action};

/// The agent an example is proposed by, unless it says otherwise.
pub const EXAMPLE_AGENT: &str = "example-agent";
use crate::secrets::{PatternSpec, Scanner, builtin_specs};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicyFile {
    #[serde(default)]
    version: Option<Spanned<u64>>,
    #[serde(default)]
    surfaces: BTreeMap<String, Spanned<RawSurface>>,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
    #[serde(default)]
    secrets: Vec<Spanned<RawSecret>>,
    #[serde(default)]
    limits: Vec<Spanned<RawLimit>>,
    #[serde(default)]
    auto_approve: Option<Spanned<RawAutoApprove>>,
}

/// How far `apply --auto-approve` may go.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAutoApprove {
    max_tier: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurface {
    why: String,
    #[serde(rename = "match")]
    matcher: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    why: String,
    #[serde(rename = "match")]
    matcher: Value,
    #[serde(default)]
    tier: Option<u8>,
    #[serde(default)]
    classify: Option<u8>,
    #[serde(default)]
    deny: Option<bool>,
    #[serde(default)]
    level: Option<Level>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    remediation: Option<String>,
    #[serde(default)]
    examples: Option<RawExamples>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExamples {
    #[serde(default, rename = "match")]
    matches: Vec<Spanned<Value>>,
    #[serde(default)]
    not_match: Vec<Spanned<Value>>,
}

/// An example with the plan around it, for rules on `agent` or `context`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExampleInPlan {
    action: RawAction,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    context: Vec<RawExampleContext>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExampleContext {
    id: String,
    #[serde(default)]
    source: Option<String>,
    trust: Trust,
}

/// An example is an action, or `{action, agent, context}`.
fn example(value: &Value) -> Result<(ActionKind, String, Vec<ContextItem>), String> {
    let in_plan = value.as_object().is_some_and(|m| m.contains_key("action"));
    let (raw, agent, context) = if in_plan {
        let e: RawExampleInPlan =
            serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        let context = e
            .context
            .into_iter()
            .map(|c| ContextItem {
                id: c.id,
                source: c.source,
                trust: c.trust,
            })
            .collect();
        (
            e.action,
            e.agent.unwrap_or_else(|| EXAMPLE_AGENT.into()),
            context,
        )
    } else {
        let raw: RawAction = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        (raw, EXAMPLE_AGENT.into(), Vec::new())
    };
    let (_, _, kind) = example_action(raw)?;
    Ok((kind, agent, context))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    rule: String,
    reason: String,
    expires: String,
    #[serde(default)]
    scope: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecret {
    id: String,
    why: String,
    /// A custom pattern; absent to configure a built-in kind.
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    level: Option<Level>,
    #[serde(default)]
    examples: Option<RawSecretExamples>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecretExamples {
    #[serde(default, rename = "match")]
    matches: Vec<Spanned<String>>,
    #[serde(default)]
    not_match: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    /// Optional here so that a missing one is reported at the entry, with every other error.
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    why: Option<String>,
    /// A glob or a list of globs on the agent name.
    #[serde(default)]
    agents: Option<Spanned<Value>>,
    #[serde(default)]
    rate: Option<RawWindow>,
    #[serde(default)]
    denials: Option<RawWindow>,
    #[serde(default)]
    hours: Option<Spanned<RawHours>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    max: Spanned<u64>,
    per: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHours {
    #[serde(default)]
    days: Option<Vec<Spanned<String>>>,
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    timezone: Option<Spanned<String>>,
}

/// Provider formats and key material deny without override; the heuristic kinds can be
/// overridden by a person with a reason, because they have false positives.
fn builtin_level(kind: &str) -> Level {
    match kind {
        "password-assignment"
        | "cli-password"
        | "connection-string"
        | "generic-high-entropy"
        | "stripe-test-key" => Level::SoftMandatory,
        _ => Level::HardMandatory,
    }
}

struct Collector<'f> {
    file: &'f str,
    errors: Vec<Diagnostic>,
}

impl Collector<'_> {
    fn err(&mut self, line: u64, column: u64, subject: Option<&str>, message: impl Into<String>) {
        let mut d = Diagnostic::new(self.file, message).at(line, column);
        if let Some(s) = subject {
            d = d.subject(s);
        }
        self.errors.push(d);
    }
}

/// Phase two: validate every file together into a policy set, or list every problem found.
/// `lazy` defers building the regex and glob sets to their first use (the embedded pack, whose
/// sets the test suite builds); a policy folder's are built here, so a bad pattern stops the load.
pub(super) fn build(
    files: Vec<PolicyFile>,
    hash: String,
    origin: String,
    lazy: bool,
) -> Result<PolicySet, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for file in &files {
        match crate::yaml::from_str::<RawPolicyFile>(&file.text, &file.name) {
            Ok(raw) => parsed.push((file.name.clone(), raw)),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut slots = SlotsBuilder::default();
    // Surfaces first: rules refer to them by name.
    let mut surface_index: HashMap<String, usize> = HashMap::new();
    let mut surfaces = Vec::new();
    let mut surface_conds = Vec::new();
    for (name, raw) in &parsed {
        let mut c = Collector {
            file: name,
            errors: Vec::new(),
        };
        if let Some(v) = &raw.version
            && v.value != 1
        {
            c.err(
                v.referenced.line(),
                v.referenced.column(),
                None,
                format!(
                    "unsupported policy version {}; this agentgate reads version 1",
                    v.value
                ),
            );
        }
        for (surface_name, spanned) in &raw.surfaces {
            let (line, column) = (spanned.referenced.line(), spanned.referenced.column());
            let subject = format!("surface `{surface_name}`");
            if !valid_id(surface_name) {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "surface names are lower-case letters, digits and dashes",
                );
            }
            if surface_index.contains_key(surface_name) {
                c.err(line, column, Some(&subject), "defined twice");
                continue;
            }
            let no_nesting = |n: &str| -> Result<usize, String> {
                Err(format!(
                    "surfaces cannot refer to other surfaces (`{n}`); list its matchers instead"
                ))
            };
            match slots.compile(&spanned.value.matcher, &no_nesting) {
                Ok(cond) => {
                    surface_index.insert(surface_name.clone(), surfaces.len());
                    surfaces.push(Surface {
                        name: surface_name.clone(),
                        why: spanned.value.why.clone(),
                        source: Source {
                            file: name.clone(),
                            line,
                        },
                        matcher: spanned.value.matcher.clone(),
                    });
                    surface_conds.push(cond);
                }
                Err(e) => c.err(line, column, Some(&subject), format!("match: {e}")),
            }
        }
        errors.extend(c.errors);
    }

    let surface_names: Vec<String> = surface_index.keys().cloned().collect();
    let resolve_surface = |n: &str| -> Result<usize, String> {
        surface_index.get(n).copied().ok_or_else(|| {
            let mut known = surface_names.clone();
            known.sort();
            format!(
                "unknown surface `{n}` (defined: {})",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )
        })
    };

    // Secrets: built-in kinds, then custom patterns and per-kind settings from the files.
    let builtin: Vec<PatternSpec> = builtin_specs();
    let mut secret_rules: BTreeMap<String, SecretRule> = builtin
        .iter()
        .map(|spec| {
            (
                spec.id.clone(),
                SecretRule {
                    id: format!("secret-{}", spec.id),
                    kind: spec.id.clone(),
                    why: spec.description.clone(),
                    level: builtin_level(&spec.id),
                    source: Source {
                        file: "builtin:secrets".into(),
                        line: 0,
                    },
                    examples: Vec::new(),
                },
            )
        })
        .collect();
    let mut custom: Vec<PatternSpec> = Vec::new();
    let mut configured: HashSet<String> = HashSet::new();
    for (name, raw) in &parsed {
        let mut c = Collector {
            file: name,
            errors: Vec::new(),
        };
        for spanned in &raw.secrets {
            let (line, column) = (spanned.referenced.line(), spanned.referenced.column());
            let s = &spanned.value;
            let subject = format!("secret `{}`", s.id);
            if !valid_id(&s.id) {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "secret ids are lower-case letters, digits and dashes",
                );
                continue;
            }
            if !configured.insert(s.id.clone()) {
                c.err(line, column, Some(&subject), "defined twice");
                continue;
            }
            let is_builtin = builtin.iter().any(|b| b.id == s.id);
            match (&s.regex, is_builtin) {
                (Some(_), true) => {
                    c.err(line, column, Some(&subject), "is a built-in kind; give it another id for a custom pattern, or drop `regex` to configure it");
                    continue;
                }
                (None, false) => {
                    c.err(
                        line,
                        column,
                        Some(&subject),
                        "is not a built-in kind; a custom secret needs `regex`",
                    );
                    continue;
                }
                (Some(regex), false) => custom.push(PatternSpec {
                    id: s.id.clone(),
                    regex: regex.clone(),
                    description: s.why.clone(),
                    keywords: s.keywords.clone(),
                }),
                (None, true) => {}
            }
            let examples = s
                .examples
                .iter()
                .flat_map(|e| {
                    e.matches
                        .iter()
                        .map(|m| (true, m))
                        .chain(e.not_match.iter().map(|m| (false, m)))
                })
                .map(|(expect, m)| {
                    (
                        expect,
                        m.value.clone(),
                        Source {
                            file: name.clone(),
                            line: m.referenced.line(),
                        },
                    )
                })
                .collect();
            secret_rules.insert(
                s.id.clone(),
                SecretRule {
                    id: format!("secret-{}", s.id),
                    kind: s.id.clone(),
                    why: s.why.clone(),
                    level: s.level.unwrap_or(if is_builtin {
                        builtin_level(&s.id)
                    } else {
                        Level::HardMandatory
                    }),
                    source: Source {
                        file: name.clone(),
                        line,
                    },
                    examples,
                },
            );
        }
        errors.extend(c.errors);
    }
    let scanner = if custom.is_empty() {
        None
    } else {
        match Scanner::with_custom(&custom) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.push(Diagnostic::new(origin.clone(), format!("secrets: {e}")));
                None
            }
        }
    };

    // Rules.
    let mut rules: Vec<Rule> = Vec::new();
    let mut rule_ids: HashSet<String> = secret_rules.values().map(|s| s.id.clone()).collect();
    for (name, raw) in &parsed {
        let mut c = Collector {
            file: name,
            errors: Vec::new(),
        };
        for spanned in &raw.rules {
            let (line, column) = (spanned.referenced.line(), spanned.referenced.column());
            let r = &spanned.value;
            let subject = format!("rule `{}`", r.id);
            if !valid_id(&r.id) {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "rule ids are lower-case letters, digits and dashes",
                );
                continue;
            }
            if !rule_ids.insert(r.id.clone()) {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "rule id used twice (ids are unique across the policy set)",
                );
                continue;
            }
            if r.why.trim().is_empty() {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "`why` is empty: say in one line why the rule exists",
                );
            }
            let effect = match (r.tier, r.classify, r.deny) {
                (Some(t), None, None) => Tier::new(t).map(Effect::Tier),
                (None, Some(t), None) => Tier::new(t).map(Effect::Classify),
                (None, None, Some(true)) => Some(Effect::Deny),
                (None, None, Some(false)) => {
                    c.err(
                        line,
                        column,
                        Some(&subject),
                        "`deny: false` does nothing; remove the rule or give it `tier`",
                    );
                    continue;
                }
                _ => {
                    c.err(line, column, Some(&subject), "give exactly one effect: `tier: N` (raise), `classify: N` (set) or `deny: true`");
                    continue;
                }
            };
            let Some(effect) = effect else {
                c.err(line, column, Some(&subject), "tiers go from 0 to 4");
                continue;
            };
            if matches!(effect, Effect::Classify(_)) && r.level.is_some() {
                c.err(line, column, Some(&subject), "`level` has no meaning for a classify rule (a classification is not a violation)");
            }
            let cond = match slots.compile(&r.matcher, &resolve_surface) {
                Ok(cond) => cond,
                Err(e) => {
                    c.err(line, column, Some(&subject), format!("match: {e}"));
                    continue;
                }
            };
            let mut examples = Vec::new();
            for (expect, list) in r
                .examples
                .iter()
                .flat_map(|e| [(true, &e.matches), (false, &e.not_match)])
            {
                for ex in list {
                    let ex_line = ex.referenced.line();
                    match example(&ex.value) {
                        Ok((kind, agent, context)) => examples.push(Example {
                            expect_match: expect,
                            kind,
                            agent,
                            context,
                            source: Source {
                                file: name.clone(),
                                line: ex_line,
                            },
                        }),
                        Err(e) => c.err(
                            ex_line,
                            ex.referenced.column(),
                            Some(&subject),
                            format!("example: {e}"),
                        ),
                    }
                }
            }
            rules.push(Rule {
                id: r.id.clone(),
                why: r.why.trim().to_string(),
                effect,
                level: if matches!(effect, Effect::Classify(_)) {
                    Level::HardMandatory
                } else {
                    r.level.unwrap_or(Level::SoftMandatory)
                },
                message: r
                    .message
                    .clone()
                    .unwrap_or_else(|| r.why.trim().to_string()),
                remediation: r.remediation.clone(),
                source: Source {
                    file: name.clone(),
                    line,
                },
                cond,
                matcher: r.matcher.clone(),
                tools: None,
                examples,
            });
        }
        errors.extend(c.errors);
    }

    // Exceptions.
    let mut exceptions = Vec::new();
    for (name, raw) in &parsed {
        let mut c = Collector {
            file: name,
            errors: Vec::new(),
        };
        for spanned in &raw.exceptions {
            let (line, column) = (spanned.referenced.line(), spanned.referenced.column());
            let e = &spanned.value;
            let subject = format!("exception for `{}`", e.rule);
            if !rule_ids.contains(&e.rule) {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    format!("no rule `{}` in the policy set", e.rule),
                );
                continue;
            }
            if e.reason.trim().is_empty() {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "`reason` is empty: an exception says why",
                );
            }
            let expires = match e.expires.parse::<jiff::civil::Date>() {
                Ok(d) => d,
                Err(err) => {
                    c.err(
                        line,
                        column,
                        Some(&subject),
                        format!("`expires` must be a date like 2026-12-31: {err}"),
                    );
                    continue;
                }
            };
            let scope = match &e.scope {
                Some(v) => match slots.compile(v, &resolve_surface) {
                    Ok(cond) => Some(cond),
                    Err(err) => {
                        c.err(line, column, Some(&subject), format!("scope: {err}"));
                        continue;
                    }
                },
                None => None,
            };
            exceptions.push(Exception {
                rule: e.rule.clone(),
                reason: e.reason.clone(),
                expires,
                scope,
                source: Source {
                    file: name.clone(),
                    line,
                },
            });
        }
        errors.extend(c.errors);
    }

    let limits = build_limits(&parsed, &rule_ids, &mut errors);
    // The strictest file wins.
    let mut auto_approve_max_tier = Tier::HIGH;
    let mut auto_approve_seen = false;
    for (name, raw) in &parsed {
        if let Some(spanned) = &raw.auto_approve {
            let max = spanned.value.max_tier;
            if !(2..=4).contains(&max) {
                errors.push(
                    Diagnostic::new(
                        name,
                        format!("`auto_approve.max_tier` must be 2, 3 or 4, not {max}"),
                    )
                    .at(spanned.referenced.line(), spanned.referenced.column()),
                );
                continue;
            }
            let tier = Tier::saturating(max);
            auto_approve_max_tier = if auto_approve_seen {
                auto_approve_max_tier.min(tier)
            } else {
                tier
            };
            auto_approve_seen = true;
        }
    }

    let slots = match slots.finish(lazy) {
        Ok(s) => s,
        Err(e) => {
            errors.push(Diagnostic::new(origin.clone(), e));
            return Err(errors);
        }
    };
    // Tool restrictions and fields that can never have a value for those tools.
    for rule in &mut rules {
        rule.tools = rule.cond.tools(&slots);
        if let Some(tools) = &rule.tools {
            let mut fields = Vec::new();
            rule.cond.fields(&slots, &mut fields);
            for field in fields {
                let applies = field.tools();
                if !applies.is_empty()
                    && !tools
                        .iter()
                        .any(|t| applies.contains(&t.as_str()) || !TOOLS.contains(&t.as_str()))
                {
                    errors.push(
                        Diagnostic::new(&rule.source.file, format!(
                            "match: field `{}` never has a value for tool {} (it exists for {})",
                            field.name(),
                            tools.join(", "),
                            applies.join(", ")
                        ))
                        .at(rule.source.line, 1)
                        .subject(format!("rule `{}`", rule.id)),
                    );
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut set = PolicySet::assemble(
        files,
        hash,
        origin,
        rules,
        surfaces,
        surface_conds,
        exceptions,
        secret_rules.into_values().collect(),
        scanner,
        slots,
        limits,
    );
    set.auto_approve_max_tier = auto_approve_max_tier;
    Ok(set)
}

/// Every file's `limits:`, in load order. Ids are unique among limits and apart from rule ids.
fn build_limits(
    parsed: &[(String, RawPolicyFile)],
    rule_ids: &HashSet<String>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Limit> {
    let mut limits = Vec::new();
    let mut limit_ids: HashSet<&str> = HashSet::new();
    for (name, raw) in parsed {
        let mut c = Collector {
            file: name,
            errors: Vec::new(),
        };
        for spanned in &raw.limits {
            let (line, column) = (spanned.referenced.line(), spanned.referenced.column());
            let l = &spanned.value;
            let Some(id) = &l.id else {
                c.err(line, column, None, "missing field `id`");
                continue;
            };
            let subject = format!("limit `{id}`");
            if !valid_id(id) {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "limit ids are lower-case letters, digits and dashes",
                );
                continue;
            }
            if rule_ids.contains(id) {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "a rule has this id (ids are unique across the policy set)",
                );
                continue;
            }
            if !limit_ids.insert(id) {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "limit id used twice (ids are unique across the policy set)",
                );
                continue;
            }
            let before = c.errors.len();
            let why = l.why.as_deref().unwrap_or_default().trim();
            match &l.why {
                None => c.err(line, column, Some(&subject), "missing field `why`"),
                Some(_) if why.is_empty() => c.err(
                    line,
                    column,
                    Some(&subject),
                    "`why` is empty: say in one line why the limit exists",
                ),
                Some(_) => {}
            }
            if l.rate.is_none() && l.denials.is_none() && l.hours.is_none() {
                c.err(
                    line,
                    column,
                    Some(&subject),
                    "give at least one of `rate`, `denials` or `hours`",
                );
            }
            let agents = match &l.agents {
                Some(a) => limit_agents(&mut c, a, &subject),
                None => vec!["*".to_string()],
            };
            let rate = l
                .rate
                .as_ref()
                .and_then(|w| limit_window(&mut c, w, "rate", &subject));
            let denials = l
                .denials
                .as_ref()
                .and_then(|w| limit_window(&mut c, w, "denials", &subject));
            let hours = l
                .hours
                .as_ref()
                .and_then(|h| limit_hours(&mut c, h, &subject));
            if c.errors.len() > before {
                continue;
            }
            let source = Source {
                file: name.clone(),
                line,
            };
            match Limit::new(
                id.clone(),
                why.to_string(),
                agents,
                rate,
                denials,
                hours,
                source.to_string(),
            ) {
                Ok(limit) => limits.push(limit),
                Err(e) => {
                    let (line, column) = l.agents.as_ref().map_or((line, column), |a| {
                        (a.referenced.line(), a.referenced.column())
                    });
                    c.err(line, column, Some(&subject), format!("`agents`: {e}"));
                }
            }
        }
        errors.extend(c.errors);
    }
    limits
}

/// `agents:` is a glob or a non-empty list of globs.
fn limit_agents(c: &mut Collector<'_>, agents: &Spanned<Value>, subject: &str) -> Vec<String> {
    let (line, column) = (agents.referenced.line(), agents.referenced.column());
    let globs: Option<Vec<String>> = match &agents.value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => None,
    };
    let Some(globs) = globs else {
        c.err(
            line,
            column,
            Some(subject),
            "`agents` is a glob on the agent name or a non-empty list of them, such as \"*-bot\"",
        );
        return Vec::new();
    };
    if globs.iter().any(|g| g.trim().is_empty()) {
        c.err(
            line,
            column,
            Some(subject),
            "`agents`: an empty glob matches no agent",
        );
    }
    globs
}

/// `max` of at least one per `per`.
fn limit_window(
    c: &mut Collector<'_>,
    raw: &RawWindow,
    field: &str,
    subject: &str,
) -> Option<Window> {
    let max = raw.max.value;
    if max == 0 {
        c.err(
            raw.max.referenced.line(),
            raw.max.referenced.column(),
            Some(subject),
            format!("`{field}.max` must be at least 1"),
        );
    }
    let per = match limits::parse_duration(&raw.per.value) {
        Ok(per) => Some(per),
        Err(e) => {
            c.err(
                raw.per.referenced.line(),
                raw.per.referenced.column(),
                Some(subject),
                format!("`{field}.per`: {e}"),
            );
            None
        }
    };
    let per = per.filter(|_| max > 0)?;
    Some(Window {
        max,
        per,
        text: raw.per.value.trim().to_string(),
    })
}

/// Days (default all seven), `from` and `to` as HH:MM, and a time zone (default UTC).
fn limit_hours(c: &mut Collector<'_>, raw: &Spanned<RawHours>, subject: &str) -> Option<Hours> {
    let h = &raw.value;
    let before = c.errors.len();
    let mut days = [true; 7];
    if let Some(list) = &h.days {
        days = [false; 7];
        if list.is_empty() {
            c.err(
                raw.referenced.line(),
                raw.referenced.column(),
                Some(subject),
                "`hours.days` is empty; leave it out for every day",
            );
        }
        for d in list {
            let (line, column) = (d.referenced.line(), d.referenced.column());
            match limits::parse_day(&d.value) {
                Some(i) if days[i] => c.err(
                    line,
                    column,
                    Some(subject),
                    format!("`hours.days`: `{}` is listed twice", d.value),
                ),
                Some(i) => days[i] = true,
                None => c.err(
                    line,
                    column,
                    Some(subject),
                    format!(
                        "`hours.days`: unknown day `{}` (days are {})",
                        d.value,
                        limits::DAYS.join(", ")
                    ),
                ),
            }
        }
    }
    let mut time = |field: &str, t: &Spanned<String>| match limits::parse_time(&t.value) {
        Ok(time) => Some(time),
        Err(e) => {
            c.err(
                t.referenced.line(),
                t.referenced.column(),
                Some(subject),
                format!("`hours.{field}`: {e}"),
            );
            None
        }
    };
    let from = time("from", &h.from);
    let to = time("to", &h.to);
    if let (Some(from), Some(to)) = (from, to)
        && from == to
    {
        c.err(
            h.to.referenced.line(),
            h.to.referenced.column(),
            Some(subject),
            format!(
                "`hours`: `from` and `to` are both {}: the window would be empty (leave out `hours` to allow every hour)",
                h.to.value
            ),
        );
    }
    let (timezone, timezone_name) = match &h.timezone {
        None => (Some(jiff::tz::TimeZone::UTC), "UTC".to_string()),
        Some(tz) => match limits::time_zone(tz.value.trim()) {
            Ok(zone) => {
                let name = zone.iana_name().unwrap_or(tz.value.trim()).to_string();
                (Some(zone), name)
            }
            Err(e) => {
                c.err(
                    tz.referenced.line(),
                    tz.referenced.column(),
                    Some(subject),
                    format!("`hours.timezone`: {e}"),
                );
                (None, String::new())
            }
        },
    };
    if c.errors.len() > before {
        return None;
    }
    Some(Hours {
        days,
        from: from?,
        to: to?,
        timezone: timezone?,
        timezone_name,
    })
}

pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
        })
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::super::{PolicyFile, PolicySet};
    use crate::error::{Diagnostic, Error};
    use std::time::Duration;

    fn load(text: &str) -> Result<PolicySet, Vec<Diagnostic>> {
        let files = vec![PolicyFile {
            name: "p.yaml".into(),
            text: text.into(),
        }];
        match PolicySet::without_example_check(files, "test".into()) {
            Ok(set) => Ok(set),
            Err(Error::Policy(ds)) => Err(ds),
            Err(e) => panic!("{e}"),
        }
    }

    /// The only error loading `text`, which must mention `needle`, at `line`.
    fn error(text: &str, line: u64, needle: &str) -> Diagnostic {
        let errors = load(text).err().expect("the policy should not load");
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let e = errors.into_iter().next().unwrap();
        assert!(e.message.contains(needle), "{e}");
        assert_eq!(e.file, "p.yaml", "{e}");
        assert_eq!(e.line, Some(line), "{e}");
        e
    }

    const FULL: &str = r#"version: 1
limits:
  - id: bots-breaker
    why: "runaway agents are contained before they do damage"
    agents: "*-bot"
    rate:
      max: 600
      per: 10m
    denials:
      max: 20
      per: 1h
    hours:
      days: [mon, tue, wed, thu, fri]
      from: "07:00"
      to: 19:00
      timezone: Europe/Paris
  - id: night-shift
    why: "the nightly agents work at night only"
    agents: [nightly, "ci-*"]
    hours: {from: "22:00", to: "06:00"}
"#;

    #[test]
    fn loads_a_full_limit() {
        let set = load(FULL).unwrap();
        assert_eq!(set.limits.len(), 2);
        let l = &set.limits[0];
        assert_eq!(l.id, "bots-breaker");
        assert_eq!(l.why, "runaway agents are contained before they do damage");
        assert_eq!(l.agents, vec!["*-bot".to_string()]);
        assert_eq!(l.source, "p.yaml:3");
        let rate = l.rate.as_ref().unwrap();
        assert_eq!(
            (rate.max, rate.per, rate.text.as_str()),
            (600, Duration::from_secs(600), "10m")
        );
        assert_eq!(l.denials.as_ref().unwrap().describe(), "20 per 1h");
        let hours = l.hours.as_ref().unwrap();
        assert_eq!(hours.days, [true, true, true, true, true, false, false]);
        assert_eq!(hours.describe(), "mon-fri 07:00-19:00 Europe/Paris");
        assert_eq!(hours.timezone_name, "Europe/Paris");

        let n = &set.limits[1];
        assert_eq!(n.agents, vec!["nightly".to_string(), "ci-*".to_string()]);
        assert!(n.rate.is_none() && n.denials.is_none());
        assert_eq!(n.source, "p.yaml:17");
        assert_eq!(
            n.hours.as_ref().unwrap().describe(),
            "mon-sun 22:00-06:00 UTC"
        );

        let ids = |agent| {
            set.limits_for(agent)
                .map(|l| l.id.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("docs-bot"), vec!["bots-breaker"]);
        assert_eq!(ids("ci-nightly"), vec!["night-shift"]);
        assert!(ids("claude").is_empty());
    }

    #[test]
    fn limits_default_to_every_agent_and_concatenate_in_load_order() {
        let file = |name: &str, id: &str| PolicyFile {
            name: name.into(),
            text: format!("limits:\n  - id: {id}\n    why: w\n    rate: {{max: 1, per: 1s}}\n"),
        };
        let set = PolicySet::from_files(
            vec![file("a.yaml", "one"), file("b.yaml", "two")],
            "t".into(),
        )
        .unwrap();
        let ids: Vec<_> = set.limits_for("anyone").map(|l| l.id.as_str()).collect();
        assert_eq!(ids, vec!["one", "two"]);
        assert_eq!(set.limits[0].agents, vec!["*".to_string()]);
        assert_eq!(set.limits[1].source, "b.yaml:2");
        // The same id in two files is used twice.
        let e = PolicySet::from_files(
            vec![file("a.yaml", "one"), file("b.yaml", "one")],
            "t".into(),
        )
        .err()
        .unwrap();
        let Error::Policy(ds) = e else { panic!() };
        assert_eq!(ds.len(), 1);
        assert_eq!((ds[0].file.as_str(), ds[0].line), ("b.yaml", Some(2)));
        assert!(ds[0].message.contains("used twice"), "{}", ds[0]);
    }

    #[test]
    fn time_zone_names_are_canonical() {
        let tz = |name: &str| {
            let set = load(&with(&format!(
                "    hours: {{from: \"07:00\", to: \"08:00\", timezone: {name}}}\n"
            )))
            .unwrap();
            set.limits[0].hours.as_ref().unwrap().timezone_name.clone()
        };
        assert_eq!(tz("UTC"), "UTC");
        assert_eq!(tz("utc"), "UTC");
        assert_eq!(tz("europe/paris"), "Europe/Paris");
        assert_eq!(tz("America/New_York"), "America/New_York");
    }

    fn with(entry: &str) -> String {
        format!("version: 1\nlimits:\n  - id: l\n    why: w\n{entry}")
    }

    #[test]
    fn unknown_field() {
        let e = error(
            &with("    rate: {max: 1, per: 1s}\n    burst: 3\n"),
            6,
            "unknown field `burst`",
        );
        assert_eq!(e.column, Some(5));
        error(
            &with("    rate: {max: 1, per: 1s, every: 2}\n"),
            5,
            "unknown field `every`",
        );
        error(
            &with("    hours:\n      from: \"07:00\"\n      to: \"08:00\"\n      tz: UTC\n"),
            8,
            "unknown field `tz`",
        );
    }

    #[test]
    fn missing_id_and_why() {
        let e = error(
            "limits:\n  - why: w\n    rate: {max: 1, per: 1s}\n    hours:\n      from: \"07:00\"\n      to: \"08:00\"\n",
            2,
            "missing field `id`",
        );
        assert!(e.subject.is_none());
        assert_eq!(e.column, Some(5));
        let e = error(
            "limits:\n  - id: l\n    rate: {max: 1, per: 1s}\n    hours: {from: \"07:00\", to: \"08:00\"}\n",
            2,
            "missing field `why`",
        );
        assert_eq!(e.subject.as_deref(), Some("limit `l`"));
        error(&with("    rate: {max: 1}\n"), 5, "missing field `per`");
        error(
            &with("    hours: {from: \"07:00\"}\n"),
            5,
            "missing field `to`",
        );
    }

    #[test]
    fn duplicate_ids() {
        let text = "limits:\n  - id: l\n    why: w\n    rate: {max: 1, per: 1s}\n  - id: l\n    why: w\n    rate: {max: 2, per: 1s}\n";
        let e = error(
            text,
            5,
            "limit id used twice (ids are unique across the policy set)",
        );
        assert_eq!(e.subject.as_deref(), Some("limit `l`"));
        let text = "rules:\n  - id: r\n    why: w\n    match: {tool: shell.exec}\n    tier: 1\nlimits:\n  - id: r\n    why: w\n    rate: {max: 1, per: 1s}\n";
        error(text, 7, "a rule has this id");
        let text =
            "limits:\n  - id: secret-aws-access-key-id\n    why: w\n    rate: {max: 1, per: 1s}\n";
        error(text, 2, "a rule has this id");
        error(
            "limits:\n  - id: Bad_Id\n    why: w\n    rate: {max: 1, per: 1s}\n",
            2,
            "limit ids are lower-case",
        );
    }

    #[test]
    fn an_entry_limits_something() {
        let e = error(
            &with(""),
            3,
            "give at least one of `rate`, `denials` or `hours`",
        );
        assert_eq!(e.subject.as_deref(), Some("limit `l`"));
        error(&with("    agents: \"*\"\n"), 3, "give at least one of");
        error(
            "limits:\n  - id: l\n    why: \" \"\n    rate: {max: 1, per: 1s}\n",
            2,
            "`why` is empty",
        );
    }

    #[test]
    fn max_is_at_least_one() {
        error(
            &with("    rate:\n      max: 0\n      per: 1h\n"),
            6,
            "`rate.max` must be at least 1",
        );
        error(
            &with("    denials: {max: 0, per: 1h}\n"),
            5,
            "`denials.max` must be at least 1",
        );
        error(&with("    rate: {max: -1, per: 1h}\n"), 5, "");
    }

    #[test]
    fn bad_durations() {
        let e = error(
            &with("    rate:\n      max: 5\n      per: 10 minutes\n"),
            7,
            "`rate.per`: expected a duration such as 30s, 10m, 1h or 1d, not `10 minutes`",
        );
        assert_eq!(e.column, Some(12));
        error(
            &with("    denials:\n      max: 5\n      per: 0s\n"),
            7,
            "`denials.per`: `0s` is out of range: a window is between 1s and 30d",
        );
        error(
            &with("    rate: {max: 5, per: 31d}\n"),
            5,
            "`31d` is out of range: a window is between 1s and 30d",
        );
        error(
            &with("    rate: {max: 5, per: 30}\n"),
            5,
            "expected a duration such as 30s, 10m, 1h or 1d, not `30`",
        );
    }

    #[test]
    fn bad_hours() {
        let hours = |body: &str| with(&format!("    hours:\n{body}"));
        error(
            &hours("      from: \"25:00\"\n      to: \"06:00\"\n"),
            6,
            "`hours.from`: expected a time of day as HH:MM, such as 07:00 or 19:30, not `25:00`",
        );
        error(
            &hours("      from: \"07:00\"\n      to: \"7pm\"\n"),
            7,
            "`hours.to`: expected a time of day as HH:MM",
        );
        error(
            &hours("      from: \"07:00\"\n      to: \"07:00\"\n"),
            7,
            "`hours`: `from` and `to` are both 07:00: the window would be empty",
        );
        let e = error(
            &hours("      days: [mon, tue, monday]\n      from: \"07:00\"\n      to: \"08:00\"\n"),
            6,
            "`hours.days`: unknown day `monday` (days are mon, tue, wed, thu, fri, sat, sun)",
        );
        assert_eq!(e.column, Some(24));
        error(
            &hours(
                "      days:\n        - mon\n        - Tue\n      from: \"07:00\"\n      to: \"08:00\"\n",
            ),
            8,
            "unknown day `Tue`",
        );
        error(
            &hours(
                "      days:\n        - mon\n        - fri\n        - mon\n      from: \"07:00\"\n      to: \"08:00\"\n",
            ),
            9,
            "`hours.days`: `mon` is listed twice",
        );
        error(
            &hours("      days: []\n      from: \"07:00\"\n      to: \"08:00\"\n"),
            6,
            "`hours.days` is empty",
        );
        error(
            &hours("      from: \"07:00\"\n      to: \"08:00\"\n      timezone: Mars/Olympus\n"),
            8,
            "`hours.timezone`: unknown time zone `Mars/Olympus`: expected an IANA name such as UTC or Europe/Paris",
        );
    }

    #[test]
    fn bad_agents() {
        error(
            &with("    agents: \"[\"\n    rate: {max: 1, per: 1s}\n"),
            5,
            "`agents`: invalid glob `[`",
        );
        error(
            &with("    agents: []\n    rate: {max: 1, per: 1s}\n"),
            5,
            "`agents` is a glob on the agent name or a non-empty list",
        );
        error(
            &with("    agents: {name: x}\n    rate: {max: 1, per: 1s}\n"),
            5,
            "`agents` is a glob",
        );
    }

    #[test]
    fn every_error_is_reported_together() {
        let text = with(
            "    rate: {max: 0, per: 10 minutes}\n    hours:\n      days: [mon, mon]\n      from: \"25:00\"\n      to: \"06:00\"\n      timezone: Mars/Olympus\n  - id: l\n    why: w\n",
        );
        let errors = load(&text).err().unwrap();
        let lines: Vec<_> = errors.iter().map(|e| e.line.unwrap()).collect();
        assert_eq!(lines, vec![5, 5, 7, 8, 10, 11], "{errors:#?}");
    }
}
