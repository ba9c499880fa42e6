//! One integration binary that drives the real `agentgate` executable on fixtures.

mod helpers;
mod plan;
mod check;
mod policy;
mod properties;
