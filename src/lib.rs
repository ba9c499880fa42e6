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
