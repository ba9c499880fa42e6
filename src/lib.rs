//! agentgate: a gatekeeper between AI agents and the systems they act on.
pub mod action;
pub mod cli;
pub mod decision;
pub mod diff;
pub mod error;
pub mod evaluate;
pub mod explain;
pub mod lint;
pub mod parallel;
pub mod plan;
pub mod policy;
pub mod policy_test;
pub mod render;
pub mod secrets;
pub mod workspace;
pub mod yaml;
