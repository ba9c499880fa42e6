//! Validated rules, surfaces, exceptions and secret rules: what the engine trusts after loading.
//! Parsing and validation live in `config`; matching lives in `matcher`.

use std::fmt;

use jiff::civil::Date;
use serde_json::Value;

use super::matcher::Cond;
use crate::decision::{Level, Tier};
use crate::plan::{ActionKind, ContextItem};

/// Where something was defined: `policies/surfaces.yaml:12`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub line: u64,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.file, self.line)
        } else {
            f.write_str(&self.file)
        }
    }
}

/// What a rule does to the items it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Raise the tier to at least this.
    Tier(Tier),
    /// Classify: set the item's tier, which may lower it (never below what agentgate cannot understand).
    Classify(Tier),
    /// Deny the action.
    Deny,
}

impl Effect {
    pub fn name(self) -> &'static str {
        match self {
            Effect::Tier(_) => "tier",
            Effect::Classify(_) => "classify",
            Effect::Deny => "deny",
        }
    }

    pub fn tier(self) -> Option<Tier> {
        match self {
            Effect::Tier(t) | Effect::Classify(t) => Some(t),
            Effect::Deny => None,
        }
    }

    /// Strictness, to compare rules for shadowing: deny above any tier.
    pub fn strictness(self) -> u8 {
        match self {
            Effect::Deny => 10,
            Effect::Tier(t) | Effect::Classify(t) => t.value(),
        }
    }
}

/// A `match` or `not_match` example of a rule.
#[derive(Debug, Clone)]
pub struct Example {
    pub expect_match: bool,
    pub kind: ActionKind,
    pub agent: String,
    pub context: Vec<ContextItem>,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub why: String,
    pub effect: Effect,
    pub level: Level,
    pub message: String,
    pub remediation: Option<String>,
    pub source: Source,
    pub cond: Cond,
    /// The match block as written, for `policy explain`.
    pub matcher: Value,
    /// Tools the rule is restricted to by its `tool` condition; None = any tool.
    pub tools: Option<Vec<String>>,
    pub examples: Vec<Example>,
}

impl Rule {
    /// The tier a change gets when this rule cannot be decided (a value it reads is known only
    /// after apply): what the rule would give, at most 3, since a person can look.
    pub fn undecided_tier(&self) -> Tier {
        Tier::saturating(self.effect.strictness()).min(Tier::HIGH)
    }
}

#[derive(Debug, Clone)]
pub struct Surface {
    pub name: String,
    pub why: String,
    pub source: Source,
    pub matcher: Value,
}

#[derive(Debug, Clone)]
pub struct Exception {
    pub rule: String,
    pub reason: String,
    pub expires: Date,
    pub scope: Option<Cond>,
    pub source: Source,
}

impl Exception {
    /// An exception applies up to and including its expiry date.
    pub fn active(&self, today: Date) -> bool {
        today <= self.expires
    }
}

/// How a kind of secret is enforced.
#[derive(Debug, Clone)]
pub struct SecretRule {
    /// The rule id in findings: `secret-<kind>`.
    pub id: String,
    pub kind: String,
    pub why: String,
    pub level: Level,
    pub source: Source,
    pub examples: Vec<(bool, String, Source)>,
}
