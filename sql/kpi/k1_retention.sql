-- K1 中高端客户保有率 at date $2 for assessment year $1.
-- A member is LOST when (a) cancelled on or before $2, or (b) still in the
-- network but with a bill < 50.00 in $3 (default 3) or more closed months of
-- year $1 up to $2 (cumulative; a missing row or NULL bill is a low month).
-- numerator = members - lost, denominator = members (the frozen cohort),
-- by the member's branch at freezing time, rolled up the branch tree.
-- (b) comes from the folded good_mask (k1_fold_months.sql); (a) reads only
-- the subscribers cancelled on or before $2 (the partial index on
-- cancelled_on), not the whole of dw.subscriber. A member unknown to
-- dw.subscriber is not cancelled.
INSERT INTO pg_temp.calc (kpi, branch_id, period, numerator, denominator, value)
WITH closed AS (
    SELECT coalesce(bit_or(1 << (extract(month FROM month)::int - 1)), 0) AS mask
    FROM dw.billing_month
    WHERE month BETWEEN make_date($1::int, 1, 1) AND make_date($1::int, 12, 1)
      AND closed_on <= $2::date
),
cancelled AS (
    SELECT sub_id FROM dw.subscriber WHERE cancelled_on <= $2::date
),
member AS (
    SELECT cm.branch_id,
           c.sub_id IS NOT NULL
           OR bit_count(((SELECT mask FROM closed) & ~cm.good_mask)::bit(32)) >= $3::int AS lost
    FROM kpi.cohort_member cm
    LEFT JOIN cancelled c ON c.sub_id = cm.sub_id
    WHERE cm.year = $1::int
),
per_branch AS (
    SELECT branch_id, count(*) AS members, count(*) FILTER (WHERE lost) AS lost
    FROM member
    GROUP BY branch_id
)
SELECT 'retention_rate', up.ancestor_id, $1::text,
       sum(p.members - p.lost), sum(p.members),
       sum(p.members - p.lost)::numeric / sum(p.members)
FROM per_branch p
JOIN pg_temp.branch_up up ON up.branch_id = p.branch_id
GROUP BY up.ancestor_id
