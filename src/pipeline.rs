//! How a pipeline step turns the gate's decision into its exit code: `--fail-on` and `--max-tier`
//! of `plan` and `check`. It owns that mapping; the codes themselves live in `error.rs`, and the
//! decision it maps (what the audit trail records) never changes.

use crate::decision::{Decision, Tier};
use crate::error::ExitCode;

/// What the step fails on. The default, `approve`, is SPEC section 5 as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pipeline {
    /// The lowest decision that fails the step.
    pub fail_on: Decision,
    /// The highest plan tier the step accepts; above it the step is denied (exit 3).
    pub max_tier: Option<Tier>,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            fail_on: Decision::Approve,
            max_tier: None,
        }
    }
}

/// The step's verdict on one plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub code: ExitCode,
    /// The gate's own decision and tier, as recorded.
    pub decision: Decision,
    pub tier: Tier,
    /// The cap the plan's tier is above, when it is.
    pub over_max_tier: Option<Tier>,
    /// The `--fail-on` this was judged under.
    pub fail_on: Decision,
}

impl Outcome {
    /// Whether the exit code says something other than the decision alone would (SPEC section 5).
    pub fn differs_from_decision(&self) -> bool {
        self.code != self.decision.exit_code()
    }
}

impl Pipeline {
    /// Outcomes at or above `fail_on` exit with their SPEC code (an allowed plan under
    /// `--fail-on allow` exits 2: a person must look at it); below it they exit 0. A tier above
    /// `max_tier` exits 3 whatever `fail_on` says.
    pub fn judge(&self, decision: Decision, tier: Tier) -> Outcome {
        let over_max_tier = self.max_tier.filter(|max| tier > *max);
        let code = if over_max_tier.is_some() {
            ExitCode::Denied
        } else if decision < self.fail_on {
            ExitCode::Allowed
        } else if decision == Decision::Allow {
            ExitCode::ApprovalRequired
        } else {
            decision.exit_code()
        };
        Outcome {
            code,
            decision,
            tier,
            over_max_tier,
            fail_on: self.fail_on,
        }
    }

    /// Whether one action, on its own, is part of what fails the step: its decision is at or
    /// above `fail_on`, or its tier is above the cap. (For reports that mark actions, e.g. JUnit.)
    pub fn fails(&self, decision: Decision, tier: Tier) -> bool {
        decision >= self.fail_on || self.max_tier.is_some_and(|max| tier > max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(fail_on: Decision, max: Option<u8>, decision: Decision, tier: u8) -> u8 {
        Pipeline {
            fail_on,
            max_tier: max.and_then(Tier::new),
        }
        .judge(decision, Tier::saturating(tier))
        .code
        .code()
    }

    #[test]
    fn default_is_the_spec() {
        for (d, t) in [
            (Decision::Allow, 0),
            (Decision::Approve, 3),
            (Decision::Deny, 4),
        ] {
            assert_eq!(
                Pipeline::default().judge(d, Tier::saturating(t)).code,
                d.exit_code()
            );
        }
    }

    #[test]
    fn fail_on_moves_the_threshold() {
        use Decision::*;
        assert_eq!(code(Deny, None, Allow, 0), 0);
        assert_eq!(code(Deny, None, Approve, 3), 0);
        assert_eq!(code(Deny, None, Deny, 4), 3);
        assert_eq!(code(Allow, None, Allow, 0), 2);
        assert_eq!(code(Allow, None, Approve, 3), 2);
        assert_eq!(code(Allow, None, Deny, 1), 3);
    }

    #[test]
    fn max_tier_caps_whatever_fail_on_says() {
        use Decision::*;
        assert_eq!(code(Deny, Some(2), Approve, 3), 3);
        assert_eq!(code(Approve, Some(1), Allow, 2), 3);
        assert_eq!(code(Approve, Some(2), Allow, 2), 0);
        assert_eq!(code(Approve, Some(4), Approve, 4), 2);
        assert_eq!(code(Approve, Some(0), Allow, 0), 0);
        let p = Pipeline {
            fail_on: Deny,
            max_tier: Tier::new(2),
        };
        assert_eq!(p.judge(Approve, Tier::HIGH).over_max_tier, Tier::new(2));
        assert!(p.fails(Allow, Tier::HIGH));
        assert!(!p.fails(Approve, Tier::MEDIUM));
    }
}
