//! The hash chain: the canonical encoding of a record (with its actions) and the hash that links
//! it to the one before. It says nothing about where records are stored; `store` reads them.
//!
//! A record's hash is SHA-256 over a domain tag, the previous record's hash, and every column of
//! the record and of its action rows, each written as a type byte and a length-prefixed value.
//! The encoding works on SQLite's own values, so changing a column's type is a change too.

use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

/// What the first record links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const DOMAIN: &[u8] = b"agentgate.audit.v1\0";

/// Hashes one record: feed the previous hash, the record's columns, then each action's columns.
pub struct RecordHasher(Sha256);

impl RecordHasher {
    pub fn new(prev: &str) -> Self {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        let mut this = RecordHasher(h);
        this.value(ValueRef::Text(prev.as_bytes()));
        this
    }

    /// One column, typed: changing 3 into '3' changes the hash.
    pub fn value(&mut self, value: ValueRef<'_>) {
        match value {
            ValueRef::Null => self.0.update(b"N"),
            ValueRef::Integer(i) => {
                self.0.update(b"I");
                self.0.update(i.to_be_bytes());
            }
            ValueRef::Real(f) => {
                self.0.update(b"R");
                self.0.update(f.to_bits().to_be_bytes());
            }
            ValueRef::Text(bytes) => {
                self.0.update(b"T");
                self.0.update((bytes.len() as u64).to_be_bytes());
                self.0.update(bytes);
            }
            ValueRef::Blob(bytes) => {
                self.0.update(b"B");
                self.0.update((bytes.len() as u64).to_be_bytes());
                self.0.update(bytes);
            }
        }
    }

    /// Marks where the record's columns end and an action's begin, so columns cannot shift
    /// between the two without changing the hash.
    pub fn separator(&mut self) {
        self.0.update(b"|");
    }

    pub fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// The first thing wrong with a trail, in the words `audit verify` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The record's content does not match its own hash.
    Changed { id: i64 },
    /// Ids jump: the records in between were deleted.
    Deleted { after: i64, next: i64 },
    /// The record links to an earlier record than the one before it: the ones in between were
    /// inserted after it was written.
    Inserted { id: i64, links_to: i64 },
    /// The record links to a record that comes after it.
    Reordered { id: i64, links_to: i64 },
    /// The record links to a hash no record has: its predecessor was rewritten or deleted.
    Unlinked { id: i64 },
    /// Action rows that belong to no record, or whose copy of the record's time or agent differs.
    Actions { record: i64, detail: String },
    /// The first record does not start the chain.
    BadStart { id: i64 },
    /// The anchor hash given to `verify --anchor` is not the hash of any record.
    AnchorMissing { anchor: String },
    /// The daily counts `stats` reads disagree with the chained records.
    Counts { detail: String },
}

impl Break {
    /// The record the break is reported on.
    pub fn record(&self) -> Option<i64> {
        match self {
            Break::Changed { id }
            | Break::Inserted { id, .. }
            | Break::Reordered { id, .. }
            | Break::Unlinked { id }
            | Break::BadStart { id } => Some(*id),
            Break::Deleted { next, .. } => Some(*next),
            Break::Actions { record, .. } => Some(*record),
            Break::AnchorMissing { .. } | Break::Counts { .. } => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Break::Changed { .. } => "changed",
            Break::Deleted { .. } => "deleted",
            Break::Inserted { .. } => "inserted",
            Break::Reordered { .. } => "reordered",
            Break::Unlinked { .. } => "unlinked",
            Break::Actions { .. } => "actions",
            Break::BadStart { .. } => "bad-start",
            Break::AnchorMissing { .. } => "anchor-missing",
            Break::Counts { .. } => "counts",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Break::Changed { id } => {
                format!("record {id} was changed: its content no longer matches its hash")
            }
            Break::Deleted { after, next } if next - after == 2 => format!(
                "record {} was deleted: the trail jumps from record {after} to record {next}",
                after + 1
            ),
            Break::Deleted { after, next } => format!(
                "records {} to {} were deleted: the trail jumps from record {after} to record {next}",
                after + 1,
                next - 1
            ),
            Break::Inserted { id, links_to } => format!(
                "record {id} links to record {links_to}: the records between them were inserted later"
            ),
            Break::Reordered { id, links_to } => format!(
                "record {id} links to record {links_to}, which comes after it: records were reordered"
            ),
            Break::Unlinked { id } => format!(
                "record {id} links to a record that is not in the trail: the record before it was rewritten or deleted"
            ),
            Break::Actions { record, detail } => format!("record {record}: {detail}"),
            Break::BadStart { id } => format!(
                "record {id} is the first in the trail but does not start the chain: earlier records were deleted"
            ),
            Break::Counts { detail } => detail.clone(),
            Break::AnchorMissing { anchor } => format!(
                "no record has the anchor hash {anchor}: the history it proves was rewritten or truncated"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(prev: &str, values: &[ValueRef<'_>]) -> String {
        let mut h = RecordHasher::new(prev);
        for v in values {
            h.value(*v);
        }
        h.finish()
    }

    #[test]
    fn types_and_boundaries_change_the_hash() {
        let a = hash(GENESIS, &[ValueRef::Integer(3)]);
        assert_ne!(a, hash(GENESIS, &[ValueRef::Text(b"3")]));
        assert_ne!(a, hash(GENESIS, &[ValueRef::Null]));
        assert_ne!(
            hash(GENESIS, &[ValueRef::Text(b"ab"), ValueRef::Text(b"c")]),
            hash(GENESIS, &[ValueRef::Text(b"a"), ValueRef::Text(b"bc")])
        );
        assert_ne!(a, hash(&"1".repeat(64), &[ValueRef::Integer(3)]));
        assert_eq!(a, hash(GENESIS, &[ValueRef::Integer(3)]));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn breaks_name_their_record() {
        let b = Break::Deleted { after: 4, next: 6 };
        assert_eq!(b.record(), Some(6));
        assert!(b.describe().starts_with("record 5 was deleted"));
        let b = Break::Deleted { after: 4, next: 9 };
        assert!(b.describe().starts_with("records 5 to 8 were deleted"));
    }
}
