-- K5 五区预警: the zone of one member in month M, from M's and M-1's usage
-- (a missing row or NULL bill/minutes reads as zero). Thresholds A (bill),
-- B (minutes), C (low minutes). Precedence white > red > yellow >
-- blue/green; NULL = unzoned. Shared by the K5 counts (sql/kpi/k5_zones.sql)
-- and the daemon's per-member list (sql/api/zone_members.sql), so that the
-- two can never disagree.
--   white  (流失区) suspended or pre-cancelled in M
--   red    (危险区) bill >= A and minutes > B in M-1; bill >= A, minutes < C in M
--   yellow (异动区) bill >= A and minutes > B in M-1; bill < A in M
--   blue   (安全区) bill >= A and minutes > B in M, with a minimum-spend commitment
--   green  (稳定区) bill >= A and minutes > B in M, without one
CREATE FUNCTION kpi.risk_zone(status text, prev_bill numeric, prev_mou numeric, bill numeric,
                              mou numeric, min_commit boolean, a numeric, b numeric, c numeric)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN status IN ('suspended', 'pre_cancel') THEN 'white'
        WHEN coalesce(prev_bill, 0) >= a AND coalesce(prev_mou, 0) > b
             AND coalesce(bill, 0) >= a AND coalesce(mou, 0) < c THEN 'red'
        WHEN coalesce(prev_bill, 0) >= a AND coalesce(prev_mou, 0) > b
             AND coalesce(bill, 0) < a THEN 'yellow'
        WHEN coalesce(bill, 0) >= a AND coalesce(mou, 0) > b
            THEN CASE WHEN min_commit THEN 'blue' ELSE 'green' END
    END
$$;

-- Per member of the K1 cohort (the year of run p_run) under branch p_branch:
-- the zone in month p_month (M) and in M-1, each among the members still in
-- the network at the end of that month ('none' = unzoned, NULL = not in that
-- month's population), with the bill and minutes of M-1 and M. Thresholds
-- are the run's own settings. Read by the daemon (zone moves, at-risk list).
-- The body names dw tables, which a database migrated before the warehouse
-- is loaded does not have yet: check it when it runs, not now.
SET LOCAL check_function_bodies = off;

CREATE FUNCTION kpi.zone_members(p_run bigint, p_month date, p_branch int)
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
    usage AS (
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
        GROUP BY u.sub_id
    )
    SELECT m.sub_id, m.branch_id,
           CASE WHEN m.cancelled_on IS NULL OR m.cancelled_on > p_month - 1 THEN
               coalesce(kpi.risk_zone(u.status1, u.bill2, u.mou2, u.bill1, u.mou1, u.commit1,
                                      run.a, run.b, run.c), 'none')
           END,
           CASE WHEN m.cancelled_on IS NULL
                  OR m.cancelled_on > (p_month + interval '1 month - 1 day')::date THEN
               coalesce(kpi.risk_zone(u.status, u.bill1, u.mou1, u.bill, u.mou, u.commit,
                                      run.a, run.b, run.c), 'none')
           END,
           coalesce(u.bill1, 0), coalesce(u.mou1, 0), coalesce(u.bill, 0), coalesce(u.mou, 0)
    FROM members m
    CROSS JOIN run
    LEFT JOIN usage u ON u.sub_id = m.sub_id
$$;
