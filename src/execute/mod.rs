//! Executing reviewed actions, one executor per action kind, each confined to the workspace and
//! able to say how to undo what it did. Deciding what may run belongs to the gate; wiring these
//! into `agentgate apply` (approvals, validation, rollback order, recording) is the apply issue's.

pub mod file;
pub mod http;
pub mod shell;
pub mod sql;
