-- Daily counts for `audit stats`: a full-trail grouping of 1,000,000 actions took 120 ms; whole
-- days now come from these tables and only the partial days at a window's edges from the rows.
-- Triggers keep them in step with every insert; `audit verify` recomputes them from the chained
-- rows, so an edit to a count is caught like an edit to a record.
CREATE TABLE action_days (
    day      INTEGER NOT NULL,       -- time / 86400000: days since the epoch, UTC
    agent    TEXT    NOT NULL,
    tier     INTEGER NOT NULL,
    decision TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (day, agent, tier, decision)
) WITHOUT ROWID;
CREATE TABLE record_days (
    day     INTEGER NOT NULL,
    agent   TEXT    NOT NULL,        -- '' for records about every agent
    kind    TEXT    NOT NULL,
    outcome TEXT    NOT NULL,        -- '' when the record has none
    n       INTEGER NOT NULL,
    PRIMARY KEY (day, kind, agent, outcome)
) WITHOUT ROWID;
INSERT INTO action_days
    SELECT time / 86400000, agent, tier, decision, count(*) FROM actions GROUP BY 1, 2, 3, 4;
INSERT INTO record_days
    SELECT time / 86400000, coalesce(agent, ''), kind, coalesce(outcome, ''), count(*)
    FROM records GROUP BY 1, 2, 3, 4;
CREATE TRIGGER actions_count AFTER INSERT ON actions BEGIN
    INSERT INTO action_days (day, agent, tier, decision, n)
    VALUES (NEW.time / 86400000, NEW.agent, NEW.tier, NEW.decision, 1)
    ON CONFLICT (day, agent, tier, decision) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER records_count AFTER INSERT ON records BEGIN
    INSERT INTO record_days (day, agent, kind, outcome, n)
    VALUES (NEW.time / 86400000, coalesce(NEW.agent, ''), NEW.kind, coalesce(NEW.outcome, ''), 1)
    ON CONFLICT (day, kind, agent, outcome) DO UPDATE SET n = n + 1;
END;
-- The partial days at a window's edges are read by time.
CREATE INDEX actions_time ON actions (time, agent, tier, decision);
DROP INDEX actions_stats;
