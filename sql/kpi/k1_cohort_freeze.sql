-- K1 cohort (拍照, the "photograph") of assessment year $1: the subscribers
-- with bill_amount >= $2 (default 120.00) in EVERY month of the baseline
-- window, October-December of $1 - 1 (a missing or NULL month fails), and
-- not cancelled on or before 31 December of $1 - 1. Frozen once, with each
-- member's branch at that time; later data changes never change it.
-- Usage rows of unknown subscribers drop out at the join.
INSERT INTO kpi.cohort_member (year, sub_id, branch_id)
SELECT $1::int, s.sub_id, s.branch_id
FROM (
    SELECT u.sub_id
    FROM dw.monthly_usage u
    WHERE u.month BETWEEN make_date($1::int - 1, 10, 1) AND make_date($1::int - 1, 12, 1)
      AND u.bill_amount >= $2::numeric
    GROUP BY u.sub_id
    HAVING count(DISTINCT u.month) = 3
) baseline
JOIN dw.subscriber s ON s.sub_id = baseline.sub_id
WHERE s.cancelled_on IS NULL OR s.cancelled_on > make_date($1::int - 1, 12, 31)
