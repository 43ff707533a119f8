-- K1 中高端客户保有率 at date $2 for assessment year $1, per branch.
-- A member is LOST when (a) cancelled on or before $2, or (b) still in the
-- network but with a bill < 50.00 in $3 (default 3) or more closed months of
-- year $1 up to $2 (cumulative; a missing row or NULL bill is a low month):
-- $4 is the mask of those closed months (k1_closed_mask.sql).
-- numerator = members - lost, denominator = members (the frozen cohort),
-- by the member's branch at freezing time (k1_retention_store.sql adds up
-- the shards' counts and rolls them up the branch tree).
-- Run where the rows are (kpi.shard_task). (b) comes from the folded
-- good_mask (k1_fold_months.sql); (a) reads only the subscribers cancelled
-- on or before $2 (the partial index on cancelled_on), not the whole of
-- dw.subscriber. A member unknown to dw.subscriber is not cancelled.
WITH cancelled AS (
    SELECT sub_id FROM dw.subscriber WHERE cancelled_on <= $2::date
),
member AS (
    SELECT cm.branch_id,
           c.sub_id IS NOT NULL
           OR bit_count(($4::int & ~cm.good_mask)::bit(32)) >= $3::int AS lost
    FROM kpi.cohort_member cm
    LEFT JOIN cancelled c ON c.sub_id = cm.sub_id
    WHERE cm.year = $1::int
)
SELECT branch_id, count(*) AS members, count(*) FILTER (WHERE lost) AS lost
FROM member
GROUP BY branch_id
