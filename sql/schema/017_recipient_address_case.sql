-- An extra recipient's address is one mailbox whatever the case of its
-- letters (docs/bulletin.md, "Recipients"): one row per branch and address
-- in lower case, held by the database. Before, an add checked for the
-- address in other letters and inserted in one statement, and two adds at
-- once could both pass the check.
--
-- Rows of one branch whose addresses differ only in case are one mailbox,
-- which got the bulletin twice: the first added is kept, the others are
-- removed, each removal written in the audit log as the system's.
WITH gone AS (
    DELETE FROM kpi.bulletin_recipient r
    USING kpi.bulletin_recipient k
    WHERE k.branch_code = r.branch_code
      AND lower(k.address) = lower(r.address)
      AND (k.added_at, k.address) < (r.added_at, r.address)
    RETURNING r.branch_code, r.address
)
INSERT INTO kpi.audit_log (who, action, params, outcome, detail)
SELECT NULL, 'bulletin_recipient_remove',
       jsonb_build_object('branch', branch_code, 'address', address,
                          'reason', 'the same address in other letters (migration 017)'),
       'ok', branch_code
FROM gone;

CREATE UNIQUE INDEX bulletin_recipient_address_case
    ON kpi.bulletin_recipient (branch_code, lower(address));
