//! The audit trail: every decision agentgate makes, with its lineage, in a hash-chained SQLite
//! database. It owns storage, the chain and the numbers read from it; not what is displayed.

pub mod chain;
pub mod record;
pub mod stats;
pub mod store;

pub use chain::Break;
pub use store::{Containment, Filter, Millis, NewAction, NewRecord, Store, Verification};
