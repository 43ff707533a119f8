-- The K5 moves of run $1's cohort between M-1 and M ($2, the first day of
-- M), per member's branch (the branch of the frozen cohort; a snapshot rolls
-- them up a subtree): from zone (M-1) to zone (M), 'none' = unzoned, 'out' =
-- not in that month's population (left the network). From the zones the
-- engine stored when both months were taken with the run's thresholds, else
-- through kpi.zone_members() (sql/schema/005_zone_members_stored.sql: the
-- same rules over the warehouse) under every root branch.
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
    WHERE z.month IN ($2::date, ($2::date - interval '1 month')::date)
      AND (z.bill_a, z.minutes_b, z.minutes_c) = (run.a, run.b, run.c)
),
member AS (
    SELECT zm.month, zm.sub_id, zm.branch_id, coalesce(zm.zone, 'none') AS zone
    FROM kpi.zone_member zm JOIN run ON zm.year = run.year
    WHERE zm.month IN ($2::date, ($2::date - interval '1 month')::date)
      AND (SELECT months FROM taken) = 2
),
stored AS (
    SELECT coalesce(m.branch_id, p.branch_id) AS branch_id, coalesce(p.zone, 'out') AS from_zone,
           coalesce(m.zone, 'out') AS to_zone, count(*) AS members
    FROM (SELECT * FROM member WHERE month = $2::date) m
    FULL JOIN (SELECT * FROM member WHERE month < $2::date) p ON p.sub_id = m.sub_id
    GROUP BY 1, 2, 3
),
computed AS (
    SELECT z.branch_id, coalesce(z.prev_zone, 'out') AS from_zone,
           coalesce(z.zone, 'out') AS to_zone, count(*) AS members
    FROM dw.branch root
    CROSS JOIN LATERAL kpi.zone_members($1::bigint, $2::date, root.branch_id) z
    WHERE (SELECT months FROM taken) < 2
      AND (root.parent_id IS NULL
           OR NOT EXISTS (SELECT 1 FROM dw.branch p WHERE p.branch_id = root.parent_id))
      AND (z.prev_zone IS NOT NULL OR z.zone IS NOT NULL)
    GROUP BY 1, 2, 3
)
SELECT branch_id::text, from_zone, to_zone, members::text FROM stored
UNION ALL
SELECT branch_id::text, from_zone, to_zone, members::text FROM computed
