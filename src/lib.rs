//! agentgate: a gatekeeper between AI agents and the systems they act on.
pub mod decision;
pub mod error;
pub mod yaml;
pub mod plan;
pub mod workspace;
pub mod action;
pub mod policy;
pub mod secrets;
pub mod evaluate;
pub mod diff;
pub mod render;
pub mod cli;
pub mod explain;
pub mod lint;
pub mod policy_test;
