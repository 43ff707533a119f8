-- K5 五区预警: M = the last closed month at $2, M-1 the month before. The
-- population is the K1 cohort of year $1 still in the network at the end of
-- M; a missing usage row (or NULL bill/minutes) reads as zero. Thresholds:
-- A = $3 (bill), B = $4 (minutes), C = $5 (low minutes); the zone of a
-- member is kpi.risk_zone (sql/schema/003_risk_zone.sql, with the rules).
-- value = numerator = the count; all five zones for every branch with a population.
INSERT INTO pg_temp.calc (kpi, branch_id, dim, period, numerator, value)
WITH m AS (
    SELECT max(month) AS cur,
           (max(month) - interval '1 month')::date AS prev,
           (max(month) + interval '1 month - 1 day')::date AS cur_end
    FROM dw.billing_month
    WHERE closed_on <= $2::date
),
pop AS (
    SELECT cm.sub_id, cm.branch_id
    FROM kpi.cohort_member cm
    JOIN dw.subscriber s ON s.sub_id = cm.sub_id
    CROSS JOIN m
    WHERE cm.year = $1::int AND (s.cancelled_on IS NULL OR s.cancelled_on > m.cur_end)
),
usage AS (
    -- one pass over M-1 and M (the bounds are scalars, so the BRIN index on
    -- month applies); at most one row per month and subscriber (the pk)
    SELECT u.sub_id,
           max(coalesce(u.bill_amount, 0)) FILTER (WHERE u.month = (SELECT cur FROM m)) AS bill,
           max(coalesce(u.calling_mou, 0)) FILTER (WHERE u.month = (SELECT cur FROM m)) AS mou,
           bool_or(coalesce(u.min_commit, false)) FILTER (WHERE u.month = (SELECT cur FROM m))
               AS commit,
           max(u.status) FILTER (WHERE u.month = (SELECT cur FROM m)) AS status,
           max(coalesce(u.bill_amount, 0)) FILTER (WHERE u.month = (SELECT prev FROM m))
               AS prev_bill,
           max(coalesce(u.calling_mou, 0)) FILTER (WHERE u.month = (SELECT prev FROM m))
               AS prev_mou
    FROM dw.monthly_usage u
    WHERE u.month BETWEEN (SELECT prev FROM m) AND (SELECT cur FROM m)
      AND u.sub_id IN (SELECT sub_id FROM pop)
    GROUP BY u.sub_id
),
zoned AS (
    -- the zone rules: kpi.risk_zone (sql/schema/003_risk_zone.sql)
    SELECT p.branch_id,
           kpi.risk_zone(u.status, u.prev_bill, u.prev_mou, u.bill, u.mou, u.commit,
                         $3::numeric, $4::numeric, $5::numeric) AS zone
    FROM pop p
    LEFT JOIN usage u ON u.sub_id = p.sub_id
),
counts AS (
    SELECT branch_id, zone, count(*) AS n FROM zoned WHERE zone IS NOT NULL GROUP BY 1, 2
),
rolled AS (
    SELECT up.ancestor_id AS branch_id, z.zone, coalesce(sum(c.n), 0) AS n
    FROM (SELECT DISTINCT branch_id FROM pop) b
    JOIN pg_temp.branch_up up ON up.branch_id = b.branch_id
    CROSS JOIN (VALUES ('white'), ('red'), ('yellow'), ('blue'), ('green')) AS z(zone)
    LEFT JOIN counts c ON c.branch_id = b.branch_id AND c.zone = z.zone
    GROUP BY up.ancestor_id, z.zone
)
SELECT 'zone_count', r.branch_id, r.zone, to_char(m.cur, 'YYYY-MM'), r.n, r.n
FROM rolled r
CROSS JOIN m
WHERE m.cur IS NOT NULL
