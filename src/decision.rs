//! Tiers, decisions and enforcement levels, ordered so that "strictest wins" is `max()`.
//! This module owns the ordering; it does not know how an action gets its tier.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::ExitCode;

/// Risk tier, 0 (read-only) to 4 (destructive). Construct through [`Tier::new`] so it stays in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Tier(u8);

impl Tier {
    pub const READ_ONLY: Tier = Tier(0);
    pub const LOW: Tier = Tier(1);
    pub const MEDIUM: Tier = Tier(2);
    pub const HIGH: Tier = Tier(3);
    pub const DESTRUCTIVE: Tier = Tier(4);

    /// `None` outside 0..=4.
    pub fn new(value: u8) -> Option<Tier> {
        (value <= 4).then_some(Tier(value))
    }

    /// Clamp any number into a tier: out-of-range input becomes the strictest tier.
    pub fn saturating(value: u8) -> Tier {
        Tier(value.min(4))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// Tiers 3 and 4 need a person (SPEC section 3).
    pub fn needs_human(self) -> bool {
        self >= Tier::HIGH
    }

    pub fn meaning(self) -> &'static str {
        match self.0 {
            0 => "read-only",
            1 => "low-impact write",
            2 => "reversible write",
            3 => "high-impact",
            _ => "destructive",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The gate's verdict. Declaration order is strictness order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    #[default]
    Allow,
    Approve,
    Deny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Approve => "approve",
            Decision::Deny => "deny",
        }
    }

    /// SPEC section 5 for `plan` and `check`.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Decision::Allow => ExitCode::Allowed,
            Decision::Approve => ExitCode::ApprovalRequired,
            Decision::Deny => ExitCode::Denied,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sentinel's enforcement levels. Declaration order is strictness order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// A warning: reported, changes nothing.
    Advisory,
    /// Applies unless a person overrides it with a recorded reason.
    SoftMandatory,
    /// Applies, no override.
    HardMandatory,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Advisory => "advisory",
            Level::SoftMandatory => "soft-mandatory",
            Level::HardMandatory => "hard-mandatory",
        }
    }

    /// Whether a finding at this level changes the tier or the decision.
    pub fn enforced(self) -> bool {
        self != Level::Advisory
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn orders_are_strictness() {
        assert!(Decision::Allow < Decision::Approve && Decision::Approve < Decision::Deny);
        assert!(
            Level::Advisory < Level::SoftMandatory && Level::SoftMandatory < Level::HardMandatory
        );
        assert_eq!(Tier::new(5), None);
        assert_eq!(Tier::saturating(9), Tier::DESTRUCTIVE);
    }

    proptest! {
        /// Combining with max() never yields something laxer than any input, whatever the order.
        #[test]
        fn strictest_wins(decisions in proptest::collection::vec(0u8..3, 1..20), tiers in proptest::collection::vec(0u8..5, 1..20)) {
            let ds: Vec<Decision> = decisions.iter().map(|d| match d { 0 => Decision::Allow, 1 => Decision::Approve, _ => Decision::Deny }).collect();
            let combined = ds.iter().copied().max().unwrap_or_default();
            let reversed = ds.iter().rev().copied().max().unwrap_or_default();
            prop_assert_eq!(combined, reversed);
            for d in &ds { prop_assert!(combined >= *d); }
            let ts: Vec<Tier> = tiers.iter().map(|t| Tier::saturating(*t)).collect();
            let top = ts.iter().copied().max().unwrap_or_default();
            for t in &ts { prop_assert!(top >= *t); }
            prop_assert!(ts.contains(&top));
        }
    }
}
