-- kpi.zone_members (first in 003_risk_zone.sql) now reads the zones the KPI
-- engine stored (004_kpi_state.sql) for M and M-1 when they were taken with
-- the run's thresholds, so that the moves and the at-risk lists always agree
-- with the run's K5 counts: the same members, judged with the cancellations
-- known when the zones were taken (docs/kpis.md, K5). A month whose zones
-- are not stored (no run has had it as M, or other thresholds) is computed
-- from the warehouse with the same kpi.risk_zone rules. The bill and minutes
-- of M-1 and M are given for the members of M's population only (NULL for
-- the others, who have left the network).
SET LOCAL check_function_bodies = off;

CREATE OR REPLACE FUNCTION kpi.zone_members(p_run bigint, p_month date, p_branch int)
RETURNS TABLE (sub_id bigint, branch_id int, prev_zone text, zone text,
               prev_bill numeric, prev_mou numeric, bill numeric, mou numeric)
LANGUAGE sql STABLE
AS $$
    WITH RECURSIVE run AS (
        SELECT extract(year FROM r.as_of)::int AS year,
               (r.settings->>'k5_bill_a')::numeric AS a,
               (r.settings->>'k5_minutes_b')::numeric AS b,
               (r.settings->>'k5_minutes_c')::numeric AS c
        FROM kpi.run r
        WHERE r.run_id = p_run
    ),
    subtree AS (
        SELECT br.branch_id FROM dw.branch br WHERE br.branch_id = p_branch
        UNION
        SELECT br.branch_id FROM dw.branch br JOIN subtree t ON br.parent_id = t.branch_id
    ),
    members AS (
        SELECT cm.sub_id, cm.branch_id, s.cancelled_on
        FROM kpi.cohort_member cm
        JOIN run ON cm.year = run.year
        JOIN subtree t ON t.branch_id = cm.branch_id
        JOIN dw.subscriber s ON s.sub_id = cm.sub_id
    ),
    taken AS (
        -- M and M-1, where stored with the run's thresholds
        SELECT z.month
        FROM kpi.zone_month z
        JOIN run ON z.year = run.year
        WHERE z.month IN (p_month, (p_month - interval '1 month')::date)
          AND (z.bill_a, z.minutes_b, z.minutes_c) = (run.a, run.b, run.c)
    ),
    stored AS (
        SELECT zm.month, zm.sub_id, coalesce(zm.zone, 'none') AS zone,
               zm.prev_bill, zm.prev_mou, zm.bill, zm.mou
        FROM kpi.zone_member zm
        JOIN run ON zm.year = run.year
        JOIN taken t ON t.month = zm.month
        WHERE zm.sub_id IN (SELECT m.sub_id FROM members m)
    ),
    usage AS (
        -- read only when a month is not stored
        SELECT u.sub_id,
               max(coalesce(u.bill_amount, 0)) FILTER (WHERE u.month = p_month) AS bill,
               max(coalesce(u.calling_mou, 0)) FILTER (WHERE u.month = p_month) AS mou,
               bool_or(coalesce(u.min_commit, false)) FILTER (WHERE u.month = p_month) AS commit,
               max(u.status) FILTER (WHERE u.month = p_month) AS status,
               max(coalesce(u.bill_amount, 0)) FILTER (WHERE u.month = (p_month - interval '1 month')::date) AS bill1,
               max(coalesce(u.calling_mou, 0)) FILTER (WHERE u.month = (p_month - interval '1 month')::date) AS mou1,
               bool_or(coalesce(u.min_commit, false)) FILTER (WHERE u.month = (p_month - interval '1 month')::date) AS commit1,
               max(u.status) FILTER (WHERE u.month = (p_month - interval '1 month')::date) AS status1,
               max(coalesce(u.bill_amount, 0)) FILTER (WHERE u.month = (p_month - interval '2 months')::date) AS bill2,
               max(coalesce(u.calling_mou, 0)) FILTER (WHERE u.month = (p_month - interval '2 months')::date) AS mou2
        FROM dw.monthly_usage u
        WHERE u.month BETWEEN (p_month - interval '2 months')::date AND p_month
          AND u.sub_id IN (SELECT m.sub_id FROM members m)
          AND (SELECT count(*) FROM taken) < 2
        GROUP BY u.sub_id
    ),
    computed AS (
        SELECT m.sub_id,
               CASE WHEN m.cancelled_on IS NULL OR m.cancelled_on > p_month - 1 THEN
                   coalesce(kpi.risk_zone(u.status1, u.bill2, u.mou2, u.bill1, u.mou1, u.commit1,
                                          run.a, run.b, run.c), 'none')
               END AS prev_zone,
               CASE WHEN m.cancelled_on IS NULL
                      OR m.cancelled_on > (p_month + interval '1 month - 1 day')::date THEN
                   coalesce(kpi.risk_zone(u.status, u.bill1, u.mou1, u.bill, u.mou, u.commit,
                                          run.a, run.b, run.c), 'none')
               END AS zone,
               u.bill1, u.mou1, u.bill, u.mou
        FROM members m
        CROSS JOIN run
        LEFT JOIN usage u ON u.sub_id = m.sub_id
    ),
    zoned AS (
        SELECT m.sub_id, m.branch_id,
               CASE WHEN EXISTS (SELECT 1 FROM taken t WHERE t.month < p_month) THEN sp.zone
                    ELSE c.prev_zone END AS prev_zone,
               CASE WHEN EXISTS (SELECT 1 FROM taken t WHERE t.month = p_month) THEN sm.zone
                    ELSE c.zone END AS zone,
               coalesce(sm.prev_bill, c.bill1, 0) AS prev_bill,
               coalesce(sm.prev_mou, c.mou1, 0) AS prev_mou,
               coalesce(sm.bill, c.bill, 0) AS bill, coalesce(sm.mou, c.mou, 0) AS mou
        FROM members m
        JOIN computed c ON c.sub_id = m.sub_id
        LEFT JOIN stored sm ON sm.sub_id = m.sub_id AND sm.month = p_month
        LEFT JOIN stored sp ON sp.sub_id = m.sub_id AND sp.month < p_month
    )
    -- the figures only for the members of M's population
    SELECT sub_id, branch_id, prev_zone, zone,
           CASE WHEN zone IS NOT NULL THEN prev_bill END,
           CASE WHEN zone IS NOT NULL THEN prev_mou END,
           CASE WHEN zone IS NOT NULL THEN bill END,
           CASE WHEN zone IS NOT NULL THEN mou END
    FROM zoned
$$;
