-- The audit trail: one row per record, chained by `prev` and `hash` (see src/audit/chain.rs), and
-- the actions each record decided. Times are milliseconds since the Unix epoch, UTC.
CREATE TABLE records (
    id        INTEGER PRIMARY KEY,   -- chain position: 1, 2, 3, ... without gaps
    run       INTEGER NOT NULL,      -- id of the first record of the command run it belongs to
    time      INTEGER NOT NULL,
    kind      TEXT    NOT NULL,      -- plan, check, stop, resume, quarantine, release, ...
    agent     TEXT,                  -- NULL for records about every agent (stop, resume)
    task      TEXT,
    actor     TEXT    NOT NULL,      -- who ran the command
    outcome   TEXT,                  -- allow, approve, deny, or the kind's own outcome
    tier      INTEGER,
    exit_code INTEGER,
    actions   INTEGER NOT NULL,      -- how many rows of `actions` belong to this record
    body      TEXT    NOT NULL,      -- canonical JSON: the lineage (secrets redacted)
    prev      TEXT    NOT NULL,      -- hash of the previous record (64 zeros for the first)
    hash      TEXT    NOT NULL
);
CREATE INDEX records_time ON records (time);
CREATE INDEX records_agent_time ON records (agent, time);
CREATE INDEX records_task_time ON records (task, time);
CREATE INDEX records_outcome_time ON records (outcome, time);
CREATE INDEX records_kind_agent ON records (kind, agent);
CREATE INDEX records_kind_time ON records (kind, time);
CREATE INDEX records_run ON records (run);
CREATE INDEX records_hash ON records (hash);

CREATE TABLE actions (
    record   INTEGER NOT NULL,       -- records.id
    idx      INTEGER NOT NULL,       -- position in the plan (validate checks follow the actions)
    time     INTEGER NOT NULL,       -- copies of the record's, for the indexes below
    agent    TEXT    NOT NULL,
    name     TEXT    NOT NULL,       -- the action's id in the plan
    tool     TEXT    NOT NULL,
    target   TEXT    NOT NULL,
    tier     INTEGER NOT NULL,
    decision TEXT    NOT NULL,
    rules    TEXT    NOT NULL,       -- ids of the rules that fired, space-separated
    body     TEXT    NOT NULL,       -- canonical JSON: parameters, findings, diff (secrets redacted)
    PRIMARY KEY (record, idx)
) WITHOUT ROWID;
-- Stats and circuit breakers read only these covering indexes, never the table.
CREATE INDEX actions_agent_time ON actions (agent, time, decision);
CREATE INDEX actions_stats ON actions (agent, tier, decision, time);
CREATE INDEX actions_denials ON actions (time) WHERE decision = 'deny';
