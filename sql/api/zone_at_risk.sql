-- The at-risk members (white, red, yellow) of run $1's cohort in M ($2, the
-- first day of M), with the bill and minutes of M-1 and M they were judged
-- on: from the zones the engine stored when M was taken with the run's
-- thresholds, else through kpi.zone_members() under every root branch.
-- sub_id, branch_id (the frozen cohort's), zone, bill and minutes of M-1 and
-- M, ordered as the at-risk list is (api/zone_members.sql).
WITH run AS (
    SELECT extract(year FROM as_of)::int AS year,
           (settings->>'k5_bill_a')::numeric AS a,
           (settings->>'k5_minutes_b')::numeric AS b,
           (settings->>'k5_minutes_c')::numeric AS c
    FROM kpi.run WHERE run_id = $1::bigint
),
taken AS (
    SELECT count(*) AS months
    FROM kpi.zone_month z JOIN run ON z.year = run.year
    WHERE z.month = $2::date AND (z.bill_a, z.minutes_b, z.minutes_c) = (run.a, run.b, run.c)
),
stored AS (
    SELECT zm.sub_id, zm.branch_id, zm.zone, zm.prev_bill, zm.prev_mou::numeric AS prev_mou,
           zm.bill, zm.mou::numeric AS mou
    FROM kpi.zone_member zm JOIN run ON zm.year = run.year
    WHERE zm.month = $2::date AND zm.zone IN ('white', 'red', 'yellow')
      AND (SELECT months FROM taken) = 1
),
computed AS (
    SELECT z.sub_id, z.branch_id, z.zone, z.prev_bill, z.prev_mou, z.bill, z.mou
    FROM dw.branch root
    CROSS JOIN LATERAL kpi.zone_members($1::bigint, $2::date, root.branch_id) z
    WHERE (SELECT months FROM taken) = 0
      AND (root.parent_id IS NULL
           OR NOT EXISTS (SELECT 1 FROM dw.branch p WHERE p.branch_id = root.parent_id))
      AND z.zone IN ('white', 'red', 'yellow')
)
SELECT sub_id::text, branch_id::text, zone, prev_bill::text, prev_mou::text, bill::text, mou::text
FROM (SELECT * FROM stored UNION ALL SELECT * FROM computed) m
ORDER BY sub_id::text
