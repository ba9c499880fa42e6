//! One integration binary that drives the real `agentgate` executable on fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

mod helpers;
mod plan;
mod check;
mod policy;
mod properties;
