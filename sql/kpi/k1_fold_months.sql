-- K1 per-member state: fold the months $3 (months of year $1, closed and not
-- folded yet: k1_fold_pending.sql) into each member's good_mask (bit m-1 =
-- month m had a bill >= $2, default 50.00). A closed month is final, so it is
-- read once; a month without a usage row, with a NULL or a negative bill
-- leaves its bit clear, i.e. counts as a low month. The months come as a
-- constant array so that the planner sees how many rows they hold.
-- Run where the rows are (kpi.shard_task); k1_fold_store.sql marks the
-- months folded.
WITH good AS (
    SELECT u.sub_id, bit_or(1 << (extract(month FROM u.month)::int - 1)) AS mask
    FROM dw.monthly_usage u
    JOIN kpi.cohort_member cm ON cm.year = $1::int AND cm.sub_id = u.sub_id
    WHERE u.month = ANY ($3::date[])
      AND u.bill_amount >= $2::numeric
    GROUP BY u.sub_id
)
UPDATE kpi.cohort_member cm SET good_mask = cm.good_mask | good.mask
FROM good
WHERE cm.year = $1::int AND cm.sub_id = good.sub_id
;
SELECT true AS folded
