-- K1 cohort (拍照, the "photograph") of assessment year $1, first step: the
-- subscribers with bill_amount >= $2 (default 120.00) in EVERY month of the
-- baseline window, October-December of $1 - 1 (a missing or NULL month
-- fails). A subscriber has at most one row per month (the pk of
-- dw.monthly_usage), so count(*) counts distinct months (and needs no sort,
-- unlike count(DISTINCT)). Kept in a temporary table that is analysed before
-- k1_cohort_freeze.sql joins it, so that its joins are planned with the
-- real number of candidates.
INSERT INTO pg_temp.baseline (sub_id)
SELECT u.sub_id
FROM dw.monthly_usage u
WHERE u.month BETWEEN make_date($1::int - 1, 10, 1) AND make_date($1::int - 1, 12, 1)
  AND u.bill_amount >= $2::numeric
GROUP BY u.sub_id
HAVING count(*) = 3
