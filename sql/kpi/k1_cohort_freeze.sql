-- K1 cohort (拍照, the "photograph") of assessment year $1: the baseline
-- candidates (k1_cohort_baseline.sql: bill >= the baseline bill in every
-- month of October-December of $1 - 1) not cancelled on or before 31
-- December of $1 - 1. Frozen once, with each member's branch at that time;
-- later data changes never change it. Candidates unknown to dw.subscriber
-- drop out at the join.
-- The months $3 (months of year $1 already closed: k1_fold_pending.sql) are
-- folded in at once: good_mask bit m-1 = month m had a bill >= $2 (default
-- 50.00), as k1_fold_months.sql does for the months that close later.
WITH good AS (
    SELECT u.sub_id, bit_or(1 << (extract(month FROM u.month)::int - 1)) AS mask
    FROM dw.monthly_usage u
    JOIN pg_temp.baseline b ON b.sub_id = u.sub_id
    WHERE u.month = ANY ($3::date[])
      AND u.bill_amount >= $2::numeric
    GROUP BY u.sub_id
)
INSERT INTO kpi.cohort_member (year, sub_id, branch_id, good_mask)
SELECT $1::int, s.sub_id, s.branch_id, coalesce(g.mask, 0)
FROM pg_temp.baseline b
JOIN dw.subscriber s ON s.sub_id = b.sub_id
LEFT JOIN good g ON g.sub_id = b.sub_id
WHERE s.cancelled_on IS NULL OR s.cancelled_on > make_date($1::int - 1, 12, 31)
