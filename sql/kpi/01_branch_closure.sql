-- Roll-up tree: every branch with each of its ancestors, itself included.
-- Values are rolled up by summing numerators and denominators over this
-- relation, never by averaging rates. UNION (not UNION ALL) stops a cycle;
-- a branch without a parent (or with an unknown one) rolls up to itself
-- only and is reported by the data-quality rule branch_without_parent.
INSERT INTO pg_temp.branch_up (branch_id, ancestor_id)
WITH RECURSIVE up (branch_id, ancestor_id) AS (
    SELECT branch_id, branch_id FROM dw.branch
    UNION
    SELECT up.branch_id, p.branch_id
    FROM up
    JOIN dw.branch b ON b.branch_id = up.ancestor_id
    JOIN dw.branch p ON p.branch_id = b.parent_id
)
SELECT branch_id, ancestor_id FROM up
