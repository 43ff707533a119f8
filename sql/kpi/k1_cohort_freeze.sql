-- K1 cohort (拍照, the "photograph") of assessment year $1, frozen once with
-- each member's branch at that time; later data changes never change it.
-- Run where the rows are (kpi.shard_task): on each shard over its own
-- subscribers, on one server over all; k1_cohort_store.sql adds up the
-- members. The statements run in order, each ended by a line ";".
-- First the baseline candidates: bill_amount >= $2 (default 120.00) in
-- EVERY month of October-December of $1 - 1 (a missing or NULL month
-- fails). A subscriber has at most one row per month (the pk of
-- dw.monthly_usage), so count(*) counts distinct months (and needs no sort,
-- unlike count(DISTINCT)). Kept in a temporary table, analysed before the
-- next statement joins it, so that its joins are planned with the real
-- number of candidates.
CREATE TEMP TABLE IF NOT EXISTS baseline (sub_id bigint NOT NULL) ON COMMIT DROP
;
-- members left by a run whose commit reached this shard but not the
-- coordinator (docs/scaling.md, "Failures"); none otherwise
DELETE FROM kpi.cohort_member WHERE year = $1::int
;
TRUNCATE pg_temp.baseline
;
INSERT INTO pg_temp.baseline (sub_id)
SELECT u.sub_id
FROM dw.monthly_usage u
WHERE u.month BETWEEN make_date($1::int - 1, 10, 1) AND make_date($1::int - 1, 12, 1)
  AND u.bill_amount >= $2::numeric
GROUP BY u.sub_id
HAVING count(*) = 3
;
ANALYZE pg_temp.baseline
;
-- The members: the candidates not cancelled on or before 31 December of
-- $1 - 1 (candidates unknown to dw.subscriber drop out at the join). The
-- months $4 (months of year $1 already closed: k1_fold_pending.sql) are
-- folded in at once: good_mask bit m-1 = month m had a bill >= $3 (default
-- 50.00), as k1_fold_months.sql does for the months that close later.
WITH good AS (
    SELECT u.sub_id, bit_or(1 << (extract(month FROM u.month)::int - 1)) AS mask
    FROM dw.monthly_usage u
    JOIN pg_temp.baseline b ON b.sub_id = u.sub_id
    WHERE u.month = ANY ($4::date[])
      AND u.bill_amount >= $3::numeric
    GROUP BY u.sub_id
)
INSERT INTO kpi.cohort_member (year, sub_id, branch_id, good_mask)
SELECT $1::int, s.sub_id, s.branch_id, coalesce(g.mask, 0)
FROM pg_temp.baseline b
JOIN dw.subscriber s ON s.sub_id = b.sub_id
LEFT JOIN good g ON g.sub_id = b.sub_id
WHERE s.cancelled_on IS NULL OR s.cancelled_on > make_date($1::int - 1, 12, 31)
;
ANALYZE kpi.cohort_member
;
SELECT count(*) AS members FROM kpi.cohort_member WHERE year = $1::int
