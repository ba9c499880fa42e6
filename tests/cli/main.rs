//! One integration binary that drives the real `agentgate` executable on fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod apply;
mod audit;
mod check;
mod config;
mod corpus;
mod explain;
mod formats;
mod generated;
mod helpers;
mod plan;
mod policy;
mod prompt;
mod properties;
mod terraform;
mod trail;
