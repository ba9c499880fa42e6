//! Policy files as written (raw serde types with positions) and their validation into a
//! [`PolicySet`]: phase one deserializes, phase two checks every reference and compiles matchers.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

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

/// Provider formats and key material deny without override; the heuristic kinds can be
/// overridden by a person with a reason, because they have false positives.
fn builtin_level(kind: &str) -> Level {
    match kind {
        "password-assignment"
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
pub(super) fn build(
    files: Vec<PolicyFile>,
    hash: String,
    origin: String,
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

    let slots = match slots.finish() {
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
    Ok(PolicySet::assemble(
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
    ))
}

pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
        })
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
}
