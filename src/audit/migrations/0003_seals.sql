-- Sealed plans: `apply` claims a seal (replay detection) and `approve` records approvals of one.
-- Both are found by the seal id inside the chained body, so the lookup cannot drift from what
-- `audit verify` protects: removing the claim means removing or editing a chained record.
CREATE INDEX records_seal ON records (json_extract(body, '$.seal'))
    WHERE kind IN ('apply', 'approval');
